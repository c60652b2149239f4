//! Integration tests for `ironstack certutil`: the real binary in every mode, the `http`
//! wizard fed through piped standard input and through a pseudo-terminal (pexpect), and the
//! files it writes checked with the tools users have: OpenSSL, keytool, curl and Python's
//! `cryptography`, up to a real TLS handshake against `openssl s_server`.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    have_python_module, have_tool, ironstack, ironstack_bin, python, run_with_stdin,
};

/// `ironstack certutil ARGS` run in `dir`, with `stdin` piped in.
fn certutil(dir: &Path, args: &[&str], stdin: &str) -> Output {
    certutil_env(dir, args, stdin, &[])
}

fn certutil_env(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &Path)]) -> Output {
    let mut cmd = ironstack();
    cmd.arg("certutil").args(args).current_dir(dir);
    for (key, value) in env {
        cmd.env(key, value);
    }
    run_with_stdin(cmd, stdin)
}

/// The words of a command line written as one string; `''` stands for an empty argument.
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace()
        .map(|w| if w == "''" { "" } else { w })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Runs an external tool, returning its output (panics if it cannot be started).
fn tool(program: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

#[track_caller]
fn tool_ok(program: &str, args: &[&str], dir: &Path) -> String {
    let output = tool(program, args, dir);
    assert_success(&output);
    text(&output.stdout) + &text(&output.stderr)
}

fn unzip(zip: &Path, into: &Path) -> bool {
    if !have_tool("unzip", "-v") {
        return false;
    }
    let zip = zip.to_string_lossy();
    let into_s = into.to_string_lossy();
    tool_ok("unzip", &["-q", "-o", &zip, "-d", &into_s], into);
    true
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

/// Checks a PKCS#12 file with OpenSSL (no `-legacy`), keytool and Python `cryptography`;
/// returns the PEM of its leaf certificate.
fn check_p12(
    dir: &Path,
    p12: &Path,
    password: &str,
    alias: &str,
    trusted_ca: bool,
) -> Option<String> {
    let p12s = p12.to_string_lossy().into_owned();
    let pass = format!("pass:{password}");
    let mut leaf = None;
    if have_tool("openssl", "version") {
        let info = tool_ok(
            "openssl",
            &["pkcs12", "-info", "-noout", "-in", &p12s, "-passin", &pass],
            dir,
        );
        assert!(info.contains("MAC: sha256"), "{info}");
        assert!(info.contains("PBES2"), "{info}");
        leaf = Some(tool_ok(
            "openssl",
            &[
                "pkcs12", "-in", &p12s, "-passin", &pass, "-nokeys", "-clcerts",
            ],
            dir,
        ));
    }
    if have_tool("keytool", "-help") {
        let list = tool_ok(
            "keytool",
            &[
                "-list",
                "-storetype",
                "PKCS12",
                "-keystore",
                &p12s,
                "-storepass",
                password,
            ],
            dir,
        );
        assert!(
            list.contains(&format!("{alias}, ")) && list.contains("PrivateKeyEntry"),
            "{list}"
        );
        assert_eq!(
            list.contains("ca, ") && list.contains("trustedCertEntry"),
            trusted_ca,
            "{list}"
        );
    }
    if have_python_module("cryptography") {
        let script = "import sys\n\
from cryptography.hazmat.primitives.serialization import pkcs12\n\
key, cert, extra = pkcs12.load_key_and_certificates(open(sys.argv[1],'rb').read(), sys.argv[2].encode())\n\
assert key is not None and cert is not None\n\
print(cert.subject.rfc4514_string(), len(extra))\n";
        let out = tool_ok(&python(), &["-c", script, &p12s, password], dir);
        let expected_extra = if trusted_ca { " 1" } else { " 0" };
        assert!(out.trim_end().ends_with(expected_extra), "{out}");
    }
    leaf
}

/// `openssl verify -CAfile ca <cert-pem-text>`.
fn openssl_verify(dir: &Path, ca: &Path, cert_pem: &str) {
    let cert = dir.join("leaf-to-verify.pem");
    std::fs::write(&cert, cert_pem).expect("write leaf");
    let out = tool_ok(
        "openssl",
        &[
            "verify",
            "-CAfile",
            &ca.to_string_lossy(),
            &cert.to_string_lossy(),
        ],
        dir,
    );
    assert!(out.contains(": OK"), "{out}");
}

/// An `openssl s_server` that is killed when dropped, whatever happens in the test.
struct TlsServer {
    child: Child,
    // Kept open so the server never sees end of input; closed on drop.
    _stdin: Option<std::process::ChildStdin>,
    port: u16,
}

impl TlsServer {
    fn start(dir: &Path, p12: &Path, password: &str) -> Self {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
            listener.local_addr().expect("addr").port()
        };
        let mut child = Command::new("openssl")
            .args([
                "s_server",
                "-accept",
                &format!("127.0.0.1:{port}"),
                "-www",
                "-cert",
            ])
            .arg(p12)
            .args(["-pass", &format!("pass:{password}")])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start openssl s_server");
        // OpenSSL 3.0 asks for the PKCS#12 import password on standard input.
        let mut stdin = child.stdin.take();
        if let Some(input) = stdin.as_mut() {
            let _ = writeln!(input, "{password}");
        }
        let server = Self {
            child,
            _stdin: stdin,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "s_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `curl --cacert ca https://host:port/` with `host` resolved to 127.0.0.1; curl's exit code.
fn curl(dir: &Path, ca: &Path, host: &str, port: u16) -> i32 {
    let url = format!("https://{host}:{port}/");
    let resolve = format!("{host}:{port}:127.0.0.1");
    let mut args = vec!["-sS", "-o", "/dev/null", "--max-time", "10", "--cacert"];
    let ca = ca.to_string_lossy().into_owned();
    args.push(&ca);
    if host.parse::<std::net::IpAddr>().is_err() {
        args.extend(["--resolve", &resolve]);
    }
    args.push(&url);
    tool("curl", &args, dir).status.code().unwrap_or(-1)
}

/// A TLS handshake with the bundle: by hostname and by IP it succeeds; a name that is not in
/// the SANs fails (curl exit 60). Also Python's `ssl` in strict X.509 mode.
fn check_handshake(dir: &Path, p12: &Path, password: &str, ca_pem: &Path, hostname: &str) {
    if !(have_tool("openssl", "version") && have_tool("curl", "--version")) {
        return;
    }
    let server = TlsServer::start(dir, p12, password);
    assert_eq!(curl(dir, ca_pem, hostname, server.port), 0, "by hostname");
    assert_eq!(curl(dir, ca_pem, "127.0.0.1", server.port), 0, "by IP");
    assert_eq!(
        curl(dir, ca_pem, "not-in-the-san.example", server.port),
        60,
        "wrong name"
    );
    let script = r#"
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
ctx.verify_flags |= ssl.VERIFY_X509_STRICT
with socket.create_connection(('127.0.0.1', int(sys.argv[2]))) as s:
    with ctx.wrap_socket(s, server_hostname=sys.argv[3]) as t:
        print(t.version())
"#;
    let out = Command::new(python())
        .args([
            "-c",
            script,
            &ca_pem.to_string_lossy(),
            &server.port.to_string(),
            "127.0.0.1",
        ])
        .output()
        .expect("run python");
    assert_success(&out);
    drop(server);
}

/// Piped answers for the guide's path: existing CA p12, 90 days, one node.
fn guide_answers(ca_path: &str, ca_pass: &str, http_pass: &str) -> String {
    [
        "n", // CSR?
        "y", // existing CA?
        ca_path,
        ca_pass,
        "90D",
        "y", // one certificate per node
        "node1",
        "node1.example.com",
        "localhost",
        "",
        "y",
        "127.0.0.1",
        "",
        "y",
        "n", // change options?
        "n", // another node?
        http_pass,
        http_pass,
        "", // default output
    ]
    .join("\n")
        + "\n"
}

#[test]
fn ca_and_cert_p12_interop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let out = certutil(d, &words("ca --out elastic-stack-ca.p12 --pass capw"), "");
    assert_success(&out);
    let ca = d.join("elastic-stack-ca.p12");
    assert_eq!(mode(&ca), 0o600);
    check_p12(d, &ca, "capw", "ca", false);

    let out = certutil(
        d,
        &words(
            "cert --ca elastic-stack-ca.p12 --ca-pass capw --name node1 --dns node1.example.com --ip 127.0.0.1 --pass nodepw",
        ),
        "\n",
    );
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "Certificates written to {}",
            d.join("node1.p12").display()
        )),
        "{stdout}"
    );
    let node = d.join("node1.p12");
    assert_eq!(mode(&node), 0o600);
    let leaf = check_p12(d, &node, "nodepw", "node1", true);
    if let Some(leaf) = leaf {
        let ca_pem = tool_ok(
            "openssl",
            &[
                "pkcs12",
                "-in",
                "elastic-stack-ca.p12",
                "-passin",
                "pass:capw",
                "-nokeys",
            ],
            d,
        );
        std::fs::write(d.join("ca.pem"), ca_pem).expect("write ca");
        openssl_verify(d, &d.join("ca.pem"), &leaf);
    }

    // Never overwrite: exit 74 with the absolute path.
    let out = certutil(d, &words("ca --out elastic-stack-ca.p12 --pass x"), "");
    assert_eq!(out.status.code(), Some(74));
    assert_eq!(
        text(&out.stderr).trim(),
        format!("ERROR: Output file '{}' already exists", ca.display())
    );
}

#[test]
fn pem_modes_and_jopt_style_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    assert_success(&certutil(d, &words("ca -pem -keytype ec -out ca.zip"), ""));
    if !unzip(&d.join("ca.zip"), d) {
        return;
    }
    assert!(
        std::fs::read_to_string(d.join("ca/ca.key"))
            .expect("key")
            .contains("BEGIN EC PRIVATE KEY")
    );
    let out = certutil(
        d,
        &words(
            "cert -ca-cert ca/ca.crt -ca-key ca/ca.key -pem -name=web -dns web.example.com --keys 3072 --out certs.zip --pass keypw",
        ),
        "",
    );
    assert_success(&out);
    unzip(&d.join("certs.zip"), d);
    let cert = std::fs::read_to_string(d.join("web/web.crt")).expect("crt");
    if have_tool("openssl", "version") {
        openssl_verify(d, &d.join("ca/ca.crt"), &cert);
        // The encrypted traditional PEM key opens with the password.
        let key = tool_ok(
            "openssl",
            &words("pkey -in web/web.key -passin pass:keypw -noout -text"),
            d,
        );
        assert!(key.contains("3072 bit"), "{key}");
    }

    // Self-signed.
    assert_success(&certutil(
        d,
        &words("cert --self-signed --name solo --keytype ec --pass '' --out solo.p12"),
        "",
    ));
    check_p12(d, &d.join("solo.p12"), "", "solo", false);
}

#[test]
fn cert_with_instances_file_and_missing_ca_is_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let out = certutil(d, &words("cert --name x"), "");
    assert_eq!(out.status.code(), Some(64));
    assert!(
        text(&out.stderr)
            .contains("Must specify either --ca or --ca-cert/--ca-key or --self-signed")
    );

    assert_success(&certutil(
        d,
        &words("ca --keytype ec --out ca.p12 --pass ''"),
        "",
    ));
    std::fs::write(
        d.join("instances.yml"),
        "instances:\n  - name: bad\n    ip: [999.1.1.1]\n  - name: ca\n",
    )
    .expect("write");
    let out = certutil(
        d,
        &words("cert --ca ca.p12 --ca-pass '' --in instances.yml --pass ''"),
        "",
    );
    assert_eq!(out.status.code(), Some(78));
    let err = text(&out.stderr);
    assert!(err.contains("Configuration for instance bad has invalid details\n * [999.1.1.1] is not a valid IP address"), "{err}");
    assert!(
        err.contains("[ca] may not be used as an instance name"),
        "{err}"
    );

    std::fs::write(
        d.join("instances.yml"),
        "instances:\n  - name: node1\n    dns: [node1.local]\n  - name: node2\n    ip: [10.0.0.2]\n",
    )
    .expect("write");
    let out = certutil(
        d,
        &words("cert --ca ca.p12 --ca-pass '' --in instances.yml --pass pw --keytype ec"),
        "\n",
    );
    assert_success(&out);
    let zip = d.join("certificate-bundle.zip");
    if unzip(&zip, d) {
        check_p12(d, &d.join("node2/node2.p12"), "pw", "node2", true);
    }
}

#[test]
fn csr_bundle_is_readable_by_openssl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let out = certutil(
        d,
        &words("csr --name kibana-server --dns example.com,www.example.com"),
        "\n",
    );
    assert_success(&out);
    assert_eq!(mode(&d.join("csr-bundle.zip")), 0o600);
    if !unzip(&d.join("csr-bundle.zip"), d) || !have_tool("openssl", "version") {
        return;
    }
    let req = tool_ok(
        "openssl",
        &words("req -in kibana-server/kibana-server.csr -verify -noout -text"),
        d,
    );
    assert!(
        req.contains("verify OK") || req.contains("Certificate request self-signature verify OK"),
        "{req}"
    );
    assert!(
        req.contains("DNS:example.com") && req.contains("DNS:www.example.com"),
        "{req}"
    );
    assert!(req.contains("CN = kibana-server"), "{req}");
}

#[test]
fn http_wizard_with_piped_answers_then_tls_handshake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let conf = d.join("config");
    std::fs::create_dir(&conf).expect("mkdir config");
    assert_success(&certutil(
        d,
        &words("ca --out config/elastic-stack-ca.p12 --pass capw"),
        "",
    ));

    // "CA Path" relative to the config dir ($IRONSTACK_PATH_CONF, default ./config).
    let out = certutil(
        d,
        &["http"],
        &guide_answers("elastic-stack-ca.p12", "capw", "httppw"),
    );
    assert_success(&out);
    let stdout = text(&out.stdout);
    for expected in [
        "Generate a CSR? [y/N]",
        "Use an existing CA? [y/N]",
        "CA Path: ",
        "Password for elastic-stack-ca.p12:",
        "For how long should your certificate be valid? [5y] ",
        "Generate a certificate per node? [y/N]",
        "node #1 name: ",
        "You entered the following hostnames.",
        "Key Name: node1",
        "Provide a password for the \"http.p12\" file:  [<ENTER> for none]",
        "Zip file written to",
    ] {
        assert!(
            stdout.contains(expected),
            "missing [{expected}] in:\n{stdout}"
        );
    }
    let zip = d.join("elasticsearch-ssl-http.zip");
    assert_eq!(mode(&zip), 0o600);
    if !unzip(&zip, d) {
        return;
    }
    for file in [
        "elasticsearch/README.txt",
        "elasticsearch/http.p12",
        "elasticsearch/sample-elasticsearch.yml",
        "kibana/README.txt",
        "kibana/elasticsearch-ca.pem",
        "kibana/sample-kibana.yml",
    ] {
        assert!(d.join(file).is_file(), "{file} missing");
    }
    assert!(!d.join("ca").exists(), "existing CA: no ca/ directory");
    let sample =
        std::fs::read_to_string(d.join("elasticsearch/sample-elasticsearch.yml")).expect("yml");
    assert!(sample.contains("xpack.security.http.ssl.keystore.path: \"http.p12\""));
    let readme = std::fs::read_to_string(d.join("elasticsearch/README.txt")).expect("readme");
    assert!(
        readme.contains("ironstack keystore add xpack.security.http.ssl.keystore.secure_password")
    );

    let p12 = d.join("elasticsearch/http.p12");
    let ca_pem = d.join("kibana/elasticsearch-ca.pem");
    if let Some(leaf) = check_p12(d, &p12, "httppw", "http", true) {
        openssl_verify(d, &ca_pem, &leaf);
        let text_out = tool_ok(
            "openssl",
            &[
                "x509",
                "-noout",
                "-text",
                "-in",
                &d.join("leaf-to-verify.pem").to_string_lossy(),
            ],
            d,
        );
        assert!(
            text_out.contains("TLS Web Server Authentication"),
            "{text_out}"
        );
        assert!(
            text_out.contains("Digital Signature, Key Encipherment"),
            "{text_out}"
        );
    }
    check_handshake(d, &p12, "httppw", &ca_pem, "node1.example.com");

    // The same run again: the zip exists, exit 74 at the end.
    let out = certutil(
        d,
        &["http"],
        &guide_answers("elastic-stack-ca.p12", "capw", "httppw"),
    );
    assert_eq!(out.status.code(), Some(74), "{}", text(&out.stderr));
}

#[test]
fn http_wizard_through_a_pseudo_terminal() {
    if !have_python_module("pexpect") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    assert_success(&certutil(
        d,
        &words("ca --keytype ec --out ca.p12 --pass capw"),
        "",
    ));
    let script = r#"
import sys, pexpect
binary, cwd = sys.argv[1], sys.argv[2]
child = pexpect.spawn(binary, ['certutil', 'http', '--keytype', 'ec'], cwd=cwd, encoding='utf-8', timeout=60,
                      env={'PATH': '/usr/bin:/bin', 'TERM': 'dumb'})
transcript = []
child.logfile_read = type('L', (), {'write': lambda self, s: transcript.append(s), 'flush': lambda self: None})()
def step(prompt, answer):
    child.expect_exact(prompt)
    child.sendline(answer)
def secret(prompt, answer):
    # Type only once echo is off, as a person would after seeing the prompt.
    child.expect_exact(prompt)
    assert child.waitnoecho(timeout=10), 'echo still on at a password prompt'
    child.sendline(answer)
step('Generate a CSR? [y/N]', 'n')
step('Use an existing CA? [y/N]', 'y')
step('CA Path: ', 'nope.p12')
step('does not exist', 'ca.p12')
secret('Password for ca.p12:', 'capw')
step('For how long should your certificate be valid? [5y] ', '18M')
step('Generate a certificate per node? [y/N]', 'n')
child.expect_exact('When you are done, press <ENTER> once more')
child.sendline('tty.example.com')
child.sendline('')
step('Is this correct [Y/n]', '')
child.expect_exact('When you are done, press <ENTER> once more')
child.sendline('127.0.0.1')
child.sendline('')
step('Is this correct [Y/n]', 'y')
step('Do you wish to change any of these options? [y/N]', 'n')
secret('Provide a password for the "http.p12" file:  [<ENTER> for none]', 'ttypw')
secret('Repeat password to confirm: ', 'other')
child.expect_exact('Passwords do not match')
# a blank password after the mismatch: accepted without confirmation
secret('[<ENTER> for none]', '')
step('What filename should be used for the output zip file? [', 'tty.zip')
child.expect_exact('Zip file written to')
child.expect(pexpect.EOF)
child.close()
out = ''.join(transcript)
assert 'capw' not in out, 'CA password echoed'
assert 'ttypw' not in out, 'key password echoed'
assert 'tty.example.com' in out
sys.exit(child.exitstatus)
"#;
    let out = Command::new(python())
        .args([
            "-c",
            script,
            &ironstack_bin().to_string_lossy(),
            &d.to_string_lossy(),
        ])
        .output()
        .expect("run python");
    assert_success(&out);
    let zip = d.join("tty.zip");
    assert_eq!(mode(&zip), 0o600);
    if unzip(&zip, d) {
        let p12 = d.join("elasticsearch/http.p12");
        check_p12(d, &p12, "", "http", true);
        check_handshake(
            d,
            &p12,
            "",
            &d.join("kibana/elasticsearch-ca.pem"),
            "tty.example.com",
        );
    }
}

#[test]
fn http_silent_with_options_new_ca_and_several_nodes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A missing required answer is a usage error, and nothing is prompted.
    let out = certutil(d, &words("http --silent --new-ca --pass x"), "");
    assert_eq!(out.status.code(), Some(64));
    assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("--ca-pass"));

    std::fs::write(
        d.join("instances.yml"),
        "instances:\n  - name: node1\n    dns: [node1.example.com]\n    ip: [127.0.0.1]\n  - name: node2\n    dns: [node2.example.com]\n",
    )
    .expect("write");
    let out = certutil(
        d,
        &[
            "http",
            "--silent",
            "--new-ca",
            "--ca-dn",
            "CN=Scripted CA",
            "--ca-pass",
            "capw",
            "--validity",
            "90D",
            "--in",
            "instances.yml",
            "--pass",
            "pw",
            "--out",
            "out/http.zip",
        ],
        "",
    );
    assert_success(&out);
    let zip = d.join("out/http.zip");
    assert_eq!(
        text(&out.stdout).trim(),
        format!("Zip file written to {}", zip.display())
    );
    if !unzip(&zip, d) {
        return;
    }
    for file in [
        "elasticsearch/node1/http.p12",
        "elasticsearch/node2/http.p12",
        "elasticsearch/node1/README.txt",
        "ca/ca.p12",
        "ca/README.txt",
        "kibana/elasticsearch-ca.pem",
    ] {
        assert!(d.join(file).is_file(), "{file} missing");
    }
    check_p12(d, &d.join("ca/ca.p12"), "capw", "ca", false);
    let p12 = d.join("elasticsearch/node1/http.p12");
    check_p12(d, &p12, "pw", "http", true);
    check_handshake(
        d,
        &p12,
        "pw",
        &d.join("kibana/elasticsearch-ca.pem"),
        "node1.example.com",
    );
}

#[test]
fn http_csr_branch_and_config_dir_lookup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let out = certutil(
        d,
        &words("http -s --csr --name web --dns web.example.com --pass '' --keytype ec"),
        "",
    );
    assert_success(&out);
    if unzip(&d.join("elasticsearch-ssl-http.zip"), d) && have_tool("openssl", "version") {
        let req = tool_ok(
            "openssl",
            &words("req -in elasticsearch/http-web.csr -verify -noout -text"),
            d,
        );
        assert!(req.contains("DNS:web.example.com"), "{req}");
        assert!(req.contains("TLS Web Server Authentication"), "{req}");
        assert!(d.join("elasticsearch/http-web.key").is_file());
        assert!(!d.join("kibana/elasticsearch-ca.pem").exists());
    }

    // IRONSTACK_PATH_CONF is searched first for --ca.
    let conf = d.join("etc");
    std::fs::create_dir(&conf).expect("mkdir");
    assert_success(&certutil(
        d,
        &words("ca --keytype ec --out etc/my-ca.p12 --pass ''"),
        "",
    ));
    let out = certutil_env(
        d,
        &[
            "http",
            "-s",
            "--ca",
            "my-ca.p12",
            "--ca-pass",
            "",
            "--dns",
            "x.example",
            "--pass",
            "",
            "--out",
            "conf.zip",
        ],
        "",
        &[("IRONSTACK_PATH_CONF", &conf)],
    );
    assert_success(&out);
    assert!(d.join("conf.zip").is_file());
}

#[test]
fn cas_made_by_openssl_and_keytool_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    if have_tool("openssl", "version") {
        tool_ok(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ossl.key",
                "-out",
                "ossl.crt",
                "-days",
                "30",
                "-subj",
                "/CN=OpenSSL CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
            d,
        );
        tool_ok(
            "openssl",
            &words("pkcs12 -export -in ossl.crt -inkey ossl.key -out ossl.p12 -passout pass:op"),
            d,
        );
        let out = certutil(
            d,
            &words("cert --ca ossl.p12 --ca-pass op --name n1 --pass p --keytype ec"),
            "\n",
        );
        assert_success(&out);
        let leaf = check_p12(d, &d.join("n1.p12"), "p", "n1", true).expect("leaf");
        openssl_verify(d, &d.join("ossl.crt"), &leaf);
        // The PEM pair directly, too.
        let out = certutil(
            d,
            &words(
                "cert --ca-cert ossl.crt --ca-key ossl.key --name n2 --pass p --keytype ec --out n2.p12",
            ),
            "",
        );
        assert_success(&out);
    }
    if have_tool("keytool", "-help") {
        tool_ok(
            "keytool",
            &[
                "-genkeypair",
                "-alias",
                "myca",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=Keytool CA",
                "-ext",
                "bc:c",
                "-validity",
                "30",
                "-storetype",
                "PKCS12",
                "-keystore",
                "kt.p12",
                "-storepass",
                "ktpass",
                "-keypass",
                "ktpass",
            ],
            d,
        );
        let out = certutil(
            d,
            &words("cert --ca kt.p12 --ca-pass ktpass --name n3 --pass p --keytype ec"),
            "\n",
        );
        assert_success(&out);
        check_p12(d, &d.join("n3.p12"), "p", "n3", true);
    }
}

#[test]
fn help_lists_modes_and_options() {
    let out = Command::new(ironstack_bin())
        .args(["certutil", "--help"])
        .output()
        .expect("run");
    assert_success(&out);
    let stdout = text(&out.stdout);
    for mode in ["ca", "cert", "csr", "http"] {
        assert!(stdout.contains(&format!("  {mode} ")), "{stdout}");
    }
    let out = Command::new(ironstack_bin())
        .args(["certutil", "http", "--help"])
        .output()
        .expect("run");
    assert_success(&out);
    assert!(text(&out.stdout).contains("--new-ca"));
    let out = Command::new(ironstack_bin())
        .args(["certutil"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(64));
}
