//! [`build_message`]: the record as a [`RequestMessage`], for the callback exporter and
//! as the reference the writers are tested against.

use base64::Engine as _;

use super::fields::{uuid_text, Fields, B64};
use crate::capture::exchange::Exchange;
use crate::capture::trace::hex;
use crate::model::{rfc3339, RequestMessage};
use crate::redact::redact_headers;
use crate::Config;

/// Builds the redacted record of an exchange. Uses the exchange's own redaction rules
/// when it carries some (outgoing clients), else the configuration's.
pub fn build_message(ex: &Exchange, config: &Config) -> RequestMessage {
    let p = Fields::new(ex, config);
    let (trace_id, span_id, _) = ex.span_ids();
    RequestMessage {
        timestamp: rfc3339(ex.started_at.into()),
        duration: p.duration,
        host: p.host.into_owned(),
        method: p.method.into_owned(),
        url_path: p.url_path.into_owned(),
        raw_url: p.raw_url.into_owned(),
        path_params: p
            .path_params
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        query_params: p.query_params,
        proto_major: p.proto.0,
        proto_minor: p.proto.1,
        status_code: ex.status,
        referer: p.referer.into_owned(),
        request_headers: redact_headers(&ex.request_headers, p.rules),
        response_headers: redact_headers(&ex.response_headers, p.rules),
        request_body: B64.encode(p.request_body),
        response_body: B64.encode(p.response_body),
        request_body_encoding: p.request_body_encoding,
        response_body_encoding: p.response_body_encoding,
        project_id: config.project_id().to_owned(),
        sdk_type: ex.sdk_type,
        service_version: config.service_version().map(str::to_owned),
        tags: p.tags.iter().map(|t| t.clone().into_owned()).collect(),
        msg_id: uuid_text(ex.msg_id),
        parent_id: ex.parent_id.map(uuid_text),
        trace_id: hex(&trace_id),
        span_id: hex(&span_id),
        sample_rate: ex.sample_rate,
        attributes: p
            .attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone().into_owned()))
            .collect(),
        errors: p.errors.into_owned(),
    }
}
