//! Service accounts over HTTPS with the official Python `elasticsearch` client: list the
//! accounts, create an index token for `elastic/kibana`, authenticate with it as a bearer
//! token and act with the account's fixed privileges, list credentials, clear the cache and
//! delete the token, after which it no longer authenticates.

use crate::support::python_scenario_on_a_new_node;

const SCENARIO: &str = r#"
import sys
from elasticsearch import Elasticsearch, AuthenticationException, AuthorizationException, NotFoundError
ca, port, password = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"https://localhost:{port}"
es = Elasticsearch(url, ca_certs=ca, basic_auth=("elastic", password))
accounts = es.security.get_service_accounts().body
assert sorted(accounts) == ["elastic/auto-ops", "elastic/fleet-server", "elastic/fleet-server-remote", "elastic/kibana"], accounts
assert "monitor" in accounts["elastic/kibana"]["role_descriptor"]["cluster"]
r = es.security.create_service_token(namespace="elastic", service="kibana", name="py-token").body
assert r["created"] is True and r["token"]["name"] == "py-token", r
value = r["token"]["value"]
kb = Elasticsearch(url, ca_certs=ca, bearer_auth=value)
me = kb.security.authenticate().body
assert me["username"] == "elastic/kibana", me
assert me["token"] == {"name": "py-token", "type": "_service_account_index"}, me
assert me["authentication_realm"] == {"name": "_service_account", "type": "_service_account"}, me
assert kb.license.get().body["license"]["type"] == "basic"
try:
    kb.security.get_user()
    raise SystemExit("a service account must not read users")
except AuthorizationException as e:
    assert "service account [elastic/kibana]" in str(e), e
creds = es.security.get_service_credentials(namespace="elastic", service="kibana").body
assert creds["count"] == 1 and list(creds["tokens"]) == ["py-token"], creds
r = es.security.clear_cached_service_tokens(namespace="elastic", service="kibana", name="*").body
assert r["_nodes"]["failed"] == 0, r
assert es.security.delete_service_token(namespace="elastic", service="kibana", name="py-token").body == {"found": True}
try:
    kb.security.authenticate()
    raise SystemExit("a deleted token must not authenticate")
except AuthenticationException:
    pass
try:
    es.security.delete_service_token(namespace="elastic", service="kibana", name="py-token")
    raise SystemExit("deleting twice must be a 404")
except NotFoundError:
    pass
print("ok")
"#;

#[test]
fn service_tokens_with_the_python_client() {
    python_scenario_on_a_new_node(SCENARIO);
}
