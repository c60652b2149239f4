//! In-process tests of the audit trail: REST requests through the real router and pipeline,
//! the JSON lines they leave in the file, the bounded queue, and the file mode.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use http_body_util::BodyExt;
use ironstack_config::AuditConfig;
use ironstack_security::audit::{AuditEvent, AuditLevel, EventType};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::*;
use crate::rest::test_support::{Fixture, PASSWORD, basic, identity, request, send};

fn fixture(config: &AuditConfig) -> Fixture {
    let f = Fixture::builder().build();
    install(&f.state, config, &f.dir.path().join("logs"), true).unwrap();
    f
}

fn enabled() -> AuditConfig {
    AuditConfig {
        enabled: true,
        ..AuditConfig::default()
    }
}

/// A request from a fixed loopback peer, as the server's `ConnectInfo` gives it.
async fn call(
    f: &Fixture,
    method: &str,
    uri: &str,
    auth: Option<(&str, &str)>,
    body: Value,
) -> StatusCode {
    let authz = auth.map(|(u, p)| basic(u, p));
    let mut req = request(method, uri, authz.as_deref(), body);
    let peer: SocketAddr = "127.0.0.1:53424".parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    send(f, req).await.status
}

/// Stops the writer and returns the file's lines, parsed, and its raw text.
fn lines(f: &Fixture) -> (Vec<Value>, String) {
    shutdown(&f.state);
    let path = audit_file_path(&f.dir.path().join("logs"), "test-cluster");
    let text = std::fs::read_to_string(path).unwrap();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (lines, text)
}

fn find<'a>(lines: &'a [Value], action: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["event.action"] == action)
        .collect()
}

#[tokio::test]
async fn rest_requests_leave_elasticsearch_audit_lines_without_secrets() {
    let f = fixture(&enabled());
    assert_eq!(
        call(&f, "GET", "/", Some(("elastic", PASSWORD)), Value::Null).await,
        StatusCode::OK
    );
    assert_eq!(
        call(
            &f,
            "GET",
            "/?pretty",
            Some(("elastic", "wrong-pass")),
            Value::Null
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&f, "GET", "/", None, Value::Null).await,
        StatusCode::UNAUTHORIZED
    );
    let user = json!({"password": "joe-secret-pw", "roles": [], "full_name": "Joe",
        "metadata": {"team": "a"}});
    assert_eq!(
        call(
            &f,
            "PUT",
            "/_security/user/joe",
            Some(("elastic", PASSWORD)),
            user
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        call(
            &f,
            "GET",
            "/_security/user",
            Some(("joe", "joe-secret-pw")),
            Value::Null
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(
            &f,
            "POST",
            "/_security/user/joe/_password",
            Some(("elastic", PASSWORD)),
            json!({"password": "joe-new-secret"})
        )
        .await,
        StatusCode::OK
    );
    // A change that fails is not a change.
    assert_eq!(
        call(
            &f,
            "PUT",
            "/_security/user/bad",
            Some(("elastic", PASSWORD)),
            json!({"password": "123", "roles": []})
        )
        .await,
        StatusCode::BAD_REQUEST
    );

    let (lines, text) = lines(&f);
    for secret in [
        PASSWORD,
        "wrong-pass",
        "joe-secret-pw",
        "joe-new-secret",
        "$2a$",
    ] {
        assert!(!text.contains(secret), "{secret} in the audit log:\n{text}");
    }
    for l in &lines {
        assert_eq!(l["type"], "audit");
        assert_eq!(l["node.id"], "abcdEFGHijklMNOPqrstUV");
        assert_eq!(l["cluster.uuid"], "3q2Qf0nKQzW8m3t1Zb7Q9A");
        assert!(l.get("node.name").is_none(), "emit_node_name is off");
        let ts = l["timestamp"].as_str().unwrap();
        assert!(ts.ends_with("+0000") && ts.contains(','), "{ts}");
        assert_eq!(l["request.id"].as_str().unwrap().len(), 22);
    }
    // Default includes: no authentication_success.
    assert!(find(&lines, "authentication_success").is_empty());

    let granted = find(&lines, "access_granted");
    let main = granted
        .iter()
        .find(|l| l["action"] == "cluster:monitor/main")
        .unwrap();
    assert_eq!(main["event.type"], "transport");
    assert_eq!(main["authentication.type"], "REALM");
    assert_eq!(main["user.name"], "elastic");
    assert_eq!(main["user.realm"], "reserved");
    assert_eq!(main["origin.type"], "rest");
    assert_eq!(main["origin.address"], "127.0.0.1:53424");
    assert_eq!(main["request.name"], "MainRequest");

    let failed = find(&lines, "authentication_failed");
    assert_eq!(failed.len(), 1);
    let failed = failed[0];
    assert_eq!(failed["event.type"], "rest");
    assert_eq!(failed["user.name"], "elastic");
    assert_eq!(failed["url.path"], "/");
    assert_eq!(failed["url.query"], "pretty");
    assert_eq!(failed["request.method"], "GET");

    let anonymous = find(&lines, "anonymous_access_denied");
    assert_eq!(anonymous.len(), 1);
    assert!(anonymous[0].get("user.name").is_none());

    let denied = find(&lines, "access_denied");
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["user.name"], "joe");
    assert_eq!(denied[0]["user.realm"], "default_native");
    assert_eq!(denied[0]["user.roles"], json!([]));
    assert_eq!(denied[0]["action"], "cluster:admin/xpack/security/user/get");

    let put = find(&lines, "put_user");
    assert_eq!(put.len(), 1, "only the successful PUT: {text}");
    assert_eq!(put[0]["event.type"], "security_config_change");
    assert_eq!(
        put[0]["put"],
        json!({"user": {"name": "joe", "enabled": true, "roles": [], "full_name": "Joe",
            "has_password": true, "metadata": {"team": "a"}}})
    );
    // The change and its access_granted share the request id.
    let put_granted = granted
        .iter()
        .find(|l| l["action"] == "cluster:admin/xpack/security/user/put")
        .unwrap();
    assert_eq!(put_granted["request.id"], put[0]["request.id"]);
    let change = find(&lines, "change_password");
    assert_eq!(
        change[0]["change"],
        json!({"password": {"user": {"name": "joe"}}})
    );
}

#[tokio::test]
async fn api_key_requests_name_the_key_never_its_secret() {
    let f = fixture(&enabled());
    let req = Request::builder()
        .method("POST")
        .uri("/_security/api_key")
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"name": "k1", "role_descriptors": {"r": {"cluster": ["monitor"]}}}).to_string(),
        ))
        .unwrap();
    let resp = f.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let created: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let (id, secret) = (
        created["id"].as_str().unwrap().to_string(),
        created["api_key"].as_str().unwrap().to_string(),
    );
    let encoded = created["encoded"].as_str().unwrap().to_string();
    let mut req = Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("ApiKey {encoded}"))
        .body(Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo("[::1]:52434".parse::<SocketAddr>().unwrap()));
    assert_eq!(
        f.router.clone().oneshot(req).await.unwrap().status(),
        StatusCode::OK
    );
    let bad = BASE64.encode(format!("{id}:not-the-key"));
    let req = Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("ApiKey {bad}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        f.router.clone().oneshot(req).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    let (lines, text) = lines(&f);
    for s in [secret.as_str(), encoded.as_str(), "not-the-key"] {
        assert!(!text.contains(s), "{s} in the audit log:\n{text}");
    }
    let create = find(&lines, "create_apikey");
    assert_eq!(
        create[0]["create"],
        json!({"apikey": {"name": "k1", "role_descriptors": [
            {"cluster": ["monitor"], "indices": [], "applications": [], "run_as": []}]}})
    );
    let main = find(&lines, "access_granted")
        .into_iter()
        .find(|l| l["action"] == "cluster:monitor/main")
        .unwrap();
    assert_eq!(main["authentication.type"], "API_KEY");
    assert_eq!(main["user.name"], "elastic");
    assert_eq!(main["user.realm"], "reserved");
    assert_eq!(main["apikey.id"], id.as_str());
    assert_eq!(main["apikey.name"], "k1");
    assert_eq!(main["origin.address"], "[::1]:52434");
    assert!(main.get("user.roles").is_none());
    let failed = find(&lines, "authentication_failed");
    assert_eq!(failed[0]["user.name"], id.as_str());
}

#[tokio::test]
async fn include_all_with_request_bodies_still_hides_passwords() {
    let config = AuditConfig {
        include: ironstack_config::AUDIT_EVENT_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        emit_request_body: true,
        emit_node_name: true,
        ..enabled()
    };
    let f = fixture(&config);
    call(
        &f,
        "PUT",
        "/_security/user/amy",
        Some(("elastic", PASSWORD)),
        json!({"password": "amy-secret-pw", "roles": ["viewer"]}),
    )
    .await;
    call(
        &f,
        "POST",
        "/_security/user/amy/_password",
        Some(("amy", "wrong-secret")),
        json!({"password": "amy-next-secret"}),
    )
    .await;
    let (lines, text) = lines(&f);
    for secret in [PASSWORD, "amy-secret-pw", "wrong-secret", "amy-next-secret"] {
        assert!(!text.contains(secret), "{secret} in the audit log:\n{text}");
    }
    let success = find(&lines, "authentication_success");
    assert_eq!(success.len(), 1);
    assert_eq!(success[0]["realm"], "reserved");
    assert_eq!(success[0]["node.name"], "node-1");
    let body: Value = serde_json::from_str(success[0]["request.body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"roles": ["viewer"]}));
    let failed = find(&lines, "authentication_failed");
    assert_eq!(failed[0]["user.name"], "amy");
    // The body of a request that failed authentication is never read, so never logged.
    assert!(failed[0].get("request.body").is_none(), "{}", failed[0]);
}

#[tokio::test]
async fn ignore_policies_and_excludes_apply() {
    let config = AuditConfig {
        exclude: vec!["anonymous_access_denied".into()],
        ignore_filters: vec![ironstack_config::AuditIgnorePolicy {
            name: "main".into(),
            actions: Some(vec!["cluster:monitor/*".into()]),
            ..Default::default()
        }],
        ..enabled()
    };
    let f = fixture(&config);
    call(&f, "GET", "/", Some(("elastic", PASSWORD)), Value::Null).await;
    call(&f, "GET", "/", None, Value::Null).await;
    call(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(("elastic", PASSWORD)),
        Value::Null,
    )
    .await;
    let (lines, _) = lines(&f);
    assert!(find(&lines, "anonymous_access_denied").is_empty());
    let actions: Vec<&Value> = lines.iter().map(|l| &l["action"]).collect();
    assert_eq!(
        actions,
        [&json!("cluster:admin/xpack/security/user/authenticate")]
    );
}

#[test]
fn a_full_queue_drops_and_counts_instead_of_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c_audit.json");
    let (trail, writer) =
        AuditTrail::open(&enabled(), LocalNode::default(), path.clone(), 2).unwrap();
    let event = || {
        AuditEvent::new(
            AuditLevel::AccessGranted,
            EventType::Transport,
            "access_granted",
        )
    };
    // No writer yet: the queue fills and further events are dropped at once.
    for _ in 0..5 {
        trail.log(event());
    }
    assert_eq!(trail.dropped(), 3);
    trail.start_writer(writer).unwrap();
    trail.shutdown();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn disabled_audit_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(identity(), None, 1024);
    install(&state, &AuditConfig::default(), dir.path(), true).unwrap();
    assert!(state.audit.get().is_none());
    // Enabled but security off: nothing either (Elasticsearch audits only with security).
    install(&state, &enabled(), dir.path(), false).unwrap();
    assert!(state.audit.get().is_none());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn path_params_are_decoded_from_the_route() {
    assert_eq!(
        path_param(
            "/_security/user/{username}/_password",
            "/_security/user/j%C3%B6e/_password",
            "username"
        ),
        Some("jöe".to_string())
    );
    assert_eq!(
        path_param(
            "/_security/user/_password",
            "/_security/user/_password",
            "username"
        ),
        None
    );
    // Elasticsearch's path decoding: `+` stays, `%%` is a `%`, a broken escape is refused.
    let user = |path: &str| path_param("/_security/user/{username}", path, "username");
    assert_eq!(user("/_security/user/a+b"), Some("a+b".to_string()));
    assert_eq!(user("/_security/user/100%%"), Some("100%".to_string()));
    assert_eq!(user("/_security/user/a%zz"), None);
}

#[tokio::test]
async fn run_as_events_carry_both_users() {
    let f = crate::rest::test_support::run_as_fixture();
    install(&f.state, &enabled(), &f.dir.path().join("logs"), true).unwrap();
    let run_as = |who: &str| {
        let mut req = request("GET", "/", Some(&basic(who, PASSWORD)), Value::Null);
        req.headers_mut()
            .insert("es-security-runas-user", "target".parse().unwrap());
        req
    };
    assert_eq!(send(&f, run_as("proxy")).await.status, StatusCode::OK);
    assert_eq!(send(&f, run_as("joe")).await.status, StatusCode::FORBIDDEN);
    let (lines, _) = lines(&f);
    let granted = find(&lines, "run_as_granted");
    assert_eq!(granted.len(), 1, "{lines:#?}");
    assert_eq!(granted[0]["user.name"], "proxy");
    assert_eq!(granted[0]["user.run_as.name"], "target");
    assert_eq!(granted[0]["user.realm"], "default_native");
    assert_eq!(granted[0]["user.run_as.realm"], "default_native");
    assert_eq!(granted[0]["user.roles"], json!(["runner"]));
    assert_eq!(granted[0]["action"], "cluster:monitor/main");
    let access = find(&lines, "access_granted");
    let access: Vec<_> = access
        .iter()
        .filter(|l| l["action"] == "cluster:monitor/main")
        .collect();
    assert_eq!(access.len(), 1, "{lines:#?}");
    assert_eq!(access[0]["user.name"], "target");
    assert_eq!(access[0]["user.run_by.name"], "proxy");
    assert_eq!(access[0]["user.run_by.realm"], "default_native");
    assert_eq!(access[0]["user.roles"], json!(["monitor_only"]));
    let denied = find(&lines, "run_as_denied");
    assert_eq!(denied.len(), 1, "{lines:#?}");
    assert_eq!(denied[0]["user.name"], "joe");
    assert_eq!(denied[0]["user.run_as.name"], "target");
    // A denied run-as never reaches the action.
    assert!(find(&lines, "access_denied").is_empty(), "{lines:#?}");
    // Both requests share nothing but the events of their own request.id.
    assert_ne!(granted[0]["request.id"], denied[0]["request.id"]);
}
