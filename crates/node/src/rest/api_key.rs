//! The API key REST endpoints (`/_security/api_key` create, get, invalidate, grant, update,
//! bulk update), the `_authenticate` answer for key-authenticated requests and the
//! `user/_privileges` answer for them (`_has_privileges` for keys is in security.rs). Keys, hashing and permissions live in
//! `ironstack_security::api_key`; this module maps them onto Elasticsearch's REST shapes and
//! applies `manage_own_api_key`'s ownership rules as Elasticsearch's
//! `ManageOwnApiKeyClusterPrivilege` does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use ironstack_security::api_key::{
    ApiKeyAuthentication, ApiKeyFilter, CreateApiKey, UpdateApiKey, UpdateKeyError,
    UpdateRequestError, authorize_any_owner, create_api_key, find_api_keys, invalidate_api_keys,
    key_user_privileges, lookup_run_as, update_api_keys,
};
use ironstack_security::rbac::{
    ClusterContext, Role, Subject, Who, authorize_cluster, authorize_run_as,
};
use ironstack_security::token::{TokenError, TokenService, TokenSettings};
use ironstack_security::{Authentication, SecureString, SecurityStore};
use ironstack_types::{ActionName, EsErrorType, EsException};
use serde_json::{Value, json};

use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// `PUT|POST /_security/api_key`.
pub(crate) const API_KEY_CREATE: ActionName =
    ActionName("cluster:admin/xpack/security/api_key/create");
/// `GET /_security/api_key`.
pub(crate) const API_KEY_GET: ActionName = ActionName("cluster:admin/xpack/security/api_key/get");
/// `DELETE /_security/api_key`.
pub(crate) const API_KEY_INVALIDATE: ActionName =
    ActionName("cluster:admin/xpack/security/api_key/invalidate");
/// `POST /_security/api_key/grant`.
pub(crate) const API_KEY_GRANT: ActionName =
    ActionName("cluster:admin/xpack/security/api_key/grant");
/// `PUT /_security/api_key/{ids}` (one id).
pub(crate) const API_KEY_UPDATE: ActionName =
    ActionName("cluster:admin/xpack/security/api_key/update");
/// `POST /_security/api_key/_bulk_update`.
pub(crate) const API_KEY_BULK_UPDATE: ActionName =
    ActionName("cluster:admin/xpack/security/api_key/bulk_update");

pub(crate) use super::security::KeyCaller;
use super::security::{
    Caller, authenticator, blocking, caller, json_body, required_body, store, store_error,
};

/// `action_request_validation_exception` with Elasticsearch's numbered reason.
fn validation(messages: &[&str]) -> ApiError {
    let messages: Vec<String> = messages.iter().map(|m| m.to_string()).collect();
    ApiError::from(ironstack_security::rbac::RoleError::validation(&messages).to_exception())
}

/// A 401 with the node's `WWW-Authenticate` challenges.
fn unauthenticated(reason: String) -> ApiError {
    let mut e = EsException::with_status(EsErrorType::Security, 401, reason);
    for challenge in super::pipeline::WWW_AUTHENTICATE {
        e = e.header("WWW-Authenticate", *challenge);
    }
    ApiError::from(e)
}

fn forbidden(denial: ironstack_security::rbac::Denial) -> ApiError {
    ApiError::from(EsException::with_status(
        EsErrorType::Security,
        403,
        denial.to_string(),
    ))
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
    auth: Caller,
    key: KeyCaller,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let auth = caller(auth)?;
    let body = required_body(&body)?;
    let req = CreateApiKey::parse(&body).map_err(ApiError::illegal_argument)?;
    if key.is_some() && !all_descriptors_empty(&req) {
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

/// Whether a key-authenticated or user caller holds `action` for keys of any owner
/// (`manage_api_key`, `manage_security`, `all`), rather than only `manage_own_api_key`.
fn may_manage_any(
    store: &SecurityStore,
    auth: &Authentication,
    key: &KeyCaller,
    action: ActionName,
) -> Result<(), ironstack_security::rbac::Denial> {
    match key {
        Some(Extension(k)) => authorize_cluster(
            &key_subject(k),
            k.role.as_ref(),
            action.as_str(),
            ClusterContext::default(),
        ),
        None => authorize_any_owner(store, auth, action),
    }
}

fn key_subject(k: &ApiKeyAuthentication) -> Subject {
    Subject {
        who: Who::ApiKey {
            id: k.id.clone(),
            username: k.authentication.username.clone(),
        },
        assigned_roles: Vec::new(),
        found_roles: Vec::new(),
    }
}

/// The request's identification of keys, as `GET` and `DELETE /_security/api_key` take it.
struct KeySelector {
    ids: Vec<String>,
    name: Option<String>,
    username: Option<String>,
    realm_name: Option<String>,
    owner: bool,
}

/// `manage_own_api_key`'s rule (Elasticsearch's `checkIfUserIsOwnerOfApiKeys`): a key may
/// name only itself by id; a user must say `owner=true` or give their own user name and realm.
fn owns_selection(auth: &Authentication, key: &KeyCaller, sel: &KeySelector) -> bool {
    match key {
        Some(Extension(k)) => !sel.ids.is_empty() && sel.ids.iter().all(|i| *i == k.id),
        None => {
            sel.owner
                || (sel.username.as_deref() == Some(auth.username.as_str())
                    && sel.realm_name.as_deref() == Some(auth.realm.name))
        }
    }
}

/// Turns a checked selection into a store filter: `owner=true` means the caller's keys (for
/// a key: itself).
fn filter_for(auth: &Authentication, key: &KeyCaller, sel: KeySelector) -> ApiKeyFilter {
    let mut f = ApiKeyFilter {
        ids: sel.ids,
        name: sel.name,
        username: sel.username,
        realm_name: sel.realm_name,
    };
    if sel.owner {
        match key {
            Some(Extension(k)) => f.ids = vec![k.id.clone()],
            None => {
                f.username = Some(auth.username.clone());
                f.realm_name = Some(auth.realm.name.to_string());
            }
        }
    }
    f
}

fn text(v: Option<&String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty()).cloned()
}

fn truthy(params: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match params.get(name).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("" | "true") => Ok(true),
        Some(other) => Err(ApiError::illegal_argument(format!(
            "Failed to parse value [{other}] as only [true] or [false] are allowed."
        ))),
    }
}

/// `GET /_security/api_key?id=&name=&username=&realm_name=&owner=&with_limited_by=&active_only=`.
pub(crate) async fn get(
    State(state): State<Arc<AppState>>,
    auth: Caller,
    key: KeyCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let auth = caller(auth)?;
    let sel = KeySelector {
        ids: text(params.get("id")).into_iter().collect(),
        name: text(params.get("name")),
        username: text(params.get("username")),
        realm_name: text(params.get("realm_name")),
        owner: truthy(&params, "owner")?,
    };
    let with_limited_by = truthy(&params, "with_limited_by")?;
    let active_only = truthy(&params, "active_only")?;
    // `with_profile_uid` is accepted; there are no user profiles to report.
    truthy(&params, "with_profile_uid")?;
    let mut errors = Vec::new();
    if (!sel.ids.is_empty() || sel.name.is_some())
        && (sel.username.is_some() || sel.realm_name.is_some())
    {
        errors.push(
            "username or realm name must not be specified when the api key id or api key name is specified",
        );
    }
    if sel.owner && (sel.username.is_some() || sel.realm_name.is_some()) {
        errors.push(
            "neither username nor realm-name may be specified when retrieving owned API keys",
        );
    }
    if !sel.ids.is_empty() && sel.name.is_some() {
        errors.push("only one of [api key id, api key name] can be specified");
    }
    if !errors.is_empty() {
        return Err(validation(&errors));
    }
    if let Err(denial) = may_manage_any(store, &auth, &key, API_KEY_GET) {
        // A key needs manage_api_key to see limited-by descriptors, even its own.
        if (key.is_some() && with_limited_by) || !owns_selection(&auth, &key, &sel) {
            return Err(forbidden(denial));
        }
    }
    let filter = filter_for(&auth, &key, sel);
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

/// `DELETE /_security/api_key` with `ids`, `id`, `name`, `username`, `realm_name` or `owner`.
pub(crate) async fn invalidate(
    State(state): State<Arc<AppState>>,
    auth: Caller,
    key: KeyCaller,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let auth = caller(auth)?;
    let body = json_body(&body)?.unwrap_or(json!({}));
    let Some(obj) = body.as_object() else {
        return Err(ApiError::from(EsException::new(
            EsErrorType::XContentParse,
            "[invalidate_api_key] Expected START_OBJECT",
        )));
    };
    let mut ids: Option<Vec<String>> = None;
    let mut sel = KeySelector {
        ids: Vec::new(),
        name: None,
        username: None,
        realm_name: None,
        owner: false,
    };
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
            "name" => sel.name = string()?,
            "username" => sel.username = string()?,
            "realm_name" => sel.realm_name = string()?,
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
    sel.ids = ids.unwrap_or_default();
    let mut errors = Vec::new();
    if sel.realm_name.is_none()
        && sel.username.is_none()
        && !has_ids
        && sel.name.is_none()
        && !sel.owner
    {
        errors.push(
            "One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false",
        );
    }
    if (has_ids || sel.name.is_some()) && (sel.realm_name.is_some() || sel.username.is_some()) {
        errors.push(
            "username or realm name must not be specified when the api key id(s) or api key name are specified",
        );
    }
    if sel.owner && (sel.realm_name.is_some() || sel.username.is_some()) {
        errors.push(
            "neither username nor realm-name may be specified when invalidating owned API keys",
        );
    }
    if has_ids && sel.name.is_some() {
        errors.push("only one of [api key id(s), api key name] can be specified");
    }
    if !errors.is_empty() {
        return Err(validation(&errors));
    }
    if let Err(denial) = may_manage_any(&store, &auth, &key, API_KEY_INVALIDATE)
        && !owns_selection(&auth, &key, &sel)
    {
        return Err(forbidden(denial));
    }
    let filter = filter_for(&auth, &key, sel);
    let outcome = blocking(move || invalidate_api_keys(&store, &filter)).await?;
    Ok(EsJson::ok(outcome.to_json()))
}

/// `POST /_security/api_key/grant`: creates a key owned by the user whose credentials the
/// request carries (or whom that user runs as). The caller needs `grant_api_key` (or
/// `manage_api_key`, `manage_security`, `all`).
pub(crate) async fn grant(
    State(state): State<Arc<AppState>>,
    auth: Caller,
    key: KeyCaller,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let authenticator = authenticator(&state)?.clone();
    let me = caller(auth)?;
    // manage_own_api_key passed the pipeline but never grants keys for others.
    if let Err(denial) = may_manage_any(authenticator.store(), &me, &key, API_KEY_GRANT) {
        return Err(forbidden(denial));
    }
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
    let a = authenticator.clone();
    let granted = match (username, password, access_token) {
        (Some(user), Some(password), _) => {
            let u = user.clone();
            blocking(move || a.authenticate(&u, &password))
                .await?
                .map_err(|_| {
                    unauthenticated(format!(
                        "unable to authenticate user [{user}] for action [{}]",
                        API_KEY_GRANT.as_str()
                    ))
                })?
        }
        (_, _, Some(token)) => {
            // A token's authentication is taken as it is: Elasticsearch refuses to add run-as.
            if run_as.is_some() {
                return Err(ApiError::from(EsException::new(
                    EsErrorType::Status,
                    "the provided grant credentials do not support run-as",
                )));
            }
            // Tokens live in the store; a transient service reads them as the node's does.
            let tokens = TokenService::new(a, TokenSettings::default());
            tokens
                .authenticate(token.expose().trim())
                .map_err(|e| match e {
                    TokenError::Expired => unauthenticated("token expired".into()),
                    // Elasticsearch's principal of a bearer credential.
                    _ => unauthenticated(format!(
                        "unable to authenticate user [_bearer_token] for action [{}]",
                        API_KEY_GRANT.as_str()
                    )),
                })?
        }
        _ => return Err(validation(&["[grant_type] is required"])),
    };
    let owner = match run_as {
        None => granted,
        Some(target) => {
            let (role, found) = ironstack_security::authz::compiled_role(
                Some(authenticator.store().as_ref()),
                &granted.roles,
            );
            let subject = Subject {
                who: Who::User {
                    username: granted.username.clone(),
                    run_as: None,
                },
                assigned_roles: granted.roles.clone(),
                found_roles: found.to_vec(),
            };
            // Elasticsearch checks a grant's run-as by authorizing `_authenticate` as the
            // target; an unknown target is denied the same way.
            let authenticate = "cluster:admin/xpack/security/user/authenticate";
            authorize_run_as(&subject, role.as_ref(), authenticate, &target).map_err(forbidden)?;
            let found = lookup_run_as(&authenticator, &target);
            Arc::new(found.ok_or_else(|| {
                authorize_run_as(&subject, &Role::default(), authenticate, &target)
                    .map_or_else(forbidden, |()| ApiError::internal("run-as lookup failed"))
            })?)
        }
    };
    let store = authenticator.store().clone();
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
fn reject_key_caller(key: &KeyCaller) -> Result<(), ApiError> {
    if key.is_some() {
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
    auth: Caller,
    key: KeyCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let auth = caller(auth)?;
    reject_key_caller(&key)?;
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
    auth: Caller,
    key: KeyCaller,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let auth = caller(auth)?;
    reject_key_caller(&key)?;
    let body = required_body(&body)?;
    let (ids, req) = UpdateApiKey::parse(Some(&body), true).map_err(update_request_error)?;
    let outcome = blocking(move || update_api_keys(&store, &auth, &ids, &req)).await?;
    Ok(EsJson::ok(outcome.to_json()))
}

/// `GET /_security/user/_privileges` for a key-authenticated request; `None` for users.
pub(crate) fn user_privileges_for_key(key: &KeyCaller) -> Option<Result<EsJson, ApiError>> {
    let Extension(k) = key.as_ref()?;
    Some(key_user_privileges(k).map(EsJson::ok).map_err(|reason| {
        ApiError::from(EsException::with_status(EsErrorType::Security, 400, reason))
    }))
}

/// `GET /_security/_authenticate`: key-authenticated requests answer as Elasticsearch does
/// (`authentication_type: api_key`, realm `_es_api_key`, `api_key: {id, name}`); others as the
/// user handler.
pub(crate) async fn authenticate(
    auth: Caller,
    key: KeyCaller,
    kind: Option<Extension<super::token::AuthKind>>,
) -> EsJson {
    let Some(Extension(key)) = key else {
        return super::handlers::authenticate(auth, kind).await;
    };
    let mut body = super::handlers::authentication_json(&key.authentication, "api_key");
    body["roles"] = json!([]);
    body["metadata"] = json!({});
    body["api_key"] = json!({"id": key.id, "name": key.name});
    EsJson::ok(body)
}

#[cfg(test)]
#[path = "api_key_tests.rs"]
mod tests;
