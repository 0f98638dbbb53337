//! A record's span written as protobuf straight from the exchange: the exporter's hot
//! path. Byte for byte `prost`'s encoding of the test-only `reference_span::span` of [`build_message`] (tested
//! below and over random exchanges in `tests/never_leak.rs`), without building either:
//! no `RequestMessage`, no `Span` with its hundred owned strings, no second pass to
//! encode them. Fields are written in tag order, as `prost` does.
//!
//! [`build_message`]: crate::record::build_message

use std::borrow::Cow;

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::encoding::{encode_key, encode_varint, encoded_len_varint, message, WireType};

use super::fields::{base64_into, base64_len, uuid_str, Fields};
use super::otlp_shared::{self, unix_nanos, SPAN_NAME};
use crate::capture::exchange::{Exchange, Uuid};
use crate::capture::grpc;
use crate::redact::{shipped_value, shipped_verbatim, FieldBuf, Groups, RedactionRules, REDACTED};
use crate::Config;

// Span fields.
const TRACE_ID: u32 = 1;
const SPAN_ID: u32 = 2;
const TRACE_STATE: u32 = 3;
const PARENT_SPAN_ID: u32 = 4;
const NAME: u32 = 5;
const KIND: u32 = 6;
const START: u32 = 7;
const END: u32 = 8;
const ATTRIBUTES: u32 = 9;
const EVENTS: u32 = 11;
const STATUS: u32 = 15;
const FLAGS: u32 = 16;
// KeyValue, AnyValue and ArrayValue fields.
const KEY: u32 = 1;
const VALUE: u32 = 2;
const STRING_VALUE: u32 = 1;
const INT_VALUE: u32 = 3;
const DOUBLE_VALUE: u32 = 4;
const ARRAY_VALUE: u32 = 5;
const ARRAY_VALUES: u32 = 1;

/// Appends the span of `ex` as field `field` (a length-delimited message) of `out`.
pub(crate) fn push_span(out: &mut Vec<u8>, field: u32, ex: &Exchange, config: &Config) {
    let p = Fields::new(ex, config);
    nested(out, field, |out| write_span(out, ex, config, &p));
}

/// The record of `ex` as the OTLP exporter sends it: the protobuf bytes of one
/// `opentelemetry.proto.trace.v1.Span` (docs/PROTOCOL.md §3), redacted with `config`'s
/// rules. Decode it with any OTLP implementation (`opentelemetry-proto`'s `Span`).
pub fn span_bytes(ex: &Exchange, config: &Config) -> Vec<u8> {
    let mut out = Vec::new();
    write_span(&mut out, ex, config, &Fields::new(ex, config));
    out
}

fn write_span(out: &mut Vec<u8>, ex: &Exchange, config: &Config, p: &Fields<'_>) {
    let start = unix_nanos(ex.started_at);
    let end = start.saturating_add(p.duration);
    let (trace_id, span_id, parent) = ex.span_ids();
    bytes_field(out, TRACE_ID, &trace_id);
    bytes_field(out, SPAN_ID, &span_id);
    if let Some(state) = otlp_shared::trace_state(ex, config) {
        bytes_field(out, TRACE_STATE, state.as_bytes());
    }
    if let Some(parent) = parent {
        bytes_field(out, PARENT_SPAN_ID, &parent);
    }
    bytes_field(out, NAME, SPAN_NAME.as_bytes());
    let kind = if ex.sdk_type.is_outgoing() {
        SpanKind::Client
    } else {
        SpanKind::Server
    };
    encode_key(KIND, WireType::Varint, out);
    encode_varint(kind as u64, out);
    fixed64_field(out, START, start);
    fixed64_field(out, END, end);

    str_attr(out, "net.host.name", &p.host);
    str_attr(out, "http.route", &p.url_path);
    str_attr(out, "http.target", &p.raw_url);
    str_attr(out, "http.request.method", &p.method);
    nested(out, ATTRIBUTES, |out| {
        bytes_field(out, KEY, b"http.response.status_code");
        nested(out, VALUE, |out| {
            encode_key(INT_VALUE, WireType::Varint, out);
            encode_varint(u64::from(ex.status), out);
        });
    });
    if let Some(code) = p.grpc_status {
        nested(out, ATTRIBUTES, |out| {
            bytes_field(out, KEY, grpc::STATUS_ATTRIBUTE.as_bytes());
            nested(out, VALUE, |out| {
                encode_key(INT_VALUE, WireType::Varint, out);
                encode_varint(u64::from(code), out);
            });
        });
    }
    json_attr(out, "http.request.query_params", &p.query_params);
    json_attr(out, "http.request.path_params", &p.path_params_map());
    body_attr(out, "http.request.body", &p.request_body);
    body_attr(out, "http.response.body", &p.response_body);
    if !p.request_body_encoding.is_empty() {
        str_attr(
            out,
            "apitoolkit.request_body_encoding",
            &p.request_body_encoding,
        );
    }
    if !p.response_body_encoding.is_empty() {
        str_attr(
            out,
            "apitoolkit.response_body_encoding",
            &p.response_body_encoding,
        );
    }
    let mut fields = FieldBuf::new();
    header_attrs(
        out,
        "http.request.header.",
        &Groups::of(ex.request_headers.raw_iter(), &mut fields),
        p.rules,
    );
    header_attrs(
        out,
        "http.response.header.",
        &Groups::of(ex.response_headers.raw_iter(), &mut fields),
        p.rules,
    );
    let mut buf = Uuid::encode_buffer();
    str_attr(out, "apitoolkit.msg_id", uuid_str(&ex.msg_id, &mut buf));
    match ex.parent_id {
        Some(id) => str_attr(out, "apitoolkit.parent_id", uuid_str(&id, &mut buf)),
        None => str_attr(out, "apitoolkit.parent_id", ""),
    }
    str_attr(out, "apitoolkit.sdk_type", ex.sdk_type.as_str());
    str_attr(
        out,
        "apitoolkit.service_version",
        config.service_version().unwrap_or_default(),
    );
    array_attr(out, b"apitoolkit.tags", p.tags.iter().map(|t| t.as_bytes()));
    json_attr(out, "apitoolkit.errors", &p.errors);
    double_attr(out, "apitoolkit.sample_rate", ex.sample_rate);
    for (key, value) in &p.attributes {
        if *key != grpc::STATUS_ATTRIBUTE || p.grpc_status.is_none() {
            str_attr(out, key, value);
        }
    }
    if !config.project_id().is_empty() {
        str_attr(out, "apitoolkit.project_id", config.project_id());
    }

    // Errors are rare: their events and the status go through prost.
    for event in otlp_shared::events(&p.errors, end) {
        message::encode(EVENTS, &event, out);
    }
    let status = otlp_shared::status(ex.status, &p.errors);
    message::encode(STATUS, &status, out);
    encode_key(FLAGS, WireType::ThirtyTwoBit, out);
    out.extend_from_slice(&otlp_shared::span_flags(ex).to_le_bytes());
}

/// Writes a length-delimited field whose content `body` appends; the length is patched
/// in afterwards (one byte reserved, the content moved in place only when it needs more).
fn nested(out: &mut Vec<u8>, field: u32, body: impl FnOnce(&mut Vec<u8>)) {
    encode_key(field, WireType::LengthDelimited, out);
    let at = out.len();
    out.push(0);
    body(out);
    let end = out.len();
    let len = end - at - 1;
    if len < 0x80 {
        out[at] = len as u8;
    } else {
        let size = encoded_len_varint(len as u64);
        out.resize(end + size - 1, 0);
        out.copy_within(at + 1..end, at + size);
        let mut varint = &mut out[at..at + size];
        encode_varint(len as u64, &mut varint);
    }
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    encode_key(field, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

fn fixed64_field(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        encode_key(field, WireType::SixtyFourBit, out);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// An attribute with a string value (`AnyValue.string_value` is a oneof member: written
/// even when empty).
fn str_attr(out: &mut Vec<u8>, key: &str, value: &str) {
    nested(out, ATTRIBUTES, |out| {
        bytes_field(out, KEY, key.as_bytes());
        nested(out, VALUE, |out| {
            bytes_field(out, STRING_VALUE, value.as_bytes())
        });
    });
}

/// A double attribute (`AnyValue.double_value`, a fixed64; prost leaves out 0.0).
fn double_attr(out: &mut Vec<u8>, key: &str, value: f64) {
    nested(out, ATTRIBUTES, |out| {
        bytes_field(out, KEY, key.as_bytes());
        nested(out, VALUE, |out| {
            fixed64_field(out, DOUBLE_VALUE, value.to_bits())
        });
    });
}

/// An attribute whose value is the compact JSON of `v`.
fn json_attr<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, key: &str, v: &T) {
    nested(out, ATTRIBUTES, |out| {
        bytes_field(out, KEY, key.as_bytes());
        nested(out, VALUE, |out| {
            nested(out, STRING_VALUE, |out| {
                // As `serde_json::to_string(v).unwrap_or_default()`: nothing on failure
                // (which the record's types never cause).
                let start = out.len();
                if serde_json::to_writer(&mut *out, v).is_err() {
                    out.truncate(start);
                }
            });
        });
    });
}

/// An attribute whose value is the base64 of a body; lengths are known up front, so the
/// body is encoded in place and never moved.
fn body_attr(out: &mut Vec<u8>, key: &str, body: &[u8]) {
    let Some(b64) = base64_len(body.len()) else {
        return str_attr(out, key, "");
    };
    let any = field_len(b64);
    let kv = field_len(key.len()) + field_len(any);
    encode_key(ATTRIBUTES, WireType::LengthDelimited, out);
    encode_varint(kv as u64, out);
    bytes_field(out, KEY, key.as_bytes());
    encode_key(VALUE, WireType::LengthDelimited, out);
    encode_varint(any as u64, out);
    encode_key(STRING_VALUE, WireType::LengthDelimited, out);
    encode_varint(b64 as u64, out);
    base64_into(out, body);
}

/// Bytes of a length-delimited field (one-byte key) with `len` bytes of content.
fn field_len(len: usize) -> usize {
    1 + encoded_len_varint(len as u64) + len
}

/// An attribute whose value is an array of strings.
fn array_attr<V: AsRef<[u8]>>(out: &mut Vec<u8>, key: &[u8], values: impl Iterator<Item = V>) {
    nested(out, ATTRIBUTES, |out| {
        bytes_field(out, KEY, key);
        nested(out, VALUE, |out| {
            nested(out, ARRAY_VALUE, |out| {
                for v in values {
                    nested(out, ARRAY_VALUES, |out| {
                        bytes_field(out, STRING_VALUE, v.as_ref());
                    });
                }
            });
        });
    });
}

/// One array attribute per header name (`prefix` + name), values as the record's map
/// holds them: lossy UTF-8, or the single placeholder for a redacted name. Fields are
/// taken as stored bytes (names are always UTF-8): a value that one table pass finds
/// ASCII with nothing to scrub is written as it is, any other takes [`shipped_value`].
fn header_attrs(out: &mut Vec<u8>, prefix: &str, groups: &Groups<'_, '_>, rules: &RedactionRules) {
    // The key on the stack when it fits (it nearly always does).
    let mut stack = [0u8; 96];
    let mut heap = Vec::new();
    for run in groups.runs() {
        let name = run[0].0;
        let len = prefix.len() + name.len();
        let key: &mut [u8] = match stack.get_mut(..len) {
            Some(key) => key,
            None => {
                heap.resize(len, 0);
                &mut heap[..]
            }
        };
        key[..prefix.len()].copy_from_slice(prefix.as_bytes());
        key[prefix.len()..].copy_from_slice(name);
        let key = &*key;
        if rules.is_header_name_redacted(name) {
            array_attr(out, key, std::iter::once(REDACTED.as_bytes()));
        } else {
            // Each value is scrubbed as it is written: no list of them is kept.
            let values = run.iter().map(|&(_, v)| {
                if shipped_verbatim(v, rules) {
                    return Bytes(Cow::Borrowed(v));
                }
                Bytes(
                    match shipped_value(std::str::from_utf8(v).map_err(|_| v), rules) {
                        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
                        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
                    },
                )
            });
            array_attr(out, key, values);
        }
    }
}

/// A shipped text as the bytes of a protobuf string.
struct Bytes<'a>(Cow<'a, [u8]>);

impl AsRef<[u8]> for Bytes<'_> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;
    use crate::record::build_message;
    use crate::record::reference_span;
    use crate::record::tests::{configs, exchanges};

    #[test]
    fn nested_fields_are_prosts_length_delimited_fields() {
        for n in [0, 1, 127, 128, 300, 16_383, 16_384, 70_000] {
            let content: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            let mut out = b"before".to_vec();
            nested(&mut out, 9, |o| o.extend_from_slice(&content));
            let mut expected = b"before".to_vec();
            prost::encoding::bytes::encode(9, &content, &mut expected);
            assert_eq!(out, expected, "{n} bytes");
        }
    }

    #[test]
    fn bytes_are_prosts_encoding_of_the_span_of_the_message() {
        for config in &configs() {
            for ex in exchanges() {
                let mut ours = vec![0xAA];
                push_span(&mut ours, 2, &ex, config);
                let span = reference_span::span(&ex, &build_message(&ex, config), config);
                let mut expected = vec![0xAA];
                message::encode(2, &span, &mut expected);
                assert_eq!(ours, expected, "{:?}", ex.uri);
                assert!(span.encoded_len() > 0x80, "multi-byte span length covered");
            }
        }
    }

    proptest::proptest! {
        /// Any header sets (repeated, unsorted and redacted names, values with URLs,
        /// credentials, escapes, non-ASCII and non-UTF-8 bytes): prost's encoding of the
        /// reference span, with and without the credential scan.
        #[test]
        fn any_headers_give_prosts_encoding_of_the_reference_span(
            fields in proptest::collection::vec(
                (
                    proptest::bool::ANY,
                    proptest::prop_oneof![
                        proptest::strategy::Just("authorization".to_owned()),
                        proptest::strategy::Just("cookie".to_owned()),
                        "x-[a-c]",
                        "[a-z\\-\u{e9}]{1,6}",
                    ],
                    crate::record::strategies::header_value(),
                ),
                0..12,
            )
        ) {
            let mut ex = Exchange::new(
                crate::SdkType::RustCustom,
                http::Method::GET,
                http::Uri::from_static("/a"),
                http::Version::HTTP_11,
            );
            for (response, name, value) in &fields {
                match response {
                    true => ex.response_headers.append(name, value),
                    false => ex.request_headers.append(name, value),
                }
            }
            for credentials in [true, false] {
                let config = Config::builder()
                    .disabled(true)
                    .redact_credentials(credentials)
                    .build()
                    .unwrap();
                let mut ours = Vec::new();
                push_span(&mut ours, 2, &ex, &config);
                let span = reference_span::span(&ex, &build_message(&ex, &config), &config);
                let mut expected = Vec::new();
                message::encode(2, &span, &mut expected);
                proptest::prop_assert_eq!(ours, expected);
            }
        }
    }
}
