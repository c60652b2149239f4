//! `_nodes/stats` of a running node read by the official Python client, and every field
//! Metricbeat's `elasticsearch` module (`node_stats` metricset, with and without
//! `xpack.enabled`) reads from it, requested the way Metricbeat requests it.

use crate::support::*;

#[test]
fn official_python_client_reads_every_section() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let (_home, node, password) = secured_node();
    let script = r#"
import sys
from elasticsearch import Elasticsearch, BadRequestError
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
es = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("elastic", password))

r = es.nodes.stats()
assert r["_nodes"] == {"total": 1, "successful": 1, "failed": 0}, r["_nodes"]
assert r["cluster_name"] == "ironstack", r["cluster_name"]
(node_id, n), = r["nodes"].items()
sections = ["indices", "os", "process", "jvm", "thread_pool", "fs", "transport", "http",
            "breakers", "script", "discovery", "ingest", "adaptive_selection", "script_cache",
            "indexing_pressure", "repositories", "allocations"]
assert list(n) == ["timestamp", "name", "transport_address", "host", "ip", "roles"] + sections, list(n)
assert n["roles"] == ["data", "master"], n["roles"]
assert len(n["indices"]) == 21, list(n["indices"])
assert n["process"]["open_file_descriptors"] > 0
assert n["process"]["mem"]["total_virtual_in_bytes"] > 0
assert n["os"]["mem"]["total_in_bytes"] > 0
assert 0 < n["jvm"]["mem"]["heap_used_in_bytes"] < n["jvm"]["mem"]["heap_max_in_bytes"]
assert n["jvm"]["threads"]["count"] >= 1
assert n["fs"]["data"][0]["path"].endswith("/data"), n["fs"]["data"]
assert n["fs"]["total"]["total_in_bytes"] >= n["fs"]["total"]["available_in_bytes"] > 0
assert n["http"]["current_open"] >= 1 and n["http"]["total_opened"] >= 1
assert n["thread_pool"]["generic"]["threads"] >= 1
heap = n["jvm"]["mem"]["heap_max_in_bytes"]
assert n["breakers"]["parent"]["limit_size_in_bytes"] == int(heap * 0.95)
assert n["indexing_pressure"]["memory"]["limit_in_bytes"] == int(heap * 0.1)
assert n["transport"]["server_open"] == 0

r = es.nodes.stats(node_id="_local", metric="jvm,os")
(n,) = r["nodes"].values()
assert list(n)[6:] == ["os", "jvm"], list(n)

r = es.nodes.stats(node_id="_local", metric="indices", index_metric="docs,store", human=True)
(n,) = r["nodes"].values()
assert list(n)[6:] == ["indices"], list(n)
assert list(n["indices"]) == ["docs", "store"], n["indices"]
# The security indices hold the elastic user from the first start on, as in Elasticsearch.
assert n["indices"]["store"]["size_in_bytes"] > 0, n["indices"]["store"]
assert n["indices"]["store"]["size"].endswith("b"), n["indices"]["store"]

r = es.nodes.stats(metric="process", human=True)
(n,) = r["nodes"].values()
assert list(n["process"]["cpu"]) == ["percent", "total", "total_in_millis"], n["process"]

r = es.nodes.stats(node_id="_local", metric="indices", level="shards")
(n,) = r["nodes"].values()
assert set(n["indices"]["shards"]) <= {".security-7", ".security-tokens-7"}, n["indices"]["shards"]

try:
    es.nodes.stats(metric="jvms")
    raise SystemExit("unknown metric accepted")
except BadRequestError as e:
    reason = e.body["error"]["reason"]
    assert reason == "request [/_nodes/stats/jvms] contains unrecognized metric: [jvms] -> did you mean [jvm]?", reason
try:
    es.nodes.stats(metric="os", index_metric="docs")
    raise SystemExit("index metric without indices accepted")
except BadRequestError as e:
    assert "but indices stats not requested" in e.body["error"]["reason"], e.body
print("ok")
"#;
    run_python_scenario(script, &node.ca(), node.port, &password);
}

#[test]
fn every_field_metricbeat_reads_is_there() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let (_home, node, password) = secured_node();
    // The paths of Metricbeat's node_stats schema (metricbeat/module/elasticsearch/node_stats
    // data.go), with the JSON type it converts each to. Optional parts are checked when the
    // node has them: cgroup figures and a block device's io_stats.
    let script = r#"
import sys
from elasticsearch import Elasticsearch
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
es = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("elastic", password),
                   headers={"X-Elastic-Product-Origin": "beats"})

metrics = "jvm,indices,fs,os,process,transport,thread_pool,indexing_pressure,ingest"
index_metrics = ("bulk,docs,get,merge,translog,fielddata,indexing,query_cache,request_cache,"
                 "search,shard_stats,store,segments,refresh,flush")
r = es.perform_request("GET", f"/_nodes/_local/stats/{metrics}/{index_metrics}").body
(node_id, n), = r["nodes"].items()

def get(path):
    v = n
    for part in path.split("."):
        assert isinstance(v, dict) and part in v, f"missing {path}"
        v = v[part]
    return v

def number(path):
    v = get(path)
    assert isinstance(v, (int, float)) and not isinstance(v, bool), f"{path}: {v!r}"

def text(path):
    assert isinstance(get(path), str), f"{path}: {get(path)!r}"

text("name")
for k in ["heap_max_in_bytes", "heap_used_in_bytes", "heap_used_percent"]:
    number("jvm.mem." + k)
for pool in ["young", "survivor", "old"]:
    for k in ["used_in_bytes", "max_in_bytes", "peak_used_in_bytes", "peak_max_in_bytes"]:
        number(f"jvm.mem.pools.{pool}.{k}")
number("jvm.threads.count")
for gc in ["young", "old"]:
    number(f"jvm.gc.collectors.{gc}.collection_count")
    number(f"jvm.gc.collectors.{gc}.collection_time_in_millis")
for k in ["avg_size_in_bytes", "avg_time_in_millis", "total_size_in_bytes",
          "total_time_in_millis", "total_operations"]:
    number("indices.bulk." + k)
number("indices.docs.count"); number("indices.docs.deleted")
number("indices.get.time_in_millis"); number("indices.get.total")
for s in ["merges", "refresh", "flush"]:
    number(f"indices.{s}.total_time_in_millis"); number(f"indices.{s}.total")
number("indices.translog.operations"); number("indices.translog.size_in_bytes")
number("indices.fielddata.evictions"); number("indices.fielddata.memory_size_in_bytes")
for k in ["index_time_in_millis", "index_total", "throttle_time_in_millis"]:
    number("indices.indexing." + k)
number("indices.query_cache.memory_size_in_bytes")
number("indices.request_cache.memory_size_in_bytes")
for k in ["fetch_time_in_millis", "fetch_total", "query_time_in_millis", "query_total"]:
    number("indices.search." + k)
number("indices.shard_stats.total_count")
number("indices.store.size_in_bytes"); number("indices.store.total_data_set_size_in_bytes")
for k in ["count", "memory_in_bytes", "doc_values_memory_in_bytes",
          "fixed_bit_set_memory_in_bytes", "index_writer_memory_in_bytes",
          "norms_memory_in_bytes", "points_memory_in_bytes", "stored_fields_memory_in_bytes",
          "term_vectors_memory_in_bytes", "terms_memory_in_bytes", "version_map_memory_in_bytes"]:
    number("indices.segments." + k)
for k in ["total_in_bytes", "free_in_bytes", "available_in_bytes"]:
    number("fs.total." + k)
if get("fs.io_stats"):
    for k in ["operations", "read_kilobytes", "read_operations", "write_kilobytes",
              "write_operations"]:
        number("fs.io_stats.total." + k)
number("os.cpu.load_average.1m")
if "cgroup" in get("os"):
    number("os.cgroup.cpuacct.usage_nanos")
    number("os.cgroup.cpu.cfs_quota_micros")
    for k in ["number_of_elapsed_periods", "number_of_times_throttled", "time_throttled_nanos"]:
        number("os.cgroup.cpu.stat." + k)
    for k in ["control_group", "limit_in_bytes", "usage_in_bytes"]:
        text("os.cgroup.memory." + k)
number("process.cpu.percent"); number("process.mem.total_virtual_in_bytes")
number("process.open_file_descriptors")
for k in ["rx_count", "rx_size_in_bytes", "tx_count", "tx_size_in_bytes"]:
    number("transport." + k)
# get and search are required; the others when the node has the pool.
for pool in ["get", "search", "write", "flush", "force_merge", "snapshot", "system_read",
             "system_write"]:
    for k in ["active", "queue", "rejected"]:
        number(f"thread_pool.{pool}.{k}")
amounts = ["all_in_bytes", "primary_in_bytes", "coordinating_in_bytes", "replica_in_bytes",
           "combined_coordinating_and_primary_in_bytes"]
for k in amounts:
    number("indexing_pressure.memory.current." + k)
for k in amounts + ["primary_rejections", "coordinating_rejections", "replica_rejections"]:
    number("indexing_pressure.memory.total." + k)
number("indexing_pressure.memory.limit_in_bytes")
for k in ["count", "time_in_millis", "current", "failed"]:
    number("ingest.total." + k)
# Sections Metricbeat did not ask for are not sent.
assert "http" not in n and "breakers" not in n, list(n)

# The two other requests of the metricset: the master's name and the node's mlockall.
master = es.perform_request("GET", "/_nodes/_master", params={"filter_path": "nodes.*.name"}).body
assert list(master["nodes"]) == [node_id], master
info = es.perform_request("GET", f"/_nodes/{node_id}",
                          params={"filter_path": "nodes.*.process.mlockall"}).body
assert info["nodes"][node_id]["process"]["mlockall"] is False, info
print("ok")
"#;
    run_python_scenario(script, &node.ca(), node.port, &password);
}
