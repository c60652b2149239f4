//! Integration test of the logfile audit trail: a secured node started with
//! `-E xpack.security.audit.enabled=true`, driven with curl over HTTPS (a success, a 401, a
//! 403, a PUT user and a password change), then stopped with SIGTERM so the writer flushes;
//! the JSON lines of `logs/ironstack_audit.json` are checked field by field and for secrets.
//! Without the setting, no audit file appears.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TestNode, banner_password, have_tool, secured_node};

/// `curl` as `user:password` against the node; returns the HTTP status.
fn curl(node: &TestNode, method: &str, path: &str, auth: &str, body: Option<&str>) -> u16 {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method])
        .arg("--cacert")
        .arg(node.ca())
        .args(["-u", auth])
        .arg(format!("https://localhost:{}{path}", node.port));
    if let Some(b) = body {
        cmd.args(["-H", "Content-Type: application/json", "-d", b]);
    }
    let out = cmd.output().expect("run curl");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("curl: {}", String::from_utf8_lossy(&out.stderr)))
}

fn audit_lines(home: &Path) -> (Vec<Value>, String) {
    let text = std::fs::read_to_string(home.join("logs/ironstack_audit.json")).unwrap();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (lines, text)
}

fn with_action<'a>(lines: &'a [Value], action: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["event.action"] == action)
        .collect()
}

#[test]
fn audit_log_records_requests_and_changes_without_secrets() {
    if !have_tool("curl", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let node = TestNode::start(home.path(), &["xpack.security.audit.enabled=true"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while banner_password(&node.output()).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let password = banner_password(&node.output()).expect("elastic password");
    let elastic = format!("elastic:{password}");

    assert_eq!(curl(&node, "GET", "/", &elastic, None), 200);
    assert_eq!(
        curl(&node, "GET", "/", "elastic:not-the-password", None),
        401
    );
    assert_eq!(
        curl(
            &node,
            "PUT",
            "/_security/user/joe",
            &elastic,
            Some(r#"{"password":"joe-secret-pw","roles":[],"email":"joe@example.com"}"#)
        ),
        200
    );
    assert_eq!(
        curl(&node, "GET", "/_security/user", "joe:joe-secret-pw", None),
        403
    );
    assert_eq!(
        curl(
            &node,
            "POST",
            "/_security/user/joe/_password",
            &elastic,
            Some(r#"{"password":"joe-new-secret"}"#)
        ),
        200
    );
    assert!(node.stop().success());

    let (lines, text) = audit_lines(home.path());
    for secret in [
        password.as_str(),
        "not-the-password",
        "joe-secret-pw",
        "joe-new-secret",
        "$2a$",
    ] {
        assert!(!text.contains(secret), "{secret} in the audit log:\n{text}");
    }
    for l in &lines {
        assert_eq!(l["type"], "audit", "{l}");
        assert!(
            l["node.id"].is_string() && l["request.id"].is_string(),
            "{l}"
        );
    }
    let granted = with_action(&lines, "access_granted");
    let main = granted
        .iter()
        .find(|l| l["action"] == "cluster:monitor/main")
        .expect("access_granted for GET /");
    assert_eq!(main["user.name"], "elastic");
    assert_eq!(main["user.realm"], "reserved");
    assert_eq!(main["authentication.type"], "REALM");
    assert_eq!(main["origin.type"], "rest");
    assert!(
        main["origin.address"]
            .as_str()
            .is_some_and(|a| a.starts_with("127.0.0.1:") || a.starts_with("[::1]:")),
        "{main}"
    );

    let failed = with_action(&lines, "authentication_failed");
    assert_eq!(failed.len(), 1, "{text}");
    assert_eq!(failed[0]["event.type"], "rest");
    assert_eq!(failed[0]["user.name"], "elastic");
    assert_eq!(failed[0]["url.path"], "/");
    assert_eq!(failed[0]["request.method"], "GET");

    let denied = with_action(&lines, "access_denied");
    assert_eq!(denied.len(), 1, "{text}");
    assert_eq!(denied[0]["user.name"], "joe");
    assert_eq!(denied[0]["action"], "cluster:admin/xpack/security/user/get");

    let put = with_action(&lines, "put_user");
    assert_eq!(put.len(), 1, "{text}");
    assert_eq!(put[0]["event.type"], "security_config_change");
    assert_eq!(
        put[0]["put"],
        json!({"user": {"name": "joe", "enabled": true, "roles": [],
            "email": "joe@example.com", "has_password": true}})
    );
    let change = with_action(&lines, "change_password");
    assert_eq!(change.len(), 1, "{text}");
    assert_eq!(
        change[0]["change"],
        json!({"password": {"user": {"name": "joe"}}})
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.path().join("logs/ironstack_audit.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn audit_is_off_by_default() {
    if !have_tool("curl", "--version") {
        return;
    }
    let (home, node, password) = secured_node();
    assert_eq!(
        curl(&node, "GET", "/", &format!("elastic:{password}"), None),
        200
    );
    assert_eq!(curl(&node, "GET", "/", "elastic:wrong-password", None), 401);
    assert!(node.stop().success());
    let audit_files: Vec<_> = std::fs::read_dir(home.path().join("logs"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with("_audit.json"))
        .collect();
    assert!(audit_files.is_empty(), "{audit_files:?}");
}
