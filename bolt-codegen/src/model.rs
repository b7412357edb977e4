//! The manifest as the emitters read it: the model crate's lowered routes (`RoutePlans`: the
//! router's static paths and trie, each parameter's reader and coercion shape), with the names
//! and declared types the generated code is written for. Nothing here decides a route rule.

use std::collections::BTreeMap;

use bolt_schema::decode::fast::BodyPlan;
use bolt_schema::django::DjangoPlan;
use bolt_schema::manifest::{Manifest, Schema, Source};
use bolt_schema::router::Router;
use bolt_schema::routes::{RoutePlan, RoutePlans};

use crate::CodegenError;

pub struct Ir {
    pub project: String,
    pub crate_name: String,
    pub fingerprint: String,
    pub routes: Vec<RouteIr>,
    /// Static paths and the trie of the others, as the interpreted table routes them.
    pub router: Router,
    /// Declared body/response types by name (the order generated encoders are indexed in).
    pub schemas: BTreeMap<String, Schema>,
    /// The project's Django URLs, as the interpreted table matches them (None: it has none).
    pub django: Option<DjangoPlan>,
}

pub struct RouteIr {
    pub id: usize,
    pub handler: String,
    pub plan: RoutePlan,
    /// The fast-path plan of the body parameter's type, where the fast path covers it
    /// (the same lowering the runtime's scanner uses).
    pub body_plan: Option<BodyPlan>,
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
    // The same lowering as the interpreted table's, with every route check (duplicates,
    // unbound path parameters, unsupported types, bad patterns): both accept exactly the same
    // manifests and route them the same way.
    let RoutePlans { router, routes } = RoutePlans::lower(&manifest)?;
    let routes = manifest
        .routes
        .iter()
        .zip(routes)
        .map(|(route, plan)| RouteIr {
            id: route.id,
            handler: route.handler.clone(),
            plan,
            // Which classes have a `__post_init__` of their own is known only at run time:
            // the runtime checks that before it uses a generated scanner.
            body_plan: route
                .params
                .iter()
                .find(|p| p.source == Source::Body)
                .and_then(|p| BodyPlan::new(&p.ty, &manifest.schemas, &|_| true)),
        })
        .collect();
    let django = DjangoPlan::lower(&manifest.django_routes, manifest.django_fallback);
    Ok(Ir {
        crate_name: crate_name(&manifest.project),
        project: manifest.project,
        fingerprint: fingerprint(manifest_text),
        routes,
        router,
        schemas: manifest.schemas,
        django,
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
