//! Captured header fields to the record's `name → [values]` shape, with redaction.

use std::borrow::Cow;
use std::collections::btree_map::Entry;

use super::credentials::Scope;
use super::url::scrub_text;
use super::{RedactionRules, REDACTED};
use crate::model::headers::{value_text, CapturedHeaders};
use crate::model::MultiMap;

/// Lower-case name → values in order; a redacted header keeps its name and gets the
/// single value `"[CLIENT_REDACTED]"`. Non-UTF-8 values are decoded lossily, and every
/// value goes through the URL scrubber ([`shipped_value`]).
pub(crate) fn redact_headers(headers: &CapturedHeaders, rules: &RedactionRules) -> MultiMap {
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
            values.push(shipped_value(value, rules).into_owned());
        }
    }
    if let Some(done) = run {
        add_run(&mut out, done);
    }
    out
}

/// A header value as shipped (when its name is not redacted): lossy UTF-8, with every
/// URL in it scrubbed ([`scrub_urls`](super::scrub_urls): userinfo removed, named query and fragment
/// parameters masked). Applied to every header, so that URL-valued ones (`Referer`,
/// `Location`, `Content-Location`, `Refresh`, `Link`, `Origin`, proxies'
/// `X-Original-URL`/`X-Forwarded-Uri`, and any custom one) are covered whatever their name;
/// credentials found by their shape are masked, `Bearer`/`Basic` ones included.
pub(crate) fn shipped_value<'v>(value: &'v [u8], rules: &RedactionRules) -> Cow<'v, str> {
    match value_text(value) {
        Cow::Borrowed(text) => scrub_text(text, rules, Scope::Header),
        Cow::Owned(text) => Cow::Owned(scrub_text(&text, rules, Scope::Header).into_owned()),
    }
}

/// The fields of `headers` grouped by name, in name order (the order of the record's
/// map), each name's values in their original order: what [`redact_headers`] builds,
/// without building it. The caller checks each name's redaction once.
pub(crate) struct Groups<'h> {
    fields: Vec<(&'h str, &'h [u8])>,
}

/// One header name and its fields (name, value) in order.
pub(crate) type Group<'g, 'h> = (&'h str, &'g [(&'h str, &'h [u8])]);

impl<'h> Groups<'h> {
    pub(crate) fn new(headers: &'h CapturedHeaders) -> Groups<'h> {
        let mut fields: Vec<(&str, &[u8])> = headers.iter().collect();
        // Stable: values of one name keep their order.
        fields.sort_by(|a, b| a.0.cmp(b.0));
        Groups { fields }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Group<'_, 'h>> {
        let mut rest = &self.fields[..];
        std::iter::from_fn(move || {
            let &(name, _) = rest.first()?;
            let run = rest.iter().take_while(|(n, _)| *n == name).count();
            let (group, tail) = rest.split_at(run);
            rest = tail;
            Some((name, group))
        })
    }
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
    }
}
