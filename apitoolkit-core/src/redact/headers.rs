//! Captured header fields to the record's `name → [values]` shape, with redaction.

use std::collections::btree_map::Entry;

use super::{RedactionRules, REDACTED};
use crate::headers::CapturedHeaders;
use crate::json::write_str;
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
            let values = if redacted {
                Vec::new()
            } else {
                Vec::with_capacity(1)
            };
            run = Some((name, redacted, values));
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

/// Appends [`redact_headers`]'s map as JSON, exactly as `serde_json` writes it, without
/// building the map: the fields are sorted by name (stably, so each name's values keep
/// their order) and each name is checked once.
pub(crate) fn write_redacted_headers(
    out: &mut Vec<u8>,
    headers: &CapturedHeaders,
    rules: &RedactionRules,
) -> serde_json::Result<()> {
    let mut fields: Vec<(&str, &[u8])> = headers.iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    let mut rest = &fields[..];
    while let Some(&(name, _)) = rest.first() {
        let run = rest.iter().take_while(|(n, _)| *n == name).count();
        if rest.len() != fields.len() {
            out.push(b',');
        }
        write_str(out, name)?;
        out.extend_from_slice(b":[");
        if rules.is_header_redacted(name) {
            write_str(out, REDACTED)?;
        } else {
            for (i, (_, value)) in rest[..run].iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, &String::from_utf8_lossy(value))?;
            }
        }
        out.push(b']');
        rest = &rest[run..];
    }
    out.push(b'}');
    Ok(())
}

fn add_run(out: &mut MultiMap, (name, redacted, values): (&str, bool, Vec<String>)) {
    match out.entry(name.to_owned()) {
        Entry::Vacant(slot) if redacted => {
            slot.insert(vec![REDACTED.to_owned()]);
        }
        Entry::Vacant(slot) => {
            slot.insert(values);
        }
        // A later run of a name seen before (fields of one name not adjacent).
        Entry::Occupied(_) if redacted => {}
        Entry::Occupied(mut earlier) => earlier.get_mut().extend(values),
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
        let mut json = Vec::new();
        write_redacted_headers(&mut json, &h, &RedactionRules::default()).unwrap();
        assert_eq!(json, serde_json::to_vec(&out).unwrap());
    }
}
