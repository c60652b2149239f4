//! PKI login over real HTTPS: a CA and client certificates made with `ironstack certutil`, a
//! PKI realm trusting one CA, a role mapping, then curl with `--cert/--key` against
//! `_security/_authenticate` (mapped role, realm type `pki`) and a 401 for a certificate the
//! realm does not trust; `_ssl/certificates` checked against `openssl x509`.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::{TestNode, have_tool, ironstack, python, start_secured};

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ironstack certutil` in `dir`, then the zip it wrote unpacked there.
fn certutil_pem(dir: &Path, args: &[&str], zip: &str) {
    run(ironstack()
        .current_dir(dir)
        .arg("certutil")
        .args(args)
        .args(["--pem", "--keytype", "ec", "--silent", "--out", zip]));
    run(Command::new(python())
        .current_dir(dir)
        .args(["-m", "zipfile", "-e", zip, "."]));
}

/// curl against the node; `(HTTP status, JSON body)`.
fn curl(
    node: &TestNode,
    ca: &Path,
    auth: &[&str],
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--cacert"])
        .arg(ca)
        .args(["-X", method, "-w", "\n%{http_code}"])
        .args(auth);
    if let Some(b) = body {
        cmd.args(["-H", "Content-Type: application/json", "-d", &b.to_string()]);
    }
    cmd.arg(format!("https://localhost:{}{path}", node.port));
    let out = run(&mut cmd);
    let (body, status) = out.trim_end().rsplit_once('\n').unwrap_or(("", out.trim()));
    (
        status.parse().unwrap(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

/// `openssl x509` fields: subject, issuer (RFC 2253), serial (lower-case hex without leading
/// zeros), notAfter as Elasticsearch's ISO-8601.
fn openssl_fields(cert: &Path) -> (String, String, String, String) {
    let out = run(Command::new("openssl")
        .args([
            "x509", "-noout", "-subject", "-issuer", "-serial", "-enddate", "-nameopt", "RFC2253",
            "-in",
        ])
        .arg(cert));
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {out}"))
            .trim()
            .to_string()
    };
    let serial = field("serial=").to_lowercase();
    let serial = serial.trim_start_matches('0').to_string();
    // `Nov 27 06:49:01 2029 GMT`
    let end = field("notAfter=");
    let parts: Vec<&str> = end.split_whitespace().collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[0])
    .unwrap()
        + 1;
    let expiry = format!(
        "{}-{month:02}-{:02}T{}.000Z",
        parts[3],
        parts[1].parse::<u32>().unwrap(),
        parts[2]
    );
    (field("subject="), field("issuer="), serial, expiry)
}

#[test]
fn pki_login_with_certutil_certificates_and_ssl_certificates() {
    if !have_tool("curl", "--version") || !have_tool("openssl", "version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    node.stop();
    let certs = home.path().join("config/certs");
    // The realm's CA and a second CA the HTTP layer also accepts but the realm does not.
    for (ca, client) in [("ca1", "client1"), ("ca2", "client2")] {
        let dir = certs.join(ca);
        std::fs::create_dir_all(&dir).unwrap();
        certutil_pem(&dir, &["ca"], "ca.zip");
        certutil_pem(
            &dir,
            &[
                "cert",
                "--ca-cert",
                "ca/ca.crt",
                "--ca-key",
                "ca/ca.key",
                "--name",
                client,
            ],
            "client.zip",
        );
    }
    let node = TestNode::start(
        home.path(),
        &[
            "xpack.security.http.ssl.client_authentication=optional",
            "xpack.security.http.ssl.certificate_authorities=certs/ca1/ca/ca.crt,certs/ca2/ca/ca.crt",
            "xpack.security.authc.realms.pki.pki1.order=1",
            "xpack.security.authc.realms.pki.pki1.certificate_authorities=certs/ca1/ca/ca.crt",
        ],
    );
    let http_ca = node.ca();
    let elastic = ["-u".to_string(), format!("elastic:{password}")];
    let elastic: Vec<&str> = elastic.iter().map(String::as_str).collect();
    let (status, v) = curl(
        &node,
        &http_ca,
        &elastic,
        "PUT",
        "/_security/role_mapping/pki_client1",
        Some(
            &json!({"enabled": true, "roles": ["monitoring_user"], "rules": {"field": {"username": "client1"}}}),
        ),
    );
    assert_eq!(
        (status, v),
        (200, json!({"role_mapping": {"created": true}}))
    );

    let client = |ca: &str, name: &str| {
        let dir = certs.join(ca).join(name);
        [
            "--cert".to_string(),
            dir.join(format!("{name}.crt")).display().to_string(),
            "--key".to_string(),
            dir.join(format!("{name}.key")).display().to_string(),
        ]
    };
    let c1 = client("ca1", "client1");
    let c1: Vec<&str> = c1.iter().map(String::as_str).collect();
    let (status, v) = curl(
        &node,
        &http_ca,
        &c1,
        "GET",
        "/_security/_authenticate",
        None,
    );
    assert_eq!(status, 200, "{v}\n{}", node.output());
    assert_eq!(v["username"], "client1");
    assert_eq!(v["roles"], json!(["monitoring_user"]));
    assert_eq!(
        v["authentication_realm"],
        json!({"name": "pki1", "type": "pki"})
    );
    assert_eq!(v["metadata"]["pki_dn"], "CN=client1");
    // The mapped role works: monitoring_user may call `GET /`.
    let (status, _) = curl(&node, &http_ca, &c1, "GET", "/", None);
    assert_eq!(status, 200);

    let c2 = client("ca2", "client2");
    let c2: Vec<&str> = c2.iter().map(String::as_str).collect();
    let (status, v) = curl(
        &node,
        &http_ca,
        &c2,
        "GET",
        "/_security/_authenticate",
        None,
    );
    assert_eq!(status, 401, "{v}");
    assert_eq!(
        v["error"]["reason"],
        "unable to authenticate user [CN=client2] for REST request [/_security/_authenticate]"
    );

    // `_ssl/certificates` lists the HTTP keystore and both CA files; the PEM entries and the
    // keystore's CA agree with openssl.
    let (status, v) = curl(&node, &http_ca, &elastic, "GET", "/_ssl/certificates", None);
    assert_eq!(status, 200, "{v}");
    let entries = v.as_array().unwrap();
    for (ca, shown) in [
        ("ca1", "certs/ca1/ca/ca.crt"),
        ("ca2", "certs/ca2/ca/ca.crt"),
    ] {
        let (subject, issuer, serial, expiry) = openssl_fields(&certs.join(ca).join("ca/ca.crt"));
        let e = entries
            .iter()
            .find(|e| e["path"] == shown)
            .unwrap_or_else(|| panic!("{shown} missing in {v}"));
        assert_eq!(
            e,
            &json!({"path": shown, "format": "PEM", "alias": null, "subject_dn": subject,
                    "serial_number": serial, "has_private_key": false, "expiry": expiry,
                    "issuer": issuer})
        );
    }
    let (subject, issuer, serial, expiry) = openssl_fields(&http_ca);
    let trusted = entries
        .iter()
        .find(|e| e["path"] == "certs/http.p12" && e["alias"] == "http_ca")
        .unwrap_or_else(|| panic!("http_ca missing in {v}"));
    assert_eq!(trusted["format"], "PKCS12");
    assert_eq!(trusted["subject_dn"], subject.as_str());
    assert_eq!(trusted["issuer"], issuer.as_str());
    assert_eq!(trusted["serial_number"], serial.as_str());
    assert_eq!(trusted["expiry"], expiry.as_str());
    // Auto-configuration keeps the HTTP CA's key in http.p12 (alias http_ca), as
    // Elasticsearch's does, so that entry has a private key.
    assert_eq!(trusted["has_private_key"], true);
    let leaf = entries
        .iter()
        .find(|e| {
            e["path"] == "certs/http.p12" && e["alias"] == "http" && e["has_private_key"] == true
        })
        .unwrap_or_else(|| panic!("http leaf missing in {v}"));
    assert_eq!(leaf["issuer"], subject.as_str());
    // Per alias, the certificates listed are the ones the JDK's keystore loader (which
    // Elasticsearch reads keystores with) gives that entry: keytool's view of its chain.
    if have_tool("keytool", "-help") {
        let store_password = run(ironstack()
            .env("IRONSTACK_PATH_CONF", home.path().join("config"))
            .args([
                "keystore",
                "show",
                "-s",
                "xpack.security.http.ssl.keystore.secure_password",
            ]));
        let listing = run(Command::new("keytool")
            .args(["-list", "-v", "-storetype", "PKCS12", "-keystore"])
            .arg(certs.join("http.p12"))
            .args(["-storepass", store_password.trim()]));
        let mut by_alias: Vec<(String, Vec<String>)> = Vec::new();
        for line in listing.lines() {
            if let Some(alias) = line.strip_prefix("Alias name: ") {
                by_alias.push((alias.trim().to_string(), Vec::new()));
            } else if let (Some(owner), Some((_, owners))) =
                (line.strip_prefix("Owner: "), by_alias.last_mut())
            {
                owners.push(owner.trim().to_string());
            }
        }
        assert_eq!(by_alias.len(), 2, "{listing}");
        for (alias, owners) in by_alias {
            let mut listed: Vec<String> = entries
                .iter()
                .filter(|e| e["path"] == "certs/http.p12" && e["alias"] == alias.as_str())
                .map(|e| e["subject_dn"].as_str().unwrap_or_default().to_string())
                .collect();
            let mut owners = owners;
            listed.sort();
            owners.sort();
            assert_eq!(listed, owners, "alias {alias}: {v}\n{listing}");
        }
    }
    // client1 (monitoring_user) lacks `monitor`: 403 with Elasticsearch's text.
    let (status, v) = curl(&node, &http_ca, &c1, "GET", "/_ssl/certificates", None);
    assert_eq!(status, 403);
    assert!(
        v["error"]["reason"].as_str().unwrap().starts_with(
            "action [cluster:monitor/xpack/ssl/certificates/get] is unauthorized for user [client1]"
        ),
        "{v}"
    );
}
