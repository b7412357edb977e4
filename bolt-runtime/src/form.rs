//! Form bodies: `application/x-www-form-urlencoded` (form_urlencoded) and
//! `multipart/form-data` (multer), parsed in Rust before the GIL. File parts keep their bytes
//! as slices of the body (no copy); `File()` constraints are checked here (`check_files`), so
//! a rejected upload never reaches Python.

use bytes::Bytes;

use crate::manifest::FileLimits;
use crate::validation::Issue;
use bolt_schema::errors::ErrorKind;

/// One file part.
#[derive(Debug)]
pub struct FilePart {
    pub field: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    pub data: PartData,
}

/// A file part's bytes: in memory, or spooled to a temp file (removed when this is dropped).
#[derive(Debug)]
pub enum PartData {
    Memory(Bytes),
    Disk { path: tempfile::TempPath, size: u64 },
}

impl PartData {
    pub fn len(&self) -> u64 {
        match self {
            PartData::Memory(bytes) => bytes.len() as u64,
            PartData::Disk { size, .. } => *size,
        }
    }
}

#[derive(Debug, Default)]
pub struct FormData {
    pub fields: Vec<(String, String)>,
    pub files: Vec<FilePart>,
}

/// Counts a form may not exceed.
#[derive(Debug, Clone, Copy)]
pub struct FormLimits {
    /// Parts of a multipart body (django-bolt: 100).
    pub max_parts: usize,
    /// `DATA_UPLOAD_MAX_NUMBER_FIELDS` for the non-file fields (None: no limit).
    pub max_fields: Option<usize>,
}

#[derive(Debug, PartialEq)]
pub enum FormError {
    TooManyParts(usize),
    TooManyFields(usize),
    Malformed(String),
}

impl FormData {
    pub fn values<'a>(&'a self, name: &str) -> Vec<&'a str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn files_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a FilePart> + 'a {
        self.files.iter().filter(move |f| f.field == name)
    }
}

fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// What a multipart part's headers say: its field name, file name, type and every header.
pub struct PartHead {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl PartHead {
    pub fn of(field: &multer::Field<'_>) -> Self {
        let headers = field
            .headers()
            .iter()
            .map(|(k, v)| {
                let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_owned(), value)
            })
            .collect();
        Self {
            name: field.name().unwrap_or("").to_owned(),
            filename: field.file_name().map(str::to_owned),
            content_type: field.content_type().map(|m| m.to_string()),
            headers,
        }
    }
}

/// The form in `body`; a body of another type is an empty form (its fields are then missing).
pub fn parse(
    content_type: Option<&str>,
    body: &Bytes,
    limits: FormLimits,
) -> Result<FormData, FormError> {
    let Some(content_type) = content_type else {
        return Ok(FormData::default());
    };
    match essence(content_type).as_str() {
        "application/x-www-form-urlencoded" => {
            let fields: Vec<(String, String)> = form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if limits.max_fields.is_some_and(|max| fields.len() > max) {
                return Err(FormError::TooManyFields(limits.max_fields.unwrap_or(0)));
            }
            Ok(FormData {
                fields,
                files: Vec::new(),
            })
        }
        "multipart/form-data" => parse_multipart(content_type, body.clone(), limits),
        _ => Ok(FormData::default()),
    }
}

fn parse_multipart(
    content_type: &str,
    body: Bytes,
    limits: FormLimits,
) -> Result<FormData, FormError> {
    let boundary =
        multer::parse_boundary(content_type).map_err(|e| FormError::Malformed(e.to_string()))?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let parsing = async move {
        let mut form = FormData::default();
        let mut parts = 0usize;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| FormError::Malformed(e.to_string()))?
        {
            parts += 1;
            if parts > limits.max_parts {
                return Err(FormError::TooManyParts(limits.max_parts));
            }
            let PartHead {
                name,
                filename,
                content_type,
                headers,
            } = PartHead::of(&field);
            let data = field
                .bytes()
                .await
                .map_err(|e| FormError::Malformed(e.to_string()))?;
            if filename.is_some() {
                form.files.push(FilePart {
                    field: name,
                    filename,
                    content_type,
                    headers,
                    data: PartData::Memory(data),
                });
            } else {
                let text = String::from_utf8_lossy(&data).into_owned();
                form.fields.push((name, text));
                if limits.max_fields.is_some_and(|max| form.fields.len() > max) {
                    return Err(FormError::TooManyFields(limits.max_fields.unwrap_or(0)));
                }
            }
        }
        Ok(form)
    };
    run_ready(parsing)
}

/// Drive a future over an in-memory body: it never waits on anything, so it completes in one
/// poll loop without an executor (a future that would wait is a malformed body).
fn run_ready<T>(
    future: impl std::future::Future<Output = Result<T, FormError>>,
) -> Result<T, FormError> {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    for _ in 0..4 {
        if let std::task::Poll::Ready(result) = future.as_mut().poll(&mut context) {
            return result;
        }
    }
    Err(FormError::Malformed("incomplete multipart body".into()))
}

/// Does `content_type` match one of `allowed` (exact, `type/*` or `*/*`, parameters ignored)?
fn type_allowed(content_type: &str, allowed: &[String]) -> bool {
    let essence = essence(content_type);
    allowed.iter().any(|pattern| {
        let pattern = pattern.trim().to_ascii_lowercase();
        pattern == "*/*"
            || pattern == essence
            || pattern
                .strip_suffix("/*")
                .is_some_and(|kind| essence.split('/').next() == Some(kind))
    })
}

/// The `File()` checks of one parameter: presence, `max_files`, and each file's size and type.
pub fn check_files(
    form: Option<&FormData>,
    name: &str,
    required: bool,
    limits: &FileLimits,
    issues: &mut Vec<Issue>,
) {
    let files: Vec<&FilePart> = form.map_or_else(Vec::new, |f| f.files_named(name).collect());
    let issue =
        |kind: &'static str, message: ErrorKind<'_>| Issue::file(name, kind, message.message());
    if files.is_empty() {
        if required {
            issues.push(issue("file_missing", ErrorKind::FileMissing(name)));
        }
        return;
    }
    if let Some(max) = limits.max_files {
        if files.len() > max {
            let got = files.len();
            issues.push(issue("file_too_many", ErrorKind::FileTooMany { got, max }));
            return;
        }
    }
    for file in files {
        let size = file.data.len();
        if limits.max_size.is_some_and(|max| size > max as u64) {
            let max = limits.max_size.unwrap_or(0);
            issues.push(issue("file_too_large", ErrorKind::FileTooLarge(max)));
        } else if limits.min_size.is_some_and(|min| size < min as u64) {
            let min = limits.min_size.unwrap_or(0);
            issues.push(issue("file_too_small", ErrorKind::FileTooSmall(min)));
        }
        if let Some(allowed) = &limits.allowed_types {
            let got = file
                .content_type
                .as_deref()
                .unwrap_or("application/octet-stream");
            if !type_allowed(got, allowed) {
                let allowed = allowed.join(", ");
                let message = ErrorKind::FileContentType {
                    got,
                    allowed: &allowed,
                };
                issues.push(issue("file_invalid_content_type", message));
            }
        }
    }
}
