//! The client-side builder with Beats' verification modes: `full` (chain + host name with the
//! subject-CN fallback when there is no DNS SAN), `strict` (chain + SAN only), `certificate`
//! (chain only), `none` (dangerous: only handshake signatures), plus `ca_sha256` pins (hex
//! certificate hashes, or Beats' base64 public-key hashes) and `ca_trusted_fingerprint`.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::server::ParsedCertificate;
use rustls::sign::SingleCertAndKey;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

use crate::material::{self, CertificateInfo};
use crate::server::root_store;
use crate::{ClientTlsSettings, Error, Result, ServerVerification, provider};

/// Builds the rustls client configuration.
pub fn client_config(settings: &ClientTlsSettings) -> Result<Arc<ClientConfig>> {
    let (provider, versions) = provider::restricted(&settings.protocols, &settings.cipher_suites)?;
    let pins = settings
        .ca_sha256
        .iter()
        .map(|p| parse_pin(p))
        .collect::<Result<Vec<_>>>()?;
    let trusted_fingerprint = settings
        .ca_trusted_fingerprint
        .as_deref()
        .map(|f| parse_fingerprint(f, "ca_trusted_fingerprint"))
        .transpose()?;
    let mut anchors = material::load_ca_files(&settings.certificate_authorities)?;
    anchors.extend(settings.ca_certificates.iter().cloned());
    if anchors.is_empty() && settings.verification != ServerVerification::DangerousNone {
        // Beats and Kibana fall back to the system's CAs when none are configured.
        let native = rustls_native_certs::load_native_certs();
        anchors.extend(native.certs);
        if anchors.is_empty() && trusted_fingerprint.is_none() {
            return Err(Error::NoTrustAnchors(
                "no certificate authority is configured and the system trust store is empty: set certificate_authorities".to_string(),
            ));
        }
    }
    if settings.verification == ServerVerification::DangerousNone {
        tracing::warn!("SSL/TLS verifications disabled: the server's certificate is not checked");
    }
    let verifier = Arc::new(ServerVerifier {
        roots: Arc::new(root_store(&anchors)?),
        anchors,
        mode: settings.verification,
        pins,
        trusted_fingerprint,
        provider: provider.clone(),
    });
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match &settings.identity {
        Some(identity) => {
            let loaded = material::load_identity(identity, &provider)?;
            builder
                .with_client_cert_resolver(Arc::new(SingleCertAndKey::from(loaded.certified_key)))
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = settings.alpn_protocols.clone();
    Ok(Arc::new(config))
}

/// Hex SHA-256 (colons and spaces allowed, any case) to bytes.
fn parse_fingerprint(text: &str, setting: &str) -> Result<[u8; 32]> {
    let cleaned: String = text
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    let mut out = [0u8; 32];
    hex::decode_to_slice(&cleaned, &mut out).map_err(|_| {
        Error::InvalidSettings(format!(
            "[{setting}] value [{text}] is not a hex SHA-256 fingerprint (64 hex digits)"
        ))
    })?;
    Ok(out)
}

/// A `ca_sha256` pin: our hex SHA-256 of a certificate's DER, or Beats' base64 SHA-256 of
/// its SubjectPublicKeyInfo (what `openssl x509 -pubkey | openssl pkey -pubin -outform der |
/// openssl dgst -sha256 -binary | base64` prints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pin {
    Certificate([u8; 32]),
    PublicKey([u8; 32]),
}

impl Pin {
    fn matches(&self, der: &[u8]) -> bool {
        match self {
            Pin::Certificate(hash) => sha256(der) == *hash,
            Pin::PublicKey(hash) => x509_parser::parse_x509_certificate(der)
                .is_ok_and(|(_, c)| sha256(c.tbs_certificate.subject_pki.raw) == *hash),
        }
    }
}

/// Hex is a certificate pin; 32 bytes of standard base64 are a public-key pin.
fn parse_pin(text: &str) -> Result<Pin> {
    if let Ok(hash) = parse_fingerprint(text, "ca_sha256") {
        return Ok(Pin::Certificate(hash));
    }
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .map(Pin::PublicKey)
        .ok_or_else(|| {
            Error::InvalidSettings(format!(
                "[ca_sha256] value [{text}] is neither a hex SHA-256 certificate fingerprint (64 hex digits) nor a base64 SHA-256 public-key pin"
            ))
        })
}

fn sha256(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

#[derive(Debug)]
struct ServerVerifier {
    roots: Arc<RootCertStore>,
    anchors: Vec<CertificateDer<'static>>,
    mode: ServerVerification,
    pins: Vec<Pin>,
    trusted_fingerprint: Option<[u8; 32]>,
    provider: Arc<CryptoProvider>,
}

impl ServerVerifier {
    /// Pins match a presented certificate or a configured CA that issued one of them (the
    /// anchor webpki built the path to).
    fn pins_match(
        &self,
        presented: &[&CertificateDer<'_>],
        extra_anchor: Option<&CertificateDer<'_>>,
    ) -> bool {
        if self.pins.is_empty() {
            return true;
        }
        let pinned = |der: &[u8]| self.pins.iter().any(|p| p.matches(der));
        if presented.iter().any(|c| pinned(c.as_ref())) {
            return true;
        }
        let issuers: Vec<Vec<u8>> = presented
            .iter()
            .filter_map(|c| x509_parser::parse_x509_certificate(c.as_ref()).ok())
            .map(|(_, c)| c.issuer().as_raw().to_vec())
            .collect();
        self.anchors
            .iter()
            .map(|a| a.as_ref())
            .chain(extra_anchor.map(|a| a.as_ref()))
            .filter(|a| pinned(a))
            .any(|anchor| {
                x509_parser::parse_x509_certificate(anchor)
                    .is_ok_and(|(_, c)| issuers.iter().any(|i| i == c.subject().as_raw()))
            })
    }
}

fn is_name_error(error: &rustls::Error) -> bool {
    matches!(
        error,
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        )
    )
}

/// Beats' fallback: with no DNS SAN, a DNS host name may match the subject CN.
fn common_name_matches(end_entity: &CertificateDer<'_>, server_name: &ServerName<'_>) -> bool {
    let ServerName::DnsName(host) = server_name else {
        return false;
    };
    let Ok(info) = CertificateInfo::parse(end_entity) else {
        return false;
    };
    if !info.dns_names.iter().all(|d| d.is_empty()) {
        return false;
    }
    info.common_name.is_some_and(|cn| {
        host_matches(
            &cn.to_ascii_lowercase(),
            &host.as_ref().to_ascii_lowercase(),
        )
    })
}

/// Go's `matchHostnames`: label by label, `*` matching exactly one whole left-most label.
fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.');
    let host = host.trim_end_matches('.');
    if pattern.is_empty() || host.is_empty() {
        return false;
    }
    let pattern_labels: Vec<&str> = pattern.split('.').collect();
    let host_labels: Vec<&str> = host.split('.').collect();
    pattern_labels.len() == host_labels.len()
        && pattern_labels
            .iter()
            .zip(&host_labels)
            .enumerate()
            .all(|(i, (p, h))| (i == 0 && *p == "*") || p == h)
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let presented: Vec<&CertificateDer<'_>> =
            std::iter::once(end_entity).chain(intermediates).collect();
        let pin_failure = || {
            rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
                Arc::new(Error::InvalidSettings(
                    "no certificate of the server's chain matches the ca_sha256 pins".to_string(),
                )),
            )))
        };
        if self.mode == ServerVerification::DangerousNone {
            return if self.pins_match(&presented, None) {
                Ok(ServerCertVerified::assertion())
            } else {
                Err(pin_failure())
            };
        }
        let certificate = ParsedCertificate::try_from(end_entity)?;
        let fingerprint_anchor = self.trusted_fingerprint.and_then(|fp| {
            presented
                .iter()
                .find(|c| {
                    sha256(c.as_ref()) == fp && CertificateInfo::parse(c).is_ok_and(|i| i.is_ca)
                })
                .map(|c| (*c).clone().into_owned())
        });
        let roots = match &fingerprint_anchor {
            Some(anchor) => {
                let mut roots = (*self.roots).clone();
                roots.add(anchor.clone())?;
                Arc::new(roots)
            }
            None => self.roots.clone(),
        };
        verify_server_cert_signed_by_trust_anchor(
            &certificate,
            &roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        if !self.pins_match(&presented, fingerprint_anchor.as_ref()) {
            return Err(pin_failure());
        }
        match self.mode {
            ServerVerification::Strict => verify_server_name(&certificate, server_name)?,
            ServerVerification::Full => {
                if let Err(error) = verify_server_name(&certificate, server_name)
                    && !(is_name_error(&error) && common_name_matches(end_entity, server_name))
                {
                    return Err(error);
                }
            }
            ServerVerification::Certificate | ServerVerification::DangerousNone => {}
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_matching_like_go() {
        assert!(host_matches("node1.example.com", "node1.example.com"));
        assert!(host_matches("*.example.com", "node1.example.com"));
        assert!(!host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("node1", "node2"));
        assert!(host_matches("localhost.", "localhost"));
        assert!(!host_matches("", "x"));
    }

    #[test]
    fn pins_are_hex_certificate_or_base64_public_key_hashes() {
        assert_eq!(
            parse_pin(&"ab".repeat(32)).unwrap(),
            Pin::Certificate([0xab; 32])
        );
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(parse_pin(&b64).unwrap(), Pin::PublicKey([7u8; 32]));
        let e = parse_pin("abc").unwrap_err().to_string();
        assert!(e.contains("[ca_sha256]") && e.contains("base64"), "{e}");
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        assert!(parse_pin(&short).is_err());
    }

    #[test]
    fn fingerprints_accept_colons_and_case() {
        let hex = "AB:".repeat(31) + "AB";
        assert_eq!(parse_fingerprint(&hex, "ca_sha256").unwrap(), [0xab; 32]);
        let err = parse_fingerprint("abc", "ca_sha256").unwrap_err();
        assert!(err.to_string().contains("[ca_sha256]"), "{err}");
    }
}
