//! Transport action names: every REST call maps to one (`cluster:monitor/main`, ...) and
//! privileges are granted over them. Names are Elasticsearch's, so roles written for
//! Elasticsearch mean the same here.

use std::fmt;

/// An Elasticsearch transport action name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionName(pub &'static str);

impl ActionName {
    /// The name.
    pub fn as_str(self) -> &'static str {
        self.0
    }
    /// The API key actions (`cluster:admin/xpack/security/api_key/*`), which
    /// `manage_own_api_key` may grant for the caller's own keys.
    pub fn is_api_key_action(self) -> bool {
        self.0.starts_with("cluster:admin/xpack/security/api_key/")
    }
    /// Cluster actions: `cluster:*` and the (cluster-level) template actions.
    pub fn is_cluster_action(self) -> bool {
        self.0.starts_with("cluster:")
            || self.0.starts_with("indices:admin/template/")
            || self.0.starts_with("indices:admin/index_template/")
    }
}

impl fmt::Display for ActionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// `GET /`, `HEAD /`.
pub const MAIN: ActionName = ActionName("cluster:monitor/main");
/// `GET /_cluster/health`.
pub const CLUSTER_HEALTH: ActionName = ActionName("cluster:monitor/health");
/// `GET /_cluster/state`.
pub const CLUSTER_STATE: ActionName = ActionName("cluster:monitor/state");
/// `GET /_nodes`.
pub const NODES_INFO: ActionName = ActionName("cluster:monitor/nodes/info");
/// `GET /_nodes/stats`.
pub const NODES_STATS: ActionName = ActionName("cluster:monitor/nodes/stats");
/// `GET /_license`.
pub const LICENSE_GET: ActionName = ActionName("cluster:monitor/xpack/license/get");
/// `GET /_xpack`.
pub const XPACK_INFO: ActionName = ActionName("cluster:monitor/xpack/info");
/// `GET /_security/_authenticate`.
pub const AUTHENTICATE: ActionName = ActionName("cluster:admin/xpack/security/user/authenticate");

// Security: users and roles.
/// `GET /_security/user[/{name}]`.
pub const USER_GET: ActionName = ActionName("cluster:admin/xpack/security/user/get");
/// `PUT|POST /_security/user/{name}`.
pub const USER_PUT: ActionName = ActionName("cluster:admin/xpack/security/user/put");
/// `DELETE /_security/user/{name}`.
pub const USER_DELETE: ActionName = ActionName("cluster:admin/xpack/security/user/delete");
/// `_password` (one's own password: always allowed to native and reserved users).
pub const USER_CHANGE_PASSWORD: ActionName =
    ActionName("cluster:admin/xpack/security/user/change_password");
/// `_enable`, `_disable`.
pub const USER_SET_ENABLED: ActionName =
    ActionName("cluster:admin/xpack/security/user/set_enabled");
/// `_has_privileges` (about the caller).
pub const USER_HAS_PRIVILEGES: ActionName =
    ActionName("cluster:admin/xpack/security/user/has_privileges");
/// `GET /_security/user/_privileges`.
pub const USER_LIST_PRIVILEGES: ActionName =
    ActionName("cluster:admin/xpack/security/user/list_privileges");
/// `GET|POST /_security/_query/user`.
pub const USER_QUERY: ActionName = ActionName("cluster:admin/xpack/security/user/query");
/// `PUT|POST /_security/role/{name}`.
pub const ROLE_PUT: ActionName = ActionName("cluster:admin/xpack/security/role/put");
/// `GET /_security/role[/{name}]`.
pub const ROLE_GET: ActionName = ActionName("cluster:admin/xpack/security/role/get");
/// `DELETE /_security/role/{name}`.
pub const ROLE_DELETE: ActionName = ActionName("cluster:admin/xpack/security/role/delete");
/// `POST /_security/role` (bulk, 8.15+).
pub const ROLE_BULK_PUT: ActionName = ActionName("cluster:admin/xpack/security/role/bulk_put");
/// `DELETE /_security/role` (bulk, 8.15+).
pub const ROLE_BULK_DELETE: ActionName =
    ActionName("cluster:admin/xpack/security/role/bulk_delete");
/// `GET|POST /_security/_query/role`.
pub const ROLE_QUERY: ActionName = ActionName("cluster:admin/xpack/security/role/query");
/// `PUT|POST /_security/role_mapping/{name}`.
pub const ROLE_MAPPING_PUT: ActionName =
    ActionName("cluster:admin/xpack/security/role_mapping/put");
/// `GET /_security/role_mapping[/{name}]`.
pub const ROLE_MAPPING_GET: ActionName =
    ActionName("cluster:admin/xpack/security/role_mapping/get");
/// `DELETE /_security/role_mapping/{name}`.
pub const ROLE_MAPPING_DELETE: ActionName =
    ActionName("cluster:admin/xpack/security/role_mapping/delete");

// Security: privileges and caches.
/// `GET /_security/privilege/_builtin`.
pub const PRIVILEGE_BUILTIN: ActionName =
    ActionName("cluster:admin/xpack/security/privilege/builtin/get");
/// `PUT|POST /_security/privilege`.
pub const PRIVILEGE_PUT: ActionName = ActionName("cluster:admin/xpack/security/privilege/put");
/// `GET /_security/privilege[/{application}[/{name}]]`.
pub const PRIVILEGE_GET: ActionName = ActionName("cluster:admin/xpack/security/privilege/get");
/// `DELETE /_security/privilege/{application}/{name}`.
pub const PRIVILEGE_DELETE: ActionName =
    ActionName("cluster:admin/xpack/security/privilege/delete");
/// `POST /_security/privilege/{application}/_clear_cache`.
pub const PRIVILEGE_CACHE_CLEAR: ActionName =
    ActionName("cluster:admin/xpack/security/privilege/cache/clear");
/// `POST /_security/realm/{realms}/_clear_cache`.
pub const REALM_CACHE_CLEAR: ActionName =
    ActionName("cluster:admin/xpack/security/realm/cache/clear");
/// `POST /_security/role/{name}/_clear_cache`.
pub const ROLES_CACHE_CLEAR: ActionName =
    ActionName("cluster:admin/xpack/security/roles/cache/clear");
/// `POST /_security/api_key/{ids}/_clear_cache` (Elasticsearch's generic security cache
/// action).
pub const SECURITY_CACHE_CLEAR: ActionName = ActionName("cluster:admin/xpack/security/cache/clear");

// Security: API keys and tokens.
/// `PUT|POST /_security/api_key`.
pub const API_KEY_CREATE: ActionName = ActionName("cluster:admin/xpack/security/api_key/create");
/// `GET /_security/api_key`.
pub const API_KEY_GET: ActionName = ActionName("cluster:admin/xpack/security/api_key/get");
/// `DELETE /_security/api_key`.
pub const API_KEY_INVALIDATE: ActionName =
    ActionName("cluster:admin/xpack/security/api_key/invalidate");
/// `POST /_security/api_key/grant`.
pub const API_KEY_GRANT: ActionName = ActionName("cluster:admin/xpack/security/api_key/grant");
/// `PUT /_security/api_key/{ids}` (one id).
pub const API_KEY_UPDATE: ActionName = ActionName("cluster:admin/xpack/security/api_key/update");
/// `POST /_security/api_key/_bulk_update`.
pub const API_KEY_BULK_UPDATE: ActionName =
    ActionName("cluster:admin/xpack/security/api_key/bulk_update");
/// `GET|POST /_security/_query/api_key`.
pub const API_KEY_QUERY: ActionName = ActionName("cluster:admin/xpack/security/api_key/query");
/// `POST /_security/oauth2/token` (password and client_credentials grants).
pub const TOKEN_CREATE: ActionName = ActionName("cluster:admin/xpack/security/token/create");
/// The refresh_token grant of `POST /_security/oauth2/token`.
pub const TOKEN_REFRESH: ActionName = ActionName("cluster:admin/xpack/security/token/refresh");
/// `DELETE /_security/oauth2/token`.
pub const TOKEN_INVALIDATE: ActionName =
    ActionName("cluster:admin/xpack/security/token/invalidate");

// TLS.
/// `GET /_ssl/certificates`.
pub const SSL_CERTIFICATES: ActionName = ActionName("cluster:monitor/xpack/ssl/certificates/get");
/// `POST /_security/service/{ns}/{service}/credential/token/{name}`.
pub const SERVICE_ACCOUNT_TOKEN_CREATE: ActionName =
    ActionName("cluster:admin/xpack/security/service_account/token/create");
/// `DELETE /_security/service/{ns}/{service}/credential/token/{name}`.
pub const SERVICE_ACCOUNT_TOKEN_DELETE: ActionName =
    ActionName("cluster:admin/xpack/security/service_account/token/delete");
/// `GET /_security/enroll/kibana`.
pub const ENROLL_KIBANA: ActionName = ActionName("cluster:admin/xpack/security/enroll/kibana");
/// `GET /_security/service[/{ns}[/{service}]]`.
pub const SERVICE_ACCOUNT_GET: ActionName =
    ActionName("cluster:admin/xpack/security/service_account/get");
/// `GET /_security/service/{ns}/{service}/credential`.
pub const SERVICE_ACCOUNT_CREDENTIALS_GET: ActionName =
    ActionName("cluster:admin/xpack/security/service_account/credential/get");

// Documents and indices.
/// `POST /_bulk`.
pub const BULK: ActionName = ActionName("indices:data/write/bulk");
/// `PUT|POST /{index}/_doc[/{id}]`.
pub const INDEX: ActionName = ActionName("indices:data/write/index");
/// `DELETE /{index}/_doc/{id}`.
pub const DELETE: ActionName = ActionName("indices:data/write/delete");
/// `POST /{index}/_update/{id}`.
pub const UPDATE: ActionName = ActionName("indices:data/write/update");
/// `GET /{index}/_doc/{id}`.
pub const GET: ActionName = ActionName("indices:data/read/get");
/// `GET|POST /{index}/_search`.
pub const SEARCH: ActionName = ActionName("indices:data/read/search");
/// `GET|POST /_search/scroll`.
pub const SEARCH_SCROLL: ActionName = ActionName("indices:data/read/scroll");
/// `DELETE /_search/scroll`.
pub const CLEAR_SCROLL: ActionName = ActionName("indices:data/read/scroll/clear");
/// `POST /{index}/_pit`.
pub const OPEN_POINT_IN_TIME: ActionName = ActionName("indices:data/read/open_point_in_time");
/// `DELETE /_pit`.
pub const CLOSE_POINT_IN_TIME: ActionName = ActionName("indices:data/read/close_point_in_time");
/// `PUT /{index}`.
pub const CREATE_INDEX: ActionName = ActionName("indices:admin/create");
/// An index created by a write into a missing one.
pub const AUTO_CREATE_INDEX: ActionName = ActionName("indices:admin/auto_create");
/// `DELETE /{index}`.
pub const DELETE_INDEX: ActionName = ActionName("indices:admin/delete");
/// The per-shard part of `_bulk`, checked on each concrete index.
pub const BULK_SHARD: ActionName = ActionName("indices:data/write/bulk[s]");
/// A bulk `index` item (or an index request that may overwrite).
pub const INDEX_OP_TYPE_INDEX: ActionName = ActionName("indices:data/write/index:op_type/index");
/// A bulk `create` item (or `op_type=create`).
pub const INDEX_OP_TYPE_CREATE: ActionName = ActionName("indices:data/write/index:op_type/create");
/// A dynamic mapping update during a write.
pub const AUTO_PUT_MAPPING: ActionName = ActionName("indices:admin/mapping/auto_put");

// Index administration, templates, data streams and ILM (crates/node/src/rest/indices.rs,
// templates.rs, data_streams.rs, ilm.rs).
/// `GET|HEAD /{index}`.
pub const GET_INDEX: ActionName = ActionName("indices:admin/get");
/// `POST /{index}/_open`.
pub const OPEN_INDEX: ActionName = ActionName("indices:admin/open");
/// `POST /{index}/_close`.
pub const CLOSE_INDEX: ActionName = ActionName("indices:admin/close");
/// `POST [/{index}]/_refresh`.
pub const REFRESH: ActionName = ActionName("indices:admin/refresh");
/// `GET [/{index}]/_mapping`.
pub const GET_MAPPINGS: ActionName = ActionName("indices:admin/mappings/get");
/// `GET [/{index}]/_mapping/field/{fields}`.
pub const GET_FIELD_MAPPINGS: ActionName = ActionName("indices:admin/mappings/fields/get");
/// `PUT /{index}/_mapping`.
pub const PUT_MAPPING: ActionName = ActionName("indices:admin/mapping/put");
/// `GET [/{index}]/_settings[/{name}]`.
pub const GET_SETTINGS: ActionName = ActionName("indices:monitor/settings/get");
/// `PUT [/{index}]/_settings`.
pub const UPDATE_SETTINGS: ActionName = ActionName("indices:admin/settings/update");
/// `POST /_aliases`, `PUT|DELETE /{index}/_alias[es]/{name}`.
pub const ALIASES: ActionName = ActionName("indices:admin/aliases");
/// `GET|HEAD [/{index}]/_alias[/{name}]`.
pub const GET_ALIASES: ActionName = ActionName("indices:admin/aliases/get");
/// `PUT|POST /_index_template/{name}`.
pub const PUT_INDEX_TEMPLATE: ActionName = ActionName("indices:admin/index_template/put");
/// `GET|HEAD /_index_template[/{name}]`.
pub const GET_INDEX_TEMPLATE: ActionName = ActionName("indices:admin/index_template/get");
/// `DELETE /_index_template/{name}`.
pub const DELETE_INDEX_TEMPLATE: ActionName = ActionName("indices:admin/index_template/delete");
/// `POST /_index_template/_simulate_index/{name}`.
pub const SIMULATE_INDEX_TEMPLATE: ActionName =
    ActionName("indices:admin/index_template/simulate_index");
/// `POST /_index_template/_simulate[/{name}]`.
pub const SIMULATE_TEMPLATE: ActionName = ActionName("indices:admin/index_template/simulate");
/// `PUT|POST /_component_template/{name}`.
pub const PUT_COMPONENT_TEMPLATE: ActionName = ActionName("cluster:admin/component_template/put");
/// `GET|HEAD /_component_template[/{name}]`.
pub const GET_COMPONENT_TEMPLATE: ActionName = ActionName("cluster:admin/component_template/get");
/// `DELETE /_component_template/{name}`.
pub const DELETE_COMPONENT_TEMPLATE: ActionName =
    ActionName("cluster:admin/component_template/delete");
/// `PUT /_data_stream/{name}`.
pub const CREATE_DATA_STREAM: ActionName = ActionName("indices:admin/data_stream/create");
/// `GET /_data_stream[/{name}]`.
pub const GET_DATA_STREAMS: ActionName = ActionName("indices:admin/data_stream/get");
/// `DELETE /_data_stream/{name}`.
pub const DELETE_DATA_STREAM: ActionName = ActionName("indices:admin/data_stream/delete");
/// `GET /_data_stream[/{name}]/_stats`.
pub const DATA_STREAMS_STATS: ActionName = ActionName("indices:monitor/data_stream/stats");
/// `POST /{target}/_rollover[/{new_index}]`.
pub const ROLLOVER: ActionName = ActionName("indices:admin/rollover");
/// `GET /_resolve/index/{name}`.
pub const RESOLVE_INDEX: ActionName = ActionName("indices:admin/resolve/index");
/// `GET|POST [/{index}]/_field_caps`.
pub const FIELD_CAPS: ActionName = ActionName("indices:data/read/field_caps");
/// `PUT /_ilm/policy/{name}`.
pub const ILM_PUT: ActionName = ActionName("cluster:admin/ilm/put");
/// `GET /_ilm/policy[/{name}]`.
pub const ILM_GET: ActionName = ActionName("cluster:admin/ilm/get");
/// `DELETE /_ilm/policy/{name}`.
pub const ILM_DELETE: ActionName = ActionName("cluster:admin/ilm/delete");
/// `GET /{index}/_ilm/explain`.
pub const ILM_EXPLAIN: ActionName = ActionName("indices:admin/ilm/explain");
/// `GET /_ilm/status`.
pub const ILM_STATUS: ActionName = ActionName("cluster:admin/ilm/operation_mode/get");
/// `POST /_ilm/start`.
pub const ILM_START: ActionName = ActionName("cluster:admin/ilm/start");
/// `POST /_ilm/stop`.
pub const ILM_STOP: ActionName = ActionName("cluster:admin/ilm/stop");
// Statistics, cat and multi-request APIs (rest-stats).
/// `GET [/{index}]/_stats`, and the figures `_cat/indices` and `_cat/shards` read.
pub const INDICES_STATS: ActionName = ActionName("indices:monitor/stats");
/// `GET /_cat/segments` (`IndicesSegmentsAction`).
pub const INDICES_SEGMENTS: ActionName = ActionName("indices:monitor/segments");
/// `GET /_cat/aliases` (`GetAliasesAction`).
pub const ALIASES_GET: ActionName = ActionName("indices:admin/aliases/get");
/// `GET /_cat/templates` (`GetIndexTemplatesAction`, the first request it sends).
pub const LEGACY_TEMPLATE_GET: ActionName = ActionName("indices:admin/template/get");
/// `GET|POST [/{index}]/_mget`, authorized by name; each document on its index with
/// [`MGET_SHARD`].
pub const MGET: ActionName = ActionName("indices:data/read/mget");
/// One `_mget` document, on its index.
pub const MGET_SHARD: ActionName = ActionName("indices:data/read/mget[shard]");
/// `GET|POST [/{index}]/_msearch`, authorized by name; each search with [`SEARCH`].
pub const MSEARCH: ActionName = ActionName("indices:data/read/msearch");
/// `POST /{index}/_delete_by_query`.
pub const DELETE_BY_QUERY: ActionName = ActionName("indices:data/write/delete/byquery");
/// `POST /{index}/_update_by_query`.
pub const UPDATE_BY_QUERY: ActionName = ActionName("indices:data/write/update/byquery");
// The endpoints Stack Monitoring collection reads (monitoring-node).
/// `GET /_cluster/stats[/nodes/{node_filter}]`.
pub const CLUSTER_STATS: ActionName = ActionName("cluster:monitor/stats");
/// `GET /_cluster/settings` (`ClusterGetSettingsAction`).
pub const CLUSTER_GET_SETTINGS: ActionName = ActionName("cluster:monitor/settings");
/// `PUT /_cluster/settings`.
pub const CLUSTER_UPDATE_SETTINGS: ActionName = ActionName("cluster:admin/settings/update");
/// `GET /_cluster/pending_tasks`.
pub const PENDING_CLUSTER_TASKS: ActionName = ActionName("cluster:monitor/task");
/// `GET /_xpack/usage`.
pub const XPACK_USAGE: ActionName = ActionName("cluster:monitor/xpack/usage");
/// `GET [/{index}]/_recovery`.
pub const RECOVERY: ActionName = ActionName("indices:monitor/recovery");
/// `GET /_ccr/stats`.
pub const CCR_STATS: ActionName = ActionName("cluster:monitor/ccr/stats");
/// `GET /_enrich/_stats`.
pub const ENRICH_STATS: ActionName = ActionName("cluster:monitor/xpack/enrich/stats");
/// `GET /_ml/anomaly_detectors/{job_id}/_stats`.
pub const ML_JOB_STATS: ActionName = ActionName("cluster:monitor/xpack/ml/job/stats/get");
