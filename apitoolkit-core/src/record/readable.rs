//! Records as short blocks a person can read: the quickstarts' `--demo` output and the
//! `redact` tool's (docs/PROTOCOL.md §2 for the fields).
//!
//! It formats the shipped [`RequestMessage`], already redacted, never the raw capture:
//! what it shows is exactly what would leave the process, redacted values as
//! `[CLIENT_REDACTED]`. Bodies are decoded from their base64: JSON re-indented (keys in
//! their order, values as they are), other UTF-8 as text, anything else as
//! `<N bytes binary>`.
//!
//! ```
//! use apitoolkit_core::record::readable;
//! # fn show(records: &[apitoolkit_core::RequestMessage]) {
//! print!("{}", readable::blocks(records)); // outgoing calls under their request
//! # }
//! ```

use std::fmt::Write as _;

use base64::Engine as _;

use crate::model::{MultiMap, RequestMessage};

/// Most characters of a text body shown; the rest is counted.
const MAX_TEXT_CHARS: usize = 2000;

/// Every record as a [`block`], each outgoing call right under the record of the request
/// it was made for (by `parent_id`, indented), the others in the order given.
pub fn blocks(records: &[RequestMessage]) -> String {
    let mut out = String::new();
    let is_present = |id: &str| records.iter().any(|r| r.msg_id == id);
    for record in records {
        let nested = record.parent_id.as_deref().is_some_and(is_present);
        if !nested {
            write_tree(&mut out, records, record, 0);
            out.push('\n');
        }
    }
    out
}

fn write_tree(out: &mut String, all: &[RequestMessage], record: &RequestMessage, depth: usize) {
    let indent = "    ".repeat(depth);
    for line in block(record).lines() {
        let _ = writeln!(out, "{indent}{line}");
    }
    for child in all
        .iter()
        .filter(|c| c.parent_id.as_deref() == Some(record.msg_id.as_str()))
    {
        let _ = writeln!(out, "{indent}  outgoing call made by this request:");
        write_tree(out, all, child, depth + 1);
    }
}

/// One record: method, route template, status and duration on the first line, then the
/// URL, parameters, headers, decoded bodies, errors, tags and attributes.
pub fn block(m: &RequestMessage) -> String {
    let mut out = String::new();
    let route = if m.url_path.is_empty() {
        "(no route matched)"
    } else {
        m.url_path.as_str()
    };
    let reason = http::StatusCode::from_u16(m.status_code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let _ = writeln!(
        out,
        "{} {route} -> {} {reason} ({}, {})",
        m.method,
        m.status_code,
        duration(m.duration),
        m.sdk_type.as_str()
    );
    let _ = writeln!(out, "  url: {}{}", m.host, m.raw_url);
    if let Some(parent) = &m.parent_id {
        let _ = writeln!(out, "  parent: {parent}");
    }
    if !m.path_params.is_empty() {
        let params: Vec<String> = m
            .path_params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(out, "  path params: {}", params.join(", "));
    }
    if !m.query_params.is_empty() {
        let params: Vec<String> = m
            .query_params
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| format!("{k}={v}")))
            .collect();
        let _ = writeln!(out, "  query params: {}", params.join(", "));
    }
    headers(&mut out, "request headers", &m.request_headers);
    body(
        &mut out,
        "request body",
        &m.request_body,
        &m.request_headers,
    );
    headers(&mut out, "response headers", &m.response_headers);
    body(
        &mut out,
        "response body",
        &m.response_body,
        &m.response_headers,
    );
    for e in &m.errors {
        let _ = writeln!(out, "  error: {}: {}", e.error_type, e.message);
        if e.root_error_type != e.error_type || e.root_error_message != e.message {
            let _ = writeln!(
                out,
                "    caused by {}: {}",
                e.root_error_type, e.root_error_message
            );
        }
    }
    if !m.tags.is_empty() {
        let _ = writeln!(out, "  tags: {}", m.tags.join(", "));
    }
    if !m.attributes.is_empty() {
        let attrs: Vec<String> = m
            .attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(out, "  attributes: {}", attrs.join(", "));
    }
    if m.sample_rate < 1.0 {
        let _ = writeln!(out, "  sample rate: {}", m.sample_rate);
    }
    out
}

/// `1.84 ms`, `912 µs`, `2.31 s`.
fn duration(nanos: u64) -> String {
    match nanos {
        n if n < 1_000_000 => format!("{} µs", n / 1_000),
        n if n < 1_000_000_000 => format!("{:.2} ms", n as f64 / 1e6),
        n => format!("{:.2} s", n as f64 / 1e9),
    }
}

fn headers(out: &mut String, title: &str, map: &MultiMap) {
    if map.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {title}:");
    for (name, values) in map {
        for value in values {
            let _ = writeln!(out, "    {name}: {value}");
        }
    }
}

fn body(out: &mut String, title: &str, b64: &str, headers: &MultiMap) {
    if b64.is_empty() {
        let _ = writeln!(out, "  {title}: (empty)");
        return;
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64) else {
        let _ = writeln!(out, "  {title}: <not base64: {} chars>", b64.len());
        return;
    };
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.first())
        .map_or(String::new(), |ct| format!(", {ct}"));
    let shown = decode(&bytes);
    let _ = writeln!(out, "  {title} ({} bytes{content_type}):", bytes.len());
    for line in shown.lines() {
        match line {
            "" => out.push('\n'),
            line => {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
}

/// A body as text: JSON re-indented, other UTF-8 as is (cut after 2000 characters),
/// anything else `<N bytes binary>`.
pub fn decode(bytes: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return format!("<{} bytes binary>", bytes.len());
    };
    let looks_binary = text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    if looks_binary {
        return format!("<{} bytes binary>", bytes.len());
    }
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        return indent_json(text.trim());
    }
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((cut, _)) => format!("{}\n... ({} more bytes)", &text[..cut], text.len() - cut),
        None => text.to_owned(),
    }
}

/// Re-indents valid JSON by two spaces per level without parsing it into values: keys
/// keep their order, numbers and strings their exact text.
fn indent_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if chars.peek() == Some(&close) {
                    chars.next();
                    out.push(close);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_reindented_keeping_order_and_text() {
        let json = r#"{"z":1.50,"a":[],"b":{},"s":"x, {y}: \"q\"","n":[1,{"k":null}]}"#;
        assert_eq!(
            decode(json.as_bytes()),
            "{\n  \"z\": 1.50,\n  \"a\": [],\n  \"b\": {},\n  \"s\": \"x, {y}: \\\"q\\\"\",\n  \"n\": [\n    1,\n    {\n      \"k\": null\n    }\n  ]\n}"
        );
    }

    #[test]
    fn text_binary_and_long_text() {
        assert_eq!(decode(b"tick 0\ntick 1"), "tick 0\ntick 1");
        assert_eq!(decode(&[0xff, 0x00, 0x01]), "<3 bytes binary>");
        assert_eq!(decode(b"a\x00b"), "<3 bytes binary>");
        let long = "x".repeat(MAX_TEXT_CHARS + 10);
        assert!(decode(long.as_bytes()).ends_with("... (10 more bytes)"));
    }

    #[test]
    fn durations() {
        assert_eq!(duration(912_345), "912 µs");
        assert_eq!(duration(1_840_000), "1.84 ms");
        assert_eq!(duration(2_310_000_000), "2.31 s");
    }
}
