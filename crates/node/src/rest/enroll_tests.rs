//! `GET /_security/enroll/kibana` through the real router, and finding the HTTP CA in the
//! node's certificate files.

use axum::http::StatusCode;
use base64::Engine as _;
use ironstack_pki::{
    CertificateAuthority, CertificateSpec, DistinguishedName, KeyAlgorithm, KeyUsage, PrivateKey,
    Validity,
};
use serde_json::json;

use super::*;
use crate::rest::app_privilege::tests::{basic, fixture};
use crate::rest::test_support::{Fixture, call_json as call};

fn spec(cn: &str, is_ca: bool) -> CertificateSpec {
    CertificateSpec {
        subject: DistinguishedName::common_name(cn),
        dns_names: vec!["localhost".into()],
        ip_addresses: Vec::new(),
        other_name_cns: Vec::new(),
        validity: Validity::days_from_now(30),
        is_ca,
        key_usage: if is_ca {
            vec![KeyUsage::KeyCertSign]
        } else {
            vec![KeyUsage::DigitalSignature]
        },
        extended_key_usage: Vec::new(),
    }
}

fn ca(cn: &str) -> CertificateAuthority {
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    CertificateAuthority::generate(&spec(cn, true), key).unwrap()
}

/// PEM files in `dir`: the served chain (leaf signed by `issuer`, then `issuer`'s certificate
/// when `with_ca`) and, separately, `others` as trusted CAs.
fn sources(
    dir: &std::path::Path,
    issuer: &CertificateAuthority,
    with_ca: bool,
    others: &[&CertificateAuthority],
) -> Vec<CertificateSource> {
    let leaf_key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let leaf = issuer.sign(&spec("node", false), &leaf_key).unwrap();
    let mut chain = leaf.to_pem();
    if with_ca {
        chain.push_str(&issuer.certificate.to_pem());
    }
    std::fs::write(dir.join("http.crt"), chain).unwrap();
    let mut out = vec![CertificateSource::Pem {
        shown: "http.crt".into(),
        path: dir.join("http.crt"),
        key: true,
    }];
    if !others.is_empty() {
        let trusted: String = others.iter().map(|c| c.certificate.to_pem()).collect();
        std::fs::write(dir.join("cas.crt"), trusted).unwrap();
        out.push(CertificateSource::Pem {
            shown: "cas.crt".into(),
            path: dir.join("cas.crt"),
            key: false,
        });
    }
    out
}

#[test]
fn the_http_ca_is_the_served_certificates_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let (mine, other) = (ca("Mine CA"), ca("Other CA"));
    // Issuer in the chain, another CA trusted: the issuer.
    let found = http_ca(&sources(dir.path(), &mine, true, &[&other])).unwrap();
    assert_eq!(found.der(), mine.certificate.der());
    // Issuer only among the trusted CAs: still the issuer.
    let found = http_ca(&sources(dir.path(), &mine, false, &[&other, &mine])).unwrap();
    assert_eq!(found.der(), mine.certificate.der());
    // One CA that did not issue the leaf: that one (as Elasticsearch takes its only CA).
    let found = http_ca(&sources(dir.path(), &mine, false, &[&other])).unwrap();
    assert_eq!(found.der(), other.certificate.der());
    // None, or several and none the issuer: named errors.
    let e = http_ca(&sources(dir.path(), &mine, false, &[])).unwrap_err();
    assert!(e.contains("no CA certificate"), "{e}");
    let third = ca("Third CA");
    let e = http_ca(&sources(dir.path(), &mine, false, &[&other, &third])).unwrap_err();
    assert!(e.contains("several CA certificates"), "{e}");
}

/// Turns enrolment on for `f`, with a fresh CA behind its HTTP layer.
pub(crate) fn enable_enrollment(f: &Fixture) {
    enabled(f, &ca("Fixture CA"));
}

fn enabled(f: &Fixture, ca: &CertificateAuthority) {
    let _ = f.state.enrollment_enabled.set(true);
    let _ = f
        .state
        .certificate_sources
        .set(sources(f.dir.path(), ca, true, &[]));
}

#[tokio::test]
async fn kibana_enrolment_hands_out_a_kibana_service_token_and_the_ca() {
    let f = fixture();
    let e = basic("elastic");
    // Off unless `xpack.security.enrollment.enabled`.
    let (s, v) = call(&f, "GET", "/_security/enroll/kibana", &e, json!(null)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Enrollment mode is not enabled."),
        "{v}"
    );
    let authority = ca("Enrol CA");
    enabled(&f, &authority);
    // An API key holding only the enrolment action, as enrolment tokens carry.
    let (s, key) = call(
        &f,
        "POST",
        "/_security/api_key",
        &e,
        json!({"name": "enroll", "expiration": "30m", "role_descriptors": {"create_enrollment_token": {"cluster": ["cluster:admin/xpack/security/enroll/kibana"]}}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{key}");
    let api_key = format!("ApiKey {}", key["encoded"].as_str().unwrap());
    let (s, v) = call(&f, "GET", "/_security/enroll/kibana", &api_key, json!(null)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let name = v["token"]["name"].as_str().unwrap();
    assert!(name.starts_with("enroll-process-token-"), "{name}");
    let der = base64::engine::general_purpose::STANDARD
        .decode(v["http_ca"].as_str().unwrap())
        .unwrap();
    assert_eq!(der, authority.certificate.der());
    // The token works as `elastic/kibana`.
    let bearer = format!("Bearer {}", v["token"]["value"].as_str().unwrap());
    let (s, me) = call(&f, "GET", "/_security/_authenticate", &bearer, json!(null)).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["username"], "elastic/kibana");
    assert_eq!(me["token"]["name"], name);
    // The enrolment key can do nothing else.
    let (s, _) = call(&f, "GET", "/_security/user", &api_key, json!(null)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
