//! The security REST API over the native store: roles (single and bulk), users (with
//! passwords, enable and disable), `_has_privileges` (with stored application privileges),
//! `user/_privileges`, `privilege/_builtin` and the realm, role and API key clear-cache
//! endpoints. Parsing,
//! validation and the privilege answers come from `ironstack_security::rbac`; this module only
//! maps requests and results onto Elasticsearch's REST shapes.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use ironstack_security::app_privilege::validate_application_name;
use ironstack_security::authz::clear_role_cache;
use ironstack_security::rbac::privilege::builtin_privileges;
use ironstack_security::rbac::{
    HasPrivilegesRequest, RoleDescriptor, RoleError, is_reserved_role, reserved_role, reserved_user,
};
use ironstack_security::store::Update;
use ironstack_security::{Hasher, Section, SecurityStore, StoredUser};
use ironstack_types::{EsErrorType, EsException};
use serde_json::{Map, Value, json};

use super::body::{json as json_body, parse_error, required_json as required_body};
use super::context::{
    blocking, gate, nodes_response, not_found_empty, store, store_error, store_write,
};
use super::dls::validate_role_queries;
use super::envelope::RenderParams;
use super::params::{PathParams, names};
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// Elasticsearch's minimum password length for native users.
const MIN_PASSWORD_LENGTH: usize = 6;

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::from(RoleError::validation(&[message.into()]).to_exception())
}

// ---- roles -------------------------------------------------------------------------------

/// `PUT|POST /_security/role/{name}`.
pub(crate) async fn put_role(
    State(state): State<Arc<AppState>>,
    params: PathParams,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let name = params.required("name")?.to_string();
    let body = required_body(&body)?;
    let role = RoleDescriptor::parse(&name, &body).map_err(|e| ApiError::from(e.to_exception()))?;
    role.validate(is_reserved_role)
        .map_err(|e| ApiError::from(e.to_exception()))?;
    validate_role_queries(&role).map_err(ApiError::from)?;
    let doc = role.to_json();
    let created = store_write(&state, move |s| s.put_role(&name, doc))
        .await?
        .map_err(store_error)?;
    Ok(EsJson::ok(json!({"role": {"created": created}})))
}

pub(crate) fn role_json(store: &SecurityStore, name: &str) -> Option<Value> {
    if let Some(r) = reserved_role(name) {
        return Some(r.to_json());
    }
    let stored = store.role(name)?;
    // A stored role that no longer parses is shown as stored rather than hidden.
    Some(
        RoleDescriptor::parse(name, &stored)
            .map(|r| r.to_json())
            .unwrap_or(stored),
    )
}

/// `GET /_security/role[/{name}]`.
pub(crate) async fn get_roles(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let mut out = Map::new();
    match params.names("name") {
        Some(list) => {
            for n in list {
                if let Some(v) = role_json(store, &n) {
                    out.insert(n, v);
                }
            }
            if out.is_empty() {
                return Ok(not_found_empty());
            }
        }
        None => {
            for r in ironstack_security::rbac::reserved::reserved_roles() {
                out.insert(r.name.clone(), r.to_json());
            }
            for n in store.role_names() {
                if let Some(v) = role_json(store, &n) {
                    out.entry(n).or_insert(v);
                }
            }
        }
    }
    Ok(EsJson::ok(Value::Object(out)))
}

/// `DELETE /_security/role/{name}`.
pub(crate) async fn delete_role(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let name = params.required("name")?.to_string();
    if is_reserved_role(&name) {
        return Err(ApiError::illegal_argument(format!(
            "role [{name}] is reserved and cannot be deleted"
        )));
    }
    let found = store_write(&state, move |s| s.delete_role(&name))
        .await?
        .map_err(store_error)?;
    let status = if found {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(EsJson(status, json!({"found": found})))
}

// ---- users -------------------------------------------------------------------------------

fn validate_username(name: &str) -> Option<String> {
    let printable = name.bytes().all(|b| (0x20..=0x7e).contains(&b));
    let trimmed = !name.starts_with(' ') && !name.ends_with(' ');
    if name.is_empty() || name.len() > 507 || !printable || !trimmed {
        return Some("Valid usernames must be at least 1 and no more than 507 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.".to_string());
    }
    None
}

/// A new password's hash: `password` is checked and hashed with bcrypt (off the I/O
/// threads), `password_hash` must be a hash Elasticsearch recognises.
async fn new_hash(
    password: Option<String>,
    password_hash: Option<String>,
) -> Result<Option<String>, ApiError> {
    match (password, password_hash) {
        (Some(_), Some(_)) => Err(validation(
            "only one of [password, passwordHash] can be provided",
        )),
        (Some(p), None) => {
            if p.chars().count() < MIN_PASSWORD_LENGTH {
                return Err(validation(format!(
                    "passwords must be at least [{MIN_PASSWORD_LENGTH}] characters long"
                )));
            }
            let p = zeroize::Zeroizing::new(p);
            let hash = blocking(move || Hasher::Bcrypt { cost: 10 }.hash(&p))
                .await?
                .map_err(|e| ApiError::internal(e.to_string()))?;
            Ok(Some(hash))
        }
        (None, Some(h)) => {
            if Hasher::of_hash(&h).is_none() {
                return Err(ApiError::illegal_argument(
                    "The provided password hash is not a hash or it could not be resolved to a supported hash algorithm. The supported password hash algorithms are [bcrypt, pbkdf2, pbkdf2_stretch]",
                ));
            }
            Ok(Some(h))
        }
        (None, None) => Ok(None),
    }
}

fn opt_string(
    fields: &Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<String>, ApiError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(parse_error(format!(
            "failed to parse {what}. expected field [{key}] to be of type string"
        ))),
    }
}

/// `PUT|POST /_security/user/{name}`.
pub(crate) async fn put_user(
    State(state): State<Arc<AppState>>,
    params: PathParams,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let name = params.required("username")?.to_string();
    let body = required_body(&body)?;
    let what = "add user request";
    let Value::Object(fields) = body else {
        return Err(parse_error(format!(
            "failed to parse {what}. expected an object"
        )));
    };
    for key in fields.keys() {
        if !matches!(
            key.as_str(),
            "username"
                | "password"
                | "password_hash"
                | "roles"
                | "full_name"
                | "email"
                | "metadata"
                | "enabled"
        ) {
            return Err(parse_error(format!(
                "failed to parse {what}. unexpected field [{key}]"
            )));
        }
    }
    if let Some(u) = opt_string(&fields, "username", what)?
        && u != name
    {
        return Err(ApiError::illegal_argument(format!(
            "[username] in source does not match the username provided [{name}]"
        )));
    }
    let roles = match fields.get("roles") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(vec![s.clone()]),
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    parse_error(format!(
                        "failed to parse {what}. expected field [roles] to be an array of strings"
                    ))
                })?,
        ),
        Some(_) => {
            return Err(parse_error(format!(
                "failed to parse {what}. expected field [roles] to be an array of strings"
            )));
        }
    };
    let metadata = match fields.get("metadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(parse_error(format!(
                "failed to parse {what}. expected field [metadata] to be an object"
            )));
        }
    };
    let enabled = match fields.get("enabled") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(parse_error(format!(
                "failed to parse {what}. expected field [enabled] to be a boolean"
            )));
        }
    };
    let mut errors = Vec::new();
    if let Some(e) = validate_username(&name) {
        errors.push(e);
    }
    if reserved_user(&name).is_some() {
        errors.push(format!(
            "user [{name}] is reserved and only the password can be changed"
        ));
    }
    if roles.is_none() {
        errors.push("roles are missing".to_string());
    }
    if metadata.keys().any(|k| k.starts_with('_')) {
        errors.push("metadata keys may not start with [_]".to_string());
    }
    let password = opt_string(&fields, "password", what)?;
    let password_hash = opt_string(&fields, "password_hash", what)?;
    let existing = store.user(&name);
    if existing.is_none() && password.is_none() && password_hash.is_none() {
        errors.push("password must be specified unless you are updating an existing user".into());
    }
    if !errors.is_empty() {
        return Err(ApiError::from(
            RoleError::validation(&errors).to_exception(),
        ));
    }
    let full_name = opt_string(&fields, "full_name", what)?;
    let email = opt_string(&fields, "email", what)?;
    // Hashing first; then one read-modify-write, so a concurrent change of the same user
    // (another update, a password change, `_disable`) is never written back over.
    let hash = new_hash(password, password_hash).await?;
    let created = store_write(&state, move |store| {
        store.update_user(&name, move |existing| {
            let Some(password_hash) =
                hash.or_else(|| existing.as_ref().and_then(|u| u.password_hash.clone()))
            else {
                // Deleted since the check above: a new user needs a password.
                return (Update::Keep, None);
            };
            let user = StoredUser {
                password_hash: Some(password_hash),
                roles: roles.unwrap_or_default(),
                full_name,
                email,
                metadata,
                enabled,
            };
            (Update::Put(user), Some(existing.is_none()))
        })
    })
    .await?
    .map_err(store_error)?
    .ok_or_else(|| {
        validation("password must be specified unless you are updating an existing user")
    })?;
    Ok(EsJson::ok(json!({"created": created})))
}

pub(crate) fn user_json(store: &SecurityStore, name: &str) -> Option<Value> {
    let stored = store.user(name);
    if let Some(r) = reserved_user(name) {
        let mut metadata = Map::new();
        metadata.insert("_reserved".into(), Value::Bool(true));
        if r.deprecated {
            metadata.insert("_deprecated".into(), Value::Bool(true));
        }
        return Some(json!({
            "username": name,
            "roles": r.roles,
            "full_name": null,
            "email": null,
            "metadata": metadata,
            "enabled": stored.as_ref().is_none_or(|u| u.enabled),
        }));
    }
    let u = stored?;
    Some(json!({
        "username": name,
        "roles": u.roles,
        "full_name": u.full_name,
        "email": u.email,
        "metadata": u.metadata,
        "enabled": u.enabled,
    }))
}

/// `GET /_security/user[/{username}]`.
pub(crate) async fn get_users(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let mut out = Map::new();
    match params.names("username") {
        Some(list) => {
            for n in list {
                if let Some(v) = user_json(store, &n) {
                    out.insert(n, v);
                }
            }
            if out.is_empty() {
                return Ok(not_found_empty());
            }
        }
        None => {
            for r in ironstack_security::rbac::RESERVED_USERS {
                if let Some(v) = user_json(store, r.username) {
                    out.insert(r.username.to_string(), v);
                }
            }
            for n in store.usernames() {
                if !out.contains_key(&n)
                    && let Some(v) = user_json(store, &n)
                {
                    out.insert(n, v);
                }
            }
        }
    }
    Ok(EsJson::ok(Value::Object(out)))
}

/// `DELETE /_security/user/{name}`.
pub(crate) async fn delete_user(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let name = params.required("username")?.to_string();
    if reserved_user(&name).is_some() {
        return Err(ApiError::illegal_argument(format!(
            "user [{name}] is reserved and cannot be deleted"
        )));
    }
    let found = store_write(&state, move |s| s.delete_user(&name))
        .await?
        .map_err(store_error)?;
    let status = if found {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(EsJson(status, json!({"found": found})))
}

/// `PUT|POST /_security/user[/{username}]/_password`: without a name, the caller's own.
pub(crate) async fn change_password(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    params: PathParams,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let name = params
        .get("username")
        .unwrap_or(granted.user().username.as_str());
    let body = required_body(&body)?;
    let what = "change password request";
    let Value::Object(fields) = body else {
        return Err(parse_error(format!(
            "failed to parse {what}. expected an object"
        )));
    };
    if let Some(key) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "password" | "password_hash"))
    {
        return Err(parse_error(format!(
            "failed to parse {what}. unexpected field [{key}]"
        )));
    }
    let password = opt_string(&fields, "password", what)?;
    let password_hash = opt_string(&fields, "password_hash", what)?;
    if password.is_none() && password_hash.is_none() {
        return Err(validation("password must be specified"));
    }
    let reserved = reserved_user(name).is_some();
    let must_exist = || {
        // Elasticsearch reports this from the store, as a `validation_exception`.
        let mut e = RoleError::validation(&["user must exist in order to change password".into()]);
        e.error_type = EsErrorType::Validation;
        ApiError::from(e.to_exception())
    };
    if store.user(name).is_none() && !reserved {
        return Err(must_exist());
    }
    let hash = new_hash(password, password_hash).await?;
    let name = name.to_string();
    // Only the hash changes, on the record as it is when written.
    let changed = store_write(&state, move |store| {
        store.update_user(&name, |existing| match existing {
            Some(mut user) => {
                user.password_hash = hash;
                (Update::Put(user), true)
            }
            None if reserved => {
                let user = StoredUser {
                    password_hash: hash,
                    ..StoredUser::reserved_default()
                };
                (Update::Put(user), true)
            }
            None => (Update::Keep, false),
        })
    })
    .await?
    .map_err(store_error)?;
    if !changed {
        return Err(must_exist());
    }
    Ok(EsJson::ok(json!({})))
}

async fn set_enabled(
    state: &AppState,
    granted: &Granted,
    params: &PathParams,
    enabled: bool,
) -> Result<EsJson, ApiError> {
    store(state)?;
    let name = params.required("username")?;
    if granted.user().username == name {
        return Err(ApiError::illegal_argument(
            "users may not update the enabled status of their own account",
        ));
    }
    let reserved = reserved_user(name).is_some();
    let target = name.to_string();
    // Only the flag changes, on the record as it is when written.
    let found = store_write(state, move |store| {
        store.update_user(&target, |existing| match existing {
            Some(user) => (Update::Put(StoredUser { enabled, ..user }), true),
            None if reserved => {
                let user = StoredUser {
                    enabled,
                    ..StoredUser::reserved_default()
                };
                (Update::Put(user), true)
            }
            None => (Update::Keep, false),
        })
    })
    .await?
    .map_err(store_error)?;
    if !found {
        return Err(ApiError::from(EsException::new(
            EsErrorType::ResourceNotFound,
            format!("user [{name}] not found"),
        )));
    }
    Ok(EsJson::ok(json!({})))
}

/// `PUT|POST /_security/user/{name}/_enable`.
pub(crate) async fn enable_user(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    set_enabled(&state, &granted, &params, true).await
}

/// `PUT|POST /_security/user/{name}/_disable`.
pub(crate) async fn disable_user(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    set_enabled(&state, &granted, &params, false).await
}

// ---- privileges --------------------------------------------------------------------------

/// `GET|POST /_security/user[/{username}]/_has_privileges`: only about the caller.
pub(crate) async fn has_privileges(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    // `own_account` (routes.rs) refused another user's name before authorization.
    let request: HasPrivilegesRequest = match json_body(&body)? {
        None => HasPrivilegesRequest::default(),
        Some(v) => serde_json::from_value(v)
            .map_err(|e| parse_error(format!("failed to parse privileges check request. {e}")))?,
    };
    for check in &request.application {
        if let Err(reason) = validate_application_name(&check.application, false) {
            return Err(ApiError::from(
                RoleError::validation(&[reason]).to_exception(),
            ));
        }
    }
    gate(&state)?
        .has_privileges(&granted, &request)
        .map(EsJson::ok)
        .map_err(|e| ApiError::from(e.to_exception()))
}

/// `GET /_security/user/_privileges`: an API key answers with its owner's snapshot, or
/// Elasticsearch's 400 for a key with descriptors of its own.
pub(crate) async fn user_privileges(
    State(state): State<Arc<AppState>>,
    granted: Granted,
) -> Result<EsJson, ApiError> {
    gate(&state)?
        .user_privileges(&granted)
        .map(EsJson::ok)
        .map_err(|reason| {
            ApiError::from(EsException::with_status(EsErrorType::Security, 400, reason))
        })
}

/// `GET /_security/privilege/_builtin`.
pub(crate) async fn builtin() -> EsJson {
    EsJson::ok(builtin_privileges())
}

// ---- bulk roles --------------------------------------------------------------------------

fn error_detail(e: &EsException) -> Value {
    json!({"type": e.error_type, "reason": e.reason})
}

/// The `errors` member of the bulk role responses, present only when something failed.
fn bulk_response(mut out: Map<String, Value>, errors: Map<String, Value>) -> EsJson {
    if !errors.is_empty() {
        out.insert(
            "errors".into(),
            json!({"count": errors.len(), "details": errors}),
        );
    }
    EsJson::ok(Value::Object(out))
}

fn push_name(out: &mut Map<String, Value>, key: &str, name: &str) {
    if let Value::Array(a) = out
        .entry(key.to_string())
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        a.push(Value::String(name.to_string()));
    }
}

/// `POST /_security/role` with `{"roles":{name: descriptor, ...}}` →
/// `{"created":[..],"updated":[..],"noop":[..],"errors":{"count","details"}}`. A body that
/// does not parse fails the whole request; validation failures are reported per role.
pub(crate) async fn bulk_put_roles(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let body = required_body(&body)?;
    let Value::Object(fields) = body else {
        return Err(parse_error(
            "failed to parse bulk put roles request. expected an object",
        ));
    };
    let mut roles = None;
    for (k, v) in fields {
        match (k.as_str(), v) {
            ("roles", Value::Object(m)) => roles = Some(m),
            ("roles", _) => {
                return Err(parse_error(
                    "failed to parse bulk put roles request. expected field [roles] to be an object",
                ));
            }
            (other, _) => {
                return Err(ApiError::from(EsException::new(
                    EsErrorType::XContentParse,
                    format!("[bulk_put_roles_request] unknown field [{other}]"),
                )));
            }
        }
    }
    let Some(roles) = roles else {
        return Err(validation("roles are missing"));
    };
    let mut parsed = Vec::with_capacity(roles.len());
    for (name, descriptor) in &roles {
        let role = RoleDescriptor::parse(name, descriptor)
            .map_err(|e| ApiError::from(e.to_exception()))?;
        parsed.push((name.clone(), role));
    }
    let mut errors = Map::new();
    let mut valid = Vec::with_capacity(parsed.len());
    for (name, role) in parsed {
        let checked = role
            .validate(is_reserved_role)
            .map_err(|e| Box::new(e.to_exception()))
            .and_then(|()| validate_role_queries(&role));
        match checked {
            Ok(()) => valid.push((name, role.to_json())),
            Err(e) => {
                errors.insert(name, error_detail(&e));
            }
        }
    }
    // One change for every valid role: each is compared with what it replaces in it.
    let names: Vec<String> = valid.iter().map(|(n, _)| n.clone()).collect();
    let outcome = store_write(&state, move |store| {
        store.transact(|t| {
            valid
                .into_iter()
                .map(|(name, doc)| {
                    let kind = match t.get(Section::Roles, &name) {
                        Some(existing) if *existing == doc => return "noop",
                        Some(_) => "updated",
                        None => "created",
                    };
                    t.put(Section::Roles, &name, doc);
                    kind
                })
                .collect::<Vec<_>>()
        })
    })
    .await?;
    let mut out = Map::new();
    match outcome {
        Ok(kinds) => {
            for (name, kind) in names.iter().zip(kinds) {
                push_name(&mut out, kind, name);
            }
        }
        Err(e) => {
            for name in names {
                errors.insert(
                    name,
                    error_detail(&EsException::internal(format!(
                        "failed to update the security store: {e}"
                    ))),
                );
            }
        }
    }
    Ok(bulk_response(out, errors))
}

/// `DELETE /_security/role` with `{"names":[..]}` → `{"deleted":[..],"not_found":[..],"errors":..}`.
pub(crate) async fn bulk_delete_roles(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    let body = required_body(&body)?;
    let Value::Object(fields) = body else {
        return Err(parse_error(
            "failed to parse bulk delete roles request. expected an object",
        ));
    };
    let mut names = None;
    for (k, v) in fields {
        match k.as_str() {
            "names" => {
                let list = v
                    .as_array()
                    .and_then(|a| {
                        a.iter()
                            .map(|x| x.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| {
                        parse_error("failed to parse bulk delete roles request. expected field [names] to be an array of strings")
                    })?;
                names = Some(list);
            }
            other => {
                return Err(ApiError::from(EsException::new(
                    EsErrorType::XContentParse,
                    format!("[bulk_delete_roles_request] unknown field [{other}]"),
                )));
            }
        }
    }
    let names = names.unwrap_or_default();
    if names.is_empty() {
        return Err(validation("role names are missing"));
    }
    let mut errors = Map::new();
    let (reserved, names): (Vec<String>, Vec<String>) =
        names.into_iter().partition(|n| is_reserved_role(n));
    for name in reserved {
        errors.insert(
            name.clone(),
            error_detail(&EsException::illegal_argument(format!(
                "role [{name}] is reserved and cannot be deleted"
            ))),
        );
    }
    let to_delete = names.clone();
    let outcome = store_write(&state, move |store| {
        store.transact(|t| {
            to_delete
                .iter()
                .map(|n| t.delete(Section::Roles, n))
                .collect::<Vec<_>>()
        })
    })
    .await?;
    let mut out = Map::new();
    match outcome {
        Ok(found) => {
            for (name, found) in names.iter().zip(found) {
                push_name(&mut out, if found { "deleted" } else { "not_found" }, name);
            }
        }
        Err(e) => {
            for name in names {
                errors.insert(
                    name,
                    error_detail(&EsException::internal(format!(
                        "failed to update the security store: {e}"
                    ))),
                );
            }
        }
    }
    Ok(bulk_response(out, errors))
}

// ---- cache clearing ----------------------------------------------------------------------

/// `POST /_security/realm/{realms}/_clear_cache[?usernames=a,b]`. The realms share one
/// credential cache keyed by user name, so naming any realm clears those users (or all).
pub(crate) async fn clear_realm_cache(
    State(state): State<Arc<AppState>>,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let gate = gate(&state)?;
    let authenticator = gate.authenticator();
    let realms = path.required("realms")?;
    // PKI realms keep their own cache (by certificate); clear those named (or all).
    let all = realms.split(',').any(|r| r == "*" || r == "_all");
    for realm in gate.pki_realms() {
        if all || realms.split(',').any(|r| r == realm.name()) {
            realm.clear_cache();
        }
    }
    let usernames: Vec<String> = params
        .param("usernames")
        .map(|u| {
            u.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if usernames.is_empty() {
        authenticator.clear_cache();
    } else {
        authenticator.clear_users(&usernames);
    }
    Ok(nodes_response(&state))
}

/// `POST /_security/role/{name}/_clear_cache`: drops the compiled roles.
pub(crate) async fn clear_roles_cache(
    State(state): State<Arc<AppState>>,
) -> Result<EsJson, ApiError> {
    store(&state)?;
    clear_role_cache();
    Ok(nodes_response(&state))
}

/// `POST /_security/api_key/{ids}/_clear_cache` (`*` or `_all` for every key).
pub(crate) async fn clear_api_key_cache(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    let authenticator = gate(&state)?.authenticator();
    match names(Some(params.required("ids")?)) {
        None => authenticator.clear_all_api_keys(),
        Some(list) => authenticator.clear_api_keys(&list),
    }
    Ok(nodes_response(&state))
}
