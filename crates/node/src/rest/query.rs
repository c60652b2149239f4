//! `GET|POST /_security/_query/{user,role,api_key}`: builds the documents each API searches
//! (native users, native roles, API keys the caller may see), runs the request through
//! `ironstack_security::query` and answers `{"total","count","users|roles|api_keys":[..]}`
//! with `_sort` values when the request sorted.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use ironstack_security::api_key::api_key_from_index_hit;
use ironstack_security::query::{
    API_KEY_SCHEMA, ROLE_SCHEMA, Schema, USER_SCHEMA, execute, parse_request,
};
use ironstack_security::rbac::reserved_user;
use ironstack_security::security_index::{ApiKeyScope, SECURITY_INDEX, api_key_search_body};
use ironstack_store::api::AllFields;
use ironstack_store::query::parse_search_request;
use ironstack_types::EsException;
use serde_json::{Value, json};

use super::body::json as json_body;
use super::context::{blocking, documents, store};
use super::envelope::RenderParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use super::security::{role_json, user_json};
use crate::state::AppState;

/// Runs the body over `docs` and shapes the response under `key`.
fn search<D: std::borrow::Borrow<Value>>(
    schema: &Schema,
    body: &Bytes,
    docs: Vec<D>,
    key: &str,
) -> Result<EsJson, ApiError> {
    let body = json_body(body)?;
    let request =
        parse_request(schema, body.as_ref()).map_err(|e| ApiError::from(e.to_exception()))?;
    let result = execute(schema, &request, &docs);
    let hits: Vec<Value> = result
        .hits
        .into_iter()
        .map(|(i, sort)| {
            let mut doc = docs[i].borrow().clone();
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
    granted: Granted,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let me = granted.user().clone();
    let mut parsed = json_body(&body)?;
    if let Some(Value::Object(m)) = &parsed
        && (m.contains_key("aggs") || m.contains_key("aggregations"))
    {
        return Err(ApiError::from(EsException::illegal_argument(
            "aggregations are not supported by [_security/_query/api_key] on this node",
        )));
    }
    // The gate decided how far this caller reaches: every key, or only its own.
    let see_all = granted.manages_any_api_key();
    let with_limited_by = params.param("with_limited_by") == Some("true");
    let own_key = granted.api_key().map(|k| k.id.clone());
    // `typed_keys` only names aggregation results, which are refused above.
    if let Some(Value::Object(m)) = &mut parsed {
        m.remove("typed_keys");
    }
    let scope = if see_all {
        ApiKeyScope::All
    } else if let Some(id) = own_key {
        ApiKeyScope::Key(id)
    } else {
        ApiKeyScope::Owner {
            username: me.username.clone(),
            realm: me.realm.name.to_string(),
        }
    };
    let request = parse_request(&API_KEY_SCHEMA, parsed.as_ref())
        .map_err(|e| ApiError::from(e.to_exception()))?;
    let sorted = !request.sort.is_empty();
    // As Elasticsearch does: a search of `.security-7`, whose documents the store indexes.
    let search = parse_search_request(Some(&api_key_search_body(&request, &scope)), &[])
        .map_err(ApiError::from)?;
    let documents = documents(&state)?.clone();
    let result = blocking(move || {
        documents
            .backend()
            .search(&[SECURITY_INDEX.to_string()], &search, &AllFields)
    })
    .await?
    .map_err(ApiError::from)?;
    let store = store(&state)?;
    let keys: Vec<Value> = result
        .hits
        .into_iter()
        .filter_map(|hit| {
            let key = api_key_from_index_hit(store, &hit.id, hit.source?)?;
            let mut json = key.to_json(with_limited_by);
            if sorted && let (Some(sort), Value::Object(m)) = (hit.sort, &mut json) {
                m.insert("_sort".into(), Value::Array(sort));
            }
            Some(json)
        })
        .collect();
    Ok(EsJson::ok(json!({
        "total": result.total,
        "count": keys.len(),
        "api_keys": keys,
    })))
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
