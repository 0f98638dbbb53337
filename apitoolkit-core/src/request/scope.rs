//! [`RequestScope`] and [`RequestContext::start`]: how an adapter opens a request's trace,
//! with or without the feature `opentelemetry` (docs/PROTOCOL.md §3, "Trace context"), so
//! that every adapter does it the same way.

#[cfg(not(feature = "opentelemetry"))]
use uuid::Uuid;

#[cfg(not(feature = "opentelemetry"))]
use crate::capture::TraceContext;
use crate::request::context::RequestContext;
use crate::shipper::Shipper;

/// What an adapter runs the request's inner service in, and polls its future in: with
/// the feature `opentelemetry`, the OpenTelemetry context whose current span is the
/// exchange's; without it, nothing (zero-sized).
#[derive(Debug, Default)]
pub struct RequestScope {
    #[cfg(feature = "opentelemetry")]
    otel: Option<crate::capture::OtelScope>,
}

impl RequestScope {
    /// Runs `f` in the scope: with the exchange's span current in OpenTelemetry (feature
    /// `opentelemetry`), else just runs it.
    #[inline]
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        #[cfg(feature = "opentelemetry")]
        let _guard = self.otel.as_ref().map(|s| s.attach());
        f()
    }
}

impl RequestContext {
    /// Opens the record of an incoming request with this method, path (no query) and
    /// these `traceparent` and `tracestate` header values: captured with the settings of
    /// the first per-route entry its method and path match
    /// ([`ConfigBuilder::route`](crate::ConfigBuilder::route)), else the global ones; a
    /// child of the app's current OpenTelemetry span if there is one (feature
    /// `opentelemetry`, `RequestContext::join_current_otel`), else of the caller's
    /// `traceparent` if valid ([`from_trace_headers`](Self::from_trace_headers)), else a
    /// new trace. Returns the context and the scope to run the inner service in.
    pub fn start<'a>(
        shipper: Shipper,
        method: &str,
        path: &str,
        traceparent: impl IntoIterator<Item = &'a [u8]>,
        tracestate: impl IntoIterator<Item = &'a [u8]>,
    ) -> (RequestContext, RequestScope) {
        let route = shipper.config().route_for(method, path).cloned();
        #[cfg(feature = "opentelemetry")]
        {
            let (msg_id, trace, otel) = RequestContext::otel_trace(traceparent, tracestate);
            let ctx = RequestContext::with_trace(shipper, msg_id, trace, route);
            (ctx, RequestScope { otel: Some(otel) })
        }
        #[cfg(not(feature = "opentelemetry"))]
        {
            let msg_id = Uuid::new_v4();
            let trace = TraceContext::from_headers(traceparent, tracestate, msg_id);
            let ctx = RequestContext::with_trace(shipper, msg_id, trace, route);
            (ctx, RequestScope::default())
        }
    }
}
