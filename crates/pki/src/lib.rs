//! Keys, X.509 certificates, certificate signing requests, PKCS#12 stores and PEM files: the
//! cryptographic objects `certutil` writes and the node, console and shipper read.
//!
//! Everything here is file-format and X.509 logic only: no prompts, no HTTP, no TLS sessions.
//! The profiles follow what Elasticsearch's `certutil` (and the JDK behind it) produce, so the
//! files work in a real Elasticsearch, Kibana, keytool, OpenSSL and Python.
#![warn(missing_docs)]

mod asn1;
mod cert;
mod csr;
mod error;
mod key;
mod name;
mod oids;
mod pem;
mod period;
mod pkcs12;

pub use cert::{
    Certificate, CertificateAuthority, CertificateSpec, ExtendedKeyUsage, KeyUsage, Validity,
    self_signed,
};
pub use csr::{certificate_signing_request_der, certificate_signing_request_pem};
pub use error::{Error, Result};
pub use key::{KeyAlgorithm, PrivateKey};
pub use name::DistinguishedName;
pub use pem::{PemKind, certificates_from_pem, classify_pem};
pub use period::Period;
pub use pkcs12::{Pkcs12Entry, Pkcs12Store, read_pkcs12, write_pkcs12};
