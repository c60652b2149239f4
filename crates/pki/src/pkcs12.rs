//! PKCS#12 stores as the JDK writes them (PBES2 AES-256-CBC + HMAC-SHA256 MAC, 10000
//! iterations, Java's trusted-certificate attribute), and reading any common PKCS#12:
//! ours, OpenSSL 3 (`-export`, also `-legacy` RC2/3DES + SHA-1 MAC) and keytool's.

use crate::{Certificate, PrivateKey, Result};

/// One entry of a PKCS#12 store.
#[derive(Debug)]
pub enum Pkcs12Entry {
    /// A private key with its chain (leaf first). keytool lists it as `PrivateKeyEntry`.
    PrivateKey {
        /// Alias (friendlyName), e.g. `http`, `ca`, `instance`.
        alias: String,
        /// The private key.
        key: PrivateKey,
        /// Certificate chain, leaf first.
        chain: Vec<Certificate>,
    },
    /// A trusted certificate. keytool lists it as `trustedCertEntry`.
    TrustedCertificate {
        /// Alias, e.g. `ca`, `http_ca`.
        alias: String,
        /// The certificate.
        certificate: Certificate,
    },
}

/// A decoded PKCS#12 store.
#[derive(Debug, Default)]
pub struct Pkcs12Store {
    /// Entries in file order.
    pub entries: Vec<Pkcs12Entry>,
}

impl Pkcs12Store {
    /// The private-key entries.
    pub fn private_keys(&self) -> impl Iterator<Item = (&str, &PrivateKey, &[Certificate])> {
        self.entries.iter().filter_map(|e| match e {
            Pkcs12Entry::PrivateKey { alias, key, chain } => {
                Some((alias.as_str(), key, chain.as_slice()))
            }
            Pkcs12Entry::TrustedCertificate { .. } => None,
        })
    }
    /// Every certificate that is a trusted entry.
    pub fn trusted_certificates(&self) -> impl Iterator<Item = (&str, &Certificate)> {
        self.entries.iter().filter_map(|e| match e {
            Pkcs12Entry::TrustedCertificate { alias, certificate } => {
                Some((alias.as_str(), certificate))
            }
            Pkcs12Entry::PrivateKey { .. } => None,
        })
    }
}

/// Encodes a store protected by `password` (may be empty, must be ASCII). One password for
/// the MAC, the certificates and the keys, as Elasticsearch expects.
pub fn write_pkcs12(entries: &[Pkcs12Entry], password: &str) -> Result<Vec<u8>> {
    todo!("{} {}", entries.len(), password.len())
}

/// Decodes a store. A wrong password or a modified file is [`crate::Error::WrongPassword`];
/// bytes that are not PKCS#12 at all are [`crate::Error::Decode`]. Bare certificates without
/// Java's trusted attribute (OpenSSL `-nokeys` exports) are returned as trusted entries.
pub fn read_pkcs12(der: &[u8], password: &str) -> Result<Pkcs12Store> {
    todo!("{} {}", der.len(), password.len())
}
