//! Collector faults through a real app (OTLP over HTTP/protobuf to an in-test
//! collector): down, black-holed, stalled, slow, 500 then recovering, 429 with
//! `Retry-After`. For each: the app's responses are unchanged and never wait on the
//! export (asserted structurally: every request completes while the exporter is stuck on
//! an attempt that has not finished), the queue stays within its limits (`enqueued -
//! drops` never exceeds `queue_max_items`), losses are counted by reason, and records
//! sent after recovery reach the collector exactly once.

use std::time::Duration;

use apitoolkit_core::ShipperStats;

use super::{client, flush, shutdown, Adapter, RunningApp};
use crate::{
    accounted, endpoint_of, fast_settings, otlp_to, unused_addr, wait_for, Behavior, Collector,
};

const WAIT: Duration = Duration::from_secs(15);

/// `GET /hello/{name}`: asserts the response is exactly what the app answers.
async fn hit(app: &RunningApp, client: &reqwest::Client, name: &str) {
    let res = client
        .get(app.url(&format!("/hello/{name}")))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), format!("Hello, {name}!"));
}

/// `n` concurrent requests named `{tag}-{i}`; returns once every one has completed.
async fn burst(app: &RunningApp, n: usize, tag: &str) {
    let client = client();
    let url = app.url("");
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let client = client.clone();
            let url = url.clone();
            let name = format!("{tag}-{i}");
            tokio::spawn(async move {
                let res = client
                    .get(format!("{url}/hello/{name}"))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(res.status(), 200);
                assert_eq!(res.text().await.expect("body"), format!("Hello, {name}!"));
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("request task");
    }
}

/// Waits until the shipper has seen `n` records (each is enqueued when its response
/// body ends, which may be just after the client has read it).
async fn enqueued(app: &RunningApp, n: u64) -> ShipperStats {
    let shipper = app.shipper.clone();
    assert!(
        wait_for(WAIT, || shipper.stats().enqueued >= n).await,
        "expected {n} enqueued: {:?}",
        shipper.stats()
    );
    let s = app.shipper.stats();
    assert_eq!(s.enqueued, n, "one record per request: {s:?}");
    s
}

/// Drains the queue, then sends `n` requests `after-{i}`, each flushed before the next (so that a tiny queue
/// does not overflow), and asserts the collector accepted each record exactly once.
async fn delivery_resumes(app: &RunningApp, collector: &Collector, n: usize) {
    // First let what was queued during the fault drain (delivered or counted lost).
    assert!(
        flush(&app.shipper, WAIT).await,
        "drain after recovery: {:?}",
        app.shipper.stats()
    );
    let client = client();
    for i in 0..n {
        let before = app.shipper.stats().enqueued;
        hit(app, &client, &format!("after-{i}")).await;
        enqueued(app, before + 1).await;
        assert!(
            flush(&app.shipper, WAIT).await,
            "flush after recovery: {:?}",
            app.shipper.stats()
        );
    }
    let spans = collector.accepted_spans();
    for i in 0..n {
        let target = format!("/hello/after-{i}");
        let count = spans.iter().filter(|s| s.target() == target).count();
        assert_eq!(count, 1, "{target} delivered {count} times");
    }
}

/// Final accounting: every record is exported or counted lost by reason, and the
/// collector accepted exactly the exported ones.
fn assert_accounted(app: &RunningApp, collector: &Collector) -> ShipperStats {
    let s = app.shipper.stats();
    assert_eq!(
        accounted(&s),
        s.enqueued,
        "every record accounted for: {s:?}"
    );
    assert_eq!(
        collector.accepted_span_count() as u64,
        s.exported,
        "the collector received exactly the exported records: {s:?}"
    );
    s
}

/// Connections refused: bursts overflow a tiny queue, every loss is counted by reason,
/// and delivery resumes once a collector listens on the address.
pub async fn collector_down_loses_by_reason_and_delivery_resumes_when_it_is_back<A: Adapter>() {
    let addr = unused_addr();
    let mut settings = fast_settings();
    settings.queue_max_items = 2;
    settings.batch_max_records = 1;
    let max_items = settings.queue_max_items as u64;
    let app = A::spawn(Box::new(otlp_to(endpoint_of(addr), settings))).await;

    // Connections are refused: each batch fails fast but is retried with back-off, so
    // bursts overflow the tiny queue; every response is still the app's own.
    let mut sent = 0u64;
    for round in 0..50 {
        burst(&app, 16, &format!("down{round}")).await;
        sent += 16;
        let s = app.shipper.stats();
        let in_queue = s.enqueued - accounted(&s);
        assert!(in_queue <= max_items + 16, "queue over its limit: {s:?}");
        if s.dropped_queue_full > 0 {
            break;
        }
    }
    enqueued(&app, sent).await;
    assert!(flush(&app.shipper, WAIT).await, "{:?}", app.shipper.stats());
    let s = app.shipper.stats();
    assert_eq!(s.exported, 0, "{s:?}");
    assert!(s.dropped_queue_full > 0, "tiny queue overflowed: {s:?}");
    assert!(s.dropped_export_failed > 0, "{s:?}");
    assert!(s.enqueued - s.dropped_queue_full >= s.dropped_export_failed);
    // Three attempts per batch (a batch holds one or two records: the queue holds two).
    assert_eq!(2 * s.failed_exports, 3 * s.retries, "{s:?}");
    assert!(s.failed_exports <= 3 * s.dropped_export_failed, "{s:?}");
    assert!(2 * s.failed_exports >= 3 * s.dropped_export_failed, "{s:?}");
    assert_eq!(accounted(&s), s.enqueued, "{s:?}");

    // The collector comes up on the same address: new records arrive.
    let collector = Collector::start_at(addr);
    delivery_resumes(&app, &collector, 5).await;
    let s = assert_accounted(&app, &collector);
    assert!(s.exported >= 5, "{s:?}");
}

/// A collector that never answers at the TCP level: requests go on, the queue stays
/// bounded, and the stuck batch is retried once it answers.
pub async fn black_holed_collector_never_delays_requests_and_the_queue_stays_bounded<A: Adapter>() {
    let collector = Collector::with_behavior(Behavior::BlackHole);
    let mut settings = fast_settings();
    settings.queue_max_items = 4;
    settings.batch_max_records = 2;
    settings.export_timeout = Duration::from_secs(3);
    let app = A::spawn(Box::new(otlp_to(collector.endpoint(), settings))).await;

    // First record: the exporter connects and hangs on the black hole.
    hit(&app, &client(), "first").await;
    assert!(
        wait_for(WAIT, || collector.connection_count() >= 1).await,
        "the exporter never connected"
    );
    // While it hangs, a burst of requests all completes...
    burst(&app, 24, "stuck").await;
    let s = enqueued(&app, 25).await;
    // ...before the stuck attempt has even timed out: nothing waited on the export.
    assert_eq!((s.exported, s.failed_exports), (0, 0), "{s:?}");
    // Memory is bounded: at most `queue_max_items` records were accepted.
    assert!(s.enqueued - s.dropped_queue_full <= 4, "{s:?}");
    assert!(s.dropped_queue_full >= 21, "{s:?}");

    // Recovery: new connections are answered; the stuck batch is retried.
    collector.set_behavior(Behavior::Ok);
    delivery_resumes(&app, &collector, 3).await;
    let s = assert_accounted(&app, &collector);
    assert!(
        s.failed_exports >= 1 && s.retries >= 1,
        "timed out, retried: {s:?}"
    );
    assert_eq!(s.dropped_export_failed, 0, "the retry succeeded: {s:?}");
    assert_eq!(s.exported, s.enqueued - s.dropped_queue_full, "{s:?}");
}

/// A collector that stalls at the HTTP level: requests go on, and a shutdown gives up at
/// its deadline, counting what it could not deliver.
pub async fn stalled_collector_never_delays_requests_and_shutdown_counts_the_loss<A: Adapter>() {
    let collector = Collector::with_behavior(Behavior::Stall);
    let mut settings = fast_settings();
    settings.queue_max_items = 4;
    settings.batch_max_records = 2;
    // Longer than any run of this test, however loaded the machine: the first export
    // must still be stuck when the shutdown starts (with 5 s, one slow run saw it time
    // out first and the shutdown finish in time).
    settings.export_timeout = Duration::from_secs(120);
    let app = A::spawn(Box::new(otlp_to(collector.endpoint(), settings))).await;

    hit(&app, &client(), "first").await;
    assert!(
        wait_for(WAIT, || collector.request_count() >= 1).await,
        "the exporter never sent"
    );
    burst(&app, 24, "stalled").await;
    let s = enqueued(&app, 25).await;
    assert_eq!(
        collector.answered_count(),
        0,
        "the collector answered nothing"
    );
    assert_eq!((s.exported, s.failed_exports), (0, 0), "{s:?}");
    assert!(s.enqueued - s.dropped_queue_full <= 4, "{s:?}");

    // A shutdown while the collector is stuck does not hang: it gives up at its
    // deadline and counts what it could not deliver.
    assert!(!shutdown(&app.shipper, Duration::from_millis(300)).await);
    let s = assert_accounted(&app, &collector);
    assert_eq!(s.exported, 0, "{s:?}");
    assert_eq!(
        s.dropped_export_failed + s.dropped_shutdown,
        s.enqueued - s.dropped_queue_full,
        "{s:?}"
    );
    assert!(s.dropped_export_failed >= 1, "the stuck batch: {s:?}");
}

/// A collector that answers after 2 s: requests go on, overflow is counted, and what
/// was accepted is delivered (slow is not failed).
pub async fn slow_collector_never_delays_requests_and_overflow_is_counted<A: Adapter>() {
    let collector = Collector::with_behavior(Behavior::Delay(Duration::from_secs(2)));
    let mut settings = fast_settings();
    settings.queue_max_items = 4;
    settings.batch_max_records = 2;
    settings.export_timeout = Duration::from_secs(5);
    let app = A::spawn(Box::new(otlp_to(collector.endpoint(), settings))).await;

    hit(&app, &client(), "first").await;
    assert!(
        wait_for(WAIT, || collector.request_count() >= 1).await,
        "the exporter never sent"
    );
    burst(&app, 24, "slow").await;
    let s = enqueued(&app, 25).await;
    assert_eq!(
        collector.answered_count(),
        0,
        "requests did not wait for it"
    );
    assert_eq!((s.exported, s.failed_exports), (0, 0), "{s:?}");
    assert!(s.enqueued - s.dropped_queue_full <= 4, "{s:?}");
    assert!(s.dropped_queue_full >= 21, "{s:?}");

    // Slow is not failed: what was accepted is delivered, then the collector speeds up.
    collector.set_behavior(Behavior::Ok);
    delivery_resumes(&app, &collector, 3).await;
    let s = assert_accounted(&app, &collector);
    assert_eq!((s.failed_exports, s.dropped_export_failed), (0, 0), "{s:?}");
    assert_eq!(s.exported, s.enqueued - s.dropped_queue_full, "{s:?}");
}

/// A collector answering 500: retried without loss, then counted as export failures,
/// then recovered.
pub async fn collector_answering_500_loses_by_reason_then_recovers<A: Adapter>() {
    let collector = Collector::start();
    let app = A::spawn(Box::new(otlp_to(collector.endpoint(), fast_settings()))).await;
    let client = client();

    // Two 500s, then 200: the first batch is retried and nothing is lost.
    collector.push_next(Behavior::Status(500));
    collector.push_next(Behavior::Status(500));
    for i in 0..5 {
        hit(&app, &client, &format!("retried-{i}")).await;
    }
    enqueued(&app, 5).await;
    assert!(flush(&app.shipper, WAIT).await, "{:?}", app.shipper.stats());
    let s = assert_accounted(&app, &collector);
    assert_eq!(s.exported, 5, "{s:?}");
    assert_eq!((s.failed_exports, s.retries), (2, 2), "{s:?}");
    assert_eq!(accounted(&s) - s.exported, 0, "nothing lost: {s:?}");
    let answers: Vec<_> = collector.requests().iter().map(|r| r.answered).collect();
    assert_eq!(answers[..3], [Some(500), Some(500), Some(200)]);

    // 500 on every attempt: the records are counted as export failures.
    collector.set_behavior(Behavior::Status(500));
    for i in 0..4 {
        hit(&app, &client, &format!("lost-{i}")).await;
    }
    enqueued(&app, 9).await;
    assert!(flush(&app.shipper, WAIT).await, "{:?}", app.shipper.stats());
    let s = assert_accounted(&app, &collector);
    assert_eq!((s.exported, s.dropped_export_failed), (5, 4), "{s:?}");
    assert_eq!(s.dropped_queue_full + s.dropped_shutdown, 0, "{s:?}");

    // Recovered.
    collector.set_behavior(Behavior::Ok);
    delivery_resumes(&app, &collector, 3).await;
    let s = assert_accounted(&app, &collector);
    assert_eq!((s.exported, s.dropped_export_failed), (8, 4), "{s:?}");
}

/// A 429 with `Retry-After: 2`: the retry waits 2 s; requests go on meanwhile, and so do
/// the exports of later batches (a batch waiting for its retry holds up no other).
pub async fn too_many_requests_with_retry_after_is_honoured_without_delaying_requests<
    A: Adapter,
>() {
    let collector = Collector::start();
    let mut settings = fast_settings();
    // Retry-After is capped by max_backoff: let 2 s through.
    settings.max_backoff = Duration::from_secs(5);
    let app = A::spawn(Box::new(otlp_to(collector.endpoint(), settings))).await;
    collector.push_next(Behavior::TooManyRequests {
        retry_after: "2".into(),
    });

    hit(&app, &client(), "first").await;
    assert!(
        wait_for(WAIT, || collector.answered_count() >= 1).await,
        "the exporter never sent"
    );
    // The shipper now waits 2 s before retrying; requests go on meanwhile.
    burst(&app, 10, "throttled").await;
    enqueued(&app, 11).await;
    assert!(
        wait_for(WAIT, || collector.accepted_span_count() >= 10).await,
        "later batches were not exported while the retry waited: {:?}",
        app.shipper.stats()
    );

    assert!(flush(&app.shipper, WAIT).await, "{:?}", app.shipper.stats());
    let s = assert_accounted(&app, &collector);
    assert_eq!(s.exported, 11, "{s:?}");
    assert_eq!((s.failed_exports, s.retries), (1, 1), "{s:?}");
    let requests = collector.requests();
    assert_eq!(requests[0].answered, Some(429));
    let span_ids = |r: &crate::ExportRequest| -> Vec<Vec<u8>> {
        r.request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| s.span_id.clone())
            .collect()
    };
    let first = span_ids(&requests[0]);
    let retry = requests
        .iter()
        .skip(1)
        .find(|r| span_ids(r) == first)
        .expect("the throttled batch was sent again");
    let later = requests
        .iter()
        .skip(1)
        .filter(|r| span_ids(r) != first)
        .map(|r| r.arrived)
        .min()
        .expect("later batches");
    assert!(later < retry.arrived, "later batches waited for the retry");
    let waited = retry.arrived - requests[0].arrived;
    assert!(
        waited >= Duration::from_millis(1900),
        "retried after {waited:?}, not after Retry-After: 2"
    );
}
