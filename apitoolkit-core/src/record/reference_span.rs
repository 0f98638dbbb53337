//! The readable reference of the record → OTLP span mapping (docs/PROTOCOL.md §3): a
//! `Span` built from the redacted [`RequestMessage`]. Test-only: the exporter writes the
//! same bytes without building it (`otlp_span.rs`), and the tests hold it to this.

use super::otlp_shared::{
    events, kv, span_flags, status, str_kv, trace_state, unix_nanos, SPAN_NAME,
};
use crate::capture::exchange::Exchange;
use crate::capture::grpc;
use crate::model::{MultiMap, RequestMessage};
use crate::Config;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, ArrayValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::{span, Span};

fn array_kv<'a>(key: impl Into<String>, values: impl IntoIterator<Item = &'a String>) -> KeyValue {
    let values = values
        .into_iter()
        .map(|s| AnyValue {
            value: Some(any_value::Value::StringValue(s.clone())),
        })
        .collect();
    kv(key, any_value::Value::ArrayValue(ArrayValue { values }))
}

/// Bytes of lower-case hex (the record's `trace_id` / `span_id`).
fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

fn headers(span: &mut Vec<KeyValue>, prefix: &str, map: &MultiMap) {
    for (name, values) in map {
        span.push(array_kv(format!("{prefix}{name}"), values));
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// One span for one record. Times come from the exchange (exact), everything else from
/// the redacted message. The exporter writes the same bytes without building it
/// (`otlp_span.rs`); this is the readable reference the tests hold it to.
pub(crate) fn span(ex: &Exchange, msg: &RequestMessage, config: &Config) -> Span {
    let start = unix_nanos(ex.started_at);
    let end = start.saturating_add(u64::try_from(ex.duration.as_nanos()).unwrap_or(u64::MAX));
    let parent_span_id = ex.span_ids().2.map(|p| p.to_vec()).unwrap_or_default();
    let kind = if msg.sdk_type.is_outgoing() {
        span::SpanKind::Client
    } else {
        span::SpanKind::Server
    };

    let mut attributes = vec![
        str_kv("net.host.name", msg.host.as_str()),
        str_kv("http.route", msg.url_path.as_str()),
        str_kv("http.target", msg.raw_url.as_str()),
        str_kv("http.request.method", msg.method.as_str()),
        kv(
            "http.response.status_code",
            any_value::Value::IntValue(i64::from(msg.status_code)),
        ),
    ];
    // A gRPC call's status, an int (the OpenTelemetry convention), after the HTTP status.
    let grpc_status = ex
        .grpc_status
        .is_some()
        .then(|| &msg.attributes[grpc::STATUS_ATTRIBUTE]);
    if let Some(code) = grpc_status.and_then(|c| c.parse().ok()) {
        attributes.push(kv(grpc::STATUS_ATTRIBUTE, any_value::Value::IntValue(code)));
    }
    attributes.extend([
        str_kv("http.request.query_params", json(&msg.query_params)),
        str_kv("http.request.path_params", json(&msg.path_params)),
        str_kv("http.request.body", msg.request_body.as_str()),
        str_kv("http.response.body", msg.response_body.as_str()),
    ]);
    for (key, coding) in [
        (
            "apitoolkit.request_body_encoding",
            &msg.request_body_encoding,
        ),
        (
            "apitoolkit.response_body_encoding",
            &msg.response_body_encoding,
        ),
    ] {
        if !coding.is_empty() {
            attributes.push(str_kv(key, coding.as_str()));
        }
    }
    headers(
        &mut attributes,
        "http.request.header.",
        &msg.request_headers,
    );
    headers(
        &mut attributes,
        "http.response.header.",
        &msg.response_headers,
    );
    attributes.extend([
        str_kv("apitoolkit.msg_id", msg.msg_id.as_str()),
        str_kv(
            "apitoolkit.parent_id",
            msg.parent_id.clone().unwrap_or_default(),
        ),
        str_kv("apitoolkit.sdk_type", msg.sdk_type.as_str()),
        str_kv(
            "apitoolkit.service_version",
            msg.service_version.clone().unwrap_or_default(),
        ),
        array_kv("apitoolkit.tags", &msg.tags),
        str_kv("apitoolkit.errors", json(&msg.errors)),
        kv(
            "apitoolkit.sample_rate",
            any_value::Value::DoubleValue(msg.sample_rate),
        ),
    ]);
    attributes.extend(
        msg.attributes
            .iter()
            .filter(|(k, _)| grpc_status.is_none() || k.as_str() != grpc::STATUS_ATTRIBUTE)
            .map(|(k, v)| str_kv(k.as_str(), v.as_str())),
    );
    if !msg.project_id.is_empty() {
        attributes.push(str_kv("apitoolkit.project_id", msg.project_id.as_str()));
    }

    let events = events(&msg.errors, end);
    let status = status(msg.status_code, &msg.errors);

    Span {
        trace_id: unhex(&msg.trace_id),
        span_id: unhex(&msg.span_id),
        trace_state: trace_state(ex, config).unwrap_or_default().to_owned(),
        parent_span_id,
        flags: span_flags(ex),
        name: SPAN_NAME.into(),
        kind: kind as i32,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        attributes,
        events,
        status: Some(status),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorEntry, SdkType};
    use crate::record::build_message;
    use crate::record::otlp_shared::{parse_time, resource};
    use crate::Config;
    use http::{Method, Uri, Version};
    use opentelemetry_proto::tonic::trace::v1::status;
    use std::time::Duration;

    fn nanos(d: Duration) -> u64 {
        u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
    }

    fn config() -> Config {
        Config::builder()
            .api_key("k-123")
            .service_name("svc")
            .service_version("v9")
            .tags(["env:test"])
            .build_with_env(|_| None)
            .expect("config")
    }

    fn attr<'a>(s: &'a Span, key: &str) -> Option<&'a any_value::Value> {
        s.attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
            .and_then(|v| v.value.as_ref())
    }

    #[test]
    fn incoming_and_outgoing_spans_share_a_trace() {
        let config = config();
        let mut inc = Exchange::new(
            SdkType::RustAxum,
            Method::POST,
            Uri::from_static("/users/42?x=1"),
            Version::HTTP_11,
        );
        inc.status = 500;
        inc.duration = Duration::from_millis(3);
        inc.errors.push(ErrorEntry {
            when: "2026-06-19T10:15:30.5Z".into(),
            error_type: "E".into(),
            root_error_type: "R".into(),
            message: "boom".into(),
            root_error_message: "root".into(),
            stack_trace: "st".into(),
        });
        let mut out = Exchange::new(
            SdkType::RustOutgoing,
            Method::GET,
            Uri::from_static("http://up.example/a"),
            Version::HTTP_11,
        );
        out.parent_id = Some(inc.msg_id);
        out.status = 200;

        let s_in = span(&inc, &build_message(&inc, &config), &config);
        let s_out = span(&out, &build_message(&out, &config), &config);
        assert_eq!(s_in.trace_id, inc.msg_id.as_bytes().to_vec());
        assert_eq!(s_out.trace_id, s_in.trace_id);
        assert_eq!(s_out.parent_span_id, s_in.span_id);
        assert!(s_in.parent_span_id.is_empty());
        assert_eq!(s_in.span_id.len(), 8);
        assert_eq!(s_in.kind, span::SpanKind::Server as i32);
        assert_eq!(s_out.kind, span::SpanKind::Client as i32);
        assert_eq!(
            s_in.end_time_unix_nano - s_in.start_time_unix_nano,
            nanos(Duration::from_millis(3))
        );
        assert_eq!(
            s_in.status.as_ref().map(|s| s.code),
            Some(status::StatusCode::Error as i32)
        );
        assert_eq!(
            s_out.status.as_ref().map(|s| s.code),
            Some(status::StatusCode::Unset as i32)
        );
        assert_eq!(s_in.events.len(), 1);
        assert_eq!(s_in.events[0].name, "exception");
        assert_eq!(
            s_in.events[0].time_unix_nano,
            parse_time("2026-06-19T10:15:30.5Z").unwrap_or_default()
        );
        assert_eq!(
            attr(&s_in, "http.response.status_code"),
            Some(&any_value::Value::IntValue(500))
        );
        assert_eq!(
            attr(&s_out, "apitoolkit.parent_id"),
            Some(&any_value::Value::StringValue(inc.msg_id.to_string()))
        );
        assert_eq!(
            attr(&s_in, "apitoolkit.parent_id"),
            Some(&any_value::Value::StringValue(String::new()))
        );
    }

    #[test]
    fn resource_carries_the_key_and_sdk() {
        let r = resource(&config());
        let get = |k: &str| {
            r.attributes
                .iter()
                .find(|kv| kv.key == k)
                .and_then(|kv| kv.value.clone())
                .and_then(|v| v.value)
        };
        let s = |v: &str| Some(any_value::Value::StringValue(v.into()));
        assert_eq!(get("at-project-key"), s("k-123"));
        assert_eq!(get("service.name"), s("svc"));
        assert_eq!(get("service.version"), s("v9"));
        assert_eq!(get("telemetry.sdk.language"), s("rust"));
        assert_eq!(get("telemetry.sdk.name"), s("apitoolkit-rust"));
    }
}
