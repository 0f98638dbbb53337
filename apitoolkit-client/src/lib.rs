//! APItoolkit for outgoing HTTP calls: a [`reqwest_middleware`] middleware that records
//! every call made through a `reqwest` client (target, headers, bodies, status, latency,
//! errors) as an outgoing record (`sdk_type` `RustOutgoing`), redacts it like incoming
//! ones, and ships it in the background. Inside a monitored request the record is linked
//! to it (`parent_id` = the incoming record's `msg_id`). What is sent is described in
//! `docs/PROTOCOL.md` in the repository (§7 for outgoing calls).
//!
//! # In production
//! Inside a request served through `apitoolkit-axum` or `apitoolkit-actix`, use their
//! `observe_request` (see [Inside a request](#inside-a-request)). Elsewhere (a worker, a
//! job, a server without an adapter), share one shipper started from the environment
//! (`APITOOLKIT_KEY` and friends) and keep its guard:
//!
//! ```no_run
//! use apitoolkit_client::{OutgoingClient, UrlWildcard};
//! use apitoolkit_core::{Config, Shipper};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let shipper = Shipper::start(Config::from_env()?)?;
//!     let _guard = shipper.guard(); // flushes, then stops the shipper when `main` returns
//!
//!     let client = OutgoingClient::builder(shipper.clone()).build();
//!     let todo = client
//!         .get("http://todos.internal/todos/42")
//!         .with_extension(UrlWildcard::new("/todos/{id}")) // the record's url_path
//!         .send()
//!         .await?
//!         .text()
//!         .await?;
//!     assert!(!todo.is_empty());
//!     Ok(())
//! }
//! ```
//!
//! # In tests
//! Export to memory (`apitoolkit_core::testing::CapturedRecords`, feature `test-util` of
//! `apitoolkit-core`) and read the records after a flush:
//!
//! ```
//! use std::time::Duration;
//! use apitoolkit_client::{OutgoingClient, UrlWildcard};
//! use apitoolkit_core::{testing::CapturedRecords, Config, Shipper};
//! use axum::{routing::get, Router};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A service to call (here on the loopback interface).
//! let app = Router::new().route("/todos/{id}", get(|| async { r#"{"id":42,"done":false}"# }));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! tokio::spawn(async move { axum::serve(listener, app).await });
//!
//! let captured = CapturedRecords::new();
//! let shipper = Shipper::start(Config::builder().export(captured.export()).build()?)?;
//!
//! let client = OutgoingClient::builder(shipper.clone()).build();
//! let todo = client
//!     .get(format!("http://{addr}/todos/42?verbose=true"))
//!     .header("authorization", "Bearer s3cret")
//!     .with_extension(UrlWildcard::new("/todos/{id}"))
//!     .send()
//!     .await?
//!     .text()
//!     .await?; // the caller sees the real body
//! assert_eq!(todo, r#"{"id":42,"done":false}"#);
//!
//! let _ = shipper.flush(Duration::from_secs(5));
//! let record = &captured.records()[0];
//! assert_eq!(record.host, addr.to_string());
//! assert_eq!(record.url_path, "/todos/{id}");
//! assert_eq!(record.raw_url, "/todos/42?verbose=true");
//! assert_eq!(record.path_params["id"], "42");
//! assert_eq!(record.request_headers["authorization"], ["[CLIENT_REDACTED]"]);
//! assert_eq!(record.parent_id, None); // not made while serving a request
//! # Ok(())
//! # }
//! ```
//!
//! # Inside a request
//! [`observe_request`] takes the incoming request's [`RequestContext`] (the web adapters
//! wrap it: `Observer::observe_request()` in `apitoolkit-axum`) and returns a client whose
//! records carry `parent_id`. It shares one process-wide `reqwest::Client`
//! ([`default_client`]), so making one per request is cheap.
//!
//! # What is recorded, and when
//! - `host` and `raw_url` (path and query) come from the target URL; credentials in the
//!   URL and its fragment are never recorded. `url_path` is the call's [`UrlWildcard`]
//!   when given (and `path_params` are derived from it), else the concrete path.
//! - Request headers are those set on the request (defaults a `reqwest::Client` adds
//!   while sending are not seen). The request body is recorded when reqwest holds it in
//!   memory (strings, bytes, JSON, forms); a streaming body is recorded as
//!   `[BODY_NOT_CAPTURED]`.
//! - The response body is copied as the caller reads it, up to `max_body_bytes`; the
//!   caller sees exactly the original bytes. The record is finished, with the duration
//!   to that point, when the body ends or the response is dropped, and enqueued without
//!   blocking. A call dropped before its response is recorded as 503 with a
//!   `Cancelled` error.
//! - A call that fails without a response (connection refused, DNS, timeout) is recorded
//!   with status 503 and the error (root cause included) in `errors`; the same error is
//!   attached to the parent request's record. The caller gets the original error.
//! - Redaction: the global rules of the shipper's configuration, unless the client has
//!   its own ([`OutgoingClientBuilder::redaction`]) or the call has some
//!   ([`CallRedaction`]). URLs in error messages are masked the same way.
//!
//! # TLS
//! With the default feature `rustls`, the ready-made clients ([`default_client`],
//! [`observe_request`], [`OutgoingClient::builder`]) call `https` URLs with rustls (the
//! `aws-lc-rs` provider, reqwest's default) and the bundled webpki roots. A private CA:
//! `OutgoingClient::builder(shipper).client(`[`tls::client_builder_trusting`]`(pem)?.build()?)`.
//! A failed handshake (unknown CA, wrong host name, expired certificate) is recorded like
//! any call that fails without a response: status 503, the certificate error in `errors`.
//!
//! The feature compiles reqwest's rustls support without a crypto provider: a
//! `reqwest::Client::new()` built by your app itself then needs one (see [`tls`]). Without
//! the feature (`default-features = false`), enable a reqwest TLS feature yourself
//! (`reqwest = { version = "0.13", features = ["rustls"] }`; cargo unifies features), or
//! pass your own client with [`OutgoingClientBuilder::client`].
//!
//! # The SDK's own traffic
//! Records are exported by the shipper with its own transport, never through these
//! clients, so exporting never produces outgoing records.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod client;
mod extensions;
mod recorder;
mod recording;
mod request;
mod target;
#[cfg(feature = "rustls")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
pub mod tls;

pub use client::{default_client, observe_request, OutgoingClient, OutgoingClientBuilder};
pub use extensions::{CallRedaction, UrlWildcard};
pub use recorder::OutgoingRecorder;

pub use apitoolkit_core::integration::RequestContext;
pub use apitoolkit_core::{RedactionRules, Shipper};
pub use reqwest_middleware::ClientWithMiddleware;
