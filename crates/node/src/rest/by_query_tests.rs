//! `_delete_by_query` and `_update_by_query`: what they find and change, `max_docs`,
//! `conflicts`, `refresh`, the response's counts, request errors, and authorization of the
//! request, its search (role queries included) and its writes.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::test_support::{Fixture, PASSWORD, basic, call, call_json};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

/// `logs-a` with documents 1..=5 (`n` = id; `kind` odd/even), refreshed; users that may
/// delete without reading, read and delete only `kind: odd` documents, and update.
async fn setup() -> Fixture {
    let f = Fixture::builder()
        .role(
            "delete_only",
            json!({"indices": [{"names": ["logs-*"], "privileges": ["delete"]}]}),
        )
        .user("deleter", &["delete_only"])
        .role(
            "odd_cleaner",
            json!({"indices": [{"names": ["logs-*"], "privileges": ["read", "delete"],
                "query": {"term": {"kind": "odd"}}}]}),
        )
        .user("cleaner", &["odd_cleaner"])
        .build();
    let mut body = String::new();
    for n in 1..=5u64 {
        let kind = if n % 2 == 1 { "odd" } else { "even" };
        body.push_str(&json!({"index": {"_index": "logs-a", "_id": n.to_string()}}).to_string());
        body.push('\n');
        body.push_str(&json!({"n": n, "kind": kind}).to_string());
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

async fn count(f: &Fixture, index: &str) -> u64 {
    let (_, body) = call_json(
        f,
        "GET",
        &format!("/{index}/_count"),
        &elastic(),
        Value::Null,
    )
    .await;
    body["count"].as_u64().unwrap()
}

#[tokio::test]
async fn delete_by_query_deletes_what_matches_and_counts_it() {
    let f = setup().await;
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query?refresh=true",
        &elastic(),
        json!({"query": {"range": {"n": {"gte": 2}}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 4);
    assert_eq!(body["deleted"], 4);
    assert_eq!(body["batches"], 1);
    assert_eq!(body["version_conflicts"], 0);
    assert_eq!(body["noops"], 0);
    assert_eq!(body["failures"], json!([]));
    assert_eq!(body["timed_out"], false);
    assert_eq!(body["requests_per_second"], -1.0);
    assert_eq!(body["retries"], json!({"bulk": 0, "search": 0}));
    assert!(body.get("updated").is_none());
    assert_eq!(count(&f, "logs-a").await, 1);
    let (status, _) = call_json(&f, "GET", "/logs-a/_doc/1", &elastic(), Value::Null).await;
    assert_eq!(status, StatusCode::OK);

    // `max_docs` and `q`.
    let f = setup().await;
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-*/_delete_by_query?max_docs=2&refresh&q=kind:odd",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["total"].as_u64(), body["deleted"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(count(&f, "logs-a").await, 3);

    // Nothing matches: nothing done, no batch.
    let (_, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query",
        &elastic(),
        json!({"query": {"term": {"kind": "none"}}}),
    )
    .await;
    assert_eq!(
        (body["total"].as_u64(), body["batches"].as_u64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn update_by_query_reindexes_each_document_and_moves_its_version() {
    let f = setup().await;
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_update_by_query?refresh=true&conflicts=proceed",
        &elastic(),
        json!({"query": {"term": {"kind": "even"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2);
    assert_eq!(body["updated"], 2);
    assert_eq!(body["deleted"], 0);
    let (_, doc) = call_json(&f, "GET", "/logs-a/_doc/2", &elastic(), Value::Null).await;
    assert_eq!(doc["_version"], 2);
    assert_eq!(doc["_source"], json!({"n": 2, "kind": "even"}));
    let (_, doc) = call_json(&f, "GET", "/logs-a/_doc/1", &elastic(), Value::Null).await;
    assert_eq!(doc["_version"], 1);
    // Without a body: every document.
    let (_, body) = call_json(
        &f,
        "POST",
        "/logs-a/_update_by_query",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(body["updated"], 5, "{body}");
}

#[tokio::test]
async fn a_document_changed_after_the_search_is_a_version_conflict() {
    let f = setup().await;
    // A write that is not yet searchable: the search sees the old `_seq_no`.
    let r = call(
        &f,
        "PUT",
        "/logs-a/_doc/3?refresh=false",
        Some(&elastic()),
        json!({"n": 3, "kind": "odd", "changed": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query",
        &elastic(),
        json!({"query": {"term": {"kind": "odd"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["version_conflicts"], 1);
    let failure = &body["failures"][0];
    assert_eq!(failure["index"], "logs-a");
    assert_eq!(failure["id"], "3");
    assert_eq!(failure["status"], 409);
    assert_eq!(
        failure["cause"]["type"],
        "version_conflict_engine_exception"
    );

    let f = setup().await;
    let r = call(
        &f,
        "PUT",
        "/logs-a/_doc/3?refresh=false",
        Some(&elastic()),
        json!({"n": 3, "kind": "odd", "changed": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query?conflicts=proceed",
        &elastic(),
        json!({"query": {"term": {"kind": "odd"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 3);
    assert_eq!(body["deleted"], 2);
    assert_eq!(body["version_conflicts"], 1);
    assert_eq!(body["failures"], json!([]));
    let (status, _) = call_json(&f, "GET", "/logs-a/_doc/3", &elastic(), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn by_query_request_errors() {
    let f = setup().await;
    let e = elastic();
    let (status, body) = call_json(&f, "POST", "/logs-a/_delete_by_query", &e, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "Validation Failed: 1: query is missing;"
    );
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query?conflicts=maybe",
        &e,
        json!({"query": {"match_all": {}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "conflicts may only be \"proceed\" or \"abort\" but was [maybe]"
    );
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query",
        &e,
        json!({"query": {"match_all": {}}, "max_docs": -1}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "[max_docs] parameter cannot be negative, found [-1]"
    );
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_update_by_query",
        &e,
        json!({"script": {"source": "ctx._source.n++"}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("scripts are not supported")
    );
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query",
        &e,
        json!({"query": {"bogus": {}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "parsing_exception");
    let (status, body) = call_json(
        &f,
        "POST",
        "/nope/_delete_by_query",
        &e,
        json!({"query": {"match_all": {}}}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["type"], "index_not_found_exception");
    // No task API: a request that would leave the work to a task is refused, not started.
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query?wait_for_completion=false",
        &e,
        json!({"query": {"match_all": {}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "illegal_argument_exception");
    assert_eq!(count(&f, "logs-a").await, 5);
}

#[tokio::test]
async fn by_query_needs_read_for_its_search_and_deletes_only_what_role_queries_show() {
    let f = setup().await;
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query",
        &basic("deleter", PASSWORD),
        json!({"query": {"match_all": {}}}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("action [indices:data/read/search] is unauthorized for user [deleter]"),
        "{body}"
    );
    assert_eq!(count(&f, "logs-a").await, 5);

    let (status, body) = call_json(
        &f,
        "POST",
        "/logs-a/_delete_by_query?refresh=true",
        &basic("cleaner", PASSWORD),
        json!({"query": {"match_all": {}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["deleted"], 3);
    assert_eq!(count(&f, "logs-a").await, 2);

    // `delete` does not grant re-indexing.
    let (status, _) = call_json(
        &f,
        "POST",
        "/logs-a/_update_by_query",
        &basic("cleaner", PASSWORD),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn by_query_pages_through_more_documents_than_one_batch() {
    let f = Fixture::builder().build();
    let mut body = String::new();
    for n in 0..2500u64 {
        body.push_str(&json!({"index": {"_index": "many", "_id": n.to_string()}}).to_string());
        body.push('\n');
        body.push_str(&json!({"n": n}).to_string());
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
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["errors"], false);
    let (status, body) = call_json(
        &f,
        "POST",
        "/many/_update_by_query?refresh=true",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2500);
    assert_eq!(body["updated"], 2500);
    assert_eq!(body["batches"], 3);
    let (_, doc) = call_json(&f, "GET", "/many/_doc/2499", &elastic(), Value::Null).await;
    assert_eq!(doc["_version"], 2);

    let (status, body) = call_json(
        &f,
        "POST",
        "/many/_delete_by_query?refresh=true",
        &elastic(),
        json!({"query": {"range": {"n": {"gte": 100}}}, "max_docs": 1200}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 1200);
    assert_eq!(body["deleted"], 1200);
    assert_eq!(body["batches"], 2);
    assert_eq!(count(&f, "many").await, 1300);
}
