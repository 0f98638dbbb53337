//! Test support: a real server on 127.0.0.1:0 with the layer, and its captured records.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::testing::CapturedRecords;
use apitoolkit_core::{ConfigBuilder, RequestMessage, Shipper};
use axum::Router;

/// A running app and what it recorded.
pub struct TestApp {
    pub addr: SocketAddr,
    pub captured: CapturedRecords,
    pub shipper: Shipper,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    /// Serves `routes` with the layer built from `configure(captured.config_builder())`.
    pub async fn spawn(
        routes: Router,
        configure: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
    ) -> TestApp {
        let captured = CapturedRecords::new();
        let config = configure(captured.config_builder())
            .build()
            .expect("valid config");
        let layer = APIToolkitLayer::new(config).expect("layer");
        let shipper = layer.shipper().expect("enabled").clone();
        let (addr, server) = serve(routes.layer(layer)).await;
        TestApp {
            addr,
            captured,
            shipper,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Waits until `n` records arrived (10 s at most) and returns them. Async, so that
    /// the server keeps running on the test's runtime while we wait.
    pub async fn records(&self, n: usize) -> Vec<RequestMessage> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let records = self.captured.records();
            if records.len() >= n {
                return records;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {n} records, got {}: {records:#?}",
                records.len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits for exactly one record and returns it.
    pub async fn record(&self) -> RequestMessage {
        let mut r = self.records(1).await;
        // Give a straggler a moment to show up, so "exactly one" means something.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(self.captured.records().len(), 1, "more than one record");
        r.remove(0)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        self.shipper.shutdown(Duration::from_secs(1));
    }
}

/// Serves any router on 127.0.0.1:0.
pub async fn serve(app: Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, server)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// Shipper settings for fault tests: fast batches, short back-off, three attempts.
pub fn fast_settings() -> apitoolkit_core::ShipperSettings {
    let mut s = apitoolkit_core::ShipperSettings::default();
    s.batch_interval = Duration::from_millis(10);
    s.export_timeout = Duration::from_millis(500);
    s.initial_backoff = Duration::from_millis(20);
    s.max_backoff = Duration::from_millis(200);
    s.max_attempts = 3;
    s
}

/// A `configure` closure for [`TestApp::spawn`]: OTLP over HTTP/protobuf to `endpoint`
/// with these shipper settings (instead of the capturing callback).
pub fn otlp_to(
    endpoint: String,
    settings: apitoolkit_core::ShipperSettings,
) -> impl FnOnce(ConfigBuilder) -> ConfigBuilder {
    move |b| {
        b.api_key("test-key")
            .export(apitoolkit_core::Export::Otlp(
                apitoolkit_core::OtlpSettings::new(
                    endpoint,
                    apitoolkit_core::OtlpProtocol::HttpProtobuf,
                ),
            ))
            .shipper(settings)
    }
}

/// Records the counters account for: exported plus every drop reason.
pub fn accounted(s: &apitoolkit_core::ShipperStats) -> u64 {
    s.exported
        + s.dropped_queue_full
        + s.dropped_export_failed
        + s.dropped_too_large
        + s.dropped_shutdown
}

/// Polls `cond` (every 5 ms, on the test's runtime) until true or `timeout`.
pub async fn wait_for(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cond()
}

/// `shipper.flush(timeout)` on a blocking thread, so the server keeps running.
pub async fn flush(shipper: &Shipper, timeout: Duration) -> bool {
    let shipper = shipper.clone();
    tokio::task::spawn_blocking(move || shipper.flush(timeout))
        .await
        .expect("flush thread")
}

/// `shipper.shutdown(timeout)` on a blocking thread, so the server keeps running.
pub async fn shutdown(shipper: &Shipper, timeout: Duration) -> bool {
    let shipper = shipper.clone();
    tokio::task::spawn_blocking(move || shipper.shutdown(timeout))
        .await
        .expect("shutdown thread")
}
