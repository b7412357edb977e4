//! Routing, shared by both tables: path patterns with `{name}` and `{name:path}` parameters,
//! the paths without parameters matched whole, the others by a segment trie. Literal segments
//! win over parameters; a parameter never matches an empty segment.

use std::collections::{BTreeMap, HashMap};

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

/// Routes registered for one path shape: `(method, route id)`.
pub type Endpoints = Vec<(String, usize)>;

/// One node of the trie of patterns that have parameters. `id` numbers the nodes depth first
/// (literal children in order, then the parameter child): the code generator names one
/// matcher per node in that order, and the interpreted table walks the same nodes.
#[derive(Debug, Default)]
pub struct TrieNode {
    pub id: usize,
    pub literals: BTreeMap<String, TrieNode>,
    pub param: Option<Box<TrieNode>>,
    /// Routes of a `{name:path}` parameter at this node.
    pub rest: Endpoints,
    pub endpoints: Endpoints,
}

impl TrieNode {
    fn insert(&mut self, segments: &[Segment], method: &str, route: usize) -> Result<(), usize> {
        let mut node = self;
        for seg in segments {
            match seg {
                Segment::Literal(lit) => node = node.literals.entry(lit.clone()).or_default(),
                Segment::Param(_) => node = node.param.get_or_insert_with(Default::default),
                Segment::Rest(_) => return add_endpoint(&mut node.rest, method, route),
            }
        }
        add_endpoint(&mut node.endpoints, method, route)
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

/// The routes of a manifest: paths without parameters matched whole, then the trie of the
/// others. Both tables route this way: the interpreted one walks these structures, the code
/// generator writes them out (a `phf` map and one matcher per trie node).
#[derive(Debug, Default)]
pub struct Router {
    static_paths: HashMap<String, Endpoints>,
    trie: TrieNode,
}

impl Router {
    /// Insert a route; returns the id of an existing route with the same method and shape.
    /// Call `finish` after the last one.
    pub fn insert(
        &mut self,
        method: &str,
        segments: &[Segment],
        route: usize,
    ) -> Result<(), usize> {
        if param_names(segments).is_empty() {
            let path = pattern_text(segments);
            return add_endpoint(self.static_paths.entry(path).or_default(), method, route);
        }
        self.trie.insert(segments, method, route)
    }

    /// Number the trie's nodes (see `TrieNode::id`).
    pub fn finish(&mut self) {
        self.trie.number(&mut 0);
    }

    /// The paths without parameters, in order.
    pub fn static_paths(&self) -> BTreeMap<&str, &Endpoints> {
        self.static_paths
            .iter()
            .map(|(path, endpoints)| (path.as_str(), endpoints))
            .collect()
    }

    pub fn trie(&self) -> &TrieNode {
        &self.trie
    }

    pub fn lookup<'p>(&self, method: &str, path: &'p str) -> Lookup<'p> {
        let statics = self.static_paths.get(path).map(Vec::as_slice);
        lookup_with(method, path, statics, |walk| visit(&self.trie, walk, 0))
    }
}

/// The lookup of both tables: `statics`, the routes of a path without parameters equal to
/// `path`, if any, then `walk_trie` from segment 0 (the interpreted walk of the trie, or the
/// generated matcher of its root). A static path with other methods only counts toward 405.
pub fn lookup_with<'a, 'p, S: AsRef<str>>(
    method: &'a str,
    path: &'p str,
    statics: Option<&'a [(S, usize)]>,
    walk_trie: impl FnOnce(&mut Walk<'a, 'p>) -> Option<usize>,
) -> Lookup<'p> {
    if let Some(route) = statics.and_then(|e| pick(e, method)) {
        return Lookup::Found {
            route,
            captures: Vec::new(),
        };
    }
    let mut walk = Walk::new(method, path);
    if let Some(endpoints) = statics {
        walk.note_allowed(endpoints);
    }
    match walk_trie(&mut walk) {
        Some(route) => walk.found(route),
        None => walk.not_found(),
    }
}

/// The interpreted walk of `node` from segment `index`: what the generated matcher of the
/// same node does (literal child, then parameter, then `{name:path}`).
fn visit<'a>(node: &'a TrieNode, walk: &mut Walk<'a, '_>, index: usize) -> Option<usize> {
    if index == walk.len() {
        return walk.pick(&node.endpoints);
    }
    let segment = walk.segment(index);
    if let Some(child) = node.literals.get(segment) {
        if let Some(route) = visit(child, walk, index + 1) {
            return Some(route);
        }
    }
    if let Some(child) = &node.param {
        if !segment.is_empty() {
            walk.push(segment);
            if let Some(route) = visit(child, walk, index + 1) {
                return Some(route);
            }
            walk.pop();
        }
    }
    if node.rest.is_empty() {
        None
    } else {
        walk.rest(index, &node.rest)
    }
}

/// The path a pattern without parameters matches: its segments joined again.
fn pattern_text(segments: &[Segment]) -> String {
    let mut path = String::from("/");
    for (index, segment) in segments.iter().enumerate() {
        if index > 0 {
            path.push('/');
        }
        if let Segment::Literal(literal) = segment {
            path.push_str(literal);
        }
    }
    path
}

/// The route for `method` among `endpoints` (a static path's hit, before any `Walk`).
pub fn pick<S: AsRef<str>>(endpoints: &[(S, usize)], method: &str) -> Option<usize> {
    endpoints
        .iter()
        .find(|(m, _)| m.as_ref() == method)
        .map(|(_, route)| *route)
}

fn add_endpoint(endpoints: &mut Endpoints, method: &str, route: usize) -> Result<(), usize> {
    if let Some(existing) = pick(endpoints, method) {
        return Err(existing);
    }
    endpoints.push((method.to_owned(), route));
    Ok(())
}

/// The matching state of one lookup, for the interpreted walk and the generated matchers
/// alike: the path split once into segments, the captures so far, and the methods of the
/// matching shapes that have none for this request (for 405).
pub struct Walk<'a, 'p> {
    method: &'a str,
    path: &'p str,
    segments: Vec<(usize, &'p str)>,
    captures: Vec<&'p str>,
    allowed: Vec<&'a str>,
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
    pub fn pick<S: AsRef<str>>(&mut self, endpoints: &'a [(S, usize)]) -> Option<usize> {
        let found = pick(endpoints, self.method);
        if found.is_none() {
            self.note_allowed(endpoints);
        }
        found
    }

    /// Remember the methods of a matching shape that has none for this request (for 405).
    pub fn note_allowed<S: AsRef<str>>(&mut self, endpoints: &'a [(S, usize)]) {
        self.allowed
            .extend(endpoints.iter().map(|(m, _)| m.as_ref()));
    }

    /// A `{name:path}` parameter at segment `index`: the non-empty rest of the path.
    pub fn rest<S: AsRef<str>>(
        &mut self,
        index: usize,
        endpoints: &'a [(S, usize)],
    ) -> Option<usize> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        let mut r = Router::default();
        for (id, (method, path)) in routes.iter().enumerate() {
            r.insert(method, &parse_pattern(path).unwrap(), id).unwrap();
        }
        r.finish();
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
