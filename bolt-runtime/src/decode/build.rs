//! Python objects from a fast-path tape (with the GIL): the same objects
//! `msgspec.json.decode(body, type=T)` returns. Struct instances are allocated and their slots
//! filled directly, as msgspec's own decoder does (no `__init__`; missing fields take their
//! defaults, factories called).

use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyFrozenSet, PySet, PyString, PyTuple};

use super::cursor::{Tape, Token};
use super::fast::{BodyPlan, Shape};
use crate::capi;
use crate::encode::plan::{Default, NamedPlan, Plans, PostInit, StructPlan};
use crate::pyvalue::ValueTypes;
use crate::temporal;
use crate::value::Value;

/// Whether schema `index`'s class can be built here: a Struct whose slots are known, without
/// a `__post_init__` of its own (Serializer's validators are run after building).
pub fn buildable(plans: &Plans, index: usize) -> bool {
    match plans.named.get(index) {
        Some(NamedPlan::Struct(plan)) => {
            plan.offsets.is_some() && plan.post_init != PostInit::Custom
        }
        Some(NamedPlan::Enum(_)) => true,
        _ => false,
    }
}

pub struct Builder<'a> {
    pub plan: &'a BodyPlan,
    /// Builds dates, times, UUIDs and decimals (as for parameters).
    pub values: &'a ValueTypes,
    pub plans: &'a Plans,
    pub tape: &'a Tape,
    at: usize,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(
        plan: &'a BodyPlan,
        values: &'a ValueTypes,
        plans: &'a Plans,
        tape: &'a Tape,
    ) -> Self {
        Self {
            plan,
            values,
            plans,
            tape,
            at: 0,
        }
    }

    pub fn root<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, &self.plan.root)
    }

    fn next(&mut self) -> PyResult<Token> {
        let token = self.tape.token(self.at);
        self.at += 1;
        token.ok_or_else(|| PyRuntimeError::new_err("body tape ended early"))
    }

    /// The text of the string token just read by `next`.
    fn text(&self) -> PyResult<&'a str> {
        self.tape
            .text_at(self.at.wrapping_sub(1))
            .ok_or_else(|| PyRuntimeError::new_err("body tape: not a string"))
    }

    /// The next value when it is a plain `str`, `int` or `float` of that declared type; None
    /// (nothing read) for everything else, which `value` builds.
    #[inline(always)]
    fn plain<'py>(
        &mut self,
        py: Python<'py>,
        shape: &Shape,
    ) -> Option<PyResult<Bound<'py, PyAny>>> {
        if let Shape::Str = shape {
            let text = self.tape.text_at(self.at)?;
            self.at += 1;
            return Some(capi::string(py, text));
        }
        let value = match (shape, self.tape.token(self.at)?) {
            (Shape::Int, Token::Int(number)) => {
                self.at += 1;
                number
                    .into_pyobject(py)
                    .map(Bound::into_any)
                    .map_err(Into::into)
            }
            (Shape::Float, Token::Float(number)) => {
                self.at += 1;
                Ok(PyFloat::new(py, number).into_any())
            }
            _ => return None,
        };
        Some(value)
    }

    fn value<'py>(&mut self, py: Python<'py>, shape: &Shape) -> PyResult<Bound<'py, PyAny>> {
        let mut shape = shape;
        while let Shape::Nullable(inner) | Shape::Constrained(inner, _) = shape {
            shape = inner;
        }
        let token = self.next()?;
        if let (
            Shape::Date | Shape::Time | Shape::Datetime | Shape::Uuid | Shape::Decimal,
            Token::Str(..) | Token::Unescaped(_),
        ) = (shape, token)
        {
            return self.parsed(py, shape, token);
        }
        if let (Shape::Enum(index, ..), Token::Int(_) | Token::Str(..) | Token::Unescaped(_)) =
            (shape, token)
        {
            return self.member(py, *index, token);
        }
        Ok(match token {
            Token::Null => py.None().into_bound(py),
            Token::Bool(truth) => PyBool::new(py, truth).to_owned().into_any(),
            Token::Int(number) => number.into_pyobject(py)?.into_any(),
            Token::Float(number) => PyFloat::new(py, number).into_any(),
            Token::Str(..) | Token::Unescaped(_) => capi::string(py, self.text()?)?,
            Token::Array(count) => match shape {
                Shape::List(item) => self.list(py, item, count)?,
                Shape::Tuple(item) => PyTuple::new(py, self.items(py, item, count)?)?.into_any(),
                Shape::Set(item) => PySet::new(py, &self.items(py, item, count)?)?.into_any(),
                Shape::FrozenSet(item) => {
                    PyFrozenSet::new(py, &self.items(py, item, count)?)?.into_any()
                }
                _ => return Err(PyRuntimeError::new_err("body tape: unexpected array")),
            },
            Token::Map(count) => {
                let Shape::Dict(value) = shape else {
                    return Err(PyRuntimeError::new_err("body tape: unexpected object"));
                };
                let dict = PyDict::new(py);
                for _ in 0..count {
                    let key = self.key(py)?;
                    dict.set_item(key, self.value(py, value)?)?;
                }
                dict.into_any()
            }
            Token::Struct(count) => {
                let Shape::Struct(index) = shape else {
                    return Err(PyRuntimeError::new_err("body tape: unexpected struct"));
                };
                self.structure(py, *index, count)?
            }
            Token::Field(_) => return Err(PyRuntimeError::new_err("body tape: stray field")),
        })
    }

    /// The Enum member the scanner matched by value.
    fn member<'py>(
        &self,
        py: Python<'py>,
        index: usize,
        token: Token,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Some(NamedPlan::Enum(plan)) = self.plans.named.get(index) else {
            return Err(PyRuntimeError::new_err("body tape: no Enum plan"));
        };
        let member = match token {
            Token::Int(number) => plan.by_int.get(&number),
            Token::Str(..) | Token::Unescaped(_) => plan.by_str.get(self.text()?),
            _ => None,
        };
        member
            .map(|m| m.bind(py).clone())
            .ok_or_else(|| PyRuntimeError::new_err("body tape: no such Enum member"))
    }

    /// A value the scanner checked as text: parsed again here and made the Python object.
    fn parsed<'py>(
        &self,
        py: Python<'py>,
        shape: &Shape,
        token: Token,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = match token {
            Token::Str(..) | Token::Unescaped(_) => self.text()?,
            _ => "",
        };
        let invalid = || PyRuntimeError::new_err(format!("body tape: unchecked value {text:?}"));
        let value = match shape {
            Shape::Date => Value::Date(temporal::parse_date(text).ok_or_else(invalid)?),
            Shape::Time => Value::Time(temporal::parse_time_wrapping(text).ok_or_else(invalid)?),
            Shape::Datetime => {
                let (date, time) = temporal::parse_rfc3339_datetime(text).ok_or_else(invalid)?;
                Value::DateTime(date, time)
            }
            Shape::Uuid => Value::Uuid(temporal::parse_uuid(text).ok_or_else(invalid)?),
            _ => Value::Decimal(text.to_owned()),
        };
        self.values.to_py(py, &value)
    }

    fn items<'py>(
        &mut self,
        py: Python<'py>,
        item: &Shape,
        count: u32,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        (0..count).map(|_| self.value(py, item)).collect()
    }

    /// A list filled in place. It is kept out of the garbage collector's sight while it has
    /// empty items: building an item can run Python code (factories, constructors, a
    /// collection) that must never reach a half-filled list through `gc.get_objects()`.
    fn list<'py>(
        &mut self,
        py: Python<'py>,
        item: &Shape,
        count: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: PyList_New gives a new list of `count` null items, untracked here (nothing
        // else refers to it yet); each index is set exactly once with an owned reference
        // (PyList_SetItem steals it), then the list is tracked again. A list dropped half-built
        // is deallocated untracked with some items null, which list_dealloc accepts.
        unsafe {
            let list = Bound::from_owned_ptr_or_err(py, ffi::PyList_New(count as ffi::Py_ssize_t))?;
            ffi::PyObject_GC_UnTrack(list.as_ptr().cast());
            for i in 0..count {
                let value = match (item, self.tape.token(self.at)) {
                    (Shape::Struct(index), Some(Token::Struct(fields))) => {
                        self.at += 1;
                        self.structure(py, *index, fields)?
                    }
                    _ => match self.plain(py, item) {
                        Some(value) => value?,
                        None => self.value(py, item)?,
                    },
                };
                ffi::PyList_SetItem(list.as_ptr(), i as ffi::Py_ssize_t, value.into_ptr());
            }
            ffi::PyObject_GC_Track(list.as_ptr().cast());
            Ok(list)
        }
    }

    fn key<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        self.next()?;
        Ok(PyString::new(py, self.text()?))
    }

    fn structure<'py>(
        &mut self,
        py: Python<'py>,
        index: usize,
        count: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        let shape = &self.plan.structs[index];
        let Some(NamedPlan::Struct(plan)) = self.plans.named.get(shape.schema) else {
            return Err(PyRuntimeError::new_err("body tape: no Struct plan"));
        };
        let offsets = plan
            .offsets
            .as_deref()
            .ok_or_else(|| PyRuntimeError::new_err("Struct layout unknown"))?;
        let (object, gc_type) = allocate(py, plan)?;
        // As msgspec: an instance is tracked by the GC only when a field holds an object the
        // GC could see (a Struct of scalars can never be part of a cycle).
        let mut holds_gc = false;
        let mut given = 0u64;
        let mut expected = 0usize;
        for _ in 0..count {
            // A member in declaration order has no `Field` token (see `Cursor::structure`).
            let field = match self.tape.token(self.at) {
                Some(Token::Field(field)) => {
                    self.at += 1;
                    field as usize
                }
                _ => expected,
            };
            expected = field + 1;
            if field >= shape.fields.len() || given & (1 << field) != 0 {
                return Err(PyRuntimeError::new_err("body tape: bad field"));
            }
            let field_shape = &shape.fields[field].1;
            // Plain scalar fields (most of a typical body) are built without the general
            // dispatch; none of them is an object the GC tracks.
            let value = match self.plain(py, field_shape) {
                Some(value) => value?,
                None => {
                    let value = self.value(py, field_shape)?;
                    holds_gc |= may_be_tracked(&value);
                    value
                }
            };
            // SAFETY: the slot belongs to this fresh instance and is still empty (the scanner
            // rejects repeated keys).
            unsafe { set_slot(&object, offsets[field], value) };
            given |= 1 << field;
        }
        for (index, field) in plan.fields.iter().enumerate() {
            if given & (1 << index) != 0 {
                continue;
            }
            let value = match &field.default {
                Default::Value(default) => default.bind(py).clone(),
                Default::EmptyOf(kind) | Default::Factory(kind) => kind.bind(py).call0()?,
                Default::Required => {
                    return Err(PyRuntimeError::new_err("body tape: required field missing"))
                }
            };
            holds_gc |= may_be_tracked(&value);
            // SAFETY: as above; this slot was not given.
            unsafe { set_slot(&object, offsets[index], value) };
        }
        if gc_type && holds_gc {
            // SAFETY: untracked by `allocate`; every slot is now set.
            unsafe { ffi::PyObject_GC_Track(object.as_ptr().cast()) };
        }
        if plan.post_init == PostInit::Validators {
            object.call_method0(pyo3::intern!(py, "__post_init__"))?;
        }
        Ok(object)
    }
}

/// msgspec's `OBJ_IS_GC`: the value's type supports the GC, and it is not a tuple the GC has
/// already found to hold no such objects.
fn may_be_tracked(value: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `value` is a live object (the GIL is held: we have a Bound); reading its type,
    // its type's flags and its tracking bit has no other requirement. The exact scalar types
    // are compared first: most fields hold one, and PyType_GetFlags is a call under abi3.
    unsafe {
        let tp = ffi::Py_TYPE(value.as_ptr());
        if std::ptr::eq(tp, &raw mut ffi::PyUnicode_Type)
            || std::ptr::eq(tp, &raw mut ffi::PyLong_Type)
            || std::ptr::eq(tp, &raw mut ffi::PyFloat_Type)
        {
            return false;
        }
        if ffi::PyType_GetFlags(tp) & ffi::Py_TPFLAGS_HAVE_GC == 0 {
            return false;
        }
        ffi::PyTuple_CheckExact(value.as_ptr()) == 0
            || ffi::PyObject_GC_IsTracked(value.as_ptr()) != 0
    }
}

/// Store `value` (an owned reference) in the empty slot at `offset` of `object`.
///
/// # Safety
/// `offset` must be a field slot offset of `object`'s exact class, and the slot empty.
unsafe fn set_slot(object: &Bound<'_, PyAny>, offset: isize, value: Bound<'_, PyAny>) {
    // SAFETY: the caller guarantees `offset` is an empty field slot of this instance's class,
    // so the write stays inside the object and overwrites no reference.
    unsafe {
        let slot = object
            .as_ptr()
            .cast::<u8>()
            .offset(offset)
            .cast::<*mut ffi::PyObject>();
        *slot = value.into_ptr();
    }
}

/// A new, zeroed instance of the Struct class (its fields are set by the caller). An
/// instance dropped before every slot is set is fine: Struct deallocation skips empty slots.
fn allocate<'py>(py: Python<'py>, plan: &StructPlan) -> PyResult<(Bound<'py, PyAny>, bool)> {
    let cls = plan.cls.bind(py);
    // SAFETY: `cls` is a type object and `plan.alloc` its tp_alloc (read when the plan was
    // made), which returns a new zeroed instance (or null with an exception set). A GC-tracked
    // instance is untracked until its slots are filled (the caller tracks it again): building
    // fields can run Python code, which must not find a half-built instance through
    // `gc.get_objects()`.
    unsafe {
        let tp = cls.as_ptr().cast::<ffi::PyTypeObject>();
        let object = (plan.alloc)(tp, 0);
        let object = Bound::from_owned_ptr_or_err(py, object)?;
        // tp_alloc tracks every instance of a GC type.
        let tracked = plan.gc;
        if tracked {
            ffi::PyObject_GC_UnTrack(object.as_ptr().cast());
        }
        Ok((object, tracked))
    }
}
