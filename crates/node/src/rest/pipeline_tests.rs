//! The pipeline under hostile or unusual requests: bodies of unauthenticated clients are
//! never waited for, limits answer with Elasticsearch's JSON, repeated keys and headers are
//! refused, what is authorized is what is served, and run-as works as in Elasticsearch.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use super::test_support::{
    Fixture, PASSWORD, StallingBody, basic, call, call_json, request, run_as_fixture, send,
};

fn stalled_request(authorization: Option<&str>) -> Request<Body> {
    let mut req = Request::builder()
        .method("PUT")
        .uri("/_security/role/r1")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "1048576");
    if let Some(a) = authorization {
        req = req.header(header::AUTHORIZATION, a);
    }
    req.body(Body::new(StallingBody {
        first: None,
        announced: Some(1 << 20),
    }))
    .unwrap()
}

#[tokio::test]
async fn an_unauthenticated_request_is_answered_without_waiting_for_its_body() {
    let f = Fixture::builder().build();
    for authorization in [None, Some(basic("elastic", "wrong-password").as_str())] {
        let reply = tokio::time::timeout(
            Duration::from_secs(5),
            send(&f, stalled_request(authorization)),
        )
        .await
        .expect("the node waited for the body of an unauthenticated request");
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.json()["error"]["type"], "security_exception");
    }
}

#[tokio::test]
async fn an_unknown_route_needs_credentials_too() {
    let f = Fixture::builder().build();
    let r = call(&f, "GET", "/nothing/_here", None, Value::Null).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = call(
        &f,
        "GET",
        "/nothing/_here",
        Some(&basic("elastic", PASSWORD)),
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bodies_up_to_http_max_content_length_are_read_and_larger_ones_refused_with_json() {
    let f = Fixture::builder().build();
    // 3 MB: past axum's own 2 MiB default, well under Elasticsearch's 100mb.
    let big = "x".repeat(3 * 1024 * 1024);
    let (status, body) = call_json(
        &f,
        "PUT",
        "/_security/role/big",
        &basic("elastic", PASSWORD),
        json!({"cluster": ["monitor"], "metadata": {"blob": big}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // 100 MB + 1 byte, announced: refused before a byte of it is read.
    let limit = 100 * 1024 * 1024u64;
    let req = Request::builder()
        .method("PUT")
        .uri("/_security/role/huge")
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, (limit + 1).to_string())
        .body(Body::new(StallingBody {
            first: None,
            announced: Some(1 << 20),
        }))
        .unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), send(&f, req))
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.json()["error"]["type"], "content_too_long_exception");
    assert_eq!(
        r.json()["error"]["reason"],
        format!("request body is larger than http.max_content_length [{limit}b]")
    );
    // 100 MB + 1 byte, streamed without a length: refused once the limit is passed.
    let f = Fixture::builder().max_content_length(1024).build();
    let req = Request::builder()
        .method("PUT")
        .uri("/_security/role/huge")
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::new(Chunks(
            [Bytes::from(vec![b' '; 600]), Bytes::from(vec![b' '; 600])].into(),
        )))
        .unwrap();
    let r = send(&f, req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["status"], 413);
}

/// A body of `chunks` that announces no length.
struct Chunks(std::collections::VecDeque<Bytes>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
    }
}

#[tokio::test]
async fn duplicate_keys_in_a_body_are_refused() {
    let f = Fixture::builder().user("joe", &[]).build();
    let r = call(
        &f,
        "PUT",
        "/_security/user/amy",
        Some(&basic("elastic", PASSWORD)),
        Value::String(r#"{"password":"amy-password","roles":[],"roles":["superuser"]}"#.into()),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["type"], "x_content_parse_exception");
    assert!(
        r.json()["error"]["reason"]
            .as_str()
            .unwrap()
            .ends_with("Duplicate field 'roles'"),
        "{}",
        r.json()
    );
    let r = call(
        &f,
        "GET",
        "/_security/user/amy",
        Some(&basic("elastic", PASSWORD)),
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "the user must not exist");
}

#[tokio::test]
async fn two_authorization_headers_are_a_bad_request() {
    let f = Fixture::builder().user("joe", &[]).build();
    let req = Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, basic("joe", PASSWORD))
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD))
        .body(Body::empty())
        .unwrap();
    let r = send(&f, req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["type"], "illegal_argument_exception");
    assert_eq!(
        r.json()["error"]["reason"],
        "multiple values for single-valued header [Authorization]."
    );
}

#[tokio::test]
async fn errors_name_the_path_not_the_absolute_uri() {
    let f = Fixture::builder().build();
    // HTTP/2 requests carry the absolute form.
    let req = Request::builder()
        .uri("https://localhost:9200/test/_nothing_here/1?pretty")
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD))
        .body(Body::empty())
        .unwrap();
    let r = send(&f, req).await;
    assert_eq!(
        r.json()["error"],
        "no handler found for uri [/test/_nothing_here/1?pretty] and method [GET]"
    );
    let req = Request::builder()
        .method("DELETE")
        .uri("https://localhost:9200/_license")
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD))
        .body(Body::empty())
        .unwrap();
    let r = send(&f, req).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        r.json()["error"],
        "Incorrect HTTP method for uri [/_license] and method [DELETE], allowed: [GET, HEAD]"
    );
}

#[tokio::test]
async fn the_application_scope_covers_exactly_what_is_served() {
    let f = Fixture::builder()
        .user("kib", &["app_manager"])
        .role(
            "app_manager",
            json!({"global": {"application": {"manage": {"applications": ["kibana-*"]}}}}),
        )
        .build();
    let elastic = basic("elastic", PASSWORD);
    for app in ["kibana-x", "other"] {
        let (s, _) = call_json(
            &f,
            "PUT",
            "/_security/privilege",
            &elastic,
            json!({app: {"read": {"actions": ["data:read/*"]}}}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
    }
    let kib = basic("kib", PASSWORD);
    let (s, body) = call_json(
        &f,
        "GET",
        "/_security/privilege/kibana-x",
        &kib,
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.get("kibana-x").is_some());
    // `%2C` decodes to a second application name, `*`, which kibana-* does not cover.
    for path in [
        "/_security/privilege/kibana-x%2C*",
        "/_security/privilege/kibana-x,other",
        "/_security/privilege",
        "/_security/privilege/other/read",
    ] {
        let (s, body) = call_json(&f, "GET", path, &kib, Value::Null).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {body}");
    }
}

#[tokio::test]
async fn run_as_uses_the_targets_roles_and_is_denied_without_the_privilege() {
    let f = run_as_fixture();
    let run_as = |who: &str, target: &str, path: &str| {
        let mut req = request("GET", path, Some(&basic(who, PASSWORD)), Value::Null);
        req.headers_mut()
            .insert("es-security-runas-user", target.parse().unwrap());
        req
    };
    let r = send(&f, run_as("proxy", "target", "/_security/_authenticate")).await;
    assert_eq!(r.status, StatusCode::OK);
    let me = r.json();
    assert_eq!(me["username"], "target");
    assert_eq!(me["roles"], json!(["monitor_only"]));
    assert_eq!(me["authentication_realm"]["name"], "default_native");
    assert_eq!(me["lookup_realm"]["name"], "default_native");
    // The proxy itself holds no cluster privilege; as target it has monitor.
    let r = send(&f, run_as("proxy", "target", "/_cluster/health")).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = call(
        &f,
        "GET",
        "/_cluster/health",
        Some(&basic("proxy", PASSWORD)),
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // And it gets no more than the target's rights.
    let r = send(&f, run_as("proxy", "target", "/_security/user")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.json()["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("for user [proxy] run as [target] with effective roles [monitor_only]"),
        "{}",
        r.json()
    );
    // joe may not run as anyone.
    let r = send(&f, run_as("joe", "target", "/")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json()["error"]["reason"],
        "action [cluster:monitor/main] is unauthorized for user [joe] with effective roles [monitor_only], because user [joe] is unauthorized to run as [target]"
    );
}
