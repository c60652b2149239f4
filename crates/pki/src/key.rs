//! Private keys: generation (RSA 1024–8192, ECDSA P-256/P-384), PKCS#8 form, PEM output and
//! input (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1, traditional OpenSSL encryption), and the
//! signing primitive the certificate and CSR builders use.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, EcPrivateKeyRfc5915Der, PublicKeyX509Der};
use aws_lc_rs::signature::{self as lc_sig, EcdsaKeyPair, KeyPair as _};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt as _, BlockModeEncrypt as _, KeyIvInit as _};
use md5::Digest as _;
use zeroize::Zeroizing;

use crate::asn1::{self, tag};
use crate::oids;
use crate::pem;
use crate::{Error, Result};

/// The algorithm and size of a key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA with the given modulus size in bits (1024..=8192), e = 65537.
    Rsa {
        /// Modulus size in bits.
        bits: u32,
    },
    /// ECDSA on NIST P-256.
    EcP256,
    /// ECDSA on NIST P-384.
    EcP384,
}

impl KeyAlgorithm {
    /// Human form used in verbose output: `RSA 2048`, `EC P-256`.
    pub fn description(self) -> String {
        match self {
            KeyAlgorithm::Rsa { bits } => format!("RSA {bits}"),
            KeyAlgorithm::EcP256 => "EC P-256".to_string(),
            KeyAlgorithm::EcP384 => "EC P-384".to_string(),
        }
    }

    /// The key size in bits (modulus for RSA, field size for EC).
    pub fn bits(self) -> u32 {
        match self {
            KeyAlgorithm::Rsa { bits } => bits,
            KeyAlgorithm::EcP256 => 256,
            KeyAlgorithm::EcP384 => 384,
        }
    }

    /// The signature algorithm name this key signs with, as Java names it
    /// (`SHA256withRSA`, `SHA256withECDSA`, `SHA384withECDSA`).
    pub fn signature_algorithm_name(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa { .. } => "SHA256withRSA",
            KeyAlgorithm::EcP256 => "SHA256withECDSA",
            KeyAlgorithm::EcP384 => "SHA384withECDSA",
        }
    }

    fn ec_signing(self) -> Option<&'static lc_sig::EcdsaSigningAlgorithm> {
        match self {
            KeyAlgorithm::EcP256 => Some(&lc_sig::ECDSA_P256_SHA256_ASN1_SIGNING),
            KeyAlgorithm::EcP384 => Some(&lc_sig::ECDSA_P384_SHA384_ASN1_SIGNING),
            KeyAlgorithm::Rsa { .. } => None,
        }
    }
}

/// The smallest and largest RSA modulus accepted (Elasticsearch's `--keysize` range).
const RSA_BITS: std::ops::RangeInclusive<u32> = 1024..=8192;

/// A private key. Holds PKCS#8 DER, zeroed on drop; `Debug` never shows it.
pub struct PrivateKey {
    pkcs8_der: zeroize::Zeroizing<Vec<u8>>,
    algorithm: KeyAlgorithm,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl Clone for PrivateKey {
    fn clone(&self) -> Self {
        Self {
            pkcs8_der: self.pkcs8_der.clone(),
            algorithm: self.algorithm,
        }
    }
}

fn crypto(what: &str) -> impl FnOnce(aws_lc_rs::error::Unspecified) -> Error + '_ {
    move |_| Error::Crypto(what.to_string())
}

fn bad_key(reason: impl Into<String>) -> Error {
    Error::Decode {
        what: "private key",
        reason: reason.into(),
    }
}

impl PrivateKey {
    /// Generates a new key pair. RSA sizes outside 1024..=8192 are an error.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self> {
        let der = match algorithm {
            KeyAlgorithm::Rsa { bits } => generate_rsa(bits)?,
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 => {
                let alg = algorithm
                    .ec_signing()
                    .ok_or_else(|| Error::UnsupportedKey(algorithm.description()))?;
                let pair = EcdsaKeyPair::generate(alg).map_err(crypto("EC key generation"))?;
                Zeroizing::new(
                    pair.to_pkcs8v1()
                        .map_err(crypto("EC key encoding"))?
                        .as_ref()
                        .to_vec(),
                )
            }
        };
        Ok(Self {
            pkcs8_der: der,
            algorithm,
        })
    }

    /// Reads a private key from PEM: PKCS#8 (`PRIVATE KEY`), encrypted PKCS#8
    /// (`ENCRYPTED PRIVATE KEY`, PBES2), PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`),
    /// and traditional OpenSSL encryption (`Proc-Type: 4,ENCRYPTED` + `DEK-Info`).
    /// An encrypted key without `password` is [`crate::Error::PasswordRequired`].
    pub fn from_pem(pem: &str, password: Option<&str>) -> Result<Self> {
        let block = pem::parse_blocks(pem)
            .into_iter()
            .find(|b| pem::KEY_LABELS.contains(&b.label.as_str()))
            .ok_or_else(|| bad_key("no PEM private key block found"))?;
        let der = Zeroizing::new(block.decode("private key")?);
        match block.label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "ENCRYPTED PRIVATE KEY" => {
                let password = password.ok_or(Error::PasswordRequired)?;
                let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
                    .map_err(|e| bad_key(format!("invalid ENCRYPTED PRIVATE KEY: {e}")))?;
                let plain = info
                    .decrypt(password.as_bytes())
                    .map_err(|_| Error::WrongPassword)?;
                Self::from_pkcs8_der(plain.as_bytes()).map_err(|_| Error::WrongPassword)
            }
            label => {
                let encrypted = block
                    .header("Proc-Type")
                    .is_some_and(|v| v.replace(' ', "").eq_ignore_ascii_case("4,ENCRYPTED"));
                let traditional = if encrypted {
                    let password = password.ok_or(Error::PasswordRequired)?;
                    let dek = block
                        .header("DEK-Info")
                        .ok_or_else(|| bad_key("encrypted PEM without DEK-Info header"))?;
                    let plain = decrypt_traditional(&der, dek, password)?;
                    // A wrong password yields valid padding about 1 time in 256; the inner
                    // structure then fails to parse, which is still a wrong password.
                    return Self::from_traditional_der(label, &plain)
                        .map_err(|_| Error::WrongPassword);
                } else {
                    der
                };
                Self::from_traditional_der(label, &traditional)
            }
        }
    }

    fn from_traditional_der(label: &str, der: &[u8]) -> Result<Self> {
        match label {
            "RSA PRIVATE KEY" => {
                rsa_modulus_bits(der)?;
                let pkcs8 = wrap_pkcs8_rsa(der);
                Self::from_pkcs8_der(&pkcs8)
            }
            _ => {
                let sec1_curve = sec1_curve(der)?;
                let candidates: &[KeyAlgorithm] = match sec1_curve {
                    Some(alg) => &[alg][..],
                    None => &[KeyAlgorithm::EcP256, KeyAlgorithm::EcP384][..],
                };
                for candidate in candidates {
                    let Some(alg) = candidate.ec_signing() else {
                        continue;
                    };
                    if let Ok(pair) = EcdsaKeyPair::from_private_key_der(alg, der) {
                        let pkcs8 = pair.to_pkcs8v1().map_err(crypto("EC key encoding"))?;
                        return Self::from_pkcs8_der(pkcs8.as_ref());
                    }
                }
                Err(bad_key("invalid or unsupported EC PRIVATE KEY"))
            }
        }
    }

    /// Wraps PKCS#8 DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let (algorithm_oid, params, private_key) = parse_pkcs8(der)?;
        let algorithm = if algorithm_oid == oids::RSA_ENCRYPTION {
            let bits = rsa_modulus_bits(private_key)?;
            KeyAlgorithm::Rsa { bits }
        } else if algorithm_oid == oids::EC_PUBLIC_KEY {
            let curve = match params {
                Some((tag::OID, curve)) => curve,
                _ => return Err(bad_key("EC key without a named curve")),
            };
            let algorithm = ec_algorithm_for_curve(curve).ok_or_else(|| {
                Error::UnsupportedKey("only the P-256 and P-384 curves are supported".to_string())
            })?;
            // Checks the key is on the curve, and catches truncated input early.
            let alg = algorithm
                .ec_signing()
                .ok_or_else(|| Error::UnsupportedKey(algorithm.description()))?;
            EcdsaKeyPair::from_pkcs8(alg, der)
                .map_err(|e| bad_key(format!("invalid EC key: {e}")))?;
            algorithm
        } else {
            return Err(Error::UnsupportedKey(
                "only RSA and EC (P-256, P-384) keys are supported".to_string(),
            ));
        };
        Ok(Self {
            pkcs8_der: Zeroizing::new(der.to_vec()),
            algorithm,
        })
    }

    /// Whether a PEM private key text is encrypted (either form).
    pub fn pem_is_encrypted(pem: &str) -> bool {
        pem.contains("ENCRYPTED")
    }

    /// The PKCS#8 `PrivateKeyInfo` DER.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8_der
    }

    /// The key's algorithm and size.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The key in the form rustls takes (PKCS#8).
    pub fn to_rustls(&self) -> rustls_pki_types::PrivateKeyDer<'static> {
        rustls_pki_types::PrivateKeyDer::Pkcs8(rustls_pki_types::PrivatePkcs8KeyDer::from(
            self.pkcs8_der.to_vec(),
        ))
    }

    /// The DER `SubjectPublicKeyInfo` of the public half.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        match self.algorithm {
            KeyAlgorithm::Rsa { .. } => {
                let (_, _, pkcs1) = parse_pkcs8(&self.pkcs8_der)?;
                let (modulus, exponent) = rsa_public_parts(pkcs1)?;
                let rsa_public_key = asn1::sequence(&[
                    &asn1::unsigned_integer(modulus),
                    &asn1::unsigned_integer(exponent),
                ]);
                Ok(asn1::sequence(&[
                    &asn1::sequence(&[&asn1::oid(oids::RSA_ENCRYPTION_DOTTED), &asn1::null()]),
                    &asn1::bit_string(&rsa_public_key),
                ]))
            }
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 => {
                let pair = self.ec_key_pair()?;
                let spki: PublicKeyX509Der<'static> = pair
                    .public_key()
                    .as_der()
                    .map_err(crypto("EC public key encoding"))?;
                Ok(spki.as_ref().to_vec())
            }
        }
    }

    fn ec_key_pair(&self) -> Result<EcdsaKeyPair> {
        let alg = self
            .algorithm
            .ec_signing()
            .ok_or_else(|| Error::UnsupportedKey(self.algorithm.description()))?;
        EcdsaKeyPair::from_pkcs8(alg, &self.pkcs8_der)
            .map_err(|e| Error::Crypto(format!("cannot load EC key: {e}")))
    }

    /// PEM in the form Elasticsearch's certutil writes: RSA keys as PKCS#1 `RSA PRIVATE KEY`,
    /// EC keys as SEC1 `EC PRIVATE KEY`. With a non-empty `password`, traditional OpenSSL
    /// encryption (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: AES-128-CBC,<iv>`, key from
    /// EVP_BytesToKey/MD5), which OpenSSL, Python and Elasticsearch all read.
    pub fn to_pem(&self, password: Option<&str>) -> Result<String> {
        let (label, der) = match self.algorithm {
            KeyAlgorithm::Rsa { .. } => {
                let (_, _, pkcs1) = parse_pkcs8(&self.pkcs8_der)?;
                ("RSA PRIVATE KEY", Zeroizing::new(pkcs1.to_vec()))
            }
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 => {
                let pair = self.ec_key_pair()?;
                let sec1: EcPrivateKeyRfc5915Der<'static> = pair
                    .private_key()
                    .as_der()
                    .map_err(crypto("EC key encoding"))?;
                ("EC PRIVATE KEY", Zeroizing::new(sec1.as_ref().to_vec()))
            }
        };
        match password {
            Some(password) if !password.is_empty() => {
                let iv: [u8; 16] = rand::random();
                let key = evp_bytes_to_key(password.as_bytes(), &iv[..8], 16);
                let encrypted = cbc::Encryptor::<aes::Aes128>::new_from_slices(&key, &iv)
                    .map_err(|_| Error::Crypto("AES key setup".to_string()))?
                    .encrypt_padded_vec::<Pkcs7>(&der);
                let dek_info = format!("AES-128-CBC,{}", hex::encode_upper(iv));
                Ok(pem::encode(
                    label,
                    &[("Proc-Type", "4,ENCRYPTED"), ("DEK-Info", &dek_info)],
                    &encrypted,
                ))
            }
            _ => Ok(pem::encode(label, &[], &der)),
        }
    }

    /// Unencrypted PKCS#8 PEM (`PRIVATE KEY`).
    pub fn to_pkcs8_pem(&self) -> String {
        pem::encode("PRIVATE KEY", &[], &self.pkcs8_der)
    }

    /// Signs `message`, returning the DER `AlgorithmIdentifier` of the signature and the
    /// signature: SHA256withRSA for RSA, ECDSA with SHA-256 (P-256) or SHA-384 (P-384).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        match self.algorithm {
            KeyAlgorithm::Rsa { .. } => {
                let alg_id =
                    asn1::sequence(&[&asn1::oid(oids::SHA256_WITH_RSA_DOTTED), &asn1::null()]);
                Ok((alg_id, self.sign_rsa_sha256(message)?))
            }
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 => {
                let dotted = if self.algorithm == KeyAlgorithm::EcP256 {
                    oids::ECDSA_WITH_SHA256_DOTTED
                } else {
                    oids::ECDSA_WITH_SHA384_DOTTED
                };
                let pair = self.ec_key_pair()?;
                let signature = pair
                    .sign(&aws_lc_rs::rand::SystemRandom::new(), message)
                    .map_err(crypto("ECDSA signing"))?;
                Ok((
                    asn1::sequence(&[&asn1::oid(dotted)]),
                    signature.as_ref().to_vec(),
                ))
            }
        }
    }

    fn sign_rsa_sha256(&self, message: &[u8]) -> Result<Vec<u8>> {
        // aws-lc refuses keys under 2048 bits (and over 8192), so those go through the
        // pure-Rust implementation, which blinds the private-key operation.
        if let Ok(pair) = aws_lc_rs::rsa::KeyPair::from_pkcs8(&self.pkcs8_der) {
            let mut signature = vec![0u8; pair.public_modulus_len()];
            pair.sign(
                &lc_sig::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(crypto("RSA signing"))?;
            return Ok(signature);
        }
        use rsa::pkcs8::DecodePrivateKey as _;
        let key = rsa::PrivateKey::from_pkcs8_der(&self.pkcs8_der)
            .map_err(|e| Error::Crypto(format!("cannot load RSA key: {e}")))?;
        let digest = sha2::Sha256::digest(message);
        key.sign_with_rng(
            &mut rand::rng(),
            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            &digest,
        )
        .map_err(|e| Error::Crypto(format!("RSA signing failed: {e}")))
    }
}

fn generate_rsa(bits: u32) -> Result<Zeroizing<Vec<u8>>> {
    if !RSA_BITS.contains(&bits) {
        return Err(Error::UnsupportedKey(format!(
            "RSA key size must be between {} and {} bits, got {bits}",
            RSA_BITS.start(),
            RSA_BITS.end()
        )));
    }
    let lc_size = match bits {
        2048 => Some(aws_lc_rs::rsa::KeySize::Rsa2048),
        3072 => Some(aws_lc_rs::rsa::KeySize::Rsa3072),
        4096 => Some(aws_lc_rs::rsa::KeySize::Rsa4096),
        8192 => Some(aws_lc_rs::rsa::KeySize::Rsa8192),
        _ => None,
    };
    if let Some(size) = lc_size {
        let pair = aws_lc_rs::rsa::KeyPair::generate(size).map_err(crypto("RSA key generation"))?;
        let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> =
            pair.as_der().map_err(crypto("RSA key encoding"))?;
        return Ok(Zeroizing::new(der.as_ref().to_vec()));
    }
    use rsa::pkcs8::EncodePrivateKey as _;
    let key = rsa::PrivateKey::new(&mut rand::rng(), bits as usize)
        .map_err(|e| Error::Crypto(format!("RSA key generation failed: {e}")))?;
    let doc = key
        .to_pkcs8_der()
        .map_err(|e| Error::Crypto(format!("RSA key encoding failed: {e}")))?;
    Ok(Zeroizing::new(doc.as_bytes().to_vec()))
}

/// `(algorithm OID content, parameters (tag, content), privateKey content)` of a PKCS#8
/// `PrivateKeyInfo`.
type Pkcs8Parts<'a> = (&'a [u8], Option<(u8, &'a [u8])>, &'a [u8]);

fn parse_pkcs8(der: &[u8]) -> Result<Pkcs8Parts<'_>> {
    let invalid = || bad_key("not a PKCS#8 PrivateKeyInfo");
    let (t, content, rest) = asn1::read_tlv(der).ok_or_else(invalid)?;
    if t != tag::SEQUENCE || !rest.is_empty() {
        return Err(invalid());
    }
    let elements = asn1::read_elements(content).ok_or_else(invalid)?;
    match elements.as_slice() {
        [
            (tag::INTEGER, _),
            (tag::SEQUENCE, alg),
            (tag::OCTET_STRING, key),
            ..,
        ] => {
            let alg = asn1::read_elements(alg).ok_or_else(invalid)?;
            match alg.as_slice() {
                [(tag::OID, oid)] => Ok((oid, None, key)),
                [(tag::OID, oid), params] => Ok((oid, Some(*params), key)),
                _ => Err(invalid()),
            }
        }
        _ => Err(invalid()),
    }
}

/// Modulus and public exponent (big-endian magnitudes) of a PKCS#1 `RSAPrivateKey`.
fn rsa_public_parts(pkcs1: &[u8]) -> Result<(&[u8], &[u8])> {
    let invalid = || bad_key("not a PKCS#1 RSAPrivateKey");
    let (t, content, _) = asn1::read_tlv(pkcs1).ok_or_else(invalid)?;
    if t != tag::SEQUENCE {
        return Err(invalid());
    }
    let elements = asn1::read_elements(content).ok_or_else(invalid)?;
    match elements.as_slice() {
        [
            (tag::INTEGER, _),
            (tag::INTEGER, n),
            (tag::INTEGER, e),
            (tag::INTEGER, _),
            ..,
        ] => Ok((n, e)),
        _ => Err(invalid()),
    }
}

fn rsa_modulus_bits(pkcs1: &[u8]) -> Result<u32> {
    let (modulus, _) = rsa_public_parts(pkcs1)?;
    let skip = modulus.iter().take_while(|b| **b == 0).count();
    let magnitude = &modulus[skip..];
    let Some(first) = magnitude.first() else {
        return Err(bad_key("RSA modulus is zero"));
    };
    let bits = magnitude.len() as u64 * 8 - u64::from(first.leading_zeros());
    u32::try_from(bits).map_err(|_| bad_key("RSA modulus too large"))
}

fn wrap_pkcs8_rsa(pkcs1: &[u8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(asn1::sequence(&[
        &asn1::small_integer(0),
        &asn1::sequence(&[&asn1::oid(oids::RSA_ENCRYPTION_DOTTED), &asn1::null()]),
        &asn1::octet_string(pkcs1),
    ]))
}

fn ec_algorithm_for_curve(curve_oid: &[u8]) -> Option<KeyAlgorithm> {
    if curve_oid == oids::P256 {
        Some(KeyAlgorithm::EcP256)
    } else if curve_oid == oids::P384 {
        Some(KeyAlgorithm::EcP384)
    } else {
        None
    }
}

/// The named curve of a SEC1 `ECPrivateKey`, if its optional parameters are present.
fn sec1_curve(der: &[u8]) -> Result<Option<KeyAlgorithm>> {
    let invalid = || bad_key("not a SEC1 ECPrivateKey");
    let (t, content, _) = asn1::read_tlv(der).ok_or_else(invalid)?;
    if t != tag::SEQUENCE {
        return Err(invalid());
    }
    let elements = asn1::read_elements(content).ok_or_else(invalid)?;
    for (t, value) in elements {
        if t == 0xa0 {
            return match asn1::read_tlv(value) {
                Some((tag::OID, curve, _)) => {
                    ec_algorithm_for_curve(curve).map(Some).ok_or_else(|| {
                        Error::UnsupportedKey(
                            "only the P-256 and P-384 curves are supported".to_string(),
                        )
                    })
                }
                _ => Err(invalid()),
            };
        }
    }
    Ok(None)
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one iteration, as traditional PEM encryption uses.
fn evp_bytes_to_key(password: &[u8], salt: &[u8], key_len: usize) -> Zeroizing<Vec<u8>> {
    let mut key = Zeroizing::new(Vec::with_capacity(key_len + 16));
    let mut previous: Vec<u8> = Vec::new();
    while key.len() < key_len {
        let mut hasher = md5::Md5::new();
        hasher.update(&previous);
        hasher.update(password);
        hasher.update(salt);
        previous = hasher.finalize().to_vec();
        key.extend_from_slice(&previous);
    }
    key.truncate(key_len);
    key
}

fn decrypt_traditional(der: &[u8], dek_info: &str, password: &str) -> Result<Zeroizing<Vec<u8>>> {
    let (cipher, iv_hex) = dek_info
        .split_once(',')
        .ok_or_else(|| bad_key("malformed DEK-Info header"))?;
    let iv = hex::decode(iv_hex.trim()).map_err(|_| bad_key("malformed DEK-Info IV"))?;
    if iv.len() != 16 {
        return Err(bad_key("DEK-Info IV must be 16 bytes for AES"));
    }
    let key_len = match cipher.trim().to_ascii_uppercase().as_str() {
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        other => {
            return Err(Error::UnsupportedKey(format!(
                "PEM encryption {other} is not supported (use AES-128-CBC, AES-192-CBC or AES-256-CBC)"
            )));
        }
    };
    let key = evp_bytes_to_key(password.as_bytes(), &iv[..8], key_len);
    let wrong = |_| Error::WrongPassword;
    let plain = match key_len {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(|_| Error::Crypto("AES key setup".to_string()))?
            .decrypt_padded_vec::<Pkcs7>(der)
            .map_err(wrong)?,
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(|_| Error::Crypto("AES key setup".to_string()))?
            .decrypt_padded_vec::<Pkcs7>(der)
            .map_err(wrong)?,
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(|_| Error::Crypto("AES key setup".to_string()))?
            .decrypt_padded_vec::<Pkcs7>(der)
            .map_err(wrong)?,
    };
    Ok(Zeroizing::new(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_keys_generate_and_round_trip_through_pem() {
        for alg in [KeyAlgorithm::EcP256, KeyAlgorithm::EcP384] {
            let key = PrivateKey::generate(alg).unwrap();
            assert_eq!(key.algorithm(), alg);
            let pem = key.to_pem(None).unwrap();
            assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
            let back = PrivateKey::from_pem(&pem, None).unwrap();
            assert_eq!(back.algorithm(), alg);
            assert_eq!(
                back.public_key_der().unwrap(),
                key.public_key_der().unwrap()
            );
            let pkcs8 = PrivateKey::from_pem(&key.to_pkcs8_pem(), None).unwrap();
            assert_eq!(pkcs8.pkcs8_der(), key.pkcs8_der());
        }
    }

    #[test]
    fn rsa_keys_generate_at_every_supported_kind_of_size() {
        // 1024 comes from the rsa crate, 2048 from aws-lc; both must sign.
        for bits in [1024, 2048] {
            let key = PrivateKey::generate(KeyAlgorithm::Rsa { bits }).unwrap();
            assert_eq!(key.algorithm(), KeyAlgorithm::Rsa { bits });
            let pem = key.to_pem(None).unwrap();
            assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
            let back = PrivateKey::from_pem(&pem, None).unwrap();
            assert_eq!(back.pkcs8_der(), key.pkcs8_der());
            let (_, signature) = key.sign(b"message").unwrap();
            assert_eq!(signature.len(), bits as usize / 8);
        }
    }

    /// One size per generator (the rsa crate below 2048 bits, aws-lc's fixed sizes) is
    /// generated and signs a certificate in every test run. The largest sizes take seconds
    /// each in a debug build; the size arithmetic they would add is covered for every size
    /// by the property below, without generating keys.
    #[test]
    fn rsa_keys_of_representative_sizes_generate_and_sign_certificates() {
        for bits in [1024, 2048, 3072, 4096] {
            let key = PrivateKey::generate(KeyAlgorithm::Rsa { bits }).unwrap();
            assert_eq!(key.algorithm(), KeyAlgorithm::Rsa { bits });
            let spec = crate::cert::tests::spec("CN=rsa", true);
            let cert = crate::self_signed(&spec, &key).unwrap();
            assert!(cert.is_signed_by(&cert).unwrap(), "{bits}");
            assert_eq!(
                cert.public_key_algorithm().unwrap(),
                Some(KeyAlgorithm::Rsa { bits })
            );
        }
    }

    /// A PKCS#1 `RSAPrivateKey` whose modulus has exactly `bits` bits (the other numbers are
    /// placeholders: only the size is read from it).
    fn rsa_key_with_modulus_bits(bits: u32, seed: u8) -> PrivateKey {
        let len = bits.div_ceil(8) as usize;
        let mut modulus: Vec<u8> = (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect();
        let top = (bits - 1) % 8;
        modulus[0] = (modulus[0] & ((1u8 << top) - 1)) | (1u8 << top);
        modulus[len - 1] |= 1;
        let one = asn1::small_integer(1);
        let pkcs1 = asn1::sequence(&[
            &asn1::small_integer(0),
            &asn1::unsigned_integer(&modulus),
            &asn1::small_integer(65537),
            &one,
            &one,
            &one,
            &one,
            &one,
            &one,
        ]);
        PrivateKey::from_pkcs8_der(&wrap_pkcs8_rsa(&pkcs1)).unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Every accepted size (1024..=8192), as read from a key and from a certificate for it.
        #[test]
        fn rsa_sizes_are_read_back_exactly_from_keys_and_certificates(
            bits in RSA_BITS,
            seed in proptest::prelude::any::<u8>(),
        ) {
            let key = rsa_key_with_modulus_bits(bits, seed);
            proptest::prop_assert_eq!(key.algorithm(), KeyAlgorithm::Rsa { bits });
            let ca = crate::cert::tests::ec_ca();
            let cert = ca.sign(&crate::cert::tests::spec("CN=rsa", false), &key).unwrap();
            proptest::prop_assert_eq!(
                cert.public_key_algorithm().unwrap(),
                Some(KeyAlgorithm::Rsa { bits })
            );
        }
    }

    #[test]
    fn rsa_sizes_outside_the_range_are_refused() {
        for bits in [512, 1023, 8193, 16384] {
            assert!(matches!(
                PrivateKey::generate(KeyAlgorithm::Rsa { bits }),
                Err(Error::UnsupportedKey(_))
            ));
        }
    }

    #[test]
    fn traditional_encryption_round_trips_and_detects_wrong_passwords() {
        let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        let pem = key.to_pem(Some("s3cret")).unwrap();
        assert!(pem.contains("Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"));
        assert!(PrivateKey::pem_is_encrypted(&pem));
        assert!(matches!(
            PrivateKey::from_pem(&pem, None),
            Err(Error::PasswordRequired)
        ));
        assert!(matches!(
            PrivateKey::from_pem(&pem, Some("wrong")),
            Err(Error::WrongPassword)
        ));
        let back = PrivateKey::from_pem(&pem, Some("s3cret")).unwrap();
        assert_eq!(back.pkcs8_der(), key.pkcs8_der());
        // An empty password means "not encrypted".
        assert!(!key.to_pem(Some("")).unwrap().contains("ENCRYPTED"));
    }

    #[test]
    fn evp_bytes_to_key_matches_openssl() {
        // `openssl enc -aes-256-cbc -P -md md5 -pass pass:password -S 0001020304050607`
        // (OpenSSL 3.0) prints this key; its first 16 bytes are the AES-128 key.
        let expected = "B03096345E805D3AA4392D2E72791DFB13E12D3F61094A3FC347ACE86B99ADA6";
        let key = evp_bytes_to_key(b"password", &[0, 1, 2, 3, 4, 5, 6, 7], 32);
        assert_eq!(hex::encode_upper(key.as_slice()), expected);
        let short = evp_bytes_to_key(b"password", &[0, 1, 2, 3, 4, 5, 6, 7], 16);
        assert_eq!(hex::encode_upper(short.as_slice()), expected[..32]);
    }

    #[test]
    fn garbage_is_a_decode_error_not_a_panic() {
        assert!(matches!(
            PrivateKey::from_pem("hello", None),
            Err(Error::Decode { .. })
        ));
        assert!(PrivateKey::from_pkcs8_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        assert!(PrivateKey::from_pkcs8_der(&[]).is_err());
        let bad = pem::encode("EC PRIVATE KEY", &[], &[0x30, 0]);
        assert!(PrivateKey::from_pem(&bad, None).is_err());
    }

    proptest::proptest! {
        #[test]
        fn random_key_bodies_are_errors_not_panics(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            label in proptest::sample::select(pem::KEY_LABELS.to_vec()),
        ) {
            let text = pem::encode(label, &[], &body);
            proptest::prop_assert!(PrivateKey::from_pem(&text, Some("pw")).is_err());
            proptest::prop_assert!(PrivateKey::from_pkcs8_der(&body).is_err());
            proptest::prop_assert!(crate::Certificate::from_der(body.clone()).is_err());
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        let debug = format!("{key:?}");
        assert!(debug.contains("redacted"));
        assert!(!debug.contains(&hex::encode(&key.pkcs8_der()[..8])));
    }
}
