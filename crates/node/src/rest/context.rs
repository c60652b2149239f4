//! What every API module reaches through the node state: the security gate and its store
//! (with Elasticsearch's answer when security is off), the shared response shapes of the
//! security APIs, and the one way handlers run blocking work (store writes, password
//! hashing): on tokio's blocking pool, never on an I/O thread.

use std::sync::Arc;

use axum::http::StatusCode;
use ironstack_security::SecurityStore;
use ironstack_security::gate::Gate;
use ironstack_store::service::StoreService;
use serde_json::{Map, json};

use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// Elasticsearch's answer to a security API when security is off.
pub(crate) fn security_disabled() -> ApiError {
    ApiError::illegal_argument(
        "Security must be explicitly enabled when using a [basic] license. Enable security by setting [xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.",
    )
}

/// The node's security gate, or [`security_disabled`].
pub(crate) fn gate(state: &AppState) -> Result<&Arc<Gate>, ApiError> {
    state.gate.as_ref().ok_or_else(security_disabled)
}

/// The security store, or [`security_disabled`].
pub(crate) fn store(state: &AppState) -> Result<&Arc<SecurityStore>, ApiError> {
    gate(state).map(|g| g.authenticator().store())
}

/// The document store. Every node has one; only tests of other APIs build a node without.
pub(crate) fn documents(state: &AppState) -> Result<&Arc<StoreService>, ApiError> {
    state
        .store
        .as_ref()
        .ok_or_else(|| ApiError::internal("this node has no document store"))
}

/// A store failure (disk full, permissions) as a 500.
pub(crate) fn store_error(e: ironstack_security::Error) -> ApiError {
    ApiError::internal(format!("failed to update the security store: {e}"))
}

/// Runs blocking work (a store write with its fsync, a password hash) off the I/O threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("background task failed: {e}")))
}

/// The one way handlers change the security store: `f` runs on the blocking pool with the
/// store (reads stay on the I/O thread: they are in memory). Do the expensive part (hashing)
/// before, and the read-modify-write inside one store call (`update_user`, `update_doc`,
/// `transact`), so that concurrent requests cannot undo each other's changes.
pub(crate) async fn store_write<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&SecurityStore) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let store = store(state)?.clone();
    blocking(move || f(&store)).await
}

/// `404 {}`: what the security GET APIs answer when nothing named exists.
pub(crate) fn not_found_empty() -> EsJson {
    EsJson(StatusCode::NOT_FOUND, json!({}))
}

/// Elasticsearch's nodes response of the clear-cache APIs (this node is the only one).
pub(crate) fn nodes_response(state: &AppState) -> EsJson {
    let mut nodes = Map::new();
    nodes.insert(
        state.identity.node_id.clone(),
        json!({"name": state.identity.node_name}),
    );
    EsJson::ok(json!({
        "_nodes": {"total": 1, "successful": 1, "failed": 0},
        "cluster_name": state.identity.cluster_name,
        "nodes": nodes,
    }))
}
