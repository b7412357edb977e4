//! Response compression: the encoding negotiated from `Accept-Encoding` (q-values), whole
//! bodies compressed at once and streamed ones chunk by chunk, each chunk flushed so a client
//! sees it when the handler yields it.

use std::io::Write;

use bytes::Bytes;
use serde::Deserialize;

use crate::http::HttpResponse;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Gzip,
    Brotli,
    Zstd,
}

impl Encoding {
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
        }
    }
}

/// `CompressionConfig(backend=, minimum_size=, gzip_fallback=)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompressionConfig {
    pub backend: Encoding,
    pub minimum_size: usize,
    pub gzip_fallback: bool,
}

/// The q-value `accept` gives `token` (`*` counts for tokens not named; 0 when absent).
pub fn quality(accept: &str, token: &str) -> f32 {
    let mut wildcard = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        if name.eq_ignore_ascii_case(token) {
            return q;
        }
        if name == "*" {
            wildcard = Some(q);
        }
    }
    wildcard.unwrap_or(0.0)
}

impl CompressionConfig {
    /// The configured backend when the client accepts it, else gzip (with `gzip_fallback`),
    /// whichever the client prefers; None when it accepts neither.
    pub fn negotiate(&self, accept: &str) -> Option<Encoding> {
        let mut candidates = vec![self.backend];
        if self.gzip_fallback && self.backend != Encoding::Gzip {
            candidates.push(Encoding::Gzip);
        }
        let mut best: Option<(Encoding, f32)> = None;
        for encoding in candidates {
            let q = quality(accept, encoding.token());
            if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((encoding, q));
            }
        }
        best.map(|(encoding, _)| encoding)
    }
}

/// Whether a response of this type is worth compressing: text and structured data, not
/// media or archives that are compressed already, and not event streams (`@no_compress` is
/// implied for SSE: a proxy buffering a compressor would delay the events).
pub fn compressible(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "text/event-stream" {
        return false;
    }
    essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/x-ndjson"
                | "application/manifest+json"
                | "application/wasm"
                | "image/svg+xml"
        )
}

/// Whether `response` may be compressed at all: a body-carrying status, no encoding or
/// range of its own.
pub fn eligible(response: &HttpResponse) -> bool {
    !matches!(response.status, 100..=199 | 204 | 206 | 304)
        && response.header("content-encoding").is_none()
        && response.header("content-range").is_none()
        && compressible(response.content_type.as_deref())
}

/// An encoder fed chunk by chunk.
pub enum Encoder {
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl Encoder {
    pub fn new(encoding: Encoding) -> std::io::Result<Self> {
        Ok(match encoding {
            // Levels chosen for responses made per request: fast, most of the ratio.
            Encoding::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::new(4),
            )),
            Encoding::Brotli => Encoder::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                4096,
                4,
                22,
            ))),
            Encoding::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(Vec::new(), 3)?),
        })
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Encoder::Gzip(w) => w,
            Encoder::Brotli(w) => w.as_mut(),
            Encoder::Zstd(w) => w,
        }
    }

    fn take_output(&mut self) -> Bytes {
        let buffer = match self {
            Encoder::Gzip(w) => w.get_mut(),
            Encoder::Brotli(w) => w.get_mut(),
            Encoder::Zstd(w) => w.get_mut(),
        };
        Bytes::from(std::mem::take(buffer))
    }

    /// `chunk` compressed and flushed: everything the client needs to decode it now.
    pub fn chunk(&mut self, chunk: &[u8]) -> std::io::Result<Bytes> {
        let writer = self.writer();
        writer.write_all(chunk)?;
        writer.flush()?;
        Ok(self.take_output())
    }

    /// The end of the stream (trailers, checksums).
    pub fn finish(self) -> std::io::Result<Bytes> {
        Ok(Bytes::from(match self {
            Encoder::Gzip(w) => w.finish()?,
            Encoder::Brotli(w) => w.into_inner(),
            Encoder::Zstd(w) => w.finish()?,
        }))
    }
}

/// A whole body compressed.
pub fn compress(encoding: Encoding, body: &[u8]) -> std::io::Result<Bytes> {
    let mut encoder = Encoder::new(encoding)?;
    encoder.writer().write_all(body)?;
    let mut out = encoder.take_output().to_vec();
    out.extend_from_slice(&encoder.finish()?);
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn config(backend: Encoding, gzip_fallback: bool) -> CompressionConfig {
        CompressionConfig {
            backend,
            minimum_size: 500,
            gzip_fallback,
        }
    }

    #[test]
    fn negotiation_follows_q_values() {
        let brotli = config(Encoding::Brotli, true);
        assert_eq!(
            brotli.negotiate("gzip, deflate, br"),
            Some(Encoding::Brotli)
        );
        assert_eq!(
            brotli.negotiate("gzip;q=1.0, br;q=0.5"),
            Some(Encoding::Gzip)
        );
        assert_eq!(brotli.negotiate("gzip"), Some(Encoding::Gzip));
        assert_eq!(config(Encoding::Brotli, false).negotiate("gzip"), None);
        assert_eq!(brotli.negotiate("br;q=0, gzip;q=0"), None);
        assert_eq!(brotli.negotiate("*"), Some(Encoding::Brotli));
        assert_eq!(brotli.negotiate("*;q=0"), None);
        assert_eq!(brotli.negotiate("identity"), None);
        assert_eq!(
            config(Encoding::Zstd, true).negotiate("zstd, gzip"),
            Some(Encoding::Zstd)
        );
    }

    #[test]
    fn types_worth_compressing() {
        assert!(compressible(Some("application/json")));
        assert!(compressible(Some("text/html; charset=utf-8")));
        assert!(compressible(Some("application/problem+json")));
        assert!(!compressible(Some("text/event-stream")));
        assert!(!compressible(Some("image/png")));
        assert!(!compressible(Some("application/octet-stream")));
        assert!(!compressible(None));
    }

    #[test]
    fn every_encoding_round_trips_whole_and_chunked() {
        let body: Vec<u8> = (0..20_000)
            .flat_map(|i: u32| i.to_string().into_bytes())
            .collect();
        for encoding in [Encoding::Gzip, Encoding::Brotli, Encoding::Zstd] {
            let whole = compress(encoding, &body).unwrap();
            assert!(whole.len() < body.len() / 2, "{encoding:?}");
            let mut chunked = Vec::new();
            let mut encoder = Encoder::new(encoding).unwrap();
            for piece in body.chunks(777) {
                let out = encoder.chunk(piece).unwrap();
                assert!(!out.is_empty(), "{encoding:?}: every chunk is flushed");
                chunked.extend_from_slice(&out);
            }
            chunked.extend_from_slice(&encoder.finish().unwrap());
            for encoded in [whole.to_vec(), chunked] {
                assert_eq!(decode(encoding, &encoded), body, "{encoding:?}");
            }
        }
    }

    fn decode(encoding: Encoding, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match encoding {
            Encoding::Gzip => {
                flate2::read::GzDecoder::new(data)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            Encoding::Brotli => {
                brotli::Decompressor::new(data, 4096)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            Encoding::Zstd => out = zstd::decode_all(data).unwrap(),
        }
        out
    }
}
