use super::*;

fn info() -> Info {
    Info::parse(&json!({
        "name": "node-1", "cluster_name": "prod", "cluster_uuid": "UUID-1",
        "version": {"number": "8.17.0"}, "tagline": "You Know, for Search"
    }))
    .unwrap()
}

/// `GET /_nodes/_local/stats/...` of an 8.x node, trimmed to the parts Metricbeat maps.
fn node_stats_fixture() -> Value {
    json!({
      "_nodes": {"total": 1, "successful": 1, "failed": 0},
      "cluster_name": "prod",
      "nodes": {"n1": {
        "timestamp": 1_700_000_000_000u64, "name": "node-1", "transport_address": "127.0.0.1:9300",
        "host": "127.0.0.1", "ip": "127.0.0.1:9300", "roles": ["master", "data", "ingest"],
        "indices": {
          "docs": {"count": 120, "deleted": 3},
          "shard_stats": {"total_count": 4},
          "store": {"size_in_bytes": 4096, "total_data_set_size_in_bytes": 4096, "reserved_in_bytes": 0},
          "indexing": {"index_total": 130, "index_time_in_millis": 55, "index_current": 0,
                       "index_failed": 0, "delete_total": 0, "throttle_time_in_millis": 0},
          "get": {"total": 7, "time_in_millis": 2},
          "search": {"query_total": 40, "query_time_in_millis": 12, "fetch_total": 38, "fetch_time_in_millis": 3},
          "merges": {"total": 1, "total_time_in_millis": 9},
          "refresh": {"total": 20, "total_time_in_millis": 30},
          "flush": {"total": 2, "total_time_in_millis": 4},
          "query_cache": {"memory_size_in_bytes": 0, "evictions": 0},
          "fielddata": {"memory_size_in_bytes": 0, "evictions": 0},
          "segments": {"count": 6, "memory_in_bytes": 0, "terms_memory_in_bytes": 0,
                       "doc_values_memory_in_bytes": 0, "fixed_bit_set_memory_in_bytes": 96,
                       "index_writer_memory_in_bytes": 1024, "version_map_memory_in_bytes": 0,
                       "norms_memory_in_bytes": 0, "points_memory_in_bytes": 0,
                       "stored_fields_memory_in_bytes": 0, "term_vectors_memory_in_bytes": 0},
          "translog": {"operations": 5, "size_in_bytes": 550},
          "request_cache": {"memory_size_in_bytes": 0},
          "bulk": {"total_operations": 10, "total_time_in_millis": 15, "total_size_in_bytes": 20480,
                   "avg_time_in_millis": 1, "avg_size_in_bytes": 2048}
        },
        "os": {"cpu": {"percent": 3, "load_average": {"1m": 0.42, "5m": 0.3, "15m": 0.2}},
               "cgroup": {"cpuacct": {"control_group": "/", "usage_nanos": 123},
                          "cpu": {"control_group": "/", "cfs_period_micros": 100000, "cfs_quota_micros": -1,
                                  "stat": {"number_of_elapsed_periods": 0, "number_of_times_throttled": 0,
                                           "time_throttled_nanos": 0}},
                          "memory": {"control_group": "/", "limit_in_bytes": "max", "usage_in_bytes": "1048576"}}},
        "process": {"timestamp": 1, "open_file_descriptors": 310, "max_file_descriptors": 65535,
                    "cpu": {"percent": 2, "total_in_millis": 9000},
                    "mem": {"total_virtual_in_bytes": 5_000_000_000u64}},
        "jvm": {"timestamp": 1, "uptime_in_millis": 60000,
                "mem": {"heap_used_in_bytes": 268_435_456, "heap_used_percent": 25,
                        "heap_committed_in_bytes": 1_073_741_824, "heap_max_in_bytes": 1_073_741_824,
                        "pools": {"young": {"used_in_bytes": 1, "max_in_bytes": 0, "peak_used_in_bytes": 2, "peak_max_in_bytes": 0},
                                  "old": {"used_in_bytes": 3, "max_in_bytes": 4, "peak_used_in_bytes": 5, "peak_max_in_bytes": 6}}},
                "threads": {"count": 50, "peak_count": 60},
                "gc": {"collectors": {"young": {"collection_count": 8, "collection_time_in_millis": 80},
                                      "old": {"collection_count": 0, "collection_time_in_millis": 0}}}},
        "thread_pool": {"write": {"threads": 2, "queue": 0, "active": 0, "rejected": 1, "largest": 2, "completed": 9},
                        "search": {"threads": 4, "queue": 2, "active": 1, "rejected": 0, "largest": 4, "completed": 40},
                        "get": {"threads": 1, "queue": 0, "active": 0, "rejected": 0, "largest": 1, "completed": 7}},
        "fs": {"timestamp": 1, "total": {"total_in_bytes": 100_000, "free_in_bytes": 60_000, "available_in_bytes": 50_000},
               "io_stats": {"total": {"operations": 12, "read_operations": 5, "write_operations": 7,
                                      "read_kilobytes": 40, "write_kilobytes": 80}}},
        "transport": {"server_open": 0, "rx_count": 0, "rx_size_in_bytes": 0, "tx_count": 0, "tx_size_in_bytes": 0},
        "indexing_pressure": {"memory": {"current": {"combined_coordinating_and_primary_in_bytes": 0,
            "coordinating_in_bytes": 0, "primary_in_bytes": 0, "replica_in_bytes": 0, "all_in_bytes": 0},
            "total": {"combined_coordinating_and_primary_in_bytes": 10, "coordinating_in_bytes": 10,
                      "primary_in_bytes": 10, "replica_in_bytes": 0, "all_in_bytes": 10,
                      "coordinating_rejections": 0, "primary_rejections": 0, "replica_rejections": 0},
            "limit_in_bytes": 107_374_182}},
        "ingest": {"total": {"count": 3, "time_in_millis": 1, "current": 0, "failed": 0}, "pipelines": {}}
      }}
    })
}

#[test]
fn node_stats_maps_the_fields_stack_monitoring_reads() {
    let docs = node_stats(&info(), &node_stats_fixture(), "n1", &|id| id == "n1").unwrap();
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    let es = &d["elasticsearch"];
    assert_eq!(es["cluster"], json!({"name": "prod", "id": "UUID-1"}));
    assert_eq!(es["node"]["id"], "n1");
    assert_eq!(es["node"]["name"], "node-1");
    assert_eq!(es["node"]["master"], true);
    assert_eq!(es["node"]["mlockall"], true);
    assert_eq!(es["node"]["roles"], json!(["master", "data", "ingest"]));
    assert_eq!(d["service"]["address"], "127.0.0.1:9300");
    let s = &es["node"]["stats"];
    assert_eq!(s["jvm"]["mem"]["heap"]["used"]["bytes"], 268_435_456);
    assert_eq!(s["jvm"]["mem"]["heap"]["max"]["bytes"], 1_073_741_824);
    assert_eq!(s["jvm"]["mem"]["heap"]["used"]["pct"], 25);
    assert_eq!(s["jvm"]["mem"]["pools"]["old"]["peak_max"]["bytes"], 6);
    assert_eq!(
        s["jvm"]["gc"]["collectors"]["young"]["collection"],
        json!({"count": 8, "ms": 80})
    );
    assert_eq!(s["indices"]["docs"], json!({"count": 120, "deleted": 3}));
    assert_eq!(s["indices"]["store"]["size"]["bytes"], 4096);
    assert_eq!(s["indices"]["indexing"]["index_total"]["count"], 130);
    assert_eq!(s["indices"]["indexing"]["index_time"]["ms"], 55);
    assert_eq!(s["indices"]["indexing"]["throttle_time"]["ms"], 0);
    assert_eq!(s["indices"]["search"]["query_total"]["count"], 40);
    assert_eq!(s["indices"]["search"]["query_time"]["ms"], 12);
    assert_eq!(s["indices"]["segments"]["count"], 6);
    assert_eq!(
        s["indices"]["segments"]["index_writer"]["memory"]["bytes"],
        1024
    );
    assert_eq!(s["indices"]["bulk"]["operations"]["total"]["count"], 10);
    assert_eq!(s["indices"]["refresh"]["total_time"]["ms"], 30);
    assert_eq!(s["fs"]["summary"]["available"]["bytes"], 50_000);
    assert_eq!(s["fs"]["summary"]["total"]["bytes"], 100_000);
    assert_eq!(s["fs"]["total"]["available_in_bytes"], 50_000);
    assert_eq!(
        s["fs"]["io_stats"]["total"]["read"]["operations"]["count"],
        5
    );
    assert_eq!(s["os"]["cpu"]["load_avg"]["1m"], 0.42);
    assert_eq!(s["os"]["cgroup"]["memory"]["limit"]["bytes"], "max");
    assert_eq!(s["os"]["cgroup"]["cpu"]["cfs"]["quota"]["us"], -1);
    assert_eq!(s["process"]["cpu"]["pct"], 2);
    assert_eq!(s["process"]["open_file_descriptors"], 310);
    assert_eq!(s["thread_pool"]["write"]["rejected"]["count"], 1);
    assert_eq!(s["thread_pool"]["search"]["queue"]["count"], 2);
    assert!(
        s["thread_pool"].get("index").is_none(),
        "absent pools are not invented"
    );
    assert_eq!(
        s["indexing_pressure"]["memory"]["total"]["primary"]["bytes"],
        10
    );
    assert_eq!(
        s["indexing_pressure"]["memory"]["limit_in_bytes"],
        107_374_182
    );
    assert_eq!(s["ingest"]["total"]["count"], 3);
    assert!(
        s.get("name").is_none(),
        "the name moves to elasticsearch.node.name"
    );

    let other = node_stats(&info(), &node_stats_fixture(), "n2", &|_| false).unwrap();
    assert_eq!(other[0]["elasticsearch"]["node"]["master"], false);
    assert!(node_stats(&info(), &json!({"error": "x"}), "n1", &|_| false).is_err());
    let nameless = json!({"nodes": {"n1": {"jvm": {}}}});
    assert!(node_stats(&info(), &nameless, "n1", &|_| false).is_err());
}

fn state_fixture() -> Value {
    json!({
      "cluster_name": "prod", "cluster_uuid": "UUID-1", "version": 42, "state_uuid": "ST-9",
      "master_node": "n1",
      "nodes": {"n1": {"name": "node-1", "ephemeral_id": "eph-b", "transport_address": "127.0.0.1:9300",
                       "external_id": "node-1", "attributes": {}, "roles": ["master", "data"], "version": "8.17.0"},
                "n2": {"name": "node-2", "ephemeral_id": "eph-a", "transport_address": "127.0.0.2:9300",
                       "external_id": "node-2", "attributes": {}, "roles": ["data"], "version": "8.17.0"}},
      "routing_table": {"indices": {
        "logs": {"shards": {"0": [
            {"state": "STARTED", "primary": true, "node": "n1", "relocating_node": null, "shard": 0, "index": "logs"},
            {"state": "UNASSIGNED", "primary": false, "node": null, "relocating_node": null, "shard": 0, "index": "logs"}]}},
        ".monitoring-es-8-mb": {"shards": {"0": [
            {"state": "STARTED", "primary": true, "node": "n2", "relocating_node": null, "shard": 0, "index": ".ds-x"}]}}
      }}
    })
}

#[test]
fn nodes_hash_is_fnv1_of_the_sorted_ephemeral_ids() {
    let state = state_fixture();
    let nodes = state["nodes"].as_object().unwrap();
    // FNV-1 32 of "eph-aeph-b", computed independently, as a signed int.
    let mut h: u32 = 2_166_136_261;
    for b in b"eph-aeph-b" {
        h = h.wrapping_mul(16_777_619) ^ u32::from(*b);
    }
    assert_eq!(nodes_hash(nodes).unwrap(), h as i32);
    assert_eq!(nodes_hash(&Map::new()).unwrap(), 0x811c_9dc5_u32 as i32);
    let mut broken = nodes.clone();
    broken.insert("n3".into(), json!({"name": "x"}));
    assert!(nodes_hash(&broken).unwrap_err().contains("n3"));
}

#[test]
fn cluster_stats_document() {
    let stats = json!({
      "_nodes": {"total": 2, "successful": 2, "failed": 0}, "cluster_name": "prod",
      "cluster_uuid": "UUID-1", "timestamp": 1, "status": "yellow",
      "indices": {"count": 2, "shards": {"total": 3, "primaries": 2, "replication": 0.5},
                  "docs": {"count": 120, "deleted": 3}, "store": {"size_in_bytes": 4096},
                  "fielddata": {"memory_size_in_bytes": 0, "evictions": 0}},
      "nodes": {"count": {"total": 2, "master": 1, "data": 2}, "versions": ["8.17.0"],
                "fs": {"total_in_bytes": 200_000, "free_in_bytes": 120_000, "available_in_bytes": 100_000},
                "jvm": {"max_uptime_in_millis": 60000, "mem": {"heap_used_in_bytes": 10, "heap_max_in_bytes": 20}}}
    });
    let license = json!({"status": "active", "uid": "lic-1", "type": "basic",
        "issue_date": "2024-01-01T00:00:00.000Z", "issue_date_in_millis": 1_704_067_200_000u64,
        "max_nodes": 1000, "max_resource_units": null, "issued_to": "prod", "issuer": "elasticsearch",
        "start_date_in_millis": -1});
    let usage = json!({"security": {"available": true, "enabled": true, "ssl": {"http": {"enabled": true},
        "transport": {"enabled": false}}}, "ccr": {"available": false, "enabled": true}});
    let settings = json!({"defaults": {"cluster": {"metadata": {"display_name": "Default"}}},
                          "persistent": {"cluster.metadata.display_name": "Production"}});
    let state = state_fixture();
    let input = ClusterStatsInputs {
        stats: &stats,
        license: &license,
        state: &state,
        usage: &usage,
        settings: &settings,
    };
    let docs = cluster_stats(&info(), &input).unwrap();
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    let es = &d["elasticsearch"];
    assert_eq!(es["cluster"]["id"], "UUID-1");
    assert_eq!(es["version"], 42, "the cluster state version");
    let c = &es["cluster"]["stats"];
    assert_eq!(c["status"], "yellow");
    assert_eq!(c["nodes"]["count"], 2);
    assert_eq!(c["nodes"]["master"], 1);
    assert_eq!(c["nodes"]["versions"], json!(["8.17.0"]));
    assert_eq!(c["nodes"]["fs"]["available"]["bytes"], 100_000);
    assert_eq!(c["nodes"]["jvm"]["max_uptime"]["ms"], 60000);
    assert_eq!(c["nodes"]["jvm"]["memory"]["heap"]["max"]["bytes"], 20);
    assert_eq!(c["indices"]["total"], 2);
    assert_eq!(c["indices"]["docs"]["total"], 120);
    assert_eq!(c["indices"]["shards"], json!({"count": 3, "primaries": 2}));
    assert_eq!(c["indices"]["store"]["size"]["bytes"], 4096);
    assert_eq!(c["license"]["type"], "basic");
    assert_eq!(c["license"]["status"], "active");
    assert_eq!(c["license"]["cluster_needs_tls"], false, "not a trial");
    assert!(
        c["license"].get("max_resource_units").is_none(),
        "nulls are left out"
    );
    assert_eq!(c["state"]["master_node"], "n1");
    assert_eq!(c["state"]["state_uuid"], "ST-9");
    assert_eq!(c["state"]["nodes"]["n2"]["name"], "node-2");
    assert!(c["state"]["nodes_hash"].is_i64());
    assert!(c["state"].get("routing_table").is_none());
    assert_eq!(
        c["stack"]["xpack"]["ccr"],
        json!({"enabled": true, "available": false})
    );
    assert_eq!(c["stack"]["apm"]["found"], false);
    assert_eq!(
        d["cluster_settings"]["cluster"]["metadata"]["display_name"], "Production",
        "persistent overrides defaults"
    );

    let trial = json!({"type": "trial", "status": "active"});
    let input = ClusterStatsInputs {
        license: &trial,
        ..input
    };
    let docs = cluster_stats(&info(), &input).unwrap();
    assert_eq!(
        docs[0]["elasticsearch"]["cluster"]["stats"]["license"]["cluster_needs_tls"],
        true
    );
    let empty = json!({});
    let input = ClusterStatsInputs {
        settings: &empty,
        ..input
    };
    assert!(
        cluster_stats(&info(), &input).unwrap()[0]
            .get("cluster_settings")
            .is_none()
    );
    let no_status = json!({"nodes": {}});
    let input = ClusterStatsInputs {
        stats: &no_status,
        ..input
    };
    assert!(
        cluster_stats(&info(), &input)
            .unwrap_err()
            .contains("status")
    );
}

#[test]
fn index_documents_carry_health_shards_and_hidden() {
    let stats = json!({"indices": {
      "logs": {"uuid": "u-logs", "health": "yellow", "status": "open",
               "primaries": {"docs": {"count": 100, "deleted": 0}, "store": {"size_in_bytes": 2048},
                             "indexing": {"index_total": 100, "index_time_in_millis": 40, "throttle_time_in_millis": 0},
                             "refresh": {"total": 3, "total_time_in_millis": 7}},
               "total": {"docs": {"count": 100}, "store": {"size_in_bytes": 2048},
                         "search": {"query_total": 9, "query_time_in_millis": 3},
                         "bulk": {"total_operations": 2, "total_time_in_millis": 5, "total_size_in_bytes": 9,
                                  "avg_time_in_millis": 2, "avg_size_in_bytes": 4}}},
      ".monitoring-es-8-mb": {"uuid": "u-mon", "primaries": {}, "total": {}},
      "gone": {"primaries": {}, "total": {}}
    }});
    let settings = json!({".monitoring-es-8-mb": {"settings": {"index": {"hidden": "true"}}}});
    let (docs, errors) = index(&info(), &stats, &state_fixture(), &settings);
    assert_eq!(docs.len(), 2);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("[gone]"), "{errors:?}");
    let logs = docs
        .iter()
        .find(|d| d["elasticsearch"]["index"]["name"] == "logs")
        .unwrap();
    let i = &logs["elasticsearch"]["index"];
    assert_eq!(logs["elasticsearch"]["cluster"]["id"], "UUID-1");
    assert_eq!(i["uuid"], "u-logs");
    assert_eq!(i["status"], "yellow", "a replica is unassigned");
    assert_eq!(i["hidden"], false);
    assert_eq!(i["shards"]["total"], 2);
    assert_eq!(i["shards"]["primaries"], 1);
    assert_eq!(i["shards"]["unassigned_replicas"], 1);
    assert_eq!(i["primaries"]["docs"]["count"], 100);
    assert_eq!(i["primaries"]["indexing"]["index_time_in_millis"], 40);
    assert_eq!(
        i["primaries"]["segments"]["count"], 0,
        "missing counters are 0"
    );
    assert_eq!(i["total"]["search"]["query_total"], 9);
    assert_eq!(i["total"]["store"]["size_in_bytes"], 2048);
    assert_eq!(i["total"]["bulk"]["total_operations"], 2);
    let mon = docs
        .iter()
        .find(|d| d["elasticsearch"]["index"]["name"] == ".monitoring-es-8-mb")
        .unwrap();
    assert_eq!(mon["elasticsearch"]["index"]["hidden"], true);
    assert_eq!(mon["elasticsearch"]["index"]["status"], "green");
    assert!(mon["elasticsearch"]["index"]["total"].get("bulk").is_none());
    let (none, errs) = index(&info(), &json!({}), &state_fixture(), &json!({}));
    assert!(
        none.is_empty() && errs.is_empty(),
        "no indices: nothing to report"
    );
}

#[test]
fn index_summary_document() {
    let stats = json!({"_shards": {"total": 3}, "_all": {
        "primaries": {"docs": {"count": 100, "deleted": 1}, "store": {"size_in_bytes": 2048},
                      "indexing": {"index_total": 100, "index_time_in_millis": 40},
                      "search": {"query_total": 5, "query_time_in_millis": 2},
                      "segments": {"count": 3, "memory_in_bytes": 0},
                      "bulk": {"total_operations": 2, "total_size_in_bytes": 9, "avg_size_in_bytes": 4}},
        "total": {"docs": {"count": 200, "deleted": 2}, "store": {"size_in_bytes": 4096},
                  "indexing": {"index_total": 200, "index_time_in_millis": 80},
                  "search": {"query_total": 10, "query_time_in_millis": 4},
                  "segments": {"count": 6, "memory_in_bytes": 0}}}, "indices": {}});
    let docs = index_summary(&info(), &stats).unwrap();
    let s = &docs[0]["elasticsearch"]["index"]["summary"];
    assert_eq!(docs[0]["elasticsearch"]["cluster"]["name"], "prod");
    assert_eq!(s["primaries"]["docs"]["count"], 100);
    assert_eq!(s["primaries"]["store"]["size"]["bytes"], 2048);
    assert_eq!(s["primaries"]["indexing"]["index"]["count"], 100);
    assert_eq!(s["primaries"]["bulk"]["operations"]["count"], 2);
    assert_eq!(s["total"]["search"]["query"]["count"], 10);
    assert_eq!(s["total"]["search"]["query"]["time"]["ms"], 4);
    assert_eq!(s["total"]["indexing"]["index"]["time"]["ms"], 80);
    assert!(s["total"].get("bulk").is_none());
    assert!(index_summary(&info(), &json!({"indices": {}})).is_err());
}

#[test]
fn shard_documents_have_metricbeat_ids() {
    let docs = shards(&info(), &state_fixture()).unwrap();
    assert_eq!(docs.len(), 3);
    let ids: Vec<&str> = docs
        .iter()
        .map(|d| d["@metadata"]["_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"ST-9:n1:logs:0:p"), "{ids:?}");
    assert!(ids.contains(&"ST-9:_na:logs:0:r"), "{ids:?}");
    assert!(ids.contains(&"ST-9:n2:.monitoring-es-8-mb:0:p"), "{ids:?}");
    let p = docs
        .iter()
        .find(|d| d["@metadata"]["_id"] == "ST-9:n1:logs:0:p")
        .unwrap();
    let es = &p["elasticsearch"];
    assert_eq!(es["index"]["name"], "logs");
    assert_eq!(es["node"], json!({"id": "n1", "name": "node-1"}));
    assert_eq!(es["cluster"]["state"]["id"], "ST-9");
    assert_eq!(es["cluster"]["stats"]["state"]["state_uuid"], "ST-9");
    assert_eq!(es["shard"]["number"], 0);
    assert_eq!(es["shard"]["primary"], true);
    assert_eq!(es["shard"]["state"], "STARTED");
    assert_eq!(
        es["shard"]["source_node"],
        json!({"uuid": "n1", "name": "node-1"})
    );
    let r = docs
        .iter()
        .find(|d| d["@metadata"]["_id"] == "ST-9:_na:logs:0:r")
        .unwrap();
    assert!(r["elasticsearch"].get("node").is_none());
    assert_eq!(r["elasticsearch"]["shard"]["state"], "UNASSIGNED");
    let mut bad = state_fixture();
    bad["routing_table"]["indices"]["logs"]["shards"]["0"][0]["node"] = json!("n9");
    assert!(shards(&info(), &bad).unwrap_err().contains("n9"));
    assert!(shards(&info(), &json!({})).is_err());
}

#[test]
fn recovery_ccr_enrich_and_ml_documents() {
    let recovery = json!({"logs": {"shards": [{
        "id": 0, "type": "EMPTY_STORE", "stage": "DONE", "primary": true,
        "start_time_in_millis": 10, "stop_time_in_millis": 20, "total_time_in_millis": 10,
        "source": {}, "target": {"id": "n1", "host": "127.0.0.1", "transport_address": "127.0.0.1:9300",
                                 "ip": "127.0.0.1", "name": "node-1"},
        "index": {"size": {"total_in_bytes": 0, "recovered_in_bytes": 0}, "files": {"total": 0, "recovered": 0}},
        "translog": {"recovered": 0, "total": 0}}]}});
    let docs = index_recovery(&info(), &recovery).unwrap();
    assert_eq!(docs.len(), 1);
    let r = &docs[0]["elasticsearch"]["index"];
    assert_eq!(r["name"], "logs");
    assert_eq!(r["recovery"]["stage"], "DONE");
    assert_eq!(r["recovery"]["start_time"]["ms"], 10);
    assert_eq!(r["recovery"]["target"]["name"], "node-1");
    assert_eq!(r["recovery"]["name"], "logs");
    assert_eq!(r["recovery"]["index"]["size"]["total_in_bytes"], 0);
    assert_eq!(r["recovery"]["index"]["files"]["total"], 0);
    assert_eq!(r["recovery"]["translog"]["total"], 0);
    assert!(index_recovery(&info(), &json!({})).unwrap().is_empty());
    assert!(index_recovery(&info(), &json!([])).is_err());

    let ccr_stats = json!({"auto_follow_stats": {"number_of_failed_follow_indices": 0,
        "number_of_failed_remote_cluster_state_requests": 1, "number_of_successful_follow_indices": 2,
        "recent_auto_follow_errors": [], "auto_followed_clusters": []},
      "follow_stats": {"indices": [{"index": "f", "shards": [{"remote_cluster": "leader",
        "leader_index": "l", "follower_index": "f", "shard_id": 0, "leader_global_checkpoint": 5,
        "leader_max_seq_no": 5, "follower_global_checkpoint": 4, "follower_max_seq_no": 4,
        "operations_written": 4, "failed_read_requests": 1, "successful_read_requests": 3,
        "outstanding_read_requests": 1, "failed_write_requests": 0, "successful_write_requests": 2,
        "outstanding_write_requests": 0, "time_since_last_read_millis": 7, "read_exceptions": []}]}]}});
    let docs = ccr(&info(), &ccr_stats).unwrap();
    assert_eq!(docs.len(), 1, "one per follower shard");
    let c = &docs[0]["elasticsearch"]["ccr"];
    assert_eq!(c["leader"]["index"], "l");
    assert_eq!(c["follower"]["shard"]["number"], 0);
    assert_eq!(c["requests"]["failed"]["read"]["count"], 1);
    assert_eq!(c["requests"]["successful"]["write"]["count"], 2);
    assert_eq!(
        c["auto_follow"]["success"]["follow_indices"]["count"], 2,
        "the auto-follow statistics ride along"
    );
    assert_eq!(c["follower"]["operations_written"], 4);
    assert!(ccr(&info(), &json!({})).unwrap().is_empty());

    let enrich_stats = json!({"executing_policies": [{"name": "p", "task": {"id": 1, "action": "x",
        "start_time_in_millis": 5, "running_time_in_nanos": 9, "cancellable": false}}],
        "coordinator_stats": [{"node_id": "n1", "queue_size": 0, "remote_requests_current": 0,
                               "remote_requests_total": 3, "executed_searches_total": 3}],
        "cache_stats": []});
    let docs = enrich(&info(), &enrich_stats).unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["elasticsearch"]["node"]["id"], "n1");
    assert_eq!(
        docs[0]["elasticsearch"]["enrich"]["remote_requests"]["total"],
        3
    );
    assert_eq!(
        docs[1]["elasticsearch"]["enrich"]["executing_policy"]["name"],
        "p"
    );
    assert!(enrich(&info(), &json!({})).is_err());

    let ml = json!({"count": 1, "jobs": [{"job_id": "j1", "state": "opened",
        "data_counts": {"processed_record_count": 9, "invalid_date_count": 0},
        "model_size_stats": {"memory_status": "ok"}, "forecasts_stats": {"total": 2},
        "node": {"id": "n1", "name": "node-1"}}]});
    let docs = ml_jobs(&info(), &ml).unwrap();
    let j = &docs[0]["elasticsearch"];
    assert_eq!(j["ml"]["job"]["id"], "j1");
    assert_eq!(j["ml"]["job"]["state"], "opened");
    assert_eq!(j["ml"]["job"]["forecasts_stats"]["total"], 2);
    assert_eq!(j["ml"]["job"]["model_size"]["memory_status"], "ok");
    assert_eq!(j["node"]["name"], "node-1");
    assert!(
        ml_jobs(&info(), &json!({"count": 0, "jobs": []}))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn put_keeps_dotted_keys_of_values() {
    let mut v = json!({});
    put(&mut v, "a.b", json!({".monitoring-es-8-mb": 1}));
    assert_eq!(v["a"]["b"][".monitoring-es-8-mb"], 1);
    assert!(Info::parse(&json!({"cluster_name": "x"})).is_none());
}
