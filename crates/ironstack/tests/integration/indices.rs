//! Index administration over HTTPS with the official Python `elasticsearch` client: an index
//! with mappings, settings and aliases (get, exists, mappings, settings, aliases, close and
//! open, refresh, alias rollover), an index template built from a component template, a data
//! stream auto-created by a bulk write, its stats and a manual rollover, `_resolve/index` and
//! `_field_caps`, and an ILM policy the node runs on its own (rollover on `max_docs`, delete
//! after `min_age`) with a one-second `indices.lifecycle.poll_interval`.

use std::time::{Duration, Instant};

use crate::support::{TestNode, banner_password, have_python_module, run_python_scenario};

const SCENARIO: &str = r#"
import sys, time
from elasticsearch import Elasticsearch, NotFoundError, BadRequestError
from elasticsearch import helpers
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
es = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("elastic", password))

# An index with settings, mappings and aliases.
r = es.indices.create(index="books-000001", settings={"number_of_replicas": 0},
    mappings={"properties": {"title": {"type": "text"}, "year": {"type": "integer"}}},
    aliases={"books": {"is_write_index": True}})
assert r["acknowledged"] and r["shards_acknowledged"] and r["index"] == "books-000001", r
assert es.indices.exists(index="books-000001")
assert not es.indices.exists(index="nope")
g = es.indices.get(index="books")
assert g["books-000001"]["mappings"]["properties"]["year"]["type"] == "integer", g
assert g["books-000001"]["aliases"]["books"]["is_write_index"] is True, g
assert g["books-000001"]["settings"]["index"]["number_of_replicas"] == "0", g
try:
    es.indices.create(index="books-000001")
    raise SystemExit("created twice")
except BadRequestError as e:
    assert e.body["error"]["type"] == "resource_already_exists_exception", e.body
es.indices.put_mapping(index="books", properties={"isbn": {"type": "keyword"}})
fm = es.indices.get_field_mapping(index="books-000001", fields="isbn")
assert fm["books-000001"]["mappings"]["isbn"]["mapping"]["isbn"]["type"] == "keyword", fm
es.indices.put_settings(index="books-000001", settings={"index": {"refresh_interval": "5s"}})
s = es.indices.get_settings(index="books-000001", name="index.refresh_interval", flat_settings=True)
assert s["books-000001"]["settings"] == {"index.refresh_interval": "5s"}, s
es.indices.put_alias(index="books-000001", name="library")
assert es.indices.exists_alias(name="library")
assert "books-000001" in es.indices.get_alias(name="library")
es.indices.update_aliases(actions=[{"remove": {"index": "books-000001", "alias": "library"}}])
assert not es.indices.exists_alias(name="library")
es.index(index="books", id="1", document={"title": "Dune", "year": 1965}, refresh=True)
es.indices.close(index="books-000001")
try:
    es.search(index="books-000001")
    raise SystemExit("a closed index was searched")
except BadRequestError as e:
    assert e.body["error"]["type"] == "index_closed_exception", e.body
es.indices.open(index="books-000001")
assert es.indices.refresh(index="books")["_shards"]["failed"] == 0
r = es.indices.rollover(alias="books", conditions={"max_docs": 1})
assert r["rolled_over"] and r["new_index"] == "books-000002", r
assert es.indices.get_alias(name="books")["books-000002"]["aliases"]["books"]["is_write_index"] is True

# Templates: a component template, an index template using it, with an ILM policy.
es.cluster.put_component_template(name="metrics-mappings", template={"mappings": {"properties": {
    "@timestamp": {"type": "date"}, "host": {"properties": {"name": {"type": "keyword"}}},
    "value": {"type": "double"}}}})
assert es.cluster.exists_component_template(name="metrics-mappings")
es.ilm.put_lifecycle(name="metrics-policy", policy={"phases": {
    "hot": {"actions": {"rollover": {"max_docs": 3}}},
    "delete": {"min_age": "0ms", "actions": {"delete": {}}}}})
assert "metrics-policy" in es.ilm.get_lifecycle(name="metrics-policy")
es.indices.put_index_template(name="metrics", index_patterns=["metrics-*"], data_stream={},
    composed_of=["metrics-mappings"], priority=200,
    template={"settings": {"index.lifecycle.name": "metrics-policy"}})
assert es.indices.exists_index_template(name="metrics")
t = es.indices.get_index_template(name="metrics")["index_templates"][0]
assert t["index_template"]["composed_of"] == ["metrics-mappings"], t
sim = es.indices.simulate_index_template(name="metrics-app")
assert sim["template"]["mappings"]["properties"]["value"]["type"] == "double", sim

# A data stream created by the first bulk write to it.
def events(start, n):
    return ({"_op_type": "create", "_index": "metrics-app", "_source": {
        "@timestamp": f"2026-12-07T10:00:{start + i:02d}Z", "host": {"name": "h1"}, "value": i}}
        for i in range(n))
ok, errors = helpers.bulk(es, events(0, 2), refresh=True)
assert ok == 2 and not errors, errors
ds = es.indices.get_data_stream(name="metrics-app")["data_streams"][0]
assert ds["generation"] == 1 and ds["ilm_policy"] == "metrics-policy" and ds["template"] == "metrics", ds
first = ds["indices"][0]["index_name"]
assert first.startswith(".ds-metrics-app-") and first.endswith("-000001"), first
stats = es.indices.data_streams_stats(name="metrics-app")
assert stats["data_streams"][0]["maximum_timestamp"] == 1796637601000, stats
assert stats["data_streams"][0]["store_size_bytes"] > 0, stats
m = es.indices.get_mapping(index="metrics-app")
assert m[first]["mappings"]["properties"]["host"]["properties"]["name"]["type"] == "keyword", m
res = es.indices.resolve_index(name="metrics-*")
assert res["data_streams"] == [{"name": "metrics-app", "backing_indices": [first], "timestamp_field": "@timestamp"}], res
caps = es.field_caps(index="metrics-app", fields="value,host.*")
assert caps["fields"]["value"]["double"]["aggregatable"] is True, caps
assert caps["fields"]["host.name"]["keyword"]["searchable"] is True, caps
explained = es.ilm.explain_lifecycle(index=first)["indices"][first]
assert explained["managed"] and explained["policy"] == "metrics-policy", explained

# A manual rollover, then three documents: ILM rolls the stream over on max_docs and deletes
# the two older backing indices (delete phase, min_age 0ms), polling every second.
r = es.indices.rollover(alias="metrics-app")
assert r["rolled_over"] and r["old_index"] == first, r
second = r["new_index"]
ok, errors = helpers.bulk(es, events(10, 3), refresh=True)
assert ok == 3 and not errors, errors
deadline = time.time() + 60
while True:
    ds = es.indices.get_data_stream(name="metrics-app")["data_streams"][0]
    names = [i["index_name"] for i in ds["indices"]]
    if ds["generation"] >= 3 and first not in names and second not in names:
        break
    assert time.time() < deadline, (ds, es.ilm.explain_lifecycle(index="metrics-app"))
    time.sleep(0.5)
assert not es.indices.exists(index=first) and not es.indices.exists(index=second)
third = names[-1]
explained = es.ilm.explain_lifecycle(index="metrics-app")["indices"][third]
assert (explained["phase"], explained["action"], explained["step"]) == ("hot", "rollover", "check-rollover-ready"), explained
assert es.ilm.get_status()["operation_mode"] == "RUNNING"

es.indices.delete_data_stream(name="metrics-app")
try:
    es.indices.get_data_stream(name="metrics-app")
    raise SystemExit("the data stream is still there")
except NotFoundError:
    pass
es.indices.delete_index_template(name="metrics")
es.cluster.delete_component_template(name="metrics-mappings")
es.ilm.delete_lifecycle(name="metrics-policy")
es.indices.delete(index="books-000001,books-000002")
assert not es.indices.exists(index="books-000001")
print("ok")
"#;

#[test]
fn indices_templates_data_streams_and_ilm_with_the_python_client() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let node = TestNode::start(home.path(), &["indices.lifecycle.poll_interval=1s"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while banner_password(&node.output()).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = node.output();
    let password = banner_password(&out).unwrap_or_else(|| panic!("no password in:\n{out}"));
    let ca = home.path().join("config/certs/http_ca.crt");
    run_python_scenario(SCENARIO, &ca, node.port, &password);
    let out = node.output();
    assert!(
        out.contains("ILM rolled over [metrics-app]"),
        "the runner's rollover is logged:\n{out}"
    );
}
