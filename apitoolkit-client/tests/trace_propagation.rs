//! W3C Trace Context on outgoing calls (issue 18): every call carries a `traceparent`
//! naming its own span, in the trace of the request it was made for (with that request's
//! `tracestate`); a `traceparent` the app set itself is left alone.

use std::net::SocketAddr;
use std::time::Duration;

use apitoolkit_client::{observe_request, OutgoingClient};
use apitoolkit_core::integration::RequestContext;
use apitoolkit_core::testing::CapturedRecords;
use apitoolkit_core::{RequestMessage, Shipper};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER: &str = "00f067aa0ba902b7";

/// A server answering with the `traceparent` and `tracestate` it received.
async fn echo_trace() -> SocketAddr {
    async fn echo(headers: HeaderMap) -> String {
        let get = |n: &str| {
            headers
                .get_all(n)
                .iter()
                .map(|v| v.to_str().unwrap_or("?").to_owned())
                .collect::<Vec<_>>()
                .join("|")
        };
        format!("{};{}", get("traceparent"), get("tracestate"))
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, Router::new().route("/t", get(echo))).await;
    });
    addr
}

fn shipper() -> (CapturedRecords, Shipper) {
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .build_with_env(|_| None)
        .expect("config");
    (captured, Shipper::start(config).expect("shipper"))
}

fn one(captured: &CapturedRecords) -> RequestMessage {
    let records = captured.wait_for(1, Duration::from_secs(10));
    assert_eq!(records.len(), 1, "{records:#?}");
    records[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_outside_any_request_starts_a_trace_and_names_its_span_as_parent() {
    let addr = echo_trace().await;
    let (captured, shipper) = shipper();
    let client = OutgoingClient::builder(shipper).build();
    let seen = client
        .get(format!("http://{addr}/t"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("body");
    let r = one(&captured);
    assert_eq!(r.trace_id, r.msg_id.replace('-', ""), "a new trace");
    assert_eq!(seen, format!("00-{}-{}-01;", r.trace_id, r.span_id));
    assert_eq!(
        r.request_headers["traceparent"],
        [seen.trim_end_matches(';')]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_for_a_traced_request_continues_its_trace_and_state() {
    let addr = echo_trace().await;
    let (captured, shipper) = shipper();
    let incoming = format!("00-{TRACE}-{CALLER}-00");
    let ctx = RequestContext::from_trace_headers(
        shipper,
        [incoming.as_bytes()],
        [&b"congo=t61rcWkgMzE"[..]],
    );
    let seen = observe_request(&ctx)
        .get(format!("http://{addr}/t"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("body");
    let r = one(&captured);
    assert_eq!(r.trace_id, TRACE);
    assert_ne!(r.span_id, ctx.trace().span_id_hex());
    assert_eq!(
        seen,
        format!("00-{TRACE}-{}-00;congo=t61rcWkgMzE", r.span_id),
        "the call's own span is the downstream parent; the flags and state carry on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_traceparent_set_by_the_app_is_left_alone() {
    let addr = echo_trace().await;
    let (captured, shipper) = shipper();
    let ctx = RequestContext::from_trace_headers(
        shipper,
        [format!("00-{TRACE}-{CALLER}-01").as_bytes()],
        [&b"congo=t61rcWkgMzE"[..]],
    );
    let own = "00-11111111111111111111111111111111-2222222222222222-01";
    let seen = observe_request(&ctx)
        .get(format!("http://{addr}/t"))
        .header("traceparent", own)
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("body");
    assert_eq!(
        seen,
        format!("{own};"),
        "neither replaced nor joined by ours"
    );
    let r = one(&captured);
    assert_eq!(r.trace_id, TRACE, "the record stays in the request's trace");
    assert_eq!(r.request_headers["traceparent"], [own]);
}
