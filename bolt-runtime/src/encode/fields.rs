//! What generated per-schema encoders call: one writer per statically known field type, each
//! reading the field straight from its Struct slot. A value that is not of the declared type
//! (or any type the fast path does not handle) goes through the generic walk of the field's
//! node, so generated and interpreted encoders always write the same bytes.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString};

use super::plan::StructPlan;
use super::walk::{is_type, EncodeError, EncodeResult, Walker};
use super::write;

/// `,` before every member but the first (`omit_defaults` objects, whose members vary).
#[inline]
pub fn separator(first: &mut bool, buf: &mut Vec<u8>) {
    if !std::mem::take(first) {
        buf.push(b',');
    }
}

/// A scalar type with a fast writer (fields and `list[...]` items).
#[derive(Clone, Copy)]
pub enum Item {
    Int,
    Float,
    Str,
    Bool,
}

/// A generated encoder for one Struct schema, called with the proof that its value is a
/// plain instance of exactly the schema's class (see `Walker::plain_slots`).
pub type EncodeFn =
    for<'a, 'py> fn(&Walker<'_>, PlainStruct<'a, 'py>, &mut Vec<u8>, usize) -> EncodeResult;

/// Proof that `value` is an instance of exactly `plan`'s class, whose slot offsets `plan`
/// holds, and that all its fields were set when checked. Only `Walker::plain_slots` makes one
/// (the fields are private), so the field readers below can read slots directly, safely.
#[derive(Clone, Copy)]
pub struct PlainStruct<'a, 'py> {
    plan: &'a StructPlan,
    value: &'a Bound<'py, PyAny>,
    offsets: &'a [isize],
}

impl<'a, 'py> PlainStruct<'a, 'py> {
    pub fn plan(&self) -> &'a StructPlan {
        self.plan
    }

    pub fn value(&self) -> &'a Bound<'py, PyAny> {
        self.value
    }

    /// Field `index`, borrowed from its slot; Mismatch if Python code run by an earlier field
    /// emptied it. Panics for an index past the class's fields.
    #[inline]
    fn slot(&self, index: usize) -> Result<Borrowed<'a, 'py, PyAny>, EncodeError> {
        // SAFETY: `plain_slots` checked that `value`'s type is exactly `plan.cls`, and
        // `offsets` are that class's slot offsets (`field_offsets`); `offsets[index]` is
        // bounds-checked. A slot emptied since reads as None.
        unsafe { super::slots::read_slot(self.value, self.offsets[index]) }
            .ok_or(EncodeError::Mismatch)
    }
}

impl Walker<'_> {
    /// The proof that `value` is a plain instance of `plan`'s class: exactly that class, its
    /// layout known, and no field empty or UNSET (UNSET fields are left out, which the generic
    /// walk does).
    #[inline]
    pub fn plain_slots<'a, 'py>(
        &self,
        plan: &'a StructPlan,
        value: &'a Bound<'py, PyAny>,
    ) -> Option<PlainStruct<'a, 'py>> {
        if !is_type(value, &plan.cls) {
            return None;
        }
        let offsets = plan.offsets.as_deref()?;
        let unset = self.plans.types.unset.as_ptr();
        let all_set = offsets.iter().all(|&offset| {
            // SAFETY: `value`'s type is exactly `plan.cls` (checked above), whose slot offsets
            // these are.
            unsafe { super::slots::read_slot(value, offset) }
                .is_some_and(|field| field.as_ptr() != unset)
        });
        all_set.then_some(PlainStruct {
            plan,
            value,
            offsets,
        })
    }

    /// `omit_defaults`: whether field `index` holds its default (and is left out).
    pub fn field_is_default(&self, s: PlainStruct<'_, '_>, index: usize) -> EncodeResult<bool> {
        // Owned: comparing with an empty default asks the value's length.
        let field = s.slot(index)?.to_owned();
        Ok(self.is_default(&s.plan.fields[index], &field)?)
    }

    /// Any field, through the generic walk of its declared node.
    #[inline(never)]
    pub fn field_any(
        &self,
        s: PlainStruct<'_, '_>,
        index: usize,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> EncodeResult {
        // Owned: encoding may run Python code (enum values, conversions) that rebinds the slot.
        let field = s.slot(index)?.to_owned();
        self.encode(&s.plan.fields[index].node, &field, buf, depth + 1)
    }

    /// A field of a scalar type (`kind`): written here when it holds exactly that type.
    /// Inlined into generated encoders, where `kind` is a constant and the dispatch folds away.
    #[inline(always)]
    pub fn field_scalar(
        &self,
        s: PlainStruct<'_, '_>,
        index: usize,
        kind: Item,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> EncodeResult {
        let field = s.slot(index)?;
        if scalar(&field, kind, buf)? {
            return Ok(());
        }
        self.field_any(s, index, buf, depth)
    }

    /// date (`kind` 0), datetime (1) or time (2).
    #[inline]
    pub fn field_temporal(
        &self,
        s: PlainStruct<'_, '_>,
        index: usize,
        kind: u8,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> EncodeResult {
        let t = &self.plans.types;
        let class = [&t.date, &t.datetime, &t.time][usize::from(kind)];
        let field = s.slot(index)?;
        if is_type(&field, class) {
            // Dates are written from their bytes; aware values may call `utcoffset()`, so
            // they are owned while that Python code runs.
            // SAFETY: `field` is exactly of `kind`'s class (`is_type` above).
            unsafe {
                if kind == 0 {
                    t.temporal.write(kind, &field, buf)?;
                } else {
                    t.temporal.write(kind, &field.to_owned(), buf)?;
                }
            }
            return Ok(());
        }
        self.field_any(s, index, buf, depth)
    }

    /// A `list[T]` field of scalars: an exact list whose elements all have type `T` is written
    /// here; anything else (another container, a wrong element) by the generic walk.
    pub fn field_list(
        &self,
        s: PlainStruct<'_, '_>,
        index: usize,
        item: Item,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> EncodeResult {
        let field = s.slot(index)?;
        if let Ok(list) = field.cast_exact::<PyList>() {
            let mark = buf.len();
            if list_of(&list, item, buf)? {
                return Ok(());
            }
            buf.truncate(mark);
        }
        self.field_any(s, index, buf, depth)
    }
}

/// Writes `value` if it is exactly `kind`'s type (an int within i64); false, writing nothing,
/// if not. Runs no Python code.
#[inline(always)]
fn scalar(value: &Bound<'_, PyAny>, kind: Item, buf: &mut Vec<u8>) -> PyResult<bool> {
    match kind {
        Item::Int if value.is_exact_instance_of::<PyInt>() => match small_int(value) {
            Some(number) => write::int(buf, number),
            None => return Ok(false),
        },
        Item::Float if value.is_exact_instance_of::<PyFloat>() => {
            write::float(buf, value.cast_exact::<PyFloat>()?.value());
        }
        Item::Str if value.is_exact_instance_of::<PyString>() => {
            write::string(buf, super::walk::utf8(value)?);
        }
        Item::Bool if value.is_exact_instance_of::<PyBool>() => {
            let truth = value.is(PyBool::new(value.py(), true));
            buf.extend_from_slice(if truth { b"true" } else { b"false" });
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// An exact `int` that fits in i64 (None, with no exception left set, for a bigger one).
#[inline(always)]
fn small_int(value: &Bound<'_, PyAny>) -> Option<i64> {
    let mut overflow = 0;
    // SAFETY: `value` is a live int and the GIL is held; PyLong_AsLongLongAndOverflow sets no
    // exception for an int that does not fit (it reports it in `overflow` instead).
    let number = unsafe { ffi::PyLong_AsLongLongAndOverflow(value.as_ptr(), &mut overflow) };
    (overflow == 0 && !(number == -1 && PyErr::occurred(value.py()))).then_some(number)
}

/// Writes `list` if every element is exactly `item`'s type; false (with partial output) if not.
fn list_of(list: &Bound<'_, PyList>, item: Item, buf: &mut Vec<u8>) -> PyResult<bool> {
    let py = list.py();
    buf.push(b'[');
    for i in 0..list.len() {
        // SAFETY: `i` is within the list, which nothing changes while this loop runs (no Python
        // code runs here); PyList_GetItem returns a borrowed reference.
        let element = unsafe {
            Borrowed::from_ptr(py, ffi::PyList_GetItem(list.as_ptr(), i as ffi::Py_ssize_t))
        };
        if i > 0 {
            buf.push(b',');
        }
        if !scalar(&element, item, buf)? {
            return Ok(false);
        }
    }
    buf.push(b']');
    Ok(true)
}
