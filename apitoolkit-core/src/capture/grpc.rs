//! gRPC over HTTP/2 as the SDK records it: a gRPC call is an HTTP exchange whose HTTP
//! status is 200 whatever happened; its real outcome is the `grpc-status` (and
//! `grpc-message`) in the response *trailers*, or in the response headers of a
//! trailers-only response (an error answered at once). Its route is the full method
//! (`/package.Service/Method`), the request's path.
//!
//! [`InFlight`](crate::integration::InFlight) reads the status from the response head
//! ([`InFlight::set_response`](crate::integration::InFlight::set_response)) and from
//! the trailers its [`TeeBody`](crate::integration::TeeBody) shows it; adapters only
//! name the route ([`route`]).

use std::borrow::Cow;

use http::header::CONTENT_TYPE;

use crate::model::{CapturedHeaders, ErrorEntry};

/// `grpc-status`.
pub(crate) const STATUS: &str = "grpc-status";
/// `grpc-message`.
const MESSAGE: &str = "grpc-message";
/// The OpenTelemetry semantic-convention attribute of the status code.
pub(crate) const STATUS_ATTRIBUTE: &str = "rpc.grpc.status_code";

/// Whether a `content-type` value is gRPC's (`application/grpc`, `application/grpc+proto`,
/// `application/grpc-web...`).
pub fn is_grpc(content_type: &[u8]) -> bool {
    // `application/grpc` without regard to ASCII case, as two eight-byte words: each
    // letter's byte with its case bit set, the `/` as it is (a byte-wise
    // `eq_ignore_ascii_case`, without a loop).
    const LO: u64 = u64::from_le_bytes(*b"applicat");
    const HI: u64 = u64::from_le_bytes(*b"ion/grpc");
    const LO_CASE: u64 = 0x2020_2020_2020_2020;
    const HI_CASE: u64 = 0x2020_2020_0020_2020;
    match content_type.first_chunk::<16>() {
        Some(prefix) => {
            let (lo, hi) = prefix.split_at(8);
            let word = |w: &[u8]| u64::from_le_bytes(w.try_into().unwrap_or_default());
            (word(lo) | LO_CASE) == LO && (word(hi) | HI_CASE) == HI
        }
        None => false,
    }
}

/// The route of a gRPC request: its path, the full method (`/grpc.health.v1.Health/Check`),
/// when the request's `content-type` is gRPC; `None` for any other request.
///
/// ```
/// use apitoolkit_core::integration::grpc_route;
/// let mut headers = http::HeaderMap::new();
/// assert_eq!(grpc_route(&headers, "/grpc.health.v1.Health/Check"), None);
/// headers.insert("content-type", "application/grpc".parse().unwrap());
/// assert_eq!(grpc_route(&headers, "/grpc.health.v1.Health/Check"), Some("/grpc.health.v1.Health/Check"));
/// ```
pub fn route<'p>(headers: &http::HeaderMap, path: &'p str) -> Option<&'p str> {
    let content_type = headers.get(CONTENT_TYPE)?;
    is_grpc(content_type.as_bytes()).then_some(path)
}

/// The `grpc-status` and decoded `grpc-message` among `fields` (`name`, `value`), if a
/// valid status is there.
pub(crate) fn status<'a>(
    mut get: impl FnMut(&str) -> Option<&'a [u8]>,
) -> Option<(u32, Option<String>)> {
    let code = std::str::from_utf8(get(STATUS)?)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let message =
        get(MESSAGE).map(
            |m| match percent_encoding::percent_decode(m).decode_utf8_lossy() {
                Cow::Borrowed(s) => s.to_owned(),
                Cow::Owned(s) => s,
            },
        );
    Some((code, message))
}

/// The status in a response head, when the response is gRPC (trailers-only).
pub(crate) fn status_in_head(headers: &CapturedHeaders) -> Option<(u32, Option<String>)> {
    if !headers.get(CONTENT_TYPE.as_str()).is_some_and(is_grpc) {
        return None;
    }
    status(|name| headers.get(name))
}

/// The status in trailers.
pub(crate) fn status_in_trailers(trailers: &http::HeaderMap) -> Option<(u32, Option<String>)> {
    status(|name| trailers.get(name).map(|v| v.as_bytes()))
}

/// The error entry of a non-OK status: type `GrpcStatus`, message
/// `NOT_FOUND (5): <grpc-message>`; `None` for OK (0).
pub(crate) fn error_entry(code: u32, message: Option<&str>) -> Option<ErrorEntry> {
    if code == 0 {
        return None;
    }
    let text = match message {
        Some(m) if !m.is_empty() => format!("{} ({code}): {m}", code_name(code)),
        _ => format!("{} ({code})", code_name(code)),
    };
    Some(ErrorEntry::from_message("GrpcStatus", text))
}

/// The canonical name of a gRPC status code.
pub(crate) fn code_name(code: u32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("UNKNOWN_CODE")
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// Whatever the bytes and the case of each letter: the byte-wise comparison.
        #[test]
        fn is_grpc_is_a_case_insensitive_prefix_test(
            flips in proptest::collection::vec(proptest::bool::ANY, 16),
            tail in proptest::collection::vec(proptest::num::u8::ANY, 0..6),
            noise in proptest::option::of((0usize..16, proptest::num::u8::ANY)),
        ) {
            let mut ct: Vec<u8> = b"application/grpc"
                .iter()
                .zip(&flips)
                .map(|(&b, &flip)| if flip { b ^ 0x20 } else { b })
                .collect();
            if let Some((at, byte)) = noise {
                ct[at] = byte;
            }
            ct.extend_from_slice(&tail);
            for len in 0..=ct.len() {
                let ct = &ct[..len];
                let expected = ct.len() >= 16 && ct[..16].eq_ignore_ascii_case(b"application/grpc");
                proptest::prop_assert_eq!(super::is_grpc(ct), expected, "{:?}", ct);
            }
        }
    }

    use super::*;

    #[test]
    fn reads_the_status_and_decodes_the_message() {
        let mut t = http::HeaderMap::new();
        assert_eq!(status_in_trailers(&t), None);
        t.insert(STATUS, "5".parse().unwrap());
        assert_eq!(status_in_trailers(&t), Some((5, None)));
        t.insert(MESSAGE, "no%20such%20service: caf%C3%A9".parse().unwrap());
        assert_eq!(
            status_in_trailers(&t),
            Some((5, Some("no such service: café".to_owned())))
        );
        t.insert(STATUS, "five".parse().unwrap());
        assert_eq!(status_in_trailers(&t), None, "not a number");
    }

    #[test]
    fn a_head_counts_only_for_a_grpc_response() {
        let mut h = CapturedHeaders::new();
        h.append(STATUS, b"14");
        assert_eq!(status_in_head(&h), None, "not gRPC");
        h.append("content-type", b"application/grpc+proto");
        assert_eq!(status_in_head(&h), Some((14, None)));
        assert!(!is_grpc(b"application/json"));
        assert!(is_grpc(b"Application/GRPC"));
    }

    #[test]
    fn non_ok_codes_are_errors_named_canonically() {
        assert!(error_entry(0, Some("fine")).is_none());
        let e = error_entry(5, Some("unknown service")).unwrap();
        assert_eq!(e.error_type, "GrpcStatus");
        assert_eq!(e.message, "NOT_FOUND (5): unknown service");
        assert_eq!(
            error_entry(16, None).unwrap().message,
            "UNAUTHENTICATED (16)"
        );
        assert_eq!(code_name(99), "UNKNOWN_CODE");
    }
}
