//! Which bodies the paths apply to, by `Content-Type` (docs/PROTOCOL.md §4), and the placeholders
//! shipped instead of a body that cannot be shipped safely.

use std::borrow::Cow;

use http::header::{CONTENT_ENCODING, CONTENT_TYPE};

use super::credentials::mask_body;
use super::decode::{self, codings_text, Codings};
use super::{form, multipart, params, Redactor};
use crate::model::headers::CapturedHeaders;
use crate::model::CapturedBody;

/// How a body is treated, decided by its `Content-Type` (docs/PROTOCOL.md §4).
///
/// Only the media type before the first `;` is compared, trimmed, case-insensitively.
/// When several `Content-Type` headers were captured, the first decides, as it does for
/// `http::HeaderMap::get` and so for axum and actix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`, any `*/json` (`text/json`, which actix's `web::Json` accepts),
    /// any `*/*+json`, no content type or an empty one: the paths apply. Not
    /// `application/jsonx` or `application/json-seq`.
    Json,
    /// `application/x-www-form-urlencoded`: shipped as a redacted JSON object. A body so
    /// declared that opens like JSON is not a form: the placeholder while paths are
    /// configured, as captured otherwise.
    Form,
    /// Any `multipart/*` (`form-data`, `mixed`, `related`, ...) with its boundary: text
    /// fields as for forms, every other part `[<mime>_FILE]`. A field is a part with one
    /// `form-data` disposition naming it, no `filename`/`filename*` parameter, and no
    /// content type or a `text/*` one. A part without a usable name (as in
    /// `multipart/mixed`) is a file keyed `[part N]` (its 0-based position); a nested
    /// multipart part is a file. The boundary is empty when the parameter is missing,
    /// repeated or unreadable; a boundary RFC 2046 does not allow (empty included) and
    /// a malformed body ship the placeholder, with or without paths.
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
        // The usual JSON types, as frameworks write them, without the parsing below.
        if ct == b"application/json" || ct == b"application/json; charset=utf-8" {
            return BodyKind::Json;
        }
        let end = memchr::memchr(b';', ct).unwrap_or(ct.len());
        let essence = ct[..end].trim_ascii();
        let (kind, subtype) = match memchr::memchr(b'/', essence) {
            Some(slash) => (
                essence[..slash].trim_ascii(),
                essence[slash + 1..].trim_ascii(),
            ),
            None => (essence, &b""[..]),
        };
        let json_suffix = essence
            .len()
            .checked_sub(5)
            .is_some_and(|at| essence[at..].eq_ignore_ascii_case(b"+json"));
        if kind.eq_ignore_ascii_case(b"multipart") {
            BodyKind::Multipart(boundary(&String::from_utf8_lossy(ct)))
        } else if essence.is_empty() || subtype.eq_ignore_ascii_case(b"json") || json_suffix {
            BodyKind::Json
        } else if essence.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
            BodyKind::Form
        } else {
            BodyKind::Other
        }
    }
}

/// The one `boundary` parameter's value, or `""` (which fails closed) when it is
/// missing, repeated, or the parameters cannot be read unambiguously.
fn boundary(content_type: &str) -> String {
    let Ok((_, params)) = params::split(content_type) else {
        return String::new();
    };
    let mut found = params
        .into_iter()
        .filter(|p| p.name.eq_ignore_ascii_case("boundary"));
    match (found.next(), found.next()) {
        (Some(only), None) => only.value.map(Cow::into_owned).unwrap_or_default(),
        _ => String::new(),
    }
}

/// What ships for a body ([`redact_body`]): its bytes, and the codings removed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedBody<'a> {
    /// The body redacted per its kind (decoded first when it was compressed), as
    /// captured, or a placeholder.
    pub bytes: Cow<'a, [u8]>,
    /// The `Content-Encoding` codings removed before redaction, in the order they were
    /// applied, canonical names joined by `", "` (`"gzip, br"`); `""` when the body was
    /// not decoded (no coding, an unknown one, or the decoder's placeholder).
    pub decoded: String,
}

impl<'a> From<Cow<'a, [u8]>> for ShippedBody<'a> {
    fn from(bytes: Cow<'a, [u8]>) -> Self {
        ShippedBody {
            bytes,
            decoded: String::new(),
        }
    }
}

/// The bytes shipped for a body: decoded when its `Content-Encoding` lists codings
/// decoded here (`gzip`, `x-gzip`, `deflate`, `br`, `zstd`, stacked up to four deep, each
/// layer's output at most `max_decoded` bytes), then redacted per its kind; or a
/// placeholder: `[DECODED_BODY_TOO_LARGE over N bytes]` past the cap,
/// `[UNDECODABLE_BODY <coding> N bytes]` for a corrupt or truncated stream. Then, unless
/// the redactor says otherwise ([`Redactor::with_credentials`]), every credential found
/// by its shape is masked (docs/PROTOCOL.md §4), JSON staying valid.
pub fn redact_body<'a>(
    body: &'a CapturedBody,
    headers: &CapturedHeaders,
    redactor: &Redactor,
    max_decoded: usize,
) -> ShippedBody<'a> {
    let bytes = match body {
        CapturedBody::Empty => return Cow::Borrowed(&b""[..]).into(),
        CapturedBody::NotCaptured => return Cow::Borrowed(&b"[BODY_NOT_CAPTURED]"[..]).into(),
        CapturedBody::TooLarge { cap } => {
            return Cow::<[u8]>::Owned(format!("[BODY_TOO_LARGE over {cap} bytes]").into_bytes())
                .into()
        }
        CapturedBody::Complete(b) if b.is_empty() => return Cow::Borrowed(&b""[..]).into(),
        CapturedBody::Complete(b) => &b[..],
    };
    let kind = BodyKind::of(headers);
    // Decoding: every body kind, before the kind's redaction.
    if let Codings::Known(codings) = Codings::of(headers) {
        return match decode::decode(bytes, &codings, max_decoded) {
            Ok(decoded) => {
                let redacted = redact_kind(&decoded, &kind, redactor);
                let bytes = match redacted {
                    Cow::Owned(changed) => changed,
                    Cow::Borrowed(_) => decoded,
                };
                ShippedBody {
                    bytes: Cow::Owned(bytes),
                    decoded: codings_text(&codings),
                }
            }
            Err(e) => Cow::<[u8]>::Owned(e.placeholder(&codings, bytes.len())).into(),
        };
    }
    let structured = kind != BodyKind::Other;
    if structured && is_encoded(headers) {
        // A coding not decoded here. If the body should be parsed, fail closed; a JSON
        // body without paths ships as captured.
        if kind != BodyKind::Json || !redactor.is_empty() {
            return Cow::<[u8]>::Owned(encoded_placeholder(headers, bytes.len())).into();
        }
        return Cow::Borrowed(bytes).into();
    }
    redact_kind(bytes, &kind, redactor).into()
}

/// `bytes` (not encoded) redacted per their kind, then their credentials masked.
fn redact_kind<'b>(bytes: &'b [u8], kind: &BodyKind, redactor: &Redactor) -> Cow<'b, [u8]> {
    let shipped = match kind {
        BodyKind::Json => redactor.redact(bytes),
        BodyKind::Form => form::redact_form(bytes, redactor),
        BodyKind::Multipart(boundary) => {
            Cow::Owned(multipart::redact_multipart(bytes, boundary, redactor))
        }
        BodyKind::Other => Cow::Borrowed(bytes),
    };
    if redactor.redacts_credentials() {
        mask_body(shipped)
    } else {
        shipped
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
            b"application/json; charset=utf-8",
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

    #[test]
    fn every_json_media_type_frameworks_accept_is_json() {
        for json in [
            &b"text/json"[..],
            b"TEXT/JSON ; charset=utf-8",
            b"application/anything+json",
            b"foo/json",
            b"\tapplication/json\t",
            b"application / json",
        ] {
            assert_eq!(kind(json), BodyKind::Json, "{json:?}");
        }
        for other in [
            &b"application/json-seq"[..],
            b"application/jsonx",
            b"application/json+xml",
            b"text/jsonl",
            b"application/x-json-stream",
        ] {
            assert_eq!(kind(other), BodyKind::Other, "{other:?}");
        }
    }

    #[test]
    fn every_multipart_subtype_is_multipart_with_a_robustly_read_boundary() {
        for (ct, boundary) in [
            (&b"multipart/mixed; boundary=abc"[..], "abc"),
            (
                b"MULTIPART/RELATED; type=\"application/json\"; start=\"<a;b>\"; BOUNDARY=\"x y\"",
                "x y",
            ),
            (b"multipart/alternative;boundary = \"q;r\" ", "q;r"),
            (
                b"multipart/form-data; a=\"boundary=evil;\"; boundary=good",
                "good",
            ),
            (b"multipart/form-data", ""),
            (b"multipart/form-data; boundary", ""),
            (b"multipart/form-data; boundary=a; boundary=b", ""),
            (b"multipart/form-data; boundary=\"unclosed", ""),
            (b"multipart", ""),
            (b"multipart /form-data; boundary=z", "z"),
        ] {
            assert_eq!(kind(ct), BodyKind::Multipart(boundary.into()), "{ct:?}");
        }
    }
}
