//! Direct reads of Struct fields from their object slots, as msgspec itself reads them: the
//! offsets come from the class's own `PyMemberDef` tables (`tp_members` along the MRO), found
//! once per class. Any class whose layout cannot be read this way uses `getattr` instead.

use std::collections::HashMap;
use std::ffi::CStr;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// Byte offsets of `fields` inside instances of `cls`, or None if any is not an object slot.
pub fn field_offsets(cls: &Bound<'_, PyAny>, fields: &[String]) -> Option<Vec<isize>> {
    let mro = cls.getattr("__mro__").ok()?;
    let mut offsets: HashMap<String, isize> = HashMap::new();
    for base in mro.try_iter().ok()? {
        let base = base.ok()?.cast_into::<PyType>().ok()?;
        // SAFETY: `base` is a live type object; PyType_GetSlot accepts any type since 3.10 and
        // returns its `tp_members` array (null-terminated by a member with a null name) or null.
        unsafe {
            let members = ffi::PyType_GetSlot(base.as_ptr().cast(), ffi::Py_tp_members)
                as *const ffi::PyMemberDef;
            if members.is_null() {
                continue;
            }
            let mut member = members;
            while !(*member).name.is_null() {
                let name = CStr::from_ptr((*member).name)
                    .to_string_lossy()
                    .into_owned();
                if (*member).type_code == ffi::Py_T_OBJECT_EX
                    && (*member).flags & ffi::Py_READONLY == 0
                {
                    offsets.entry(name).or_insert((*member).offset);
                }
                member = member.add(1);
            }
        }
    }
    fields.iter().map(|f| offsets.get(f).copied()).collect()
}

/// The object in `obj`'s slot at `offset`, borrowed from `obj`; None when the slot is empty.
///
/// # Safety
/// `offset` must come from `field_offsets` for exactly `obj`'s type.
#[inline]
pub unsafe fn read_slot<'a, 'py>(
    obj: &'a Bound<'py, PyAny>,
    offset: isize,
) -> Option<Borrowed<'a, 'py, PyAny>> {
    // SAFETY: the caller guarantees `offset` is a member slot of `obj`'s exact type, so the
    // read stays inside the live object and yields a PyObject pointer or null.
    let value = unsafe {
        *obj.as_ptr()
            .cast::<u8>()
            .offset(offset)
            .cast::<*mut ffi::PyObject>()
    };
    // SAFETY: a non-null slot holds a reference owned by `obj`, which outlives the borrow.
    (!value.is_null()).then(|| unsafe { Borrowed::from_ptr(obj.py(), value) })
}
