//! OTLP exporter (SPEC §3): one span per record, sent over gRPC or HTTP/protobuf, gzip
//! compressed, authenticated with `x-api-key` and the `at-project-key` resource attribute.

mod frame;
mod grpc;
mod http;
pub(crate) mod span;
pub(crate) mod tls;
pub(crate) mod wire;

use std::fmt;
use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;

use self::frame::Frame;
use super::{log_record, Attempt};
use crate::config::{OtlpProtocol, OtlpSettings};
use crate::exchange::Exchange;
use crate::record::build_message;
use crate::{Config, ConfigError};

/// Name of the header/metadata carrying the API key.
const API_KEY_HEADER: &str = "x-api-key";

enum Transport {
    Grpc(Box<grpc::GrpcTransport>),
    Http(Box<http::HttpTransport>),
}

/// A batch ready to send.
#[derive(Debug)]
pub(crate) enum Encoded {
    /// The request's protobuf bytes, for gRPC (tonic compresses them).
    Grpc(Bytes),
    /// Gzip-compressed protobuf bytes, for HTTP.
    Http(Bytes),
    /// The batch could not be encoded.
    Failed(String),
}

/// Span buffers larger than this are not kept for the next batch.
const KEEP_BUFFER: usize = 8 * 1024 * 1024;

/// The OTLP exporter. Its `Debug` never shows the key.
pub(crate) struct OtlpExporter {
    frame: Frame,
    /// The encoded spans of the batch being prepared (kept between batches).
    spans: Vec<u8>,
    transport: Transport,
    /// As shown in logs ([`shown_endpoint`]).
    endpoint: String,
    protocol: OtlpProtocol,
}

impl fmt::Debug for OtlpExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpExporter")
            .field("endpoint", &self.endpoint)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl OtlpExporter {
    pub(crate) fn new(
        config: &Config,
        settings: &OtlpSettings,
    ) -> Result<OtlpExporter, ConfigError> {
        let key = config.api_key();
        let endpoint = shown_endpoint(&settings.endpoint);
        let timeout = config.shipper().export_timeout;
        let transport = match settings.protocol {
            OtlpProtocol::Grpc => {
                Transport::Grpc(Box::new(grpc::GrpcTransport::new(settings, key, timeout)?))
            }
            OtlpProtocol::HttpProtobuf => {
                Transport::Http(Box::new(http::HttpTransport::new(settings, key)?))
            }
        };
        // Once per exporter, that is per started shipper.
        if key.is_some() && is_plain_http(&settings.endpoint) {
            tracing::warn!(
                endpoint = %endpoint,
                "apitoolkit: the API key is sent to the OTLP endpoint over plain http://, \
                 unencrypted; use an https:// endpoint outside a trusted network"
            );
        }
        Ok(OtlpExporter {
            frame: Frame::new(&span::resource(config)),
            spans: Vec::new(),
            transport,
            endpoint,
            protocol: settings.protocol,
        })
    }

    /// Builds the export request of a batch (and, for HTTP, its gzip-compressed body):
    /// each record's span is written straight from its exchange (see `wire.rs`).
    pub(crate) fn encode(&mut self, exchanges: &[Box<Exchange>], config: &Config) -> Encoded {
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        for ex in exchanges {
            if config.debug() {
                log_record(&build_message(ex, config));
            }
            wire::push_span(&mut spans, frame::SPANS, ex, config);
        }
        let head = self.frame.head(spans.len());
        let encoded = match self.transport {
            Transport::Grpc(_) => {
                let mut request = Vec::with_capacity(head.len() + spans.len());
                request.extend_from_slice(&head);
                request.extend_from_slice(&spans);
                Encoded::Grpc(Bytes::from(request))
            }
            Transport::Http(_) => match gzip(&head, &spans) {
                Ok(body) => Encoded::Http(body),
                Err(e) => Encoded::Failed(format!("compressing the request: {e}")),
            },
        };
        if spans.capacity() <= KEEP_BUFFER {
            self.spans = spans;
        }
        encoded
    }

    pub(crate) async fn export(&mut self, payload: &Encoded, timeout: Duration) -> Attempt {
        match (&mut self.transport, payload) {
            (Transport::Grpc(t), Encoded::Grpc(r)) => t.export(r.clone(), timeout).await,
            (Transport::Http(t), Encoded::Http(b)) => t.export(b.clone(), timeout).await,
            (_, Encoded::Failed(reason)) => Attempt::Permanent(reason.clone()),
            _ => Attempt::Permanent("payload encoded for another transport".into()),
        }
    }
}

/// Whether the endpoint's scheme is `http` (the key would travel unencrypted).
fn is_plain_http(endpoint: &str) -> bool {
    endpoint
        .trim()
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

fn gzip(head: &[u8], spans: &[u8]) -> std::io::Result<Bytes> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity((head.len() + spans.len()) / 4 + 64),
        Compression::fast(),
    );
    enc.write_all(head)?;
    enc.write_all(spans)?;
    Ok(Bytes::from(enc.finish()?))
}

fn invalid_endpoint(endpoint: &str, why: impl fmt::Display) -> ConfigError {
    ConfigError::InvalidValue {
        origin: "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
        value: shown_endpoint(endpoint),
        expected: format!(
            "an http:// or https:// URL ({})",
            scrub_urls(&why.to_string())
        ),
    }
}

/// An endpoint as it may appear in a log line, a `Debug` print or an error: without
/// userinfo (`user:password@`), query or fragment, which may carry credentials.
///
/// A URL is shown as `scheme://host[:port]/path`. Text that does not parse as one, or
/// has an `@` past its authority, is cut failing closed: everything between `://` (or
/// the start) and the last `@` goes, then everything from the first `?` or `#`.
pub(crate) fn shown_endpoint(endpoint: &str) -> String {
    let text = endpoint.trim();
    if let Ok(uri) = text.parse::<::http::Uri>() {
        if let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) {
            // An `@` outside the authority may end a userinfo the parser cut short
            // (a password holding `/` or `?`): then the text is cut instead.
            let outside = uri.authority().map_or(0, |a| a.as_str().len()) + scheme.len() + 3;
            if !text.get(outside..).unwrap_or("@").contains('@') {
                let port = uri.port().map(|p| format!(":{p}")).unwrap_or_default();
                let after_scheme = text.split_once("://").map_or("", |(_, r)| r);
                let path = if after_scheme.contains('/') {
                    uri.path()
                } else {
                    ""
                };
                return format!("{scheme}://{host}{port}{path}");
            }
        }
    }
    let (scheme, rest) = match text.find("://") {
        Some(i) => text.split_at(i + 3),
        None => ("", text),
    };
    let rest = rest.rfind('@').map_or(rest, |at| &rest[at + 1..]);
    let rest = rest.find(['?', '#']).map_or(rest, |end| &rest[..end]);
    format!("{scheme}{rest}")
}

/// The endpoint the transports connect to: without userinfo, which neither transport
/// sends as credentials (use `OTEL_EXPORTER_OTLP_HEADERS` for an `authorization`
/// header), and which would otherwise go into `Host`/`:authority` and into the HTTP
/// client's own trace logs.
pub(super) fn without_userinfo(endpoint: &str) -> String {
    let text = endpoint.trim();
    let Some(i) = text.find("://") else {
        return text.to_owned();
    };
    let (scheme, rest) = text.split_at(i + 3);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => text.to_owned(),
    }
}

/// `text` with every URL in it (`scheme://...` up to a blank or a quote) shown as
/// [`shown_endpoint`] shows it: for transport errors, which may quote the URL they
/// failed on.
pub(crate) fn scrub_urls(text: &str) -> String {
    if !text.contains("://") {
        return text.to_owned();
    }
    let ends_url = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let start = rest[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |j| j + 1);
        let end = rest[i..].find(ends_url).map_or(rest.len(), |j| i + j);
        // Punctuation closing the URL in prose (`(url): ...`) is kept after it.
        let url = rest[start..end].trim_end_matches([')', ']', '}', ',', '.', ';', ':']);
        out.push_str(&rest[..start]);
        out.push_str(&shown_endpoint(url));
        out.push_str(&rest[start + url.len()..end]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn invalid_header(name: &str) -> ConfigError {
    ConfigError::InvalidValue {
        origin: "OTEL_EXPORTER_OTLP_HEADERS".into(),
        value: format!("{name}=[REDACTED]"),
        expected: "a valid lower-case header name and a visible-ASCII value".into(),
    }
}

fn invalid_key() -> ConfigError {
    ConfigError::InvalidValue {
        origin: "APITOOLKIT_KEY".into(),
        value: "[REDACTED]".into(),
        expected: "an API key of visible ASCII characters".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_shown_without_userinfo_query_or_fragment() {
        let cases = [
            (
                "https://otelcol.apitoolkit.io:4317",
                "https://otelcol.apitoolkit.io:4317",
            ),
            ("http://u:pw@127.0.0.1:9/x?k=q#f", "http://127.0.0.1:9/x"),
            (" http://u:pw@h/?k=q ", "http://h/"),
            ("http://h:1?next=/a@b", "http://b"),
            ("http://h:1/x?next=/a", "http://h:1/x"),
            ("http://[::1]:4318/otlp", "http://[::1]:4318/otlp"),
            ("http://u:p/w@host/x?k=q", "http://host/x"),
            ("http://u:p?w@host/x", "http://host/x"),
            ("http://u:pw@[::1/x?k=q", "http://[::1/x"),
            ("u:pw@host/x?k=q", "host/x"),
            ("not a url ?k=q", "not a url "),
        ];
        for (endpoint, shown) in cases {
            assert_eq!(shown_endpoint(endpoint), shown, "{endpoint}");
        }
    }

    #[test]
    fn urls_inside_error_texts_are_scrubbed() {
        assert_eq!(
            scrub_urls("error sending request for url (http://u:pw@h:1/v1/traces?k=q): refused"),
            "error sending request for url (http://h:1/v1/traces): refused"
        );
        assert_eq!(
            scrub_urls("a \"https://x@h/p#frag\" and grpc+tls://u:p@g:1 end"),
            "a \"https://h/p\" and grpc+tls://g:1 end"
        );
        assert_eq!(scrub_urls("no url here"), "no url here");
    }

    #[test]
    fn transports_get_the_endpoint_without_userinfo() {
        assert_eq!(
            without_userinfo("http://u:pw@h:1/x?k=q"),
            "http://h:1/x?k=q"
        );
        assert_eq!(without_userinfo("http://h:1/a@b"), "http://h:1/a@b");
        assert_eq!(without_userinfo("https://h"), "https://h");
    }
}
