//! The runtime half of a generated route table: `CompiledTable` holds plain `fn` pointers that a
//! generated crate emits, and `Walk` is the state its generated segment matchers share.

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
}

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

/// The route for `method` among `endpoints` (a static path's hit, before any `Walk`).
pub fn pick(endpoints: Endpoints, method: &str) -> Option<usize> {
    endpoints
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, route)| *route)
}

/// Matching state for generated lookups: the path split once into segments, the captures so
/// far and the methods seen on matching shapes (for 405).
pub struct Walk<'a, 'p> {
    method: &'a str,
    path: &'p str,
    segments: Vec<(usize, &'p str)>,
    captures: Vec<&'p str>,
    allowed: Vec<&'static str>,
}

impl<'a, 'p> Walk<'a, 'p> {
    pub fn new(method: &'a str, path: &'p str) -> Self {
        let mut segments = Vec::with_capacity(8);
        if let Some(body) = path.strip_prefix('/').filter(|b| !b.is_empty()) {
            let mut offset = 1;
            for seg in body.split('/') {
                segments.push((offset, seg));
                offset += seg.len() + 1;
            }
        }
        Self {
            method,
            path,
            segments,
            captures: Vec::new(),
            allowed: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.segments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    pub fn segment(&self, index: usize) -> &'p str {
        self.segments[index].1
    }

    pub fn push(&mut self, capture: &'p str) {
        self.captures.push(capture);
    }

    pub fn pop(&mut self) {
        self.captures.pop();
    }

    /// The route for this request's method among `endpoints`, remembering the others for 405.
    pub fn pick(&mut self, endpoints: Endpoints) -> Option<usize> {
        let found = pick(endpoints, self.method);
        if found.is_none() {
            self.note_allowed(endpoints);
        }
        found
    }

    /// Remember the methods of a matching shape that has none for this request (for 405).
    pub fn note_allowed(&mut self, endpoints: Endpoints) {
        self.allowed.extend(endpoints.iter().map(|(m, _)| *m));
    }

    /// A `{name:path}` parameter at segment `index`: the non-empty rest of the path.
    pub fn rest(&mut self, index: usize, endpoints: Endpoints) -> Option<usize> {
        let rest = &self.path[self.segments[index].0..];
        if rest.is_empty() {
            return None;
        }
        let route = self.pick(endpoints)?;
        self.captures.push(rest);
        Some(route)
    }

    pub fn found(self, route: usize) -> Lookup<'p> {
        Lookup::Found {
            route,
            captures: self.captures,
        }
    }

    pub fn not_found(self) -> Lookup<'p> {
        if self.allowed.is_empty() {
            return Lookup::NotFound;
        }
        let mut allowed: Vec<String> = self.allowed.into_iter().map(str::to_owned).collect();
        allowed.sort();
        allowed.dedup();
        Lookup::MethodNotAllowed(allowed)
    }
}
