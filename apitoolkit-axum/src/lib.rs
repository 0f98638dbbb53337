//! APItoolkit for axum (and any tower stack over `http` types: hyper, tonic, ...).
//!
//! Add one layer and every request/response exchange is recorded (route template,
//! params, headers, bodies, status, latency, errors), redacted, and shipped to
//! APItoolkit in the background. What is sent, field by field, is described in
//! `docs/PROTOCOL.md` in the repository.
//!
//! # In production
//! Build the layer from the environment (`APITOOLKIT_KEY` and friends, `docs/PROTOCOL.md`
//! §5), apply it to the router, and keep the shipper's guard until the server has
//! stopped: dropping it flushes what is queued.
//!
//! ```no_run
//! use apitoolkit_axum::{APIToolkitLayer, Observer};
//! use axum::{extract::Path, routing::get, Router};
//!
//! async fn user(Path(id): Path<u64>, observer: Observer) -> String {
//!     if id == 0 {
//!         observer.report_error(&std::io::Error::other("no user 0")); // attached to the record
//!     }
//!     format!(r#"{{"id":{id}}}"#)
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let layer = APIToolkitLayer::from_env()?;
//!     // `None` when APITOOLKIT_DISABLED=true; the guard flushes when `main` returns.
//!     let _guard = layer.guard(); // flushes on drop; a no-op when disabled
//!     let app = Router::new().route("/users/{id}", get(user)).layer(layer);
//!
//!     let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//!     axum::serve(listener, app)
//!         .with_graceful_shutdown(async { let _ = tokio::signal::ctrl_c().await; })
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! # In tests
//! Export to memory instead (`apitoolkit_core::testing::CapturedRecords`, feature
//! `test-util` of `apitoolkit-core`) and read the records after a flush:
//!
//! ```
//! use apitoolkit_axum::{APIToolkitLayer, Observer};
//! use apitoolkit_core::{testing::CapturedRecords, Config};
//! use axum::{routing::get, Router};
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let captured = CapturedRecords::new();
//! let config = Config::builder()
//!     .redact_response_body(["$.token"])
//!     .export(captured.export())
//!     .build()?;
//! let layer = APIToolkitLayer::new(config)?;
//! let shipper = layer.shipper().expect("enabled").clone();
//!
//! async fn hello(observer: Observer) -> &'static str {
//!     let _ = observer.msg_id();
//!     r#"{"greeting":"hi","token":"s3cret"}"#
//! }
//! let app = Router::new().route("/hello/{name}", get(hello)).layer(layer);
//!
//! let res = app
//!     .oneshot(http::Request::get("/hello/ann?x=1").body(axum::body::Body::empty())?)
//!     .await?;
//! let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?; // the client sees the real body
//! assert!(body.ends_with(br#""token":"s3cret"}"#));
//!
//! let _ = shipper.flush(std::time::Duration::from_secs(5));
//! let record = &captured.records()[0];
//! assert_eq!(record.url_path, "/hello/{name}");
//! assert_eq!(record.path_params["name"], "ann");
//! # Ok(())
//! # }
//! ```
//!
//! # What is recorded, and when
//! - `url_path` is axum's [`MatchedPath`](axum::extract::MatchedPath) (nested routers give
//!   the full template), so apply the layer with `Router::layer`; requests no route
//!   matched are recorded with `url_path` `""`.
//! - Bodies are copied while they stream, up to `max_body_bytes`; the handler and the
//!   client see exactly the original bytes and timing. Over the cap, a placeholder is
//!   shipped instead of the body.
//! - The record is finished when the response body ends or is dropped (client gone,
//!   stream cancelled), with the duration to that point, and enqueued without blocking.
//!   Redaction, base64 and serialisation run on the shipper thread.
//! - A record owns copies of what it keeps (target, headers, bodies): while it waits in
//!   the queue it holds no part of hyper's connection buffers or of the app's response,
//!   so the queue's byte budget bounds what the SDK keeps alive.
//! - A panic in the inner service is recorded (status 500, an error entry) and then
//!   resumed unchanged, so the app's own panic handling still applies.
//!
//! # Features
//! - `client` (default): `Observer::observe_request()`, a reqwest client whose calls are
//!   recorded as outgoing records linked to the request.
//! - `opentelemetry`: the app's own OpenTelemetry and the record's span are one trace:
//!   the record's span is the child of the OpenTelemetry span current when the request
//!   reaches the layer (it wins over an incoming `traceparent`), and the spans the inner
//!   service starts (OpenTelemetry API, or `tracing` through `tracing-opentelemetry`)
//!   are its children (docs/PROTOCOL.md §3, "Trace context").
//!
//! # Shutdown
//! Records are exported in batches. After a graceful shutdown of the server, dropping the
//! guard (or calling [`Shipper::shutdown`] on [`APIToolkitLayer::shipper`]) exports what
//! is queued, waiting up to 5 seconds by default; the shipper's counters
//! ([`Shipper::stats`]) say what was exported and what was lost.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod future;
mod layer;
mod observer;
mod service;

pub use body::{RequestBody, ResponseBody};
pub use future::ResponseFuture;
pub use layer::APIToolkitLayer;
#[cfg(feature = "client")]
pub use observer::observe_request;
pub use observer::{report_error, Observer};
pub use service::APIToolkitService;

pub use apitoolkit_core::{Config, ConfigError, Shipper, ShipperGuard, ShutdownError, StartError};
