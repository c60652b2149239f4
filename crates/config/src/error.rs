//! The one error type of the configuration crate: every message names the setting and where
//! it came from (the file or the command line), on one line.

use std::fmt;
use std::path::PathBuf;

/// Where a setting's value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A key of `ironstack.yml` at this path.
    File(PathBuf),
    /// A `-E key=value` command-line override.
    CommandLine,
    /// The built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "in [{}]", path.display()),
            Origin::CommandLine => f.write_str("on the command line (-E)"),
            Origin::Default => f.write_str("in the defaults"),
        }
    }
}

/// Everything that can make a configuration unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings file exists but cannot be read (or written, for the auto-config block).
    #[error("cannot access [{}]: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The settings file is not valid YAML or not a map at the top level.
    #[error("cannot parse [{}]: {message}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message (line and column included).
        message: String,
    },
    /// The same setting is given twice (for example once flat and once nested).
    #[error("setting [{key}] is given more than once {origin}{}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    DuplicateSetting {
        /// The dotted key.
        key: String,
        /// Where.
        origin: Origin,
        /// The line of the second occurrence in the file, when known.
        line: Option<u64>,
    },
    /// A key that no component reads.
    #[error("unknown setting [{key}] {origin}{}", suggestion.as_ref().map(|s| format!("; did you mean [{s}]?")).unwrap_or_default())]
    UnknownSetting {
        /// The dotted key.
        key: String,
        /// Where.
        origin: Origin,
        /// A known setting with a similar name.
        suggestion: Option<String>,
    },
    /// A secure setting (password, passphrase) written into the plain settings file.
    #[error(
        "setting [{key}] is a secure setting and must be stored inside the keystore, but was found {origin}"
    )]
    SecureSettingInFile {
        /// The dotted key.
        key: String,
        /// Where.
        origin: Origin,
    },
    /// A legacy plain-text password setting that Elasticsearch 8 no longer accepts either.
    #[error(
        "setting [{key}] {origin} is insecure and not supported: store the value in the keystore as [{secure_key}] (ironstack keystore add {secure_key})"
    )]
    InsecureSetting {
        /// The dotted key.
        key: String,
        /// The keystore entry to use instead.
        secure_key: String,
        /// Where.
        origin: Origin,
    },
    /// A `${VAR}` placeholder whose variable is not set and has no `:default`.
    #[error(
        "could not resolve placeholder [{variable}] in setting [{key}] {origin}: environment variable [{variable}] is not set"
    )]
    UnresolvedPlaceholder {
        /// The environment variable.
        variable: String,
        /// The setting holding the placeholder.
        key: String,
        /// Where.
        origin: Origin,
    },
    /// A value that does not fit the setting's type or allowed values.
    #[error("invalid value [{value}] for setting [{key}] {origin}: {reason}")]
    InvalidValue {
        /// The dotted key.
        key: String,
        /// The value as given.
        value: String,
        /// Why it is rejected.
        reason: String,
        /// Where.
        origin: Origin,
    },
    /// Settings that are each valid but do not go together.
    #[error("invalid configuration {origin}: {reason}")]
    Conflict {
        /// What is wrong.
        reason: String,
        /// Where (the file, or the command line).
        origin: Origin,
    },
    /// A `-E` argument that is not `key=value`.
    #[error("invalid command-line setting [{argument}]: expected -E <key>=<value>")]
    InvalidOverride {
        /// The argument as given.
        argument: String,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
