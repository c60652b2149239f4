//! Statistics, cat and multi-request APIs over HTTPS with the official Python
//! `elasticsearch` client: `cat.indices(format=json)`, `indices.stats()`, `mget`, `msearch`,
//! `delete_by_query` and `cluster.health(level="indices")` on real documents.

use crate::support::python_scenario_on_a_new_node;

const SCENARIO: &str = r#"
import sys
from elasticsearch import Elasticsearch, helpers
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
es = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("elastic", password))

# Both indices are created by their first write, with Elasticsearch's default of one
# replica, which one node never assigns: yellow.
docs = [{"_index": "stats-a", "_id": str(i), "_source": {"n": i, "kind": "odd" if i % 2 else "even"}} for i in range(10)]
docs.append({"_index": "stats-b", "_id": "x", "_source": {"n": 100}})
ok, errors = helpers.bulk(es, docs, refresh=True)
assert ok == 11 and errors == [], errors

rows = es.cat.indices(index="stats-*", format="json", bytes="b", s="index")
assert [r["index"] for r in rows] == ["stats-a", "stats-b"], rows
a, b = rows
assert a["health"] == "yellow" and b["health"] == "yellow", rows
assert a["docs.count"] == "10" and b["docs.count"] == "1", rows
assert a["pri"] == "1" and a["rep"] == "1", rows
assert int(a["store.size"]) > 0, rows

stats = es.indices.stats()
assert stats["indices"]["stats-a"]["primaries"]["docs"]["count"] == 10, stats["indices"]["stats-a"]
assert stats["indices"]["stats-a"]["primaries"]["indexing"]["index_total"] == 10
assert stats["indices"]["stats-b"]["health"] == "yellow"
assert stats["_all"]["primaries"]["docs"]["count"] >= 11
assert stats["_shards"]["failed"] == 0 and stats["_shards"]["total"] == 2 * stats["_shards"]["successful"], stats["_shards"]
only_docs = es.indices.stats(index="stats-a", metric="docs")
assert list(only_docs["indices"]["stats-a"]["primaries"].keys()) == ["docs"], only_docs

got = es.mget(docs=[{"_index": "stats-a", "_id": "3"}, {"_index": "stats-b", "_id": "x", "_source": False}, {"_index": "stats-a", "_id": "nope"}])
assert got["docs"][0]["found"] and got["docs"][0]["_source"] == {"n": 3, "kind": "odd"}, got
assert got["docs"][1]["found"] and "_source" not in got["docs"][1], got
assert got["docs"][2]["found"] is False, got
got = es.mget(index="stats-a", ids=["1", "2"])
assert [d["_id"] for d in got["docs"]] == ["1", "2"], got

res = es.msearch(searches=[
    {"index": "stats-a"}, {"query": {"term": {"kind": "odd"}}, "size": 0},
    {"index": "stats-b"}, {"query": {"match_all": {}}},
    {"index": "missing-index"}, {"query": {"match_all": {}}},
])
r = res["responses"]
assert r[0]["status"] == 200 and r[0]["hits"]["total"]["value"] == 5, r[0]
assert r[1]["hits"]["hits"][0]["_id"] == "x", r[1]
assert r[2]["status"] == 404 and r[2]["error"]["type"] == "index_not_found_exception", r[2]

d = es.delete_by_query(index="stats-a", query={"term": {"kind": "even"}}, refresh=True)
assert d["total"] == 5 and d["deleted"] == 5 and d["failures"] == [], d
assert es.count(index="stats-a")["count"] == 5
u = es.update_by_query(index="stats-a", refresh=True, conflicts="proceed")
assert u["updated"] == 5, u

h = es.cluster.health(level="indices")
assert h["status"] == "yellow", h
assert h["indices"]["stats-a"]["status"] == "yellow", h["indices"]
assert h["indices"]["stats-b"]["number_of_replicas"] == 1 and h["indices"]["stats-b"]["unassigned_shards"] == 1, h["indices"]
assert h["active_primary_shards"] >= 2 and h["unassigned_shards"] >= 2, h
h = es.cluster.health(index="stats-a", wait_for_status="yellow", timeout="5s")
assert h["status"] == "yellow" and not h["timed_out"], h
state = es.cluster.state(metric="metadata,routing_table", index="stats-a")
assert list(state["metadata"]["indices"].keys()) == ["stats-a"], state["metadata"]["indices"].keys()
assert state["routing_table"]["indices"]["stats-a"]["shards"]["0"][0]["state"] == "STARTED"
print("ok")
"#;

#[test]
fn stats_cat_and_multi_requests_with_the_python_client() {
    python_scenario_on_a_new_node(SCENARIO);
}
