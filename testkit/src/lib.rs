//! Dev-only helpers of the APItoolkit SDK's test suites (never published).
//!
//! [`Collector`] is an OTLP/HTTP trace collector on `127.0.0.1:0`, running on its own
//! thread and tokio runtime (so tests under any runtime, or none, can use it). It
//! decodes gzip + `ExportTraceServiceRequest` bodies, and its answer is controllable at
//! runtime ([`Behavior`]): 200, any status, 429 with `Retry-After`, a slow answer, an
//! HTTP-level stall, a TCP-level black hole, a connection closed unanswered, or a
//! [`Schedule`] cycling through phases of these ([`Collector::flapping`]: issue 21's
//! 18-second cycle). One-shot behaviours can be queued ([`Collector::push_next`]) before
//! falling back to the current one. It counts the requests in flight and their maximum
//! ([`Collector::max_in_flight`]) and the distinct spans accepted, once per `msg_id`
//! ([`Collector::distinct_accepted_count`]).
//!
//! ```
//! use apitoolkit_testkit::{Behavior, Collector};
//!
//! let collector = Collector::start();
//! collector.push_next(Behavior::Status(500)); // the next export gets a 500
//! assert_eq!(collector.accepted_span_count(), 0);
//! collector.set_behavior(Behavior::Stall); // later ones are never answered
//! # let _ = collector.endpoint();
//! ```

//!
//! [`suite`] is the behaviour suite every adapter passes (see [`suite::Adapter`] and
//! [`adapter_suite!`]); the fixtures and checks of the SDK's suites are at the crate root
//! (with the record decoders of `apitoolkit_core::testing` re-exported beside them).

mod collector;
mod debug_prints;
mod demo_output;
mod exchanges;
mod fixtures;
mod large;
mod logs;
mod raw_http;
mod scratch;
mod shipper;
pub mod suite;

pub use apitoolkit_core::testing::{
    assert_not_leaked, assert_uuid_v4, body_bytes, body_json, CapturedRecords,
};
pub use collector::{
    endpoint_of, unused_addr, Behavior, Collector, ExportRequest, ReceivedSpan, Schedule,
};
pub use debug_prints::*;
pub use demo_output::assert_quickstart_demo_output;
pub use exchanges::{incoming, outgoing, small};
pub use fixtures::*;
pub use large::*;
pub use logs::{capture_logs, captured_log_bytes};
pub use raw_http::*;
pub use scratch::ScratchDir;
pub use shipper::{
    accounted, dead_endpoint, export_settings, fast_settings, otlp_to, wait_for, wait_until,
};
