//! X.509 certificates: the profile Elasticsearch's certutil produces (v3, random 160-bit
//! serial, SKI/AKI, SAN, BasicConstraints, KU/EKU per certificate type), signing by a CA or
//! self-signing, and reading certificates back (subject, expiry, fingerprint, key match).
//!
//! The TBSCertificate is DER-encoded here rather than through a generic builder so that the
//! issuer bytes are copied verbatim from the CA certificate (chains built with CAs from
//! other tools still verify) and the extension order matches the JDK's.

use std::net::IpAddr;

use aws_lc_rs::signature as lc_sig;
use sha1::Digest as _;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer as _;

use crate::asn1::{self, tag};
use crate::key::KeyAlgorithm;
use crate::oids;
use crate::{DistinguishedName, Error, PrivateKey, Result};

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
    /// Every usage, in bit order.
    pub const ALL: [KeyUsage; 9] = [
        KeyUsage::DigitalSignature,
        KeyUsage::NonRepudiation,
        KeyUsage::KeyEncipherment,
        KeyUsage::DataEncipherment,
        KeyUsage::KeyAgreement,
        KeyUsage::KeyCertSign,
        KeyUsage::CrlSign,
        KeyUsage::EncipherOnly,
        KeyUsage::DecipherOnly,
    ];

    /// Parses an RFC 5280 name as certutil's `--keyusage` accepts it (case-sensitive, e.g.
    /// `keyCertSign`). `None` for an unknown name (certutil says `Unknown keyUsage: <x>`).
    pub fn from_rfc_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.rfc_name() == name)
    }

    /// The RFC 5280 name.
    pub fn rfc_name(self) -> &'static str {
        match self {
            KeyUsage::DigitalSignature => "digitalSignature",
            KeyUsage::NonRepudiation => "nonRepudiation",
            KeyUsage::KeyEncipherment => "keyEncipherment",
            KeyUsage::DataEncipherment => "dataEncipherment",
            KeyUsage::KeyAgreement => "keyAgreement",
            KeyUsage::KeyCertSign => "keyCertSign",
            KeyUsage::CrlSign => "cRLSign",
            KeyUsage::EncipherOnly => "encipherOnly",
            KeyUsage::DecipherOnly => "decipherOnly",
        }
    }

    /// The bit number in the KeyUsage BIT STRING.
    fn bit(self) -> usize {
        match self {
            KeyUsage::DigitalSignature => 0,
            KeyUsage::NonRepudiation => 1,
            KeyUsage::KeyEncipherment => 2,
            KeyUsage::DataEncipherment => 3,
            KeyUsage::KeyAgreement => 4,
            KeyUsage::KeyCertSign => 5,
            KeyUsage::CrlSign => 6,
            KeyUsage::EncipherOnly => 7,
            KeyUsage::DecipherOnly => 8,
        }
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

impl ExtendedKeyUsage {
    /// The RFC 5280 name (`serverAuth`, `clientAuth`).
    pub fn rfc_name(self) -> &'static str {
        match self {
            ExtendedKeyUsage::ServerAuth => "serverAuth",
            ExtendedKeyUsage::ClientAuth => "clientAuth",
        }
    }

    fn oid(self) -> &'static str {
        match self {
            ExtendedKeyUsage::ServerAuth => oids::SERVER_AUTH,
            ExtendedKeyUsage::ClientAuth => oids::CLIENT_AUTH,
        }
    }
}

/// Certificate validity window (seconds precision, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start of validity.
    pub not_before: jiff::Timestamp,
    /// End of validity.
    pub not_after: jiff::Timestamp,
}

/// Now, truncated to whole seconds (certificates carry seconds only).
fn now_seconds() -> jiff::Timestamp {
    jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

impl Validity {
    /// From now for `days` days (certutil's `--days`). A span past the year 9999 is clamped
    /// to the latest representable time.
    pub fn days_from_now(days: u32) -> Self {
        let not_before = now_seconds();
        let latest = jiff::Timestamp::from_second(jiff::Timestamp::MAX.as_second())
            .unwrap_or(jiff::Timestamp::MAX);
        let not_after = not_before
            .checked_add(jiff::SignedDuration::from_secs(i64::from(days) * 86_400))
            .unwrap_or(latest);
        Self {
            not_before,
            not_after,
        }
    }

    /// From now for a calendar period (the `http` wizard's validity).
    pub fn period_from_now(period: crate::Period) -> Result<Self> {
        let not_before = now_seconds();
        Ok(Self {
            not_before,
            not_after: period.add_to(not_before)?,
        })
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

fn decode_error(reason: impl std::fmt::Display) -> Error {
    Error::Decode {
        what: "certificate",
        reason: reason.to_string(),
    }
}

impl Certificate {
    /// Wraps DER, checking that it parses as a certificate.
    pub fn from_der(der: Vec<u8>) -> Result<Self> {
        match x509_parser::parse_x509_certificate(&der) {
            Ok(([], _)) => Ok(Self { der }),
            Ok(_) => Err(decode_error("trailing bytes after the certificate")),
            Err(e) => Err(decode_error(e)),
        }
    }

    /// The single certificate of a PEM text (the first one when there are several).
    pub fn from_pem(text: &str) -> Result<Self> {
        crate::certificates_from_pem(text)?
            .into_iter()
            .next()
            .ok_or_else(|| decode_error("no certificate"))
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate in the form rustls takes.
    pub fn to_rustls(&self) -> rustls_pki_types::CertificateDer<'static> {
        rustls_pki_types::CertificateDer::from(self.der.clone())
    }

    /// PEM `CERTIFICATE` with 64-character lines and `\n` line ends.
    pub fn to_pem(&self) -> String {
        crate::pem::encode("CERTIFICATE", &[], &self.der)
    }

    fn parsed(&self) -> Result<x509_parser::certificate::X509Certificate<'_>> {
        x509_parser::parse_x509_certificate(&self.der)
            .map(|(_, c)| c)
            .map_err(decode_error)
    }

    /// Subject in RFC 2253 form (`CN=node1,DC=example,DC=com`).
    pub fn subject(&self) -> Result<String> {
        Ok(self.subject_dn()?.to_string())
    }

    /// Subject as a [`DistinguishedName`].
    pub fn subject_dn(&self) -> Result<DistinguishedName> {
        DistinguishedName::from_der(self.parsed()?.subject().as_raw())
    }

    /// Issuer in RFC 2253 form.
    pub fn issuer(&self) -> Result<String> {
        Ok(DistinguishedName::from_der(self.parsed()?.issuer().as_raw())?.to_string())
    }

    /// The DER bytes of the subject `Name`.
    pub fn subject_der(&self) -> Result<Vec<u8>> {
        Ok(self.parsed()?.subject().as_raw().to_vec())
    }

    /// The DER bytes of the issuer `Name`.
    pub fn issuer_der(&self) -> Result<Vec<u8>> {
        Ok(self.parsed()?.issuer().as_raw().to_vec())
    }

    /// Serial number as lower-case hex.
    pub fn serial_hex(&self) -> Result<String> {
        let cert = self.parsed()?;
        let raw = cert.raw_serial();
        let skip = raw
            .iter()
            .take_while(|b| **b == 0)
            .count()
            .min(raw.len().saturating_sub(1));
        Ok(hex::encode(&raw[skip..]))
    }

    /// Start of validity.
    pub fn not_before(&self) -> Result<jiff::Timestamp> {
        let seconds = self.parsed()?.validity().not_before.timestamp();
        jiff::Timestamp::from_second(seconds).map_err(decode_error)
    }

    /// End of validity.
    pub fn not_after(&self) -> Result<jiff::Timestamp> {
        let seconds = self.parsed()?.validity().not_after.timestamp();
        jiff::Timestamp::from_second(seconds).map_err(decode_error)
    }

    /// Whether BasicConstraints says CA:TRUE.
    pub fn is_ca(&self) -> Result<bool> {
        let cert = self.parsed()?;
        let bc = cert.basic_constraints().map_err(decode_error)?;
        Ok(bc.is_some_and(|b| b.value.ca))
    }

    fn general_names(&self) -> Result<Vec<OwnedGeneralName>> {
        let cert = self.parsed()?;
        let Some(san) = cert.subject_alternative_name().map_err(decode_error)? else {
            return Ok(Vec::new());
        };
        Ok(san
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some(OwnedGeneralName::Dns(dns.to_string())),
                GeneralName::IPAddress(bytes) => match bytes.len() {
                    4 => <[u8; 4]>::try_from(*bytes)
                        .ok()
                        .map(|b| OwnedGeneralName::Ip(IpAddr::from(b))),
                    16 => <[u8; 16]>::try_from(*bytes)
                        .ok()
                        .map(|b| OwnedGeneralName::Ip(IpAddr::from(b))),
                    _ => None,
                },
                GeneralName::OtherName(oid, value) if oid.to_id_string() == oids::COMMON_NAME => {
                    other_name_text(value).map(OwnedGeneralName::OtherCn)
                }
                _ => None,
            })
            .collect())
    }

    /// DNS SANs.
    pub fn dns_names(&self) -> Result<Vec<String>> {
        Ok(self
            .general_names()?
            .into_iter()
            .filter_map(|n| match n {
                OwnedGeneralName::Dns(d) => Some(d),
                _ => None,
            })
            .collect())
    }

    /// IP SANs.
    pub fn ip_addresses(&self) -> Result<Vec<IpAddr>> {
        Ok(self
            .general_names()?
            .into_iter()
            .filter_map(|n| match n {
                OwnedGeneralName::Ip(ip) => Some(ip),
                _ => None,
            })
            .collect())
    }

    /// `otherName` SANs of type 2.5.4.3 (certutil's `cn:` names).
    pub fn other_name_cns(&self) -> Result<Vec<String>> {
        Ok(self
            .general_names()?
            .into_iter()
            .filter_map(|n| match n {
                OwnedGeneralName::OtherCn(cn) => Some(cn),
                _ => None,
            })
            .collect())
    }

    /// KeyUsage bits, empty when the extension is absent.
    pub fn key_usage(&self) -> Result<Vec<KeyUsage>> {
        let cert = self.parsed()?;
        let Some(ku) = cert.key_usage().map_err(decode_error)? else {
            return Ok(Vec::new());
        };
        let ku = ku.value;
        let checks = [
            (ku.digital_signature(), KeyUsage::DigitalSignature),
            (ku.non_repudiation(), KeyUsage::NonRepudiation),
            (ku.key_encipherment(), KeyUsage::KeyEncipherment),
            (ku.data_encipherment(), KeyUsage::DataEncipherment),
            (ku.key_agreement(), KeyUsage::KeyAgreement),
            (ku.key_cert_sign(), KeyUsage::KeyCertSign),
            (ku.crl_sign(), KeyUsage::CrlSign),
            (ku.encipher_only(), KeyUsage::EncipherOnly),
            (ku.decipher_only(), KeyUsage::DecipherOnly),
        ];
        Ok(checks
            .into_iter()
            .filter(|(set, _)| *set)
            .map(|(_, u)| u)
            .collect())
    }

    /// The serverAuth/clientAuth extended key usages present.
    pub fn extended_key_usage(&self) -> Result<Vec<ExtendedKeyUsage>> {
        let cert = self.parsed()?;
        let Some(eku) = cert.extended_key_usage().map_err(decode_error)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if eku.value.server_auth {
            out.push(ExtendedKeyUsage::ServerAuth);
        }
        if eku.value.client_auth {
            out.push(ExtendedKeyUsage::ClientAuth);
        }
        Ok(out)
    }

    /// The SubjectKeyIdentifier extension's value, if present.
    pub fn subject_key_identifier(&self) -> Result<Option<Vec<u8>>> {
        let cert = self.parsed()?;
        Ok(cert
            .iter_extensions()
            .find_map(|ext| match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
                _ => None,
            }))
    }

    /// The AuthorityKeyIdentifier's keyIdentifier, if present.
    pub fn authority_key_identifier(&self) -> Result<Option<Vec<u8>>> {
        let cert = self.parsed()?;
        Ok(cert
            .iter_extensions()
            .find_map(|ext| match ext.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    aki.key_identifier.as_ref().map(|id| id.0.to_vec())
                }
                _ => None,
            }))
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        Ok(self.parsed()?.public_key().raw.to_vec())
    }

    /// The public key's algorithm and size, `None` for other key types.
    pub fn public_key_algorithm(&self) -> Result<Option<KeyAlgorithm>> {
        let cert = self.parsed()?;
        let spki = cert.public_key();
        let alg_oid = spki.algorithm.algorithm.as_bytes();
        if alg_oid == oids::RSA_ENCRYPTION {
            let data = &spki.subject_public_key.data;
            let bits = asn1::read_tlv(data)
                .and_then(|(_, content, _)| asn1::read_elements(content))
                .and_then(|e| e.first().map(|(_, n)| n.to_vec()))
                .map(|n| {
                    let skip = n.iter().take_while(|b| **b == 0).count();
                    let n = &n[skip..];
                    n.first()
                        .map_or(0, |f| n.len() as u32 * 8 - f.leading_zeros())
                });
            return Ok(bits.map(|bits| KeyAlgorithm::Rsa { bits }));
        }
        if alg_oid == oids::EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.as_bytes().to_vec());
            return Ok(match curve.as_deref() {
                Some(c) if c == oids::P256 => Some(KeyAlgorithm::EcP256),
                Some(c) if c == oids::P384 => Some(KeyAlgorithm::EcP384),
                _ => None,
            });
        }
        Ok(None)
    }

    /// The signature algorithm in Java's naming (`SHA256withRSA`, `SHA256withECDSA`, ...), or
    /// the dotted OID for others.
    pub fn signature_algorithm_name(&self) -> Result<String> {
        let cert = self.parsed()?;
        let dotted = cert.signature_algorithm.algorithm.to_id_string();
        Ok(match dotted.as_str() {
            "1.2.840.113549.1.1.5" => "SHA1withRSA".to_string(),
            "1.2.840.113549.1.1.11" => "SHA256withRSA".to_string(),
            "1.2.840.113549.1.1.12" => "SHA384withRSA".to_string(),
            "1.2.840.113549.1.1.13" => "SHA512withRSA".to_string(),
            "1.2.840.10045.4.3.2" => "SHA256withECDSA".to_string(),
            "1.2.840.10045.4.3.3" => "SHA384withECDSA".to_string(),
            "1.2.840.10045.4.3.4" => "SHA512withECDSA".to_string(),
            _ => dotted,
        })
    }

    /// SHA-256 of the DER, lower-case hex without separators (the node's CA fingerprint).
    pub fn sha256_fingerprint(&self) -> String {
        hex::encode(sha2::Sha256::digest(&self.der))
    }

    /// Whether `key` is the private half of this certificate's public key.
    pub fn matches_key(&self, key: &PrivateKey) -> Result<bool> {
        let cert = self.parsed()?;
        let ours = key.public_key_der()?;
        let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&ours)
            .map_err(|e| Error::Crypto(format!("cannot read own public key: {e}")))?;
        let theirs = cert.public_key();
        Ok(theirs.algorithm.algorithm == spki.algorithm.algorithm
            && theirs.subject_public_key.data == spki.subject_public_key.data)
    }

    /// Whether this certificate's signature verifies with `issuer`'s public key.
    pub fn is_signed_by(&self, issuer: &Certificate) -> Result<bool> {
        let cert = self.parsed()?;
        let issuer_cert = issuer.parsed()?;
        let spki = issuer_cert.public_key();
        let key_oid = spki.algorithm.algorithm.as_bytes();
        let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
        let algorithm: &'static dyn lc_sig::VerificationAlgorithm = if key_oid
            == oids::RSA_ENCRYPTION
        {
            match sig_oid.as_str() {
                "1.2.840.113549.1.1.5" => &lc_sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                "1.2.840.113549.1.1.11" => &lc_sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                "1.2.840.113549.1.1.12" => &lc_sig::RSA_PKCS1_2048_8192_SHA384,
                "1.2.840.113549.1.1.13" => &lc_sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
                _ => return Ok(false),
            }
        } else if key_oid == oids::EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.as_bytes().to_vec())
                .unwrap_or_default();
            let p256 = curve == oids::P256;
            let p384 = curve == oids::P384;
            match (sig_oid.as_str(), p256, p384) {
                ("1.2.840.10045.4.3.2", true, _) => &lc_sig::ECDSA_P256_SHA256_ASN1,
                ("1.2.840.10045.4.3.3", true, _) => &lc_sig::ECDSA_P256_SHA384_ASN1,
                ("1.2.840.10045.4.3.2", _, true) => &lc_sig::ECDSA_P384_SHA256_ASN1,
                ("1.2.840.10045.4.3.3", _, true) => &lc_sig::ECDSA_P384_SHA384_ASN1,
                _ => return Ok(false),
            }
        } else {
            return Ok(false);
        };
        let public_key = lc_sig::UnparsedPublicKey::new(algorithm, &spki.subject_public_key.data);
        Ok(public_key
            .verify(cert.tbs_certificate.as_ref(), &cert.signature_value.data)
            .is_ok())
    }
}

enum OwnedGeneralName {
    Dns(String),
    Ip(IpAddr),
    OtherCn(String),
}

/// The text of an otherName value: `[0] EXPLICIT` around a string. x509-parser hands over
/// either the explicit wrapper or its content depending on the input, so accept both.
fn other_name_text(value: &[u8]) -> Option<String> {
    let (t, content, _) = asn1::read_tlv(value)?;
    if t == 0xa0 {
        let (inner_tag, inner, _) = asn1::read_tlv(content)?;
        crate::name::decode_string(inner_tag, inner)
    } else {
        crate::name::decode_string(t, content)
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
        if !certificate.matches_key(&key)? {
            return Err(Error::KeyMismatch {
                subject: certificate.subject().unwrap_or_default(),
            });
        }
        Ok(Self { certificate, key })
    }

    /// Generates a self-signed CA certificate for `key` (spec.is_ca must be true).
    pub fn generate(spec: &CertificateSpec, key: PrivateKey) -> Result<Self> {
        if !spec.is_ca {
            return Err(Error::Crypto(
                "a CA certificate spec must have is_ca set".to_string(),
            ));
        }
        let certificate = self_signed(spec, &key)?;
        Ok(Self { certificate, key })
    }

    /// Issues a certificate for `subject_key` as described by `spec`, signed by this CA
    /// (SHA256withRSA for RSA CAs, ECDSA-SHA256/384 for EC CAs). The issuer DN is copied
    /// from the CA certificate, AKI is the CA's key identifier.
    pub fn sign(&self, spec: &CertificateSpec, subject_key: &PrivateKey) -> Result<Certificate> {
        let issuer_name = self.certificate.subject_der()?;
        let authority_key_id = match self.certificate.subject_key_identifier()? {
            Some(id) => id,
            None => key_identifier(&self.certificate.public_key_der()?)?,
        };
        build_certificate(
            spec,
            &subject_key.public_key_der()?,
            &issuer_name,
            &authority_key_id,
            &self.key,
        )
    }
}

/// A self-signed certificate for `key` (certutil `cert --self-signed`).
pub fn self_signed(spec: &CertificateSpec, key: &PrivateKey) -> Result<Certificate> {
    let public_key = key.public_key_der()?;
    let subject = spec.subject.to_der()?;
    let own_id = key_identifier(&public_key)?;
    build_certificate(spec, &public_key, &subject, &own_id, key)
}

/// SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 §4.2.1.2 method 1).
pub(crate) fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>> {
    let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki_der)
        .map_err(|e| Error::Crypto(format!("invalid public key: {e}")))?;
    Ok(sha1::Sha1::digest(&spki.subject_public_key.data).to_vec())
}

fn extension(oid: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    if critical {
        asn1::sequence(&[
            &asn1::oid(oid),
            &asn1::boolean(true),
            &asn1::octet_string(value),
        ])
    } else {
        asn1::sequence(&[&asn1::oid(oid), &asn1::octet_string(value)])
    }
}

/// The SubjectAltName extension value, or `None` when there are no names. IP addresses
/// first, then DNS names, then otherName CNs, duplicates dropped (Java keeps a set).
pub(crate) fn subject_alt_name_value(
    dns_names: &[String],
    ip_addresses: &[IpAddr],
    other_name_cns: &[String],
) -> Result<Option<Vec<u8>>> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut push = |name: Vec<u8>| {
        if !names.contains(&name) {
            names.push(name);
        }
    };
    for ip in ip_addresses {
        let bytes = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        push(asn1::context_primitive(7, &bytes));
    }
    let mut seen_dns: Vec<String> = Vec::new();
    for dns in dns_names {
        if dns.is_empty() || !dns.is_ascii() {
            return Err(Error::InvalidName(format!(
                "[{dns}] is not a valid DNS name"
            )));
        }
        let folded = dns.to_ascii_lowercase();
        if seen_dns.contains(&folded) {
            continue;
        }
        seen_dns.push(folded);
        push(asn1::context_primitive(2, dns.as_bytes()));
    }
    for cn in other_name_cns {
        let value = asn1::context_constructed(0, &asn1::tlv(tag::UTF8_STRING, cn.as_bytes()));
        push(asn1::context_constructed(
            0,
            &[asn1::oid(oids::COMMON_NAME), value].concat(),
        ));
    }
    if names.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
    Ok(Some(asn1::sequence(&parts)))
}

/// The KeyUsage BIT STRING (named bits: trailing zero bits dropped, as DER requires).
pub(crate) fn key_usage_value(usages: &[KeyUsage]) -> Option<Vec<u8>> {
    let highest = usages.iter().map(|u| u.bit()).max()?;
    let byte_count = highest / 8 + 1;
    let mut bytes = vec![0u8; byte_count];
    for usage in usages {
        let bit = usage.bit();
        bytes[bit / 8] |= 0x80 >> (bit % 8);
    }
    let unused = (7 - highest % 8) as u8;
    let mut content = vec![unused];
    content.extend_from_slice(&bytes);
    Some(asn1::tlv(tag::BIT_STRING, &content))
}

/// The ExtendedKeyUsage value, or `None` when empty.
pub(crate) fn extended_key_usage_value(usages: &[ExtendedKeyUsage]) -> Option<Vec<u8>> {
    if usages.is_empty() {
        return None;
    }
    let mut oids_der: Vec<Vec<u8>> = Vec::new();
    for usage in usages {
        let der = asn1::oid(usage.oid());
        if !oids_der.contains(&der) {
            oids_der.push(der);
        }
    }
    let parts: Vec<&[u8]> = oids_der.iter().map(Vec::as_slice).collect();
    Some(asn1::sequence(&parts))
}

/// SAN, KU and EKU extensions (the part a CSR also requests).
pub(crate) fn name_and_usage_extensions(spec: &CertificateSpec) -> Result<Vec<Vec<u8>>> {
    let mut extensions = Vec::new();
    if let Some(san) =
        subject_alt_name_value(&spec.dns_names, &spec.ip_addresses, &spec.other_name_cns)?
    {
        extensions.push(extension(oids::SUBJECT_ALT_NAME, false, &san));
    }
    extensions.extend(usage_extensions(spec));
    Ok(extensions)
}

fn usage_extensions(spec: &CertificateSpec) -> Vec<Vec<u8>> {
    let mut extensions = Vec::new();
    if let Some(ku) = key_usage_value(&spec.key_usage) {
        extensions.push(extension(oids::KEY_USAGE, true, &ku));
    }
    if let Some(eku) = extended_key_usage_value(&spec.extended_key_usage) {
        extensions.push(extension(oids::EXTENDED_KEY_USAGE, false, &eku));
    }
    extensions
}

/// A random positive serial of at most 159 bits, so it always fits the 20 octets RFC 5280
/// allows (Java's 160-bit serials sometimes need 21, which strict verifiers refuse).
fn random_serial() -> Vec<u8> {
    let mut serial: [u8; 20] = rand::random();
    serial[0] &= 0x7f;
    if serial.iter().all(|b| *b == 0) {
        serial[19] = 1;
    }
    asn1::unsigned_integer(&serial)
}

fn build_certificate(
    spec: &CertificateSpec,
    subject_public_key: &[u8],
    issuer_name: &[u8],
    authority_key_id: &[u8],
    signer: &PrivateKey,
) -> Result<Certificate> {
    if spec.validity.not_after <= spec.validity.not_before {
        return Err(Error::Crypto(
            "the certificate must end after it starts".to_string(),
        ));
    }
    let subject = spec.subject.to_der()?;
    let mut extensions = vec![
        extension(
            oids::SUBJECT_KEY_IDENTIFIER,
            false,
            &asn1::octet_string(&key_identifier(subject_public_key)?),
        ),
        extension(
            oids::AUTHORITY_KEY_IDENTIFIER,
            false,
            &asn1::sequence(&[&asn1::context_primitive(0, authority_key_id)]),
        ),
    ];
    if let Some(san) =
        subject_alt_name_value(&spec.dns_names, &spec.ip_addresses, &spec.other_name_cns)?
    {
        extensions.push(extension(oids::SUBJECT_ALT_NAME, false, &san));
    }
    extensions.push(if spec.is_ca {
        extension(
            oids::BASIC_CONSTRAINTS,
            true,
            &asn1::sequence(&[&asn1::boolean(true)]),
        )
    } else {
        // cA defaults to FALSE, so DER leaves it out; OpenSSL still shows CA:FALSE.
        extension(oids::BASIC_CONSTRAINTS, false, &asn1::sequence(&[]))
    });
    extensions.extend(usage_extensions(spec));
    let extension_parts: Vec<&[u8]> = extensions.iter().map(Vec::as_slice).collect();

    // The TBSCertificate's signature field must equal the outer AlgorithmIdentifier; both
    // follow from the signing key's algorithm.
    let signature_alg = signature_algorithm_id(signer.algorithm());
    let tbs = asn1::sequence(&[
        &asn1::context_constructed(0, &asn1::small_integer(2)),
        &random_serial(),
        &signature_alg,
        issuer_name,
        &asn1::sequence(&[
            &asn1::time(spec.validity.not_before),
            &asn1::time(spec.validity.not_after),
        ]),
        &subject,
        subject_public_key,
        &asn1::context_constructed(3, &asn1::sequence(&extension_parts)),
    ]);
    let (alg_id, signature) = signer.sign(&tbs)?;
    debug_assert_eq!(alg_id, signature_alg);
    let der = asn1::sequence(&[&tbs, &alg_id, &asn1::bit_string(&signature)]);
    Certificate::from_der(der)
}

/// The signature AlgorithmIdentifier a key of this algorithm signs with.
pub(crate) fn signature_algorithm_id(algorithm: KeyAlgorithm) -> Vec<u8> {
    match algorithm {
        KeyAlgorithm::Rsa { .. } => {
            asn1::sequence(&[&asn1::oid(oids::SHA256_WITH_RSA_DOTTED), &asn1::null()])
        }
        KeyAlgorithm::EcP256 => asn1::sequence(&[&asn1::oid(oids::ECDSA_WITH_SHA256_DOTTED)]),
        KeyAlgorithm::EcP384 => asn1::sequence(&[&asn1::oid(oids::ECDSA_WITH_SHA384_DOTTED)]),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn spec(subject: &str, is_ca: bool) -> CertificateSpec {
        CertificateSpec {
            subject: subject.parse().unwrap(),
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            other_name_cns: Vec::new(),
            validity: Validity::days_from_now(30),
            is_ca,
            key_usage: if is_ca {
                vec![KeyUsage::KeyCertSign, KeyUsage::CrlSign]
            } else {
                Vec::new()
            },
            extended_key_usage: Vec::new(),
        }
    }

    pub(crate) fn ec_ca() -> CertificateAuthority {
        let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        CertificateAuthority::generate(&spec("CN=Test CA,DC=example,DC=com", true), key).unwrap()
    }

    #[test]
    fn key_usage_names_round_trip() {
        for usage in KeyUsage::ALL {
            assert_eq!(KeyUsage::from_rfc_name(usage.rfc_name()), Some(usage));
        }
        assert_eq!(KeyUsage::from_rfc_name("crlSign"), None);
        assert_eq!(KeyUsage::from_rfc_name("keycertsign"), None);
        assert_eq!(KeyUsage::CrlSign.rfc_name(), "cRLSign");
    }

    #[test]
    fn key_usage_bits_are_der_named_bits() {
        // keyCertSign (5) + cRLSign (6): one byte 0b0000_0110, one unused bit.
        assert_eq!(
            key_usage_value(&[KeyUsage::KeyCertSign, KeyUsage::CrlSign]).unwrap(),
            vec![3, 2, 1, 0x06]
        );
        // digitalSignature (0) + keyEncipherment (2): 0b1010_0000, five unused bits.
        assert_eq!(
            key_usage_value(&[KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]).unwrap(),
            vec![3, 2, 5, 0xa0]
        );
        // decipherOnly is bit 8: two bytes, seven unused bits.
        assert_eq!(
            key_usage_value(&[KeyUsage::DecipherOnly]).unwrap(),
            vec![3, 3, 7, 0, 0x80]
        );
        assert_eq!(key_usage_value(&[]), None);
    }

    #[test]
    fn ca_certificate_has_the_ca_profile() {
        let ca = ec_ca();
        let cert = &ca.certificate;
        assert!(cert.is_ca().unwrap());
        assert_eq!(cert.subject().unwrap(), "CN=Test CA,DC=example,DC=com");
        assert_eq!(cert.issuer().unwrap(), cert.subject().unwrap());
        assert_eq!(cert.subject_der().unwrap(), cert.issuer_der().unwrap());
        assert!(cert.is_signed_by(cert).unwrap());
        assert!(cert.matches_key(&ca.key).unwrap());
        assert_eq!(
            cert.key_usage().unwrap(),
            vec![KeyUsage::KeyCertSign, KeyUsage::CrlSign]
        );
        let ski = cert.subject_key_identifier().unwrap().unwrap();
        assert_eq!(ski.len(), 20);
        assert_eq!(cert.authority_key_identifier().unwrap(), Some(ski));
        assert_eq!(cert.signature_algorithm_name().unwrap(), "SHA256withECDSA");
        assert_eq!(
            cert.public_key_algorithm().unwrap(),
            Some(KeyAlgorithm::EcP256)
        );
        let serial = cert.serial_hex().unwrap();
        assert!(serial.len() <= 40 && !serial.is_empty());
        assert_eq!(cert.sha256_fingerprint().len(), 64);
        let pem = cert.to_pem();
        assert_eq!(Certificate::from_pem(&pem).unwrap(), *cert);
    }

    #[test]
    fn leaf_certificate_chains_to_its_ca() {
        let ca = ec_ca();
        let leaf_key = PrivateKey::generate(KeyAlgorithm::EcP384).unwrap();
        let mut leaf_spec = spec("CN=node1", false);
        leaf_spec.dns_names = vec!["node1.example.com".into(), "*.example.com".into()];
        leaf_spec.ip_addresses = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
        leaf_spec.other_name_cns = vec!["node1.cluster".into()];
        leaf_spec.key_usage = vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment];
        leaf_spec.extended_key_usage = vec![ExtendedKeyUsage::ServerAuth];
        let leaf = ca.sign(&leaf_spec, &leaf_key).unwrap();
        assert!(!leaf.is_ca().unwrap());
        assert!(leaf.is_signed_by(&ca.certificate).unwrap());
        assert!(!ca.certificate.is_signed_by(&leaf).unwrap());
        assert!(leaf.matches_key(&leaf_key).unwrap());
        assert!(!leaf.matches_key(&ca.key).unwrap());
        assert_eq!(
            leaf.issuer_der().unwrap(),
            ca.certificate.subject_der().unwrap()
        );
        assert_eq!(
            leaf.authority_key_identifier().unwrap(),
            ca.certificate.subject_key_identifier().unwrap()
        );
        assert_eq!(
            leaf.dns_names().unwrap(),
            vec!["node1.example.com".to_string(), "*.example.com".to_string()]
        );
        assert_eq!(leaf.ip_addresses().unwrap(), leaf_spec.ip_addresses);
        assert_eq!(
            leaf.other_name_cns().unwrap(),
            vec!["node1.cluster".to_string()]
        );
        assert_eq!(
            leaf.extended_key_usage().unwrap(),
            vec![ExtendedKeyUsage::ServerAuth]
        );
        assert_eq!(
            leaf.public_key_algorithm().unwrap(),
            Some(KeyAlgorithm::EcP384)
        );
        // Seconds precision, and the window asked for.
        assert_eq!(leaf.not_before().unwrap(), leaf_spec.validity.not_before);
        assert_eq!(leaf.not_after().unwrap(), leaf_spec.validity.not_after);
    }

    #[test]
    fn rsa_1024_and_2048_cas_sign() {
        for bits in [1024, 2048] {
            let key = PrivateKey::generate(KeyAlgorithm::Rsa { bits }).unwrap();
            let ca = CertificateAuthority::generate(&spec("CN=RSA CA", true), key).unwrap();
            assert_eq!(
                ca.certificate.signature_algorithm_name().unwrap(),
                "SHA256withRSA"
            );
            assert_eq!(
                ca.certificate.public_key_algorithm().unwrap(),
                Some(KeyAlgorithm::Rsa { bits })
            );
            let leaf_key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
            let leaf = ca.sign(&spec("CN=leaf", false), &leaf_key).unwrap();
            assert!(leaf.is_signed_by(&ca.certificate).unwrap());
        }
    }

    #[test]
    fn issuer_bytes_are_copied_from_a_foreign_ca_subject() {
        // A CA whose subject uses UTF8String for CN (as OpenSSL writes it) must be the exact
        // issuer of what it signs, although we would encode that CN as PrintableString.
        let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        let utf8_name = asn1::sequence(&[&asn1::set_of(&[&asn1::sequence(&[
            &asn1::oid("2.5.4.3"),
            &asn1::tlv(tag::UTF8_STRING, b"Foreign CA"),
        ])])]);
        let spki = key.public_key_der().unwrap();
        // Self-issued with the foreign name: issuer = subject = the UTF8String name.
        let mut foreign_spec = spec("CN=unused", true);
        foreign_spec.subject = DistinguishedName::from_der(&utf8_name).unwrap();
        let foreign = build_certificate(
            &foreign_spec,
            &spki,
            &utf8_name,
            &key_identifier(&spki).unwrap(),
            &key,
        )
        .unwrap();
        assert_eq!(foreign.issuer_der().unwrap(), utf8_name);
        assert_ne!(foreign.subject_der().unwrap(), utf8_name);
        let foreign_ca = CertificateAuthority {
            certificate: foreign.clone(),
            key,
        };
        let leaf_key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        let leaf = foreign_ca.sign(&spec("CN=leaf", false), &leaf_key).unwrap();
        // The issuer is the CA's subject bytes, whatever string types they use.
        assert_eq!(leaf.issuer_der().unwrap(), foreign.subject_der().unwrap());
        assert!(leaf.is_signed_by(&foreign).unwrap());
    }

    #[test]
    fn ca_new_refuses_a_mismatched_key() {
        let ca = ec_ca();
        let other = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        match CertificateAuthority::new(ca.certificate.clone(), other) {
            Err(Error::KeyMismatch { subject }) => {
                assert_eq!(subject, "CN=Test CA,DC=example,DC=com")
            }
            other => panic!("{other:?}"),
        }
        assert!(CertificateAuthority::new(ca.certificate.clone(), ca.key.clone()).is_ok());
    }

    #[test]
    fn generate_requires_a_ca_spec_and_a_valid_window() {
        let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        assert!(CertificateAuthority::generate(&spec("CN=x", false), key.clone()).is_err());
        let mut backwards = spec("CN=x", true);
        backwards.validity.not_after = backwards.validity.not_before;
        assert!(CertificateAuthority::generate(&backwards, key).is_err());
    }

    #[test]
    fn san_duplicates_are_dropped_and_non_ascii_dns_refused() {
        let dns = vec!["a.example".to_string(), "A.EXAMPLE".to_string()];
        let ip: Vec<IpAddr> = vec!["10.0.0.1".parse().unwrap(), "10.0.0.1".parse().unwrap()];
        let san = subject_alt_name_value(&dns, &ip, &[]).unwrap().unwrap();
        // SEQ { [7] 4 bytes, [2] 9 bytes }
        assert_eq!(san.len(), 2 + 6 + 11);
        assert!(subject_alt_name_value(&[], &[], &[]).unwrap().is_none());
        assert!(matches!(
            subject_alt_name_value(&["bücher.example".to_string()], &[], &[]),
            Err(Error::InvalidName(_))
        ));
    }

    #[test]
    fn validity_windows() {
        let v = Validity::days_from_now(1095);
        assert_eq!(
            v.not_after.as_second() - v.not_before.as_second(),
            1095 * 86_400
        );
        assert_eq!(v.not_before.subsec_nanosecond(), 0);
        let far = Validity::days_from_now(u32::MAX);
        assert!(far.not_after > v.not_after);
        let p = Validity::period_from_now("5y".parse().unwrap()).unwrap();
        let years = p.not_after.as_second() - p.not_before.as_second();
        assert!((1826 * 86_400..=1827 * 86_400).contains(&years));
    }

    #[test]
    fn from_der_rejects_garbage_and_trailing_bytes() {
        assert!(Certificate::from_der(vec![1, 2, 3]).is_err());
        let mut der = ec_ca().certificate.der().to_vec();
        der.push(0);
        assert!(Certificate::from_der(der).is_err());
    }
}
