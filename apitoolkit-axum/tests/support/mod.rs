//! Test support: a real server on 127.0.0.1:0 with the layer, and its captured records.
#![allow(dead_code, unreachable_pub, unused_imports)]

use std::net::SocketAddr;
use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::{ConfigBuilder, RequestMessage, Shipper};
use apitoolkit_testkit::CapturedRecords;
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

pub use apitoolkit_testkit::{accounted, fast_settings, otlp_to, wait_for};

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
