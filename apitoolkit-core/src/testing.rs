//! Test helpers (feature `test-util`): an exporter that keeps every record in memory, and
//! the decoders and checks of the record fields a user's tests need. (The fixtures and
//! harness of the SDK's own suites live in the unpublished `apitoolkit-testkit` crate.)
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
use crate::model::RequestMessage;
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
