//! The one error type of the TLS crate. Every variant that concerns a file names it and says
//! why it cannot be used, so the node can print it as is and refuse to start.

use std::path::PathBuf;

/// Everything that can prevent building a TLS configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file cannot be read.
    #[error("cannot read [{}]: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A PEM file without any `CERTIFICATE` block.
    #[error("[{}] does not contain any PEM certificate", path.display())]
    NoCertificates {
        /// The file.
        path: PathBuf,
    },
    /// A key file or PKCS#12 store without a private key.
    #[error("[{}] does not contain a private key", path.display())]
    NoPrivateKey {
        /// The file.
        path: PathBuf,
    },
    /// A file whose content cannot be decoded (not PEM/PKCS#12, corrupt certificate, ...).
    #[error("cannot decode [{}]: {reason}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The password of a PKCS#12 store or encrypted key is wrong (or the file was modified).
    #[error("cannot open [{}]: the password is incorrect or the file is corrupted", path.display())]
    WrongPassword {
        /// The file.
        path: PathBuf,
    },
    /// An encrypted PEM key and no passphrase.
    #[error("the private key [{}] is encrypted and no passphrase was provided", path.display())]
    PassphraseRequired {
        /// The key file.
        path: PathBuf,
    },
    /// Several private keys in a PKCS#12 store and nothing says which one to serve.
    #[error("[{}] contains several private keys [{}] and no alias was given to choose one", path.display(), aliases.join(", "))]
    SeveralKeys {
        /// The store.
        path: PathBuf,
        /// Aliases of the key entries.
        aliases: Vec<String>,
    },
    /// The requested alias is not a private-key entry of the store.
    #[error("[{}] has no private key entry with alias [{alias}]", path.display())]
    AliasNotFound {
        /// The store.
        path: PathBuf,
        /// The alias asked for.
        alias: String,
    },
    /// The private key does not belong to the certificate.
    #[error("the private key in [{}] does not match the certificate [{subject}] in [{}]", key_path.display(), certificate_path.display())]
    KeyMismatch {
        /// Where the key came from.
        key_path: PathBuf,
        /// Where the certificate came from.
        certificate_path: PathBuf,
        /// The certificate's subject.
        subject: String,
    },
    /// The certificate to serve has expired: refusing to start with it.
    #[error("the certificate [{subject}] in [{}] expired on {not_after}; replace it (for example with `ironstack certutil`)", path.display())]
    Expired {
        /// Where it came from.
        path: PathBuf,
        /// Its subject.
        subject: String,
        /// Its end of validity (RFC 3339).
        not_after: String,
    },
    /// A key type rustls cannot use (for example RSA below 2048 bits).
    #[error("the private key in [{}] cannot be used for TLS: {reason}", path.display())]
    UnsupportedKey {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// No trust anchors for a verification that needs them.
    #[error("{0}")]
    NoTrustAnchors(String),
    /// Settings that cannot work together (no protocol left, bad pin, ...).
    #[error("invalid TLS settings: {0}")]
    InvalidSettings(String),
    /// rustls refused the assembled configuration.
    #[error("cannot build the TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
