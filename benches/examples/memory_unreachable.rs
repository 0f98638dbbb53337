//! Memory bound with a dead collector: pushes 1 000 000 exchanges with 1 KB JSON bodies
//! through the axum layer (in process, `tower::ServiceExt::oneshot`) while the OTLP
//! collector is unreachable, then reports the peak RSS (VmHWM) and the shipper's counters.
//! Exits non-zero when the peak exceeds the configured queue bytes plus 32 MB.
//!
//! Run: `cargo run --release -p apitoolkit-benches --example memory_unreachable [-- N]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::{Config, OtlpProtocol, ShipperSettings};
use axum::body::Body;
use axum::routing::post;
use axum::Router;
use http::Request;
use tower::ServiceExt;

const QUEUE_BYTES: usize = 16 * 1024 * 1024;
const ALLOWANCE: usize = 32 * 1024 * 1024;

fn vm_hwm_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<usize>().ok())
            })
        })
        .map_or(0, |kb| kb * 1024)
}

fn body_1k() -> String {
    let items: Vec<String> = (0..12)
        .map(|i| format!(r#"{{"id":{i},"name":"item-{i}","price":9.99,"password":"hunter2"}}"#))
        .collect();
    format!(
        r#"{{"user":{{"email":"ann@example.com"}},"items":[{}]}}"#,
        items.join(",")
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(Ok(1_000_000), |a| a.parse())?;
    // A port nothing listens on: bind, note the port, close.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mut shipper_settings = ShipperSettings::default();
    shipper_settings.queue_max_bytes = QUEUE_BYTES;
    shipper_settings.export_timeout = Duration::from_millis(200);
    shipper_settings.initial_backoff = Duration::from_millis(50);
    shipper_settings.max_backoff = Duration::from_millis(500);
    shipper_settings.max_attempts = 3;
    let config = Config::builder()
        .api_key("memory-test-key")
        .otlp_endpoint(format!("http://{dead}"))
        .otlp_protocol(OtlpProtocol::HttpProtobuf)
        .redact_request_body(["$.items[*].password", "$..email", "$.user.token"])
        .shipper(shipper_settings)
        .build()?;
    let layer = APIToolkitLayer::new(config)?;
    let app = Router::new()
        .route("/echo", post(|b: axum::body::Bytes| async move { b }))
        .layer(layer.clone());
    let body = bytes::Bytes::from(body_1k());
    let baseline = vm_hwm_bytes();
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        for _ in 0..n {
            let req = Request::post("/echo")
                .header("content-type", "application/json")
                .body(Body::from(body.clone()))
                .unwrap_or_else(|e| panic!("{e}"));
            let res = app
                .clone()
                .oneshot(req)
                .await
                .unwrap_or_else(|e| match e {});
            black_box(axum::body::to_bytes(res.into_body(), usize::MAX).await.ok());
        }
    });
    let elapsed = started.elapsed();
    let peak = vm_hwm_bytes();
    let shipper = layer.shipper().ok_or("disabled")?;
    let stats = shipper.stats();
    let _ = shipper.shutdown(Duration::from_secs(2));
    let limit = QUEUE_BYTES + ALLOWANCE;
    eprintln!(
        "{n} exchanges in {:.1} s; peak RSS {:.1} MB (baseline {:.1} MB); limit {:.1} MB (queue {} MB + 32 MB)",
        elapsed.as_secs_f64(),
        peak as f64 / 1048576.0,
        baseline as f64 / 1048576.0,
        limit as f64 / 1048576.0,
        QUEUE_BYTES / 1048576
    );
    eprintln!("{stats:?}");
    if peak > limit {
        return Err(format!("peak RSS {peak} bytes exceeds {limit}").into());
    }
    Ok(())
}
