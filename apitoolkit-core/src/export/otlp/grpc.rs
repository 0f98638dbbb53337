//! OTLP over gRPC: the collector's `TraceService/Export` method on a lazily connected
//! tonic `Channel` (a dead collector is not a start-up error), TLS for `https`, gzip,
//! `x-api-key` metadata.
//!
//! The request message is framed and gzip-compressed by the exporter once per batch
//! ([`message`], level 1 like the HTTP transport's body), and sent as is on the channel
//! (a unary call written out: `content-type: application/grpc`, `grpc-encoding: gzip`,
//! the status from the trailers or a trailers-only head). tonic's own client compresses
//! every message at level 6 on every attempt, about 74 k instructions for a 3 KB span
//! against ~10 k at level 1 (benches/README "Instructions per recorded exchange"), and
//! again on each retry.

use std::future::poll_fn;
use std::io::Write as _;
use std::str::FromStr;
use std::time::Duration;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use http::header::{CONTENT_TYPE, TE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt as _, Full};
use tonic::codegen::Service as _;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Status};

use super::{invalid_endpoint, invalid_header, invalid_key, API_KEY_HEADER};
use crate::config::{OtlpCompression, OtlpSettings};
use crate::export::Attempt;
use crate::redact::{shown_endpoints_in, without_userinfo};
use crate::ConfigError;

/// The collector's export method.
const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

#[derive(Clone)]
pub(crate) struct GrpcTransport {
    channel: Channel,
    /// The call's headers: the protocol's, then the configured ones and the key
    /// (marked sensitive, kept out of `Debug` prints).
    headers: HeaderMap,
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
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        headers.insert(TE, HeaderValue::from_static("trailers"));
        if settings.compression == OtlpCompression::Gzip {
            headers.insert("grpc-encoding", HeaderValue::from_static("gzip"));
        }
        headers.insert("grpc-accept-encoding", HeaderValue::from_static("gzip"));
        headers.extend(metadata.into_headers());
        Ok(GrpcTransport { channel, headers })
    }

    /// One export of a [`message`] on a clone of the channel: calls share its HTTP/2
    /// connection.
    pub(super) async fn export(&self, message: Bytes, timeout: Duration) -> Attempt {
        let mut channel = self.channel.clone();
        let mut request = http::Request::new(tonic::body::Body::new(Full::new(message)));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = http::Uri::from_static(EXPORT);
        *request.headers_mut() = self.headers.clone();
        if let Ok(deadline) = HeaderValue::try_from(grpc_timeout(timeout)) {
            request.headers_mut().insert("grpc-timeout", deadline);
        }
        let call = async {
            poll_fn(|cx| channel.poll_ready(cx))
                .await
                .map_err(|e| Status::unavailable(format!("channel not ready: {e}")))?;
            let response = channel
                .call(request)
                .await
                .map_err(|e| Status::unavailable(format!("transport error: {e}")))?;
            status_of(response).await
        };
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Attempt::Retryable {
                after: None,
                reason: format!("gRPC export timed out after {timeout:?}"),
            },
            Ok(Ok(())) => Attempt::Done,
            Ok(Err(status)) => classify(&status),
        }
    }
}

/// The call's outcome: `grpc-status` of a trailers-only head, else of the trailers
/// after the response message (read and ignored: an `ExportTraceServiceResponse` whose
/// partial-success details the SDK does not use), else inferred from the HTTP status
/// as gRPC's HTTP mapping says.
async fn status_of(response: http::Response<tonic::body::Body>) -> Result<(), Status> {
    let (head, body) = response.into_parts();
    let status = match Status::from_header_map(&head.headers) {
        Some(status) => status,
        None => {
            let trailers = body.collect().await?.trailers().cloned();
            match trailers.as_ref().and_then(Status::from_header_map) {
                Some(status) => status,
                None => Status::new(code_of_http(head.status), "no grpc-status in the answer"),
            }
        }
    };
    if status.code() == Code::Ok {
        Ok(())
    } else {
        Err(status)
    }
}

/// The `grpc-timeout` value of `timeout`: at most eight digits, in milliseconds while
/// they fit, else in seconds (capped).
fn grpc_timeout(timeout: Duration) -> String {
    const MAX: u128 = 99_999_999;
    match timeout.as_millis() {
        ms if ms <= MAX => format!("{ms}m"),
        _ => format!("{}S", u128::from(timeout.as_secs()).min(MAX)),
    }
}

/// gRPC's mapping of an HTTP status without `grpc-status`.
fn code_of_http(status: StatusCode) -> Code {
    match status {
        StatusCode::BAD_REQUEST => Code::Internal,
        StatusCode::UNAUTHORIZED => Code::Unauthenticated,
        StatusCode::FORBIDDEN => Code::PermissionDenied,
        StatusCode::NOT_FOUND => Code::Unimplemented,
        StatusCode::TOO_MANY_REQUESTS
        | StatusCode::BAD_GATEWAY
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::GATEWAY_TIMEOUT => Code::Unavailable,
        _ => Code::Unknown,
    }
}

/// The gRPC message of one export request (`head` then `spans`): the compressed flag,
/// the big-endian length, and the request, gzip-compressed at level 1 with `gzip`.
pub(super) fn message(head: &[u8], spans: &[u8], gzip: bool) -> std::io::Result<Bytes> {
    if !gzip {
        let len = u32::try_from(head.len() + spans.len())
            .map_err(|_| std::io::Error::other("request over 4 GiB"))?;
        let mut framed = Vec::with_capacity(5 + head.len() + spans.len());
        framed.push(0);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(head);
        framed.extend_from_slice(spans);
        return Ok(Bytes::from(framed));
    }
    let prefix = vec![1, 0, 0, 0, 0];
    let mut enc = GzEncoder::new(prefix, Compression::fast());
    enc.get_mut().reserve((head.len() + spans.len()) / 4 + 64);
    enc.write_all(head)?;
    enc.write_all(spans)?;
    let mut framed = enc.finish()?;
    let len = u32::try_from(framed.len() - 5)
        .map_err(|_| std::io::Error::other("request over 4 GiB compressed"))?;
    framed[1..5].copy_from_slice(&len.to_be_bytes());
    Ok(Bytes::from(framed))
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
    use std::io::Read as _;

    use super::*;

    #[test]
    fn message_is_one_compressed_grpc_frame() {
        let framed = message(b"head", b"spans", true).unwrap();
        assert_eq!(framed[0], 1, "compressed flag");
        let len = u32::from_be_bytes([framed[1], framed[2], framed[3], framed[4]]) as usize;
        assert_eq!(len, framed.len() - 5);
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&framed[5..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, b"headspans");
    }

    #[test]
    fn message_without_compression_is_one_plain_grpc_frame() {
        let framed = message(b"head", b"spans", false).unwrap();
        assert_eq!(&framed[..], b"\0\0\0\0\x09headspans");
    }

    #[test]
    fn grpc_timeout_has_at_most_eight_digits() {
        assert_eq!(grpc_timeout(Duration::from_secs(10)), "10000m");
        assert_eq!(grpc_timeout(Duration::from_millis(99_999_999)), "99999999m");
        assert_eq!(grpc_timeout(Duration::from_secs(100_000)), "100000S");
        assert_eq!(grpc_timeout(Duration::MAX), "99999999S");
    }

    #[test]
    fn http_statuses_without_grpc_status_map_like_grpc_says() {
        assert_eq!(
            code_of_http(StatusCode::SERVICE_UNAVAILABLE),
            Code::Unavailable
        );
        assert_eq!(
            code_of_http(StatusCode::TOO_MANY_REQUESTS),
            Code::Unavailable
        );
        assert_eq!(
            code_of_http(StatusCode::UNAUTHORIZED),
            Code::Unauthenticated
        );
        assert_eq!(code_of_http(StatusCode::OK), Code::Unknown);
    }

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
