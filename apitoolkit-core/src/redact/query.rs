//! Query strings: the `query_params` map and the masked `raw_url`.

use super::{RedactionRules, REDACTED};
use crate::payload::MultiMap;

/// Parses `query` (without `?`) into name → values (form decoding, lossy UTF-8, repeated
/// names keep every value in order) and returns it with the query text in which every
/// redacted parameter's value is replaced by `[CLIENT_REDACTED]`.
pub fn redact_query(query: &str, rules: &RedactionRules) -> (MultiMap, String) {
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
        let name = decode(raw_name);
        let redacted = rules.is_query_param_redacted(&name);
        let value = if redacted {
            REDACTED.to_owned()
        } else {
            raw_value.map(decode).unwrap_or_default()
        };
        params.entry(name).or_default().push(value);
        masked.push_str(raw_name);
        match (raw_value, redacted) {
            (_, true) => {
                masked.push('=');
                masked.push_str(REDACTED);
            }
            (Some(v), false) => {
                masked.push('=');
                masked.push_str(v);
            }
            (None, false) => {}
        }
    }
    (params, masked)
}

fn decode(s: &str) -> String {
    if !s.contains(['+', '%']) {
        return s.to_owned();
    }
    let plus_as_space = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8_lossy()
        .into_owned()
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
