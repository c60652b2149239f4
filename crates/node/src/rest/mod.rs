//! The REST API as one axum `Router`: the envelope (media types, rendering, errors) around the
//! security pipeline (action → authenticate → authorize) around the handlers. Tested
//! in-process with `tower::ServiceExt::oneshot`; the server module only feeds it connections.

mod api_key;
mod app_privilege;
mod auth_memo;
mod cat;
mod envelope;
mod handlers;
mod pipeline;
mod query;
mod render;
mod response;
mod role_mapping;
mod routes;
mod security;
pub(crate) mod ssl;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::http::Method;

pub(crate) use handlers::main_body;
pub(crate) use response::PrerenderedJson;
use routes::Routes;
pub(crate) use token::AuthcExtras;

use crate::state::AppState;

fn routes() -> Routes {
    let get = &[Method::GET];
    let put_post = &[Method::PUT, Method::POST];
    let get_post = &[Method::GET, Method::POST];
    let delete = &[Method::DELETE];
    let routes = Routes::new()
        .add(get, "/", handlers::main_info)
        .add(get, "/_cluster/health", handlers::cluster_health)
        .add(get, "/_license", handlers::license)
        .add(get, "/_xpack", handlers::xpack)
        .add(get, "/_nodes", handlers::nodes_info)
        .add(get, "/_nodes/{node_id}", handlers::nodes_info)
        .add(get, "/_nodes/stats", handlers::nodes_stats)
        .add(get, "/_nodes/stats/{metric}", handlers::nodes_stats)
        .add(get, "/_nodes/{node_id}/stats", handlers::nodes_stats)
        .add(
            get,
            "/_nodes/{node_id}/stats/{metric}",
            handlers::nodes_stats,
        )
        .add(get, "/_cat/health", cat::health)
        .add(get, "/_cat/nodes", cat::nodes)
        .add(get, "/_security/_authenticate", api_key::authenticate)
        .add(put_post, "/_security/api_key", api_key::create)
        .add(get, "/_security/api_key", api_key::get)
        .add(delete, "/_security/api_key", api_key::invalidate)
        .add(get, "/_security/role", security::get_all_roles)
        .add(get, "/_security/role/{name}", security::get_roles)
        .add(put_post, "/_security/role/{name}", security::put_role)
        .add(delete, "/_security/role/{name}", security::delete_role)
        .add(get, "/_security/user", security::get_all_users)
        .add(get, "/_security/user/{username}", security::get_users)
        .add(put_post, "/_security/user/{username}", security::put_user)
        .add(delete, "/_security/user/{username}", security::delete_user)
        .add(
            put_post,
            "/_security/user/_password",
            security::change_own_password,
        )
        .add(
            put_post,
            "/_security/user/{username}/_password",
            security::change_user_password,
        )
        .add(
            put_post,
            "/_security/user/{username}/_enable",
            security::enable_user,
        )
        .add(
            put_post,
            "/_security/user/{username}/_disable",
            security::disable_user,
        )
        .add(
            get_post,
            "/_security/user/_has_privileges",
            security::has_own_privileges,
        )
        .add(
            get_post,
            "/_security/user/{username}/_has_privileges",
            security::has_user_privileges,
        )
        .add(
            get,
            "/_security/user/_privileges",
            security::user_privileges,
        )
        .add(get, "/_security/privilege/_builtin", security::builtin);
    // Bearer tokens (token.rs).
    let routes = routes
        .add(
            &[Method::POST],
            "/_security/oauth2/token",
            token::create_token,
        )
        .add(delete, "/_security/oauth2/token", token::invalidate_token);
    // Role mappings and TLS certificates (role_mapping.rs, ssl.rs).
    let routes = routes
        .add(
            get,
            "/_security/role_mapping",
            role_mapping::get_all_role_mappings,
        )
        .add(
            get,
            "/_security/role_mapping/{name}",
            role_mapping::get_role_mappings,
        )
        .add(
            put_post,
            "/_security/role_mapping/{name}",
            role_mapping::put_role_mapping,
        )
        .add(
            delete,
            "/_security/role_mapping/{name}",
            role_mapping::delete_role_mapping,
        )
        .add(get, "/_ssl/certificates", ssl::certificates);
    // Application privileges, bulk roles, queries, cache clearing (security.rs, query.rs).
    let post = &[Method::POST];
    let routes = routes
        .add(put_post, "/_security/privilege", app_privilege::put)
        .add(get, "/_security/privilege", app_privilege::get_all)
        .add(
            get,
            "/_security/privilege/{application}",
            app_privilege::get_application,
        )
        .add(
            get,
            "/_security/privilege/{application}/{name}",
            app_privilege::get_named,
        )
        .add(
            delete,
            "/_security/privilege/{application}/{name}",
            app_privilege::delete,
        )
        .add(
            post,
            "/_security/privilege/{application}/_clear_cache",
            app_privilege::clear_cache,
        )
        .add(post, "/_security/role", security::bulk_put_roles)
        .add(delete, "/_security/role", security::bulk_delete_roles)
        .add(get_post, "/_security/_query/user", query::query_users)
        .add(get_post, "/_security/_query/role", query::query_roles)
        .add(get_post, "/_security/_query/api_key", query::query_api_keys)
        .add(
            post,
            "/_security/realm/{realms}/_clear_cache",
            security::clear_realm_cache,
        )
        .add(
            post,
            "/_security/role/{name}/_clear_cache",
            security::clear_roles_cache,
        )
        .add(
            post,
            "/_security/api_key/{ids}/_clear_cache",
            security::clear_api_key_cache,
        );
    // API key grant and update (api_key.rs).
    routes
        .add(&[Method::POST], "/_security/api_key/grant", api_key::grant)
        .add(&[Method::PUT], "/_security/api_key/{ids}", api_key::update)
        .add(
            &[Method::POST],
            "/_security/api_key/_bulk_update",
            api_key::bulk_update,
        )
}

/// The complete REST service for `state`.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    routes()
        .build()
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pipeline::security_pipeline,
        ))
        .fallback(envelope::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            envelope::envelope,
        ))
        .with_state(state)
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
