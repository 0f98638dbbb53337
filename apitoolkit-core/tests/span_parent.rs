//! An exchange's span started under a span the app gives (`RequestContext::from_parent`)
//! and, with the feature `opentelemetry`, under the app's current OpenTelemetry span
//! (`RequestContext::join_current_otel`): which parent wins, and the scope the handler
//! runs in.

use apitoolkit_core::integration::RequestContext;
use apitoolkit_core::testing::CapturedRecords;
use apitoolkit_core::{Shipper, SpanParent};

fn shipper() -> Shipper {
    let config = CapturedRecords::new()
        .config_builder()
        .build()
        .expect("config");
    Shipper::start(config).expect("start")
}

const PARENT: SpanParent<'static> = SpanParent {
    trace_id: [0x11; 16],
    span_id: [0x22; 8],
    flags: 1,
    trace_state: Some("app=1"),
    remote: false,
};

#[test]
fn from_parent_makes_the_request_span_the_child_of_the_apps_span() {
    let ctx = RequestContext::from_parent(shipper(), &PARENT).expect("valid parent");
    let trace = ctx.trace();
    assert_eq!(trace.trace_id(), [0x11; 16]);
    assert_eq!(trace.parent_span_id(), Some([0x22; 8]));
    assert_eq!(trace.span_id(), ctx.msg_id().as_bytes()[8..]);
    assert_eq!(trace.trace_state(), Some("app=1"));
    assert!(!trace.is_remote_parent());
    let zero = SpanParent {
        span_id: [0; 8],
        ..PARENT
    };
    assert!(RequestContext::from_parent(shipper(), &zero).is_none());
}

#[cfg(feature = "opentelemetry")]
mod otel {
    use super::*;
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry::Context;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const CALLER: &str = "00f067aa0ba902b7";

    fn traceparent() -> String {
        format!("00-{TRACE}-{CALLER}-01")
    }

    fn join(shipper: Shipper) -> (RequestContext, apitoolkit_core::integration::OtelScope) {
        let tp = traceparent();
        RequestContext::join_current_otel(shipper, [tp.as_bytes()], [&b"hdr=1"[..]])
    }

    #[test]
    fn the_current_span_wins_over_the_traceparent() {
        let app = SpanContext::new(
            TraceId::from_bytes([0x11; 16]),
            SpanId::from_bytes([0x22; 8]),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        let _current = Context::new().with_remote_span_context(app).attach();
        let (ctx, scope) = join(shipper());
        assert_eq!(ctx.trace().trace_id(), [0x11; 16]);
        assert_eq!(ctx.trace().parent_span_id(), Some([0x22; 8]));
        assert_eq!(ctx.trace().trace_state(), None);
        let span = scope.context().span();
        assert_eq!(
            span.span_context().span_id().to_bytes(),
            ctx.trace().span_id()
        );
    }

    #[test]
    fn without_a_current_span_the_traceparent_is_followed() {
        let (ctx, scope) = join(shipper());
        assert_eq!(ctx.trace().trace_id_hex(), TRACE);
        assert_eq!(ctx.trace().trace_state(), Some("hdr=1"));
        assert!(ctx.trace().is_remote_parent());
        let span = scope.context().span();
        let sc = span.span_context();
        assert_eq!(sc.trace_id().to_bytes(), ctx.trace().trace_id());
        assert_eq!(sc.span_id().to_bytes(), ctx.trace().span_id());
        assert_eq!(sc.trace_state().header(), "hdr=1");
        assert!(!sc.is_remote());
    }
}
