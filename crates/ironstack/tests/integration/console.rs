//! `ironstack console` end to end: a secured node and the console over HTTPS with a
//! `certutil`-made certificate; start-up gate and TLS causes, Kibana's config refusals, login,
//! `kbn-xsrf`, sessions and logout with curl and Python, the Security APIs and pages, and the
//! pages in real Chromium (Playwright).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{
    TestNode, free_port, have_tool, interop_required, ironstack, python, secured_node,
};

const KIBANA_SYSTEM_PASSWORD: &str = "kibana-system-pw";
const ENCRYPTION_KEY: &str = "an-encryption-key-of-at-least-32-characters";

/// A running console with its captured output; killed on drop.
pub(crate) struct TestConsole {
    child: Child,
    pub(crate) port: u16,
    output: Arc<Mutex<String>>,
}

impl TestConsole {
    pub(crate) fn start(dir: &Path, config: &Path, env: &[(&str, &str)]) -> TestConsole {
        let mut child = ironstack()
            .current_dir(dir)
            .arg("console")
            .arg("-c")
            .arg(config)
            .envs(env.iter().copied())
            .env("IRONSTACK_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sink = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut s = sink.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                }
            });
        }
        let mut console = TestConsole {
            child,
            port: 0,
            output,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = console.output();
            if let Some(rest) = out.split("Server running at ").nth(1) {
                let url = rest.split_whitespace().next().unwrap();
                let port = url.rsplit(':').next().unwrap().trim_end_matches('/');
                console.port = port.parse().unwrap();
                return console;
            }
            if let Some(status) = console.child.try_wait().unwrap() {
                panic!("console exited early with {status}:\n{out}");
            }
            assert!(Instant::now() < deadline, "console did not start:\n{out}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    pub(crate) fn wait_for(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.output().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for TestConsole {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(cmd: &mut Command) -> Output {
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{cmd:?}:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A CA and a certificate for localhost/127.0.0.1 made with `certutil` (PEM); returns the CA
/// certificate, the console certificate and its key.
fn console_certificate(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    run(ironstack()
        .current_dir(dir)
        .args(["certutil", "ca", "--silent", "--pem", "--out", "ca.zip"]));
    run(Command::new("unzip")
        .current_dir(dir)
        .args(["-q", "-o", "ca.zip"]));
    run(ironstack().current_dir(dir).args([
        "certutil",
        "cert",
        "--silent",
        "--pem",
        "--ca-cert",
        "ca/ca.crt",
        "--ca-key",
        "ca/ca.key",
        "--name",
        "console",
        "--dns",
        "localhost",
        "--ip",
        "127.0.0.1",
        "--out",
        "console.zip",
    ]));
    run(Command::new("unzip")
        .current_dir(dir)
        .args(["-q", "-o", "console.zip"]));
    (
        dir.join("ca/ca.crt"),
        dir.join("console/console.crt"),
        dir.join("console/console.key"),
    )
}

/// `curl -i` against the console or node; returns (status, head, body).
pub(crate) fn curl(ca: &Path, args: &[&str]) -> (u16, String, String) {
    let o = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "20", "--cacert"])
        .arg(ca)
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text}{}", String::from_utf8_lossy(&o.stderr)));
    (status, head.to_string(), body.to_string())
}

fn header<'a>(head: &'a str, name: &str) -> Vec<&'a str> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}

/// The `sid=…` pair of a Set-Cookie.
fn sid(head: &str) -> String {
    header(head, "set-cookie")
        .into_iter()
        .find(|c| c.starts_with("sid=") && !c.starts_with("sid=;"))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no sid cookie in {head}"))
        .to_string()
}

/// A node, the console's certificate and the console, ready.
pub(crate) struct Stack {
    pub(crate) home: tempfile::TempDir,
    pub(crate) node: TestNode,
    pub(crate) elastic_password: String,
    pub(crate) console_ca: PathBuf,
    console: TestConsole,
}

impl Stack {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.console.port)
    }

    pub(crate) fn node_url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.node.port)
    }

    pub(crate) fn console_output(&self) -> String {
        self.console.output()
    }

    pub(crate) fn elastic(&self) -> String {
        format!("elastic:{}", self.elastic_password)
    }
}

fn write_config(dir: &Path, node: &TestNode, node_ca: &Path, cert: &Path, key: &Path) -> PathBuf {
    let config = dir.join("console.yml");
    std::fs::write(
        &config,
        format!(
            "server.host: localhost\nserver.port: {}\nserver.ssl:\n  enabled: true\n  certificate: {}\n  key: {}\n\
elasticsearch.hosts: [\"https://localhost:{}\"]\nelasticsearch.username: kibana_system\nelasticsearch.password: ${{KS_PW}}\n\
elasticsearch.ssl.certificateAuthorities: [\"{}\"]\nxpack.security.encryptionKey: \"{ENCRYPTION_KEY}\"\n",
            free_port(),
            cert.display(),
            key.display(),
            node.port,
            node_ca.display()
        ),
    )
    .unwrap();
    config
}

/// Gives `kibana_system` the password the consoles of these tests use.
fn set_kibana_system_password(node: &TestNode, elastic_password: &str) {
    let (status, _, body) = curl(
        &node.ca(),
        &[
            "-u",
            &format!("elastic:{elastic_password}"),
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "-d",
            &format!("{{\"password\":\"{KIBANA_SYSTEM_PASSWORD}\"}}"),
            &format!(
                "https://localhost:{}/_security/user/kibana_system/_password",
                node.port
            ),
        ],
    );
    assert_eq!(status, 200, "{body}");
}

pub(crate) fn stack() -> Stack {
    stack_with(&[], "")
}

/// A stack whose node gets `node_settings` (`-E`) and whose `console.yml` ends with
/// `console_yaml`.
fn stack_with(node_settings: &[&str], console_yaml: &str) -> Stack {
    let (home, node, elastic_password) = if node_settings.is_empty() {
        secured_node()
    } else {
        let home = tempfile::tempdir().unwrap();
        let node = TestNode::start(home.path(), node_settings);
        assert!(node.wait_for_output("Password for the elastic user", Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(200));
        let password = crate::support::banner_password(&node.output()).unwrap();
        (home, node, password)
    };
    set_kibana_system_password(&node, &elastic_password);
    let dir = home.path().join("console");
    std::fs::create_dir_all(&dir).unwrap();
    let (console_ca, cert, key) = console_certificate(&dir);
    let config = write_config(&dir, &node, &node.ca(), &cert, &key);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(console_yaml);
    std::fs::write(&config, text).unwrap();
    let console = TestConsole::start(&dir, &config, &[("KS_PW", KIBANA_SYSTEM_PASSWORD)]);
    assert!(
        console.wait_for("Kibana is now available", Duration::from_secs(30)),
        "{}",
        console.output()
    );
    Stack {
        home,
        node,
        elastic_password,
        console_ca,
        console,
    }
}

fn login_body(username: &str, password: &str, next: &str) -> String {
    serde_json::json!({
        "providerType": "basic",
        "providerName": "basic",
        "currentURL": format!("https://localhost/login?next={next}"),
        "params": {"username": username, "password": password}
    })
    .to_string()
}

#[test]
fn console_config_errors_are_one_line_and_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("console.yml");
    for (yaml, expected) in [
        (
            "elasticsearch.username: elastic\nelasticsearch.password: x\n",
            "value of \"elastic\" is forbidden",
        ),
        ("server.prot: 1\n", "unknown setting [server.prot]"),
        ("server.maxPayload: 10\n", "[server.maxPayload]"),
        (
            "xpack.security.encryptionKey: short\n",
            "minimum length of [32]",
        ),
        (
            "server.ssl.enabled: true\n",
            "must specify [certificate] and [key] -- or [keystore.path] -- when ssl is enabled",
        ),
    ] {
        std::fs::write(&config, yaml).unwrap();
        let o = ironstack()
            .arg("console")
            .arg("-c")
            .arg(&config)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{yaml}");
        assert!(
            err.starts_with("ERROR: ") && err.contains(expected),
            "{yaml}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    let o = ironstack()
        .args(["console", "-c"])
        .arg(dir.path().join("missing.yml"))
        .output()
        .unwrap();
    assert!(!o.status.success());
}

#[test]
fn console_with_the_wrong_node_ca_logs_the_cause_and_is_not_ready() {
    let (home, node, password) = secured_node();
    let _ = password;
    let dir = home.path().join("console");
    std::fs::create_dir_all(&dir).unwrap();
    let (console_ca, cert, key) = console_certificate(&dir);
    // The console's own CA did not sign the node's certificate.
    let config = write_config(&dir, &node, &console_ca, &cert, &key);
    let console = TestConsole::start(&dir, &config, &[("KS_PW", "whatever")]);
    assert!(
        console.wait_for("unknown authority", Duration::from_secs(15)),
        "{}",
        console.output()
    );
    assert!(
        console
            .output()
            .contains("elasticsearch.ssl.certificateAuthorities")
    );
    let url = format!("https://localhost:{}/api/status", console.port);
    let (status, head, body) = curl(&console_ca, &[&url]);
    assert_eq!(status, 503, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"statusCode": 503, "error": "Service Unavailable", "message": "Kibana server is not ready yet"})
    );
    assert!(!header(&head, "content-security-policy").is_empty());
    assert!(
        !console.output().contains("whatever"),
        "secrets never logged"
    );
}

#[test]
fn console_login_xsrf_sessions_pages_and_logout_with_curl() {
    let s = stack();
    let ca = s.console_ca.clone();

    // Status: anonymous callers see only the level; Beats with credentials read version.number.
    let (status, head, body) = curl(&ca, &[&s.url("/api/status")]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"status":{"overall":{"level":"available"}}}"#);
    for h in [
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
        "permissions-policy",
        "cross-origin-opener-policy",
    ] {
        assert!(!header(&head, h).is_empty(), "{h} missing: {head}");
    }
    let (status, _, body) = curl(&ca, &["-u", &s.elastic(), &s.url("/api/status")]);
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["version"]["number"], "9.1.0");
    assert_eq!(v["status"]["overall"]["level"], "available");
    let (status, _, _) = curl(
        &ca,
        &["-u", "elastic:wrong-password", &s.url("/api/status")],
    );
    assert_eq!(status, 401);

    // kbn-xsrf on every non-GET API, with the Boom envelope.
    let login = s.url("/internal/security/login");
    let good = login_body(
        "elastic",
        &s.elastic_password,
        "%2Fapp%2Fmanagement%2Fsecurity%2Froles",
    );
    let (status, _, body) = curl(
        &ca,
        &[
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "-d",
            &good,
            &login,
        ],
    );
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"statusCode": 400, "error": "Bad Request", "message": "Request must contain a kbn-xsrf header."})
    );

    // Wrong password: 401; kibana_system: refused; elastic: a session cookie and the next page.
    let post = |body: &str| {
        curl(
            &ca,
            &[
                "-X",
                "POST",
                "-H",
                "kbn-xsrf: true",
                "-H",
                "content-type: application/json",
                "-d",
                body,
                &login,
            ],
        )
    };
    let (status, _, body) = post(&login_body("elastic", "nope", ""));
    assert_eq!(status, 401, "{body}");
    let (status, _, body) = post(&login_body("kibana_system", KIBANA_SYSTEM_PASSWORD, ""));
    assert_eq!(status, 403, "{body}");
    let (status, head, body) = post(&good);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"location":"/app/management/security/roles"}"#);
    let cookie_line = header(&head, "set-cookie").join("\n");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(
            cookie_line.contains(attribute),
            "{attribute}: {cookie_line}"
        );
    }
    let cookie = sid(&head);
    assert!(!cookie.contains(&s.elastic_password));

    // The session acts as elastic on the node.
    let (status, _, body) = curl(&ca, &["-b", &cookie, &s.url("/internal/security/me")]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"username\":\"elastic\""), "{body}");
    let (status, _, page) = curl(
        &ca,
        &["-b", &cookie, &s.url("/app/management/security/users")],
    );
    assert_eq!(status, 200);
    assert!(
        page.contains(">kibana_system<") && page.contains(">Reserved<"),
        "{page}"
    );

    // A role with DLS/FLS and a user through the internal APIs the pages post to.
    let form = "name=metricbeat_reader&cluster=monitor&index_names=metricbeat-*&index_privileges=read%2Cview_index_metadata\
&index_grant=&index_except=secret&index_query=%7B%22term%22%3A%7B%22host.name%22%3A%22a%22%7D%7D";
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            "-H",
            "kbn-xsrf: true",
            "-d",
            form,
            &s.url("/internal/security/roles/metricbeat_reader"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = curl(
        &s.node.ca(),
        &[
            "-u",
            &s.elastic(),
            &s.node_url("/_security/role/metricbeat_reader"),
        ],
    );
    assert_eq!(status, 200);
    let role: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        role["metricbeat_reader"]["indices"][0]["field_security"]["except"],
        serde_json::json!(["secret"])
    );
    assert!(
        role["metricbeat_reader"]["indices"][0]["query"]
            .as_str()
            .unwrap()
            .contains("host.name")
    );

    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            "-H",
            "kbn-xsrf: true",
            "-d",
            &format!("{form}&create=true"),
            &s.url("/internal/security/roles/metricbeat_reader"),
        ],
    );
    assert_eq!(status, 400);
    assert!(
        body.contains("Role 'metricbeat_reader' already exists."),
        "{body}"
    );
    let user_form = "username=mb_reader&full_name=Reader&email=r%40example.com&password=reader-pw&confirm_password=reader-pw&create=true&roles=metricbeat_reader&roles=viewer";
    let create = s.url("/internal/security/users/mb_reader");
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            "-H",
            "kbn-xsrf: true",
            "-d",
            user_form,
            &create,
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Created user 'mb_reader'"), "{body}");
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            "-H",
            "kbn-xsrf: true",
            "-d",
            user_form,
            &create,
        ],
    );
    assert_eq!(status, 400);
    assert!(body.contains("User 'mb_reader' already exists."), "{body}");
    let short = "password=abc&confirm_password=abc&create=true";
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            "-H",
            "kbn-xsrf: true",
            "-d",
            short,
            &s.url("/internal/security/users/other"),
        ],
    );
    assert_eq!(status, 400);
    assert!(
        body.contains("Password must be at least 6 characters."),
        "{body}"
    );
    let (status, _, page) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            &s.url("/app/management/security/users/edit/mb_reader"),
        ],
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("value=\"Reader\"") && page.contains("Deactivate user"),
        "{page}"
    );
    let (status, _, page) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            &s.url("/app/management/security/roles/edit/metricbeat_reader"),
        ],
    );
    assert_eq!(status, 200);
    assert!(page.contains("value=\"metricbeat-*\"") && page.contains(">Update role<"));

    // The public role API as Kibana shapes it.
    let (status, _, body) = curl(
        &ca,
        &[
            "-u",
            &s.elastic(),
            &s.url("/api/security/role/metricbeat_reader"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let role: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        role["elasticsearch"]["cluster"],
        serde_json::json!(["monitor"])
    );
    assert_eq!(role["kibana"], serde_json::json!([]));
    let put = r#"{"elasticsearch":{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"]}]},"kibana":[]}"#;
    let (status, _, body) = curl(
        &ca,
        &[
            "-u",
            &s.elastic(),
            "-X",
            "PUT",
            "-H",
            "kbn-xsrf: x",
            "-H",
            "content-type: application/json",
            "-d",
            put,
            &s.url("/api/security/role/logs_reader"),
        ],
    );
    assert_eq!(status, 204, "{body}");
    let (status, _, _) = curl(
        &ca,
        &[
            "-u",
            &s.elastic(),
            "-X",
            "DELETE",
            "-H",
            "kbn-xsrf: x",
            &s.url("/api/security/role/logs_reader"),
        ],
    );
    assert_eq!(status, 204);

    // The new user logs in and sees the permission page for users management.
    let (status, head, body) = post(&login_body("mb_reader", "reader-pw", ""));
    assert_eq!(status, 200, "{body}");
    let reader = sid(&head);
    let (status, _, page) = curl(
        &ca,
        &["-b", &reader, &s.url("/app/management/security/users")],
    );
    assert_eq!(status, 403);
    assert!(
        page.contains("You need permission to manage users"),
        "{page}"
    );

    // Their own password: the current one is required, then the session continues with the
    // new one.
    let own = s.url("/internal/security/users/mb_reader/password");
    let x = ["-H", "kbn-xsrf: true"];
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &reader,
            x[0],
            x[1],
            "-d",
            "password=wrong&newPassword=reader-pw2&confirmPassword=reader-pw2",
            &own,
        ],
    );
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &reader,
            x[0],
            x[1],
            "-d",
            "password=reader-pw&newPassword=reader-pw2&confirmPassword=other",
            &own,
        ],
    );
    assert_eq!(status, 400);
    assert!(body.contains("Passwords do not match."), "{body}");
    let (status, head, body) = curl(
        &ca,
        &[
            "-b",
            &reader,
            x[0],
            x[1],
            "-d",
            "password=reader-pw&newPassword=reader-pw2&confirmPassword=reader-pw2",
            &own,
        ],
    );
    assert_eq!(status, 200, "{body}");
    let reader = sid(&head);
    let (status, _, body) = curl(&ca, &["-b", &reader, &s.url("/internal/security/me")]);
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = post(&login_body("mb_reader", "reader-pw", ""));
    assert_eq!(status, 401, "the old password is gone");

    // An administrator sets a password and updates the profile.
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            x[0],
            x[1],
            "-d",
            "newPassword=reader-pw3&confirmPassword=reader-pw3",
            &own,
        ],
    );
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = post(&login_body("mb_reader", "reader-pw3", ""));
    assert_eq!(status, 200);
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            x[0],
            x[1],
            "-d",
            "full_name=Renamed&email=&roles=metricbeat_reader&roles=monitoring_user",
            &create,
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Updated user 'mb_reader'"), "{body}");
    let (_, _, body) = curl(
        &s.node.ca(),
        &["-u", &s.elastic(), &s.node_url("/_security/user/mb_reader")],
    );
    let user: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(user["mb_reader"]["full_name"], "Renamed");
    assert_eq!(
        user["mb_reader"]["roles"],
        serde_json::json!(["metricbeat_reader", "monitoring_user"])
    );
    // Reserved users keep their profile.
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            x[0],
            x[1],
            "-d",
            "full_name=x&roles=superuser",
            &s.url("/internal/security/users/kibana_system"),
        ],
    );
    assert_eq!(status, 400, "{body}");

    // Deactivate, then delete the user.
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            "-H",
            "kbn-xsrf: true",
            "-X",
            "POST",
            &s.url("/internal/security/users/mb_reader/_disable"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = post(&login_body("mb_reader", "reader-pw", ""));
    assert_eq!(status, 401, "a deactivated user cannot log in");
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            "-H",
            "kbn-xsrf: true",
            "-X",
            "DELETE",
            &create,
        ],
    );
    assert_eq!(status, 200, "{body}");

    // Delete the role; a second time it is not found.
    let role_api = s.url("/internal/security/roles/metricbeat_reader");
    let (status, _, body) = curl(&ca, &["-b", &cookie, x[0], x[1], "-X", "DELETE", &role_api]);
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = curl(&ca, &["-b", &cookie, x[0], x[1], "-X", "DELETE", &role_api]);
    assert_eq!(status, 404);
    let (status, _, body) = curl(
        &ca,
        &[
            "-b",
            &cookie,
            x[0],
            x[1],
            "-d",
            "cluster=all",
            &s.url("/internal/security/roles/superuser"),
        ],
    );
    assert_eq!(status, 400, "reserved roles are read-only: {body}");

    // Logout: only redirectable requests; invalidates the session server-side.
    let logout = s.url("/api/security/logout");
    let (status, _, body) = curl(&ca, &["-b", &cookie, "-H", "kbn-xsrf: true", &logout]);
    assert_eq!(status, 400);
    assert!(body.contains("Client should be able to process redirect response."));
    let (status, head, _) = curl(&ca, &["-b", &cookie, &logout]);
    assert_eq!(status, 302);
    assert_eq!(header(&head, "location"), vec!["/login?msg=LOGGED_OUT"]);
    assert!(header(&head, "set-cookie").join("").contains("Max-Age=0"));
    // The copied cookie is worthless now.
    let (status, head, _) = curl(
        &ca,
        &["-b", &cookie, &s.url("/app/management/security/users?x=1")],
    );
    assert_eq!(status, 302);
    assert_eq!(
        header(&head, "location"),
        vec!["/login?next=%2Fapp%2Fmanagement%2Fsecurity%2Fusers%3Fx%3D1"]
    );
    let (status, _, body) = curl(&ca, &["-b", &cookie, &s.url("/internal/security/me")]);
    assert_eq!(status, 401, "{body}");
    let (status, _, body) = curl(&ca, &["-b", &cookie, &s.url("/api/status")]);
    assert_eq!(status, 200, "a stale cookie is an anonymous caller");
    assert_eq!(body, r#"{"status":{"overall":{"level":"available"}}}"#);
    assert!(
        !s.console.output().contains(&s.elastic_password),
        "secrets never logged"
    );
    let _ = &s.home;
}

/// A JSON call to the console with `-u user:password` (and `kbn-xsrf` on writes).
fn api(
    s: &Stack,
    user: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    let url = s.url(path);
    let mut args = vec![
        "-u",
        user,
        "-X",
        method,
        "-H",
        "kbn-xsrf: test",
        "-H",
        "content-type: application/json",
    ];
    if let Some(b) = body {
        args.extend(["-d", b]);
    }
    args.push(&url);
    let (status, _, text) = curl(&s.console_ca, &args);
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// Creates a user on the node (as elastic) with these roles.
pub(crate) fn node_user(s: &Stack, name: &str, roles: &[&str]) {
    let body = serde_json::json!({"password": "user-password", "roles": roles}).to_string();
    let (status, _, text) = curl(
        &s.node.ca(),
        &[
            "-u",
            &s.elastic(),
            "-X",
            "PUT",
            "-H",
            "content-type: application/json",
            "-d",
            &body,
            &s.node_url(&format!("/_security/user/{name}")),
        ],
    );
    assert_eq!(status, 200, "{text}");
}

#[test]
fn console_spaces_kibana_privileges_and_authorization_with_curl() {
    let Stack {
        home,
        node,
        elastic_password,
        console_ca,
        console,
    } = stack();
    let s = Stack {
        home,
        node,
        elastic_password,
        console_ca,
        console,
    };
    let elastic = s.elastic();

    // The start-up gate registered Kibana's application privileges.
    assert!(
        s.console
            .output()
            .contains("Registering Kibana Privileges with Elasticsearch for kibana-.kibana"),
        "{}",
        s.console.output()
    );
    let (status, _, body) = curl(
        &s.node.ca(),
        &[
            "-u",
            &elastic,
            &s.node_url("/_security/privilege/kibana-.kibana"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let privileges: serde_json::Value = serde_json::from_str(&body).unwrap();
    let app = &privileges["kibana-.kibana"];
    for name in [
        "all",
        "read",
        "space_all",
        "space_read",
        "feature_discover_v2.read",
        "feature_dashboard_v2.all",
        "reserved_monitoring",
    ] {
        assert!(app[name]["actions"].is_array(), "{name} missing: {body}");
    }
    assert!(
        app["space_read"]["actions"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("login:"))
    );
    assert!(
        app["all"]["actions"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("space:manage"))
    );

    // The default space exists and is reserved.
    let (status, spaces) = api(&s, &elastic, "GET", "/api/spaces/space", None);
    assert_eq!(status, 200, "{spaces}");
    assert_eq!(spaces[0]["id"], "default");
    assert_eq!(spaces[0]["_reserved"], true);

    // kbn-xsrf on the spaces API; Kibana's validation messages in the Boom envelope.
    let (status, _, text) = curl(
        &s.console_ca,
        &[
            "-u",
            &elastic,
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "-d",
            r#"{"id":"x","name":"X"}"#,
            &s.url("/api/spaces/space"),
        ],
    );
    assert_eq!(status, 400);
    assert!(
        text.contains("Request must contain a kbn-xsrf header."),
        "{text}"
    );
    let (status, error) = api(
        &s,
        &elastic,
        "POST",
        "/api/spaces/space",
        Some(r#"{"id":"Not Valid","name":"X"}"#),
    );
    assert_eq!(status, 400);
    assert_eq!(
        error,
        serde_json::json!({"statusCode": 400, "error": "Bad Request", "message": "[request body.id]: must be lower case, a-z, 0-9, '_', and '-' are allowed"})
    );

    // CRUD, stored as Kibana's saved object in .kibana.
    let marketing = r##"{"id":"marketing","name":"Marketing","description":"Campaigns","color":"#AA6556","disabledFeatures":["discover_v2"]}"##;
    let (status, created) = api(&s, &elastic, "POST", "/api/spaces/space", Some(marketing));
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        created["disabledFeatures"],
        serde_json::json!(["discover_v2"])
    );
    let (status, conflict) = api(&s, &elastic, "POST", "/api/spaces/space", Some(marketing));
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(
        conflict["message"],
        "A space with the identifier marketing already exists."
    );
    let (status, _, body) = curl(
        &s.node.ca(),
        &["-u", &elastic, &s.node_url("/.kibana/_doc/space:marketing")],
    );
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["_source"]["type"], "space");
    assert_eq!(doc["_source"]["space"]["name"], "Marketing");
    assert_eq!(doc["_source"]["coreMigrationVersion"], "8.8.0");
    assert!(doc["_source"]["updated_at"].is_string());
    let (status, updated) = api(
        &s,
        &elastic,
        "PUT",
        "/api/spaces/space/marketing",
        Some(r#"{"id":"marketing","name":"Marketing team","disabledFeatures":["discover_v2"]}"#),
    );
    assert_eq!(status, 200, "{updated}");
    let (status, one) = api(&s, &elastic, "GET", "/api/spaces/space/marketing", None);
    assert_eq!(status, 200);
    assert_eq!(one["name"], "Marketing team");
    let (status, _) = api(&s, &elastic, "GET", "/api/spaces/space/nope", None);
    assert_eq!(status, 404);
    let (status, error) = api(&s, &elastic, "DELETE", "/api/spaces/space/default", None);
    assert_eq!(status, 400);
    assert_eq!(
        error["message"],
        "The default space cannot be deleted because it is reserved."
    );
    let (status, _) = api(
        &s,
        &elastic,
        "POST",
        "/api/spaces/space",
        Some(r#"{"id":"temp","name":"Temp"}"#),
    );
    assert_eq!(status, 200);
    let (status, _) = api(&s, &elastic, "DELETE", "/api/spaces/space/temp", None);
    assert_eq!(status, 204);
    let (status, _) = api(&s, &elastic, "DELETE", "/api/spaces/space/temp", None);
    assert_eq!(status, 404);

    // /api/security/role with Kibana privileges: a round trip through the node's role.
    let role = r#"{"elasticsearch":{"cluster":[],"indices":[{"names":["logs-*"],"privileges":["read"]}],"run_as":[]},
        "kibana":[{"base":[],"feature":{"dashboard_v2":["read"]},"spaces":["marketing"]}]}"#;
    let (status, body) = api(
        &s,
        &elastic,
        "PUT",
        "/api/security/role/marketing_dashboards",
        Some(role),
    );
    assert_eq!(status, 204, "{body}");
    let (_, _, body) = curl(
        &s.node.ca(),
        &[
            "-u",
            &elastic,
            &s.node_url("/_security/role/marketing_dashboards"),
        ],
    );
    let node_role: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        node_role["marketing_dashboards"]["applications"],
        serde_json::json!([{"application": "kibana-.kibana", "privileges": ["feature_dashboard_v2.read"], "resources": ["space:marketing"]}])
    );
    let (status, back) = api(
        &s,
        &elastic,
        "GET",
        "/api/security/role/marketing_dashboards",
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        back["kibana"],
        serde_json::json!([{"base": [], "feature": {"dashboard_v2": ["read"]}, "spaces": ["marketing"]}])
    );
    let (status, back) = api(&s, &elastic, "GET", "/api/security/role/viewer", None);
    assert_eq!(status, 200);
    assert_eq!(
        back["kibana"],
        serde_json::json!([{"base": ["read"], "feature": {}, "spaces": ["*"]}])
    );
    let twice = r#"{"kibana":[{"base":["all"],"spaces":["marketing"]},{"base":["read"],"spaces":["marketing"]}]}"#;
    let (status, error) = api(&s, &elastic, "PUT", "/api/security/role/bad", Some(twice));
    assert_eq!(status, 400);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("more than one privilege is applied to the following spaces: [marketing]"),
        "{error}"
    );
    let (status, _) = api(
        &s,
        &elastic,
        "PUT",
        "/api/security/role/marketing_dashboards?createOnly=true",
        Some(role),
    );
    assert_eq!(status, 409);

    // Built-in roles as Kibana: viewer reads everywhere but may not manage spaces; a user with
    // a feature privilege in one space is confined to it; no Kibana privilege, no login.
    node_user(&s, "view_user", &["viewer"]);
    node_user(&s, "mk_user", &["marketing_dashboards"]);
    node_user(&s, "es_only", &["monitoring_user"]);
    let viewer = "view_user:user-password";
    let (status, error) = api(
        &s,
        viewer,
        "POST",
        "/api/spaces/space",
        Some(r#"{"id":"v","name":"V"}"#),
    );
    assert_eq!(status, 403);
    assert_eq!(
        error,
        serde_json::json!({"statusCode": 403, "error": "Forbidden", "message": "Forbidden"})
    );
    let (status, error) = api(&s, viewer, "DELETE", "/api/spaces/space/marketing", None);
    assert_eq!(status, 403, "{error}");
    let (status, list) = api(&s, viewer, "GET", "/api/spaces/space", None);
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let (status, _, page) = curl(&s.console_ca, &["-u", viewer, &s.url("/app/discover")]);
    assert_eq!(status, 200, "{page}");
    let (status, _, _) = curl(
        &s.console_ca,
        &["-u", viewer, &s.url("/s/marketing/app/discover")],
    );
    assert_eq!(status, 404, "Discover is disabled in the marketing space");
    let (status, _, page) = curl(
        &s.console_ca,
        &["-u", viewer, &s.url("/s/marketing/app/dashboards")],
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("data-test-subj=\"currentSpace\">Marketing team<"),
        "{page}"
    );
    assert!(
        !page.contains("/s/marketing/app/discover"),
        "no Discover link where it is disabled"
    );

    // kibana_admin and editor hold `all`: they manage spaces.
    node_user(&s, "ka_user", &["kibana_admin"]);
    node_user(&s, "ed_user", &["editor"]);
    let (status, created) = api(
        &s,
        "ka_user:user-password",
        "POST",
        "/api/spaces/space",
        Some(r#"{"id":"admins","name":"Admins"}"#),
    );
    assert_eq!(status, 200, "{created}");
    let (status, _, page) = curl(
        &s.console_ca,
        &[
            "-u",
            "ed_user:user-password",
            &s.url("/app/management/kibana/spaces"),
        ],
    );
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(">Admins<") && page.contains("Create space"),
        "{page}"
    );
    let (status, _) = api(
        &s,
        "ed_user:user-password",
        "DELETE",
        "/api/spaces/space/admins",
        None,
    );
    assert_eq!(status, 204);
    let (status, _, _) = curl(
        &s.console_ca,
        &["-u", viewer, &s.url("/app/management/kibana/spaces")],
    );
    assert_eq!(status, 403, "viewer has no space management page");

    let mk = "mk_user:user-password";
    let (status, _) = api(&s, mk, "GET", "/api/spaces/space", None);
    assert_eq!(status, 403, "no login: in the default space");
    let (status, list) = api(&s, mk, "GET", "/s/marketing/api/spaces/space", None);
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list,
        serde_json::json!([{"id": "marketing", "name": "Marketing team", "disabledFeatures": ["discover_v2"]}])
    );
    let (status, _, _) = curl(
        &s.console_ca,
        &["-u", mk, &s.url("/s/marketing/app/dashboards")],
    );
    assert_eq!(status, 200);
    let (status, _, _) = curl(&s.console_ca, &["-u", mk, &s.url("/s/nope/app/dashboards")]);
    assert_eq!(status, 404);

    let login = |user: &str| {
        curl(
            &s.console_ca,
            &[
                "-X",
                "POST",
                "-H",
                "kbn-xsrf: true",
                "-H",
                "content-type: application/json",
                "-d",
                &login_body(user, "user-password", ""),
                &s.url("/internal/security/login"),
            ],
        )
    };
    let (status, _, body) = login("mk_user");
    assert_eq!(status, 200, "a privilege in one space is a login: {body}");
    let (status, _, body) = login("es_only");
    assert_eq!(status, 403, "monitoring_user alone has no login: {body}");
    // The console's log is read by another thread: give the line a moment to arrive.
    assert!(
        s.console
            .wait_for("refused login of [es_only]", Duration::from_secs(5))
    );

    // A restart finds the privileges registered and writes nothing.
    let Stack {
        home,
        node,
        elastic_password,
        console_ca,
        console,
    } = s;
    let port = console.port;
    drop(console);
    let dir = home.path().join("console");
    let console = TestConsole::start(
        &dir,
        &dir.join("console.yml"),
        &[("KS_PW", KIBANA_SYSTEM_PASSWORD)],
    );
    assert!(
        console.wait_for("Kibana is now available", Duration::from_secs(30)),
        "{}",
        console.output()
    );
    assert_eq!(console.port, port);
    assert!(
        console
            .output()
            .contains("Kibana Privileges already registered with Elasticsearch for kibana-.kibana")
            && !console.output().contains("Registering Kibana Privileges"),
        "{}",
        console.output()
    );
    let s = Stack {
        home,
        node,
        elastic_password,
        console_ca,
        console,
    };
    let (status, list) = api(&s, &s.elastic(), "GET", "/api/spaces/space", None);
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2, "spaces survive: {list}");

    // A privilege the console does not define and a changed one: the next start deletes the
    // obsolete name and writes the set again.
    let stale = r#"{"kibana-.kibana":{"feature_old.all":{"actions":["login:"]},"read":{"actions":["login:"]}}}"#;
    let privilege_url = s.node_url("/_security/privilege");
    let (status, _, body) = curl(
        &s.node.ca(),
        &[
            "-u",
            &s.elastic(),
            "-X",
            "PUT",
            "-H",
            "content-type: application/json",
            "-d",
            stale,
            &privilege_url,
        ],
    );
    assert_eq!(status, 200, "{body}");
    let Stack {
        home,
        node,
        elastic_password,
        console_ca,
        console,
    } = s;
    drop(console);
    let console = TestConsole::start(
        &dir,
        &dir.join("console.yml"),
        &[("KS_PW", KIBANA_SYSTEM_PASSWORD)],
    );
    assert!(
        console.wait_for("Kibana is now available", Duration::from_secs(30)),
        "{}",
        console.output()
    );
    assert!(
        console
            .output()
            .contains("Registering Kibana Privileges with Elasticsearch for kibana-.kibana"),
        "{}",
        console.output()
    );
    let elastic = format!("elastic:{elastic_password}");
    let (status, _, body) = curl(
        &node.ca(),
        &[
            "-u",
            &elastic,
            &format!(
                "https://localhost:{}/_security/privilege/kibana-.kibana/feature_old.all",
                node.port
            ),
        ],
    );
    assert_eq!(status, 404, "the obsolete privilege is deleted: {body}");
    let (_, _, body) = curl(
        &node.ca(),
        &[
            "-u",
            &elastic,
            &format!(
                "https://localhost:{}/_security/privilege/kibana-.kibana/read",
                node.port
            ),
        ],
    );
    assert!(
        body.contains("ui:globalSettings/show"),
        "read is complete again: {body}"
    );
    drop((home, console_ca, console));
}

#[test]
fn console_api_keys_and_role_mappings_with_curl() {
    let s = stack();
    let elastic = s.elastic();
    let form = |path: &str, body: &str| {
        curl(
            &s.console_ca,
            &[
                "-u",
                &elastic,
                "-H",
                "kbn-xsrf: true",
                "-d",
                body,
                &s.url(path),
            ],
        )
    };
    // Three keys; pages of two, the second reached with search_after.
    for name in ["k-one", "k-two", "k-three"] {
        let (status, _, body) = form(
            "/internal/security/api_key",
            &format!("name={name}&expiration=7&role_descriptors=%7B%7D"),
        );
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(
            v["encoded"].is_string() && v["beats"].as_str().unwrap().contains(':'),
            "{v}"
        );
    }
    let (status, _, body) = form(
        "/internal/security/api_key",
        "name=x&role_descriptors=%5B1%5D",
    );
    assert_eq!(status, 400);
    assert!(
        body.contains("Role descriptors must be a JSON object."),
        "{body}"
    );
    let (status, _, first) = curl(
        &s.console_ca,
        &[
            "-u",
            &elastic,
            &s.url("/app/management/security/api_keys?size=2"),
        ],
    );
    assert_eq!(status, 200, "{first}");
    assert!(
        first.contains(">k-three<") && first.contains(">k-two<") && !first.contains(">k-one<"),
        "{first}"
    );
    let next = first
        .split("rel=\"next\"")
        .next()
        .and_then(|t| t.rsplit("href=\"").next())
        .and_then(|t| t.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(next.contains("after="), "{next}");
    let (status, _, second) = curl(&s.console_ca, &["-u", &elastic, &s.url(&next)]);
    assert_eq!(status, 200);
    assert!(
        second.contains(">k-one<") && !second.contains(">k-two<"),
        "{second}"
    );
    let id = second
        .split("data-key-id=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    let (status, _, body) = form("/internal/security/api_key/invalidate", &format!("id={id}"));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["itemsInvalidated"][0]["id"], id.as_str());
    let (_, _, body) = curl(
        &s.node.ca(),
        &[
            "-u",
            &elastic,
            &s.node_url(&format!("/_security/api_key?id={id}")),
        ],
    );
    assert!(body.contains("\"invalidated\":true"), "{body}");

    // kbn-xsrf on the new internal APIs.
    let (status, _, body) = curl(
        &s.console_ca,
        &[
            "-u",
            &elastic,
            "-d",
            "name=no-xsrf",
            &s.url("/internal/security/api_key"),
        ],
    );
    assert_eq!(status, 400);
    assert!(
        body.contains("Request must contain a kbn-xsrf header."),
        "{body}"
    );

    // manage_own_api_key: only one's own keys are listed.
    let (status, _, body) = curl(
        &s.node.ca(),
        &[
            "-u",
            &elastic,
            "-X",
            "PUT",
            "-H",
            "content-type: application/json",
            "-d",
            r#"{"cluster":["manage_own_api_key"]}"#,
            &s.node_url("/_security/role/own_keys"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    node_user(&s, "key_owner", &["viewer", "own_keys"]);
    let (status, _, body) = curl(
        &s.console_ca,
        &[
            "-u",
            "key_owner:user-password",
            "-H",
            "kbn-xsrf: true",
            "-d",
            "name=mine",
            &s.url("/internal/security/api_key"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let (status, _, page) = curl(
        &s.console_ca,
        &[
            "-u",
            "key_owner:user-password",
            &s.url("/app/management/security/api_keys"),
        ],
    );
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(">mine<") && !page.contains(">k-one<"),
        "{page}"
    );

    // A user without manage_api_key sees Kibana's permission page.
    node_user(&s, "plain_viewer", &["viewer"]);
    let (status, _, page) = curl(
        &s.console_ca,
        &[
            "-u",
            "plain_viewer:user-password",
            &s.url("/app/management/security/api_keys"),
        ],
    );
    assert_eq!(status, 403);
    assert!(
        page.contains("You need permission to manage API keys"),
        "{page}"
    );

    // Role mappings: create, list, edit page, delete.
    let mapping = "name=ldap_viewers&create=true&roles=viewer&rules=%7B%22field%22%3A%7B%22realm.name%22%3A%22ldap1%22%7D%7D&enabled=true";
    let (status, _, body) = form("/internal/security/role_mapping/ldap_viewers", mapping);
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = form("/internal/security/role_mapping/ldap_viewers", mapping);
    assert_eq!(status, 400);
    assert!(
        body.contains("Role mapping 'ldap_viewers' already exists."),
        "{body}"
    );
    let (_, _, body) = curl(
        &s.node.ca(),
        &[
            "-u",
            &elastic,
            &s.node_url("/_security/role_mapping/ldap_viewers"),
        ],
    );
    let node_mapping: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        node_mapping["ldap_viewers"]["roles"],
        serde_json::json!(["viewer"])
    );
    assert_eq!(node_mapping["ldap_viewers"]["enabled"], true);
    let (status, _, page) = curl(
        &s.console_ca,
        &[
            "-u",
            &elastic,
            &s.url("/app/management/security/role_mappings"),
        ],
    );
    assert_eq!(status, 200);
    assert!(
        page.contains(">ldap_viewers<") && page.contains(">Enabled<"),
        "{page}"
    );
    let (status, _, page) = curl(
        &s.console_ca,
        &[
            "-u",
            &elastic,
            &s.url("/app/management/security/role_mappings/edit/ldap_viewers"),
        ],
    );
    assert_eq!(status, 200);
    assert!(page.contains("ldap1"), "{page}");
    let (status, _, _) = curl(
        &s.console_ca,
        &[
            "-u",
            &elastic,
            "-H",
            "kbn-xsrf: true",
            "-X",
            "DELETE",
            &s.url("/internal/security/role_mapping/ldap_viewers"),
        ],
    );
    assert_eq!(status, 200);
    let (status, _, page) = curl(
        &s.console_ca,
        &[
            "-u",
            "plain_viewer:user-password",
            &s.url("/app/management/security/role_mappings"),
        ],
    );
    assert_eq!(status, 403);
    assert!(
        page.contains("You need permission to manage role mappings"),
        "{page}"
    );
}

const PYTHON_SCENARIO: &str = r#"
import http.cookiejar, json, ssl, sys, urllib.error, urllib.request
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
base = "https://localhost:%s" % port
ctx = ssl.create_default_context(cafile=ca)
jar = http.cookiejar.CookieJar()
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx), urllib.request.HTTPCookieProcessor(jar), NoRedirect)
def call(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        r = opener.open(req, timeout=20)
        return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()
status, _, body = call("GET", "/api/status")
assert status == 200 and json.loads(body)["status"]["overall"]["level"] == "available", body
login = {"providerType": "basic", "providerName": "basic", "currentURL": base + "/login", "params": {"username": "elastic", "password": password}}
status, _, body = call("POST", "/internal/security/login", login)
assert status == 400 and json.loads(body)["message"] == "Request must contain a kbn-xsrf header.", body
status, _, body = call("POST", "/internal/security/login", login, {"kbn-xsrf": "py"})
assert status == 200 and json.loads(body) == {"location": "/"}, body
cookies = list(jar)
assert [c.name for c in cookies] == ["sid"] and cookies[0].secure and cookies[0].has_nonstandard_attr("HttpOnly"), cookies
status, _, body = call("GET", "/internal/security/me")
assert status == 200 and json.loads(body)["username"] == "elastic", body
space = {"id": "py-space", "name": "Python space", "disabledFeatures": []}
status, _, body = call("POST", "/api/spaces/space", space)
assert status == 400 and "kbn-xsrf" in json.loads(body)["message"], body
status, _, body = call("POST", "/api/spaces/space", space, {"kbn-xsrf": "py"})
assert status == 200 and json.loads(body)["id"] == "py-space", body
status, _, body = call("GET", "/s/py-space/api/spaces/space/py-space")
assert status == 200 and json.loads(body)["name"] == "Python space", body
status, _, body = call("PUT", "/api/spaces/space/py-space", dict(space, name="Renamed"), {"kbn-xsrf": "py"})
assert status == 200 and json.loads(body)["name"] == "Renamed", body
status, _, body = call("DELETE", "/api/spaces/space/py-space", None, {"kbn-xsrf": "py"})
assert status == 204, body
status, _, body = call("GET", "/api/spaces/space/py-space")
assert status == 404 and json.loads(body)["statusCode"] == 404, body
status, headers, _ = call("GET", "/api/security/logout")
assert status == 302 and headers["location"] == "/login?msg=LOGGED_OUT", status
status, _, body = call("GET", "/internal/security/me")
assert status == 401 and json.loads(body)["statusCode"] == 401, body
print("ok")
"#;

#[test]
fn console_status_login_and_logout_with_python() {
    if !have_tool(&python(), "--version") {
        return;
    }
    let s = stack();
    let o = Command::new(python())
        .args(["-c", PYTHON_SCENARIO])
        .arg(&s.console_ca)
        .arg(s.console.port.to_string())
        .arg(&s.elastic_password)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.trim() == "ok",
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Where Playwright is installed (`IRONSTACK_NODE_CLIENT`, default `scripts/node-client`).
pub(crate) fn browser_packages() -> PathBuf {
    std::env::var_os("IRONSTACK_NODE_CLIENT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/node-client"),
        PathBuf::from,
    )
}

/// Debian's Chromium (or `IRONSTACK_CHROMIUM`).
pub(crate) fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("IRONSTACK_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// `node tests/integration/js/<name>` with playwright-core and Chromium handed to it, or
/// `None` to skip when they are missing (a failure when `IRONSTACK_REQUIRE_INTEROP=1`).
pub(crate) fn chromium_script(name: &str) -> Option<Command> {
    let playwright = browser_packages().join("node_modules/playwright-core/package.json");
    let browser = chromium().filter(|_| have_tool("node", "--version") && playwright.is_file());
    let Some(browser) = browser else {
        assert!(
            !interop_required(),
            "Chromium (apt chromium) and playwright-core (scripts/node-client, npm ci) are required (IRONSTACK_REQUIRE_INTEROP=1) but missing"
        );
        eprintln!("skipping: Chromium or playwright-core not installed");
        return None;
    };
    let mut node = Command::new("node");
    node.arg(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/integration/js")
            .join(name),
    )
    .env("NODE_PATH", browser_packages().join("node_modules"))
    .env("CHROMIUM", browser);
    Some(node)
}

#[test]
fn console_in_chromium_login_create_role_and_user_logout_and_permission_page() {
    let Some(mut node) = chromium_script("console_browser.js") else {
        return;
    };
    let s = stack();
    // Screenshots go to `IRONSTACK_SCREENSHOTS` when set (for the README), else are dropped.
    let shots = std::env::var_os("IRONSTACK_SCREENSHOTS").map_or_else(
        || s.home.path().join("screenshots"),
        std::path::PathBuf::from,
    );
    let o = node
        .env("CONSOLE_URL", s.url(""))
        .env("CONSOLE_CA", &s.console_ca)
        .env("ELASTIC_PASSWORD", &s.elastic_password)
        .env("SCREENSHOTS", &shots)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.trim().ends_with("ok"),
        "{stdout}{}\nconsole:\n{}",
        String::from_utf8_lossy(&o.stderr),
        s.console.output()
    );
    // What the browser did is what the node now holds.
    let (status, _, body) = curl(
        &s.node.ca(),
        &[
            "-u",
            &s.elastic(),
            &s.node_url("/_security/user/mb_browser"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("metricbeat_reader"), "{body}");
}

#[test]
fn console_sessions_live_encrypted_in_the_node_and_survive_a_restart() {
    let Stack {
        home,
        node,
        elastic_password,
        console_ca,
        console,
    } = stack();
    assert!(
        console
            .output()
            .contains("Sessions are stored in [.kibana_security_session_1]"),
        "{}",
        console.output()
    );
    let url = |port: u16, path: &str| format!("https://localhost:{port}{path}");
    let (status, head, body) = curl(
        &console_ca,
        &[
            "-X",
            "POST",
            "-H",
            "kbn-xsrf: true",
            "-H",
            "content-type: application/json",
            "-d",
            &login_body("elastic", &elastic_password, ""),
            &url(console.port, "/internal/security/login"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let cookie = sid(&head);

    // The document holds no name and no credentials in clear.
    let search = format!(
        "https://localhost:{}/.kibana_security_session_1/_search",
        node.port
    );
    let system = format!("kibana_system:{KIBANA_SYSTEM_PASSWORD}");
    // Sessions are written without waiting for a refresh (as Kibana does): make it visible.
    let (status, _, body) = curl(
        &node.ca(),
        &[
            "-u",
            &system,
            "-X",
            "POST",
            &format!(
                "https://localhost:{}/.kibana_security_session_1/_refresh",
                node.port
            ),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = curl(&node.ca(), &["-u", &system, &search]);
    assert_eq!(status, 200, "{body}");
    let hits: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(hits["hits"]["total"]["value"], 1, "{body}");
    let source = &hits["hits"]["hits"][0]["_source"];
    assert_eq!(
        source["provider"],
        serde_json::json!({"type": "basic", "name": "basic"})
    );
    assert!(
        source["content"].is_string() && source["usernameHash"].is_string(),
        "{source}"
    );
    assert!(
        !body.contains("elastic\"") && !body.contains("Basic "),
        "{body}"
    );

    // A restart with the same encryption key keeps the session.
    let port = console.port;
    drop(console);
    let dir = home.path().join("console");
    let console = TestConsole::start(
        &dir,
        &dir.join("console.yml"),
        &[("KS_PW", KIBANA_SYSTEM_PASSWORD)],
    );
    assert!(
        console.wait_for("Kibana is now available", Duration::from_secs(30)),
        "{}",
        console.output()
    );
    assert_eq!(console.port, port);
    let (status, _, body) = curl(
        &console_ca,
        &["-b", &cookie, &url(port, "/internal/security/me")],
    );
    assert_eq!(status, 200, "{body}");

    // Logout deletes the document.
    let (status, _, _) = curl(
        &console_ca,
        &["-b", &cookie, &url(port, "/api/security/logout")],
    );
    assert_eq!(status, 302);
    let (status, _, body) = curl(
        &console_ca,
        &["-b", &cookie, &url(port, "/internal/security/me")],
    );
    assert_eq!(status, 401, "{body}");
    let refresh = format!(
        "https://localhost:{}/.kibana_security_session_1/_refresh",
        node.port
    );
    curl(&node.ca(), &["-u", &system, "-X", "POST", &refresh]);
    let (_, _, body) = curl(&node.ca(), &["-u", &system, &search]);
    let hits: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(hits["hits"]["total"]["value"], 0, "{body}");
}

#[test]
fn console_token_provider_logs_in_refreshes_and_invalidates_at_logout() {
    let s = stack_with(
        &["xpack.security.authc.token.timeout=2s"],
        "xpack.security.authc.providers:\n  token.token1:\n    order: 0\n",
    );
    let ca = s.console_ca.clone();
    let login = s.url("/internal/security/login");
    let body = |user: &str, password: &str| {
        serde_json::json!({
            "providerType": "token", "providerName": "token1",
            "currentURL": "https://localhost/login",
            "params": {"username": user, "password": password}
        })
        .to_string()
    };
    let post = |b: &str| {
        curl(
            &ca,
            &[
                "-X",
                "POST",
                "-H",
                "kbn-xsrf: true",
                "-H",
                "content-type: application/json",
                "-d",
                b,
                &login,
            ],
        )
    };
    let (status, _, text) = post(&login_body("elastic", &s.elastic_password, ""));
    assert_eq!(status, 400, "the basic provider is not configured: {text}");
    let (status, _, text) = post(&body("elastic", "wrong"));
    assert_eq!(status, 401, "{text}");
    let (status, head, text) = post(&body("elastic", &s.elastic_password));
    assert_eq!(status, 200, "{text}");
    let cookie = sid(&head);
    let (status, _, me) = curl(&ca, &["-b", &cookie, &s.url("/internal/security/me")]);
    assert_eq!(status, 200, "{me}");
    let me: serde_json::Value = serde_json::from_str(&me).unwrap();
    assert_eq!(me["username"], "elastic");
    assert_eq!(me["authentication_type"], "token");
    assert_eq!(
        me["authentication_provider"],
        serde_json::json!({"type": "token", "name": "token1"})
    );
    // The access token lives 2 s: later requests go through a refresh by kibana_system.
    std::thread::sleep(Duration::from_millis(2500));
    let (status, _, page) = curl(
        &ca,
        &["-b", &cookie, &s.url("/app/management/security/users")],
    );
    assert_eq!(status, 200, "{page}");
    assert!(
        s.console
            .output()
            .contains("access token of [elastic] refreshed"),
        "{}",
        s.console.output()
    );
    let (status, _, _) = curl(&ca, &["-b", &cookie, &s.url("/api/security/logout")]);
    assert_eq!(status, 302);
    assert!(
        s.console
            .wait_for("tokens invalidated at logout", Duration::from_secs(5)),
        "{}",
        s.console.output()
    );
    let (status, _, _) = curl(&ca, &["-b", &cookie, &s.url("/internal/security/me")]);
    assert_eq!(status, 401);
    let (status, _, text) = post(&body("kibana_system", KIBANA_SYSTEM_PASSWORD));
    assert_eq!(status, 403, "{text}");
}

#[test]
fn console_enrols_with_a_token_from_the_node_and_starts_with_its_service_account() {
    let (home, node, _password) = secured_node();
    // The node's tool prints the token (auto-configuration turned enrolment on).
    let token = run(ironstack()
        .current_dir(home.path())
        .args(["create-enrollment-token", "-s", "kibana", "-E"])
        .arg(format!("http.port={}", node.port)));
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8_lossy(&token.stdout).trim().to_string();
    let dir = home.path().join("console");
    std::fs::create_dir_all(&dir).unwrap();
    let (console_ca, cert, key) = console_certificate(&dir);
    let config = dir.join("console.yml");
    std::fs::write(
        &config,
        format!(
            "server.host: localhost\nserver.port: {}\nserver.ssl:\n  enabled: true\n  certificate: {}\n  key: {}\nxpack.security.encryptionKey: \"{ENCRYPTION_KEY}\"\n",
            free_port(),
            cert.display(),
            key.display(),
        ),
    )
    .unwrap();
    // A wrong token is refused with the cause and changes nothing.
    let before = std::fs::read_to_string(&config).unwrap();
    let bad = ironstack()
        .current_dir(&dir)
        .args(["console", "setup", "-t", "bm90LWEtdG9rZW4=", "-c"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("ERROR: Failed to enroll: "));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);

    let done = run(ironstack()
        .current_dir(&dir)
        .args(["console", "setup", "--enrollment-token", &token, "-c"])
        .arg(&config));
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(String::from_utf8_lossy(&done.stdout).contains("Console configured successfully"));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("# This section was automatically generated during setup.\nelasticsearch.hosts: ['https://localhost:"), "{text}");
    assert!(
        text.contains("elasticsearch.serviceAccountToken: 'AAEAAW"),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Enrolling twice is refused.
    let again = ironstack()
        .current_dir(&dir)
        .args(["console", "setup", "-t", &token, "-c"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already configured"));

    // The console starts with the service account and serves its status.
    let console = TestConsole::start(&dir, &config, &[]);
    assert!(
        console.wait_for("Kibana is now available", Duration::from_secs(30)),
        "{}",
        console.output()
    );
    let (status, _, body) = curl(
        &console_ca,
        &[&format!("https://localhost:{}/api/status", console.port)],
    );
    assert_eq!(status, 200, "{body}");
    drop(node);
}

#[test]
fn console_reads_elasticsearch_password_from_its_keystore() {
    let (home, node, elastic_password) = secured_node();
    set_kibana_system_password(&node, &elastic_password);
    let dir = home.path().join("console");
    std::fs::create_dir_all(&dir).unwrap();
    let (_console_ca, cert, key) = console_certificate(&dir);
    let config = write_config(&dir, &node, &node.ca(), &cert, &key);
    // The guide's console.yml: a user name and no password in the file.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("elasticsearch.password: ${KS_PW}\n", "");
    std::fs::write(&config, &text).unwrap();
    let keystore = |args: &[&str], stdin: &str| {
        let mut cmd = ironstack();
        cmd.current_dir(&dir)
            .args(["console", "keystore"])
            .args(args)
            .args(["-c"])
            .arg(&config);
        crate::support::run_with_stdin(cmd, stdin)
    };
    let o = keystore(&["add", "elasticsearch.password", "--stdin"], "x\n");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("ironstack console keystore create"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(keystore(&["create"], "").status.success());
    let o = keystore(
        &["add", "elasticsearch.password", "--stdin"],
        &format!("{KIBANA_SYSTEM_PASSWORD}\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = keystore(&["list"], "");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "elasticsearch.password\n"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("console.keystore"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let console = TestConsole::start(&dir, &config, &[]);
    assert!(
        console.wait_for("Kibana is now available", Duration::from_secs(30)),
        "{}",
        console.output()
    );
    assert!(!console.output().contains(KIBANA_SYSTEM_PASSWORD));
    drop(node);
}

#[test]
fn shipper_setup_checks_the_console_named_in_setup_kibana() {
    let s = stack();
    let elastic = s.elastic();
    // The guide's setup user: its index role plus kibana_admin (what loading dashboards needs).
    for (path, body) in [
        (
            "/_security/role/metricbeat_setup",
            r#"{"cluster":["monitor","manage_ilm"],"indices":[{"names":["metricbeat-*"],"privileges":["manage","write"]}]}"#,
        ),
        (
            "/_security/user/metricbeat_setup",
            r#"{"password":"setup-password","roles":["metricbeat_setup","kibana_admin","ingest_admin"]}"#,
        ),
    ] {
        let (status, _, out) = curl(
            &s.node.ca(),
            &[
                "-u",
                &elastic,
                "-X",
                "PUT",
                "-H",
                "content-type: application/json",
                "-d",
                body,
                &s.node_url(path),
            ],
        );
        assert_eq!(status, 200, "{out}");
    }
    let dir = s.home.path().join("shipper");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |password: &str| {
        let f = dir.join("shipper.yml");
        std::fs::write(
            &f,
            format!(
                "output.elasticsearch:\n  hosts: [\"https://localhost:{}\"]\n  username: metricbeat_setup\n  password: setup-password\n  ssl.certificate_authorities: [\"{}\"]\n\
setup.kibana:\n  host: \"https://localhost:{}\"\n  username: metricbeat_setup\n  password: \"{password}\"\n  ssl.certificate_authorities: [\"{}\"]\n",
                s.node.port,
                s.node.ca().display(),
                s.console.port,
                s.console_ca.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    };
    let setup = |args: &[&str]| {
        ironstack()
            .current_dir(&dir)
            .args(["shipper", "setup", "-e"])
            .args(args)
            .output()
            .unwrap()
    };
    write("setup-password");
    let o = setup(&[]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("Index setup finished."), "{out}");
    assert!(
        out.contains(&format!(
            "Skipping dashboards: the console 9.1.0 at https://localhost:{} (available) serves no dashboards to load yet.",
            s.console.port
        )),
        "{out}"
    );
    // Asking for dashboards explicitly fails with the reason.
    let o = setup(&["--dashboards"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("serves no dashboards yet"), "{err}");
    // A wrong password is the console's 401, named.
    write("wrong-password");
    let o = setup(&["--dashboards"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("answered GET /api/status with 401") && err.contains("setup.kibana.password"),
        "{err}"
    );
}

#[test]
fn certificates_page_lists_node_and_console_certificates_and_warns_before_expiry() {
    let s = stack();
    let page = |port: u16, ca: &Path| {
        curl(
            ca,
            &[
                "-u",
                &s.elastic(),
                &format!("https://localhost:{port}/app/management/stack/certificates"),
            ],
        )
    };
    let (status, _, body) = page(s.console.port, &s.console_ca);
    assert_eq!(status, 200, "{body}");
    for needle in [
        "Node HTTPS",
        "http.p12",
        "Console HTTPS",
        "console.crt",
        "Console → node trust",
        "http_ca.crt",
        "CN=console",
    ] {
        assert!(body.contains(needle), "{needle} missing:\n{body}");
    }
    assert!(!body.contains("certificatesExpiring"), "{body}");

    // A console whose certificate expires in 10 days: warned in its log and on the page.
    let dir = s.home.path().join("console");
    run(ironstack().current_dir(&dir).args([
        "certutil",
        "cert",
        "--silent",
        "--pem",
        "--ca-cert",
        "ca/ca.crt",
        "--ca-key",
        "ca/ca.key",
        "--name",
        "soon",
        "--dns",
        "localhost",
        "--days",
        "10",
        "--out",
        "soon.zip",
    ]));
    run(Command::new("unzip")
        .current_dir(&dir)
        .args(["-q", "-o", "soon.zip"]));
    let text = std::fs::read_to_string(dir.join("console.yml"))
        .unwrap()
        .replace("console/console.crt", "soon/soon.crt")
        .replace("console/console.key", "soon/soon.key");
    let port = free_port();
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("server.port:") {
                format!("server.port: {port}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let config = dir.join("soon.yml");
    std::fs::write(&config, text).unwrap();
    let soon = TestConsole::start(&dir, &config, &[("KS_PW", KIBANA_SYSTEM_PASSWORD)]);
    assert!(
        soon.wait_for("Kibana is now available", Duration::from_secs(30)),
        "{}",
        soon.output()
    );
    assert!(
        soon.output().contains("the certificate [CN=soon]") && soon.output().contains("expires in"),
        "{}",
        soon.output()
    );
    let (status, _, body) = page(soon.port, &s.console_ca);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("certificatesExpiring"), "{body}");
    assert!(body.contains("class=\"expiring\""), "{body}");
}

#[test]
fn console_asks_for_client_certificates_when_required() {
    let s = stack_with(
        &[],
        "server.ssl.clientAuthentication: required\nserver.ssl.certificateAuthorities: [ca/ca.crt]\n",
    );
    let dir = s.home.path().join("console");
    run(ironstack().current_dir(&dir).args([
        "certutil",
        "cert",
        "--silent",
        "--pem",
        "--ca-cert",
        "ca/ca.crt",
        "--ca-key",
        "ca/ca.key",
        "--name",
        "client",
        "--out",
        "client.zip",
    ]));
    run(Command::new("unzip")
        .current_dir(&dir)
        .args(["-q", "-o", "client.zip"]));
    // Without a certificate the handshake is refused.
    let o = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(&s.console_ca)
        .arg(s.url("/api/status"))
        .output()
        .unwrap();
    assert!(
        !o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // With one the CA issued, the console answers.
    let (status, _, body) = curl(
        &s.console_ca,
        &[
            "--cert",
            &dir.join("client/client.crt").display().to_string(),
            "--key",
            &dir.join("client/client.key").display().to_string(),
            &s.url("/api/status"),
        ],
    );
    assert_eq!(status, 200, "{body}");
}
