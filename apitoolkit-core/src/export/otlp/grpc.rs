//! OTLP over gRPC: the collector's `TraceService/Export` method on a lazily connected
//! tonic `Channel` (a dead collector is not a start-up error), TLS for `https`, gzip,
//! `x-api-key` metadata. The request is sent as the protobuf bytes the exporter encoded
//! once per batch (a pass-through codec), so retries do not copy the batch's spans.

use std::str::FromStr;
use std::time::Duration;

use bytes::{Buf as _, BufMut as _, Bytes};
use http::uri::PathAndQuery;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::Code;
use tonic::Status;

use super::{invalid_endpoint, invalid_header, invalid_key, API_KEY_HEADER};
use crate::config::OtlpSettings;
use crate::export::Attempt;
use crate::redact::{shown_endpoints_in, without_userinfo};
use crate::ConfigError;

/// The collector's export method.
const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

#[derive(Clone)]
pub(crate) struct GrpcTransport {
    client: tonic::client::Grpc<Channel>,
    metadata: MetadataMap,
}

impl GrpcTransport {
    /// Must run inside a tokio runtime context (`connect_lazy` spawns the channel's task).
    pub(super) fn new(
        settings: &OtlpSettings,
        key: Option<&str>,
        connect_timeout: Duration,
    ) -> Result<GrpcTransport, ConfigError> {
        let url = without_userinfo(&settings.endpoint);
        let url = url.as_str();
        let mut endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|e| invalid_endpoint(url, e))?
            .connect_timeout(connect_timeout);
        if url.starts_with("https://") {
            let tls = match &settings.certificate {
                Some(pem) => ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)),
                None => ClientTlsConfig::new().with_webpki_roots(),
            };
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| invalid_endpoint(url, e))?;
        } else if !url.starts_with("http://") {
            return Err(invalid_endpoint(url, "unsupported scheme"));
        }
        let channel = endpoint.connect_lazy();
        let client = tonic::client::Grpc::new(channel)
            .send_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Gzip);

        let mut metadata = MetadataMap::new();
        for (name, value) in &settings.headers {
            let k = AsciiMetadataKey::from_str(&name.to_ascii_lowercase())
                .map_err(|_| invalid_header(name))?;
            let mut v =
                AsciiMetadataValue::try_from(value.as_str()).map_err(|_| invalid_header(name))?;
            // Values usually hold credentials: kept out of `Debug` prints.
            v.set_sensitive(true);
            metadata.insert(k, v);
        }
        if let Some(key) = key {
            let mut v = AsciiMetadataValue::try_from(key).map_err(|_| invalid_key())?;
            v.set_sensitive(true);
            metadata.insert(API_KEY_HEADER, v);
        }
        Ok(GrpcTransport { client, metadata })
    }

    /// One export on a clone of the client: calls share the channel's HTTP/2 connection.
    pub(super) async fn export(&self, request: Bytes, timeout: Duration) -> Attempt {
        let mut client = self.client.clone();
        let mut req = tonic::Request::new(request);
        *req.metadata_mut() = self.metadata.clone();
        req.set_timeout(timeout);
        let call = async {
            client
                .ready()
                .await
                .map_err(|e| Status::unavailable(format!("channel not ready: {e}")))?;
            client
                .unary(req, PathAndQuery::from_static(EXPORT), PassThrough)
                .await
        };
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Attempt::Retryable {
                after: None,
                reason: format!("gRPC export timed out after {timeout:?}"),
            },
            Ok(Ok(_)) => Attempt::Done,
            Ok(Err(status)) => classify(&status),
        }
    }
}

/// Sends already-encoded request bytes; reads (and ignores) the response message, an
/// `ExportTraceServiceResponse` whose partial-success details the SDK does not use.
#[derive(Debug, Clone, Copy, Default)]
struct PassThrough;

impl Codec for PassThrough {
    type Encode = Bytes;
    type Decode = ();
    type Encoder = PassThrough;
    type Decoder = PassThrough;

    fn encoder(&mut self) -> PassThrough {
        PassThrough
    }

    fn decoder(&mut self) -> PassThrough {
        PassThrough
    }
}

impl Encoder for PassThrough {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for PassThrough {
    type Item = ();
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<()>, Status> {
        src.advance(src.remaining());
        Ok(Some(()))
    }
}

fn classify(status: &tonic::Status) -> Attempt {
    // The message of a transport failure may quote the endpoint.
    let reason = format!(
        "gRPC status {:?}: {}",
        status.code(),
        shown_endpoints_in(status.message())
    );
    match status.code() {
        Code::Unavailable
        | Code::ResourceExhausted
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::Cancelled
        | Code::OutOfRange
        | Code::DataLoss
        | Code::Unknown => Attempt::Retryable {
            after: None,
            reason,
        },
        _ => Attempt::Permanent(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_codes() {
        let r = |c| {
            matches!(
                classify(&tonic::Status::new(c, "x")),
                Attempt::Retryable { .. }
            )
        };
        assert!(r(Code::Unavailable));
        assert!(r(Code::ResourceExhausted));
        assert!(r(Code::DeadlineExceeded));
        assert!(!r(Code::Unauthenticated));
        assert!(!r(Code::InvalidArgument));
    }
}
