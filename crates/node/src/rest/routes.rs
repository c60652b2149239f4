//! The route table: every REST route and the Elasticsearch action it performs. The router is
//! built through [`Routes`], which records each registered (method, path); a test checks that
//! every recorded route has an action here, and at run time a route without one fails closed.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, on};
use ironstack_types::{ActionName, action};

use super::api_key as ak;
use super::app_privilege as ap;
use super::query as qy;
use super::response::ApiError;
use super::role_mapping as rm;
use super::security as sec;
use crate::state::AppState;

/// `(method, path pattern as registered with axum, action)`.
pub(crate) const ACTIONS: &[(&str, &str, ActionName)] = &[
    ("GET", "/", action::MAIN),
    ("HEAD", "/", action::MAIN),
    ("GET", "/_cluster/health", action::CLUSTER_HEALTH),
    ("GET", "/_license", action::LICENSE_GET),
    ("GET", "/_xpack", action::XPACK_INFO),
    ("GET", "/_nodes", action::NODES_INFO),
    ("GET", "/_nodes/{node_id}", action::NODES_INFO),
    ("GET", "/_nodes/stats", action::NODES_STATS),
    ("GET", "/_nodes/stats/{metric}", action::NODES_STATS),
    ("GET", "/_nodes/{node_id}/stats", action::NODES_STATS),
    (
        "GET",
        "/_nodes/{node_id}/stats/{metric}",
        action::NODES_STATS,
    ),
    ("GET", "/_cat/health", action::CLUSTER_HEALTH),
    ("GET", "/_cat/nodes", action::NODES_INFO),
    ("GET", "/_security/_authenticate", action::AUTHENTICATE),
    ("PUT", "/_security/api_key", ak::API_KEY_CREATE),
    ("POST", "/_security/api_key", ak::API_KEY_CREATE),
    ("GET", "/_security/api_key", ak::API_KEY_GET),
    ("DELETE", "/_security/api_key", ak::API_KEY_INVALIDATE),
    ("GET", "/_security/role", sec::ROLE_GET),
    ("GET", "/_security/role/{name}", sec::ROLE_GET),
    ("PUT", "/_security/role/{name}", sec::ROLE_PUT),
    ("POST", "/_security/role/{name}", sec::ROLE_PUT),
    ("DELETE", "/_security/role/{name}", sec::ROLE_DELETE),
    ("GET", "/_security/user", sec::USER_GET),
    ("GET", "/_security/user/{username}", sec::USER_GET),
    ("PUT", "/_security/user/{username}", sec::USER_PUT),
    ("POST", "/_security/user/{username}", sec::USER_PUT),
    ("DELETE", "/_security/user/{username}", sec::USER_DELETE),
    (
        "PUT",
        "/_security/user/_password",
        sec::USER_CHANGE_PASSWORD,
    ),
    (
        "POST",
        "/_security/user/_password",
        sec::USER_CHANGE_PASSWORD,
    ),
    (
        "PUT",
        "/_security/user/{username}/_password",
        sec::USER_CHANGE_PASSWORD,
    ),
    (
        "POST",
        "/_security/user/{username}/_password",
        sec::USER_CHANGE_PASSWORD,
    ),
    (
        "PUT",
        "/_security/user/{username}/_enable",
        sec::USER_SET_ENABLED,
    ),
    (
        "POST",
        "/_security/user/{username}/_enable",
        sec::USER_SET_ENABLED,
    ),
    (
        "PUT",
        "/_security/user/{username}/_disable",
        sec::USER_SET_ENABLED,
    ),
    (
        "POST",
        "/_security/user/{username}/_disable",
        sec::USER_SET_ENABLED,
    ),
    (
        "GET",
        "/_security/user/_has_privileges",
        sec::USER_HAS_PRIVILEGES,
    ),
    (
        "POST",
        "/_security/user/_has_privileges",
        sec::USER_HAS_PRIVILEGES,
    ),
    (
        "GET",
        "/_security/user/{username}/_has_privileges",
        sec::USER_HAS_PRIVILEGES,
    ),
    (
        "POST",
        "/_security/user/{username}/_has_privileges",
        sec::USER_HAS_PRIVILEGES,
    ),
    (
        "GET",
        "/_security/user/_privileges",
        sec::USER_LIST_PRIVILEGES,
    ),
    (
        "GET",
        "/_security/privilege/_builtin",
        sec::PRIVILEGE_BUILTIN,
    ),
    // Bearer tokens (token.rs).
    (
        "POST",
        "/_security/oauth2/token",
        super::token::TOKEN_CREATE,
    ),
    (
        "DELETE",
        "/_security/oauth2/token",
        super::token::TOKEN_INVALIDATE,
    ),
    // Role mappings and TLS certificates (role_mapping.rs, ssl.rs).
    ("GET", "/_security/role_mapping", rm::ROLE_MAPPING_GET),
    (
        "GET",
        "/_security/role_mapping/{name}",
        rm::ROLE_MAPPING_GET,
    ),
    (
        "PUT",
        "/_security/role_mapping/{name}",
        rm::ROLE_MAPPING_PUT,
    ),
    (
        "POST",
        "/_security/role_mapping/{name}",
        rm::ROLE_MAPPING_PUT,
    ),
    (
        "DELETE",
        "/_security/role_mapping/{name}",
        rm::ROLE_MAPPING_DELETE,
    ),
    ("GET", "/_ssl/certificates", super::ssl::SSL_CERTIFICATES),
    // Application privileges, bulk roles, queries, cache clearing (security.rs, query.rs).
    ("PUT", "/_security/privilege", ap::PRIVILEGE_PUT),
    ("POST", "/_security/privilege", ap::PRIVILEGE_PUT),
    ("GET", "/_security/privilege", ap::PRIVILEGE_GET),
    (
        "GET",
        "/_security/privilege/{application}",
        ap::PRIVILEGE_GET,
    ),
    (
        "GET",
        "/_security/privilege/{application}/{name}",
        ap::PRIVILEGE_GET,
    ),
    (
        "DELETE",
        "/_security/privilege/{application}/{name}",
        ap::PRIVILEGE_DELETE,
    ),
    (
        "POST",
        "/_security/privilege/{application}/_clear_cache",
        ap::PRIVILEGE_CACHE_CLEAR,
    ),
    ("POST", "/_security/role", sec::ROLE_BULK_PUT),
    ("DELETE", "/_security/role", sec::ROLE_BULK_DELETE),
    ("GET", "/_security/_query/user", qy::USER_QUERY),
    ("POST", "/_security/_query/user", qy::USER_QUERY),
    ("GET", "/_security/_query/role", qy::ROLE_QUERY),
    ("POST", "/_security/_query/role", qy::ROLE_QUERY),
    ("GET", "/_security/_query/api_key", qy::API_KEY_QUERY),
    ("POST", "/_security/_query/api_key", qy::API_KEY_QUERY),
    (
        "POST",
        "/_security/realm/{realms}/_clear_cache",
        sec::REALM_CACHE_CLEAR,
    ),
    (
        "POST",
        "/_security/role/{name}/_clear_cache",
        sec::ROLES_CACHE_CLEAR,
    ),
    (
        "POST",
        "/_security/api_key/{ids}/_clear_cache",
        sec::SECURITY_CACHE_CLEAR,
    ),
    // API key grant and update (api_key.rs).
    ("POST", "/_security/api_key/grant", ak::API_KEY_GRANT),
    ("PUT", "/_security/api_key/{ids}", ak::API_KEY_UPDATE),
    (
        "POST",
        "/_security/api_key/_bulk_update",
        ak::API_KEY_BULK_UPDATE,
    ),
];

/// The action of a request, from its method and matched route pattern. `HEAD` performs the
/// `GET` action unless the table lists it, as Elasticsearch's `RestController` does.
pub(crate) fn action_for(method: &Method, path: &str) -> Option<ActionName> {
    let find = |m: &str| {
        ACTIONS
            .iter()
            .find(|(am, p, _)| *am == m && *p == path)
            .map(|(_, _, a)| *a)
    };
    find(method.as_str()).or_else(|| {
        if *method == Method::HEAD {
            find("GET")
        } else {
            None
        }
    })
}

/// Builds the axum router while recording what it registers.
pub(crate) struct Routes {
    router: Router<Arc<AppState>>,
    registered: BTreeSet<(String, String)>,
    pending: Vec<(String, Vec<Method>, MethodRouter<Arc<AppState>>)>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Self {
            router: Router::new(),
            registered: BTreeSet::new(),
            pending: Vec::new(),
        }
    }

    /// Registers `handler` for `methods` on `path`. `GET` also answers `HEAD`, as in
    /// Elasticsearch.
    pub(crate) fn add<H, T>(mut self, methods: &[Method], path: &str, handler: H) -> Self
    where
        H: Handler<T, Arc<AppState>>,
        T: 'static,
    {
        let mut all: Vec<Method> = methods.to_vec();
        if all.contains(&Method::GET) && !all.contains(&Method::HEAD) {
            all.push(Method::HEAD);
        }
        for m in &all {
            self.registered.insert((m.to_string(), path.to_string()));
        }
        let mut filter = axum::routing::MethodFilter::GET;
        let mut first = true;
        for m in methods {
            let Ok(f) = axum::routing::MethodFilter::try_from(m.clone()) else {
                continue;
            };
            filter = if first { f } else { filter.or(f) };
            first = false;
        }
        let route = on(filter, handler);
        match self.pending.iter_mut().find(|(p, _, _)| p == path) {
            Some((_, ms, existing)) => {
                ms.extend(all);
                *existing = std::mem::take(existing).merge(route);
            }
            None => self.pending.push((path.to_string(), all, route)),
        }
        self
    }

    /// Every `(method, path)` registered.
    #[cfg(test)]
    pub(crate) fn registered(&self) -> &BTreeSet<(String, String)> {
        &self.registered
    }

    /// The finished router. Each path answers other methods with Elasticsearch's 405.
    pub(crate) fn build(mut self) -> Router<Arc<AppState>> {
        for (path, methods, route) in std::mem::take(&mut self.pending) {
            let allowed = methods;
            let route = route.fallback(move |method: Method, uri: axum::http::Uri| {
                let allowed = allowed.clone();
                async move { method_not_allowed(&method, &uri, &allowed) }
            });
            self.router = self.router.route(&path, route);
        }
        self.router
    }
}

/// Elasticsearch's 405: `Incorrect HTTP method for uri [..] and method [..], allowed: [..]`
/// with an `Allow` header.
fn method_not_allowed(method: &Method, uri: &axum::http::Uri, allowed: &[Method]) -> ApiError {
    let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    ApiError::Simple {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: format!(
            "Incorrect HTTP method for uri [{uri}] and method [{method}], allowed: [{}]",
            names.join(", ")
        ),
        with_status: true,
        allow: Some(names.join(",")),
    }
}

/// Elasticsearch's 400 for a path nothing is registered on.
pub(crate) fn no_handler(method: &Method, uri: &axum::http::Uri) -> ApiError {
    ApiError::Simple {
        status: StatusCode::BAD_REQUEST,
        message: format!("no handler found for uri [{uri}] and method [{method}]"),
        with_status: false,
        allow: None,
    }
}
