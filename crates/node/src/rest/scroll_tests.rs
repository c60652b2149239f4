use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::test_support::call_json;
use crate::rest::test_support::{Fixture, PASSWORD, basic};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

/// `s-1` with `count` documents: `n` 0.., `team` blue for even `n`, red for odd.
async fn fixture(count: usize) -> Fixture {
    let f = Fixture::builder()
        .user("reader", &["reader"])
        .user("blue", &["blue"])
        .user("other", &["other"])
        .role(
            "reader",
            json!({"indices": [{"names": ["s-*"], "privileges": ["read"]}]}),
        )
        .role(
            "blue",
            json!({"indices": [{"names": ["s-*"], "privileges": ["read"], "query": {"term": {"team": "blue"}}}]}),
        )
        .role(
            "other",
            json!({"indices": [{"names": ["other-*"], "privileges": ["read"]}]}),
        )
        .build();
    let mut lines = String::new();
    for n in 0..count {
        lines.push_str(&json!({"index": {"_index": "s-1", "_id": format!("d{n}")}}).to_string());
        lines.push('\n');
        let team = if n % 2 == 0 { "blue" } else { "red" };
        lines.push_str(&json!({"n": n, "team": team}).to_string());
        lines.push('\n');
    }
    let (status, body) = call_json(
        &f,
        "POST",
        "/_bulk?refresh=true",
        &elastic(),
        Value::String(lines),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"], false, "{body}");
    f
}

fn ids(body: &Value) -> Vec<String> {
    body["hits"]["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .map(|h| h["_id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_scroll_pages_through_what_the_first_search_saw() {
    let f = fixture(25).await;
    let (status, first) = call_json(
        &f,
        "GET",
        "/s-1/_search?scroll=1m&size=10",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let id = first["_scroll_id"].as_str().unwrap().to_string();
    assert_eq!(
        first.as_object().unwrap().keys().next().map(String::as_str),
        Some("_scroll_id")
    );
    assert_eq!(first["hits"]["total"]["value"], 25);
    assert!(first["hits"]["hits"][0].get("sort").is_none(), "{first}");
    let mut seen = ids(&first);
    let search_stats = async || {
        let (status, body) = call_json(
            &f,
            "GET",
            "/_nodes/stats/indices/search",
            &elastic(),
            Value::Null,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let node = body["nodes"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .clone();
        node["indices"]["search"].clone()
    };
    assert_eq!(search_stats().await["scroll_current"], 1);
    // Writes after the scroll began are not in it.
    let (status, _) = call_json(
        &f,
        "PUT",
        "/s-1/_doc/late?refresh=true",
        &elastic(),
        json!({"n": 99}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut pages = 1;
    loop {
        let (status, page) = call_json(
            &f,
            "POST",
            "/_search/scroll",
            &elastic(),
            json!({"scroll": "1m", "scroll_id": id}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["_scroll_id"], id.as_str());
        assert_eq!(page["hits"]["total"]["value"], 25, "{page}");
        let got = ids(&page);
        if got.is_empty() {
            break;
        }
        pages += 1;
        seen.extend(got);
        assert!(pages < 10, "{seen:?}");
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 25, "{seen:?}");
    assert!(!seen.contains(&"late".to_string()));

    // Only its owner may use or clear it; to anyone else it does not exist.
    let reader = basic("reader", PASSWORD);
    let (status, body) = call_json(
        &f,
        "GET",
        &format!("/_search/scroll?scroll_id={id}"),
        &reader,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["type"], "search_context_missing_exception");
    assert_eq!(
        body["error"]["reason"],
        format!("No search context found for id [{id}]")
    );
    let (status, body) = call_json(
        &f,
        "DELETE",
        "/_search/scroll",
        &reader,
        json!({"scroll_id": [id]}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"succeeded": true, "num_freed": 0}));
    let (status, body) = call_json(
        &f,
        "DELETE",
        "/_search/scroll",
        &elastic(),
        json!({"scroll_id": id}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"succeeded": true, "num_freed": 1}));
    let stats = search_stats().await;
    assert_eq!(stats["scroll_current"], 0, "{stats}");
    assert_eq!(stats["scroll_total"], 1, "{stats}");
    let (status, _) = call_json(
        &f,
        "POST",
        "/_search/scroll",
        &elastic(),
        json!({"scroll": "1m", "scroll_id": id}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn scrolls_keep_the_sort_asked_for_and_document_level_security() {
    let f = fixture(12).await;
    let blue = basic("blue", PASSWORD);
    let (status, first) = call_json(
        &f,
        "POST",
        "/s-*/_search?scroll=30s&size=4",
        &blue,
        json!({"sort": [{"n": "desc"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["hits"]["total"]["value"], 6);
    assert_eq!(first["hits"]["hits"][0]["sort"], json!([10]), "{first}");
    let id = first["_scroll_id"].as_str().unwrap().to_string();
    let (_, second) = call_json(
        &f,
        "GET",
        &format!("/_search/scroll/{id}?scroll=30s"),
        &blue,
        Value::Null,
    )
    .await;
    let mut all = ids(&first);
    all.extend(ids(&second));
    assert_eq!(all, ["d10", "d8", "d6", "d4", "d2", "d0"]);
    // `_all` clears the caller's scrolls.
    let (status, body) = call_json(&f, "DELETE", "/_search/scroll/_all", &blue, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["num_freed"], 1);
    // Errors as Elasticsearch words them.
    let (status, body) =
        call_json(&f, "GET", "/s-1/_search?scroll=2d", &elastic(), Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Keep alive for request (2d) is too large."),
        "{body}"
    );
    let (status, body) = call_json(
        &f,
        "GET",
        "/s-1/_search?scroll=1m&from=5",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("using [from] is not allowed in a scroll context"),
        "{body}"
    );
}

#[tokio::test]
async fn a_point_in_time_is_searched_with_search_after() {
    let f = fixture(7).await;
    let reader = basic("reader", PASSWORD);
    let (status, body) = call_json(&f, "POST", "/s-1/_pit", &reader, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "Validation Failed: 1: [keep_alive] is not specified;"
    );
    let (status, body) =
        call_json(&f, "POST", "/s-1/_pit?keep_alive=1m", &reader, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["_shards"]["total"], 1);
    let pit = body["id"].as_str().unwrap().to_string();
    let (status, _) = call_json(
        &f,
        "PUT",
        "/s-1/_doc/late?refresh=true",
        &elastic(),
        json!({"n": 100}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut request =
        json!({"pit": {"id": pit, "keep_alive": "1m"}, "size": 3, "sort": [{"n": "asc"}]});
    let mut seen = Vec::new();
    for _ in 0..5 {
        let (status, page) = call_json(&f, "POST", "/_search", &reader, request.clone()).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["pit_id"], pit.as_str());
        assert_eq!(page["hits"]["total"]["value"], 7);
        let hits = page["hits"]["hits"].as_array().unwrap().clone();
        let Some(last) = hits.last() else { break };
        assert_eq!(
            last["sort"].as_array().map(Vec::len),
            Some(2),
            "n, then _shard_doc"
        );
        seen.extend(ids(&page));
        request["search_after"] = last["sort"].clone();
    }
    assert_eq!(seen, ["d0", "d1", "d2", "d3", "d4", "d5", "d6"]);
    // The indices come from the id: naming them too is refused.
    let (status, body) = call_json(
        &f,
        "POST",
        "/s-1/_search",
        &reader,
        json!({"pit": {"id": pit}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("[indices] cannot be used with point in time"),
        "{body}"
    );
    // Its indices are authorized as if named: without read on them, a 403.
    let other = basic("other", PASSWORD);
    let (status, body) =
        call_json(&f, "POST", "/_search", &other, json!({"pit": {"id": pit}})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // The elastic superuser may read s-1, but the point in time is the reader's.
    let (status, _) = call_json(
        &f,
        "POST",
        "/_search",
        &elastic(),
        json!({"pit": {"id": pit}}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // `_shard_doc` needs a point in time.
    let (status, _) = call_json(
        &f,
        "POST",
        "/s-1/_search",
        &reader,
        json!({"sort": ["_shard_doc"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = call_json(&f, "DELETE", "/_pit", &reader, json!({"id": pit})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"succeeded": true, "num_freed": 1}));
    let (status, body) =
        call_json(&f, "POST", "/_search", &reader, json!({"pit": {"id": pit}})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["type"], "search_context_missing_exception");
    // A forged id names nothing open.
    let (status, _) = call_json(
        &f,
        "POST",
        "/_search",
        &reader,
        json!({"pit": {"id": "bm90LWFuLWlk"}}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
