//! The runtime half of a generated route table: `CompiledTable` holds plain `fn` pointers that a
//! generated crate emits. Its segment matchers share the model's `Walk` with the interpreted
//! router (`bolt_schema::router`), so both match, capture and answer 405 the same way.

use pyo3::prelude::*;

use crate::http::HttpRequest;
use crate::router::Lookup;
use crate::table::{Arg, RouteTable};
use crate::validation::Issue;

pub type LookupFn = for<'p> fn(&str, &'p str) -> Lookup<'p>;
pub type ExtractFn = fn(&[&str], &HttpRequest) -> Result<Vec<Arg>, Vec<Issue>>;
/// Routes registered for one path shape: `(method, route id)`.
pub type Endpoints = &'static [(&'static str, usize)];

/// A route table generated at build time for one project.
pub struct CompiledTable {
    /// sha256 of the manifest the table was generated from.
    pub fingerprint: &'static str,
    pub lookup: LookupFn,
    /// One extractor per route id.
    pub extractors: &'static [ExtractFn],
    /// One entry per manifest schema (in name order): its generated encoder, if it has one.
    pub encoders: &'static [Option<crate::encode::EncodeFn>],
    /// One entry per route id: its generated body scanner, if the fast path covers its body.
    pub body_scanners: &'static [Option<ScanFn>],
    /// The generated matcher of the project's Django URLs, if it has any.
    pub django: Option<DjangoFn>,
}

/// Whether the project's Django URLs serve a percent-decoded path.
pub type DjangoFn = fn(&str) -> bool;

/// A generated body scanner: the fast path's tape for a valid body, else None.
pub type ScanFn = fn(&bytes::Bytes) -> Option<crate::decode::Tape>;

/// A generated table lives in its extension's statics: apps hold it by reference.
impl RouteTable for &'static CompiledTable {
    fn lookup<'p>(&self, method: &str, path: &'p str) -> Lookup<'p> {
        (self.lookup)(method, path)
    }

    fn extract(
        &self,
        route: usize,
        captures: &[&str],
        request: &HttpRequest,
    ) -> Result<Vec<Arg>, Vec<Issue>> {
        (self.extractors[route])(captures, request)
    }

    fn route_count(&self) -> usize {
        self.extractors.len()
    }

    fn body_scanner(&self, route: usize) -> Option<ScanFn> {
        self.body_scanners.get(route).copied().flatten()
    }

    fn encoders(&self) -> &[Option<crate::encode::EncodeFn>] {
        self.encoders
    }

    fn fingerprint(&self) -> Option<&str> {
        Some(self.fingerprint)
    }

    fn has_django_urls(&self) -> bool {
        self.django.is_some()
    }

    fn serves_django(&self, decoded_path: &str) -> bool {
        self.django.is_some_and(|serves| serves(decoded_path))
    }
}

/// A project extension's generated table as a Python value (`<project>_bolt.TABLE`), which
/// that extension's `App(..., table=TABLE)` serves from.
#[pyclass(frozen, module = "django_bolt._core", name = "CompiledTable")]
pub struct TableValue(pub &'static CompiledTable);

#[pymethods]
impl TableValue {
    #[getter]
    fn fingerprint(&self) -> &'static str {
        self.0.fingerprint
    }

    #[getter]
    fn route_count(&self) -> usize {
        self.0.extractors.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<CompiledTable of {} routes, manifest {}>",
            self.0.extractors.len(),
            self.0.fingerprint
        )
    }
}
