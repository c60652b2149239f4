//! Interop with OpenSSL and the JDK: a TLS 1.1 client cannot be built with rustls, so
//! `openssl s_client` checks that the server refuses TLS 1.1 and accepts TLS 1.2/1.3; PKCS#12
//! files written by `openssl pkcs12 -export` and by `keytool` are served. Skipped when the
//! tool is missing (unless IRONSTACK_REQUIRE_INTEROP=1).

use std::process::{Command, Stdio};

use ironstack_tls::{Identity, Secret, ServerTlsSettings, client_config, server_config};

use crate::common::{TestCa, client_trusting, exchange, have_tool, start_server};

/// Runs `openssl s_client` in a blocking thread: whether the handshake succeeded, and the
/// combined output.
async fn s_client(
    addr: std::net::SocketAddr,
    version_flag: &'static str,
    ca_file: std::path::PathBuf,
) -> (bool, String) {
    tokio::task::spawn_blocking(move || {
        let output = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &addr.to_string(),
                "-servername",
                "localhost",
                version_flag,
            ])
            .arg("-CAfile")
            .arg(&ca_file)
            // TLS 1.1 is disabled at OpenSSL 3's default security level on the client side
            // too; level 0 makes sure it is our server that refuses.
            .args(["-cipher", "DEFAULT:@SECLEVEL=0"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let ok = output.status.success() && stdout.contains("Verify return code: 0 (ok)");
        (ok, stdout + &String::from_utf8_lossy(&output.stderr))
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn openssl_tls11_is_refused_tls12_and_tls13_accepted() {
    if !have_tool("openssl", "version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let (certificate, key) = ca.localhost("node1").write_pem(dir.path(), "node1", &[]);
    let config = server_config(&ServerTlsSettings::new(Identity::Pem {
        certificate,
        key,
        passphrase: None,
    }))
    .unwrap();
    let addr = start_server(move || config.clone()).await;
    let (ok, output) = s_client(addr, "-tls1_1", ca_file.clone()).await;
    assert!(!ok, "TLS 1.1 must be refused: {output}");
    // The client did offer TLS 1.1 and our server answered with an alert (rustls sends
    // handshake_failure), rather than the client giving up before trying.
    assert!(
        output.contains("TLSv1.1") && output.contains("alert"),
        "{output}"
    );
    let (ok, output) = s_client(addr, "-tls1_2", ca_file.clone()).await;
    assert!(
        ok && output.contains("TLSv1.2"),
        "TLS 1.2 must work: {output}"
    );
    let (ok, output) = s_client(addr, "-tls1_3", ca_file).await;
    assert!(
        ok && output.contains("TLSv1.3"),
        "TLS 1.3 must work: {output}"
    );
}

#[tokio::test]
async fn pkcs12_exported_by_openssl_is_served() {
    if !have_tool("openssl", "version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Test CA");
    let ca_file = ca.write_pem(dir.path(), "ca.crt");
    let (certificate, key) = ca.localhost("node1").write_pem(dir.path(), "node1", &[]);
    for legacy in [false, true] {
        let p12 = dir.path().join(format!("openssl-{legacy}.p12"));
        let mut command = Command::new("openssl");
        command
            .args(["pkcs12", "-export", "-passout", "pass:opw", "-name", "http"])
            .arg("-in")
            .arg(&certificate)
            .arg("-inkey")
            .arg(&key)
            .arg("-certfile")
            .arg(&ca_file)
            .arg("-out")
            .arg(&p12);
        if legacy {
            command.arg("-legacy");
        }
        let status = command.status().unwrap();
        if !status.success() {
            // `-legacy` needs OpenSSL's legacy provider, which some builds lack.
            assert!(legacy, "openssl pkcs12 -export failed");
            eprintln!("skipping the -legacy variant: openssl could not write it");
            continue;
        }
        let config = server_config(&ServerTlsSettings::new(Identity::Pkcs12 {
            path: p12,
            password: Secret::new("opw"),
            alias: None,
        }))
        .unwrap();
        let addr = start_server(move || config.clone()).await;
        let reply = exchange(
            client_config(&client_trusting(&[&ca_file])).unwrap(),
            addr,
            "localhost",
        )
        .await
        .unwrap();
        assert_eq!(reply, "anonymous TLSv1_3 ping");
    }
}

#[tokio::test]
async fn pkcs12_generated_by_keytool_is_served() {
    if !have_tool("keytool", "-help") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p12 = dir.path().join("keytool.p12");
    let status = Command::new("keytool")
        .args([
            "-genkeypair",
            "-alias",
            "http",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
        ])
        .args([
            "-dname",
            "CN=localhost",
            "-ext",
            "SAN=dns:localhost",
            "-validity",
            "30",
        ])
        .args(["-storetype", "PKCS12", "-storepass", "kpw123", "-keystore"])
        .arg(&p12)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "keytool -genkeypair failed");
    let exported = Command::new("keytool")
        .args([
            "-exportcert",
            "-rfc",
            "-alias",
            "http",
            "-storetype",
            "PKCS12",
            "-storepass",
            "kpw123",
            "-keystore",
        ])
        .arg(&p12)
        .output()
        .unwrap();
    assert!(exported.status.success(), "keytool -exportcert failed");
    let self_signed = dir.path().join("self.crt");
    std::fs::write(&self_signed, &exported.stdout).unwrap();

    let config = server_config(&ServerTlsSettings::new(Identity::Pkcs12 {
        path: p12,
        password: Secret::new("kpw123"),
        alias: None,
    }))
    .unwrap();
    let addr = start_server(move || config.clone()).await;
    // The self-signed certificate is its own trust anchor.
    let reply = exchange(
        client_config(&client_trusting(&[self_signed])).unwrap(),
        addr,
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(reply, "anonymous TLSv1_3 ping");
}
