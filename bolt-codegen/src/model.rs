//! The manifest lowered to what the emitters need: validated routes, the static-path map and
//! the trie of dynamic patterns (the same shape the interpreted router walks).

use std::collections::BTreeMap;

use bolt_schema::manifest::{Constraints, Manifest, Schema, Source, TypeRef};
use bolt_schema::router::{param_names, parse_pattern, Segment};
use bolt_schema::routes::RoutePlans;

use crate::CodegenError;

pub struct Ir {
    pub project: String,
    pub crate_name: String,
    pub fingerprint: String,
    pub routes: Vec<RouteIr>,
    /// Paths without parameters → `(method, route id)`.
    pub static_paths: BTreeMap<String, Vec<(String, usize)>>,
    pub trie: Node,
    /// Declared body/response types by name (the order generated encoders are indexed in).
    pub schemas: BTreeMap<String, Schema>,
}

pub struct RouteIr {
    pub id: usize,
    pub handler: String,
    pub params: Vec<ParamIr>,
}

pub struct ParamIr {
    pub alias: String,
    pub source: Source,
    pub ty: TypeRef,
    pub required: bool,
    pub constraints: Constraints,
    /// Index into the captures, for path parameters.
    pub capture: Option<usize>,
}

/// One node of the dynamic-route trie; `id` numbers nodes in depth-first order.
#[derive(Default)]
pub struct Node {
    pub id: usize,
    pub literals: BTreeMap<String, Node>,
    pub param: Option<Box<Node>>,
    pub rest: Vec<(String, usize)>,
    pub endpoints: Vec<(String, usize)>,
}

impl Node {
    fn insert(&mut self, segments: &[Segment], method: &str, route: usize) {
        match segments.split_first() {
            None => self.endpoints.push((method.to_owned(), route)),
            Some((Segment::Literal(lit), tail)) => self
                .literals
                .entry(lit.clone())
                .or_default()
                .insert(tail, method, route),
            Some((Segment::Param(_), tail)) => self
                .param
                .get_or_insert_with(Default::default)
                .insert(tail, method, route),
            Some((Segment::Rest(_), _)) => self.rest.push((method.to_owned(), route)),
        }
    }

    fn number(&mut self, next: &mut usize) {
        self.id = *next;
        *next += 1;
        for child in self.literals.values_mut() {
            child.number(next);
        }
        if let Some(child) = &mut self.param {
            child.number(next);
        }
    }
}

/// The extension module name for a project: `<project>_bolt`, a valid Rust/Python identifier.
pub fn crate_name(project: &str) -> String {
    let mut name: String = project
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'p');
    }
    format!("{name}_bolt")
}

pub use bolt_schema::manifest::fingerprint;

pub fn lower(manifest_text: &str) -> Result<Ir, CodegenError> {
    let manifest = Manifest::from_json(manifest_text)?;
    // The interpreted table performs every route check (duplicates, unbound path parameters,
    // unsupported types, bad patterns); generated code must accept exactly the same manifests.
    RoutePlans::lower(&manifest)?;
    let mut static_paths: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    let mut trie = Node::default();
    let mut routes = Vec::with_capacity(manifest.routes.len());
    for route in &manifest.routes {
        let segments = parse_pattern(&route.path).expect("validated by RoutePlans::lower");
        let captures = param_names(&segments);
        if captures.is_empty() {
            static_paths
                .entry(route.path.clone())
                .or_default()
                .push((route.method.clone(), route.id));
        } else {
            trie.insert(&segments, &route.method, route.id);
        }
        let params = route
            .params
            .iter()
            .map(|p| ParamIr {
                alias: p.alias.clone(),
                source: p.source,
                ty: p.ty.clone(),
                required: p.required,
                constraints: p.constraints.clone(),
                capture: (p.source == Source::Path)
                    .then(|| captures.iter().position(|c| *c == p.alias))
                    .flatten(),
            })
            .collect();
        routes.push(RouteIr {
            id: route.id,
            handler: route.handler.clone(),
            params,
        });
    }
    trie.number(&mut 0);
    Ok(Ir {
        crate_name: crate_name(&manifest.project),
        project: manifest.project,
        fingerprint: fingerprint(manifest_text),
        routes,
        static_paths,
        trie,
        schemas: manifest.schemas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_are_identifiers() {
        assert_eq!(crate_name("demo"), "demo_bolt");
        assert_eq!(crate_name("My-Site.v2"), "my_site_v2_bolt");
        assert_eq!(crate_name("9lives"), "p9lives_bolt");
    }
}
