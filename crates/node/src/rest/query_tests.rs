//! In-process tests of `_security/_query/{user,role,api_key}` through the real router.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::app_privilege::tests::{basic, call, error_type, fixture};

fn names(v: &Value, key: &str, field: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u[field].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn query_users_filters_sorts_and_pages() {
    let f = fixture();
    let e = basic("elastic");
    let (s, v) = call(&f, "GET", "/_security/_query/user", &e, Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Native users only (the reserved `elastic` is not one), sorted by name.
    assert_eq!(v["total"], 5);
    assert_eq!(v["count"], 5);
    assert_eq!(
        names(&v, "users", "username"),
        vec!["admin", "auditor", "kbuser", "keyowner", "plain"]
    );
    assert_eq!(v["users"][0]["full_name"], "The admin");
    assert!(v["users"][0].get("_sort").is_none());

    let q = json!({"query": {"bool": {"must": [{"prefix": {"username": "k"}}], "must_not": [{"term": {"roles": "key_owner"}}]}}});
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/user?with_profile_uid=true",
        &e,
        q,
    )
    .await;
    assert_eq!(names(&v, "users", "username"), vec!["kbuser"]);

    let q = json!({"query": {"match_all": {}}, "sort": [{"username": {"order": "desc"}}], "from": 1, "size": 2});
    let (_, v) = call(&f, "POST", "/_security/_query/user", &e, q).await;
    assert_eq!(v["total"], 5);
    assert_eq!(v["count"], 2);
    assert_eq!(names(&v, "users", "username"), vec!["keyowner", "kbuser"]);
    assert_eq!(v["users"][0]["_sort"], json!(["keyowner"]));
    let q = json!({"sort": ["username"], "search_after": ["keyowner"]});
    let (_, v) = call(&f, "POST", "/_security/_query/user", &e, q).await;
    assert_eq!(names(&v, "users", "username"), vec!["plain"]);

    // The auditor (read_security) may query; `plain` may not.
    let (s, _) = call(
        &f,
        "GET",
        "/_security/_query/user",
        &basic("auditor"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = call(
        &f,
        "GET",
        "/_security/_query/user",
        &basic("plain"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        v["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("cluster:admin/xpack/security/user/query")
    );
}

#[tokio::test]
async fn query_bad_input_gets_es_errors() {
    let f = fixture();
    let e = basic("elastic");
    for (body, kind) in [
        (
            json!({"query": {"term": {"password": "x"}}}),
            "illegal_argument_exception",
        ),
        (
            json!({"query": {"fuzzy": {"username": "x"}}}),
            "illegal_argument_exception",
        ),
        (json!({"query": {"bogus": {}}}), "parsing_exception"),
        (json!({"unknown": 1}), "x_content_parse_exception"),
        (json!({"size": -1}), "action_request_validation_exception"),
        (Value::String("{oops".into()), "x_content_parse_exception"),
    ] {
        let (s, v) = call(&f, "POST", "/_security/_query/user", &e, body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert_eq!(error_type(&v), kind, "{body}: {v}");
    }
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/user",
        &e,
        json!({"query": {"term": {"metadata.x": 1}}}),
    )
    .await;
    assert_eq!(
        v["error"]["reason"],
        "Field [metadata.x] is not allowed for querying"
    );
    let (s, v) = call(
        &f,
        "POST",
        "/_security/_query/api_key",
        &e,
        json!({"aggs": {"a": {"terms": {"field": "name"}}}}),
    )
    .await;
    assert_eq!(
        (s, error_type(&v)),
        (StatusCode::BAD_REQUEST, "illegal_argument_exception")
    );
}

#[tokio::test]
async fn query_roles_searches_native_roles() {
    let f = fixture();
    let e = basic("elastic");
    let (s, v) = call(
        &f,
        "POST",
        "/_security/_query/role",
        &e,
        json!({"query": {"term": {"applications.application": "kibana-.kibana"}}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1);
    assert_eq!(v["roles"][0]["name"], "kb_reader");
    assert_eq!(
        v["roles"][0]["applications"][0]["privileges"],
        json!(["read"])
    );
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/role",
        &e,
        json!({"query": {"match": {"description": "kibana"}}}),
    )
    .await;
    assert_eq!(names(&v, "roles", "name"), vec!["kb_reader"]);
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/role",
        &e,
        json!({"query": {"term": {"metadata.tier": "gold"}}}),
    )
    .await;
    assert_eq!(names(&v, "roles", "name"), vec!["kb_reader"]);
    let (_, v) = call(&f, "GET", "/_security/_query/role", &e, Value::Null).await;
    // Reserved roles are not stored, so not searched.
    assert_eq!(v["total"], 5);
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/role",
        &e,
        json!({"sort": ["name"], "size": 1}),
    )
    .await;
    assert_eq!(v["roles"][0]["_sort"], json!(["kb_reader"]));
    let (s, v) = call(
        &f,
        "POST",
        "/_security/_query/role",
        &e,
        json!({"query": {"term": {"cluster": "monitor"}}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["error"]["reason"],
        "Field [cluster] is not allowed for querying or aggregation"
    );
}

#[tokio::test]
async fn query_api_keys_scopes_by_privilege() {
    let f = fixture();
    let e = basic("elastic");
    let owner = basic("keyowner");
    for name in ["k-one", "k-two"] {
        let (s, v) = call(
            &f,
            "POST",
            "/_security/api_key",
            &owner,
            json!({"name": name, "metadata": {"env": "prod"}}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, other) = call(
        &f,
        "POST",
        "/_security/api_key",
        &e,
        json!({"name": "elastic-key", "expiration": "1d"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // superuser sees all three, newest first when sorted by creation desc.
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/api_key",
        &e,
        json!({"sort": [{"creation": {"order": "desc"}}, "name"]}),
    )
    .await;
    assert_eq!(v["total"], 3, "{v}");
    assert_eq!(v["api_keys"][0]["_sort"].as_array().unwrap().len(), 2);
    // read_security sees all; manage_own_api_key only its own.
    let (_, v) = call(
        &f,
        "GET",
        "/_security/_query/api_key",
        &basic("auditor"),
        Value::Null,
    )
    .await;
    assert_eq!(v["total"], 3);
    let (_, v) = call(&f, "GET", "/_security/_query/api_key", &owner, Value::Null).await;
    assert_eq!(v["total"], 2);
    let mut got = names(&v, "api_keys", "name");
    got.sort();
    assert_eq!(got, vec!["k-one", "k-two"]);
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/api_key",
        &owner,
        json!({"query": {"term": {"name": "elastic-key"}}}),
    )
    .await;
    assert_eq!(v["total"], 0);

    let q = json!({"query": {"bool": {"filter": [
        {"term": {"metadata.env": "prod"}},
        {"range": {"creation": {"gte": "now-1h"}}},
        {"wildcard": {"name": "k-*"}}
    ]}}});
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/api_key?with_limited_by=true&typed_keys=true",
        &e,
        q,
    )
    .await;
    assert_eq!(v["total"], 2, "{v}");
    assert!(
        v["api_keys"][0]["limited_by"][0]["key_owner"].is_object(),
        "{v}"
    );
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/api_key",
        &e,
        json!({"query": {"exists": {"field": "expiration"}}}),
    )
    .await;
    assert_eq!(
        names(&v, "api_keys", "id"),
        vec![other["id"].as_str().unwrap().to_string()]
    );
    let (_, v) = call(
        &f,
        "POST",
        "/_security/_query/api_key",
        &e,
        json!({"query": {"term": {"realm_name": "default_native"}}}),
    )
    .await;
    assert!(v["total"].as_u64().unwrap() >= 2, "{v}");
    let (s, _) = call(
        &f,
        "GET",
        "/_security/_query/api_key",
        &basic("plain"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
