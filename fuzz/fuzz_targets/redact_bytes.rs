//! Arbitrary bytes into `Redactor::redact` with fixed paths (one-pass scanner and DOM
//! fallback): never panics; JSON input gives JSON output that agrees with `redact_value`.
#![no_main]

use std::sync::OnceLock;

use apitoolkit_core::redact::unparseable_placeholder;
use apitoolkit_core::Redactor;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn redactors() -> &'static [Redactor; 2] {
    static R: OnceLock<[Redactor; 2]> = OnceLock::new();
    R.get_or_init(|| {
        [
            // Streamable: names, wildcards, descendants, slices, unions.
            Redactor::new(["$.a", "$..b", "$.c[*].d", "$[1:3]", "$.e[0,2]", "x-y.z"]).unwrap(),
            // DOM fallback: filter and negative index.
            Redactor::new(["$..[?@.k == 1]", "$.a[-1]", "$..b"]).unwrap(),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let parsed = serde_json::from_slice::<Value>(data).ok();
    for r in redactors() {
        let out = r.redact(data);
        if data.is_empty() {
            assert!(out.is_empty());
            continue;
        }
        let placeholder = out.as_ref() == unparseable_placeholder(data.len()).as_slice();
        if let Some(doc) = &parsed {
            assert!(!placeholder, "valid JSON became the placeholder");
            let got: Value = serde_json::from_slice(&out).expect("output is JSON");
            let mut want = doc.clone();
            r.redact_value(&mut want);
            assert_eq!(got, want, "redact and redact_value disagree");
        }
    }
});
