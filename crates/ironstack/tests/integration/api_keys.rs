//! API keys over HTTPS with the official Python `elasticsearch` client: create, grant (from
//! a password and from a bearer token), update, bulk update, get with `with_limited_by`, invalidate, and requests made with the
//! `encoded` key; the owner's role changes after creation do not reach the key until it is
//! updated.

use crate::support::python_scenario_on_a_new_node;

const SCENARIO: &str = r#"
import sys
from elasticsearch import Elasticsearch, BadRequestError, NotFoundError, AuthorizationException
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"https://localhost:{port}"
es = Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", password))
es.security.put_role(name="beats_writer", cluster=["monitor", "manage_own_api_key"],
    indices=[{"names": ["metricbeat-*"], "privileges": ["create_doc"]}])
es.security.put_user(username="writer", password="writer-pw", roles=["beats_writer"])
writer = es.options(basic_auth=("writer", "writer-pw"))

# Create and use the encoded key.
k1 = writer.security.create_api_key(name="k1", metadata={"v": 1}).body
as_k1 = Elasticsearch(url, ca_certs=ca, api_key=k1["encoded"])
me = as_k1.security.authenticate().body
assert me["username"] == "writer" and me["api_key"]["id"] == k1["id"], me
assert as_k1.cluster.health().body["cluster_name"]

# Grant: elastic creates a key owned by writer from writer's credentials.
g = es.security.grant_api_key(grant_type="password", username="writer", password="writer-pw",
    api_key={"name": "granted", "role_descriptors": {"w": {"indices": [
        {"names": ["metricbeat-*"], "privileges": ["create_doc"]}]}}}).body
as_g = Elasticsearch(url, ca_certs=ca, api_key=g["encoded"])
assert as_g.security.authenticate().body["username"] == "writer"
hp = as_g.security.has_privileges(cluster=["monitor"],
    index=[{"names": ["metricbeat-1"], "privileges": ["create_doc", "read"]}]).body
assert hp["cluster"] == {"monitor": False}, hp
assert hp["index"] == {"metricbeat-1": {"create_doc": True, "read": False}}, hp
# Grant from writer's bearer token.
tok = es.security.get_token(grant_type="password", username="writer", password="writer-pw").body
t = es.security.grant_api_key(grant_type="access_token", access_token=tok["access_token"],
    api_key={"name": "from-token"}).body
assert Elasticsearch(url, ca_certs=ca, api_key=t["encoded"]).security.authenticate().body["username"] == "writer"
try:
    writer.security.grant_api_key(grant_type="password", username="writer", password="writer-pw",
        api_key={"name": "nope"})
    raise SystemExit("manage_own_api_key granted a key")
except AuthorizationException as e:
    assert "[grant_api_key,manage_api_key,manage_security,all]" in e.body["error"]["reason"], e.body

# The owner loses `monitor`: the key keeps its creation-time snapshot ...
es.security.put_role(name="beats_writer", cluster=["manage_own_api_key"],
    indices=[{"names": ["metricbeat-*"], "privileges": ["create_doc"]}])
assert as_k1.cluster.health().body["cluster_name"]
# ... until an update refreshes it (with new metadata: not a noop).
assert writer.security.update_api_key(id=k1["id"], metadata={"v": 2}).body == {"updated": True}
assert writer.security.update_api_key(id=k1["id"], metadata={"v": 2}).body == {"updated": False}
try:
    as_k1.cluster.health()
    raise SystemExit("updated key kept monitor")
except AuthorizationException:
    pass
try:
    as_k1.security.update_api_key(id=k1["id"], metadata={"v": 3})
    raise SystemExit("a key updated itself")
except BadRequestError as e:
    assert "only the owner user can update an API key" in e.body["error"]["reason"], e.body
try:
    writer.security.update_api_key(id="missing-key-id")
    raise SystemExit("updated a missing key")
except NotFoundError as e:
    assert e.body["error"]["type"] == "resource_not_found_exception", e.body

r = writer.security.bulk_update_api_keys(ids=[k1["id"], g["id"], "missing-key-id"],
    metadata={"v": 3}).body
assert sorted(r["updated"]) == sorted([k1["id"], g["id"]]) and r["noops"] == [], r
assert r["errors"]["count"] == 1 and "missing-key-id" in r["errors"]["details"], r
r = writer.security.bulk_update_api_keys(ids=[k1["id"], g["id"]], metadata={"v": 3}).body
assert r == {"updated": [], "noops": [k1["id"], g["id"]]} or sorted(r["noops"]) == sorted([k1["id"], g["id"]]), r

got = writer.security.get_api_key(owner=True, with_limited_by=True).body["api_keys"]
byid = {x["id"]: x for x in got}
assert set(byid) == {k1["id"], g["id"], t["id"]}, got
assert byid[k1["id"]]["metadata"] == {"v": 3} and byid[k1["id"]]["type"] == "rest", got
assert byid[k1["id"]]["limited_by"][0]["beats_writer"]["cluster"] == ["manage_own_api_key"], got
assert byid[g["id"]]["role_descriptors"]["w"]["indices"][0]["names"] == ["metricbeat-*"], got

# Invalidate: by ids with owner=true, then by name as elastic.
r = writer.security.invalidate_api_key(ids=[k1["id"]], owner=True).body
assert r == {"invalidated_api_keys": [k1["id"]], "previously_invalidated_api_keys": [],
    "error_count": 0}, r
r = es.security.invalidate_api_key(name="granted").body
assert r["invalidated_api_keys"] == [g["id"]] and r["error_count"] == 0, r
r = es.security.invalidate_api_key(username="writer").body
assert r["invalidated_api_keys"] == [t["id"]] and sorted(r["previously_invalidated_api_keys"]) == sorted([k1["id"], g["id"]]), r
assert writer.security.get_api_key(owner=True, active_only=True).body["api_keys"] == []
print("ok")
"#;

#[test]
fn create_grant_update_invalidate_with_the_python_client() {
    python_scenario_on_a_new_node(SCENARIO);
}
