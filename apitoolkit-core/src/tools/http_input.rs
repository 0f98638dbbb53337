//! The `redact` tool's input read as a raw HTTP message, when it is one: a request line
//! (`POST /users?token=x HTTP/1.1`) or a status line (`HTTP/1.1 200 OK`), header lines,
//! a blank line, then the body as it is (no chunked decoding). Anything else is a bare
//! body.

/// A raw HTTP message split into its parts.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct HttpInput<'a> {
    /// `Some((method, target))` for a request.
    pub(super) request_line: Option<(&'a str, &'a str)>,
    /// The status of a response.
    pub(super) status: Option<u16>,
    /// `HTTP/1.0`, `HTTP/1.1`, `HTTP/2`...
    pub(super) version: http::Version,
    /// Header fields in order.
    pub(super) headers: Vec<(&'a str, &'a [u8])>,
    /// Everything after the blank line.
    pub(super) body: &'a [u8],
}

/// Splits `input` if its first line is a request or status line, else `None`.
pub(super) fn parse(input: &[u8]) -> Option<HttpInput<'_>> {
    let (first, mut rest) = split_line(input)?;
    let first = std::str::from_utf8(first).ok()?;
    let mut parts = first.split(' ').filter(|p| !p.is_empty());
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next());
    let (request_line, status, version) = if let Some(v) = a.strip_prefix("HTTP/") {
        let status = b.parse::<u16>().ok().filter(|s| (100..=999).contains(s))?;
        (None, Some(status), version(v)?)
    } else {
        let v = c?.strip_prefix("HTTP/")?;
        let method_ok = a.bytes().all(|b| b.is_ascii_uppercase() || b == b'-');
        if !method_ok || !(b.starts_with('/') || b.contains("://") || b == "*") {
            return None;
        }
        (Some((a, b)), None, version(v)?)
    };
    let mut headers = Vec::new();
    loop {
        let Some((line, after)) = split_line(rest) else {
            // Headers with no blank line after them: no body.
            if !rest.is_empty() {
                headers.push(header(rest)?);
            }
            rest = &[];
            break;
        };
        rest = after;
        if line.is_empty() {
            break;
        }
        headers.push(header(line)?);
    }
    Some(HttpInput {
        request_line,
        status,
        version,
        headers,
        body: rest,
    })
}

fn version(v: &str) -> Option<http::Version> {
    Some(match v {
        "0.9" => http::Version::HTTP_09,
        "1.0" => http::Version::HTTP_10,
        "1.1" => http::Version::HTTP_11,
        "2" | "2.0" => http::Version::HTTP_2,
        "3" | "3.0" => http::Version::HTTP_3,
        _ => return None,
    })
}

/// The line up to `\n` (without `\r\n` or `\n`) and what follows it.
fn split_line(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = memchr::memchr(b'\n', input)?;
    let line = &input[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, &input[end + 1..]))
}

fn header(line: &[u8]) -> Option<(&str, &[u8])> {
    let colon = memchr::memchr(b':', line)?;
    let name = std::str::from_utf8(&line[..colon]).ok()?.trim();
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    Some((name, line[colon + 1..].trim_ascii()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_with_headers_and_body() {
        let raw = b"POST /login?token=abc HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\n";
        let parsed = parse(raw).unwrap();
        assert_eq!(parsed.request_line, Some(("POST", "/login?token=abc")));
        assert_eq!(parsed.version, http::Version::HTTP_11);
        assert_eq!(
            parsed.headers,
            [
                ("Host", &b"api.test"[..]),
                ("Content-Type", &b"application/json"[..])
            ]
        );
        assert_eq!(parsed.body, b"{\"a\":1}\n");
    }

    #[test]
    fn a_response_and_bare_bodies() {
        let parsed = parse(b"HTTP/2 404 Not Found\nx-a: b\n\nnope").unwrap();
        assert_eq!(parsed.status, Some(404));
        assert_eq!(parsed.request_line, None);
        assert_eq!(parsed.body, b"nope");
        assert!(parse(b"GET / HTTP/1.1").is_none(), "no line end");
        assert!(parse(b"{\"a\": \"GET / HTTP/1.1\"}\n").is_none());
        assert!(parse(b"hello world HTTP/1.1\n\n").is_none());
        assert!(parse(b"GET / HTTP/1.1\nnot a header\n\n").is_none());
    }
}
