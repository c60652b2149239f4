//! Tests of the PKI hook in the pipeline (a client chain in the request extensions, as the
//! server puts it there), `_ssl/certificates` and the PKI bootstrap check.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;
use ironstack_config::{LoadOptions, NodeConfig};
use ironstack_pki::{
    CertificateAuthority, CertificateSpec, DistinguishedName, ExtendedKeyUsage, KeyAlgorithm,
    KeyUsage, Pkcs12Entry, PrivateKey, Validity, write_pkcs12,
};
use rustls::pki_types::CertificateDer;
use serde_json::{Value, json};

use super::*;
use crate::rest::test_support::{self, PASSWORD};

fn spec(dn: &str, ca: bool) -> CertificateSpec {
    CertificateSpec {
        subject: dn.parse::<DistinguishedName>().unwrap(),
        dns_names: if ca { vec![] } else { vec!["localhost".into()] },
        ip_addresses: vec![],
        other_name_cns: vec![],
        validity: Validity::days_from_now(30),
        is_ca: ca,
        key_usage: if ca {
            vec![KeyUsage::KeyCertSign]
        } else {
            vec![KeyUsage::DigitalSignature]
        },
        extended_key_usage: if ca {
            vec![]
        } else {
            vec![ExtendedKeyUsage::ClientAuth, ExtendedKeyUsage::ServerAuth]
        },
    }
}

fn ca(name: &str) -> CertificateAuthority {
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    CertificateAuthority::generate(&spec(&format!("CN={name}"), true), key).unwrap()
}

fn leaf(ca: &CertificateAuthority, dn: &str) -> (PrivateKey, Certificate) {
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let cert = ca.sign(&spec(dn, false), &key).unwrap();
    (key, cert)
}

struct Fixture {
    node: test_support::Fixture,
    ca1: CertificateAuthority,
    ca2: CertificateAuthority,
}

/// A node with PKI realm `pki1` trusting `ca1` through its own `certificate_authorities`,
/// built as the node builds it.
fn fixture() -> Fixture {
    let ca1 = ca("realm ca");
    let ca2 = ca("other ca");
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("realm-ca.crt");
    std::fs::write(&ca_file, ca1.certificate.to_pem()).unwrap();
    let c = config(&[
        "xpack.security.authc.realms.pki.pki1.order=0",
        &format!(
            "xpack.security.authc.realms.pki.pki1.certificate_authorities={}",
            ca_file.display()
        ),
    ]);
    let node = test_support::Fixture::builder()
        .max_content_length(1 << 20)
        .pki_realms_from(c)
        .build();
    Fixture { node, ca1, ca2 }
}

/// A request with `chain` (just the leaf) as the TLS client chain, as the server passes it on.
async fn send(
    f: &Fixture,
    method: &str,
    uri: &str,
    chain: Option<&Certificate>,
    basic: bool,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let authz = basic.then(|| test_support::basic("elastic", PASSWORD));
    let body = body.unwrap_or(Value::Null);
    let mut req = test_support::request(method, uri, authz.as_deref(), body);
    if let Some(c) = chain {
        req.extensions_mut()
            .insert(crate::ClientCertificateChain(Arc::new(vec![
                CertificateDer::from(c.der().to_vec()),
            ])));
    }
    let r = test_support::send(&f.node, req).await;
    (r.status, r.json_or_null())
}

/// `_authenticate` with a whole client chain (leaf first) and no header.
async fn authenticate_with(f: &Fixture, chain: &[&Certificate]) -> (StatusCode, Value) {
    let mut req = test_support::request("GET", "/_security/_authenticate", None, Value::Null);
    let chain = chain
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    req.extensions_mut()
        .insert(crate::ClientCertificateChain(Arc::new(chain)));
    let r = test_support::send(&f.node, req).await;
    (r.status, r.json_or_null())
}

/// An intermediate CA under `parent` with the given key usage.
fn intermediate(parent: &CertificateAuthority, key_usage: Vec<KeyUsage>) -> CertificateAuthority {
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let cert = parent
        .sign(
            &CertificateSpec {
                key_usage,
                ..spec("CN=intermediate", true)
            },
            &key,
        )
        .unwrap();
    CertificateAuthority::new(cert, key).unwrap()
}

#[tokio::test]
async fn the_realm_validates_chains_as_a_tls_trust_manager_does() {
    let f = fixture();
    // Through a proper intermediate: accepted.
    let good = intermediate(&f.ca1, vec![KeyUsage::KeyCertSign]);
    let (_, client) = leaf(&good, "CN=deep");
    let (s, v) = authenticate_with(&f, &[&client, &good.certificate]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["username"], "deep");
    // Without its intermediate there is no path.
    let (s, _) = authenticate_with(&f, &[&client]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Signatures, CA flags and dates all hold in the next two; the path does not.
    let bad = intermediate(&f.ca1, vec![KeyUsage::DigitalSignature]);
    let (_, client) = leaf(&bad, "CN=unsigned");
    let (s, v) = authenticate_with(&f, &[&client, &bad.certificate]).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "an issuer without keyCertSign: {v}"
    );
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let server_only = f
        .ca1
        .sign(
            &CertificateSpec {
                extended_key_usage: vec![ExtendedKeyUsage::ServerAuth],
                ..spec("CN=server", false)
            },
            &key,
        )
        .unwrap();
    let (s, v) = authenticate_with(&f, &[&server_only]).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "a server-only certificate: {v}"
    );
    assert_eq!(
        v["error"]["reason"],
        "unable to authenticate user [CN=server] for REST request [/_security/_authenticate]"
    );
}

#[tokio::test]
async fn a_client_certificate_authenticates_with_mapped_roles() {
    let f = fixture();
    let (_, client1) = leaf(&f.ca1, "CN=client1,OU=ops");
    // No mapping yet: authenticated, no roles, so only `_authenticate` is allowed.
    let (s, v) = send(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&client1),
        false,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["username"], "client1");
    assert_eq!(v["roles"], json!([]));
    let (s, _) = send(&f, "GET", "/", Some(&client1), false, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, _) = send(
        &f,
        "PUT",
        "/_security/role_mapping/pki",
        None,
        true,
        Some(
            json!({"enabled": true, "roles": ["monitoring_user"], "rules": {"all": [
                {"field": {"username": "client1"}}, {"field": {"realm.name": "pki1"}}
            ]}}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = send(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&client1),
        false,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["username"], "client1");
    assert_eq!(v["roles"], json!(["monitoring_user"]));
    assert_eq!(
        v["authentication_realm"],
        json!({"name": "pki1", "type": "pki"})
    );
    assert_eq!(v["metadata"], json!({"pki_dn": "CN=client1, OU=ops"}));
    assert_eq!(v["authentication_type"], "realm");
    // monitoring_user grants `cluster:monitor/main`, not cluster health.
    let (s, _) = send(&f, "GET", "/", Some(&client1), false, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = send(&f, "GET", "/_cluster/health", Some(&client1), false, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // An Authorization header wins over the certificate (the reserved realm comes first).
    let (_, v) = send(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&client1),
        true,
        None,
    )
    .await;
    assert_eq!(v["username"], "elastic");
}

#[tokio::test]
async fn an_untrusted_or_nameless_certificate_gets_401() {
    let f = fixture();
    let (_, intruder) = leaf(&f.ca2, "CN=intruder");
    let (s, v) = send(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&intruder),
        false,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["type"], "security_exception");
    assert_eq!(
        v["error"]["reason"],
        "unable to authenticate user [CN=intruder] for REST request [/_security/_authenticate]"
    );
    let (_, nameless) = leaf(&f.ca1, "OU=robots");
    let (s, _) = send(&f, "GET", "/", Some(&nameless), false, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // No certificate and no header: the usual missing-credentials 401.
    let (s, v) = send(&f, "GET", "/", None, false, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        v["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("missing authentication credentials")
    );
}

#[test]
fn certificate_infos_cover_pkcs12_and_pem_like_elasticsearch() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca("Elastic Certificate Tool Autogenerated CA");
    let (key, cert) = leaf(&ca, "CN=node1");
    let p12 = write_pkcs12(
        &[
            Pkcs12Entry::PrivateKey {
                alias: "http".into(),
                key,
                chain: vec![cert.clone(), ca.certificate.clone()],
            },
            Pkcs12Entry::TrustedCertificate {
                alias: "http_ca".into(),
                certificate: ca.certificate.clone(),
            },
        ],
        "storepw",
    )
    .unwrap();
    std::fs::write(dir.path().join("http.p12"), p12).unwrap();
    std::fs::write(dir.path().join("ca.crt"), ca.certificate.to_pem()).unwrap();
    let sources = vec![
        CertificateSource::Pkcs12 {
            shown: "certs/http.p12".into(),
            path: dir.path().join("http.p12"),
            password: Secret::new("storepw"),
        },
        CertificateSource::Pem {
            shown: "certs/ca.crt".into(),
            path: dir.path().join("ca.crt"),
            key: false,
        },
    ];
    let infos = certificate_infos(&sources).unwrap();
    let serial = |c: &Certificate| c.serial_hex().unwrap().trim_start_matches('0').to_string();
    let expiry = |c: &Certificate| {
        c.not_after()
            .unwrap()
            .strftime("%Y-%m-%dT%H:%M:%S.000Z")
            .to_string()
    };
    let ca_dn = "CN=Elastic Certificate Tool Autogenerated CA";
    let expected = json!([
            {"path": "certs/ca.crt", "format": "PEM", "alias": null, "subject_dn": ca_dn,
             "serial_number": serial(&ca.certificate), "has_private_key": false,
             "expiry": expiry(&ca.certificate), "issuer": ca_dn},
            {"path": "certs/http.p12", "format": "PKCS12", "alias": "http", "subject_dn": "CN=node1",
             "serial_number": serial(&cert), "has_private_key": true,
             "expiry": expiry(&cert), "issuer": ca_dn},
            {"path": "certs/http.p12", "format": "PKCS12", "alias": "http", "subject_dn": ca_dn,
             "serial_number": serial(&ca.certificate), "has_private_key": false,
             "expiry": expiry(&ca.certificate), "issuer": ca_dn},
            {"path": "certs/http.p12", "format": "PKCS12", "alias": "http_ca", "subject_dn": ca_dn,
             "serial_number": serial(&ca.certificate), "has_private_key": false,
             "expiry": expiry(&ca.certificate), "issuer": ca_dn},
    ]);
    assert_eq!(infos.len(), 4);
    for e in expected.as_array().unwrap() {
        assert!(infos.contains(e), "{e} missing from {infos:?}");
    }
    // Ordered by path, then alias, then serial number.
    let keys: Vec<(String, String, String)> = infos
        .iter()
        .map(|v| {
            (
                v["path"].as_str().unwrap().into(),
                v["alias"].as_str().unwrap_or("~").into(),
                v["serial_number"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // A wrong password is an error naming the file, not an empty list.
    let err = certificate_infos(&[CertificateSource::Pkcs12 {
        shown: "x".into(),
        path: dir.path().join("http.p12"),
        password: Secret::new("wrong"),
    }])
    .unwrap_err();
    assert!(err.contains("http.p12"), "{err}");
}

fn config(overrides: &[&str]) -> NodeConfig {
    let dir = tempfile::tempdir().unwrap();
    NodeConfig::load(&LoadOptions {
        env: HashMap::new(),
        config_dir: Some(dir.path().to_path_buf()),
        overrides: overrides.iter().map(|s| s.to_string()).collect(),
        working_dir: Some(dir.path().to_path_buf()),
        ..LoadOptions::default()
    })
    .unwrap()
}

#[test]
fn pki_bootstrap_check_warns_on_loopback_and_fails_otherwise() {
    let loopback: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap()];
    let public: Vec<IpAddr> = vec!["10.1.2.3".parse().unwrap()];
    let c = config(&["xpack.security.authc.realms.pki.pki1.order=0"]);
    let warning = pki_bootstrap_check(&c, &loopback).unwrap().unwrap();
    assert!(warning.starts_with(PKI_BOOTSTRAP_MESSAGE), "{warning}");
    let err = pki_bootstrap_check(&c, &public).unwrap_err();
    assert!(err.contains(PKI_BOOTSTRAP_MESSAGE), "{err}");
    assert_eq!(pki_bootstrap_check(&config(&[]), &public), Ok(None));
}

#[tokio::test]
async fn the_realm_clear_cache_endpoint_clears_pki_realms() {
    let f = fixture();
    let (_, client1) = leaf(&f.ca1, "CN=client1");
    let (s, _) = send(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&client1),
        false,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let realm = f.node.gate.pki_realms()[0].clone();
    assert_eq!(realm.cached_users(), 1);
    // Another realm's name leaves it alone; its own name or `*` clears it.
    let (s, _) = send(
        &f,
        "POST",
        "/_security/realm/default_native/_clear_cache",
        None,
        true,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(realm.cached_users(), 1);
    let (s, v) = send(
        &f,
        "POST",
        "/_security/realm/pki1/_clear_cache",
        None,
        true,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(realm.cached_users(), 0);
    send(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&client1),
        false,
        None,
    )
    .await;
    assert_eq!(realm.cached_users(), 1);
    send(
        &f,
        "POST",
        "/_security/realm/*/_clear_cache",
        None,
        true,
        None,
    )
    .await;
    assert_eq!(realm.cached_users(), 0);
}
