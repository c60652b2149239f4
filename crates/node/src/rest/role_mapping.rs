//! `_security/role_mapping`: create or replace, get (one, several, all) and delete role
//! mappings, stored durably in the security store's `RoleMappings` section. Parsing,
//! validation and rule evaluation live in `ironstack_security::role_mapping`; this module
//! maps requests and errors onto Elasticsearch's REST shapes.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use ironstack_security::Section;
use ironstack_security::role_mapping::{
    RoleMapping, RoleMappingError, delete_mapping, put_mapping,
};
use ironstack_types::{EsErrorType, EsException};
use serde_json::{Map, Value, json};

use super::body::required_json;
use super::context::{store, store_write};
use super::params::PathParams;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

fn mapping_error(e: RoleMappingError) -> ApiError {
    let kind = match &e {
        RoleMappingError::Parse(_) => EsErrorType::Parse,
        RoleMappingError::Parsing(_) => EsErrorType::Parsing,
        RoleMappingError::XContent(_) => EsErrorType::XContentParse,
        RoleMappingError::Validation(_) => EsErrorType::ActionRequestValidation,
    };
    ApiError::from(EsException::new(kind, e.to_string()))
}

/// `PUT|POST /_security/role_mapping/{name}` → `{"role_mapping":{"created":bool}}`.
pub(crate) async fn put_role_mapping(
    State(state): State<Arc<AppState>>,
    params: PathParams,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let name = params.required("name")?.to_string();
    let mapping = RoleMapping::parse(&name, &required_json(&body)?).map_err(mapping_error)?;
    let target = name.clone();
    let created = store_write(&state, move |s| put_mapping(s, &target, &mapping))
        .await?
        .map_err(|e| ApiError::internal(format!("failed to store role mapping [{name}]: {e}")))?;
    Ok(EsJson::ok(json!({"role_mapping": {"created": created}})))
}

/// `GET /_security/role_mapping[/{name}]` (comma-separated names) → the mappings found; 404
/// `{}` when none of them exists.
pub(crate) async fn get_role_mappings(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    get(&state, params.get("name"))
}

fn get(state: &AppState, names: Option<&str>) -> Result<EsJson, ApiError> {
    let store = store(state)?;
    let wanted: Option<Vec<&str>> = names
        .map(|n| n.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>())
        .filter(|n| !n.is_empty() && *n != ["_all"]);
    let mut out = Map::new();
    for (name, doc) in store.docs(Section::RoleMappings) {
        if wanted.as_ref().is_some_and(|w| !w.contains(&name.as_str())) {
            continue;
        }
        // Documents are stored in the shape they are shown in; re-parse to show only
        // what Elasticsearch would.
        let shown = RoleMapping::parse(&name, &doc)
            .map(|m| m.to_json())
            .unwrap_or(doc);
        out.insert(name, shown);
    }
    let status = if out.is_empty() && wanted.is_some() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    Ok(EsJson(status, Value::Object(out)))
}

/// `DELETE /_security/role_mapping/{name}` → `{"found":true}`, or 404 `{"found":false}`.
pub(crate) async fn delete_role_mapping(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let name = params.required("name")?.to_string();
    let target = name.clone();
    let found = store_write(&state, move |s| delete_mapping(s, &target))
        .await?
        .map_err(|e| ApiError::internal(format!("failed to delete role mapping [{name}]: {e}")))?;
    let status = if found {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(EsJson(status, json!({"found": found})))
}

#[cfg(test)]
#[path = "role_mapping_tests.rs"]
pub(crate) mod tests;
