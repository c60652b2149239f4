//! X.509 certificates: the profile Elasticsearch's certutil produces (v3, random 160-bit
//! serial, SKI/AKI, SAN, BasicConstraints, KU/EKU per certificate type), signing by a CA or
//! self-signing, and reading certificates back (subject, expiry, fingerprint, key match).

use std::net::IpAddr;

use crate::{DistinguishedName, PrivateKey, Result};

/// Key usage bits (RFC 5280 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyUsage {
    /// digitalSignature
    DigitalSignature,
    /// nonRepudiation (contentCommitment)
    NonRepudiation,
    /// keyEncipherment
    KeyEncipherment,
    /// dataEncipherment
    DataEncipherment,
    /// keyAgreement
    KeyAgreement,
    /// keyCertSign
    KeyCertSign,
    /// cRLSign
    CrlSign,
    /// encipherOnly
    EncipherOnly,
    /// decipherOnly
    DecipherOnly,
}

impl KeyUsage {
    /// Parses an RFC 5280 name as certutil's `--keyusage` accepts it (case-sensitive, e.g.
    /// `keyCertSign`). `None` for an unknown name (certutil says `Unknown keyUsage: <x>`).
    pub fn from_rfc_name(name: &str) -> Option<Self> {
        todo!("{name}")
    }
    /// The RFC 5280 name.
    pub fn rfc_name(self) -> &'static str {
        todo!()
    }
}

/// Extended key usages used by the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtendedKeyUsage {
    /// serverAuth 1.3.6.1.5.5.7.3.1
    ServerAuth,
    /// clientAuth 1.3.6.1.5.5.7.3.2
    ClientAuth,
}

/// Certificate validity window (seconds precision, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start of validity.
    pub not_before: jiff::Timestamp,
    /// End of validity.
    pub not_after: jiff::Timestamp,
}

impl Validity {
    /// From now for `days` days (certutil's `--days`).
    pub fn days_from_now(days: u32) -> Self {
        todo!("{days}")
    }
    /// From now for a calendar period (the `http` wizard's validity).
    pub fn period_from_now(period: crate::Period) -> Result<Self> {
        todo!("{period:?}")
    }
}

/// What to put in a certificate (or a CSR).
#[derive(Debug, Clone)]
pub struct CertificateSpec {
    /// Subject DN.
    pub subject: DistinguishedName,
    /// DNS subject alternative names (wildcards allowed).
    pub dns_names: Vec<String>,
    /// IP subject alternative names.
    pub ip_addresses: Vec<IpAddr>,
    /// Extra `otherName` SANs with OID 2.5.4.3 (certutil's `cn:` in instances.yml).
    pub other_name_cns: Vec<String>,
    /// Validity window (ignored for CSRs).
    pub validity: Validity,
    /// True for a CA: BasicConstraints critical CA:TRUE. False: non-critical CA:FALSE.
    pub is_ca: bool,
    /// KeyUsage, critical; empty = extension omitted.
    pub key_usage: Vec<KeyUsage>,
    /// ExtendedKeyUsage, non-critical; empty = extension omitted.
    pub extended_key_usage: Vec<ExtendedKeyUsage>,
}

/// A DER-encoded X.509 certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject().unwrap_or_default())
            .finish()
    }
}

impl Certificate {
    /// Wraps DER, checking that it parses as a certificate.
    pub fn from_der(der: Vec<u8>) -> Result<Self> {
        todo!("{}", der.len())
    }
    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// PEM `CERTIFICATE` with 64-character lines and `\n` line ends.
    pub fn to_pem(&self) -> String {
        todo!()
    }
    /// Subject in RFC 2253 form (`CN=node1,DC=example,DC=com`).
    pub fn subject(&self) -> Result<String> {
        todo!()
    }
    /// Issuer in RFC 2253 form.
    pub fn issuer(&self) -> Result<String> {
        todo!()
    }
    /// Serial number as lower-case hex.
    pub fn serial_hex(&self) -> Result<String> {
        todo!()
    }
    /// Start of validity.
    pub fn not_before(&self) -> Result<jiff::Timestamp> {
        todo!()
    }
    /// End of validity.
    pub fn not_after(&self) -> Result<jiff::Timestamp> {
        todo!()
    }
    /// Whether BasicConstraints says CA:TRUE.
    pub fn is_ca(&self) -> Result<bool> {
        todo!()
    }
    /// DNS SANs.
    pub fn dns_names(&self) -> Result<Vec<String>> {
        todo!()
    }
    /// IP SANs.
    pub fn ip_addresses(&self) -> Result<Vec<IpAddr>> {
        todo!()
    }
    /// SHA-256 of the DER, lower-case hex without separators (the node's CA fingerprint).
    pub fn sha256_fingerprint(&self) -> String {
        todo!()
    }
    /// Whether `key` is the private half of this certificate's public key.
    pub fn matches_key(&self, key: &PrivateKey) -> Result<bool> {
        todo!("{key:?}")
    }
    /// Whether this certificate's signature verifies with `issuer`'s public key.
    pub fn is_signed_by(&self, issuer: &Certificate) -> Result<bool> {
        todo!("{issuer:?}")
    }
}

/// A CA certificate with its private key, able to sign certificates and CSRs.
#[derive(Debug)]
pub struct CertificateAuthority {
    /// The CA certificate.
    pub certificate: Certificate,
    /// The CA private key.
    pub key: PrivateKey,
}

impl CertificateAuthority {
    /// Pairs a certificate and key, refusing a key that does not match
    /// ([`crate::Error::KeyMismatch`]; Elasticsearch issue #98207).
    pub fn new(certificate: Certificate, key: PrivateKey) -> Result<Self> {
        todo!("{certificate:?} {key:?}")
    }

    /// Generates a self-signed CA certificate for `key` (spec.is_ca must be true).
    pub fn generate(spec: &CertificateSpec, key: PrivateKey) -> Result<Self> {
        todo!("{spec:?} {key:?}")
    }

    /// Issues a certificate for `subject_key` as described by `spec`, signed by this CA
    /// (SHA256withRSA for RSA CAs, ECDSA-SHA256/384 for EC CAs). The issuer DN is copied
    /// from the CA certificate, AKI is the CA's key identifier.
    pub fn sign(&self, spec: &CertificateSpec, subject_key: &PrivateKey) -> Result<Certificate> {
        todo!("{spec:?} {subject_key:?}")
    }
}

/// A self-signed certificate for `key` (certutil `cert --self-signed`).
pub fn self_signed(spec: &CertificateSpec, key: &PrivateKey) -> Result<Certificate> {
    todo!("{spec:?} {key:?}")
}
