//! The request payload handed to the handler: the original stream, with a copy of each
//! chunk the handler reads kept for the record (up to the cap).

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use apitoolkit_core::integration::RequestContext;
use bytes::Bytes;
use futures_core::Stream;
use pin_project_lite::pin_project;

pin_project! {
    struct TeePayload {
        #[pin]
        inner: Payload,
        ctx: RequestContext,
    }
}

impl Stream for TeePayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        let polled = this.inner.poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            this.ctx.capture_request_chunk(chunk);
        }
        polled
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Wraps `payload` so that the chunks the handler reads are copied into `ctx`. An absent
/// payload (`Payload::None`) stays absent.
pub(crate) fn tee(payload: Payload, ctx: RequestContext) -> Payload {
    if matches!(payload, Payload::None) {
        return payload;
    }
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(TeePayload {
        inner: payload,
        ctx,
    });
    Payload::from(stream)
}
