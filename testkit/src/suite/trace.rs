//! W3C Trace Context through the adapters (issue 18): an incoming `traceparent` puts the
//! exchange's span into the caller's trace, invalid ones start new traces, and an outgoing
//! call carries the trace to the downstream service, which records it as the next link.

use std::time::Duration;

use super::{client, Adapter};
use crate::{fast_settings, otlp_to, wait_for, Collector, ReceivedSpan};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER: &str = "00f067aa0ba902b7";

const WAIT: Duration = Duration::from_secs(15);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The spans the collector accepted for `target` (`http.target`), waiting for `n`.
async fn spans_for(collector: &Collector, n: usize) -> Vec<ReceivedSpan> {
    assert!(
        wait_for(WAIT, || collector.accepted_span_count() >= n).await,
        "expected {n} spans, got {}",
        collector.accepted_span_count()
    );
    collector.accepted_spans()
}

fn span<'a>(spans: &'a [ReceivedSpan], target: &str, kind: i32) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|s| s.target() == target && s.kind == kind)
        .unwrap_or_else(|| panic!("no span of kind {kind} for {target}: {spans:#?}"))
}

/// A valid `traceparent` (not sampled) and `tracestate`: the span is in that trace, its
/// parent is the caller's span, it has a span id of its own, and it keeps the state and
/// the flags.
pub async fn an_incoming_traceparent_puts_the_span_in_the_callers_trace<A: Adapter>() {
    let collector = Collector::start();
    let app = A::spawn(Box::new(otlp_to(collector.endpoint(), fast_settings()))).await;
    let res = client()
        .get(app.url("/hello/traced"))
        .header("traceparent", format!("00-{TRACE}-{CALLER}-00"))
        .header("tracestate", "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let spans = spans_for(&collector, 1).await;
    let s = span(&spans, "/hello/traced", 2);
    assert_eq!(hex(&s.trace_id), TRACE);
    assert_eq!(hex(&s.parent_span_id), CALLER);
    assert_eq!(s.span_id.len(), 8);
    assert_ne!(hex(&s.span_id), CALLER);
    assert_eq!(s.trace_state, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
    assert_eq!(s.flags, 0x300, "not sampled, remote parent");
}

/// Invalid `traceparent`s (the W3C test suite's kinds) and none at all: each request
/// starts a new trace of its own, with no parent and no `tracestate`.
pub async fn invalid_traceparents_start_new_traces<A: Adapter>() {
    let collector = Collector::start();
    let app = A::spawn(Box::new(otlp_to(collector.endpoint(), fast_settings()))).await;
    let invalid = [
        format!("ff-{TRACE}-{CALLER}-01"),
        format!("00-00000000000000000000000000000000-{CALLER}-01"),
        format!("00-{TRACE}-0000000000000000-01"),
        format!("00-{}-{CALLER}-01", TRACE.to_uppercase()),
        format!("00-{TRACE}-{CALLER}-01-extra"),
        format!("00-{TRACE}-{CALLER}"),
        "garbage".to_owned(),
    ];
    for (i, value) in invalid.iter().enumerate() {
        let res = client()
            .get(app.url(&format!("/hello/bad{i}")))
            .header("traceparent", value)
            .header("tracestate", "congo=t61rcWkgMzE")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200);
    }
    let res = client()
        .get(app.url("/hello/none"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let spans = spans_for(&collector, invalid.len() + 1).await;
    let mut traces = std::collections::BTreeSet::new();
    for s in &spans {
        assert!(s.parent_span_id.is_empty(), "{s:#?}");
        assert_ne!(hex(&s.trace_id), TRACE, "{s:#?}");
        assert_eq!(s.trace_state, "", "{s:#?}");
        assert_eq!(
            hex(&s.trace_id),
            s.msg_id().replace('-', ""),
            "a new trace is named by the record's msg_id"
        );
        traces.insert(s.trace_id.clone());
    }
    assert_eq!(traces.len(), invalid.len() + 1, "one new trace each");
}

/// `GET /call` with a `traceparent`, calling the same app's `/hello/...` through
/// `observe_request`: three spans in the caller's trace, each the parent of the next
/// (incoming, its outgoing call, the downstream incoming request), and the downstream
/// request carried `traceparent` and `tracestate`.
pub async fn an_outgoing_call_carries_the_trace_to_the_downstream_service<A: Adapter>() {
    let collector = Collector::start();
    let app = A::spawn(Box::new(otlp_to(collector.endpoint(), fast_settings()))).await;
    let downstream = A::spawn(Box::new(otlp_to(collector.endpoint(), fast_settings()))).await;
    let res = client()
        .get(app.url("/call"))
        .header("x-target", downstream.url("/hello/downstream"))
        .header("traceparent", format!("00-{TRACE}-{CALLER}-01"))
        .header("tracestate", "congo=t61rcWkgMzE")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let spans = spans_for(&collector, 3).await;
    let incoming = span(&spans, "/call", 2);
    let outgoing = spans
        .iter()
        .find(|s| s.kind == 3)
        .unwrap_or_else(|| panic!("no client span: {spans:#?}"));
    let down = span(&spans, "/hello/downstream", 2);
    for s in [incoming, outgoing, down] {
        assert_eq!(hex(&s.trace_id), TRACE, "one trace: {spans:#?}");
        assert_eq!(s.trace_state, "congo=t61rcWkgMzE");
        assert_eq!(s.flags & 0xff, 1, "sampled");
    }
    assert_eq!(hex(&incoming.parent_span_id), CALLER);
    assert_eq!(outgoing.parent_span_id, incoming.span_id);
    assert_eq!(down.parent_span_id, outgoing.span_id);
    assert_eq!(outgoing.flags, 0x101, "local parent");
    // The downstream service learnt the call's span id and the state only from the
    // `traceparent` and `tracestate` the call carried.
    assert_eq!(down.flags, 0x301, "remote parent");
}
