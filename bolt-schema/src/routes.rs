//! The routes of a manifest lowered once: the route trie, and for every parameter how it is
//! read and coerced. The interpreted table runs these plans; the code generator checks a
//! manifest with the same lowering before emitting code for it.

use crate::coerce::ParamSpec;
use crate::manifest::{Manifest, Source};
use crate::router::{param_names, parse_pattern, Router};

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("{handler}: {message}")]
    Route { handler: String, message: String },
    #[error("duplicate route {method} {path}: {first} and {second}")]
    Duplicate {
        method: String,
        path: String,
        first: String,
        second: String,
    },
}

/// How one parameter is read, decided when the table is built.
#[derive(Debug)]
pub enum Reader {
    Capture(usize),
    Query,
    Header,
    Cookie,
    Request,
    Body,
    Form,
    File,
}

#[derive(Debug)]
pub struct ParamPlan {
    pub alias: String,
    pub source: Source,
    pub reader: Reader,
    pub spec: Option<ParamSpec>,
    pub required: bool,
}

#[derive(Debug)]
pub struct RoutePlan {
    pub params: Vec<ParamPlan>,
    pub needs_query: bool,
    pub needs_cookies: bool,
}

/// A manifest's routes, lowered.
pub struct RoutePlans {
    pub router: Router,
    pub routes: Vec<RoutePlan>,
}

impl RoutePlans {
    /// Every route check (duplicates, unbound path parameters, unsupported types, bad
    /// patterns) happens here: the interpreted table and the code generator accept exactly
    /// the same manifests.
    pub fn lower(manifest: &Manifest) -> Result<Self, TableError> {
        let mut router = Router::default();
        let mut routes = Vec::with_capacity(manifest.routes.len());
        for route in &manifest.routes {
            let err = |message: String| TableError::Route {
                handler: route.handler.clone(),
                message,
            };
            let segments = parse_pattern(&route.path).map_err(|e| err(e.to_string()))?;
            let captures = param_names(&segments);
            let mut params = Vec::with_capacity(route.params.len());
            for p in &route.params {
                let reader = match p.source {
                    Source::Path => {
                        let index =
                            captures.iter().position(|c| *c == p.alias).ok_or_else(|| {
                                err(format!(
                                    "path parameter {:?} does not appear in path {:?}",
                                    p.alias, route.path
                                ))
                            })?;
                        Reader::Capture(index)
                    }
                    Source::Query => Reader::Query,
                    Source::Header => Reader::Header,
                    Source::Cookie => Reader::Cookie,
                    Source::Request => Reader::Request,
                    Source::Body => Reader::Body,
                    Source::Form => Reader::Form,
                    Source::File => Reader::File,
                };
                let spec = match reader {
                    Reader::Request | Reader::Body | Reader::File => None,
                    _ => Some(
                        ParamSpec::new(p.ty.clone(), p.constraints.clone())
                            .map_err(|e| err(format!("parameter {:?}: {e}", p.name)))?,
                    ),
                };
                params.push(ParamPlan {
                    alias: p.alias.clone(),
                    source: p.source,
                    reader,
                    spec,
                    required: p.required,
                });
            }
            for name in &captures {
                if !route
                    .params
                    .iter()
                    .any(|p| p.source == Source::Path && p.alias == *name)
                {
                    return Err(err(format!(
                        "path parameter {{{name}}} in {:?} has no handler argument",
                        route.path
                    )));
                }
            }
            router
                .insert(&route.method, &segments, route.id)
                .map_err(|first| TableError::Duplicate {
                    method: route.method.clone(),
                    path: route.path.clone(),
                    first: manifest.routes[first].handler.clone(),
                    second: route.handler.clone(),
                })?;
            let needs_query = params.iter().any(|p| matches!(p.reader, Reader::Query));
            let needs_cookies = params.iter().any(|p| matches!(p.reader, Reader::Cookie));
            let has_form = params
                .iter()
                .any(|p| matches!(p.reader, Reader::Form | Reader::File));
            if has_form && params.iter().any(|p| matches!(p.reader, Reader::Body)) {
                return Err(err(
                    "a route cannot take both a JSON body and form fields or files".into(),
                ));
            }
            routes.push(RoutePlan {
                params,
                needs_query,
                needs_cookies,
            });
        }
        router.finish();
        Ok(Self { router, routes })
    }
}
