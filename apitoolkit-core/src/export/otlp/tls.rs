//! Trusted roots for `https` endpoints: the bundled public roots (webpki-roots), or the
//! PEM certificates of `OTEL_EXPORTER_OTLP_CERTIFICATE` instead (a private CA).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// The certificates in a PEM text (other PEM sections are ignored).
pub(crate) fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

/// A rustls client configuration (ring provider) trusting exactly these certificates.
pub(super) fn client_config(pem: &[u8]) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certificates(pem)? {
        roots.add(cert).map_err(|e| e.to_string())?;
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_certificates_and_rejects_broken_pem() {
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert_eq!(certificates(pem).map(|c| c.len()), Ok(1));
        assert_eq!(certificates(b"no pem here").map(|c| c.len()), Ok(0));
        assert!(certificates(b"-----BEGIN CERTIFICATE-----\nMIIB\n").is_err());
        assert!(client_config(pem).is_err(), "not a parsable certificate");
    }
}
