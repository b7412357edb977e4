//! Which request paths the project's Django URLs serve, for the interpreted table: the model's
//! `DjangoPlan` (literal paths, the shape trie, the regexes by first segment) walked as it is,
//! matched against the percent-decoded path as Django's resolver matches `PATH_INFO`. A
//! generated table writes the same plan out as code (`bolt-codegen/src/emit/django.rs`).
//! Django then resolves and handles the request itself.

use std::collections::HashMap;

use bolt_schema::django::{first_segment_of, DjangoPlan};
use regex::RegexSet;

use crate::manifest::Manifest;

pub struct DjangoUrls {
    plan: DjangoPlan,
    /// The plan's regex groups as sets, by first segment (None: any); a set that is None was
    /// too large to build, so every path it could match goes to Django.
    by_first: HashMap<String, Option<RegexSet>>,
    any_first: Option<Option<RegexSet>>,
}

/// The regexes of one group as a set (each one compiled already when the plan was lowered;
/// only the set's size limit can refuse them).
pub fn regex_set(patterns: &[&str]) -> Option<RegexSet> {
    RegexSet::new(patterns).ok()
}

/// Whether a group's set matches `path` (a set too large to build matches everything).
pub fn set_matches(set: &Option<RegexSet>, path: &str) -> bool {
    set.as_ref().is_none_or(|set| set.is_match(path))
}

impl DjangoUrls {
    pub fn new(manifest: &Manifest) -> Option<Self> {
        let plan = DjangoPlan::lower(&manifest.django_routes, manifest.django_fallback)?;
        let mut by_first = HashMap::new();
        let mut any_first = None;
        for (first, patterns) in &plan.regexes {
            let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
            let set = regex_set(&patterns);
            match first {
                Some(first) => drop(by_first.insert(first.clone(), set)),
                None => any_first = Some(set),
            }
        }
        Some(Self {
            plan,
            by_first,
            any_first,
        })
    }

    /// Whether Django should handle `decoded_path` (a path no BoltAPI route serves).
    pub fn serves(&self, decoded_path: &str) -> bool {
        if self.plan.fallback || self.plan.serves_by_shape(decoded_path) {
            return true;
        }
        let first = first_segment_of(decoded_path);
        self.by_first
            .get(first)
            .is_some_and(|set| set_matches(set, decoded_path))
            || self
                .any_first
                .as_ref()
                .is_some_and(|set| set_matches(set, decoded_path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(routes: &[(&str, Option<&str>)]) -> DjangoUrls {
        let entries: Vec<String> = routes
            .iter()
            .map(|(regex, shape)| {
                let shape = shape.map_or(String::new(), |s| format!(r#","shape":"{s}""#));
                format!(
                    r#"{{"regex":{},"route":"r","view":"v"{shape}}}"#,
                    serde_json::to_string(regex).unwrap()
                )
            })
            .collect();
        let manifest = Manifest::from_json(&format!(
            r#"{{"version":1,"project":"p","routes":[],"django_routes":[{}]}}"#,
            entries.join(",")
        ))
        .unwrap();
        DjangoUrls::new(&manifest).unwrap()
    }

    #[test]
    fn matches_as_django_resolves() {
        let django = urls(&[
            (r"^/(?:admin/\Z)", Some("/admin/")),
            (r"^/(?:admin/)(?:(?P<app_label>auth|library)/$)", None),
            (r"^/(?:items/(?P<pk>[0-9]+)/\Z)", Some("/items/<int>/")),
        ]);
        assert!(django.serves("/admin/"));
        assert!(django.serves("/admin/library/"));
        assert!(django.serves("/admin/library/\n"), "Python's `$`");
        assert!(django.serves("/items/12/"));
        assert!(!django.serves("/items/x/"));
        assert!(!django.serves("/admin"));
        assert!(!django.serves("/admin/other/"));
        assert!(!django.serves("/other"));
    }

    #[test]
    fn unsupported_syntax_falls_back_to_django() {
        let django = urls(&[(r"^/(?:(?P<a>x)(?=y))", None)]);
        assert!(django.serves("/anything"));
    }
}
