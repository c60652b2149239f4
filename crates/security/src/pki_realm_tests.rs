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

/// A stand-in for the node's webpki verifier: refuses with `refusal` when set, and records
/// every chain it is asked about.
#[derive(Default)]
struct Recorder {
    refusal: Option<String>,
    seen: std::sync::Mutex<Vec<Vec<Vec<u8>>>>,
}

impl ChainVerifier for Recorder {
    fn verify(&self, chain: &[&[u8]]) -> Result<(), String> {
        self.seen
            .lock()
            .unwrap()
            .push(chain.iter().map(|c| c.to_vec()).collect());
        self.refusal.clone().map_or(Ok(()), Err)
    }
}

fn realm(
    store: Arc<SecurityStore>,
    verifier: Option<Arc<dyn ChainVerifier>>,
    pattern: &str,
) -> PkiRealm {
    PkiRealm::new(
        PkiRealmSettings {
            name: "pki1".into(),
            order: 1,
            username_pattern: pattern.into(),
            verifier,
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
    let r = realm(s, None, DEFAULT);
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
    let verifier = Arc::new(Recorder::default());
    let r = realm(s.clone(), Some(verifier.clone()), DEFAULT);
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
    assert_eq!(
        verifier.seen.lock().unwrap().len(),
        1,
        "verified once, then cached"
    );
    // Other store changes keep the cache.
    s.write_docs(Section::Tokens, vec![("t".into(), json!({}))], &[])
        .unwrap();
    let PkiOutcome::Authenticated(still) = r.authenticate(std::slice::from_ref(&leaf)) else {
        panic!()
    };
    assert!(Arc::ptr_eq(&a, &still));
    // A role-mapping change is seen on the next request.
    s.write_docs(Section::RoleMappings, vec![], &["m".to_string()])
        .unwrap();
    let PkiOutcome::Authenticated(after) = r.authenticate(&[leaf]) else {
        panic!()
    };
    assert!(after.roles.is_empty());
}

#[test]
fn a_chain_the_verifier_refuses_is_unsuccessful_and_not_cached() {
    let (_d, s) = store();
    let ca1 = ca("ca one");
    let verifier = Arc::new(Recorder {
        refusal: Some("no trusted certificate authority issued it".into()),
        ..Recorder::default()
    });
    let r = realm(s.clone(), Some(verifier.clone()), DEFAULT);
    let leaf = client(&ca1, "CN=intruder");
    let intermediate = ca1.certificate.der().to_vec();
    for _ in 0..2 {
        match r.authenticate(&[leaf.clone(), intermediate.clone()]) {
            PkiOutcome::Unsuccessful { dn, reason } => {
                assert_eq!(dn, "CN=intruder");
                assert_eq!(
                    reason,
                    "Certificate for CN=intruder is not trusted: no trusted certificate authority issued it"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    // The whole chain, leaf first, each time.
    let seen = verifier.seen.lock().unwrap().clone();
    assert_eq!(seen, vec![vec![leaf.clone(), intermediate.clone()]; 2]);
    assert_eq!(r.cached_users(), 0);
    match r.authenticate(&[client(&ca1, "OU=nocn")]) {
        PkiOutcome::Unsuccessful { reason, .. } => {
            assert!(reason.contains("did not match"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // Without realm CAs, the TLS layer's verification is trusted.
    let open = realm(s, None, DEFAULT);
    assert!(matches!(
        open.authenticate(&[leaf]),
        PkiOutcome::Authenticated(_)
    ));
    assert!(matches!(
        open.authenticate(&[b"junk".to_vec()]),
        PkiOutcome::Unsuccessful { .. }
    ));
}

#[test]
fn custom_patterns_and_bad_patterns() {
    let (_d, s) = store();
    let r = realm(s.clone(), None, "OU=(.*?),");
    assert_eq!(r.principal("CN=a,OU=team,DC=x"), Some("team".into()));
    let err = PkiRealm::new(
        PkiRealmSettings {
            name: "p".into(),
            order: 0,
            username_pattern: "CN=(".into(),
            verifier: None,
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
            verifier: None,
            cache_ttl: Duration::from_secs(1),
            cache_max_users: 1,
        },
        s,
    )
    .unwrap_err();
    assert!(err.contains("capturing group"), "{err}");
}
