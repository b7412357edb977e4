//! Which request paths the project's Django URLs serve: the manifest's `django_routes`
//! regexes (Django's, converters expanded) as one Rust `RegexSet`, matched against the
//! percent-decoded path as Django's resolver matches `PATH_INFO`. Both tables use it for the
//! paths no BoltAPI route serves; Django then resolves and handles the request itself.

use regex::RegexSet;

use crate::manifest::Manifest;

pub struct DjangoUrls {
    set: RegexSet,
    /// Some pattern could not be compiled here: every unrouted path goes to Django.
    fallback: bool,
}

/// A Python `re` pattern in Rust's syntax: `\Z` (end of text) is `\z` here. Anything else
/// Rust's regex cannot express (lookarounds, backreferences) fails to compile.
fn rust_syntax(pattern: &str) -> String {
    pattern.replace(r"\Z", r"\z")
}

impl DjangoUrls {
    pub fn new(manifest: &Manifest) -> Option<Self> {
        if manifest.django_routes.is_empty() && !manifest.django_fallback {
            return None;
        }
        let mut fallback = manifest.django_fallback;
        let mut patterns = Vec::new();
        for route in &manifest.django_routes {
            let pattern = rust_syntax(&route.regex);
            if regex::Regex::new(&pattern).is_ok() {
                patterns.push(pattern);
            } else {
                fallback = true;
            }
        }
        let set = RegexSet::new(&patterns).unwrap_or_else(|_| {
            fallback = true;
            RegexSet::empty()
        });
        Some(Self { set, fallback })
    }

    /// Whether Django should handle `decoded_path` (a path no BoltAPI route serves).
    pub fn serves(&self, decoded_path: &str) -> bool {
        self.fallback || self.set.is_match(decoded_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(routes: &[&str]) -> DjangoUrls {
        let entries: Vec<String> = routes
            .iter()
            .map(|r| {
                format!(
                    r#"{{"regex":{},"route":"r","view":"v"}}"#,
                    serde_json::to_string(r).unwrap()
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
            r"^/admin/\Z",
            r"^/admin/(?P<app_label>auth|library)/$",
            r"^/items/(?P<pk>[0-9]+)/\Z",
        ]);
        assert!(django.serves("/admin/"));
        assert!(django.serves("/admin/library/"));
        assert!(django.serves("/items/12/"));
        assert!(!django.serves("/items/x/"));
        assert!(!django.serves("/admin"));
        assert!(!django.serves("/other"));
    }

    #[test]
    fn unsupported_syntax_falls_back_to_django() {
        let django = urls(&[r"^/(?P<a>x)(?=y)"]);
        assert!(django.serves("/anything"));
    }
}
