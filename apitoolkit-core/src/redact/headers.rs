//! Header maps to the record's `name → [values]` shape, with redaction.

use http::HeaderMap;

use super::{RedactionRules, REDACTED};
use crate::payload::MultiMap;

/// Lower-case name → values in order; a redacted header keeps its name and gets the
/// single value `"[CLIENT_REDACTED]"`. Non-UTF-8 values are decoded lossily.
pub fn redact_headers(headers: &HeaderMap, rules: &RedactionRules) -> MultiMap {
    let mut out = MultiMap::new();
    // `iter` yields every value of a name together, so one pass (no per-name lookup)
    // builds each list; the redaction check runs once per name.
    let mut current: Option<(&str, bool, Vec<String>)> = None;
    for (name, value) in headers {
        let name = name.as_str();
        if current.as_ref().is_none_or(|(n, _, _)| *n != name) {
            if let Some((n, _, values)) = current.take() {
                out.insert(n.to_owned(), values);
            }
            let redacted = rules.is_header_redacted(name);
            let values = if redacted {
                vec![REDACTED.to_owned()]
            } else {
                Vec::with_capacity(1)
            };
            current = Some((name, redacted, values));
        }
        if let Some((_, false, values)) = current.as_mut() {
            values.push(String::from_utf8_lossy(value.as_bytes()).into_owned());
        }
    }
    if let Some((n, _, values)) = current {
        out.insert(n.to_owned(), values);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn repeated_values_stay_in_order_and_redacted_names_get_one_value() {
        let mut h = HeaderMap::new();
        h.append("x-multi", HeaderValue::from_static("one"));
        h.append("cookie", HeaderValue::from_static("a=1"));
        h.append("x-multi", HeaderValue::from_static("two"));
        h.append("cookie", HeaderValue::from_static("b=2"));
        h.append("x-odd", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let out = redact_headers(&h, &RedactionRules::default());
        assert_eq!(out["x-multi"], ["one", "two"]);
        assert_eq!(out["cookie"], [REDACTED]);
        assert_eq!(out["x-odd"], ["caf\u{FFFD}"]);
        assert_eq!(out.len(), 3);
    }
}
