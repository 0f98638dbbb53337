//! The trace of a request, and the app's own OpenTelemetry when the feature
//! `opentelemetry` is on (docs/PROTOCOL.md §3, "Trace context"): the request's
//! [`RequestContext`], and the [`Scope`] its inner service is called and polled in.
//! Without the feature the scope is `()` and [`in_scope`] only calls.

use actix_web::http::header::HeaderMap;
use apitoolkit_core::integration::RequestContext;
use apitoolkit_core::Shipper;

/// The OpenTelemetry context the inner service runs in: our span current in it.
#[cfg(feature = "opentelemetry")]
pub(crate) type Scope = Option<apitoolkit_core::integration::OtelScope>;
/// Nothing: the feature `opentelemetry` is off.
#[cfg(not(feature = "opentelemetry"))]
pub(crate) type Scope = ();

/// The context of a request with these headers: a child of the app's current
/// OpenTelemetry span if there is one (feature `opentelemetry`), else of the caller's
/// `traceparent` if valid, else a new trace.
pub(crate) fn start(shipper: &Shipper, headers: &HeaderMap) -> (RequestContext, Scope) {
    let values = |name| headers.get_all(name).map(|v| v.as_bytes());
    #[cfg(feature = "opentelemetry")]
    {
        let (ctx, scope) = RequestContext::join_current_otel(
            shipper.clone(),
            values("traceparent"),
            values("tracestate"),
        );
        (ctx, Some(scope))
    }
    #[cfg(not(feature = "opentelemetry"))]
    {
        let ctx = RequestContext::from_trace_headers(
            shipper.clone(),
            values("traceparent"),
            values("tracestate"),
        );
        (ctx, ())
    }
}

/// Runs `f` with the scope's context current (feature `opentelemetry`), else just runs it.
#[inline]
pub(crate) fn in_scope<R>(scope: &Scope, f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "opentelemetry")]
    let _guard = scope.as_ref().map(|s| s.attach());
    #[cfg(not(feature = "opentelemetry"))]
    let () = scope;
    f()
}
