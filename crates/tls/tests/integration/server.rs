//! Server builder: identities (PEM, encrypted PEM, PKCS#12), refusals with clear errors,
//! protocol/suite/ALPN restrictions, and client authentication modes.

use std::sync::Arc;

use ironstack_pki::{Pkcs12Entry, PrivateKey, Validity};
use ironstack_tls::{
    CipherSuite, ClientAuthentication, ClientTlsSettings, Error, Identity, Secret,
    ServerTlsSettings, TlsVersion, client_config, server_config,
};

use crate::common::{TestCa, client_trusting, exchange, spec, start_server};

fn pem_identity(dir: &std::path::Path, ca: &TestCa, name: &str) -> Identity {
    let leaf = ca.localhost(name);
    let (certificate, key) = leaf.write_pem(dir, name, &[&ca.ca.certificate]);
    Identity::Pem {
        certificate,
        key,
        passphrase: None,
    }
}

async fn serve(settings: ServerTlsSettings) -> std::net::SocketAddr {
    let config = server_config(&settings).unwrap();
    start_server(move || config.clone()).await
}

#[tokio::test]
async fn pem_identity_serves_tls13_and_tls12() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let addr = serve(ServerTlsSettings::new(pem_identity(
        dir.path(),
        &ca,
        "node1",
    )))
    .await;

    let reply = exchange(
        client_config(&client_trusting(&[&ca_file])).unwrap(),
        addr,
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(reply, "anonymous TLSv1_3 ping");

    let mut tls12 = client_trusting(&[&ca_file]);
    tls12.protocols = vec![TlsVersion::Tls12];
    let reply = exchange(client_config(&tls12).unwrap(), addr, "localhost")
        .await
        .unwrap();
    assert_eq!(reply, "anonymous TLSv1_2 ping");

    // By IP address: the certificate has an IP SAN for 127.0.0.1.
    let reply = exchange(
        client_config(&client_trusting(&[ca_file])).unwrap(),
        addr,
        "127.0.0.1",
    )
    .await
    .unwrap();
    assert_eq!(reply, "anonymous TLSv1_3 ping");
}

#[tokio::test]
async fn alpn_offers_h2_and_http11() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let addr = serve(ServerTlsSettings::new(pem_identity(
        dir.path(),
        &ca,
        "node1",
    )))
    .await;
    for (offer, expected) in [
        (vec![b"h2".to_vec()], b"h2".to_vec()),
        (vec![b"http/1.1".to_vec()], b"http/1.1".to_vec()),
    ] {
        let mut settings = client_trusting(&[&ca_file]);
        settings.alpn_protocols = offer;
        let stream = crate::common::connect(client_config(&settings).unwrap(), addr, "localhost")
            .await
            .unwrap();
        assert_eq!(
            stream.get_ref().1.alpn_protocol(),
            Some(expected.as_slice())
        );
    }
}

#[tokio::test]
async fn tls12_only_server_refuses_a_tls13_only_client() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let mut settings = ServerTlsSettings::new(pem_identity(dir.path(), &ca, "node1"));
    settings.protocols = vec![TlsVersion::Tls12];
    let addr = serve(settings).await;
    let mut client = client_trusting(&[&ca_file]);
    client.protocols = vec![TlsVersion::Tls13];
    assert!(
        exchange(client_config(&client).unwrap(), addr, "localhost")
            .await
            .is_err()
    );
    let reply = exchange(
        client_config(&client_trusting(&[ca_file])).unwrap(),
        addr,
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(reply, "anonymous TLSv1_2 ping");
}

#[tokio::test]
async fn cipher_suite_restriction_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let mut settings = ServerTlsSettings::new(pem_identity(dir.path(), &ca, "node1"));
    settings.protocols = vec![TlsVersion::Tls12];
    settings.cipher_suites = vec![CipherSuite::EcdheEcdsaAes128GcmSha256];
    let addr = serve(settings).await;
    let stream = crate::common::connect(
        client_config(&client_trusting(&[ca_file])).unwrap(),
        addr,
        "localhost",
    )
    .await
    .unwrap();
    let suite = stream.get_ref().1.negotiated_cipher_suite().unwrap();
    assert_eq!(
        format!("{:?}", suite.suite()),
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
    );
}

#[test]
fn protocol_and_suite_combination_without_any_usable_suite_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let mut settings = ServerTlsSettings::new(pem_identity(dir.path(), &ca, "node1"));
    settings.protocols = vec![TlsVersion::Tls12];
    settings.cipher_suites = vec![CipherSuite::Tls13Aes128GcmSha256];
    let err = server_config(&settings).unwrap_err();
    assert!(matches!(err, Error::InvalidSettings(_)), "{err}");
}

#[tokio::test]
async fn p12_identity_written_by_ironstack_pki() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let p12 = ca
        .localhost("node1")
        .write_p12(dir.path(), "http", "s3cret", &ca);
    let addr = serve(ServerTlsSettings::new(Identity::Pkcs12 {
        path: p12,
        password: Secret::new("s3cret"),
        alias: None,
    }))
    .await;
    let reply = exchange(
        client_config(&client_trusting(&[ca_file])).unwrap(),
        addr,
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(reply, "anonymous TLSv1_3 ping");
}

#[tokio::test]
async fn auto_configuration_style_p12_serves_the_leaf_not_the_ca_key() {
    // http.p12 written by auto-configuration holds `http_ca` (CA + its key) and `http`.
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("HTTP CA");
    let ca_file = ca.write_pem(dir.path(), "http_ca.crt");
    let leaf = ca.localhost("node1");
    let entries = vec![
        Pkcs12Entry::PrivateKey {
            alias: "http_ca".into(),
            key: PrivateKey::from_pkcs8_der(ca.ca.key.pkcs8_der()).unwrap(),
            chain: vec![ca.ca.certificate.clone()],
        },
        Pkcs12Entry::PrivateKey {
            alias: "http".into(),
            key: PrivateKey::from_pkcs8_der(leaf.key.pkcs8_der()).unwrap(),
            chain: vec![leaf.certificate.clone(), ca.ca.certificate.clone()],
        },
    ];
    let path = dir.path().join("http.p12");
    std::fs::write(&path, ironstack_pki::write_pkcs12(&entries, "pw").unwrap()).unwrap();
    let mut settings = ServerTlsSettings::new(Identity::Pkcs12 {
        path,
        password: Secret::new("pw"),
        alias: None,
    });
    // The CA found in the store is trusted for client certificates when nothing else is set.
    settings.client_authentication = ClientAuthentication::Optional;
    let addr = serve(settings).await;
    let reply = exchange(
        client_config(&client_trusting(&[ca_file])).unwrap(),
        addr,
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(reply, "anonymous TLSv1_3 ping");
}

#[test]
fn several_leaf_keys_without_alias_are_refused_and_alias_selects() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let a = ca.localhost("a");
    let b = ca.localhost("b");
    let entries = vec![
        Pkcs12Entry::PrivateKey {
            alias: "a".into(),
            key: PrivateKey::from_pkcs8_der(a.key.pkcs8_der()).unwrap(),
            chain: vec![a.certificate.clone()],
        },
        Pkcs12Entry::PrivateKey {
            alias: "b".into(),
            key: PrivateKey::from_pkcs8_der(b.key.pkcs8_der()).unwrap(),
            chain: vec![b.certificate.clone()],
        },
    ];
    let path = dir.path().join("two.p12");
    std::fs::write(&path, ironstack_pki::write_pkcs12(&entries, "pw").unwrap()).unwrap();
    let identity = |alias: Option<&str>| Identity::Pkcs12 {
        path: path.clone(),
        password: Secret::new("pw"),
        alias: alias.map(str::to_string),
    };
    let err = server_config(&ServerTlsSettings::new(identity(None))).unwrap_err();
    assert!(
        matches!(err, Error::SeveralKeys { ref aliases, .. } if aliases == &["a", "b"]),
        "{err}"
    );
    assert!(err.to_string().contains("two.p12"), "{err}");
    server_config(&ServerTlsSettings::new(identity(Some("b")))).unwrap();
    let err = server_config(&ServerTlsSettings::new(identity(Some("c")))).unwrap_err();
    assert!(matches!(err, Error::AliasNotFound { .. }), "{err}");
}

#[test]
fn wrong_p12_password_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let path = ca
        .localhost("node1")
        .write_p12(dir.path(), "http", "right", &ca);
    let err = server_config(&ServerTlsSettings::new(Identity::Pkcs12 {
        path,
        password: Secret::new("wrong"),
        alias: None,
    }))
    .unwrap_err();
    assert!(matches!(err, Error::WrongPassword { .. }), "{err}");
    assert!(
        err.to_string().contains("http.p12") && err.to_string().contains("password"),
        "{err}"
    );
}

#[test]
fn p12_without_private_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let entries = vec![Pkcs12Entry::TrustedCertificate {
        alias: "ca".into(),
        certificate: ca.ca.certificate.clone(),
    }];
    let path = dir.path().join("trust.p12");
    std::fs::write(&path, ironstack_pki::write_pkcs12(&entries, "pw").unwrap()).unwrap();
    let err = server_config(&ServerTlsSettings::new(Identity::Pkcs12 {
        path,
        password: Secret::new("pw"),
        alias: None,
    }))
    .unwrap_err();
    assert!(matches!(err, Error::NoPrivateKey { .. }), "{err}");
}

#[test]
fn key_that_does_not_match_the_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let (certificate, _) = ca.localhost("node1").write_pem(dir.path(), "node1", &[]);
    let (_, other_key) = ca.localhost("node2").write_pem(dir.path(), "node2", &[]);
    let err = server_config(&ServerTlsSettings::new(Identity::Pem {
        certificate,
        key: other_key,
        passphrase: None,
    }))
    .unwrap_err();
    assert!(matches!(err, Error::KeyMismatch { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("node2.key") && text.contains("node1.crt") && text.contains("does not match"),
        "{text}"
    );
}

#[test]
fn expired_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let now = jiff::Timestamp::now();
    let validity = Validity {
        not_before: now - jiff::SignedDuration::from_hours(48),
        not_after: now - jiff::SignedDuration::from_hours(24),
    };
    let leaf = ca.leaf(&spec("old", &["localhost"], &[], validity, false));
    let (certificate, key) = leaf.write_pem(dir.path(), "old", &[]);
    let err = server_config(&ServerTlsSettings::new(Identity::Pem {
        certificate,
        key,
        passphrase: None,
    }))
    .unwrap_err();
    assert!(matches!(err, Error::Expired { .. }), "{err}");
    assert!(
        err.to_string().contains("old.crt") && err.to_string().contains("expired"),
        "{err}"
    );
}

#[tokio::test]
async fn encrypted_pem_key_needs_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let leaf = ca.localhost("node1");
    let (certificate, key) = leaf.write_pem(dir.path(), "node1", &[]);
    std::fs::write(&key, leaf.key.to_pem(Some("passphrase")).unwrap()).unwrap();

    let identity = |passphrase: Option<&str>| Identity::Pem {
        certificate: certificate.clone(),
        key: key.clone(),
        passphrase: passphrase.map(Secret::new),
    };
    let err = server_config(&ServerTlsSettings::new(identity(None))).unwrap_err();
    assert!(matches!(err, Error::PassphraseRequired { .. }), "{err}");
    let err = server_config(&ServerTlsSettings::new(identity(Some("nope")))).unwrap_err();
    assert!(matches!(err, Error::WrongPassword { .. }), "{err}");

    let addr = serve(ServerTlsSettings::new(identity(Some("passphrase")))).await;
    let reply = exchange(
        client_config(&client_trusting(&[ca_file])).unwrap(),
        addr,
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(reply, "anonymous TLSv1_3 ping");
}

#[test]
fn missing_and_empty_files_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.crt");
    let empty = dir.path().join("empty.crt");
    std::fs::write(&empty, "not pem\n").unwrap();
    let key = dir.path().join("k.key");
    std::fs::write(&key, "").unwrap();
    let err = server_config(&ServerTlsSettings::new(Identity::Pem {
        certificate: missing,
        key: key.clone(),
        passphrase: None,
    }))
    .unwrap_err();
    assert!(
        matches!(err, Error::Read { .. }) && err.to_string().contains("missing.crt"),
        "{err}"
    );
    let err = server_config(&ServerTlsSettings::new(Identity::Pem {
        certificate: empty,
        key,
        passphrase: None,
    }))
    .unwrap_err();
    assert!(
        matches!(err, Error::NoCertificates { .. }) && err.to_string().contains("empty.crt"),
        "{err}"
    );
}

struct ClientAuthFixture {
    _dir: tempfile::TempDir,
    ca_file: std::path::PathBuf,
    server_identity: Identity,
    good_client: Identity,
    foreign_client: Identity,
}

fn client_auth_fixture() -> ClientAuthFixture {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let other_ca = TestCa::new("Other CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let server_identity = pem_identity(dir.path(), &ca, "node1");
    let (c, k) = ca.localhost("alice").write_pem(dir.path(), "alice", &[]);
    let good_client = Identity::Pem {
        certificate: c,
        key: k,
        passphrase: None,
    };
    let (c, k) = other_ca
        .localhost("mallory")
        .write_pem(dir.path(), "mallory", &[]);
    let foreign_client = Identity::Pem {
        certificate: c,
        key: k,
        passphrase: None,
    };
    ClientAuthFixture {
        _dir: dir,
        ca_file,
        server_identity,
        good_client,
        foreign_client,
    }
}

fn client_with(
    fixture: &ClientAuthFixture,
    identity: Option<&Identity>,
) -> Arc<ironstack_tls::rustls::ClientConfig> {
    let settings = ClientTlsSettings {
        identity: identity.cloned(),
        ..client_trusting(&[&fixture.ca_file])
    };
    client_config(&settings).unwrap()
}

#[tokio::test]
async fn client_authentication_required() {
    let f = client_auth_fixture();
    let mut settings = ServerTlsSettings::new(f.server_identity.clone());
    settings.client_authentication = ClientAuthentication::Required;
    settings.client_certificate_authorities = vec![f.ca_file.clone()];
    let addr = serve(settings).await;
    let reply = exchange(client_with(&f, Some(&f.good_client)), addr, "localhost")
        .await
        .unwrap();
    assert_eq!(reply, "CN=alice TLSv1_3 ping");
    assert!(
        exchange(client_with(&f, None), addr, "localhost")
            .await
            .is_err()
    );
    assert!(
        exchange(client_with(&f, Some(&f.foreign_client)), addr, "localhost")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn client_authentication_optional() {
    let f = client_auth_fixture();
    let mut settings = ServerTlsSettings::new(f.server_identity.clone());
    settings.client_authentication = ClientAuthentication::Optional;
    settings.client_certificate_authorities = vec![f.ca_file.clone()];
    let addr = serve(settings).await;
    assert_eq!(
        exchange(client_with(&f, Some(&f.good_client)), addr, "localhost")
            .await
            .unwrap(),
        "CN=alice TLSv1_3 ping"
    );
    assert_eq!(
        exchange(client_with(&f, None), addr, "localhost")
            .await
            .unwrap(),
        "anonymous TLSv1_3 ping"
    );
    // A certificate that is presented must still be valid.
    assert!(
        exchange(client_with(&f, Some(&f.foreign_client)), addr, "localhost")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn client_authentication_none_does_not_ask() {
    let f = client_auth_fixture();
    let addr = serve(ServerTlsSettings::new(f.server_identity.clone())).await;
    assert_eq!(
        exchange(client_with(&f, Some(&f.good_client)), addr, "localhost")
            .await
            .unwrap(),
        "anonymous TLSv1_3 ping"
    );
    assert_eq!(
        exchange(client_with(&f, Some(&f.foreign_client)), addr, "localhost")
            .await
            .unwrap(),
        "anonymous TLSv1_3 ping"
    );
}

#[tokio::test]
async fn client_truststore_p12_is_used_for_client_certificates() {
    let f = client_auth_fixture();
    let dir = tempfile::tempdir().unwrap();
    let ca_pem = std::fs::read_to_string(&f.ca_file).unwrap();
    let ca_cert = ironstack_pki::Certificate::from_pem(&ca_pem).unwrap();
    let store = dir.path().join("truststore.p12");
    let entries = vec![Pkcs12Entry::TrustedCertificate {
        alias: "ca".into(),
        certificate: ca_cert,
    }];
    std::fs::write(
        &store,
        ironstack_pki::write_pkcs12(&entries, "tpw").unwrap(),
    )
    .unwrap();
    let mut settings = ServerTlsSettings::new(f.server_identity.clone());
    settings.client_authentication = ClientAuthentication::Required;
    settings.client_truststore = Some(ironstack_tls::TrustStore {
        path: store,
        password: Secret::new("tpw"),
    });
    let addr = serve(settings).await;
    assert_eq!(
        exchange(client_with(&f, Some(&f.good_client)), addr, "localhost")
            .await
            .unwrap(),
        "CN=alice TLSv1_3 ping"
    );
    assert!(
        exchange(client_with(&f, Some(&f.foreign_client)), addr, "localhost")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn insecure_server_verification_none_accepts_any_client_certificate() {
    let f = client_auth_fixture();
    let mut settings = ServerTlsSettings::new(f.server_identity.clone());
    settings.client_authentication = ClientAuthentication::Required;
    settings.insecure_accept_any_client_certificate = true;
    let addr = serve(settings).await;
    assert_eq!(
        exchange(client_with(&f, Some(&f.foreign_client)), addr, "localhost")
            .await
            .unwrap(),
        "CN=mallory TLSv1_3 ping"
    );
    assert!(
        exchange(client_with(&f, None), addr, "localhost")
            .await
            .is_err()
    );
}

#[test]
fn client_authentication_without_trusted_cas_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    // A PEM identity without its CA in the chain file: nothing to trust client certs with.
    let (certificate, key) = ca.localhost("node1").write_pem(dir.path(), "node1", &[]);
    let mut settings = ServerTlsSettings::new(Identity::Pem {
        certificate,
        key,
        passphrase: None,
    });
    settings.client_authentication = ClientAuthentication::Required;
    let err = server_config(&settings).unwrap_err();
    assert!(matches!(err, Error::NoTrustAnchors(_)), "{err}");
}

#[tokio::test]
async fn settings_from_ironstack_yml() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(config_dir.join("certs")).unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(&config_dir.join("certs"), "ca.crt");
    ca.localhost("node1")
        .write_p12(&config_dir.join("certs"), "http", "kspw", &ca);
    std::fs::write(
        config_dir.join("ironstack.yml"),
        "xpack.security.http.ssl:\n  enabled: true\n  keystore.path: certs/http.p12\n  client_authentication: optional\n  certificate_authorities: certs/ca.crt\n  supported_protocols: [TLSv1.2]\n",
    )
    .unwrap();
    let config = ironstack_config::NodeConfig::load(&ironstack_config::LoadOptions {
        config_dir: Some(config_dir.clone()),
        ..Default::default()
    })
    .unwrap();
    let secrets = ironstack_tls::HttpSslSecrets {
        keystore_password: Some(Secret::new("kspw")),
        ..Default::default()
    };
    let settings = ServerTlsSettings::from_http_ssl(&config.security.http_ssl, &secrets).unwrap();
    assert_eq!(settings.files().len(), 2);
    let addr = serve(settings).await;
    let reply = exchange(
        client_config(&client_trusting(&[ca_file])).unwrap(),
        addr,
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(reply, "anonymous TLSv1_2 ping");

    // Without the keystore password the store cannot be opened (ES: empty password default).
    let err = ServerTlsSettings::from_http_ssl(&config.security.http_ssl, &Default::default())
        .and_then(|s| server_config(&s).map(|_| ()))
        .unwrap_err();
    assert!(matches!(err, Error::WrongPassword { .. }), "{err}");
}
