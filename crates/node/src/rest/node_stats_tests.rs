//! `_nodes/stats` against Elasticsearch 9.1's shapes: every section's keys in order with and
//! without `?human` (fixtures written from Elasticsearch's own responses), the twins' rule,
//! figures that must follow from the machine and the store's totals, the metric filters and
//! Elasticsearch's refusals, word for word.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::*;
use crate::rest::router;
use crate::rest::test_support::identity;
use crate::state::AppState;
use crate::stats::ProcessProbe;

const NODE_ID: &str = "abcdEFGHijklMNOPqrstUV";

/// A node without security whose `path.data` is `data`.
fn node(data: &Path) -> (Arc<AppState>, axum::Router) {
    let state = Arc::new(AppState::new(identity(), None, 1024).with_data_path(data.to_path_buf()));
    (state.clone(), router(state))
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let req = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
    (status, v)
}

async fn stats(app: &axum::Router, uri: &str) -> Value {
    let (status, v) = get(app, uri).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["nodes"][NODE_ID].clone()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Same keys in the same order, same JSON types, all the way down (arrays by their first
/// element).
fn assert_shape(path: &str, actual: &Value, expected: &Value) {
    assert_eq!(
        kind(actual),
        kind(expected),
        "{path}: {actual} vs {expected}"
    );
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                e.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (k, v) in e {
                assert_shape(&format!("{path}.{k}"), &a[k], v);
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.is_empty(), e.is_empty(), "{path}: {actual}");
            if let (Some(a), Some(e)) = (a.first(), e.first()) {
                assert_shape(&format!("{path}[0]"), a, e);
            }
        }
        _ => {}
    }
}

const NODE_KEYS: [&str; 23] = [
    "timestamp",
    "name",
    "transport_address",
    "host",
    "ip",
    "roles",
    "indices",
    "os",
    "process",
    "jvm",
    "thread_pool",
    "fs",
    "transport",
    "http",
    "breakers",
    "script",
    "discovery",
    "ingest",
    "adaptive_selection",
    "script_cache",
    "indexing_pressure",
    "repositories",
    "allocations",
];

/// `indices` of an Elasticsearch 9.1 node with `?human`, values as it prints them.
fn indices_fixture() -> Value {
    json!({
        "docs": {"count": 1, "deleted": 0, "total_size": "161gb", "total_size_in_bytes": 1},
        "shard_stats": {"total_count": 7},
        "store": {"size": "161gb", "size_in_bytes": 1, "total_data_set_size": "161gb",
            "total_data_set_size_in_bytes": 1, "reserved": "0b", "reserved_in_bytes": 0},
        "indexing": {"index_total": 1, "index_time": "21.9h", "index_time_in_millis": 1,
            "index_current": 0, "index_failed": 0, "index_failed_due_to_version_conflict": 0,
            "delete_total": 0, "delete_time": "0s", "delete_time_in_millis": 0, "delete_current": 0,
            "noop_update_total": 0, "is_throttled": false, "throttle_time": "2.7m",
            "throttle_time_in_millis": 1, "write_load": 0.13, "recent_write_load": 4.9e-7,
            "peak_write_load": 1.12},
        "get": {"total": 0, "getTime": "0s", "time_in_millis": 0, "exists_total": 0,
            "exists_time": "0s", "exists_time_in_millis": 0, "missing_total": 0,
            "missing_time": "0s", "missing_time_in_millis": 0, "current": 0},
        "search": {"open_contexts": 0, "query_total": 139, "query_time": "20.4s",
            "query_time_in_millis": 20454, "query_current": 0, "query_failure": 0,
            "fetch_total": 31, "fetch_time": "403ms", "fetch_time_in_millis": 403,
            "fetch_current": 0, "fetch_failure": 0, "scroll_total": 0, "scroll_time": "0s",
            "scroll_time_in_millis": 0, "scroll_current": 0, "suggest_total": 0,
            "suggest_time": "0s", "suggest_time_in_millis": 0, "suggest_current": 0,
            "recent_search_load": 2.1e-68},
        "merges": {"current": 0, "current_docs": 0, "current_size": "0b",
            "current_size_in_bytes": 0, "total": 328, "total_time": "20h",
            "total_time_in_millis": 72056695, "total_docs": 2822182836_u64, "total_size": "360.4gb",
            "total_size_in_bytes": 387018470151_u64, "total_stopped_time": "0s",
            "total_stopped_time_in_millis": 0, "total_throttled_time": "2.8h",
            "total_throttled_time_in_millis": 10260739, "total_auto_throttle": "35mb",
            "total_auto_throttle_in_bytes": 36700160},
        "refresh": {"total": 2560, "total_time": "30m", "total_time_in_millis": 1803112,
            "external_total": 545, "external_total_time": "1.9m",
            "external_total_time_in_millis": 114128, "listeners": 0},
        "flush": {"total": 1988, "periodic": 1982, "total_time": "4.5h",
            "total_time_in_millis": 16237296, "total_time_excluding_waiting": "4.5h",
            "total_time_excluding_waiting_on_lock_in_millis": 16243131},
        "warmer": {"current": 0, "total": 535, "total_time": "20ms", "total_time_in_millis": 20},
        "query_cache": {"memory_size": "0b", "memory_size_in_bytes": 0, "total_count": 1795,
            "hit_count": 0, "miss_count": 1795, "cache_size": 0, "cache_count": 0, "evictions": 0},
        "fielddata": {"memory_size": "0b", "memory_size_in_bytes": 0, "evictions": 0,
            "global_ordinals": {"build_time": "279ms", "build_time_in_millis": 279}},
        "completion": {"size": "0b", "size_in_bytes": 0},
        "segments": {"count": 39, "memory": "0b", "memory_in_bytes": 0, "terms_memory": "0b",
            "terms_memory_in_bytes": 0, "stored_fields_memory": "0b",
            "stored_fields_memory_in_bytes": 0, "term_vectors_memory": "0b",
            "term_vectors_memory_in_bytes": 0, "norms_memory": "0b", "norms_memory_in_bytes": 0,
            "points_memory": "0b", "points_memory_in_bytes": 0, "doc_values_memory": "0b",
            "doc_values_memory_in_bytes": 0, "index_writer_memory": "0b",
            "index_writer_memory_in_bytes": 0, "version_map_memory": "0b",
            "version_map_memory_in_bytes": 0, "fixed_bit_set": "0b",
            "fixed_bit_set_memory_in_bytes": 0, "max_unsafe_auto_id_timestamp": -1,
            "file_sizes": {}},
        "translog": {"operations": 0, "size": "385b", "size_in_bytes": 385,
            "uncommitted_operations": 0, "uncommitted_size": "385b",
            "uncommitted_size_in_bytes": 385, "earliest_last_modified_age": 3907380},
        "request_cache": {"memory_size": "0b", "memory_size_in_bytes": 0, "evictions": 0,
            "hit_count": 0, "miss_count": 1},
        "recovery": {"current_as_source": 0, "current_as_target": 0, "throttle_time": "12.8m",
            "throttle_time_in_millis": 773597},
        "bulk": {"total_operations": 199500, "total_time": "22.3h",
            "total_time_in_millis": 80501070, "total_size_in_bytes": 723353485479_u64,
            "avg_time": "351ms", "avg_time_in_millis": 351, "avg_size_in_bytes": 3627935},
        "mappings": {"total_count": 11011, "total_estimated_overhead": "10.7mb",
            "total_estimated_overhead_in_bytes": 11275264, "total_segments": 36,
            "total_segment_fields": 0, "average_fields_per_segment": 0},
        "dense_vector": {"value_count": 0, "off_heap": {"total_size": "0b", "total_size_bytes": 0,
            "total_veb_size": "0b", "total_veb_size_bytes": 0, "total_vec_size": "0b",
            "total_vec_size_bytes": 0, "total_veq_size": "0b", "total_veq_size_bytes": 0,
            "total_vex_size": "0b", "total_vex_size_bytes": 0}},
        "sparse_vector": {"value_count": 0}
    })
}

/// The other sections of an Elasticsearch 9.1 node with `?human` (measured values vary).
fn sections_fixture() -> Value {
    let pool = json!({"used": "0b", "used_in_bytes": 0, "max": "0b", "max_in_bytes": 0,
        "peak_used": "0b", "peak_used_in_bytes": 0, "peak_max": "0b", "peak_max_in_bytes": 0});
    let collector =
        json!({"collection_count": 0, "collection_time": "0s", "collection_time_in_millis": 0});
    let buffers = json!({"count": 0, "used": "0b", "used_in_bytes": 0, "total_capacity": "0b",
        "total_capacity_in_bytes": 0});
    let breaker = json!({"limit_size_in_bytes": 1, "limit_size": "512mb",
        "estimated_size_in_bytes": 0, "estimated_size": "0b", "overhead": 1.0, "tripped": 0});
    let serialized = json!({"count": 0, "uncompressed_size": "0b", "uncompressed_size_in_bytes": 0,
        "compressed_size": "0b", "compressed_size_in_bytes": 0});
    let outcome = json!({"count": 0, "computation_time": "0s", "computation_time_millis": 0,
        "publication_time": "0s", "publication_time_millis": 0,
        "context_construction_time": "0s", "context_construction_time_millis": 0,
        "commit_time": "0s", "commit_time_millis": 0, "completion_time": "0s",
        "completion_time_millis": 0, "master_apply_time": "0s", "master_apply_time_millis": 0,
        "notification_time": "0s", "notification_time_millis": 0});
    let amounts = json!({"combined_coordinating_and_primary": "0b",
        "combined_coordinating_and_primary_in_bytes": 0, "coordinating": "0b",
        "coordinating_in_bytes": 0, "primary": "0b", "primary_in_bytes": 0, "replica": "0b",
        "replica_in_bytes": 0, "all": "0b", "all_in_bytes": 0});
    let mut total_amounts = amounts.clone();
    for k in [
        "coordinating_rejections",
        "primary_rejections",
        "replica_rejections",
        "primary_document_rejections",
        "large_operation_rejections",
    ] {
        total_amounts[k] = json!(0);
    }
    json!({
        "os": {"timestamp": 1, "cpu": {"percent": 1, "load_average": {"1m": 0.21, "5m": 0.27,
                "15m": 0.26}},
            "mem": {"total": "2gb", "total_in_bytes": 1, "adjusted_total": "2gb",
                "adjusted_total_in_bytes": 1, "free": "95mb", "free_in_bytes": 1, "used": "1.9gb",
                "used_in_bytes": 1, "free_percent": 5, "used_percent": 95},
            "swap": {"total": "2gb", "total_in_bytes": 1, "free": "2gb", "free_in_bytes": 1,
                "used": "0b", "used_in_bytes": 0}},
        "process": {"timestamp": 1, "open_file_descriptors": 609, "max_file_descriptors": 1048576,
            "cpu": {"percent": 0, "total": "3.1m", "total_in_millis": 190970},
            "mem": {"total_virtual": "6.8gb", "total_virtual_in_bytes": 7312711680_u64}},
        "jvm": {"timestamp": 1, "uptime": "20.4m", "uptime_in_millis": 1228647,
            "mem": {"heap_used": "456.8mb", "heap_used_in_bytes": 479000384, "heap_used_percent": 44,
                "heap_committed": "1gb", "heap_committed_in_bytes": 1, "heap_max": "1gb",
                "heap_max_in_bytes": 1, "non_heap_used": "236.4mb", "non_heap_used_in_bytes": 1,
                "non_heap_committed": "252.8mb", "non_heap_committed_in_bytes": 1,
                "pools": {"young": pool.clone(), "old": pool.clone(), "survivor": pool}},
            "threads": {"count": 125, "peak_count": 125},
            "gc": {"collectors": {"young": collector.clone(), "old": collector}},
            "buffer_pools": {"mapped": buffers.clone(), "direct": buffers.clone(),
                "mapped - 'non-volatile memory'": buffers},
            "classes": {"current_loaded_count": 33455, "total_loaded_count": 34646,
                "total_unloaded_count": 1191}},
        "transport": {"server_open": 0, "total_outbound_connections": 0, "rx_count": 0,
            "rx_size": "0b", "rx_size_in_bytes": 0, "tx_count": 0, "tx_size": "0b",
            "tx_size_in_bytes": 0, "inbound_handling_time_histogram": [],
            "outbound_handling_time_histogram": []},
        "http": {"current_open": 1, "total_opened": 1, "clients": [], "routes": {}},
        "breakers": {"eql_sequence": breaker.clone(), "model_inference": breaker.clone(),
            "inflight_requests": breaker.clone(), "request": breaker.clone(),
            "fielddata": breaker.clone(), "parent": breaker},
        "script": {"compilations": 0, "cache_evictions": 0, "compilation_limit_triggered": 0,
            "contexts": []},
        "discovery": {"cluster_state_queue": {"total": 0, "pending": 0, "committed": 0},
            "serialized_cluster_states": {"full_states": serialized.clone(), "diffs": serialized},
            "published_cluster_states": {"full_states": 0, "incompatible_diffs": 0,
                "compatible_diffs": 0},
            "cluster_state_update": {"unchanged": {"count": 0, "computation_time": "0s",
                    "computation_time_millis": 0, "notification_time": "0s",
                    "notification_time_millis": 0},
                "success": outcome.clone(), "failure": outcome},
            "cluster_applier_stats": {"recordings": []}},
        "ingest": {"total": {"count": 0, "time": "0s", "time_in_millis": 0, "current": 0,
            "failed": 0}, "pipelines": {}},
        "adaptive_selection": {},
        "script_cache": {"sum": {"compilations": 0, "cache_evictions": 0,
            "compilation_limit_triggered": 0}},
        "indexing_pressure": {"memory": {"current": amounts, "total": total_amounts,
            "limit": "102.3mb", "limit_in_bytes": 107374182}},
        "repositories": {}
    })
}

/// `fs.data[0]` with `?human`.
fn fs_data_fixture() -> Value {
    json!({"path": "/usr/share/elasticsearch/data", "mount": "/ (/dev/vda1)", "type": "ext4",
        "total": "58.3gb", "total_in_bytes": 1, "free": "4.1gb", "free_in_bytes": 1,
        "available": "1.1gb", "available_in_bytes": 1, "low_watermark_free_space": "8.7gb",
        "low_watermark_free_space_in_bytes": 1, "high_watermark_free_space": "5.8gb",
        "high_watermark_free_space_in_bytes": 1, "flood_stage_free_space": "2.9gb",
        "flood_stage_free_space_in_bytes": 1})
}

#[tokio::test]
async fn every_section_has_elasticsearchs_keys_in_order_with_human_twins() {
    let dir = tempfile::tempdir().unwrap();
    let (_, app) = node(dir.path());
    let n = stats(&app, "/_nodes/stats?human").await;
    assert_eq!(keys(&n), NODE_KEYS);
    assert_shape("indices", &n["indices"], &indices_fixture());
    let mut os = n["os"].clone();
    let cgroup = os.as_object_mut().unwrap().remove("cgroup");
    let mut actual = n.clone();
    actual["os"] = os;
    let expected = sections_fixture();
    for (section, fixture) in expected.as_object().unwrap() {
        assert_shape(section, &actual[section], fixture);
    }
    if let Some(c) = cgroup {
        assert_shape(
            "os.cgroup",
            &c,
            &json!({"cpuacct": {"control_group": "/", "usage_nanos": 1},
                "cpu": {"control_group": "/", "cfs_period_micros": 100000, "cfs_quota_micros": -1,
                    "stat": {"number_of_elapsed_periods": 0, "number_of_times_throttled": 0,
                        "time_throttled_nanos": 0}},
                "memory": {"control_group": "/", "limit_in_bytes": "2147483648",
                    "usage_in_bytes": "2047811584"}}),
        );
    }
    // fs: the data path, the totals, and the device's I/O when it has one.
    let fs = &n["fs"];
    assert_eq!(keys(fs), ["timestamp", "total", "data", "io_stats"]);
    assert_eq!(
        keys(&fs["total"]),
        [
            "total",
            "total_in_bytes",
            "free",
            "free_in_bytes",
            "available",
            "available_in_bytes"
        ]
    );
    assert_shape("fs.data[0]", &fs["data"][0], &fs_data_fixture());
    let io = &fs["io_stats"];
    if io.as_object().unwrap().is_empty() {
        // Only a file system without a block device (overlay, tmpfs) has no device figures.
        assert!(
            ["overlay", "tmpfs", "fuse", "9p", "btrfs", "zfs"]
                .iter()
                .any(|t| fs["data"][0]["type"].as_str().unwrap().contains(t)),
            "{fs}"
        );
    } else {
        let counters = json!({"operations": 0, "read_operations": 0, "write_operations": 0,
            "read_kilobytes": 0, "write_kilobytes": 0, "io_time_in_millis": 0});
        let mut device = json!({"device_name": "vda"});
        for (k, v) in counters.as_object().unwrap() {
            device[k] = v.clone();
        }
        assert_shape(
            "fs.io_stats",
            io,
            &json!({"devices": [device], "total": counters}),
        );
    }
    // thread_pool: Elasticsearch's pools, sorted, each with its six figures.
    let pools = &n["thread_pool"];
    assert_eq!(keys(pools), THREAD_POOLS);
    let mut sorted = THREAD_POOLS.to_vec();
    sorted.sort_unstable();
    assert_eq!(keys(pools), sorted);
    for name in THREAD_POOLS {
        assert_eq!(
            keys(&pools[name]),
            [
                "threads",
                "queue",
                "active",
                "rejected",
                "largest",
                "completed"
            ]
        );
    }
    // Elasticsearch writes `attributes` only when a node has some.
    assert!(n.get("attributes").is_none());
}

/// Raw keys whose `?human` twin is not the raw key without its unit suffix.
const ODD_TWINS: [(&str, &str); 3] = [
    ("time_in_millis", "getTime"),
    ("fixed_bit_set_memory_in_bytes", "fixed_bit_set"),
    (
        "total_time_excluding_waiting_on_lock_in_millis",
        "total_time_excluding_waiting",
    ),
];

/// Raw keys Elasticsearch writes without a twin.
const NO_TWIN: [&str; 6] = [
    "io_time_in_millis",   // fs.io_stats
    "total_size_in_bytes", // bulk only
    "avg_size_in_bytes",
    "limit_size_in_bytes", // breakers: their readable forms are always there
    "estimated_size_in_bytes",
    "time_in_millis", // get's twin is getTime; ingest's is checked by the fixture
];

fn twin_of(raw: &str) -> Option<&str> {
    ["_in_bytes", "_in_millis", "_millis", "_bytes"]
        .iter()
        .find_map(|s| raw.strip_suffix(s))
}

/// Walks an object with and without `?human`: the human one has exactly the plain one's keys
/// plus, just before a raw size or duration, its readable twin.
fn assert_twins(path: &str, plain: &Value, human: &Value) {
    let (Value::Object(p), Value::Object(h)) = (plain, human) else {
        if let (Value::Array(p), Value::Array(h)) = (plain, human) {
            for (i, (a, b)) in p.iter().zip(h).enumerate() {
                assert_twins(&format!("{path}[{i}]"), a, b);
            }
        }
        return;
    };
    let human_keys: Vec<&String> = h.keys().collect();
    let mut expected = Vec::new();
    for (k, v) in p {
        let odd = ODD_TWINS.iter().find(|(raw, _)| raw == k).map(|(_, t)| *t);
        let twin = match (odd, twin_of(k)) {
            (Some(t), _) if h.contains_key(t) => Some(t),
            (_, Some(t)) if h.contains_key(t) && !p.contains_key(t) => Some(t),
            _ => None,
        };
        match twin {
            Some(t) => {
                assert!(h[t].is_string(), "{path}.{t}: {}", h[t]);
                expected.push(t.to_string());
            }
            None => assert!(
                twin_of(k).is_none()
                    || NO_TWIN.contains(&k.as_str())
                    || k.ends_with("_bytes") && path.contains("breakers")
                    || !v.is_number(),
                "{path}.{k} has no human twin"
            ),
        }
        expected.push(k.clone());
        assert_twins(&format!("{path}.{k}"), v, &h[k]);
    }
    assert_eq!(
        human_keys,
        expected.iter().collect::<Vec<_>>(),
        "{path}: twins out of place"
    );
}

#[tokio::test]
async fn human_twins_sit_exactly_where_elasticsearch_adds_them() {
    let dir = tempfile::tempdir().unwrap();
    let (_, app) = node(dir.path());
    let plain = stats(&app, "/_nodes/stats").await;
    let human = stats(&app, "/_nodes/stats?human").await;
    // Measured figures change between the two requests; the keys do not.
    assert_twins("node", &plain, &human);
    assert!(plain["jvm"].get("uptime").is_none());
    assert!(human["jvm"]["uptime"].is_string());
    assert!(plain["indices"]["get"].get("getTime").is_none());
    assert_eq!(human["indices"]["get"]["getTime"], "0s");
    // Breakers print their readable limits with or without `?human`.
    assert!(plain["breakers"]["parent"]["limit_size"].is_string());
    assert!(plain["breakers"]["parent"]["estimated_size"].is_string());
}

#[tokio::test]
async fn heap_breakers_and_pressure_follow_the_machine_as_elasticsearch_sizes_them() {
    let dir = tempfile::tempdir().unwrap();
    let (_, app) = node(dir.path());
    let n = stats(
        &app,
        "/_nodes/_local/stats/jvm,breaker,indexing_pressure,os",
    )
    .await;
    let os = ProcessProbe::default().os();
    let heap = super::super::handlers::node_heap_max(&os);
    let mem = &n["jvm"]["mem"];
    assert_eq!(mem["heap_max_in_bytes"], heap);
    let used = mem["heap_used_in_bytes"].as_u64().unwrap();
    assert!(used > 0);
    assert_eq!(mem["heap_committed_in_bytes"], used);
    assert_eq!(mem["heap_used_percent"], used * 100 / heap);
    assert!(n["jvm"]["threads"]["count"].as_u64().unwrap() >= 1);
    let b = &n["breakers"];
    for (name, share) in [
        ("request", 0.6),
        ("fielddata", 0.4),
        ("inflight_requests", 1.0),
        ("parent", 0.95),
        ("eql_sequence", 0.5),
        ("model_inference", 0.5),
    ] {
        let limit = (heap as f64 * share) as u64;
        assert_eq!(b[name]["limit_size_in_bytes"], limit, "{name}");
        assert_eq!(b[name]["limit_size"], human_bytes(limit), "{name}");
    }
    assert_eq!(b["fielddata"]["overhead"], 1.03);
    assert_eq!(b["inflight_requests"]["overhead"], 2.0);
    // The parent breaker counts the memory in use.
    assert!(b["parent"]["estimated_size_in_bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        n["indexing_pressure"]["memory"]["limit_in_bytes"],
        (heap as f64 * 0.1) as u64
    );
    let m = &n["os"]["mem"];
    let (total, free) = (
        m["total_in_bytes"].as_u64().unwrap(),
        m["free_in_bytes"].as_u64().unwrap(),
    );
    assert_eq!(m["used_in_bytes"], total - free);
    assert_eq!(
        m["used_percent"],
        ((total - free) as f64 * 100.0 / total as f64).round() as u64
    );
    assert_eq!(m["adjusted_total_in_bytes"], total);
}

#[tokio::test]
async fn fs_reports_the_data_path_with_elasticsearchs_watermarks() {
    let dir = tempfile::tempdir().unwrap();
    let (_, app) = node(dir.path());
    let fs = stats(&app, "/_nodes/stats/fs").await["fs"].clone();
    let data = &fs["data"][0];
    assert_eq!(
        data["path"],
        std::fs::canonicalize(dir.path())
            .unwrap()
            .display()
            .to_string()
    );
    let total = data["total_in_bytes"].as_u64().unwrap();
    assert!(total > 0);
    assert_eq!(fs["total"]["total_in_bytes"], total);
    assert_eq!(
        fs["total"]["available_in_bytes"],
        data["available_in_bytes"]
    );
    let keep = |used_pct: f64, headroom: u64| {
        total
            - ((total as f64 * used_pct / 100.0).ceil() as u64)
                .max(total.saturating_sub(headroom << 30))
    };
    assert_eq!(data["low_watermark_free_space_in_bytes"], keep(85.0, 200));
    assert_eq!(data["high_watermark_free_space_in_bytes"], keep(90.0, 150));
    assert_eq!(data["flood_stage_free_space_in_bytes"], keep(95.0, 100));
    // The headroom caps a big disk's reserve: 4 TiB keeps 100 GiB at flood stage, not 5%.
    assert_eq!(watermark_free_space(4 << 40, 95.0, 100), 100 << 30);
    assert_eq!(watermark_free_space(100 << 30, 95.0, 100), 5 << 30);
    if let Some(devices) = fs["io_stats"]["devices"].as_array() {
        let d = &devices[0];
        assert_eq!(
            d["operations"].as_u64().unwrap(),
            d["read_operations"].as_u64().unwrap() + d["write_operations"].as_u64().unwrap()
        );
        assert_eq!(fs["io_stats"]["total"]["operations"], d["operations"]);
    }
}

#[tokio::test]
async fn the_runtime_is_reported_as_the_generic_pool() {
    let dir = tempfile::tempdir().unwrap();
    let (_, app) = node(dir.path());
    let pools = stats(&app, "/_nodes/stats/thread_pool").await["thread_pool"].clone();
    let workers = tokio::runtime::Handle::current().metrics().num_workers() as u64;
    let generic = &pools["generic"];
    assert_eq!(generic["threads"], workers);
    assert_eq!(generic["largest"], workers);
    // The worker answering this request is busy.
    assert!(generic["active"].as_u64().unwrap() >= 1);
    assert_eq!(
        pools["search"],
        json!({"threads": 0, "queue": 0, "active": 0, "rejected": 0, "largest": 0, "completed": 0})
    );
}

#[tokio::test]
async fn indices_come_from_the_store_totals() {
    let dir = tempfile::tempdir().unwrap();
    let (state, app) = node(dir.path());
    // Zeros until the store is wired.
    let n = stats(&app, "/_nodes/stats/indices").await;
    assert_eq!(n["indices"]["docs"]["count"], 0);
    assert_eq!(n["indices"]["store"]["size_in_bytes"], 0);
    let totals = IndicesTotals {
        docs_count: 1000,
        docs_deleted: 3,
        docs_size_bytes: 2048,
        shards: 2,
        store_size_bytes: 5 * 1024 * 1024,
        index_total: 1000,
        index_time_millis: 1500,
        get_exists_total: 7,
        get_exists_time_millis: 4,
        get_missing_total: 2,
        get_missing_time_millis: 1,
        query_total: 139,
        query_time_millis: 20_454,
        fetch_total: 31,
        fetch_time_millis: 403,
        refresh_total: 9,
        flush_total: 4,
        segments_count: 12,
        translog_operations: 15,
        translog_size_bytes: 8649,
        bulk_operations: 10,
        bulk_time_millis: 95,
        bulk_size_bytes: 100_000,
        mapped_fields: 40,
        ..IndicesTotals::default()
    };
    assert!(
        state
            .indices_totals
            .set(Arc::new(move || totals) as IndicesTotalsSource)
            .is_ok()
    );
    let i = stats(&app, "/_nodes/stats/indices?human").await["indices"].clone();
    assert_eq!(i["docs"]["count"], 1000);
    assert_eq!(i["docs"]["deleted"], 3);
    assert_eq!(i["shard_stats"]["total_count"], 2);
    assert_eq!(i["store"]["size"], "5mb");
    assert_eq!(i["store"]["size_in_bytes"], 5 * 1024 * 1024);
    assert_eq!(i["indexing"]["index_total"], 1000);
    assert_eq!(i["indexing"]["index_time"], "1.5s");
    assert_eq!(i["get"]["total"], 9);
    assert_eq!(i["get"]["time_in_millis"], 5);
    assert_eq!(i["search"]["query_time"], "20.4s");
    assert_eq!(i["search"]["fetch_time_in_millis"], 403);
    assert_eq!(i["refresh"]["total"], 9);
    assert_eq!(i["flush"]["total"], 4);
    assert_eq!(i["segments"]["count"], 12);
    assert_eq!(i["translog"]["operations"], 15);
    assert_eq!(i["translog"]["size_in_bytes"], 8649);
    assert_eq!(i["bulk"]["avg_time_in_millis"], 9);
    assert_eq!(i["bulk"]["avg_size_in_bytes"], 10_000);
    assert_eq!(
        i["mappings"]["total_estimated_overhead_in_bytes"],
        40 * 1024
    );
}

#[tokio::test]
async fn metric_filters_select_sections_in_elasticsearchs_order() {
    let dir = tempfile::tempdir().unwrap();
    let (_, app) = node(dir.path());
    fn with(extra: &[&'static str]) -> Vec<&'static str> {
        let base = [
            "timestamp",
            "name",
            "transport_address",
            "host",
            "ip",
            "roles",
        ];
        [base.as_slice(), extra].concat()
    }
    let n = stats(&app, "/_nodes/stats/jvm,os").await;
    assert_eq!(keys(&n), with(&["os", "jvm"]));
    let n = stats(&app, "/_nodes/stats/breaker").await;
    assert_eq!(keys(&n), with(&["breakers"]));
    let n = stats(&app, "/_nodes/stats/indices/docs,store").await;
    assert_eq!(keys(&n), with(&["indices"]));
    assert_eq!(keys(&n["indices"]), ["docs", "store"]);
    let n = stats(&app, "/_nodes/_local/stats/jvm,indices/merge,bulk").await;
    assert_eq!(keys(&n), with(&["indices", "jvm"]));
    assert_eq!(keys(&n["indices"]), ["merges", "bulk"]);
    let n = stats(&app, "/_nodes/stats/indices").await;
    assert_eq!(keys(&n["indices"]).len(), INDEX_METRICS.len());
    let n = stats(&app, "/_nodes/stats/indices/_all").await;
    assert_eq!(keys(&n["indices"]).len(), INDEX_METRICS.len());
    let n = stats(&app, "/_nodes/stats/_all").await;
    assert_eq!(keys(&n), NODE_KEYS);
    let n = stats(&app, "/_nodes/node-1/stats/%20http%20,,").await;
    assert_eq!(keys(&n), with(&["http"]));
    // `level` adds the (empty) per-index or per-shard breakdown; any case is accepted.
    let n = stats(&app, "/_nodes/stats/indices/docs?level=indices").await;
    assert_eq!(keys(&n["indices"]), ["docs", "indices"]);
    let n = stats(&app, "/_nodes/stats/indices/docs?level=SHARDS").await;
    assert_eq!(keys(&n["indices"]), ["docs", "shards"]);
    let n = stats(&app, "/_nodes/stats/indices/docs?level=node").await;
    assert_eq!(keys(&n["indices"]), ["docs"]);
    // Accepted parameters.
    let n = stats(
        &app,
        "/_nodes/stats/indices?fields=a*&completion_fields=b&fielddata_fields=c&groups=g&timeout=30s&include_segment_file_sizes=true",
    )
    .await;
    assert_eq!(n["indices"]["segments"]["file_sizes"], json!({}));
    // Another node's stats: none here.
    let (status, v) = get(&app, "/_nodes/other-node/stats/jvm").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["_nodes"]["total"], 0);
    assert_eq!(v["nodes"], json!({}));
    assert_eq!(v["cluster_name"], "test-cluster");
}

async fn refusal(app: &axum::Router, uri: &str) -> String {
    let (status, v) = get(app, uri).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {v}");
    assert_eq!(v["error"]["type"], "illegal_argument_exception", "{v}");
    assert_eq!(v["status"], 400);
    v["error"]["reason"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn refusals_use_elasticsearchs_texts() {
    let dir = tempfile::tempdir().unwrap();
    let (_, app) = node(dir.path());
    let cases = [
        (
            "/_nodes/stats/bogus",
            "request [/_nodes/stats/bogus] contains unrecognized metric: [bogus]",
        ),
        (
            "/_nodes/stats/jvms,os,proces",
            "request [/_nodes/stats/jvms,os,proces] contains unrecognized metrics: [jvms] -> did you mean [jvm]?, [proces] -> did you mean [process]?",
        ),
        (
            "/_nodes/_local/stats/script_cach",
            "request [/_nodes/_local/stats/script_cach] contains unrecognized metric: [script_cach] -> did you mean any of [script_cache, script]?",
        ),
        (
            "/_nodes/stats/_all,os",
            "request [/_nodes/stats/_all,os] contains _all and individual metrics [_all,os]",
        ),
        (
            "/_nodes/stats/os/docs",
            "request [/_nodes/stats/os/docs] contains index metrics [docs] but indices stats not requested",
        ),
        (
            "/_nodes/stats/_all/docs",
            "request [/_nodes/stats/_all/docs] contains index metrics [docs] but all stats requested",
        ),
        (
            "/_nodes/stats/indices/doc,store,_all",
            "request [/_nodes/stats/indices/doc,store,_all] contains unrecognized index metrics: [_all], [doc] -> did you mean [docs]?",
        ),
        (
            "/_nodes/stats?level=cluster",
            "level parameter must be one of [node] or [indices] or [shards] but was [cluster]",
        ),
        (
            "/_nodes/stats/indices/segments?include_segment_file_sizes=maybe",
            "Failed to parse value [maybe] as only [true] or [false] are allowed.",
        ),
    ];
    for (uri, reason) in cases {
        assert_eq!(refusal(&app, uri).await, reason, "{uri}");
    }
    // The level is checked before the metrics, as Elasticsearch does.
    assert!(
        refusal(&app, "/_nodes/stats/bogus?level=x")
            .await
            .starts_with("level parameter")
    );
    assert!(
        refusal(&app, "/_nodes/stats?timeout=soon")
            .await
            .contains("timeout")
    );
}

#[test]
fn similarity_is_lucenes_levenshtein_score() {
    assert_eq!(similarity("jvms", "jvm"), 0.75);
    assert_eq!(similarity("kitten", "sitting"), 1.0 - 3.0 / 7.0);
    assert_eq!(similarity("", ""), 1.0);
    assert_eq!(similarity("a", ""), 0.0);
    assert_eq!(similarity("script_cach", "script"), 1.0 - 5.0 / 11.0);
}

#[test]
fn requests_parse_as_elasticsearchs_rest_action() {
    let all = StatsRequest::parse("/_nodes/stats", None, None, None).unwrap();
    assert_eq!(all.metrics.len(), METRICS.len());
    assert_eq!(
        all.index_metrics.as_ref().unwrap().len(),
        INDEX_METRICS.len()
    );
    assert_eq!(all.level, Level::Node);
    let r = StatsRequest::parse("/p", Some("os,indices"), Some("docs"), Some("Indices")).unwrap();
    assert!(r.wants("os") && !r.wants("jvm"));
    assert!(r.wants_index("docs") && !r.wants_index("store"));
    assert_eq!(r.level, Level::Indices);
    // No indices section without `indices`.
    let r = StatsRequest::parse("/p", Some("os"), None, None).unwrap();
    assert!(r.index_metrics.is_none());
    // An empty list selects nothing, as in Elasticsearch.
    let r = StatsRequest::parse("/p", Some(","), None, None).unwrap();
    assert!(r.metrics.is_empty() && r.index_metrics.is_none());
}
