//! The REST API as one axum `Router`: the envelope (query string, media types, rendering,
//! errors) around authentication (every request, from its headers) around the route table,
//! whose routes each authorize their request before their handler runs. Tested in-process
//! with `tower::ServiceExt::oneshot`; the server module only feeds it connections.
//!
//! Layout: the plumbing (`envelope`, `pipeline`, `routes`, `body`, `params`, `response`,
//! `render`) knows nothing of any API; the API modules (`handlers`, `node_stats`, `cat`,
//! `security`, `api_key`, `app_privilege`, `role_mapping`, `query`, `token`, `ssl`, `dls`) hold
//! handlers only and
//! depend on the plumbing, never on each other's internals.

mod api_key;
mod app_privilege;
mod body;
mod bulk;
mod cat;
mod context;
mod dls;
mod documents;
mod enroll;
mod envelope;
mod handlers;
// Index administration, templates, data streams and ILM.
mod data_streams;
mod ilm;
mod indices;
pub(crate) mod node_stats;
mod params;
mod pipeline;
mod query;
mod render;
mod response;
mod role_mapping;
mod routes;
mod scroll;
mod search;
mod security;
mod service_account;
pub(crate) mod ssl;
mod templates;
mod token;
// Statistics, cat and multi-request APIs (rest-stats).
mod by_query;
mod multi;
mod stats;
// The endpoints Stack Monitoring collection reads (monitoring-node).
mod cluster_settings;
mod cluster_stats;
mod recovery;
mod xpack_usage;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;

pub(crate) use body::BODY_IDLE_TIMEOUT;
pub(crate) use handlers::main_body;
pub(crate) use params::PathParams;
pub(crate) use response::PrerenderedJson;
pub(crate) use scroll::ReaderContexts;

/// The decoded parameters of route `pattern` in a request `path` (the audit trail's
/// configuration-change events name them).
pub(crate) fn path_params(pattern: &str, path: &str) -> Option<PathParams> {
    PathParams::decode(pattern, path).ok()
}

use crate::state::AppState;

/// The complete REST service for `state`.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    routes::table()
        .build(&state)
        .fallback(envelope::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pipeline::authenticate,
        ))
        .layer(axum::middleware::from_fn(envelope::envelope))
        // Bodies are read and bounded by `http.max_content_length` in the pipeline; axum's own
        // 2 MiB default would refuse larger ones with a plain-text 413.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
