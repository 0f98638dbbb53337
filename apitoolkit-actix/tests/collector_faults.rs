//! Collector faults through a real actix-web app (`APIToolkit` middleware, OTLP over
//! HTTP/protobuf to an in-test collector): down, then black-holed. The app's responses
//! are unchanged and never wait on the export (every request completes while the
//! exporter is stuck on an attempt that has not finished), the queue stays within its
//! limits, losses are counted by reason, and records sent after recovery arrive.

mod support;

use std::time::Duration;

use actix_web::{web, HttpResponse};
use apitoolkit_core::ShipperStats;
use apitoolkit_testkit::{endpoint_of, unused_addr, Behavior, Collector};
use support::{accounted, client, fast_settings, otlp_to, wait_for, TestApp};

const WAIT: Duration = Duration::from_secs(15);

async fn hello(name: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().body(format!("hello {name}"))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/hello/{name}", web::get().to(hello));
}

/// `GET /hello/{name}`: asserts the response is exactly what the app answers.
async fn hit(app: &TestApp, client: &reqwest::Client, name: &str) {
    let res = client
        .get(app.url(&format!("/hello/{name}")))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), format!("hello {name}"));
}

/// `n` concurrent requests named `{tag}-{i}`; returns once every one has completed.
async fn burst(app: &TestApp, n: usize, tag: &str) {
    let client = client();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let client = client.clone();
            let name = format!("{tag}-{i}");
            let url = app.url(&format!("/hello/{name}"));
            actix_web::rt::spawn(async move {
                let res = client.get(url).send().await.expect("request");
                assert_eq!(res.status(), 200);
                assert_eq!(res.text().await.expect("body"), format!("hello {name}"));
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("request task");
    }
}

/// Waits until the shipper has seen exactly `n` records.
async fn enqueued(app: &TestApp, n: u64) -> ShipperStats {
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

/// Drains the queue, then sends `n` requests `after-{i}`, each flushed before the next,
/// and asserts the collector accepted each record exactly once. (Flushing blocks this
/// thread; the server runs on its own worker thread.)
async fn delivery_resumes(app: &TestApp, collector: &Collector, n: usize) {
    assert!(app.shipper.flush(WAIT), "drain: {:?}", app.shipper.stats());
    let client = client();
    for i in 0..n {
        let before = app.shipper.stats().enqueued;
        hit(app, &client, &format!("after-{i}")).await;
        enqueued(app, before + 1).await;
        assert!(app.shipper.flush(WAIT), "{:?}", app.shipper.stats());
    }
    let spans = collector.accepted_spans();
    for i in 0..n {
        let target = format!("/hello/after-{i}");
        let count = spans.iter().filter(|s| s.target() == target).count();
        assert_eq!(count, 1, "{target} delivered {count} times");
    }
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
}

#[actix_web::test]
async fn collector_down_loses_by_reason_and_delivery_resumes_when_it_is_back() {
    let addr = unused_addr();
    let mut settings = fast_settings();
    settings.queue_max_items = 2;
    settings.batch_max_records = 1;
    let app = TestApp::spawn(routes, otlp_to(endpoint_of(addr), settings)).await;

    let mut sent = 0u64;
    for round in 0..50 {
        burst(&app, 16, &format!("down{round}")).await;
        sent += 16;
        if app.shipper.stats().dropped_queue_full > 0 {
            break;
        }
    }
    enqueued(&app, sent).await;
    assert!(app.shipper.flush(WAIT), "{:?}", app.shipper.stats());
    let s = app.shipper.stats();
    assert_eq!(s.exported, 0, "{s:?}");
    assert!(s.dropped_queue_full > 0, "tiny queue overflowed: {s:?}");
    assert!(s.dropped_export_failed > 0, "{s:?}");
    assert_eq!(s.failed_exports, 3 * s.dropped_export_failed, "{s:?}");
    assert_eq!(s.retries, 2 * s.dropped_export_failed, "{s:?}");
    assert_eq!(accounted(&s), s.enqueued, "{s:?}");

    let collector = Collector::start_at(addr);
    delivery_resumes(&app, &collector, 3).await;
}

#[actix_web::test]
async fn black_holed_collector_never_delays_requests_and_the_queue_stays_bounded() {
    let collector = Collector::with_behavior(Behavior::BlackHole);
    let mut settings = fast_settings();
    settings.queue_max_items = 4;
    settings.batch_max_records = 2;
    settings.export_timeout = Duration::from_secs(3);
    let app = TestApp::spawn(routes, otlp_to(collector.endpoint(), settings)).await;

    hit(&app, &client(), "first").await;
    assert!(
        wait_for(WAIT, || collector.connection_count() >= 1).await,
        "the exporter never connected"
    );
    burst(&app, 24, "stuck").await;
    let s = enqueued(&app, 25).await;
    assert_eq!((s.exported, s.failed_exports), (0, 0), "{s:?}");
    assert!(s.enqueued - s.dropped_queue_full <= 4, "{s:?}");
    assert!(s.dropped_queue_full >= 21, "{s:?}");

    collector.set_behavior(Behavior::Ok);
    delivery_resumes(&app, &collector, 3).await;
    let s = app.shipper.stats();
    assert!(s.failed_exports >= 1 && s.retries >= 1, "{s:?}");
    assert_eq!(s.dropped_export_failed, 0, "the retry succeeded: {s:?}");
    assert_eq!(s.exported, s.enqueued - s.dropped_queue_full, "{s:?}");
}
