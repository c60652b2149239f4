//! Application privileges, bulk roles, the `_query` APIs and the clear-cache endpoints over
//! HTTPS with the official Python `elasticsearch` client, the way Kibana-like consumers use
//! them: define privileges, grant them through a role, ask `_has_privileges`, search users,
//! roles and keys, and clear the realm cache.

use crate::support::python_scenario_on_a_new_node;

const SCENARIO: &str = r#"
import sys
from elasticsearch import Elasticsearch, BadRequestError, NotFoundError, AuthorizationException
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"https://localhost:{port}"
es = Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", password))

# Application privileges.
r = es.security.put_privileges(privileges={"kibana-.kibana": {
    "read": {"actions": ["data:read/*", "login:"], "metadata": {"description": "read"}},
    "all": {"actions": ["*"]}}}).body
assert r == {"kibana-.kibana": {"read": {"created": True}, "all": {"created": True}}}, r
g = es.security.get_privileges(application="kibana-.kibana", name="read").body
assert g == {"kibana-.kibana": {"read": {"application": "kibana-.kibana", "name": "read",
    "actions": ["data:read/*", "login:"], "metadata": {"description": "read"}}}}, g
assert set(es.security.get_privileges().body["kibana-.kibana"]) == {"read", "all"}
assert es.security.get_privileges(application="nothing").body == {}
try:
    es.security.get_privileges(application="kibana-.kibana", name="nothing")
    raise SystemExit("missing privilege found")
except NotFoundError:
    pass
try:
    es.security.put_privileges(privileges={"Bad": {"read": {"actions": ["read"]}}})
    raise SystemExit("bad application name accepted")
except BadRequestError as e:
    assert e.body["error"]["type"] == "action_request_validation_exception", e.body

# Bulk roles: one created, one refused because its name is reserved.
r = es.security.bulk_put_role(roles={
    "kb_reader": {"applications": [{"application": "kibana-.kibana", "privileges": ["read"],
        "resources": ["space:default"]}], "description": "Kibana reader", "metadata": {"team": "web"}},
    "ops": {"cluster": ["monitor"]},
    "superuser": {"cluster": ["all"]}}).body
assert r["created"] == ["kb_reader", "ops"], r
assert r["errors"]["count"] == 1 and "superuser" in r["errors"]["details"], r
es.security.put_user(username="kim", password="kim-password", roles=["kb_reader"], full_name="Kim Reader")
es.security.put_user(username="oscar", password="oscar-password", roles=["ops"], enabled=False)
kim = es.options(basic_auth=("kim", "kim-password"))

hp = kim.security.has_privileges(application=[{"application": "kibana-.kibana",
    "privileges": ["read", "all", "data:read/dashboard"], "resources": ["space:default"]}]).body
assert hp["application"] == {"kibana-.kibana": {"space:default": {
    "read": True, "all": False, "data:read/dashboard": True}}}, hp
assert hp["has_all_requested"] is False
up = kim.security.get_user_privileges().body
assert up["applications"] == [{"application": "kibana-.kibana", "privileges": ["read"],
    "resources": ["space:default"]}], up

# Queries.
q = es.security.query_user(query={"prefix": {"username": "ki"}}, with_profile_uid=True).body
assert q["total"] == 1 and q["users"][0]["username"] == "kim", q
q = es.security.query_user(query={"term": {"enabled": False}}, sort=["username"]).body
assert [u["username"] for u in q["users"]] == ["oscar"] and q["users"][0]["_sort"] == ["oscar"], q
try:
    es.security.query_user(query={"term": {"password": "x"}})
    raise SystemExit("password field was queryable")
except BadRequestError as e:
    assert e.body["error"]["type"] == "illegal_argument_exception", e.body
q = es.security.query_role(query={"match": {"description": "kibana"}}).body
assert q["count"] == 1 and q["roles"][0]["name"] == "kb_reader", q
k = es.security.create_api_key(name="ingest-key", metadata={"env": "prod"}).body
q = es.security.query_api_keys(query={"term": {"metadata.env": "prod"}},
    sort=[{"creation": {"order": "desc"}}], with_limited_by=True).body
assert q["total"] == 1 and q["api_keys"][0]["id"] == k["id"], q
assert len(q["api_keys"][0]["_sort"]) == 1 and "limited_by" in q["api_keys"][0], q
try:
    kim.security.query_api_keys()
    raise SystemExit("kim queried keys")
except AuthorizationException:
    pass

# Cache clearing answers the nodes shape.
c = es.security.clear_cached_realms(realms="default_native", usernames="kim").body
assert c["_nodes"] == {"total": 1, "successful": 1, "failed": 0}, c
assert len(c["nodes"]) == 1 and c["cluster_name"], c
assert es.security.clear_cached_roles(name="kb_reader").body["_nodes"]["failed"] == 0
assert es.security.clear_cached_privileges(application="kibana-.kibana").body["_nodes"]["successful"] == 1
assert es.security.clear_api_key_cache(ids=k["id"]).body["_nodes"]["successful"] == 1
assert kim.security.authenticate().body["username"] == "kim"

# Deleting: privileges and roles in bulk.
d = es.security.delete_privileges(application="kibana-.kibana", name="all").body
assert d == {"kibana-.kibana": {"all": {"found": True}}}, d
d = es.security.bulk_delete_role(names=["ops", "nope"]).body
assert d["deleted"] == ["ops"] and d["not_found"] == ["nope"], d
print("ok")
"#;

#[test]
fn app_privileges_bulk_roles_queries_and_caches_with_the_python_client() {
    python_scenario_on_a_new_node(SCENARIO);
}
