//! Integration tests for `ironstack node`: the real binary on a free loopback port with a
//! temporary home folder, driven with curl, openssl and Python (`ssl`, `requests`-free
//! `http.client`, and the official `elasticsearch` client). Every node is killed on drop.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::support::{
    TestNode, banner_password, free_port, have_python_module, have_tool, ironstack, python,
    secured_node,
};

fn banner_fingerprint(out: &str) -> Option<String> {
    let mut lines = out.lines();
    lines.find(|l| l.contains("SHA-256 fingerprint"))?;
    lines.next().map(|l| l.trim().to_string())
}

fn curl(args: &[&str]) -> Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "10"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn first_start_auto_configures_and_second_start_reuses_everything() {
    let (home, node, password) = secured_node();
    let out = node.output();
    assert_eq!(password.len(), 20, "{out}");
    let fingerprint = banner_fingerprint(&out).unwrap();
    assert_eq!(fingerprint.len(), 64);
    assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(out.contains(&format!(
        "curl --cacert config/certs/http_ca.crt -u elastic https://localhost:{}/",
        node.port
    )));
    let yml = std::fs::read_to_string(home.path().join("config/ironstack.yml")).unwrap();
    assert!(yml.contains(
        "#----------------------- BEGIN SECURITY AUTO CONFIGURATION -----------------------"
    ));
    assert!(yml.contains("xpack.security.enabled: true"));
    assert!(yml.contains("keystore.path: certs/http.p12"));
    assert!(home.path().join("config/certs/http.p12").is_file());
    assert!(home.path().join("config/ironstack.keystore").is_file());

    if have_tool("openssl", "version") {
        let o = Command::new("openssl")
            .args([
                "x509",
                "-noout",
                "-fingerprint",
                "-sha256",
                "-subject",
                "-in",
            ])
            .arg(node.ca())
            .output()
            .unwrap();
        let text = stdout_of(&o).to_lowercase().replace(':', "");
        assert!(text.contains(&fingerprint), "{text} vs {fingerprint}");
        assert!(
            text.contains("security auto-configuration http ca"),
            "{text}"
        );
        // The node certificate's SANs.
        let o = Command::new("openssl")
            .args(["pkcs12", "-nokeys", "-passin"])
            .arg(format!(
                "pass:{}",
                keystore_value(
                    home.path(),
                    "xpack.security.http.ssl.keystore.secure_password"
                )
            ))
            .arg("-in")
            .arg(home.path().join("config/certs/http.p12"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let pem = stdout_of(&o);
        assert!(pem.contains("friendlyName: http"), "{pem}");
        assert!(pem.contains("friendlyName: http_ca"), "{pem}");
    }

    let uuid = if have_tool("curl", "--version") {
        let o = curl(&[
            "--cacert",
            node.ca().to_str().unwrap(),
            "-u",
            &format!("elastic:{password}"),
            &format!("https://localhost:{}/", node.port),
        ]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["version"]["number"], "9.1.0");
        v["cluster_uuid"].as_str().unwrap().to_string()
    } else {
        String::new()
    };
    assert!(node.stop().success());

    // Second start: nothing new is generated or printed, the same password works.
    let before = std::fs::read(home.path().join("config/certs/http.p12")).unwrap();
    let node = TestNode::start(home.path(), &[]);
    assert!(
        !node.output().contains("Password for the elastic user"),
        "{}",
        node.output()
    );
    assert_eq!(
        std::fs::read(home.path().join("config/certs/http.p12")).unwrap(),
        before
    );
    if have_tool("curl", "--version") {
        let o = curl(&[
            "--cacert",
            node.ca().to_str().unwrap(),
            "-u",
            &format!("elastic:{password}"),
            &format!("https://localhost:{}/", node.port),
        ]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["cluster_uuid"], uuid.as_str());
    }
    let yml = std::fs::read_to_string(home.path().join("config/ironstack.yml")).unwrap();
    assert_eq!(yml.matches("BEGIN SECURITY AUTO CONFIGURATION").count(), 1);
    assert!(node.stop().success());
    // The JSON log file has one object per line, start and stop included.
    let log = std::fs::read_to_string(home.path().join("logs/ironstack_server.json")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(lines.iter().any(|l| {
        l["message"]
            .as_str()
            .is_some_and(|m| m.contains("listening on https://"))
    }));
    assert!(lines.iter().any(|l| l["message"] == "stopped"));
}

fn keystore_value(home: &Path, name: &str) -> String {
    let o = ironstack()
        .current_dir(home)
        .args(["keystore", "show", name])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    stdout_of(&o).trim().to_string()
}

fn keystore_add(home: &Path, name: &str, value: &str) {
    let path = home.join("config/ironstack.keystore");
    if !path.exists() {
        let o = ironstack()
            .current_dir(home)
            .args(["keystore", "create"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let mut child = ironstack()
        .current_dir(home)
        .args(["keystore", "add", "--stdin", "--force", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{value}\n").as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Runs the node expecting it to refuse to start; returns stderr.
fn start_fails(home: &Path, extra: &[&str]) -> String {
    let mut cmd = ironstack();
    cmd.current_dir(home)
        .arg("node")
        .arg("-E")
        .arg(format!("http.port={}", free_port()))
        .args(extra.iter().flat_map(|e| ["-E", e]))
        .stdin(Stdio::null());
    let o = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        !o.status.success(),
        "node started but should not have: {stderr}{}",
        stdout_of(&o)
    );
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("ERROR: "))
        .collect();
    assert_eq!(errors.len(), 1, "expected one ERROR line, got:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    errors[0].to_string()
}

fn write_config(home: &Path, yml: &str) {
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::write(home.join("config/ironstack.yml"), yml).unwrap();
}

/// Generates PEM material with Python `cryptography`: `name.crt`/`name.key` signed by a CA
/// (`ca.crt`), valid from `days_from`..`days_to` relative to now.
fn make_pem(dir: &Path, name: &str, days_from: i64, days_to: i64) -> bool {
    if !have_python_module("cryptography") {
        return false;
    }
    let script = r#"
import sys, datetime, os
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
import ipaddress
d, name, dfrom, dto = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
now = datetime.datetime.now(datetime.timezone.utc)
def pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
ca_path = os.path.join(d, name + "_ca.crt")
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test ca " + name)])
ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
      .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
      .not_valid_before(now - datetime.timedelta(days=400)).not_valid_after(now + datetime.timedelta(days=400))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .sign(ca_key, hashes.SHA256()))
key = ec.generate_private_key(ec.SECP256R1())
cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=dfrom)).not_valid_after(now + datetime.timedelta(days=dto))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256()))
def write(path, data):
    tmp = path + ".tmp"
    open(tmp, "wb").write(data)
    os.replace(tmp, path)
write(ca_path, ca.public_bytes(serialization.Encoding.PEM))
write(os.path.join(d, name + ".key"), pem_key(key))
write(os.path.join(d, name + ".crt"), cert.public_bytes(serialization.Encoding.PEM))
"#;
    let o = Command::new(python())
        .args(["-c", script])
        .arg(dir)
        .arg(name)
        .arg(days_from.to_string())
        .arg(days_to.to_string())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    true
}

#[test]
fn bad_configuration_stops_start_up_with_one_error_line() {
    // Unknown (misspelled) key, named with its file.
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "xpack.security.http.ssl.enabeld: true\n");
    let e = start_fails(home.path(), &[]);
    assert!(e.contains("xpack.security.http.ssl.enabeld"), "{e}");
    assert!(e.contains("ironstack.yml"), "{e}");

    // Bad value.
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "http.max_content_length: lots\n");
    let e = start_fails(home.path(), &[]);
    assert!(e.contains("http.max_content_length"), "{e}");

    // A secure setting in the YAML is refused.
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        "xpack.security.http.ssl.keystore.secure_password: hunter2\n",
    );
    let e = start_fails(home.path(), &[]);
    assert!(e.contains("keystore"), "{e}");
    assert!(!e.contains("hunter2"), "{e}");

    // A missing file.
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        "xpack.security.enabled: true\nxpack.security.http.ssl.enabled: true\nxpack.security.http.ssl.keystore.path: missing.p12\n",
    );
    let e = start_fails(home.path(), &[]);
    assert!(e.contains("missing.p12"), "{e}");
    assert!(e.contains("xpack.security.http.ssl"), "{e}");
}

#[test]
fn wrong_password_mismatched_key_and_expired_certificate_are_refused() {
    // Wrong PKCS#12 password: an auto-configured home whose keystore entry is then changed.
    let (home, node, _password) = secured_node();
    assert!(node.stop().success());
    keystore_add(
        home.path(),
        "xpack.security.http.ssl.keystore.secure_password",
        "not-the-password",
    );
    let e = start_fails(home.path(), &[]);
    assert!(e.contains("xpack.security.http.ssl.keystore.path"), "{e}");
    assert!(e.contains("http.p12"), "{e}");

    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    let conf = home.path().join("config");
    if !make_pem(&conf, "a", -1, 30) || !make_pem(&conf, "b", -1, 30) {
        return;
    }
    // A key that does not match its certificate.
    write_config(
        home.path(),
        "xpack.security.enabled: true\nxpack.security.http.ssl:\n  enabled: true\n  certificate: a.crt\n  key: b.key\n",
    );
    let e = start_fails(home.path(), &[]);
    assert!(e.contains("a.crt") || e.contains("b.key"), "{e}");
    assert!(e.contains("does not match"), "{e}");

    // An expired certificate.
    assert!(make_pem(&conf, "old", -10, -1));
    write_config(
        home.path(),
        "xpack.security.enabled: true\nxpack.security.http.ssl:\n  enabled: true\n  certificate: old.crt\n  key: old.key\n",
    );
    let e = start_fails(home.path(), &[]);
    assert!(e.contains("old.crt"), "{e}");
    assert!(e.contains("expired"), "{e}");
}

#[test]
fn tls_handshakes_with_curl_openssl_and_python() {
    let (_home, node, password) = secured_node();
    let ca = node.ca();
    let auth = format!("elastic:{password}");
    if have_tool("curl", "--version") {
        for host in ["localhost", "127.0.0.1"] {
            let o = curl(&[
                "--cacert",
                ca.to_str().unwrap(),
                "-u",
                &auth,
                &format!("https://{host}:{}/_cluster/health", node.port),
            ]);
            assert!(
                o.status.success(),
                "{host}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(stdout_of(&o).contains("\"status\":\"green\""));
        }
        // TLS 1.1 and below are refused.
        let o = curl(&[
            "--cacert",
            ca.to_str().unwrap(),
            "--tlsv1.0",
            "--tls-max",
            "1.1",
            &format!("https://localhost:{}/", node.port),
        ]);
        assert!(!o.status.success(), "TLS 1.1 handshake succeeded");
        // The 8.x client's compatibility header is accepted and echoed.
        let o = curl(&[
            "--cacert",
            ca.to_str().unwrap(),
            "-u",
            &auth,
            "-i",
            "-H",
            "Accept: application/vnd.elasticsearch+json; compatible-with=8",
            &format!("https://localhost:{}/", node.port),
        ]);
        let text = stdout_of(&o).to_lowercase();
        assert!(
            text.contains("content-type: application/vnd.elasticsearch+json;compatible-with=8"),
            "{text}"
        );
        assert!(text.contains("x-elastic-product: elasticsearch"), "{text}");
        // Over HTTP/2 the request target is absolute; the 401 still names only the path,
        // as Elasticsearch does.
        let o = curl(&[
            "--cacert",
            ca.to_str().unwrap(),
            "--http2",
            &format!("https://localhost:{}/_cluster/health?pretty", node.port),
        ]);
        let text = stdout_of(&o);
        assert!(
            text.contains(
                "missing authentication credentials for REST request [/_cluster/health?pretty]"
            ),
            "{text}"
        );
        // Plain HTTP on the HTTPS port gets a readable answer and ES's log line.
        let o = curl(&["-i", &format!("http://127.0.0.1:{}/", node.port)]);
        let text = stdout_of(&o);
        assert!(text.starts_with("HTTP/1.1 400"), "{text}");
        assert!(
            text.contains("This is an HTTPS port; use https://"),
            "{text}"
        );
        assert!(node.wait_for_output(
            "received plaintext http traffic on an https channel, closing connection",
            Duration::from_secs(5)
        ));
    }
    if have_tool("openssl", "version") {
        let o = Command::new("openssl")
            .args(["s_client", "-tls1_1", "-connect"])
            .arg(format!("127.0.0.1:{}", node.port))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!o.status.success(), "openssl -tls1_1 connected");
        let o = Command::new("openssl")
            .args(["s_client", "-tls1_2", "-verify_return_error", "-CAfile"])
            .arg(&ca)
            .arg("-connect")
            .arg(format!("127.0.0.1:{}", node.port))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    if have_tool(&python(), "--version") {
        let script = r#"
import ssl, sys, base64, http.client, json
ca, port, auth = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
for host in ("localhost", "127.0.0.1"):
    c = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
    c.request("GET", "/", headers={"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()})
    r = c.getresponse()
    body = json.loads(r.read())
    assert r.status == 200, r.status
    assert body["tagline"] == "You Know, for Search"
    print(host, c.sock.version())
"#;
        let o = Command::new(python())
            .args(["-c", script])
            .arg(&ca)
            .arg(node.port.to_string())
            .arg(&auth)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = stdout_of(&o);
        assert!(text.contains("localhost TLSv1.3"), "{text}");
        assert!(text.contains("127.0.0.1 TLSv1.3"), "{text}");
    }
}

#[test]
fn official_python_client_info_and_health() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let (_home, node, password) = secured_node();
    let script = r#"
import sys
from elasticsearch import Elasticsearch
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
es = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("elastic", password))
info = es.info()
assert info["version"]["number"] == "9.1.0", info
health = es.cluster.health(wait_for_status="green", timeout="5s")
assert health["status"] == "green", health
bad = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("elastic", "wrong-password"))
try:
    bad.info()
    raise SystemExit("wrong password accepted")
except Exception as e:
    assert type(e).__name__ == "AuthenticationException", repr(e)
print("ok", info["cluster_name"], health["number_of_nodes"])
"#;
    let o = Command::new(python())
        .args(["-c", script])
        .arg(node.ca())
        .arg(node.port.to_string())
        .arg(&password)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        stdout_of(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout_of(&o).starts_with("ok ironstack 1"),
        "{}",
        stdout_of(&o)
    );
}

#[test]
fn certificates_reload_without_dropping_keep_alive_connections() {
    if !have_python_module("cryptography") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let conf = home.path().join("config");
    std::fs::create_dir_all(&conf).unwrap();
    assert!(make_pem(&conf, "one", -1, 30));
    // Serve under stable names, replaced in place later.
    std::fs::copy(conf.join("one.crt"), conf.join("node.crt")).unwrap();
    std::fs::copy(conf.join("one.key"), conf.join("node.key")).unwrap();
    write_config(
        home.path(),
        "xpack.security.enabled: true\nxpack.security.http.ssl:\n  enabled: true\n  certificate: node.crt\n  key: node.key\n",
    );
    keystore_add(home.path(), "bootstrap.password", "bootstrap-pw-1");
    let node = TestNode::start(home.path(), &[]);
    // Expires in 30 days: the start-up expiry warning.
    assert!(
        node.wait_for_output("expires in", Duration::from_secs(5)),
        "{}",
        node.output()
    );
    assert!(make_pem(&conf, "two", -1, 365));

    let script = r#"
import ssl, sys, base64, http.client, json, os, shutil, time
conf, port = sys.argv[1], int(sys.argv[2])
hdr = {"Authorization": "Basic " + base64.b64encode(b"elastic:bootstrap-pw-1").decode()}
def ctx(ca):
    return ssl.create_default_context(cafile=os.path.join(conf, ca))
kept = http.client.HTTPSConnection("localhost", port, context=ctx("one_ca.crt"), timeout=10)
kept.request("GET", "/", headers=hdr); r = kept.getresponse(); r.read(); assert r.status == 200
def replace(src, dst):
    shutil.copy(os.path.join(conf, src), os.path.join(conf, dst + ".tmp"))
    os.replace(os.path.join(conf, dst + ".tmp"), os.path.join(conf, dst))
replace("two.key", "node.key"); replace("two.crt", "node.crt")
start = time.time()
while True:
    try:
        c = http.client.HTTPSConnection("localhost", port, context=ctx("two_ca.crt"), timeout=10)
        c.request("GET", "/", headers=hdr); r = c.getresponse(); r.read(); assert r.status == 200
        break
    except ssl.SSLError:
        if time.time() - start > 5:
            raise SystemExit("new certificate not served within 5s")
        time.sleep(0.2)
print("reloaded after %.1fs" % (time.time() - start))
# The connection opened before the reload still works.
kept.request("GET", "/_cluster/health", headers=hdr); r = kept.getresponse(); body = json.loads(r.read())
assert r.status == 200 and body["status"] == "green"
# A broken file keeps the previous certificate.
open(os.path.join(conf, "node.crt"), "w").write("garbage")
time.sleep(2.5)
c = http.client.HTTPSConnection("localhost", port, context=ctx("two_ca.crt"), timeout=10)
c.request("GET", "/", headers=hdr); r = c.getresponse(); r.read(); assert r.status == 200
print("ok")
"#;
    let o = Command::new(python())
        .args(["-c", script])
        .arg(&conf)
        .arg(node.port.to_string())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}\nnode:\n{}",
        stdout_of(&o),
        String::from_utf8_lossy(&o.stderr),
        node.output()
    );
    assert!(stdout_of(&o).contains("ok"));
    assert!(node.wait_for_output("reloaded the TLS certificates", Duration::from_secs(2)));
    assert!(
        node.wait_for_output("cannot reload the TLS certificates", Duration::from_secs(5)),
        "{}",
        node.output()
    );
}

#[test]
fn security_disabled_serves_plain_http_with_a_loud_warning() {
    let home = tempfile::tempdir().unwrap();
    let node = TestNode::start(home.path(), &["xpack.security.enabled=false"]);
    assert!(node.output().contains("SECURITY IS DISABLED"));
    assert!(!home.path().join("config/certs").exists());
    if have_tool("curl", "--version") {
        let o = curl(&[&format!(
            "http://127.0.0.1:{}/_nodes/_local/stats/http",
            node.port
        )]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let stats = v["nodes"].as_object().unwrap().values().next().unwrap();
        assert!(stats["http"]["total_opened"].as_u64().unwrap() >= 1);
    }
    assert!(node.stop().success());
}

#[test]
fn a_failed_first_start_rolls_back_auto_configuration() {
    let home = tempfile::tempdir().unwrap();
    // Hold the port so binding fails after auto-configuration has written everything.
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let o = ironstack()
        .current_dir(home.path())
        .args([
            "node",
            "-E",
            &format!("http.port={port}"),
            "-E",
            "http.host=127.0.0.1",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("ERROR: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("http.port"), "{stderr}");
    assert!(!stdout_of(&o).contains("Password for the elastic user"));
    let config = home.path().join("config");
    assert!(!config.join("certs").exists(), "certs left behind");
    assert!(
        !config.join("ironstack.keystore").exists(),
        "keystore left behind"
    );
    assert!(
        !config.join("ironstack.yml").exists(),
        "ironstack.yml left behind"
    );
    let data = home.path().join("data");
    assert!(
        !data.exists() || std::fs::read_dir(&data).unwrap().next().is_none(),
        "data folder not empty"
    );
    drop(busy);
    // The next start auto-configures from scratch.
    let node = TestNode::start(home.path(), &["http.host=127.0.0.1"]);
    assert!(
        banner_password(&node.output()).is_some(),
        "{}",
        node.output()
    );
}

#[test]
fn a_password_protected_keystore_opens_from_a_file_or_stdin() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    let run = |args: &[&str], input: &str| {
        let mut child = ironstack()
            .current_dir(home.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["keystore", "create", "-p"], "ks-pass-1\nks-pass-1\n");
    run(
        &["keystore", "add", "-x", "bootstrap.password"],
        "ks-pass-1\nbootstrap-pw-9\n",
    );
    // Authentication over plain HTTP, so this test needs no certificates.
    write_config(
        home.path(),
        "xpack.security.enabled: true\nxpack.security.http.ssl.enabled: false\n",
    );
    let password_file = home.path().join("ks-pass.txt");
    std::fs::write(&password_file, "ks-pass-1\n").unwrap();

    let check = |node: &TestNode| {
        if have_tool("curl", "--version") {
            let url = format!("http://127.0.0.1:{}/_security/_authenticate", node.port);
            let o = curl(&["-u", "elastic:bootstrap-pw-9", &url]);
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(v["username"], "elastic");
            assert_eq!(v["authentication_realm"]["name"], "reserved");
            let o = curl(&["-s", "-o", "/dev/null", "-w", "%{http_code}", &url]);
            assert_eq!(stdout_of(&o), "401");
        }
    };
    let node = TestNode::start_with(
        home.path(),
        &[],
        |c| {
            c.env("IRONSTACK_KEYSTORE_PASSWORD_FILE", &password_file);
        },
        None,
    );
    assert!(node.output().contains("plain HTTP"), "{}", node.output());
    check(&node);
    assert!(node.stop().success());

    let node = TestNode::start_with(
        home.path(),
        &[],
        |c| {
            c.arg("--stdin");
        },
        Some("ks-pass-1\n"),
    );
    check(&node);
    assert!(node.stop().success());

    // Wrong password, and no way to ask for one.
    std::fs::write(&password_file, "wrong\n").unwrap();
    let o = ironstack()
        .current_dir(home.path())
        .args(["node", "-E", &format!("http.port={}", free_port())])
        .env("IRONSTACK_KEYSTORE_PASSWORD_FILE", &password_file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("ERROR: cannot open keystore ["), "{stderr}");
    assert!(stderr.contains("incorrect"), "{stderr}");
    let e = start_fails(home.path(), &[]);
    assert!(e.contains("password protected"), "{e}");
}
