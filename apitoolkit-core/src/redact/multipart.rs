//! `multipart/form-data` bodies: text fields as for forms, each file part replaced by
//! `[<mime type>_FILE]` (Express's convention). Nothing of a file's content is shipped.

use serde_json::{Map, Value};

use super::form::push_field;
use super::jsonpath::unparseable_placeholder;
use super::Redactor;

/// Parses a complete multipart body. Malformed input fails closed: the placeholder.
pub(super) fn redact_multipart(bytes: &[u8], boundary: &str, redactor: &Redactor) -> Vec<u8> {
    match parse(bytes, boundary) {
        Some(map) => {
            let mut doc = Value::Object(map);
            redactor.redact_value(&mut doc);
            serde_json::to_vec(&doc).unwrap_or_else(|_| unparseable_placeholder(bytes.len()))
        }
        None => unparseable_placeholder(bytes.len()),
    }
}

fn parse(body: &[u8], boundary: &str) -> Option<Map<String, Value>> {
    if boundary.is_empty() {
        return None;
    }
    let delim = format!("--{boundary}").into_bytes();
    let mut map = Map::new();
    let mut rest = &body[find(body, &delim)? + delim.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(map); // closing delimiter
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&rest[..head_end]);
        let content = &rest[head_end + 4..];
        let next = find(content, &[b"\r\n", &delim[..]].concat())?;
        let data = &content[..next];
        rest = &content[next + 2 + delim.len()..];

        let mut name = None;
        let mut filename = None;
        let mut mime = None;
        for line in head.split("\r\n") {
            let (k, v) = line.split_once(':')?;
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = param(v, "name");
                filename = param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                mime = Some(v.trim().to_owned());
            }
        }
        let name = name?;
        let value = if filename.is_some() {
            let mime = mime.unwrap_or_else(|| "application/octet-stream".to_owned());
            let mime: String = mime.split(';').next().unwrap_or("").trim().to_owned();
            format!("[{mime}_FILE]")
        } else {
            String::from_utf8_lossy(data).into_owned()
        };
        push_field(&mut map, name, Value::String(value));
    }
}

fn param(header_value: &str, key: &str) -> Option<String> {
    header_value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nann\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nhunter2\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\
Content-Type: image/png\r\n\r\n\x89PNG secret pixels\r\n--XyZ--\r\n";

    #[test]
    fn fields_are_redacted_and_files_replaced() {
        let r = Redactor::new(["$.password"]).unwrap();
        let out = redact_multipart(BODY, "XyZ", &r);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"user":"ann","password":"[CLIENT_REDACTED]","avatar":"[image/png_FILE]"})
        );
        assert!(!String::from_utf8_lossy(&out).contains("pixels"));
    }

    #[test]
    fn malformed_multipart_fails_closed() {
        let out = redact_multipart(b"--XyZ\r\nno end", "XyZ", &Redactor::default());
        assert!(out.starts_with(b"[UNPARSEABLE_BODY"));
    }
}
