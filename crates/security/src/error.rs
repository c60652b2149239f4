//! The one error type of the security crate.

use std::path::PathBuf;

/// Everything that can go wrong hashing passwords or reading and writing the security store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store file could not be read or written.
    #[error("cannot {action} security store [{path}]: {source}")]
    Io {
        /// What was being done (`read`, `write`, ...).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The store file exists but is not a valid store.
    #[error("security store [{path}] is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why it could not be parsed.
        reason: String,
    },
    /// An earlier write could not be made durable, so what is on disk is unknown: the store
    /// refuses further writes until the node restarts and replays what survived.
    #[error(
        "security store [{path}] is unavailable: an earlier write could not be synced ({reason}); restart the node"
    )]
    Unavailable {
        /// The store folder.
        path: PathBuf,
        /// The operating-system error of the failed write or sync.
        reason: String,
    },
    /// The document store behind the security store failed.
    #[error("security index [{location}]: {reason}")]
    Backend {
        /// The index.
        location: String,
        /// What failed.
        reason: String,
    },
    /// A hash algorithm name that is not one of Elasticsearch's.
    #[error("unknown password hashing algorithm [{0}]")]
    UnknownHasher(String),
    /// Hashing failed in the underlying library.
    #[error("cannot hash password: {0}")]
    Hashing(String),
    /// The operating system's random generator failed.
    #[error("cannot read random bytes: {0}")]
    Random(String),
    /// A password that breaks Elasticsearch's rules.
    #[error("{0}")]
    InvalidPassword(String),
    /// An audit `ignore_filters` pattern that does not compile.
    #[error("invalid setting [{setting}]: {reason}")]
    InvalidAuditFilter {
        /// The setting name.
        setting: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
