//! Where records are exported.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::model::RequestMessage;
use crate::redact::shown_endpoint;

/// A closure receiving each exported batch (the in-process test hook).
pub type BatchCallback = Arc<dyn Fn(&[RequestMessage]) + Send + Sync>;

/// Which exporter the shipper runs (`APITOOLKIT_EXPORT`).
#[derive(Clone)]
#[non_exhaustive]
pub enum Export {
    /// OTLP to APItoolkit (the default when an API key is set).
    Otlp(OtlpSettings),
    /// JSON Lines on standard output (the default without a key).
    Stdout,
    /// JSON Lines appended to a file. On unix a file the SDK creates gets mode `0600`
    /// (owner read/write only: the records hold request data); an existing file keeps
    /// its mode and owner.
    File(PathBuf),
    /// Each batch handed to a closure.
    Callback(BatchCallback),
}

impl fmt::Debug for Export {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Export::Otlp(s) => f.debug_tuple("Otlp").field(s).finish(),
            Export::Stdout => f.write_str("Stdout"),
            Export::File(p) => f.debug_tuple("File").field(p).finish(),
            Export::Callback(_) => f.write_str("Callback(..)"),
        }
    }
}

/// OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtlpProtocol {
    /// gRPC (`grpc`), the default.
    Grpc,
    /// HTTP with protobuf bodies (`http/protobuf`), `POST {endpoint}/v1/traces`.
    HttpProtobuf,
}

/// Compression of OTLP export requests (`OTEL_EXPORTER_OTLP_COMPRESSION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OtlpCompression {
    /// gzip at level 1, once per batch (`gzip`, the default: APItoolkit's collector is
    /// across a network, where the bytes saved are worth the CPU).
    #[default]
    Gzip,
    /// Uncompressed (`none`): for a collector on the same host or a fast private network.
    /// gzip is about a third of the worker's CPU per OTLP record (benches/README.md, "What
    /// to expect per request"); the requests are then several times larger.
    None,
}

/// OTLP exporter settings. Their `Debug` shows the endpoint without userinfo, query or
/// fragment, the header names without their values, and not the certificate.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OtlpSettings {
    /// Collector endpoint, e.g. `https://otelcol.apitoolkit.io:4317`.
    ///
    /// A userinfo part (`user:password@`) is not sent (use `OTEL_EXPORTER_OTLP_HEADERS`
    /// for an `authorization` header). With an API key, an `http://` endpoint makes the
    /// shipper log one warning when it starts: the key would travel unencrypted.
    pub endpoint: String,
    /// Transport.
    pub protocol: OtlpProtocol,
    /// Extra headers/metadata (`OTEL_EXPORTER_OTLP_HEADERS`), sent with every export.
    pub headers: Vec<(String, String)>,
    /// PEM certificates of the CAs trusted for an `https` endpoint instead of the bundled
    /// public roots (`OTEL_EXPORTER_OTLP_CERTIFICATE`); `None` trusts the public roots.
    pub certificate: Option<Vec<u8>>,
    /// Request compression (`OTEL_EXPORTER_OTLP_COMPRESSION`).
    pub compression: OtlpCompression,
}

/// APItoolkit's collector (gRPC).
pub const DEFAULT_OTLP_ENDPOINT: &str = "https://otelcol.apitoolkit.io:4317";

impl OtlpSettings {
    /// Settings for an endpoint and protocol with no extra headers.
    pub fn new(endpoint: impl Into<String>, protocol: OtlpProtocol) -> OtlpSettings {
        OtlpSettings {
            endpoint: endpoint.into(),
            protocol,
            headers: Vec::new(),
            certificate: None,
            compression: OtlpCompression::Gzip,
        }
    }
}

impl Default for OtlpSettings {
    fn default() -> Self {
        OtlpSettings::new(DEFAULT_OTLP_ENDPOINT, OtlpProtocol::Grpc)
    }
}

impl fmt::Debug for OtlpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may hold credentials: print names only. The endpoint loses its
        // userinfo, query and fragment.
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("OtlpSettings")
            .field("endpoint", &shown_endpoint(&self.endpoint))
            .field("protocol", &self.protocol)
            .field("headers", &names)
            .field("certificate", &self.certificate.as_ref().map(|_| "(PEM)"))
            .field("compression", &self.compression)
            .finish()
    }
}
