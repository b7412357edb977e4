//! Static (and media) files served by Rust: `STATIC_URL` from `STATIC_ROOT` (and, in DEBUG,
//! from the staticfiles finders' directories, so `runbolt` works before `collectstatic`),
//! `MEDIA_URL` from `MEDIA_ROOT` when configured to. A file goes out through the file response
//! path (`stream::file`: ETag, Last-Modified, 304, Range). Requests never leave a root: `..`,
//! `.`, empty and hidden segments, backslashes and NULs are refused, and the file's resolved
//! path (symlinks followed) must be inside the resolved root.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::http::HttpResponse;
use crate::stream::{FileSource, StreamBody, Streamed};

/// One URL prefix and the directories searched for it, in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticMount {
    /// `/static/`: starts and ends with a slash.
    pub prefix: String,
    pub roots: Vec<PathBuf>,
}

pub struct StaticFiles {
    mounts: Vec<(String, Vec<PathBuf>)>,
}

impl StaticFiles {
    /// The mounts, their roots resolved once (a root that does not exist is skipped).
    pub fn new(mounts: Vec<StaticMount>) -> Option<Self> {
        let mounts: Vec<(String, Vec<PathBuf>)> = mounts
            .into_iter()
            .filter(|m| m.prefix.starts_with('/') && m.prefix.ends_with('/') && m.prefix.len() > 1)
            .map(|m| {
                let roots = m
                    .roots
                    .iter()
                    .filter_map(|r| r.canonicalize().ok())
                    .collect();
                (m.prefix, roots)
            })
            .collect();
        (!mounts.is_empty()).then_some(Self { mounts })
    }

    /// Whether `raw_path` is under a static prefix (then it is answered here, 404 included).
    pub fn claims(&self, raw_path: &str) -> bool {
        self.mounts
            .iter()
            .any(|(prefix, _)| raw_path.starts_with(prefix.as_str()))
    }

    /// The answer for a path under a prefix: the file, or 404.
    pub fn answer(&self, raw_path: &str, accept_encoding: Option<&str>) -> Option<HttpResponse> {
        let (prefix, roots) = self
            .mounts
            .iter()
            .find(|(prefix, _)| raw_path.starts_with(prefix.as_str()))?;
        let not_found = || Some(HttpResponse::detail(404, "Not Found"));
        let Some(relative) = safe_relative(&crate::http::percent_decode(&raw_path[prefix.len()..]))
        else {
            return not_found();
        };
        for root in roots {
            if let Some(file) = inside(root, &relative) {
                return Some(file_response(root, &file, &relative, accept_encoding));
            }
        }
        not_found()
    }
}

/// The relative path of a request, when every segment is a plain name.
fn safe_relative(decoded: &str) -> Option<PathBuf> {
    if decoded.is_empty() || decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut out = PathBuf::new();
    for segment in decoded.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.starts_with('.') {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

/// `root/relative` when it is a regular file whose resolved path stays inside `root`.
fn inside(root: &Path, relative: &Path) -> Option<PathBuf> {
    let resolved = root.join(relative).canonicalize().ok()?;
    (resolved.starts_with(root) && resolved.is_file()).then_some(resolved)
}

/// `ManifestStaticFilesStorage`'s names carry a 12-hex-digit content hash: `app.3f2a9c1b0d4e.css`.
fn is_hashed(name: &str) -> bool {
    let mut parts = name.rsplit('.');
    let (_ext, hash) = (parts.next(), parts.next());
    hash.is_some_and(|h| h.len() == 12 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "json" | "map" => "application/json",
        "html" | "htm" => "text/html",
        "txt" => "text/plain",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/vnd.microsoft.icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Whether the client accepts `token` (q-values read as for compressed responses).
fn accepts(accept_encoding: Option<&str>, token: &str) -> bool {
    accept_encoding.is_some_and(|accept| crate::middleware::compress::quality(accept, token) > 0.0)
}

fn file_response(
    root: &Path,
    file: &Path,
    relative: &Path,
    accept_encoding: Option<&str>,
) -> HttpResponse {
    let name = relative.to_string_lossy();
    let mut response = HttpResponse::new(200, Some(content_type(&name)), "");
    let mut chosen = file.to_path_buf();
    // A precompressed sibling (`collectstatic` with a compressing storage, or made by hand),
    // held to the same root as the file itself.
    for (suffix, token) in [("br", "br"), ("gz", "gzip")] {
        let sibling = PathBuf::from(format!("{}.{suffix}", relative.display()));
        if !accepts(accept_encoding, token) {
            continue;
        }
        if let Some(sibling) = inside(root, &sibling) {
            chosen = sibling;
            response = response.with_header("content-encoding", token);
            break;
        }
    }
    let cache = if is_hashed(&name) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=60"
    };
    // nosniff: an uploaded (media) file is never read as another type than it is served as.
    response = response
        .with_header("cache-control", cache)
        .with_header("vary", "Accept-Encoding")
        .with_header("x-content-type-options", "nosniff");
    response.stream = Some(StreamBody::new(Streamed::File(FileSource { path: chosen })));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths() {
        assert_eq!(
            safe_relative("admin/css/base.css"),
            Some(PathBuf::from("admin/css/base.css"))
        );
        for bad in [
            "",
            "../etc/passwd",
            "a/../../b",
            "./a",
            "a//b",
            "a\\b",
            ".env",
            "a/.git/config",
            "a\0b",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hashed_names_and_types() {
        assert!(is_hashed("admin/css/base.3f2a9c1b0d4e.css"));
        assert!(!is_hashed("admin/css/base.css"));
        assert!(!is_hashed("a.3f2a9c1b0d4.css"));
        assert_eq!(content_type("x/Y.CSS"), "text/css");
        assert_eq!(content_type("noext"), "application/octet-stream");
        assert!(accepts(Some("gzip, br;q=0.5"), "br"));
        assert!(!accepts(Some("gzip, br;q=0"), "br"));
    }

    #[test]
    fn symlinks_out_of_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("static");
        std::fs::create_dir_all(root.join("css")).unwrap();
        std::fs::write(root.join("css/site.css"), "body{}").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("leak.txt")).unwrap();
        let files = StaticFiles::new(vec![StaticMount {
            prefix: "/static/".into(),
            roots: vec![root],
        }])
        .unwrap();
        let ok = files.answer("/static/css/site.css", None).unwrap();
        assert_eq!(
            (ok.status, ok.content_type.as_deref()),
            (200, Some("text/css"))
        );
        for bad in [
            "/static/leak.txt",
            "/static/%2e%2e/secret.txt",
            "/static/css/..%2F..%2Fsecret.txt",
            "/static/css",
        ] {
            assert_eq!(files.answer(bad, None).unwrap().status, 404, "{bad}");
        }
        assert!(files.claims("/static/x") && !files.claims("/staticx"));
    }
}
