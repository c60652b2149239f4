//! In-process tests of the API key endpoints through the real router: create, authenticate
//! with `ApiKey`, get, invalidate, expiry, narrowed permissions and the 401/403 texts.

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

struct Fixture {
    _dir: tempfile::TempDir,
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
            "writer",
            StoredUser::new(hash.clone(), vec!["writer".into()]),
        )
        .unwrap();
    store
        .put_user("other", StoredUser::new(hash, vec!["writer".into()]))
        .unwrap();
    store
        .put_role(
            "writer",
            json!({"cluster":["monitor","manage_own_api_key"],"indices":[{"names":["metricbeat-*"],"privileges":["create_doc"]}]}),
        )
        .unwrap();
    let identity = NodeIdentity {
        node_name: "node-1".into(),
        cluster_name: "test-cluster".into(),
        cluster_uuid: "3q2Qf0nKQzW8m3t1Zb7Q9A".into(),
        node_id: "abcdEFGHijklMNOPqrstUV".into(),
        license_uid: "00000000-0000-4000-8000-000000000000".into(),
        license_issue_date_millis: 1_700_000_000_000,
    };
    let auth = Arc::new(Authenticator::new(store, None));
    let state = Arc::new(AppState::new(identity, Some(auth), 100 * 1024 * 1024));
    Fixture {
        _dir: dir,
        router: router(state),
    }
}

fn basic(user: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{PASSWORD}"))
    )
}

async fn call(
    f: &Fixture,
    method: &str,
    uri: &str,
    authz: &str,
    body: Value,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, authz);
    let body = if body.is_null() {
        Body::empty()
    } else {
        req = req.header(header::CONTENT_TYPE, "application/json");
        Body::from(body.to_string())
    };
    let resp = f
        .router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, v)
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

    let (s, me) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        &apikey(&created),
        Value::Null,
    )
    .await;
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
        &format!("/_security/api_key?id={id}"),
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
        &format!("/_security/api_key?id={id}&with_limited_by=true"),
        &basic("writer"),
        Value::Null,
    )
    .await;
    assert_eq!(
        got["api_keys"][0]["limited_by"][0]["writer"]["cluster"],
        json!(["monitor", "manage_own_api_key"])
    );
    // Another manage_own_api_key user neither sees it nor may ask for writer's keys.
    let (_, other) = call(
        &f,
        "GET",
        "/_security/api_key",
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

    let (s, inv) = call(
        &f,
        "DELETE",
        "/_security/api_key",
        &basic("writer"),
        json!({"ids":[id]}),
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
    let (s, e) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        &apikey(&created),
        Value::Null,
    )
    .await;
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
    let (s, _) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        &apikey(&created),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (s, e) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        &apikey(&created),
        Value::Null,
    )
    .await;
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
    // A key sees only itself.
    let (s, got) = call(
        &f,
        "GET",
        "/_security/api_key",
        &apikey(&created),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["api_keys"].as_array().unwrap().len(), 1);
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
