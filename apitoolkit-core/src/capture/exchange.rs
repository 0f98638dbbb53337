//! A captured exchange: the raw facts an adapter gathers while a request is served,
//! before redaction. The shipper turns it into a [`RequestMessage`](crate::model::RequestMessage)
//! off the request path (see [`crate::record`]).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{Method, Uri, Version};
pub(crate) use uuid::Uuid;

use super::trace::{span_id_of, TraceContext};
use crate::model::{CapturedBody, CapturedHeaders, ErrorEntry, SdkType};
use crate::redact::RedactionRules;

/// Everything captured of one HTTP exchange, incoming or outgoing, not yet redacted.
///
/// Its `Debug` shows only what holds no captured secret: ids, times, method, route
/// template, status, the lengths of the path and query, the header names with the
/// lengths of their values, the body lengths and the number of errors. Never a header
/// value, a query value, the path itself, a body byte or an error text.
#[derive(Clone)]
pub struct Exchange {
    /// Which integration captured it.
    pub sdk_type: SdkType,
    /// This record's id.
    pub msg_id: Uuid,
    /// For outgoing calls: the incoming request's `msg_id`.
    pub parent_id: Option<Uuid>,
    /// Wall-clock time the exchange started.
    pub started_at: SystemTime,
    /// From start to the end of the response body (or its drop).
    pub duration: Duration,
    /// Request method.
    pub method: Method,
    /// Request target (origin-form for incoming requests, absolute for outgoing calls).
    pub uri: Uri,
    /// HTTP version of the exchange.
    pub version: Version,
    /// Matched route template; `None` when no route matched.
    pub route: Option<String>,
    /// Path parameters in route order.
    pub path_params: Vec<(String, String)>,
    /// Response status (503 for an outgoing call that got no response).
    pub status: u16,
    /// Request headers as received or sent.
    pub request_headers: CapturedHeaders,
    /// Response headers.
    pub response_headers: CapturedHeaders,
    /// Captured request body.
    pub request_body: CapturedBody,
    /// Captured response body.
    pub response_body: CapturedBody,
    /// Errors reported while serving the request.
    pub errors: Vec<ErrorEntry>,
    /// Redaction rules that replace the configured ones (per-client lists of outgoing calls).
    pub redaction: Option<Arc<RedactionRules>>,
    /// The body cap the exchange was captured with when it is not the configuration's
    /// `max_body_bytes` (a per-route setting); it also bounds decoded bodies.
    pub body_cap: Option<usize>,
    /// The W3C trace context of the exchange's span; `None` derives it from the ids: a
    /// new trace named by `msg_id`, or for an outgoing call the trace named by
    /// `parent_id` with the incoming span as parent (see [`TraceContext`]).
    pub trace: Option<TraceContext>,
    /// The sampling rate the record was kept at (`APITOOLKIT_SAMPLE_RATE`): 1.0 when every
    /// exchange is recorded, and for failures and slow exchanges, which always are.
    pub sample_rate: f64,
    /// Tags a handler added (shipped after the configured tags).
    pub tags: Vec<String>,
    /// Attributes a handler set (`user.id` for the user), in the order set.
    pub attributes: Vec<(String, String)>,
    /// The `grpc-status` of a gRPC call (from the response trailers, or the head of a
    /// trailers-only response); `None` for any other exchange. Shipped as the attribute
    /// `rpc.grpc.status_code`.
    pub grpc_status: Option<u32>,
}

impl Exchange {
    /// A new exchange with empty captures, a fresh `msg_id` and the start time now.
    pub fn new(sdk_type: SdkType, method: Method, uri: Uri, version: Version) -> Exchange {
        Exchange::with_id(Uuid::new_v4(), sdk_type, method, uri, version)
    }

    /// As [`new`](Self::new) with a given `msg_id` (the one of a [`RequestContext`](crate::integration::RequestContext)).
    pub fn with_id(
        msg_id: Uuid,
        sdk_type: SdkType,
        method: Method,
        uri: Uri,
        version: Version,
    ) -> Exchange {
        Exchange {
            sdk_type,
            msg_id,
            parent_id: None,
            started_at: SystemTime::now(),
            duration: Duration::ZERO,
            method,
            uri,
            version,
            route: None,
            path_params: Vec::new(),
            status: 0,
            request_headers: CapturedHeaders::new(),
            response_headers: CapturedHeaders::new(),
            request_body: CapturedBody::Empty,
            response_body: CapturedBody::Empty,
            errors: Vec::new(),
            redaction: None,
            body_cap: None,
            trace: None,
            sample_rate: 1.0,
            tags: Vec::new(),
            attributes: Vec::new(),
            grpc_status: None,
        }
    }

    /// Approximate memory held by this exchange, used for the shipper's byte budget.
    pub fn approx_size(&self) -> usize {
        256 + self.request_body.size()
            + self.response_body.size()
            + self.request_headers.heap_size()
            + self.response_headers.heap_size()
            + self.uri.path_and_query().map_or(0, |p| p.as_str().len())
            + self.route.as_ref().map_or(0, String::capacity)
            + self
                .path_params
                .iter()
                .map(|(k, v)| 48 + k.capacity() + v.capacity())
                .sum::<usize>()
            + self
                .errors
                .iter()
                .map(|e| std::mem::size_of::<ErrorEntry>() + e.heap_size())
                .sum::<usize>()
    }
}

impl Exchange {
    /// The ids of the exchange's span: trace id, span id, parent span id.
    pub(crate) fn span_ids(&self) -> ([u8; 16], [u8; 8], Option<[u8; 8]>) {
        match &self.trace {
            Some(t) => (t.trace_id(), t.span_id(), t.parent_span_id()),
            None => (
                *self.parent_id.unwrap_or(self.msg_id).as_bytes(),
                span_id_of(self.msg_id),
                self.parent_id.map(span_id_of),
            ),
        }
    }

    /// A "failed" exchange (status >= 500, or errors reported, panics included): kept
    /// before successful ones when the shipper must drop records.
    pub(crate) fn is_failure(&self) -> bool {
        self.status >= 500 || !self.errors.is_empty()
    }
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = |s: Option<&str>| format!("{} bytes", s.map_or(0, str::len));
        let param_names: Vec<&str> = self.path_params.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Exchange")
            .field("sdk_type", &self.sdk_type)
            .field("msg_id", &self.msg_id)
            .field("parent_id", &self.parent_id)
            .field("started_at", &self.started_at)
            .field("duration", &self.duration)
            .field("method", &self.method)
            .field("version", &self.version)
            .field("route", &self.route)
            .field("path", &format_args!("{}", len(Some(self.uri.path()))))
            .field("query", &format_args!("{}", len(self.uri.query())))
            .field("path_params", &param_names)
            .field("status", &self.status)
            .field("grpc_status", &self.grpc_status)
            .field("request_headers", &self.request_headers)
            .field("response_headers", &self.response_headers)
            .field("request_body", &self.request_body)
            .field("response_body", &self.response_body)
            .field("errors", &self.errors.len())
            .field("own_redaction", &self.redaction.is_some())
            .field("trace", &self.trace)
            .finish()
    }
}
