//! [`APIToolkitService`]: starts the record of each request and wraps both bodies.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::task::{Context, Poll};

use apitoolkit_core::{CapturedHeaders, Exchange, InFlight, RequestContext, SdkType, Shipper};
use axum::extract::{MatchedPath, OriginalUri};
use http::{Request, Response};
use tower_service::Service;

use crate::body::{RequestBody, ResponseBody};
use crate::future::ResponseFuture;

/// The service produced by [`APIToolkitLayer`](crate::APIToolkitLayer).
#[derive(Clone, Debug)]
pub struct APIToolkitService<S> {
    inner: S,
    shipper: Option<Shipper>,
}

impl<S> APIToolkitService<S> {
    pub(crate) fn new(inner: S, shipper: Option<Shipper>) -> Self {
        APIToolkitService { inner, shipper }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for APIToolkitService<S>
where
    S: Service<Request<RequestBody<ReqBody>>, Response = Response<ResBody>>,
    S::Error: std::fmt::Display,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let Some(shipper) = &self.shipper else {
            return ResponseFuture::new(self.inner.call(req.map(RequestBody::passthrough)), None);
        };
        let ctx = RequestContext::new(shipper.clone());
        let (mut parts, body) = req.into_parts();
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
        let mut exchange = Exchange::with_id(
            ctx.msg_id(),
            SdkType::RustAxum,
            parts.method.clone(),
            uri,
            parts.version,
        );
        exchange.route = parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned());
        exchange.request_headers = CapturedHeaders::from(&parts.headers);
        parts.extensions.insert(ctx.clone());
        let req = Request::from_parts(parts, RequestBody::new(body, ctx.clone()));
        let mut inflight = InFlight::new(ctx, exchange);

        match catch_unwind(AssertUnwindSafe(|| self.inner.call(req))) {
            Ok(future) => ResponseFuture::new(future, Some(inflight)),
            Err(payload) => {
                inflight.record_panic(&*payload);
                inflight.finish();
                resume_unwind(payload)
            }
        }
    }
}
