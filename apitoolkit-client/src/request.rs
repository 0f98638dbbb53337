//! The request half of an outgoing record, taken from a `reqwest::Request` before it is
//! sent.

use std::sync::Arc;

use apitoolkit_core::integration::BodyCapture;
use apitoolkit_core::{
    CapturedBody, CapturedHeaders, Config, Exchange, RedactionRules, SdkType, TraceContext,
};
use reqwest::Request;

use crate::extensions::UrlWildcard;
use crate::target::target_uri;

/// The exchange `msg_id` of `req`: absolute target, route (the caller's template, else
/// the concrete path), headers, the body when it is buffered, parent, trace context and
/// redaction rules.
pub(crate) fn exchange_for(
    req: &Request,
    config: &Config,
    (msg_id, trace): (uuid::Uuid, TraceContext),
    parent_id: Option<uuid::Uuid>,
    wildcard: Option<&UrlWildcard>,
    redaction: Option<Arc<RedactionRules>>,
) -> Exchange {
    let mut ex = Exchange::with_id(
        msg_id,
        SdkType::RustOutgoing,
        req.method().clone(),
        target_uri(req.url()),
        req.version(),
    );
    ex.parent_id = parent_id;
    ex.trace = Some(trace);
    ex.route = Some(match wildcard {
        Some(w) => w.0.clone(),
        None => req.url().path().to_owned(),
    });
    ex.request_headers = CapturedHeaders::from(req.headers());
    ex.request_body = request_body(req, config);
    ex.redaction = redaction;
    ex
}

/// The request body when reqwest holds it in memory; a streaming body cannot be copied
/// without changing what is sent, so it is recorded as not captured.
fn request_body(req: &Request, config: &Config) -> CapturedBody {
    match req.body() {
        None => CapturedBody::Empty,
        Some(body) => match body.as_bytes() {
            Some(bytes) => {
                let mut capture =
                    BodyCapture::new(config.max_body_bytes(), config.capture_request_body());
                capture.push(bytes);
                capture.take()
            }
            None if config.capture_request_body() => CapturedBody::NotCaptured,
            None => CapturedBody::Empty,
        },
    }
}
