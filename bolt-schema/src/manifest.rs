//! Serde model of `manifest.json`, the contract between Python introspection and both route tables.
//! The format is documented in `docs/manifest.md`; bump `MANIFEST_VERSION` on incompatible changes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The fingerprint of a manifest: the SHA-256 of its text, stamped into the tables generated
/// from it and checked when an app is built with one.
pub fn fingerprint(manifest_text: &str) -> String {
    Sha256::digest(manifest_text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u32,
    pub project: String,
    pub routes: Vec<Route>,
    /// Named types (Structs, dataclasses, TypedDicts, NamedTuples, Enums) that body and
    /// response types refer to, keyed by `module:qualname`.
    #[serde(default)]
    pub schemas: std::collections::BTreeMap<String, Schema>,
    /// The authentication backends routes refer to (`RoutePolicy::auth`), without secrets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auth_backends: Vec<crate::policy::AuthBackend>,
    /// The project's Django URLs (`ROOT_URLCONF`), served by Django's own request handling.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub django_routes: Vec<DjangoRoute>,
    /// Some Django URL cannot be matched here (an i18n prefix, a regex outside the supported
    /// syntax): every path no route serves goes to Django, which answers its 404s.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub django_fallback: bool,
}

/// One `path()`/`re_path()` of the project's `urlpatterns`, includes flattened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DjangoRoute {
    /// Python regex of the whole (percent-decoded) path, `^/` included, as Django's resolver
    /// matches it (converters expanded).
    pub regex: String,
    /// The patterns as written, joined (`admin/<int:pk>/change/`), for messages.
    pub route: String,
    /// The view's dotted path.
    pub view: String,
    /// The URL name, namespaced (`admin:index`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For `path()` routes whose converters are built-in and each fill a segment: the path
    /// with each converter as `<int>`, `<str>`, `<slug>`, `<uuid>` or a final `<path>`
    /// (`/admin/<path>`), matched without the regex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Schema {
    Struct {
        fields: Vec<Field>,
        tag_field: Option<String>,
        tag: Option<serde_json::Value>,
        array_like: bool,
        forbid_unknown_fields: bool,
        omit_defaults: bool,
    },
    Dataclass {
        fields: Vec<Field>,
    },
    Typeddict {
        fields: Vec<Field>,
    },
    Namedtuple {
        fields: Vec<Field>,
    },
    Enum {
        values: Vec<serde_json::Value>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub encode_name: String,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    pub required: bool,
    /// JSON rendering of the default, documentation only.
    #[serde(default)]
    pub default: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub id: usize,
    pub method: String,
    pub path: String,
    pub handler: String,
    pub is_async: bool,
    pub status_code: u16,
    pub params: Vec<Param>,
    /// Declared response type, for documentation and (later) the generated encoders.
    #[serde(default)]
    pub response: Option<TypeRef>,
    /// The route's Rust middleware (CORS, rate limit, compression, auth, guards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middleware: Option<crate::policy::RoutePolicy>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Path,
    Query,
    Header,
    Cookie,
    Body,
    /// The `Request` object itself.
    Request,
    /// A field of a form body (urlencoded or multipart).
    Form,
    /// The file parts of a multipart body with this name.
    File,
}

impl Source {
    /// The name used in manifests and in 422 `loc`s.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Path => "path",
            Source::Query => "query",
            Source::Header => "header",
            Source::Cookie => "cookie",
            Source::Body => "body",
            Source::Request => "request",
            Source::Form => "form",
            Source::File => "file",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// Python argument name.
    pub name: String,
    /// Name on the wire (query key, header name, cookie name, path segment name).
    pub alias: String,
    pub source: Source,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    pub required: bool,
    /// JSON rendering of the default, documentation only: the real default object stays in Python.
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub constraints: Constraints,
    /// `File()` limits (file parameters only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileLimits>,
}

/// `File(max_size=, min_size=, allowed_types=, max_files=)`, checked before the GIL.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileLimits {
    #[serde(default)]
    pub max_size: Option<usize>,
    #[serde(default)]
    pub min_size: Option<usize>,
    #[serde(default)]
    pub allowed_types: Option<Vec<String>>,
    #[serde(default)]
    pub max_files: Option<usize>,
}

/// A type as the manifest spells it. Params use scalars, `list` and `optional`;
/// body and response types use `struct`/`any` references resolved in Python.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum TypeRef {
    Int,
    Float,
    Bool,
    Str,
    Bytes,
    Uuid,
    Date,
    Datetime,
    Time,
    Decimal,
    Timedelta,
    Raw,
    Any,
    None,
    List {
        item: Box<TypeRef>,
    },
    Set {
        item: Box<TypeRef>,
    },
    Frozenset {
        item: Box<TypeRef>,
    },
    /// `tuple[T, ...]`.
    Vartuple {
        item: Box<TypeRef>,
    },
    /// `tuple[A, B]`.
    Tuple {
        items: Vec<TypeRef>,
    },
    Union {
        options: Vec<TypeRef>,
    },
    Literal {
        values: Vec<serde_json::Value>,
    },
    /// `Annotated[T, msgspec.Meta(...)]` inside a body or response type.
    Constrained {
        inner: Box<TypeRef>,
        constraints: Constraints,
    },
    Optional {
        inner: Box<TypeRef>,
    },
    Dict {
        key: Box<TypeRef>,
        value: Box<TypeRef>,
    },
    /// A named Python type (msgspec Struct, dataclass, ...): `module:qualname`.
    Named {
        name: String,
    },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::f64"
    )]
    pub gt: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::f64"
    )]
    pub ge: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::f64"
    )]
    pub lt: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::f64"
    )]
    pub le: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::usize"
    )]
    pub min_length: Option<usize>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::usize"
    )]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::f64"
    )]
    pub multiple_of: Option<f64>,
    /// `Meta(tz=True/False)` on datetimes and times: checked by msgspec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<bool>,
}

/// Numbers inside internally tagged enums reach serde buffered, which with serde_json's
/// `arbitrary_precision` means as a map: read them through `serde_json::Value`.
mod lenient {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        value
            .as_f64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected a number, got {value}")))
    }

    pub fn usize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let n = value
            .as_u64()
            .ok_or_else(|| D::Error::custom(format!("expected a length, got {value}")))?;
        Ok(Some(n as usize))
    }
}

impl Manifest {
    pub fn from_json(text: &str) -> Result<Self, ManifestError> {
        let manifest: Manifest = serde_json::from_str(text)?;
        if manifest.version != MANIFEST_VERSION {
            return Err(ManifestError::Version(manifest.version));
        }
        for (index, route) in manifest.routes.iter().enumerate() {
            if route.id != index {
                return Err(ManifestError::RouteId {
                    index,
                    id: route.id,
                });
            }
        }
        Ok(manifest)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("invalid manifest JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unsupported manifest version {0} (this runtime reads version {MANIFEST_VERSION})")]
    Version(u32),
    #[error("route at index {index} has id {id}; ids must be 0..n in order")]
    RouteId { index: usize, id: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_minimal_manifest() {
        let text = r#"{"version":1,"project":"demo","routes":[{"id":0,"method":"GET","path":"/items/{id}",
            "handler":"demo.api:get_item","is_async":false,"status_code":200,
            "params":[{"name":"id","alias":"id","source":"path","type":{"kind":"int"},"required":true,
            "constraints":{"ge":1}}]}]}"#;
        let manifest = Manifest::from_json(text).unwrap();
        assert_eq!(manifest.routes[0].params[0].ty, TypeRef::Int);
        assert_eq!(manifest.routes[0].params[0].constraints.ge, Some(1.0));
    }

    #[test]
    fn rejects_wrong_version_and_ids() {
        let bad_version = r#"{"version":99,"project":"p","routes":[]}"#;
        assert!(matches!(
            Manifest::from_json(bad_version),
            Err(ManifestError::Version(99))
        ));
        let bad_id = r#"{"version":1,"project":"p","routes":[{"id":3,"method":"GET","path":"/",
            "handler":"m:f","is_async":false,"status_code":200,"params":[]}]}"#;
        assert!(matches!(
            Manifest::from_json(bad_id),
            Err(ManifestError::RouteId { .. })
        ));
    }
}
