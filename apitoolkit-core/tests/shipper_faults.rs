//! The shipper against a failing collector: refused connections, 5xx then success, 429
//! with `Retry-After`, permanent 4xx, and black holes. Enqueue must stay non-blocking,
//! losses and retries must be counted, and delivery must resume after recovery.

use std::time::{Duration, Instant};

use apitoolkit_core::{Config, OtlpProtocol, Shipper, ShipperSettings};
use apitoolkit_testkit::{
    accounted, dead_endpoint, small, wait_until, Behavior, Collector, ExportRequest,
};

fn settings() -> ShipperSettings {
    let mut s = ShipperSettings::default();
    s.max_attempts = 3;
    s.initial_backoff = Duration::from_millis(10);
    s.max_backoff = Duration::from_millis(50);
    s.export_timeout = Duration::from_secs(5);
    s.batch_interval = Duration::from_millis(10);
    s
}

fn shipper(endpoint: String, protocol: OtlpProtocol, s: ShipperSettings) -> Shipper {
    let config = Config::builder()
        .api_key("fault-key")
        .otlp_endpoint(endpoint)
        .otlp_protocol(protocol)
        .shipper(s)
        .build_with_env(|_| None)
        .expect("config");
    Shipper::start(config).expect("a dead collector is not a start-up error")
}

fn refused(protocol: OtlpProtocol) {
    let shipper = shipper(dead_endpoint(), protocol, settings());
    for i in 0..5 {
        shipper.enqueue(small(i));
    }
    assert!(
        shipper.flush(Duration::from_secs(30)).is_ok(),
        "{:?}",
        shipper.stats()
    );
    let s = shipper.stats();
    assert_eq!(s.exported, 0);
    assert_eq!(s.dropped_export_failed, 5, "{s:?}");
    assert_eq!(s.failed_exports, 3, "three attempts: {s:?}");
    assert_eq!(s.retries, 2, "{s:?}");
    assert_eq!(accounted(&s), s.enqueued);
}

#[test]
fn http_connection_refused_is_retried_then_counted() {
    refused(OtlpProtocol::HttpProtobuf);
}

#[test]
fn grpc_connection_refused_is_retried_then_counted() {
    refused(OtlpProtocol::Grpc);
}

/// The receiver fails the first export retryably and accepts the second: three records
/// are delivered after one retry, the same batch sent twice. Returns both requests.
fn retried_once_then_delivered(receiver: &Collector, protocol: OtlpProtocol) -> Vec<ExportRequest> {
    let shipper = shipper(receiver.endpoint(), protocol, settings());
    for i in 0..3 {
        shipper.enqueue(small(i));
    }
    assert!(shipper.flush(Duration::from_secs(30)).is_ok());
    let s = shipper.stats();
    assert_eq!(
        (s.exported, s.retries, s.failed_exports),
        (3, 1, 1),
        "{s:?}"
    );
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests.iter().all(|r| r.spans == 3),
        "the same batch twice"
    );
    requests
}

/// The receiver refuses every export for good: both records are counted lost after a
/// single attempt.
fn refused_for_good(receiver: &Collector, protocol: OtlpProtocol) {
    let shipper = shipper(receiver.endpoint(), protocol, settings());
    shipper.enqueue(small(1));
    shipper.enqueue(small(2));
    assert!(shipper.flush(Duration::from_secs(30)).is_ok());
    let s = shipper.stats();
    assert_eq!(
        (s.dropped_export_failed, s.retries, s.failed_exports),
        (2, 0, 1),
        "{s:?}"
    );
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn server_error_then_success_delivers_after_a_retry() {
    let receiver = Collector::start();
    receiver.push_next(Behavior::Status(500));
    retried_once_then_delivered(&receiver, OtlpProtocol::HttpProtobuf);
}

#[test]
fn too_many_requests_honours_retry_after() {
    let receiver = Collector::start();
    receiver.push_next(Behavior::TooManyRequests {
        retry_after: "1".to_owned(),
    });
    let mut s = settings();
    s.max_backoff = Duration::from_secs(10);
    let shipper = shipper(receiver.endpoint(), OtlpProtocol::HttpProtobuf, s);
    let started = Instant::now();
    shipper.enqueue(small(1));
    assert!(shipper.flush(Duration::from_secs(30)).is_ok());
    // A lower bound only: the retry cannot have come before the requested second.
    assert!(started.elapsed() >= Duration::from_secs(1));
    let s = shipper.stats();
    assert_eq!((s.exported, s.retries), (1, 1), "{s:?}");
    assert_eq!(receiver.requests().len(), 2);
}

#[test]
fn retry_after_is_capped_by_max_backoff() {
    let receiver = Collector::start();
    receiver.push_next(Behavior::RetryAfter {
        status: 503,
        retry_after: "3600".to_owned(),
    });
    let shipper = shipper(receiver.endpoint(), OtlpProtocol::HttpProtobuf, settings());
    shipper.enqueue(small(1));
    assert!(
        shipper.flush(Duration::from_secs(30)).is_ok(),
        "{:?}",
        shipper.stats()
    );
    assert_eq!(shipper.stats().exported, 1);
}

#[test]
fn client_error_is_permanent() {
    let receiver = Collector::with_behavior(Behavior::Status(400));
    refused_for_good(&receiver, OtlpProtocol::HttpProtobuf);
}

#[test]
fn grpc_unavailable_then_ok_delivers_after_a_retry() {
    // 503 answers the gRPC code `Unavailable`.
    let receiver = Collector::grpc();
    receiver.push_next(Behavior::Status(503));
    let requests = retried_once_then_delivered(&receiver, OtlpProtocol::Grpc);
    assert_eq!(requests[0].raw, requests[1].raw, "byte for byte");
}

#[test]
fn grpc_permission_denied_is_permanent() {
    // 403 answers the gRPC code `PermissionDenied`.
    let receiver = Collector::grpc_with_behavior(Behavior::Status(403));
    refused_for_good(&receiver, OtlpProtocol::Grpc);
}

#[test]
fn flush_deadline_cuts_retries_short() {
    let mut s = settings();
    s.max_attempts = 1000;
    s.initial_backoff = Duration::from_secs(5);
    s.max_backoff = Duration::from_secs(5);
    let shipper = shipper(dead_endpoint(), OtlpProtocol::HttpProtobuf, s);
    shipper.enqueue(small(1));
    assert!(shipper.flush(Duration::from_millis(300)).is_err());
    assert!(
        wait_until(Duration::from_secs(10), || shipper
            .stats()
            .dropped_export_failed
            == 1),
        "{:?}",
        shipper.stats()
    );
    // The worker is free again: a later flush completes.
    assert!(shipper.flush(Duration::from_secs(10)).is_ok());
}

#[test]
fn black_hole_http_does_not_block_enqueue_and_delivery_resumes() {
    // Requests are read and never answered, until recovery.
    let receiver = Collector::with_behavior(Behavior::Stall);
    let mut s = settings();
    s.export_timeout = Duration::from_millis(200);
    s.max_attempts = 2;
    s.queue_max_items = 100;
    s.batch_max_records = 10;
    let shipper = shipper(receiver.endpoint(), OtlpProtocol::HttpProtobuf, s);

    // The exporter is stuck on the first batch; 10 000 enqueues still complete.
    shipper.enqueue(small(0));
    assert!(wait_until(Duration::from_secs(10), || !receiver
        .requests()
        .is_empty()));
    for i in 0..10_000 {
        shipper.enqueue(small(i));
    }
    let s = shipper.stats();
    assert_eq!(s.enqueued, 10_001);
    assert!(s.dropped_queue_full > 0, "{s:?}");

    // Recovery.
    receiver.set_behavior(Behavior::Ok);
    assert!(
        shipper.flush(Duration::from_secs(60)).is_ok(),
        "{:?}",
        shipper.stats()
    );
    let before = shipper.stats();
    assert!(
        before.failed_exports > 0 && before.retries > 0,
        "{before:?}"
    );
    for i in 0..5 {
        shipper.enqueue(small(i));
    }
    assert!(shipper.shutdown(Duration::from_secs(30)).is_ok());
    let after = shipper.stats();
    assert_eq!(after.exported, before.exported + 5, "{after:?}");
    assert_eq!(accounted(&after), after.enqueued, "{after:?}");
}

#[test]
fn black_hole_grpc_is_bounded_by_timeouts() {
    let hole = Collector::with_behavior(Behavior::BlackHole);
    let mut s = settings();
    s.export_timeout = Duration::from_millis(200);
    s.max_attempts = 2;
    s.queue_max_items = 100;
    let shipper = shipper(hole.endpoint(), OtlpProtocol::Grpc, s);
    for i in 0..10_000 {
        shipper.enqueue(small(i));
    }
    // Shutdown returns (the deadline cuts the retries); nothing is unaccounted for.
    let _ = shipper.shutdown(Duration::from_millis(800));
    let s = shipper.stats();
    assert_eq!(s.enqueued, 10_000);
    assert_eq!(s.exported, 0);
    assert!(s.dropped_queue_full > 0, "{s:?}");
    assert!(s.dropped_export_failed + s.dropped_shutdown > 0, "{s:?}");
    assert_eq!(accounted(&s), s.enqueued, "{s:?}");
}

/// A collector that accepts the connection and never answers, with an export timeout far
/// longer than the shutdown's: the deadline, not the timeout, bounds the shutdown, and the
/// record in flight is counted lost.
fn shutdown_deadline_cuts_a_stalled_export(protocol: OtlpProtocol) {
    let hole = Collector::with_behavior(Behavior::BlackHole);
    let mut s = settings();
    s.export_timeout = Duration::from_secs(120);
    let shipper = shipper(hole.endpoint(), protocol, s);
    shipper.enqueue(small(1));
    assert!(wait_until(Duration::from_secs(10), || hole
        .connection_count()
        > 0));
    let started = Instant::now();
    let _ = shipper.shutdown(Duration::from_millis(300));
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(30),
        "shutdown waited {took:?}: the 120 s export timeout, not the 300 ms deadline"
    );
    let st = shipper.stats();
    assert_eq!(st.exported, 0, "{st:?}");
    assert_eq!(accounted(&st), 1, "{st:?}");
}

#[test]
fn shutdown_deadline_cuts_a_stalled_http_export() {
    shutdown_deadline_cuts_a_stalled_export(OtlpProtocol::HttpProtobuf);
}

#[test]
fn shutdown_deadline_cuts_a_stalled_grpc_export() {
    shutdown_deadline_cuts_a_stalled_export(OtlpProtocol::Grpc);
}
