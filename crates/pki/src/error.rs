//! The one error type of the PKI crate.

/// Everything that can go wrong building, reading or writing keys, certificates and stores.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A distinguished name could not be parsed.
    #[error("invalid distinguished name [{input}]: {reason}")]
    InvalidDn {
        /// The text given.
        input: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A key size or algorithm that is not supported.
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),
    /// A subject alternative name that cannot be encoded (e.g. a non-ASCII DNS name).
    #[error("{0}")]
    InvalidName(String),
    /// A validity period could not be parsed.
    #[error("{0}")]
    InvalidPeriod(String),
    /// A PEM, DER, PKCS#8 or PKCS#12 input could not be decoded.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was being decoded ("certificate", "private key", "PKCS#12 store", ...).
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The password for an encrypted key or store is wrong (or the store was modified).
    #[error("the password is incorrect or the file is corrupted")]
    WrongPassword,
    /// An encrypted key was given without a password.
    #[error("the private key is encrypted and no password was provided")]
    PasswordRequired,
    /// A private key does not belong to the certificate it was paired with.
    #[error("the private key does not match the certificate [{subject}]")]
    KeyMismatch {
        /// The certificate's subject.
        subject: String,
    },
    /// Signing or key generation failed in the crypto library.
    #[error("cryptographic operation failed: {0}")]
    Crypto(String),
    /// A PKCS#12 password that is not plain ASCII.
    #[error("PKCS#12 passwords must be plain ASCII")]
    NonAsciiPassword,
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
