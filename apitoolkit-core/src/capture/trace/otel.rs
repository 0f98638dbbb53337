//! The app's own OpenTelemetry and the exchange's span as one trace (feature
//! `opentelemetry`; docs/PROTOCOL.md §3, "Trace context").
//!
//! * **In.** The span current in the OpenTelemetry context when a request reaches the
//!   adapter (the app's server span, opened by a middleware outside ours, or a
//!   `tracing` span entered through `tracing-opentelemetry`) is the parent of the
//!   exchange's span ([`parent_in`]).
//! * **Out.** While the handler runs, the adapter makes the exchange's span the current
//!   span of the OpenTelemetry context ([`OtelScope`]), so the spans the app starts there
//!   (with the `opentelemetry` API, or `tracing` spans through `tracing-opentelemetry`)
//!   are its children.

use std::str::FromStr;

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, ContextGuard};

use super::{SpanParent, TraceContext};

/// The valid span current in `cx`, as the parent of an exchange's span, with its
/// `tracestate` header (owned: OpenTelemetry keeps it as a list). `None` when `cx`
/// has no span, or an invalid one (all-zero ids, such as the no-op tracer's).
pub(crate) fn parent_in(cx: &Context) -> Option<(SpanParent<'static>, Option<String>)> {
    if !cx.has_active_span() {
        return None;
    }
    let span = cx.span();
    let sc = span.span_context();
    if !sc.is_valid() {
        return None;
    }
    let state = sc.trace_state().header();
    let parent = SpanParent {
        trace_id: sc.trace_id().to_bytes(),
        span_id: sc.span_id().to_bytes(),
        flags: sc.trace_flags().to_u8(),
        trace_state: None,
        remote: sc.is_remote(),
    };
    Some((parent, (!state.is_empty()).then_some(state)))
}

/// The OpenTelemetry context a handler runs in: the one current when its request
/// reached the adapter, with the exchange's span as its current span. The adapter
/// [`attach`](Self::attach)es it around its call of the inner service and each poll of
/// the response future; spans the app starts meanwhile are the exchange's children.
#[derive(Clone, Debug)]
pub struct OtelScope {
    cx: Context,
}

impl OtelScope {
    /// `base` (normally [`Context::current`]) with the span of `trace` as current span:
    /// a span of this process (not remote), with `trace`'s ids and flags, and its
    /// `tracestate` (that of `base`'s span when it is in the same trace, else `trace`'s
    /// own, parsed; dropped if OpenTelemetry rejects it).
    pub fn new(base: &Context, trace: &TraceContext) -> OtelScope {
        let trace_id = TraceId::from_bytes(trace.trace_id());
        let base_span = base.span();
        let base_sc = base_span.span_context();
        let state = if base_sc.is_valid() && base_sc.trace_id() == trace_id {
            base_sc.trace_state().clone()
        } else {
            trace
                .trace_state()
                .and_then(|s| TraceState::from_str(s).ok())
                .unwrap_or_default()
        };
        let ours = SpanContext::new(
            trace_id,
            SpanId::from_bytes(trace.span_id()),
            TraceFlags::new(trace.flags()),
            false,
            state,
        );
        OtelScope {
            cx: base.with_remote_span_context(ours),
        }
    }

    /// Makes this context the current one until the guard is dropped (held for one
    /// call or one poll, on the thread that runs it).
    pub fn attach(&self) -> ContextGuard {
        self.cx.clone().attach()
    }

    /// The context: the base context with the exchange's span as current span.
    pub fn context(&self) -> &Context {
        &self.cx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn otel_parent(remote: bool, state: &str) -> Context {
        let sc = SpanContext::new(
            TraceId::from_bytes([7; 16]),
            SpanId::from_bytes([9; 8]),
            TraceFlags::SAMPLED,
            remote,
            TraceState::from_str(state).unwrap(),
        );
        Context::new().with_remote_span_context(sc)
    }

    #[test]
    fn no_span_or_an_invalid_one_is_no_parent() {
        assert!(parent_in(&Context::new()).is_none());
        let invalid = Context::new().with_remote_span_context(SpanContext::empty_context());
        assert!(parent_in(&invalid).is_none());
    }

    #[test]
    fn the_current_span_is_the_parent() {
        let cx = otel_parent(false, "a=1,b=2");
        let (parent, state) = parent_in(&cx).unwrap();
        assert_eq!(parent.trace_id, [7; 16]);
        assert_eq!(parent.span_id, [9; 8]);
        assert_eq!(parent.flags, 1);
        assert!(!parent.remote);
        assert_eq!(state.as_deref(), Some("a=1,b=2"));
        let msg_id = Uuid::new_v4();
        let trace = TraceContext::child_of(
            &SpanParent {
                trace_state: state.as_deref(),
                ..parent
            },
            msg_id,
        )
        .unwrap();
        assert_eq!(trace.trace_id(), [7; 16]);
        assert_eq!(trace.parent_span_id(), Some([9; 8]));
        assert_eq!(trace.span_id(), super::super::span_id_of(msg_id));
        assert_eq!(trace.trace_state(), Some("a=1,b=2"));
        assert!(!trace.is_remote_parent());
        let (remote, _) = parent_in(&otel_parent(true, "")).unwrap();
        assert!(remote.remote);
    }

    #[test]
    fn the_scope_makes_our_span_current() {
        let base = otel_parent(false, "a=1");
        let (parent, _) = parent_in(&base).unwrap();
        let trace = TraceContext::child_of(&parent, Uuid::new_v4()).unwrap();
        let scope = OtelScope::new(&base, &trace);
        {
            let _guard = scope.attach();
            let current = Context::current();
            let span = current.span();
            let sc = span.span_context();
            assert_eq!(sc.trace_id().to_bytes(), trace.trace_id());
            assert_eq!(sc.span_id().to_bytes(), trace.span_id());
            assert!(!sc.is_remote());
            assert!(sc.is_sampled());
            assert_eq!(sc.trace_state().header(), "a=1");
        }
        assert!(!Context::current().has_active_span());
    }

    #[test]
    fn a_new_trace_gets_its_own_state() {
        let trace = TraceContext::from_headers(
            [&b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"[..]],
            [&b"k=v"[..]],
            Uuid::new_v4(),
        );
        let scope = OtelScope::new(&Context::new(), &trace);
        let span = scope.context().span();
        let sc = span.span_context();
        assert_eq!(sc.trace_id().to_bytes(), trace.trace_id());
        assert!(!sc.is_sampled());
        assert_eq!(sc.trace_state().header(), "k=v");
    }
}
