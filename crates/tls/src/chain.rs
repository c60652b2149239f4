//! Client certificate chains checked against trust anchors outside a handshake (the PKI
//! realm's own `certificate_authorities` or truststore): webpki's path validation for TLS
//! client authentication (signatures, validity of every certificate on the path, the CA flag,
//! path length, name constraints, the `clientAuth` extended key usage), plus the key-usage
//! checks Java's PKIX validator and TLS client checker add (`keyCertSign` on issuing CAs,
//! `digitalSignature` on the client certificate), as Elasticsearch gets them from its trust
//! manager.

use std::cell::RefCell;
use std::fmt;

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage, VerifiedPath};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::{Error, Result};

/// Verifies client chains against a fixed set of trust anchors.
pub struct ClientChainVerifier {
    anchors: Vec<TrustAnchor<'static>>,
    trusted: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for ClientChainVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientChainVerifier")
            .field("anchors", &self.anchors.len())
            .finish()
    }
}

/// The key-usage bits of a certificate, `None` when it has no key-usage extension.
fn key_usage(der: &[u8]) -> std::result::Result<Option<(bool, bool)>, String> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    let ku = cert.key_usage().map_err(|e| e.to_string())?;
    Ok(ku.map(|ku| (ku.value.digital_signature(), ku.value.key_cert_sign())))
}

fn subject(der: &[u8]) -> String {
    X509Certificate::from_der(der)
        .map(|(_, c)| c.subject().to_string())
        .unwrap_or_default()
}

fn describe(e: &webpki::Error) -> String {
    use webpki::Error as E;
    match e {
        E::UnknownIssuer => "no trusted certificate authority issued it".into(),
        E::CertExpired { .. } => "a certificate on its path has expired".into(),
        E::CertNotValidYet { .. } => "a certificate on its path is not valid yet".into(),
        E::PathLenConstraintViolated => {
            "a certificate authority's path length constraint is exceeded".into()
        }
        E::NameConstraintViolation => {
            "a name is outside a certificate authority's name constraints".into()
        }
        E::RequiredEkuNotFoundContext(_) => {
            "a certificate's extended key usage does not permit TLS client authentication".into()
        }
        E::EndEntityUsedAsCa => "an issuing certificate is not a certificate authority".into(),
        E::CaUsedAsEndEntity => "the client certificate is a certificate authority".into(),
        E::UnsupportedCriticalExtension => {
            "a certificate has a critical extension that is not supported".into()
        }
        other => format!("{other:?}"),
    }
}

impl ClientChainVerifier {
    /// A verifier trusting `trusted` (DER). Fails on a certificate that cannot be a trust
    /// anchor, or on none at all.
    pub fn new(trusted: Vec<CertificateDer<'static>>) -> Result<Self> {
        if trusted.is_empty() {
            return Err(Error::NoTrustAnchors(
                "no trusted certificate to verify client chains with".into(),
            ));
        }
        let anchors = trusted
            .iter()
            .map(|c| {
                webpki::anchor_from_trusted_cert(c)
                    .map(|a| a.to_owned())
                    .map_err(|e| {
                        Error::NoTrustAnchors(format!(
                            "the certificate [{}] cannot be a trust anchor: {e:?}",
                            subject(c)
                        ))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { anchors, trusted })
    }

    /// Checks a client chain (leaf first, DER) now; `Err` says why it is not trusted.
    pub fn verify(&self, chain: &[&[u8]]) -> std::result::Result<(), String> {
        self.verify_at(chain, UnixTime::now())
    }

    /// Checks a client chain at `now`.
    pub fn verify_at(&self, chain: &[&[u8]], now: UnixTime) -> std::result::Result<(), String> {
        let Some((leaf, rest)) = chain.split_first() else {
            return Err("the certificate chain is empty".into());
        };
        // Java's PKIX validator trusts a certificate that is itself a trust anchor as is.
        if self.trusted.iter().any(|t| t.as_ref() == *leaf) {
            return Ok(());
        }
        if let Some((digital_signature, _)) = key_usage(leaf)?
            && !digital_signature
        {
            return Err(
                "the client certificate's key usage does not permit digital signatures".into(),
            );
        }
        let leaf_der = CertificateDer::from(*leaf);
        let end_entity = EndEntityCert::try_from(&leaf_der)
            .map_err(|e| format!("the client certificate cannot be read: {e:?}"))?;
        let intermediates: Vec<CertificateDer<'_>> =
            rest.iter().map(|c| CertificateDer::from(*c)).collect();
        let algorithms = rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .all;
        // Why a candidate path was refused by the key-usage check, which webpki leaves to us.
        let refused: RefCell<Option<String>> = RefCell::new(None);
        let issuers_may_sign = |path: &VerifiedPath<'_>| -> std::result::Result<(), webpki::Error> {
            for cert in path.intermediate_certificates() {
                let der = cert.der();
                match key_usage(der.as_ref()) {
                    Ok(Some((_, false))) => {
                        *refused.borrow_mut() = Some(format!(
                            "the certificate authority [{}] has no keyCertSign key usage",
                            subject(der.as_ref())
                        ));
                        return Err(webpki::Error::ExtensionValueInvalid);
                    }
                    Ok(_) => {}
                    Err(_) => return Err(webpki::Error::BadDer),
                }
            }
            Ok(())
        };
        match end_entity.verify_for_usage(
            algorithms,
            &self.anchors,
            &intermediates,
            now,
            KeyUsage::client_auth(),
            None,
            Some(&issuers_may_sign),
        ) {
            Ok(_) => Ok(()),
            Err(e) => Err(refused.take().unwrap_or_else(|| describe(&e))),
        }
    }
}

#[cfg(test)]
#[path = "chain_tests.rs"]
mod tests;
