//! The crate's one error type for library-level failures (crypto, zip encoding, instance
//! files), and how each maps to a command-line exit code.

use ironstack_terminal::{CliError, exit_code};

/// A failure below the command-line layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Key, certificate, CSR or PKCS#12 work failed.
    #[error(transparent)]
    Pki(#[from] ironstack_pki::Error),
    /// The zip archive could not be assembled.
    #[error("cannot build the zip archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// An instances file could not be parsed at all.
    #[error("cannot parse instances file {path}: {reason}")]
    InstancesFile {
        /// The file, absolute.
        path: String,
        /// What the YAML parser said.
        reason: String,
    },
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        use ironstack_pki::Error as Pki;
        let code = match &error {
            Error::Pki(Pki::NonAsciiPassword) => exit_code::CONFIG,
            Error::Pki(Pki::UnsupportedKey(_) | Pki::InvalidDn { .. } | Pki::InvalidPeriod(_)) => {
                exit_code::USAGE
            }
            Error::Pki(Pki::KeyMismatch { .. }) => exit_code::CONFIG,
            Error::Pki(Pki::Crypto(_)) | Error::Zip(_) => exit_code::IO_ERROR,
            Error::Pki(_) => exit_code::DATA_ERROR,
            Error::InstancesFile { .. } => exit_code::CONFIG,
        };
        CliError::new(code, error.to_string())
    }
}

/// Converts a PKI error to the command-line error with the matching exit code.
pub(crate) fn pki(error: ironstack_pki::Error) -> CliError {
    Error::Pki(error).into()
}
