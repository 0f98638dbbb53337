//! [`Fields`]: what every form of the record (the [`RequestMessage`], its JSON Lines
//! text, its OTLP span) derives from a captured [`Exchange`], in one place, so the
//! encoders cannot disagree.
//!
//! [`RequestMessage`]: crate::model::RequestMessage

use std::borrow::Cow;
use std::collections::BTreeMap;

use http::header::{HOST, REFERER};
use http::Version;

use super::route::{path_params, Params};
use crate::capture::exchange::{Exchange, Uuid};
use crate::capture::grpc;
use crate::model::headers::value_text;
use crate::model::{ErrorEntry, MultiMap};
use crate::redact::{
    mask_credentials, redact_body, redact_query, scrub_errors, scrub_urls, strip_userinfo,
    RedactionRules, REDACTED,
};
use crate::Config;

pub(crate) const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What every form of the record (the message, its JSON, its OTLP span) derives from
/// the exchange, borrowed where possible. Fields are those of
/// [`RequestMessage`](crate::model::RequestMessage), before base64 for the bodies.
pub(crate) struct Fields<'a> {
    pub(crate) rules: &'a RedactionRules,
    pub(crate) duration: u64,
    pub(crate) host: Cow<'a, str>,
    pub(crate) method: Cow<'a, str>,
    /// The route template (an outgoing call's concrete path when it has none), scrubbed.
    pub(crate) url_path: Cow<'a, str>,
    pub(crate) raw_url: Cow<'a, str>,
    /// In route order; the record's map keeps the last value of a repeated name.
    pub(crate) path_params: Params<'a>,
    pub(crate) query_params: MultiMap,
    pub(crate) proto: (u8, u8),
    pub(crate) referer: Cow<'a, str>,
    pub(crate) request_body: Cow<'a, [u8]>,
    pub(crate) response_body: Cow<'a, [u8]>,
    /// The codings removed from the request body before redaction (`""` when none).
    pub(crate) request_body_encoding: String,
    /// The codings removed from the response body before redaction (`""` when none).
    pub(crate) response_body_encoding: String,
    /// The reported errors with every URL in their texts scrubbed.
    pub(crate) errors: Cow<'a, [ErrorEntry]>,
    /// The record's tags: the configured ones, then a handler's (scrubbed like any text
    /// that may quote a URL).
    pub(crate) tags: Vec<Cow<'a, str>>,
    /// A handler's attributes by key (a key set twice keeps its last value), their values
    /// scrubbed like any text that may quote a URL; then `rpc.grpc.status_code` for a
    /// gRPC call (replacing a handler's attribute of that name).
    pub(crate) attributes: BTreeMap<&'a str, Cow<'a, str>>,
    /// The gRPC status code of a gRPC call.
    pub(crate) grpc_status: Option<u32>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(ex: &'a Exchange, config: &'a Config) -> Fields<'a> {
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
                let path = scrub_urls(path, rules);
                let mut raw = String::with_capacity(path.len() + 1 + masked.len());
                raw.push_str(&path);
                raw.push('?');
                raw.push_str(&masked);
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
        // Values as in the path, credentials found by their shape masked.
        let path_params = match (&ex.route, ex.path_params.is_empty()) {
            (Some(route), true) => {
                // Masked in place: no allocation for a route's first parameter.
                let mut params = path_params(route, path);
                for (_, v) in params.iter_mut() {
                    *v = mask_credentials(std::mem::take(v), rules);
                }
                params
            }
            _ => ex
                .path_params
                .iter()
                .map(|(k, v)| {
                    let v = mask_credentials(Cow::Borrowed(v.as_str()), rules);
                    (Cow::Borrowed(k.as_str()), v)
                })
                .collect(),
        };
        // Compressed bodies decode to at most the capture cap.
        let cap = ex.body_cap.unwrap_or_else(|| config.max_body_bytes());
        let request = redact_body(
            &ex.request_body,
            &ex.request_headers,
            rules.request_body(),
            cap,
        );
        let response = redact_body(
            &ex.response_body,
            &ex.response_headers,
            rules.response_body(),
            cap,
        );
        Fields {
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
            request_body: request.bytes,
            response_body: response.bytes,
            request_body_encoding: request.decoded,
            response_body_encoding: response.decoded,
            errors: scrub_errors(&ex.errors, rules),
            tags: config
                .tags()
                .iter()
                .map(|t| Cow::Borrowed(t.as_str()))
                .chain(ex.tags.iter().map(|t| scrub_urls(t, rules)))
                .collect(),
            attributes: ex
                .attributes
                .iter()
                .map(|(k, v)| (k.as_str(), scrub_urls(v, rules)))
                .chain(
                    ex.grpc_status
                        .map(|c| (grpc::STATUS_ATTRIBUTE, Cow::Owned(c.to_string()))),
                )
                .collect(),
            grpc_status: ex.grpc_status,
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

/// The length of the standard base64 of `len` bytes (`None` past `usize`).
pub(crate) fn base64_len(len: usize) -> Option<usize> {
    base64::encoded_len(len, true)
}

/// Appends the standard base64 of `bytes`; `None` (nothing appended) only when its
/// length would overflow `usize`. Encoded with `base64-simd` (SIMD, chosen at run
/// time), the same bytes as the `base64` crate's `STANDARD` engine.
pub(crate) fn base64_into(out: &mut Vec<u8>, bytes: &[u8]) -> Option<()> {
    let len = base64_len(bytes.len())?;
    out.try_reserve(len).ok()?;
    base64_simd::STANDARD.encode_append(bytes, out);
    Some(())
}

/// The hyphenated lower-case form in `buf`, without going through `fmt`.
pub(crate) fn uuid_str<'b>(id: &Uuid, buf: &'b mut [u8; 45]) -> &'b str {
    id.hyphenated().encode_lower(buf)
}

/// The hyphenated lower-case form, without going through `fmt`.
pub(crate) fn uuid_text(id: Uuid) -> String {
    uuid_str(&id, &mut Uuid::encode_buffer()).to_owned()
}

/// The request header `name` as text, if present.
fn header_text(ex: &Exchange, name: http::HeaderName) -> Option<Cow<'_, str>> {
    ex.request_headers.get(name.as_str()).map(value_text)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    #[test]
    fn base64_into_is_the_standard_engine() {
        let data: Vec<u8> = (0..700u32).map(|i| (i * 151 % 256) as u8).collect();
        for len in (0..130).chain([255, 256, 257, 699, 700]) {
            let mut out = b"prefix".to_vec();
            super::base64_into(&mut out, &data[..len]).unwrap();
            let expected = super::B64.encode(&data[..len]);
            assert_eq!(&out[..6], b"prefix");
            assert_eq!(std::str::from_utf8(&out[6..]).unwrap(), expected, "{len}");
        }
    }
}
