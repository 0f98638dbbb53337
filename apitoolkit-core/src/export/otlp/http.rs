//! OTLP over HTTP/protobuf: `POST {endpoint}/v1/traces`, gzip body, `x-api-key` header,
//! through a hyper-util client with rustls (aws-lc-rs, webpki roots) for `https`.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::{invalid_endpoint, invalid_header, invalid_key, tls, API_KEY_HEADER};
use crate::config::{OtlpCompression, OtlpSettings};
use crate::export::Attempt;
use crate::redact::{shown_endpoints_in, without_userinfo};
use crate::ConfigError;

#[derive(Clone)]
pub(crate) struct HttpTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    uri: Uri,
    headers: HeaderMap,
}

/// `{endpoint}/v1/traces` without doubling the slash.
pub(super) fn traces_url(endpoint: &str) -> String {
    format!("{}/v1/traces", endpoint.trim().trim_end_matches('/'))
}

impl HttpTransport {
    pub(super) fn new(
        settings: &OtlpSettings,
        key: Option<&str>,
    ) -> Result<HttpTransport, ConfigError> {
        let url = traces_url(&without_userinfo(&settings.endpoint));
        let uri: Uri = url
            .parse()
            .map_err(|e| invalid_endpoint(&settings.endpoint, e))?;
        match uri.scheme_str() {
            Some("http" | "https") if uri.host().is_some() => {}
            _ => {
                return Err(invalid_endpoint(
                    &settings.endpoint,
                    "not an absolute http(s) URL",
                ))
            }
        }
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = match &settings.certificate {
            Some(pem) => builder.with_tls_config(
                tls::client_config(pem).map_err(|e| invalid_endpoint(&settings.endpoint, e))?,
            ),
            None => builder
                .with_provider_and_webpki_roots(rustls::crypto::aws_lc_rs::default_provider())
                .map_err(|e| invalid_endpoint(&settings.endpoint, e))?,
        };
        let connector = builder
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector);

        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        if settings.compression == OtlpCompression::Gzip {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        for (name, value) in &settings.headers {
            let n = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
                .map_err(|_| invalid_header(name))?;
            let mut v = HeaderValue::from_str(value).map_err(|_| invalid_header(name))?;
            v.set_sensitive(true);
            headers.insert(n, v);
        }
        if let Some(key) = key {
            let mut v = HeaderValue::from_str(key).map_err(|_| invalid_key())?;
            v.set_sensitive(true);
            headers.insert(API_KEY_HEADER, v);
        }
        Ok(HttpTransport {
            client,
            uri,
            headers,
        })
    }

    pub(super) async fn export(&self, body: Bytes, timeout: Duration) -> Attempt {
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = self.uri.clone();
        *req.headers_mut() = self.headers.clone();
        let call = async {
            let resp = self.client.request(req).await?;
            let status = resp.status();
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            // Read the body so the connection can be reused.
            let _ = resp.into_body().collect().await;
            Ok::<_, hyper_util::client::legacy::Error>((status, retry_after))
        };
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Attempt::Retryable {
                after: None,
                reason: format!("HTTP export timed out after {timeout:?}"),
            },
            Ok(Err(e)) => Attempt::Retryable {
                after: None,
                // May quote the URL it failed on.
                reason: shown_endpoints_in(&format!("HTTP transport error: {e}")),
            },
            Ok(Ok((status, after))) => classify(status, after),
        }
    }
}

/// Parses a `Retry-After` value (what the transport reports to the shipper's retries as
/// `after` of `Attempt::Retryable`): delay-seconds or an HTTP date (relative to `now`).
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

fn classify(status: StatusCode, after: Option<Duration>) -> Attempt {
    if status.is_success() {
        Attempt::Done
    } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Attempt::Retryable {
            after,
            reason: format!("HTTP {status}"),
        }
    } else {
        Attempt::Permanent(format!("HTTP {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_has_one_slash() {
        assert_eq!(traces_url("http://h:4318"), "http://h:4318/v1/traces");
        assert_eq!(traces_url("http://h:4318/"), "http://h:4318/v1/traces");
        assert_eq!(traces_url("http://h/otlp/"), "http://h/otlp/v1/traces");
    }

    #[test]
    fn statuses() {
        assert_eq!(classify(StatusCode::OK, None), Attempt::Done);
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(1))),
            Attempt::Retryable { after: Some(_), .. }
        ));
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, None),
            Attempt::Retryable { .. }
        ));
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, None),
            Attempt::Permanent(_)
        ));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
