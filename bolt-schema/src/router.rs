//! The interpreted router: a segment trie over path patterns with `{name}` and `{name:path}`
//! parameters. Literal segments win over parameters; a parameter never matches an empty segment.

use std::collections::HashMap;

use thiserror::Error;

/// One parsed segment of a route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Param(String),
    /// `{name:path}`: the rest of the path, slashes included; must be the last segment.
    Rest(String),
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PatternError {
    #[error("path {0:?} must start with '/'")]
    NoLeadingSlash(String),
    #[error("path {0:?}: malformed parameter segment {1:?} (use {{name}} or {{name:path}})")]
    BadParam(String, String),
    #[error("path {0:?}: {{name:path}} must be the last segment")]
    RestNotLast(String),
}

/// Split a pattern like `/items/{id}/files/{rest:path}` into segments.
pub fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, PatternError> {
    let body = pattern
        .strip_prefix('/')
        .ok_or_else(|| PatternError::NoLeadingSlash(pattern.into()))?;
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let raw: Vec<&str> = body.split('/').collect();
    let mut segments = Vec::with_capacity(raw.len());
    for (index, seg) in raw.iter().enumerate() {
        let bad = || PatternError::BadParam(pattern.into(), (*seg).into());
        if let Some(inner) = seg.strip_prefix('{') {
            let inner = inner.strip_suffix('}').ok_or_else(bad)?;
            let (name, converter) = match inner.split_once(':') {
                Some((n, c)) => (n, Some(c)),
                None => (inner, None),
            };
            let valid_name =
                !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
            match converter {
                _ if !valid_name => return Err(bad()),
                None => segments.push(Segment::Param(name.into())),
                Some("path") if index + 1 == raw.len() => segments.push(Segment::Rest(name.into())),
                Some("path") => return Err(PatternError::RestNotLast(pattern.into())),
                Some(_) => return Err(bad()),
            }
        } else if seg.contains(['{', '}']) {
            return Err(bad());
        } else {
            segments.push(Segment::Literal((*seg).into()));
        }
    }
    Ok(segments)
}

/// Names of the parameters of a pattern, in capture order.
pub fn param_names(segments: &[Segment]) -> Vec<&str> {
    segments
        .iter()
        .filter_map(|s| match s {
            Segment::Param(n) | Segment::Rest(n) => Some(n.as_str()),
            Segment::Literal(_) => None,
        })
        .collect()
}

/// Routes registered at one node, keyed by HTTP method.
type Endpoints = Vec<(String, usize)>;

#[derive(Debug, Default)]
struct Node {
    literals: HashMap<String, Node>,
    param: Option<Box<Node>>,
    rest: Endpoints,
    endpoints: Endpoints,
}

/// Outcome of a lookup; captures are raw (still percent-encoded) slices of the path.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<'p> {
    Found {
        route: usize,
        captures: Vec<&'p str>,
    },
    /// The path exists for other methods.
    MethodNotAllowed(Vec<String>),
    NotFound,
}

#[derive(Debug, Default)]
pub struct Router {
    root: Node,
}

impl Router {
    /// Insert a route; returns the id of an existing route with the same method and shape.
    pub fn insert(
        &mut self,
        method: &str,
        segments: &[Segment],
        route: usize,
    ) -> Result<(), usize> {
        let mut node = &mut self.root;
        for seg in segments {
            match seg {
                Segment::Literal(lit) => node = node.literals.entry(lit.clone()).or_default(),
                Segment::Param(_) => node = node.param.get_or_insert_with(Default::default),
                Segment::Rest(_) => return add_endpoint(&mut node.rest, method, route),
            }
        }
        add_endpoint(&mut node.endpoints, method, route)
    }

    pub fn lookup<'p>(&self, method: &str, path: &'p str) -> Lookup<'p> {
        let Some(body) = path.strip_prefix('/') else {
            return Lookup::NotFound;
        };
        let mut seg_starts = Vec::with_capacity(8);
        let mut segments = Vec::with_capacity(8);
        if !body.is_empty() {
            let mut offset = 1;
            for seg in body.split('/') {
                seg_starts.push(offset);
                segments.push(seg);
                offset += seg.len() + 1;
            }
        }
        let walk = Walk {
            method,
            path,
            segments: &segments,
            starts: &seg_starts,
        };
        let mut captures = Vec::new();
        let mut allowed = Vec::new();
        match walk.visit(&self.root, 0, &mut captures, &mut allowed) {
            Some(route) => Lookup::Found { route, captures },
            None if allowed.is_empty() => Lookup::NotFound,
            None => {
                allowed.sort();
                allowed.dedup();
                Lookup::MethodNotAllowed(allowed)
            }
        }
    }
}

fn add_endpoint(endpoints: &mut Endpoints, method: &str, route: usize) -> Result<(), usize> {
    if let Some((_, existing)) = endpoints.iter().find(|(m, _)| m == method) {
        return Err(*existing);
    }
    endpoints.push((method.to_owned(), route));
    Ok(())
}

struct Walk<'a, 'p> {
    method: &'a str,
    path: &'p str,
    segments: &'a [&'p str],
    starts: &'a [usize],
}

impl<'p> Walk<'_, 'p> {
    fn visit(
        &self,
        node: &Node,
        i: usize,
        caps: &mut Vec<&'p str>,
        allowed: &mut Vec<String>,
    ) -> Option<usize> {
        if i == self.segments.len() {
            return self.pick(&node.endpoints, allowed);
        }
        let seg = self.segments[i];
        if let Some(child) = node.literals.get(seg) {
            if let Some(found) = self.visit(child, i + 1, caps, allowed) {
                return Some(found);
            }
        }
        if let (Some(child), false) = (&node.param, seg.is_empty()) {
            caps.push(seg);
            if let Some(found) = self.visit(child, i + 1, caps, allowed) {
                return Some(found);
            }
            caps.pop();
        }
        let rest = &self.path[self.starts[i]..];
        if !node.rest.is_empty() && !rest.is_empty() {
            if let Some(found) = self.pick(&node.rest, allowed) {
                caps.push(rest);
                return Some(found);
            }
        }
        None
    }

    fn pick(&self, endpoints: &Endpoints, allowed: &mut Vec<String>) -> Option<usize> {
        match endpoints.iter().find(|(m, _)| m == self.method) {
            Some((_, route)) => Some(*route),
            None => {
                allowed.extend(endpoints.iter().map(|(m, _)| m.clone()));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        let mut r = Router::default();
        for (id, (method, path)) in routes.iter().enumerate() {
            r.insert(method, &parse_pattern(path).unwrap(), id).unwrap();
        }
        r
    }

    #[test]
    fn parses_patterns() {
        assert_eq!(
            parse_pattern("/a/{id}/{rest:path}").unwrap(),
            vec![
                Segment::Literal("a".into()),
                Segment::Param("id".into()),
                Segment::Rest("rest".into())
            ]
        );
        assert_eq!(parse_pattern("/").unwrap(), vec![]);
        assert_eq!(
            parse_pattern("/a/").unwrap(),
            vec![Segment::Literal("a".into()), Segment::Literal("".into())]
        );
        assert!(matches!(
            parse_pattern("a"),
            Err(PatternError::NoLeadingSlash(_))
        ));
        assert!(matches!(
            parse_pattern("/{x:int}"),
            Err(PatternError::BadParam(..))
        ));
        assert!(matches!(
            parse_pattern("/{x:path}/a"),
            Err(PatternError::RestNotLast(_))
        ));
        assert!(matches!(
            parse_pattern("/a{x}"),
            Err(PatternError::BadParam(..))
        ));
    }

    #[test]
    fn literal_beats_param_and_backtracks() {
        let r = router(&[
            ("GET", "/users/me"),
            ("GET", "/users/{id}"),
            ("POST", "/users/{id}/x"),
            ("GET", "/users/me/y"),
        ]);
        assert_eq!(
            r.lookup("GET", "/users/me"),
            Lookup::Found {
                route: 0,
                captures: vec![]
            }
        );
        assert_eq!(
            r.lookup("GET", "/users/7"),
            Lookup::Found {
                route: 1,
                captures: vec!["7"]
            }
        );
        assert_eq!(
            r.lookup("POST", "/users/me/x"),
            Lookup::Found {
                route: 2,
                captures: vec!["me"]
            }
        );
        assert_eq!(r.lookup("GET", "/users/"), Lookup::NotFound);
        assert_eq!(
            r.lookup("DELETE", "/users/7"),
            Lookup::MethodNotAllowed(vec!["GET".into()])
        );
    }

    #[test]
    fn rest_params_capture_slashes() {
        let r = router(&[("GET", "/files/{p:path}"), ("GET", "/")]);
        assert_eq!(
            r.lookup("GET", "/files/a/b.txt"),
            Lookup::Found {
                route: 0,
                captures: vec!["a/b.txt"]
            }
        );
        assert_eq!(r.lookup("GET", "/files/"), Lookup::NotFound);
        assert_eq!(
            r.lookup("GET", "/"),
            Lookup::Found {
                route: 1,
                captures: vec![]
            }
        );
    }

    #[test]
    fn duplicates_are_reported() {
        let mut r = router(&[("GET", "/a/{x}")]);
        assert_eq!(
            r.insert("GET", &parse_pattern("/a/{y}").unwrap(), 1),
            Err(0)
        );
        assert_eq!(
            r.insert("POST", &parse_pattern("/a/{y}").unwrap(), 1),
            Ok(())
        );
    }
}
