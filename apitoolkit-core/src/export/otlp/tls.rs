//! Trusted roots for `https` endpoints: the bundled public roots (webpki-roots), or the
//! PEM certificates of `OTEL_EXPORTER_OTLP_CERTIFICATE` instead (a private CA).

use std::sync::Arc;

use crate::config::certificates;

/// A rustls client configuration (aws-lc-rs provider) trusting exactly these certificates.
pub(super) fn client_config(pem: &[u8]) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certificates(pem)? {
        roots.add(cert).map_err(|e| e.to_string())?;
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
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
    fn rejects_an_unparsable_certificate() {
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert!(client_config(pem).is_err(), "not a parsable certificate");
    }
}
