//! actix-web's `http` 0.2 types → the `http` 1 types of `apitoolkit-core`, byte for byte.

use actix_web::http as ax;
use apitoolkit_core::CapturedHeaders;

/// The method, by its name.
pub(crate) fn method(m: &ax::Method) -> http::Method {
    http::Method::from_bytes(m.as_str().as_bytes()).unwrap_or_else(|_| {
        tracing::debug!(method = m.as_str(), "apitoolkit: unconvertible method");
        http::Method::GET
    })
}

/// The request-target as received (origin-form, or absolute-form when sent so).
pub(crate) fn uri(u: &ax::Uri) -> http::Uri {
    if u.scheme().is_none() && u.authority().is_none() {
        // Origin-form, the usual case: no need to format the whole URI first.
        if let Some(Ok(uri)) = u.path_and_query().map(|p| http::Uri::try_from(p.as_str())) {
            return uri;
        }
    }
    http::Uri::try_from(u.to_string()).unwrap_or_else(|_| {
        let path = u.path_and_query().map_or("/", |p| p.as_str());
        http::Uri::try_from(path).unwrap_or_else(|e| {
            tracing::debug!(error = %e, "apitoolkit: unconvertible request target");
            http::Uri::from_static("/")
        })
    })
}

/// The HTTP version.
pub(crate) fn version(v: ax::Version) -> http::Version {
    match v {
        ax::Version::HTTP_09 => http::Version::HTTP_09,
        ax::Version::HTTP_10 => http::Version::HTTP_10,
        ax::Version::HTTP_2 => http::Version::HTTP_2,
        ax::Version::HTTP_3 => http::Version::HTTP_3,
        _ => http::Version::HTTP_11,
    }
}

/// Every header, every value, in the order actix keeps them (values of one name in
/// order), copied into one buffer. Values are copied as bytes: obs-text (non-UTF-8)
/// values are kept, and decoded lossily only when the record is built.
pub(crate) fn headers(h: &ax::header::HeaderMap) -> CapturedHeaders {
    // One pass (walking actix's map costs more than an estimate that is sometimes
    // short): room for typical fields; longer ones grow the buffer.
    let mut out = CapturedHeaders::with_capacity(h.len(), h.len() * TYPICAL_FIELD);
    for (name, value) in h.iter() {
        out.append_already_lowercase(name.as_str(), value.as_bytes());
    }
    out
}

/// Bytes of name and value reserved per header field up front.
const TYPICAL_FIELD: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_keep_repeats_and_opaque_bytes() {
        let mut h = ax::header::HeaderMap::new();
        h.append(
            ax::header::HeaderName::from_static("x-multi"),
            ax::header::HeaderValue::from_static("one"),
        );
        h.append(
            ax::header::HeaderName::from_static("x-multi"),
            ax::header::HeaderValue::from_static("two"),
        );
        h.insert(
            ax::header::HeaderName::from_static("x-odd"),
            ax::header::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        );
        let out = headers(&h);
        let multi: Vec<_> = out.get_all("x-multi").collect();
        assert_eq!(multi, [b"one", b"two"]);
        assert_eq!(out.get("x-odd"), Some(&b"caf\xe9"[..]));
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn method_uri_version() {
        assert_eq!(method(&ax::Method::PATCH), http::Method::PATCH);
        let custom = ax::Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(method(&custom).as_str(), "PURGE");
        let u: ax::Uri = "/a/b?x=1&y=%20".parse().unwrap();
        assert_eq!(uri(&u).to_string(), "/a/b?x=1&y=%20");
        let absolute: ax::Uri = "http://example.com:8080/a?x=1".parse().unwrap();
        assert_eq!(uri(&absolute).to_string(), "http://example.com:8080/a?x=1");
        assert_eq!(version(ax::Version::HTTP_10), http::Version::HTTP_10);
        assert_eq!(version(ax::Version::HTTP_2), http::Version::HTTP_2);
    }
}
