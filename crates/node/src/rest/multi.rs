//! Requests made of parts, each authorized on its own as Elasticsearch authorizes the
//! requests a composite request sends: `_mget` (each document on its index, an error in its
//! slot when denied or missing), `_msearch` (each search on its own index expression, an
//! error with its `status` in its slot), and the part-authorization the other composite
//! handlers use (the search a `_delete_by_query` runs, the cluster state `_cat/indices`
//! reads).

use std::sync::Arc;

use ironstack_security::gate::{Authorized, IndexExpression, SecuredRequest};
use ironstack_types::ActionName;
use ironstack_types::index_space::IndicesOptions;

use super::context::documents;
use super::pipeline::Granted;
use super::response::ApiError;
use crate::state::AppState;

/// Authorizes `request` for whoever sent `granted`, as a part of that request: the gate's
/// 403 (or the expression's 404/400) when it may not be made.
pub(crate) fn authorize_part(
    state: &AppState,
    granted: &Granted,
    request: SecuredRequest,
) -> Result<Granted, ApiError> {
    let authorized = match &state.gate {
        None => Authorized::security_disabled(request),
        Some(gate) => gate.authorize(granted.authenticated(), request),
    }
    .map_err(|denied| ApiError::from(denied.exception))?;
    Ok(Granted(Arc::new(authorized)))
}

/// `action` over the index expression `expressions` (empty: every index) with `options`,
/// against the names that exist now.
pub(crate) fn on_indices(
    state: &AppState,
    action: ActionName,
    expressions: Vec<String>,
    options: IndicesOptions,
) -> Result<SecuredRequest, ApiError> {
    let space = documents(state)?.space();
    Ok(SecuredRequest::on_indices(
        action,
        IndexExpression {
            expressions,
            options,
            space,
        },
    ))
}
