//! `RouteTable`: what the server needs from a routing table. `DynamicTable` interprets the
//! manifest; generated crates provide a compiled implementation of the same trait.

use bolt_schema::routes::{Reader, RoutePlan, RoutePlans};

use crate::django_urls::DjangoUrls;
use crate::http::{percent_decode, HttpRequest};
use crate::manifest::Manifest;
use crate::router::{Lookup, Router};
use crate::validation::Issue;
use crate::value::Value;

/// One positional argument of a handler call, before Python objects exist.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Value(Value),
    /// Use the Python default registered for this parameter.
    Default,
    /// The `Request` object.
    Request,
    /// The request body, decoded in Python against the declared type.
    Body,
    /// The file parts of the parameter's name, as `UploadFile`s (checked in the pipeline).
    Files,
}

/// A whole route table: what the server needs per request. The interpreted table has no
/// generated code, so its scanner and encoders are the defaults (none).
pub trait RouteTable: Send + Sync {
    fn lookup<'p>(&self, method: &str, path: &'p str) -> Lookup<'p>;
    /// Coerce every parameter of `route`; all failures are reported together.
    fn extract(
        &self,
        route: usize,
        captures: &[&str],
        request: &HttpRequest,
    ) -> Result<Vec<Arg>, Vec<Issue>>;
    fn route_count(&self) -> usize;
    /// The generated scanner of `route`'s body, if the table has one.
    fn body_scanner(&self, _route: usize) -> Option<crate::compiled::ScanFn> {
        None
    }
    /// The generated encoder of each manifest schema (in name order), where there is one.
    fn encoders(&self) -> &[Option<crate::encode::EncodeFn>] {
        &[]
    }
    /// The fingerprint of the manifest a generated table was built from.
    fn fingerprint(&self) -> Option<&str> {
        None
    }
    /// Whether the project has Django URLs (`serves_django` can answer yes).
    fn has_django_urls(&self) -> bool;
    /// Whether the project's Django URLs serve `decoded_path` (the percent-decoded path).
    fn serves_django(&self, decoded_path: &str) -> bool;
}

pub use bolt_schema::routes::TableError;

/// The interpreted table: the model's lowered route plans, run as they are.
pub struct DynamicTable {
    router: Router,
    routes: Vec<RoutePlan>,
    django: Option<DjangoUrls>,
}

impl DynamicTable {
    pub fn new(manifest: &Manifest) -> Result<Self, TableError> {
        let RoutePlans { router, routes } = RoutePlans::lower(manifest)?;
        let django = DjangoUrls::new(manifest);
        Ok(Self {
            router,
            routes,
            django,
        })
    }
}

impl RouteTable for DynamicTable {
    fn lookup<'p>(&self, method: &str, path: &'p str) -> Lookup<'p> {
        self.router.lookup(method, path)
    }

    fn extract(
        &self,
        route: usize,
        captures: &[&str],
        request: &HttpRequest,
    ) -> Result<Vec<Arg>, Vec<Issue>> {
        let plan = &self.routes[route];
        let query = if plan.needs_query {
            request.query_pairs()
        } else {
            Vec::new()
        };
        let cookies = if plan.needs_cookies {
            request.cookies()
        } else {
            Vec::new()
        };
        let mut args = Vec::with_capacity(plan.params.len());
        let mut issues = Vec::new();
        for p in &plan.params {
            let decoded;
            let raw: Vec<&str> = match &p.reader {
                Reader::Request => {
                    args.push(Arg::Request);
                    continue;
                }
                Reader::Body => {
                    // An optional body that was not sent takes its default.
                    let absent = !p.required && request.body.is_empty();
                    args.push(if absent { Arg::Default } else { Arg::Body });
                    continue;
                }
                Reader::Capture(i) => {
                    decoded = percent_decode(captures[*i]);
                    vec![decoded.as_str()]
                }
                Reader::Query => query
                    .iter()
                    .filter(|(k, _)| *k == p.alias)
                    .map(|(_, v)| v.as_str())
                    .collect(),
                Reader::Header => request.header_values(&p.alias).collect(),
                Reader::Form => request.form_values(&p.alias),
                Reader::File => {
                    args.push(Arg::Files);
                    continue;
                }
                Reader::Cookie => cookies
                    .iter()
                    .filter(|(k, _)| *k == p.alias)
                    .map(|(_, v)| v.as_str())
                    .collect(),
            };
            if raw.is_empty() {
                if p.required {
                    issues.push(Issue::missing(p.source.as_str(), &p.alias));
                }
                args.push(Arg::Default);
                continue;
            }
            let spec = p.spec.as_ref().expect("value parameters have a spec");
            match spec.coerce_all(&raw) {
                Ok(value) => args.push(Arg::Value(value)),
                Err(msg) => issues.push(Issue::invalid(p.source.as_str(), &p.alias, msg)),
            }
        }
        if issues.is_empty() {
            Ok(args)
        } else {
            Err(issues)
        }
    }

    fn route_count(&self) -> usize {
        self.routes.len()
    }

    fn has_django_urls(&self) -> bool {
        self.django.is_some()
    }

    fn serves_django(&self, decoded_path: &str) -> bool {
        self.django
            .as_ref()
            .is_some_and(|django| django.serves(decoded_path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(routes: &str) -> Manifest {
        Manifest::from_json(&format!(
            r#"{{"version":1,"project":"t","routes":[{routes}]}}"#
        ))
        .unwrap()
    }

    const ITEM: &str = r#"{"id":0,"method":"GET","path":"/items/{id}","handler":"m:get_item","is_async":false,
        "status_code":200,"params":[
          {"name":"id","alias":"id","source":"path","type":{"kind":"int"},"required":true},
          {"name":"q","alias":"q","source":"query","type":{"kind":"list","item":{"kind":"int"}},"required":false},
          {"name":"token","alias":"x-token","source":"header","type":{"kind":"str"},"required":true}]}"#;

    #[test]
    fn extracts_and_reports_every_issue() {
        let table = DynamicTable::new(&manifest(ITEM)).unwrap();
        let Lookup::Found { route, captures } = table.lookup("GET", "/items/abc") else {
            panic!()
        };
        let request =
            HttpRequest::from_strings("GET", "/items/abc", "q=1&q=x", &[], Default::default())
                .unwrap();
        let issues = table.extract(route, &captures, &request).unwrap_err();
        assert_eq!(issues.len(), 3);
        assert_eq!(issues[2].msg, "Missing required header: x-token");

        let token = [("x-token".to_string(), "t".to_string())];
        let request =
            HttpRequest::from_strings("GET", "/items/5", "q=1&q=2", &token, Default::default())
                .unwrap();
        let Lookup::Found { route, captures } = table.lookup("GET", "/items/5") else {
            panic!()
        };
        let args = table.extract(route, &captures, &request).unwrap();
        assert_eq!(args[0], Arg::Value(Value::Int(5)));
        assert_eq!(
            args[1],
            Arg::Value(Value::List(vec![Value::Int(1), Value::Int(2)]))
        );
    }

    #[test]
    fn build_errors_name_the_handler() {
        let dup = format!(
            "{ITEM},{}",
            ITEM.replace(r#""id":0"#, r#""id":1"#)
                .replace("m:get_item", "m:other")
        );
        let err = DynamicTable::new(&manifest(&dup))
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            err,
            "duplicate route GET /items/{id}: m:get_item and m:other"
        );
        let unbound = ITEM.replace(
            r#""name":"id","alias":"id","source":"path""#,
            r#""name":"id","alias":"id","source":"query""#,
        );
        let err = DynamicTable::new(&manifest(&unbound))
            .err()
            .unwrap()
            .to_string();
        assert!(err.starts_with("m:get_item: path parameter {id}"), "{err}");
    }
}
