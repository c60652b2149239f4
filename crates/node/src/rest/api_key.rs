//! The API key REST endpoints (`/_security/api_key` create, get, invalidate) and the
//! `_authenticate` answer for key-authenticated requests. Keys, hashing and permissions live in
//! `ironstack_security::api_key`; this module maps them onto Elasticsearch's REST shapes and
//! limits `manage_own_api_key` callers to their own keys.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use ironstack_security::api_key::{
    ApiKeyAuthentication, ApiKeyFilter, CreateApiKey, authorize_any_owner, create_api_key,
    find_api_keys, invalidate_api_keys,
};
use ironstack_security::authz::resolve_roles;
use ironstack_security::{Authentication, SecurityStore};
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

type Caller = Option<Extension<Arc<Authentication>>>;
type KeyCaller = Option<Extension<Arc<ApiKeyAuthentication>>>;

fn store(state: &AppState) -> Result<&Arc<SecurityStore>, ApiError> {
    state
        .authenticator
        .as_ref()
        .map(|a| a.store())
        .ok_or_else(|| {
            ApiError::illegal_argument(
                "Security must be explicitly enabled when using a [basic] license. Enable security by setting [xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.",
            )
        })
}

fn caller(auth: Caller) -> Result<Arc<Authentication>, ApiError> {
    auth.map(|Extension(a)| a)
        .ok_or_else(|| ApiError::illegal_argument("no authenticated user for this request"))
}

fn json_body(body: &Bytes) -> Result<Option<Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| {
        ApiError::from(EsException::new(
            EsErrorType::XContentParse,
            format!("[{}:{}] {e}", e.line(), e.column()),
        ))
    })
}

fn store_error(e: ironstack_security::Error) -> ApiError {
    ApiError::internal(format!("failed to update the security store: {e}"))
}

fn forbidden(denial: ironstack_security::rbac::Denial) -> ApiError {
    ApiError::from(EsException::with_status(
        EsErrorType::Security,
        403,
        denial.to_string(),
    ))
}

/// Elasticsearch only lets a key create keys without privileges (derived keys).
fn all_descriptors_empty(req: &CreateApiKey) -> bool {
    !req.role_descriptors.is_empty()
        && req.role_descriptors.values().all(|d| {
            ["cluster", "indices", "index", "applications", "run_as"]
                .iter()
                .all(|k| {
                    d.get(*k)
                        .and_then(Value::as_array)
                        .is_none_or(Vec::is_empty)
                })
        })
}

/// `PUT|POST /_security/api_key`.
pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    auth: Caller,
    key: KeyCaller,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let auth = caller(auth)?;
    let body = json_body(&body)?.ok_or_else(|| {
        ApiError::from(EsException::new(
            EsErrorType::Parse,
            "request body is required",
        ))
    })?;
    let req = CreateApiKey::parse(&body).map_err(ApiError::illegal_argument)?;
    if key.is_some() && !all_descriptors_empty(&req) {
        return Err(ApiError::illegal_argument(
            "creating derived api keys requires an explicit role descriptor that is empty (has no privileges)",
        ));
    }
    let store = store.clone();
    // PBKDF2 takes milliseconds: off the I/O threads.
    let created = tokio::task::spawn_blocking(move || create_api_key(&store, &auth, req))
        .await
        .map_err(|e| ApiError::internal(format!("api key task failed: {e}")))?
        .map_err(store_error)?;
    Ok(EsJson::ok(created.to_json()))
}

/// Narrows `filter` to what the caller may see or invalidate: a key sees only itself; a
/// `manage_own_api_key` user only their own keys (naming another owner is a 403).
fn restrict(
    store: &SecurityStore,
    auth: &Authentication,
    key: &KeyCaller,
    action: ActionName,
    mut filter: ApiKeyFilter,
    owner: bool,
) -> Result<ApiKeyFilter, ApiError> {
    if let Some(Extension(k)) = key {
        if !filter.ids.is_empty() && filter.ids.iter().any(|i| *i != k.id) {
            return Err(ApiError::from(EsException::with_status(
                EsErrorType::Security,
                403,
                format!(
                    "action [{}] is unauthorized for API key id [{}] of user [{}], this action is granted by the cluster privileges [manage_api_key,manage_security,all]",
                    action.as_str(),
                    k.id,
                    auth.username
                ),
            )));
        }
        filter.ids = vec![k.id.clone()];
        return Ok(filter);
    }
    let own = |f: &mut ApiKeyFilter| {
        f.username = Some(auth.username.clone());
        f.realm_name = Some(auth.realm.name.to_string());
    };
    if owner {
        own(&mut filter);
        return Ok(filter);
    }
    match authorize_any_owner(store, auth, action) {
        Ok(()) => Ok(filter),
        Err(denial) => {
            let other_user = filter
                .username
                .as_deref()
                .is_some_and(|u| u != auth.username);
            let other_realm = filter
                .realm_name
                .as_deref()
                .is_some_and(|r| r != auth.realm.name);
            if other_user || other_realm {
                return Err(forbidden(denial));
            }
            own(&mut filter);
            Ok(filter)
        }
    }
}

fn ids_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// `GET /_security/api_key?id=&name=&username=&realm_name=&owner=&active_only=&with_limited_by=`.
pub(crate) async fn get(
    State(state): State<Arc<AppState>>,
    auth: Caller,
    key: KeyCaller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let auth = caller(auth)?;
    let filter = ApiKeyFilter {
        ids: params
            .get("id")
            .map(|i| vec![i.clone()])
            .unwrap_or_default(),
        name: params.get("name").cloned(),
        username: params.get("username").cloned(),
        realm_name: params.get("realm_name").cloned(),
    };
    let owner = params.get("owner").is_some_and(|o| o == "true");
    let filter = restrict(store, &auth, &key, API_KEY_GET, filter, owner)?;
    let active_only = params.get("active_only").is_some_and(|o| o == "true");
    let now = ironstack_security::api_key::now_ms();
    let with_limited_by = params.get("with_limited_by").is_some_and(|o| o == "true");
    let keys: Vec<Value> = find_api_keys(store, &filter)
        .iter()
        .filter(|k| !active_only || (!k.invalidated && !k.is_expired(now)))
        .map(|k| {
            let mut v = k.to_json();
            if with_limited_by {
                // The owner's roles as they resolve now (the key keeps their names).
                let roles: serde_json::Map<String, Value> =
                    resolve_roles(Some(store), &k.limited_by)
                        .into_iter()
                        .map(|d| (d.name.clone(), d.to_json()))
                        .collect();
                v["limited_by"] = json!([roles]);
            }
            v
        })
        .collect();
    Ok(EsJson::ok(json!({ "api_keys": keys })))
}

/// `DELETE /_security/api_key` with `ids`, `id`, `name`, `username`, `realm_name` or `owner`.
pub(crate) async fn invalidate(
    State(state): State<Arc<AppState>>,
    auth: Caller,
    key: KeyCaller,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let auth = caller(auth)?;
    let body = json_body(&body)?.unwrap_or(json!({}));
    let Some(obj) = body.as_object() else {
        return Err(ApiError::illegal_argument("request body must be an object"));
    };
    if let Some(bad) = obj
        .keys()
        .find(|k| !["ids", "id", "name", "username", "realm_name", "owner"].contains(&k.as_str()))
    {
        return Err(ApiError::illegal_argument(format!(
            "[invalidate_api_key] unknown field [{bad}]"
        )));
    }
    let mut ids = ids_of(obj.get("ids"));
    ids.extend(ids_of(obj.get("id")));
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    let owner = obj.get("owner").and_then(Value::as_bool).unwrap_or(false);
    let filter = ApiKeyFilter {
        ids,
        name: text("name"),
        username: text("username"),
        realm_name: text("realm_name"),
    };
    if filter == ApiKeyFilter::default() && !owner {
        return Err(ApiError::illegal_argument(
            "One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false",
        ));
    }
    let filter = restrict(store, &auth, &key, API_KEY_INVALIDATE, filter, owner)?;
    let (invalidated, previously) = invalidate_api_keys(store, &filter).map_err(store_error)?;
    Ok(EsJson::ok(json!({
        "invalidated_api_keys": invalidated,
        "previously_invalidated_api_keys": previously,
        "error_count": 0
    })))
}

/// `GET /_security/_authenticate`: key-authenticated requests answer as Elasticsearch does
/// (`authentication_type: api_key`, realm `_es_api_key`, `api_key: {id, name}`); others as the
/// user handler.
pub(crate) async fn authenticate(auth: Caller, key: KeyCaller) -> EsJson {
    let Some(Extension(key)) = key else {
        return super::handlers::authenticate(auth).await;
    };
    let a = &key.authentication;
    let realm = json!({"name": a.realm.name, "type": a.realm.realm_type});
    EsJson::ok(json!({
        "username": a.username,
        "roles": [],
        "full_name": null,
        "email": null,
        "metadata": {},
        "enabled": true,
        "authentication_realm": realm,
        "lookup_realm": realm,
        "authentication_type": "api_key",
        "api_key": {"id": key.id, "name": key.name}
    }))
}

#[cfg(test)]
#[path = "api_key_tests.rs"]
mod tests;
