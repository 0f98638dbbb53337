//! Compressed bodies through the public API (docs/PROTOCOL.md §4): decoded before
//! redaction for every coding, so the paths apply to the JSON inside, and nothing of a
//! redacted value leaves in any form of the record (the exported message, its JSON
//! Lines text, its OTLP span). Bombs and corrupt streams ship placeholders.

use std::io::Write as _;
use std::time::Duration;

use apitoolkit_core::record::{build_message, span_bytes, write_json};
use apitoolkit_core::testing::{assert_not_leaked, body_bytes, body_json, CapturedRecords};
use apitoolkit_core::{CapturedBody, Config, Exchange, SdkType, Shipper};
use bytes::Bytes;
use http::{Method, Uri, Version};
use serde_json::json;

const REQUEST: &[u8] = br#"{"user":{"name":"Ann","password":"SECRETreqpw1"},"card":"SECRETcard2"}"#;
const RESPONSE: &[u8] = br#"{"id":7,"token":"SECRETresptok3","items":[{"key":"SECRETitem4"}]}"#;
const SECRETS: [&[u8]; 4] = [
    b"SECRETreqpw1",
    b"SECRETcard2",
    b"SECRETresptok3",
    b"SECRETitem4",
];

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn br(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
    enc.write_all(data).unwrap();
    drop(enc);
    out
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// `(Content-Encoding header, the record's coding list, encoder)`.
type Case = (&'static str, &'static str, fn(&[u8]) -> Vec<u8>);

const CASES: [Case; 8] = [
    ("gzip", "gzip", gzip),
    ("x-gzip", "gzip", gzip),
    ("deflate", "deflate", zlib),
    ("Deflate", "deflate", raw_deflate),
    ("br", "br", br),
    ("zstd", "zstd", zstd),
    ("gzip, br", "gzip, br", |d| br(&gzip(d))),
    (" ZSTD ,identity, deflate", "zstd, deflate", |d| {
        zlib(&zstd(d))
    }),
];

fn config(records: &CapturedRecords) -> Config {
    records
        .config_builder()
        .redact_request_body(["$.user.password", "$.card"])
        .redact_response_body(["$.token", "$..key"])
        .build_with_env(|_| None)
        .unwrap()
}

fn exchange(encoding: &str, encode: fn(&[u8]) -> Vec<u8>) -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustCustom,
        Method::POST,
        Uri::from_static("/orders"),
        Version::HTTP_11,
    );
    ex.status = 200;
    for headers in [&mut ex.request_headers, &mut ex.response_headers] {
        headers.append("content-type", b"application/json");
        headers.append("content-encoding", encoding.as_bytes());
    }
    ex.request_body = CapturedBody::Complete(Bytes::from(encode(REQUEST)));
    ex.response_body = CapturedBody::Complete(Bytes::from(encode(RESPONSE)));
    ex
}

fn assert_clean(what: &str, bytes: &[u8]) {
    for secret in SECRETS {
        assert_not_leaked(bytes, secret);
    }
    assert!(!bytes.is_empty(), "{what}");
}

#[test]
fn every_coding_is_decoded_and_redacted_and_no_secret_leaves() {
    let records = CapturedRecords::new();
    let config = config(&records);
    let shipper = Shipper::start(config.clone()).unwrap();
    for (encoding, decoded, encode) in CASES {
        let ex = exchange(encoding, encode);
        let msg = build_message(&ex, &config);
        assert_eq!(
            body_json(&msg.request_body),
            json!({"user":{"name":"Ann","password":"[CLIENT_REDACTED]"},"card":"[CLIENT_REDACTED]"}),
            "{encoding}"
        );
        assert_eq!(
            body_json(&msg.response_body),
            json!({"id":7,"token":"[CLIENT_REDACTED]","items":[{"key":"[CLIENT_REDACTED]"}]}),
            "{encoding}"
        );
        assert_eq!(msg.request_body_encoding, decoded, "{encoding}");
        assert_eq!(msg.response_body_encoding, decoded, "{encoding}");
        assert_eq!(
            msg.response_headers["content-encoding"],
            [encoding],
            "the header is kept"
        );
        let mut line = Vec::new();
        write_json(&ex, &config, &mut line).unwrap();
        assert_eq!(line, serde_json::to_vec(&msg).unwrap(), "{encoding}");
        assert_clean("JSON Lines", &line);
        assert_clean("decoded request body", &body_bytes(&msg.request_body));
        assert_clean("decoded response body", &body_bytes(&msg.response_body));
        let span = span_bytes(&ex, &config);
        assert_clean("OTLP span", &span);
        assert!(
            contains(&span, b"apitoolkit.response_body_encoding")
                && contains(&span, decoded.as_bytes()),
            "the span says the body was decoded: {encoding}"
        );
        shipper.enqueue(ex);
    }
    let shipped = records.wait_for(CASES.len(), Duration::from_secs(10));
    assert_eq!(shipped.len(), CASES.len());
    for msg in shipped {
        assert_clean("exported record", &serde_json::to_vec(&msg).unwrap());
        assert_clean("exported request body", &body_bytes(&msg.request_body));
        assert_clean("exported response body", &body_bytes(&msg.response_body));
    }
    let _ = shipper.shutdown(Duration::from_secs(2));
}

#[test]
fn other_body_kinds_are_decoded_too() {
    let records = CapturedRecords::new();
    let config = config(&records);
    for (content_type, body, expected) in [
        (
            "application/x-www-form-urlencoded",
            &b"card=SECRETcard2&name=Ann"[..],
            &br#"{"card":"[CLIENT_REDACTED]","name":"Ann"}"#[..],
        ),
        (
            "multipart/form-data; boundary=XyZ",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"card\"\r\n\r\nSECRETcard2\r\n--XyZ--\r\n",
            br#"{"card":"[CLIENT_REDACTED]"}"#,
        ),
        ("text/plain", b"plain text, shown", b"plain text, shown"),
    ] {
        let mut ex = exchange("gzip", gzip);
        ex.request_headers = Default::default();
        ex.request_headers
            .append("content-type", content_type.as_bytes());
        ex.request_headers.append("content-encoding", b"gzip");
        ex.request_body = CapturedBody::Complete(Bytes::from(gzip(body)));
        let msg = build_message(&ex, &config);
        assert_eq!(body_bytes(&msg.request_body), expected, "{content_type}");
        assert_eq!(msg.request_body_encoding, "gzip", "{content_type}");
    }
}

#[test]
fn a_200_mb_bomb_ships_the_placeholder_and_corrupt_streams_ship_theirs() {
    let records = CapturedRecords::new();
    let config = records
        .config_builder()
        .max_body_bytes(64 << 10)
        .build_with_env(|_| None)
        .unwrap();
    // 200 gzip members of 1 MiB of zeros each: 200 MiB decoded.
    let member = gzip(&vec![0u8; 1 << 20]);
    let bomb = member.repeat(200);
    let mut ex = exchange("gzip", gzip);
    ex.response_body = CapturedBody::Complete(Bytes::from(bomb));
    let msg = build_message(&ex, &config);
    assert_eq!(
        body_bytes(&msg.response_body),
        b"[DECODED_BODY_TOO_LARGE over 65536 bytes]"
    );
    assert_eq!(msg.response_body_encoding, "");
    // Truncated: nothing of the raw bytes ships, with or without paths.
    for config in [
        config.clone(),
        Config::builder().build_with_env(|_| None).unwrap(),
    ] {
        for (encoding, _, encode) in CASES {
            let full = encode(RESPONSE);
            let cut = &full[..full.len() / 2];
            let mut ex = exchange(encoding, encode);
            ex.response_body = CapturedBody::Complete(Bytes::copy_from_slice(cut));
            let msg = build_message(&ex, &config);
            let shipped = String::from_utf8(body_bytes(&msg.response_body)).unwrap();
            assert!(
                shipped.starts_with("[UNDECODABLE_BODY ")
                    && shipped.ends_with(&format!(" {} bytes]", cut.len())),
                "{encoding}: {shipped}"
            );
        }
    }
}

#[test]
fn an_unknown_coding_keeps_the_encoded_placeholder_or_ships_as_captured() {
    let records = CapturedRecords::new();
    let mut ex = exchange("gzip, compress", gzip);
    ex.response_body = CapturedBody::Complete(Bytes::from_static(b"\x1f\x9dLZW"));
    let msg = build_message(&ex, &config(&records));
    assert_eq!(
        body_bytes(&msg.response_body),
        b"[ENCODED_BODY gzip,compress 5 bytes]"
    );
    let without_paths = Config::builder().build_with_env(|_| None).unwrap();
    let msg = build_message(&ex, &without_paths);
    assert_eq!(body_bytes(&msg.response_body), b"\x1f\x9dLZW");
    assert_eq!(msg.response_body_encoding, "");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_decoded_body_that_does_not_parse_is_the_unparseable_placeholder() {
    let records = CapturedRecords::new();
    let mut ex = exchange("br", br);
    let not_json = b"token=SECRETresptok3 <not json>";
    ex.response_body = CapturedBody::Complete(Bytes::from(br(not_json)));
    let msg = build_message(&ex, &config(&records));
    assert_eq!(
        body_bytes(&msg.response_body),
        format!("[UNPARSEABLE_BODY {} bytes]", not_json.len()).into_bytes(),
        "the decoded length"
    );
    assert_eq!(msg.response_body_encoding, "br");
}
