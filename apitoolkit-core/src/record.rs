//! Turning a captured [`Exchange`] into the [`RequestMessage`] that is shipped: redaction,
//! base64 and the derived fields (`host`, `raw_url`, `query_params`, and `path_params`
//! from the route template when the adapter did not give them). Runs on the shipper's
//! thread, never in a request.

use base64::Engine as _;
use http::header::{HOST, REFERER};
use http::Version;

use crate::exchange::{Exchange, Uuid};
use crate::payload::{rfc3339, RequestMessage};
use crate::redact::{redact_body, redact_headers, redact_query};
use crate::route::path_params;
use crate::Config;

/// Builds the redacted record of an exchange. Uses the exchange's own redaction rules
/// when it carries some (outgoing clients), else the configuration's.
pub fn build_message(ex: &Exchange, config: &Config) -> RequestMessage {
    let rules = ex.redaction.as_ref().unwrap_or(config.redaction());
    let host = ex
        .uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| header_text(ex, HOST))
        .unwrap_or_default();
    let path = ex.uri.path();
    let (query_params, raw_url) = match ex.uri.query() {
        Some(q) => {
            let (params, masked) = redact_query(q, rules);
            (params, format!("{path}?{masked}"))
        }
        None => (Default::default(), path.to_owned()),
    };
    let (proto_major, proto_minor) = match ex.version {
        Version::HTTP_09 => (0, 9),
        Version::HTTP_10 => (1, 0),
        Version::HTTP_2 => (2, 0),
        Version::HTTP_3 => (3, 0),
        _ => (1, 1),
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let request_body = redact_body(&ex.request_body, &ex.request_headers, rules.request_body());
    let response_body = redact_body(
        &ex.response_body,
        &ex.response_headers,
        rules.response_body(),
    );
    RequestMessage {
        timestamp: rfc3339(ex.started_at.into()),
        duration: u64::try_from(ex.duration.as_nanos()).unwrap_or(u64::MAX),
        host,
        method: ex.method.as_str().to_ascii_uppercase(),
        url_path: ex.route.clone().unwrap_or_default(),
        raw_url,
        path_params: match (&ex.route, ex.path_params.is_empty()) {
            (Some(route), true) => path_params(route, path).into_iter().collect(),
            _ => ex.path_params.iter().cloned().collect(),
        },
        query_params,
        proto_major,
        proto_minor,
        status_code: ex.status,
        referer: header_text(ex, REFERER).unwrap_or_default(),
        request_headers: redact_headers(&ex.request_headers, rules),
        response_headers: redact_headers(&ex.response_headers, rules),
        request_body: b64.encode(request_body),
        response_body: b64.encode(response_body),
        project_id: config.project_id().to_owned(),
        sdk_type: ex.sdk_type,
        service_version: config.service_version().map(str::to_owned),
        tags: config.tags().to_vec(),
        msg_id: uuid_text(ex.msg_id),
        parent_id: ex.parent_id.map(uuid_text),
        errors: ex.errors.clone(),
    }
}

/// The hyphenated lower-case form, without going through `fmt`.
fn uuid_text(id: Uuid) -> String {
    id.hyphenated()
        .encode_lower(&mut Uuid::encode_buffer())
        .to_owned()
}

fn header_text(ex: &Exchange, name: http::HeaderName) -> Option<String> {
    ex.request_headers
        .get(name.as_str())
        .map(|v| String::from_utf8_lossy(v).into_owned())
}
