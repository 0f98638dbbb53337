//! The SDK's data, named by every stage: what capture copies of an exchange
//! ([`CapturedHeaders`], [`CapturedBody`]) and the request message that is shipped, one
//! record per HTTP exchange in the JSON shape fixed by APItoolkit's backend
//! (docs/PROTOCOL.md §2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod body;
pub mod headers;

pub use body::CapturedBody;
pub use headers::CapturedHeaders;

/// Name → values map used for headers (lower-case names) and query parameters
/// (values in the order they appeared).
pub type MultiMap = BTreeMap<String, Vec<String>>;

/// Which integration produced a record (`sdk_type`). Non-exhaustive: integrations for
/// more frameworks add variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
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
///
/// Its `Debug` prints every field as is, messages included: an entry holds the text the
/// application reported, and is redacted (credential shapes, URLs) only when its record
/// is built. [`Exchange`](crate::Exchange)'s `Debug` shows only how many entries it has.
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

/// The request message of docs/PROTOCOL.md §2, ready to serialise.
///
/// Field names and formats are those of APItoolkit's backend; [`serde_json`] output of
/// this struct is exactly the JSON Lines format.
///
/// Its `Debug` prints every field as is: a `RequestMessage` is built already redacted
/// (docs/PROTOCOL.md §4), so it shows what would be shipped and nothing more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The `Content-Encoding` codings removed from the request body before redaction,
    /// as applied (`"gzip, br"`); `""` when the body was not decoded.
    #[serde(default)]
    pub request_body_encoding: String,
    /// The same for the response body.
    #[serde(default)]
    pub response_body_encoding: String,
    /// Project id when known, else `""`.
    pub project_id: String,
    /// Which integration produced the record.
    pub sdk_type: SdkType,
    /// From the configuration.
    pub service_version: Option<String>,
    /// From the configuration, then those a handler added; `[]` when none.
    pub tags: Vec<String>,
    /// UUID v4 of this record.
    pub msg_id: String,
    /// `msg_id` of the incoming request an outgoing call was made for; `null` otherwise.
    pub parent_id: Option<String>,
    /// The W3C trace id of the record's span, 32 lower-case hex digits: the caller's
    /// trace when the request came with a `traceparent`, else a new one.
    pub trace_id: String,
    /// The record's span id, 16 lower-case hex digits.
    pub span_id: String,
    /// The sampling rate the record was kept at (`APITOOLKIT_SAMPLE_RATE`; 1.0 for
    /// failures and slow exchanges, always kept): each record stands for `1 / sample_rate`
    /// exchanges.
    pub sample_rate: f64,
    /// Attributes a handler set for the request (`user.id` for the user it identified);
    /// `{}` when none.
    pub attributes: BTreeMap<String, String>,
    /// Reported errors.
    pub errors: Vec<ErrorEntry>,
}

/// Formats a time as RFC 3339 UTC with nanoseconds (`2026-06-19T10:15:30.123456789Z`).
///
/// Written digit by digit: it runs once per record on the shipper's thread and once per
/// reported error on the request path, where a general formatter costs several times more.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    let bytes = rfc3339_bytes(t);
    // Always ASCII.
    std::str::from_utf8(&bytes).map_or_else(|_| String::from(EPOCH), str::to_owned)
}

/// [`rfc3339`] as ASCII bytes, without allocating.
pub(crate) fn rfc3339_bytes(t: time::OffsetDateTime) -> [u8; EPOCH.len()] {
    let mut out = [0u8; EPOCH.len()];
    out.copy_from_slice(EPOCH.as_bytes());
    let t = t.to_offset(time::UtcOffset::UTC);
    let (year, month, day) = t.to_calendar_date();
    let (hour, minute, second, nanosecond) = t.to_hms_nano();
    let Ok(year) = u32::try_from(year) else {
        return out;
    };
    if year > 9999 {
        // Outside RFC 3339's four-digit years; the clock never gives these.
        return out;
    }
    let fields = [
        (0, 4, year),
        (5, 2, u32::from(u8::from(month))),
        (8, 2, u32::from(day)),
        (11, 2, u32::from(hour)),
        (14, 2, u32::from(minute)),
        (17, 2, u32::from(second)),
        (20, 9, nanosecond),
    ];
    for (start, width, mut value) in fields {
        for digit in out[start..start + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    out
}

/// The shape of [`rfc3339`]'s output, and what it gives for an unrepresentable time.
const EPOCH: &str = "1970-01-01T00:00:00.000000000Z";

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(t: time::OffsetDateTime) -> String {
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
        );
        t.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap()
    }

    #[test]
    fn known_instants_and_out_of_range_years() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_781_864_130_123_456_789).unwrap();
        assert_eq!(rfc3339(t), "2026-06-19T10:15:30.123456789Z");
        let offset = t.to_offset(time::UtcOffset::from_hms(5, 30, 0).unwrap());
        assert_eq!(rfc3339(offset), "2026-06-19T10:15:30.123456789Z");
        assert_eq!(rfc3339(time::OffsetDateTime::UNIX_EPOCH), EPOCH);
        let before_year_0 = time::macros::datetime!(-0001-12-31 23:59:59 UTC);
        assert_eq!(rfc3339(before_year_0), EPOCH);
    }

    proptest::proptest! {
        /// Byte for byte what the `time` formatter gives, over years 0 to 9999.
        #[test]
        fn matches_the_time_formatter(nanos in -62_167_219_200_000_000_000i128..253_402_300_800_000_000_000i128) {
            let t = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap();
            proptest::prop_assert_eq!(rfc3339(t), reference(t));
        }
    }
}
