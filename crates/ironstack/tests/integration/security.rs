//! Integration test of the security REST API over HTTPS with the official Python
//! `elasticsearch` client: the guide's Metricbeat roles and users, checked with
//! `_has_privileges` as each user, the setup user installing the ILM policy and data-stream template
//! the writer writes into, and the 403 a user without `manage_security` gets; API keys
//! created by a Metricbeat writer, used, narrowed, expired and invalidated.

use crate::support::{TestNode, have_python_module, run_python_scenario, start_secured};

const SCENARIO: &str = r#"
import sys
from elasticsearch import Elasticsearch, AuthorizationException
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"https://localhost:{port}"
es = Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", password))

def created(r):
    return r.body["role"]["created"] if "role" in r.body else r.body["created"]

# The guide's four roles.
assert created(es.security.put_role(name="metricbeat_setup", cluster=["monitor", "manage_ilm"],
    indices=[{"names": ["metricbeat-*"], "privileges": ["manage", "write"]}]))
assert created(es.security.put_role(name="metricbeat_monitoring", cluster=["monitor"],
    indices=[{"names": [".monitoring-beats-*"], "privileges": ["create_index", "create_doc"]}]))
assert created(es.security.put_role(name="metricbeat_writer", cluster=["monitor", "read_ilm"],
    indices=[{"names": ["metricbeat-*"], "privileges": ["create_doc", "create_index", "view_index_metadata"]}]))
assert created(es.security.put_role(name="metricbeat_reader",
    indices=[{"names": ["metricbeat-*"], "privileges": ["read"]}],
    applications=[{"application": "kibana-.kibana",
                   "privileges": ["feature_discover.read", "feature_visualize.read",
                                  "feature_dashboard.read", "feature_infrastructure.read"],
                   "resources": ["space:default"]}]))
roles = es.security.get_role(name="metricbeat_writer,metricbeat_reader").body
assert roles["metricbeat_writer"]["cluster"] == ["monitor", "read_ilm"], roles
assert roles["metricbeat_reader"]["applications"][0]["resources"] == ["space:default"], roles

# The guide's users, with the roles it assigns.
users = {
    "metricbeat_setup": ["metricbeat_setup", "kibana_admin", "ingest_admin"],
    "metricbeat_monitoring": ["metricbeat_monitoring", "kibana_admin", "monitoring_user"],
    "metricbeat_writer": ["metricbeat_writer", "remote_monitoring_collector", "remote_monitoring_agent"],
    "metricbeat_reader": ["metricbeat_reader", "monitoring_user", "beats_admin"],
    # The writer role alone, without the monitoring roles the guide adds.
    "writer_only": ["metricbeat_writer"],
}
for name, roles in users.items():
    assert es.security.put_user(username=name, password=name + "-pw", roles=roles).body == {"created": True}
got = es.security.get_user(username="metricbeat_writer").body
assert got["metricbeat_writer"]["roles"] == users["metricbeat_writer"], got

def check(user, cluster, names, privileges):
    as_user = es.options(basic_auth=(user, user + "-pw"))
    r = as_user.security.has_privileges(cluster=cluster,
        index=[{"names": names, "privileges": privileges}]).body
    assert r["username"] == user, r
    return r

r = check("metricbeat_writer", ["monitor", "read_ilm", "manage_ilm"], ["metricbeat-2025"],
          ["create_doc", "create_index", "view_index_metadata", "read"])
assert r["cluster"] == {"monitor": True, "read_ilm": True, "manage_ilm": False}, r
assert r["index"]["metricbeat-2025"] == {"create_doc": True, "create_index": True,
                                         "view_index_metadata": True, "read": False}, r
assert r["has_all_requested"] is False
r = check("writer_only", [], ["metricbeat-2025"], ["create_doc", "index", "read"])
assert r["index"]["metricbeat-2025"] == {"create_doc": True, "index": False, "read": False}, r
# remote_monitoring_agent (assigned by the guide) adds `index` on metricbeat-*.
r = check("metricbeat_writer", [], ["metricbeat-2025"], ["index"])
assert r["index"]["metricbeat-2025"] == {"index": True}, r

r = check("metricbeat_reader", ["monitor"], ["metricbeat-2025", "other-index"], ["read", "create_doc", "index"])
assert r["index"]["metricbeat-2025"] == {"read": True, "create_doc": False, "index": False}, r
assert r["index"]["other-index"] == {"read": False, "create_doc": False, "index": False}, r
assert r["cluster"] == {"monitor": False}, r
as_reader = es.options(basic_auth=("metricbeat_reader", "metricbeat_reader-pw"))
r = as_reader.security.has_privileges(application=[{"application": "kibana-.kibana",
    "privileges": ["feature_discover.read"], "resources": ["space:default"]}]).body
assert r["application"]["kibana-.kibana"]["space:default"]["feature_discover.read"] is True, r

r = check("metricbeat_setup", ["manage_ilm", "monitor", "manage"], ["metricbeat-2025"], ["manage", "write", "read"])
assert r["cluster"] == {"manage_ilm": True, "monitor": True, "manage": False}, r
assert r["index"]["metricbeat-2025"] == {"manage": True, "write": True, "read": False}, r

r = check("metricbeat_monitoring", ["monitor"], [".monitoring-beats-8-2025", "metricbeat-2025"], ["create_doc", "create_index"])
assert r["index"][".monitoring-beats-8-2025"] == {"create_doc": True, "create_index": True}, r
assert r["index"]["metricbeat-2025"] == {"create_doc": False, "create_index": False}, r

# The guide's setup user installs the ILM policy and the data-stream template (ingest_admin
# grants manage_index_templates); the writer then writes into the data stream it auto-creates,
# and cannot read back; a writer without the template's mapping cannot add fields.
as_setup = es.options(basic_auth=("metricbeat_setup", "metricbeat_setup-pw"))
assert as_setup.ilm.put_lifecycle(name="metricbeat", policy={"phases": {"hot": {"actions": {
    "rollover": {"max_primary_shard_size": "50gb", "max_age": "30d"}}}}}).body == {"acknowledged": True}
assert as_setup.indices.put_index_template(name="metricbeat-9.1.0", index_patterns=["metricbeat-9.1.0"],
    data_stream={}, priority=150, template={"settings": {"index.lifecycle.name": "metricbeat"},
    "mappings": {"properties": {"host": {"properties": {"name": {"type": "keyword"}}},
                                "system": {"properties": {"cpu": {"properties": {"total": {"properties": {
                                    "pct": {"type": "scaled_float", "scaling_factor": 1000}}}}}}}}}}).body == {"acknowledged": True}
as_writer = es.options(basic_auth=("writer_only", "writer_only-pw"))
r = as_writer.bulk(operations=[
    {"create": {"_index": "metricbeat-9.1.0"}},
    {"@timestamp": "2026-12-07T10:00:00Z", "host": {"name": "web-1"}, "system": {"cpu": {"total": {"pct": 0.25}}}},
    {"create": {"_index": "metricbeat-9.1.0"}},
    {"@timestamp": "2026-12-07T10:00:10Z", "unmapped": "x"},
], refresh=True).body
assert r["items"][0]["create"]["status"] == 201, r
assert r["items"][1]["create"]["status"] == 403, r
ds = es.indices.get_data_stream(name="metricbeat-9.1.0").body["data_streams"][0]
assert ds["ilm_policy"] == "metricbeat", ds
try:
    as_writer.search(index="metricbeat-9.1.0")
    raise SystemExit("the writer read")
except AuthorizationException:
    pass
as_full_reader = es.options(basic_auth=("metricbeat_reader", "metricbeat_reader-pw"))
assert as_full_reader.count(index="metricbeat-*").body["count"] == 1
try:
    as_full_reader.indices.put_index_template(name="x", index_patterns=["x-*"])
    raise SystemExit("the reader installed a template")
except AuthorizationException:
    pass

# Without manage_security, managing roles is denied with Elasticsearch's exact text.
try:
    as_reader.security.put_role(name="sneaky", cluster=["all"])
    raise SystemExit("role created without manage_security")
except AuthorizationException as e:
    assert e.meta.status == 403
    assert e.body["error"]["type"] == "security_exception", e.body
    assert e.body["error"]["reason"] == ("action [cluster:admin/xpack/security/role/put] is unauthorized "
        "for user [metricbeat_reader] with effective roles [beats_admin,metricbeat_reader,monitoring_user], "
        "this action is granted by the cluster privileges [manage_security,all]"), e.body

# Role changes take effect on the next request.
es.security.put_role(name="metricbeat_reader", indices=[{"names": ["metricbeat-*"], "privileges": ["read", "create_doc"]}])
r = check("metricbeat_reader", [], ["metricbeat-2025"], ["create_doc"])
assert r["index"]["metricbeat-2025"] == {"create_doc": True}, r
assert es.security.delete_role(name="metricbeat_reader").body == {"found": True}
r = check("metricbeat_reader", [], ["other-index"], ["read"])
assert r["has_all_requested"] is False, r
print("ok")
"#;

#[test]
fn guide_metricbeat_roles_and_users_with_the_python_client() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    let port = node.port;
    let ca = home.path().join("config/certs/http_ca.crt");
    run_python_scenario(SCENARIO, &ca, port, &password);
}

const API_KEY_SCENARIO: &str = r#"
import sys, time
from elasticsearch import Elasticsearch, AuthenticationException, AuthorizationException
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"https://localhost:{port}"
es = Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", password))
es.security.put_role(name="metricbeat_writer", cluster=["monitor", "read_ilm", "manage_own_api_key"],
    indices=[{"names": ["metricbeat-*"], "privileges": ["create_doc", "create_index", "view_index_metadata"]}])
es.security.put_user(username="metricbeat_writer", password="writer-pw", roles=["metricbeat_writer"])
writer = es.options(basic_auth=("metricbeat_writer", "writer-pw"))

# Create, then use the key: it authenticates as its owner with the owner's permissions.
k = writer.security.create_api_key(name="metricbeat", metadata={"app": "beats"}).body
assert set(k) == {"id", "name", "api_key", "encoded"}, k
as_key = Elasticsearch(url, ca_certs=ca, api_key=k["encoded"])
me = as_key.security.authenticate().body
assert me["username"] == "metricbeat_writer" and me["authentication_type"] == "api_key", me
assert me["api_key"] == {"id": k["id"], "name": "metricbeat"}, me
assert as_key.cluster.health().body["cluster_name"]
# (id, api_key) works as well as the encoded form.
assert Elasticsearch(url, ca_certs=ca, api_key=(k["id"], k["api_key"])).security.authenticate().body["api_key"]["id"] == k["id"]

# manage_own_api_key must say owner=True, as in Elasticsearch.
got = writer.security.get_api_key(id=k["id"], owner=True).body["api_keys"]
assert len(got) == 1 and got[0]["username"] == "metricbeat_writer" and got[0]["invalidated"] is False, got
assert "api_key" not in got[0] and k["api_key"] not in str(got), got

# A key narrower than its owner gets the 403 for what only the owner may do.
narrow = writer.security.create_api_key(name="narrow",
    role_descriptors={"none": {"cluster": ["manage_own_api_key"]}}).body
try:
    Elasticsearch(url, ca_certs=ca, api_key=narrow["encoded"]).cluster.health()
    raise SystemExit("narrow key read cluster health")
except AuthorizationException as e:
    assert e.body["error"]["reason"] == (f"action [cluster:monitor/health] is unauthorized for API key id "
        f"[{narrow['id']}] of user [metricbeat_writer], this action is granted by the cluster privileges "
        "[monitor,manage,all]"), e.body

# Expiration.
short = writer.security.create_api_key(name="short", expiration="1s").body
assert short["expiration"] > 0, short
time.sleep(1.2)
try:
    Elasticsearch(url, ca_certs=ca, api_key=short["encoded"]).security.authenticate()
    raise SystemExit("expired key accepted")
except AuthenticationException as e:
    assert e.meta.status == 401
    assert e.body["error"]["additional_unsuccessful_credentials"] == "API key: api key is expired", e.body

# Invalidation takes effect on the next request.
r = writer.security.invalidate_api_key(ids=[k["id"]], owner=True).body
assert r == {"invalidated_api_keys": [k["id"]], "previously_invalidated_api_keys": [], "error_count": 0}, r
try:
    as_key.security.authenticate()
    raise SystemExit("invalidated key accepted")
except AuthenticationException as e:
    assert e.body["error"]["additional_unsuccessful_credentials"] == f"API key: api key [{k['id']}] has been invalidated", e.body
keys = {x["id"]: x for x in es.security.get_api_key(username="metricbeat_writer").body["api_keys"]}
assert set(keys) == {k["id"], narrow["id"], short["id"]}, keys
assert keys[k["id"]]["invalidated"] is True and keys[narrow["id"]]["invalidated"] is False, keys
print("ok")
"#;

#[test]
fn api_keys_created_used_expired_and_invalidated_with_the_python_client() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    let port = node.port;
    let ca = home.path().join("config/certs/http_ca.crt");
    run_python_scenario(API_KEY_SCENARIO, &ca, port, &password);
}

/// The security documents are in `.security-7` with Elasticsearch's shapes, readable by the
/// superuser, written only by the security service, and still there after a restart.
#[test]
fn security_documents_live_in_the_security_index() {
    if !have_python_module("elasticsearch") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    let (ca, port) = (node.ca(), node.port);
    let script = r#"
import sys, time
from elasticsearch import Elasticsearch, AuthorizationException
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"https://localhost:{port}"
es = Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", password))
# Auto-configuration wrote the files store; the first start imported it.
es.security.put_user(username="jo", password="jo-password-1", roles=["sysadmin"])
es.security.put_role(name="sysadmin", indices=[{"names": ["*"], "privileges": ["all"], "allow_restricted_indices": True}])
key = es.security.create_api_key(name="k1")
ids = ["reserved-user-elastic", "user-jo", "role-sysadmin", key["id"]]
deadline = time.time() + 10
while True:
    r = es.search(index=".security", expand_wildcards="all", query={"ids": {"values": ids}}, size=10)
    if r["hits"]["total"]["value"] == 4 or time.time() > deadline:
        break
    time.sleep(0.2)
docs = {h["_id"]: h for h in r["hits"]["hits"]}
assert set(docs) == set(ids), sorted(docs)
assert all(h["_index"] == ".security-7" for h in docs.values())
elastic = docs["reserved-user-elastic"]["_source"]
assert elastic["type"] == "reserved-user" and elastic["password"].startswith("$2a$10$"), elastic
jo = docs["user-jo"]["_source"]
assert jo["username"] == "jo" and jo["roles"] == ["sysadmin"] and jo["type"] == "user", jo
assert "jo-password-1" not in str(jo)
k = docs[key["id"]]["_source"]
assert k["doc_type"] == "api_key" and k["name"] == "k1" and k["creator"]["principal"] == "elastic", k
assert k["api_key_invalidated"] is False and key["api_key"] not in str(k)
hidden = es.cat.indices(format="json")
assert not any(i["index"].startswith(".security") for i in hidden), hidden
shown = es.cat.indices(format="json", expand_wildcards="all")
assert {".security-7", ".security-tokens-7"} <= {i["index"] for i in shown}, shown
# The superuser reads restricted indices but does not write them.
try:
    es.index(index=".security-7", id="x", document={"a": 1})
    raise SystemExit("superuser wrote .security-7")
except AuthorizationException as e:
    assert "restricted indices [.security-7]" in str(e.body), e.body
# A role that reaches restricted indices still cannot change what the security service owns.
jo_es = Elasticsearch(url, ca_certs=ca, basic_auth=("jo", "jo-password-1"))
for call in (lambda: jo_es.index(index=".security-7", id="user-jo", document={"type": "user"}),
             lambda: jo_es.delete(index=".security", id="user-jo"),
             lambda: jo_es.indices.delete(index=".security-7")):
    try:
        call()
        raise SystemExit("a request changed .security-7")
    except AuthorizationException as e:
        assert "managed by the node's security service" in str(e.body), e.body
assert jo_es.security.authenticate()["username"] == "jo"
print("ok")
"#;
    run_python_scenario(script, &ca, port, &password);
    assert!(
        !home.path().join("data/security").exists(),
        "the files store was not removed after its import"
    );
    drop(node);
    // After a restart the user, read back from the index, still authenticates.
    let node = TestNode::start(home.path(), &[]);
    let script = r#"
import sys
from elasticsearch import Elasticsearch
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
es = Elasticsearch(f"https://localhost:{port}", ca_certs=ca, basic_auth=("jo", "jo-password-1"))
assert es.security.authenticate()["username"] == "jo"
print("ok")
"#;
    run_python_scenario(script, &node.ca(), node.port, &password);
}
