use ironstack_pki::{
    CertificateAuthority, CertificateSpec, DistinguishedName, ExtendedKeyUsage, KeyAlgorithm,
    KeyUsage, PrivateKey, Validity,
};
use serde_json::json;

use super::*;
use crate::store::Section;

fn spec(dn: &str, ca: bool) -> CertificateSpec {
    CertificateSpec {
        subject: dn.parse::<DistinguishedName>().unwrap(),
        dns_names: vec![],
        ip_addresses: vec![],
        other_name_cns: vec![],
        validity: Validity::days_from_now(10),
        is_ca: ca,
        key_usage: if ca {
            vec![KeyUsage::KeyCertSign]
        } else {
            vec![KeyUsage::DigitalSignature]
        },
        extended_key_usage: if ca {
            vec![]
        } else {
            vec![ExtendedKeyUsage::ClientAuth]
        },
    }
}

fn ca(name: &str) -> CertificateAuthority {
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    CertificateAuthority::generate(&spec(&format!("CN={name}"), true), key).unwrap()
}

fn client(ca: &CertificateAuthority, dn: &str) -> Vec<u8> {
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    ca.sign(&spec(dn, false), &key).unwrap().der().to_vec()
}

fn realm(store: Arc<SecurityStore>, trusted: Vec<Certificate>, pattern: &str) -> PkiRealm {
    PkiRealm::new(
        PkiRealmSettings {
            name: "pki1".into(),
            order: 1,
            username_pattern: pattern.into(),
            trusted,
            cache_ttl: Duration::from_secs(1200),
            cache_max_users: 100,
        },
        store,
    )
    .unwrap()
}

fn store() -> (tempfile::TempDir, Arc<SecurityStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SecurityStore::open(dir.path()).unwrap());
    (dir, store)
}

#[test]
fn default_pattern_takes_the_cn_case_insensitively() {
    let (_d, s) = store();
    let r = realm(s, vec![], DEFAULT);
    assert_eq!(
        r.principal("CN=client1,OU=ops,DC=example"),
        Some("client1".into())
    );
    assert_eq!(r.principal("OU=ops,cn=last"), Some("last".into()));
    assert_eq!(r.principal("OU=ops,DC=example"), None);
}

const DEFAULT: &str = "CN=(.*?)(?:,|$)";

#[test]
fn a_chain_authenticates_with_mapped_roles_and_pki_dn() {
    let (_d, s) = store();
    s.write_docs(
        Section::RoleMappings,
        vec![(
            "m".into(),
            json!({"enabled": true, "roles": ["monitoring_user"], "rules": {"field": {"username": "client1"}}}),
        )],
        &[],
    )
    .unwrap();
    let ca1 = ca("ca one");
    let r = realm(s.clone(), vec![ca1.certificate.clone()], DEFAULT);
    let leaf = client(&ca1, "CN=client1,OU=ops");
    let PkiOutcome::Authenticated(a) = r.authenticate(std::slice::from_ref(&leaf)) else {
        panic!("not authenticated");
    };
    assert_eq!(a.username, "client1");
    assert_eq!(a.roles, vec!["monitoring_user".to_string()]);
    assert_eq!(a.realm.name, "pki1");
    assert_eq!(a.realm.realm_type, "pki");
    assert_eq!(a.metadata["pki_dn"], json!("CN=client1, OU=ops"));
    // Cached: the same Arc comes back.
    let PkiOutcome::Authenticated(again) = r.authenticate(std::slice::from_ref(&leaf)) else {
        panic!()
    };
    assert!(Arc::ptr_eq(&a, &again));
    // A role-mapping change (store generation) is seen on the next request.
    s.write_docs(Section::RoleMappings, vec![], &["m".to_string()])
        .unwrap();
    let PkiOutcome::Authenticated(after) = r.authenticate(&[leaf]) else {
        panic!()
    };
    assert!(after.roles.is_empty());
}

#[test]
fn a_chain_from_another_ca_or_without_a_user_name_is_unsuccessful() {
    let (_d, s) = store();
    let ca1 = ca("ca one");
    let ca2 = ca("ca two");
    let r = realm(s.clone(), vec![ca1.certificate.clone()], DEFAULT);
    match r.authenticate(&[client(&ca2, "CN=intruder")]) {
        PkiOutcome::Unsuccessful { dn, reason } => {
            assert_eq!(dn, "CN=intruder");
            assert!(reason.contains("is not trusted"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    match r.authenticate(&[client(&ca1, "OU=nocn")]) {
        PkiOutcome::Unsuccessful { reason, .. } => {
            assert!(reason.contains("did not match"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // Without realm CAs, the TLS layer's verification is trusted.
    let open = realm(s, vec![], DEFAULT);
    assert!(matches!(
        open.authenticate(&[client(&ca2, "CN=x")]),
        PkiOutcome::Authenticated(_)
    ));
    assert!(matches!(
        open.authenticate(&[b"junk".to_vec()]),
        PkiOutcome::Unsuccessful { .. }
    ));
}

#[test]
fn intermediates_in_the_chain_are_followed() {
    let (_d, s) = store();
    let root = ca("root");
    let inter_key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let inter_cert = root.sign(&spec("CN=inter", true), &inter_key).unwrap();
    let inter = CertificateAuthority::new(inter_cert.clone(), inter_key).unwrap();
    let leaf = client(&inter, "CN=deep");
    let r = realm(s, vec![root.certificate.clone()], DEFAULT);
    assert!(matches!(
        r.authenticate(&[leaf.clone(), inter_cert.der().to_vec()]),
        PkiOutcome::Authenticated(_)
    ));
    assert!(matches!(
        r.authenticate(&[leaf]),
        PkiOutcome::Unsuccessful { .. }
    ));
}

#[test]
fn custom_patterns_and_bad_patterns() {
    let (_d, s) = store();
    let r = realm(s.clone(), vec![], "OU=(.*?),");
    assert_eq!(r.principal("CN=a,OU=team,DC=x"), Some("team".into()));
    let err = PkiRealm::new(
        PkiRealmSettings {
            name: "p".into(),
            order: 0,
            username_pattern: "CN=(".into(),
            trusted: vec![],
            cache_ttl: Duration::from_secs(1),
            cache_max_users: 1,
        },
        s.clone(),
    )
    .unwrap_err();
    assert!(err.contains("invalid username_pattern [CN=(]"), "{err}");
    let err = PkiRealm::new(
        PkiRealmSettings {
            name: "p".into(),
            order: 0,
            username_pattern: "CN=.*".into(),
            trusted: vec![],
            cache_ttl: Duration::from_secs(1),
            cache_max_users: 1,
        },
        s,
    )
    .unwrap_err();
    assert!(err.contains("capturing group"), "{err}");
}
