//! The parts of the OTLP mapping (docs/PROTOCOL.md §3) that the exporter's span writer
//! (`otlp_span.rs`) and the readable reference span of the tests (`reference_span.rs`)
//! share: names, the export's resource, times, error events and the span status.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, status, Status};

use crate::capture::exchange::Exchange;
use crate::model::ErrorEntry;
use crate::Config;

/// Name of every span.
pub(crate) const SPAN_NAME: &str = "monoscope.http";
/// `telemetry.sdk.name`.
pub(crate) const SDK_NAME: &str = "apitoolkit-rust";

fn value(v: any_value::Value) -> Option<AnyValue> {
    Some(AnyValue { value: Some(v) })
}

pub(super) fn kv(key: impl Into<String>, v: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: value(v),
        ..Default::default()
    }
}

pub(super) fn str_kv(key: impl Into<String>, v: impl Into<String>) -> KeyValue {
    kv(key, any_value::Value::StringValue(v.into()))
}

/// The resource of every export, including the API key as `at-project-key`.
pub(crate) fn resource(config: &Config) -> Resource {
    let mut attributes = vec![str_kv("service.name", config.service_name())];
    if let Some(v) = config.service_version() {
        attributes.push(str_kv("service.version", v));
    }
    attributes.push(str_kv("telemetry.sdk.language", "rust"));
    attributes.push(str_kv("telemetry.sdk.name", SDK_NAME));
    attributes.push(str_kv("telemetry.sdk.version", env!("CARGO_PKG_VERSION")));
    if let Some(key) = config.api_key() {
        attributes.push(str_kv("at-project-key", key));
    }
    Resource {
        attributes,
        ..Default::default()
    }
}

pub(crate) fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// One `exception` event per reported error, at the error's time (else the span's end).
pub(crate) fn events(errors: &[ErrorEntry], end: u64) -> Vec<span::Event> {
    errors
        .iter()
        .map(|e| span::Event {
            time_unix_nano: parse_time(&e.when).unwrap_or(end),
            name: "exception".into(),
            attributes: vec![
                str_kv("exception.type", e.error_type.as_str()),
                str_kv("exception.message", e.message.as_str()),
                str_kv("exception.stacktrace", e.stack_trace.as_str()),
            ],
            ..Default::default()
        })
        .collect()
}

/// Error for a 5xx or a reported error (with the first error's message), else unset.
pub(crate) fn status(status_code: u16, errors: &[ErrorEntry]) -> Status {
    if status_code >= 500 || !errors.is_empty() {
        Status {
            code: status::StatusCode::Error as i32,
            message: match errors.first() {
                Some(e) => e.message.clone(),
                None => format!("HTTP {status_code}"),
            },
        }
    } else {
        Status {
            code: status::StatusCode::Unset as i32,
            message: String::new(),
        }
    }
}

pub(crate) fn parse_time(s: &str) -> Option<u64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    let nanos = t.unix_timestamp_nanos();
    u64::try_from(nanos).ok()
}

/// The span's `trace_state`: the one received with the trace, unless the rules redact
/// the `tracestate` header (a span must not carry what the header's redaction hides).
pub(crate) fn trace_state<'a>(ex: &'a Exchange, config: &Config) -> Option<&'a str> {
    let state = ex.trace.as_ref()?.trace_state()?;
    let rules = ex
        .redaction
        .as_deref()
        .unwrap_or_else(|| config.redaction());
    (!rules.is_header_redacted("tracestate")).then_some(state)
}

/// `SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK`: the span says whether its parent is remote.
const HAS_IS_REMOTE: u32 = 0x100;
/// `SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK`: the parent is in another process.
const IS_REMOTE: u32 = 0x200;

/// The span's `flags`: the W3C trace flags (sampled) and whether the parent is remote.
pub(crate) fn span_flags(ex: &Exchange) -> u32 {
    match &ex.trace {
        Some(t) if t.is_remote_parent() => u32::from(t.flags()) | HAS_IS_REMOTE | IS_REMOTE,
        Some(t) => u32::from(t.flags()) | HAS_IS_REMOTE,
        None => 0x01 | HAS_IS_REMOTE,
    }
}
