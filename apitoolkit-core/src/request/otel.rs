//! [`RequestContext::join_current_otel`]: an incoming request's context when the app
//! uses OpenTelemetry (feature `opentelemetry`; docs/PROTOCOL.md §3, "Trace context").

use opentelemetry::Context;
use uuid::Uuid;

use crate::capture::{parent_in, OtelScope, SpanParent, TraceContext};
use crate::request::context::RequestContext;
use crate::shipper::Shipper;

impl RequestContext {
    /// The context of an incoming request, read against the OpenTelemetry context
    /// current on this thread ([`Context::current`], read once), and the
    /// [`OtelScope`] its handler runs in.
    ///
    /// The exchange's span is the child of the current span when there is a valid one
    /// (the app's server span, nearer than any caller); otherwise it follows the
    /// `traceparent` and `tracestate` header values as
    /// [`from_trace_headers`](Self::from_trace_headers) does. The scope is the current
    /// context with the exchange's span as its current span.
    pub fn join_current_otel<'a>(
        shipper: Shipper,
        traceparent: impl IntoIterator<Item = &'a [u8]>,
        tracestate: impl IntoIterator<Item = &'a [u8]>,
    ) -> (RequestContext, OtelScope) {
        let (msg_id, trace, scope) = RequestContext::otel_trace(traceparent, tracestate);
        (
            RequestContext::with_trace(shipper, msg_id, trace, None),
            scope,
        )
    }

    /// The `msg_id`, trace context and scope of [`join_current_otel`](Self::join_current_otel).
    pub(super) fn otel_trace<'a>(
        traceparent: impl IntoIterator<Item = &'a [u8]>,
        tracestate: impl IntoIterator<Item = &'a [u8]>,
    ) -> (Uuid, TraceContext, OtelScope) {
        let current = Context::current();
        let msg_id = Uuid::new_v4();
        let joined = parent_in(&current).and_then(|(parent, state)| {
            let parent = SpanParent {
                trace_state: state.as_deref(),
                ..parent
            };
            TraceContext::child_of(&parent, msg_id)
        });
        let trace =
            joined.unwrap_or_else(|| TraceContext::from_headers(traceparent, tracestate, msg_id));
        let scope = OtelScope::new(&current, &trace);
        (msg_id, trace, scope)
    }
}
