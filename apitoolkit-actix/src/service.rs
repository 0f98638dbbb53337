//! [`APIToolkitMiddleware`]: starts the record of each request and tees both bodies.

use std::fmt;
use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderName;
use actix_web::HttpMessage;
use apitoolkit_core::integration::{GuardedFuture, InFlight, RequestContext, RequestScope};
use apitoolkit_core::{Exchange, SdkType, Shipper};

use crate::body::ResponseBody;
use crate::future::ResponseFuture;
use crate::{convert, payload};

/// The W3C trace context headers as names: a lookup by `&str` parses the name first,
/// on every request.
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// The service produced by the [`APIToolkit`](crate::APIToolkit) transform. Like every
/// actix service it lives on one worker thread (`!Send`); it shares the
/// (`Send + Sync`) shipper with the other workers.
pub struct APIToolkitMiddleware<S> {
    service: Rc<S>,
    shipper: Option<Shipper>,
}

impl<S> APIToolkitMiddleware<S> {
    pub(crate) fn new(service: S, shipper: Option<Shipper>) -> Self {
        APIToolkitMiddleware {
            service: Rc::new(service),
            shipper,
        }
    }
}

impl<S> fmt::Debug for APIToolkitMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("APIToolkitMiddleware")
            .field("enabled", &self.shipper.is_some())
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for APIToolkitMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<ResponseBody<B>>;
    type Error = actix_web::Error;
    type Future = ResponseFuture<S::Future>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let Some(shipper) = &self.shipper else {
            return passthrough(self.service.call(req));
        };
        let ua = req.headers().get("user-agent").map(|v| v.as_bytes());
        if shipper
            .config()
            .excludes(req.method().as_str(), req.path(), ua)
        {
            return passthrough(self.service.call(req));
        }
        let values = |name| req.headers().get_all(name).map(|v| v.as_bytes());
        let (ctx, otel) = RequestContext::start(
            shipper.clone(),
            req.method().as_str(),
            req.path(),
            values(&TRACEPARENT),
            values(&TRACESTATE),
        );
        let mut exchange = Exchange::with_id(
            ctx.msg_id(),
            SdkType::RustActix,
            convert::method(req.method()),
            convert::uri(req.uri()),
            convert::version(req.version()),
        );
        exchange.request_headers = convert::headers(req.headers());
        req.extensions_mut().insert(ctx.clone());
        if ctx.captures_request_body() {
            let tee = payload::tee(req.take_payload(), ctx.clone());
            req.set_payload(tee);
        }
        let mut inflight = InFlight::new(ctx, exchange);

        let future = otel.run(|| inflight.guard(|| self.service.call(req)));
        ResponseFuture {
            inner: GuardedFuture::new(future, Some(inflight)),
            otel,
        }
    }
}

/// The future of a request the SDK leaves alone (disabled, or excluded): no record.
fn passthrough<F>(inner: F) -> ResponseFuture<F> {
    ResponseFuture {
        inner: GuardedFuture::new(inner, None),
        otel: RequestScope::default(),
    }
}
