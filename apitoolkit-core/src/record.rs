//! Turning a captured [`Exchange`] into the [`RequestMessage`] that is shipped: redaction,
//! base64 and the derived fields (`host`, `raw_url`, `query_params`, and `path_params`
//! from the route template when the adapter did not give them). Runs on the shipper's
//! thread, never in a request.
//!
//! [`write_json`] writes the same record as JSON without building it: the JSON Lines
//! exporter's hot path. Both go through one derivation (`Parts`), so they cannot
//! disagree; a test pins `write_json` to `serde_json` of [`build_message`] byte for byte.

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine as _;
use http::header::{HOST, REFERER};
use http::Version;

use crate::exchange::{Exchange, Uuid};
use crate::headers::value_text;
use crate::json::write_str;
use crate::payload::ErrorEntry;
use crate::payload::{rfc3339, rfc3339_bytes, MultiMap, RequestMessage};
use crate::redact::{
    redact_body, redact_headers, redact_query, scrub_errors, scrub_urls, strip_userinfo,
    write_redacted_headers, RedactionRules, REDACTED,
};
use crate::route::path_params;
use crate::Config;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Builds the redacted record of an exchange. Uses the exchange's own redaction rules
/// when it carries some (outgoing clients), else the configuration's.
pub fn build_message(ex: &Exchange, config: &Config) -> RequestMessage {
    let p = Parts::new(ex, config);
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
        project_id: config.project_id().to_owned(),
        sdk_type: ex.sdk_type,
        service_version: config.service_version().map(str::to_owned),
        tags: config.tags().to_vec(),
        msg_id: uuid_text(ex.msg_id),
        parent_id: ex.parent_id.map(uuid_text),
        errors: p.errors.into_owned(),
    }
}

/// Appends the record of `ex` as one JSON object, byte for byte what
/// `serde_json::to_writer(out, &build_message(ex, config))` writes, without building
/// the [`RequestMessage`]: headers are redacted while they are written, bodies are
/// base64-encoded straight into `out`, and most text is borrowed from the exchange.
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
    let p = Parts::new(ex, config);
    let mut w = Writer { out };
    w.out.extend_from_slice(b"{\"timestamp\":\"");
    w.out
        .extend_from_slice(&rfc3339_bytes(ex.started_at.into()));
    w.out.push(b'"');
    w.field("duration", &p.duration)?;
    w.str_field("host", &p.host)?;
    w.str_field("method", &p.method)?;
    w.str_field("url_path", &p.url_path)?;
    w.str_field("raw_url", &p.raw_url)?;
    w.field("path_params", &p.path_params_map())?;
    w.field("query_params", &p.query_params)?;
    w.field("proto_major", &p.proto.0)?;
    w.field("proto_minor", &p.proto.1)?;
    w.field("status_code", &ex.status)?;
    w.str_field("referer", &p.referer)?;
    w.key("request_headers");
    write_redacted_headers(w.out, &ex.request_headers, p.rules)?;
    w.key("response_headers");
    write_redacted_headers(w.out, &ex.response_headers, p.rules)?;
    w.key("request_body");
    write_base64(w.out, &p.request_body)?;
    w.key("response_body");
    write_base64(w.out, &p.response_body)?;
    w.field("project_id", config.project_id())?;
    w.field("sdk_type", &ex.sdk_type)?;
    w.field("service_version", &config.service_version())?;
    w.field("tags", config.tags())?;
    w.key("msg_id");
    write_uuid(w.out, ex.msg_id);
    w.key("parent_id");
    match ex.parent_id {
        Some(id) => write_uuid(w.out, id),
        None => w.out.extend_from_slice(b"null"),
    }
    w.field("errors", &p.errors)?;
    w.out.push(b'}');
    Ok(())
}

/// What every form of the record (the message, its JSON, its OTLP span) derives from
/// the exchange, borrowed where possible. Fields are those of [`RequestMessage`], before
/// base64 for the bodies.
pub(crate) struct Parts<'a> {
    pub(crate) rules: &'a RedactionRules,
    pub(crate) duration: u64,
    pub(crate) host: Cow<'a, str>,
    pub(crate) method: Cow<'a, str>,
    /// The route template (an outgoing call's concrete path when it has none), scrubbed.
    pub(crate) url_path: Cow<'a, str>,
    pub(crate) raw_url: Cow<'a, str>,
    /// In route order; the record's map keeps the last value of a repeated name.
    pub(crate) path_params: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub(crate) query_params: MultiMap,
    pub(crate) proto: (u8, u8),
    pub(crate) referer: Cow<'a, str>,
    pub(crate) request_body: Cow<'a, [u8]>,
    pub(crate) response_body: Cow<'a, [u8]>,
    /// The reported errors with every URL in their texts scrubbed.
    pub(crate) errors: Cow<'a, [ErrorEntry]>,
}

impl<'a> Parts<'a> {
    pub(crate) fn new(ex: &'a Exchange, config: &'a Config) -> Parts<'a> {
        let rules = ex.redaction.as_deref().unwrap_or(config.redaction());
        // `host` and `referer` follow the rules of the headers they come from.
        let host = if rules.is_header_redacted(HOST.as_str()) {
            Cow::Borrowed(REDACTED)
        } else {
            match ex.uri.authority() {
                Some(a) => Cow::Borrowed(strip_userinfo(a.as_str())),
                None => match header_text(ex, HOST).unwrap_or_default() {
                    Cow::Borrowed(h) => Cow::Borrowed(strip_userinfo(h)),
                    Cow::Owned(h) => Cow::Owned(strip_userinfo(&h).to_owned()),
                },
            }
        };
        let referer = if rules.is_header_redacted(REFERER.as_str()) {
            Cow::Borrowed(REDACTED)
        } else {
            match header_text(ex, REFERER).unwrap_or_default() {
                Cow::Borrowed(r) => scrub_urls(r, rules),
                Cow::Owned(r) => Cow::Owned(scrub_urls(&r, rules).into_owned()),
            }
        };
        // The path as received, scrubbed like any URL (`//user:pass@..` or `;token=..`
        // in a path are rare, and never shipped raw).
        let path = ex.uri.path();
        let (query_params, raw_url) = match ex.uri.query() {
            Some(q) => {
                let (params, masked) = redact_query(q, rules);
                let raw = format!("{}?{masked}", scrub_urls(path, rules));
                (params, Cow::Owned(raw))
            }
            None => (MultiMap::new(), scrub_urls(path, rules)),
        };
        let method = ex.method.as_str();
        let method = if method.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(method.to_ascii_uppercase())
        } else {
            Cow::Borrowed(method)
        };
        let path_params = match (&ex.route, ex.path_params.is_empty()) {
            (Some(route), true) => path_params(route, path)
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))
                .collect(),
            _ => ex
                .path_params
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())))
                .collect(),
        };
        Parts {
            rules,
            duration: u64::try_from(ex.duration.as_nanos()).unwrap_or(u64::MAX),
            host,
            method,
            url_path: scrub_urls(ex.route.as_deref().unwrap_or_default(), rules),
            raw_url,
            path_params,
            query_params,
            proto: match ex.version {
                Version::HTTP_09 => (0, 9),
                Version::HTTP_10 => (1, 0),
                Version::HTTP_2 => (2, 0),
                Version::HTTP_3 => (3, 0),
                _ => (1, 1),
            },
            referer,
            request_body: redact_body(&ex.request_body, &ex.request_headers, rules.request_body()),
            response_body: redact_body(
                &ex.response_body,
                &ex.response_headers,
                rules.response_body(),
            ),
            errors: scrub_errors(&ex.errors, rules),
        }
    }

    /// The record's `path_params` map, borrowing the names and values.
    pub(crate) fn path_params_map(&self) -> BTreeMap<&str, &str> {
        self.path_params
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect()
    }
}

/// Appends `"name":value` pairs after the record's first field.
struct Writer<'o> {
    out: &'o mut Vec<u8>,
}

impl Writer<'_> {
    fn key(&mut self, name: &str) {
        self.out.extend_from_slice(b",\"");
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn field<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> serde_json::Result<()> {
        self.key(name);
        serde_json::to_writer(&mut *self.out, value)
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

/// The length of the standard base64 of `len` bytes (`None` past `usize`).
pub(crate) fn base64_len(len: usize) -> Option<usize> {
    base64::encoded_len(len, true)
}

/// Appends the standard base64 of `bytes`; `None` (nothing appended) only when its
/// length would overflow `usize`.
pub(crate) fn base64_into(out: &mut Vec<u8>, bytes: &[u8]) -> Option<()> {
    let len = base64_len(bytes.len())?;
    let start = out.len();
    out.resize(start + len, 0);
    let written = B64.encode_slice(bytes, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
    Some(())
}

fn write_uuid(out: &mut Vec<u8>, id: Uuid) {
    out.push(b'"');
    out.extend_from_slice(uuid_str(&id, &mut Uuid::encode_buffer()).as_bytes());
    out.push(b'"');
}

/// The hyphenated lower-case form in `buf`, without going through `fmt`.
pub(crate) fn uuid_str<'b>(id: &Uuid, buf: &'b mut [u8; 45]) -> &'b str {
    id.hyphenated().encode_lower(buf)
}

/// The hyphenated lower-case form, without going through `fmt`.
fn uuid_text(id: Uuid) -> String {
    uuid_str(&id, &mut Uuid::encode_buffer()).to_owned()
}

fn header_text(ex: &Exchange, name: http::HeaderName) -> Option<Cow<'_, str>> {
    ex.request_headers.get(name.as_str()).map(value_text)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    use bytes::Bytes;
    use http::{Method, Uri, Version};

    use super::*;
    use crate::exchange::CapturedBody;
    use crate::payload::{ErrorEntry, SdkType};

    fn config() -> Config {
        Config::builder()
            .disabled(true)
            .project_id("p-\"1\"")
            .tags(["env:prod", "tab\there", ""])
            .service_version("v2")
            .redact_request_body(["$.password", "$..card.number"])
            .redact_query_params(["token"])
            .build()
            .unwrap()
    }

    /// A configuration with every record field set and redaction, and a bare one.
    pub(crate) fn configs() -> [Config; 2] {
        [config(), Config::builder().disabled(true).build().unwrap()]
    }

    fn json(body: &str) -> CapturedBody {
        CapturedBody::Complete(Bytes::from(body.to_owned()))
    }

    /// Exchanges covering the record's edge cases: a query with a redacted and encoded
    /// parameters, repeated, redacted and non-UTF-8 headers, a body long enough for
    /// multi-byte protobuf lengths, errors (one with an unparseable time), an outgoing
    /// call with a parent, its own rules and repeated path params, binary bodies, empty
    /// values.
    pub(crate) fn exchanges() -> Vec<Exchange> {
        let mut a = Exchange::new(
            SdkType::RustAxum,
            Method::POST,
            Uri::from_static("/users/42?token=s3cret&q=a%20b&q=%22c%22&flag"),
            Version::HTTP_11,
        );
        a.started_at = UNIX_EPOCH + Duration::new(1_781_864_130, 123_456_789);
        a.duration = Duration::from_micros(1530);
        a.route = Some("/users/{id}".into());
        a.status = 201;
        for (n, v) in [
            ("host", &b"api.example.com"[..]),
            ("x-multi", b"one"),
            ("authorization", b"Bearer s3cret"),
            ("content-type", b"application/json"),
            ("x-multi", b"two \"quoted\"\n"),
            ("x-odd", b"caf\xe9"),
            ("referer", b"https://example.com/"),
            ("cookie", b"a=1"),
            ("cookie", b"b=2"),
        ] {
            a.request_headers.append(n, v);
        }
        a.response_headers
            .append("content-type", b"application/json");
        a.response_headers.append("set-cookie", b"sid=1");
        a.request_body = json(&format!(
            r#"{{"name":"Ann","password":"hunter2","card":{{"number":"4242"}},"pad":"{}"}}"#,
            "x".repeat(300)
        ));
        a.response_body = json(r#"{"id":42,"note":"\u00e9 \n"}"#);
        a.errors = vec![
            ErrorEntry::from_message("E", "bad \"thing\"\u{1}"),
            ErrorEntry {
                when: "not a time".into(),
                ..ErrorEntry::from_message("F", "worse")
            },
        ];

        let mut b = Exchange::new(
            SdkType::RustOutgoing,
            Method::from_bytes(b"patch").unwrap(),
            Uri::from_static("https://upstream.example:8443/v1/items"),
            Version::HTTP_2,
        );
        b.parent_id = Some(a.msg_id);
        b.path_params = vec![
            ("z".into(), "1".into()),
            ("a".into(), "2".into()),
            ("z".into(), "3".into()),
        ];
        b.request_body = CapturedBody::TooLarge { cap: 10 };
        b.response_body = CapturedBody::NotCaptured;
        b.redaction = Some(Arc::new(
            RedactionRules::builder()
                .headers(["x-api"])
                .build()
                .unwrap(),
        ));
        b.status = 503;
        b.request_headers.append("X-Api", b"k");
        b.request_headers
            .append("x-long", "v".repeat(200).as_bytes());

        let mut c = Exchange::new(
            SdkType::RustActix,
            Method::GET,
            Uri::from_static("/"),
            Version::HTTP_10,
        );
        c.response_headers
            .append("content-type", b"application/octet-stream");
        c.response_body = CapturedBody::Complete(Bytes::from_static(b"\x00\xff\xfe binary"));
        vec![a, b, c]
    }

    #[test]
    fn write_json_is_serde_json_of_build_message() {
        for config in &configs() {
            for ex in exchanges() {
                let mut out = b"prefix".to_vec();
                write_json(&ex, config, &mut out).unwrap();
                let expected = serde_json::to_string(&build_message(&ex, config)).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), format!("prefix{expected}"));
            }
        }
    }

    #[test]
    fn derived_fields() {
        let config = config();
        let [a, b, _] = <[Exchange; 3]>::try_from(exchanges()).unwrap();
        let m = build_message(&a, &config);
        assert_eq!(m.timestamp, "2026-06-19T10:15:30.123456789Z");
        assert_eq!(m.host, "api.example.com");
        assert_eq!(
            m.raw_url,
            "/users/42?token=[CLIENT_REDACTED]&q=a%20b&q=%22c%22&flag"
        );
        assert_eq!(m.query_params["q"], ["a b", "\"c\""]);
        assert_eq!(m.path_params["id"], "42");
        assert_eq!(m.request_headers["x-multi"], ["one", "two \"quoted\"\n"]);
        assert_eq!(m.request_headers["cookie"], [crate::REDACTED]);
        assert_eq!(m.referer, "https://example.com/");
        let m = build_message(&b, &config);
        assert_eq!(
            (m.host.as_str(), m.method.as_str()),
            ("upstream.example:8443", "PATCH")
        );
        assert_eq!((m.proto_major, m.proto_minor), (2, 0));
        assert_eq!(m.request_headers["x-api"], [crate::REDACTED]);
        assert_eq!(
            (m.path_params["a"].as_str(), m.path_params["z"].as_str()),
            ("2", "3")
        );
        assert_eq!(m.parent_id, Some(uuid_text(a.msg_id)));
    }
}
