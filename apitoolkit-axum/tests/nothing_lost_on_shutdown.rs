//! Nothing is lost on graceful shutdown (SPEC §8): 200 concurrent requests, each making
//! an outgoing call (`Observer::observe_request()`) to another route of the same app,
//! then `axum::serve(..).with_graceful_shutdown(..)` and `shipper.shutdown(..)` with the
//! collector up. Exactly 400 incoming and 200 outgoing records are delivered, each
//! outgoing one linked to the incoming request that made it; checked with the callback
//! exporter and with OTLP/HTTP to an in-test collector.
#![cfg(feature = "client")]

mod support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use apitoolkit_axum::{APIToolkitLayer, Observer};
use apitoolkit_core::{Config, SdkType, Shipper, ShipperStats};
use apitoolkit_testkit::CapturedRecords;
use apitoolkit_testkit::Collector;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use support::{client, fast_settings, otlp_to, shutdown};

const TASKS: usize = 8;
const PER_TASK: usize = 25;
const N: usize = TASKS * PER_TASK;

/// `/work/{i}` calls `/leaf/{i}` of the same app through the observed client.
async fn work(observer: Observer, Path(i): Path<usize>, headers: HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let res = observer
        .observe_request()
        .get(format!("http://{host}/leaf/{i}"))
        .send()
        .await
        .expect("outgoing call");
    let leaf = res.text().await.expect("leaf body");
    format!("work {i}: {leaf}")
}

fn routes() -> Router {
    Router::new().route("/work/{i}", get(work)).route(
        "/leaf/{i}",
        get(|Path(i): Path<usize>| async move { format!("leaf {i}") }),
    )
}

/// Serves `layer`, runs the N requests, shuts the server down gracefully, then the
/// shipper; returns the final stats.
async fn run(layer: APIToolkitLayer) -> ShipperStats {
    let shipper: Shipper = layer.shipper().expect("enabled").clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, routes().layer(layer))
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
            .expect("serve");
    });

    let client = client();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                for j in 0..PER_TASK {
                    let i = t * PER_TASK + j;
                    let res = client
                        .get(format!("http://{addr}/work/{i}"))
                        .send()
                        .await
                        .expect("request");
                    assert_eq!(res.status(), 200);
                    assert_eq!(
                        res.text().await.expect("body"),
                        format!("work {i}: leaf {i}")
                    );
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("client task");
    }
    drop(client);

    let _ = stop_tx.send(());
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("graceful shutdown finished")
        .expect("server task");
    assert!(
        shutdown(&shipper, Duration::from_secs(20)).await,
        "shipper shutdown: {:?}",
        shipper.stats()
    );
    let s = shipper.stats();
    assert_eq!(s.enqueued, 3 * N as u64, "{s:?}");
    assert_eq!(s.exported, 3 * N as u64, "nothing lost: {s:?}");
    assert_eq!(
        s.dropped_queue_full + s.dropped_export_failed + s.dropped_too_large + s.dropped_shutdown,
        0,
        "{s:?}"
    );
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_delivers_every_record_to_the_callback() {
    let captured = CapturedRecords::new();
    let config = captured.config_builder().build().expect("config");
    run(APIToolkitLayer::new(config).expect("layer")).await;

    let records = captured.records();
    assert_eq!(records.len(), 3 * N);
    let ids: HashSet<&str> = records.iter().map(|r| r.msg_id.as_str()).collect();
    assert_eq!(ids.len(), 3 * N, "msg_ids are unique");

    let mut work = HashMap::new();
    let mut leaves = HashSet::new();
    let mut outgoing = HashMap::new();
    for r in &records {
        match (r.sdk_type, r.raw_url.split('/').nth(1)) {
            (SdkType::RustAxum, Some("work")) => {
                assert_eq!(r.parent_id, None);
                assert!(work.insert(r.raw_url.clone(), r.msg_id.clone()).is_none());
            }
            (SdkType::RustAxum, Some("leaf")) => {
                assert_eq!(r.parent_id, None);
                assert!(leaves.insert(r.raw_url.clone()));
            }
            (SdkType::RustOutgoing, Some("leaf")) => {
                let parent = r.parent_id.clone().expect("outgoing has a parent");
                assert!(outgoing.insert(r.raw_url.clone(), parent).is_none());
            }
            _ => panic!("unexpected record: {r:#?}"),
        }
    }
    assert_eq!((work.len(), leaves.len(), outgoing.len()), (N, N, N));
    for i in 0..N {
        let parent = &work[&format!("/work/{i}")];
        assert_eq!(
            &outgoing[&format!("/leaf/{i}")],
            parent,
            "the call to /leaf/{i} is linked to /work/{i}"
        );
        assert!(leaves.contains(&format!("/leaf/{i}")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_delivers_every_record_to_an_otlp_collector() {
    let collector = Collector::start();
    let mut settings = fast_settings();
    settings.export_timeout = Duration::from_secs(5);
    let config = otlp_to(collector.endpoint(), settings)(Config::builder())
        .build()
        .expect("config");
    let s = run(APIToolkitLayer::new(config).expect("layer")).await;

    let spans = collector.accepted_spans();
    assert_eq!(
        spans.len() as u64,
        s.exported,
        "exactly the exported records"
    );
    assert_eq!(spans.len(), 3 * N);
    let ids: HashSet<&str> = spans.iter().map(|s| s.msg_id()).collect();
    assert_eq!(ids.len(), 3 * N, "no duplicates");

    let by_target = |sdk: &str| -> HashMap<&str, &apitoolkit_testkit::ReceivedSpan> {
        spans
            .iter()
            .filter(|s| s.sdk_type() == sdk)
            .map(|s| (s.target(), s))
            .collect()
    };
    let incoming = by_target("RustAxum");
    let outgoing = by_target("RustOutgoing");
    assert_eq!((incoming.len(), outgoing.len()), (2 * N, N));
    for i in 0..N {
        let parent = incoming[format!("/work/{i}").as_str()];
        let leaf = incoming[format!("/leaf/{i}").as_str()];
        let call = outgoing[format!("/leaf/{i}").as_str()];
        assert_eq!(
            (parent.kind, leaf.kind, call.kind),
            (2, 2, 3),
            "server/client"
        );
        assert_eq!((parent.parent_id(), leaf.parent_id()), ("", ""));
        assert!(parent.parent_span_id.is_empty());
        assert_eq!(call.parent_id(), parent.msg_id());
        assert_eq!(call.parent_span_id, parent.span_id, "parent span");
        assert_eq!(call.trace_id, parent.trace_id, "same trace");
    }
}
