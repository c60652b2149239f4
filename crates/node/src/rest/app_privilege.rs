//! The application privilege REST API (`PUT|POST|GET|DELETE /_security/privilege` and its
//! `_clear_cache`): Elasticsearch's request and response shapes over
//! `ironstack_security::app_privilege`, which parses, validates and stores the definitions.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use ironstack_security::app_privilege::{
    self, descriptor_json, get_privileges, validate_application_name,
};
use ironstack_security::authz::clear_role_cache;
use ironstack_security::rbac::RoleError;
use serde_json::{Map, Value};

use super::body::required_json as required_body;
use super::context::{nodes_response, not_found_empty, store, store_error, store_write};
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

fn role_error(e: RoleError) -> ApiError {
    ApiError::from(e.to_exception())
}

/// `{app: {name: value}}` from `(app, name, value)` triples.
fn by_application(entries: impl IntoIterator<Item = (String, String, Value)>) -> Value {
    let mut out = Map::new();
    for (app, name, v) in entries {
        if let Value::Object(m) = out.entry(app).or_insert_with(|| Value::Object(Map::new())) {
            m.insert(name, v);
        }
    }
    Value::Object(out)
}

/// `PUT|POST /_security/privilege` → `{app: {name: {"created": bool}}}`.
pub(crate) async fn put(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let body = required_body(&body)?;
    let privileges = Arc::new(app_privilege::parse_put_request(&body).map_err(role_error)?);
    let written = privileges.clone();
    let created = store_write(&state, move |s| app_privilege::put_privileges(s, &written))
        .await?
        .map_err(store_error)?;
    Ok(EsJson::ok(by_application(
        privileges.iter().zip(created).map(|(p, c)| {
            (
                p.application.clone(),
                p.name.clone(),
                serde_json::json!({"created": c}),
            )
        }),
    )))
}

/// `GET /_security/privilege[/{application}[/{name}]]` (comma lists, trailing `*` patterns):
/// the applications served are exactly those the gate authorized.
pub(crate) async fn get(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let applications = match granted.applications() {
        [] => None,
        apps => Some(apps.to_vec()),
    };
    if let Some(apps) = &applications {
        let errors: Vec<String> = apps
            .iter()
            .filter_map(|a| validate_application_name(a, true).err())
            .collect();
        if !errors.is_empty() {
            return Err(role_error(RoleError::validation(&errors)));
        }
    }
    let wanted = params.names("name");
    let found = get_privileges(store, applications.as_deref(), wanted.as_deref());
    // As `RestGetPrivilegesAction`: 404 only when named privileges were asked for and none
    // exist; asking for an application (or everything) with nothing stored is a 200 `{}`.
    if found.is_empty() && wanted.is_some() {
        return Ok(not_found_empty());
    }
    Ok(EsJson::ok(by_application(found.iter().map(|d| {
        (d.application.clone(), d.name.clone(), descriptor_json(d))
    }))))
}

/// `DELETE /_security/privilege/{application}/{name}` → `{app: {name: {"found": bool}}}`.
pub(crate) async fn delete(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let application = params.required("application")?.to_string();
    let mut list: Vec<String> = params
        .required("name")?
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    list.dedup();
    let mut errors = Vec::new();
    if let Err(e) = validate_application_name(&application, false) {
        errors.push(e);
    }
    if list.is_empty() {
        errors.push("privileges are missing".to_string());
    }
    if !errors.is_empty() {
        return Err(role_error(RoleError::validation(&errors)));
    }
    let (app, names) = (application.clone(), list.clone());
    let found = store_write(&state, move |s| {
        app_privilege::delete_privileges(s, &app, &names)
    })
    .await?
    .map_err(store_error)?;
    Ok(EsJson::ok(by_application(list.into_iter().zip(found).map(
        |(n, f)| (application.clone(), n, serde_json::json!({"found": f})),
    ))))
}

/// `POST /_security/privilege/{application}/_clear_cache`. Definitions are read from the
/// store on each check, so what is cached is the compiled roles, which are dropped (as
/// Elasticsearch also clears the role cache here).
pub(crate) async fn clear_cache(State(state): State<Arc<AppState>>) -> Result<EsJson, ApiError> {
    store(&state)?;
    clear_role_cache();
    Ok(nodes_response(&state))
}

#[cfg(test)]
#[path = "app_privilege_tests.rs"]
pub(crate) mod tests;
