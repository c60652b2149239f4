//! The one error type of the shipper library. Messages are single lines that name the setting,
//! file or host concerned, so the CLI prints them as `ERROR: ...` unchanged.

use std::path::PathBuf;

/// Everything that stops a shipper command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration file cannot be read.
    #[error("cannot read config file [{}]: {source}", path.display())]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A configuration file or `-E` value is not valid YAML.
    #[error("cannot parse {origin}: {reason}")]
    Yaml {
        /// The file or `-E` flag.
        origin: String,
        /// The parser's message.
        reason: String,
    },
    /// A setting this shipper does not know (a typo, or not a Metricbeat setting).
    #[error("unknown setting [{key}] in {origin}")]
    UnknownSetting {
        /// The dotted key.
        key: String,
        /// Where it was found.
        origin: String,
    },
    /// A Metricbeat setting that this version does not implement yet.
    #[error("setting [{key}] in {origin} is not supported yet")]
    NotSupportedYet {
        /// The dotted key.
        key: String,
        /// Where it was found.
        origin: String,
    },
    /// A Metricbeat feature (module, metricset, processor, option value, command flag) that
    /// this version does not implement yet.
    #[error("{what} in {origin} is not supported yet")]
    FeatureNotSupportedYet {
        /// What, e.g. `module [elasticsearch]`.
        what: String,
        /// Where it was asked for.
        origin: String,
    },
    /// A setting with a value of the wrong type or out of range.
    #[error("invalid value for [{key}]: {reason}")]
    InvalidValue {
        /// The dotted key.
        key: String,
        /// Why.
        reason: String,
    },
    /// `${VAR}` with no such environment variable and no default.
    #[error(
        "missing field accessing [{key}]: environment variable [{var}] is not set and has no default"
    )]
    MissingVariable {
        /// The setting that references it.
        key: String,
        /// The variable.
        var: String,
    },
    /// A configuration file that others may write (`--strict.perms`).
    #[error("{0}")]
    Permissions(String),
    /// A `modules` command on a module that does not exist.
    #[error("{0}")]
    Module(String),
    /// A file of the configuration directory cannot be written.
    #[error("cannot write [{}]: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS configuration cannot be built.
    #[error("{0}")]
    Tls(#[from] ironstack_tls::Error),
    /// Connecting to or talking to Elasticsearch failed.
    #[error("{0}")]
    Connection(String),
    /// Elasticsearch answered with an error.
    #[error("{0}")]
    Response(String),
    /// Something else went wrong at run time.
    #[error("{0}")]
    Runtime(String),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
