//! Reading the PEM certificates of `OTEL_EXPORTER_OTLP_CERTIFICATE`: the configuration
//! checks them when it is built, the exporter trusts them when it starts.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// The certificates in a PEM text (other PEM sections are ignored).
pub(crate) fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
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
    }
}
