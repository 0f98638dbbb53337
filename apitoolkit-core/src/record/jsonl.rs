//! [`write_json`]: the record as one line of JSON, written without building the
//! [`RequestMessage`](crate::model::RequestMessage): the JSON Lines exporter's hot path.

use super::fields::{base64_into, uuid_str, Fields};
use super::json::{write_plain_ascii, write_str};
use crate::capture::exchange::{Exchange, Uuid};
use crate::model::headers::CapturedHeaders;
use crate::model::rfc3339_bytes;
use crate::redact::{shipped_value, shipped_verbatim, FieldBuf, Groups, RedactionRules};
use crate::Config;

/// `,"name":`, the text written before each field after the first, as one literal.
macro_rules! key {
    ($name:literal) => {
        concat!(",\"", $name, "\":")
    };
}

/// Appends the record of `ex` as one JSON object, byte for byte what
/// `serde_json::to_writer(out, &build_message(ex, config))` writes, without building
/// the [`RequestMessage`](crate::model::RequestMessage): headers are redacted while
/// they are written, bodies are base64-encoded straight into `out`, and most text is
/// borrowed from the exchange.
///
/// ```
/// use apitoolkit_core::record::{build_message, write_json};
/// use apitoolkit_core::{Config, Exchange, SdkType};
/// use http::{Method, Uri, Version};
///
/// let config = Config::builder().disabled(true).build().unwrap();
/// let ex = Exchange::new(SdkType::RustCustom, Method::GET, Uri::from_static("/a?b=1"), Version::HTTP_11);
/// let mut out = Vec::new();
/// write_json(&ex, &config, &mut out).unwrap();
/// assert_eq!(out, serde_json::to_vec(&build_message(&ex, &config)).unwrap());
/// ```
///
/// # Errors
/// Only if a value fails to serialise, which the record's types never do; `out` may
/// then hold part of the record.
pub fn write_json(ex: &Exchange, config: &Config, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let p = Fields::new(ex, config);
    let mut w = Writer { out };
    w.out.extend_from_slice(b"{\"timestamp\":\"");
    w.out
        .extend_from_slice(&rfc3339_bytes(ex.started_at.into()));
    w.out.push(b'"');
    w.u64_field(key!("duration"), p.duration);
    w.str_field(key!("host"), &p.host)?;
    w.str_field(key!("method"), &p.method)?;
    w.str_field(key!("url_path"), &p.url_path)?;
    w.str_field(key!("raw_url"), &p.raw_url)?;
    w.key(key!("path_params"));
    match p.path_params.only() {
        _ if p.path_params.is_empty() => w.out.extend_from_slice(b"{}"),
        Some((name, value)) => {
            w.out.push(b'{');
            write_str(w.out, name)?;
            w.out.push(b':');
            write_str(w.out, value)?;
            w.out.push(b'}');
        }
        None => serde_json::to_writer(&mut *w.out, &p.path_params_map())?,
    }
    if p.query_params.is_empty() {
        w.raw_field(key!("query_params"), b"{}");
    } else {
        w.field(key!("query_params"), &p.query_params)?;
    }
    w.u64_field(key!("proto_major"), p.proto.0.into());
    w.u64_field(key!("proto_minor"), p.proto.1.into());
    w.u64_field(key!("status_code"), ex.status.into());
    w.str_field(key!("referer"), &p.referer)?;
    let mut buf = FieldBuf::new();
    w.key(key!("request_headers"));
    write_redacted_headers(w.out, &ex.request_headers, p.rules, &mut buf)?;
    w.key(key!("response_headers"));
    write_redacted_headers(w.out, &ex.response_headers, p.rules, &mut buf)?;
    w.key(key!("request_body"));
    write_base64(w.out, &p.request_body)?;
    w.key(key!("response_body"));
    write_base64(w.out, &p.response_body)?;
    w.str_field(key!("request_body_encoding"), &p.request_body_encoding)?;
    w.str_field(key!("response_body_encoding"), &p.response_body_encoding)?;
    w.str_field(key!("project_id"), config.project_id())?;
    w.str_field(key!("sdk_type"), ex.sdk_type.as_str())?;
    match config.service_version() {
        Some(v) => w.str_field(key!("service_version"), v)?,
        None => w.raw_field(key!("service_version"), b"null"),
    }
    if p.tags.is_empty() {
        w.raw_field(key!("tags"), b"[]");
    } else {
        w.field(key!("tags"), &p.tags)?;
    }
    w.key(key!("msg_id"));
    write_uuid(w.out, ex.msg_id);
    w.key(key!("parent_id"));
    match ex.parent_id {
        Some(id) => write_uuid(w.out, id),
        None => w.out.extend_from_slice(b"null"),
    }
    let (trace_id, span_id, _) = ex.span_ids();
    w.key(key!("trace_id"));
    write_hex(w.out, &trace_id);
    w.key(key!("span_id"));
    write_hex(w.out, &span_id);
    if ex.sample_rate == 1.0 {
        // What serde_json writes for 1.0, the rate of every unsampled record.
        w.raw_field(key!("sample_rate"), b"1.0");
    } else {
        w.field(key!("sample_rate"), &ex.sample_rate)?;
    }
    if p.attributes.is_empty() {
        w.raw_field(key!("attributes"), b"{}");
    } else {
        w.field(key!("attributes"), &p.attributes)?;
    }
    if p.errors.is_empty() {
        w.raw_field(key!("errors"), b"[]");
    } else {
        w.field(key!("errors"), &p.errors)?;
    }
    w.out.push(b'}');
    Ok(())
}

/// Appends `"name":value` pairs after the record's first field; each method takes the
/// field's [`key!`] (one copy instead of three).
struct Writer<'o> {
    out: &'o mut Vec<u8>,
}

impl Writer<'_> {
    fn key(&mut self, key: &str) {
        self.out.extend_from_slice(key.as_bytes());
    }

    fn field<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> serde_json::Result<()> {
        self.key(name);
        serde_json::to_writer(&mut *self.out, value)
    }

    /// `"name":` and JSON text written as is.
    fn raw_field(&mut self, name: &str, json: &[u8]) {
        self.key(name);
        self.out.extend_from_slice(json);
    }

    /// `"name":` and a number in decimal, as serde_json writes it.
    fn u64_field(&mut self, name: &str, mut value: u64) {
        self.key(name);
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&digits[at..]);
    }

    fn str_field(&mut self, name: &str, value: &str) -> serde_json::Result<()> {
        self.key(name);
        write_str(self.out, value)
    }
}

/// A JSON string of the standard base64 of `bytes` (never anything to escape).
fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) -> serde_json::Result<()> {
    out.push(b'"');
    base64_into(out, bytes).ok_or_else(|| serde::ser::Error::custom("body too large to encode"))?;
    out.push(b'"');
    Ok(())
}

fn write_uuid(out: &mut Vec<u8>, id: Uuid) {
    out.push(b'"');
    out.extend_from_slice(uuid_str(&id, &mut Uuid::encode_buffer()).as_bytes());
    out.push(b'"');
}

/// Appends `bytes` as a JSON string of lower-case hex digits.
fn write_hex<const N: usize>(out: &mut Vec<u8>, bytes: &[u8; N]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Formatted on the stack (ids are 8 or 16 bytes), then appended at once.
    let mut text = [b'"'; 34];
    for (i, b) in bytes.iter().enumerate().take(16) {
        text[1 + 2 * i] = DIGITS[usize::from(b >> 4)];
        text[2 + 2 * i] = DIGITS[usize::from(b & 0x0f)];
    }
    let len = 2 * N.min(16);
    text[1 + len] = b'"';
    out.extend_from_slice(&text[..len + 2]);
}

/// Appends [`redact_headers`](crate::redact::redact_headers)'s map as JSON, exactly as
/// `serde_json` writes it, without building the map. Fields are taken as stored bytes:
/// a value that one table pass finds ASCII, with nothing to scrub or escape, is copied
/// between quotes without a UTF-8 check; any other takes the full path.
fn write_redacted_headers<'h>(
    out: &mut Vec<u8>,
    headers: &'h CapturedHeaders,
    rules: &RedactionRules,
    buf: &mut FieldBuf<'h>,
) -> serde_json::Result<()> {
    out.push(b'{');
    for (i, run) in Groups::of(headers.raw_iter(), buf).runs().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let name = run[0].0;
        write_name(out, name)?;
        out.extend_from_slice(b":[");
        if rules.is_header_name_redacted(name) {
            out.extend_from_slice(QUOTED_REDACTED.as_bytes());
        } else {
            for (i, &(_, value)) in run.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if shipped_verbatim(value, rules) {
                    out.reserve(value.len() + 2);
                    out.push(b'"');
                    out.extend_from_slice(value);
                    out.push(b'"');
                } else {
                    let text = std::str::from_utf8(value).map_err(|_| value);
                    write_str(out, &shipped_value(text, rules))?;
                }
            }
        }
        out.push(b']');
    }
    out.push(b'}');
    Ok(())
}

/// [`REDACTED`](crate::redact::REDACTED) as a JSON string.
const QUOTED_REDACTED: &str = concat!("\"", "[CLIENT_REDACTED]", "\"");

/// A header name as a JSON string: names are always UTF-8 (written from a `&str`), so
/// their bytes are the text; plain ASCII ones (all of `http`'s) are copied without a
/// UTF-8 check.
fn write_name(out: &mut Vec<u8>, name: &[u8]) -> serde_json::Result<()> {
    if write_plain_ascii(out, name) {
        return Ok(());
    }
    write_str(out, std::str::from_utf8(name).unwrap_or_default())
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::redact::{redact_headers, REDACTED};

    #[test]
    fn headers_are_written_as_serde_json_writes_the_redacted_map() {
        let mut h = CapturedHeaders::new();
        h.append("x-multi", b"one");
        h.append("cookie", b"a=1");
        h.append("x-multi", b"two");
        h.append("cookie", b"b=2");
        h.append("x-odd", b"caf\xe9");
        h.append("x-multi", b"three");
        let rules = RedactionRules::default();
        let mut json = Vec::new();
        write_redacted_headers(&mut json, &h, &rules, &mut FieldBuf::new()).unwrap();
        assert_eq!(
            json,
            serde_json::to_vec(&redact_headers(&h, &rules)).unwrap()
        );
        assert_eq!(QUOTED_REDACTED, serde_json::to_string(REDACTED).unwrap());
    }

    proptest::proptest! {
        /// Any header set (repeated, unsorted and redacted names, values with URLs,
        /// credentials, escapes, non-ASCII and non-UTF-8 bytes): the bytes serde_json
        /// writes for the redacted map, with and without the credential scan.
        #[test]
        fn any_headers_are_written_as_serde_json_writes_the_redacted_map(
            fields in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        proptest::strategy::Just("authorization".to_owned()),
                        proptest::strategy::Just("cookie".to_owned()),
                        "x-[a-c]",
                        "[a-z\\-\"\u{e9}]{1,6}",
                    ],
                    crate::record::strategies::header_value(),
                ),
                0..20,
            )
        ) {
            let mut h = CapturedHeaders::new();
            for (name, value) in &fields {
                h.append(name, value);
            }
            for credentials in [true, false] {
                let rules = RedactionRules::builder()
                    .redact_credentials(credentials)
                    .build()
                    .unwrap();
                let mut json = Vec::new();
                write_redacted_headers(&mut json, &h, &rules, &mut FieldBuf::new()).unwrap();
                proptest::prop_assert_eq!(
                    json,
                    serde_json::to_vec(&redact_headers(&h, &rules)).unwrap()
                );
            }
        }
    }
}
