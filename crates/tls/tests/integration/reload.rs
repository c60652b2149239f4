//! Hot reload: a changed certificate is served to new connections while an open connection
//! keeps working; a broken replacement keeps the previous configuration; expiry warnings.

use std::time::Duration;

use ironstack_pki::Validity;
use ironstack_tls::{
    EXPIRY_WARNING_WINDOW, Identity, ReloadOutcome, ReloadableServerConfig, ServerTlsSettings,
    client_config,
};

use crate::common::{TestCa, client_trusting, connect, roundtrip, spec, start_server};

/// Subject CN of the certificate the server presented on a new connection.
async fn served_cn(
    config: std::sync::Arc<ironstack_tls::rustls::ClientConfig>,
    addr: std::net::SocketAddr,
) -> String {
    let stream = connect(config, addr, "localhost").await.unwrap();
    let chain = stream.get_ref().1.peer_certificates().unwrap();
    ironstack_tls::subject_dn(&chain[0]).unwrap()
}

#[tokio::test]
async fn watcher_swaps_the_certificate_and_keeps_open_connections() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let (certificate, key) = ca.localhost("first").write_pem(dir.path(), "node", &[]);
    let reloadable = ReloadableServerConfig::new(ServerTlsSettings::new(Identity::Pem {
        certificate,
        key,
        passphrase: None,
    }))
    .unwrap();
    let watcher = reloadable.spawn_watcher(Duration::from_millis(200));
    let source = reloadable.clone();
    let addr = start_server(move || source.current()).await;
    let client = client_config(&client_trusting(&[ca_file])).unwrap();

    let mut open = connect(client.clone(), addr, "localhost").await.unwrap();
    assert_eq!(
        roundtrip(&mut open, "before").await.unwrap(),
        "anonymous TLSv1_3 before"
    );
    assert_eq!(served_cn(client.clone(), addr).await, "CN=first");

    ca.localhost("second").write_pem(dir.path(), "node", &[]);
    let mut swapped = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if served_cn(client.clone(), addr).await == "CN=second" {
            swapped = true;
            break;
        }
    }
    assert!(swapped, "the new certificate was not served within 5 s");
    // The connection opened before the swap still works.
    assert_eq!(
        roundtrip(&mut open, "after").await.unwrap(),
        "anonymous TLSv1_3 after"
    );
    watcher.abort();
}

#[tokio::test]
async fn broken_replacement_keeps_the_previous_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let (certificate, key) = ca.localhost("first").write_pem(dir.path(), "node", &[]);
    let reloadable = ReloadableServerConfig::new(ServerTlsSettings::new(Identity::Pem {
        certificate: certificate.clone(),
        key: key.clone(),
        passphrase: None,
    }))
    .unwrap();
    assert_eq!(
        reloadable.check_for_changes().unwrap(),
        ReloadOutcome::Unchanged
    );
    let source = reloadable.clone();
    let addr = start_server(move || source.current()).await;
    let client = client_config(&client_trusting(&[ca_file])).unwrap();

    // A certificate whose key was not replaced yet: key mismatch, old config stays.
    let other = ca.localhost("second");
    std::fs::write(&certificate, other.certificate.to_pem()).unwrap();
    let err = reloadable.check_for_changes().unwrap_err();
    assert!(
        matches!(err, ironstack_tls::Error::KeyMismatch { .. }),
        "{err}"
    );
    assert_eq!(served_cn(client.clone(), addr).await, "CN=first");
    // The same broken state is not retried (and not logged) at every tick.
    assert_eq!(
        reloadable.check_for_changes().unwrap(),
        ReloadOutcome::Unchanged
    );

    // Garbage in the file: still the old config.
    std::fs::write(&certificate, "garbage").unwrap();
    assert!(reloadable.check_for_changes().is_err());
    assert_eq!(served_cn(client.clone(), addr).await, "CN=first");

    // Completing the replacement (certificate and key) is picked up.
    std::fs::write(&certificate, other.certificate.to_pem()).unwrap();
    std::fs::write(&key, other.key.to_pkcs8_pem()).unwrap();
    assert_eq!(
        reloadable.check_for_changes().unwrap(),
        ReloadOutcome::Reloaded
    );
    assert_eq!(served_cn(client.clone(), addr).await, "CN=second");
}

#[tokio::test]
async fn watcher_keeps_serving_when_the_file_disappears() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let (certificate, key) = ca.localhost("first").write_pem(dir.path(), "node", &[]);
    let reloadable = ReloadableServerConfig::new(ServerTlsSettings::new(Identity::Pem {
        certificate: certificate.clone(),
        key,
        passphrase: None,
    }))
    .unwrap();
    let watcher = reloadable.spawn_watcher(Duration::from_millis(200));
    let source = reloadable.clone();
    let addr = start_server(move || source.current()).await;
    std::fs::remove_file(&certificate).unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let client = client_config(&client_trusting(&[ca_file])).unwrap();
    assert_eq!(served_cn(client, addr).await, "CN=first");
    assert!(!watcher.is_finished());
    watcher.abort();
}

#[test]
fn expiry_warnings_list_certificates_expiring_within_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let soon = ca.leaf(&spec(
        "soon",
        &["localhost"],
        &[],
        Validity::days_from_now(10),
        false,
    ));
    let (certificate, key) = soon.write_pem(dir.path(), "soon", &[]);
    let reloadable = ReloadableServerConfig::new(ServerTlsSettings::new(Identity::Pem {
        certificate,
        key,
        passphrase: None,
    }))
    .unwrap();
    let warnings = reloadable.expiry_warnings(EXPIRY_WARNING_WINDOW);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].subject.contains("soon"));
    assert!(
        (9..=10).contains(&warnings[0].days_left),
        "{:?}",
        warnings[0]
    );
    assert!(
        warnings[0].to_string().contains("expires in"),
        "{}",
        warnings[0]
    );

    let later = ca.localhost("later");
    // The chain file also holds the CA (valid 30 days): only the CA is reported.
    let (certificate, key) = later.write_pem(dir.path(), "later", &[&ca.ca.certificate]);
    let reloadable = ReloadableServerConfig::new(ServerTlsSettings::new(Identity::Pem {
        certificate,
        key,
        passphrase: None,
    }))
    .unwrap();
    assert!(
        reloadable
            .expiry_warnings(Duration::from_secs(7 * 86_400))
            .is_empty()
    );
    let warnings = reloadable.expiry_warnings(Duration::from_secs(31 * 86_400));
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].subject.contains("Test CA"));
}
