//! Body wrappers that copy chunks as they stream, without changing them.

use std::fmt;
use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};

use apitoolkit_core::{ErrorEntry, InFlight, RequestContext};
use bytes::Buf;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

/// Calls `f` with every contiguous slice of `data`, without consuming it.
fn for_each_slice<D: Buf>(data: &D, mut f: impl FnMut(&[u8])) {
    let chunk = data.chunk();
    if chunk.len() == data.remaining() {
        f(chunk);
        return;
    }
    let mut slices = [IoSlice::new(&[]); 64];
    let n = data.chunks_vectored(&mut slices);
    for s in &slices[..n] {
        f(s);
    }
}

pin_project! {
    /// The request body handed to the inner service: the original body, with a copy of
    /// each chunk the handler reads kept for the record (up to the cap).
    ///
    /// Its `Debug` names the inner body's type without printing it (a body type's own
    /// `Debug` may print its bytes) and shows the request's context, never a captured byte.
    pub struct RequestBody<B> {
        #[pin]
        inner: B,
        ctx: Option<RequestContext>,
    }
}

impl<B> RequestBody<B> {
    pub(crate) fn new(inner: B, ctx: RequestContext) -> Self {
        RequestBody {
            inner,
            ctx: Some(ctx),
        }
    }

    pub(crate) fn passthrough(inner: B) -> Self {
        RequestBody { inner, ctx: None }
    }
}

impl<B: Body> Body for RequestBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        if let (Some(ctx), Poll::Ready(Some(Ok(frame)))) = (this.ctx.as_ref(), &polled) {
            if let Some(data) = frame.data_ref() {
                for_each_slice(data, |s| ctx.capture_request_chunk(s));
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// The response body returned to the client: the original body, with a copy of each
    /// chunk kept for the record. The record is finished when the body ends or is dropped.
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

impl<B> Body for ResponseBody<B>
where
    B: Body,
    B::Error: std::fmt::Display,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let polled = this.inner.as_mut().poll_frame(cx);
        let Some(inflight) = this.inflight.as_mut() else {
            return polled;
        };
        match &polled {
            Poll::Pending => {}
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    for_each_slice(data, |s| inflight.capture_response_chunk(s));
                }
                if this.inner.is_end_stream() {
                    inflight.finish();
                }
            }
            Poll::Ready(Some(Err(err))) => {
                inflight.context().report_entry(ErrorEntry::from_message(
                    "ResponseBodyError",
                    err.to_string(),
                ));
                inflight.finish();
            }
            Poll::Ready(None) => inflight.finish(),
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> fmt::Debug for RequestBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBody")
            .field("inner", &format_args!("{}", std::any::type_name::<B>()))
            .field("context", &self.ctx)
            .finish()
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
