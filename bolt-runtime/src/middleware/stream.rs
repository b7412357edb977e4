//! A streamed response body compressed as it goes: each chunk is compressed and flushed as
//! it arrives, so compression never holds a chunk back; the encoder's trailer ends the stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;

use super::compress::{Encoder, Encoding};

pub struct Compressed<S> {
    inner: S,
    encoder: Option<Encoder>,
}

impl<S> Compressed<S> {
    pub fn new(inner: S, encoding: Encoding) -> std::io::Result<Self> {
        Ok(Self {
            inner,
            encoder: Some(Encoder::new(encoding)?),
        })
    }
}

impl<S, E> Stream for Compressed<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: From<std::io::Error>,
{
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            let Some(encoder) = this.encoder.as_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => match encoder.chunk(&chunk) {
                    Ok(out) if out.is_empty() => continue,
                    Ok(out) => return Poll::Ready(Some(Ok(out))),
                    Err(err) => {
                        this.encoder = None;
                        return Poll::Ready(Some(Err(err.into())));
                    }
                },
                Poll::Ready(Some(Err(err))) => {
                    // A broken stream ends without the trailer: the client sees it truncated.
                    this.encoder = None;
                    return Poll::Ready(Some(Err(err)));
                }
                Poll::Ready(None) => {
                    let encoder = this.encoder.take().expect("checked above");
                    return Poll::Ready(match encoder.finish() {
                        Ok(tail) if tail.is_empty() => None,
                        Ok(tail) => Some(Ok(tail)),
                        Err(err) => Some(Err(err.into())),
                    });
                }
            }
        }
    }
}
