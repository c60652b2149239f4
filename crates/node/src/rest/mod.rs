//! The REST API as one axum `Router`: the envelope (media types, rendering, errors) around the
//! security pipeline (action → authenticate → authorize) around the handlers. Tested
//! in-process with `tower::ServiceExt::oneshot`; the server module only feeds it connections.

mod cat;
mod envelope;
mod handlers;
mod pipeline;
mod render;
mod response;
mod routes;

use std::sync::Arc;

use axum::Router;
use axum::http::Method;

pub(crate) use handlers::main_body;
pub(crate) use response::PrerenderedJson;
use routes::Routes;

use crate::state::AppState;

fn routes() -> Routes {
    let get = &[Method::GET];
    Routes::new()
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
        .add(get, "/_security/_authenticate", handlers::authenticate)
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
mod tests;
