//! `_cluster/stats`, `_cluster/pending_tasks`, `_cluster/settings`, `_recovery`, and the calls
//! Metricbeat's `elasticsearch` metricsets make of the cluster state, `_stats`, `_settings`
//! and `_nodes/_master`, exactly as they make them (with `filter_path`).

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::count_field_types;
use crate::rest::test_support::{Fixture, PASSWORD, basic, call, call_json};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

async fn get(f: &Fixture, uri: &str) -> (StatusCode, Value) {
    call_json(f, "GET", uri, &elastic(), Value::Null).await
}

/// Indexes `docs` into `index` with `refresh=true` (the index is created on the way).
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

fn create(f: &Fixture, name: &str, body: Value) {
    f.state
        .store
        .as_ref()
        .unwrap()
        .create_index(name, &body)
        .unwrap();
}

#[tokio::test]
async fn cluster_stats_reports_the_stores_real_figures() {
    let f = Fixture::builder().build();
    create(
        &f,
        "logs-a",
        json!({"settings": {"number_of_replicas": 0}, "mappings": {"properties": {"msg": {"type": "text", "fields": {"raw": {"type": "keyword"}}}}}}),
    );
    index_docs(
        &f,
        "logs-a",
        &[json!({"msg": "a", "n": 1}), json!({"msg": "b", "n": 2})],
    )
    .await;
    create(&f, "logs-b", json!({})); // wants a replica: yellow
    index_docs(&f, "logs-b", &[json!({"n": 3})]).await;
    let (status, body) = get(&f, "/_cluster/stats").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["_nodes"],
        json!({"total": 1, "successful": 1, "failed": 0})
    );
    assert_eq!(body["cluster_name"], "test-cluster");
    assert_eq!(body["cluster_uuid"], "3q2Qf0nKQzW8m3t1Zb7Q9A");
    assert!(body["timestamp"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(body["status"], "yellow");
    let indices = &body["indices"];
    let store = f.state.store.as_ref().unwrap();
    let expected = store.concrete().iter().filter(|c| !c.closed).count() as u64;
    assert!(expected >= 2);
    assert_eq!(indices["count"], expected);
    assert_eq!(indices["shards"]["total"], expected);
    assert_eq!(indices["shards"]["primaries"], expected);
    assert_eq!(indices["shards"]["index"]["shards"]["max"], 1);
    // Documents and bytes are the store's: the sum of `_stats` over every index.
    let (_, all) = get(&f, "/_stats/docs,store?expand_wildcards=all").await;
    assert_eq!(
        indices["docs"]["count"],
        all["_all"]["primaries"]["docs"]["count"]
    );
    assert!(indices["docs"]["count"].as_u64().unwrap() >= 3);
    assert_eq!(
        indices["store"]["size_in_bytes"],
        all["_all"]["primaries"]["store"]["size_in_bytes"]
    );
    assert!(indices["store"]["size_in_bytes"].as_u64().unwrap() > 0);
    assert_eq!(indices["fielddata"]["memory_size_in_bytes"], 0);
    assert!(indices["segments"]["count"].as_u64().is_some());
    let types = indices["mappings"]["field_types"].as_array().unwrap();
    let text = types.iter().find(|t| t["name"] == "text").unwrap();
    assert!(text["count"].as_u64().unwrap() >= 1, "{types:?}");
    assert_eq!(indices["versions"][0]["index_count"], expected);
    for key in ["analysis", "completion", "query_cache"] {
        assert!(indices[key].is_object(), "{key}");
    }
    let nodes = &body["nodes"];
    assert_eq!(nodes["count"]["total"], 1);
    assert_eq!(nodes["count"]["master"], 1);
    assert_eq!(nodes["count"]["data"], 1);
    assert_eq!(nodes["count"]["ingest"], 0);
    assert_eq!(
        nodes["versions"],
        json!([ironstack_types::info::ES_VERSION])
    );
    // The process's resident memory in the heap slot, as `_nodes/stats` reports it.
    let used = nodes["jvm"]["mem"]["heap_used_in_bytes"].as_u64().unwrap();
    let max = nodes["jvm"]["mem"]["heap_max_in_bytes"].as_u64().unwrap();
    assert!(used > 1 << 20 && max > 0, "{used} {max}");
    assert!(nodes["jvm"]["max_uptime_in_millis"].as_u64().is_some());
    assert!(nodes["jvm"]["threads"].as_u64().unwrap() >= 1);
    assert!(nodes["os"]["mem"]["total_in_bytes"].as_u64().unwrap() > 0);
    assert!(
        nodes["process"]["open_file_descriptors"]["max"]
            .as_i64()
            .unwrap()
            > 0
    );
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "_nodes",
            "cluster_name",
            "cluster_uuid",
            "timestamp",
            "status",
            "indices",
            "nodes",
            "snapshots",
            "repositories",
            "ccs"
        ]
    );
    for key in [
        "fs",
        "plugins",
        "network_types",
        "discovery_types",
        "packaging_types",
        "ingest",
        "indexing_pressure",
    ] {
        assert!(!nodes[key].is_null(), "{key}");
    }
}

#[tokio::test]
async fn cluster_stats_follow_the_store_and_the_node_filter() {
    let f = Fixture::builder().build();
    let (_, before) = get(&f, "/_cluster/stats").await;
    index_docs(&f, "grow", &[json!({"a": 1}), json!({"a": 2})]).await;
    let (_, after) = get(&f, "/_cluster/stats").await;
    assert_eq!(
        after["indices"]["count"].as_u64().unwrap(),
        before["indices"]["count"].as_u64().unwrap() + 1
    );
    assert_eq!(
        after["indices"]["docs"]["count"].as_u64().unwrap(),
        before["indices"]["docs"]["count"].as_u64().unwrap() + 2
    );
    let (status, local) = get(&f, "/_cluster/stats/nodes/_local").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(local["_nodes"]["total"], 1);
    let (_, none) = get(&f, "/_cluster/stats/nodes/other-node").await;
    assert_eq!(none["_nodes"]["total"], 0);
    // Metricbeat reads it with a filter.
    let (_, filtered) = get(&f, "/_cluster/stats?filter_path=nodes.count.total,status").await;
    let (_, health) = get(&f, "/_cluster/health").await;
    assert_eq!(
        filtered,
        json!({"status": health["status"], "nodes": {"count": {"total": 1}}})
    );
    let (status, _) = get(&f, "/_cluster/stats?timeout=soon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn field_types_count_objects_and_multi_fields() {
    let mut counts = std::collections::BTreeMap::new();
    count_field_types(
        &json!({"properties": {
            "a": {"type": "keyword"},
            "o": {"properties": {"b": {"type": "long"}}},
            "t": {"type": "text", "fields": {"raw": {"type": "keyword"}}}
        }}),
        &mut counts,
    );
    assert_eq!(counts["keyword"], 2);
    assert_eq!(counts["object"], 1);
    assert_eq!(counts["long"], 1);
    assert_eq!(counts["text"], 1);
}

#[tokio::test]
async fn pending_tasks_are_none() {
    let f = Fixture::builder().build();
    assert_eq!(
        get(&f, "/_cluster/pending_tasks").await,
        (StatusCode::OK, json!({"tasks": []}))
    );
    let (status, body) = get(&f, "/_cluster/pending_tasks?master_timeout=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn the_metricsets_cluster_state_and_master_calls() {
    let f = Fixture::builder().build();
    create(&f, "idx", json!({"settings": {"number_of_replicas": 0}}));
    let node_id = f.state.identity.node_id.clone();
    // `GET /_nodes/_master?filter_path=nodes.*.name` and `/_nodes/_local/nodes` ids agree.
    let (status, master) = get(&f, "/_nodes/_master?filter_path=nodes.*.name").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        master,
        json!({"nodes": {node_id.clone(): {"name": "node-1"}}})
    );
    // `scope: node` compares the local node's id with the master's.
    let (status, local) = get(&f, "/_nodes/_local/nodes").await;
    assert_eq!(status, StatusCode::OK, "{local}");
    let info = &local["nodes"][&node_id];
    assert_eq!(info["name"], "node-1");
    assert!(
        info.get("os").is_none() && info.get("http").is_none(),
        "{info}"
    );
    let (_, os_only) = get(&f, "/_nodes/os").await;
    let info = &os_only["nodes"][&node_id];
    assert!(
        info["os"].is_object() && info.get("process").is_none(),
        "{info}"
    );
    let (_, mlock) = get(
        &f,
        &format!("/_nodes/{node_id}?filter_path=nodes.*.process.mlockall"),
    )
    .await;
    assert_eq!(mlock["nodes"][&node_id]["process"]["mlockall"], false);
    let (status, state) = get(
        &f,
        "/_cluster/state/version,master_node,nodes,routing_table",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["master_node"], node_id);
    assert!(state["version"].as_u64().is_some());
    assert!(state["state_uuid"].is_string());
    let node = &state["nodes"][&node_id];
    for key in [
        "name",
        "ephemeral_id",
        "transport_address",
        "attributes",
        "roles",
    ] {
        assert!(!node[key].is_null(), "nodes.<id>.{key}: {node}");
    }
    let shard = &state["routing_table"]["indices"]["idx"]["shards"]["0"][0];
    assert_eq!(shard["state"], "STARTED");
    assert_eq!(shard["primary"], true);
    assert_eq!(shard["node"], node_id);
    assert_eq!(shard["relocating_node"], Value::Null);
    assert_eq!(shard["shard"], 0);
    assert_eq!(shard["index"], "idx");
    assert!(shard["allocation_id"]["id"].is_string());
}

#[tokio::test]
async fn the_index_metricsets_stats_and_settings_calls_honour_filter_path() {
    let f = Fixture::builder().build();
    index_docs(&f, "visible", &[json!({"a": 1})]).await;
    create(
        &f,
        ".hid",
        json!({"settings": {"number_of_replicas": 0, "hidden": true}}),
    );
    let (status, stats) = get(
        &f,
        "/_stats/docs,fielddata,indexing,merge,search,segments,store,refresh,query_cache,request_cache,bulk?filter_path=indices&expand_wildcards=open,hidden",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let indices = stats["indices"].as_object().unwrap();
    assert_eq!(
        stats.as_object().unwrap().len(),
        1,
        "only `indices`: {stats}"
    );
    assert_eq!(indices["visible"]["primaries"]["docs"]["count"], 1);
    assert!(indices["visible"]["primaries"]["bulk"].is_object());
    assert!(indices.contains_key(".hid"));
    let (status, settings) = get(
        &f,
        "/*/_settings?filter_path=*.settings.index.hidden&expand_wildcards=all",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(
        settings[".hid"],
        json!({"settings": {"index": {"hidden": "true"}}})
    );
    assert!(settings.get("visible").is_none(), "{settings}");
}

#[tokio::test]
async fn recovery_lists_one_done_recovery_per_shard() {
    let f = Fixture::builder().build();
    index_docs(&f, "rec", &[json!({"a": 1})]).await;
    let (status, body) = get(&f, "/rec/_recovery").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let shards = body["rec"]["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 1);
    let s = &shards[0];
    assert_eq!(s["id"], 0);
    assert_eq!(s["stage"], "DONE");
    assert_eq!(s["primary"], true);
    // Created after the node started: it began empty, when it was created.
    assert_eq!(s["type"], "EMPTY_STORE");
    let created = f.state.store.as_ref().unwrap().concrete()[..]
        .iter()
        .find(|c| c.name == "rec")
        .unwrap()
        .creation_date;
    assert_eq!(s["start_time_in_millis"], created);
    assert_eq!(s["target"]["id"], f.state.identity.node_id);
    assert_eq!(s["target"]["name"], "node-1");
    assert_eq!(s["index"]["size"]["percent"], "100.0%");
    assert!(s["translog"].is_object() && s["verify_index"].is_object());
    // Nothing is ever still recovering.
    assert_eq!(get(&f, "/_recovery?active_only=true").await.1, json!({}));
    let (_, all) = get(&f, "/_recovery?detailed=true&human").await;
    assert!(all["rec"]["shards"][0]["index"]["files"]["details"].is_array());
    assert!(all["rec"]["shards"][0]["start_time"].is_string());
    let (status, _) = get(&f, "/_recovery?active_only=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, missing) = get(&f, "/nope/_recovery").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
}

#[test]
fn indices_found_when_the_store_opened_recovered_from_their_files() {
    use super::super::recovery::Recovery;
    let r = Recovery::of(1_000, (5_000, 5_040));
    assert!(r.existing_store);
    assert_eq!((r.start_millis, r.stop_millis), (5_000, 5_040));
    let r = Recovery::of(9_000, (5_000, 5_040));
    assert!(!r.existing_store);
    assert_eq!((r.start_millis, r.stop_millis), (9_000, 9_000));
}

#[tokio::test]
async fn cluster_settings_get_put_and_refuse_unknown_settings() {
    let f = Fixture::builder().build();
    assert_eq!(
        get(&f, "/_cluster/settings").await,
        (StatusCode::OK, json!({"persistent": {}, "transient": {}}))
    );
    let (status, body) = call_json(
        &f,
        "PUT",
        "/_cluster/settings",
        &elastic(),
        json!({"persistent": {"cluster": {"metadata": {"display_name": "Production"}}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"acknowledged": true, "persistent": {"cluster": {"metadata": {"display_name": "Production"}}}, "transient": {}})
    );
    // What the cluster_stats metricset asks for.
    let (_, shown) = get(
        &f,
        "/_cluster/settings?include_defaults=true&filter_path=*.cluster.metadata.display_name",
    )
    .await;
    assert_eq!(
        shown,
        json!({"persistent": {"cluster": {"metadata": {"display_name": "Production"}}}})
    );
    let (_, flat) = get(&f, "/_cluster/settings?flat_settings=true&include_defaults").await;
    assert_eq!(
        flat["persistent"]["cluster.metadata.display_name"],
        "Production"
    );
    assert_eq!(
        flat["defaults"]["xpack.monitoring.collection.enabled"],
        "false"
    );
    let (status, err) = call_json(
        &f,
        "PUT",
        "/_cluster/settings",
        &elastic(),
        json!({"persistent": {"x": 1}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["type"], "illegal_argument_exception");
    assert_eq!(
        err["error"]["reason"],
        "persistent setting [x], not recognized"
    );
    let (status, err) = call_json(&f, "PUT", "/_cluster/settings", &elastic(), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["type"], "action_request_validation_exception");
    let (status, _) = call_json(
        &f,
        "PUT",
        "/_cluster/settings",
        &elastic(),
        json!({"persist": {}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A transient monitoring switch shows in `_xpack/usage`; transient settings are
    // deprecated, as in Elasticsearch 8.
    let r = call(
        &f,
        "PUT",
        "/_cluster/settings",
        Some(&elastic()),
        json!({"transient": {"xpack.monitoring.collection.enabled": true}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.header("warning").contains("[transient settings removal]"),
        "{:?}",
        r.headers
    );
    let (_, usage) = get(&f, "/_xpack/usage").await;
    assert_eq!(usage["monitoring"]["collection_enabled"], true);
}
