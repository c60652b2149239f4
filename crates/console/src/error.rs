//! The console's one error type: configuration, TLS, the node connection and sessions.

use std::path::PathBuf;

/// Everything that can stop the console or fail one of its calls.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `console.yml` cannot be read or parsed, or a placeholder is unresolved.
    #[error(transparent)]
    Settings(#[from] ironstack_config::Error),
    /// A setting has an invalid value (the message names it, Kibana's words where it has them).
    #[error("{0}")]
    InvalidSetting(String),
    /// A key that the console does not know.
    #[error("unknown setting [{key}] in [{}]", path.display())]
    UnknownSetting {
        /// The dotted key.
        key: String,
        /// The configuration file (or `-E`).
        path: PathBuf,
    },
    /// A Kibana setting that this version does not implement yet.
    #[error("setting [{0}] is a Kibana setting that ironstack console does not support yet")]
    NotSupportedYet(String),
    /// Building the server or client TLS configuration failed.
    #[error(transparent)]
    Tls(#[from] ironstack_tls::Error),
    /// The listener could not be bound or served.
    #[error("cannot listen on [{address}]: {source}")]
    Bind {
        /// `host:port`.
        address: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A call to the node failed before an answer came back (connect, TLS, timeout).
    #[error("{0}")]
    Node(String),
    /// The operating system's random generator failed.
    #[error("random number generator failed: {0}")]
    Random(String),
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
