//! Fixtures of the SDK suites: the conformance bodies and errors, and the bad-input bodies
//! with their assertions.

use serde_json::Value;

use apitoolkit_core::testing::{assert_not_leaked, body_bytes};

/// The shared response fixture of the APItoolkit SDK test suites.
pub const RESPONSE_FIXTURE: &str = r#"{"status":"success","data":{"message":"hello world","account_data":{"batch_number":12345,"account_id":"123456789","account_name":"test account","account_type":"test","account_status":"active","account_balance":"100.00","account_currency":"USD","account_created_at":"2020-01-01T00:00:00Z","account_updated_at":"2020-01-01T00:00:00Z","account_deleted_at":"2020-01-01T00:00:00Z","possible_account_types":["test","staging","production"],"possible_account_types2":["test","staging","production"]}}}"#;

/// The response paths used with [`RESPONSE_FIXTURE`].
pub const RESPONSE_FIXTURE_PATHS: [&str; 5] = [
    "$.status",
    "$.data.account_data.account_type",
    "$.data.account_data.possible_account_types",
    "$.data.account_data.possible_account_types2[*]",
    "$.non_existent",
];

/// The shared request fixture; [`REQUEST_FIXTURE_PATHS`] match nothing in it.
pub const REQUEST_FIXTURE: &str = r#"{"status":"request","send":{"message":"hello world","account_data":[{"batch_number":12345,"account_id":"123456789"}]}}"#;

/// Request paths that match nothing in [`REQUEST_FIXTURE`].
pub const REQUEST_FIXTURE_PATHS: [&str; 3] =
    ["$.credit-card.cvv", "$.credit-card.name", "$.password"];

/// [`RESPONSE_FIXTURE`] as it must look after redaction with [`RESPONSE_FIXTURE_PATHS`].
pub fn redacted_response_fixture() -> Value {
    let mut v: Value = serde_json::from_str(RESPONSE_FIXTURE).unwrap_or(Value::Null);
    let r = Value::String(apitoolkit_core::REDACTED.to_owned());
    v["status"] = r.clone();
    let acc = &mut v["data"]["account_data"];
    acc["account_type"] = r.clone();
    acc["possible_account_types"] = r.clone();
    acc["possible_account_types2"] = Value::Array(vec![r.clone(), r.clone(), r]);
    v
}

/// The inner error of the "Errors" conformance case: `Example Error value`.
#[derive(Debug)]
pub struct ExampleError;

impl std::fmt::Display for ExampleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Example Error value")
    }
}

impl std::error::Error for ExampleError {}

/// The outer error of the "Errors" conformance case:
/// `wrapper from err2: Example Error value`, whose `source()` is [`ExampleError`].
#[derive(Debug)]
pub struct WrapperError(pub ExampleError);

impl std::fmt::Display for WrapperError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "wrapper from err2: {}", self.0)
    }
}

impl std::error::Error for WrapperError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

// ---------------------------------------------------------------------------------------
// Bad-input fixtures, shared by the adapters' `bad_input` and `large_bodies_memory` tests.
// ---------------------------------------------------------------------------------------

/// Request body paths configured by the bad-input tests.
pub const BAD_INPUT_REQUEST_PATHS: [&str; 2] = ["$.user.password", "$..password"];
/// Response body paths configured by the bad-input tests.
pub const BAD_INPUT_RESPONSE_PATHS: [&str; 2] = ["$.token", "$..password"];

/// A body that is not JSON at all (sent as `application/json`).
pub const NOT_JSON: &[u8] = b"password=SECRETnotjson1&user=ann <not json>";
/// JSON cut off in the middle.
pub const TRUNCATED_JSON: &[u8] = br#"{"user":{"password":"SECRETtruncated2","name":"Ann""#;
/// JSON whose string holds invalid UTF-8 (not JSON any more: RFC 8259 requires UTF-8).
pub const INVALID_UTF8_JSON: &[u8] = b"{\"password\":\"SECRETutf8\xff\xfe\",\"n\":1}";
/// Binary bytes that are not UTF-8, for `application/octet-stream` bodies.
pub const INVALID_UTF8_BINARY: &[u8] = b"\xff\xfe\x00\x80SECRETbinary\xc3\x28\xa0\xa1";

/// Asserts that a record body field (base64) is exactly the fail-closed placeholder for
/// `original` (`[UNPARSEABLE_BODY n bytes]`) and contains nothing of it.
pub fn assert_unparseable(b64: &str, original: &[u8]) {
    let shipped = body_bytes(b64);
    assert_eq!(
        String::from_utf8_lossy(&shipped),
        format!("[UNPARSEABLE_BODY {} bytes]", original.len()),
        "an unparseable body must ship as the placeholder"
    );
    assert_not_leaked(&shipped, original);
}

/// Asserts that a record body field is exactly `[ENCODED_BODY <encoding> <len> bytes]`.
pub fn assert_encoded_placeholder(b64: &str, encoding: &str, len: usize) {
    assert_eq!(
        String::from_utf8_lossy(&body_bytes(b64)),
        format!("[ENCODED_BODY {encoding} {len} bytes]")
    );
}

/// Asserts that a record body field is exactly `[BODY_TOO_LARGE over <cap> bytes]`.
pub fn assert_too_large(b64: &str, cap: usize) {
    assert_eq!(
        String::from_utf8_lossy(&body_bytes(b64)),
        format!("[BODY_TOO_LARGE over {cap} bytes]")
    );
}

/// Gzip-compresses `data` (for `content-encoding: gzip` bodies).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// Zlib-compresses `data` (for `content-encoding: deflate` bodies, RFC 9110).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("zlib into memory");
    enc.finish().expect("zlib into memory")
}

/// Brotli-compresses `data` (for `content-encoding: br` bodies).
pub fn brotli(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = Vec::new();
    let mut enc = ::brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
    enc.write_all(data).expect("brotli into memory");
    drop(enc);
    out
}

/// Zstandard-compresses `data` (for `content-encoding: zstd` bodies).
pub fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// `(Content-Encoding, the record's decoded coding list, encoder)`.
pub type CompressedCase = (&'static str, &'static str, fn(&[u8]) -> Vec<u8>);

/// A [`CompressedCase`] for every coding the SDK decodes, and a stacked one (gzip
/// applied first, then br).
pub const COMPRESSED_CASES: [CompressedCase; 5] = [
    ("gzip", "gzip", gzip),
    ("deflate", "deflate", deflate),
    ("br", "br", brotli),
    ("zstd", "zstd", zstd),
    ("gzip, br", "gzip, br", |data| brotli(&gzip(data))),
];

/// `{"a":{"a":...{"password":"SECRETdeep"}...}}` nested `depth` objects deep.
pub fn deep_json(depth: usize) -> Vec<u8> {
    let leaf = br#"{"password":"SECRETdeep"}"#;
    let mut v = Vec::with_capacity(depth * 6 + leaf.len());
    for _ in 0..depth {
        v.extend_from_slice(b"{\"a\":");
    }
    v.extend_from_slice(leaf);
    v.resize(v.len() + depth, b'}');
    v
}

/// `n` distinct request headers `x-h-<i>: v<i>`.
pub fn many_headers(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("x-h-{i}"), format!("v{i}")))
        .collect()
}

/// The process's peak resident set size (`VmHWM` of `/proc/self/status`) in KiB, where
/// available.
pub fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
