//! Captured header fields to the record's `name → [values]` shape, with redaction.

use super::{RedactionRules, REDACTED};
use crate::headers::CapturedHeaders;
use crate::payload::MultiMap;

/// Lower-case name → values in order; a redacted header keeps its name and gets the
/// single value `"[CLIENT_REDACTED]"`. Non-UTF-8 values are decoded lossily.
pub fn redact_headers(headers: &CapturedHeaders, rules: &RedactionRules) -> MultiMap {
    let mut out = MultiMap::new();
    // Fields of one name usually arrive together (`http::HeaderMap` groups them), so the
    // values of a run are collected first and the redaction check runs once per run.
    let mut run: Option<(&str, bool, Vec<String>)> = None;
    for (name, value) in headers {
        if run.as_ref().is_none_or(|(n, _, _)| *n != name) {
            if let Some(done) = run.take() {
                add_run(&mut out, done);
            }
            let redacted = rules.is_header_redacted(name);
            run = Some((name, redacted, Vec::with_capacity(1)));
        }
        if let Some((_, false, values)) = run.as_mut() {
            values.push(String::from_utf8_lossy(value).into_owned());
        }
    }
    if let Some(done) = run {
        add_run(&mut out, done);
    }
    out
}

fn add_run(out: &mut MultiMap, (name, redacted, values): (&str, bool, Vec<String>)) {
    if redacted {
        out.insert(name.to_owned(), vec![REDACTED.to_owned()]);
    } else if let Some(earlier) = out.get_mut(name) {
        earlier.extend(values);
    } else {
        out.insert(name.to_owned(), values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_values_stay_in_order_and_redacted_names_get_one_value() {
        let mut h = CapturedHeaders::new();
        h.append("x-multi", b"one");
        h.append("cookie", b"a=1");
        h.append("x-multi", b"two");
        h.append("cookie", b"b=2");
        h.append("x-odd", b"caf\xe9");
        h.append("x-multi", b"three");
        let out = redact_headers(&h, &RedactionRules::default());
        assert_eq!(out["x-multi"], ["one", "two", "three"]);
        assert_eq!(out["cookie"], [REDACTED]);
        assert_eq!(out["x-odd"], ["caf\u{FFFD}"]);
        assert_eq!(out.len(), 3);
    }
}
