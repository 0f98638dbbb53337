//! `multipart/*` bodies (`form-data`, `mixed`, `related`, ...): text fields as for
//! forms, every other part replaced by `[<mime type>_FILE]` (Express's convention).
//! Nothing of a file's content is shipped. Which part is a field: [`part`].
//!
//! Framing follows RFC 2046: the first delimiter opens the body or follows a CRLF (a
//! preamble is skipped); each delimiter is `CRLF--boundary`, followed by optional spaces
//! or tabs and CRLF, or by `--` (the close; the epilogue is ignored). A part's header
//! block ends at the first empty line; a part without headers starts with that empty
//! line. Delimiters are found with `memchr::memmem` and every search starts where the
//! previous one ended, so parsing is linear in the body whatever the boundary.
//!
//! Parts without a usable name (as in `multipart/mixed` or `related`) are files, keyed
//! `[part N]` by their position (0-based, counting every part). A nested multipart part
//! is a file.
//!
//! Fails closed, with or without paths: a boundary RFC 2046 does not allow (empty, longer
//! than 70 characters, a character outside its set, a trailing space), a missing closing
//! delimiter or header end, a header block that cannot be read one way only, or a
//! delimiter followed by anything else ships [`unparseable_placeholder`] instead.

use memchr::memmem;
use serde_json::{Map, Value};

use super::form::push_field;
use super::jsonpath::unparseable_placeholder;
use super::part::{self, Part};
use super::Redactor;

/// Parses a complete multipart body. Malformed input fails closed: the placeholder.
pub(super) fn redact_multipart(bytes: &[u8], boundary: &str, redactor: &Redactor) -> Vec<u8> {
    if !valid_boundary(boundary) {
        return unparseable_placeholder(bytes.len());
    }
    match parse(bytes, boundary) {
        Some(map) => {
            let mut doc = Value::Object(map);
            redactor.redact_value(&mut doc);
            serde_json::to_vec(&doc).unwrap_or_else(|_| unparseable_placeholder(bytes.len()))
        }
        None => unparseable_placeholder(bytes.len()),
    }
}

/// RFC 2046 §5.1.1: 1 to 70 characters from `bchars`, the last one not a space.
fn valid_boundary(boundary: &str) -> bool {
    (1..=70).contains(&boundary.len())
        && !boundary.ends_with(' ')
        && boundary
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&c))
}

fn parse(body: &[u8], boundary: &str) -> Option<Map<String, Value>> {
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    let dash_boundary = &delimiter[2..];
    let next_delimiter = memmem::Finder::new(&delimiter);
    let empty_line = memmem::Finder::new(b"\r\n\r\n");
    // `at` is always just past a delimiter.
    let mut at = if body.starts_with(dash_boundary) {
        dash_boundary.len()
    } else {
        next_delimiter.find(body)? + delimiter.len()
    };
    let mut map = Map::new();
    for index in 0usize.. {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            return Some(map);
        }
        let padding = rest
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let part = rest[padding..].strip_prefix(b"\r\n")?;
        // `blank` is where the empty line ending the header block starts.
        let (head, blank) = if part.starts_with(b"\r\n") {
            (&part[..0], 0)
        } else {
            let end = empty_line.find(part)?;
            (&part[..end], end + 2)
        };
        if head.starts_with(dash_boundary) || next_delimiter.find(head).is_some() {
            return None;
        }
        // The empty line's CRLF may also open the delimiter of an empty part.
        let end = blank + next_delimiter.find(&part[blank..])?;
        let data = if end == blank {
            &[][..]
        } else {
            &part[blank + 2..end]
        };
        at = body.len() - part.len() + end + delimiter.len();

        let (name, value) = match part::classify(head).ok()? {
            Part::Field { name } => (name, String::from_utf8_lossy(data).into_owned()),
            Part::File { name, mime } => (
                name.unwrap_or_else(|| format!("[part {index}]")),
                format!("[{mime}_FILE]"),
            ),
        };
        push_field(&mut map, name, Value::String(value));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nann\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nhunter2\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\
Content-Type: image/png\r\n\r\n\x89PNG secret pixels\r\n--XyZ--\r\n";

    fn json(out: &[u8]) -> Value {
        serde_json::from_slice(out).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(out)))
    }

    #[test]
    fn fields_are_redacted_and_files_replaced() {
        let r = Redactor::new(["$.password"]).unwrap();
        let out = redact_multipart(BODY, "XyZ", &r);
        assert_eq!(
            json(&out),
            serde_json::json!({"user":"ann","password":"[CLIENT_REDACTED]","avatar":"[image/png_FILE]"})
        );
        assert!(!String::from_utf8_lossy(&out).contains("pixels"));
    }

    #[test]
    fn malformed_multipart_fails_closed() {
        let out = redact_multipart(b"--XyZ\r\nno end", "XyZ", &Redactor::default());
        assert!(out.starts_with(b"[UNPARSEABLE_BODY"));
    }

    #[test]
    fn preamble_padding_empty_parts_and_epilogue_are_framed_as_rfc_2046_says() {
        let body = b"preamble --XyZ text\r\n--XyZ \t\r\n\
Content-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"crlf\"\r\n\r\n\r\n\r\n--XyZ\r\n\
\r\nno headers\r\n--XyZ\r\n\r\n\r\n--XyZ--epilogue --XyZ\r\nsecret";
        let out = redact_multipart(body, "XyZ", &Redactor::default());
        assert_eq!(
            json(&out),
            serde_json::json!({
                "empty": "", "crlf": "\r\n",
                "[part 2]": "[application/octet-stream_FILE]",
                "[part 3]": "[application/octet-stream_FILE]",
            })
        );
    }

    #[test]
    fn broken_framing_is_the_placeholder_never_the_bytes() {
        let head = "Content-Disposition: form-data; name=\"a\"";
        for body in [
            format!("--XyZ\r\n{head}\r\n\r\nsecret\r\n--XyZ"),
            format!("--XyZ\r\n{head}\r\n\r\nsecret\r\n--XyZx\r\n{head}\r\n\r\nb\r\n--XyZ--"),
            format!("--XyZ\r\n{head}\r\n\r\nsecret"),
            format!("--XyZ\r\n{head}\r\nsecret\r\n--XyZ--"),
            format!("--XyZ\r\n{head}\r\n--XyZ\r\n{head}\r\n\r\nsecret\r\n--XyZ--"),
            format!("--XyZ\n{head}\n\nsecret\n--XyZ--"),
            format!("--XyZ\r\n{head}\r\n\r\nsecret\r\n--XyZ \r--XyZ--"),
            "secret without a delimiter".to_owned(),
        ] {
            let out = redact_multipart(body.as_bytes(), "XyZ", &Redactor::default());
            assert_eq!(out, unparseable_placeholder(body.len()), "{body:?}");
        }
    }

    #[test]
    fn boundaries_rfc_2046_forbids_are_the_placeholder() {
        let long = "b".repeat(71);
        for boundary in ["", &long, "a;b", "a\"b", "trailing ", "tab\there", "ü"] {
            let body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nsecret\r\n--{boundary}--");
            let out = redact_multipart(body.as_bytes(), boundary, &Redactor::default());
            assert_eq!(out, unparseable_placeholder(body.len()), "{boundary:?}");
        }
        let ok = "'()+_,-./:=? 7".repeat(5);
        assert_eq!(ok.len(), 70);
        let body =
            format!("--{ok}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--{ok}--");
        let out = redact_multipart(body.as_bytes(), &ok, &Redactor::default());
        assert_eq!(json(&out), serde_json::json!({"a": "v"}));
    }

    /// The delimiter search is linear. A boundary far longer than RFC 2046 allows (so
    /// `parse` is called directly), 59 999 dashes and an `x`, after a 450 KB preamble of
    /// dashes: the old `windows().position()` search for `--boundary` compared ~60 000
    /// bytes at each of ~450 000 positions; memmem takes milliseconds (printed, not
    /// asserted).
    #[test]
    fn a_huge_boundary_over_a_large_body_is_searched_linearly() {
        let boundary = format!("{}x", "-".repeat(59_999));
        let dashes = "-".repeat(450_000);
        let body = format!(
            "x{dashes}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv{dashes}\r\n--{boundary}--"
        );
        let started = std::time::Instant::now();
        let map = parse(body.as_bytes(), &boundary).unwrap();
        let elapsed = started.elapsed();
        assert_eq!(map["a"].as_str(), Some(&*format!("v{dashes}")));
        eprintln!(
            "60 000-byte boundary, {} byte body: {elapsed:?}",
            body.len()
        );
    }
}
