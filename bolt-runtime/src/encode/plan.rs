//! Encoding plans: the declared types of a manifest compiled into `Node` trees once, with the
//! Python objects they need (classes, interned attribute names, defaults) resolved up front.

use std::collections::HashMap;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::manifest::{Field, Schema, TypeRef};
pub use bolt_schema::write::{json_bytes, key_bytes};

/// A declared type, ready for encoding.
pub enum Node {
    Any,
    None,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    Uuid,
    Date,
    Datetime,
    Time,
    Timedelta,
    Decimal,
    Raw,
    /// list and `tuple[T, ...]`: JSON arrays from any list, tuple, set or frozenset.
    Array(Box<Node>),
    /// set and frozenset: only sets are encoded as they are (a list would be deduplicated).
    Set(Box<Node>),
    Tuple(Vec<Node>),
    Dict(Box<Node>, Box<Node>),
    Union(Vec<Node>),
    Literal(Vec<Py<PyAny>>),
    /// Index into `Plans::named`.
    Named(usize),
}

/// How a field's current value is compared with its default under `omit_defaults`
/// (msgspec: by identity, and empty containers for list/dict/set/bytearray factories).
pub enum Default {
    Required,
    Value(Py<PyAny>),
    EmptyOf(Py<PyAny>),
    /// Any other `default_factory` (kept for decoding, which calls it for a missing field).
    Factory(Py<PyAny>),
}

pub struct FieldPlan {
    pub attr: Py<PyString>,
    /// `"encode_name":` pre-escaped.
    pub key: Vec<u8>,
    pub node: Node,
    pub default: Default,
}

pub struct StructPlan {
    pub(crate) cls: Py<PyAny>,
    pub(crate) fields: Vec<FieldPlan>,
    /// Slot offset of each field, when the class layout allows direct reads.
    pub(crate) offsets: Option<Vec<isize>>,
    /// `"tag_field":tag` pre-encoded, written first.
    pub(crate) tag_pair: Option<Vec<u8>>,
    /// The encoded tag alone (first item of `array_like` structs).
    pub(crate) tag_value: Option<Vec<u8>>,
    pub(crate) omit_defaults: bool,
    pub(crate) array_like: bool,
    /// What decoding must do after filling an instance's slots.
    pub(crate) post_init: PostInit,
    /// Instances are garbage-collected objects (`gc=True`, msgspec's default).
    pub(crate) gc: bool,
    /// The class's `tp_alloc`, looked up once (decoding allocates an instance per object).
    pub(crate) alloc: pyo3::ffi::allocfunc,
    /// For Serializers: the attribute path each field is read from on a model instance
    /// (`from_model` without building the Serializer); None for other Structs.
    pub(crate) model_sources: Option<Vec<Vec<Py<PyString>>>>,
    /// The attribute names, when every source is one plain attribute: a QuerySet of such
    /// rows may be read as `values_list(*names)` (see `_bridge.queryset_columns`).
    pub(crate) model_columns: Option<Py<PyTuple>>,
}

/// `cls.tp_alloc`, or `PyType_GenericAlloc` when it has none (what `tp_alloc` users fall back
/// to).
fn alloc_of(cls: &Bound<'_, PyAny>) -> pyo3::ffi::allocfunc {
    use pyo3::ffi;
    let Ok(cls) = cls.cast::<pyo3::types::PyType>() else {
        return ffi::PyType_GenericAlloc;
    };
    // SAFETY: `cls` is a live type object (the GIL is held); PyType_GetSlot reads one of its
    // slots, and a non-null `Py_tp_alloc` slot holds an allocfunc.
    unsafe {
        let slot = ffi::PyType_GetSlot(cls.as_type_ptr(), ffi::Py_tp_alloc);
        if slot.is_null() {
            ffi::PyType_GenericAlloc
        } else {
            std::mem::transmute::<*mut std::ffi::c_void, ffi::allocfunc>(slot)
        }
    }
}

fn type_is_gc(cls: &Bound<'_, pyo3::types::PyType>) -> bool {
    // SAFETY: `cls` is a live type object; PyType_GetFlags only reads it.
    unsafe { ffi::PyType_GetFlags(cls.as_type_ptr()) & ffi::Py_TPFLAGS_HAVE_GC != 0 }
}

/// A Struct class's `__post_init__`, as the fast body path sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostInit {
    None,
    /// Serializer's own: runs the validators, raising only what msgspec passes on unchanged,
    /// so the fast path calls it after building.
    Validators,
    /// Anything else: msgspec's error wrapping applies, so msgspec decodes the class.
    Custom,
}

impl PostInit {
    fn of(cls: &Bound<'_, PyAny>) -> PyResult<Self> {
        if !cls.hasattr("__post_init__")? {
            return Ok(PostInit::None);
        }
        let builds = cls
            .getattr("__bolt_post_init_builds__")
            .and_then(|v| v.extract::<bool>())
            .unwrap_or(false);
        Ok(if builds {
            PostInit::Validators
        } else {
            PostInit::Custom
        })
    }
}

pub struct ObjectPlan {
    pub cls: Py<PyAny>,
    pub fields: Vec<FieldPlan>,
}

pub enum NamedPlan {
    Struct(StructPlan),
    Dataclass(ObjectPlan),
    TypedDict(ObjectPlan),
    NamedTuple(ObjectPlan),
    Enum(EnumPlan),
}

/// An Enum class and its members by (str or int) value, for building decoded bodies.
pub struct EnumPlan {
    pub cls: Py<PyAny>,
    pub by_str: HashMap<String, Py<PyAny>>,
    pub by_int: HashMap<i64, Py<PyAny>>,
}

impl EnumPlan {
    fn new(cls: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut plan = EnumPlan {
            cls: cls.clone().unbind(),
            by_str: HashMap::new(),
            by_int: HashMap::new(),
        };
        for member in cls.try_iter()? {
            let member = member?;
            let value = member.getattr("value")?;
            if value.is_exact_instance_of::<PyString>() {
                plan.by_str.insert(value.extract()?, member.unbind());
            } else if value.is_exact_instance_of::<pyo3::types::PyInt>() {
                if let Ok(number) = value.extract::<i64>() {
                    plan.by_int.insert(number, member.unbind());
                }
            }
        }
        Ok(plan)
    }
}

/// Python types the encoder dispatches on, looked up once.
pub struct PyTypes {
    pub temporal: super::temporal::Layout,
    /// Django's QuerySet and Manager base classes, when Django is importable.
    pub queryset: Option<Py<PyAny>>,
    pub manager: Option<Py<PyAny>>,
    /// `_bridge.queryset_columns`: whether a QuerySet may be read as value rows.
    pub queryset_columns: Option<Py<PyAny>>,
    pub struct_type: Py<PyAny>,
    pub factory_type: Py<PyAny>,
    pub unset: Py<PyAny>,
    pub raw_type: Py<PyAny>,
    pub datetime: Py<PyAny>,
    pub date: Py<PyAny>,
    pub time: Py<PyAny>,
    pub timedelta: Py<PyAny>,
    pub uuid: Py<PyAny>,
    pub decimal: Py<PyAny>,
    pub enum_type: Py<PyAny>,
    pub list: Py<PyAny>,
    pub dict: Py<PyAny>,
    pub set: Py<PyAny>,
    pub bytearray: Py<PyAny>,
}

impl PyTypes {
    pub fn new(py: Python<'_>) -> PyResult<Self> {
        let msgspec = py.import("msgspec")?;
        let datetime = py.import("datetime")?;
        let builtins = py.import("builtins")?;
        let get = |m: &Bound<'_, PyModule>, name: &str| m.getattr(name).map(Bound::unbind);
        let django_models = py.import("django.db.models").ok();
        let django = |name: &str| {
            django_models
                .as_ref()
                .and_then(|m| m.getattr(name).ok())
                .map(Bound::unbind)
        };
        Ok(Self {
            temporal: super::temporal::Layout::new(py)?,
            queryset: django("QuerySet"),
            manager: py
                .import("django.db.models.manager")
                .ok()
                .and_then(|m| m.getattr("BaseManager").ok())
                .map(Bound::unbind),
            queryset_columns: py
                .import("django_bolt._bridge")
                .ok()
                .and_then(|m| m.getattr("queryset_columns").ok())
                .map(Bound::unbind),
            struct_type: get(&msgspec, "Struct")?,
            factory_type: py.import("msgspec._core")?.getattr("Factory")?.unbind(),
            unset: get(&msgspec, "UNSET")?,
            raw_type: get(&msgspec, "Raw")?,
            datetime: get(&datetime, "datetime")?,
            date: get(&datetime, "date")?,
            time: get(&datetime, "time")?,
            timedelta: get(&datetime, "timedelta")?,
            uuid: py.import("uuid")?.getattr("UUID")?.unbind(),
            decimal: py.import("decimal")?.getattr("Decimal")?.unbind(),
            enum_type: py.import("enum")?.getattr("Enum")?.unbind(),
            list: get(&builtins, "list")?,
            dict: get(&builtins, "dict")?,
            set: get(&builtins, "set")?,
            bytearray: get(&builtins, "bytearray")?,
        })
    }
}

fn model_columns(cls: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyTuple>>> {
    let Some(sources) = model_sources(cls)? else {
        return Ok(None);
    };
    if sources.iter().any(|path| path.len() != 1) {
        return Ok(None);
    }
    let names = sources.iter().map(|path| path[0].clone_ref(cls.py()));
    Ok(Some(PyTuple::new(cls.py(), names)?.unbind()))
}

fn model_sources(cls: &Bound<'_, PyAny>) -> PyResult<Option<Vec<Vec<Py<PyString>>>>> {
    let py = cls.py();
    let Ok(sources) = cls.getattr("__bolt_model_sources__") else {
        return Ok(None);
    };
    if sources.is_none() {
        return Ok(None);
    }
    let paths: Vec<Vec<String>> = sources.extract()?;
    Ok(Some(
        paths
            .iter()
            .map(|path| {
                path.iter()
                    .map(|part| PyString::intern(py, part).unbind())
                    .collect()
            })
            .collect(),
    ))
}

/// All named plans of a manifest plus a cache of plans built at run time for Structs met
/// under `Any`.
pub struct Plans {
    pub types: PyTypes,
    pub named: Vec<NamedPlan>,
    index: HashMap<String, usize>,
    pub dynamic: std::sync::Mutex<HashMap<usize, std::sync::Arc<StructPlan>>>,
}

impl Plans {
    /// `classes` maps each schema name to its Python class.
    pub fn new(
        py: Python<'_>,
        schemas: &std::collections::BTreeMap<String, Schema>,
        classes: &Bound<'_, PyDict>,
    ) -> PyResult<Self> {
        let mut plans = Plans {
            types: PyTypes::new(py)?,
            named: Vec::with_capacity(schemas.len()),
            index: schemas
                .keys()
                .enumerate()
                .map(|(i, name)| (name.clone(), i))
                .collect(),
            dynamic: std::sync::Mutex::default(),
        };
        for (name, schema) in schemas {
            let cls = classes.get_item(name)?.ok_or_else(|| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "no Python class registered for schema {name}"
                ))
            })?;
            let plan = plans.named_plan(&cls, schema)?;
            plans.named.push(plan);
        }
        Ok(plans)
    }

    pub fn node(&self, py: Python<'_>, ty: &TypeRef) -> PyResult<Node> {
        let boxed = |t: &TypeRef| self.node(py, t).map(Box::new);
        Ok(match ty {
            TypeRef::Any => Node::Any,
            TypeRef::None => Node::None,
            TypeRef::Bool => Node::Bool,
            TypeRef::Int => Node::Int,
            TypeRef::Float => Node::Float,
            TypeRef::Str => Node::Str,
            TypeRef::Bytes => Node::Bytes,
            TypeRef::Uuid => Node::Uuid,
            TypeRef::Date => Node::Date,
            TypeRef::Datetime => Node::Datetime,
            TypeRef::Time => Node::Time,
            TypeRef::Timedelta => Node::Timedelta,
            TypeRef::Decimal => Node::Decimal,
            TypeRef::Raw => Node::Raw,
            TypeRef::List { item } | TypeRef::Vartuple { item } => Node::Array(boxed(item)?),
            TypeRef::Set { item } | TypeRef::Frozenset { item } => Node::Set(boxed(item)?),
            TypeRef::Tuple { items } => Node::Tuple(
                items
                    .iter()
                    .map(|t| self.node(py, t))
                    .collect::<PyResult<_>>()?,
            ),
            TypeRef::Dict { key, value } => Node::Dict(boxed(key)?, boxed(value)?),
            TypeRef::Optional { inner } => Node::Union(vec![self.node(py, inner)?, Node::None]),
            // Encoding does not check constraints (msgspec does not either).
            TypeRef::Constrained { inner, .. } => self.node(py, inner)?,
            TypeRef::Union { options } => Node::Union(
                options
                    .iter()
                    .map(|t| self.node(py, t))
                    .collect::<PyResult<_>>()?,
            ),
            TypeRef::Literal { values } => {
                let json = py.import("json")?;
                let parsed = values
                    .iter()
                    .map(|v| {
                        json.call_method1("loads", (v.to_string(),))
                            .map(Bound::unbind)
                    })
                    .collect::<PyResult<_>>()?;
                Node::Literal(parsed)
            }
            TypeRef::Named { name } => match self.index.get(name) {
                Some(index) => Node::Named(*index),
                None => Node::Any,
            },
        })
    }

    fn fields(
        &self,
        py: Python<'_>,
        fields: &[Field],
        defaults: &[Default],
    ) -> PyResult<Vec<FieldPlan>> {
        fields
            .iter()
            .zip(defaults.iter().map(Some).chain(std::iter::repeat(None)))
            .map(|(field, default)| {
                Ok(FieldPlan {
                    attr: PyString::intern(py, &field.name).unbind(),
                    key: key_bytes(&field.encode_name),
                    node: self.node(py, &field.ty)?,
                    default: match default {
                        Some(Default::Value(v)) => Default::Value(v.clone_ref(py)),
                        Some(Default::EmptyOf(t)) => Default::EmptyOf(t.clone_ref(py)),
                        Some(Default::Factory(f)) => Default::Factory(f.clone_ref(py)),
                        _ => Default::Required,
                    },
                })
            })
            .collect()
    }

    fn named_plan(&self, cls: &Bound<'_, PyAny>, schema: &Schema) -> PyResult<NamedPlan> {
        let py = cls.py();
        Ok(match schema {
            Schema::Struct { fields, .. } => {
                let mut plan = self.struct_plan(cls)?;
                for (field_plan, field) in plan.fields.iter_mut().zip(fields) {
                    field_plan.node = self.node(py, &field.ty)?;
                }
                NamedPlan::Struct(plan)
            }
            Schema::Dataclass { fields } => NamedPlan::Dataclass(ObjectPlan {
                cls: cls.clone().unbind(),
                fields: self.fields(py, fields, &[])?,
            }),
            Schema::Typeddict { fields } => NamedPlan::TypedDict(ObjectPlan {
                cls: cls.clone().unbind(),
                fields: self.fields(py, fields, &[])?,
            }),
            Schema::Namedtuple { fields } => NamedPlan::NamedTuple(ObjectPlan {
                cls: cls.clone().unbind(),
                fields: self.fields(py, fields, &[])?,
            }),
            Schema::Enum { .. } => NamedPlan::Enum(EnumPlan::new(cls)?),
        })
    }

    /// A Struct's plan from the class itself (`__struct_fields__`, `__struct_encode_fields__`,
    /// `__struct_defaults__`, `__struct_config__`); every field node is `Any`.
    pub fn struct_plan(&self, cls: &Bound<'_, PyAny>) -> PyResult<StructPlan> {
        let py = cls.py();
        let names = cls.getattr("__struct_fields__")?.cast_into::<PyTuple>()?;
        let encode_names = cls
            .getattr("__struct_encode_fields__")?
            .cast_into::<PyTuple>()?;
        let defaults = cls.getattr("__struct_defaults__")?.cast_into::<PyTuple>()?;
        let config = cls.getattr("__struct_config__")?;
        let first_default = names.len() - defaults.len();
        let mut fields = Vec::with_capacity(names.len());
        let mut field_names = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let name: String = name.extract()?;
            field_names.push(name.clone());
            let encode_name: String = encode_names.get_item(i)?.extract()?;
            let default = if i < first_default {
                Default::Required
            } else {
                self.default_of(&defaults.get_item(i - first_default)?)?
            };
            fields.push(FieldPlan {
                attr: PyString::intern(py, &name).unbind(),
                key: key_bytes(&encode_name),
                node: Node::Any,
                default,
            });
        }
        let tag_field: Option<String> = config.getattr("tag_field")?.extract()?;
        let tag = config.getattr("tag")?;
        let (tag_pair, tag_value) = match tag_field {
            Some(field) if !tag.is_none() => {
                let value = match tag.extract::<i64>() {
                    Ok(number) => json_bytes(&serde_json::Value::from(number)),
                    Err(_) => json_bytes(&serde_json::Value::String(tag.extract::<String>()?)),
                };
                let mut pair = key_bytes(&field);
                pair.extend_from_slice(&value);
                (Some(pair), Some(value))
            }
            _ => (None, None),
        };
        Ok(StructPlan {
            cls: cls.clone().unbind(),
            fields,
            offsets: super::slots::field_offsets(cls, &field_names),
            tag_pair,
            tag_value,
            omit_defaults: config.getattr("omit_defaults")?.extract()?,
            array_like: config.getattr("array_like")?.extract()?,
            model_columns: model_columns(cls)?,
            model_sources: model_sources(cls)?,
            post_init: PostInit::of(cls)?,
            gc: cls.cast::<pyo3::types::PyType>().is_ok_and(type_is_gc),
            alloc: alloc_of(cls),
        })
    }

    fn default_of(&self, default: &Bound<'_, PyAny>) -> PyResult<Default> {
        let py = default.py();
        if !default.is_instance(self.types.factory_type.bind(py))? {
            return Ok(Default::Value(default.clone().unbind()));
        }
        let factory = default.getattr("factory")?;
        let t = &self.types;
        let empty_kind = [&t.list, &t.dict, &t.set, &t.bytearray]
            .into_iter()
            .find(|k| factory.is(k.bind(py)));
        Ok(match empty_kind {
            Some(kind) => Default::EmptyOf(kind.clone_ref(py)),
            None => Default::Factory(factory.unbind()),
        })
    }
}
