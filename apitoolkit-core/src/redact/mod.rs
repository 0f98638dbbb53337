//! Redaction: headers, query parameters and JSON bodies (SPEC §4).

mod jsonpath;

pub use jsonpath::Redactor;

/// The replacement written over every redacted value.
pub const REDACTED: &str = "[CLIENT_REDACTED]";
