//! In-process tests of `_security/role_mapping` through the real router: shapes, errors,
//! privileges and durability.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use http_body_util::BodyExt;
use ironstack_security::{Authenticator, Hasher, SecurityStore, StoredUser};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::rest::router;
use crate::state::{AppState, NodeIdentity};

const PASSWORD: &str = "test-password-123";

pub(crate) fn identity() -> NodeIdentity {
    NodeIdentity {
        node_name: "node-1".into(),
        cluster_name: "test-cluster".into(),
        cluster_uuid: "3q2Qf0nKQzW8m3t1Zb7Q9A".into(),
        node_id: "abcdEFGHijklMNOPqrstUV".into(),
        license_uid: "00000000-0000-4000-8000-000000000000".into(),
        license_issue_date_millis: 1_700_000_000_000,
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    router: axum::Router,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SecurityStore::open(dir.path()).unwrap());
    let hash = Hasher::Bcrypt { cost: 4 }.hash(PASSWORD).unwrap();
    store
        .put_user("elastic", StoredUser::new(hash.clone(), vec![]))
        .unwrap();
    store
        .put_user(
            "reader",
            StoredUser::new(hash.clone(), vec!["sec_reader".into()]),
        )
        .unwrap();
    store
        .put_user("nobody", StoredUser::new(hash, vec!["mon".into()]))
        .unwrap();
    store
        .put_role("sec_reader", json!({"cluster": ["read_security"]}))
        .unwrap();
    store
        .put_role("mon", json!({"cluster": ["monitor"]}))
        .unwrap();
    let auth = Arc::new(Authenticator::new(store, None));
    let state = Arc::new(AppState::new(identity(), Some(auth), 100 * 1024 * 1024));
    Fixture {
        dir,
        router: router(state),
    }
}

async fn call(f: &Fixture, method: &str, uri: &str, user: &str, body: &str) -> (StatusCode, Value) {
    let authz = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{PASSWORD}"))
    );
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, authz);
    if !body.is_empty() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let resp = f
        .router
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn error(v: &Value) -> (&str, &str) {
    (
        v["error"]["type"].as_str().unwrap_or_default(),
        v["error"]["reason"].as_str().unwrap_or_default(),
    )
}

const MAPPING: &str = r#"{"enabled":true,"roles":["monitoring_user"],"rules":{"field":{"username":"client1"}},"metadata":{"version":1}}"#;

#[tokio::test]
async fn put_get_delete_with_elasticsearch_shapes() {
    let f = fixture();
    let (s, v) = call(
        &f,
        "PUT",
        "/_security/role_mapping/pki_users",
        "elastic",
        MAPPING,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"role_mapping": {"created": true}}));
    let (_, v) = call(
        &f,
        "POST",
        "/_security/role_mapping/pki_users",
        "elastic",
        MAPPING,
    )
    .await;
    assert_eq!(v, json!({"role_mapping": {"created": false}}));
    let (s, v) = call(
        &f,
        "PUT",
        "/_security/role_mapping/templated",
        "elastic",
        r#"{"enabled":false,"role_templates":[{"template":{"source":"{{username}}"},"format":"string"}],"rules":{"any":[{"field":{"groups":"admins"}},{"all":[{"field":{"dn":"*,o=example"}},{"except":{"field":{"username":"x"}}}]}]}}"#,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let expected = json!({
        "enabled": true,
        "roles": ["monitoring_user"],
        "rules": {"field": {"username": "client1"}},
        "metadata": {"version": 1}
    });
    let (s, v) = call(
        &f,
        "GET",
        "/_security/role_mapping/pki_users",
        "elastic",
        "",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!({"pki_users": expected}));
    let (_, v) = call(&f, "GET", "/_security/role_mapping", "elastic", "").await;
    assert_eq!(v["pki_users"], expected);
    assert_eq!(
        v["templated"]["role_templates"],
        json!([{"template": "{\"source\":\"{{username}}\"}", "format": "string"}])
    );
    assert_eq!(v["templated"]["enabled"], false);
    assert_eq!(v["templated"]["metadata"], json!({}));
    assert!(v["templated"].get("roles").is_none());
    let (s, v) = call(
        &f,
        "GET",
        "/_security/role_mapping/pki_users,nope",
        "elastic",
        "",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_object().unwrap().len(), 1);
    let (s, v) = call(&f, "GET", "/_security/role_mapping/nope", "elastic", "").await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, json!({})));

    let (s, v) = call(
        &f,
        "DELETE",
        "/_security/role_mapping/pki_users",
        "elastic",
        "",
    )
    .await;
    assert_eq!((s, v), (StatusCode::OK, json!({"found": true})));
    let (s, v) = call(
        &f,
        "DELETE",
        "/_security/role_mapping/pki_users",
        "elastic",
        "",
    )
    .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, json!({"found": false})));
    let (s, _) = call(
        &f,
        "DELETE",
        "/_security/role_mapping/templated",
        "elastic",
        "",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // No mapping at all: GET everything is an empty 200.
    let (s, v) = call(&f, "GET", "/_security/role_mapping", "elastic", "").await;
    assert_eq!((s, v), (StatusCode::OK, json!({})));
}

#[tokio::test]
async fn mappings_survive_a_reopen_of_the_store() {
    let f = fixture();
    call(&f, "PUT", "/_security/role_mapping/m", "elastic", MAPPING).await;
    let store = SecurityStore::open(f.dir.path()).unwrap();
    let docs = store.docs(ironstack_security::Section::RoleMappings);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].0, "m");
    assert_eq!(docs[0].1["roles"], json!(["monitoring_user"]));
}

#[tokio::test]
async fn bad_bodies_get_elasticsearch_errors() {
    let f = fixture();
    let put = |body: &'static str| {
        let f = &f;
        async move { call(f, "PUT", "/_security/role_mapping/m", "elastic", body).await }
    };
    let (s, v) = put(r#"{"enabled":true,"roles":[],"rules":{"field":{"username":"*"}}}"#).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        error(&v),
        (
            "action_request_validation_exception",
            "Validation Failed: 1: role-mapping roles or role-templates are missing;"
        )
    );
    let (s, v) = put(r#"{"enabled":true,"roles":["a"],"rules":{"bogus":1}}"#).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        error(&v),
        (
            "parse_exception",
            "failed to parse rules expression. field [rules.bogus] is not recognised"
        )
    );
    let (_, v) = put(r#"{"roles":["a"],"rules":{"field":{"username":"*"}}}"#).await;
    assert_eq!(
        error(&v),
        (
            "parsing_exception",
            "failed to parse role-mapping [m]. missing field [enabled]"
        )
    );
    let (_, v) =
        put(r#"{"enabled":true,"roles":["a"],"rules":{"field":{"username":"*"}},"x":1}"#).await;
    assert_eq!(
        error(&v),
        (
            "x_content_parse_exception",
            "[role-mapping] unknown field [x]"
        )
    );
    let (s, v) = put(r#"{"enabled":true,"#).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error(&v).0, "x_content_parse_exception");
    let (_, v) = put("").await;
    assert_eq!(error(&v), ("parse_exception", "request body is required"));
}

#[tokio::test]
async fn privileges_are_manage_security_and_read_security_for_get() {
    let f = fixture();
    let (s, v) = call(&f, "PUT", "/_security/role_mapping/m", "reader", MAPPING).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        error(&v).1.starts_with(
            "action [cluster:admin/xpack/security/role_mapping/put] is unauthorized for user [reader]"
        ),
        "{v}"
    );
    call(&f, "PUT", "/_security/role_mapping/m", "elastic", MAPPING).await;
    let (s, _) = call(&f, "GET", "/_security/role_mapping/m", "reader", "").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(&f, "DELETE", "/_security/role_mapping/m", "reader", "").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(&f, "GET", "/_security/role_mapping", "nobody", "").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
