//! Private keys: generation (RSA 1024–8192, ECDSA P-256/P-384), PKCS#8 form, PEM output.

use std::fmt;

use crate::Result;

/// The algorithm and size of a key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA with the given modulus size in bits (1024..=8192), e = 65537.
    Rsa {
        /// Modulus size in bits.
        bits: u32,
    },
    /// ECDSA on NIST P-256.
    EcP256,
    /// ECDSA on NIST P-384.
    EcP384,
}

/// A private key. Holds PKCS#8 DER, zeroed on drop; `Debug` never shows it.
pub struct PrivateKey {
    pkcs8_der: zeroize::Zeroizing<Vec<u8>>,
    algorithm: KeyAlgorithm,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl PrivateKey {
    /// Generates a new key pair. RSA sizes outside 1024..=8192 are an error.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self> {
        todo!("{algorithm:?}")
    }

    /// Reads a private key from PEM: PKCS#8 (`PRIVATE KEY`), encrypted PKCS#8
    /// (`ENCRYPTED PRIVATE KEY`, PBES2), PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`),
    /// and traditional OpenSSL encryption (`Proc-Type: 4,ENCRYPTED` + `DEK-Info`).
    /// An encrypted key without `password` is [`crate::Error::PasswordRequired`].
    pub fn from_pem(pem: &str, password: Option<&str>) -> Result<Self> {
        todo!("{} {}", pem.len(), password.is_some())
    }

    /// Wraps PKCS#8 DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        todo!("{}", der.len())
    }

    /// Whether a PEM private key text is encrypted (either form).
    pub fn pem_is_encrypted(pem: &str) -> bool {
        pem.contains("ENCRYPTED")
    }

    /// The PKCS#8 `PrivateKeyInfo` DER.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8_der
    }

    /// The key's algorithm and size.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The DER `SubjectPublicKeyInfo` of the public half.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        todo!()
    }

    /// PEM in the form Elasticsearch's certutil writes: RSA keys as PKCS#1 `RSA PRIVATE KEY`,
    /// EC keys as SEC1 `EC PRIVATE KEY`. With a non-empty `password`, traditional OpenSSL
    /// encryption (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: AES-128-CBC,<iv>`, key from
    /// EVP_BytesToKey/MD5), which OpenSSL, Python and Elasticsearch all read.
    pub fn to_pem(&self, password: Option<&str>) -> Result<String> {
        todo!("{}", password.is_some())
    }

    /// Unencrypted PKCS#8 PEM (`PRIVATE KEY`).
    pub fn to_pkcs8_pem(&self) -> String {
        todo!()
    }
}
