//! `GET|POST /_security/_query/{user,role,api_key}`: builds the documents each API searches
//! (native users, native roles, API keys the caller may see), runs the request through
//! `ironstack_security::query` and answers `{"total","count","users|roles|api_keys":[..]}`
//! with `_sort` values when the request sorted.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use ironstack_security::api_key::{ApiKeyFilter, authorize_any_owner, find_api_keys};
use ironstack_security::query::{
    API_KEY_SCHEMA, ROLE_SCHEMA, Schema, USER_SCHEMA, execute, parse_request,
};
use ironstack_security::rbac::{ClusterContext, Subject, Who, authorize_cluster, reserved_user};
use ironstack_types::{ActionName, EsException};
use serde_json::{Value, json};

use super::response::{ApiError, EsJson};
use super::security::{Caller, KeyCaller, caller, json_body, role_json, store, user_json};
use crate::state::AppState;

/// `GET|POST /_security/_query/user`.
pub(crate) const USER_QUERY: ActionName = ActionName("cluster:admin/xpack/security/user/query");
/// `GET|POST /_security/_query/role`.
pub(crate) const ROLE_QUERY: ActionName = ActionName("cluster:admin/xpack/security/role/query");
/// `GET|POST /_security/_query/api_key`.
pub(crate) const API_KEY_QUERY: ActionName =
    ActionName("cluster:admin/xpack/security/api_key/query");

/// Runs the body over `docs` and shapes the response under `key`.
fn search(schema: &Schema, body: &Bytes, docs: Vec<Value>, key: &str) -> Result<EsJson, ApiError> {
    let body = json_body(body)?;
    let request =
        parse_request(schema, body.as_ref()).map_err(|e| ApiError::from(e.to_exception()))?;
    let result = execute(schema, &request, &docs);
    let hits: Vec<Value> = result
        .hits
        .into_iter()
        .map(|(i, sort)| {
            let mut doc = docs[i].clone();
            if let (Some(sort), Value::Object(m)) = (sort, &mut doc) {
                m.insert("_sort".into(), Value::Array(sort));
            }
            doc
        })
        .collect();
    Ok(EsJson::ok(json!({
        "total": result.total,
        "count": hits.len(),
        key: hits,
    })))
}

/// `GET|POST /_security/_query/user` (native users; `with_profile_uid` is accepted and
/// ignored: there are no user profiles).
pub(crate) async fn query_users(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let docs: Vec<Value> = store
        .usernames()
        .iter()
        .filter(|n| reserved_user(n).is_none())
        .filter_map(|n| user_json(store, n))
        .collect();
    search(&USER_SCHEMA, &body, docs, "users")
}

/// `GET|POST /_security/_query/role` (native roles; reserved roles are not stored).
pub(crate) async fn query_roles(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let docs: Vec<Value> = store
        .role_names()
        .iter()
        .filter_map(|n| {
            let mut v = role_json(store, n)?;
            let Value::Object(m) = &mut v else {
                return None;
            };
            let mut out = serde_json::Map::new();
            out.insert("name".into(), Value::String(n.clone()));
            out.extend(std::mem::take(m));
            Some(Value::Object(out))
        })
        .collect();
    search(&ROLE_SCHEMA, &body, docs, "roles")
}

/// `GET|POST /_security/_query/api_key[?with_limited_by=true]`. Callers holding
/// `manage_api_key`, `read_security` (or more) see every key; `manage_own_api_key` users
/// see their own keys, and a key-authenticated caller without those sees only itself.
pub(crate) async fn query_api_keys(
    State(state): State<Arc<AppState>>,
    auth: Caller,
    key: KeyCaller,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let me = caller(auth)?;
    let mut parsed = json_body(&body)?;
    if let Some(Value::Object(m)) = &parsed
        && (m.contains_key("aggs") || m.contains_key("aggregations"))
    {
        return Err(ApiError::from(EsException::illegal_argument(
            "aggregations are not supported by [_security/_query/api_key] on this node",
        )));
    }
    let see_all = match &key {
        Some(Extension(k)) => {
            let subject = Subject {
                who: Who::ApiKey {
                    id: k.id.clone(),
                    username: me.username.clone(),
                },
                assigned_roles: Vec::new(),
                found_roles: Vec::new(),
            };
            authorize_cluster(
                &subject,
                k.role.as_ref(),
                API_KEY_QUERY.as_str(),
                ClusterContext::default(),
            )
            .is_ok()
        }
        None => authorize_any_owner(store, &me, API_KEY_QUERY).is_ok(),
    };
    let with_limited_by = params.get("with_limited_by").is_some_and(|v| v == "true");
    let own_key = key.as_ref().map(|Extension(k)| k.id.clone());
    let all = find_api_keys(store, &ApiKeyFilter::default());
    let docs: Vec<Value> = all
        .iter()
        .filter(|k| {
            see_all
                || match &own_key {
                    Some(id) => k.id == *id,
                    None => k.username == me.username && k.realm == me.realm.name,
                }
        })
        .map(|k| k.to_json(with_limited_by))
        .collect();
    // `typed_keys` only names aggregation results, which are refused above.
    if let Some(Value::Object(m)) = &mut parsed {
        m.remove("typed_keys");
    }
    let body = parsed.map_or_else(Bytes::new, |v| Bytes::from(v.to_string()));
    search(&API_KEY_SCHEMA, &body, docs, "api_keys")
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
