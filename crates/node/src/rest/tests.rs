//! In-process tests of the REST layer: every request goes through the real router with
//! `oneshot`, so envelope, pipeline and handlers are exercised together.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::io::{Read, Write};

use super::*;
use crate::rest::test_support::{Fixture, PASSWORD, Reply, basic, send};

fn fixture_with(security: bool, max_content_length: u64) -> Fixture {
    Fixture::builder()
        .security(security)
        .max_content_length(max_content_length)
        .build()
}

fn fixture() -> Fixture {
    fixture_with(true, 100 * 1024 * 1024)
}

fn get(uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .uri(uri)
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD))
}

#[test]
fn every_route_performs_an_action_some_privilege_grants() {
    let registered = routes::table().registered();
    assert!(registered.len() > 60, "{}", registered.len());
    for (method, path, action) in registered {
        let granted_by_cluster =
            !ironstack_security::rbac::ClusterPrivilege::granting(action.as_str()).is_empty();
        let granted_by_index =
            !ironstack_security::rbac::IndexPrivilege::granting(action.as_str()).is_empty();
        assert!(
            granted_by_cluster || granted_by_index,
            "route [{method} {path}] performs [{action}], which no privilege grants"
        );
    }
}

#[tokio::test]
async fn main_info_has_es_fields_and_product_header() {
    let f = fixture();
    let r = send(&f, get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("x-elastic-product"), "Elasticsearch");
    assert_eq!(r.header("content-type"), "application/json");
    let v = r.json();
    assert_eq!(v["name"], "node-1");
    assert_eq!(v["cluster_name"], "test-cluster");
    assert_eq!(v["cluster_uuid"], "3q2Qf0nKQzW8m3t1Zb7Q9A");
    assert_eq!(v["version"]["number"], "9.1.0");
    assert_eq!(v["version"]["build_flavor"], "default");
    assert_eq!(v["version"]["lucene_version"], "10.2.2");
    assert_eq!(v["version"]["minimum_wire_compatibility_version"], "8.19.0");
    assert_eq!(v["version"]["minimum_index_compatibility_version"], "8.0.0");
    assert_eq!(v["version"]["build_snapshot"], false);
    assert_eq!(v["tagline"], "You Know, for Search");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["name", "cluster_name", "cluster_uuid", "version", "tagline"]
    );
}

#[tokio::test]
async fn head_needs_credentials_like_get() {
    let f = fixture();
    let req = Request::builder()
        .method("HEAD")
        .uri("/_cluster/health")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&f, req).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn head_root_has_no_body() {
    let f = fixture();
    let r = send(&f, get("/").method("HEAD").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.is_empty());
    assert_eq!(r.header("x-elastic-product"), "Elasticsearch");
}

#[tokio::test]
async fn missing_credentials_snapshot() {
    let f = fixture();
    let r = send(
        &f,
        Request::builder()
            .uri("/?pretty=false")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let challenges: Vec<&str> = r
        .headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(
        challenges,
        ["Basic realm=\"security\", charset=\"UTF-8\"", "ApiKey"]
    );
    assert_eq!(r.header("x-elastic-product"), "Elasticsearch");
    assert_eq!(
        r.text(),
        r#"{"error":{"root_cause":[{"type":"security_exception","reason":"missing authentication credentials for REST request [/?pretty=false]","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","ApiKey"]}}],"type":"security_exception","reason":"missing authentication credentials for REST request [/?pretty=false]","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","ApiKey"]}},"status":401}"#
    );
}

#[tokio::test]
async fn wrong_password_snapshot() {
    let f = fixture();
    let req = Request::builder()
        .uri("/_cluster/health")
        .header(header::AUTHORIZATION, basic("elastic", "nope-nope"))
        .body(Body::empty())
        .unwrap();
    let r = send(&f, req).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let v = r.json();
    assert_eq!(
        v["error"]["reason"],
        "unable to authenticate user [elastic] for REST request [/_cluster/health]"
    );
    assert_eq!(v["error"]["type"], "security_exception");
    assert_eq!(v["status"], 401);
}

#[tokio::test]
async fn security_disabled_needs_no_credentials() {
    let f = fixture_with(false, 1024);
    let r = send(&f, Request::builder().uri("/").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        &f,
        Request::builder()
            .uri("/_security/_authenticate")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.json()["username"], "_anonymous");
}

#[tokio::test]
async fn authenticate_reports_the_reserved_superuser() {
    let f = fixture();
    let r = send(
        &f,
        get("/_security/_authenticate").body(Body::empty()).unwrap(),
    )
    .await;
    let v = r.json();
    assert_eq!(v["username"], "elastic");
    assert_eq!(v["roles"], json!(["superuser"]));
    assert_eq!(v["authentication_realm"]["type"], "reserved");
}

#[tokio::test]
async fn compatible_media_types_are_echoed() {
    let f = fixture();
    for v in [7, 8, 9] {
        let ct = format!("application/vnd.elasticsearch+json; compatible-with={v}");
        let r = send(
            &f,
            get("/")
                .header(header::ACCEPT, &ct)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "compatible-with={v}");
        assert_eq!(
            r.header("content-type"),
            format!("application/vnd.elasticsearch+json;compatible-with={v}")
        );
    }
    // NDJSON with a compatible version and a JSON body is accepted too.
    let r = send(
        &f,
        get("/_cluster/health")
            .header(
                header::ACCEPT,
                "application/vnd.elasticsearch+json; compatible-with=8",
            )
            .header(
                header::CONTENT_TYPE,
                "application/vnd.elasticsearch+x-ndjson; compatible-with=8",
            )
            .body(Body::from("{}\n"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn media_type_error_snapshots() {
    let f = fixture();
    let r = send(
        &f,
        get("/")
            .header(
                header::ACCEPT,
                "application/vnd.elasticsearch+json; compatible-with=6",
            )
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.text(),
        r#"{"error":{"root_cause":[{"type":"status_exception","reason":"Accept version must be either version 9, 8 or 7, but found 6. Accept=application/vnd.elasticsearch+json; compatible-with=6"}],"type":"media_type_header_exception","reason":"Invalid media-type value on headers [Accept, Content-Type]","caused_by":{"type":"status_exception","reason":"Accept version must be either version 9, 8 or 7, but found 6. Accept=application/vnd.elasticsearch+json; compatible-with=6"}},"status":400}"#
    );

    let r = send(
        &f,
        get("/_cluster/health")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("hello"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(
        r.text(),
        r#"{"error":"Content-Type header [text/plain] is not supported","status":406}"#
    );

    let r = send(
        &f,
        get("/")
            .header(header::ACCEPT, "nonsense")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["error"]["reason"],
        "Invalid media-type value on headers [Accept]"
    );
}

#[tokio::test]
async fn unknown_route_and_wrong_method_snapshots() {
    let f = fixture();
    // (`GET /x` is the get-index API, as in Elasticsearch.)
    let r = send(&f, get("/x/_nothing").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.header("x-elastic-product"), "Elasticsearch");
    assert_eq!(
        r.text(),
        r#"{"error":"no handler found for uri [/x/_nothing] and method [GET]"}"#
    );

    let r = send(
        &f,
        get("/_cluster/health")
            .method("DELETE")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.header("allow"), "GET,HEAD");
    assert_eq!(
        r.text(),
        r#"{"error":"Incorrect HTTP method for uri [/_cluster/health] and method [DELETE], allowed: [GET, HEAD]","status":405}"#
    );
}

#[tokio::test]
async fn pretty_filter_path_and_error_trace() {
    let f = fixture();
    let r = send(
        &f,
        get("/?pretty&filter_path=name,version.number")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.text(),
        "{\n  \"name\" : \"node-1\",\n  \"version\" : {\n    \"number\" : \"9.1.0\"\n  }\n}\n"
    );
    let r = send(
        &f,
        get("/?filter_path=-version,-tagline")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"name": "node-1", "cluster_name": "test-cluster", "cluster_uuid": "3q2Qf0nKQzW8m3t1Zb7Q9A"})
    );
    let r = send(
        &f,
        get("/_cluster/health?wait_for_status=purple&error_trace=true")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let v = r.json();
    assert_eq!(v["error"]["type"], "illegal_argument_exception");
    assert_eq!(
        v["error"]["reason"],
        "unknown cluster health status [purple]"
    );
    assert!(v["error"]["stack_trace"].is_string());
}

#[tokio::test]
async fn gzip_both_ways_and_content_length_limit() {
    let f = fixture_with(true, 64);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"{}").unwrap();
    let gz = enc.finish().unwrap();
    let r = send(
        &f,
        get("/_cluster/health")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_ENCODING, "gzip")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::from(gz))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-encoding"), "gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains("\"status\":\"green\""), "{text}");

    let big = vec![b' '; 100];
    let r = send(
        &f,
        get("/_cluster/health")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(big))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["status"], 413);

    // A small gzip body that inflates past the limit is refused as well.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&[b' '; 10_000]).unwrap();
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 64);
    let r = send(
        &f,
        get("/_cluster/health")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_ENCODING, "gzip")
            .body(Body::from(bomb))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn cluster_health_waits_and_times_out() {
    let f = fixture();
    let r = send(
        &f,
        get("/_cluster/health?wait_for_status=yellow&timeout=1s")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["status"], "green");
    assert_eq!(v["timed_out"], false);
    assert_eq!(v["number_of_nodes"], 1);
    assert_eq!(v["active_shards_percent_as_number"], 100.0);

    let started = std::time::Instant::now();
    let r = send(
        &f,
        get("/_cluster/health?wait_for_nodes=%3E%3D2&timeout=200ms")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    assert_eq!(r.status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(r.json()["timed_out"], true);
}

#[tokio::test]
async fn license_xpack_and_nodes() {
    let f = fixture();
    let v = send(&f, get("/_license").body(Body::empty()).unwrap())
        .await
        .json();
    assert_eq!(v["license"]["type"], "basic");
    assert_eq!(v["license"]["status"], "active");
    let v = send(&f, get("/_xpack").body(Body::empty()).unwrap())
        .await
        .json();
    assert_eq!(v["features"]["security"]["enabled"], true);
    assert_eq!(v["license"]["mode"], "basic");
    let v = send(&f, get("/_nodes").body(Body::empty()).unwrap())
        .await
        .json();
    assert_eq!(v["_nodes"]["total"], 1);
    assert_eq!(v["nodes"]["abcdEFGHijklMNOPqrstUV"]["version"], "9.1.0");
    let v = send(&f, get("/_nodes/other-node").body(Body::empty()).unwrap())
        .await
        .json();
    assert_eq!(v["_nodes"]["total"], 0);
}

#[tokio::test]
async fn local_node_stats_are_real() {
    let f = fixture();
    let v = send(
        &f,
        get("/_nodes/_local/stats?human")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .json();
    let node = &v["nodes"]["abcdEFGHijklMNOPqrstUV"];
    assert!(node["process"]["open_file_descriptors"].as_i64().unwrap() > 0);
    assert!(node["process"]["max_file_descriptors"].as_i64().unwrap() > 0);
    assert!(node["process"]["cpu"]["total_in_millis"].is_u64());
    assert!(
        node["process"]["mem"]["total_virtual_in_bytes"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(node["jvm"]["mem"]["heap_used_in_bytes"].as_u64().unwrap() > 0);
    assert!(node["jvm"]["uptime_in_millis"].is_u64());
    assert!(node["jvm"]["uptime"].is_string());
    assert!(node["os"]["mem"]["total_in_bytes"].as_u64().unwrap() > 0);
    assert!(node["http"]["total_opened"].is_u64());
    let v = send(
        &f,
        get("/_nodes/_local/stats/http,process")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .json();
    let node = &v["nodes"]["abcdEFGHijklMNOPqrstUV"];
    assert!(node.get("jvm").is_none());
    assert!(node.get("http").is_some());
    let r = send(&f, get("/_nodes/stats/bogus").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn cat_text_json_and_columns() {
    let f = fixture();
    let r = send(&f, get("/_cat/health?v").body(Body::empty()).unwrap()).await;
    assert_eq!(r.header("content-type"), "text/plain; charset=UTF-8");
    let text = r.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("epoch"));
    assert!(lines[0].contains("active_shards_percent"));
    assert!(lines[1].contains("test-cluster green"));

    let r = send(
        &f,
        get("/_cat/health?format=json&h=cluster,status")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.json(),
        json!([{"cluster": "test-cluster", "status": "green"}])
    );

    let r = send(
        &f,
        get("/_cat/nodes?h=name,master,node.role")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.text(), "node-1 * dm\n");
    let r = send(
        &f,
        get("/_cat/nodes?format=json").body(Body::empty()).unwrap(),
    )
    .await;
    let v = r.json();
    assert_eq!(v[0]["name"], "node-1");
    assert!(v[0]["heap.percent"].is_string());
    // Elasticsearch's `RestTable` skips columns it does not know.
    let r = send(&f, get("/_cat/nodes?h=nope").body(Body::empty()).unwrap()).await;
    assert_eq!((r.status, r.text()), (StatusCode::OK, "\n".to_string()));
}

#[path = "security_tests.rs"]
mod security_api;

#[path = "authz_matrix_tests.rs"]
mod authz_matrix;

#[path = "pipeline_tests.rs"]
mod pipeline;

#[path = "documents_tests.rs"]
mod documents_api;

#[path = "search_tests.rs"]
mod search_api;

#[path = "scroll_tests.rs"]
mod scroll_api;

// Index administration, templates, data streams and ILM.
#[path = "data_streams_tests.rs"]
mod data_streams_api;
#[path = "ilm_tests.rs"]
mod ilm_api;
#[path = "indices_tests.rs"]
mod indices_api;
#[path = "templates_tests.rs"]
mod templates_api;
// Statistics, cat and multi-request APIs (rest-stats).
#[path = "by_query_tests.rs"]
mod by_query_api;
#[path = "multi_tests.rs"]
mod multi_api;
#[path = "stats_tests.rs"]
mod stats_api;

/// The REST modules depend on each other in one direction only: the plumbing (envelope,
/// pipeline, routes, body, params, response, render, context) never on an API module except
/// the route table, and no two modules on each other.
#[test]
fn rest_modules_have_no_import_cycles() {
    let sources: &[(&str, &str)] = &[
        ("api_key", include_str!("api_key.rs")),
        ("app_privilege", include_str!("app_privilege.rs")),
        ("body", include_str!("body.rs")),
        ("bulk", include_str!("bulk.rs")),
        ("cat", include_str!("cat.rs")),
        ("context", include_str!("context.rs")),
        ("dls", include_str!("dls.rs")),
        ("documents", include_str!("documents.rs")),
        ("envelope", include_str!("envelope.rs")),
        ("handlers", include_str!("handlers.rs")),
        ("data_streams", include_str!("data_streams.rs")),
        ("ilm", include_str!("ilm.rs")),
        ("indices", include_str!("indices.rs")),
        ("templates", include_str!("templates.rs")),
        ("params", include_str!("params.rs")),
        ("pipeline", include_str!("pipeline.rs")),
        ("query", include_str!("query.rs")),
        ("render", include_str!("render.rs")),
        ("response", include_str!("response.rs")),
        ("role_mapping", include_str!("role_mapping.rs")),
        ("routes", include_str!("routes.rs")),
        ("search", include_str!("search.rs")),
        ("security", include_str!("security.rs")),
        ("ssl", include_str!("ssl.rs")),
        ("token", include_str!("token.rs")),
        // Statistics, cat and multi-request APIs (rest-stats).
        ("multi", include_str!("multi.rs")),
        ("by_query", include_str!("by_query.rs")),
        ("stats", include_str!("stats.rs")),
    ];
    let names: Vec<&str> = sources.iter().map(|(n, _)| *n).collect();
    // Each module's dependencies: `super::<module>` outside its test code, and the modules of a
    // `use super::{a, b}` group.
    let deps: Vec<Vec<usize>> = sources
        .iter()
        .map(|(_, text)| {
            let code = text.split("#[cfg(test)]").next().unwrap_or(text);
            let mut out = Vec::new();
            for (i, name) in names.iter().enumerate() {
                let direct = format!("super::{name}");
                let grouped = code.contains("use super::{")
                    && code
                        .split("use super::{")
                        .skip(1)
                        .filter_map(|g| g.split('}').next())
                        .any(|g| g.split([',', ' ', '\n']).any(|w| w == *name));
                if code.contains(&direct) || grouped {
                    out.push(i);
                }
            }
            out
        })
        .collect();
    // Depth-first search for a back edge.
    fn visit(n: usize, deps: &[Vec<usize>], state: &mut [u8], path: &mut Vec<usize>) -> bool {
        if state[n] == 1 {
            path.push(n);
            return true;
        }
        if state[n] == 2 {
            return false;
        }
        state[n] = 1;
        path.push(n);
        for &d in &deps[n] {
            if visit(d, deps, state, path) {
                return true;
            }
        }
        path.pop();
        state[n] = 2;
        false
    }
    let mut state = vec![0u8; names.len()];
    for n in 0..names.len() {
        let mut path = Vec::new();
        assert!(
            !visit(n, &deps, &mut state, &mut path),
            "import cycle: {}",
            path.iter()
                .map(|i| names[*i])
                .collect::<Vec<_>>()
                .join(" -> ")
        );
    }
    // The plumbing reaches no API module (the route table is the one that lists them).
    for plumbing in [
        "envelope", "pipeline", "body", "params", "response", "render", "context",
    ] {
        let p = names.iter().position(|n| *n == plumbing).unwrap();
        for &d in &deps[p] {
            assert!(
                [
                    "envelope", "pipeline", "body", "params", "response", "render", "context"
                ]
                .contains(&names[d]),
                "{plumbing} depends on the API module {}",
                names[d]
            );
        }
    }
}
