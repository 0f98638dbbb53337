//! Test helpers (feature `test-util`): an exporter that keeps every record in memory.
//!
//! ```
//! use apitoolkit_core::{testing::CapturedRecords, Config};
//!
//! let captured = CapturedRecords::new();
//! let config = Config::builder().export(captured.export()).build().unwrap();
//! # let _ = config;
//! // ... serve requests through an adapter built from `config` ...
//! assert!(captured.records().is_empty());
//! ```

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use crate::config::{ConfigBuilder, Export, ShipperSettings};
use crate::payload::RequestMessage;
use crate::Config;

/// Records exported through [`CapturedRecords::export`], shared between clones.
#[derive(Debug, Clone, Default)]
pub struct CapturedRecords {
    inner: Arc<(Mutex<Vec<RequestMessage>>, Condvar)>,
}

impl CapturedRecords {
    /// An empty capture.
    pub fn new() -> CapturedRecords {
        CapturedRecords::default()
    }

    /// The exporter to put in a [`Config`]: each batch is appended here.
    pub fn export(&self) -> Export {
        let inner = Arc::clone(&self.inner);
        Export::Callback(Arc::new(move |batch: &[RequestMessage]| {
            let (lock, cvar) = &*inner;
            lock.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(batch);
            cvar.notify_all();
        }))
    }

    /// A config builder exporting here, with a 10 ms batch interval so that records
    /// arrive promptly (other settings from the builder's setters, then the environment).
    pub fn config_builder(&self) -> ConfigBuilder {
        let shipper = ShipperSettings {
            batch_interval: Duration::from_millis(10),
            ..ShipperSettings::default()
        };
        Config::builder().export(self.export()).shipper(shipper)
    }

    /// Every record received so far.
    pub fn records(&self) -> Vec<RequestMessage> {
        self.inner
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until at least `n` records arrived or `timeout` passed; returns what arrived.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<RequestMessage> {
        let deadline = Instant::now() + timeout;
        let (lock, cvar) = &*self.inner;
        let mut records = lock.lock().unwrap_or_else(PoisonError::into_inner);
        while records.len() < n {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            records = cvar
                .wait_timeout(records, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        records.clone()
    }

    /// Forgets every record received so far.
    pub fn clear(&self) {
        self.inner
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// Decodes a record body field (standard base64) to bytes.
pub fn body_bytes(b64: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap_or_else(|e| panic!("record body is not base64 ({e}): {b64}"))
}

/// Decodes a record body field to JSON.
pub fn body_json(b64: &str) -> Value {
    let bytes = body_bytes(b64);
    serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "record body is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    })
}

/// Asserts that `s` is a hyphenated UUID v4.
pub fn assert_uuid_v4(s: &str) {
    let id = uuid::Uuid::parse_str(s).unwrap_or_else(|e| panic!("not a UUID ({e}): {s}"));
    assert_eq!(id.get_version_num(), 4, "not a v4 UUID: {s}");
}

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
    let r = Value::String(crate::REDACTED.to_owned());
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

/// Asserts that no 8-byte window of `secret` (or the whole of it, when shorter) occurs in
/// `haystack`.
pub fn assert_not_leaked(haystack: &[u8], secret: &[u8]) {
    let w = secret.len().min(8);
    if w == 0 {
        return;
    }
    for window in secret.windows(w) {
        assert!(
            !haystack.windows(w).any(|h| h == window),
            "{:?} leaked into {:?}",
            String::from_utf8_lossy(window),
            String::from_utf8_lossy(haystack)
        );
    }
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

/// Size of each chunk of [`pattern_chunks`].
pub const PATTERN_CHUNK: usize = 64 * 1024;

/// A deterministic body of `total` bytes as chunks of [`PATTERN_CHUNK`] bytes, generated
/// lazily (zero-copy slices of one shared 64 KiB block): never materialised.
pub fn pattern_chunks(total: u64) -> impl Iterator<Item = bytes::Bytes> + Send + 'static {
    let base: bytes::Bytes = (0..PATTERN_CHUNK + 251)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();
    let chunk = PATTERN_CHUNK as u64;
    (0..total.div_ceil(chunk)).map(move |i| {
        let len = usize::try_from(chunk.min(total - i * chunk)).unwrap_or(PATTERN_CHUNK);
        let start = usize::try_from(i.wrapping_mul(7) % 251).unwrap_or(0);
        base.slice(start..start + len)
    })
}

/// The digest of the whole of [`pattern_chunks`]`(total)`.
pub fn pattern_digest(total: u64) -> Digest {
    let mut d = Digest::default();
    for c in pattern_chunks(total) {
        d.update(&c);
    }
    d
}

/// Length and a 64-bit hash of a byte stream, independent of how it was chunked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    /// Bytes seen.
    pub len: u64,
    hash: u64,
    pending: [u8; 8],
    npending: usize,
}

impl Default for Digest {
    fn default() -> Digest {
        Digest {
            len: 0,
            hash: 0xcbf2_9ce4_8422_2325,
            pending: [0; 8],
            npending: 0,
        }
    }
}

impl Digest {
    fn word(&mut self, w: u64) {
        self.hash = (self.hash ^ w)
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(29);
    }

    /// Feeds the next bytes.
    pub fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if self.npending > 0 {
            let take = (8 - self.npending).min(data.len());
            self.pending[self.npending..self.npending + take].copy_from_slice(&data[..take]);
            self.npending += take;
            data = &data[take..];
            if self.npending < 8 {
                return;
            }
            self.word(u64::from_le_bytes(self.pending));
            self.npending = 0;
        }
        let mut words = data.chunks_exact(8);
        for w in &mut words {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            self.word(u64::from_le_bytes(a));
        }
        let rest = words.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.npending = rest.len();
    }

    /// The final (length, hash).
    pub fn finish(&self) -> (u64, u64) {
        let mut h = self.hash;
        for b in &self.pending[..self.npending] {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        (self.len, h)
    }
}

/// The `Sec-WebSocket-Key` of RFC 6455's example handshake.
pub const WS_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// The `Sec-WebSocket-Accept` a server must answer to [`WS_KEY`].
pub const WS_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// The raw HTTP/1.1 upgrade request for `path` with [`WS_KEY`].
pub fn ws_upgrade_request(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nhost: test\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
         sec-websocket-key: {WS_KEY}\r\nsec-websocket-version: 13\r\n\r\n"
    )
}

/// A masked client text frame (FIN set) carrying `text` (< 126 bytes).
pub fn ws_client_text_frame(text: &str) -> Vec<u8> {
    assert!(text.len() < 126, "short frames only");
    let mask = [0x37u8, 0xfa, 0x21, 0x3d];
    let mut f = vec![0x81, 0x80 | text.len() as u8];
    f.extend_from_slice(&mask);
    f.extend(text.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

/// Parses one unmasked server frame with a payload < 126 bytes at the start of `buf`:
/// `(opcode, payload, frame length)`, or `None` when `buf` does not hold a whole frame yet.
pub fn ws_parse_server_frame(buf: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let (&b0, rest) = buf.split_first()?;
    let (&b1, rest) = rest.split_first()?;
    assert_eq!(b1 & 0x80, 0, "server frames are not masked");
    let len = usize::from(b1 & 0x7f);
    assert!(len < 126, "short frames only");
    let payload = rest.get(..len)?;
    Some((b0 & 0x0f, payload.to_vec(), 2 + len))
}

/// A parsed response head: status, lower-cased `(name, value)` headers, head length.
pub type ResponseHead = (u16, Vec<(String, String)>, usize);

/// Splits a raw HTTP/1.1 response head (up to `\r\n\r\n`) into the status code and the
/// lower-cased headers; `None` until the head is complete. Also returns the head length.
pub fn parse_response_head(buf: &[u8]) -> Option<ResponseHead> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some((status, headers, end))
}
