//! The authorization matrix: every registered route, called by a user whose role lacks the
//! route's privilege (403, or 401-free success for self-service routes), by a user whose role
//! holds a near miss (a related privilege that must not be enough), and by a user holding only
//! the minimal privilege Elasticsearch documents for it (2xx). A route missing from [`MATRIX`]
//! fails [`every_route_has_a_matrix_row`].

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::rest::test_support;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Grant {
    /// Any authenticated user (self-service actions Elasticsearch never denies to the caller).
    Anyone,
    /// A role holding exactly this cluster privilege.
    Cluster(&'static str),
    /// A role holding exactly this index privilege on `m-*`.
    Index(&'static str),
    /// A role holding these cluster privileges and these index privileges on `m-*`
    /// (requests whose parts Elasticsearch authorizes apart: `_cat/indices` reads the
    /// cluster state too, `_delete_by_query` searches before it deletes).
    Privileges(&'static [&'static str], &'static [&'static str]),
}

impl Grant {
    /// The role descriptor granting it.
    fn role(self) -> Value {
        match self {
            Anyone => json!({}),
            Cluster(p) => json!({"cluster": [p]}),
            Index(p) => json!({"indices": [{"names": ["m-*"], "privileges": [p]}]}),
            Privileges(c, i) => {
                json!({"cluster": c, "indices": [{"names": ["m-*"], "privileges": i}]})
            }
        }
    }

    fn name(self) -> String {
        match self {
            Anyone => "anyone".into(),
            Cluster(p) => format!("cluster {p}"),
            Index(p) => format!("index {p} on m-*"),
            Privileges(c, i) => format!("cluster {c:?} and index {i:?} on m-*"),
        }
    }
}

/// One row: the route (as registered), a concrete request for it, and who may make it.
struct Row {
    method: &'static str,
    pattern: &'static str,
    uri: &'static str,
    body: Option<&'static str>,
    /// The minimal privilege.
    grant: Grant,
    /// A related privilege that must NOT be enough (`None` when there is none).
    near_miss: Option<Grant>,
    /// Requests made as `elastic` first, so that the call has something to act on.
    setup: &'static [(&'static str, &'static str, &'static str)],
    /// The allowed call may answer 404: what it acts on cannot be set up again for each
    /// caller (a token name is created once), and being authorized is what is checked.
    missing_ok: bool,
    /// The feature needs a licence above basic: the minimal privilege gets past
    /// authorization to Elasticsearch's licence refusal (403 `current license is
    /// non-compliant for [...]`), not a 2xx.
    licence_refused: bool,
}

const fn row(method: &'static str, pattern: &'static str, uri: &'static str, grant: Grant) -> Row {
    Row {
        method,
        pattern,
        uri,
        body: None,
        grant,
        near_miss: None,
        setup: &[],
        missing_ok: false,
        licence_refused: false,
    }
}

impl Row {
    const fn body(mut self, body: &'static str) -> Self {
        self.body = Some(body);
        self
    }
    const fn near_miss(mut self, privilege: &'static str) -> Self {
        self.near_miss = Some(Cluster(privilege));
        self
    }
    const fn near_miss_index(mut self, privilege: &'static str) -> Self {
        self.near_miss = Some(Index(privilege));
        self
    }
    const fn setup(mut self, setup: &'static [(&'static str, &'static str, &'static str)]) -> Self {
        self.setup = setup;
        self
    }
    const fn missing_ok(mut self) -> Self {
        self.missing_ok = true;
        self
    }
    const fn licence_refused(mut self) -> Self {
        self.licence_refused = true;
        self
    }
}

use Grant::{Anyone, Cluster, Index, Privileges};

const MONITOR: Grant = Cluster("monitor");
const READ_SECURITY: Grant = Cluster("read_security");
const MANAGE_SECURITY: Grant = Cluster("manage_security");
const OWN_KEYS: Grant = Cluster("manage_own_api_key");
const SERVICE_ACCOUNTS: Grant = Cluster("manage_service_account");

const VICTIM: (&str, &str, &str) = (
    "PUT",
    "/_security/user/victim",
    r#"{"password":"victim-password","roles":[]}"#,
);
const VICTIM_ROLE: (&str, &str, &str) = ("PUT", "/_security/role/victim_role", r#"{"cluster":[]}"#);

const APP_PRIVILEGE: &str = r#"{"myapp":{"read":{"actions":["data:read/*"]}}}"#;
const PUT_APP_PRIVILEGE: (&str, &str, &str) = ("PUT", "/_security/privilege", APP_PRIVILEGE);
const ROLE_MAPPING: &str =
    r#"{"roles":["monitoring_user"],"enabled":true,"rules":{"field":{"username":"client1"}}}"#;
const PUT_ROLE_MAPPING: (&str, &str, &str) =
    ("PUT", "/_security/role_mapping/m_mapping", ROLE_MAPPING);

const MATRIX: &[Row] = &[
    row("GET", "/", "/", MONITOR),
    row("HEAD", "/", "/", MONITOR),
    row("GET", "/_cluster/health", "/_cluster/health", MONITOR).near_miss("manage_security"),
    row("GET", "/_license", "/_license", MONITOR),
    row("GET", "/_xpack", "/_xpack", MONITOR),
    row("GET", "/_nodes", "/_nodes", MONITOR),
    row("GET", "/_nodes/{node_id}", "/_nodes/_local", MONITOR),
    row("GET", "/_nodes/{node_id}/{metric}", "/_nodes/_local/nodes", MONITOR)
        .near_miss("read_ilm"),
    row("GET", "/_nodes/{node_id}/info/{metric}", "/_nodes/_all/info/os", MONITOR)
        .near_miss("read_ilm"),
    row("GET", "/_nodes/stats", "/_nodes/stats", MONITOR),
    row(
        "GET",
        "/_nodes/stats/{metric}",
        "/_nodes/stats/jvm",
        MONITOR,
    ),
    row(
        "GET",
        "/_nodes/{node_id}/stats",
        "/_nodes/_local/stats",
        MONITOR,
    ),
    row(
        "GET",
        "/_nodes/{node_id}/stats/{metric}",
        "/_nodes/_local/stats/jvm",
        MONITOR,
    ),
    row(
        "GET",
        "/_nodes/stats/{metric}/{index_metric}",
        "/_nodes/stats/indices/docs",
        MONITOR,
    ),
    row(
        "GET",
        "/_nodes/{node_id}/stats/{metric}/{index_metric}",
        "/_nodes/_local/stats/indices/docs",
        MONITOR,
    ),
    row("GET", "/_cat/health", "/_cat/health", MONITOR),
    row("GET", "/_cat/nodes", "/_cat/nodes", MONITOR),
    row(
        "GET",
        "/_security/_authenticate",
        "/_security/_authenticate",
        Anyone,
    ),
    row("PUT", "/_security/api_key", "/_security/api_key", OWN_KEYS)
        .body(r#"{"name":"k1"}"#)
        .near_miss("read_security"),
    row("POST", "/_security/api_key", "/_security/api_key", OWN_KEYS)
        .body(r#"{"name":"k2"}"#)
        .near_miss("read_security"),
    row(
        "GET",
        "/_security/api_key",
        "/_security/api_key?owner=true",
        OWN_KEYS,
    )
    .near_miss("monitor"),
    row(
        "DELETE",
        "/_security/api_key",
        "/_security/api_key",
        OWN_KEYS,
    )
    .body(r#"{"name":"nothing-here","owner":true}"#)
    .near_miss("read_security"),
    row("GET", "/_security/role", "/_security/role", READ_SECURITY).near_miss("monitor"),
    row(
        "GET",
        "/_security/role/{name}",
        "/_security/role/superuser",
        READ_SECURITY,
    )
    .near_miss("manage_own_api_key"),
    row(
        "PUT",
        "/_security/role/{name}",
        "/_security/role/m_put",
        MANAGE_SECURITY,
    )
    .body(r#"{"cluster":["monitor"]}"#)
    .near_miss("read_security"),
    row(
        "POST",
        "/_security/role/{name}",
        "/_security/role/m_post",
        MANAGE_SECURITY,
    )
    .body(r#"{"cluster":["monitor"]}"#)
    .near_miss("read_security"),
    row(
        "DELETE",
        "/_security/role/{name}",
        "/_security/role/victim_role",
        MANAGE_SECURITY,
    )
    .near_miss("read_security")
    .setup(&[VICTIM_ROLE]),
    row("GET", "/_security/user", "/_security/user", READ_SECURITY).near_miss("monitor"),
    row(
        "GET",
        "/_security/user/{username}",
        "/_security/user/elastic",
        READ_SECURITY,
    )
    .near_miss("manage_api_key"),
    row(
        "PUT",
        "/_security/user/{username}",
        "/_security/user/m_put",
        MANAGE_SECURITY,
    )
    .body(r#"{"password":"m-password","roles":[]}"#)
    .near_miss("read_security"),
    row(
        "POST",
        "/_security/user/{username}",
        "/_security/user/m_post",
        MANAGE_SECURITY,
    )
    .body(r#"{"password":"m-password","roles":[]}"#)
    .near_miss("read_security"),
    row(
        "DELETE",
        "/_security/user/{username}",
        "/_security/user/victim",
        MANAGE_SECURITY,
    )
    .near_miss("read_security")
    .setup(&[VICTIM]),
    // Changing one's own password needs no privilege; the matrix user changes it to itself.
    row(
        "PUT",
        "/_security/user/_password",
        "/_security/user/_password",
        Anyone,
    )
    .body(r#"{"password":"matrix-password"}"#),
    row(
        "POST",
        "/_security/user/_password",
        "/_security/user/_password",
        Anyone,
    )
    .body(r#"{"password":"matrix-password"}"#),
    row(
        "PUT",
        "/_security/user/{username}/_password",
        "/_security/user/victim/_password",
        MANAGE_SECURITY,
    )
    .body(r#"{"password":"victim-password-2"}"#)
    .near_miss("read_security")
    .setup(&[VICTIM]),
    row(
        "POST",
        "/_security/user/{username}/_password",
        "/_security/user/victim/_password",
        MANAGE_SECURITY,
    )
    .body(r#"{"password":"victim-password-2"}"#)
    .near_miss("read_security")
    .setup(&[VICTIM]),
    row(
        "PUT",
        "/_security/user/{username}/_enable",
        "/_security/user/victim/_enable",
        MANAGE_SECURITY,
    )
    .near_miss("read_security")
    .setup(&[VICTIM]),
    row(
        "POST",
        "/_security/user/{username}/_enable",
        "/_security/user/victim/_enable",
        MANAGE_SECURITY,
    )
    .near_miss("read_security")
    .setup(&[VICTIM]),
    row(
        "PUT",
        "/_security/user/{username}/_disable",
        "/_security/user/victim/_disable",
        MANAGE_SECURITY,
    )
    .near_miss("read_security")
    .setup(&[VICTIM]),
    row(
        "POST",
        "/_security/user/{username}/_disable",
        "/_security/user/victim/_disable",
        MANAGE_SECURITY,
    )
    .near_miss("read_security")
    .setup(&[VICTIM]),
    row(
        "GET",
        "/_security/user/_has_privileges",
        "/_security/user/_has_privileges",
        Anyone,
    )
    .body(r#"{"cluster":["monitor"]}"#),
    row(
        "POST",
        "/_security/user/_has_privileges",
        "/_security/user/_has_privileges",
        Anyone,
    )
    .body(r#"{"cluster":["monitor"]}"#),
    row(
        "GET",
        "/_security/user/{username}/_has_privileges",
        "/_security/user/{self}/_has_privileges",
        Anyone,
    )
    .body(r#"{"cluster":["monitor"]}"#),
    row(
        "POST",
        "/_security/user/{username}/_has_privileges",
        "/_security/user/{self}/_has_privileges",
        Anyone,
    )
    .body(r#"{"cluster":["monitor"]}"#),
    row(
        "GET",
        "/_security/user/_privileges",
        "/_security/user/_privileges",
        Anyone,
    ),
    row(
        "GET",
        "/_security/privilege/_builtin",
        "/_security/privilege/_builtin",
        READ_SECURITY,
    )
    .near_miss("monitor"),
    // Application privileges.
    row("PUT", "/_security/privilege", "/_security/privilege", MANAGE_SECURITY)
        .body(APP_PRIVILEGE)
        .near_miss("read_security"),
    row("POST", "/_security/privilege", "/_security/privilege", MANAGE_SECURITY)
        .body(APP_PRIVILEGE)
        .near_miss("read_security"),
    row("GET", "/_security/privilege", "/_security/privilege", READ_SECURITY)
        .near_miss("monitor")
        .setup(&[PUT_APP_PRIVILEGE]),
    row(
        "GET",
        "/_security/privilege/{application}",
        "/_security/privilege/myapp",
        READ_SECURITY,
    )
    .near_miss("monitor")
    .setup(&[PUT_APP_PRIVILEGE]),
    row(
        "GET",
        "/_security/privilege/{application}/{name}",
        "/_security/privilege/myapp/read",
        READ_SECURITY,
    )
    .near_miss("monitor")
    .setup(&[PUT_APP_PRIVILEGE]),
    row(
        "DELETE",
        "/_security/privilege/{application}/{name}",
        "/_security/privilege/myapp/read",
        MANAGE_SECURITY,
    )
    .near_miss("read_security")
    .setup(&[PUT_APP_PRIVILEGE]),
    row(
        "POST",
        "/_security/privilege/{application}/_clear_cache",
        "/_security/privilege/myapp/_clear_cache",
        MANAGE_SECURITY,
    )
    .near_miss("read_security"),
    // Enrolment (the fixture enables it; `manage_security` covers the action).
    row(
        "GET",
        "/_security/enroll/kibana",
        "/_security/enroll/kibana",
        Cluster("cluster:admin/xpack/security/enroll/kibana"),
    )
    .near_miss("read_security"),
    row(
        "HEAD",
        "/_security/enroll/kibana",
        "/_security/enroll/kibana",
        Cluster("cluster:admin/xpack/security/enroll/kibana"),
    ),
    // Service accounts.
    row("GET", "/_security/service", "/_security/service", READ_SECURITY).near_miss("monitor"),
    row("HEAD", "/_security/service", "/_security/service", READ_SECURITY),
    row(
        "GET",
        "/_security/service/{namespace}",
        "/_security/service/elastic",
        READ_SECURITY,
    )
    .near_miss("monitor"),
    row(
        "HEAD",
        "/_security/service/{namespace}",
        "/_security/service/elastic",
        READ_SECURITY,
    ),
    row(
        "GET",
        "/_security/service/{namespace}/{service}",
        "/_security/service/elastic/kibana",
        READ_SECURITY,
    )
    .near_miss("monitor"),
    row(
        "HEAD",
        "/_security/service/{namespace}/{service}",
        "/_security/service/elastic/kibana",
        READ_SECURITY,
    ),
    row(
        "GET",
        "/_security/service/{namespace}/{service}/credential",
        "/_security/service/elastic/kibana/credential",
        READ_SECURITY,
    )
    .near_miss("monitor"),
    row(
        "HEAD",
        "/_security/service/{namespace}/{service}/credential",
        "/_security/service/elastic/kibana/credential",
        READ_SECURITY,
    ),
    row(
        "POST",
        "/_security/service/{namespace}/{service}/credential/token",
        "/_security/service/elastic/kibana/credential/token",
        SERVICE_ACCOUNTS,
    )
    .near_miss("read_security"),
    row(
        "POST",
        "/_security/service/{namespace}/{service}/credential/token/{name}",
        "/_security/service/elastic/kibana/credential/token/m_post",
        SERVICE_ACCOUNTS,
    )
    .near_miss("read_security"),
    row(
        "PUT",
        "/_security/service/{namespace}/{service}/credential/token/{name}",
        "/_security/service/elastic/kibana/credential/token/m_put",
        SERVICE_ACCOUNTS,
    )
    .near_miss("read_security"),
    row(
        "DELETE",
        "/_security/service/{namespace}/{service}/credential/token/{name}",
        "/_security/service/elastic/kibana/credential/token/m_del",
        SERVICE_ACCOUNTS,
    )
    .near_miss("read_security")
    .missing_ok(),
    row(
        "POST",
        "/_security/service/{namespace}/{service}/credential/token/{name}/_clear_cache",
        "/_security/service/elastic/kibana/credential/token/*/_clear_cache",
        MANAGE_SECURITY,
    )
    .near_miss("read_security"),
    // Bulk roles.
    row("POST", "/_security/role", "/_security/role", MANAGE_SECURITY)
        .body(r#"{"roles":{"m_bulk":{"cluster":["monitor"]}}}"#)
        .near_miss("read_security"),
    row("DELETE", "/_security/role", "/_security/role", MANAGE_SECURITY)
        .body(r#"{"names":["victim_role"]}"#)
        .near_miss("read_security")
        .setup(&[VICTIM_ROLE]),
    // Queries.
    row("GET", "/_security/_query/user", "/_security/_query/user", READ_SECURITY)
        .near_miss("monitor"),
    row("POST", "/_security/_query/user", "/_security/_query/user", READ_SECURITY)
        .body(r#"{"query":{"prefix":{"username":"m_"}}}"#)
        .near_miss("manage_own_api_key"),
    row("GET", "/_security/_query/role", "/_security/_query/role", READ_SECURITY)
        .near_miss("monitor"),
    row("POST", "/_security/_query/role", "/_security/_query/role", READ_SECURITY)
        .body(r#"{"query":{"match_all":{}}}"#)
        .near_miss("manage_own_api_key"),
    row(
        "GET",
        "/_security/_query/api_key",
        "/_security/_query/api_key",
        OWN_KEYS,
    )
    .near_miss("monitor"),
    row(
        "POST",
        "/_security/_query/api_key",
        "/_security/_query/api_key",
        OWN_KEYS,
    )
    .body(r#"{"query":{"match_all":{}}}"#)
    .near_miss("monitor"),
    // Cache clearing.
    row(
        "POST",
        "/_security/realm/{realms}/_clear_cache",
        "/_security/realm/default_native/_clear_cache",
        MANAGE_SECURITY,
    )
    .near_miss("read_security"),
    row(
        "POST",
        "/_security/role/{name}/_clear_cache",
        "/_security/role/superuser/_clear_cache",
        MANAGE_SECURITY,
    )
    .near_miss("read_security"),
    row(
        "POST",
        "/_security/api_key/{ids}/_clear_cache",
        "/_security/api_key/*/_clear_cache",
        MANAGE_SECURITY,
    )
    .near_miss("manage_api_key"),
    // API key grant and update.
    row(
        "POST",
        "/_security/api_key/grant",
        "/_security/api_key/grant",
        Cluster("grant_api_key"),
    )
    .body(
        r#"{"grant_type":"password","username":"victim","password":"victim-password","api_key":{"name":"granted"}}"#,
    )
    .near_miss("manage_own_api_key")
    .setup(&[VICTIM]),
    row("PUT", "/_security/api_key/{ids}", "/_security/api_key/{own_key}", OWN_KEYS)
        .body(r#"{"metadata":{"changed":true}}"#)
        .near_miss("read_security"),
    row(
        "POST",
        "/_security/api_key/_bulk_update",
        "/_security/api_key/_bulk_update",
        OWN_KEYS,
    )
    .body(r#"{"ids":["{own_key}"],"metadata":{"changed":true}}"#)
    .near_miss("read_security"),
    // Bearer tokens.
    row(
        "POST",
        "/_security/oauth2/token",
        "/_security/oauth2/token",
        Cluster("manage_token"),
    )
    .body(r#"{"grant_type":"client_credentials"}"#)
    .near_miss("manage_own_api_key"),
    row(
        "DELETE",
        "/_security/oauth2/token",
        "/_security/oauth2/token",
        Cluster("manage_token"),
    )
    .body(r#"{"username":"victim"}"#)
    .near_miss("read_security")
    .setup(&[VICTIM]),
    // Role mappings and TLS certificates.
    row(
        "GET",
        "/_security/role_mapping",
        "/_security/role_mapping",
        READ_SECURITY,
    )
    .near_miss("monitor")
    .setup(&[PUT_ROLE_MAPPING]),
    row(
        "GET",
        "/_security/role_mapping/{name}",
        "/_security/role_mapping/m_mapping",
        READ_SECURITY,
    )
    .near_miss("monitor")
    .setup(&[PUT_ROLE_MAPPING]),
    row(
        "PUT",
        "/_security/role_mapping/{name}",
        "/_security/role_mapping/m_put",
        MANAGE_SECURITY,
    )
    .body(ROLE_MAPPING)
    .near_miss("read_security"),
    row(
        "POST",
        "/_security/role_mapping/{name}",
        "/_security/role_mapping/m_post",
        MANAGE_SECURITY,
    )
    .body(ROLE_MAPPING)
    .near_miss("read_security"),
    row(
        "DELETE",
        "/_security/role_mapping/{name}",
        "/_security/role_mapping/m_mapping",
        MANAGE_SECURITY,
    )
    .near_miss("read_security")
    .setup(&[PUT_ROLE_MAPPING]),
    row("GET", "/_ssl/certificates", "/_ssl/certificates", MONITOR).near_miss("manage_security"),
    // Documents: writes need the item's privilege on the index, reads `read`.
    row("PUT", "/{index}/_doc/{id}", "/m-docs/_doc/1", Index("index"))
        .body(r#"{"a":1}"#)
        .near_miss_index("create_doc")
        .setup(&[DOC]),
    row("POST", "/{index}/_doc/{id}", "/m-docs/_doc/1", Index("index"))
        .body(r#"{"a":1}"#)
        .near_miss_index("read")
        .setup(&[DOC]),
    row("POST", "/{index}/_doc", "/m-docs/_doc", Index("create_doc"))
        .body(r#"{"a":1}"#)
        .near_miss_index("read")
        .setup(&[DOC]),
    row("PUT", "/{index}/_create/{id}", "/m-docs/_create/{self}", Index("create_doc"))
        .body(r#"{"a":1}"#)
        .near_miss_index("delete")
        .setup(&[DOC]),
    row("POST", "/{index}/_create/{id}", "/m-docs/_create/p-{self}", Index("create_doc"))
        .body(r#"{"a":1}"#)
        .near_miss_index("read")
        .setup(&[DOC]),
    row("DELETE", "/{index}/_doc/{id}", "/m-docs/_doc/0", Index("delete"))
        .near_miss_index("create_doc")
        .setup(&[DOC]),
    row("POST", "/{index}/_update/{id}", "/m-docs/_update/0", Index("index"))
        .body(r#"{"doc":{"b":2}}"#)
        .near_miss_index("create_doc")
        .setup(&[DOC]),
    row("GET", "/{index}/_doc/{id}", "/m-docs/_doc/0", Index("read"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("GET", "/{index}/_source/{id}", "/m-docs/_source/0", Index("read"))
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("POST", "/_bulk", "/_bulk", Index("create_doc"))
        .body("{\"create\":{\"_index\":\"m-bulk\"}}\n{\"a\":1}\n")
        .near_miss_index("read"),
    row("PUT", "/_bulk", "/_bulk", Index("create_doc"))
        .body("{\"create\":{\"_index\":\"m-bulk\"}}\n{\"a\":1}\n")
        .near_miss_index("view_index_metadata"),
    row("POST", "/{index}/_bulk", "/m-docs/_bulk", Index("delete"))
        .body("{\"delete\":{\"_id\":\"0\"}}\n")
        .near_miss_index("read")
        .setup(&[DOC]),
    row("PUT", "/{index}/_bulk", "/m-docs/_bulk", Index("index"))
        .body("{\"index\":{\"_id\":\"5\"}}\n{\"a\":1}\n")
        .near_miss_index("read")
        .setup(&[DOC]),
    row("GET", "/_search", "/_search", Index("read")).near_miss_index("write"),
    row("POST", "/_search", "/_search", Index("read"))
        .body(r#"{"query":{"match_all":{}}}"#)
        .near_miss_index("index"),
    row("GET", "/{index}/_search", "/m-docs/_search", Index("read"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("POST", "/{index}/_search", "/m-*/_search", Index("read"))
        .body(r#"{"size":0}"#)
        .near_miss_index("write")
        .setup(&[DOC]),
    row("GET", "/_count", "/_count", Index("read")).near_miss_index("create_doc"),
    row("POST", "/_count", "/_count", Index("read")).near_miss_index("create_doc"),
    row("GET", "/{index}/_count", "/m-docs/_count", Index("read"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("POST", "/{index}/_count", "/m-docs/_count", Index("read"))
        .near_miss_index("write")
        .setup(&[DOC]),
    // Index administration (indices.rs).
    row("PUT", "/{index}", "/m-new-{self}", Index("create_index"))
        .body(r#"{"settings":{"number_of_replicas":0}}"#)
        .near_miss_index("create_doc"),
    row("DELETE", "/{index}", "/m-del", Index("delete_index"))
        .near_miss_index("delete")
        .setup(&[("PUT", "/m-del/_doc/1", r#"{"a":1}"#)]),
    row("GET", "/{index}", "/m-docs", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("POST", "/{index}/_open", "/m-docs/_open", Index("manage"))
        .near_miss_index("maintenance")
        .setup(&[DOC]),
    row("POST", "/{index}/_close", "/m-shut/_close", Index("manage"))
        .near_miss_index("maintenance")
        .setup(&[("POST", "/m-shut/_open?ignore_unavailable=true", ""), ("PUT", "/m-shut/_doc/1", r#"{"a":1}"#)]),
    row("GET", "/_refresh", "/_refresh", Index("maintenance"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("POST", "/_refresh", "/_refresh", Index("maintenance"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("GET", "/{index}/_refresh", "/m-docs/_refresh", Index("maintenance"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("POST", "/{index}/_refresh", "/m-docs/_refresh", Index("maintenance"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("GET", "/_mapping", "/_mapping", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("GET", "/{index}/_mapping", "/m-docs/_mapping", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("GET", "/_mapping/field/{fields}", "/_mapping/field/a", Index("view_index_metadata"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row(
        "GET",
        "/{index}/_mapping/field/{fields}",
        "/m-docs/_mapping/field/a",
        Index("view_index_metadata"),
    )
    .near_miss_index("write")
    .setup(&[DOC]),
    row("PUT", "/{index}/_mapping", "/m-docs/_mapping", Index("manage"))
        .body(r#"{"properties":{"m_mapped":{"type":"keyword"}}}"#)
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("POST", "/{index}/_mapping", "/m-docs/_mapping", Index("manage"))
        .body(r#"{"properties":{"m_mapped":{"type":"keyword"}}}"#)
        .near_miss_index("read")
        .setup(&[DOC]),
    row("GET", "/_settings", "/_settings", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("GET", "/_settings/{name}", "/_settings/index.*", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("GET", "/{index}/_settings", "/m-docs/_settings", Index("view_index_metadata"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row(
        "GET",
        "/{index}/_settings/{name}",
        "/m-docs/_settings/index.number*",
        Index("view_index_metadata"),
    )
    .near_miss_index("write")
    .setup(&[DOC]),
    row("PUT", "/_settings", "/_settings", Index("manage"))
        .body(r#"{"index":{"refresh_interval":"1s"}}"#)
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("PUT", "/{index}/_settings", "/m-docs/_settings", Index("manage"))
        .body(r#"{"index":{"refresh_interval":"1s"}}"#)
        .near_miss_index("maintenance")
        .setup(&[DOC]),
    row("POST", "/_aliases", "/_aliases", Index("manage"))
        .body(r#"{"actions":[{"add":{"index":"m-docs","alias":"m-alias"}}]}"#)
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("PUT", "/{index}/_alias/{name}", "/m-docs/_alias/m-alias", Index("manage"))
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("POST", "/{index}/_alias/{name}", "/m-docs/_alias/m-alias", Index("manage"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("PUT", "/{index}/_aliases/{name}", "/m-docs/_aliases/m-alias", Index("manage"))
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("POST", "/{index}/_aliases/{name}", "/m-docs/_aliases/m-alias", Index("manage"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("DELETE", "/{index}/_alias/{name}", "/m-docs/_alias/m-gone", Index("manage"))
        .near_miss_index("view_index_metadata")
        .setup(&[DOC, M_GONE_ALIAS]),
    row("DELETE", "/{index}/_aliases/{name}", "/m-docs/_aliases/m-gone", Index("manage"))
        .near_miss_index("delete_index")
        .setup(&[DOC, M_GONE_ALIAS]),
    row("GET", "/_alias", "/_alias", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[DOC, M_GONE_ALIAS]),
    row("GET", "/_alias/{name}", "/_alias/m-gone", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[DOC, M_GONE_ALIAS]),
    row("GET", "/{index}/_alias", "/m-docs/_alias", Index("view_index_metadata"))
        .near_miss_index("write")
        .setup(&[DOC, M_GONE_ALIAS]),
    row("GET", "/{index}/_alias/{name}", "/m-docs/_alias/m-gone", Index("view_index_metadata"))
        .near_miss_index("write")
        .setup(&[DOC, M_GONE_ALIAS]),
    // Templates (templates.rs).
    row("PUT", "/_index_template/{name}", "/_index_template/m-tpl", TEMPLATES)
        .body(M_TEMPLATE)
        .near_miss("monitor"),
    row("POST", "/_index_template/{name}", "/_index_template/m-tpl", TEMPLATES)
        .body(M_TEMPLATE)
        .near_miss("monitor"),
    row("GET", "/_index_template", "/_index_template", Cluster("monitor"))
        .near_miss("manage_security"),
    row("GET", "/_index_template/{name}", "/_index_template/m-tpl", Cluster("monitor"))
        .near_miss("manage_ilm")
        .setup(&[M_TEMPLATE_PUT]),
    row("DELETE", "/_index_template/{name}", "/_index_template/m-tpl", TEMPLATES)
        .near_miss("monitor")
        .setup(&[M_TEMPLATE_PUT]),
    row(
        "POST",
        "/_index_template/_simulate_index/{name}",
        "/_index_template/_simulate_index/m-x",
        TEMPLATES,
    )
    .near_miss("monitor"),
    row("POST", "/_index_template/_simulate", "/_index_template/_simulate", TEMPLATES)
        .body(M_TEMPLATE)
        .near_miss("monitor"),
    row(
        "POST",
        "/_index_template/_simulate/{name}",
        "/_index_template/_simulate/m-tpl",
        TEMPLATES,
    )
    .near_miss("monitor")
    .setup(&[M_TEMPLATE_PUT]),
    row("PUT", "/_component_template/{name}", "/_component_template/m-ct", TEMPLATES)
        .body(r#"{"template":{}}"#)
        .near_miss("monitor"),
    row("POST", "/_component_template/{name}", "/_component_template/m-ct", TEMPLATES)
        .body(r#"{"template":{}}"#)
        .near_miss("monitor"),
    row("GET", "/_component_template", "/_component_template", Cluster("monitor"))
        .near_miss("manage_ilm"),
    row("GET", "/_component_template/{name}", "/_component_template/m-ct", Cluster("monitor"))
        .near_miss("manage_ilm")
        .setup(&[("PUT", "/_component_template/m-ct", r#"{"template":{}}"#)]),
    row("DELETE", "/_component_template/{name}", "/_component_template/m-ct", TEMPLATES)
        .near_miss("monitor")
        .setup(&[("PUT", "/_component_template/m-ct", r#"{"template":{}}"#)]),
    // Data streams, rollover, _resolve/index, _field_caps (data_streams.rs).
    row("PUT", "/_data_stream/{index}", "/_data_stream/m-ds-{self}", Index("create_index"))
        .near_miss_index("create_doc")
        .setup(&[M_DS_TEMPLATE]),
    row("GET", "/_data_stream", "/_data_stream", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[M_DS_TEMPLATE, M_DS]),
    row("GET", "/_data_stream/{index}", "/_data_stream/m-ds", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[M_DS_TEMPLATE, M_DS]),
    row("DELETE", "/_data_stream/{index}", "/_data_stream/m-ds", Index("delete_index"))
        .near_miss_index("delete")
        .setup(&[M_DS_TEMPLATE, M_DS]),
    row("GET", "/_data_stream/_stats", "/_data_stream/_stats", Index("monitor"))
        .near_miss_index("read")
        .setup(&[M_DS_TEMPLATE, M_DS]),
    row("GET", "/_data_stream/{index}/_stats", "/_data_stream/m-ds/_stats", Index("monitor"))
        .near_miss_index("read")
        .setup(&[M_DS_TEMPLATE, M_DS]),
    row("POST", "/{index}/_rollover", "/m-ds/_rollover", Index("manage"))
        .near_miss_index("write")
        .setup(&[M_DS_TEMPLATE, M_DS]),
    row(
        "POST",
        "/{index}/_rollover/{new_index}",
        "/m-roll/_rollover/m-roll-{self}",
        Index("manage"),
    )
    .near_miss_index("write")
    .setup(&[("PUT", "/m-roll-1/_doc/1", r#"{"a":1}"#), M_ROLL_ALIAS]),
    row("GET", "/_resolve/index/{index}", "/_resolve/index/m-*", Index("view_index_metadata"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("POST", "/_resolve/index/{index}", "/_resolve/index/m-*", Index("read"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("GET", "/_field_caps", "/_field_caps?fields=a", Index("read"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("POST", "/_field_caps", "/_field_caps?fields=a", Index("view_index_metadata"))
        .near_miss_index("index")
        .setup(&[DOC]),
    row("GET", "/{index}/_field_caps", "/m-docs/_field_caps?fields=a", Index("read"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("POST", "/{index}/_field_caps", "/m-docs/_field_caps?fields=a", Index("read"))
        .near_miss_index("monitor")
        .setup(&[DOC]),
    // Index lifecycle management (ilm.rs).
    row("PUT", "/_ilm/policy/{name}", "/_ilm/policy/m-pol", Cluster("manage_ilm"))
        .body(M_POLICY)
        .near_miss("read_ilm"),
    row("GET", "/_ilm/policy", "/_ilm/policy", Cluster("read_ilm"))
        .near_miss("monitor"),
    row("GET", "/_ilm/policy/{name}", "/_ilm/policy/m-pol", Cluster("read_ilm"))
        .near_miss("manage_index_templates")
        .setup(&[M_POLICY_PUT]),
    row("DELETE", "/_ilm/policy/{name}", "/_ilm/policy/m-pol", Cluster("manage_ilm"))
        .near_miss("read_ilm")
        .setup(&[M_POLICY_PUT]),
    row("GET", "/{index}/_ilm/explain", "/m-docs/_ilm/explain", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("GET", "/_ilm/status", "/_ilm/status", Cluster("read_ilm"))
        .near_miss("monitor"),
    row("POST", "/_ilm/start", "/_ilm/start", Cluster("manage_ilm"))
        .near_miss("read_ilm"),
    row("POST", "/_ilm/stop", "/_ilm/stop", Cluster("manage_ilm"))
        .near_miss("read_ilm")
        .setup(&[("POST", "/_ilm/start", "")]),
    // Scrolls and points in time (scroll.rs).
    row("GET", "/_search/scroll", "/_search/scroll?scroll_id={own_scroll}", Index("read"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("POST", "/_search/scroll", "/_search/scroll", Index("read"))
        .body(r#"{"scroll_id":"{own_scroll}","scroll":"1m"}"#)
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("GET", "/_search/scroll/{scroll_id}", "/_search/scroll/{own_scroll}", Index("read"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("POST", "/_search/scroll/{scroll_id}", "/_search/scroll/{own_scroll}", Index("read"))
        .near_miss_index("monitor")
        .setup(&[DOC]),
    row("DELETE", "/_search/scroll", "/_search/scroll", Index("read"))
        .body(r#"{"scroll_id":["{own_scroll}"]}"#)
        .near_miss_index("write")
        .setup(&[DOC]),
    row("DELETE", "/_search/scroll/{scroll_id}", "/_search/scroll/{own_scroll}", Index("read"))
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("POST", "/{index}/_pit", "/m-docs/_pit?keep_alive=1m", Index("read"))
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("DELETE", "/_pit", "/_pit", Index("read"))
        .body(r#"{"id":"{own_pit}"}"#)
        .near_miss_index("write")
        .setup(&[DOC]),
    // Statistics, cat and multi-request APIs (rest-stats).
    row("GET", "/_cat/indices", "/_cat/indices", CLUSTER_AND_INDEX_MONITOR)
        .near_miss_index("monitor")
        .setup(&[DOC]),
    row("GET", "/_cat/indices/{index}", "/_cat/indices/m-*", CLUSTER_AND_INDEX_MONITOR)
        .near_miss("monitor")
        .setup(&[DOC]),
    row("GET", "/_cat/aliases", "/_cat/aliases", Index("view_index_metadata"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("GET", "/_cat/aliases/{name}", "/_cat/aliases/m-*", Index("view_index_metadata"))
        .near_miss_index("write")
        .setup(&[DOC]),
    row("GET", "/_cat/count", "/_cat/count", Index("read")).near_miss_index("monitor"),
    row("POST", "/_cat/count", "/_cat/count", Index("read")).near_miss_index("monitor"),
    row("GET", "/_cat/count/{index}", "/_cat/count/m-docs", Index("read"))
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("POST", "/_cat/count/{index}", "/_cat/count/m-docs", Index("read"))
        .body(r#"{"query":{"match_all":{}}}"#)
        .near_miss_index("write")
        .setup(&[DOC]),
    row("GET", "/_cat/shards", "/_cat/shards", CLUSTER_AND_INDEX_MONITOR)
        .near_miss_index("monitor"),
    row("GET", "/_cat/shards/{index}", "/_cat/shards/m-docs", CLUSTER_AND_INDEX_MONITOR)
        .near_miss("monitor")
        .setup(&[DOC]),
    row("GET", "/_cat/segments", "/_cat/segments", CLUSTER_AND_INDEX_MONITOR)
        .near_miss_index("monitor"),
    row("GET", "/_cat/segments/{index}", "/_cat/segments/m-docs", CLUSTER_AND_INDEX_MONITOR)
        .near_miss("monitor")
        .setup(&[DOC]),
    row("GET", "/_cat/templates", "/_cat/templates", MONITOR).near_miss("read_ilm"),
    row("GET", "/_cat/templates/{name}", "/_cat/templates/m*", MONITOR).near_miss("read_ilm"),
    row("GET", "/_stats", "/_stats", Index("monitor")).near_miss_index("view_index_metadata"),
    row("GET", "/_stats/{metric}", "/_stats/docs,store", Index("monitor"))
        .near_miss_index("read"),
    row("GET", "/{index}/_stats", "/m-docs/_stats", Index("monitor"))
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("GET", "/{index}/_stats/{metric}", "/m-*/_stats/indexing", Index("monitor"))
        .near_miss_index("read")
        .setup(&[DOC]),
    row("GET", "/_cluster/health/{index}", "/_cluster/health/m-docs", MONITOR)
        .near_miss("manage_security")
        .setup(&[DOC]),
    row("GET", "/_cluster/state", "/_cluster/state", MONITOR).near_miss_index("monitor"),
    row("GET", "/_cluster/state/{metric}", "/_cluster/state/metadata", MONITOR)
        .near_miss("read_ilm"),
    row(
        "GET",
        "/_cluster/state/{metric}/{indices}",
        "/_cluster/state/routing_table/m-*",
        MONITOR,
    )
    .near_miss_index("monitor"),
    // The endpoints Stack Monitoring collection reads (cluster_stats.rs, cluster_settings.rs,
    // xpack_usage.rs, recovery.rs).
    row("GET", "/_cluster/stats", "/_cluster/stats", MONITOR).near_miss("manage_ilm"),
    row(
        "GET",
        "/_cluster/stats/nodes/{node_filter}",
        "/_cluster/stats/nodes/_local",
        MONITOR,
    )
    .near_miss_index("monitor"),
    row("GET", "/_cluster/pending_tasks", "/_cluster/pending_tasks", MONITOR)
        .near_miss("read_ilm"),
    row("GET", "/_cluster/settings", "/_cluster/settings", MONITOR)
        .near_miss("manage_index_templates"),
    row("PUT", "/_cluster/settings", "/_cluster/settings", Cluster("manage"))
        .body(r#"{"transient":{"cluster.metadata.owner":"m"}}"#)
        .near_miss("monitor"),
    row("GET", "/_xpack/usage", "/_xpack/usage", MONITOR).near_miss("read_ilm"),
    row("GET", "/_ccr/stats", "/_ccr/stats", MONITOR)
        .near_miss("manage_index_templates")
        .licence_refused(),
    row("GET", "/_enrich/_stats", "/_enrich/_stats", MONITOR).near_miss("read_ilm"),
    row(
        "GET",
        "/_ml/anomaly_detectors/_stats",
        "/_ml/anomaly_detectors/_stats",
        MONITOR,
    )
    .near_miss("manage_ilm"),
    row(
        "GET",
        "/_ml/anomaly_detectors/{job_id}/_stats",
        "/_ml/anomaly_detectors/_all/_stats",
        MONITOR,
    )
    .near_miss("read_ilm"),
    row("GET", "/_recovery", "/_recovery", Index("monitor"))
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("GET", "/{index}/_recovery", "/m-docs/_recovery", Index("monitor"))
        .near_miss_index("read")
        .setup(&[DOC]),
    // Multi-document and multi-search requests (multi.rs).
    row("GET", "/_mget", "/_mget", Index("read"))
        .body(r#"{"docs":[{"_index":"m-docs","_id":"0"}]}"#)
        .near_miss_index("write")
        .setup(&[DOC]),
    row("POST", "/_mget", "/_mget", Index("read"))
        .body(r#"{"docs":[{"_index":"m-docs","_id":"0"}]}"#)
        .near_miss_index("monitor")
        .setup(&[DOC]),
    row("GET", "/{index}/_mget", "/m-docs/_mget", Index("read"))
        .body(r#"{"ids":["0"]}"#)
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("POST", "/{index}/_mget", "/m-docs/_mget", Index("read"))
        .body(r#"{"ids":["0"]}"#)
        .near_miss_index("index")
        .setup(&[DOC]),
    row("GET", "/_msearch", "/_msearch", Index("read"))
        .body("{\"index\":\"m-docs\"}\n{}\n")
        .near_miss_index("write")
        .setup(&[DOC]),
    row("POST", "/_msearch", "/_msearch", Index("read"))
        .body("{\"index\":\"m-*\"}\n{\"size\":0}\n")
        .near_miss_index("monitor")
        .setup(&[DOC]),
    row("GET", "/{index}/_msearch", "/m-docs/_msearch", Index("read"))
        .body("{}\n{}\n")
        .near_miss_index("view_index_metadata")
        .setup(&[DOC]),
    row("POST", "/{index}/_msearch", "/m-docs/_msearch", Index("read"))
        .body("{}\n{}\n")
        .near_miss_index("create_doc")
        .setup(&[DOC]),
    // By-query writes (by_query.rs): their own action, and the search they make.
    row("POST", "/{index}/_delete_by_query", "/m-docs/_delete_by_query?conflicts=proceed", READ_AND_DELETE)
        .body(r#"{"query":{"match_all":{}}}"#)
        .near_miss_index("delete")
        .setup(&[DOC]),
    row("POST", "/{index}/_update_by_query", "/m-*/_update_by_query?conflicts=proceed", READ_AND_INDEX)
        .near_miss_index("index")
        .setup(&[DOC]),
];

/// The privilege that manages templates.
const TEMPLATES: Grant = Cluster("manage_index_templates");
/// An index template body.
const M_TEMPLATE: &str = r#"{"index_patterns":["m-tpl-*"]}"#;
/// An index template to act on.
const M_TEMPLATE_PUT: (&str, &str, &str) = ("PUT", "/_index_template/m-tpl", M_TEMPLATE);

/// A template that makes `m-ds*` data streams.
const M_DS_TEMPLATE: (&str, &str, &str) = (
    "PUT",
    "/_index_template/m-ds",
    r#"{"index_patterns":["m-ds*"],"data_stream":{},"priority":500}"#,
);
/// A data stream to act on (made again when a row's request deleted it).
const M_DS: (&str, &str, &str) = ("POST", "/m-ds/_doc", r#"{"@timestamp":"2026-01-01"}"#);

/// `m-roll`, the alias to roll over, writing to `m-roll-1`.
const M_ROLL_ALIAS: (&str, &str, &str) = (
    "POST",
    "/_aliases",
    r#"{"actions":[{"add":{"index":"m-roll-1","alias":"m-roll","is_write_index":true}}]}"#,
);

/// An ILM policy body.
const M_POLICY: &str = r#"{"policy":{"phases":{"hot":{"actions":{}}}}}"#;
/// An ILM policy to act on.
const M_POLICY_PUT: (&str, &str, &str) = ("PUT", "/_ilm/policy/m-pol", M_POLICY);

/// An alias on `m-docs` to act on.
const M_GONE_ALIAS: (&str, &str, &str) = ("PUT", "/m-docs/_alias/m-gone", "");

/// What `_cat/indices`, `_cat/shards` and `_cat/segments` need: Elasticsearch reads the
/// cluster state for them too.
const CLUSTER_AND_INDEX_MONITOR: Grant = Privileges(&["monitor"], &["monitor"]);

/// `_delete_by_query`: `delete` (or `write`) and `read` for its search.
const READ_AND_DELETE: Grant = Privileges(&[], &["read", "delete"]);
/// `_update_by_query`: `index` (or `write`) and `read` for its search.
const READ_AND_INDEX: Grant = Privileges(&[], &["read", "index"]);

/// A document to act on (its index created on the way).
const DOC: (&str, &str, &str) = ("PUT", "/m-docs/_doc/0", r#"{"a":0}"#);

/// The registered routes, with the `HEAD` every `GET` also answers.
fn registered_routes() -> BTreeSet<(String, String)> {
    super::routes::table()
        .registered()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect()
}

#[test]
fn every_route_has_a_matrix_row() {
    let rows: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|r| (r.method.to_string(), r.pattern.to_string()))
        .collect();
    let missing: Vec<String> = registered_routes()
        .into_iter()
        // HEAD performs the GET action; the GET row covers it unless HEAD has its own row.
        .filter(|(m, p)| {
            let covered = rows.contains(&(m.clone(), p.clone()))
                || (m == "HEAD" && rows.contains(&("GET".to_string(), p.clone())));
            !covered
        })
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in authz_matrix_tests.rs MATRIX (add one): {missing:?}"
    );
    let stale: Vec<String> = rows
        .iter()
        .filter(|r| !registered_routes().contains(r))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        stale.is_empty(),
        "MATRIX rows for unregistered routes: {stale:?}"
    );
}

/// Creates `role` granting `grant` and a user `user` holding only it.
async fn user_with(f: &Fixture, user: &str, role: &str, grant: Grant) {
    let r = call_raw(
        f,
        "PUT",
        &format!("/_security/role/{role}"),
        ("elastic", PASSWORD),
        Some(grant.role().to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = call_raw(
        f,
        "PUT",
        &format!("/_security/user/{user}"),
        ("elastic", PASSWORD),
        Some(json!({"password": MATRIX_PASSWORD, "roles": [role]}).to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

const MATRIX_PASSWORD: &str = "matrix-password";

async fn call_raw(
    f: &Fixture,
    method: &str,
    uri: &str,
    auth: (&str, &str),
    body: Option<String>,
) -> Reply {
    let body = body.map_or(Value::Null, Value::String);
    test_support::call(f, method, uri, Some(&basic(auth.0, auth.1)), body).await
}

#[tokio::test]
async fn every_route_denies_without_its_privilege_and_allows_the_minimal_one() {
    let f = test_support::Fixture::builder().tokens(true).build();
    crate::rest::enroll::tests::enable_enrollment(&f);
    // One user per distinct privilege: no privileges at all, each near miss, each minimal grant.
    let mut users: BTreeMap<Grant, String> = BTreeMap::new();
    let mut grants: BTreeSet<Grant> = BTreeSet::new();
    for r in MATRIX {
        if r.grant != Anyone {
            grants.insert(r.grant);
        }
        if let Some(g) = r.near_miss {
            grants.insert(g);
        }
    }
    user_with(&f, "m_nothing", "m_nothing_role", Anyone).await;
    for (i, g) in grants.iter().enumerate() {
        let name = format!("m_user_{i}");
        user_with(&f, &name, &format!("m_role_{i}"), *g).await;
        users.insert(*g, name);
    }

    let mut failures = Vec::new();
    for r in MATRIX {
        let route = format!("{} {}", r.method, r.pattern);
        let run = async |user: &str| {
            for (m, u, b) in r.setup {
                let s = call_raw(&f, m, u, ("elastic", PASSWORD), Some(b.to_string())).await;
                assert!(s.status.is_success(), "setup {m} {u}: {}", s.text());
            }
            // `{own_key}`: an API key the caller owns (users who may not create one get an id
            // that does not exist; their call must be denied before it is looked up).
            let mut own_key = "no-such-key".to_string();
            if r.uri.contains("{own_key}") || r.body.is_some_and(|b| b.contains("{own_key}")) {
                let k = call_raw(
                    &f,
                    "POST",
                    "/_security/api_key",
                    (user, MATRIX_PASSWORD),
                    Some(r#"{"name":"own"}"#.to_string()),
                )
                .await;
                if k.status.is_success() {
                    own_key = k.json()["id"].as_str().unwrap_or_default().to_string();
                }
            }
            // `{own_scroll}` / `{own_pit}`: a scroll or point in time over `m-docs` the caller
            // opened (an unknown id when it may not: the call must be denied first).
            let mut own_scroll = "bm8tc3VjaC1zY3JvbGwtaWQtYXQtYWxs".to_string();
            let mut own_pit = own_scroll.clone();
            let mentions = |p: &str| r.uri.contains(p) || r.body.is_some_and(|b| b.contains(p));
            if mentions("{own_scroll}") {
                let opened = call_raw(
                    &f,
                    "GET",
                    "/m-docs/_search?scroll=1m",
                    (user, MATRIX_PASSWORD),
                    None,
                )
                .await;
                if opened.status.is_success() {
                    own_scroll = opened.json()["_scroll_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                }
            }
            if mentions("{own_pit}") {
                let opened = call_raw(
                    &f,
                    "POST",
                    "/m-docs/_pit?keep_alive=1m",
                    (user, MATRIX_PASSWORD),
                    None,
                )
                .await;
                if opened.status.is_success() {
                    own_pit = opened.json()["id"].as_str().unwrap_or_default().to_string();
                }
            }
            let fill = |t: &str| {
                t.replace("{self}", user)
                    .replace("{own_key}", &own_key)
                    .replace("{own_scroll}", &own_scroll)
                    .replace("{own_pit}", &own_pit)
            };
            call_raw(
                &f,
                r.method,
                &fill(r.uri),
                (user, MATRIX_PASSWORD),
                r.body.map(fill),
            )
            .await
        };
        // Lacking: a role with no privileges.
        let lacking = run("m_nothing").await;
        match r.grant {
            Anyone => {
                if !lacking.status.is_success() {
                    failures.push(format!("{route}: self-service denied: {}", lacking.text()));
                }
                continue;
            }
            grant => {
                let p = grant.name();
                if lacking.status != StatusCode::FORBIDDEN {
                    failures.push(format!(
                        "{route}: without [{p}] expected 403, got {}",
                        lacking.status
                    ));
                } else if r.method != "HEAD" {
                    let reason = lacking.json()["error"]["reason"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    if !reason.contains("is unauthorized for user [m_nothing]") {
                        failures.push(format!("{route}: 403 reason: {reason}"));
                    }
                }
                if let Some(near) = r.near_miss {
                    let denied = run(&users[&near]).await;
                    if denied.status != StatusCode::FORBIDDEN {
                        failures.push(format!(
                            "{route}: [{}] must not be enough, got {}: {}",
                            near.name(),
                            denied.status,
                            denied.text()
                        ));
                    }
                }
                let allowed = run(&users[&grant]).await;
                let missing = r.missing_ok && allowed.status == StatusCode::NOT_FOUND;
                if r.licence_refused {
                    let reason = allowed.json_or_null()["error"]["reason"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    if allowed.status != StatusCode::FORBIDDEN
                        || !reason.starts_with("current license is non-compliant for [")
                    {
                        failures.push(format!(
                            "{route}: with [{p}] expected the licence refusal, got {}: {}",
                            allowed.status,
                            allowed.text()
                        ));
                    }
                } else if !allowed.status.is_success() && !missing {
                    failures.push(format!(
                        "{route}: with [{p}] expected 2xx, got {}: {}",
                        allowed.status,
                        allowed.text()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
