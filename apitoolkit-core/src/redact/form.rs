//! `application/x-www-form-urlencoded` bodies, shipped as a redacted JSON object.
//! A body so declared that is not a form: see [`redact_form`].

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::jsonpath::unparseable_placeholder;
use super::Redactor;

/// Appends `value` under `name`: a string for the first occurrence, an array once the
/// name repeats.
pub(super) fn push_field(map: &mut Map<String, Value>, name: String, value: Value) {
    match map.get_mut(&name) {
        None => {
            map.insert(name, value);
        }
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

/// Parses the form (lossy UTF-8), applies the paths, serialises the object.
///
/// A body declared urlencoded that is not a form (it opens with `{` or `[` after
/// optional whitespace, raw or decoded, or a decoded name holds a `"`: JSON sent with
/// the wrong type) is [`unparseable_placeholder`] while paths are configured, since
/// they could not be applied to it. Without paths nothing is configured to redact, and
/// it is shipped as captured.
pub(super) fn redact_form<'a>(bytes: &'a [u8], redactor: &Redactor) -> Cow<'a, [u8]> {
    if opens_like_json(bytes) {
        return not_a_form(bytes, redactor);
    }
    let mut map = Map::new();
    for (i, (name, value)) in form_urlencoded::parse(bytes).enumerate() {
        if name.contains('"') || (i == 0 && opens_like_json(name.as_bytes())) {
            return not_a_form(bytes, redactor);
        }
        push_field(
            &mut map,
            name.into_owned(),
            Value::String(value.into_owned()),
        );
    }
    let mut doc = Value::Object(map);
    redactor.redact_value(&mut doc);
    Cow::Owned(serde_json::to_vec(&doc).unwrap_or_default())
}

fn not_a_form<'a>(bytes: &'a [u8], redactor: &Redactor) -> Cow<'a, [u8]> {
    if redactor.is_empty() {
        Cow::Borrowed(bytes)
    } else {
        Cow::Owned(unparseable_placeholder(bytes.len()))
    }
}

/// `{` or `[` first, after ASCII whitespace and a byte order mark.
fn opens_like_json(bytes: &[u8]) -> bool {
    let mut rest = bytes.trim_ascii_start();
    while let Some(after) = rest.strip_prefix("\u{feff}".as_bytes()) {
        rest = after.trim_ascii_start();
    }
    matches!(rest.first(), Some(b'{' | b'['))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_become_arrays_and_paths_apply() {
        let r = Redactor::new(["$.password"]).unwrap();
        let out = redact_form(b"user=ann&password=hunter2&tag=a&tag=b", &r);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"user":"ann","password":"[CLIENT_REDACTED]","tag":["a","b"]})
        );
    }

    #[test]
    fn json_declared_as_a_form_is_the_placeholder_when_paths_are_configured() {
        let r = Redactor::new(["$.password"]).unwrap();
        for body in [
            &br#"{"password":"s3cr3t-a"}"#[..],
            b" \r\n\t[{\"password\":\"s3cr3t-b\"}]",
            b"\xef\xbb\xbf {\"password\":\"s3cr3t-c\"}",
            b"%7B%22password%22:%22s3cr3t-d%22%7D",
            b"+%20{password:s3cr3t-e}",
            b"a=1&\"password\"=s3cr3t-f",
        ] {
            let out = redact_form(body, &r);
            assert_eq!(&*out, unparseable_placeholder(body.len()), "{body:?}");
            assert_eq!(
                &*redact_form(body, &Redactor::default()),
                body,
                "no paths: as captured"
            );
        }
        let out = redact_form(b"q=%7B%22a%22%7D&x=%5B1%5D", &r);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"q":"{\"a\"}","x":"[1]"}),
            "JSON in values is a form"
        );
    }
}
