//! One multipart part's header block: is the part a text field, or a file?
//!
//! A part is a **field** only when all of these hold; every other part is a **file**
//! (shipped as `[<mime>_FILE]`, nothing of its content):
//!
//! - exactly one `Content-Disposition` header, readable without ambiguity
//!   ([`params`]), of type `form-data`, with exactly one `name` parameter
//!   that has a value and no `name*`;
//! - no parameter whose name starts with `filename` (`filename`, `filename*`,
//!   `filename*0*`..., in any case, with or without a value), and the text `filename`
//!   appears nowhere else in the header either, except inside a plain `name` value (so
//!   that a parser reading `name="a\"; filename=\"b"` naively does not see a file where
//!   we see a field);
//! - at most one `Content-Type`, and its type is `text/*` (or it is absent).
//!
//! Header names are compared case-insensitively and trimmed. Folded lines (starting with
//! a space or a tab) are unfolded onto the previous header. A line without `:`, a
//! folded first line, an empty line or a bare CR inside the block is malformed, and the
//! whole body becomes the placeholder: some parsers end lines at a bare LF or CR, and we
//! must not read headers differently from the framework.

use super::params::{self, Param};

/// What a part is, from its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    /// A text field: its content is shipped under `name` (and the paths apply).
    Field {
        /// The `name` parameter.
        name: String,
    },
    /// Anything else: `[<mime>_FILE]` is shipped under `name`, or under a key made from
    /// the part's position when it has no usable name.
    File {
        /// The `name` parameter, when there is exactly one.
        name: Option<String>,
        /// The part's content-type essence (sanitised), `application/octet-stream`
        /// when absent.
        mime: String,
    },
}

/// The header block could not be read unambiguously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Malformed;

const OCTET_STREAM: &str = "application/octet-stream";

/// Classifies a part by its header block (the bytes between the delimiter line and the
/// empty line, without the final CRLF).
pub(super) fn classify(head: &[u8]) -> Result<Part, Malformed> {
    let head = String::from_utf8_lossy(head);
    let headers = unfold(&head)?;
    let mut dispositions = Vec::new();
    let mut types = Vec::new();
    for (name, value) in &headers {
        if name.eq_ignore_ascii_case("content-disposition") {
            dispositions.push(value.as_str());
        } else if name.eq_ignore_ascii_case("content-type") {
            types.push(value.as_str());
        }
    }
    let disposition = match dispositions[..] {
        [one] => params::split(one).ok().map(|(kind, ps)| (one, kind, ps)),
        _ => None,
    };
    let name = disposition.as_ref().and_then(|(_, _, ps)| single_name(ps));
    let text = match types[..] {
        [] => true,
        [one] => is_text(essence(one)),
        _ => false,
    };
    let field = text
        && disposition.as_ref().is_some_and(|(raw, kind, ps)| {
            kind.eq_ignore_ascii_case("form-data")
                && !ps.iter().any(|p| starts_with_ci(p.name, "filename"))
                && !ps.iter().any(|p| starts_with_ci(p.name, "name*"))
                && name
                    .as_deref()
                    .is_some_and(|name| no_hidden_filename(raw, name))
        });
    Ok(match (field, name) {
        (true, Some(name)) => Part::Field { name },
        (_, name) => Part::File {
            name,
            mime: types
                .first()
                .map_or_else(|| OCTET_STREAM.to_owned(), |t| mime(t)),
        },
    })
}

/// `name: value` pairs, folded lines joined with a space.
fn unfold(head: &str) -> Result<Vec<(&str, String)>, Malformed> {
    let mut headers: Vec<(&str, String)> = Vec::new();
    if head.is_empty() {
        return Ok(headers);
    }
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.contains('\r') {
            return Err(Malformed);
        }
        if line.starts_with([' ', '\t']) {
            let (_, value) = headers.last_mut().ok_or(Malformed)?;
            value.push(' ');
            value.push_str(line.trim());
            continue;
        }
        let (name, value) = line.split_once(':').ok_or(Malformed)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Malformed);
        }
        headers.push((name, value.trim().to_owned()));
    }
    Ok(headers)
}

/// The value of the only `name` parameter, if there is exactly one with a value.
fn single_name(params: &[Param<'_>]) -> Option<String> {
    let mut names = params
        .iter()
        .filter(|p| p.name.eq_ignore_ascii_case("name"));
    let only = names.next()?;
    if names.next().is_some() {
        return None;
    }
    only.value.as_deref().map(str::to_owned)
}

/// True unless `filename` occurs in the raw header outside a plain `name` value.
fn no_hidden_filename(raw: &str, name: &str) -> bool {
    let in_raw = count_ci(raw, "filename");
    if in_raw == 0 {
        return true;
    }
    let plain = !name.contains(['"', '\\', ';', '=']);
    plain && in_raw == count_ci(name, "filename")
}

fn count_ci(haystack: &str, needle: &str) -> usize {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    (0..h.len().saturating_sub(n.len() - 1))
        .filter(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
        .count()
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

fn is_text(essence: &str) -> bool {
    essence.len() > 5 && starts_with_ci(essence, "text/")
}

/// The content-type essence with only media-type characters kept, as the file marker's
/// mime (so that no header text other than a type name is echoed).
fn mime(content_type: &str) -> String {
    let kept: String = essence(content_type)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-/".contains(*c))
        .take(127)
        .collect();
    if kept.is_empty() {
        OCTET_STREAM.to_owned()
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Result<Part, Malformed> {
        Ok(Part::Field { name: name.into() })
    }

    fn file(name: Option<&str>, mime: &str) -> Result<Part, Malformed> {
        Ok(Part::File {
            name: name.map(Into::into),
            mime: mime.into(),
        })
    }

    #[test]
    fn text_parts_with_one_name_and_no_filename_are_fields() {
        for (head, name) in [
            (&b"Content-Disposition: form-data; name=\"user\""[..], "user"),
            (b"content-disposition:form-data;NAME=user", "user"),
            (b"CONTENT-DISPOSITION : Form-Data; name=\"a;b\"\r\nContent-Type: Text/Plain; charset=utf-8", "a;b"),
            (b"Content-Disposition: form-data; name=\"filename\"", "filename"),
            (b"Content-Disposition: form-data;\r\n name=\"folded\"", "folded"),
            (b"Content-Disposition: form-data; name=\"\"", ""),
        ] {
            assert_eq!(classify(head), field(name), "{}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn anything_that_may_be_a_file_is_a_file() {
        let octet = "application/octet-stream";
        for (head, name, mime) in [
            (&b"Content-Disposition: form-data; name=\"f\"; filename=\"a.txt\""[..], Some("f"), octet),
            (b"Content-Disposition: form-data; name=f; FILENAME*=UTF-8''a.txt", Some("f"), octet),
            (b"Content-Disposition: form-data; name=f; filename*0=\"a\"", Some("f"), octet),
            (b"Content-Disposition: form-data; name=f; filename", Some("f"), octet),
            (b"Content-Disposition: form-data; name=\"f\";\r\n\tfilename=\"a\"", Some("f"), octet),
            (b"Content-Disposition: form-data; name=f\r\n\tfilename", None, octet),
            (b"Content-Disposition: form-data; name=\"f\"\r\n filename=\"a\"", None, octet),
            (b"Content-Disposition: form-data; name=\"a\\\"; filename=\\\"b\"", Some("a\"; filename=\"b"), octet),
            (b"Content-Disposition: form-data; x=\"filename\"; name=f", Some("f"), octet),
            (b"Content-Disposition: form-data; name=f\r\nContent-Type: application/json", Some("f"), "application/json"),
            (b"Content-Disposition: form-data; name=f\r\ncontent-TYPE: multipart/mixed; boundary=b", Some("f"), "multipart/mixed"),
            (b"Content-Disposition: form-data; name=f\r\nContent-Type: text/plain\r\nContent-Type: image/png", Some("f"), "text/plain"),
            (b"Content-Disposition: form-data; name=f\r\nContent-Disposition: form-data; name=g", None, octet),
            (b"Content-Disposition: attachment; name=f", Some("f"), octet),
            (b"Content-Disposition: form-data; name=f; name=g", None, octet),
            (b"Content-Disposition: form-data; name=f; name*=UTF-8''g", Some("f"), octet),
            (b"Content-Disposition: form-data; name=\"f", None, octet),
            (b"Content-Type: text/plain", None, "text/plain"),
            (b"", None, octet),
        ] {
            let got = classify(head);
            assert_eq!(got, file(name, mime), "{}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn lines_ended_by_a_bare_lf_or_cr_cannot_hide_a_content_type() {
        for head in [
            &b"Content-Disposition: form-data; name=f\nContent-Type: image/png"[..],
            b"Content-Disposition: form-data; name=f\rContent-Type: image/png",
            b"Content-Disposition: form-data; name=f\r\n\nContent-Type: image/png",
            b" Content-Disposition: form-data; name=f",
            b"Content-Disposition form-data; name=f",
        ] {
            let got = classify(head);
            assert!(
                !matches!(got, Ok(Part::Field { .. })),
                "{}: {got:?}",
                String::from_utf8_lossy(head)
            );
        }
    }
}
