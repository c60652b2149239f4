//! The application privilege REST API (`PUT|POST|GET|DELETE /_security/privilege` and its
//! `_clear_cache`): Elasticsearch's request and response shapes over
//! `ironstack_security::app_privilege`, which parses, validates and stores the definitions.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use ironstack_security::app_privilege::{
    self, descriptor_json, get_privileges, validate_application_name,
};
use ironstack_security::authz::clear_role_cache;
use ironstack_security::rbac::RoleError;
use ironstack_types::ActionName;
use serde_json::{Map, Value};

use super::response::{ApiError, EsJson};
use super::security::{
    names, nodes_response, not_found_empty, required_body, store, store_error, store_write,
};
use crate::state::AppState;

/// `PUT|POST /_security/privilege`.
pub(crate) const PRIVILEGE_PUT: ActionName =
    ActionName("cluster:admin/xpack/security/privilege/put");
/// `GET /_security/privilege[/{application}[/{name}]]`.
pub(crate) const PRIVILEGE_GET: ActionName =
    ActionName("cluster:admin/xpack/security/privilege/get");
/// `DELETE /_security/privilege/{application}/{name}`.
pub(crate) const PRIVILEGE_DELETE: ActionName =
    ActionName("cluster:admin/xpack/security/privilege/delete");
/// `POST /_security/privilege/{application}/_clear_cache`.
pub(crate) const PRIVILEGE_CACHE_CLEAR: ActionName =
    ActionName("cluster:admin/xpack/security/privilege/cache/clear");

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

fn get_of(
    state: &AppState,
    application: Option<&str>,
    name: Option<&str>,
) -> Result<EsJson, ApiError> {
    let store = store(state)?;
    let applications = names(application);
    if let Some(apps) = &applications {
        let errors: Vec<String> = apps
            .iter()
            .filter_map(|a| validate_application_name(a, true).err())
            .collect();
        if !errors.is_empty() {
            return Err(role_error(RoleError::validation(&errors)));
        }
    }
    let wanted = names(name);
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

/// `GET /_security/privilege`: every definition.
pub(crate) async fn get_all(State(state): State<Arc<AppState>>) -> Result<EsJson, ApiError> {
    get_of(&state, None, None)
}

/// `GET /_security/privilege/{application}` (comma list, trailing `*` patterns).
pub(crate) async fn get_application(
    State(state): State<Arc<AppState>>,
    Path(application): Path<String>,
) -> Result<EsJson, ApiError> {
    get_of(&state, Some(&application), None)
}

/// `GET /_security/privilege/{application}/{name}` (comma lists).
pub(crate) async fn get_named(
    State(state): State<Arc<AppState>>,
    Path((application, name)): Path<(String, String)>,
) -> Result<EsJson, ApiError> {
    get_of(&state, Some(&application), Some(&name))
}

/// `DELETE /_security/privilege/{application}/{name}` → `{app: {name: {"found": bool}}}`.
pub(crate) async fn delete(
    State(state): State<Arc<AppState>>,
    Path((application, name)): Path<(String, String)>,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let mut list: Vec<String> = name
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
pub(crate) async fn clear_cache(
    State(state): State<Arc<AppState>>,
    Path(_application): Path<String>,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    clear_role_cache();
    Ok(nodes_response(&state))
}

#[cfg(test)]
#[path = "app_privilege_tests.rs"]
pub(crate) mod tests;

/// Whether a request the caller's cluster privileges do not allow is still allowed by the
/// role's `global.application.manage` privilege: the privilege APIs for the applications the
/// request names (the top-level keys of a PUT body, the `{application}` path segment, a comma
/// list for `_clear_cache`; none means all applications). The body, when read, is put back.
pub(crate) async fn allowed_by_application_scope(
    state: &AppState,
    auth: &ironstack_security::Authentication,
    action: ActionName,
    req: &mut axum::extract::Request,
) -> bool {
    if ![
        PRIVILEGE_PUT,
        PRIVILEGE_GET,
        PRIVILEGE_DELETE,
        PRIVILEGE_CACHE_CLEAR,
    ]
    .contains(&action)
    {
        return false;
    }
    let Some(authenticator) = &state.authenticator else {
        return false;
    };
    let (role, _) =
        ironstack_security::authz::compiled_role(Some(authenticator.store().as_ref()), &auth.roles);
    let applications: Vec<String> = if action == PRIVILEGE_PUT {
        let body = std::mem::take(req.body_mut());
        let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
            return false;
        };
        *req.body_mut() = axum::body::Body::from(bytes.clone());
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(apps)) => apps.keys().cloned().collect(),
            // Not an object: let the caller's privileges decide (the handler's 400 is for
            // those who may call it).
            _ => return false,
        }
    } else {
        let path = req.uri().path();
        let rest = path
            .strip_prefix("/_security/privilege")
            .unwrap_or_default();
        let segment = rest.trim_start_matches('/').split('/').next().unwrap_or("");
        segment
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| super::pipeline::percent_decode(s).unwrap_or_else(|| s.to_string()))
            .collect()
    };
    role.manages_applications(&applications)
}
