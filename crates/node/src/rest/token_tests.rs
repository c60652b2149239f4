//! In-process tests of bearer tokens and anonymous access through the real router.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use ironstack_config::{AnonymousConfig, AuthcConfig, TokenConfig};
use serde_json::{Value, json};

use crate::rest::test_support::{self, PASSWORD};

struct Fixture {
    node: test_support::Fixture,
    now: Arc<AtomicU64>,
}

impl Deref for Fixture {
    type Target = test_support::Fixture;

    fn deref(&self) -> &Self::Target {
        &self.node
    }
}

fn config(token_enabled: bool, anonymous_roles: &[&str], authz_exception: bool) -> AuthcConfig {
    AuthcConfig {
        token: TokenConfig {
            enabled: token_enabled,
            timeout: Duration::from_secs(1200),
        },
        anonymous: AnonymousConfig {
            username: "_anonymous".into(),
            roles: anonymous_roles.iter().map(|r| r.to_string()).collect(),
            authz_exception,
        },
        run_as_enabled: true,
    }
}

fn fixture(config: AuthcConfig) -> Fixture {
    let now = Arc::new(AtomicU64::new(ironstack_security::api_key::now_ms()));
    let clock = now.clone();
    let node = test_support::Fixture::builder()
        .user_named("joe", &["token_user"], "Joe Token")
        .user("plain", &["monitor_only"])
        // Reserved: its stored password, its built-in role (which holds `manage_token`).
        .user("kibana_system", &[])
        .role("token_user", json!({"cluster":["manage_token", "monitor"]}))
        .role("monitor_only", json!({"cluster":["monitor"]}))
        .authc(config)
        .clock(Arc::new(move || clock.load(Ordering::SeqCst)))
        .build();
    Fixture { node, now }
}

fn basic(user: &str) -> String {
    test_support::basic(user, PASSWORD)
}

fn bearer(token: &Value) -> String {
    format!("Bearer {}", token.as_str().unwrap())
}

async fn call(
    f: &Fixture,
    method: &str,
    uri: &str,
    authz: Option<&str>,
    body: Value,
) -> (StatusCode, HeaderMap, Value) {
    let r = test_support::call(f, method, uri, authz, body).await;
    let json = r.json_or_null();
    (r.status, r.headers, json)
}

fn challenges(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

async fn password_token(f: &Fixture, caller: &str, user: &str) -> Value {
    let (status, _, body) = call(
        f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic(caller)),
        json!({"grant_type": "password", "username": user, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn password_grant_and_bearer_authentication() {
    let f = fixture(config(true, &[], true));
    let body = password_token(&f, "elastic", "joe").await;
    assert_eq!(body["type"], "Bearer");
    assert_eq!(body["expires_in"], 1200);
    assert!(body.get("scope").is_none());
    assert!(body["refresh_token"].is_string());
    assert_eq!(
        body["authentication"],
        json!({
            "username": "joe", "roles": ["token_user"], "full_name": "Joe Token", "email": null,
            "metadata": {}, "enabled": true,
            "authentication_realm": {"name": "default_native", "type": "native"},
            "lookup_realm": {"name": "default_native", "type": "native"},
            "authentication_type": "realm"
        })
    );
    let (status, _, me) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&bearer(&body["access_token"])),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "joe");
    assert_eq!(me["authentication_type"], "token");
    assert_eq!(me["authentication_realm"]["name"], "default_native");
    // The token carries the user's privileges: monitor yes, user admin no.
    let token = bearer(&body["access_token"]);
    let (status, _, _) = call(&f, "GET", "/_cluster/health", Some(&token), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, denied) = call(&f, "GET", "/_security/user", Some(&token), Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        denied["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("is unauthorized for user [joe]")
    );
    // A user may ask for its own token when its role has manage_token.
    let own = password_token(&f, "joe", "joe").await;
    assert_eq!(own["authentication"]["username"], "joe");
}

#[tokio::test]
async fn wrong_password_and_bad_requests_answer_as_elasticsearch() {
    let f = fixture(config(true, &[], true));
    let (status, headers, body) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({"grant_type": "password", "username": "joe", "password": "wrong-password"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error"]["reason"],
        "unable to authenticate user [joe] for action [cluster:admin/xpack/security/token/create]"
    );
    assert_eq!(
        challenges(&headers),
        vec![
            "Basic realm=\"security\", charset=\"UTF-8\"",
            "Bearer realm=\"security\"",
            "ApiKey"
        ]
    );
    let cases = [
        (
            json!({"grant_type": "authorization_code"}),
            json!({"error": "unsupported_grant_type", "error_description": "Validation Failed: 1: grant_type only supports the values: [password, _kerberos, refresh_token, client_credentials];"}),
        ),
        (
            json!({"grant_type": "password", "username": "joe"}),
            json!({"error": "invalid_request", "error_description": "Validation Failed: 1: password is missing;"}),
        ),
        (
            json!({"grant_type": "client_credentials", "username": "joe"}),
            // Elasticsearch picks the error by whether a message mentions grant_type.
            json!({"error": "unsupported_grant_type", "error_description": "Validation Failed: 1: username is not supported with the client_credentials grant_type;"}),
        ),
        (
            json!({"grant_type": "_kerberos", "kerberos_ticket": "YIIB"}),
            json!({"error": "unsupported_grant_type", "error_description": "grant_type [_kerberos] is not supported: no kerberos realm is configured"}),
        ),
        (
            json!({"grant_type": "refresh_token", "refresh_token": "nope"}),
            json!({"error": "invalid_grant", "error_description": "could not refresh the requested token"}),
        ),
    ];
    for (request, expected) in cases {
        let (status, _, body) = call(
            &f,
            "POST",
            "/_security/oauth2/token",
            Some(&basic("elastic")),
            request,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, expected);
    }
    let (status, _, body) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({"grant_type": "password", "colour": "blue"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "x_content_parse_exception");
    // A user without manage_token cannot create tokens.
    let (status, _, _) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("plain")),
        json!({"grant_type": "client_credentials"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn refresh_and_client_credentials() {
    let f = fixture(config(true, &[], true));
    let first = password_token(&f, "joe", "joe").await;
    let refresh = json!({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]});
    let (status, _, second) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("joe")),
        refresh.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["authentication"]["authentication_type"], "token");
    // Within 30 s the same refresh token gives the same tokens.
    let (_, _, again) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("joe")),
        refresh.clone(),
    )
    .await;
    assert_eq!(again["access_token"], second["access_token"]);
    assert_eq!(again["refresh_token"], second["refresh_token"]);
    f.now.fetch_add(31_000, Ordering::SeqCst);
    let (status, _, body) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("joe")),
        refresh,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "token has already been refreshed more than 30 seconds in the past"})
    );
    // Another client may not spend joe's refresh token.
    let (status, _, body) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error_description"],
        "tokens must be refreshed by the creating client"
    );
    let (status, _, cc) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("joe")),
        json!({"grant_type": "client_credentials", "scope": "FULL"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(cc.get("refresh_token").is_none());
    assert_eq!(cc["scope"], "FULL");
    assert_eq!(cc["authentication"]["username"], "joe");
}

/// A console (`kibana_system`) logs a user in with the password grant and keeps the session
/// alive with the refresh token, which only it may spend.
#[tokio::test]
async fn the_client_that_created_a_token_refreshes_it() {
    let f = fixture(config(true, &[], true));
    let created = password_token(&f, "kibana_system", "joe").await;
    assert_eq!(created["authentication"]["username"], "joe");
    let refresh = |token: &Value| json!({"grant_type": "refresh_token", "refresh_token": token});
    let denied = json!({"error": "invalid_grant", "error_description": "tokens must be refreshed by the creating client"});
    // Not joe itself (it holds manage_token), not another user, not joe's own bearer token.
    for authz in [
        basic("joe"),
        basic("elastic"),
        bearer(&created["access_token"]),
    ] {
        let (status, _, body) = call(
            &f,
            "POST",
            "/_security/oauth2/token",
            Some(&authz),
            refresh(&created["refresh_token"]),
        )
        .await;
        assert_eq!(
            (status, &body),
            (StatusCode::BAD_REQUEST, &denied),
            "{authz}"
        );
    }
    let (status, _, refreshed) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("kibana_system")),
        refresh(&created["refresh_token"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(refreshed["authentication"]["username"], "joe");
    assert_ne!(refreshed["access_token"], created["access_token"]);
    // The new access token is joe's; the new refresh token is kibana_system's again.
    let (status, _, me) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&bearer(&refreshed["access_token"])),
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, me["username"].as_str()),
        (StatusCode::OK, Some("joe"))
    );
    let (status, _, body) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("joe")),
        refresh(&refreshed["refresh_token"]),
    )
    .await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, denied));
    let (status, _, body) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("kibana_system")),
        refresh(&refreshed["refresh_token"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn invalidation_and_expiry() {
    let f = fixture(config(true, &[], true));
    let t = password_token(&f, "elastic", "joe").await;
    let token = bearer(&t["access_token"]);
    let (status, _, body) = call(
        &f,
        "DELETE",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({"token": t["access_token"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"invalidated_tokens": 1, "previously_invalidated_tokens": 0, "error_count": 0})
    );
    let (status, headers, body) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&token),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["reason"], "token expired");
    assert!(challenges(&headers).contains(&"Bearer realm=\"security\"".to_string()));
    let (status, _, body) = call(
        &f,
        "DELETE",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({"token": t["access_token"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["previously_invalidated_tokens"], 1);
    let (status, _, body) = call(
        &f,
        "DELETE",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({"token": "bm90IGEgdG9rZW4="}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["invalidated_tokens"], 0);
    // By user: access + refresh token of each active document.
    password_token(&f, "elastic", "joe").await;
    password_token(&f, "elastic", "joe").await;
    let (status, _, body) = call(
        &f,
        "DELETE",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({"username": "joe"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The first document's refresh token was still active; its access token was not.
    assert_eq!(body["invalidated_tokens"], 5);
    assert_eq!(body["previously_invalidated_tokens"], 1);
    let (status, _, body) = call(
        &f,
        "DELETE",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "Validation Failed: 1: token string must be provided when not specifying a realm name or a username;"
    );
    let (status, _, body) = call(
        &f,
        "DELETE",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({"token": "a", "refresh_token": "b"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "only one of [token, refresh_token] may be sent per request"
    );
    // Expiry, with the injected clock.
    let t = password_token(&f, "elastic", "joe").await;
    let token = bearer(&t["access_token"]);
    let (status, _, _) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&token),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    f.now.fetch_add(1_200_001, Ordering::SeqCst);
    let (status, _, body) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&token),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["reason"], "token expired");
    // An unknown bearer token.
    let (status, _, body) = call(
        &f,
        "GET",
        "/",
        Some("Bearer dGhpcyBpcyBub3QgYSB0b2tlbg=="),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error"]["reason"],
        "unable to authenticate with provided credentials and anonymous access is not allowed for this request"
    );
    assert_eq!(
        body["error"]["additional_unsuccessful_credentials"],
        "oauth2 token: invalid token"
    );
}

#[tokio::test]
async fn disabled_users_lose_their_tokens() {
    let f = fixture(config(true, &[], true));
    let t = password_token(&f, "elastic", "joe").await;
    let token = bearer(&t["access_token"]);
    let (status, _, _) = call(&f, "GET", "/", Some(&token), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    let mut joe = f.store.user("joe").unwrap();
    joe.enabled = false;
    f.store.put_user("joe", joe).unwrap();
    let (status, _, _) = call(&f, "GET", "/", Some(&token), Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn disabled_token_service() {
    let f = fixture(config(false, &[], true));
    let (status, headers, _) = call(&f, "GET", "/", None, Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenges(&headers),
        vec!["Basic realm=\"security\", charset=\"UTF-8\"", "ApiKey"]
    );
    let (status, _, body) = call(
        &f,
        "POST",
        "/_security/oauth2/token",
        Some(&basic("elastic")),
        json!({"grant_type": "client_credentials"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["reason"], "security tokens are not enabled");
    assert_eq!(body["error"]["type"], "feature_not_enabled_exception");
    assert_eq!(body["error"]["disabled.feature"], "security_tokens");
}

#[tokio::test]
async fn anonymous_access() {
    let f = fixture(config(true, &["monitor_only"], true));
    let (status, _, _) = call(&f, "GET", "/_cluster/health", None, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, me) = call(&f, "GET", "/_security/_authenticate", None, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me,
        json!({
            "username": "_anonymous", "roles": ["monitor_only"], "full_name": null,
            "email": null, "metadata": {"_reserved": true}, "enabled": true,
            "authentication_realm": {"name": "__anonymous", "type": "__anonymous"},
            "lookup_realm": {"name": "__anonymous", "type": "__anonymous"},
            "authentication_type": "anonymous"
        })
    );
    let (status, _, body) = call(&f, "GET", "/_security/user", None, Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["error"]["reason"],
        "action [cluster:admin/xpack/security/user/get] is unauthorized for user [_anonymous] with effective roles [monitor_only], this action is granted by the cluster privileges [read_security,manage_security,all]"
    );
    // Unknown schemes fall back to anonymous; wrong credentials never do.
    let (status, _, _) = call(&f, "GET", "/", Some("Negotiate abc"), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = call(
        &f,
        "GET",
        "/",
        Some("Basic am9lOndyb25nLXBhc3N3b3Jk"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error"]["reason"],
        "unable to authenticate user [joe] for REST request [/]"
    );
    let (status, _, _) = call(&f, "GET", "/", Some("Bearer bm9wZQ=="), Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = call(&f, "GET", "/", Some("ApiKey Zm9vOmJhcg=="), Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Authenticated users get the anonymous roles too.
    let (_, _, me) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        Some(&basic("joe")),
        Value::Null,
    )
    .await;
    assert_eq!(me["roles"], json!(["token_user", "monitor_only"]));
    assert_eq!(me["authentication_type"], "realm");
    // ... but tokens do not store them.
    let t = password_token(&f, "elastic", "joe").await;
    assert_eq!(t["authentication"]["roles"], json!(["token_user"]));
}

#[tokio::test]
async fn anonymous_denial_is_a_401_without_authz_exception() {
    let f = fixture(config(true, &["monitor_only"], false));
    let (status, headers, body) = call(&f, "GET", "/_security/user", None, Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error"]["reason"],
        "action [cluster:admin/xpack/security/user/get] requires authentication"
    );
    assert_eq!(challenges(&headers).len(), 3);
    // Authenticated users still get a 403.
    let (status, _, _) = call(
        &f,
        "GET",
        "/_security/user",
        Some(&basic("plain")),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
