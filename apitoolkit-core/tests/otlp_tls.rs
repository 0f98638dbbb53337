//! OTLP over TLS on loopback, both transports: the shipper trusts a private CA given
//! with `OTEL_EXPORTER_OTLP_CERTIFICATE` (or `ConfigBuilder::otlp_certificate`), and
//! refuses the same server when it trusts only the public roots.
//!
//! A TLS-terminating proxy (rustls, the certificate in `tests/fixtures/tls`) sits in
//! front of the plain in-test receivers, so what arrives is checked the same way as in
//! `otlp_export.rs`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use apitoolkit_core::{Config, ConfigError, OtlpProtocol, Shipper, ShipperSettings};
use apitoolkit_testkit::{export_settings, incoming, Collector};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::sync::oneshot;

const CA: &[u8] = include_bytes!("fixtures/tls/ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("fixtures/tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("fixtures/tls/server.key");
const KEY: &str = "tls-test-key";

/// Accepts TLS on 127.0.0.1:0 with the fixture certificate, offering `alpn`, and pipes
/// each connection's plaintext to `backend`. Stops when dropped.
struct TlsProxy {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TlsProxy {
    fn start(backend: SocketAddr, alpn: &[u8]) -> TlsProxy {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(SERVER_CERT)
            .collect::<Result<_, _>>()
            .expect("server certificate");
        let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).expect("server key");
        let mut server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
        server.alpn_protocols = vec![alpn.to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("proxy runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let (tcp, _) = tokio::select! {
                        _ = &mut stop_rx => break,
                        conn = listener.accept() => match conn { Ok(c) => c, Err(_) => continue },
                    };
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let Ok(mut tls) = acceptor.accept(tcp).await else {
                            return; // handshake refused by the client: nothing to pipe
                        };
                        if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                        }
                    });
                }
            });
        });
        TlsProxy {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    fn endpoint(&self) -> String {
        format!("https://{}", self.addr)
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The receiver and the proxy in front of it, for one protocol.
fn server(protocol: OtlpProtocol) -> (Collector, TlsProxy) {
    let (receiver, alpn): (Collector, &[u8]) = match protocol {
        OtlpProtocol::Grpc => (Collector::grpc(), b"h2"),
        OtlpProtocol::HttpProtobuf => (Collector::start(), b"http/1.1"),
    };
    let proxy = TlsProxy::start(receiver.addr(), alpn);
    (receiver, proxy)
}

fn config(
    endpoint: String,
    protocol: OtlpProtocol,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let s = export_settings();
    Config::builder()
        .api_key(KEY)
        .otlp_endpoint(endpoint)
        .otlp_protocol(protocol)
        .shipper(s)
        .build_with_env(env)
}

/// Ships one record; returns (exported, dropped as export-failed).
fn ship_one(config: Config) -> (u64, u64) {
    let shipper = Shipper::start(config).expect("start");
    shipper.enqueue(incoming());
    assert!(
        shipper.flush(Duration::from_secs(20)).is_ok(),
        "{:?}",
        shipper.stats()
    );
    let stats = shipper.stats();
    assert!(shipper.shutdown(Duration::from_secs(5)).is_ok());
    (stats.exported, stats.dropped_export_failed)
}

fn delivers_when_the_private_ca_is_trusted(protocol: OtlpProtocol) {
    let (receiver, proxy) = server(protocol);
    let ca = std::env::temp_dir().join(format!("apitoolkit-tls-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, CA).expect("write the CA file");
    let path = ca.to_string_lossy().into_owned();
    // Through the environment variable, as a deployment would set it.
    let config = config(proxy.endpoint(), protocol, |name| {
        (name == "OTEL_EXPORTER_OTLP_CERTIFICATE").then(|| path.clone())
    })
    .expect("valid config");
    assert_eq!(ship_one(config), (1, 0));
    let _ = std::fs::remove_file(&ca);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].spans, 1);
    assert_eq!(
        requests[0]
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok()),
        Some(KEY)
    );
}

fn refuses_the_server_with_public_roots_only(protocol: OtlpProtocol) {
    let (receiver, proxy) = server(protocol);
    let config = config(proxy.endpoint(), protocol, |_| None).expect("valid config");
    assert_eq!(
        ship_one(config),
        (0, 1),
        "unknown CA: the record is counted lost"
    );
    assert!(receiver.requests().is_empty(), "nothing got through");
}

#[test]
fn grpc_over_tls_with_a_private_ca() {
    delivers_when_the_private_ca_is_trusted(OtlpProtocol::Grpc);
}

#[test]
fn http_over_tls_with_a_private_ca() {
    delivers_when_the_private_ca_is_trusted(OtlpProtocol::HttpProtobuf);
}

#[test]
fn grpc_over_tls_refuses_an_untrusted_server() {
    refuses_the_server_with_public_roots_only(OtlpProtocol::Grpc);
}

#[test]
fn http_over_tls_refuses_an_untrusted_server() {
    refuses_the_server_with_public_roots_only(OtlpProtocol::HttpProtobuf);
}

#[test]
fn certificate_set_in_code_works_too() {
    let (receiver, proxy) = server(OtlpProtocol::HttpProtobuf);
    let mut s = ShipperSettings::default();
    s.max_attempts = 1;
    let config = Config::builder()
        .api_key(KEY)
        .otlp_endpoint(proxy.endpoint())
        .otlp_protocol(OtlpProtocol::HttpProtobuf)
        .otlp_certificate(CA)
        .shipper(s)
        .build_with_env(|_| None)
        .expect("valid config");
    assert_eq!(ship_one(config), (1, 0));
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn bad_certificate_settings_fail_at_start_up() {
    let endpoint = "https://127.0.0.1:1".to_owned();
    let missing = config(endpoint.clone(), OtlpProtocol::Grpc, |name| {
        (name == "OTEL_EXPORTER_OTLP_CERTIFICATE").then(|| "/nonexistent/ca.pem".to_owned())
    })
    .expect_err("a missing file is a start-up error");
    assert!(
        missing
            .to_string()
            .contains("OTEL_EXPORTER_OTLP_CERTIFICATE"),
        "{missing}"
    );
    let not_pem = Config::builder()
        .api_key(KEY)
        .otlp_endpoint(endpoint)
        .otlp_certificate(b"not a certificate".to_vec())
        .build_with_env(|_| None)
        .expect_err("text without a certificate is a start-up error");
    assert!(
        not_pem.to_string().contains("otlp_certificate"),
        "{not_pem}"
    );
}
