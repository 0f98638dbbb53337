//! [`APIToolkitService`]: starts the record of each request and wraps both bodies.

use std::task::{Context, Poll};

use apitoolkit_core::integration::{
    grpc_route, GuardedFuture, InFlight, RequestContext, RequestScope,
};
use apitoolkit_core::{CapturedHeaders, Exchange, SdkType, Shipper};
use axum::extract::{MatchedPath, OriginalUri};
use http::header::{HeaderName, USER_AGENT};
use http::{Request, Response, Uri};
use tower_service::Service;

use crate::body::{RequestBody, ResponseBody};
use crate::future::ResponseFuture;

/// The W3C trace context headers as names: a lookup by `&str` parses the name first
/// (about 350 instructions each, per request).
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

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
            return passthrough(self.inner.call(req.map(RequestBody::passthrough)));
        };
        let (mut parts, body) = req.into_parts();
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(parts.uri.path(), |o| o.0.path());
        let ua = parts.headers.get(USER_AGENT).map(|v| v.as_bytes());
        if shipper.config().excludes(parts.method.as_str(), path, ua) {
            let req = Request::from_parts(parts, RequestBody::passthrough(body));
            return passthrough(self.inner.call(req));
        }
        let values = |name| parts.headers.get_all(name).iter().map(|v| v.as_bytes());
        let (ctx, otel) = RequestContext::start(
            shipper.clone(),
            parts.method.as_str(),
            path,
            values(&TRACEPARENT),
            values(&TRACESTATE),
        );
        let uri = detached(
            parts
                .extensions
                .get::<OriginalUri>()
                .map_or(&parts.uri, |o| &o.0),
        );
        let mut exchange = Exchange::with_id(
            ctx.msg_id(),
            SdkType::RustAxum,
            parts.method.clone(),
            uri,
            parts.version,
        );
        // A gRPC call's route is its full method (`/package.Service/Method`), whatever
        // router serves it; any other request's is the axum route that matched.
        exchange.route = match grpc_route(&parts.headers, exchange.uri.path()) {
            Some(method) => Some(method.to_owned()),
            None => parts
                .extensions
                .get::<MatchedPath>()
                .map(|m| m.as_str().to_owned()),
        };
        exchange.request_headers = CapturedHeaders::from(&parts.headers);
        parts.extensions.insert(ctx.clone());
        let req = Request::from_parts(parts, RequestBody::new(body, ctx.clone()));
        let mut inflight = InFlight::new(ctx, exchange);

        let inner = &mut self.inner;
        let future = otel.run(|| inflight.guard(|| inner.call(req)));
        ResponseFuture {
            inner: GuardedFuture::new(future, Some(inflight)),
            otel,
        }
    }
}

/// A copy of `uri` that shares no memory with it. hyper parses the request target as a
/// slice of the connection's read buffer, so a clone would keep that whole buffer (8 KiB
/// or more) alive for as long as the record waits in the shipper's queue, outside its
/// byte budget. Falls back to a clone in the (impossible) case that the copy does not
/// parse again.
fn detached(uri: &Uri) -> Uri {
    let copy = match (uri.authority(), uri.path_and_query()) {
        (None, Some(target)) => Uri::try_from(target.as_str()),
        _ => Uri::try_from(uri.to_string()),
    };
    copy.unwrap_or_else(|_| uri.clone())
}

/// The future of a request the SDK leaves alone (disabled, or excluded): no record.
fn passthrough<F>(inner: F) -> ResponseFuture<F> {
    ResponseFuture {
        inner: GuardedFuture::new(inner, None),
        otel: RequestScope::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn detached_uris_are_equal_copies() {
        let buffer = Bytes::from_static(b"/a/b?x=1&y=%20 HTTP/1.1");
        for target in [
            Uri::from_maybe_shared(buffer.slice(..14)).unwrap(),
            Uri::from_static("http://example.com:8080/a?x=1"),
            Uri::from_static("*"),
            Uri::from_static("/"),
        ] {
            assert_eq!(detached(&target), target);
        }
        let shared = Bytes::from(b"/items/7?q=1 and the rest of the read buffer".to_vec());
        let uri = Uri::from_maybe_shared(shared.slice(..12)).unwrap();
        let copy = detached(&uri);
        drop(uri);
        assert!(shared.is_unique(), "the copy still points into the buffer");
        assert_eq!(copy, "/items/7?q=1");
    }
}
