//! Integration tests for `ironstack users` (file realm) and `ironstack reset-password`
//! against a real, auto-configured HTTPS node on a free loopback port.

use std::ops::Deref;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::{
    TestNode, have_tool, interop_required, ironstack, run_with_stdin, start_secured,
};

/// A first-start node with its elastic password; derefs to the shared harness.
struct Node {
    node: TestNode,
    password: String,
}

impl Deref for Node {
    type Target = TestNode;

    fn deref(&self) -> &TestNode {
        &self.node
    }
}

/// Starts a first-start (auto-configured) node in `home`; returns it with its elastic password.
fn start_node(home: &Path) -> Node {
    let (node, password) = start_secured(home);
    Node { node, password }
}

impl Node {
    /// HTTP status of `GET /` as `user:password` (0 when curl failed).
    fn status_as(&self, user: &str, password: &str) -> u16 {
        let o = Command::new("curl")
            .args([
                "-sS",
                "--max-time",
                "10",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
            ])
            .arg("--cacert")
            .arg(self.home.join("config/certs/http_ca.crt"))
            .args(["-u", &format!("{user}:{password}")])
            .arg(format!("https://localhost:{}/", self.port))
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    }

    /// Waits (up to 10 s, the file realm reloads every second) for `GET /` to answer `want`.
    fn wait_status(&self, user: &str, password: &str, want: u16) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.status_as(user, password) == want {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    fn tool(&self) -> Command {
        let mut cmd = ironstack();
        cmd.current_dir(&self.home);
        cmd
    }

    fn reset(&self, extra: &[&str], stdin: &str) -> Output {
        let mut cmd = self.tool();
        cmd.args(["reset-password", "-u", "elastic", "-E"])
            .arg(format!("http.port={}", self.port))
            .args(extra);
        run_with_stdin(cmd, stdin)
    }

    fn files_mention(&self, needle: &str) -> bool {
        ["users", "users_roles"].iter().any(|f| {
            std::fs::read_to_string(self.home.join("config").join(f))
                .unwrap_or_default()
                .contains(needle)
        })
    }
}

fn curl_available() -> bool {
    let ok = have_tool("curl", "--version");
    assert!(ok || !interop_required(), "curl is required");
    ok
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn users_useradd_logs_in_over_https_and_userdel_revokes() {
    if !curl_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let node = start_node(home.path());
    assert_eq!(node.status_as("fileadmin", "file-pass-1"), 401);

    let o = node
        .tool()
        .args([
            "users",
            "useradd",
            "fileadmin",
            "-p",
            "file-pass-1",
            "-r",
            "superuser",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.path().join("config/users"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(node.wait_status("fileadmin", "file-pass-1", 200));
    assert_eq!(node.status_as("fileadmin", "wrong-pass"), 401);

    let o = node.tool().args(["users", "list"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "fileadmin      : superuser\n"
    );

    // Passwords typed twice on standard input.
    let mut cmd = node.tool();
    cmd.args(["users", "passwd", "fileadmin"]);
    let o = run_with_stdin(cmd, "file-pass-2\nfile-pass-2\n");
    assert!(o.status.success(), "{}", text(&o));
    assert!(node.wait_status("fileadmin", "file-pass-2", 200));
    assert_eq!(node.status_as("fileadmin", "file-pass-1"), 401);

    let o = node
        .tool()
        .args(["users", "userdel", "fileadmin"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(node.wait_status("fileadmin", "file-pass-2", 401));
    let o = node
        .tool()
        .args(["users", "userdel", "fileadmin"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(67), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ERROR: User [fileadmin] doesn't exist"));
}

#[test]
fn reset_password_auto_interactive_and_cancel() {
    if !curl_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let node = start_node(home.path());
    assert_eq!(node.status_as("elastic", &node.password), 200);

    // -a -b: generated value, no confirmation.
    let o = node.reset(&["-b"], "");
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("Password for the [elastic] user successfully reset."),
        "{}",
        text(&o)
    );
    let new = out
        .lines()
        .find_map(|l| l.strip_prefix("New value: "))
        .unwrap_or_else(|| panic!("{}", text(&o)))
        .to_string();
    assert_eq!(new.len(), 20);
    assert_eq!(node.status_as("elastic", &new), 200);
    assert_eq!(node.status_as("elastic", &node.password), 401);
    assert!(!node.files_mention("enrollment_autogenerated_"));

    // -i with piped passwords and a confirmation; a short password is refused and re-asked.
    let o = node.reset(&["-i"], "y\nshort\nchosen-pass\nchosen-pass\n");
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least [6] characters"));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("New value"));
    assert_eq!(node.status_as("elastic", "chosen-pass"), 200);
    assert_eq!(node.status_as("elastic", &new), 401);

    // -s prints only the value (Elasticsearch prints `New value: ` at normal verbosity).
    let o = node.reset(&["-b", "-s"], "");
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let silent = out.strip_suffix('\n').unwrap_or_else(|| panic!("{out}"));
    assert_eq!(silent.len(), 20, "{}", text(&o));
    assert!(!silent.contains(char::is_whitespace), "{}", text(&o));
    assert_eq!(node.status_as("elastic", silent), 200);

    // "n" cancels: exit 0 with Elasticsearch's message on standard error, password unchanged,
    // temporary user gone.
    let o = node.reset(&[], "n\n");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ERROR: User cancelled operation"));
    assert_eq!(node.status_as("elastic", silent), 200);
    assert!(!node.files_mention("enrollment_autogenerated_"));

    // Unknown user: the API's 404 becomes exit 75, and the temporary user is still removed.
    let mut cmd = node.tool();
    cmd.args(["reset-password", "-u", "nobody-here", "-b", "-E"])
        .arg(format!("http.port={}", node.port));
    let o = run_with_stdin(cmd, "");
    assert_eq!(o.status.code(), Some(75), "{}", text(&o));
    assert!(!node.files_mention("enrollment_autogenerated_"));

    // Both modes at once: usage error before anything is written.
    let o = node.reset(&["-a", "-i"], "");
    assert_eq!(o.status.code(), Some(64), "{}", text(&o));
}

#[test]
fn enrollment_token_enrols_a_console_with_the_nodes_ca() {
    use base64::Engine as _;
    if !curl_available() || !have_tool("openssl", "version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let node = start_node(home.path());
    let mut cmd = node.tool();
    cmd.args(["node", "create-enrollment-token", "-s", "kibana", "-E"])
        .arg(format!("http.port={}", node.port));
    let o = run_with_stdin(cmd, "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!node.files_mention("enrollment_autogenerated_"));
    let printed = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&printed)
        .unwrap();
    let token: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(token["ver"], "9.1.0");
    assert_eq!(
        token["adr"],
        serde_json::json!([format!("localhost:{}", node.port)])
    );
    // `fgr` is the SHA-256 of the CA the node's certificate chains to, as openssl computes it.
    let ca = node.home.join("config/certs/http_ca.crt");
    let o = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&ca)
        .output()
        .unwrap();
    let fingerprint = String::from_utf8_lossy(&o.stdout)
        .split('=')
        .nth(1)
        .unwrap_or_default()
        .trim()
        .replace(':', "")
        .to_ascii_lowercase();
    assert_eq!(token["fgr"], fingerprint);
    // The key enrols a console: a service token for elastic/kibana and the same CA.
    let key = base64::engine::general_purpose::STANDARD.encode(token["key"].as_str().unwrap());
    let curl = |auth: &str, path: &str| {
        let o = Command::new("curl")
            .args(["-sS", "--max-time", "10", "--cacert"])
            .arg(&ca)
            .args(["-H", &format!("Authorization: {auth}")])
            .arg(format!("https://localhost:{}{path}", node.port))
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap_or_default()
    };
    let enrolled = curl(&format!("ApiKey {key}"), "/_security/enroll/kibana");
    let ca_der = base64::engine::general_purpose::STANDARD
        .decode(enrolled["http_ca"].as_str().unwrap_or_default())
        .unwrap();
    let pem = std::fs::read_to_string(&ca).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(
        ca_der,
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    );
    let value = enrolled["token"]["value"].as_str().unwrap();
    let me = curl(&format!("Bearer {value}"), "/_security/_authenticate");
    assert_eq!(me["username"], "elastic/kibana", "{me}");
    // The enrolment key may do nothing else.
    let denied = curl(&format!("ApiKey {key}"), "/_security/user");
    assert_eq!(denied["status"], 403, "{denied}");
    // The first start's banner carries a token of its own, for the same node and CA.
    let banner = node.output();
    let line = banner
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("ironstack console setup --enrollment-token ")
        })
        .unwrap_or_else(|| panic!("no enrolment token in the banner:\n{banner}"));
    let raw = base64::engine::general_purpose::STANDARD
        .decode(line.trim())
        .unwrap();
    let first: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(first["adr"], token["adr"]);
    assert_eq!(first["fgr"], token["fgr"]);
    let key = base64::engine::general_purpose::STANDARD.encode(first["key"].as_str().unwrap());
    let enrolled = curl(&format!("ApiKey {key}"), "/_security/enroll/kibana");
    assert!(enrolled["token"]["value"].is_string(), "{enrolled}");
}
