//! Bearer tokens and anonymous access over real HTTPS: tokens obtained, used, refreshed and
//! invalidated with curl and with the official Python `elasticsearch` client
//! (`security.get_token`, `bearer_auth=`, `security.invalidate_token`), the 401 challenges,
//! and a node with anonymous access whose anonymous role grants `monitor`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{
    TestNode, banner_password, have_python_module, have_tool, run_python_scenario,
};

/// `curl` over HTTPS with the node's CA; returns (status, headers, body).
fn curl(ca: &Path, args: &[&str]) -> (u16, String, String) {
    let o = Command::new("curl")
        .args(["-sS", "-i", "--cacert"])
        .arg(ca)
        .args(args)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).replace("\r\n", "\n");
    let (head, body) = out.split_once("\n\n").unwrap_or((&out, ""));
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {out}{}", String::from_utf8_lossy(&o.stderr)));
    (status, head.to_string(), body.to_string())
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// Starts an auto-configured node with `extra` settings; returns it with the elastic password.
fn start(home: &Path, extra: &[&str]) -> (TestNode, String) {
    let node = TestNode::start(home, extra);
    let deadline = Instant::now() + Duration::from_secs(10);
    while banner_password(&node.output()).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = node.output();
    let password = banner_password(&out).unwrap_or_else(|| panic!("no password in:\n{out}"));
    (node, password)
}

#[test]
fn bearer_tokens_with_curl() {
    if !have_tool("curl", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start(home.path(), &[]);
    let ca = node.ca();
    let url = |p: &str| format!("https://localhost:{}{p}", node.port);
    let elastic = format!("elastic:{password}");

    // Without credentials: Basic, Bearer (the token service is on with HTTPS), ApiKey.
    let (status, head, _) = curl(&ca, &[&url("/")]);
    assert_eq!(status, 401);
    let challenges: Vec<&str> = head
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("www-authenticate:"))
        .map(|l| l.split_once(':').unwrap().1.trim())
        .collect();
    assert_eq!(
        challenges,
        vec![
            "Basic realm=\"security\", charset=\"UTF-8\"",
            "Bearer realm=\"security\"",
            "ApiKey"
        ]
    );

    let (status, _, body) = curl(
        &ca,
        &[
            "-u",
            &elastic,
            "-H",
            "Content-Type: application/json",
            "-d",
            &format!(r#"{{"grant_type":"password","username":"elastic","password":"{password}"}}"#),
            &url("/_security/oauth2/token"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let t = json(&body);
    assert_eq!(t["type"], "Bearer");
    assert_eq!(t["expires_in"], 1200);
    assert_eq!(t["authentication"]["username"], "elastic");
    let access = t["access_token"].as_str().unwrap().to_string();
    let refresh = t["refresh_token"].as_str().unwrap().to_string();
    let bearer = format!("Authorization: Bearer {access}");

    let (status, _, body) = curl(&ca, &["-H", &bearer, &url("/_security/_authenticate")]);
    assert_eq!(status, 200, "{body}");
    let me = json(&body);
    assert_eq!(me["username"], "elastic");
    assert_eq!(me["authentication_type"], "token");
    assert_eq!(me["authentication_realm"]["type"], "reserved");
    // The clear token is never written to disk.
    let store = std::fs::read_dir(home.path().join("data"))
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .filter_map(|f| std::fs::read(f.path()).ok())
        .any(|bytes| String::from_utf8_lossy(&bytes).contains(&access));
    assert!(!store, "the access token was found in the data folder");

    // Refresh (as elastic, who obtained it): new tokens, the new one works.
    let (status, _, body) = curl(
        &ca,
        &[
            "-u",
            &elastic,
            "-H",
            "Content-Type: application/json",
            "-d",
            &format!(r#"{{"grant_type":"refresh_token","refresh_token":"{refresh}"}}"#),
            &url("/_security/oauth2/token"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let refreshed = json(&body);
    assert_ne!(refreshed["access_token"], t["access_token"]);
    let (status, _, _) = curl(
        &ca,
        &[
            "-H",
            &format!(
                "Authorization: Bearer {}",
                refreshed["access_token"].as_str().unwrap()
            ),
            &url("/_cluster/health"),
        ],
    );
    assert_eq!(status, 200);

    // Invalidate: the token stops working at once.
    let (status, _, body) = curl(
        &ca,
        &[
            "-u",
            &elastic,
            "-X",
            "DELETE",
            "-H",
            "Content-Type: application/json",
            "-d",
            &format!(r#"{{"token":"{access}"}}"#),
            &url("/_security/oauth2/token"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        json(&body),
        serde_json::json!({"invalidated_tokens":1,"previously_invalidated_tokens":0,"error_count":0})
    );
    let (status, _, body) = curl(&ca, &["-H", &bearer, &url("/_security/_authenticate")]);
    assert_eq!(status, 401);
    assert_eq!(json(&body)["error"]["reason"], "token expired");
    node.stop();
}

const PYTHON_SCENARIO: &str = r#"
import sys
from elasticsearch import Elasticsearch, AuthenticationException, BadRequestError
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"https://localhost:{port}"
es = Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", password))
es.security.put_role(name="token_user", cluster=["manage_token", "monitor"])
es.security.put_user(username="joe", password="joe-password", roles=["token_user"], full_name="Joe")

t = es.security.get_token(grant_type="password", username="joe", password="joe-password").body
assert t["type"] == "Bearer" and t["expires_in"] == 1200 and "refresh_token" in t, t
assert t["authentication"]["username"] == "joe" and t["authentication"]["authentication_type"] == "realm", t
joe = Elasticsearch(url, ca_certs=ca, bearer_auth=t["access_token"])
me = joe.security.authenticate().body
assert me["username"] == "joe" and me["authentication_type"] == "token" and me["full_name"] == "Joe", me
assert joe.cluster.health().body["cluster_name"]

# client_credentials, as joe: no refresh token.
cc = Elasticsearch(url, ca_certs=ca, basic_auth=("joe", "joe-password")).security.get_token(
    grant_type="client_credentials").body
assert "refresh_token" not in cc and cc["authentication"]["username"] == "joe", cc

# A wrong password is a 401 naming the user.
try:
    es.security.get_token(grant_type="password", username="joe", password="wrong-password")
    raise SystemExit("wrong password accepted")
except AuthenticationException as e:
    assert e.body["error"]["reason"] == "unable to authenticate user [joe] for action [cluster:admin/xpack/security/token/create]", e.body

# The refresh token belongs to the client that obtained it (elastic), not to joe.
as_joe = Elasticsearch(url, ca_certs=ca, basic_auth=("joe", "joe-password"))
try:
    as_joe.security.get_token(grant_type="refresh_token", refresh_token=t["refresh_token"])
    raise SystemExit("refresh by another client accepted")
except BadRequestError as e:
    assert e.body == {"error": "invalid_grant", "error_description": "tokens must be refreshed by the creating client"}, e.body
# Refresh as elastic, then the old refresh token a second time within 30 s: the same tokens.
r1 = es.security.get_token(grant_type="refresh_token", refresh_token=t["refresh_token"]).body
r2 = es.security.get_token(grant_type="refresh_token", refresh_token=t["refresh_token"]).body
assert r1["access_token"] == r2["access_token"] and r1["refresh_token"] == r2["refresh_token"], (r1, r2)
try:
    es.security.get_token(grant_type="refresh_token", refresh_token="bm90LWEtdG9rZW4=")
    raise SystemExit("unknown refresh token accepted")
except BadRequestError as e:
    assert e.body == {"error": "invalid_grant", "error_description": "could not refresh the requested token"}, e.body

# Invalidate one token, then all of joe's.
r = es.security.invalidate_token(token=t["access_token"]).body
assert r == {"invalidated_tokens": 1, "previously_invalidated_tokens": 0, "error_count": 0}, r
try:
    joe.security.authenticate()
    raise SystemExit("invalidated token accepted")
except AuthenticationException as e:
    assert e.body["error"]["reason"] == "token expired", e.body
r = es.security.invalidate_token(username="joe").body
assert r["invalidated_tokens"] >= 3 and r["error_count"] == 0, r
try:
    Elasticsearch(url, ca_certs=ca, bearer_auth=r1["access_token"]).security.authenticate()
    raise SystemExit("token of an invalidated user accepted")
except AuthenticationException:
    pass
print("ok")
"#;

#[test]
fn bearer_tokens_with_the_python_client() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start(home.path(), &[]);
    run_python_scenario(PYTHON_SCENARIO, &node.ca(), node.port, &password);
    node.stop();
}

const ANONYMOUS_SCENARIO: &str = r#"
import sys
from elasticsearch import Elasticsearch, AuthorizationException, AuthenticationException
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"https://localhost:{port}"
es = Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", password))
es.security.put_role(name="anon_monitor", cluster=["monitor"])
anon = Elasticsearch(url, ca_certs=ca)
assert anon.cluster.health().body["cluster_name"]
me = anon.security.authenticate().body
assert me["username"] == "_anonymous" and me["authentication_type"] == "anonymous", me
assert me["authentication_realm"] == {"name": "__anonymous", "type": "__anonymous"}, me
try:
    anon.security.get_user()
    raise SystemExit("anonymous listed users")
except AuthorizationException as e:
    assert e.body["error"]["reason"] == ("action [cluster:admin/xpack/security/user/get] is unauthorized for user "
        "[_anonymous] with effective roles [anon_monitor], this action is granted by the cluster privileges "
        "[read_security,manage_security,all]"), e.body
# Wrong credentials are never anonymous.
try:
    Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", "wrong-password")).cluster.health()
    raise SystemExit("wrong password accepted")
except AuthenticationException:
    pass
# Authenticated users get the anonymous roles too.
assert "anon_monitor" in es.security.authenticate().body["roles"]
print("ok")
"#;

#[test]
fn anonymous_access_with_a_monitor_role() {
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start(
        home.path(),
        &["xpack.security.authc.anonymous.roles=anon_monitor"],
    );
    assert!(
        node.output()
            .contains("anonymous access is enabled: requests without credentials run as [_anonymous] with roles [anon_monitor]"),
        "{}",
        node.output()
    );
    if have_tool("curl", "--version") {
        let ca = node.ca();
        let url = |p: &str| format!("https://localhost:{}{p}", node.port);
        // Before the role exists, the anonymous user has no privileges: 403, not 401.
        let (status, _, body) = curl(&ca, &[&url("/_cluster/health")]);
        assert_eq!(status, 403, "{body}");
        let (status, _, _) = curl(
            &ca,
            &[
                "-u",
                &format!("elastic:{password}"),
                "-X",
                "PUT",
                "-H",
                "Content-Type: application/json",
                "-d",
                r#"{"cluster":["monitor"]}"#,
                &url("/_security/role/anon_monitor"),
            ],
        );
        assert_eq!(status, 200);
        let (status, _, body) = curl(&ca, &[&url("/_cluster/health")]);
        assert_eq!(status, 200, "{body}");
        let (status, _, body) = curl(&ca, &[&url("/_security/user")]);
        assert_eq!(status, 403);
        assert!(
            json(&body)["error"]["reason"]
                .as_str()
                .unwrap()
                .contains("is unauthorized for user [_anonymous]"),
            "{body}"
        );
    }
    if have_python_module("elasticsearch") {
        run_python_scenario(ANONYMOUS_SCENARIO, &node.ca(), node.port, &password);
    }
    node.stop();
}
