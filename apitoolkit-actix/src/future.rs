//! [`ResponseFuture`]: waits for the inner service's response, catches a handler panic.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use apitoolkit_core::integration::{GuardedFuture, RequestScope};
use pin_project_lite::pin_project;

use crate::body::ResponseBody;
use crate::convert;
use crate::error::entry;

pin_project! {
    /// Response future of [`APIToolkitMiddleware`](crate::APIToolkitMiddleware).
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

impl<F, B> Future for ResponseFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<ResponseBody<B>>, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        let (result, mut inflight) = match this.otel.run(|| inner.poll(cx)) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(ready) => ready,
        };
        Poll::Ready(match result {
            Ok(res) => {
                if let Some(inflight) = inflight.as_mut() {
                    // Read after routing: actix then looks the template up by the path it
                    // recorded while routing (no pattern matching, and guards respected).
                    // Path params are derived from it when the record is built.
                    inflight.set_route(res.request().match_pattern());
                    inflight.set_response(res.status().as_u16(), convert::headers(res.headers()));
                    if res.status().is_server_error() {
                        if let Some(err) = res.response().error() {
                            inflight.report_entry(entry(err));
                        }
                    }
                }
                Ok(res.map_body(|_, body| ResponseBody::new(body, inflight)))
            }
            Err(err) => {
                // actix turns this error into `err.error_response()` for the client.
                if let Some(mut inflight) = inflight {
                    let res = err.error_response();
                    inflight.set_response(res.status().as_u16(), convert::headers(res.headers()));
                    if res.status().is_server_error() {
                        inflight.report_entry(entry(&err));
                    }
                    if let Ok(bytes) = res.into_body().try_into_bytes() {
                        inflight.capture_response_chunk(&bytes);
                    }
                    inflight.finish();
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
