//! `FileResponse` bodies served from disk: validators (`ETag`, `Last-Modified`), conditional
//! requests (304) and single byte ranges (206 / 416), decided before a byte is read.

use std::fs::File;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{StreamBody, Streamed};
use crate::http::HttpResponse;

/// A file to send, as the Python response named it (its checks were made there).
pub struct FileSource {
    pub path: PathBuf,
}

/// The request headers a file response answers to (read for GET and HEAD only).
#[derive(Debug, Default, Clone)]
pub struct FileConditions {
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub range: Option<String>,
    pub if_range: Option<String>,
}

impl FileConditions {
    pub fn read<'a>(method: &str, header: impl Fn(&str) -> Option<&'a str>) -> Option<Self> {
        if method != "GET" && method != "HEAD" {
            return None;
        }
        let own = |name: &str| header(name).map(str::to_owned);
        Some(Self {
            if_none_match: own("if-none-match"),
            if_modified_since: own("if-modified-since"),
            range: own("range"),
            if_range: own("if-range"),
        })
    }
}

/// The part of the file to send after the response head.
#[derive(Debug)]
pub struct FileWindow {
    pub file: File,
    pub offset: u64,
    pub len: u64,
}

/// Open `source` and decide the answer: `response` gets its status and validator headers,
/// and the window to send is returned (None: no body, as for 304 and 416).
fn resolve(
    response: &mut HttpResponse,
    source: &FileSource,
    conditions: Option<&FileConditions>,
) -> Option<FileWindow> {
    let opened = File::open(&source.path).and_then(|f| f.metadata().map(|m| (f, m)));
    let (file, meta) = match opened {
        Ok((file, meta)) if meta.is_file() => (file, meta),
        // Python checked the file exists; it may have gone since.
        _ => {
            *response = HttpResponse::detail(404, "File not found");
            return None;
        }
    };
    let size = meta.len();
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let stamp = modified.duration_since(UNIX_EPOCH).unwrap_or_default();
    let etag = format!(
        "\"{:x}-{:x}-{size:x}\"",
        stamp.as_secs(),
        stamp.subsec_nanos()
    );
    let last_modified = httpdate::fmt_http_date(modified);
    response.push_header("accept-ranges".into(), "bytes".into());
    response.push_header("etag".into(), etag.clone());
    response.push_header("last-modified".into(), last_modified.clone());
    let full = FileWindow {
        file,
        offset: 0,
        len: size,
    };
    let Some(conditions) = conditions else {
        return Some(full);
    };
    if response.status != 200 {
        return Some(full);
    }
    if not_modified(conditions, &etag, modified) {
        response.status = 304;
        response.content_type = None;
        return None;
    }
    let range_applies = match &conditions.if_range {
        None => true,
        Some(validator) => validator.trim() == etag || validator.trim() == last_modified,
    };
    let Some(range) = conditions.range.as_deref().filter(|_| range_applies) else {
        return Some(full);
    };
    match parse_range(range, size) {
        RangeAnswer::Whole => Some(full),
        RangeAnswer::Part(start, end) => {
            response.status = 206;
            response.push_header(
                "content-range".into(),
                format!("bytes {start}-{end}/{size}"),
            );
            Some(FileWindow {
                offset: start,
                len: end - start + 1,
                ..full
            })
        }
        RangeAnswer::Unsatisfiable => {
            *response = HttpResponse::detail(416, "Requested range not satisfiable")
                .with_header("content-range", format!("bytes */{size}"));
            None
        }
    }
}

/// RFC 9110 §13.1.2: If-None-Match wins over If-Modified-Since; tags compare weakly.
fn not_modified(conditions: &FileConditions, etag: &str, modified: SystemTime) -> bool {
    if let Some(tags) = &conditions.if_none_match {
        let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
        let ours = strip(etag);
        return tags.split(',').any(|t| t.trim() == "*" || strip(t) == ours);
    }
    let Some(since) = conditions
        .if_modified_since
        .as_deref()
        .and_then(|v| httpdate::parse_http_date(v.trim()).ok())
    else {
        return false;
    };
    // HTTP dates have whole seconds.
    let modified_secs = modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let since_secs = since.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    modified_secs <= since_secs
}

#[derive(Debug, PartialEq)]
enum RangeAnswer {
    /// Not a single byte range this server answers (other units, several ranges, bad syntax):
    /// the whole file, as RFC 9110 allows.
    Whole,
    /// First and last byte, inclusive.
    Part(u64, u64),
    Unsatisfiable,
}

fn parse_range(header: &str, size: u64) -> RangeAnswer {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeAnswer::Whole;
    };
    if spec.contains(',') {
        return RangeAnswer::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // `bytes=-N`: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || size == 0 {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Part(size.saturating_sub(suffix), size - 1)
            }
        }
        (false, Some(start), end) if last.trim().is_empty() || end.is_some() => {
            let end = end.unwrap_or(u64::MAX).min(size.saturating_sub(1));
            if start >= size {
                RangeAnswer::Unsatisfiable
            } else if end < start {
                RangeAnswer::Whole
            } else {
                RangeAnswer::Part(start, end)
            }
        }
        _ => RangeAnswer::Whole,
    }
}

/// A file response's answer to the request's conditions, opened now (its 304, 206 or 416 are
/// decided before the body is sent): the window to send, None when there is no body.
pub fn open(
    response: &mut HttpResponse,
    conditions: Option<&FileConditions>,
    head_only: bool,
) -> Option<FileWindow> {
    let stream = response.stream.as_ref().filter(|s| s.is_file())?;
    let Some(Streamed::File(source)) = stream.take() else {
        return None;
    };
    response.stream = None;
    let window = resolve(response, &source, conditions)?;
    if head_only {
        return None;
    }
    response.stream = Some(StreamBody::new(Streamed::File(source)));
    Some(window)
}

/// The window's bytes in memory (the test transport).
pub fn read_window(window: FileWindow) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let FileWindow {
        mut file,
        offset,
        len,
    } = window;
    file.seek(SeekFrom::Start(offset))?;
    let mut out = Vec::with_capacity(len.min(64 * 1024 * 1024) as usize);
    file.take(len).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use RangeAnswer::*;
        assert_eq!(parse_range("bytes=0-9", 100), Part(0, 9));
        assert_eq!(parse_range("bytes=90-", 100), Part(90, 99));
        assert_eq!(parse_range("bytes=-10", 100), Part(90, 99));
        assert_eq!(parse_range("bytes=-200", 100), Part(0, 99));
        assert_eq!(parse_range("bytes=50-500", 100), Part(50, 99));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 100), Whole);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Whole);
        assert_eq!(parse_range("items=0-1", 100), Whole);
        assert_eq!(parse_range("bytes=a-b", 100), Whole);
        assert_eq!(parse_range("bytes=+1-2", 100), Whole);
        assert_eq!(parse_range("bytes=0-0", 0), Unsatisfiable);
    }
}
