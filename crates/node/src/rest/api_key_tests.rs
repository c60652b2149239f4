//! In-process tests of the API key endpoints through the real router: create, authenticate
//! with `ApiKey`, get, invalidate, expiry, narrowed permissions and the 401/403 texts.

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};

use crate::rest::test_support::{self, Fixture, PASSWORD, call_json as call};

fn fixture() -> Fixture {
    Fixture::builder()
        .user("writer", &["writer"])
        .user("other", &["writer"])
        .role(
            "writer",
            json!({"cluster":["monitor","manage_own_api_key"],"indices":[{"names":["metricbeat-*"],"privileges":["create_doc"]}]}),
        )
        .build()
}

fn basic(user: &str) -> String {
    test_support::basic(user, PASSWORD)
}

/// `POST _security/api_key/grant` as `user`.
async fn grant(f: &Fixture, user: &str, body: Value) -> (StatusCode, Value) {
    call(f, "POST", "/_security/api_key/grant", &basic(user), body).await
}

/// `GET _security/_authenticate` with the key `created` answered.
async fn authenticate(f: &Fixture, created: &Value) -> (StatusCode, Value) {
    call(
        f,
        "GET",
        "/_security/_authenticate",
        &apikey(created),
        Value::Null,
    )
    .await
}

fn apikey(created: &Value) -> String {
    format!("ApiKey {}", created["encoded"].as_str().unwrap())
}

#[tokio::test]
async fn create_authenticate_get_invalidate() {
    let f = fixture();
    let (s, created) = call(
        &f,
        "POST",
        "/_security/api_key",
        &basic("writer"),
        json!({"name":"beats","metadata":{"team":"x"}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let secret = created["api_key"].as_str().unwrap();
    assert_eq!(created["name"], "beats");
    assert!(created.get("expiration").is_none());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(created["encoded"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        format!("{id}:{secret}")
    );

    let (s, me) = authenticate(&f, &created).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["username"], "writer");
    assert_eq!(me["authentication_type"], "api_key");
    assert_eq!(me["api_key"], json!({"id": id, "name": "beats"}));
    assert_eq!(me["authentication_realm"]["name"], "_es_api_key");
    assert_eq!(me["roles"], json!([]));
    // The owner's `monitor` applies through the key.
    let (s, _) = call(
        &f,
        "GET",
        "/_cluster/health",
        &apikey(&created),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // Basic users still get `authentication_type: realm` and no `api_key`.
    let (_, me) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        &basic("writer"),
        Value::Null,
    )
    .await;
    assert_eq!(me["authentication_type"], "realm");
    assert!(me.get("api_key").is_none());

    let (s, got) = call(
        &f,
        "GET",
        &format!("/_security/api_key?id={id}&owner=true"),
        &basic("writer"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    let k = &got["api_keys"][0];
    assert_eq!(k["id"], id.as_str());
    assert_eq!(k["username"], "writer");
    assert_eq!(k["realm"], "default_native");
    assert_eq!(k["invalidated"], false);
    assert_eq!(k["metadata"], json!({"team":"x"}));
    assert!(k.get("api_key").is_none() && k.get("api_key_hash").is_none());
    assert!(!got.to_string().contains(secret));
    assert!(k.get("limited_by").is_none());
    let (_, got) = call(
        &f,
        "GET",
        &format!("/_security/api_key?id={id}&owner=true&with_limited_by=true"),
        &basic("writer"),
        Value::Null,
    )
    .await;
    assert_eq!(
        got["api_keys"][0]["limited_by"][0]["writer"]["cluster"],
        json!(["monitor", "manage_own_api_key"])
    );
    // manage_own_api_key alone must say owner=true (or its own username and realm), as
    // Elasticsearch's ManageOwnApiKeyClusterPrivilege demands.
    let (s, e) = call(
        &f,
        "GET",
        &format!("/_security/api_key?id={id}"),
        &basic("writer"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(
        e["error"]["reason"],
        "action [cluster:admin/xpack/security/api_key/get] is unauthorized for user [writer] with effective roles [writer], this action is granted by the cluster privileges [read_security,manage_api_key,manage_security,all]"
    );
    let (s, mine) = call(
        &f,
        "GET",
        "/_security/api_key?username=writer&realm_name=default_native",
        &basic("writer"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["api_keys"].as_array().unwrap().len(), 1);
    // Another manage_own_api_key user neither sees it nor may ask for writer's keys.
    let (_, other) = call(
        &f,
        "GET",
        "/_security/api_key?owner=true",
        &basic("other"),
        Value::Null,
    )
    .await;
    assert_eq!(other, json!({"api_keys": []}));
    let (s, e) = call(
        &f,
        "GET",
        "/_security/api_key?username=writer",
        &basic("other"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    // elastic (manage_security) sees every key.
    let (_, all) = call(
        &f,
        "GET",
        "/_security/api_key?name=beats",
        &basic("elastic"),
        Value::Null,
    )
    .await;
    assert_eq!(all["api_keys"].as_array().unwrap().len(), 1);

    let (s, _) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("writer"),
        json!({"ids":[id]}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "ids without owner need manage_api_key"
    );
    let (s, inv) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("writer"),
        json!({"ids":[id],"owner":true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{inv}");
    assert_eq!(
        inv,
        json!({"invalidated_api_keys":[id],"previously_invalidated_api_keys":[],"error_count":0})
    );
    let (_, inv) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("writer"),
        json!({"owner":true}),
    )
    .await;
    assert_eq!(inv["previously_invalidated_api_keys"], json!([id]));
    let (s, e) = authenticate(&f, &created).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        e["error"]["reason"],
        "unable to authenticate with provided credentials and anonymous access is not allowed for this request"
    );
    assert_eq!(
        e["error"]["additional_unsuccessful_credentials"],
        format!("API key: api key [{id}] has been invalidated")
    );
}

#[tokio::test]
async fn unknown_wrong_and_expired_keys_get_401() {
    let f = fixture();
    let enc = |s: &str| {
        format!(
            "ApiKey {}",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
    };
    let (s, e) = call(&f, "GET", "/", &enc("nope:secret"), Value::Null).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        e["error"]["additional_unsuccessful_credentials"],
        "API key: unable to find apikey with id nope"
    );
    let (_, created) = call(
        &f,
        "PUT",
        "/_security/api_key",
        &basic("writer"),
        json!({"name":"short","expiration":"1s"}),
    )
    .await;
    assert!(created["expiration"].as_u64().is_some());
    let id = created["id"].as_str().unwrap();
    let (s, e) = call(&f, "GET", "/", &enc(&format!("{id}:wrong")), Value::Null).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        e["error"]["additional_unsuccessful_credentials"],
        format!("API key: invalid credentials for API key [{id}]")
    );
    let (s, _) = authenticate(&f, &created).await;
    assert_eq!(s, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (s, e) = authenticate(&f, &created).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert_eq!(
        e["error"]["additional_unsuccessful_credentials"],
        "API key: api key is expired"
    );
}

#[tokio::test]
async fn narrower_keys_get_403_and_requests_are_validated() {
    let f = fixture();
    let (s, created) = call(
        &f,
        "POST",
        "/_security/api_key",
        &basic("writer"),
        json!({"name":"narrow","role_descriptors":{"only_keys":{"cluster":["manage_own_api_key"]}}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{created}");
    let id = created["id"].as_str().unwrap();
    let (s, e) = call(
        &f,
        "GET",
        "/_cluster/health",
        &apikey(&created),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        e["error"]["reason"],
        format!(
            "action [cluster:monitor/health] is unauthorized for API key id [{id}] of user [writer], this action is granted by the cluster privileges [monitor,manage,all]"
        )
    );
    // A key sees only itself, by id, and never its limited-by descriptors.
    let (s, got) = call(
        &f,
        "GET",
        &format!("/_security/api_key?id={id}"),
        &apikey(&created),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["api_keys"].as_array().unwrap().len(), 1);
    for uri in [
        "/_security/api_key".to_string(),
        format!("/_security/api_key?id={id}&with_limited_by=true"),
    ] {
        let (s, e) = call(&f, "GET", &uri, &apikey(&created), Value::Null).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{uri}: {e}");
    }
    // Derived keys must be privilege-free.
    let (s, _) = call(
        &f,
        "POST",
        "/_security/api_key",
        &apikey(&created),
        json!({"name":"d"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, e) = call(
        &f,
        "POST",
        "/_security/api_key",
        &basic("writer"),
        json!({"expiration":"1d"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["type"], "illegal_argument_exception");
    let (s, _) = call(
        &f,
        "POST",
        "/_security/api_key",
        &basic("writer"),
        json!({"name":"x","expiration":"forever"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("writer"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("other"),
        json!({"username":"writer"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn create_key(f: &Fixture, user: &str, body: Value) -> Value {
    let (s, created) = call(f, "POST", "/_security/api_key", &basic(user), body).await;
    assert_eq!(s, StatusCode::OK, "{created}");
    created
}

#[tokio::test]
async fn owner_role_changes_after_creation_do_not_change_the_key() {
    let f = fixture();
    let created = create_key(&f, "writer", json!({"name":"snap"})).await;
    // The owner's role gains `manage` and loses `monitor`: the key keeps the old snapshot.
    f.store
        .put_role("writer", json!({"cluster":["manage","manage_own_api_key"]}))
        .unwrap();
    let (s, _) = call(
        &f,
        "GET",
        "/_cluster/health",
        &apikey(&created),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "monitor came from the snapshot");
    let (s, v) = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        &apikey(&created),
        json!({"cluster":["monitor","manage"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["cluster"], json!({"monitor": true, "manage": false}));
    // The owner (not the key) now has manage.
    let (_, v) = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        &basic("writer"),
        json!({"cluster":["monitor","manage"]}),
    )
    .await;
    assert_eq!(v["cluster"], json!({"monitor": true, "manage": true}));
    // An update refreshes the snapshot.
    let id = created["id"].as_str().unwrap();
    let (s, u) = call(
        &f,
        "PUT",
        &format!("/_security/api_key/{id}"),
        &basic("writer"),
        json!({}),
    )
    .await;
    assert_eq!((s, u), (StatusCode::OK, json!({"updated": true})));
    let (_, v) = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        &apikey(&created),
        json!({"cluster":["monitor","manage"]}),
    )
    .await;
    assert_eq!(v["cluster"], json!({"monitor": true, "manage": true}));
    let (_, got) = call(
        &f,
        "GET",
        &format!("/_security/api_key?id={id}&with_limited_by=true"),
        &basic("elastic"),
        Value::Null,
    )
    .await;
    assert_eq!(
        got["api_keys"][0]["limited_by"][0]["writer"]["cluster"],
        json!(["manage", "manage_own_api_key"])
    );
}

#[tokio::test]
async fn key_privileges_answer_for_the_intersection() {
    let f = fixture();
    let narrow = create_key(
        &f,
        "writer",
        json!({"name":"n","role_descriptors":{"r":{"cluster":["all"],"indices":[{"names":["metricbeat-*","logs-*"],"privileges":["create_doc","read"]}]}}}),
    )
    .await;
    let (s, v) = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        &apikey(&narrow),
        json!({"cluster":["monitor","manage_security"],"index":[{"names":["metricbeat-1","logs-1"],"privileges":["create_doc","read"]}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["username"], "writer");
    assert_eq!(v["has_all_requested"], false);
    assert_eq!(
        v["cluster"],
        json!({"monitor": true, "manage_security": false})
    );
    assert_eq!(
        v["index"],
        json!({"metricbeat-1": {"create_doc": true, "read": false}, "logs-1": {"create_doc": false, "read": false}})
    );
    // A key with descriptors of its own: Elasticsearch refuses `_privileges`.
    let (s, e) = call(
        &f,
        "GET",
        "/_security/user/_privileges",
        &apikey(&narrow),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Cannot retrieve privileges for API keys with assigned role descriptors"),
        "{e}"
    );
    // Without: the owner's snapshot.
    let plain = create_key(&f, "writer", json!({"name":"p"})).await;
    let (s, v) = call(
        &f,
        "GET",
        "/_security/user/_privileges",
        &apikey(&plain),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["cluster"], json!(["manage_own_api_key", "monitor"]));
    assert_eq!(v["indices"][0]["names"], json!(["metricbeat-*"]));
}

#[tokio::test]
async fn derived_keys_must_be_privilege_free() {
    let f = fixture();
    let parent = create_key(&f, "writer", json!({"name":"parent"})).await;
    for body in [
        json!({"name":"d"}),
        json!({"name":"d","role_descriptors":{}}),
        json!({"name":"d","role_descriptors":{"r":{"cluster":["monitor"]}}}),
    ] {
        let (s, e) = call(&f, "POST", "/_security/api_key", &apikey(&parent), body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert_eq!(
            e["error"]["reason"],
            "creating derived api keys requires an explicit role descriptor that is empty (has no privileges)"
        );
    }
    let (s, derived) = call(
        &f,
        "POST",
        "/_security/api_key",
        &apikey(&parent),
        json!({"name":"d","role_descriptors":{"none":{}}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{derived}");
    let (_, me) = authenticate(&f, &derived).await;
    assert_eq!(me["username"], "writer");
    let (s, _) = call(
        &f,
        "GET",
        "/_cluster/health",
        &apikey(&derived),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Asking what it may do needs no privilege, as in Elasticsearch.
    let (s, v) = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        &apikey(&derived),
        json!({"cluster":["monitor"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["has_all_requested"], false);
}

#[tokio::test]
async fn grant_creates_keys_for_the_granted_user() {
    let f = fixture();
    let body = json!({
        "grant_type": "password",
        "username": "writer",
        "password": PASSWORD,
        "api_key": {"name": "granted", "metadata": {"by": "elastic"}}
    });
    let (s, created) = grant(&f, "elastic", body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{created}");
    assert_eq!(created["name"], "granted");
    let (_, me) = authenticate(&f, &created).await;
    assert_eq!(me["username"], "writer");
    let id = created["id"].as_str().unwrap();
    let (_, got) = call(
        &f,
        "GET",
        &format!("/_security/api_key?id={id}&with_limited_by=true"),
        &basic("elastic"),
        Value::Null,
    )
    .await;
    let k = &got["api_keys"][0];
    assert_eq!(
        (k["username"].as_str(), k["realm"].as_str()),
        (Some("writer"), Some("default_native"))
    );
    assert!(k["limited_by"][0]["writer"].is_object(), "{k}");
    // manage_own_api_key does not grant keys.
    let (s, e) = grant(&f, "writer", body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(
        e["error"]["reason"],
        "action [cluster:admin/xpack/security/api_key/grant] is unauthorized for user [writer] with effective roles [writer], this action is granted by the cluster privileges [grant_api_key,manage_api_key,manage_security,all]"
    );
    // A wrong password is a 401 about the granted user.
    let mut wrong = body.clone();
    wrong["password"] = json!("not-the-password");
    let (s, e) = grant(&f, "elastic", wrong).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert_eq!(
        e["error"]["reason"],
        "unable to authenticate user [writer] for action [cluster:admin/xpack/security/api_key/grant]"
    );
    // run_as: elastic (superuser) may run as anyone; the key belongs to the run-as user.
    let mut run_as = body.clone();
    run_as["username"] = json!("elastic");
    run_as["run_as"] = json!("other");
    let (s, created) = grant(&f, "elastic", run_as).await;
    assert_eq!(s, StatusCode::OK, "{created}");
    let (_, me) = authenticate(&f, &created).await;
    assert_eq!(me["username"], "other");
    // writer may not run as anyone.
    let mut denied = body.clone();
    denied["run_as"] = json!("other");
    let (s, e) = grant(&f, "elastic", denied).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(
        e["error"]["reason"],
        "action [cluster:admin/xpack/security/user/authenticate] is unauthorized for user [writer] with effective roles [writer], because user [writer] is unauthorized to run as [other]"
    );
    let mut unknown = body.clone();
    unknown["username"] = json!("elastic");
    unknown["run_as"] = json!("nobody");
    let (s, e) = grant(&f, "elastic", unknown).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["error"]["reason"]
            .as_str()
            .unwrap()
            .ends_with("because user [elastic] is unauthorized to run as [nobody]"),
        "{e}"
    );
    // Validation as Elasticsearch's GrantApiKeyRequest.
    for (bad, reason) in [
        (
            json!({"username":"writer","password":PASSWORD,"api_key":{"name":"x"}}),
            "Validation Failed: 1: [grant_type] is required;",
        ),
        (
            json!({"grant_type":"password","api_key":{"name":"x"}}),
            "Validation Failed: 1: [username] is required for grant_type [password];2: [password] is required for grant_type [password];",
        ),
        (
            json!({"grant_type":"password","username":"writer","password":PASSWORD,"access_token":"t","api_key":{"name":"x"}}),
            "Validation Failed: 1: [access_token] is not supported for grant_type [password];",
        ),
        (
            json!({"grant_type":"magic","api_key":{"name":"x"}}),
            "Validation Failed: 1: grant_type [magic] is not supported;",
        ),
    ] {
        let (s, e) = grant(&f, "elastic", bad).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert_eq!(e["error"]["type"], "action_request_validation_exception");
        assert_eq!(e["error"]["reason"], reason);
    }
    let (s, e) = grant(
        &f,
        "elastic",
        json!({"grant_type":"password","username":"writer","password":PASSWORD,"bogus":1}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["type"], "x_content_parse_exception");
}

#[tokio::test]
async fn updates_follow_elasticsearch_rules() {
    let f = fixture();
    let created = create_key(&f, "writer", json!({"name":"u","metadata":{"v":1}})).await;
    let id = created["id"].as_str().unwrap().to_string();
    let uri = format!("/_security/api_key/{id}");
    // Nothing changes: noop.
    let (s, u) = call(
        &f,
        "PUT",
        &uri,
        &basic("writer"),
        json!({"metadata":{"v":1}}),
    )
    .await;
    assert_eq!((s, u), (StatusCode::OK, json!({"updated": false})));
    let (s, u) = call(&f, "PUT", &uri, &basic("writer"), Value::Null).await;
    assert_eq!((s, u), (StatusCode::OK, json!({"updated": false})));
    // Narrow the key and change its metadata and expiration.
    let (s, u) = call(
        &f,
        "PUT",
        &uri,
        &basic("writer"),
        json!({"role_descriptors":{"r":{"cluster":["manage_own_api_key"]}},"metadata":{"v":2},"expiration":"1d"}),
    )
    .await;
    assert_eq!((s, u), (StatusCode::OK, json!({"updated": true})));
    let (s, _) = call(
        &f,
        "GET",
        "/_cluster/health",
        &apikey(&created),
        Value::Null,
    )
    .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the update narrowed the key at once"
    );
    let (_, got) = call(
        &f,
        "GET",
        &format!("/_security/api_key?id={id}&owner=true"),
        &basic("writer"),
        Value::Null,
    )
    .await;
    let k = &got["api_keys"][0];
    assert_eq!(k["metadata"], json!({"v":2}));
    assert!(k["expiration"].as_u64().is_some());
    assert_eq!(
        k["role_descriptors"]["r"]["cluster"],
        json!(["manage_own_api_key"])
    );
    // Only the owner, and never with an API key credential.
    let (s, e) = call(&f, "PUT", &uri, &basic("other"), json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["error"]["type"], "resource_not_found_exception");
    assert_eq!(
        e["error"]["reason"],
        format!("no API key owned by requesting user found for ID [{id}]")
    );
    let (s, e) = call(&f, "PUT", &uri, &apikey(&created), json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(
        e["error"]["reason"],
        "authentication via API key not supported: only the owner user can update an API key"
    );
    // Bad input.
    let (s, e) = call(&f, "PUT", &uri, &basic("writer"), json!({"name":"x"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["type"], "x_content_parse_exception");
    let (s, e) = call(
        &f,
        "PUT",
        &uri,
        &basic("writer"),
        json!({"metadata":{"_x":1}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["type"], "action_request_validation_exception");
    let (s, _) = call(
        &f,
        "PUT",
        &uri,
        &basic("writer"),
        json!({"role_descriptors":{"r":{"cluster":["no_such_privilege"]}}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Invalidated keys cannot be updated.
    call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("writer"),
        json!({"ids":[id],"owner":true}),
    )
    .await;
    let (s, e) = call(&f, "PUT", &uri, &basic("writer"), json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(
        e["error"]["reason"],
        format!("cannot update invalidated API key [{id}]")
    );
}

#[tokio::test]
async fn bulk_update_reports_updated_noops_and_errors() {
    let f = fixture();
    let a = create_key(&f, "writer", json!({"name":"a","metadata":{"v":1}})).await;
    let b = create_key(&f, "writer", json!({"name":"b","metadata":{"v":2}})).await;
    let theirs = create_key(&f, "other", json!({"name":"t"})).await;
    let (a, b, theirs) = (
        a["id"].as_str().unwrap(),
        b["id"].as_str().unwrap(),
        theirs["id"].as_str().unwrap(),
    );
    let (s, v) = call(
        &f,
        "POST",
        "/_security/api_key/_bulk_update",
        &basic("writer"),
        json!({"ids":[a, b, theirs],"metadata":{"v":2}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({
            "updated": [a],
            "noops": [b],
            "errors": {"count": 1, "details": {theirs: {
                "type": "resource_not_found_exception",
                "reason": format!("no API key owned by requesting user found for ID [{theirs}]")
            }}}
        })
    );
    let (s, v) = call(
        &f,
        "POST",
        "/_security/api_key/_bulk_update",
        &basic("writer"),
        json!({"ids":[a, b],"metadata":{"v":2}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!({"updated": [], "noops": [a, b]}));
    let (s, e) = call(
        &f,
        "POST",
        "/_security/api_key/_bulk_update",
        &basic("writer"),
        json!({"metadata":{}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["error"]["reason"],
        "Validation Failed: 1: Field [ids] cannot be empty;"
    );
    let (s, _) = call(
        &f,
        "POST",
        "/_security/api_key/_bulk_update",
        &basic("writer"),
        json!({"ids":"a"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn get_options_and_validation() {
    let f = fixture();
    let one = create_key(&f, "writer", json!({"name":"beats-1"})).await;
    create_key(&f, "writer", json!({"name":"beats-2"})).await;
    create_key(&f, "other", json!({"name":"logstash"})).await;
    let names = |v: &Value| -> Vec<String> {
        v["api_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, v) = call(
        &f,
        "GET",
        "/_security/api_key?name=beats*",
        &basic("elastic"),
        Value::Null,
    )
    .await;
    assert_eq!(names(&v), vec!["beats-1", "beats-2"]);
    let (_, v) = call(
        &f,
        "GET",
        "/_security/api_key?name=*",
        &basic("elastic"),
        Value::Null,
    )
    .await;
    assert_eq!(names(&v).len(), 3);
    let (_, v) = call(
        &f,
        "GET",
        "/_security/api_key?username=other&realm_name=default_native",
        &basic("elastic"),
        Value::Null,
    )
    .await;
    assert_eq!(names(&v), vec!["logstash"]);
    let k = &v["api_keys"][0];
    assert_eq!(k["type"], "rest");
    assert_eq!(k["realm_type"], "native");
    assert!(k.get("limited_by").is_none());
    let id = one["id"].as_str().unwrap();
    call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("elastic"),
        json!({"ids":[id]}),
    )
    .await;
    let (_, v) = call(
        &f,
        "GET",
        "/_security/api_key?owner=true&active_only=true&with_profile_uid=true",
        &basic("writer"),
        Value::Null,
    )
    .await;
    assert_eq!(names(&v), vec!["beats-2"]);
    let (_, v) = call(
        &f,
        "GET",
        "/_security/api_key?owner=true",
        &basic("writer"),
        Value::Null,
    )
    .await;
    let dead = &v["api_keys"][0];
    assert_eq!(dead["invalidated"], true);
    assert!(dead["invalidation"].as_u64().is_some());
    for (uri, reason) in [
        (
            format!("/_security/api_key?id={id}&name=x"),
            "Validation Failed: 1: only one of [api key id, api key name] can be specified;",
        ),
        (
            "/_security/api_key?owner=true&username=writer".to_string(),
            "Validation Failed: 1: neither username nor realm-name may be specified when retrieving owned API keys;",
        ),
        (
            format!("/_security/api_key?id={id}&username=writer"),
            "Validation Failed: 1: username or realm name must not be specified when the api key id or api key name is specified;",
        ),
    ] {
        let (s, e) = call(&f, "GET", &uri, &basic("elastic"), Value::Null).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(e["error"]["reason"], reason, "{uri}");
    }
    let (s, _) = call(
        &f,
        "GET",
        "/_security/api_key?owner=maybe",
        &basic("elastic"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn invalidate_counts_errors_and_validates() {
    let f = fixture();
    let created = create_key(&f, "writer", json!({"name":"i"})).await;
    let id = created["id"].as_str().unwrap();
    // A document that no longer parses is an error for that id, not a failed request.
    f.store
        .put_api_key("broken-doc", json!({"name": 7}))
        .unwrap();
    let (s, v) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("elastic"),
        json!({"ids":[id, "broken-doc", "absent"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["invalidated_api_keys"], json!([id]));
    assert_eq!(v["error_count"], 1);
    assert_eq!(
        v["error_details"][0]["reason"],
        "Error invalidating api_key"
    );
    let (_, v) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("elastic"),
        json!({"name":"i"}),
    )
    .await;
    assert_eq!(
        v,
        json!({"invalidated_api_keys":[],"previously_invalidated_api_keys":[id],"error_count":0})
    );
    for (body, reason) in [
        (
            json!({"ids":[]}),
            "Validation Failed: 1: Field [ids] cannot be an empty array;",
        ),
        (
            json!({"ids":["a", " "]}),
            "Validation Failed: 1: Field [ids] must not contain blank id, but got blank id at index position: [1];",
        ),
        (
            json!({"ids":["a"],"name":"b"}),
            "Validation Failed: 1: only one of [api key id(s), api key name] can be specified;",
        ),
        (
            json!({"owner":true,"username":"writer"}),
            "Validation Failed: 1: neither username nor realm-name may be specified when invalidating owned API keys;",
        ),
        (
            json!({"name":"b","realm_name":"default_native"}),
            "Validation Failed: 1: username or realm name must not be specified when the api key id(s) or api key name are specified;",
        ),
    ] {
        let (s, e) = call(
            &f,
            "DELETE",
            "/_security/api_key",
            &basic("elastic"),
            body.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(e["error"]["reason"], reason, "{body}");
    }
    let (s, e) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("elastic"),
        json!({"bogus":1}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["type"], "x_content_parse_exception");
    // A key may invalidate itself by id.
    let own = create_key(&f, "writer", json!({"name":"self"})).await;
    let own_id = own["id"].as_str().unwrap();
    let (s, v) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &apikey(&own),
        json!({"ids":[own_id]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["invalidated_api_keys"], json!([own_id]));
}

#[tokio::test]
async fn grant_with_an_access_token() {
    let f = Fixture::builder()
        .user("writer", &["writer"])
        .role("writer", json!({"cluster":["monitor"]}))
        .tokens(true)
        .build();
    let writer = f
        .authenticator
        .authenticate("writer", &PASSWORD.into())
        .unwrap();
    let issued = f.gate.tokens().create_token(writer, true).unwrap();
    let (s, created) = grant(
        &f,
        "elastic",
        json!({"grant_type":"access_token","access_token":issued.access_token.expose(),"api_key":{"name":"from-token"}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{created}");
    let (_, me) = authenticate(&f, &created).await;
    assert_eq!(me["username"], "writer");
    let (s, e) = grant(
        &f,
        "elastic",
        json!({"grant_type":"access_token","access_token":"not-a-token","api_key":{"name":"x"}}),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert_eq!(
        e["error"]["reason"],
        "unable to authenticate user [_bearer_token] for action [cluster:admin/xpack/security/api_key/grant]"
    );
    let (s, e) = grant(
        &f,
        "elastic",
        json!({"grant_type":"access_token","access_token":issued.access_token.expose(),"run_as":"other","api_key":{"name":"x"}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(
        e["error"]["reason"],
        "the provided grant credentials do not support run-as"
    );
    let (s, e) = grant(
        &f,
        "elastic",
        json!({"grant_type":"access_token","username":"writer","api_key":{"name":"x"}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["error"]["reason"],
        "Validation Failed: 1: [access_token] is required for grant_type [access_token];2: [username] is not supported for grant_type [access_token];"
    );
}
