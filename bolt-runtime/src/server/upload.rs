//! A multipart body read from the connection as it arrives (form routes only): multer parses
//! the payload stream, each file part stays in memory up to the spool threshold and goes to a
//! temp file past it, so a large upload never sits in memory. The body limit, the idle and
//! total timeouts, the part count and each file parameter's `max_size` are enforced while it
//! streams: a request that breaks one is answered at once, the rest left unread. Temp files
//! are removed when the request's form is dropped (after the response, on any error, or when
//! the client disconnects mid-upload).

use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use actix_http::Request;
use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use tokio::time::Instant;

use super::ServerLimits;
use crate::bridge::FormPlan;
use crate::form::{FilePart, FormData, FormLimits, PartData, PartHead};
use crate::http::HttpResponse;
use crate::validation::{unprocessable, Issue};
use bolt_schema::errors::ErrorKind;

/// How the payload stream failed, kept apart from multer's view of it.
type Failure = Arc<Mutex<Option<HttpResponse>>>;

struct Payload {
    payload: actix_http::Payload,
    total: usize,
    limit: usize,
    give_up: Instant,
    limits: ServerLimits,
    failure: Failure,
}

fn fail(failure: &Failure, response: HttpResponse) -> std::io::Error {
    if let Ok(mut slot) = failure.lock() {
        slot.get_or_insert(response);
    }
    std::io::Error::other("request body refused")
}

/// The payload as multer reads it, with the body limit and both timeouts applied. actix's
/// payload is tied to the connection's thread and multer wants a `Send` stream, so a local
/// task reads the payload into a small channel (which also bounds what is buffered).
fn payload_stream(mut state: Payload) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    actix_rt::spawn(async move {
        loop {
            let next = std::future::poll_fn(|cx| Pin::new(&mut state.payload).poll_next(cx));
            let wait_until = state
                .give_up
                .min(Instant::now() + state.limits.body_idle_timeout);
            let item = match tokio::time::timeout_at(wait_until, next).await {
                Err(_) => Err(fail(
                    &state.failure,
                    HttpResponse::detail(408, "Request body timeout"),
                )),
                Ok(None) => return,
                Ok(Some(Err(_))) => Err(fail(
                    &state.failure,
                    HttpResponse::detail(400, "Invalid request body"),
                )),
                Ok(Some(Ok(chunk))) => {
                    state.total += chunk.len();
                    if state.total > state.limit {
                        Err(fail(
                            &state.failure,
                            HttpResponse::detail(413, "Request body too large"),
                        ))
                    } else {
                        Ok(chunk)
                    }
                }
            };
            let failed = item.is_err();
            // The reader is gone (answered early, or done): stop reading the connection.
            if sender.send(item).await.is_err() || failed {
                return;
            }
        }
    });
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        let item = receiver.recv().await?;
        Some((item, receiver))
    })
}

/// A file part (or a Django URL's body) being received: in memory, then on disk once past
/// `threshold`.
pub(super) enum Spool {
    Memory(BytesMut),
    Disk(tempfile::NamedTempFile, u64),
}

impl Spool {
    pub(super) fn write(&mut self, chunk: &[u8], threshold: usize) -> std::io::Result<()> {
        match self {
            Spool::Memory(buf) if buf.len() + chunk.len() <= threshold => {
                buf.extend_from_slice(chunk);
            }
            Spool::Memory(buf) => {
                let mut file = tempfile::NamedTempFile::with_prefix("bolt-upload-")?;
                file.write_all(buf)?;
                file.write_all(chunk)?;
                let size = (buf.len() + chunk.len()) as u64;
                *self = Spool::Disk(file, size);
            }
            Spool::Disk(file, size) => {
                file.write_all(chunk)?;
                *size += chunk.len() as u64;
            }
        }
        Ok(())
    }

    fn len(&self) -> u64 {
        match self {
            Spool::Memory(buf) => buf.len() as u64,
            Spool::Disk(_, size) => *size,
        }
    }

    pub(super) fn finish(self) -> std::io::Result<PartData> {
        Ok(match self {
            Spool::Memory(buf) => PartData::Memory(buf.freeze()),
            Spool::Disk(mut file, size) => {
                file.flush()?;
                PartData::Disk {
                    path: file.into_temp_path(),
                    size,
                }
            }
        })
    }
}

/// A temp file could not be written (a full disk): logged, and the request answered 500.
pub(super) fn spool_failed(err: std::io::Error) -> HttpResponse {
    eprintln!("django-bolt: spooling an upload to disk failed: {err}");
    HttpResponse::detail(500, "Internal Server Error")
}

/// Bytes of a multipart body beyond its parts' data that are tolerated.
const PART_OVERHEAD_ALLOWANCE: usize = 1024 * 1024;

fn too_large() -> HttpResponse {
    HttpResponse::detail(413, "Request body too large")
}

/// Read and parse the multipart body of a form route from the connection.
pub(super) async fn read_multipart(
    req: &mut Request,
    content_type: &str,
    plan: &FormPlan,
    form_limits: FormLimits,
    spool_threshold: usize,
    limits: &ServerLimits,
) -> Result<FormData, HttpResponse> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| HttpResponse::detail(400, &format!("Malformed multipart body: {e}")))?;
    let failure: Failure = Arc::default();
    let stream = payload_stream(Payload {
        payload: req.take_payload(),
        total: 0,
        // The parts' data are held to `upload_limit` below, where the part they belong to is
        // known; this bounds what is not part data (headers, boundaries, preamble).
        limit: plan
            .upload_limit
            .saturating_mul(2)
            .saturating_add(PART_OVERHEAD_ALLOWANCE),
        give_up: Instant::now() + limits.body_total_timeout,
        limits: limits.clone(),
        failure: failure.clone(),
    });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let refused = |err: multer::Error| {
        failure
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .unwrap_or_else(|| {
                HttpResponse::detail(400, &format!("Malformed multipart body: {err}"))
            })
    };
    let mut form = FormData::default();
    let mut parts = 0usize;
    let mut consumed = 0usize;
    while let Some(mut field) = multipart.next_field().await.map_err(refused)? {
        parts += 1;
        if parts > form_limits.max_parts {
            let max = form_limits.max_parts;
            let detail = format!("Too many parts in the multipart body (at most {max})");
            return Err(HttpResponse::detail(413, &detail));
        }
        let PartHead {
            name,
            filename,
            content_type: part_type,
            headers,
        } = PartHead::of(&field);
        if filename.is_none() {
            let data = field.bytes().await.map_err(refused)?;
            consumed += data.len();
            if consumed > plan.upload_limit {
                return Err(too_large());
            }
            form.fields
                .push((name, String::from_utf8_lossy(&data).into_owned()));
            if let Some(max) = form_limits
                .max_fields
                .filter(|max| form.fields.len() > *max)
            {
                let detail = format!(
                    "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS ({max})"
                );
                return Err(HttpResponse::detail(400, &detail));
            }
            continue;
        }
        let max_size = plan
            .files
            .iter()
            .find(|(param, _, _)| *param == name)
            .and_then(|(_, _, limits)| limits.max_size);
        let mut spool = Spool::Memory(BytesMut::new());
        while let Some(chunk) = field.chunk().await.map_err(refused)? {
            consumed += chunk.len();
            if let Some(max) = max_size.filter(|max| spool.len() + chunk.len() as u64 > *max as u64)
            {
                // Named and answered now; the rest of the body is never read.
                let msg = ErrorKind::FileTooLarge(max).message();
                return Err(unprocessable(&[Issue::file(&name, "file_too_large", msg)]));
            }
            if consumed > plan.upload_limit {
                return Err(too_large());
            }
            spool.write(&chunk, spool_threshold).map_err(spool_failed)?;
        }
        form.files.push(FilePart {
            field: name,
            filename,
            content_type: part_type,
            headers,
            data: spool.finish().map_err(spool_failed)?,
        });
    }
    Ok(form)
}
