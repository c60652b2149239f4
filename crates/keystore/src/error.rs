//! The one error type of this crate; messages follow Elasticsearch's where it has one.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong reading, decrypting, changing or writing a keystore.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tool's keystore command cannot do what was asked (the message says why and what to
    /// do instead).
    #[error("{0}")]
    Refused(String),
    /// There is no keystore file at the path.
    #[error("keystore not found at [{}]", path.display())]
    NotFound {
        /// The path that was looked at.
        path: PathBuf,
    },
    /// The file system refused a read or a write.
    #[error("cannot {action} [{}]: {source}", path.display())]
    Io {
        /// What was being done, e.g. `read keystore`.
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// AES-GCM authentication failed: the password is wrong. (Elasticsearch reports the same
    /// for a ciphertext that was modified with its checksum recomputed; the two cannot be told
    /// apart.)
    #[error("Provided keystore password was incorrect")]
    WrongPassword,
    /// The file is not a keystore, is truncated, or some byte of it was changed.
    #[error("Keystore has been corrupted or tampered with ({0})")]
    Corrupt(String),
    /// The file is a keystore of a format version older than this crate reads (1 or 2).
    #[error(
        "the keystore format version [{version}] is too old; delete and recreate the keystore in order to upgrade"
    )]
    FormatTooOld {
        /// The version found in the header.
        version: u32,
    },
    /// The file is a keystore of a format version newer than this crate knows.
    #[error(
        "the keystore format version [{version}] is too new; are you trying to downgrade? delete and recreate the keystore in order to downgrade"
    )]
    FormatTooNew {
        /// The version found in the header.
        version: u32,
    },
    /// A setting name outside `[A-Za-z0-9_\-.]+`.
    #[error(
        "Setting name [{0}] does not match the allowed setting name pattern [[A-Za-z0-9_\\-.]+]"
    )]
    InvalidSettingName(String),
    /// A value or the whole keystore is larger than the format (or [`crate::MAX_FILE_LEN`]) allows.
    #[error("{0} is too large to store in the keystore")]
    TooLarge(String),
    /// The operating system's random number generator failed.
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        Self::Corrupt(what.into())
    }
}
