//! Documents over HTTPS with the official Python `elasticsearch` client and curl: index, get,
//! update and delete single documents, the client's bulk helper, searches (with aggregations
//! and highlighting) and counts, the guide's writer and reader roles with real documents; and
//! a crash test that `kill -9`s the node during bulk ingest, restarts it, and checks by id
//! that every acknowledged document is there.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    TestNode, have_python_module, have_tool, python, run_python_scenario, start_secured,
};

const SCENARIO: &str = r#"
import sys
from elasticsearch import Elasticsearch, NotFoundError, ConflictError, BadRequestError, AuthorizationException
from elasticsearch import helpers
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"https://localhost:{port}"
es = Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", password))

r = es.index(index="books", id="1", document={"title": "Dune", "year": 1965, "tags": ["sf"]})
assert r["result"] == "created" and r["_version"] == 1, r
r = es.index(index="books", document={"title": "Solaris", "year": 1961})
auto_id = r["_id"]
assert len(auto_id) == 20, r
g = es.get(index="books", id="1")
assert g["found"] and g["_source"]["title"] == "Dune", g
assert es.exists(index="books", id="1")
assert not es.exists(index="books", id="nope")
try:
    es.create(index="books", id="1", document={"title": "again"})
    raise SystemExit("create overwrote")
except ConflictError as e:
    assert e.body["error"]["type"] == "version_conflict_engine_exception", e.body
u = es.update(index="books", id="1", doc={"year": 1966}, source=True)
assert u["result"] == "updated" and u["get"]["_source"]["year"] == 1966, u

docs = ({"_index": "books", "_id": f"b{i}", "_source": {"title": f"Book {i}", "year": 1900 + i % 100}} for i in range(500))
ok, errors = helpers.bulk(es, docs, chunk_size=100, refresh=True)
assert ok == 500 and errors == [], (ok, errors)
s = es.search(index="books", query={"range": {"year": {"gte": 1990}}}, size=3, sort=[{"year": "desc"}])
assert s["hits"]["total"]["value"] == 50, s["hits"]["total"]
assert s["hits"]["hits"][0]["_source"]["year"] == 1999, s["hits"]["hits"][0]
s = es.search(index="bo*", q="title:dune")
assert s["hits"]["hits"][0]["_id"] == "1", s
assert es.count(index="books")["count"] == 502
# helpers.scan scrolls (and clears its scroll); a point in time pages with search_after.
recent = {"range": {"year": {"gte": 1950}}}
expected = es.count(index="books", query=recent)["count"]
got = [h["_id"] for h in helpers.scan(es, index="books", query={"query": recent}, size=37)]
assert len(got) == expected == len(set(got)), (len(got), expected)
pit = es.open_point_in_time(index="books", keep_alive="1m")["id"]
es.index(index="books", id="after-pit", document={"title": "Late", "year": 2000}, refresh=True)
seen, after = [], None
while True:
    page = es.search(pit={"id": pit, "keep_alive": "1m"}, size=100, sort=[{"year": "asc"}], search_after=after)
    hits = page["hits"]["hits"]
    if not hits:
        break
    seen += [h["_id"] for h in hits]
    after = hits[-1]["sort"]
assert len(seen) == 502 and "after-pit" not in seen, len(seen)
assert es.close_point_in_time(id=pit)["succeeded"]
es.delete(index="books", id="after-pit", refresh=True)
a = es.search(index="books", size=0, query={"range": {"year": {"gte": 1990}}}, aggs={
    "years": {"terms": {"field": "year", "size": 3, "order": {"_key": "desc"}}},
    "avg_year": {"avg": {"field": "year"}},
    "halves": {"histogram": {"field": "year", "interval": 5}, "aggs": {"top": {"top_hits": {"size": 1, "sort": [{"year": "asc"}], "_source": ["year"]}}}}})
aggs = a["aggregations"]
assert [(b["key"], b["doc_count"]) for b in aggs["years"]["buckets"]] == [(1999, 5), (1998, 5), (1997, 5)], aggs
assert aggs["years"]["sum_other_doc_count"] == 35 and aggs["years"]["doc_count_error_upper_bound"] == 0, aggs
assert aggs["avg_year"]["value"] == 1994.5, aggs
assert [(b["key"], b["doc_count"]) for b in aggs["halves"]["buckets"]] == [(1990.0, 25), (1995.0, 25)], aggs
assert aggs["halves"]["buckets"][1]["top"]["hits"]["hits"][0]["_source"] == {"year": 1995}, aggs
a = es.search(index="books", size=0, typed_keys=True, aggs={"years": {"terms": {"field": "year"}}, "n": {"cardinality": {"field": "title.keyword"}}})
assert sorted(a["aggregations"]) == ["cardinality#n", "lterms#years"], a["aggregations"]
assert a["aggregations"]["cardinality#n"]["value"] == 502, a["aggregations"]
try:
    es.search(index="books", aggs={"t": {"terms": {"field": "title"}}})
    raise SystemExit("terms on a text field accepted")
except BadRequestError as e:
    assert e.body["error"]["type"] == "search_phase_execution_exception", e.body
    assert e.body["error"]["root_cause"][0]["reason"].startswith("Fielddata is disabled on [title] in [books]."), e.body
try:
    es.search(index="books", aggs={"t": {"term": {"field": "year"}}})
    raise SystemExit("unknown aggregation accepted")
except BadRequestError as e:
    assert e.body["error"]["reason"] == "Unknown aggregation type [term] did you mean [terms]?", e.body
# Highlighting: Kibana Discover's request (its tags, every field, one fragment per value) over
# a `message` text field, fragments of 20 characters, and whole values.
es.indices.create(index="logs", mappings={"properties": {"message": {"type": "text"}, "host": {"type": "keyword"}}})
es.index(index="logs", id="1", document={"message": "Disk quota exceeded on /var, disk almost full", "host": "web-1"}, refresh=True)
h = es.search(index="logs", query={"bool": {"must": [], "filter": [{"multi_match": {"type": "best_fields", "query": "disk", "lenient": True}}]}},
              highlight={"pre_tags": ["@kibana-highlighted-field@"], "post_tags": ["@/kibana-highlighted-field@"], "fields": {"*": {}}, "fragment_size": 2147483647})
assert h["hits"]["hits"][0]["highlight"] == {"message": ["@kibana-highlighted-field@Disk@/kibana-highlighted-field@ quota exceeded on /var, @kibana-highlighted-field@disk@/kibana-highlighted-field@ almost full"]}, h
h = es.search(index="logs", query={"match": {"message": "DISK"}}, highlight={"fields": {"message": {"fragment_size": 20}}})
assert h["hits"]["hits"][0]["highlight"] == {"message": ["<em>Disk</em> quota exceeded", " on /var, <em>disk</em>"]}, h
h = es.search(index="logs", q="message:full", highlight={"fields": {"message": {"number_of_fragments": 0, "fragment_size": 10}}})
assert h["hits"]["hits"][0]["highlight"] == {"message": ["Disk quota exceeded on /var, disk almost <em>full</em>"]}, h
try:
    es.search(index="logs", highlight={"fields": {"message": {}}, "fragmen_size": 10})
    raise SystemExit("unknown highlight option accepted")
except BadRequestError as e:
    assert e.body["error"]["type"] == "x_content_parse_exception", e.body
    assert "[highlight] unknown field [fragmen_size]" in e.body["error"]["reason"], e.body
d = es.delete(index="books", id=auto_id, refresh=True)
assert d["result"] == "deleted", d
assert es.count(index="books", query={"term": {"_id": auto_id}})["count"] == 0
try:
    es.search(index="books", query={"nope": {}})
    raise SystemExit("bad query accepted")
except BadRequestError as e:
    assert e.body["error"]["type"] == "parsing_exception", e.body
try:
    es.get(index="missing", id="1")
    raise SystemExit("missing index found")
except NotFoundError as e:
    assert e.body["error"]["type"] == "index_not_found_exception", e.body

# The guide's roles with real documents.
es.security.put_role(name="mb_writer", cluster=["monitor"], indices=[{"names": ["metricbeat-*"], "privileges": ["create_doc", "view_index_metadata", "create_index"]}])
es.security.put_role(name="mb_reader", indices=[{"names": ["metricbeat-*"], "privileges": ["read", "view_index_metadata"]}])
es.security.put_user(username="writer", password="writer-password", roles=["mb_writer"])
es.security.put_user(username="reader", password="reader-password", roles=["mb_reader"])
writer = es.options(basic_auth=("writer", "writer-password"))
reader = es.options(basic_auth=("reader", "reader-password"))
ok, errors = helpers.bulk(writer, ({"_op_type": "create", "_index": "metricbeat-9.0.0", "_source": {"@timestamp": "2026-12-07T10:00:00Z", "host": {"name": f"h{i}"}}} for i in range(20)), refresh=True, raise_on_error=False)
assert ok == 20 and errors == [], errors
ok, errors = helpers.bulk(writer, [{"_op_type": "index", "_index": "metricbeat-9.0.0", "_id": "x", "_source": {"a": 1}}], raise_on_error=False)
assert ok == 0 and errors[0]["index"]["status"] == 403, errors
try:
    writer.search(index="metricbeat-*")
    raise SystemExit("the writer read")
except AuthorizationException:
    pass
assert reader.count(index="metricbeat-*")["count"] == 20
a = reader.search(index="metricbeat-*", size=0, aggs={"hosts": {"cardinality": {"field": "host.name.keyword"}}, "per_hour": {"date_histogram": {"field": "@timestamp", "calendar_interval": "hour"}}})
assert a["aggregations"]["hosts"]["value"] == 20, a
assert a["aggregations"]["per_hour"]["buckets"] == [{"key_as_string": "2026-12-07T10:00:00.000Z", "key": 1796637600000, "doc_count": 20}], a
try:
    reader.index(index="metricbeat-9.0.0", document={"a": 1})
    raise SystemExit("the reader wrote")
except AuthorizationException:
    pass
print("ok")
"#;

#[test]
fn documents_bulk_and_search_with_the_python_client_and_curl() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    let ca = home.path().join("config/certs/http_ca.crt");
    run_python_scenario(SCENARIO, &ca, node.port, &password);
    if have_tool("curl", "--version") {
        let url = format!("https://localhost:{}/curl/_doc/1?refresh=true", node.port);
        let o = Command::new("curl")
            .args(["-s", "--cacert"])
            .arg(&ca)
            .args(["-u", &format!("elastic:{password}")])
            .args(["-X", "PUT", "-H", "Content-Type: application/json"])
            .args(["-d", r#"{"via":"curl"}"#, &url])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["result"], "created", "{v}");
    }
}

/// Writes batches of documents with request durability and prints the ids of each batch the
/// node acknowledged, until it is killed under it.
const WRITER: &str = r#"
import sys, json, urllib3
from elasticsearch import Elasticsearch
ca, port, password, round_no = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
urllib3.disable_warnings()
es = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("elastic", password), request_timeout=10, max_retries=0)
batch = 0
while True:
    ops = []
    ids = []
    for i in range(50):
        doc_id = f"r{round_no}-b{batch}-{i}"
        ids.append(doc_id)
        ops.append({"create": {"_index": "crash", "_id": doc_id}})
        ops.append({"round": int(round_no), "batch": batch, "n": i, "payload": "x" * 200})
    try:
        r = es.bulk(operations=ops)
    except Exception:
        sys.exit(0)
    if r["errors"]:
        print("ERRORS " + json.dumps(r["items"][:2]), flush=True)
        sys.exit(1)
    print("ACK " + " ".join(ids), flush=True)
    batch += 1
"#;

/// Checks that every id exists, in batches of `_search` by `ids`.
const CHECKER: &str = r#"
import sys
from elasticsearch import Elasticsearch
ca, port, password, path = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
es = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("elastic", password), request_timeout=30)
ids = open(path).read().split()
missing = []
for start in range(0, len(ids), 500):
    chunk = ids[start:start + 500]
    for doc_id in chunk:
        if not es.exists(index="crash", id=doc_id):
            missing.append(doc_id)
print(f"checked {len(ids)} missing {len(missing)} {missing[:5]}")
print("ok" if not missing else "MISSING")
"#;

#[test]
fn acknowledged_bulk_writes_survive_kill_9() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    let ca = home.path().join("config/certs/http_ca.crt");
    let mut node = Some(node);
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..4 {
        let port = node.as_ref().map_or(0, |n| n.port);
        let mut writer = Command::new(python())
            .args(["-c", WRITER])
            .arg(&ca)
            .arg(port.to_string())
            .arg(&password)
            .arg(round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = writer.stdout.take().unwrap();
        let (first_ack, writing) = std::sync::mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(ids) = line.strip_prefix("ACK ") {
                    if acks.is_empty() {
                        let _ = first_ack.send(());
                    }
                    acks.extend(ids.split(' ').map(str::to_string));
                } else if line.starts_with("ERRORS") {
                    panic!("bulk errors: {line}");
                }
            }
            acks
        });
        // Once the writer is writing (Python's start-up time varies with the machine's load),
        // let it write for a while (a different moment each round), then kill the node.
        let _ = writing.recv_timeout(Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(300 + 400 * round));
        let running = node.take().unwrap();
        let pid = running.pid();
        Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
        let _ = writer.wait();
        let acks = reader.join().unwrap();
        assert!(!acks.is_empty(), "round {round}: nothing was acknowledged");
        acknowledged.extend(acks);
        drop(running);
        let restarted = TestNode::start(home.path(), &[]);
        node = Some(restarted);
    }
    let list = home.path().join("acknowledged.txt");
    std::fs::write(&list, acknowledged.join("\n")).unwrap();
    let port = node.as_ref().map_or(0, |n| n.port);
    let started = Instant::now();
    let o = Command::new(python())
        .args(["-c", CHECKER])
        .arg(&ca)
        .arg(port.to_string())
        .arg(&password)
        .arg(&list)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.trim().ends_with("ok"),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!(
        "{} acknowledged documents checked after 4 kills in {:?}",
        acknowledged.len(),
        started.elapsed()
    );
}
