//! In-process tests through the real router of application privileges, bulk roles,
//! `_has_privileges` with applications and the clear-cache endpoints.

use axum::http::StatusCode;
use ironstack_security::{Hasher, StoredUser};
use serde_json::{Value, json};

/// Sends a request; `body` may be JSON, a raw string (sent as is) or null (no body).
pub(crate) use crate::rest::test_support::call_json as call;
use crate::rest::test_support::{self, Fixture, PASSWORD};

/// Users: `elastic` (superuser), `admin` (manage_security), `auditor` (read_security),
/// `kbuser` (application `kibana-.kibana` `read` on `space:default`), `keyowner`
/// (manage_own_api_key), `plain` (monitor).
pub(crate) fn fixture() -> Fixture {
    let mut b = Fixture::builder();
    // `elastic` again, to give it a full name like the others.
    b = b.user_named("elastic", &[], "The elastic");
    for (user, role) in [
        ("admin", "sec_admin"),
        ("auditor", "sec_reader"),
        ("kbuser", "kb_reader"),
        ("keyowner", "key_owner"),
        ("plain", "plain"),
    ] {
        b = b.user_named(user, &[role], &format!("The {user}"));
    }
    b.role("sec_admin", json!({"cluster": ["manage_security"]}))
        .role("sec_reader", json!({"cluster": ["read_security"]}))
        .role(
            "kb_reader",
            json!({"applications": [{"application": "kibana-.kibana", "privileges": ["read"], "resources": ["space:default"]}], "description": "Kibana reader", "metadata": {"tier": "gold"}}),
        )
        .role("key_owner", json!({"cluster": ["manage_own_api_key"]}))
        .role("plain", json!({"cluster": ["monitor"]}))
        .build()
}

pub(crate) fn basic(user: &str) -> String {
    test_support::basic(user, PASSWORD)
}

pub(crate) fn error_type(v: &Value) -> &str {
    v["error"]["type"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn privileges_put_get_delete_with_es_shapes() {
    let f = fixture();
    let e = basic("elastic");
    let body = json!({"myapp": {
        "read": {"actions": ["data:read/*", "action:login"], "metadata": {"description": "Read access"}},
        "write": {"actions": ["data:write/*"]}
    }});
    let (s, v) = call(&f, "PUT", "/_security/privilege", &e, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({"myapp": {"read": {"created": true}, "write": {"created": true}}})
    );
    let (_, v) = call(&f, "POST", "/_security/privilege", &e, body).await;
    assert_eq!(
        v,
        json!({"myapp": {"read": {"created": false}, "write": {"created": false}}})
    );

    let (s, v) = call(
        &f,
        "GET",
        "/_security/privilege/myapp/read",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"myapp": {"read": {"application": "myapp", "name": "read", "actions": ["data:read/*", "action:login"], "metadata": {"description": "Read access"}}}})
    );
    let (_, v) = call(&f, "GET", "/_security/privilege/myapp", &e, Value::Null).await;
    assert_eq!(v["myapp"].as_object().unwrap().len(), 2);
    let (_, v) = call(&f, "GET", "/_security/privilege/my*", &e, Value::Null).await;
    assert_eq!(v["myapp"].as_object().unwrap().len(), 2);
    let (_, v) = call(&f, "GET", "/_security/privilege", &e, Value::Null).await;
    assert!(v["myapp"]["write"].is_object());
    let (_, v) = call(
        &f,
        "GET",
        "/_security/privilege/myapp/read,write",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(v["myapp"].as_object().unwrap().len(), 2);
    // An application with nothing stored is an empty 200; named privileges that do not
    // exist are a 404.
    let (s, v) = call(&f, "GET", "/_security/privilege/otherapp", &e, Value::Null).await;
    assert_eq!((s, v), (StatusCode::OK, json!({})));
    let (s, v) = call(
        &f,
        "GET",
        "/_security/privilege/myapp/nope",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, json!({})));

    // The auditor (read_security) may read but not write.
    let (s, _) = call(
        &f,
        "GET",
        "/_security/privilege/myapp",
        &basic("auditor"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = call(
        &f,
        "PUT",
        "/_security/privilege",
        &basic("auditor"),
        json!({"myapp": {"x": {"actions": ["a:b"]}}}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        v["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("cluster:admin/xpack/security/privilege/put")
    );
    let (s, _) = call(
        &f,
        "GET",
        "/_security/privilege",
        &basic("plain"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(
        &f,
        "PUT",
        "/_security/privilege",
        &basic("admin"),
        json!({"adminapp": {"x": {"actions": ["a:b"]}}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    let (s, v) = call(
        &f,
        "DELETE",
        "/_security/privilege/myapp/read,nope",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"myapp": {"read": {"found": true}, "nope": {"found": false}}})
    );
    let (s, _) = call(
        &f,
        "GET",
        "/_security/privilege/myapp/read",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn privileges_bad_input_gets_es_errors() {
    let f = fixture();
    let e = basic("elastic");
    let (s, v) = call(
        &f,
        "PUT",
        "/_security/privilege",
        &e,
        Value::String("{not json".into()),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_type(&v), "x_content_parse_exception");
    let (s, v) = call(
        &f,
        "PUT",
        "/_security/privilege",
        &e,
        json!({"myapp": {"read": {"actions": ["a:b"], "foo": 1}}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_type(&v), "x_content_parse_exception");
    let (s, v) = call(
        &f,
        "PUT",
        "/_security/privilege",
        &e,
        json!({"MyApp": {"read": {"actions": ["read"]}}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_type(&v), "action_request_validation_exception");
    let reason = v["error"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("An application name prefix must match the pattern"),
        "{reason}"
    );
    assert!(
        reason.contains("action [read] must contain one of [ '/' , '*' , ':' ]"),
        "{reason}"
    );
    let (s, v) = call(&f, "PUT", "/_security/privilege", &e, Value::Null).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_type(&v), "parse_exception");
    let (s, v) = call(&f, "GET", "/_security/privilege/Bad%20App", &e, Value::Null).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_type(&v), "action_request_validation_exception");
    let (s, v) = call(
        &f,
        "DELETE",
        "/_security/privilege/a*/read",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_type(&v), "action_request_validation_exception");
}

#[tokio::test]
async fn has_privileges_resolves_stored_application_privileges() {
    let f = fixture();
    let e = basic("elastic");
    let (s, _) = call(
        &f,
        "PUT",
        "/_security/privilege",
        &e,
        json!({"kibana-.kibana": {
            "read": {"actions": ["data:read/*", "login:"]},
            "all": {"actions": ["*"]}
        }}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let question = json!({"application": [{
        "application": "kibana-.kibana",
        "privileges": ["read", "all", "data:read/dashboard", "data:write/dashboard"],
        "resources": ["space:default", "space:marketing"]
    }]});
    let (s, v) = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        &basic("kbuser"),
        question.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["username"], "kbuser");
    assert_eq!(v["has_all_requested"], false);
    assert_eq!(
        v["application"]["kibana-.kibana"]["space:default"],
        json!({"read": true, "all": false, "data:read/dashboard": true, "data:write/dashboard": false})
    );
    assert_eq!(
        v["application"]["kibana-.kibana"]["space:marketing"]["read"],
        false
    );

    // superuser holds every application privilege, defined or not.
    let (_, v) = call(&f, "GET", "/_security/user/_has_privileges", &e, question).await;
    assert_eq!(v["has_all_requested"], true);

    // Redefining `read` changes the answer for the action on the next request.
    call(
        &f,
        "PUT",
        "/_security/privilege",
        &e,
        json!({"kibana-.kibana": {"read": {"actions": ["login:"]}}}),
    )
    .await;
    let q = json!({"application": [{"application": "kibana-.kibana", "privileges": ["data:read/dashboard"], "resources": ["space:default"]}]});
    let (_, v) = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        &basic("kbuser"),
        q,
    )
    .await;
    assert_eq!(
        v["application"]["kibana-.kibana"]["space:default"]["data:read/dashboard"],
        false
    );

    // The user's privileges list the role's application entries.
    let (_, v) = call(
        &f,
        "GET",
        "/_security/user/_privileges",
        &basic("kbuser"),
        Value::Null,
    )
    .await;
    assert_eq!(
        v["applications"],
        json!([{"application": "kibana-.kibana", "privileges": ["read"], "resources": ["space:default"]}])
    );
    let bad = json!({"application": [{"application": "Bad", "privileges": ["read"], "resources": ["*"]}]});
    let (s, v) = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        &basic("kbuser"),
        bad,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_type(&v), "action_request_validation_exception");
}

#[tokio::test]
async fn bulk_roles_put_and_delete_report_per_role() {
    let f = fixture();
    let e = basic("elastic");
    let body = json!({"roles": {
        "bulk_a": {"cluster": ["monitor"]},
        "bulk_b": {"indices": [{"names": ["logs-*"], "privileges": ["read"]}]},
        "superuser": {"cluster": ["all"]},
        "bulk_bad": {"cluster": ["not_a_privilege"]}
    }});
    let (s, v) = call(&f, "POST", "/_security/role", &e, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["created"], json!(["bulk_a", "bulk_b"]));
    assert!(v.get("updated").is_none() && v.get("noop").is_none());
    assert_eq!(v["errors"]["count"], 2);
    assert_eq!(
        v["errors"]["details"]["superuser"]["type"],
        "action_request_validation_exception"
    );
    assert!(
        v["errors"]["details"]["superuser"]["reason"]
            .as_str()
            .unwrap()
            .contains("reserved")
    );
    assert_eq!(
        v["errors"]["details"]["bulk_bad"]["type"],
        "action_request_validation_exception"
    );
    assert!(
        v["errors"]["details"]["bulk_bad"]["reason"]
            .as_str()
            .unwrap()
            .contains("not_a_privilege")
    );

    let body =
        json!({"roles": {"bulk_a": {"cluster": ["monitor"]}, "bulk_b": {"cluster": ["manage"]}}});
    let (_, v) = call(&f, "POST", "/_security/role", &e, body).await;
    assert_eq!(v, json!({"updated": ["bulk_b"], "noop": ["bulk_a"]}));
    let (s, v) = call(&f, "GET", "/_security/role/bulk_b", &e, Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["bulk_b"]["cluster"], json!(["manage"]));

    let (s, v) = call(
        &f,
        "DELETE",
        "/_security/role",
        &e,
        json!({"names": ["bulk_a", "nope", "superuser"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["deleted"], json!(["bulk_a"]));
    assert_eq!(v["not_found"], json!(["nope"]));
    assert_eq!(
        v["errors"],
        json!({"count": 1, "details": {"superuser": {"type": "illegal_argument_exception", "reason": "role [superuser] is reserved and cannot be deleted"}}})
    );

    // Bad input.
    let (s, v) = call(
        &f,
        "POST",
        "/_security/role",
        &e,
        json!({"roles": {}, "extra": 1}),
    )
    .await;
    assert_eq!(
        (s, error_type(&v)),
        (StatusCode::BAD_REQUEST, "x_content_parse_exception")
    );
    let (s, v) = call(
        &f,
        "POST",
        "/_security/role",
        &e,
        Value::String("[1,".into()),
    )
    .await;
    assert_eq!(
        (s, error_type(&v)),
        (StatusCode::BAD_REQUEST, "x_content_parse_exception")
    );
    let (s, v) = call(
        &f,
        "POST",
        "/_security/role",
        &e,
        json!({"roles": {"x": {"cluster": "monitor", "bogus": 1}}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = call(&f, "DELETE", "/_security/role", &e, json!({"names": []})).await;
    assert_eq!(
        (s, error_type(&v)),
        (
            StatusCode::BAD_REQUEST,
            "action_request_validation_exception"
        )
    );
    let (s, v) = call(&f, "DELETE", "/_security/role", &e, json!({"names": "x"})).await;
    assert_eq!(
        (s, error_type(&v)),
        (StatusCode::BAD_REQUEST, "parse_exception")
    );
    // Needs manage_security.
    let (s, _) = call(
        &f,
        "POST",
        "/_security/role",
        &basic("auditor"),
        json!({"roles": {}}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn clear_cache_endpoints_clear_and_answer_nodes_shape() {
    let f = fixture();
    let e = basic("elastic");
    // Fill the credential cache for three users.
    call(&f, "GET", "/_security/_authenticate", &e, Value::Null).await;
    call(
        &f,
        "GET",
        "/_security/_authenticate",
        &basic("plain"),
        Value::Null,
    )
    .await;
    call(
        &f,
        "GET",
        "/_security/_authenticate",
        &basic("auditor"),
        Value::Null,
    )
    .await;
    let before = f.authenticator.cached_users();
    assert_eq!(before, 3);
    let (s, v) = call(
        &f,
        "POST",
        "/_security/realm/default_native/_clear_cache?usernames=plain",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"_nodes": {"total": 1, "successful": 1, "failed": 0}, "cluster_name": "test-cluster", "nodes": {"abcdEFGHijklMNOPqrstUV": {"name": "node-1"}}})
    );
    // Only `plain` is gone.
    assert_eq!(f.authenticator.cached_users(), before - 1);
    let (s, _) = call(
        &f,
        "POST",
        "/_security/realm/_all/_clear_cache",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(f.authenticator.cached_users(), 0);

    let (s, v) = call(
        &f,
        "POST",
        "/_security/role/kb_reader/_clear_cache",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["_nodes"]["successful"], 1);
    let (s, _) = call(
        &f,
        "POST",
        "/_security/privilege/myapp/_clear_cache",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    let (s, created) = call(
        &f,
        "POST",
        "/_security/api_key",
        &basic("keyowner"),
        json!({"name": "k1"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{created}");
    let key = format!("ApiKey {}", created["encoded"].as_str().unwrap());
    let (s, _) = call(&f, "GET", "/_security/_authenticate", &key, Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(f.authenticator.cached_api_keys(), 1);
    let id = created["id"].as_str().unwrap();
    let (s, v) = call(
        &f,
        "POST",
        &format!("/_security/api_key/{id}/_clear_cache"),
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(f.authenticator.cached_api_keys(), 0);
    call(&f, "GET", "/_security/_authenticate", &key, Value::Null).await;
    assert_eq!(f.authenticator.cached_api_keys(), 1);
    call(
        &f,
        "POST",
        "/_security/api_key/*/_clear_cache",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(f.authenticator.cached_api_keys(), 0);

    // Clearing caches needs manage_security.
    let (s, _) = call(
        &f,
        "POST",
        "/_security/realm/_all/_clear_cache",
        &basic("auditor"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn global_application_manage_scopes_the_privilege_apis() {
    let f = fixture();
    let store = f.authenticator.store().clone();
    store
        .put_role(
            "kb_manager",
            json!({"global": {"application": {"manage": {"applications": ["kibana-*"]}}}}),
        )
        .unwrap();
    let hash = Hasher::Bcrypt { cost: 4 }.hash(PASSWORD).unwrap();
    store
        .put_user(
            "kbadmin",
            StoredUser::new(hash.clone(), vec!["kb_manager".into()]),
        )
        .unwrap();
    // The reserved kibana_system role holds the same scope.
    store
        .put_user(
            "kbsystem",
            StoredUser::new(hash, vec!["kibana_system".into()]),
        )
        .unwrap();
    let kibana = json!({"kibana-.kibana": {"read": {"actions": ["login:", "saved_object:*/get"]}}});
    for user in ["kbadmin", "kbsystem"] {
        let (status, v) = call(
            &f,
            "PUT",
            "/_security/privilege",
            &basic(user),
            kibana.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{user}: {v}");
        let (status, v) = call(
            &f,
            "GET",
            "/_security/privilege/kibana-.kibana",
            &basic(user),
            Value::Null,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{user}: {v}");
        assert!(v["kibana-.kibana"]["read"].is_object(), "{v}");
        let (status, _) = call(
            &f,
            "POST",
            "/_security/privilege/kibana-.kibana/_clear_cache",
            &basic(user),
            Value::Null,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{user}");
    }
    // Another application, or all of them, is beyond the scope.
    let other = json!({"myapp": {"read": {"actions": ["data:read/*"]}}});
    let (status, v) = call(&f, "PUT", "/_security/privilege", &basic("kbadmin"), other).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(error_type(&v), "security_exception");
    let mixed =
        json!({"kibana-x": {"a": {"actions": ["a:"]}}, "myapp": {"a": {"actions": ["a:"]}}});
    let (status, _) = call(&f, "PUT", "/_security/privilege", &basic("kbadmin"), mixed).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &f,
        "GET",
        "/_security/privilege",
        &basic("kbadmin"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &f,
        "GET",
        "/_security/privilege/myapp",
        &basic("kbadmin"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = call(
        &f,
        "DELETE",
        "/_security/privilege/kibana-.kibana/read",
        &basic("kbadmin"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"kibana-.kibana": {"read": {"found": true}}}));
    // The scope grants nothing else.
    let (status, _) = call(&f, "GET", "/_security/user", &basic("kbadmin"), Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
