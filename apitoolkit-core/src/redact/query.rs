//! Query strings: the `query_params` map and the masked `raw_url`.

use std::borrow::Cow;

use super::url::{decode, scrub_urls};
use super::{RedactionRules, REDACTED};
use crate::model::MultiMap;

/// Parses `query` (without `?`) into name → values (form decoding, lossy UTF-8, repeated
/// names keep every value in order) and returns it with the query text in which every
/// redacted parameter's value is replaced by `[CLIENT_REDACTED]`. A value that holds a
/// URL (`next=https%3A%2F%2Fx%3Ftoken%3D..`) is scrubbed like any shipped URL
/// ([`scrub_urls`]), in the map and in the text.
pub(crate) fn redact_query(query: &str, rules: &RedactionRules) -> (MultiMap, String) {
    let mut params = MultiMap::new();
    let mut masked = String::with_capacity(query.len());
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            masked.push('&');
        }
        if pair.is_empty() {
            continue;
        }
        let (raw_name, raw_value) = match pair.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (pair, None),
        };
        let name = decode(raw_name).into_owned();
        let redacted = rules.is_query_param_redacted(&name);
        let (value, raw_value) = match raw_value {
            _ if redacted => (REDACTED.to_owned(), Some(Cow::Borrowed(REDACTED))),
            None => (String::new(), None),
            Some(raw) => match scrub_urls(&decode(raw), rules) {
                Cow::Borrowed(clean) => (clean.to_owned(), Some(Cow::Borrowed(raw))),
                // The value held a URL with something to hide: the text gets the
                // scrubbed value, encoded again.
                Cow::Owned(scrubbed) => {
                    let encoded: String =
                        form_urlencoded::byte_serialize(scrubbed.as_bytes()).collect();
                    (scrubbed, Some(Cow::Owned(encoded)))
                }
            },
        };
        params.entry(name).or_default().push(value);
        masked.push_str(raw_name);
        if let Some(v) = raw_value {
            masked.push('=');
            masked.push_str(&v);
        }
    }
    (params, masked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_default_and_configured_params_in_map_and_raw_text() {
        let rules = RedactionRules::builder()
            .query_params(["Session"])
            .build()
            .unwrap();
        let (map, raw) = redact_query("a=1&TOKEN=abc&a=2&session=x%20y&flag", &rules);
        assert_eq!(
            raw,
            "a=1&TOKEN=[CLIENT_REDACTED]&a=2&session=[CLIENT_REDACTED]&flag"
        );
        assert_eq!(map["a"], ["1", "2"]);
        assert_eq!(map["TOKEN"], [REDACTED]);
        assert_eq!(map["session"], [REDACTED]);
        assert_eq!(map["flag"], [""]);
    }

    #[test]
    fn percent_encoded_names_are_matched_and_values_decoded() {
        let rules = RedactionRules::default();
        let (map, raw) = redact_query("acc%65ss_token=s3cret&q=a+b%2Fc", &rules);
        assert_eq!(raw, "acc%65ss_token=[CLIENT_REDACTED]&q=a+b%2Fc");
        assert_eq!(map["access_token"], [REDACTED]);
        assert_eq!(map["q"], ["a b/c"]);
        assert!(!raw.contains("s3cret"));
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let (map, _) = redact_query("x=%FF%FE", &RedactionRules::default());
        assert_eq!(map["x"], ["\u{FFFD}\u{FFFD}"]);
    }
}
