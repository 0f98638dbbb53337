//! Captured header fields to the record's `name → [values]` shape, with redaction.

use std::borrow::Cow;
use std::collections::btree_map::Entry;

use super::credentials::{untouched_verbatim, Scope, QUICK};
use super::url::scrub_text;
use super::{RedactionRules, REDACTED};
use crate::model::headers::{CapturedHeaders, TextValue};
use crate::model::MultiMap;

/// Lower-case name → values in order; a redacted header keeps its name and gets the
/// single value `"[CLIENT_REDACTED]"`. Non-UTF-8 values are decoded lossily, and every
/// value goes through the URL scrubber ([`shipped_value`]).
pub(crate) fn redact_headers(headers: &CapturedHeaders, rules: &RedactionRules) -> MultiMap {
    let mut out = MultiMap::new();
    // Fields of one name usually arrive together (`http::HeaderMap` groups them), so the
    // values of a run are collected first and the redaction check runs once per run.
    let mut run: Option<(&str, bool, Vec<String>)> = None;
    for (name, value) in headers.text_iter() {
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
pub(crate) fn shipped_value<'v>(value: TextValue<'v>, rules: &RedactionRules) -> Cow<'v, str> {
    match value {
        Ok(text) => scrub_text(text, rules, Scope::Header),
        Err(bytes) => Cow::Owned(
            scrub_text(&String::from_utf8_lossy(bytes), rules, Scope::Header).into_owned(),
        ),
    }
}

/// Whether a header value is certainly shipped as it is ([`shipped_value`] borrows it
/// unchanged) and written into a JSON string as it is: shorter than [`QUICK`], ASCII,
/// and one table pass finds nothing for the URL scrubber, the credential scan or the
/// JSON escaper. `false` says nothing: the value then takes [`shipped_value`].
pub(crate) fn shipped_verbatim(value: &[u8], rules: &RedactionRules) -> bool {
    value.len() < QUICK && untouched_verbatim(value, Scope::Header, rules.redacts_credentials())
}

/// The fields of `headers` grouped by name, in name order (the order of the record's
/// map), each name's values in their original order: what [`redact_headers`] builds,
/// without building it. The caller checks each name's redaction once. Fields are
/// [`RawField`]s (bytes, no UTF-8 check).
pub(crate) struct Groups<'b, 'h> {
    fields: &'b [RawField<'h>],
}

/// One header field as stored: name, value (the name is always UTF-8, written from a
/// `&str`; byte order is `str` order).
pub(crate) type RawField<'h> = (&'h [u8], &'h [u8]);

/// Fields kept without an allocation up to this many (a request has a dozen or so).
const INLINE: usize = 16;

/// Where [`Groups`] keeps the fields it sorts: on the caller's stack when they are few
/// (one buffer serves a record's header sets one after the other).
pub(crate) struct FieldBuf<'h> {
    inline: [RawField<'h>; INLINE],
    heap: Vec<RawField<'h>>,
}

impl<'h> FieldBuf<'h> {
    pub(crate) fn new() -> FieldBuf<'h> {
        FieldBuf {
            inline: [(b"", b""); INLINE],
            heap: Vec::new(),
        }
    }
}

impl<'b, 'h> Groups<'b, 'h> {
    /// `fields` sorted by name in `buf`.
    pub(crate) fn of(
        mut iter: impl Iterator<Item = RawField<'h>>,
        buf: &'b mut FieldBuf<'h>,
    ) -> Groups<'b, 'h> {
        let mut len = 0;
        let fields = loop {
            let Some(field) = iter.next() else {
                break &mut buf.inline[..len];
            };
            match buf.inline.get_mut(len) {
                Some(slot) => {
                    *slot = field;
                    len += 1;
                }
                None => {
                    buf.heap.clear();
                    buf.heap.extend_from_slice(&buf.inline);
                    buf.heap.push(field);
                    buf.heap.extend(iter);
                    break &mut buf.heap[..];
                }
            }
        };
        sort_by_name(fields);
        Groups { fields }
    }

    /// The fields of each name (never empty), in name order.
    pub(crate) fn runs(&self) -> impl Iterator<Item = &'b [RawField<'h>]> {
        let mut rest = self.fields;
        std::iter::from_fn(move || {
            let name = rest.first()?.0;
            let run = rest.iter().take_while(|f| f.0 == name).count();
            let (group, tail) = rest.split_at(run);
            rest = tail;
            Some(group)
        })
    }
}

/// Sorts by name, stably (values of one name keep their order): an insertion sort,
/// comparing first bytes before whole names (header names mostly differ there).
fn sort_by_name(fields: &mut [RawField<'_>]) {
    let after = |a: &[u8], b: &[u8]| match (a.first(), b.first()) {
        (Some(x), Some(y)) if x != y => x > y,
        _ => a > b,
    };
    if fields.len() > INLINE {
        fields.sort_by(|a, b| a.0.cmp(b.0));
        return;
    }
    for i in 1..fields.len() {
        let mut j = i;
        while j > 0 && after(fields[j - 1].0, fields[j].0) {
            fields.swap(j - 1, j);
            j -= 1;
        }
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

    proptest::proptest! {
        /// Whatever [`shipped_verbatim`] passes, the full path ships unchanged and
        /// serde_json writes between quotes without an escape; with and without the
        /// credential scan. The texts are made of the bytes every check looks at.
        #[test]
        fn verbatim_values_are_shipped_and_written_as_they_are(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    "[ -~]{0,6}",
                    "[\\x00-\\x1f\"\\\\\u{7f}\u{e9}]",
                    "[=@bB]",
                    proptest::strategy::Just("Bearer abc".to_owned()),
                    proptest::strategy::Just("eyJhbGciOiJIUzI1NiJ9".to_owned()),
                    proptest::strategy::Just("AKIA".to_owned()),
                    proptest::strategy::Just("ghp_".to_owned()),
                    proptest::strategy::Just("?token=".to_owned()),
                    proptest::strategy::Just("//u:p@h".to_owned()),
                ],
                0..12,
            )
        ) {
            let text: String = parts.concat();
            for credentials in [true, false] {
                let rules = RedactionRules::builder()
                    .redact_credentials(credentials)
                    .build()
                    .unwrap();
                if shipped_verbatim(text.as_bytes(), &rules) {
                    let shipped = shipped_value(Ok(&text), &rules);
                    proptest::prop_assert!(matches!(shipped, Cow::Borrowed(t) if t == text));
                    let json = serde_json::to_vec(&text).unwrap();
                    proptest::prop_assert_eq!(&json[1..json.len() - 1], text.as_bytes());
                }
            }
        }
    }

    #[test]
    fn groups_past_the_inline_fields_are_the_same() {
        let mut h = CapturedHeaders::new();
        for i in 0..(INLINE * 2 + 3) {
            let name = format!("x-{}", (i * 7) % 11);
            h.append(&name, i.to_string().as_bytes());
        }
        let mut buf = FieldBuf::new();
        let groups = Groups::of(h.raw_iter(), &mut buf);
        let mut expected: Vec<(&str, &[u8])> = h.iter().collect();
        expected.sort_by(|a, b| a.0.cmp(b.0));
        let seen: Vec<(&str, &[u8])> = groups
            .runs()
            .flatten()
            .map(|&(n, v)| (std::str::from_utf8(n).unwrap(), v))
            .collect();
        assert_eq!(seen, expected);
    }
}
