//! Test support: a real actix `HttpServer` on 127.0.0.1:0 (one worker thread) with the
//! middleware, and its captured records.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};
use apitoolkit_actix::APIToolkit;
use apitoolkit_core::testing::CapturedRecords;
use apitoolkit_core::{ConfigBuilder, RequestMessage, Shipper};

/// The routes of a test app (the same function serves with and without the middleware).
pub type Routes = fn(&mut web::ServiceConfig);

/// A running app and what it recorded.
pub struct TestApp {
    pub addr: SocketAddr,
    pub captured: CapturedRecords,
    pub shipper: Shipper,
    handle: ServerHandle,
}

impl TestApp {
    /// Serves `routes` wrapped in the middleware built from
    /// `configure(captured.config_builder())`.
    pub async fn spawn(
        routes: Routes,
        configure: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
    ) -> TestApp {
        let captured = CapturedRecords::new();
        let config = configure(captured.config_builder())
            .build()
            .expect("valid config");
        let apitoolkit = APIToolkit::new(config).expect("middleware");
        let shipper = apitoolkit.shipper().expect("enabled").clone();
        let server = HttpServer::new(move || App::new().wrap(apitoolkit.clone()).configure(routes))
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestApp {
            addr,
            captured,
            shipper,
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Waits until `n` records arrived (10 s at most) and returns them.
    pub fn records(&self, n: usize) -> Vec<RequestMessage> {
        let records = self.captured.wait_for(n, Duration::from_secs(10));
        assert!(
            records.len() >= n,
            "expected {n} records, got {}: {records:#?}",
            records.len()
        );
        records
    }

    /// Waits for exactly one record and returns it.
    pub fn record(&self) -> RequestMessage {
        let mut r = self.records(1);
        // Give a straggler a moment to show up, so "exactly one" means something.
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(self.captured.records().len(), 1, "more than one record");
        r.remove(0)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        self.shipper.shutdown(Duration::from_secs(1));
    }
}

/// Serves `routes` without the middleware on 127.0.0.1:0.
pub fn serve_bare(routes: Routes) -> (SocketAddr, ServerHandle) {
    let server = HttpServer::new(move || App::new().configure(routes))
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind");
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (addr, handle)
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

/// Polls `cond` (every 5 ms, yielding to the test's runtime) until true or `timeout`.
pub async fn wait_for(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    cond()
}
