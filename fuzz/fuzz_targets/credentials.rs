//! Arbitrary bytes, as a JSON body and as a text body, through `redact_body` with the
//! credential scan on (the default): never panics; JSON input gives JSON output (the
//! replacement never splits an escape or a string); the scan is idempotent and, with
//! nothing found, ships the input as it is.
#![no_main]

use apitoolkit_core::redact::redact_body;
use apitoolkit_core::{CapturedBody, CapturedHeaders, Redactor};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The decoded-body cap (no `content-encoding` here: unused).
const CAP: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let redactor = Redactor::default();
    let body = CapturedBody::Complete(bytes::Bytes::copy_from_slice(data));
    for content_type in [&b"application/json"[..], b"text/plain"] {
        let mut headers = CapturedHeaders::new();
        headers.append("content-type", content_type);
        let out = redact_body(&body, &headers, &redactor, CAP).bytes;
        if serde_json::from_slice::<Value>(data).is_ok() {
            serde_json::from_slice::<Value>(&out).expect("JSON stays JSON");
        }
        let again = CapturedBody::Complete(bytes::Bytes::copy_from_slice(&out));
        assert_eq!(
            &*redact_body(&again, &headers, &redactor, CAP).bytes,
            &*out,
            "idempotent"
        );
        let off = redact_body(
            &body,
            &headers,
            &redactor.clone().with_credentials(false),
            CAP,
        )
        .bytes;
        if !out
            .windows(apitoolkit_core::REDACTED.len())
            .any(|w| w == apitoolkit_core::REDACTED.as_bytes())
        {
            assert_eq!(&*out, &*off, "nothing found, nothing changed");
        }
    }
});
