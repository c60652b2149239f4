//! Client verification modes against a real server: full (with the CN fallback), strict,
//! certificate, dangerous none, `ca_sha256` pins and `ca_trusted_fingerprint`.

use std::net::SocketAddr;
use std::path::PathBuf;

use ironstack_pki::Validity;
use ironstack_tls::{
    ClientTlsSettings, Identity, ServerTlsSettings, ServerVerification, client_config,
    server_config,
};
use rustls_pki_types::CertificateDer;

use crate::common::{TestCa, exchange, spec, start_server};

struct Fixture {
    _dir: tempfile::TempDir,
    ca: TestCa,
    ca_file: PathBuf,
    untrusted_ca_file: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let untrusted_ca_file = TestCa::new("Other CA").write_pem(dir.path(), "other.crt");
    Fixture {
        _dir: dir,
        ca,
        ca_file,
        untrusted_ca_file,
    }
}

/// Serves a certificate issued by the fixture CA with the given SANs (chain includes the CA).
async fn serve(f: &Fixture, cn: &str, dns: &[&str], ips: &[&str]) -> SocketAddr {
    let leaf =
        f.ca.leaf(&spec(cn, dns, ips, Validity::days_from_now(30), false));
    let (certificate, key) = leaf.write_pem(f._dir.path(), cn, &[&f.ca.ca.certificate]);
    let config = server_config(&ServerTlsSettings::new(Identity::Pem {
        certificate,
        key,
        passphrase: None,
    }))
    .unwrap();
    start_server(move || config.clone()).await
}

fn client(ca_files: &[&PathBuf], verification: ServerVerification) -> ClientTlsSettings {
    ClientTlsSettings {
        certificate_authorities: ca_files.iter().map(|p| (*p).clone()).collect(),
        verification,
        ..Default::default()
    }
}

async fn works(settings: &ClientTlsSettings, addr: SocketAddr, host: &str) -> bool {
    exchange(client_config(settings).unwrap(), addr, host)
        .await
        .is_ok()
}

#[tokio::test]
async fn full_checks_the_host_name_certificate_does_not() {
    let f = fixture();
    let addr = serve(&f, "node1", &["localhost"], &["127.0.0.1"]).await;
    let full = client(&[&f.ca_file], ServerVerification::Full);
    assert!(works(&full, addr, "localhost").await);
    assert!(works(&full, addr, "127.0.0.1").await);
    assert!(!works(&full, addr, "wrong.example.com").await);
    let strict = client(&[&f.ca_file], ServerVerification::Strict);
    assert!(!works(&strict, addr, "wrong.example.com").await);
    let certificate = client(&[&f.ca_file], ServerVerification::Certificate);
    assert!(works(&certificate, addr, "wrong.example.com").await);
}

#[tokio::test]
async fn untrusted_ca_fails_except_in_dangerous_none() {
    let f = fixture();
    let addr = serve(&f, "node1", &["localhost"], &[]).await;
    for mode in [
        ServerVerification::Full,
        ServerVerification::Strict,
        ServerVerification::Certificate,
    ] {
        assert!(
            !works(&client(&[&f.untrusted_ca_file], mode), addr, "localhost").await,
            "{mode:?}"
        );
    }
    assert!(
        works(
            &client(&[&f.untrusted_ca_file], ServerVerification::DangerousNone),
            addr,
            "wrong.host"
        )
        .await
    );
    // No CA configured at all is fine for none (the system store is not even consulted).
    assert!(
        works(
            &client(&[], ServerVerification::DangerousNone),
            addr,
            "localhost"
        )
        .await
    );
}

#[tokio::test]
async fn full_falls_back_to_the_common_name_without_dns_sans_strict_does_not() {
    let f = fixture();
    let addr = serve(&f, "localhost", &[], &[]).await;
    assert!(
        works(
            &client(&[&f.ca_file], ServerVerification::Full),
            addr,
            "localhost"
        )
        .await
    );
    assert!(
        !works(
            &client(&[&f.ca_file], ServerVerification::Full),
            addr,
            "other"
        )
        .await
    );
    assert!(
        !works(
            &client(&[&f.ca_file], ServerVerification::Strict),
            addr,
            "localhost"
        )
        .await
    );
}

#[tokio::test]
async fn common_name_is_ignored_when_dns_sans_exist() {
    let f = fixture();
    let addr = serve(&f, "localhost", &["node1.example.com"], &[]).await;
    assert!(
        !works(
            &client(&[&f.ca_file], ServerVerification::Full),
            addr,
            "localhost"
        )
        .await
    );
}

fn base64_standard(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn ca_sha256_pins() {
    let f = fixture();
    let addr = serve(&f, "node1", &["localhost"], &[]).await;
    let ca_pin = f.ca.ca.certificate.sha256_fingerprint();
    let mut pinned = client(&[&f.ca_file], ServerVerification::Full);
    pinned.ca_sha256 = vec![ca_pin.to_uppercase()];
    assert!(works(&pinned, addr, "localhost").await);
    pinned.ca_sha256 = vec!["00".repeat(32)];
    assert!(!works(&pinned, addr, "localhost").await);
    // Beats' form: base64 SHA-256 of the CA's SubjectPublicKeyInfo.
    let spki = f.ca.ca.certificate.public_key_der().unwrap();
    let spki_pin = {
        use sha2::Digest;
        base64_standard(&sha2::Sha256::digest(&spki))
    };
    pinned.ca_sha256 = vec![spki_pin];
    assert!(works(&pinned, addr, "localhost").await);
    pinned.ca_sha256 = vec![base64_standard(&[0u8; 32])];
    assert!(!works(&pinned, addr, "localhost").await);
    // Pins are checked in none mode too, against the presented chain.
    let mut none = client(&[], ServerVerification::DangerousNone);
    none.ca_sha256 = vec![ca_pin];
    assert!(works(&none, addr, "localhost").await);
    none.ca_sha256 = vec!["11".repeat(32)];
    assert!(!works(&none, addr, "localhost").await);
}

#[tokio::test]
async fn ca_pin_matches_a_ca_that_is_only_in_the_trust_store() {
    // The server sends only its leaf; the pinned CA is the configured anchor.
    let f = fixture();
    let leaf = f.ca.localhost("node1");
    let (certificate, key) = leaf.write_pem(f._dir.path(), "leafonly", &[]);
    let config = server_config(&ServerTlsSettings::new(Identity::Pem {
        certificate,
        key,
        passphrase: None,
    }))
    .unwrap();
    let addr = start_server(move || config.clone()).await;
    let mut pinned = client(&[&f.ca_file], ServerVerification::Full);
    pinned.ca_sha256 = vec![f.ca.ca.certificate.sha256_fingerprint()];
    assert!(works(&pinned, addr, "localhost").await);
}

#[tokio::test]
async fn ca_trusted_fingerprint_trusts_the_presented_ca() {
    let f = fixture();
    let addr = serve(&f, "node1", &["localhost"], &[]).await;
    let mut settings = client(&[&f.untrusted_ca_file], ServerVerification::Full);
    assert!(!works(&settings, addr, "localhost").await);
    settings.ca_trusted_fingerprint = Some(f.ca.ca.certificate.sha256_fingerprint());
    assert!(works(&settings, addr, "localhost").await);
    // Host names are still checked.
    assert!(!works(&settings, addr, "wrong.example.com").await);
}

#[tokio::test]
async fn in_memory_ca_certificates() {
    let f = fixture();
    let addr = serve(&f, "node1", &["localhost"], &[]).await;
    let settings = ClientTlsSettings {
        ca_certificates: vec![CertificateDer::from(f.ca.ca.certificate.der().to_vec())],
        ..Default::default()
    };
    assert!(works(&settings, addr, "localhost").await);
}

#[test]
fn verification_mode_names_parse() {
    assert_eq!(
        ServerVerification::parse("full").unwrap(),
        ServerVerification::Full
    );
    assert_eq!(
        ServerVerification::parse("STRICT").unwrap(),
        ServerVerification::Strict
    );
    assert_eq!(
        ServerVerification::parse("certificate").unwrap(),
        ServerVerification::Certificate
    );
    assert_eq!(
        ServerVerification::parse("none").unwrap(),
        ServerVerification::DangerousNone
    );
    assert!(ServerVerification::parse("partial").is_err());
}

#[test]
fn bad_pin_and_missing_ca_file_are_errors() {
    let mut settings = ClientTlsSettings {
        ca_sha256: vec!["xyz".into()],
        ..Default::default()
    };
    assert!(matches!(
        client_config(&settings).unwrap_err(),
        ironstack_tls::Error::InvalidSettings(_)
    ));
    settings.ca_sha256.clear();
    settings.certificate_authorities = vec![PathBuf::from("/nonexistent/ca.crt")];
    let err = client_config(&settings).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ca.crt"), "{err}");
}
