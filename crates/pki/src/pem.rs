//! Recognising and splitting PEM files: what a user hands to certutil as a CA can be a
//! certificate, a key, a chain, or something else.

use crate::{Certificate, Result};

/// What a PEM file holds, as certutil's `http` wizard classifies a "CA Path".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemKind {
    /// Exactly one `CERTIFICATE`.
    Certificate,
    /// More than one `CERTIFICATE` (certutil: `Unsupported file type (certificate chain)`).
    CertificateChain,
    /// A private key (any of the forms [`crate::PrivateKey::from_pem`] reads).
    PrivateKey,
    /// Anything else.
    Unrecognized,
}

/// Classifies PEM text.
pub fn classify_pem(text: &str) -> PemKind {
    todo!("{}", text.len())
}

/// Every `CERTIFICATE` block in a PEM text, in order. No blocks is an error.
pub fn certificates_from_pem(text: &str) -> Result<Vec<Certificate>> {
    todo!("{}", text.len())
}
