//! OTLP exporter (docs/PROTOCOL.md §3): one span per record, sent over gRPC or HTTP/protobuf, gzip
//! compressed, authenticated with `x-api-key` and the `at-project-key` resource attribute.

pub(crate) mod grpc;
pub(crate) mod http;
mod request_frame;
mod tls;

use std::fmt;
use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;

use self::request_frame::ExportRequestFrame;
use super::{log_record, Attempt};
use crate::capture::exchange::Exchange;
use crate::config::{OtlpCompression, OtlpProtocol, OtlpSettings};
use crate::record::build_message;
use crate::record::otlp_shared;
use crate::record::otlp_span;
use crate::redact::{shown_endpoint, shown_endpoints_in};
use crate::{Config, ConfigError};

/// Name of the header/metadata carrying the API key.
const API_KEY_HEADER: &str = "x-api-key";

/// The transport, cheap to clone: clones share the connection pool (HTTP) or the
/// channel (gRPC).
#[derive(Clone)]
pub(crate) enum Transport {
    Grpc(Box<grpc::GrpcTransport>),
    Http(Box<http::HttpTransport>),
}

/// A batch as one `ExportTraceServiceRequest`, encoded for its transport and ready to
/// send.
#[derive(Debug)]
pub(crate) enum EncodedRequest {
    /// The request as one gRPC message, framed and gzip-compressed unless compression is
    /// off (`grpc::message`).
    Grpc(Bytes),
    /// Protobuf bytes, gzip-compressed unless compression is off, for HTTP.
    Http(Bytes),
    /// The batch could not be encoded.
    Failed(String),
}

/// Span buffers larger than this are not kept for the next batch.
const KEEP_BUFFER: usize = 8 * 1024 * 1024;

/// The OTLP exporter. Its `Debug` never shows the key.
pub(crate) struct OtlpExporter {
    frame: ExportRequestFrame,
    /// The encoded spans of the batch being prepared (kept between batches).
    spans: Vec<u8>,
    transport: Transport,
    /// As shown in logs ([`shown_endpoint`]).
    endpoint: String,
    protocol: OtlpProtocol,
    gzip: bool,
}

impl fmt::Debug for OtlpExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpExporter")
            .field("endpoint", &self.endpoint)
            .field("protocol", &self.protocol)
            .field("gzip", &self.gzip)
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
            frame: ExportRequestFrame::new(&otlp_shared::resource(config)),
            spans: Vec::new(),
            transport,
            endpoint,
            protocol: settings.protocol,
            gzip: settings.compression == OtlpCompression::Gzip,
        })
    }

    /// Builds the export request of a batch (and, for HTTP, its gzip-compressed body):
    /// each record's span is written straight from its exchange (see `record::otlp_span`).
    /// With `keep_spans`, also returns the encoded spans without the resource (which
    /// carries the API key), for the spool.
    pub(crate) fn encode(
        &mut self,
        exchanges: &[Box<Exchange>],
        config: &Config,
        keep_spans: bool,
    ) -> (EncodedRequest, Option<Vec<u8>>) {
        let spans = self.spans(exchanges, config);
        let encoded = self.frame(&spans);
        let kept = keep_spans.then(|| spans.clone());
        self.reclaim(spans);
        (encoded, kept)
    }

    /// The encoded spans of a batch, without the resource (which carries the API key):
    /// what the spool stores. Give the buffer back with [`reclaim`](Self::reclaim).
    pub(crate) fn spans(&mut self, exchanges: &[Box<Exchange>], config: &Config) -> Vec<u8> {
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        for ex in exchanges {
            if config.debug() {
                log_record(&build_message(ex, config));
            }
            otlp_span::push_span(&mut spans, request_frame::SPANS, ex, config);
        }
        spans
    }

    /// Keeps a spans buffer for the next batch, unless a burst made it big.
    pub(crate) fn reclaim(&mut self, spans: Vec<u8>) {
        if spans.capacity() <= KEEP_BUFFER {
            self.spans = spans;
        }
    }

    /// The export request of encoded spans (from [`encode`](Self::encode) or the
    /// spool): the current resource, the spans, and gzip for HTTP.
    pub(crate) fn frame(&self, spans: &[u8]) -> EncodedRequest {
        let head = self.frame.head(spans.len());
        match self.transport {
            Transport::Grpc(_) => match grpc::message(&head, spans, self.gzip) {
                Ok(message) => EncodedRequest::Grpc(message),
                Err(e) => EncodedRequest::Failed(format!("compressing the request: {e}")),
            },
            Transport::Http(_) if !self.gzip => {
                EncodedRequest::Http(Bytes::from([&head[..], spans].concat()))
            }
            Transport::Http(_) => match gzip(&head, spans) {
                Ok(body) => EncodedRequest::Http(body),
                Err(e) => EncodedRequest::Failed(format!("compressing the request: {e}")),
            },
        }
    }

    /// A handle that sends requests on this exporter's transport.
    pub(crate) fn transport(&self) -> Transport {
        self.transport.clone()
    }
}

impl Transport {
    pub(crate) async fn export(&self, request: &EncodedRequest, timeout: Duration) -> Attempt {
        match (self, request) {
            (Transport::Grpc(t), EncodedRequest::Grpc(r)) => t.export(r.clone(), timeout).await,
            (Transport::Http(t), EncodedRequest::Http(b)) => t.export(b.clone(), timeout).await,
            (_, EncodedRequest::Failed(reason)) => Attempt::Permanent(reason.clone()),
            _ => Attempt::Permanent("request encoded for another transport".into()),
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
            shown_endpoints_in(&why.to_string())
        ),
    }
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
