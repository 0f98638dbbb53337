//! W3C Trace Context (level 1) of an exchange (docs/PROTOCOL.md §3, "Trace context"):
//! the trace its span joins, its parent, and the `traceparent` an outgoing call carries.
//!
//! * An incoming request with one valid `traceparent` joins the caller's trace: its span
//!   takes the header's trace id, the caller's span id as parent, a span id of its own
//!   (the low 8 bytes of its `msg_id`) and the `tracestate` (when valid). Without one, or
//!   with an invalid one, it starts a new trace whose id is its `msg_id`.
//! * An outgoing call is a child of the incoming request's span; the `traceparent` it
//!   sends names the call's own span as parent, so a downstream service joins the trace.
//! * The sampled flag is carried and recorded (the span's `flags`); it never stops
//!   recording.

#[cfg(feature = "opentelemetry")]
mod otel;
mod parse;

use std::fmt;
use std::sync::Arc;

use uuid::Uuid;

use parse::{parse_traceparent, parse_tracestate};

#[cfg(feature = "opentelemetry")]
pub(crate) use otel::parent_in;
#[cfg(feature = "opentelemetry")]
pub use otel::OtelScope;

/// The `sampled` bit of the trace flags.
const SAMPLED: u8 = 0x01;

/// The trace context of one exchange's span. Cheap to clone (the `tracestate` is shared).
#[derive(Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    parent_span_id: Option<[u8; 8]>,
    flags: u8,
    trace_state: Option<Arc<str>>,
    remote_parent: bool,
}

impl TraceContext {
    /// A new trace whose id is `msg_id` and whose root span is the exchange's (sampled).
    pub fn root(msg_id: Uuid) -> TraceContext {
        TraceContext {
            trace_id: *msg_id.as_bytes(),
            span_id: span_id_of(msg_id),
            parent_span_id: None,
            flags: SAMPLED,
            trace_state: None,
            remote_parent: false,
        }
    }

    /// The context of an incoming request with id `msg_id`, from the values of its
    /// `traceparent` and `tracestate` headers (every occurrence, in order): a child of
    /// the caller's span when there is exactly one valid `traceparent`, else a new trace
    /// ([`root`](Self::root)). An invalid `tracestate` is dropped; the trace is kept.
    pub fn from_headers<'a>(
        traceparent: impl IntoIterator<Item = &'a [u8]>,
        tracestate: impl IntoIterator<Item = &'a [u8]>,
        msg_id: Uuid,
    ) -> TraceContext {
        let mut values = traceparent.into_iter();
        let parsed = match (values.next(), values.next()) {
            (Some(v), None) => parse_traceparent(v),
            // Absent, or sent twice: a new trace (W3C Trace Context, §3.2).
            _ => None,
        };
        let Some(parent) = parsed else {
            return TraceContext::root(msg_id);
        };
        TraceContext {
            trace_id: parent.trace_id,
            span_id: span_id_of(msg_id),
            parent_span_id: Some(parent.span_id),
            flags: parent.flags,
            trace_state: parse_tracestate(tracestate).map(Arc::from),
            remote_parent: true,
        }
    }

    /// The context of an exchange with id `msg_id` whose span is the child of `parent`
    /// (a span the app started, in this process or, when `parent.remote`, in another
    /// one): its trace id, flags and `tracestate`, `parent.span_id` as parent, a span id
    /// of its own. `None` when an id is all zeros (not a span). An invalid `tracestate`
    /// is dropped; the trace is kept.
    pub fn child_of(parent: &SpanParent<'_>, msg_id: Uuid) -> Option<TraceContext> {
        if parent.trace_id == [0; 16] || parent.span_id == [0; 8] {
            return None;
        }
        let trace_state = parent
            .trace_state
            .and_then(|s| parse_tracestate([s.as_bytes()]))
            .map(Arc::from);
        Some(TraceContext {
            trace_id: parent.trace_id,
            span_id: span_id_of(msg_id),
            parent_span_id: Some(parent.span_id),
            flags: parent.flags,
            trace_state,
            remote_parent: parent.remote,
        })
    }

    /// The context of a span started under this one (an outgoing call with id `msg_id`):
    /// same trace, flags and `tracestate`, this span as parent.
    pub fn child(&self, msg_id: Uuid) -> TraceContext {
        TraceContext {
            trace_id: self.trace_id,
            span_id: span_id_of(msg_id),
            parent_span_id: Some(self.span_id),
            flags: self.flags,
            trace_state: self.trace_state.clone(),
            remote_parent: false,
        }
    }

    /// The trace id.
    pub fn trace_id(&self) -> [u8; 16] {
        self.trace_id
    }

    /// This span's id.
    pub fn span_id(&self) -> [u8; 8] {
        self.span_id
    }

    /// The parent span's id; `None` for the root of a trace.
    pub fn parent_span_id(&self) -> Option<[u8; 8]> {
        self.parent_span_id
    }

    /// Whether the parent span is in another process (from an incoming `traceparent`).
    pub fn is_remote_parent(&self) -> bool {
        self.remote_parent
    }

    /// The W3C trace flags (`01`: sampled).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the trace is marked sampled upstream (recorded; it does not stop the SDK
    /// recording).
    pub fn sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// The `tracestate` received with the trace, when valid.
    pub fn trace_state(&self) -> Option<&str> {
        self.trace_state.as_deref()
    }

    /// The trace id as 32 lower-case hex digits (what APItoolkit's trace search takes).
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// This span's id as 16 lower-case hex digits.
    pub fn span_id_hex(&self) -> String {
        hex(&self.span_id)
    }

    /// The `traceparent` value naming this span as the parent:
    /// `00-<trace id>-<span id>-<flags>`.
    pub fn traceparent(&self) -> String {
        format!(
            "00-{}-{}-{:02x}",
            self.trace_id_hex(),
            self.span_id_hex(),
            self.flags
        )
    }
}

/// The span an exchange's span is started under, given by the app rather than by a
/// `traceparent` header (for instance its OpenTelemetry span current when the request
/// reached the adapter): see [`TraceContext::child_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanParent<'a> {
    /// The trace id (not all zeros).
    pub trace_id: [u8; 16],
    /// The parent span's id (not all zeros).
    pub span_id: [u8; 8],
    /// The W3C trace flags (`01`: sampled).
    pub flags: u8,
    /// The W3C `tracestate` of the trace (`key=value` members joined by `,`), if any.
    pub trace_state: Option<&'a str>,
    /// Whether the parent span is in another process.
    pub remote: bool,
}

impl fmt::Debug for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceContext")
            .field("trace_id", &self.trace_id_hex())
            .field("span_id", &self.span_id_hex())
            .field(
                "parent_span_id",
                &self.parent_span_id.as_ref().map(|p| hex(p)),
            )
            .field("flags", &self.flags)
            .field(
                "trace_state_len",
                &self.trace_state.as_ref().map(|s| s.len()),
            )
            .field("remote_parent", &self.remote_parent)
            .finish()
    }
}

/// The span id of the exchange with this `msg_id`: its low 8 bytes (never zero: a v4
/// UUID's byte 8 holds the variant bits `10`).
pub(crate) fn span_id_of(msg_id: Uuid) -> [u8; 8] {
    let mut id = [0u8; 8];
    id.copy_from_slice(&msg_id.as_bytes()[8..16]);
    id
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests;
