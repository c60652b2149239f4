//! The API key REST endpoints (`/_security/api_key` create, get, invalidate, grant, update,
//! bulk update). Keys, hashing and permissions live in `ironstack_security::api_key`; which
//! keys a caller may reach (`manage_own_api_key` versus `manage_api_key`, Elasticsearch's
//! `ManageOwnApiKeyClusterPrivilege`) is the security gate's decision, which these handlers
//! apply through [`Granted`].

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use ironstack_security::SecureString;
use ironstack_security::api_key::{
    ApiKeyFilter, CreateApiKey, UpdateApiKey, UpdateKeyError, UpdateRequestError, create_api_key,
    find_api_keys, invalidate_api_keys, update_api_keys,
};
use ironstack_security::gate::{ApiKeySelection, GrantCredentials};
use ironstack_types::{EsErrorType, EsException};
use serde_json::{Value, json};

use super::body::{json as json_body, required_json as required_body};
use super::context::{blocking, gate, store, store_error};
use super::envelope::RenderParams;
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// `action_request_validation_exception` with Elasticsearch's numbered reason.
fn validation(messages: &[&str]) -> ApiError {
    let messages: Vec<String> = messages.iter().map(|m| m.to_string()).collect();
    ApiError::from(ironstack_security::rbac::RoleError::validation(&messages).to_exception())
}

/// Elasticsearch only lets a key create keys with explicit, privilege-free descriptors
/// (derived keys): no descriptors would mean "all of the owner's privileges".
fn all_descriptors_empty(req: &CreateApiKey) -> bool {
    !req.role_descriptors.is_empty()
        && req.role_descriptors.values().all(|d| {
            [
                "cluster",
                "indices",
                "applications",
                "run_as",
                "remote_indices",
                "remote_cluster",
            ]
            .iter()
            .all(|k| {
                d.get(*k)
                    .and_then(Value::as_array)
                    .is_none_or(Vec::is_empty)
            }) && d
                .get("global")
                .is_none_or(|g| g.is_null() || g.as_object().is_some_and(|o| o.is_empty()))
        })
}

/// `PUT|POST /_security/api_key`.
pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let auth = granted.user().clone();
    let body = required_body(&body)?;
    let req = CreateApiKey::parse(&body).map_err(ApiError::illegal_argument)?;
    if granted.api_key().is_some() && !all_descriptors_empty(&req) {
        return Err(ApiError::illegal_argument(
            "creating derived api keys requires an explicit role descriptor that is empty (has no privileges)",
        ));
    }
    // PBKDF2 takes milliseconds: off the I/O threads.
    let created = blocking(move || create_api_key(&store, &auth, req))
        .await?
        .map_err(store_error)?;
    Ok(EsJson::ok(created.to_json()))
}

fn text(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty()).map(str::to_string)
}

/// The keys `GET /_security/api_key?id=&name=&username=&realm_name=&owner=&with_limited_by=`
/// selects, validated as Elasticsearch's `GetApiKeyRequest.validate()` does (before
/// authorization).
pub(crate) fn get_selection(query: &RenderParams) -> Result<ApiKeySelection, ApiError> {
    let sel = ApiKeySelection {
        keys: ApiKeyFilter {
            ids: text(query.param("id")).into_iter().collect(),
            name: text(query.param("name")),
            username: text(query.param("username")),
            realm_name: text(query.param("realm_name")),
        },
        owner: query.boolean("owner")?,
        with_limited_by: query.boolean("with_limited_by")?,
    };
    let mut errors = Vec::new();
    if (!sel.keys.ids.is_empty() || sel.keys.name.is_some())
        && (sel.keys.username.is_some() || sel.keys.realm_name.is_some())
    {
        errors.push(
            "username or realm name must not be specified when the api key id or api key name is specified",
        );
    }
    if sel.owner && (sel.keys.username.is_some() || sel.keys.realm_name.is_some()) {
        errors.push(
            "neither username nor realm-name may be specified when retrieving owned API keys",
        );
    }
    if !sel.keys.ids.is_empty() && sel.keys.name.is_some() {
        errors.push("only one of [api key id, api key name] can be specified");
    }
    if !errors.is_empty() {
        return Err(validation(&errors));
    }
    Ok(sel)
}

/// `GET /_security/api_key`: the keys the gate authorized this caller to see.
pub(crate) async fn get(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let with_limited_by = params.boolean("with_limited_by")?;
    let active_only = params.boolean("active_only")?;
    // `with_profile_uid` is accepted; there are no user profiles to report.
    params.boolean("with_profile_uid")?;
    let filter = granted.api_key_filter();
    let now = ironstack_security::api_key::now_ms();
    let keys: Vec<Value> = find_api_keys(store, &filter)
        .iter()
        .filter(|k| !active_only || k.is_active(now))
        .map(|k| k.to_json(with_limited_by))
        .collect();
    Ok(EsJson::ok(json!({ "api_keys": keys })))
}

fn ids_of(field: &str, v: &Value) -> Result<Vec<String>, ApiError> {
    let bad = || {
        ApiError::from(EsException::new(
            EsErrorType::XContentParse,
            format!("[invalidate_api_key] failed to parse field [{field}]"),
        ))
    };
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(bad))
            .collect(),
        _ => Err(bad()),
    }
}

/// The keys a `DELETE /_security/api_key` body (`ids`, `id`, `name`, `username`,
/// `realm_name`, `owner`) selects, validated as Elasticsearch's
/// `InvalidateApiKeyRequest.validate()` does (before authorization).
pub(crate) fn invalidate_selection(body: &Bytes) -> Result<ApiKeySelection, ApiError> {
    let body = json_body(body)?.unwrap_or(json!({}));
    let Some(obj) = body.as_object() else {
        return Err(ApiError::from(EsException::new(
            EsErrorType::XContentParse,
            "[invalidate_api_key] Expected START_OBJECT",
        )));
    };
    let mut ids: Option<Vec<String>> = None;
    let mut sel = ApiKeySelection::default();
    for (k, v) in obj {
        let string = || -> Result<Option<String>, ApiError> {
            match v {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s.clone()).filter(|s| !s.trim().is_empty())),
                _ => Err(ApiError::from(EsException::new(
                    EsErrorType::XContentParse,
                    format!("[invalidate_api_key] failed to parse field [{k}]"),
                ))),
            }
        };
        match k.as_str() {
            "ids" | "id" => ids.get_or_insert_with(Vec::new).extend(ids_of(k, v)?),
            "name" => sel.keys.name = string()?,
            "username" => sel.keys.username = string()?,
            "realm_name" => sel.keys.realm_name = string()?,
            "owner" => {
                sel.owner = v.as_bool().ok_or_else(|| {
                    ApiError::from(EsException::new(
                        EsErrorType::XContentParse,
                        "[invalidate_api_key] failed to parse field [owner]",
                    ))
                })?;
            }
            other => {
                return Err(ApiError::from(EsException::new(
                    EsErrorType::XContentParse,
                    format!("[invalidate_api_key] unknown field [{other}]"),
                )));
            }
        }
    }
    if let Some(ids) = &ids {
        if ids.is_empty() {
            return Err(validation(&["Field [ids] cannot be an empty array"]));
        }
        let blank: Vec<usize> = ids
            .iter()
            .enumerate()
            .filter(|(_, i)| i.trim().is_empty())
            .map(|(n, _)| n)
            .collect();
        if !blank.is_empty() {
            let (what, where_) = if blank.len() == 1 {
                ("id", "position")
            } else {
                ("ids", "positions")
            };
            let list: Vec<String> = blank.iter().map(usize::to_string).collect();
            return Err(validation(&[&format!(
                "Field [ids] must not contain blank id, but got blank {what} at index {where_}: [{}]",
                list.join(", ")
            )]));
        }
    }
    let has_ids = ids.is_some();
    sel.keys.ids = ids.unwrap_or_default();
    let mut errors = Vec::new();
    if sel.keys.realm_name.is_none()
        && sel.keys.username.is_none()
        && !has_ids
        && sel.keys.name.is_none()
        && !sel.owner
    {
        errors.push(
            "One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false",
        );
    }
    if (has_ids || sel.keys.name.is_some())
        && (sel.keys.realm_name.is_some() || sel.keys.username.is_some())
    {
        errors.push(
            "username or realm name must not be specified when the api key id(s) or api key name are specified",
        );
    }
    if sel.owner && (sel.keys.realm_name.is_some() || sel.keys.username.is_some()) {
        errors.push(
            "neither username nor realm-name may be specified when invalidating owned API keys",
        );
    }
    if has_ids && sel.keys.name.is_some() {
        errors.push("only one of [api key id(s), api key name] can be specified");
    }
    if !errors.is_empty() {
        return Err(validation(&errors));
    }
    Ok(sel)
}

/// `DELETE /_security/api_key`: invalidates the keys the gate authorized this caller to
/// reach.
pub(crate) async fn invalidate(
    State(state): State<Arc<AppState>>,
    granted: Granted,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let filter = granted.api_key_filter();
    let outcome = blocking(move || invalidate_api_keys(&store, &filter)).await?;
    Ok(EsJson::ok(outcome.to_json()))
}

/// `POST /_security/api_key/grant`: creates a key owned by the user whose credentials the
/// request carries (or whom that user runs as). The caller needs `grant_api_key` (or
/// `manage_api_key`, `manage_security`, `all`).
pub(crate) async fn grant(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let gate = gate(&state)?.clone();
    let body = required_body(&body)?;
    let Some(obj) = body.as_object() else {
        return Err(ApiError::from(EsException::new(
            EsErrorType::XContentParse,
            "[grant_api_key_request] Expected START_OBJECT",
        )));
    };
    let mut grant_type = None;
    let mut username = None;
    let mut password: Option<SecureString> = None;
    let mut access_token: Option<SecureString> = None;
    let mut run_as = None;
    let mut api_key = None;
    for (k, v) in obj {
        let string = || {
            v.as_str().map(str::to_string).ok_or_else(|| {
                ApiError::from(EsException::new(
                    EsErrorType::XContentParse,
                    format!("[grant_api_key_request] failed to parse field [{k}]"),
                ))
            })
        };
        match k.as_str() {
            "grant_type" => grant_type = Some(string()?),
            "username" => username = Some(string()?),
            "password" => password = Some(SecureString::new(&string()?)),
            "access_token" => access_token = Some(SecureString::new(&string()?)),
            "run_as" => run_as = Some(string()?),
            "api_key" => api_key = Some(v.clone()),
            other => {
                return Err(ApiError::from(EsException::new(
                    EsErrorType::XContentParse,
                    format!("[grant_api_key_request] unknown field [{other}]"),
                )));
            }
        }
    }
    let mut errors: Vec<String> = Vec::new();
    let given = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    let given_secret =
        |s: &Option<SecureString>| s.as_ref().is_some_and(|s| !s.expose().is_empty());
    match grant_type.as_deref() {
        None => errors.push("[grant_type] is required".into()),
        Some(t @ "password") => {
            if !given(&username) {
                errors.push(format!("[username] is required for grant_type [{t}]"));
            }
            if !given_secret(&password) {
                errors.push(format!("[password] is required for grant_type [{t}]"));
            }
            if given_secret(&access_token) {
                errors.push(format!(
                    "[access_token] is not supported for grant_type [{t}]"
                ));
            }
        }
        Some(t @ "access_token") => {
            if !given_secret(&access_token) {
                errors.push(format!("[access_token] is required for grant_type [{t}]"));
            }
            if given(&username) {
                errors.push(format!("[username] is not supported for grant_type [{t}]"));
            }
            if given_secret(&password) {
                errors.push(format!("[password] is not supported for grant_type [{t}]"));
            }
        }
        Some(t) => errors.push(format!("grant_type [{t}] is not supported")),
    }
    let req = match &api_key {
        Some(v) => Some(CreateApiKey::parse(v).map_err(ApiError::illegal_argument)?),
        None => {
            errors.push("api key name is required".into());
            None
        }
    };
    if !errors.is_empty() {
        let refs: Vec<&str> = errors.iter().map(String::as_str).collect();
        return Err(validation(&refs));
    }
    let Some(req) = req else {
        return Err(validation(&["api key name is required"]));
    };
    let credentials = match (username, password, access_token) {
        (Some(username), Some(password), _) => GrantCredentials::Password { username, password },
        (_, _, Some(token)) => GrantCredentials::AccessToken(token),
        _ => return Err(validation(&["[grant_type] is required"])),
    };
    // The gate authenticates the grant's credentials (and its run-as) as it does requests'.
    let g = gate.clone();
    let owner = blocking(move || g.authenticate_grant(credentials, run_as.as_deref()))
        .await?
        .map_err(ApiError::from)?;
    let store = gate.authenticator().store().clone();
    let created = blocking(move || create_api_key(&store, &owner, req))
        .await?
        .map_err(store_error)?;
    Ok(EsJson::ok(created.to_json()))
}

fn update_request_error(e: UpdateRequestError) -> ApiError {
    let t = match e {
        UpdateRequestError::Parse(_) => EsErrorType::XContentParse,
        UpdateRequestError::Validation(_) => EsErrorType::ActionRequestValidation,
        UpdateRequestError::IllegalArgument(_) => EsErrorType::IllegalArgument,
    };
    ApiError::from(EsException::new(t, e.to_string()))
}

/// Elasticsearch refuses updates made with an API key credential, whatever its privileges.
fn reject_key_caller(granted: &Granted) -> Result<(), ApiError> {
    if granted.api_key().is_some() {
        return Err(ApiError::illegal_argument(
            "authentication via API key not supported: only the owner user can update an API key",
        ));
    }
    Ok(())
}

/// `PUT /_security/api_key/{ids}`: one key, `{"updated": bool}`; failures are the key's
/// error (404 not found or not owned, 400 invalidated or expired).
pub(crate) async fn update(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    params: PathParams,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let auth = granted.user().clone();
    let id = params.required("ids")?.to_string();
    reject_key_caller(&granted)?;
    let body = json_body(&body)?;
    let (_, req) = UpdateApiKey::parse(body.as_ref(), false).map_err(update_request_error)?;
    let ids = vec![id];
    let mut outcome = blocking(move || update_api_keys(&store, &auth, &ids, &req)).await?;
    if let Some((_, e)) = outcome.errors.pop() {
        let t = match e {
            UpdateKeyError::NotFound(_) => EsErrorType::ResourceNotFound,
            UpdateKeyError::Invalidated(_) | UpdateKeyError::Expired(_) => {
                EsErrorType::IllegalArgument
            }
            UpdateKeyError::Store(_) => EsErrorType::Internal,
        };
        return Err(ApiError::from(EsException::new(t, e.to_string())));
    }
    Ok(EsJson::ok(json!({"updated": !outcome.updated.is_empty()})))
}

/// `POST /_security/api_key/_bulk_update`:
/// `{"updated":[..],"noops":[..][,"errors":{"count","details"}]}`.
pub(crate) async fn bulk_update(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let auth = granted.user().clone();
    reject_key_caller(&granted)?;
    let body = required_body(&body)?;
    let (ids, req) = UpdateApiKey::parse(Some(&body), true).map_err(update_request_error)?;
    let outcome = blocking(move || update_api_keys(&store, &auth, &ids, &req)).await?;
    Ok(EsJson::ok(outcome.to_json()))
}

#[cfg(test)]
#[path = "api_key_tests.rs"]
mod tests;
