//! Arbitrary path text into `Redactor::new`, then redaction of a fixed document:
//! never panics; errors never point past the path; the output is JSON and agrees with
//! `redact_value`.
#![no_main]

use apitoolkit_core::{ConfigError, Redactor};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const DOC: &str = r#"{"a": {"b": [1, {"c": "x", "x-y": [true, null]}], "d": -1.5e3},
  "e": [[], {}, "s\u00e9\n", 0], "k": {"k": {"k": 1}}, "": 2}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    match Redactor::new([path]) {
        Err(ConfigError::InvalidPath { position, .. }) => {
            assert!(position <= path.chars().count(), "position past the path");
        }
        Err(e) => panic!("unexpected error kind: {e}"),
        Ok(r) => {
            let out = r.redact(DOC.as_bytes());
            let got: Value = serde_json::from_slice(&out).expect("output is JSON");
            let mut want: Value = serde_json::from_str(DOC).unwrap();
            r.redact_value(&mut want);
            assert_eq!(got, want);
        }
    }
});
