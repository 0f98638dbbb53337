//! [`ResponseFuture`]: waits for the response head, catches a panic of the handler.

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use apitoolkit_core::{CapturedHeaders, ErrorEntry, InFlight};
use http::Response;
use pin_project_lite::pin_project;

use crate::body::ResponseBody;

pin_project! {
    /// Response future of [`APIToolkitService`](crate::APIToolkitService).
    ///
    /// Its `Debug` names the inner future's type without printing it and shows the
    /// record as [`InFlight`]'s `Debug` does: names, lengths and counts, never a
    /// captured value.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        inflight: Option<InFlight>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(inner: F, inflight: Option<InFlight>) -> Self {
        ResponseFuture { inner, inflight }
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
        let polled = match this.inflight {
            None => inner.poll(cx),
            Some(inflight) => match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
                Ok(p) => p,
                Err(payload) => {
                    inflight.record_panic(&*payload);
                    inflight.finish();
                    resume_unwind(payload)
                }
            },
        };
        let result = match polled {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(r) => r,
        };
        let mut inflight = this.inflight.take();
        Poll::Ready(match result {
            Ok(response) => {
                if let Some(inflight) = inflight.as_mut() {
                    inflight.set_response(
                        response.status().as_u16(),
                        CapturedHeaders::from(response.headers()),
                    );
                }
                Ok(response.map(|body| ResponseBody::new(body, inflight)))
            }
            Err(err) => {
                if let Some(mut inflight) = inflight {
                    inflight.set_response(500, CapturedHeaders::new());
                    inflight
                        .context()
                        .report_entry(ErrorEntry::from_message("ServiceError", err.to_string()));
                    inflight.finish();
                }
                Err(err)
            }
        })
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("inner", &format_args!("{}", std::any::type_name::<F>()))
            .field("inflight", &self.inflight)
            .finish()
    }
}
