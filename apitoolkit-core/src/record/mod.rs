//! Record: turning a captured [`Exchange`](crate::Exchange) into what is shipped.
//! Runs on the shipper's thread, never in a request.
//!
//! One derivation, `Fields` (`fields.rs`: redaction, the derived `host`, `raw_url`,
//! `query_params`, and `path_params` from the route template when the adapter did not
//! give them), feeds every encoder, so they cannot disagree:
//!
//! - `route.rs`: `path_params` from a route template and the concrete path.
//! - [`build_message`] (`message.rs`): the [`RequestMessage`](crate::RequestMessage)
//!   (docs/PROTOCOL.md §2), handed to the callback exporter, and the reference the
//!   writers below are tested against.
//! - [`write_json`] (`jsonl.rs`, with the string helper in `json.rs`): the same record as
//!   JSON without building it, the JSON Lines exporter's hot path; pinned to `serde_json`
//!   of [`build_message`] byte for byte.
//! - [`span_bytes`] (`otlp_span.rs`): the record's OTLP span as protobuf bytes
//!   (docs/PROTOCOL.md §3), the OTLP exporter's hot path; pinned byte for byte to
//!   `prost`'s encoding of the test-only reference span of `reference_span.rs`. What
//!   both share (names, the export's resource, error events, status) is in
//!   `otlp_shared.rs`.
//!
//! - [`readable`]: a record as a short block a person can read (the quickstarts'
//!   `--demo` output, the `redact` tool's).
//!
//! The limits that keep a record bounded whatever the application reports
//! ([`MAX_ERRORS_PER_RECORD`] and the text limits, docs/PROTOCOL.md §7) are here too.
//!
//! The record model itself ([`RequestMessage`](crate::RequestMessage) and its parts)
//! lives in [`model`](crate::model), below every stage that names it.

mod fields;
mod json;
mod jsonl;
mod message;
pub(crate) mod otlp_shared;
pub(crate) mod otlp_span;
pub mod readable;
#[cfg(test)]
pub(crate) mod reference_span;
mod route;
#[cfg(test)]
mod strategies;
#[cfg(test)]
pub(crate) mod tests;

pub use crate::capture::{
    MAX_ERRORS_PER_RECORD, MAX_ERROR_MESSAGE_BYTES, MAX_ERROR_TYPE_BYTES, MAX_STACK_TRACE_BYTES,
};
pub use jsonl::write_json;
pub use message::build_message;
pub use otlp_span::span_bytes;
