//! Header maps to the record's `name → [values]` shape, with redaction.

use http::HeaderMap;

use super::{RedactionRules, REDACTED};
use crate::payload::MultiMap;

/// Lower-case name → values in order; a redacted header keeps its name and gets the
/// single value `"[CLIENT_REDACTED]"`. Non-UTF-8 values are decoded lossily.
pub fn redact_headers(headers: &HeaderMap, rules: &RedactionRules) -> MultiMap {
    let mut out = MultiMap::new();
    for name in headers.keys() {
        let values = if rules.is_header_redacted(name.as_str()) {
            vec![REDACTED.to_owned()]
        } else {
            headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect()
        };
        out.insert(name.as_str().to_owned(), values);
    }
    out
}
