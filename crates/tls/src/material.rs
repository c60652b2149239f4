//! Reading key material from disk: PEM certificate chains, PEM private keys (encrypted ones
//! through `ironstack-pki`), PKCS#12 identities and truststores, and the checks done before a
//! certificate is served (key matches certificate, not expired).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::crypto::CryptoProvider;
use rustls::sign::{CertifiedKey, SigningKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::{Error, Identity, Result, Secret, TrustStore};

/// A loaded identity: chain (leaf first), its signing key, and the CA certificates that came
/// with it (the extra certificates of the chain and, for PKCS#12, the trusted entries).
pub(crate) struct LoadedIdentity {
    pub(crate) certified_key: Arc<CertifiedKey>,
    pub(crate) bundled_cas: Vec<CertificateDer<'static>>,
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Every `CERTIFICATE` of a PEM file; none is an error naming the file.
pub(crate) fn load_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read_file(path)?;
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Decode {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if certificates.is_empty() {
        return Err(Error::NoCertificates {
            path: path.to_path_buf(),
        });
    }
    for certificate in &certificates {
        CertificateInfo::parse(certificate).map_err(|reason| Error::Decode {
            path: path.to_path_buf(),
            reason,
        })?;
    }
    Ok(certificates)
}

fn load_pem_key(path: &Path, passphrase: Option<&Secret>) -> Result<PrivateKeyDer<'static>> {
    let bytes = read_file(path)?;
    let text = String::from_utf8_lossy(&bytes);
    if ironstack_pki::PrivateKey::pem_is_encrypted(&text) {
        let Some(passphrase) = passphrase else {
            return Err(Error::PassphraseRequired {
                path: path.to_path_buf(),
            });
        };
        let key = ironstack_pki::PrivateKey::from_pem(&text, Some(passphrase.expose()))
            .map_err(|e| pki_error(path, e))?;
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            key.pkcs8_der().to_vec(),
        )));
    }
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(rustls_pki_types::pem::Error::NoItemsFound) => Err(Error::NoPrivateKey {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(Error::Decode {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
    }
}

fn pki_error(path: &Path, error: ironstack_pki::Error) -> Error {
    let path = path.to_path_buf();
    match error {
        ironstack_pki::Error::WrongPassword => Error::WrongPassword { path },
        ironstack_pki::Error::PasswordRequired => Error::PassphraseRequired { path },
        other => Error::Decode {
            path,
            reason: other.to_string(),
        },
    }
}

fn signing_key(
    provider: &CryptoProvider,
    key: PrivateKeyDer<'static>,
    path: &Path,
) -> Result<Arc<dyn SigningKey>> {
    provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| Error::UnsupportedKey {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// Loads an identity and refuses keys that do not match and leaf certificates that have
/// expired.
pub(crate) fn load_identity(
    identity: &Identity,
    provider: &CryptoProvider,
) -> Result<LoadedIdentity> {
    let (chain, key, key_path, bundled_cas) = match identity {
        Identity::Pem {
            certificate,
            key,
            passphrase,
        } => {
            let chain = load_pem_certificates(certificate)?;
            let key_der = load_pem_key(key, passphrase.as_ref())?;
            let bundled = chain.iter().skip(1).cloned().collect();
            (
                chain,
                signing_key(provider, key_der, key)?,
                key.clone(),
                bundled,
            )
        }
        Identity::Pkcs12 {
            path,
            password,
            alias,
        } => {
            let (chain, key_der, bundled) = load_pkcs12_identity(path, password, alias.as_deref())?;
            (
                chain,
                signing_key(provider, key_der, path)?,
                path.clone(),
                bundled,
            )
        }
    };
    let certificate_path = identity.certificate_path().to_path_buf();
    let leaf = CertificateInfo::parse(&chain[0]).map_err(|reason| Error::Decode {
        path: certificate_path.clone(),
        reason,
    })?;
    let certified_key = CertifiedKey::new(chain, key);
    match certified_key.keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
        Err(_) => {
            return Err(Error::KeyMismatch {
                key_path,
                certificate_path,
                subject: leaf.subject,
            });
        }
    }
    if leaf.not_after < SystemTime::now() {
        return Err(Error::Expired {
            path: certificate_path,
            subject: leaf.subject,
            not_after: leaf.not_after_text,
        });
    }
    if leaf.not_before > SystemTime::now() {
        tracing::warn!(
            path = %certificate_path.display(),
            subject = %leaf.subject,
            "the certificate is not valid yet; clients will reject it until its start date"
        );
    }
    Ok(LoadedIdentity {
        certified_key: Arc::new(certified_key),
        bundled_cas,
    })
}

type Pkcs12Identity = (
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
    Vec<CertificateDer<'static>>,
);

fn load_pkcs12_identity(
    path: &Path,
    password: &Secret,
    alias: Option<&str>,
) -> Result<Pkcs12Identity> {
    let bytes = read_file(path)?;
    let store =
        ironstack_pki::read_pkcs12(&bytes, password.expose()).map_err(|e| pki_error(path, e))?;
    let keys: Vec<_> = store.private_keys().collect();
    let chosen = match alias {
        Some(alias) => {
            keys.iter()
                .find(|(a, _, _)| *a == alias)
                .ok_or_else(|| Error::AliasNotFound {
                    path: path.to_path_buf(),
                    alias: alias.to_string(),
                })?
        }
        None => {
            if keys.is_empty() {
                return Err(Error::NoPrivateKey {
                    path: path.to_path_buf(),
                });
            }
            // Auto-configuration's http.p12 holds the HTTP CA's key as well: a CA key is
            // never the one to serve when a leaf key exists.
            let leaves: Vec<_> = keys
                .iter()
                .filter(|(_, _, chain)| {
                    chain
                        .first()
                        .is_none_or(|c| !CertificateInfo::parse_der(c.der()).is_ok_and(|i| i.is_ca))
                })
                .collect();
            match (keys.len(), leaves.len()) {
                (1, _) => &keys[0],
                (_, 1) => leaves[0],
                _ => {
                    return Err(Error::SeveralKeys {
                        path: path.to_path_buf(),
                        aliases: keys.iter().map(|(a, _, _)| a.to_string()).collect(),
                    });
                }
            }
        }
    };
    let (_, key, chain) = chosen;
    if chain.is_empty() {
        return Err(Error::NoCertificates {
            path: path.to_path_buf(),
        });
    }
    let chain_der: Vec<CertificateDer<'static>> = chain
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    let mut bundled: Vec<CertificateDer<'static>> = chain_der.iter().skip(1).cloned().collect();
    for (_, certificate) in store.trusted_certificates() {
        let der = CertificateDer::from(certificate.der().to_vec());
        if !bundled.contains(&der) {
            bundled.push(der);
        }
    }
    // The certificates of other key entries that are CAs (auto-configuration's `http_ca`).
    for (_, _, other_chain) in &keys {
        if let Some(first) = other_chain.first() {
            let der = CertificateDer::from(first.der().to_vec());
            if der != chain_der[0]
                && !bundled.contains(&der)
                && CertificateInfo::parse(&der).is_ok_and(|i| i.is_ca)
            {
                bundled.push(der);
            }
        }
    }
    Ok((
        chain_der,
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.pkcs8_der().to_vec())),
        bundled,
    ))
}

/// The certificates a PKCS#12 truststore trusts: its trusted entries, else the CA
/// certificates of its key entries' chains.
pub(crate) fn load_truststore(store: &TrustStore) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read_file(&store.path)?;
    let decoded = ironstack_pki::read_pkcs12(&bytes, store.password.expose())
        .map_err(|e| pki_error(&store.path, e))?;
    let mut certificates: Vec<CertificateDer<'static>> = decoded
        .trusted_certificates()
        .map(|(_, c)| CertificateDer::from(c.der().to_vec()))
        .collect();
    if certificates.is_empty() {
        for (_, _, chain) in decoded.private_keys() {
            for certificate in chain {
                let der = CertificateDer::from(certificate.der().to_vec());
                if CertificateInfo::parse(&der).is_ok_and(|i| i.is_ca)
                    && !certificates.contains(&der)
                {
                    certificates.push(der);
                }
            }
        }
    }
    if certificates.is_empty() {
        return Err(Error::NoTrustAnchors(format!(
            "the truststore [{}] does not contain any trusted certificate",
            store.path.display()
        )));
    }
    Ok(certificates)
}

/// What the builders need to know about a certificate.
#[derive(Debug, Clone)]
pub(crate) struct CertificateInfo {
    pub(crate) subject: String,
    pub(crate) common_name: Option<String>,
    pub(crate) dns_names: Vec<String>,
    pub(crate) is_ca: bool,
    pub(crate) not_before: SystemTime,
    pub(crate) not_after: SystemTime,
    pub(crate) not_after_text: String,
}

impl CertificateInfo {
    pub(crate) fn parse(der: &CertificateDer<'_>) -> std::result::Result<Self, String> {
        Self::parse_der(der.as_ref())
    }

    pub(crate) fn parse_der(der: &[u8]) -> std::result::Result<Self, String> {
        use x509_parser::extensions::GeneralName;
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| format!("not an X.509 certificate: {e}"))?;
        let dns_names = match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let time = |t: &x509_parser::time::ASN1Time| {
            let seconds = t.timestamp();
            if seconds >= 0 {
                UNIX_EPOCH + Duration::from_secs(seconds.unsigned_abs())
            } else {
                UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
            }
        };
        let validity = cert.validity();
        Ok(CertificateInfo {
            subject: cert.subject().to_string(),
            common_name: cert
                .subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .map(str::to_string),
            dns_names,
            is_ca: cert
                .basic_constraints()
                .ok()
                .flatten()
                .is_some_and(|bc| bc.value.ca),
            not_before: time(&validity.not_before),
            not_after: time(&validity.not_after),
            not_after_text: validity
                .not_after
                .to_rfc2822()
                .unwrap_or_else(|_| validity.not_after.to_string()),
        })
    }
}

/// Collects trust anchors from PEM CA files.
pub(crate) fn load_ca_files(paths: &[PathBuf]) -> Result<Vec<CertificateDer<'static>>> {
    let mut all = Vec::new();
    for path in paths {
        all.extend(load_pem_certificates(path)?);
    }
    Ok(all)
}
