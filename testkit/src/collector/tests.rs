//! The collector over real connections: dropped connections, schedules, requests in
//! flight (HTTP and gRPC) and distinct spans.

use std::io::Write as _;
use std::net::TcpStream;

use apitoolkit_core::{Config, Export, OtlpProtocol, OtlpSettings, Shipper};
use opentelemetry_proto::tonic::common::v1::{AnyValue as ProtoAny, KeyValue};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};

use super::*;
use crate::{fast_settings, small, wait_until};

const WAIT: Duration = Duration::from_secs(10);

/// An export request body with one span per `msg_id`.
fn body(msg_ids: &[&str]) -> Vec<u8> {
    let spans = msg_ids
        .iter()
        .map(|id| Span {
            name: "span".into(),
            attributes: vec![KeyValue {
                key: "apitoolkit.msg_id".into(),
                value: Some(ProtoAny {
                    value: Some(AnyValue::StringValue((*id).into())),
                }),
                ..KeyValue::default()
            }],
            ..Span::default()
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
    .encode_to_vec()
}

/// POSTs an export over a fresh connection; returns every byte answered until the
/// collector closes it (empty: closed without an answer).
fn post(addr: SocketAddr, msg_ids: &[&str]) -> Vec<u8> {
    let body = body(msg_ids);
    let mut conn = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nhost: collector\r\ncontent-type: application/x-protobuf\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).expect("write head");
    conn.write_all(&body).expect("write body");
    let mut answer = Vec::new();
    // A reset instead of a clean close also means "no answer".
    let _ = conn.read_to_end(&mut answer);
    answer
}

fn status_of(answer: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(answer).ok()?.lines().next()?;
    line.split(' ').nth(1)?.parse().ok()
}

#[test]
fn drop_connection_reads_the_body_then_closes_unanswered() {
    let c = Collector::with_behavior(Behavior::DropConnection);
    assert!(post(c.addr(), &["a"]).is_empty(), "no answer at all");
    assert_eq!(c.request_count(), 1, "the body was read");
    assert_eq!((c.answered_count(), c.accepted_span_count()), (0, 0));
    assert_eq!(c.requests()[0].answered, None);
    assert_eq!(c.in_flight(), 0);
    c.set_behavior(Behavior::Ok);
    assert_eq!(status_of(&post(c.addr(), &["a"])), Some(200));
    assert_eq!(c.accepted_span_count(), 1);
}

#[test]
fn a_schedule_answers_each_request_with_its_current_phase() {
    let phase = Duration::from_millis(50);
    let c = Collector::with_behavior(Behavior::Schedule(Schedule::new([
        (phase, Behavior::Status(503)),
        (phase, Behavior::Ok),
        (phase, Behavior::DropConnection),
    ])));
    let (mut ok, mut unavailable, mut dropped) = (0, 0, 0);
    let seen_all = wait_until(WAIT, || {
        match status_of(&post(c.addr(), &["x"])) {
            Some(200) => ok += 1,
            Some(503) => unavailable += 1,
            None => dropped += 1,
            Some(other) => panic!("unexpected status {other}"),
        }
        ok > 0 && unavailable > 0 && dropped > 0
    });
    assert!(seen_all, "ok {ok}, 503 {unavailable}, dropped {dropped}");
    assert_eq!(c.accepted_span_count(), ok);
    assert_eq!(c.distinct_accepted_count(), 1, "every span had msg_id x");
    assert_eq!(c.request_count(), ok + unavailable + dropped);
}

#[test]
fn flapping_is_the_issue_schedule_from_the_start() {
    let c = Collector::flapping();
    assert_eq!(
        lock(&c.shared.behavior).0,
        Behavior::Schedule(Schedule::flapping())
    );
}

#[test]
fn stalled_http_requests_are_in_flight_until_the_collector_goes() {
    let c = Collector::with_behavior(Behavior::Stall);
    let addr = c.addr();
    let clients: Vec<_> = (0..3)
        .map(|i| std::thread::spawn(move || post(addr, &[&format!("m{i}")])))
        .collect();
    assert!(wait_until(WAIT, || c.in_flight() == 3), "{}", c.in_flight());
    assert_eq!(c.max_in_flight(), 3);
    c.set_behavior(Behavior::Ok);
    assert_eq!(status_of(&post(addr, &["late"])), Some(200));
    assert_eq!(c.in_flight(), 3, "the late request was answered");
    assert_eq!(
        c.max_in_flight(),
        4,
        "it was in flight beside the stalled ones"
    );
    drop(c);
    for client in clients {
        assert!(client.join().expect("client").is_empty());
    }
}

#[test]
fn retain_off_counts_without_keeping() {
    let c = Collector::start();
    c.set_retain(false);
    assert_eq!(status_of(&post(c.addr(), &["a", "b"])), Some(200));
    assert_eq!(status_of(&post(c.addr(), &["a"])), Some(200));
    assert_eq!(c.request_count(), 2);
    assert_eq!(c.answered_count(), 2);
    assert_eq!(c.accepted_span_count(), 3);
    assert_eq!(c.distinct_accepted_count(), 2);
    assert!(c.requests().is_empty() && c.accepted_spans().is_empty());
}

fn grpc_shipper(c: &Collector) -> Shipper {
    let config = Config::builder()
        .api_key("test-key")
        .export(Export::Otlp(OtlpSettings::new(
            c.endpoint(),
            OtlpProtocol::Grpc,
        )))
        .shipper(fast_settings())
        .build()
        .expect("config");
    Shipper::start(config).expect("shipper")
}

#[test]
fn grpc_counts_in_flight_calls_and_answers_a_drop_unavailable() {
    let c = Collector::grpc_with_behavior(Behavior::DropConnection);
    c.push_next(Behavior::Stall);
    let shipper = grpc_shipper(&c);
    shipper.enqueue(small(1));
    assert!(wait_until(WAIT, || c.in_flight() == 1));
    assert_eq!(c.max_in_flight(), 1);
    // The stalled attempt times out (fast_settings: 500 ms) and the client gives up the
    // call, which ends it on the server; the retry is answered `Unavailable`.
    assert!(wait_until(WAIT, || c
        .requests()
        .iter()
        .any(|r| r.answered == Some(503))));
    assert!(wait_until(WAIT, || c.in_flight() == 0));
    assert_eq!(
        c.requests()[0].answered,
        None,
        "the stalled call was never answered"
    );
    let _ = shipper.shutdown(Duration::from_millis(100));
}
