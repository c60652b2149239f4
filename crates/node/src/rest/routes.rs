//! The route table: every REST route, registered once with its Elasticsearch action, what the
//! security gate needs to know about its target, and its handler. The router is built from
//! this table only; each route's handler sits behind the authorization step of the pipeline,
//! so a route cannot exist without an action and no handler runs unauthorized.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};
use ironstack_security::gate::{IndexExpression, SecuredRequest, Target};
use ironstack_types::index_space::IndicesOptions;
use ironstack_types::{ActionName, EsException, action};
use serde_json::Value;

use super::pipeline::{Decoder, RequestView, RouteContext, RouteSpec, authorize};
use super::response::{ApiError, method_not_allowed};
use super::{
    api_key, app_privilege, body, bulk, cat, documents, enroll, handlers, node_stats, query,
    role_mapping, scroll, search, security, service_account, ssl, token,
};
// Index administration, templates, data streams and ILM.
use super::{data_streams, ilm, indices, templates};
// Statistics, cat and multi-request APIs (rest-stats).
use super::{by_query, multi, stats};
// The endpoints Stack Monitoring collection reads (monitoring-node).
use super::{cluster_settings, cluster_stats, recovery, xpack_usage};
use crate::state::AppState;

/// The route table.
pub(crate) fn table() -> Routes {
    const GET: &[Method] = &[Method::GET];
    const POST: &[Method] = &[Method::POST];
    const PUT: &[Method] = &[Method::PUT];
    const DELETE: &[Method] = &[Method::DELETE];
    const PUT_POST: &[Method] = &[Method::PUT, Method::POST];
    const GET_POST: &[Method] = &[Method::GET, Method::POST];
    use action as a;
    Routes::default()
        // The node (handlers.rs, node_stats.rs, cat.rs, ssl.rs).
        .add(GET, "/", a::MAIN, none, handlers::main_info)
        .add(
            GET,
            "/_cluster/health",
            a::CLUSTER_HEALTH,
            none,
            handlers::cluster_health,
        )
        .add(GET, "/_license", a::LICENSE_GET, none, handlers::license)
        .add(GET, "/_xpack", a::XPACK_INFO, none, handlers::xpack)
        .add(GET, "/_nodes", a::NODES_INFO, none, handlers::nodes_info)
        .add(
            GET,
            "/_nodes/{node_id}",
            a::NODES_INFO,
            none,
            handlers::nodes_info,
        )
        .add(
            GET,
            "/_nodes/{node_id}/{metric}",
            a::NODES_INFO,
            none,
            handlers::nodes_info,
        )
        .add(
            GET,
            "/_nodes/{node_id}/info/{metric}",
            a::NODES_INFO,
            none,
            handlers::nodes_info,
        )
        .add(
            GET,
            "/_nodes/stats",
            a::NODES_STATS,
            none,
            node_stats::nodes_stats,
        )
        .add(
            GET,
            "/_nodes/stats/{metric}",
            a::NODES_STATS,
            none,
            node_stats::nodes_stats,
        )
        .add(
            GET,
            "/_nodes/{node_id}/stats",
            a::NODES_STATS,
            none,
            node_stats::nodes_stats,
        )
        .add(
            GET,
            "/_nodes/{node_id}/stats/{metric}",
            a::NODES_STATS,
            none,
            node_stats::nodes_stats,
        )
        .add(
            GET,
            "/_nodes/stats/{metric}/{index_metric}",
            a::NODES_STATS,
            none,
            node_stats::nodes_stats,
        )
        .add(
            GET,
            "/_nodes/{node_id}/stats/{metric}/{index_metric}",
            a::NODES_STATS,
            none,
            node_stats::nodes_stats,
        )
        .add(GET, "/_cat/health", a::CLUSTER_HEALTH, none, cat::health)
        .add(GET, "/_cat/nodes", a::NODES_INFO, none, cat::nodes)
        .add(
            GET,
            "/_ssl/certificates",
            a::SSL_CERTIFICATES,
            none,
            ssl::certificates,
        )
        // Who am I (handlers.rs).
        .add(
            GET,
            "/_security/_authenticate",
            a::AUTHENTICATE,
            none,
            handlers::authenticate,
        )
        // Users (security.rs).
        .add(
            GET,
            "/_security/user",
            a::USER_GET,
            none,
            security::get_users,
        )
        .add(
            GET,
            "/_security/user/{username}",
            a::USER_GET,
            none,
            security::get_users,
        )
        .add(
            PUT_POST,
            "/_security/user/{username}",
            a::USER_PUT,
            none,
            security::put_user,
        )
        .add(
            DELETE,
            "/_security/user/{username}",
            a::USER_DELETE,
            none,
            security::delete_user,
        )
        .add(
            PUT_POST,
            "/_security/user/_password",
            a::USER_CHANGE_PASSWORD,
            account,
            security::change_password,
        )
        .add(
            PUT_POST,
            "/_security/user/{username}/_password",
            a::USER_CHANGE_PASSWORD,
            account,
            security::change_password,
        )
        .add(
            PUT_POST,
            "/_security/user/{username}/_enable",
            a::USER_SET_ENABLED,
            none,
            security::enable_user,
        )
        .add(
            PUT_POST,
            "/_security/user/{username}/_disable",
            a::USER_SET_ENABLED,
            none,
            security::disable_user,
        )
        .add(
            GET_POST,
            "/_security/user/_has_privileges",
            a::USER_HAS_PRIVILEGES,
            own_account,
            security::has_privileges,
        )
        .add(
            GET_POST,
            "/_security/user/{username}/_has_privileges",
            a::USER_HAS_PRIVILEGES,
            own_account,
            security::has_privileges,
        )
        .add(
            GET,
            "/_security/user/_privileges",
            a::USER_LIST_PRIVILEGES,
            none,
            security::user_privileges,
        )
        .add(
            GET_POST,
            "/_security/_query/user",
            a::USER_QUERY,
            none,
            query::query_users,
        )
        // Roles (security.rs).
        .add(
            GET,
            "/_security/role",
            a::ROLE_GET,
            none,
            security::get_roles,
        )
        .add(
            GET,
            "/_security/role/{name}",
            a::ROLE_GET,
            none,
            security::get_roles,
        )
        .add(
            PUT_POST,
            "/_security/role/{name}",
            a::ROLE_PUT,
            none,
            security::put_role,
        )
        .add(
            DELETE,
            "/_security/role/{name}",
            a::ROLE_DELETE,
            none,
            security::delete_role,
        )
        .add(
            POST,
            "/_security/role",
            a::ROLE_BULK_PUT,
            none,
            security::bulk_put_roles,
        )
        .add(
            DELETE,
            "/_security/role",
            a::ROLE_BULK_DELETE,
            none,
            security::bulk_delete_roles,
        )
        .add(
            GET_POST,
            "/_security/_query/role",
            a::ROLE_QUERY,
            none,
            query::query_roles,
        )
        .add(
            GET,
            "/_security/privilege/_builtin",
            a::PRIVILEGE_BUILTIN,
            none,
            security::builtin,
        )
        // Role mappings (role_mapping.rs).
        .add(
            GET,
            "/_security/role_mapping",
            a::ROLE_MAPPING_GET,
            none,
            role_mapping::get_role_mappings,
        )
        .add(
            GET,
            "/_security/role_mapping/{name}",
            a::ROLE_MAPPING_GET,
            none,
            role_mapping::get_role_mappings,
        )
        .add(
            PUT_POST,
            "/_security/role_mapping/{name}",
            a::ROLE_MAPPING_PUT,
            none,
            role_mapping::put_role_mapping,
        )
        .add(
            DELETE,
            "/_security/role_mapping/{name}",
            a::ROLE_MAPPING_DELETE,
            none,
            role_mapping::delete_role_mapping,
        )
        // Application privileges (app_privilege.rs).
        .add(
            PUT_POST,
            "/_security/privilege",
            a::PRIVILEGE_PUT,
            applications_in_body,
            app_privilege::put,
        )
        .add(
            GET,
            "/_security/privilege",
            a::PRIVILEGE_GET,
            applications_in_path,
            app_privilege::get,
        )
        .add(
            GET,
            "/_security/privilege/{application}",
            a::PRIVILEGE_GET,
            applications_in_path,
            app_privilege::get,
        )
        .add(
            GET,
            "/_security/privilege/{application}/{name}",
            a::PRIVILEGE_GET,
            applications_in_path,
            app_privilege::get,
        )
        .add(
            DELETE,
            "/_security/privilege/{application}/{name}",
            a::PRIVILEGE_DELETE,
            applications_in_path,
            app_privilege::delete,
        )
        .add(
            POST,
            "/_security/privilege/{application}/_clear_cache",
            a::PRIVILEGE_CACHE_CLEAR,
            applications_in_path,
            app_privilege::clear_cache,
        )
        // Enrolment (enroll.rs).
        .add(
            GET,
            "/_security/enroll/kibana",
            a::ENROLL_KIBANA,
            none,
            enroll::kibana,
        )
        // Service accounts and their tokens (service_account.rs).
        .add(
            GET,
            "/_security/service",
            a::SERVICE_ACCOUNT_GET,
            none,
            service_account::get,
        )
        .add(
            GET,
            "/_security/service/{namespace}",
            a::SERVICE_ACCOUNT_GET,
            none,
            service_account::get,
        )
        .add(
            GET,
            "/_security/service/{namespace}/{service}",
            a::SERVICE_ACCOUNT_GET,
            none,
            service_account::get,
        )
        .add(
            POST,
            "/_security/service/{namespace}/{service}/credential/token",
            a::SERVICE_ACCOUNT_TOKEN_CREATE,
            none,
            service_account::create_token,
        )
        .add(
            PUT_POST,
            "/_security/service/{namespace}/{service}/credential/token/{name}",
            a::SERVICE_ACCOUNT_TOKEN_CREATE,
            none,
            service_account::create_token,
        )
        .add(
            DELETE,
            "/_security/service/{namespace}/{service}/credential/token/{name}",
            a::SERVICE_ACCOUNT_TOKEN_DELETE,
            none,
            service_account::delete_token,
        )
        .add(
            GET,
            "/_security/service/{namespace}/{service}/credential",
            a::SERVICE_ACCOUNT_CREDENTIALS_GET,
            none,
            service_account::credentials,
        )
        .add(
            POST,
            "/_security/service/{namespace}/{service}/credential/token/{name}/_clear_cache",
            a::SECURITY_CACHE_CLEAR,
            none,
            service_account::clear_token_cache,
        )
        // API keys (api_key.rs).
        .add(
            PUT_POST,
            "/_security/api_key",
            a::API_KEY_CREATE,
            none,
            api_key::create,
        )
        .add(
            GET,
            "/_security/api_key",
            a::API_KEY_GET,
            api_keys_in_query,
            api_key::get,
        )
        .add(
            DELETE,
            "/_security/api_key",
            a::API_KEY_INVALIDATE,
            api_keys_in_body,
            api_key::invalidate,
        )
        .add(
            POST,
            "/_security/api_key/grant",
            a::API_KEY_GRANT,
            none,
            api_key::grant,
        )
        .add(
            PUT,
            "/_security/api_key/{ids}",
            a::API_KEY_UPDATE,
            none,
            api_key::update,
        )
        .add(
            POST,
            "/_security/api_key/_bulk_update",
            a::API_KEY_BULK_UPDATE,
            none,
            api_key::bulk_update,
        )
        .add(
            GET_POST,
            "/_security/_query/api_key",
            a::API_KEY_QUERY,
            none,
            query::query_api_keys,
        )
        // Tokens (token.rs).
        .add(
            POST,
            "/_security/oauth2/token",
            a::TOKEN_CREATE,
            token_grant,
            token::create_token,
        )
        .add(
            DELETE,
            "/_security/oauth2/token",
            a::TOKEN_INVALIDATE,
            none,
            token::invalidate_token,
        )
        // Cache clearing (security.rs).
        .add(
            POST,
            "/_security/realm/{realms}/_clear_cache",
            a::REALM_CACHE_CLEAR,
            none,
            security::clear_realm_cache,
        )
        .add(
            POST,
            "/_security/role/{name}/_clear_cache",
            a::ROLES_CACHE_CLEAR,
            none,
            security::clear_roles_cache,
        )
        .add(
            POST,
            "/_security/api_key/{ids}/_clear_cache",
            a::SECURITY_CACHE_CLEAR,
            none,
            security::clear_api_key_cache,
        )
        // Documents (documents.rs): writes are authorized by action name, then per item.
        .add(
            PUT_POST,
            "/{index}/_doc/{id}",
            a::INDEX,
            write_action,
            documents::index_doc,
        )
        .add(
            POST,
            "/{index}/_doc",
            a::INDEX,
            write_action,
            documents::index_doc,
        )
        .add(
            PUT_POST,
            "/{index}/_create/{id}",
            a::INDEX,
            write_action,
            documents::create_doc,
        )
        .add(
            DELETE,
            "/{index}/_doc/{id}",
            a::DELETE,
            write_action,
            documents::delete_doc,
        )
        .add(
            POST,
            "/{index}/_update/{id}",
            a::UPDATE,
            write_action,
            documents::update_doc,
        )
        .add(
            GET,
            "/{index}/_doc/{id}",
            a::GET,
            one_index,
            documents::get_doc,
        )
        .add(
            GET,
            "/{index}/_source/{id}",
            a::GET,
            one_index,
            documents::get_source,
        )
        .add(PUT_POST, "/_bulk", a::BULK, write_action, bulk::bulk)
        .add(
            PUT_POST,
            "/{index}/_bulk",
            a::BULK,
            write_action,
            bulk::bulk,
        )
        // Search (search.rs).
        .add(
            GET_POST,
            "/_search",
            a::SEARCH,
            search_indices,
            search::search,
        )
        .add(
            GET_POST,
            "/{index}/_search",
            a::SEARCH,
            search_indices,
            search::search,
        )
        // Scrolls and points in time (scroll.rs).
        .add(
            GET_POST,
            "/_search/scroll",
            a::SEARCH_SCROLL,
            by_action_name,
            scroll::scroll,
        )
        .add(
            GET_POST,
            "/_search/scroll/{scroll_id}",
            a::SEARCH_SCROLL,
            by_action_name,
            scroll::scroll,
        )
        .add(
            DELETE,
            "/_search/scroll",
            a::CLEAR_SCROLL,
            by_action_name,
            scroll::clear_scroll,
        )
        .add(
            DELETE,
            "/_search/scroll/{scroll_id}",
            a::CLEAR_SCROLL,
            by_action_name,
            scroll::clear_scroll,
        )
        .add(
            POST,
            "/{index}/_pit",
            a::OPEN_POINT_IN_TIME,
            indices_open,
            scroll::open_point_in_time,
        )
        .add(
            DELETE,
            "/_pit",
            a::CLOSE_POINT_IN_TIME,
            by_action_name,
            scroll::close_point_in_time,
        )
        .add(GET_POST, "/_count", a::SEARCH, indices_open, search::count)
        .add(
            GET_POST,
            "/{index}/_count",
            a::SEARCH,
            indices_open,
            search::count,
        )
        // Index administration (indices.rs).
        .add(
            PUT,
            "/{index}",
            a::CREATE_INDEX,
            new_index,
            indices::create_index,
        )
        .add(
            DELETE,
            "/{index}",
            a::DELETE_INDEX,
            indices_to_delete,
            indices::delete_index,
        )
        .add(
            GET,
            "/{index}",
            a::GET_INDEX,
            indices_open,
            indices::get_index,
        )
        .add(
            POST,
            "/{index}/_open",
            a::OPEN_INDEX,
            indices_closed,
            indices::open_index,
        )
        .add(
            POST,
            "/{index}/_close",
            a::CLOSE_INDEX,
            indices_to_close,
            indices::close_index,
        )
        .add(
            GET_POST,
            "/_refresh",
            a::REFRESH,
            indices_open,
            indices::refresh,
        )
        .add(
            GET_POST,
            "/{index}/_refresh",
            a::REFRESH,
            indices_open,
            indices::refresh,
        )
        .add(
            GET,
            "/_mapping",
            a::GET_MAPPINGS,
            indices_open,
            indices::get_mapping,
        )
        .add(
            GET,
            "/{index}/_mapping",
            a::GET_MAPPINGS,
            indices_open,
            indices::get_mapping,
        )
        .add(
            GET,
            "/_mapping/field/{fields}",
            a::GET_FIELD_MAPPINGS,
            indices_open,
            indices::get_field_mapping,
        )
        .add(
            GET,
            "/{index}/_mapping/field/{fields}",
            a::GET_FIELD_MAPPINGS,
            indices_open,
            indices::get_field_mapping,
        )
        .add(
            PUT_POST,
            "/{index}/_mapping",
            a::PUT_MAPPING,
            indices_must_exist,
            indices::put_mapping,
        )
        .add(
            GET,
            "/_settings",
            a::GET_SETTINGS,
            indices_open_closed,
            indices::get_settings,
        )
        .add(
            GET,
            "/_settings/{name}",
            a::GET_SETTINGS,
            indices_open_closed,
            indices::get_settings,
        )
        .add(
            GET,
            "/{index}/_settings",
            a::GET_SETTINGS,
            indices_open_closed,
            indices::get_settings,
        )
        .add(
            GET,
            "/{index}/_settings/{name}",
            a::GET_SETTINGS,
            indices_open_closed,
            indices::get_settings,
        )
        .add(
            PUT,
            "/_settings",
            a::UPDATE_SETTINGS,
            indices_must_exist,
            indices::put_settings,
        )
        .add(
            PUT,
            "/{index}/_settings",
            a::UPDATE_SETTINGS,
            indices_must_exist,
            indices::put_settings,
        )
        .add(
            POST,
            "/_aliases",
            a::ALIASES,
            indices::alias_change_target,
            indices::update_aliases,
        )
        .add(
            PUT_POST,
            "/{index}/_alias/{name}",
            a::ALIASES,
            indices::alias_change_target,
            indices::put_alias,
        )
        .add(
            PUT_POST,
            "/{index}/_aliases/{name}",
            a::ALIASES,
            indices::alias_change_target,
            indices::put_alias,
        )
        .add(
            DELETE,
            "/{index}/_alias/{name}",
            a::ALIASES,
            indices::alias_delete_target,
            indices::delete_alias,
        )
        .add(
            DELETE,
            "/{index}/_aliases/{name}",
            a::ALIASES,
            indices::alias_delete_target,
            indices::delete_alias,
        )
        .add(
            GET,
            "/_alias",
            a::GET_ALIASES,
            indices::alias_read_target,
            indices::get_aliases,
        )
        .add(
            GET,
            "/_alias/{name}",
            a::GET_ALIASES,
            indices::alias_read_target,
            indices::get_aliases,
        )
        .add(
            GET,
            "/{index}/_alias",
            a::GET_ALIASES,
            indices::alias_read_target,
            indices::get_aliases,
        )
        .add(
            GET,
            "/{index}/_alias/{name}",
            a::GET_ALIASES,
            indices::alias_read_target,
            indices::get_aliases,
        )
        // Templates (templates.rs).
        .add(
            PUT_POST,
            "/_index_template/{name}",
            a::PUT_INDEX_TEMPLATE,
            none,
            templates::put_index_template,
        )
        .add(
            GET,
            "/_index_template",
            a::GET_INDEX_TEMPLATE,
            none,
            templates::get_index_templates,
        )
        .add(
            GET,
            "/_index_template/{name}",
            a::GET_INDEX_TEMPLATE,
            none,
            templates::get_index_templates,
        )
        .add(
            DELETE,
            "/_index_template/{name}",
            a::DELETE_INDEX_TEMPLATE,
            none,
            templates::delete_index_templates,
        )
        .add(
            POST,
            "/_index_template/_simulate_index/{name}",
            a::SIMULATE_INDEX_TEMPLATE,
            none,
            templates::simulate_index,
        )
        .add(
            POST,
            "/_index_template/_simulate",
            a::SIMULATE_TEMPLATE,
            none,
            templates::simulate_template,
        )
        .add(
            POST,
            "/_index_template/_simulate/{name}",
            a::SIMULATE_TEMPLATE,
            none,
            templates::simulate_template,
        )
        .add(
            PUT_POST,
            "/_component_template/{name}",
            a::PUT_COMPONENT_TEMPLATE,
            none,
            templates::put_component_template,
        )
        .add(
            GET,
            "/_component_template",
            a::GET_COMPONENT_TEMPLATE,
            none,
            templates::get_component_templates,
        )
        .add(
            GET,
            "/_component_template/{name}",
            a::GET_COMPONENT_TEMPLATE,
            none,
            templates::get_component_templates,
        )
        .add(
            DELETE,
            "/_component_template/{name}",
            a::DELETE_COMPONENT_TEMPLATE,
            none,
            templates::delete_component_templates,
        )
        // Data streams, rollover, _resolve/index, _field_caps (data_streams.rs).
        .add(
            PUT,
            "/_data_stream/{index}",
            a::CREATE_DATA_STREAM,
            new_index,
            data_streams::create_data_stream,
        )
        .add(
            GET,
            "/_data_stream",
            a::GET_DATA_STREAMS,
            indices_open_closed,
            data_streams::get_data_streams,
        )
        .add(
            GET,
            "/_data_stream/{index}",
            a::GET_DATA_STREAMS,
            indices_open_closed,
            data_streams::get_data_streams,
        )
        .add(
            DELETE,
            "/_data_stream/{index}",
            a::DELETE_DATA_STREAM,
            indices_open_closed,
            data_streams::delete_data_streams,
        )
        .add(
            GET,
            "/_data_stream/_stats",
            a::DATA_STREAMS_STATS,
            indices_open_closed,
            data_streams::data_stream_stats,
        )
        .add(
            GET,
            "/_data_stream/{index}/_stats",
            a::DATA_STREAMS_STATS,
            indices_open_closed,
            data_streams::data_stream_stats,
        )
        .add(
            POST,
            "/{index}/_rollover",
            a::ROLLOVER,
            one_index,
            data_streams::rollover,
        )
        .add(
            POST,
            "/{index}/_rollover/{new_index}",
            a::ROLLOVER,
            one_index,
            data_streams::rollover,
        )
        .add(
            GET_POST,
            "/_resolve/index/{index}",
            a::RESOLVE_INDEX,
            indices_open,
            data_streams::resolve_index,
        )
        .add(
            GET_POST,
            "/_field_caps",
            a::FIELD_CAPS,
            indices_open,
            data_streams::field_caps,
        )
        .add(
            GET_POST,
            "/{index}/_field_caps",
            a::FIELD_CAPS,
            indices_open,
            data_streams::field_caps,
        )
        // Index lifecycle management (ilm.rs).
        .add(
            PUT,
            "/_ilm/policy/{name}",
            a::ILM_PUT,
            none,
            ilm::put_policy,
        )
        .add(GET, "/_ilm/policy", a::ILM_GET, none, ilm::get_policies)
        .add(
            GET,
            "/_ilm/policy/{name}",
            a::ILM_GET,
            none,
            ilm::get_policies,
        )
        .add(
            DELETE,
            "/_ilm/policy/{name}",
            a::ILM_DELETE,
            none,
            ilm::delete_policy,
        )
        .add(
            GET,
            "/{index}/_ilm/explain",
            a::ILM_EXPLAIN,
            indices_open,
            ilm::explain,
        )
        .add(GET, "/_ilm/status", a::ILM_STATUS, none, ilm::status)
        .add(POST, "/_ilm/start", a::ILM_START, none, ilm::start)
        .add(POST, "/_ilm/stop", a::ILM_STOP, none, ilm::stop)
        // Statistics and the store's cat tables (stats.rs, cat.rs).
        .add(
            GET,
            "/_cat/indices",
            a::INDICES_STATS,
            indices_open_closed,
            cat::indices,
        )
        .add(
            GET,
            "/_cat/indices/{index}",
            a::INDICES_STATS,
            indices_open_closed,
            cat::indices,
        )
        .add(
            GET,
            "/_cat/aliases",
            a::ALIASES_GET,
            indices_all,
            cat::aliases,
        )
        .add(
            GET,
            "/_cat/aliases/{name}",
            a::ALIASES_GET,
            indices_all,
            cat::aliases,
        )
        .add(GET_POST, "/_cat/count", a::SEARCH, indices_open, cat::count)
        .add(
            GET_POST,
            "/_cat/count/{index}",
            a::SEARCH,
            indices_open,
            cat::count,
        )
        .add(
            GET,
            "/_cat/shards",
            a::INDICES_STATS,
            indices_open_closed,
            cat::shards,
        )
        .add(
            GET,
            "/_cat/shards/{index}",
            a::INDICES_STATS,
            indices_open_closed,
            cat::shards,
        )
        .add(
            GET,
            "/_cat/segments",
            a::INDICES_SEGMENTS,
            indices_open,
            cat::segments,
        )
        .add(
            GET,
            "/_cat/segments/{index}",
            a::INDICES_SEGMENTS,
            indices_open,
            cat::segments,
        )
        .add(
            GET,
            "/_cat/templates",
            a::LEGACY_TEMPLATE_GET,
            none,
            cat::templates,
        )
        .add(
            GET,
            "/_cat/templates/{name}",
            a::LEGACY_TEMPLATE_GET,
            none,
            cat::templates,
        )
        .add(
            GET,
            "/_cluster/health/{index}",
            a::CLUSTER_HEALTH,
            none,
            handlers::cluster_health,
        )
        .add(
            GET,
            "/_cluster/state",
            a::CLUSTER_STATE,
            none,
            handlers::cluster_state,
        )
        .add(
            GET,
            "/_cluster/state/{metric}",
            a::CLUSTER_STATE,
            none,
            handlers::cluster_state,
        )
        .add(
            GET,
            "/_cluster/state/{metric}/{indices}",
            a::CLUSTER_STATE,
            none,
            handlers::cluster_state,
        )
        .add(
            GET,
            "/_stats",
            a::INDICES_STATS,
            indices_open,
            stats::index_stats,
        )
        .add(
            GET,
            "/_stats/{metric}",
            a::INDICES_STATS,
            indices_open,
            stats::index_stats,
        )
        .add(
            GET,
            "/{index}/_stats",
            a::INDICES_STATS,
            indices_open,
            stats::index_stats,
        )
        .add(
            GET,
            "/{index}/_stats/{metric}",
            a::INDICES_STATS,
            indices_open,
            stats::index_stats,
        )
        // The endpoints Stack Monitoring collection reads (cluster_stats.rs,
        // cluster_settings.rs, xpack_usage.rs, recovery.rs).
        .add(
            GET,
            "/_cluster/stats",
            a::CLUSTER_STATS,
            none,
            cluster_stats::cluster_stats,
        )
        .add(
            GET,
            "/_cluster/stats/nodes/{node_filter}",
            a::CLUSTER_STATS,
            none,
            cluster_stats::cluster_stats,
        )
        .add(
            GET,
            "/_cluster/pending_tasks",
            a::PENDING_CLUSTER_TASKS,
            none,
            cluster_stats::pending_tasks,
        )
        .add(
            GET,
            "/_cluster/settings",
            a::CLUSTER_GET_SETTINGS,
            none,
            cluster_settings::get_settings,
        )
        .add(
            PUT,
            "/_cluster/settings",
            a::CLUSTER_UPDATE_SETTINGS,
            none,
            cluster_settings::put_settings,
        )
        .add(
            GET,
            "/_xpack/usage",
            a::XPACK_USAGE,
            none,
            xpack_usage::xpack_usage,
        )
        .add(
            GET,
            "/_ccr/stats",
            a::CCR_STATS,
            none,
            xpack_usage::ccr_stats,
        )
        .add(
            GET,
            "/_enrich/_stats",
            a::ENRICH_STATS,
            none,
            xpack_usage::enrich_stats,
        )
        .add(
            GET,
            "/_ml/anomaly_detectors/_stats",
            a::ML_JOB_STATS,
            none,
            xpack_usage::ml_job_stats,
        )
        .add(
            GET,
            "/_ml/anomaly_detectors/{job_id}/_stats",
            a::ML_JOB_STATS,
            none,
            xpack_usage::ml_job_stats,
        )
        .add(
            GET,
            "/_recovery",
            a::RECOVERY,
            indices_open,
            recovery::recovery,
        )
        .add(
            GET,
            "/{index}/_recovery",
            a::RECOVERY,
            indices_open,
            recovery::recovery,
        )
        // Multi-document and multi-search requests (multi.rs).
        .add(GET_POST, "/_mget", a::MGET, composite_action, multi::mget)
        .add(
            GET_POST,
            "/{index}/_mget",
            a::MGET,
            composite_action,
            multi::mget,
        )
        .add(
            GET_POST,
            "/_msearch",
            a::MSEARCH,
            composite_action,
            multi::msearch,
        )
        // By-query writes (by_query.rs).
        .add(
            POST,
            "/{index}/_delete_by_query",
            a::DELETE_BY_QUERY,
            indices_open,
            by_query::delete_by_query,
        )
        .add(
            POST,
            "/{index}/_update_by_query",
            a::UPDATE_BY_QUERY,
            indices_open,
            by_query::update_by_query,
        )
        .add(
            GET_POST,
            "/{index}/_msearch",
            a::MSEARCH,
            composite_action,
            multi::msearch,
        )
}

// ---- what a request targets --------------------------------------------------------------

fn none(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    Ok(r.request(Target::None))
}

/// A write: authorized by its action's name here; each of its items is authorized on the
/// name it targets when it runs (`_bulk` and the single-document APIs alike).
fn write_action(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    Ok(SecuredRequest::action(r.action))
}

/// A request made of parts (`_mget`, `_msearch`): authorized by its action's name here (a
/// role granting it on some index), each part on its own indices when it runs
/// (`CompositeIndicesRequest`).
fn composite_action(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    Ok(SecuredRequest::action(r.action))
}

/// The `{index}` expression, expanded by the gate to what the caller may use, with `options`
/// and the request's `ignore_unavailable`, `allow_no_indices` and `expand_wildcards`.
fn index_expression(
    r: &RequestView<'_>,
    options: IndicesOptions,
) -> Result<SecuredRequest, ApiError> {
    let options = options
        .with_params(|k| r.query.param(k))
        .map_err(|e| ApiError::from(EsException::from_code(&e)))?;
    let expressions: Vec<String> = r
        .params
        .get("index")
        .map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let space = r.space.cloned().unwrap_or_default();
    Ok(SecuredRequest::on_indices(
        r.action,
        IndexExpression {
            expressions,
            options,
            space,
        },
    ))
}

/// One index, alias or data stream named explicitly (single-document reads).
fn one_index(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    index_expression(r, IndicesOptions::STRICT_SINGLE_INDEX)
}

/// Scroll-related actions: authorized by name here, as Elasticsearch does; a context is used
/// or closed only by whoever opened it, which the handler checks.
fn by_action_name(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    Ok(SecuredRequest::action(r.action))
}

/// `_search`: the `{index}` expression, or, for a search of a point in time, the indices its
/// id names (given as explicit names: the caller must hold `read` on each).
fn search_indices(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    // Most searches have no `pit`: their body is parsed once, by the handler.
    let may_name_pit = r.body.windows(5).any(|w| w == b"\"pit\"");
    let pit = may_name_pit
        .then(|| body::json(r.body).ok().flatten())
        .flatten()
        .and_then(|b| {
            b.get("pit")
                .and_then(|p| p.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let Some(id) = pit else {
        return indices_open(r);
    };
    if r.params.get("index").is_some() {
        return Err(ironstack_store::StoreError::Validation(vec![
            "[indices] cannot be used with point in time. Do not specify any index with point in time.".into(),
        ])
        .into());
    }
    let expressions = ironstack_store::engine::point_in_time_indices_of_id(&id)
        .ok_or(ironstack_store::StoreError::SearchContextMissing(id))?;
    Ok(SecuredRequest::on_indices(
        r.action,
        IndexExpression {
            expressions,
            options: IndicesOptions::STRICT_EXPAND_OPEN,
            space: r.space.cloned().unwrap_or_default(),
        },
    ))
}

/// Indices by expression, open ones for wildcards (search, count, mappings, refresh).
fn indices_open(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    index_expression(r, IndicesOptions::STRICT_EXPAND_OPEN)
}

// ---- index administration, templates, data streams, ILM (indices.rs and the modules after) --

/// `PUT /{index}`: the one name to create, date math resolved, authorized as given.
fn new_index(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    let name = documents::target_name(r.params)?;
    let mut request = r.request(Target::None);
    request.indices = vec![name];
    Ok(request)
}

/// `DELETE /{index}`: open and closed indices, never through a wildcard or `_all`
/// (`action.destructive_requires_name`, true by default), nor through an alias.
fn indices_to_delete(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    index_expression(
        r,
        IndicesOptions {
            forbid_wildcards: true,
            ignore_aliases: true,
            ..IndicesOptions::STRICT_EXPAND_OPEN_CLOSED
        },
    )
}

/// `_open`: closed indices, named explicitly (`action.destructive_requires_name`, true by
/// default, refuses wildcards and `_all` for opening and closing as for deleting).
fn indices_closed(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    index_expression(
        r,
        IndicesOptions {
            expand_wildcards: ironstack_types::index_space::ExpandWildcards::CLOSED,
            forbid_wildcards: true,
            ..IndicesOptions::STRICT_EXPAND_OPEN
        },
    )
}

/// `_close`: open indices, named explicitly (`action.destructive_requires_name`).
fn indices_to_close(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    index_expression(
        r,
        IndicesOptions {
            forbid_wildcards: true,
            ..IndicesOptions::STRICT_EXPAND_OPEN
        },
    )
}

/// Indices by expression, open and closed ones for wildcards (`_cat/indices`, `_cat/shards`).
fn indices_open_closed(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    index_expression(r, IndicesOptions::STRICT_EXPAND_OPEN_CLOSED)
}

/// Open and closed indices, and the expression must reach one (`PUT _mapping`, `PUT
/// _settings`).
fn indices_must_exist(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    index_expression(
        r,
        IndicesOptions {
            allow_no_indices: false,
            ..IndicesOptions::STRICT_EXPAND_OPEN_CLOSED
        },
    )
}

/// Every index, alias and data stream the caller may use, hidden ones included
/// (`GetAliasesRequest`'s `strictExpandHidden`: `_cat/aliases`).
fn indices_all(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    index_expression(
        r,
        IndicesOptions {
            expand_wildcards: ironstack_types::index_space::ExpandWildcards::ALL,
            ..IndicesOptions::STRICT_EXPAND_OPEN_CLOSED
        },
    )
}

/// `/_security/user/{username}/...`, or the self form without a name.
fn account(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    Ok(r.request(Target::Account(
        r.params.get("username").map(str::to_string),
    )))
}

/// `_has_privileges` answers only about the caller: another user name is Elasticsearch's
/// 400 from its REST layer, before any authorization.
fn own_account(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    if let (Some(name), Some(caller)) = (r.params.get("username"), r.caller)
        && name != caller.user().username
    {
        return Err(ApiError::illegal_argument(
            "users may only check the privileges of their own account",
        ));
    }
    account(r)
}

/// The `{application}` list of a privilege-API path (none: every application).
fn applications_in_path(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    Ok(r.request(Target::Applications(
        r.params.names("application").unwrap_or_default(),
    )))
}

/// The applications a `PUT /_security/privilege` body defines: its top-level keys. A body
/// that is not an object names no application, which only a role managing every
/// application (or holding the cluster privilege) may send; the handler then refuses it.
fn applications_in_body(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    Ok(r.request(Target::Applications(match body::json(r.body)? {
        Some(Value::Object(apps)) => apps.keys().cloned().collect(),
        _ => Vec::new(),
    })))
}

/// `POST /_security/oauth2/token`: the refresh grant is its own action.
fn token_grant(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    let mut request = r.request(Target::None);
    request.action = token::create_action(r.body);
    Ok(request)
}

/// `GET /_security/api_key?id=&name=&username=&realm_name=&owner=`.
fn api_keys_in_query(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    api_key::get_selection(r.query).map(|s| r.request(Target::ApiKeys(s)))
}

/// `DELETE /_security/api_key` with `{ids|id, name, username, realm_name, owner}`.
fn api_keys_in_body(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    api_key::invalidate_selection(r.body).map(|s| r.request(Target::ApiKeys(s)))
}

// ---- the router --------------------------------------------------------------------------

/// Builds the axum router from the table.
#[derive(Default)]
pub(crate) struct Routes {
    /// Per path: each method set with its spec and handler.
    paths: BTreeMap<&'static str, Vec<Registered>>,
}

struct Registered {
    methods: Vec<Method>,
    spec: Arc<RouteSpec>,
    route: MethodRouter<Arc<AppState>>,
}

impl Routes {
    /// Registers `handler` for `methods` on `path`, performing `action`. `GET` also answers
    /// `HEAD`, as in Elasticsearch.
    pub(crate) fn add<H, T>(
        mut self,
        methods: &[Method],
        path: &'static str,
        action: ActionName,
        target: Decoder,
        handler: H,
    ) -> Self
    where
        H: Handler<T, Arc<AppState>>,
        T: 'static,
    {
        let mut filter: Option<MethodFilter> = None;
        for m in methods {
            if let Ok(f) = MethodFilter::try_from(m.clone()) {
                filter = Some(filter.map_or(f, |acc| acc.or(f)));
            }
        }
        let Some(filter) = filter else {
            return self;
        };
        let spec = Arc::new(RouteSpec {
            pattern: path,
            action,
            decode: target,
        });
        let mut methods = methods.to_vec();
        if methods.contains(&Method::GET) && !methods.contains(&Method::HEAD) {
            methods.push(Method::HEAD);
        }
        self.paths.entry(path).or_default().push(Registered {
            methods,
            spec,
            route: on(filter, handler),
        });
        self
    }

    /// Every `(method, path)` registered, with its action.
    #[cfg(test)]
    pub(crate) fn registered(&self) -> Vec<(Method, &'static str, ActionName)> {
        self.paths
            .iter()
            .flat_map(|(path, entries)| {
                entries.iter().flat_map(move |e| {
                    e.methods
                        .iter()
                        .map(move |m| (m.clone(), *path, e.spec.action))
                })
            })
            .collect()
    }

    /// The finished router: every route behind the authorization step; each path answers other
    /// methods with Elasticsearch's 405.
    pub(crate) fn build(self, state: &Arc<AppState>) -> Router<Arc<AppState>> {
        let mut router = Router::new();
        for (path, entries) in self.paths {
            let allowed: Vec<Method> = entries.iter().flat_map(|e| e.methods.clone()).collect();
            let mut merged: MethodRouter<Arc<AppState>> = MethodRouter::new();
            for entry in entries {
                let context = RouteContext {
                    state: state.clone(),
                    spec: entry.spec,
                };
                let layered = entry
                    .route
                    .layer(axum::middleware::from_fn_with_state(context, authorize));
                merged = merged.merge(layered);
            }
            let merged = merged.fallback(move |method: Method, uri: axum::http::Uri| {
                let allowed = allowed.clone();
                async move { method_not_allowed(&method, &uri, &allowed) }
            });
            router = router.route(path, merged);
        }
        router
    }
}
