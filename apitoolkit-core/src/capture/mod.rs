//! Capture: what an adapter copies of an exchange while it is served, before any
//! redaction (docs/PROTOCOL.md §6). Everything here runs on the request path, so it
//! copies and counts, and leaves the work (redaction, encoding) to the shipper's thread.
//!
//! - [`exchange`]: [`Exchange`], the raw facts of one request and response: headers as
//!   [`CapturedHeaders`](crate::CapturedHeaders) and bodies as
//!   [`CapturedBody`](crate::CapturedBody) (both in [`model`](crate::model),
//!   which redaction reads too).
//! - `body.rs`: [`BodyCapture`], the copy of a body taken as it streams, up to the cap.
//! - `errors.rs`: [`ErrorEntry`](crate::ErrorEntry)s built from an error or a panic when
//!   it is reported, with the limits that keep a record bounded (docs/PROTOCOL.md §7).
//! - `trace/`: [`TraceContext`], the W3C Trace Context of an exchange's span
//!   (`traceparent`/`tracestate` parsed, and the `traceparent` of outgoing calls).
//! - `grpc.rs`: the outcome of a gRPC call (`grpc-status` in the trailers, or in the
//!   head of a trailers-only response) and its route (the full method).
//! - `policy/`: the traffic policy: which requests are left out (exclusions) and which
//!   successful exchanges are recorded (sampling).
//! - [`tee`]: [`TeeBody`](crate::integration::TeeBody), the one `http_body::Body`
//!   wrapper that shows every frame of a streaming body to a [`BodySink`] (the request
//!   context, the in-flight record), and
//!   [`for_each_slice`](crate::integration::for_each_slice), the per-chunk walk every
//!   adapter uses.
//!
//! The objects that live for one request and hand the finished exchange to the shipper
//! ([`RequestContext`](crate::integration::RequestContext),
//! [`InFlight`](crate::integration::InFlight)) are in
//! [`request`](crate::request), above the shipper.

mod body;
mod errors;
pub(crate) mod exchange;
pub(crate) mod grpc;
pub(crate) mod policy;
pub(crate) mod tee;
pub(crate) mod trace;

pub use body::BodyCapture;
pub use errors::{
    MAX_ERRORS_PER_RECORD, MAX_ERROR_MESSAGE_BYTES, MAX_ERROR_TYPE_BYTES, MAX_STACK_TRACE_BYTES,
};
pub use exchange::Exchange;
pub(crate) use tee::BodySink;
#[cfg(feature = "opentelemetry")]
pub(crate) use trace::parent_in;
#[cfg(feature = "opentelemetry")]
pub use trace::OtelScope;
pub use trace::{SpanParent, TraceContext};
