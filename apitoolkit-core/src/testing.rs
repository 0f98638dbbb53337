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

    /// The exporter to put in a [`Config`](crate::Config): each batch is appended here.
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
