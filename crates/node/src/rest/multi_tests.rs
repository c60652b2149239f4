//! `_mget` and `_msearch`: each part authorized and answered on its own (errors in their
//! slots), document- and field-level security as `GET` and `_search` apply them, and the
//! request-level errors.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::test_support::{Fixture, PASSWORD, basic, call, call_json};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

/// `logs-a` with documents 1..=3 (`user` alice, bob, alice; `secret` on each), `logs-b` with
/// document 1; a user `bob_reader` reading `logs-a` through a role query (`user: bob`) and
/// without `secret`, and nothing of `logs-b`.
async fn setup() -> Fixture {
    let f = Fixture::builder()
        .role(
            "bob_only",
            json!({"indices": [{"names": ["logs-a"], "privileges": ["read"],
                "query": {"term": {"user": "bob"}},
                "field_security": {"grant": ["n", "user"]}}]}),
        )
        .user("bob_reader", &["bob_only"])
        .build();
    let mut body = String::new();
    for (index, id, user) in [
        ("logs-a", "1", "alice"),
        ("logs-a", "2", "bob"),
        ("logs-a", "3", "alice"),
        ("logs-b", "1", "carol"),
    ] {
        body.push_str(&json!({"index": {"_index": index, "_id": id}}).to_string());
        body.push('\n');
        body.push_str(
            &json!({"n": id.parse::<u64>().unwrap(), "user": user, "secret": "s"}).to_string(),
        );
        body.push('\n');
    }
    let r = call(
        &f,
        "POST",
        "/_bulk?refresh=true",
        Some(&elastic()),
        Value::String(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["errors"], false, "{}", r.text());
    f
}

fn bob() -> String {
    basic("bob_reader", PASSWORD)
}

#[tokio::test]
async fn mget_reads_each_document_with_its_own_source_filter_and_errors_in_slots() {
    let f = setup().await;
    let (status, body) = call_json(
        &f,
        "POST",
        "/_mget?_source_excludes=secret",
        &elastic(),
        json!({"docs": [
            {"_index": "logs-a", "_id": "1"},
            {"_index": "logs-b", "_id": "1", "_source": ["user"]},
            {"_index": "logs-a", "_id": "9"},
            {"_index": "nope", "_id": "1"},
            {"_index": "logs-a", "_id": "2", "_source": false}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let docs = body["docs"].as_array().unwrap();
    assert_eq!(docs.len(), 5);
    assert_eq!(docs[0]["_index"], "logs-a");
    assert_eq!(docs[0]["found"], true);
    assert_eq!(docs[0]["_version"], 1);
    assert!(docs[0]["_seq_no"].is_u64());
    assert_eq!(docs[0]["_source"], json!({"n": 1, "user": "alice"}));
    assert_eq!(docs[1]["_source"], json!({"user": "carol"}));
    assert_eq!(
        docs[2],
        json!({"_index": "logs-a", "_id": "9", "found": false})
    );
    assert_eq!(docs[3]["_index"], "nope");
    assert_eq!(docs[3]["_id"], "1");
    assert_eq!(docs[3]["error"]["type"], "index_not_found_exception");
    assert_eq!(docs[3]["error"]["reason"], "no such index [nope]");
    assert_eq!(
        docs[3]["error"]["root_cause"][0]["type"],
        "index_not_found_exception"
    );
    assert_eq!(docs[4]["found"], true);
    assert!(docs[4].get("_source").is_none());

    // `ids` with the path's index.
    let (status, body) = call_json(
        &f,
        "GET",
        "/logs-a/_mget",
        &elastic(),
        json!({"ids": ["3", "2"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["docs"][0]["_id"], "3");
    assert_eq!(body["docs"][1]["_source"]["user"], "bob");
}

#[tokio::test]
async fn mget_request_errors() {
    let f = setup().await;
    let e = elastic();
    let (status, body) = call_json(&f, "POST", "/_mget", &e, json!({"docs": []})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "action_request_validation_exception");
    assert_eq!(
        body["error"]["reason"],
        "Validation Failed: 1: no documents to get;"
    );
    let (status, body) = call_json(
        &f,
        "POST",
        "/_mget",
        &e,
        json!({"docs": [{"_id": "1"}, {"_index": "logs-a"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "Validation Failed: 1: index is missing for doc 0;2: id is missing for doc 1;"
    );
    let (status, body) = call_json(&f, "POST", "/_mget", &e, json!({"ids": ["1"]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "Validation Failed: 1: index is missing for doc 0;"
    );
    let (status, body) = call_json(&f, "POST", "/_mget", &e, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "parse_exception");
    assert_eq!(
        body["error"]["reason"],
        "request body or source parameter is required"
    );
    let (status, body) = call_json(&f, "POST", "/_mget", &e, json!({"dox": []})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "parse_exception");
}

#[tokio::test]
async fn mget_applies_document_and_field_security_and_denies_per_document() {
    let f = setup().await;
    let (status, body) = call_json(
        &f,
        "POST",
        "/_mget",
        &bob(),
        json!({"docs": [
            {"_index": "logs-a", "_id": "1"},
            {"_index": "logs-a", "_id": "2"},
            {"_index": "logs-b", "_id": "1"}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let docs = body["docs"].as_array().unwrap();
    // Hidden by the role query: as if it did not exist.
    assert_eq!(
        docs[0],
        json!({"_index": "logs-a", "_id": "1", "found": false})
    );
    // Visible, without the field the role does not grant.
    assert_eq!(docs[1]["_source"], json!({"n": 2, "user": "bob"}));
    // Not authorized: the gate's 403 in the slot, the other documents still read.
    assert_eq!(docs[2]["_index"], "logs-b");
    assert_eq!(docs[2]["error"]["type"], "security_exception");
    let reason = docs[2]["error"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(
            "action [indices:data/read/mget[shard]] is unauthorized for user [bob_reader]"
        ),
        "{reason}"
    );
}

#[tokio::test]
async fn msearch_runs_each_search_on_its_own_indices_with_errors_in_slots() {
    let f = setup().await;
    let body = [
        json!({"index": "logs-a"}).to_string(),
        json!({"query": {"term": {"user": "alice"}}, "sort": [{"n": "asc"}]}).to_string(),
        json!({}).to_string(),
        json!({"size": 0}).to_string(),
        json!({"index": "nope"}).to_string(),
        json!({}).to_string(),
    ]
    .join("\n")
        + "\n";
    let r = call(
        &f,
        "POST",
        "/logs-b/_msearch?rest_total_hits_as_int=true",
        Some(&elastic()),
        Value::String(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert!(v["took"].is_u64());
    let responses = v["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 3);
    assert_eq!(responses[0]["status"], 200);
    assert_eq!(responses[0]["hits"]["total"], 2);
    let ids: Vec<&str> = responses[0]["hits"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "3"]);
    // No index in the header: the path's.
    assert_eq!(responses[1]["hits"]["total"], 1, "{}", responses[1]);
    assert_eq!(responses[1]["hits"]["hits"], json!([]));
    assert_eq!(responses[2]["status"], 404);
    assert_eq!(responses[2]["error"]["type"], "index_not_found_exception");
    assert_eq!(
        responses[2]["error"]["root_cause"][0]["type"],
        "index_not_found_exception"
    );
    assert!(responses[2].get("hits").is_none());
}

#[tokio::test]
async fn msearch_authorizes_each_search_and_applies_role_queries() {
    let f = setup().await;
    let body = [
        json!({"index": "logs-a"}).to_string(),
        json!({}).to_string(),
        json!({"index": "logs-b"}).to_string(),
        json!({}).to_string(),
        json!({"index": "logs-*"}).to_string(),
        json!({"query": {"term": {"secret": "s"}}}).to_string(),
    ]
    .join("\n")
        + "\n";
    let r = call(&f, "POST", "/_msearch", Some(&bob()), Value::String(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let responses = v["responses"].as_array().unwrap();
    // Only bob's document, without the field the role hides.
    assert_eq!(responses[0]["hits"]["total"]["value"], 1);
    assert_eq!(
        responses[0]["hits"]["hits"][0]["_source"],
        json!({"n": 2, "user": "bob"})
    );
    assert_eq!(responses[1]["status"], 403);
    assert_eq!(responses[1]["error"]["type"], "security_exception");
    // A wildcard reaches only what the caller may read; a hidden field matches nothing.
    assert_eq!(responses[2]["status"], 200);
    assert_eq!(responses[2]["hits"]["total"]["value"], 0);
}

#[tokio::test]
async fn msearch_request_errors() {
    let f = setup().await;
    let e = elastic();
    let r = call(
        &f,
        "POST",
        "/_msearch",
        Some(&e),
        Value::String(String::new()),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(
        r.json()["error"]["reason"],
        "Validation Failed: 1: no requests added;"
    );
    let r = call(
        &f,
        "POST",
        "/_msearch",
        Some(&e),
        Value::String("{}\n{\"query\":{\"bogus\":{}}}\n".into()),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["error"]["type"], "parsing_exception");
    let r = call(
        &f,
        "POST",
        "/_msearch",
        Some(&e),
        Value::String("{}\n{}".into()),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(
        r.json()["error"]["reason"],
        "The msearch request must be terminated by a newline [\n]"
    );
}
