//! APItoolkit for actix-web.
//!
//! Wrap the app in [`APIToolkit`] and every request/response exchange is recorded (route
//! template, params, headers, bodies, status, latency, errors), redacted, and shipped to
//! APItoolkit in the background. What is sent, field by field, is described in
//! `docs/PROTOCOL.md` in the repository.
//!
//! # In production
//! Build the middleware once from the environment (`APITOOLKIT_KEY` and friends,
//! `docs/PROTOCOL.md` §5), outside `HttpServer::new`, clone it into the app factory, and
//! keep the shipper's guard until the server has stopped: dropping it flushes what is
//! queued.
//!
//! ```no_run
//! use actix_web::{web, App, HttpResponse, HttpServer};
//! use apitoolkit_actix::{APIToolkit, Observer};
//!
//! async fn user(id: web::Path<u64>, observer: Observer) -> HttpResponse {
//!     if *id == 0 {
//!         observer.report_error(&std::io::Error::other("no user 0")); // attached to the record
//!     }
//!     HttpResponse::Ok().body(format!(r#"{{"id":{id}}}"#))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let apitoolkit = APIToolkit::from_env()?;
//!     // `None` when APITOOLKIT_DISABLED=true; the guard flushes when `main` returns.
//!     let _guard = apitoolkit.guard(); // flushes on drop; a no-op when disabled
//!     let factory = {
//!         let apitoolkit = apitoolkit.clone();
//!         move || {
//!             App::new()
//!                 .wrap(apitoolkit.clone())
//!                 .route("/users/{id}", web::get().to(user))
//!         }
//!     };
//!     HttpServer::new(factory).bind(("0.0.0.0", 8080))?.run().await?;
//!     Ok(())
//! }
//! ```
//!
//! actix runs one single-threaded runtime per worker; the middleware's service lives on
//! its worker, while the shipper (its own thread) is shared by all of them. The server
//! stops gracefully on SIGINT/SIGTERM or
//! [`ServerHandle::stop(true)`](actix_web::dev::ServerHandle::stop); records are exported
//! in batches, and the guard (or [`Shipper::shutdown`] on [`APIToolkit::shipper`]) exports
//! what is still queued, waiting up to 5 seconds by default.
//!
//! # In tests
//! Export to memory instead (`apitoolkit_core::testing::CapturedRecords`, feature
//! `test-util` of `apitoolkit-core`) and read the records after a flush:
//!
//! ```
//! use actix_web::{test, web, App, HttpResponse};
//! use apitoolkit_actix::{APIToolkit, Observer};
//! use apitoolkit_core::{testing::CapturedRecords, Config};
//!
//! # #[actix_web::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let captured = CapturedRecords::new();
//! let config = Config::builder()
//!     .redact_response_body(["$.token"])
//!     .export(captured.export())
//!     .build()?;
//! let apitoolkit = APIToolkit::new(config)?;
//! let shipper = apitoolkit.shipper().expect("enabled").clone();
//!
//! async fn hello(observer: Observer) -> HttpResponse {
//!     let _ = observer.msg_id();
//!     HttpResponse::Ok().body(r#"{"greeting":"hi","token":"s3cret"}"#)
//! }
//! let app = test::init_service(
//!     App::new()
//!         .wrap(apitoolkit.clone())
//!         .route("/hello/{name}", web::get().to(hello)),
//! )
//! .await;
//!
//! let req = test::TestRequest::get().uri("/hello/ann?x=1").to_request();
//! let body = test::call_and_read_body(&app, req).await; // the client sees the real body
//! assert!(body.ends_with(br#""token":"s3cret"}"#));
//!
//! let _ = shipper.flush(std::time::Duration::from_secs(5));
//! let record = &captured.records()[0];
//! assert_eq!(record.url_path, "/hello/{name}");
//! assert_eq!(record.path_params["name"], "ann");
//! assert!(record.response_body.len() > 0); // base64 of the redacted body
//! # Ok(())
//! # }
//! ```
//!
//! # What is recorded, and when
//! - `url_path` is actix's route pattern for the request path (scopes included:
//!   `/parent/{slug}/test`), as [`HttpRequest::match_pattern`](actix_web::HttpRequest::match_pattern)
//!   gives it once the request is routed (so guards choosing among overlapping patterns
//!   are respected); `path_params` are derived from it. Requests no route matched are
//!   recorded with `url_path` `""`, and so are requests whose handler panicked or whose
//!   inner service failed without a response (the routed request is gone then; `raw_url`
//!   still has the path). Apply the middleware with `App::wrap` (or `Scope::wrap`; then
//!   only that scope is recorded).
//! - Bodies are copied while they stream, up to `max_body_bytes`; the handler and the
//!   client see exactly the original bytes, `Content-Length` and timing (the request
//!   payload is wrapped, never buffered). Over the cap, a placeholder is shipped instead
//!   of the body. A request body the handler never reads is recorded as what was read.
//! - The record is finished when the response body ends or is dropped (client gone,
//!   stream cancelled), with the duration to that point, and enqueued without blocking.
//!   Redaction, base64 and serialisation run on the shipper thread.
//! - A handler returning `Err(actix_web::Error)` whose response is a 5xx is recorded
//!   with that error (`message` from `Display`; the root cause by walking `source()`
//!   when the error is a boxed `std::error::Error`, `io::Error` or one of actix's own
//!   error types). Use [`report_error`] / [`Observer::report_error`] for any other error.
//! - A panic in a handler is recorded (status 500, an error entry) and then resumed
//!   unchanged, so actix's own handling applies (the connection is closed).
//!
//! # Features
//! - `client` (default): [`observe_request`] / [`Observer::observe_request`], a reqwest
//!   client whose calls are recorded as outgoing records linked to the request.
//! - `opentelemetry`: the app's own OpenTelemetry and the record's span are one trace:
//!   the record's span is the child of the OpenTelemetry span current when the request
//!   reaches the middleware (it wins over an incoming `traceparent`), and the spans the
//!   handler starts (OpenTelemetry API, or `tracing` through `tracing-opentelemetry`)
//!   are its children (docs/PROTOCOL.md §3, "Trace context").
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod convert;
mod error;
mod future;
mod handler;
mod payload;
mod service;
mod transform;

pub use body::ResponseBody;
pub use future::ResponseFuture;
#[cfg(feature = "client")]
pub use handler::observe_request;
pub use handler::{report_error, Observer};
pub use service::APIToolkitMiddleware;
pub use transform::APIToolkit;

pub use apitoolkit_core::{Config, ConfigError, Shipper, ShipperGuard, ShutdownError, StartError};
