//! In-process tests of `_security/role_mapping` through the real router: shapes, errors,
//! privileges and durability.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::test_support::{self, Fixture, PASSWORD, basic};

fn fixture() -> Fixture {
    Fixture::builder()
        .user("reader", &["sec_reader"])
        .user("nobody", &["mon"])
        .role("sec_reader", json!({"cluster": ["read_security"]}))
        .role("mon", json!({"cluster": ["monitor"]}))
        .build()
}

/// A request as `user`; an empty `body` is no body, anything else is sent as is.
async fn call(f: &Fixture, method: &str, uri: &str, user: &str, body: &str) -> (StatusCode, Value) {
    let body = if body.is_empty() {
        Value::Null
    } else {
        Value::String(body.into())
    };
    let r = test_support::call(f, method, uri, Some(&basic(user, PASSWORD)), body).await;
    (r.status, r.json_or_null())
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
    // What a restart reads back: the document in `.security-7`.
    let documents = f.state.store.as_ref().unwrap();
    let doc = documents
        .backend()
        .get(".security-7", "role-mapping-m")
        .unwrap()
        .unwrap();
    assert_eq!(doc.source["doc_type"], "role-mapping");
    assert_eq!(doc.source["roles"], json!(["monitoring_user"]));
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
