//! `https` for the ready-made clients (feature `rustls`, on by default): rustls with the
//! `aws-lc-rs` provider, trusting the bundled webpki roots, plus private CAs if you add
//! some.
//!
//! The feature turns on reqwest's own `rustls` feature (its default TLS, with the same
//! provider), so a `reqwest::Client::new()` your app builds itself keeps working, and the
//! SDK brings only that one provider into rustls (its process-wide default stays
//! unambiguous for code that calls `rustls::ClientConfig::builder()`). An app that also
//! turns on rustls' `ring` feature has two providers and must install one as the process
//! default (`rustls::crypto::ring::default_provider().install_default()`), as rustls
//! requires of any such build.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// A private CA given to [`client_builder_trusting`] could not be used.
#[derive(Debug, thiserror::Error)]
#[error("apitoolkit: unusable root certificate: {0}")]
pub struct TlsError(String);

/// A `reqwest::ClientBuilder` calling `https` URLs with rustls (`aws-lc-rs`) and the webpki
/// roots: add your timeouts, proxies or pool settings, then `build()` and pass the client
/// to [`OutgoingClientBuilder::client`](crate::OutgoingClientBuilder::client).
///
/// The TLS configuration is preset: reqwest's own TLS options (`add_root_certificate`,
/// `tls_*`) are ignored on this builder; use [`client_builder_trusting`] for private CAs.
///
/// ```
/// use std::time::Duration;
///
/// let client = apitoolkit_client::tls::client_builder()
///     .timeout(Duration::from_secs(10))
///     .build()
///     .expect("a client");
/// # drop(client);
/// ```
pub fn client_builder() -> reqwest::ClientBuilder {
    preconfigured(config(webpki_roots()))
}

/// Like [`client_builder`], also trusting the CA certificates in `pem` (one or more
/// `-----BEGIN CERTIFICATE-----` sections; other PEM sections are ignored). For services
/// behind a private CA, such as an internal gateway.
///
/// ```no_run
/// use apitoolkit_client::{tls, OutgoingClient};
/// use apitoolkit_core::{Config, Shipper};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let shipper = Shipper::start(Config::from_env()?)?;
/// let pem = std::fs::read("/etc/ssl/private-ca.pem")?;
/// let internal = tls::client_builder_trusting(&pem)?.build()?;
/// let client = OutgoingClient::builder(shipper).client(internal).build();
/// # drop(client);
/// # Ok(())
/// # }
/// ```
pub fn client_builder_trusting(pem: &[u8]) -> Result<reqwest::ClientBuilder, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError("no CERTIFICATE section in the PEM text".into()));
    }
    let mut roots = webpki_roots();
    for cert in certs {
        roots.add(cert).map_err(|e| TlsError(e.to_string()))?;
    }
    Ok(preconfigured(config(roots)))
}

fn preconfigured(config: rustls::ClientConfig) -> reqwest::ClientBuilder {
    reqwest::Client::builder().tls_backend_preconfigured(config)
}

fn webpki_roots() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// TLS 1.2 and 1.3 with the `aws-lc-rs` provider, HTTP/1.1 (no ALPN: reqwest is built
/// without HTTP/2 here).
fn config(roots: rustls::RootCertStore) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("the aws-lc-rs provider supports TLS 1.2 and 1.3")
    .with_root_certificates(roots)
    .with_no_client_auth()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_pem_without_a_usable_certificate() {
        assert!(client_builder_trusting(b"no pem here").is_err());
        let broken = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let err = client_builder_trusting(broken).expect_err("not a certificate");
        assert!(
            err.to_string().contains("unusable root certificate"),
            "{err}"
        );
    }

    #[test]
    fn trusts_the_webpki_roots() {
        assert!(!webpki_roots().is_empty());
        assert!(client_builder().build().is_ok());
    }
}
