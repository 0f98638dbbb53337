//! APItoolkit SDK for Rust: the runtime-agnostic core.
//!
//! Web-framework adapters (`apitoolkit-axum`, `apitoolkit-actix`, `apitoolkit-client`)
//! build on this crate; it can also be used directly from any custom server: capture an
//! [`Exchange`] per request, hand it to the [`Shipper`], and the record is redacted,
//! encoded and exported on the shipper's own thread. What is sent, field by field, and
//! how it maps to OTLP is described in `docs/PROTOCOL.md` in the repository.
//!
//! # In production
//! Start one shipper from the environment (`APITOOLKIT_KEY` selects the OTLP exporter to
//! APItoolkit; see `docs/PROTOCOL.md` §5 for every variable), keep its guard for the life
//! of the server, and enqueue one exchange per request once its response has been sent:
//!
//! ```no_run
//! use std::time::{Duration, SystemTime};
//! use apitoolkit_core::{CapturedBody, Config, Exchange, SdkType, Shipper};
//! use bytes::Bytes;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let shipper = Shipper::start(Config::from_env()?)?;
//!     let _guard = shipper.guard(); // flushes, then stops the shipper when `main` returns
//!     // run_server(&shipper) ...
//!     Ok(())
//! }
//!
//! /// Called by the server for each request, after the response was sent.
//! fn record(
//!     shipper: &Shipper,
//!     request: &http::Request<Bytes>,
//!     route: Option<&str>,
//!     response: &http::Response<Bytes>,
//!     started_at: SystemTime,
//!     took: Duration,
//! ) {
//!     let mut exchange = Exchange::new(
//!         SdkType::RustCustom,
//!         request.method().clone(),
//!         request.uri().clone(),
//!         request.version(),
//!     );
//!     exchange.started_at = started_at;
//!     exchange.duration = took;
//!     exchange.route = route.map(str::to_owned); // the template: "/users/{id}"
//!     exchange.status = response.status().as_u16();
//!     for (name, value) in request.headers() {
//!         exchange.request_headers.append(name.as_str(), value.as_bytes());
//!     }
//!     for (name, value) in response.headers() {
//!         exchange.response_headers.append(name.as_str(), value.as_bytes());
//!     }
//!     exchange.request_body = CapturedBody::Complete(request.body().clone());
//!     exchange.response_body = CapturedBody::Complete(response.body().clone());
//!     shipper.enqueue(exchange); // never blocks; redaction runs on the shipper's thread
//! }
//! ```
//!
//! # In tests
//! The same pipeline can hand each batch to a closure ([`ConfigBuilder::on_batch`]), or
//! keep the records in memory (`testing::CapturedRecords`, feature `test-util`):
//!
//! ```
//! use std::time::Duration;
//! use apitoolkit_core::{CapturedBody, Config, Exchange, SdkType, Shipper};
//!
//! let config = Config::builder()
//!     .redact_request_body(["$.password"])
//!     .on_batch(|batch| {
//!         // Redacted before it gets here: the password never leaves the process.
//!         assert!(!batch[0].request_body.is_empty());
//!     })
//!     .build()?;
//! let shipper = Shipper::start(config)?;
//!
//! let mut exchange = Exchange::new(
//!     SdkType::RustCustom,
//!     http::Method::POST,
//!     "/login?next=%2Fhome".parse().unwrap(),
//!     http::Version::HTTP_11,
//! );
//! exchange.status = 200;
//! exchange.request_headers.append("content-type", b"application/json");
//! exchange.request_body = CapturedBody::Complete(r#"{"user":"ann","password":"x"}"#.into());
//! shipper.enqueue(exchange); // never blocks
//! assert!(shipper.shutdown(Duration::from_secs(5)).is_ok()); // flushes, then stops
//! assert_eq!(shipper.stats().exported, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The pieces
//! [`config`] (builder and environment variables), [`exchange`] and [`headers`] (what is
//! captured of a request), [`redact`] (headers, query parameters, URLs, compiled JSONPath
//! body redaction; `docs/PROTOCOL.md` §4), [`payload`] (the record's JSON shape, §2),
//! [`record`] (exchange → record), [`shipper`] (bounded queue, batching, retries,
//! exporters: OTLP gRPC/HTTP, JSON Lines, callback; §3 and §8), and for adapters
//! [`context`], [`inflight`] and [`capture`].
#![cfg_attr(docsrs, feature(doc_cfg))]

// The pipeline, request -> capture -> queue -> worker -> record -> export, one folder
// per stage. Dependency order (each module uses only those listed before it):
//
//   error, model -> redact -> capture -> config -> record -> export -> shipper -> request
//
// - `model`: the data every stage names: what is captured (CapturedHeaders,
//   CapturedBody) and what is shipped (RequestMessage, ErrorEntry, SdkType, MultiMap).
// - `redact` reads the model; `capture` builds it, and an `Exchange` may carry its own
//   `RedactionRules` (per-client rules of outgoing calls).
// - `request` (RequestContext, InFlight) lives for one request and hands the finished
//   exchange to the shipper, so it comes after it.
mod error;
pub mod model;

pub mod capture;
pub mod redact;

pub mod config;

pub mod record;

mod export;

pub mod shipper;

pub mod request;

#[cfg(feature = "test-util")]
pub mod testing;

// Paths of the flat layout, kept while the adapters, benches and tests move over.
#[doc(hidden)]
pub use capture::exchange;
#[doc(hidden)]
pub use model as payload;
#[doc(hidden)]
pub use model::headers;
#[doc(hidden)]
pub use record::route;
#[doc(hidden)]
pub use request::{context, inflight};

pub use capture::{
    BodyCapture, CapturedBody, CapturedHeaders, Exchange, MAX_ERRORS_PER_RECORD,
    MAX_ERROR_MESSAGE_BYTES, MAX_ERROR_TYPE_BYTES, MAX_STACK_TRACE_BYTES,
};
pub use config::{Config, ConfigBuilder, Export, OtlpProtocol, OtlpSettings, ShipperSettings};
pub use error::{ConfigError, ShutdownError, StartError};
pub use model::{ErrorEntry, RequestMessage, SdkType};
pub use redact::{RedactionRules, Redactor, REDACTED};
pub use request::{GuardedFuture, InFlight, RequestContext};
pub use shipper::{Shipper, ShipperGuard, ShipperStats};

/// Internals reachable for the SDK's own tests (`never_leak`). Not a public API: no
/// stability guarantee.
#[doc(hidden)]
pub mod __private {
    pub use opentelemetry_proto::tonic::resource::v1::Resource;
    pub use opentelemetry_proto::tonic::trace::v1::Span;

    /// The OTLP span of one record (`record::reference_span::span`).
    pub fn record_to_span(ex: &crate::Exchange, msg: &crate::RequestMessage) -> Span {
        crate::record::reference_span::span(ex, msg)
    }

    /// The protobuf bytes of that span as the exporter writes them, straight from the
    /// exchange (`record::otlp_span`).
    pub fn record_span_bytes(ex: &crate::Exchange, config: &crate::Config) -> Vec<u8> {
        crate::record::otlp_span::span_message(ex, config)
    }

    /// The OTLP resource of every export of `config` (carries the API key).
    pub fn otlp_resource(config: &crate::Config) -> Resource {
        crate::record::reference_span::resource(config)
    }
}
