//! Redaction (docs/PROTOCOL.md §4): headers, query parameters and bodies. Nothing marked for
//! redaction leaves the process.
//!
//! - Headers: names compared case-insensitively; the value becomes `["[CLIENT_REDACTED]"]`.
//! - Query parameters: values masked in both `query_params` and `raw_url`.
//! - URLs wherever they are shipped (header values, `referer`, `raw_url`, outgoing URLs,
//!   error texts): userinfo removed, named parameters masked in queries and fragments
//!   (`url.rs`).
//! - Bodies: compiled JSONPaths ([`Redactor`]), applied by `Content-Type` ([`BodyKind`]):
//!   JSON (or no type) directly, urlencoded forms and multipart forms as a JSON object
//!   (file parts become `[<mime>_FILE]`), anything else as captured. JSON that cannot be
//!   parsed while paths are configured fails closed: a placeholder such as
//!   `[UNPARSEABLE_BODY n bytes]` is shipped instead.
//! - Compressed bodies ([`redact_body`]): `Content-Encoding` `gzip`, `x-gzip`, `deflate`,
//!   `br` and `zstd`, stacked up to four deep, are decoded before the content-type
//!   dispatch, each layer's output bounded by `max_body_bytes`
//!   (`[DECODED_BODY_TOO_LARGE over N bytes]` past it, `[UNDECODABLE_BODY <coding> n
//!   bytes]` for a corrupt or truncated stream). [`ShippedBody::decoded`] names the
//!   codings removed: the record's `request_body_encoding` / `response_body_encoding`.
//!   A structured body with another coding fails closed as `[ENCODED_BODY ...]`.
//! - Credentials found by their shape (JWTs, cloud and SaaS keys, PEM private keys,
//!   `Bearer`/`Basic` in header values) in every shipped text and body (`credentials/`),
//!   unless turned off ([`RedactionRulesBuilder::redact_credentials`]).

mod body;
mod credentials;
mod decode;
mod endpoint;
pub(crate) mod errors;
mod form;
mod headers;
mod jsonpath;
mod multipart;
mod params;
mod part;
mod query;
mod rules;
mod url;

pub use body::{redact_body, BodyKind, ShippedBody};
pub(crate) use credentials::mask_credentials;
pub(crate) use endpoint::{shown_endpoint, shown_endpoints_in, without_userinfo};
pub(crate) use errors::scrub_errors;
pub(crate) use headers::{redact_headers, shipped_value, shipped_verbatim, FieldBuf, Groups};
pub use jsonpath::{unparseable_placeholder, Redactor};
pub(crate) use query::redact_query;
pub use rules::{
    RedactionRules, RedactionRulesBuilder, DEFAULT_REDACTED_HEADERS, DEFAULT_REDACTED_QUERY_PARAMS,
};
pub(crate) use url::{scrub_urls, strip_userinfo};

/// The replacement written over every redacted value.
pub const REDACTED: &str = "[CLIENT_REDACTED]";
