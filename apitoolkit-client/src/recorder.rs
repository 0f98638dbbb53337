//! [`OutgoingRecorder`]: the `reqwest_middleware::Middleware` that records each call.

use std::sync::Arc;

use apitoolkit_core::integration::RequestContext;
use apitoolkit_core::{CapturedHeaders, ErrorEntry, RedactionRules, Shipper, TraceContext};
use http::header::{HeaderName, HeaderValue};
use http::Extensions;
use reqwest::{Request, Response, ResponseBuilderExt};
use reqwest_middleware::{Middleware, Next};

use crate::body::RecordingBody;
use crate::extensions::{CallRedaction, UrlWildcard};
use crate::recording::Recording;
use crate::request::exchange_for;
use crate::target::mask_entry;

const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Records every call passing through it as an outgoing record (`sdk_type`
/// `RustOutgoing`) and enqueues it on a [`Shipper`].
///
/// Most code uses [`observe_request`](crate::observe_request) or
/// [`OutgoingClient::builder`](crate::OutgoingClient::builder); add it yourself to
/// combine it with other middleware (put it last to record what is really sent, first
/// to record one exchange per logical call including retries):
///
/// ```
/// use apitoolkit_client::OutgoingRecorder;
/// use apitoolkit_core::{Config, Shipper};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let shipper = Shipper::start(Config::builder().on_batch(|_| {}).build()?)?;
/// let reqwest_client = apitoolkit_client::default_client().clone(); // or your own
/// let client = reqwest_middleware::ClientBuilder::new(reqwest_client)
///     .with(OutgoingRecorder::new(shipper))
///     .build();
/// # drop(client);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct OutgoingRecorder {
    shipper: Shipper,
    parent: Option<RequestContext>,
    redaction: Option<Arc<RedactionRules>>,
}

impl OutgoingRecorder {
    /// A recorder with no parent request (`parent_id` null) and the global redaction
    /// rules of the shipper's configuration.
    pub fn new(shipper: Shipper) -> OutgoingRecorder {
        OutgoingRecorder {
            shipper,
            parent: None,
            redaction: None,
        }
    }

    /// A recorder linked to an incoming request: records go to its shipper with
    /// `parent_id` = its `msg_id`, and calls that fail without a response are also
    /// reported on it.
    pub fn linked(ctx: &RequestContext) -> OutgoingRecorder {
        OutgoingRecorder::new(ctx.shipper().clone()).parent(ctx)
    }

    /// Links the records to an incoming request (see [`linked`](Self::linked)).
    #[must_use]
    pub fn parent(mut self, ctx: &RequestContext) -> OutgoingRecorder {
        self.parent = Some(ctx.clone());
        self
    }

    /// Redaction rules for this client's records, replacing the global ones (docs/PROTOCOL.md §4).
    #[must_use]
    pub fn redaction(mut self, rules: impl Into<Arc<RedactionRules>>) -> OutgoingRecorder {
        self.redaction = Some(rules.into());
        self
    }

    fn rules<'a>(&'a self, call: Option<&'a Arc<RedactionRules>>) -> &'a RedactionRules {
        call.or(self.redaction.as_ref())
            .unwrap_or_else(|| self.shipper.config().redaction())
    }
}

#[async_trait::async_trait]
impl Middleware for OutgoingRecorder {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let call_rules = extensions.get::<CallRedaction>().map(|c| Arc::clone(&c.0));
        let redaction = call_rules.clone().or_else(|| self.redaction.clone());
        let msg_id = uuid::Uuid::new_v4();
        let trace = match &self.parent {
            Some(parent) => parent.trace().child(msg_id),
            None => TraceContext::root(msg_id),
        };
        propagate(&mut req, &trace);
        let exchange = exchange_for(
            &req,
            self.shipper.config(),
            (msg_id, trace),
            self.parent.as_ref().map(RequestContext::msg_id),
            extensions.get::<UrlWildcard>(),
            redaction,
        );
        let mut recording = Recording::start(self.shipper.clone(), exchange);
        match next.run(req, extensions).await {
            Ok(response) => {
                recording.set_response(
                    response.status().as_u16(),
                    response.version(),
                    CapturedHeaders::from(response.headers()),
                );
                Ok(tee_response(response, recording))
            }
            Err(err) => {
                let entry = mask_entry(error_entry(&err), self.rules(call_rules.as_ref()));
                if let Some(parent) = &self.parent {
                    parent.report_entry(entry.clone());
                }
                recording.fail(entry);
                Err(err)
            }
        }
    }
}

/// Adds the W3C trace headers naming the call's span as the parent, so that the
/// downstream service joins the trace: `traceparent`, and the trace's `tracestate` when
/// there is one. A `traceparent` the app set itself is left alone, and so is its
/// `tracestate`.
fn propagate(req: &mut Request, trace: &TraceContext) {
    let headers = req.headers_mut();
    if headers.contains_key(TRACEPARENT) {
        return;
    }
    if let Ok(v) = HeaderValue::from_str(&trace.traceparent()) {
        headers.insert(TRACEPARENT, v);
    }
    if let Some(state) = trace.trace_state() {
        if !headers.contains_key(TRACESTATE) {
            if let Ok(v) = HeaderValue::from_str(state) {
                headers.insert(TRACESTATE, v);
            }
        }
    }
}

/// The error entry of a failed call: the reqwest error with its root cause.
fn error_entry(err: &reqwest_middleware::Error) -> ErrorEntry {
    let (mut entry, type_name) = match err {
        reqwest_middleware::Error::Reqwest(e) => (ErrorEntry::from_error(e), "reqwest::Error"),
        reqwest_middleware::Error::Middleware(_) => {
            (ErrorEntry::from_error(err), "reqwest_middleware::Error")
        }
    };
    entry.error_type = type_name.to_owned();
    if std::error::Error::source(err).is_none() {
        entry.root_error_type = entry.error_type.clone();
    }
    entry
}

/// Hands the response back with its body wrapped so that it is teed into the record;
/// status, headers, version, extensions and `Response::url()` are kept.
fn tee_response(response: Response, recording: Recording) -> Response {
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    // `reqwest::Response -> http::Response` drops the URL; put it back where the reverse
    // conversion looks for it.
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(carrier.into_parts().0.extensions);
    }
    let body = reqwest::Body::wrap(RecordingBody::new(body, recording));
    Response::from(http::Response::from_parts(parts, body))
}
