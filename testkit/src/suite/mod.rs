//! The behaviour suite every adapter passes, written once, over real HTTP on 127.0.0.1.
//!
//! An adapter's tests implement [`Adapter`] (how to start its app, with and without the
//! SDK, and how to run a scenario on its runtime) and call [`adapter_suite!`](crate::adapter_suite),
//! which generates one `#[test]` per scenario. Each scenario is an `async fn` generic
//! over the adapter, in this module's submodules.
//!
//! # The scenario app
//!
//! [`Adapter::spawn`] and [`Adapter::spawn_bare`] serve these routes, with the
//! framework's own handlers:
//!
//! | route | answer |
//! | --- | --- |
//! | `POST /{slug}/test` | reads the body (not empty); 202, `content-type: application/json`, `x-secret: top`, `x-val: visible`, body [`RESPONSE_FIXTURE`](crate::RESPONSE_FIXTURE) |
//! | `GET /slow` | `done` after 500 ms |
//! | `GET /parent/{slug}/test`, `GET /parent/parent2/parent3/{slug}/test` | `ok` (nested routers or scopes) |
//! | `GET /e` | 200, empty body |
//! | `POST /echo` | the whole body (no size limit) with the request's `content-type` and `content-encoding` |
//! | `GET /hello/{name}` | `Hello, {name}!` |
//! | `POST /json` | the body parsed as JSON (the framework's own rejection otherwise); 201 with it as JSON |
//! | `GET /empty` | 204 |
//! | `GET /headers` | `x-a: 1`, `set-cookie: s=1`, body `h` |
//! | `HEAD /head` | 200, no body (axum's handler declares `content-length: 42`; actix-web derives it from the body) |
//! | `GET /fail` | reports `WrapperError(ExampleError)` through the `Observer`; 500 |
//! | `GET /free` | reports `ExampleError` through the free `report_error`; `reported` |
//! | `POST /annotated` | applies the `Observer` controls named in `x-do` (comma-separated: `tag` adds `checkout`, `attr` sets `plan=pro`, `reserved` tries `http.route`, `user` identifies `cust_42`, `skip`, `nobody` turns body capture off), then echoes the body |
//! | `GET /msg-id` | reports `ExampleError` through the `Observer` and through the free `report_error`; `format!("{:?}", observer.msg_id())` |
//! | `GET /panic` | `panic!("handler exploded")` |
//! | `GET /stream` | `text/event-stream` of `data: tick {i}\n\n`, i in 0..5, 20 ms apart, no `content-length` |
//! | `GET /endless` | the same, without end |
//! | `POST /upload` | streams the body through; `{len} {sum of the bytes}` |
//! | `POST /ignore` | `ignored`, the body never read |
//! | `GET /odd` | `x-odd: caf\xe9` (not UTF-8), body `ok` |
//! | `GET /big` | `x` × 5000 with its `content-length` |
//! | `GET /q` | the raw query string |
//! | `GET /call` (feature `client`) | calls the URL in `x-target` through `Observer::observe_request()`: 200 with the upstream status as body; a 4xx/5xx answer is reported as an error, 502 with the status as body; a failed call is 502 `call failed` |
//! | `GET /call-and-report` (feature `client`) | calls the URL in `x-target` through `Observer::observe_request()`, reports the call's error if it fails, then reports [`DB_ERROR`]; 502 |
//! | `GET /work/{i}` (feature `client`) | calls `http://{host}/leaf/{i}` (the request's `host`) through `Observer::observe_request()`; `work {i}: {its body}` |
//! | `GET /leaf/{i}` | `leaf {i}` |
//! | `GET /cached` | 304 with `etag: "v1"` when `if-none-match: "v1"`, else 200 `fresh` with that `etag` |
//! | `GET /ws` | a websocket upgrade for [`WS_KEY`](crate::WS_KEY) (101 with `sec-websocket-accept`), then each text frame answered by a text frame `echo: {text}` |
//! | `GET /download` | [`pattern_chunks`](crate::pattern_chunks)`(`[`LARGE_BODY_BYTES`]`)`, streamed (`application/octet-stream`, no `content-length`) |
//! | `GET /redirect` | 302 with `location: myapp://cb?access_token=MkRedirTok1&state=s`, `link: </next?sig=MkLinkSig2>; rel="next"`, `refresh: 0; url=https://ann:MkRefreshPw3@app.example/x` |
//! | `POST /login` | the body parsed as JSON (`text/json` too); 400 unless its `password` is [`LOGIN_PASSWORD`]; reports [`SSO_ERROR`] through the `Observer`; 302 with `location: /home#access_token=AcLocTok4&token_type=bearer`, `content-location: /login?X-Goog-Signature=AcSig5` |
//!
//! `POST /upload` answers `{len} {hash:016x}` of the bytes it streamed, as
//! [`Digest::finish`](crate::Digest::finish) gives them ([`digest_text`]).
//!
//! Adapters with worker threads (actix-web) serve on two of them, so that records come
//! from more than one runtime. [`Server::stop_gracefully`] stops the app the framework's
//! graceful way (in-flight requests finish).

mod bad_input;
mod collector_faults;
mod compressed;
mod credentials;
mod errors;
mod incoming;
mod memory;
mod outgoing;
mod policy;
mod shutdown;
mod streaming;
mod trace;
mod transparency;
mod upgrade;
mod url_secrets;

pub use bad_input::*;
pub use collector_faults::*;
pub use compressed::*;
pub use credentials::*;
pub use errors::*;
pub use incoming::*;
pub use memory::*;
pub use outgoing::*;
pub use policy::*;
pub use shutdown::*;
pub use streaming::*;
pub use trace::*;
pub use transparency::*;
pub use upgrade::*;
pub use url_secrets::*;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use apitoolkit_core::testing::CapturedRecords;
use apitoolkit_core::{Config, ConfigBuilder, RequestMessage, SdkType, Shipper};

use crate::Digest;

/// Bytes `GET /download` streams: 100 MiB.
pub const LARGE_BODY_BYTES: u64 = 100 * 1024 * 1024;

/// The `password` `POST /login` expects.
pub const LOGIN_PASSWORD: &str = "AcBodyPw1";

/// The error text `POST /login` reports: a URL with credentials and a code.
pub const SSO_ERROR: &str = "sso at https://svc:AcErrPw2@sso.internal/cb?code=AcErrCode3";

/// The error text `GET /call-and-report` reports: a database URL with a password.
pub const DB_ERROR: &str =
    "connect to postgres://app:MkDbPass6@db.internal/?password=MkDbQuery7 failed";

/// What `POST /upload` answers for a digest: `{len} {hash:016x}`.
pub fn digest_text(d: &Digest) -> String {
    let (len, hash) = d.finish();
    format!("{len} {hash:016x}")
}

/// A graceful stop: asks the server to stop and resolves once it has.
type GracefulStop = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>>>;

/// How a scenario changes the config builder (already exporting to the capture).
pub type Configure = Box<dyn FnOnce(ConfigBuilder) -> ConfigBuilder + Send>;

/// What an adapter supplies to run the suite: its app, with and without the SDK.
pub trait Adapter {
    /// The `sdk_type` of the adapter's incoming records.
    const SDK_TYPE: SdkType;

    /// Whether what a handler sends after a `101 Switching Protocols` is that response's
    /// body, and so recorded as it (actix-web: a websocket is a streamed 101), rather
    /// than a connection handed over outside the body (hyper's upgrade: the record's body
    /// is empty).
    const UPGRADED_BYTES_ARE_THE_BODY: bool = false;

    /// Serves the scenario app (see the [module docs](self)) on 127.0.0.1:0 with the
    /// SDK built from [`captured_config`]`(configure)`.
    fn spawn(configure: Configure) -> impl Future<Output = RunningApp>;

    /// Serves the scenario app on 127.0.0.1:0 without the SDK.
    fn spawn_bare() -> impl Future<Output = Server>;

    /// Runs a scenario to its end on the adapter's runtime (the test's thread blocks).
    fn run(scenario: impl Future<Output = ()> + 'static);
}

/// A config exporting to a fresh capture, changed by `configure`, and that capture.
pub fn captured_config(configure: Configure) -> (Config, CapturedRecords) {
    let captured = CapturedRecords::new();
    let config = configure(captured.config_builder())
        .build()
        .expect("valid config");
    (config, captured)
}

/// A server on 127.0.0.1, stopped when dropped.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<Box<dyn FnOnce()>>,
    graceful: Option<GracefulStop>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Server {
    /// A server at `addr` that `stop` stops.
    pub fn new(addr: SocketAddr, stop: impl FnOnce() + 'static) -> Server {
        Server {
            addr,
            stop: Some(Box::new(stop)),
            graceful: None,
        }
    }

    /// The same server, which `graceful` stops gracefully (for [`stop_gracefully`](Self::stop_gracefully)).
    pub fn with_graceful_stop<F>(mut self, graceful: impl FnOnce() -> F + 'static) -> Server
    where
        F: Future<Output = ()> + 'static,
    {
        self.graceful = Some(Box::new(move || Box::pin(graceful())));
        self
    }

    /// Stops the server the framework's graceful way: in-flight requests finish, then
    /// it resolves. Panics when the adapter gave no graceful stop.
    pub async fn stop_gracefully(&mut self) {
        let graceful = self.graceful.take().expect("the adapter's graceful stop");
        self.stop = None;
        graceful().await;
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

/// The scenario app running with the SDK, and what it recorded.
#[derive(Debug)]
pub struct RunningApp {
    /// The server (stopped on drop, before the shipper shuts down).
    pub server: Server,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The records exported.
    pub captured: CapturedRecords,
    /// The SDK's shipper.
    pub shipper: Shipper,
}

impl RunningApp {
    /// An app served by `server`, exporting to `captured` through `shipper`.
    pub fn new(server: Server, captured: CapturedRecords, shipper: Shipper) -> RunningApp {
        RunningApp {
            addr: server.addr,
            server,
            captured,
            shipper,
        }
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Waits until `n` records arrived (10 s at most) and returns them. Async, so that a
    /// server on the test's runtime keeps running while we wait.
    pub async fn records(&self, n: usize) -> Vec<RequestMessage> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let records = self.captured.records();
            if records.len() >= n {
                return records;
            }
            assert!(
                std::time::Instant::now() < deadline,
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

impl Drop for RunningApp {
    fn drop(&mut self) {
        if let Some(stop) = self.server.stop.take() {
            stop();
        }
        let _ = self.shipper.shutdown(Duration::from_secs(1));
    }
}

/// A plain HTTP client.
pub fn client() -> reqwest::Client {
    client_builder().build().expect("client")
}

/// `reqwest::Client::builder()`, what an app's own code calls: the SDK's TLS choice
/// (reqwest's `rustls` feature, aws-lc-rs) must leave it working.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
}

/// `shipper.flush(timeout).is_ok()` on a blocking thread, so a server on the test's runtime
/// keeps running.
pub async fn flush(shipper: &Shipper, timeout: Duration) -> bool {
    let shipper = shipper.clone();
    tokio::task::spawn_blocking(move || shipper.flush(timeout).is_ok())
        .await
        .expect("flush thread")
}

/// `shipper.shutdown(timeout).is_ok()` on a blocking thread, so a server on the test's runtime
/// keeps running.
pub async fn shutdown(shipper: &Shipper, timeout: Duration) -> bool {
    let shipper = shipper.clone();
    tokio::task::spawn_blocking(move || shipper.shutdown(timeout).is_ok())
        .await
        .expect("shutdown thread")
}

/// The record whose `raw_url` is `raw_url` (and, when given, whose `sdk_type` is `sdk`).
pub fn find<'a>(
    records: &'a [RequestMessage],
    sdk: Option<SdkType>,
    raw_url: &str,
) -> &'a RequestMessage {
    records
        .iter()
        .find(|r| r.raw_url == raw_url && sdk.is_none_or(|s| r.sdk_type == s))
        .unwrap_or_else(|| panic!("no {sdk:?} record for {raw_url}: {records:#?}"))
}

/// Generates one `#[test]` per suite scenario for an [`Adapter`];
/// the scenarios that make outgoing calls need the adapter crate's `client` feature.
/// [`hundred_megabytes_each_way_stream_through_with_bounded_memory`] is left out: it
/// measures the process's peak memory, so it runs in a test binary of its own.
///
/// ```text
/// apitoolkit_testkit::adapter_suite!(AxumApp);
/// ```
#[macro_export]
macro_rules! adapter_suite {
    ($adapter:ty) => {
        $crate::adapter_suite!(@tests $adapter, [cfg(all())];
            post_with_params_headers_and_bodies_is_recorded_redacted,
            slow_handler_duration_is_in_nanoseconds,
            nested_routes_report_the_full_template,
            unmatched_request_is_recorded_with_empty_route,
            empty_get_body_is_an_empty_string_not_null,
            large_bodies_pass_intact_with_capture_on_and_off,
            every_route_answers_the_same_with_and_without_the_sdk,
            reported_errors_appear_in_the_record_with_their_root,
            observer_outside_the_sdk_is_a_no_op,
            handler_panic_is_recorded_as_500_and_resumed,
            sse_stream_passes_through_and_is_recorded_after_it_ends,
            client_disconnect_mid_stream_still_yields_a_record,
            upload_larger_than_the_cap_streams_through_intact,
            body_the_handler_never_reads_is_recorded_with_what_was_read,
            chunked_upload_without_content_length,
            head_204_and_304_are_recorded_with_an_empty_body,
            invalid_utf8_header_values_are_decoded_lossily,
            response_body_over_the_cap_is_replaced_by_a_placeholder,
            unparseable_json_bodies_ship_the_placeholder_never_the_bytes,
            invalid_utf8_octet_stream_is_shipped_as_captured,
            invalid_utf8_in_the_query_is_decoded_lossily,
            compressed_bodies_are_decoded_and_redacted_both_ways,
            a_compressed_bomb_ships_the_placeholder,
            json_nested_100_000_deep_does_not_overflow,
            ten_thousand_request_headers_are_refused_alike_with_and_without_the_sdk,
            websocket_upgrade_passes_through_untouched,
            collector_down_loses_by_reason_and_delivery_resumes_when_it_is_back,
            black_holed_collector_never_delays_requests_and_the_queue_stays_bounded,
            stalled_collector_never_delays_requests_and_shutdown_counts_the_loss,
            slow_collector_never_delays_requests_and_overflow_is_counted,
            collector_answering_500_loses_by_reason_then_recovers,
            too_many_requests_with_retry_after_is_honoured_without_delaying_requests,
            an_incoming_traceparent_puts_the_span_in_the_callers_trace,
            invalid_traceparents_start_new_traces,
            excluded_routes_and_user_agents_leave_no_record,
            sampling_keeps_a_tenth_of_the_successes_and_every_failure,
            handler_controls_tag_identify_skip_and_stop_body_capture,
            per_route_settings_override_capture_cap_and_redaction,
            credentials_found_by_their_shape_never_reach_a_record,
        );
        $crate::adapter_suite!(@tests $adapter, [cfg(feature = "client")];
            an_outgoing_call_in_a_handler_is_linked_to_the_incoming_record,
            a_404_answer_is_recorded_and_its_reported_error_lands_on_the_incoming_record,
            connection_refused_is_recorded_as_503_and_attached_to_the_incoming_record,
            graceful_shutdown_delivers_every_record_to_the_callback,
            graceful_shutdown_delivers_every_record_to_an_otlp_collector,
            no_secret_carried_by_a_url_or_a_text_json_body_reaches_a_record,
            an_outgoing_call_carries_the_trace_to_the_downstream_service,
        );
    };
    (@tests $adapter:ty, $cfg:tt; $($name:ident),* $(,)?) => {
        $(
            #$cfg
            #[test]
            fn $name() {
                <$adapter as $crate::suite::Adapter>::run($crate::suite::$name::<$adapter>());
            }
        )*
    };
}
