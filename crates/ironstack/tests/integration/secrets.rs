//! No secret ever reaches the node's logs: a security scenario run with the audit trail on,
//! every event included and `emit_request_body: true` (users with passwords and a password
//! hash, password changes, API keys created and granted, tokens created, refreshed by the
//! client that obtained them and invalidated, Basic, Bearer and ApiKey requests, failed
//! logins), then every secret the scenario created, and the Basic and ApiKey header forms of
//! each credential, is looked for in every file under `logs/` and in the node's output.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TestNode, banner_password, have_tool, ironstack};

/// Standard base64 (the integration binary has no base64 dependency).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))
}

/// One request with curl; returns the status and the JSON body (`null` when none).
fn call(
    node: &TestNode,
    method: &str,
    path: &str,
    authz: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-w", "\n%{http_code}", "-X", method, "--cacert"])
        .arg(node.ca())
        .args(["-H", &format!("Authorization: {authz}")])
        .arg(format!("https://localhost:{}{path}", node.port));
    if let Some(b) = body {
        cmd.args(["-H", "Content-Type: application/json", "-d", &b.to_string()]);
    }
    let o = cmd.output().expect("run curl");
    let out = String::from_utf8_lossy(&o.stdout);
    let (body, status) = out.rsplit_once('\n').unwrap_or(("", &out));
    let status = status
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("curl: {out}{}", String::from_utf8_lossy(&o.stderr)));
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, body)
}

fn ok(node: &TestNode, method: &str, path: &str, authz: &str, body: Option<Value>) -> Value {
    let (status, reply) = call(node, method, path, authz, body);
    assert_eq!(status, 200, "{method} {path}: {reply}");
    reply
}

fn text_at(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no [{key}] in {v}"))
        .to_string()
}

/// A bcrypt hash made by `ironstack users` in a scratch config folder.
fn password_hash(password: &str) -> String {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::create_dir(scratch.path().join("config")).unwrap();
    let o = ironstack()
        .current_dir(scratch.path())
        .args(["users", "useradd", "hashsource", "-p", password])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let users = std::fs::read_to_string(scratch.path().join("config/users")).unwrap();
    users
        .lines()
        .find_map(|l| l.strip_prefix("hashsource:"))
        .expect("hash line")
        .to_string()
}

/// Every file under `dir`, recursively, with its content.
fn files(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            out.push((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
}

#[test]
fn no_secret_reaches_the_logs_with_request_bodies_audited() {
    if !have_tool("curl", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let node = TestNode::start(
        home.path(),
        &[
            "xpack.security.audit.enabled=true",
            "xpack.security.audit.logfile.events.include=_all",
            "xpack.security.audit.logfile.events.emit_request_body=true",
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while banner_password(&node.output()).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let first_elastic = banner_password(&node.output()).expect("elastic password");
    // (secret, also checked in the node's output); the first-start banner prints the
    // generated elastic password on purpose, so only the log files may not hold that one.
    let mut secrets: Vec<(String, bool)> = vec![(first_elastic.clone(), false)];
    let mut credentials: Vec<(&str, String)> = Vec::new();
    let mut remember = |s: &str| secrets.push((s.to_string(), true));

    let elastic_password = "elastic-pw-2-Kq7v".to_string();
    let alice_1 = "alice-pw-1-Zq8x";
    let alice_2 = "alice-pw-2-Mw3r";
    let bob_pw = "bob-pw-1-Tn5p";
    let kibana_pw = "kibana-pw-1-Hs2e";
    let carol_pw = "carol-pw-1-Ld9c";
    let wrong_pw = "wrong-pw-1-Xy4u";
    let client_secret = "client-secret-1-Vb6n";
    for s in [
        elastic_password.as_str(),
        alice_1,
        alice_2,
        bob_pw,
        kibana_pw,
        carol_pw,
        wrong_pw,
        client_secret,
    ] {
        remember(s);
    }
    let hash = password_hash(carol_pw);
    remember(&hash);

    let first = basic("elastic", &first_elastic);
    credentials.push(("elastic", first_elastic.clone()));
    ok(
        &node,
        "POST",
        "/_security/user/elastic/_password",
        &first,
        Some(json!({"password": elastic_password})),
    );
    let elastic = basic("elastic", &elastic_password);
    credentials.push(("elastic", elastic_password.clone()));

    // Users with passwords and with a password hash; a reserved user's password.
    ok(
        &node,
        "PUT",
        "/_security/user/alice",
        &elastic,
        Some(json!({"password": alice_1, "roles": ["superuser"], "full_name": "Alice"})),
    );
    ok(
        &node,
        "PUT",
        "/_security/user/bob",
        &elastic,
        Some(json!({"password": bob_pw, "roles": ["viewer"]})),
    );
    ok(
        &node,
        "PUT",
        "/_security/user/carol",
        &elastic,
        Some(json!({"password_hash": hash, "roles": []})),
    );
    ok(
        &node,
        "POST",
        "/_security/user/kibana_system/_password",
        &elastic,
        Some(json!({"password": kibana_pw})),
    );
    let carol = ok(
        &node,
        "GET",
        "/_security/_authenticate",
        &basic("carol", carol_pw),
        None,
    );
    assert_eq!(carol["username"], "carol");
    // A user changes its own password; a failed login with a wrong one.
    ok(
        &node,
        "POST",
        "/_security/user/_password",
        &basic("alice", alice_1),
        Some(json!({"password": alice_2})),
    );
    let alice = basic("alice", alice_2);
    assert_eq!(
        call(
            &node,
            "GET",
            "/_security/_authenticate",
            &basic("alice", wrong_pw),
            None
        )
        .0,
        401
    );
    for (user, pw) in [
        ("alice", alice_1),
        ("alice", alice_2),
        ("alice", wrong_pw),
        ("bob", bob_pw),
        ("kibana_system", kibana_pw),
        ("carol", carol_pw),
    ] {
        credentials.push((user, pw.to_string()));
    }

    // API keys: created, granted for a user, granted from an access token, used.
    let mut keys = Vec::new();
    let created = ok(
        &node,
        "POST",
        "/_security/api_key",
        &alice,
        Some(json!({"name": "alice-key", "metadata": {"purpose": "secrets test"}})),
    );
    keys.push(created);
    let granted = ok(
        &node,
        "POST",
        "/_security/api_key/grant",
        &elastic,
        Some(
            json!({"grant_type": "password", "username": "bob", "password": bob_pw,
            "api_key": {"name": "bob-key"}}),
        ),
    );
    keys.push(granted);

    // Tokens: kibana_system logs bob in with the password grant and keeps the session
    // alive; another user (alice, a superuser) cannot refresh kibana_system's refresh token.
    let kibana = basic("kibana_system", kibana_pw);
    let t1 = ok(
        &node,
        "POST",
        "/_security/oauth2/token",
        &kibana,
        Some(json!({"grant_type": "password", "username": "bob", "password": bob_pw})),
    );
    let (access_1, refresh_1) = (text_at(&t1, "access_token"), text_at(&t1, "refresh_token"));
    let me = ok(
        &node,
        "GET",
        "/_security/_authenticate",
        &format!("Bearer {access_1}"),
        None,
    );
    assert_eq!(me["username"], "bob");
    let t2 = ok(
        &node,
        "POST",
        "/_security/oauth2/token",
        &kibana,
        Some(json!({"grant_type": "refresh_token", "refresh_token": refresh_1})),
    );
    let (access_2, refresh_2) = (text_at(&t2, "access_token"), text_at(&t2, "refresh_token"));
    let (status, body) = call(
        &node,
        "POST",
        "/_security/oauth2/token",
        &alice,
        Some(json!({"grant_type": "refresh_token", "refresh_token": refresh_2})),
    );
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "invalid_grant", "error_description": "tokens must be refreshed by the creating client"})
        )
    );
    let t3 = ok(
        &node,
        "POST",
        "/_security/oauth2/token",
        &elastic,
        Some(json!({"grant_type": "client_credentials"})),
    );
    let access_3 = text_at(&t3, "access_token");
    let from_token = ok(
        &node,
        "POST",
        "/_security/api_key/grant",
        &elastic,
        Some(
            json!({"grant_type": "access_token", "access_token": access_2,
            "api_key": {"name": "token-key"}}),
        ),
    );
    keys.push(from_token);
    // A grant naming a client secret: refused or not, its body is audited.
    let _ = call(
        &node,
        "POST",
        "/_security/api_key/grant",
        &elastic,
        Some(
            json!({"grant_type": "password", "username": "bob", "password": bob_pw,
            "client_authentication": {"scheme": "SharedSecret", "value": client_secret},
            "api_key": {"name": "client-key"}}),
        ),
    );
    for key in &keys {
        let encoded = text_at(key, "encoded");
        let me = ok(
            &node,
            "GET",
            "/_security/_authenticate",
            &format!("ApiKey {encoded}"),
            None,
        );
        assert_eq!(me["authentication_type"], "api_key");
        remember(&text_at(key, "api_key"));
        remember(&encoded);
        remember(&base64(
            format!("{}:{}", text_at(key, "id"), text_at(key, "api_key")).as_bytes(),
        ));
    }
    // Invalidation by access token and by refresh token; the dead token is refused.
    let out = ok(
        &node,
        "DELETE",
        "/_security/oauth2/token",
        &elastic,
        Some(json!({"token": access_1})),
    );
    assert_eq!(out["invalidated_tokens"], 1);
    ok(
        &node,
        "DELETE",
        "/_security/oauth2/token",
        &elastic,
        Some(json!({"refresh_token": refresh_2})),
    );
    assert_eq!(
        call(
            &node,
            "GET",
            "/_security/_authenticate",
            &format!("Bearer {access_1}"),
            None
        )
        .0,
        401
    );
    for token in [&access_1, &refresh_1, &access_2, &refresh_2, &access_3] {
        remember(token);
    }
    // Bad date math is a 400, not a dead node (it used to panic inside the `é`).
    let (status, body) = call(
        &node,
        "POST",
        "/_security/_query/api_key",
        &elastic,
        Some(json!({"query": {"range": {"creation": {"gte": "nowé"}}}})),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["type"], "parse_exception", "{body}");
    assert_eq!(
        body["error"]["reason"],
        "operator not supported for date math [é]"
    );
    assert_eq!(call(&node, "GET", "/", &elastic, None).0, 200);

    let output_before_stop = node.output();
    assert!(node.stop().success());

    for (user, password) in &credentials {
        secrets.push((basic(user, password), true));
        secrets.push((
            base64(format!("{user}:{password}").as_bytes()),
            password != &first_elastic,
        ));
    }
    let mut logs = Vec::new();
    files(&home.path().join("logs"), &mut logs);
    let audit = logs
        .iter()
        .find(|(path, _)| path.ends_with("_audit.json"))
        .map(|(_, text)| text.clone())
        .expect("an audit log");
    // The scenario's bodies were audited (else this test proves nothing).
    for needle in ["\"request.body\"", "grant_type", "refresh_token", "bob-key"] {
        assert!(
            audit.contains(needle),
            "no {needle} in the audit log:\n{audit}"
        );
    }
    let leaks: Vec<String> = secrets
        .iter()
        .flat_map(|(secret, in_output)| {
            let mut places: Vec<String> = logs
                .iter()
                .filter(|(_, text)| text.contains(secret.as_str()))
                .map(|(path, _)| path.clone())
                .collect();
            if *in_output && output_before_stop.contains(secret.as_str()) {
                places.push("the node's output".to_string());
            }
            places
                .into_iter()
                .map(move |place| format!("[{secret}] in {place}"))
        })
        .collect();
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}
