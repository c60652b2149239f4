use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use ironstack_pki::{
    CertificateAuthority, CertificateSpec, DistinguishedName, KeyAlgorithm, PrivateKey, Validity,
};

use super::*;

// ---- a minimal certificate writer: the pki crate cannot express path lengths or name
// constraints, which these tests need -----------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend_from_slice(&[0x81, n as u8]),
        n => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = Vec::new();
    for arc in std::iter::once(arcs[0] * 40 + arcs[1]).chain(arcs[2..].iter().copied()) {
        let mut chunk = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push((rest & 0x7f) as u8 | 0x80);
            rest >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    }
    tlv(0x06, &body)
}

fn int(n: u64) -> Vec<u8> {
    let mut bytes: Vec<u8> = n
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    if bytes.first().is_none_or(|b| b & 0x80 != 0) {
        bytes.insert(0, 0);
    }
    tlv(0x02, &bytes)
}

fn bits(bytes: &[u8], unused: u8) -> Vec<u8> {
    let mut content = vec![unused];
    content.extend_from_slice(bytes);
    tlv(0x03, &content)
}

fn name(cn: &str) -> Vec<u8> {
    let attribute = seq(&[&oid(&[2, 5, 4, 3]), &tlv(0x0c, cn.as_bytes())]);
    seq(&[&tlv(0x31, &attribute)])
}

fn utc_time(unix: i64) -> Vec<u8> {
    let at = jiff::Timestamp::from_second(unix).unwrap();
    tlv(0x17, at.strftime("%y%m%d%H%M%SZ").to_string().as_bytes())
}

fn extension(id: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
    if critical {
        seq(&[&oid(id), &tlv(0x01, &[0xff]), &tlv(0x04, value)])
    } else {
        seq(&[&oid(id), &tlv(0x04, value)])
    }
}

const CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];
const SERVER_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 1];
const DIGITAL_SIGNATURE: u8 = 0x80;
const KEY_CERT_SIGN: u8 = 0x04;
const CRL_SIGN: u8 = 0x02;

struct Key(EcdsaKeyPair);

fn key() -> Key {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
        .unwrap();
    Key(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap())
}

struct Spec<'a> {
    cn: &'a str,
    ca: bool,
    path_len: Option<u8>,
    key_usage: Option<u8>,
    eku: Option<&'a [&'a [u64]]>,
    permitted_dns: Option<&'a str>,
    san_dns: Option<&'a str>,
    days: (i64, i64),
}

impl<'a> Spec<'a> {
    fn ca(cn: &'a str) -> Self {
        Spec {
            cn,
            ca: true,
            path_len: None,
            key_usage: Some(KEY_CERT_SIGN | CRL_SIGN),
            eku: None,
            permitted_dns: None,
            san_dns: None,
            days: (-1, 30),
        }
    }

    fn leaf(cn: &'a str) -> Self {
        Spec {
            ca: false,
            key_usage: None,
            ..Spec::ca(cn)
        }
    }
}

/// A certificate for `subject` as described, signed by `issuer` (name and key), or
/// self-signed.
fn issue(spec: &Spec<'_>, subject: &Key, issuer: Option<(&str, &Key)>) -> Vec<u8> {
    let (issuer_cn, issuer_key) = issuer.unwrap_or((spec.cn, subject));
    let ecdsa_sha256 = seq(&[&oid(&[1, 2, 840, 10045, 4, 3, 2])]);
    let spki = seq(&[
        &seq(&[
            &oid(&[1, 2, 840, 10045, 2, 1]),
            &oid(&[1, 2, 840, 10045, 3, 1, 7]),
        ]),
        &bits(subject.0.public_key().as_ref(), 0),
    ]);
    let now = jiff::Timestamp::now().as_second();
    let validity = seq(&[
        &utc_time(now + spec.days.0 * 86_400),
        &utc_time(now + spec.days.1 * 86_400),
    ]);
    let mut extensions = Vec::new();
    let basic = match (spec.ca, spec.path_len) {
        (true, Some(n)) => seq(&[&tlv(0x01, &[0xff]), &int(u64::from(n))]),
        (true, None) => seq(&[&tlv(0x01, &[0xff])]),
        (false, _) => seq(&[]),
    };
    extensions.push(extension(&[2, 5, 29, 19], spec.ca, &basic));
    if let Some(ku) = spec.key_usage {
        let unused = ku.trailing_zeros() as u8;
        extensions.push(extension(&[2, 5, 29, 15], true, &bits(&[ku], unused)));
    }
    if let Some(ekus) = spec.eku {
        let ids: Vec<Vec<u8>> = ekus.iter().map(|e| oid(e)).collect();
        let refs: Vec<&[u8]> = ids.iter().map(Vec::as_slice).collect();
        extensions.push(extension(&[2, 5, 29, 37], false, &seq(&refs)));
    }
    if let Some(dns) = spec.permitted_dns {
        let subtree = seq(&[&tlv(0x82, dns.as_bytes())]);
        let value = seq(&[&tlv(0xa0, &subtree)]);
        extensions.push(extension(&[2, 5, 29, 30], true, &value));
    }
    if let Some(dns) = spec.san_dns {
        extensions.push(extension(
            &[2, 5, 29, 17],
            false,
            &seq(&[&tlv(0x82, dns.as_bytes())]),
        ));
    }
    let ext_refs: Vec<&[u8]> = extensions.iter().map(Vec::as_slice).collect();
    let serial = u64::from(spec.cn.len() as u8) << 32 | u64::from(now as u32);
    let tbs = seq(&[
        &tlv(0xa0, &int(2)),
        &int(serial),
        &ecdsa_sha256,
        &name(issuer_cn),
        &validity,
        &name(spec.cn),
        &spki,
        &tlv(0xa3, &seq(&ext_refs)),
    ]);
    let signature = issuer_key.0.sign(&SystemRandom::new(), &tbs).unwrap();
    seq(&[&tbs, &ecdsa_sha256, &bits(signature.as_ref(), 0)])
}

/// A root CA, an intermediate under it and a leaf under that, with the given specs.
fn chain(root: Spec<'_>, intermediate: Spec<'_>, leaf: Spec<'_>) -> (Vec<u8>, Vec<Vec<u8>>) {
    chain_of(root, vec![intermediate], leaf)
}

/// A root CA, intermediates each under the previous one, and a leaf under the last; returns
/// the root and the chain a client presents (leaf first).
fn chain_of(
    root: Spec<'_>,
    intermediates: Vec<Spec<'_>>,
    leaf: Spec<'_>,
) -> (Vec<u8>, Vec<Vec<u8>>) {
    let root_key = key();
    let root_der = issue(&root, &root_key, None);
    let (mut issuer_cn, mut issuer_key) = (root.cn, root_key);
    let mut presented = Vec::new();
    for spec in &intermediates {
        let k = key();
        presented.push(issue(spec, &k, Some((issuer_cn, &issuer_key))));
        (issuer_cn, issuer_key) = (spec.cn, k);
    }
    let leaf_der = issue(&leaf, &key(), Some((issuer_cn, &issuer_key)));
    presented.push(leaf_der);
    presented.reverse();
    (root_der, presented)
}

fn verifier(root: &[u8]) -> ClientChainVerifier {
    ClientChainVerifier::new(vec![CertificateDer::from(root.to_vec())]).unwrap()
}

fn check(root: &[u8], presented: &[Vec<u8>]) -> std::result::Result<(), String> {
    let refs: Vec<&[u8]> = presented.iter().map(Vec::as_slice).collect();
    verifier(root).verify(&refs)
}

#[test]
fn a_well_formed_chain_is_accepted() {
    let (root, presented) = chain(
        Spec::ca("Root"),
        Spec::ca("Intermediate"),
        Spec {
            key_usage: Some(DIGITAL_SIGNATURE),
            eku: Some(&[CLIENT_AUTH]),
            ..Spec::leaf("client1")
        },
    );
    assert_eq!(check(&root, &presented), Ok(()));
    // Without the intermediate there is no path.
    let err = check(&root, &presented[..1]).unwrap_err();
    assert!(err.contains("no trusted certificate authority"), "{err}");
    // Another root knows nothing of it.
    let (other_root, _) = chain(Spec::ca("Other"), Spec::ca("I"), Spec::leaf("x"));
    assert!(check(&other_root, &presented).is_err());
    assert!(verifier(&root).verify(&[]).is_err());
}

#[test]
fn a_certutil_chain_is_accepted() {
    // certutil's CA (`keyCertSign, cRLSign`, critical CA:TRUE) and instance certificate (no
    // key usage, no extended key usage).
    let spec = |dn: &str, ca: bool| CertificateSpec {
        subject: dn.parse::<DistinguishedName>().unwrap(),
        dns_names: vec!["client1.example.com".into()],
        ip_addresses: vec![],
        other_name_cns: vec![],
        validity: Validity::days_from_now(1095),
        is_ca: ca,
        key_usage: if ca {
            vec![
                ironstack_pki::KeyUsage::KeyCertSign,
                ironstack_pki::KeyUsage::CrlSign,
            ]
        } else {
            vec![]
        },
        extended_key_usage: vec![],
    };
    for algorithm in [KeyAlgorithm::EcP256, KeyAlgorithm::Rsa { bits: 2048 }] {
        let ca = CertificateAuthority::generate(
            &spec("CN=Elastic Certificate Tool Autogenerated CA", true),
            PrivateKey::generate(algorithm).unwrap(),
        )
        .unwrap();
        let leaf = ca
            .sign(
                &spec("CN=client1", false),
                &PrivateKey::generate(algorithm).unwrap(),
            )
            .unwrap();
        let presented = [leaf.der().to_vec()];
        assert_eq!(
            check(ca.certificate.der(), &presented),
            Ok(()),
            "{algorithm:?}"
        );
    }
}

#[test]
fn a_server_only_client_certificate_is_refused() {
    let (root, presented) = chain(
        Spec::ca("Root"),
        Spec::ca("Intermediate"),
        Spec {
            eku: Some(&[SERVER_AUTH]),
            ..Spec::leaf("client1")
        },
    );
    let err = check(&root, &presented).unwrap_err();
    assert!(err.contains("extended key usage"), "{err}");
}

#[test]
fn an_issuer_without_key_cert_sign_is_refused() {
    let (root, presented) = chain(
        Spec::ca("Root"),
        Spec {
            key_usage: Some(DIGITAL_SIGNATURE | CRL_SIGN),
            ..Spec::ca("Intermediate")
        },
        Spec::leaf("client1"),
    );
    let err = check(&root, &presented).unwrap_err();
    assert!(
        err.contains("[CN=Intermediate] has no keyCertSign"),
        "{err}"
    );
}

#[test]
fn a_client_certificate_that_may_not_sign_is_refused() {
    let (root, presented) = chain(
        Spec::ca("Root"),
        Spec::ca("Intermediate"),
        Spec {
            key_usage: Some(KEY_CERT_SIGN),
            ..Spec::leaf("client1")
        },
    );
    let err = check(&root, &presented).unwrap_err();
    assert!(err.contains("digital signatures"), "{err}");
}

#[test]
fn an_exceeded_path_length_is_refused() {
    let limited = |n| Spec {
        path_len: Some(n),
        ..Spec::ca("Intermediate 1")
    };
    let (root, presented) = chain_of(
        Spec::ca("Root"),
        vec![limited(0), Spec::ca("Intermediate 2")],
        Spec::leaf("client1"),
    );
    let err = check(&root, &presented).unwrap_err();
    assert!(err.contains("path length"), "{err}");
    // Path length 1 allows the second intermediate.
    let (root, presented) = chain_of(
        Spec::ca("Root"),
        vec![limited(1), Spec::ca("Intermediate 2")],
        Spec::leaf("client1"),
    );
    assert_eq!(check(&root, &presented), Ok(()));
}

#[test]
fn a_name_outside_the_constraints_is_refused() {
    let constrained = || Spec {
        permitted_dns: Some("example.com"),
        ..Spec::ca("Intermediate")
    };
    let (root, presented) = chain(
        Spec::ca("Root"),
        constrained(),
        Spec {
            san_dns: Some("client1.evil.org"),
            ..Spec::leaf("client1")
        },
    );
    let err = check(&root, &presented).unwrap_err();
    assert!(err.contains("name constraints"), "{err}");
    let (root, presented) = chain(
        Spec::ca("Root"),
        constrained(),
        Spec {
            san_dns: Some("client1.example.com"),
            ..Spec::leaf("client1")
        },
    );
    assert_eq!(check(&root, &presented), Ok(()));
}

#[test]
fn an_expired_intermediate_is_refused() {
    let (root, presented) = chain(
        Spec::ca("Root"),
        Spec {
            days: (-30, -1),
            ..Spec::ca("Intermediate")
        },
        Spec::leaf("client1"),
    );
    let err = check(&root, &presented).unwrap_err();
    assert!(err.contains("expired"), "{err}");
}

#[test]
fn a_trusted_leaf_is_trusted_as_is() {
    let k = key();
    let own = issue(&Spec::leaf("self"), &k, None);
    assert_eq!(check(&own, std::slice::from_ref(&own)), Ok(()));
    assert!(ClientChainVerifier::new(vec![]).is_err());
}
