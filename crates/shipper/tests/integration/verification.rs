//! `ssl.verification_mode` and pins over a real handshake with the production TLS builders:
//! right CA, wrong CA, a name mismatch under `full` (accepted by `certificate`), and
//! `ca_trusted_fingerprint` / `ca_sha256` right and wrong, each failure naming its cause.

use ironstack_shipper::client::{EsClient, tls_config};
use ironstack_shipper::connection::Step;

use crate::common::{BulkAnswer, FakeNode, Script, TestCa, shipper_config};

/// Connects as `test output` does; the handshake step's outcome.
async fn handshake(
    dir: &std::path::Path,
    host: &str,
    port: u16,
    ssl: &str,
) -> Result<String, String> {
    let config = shipper_config(
        dir,
        &format!("output.elasticsearch:\n  hosts: [\"https://{host}:{port}\"]\n  ssl:\n{ssl}"),
    );
    let tls = tls_config(&config.output).map_err(|e| e.to_string())?;
    let mut client = EsClient::new(config.output.hosts[0].clone(), &config.output, tls).unwrap();
    let mut outcome = None;
    let mut observe = |step, result: Result<String, String>| {
        if step == Step::Handshake {
            outcome = Some(result);
        }
    };
    let connected = client.connect_observed(&mut observe).await;
    let outcome = outcome.expect("the handshake ran");
    assert_eq!(connected.is_ok(), outcome.is_ok());
    outcome
}

fn ok_script() -> Script {
    Box::new(|_, items, _| BulkAnswer::Items(vec![None; items.len()]))
}

#[tokio::test]
async fn verification_modes_and_pins() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Shipper Test CA");
    let other = TestCa::new("Other CA");
    let ca_file = ca.write(dir.path(), "ca.crt");
    let other_file = other.write(dir.path(), "other.crt");
    let node = FakeNode::start(
        Some(ca.server(dir.path(), "node1", &["localhost"], &["127.0.0.1"])),
        ok_script(),
    )
    .await;
    let port = node.addr.port();
    let cas = |f: &std::path::Path, mode: &str| {
        format!(
            "    certificate_authorities: [\"{}\"]\n    verification_mode: {mode}\n",
            f.display()
        )
    };

    // Right CA, every verifying mode.
    for mode in ["full", "strict", "certificate"] {
        let v = handshake(dir.path(), "localhost", port, &cas(&ca_file, mode)).await;
        assert!(
            v.as_deref().is_ok_and(|v| v.starts_with("TLSv1.")),
            "{mode}: {v:?}"
        );
    }
    // Wrong CA.
    let e = handshake(dir.path(), "localhost", port, &cas(&other_file, "full"))
        .await
        .unwrap_err();
    assert!(e.contains("certificate signed by unknown authority"), "{e}");
    let e = handshake(
        dir.path(),
        "localhost",
        port,
        &cas(&other_file, "certificate"),
    )
    .await
    .unwrap_err();
    assert!(e.contains("unknown authority"), "{e}");

    // A certificate for another name: full refuses, naming both; certificate accepts.
    let named = FakeNode::start(
        Some(ca.server(dir.path(), "node2", &["node2.example.com"], &[])),
        ok_script(),
    )
    .await;
    let e = handshake(
        dir.path(),
        "localhost",
        named.addr.port(),
        &cas(&ca_file, "full"),
    )
    .await
    .unwrap_err();
    assert!(
        e.contains("certificate is valid for node2.example.com, not localhost"),
        "{e}"
    );
    assert!(
        handshake(
            dir.path(),
            "localhost",
            named.addr.port(),
            &cas(&ca_file, "certificate")
        )
        .await
        .is_ok()
    );
    let e = handshake(
        dir.path(),
        "127.0.0.1",
        named.addr.port(),
        &cas(&ca_file, "strict"),
    )
    .await
    .unwrap_err();
    assert!(e.contains("not 127.0.0.1"), "{e}");

    // ca_trusted_fingerprint: the CA the server sends is trusted when its SHA-256 matches,
    // even with only an unrelated CA configured.
    let pinned = format!(
        "{}    ca_trusted_fingerprint: \"{}\"\n",
        cas(&other_file, "full"),
        ca.fingerprint()
    );
    assert!(
        handshake(dir.path(), "localhost", port, &pinned)
            .await
            .is_ok()
    );
    let wrong = format!(
        "{}    ca_trusted_fingerprint: \"{}\"\n",
        cas(&other_file, "full"),
        other.fingerprint()
    );
    let e = handshake(dir.path(), "localhost", port, &wrong)
        .await
        .unwrap_err();
    assert!(e.contains("unknown authority"), "{e}");

    // ca_sha256 pins on top of the configured CA.
    let pin = format!(
        "{}    ca_sha256: [\"{}\"]\n",
        cas(&ca_file, "full"),
        ca.fingerprint()
    );
    assert!(handshake(dir.path(), "localhost", port, &pin).await.is_ok());
    let bad_pin = format!(
        "{}    ca_sha256: [\"{}\"]\n",
        cas(&ca_file, "full"),
        other.fingerprint()
    );
    let e = handshake(dir.path(), "localhost", port, &bad_pin)
        .await
        .unwrap_err();
    assert!(e.contains("ca_sha256"), "{e}");

    // none accepts anything, but refuses a pin at load.
    assert!(
        handshake(dir.path(), "localhost", port, &cas(&other_file, "none"))
            .await
            .is_ok()
    );
}
