//! The request message: one record per HTTP exchange, in the JSON shape fixed by
//! APItoolkit's backend (SPEC §2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Name → values map used for headers (lower-case names) and query parameters
/// (values in the order they appeared).
pub type MultiMap = BTreeMap<String, Vec<String>>;

/// Which integration produced a record (`sdk_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SdkType {
    /// Incoming request through `apitoolkit-axum` (or any tower stack).
    RustAxum,
    /// Incoming request through `apitoolkit-actix`.
    RustActix,
    /// Incoming request recorded directly with `apitoolkit-core`.
    RustCustom,
    /// Outgoing call recorded by `apitoolkit-client`.
    RustOutgoing,
}

impl SdkType {
    /// The wire name (`"RustAxum"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SdkType::RustAxum => "RustAxum",
            SdkType::RustActix => "RustActix",
            SdkType::RustCustom => "RustCustom",
            SdkType::RustOutgoing => "RustOutgoing",
        }
    }

    /// True for outgoing records (`*Outgoing`), which become CLIENT spans.
    pub fn is_outgoing(self) -> bool {
        matches!(self, SdkType::RustOutgoing)
    }
}

/// One reported error, with all six string fields always present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// When the error was reported, RFC 3339 UTC.
    pub when: String,
    /// Type name of the reported (outermost) error.
    pub error_type: String,
    /// Type name of the innermost error found by walking `source()`.
    pub root_error_type: String,
    /// `Display` of the reported error.
    pub message: String,
    /// `Display` of the innermost error.
    pub root_error_message: String,
    /// Backtrace text when one was captured, else `""`.
    pub stack_trace: String,
}

/// The request message of SPEC §2, ready to serialise.
///
/// Field names and formats are those of APItoolkit's backend; [`serde_json`] output of
/// this struct is exactly the JSON Lines format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestMessage {
    /// RFC 3339 UTC with nanoseconds: when the exchange started.
    pub timestamp: String,
    /// Nanoseconds from request start to the end of the response body.
    pub duration: u64,
    /// `Host` of the request (with port if given).
    pub host: String,
    /// Upper-case method.
    pub method: String,
    /// Matched route template; `""` when no route matched.
    pub url_path: String,
    /// Path plus `?query` as received (query secrets masked).
    pub raw_url: String,
    /// Path parameter name → value.
    pub path_params: BTreeMap<String, String>,
    /// Query parameter name → values.
    pub query_params: MultiMap,
    /// Major HTTP version.
    pub proto_major: u8,
    /// Minor HTTP version.
    pub proto_minor: u8,
    /// Response status.
    pub status_code: u16,
    /// `Referer` header or `""`.
    pub referer: String,
    /// Lower-case request header name → values.
    pub request_headers: MultiMap,
    /// Lower-case response header name → values.
    pub response_headers: MultiMap,
    /// Standard base64 of the captured, redacted request body.
    pub request_body: String,
    /// Standard base64 of the captured, redacted response body.
    pub response_body: String,
    /// Project id when known, else `""`.
    pub project_id: String,
    /// Which integration produced the record.
    pub sdk_type: SdkType,
    /// From the configuration.
    pub service_version: Option<String>,
    /// From the configuration; `[]` when none.
    pub tags: Vec<String>,
    /// UUID v4 of this record.
    pub msg_id: String,
    /// `msg_id` of the incoming request an outgoing call was made for; `null` otherwise.
    pub parent_id: Option<String>,
    /// Reported errors.
    pub errors: Vec<ErrorEntry>,
}

/// Formats a time as RFC 3339 UTC with nanoseconds (`2026-06-19T10:15:30.123456789Z`).
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    t.format(&fmt).unwrap_or_else(|_| {
        // Formatting only fails for years outside 0..=9999, which the clock never gives.
        String::from("1970-01-01T00:00:00.000000000Z")
    })
}
