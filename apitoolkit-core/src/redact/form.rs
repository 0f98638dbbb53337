//! `application/x-www-form-urlencoded` bodies, shipped as a redacted JSON object.

use serde_json::{Map, Value};

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
pub(super) fn redact_form(bytes: &[u8], redactor: &Redactor) -> Vec<u8> {
    let mut map = Map::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        push_field(
            &mut map,
            name.into_owned(),
            Value::String(value.into_owned()),
        );
    }
    let mut doc = Value::Object(map);
    redactor.redact_value(&mut doc);
    serde_json::to_vec(&doc).unwrap_or_default()
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
}
