//! The server-side builder: identity, protocol and suite restrictions, ALPN, and client
//! certificate verification (required, optional, or the dangerous accept-anything mode).

use std::sync::Arc;

use ironstack_config::ClientAuthentication;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::sign::SingleCertAndKey;
use rustls::{
    DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, UnixTime};

use crate::material::{self, LoadedIdentity};
use crate::{Error, Result, ServerTlsSettings, provider};

/// A built server configuration and what it was built from.
pub(crate) struct BuiltServer {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) chain: Vec<CertificateDer<'static>>,
}

/// Builds the rustls server configuration. Fails with a message naming the file for an
/// unreadable file, a wrong password, a key that does not match its certificate, an expired
/// certificate, or client authentication without any trusted CA.
pub fn server_config(settings: &ServerTlsSettings) -> Result<Arc<ServerConfig>> {
    Ok(build(settings)?.config)
}

pub(crate) fn build(settings: &ServerTlsSettings) -> Result<BuiltServer> {
    let (provider, versions) = provider::restricted(&settings.protocols, &settings.cipher_suites)?;
    let identity = material::load_identity(&settings.identity, &provider)?;
    let builder =
        ServerConfig::builder_with_provider(provider.clone()).with_protocol_versions(&versions)?;
    let builder = match client_verifier(settings, &identity, &provider)? {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let chain = identity.certified_key.cert.clone();
    let mut config = builder.with_cert_resolver(Arc::new(SingleCertAndKey::from(
        identity.certified_key.clone(),
    )));
    config.alpn_protocols = settings.alpn_protocols.clone();
    Ok(BuiltServer {
        config: Arc::new(config),
        chain,
    })
}

fn client_verifier(
    settings: &ServerTlsSettings,
    identity: &LoadedIdentity,
    provider: &Arc<CryptoProvider>,
) -> Result<Option<Arc<dyn ClientCertVerifier>>> {
    let mandatory = match settings.client_authentication {
        ClientAuthentication::None => return Ok(None),
        ClientAuthentication::Optional => false,
        ClientAuthentication::Required => true,
    };
    if settings.insecure_accept_any_client_certificate {
        tracing::warn!(
            "client certificates are accepted without verification (verification_mode: none)"
        );
        return Ok(Some(Arc::new(danger::AcceptAnyClientCertificate {
            mandatory,
            provider: provider.clone(),
        })));
    }
    // Elasticsearch's order: explicit CA files, else the truststore, else what came with the
    // keystore (its CA certificates).
    let anchors = if !settings.client_certificate_authorities.is_empty() {
        material::load_ca_files(&settings.client_certificate_authorities)?
    } else if let Some(store) = &settings.client_truststore {
        material::load_truststore(store)?
    } else {
        identity.bundled_cas.clone()
    };
    if anchors.is_empty() {
        return Err(Error::NoTrustAnchors(
            "client authentication is enabled but no CA is trusted for client certificates: set certificate_authorities or truststore.path".to_string(),
        ));
    }
    let roots = root_store(&anchors)?;
    let builder = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    let builder = if mandatory {
        builder
    } else {
        builder.allow_unauthenticated()
    };
    let verifier = builder
        .build()
        .map_err(|e| Error::InvalidSettings(format!("cannot verify client certificates: {e}")))?;
    Ok(Some(verifier))
}

pub(crate) fn root_store(anchors: &[CertificateDer<'static>]) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for anchor in anchors {
        roots.add(anchor.clone())?;
    }
    Ok(roots)
}

/// Verifiers that skip certificate checks. Only reachable through settings named
/// `insecure_*`, and logged when used.
pub(crate) mod danger {
    use super::*;

    /// Accepts any client certificate chain, still checking that the client holds the key.
    #[derive(Debug)]
    pub(crate) struct AcceptAnyClientCertificate {
        pub(crate) mandatory: bool,
        pub(crate) provider: Arc<CryptoProvider>,
    }

    impl ClientCertVerifier for AcceptAnyClientCertificate {
        fn client_auth_mandatory(&self) -> bool {
            self.mandatory
        }

        fn root_hint_subjects(&self) -> &[DistinguishedName] {
            &[]
        }

        fn verify_client_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _now: UnixTime,
        ) -> std::result::Result<ClientCertVerified, rustls::Error> {
            Ok(ClientCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error>
        {
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
        ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error>
        {
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
}
