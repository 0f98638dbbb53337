//! OTLP exporter (SPEC §3): one span per record, sent over gRPC or HTTP/protobuf, gzip
//! compressed, authenticated with `x-api-key` and the `at-project-key` resource attribute.

mod grpc;
mod http;
pub(crate) mod span;
pub(crate) mod tls;

use std::fmt;
use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};
use prost::Message as _;

use super::Attempt;
use crate::config::{OtlpProtocol, OtlpSettings};
use crate::exchange::Exchange;
use crate::payload::RequestMessage;
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
    /// The request message, for tonic (which encodes and compresses it).
    Grpc(ExportTraceServiceRequest),
    /// Gzip-compressed protobuf bytes, for HTTP.
    Http(Bytes),
    /// The batch could not be encoded.
    Failed(String),
}

/// The OTLP exporter. Its `Debug` never shows the key.
pub(crate) struct OtlpExporter {
    resource: Resource,
    transport: Transport,
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
        let timeout = config.shipper().export_timeout;
        let transport = match settings.protocol {
            OtlpProtocol::Grpc => {
                Transport::Grpc(Box::new(grpc::GrpcTransport::new(settings, key, timeout)?))
            }
            OtlpProtocol::HttpProtobuf => {
                Transport::Http(Box::new(http::HttpTransport::new(settings, key)?))
            }
        };
        Ok(OtlpExporter {
            resource: span::resource(config),
            transport,
            endpoint: settings.endpoint.clone(),
            protocol: settings.protocol,
        })
    }

    /// Builds the export request of a batch (and, for HTTP, its gzip-compressed body).
    pub(crate) fn encode(
        &self,
        exchanges: &[Box<Exchange>],
        messages: &[RequestMessage],
    ) -> Encoded {
        let request = request(self.resource.clone(), exchanges, messages);
        match self.transport {
            Transport::Grpc(_) => Encoded::Grpc(request),
            Transport::Http(_) => match gzip(&request.encode_to_vec()) {
                Ok(body) => Encoded::Http(body),
                Err(e) => Encoded::Failed(format!("compressing the request: {e}")),
            },
        }
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

/// The `ExportTraceServiceRequest` of a batch: one resource, one scope, a span per record.
pub(crate) fn request(
    resource: Resource,
    exchanges: &[Box<Exchange>],
    messages: &[RequestMessage],
) -> ExportTraceServiceRequest {
    let spans = exchanges
        .iter()
        .zip(messages)
        .map(|(ex, msg)| span::span(ex, msg))
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: span::SDK_NAME.into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn gzip(bytes: &[u8]) -> std::io::Result<Bytes> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4 + 64),
        Compression::fast(),
    );
    enc.write_all(bytes)?;
    Ok(Bytes::from(enc.finish()?))
}

fn invalid_endpoint(endpoint: &str, why: impl fmt::Display) -> ConfigError {
    ConfigError::InvalidValue {
        origin: "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
        value: endpoint.into(),
        expected: format!("an http:// or https:// URL ({why})"),
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
