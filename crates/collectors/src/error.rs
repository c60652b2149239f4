//! The one error type of the collectors: a source file that cannot be read or understood.

use std::path::PathBuf;

/// Why a metricset could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file under `/proc` (or the host file system root) cannot be read.
    #[error("cannot read [{}]: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file's content is not in the expected format.
    #[error("cannot parse [{}]: {reason}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// `statvfs` failed on a mount point.
    #[error("cannot get file system statistics of [{}]: {source}", path.display())]
    Statvfs {
        /// The mount point.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
