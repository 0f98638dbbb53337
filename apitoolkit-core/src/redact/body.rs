//! Which bodies the paths apply to, by `Content-Type` (SPEC §4), and the placeholders
//! shipped instead of a body that cannot be shipped safely.

use std::borrow::Cow;

use http::header::{CONTENT_ENCODING, CONTENT_TYPE};

use super::{form, multipart, Redactor};
use crate::exchange::CapturedBody;
use crate::headers::CapturedHeaders;

/// How a body is treated, decided by its `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`, `*/*+json`, or no content type: the paths apply.
    Json,
    /// `application/x-www-form-urlencoded`: shipped as a redacted JSON object.
    Form,
    /// `multipart/form-data` with its boundary: fields as for forms, files replaced.
    Multipart(String),
    /// Anything else: shipped as captured.
    Other,
}

impl BodyKind {
    /// Classifies a body by its headers.
    pub fn of(headers: &CapturedHeaders) -> BodyKind {
        let Some(ct) = headers.get(CONTENT_TYPE.as_str()) else {
            return BodyKind::Json;
        };
        let ct = String::from_utf8_lossy(ct);
        let mut parts = ct.split(';');
        let essence = parts.next().unwrap_or("").trim();
        let is = |name: &str| essence.eq_ignore_ascii_case(name);
        let json_suffix = essence
            .len()
            .checked_sub(5)
            .and_then(|at| essence.get(at..))
            .is_some_and(|end| end.eq_ignore_ascii_case("+json"));
        if essence.is_empty() || is("application/json") || json_suffix {
            BodyKind::Json
        } else if is("application/x-www-form-urlencoded") {
            BodyKind::Form
        } else if is("multipart/form-data") {
            let boundary = parts.find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("boundary")
                    .then(|| v.trim().trim_matches('"').to_owned())
            });
            BodyKind::Multipart(boundary.unwrap_or_default())
        } else {
            BodyKind::Other
        }
    }
}

/// The bytes shipped for a body: redacted per its kind, or a placeholder.
pub fn redact_body<'a>(
    body: &'a CapturedBody,
    headers: &CapturedHeaders,
    redactor: &Redactor,
) -> Cow<'a, [u8]> {
    let bytes = match body {
        CapturedBody::Empty => return Cow::Borrowed(b""),
        CapturedBody::NotCaptured => return Cow::Borrowed(b"[BODY_NOT_CAPTURED]"),
        CapturedBody::TooLarge { cap } => {
            return Cow::Owned(format!("[BODY_TOO_LARGE over {cap} bytes]").into_bytes())
        }
        CapturedBody::Complete(b) if b.is_empty() => return Cow::Borrowed(b""),
        CapturedBody::Complete(b) => &b[..],
    };
    let kind = BodyKind::of(headers);
    let structured = kind != BodyKind::Other;
    if structured && is_encoded(headers) {
        // A compressed body is never decoded (that would need an unbounded buffer). If it
        // should be parsed, fail closed; a JSON body without paths ships as captured.
        if kind != BodyKind::Json || !redactor.is_empty() {
            return Cow::Owned(encoded_placeholder(headers, bytes.len()));
        }
        return Cow::Borrowed(bytes);
    }
    match kind {
        BodyKind::Json => redactor.redact(bytes),
        BodyKind::Form => Cow::Owned(form::redact_form(bytes, redactor)),
        BodyKind::Multipart(boundary) => {
            Cow::Owned(multipart::redact_multipart(bytes, &boundary, redactor))
        }
        BodyKind::Other => Cow::Borrowed(bytes),
    }
}

fn is_encoded(headers: &CapturedHeaders) -> bool {
    headers
        .get_all(CONTENT_ENCODING.as_str())
        .any(|v| !v.is_empty() && !v.eq_ignore_ascii_case(b"identity"))
}

fn encoded_placeholder(headers: &CapturedHeaders, len: usize) -> Vec<u8> {
    let enc = headers
        .get(CONTENT_ENCODING.as_str())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    // Only a token-like encoding name is echoed.
    let enc: String = enc
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ',')
        .take(32)
        .collect();
    format!("[ENCODED_BODY {enc} {len} bytes]").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(content_type: &[u8]) -> BodyKind {
        let mut headers = CapturedHeaders::new();
        headers.append("Content-Type", content_type);
        BodyKind::of(&headers)
    }

    #[test]
    fn content_types_are_classified_without_regard_to_case() {
        assert_eq!(BodyKind::of(&CapturedHeaders::new()), BodyKind::Json);
        for json in [
            &b""[..],
            b" ; charset=utf-8",
            b"application/json",
            b"Application/JSON; charset=utf-8",
            b"application/vnd.api+json",
            b"APPLICATION/PROBLEM+JSON ",
            b"+json",
        ] {
            assert_eq!(kind(json), BodyKind::Json, "{json:?}");
        }
        assert_eq!(kind(b"Application/X-WWW-Form-Urlencoded"), BodyKind::Form);
        assert_eq!(
            kind(b"Multipart/Form-Data; Boundary=\"xyz\""),
            BodyKind::Multipart("xyz".into())
        );
        for other in [
            &b"json"[..],
            b"text/plain",
            b"application/jsonx",
            b"\xff+json\xff",
        ] {
            assert_eq!(kind(other), BodyKind::Other, "{other:?}");
        }
    }
}
