//! Nothing is lost on graceful shutdown (docs/PROTOCOL.md §8): 200 concurrent requests, each making
//! an outgoing call (`Observer::observe_request()`) to another route of the same app
//! (`/work/{i}` calls `/leaf/{i}`), then the framework's graceful stop and
//! `shipper.shutdown(..).is_ok()` with the collector up. Exactly 400 incoming and 200 outgoing
//! records are delivered, each outgoing one linked to the incoming request that made it;
//! checked with the callback exporter and with OTLP/HTTP to an in-test collector.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use apitoolkit_core::{SdkType, ShipperStats};

use super::{client, shutdown, Adapter, RunningApp};
use crate::{fast_settings, otlp_to, Collector, ReceivedSpan};

const TASKS: usize = 8;
const PER_TASK: usize = 25;
const N: usize = TASKS * PER_TASK;

/// Runs the N requests on `app`, stops the server gracefully, then shuts the shipper
/// down; returns the final stats.
async fn run(app: &mut RunningApp) -> ShipperStats {
    let addr = app.addr;
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

    app.server.stop_gracefully().await;
    assert!(
        shutdown(&app.shipper, Duration::from_secs(20)).await,
        "shipper shutdown: {:?}",
        app.shipper.stats()
    );
    let s = app.shipper.stats();
    assert_eq!(s.enqueued, 3 * N as u64, "{s:?}");
    assert_eq!(s.exported, 3 * N as u64, "nothing lost: {s:?}");
    assert_eq!(
        s.dropped_queue_full + s.dropped_export_failed + s.dropped_too_large + s.dropped_shutdown,
        0,
        "{s:?}"
    );
    s
}

/// A graceful stop, then `shipper.shutdown(..).is_ok()`: every record reaches the callback
/// exporter, each outgoing one linked to the incoming request that made it.
pub async fn graceful_shutdown_delivers_every_record_to_the_callback<A: Adapter>() {
    let mut app = A::spawn(Box::new(|b| b)).await;
    run(&mut app).await;

    let records = app.captured.records();
    assert_eq!(records.len(), 3 * N);
    let ids: HashSet<&str> = records.iter().map(|r| r.msg_id.as_str()).collect();
    assert_eq!(ids.len(), 3 * N, "msg_ids are unique");

    let mut work = HashMap::new();
    let mut leaves = HashSet::new();
    let mut outgoing = HashMap::new();
    for r in &records {
        match (r.sdk_type, r.raw_url.split('/').nth(1)) {
            (sdk, Some("work")) if sdk == A::SDK_TYPE => {
                assert_eq!(r.parent_id, None);
                assert!(work.insert(r.raw_url.clone(), r.msg_id.clone()).is_none());
            }
            (sdk, Some("leaf")) if sdk == A::SDK_TYPE => {
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

/// A graceful stop, then `shipper.shutdown(..).is_ok()`: every record reaches an OTLP/HTTP
/// collector exactly once, each outgoing span a child of the incoming one that made it.
pub async fn graceful_shutdown_delivers_every_record_to_an_otlp_collector<A: Adapter>() {
    let collector = Collector::start();
    let mut settings = fast_settings();
    settings.export_timeout = Duration::from_secs(5);
    let mut app = A::spawn(Box::new(otlp_to(collector.endpoint(), settings))).await;
    let s = run(&mut app).await;

    let spans = collector.accepted_spans();
    assert_eq!(
        spans.len() as u64,
        s.exported,
        "exactly the exported records"
    );
    assert_eq!(spans.len(), 3 * N);
    let ids: HashSet<&str> = spans.iter().map(|s| s.msg_id()).collect();
    assert_eq!(ids.len(), 3 * N, "no duplicates");

    let by_target = |sdk: &str| -> HashMap<&str, &ReceivedSpan> {
        spans
            .iter()
            .filter(|s| s.sdk_type() == sdk)
            .map(|s| (s.target(), s))
            .collect()
    };
    let incoming = by_target(&format!("{:?}", A::SDK_TYPE));
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
