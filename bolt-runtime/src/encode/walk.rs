//! The encoding walk: Python values → msgspec's JSON bytes, guided by a declared type. A value
//! that does not fit the declared type stops the walk with `Mismatch`; the caller then lets
//! msgspec convert it (or report why it cannot).

use std::sync::Arc;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString,
    PyTuple,
};

use super::plan::{Default, FieldPlan, NamedPlan, Node, Plans, StructPlan};
use super::write;

/// Nesting deeper than this is left to msgspec (which raises a clean error).
const MAX_DEPTH: usize = 500;

pub enum EncodeError {
    /// The value does not have the declared type (or is not natively encodable here).
    Mismatch,
    Python(PyErr),
}

impl From<PyErr> for EncodeError {
    fn from(err: PyErr) -> Self {
        EncodeError::Python(err)
    }
}

pub type EncodeResult<T = ()> = std::result::Result<T, EncodeError>;
type Result<T = ()> = EncodeResult<T>;

pub struct Walker<'a> {
    pub(crate) plans: &'a Plans,
    /// Generated encoders by schema index (empty for the interpreted table).
    pub(crate) generated: &'a [Option<super::EncodeFn>],
}

/// The UTF-8 text of a `str` (cached by CPython; for ASCII strings, their own data), read with
/// one C call. Fails for strings with lone surrogates, which msgspec cannot encode either.
#[inline]
pub(super) fn utf8<'a>(value: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `value` is a str (callers checked); the returned buffer lives as long as the
    // object, which `'a` borrows; CPython guarantees it is UTF-8.
    unsafe {
        let data = ffi::PyUnicode_AsUTF8AndSize(value.as_ptr(), &mut size);
        if data.is_null() {
            return Err(PyErr::fetch(value.py()));
        }
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), size as usize);
        Ok(std::str::from_utf8_unchecked(bytes))
    }
}

pub(super) fn is_type(value: &Bound<'_, PyAny>, ty: &Py<PyAny>) -> bool {
    // SAFETY: `value` is a live object; Py_TYPE only reads its type pointer.
    unsafe { ffi::Py_TYPE(value.as_ptr()).cast::<ffi::PyObject>() == ty.as_ptr() }
}

fn is_true(value: &Bound<'_, PyAny>) -> bool {
    // SAFETY: Py_True is the immortal `True` singleton; only its address is compared.
    value.as_ptr() == unsafe { ffi::Py_True() }
}

/// What msgspec writes for an Enum member: a str-, int- or float-based member's own str, int
/// or float content (which a custom `_value_` may differ from), any other member's value.
fn enum_content<'py>(member: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = member.py();
    if let Ok(text) = member.cast::<PyString>() {
        return Ok(PyString::new(py, text.to_str()?).into_any());
    }
    if member.is_instance_of::<PyInt>() {
        return py.get_type::<PyInt>().call1((member,));
    }
    if let Ok(number) = member.cast::<PyFloat>() {
        return Ok(PyFloat::new(py, number.value()).into_any());
    }
    member.getattr(pyo3::intern!(py, "value"))
}

impl Walker<'_> {
    pub fn encode(
        &self,
        node: &Node,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        if depth > MAX_DEPTH {
            return Err(EncodeError::Mismatch);
        }
        let t = &self.plans.types;
        match node {
            Node::Any => self.any(value, buf, depth),
            Node::None if value.is_none() => {
                buf.extend_from_slice(b"null");
                Ok(())
            }
            Node::Bool if value.is_exact_instance_of::<PyBool>() => {
                buf.extend_from_slice(if is_true(value) { b"true" } else { b"false" });
                Ok(())
            }
            Node::Int if value.is_exact_instance_of::<PyInt>() => self.int(value, buf),
            Node::Float if value.is_exact_instance_of::<PyFloat>() => {
                write::float(
                    buf,
                    value.cast_exact::<PyFloat>().map_err(PyErr::from)?.value(),
                );
                Ok(())
            }
            Node::Str if value.is_exact_instance_of::<PyString>() => self.string(value, buf),
            Node::Bytes
                if value.is_exact_instance_of::<PyBytes>()
                    || value.is_exact_instance_of::<PyByteArray>() =>
            {
                self.any(value, buf, depth)
            }
            Node::Uuid if value.is_instance(t.uuid.bind(value.py()))? => {
                self.any(value, buf, depth)
            }
            Node::Date if is_type(value, &t.date) => {
                // SAFETY: `value` is exactly a date (the guard).
                Ok(unsafe { t.temporal.write(0, value, buf) }?)
            }
            Node::Datetime if is_type(value, &t.datetime) => {
                // SAFETY: `value` is exactly a datetime (the guard).
                Ok(unsafe { t.temporal.write(1, value, buf) }?)
            }
            Node::Time if is_type(value, &t.time) => {
                // SAFETY: `value` is exactly a time (the guard).
                Ok(unsafe { t.temporal.write(2, value, buf) }?)
            }
            Node::Timedelta if is_type(value, &t.timedelta) => self.any(value, buf, depth),
            Node::Decimal if is_type(value, &t.decimal) => self.any(value, buf, depth),
            Node::Raw if is_type(value, &t.raw_type) => self.any(value, buf, depth),
            Node::Array(item) => self.array(item, value, buf, depth),
            Node::Set(item)
                if value.is_exact_instance_of::<PySet>()
                    || value.is_exact_instance_of::<PyFrozenSet>() =>
            {
                self.array(item, value, buf, depth)
            }
            Node::Tuple(items) => self.tuple(items, value, buf, depth),
            Node::Dict(key, val) if value.is_exact_instance_of::<PyDict>() => {
                self.dict(key, val, value, buf, depth)
            }
            Node::Union(options) => self.union(options, value, buf, depth),
            Node::Literal(values) => {
                let matches = values.iter().any(|v| {
                    let v = v.bind(value.py());
                    v.get_type().is(value.get_type()) && v.eq(value).unwrap_or(false)
                });
                if matches {
                    self.any(value, buf, depth)
                } else {
                    Err(EncodeError::Mismatch)
                }
            }
            Node::Named(index) => self.named(*index, value, buf, depth),
            _ => Err(EncodeError::Mismatch),
        }
    }

    fn int(&self, value: &Bound<'_, PyAny>, buf: &mut Vec<u8>) -> Result {
        match value.extract::<i64>() {
            Ok(i) => write::int(buf, i),
            Err(_) => buf.extend_from_slice(value.str()?.to_str()?.as_bytes()),
        }
        Ok(())
    }

    fn string(&self, value: &Bound<'_, PyAny>, buf: &mut Vec<u8>) -> Result {
        let s = utf8(value)?;
        write::string(buf, s);
        Ok(())
    }

    fn items<'py>(value: &Bound<'py, PyAny>) -> Option<Vec<Bound<'py, PyAny>>> {
        if let Ok(list) = value.cast_exact::<PyList>() {
            return Some(list.iter().collect());
        }
        if let Ok(tuple) = value.cast_exact::<PyTuple>() {
            return Some(tuple.iter().collect());
        }
        if let Ok(set) = value.cast_exact::<PySet>() {
            return Some(set.iter().collect());
        }
        if let Ok(set) = value.cast_exact::<PyFrozenSet>() {
            return Some(set.iter().collect());
        }
        None
    }

    fn array(
        &self,
        item: &Node,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        if let Ok(list) = value.cast_exact::<PyList>() {
            // Items of a Struct type with a generated encoder go straight to it (the usual
            // `list[Model]` response); anything else through `encode`.
            let direct = match item {
                Node::Named(index) => match (&self.plans.named[*index], self.generated.get(*index))
                {
                    (NamedPlan::Struct(plan), Some(Some(generated))) => Some((plan, *generated)),
                    _ => None,
                },
                _ => None,
            };
            if depth + 1 > MAX_DEPTH {
                return Err(EncodeError::Mismatch);
            }
            buf.push(b'[');
            let mut i = 0;
            // Index each time: encoding may run Python code that changes the list's length.
            while i < list.len() {
                let element = list.get_item(i)?;
                if i > 0 {
                    buf.push(b',');
                }
                let plain = direct.and_then(|(plan, generated)| {
                    Some((generated, self.plain_slots(plan, &element)?))
                });
                match plain {
                    Some((generated, plain)) => generated(self, plain, buf, depth + 1)?,
                    None => self.encode(item, &element, buf, depth + 1)?,
                }
                i += 1;
            }
            buf.push(b']');
            return Ok(());
        }
        if let Some(written) = self.queryset_value_rows(item, value, buf, depth)? {
            return written;
        }
        if let Some(rows) = self.queryset_rows(value)? {
            return self.sequence(rows.iter().map(|v| (item, v)), buf, depth);
        }
        let items = Self::items(value).ok_or(EncodeError::Mismatch)?;
        self.sequence(items.iter().map(|v| (item, v)), buf, depth)
    }

    /// A QuerySet of Serializer rows whose fields are plain columns, read as
    /// `values_list(*columns)`: the rows give exactly the instances' values, without building
    /// the instances. None when this QuerySet or Serializer does not allow it.
    fn queryset_value_rows(
        &self,
        item: &Node,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> PyResult<Option<Result>> {
        let py = value.py();
        let t = &self.plans.types;
        let Node::Named(index) = item else {
            return Ok(None);
        };
        let NamedPlan::Struct(plan) = &self.plans.named[*index] else {
            return Ok(None);
        };
        let (Some(names), Some(columns_of), Some(queryset)) =
            (&plan.model_columns, &t.queryset_columns, &t.queryset)
        else {
            return Ok(None);
        };
        if plan.array_like
            || plan.omit_defaults
            || plan.tag_pair.is_some()
            || !value.is_instance(queryset.bind(py))?
        {
            return Ok(None);
        }
        let columns = columns_of.bind(py).call1((value, names.bind(py)))?;
        if columns.is_none() {
            return Ok(None);
        }
        let rows =
            value.call_method1(pyo3::intern!(py, "values_list"), columns.cast::<PyTuple>()?)?;
        let rows: Vec<Bound<'_, PyAny>> = rows.try_iter()?.collect::<PyResult<_>>()?;
        Ok(Some(self.value_rows(plan, &rows, buf, depth)))
    }

    /// `[{...}, ...]` from value rows, each tuple in the Serializer's field order.
    fn value_rows(
        &self,
        plan: &StructPlan,
        rows: &[Bound<'_, PyAny>],
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        if depth + 1 > MAX_DEPTH {
            return Err(EncodeError::Mismatch);
        }
        buf.push(b'[');
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            let row = row.cast::<PyTuple>().map_err(PyErr::from)?;
            buf.push(b'{');
            let mut first = true;
            for (field, column) in plan.fields.iter().zip(row.iter()) {
                self.member(&mut first, field, &column, buf, depth + 1)?;
            }
            buf.push(b'}');
        }
        buf.push(b']');
        Ok(())
    }

    /// The rows of a Django QuerySet or related manager (`.all()`), evaluated once.
    fn queryset_rows<'py>(
        &self,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Vec<Bound<'py, PyAny>>>> {
        let py = value.py();
        let t = &self.plans.types;
        let source = if t
            .queryset
            .as_ref()
            .is_some_and(|q| value.is_instance(q.bind(py)).unwrap_or(false))
        {
            value.clone()
        } else if t
            .manager
            .as_ref()
            .is_some_and(|m| value.is_instance(m.bind(py)).unwrap_or(false))
        {
            value.call_method0("all")?
        } else {
            return Ok(None);
        };
        Ok(Some(source.try_iter()?.collect::<PyResult<Vec<_>>>()?))
    }

    /// A plain object that `from_model` could read (not a value msgspec handles itself).
    fn is_model_like(&self, value: &Bound<'_, PyAny>) -> bool {
        let t = &self.plans.types;
        !(value.is_none()
            || value.is_exact_instance_of::<PyDict>()
            || value.is_exact_instance_of::<PyList>()
            || value.is_exact_instance_of::<PyTuple>()
            || value
                .is_instance(t.struct_type.bind(value.py()))
                .unwrap_or(true))
    }

    /// A Serializer written straight from a model instance: each field read along its source
    /// path, exactly what `Serializer.from_model(instance)` then `msgspec.json.encode` give.
    fn model_structure(
        &self,
        plan: &StructPlan,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        let sources = plan.model_sources.as_ref().ok_or(EncodeError::Mismatch)?;
        if plan.array_like || plan.omit_defaults || plan.tag_pair.is_some() {
            return Err(EncodeError::Mismatch);
        }
        buf.push(b'{');
        let mut first = true;
        for (field, path) in plan.fields.iter().zip(sources) {
            let mut current = value.clone();
            for part in path {
                if current.is_none() {
                    break;
                }
                current = match current.getattr(part.bind(value.py())) {
                    Ok(next) => next,
                    // A missing attribute: from_model leaves optional fields to their default.
                    Err(_) => return Err(EncodeError::Mismatch),
                };
            }
            self.member(&mut first, field, &current, buf, depth)?;
        }
        buf.push(b'}');
        Ok(())
    }

    fn sequence<'n, 'v, 'py: 'v>(
        &self,
        items: impl Iterator<Item = (&'n Node, &'v Bound<'py, PyAny>)>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        buf.push(b'[');
        for (i, (node, element)) in items.enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            self.encode(node, element, buf, depth + 1)?;
        }
        buf.push(b']');
        Ok(())
    }

    fn tuple(
        &self,
        nodes: &[Node],
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        let is_sequence =
            value.is_exact_instance_of::<PyList>() || value.is_exact_instance_of::<PyTuple>();
        let items = Self::items(value).filter(|items| is_sequence && items.len() == nodes.len());
        let items = items.ok_or(EncodeError::Mismatch)?;
        self.sequence(nodes.iter().zip(items.iter()), buf, depth)
    }

    fn dict(
        &self,
        key: &Node,
        val: &Node,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        let py = value.py();
        buf.push(b'{');
        let mut position: ffi::Py_ssize_t = 0;
        let mut k: *mut ffi::PyObject = std::ptr::null_mut();
        let mut v: *mut ffi::PyObject = std::ptr::null_mut();
        let mut first = true;
        // SAFETY: `value` is an exact dict (checked by callers) and the GIL is held. PyDict_Next
        // yields borrowed references; they are owned (incref) at once, so encoding code that
        // runs Python (isoformat, enum values) cannot free them under us.
        while unsafe { ffi::PyDict_Next(value.as_ptr(), &mut position, &mut k, &mut v) } != 0 {
            // SAFETY: PyDict_Next just returned these as valid borrowed references.
            let (k, v) = unsafe {
                (
                    Borrowed::from_ptr(py, k).to_owned(),
                    Borrowed::from_ptr(py, v).to_owned(),
                )
            };
            if !first {
                buf.push(b',');
            }
            first = false;
            self.key(key, &k, buf)?;
            buf.push(b':');
            self.encode(val, &v, buf, depth + 1)?;
        }
        buf.push(b'}');
        Ok(())
    }

    /// Dict keys: str as is; ints and floats quoted. A declared key type must match exactly;
    /// anything else is left to msgspec's conversion.
    fn key(&self, node: &Node, key: &Bound<'_, PyAny>, buf: &mut Vec<u8>) -> Result {
        let any = matches!(node, Node::Any);
        if key.is_exact_instance_of::<PyString>() && (any || matches!(node, Node::Str)) {
            return self.string(key, buf);
        }
        if key.is_exact_instance_of::<PyInt>() && (any || matches!(node, Node::Int)) {
            buf.push(b'"');
            self.int(key, buf)?;
            buf.push(b'"');
            return Ok(());
        }
        if key.is_exact_instance_of::<PyFloat>() && (any || matches!(node, Node::Float)) {
            write::float_key(
                buf,
                key.cast_exact::<PyFloat>().map_err(PyErr::from)?.value(),
            );
            return Ok(());
        }
        if self.is_enum_key(node, key)? {
            return self.key(&Node::Any, &enum_content(key)?, buf);
        }
        Err(EncodeError::Mismatch)
    }

    /// An Enum member where the key type allows one: the declared Enum, or any Enum under `Any`.
    fn is_enum_key(&self, node: &Node, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        match node {
            Node::Any => key.is_instance(self.plans.types.enum_type.bind(key.py())),
            Node::Named(index) => match &self.plans.named[*index] {
                NamedPlan::Enum(plan) => key.is_instance(plan.cls.bind(key.py())),
                _ => Ok(false),
            },
            _ => Ok(false),
        }
    }

    fn union(
        &self,
        options: &[Node],
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        let mark = buf.len();
        for option in options {
            match self.encode(option, value, buf, depth) {
                Err(EncodeError::Mismatch) => buf.truncate(mark),
                done => return done,
            }
        }
        Err(EncodeError::Mismatch)
    }

    fn named(
        &self,
        index: usize,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        match &self.plans.named[index] {
            NamedPlan::Struct(plan) if is_type(value, &plan.cls) => {
                let generated = self.generated.get(index).copied().flatten();
                match generated.zip(self.plain_slots(plan, value)) {
                    Some((generated, plain)) => generated(self, plain, buf, depth),
                    None => self.structure(plan, value, buf, depth),
                }
            }
            NamedPlan::Struct(plan)
                if plan.model_sources.is_some() && self.is_model_like(value) =>
            {
                self.model_structure(plan, value, buf, depth)
            }
            NamedPlan::Dataclass(plan) if is_type(value, &plan.cls) => {
                self.object_fields(&plan.fields, value, buf, depth)
            }
            NamedPlan::NamedTuple(plan) if is_type(value, &plan.cls) => {
                let tuple = value.cast::<PyTuple>().map_err(PyErr::from)?;
                let items: Vec<_> = tuple.iter().collect();
                self.sequence(
                    plan.fields.iter().map(|f| &f.node).zip(items.iter()),
                    buf,
                    depth,
                )
            }
            NamedPlan::TypedDict(plan) if value.is_exact_instance_of::<PyDict>() => {
                self.typed_dict(&plan.fields, value, buf, depth)
            }
            NamedPlan::Enum(plan) if value.is_instance(plan.cls.bind(value.py()))? => {
                self.any(value, buf, depth)
            }
            _ => Err(EncodeError::Mismatch),
        }
    }

    /// One `"key":value` member of an object, after a comma unless it is the first.
    fn member(
        &self,
        first: &mut bool,
        field: &FieldPlan,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        super::separator(first, buf);
        buf.extend_from_slice(&field.key);
        self.encode(&field.node, value, buf, depth + 1)
    }

    pub(super) fn is_default(&self, field: &FieldPlan, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(match &field.default {
            Default::Value(default) => value.is(default.bind(value.py())),
            Default::EmptyOf(kind) => {
                value.get_type().is(kind.bind(value.py())) && value.len()? == 0
            }
            Default::Required | Default::Factory(_) => false,
        })
    }

    /// Field `index` of a Struct instance: from its slot when the layout is known.
    fn field<'py>(
        &self,
        plan: &StructPlan,
        index: usize,
        value: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyAny>> {
        if let Some(offsets) = &plan.offsets {
            // SAFETY: `value`'s type is exactly `plan.cls` (checked by the callers), whose slot
            // offsets these are.
            return match unsafe { super::slots::read_slot(value, offsets[index]) } {
                Some(field) => Ok(field.to_owned()),
                None => Err(EncodeError::Mismatch), // an unset field: msgspec raises for it
            };
        }
        Ok(value.getattr(plan.fields[index].attr.bind(value.py()))?)
    }

    fn structure(
        &self,
        plan: &StructPlan,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        let unset = self.plans.types.unset.bind(value.py());
        if plan.array_like {
            buf.push(b'[');
            let mut first = true;
            if let Some(tag) = &plan.tag_value {
                buf.extend_from_slice(tag);
                first = false;
            }
            for (index, field) in plan.fields.iter().enumerate() {
                if !first {
                    buf.push(b',');
                }
                first = false;
                let v = self.field(plan, index, value)?;
                self.encode(&field.node, &v, buf, depth + 1)?;
            }
            buf.push(b']');
            return Ok(());
        }
        buf.push(b'{');
        let mut first = true;
        if let Some(pair) = &plan.tag_pair {
            buf.extend_from_slice(pair);
            first = false;
        }
        for (index, field) in plan.fields.iter().enumerate() {
            let v = self.field(plan, index, value)?;
            if v.is(unset) || (plan.omit_defaults && self.is_default(field, &v)?) {
                continue;
            }
            self.member(&mut first, field, &v, buf, depth)?;
        }
        buf.push(b'}');
        Ok(())
    }

    fn object_fields(
        &self,
        fields: &[FieldPlan],
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        let unset = self.plans.types.unset.bind(value.py());
        buf.push(b'{');
        let mut first = true;
        // msgspec reads dataclass fields from the instance (`__dict__` or slots) and leaves out
        // the ones not set there (`field(init=False)`), class-level defaults included.
        let instance_dict = value
            .getattr("__dict__")
            .ok()
            .and_then(|d| d.cast_into::<PyDict>().ok());
        for field in fields {
            let attr = field.attr.bind(value.py());
            let found = match &instance_dict {
                Some(d) => d.get_item(attr)?,
                None => value.getattr(attr).ok(),
            };
            let Some(v) = found else {
                continue;
            };
            if v.is(unset) {
                continue;
            }
            self.member(&mut first, field, &v, buf, depth)?;
        }
        buf.push(b'}');
        Ok(())
    }

    /// A TypedDict value is encoded in its own key order; every key must be a declared field
    /// and every required field present (otherwise msgspec's conversion decides).
    fn typed_dict(
        &self,
        fields: &[FieldPlan],
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        depth: usize,
    ) -> Result {
        let dict = value.cast_exact::<PyDict>().map_err(PyErr::from)?;
        buf.push(b'{');
        let mut first = true;
        // A snapshot: encoding values may run Python code that changes the dict.
        let items: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = dict.items().extract()?;
        for (k, v) in items {
            let key = k
                .cast_exact::<PyString>()
                .map_err(|_| EncodeError::Mismatch)?;
            let field = fields
                .iter()
                .find(|f| f.attr.bind(value.py()).as_any().eq(key).unwrap_or(false));
            let field = field.ok_or(EncodeError::Mismatch)?;
            self.member(&mut first, field, &v, buf, depth)?;
        }
        let missing = fields
            .iter()
            .filter(|f| matches!(f.default, Default::Required))
            .any(|f| !dict.contains(f.attr.bind(value.py())).unwrap_or(false));
        if missing {
            return Err(EncodeError::Mismatch);
        }
        buf.push(b'}');
        Ok(())
    }

    /// Encoding by runtime type, as `msgspec.json.encode` does.
    pub fn any(&self, value: &Bound<'_, PyAny>, buf: &mut Vec<u8>, depth: usize) -> Result {
        if depth > MAX_DEPTH {
            return Err(EncodeError::Mismatch);
        }
        let py = value.py();
        let t = &self.plans.types;
        if value.is_exact_instance_of::<PyString>() {
            return self.string(value, buf);
        }
        if value.is_exact_instance_of::<PyDict>() {
            return self.dict(&Node::Any, &Node::Any, value, buf, depth);
        }
        if value.is_exact_instance_of::<PyList>() {
            return self.array(&Node::Any, value, buf, depth);
        }
        if value.is_exact_instance_of::<PyBool>() {
            buf.extend_from_slice(if is_true(value) { b"true" } else { b"false" });
            return Ok(());
        }
        if value.is_exact_instance_of::<PyInt>() {
            return self.int(value, buf);
        }
        if value.is_exact_instance_of::<PyFloat>() {
            write::float(
                buf,
                value.cast_exact::<PyFloat>().map_err(PyErr::from)?.value(),
            );
            return Ok(());
        }
        if value.is_none() {
            buf.extend_from_slice(b"null");
            return Ok(());
        }
        if let Some(items) = Self::items(value) {
            return self.sequence(std::iter::repeat(&Node::Any).zip(items.iter()), buf, depth);
        }
        if value.is_instance(t.struct_type.bind(py))? {
            let plan = self.dynamic_struct_plan(value)?;
            return self.structure(&plan, value, buf, depth);
        }
        if let Ok(bytes) = value.cast_exact::<PyBytes>() {
            write::base64(buf, bytes.as_bytes());
            return Ok(());
        }
        if let Ok(bytes) = value.cast_exact::<PyByteArray>() {
            write::base64(buf, &bytes.to_vec());
            return Ok(());
        }
        let ty = value.get_type();
        if ty.is(t.datetime.bind(py)) {
            // SAFETY: `value`'s type is exactly datetime.
            return Ok(unsafe { t.temporal.write(1, value, buf) }?);
        }
        if ty.is(t.date.bind(py)) {
            // SAFETY: `value`'s type is exactly date.
            return Ok(unsafe { t.temporal.write(0, value, buf) }?);
        }
        if ty.is(t.time.bind(py)) {
            // SAFETY: `value`'s type is exactly time.
            return Ok(unsafe { t.temporal.write(2, value, buf) }?);
        }
        if value.is_instance(t.uuid.bind(py))? {
            // From the number itself: a subclass's __str__ does not change msgspec's output.
            let n: u128 = value.getattr("int")?.extract()?;
            let hex = format!("{n:032x}");
            let canonical = format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            );
            write::string(buf, &canonical);
            return Ok(());
        }
        if ty.is(t.decimal.bind(py)) {
            write::string(buf, value.str()?.to_str()?);
            return Ok(());
        }
        if ty.is(t.timedelta.bind(py)) {
            let part = |name: &str| value.getattr(name).and_then(|v| v.extract::<i64>());
            write::timedelta(buf, part("days")?, part("seconds")?, part("microseconds")?);
            return Ok(());
        }
        if value.is_instance(t.enum_type.bind(py))? {
            return self.any(&enum_content(value)?, buf, depth + 1);
        }
        if ty.is(t.raw_type.bind(py)) {
            let raw = py.get_type::<PyBytes>().call1((value,))?;
            buf.extend_from_slice(raw.cast::<PyBytes>().map_err(PyErr::from)?.as_bytes());
            return Ok(());
        }
        Err(EncodeError::Mismatch)
    }

    fn dynamic_struct_plan(&self, value: &Bound<'_, PyAny>) -> PyResult<Arc<StructPlan>> {
        let ty = value.get_type();
        let key = ty.as_ptr() as usize;
        if let Some(plan) = self
            .plans
            .dynamic
            .lock()
            .ok()
            .and_then(|cache| cache.get(&key).cloned())
        {
            return Ok(plan);
        }
        let plan = Arc::new(self.plans.struct_plan(ty.as_any())?);
        if let Ok(mut cache) = self.plans.dynamic.lock() {
            cache.insert(key, plan.clone());
        }
        Ok(plan)
    }
}
