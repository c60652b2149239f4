//! `_stats`, the store's `_cat` tables, `_cluster/health` per index and `_cluster/state`:
//! shapes, figures, errors and what each caller may see.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::test_support::{Fixture, PASSWORD, basic, call, call_json};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

/// Creates `name` with `settings` through the store, as `PUT /<name>` would.
fn create(f: &Fixture, name: &str, settings: Value) {
    f.state
        .store
        .as_ref()
        .unwrap()
        .create_index(name, &json!({"settings": settings}))
        .unwrap();
}

/// Indexes `docs` into `index` with `refresh=true`.
async fn index_docs(f: &Fixture, index: &str, docs: &[Value]) {
    let mut body = String::new();
    for d in docs {
        body.push_str(&json!({"index": {"_index": index}}).to_string());
        body.push('\n');
        body.push_str(&d.to_string());
        body.push('\n');
    }
    let r = call(
        f,
        "POST",
        "/_bulk?refresh=true",
        Some(&elastic()),
        Value::String(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["errors"], false, "{}", r.text());
}

/// `logs-a` (one replica wanted: yellow) with 3 documents, `logs-b` (no replica: green) with
/// 1, `.hidden-x` (hidden, green) with 1.
async fn three_indices(f: &Fixture) {
    create(f, "logs-a", json!({}));
    create(f, "logs-b", json!({"number_of_replicas": 0}));
    create(
        f,
        ".hidden-x",
        json!({"number_of_replicas": 0, "hidden": true}),
    );
    index_docs(
        f,
        "logs-a",
        &[json!({"n": 1}), json!({"n": 2}), json!({"n": 3})],
    )
    .await;
    index_docs(f, "logs-b", &[json!({"n": 1, "user": "bob"})]).await;
    index_docs(f, ".hidden-x", &[json!({"n": 1})]).await;
}

async fn get_text(f: &Fixture, uri: &str, auth: &str) -> (StatusCode, String) {
    let r = call(f, "GET", uri, Some(auth), Value::Null).await;
    (r.status, r.text())
}

#[tokio::test]
async fn cat_indices_json_has_the_default_columns_as_strings() {
    let f = Fixture::builder().build();
    three_indices(&f).await;
    let (status, body) = call_json(
        &f,
        "GET",
        "/_cat/indices?format=json&bytes=b",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rows = body.as_array().unwrap();
    // Hidden indices only when asked for; rows by name.
    let names: Vec<&str> = rows.iter().map(|r| r["index"].as_str().unwrap()).collect();
    assert_eq!(names, ["logs-a", "logs-b"]);
    let a = rows[0].as_object().unwrap();
    let keys: Vec<&str> = a.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "health",
            "status",
            "index",
            "uuid",
            "pri",
            "rep",
            "docs.count",
            "docs.deleted",
            "store.size",
            "pri.store.size",
            "dataset.size"
        ]
    );
    assert!(a.values().all(Value::is_string), "{a:?}");
    assert_eq!(a["health"], "yellow");
    assert_eq!(a["status"], "open");
    assert_eq!(a["pri"], "1");
    assert_eq!(a["rep"], "1");
    assert_eq!(a["docs.count"], "3");
    assert_eq!(a["docs.deleted"], "0");
    let size: u64 = a["store.size"].as_str().unwrap().parse().unwrap();
    assert!(size > 0);
    assert_eq!(a["pri.store.size"], a["store.size"]);
    assert_eq!(rows[1]["health"], "green");
    assert_eq!(rows[1]["rep"], "0");
    assert_eq!(rows[1]["docs.count"], "1");
    let uuid = &f.state.store.as_ref().unwrap().concrete()[..]
        .iter()
        .find(|c| c.name == "logs-a")
        .unwrap()
        .uuid
        .clone();
    assert_eq!(a["uuid"], json!(uuid));

    // Human sizes without `bytes`; hidden indices with `expand_wildcards=all`.
    let (_, body) = call_json(
        &f,
        "GET",
        "/_cat/indices?format=json&expand_wildcards=all&h=index,store.size",
        &elastic(),
        Value::Null,
    )
    .await;
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["index"].as_str().unwrap())
        .collect();
    // The node's own security indices are hidden indices too, as in Elasticsearch.
    assert_eq!(
        names,
        [
            ".hidden-x",
            ".security-7",
            ".security-tokens-7",
            "logs-a",
            "logs-b"
        ]
    );
    let human = body[3]["store.size"].as_str().unwrap();
    assert!(human.ends_with("kb") || human.ends_with('b'), "{human}");
    assert!(human.parse::<u64>().is_err(), "{human}");
}

#[tokio::test]
async fn cat_indices_text_sorting_aliases_help_and_health_filter() {
    let f = Fixture::builder().build();
    three_indices(&f).await;
    let e = elastic();
    let (status, text) = get_text(
        &f,
        "/_cat/indices?v&h=index,docs.count&s=docs.count:desc",
        &e,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // `docs.count` is right-aligned, its header too; the last column is not padded.
    assert_eq!(
        text,
        "index  docs.count\nlogs-a          3\nlogs-b          1\n"
    );
    let (_, text) = get_text(&f, "/_cat/indices?h=i,dc&s=i:desc&v", &e).await;
    assert_eq!(text, "i      dc\nlogs-b  1\nlogs-a  3\n");
    let (_, text) = get_text(&f, "/_cat/indices?h=index&health=green", &e).await;
    assert_eq!(text, "logs-b\n");
    let (_, text) = get_text(
        &f,
        "/_cat/indices/logs-*?h=index,store.size&pri&bytes=b&s=index",
        &e,
    )
    .await;
    let first: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(first.len(), 3, "{text}");
    assert_eq!(first[1], first[2]);
    let (_, text) = get_text(&f, "/_cat/indices?help", &e).await;
    assert!(text.starts_with("health "), "{text}");
    assert!(text.contains("| dc,docsCount "), "{text}");
    assert!(text.contains("| available docs"), "{text}");
    let (_, text) = get_text(
        &f,
        "/_cat/indices/logs-a?h=indexing.index_total,search.query_total,creation.date.string",
        &e,
    )
    .await;
    let cells: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(cells[0], "3", "{text}");
    assert!(cells[2].ends_with('Z') && cells[2].contains('T'), "{text}");

    let (status, body) = call_json(&f, "GET", "/_cat/indices?s=nope", &e, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "Unable to sort by unknown sort key `nope`"
    );
    let (status, body) = call_json(&f, "GET", "/_cat/indices?health=blue", &e, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "unknown cluster health status [blue]"
    );
    let (status, body) = call_json(&f, "GET", "/_cat/indices/nope", &e, Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["type"], "index_not_found_exception");
}

#[tokio::test]
async fn cat_tables_show_only_what_the_caller_may_monitor() {
    let f = Fixture::builder()
        .role(
            "logs_a_monitor",
            json!({"cluster": ["monitor"], "indices": [{"names": ["logs-a"], "privileges": ["monitor"]}]}),
        )
        .role(
            "index_monitor_only",
            json!({"indices": [{"names": ["logs-*"], "privileges": ["monitor"]}]}),
        )
        .user("watcher", &["logs_a_monitor"])
        .user("half", &["index_monitor_only"])
        .build();
    three_indices(&f).await;
    let watcher = basic("watcher", PASSWORD);
    let (status, text) = get_text(&f, "/_cat/indices?h=index", &watcher).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "logs-a\n"));
    let (_, text) = get_text(&f, "/_cat/indices/logs-*?h=index", &watcher).await;
    assert_eq!(text, "logs-a\n");
    let (_, text) = get_text(&f, "/_cat/shards?h=index,prirep,state", &watcher).await;
    assert_eq!(text, "logs-a p STARTED\nlogs-a r UNASSIGNED\n");
    let (status, body) = call_json(&f, "GET", "/_cat/indices/logs-b", &watcher, Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("action [indices:monitor/stats] is unauthorized for user [watcher]"),
        "{body}"
    );
    // The cluster state is read too: index privileges alone are not enough.
    let (status, body) = call_json(
        &f,
        "GET",
        "/_cat/indices",
        &basic("half", PASSWORD),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("action [cluster:monitor/state] is unauthorized for user [half]"),
        "{body}"
    );
}

#[tokio::test]
async fn cat_count_aliases_shards_segments_and_templates() {
    let f = Fixture::builder()
        .role(
            "bob_only",
            json!({"indices": [{"names": ["logs-*"], "privileges": ["read"], "query": {"term": {"user": "bob"}}}]}),
        )
        .user("reader", &["bob_only"])
        .build();
    three_indices(&f).await;
    let e = elastic();
    let store = f.state.store.as_ref().unwrap().clone();
    store
        .update_aliases(&json!({"actions": [
            {"add": {"index": "logs-a", "alias": "all-logs", "is_write_index": true}},
            {"add": {"index": "logs-b", "alias": "all-logs", "filter": {"term": {"n": 1}}}}
        ]}))
        .unwrap();
    store
        .put_index_template(
            "logs-template",
            &json!({"index_patterns": ["logs-*", "app-*"], "priority": 7, "version": 3}),
            false,
        )
        .unwrap();

    let (_, text) = get_text(&f, "/_cat/count/logs-*?h=count", &e).await;
    assert_eq!(text, "4\n");
    // Hidden indices are not counted without `expand_wildcards`.
    let (_, text) = get_text(&f, "/_cat/count?h=count&q=n:1", &e).await;
    assert_eq!(text, "2\n");
    let (_, body) = call_json(&f, "GET", "/_cat/count?format=json", &e, Value::Null).await;
    let keys: Vec<&String> = body[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["epoch", "timestamp", "count"]);
    assert_eq!(body[0]["count"], "4");
    // Document-level security counts what the caller may read.
    let (_, text) = get_text(&f, "/_cat/count/logs-*?h=count", &basic("reader", PASSWORD)).await;
    assert_eq!(text, "1\n");

    let (_, text) = get_text(&f, "/_cat/aliases?v", &e).await;
    assert_eq!(
        text,
        "alias            index              filter routing.index routing.search is_write_index\n\
         .security        .security-7        -      -             -              -\n\
         .security-tokens .security-tokens-7 -      -             -              -\n\
         all-logs         logs-a             -      -             -              true\n\
         all-logs         logs-b             *      -             -              -\n"
    );
    let (_, text) = get_text(&f, "/_cat/aliases/nothing*", &e).await;
    assert_eq!(text, "");

    let (_, body) = call_json(
        &f,
        "GET",
        "/_cat/shards/logs-*?format=json&bytes=b",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(body.as_array().unwrap().len(), 3, "{body}");
    assert_eq!(body[0]["index"], "logs-a");
    assert_eq!(body[0]["prirep"], "p");
    assert_eq!(body[0]["docs"], "3");
    assert_eq!(body[0]["node"], "node-1");
    assert_eq!(body[1]["prirep"], "r");
    assert_eq!(body[1]["state"], "UNASSIGNED");
    assert_eq!(body[1]["docs"], Value::Null);
    assert_eq!(body[1]["node"], Value::Null);
    assert_eq!(body[2]["index"], "logs-b");

    let (_, body) = call_json(
        &f,
        "GET",
        "/_cat/segments/logs-a?format=json",
        &e,
        Value::Null,
    )
    .await;
    let segments = body.as_array().unwrap();
    assert!(!segments.is_empty());
    let docs: u64 = segments
        .iter()
        .map(|s| s["docs.count"].as_str().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(docs, 3);
    assert_eq!(segments[0]["segment"], "_0");
    assert_eq!(segments[0]["generation"], "0");
    assert_eq!(segments[0]["committed"], "true");
    assert_eq!(segments[0]["searchable"], "true");
    assert_eq!(segments[0]["prirep"], "p");

    let (_, text) = get_text(&f, "/_cat/templates?v", &e).await;
    assert_eq!(
        text,
        "name          index_patterns  order version composed_of\n\
         logs-template [logs-*, app-*]     7       3 []\n"
    );
    let (_, text) = get_text(&f, "/_cat/templates/nothing*", &e).await;
    assert_eq!(text, "");
}

#[tokio::test]
async fn index_stats_have_common_stats_per_index_and_summed() {
    let f = Fixture::builder().build();
    three_indices(&f).await;
    let e = elastic();
    let (status, body) = call_json(&f, "GET", "/_stats", &e, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    // logs-a wants a replica no node holds; the hidden index is not in `_all`.
    assert_eq!(
        body["_shards"],
        json!({"total": 3, "successful": 2, "failed": 0})
    );
    let all = &body["_all"]["primaries"];
    assert_eq!(all["docs"]["count"], 4);
    assert_eq!(all["indexing"]["index_total"], 4);
    assert_eq!(all["shard_stats"]["total_count"], 2);
    assert_eq!(body["_all"]["total"], body["_all"]["primaries"]);
    let a = &body["indices"]["logs-a"];
    assert_eq!(a["health"], "yellow");
    assert_eq!(a["status"], "open");
    assert!(a["uuid"].is_string());
    assert_eq!(a["primaries"]["docs"]["count"], 3);
    assert!(a["primaries"]["store"]["size_in_bytes"].as_u64().unwrap() > 0);
    assert!(a["primaries"]["refresh"]["total"].as_u64().unwrap() >= 1);
    assert!(a["primaries"]["segments"]["count"].as_u64().unwrap() >= 1);
    assert_eq!(a["primaries"]["mappings"]["total_count"], 1);
    // `_all` in the expression reaches hidden indices only with expand_wildcards.
    assert!(body["indices"].get(".hidden-x").is_none());

    let (_, body) = call_json(
        &f,
        "GET",
        "/logs-b/_stats/docs,store?human",
        &e,
        Value::Null,
    )
    .await;
    let sections: Vec<&String> = body["indices"]["logs-b"]["primaries"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(sections, ["docs", "store"]);
    assert!(body["indices"]["logs-b"]["primaries"]["store"]["size"].is_string());
    assert_eq!(body["indices"].as_object().unwrap().len(), 1);

    let (_, body) = call_json(&f, "GET", "/_stats?level=cluster", &e, Value::Null).await;
    assert!(body.get("indices").is_none());
    let (_, body) = call_json(
        &f,
        "GET",
        "/logs-a/_stats/docs?level=shards",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(
        body["indices"]["logs-a"]["shards"]["0"][0]["routing"]["state"],
        "STARTED"
    );

    let (status, body) = call_json(&f, "GET", "/_stats/doc", &e, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "request [/_stats/doc] contains unrecognized metric: [doc] -> did you mean [docs]?"
    );
    let (status, body) = call_json(&f, "GET", "/_stats/_all,docs", &e, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "request [/_stats/_all,docs] contains _all and individual metrics [_all,docs]"
    );
    let (status, _) = call_json(&f, "GET", "/_stats?level=node", &e, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call_json(&f, "GET", "/nope/_stats", &e, Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cluster_health_counts_shards_and_reports_each_index() {
    let f = Fixture::builder()
        .role(
            "watch_b",
            json!({"cluster": ["monitor"], "indices": [{"names": ["logs-b"], "privileges": ["monitor"]}]}),
        )
        .user("watcher", &["watch_b"])
        .build();
    let e = elastic();
    let (_, body) = call_json(&f, "GET", "/_cluster/health", &e, Value::Null).await;
    assert_eq!(body["status"], "green");
    // The security indices' primaries (their replicas auto-expand to none on one node).
    assert_eq!(body["active_shards"], 2);
    three_indices(&f).await;
    let (status, body) =
        call_json(&f, "GET", "/_cluster/health?level=indices", &e, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "yellow");
    // Three indices and the two security indices.
    assert_eq!(body["active_primary_shards"], 5);
    assert_eq!(body["active_shards"], 5);
    assert_eq!(body["unassigned_shards"], 1);
    assert_eq!(body["active_shards_percent_as_number"], 500.0 / 6.0);
    let a = &body["indices"]["logs-a"];
    assert_eq!(a["status"], "yellow");
    assert_eq!(a["number_of_shards"], 1);
    assert_eq!(a["number_of_replicas"], 1);
    assert_eq!(a["unassigned_shards"], 1);
    assert!(a.get("shards").is_none());
    assert_eq!(body["indices"][".hidden-x"]["status"], "green");
    let (_, body) = call_json(
        &f,
        "GET",
        "/_cluster/health/logs-b?level=shards",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(body["status"], "green");
    assert_eq!(body["active_shards"], 1);
    assert_eq!(
        body["indices"]["logs-b"]["shards"]["0"]["primary_active"],
        true
    );
    assert_eq!(body["indices"].as_object().unwrap().len(), 1);
    // The caller sees the indices it may monitor.
    let (_, body) = call_json(
        &f,
        "GET",
        "/_cluster/health?level=indices",
        &basic("watcher", PASSWORD),
        Value::Null,
    )
    .await;
    let names: Vec<&String> = body["indices"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["logs-b"]);

    // Waiting for green while an index wants a replica times out; a green index answers.
    let started = std::time::Instant::now();
    let (status, body) = call_json(
        &f,
        "GET",
        "/_cluster/health?wait_for_status=green&timeout=300ms",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(
        (body["status"].as_str(), body["timed_out"].as_bool()),
        (Some("yellow"), Some(true))
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    let (status, _) = call_json(
        &f,
        "GET",
        "/_cluster/health/logs-b?wait_for_status=green&timeout=5s",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // A missing index is red and waited for.
    let (status, body) = call_json(
        &f,
        "GET",
        "/_cluster/health/nope?timeout=100ms",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(body["status"], "red");
    // The wait ends when the index appears.
    let waiting = {
        let router = f.router.clone();
        tokio::spawn(async move {
            let req = crate::rest::test_support::request(
                "GET",
                "/_cluster/health/later?timeout=10s",
                Some(&basic("elastic", PASSWORD)),
                Value::Null,
            );
            tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap()
                .status()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    create(&f, "later", json!({"number_of_replicas": 0}));
    assert_eq!(waiting.await.unwrap(), StatusCode::OK);
}

#[tokio::test]
async fn cluster_state_has_metadata_routing_and_blocks_for_visible_indices() {
    let f = Fixture::builder()
        .role(
            "watch_b",
            json!({"cluster": ["monitor"], "indices": [{"names": ["logs-b"], "privileges": ["monitor"]}]}),
        )
        .user("watcher", &["watch_b"])
        .build();
    three_indices(&f).await;
    let store = f.state.store.as_ref().unwrap().clone();
    store
        .update_aliases(&json!({"actions": [{"add": {"index": "logs-a", "alias": "al"}}]}))
        .unwrap();
    let e = elastic();
    let (status, body) = call_json(&f, "GET", "/_cluster/state", &e, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "cluster_name",
            "cluster_uuid",
            "version",
            "state_uuid",
            "master_node",
            "blocks",
            "nodes",
            "nodes_versions",
            "nodes_features",
            "metadata",
            "routing_table",
            "routing_nodes"
        ]
    );
    assert_eq!(body["master_node"], "abcdEFGHijklMNOPqrstUV");
    assert_eq!(body["nodes"]["abcdEFGHijklMNOPqrstUV"]["name"], "node-1");
    let a = &body["metadata"]["indices"]["logs-a"];
    assert_eq!(a["state"], "open");
    assert_eq!(a["aliases"], json!(["al"]));
    assert_eq!(a["settings"]["index"]["number_of_shards"], "1");
    assert!(a["mappings"]["_doc"]["properties"]["n"].is_object(), "{a}");
    assert!(body["metadata"]["indices"][".hidden-x"].is_object());
    let copies = &body["routing_table"]["indices"]["logs-a"]["shards"]["0"];
    assert_eq!(copies[0]["state"], "STARTED");
    assert_eq!(copies[0]["primary"], true);
    assert_eq!(copies[1]["state"], "UNASSIGNED");
    assert_eq!(copies[1]["unassigned_info"]["reason"], "INDEX_CREATED");
    assert_eq!(
        body["routing_nodes"]["unassigned"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(body["blocks"], json!({}));

    // The version stays while nothing changes and moves when something does.
    let (_, again) = call_json(&f, "GET", "/_cluster/state/version", &e, Value::Null).await;
    assert_eq!(again["version"], body["version"]);
    assert_eq!(again["state_uuid"], body["state_uuid"]);
    assert!(again.get("metadata").is_none());
    create(&f, "logs-c", json!({}));
    let (_, changed) = call_json(
        &f,
        "GET",
        "/_cluster/state/version,master_node",
        &e,
        Value::Null,
    )
    .await;
    assert!(changed["version"].as_u64() > body["version"].as_u64());
    assert_ne!(changed["state_uuid"], body["state_uuid"]);
    assert_eq!(changed["master_node"], "abcdEFGHijklMNOPqrstUV");

    let (_, only_b) = call_json(
        &f,
        "GET",
        "/_cluster/state/metadata,routing_table/logs-b",
        &e,
        Value::Null,
    )
    .await;
    let names: Vec<&String> = only_b["metadata"]["indices"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(names, ["logs-b"]);
    assert!(only_b.get("nodes").is_none());
    assert!(only_b["routing_table"]["indices"]["logs-b"].is_object());

    let (_, seen) = call_json(
        &f,
        "GET",
        "/_cluster/state/metadata",
        &basic("watcher", PASSWORD),
        Value::Null,
    )
    .await;
    let names: Vec<&String> = seen["metadata"]["indices"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(names, ["logs-b"]);
}
