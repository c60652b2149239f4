//! PKCS#12 stores as the JDK writes them (PBES2 AES-256-CBC + HMAC-SHA256 MAC, 10000
//! iterations, Java's trusted-certificate attribute), and reading any common PKCS#12:
//! ours, OpenSSL 3 (`-export`, also `-legacy` RC2/3DES + SHA-1 MAC) and keytool's.
//!
//! Writing is done here (DER by hand) because the bag attributes matter: the key bag and its
//! leaf certificate must share `localKeyId` and `friendlyName` = alias, which is how keytool
//! and Elasticsearch pair them. Reading uses `p12-keystore`'s archive view, which keeps every
//! bag with its attributes so the pairing and trust rules below can be applied.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeEncrypt as _, KeyIvInit as _};
use hmac::{KeyInit as _, Mac as _};
use sha1::Digest as _;
use zeroize::Zeroizing;

use crate::asn1;
use crate::{Certificate, Error, PrivateKey, Result};

/// Iterations for PBKDF2 and the MAC key derivation: the JDK 17 default.
const ITERATIONS: u32 = 10_000;
/// Salt length the JDK uses.
const SALT_LEN: usize = 20;

const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const OID_SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const OID_CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const OID_X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";
const OID_FRIENDLY_NAME: &str = "1.2.840.113549.1.9.20";
const OID_LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";
/// Oracle's "trusted certificate" attribute; its value is anyExtendedKeyUsage.
const OID_JAVA_TRUSTED: &str = "2.16.840.1.113894.746875.1.1";
const OID_ANY_EXTENDED_KEY_USAGE: &str = "2.5.29.37.0";
const OID_PBES2: &str = "1.2.840.113549.1.5.13";
const OID_PBKDF2: &str = "1.2.840.113549.1.5.12";
const OID_HMAC_SHA256: &str = "1.2.840.113549.2.9";
const OID_AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";

/// One entry of a PKCS#12 store.
#[derive(Debug)]
pub enum Pkcs12Entry {
    /// A private key with its chain (leaf first). keytool lists it as `PrivateKeyEntry`.
    PrivateKey {
        /// Alias (friendlyName), e.g. `http`, `ca`, `instance`.
        alias: String,
        /// The private key.
        key: PrivateKey,
        /// Certificate chain, leaf first.
        chain: Vec<Certificate>,
    },
    /// A trusted certificate. keytool lists it as `trustedCertEntry`.
    TrustedCertificate {
        /// Alias, e.g. `ca`, `http_ca`.
        alias: String,
        /// The certificate.
        certificate: Certificate,
    },
}

/// A decoded PKCS#12 store.
#[derive(Debug, Default)]
pub struct Pkcs12Store {
    /// Entries in file order.
    pub entries: Vec<Pkcs12Entry>,
}

impl Pkcs12Store {
    /// The private-key entries.
    pub fn private_keys(&self) -> impl Iterator<Item = (&str, &PrivateKey, &[Certificate])> {
        self.entries.iter().filter_map(|e| match e {
            Pkcs12Entry::PrivateKey { alias, key, chain } => {
                Some((alias.as_str(), key, chain.as_slice()))
            }
            Pkcs12Entry::TrustedCertificate { .. } => None,
        })
    }
    /// Every certificate that is a trusted entry.
    pub fn trusted_certificates(&self) -> impl Iterator<Item = (&str, &Certificate)> {
        self.entries.iter().filter_map(|e| match e {
            Pkcs12Entry::TrustedCertificate { alias, certificate } => {
                Some((alias.as_str(), certificate))
            }
            Pkcs12Entry::PrivateKey { .. } => None,
        })
    }
}

/// Encodes a store protected by `password` (may be empty, must be ASCII). One password for
/// the MAC, the certificates and the keys, as Elasticsearch expects.
pub fn write_pkcs12(entries: &[Pkcs12Entry], password: &str) -> Result<Vec<u8>> {
    if !password.is_ascii() {
        return Err(Error::NonAsciiPassword);
    }
    let pbes2 = Pbes2Key::derive(password);
    let mut key_bags: Vec<Vec<u8>> = Vec::new();
    let mut cert_bags: Vec<Vec<u8>> = Vec::new();
    for entry in entries {
        match entry {
            Pkcs12Entry::PrivateKey { alias, key, chain } => {
                let local_key_id = match chain.first() {
                    Some(leaf) => sha1::Sha1::digest(leaf.der()).to_vec(),
                    None => sha1::Sha1::digest(key.public_key_der()?).to_vec(),
                };
                let attributes = [
                    attribute(OID_FRIENDLY_NAME, &asn1::bmp_string(alias)),
                    attribute(OID_LOCAL_KEY_ID, &asn1::octet_string(&local_key_id)),
                ];
                let (alg_id, ciphertext) = pbes2.encrypt(key.pkcs8_der())?;
                let encrypted_key = asn1::sequence(&[&alg_id, &asn1::octet_string(&ciphertext)]);
                key_bags.push(safe_bag(OID_SHROUDED_KEY_BAG, &encrypted_key, &attributes));
                for (i, certificate) in chain.iter().enumerate() {
                    // Only the leaf carries the pairing attributes; the rest of the chain is
                    // found by issuer name, as the JDK writes it.
                    let leaf_attributes: &[Vec<u8>] = if i == 0 { &attributes } else { &[] };
                    cert_bags.push(cert_bag(certificate, leaf_attributes));
                }
            }
            Pkcs12Entry::TrustedCertificate { alias, certificate } => {
                let attributes = [
                    attribute(OID_FRIENDLY_NAME, &asn1::bmp_string(alias)),
                    attribute(OID_JAVA_TRUSTED, &asn1::oid(OID_ANY_EXTENDED_KEY_USAGE)),
                ];
                cert_bags.push(cert_bag(certificate, &attributes));
            }
        }
    }

    let mut safes: Vec<Vec<u8>> = Vec::new();
    if !key_bags.is_empty() {
        let parts: Vec<&[u8]> = key_bags.iter().map(Vec::as_slice).collect();
        let safe_contents = asn1::sequence(&parts);
        safes.push(asn1::sequence(&[
            &asn1::oid(OID_DATA),
            &asn1::context_constructed(0, &asn1::octet_string(&safe_contents)),
        ]));
    }
    if !cert_bags.is_empty() {
        let parts: Vec<&[u8]> = cert_bags.iter().map(Vec::as_slice).collect();
        let safe_contents = asn1::sequence(&parts);
        let (alg_id, ciphertext) = pbes2.encrypt(&safe_contents)?;
        let encrypted_data = asn1::sequence(&[
            &asn1::small_integer(0),
            &asn1::sequence(&[
                &asn1::oid(OID_DATA),
                &alg_id,
                &asn1::context_primitive(0, &ciphertext),
            ]),
        ]);
        safes.push(asn1::sequence(&[
            &asn1::oid(OID_ENCRYPTED_DATA),
            &asn1::context_constructed(0, &encrypted_data),
        ]));
    }
    let safe_parts: Vec<&[u8]> = safes.iter().map(Vec::as_slice).collect();
    let authenticated_safe = asn1::sequence(&safe_parts);

    let mac_salt: [u8; SALT_LEN] = rand::random();
    let mac_key = pkcs12_kdf_sha256(password, &mac_salt, 3, ITERATIONS, 32);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&mac_key)
        .map_err(|_| Error::Crypto("HMAC key setup".to_string()))?;
    mac.update(&authenticated_safe);
    let digest = mac.finalize().into_bytes();
    let mac_data = asn1::sequence(&[
        &asn1::sequence(&[
            &asn1::sequence(&[&asn1::oid(OID_SHA256), &asn1::null()]),
            &asn1::octet_string(&digest),
        ]),
        &asn1::octet_string(&mac_salt),
        &asn1::small_integer(u64::from(ITERATIONS)),
    ]);

    Ok(asn1::sequence(&[
        &asn1::small_integer(3),
        &asn1::sequence(&[
            &asn1::oid(OID_DATA),
            &asn1::context_constructed(0, &asn1::octet_string(&authenticated_safe)),
        ]),
        &mac_data,
    ]))
}

fn attribute(oid: &str, value: &[u8]) -> Vec<u8> {
    asn1::sequence(&[&asn1::oid(oid), &asn1::set_of(&[value])])
}

fn safe_bag(bag_oid: &str, value: &[u8], attributes: &[Vec<u8>]) -> Vec<u8> {
    let oid = asn1::oid(bag_oid);
    let value = asn1::context_constructed(0, value);
    if attributes.is_empty() {
        asn1::sequence(&[&oid, &value])
    } else {
        let parts: Vec<&[u8]> = attributes.iter().map(Vec::as_slice).collect();
        asn1::sequence(&[&oid, &value, &asn1::set_of(&parts)])
    }
}

fn cert_bag(certificate: &Certificate, attributes: &[Vec<u8>]) -> Vec<u8> {
    let value = asn1::sequence(&[
        &asn1::oid(OID_X509_CERTIFICATE),
        &asn1::context_constructed(0, &asn1::octet_string(certificate.der())),
    ]);
    safe_bag(OID_CERT_BAG, &value, attributes)
}

/// The PBES2 key of one store: PBKDF2-HMAC-SHA256 over the password with one fresh salt.
///
/// The JDK draws a salt per encrypted bag; every reader takes the salt each
/// AlgorithmIdentifier names, so one salt per store reads the same everywhere while the
/// 10,000-iteration derivation (most of the cost of writing a store) runs once instead of
/// once per bag. Each encryption still gets its own random IV.
struct Pbes2Key {
    salt: [u8; SALT_LEN],
    key: Zeroizing<[u8; 32]>,
}

impl Pbes2Key {
    fn derive(password: &str) -> Self {
        let salt: [u8; SALT_LEN] = rand::random();
        let mut key = Zeroizing::new([0u8; 32]);
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), &salt, ITERATIONS, key.as_mut());
        Self { salt, key }
    }

    /// AES-256-CBC with a fresh IV: the PBES2 AlgorithmIdentifier and the ciphertext.
    fn encrypt(&self, plaintext: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        let iv: [u8; 16] = rand::random();
        let ciphertext = cbc::Encryptor::<aes::Aes256>::new_from_slices(self.key.as_ref(), &iv)
            .map_err(|_| Error::Crypto("AES key setup".to_string()))?
            .encrypt_padded_vec::<Pkcs7>(plaintext);
        let alg_id = asn1::sequence(&[
            &asn1::oid(OID_PBES2),
            &asn1::sequence(&[
                &asn1::sequence(&[
                    &asn1::oid(OID_PBKDF2),
                    &asn1::sequence(&[
                        &asn1::octet_string(&self.salt),
                        &asn1::small_integer(u64::from(ITERATIONS)),
                        &asn1::sequence(&[&asn1::oid(OID_HMAC_SHA256), &asn1::null()]),
                    ]),
                ]),
                &asn1::sequence(&[&asn1::oid(OID_AES256_CBC), &asn1::octet_string(&iv)]),
            ]),
        ]);
        Ok((alg_id, ciphertext))
    }
}

/// The PKCS#12 key derivation (RFC 7292 appendix B.2) with SHA-256. The password is a
/// BMPString with its two-byte terminator, so a blank password is still two zero bytes.
fn pkcs12_kdf_sha256(
    password: &str,
    salt: &[u8],
    id: u8,
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    const U: usize = 32; // SHA-256 output
    const V: usize = 64; // SHA-256 block
    let mut pass = Zeroizing::new(
        password
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect::<Vec<u8>>(),
    );
    pass.extend_from_slice(&[0, 0]);
    let fill = |input: &[u8]| -> Vec<u8> {
        if input.is_empty() {
            return Vec::new();
        }
        let len = V * input.len().div_ceil(V);
        input.iter().copied().cycle().take(len).collect()
    };
    let mut i_block = Zeroizing::new(fill(salt));
    i_block.extend_from_slice(&fill(&pass));
    let d = [id; V];
    let mut out = Zeroizing::new(Vec::with_capacity(len + U));
    while out.len() < len {
        let mut a = sha2::Sha256::new()
            .chain_update(d)
            .chain_update(i_block.as_slice())
            .finalize();
        for _ in 1..iterations {
            a = sha2::Sha256::digest(a);
        }
        out.extend_from_slice(&a);
        if out.len() >= len {
            break;
        }
        let b: Vec<u8> = a.iter().copied().cycle().take(V).collect();
        for chunk in i_block.chunks_mut(V) {
            // chunk = (chunk + b + 1) mod 2^(8V), big-endian
            let mut carry: u16 = 1;
            for k in (0..V).rev() {
                let sum = u16::from(chunk[k]) + u16::from(b[k]) + carry;
                chunk[k] = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(len);
    out
}

/// Whether the MAC's digest algorithm has absent or NULL parameters, as every writer emits:
/// the MAC does not cover its own `MacData`, so without this check a changed parameter field
/// there would go unnoticed. A store without `MacData` passes (decryption then authenticates).
fn mac_digest_parameters_are_null(der: &[u8]) -> bool {
    let mac_algorithm = || {
        let (_, pfx, _) = asn1::read_tlv(der)?;
        let (_, _, rest) = asn1::read_tlv(pfx)?; // version
        let (_, _, rest) = asn1::read_tlv(rest)?; // authSafe
        if rest.is_empty() {
            return Some(None);
        }
        let (_, mac_data, _) = asn1::read_tlv(rest)?;
        let (_, digest_info, _) = asn1::read_tlv(mac_data)?;
        let (_, algorithm, _) = asn1::read_tlv(digest_info)?;
        let (_, _, parameters) = asn1::read_tlv(algorithm)?; // OID, then the parameters
        Some(Some(parameters.to_vec()))
    };
    match mac_algorithm() {
        Some(None) => true,
        Some(Some(parameters)) => parameters.is_empty() || parameters == [asn1::tag::NULL, 0],
        None => false,
    }
}

/// Decodes a store. A wrong password or a modified file is [`crate::Error::WrongPassword`];
/// bytes that are not PKCS#12 at all are [`crate::Error::Decode`]. Bare certificates without
/// Java's trusted attribute (OpenSSL `-nokeys` exports) are returned as trusted entries.
///
/// Chains are completed the way the JDK (and so keytool and Elasticsearch) does it: from the
/// certificate sharing the key's `localKeyId`, then by issuer name through every certificate
/// in the file. A store written with chain `[leaf]` plus the CA as a trusted entry therefore
/// reads back with chain `[leaf, CA]` and the trusted CA entry.
pub fn read_pkcs12(der: &[u8], password: &str) -> Result<Pkcs12Store> {
    let not_pkcs12 = |reason: String| Error::Decode {
        what: "PKCS#12 store",
        reason,
    };
    match asn1::read_tlv(der) {
        Some((asn1::tag::SEQUENCE, _, [])) => {}
        _ => return Err(not_pkcs12("not a DER PKCS#12 (PFX) structure".to_string())),
    }
    if !mac_digest_parameters_are_null(der) {
        return Err(Error::WrongPassword);
    }
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(der, password).map_err(|e| {
        use p12_keystore::error::Error as P12;
        match e {
            // A failed MAC, or (for MAC-less files) a decryption that does not unpad.
            P12::MacError(_) | P12::UnpadError | P12::Pkcs5Error(_) | P12::InvalidPrivateKey => {
                Error::WrongPassword
            }
            other => not_pkcs12(other.to_string()),
        }
    })?;

    let certs: Vec<(Certificate, &p12_keystore::CertificateBag)> = archive
        .certs
        .iter()
        .map(|bag| Ok((Certificate::from_der(bag.cert.as_der().to_vec())?, bag)))
        .collect::<Result<_>>()?;
    let mut used: Vec<Vec<u8>> = Vec::new();
    let mut entries = Vec::new();
    for key_bag in &archive.keys {
        let key = PrivateKey::from_pkcs8_der(key_bag.key.as_der())?;
        let leaf = key_bag.local_key_id.as_ref().and_then(|id| {
            certs
                .iter()
                .find(|(_, bag)| bag.local_key_id.as_deref() == Some(id.as_ref()))
        });
        // Without a localKeyId match, fall back to the certificate holding the same key.
        let leaf = leaf.or_else(|| {
            certs
                .iter()
                .find(|(c, bag)| !bag.trusted && c.matches_key(&key).unwrap_or(false))
        });
        let mut chain: Vec<Certificate> = Vec::new();
        if let Some((leaf_cert, _)) = leaf {
            chain.push(leaf_cert.clone());
            while let Some(last) = chain.last() {
                let (Ok(issuer), Ok(subject)) = (last.issuer_der(), last.subject_der()) else {
                    break;
                };
                if issuer == subject {
                    break;
                }
                // Like the JDK's loader, any certificate in the file may complete a chain,
                // including one that is also a trusted entry.
                let next = certs.iter().find(|(c, _)| {
                    c.subject_der().is_ok_and(|s| s == issuer) && !chain.contains(c)
                });
                match next {
                    Some((c, _)) => chain.push(c.clone()),
                    None => break,
                }
            }
        }
        used.extend(chain.iter().map(|c| c.der().to_vec()));
        let alias = key_bag
            .friendly_name
            .clone()
            .or_else(|| leaf.and_then(|(_, bag)| bag.friendly_name.clone()))
            .or_else(|| {
                key_bag
                    .local_key_id
                    .as_ref()
                    .map(|id| hex::encode(id.as_ref()))
            })
            .unwrap_or_else(|| format!("key{}", entries.len() + 1));
        entries.push(Pkcs12Entry::PrivateKey { alias, key, chain });
    }
    for (certificate, bag) in certs {
        // Trusted entries always count; other certificates only when no chain took them.
        if !bag.trusted && used.iter().any(|u| u.as_slice() == certificate.der()) {
            continue;
        }
        let alias = bag
            .friendly_name
            .clone()
            .unwrap_or_else(|| certificate.subject().unwrap_or_default());
        entries.push(Pkcs12Entry::TrustedCertificate { alias, certificate });
    }
    Ok(Pkcs12Store { entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyAlgorithm;
    use crate::cert::tests::{ec_ca, spec};
    use proptest::prelude::*;

    fn node_store() -> (Vec<Pkcs12Entry>, Certificate, Certificate) {
        let ca = ec_ca();
        let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        let leaf = ca.sign(&spec("CN=node1", false), &key).unwrap();
        let entries = vec![
            Pkcs12Entry::PrivateKey {
                alias: "http".into(),
                key,
                chain: vec![leaf.clone()],
            },
            Pkcs12Entry::TrustedCertificate {
                alias: "ca".into(),
                certificate: ca.certificate.clone(),
            },
        ];
        (entries, leaf, ca.certificate)
    }

    #[test]
    fn round_trip_keeps_aliases_chain_and_trust() {
        let (entries, leaf, ca) = node_store();
        for password in ["changeit", ""] {
            let der = write_pkcs12(&entries, password).unwrap();
            let store = read_pkcs12(&der, password).unwrap();
            let keys: Vec<_> = store.private_keys().collect();
            assert_eq!(keys.len(), 1);
            assert_eq!(keys[0].0, "http");
            assert_eq!(keys[0].2, &[leaf.clone(), ca.clone()][..]);
            assert!(leaf.matches_key(keys[0].1).unwrap());
            let trusted: Vec<_> = store.trusted_certificates().collect();
            assert_eq!(trusted, vec![("ca", &ca)]);
        }
    }

    #[test]
    fn a_chain_longer_than_the_leaf_is_rebuilt_by_issuer() {
        let (entries, leaf, ca) = node_store();
        let Pkcs12Entry::PrivateKey { key, .. } = &entries[0] else {
            unreachable!()
        };
        let with_chain = vec![Pkcs12Entry::PrivateKey {
            alias: "http".into(),
            key: key.clone(),
            chain: vec![leaf.clone(), ca.clone()],
        }];
        let store = read_pkcs12(&write_pkcs12(&with_chain, "pw").unwrap(), "pw").unwrap();
        assert_eq!(store.entries.len(), 1);
        let (_, _, chain) = store.private_keys().next().unwrap();
        assert_eq!(chain, &[leaf, ca][..]);
    }

    #[test]
    fn wrong_password_garbage_and_non_ascii() {
        let (entries, _, _) = node_store();
        let der = write_pkcs12(&entries, "right").unwrap();
        assert!(matches!(
            read_pkcs12(&der, "wrong"),
            Err(Error::WrongPassword)
        ));
        assert!(matches!(read_pkcs12(&der, ""), Err(Error::WrongPassword)));
        assert!(matches!(
            read_pkcs12(b"not a keystore", "x"),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(read_pkcs12(&[], "x"), Err(Error::Decode { .. })));
        assert!(matches!(
            write_pkcs12(&entries, "pässword"),
            Err(Error::NonAsciiPassword)
        ));
        // A flipped byte inside the MAC-protected content is caught by the MAC.
        let mut tampered = der.clone();
        let middle = tampered.len() / 2;
        tampered[middle] ^= 0x01;
        assert!(read_pkcs12(&tampered, "right").is_err());
    }

    /// The bytes following each occurrence of `marker` in `der`, `len` of them.
    fn after_each(der: &[u8], marker: &[u8], len: usize) -> Vec<Vec<u8>> {
        (0..der.len().saturating_sub(marker.len() + len))
            .filter(|&i| der[i..].starts_with(marker))
            .map(|i| der[i + marker.len()..i + marker.len() + len].to_vec())
            .collect()
    }

    #[test]
    fn one_pbes2_salt_per_store_and_a_fresh_iv_per_encryption() {
        let (entries, _, _) = node_store();
        let der = write_pkcs12(&entries, "pw").unwrap();
        // OID aes256-CBC, then OCTET STRING(16) = the IV.
        let aes = [
            0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a, 0x04, 0x10,
        ];
        let ivs = after_each(&der, &aes, 16);
        assert_eq!(ivs.len(), 2, "the key bag and the certificate safe");
        assert_ne!(ivs[0], ivs[1]);
        // OID PBKDF2, then SEQUENCE { OCTET STRING(20) salt, ... }.
        let pbkdf2 = [
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c,
        ];
        let params = after_each(&der, &pbkdf2, 24);
        assert_eq!(params.len(), 2);
        assert_eq!(&params[0][2..4], &[0x04, 0x14]);
        assert_eq!(params[0], params[1]);
        // A second store gets its own salt.
        let again = write_pkcs12(&entries, "pw").unwrap();
        assert_ne!(after_each(&again, &pbkdf2, 24)[0], params[0]);
        assert!(read_pkcs12(&der, "pw").is_ok() && read_pkcs12(&again, "pw").is_ok());
    }

    #[test]
    fn kdf_matches_the_rfc_7292_construction_used_by_p12_keystore() {
        // Our writer's MAC must verify under p12-keystore's independent KDF; a store with
        // only a trusted certificate exercises the MAC without key bags.
        let (_, _, ca) = node_store();
        let entries = vec![Pkcs12Entry::TrustedCertificate {
            alias: "ca".into(),
            certificate: ca,
        }];
        for password in [
            "",
            "a",
            "a much longer password that spans blocks of the KDF!!",
        ] {
            let der = write_pkcs12(&entries, password).unwrap();
            assert!(p12_keystore::Pkcs12Archive::from_pkcs12(&der, password).is_ok());
        }
        // Output longer than one hash exercises the I-block update.
        let long = pkcs12_kdf_sha256("pw", &[1; 8], 1, 3, 80);
        assert_eq!(long.len(), 80);
        assert_eq!(&long[..32], &pkcs12_kdf_sha256("pw", &[1; 8], 1, 3, 32)[..]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn write_read_round_trip(
            alias in "[a-z_][a-z0-9_]{0,15}",
            ca_alias in "[a-z]{1,8}",
            password in "[ -~]{0,20}",
            ec384 in any::<bool>(),
        ) {
            let ca = ec_ca();
            let algorithm = if ec384 { KeyAlgorithm::EcP384 } else { KeyAlgorithm::EcP256 };
            let key = PrivateKey::generate(algorithm).unwrap();
            let leaf = ca.sign(&spec("CN=leaf", false), &key).unwrap();
            let entries = vec![
                Pkcs12Entry::PrivateKey { alias: alias.clone(), key, chain: vec![leaf.clone()] },
                Pkcs12Entry::TrustedCertificate { alias: ca_alias.clone(), certificate: ca.certificate.clone() },
            ];
            let der = write_pkcs12(&entries, &password).unwrap();
            let store = read_pkcs12(&der, &password).unwrap();
            let (got_alias, got_key, chain) = store.private_keys().next().unwrap();
            prop_assert_eq!(got_alias, alias.as_str());
            prop_assert_eq!(got_key.algorithm(), algorithm);
            prop_assert_eq!(chain, &[leaf, ca.certificate.clone()][..]);
            let trusted: Vec<_> = store.trusted_certificates().collect();
            prop_assert_eq!(trusted, vec![(ca_alias.as_str(), &ca.certificate)]);
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn corrupted_stores_never_panic(index in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
            static ORIGINAL: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            let original = ORIGINAL.get_or_init(|| write_pkcs12(&node_store().0, "pw").unwrap());
            let mut der = original.clone();
            let i = index.index(der.len());
            if cut { der.truncate(i); } else { der[i] = byte; }
            // Every change must be refused (not accepted, and above all not a panic): the
            // MAC covers the contents and the outer structure is strictly parsed.
            let result = read_pkcs12(&der, "pw");
            if der != *original {
                prop_assert!(result.is_err());
            }
        }
    }
}
