//! [`ResponseFuture`]: waits for the response head, catches a panic of the handler.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use apitoolkit_core::integration::{GuardedFuture, RequestScope};
use apitoolkit_core::{CapturedHeaders, ErrorEntry};
use http::Response;
use pin_project_lite::pin_project;

use crate::body::{response_body, ResponseBody};

pin_project! {
    /// Response future of [`APIToolkitService`](crate::APIToolkitService).
    ///
    /// Framework glue around core's [`GuardedFuture`] (the panic guard on every poll).
    /// Its `Debug` is the guarded future's: the inner future's type name and the record
    /// as [`InFlight`](apitoolkit_core::InFlight)'s `Debug` shows it (names, lengths and counts, never a captured
    /// value).
    pub struct ResponseFuture<F> {
        #[pin]
        pub(crate) inner: GuardedFuture<F>,
        // The OpenTelemetry context the inner future is polled in (feature
        // `opentelemetry`; `()` without it).
        pub(crate) otel: RequestScope,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: std::fmt::Display,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        let (result, mut inflight) = match this.otel.run(|| inner.poll(cx)) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(ready) => ready,
        };
        Poll::Ready(match result {
            Ok(response) => {
                if let Some(inflight) = inflight.as_mut() {
                    inflight.set_response(
                        response.status().as_u16(),
                        CapturedHeaders::from(response.headers()),
                    );
                }
                Ok(response.map(|body| response_body(body, inflight)))
            }
            Err(err) => {
                if let Some(mut inflight) = inflight {
                    inflight.fail(
                        500,
                        ErrorEntry::from_message("ServiceError", err.to_string()),
                    );
                }
                Err(err)
            }
        })
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResponseFuture").field(&self.inner).finish()
    }
}
