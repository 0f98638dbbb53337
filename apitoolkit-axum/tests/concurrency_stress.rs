//! Concurrency stress through a real axum app with OTLP/HTTP to an in-test collector:
//! 8 client tasks x 100 requests, two threads flushing in a loop, one thread shutting
//! the shipper down halfway through, all racing. No deadlock (the whole test runs under
//! a watchdog that fails it instead of hanging), no panic, every response is the app's
//! own (also after the shipper stopped), and no counted record is lost:
//! `enqueued == exported + dropped_*` and the collector received exactly `exported`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::Config;
use apitoolkit_testkit::suite::client;
use apitoolkit_testkit::Collector;
use apitoolkit_testkit::{accounted, fast_settings, otlp_to};
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::post;
use axum::Router;

const TASKS: usize = 8;
const PER_TASK: usize = 100;
const TOTAL: u64 = (TASKS * PER_TASK) as u64;
const WATCHDOG: Duration = Duration::from_secs(120);

/// Runs `body` on its own thread; fails the test if it panics or does not finish in
/// time (a deadlock), instead of hanging the suite.
fn with_watchdog(body: fn()) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(body));
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("no progress for {WATCHDOG:?}: deadlock"),
    }
}

fn routes() -> Router {
    Router::new().route(
        "/echo/{i}",
        post(|Path(i): Path<usize>, body: Bytes| async move {
            let mut out = format!("{i}:").into_bytes();
            out.extend_from_slice(&body);
            out
        }),
    )
}

#[test]
fn requests_flushes_and_a_shutdown_racing_lose_nothing_and_never_deadlock() {
    // A few rounds: each interleaves differently.
    with_watchdog(|| {
        for _ in 0..3 {
            stress();
        }
    });
}

fn stress() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let collector = Collector::start();
    let mut settings = fast_settings();
    settings.export_timeout = Duration::from_secs(10);
    settings.queue_max_items = 128;
    settings.batch_max_records = 16;
    settings.batch_interval = Duration::from_millis(2);
    let config = otlp_to(collector.endpoint(), settings)(Config::builder())
        .build()
        .expect("config");
    let layer = APIToolkitLayer::new(config).expect("layer");
    let shipper = layer.shipper().expect("enabled").clone();

    // Two threads flushing in a loop (generous timeouts: the collector is healthy).
    let stop = Arc::new(AtomicBool::new(false));
    let flushes = Arc::new(AtomicUsize::new(0));
    let flushers: Vec<_> = (0..2)
        .map(|_| {
            let (shipper, stop, flushes) = (shipper.clone(), stop.clone(), flushes.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let _ = shipper.flush(Duration::from_secs(30));
                    let _ = shipper.stats();
                    flushes.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        })
        .collect();
    // One thread shutting the shipper down halfway through.
    let shutter = {
        let shipper = shipper.clone();
        std::thread::spawn(move || {
            while shipper.stats().enqueued < TOTAL / 2 {
                std::thread::sleep(Duration::from_millis(1));
            }
            shipper.shutdown(Duration::from_secs(30)).is_ok()
        })
    };

    rt.block_on(async {
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
                        let body = format!(r#"{{"task":{t},"n":{j}}}"#);
                        let res = client
                            .post(format!("http://{addr}/echo/{i}"))
                            .header("content-type", "application/json")
                            .body(body.clone())
                            .send()
                            .await
                            .expect("request");
                        assert_eq!(res.status(), 200);
                        assert_eq!(res.text().await.expect("body"), format!("{i}:{body}"));
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("client task");
        }
        drop(client);
        let _ = stop_tx.send(());
        server.await.expect("server task");
    });

    assert!(
        shutter.join().expect("shutdown thread"),
        "shutdown with the collector up handles everything: {:?}",
        shipper.stats()
    );
    stop.store(true, Ordering::SeqCst);
    for f in flushers {
        f.join().expect("flush thread");
    }
    assert!(flushes.load(Ordering::SeqCst) > 0);
    // A second shutdown does nothing and says so.
    assert_eq!(
        shipper.shutdown(Duration::from_secs(5)),
        Err(apitoolkit_core::ShutdownError::AlreadyShutDown)
    );

    let s = shipper.stats();
    assert_eq!(s.enqueued, TOTAL, "one record per request: {s:?}");
    assert_eq!(accounted(&s), s.enqueued, "no counted record lost: {s:?}");
    assert_eq!(
        collector.accepted_span_count() as u64,
        s.exported,
        "the collector received exactly the exported records: {s:?}"
    );
    assert!(s.exported > 0, "{s:?}");
    assert!(s.dropped_shutdown > 0, "records after the shutdown: {s:?}");
    assert_eq!(
        (s.dropped_export_failed, s.dropped_too_large),
        (0, 0),
        "{s:?}"
    );
    let ids: std::collections::HashSet<String> = collector
        .accepted_spans()
        .iter()
        .map(|s| s.msg_id().to_owned())
        .collect();
    assert_eq!(ids.len() as u64, s.exported, "no duplicates");
}
