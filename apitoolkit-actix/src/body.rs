//! [`ResponseBody`]: the response body returned to the client, teed into the record.
//! actix bodies are `MessageBody`, not `http_body::Body`, so this is the glue around
//! the same per-chunk calls core's `TeeBody` makes (`InFlight::capture_response_chunk`,
//! `InFlight::finish`).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use apitoolkit_core::integration::InFlight;
use apitoolkit_core::ErrorEntry;
use bytes::Bytes;
use pin_project_lite::pin_project;

pin_project! {
    /// The body of a response served under [`APIToolkit`](crate::APIToolkit): the
    /// original body, unchanged (same chunks, same [`size`](MessageBody::size), so
    /// `Content-Length` and streaming are unaffected), with a copy of each chunk kept for
    /// the record. The record is finished when the body ends or is dropped (client gone).
    ///
    /// Its `Debug` names the inner body's type without printing it (a body type's own
    /// `Debug` may print its bytes) and shows the record as
    /// [`InFlight`]'s `Debug` does: names, lengths and counts, never a captured value.
    pub struct ResponseBody<B> {
        #[pin]
        inner: B,
        inflight: Option<InFlight>,
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn new(inner: B, inflight: Option<InFlight>) -> Self {
        ResponseBody { inner, inflight }
    }
}

impl<B: MessageBody> MessageBody for ResponseBody<B> {
    type Error = B::Error;

    #[inline]
    fn size(&self) -> BodySize {
        self.inner.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.project();
        let polled = this.inner.poll_next(cx);
        let Some(inflight) = this.inflight.as_mut() else {
            return polled;
        };
        match &polled {
            Poll::Pending => {}
            Poll::Ready(Some(Ok(chunk))) => inflight.capture_response_chunk(chunk),
            Poll::Ready(Some(Err(_))) => {
                inflight.report_entry(ErrorEntry::from_message(
                    "ResponseBodyError",
                    "the response body stream failed",
                ));
                inflight.finish();
            }
            Poll::Ready(None) => inflight.finish(),
        }
        polled
    }

    fn try_into_bytes(self) -> Result<Bytes, Self> {
        let ResponseBody {
            inner,
            mut inflight,
        } = self;
        match inner.try_into_bytes() {
            Ok(bytes) => {
                if let Some(inflight) = inflight.as_mut() {
                    inflight.capture_response_chunk(&bytes);
                    inflight.finish();
                }
                Ok(bytes)
            }
            Err(inner) => Err(ResponseBody { inner, inflight }),
        }
    }
}

impl<B> fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody")
            .field("inner", &format_args!("{}", std::any::type_name::<B>()))
            .field("inflight", &self.inflight)
            .finish()
    }
}
