//! `https` calls (feature `rustls`, on by default) against a loopback TLS server whose
//! certificate (for 127.0.0.1 and localhost) is signed by the test CA of
//! `apitoolkit-core/tests/fixtures/tls`: trusted through `tls::client_builder_trusting`,
//! the call is recorded with its status and bodies; with the ready-made client (webpki
//! roots only), the handshake fails and the record carries the certificate error, with
//! the URL's secrets masked.
#![cfg(feature = "rustls")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use apitoolkit_client::{tls, OutgoingClient, UrlWildcard};
use apitoolkit_core::testing::{body_json, CapturedRecords};
use apitoolkit_core::{RequestMessage, Shipper};
use axum::extract::Path;
use axum::http::header::CONTENT_TYPE;
use axum::routing::post;
use axum::Router;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;

const CA: &[u8] = include_bytes!("../../apitoolkit-core/tests/fixtures/tls/ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("../../apitoolkit-core/tests/fixtures/tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("../../apitoolkit-core/tests/fixtures/tls/server.key");

/// An axum app on a plain loopback listener, behind a rustls acceptor on 127.0.0.1:0:
/// returns the TLS address.
async fn tls_target() -> SocketAddr {
    let app = Router::new().route(
        "/todos/{id}",
        post(|Path(id): Path<u32>, body: String| async move {
            (
                [(CONTENT_TYPE, "application/json")],
                format!(r#"{{"id":{id},"sent":{body}}}"#),
            )
        }),
    );
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let backend = plain.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(plain, app).await;
    });

    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(SERVER_CERT)
        .collect::<Result<_, _>>()
        .expect("server certificate");
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).expect("server key");
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return; // the client refused the certificate
                };
                if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    addr
}

fn shipper() -> (CapturedRecords, Shipper) {
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .build_with_env(|_| None)
        .expect("config");
    (captured, Shipper::start(config).expect("shipper"))
}

fn one_record(captured: &CapturedRecords) -> RequestMessage {
    let records = captured.wait_for(1, Duration::from_secs(10));
    assert_eq!(records.len(), 1, "expected one record: {records:#?}");
    records[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_call_to_a_private_ca_is_recorded_with_status_and_bodies() {
    let addr = tls_target().await;
    let (captured, shipper) = shipper();
    let trusting = tls::client_builder_trusting(CA)
        .expect("the test CA")
        .build()
        .expect("client");
    let client = OutgoingClient::builder(shipper).client(trusting).build();

    let res = client
        .post(format!(
            "https://localhost:{}/todos/7?token=abc123",
            addr.port()
        ))
        .header(CONTENT_TYPE, "application/json")
        .body(r#"{"title":"tls"}"#)
        .with_extension(UrlWildcard::new("/todos/{id}"))
        .send()
        .await
        .expect("the CA is trusted");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.expect("body"),
        r#"{"id":7,"sent":{"title":"tls"}}"#
    );

    let r = one_record(&captured);
    assert_eq!(r.status_code, 200);
    assert_eq!(r.host, format!("localhost:{}", addr.port()));
    assert_eq!(r.url_path, "/todos/{id}");
    assert_eq!(r.raw_url, "/todos/7?token=[CLIENT_REDACTED]");
    assert_eq!(body_json(&r.request_body), json!({"title": "tls"}));
    assert_eq!(
        body_json(&r.response_body),
        json!({"id": 7, "sent": {"title": "tls"}})
    );
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ready_made_client_refuses_an_unknown_ca_and_records_the_certificate_error() {
    let addr = tls_target().await;
    let (captured, shipper) = shipper();
    let client = OutgoingClient::builder(shipper).build(); // webpki roots only

    let err = client
        .get(format!(
            "https://user:pa55word@127.0.0.1:{}/todos/7?token=abc123",
            addr.port()
        ))
        .send()
        .await
        .expect_err("the test CA is not a public root");
    let reqwest_middleware::Error::Reqwest(err) = err else {
        panic!("expected the reqwest error unchanged, got {err:?}");
    };
    assert!(err.is_connect(), "{err:?}");

    let r = one_record(&captured);
    assert_eq!(r.status_code, 503);
    assert_eq!(r.host, format!("127.0.0.1:{}", addr.port()));
    assert_eq!(r.raw_url, "/todos/7?token=[CLIENT_REDACTED]");
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    let e = &r.errors[0];
    let text = format!("{} {}", e.message, e.root_error_message);
    assert!(
        text.contains("certificate") || text.contains("UnknownIssuer"),
        "names the certificate problem: {e:#?}"
    );
    for secret in ["abc123", "pa55word", "user:"] {
        assert!(!text.contains(secret), "{secret} leaked: {e:#?}");
        assert!(!e.stack_trace.contains(secret), "{secret} leaked: {e:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_ca_with_the_wrong_host_name_is_refused_and_recorded() {
    // The name resolves to the server and the CA is trusted, but the certificate names
    // only 127.0.0.1 and localhost.
    let addr = tls_target().await;
    let (captured, shipper) = shipper();
    let trusting = tls::client_builder_trusting(CA)
        .expect("the test CA")
        .resolve("wrong.example", addr)
        .build()
        .expect("client");
    let client = OutgoingClient::builder(shipper).client(trusting).build();
    let err = client
        .get(format!("https://wrong.example:{}/todos/7", addr.port()))
        .send()
        .await
        .expect_err("the name does not match");
    assert!(format!("{err:?}").contains("NotValidForName"), "{err:?}");
    let r = one_record(&captured);
    assert_eq!(r.status_code, 503);
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    let e = &r.errors[0];
    assert!(
        format!("{} {}", e.message, e.root_error_message).contains("certificate"),
        "{e:#?}"
    );
}

/// The SDK's TLS feature must not break the app's own TLS code: reqwest's default client
/// (what an app without its own TLS feature builds) and rustls' process-default provider
/// both resolve without anything installed.
#[test]
fn the_apps_own_reqwest_and_rustls_defaults_keep_working() {
    let built = std::panic::catch_unwind(reqwest::Client::new);
    assert!(built.is_ok(), "reqwest::Client::new() panicked");
    let config = std::panic::catch_unwind(|| {
        rustls::ClientConfig::builder()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    });
    assert!(
        config.is_ok(),
        "rustls::ClientConfig::builder() found no single provider"
    );
}
