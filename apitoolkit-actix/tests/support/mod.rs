//! Test support: a real actix `HttpServer` on 127.0.0.1:0 (one worker thread) with the
//! middleware, and its captured records.
#![allow(dead_code, unreachable_pub, unused_imports)]

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};
use apitoolkit_actix::APIToolkit;
use apitoolkit_core::{ConfigBuilder, RequestMessage, Shipper};
use apitoolkit_testkit::CapturedRecords;

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

pub use apitoolkit_testkit::{accounted, fast_settings, otlp_to, wait_for};
