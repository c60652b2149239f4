//! Bearer tokens on the REST layer: `POST /_security/oauth2/token` (password,
//! client_credentials and refresh_token grants) and `DELETE /_security/oauth2/token`. The
//! tokens themselves, and the validation of `Authorization: Bearer`, live in
//! `ironstack_security::token` and the security gate.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use ironstack_security::Authentication;
use ironstack_security::SecureString;
use ironstack_security::gate::{AuthKind, Gate};
use ironstack_security::token::{
    InvalidateTarget, IssuedTokens, TokenClient, TokenError, TokenService,
};
use ironstack_types::{ActionName, EsErrorType, EsException, action};
use serde_json::{Map, Value, json};

use super::body;
use super::context::{blocking, gate};
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// How often expired token documents are removed (Elasticsearch's
/// `xpack.security.authc.token.delete.interval` default).
const REMOVE_INTERVAL_MS: u64 = 30 * 60 * 1000;

/// When expired tokens were last removed (epoch ms).
static LAST_REMOVAL: AtomicU64 = AtomicU64::new(0);

/// The token service, or Elasticsearch's 400 when it is switched off.
fn service(state: &AppState) -> Result<&Arc<TokenService>, ApiError> {
    let tokens = gate(state)?.tokens();
    if tokens.enabled() {
        Ok(tokens)
    } else {
        Err(disabled_error())
    }
}

fn disabled_error() -> ApiError {
    ApiError::from(
        EsException::with_status(
            EsErrorType::FeatureNotEnabled,
            400,
            "security tokens are not enabled",
        )
        .meta("disabled.feature", "security_tokens"),
    )
}

/// Elasticsearch's reason when sent credentials fail.
const NOT_AUTHENTICATED: &str = "unable to authenticate with provided credentials and anonymous access is not allowed for this request";

fn token_error(gate: &Gate, e: TokenError) -> ApiError {
    match e {
        TokenError::Disabled => disabled_error(),
        TokenError::Store(m) => {
            ApiError::internal(format!("failed to update the security store: {m}"))
        }
        TokenError::Expired => ApiError::from(gate.unauthenticated("token expired")),
        TokenError::InvalidGrant(_) | TokenError::Invalid => {
            ApiError::from(gate.unauthenticated(NOT_AUTHENTICATED).meta(
                "additional_unsuccessful_credentials",
                TokenError::Invalid.to_string(),
            ))
        }
    }
}

/// OAuth2's error body (RFC 6749 §5.2), which Elasticsearch sends with status 400.
fn oauth_error(error: &str, description: &str) -> EsJson {
    EsJson(
        StatusCode::BAD_REQUEST,
        json!({"error": error, "error_description": description}),
    )
}

/// The action of a `POST /_security/oauth2/token` request: the refresh grant is its own
/// action (`cluster:admin/xpack/security/token/refresh`), which the gate authorizes.
pub(crate) fn create_action(body: &Bytes) -> ActionName {
    match super::body::json(body) {
        Ok(Some(Value::Object(m)))
            if m.get("grant_type").and_then(Value::as_str) == Some("refresh_token") =>
        {
            action::TOKEN_REFRESH
        }
        _ => action::TOKEN_CREATE,
    }
}

fn parse_object(body: &Bytes, parser: &str) -> Result<Map<String, Value>, ApiError> {
    match body::required_json(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::from(EsException::new(
            EsErrorType::XContentParse,
            format!("[{parser}] Expected START_OBJECT"),
        ))),
    }
}

/// String fields of `map` among `known`; anything else is Elasticsearch's parser error.
fn string_fields(
    map: &Map<String, Value>,
    parser: &str,
    known: &[&str],
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (k, v) in map {
        if !known.contains(&k.as_str()) {
            return Err(ApiError::from(EsException::new(
                EsErrorType::XContentParse,
                format!("[{parser}] unknown field [{k}]"),
            )));
        }
        match v {
            Value::Null => {}
            Value::String(_) => {
                out.insert(k.clone(), v.clone());
            }
            _ => {
                return Err(ApiError::from(EsException::new(
                    EsErrorType::XContentParse,
                    format!(
                        "[{parser}] {k} doesn't support values of type: {}",
                        ironstack_security::rbac::json_token_name(v)
                    ),
                )));
            }
        }
    }
    Ok(out)
}

fn token_response(issued: &IssuedTokens, scope: Option<&str>, authentication: Value) -> EsJson {
    let mut body = Map::new();
    body.insert("access_token".into(), issued.access_token.expose().into());
    body.insert("type".into(), "Bearer".into());
    body.insert("expires_in".into(), issued.expires_in.into());
    if let Some(scope) = scope {
        body.insert("scope".into(), scope.into());
    }
    if let Some(refresh) = &issued.refresh_token {
        body.insert("refresh_token".into(), refresh.expose().into());
    }
    body.insert("authentication".into(), authentication);
    EsJson::ok(Value::Object(body))
}

const GRANT_TYPES: &str = "password, _kerberos, refresh_token, client_credentials";

/// `CreateTokenRequest.validate()`: the problems, in Elasticsearch's order.
fn validate_grant(grant: Option<&str>, fields: &Map<String, Value>) -> Vec<String> {
    let has = |k: &str| fields.get(k).and_then(Value::as_str).is_some();
    let filled = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let mut errors = Vec::new();
    let (unsupported, required): (&[&str], &[&str]) = match grant {
        Some("password") => (
            &["kerberos_ticket", "refresh_token"],
            &["username", "password"],
        ),
        Some("_kerberos") => (
            &["username", "password", "refresh_token"],
            &["kerberos_ticket"],
        ),
        Some("refresh_token") => (
            &["username", "password", "kerberos_ticket"],
            &["refresh_token"],
        ),
        Some("client_credentials") => (
            &["username", "password", "kerberos_ticket", "refresh_token"],
            &[],
        ),
        _ => {
            errors.push(format!(
                "grant_type only supports the values: [{GRANT_TYPES}]"
            ));
            return errors;
        }
    };
    let grant = grant.unwrap_or_default();
    for field in unsupported {
        if has(field) {
            errors.push(format!(
                "{field} is not supported with the {grant} grant_type"
            ));
        }
    }
    for field in required {
        if !filled(field) {
            errors.push(format!("{field} is missing"));
        }
    }
    errors
}

fn validation_message(errors: &[String]) -> String {
    let mut m = String::from("Validation Failed: ");
    for (i, e) in errors.iter().enumerate() {
        m.push_str(&format!("{}: {e};", i + 1));
    }
    m
}

fn maybe_remove_expired(tokens: &Arc<TokenService>) {
    let now = ironstack_security::api_key::now_ms();
    let last = LAST_REMOVAL.load(Ordering::Relaxed);
    if now.saturating_sub(last) < REMOVE_INTERVAL_MS
        || LAST_REMOVAL
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    let tokens = tokens.clone();
    tokio::task::spawn_blocking(move || match tokens.remove_expired() {
        Ok(n) if n > 0 => tracing::debug!(removed = n, "removed expired token documents"),
        Ok(_) => {}
        Err(e) => tracing::warn!("cannot remove expired tokens: {e}"),
    });
}

/// `POST /_security/oauth2/token`.
pub(crate) async fn create_token(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let gate = gate(&state)?.clone();
    let tokens = service(&state)?.clone();
    let map = parse_object(&body, "token_request")?;
    let fields = string_fields(
        &map,
        "token_request",
        &[
            "grant_type",
            "username",
            "password",
            "kerberos_ticket",
            "scope",
            "refresh_token",
        ],
    )?;
    let grant = fields.get("grant_type").and_then(Value::as_str);
    let errors = validate_grant(grant, &fields);
    if !errors.is_empty() {
        let error = if errors.iter().any(|e| e.contains("grant_type")) {
            "unsupported_grant_type"
        } else {
            "invalid_request"
        };
        return Ok(oauth_error(error, &validation_message(&errors)));
    }
    let text = |k: &str| fields.get(k).and_then(Value::as_str).unwrap_or_default();
    let scope = fields.get("scope").and_then(Value::as_str);
    let caller = granted.user().clone();
    // The client of this request owns the refresh token (Elasticsearch's `TokenService`).
    let key_id = granted.api_key().map(|k| k.id.clone());
    let (issued, how) = match grant.unwrap_or_default() {
        "password" => {
            let username = text("username").to_string();
            let password = SecureString::new(text("password"));
            let authenticator = tokens.authenticator().clone();
            let u = username.clone();
            let authenticated = match authenticator.authenticate_cached(&u, &password) {
                Some(a) => Ok(a),
                // bcrypt: off the I/O threads.
                None => blocking(move || authenticator.authenticate(&u, &password)).await?,
            };
            let Ok(user) = authenticated else {
                return Err(ApiError::from(gate.unauthenticated(format!(
                    "unable to authenticate user [{username}] for action [{}]",
                    action::TOKEN_CREATE.as_str()
                ))));
            };
            let t = tokens.clone();
            let client = caller.clone();
            let issued = blocking(move || {
                let client = TokenClient {
                    user: &client,
                    api_key_id: key_id.as_deref(),
                };
                t.create_token_for_client(user, client, true)
            })
            .await?;
            (issued.map_err(|e| token_error(&gate, e))?, AuthKind::Realm)
        }
        "client_credentials" => {
            if granted.api_key().is_some() {
                return Err(ApiError::illegal_argument(
                    "OAuth2 token creation is not supported for API keys",
                ));
            }
            let caller = strip_anonymous_roles(&gate, caller);
            let t = tokens.clone();
            let issued = blocking(move || t.create_token(caller, false)).await?;
            let how = granted.authenticated().kind();
            (issued.map_err(|e| token_error(&gate, e))?, how)
        }
        "refresh_token" => {
            // The gate authorized this request as `token/refresh` (see `create_action`).
            let refresh = SecureString::new(text("refresh_token"));
            let t = tokens.clone();
            let client = strip_anonymous_roles(&gate, caller);
            let refreshed = blocking(move || {
                let client = TokenClient {
                    user: &client,
                    api_key_id: key_id.as_deref(),
                };
                t.refresh(&refresh, client)
            });
            match refreshed.await? {
                Ok(issued) => (issued, AuthKind::Token),
                Err(TokenError::InvalidGrant(description)) => {
                    return Ok(oauth_error("invalid_grant", &description));
                }
                Err(e) => return Err(token_error(&gate, e)),
            }
        }
        // Validation passed: a `_kerberos` grant with a ticket, and no Kerberos realm.
        _ => {
            return Ok(oauth_error(
                "unsupported_grant_type",
                "grant_type [_kerberos] is not supported: no kerberos realm is configured",
            ));
        }
    };
    maybe_remove_expired(&tokens);
    let authentication = authentication_of(&issued.authentication, how);
    Ok(token_response(&issued, scope, authentication))
}

/// The `authentication` object of a token response: the token's user, authenticated `how`.
fn authentication_of(user: &Authentication, how: AuthKind) -> Value {
    let realm = json!({"name": user.realm.name, "type": user.realm.realm_type});
    json!({
        "username": user.username,
        "roles": user.roles,
        "full_name": user.full_name,
        "email": user.email,
        "metadata": user.metadata,
        "enabled": true,
        "authentication_realm": realm,
        "lookup_realm": realm,
        "authentication_type": how.name(),
    })
}

/// Tokens remember the user's own roles; the anonymous roles are added at each use.
fn strip_anonymous_roles(gate: &Gate, auth: Arc<Authentication>) -> Arc<Authentication> {
    let Some(anonymous) = gate.anonymous_user() else {
        return auth;
    };
    if !auth.roles.iter().any(|r| anonymous.roles.contains(r)) {
        return auth;
    }
    // Only the tail the gate appended: a role the user holds itself stays.
    let own = match auth.realm.realm_type {
        "native" => gate
            .authenticator()
            .store()
            .user(&auth.username)
            .map(|u| u.roles),
        _ => None,
    };
    let mut a = (*auth).clone();
    a.roles
        .retain(|r| !anonymous.roles.contains(r) || own.as_ref().is_some_and(|o| o.contains(r)));
    Arc::new(a)
}

/// `DELETE /_security/oauth2/token`.
pub(crate) async fn invalidate_token(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let gate = gate(&state)?.clone();
    let tokens = service(&state)?.clone();
    let map = parse_object(&body, "invalidate_token")?;
    let fields = string_fields(
        &map,
        "invalidate_token",
        &["token", "refresh_token", "realm_name", "username"],
    )?;
    let get = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (token, refresh) = (get("token"), get("refresh_token"));
    if token.is_some() && refresh.is_some() {
        return Err(ApiError::illegal_argument(
            "only one of [token, refresh_token] may be sent per request",
        ));
    }
    let (realm, username) = (get("realm_name"), get("username"));
    let mut errors = Vec::new();
    let target = if realm.is_some() || username.is_some() {
        if token.is_some() || refresh.is_some() {
            errors.push(
                "token string must not be provided when realm name or username is specified"
                    .to_string(),
            );
            errors.push(
                "token type must not be provided when realm name or username is specified"
                    .to_string(),
            );
        }
        InvalidateTarget::Owner { realm, username }
    } else if let Some(t) = token {
        InvalidateTarget::AccessToken(SecureString::new(t))
    } else if let Some(t) = refresh {
        InvalidateTarget::RefreshToken(SecureString::new(t))
    } else {
        errors.push(
            "token string must be provided when not specifying a realm name or a username"
                .to_string(),
        );
        InvalidateTarget::Owner {
            realm: None,
            username: None,
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::from(EsException::new(
            EsErrorType::ActionRequestValidation,
            validation_message(&errors),
        )));
    }
    let result = blocking(move || tokens.invalidate(&target))
        .await?
        .map_err(|e| token_error(&gate, e))?;
    let mut body = json!({
        "invalidated_tokens": result.invalidated,
        "previously_invalidated_tokens": result.previously_invalidated,
        "error_count": result.errors.len(),
    });
    if !result.errors.is_empty() {
        body["error_details"] = result
            .errors
            .iter()
            .map(|reason| json!({"type": "exception", "reason": reason}))
            .collect();
    }
    let status = if result.not_found {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    Ok(EsJson(status, body))
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
