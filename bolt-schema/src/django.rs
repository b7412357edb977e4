//! Which paths the project's Django URLs serve, lowered from the manifest's `django_routes` for
//! both tables: `path()` routes whose converters each fill a segment become a shape (literal
//! paths in a set, the others a segment trie with converter checks), the rest are regexes in
//! Rust's syntax. The answer is only ever too wide, never too narrow: a path Django would
//! resolve is always sent to Django, which answers its own 404 for the rest.

use std::collections::{BTreeMap, BTreeSet};

use crate::constraints::python_pattern;
use crate::manifest::DjangoRoute;

/// A built-in Django path converter, as `shape` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Converter {
    /// `[0-9]+`
    Int,
    /// `[^/]+`
    Str,
    /// `[-a-zA-Z0-9_]+`
    Slug,
    /// `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
    Uuid,
}

impl Converter {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "int" => Self::Int,
            "str" => Self::Str,
            "slug" => Self::Slug,
            "uuid" => Self::Uuid,
            _ => return None,
        })
    }

    /// Whether the converter's regex matches the whole `segment` (which has no `/`).
    pub fn accepts(self, segment: &str) -> bool {
        match self {
            Self::Int => is_int(segment),
            Self::Str => !segment.is_empty(),
            Self::Slug => is_slug(segment),
            Self::Uuid => is_uuid(segment),
        }
    }
}

pub fn is_int(segment: &str) -> bool {
    !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit())
}

pub fn is_slug(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Lowercase hex only, as Django's `UUIDConverter` regex.
pub fn is_uuid(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        })
}

/// One segment of a shape: `/admin/<int>/change/`, `/media/<path>`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Converter(Converter),
    /// `<path>` (`.+`), the last segment: the rest of the path, not empty.
    Path,
}

fn parse_shape(shape: &str) -> Option<Vec<Piece>> {
    let body = shape.strip_prefix('/')?;
    let segments: Vec<&str> = body.split('/').collect();
    let last = segments.len() - 1;
    segments
        .iter()
        .enumerate()
        .map(|(index, segment)| match segment.strip_prefix('<') {
            Some(name) => match name.strip_suffix('>')? {
                "path" if index == last => Some(Piece::Path),
                name => Converter::named(name).map(Piece::Converter),
            },
            None if segment.contains('>') => None,
            None => Some(Piece::Literal((*segment).to_owned())),
        })
        .collect()
}

/// One node of the shape trie. `id` numbers the nodes depth first (literal children in
/// order, then converter children): the code generator writes one matcher per node.
#[derive(Debug, Default)]
pub struct ShapeNode {
    pub id: usize,
    /// A shape ends here.
    pub end: bool,
    pub literals: BTreeMap<String, ShapeNode>,
    pub converters: BTreeMap<Converter, ShapeNode>,
    /// A shape ends with `<path>` here.
    pub path_tail: bool,
}

impl ShapeNode {
    fn insert(&mut self, pieces: &[Piece]) {
        let mut node = self;
        for piece in pieces {
            node = match piece {
                Piece::Literal(text) => node.literals.entry(text.clone()).or_default(),
                Piece::Converter(converter) => node.converters.entry(*converter).or_default(),
                Piece::Path => {
                    node.path_tail = true;
                    return;
                }
            };
        }
        node.end = true;
    }

    fn number(&mut self, next: &mut usize) {
        self.id = *next;
        *next += 1;
        for child in self.literals.values_mut() {
            child.number(next);
        }
        for child in self.converters.values_mut() {
            child.number(next);
        }
    }

    /// Whether a shape below this node matches `rest`, the path after the `/` that starts
    /// this node's segment (None: the path ended). Every branch is tried.
    pub fn matches(&self, rest: Option<&str>) -> bool {
        let Some(rest) = rest else {
            return self.end;
        };
        let (segment, next) = split_segment(rest);
        if self
            .literals
            .get(segment)
            .is_some_and(|child| child.matches(next))
        {
            return true;
        }
        let converted = self
            .converters
            .iter()
            .any(|(converter, child)| converter.accepts(segment) && child.matches(next));
        converted || (self.path_tail && !rest.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        !self.end && !self.path_tail && self.literals.is_empty() && self.converters.is_empty()
    }
}

/// The first segment of `rest` and what follows its `/` (None: it was the last).
pub fn split_segment(rest: &str) -> (&str, Option<&str>) {
    match rest.split_once('/') {
        Some((segment, next)) => (segment, Some(next)),
        None => (rest, None),
    }
}

/// The Django URLs of a manifest, as both tables match them.
#[derive(Debug, Default)]
pub struct DjangoPlan {
    /// Shapes without converters: these paths exactly.
    pub statics: BTreeSet<String>,
    /// The other shapes.
    pub shapes: ShapeNode,
    /// Rust regexes (anchored at the start) of the other routes, each exact or wider, by the
    /// first path segment every path they match has (None: any first segment), so a path
    /// runs only the regexes that could match it.
    pub regexes: BTreeMap<Option<String>, Vec<String>>,
    /// Every path goes to Django (an i18n prefix, or a route no narrower test covers).
    pub fallback: bool,
}

impl DjangoPlan {
    /// None when the project has no Django URLs.
    pub fn lower(routes: &[DjangoRoute], fallback: bool) -> Option<Self> {
        if routes.is_empty() && !fallback {
            return None;
        }
        let mut plan = Self {
            fallback,
            ..Self::default()
        };
        for route in routes {
            match route.shape.as_deref().and_then(parse_shape) {
                Some(pieces) if pieces.iter().all(|p| matches!(p, Piece::Literal(_))) => {
                    plan.statics.insert(route.shape.clone().unwrap_or_default());
                }
                Some(pieces) => plan.shapes.insert(&pieces),
                None => match rust_regex(&route.regex) {
                    Some(regex) => plan
                        .regexes
                        .entry(first_segment(&route.regex))
                        .or_default()
                        .push(regex),
                    None => plan.fallback = true,
                },
            }
        }
        plan.shapes.number(&mut 0);
        if plan.fallback {
            // One answer for every path: nothing else is consulted.
            plan.statics.clear();
            plan.shapes = ShapeNode::default();
            plan.regexes.clear();
        }
        Some(plan)
    }

    /// The regexes a path whose first segment is `first` could match: its own group's and
    /// the group of any first segment.
    pub fn regex_groups<'a>(&'a self, first: &str) -> impl Iterator<Item = &'a [String]> {
        let own = self.regexes.get(&Some(first.to_owned()));
        own.into_iter()
            .chain(self.regexes.get(&None))
            .map(Vec::as_slice)
    }

    /// Whether the set or the shapes serve `path` (the regexes are the table's to match).
    pub fn serves_by_shape(&self, path: &str) -> bool {
        self.statics.contains(path)
            || path
                .strip_prefix('/')
                .is_some_and(|rest| self.shapes.matches(Some(rest)))
    }
}

/// A manifest regex (`^/` then one `(?:...)` group per Django pattern, as the build writes
/// them) in Rust's syntax: the whole regex where Rust reads it as Python's `re` does, else the
/// groups up to the first one it might not (a prefix: wider, never narrower). None when not
/// even the first group is exact: only Django can tell.
fn rust_regex(regex: &str) -> Option<String> {
    let body = regex.strip_prefix("^/")?;
    let (whole, exact) = python_pattern(regex);
    if exact && !has_inner_anchor(body) && regex::Regex::new(&whole).is_ok() {
        return Some(searched(&whole));
    }
    let mut prefix = String::from("^/");
    for group in top_level_groups(body)? {
        let (translated, exact) = python_pattern(group);
        let candidate = format!("{prefix}{translated}");
        if exact && !has_inner_anchor(group) && regex::Regex::new(&candidate).is_ok() {
            prefix = candidate;
            continue;
        }
        // The literal text the inexact group starts with still narrows.
        let literal = literal_prefix(group.strip_prefix("(?:").unwrap_or(""));
        prefix.push_str(&regex::escape(&literal));
        break;
    }
    (prefix.len() > 2).then_some(searched(&prefix))
}

/// An unanchored Django pattern is searched for (`re.search`), past newlines too: the
/// build writes it as `(?:.*?pattern)`, whose `.` stops at one. Rewritten to `(?s:.*?)`
/// wherever the text appears, which only ever widens a match.
fn searched(regex: &str) -> String {
    regex.replace("(?:.*?", "(?:(?s:.*?)")
}

/// Whether a pattern piece anchors inside the joined regex (`^` or `\A` past its start): to
/// Django it meant the start of the rest of the path, to the joined regex the whole path's.
fn has_inner_anchor(text: &str) -> bool {
    let (mut escaped, mut in_class) = (false, false);
    for char in text.chars() {
        match char {
            _ if escaped => {
                escaped = false;
                if char == 'A' && !in_class {
                    return true;
                }
            }
            '\\' => escaped = true,
            ']' if in_class => in_class = false,
            _ if in_class => {}
            '[' => in_class = true,
            '^' => return true,
            _ => {}
        }
    }
    false
}

/// The text every match of `pattern` starts with: its leading literal characters (escaped
/// punctuation included), less one that a quantifier makes optional.
fn literal_prefix(pattern: &str) -> String {
    let mut literal = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(char) = chars.next() {
        let text = match char {
            '\\' => match chars.next() {
                Some(escaped) if escaped.is_ascii_punctuation() => escaped,
                _ => break,
            },
            '.' | '^' | '$' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' => break,
            _ => char,
        };
        if matches!(chars.peek(), Some('*' | '+' | '?' | '{')) {
            break;
        }
        literal.push(text);
    }
    literal
}

/// The first segment of every path a manifest regex matches, when its first group starts
/// with it as literal text (`^/(?:admin/)...`: `admin`).
fn first_segment(regex: &str) -> Option<String> {
    let first_group = regex.strip_prefix("^/")?.strip_prefix("(?:")?;
    let literal = literal_prefix(first_group);
    literal
        .split_once('/')
        .map(|(segment, _)| segment.to_owned())
}

/// The first segment of a path (after its `/`).
pub fn first_segment_of(path: &str) -> &str {
    path.strip_prefix('/')
        .map_or("", |rest| split_segment(rest).0)
}

/// `(?:a)(?:b)` as `["(?:a)", "(?:b)"]`; None if the text is anything else.
fn top_level_groups(text: &str) -> Option<Vec<&str>> {
    let mut groups = Vec::new();
    let (mut depth, mut start, mut escaped, mut in_class) = (0usize, 0, false, false);
    for (index, char) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match char {
            '(' | ')' if in_class => {}
            _ if depth == 0 && char != '(' => return None,
            '\\' => escaped = true,
            ']' if in_class => in_class = false,
            _ if in_class => {}
            '[' => in_class = true,
            '(' => {
                if depth == 0 {
                    start = index;
                }
                depth += 1;
            }
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    groups.push(&text[start..=index]);
                }
            }
            _ => {}
        }
    }
    (depth == 0).then_some(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(regex: &str, shape: Option<&str>) -> DjangoRoute {
        DjangoRoute {
            regex: regex.into(),
            route: String::new(),
            view: "v".into(),
            name: None,
            shape: shape.map(Into::into),
        }
    }

    fn plan(routes: &[DjangoRoute]) -> DjangoPlan {
        DjangoPlan::lower(routes, false).unwrap()
    }

    #[test]
    fn shapes_match_as_their_converters_do() {
        let plan = plan(&[
            route("", Some("/admin/")),
            route("", Some("/")),
            route("", Some("/items/<int>/")),
            route("", Some("/items/<slug>/edit")),
            route("", Some("/u/<uuid>")),
            route("", Some("/files/<path>")),
            route("", Some("/s/<str>/<str>/")),
        ]);
        assert_eq!(plan.statics.len(), 2);
        let yes = [
            "/admin/",
            "/",
            "/items/12/",
            "/items/a-b_c/edit",
            "/items/12/edit",
            "/u/12345678-abcd-ef01-2345-6789abcdef01",
            "/files/a/b/c",
            "/files//",
            "/s/a b/é/",
        ];
        let no = [
            "/admin",
            "",
            "/items//",
            "/items/x/",
            "/items/1.5/edit",
            "/u/12345678-ABCD-ef01-2345-6789abcdef01",
            "/files/",
            "/s//x/",
            "/s/a/b",
        ];
        for path in yes {
            assert!(plan.serves_by_shape(path), "{path}");
        }
        for path in no {
            assert!(!plan.serves_by_shape(path), "{path}");
        }
    }

    #[test]
    fn regexes_are_exact_or_wider() {
        let exact = r"^/(?:blog/)(?:archive/(?P<year>[0-9]{4})/$)";
        assert_eq!(
            rust_regex(exact).unwrap(),
            r"^/(?:blog/)(?:archive/(?P<year>[0-9]{4})/(?:\n?\z))"
        );
        assert_eq!(
            rust_regex(r"^/(?:a/\Z)").unwrap(),
            r"^/(?:a/\z)",
            "Python's \\Z is Rust's \\z"
        );
        // `\d` may differ between the engines: the groups before it still narrow the paths.
        assert_eq!(
            rust_regex(r"^/(?:blog/)(?:(?P<y>\d+)/$)").unwrap(),
            "^/(?:blog/)"
        );
        assert_eq!(
            rust_regex(r"^/(?:legacy/(?P<n>\d+)/$)").unwrap(),
            "^/legacy/",
            "the literal text a group starts with"
        );
        assert_eq!(rust_regex(r"^/(?:a\.bc?\w)").unwrap(), r"^/a\.b");
        assert_eq!(rust_regex(r"^/(?:(?i)x)"), None);
        // A piece's own anchor meant the rest of the path: only the groups before it narrow.
        assert_eq!(
            rust_regex(r"^/(?:.*?\Arobots\.txt\Z)"),
            None,
            "Django searched the rest of the path from its start"
        );
        assert_eq!(
            rust_regex(r"^/(?:api/)(?:.*?(^foo|^bar)/$)").unwrap(),
            "^/(?:api/)"
        );
        assert!(!has_inner_anchor(r"a[\^^]\^b"));
        // An unanchored piece is searched past newlines too.
        let searched = rust_regex(r"^/(?:.*?foo)").unwrap();
        assert_eq!(searched, "^/(?:(?s:.*?)foo)");
        assert!(regex::Regex::new(&searched).unwrap().is_match("/x\nfoo"));
        let plan = plan(&[route(r"^/(?:(?i)x)", None), route("", Some("/a/"))]);
        assert!(plan.fallback && plan.statics.is_empty());
    }

    #[test]
    fn regexes_are_grouped_by_their_literal_first_segment() {
        let plan = plan(&[
            route(r"^/(?:admin/)(?:(?P<id>.+)/change/\Z)", None),
            route(r"^/(?:admin/)(?:(?P<app>auth|library)/$)", None),
            route(r"^/(?:legacy/(?P<n>\d+)/$)", None),
            route(r"^/(?:.*?(?P<url>.*)$)", None),
            route(r"^/(?:adm(?:in)/x)", None),
        ]);
        let keys: Vec<_> = plan.regexes.keys().cloned().collect();
        assert_eq!(keys, [None, Some("admin".into()), Some("legacy".into())]);
        assert_eq!(plan.regexes[&None].len(), 2);
        let counts: Vec<usize> = plan.regex_groups("admin").map(<[String]>::len).collect();
        assert_eq!(counts, [2, 2]);
        assert_eq!(plan.regex_groups("other").count(), 1);
        assert_eq!(first_segment_of("/admin/x"), "admin");
        assert_eq!(first_segment_of("/"), "");
    }

    #[test]
    fn malformed_shapes_are_matched_by_their_regex() {
        for shape in ["admin/", "/a/<path>/b", "/<custom>/", "/a>/"] {
            assert_eq!(parse_shape(shape), None, "{shape}");
        }
        let plan = plan(&[route(r"^/(?:a/\Z)", Some("/<custom>/"))]);
        assert_eq!(plan.regexes[&Some("a".into())], [r"^/(?:a/\z)"]);
    }
}
