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
//! What an application touches is at the root: [`Config`] and its [`ConfigBuilder`]
//! (every setting also has an environment variable, docs/PROTOCOL.md §5), the
//! [`Shipper`] with its [`ShipperGuard`] and [`ShipperStats`], the errors ([`ConfigError`],
//! [`StartError`], [`ShutdownError`]), what is captured of a request ([`Exchange`],
//! [`CapturedHeaders`], [`CapturedBody`]) and the record that is shipped
//! ([`RequestMessage`], [`ErrorEntry`], [`SdkType`]; docs/PROTOCOL.md §2). Beside them:
//!
//! - [`config`]: the export targets and shipper settings.
//! - [`redact`]: the redaction rules and the compiled JSONPath [`Redactor`], and what a
//!   body becomes by content type (docs/PROTOCOL.md §4).
//! - [`record`]: an exchange as the record the exporters send, as JSON or as an OTLP span
//!   (docs/PROTOCOL.md §2 and §3), and the limits that keep a record bounded.
//! - [`model`]: the record's data types in one place.
//! - [`integration`]: the pieces the adapters are built from, for a new adapter.
//! - `testing` (feature `test-util`): records kept in memory, body decoders.
//!
//! # Tools
//! Two examples of this crate help tune a configuration (`--help` lists their options):
//!
//! ```text
//! # what would be shipped for a body, or a raw HTTP request or response (FILE or stdin)
//! echo '{"user":"ann","password":"x"}' | cargo run -p apitoolkit-core --example redact -- --paths '$.password'
//! # the effective configuration from the environment (API key masked), or the app's error
//! cargo run -p apitoolkit-core --example config
//! ```
//!
//! `redact` prints the record as a readable block ([`record::readable`]); an invalid
//! JSONPath is reported with its position. `config` shows every setting with its value
//! and whether it came from the environment or the default, and exits with status 1 and
//! the very [`ConfigError`] the application would get when the configuration is invalid.
#![cfg_attr(docsrs, feature(doc_cfg))]

// The pipeline, request -> capture -> queue -> worker -> record -> export, one folder
// per stage. Dependency order (each module uses only those listed before it):
//
//   error, model -> redact -> capture -> config -> record -> export -> shipper -> request
//
// and `integration`, which only re-exports what adapters are built from.
//
// - `model`: the data every stage names: what is captured (CapturedHeaders,
//   CapturedBody) and what is shipped (RequestMessage, ErrorEntry, SdkType, MultiMap).
// - `redact` reads the model; `capture` builds it, and an `Exchange` may carry its own
//   `RedactionRules` (per-client rules of outgoing calls).
// - `request` (RequestContext, InFlight) lives for one request and hands the finished
//   exchange to the shipper, so it comes after it.
mod error;
pub mod model;

mod capture;
pub mod redact;

pub mod config;

pub mod record;

mod export;

mod shipper;

mod request;

pub mod integration;

#[doc(hidden)]
pub mod tools;

#[cfg(feature = "test-util")]
pub mod testing;

pub use capture::{Exchange, SpanParent, TraceContext};
pub use config::{
    Config, ConfigBuilder, Export, OtlpCompression, OtlpProtocol, OtlpSettings, RouteSettings,
    ShipperSettings,
};
pub use error::{ConfigError, ShutdownError, StartError};
pub use model::{CapturedBody, CapturedHeaders, ErrorEntry, RequestMessage, SdkType};
pub use redact::{RedactionRules, Redactor, REDACTED};
pub use shipper::{Shipper, ShipperGuard, ShipperStats};
