//! Shipper helpers shared by the fault, shutdown and export tests.

use std::time::Duration;

use apitoolkit_core::{
    ConfigBuilder, Export, OtlpProtocol, OtlpSettings, ShipperSettings, ShipperStats,
};

/// Shipper settings for fault tests: fast batches, short back-off, three attempts.
pub fn fast_settings() -> ShipperSettings {
    let mut s = ShipperSettings::default();
    s.batch_interval = Duration::from_millis(10);
    s.export_timeout = Duration::from_millis(500);
    s.initial_backoff = Duration::from_millis(20);
    s.max_backoff = Duration::from_millis(200);
    s.max_attempts = 3;
    s
}

/// A `configure` closure for [`Adapter::spawn`](crate::suite::Adapter::spawn): OTLP over HTTP/protobuf to
/// `endpoint` with these shipper settings (instead of the capturing callback).
pub fn otlp_to(
    endpoint: String,
    settings: ShipperSettings,
) -> impl FnOnce(ConfigBuilder) -> ConfigBuilder + Send + 'static {
    move |b| {
        b.api_key("test-key")
            .export(Export::Otlp(OtlpSettings::new(
                endpoint,
                OtlpProtocol::HttpProtobuf,
            )))
            .shipper(settings)
    }
}

/// Records the counters account for: exported, spooled, and every drop reason.
pub fn accounted(s: &ShipperStats) -> u64 {
    s.exported
        + s.spooled
        + s.dropped_queue_full
        + s.dropped_export_failed
        + s.dropped_too_large
        + s.dropped_shutdown
        + s.dropped_spool_full
}

/// Polls `cond` every 5 ms, yielding to the test's (tokio or actix) runtime, until it is
/// true or `timeout` passes; returns its last value.
pub async fn wait_for(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cond()
}

/// Polls `cond` every 5 ms, blocking the thread, until it is true or `timeout` passes;
/// returns its last value.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}

/// Shipper settings for export tests against a live receiver: two attempts, a short
/// back-off, a 5 s export timeout.
pub fn export_settings() -> ShipperSettings {
    let mut s = ShipperSettings::default();
    s.max_attempts = 2;
    s.initial_backoff = Duration::from_millis(10);
    s.export_timeout = Duration::from_secs(5);
    s
}

/// An address on which nothing listens (connection refused). On 127.0.0.3, where no
/// test binds: a port freed on 127.0.0.1 can be taken at once by another test's server
/// (seen when `flush_deadline_cuts_retries_short` reached a live receiver).
pub fn dead_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.3:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}
