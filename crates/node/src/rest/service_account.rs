//! The service account REST API: `GET /_security/service[/{ns}[/{service}]]`, the index
//! tokens under `.../credential/token[/{name}]` (create, delete, `_clear_cache`) and
//! `.../credential`, in Elasticsearch's shapes over `ironstack_security::service_account`.

use std::sync::Arc;

use axum::extract::State;
use ironstack_security::Section;
use ironstack_security::rbac::RoleError;
use ironstack_security::rbac::{SERVICE_ACCOUNTS, service_account_descriptor};
use ironstack_security::service_account::{
    ServiceToken, invalid_token_name_message, is_service_account, token_document, valid_token_name,
};
use ironstack_types::error::{EsErrorType, EsException};
use serde_json::{Map, Value, json};

use super::context::{blocking, nodes_response, store, store_error};
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// `<namespace>/<service>` from the path.
fn principal(params: &PathParams) -> Result<String, ApiError> {
    Ok(format!(
        "{}/{}",
        params.required("namespace")?,
        params.required("service")?
    ))
}

fn unknown_account(principal: &str) -> ApiError {
    ApiError::illegal_argument(format!("service account [{principal}] does not exist"))
}

/// `GET /_security/service[/{namespace}[/{service}]]` → `{principal: {"role_descriptor": ..}}`
/// (an empty object when nothing matches, as Elasticsearch answers).
pub(crate) async fn get(params: PathParams) -> Result<EsJson, ApiError> {
    let namespace = params.get("namespace");
    let service = params.get("service");
    let mut out = Map::new();
    for principal in SERVICE_ACCOUNTS {
        let (ns, svc) = principal.split_once('/').unwrap_or((principal, ""));
        if namespace.is_some_and(|n| n != ns) || service.is_some_and(|s| s != svc) {
            continue;
        }
        if let Some(descriptor) = service_account_descriptor(principal) {
            out.insert(
                principal.to_string(),
                json!({"role_descriptor": descriptor.to_json()}),
            );
        }
    }
    Ok(EsJson::ok(Value::Object(out)))
}

/// `POST|PUT /_security/service/{ns}/{service}/credential/token[/{name}]` →
/// `{"created": true, "token": {"name", "value"}}`; the value is shown only here.
pub(crate) async fn create_token(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let principal = principal(&params)?;
    let name = match params.get("name") {
        Some(n) => n.to_string(),
        None => generated_name()?,
    };
    if !valid_token_name(&name) {
        return Err(ApiError::from(
            RoleError::validation(&[invalid_token_name_message(&name)]).to_exception(),
        ));
    }
    if !is_service_account(&principal) {
        return Err(unknown_account(&principal));
    }
    let creator = granted.authenticated().authenticating_user().clone();
    let token = ServiceToken::generate(&principal, &name).map_err(store_error)?;
    let qualified = token.qualified_name();
    // PBKDF2 takes milliseconds: off the I/O threads.
    let doc = {
        let token = ServiceToken {
            principal: token.principal.clone(),
            name: token.name.clone(),
            secret: token.secret.clone(),
        };
        blocking(move || token_document(&token, &creator, now_ms()))
            .await?
            .map_err(store_error)?
    };
    let id = qualified.clone();
    let created = blocking(move || {
        store.transact(|t| {
            if t.get(Section::ServiceTokens, &id).is_some() {
                return false;
            }
            t.put(Section::ServiceTokens, &id, doc);
            true
        })
    })
    .await?
    .map_err(store_error)?;
    if !created {
        return Err(ApiError::from(EsException::new(
            EsErrorType::VersionConflictEngine,
            format!(
                "[service_account_token-{qualified}]: version conflict, document already exists (current version [1])"
            ),
        )));
    }
    Ok(EsJson::ok(json!({
        "created": true,
        "token": {"name": name, "value": token.encode().expose()},
    })))
}

/// `token_<20 URL-safe characters>`, as Elasticsearch names a token created without a name.
fn generated_name() -> Result<String, ApiError> {
    use base64::Engine as _;
    let mut bytes = [0u8; 15];
    ironstack_security::password::random_bytes(&mut bytes).map_err(store_error)?;
    Ok(format!(
        "token_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

fn now_ms() -> u64 {
    u64::try_from(ironstack_types::date::now_millis()).unwrap_or(0)
}

/// `DELETE /_security/service/{ns}/{service}/credential/token/{name}` → `{"found": bool}`,
/// 404 when there was none.
pub(crate) async fn delete_token(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?.clone();
    let principal = principal(&params)?;
    let name = params.required("name")?.to_string();
    if !valid_token_name(&name) {
        return Err(ApiError::from(
            RoleError::validation(&[invalid_token_name_message(&name)]).to_exception(),
        ));
    }
    let id = format!("{principal}/{name}");
    let found = blocking(move || store.transact(|t| t.delete(Section::ServiceTokens, &id)))
        .await?
        .map_err(store_error)?;
    let status = if found {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::NOT_FOUND
    };
    Ok(EsJson(status, json!({"found": found})))
}

/// `GET /_security/service/{ns}/{service}/credential`: the index tokens by name, and the
/// file tokens (`service_tokens`) under this node.
pub(crate) async fn credentials(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    let store = store(&state)?;
    let principal = principal(&params)?;
    if !is_service_account(&principal) {
        return Err(unknown_account(&principal));
    }
    let prefix = format!("{principal}/");
    let mut tokens = Map::new();
    store.for_each_doc(Section::ServiceTokens, |id, _, _| {
        if let Some(name) = id.strip_prefix(&prefix) {
            tokens.insert(name.to_string(), json!({}));
        }
    });
    let mut file_tokens = Map::new();
    if let Some(realm) = super::context::gate(&state)?.authenticator().file_realm() {
        for name in realm.service_token_names(&principal) {
            file_tokens.insert(name, json!({"nodes": [state.identity.node_name]}));
        }
    }
    Ok(EsJson::ok(json!({
        "service_account": principal,
        "count": tokens.len() + file_tokens.len(),
        "tokens": tokens,
        "nodes_credentials": {
            "_nodes": {"total": 1, "successful": 1, "failed": 0},
            "file_tokens": file_tokens,
        },
    })))
}

/// `POST /_security/service/{ns}/{service}/credential/token/{names}/_clear_cache` (`*` for
/// every token of the account).
pub(crate) async fn clear_token_cache(
    State(state): State<Arc<AppState>>,
    params: PathParams,
) -> Result<EsJson, ApiError> {
    let principal = principal(&params)?;
    let names: Vec<String> = params
        .required("name")?
        .split(',')
        .filter(|n| !n.is_empty())
        .map(|n| format!("{principal}/{n}"))
        .collect();
    super::context::gate(&state)?
        .authenticator()
        .clear_service_tokens(Some(&names));
    Ok(nodes_response(&state))
}

#[cfg(test)]
#[path = "service_account_tests.rs"]
pub(crate) mod tests;
