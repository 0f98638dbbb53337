//! Delivery to a distant collector (issue 21): several batches in flight at once, batches
//! that grow with the backlog, and failed exchanges kept before successful ones when the
//! queue is full.

use std::time::Duration;

use apitoolkit_core::{Config, OtlpProtocol, Shipper, ShipperSettings};
use apitoolkit_testkit::{accounted, small, wait_until, Behavior, Collector};

fn settings() -> ShipperSettings {
    let mut s = ShipperSettings::default();
    s.batch_interval = Duration::from_millis(10);
    s.initial_backoff = Duration::from_millis(10);
    s.max_backoff = Duration::from_millis(50);
    s
}

fn shipper(c: &Collector, protocol: OtlpProtocol, s: ShipperSettings, slots: usize) -> Shipper {
    let config = Config::builder()
        .api_key("concurrency-key")
        .otlp_endpoint(c.endpoint())
        .otlp_protocol(protocol)
        .shipper(s)
        .max_concurrent_exports(slots)
        .build_with_env(|_| None)
        .expect("config");
    Shipper::start(config).expect("start")
}

/// Batches of 10 against a collector that answers after 800 ms: `slots` exports in
/// flight at once, every record delivered.
fn in_flight(protocol: OtlpProtocol, slots: usize) -> u64 {
    let delay = Behavior::Delay(Duration::from_millis(800));
    let collector = match protocol {
        OtlpProtocol::Grpc => Collector::grpc_with_behavior(delay),
        _ => Collector::with_behavior(delay),
    };
    let mut s = settings();
    s.batch_max_records = 10;
    let shipper = shipper(&collector, protocol, s, slots);
    for round in 0..8 {
        for i in 0..10 {
            shipper.enqueue(small(round * 10 + i));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(shipper.shutdown(Duration::from_secs(30)).is_ok());
    let s = shipper.stats();
    assert_eq!(s.exported, 80, "{s:?}");
    assert_eq!(collector.accepted_span_count(), 80);
    assert_eq!(accounted(&s), s.enqueued);
    s.max_in_flight_exports
}

#[test]
fn http_exports_several_batches_at_once() {
    assert_eq!(in_flight(OtlpProtocol::HttpProtobuf, 4), 4);
    assert_eq!(in_flight(OtlpProtocol::HttpProtobuf, 1), 1);
}

#[test]
fn grpc_exports_several_batches_at_once_on_one_channel() {
    assert_eq!(in_flight(OtlpProtocol::Grpc, 3), 3);
}

#[test]
fn batches_grow_while_a_backlog_waits() {
    let collector = Collector::with_behavior(Behavior::Delay(Duration::from_millis(300)));
    let mut s = settings();
    s.batch_max_records = 10;
    let shipper = shipper(&collector, OtlpProtocol::HttpProtobuf, s, 1);
    shipper.enqueue(small(0));
    assert!(wait_until(Duration::from_secs(10), || collector
        .request_count()
        == 1));
    // While the first export is out, 200 records pile up: the next batches are larger.
    for i in 1..=200 {
        shipper.enqueue(small(i));
    }
    assert!(shipper.shutdown(Duration::from_secs(30)).is_ok());
    let sizes: Vec<usize> = collector.requests().iter().map(|r| r.spans).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 201);
    assert_eq!(sizes[0], 1);
    assert!(sizes.iter().all(|&n| n <= 80), "at most 8 x 10: {sizes:?}");
    assert!(
        sizes[1] > 10,
        "the backlog went out in larger batches: {sizes:?}"
    );
    assert!(sizes.len() <= 5, "{sizes:?}");
}

#[test]
fn a_full_queue_keeps_failed_exchanges_and_says_which_kind_it_dropped() {
    let collector = Collector::start();
    let mut s = settings();
    s.queue_max_items = 10;
    s.batch_max_records = 100;
    s.batch_interval = Duration::from_secs(60);
    let shipper = shipper(&collector, OtlpProtocol::HttpProtobuf, s, 1);
    for i in 0..10 {
        shipper.enqueue(small(i));
    }
    for i in 10..15 {
        let mut failed = small(i);
        failed.status = 502;
        shipper.enqueue(failed);
    }
    for i in 15..18 {
        shipper.enqueue(small(i));
    }
    let s = shipper.stats();
    assert_eq!(s.dropped_queue_full, 8, "{s:?}");
    assert_eq!((s.dropped_ok, s.dropped_failed), (8, 0), "{s:?}");
    assert!(shipper.shutdown(Duration::from_secs(10)).is_ok());
    let spans = collector.accepted_spans();
    assert_eq!(spans.len(), 10);
    let failed = spans
        .iter()
        .filter(|s| s.attr("http.response.status_code") == "502")
        .count();
    assert_eq!(failed, 5, "every failed exchange was delivered");
    let s = shipper.stats();
    assert_eq!(accounted(&s), s.enqueued, "{s:?}");
}
