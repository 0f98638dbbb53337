//! Nothing is lost on graceful shutdown (SPEC §8): 200 concurrent requests to an actix
//! server with two workers (two runtimes), each making an outgoing call
//! (`Observer::observe_request()`) to another route of the same app, then
//! `ServerHandle::stop(true)` and `shipper.shutdown(..)` with the collector up. Exactly
//! 400 incoming and 200 outgoing records are delivered, each outgoing one linked to the
//! incoming request that made it; checked with the callback exporter and with OTLP/HTTP
//! to an in-test collector.
#![cfg(feature = "client")]

mod support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use apitoolkit_actix::{APIToolkit, Observer};
use apitoolkit_core::{Config, SdkType, ShipperStats};
use apitoolkit_testkit::CapturedRecords;
use apitoolkit_testkit::{Collector, ReceivedSpan};
use support::{client, fast_settings, otlp_to};

const TASKS: usize = 8;
const PER_TASK: usize = 25;
const N: usize = TASKS * PER_TASK;

/// `/work/{i}` calls `/leaf/{i}` of the same app through the observed client.
async fn work(observer: Observer, req: HttpRequest, i: web::Path<usize>) -> HttpResponse {
    let host = req.connection_info().host().to_owned();
    let res = observer
        .observe_request()
        .get(format!("http://{host}/leaf/{i}"))
        .send()
        .await
        .expect("outgoing call");
    let leaf = res.text().await.expect("leaf body");
    HttpResponse::Ok().body(format!("work {i}: {leaf}"))
}

async fn leaf(i: web::Path<usize>) -> HttpResponse {
    HttpResponse::Ok().body(format!("leaf {i}"))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/work/{i}", web::get().to(work))
        .route("/leaf/{i}", web::get().to(leaf));
}

/// Serves the app, runs the N requests, stops the server gracefully, then shuts the
/// shipper down; returns the final stats.
async fn run(apitoolkit: APIToolkit) -> ShipperStats {
    let shipper = apitoolkit.shipper().expect("enabled").clone();
    let server = HttpServer::new(move || App::new().wrap(apitoolkit.clone()).configure(routes))
        .workers(2)
        .disable_signals()
        .shutdown_timeout(10)
        .bind(("127.0.0.1", 0))
        .expect("bind");
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    let server = actix_web::rt::spawn(server);

    let client = client();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let client = client.clone();
            actix_web::rt::spawn(async move {
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

    handle.stop(true).await;
    server
        .await
        .expect("server task")
        .expect("server stopped cleanly");
    assert!(
        shipper.shutdown(Duration::from_secs(20)),
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

#[actix_web::test]
async fn graceful_stop_delivers_every_record_to_the_callback() {
    let captured = CapturedRecords::new();
    let config = captured.config_builder().build().expect("config");
    run(APIToolkit::new(config).expect("middleware")).await;

    let records = captured.records();
    assert_eq!(records.len(), 3 * N);
    let ids: HashSet<&str> = records.iter().map(|r| r.msg_id.as_str()).collect();
    assert_eq!(ids.len(), 3 * N, "msg_ids are unique");

    let mut work = HashMap::new();
    let mut leaves = HashSet::new();
    let mut outgoing = HashMap::new();
    for r in &records {
        match (r.sdk_type, r.raw_url.split('/').nth(1)) {
            (SdkType::RustActix, Some("work")) => {
                assert_eq!(r.parent_id, None);
                assert!(work.insert(r.raw_url.clone(), r.msg_id.clone()).is_none());
            }
            (SdkType::RustActix, Some("leaf")) => {
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
        assert_eq!(
            &outgoing[&format!("/leaf/{i}")],
            &work[&format!("/work/{i}")],
            "the call to /leaf/{i} is linked to /work/{i}"
        );
        assert!(leaves.contains(&format!("/leaf/{i}")));
    }
}

#[actix_web::test]
async fn graceful_stop_delivers_every_record_to_an_otlp_collector() {
    let collector = Collector::start();
    let mut settings = fast_settings();
    settings.export_timeout = Duration::from_secs(5);
    let config = otlp_to(collector.endpoint(), settings)(Config::builder())
        .build()
        .expect("config");
    let s = run(APIToolkit::new(config).expect("middleware")).await;

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
    let incoming = by_target("RustActix");
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
