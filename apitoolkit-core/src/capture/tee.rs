//! The body tee: one wrapper for every `http_body::Body` the SDK copies as it streams
//! (the incoming request and response bodies of `apitoolkit-axum`, the response body of
//! `apitoolkit-client`'s outgoing calls).
//!
//! [`TeeBody`] hands the inner body's frames on unchanged and shows each one to a
//! [`BodySink`]: the data slices ([`for_each_slice`], no copy beyond the sink's own), the
//! trailers, the end of the stream (`None`, or `is_end_stream()` after a frame, as tower-http's trace
//! body does), and an error. What a sink does with them is the caller's: a
//! [`RequestContext`](crate::integration::RequestContext) keeps the request chunks, an
//! [`InFlight`](crate::integration::InFlight) keeps the response chunks and finishes
//! the record at the end. Frameworks whose bodies are not `http_body::Body` (actix's `MessageBody`)
//! call the same per-chunk methods from their own glue.
//!
//! No boxing: the wrapper is pin-projected and the sink is held inline.

use std::fmt;
use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Buf;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

/// Calls `f` with every contiguous slice of `data`, without consuming it.
///
/// A contiguous buffer (the usual case: `Bytes`) is one call; a chained buffer is one
/// call per segment (up to 64 segments are seen, as `Buf::chunks_vectored` returns them).
#[inline]
pub fn for_each_slice<D: Buf>(data: &D, mut f: impl FnMut(&[u8])) {
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

/// Where a [`TeeBody`] reports what streams through it. `E` is the body's error type.
pub trait BodySink<E> {
    /// A contiguous slice of a data frame, in order.
    fn data(&mut self, chunk: &[u8]);
    /// The body ended: `None` was polled, or the body said so after a frame. May be
    /// called more than once.
    fn end(&mut self);
    /// The body failed with `err` (the stream ends there).
    fn error(&mut self, err: &E);
    /// A trailers frame (HTTP/2 trailers: gRPC's `grpc-status`). Ignored by default.
    fn trailers(&mut self, trailers: &http::HeaderMap) {
        let _ = trailers;
    }
}

pin_project! {
    /// A body that yields the inner body's frames unchanged and shows each one to its
    /// sink. Without a sink (`passthrough`) it only forwards.
    ///
    /// Its `Debug` names the inner body's type without printing it (a body type's own
    /// `Debug` may print its bytes) and shows the sink's `Debug`.
    pub struct TeeBody<B, S> {
        #[pin]
        inner: B,
        sink: Option<S>,
    }
}

impl<B, S> TeeBody<B, S> {
    /// `inner`, teed into `sink`.
    pub fn new(inner: B, sink: S) -> Self {
        TeeBody {
            inner,
            sink: Some(sink),
        }
    }

    /// `inner`, forwarded with nothing copied.
    pub fn passthrough(inner: B) -> Self {
        TeeBody { inner, sink: None }
    }

    /// The sink, if any.
    pub fn sink(&self) -> Option<&S> {
        self.sink.as_ref()
    }
}

impl<B, S> Body for TeeBody<B, S>
where
    B: Body,
    S: BodySink<B::Error>,
{
    type Data = B::Data;
    type Error = B::Error;

    #[inline]
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let polled = this.inner.as_mut().poll_frame(cx);
        let Some(sink) = this.sink.as_mut() else {
            return polled;
        };
        match &polled {
            Poll::Pending => {}
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    for_each_slice(data, |s| sink.data(s));
                } else if let Some(trailers) = frame.trailers_ref() {
                    sink.trailers(trailers);
                }
                if this.inner.is_end_stream() {
                    sink.end();
                }
            }
            Poll::Ready(Some(Err(err))) => sink.error(err),
            Poll::Ready(None) => sink.end(),
        }
        polled
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B, S: fmt::Debug> fmt::Debug for TeeBody<B, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeeBody")
            .field("inner", &format_args!("{}", std::any::type_name::<B>()))
            .field("sink", &self.sink)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};

    #[derive(Debug, Default)]
    struct Log {
        bytes: Vec<u8>,
        ends: usize,
        errors: usize,
        trailers: Vec<http::HeaderMap>,
    }

    impl<E> BodySink<E> for Log {
        fn data(&mut self, chunk: &[u8]) {
            self.bytes.extend_from_slice(chunk);
        }
        fn end(&mut self) {
            self.ends += 1;
        }
        fn error(&mut self, _: &E) {
            self.errors += 1;
        }
        fn trailers(&mut self, trailers: &http::HeaderMap) {
            self.trailers.push(trailers.clone());
        }
    }

    #[test]
    fn chained_buffers_are_seen_slice_by_slice() {
        let data = Bytes::from_static(b"ab").chain(Bytes::from_static(b"cd"));
        let mut seen = Vec::new();
        for_each_slice(&data, |s| seen.push(s.to_vec()));
        assert_eq!(seen, [b"ab".to_vec(), b"cd".to_vec()]);
    }

    #[tokio::test]
    async fn frames_pass_unchanged_and_the_end_is_seen() {
        let mut body = TeeBody::new(Full::new(Bytes::from_static(b"hello")), Log::default());
        let frame = body.frame().await.expect("a frame").expect("data");
        assert_eq!(frame.into_data().ok(), Some(Bytes::from_static(b"hello")));
        let log = body.sink().expect("sink");
        assert_eq!(
            (log.bytes.as_slice(), log.ends, log.errors),
            (&b"hello"[..], 1, 0)
        );
    }

    /// A body yielding `items` in order.
    struct Frames(std::vec::IntoIter<Result<Frame<Bytes>, &'static str>>);

    impl Body for Frames {
        type Data = Bytes;
        type Error = &'static str;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, &'static str>>> {
            Poll::Ready(self.0.next())
        }
    }

    #[tokio::test]
    async fn errors_reach_the_sink() {
        let frames = vec![Ok(Frame::data(Bytes::from_static(b"x"))), Err("broken")];
        let mut body = TeeBody::new(Frames(frames.into_iter()), Log::default());
        assert!(body.frame().await.expect("frame").is_ok());
        assert!(body.frame().await.expect("frame").is_err());
        let log = body.sink().expect("sink");
        assert_eq!(
            (log.bytes.as_slice(), log.ends, log.errors),
            (&b"x"[..], 0, 1)
        );
    }

    #[tokio::test]
    async fn trailers_reach_the_sink_unchanged() {
        let mut trailers = http::HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("5"));
        let frames = vec![
            Ok(Frame::data(Bytes::from_static(b"x"))),
            Ok(Frame::trailers(trailers.clone())),
        ];
        let mut body = TeeBody::new(Frames(frames.into_iter()), Log::default());
        assert!(body.frame().await.expect("frame").is_ok());
        let frame = body.frame().await.expect("frame").expect("trailers");
        assert_eq!(frame.into_trailers().ok().as_ref(), Some(&trailers));
        assert!(body.frame().await.is_none());
        let log = body.sink().expect("sink");
        assert_eq!(log.trailers, [trailers]);
        assert_eq!((log.bytes.as_slice(), log.ends), (&b"x"[..], 1));
    }

    #[tokio::test]
    async fn a_passthrough_only_forwards() {
        let mut body: TeeBody<_, Log> = TeeBody::passthrough(Full::new(Bytes::from_static(b"y")));
        assert!(body.frame().await.expect("frame").is_ok());
        assert!(body.sink().is_none());
    }
}
