//! Parameters of a structured header value (`type/subtype; a=b; c="d;e"`), as used by
//! `Content-Type` (the multipart boundary) and a part's `Content-Disposition`.
//!
//! Separators inside quoted strings do not split, `\` escapes inside quotes are undone,
//! parameter names are trimmed (compare them case-insensitively), and a parameter may
//! appear without a value (`; filename`). Anything that cannot be read one way only (an
//! unclosed quote, text after a closing quote, a quote or whitespace inside a token,
//! as a folded `name=f<CRLF> filename` becomes) is
//! [`Malformed`]: callers fail closed on it.

use std::borrow::Cow;

/// The header value cannot be split into parameters unambiguously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Malformed;

/// One `name[=value]` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Param<'a> {
    /// The name, trimmed, as written (compare case-insensitively).
    pub(super) name: &'a str,
    /// The value, unquoted and unescaped; `None` when the parameter has no `=`.
    pub(super) value: Option<Cow<'a, str>>,
}

/// Splits `header` into its first segment (the media type or disposition type, trimmed)
/// and its parameters. Empty segments (`a;;b`, a trailing `;`) are skipped.
pub(super) fn split(header: &str) -> Result<(&str, Vec<Param<'_>>), Malformed> {
    let mut segments = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in header.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                segments.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(Malformed);
    }
    segments.push(&header[start..]);
    let first = segments[0].trim();
    if first.contains('"') {
        return Err(Malformed);
    }
    let mut params = Vec::with_capacity(segments.len() - 1);
    for segment in &segments[1..] {
        let segment = segment.trim();
        if segment.is_empty() {
            continue;
        }
        let (name, value) = match segment.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value_of(value.trim())?)),
            None => (segment, None),
        };
        if name.contains('"') {
            return Err(Malformed);
        }
        params.push(Param { name, value });
    }
    Ok((first, params))
}

/// A token, or a quoted string that must end the segment.
fn value_of(raw: &str) -> Result<Cow<'_, str>, Malformed> {
    let Some(inner) = raw.strip_prefix('"') else {
        return if raw.contains(|c: char| c == '"' || c.is_whitespace()) {
            Err(Malformed)
        } else {
            Ok(Cow::Borrowed(raw))
        };
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().ok_or(Malformed)?),
            '"' => {
                return if chars.as_str().trim().is_empty() {
                    Ok(Cow::Owned(out))
                } else {
                    Err(Malformed)
                };
            }
            c => out.push(c),
        }
    }
    Err(Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_values(header: &str) -> (String, Vec<(String, Option<String>)>) {
        let (first, params) = split(header).unwrap();
        let params = params
            .into_iter()
            .map(|p| (p.name.to_owned(), p.value.map(Cow::into_owned)))
            .collect();
        (first.to_owned(), params)
    }

    #[test]
    fn quoted_values_keep_their_separators_and_lose_their_escapes() {
        let (first, params) = names_and_values(
            r#" multipart/mixed ; a="x;boundary=evil" ;Boundary = "q\"s" ;; flag"#,
        );
        assert_eq!(first, "multipart/mixed");
        assert_eq!(
            params,
            [
                ("a".to_owned(), Some("x;boundary=evil".to_owned())),
                ("Boundary".to_owned(), Some("q\"s".to_owned())),
                ("flag".to_owned(), None),
            ]
        );
    }

    #[test]
    fn ambiguous_quoting_is_malformed() {
        for header in [
            r#"form-data; name="unclosed"#,
            r#"form-data; name="a"b"#,
            r#"form-data; name=a"b""#,
            r#"form-data; na"me"=x"#,
            r#"form-"data"; name=x"#,
            r#"form-data; name="ends in escape\"#,
            "form-data; name=f filename",
            "form-data; name=f\tfilename=x",
        ] {
            assert_eq!(split(header), Err(Malformed), "{header}");
        }
    }
}
