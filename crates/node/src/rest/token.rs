//! Bearer tokens and anonymous access on the REST layer: `POST /_security/oauth2/token`
//! (password, client_credentials and refresh_token grants), `DELETE /_security/oauth2/token`,
//! `Authorization: Bearer` in the security pipeline, the `Bearer realm="security"` challenge
//! when the token service is on, and Elasticsearch's anonymous user (requests without
//! credentials, anonymous roles added to every user's roles, `authz_exception`). Tokens
//! themselves live in `ironstack_security::token`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use ironstack_config::AuthcConfig;
use ironstack_security::api_key::ApiKeyAuthentication;
use ironstack_security::authz::authorize_with;
use ironstack_security::token::{
    ANONYMOUS_REALM, InvalidateTarget, IssuedTokens, TokenClient, TokenError, TokenService,
    TokenSettings, anonymous_authentication,
};
use ironstack_security::{Authentication, Authenticator, SecureString};
use ironstack_types::{ActionName, EsErrorType, EsException};
use serde_json::{Map, Value, json};

use super::pipeline::WWW_AUTHENTICATE;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// `POST /_security/oauth2/token` (password and client_credentials grants).
pub(crate) const TOKEN_CREATE: ActionName = ActionName("cluster:admin/xpack/security/token/create");
/// The refresh_token grant of `POST /_security/oauth2/token`.
pub(crate) const TOKEN_REFRESH: ActionName =
    ActionName("cluster:admin/xpack/security/token/refresh");
/// `DELETE /_security/oauth2/token`.
pub(crate) const TOKEN_INVALIDATE: ActionName =
    ActionName("cluster:admin/xpack/security/token/invalidate");

/// The challenge Elasticsearch adds when its token service is enabled.
const BEARER_CHALLENGE: &str = "Bearer realm=\"security\"";
/// How often expired token documents are removed (Elasticsearch's
/// `xpack.security.authc.token.delete.interval` default).
const REMOVE_INTERVAL_MS: u64 = 30 * 60 * 1000;

/// How a request was authenticated, when it was not by a realm or an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthKind {
    /// `Authorization: Bearer`.
    Token,
    /// No credentials, anonymous access enabled.
    Anonymous,
}

/// Token service and anonymous user of a node (set once at start-up in `AppState::authc`).
#[derive(Debug)]
pub(crate) struct AuthcExtras {
    tokens: Option<Arc<TokenService>>,
    anonymous: Option<Arc<Authentication>>,
    authz_exception: bool,
    last_removal: AtomicU64,
    /// Authentications with the anonymous roles added, by the realm's `Arc` (whose cached
    /// answers are shared): the per-request cost is a lookup, not a copy. Each entry holds
    /// its key `Arc`, so the address cannot be reused while it is in the map.
    with_anonymous: Mutex<HashMap<usize, WithAnonymous>>,
}

/// `(the realm's authentication, the same with the anonymous roles)`.
type WithAnonymous = (Arc<Authentication>, Arc<Authentication>);

/// Bound of [`AuthcExtras::with_anonymous`].
const WITH_ANONYMOUS_MAX: usize = 10_000;

impl AuthcExtras {
    /// From the settings; `authenticator` is `None` when security is disabled. Logs that
    /// anonymous access is on, with its roles.
    pub(crate) fn new(authenticator: Option<&Arc<Authenticator>>, config: &AuthcConfig) -> Self {
        let tokens = authenticator.map(|a| {
            Arc::new(TokenService::new(
                a.clone(),
                TokenSettings {
                    enabled: config.token.enabled,
                    timeout: config.token.timeout,
                },
            ))
        });
        let anonymous = (authenticator.is_some() && config.anonymous.enabled()).then(|| {
            tracing::info!(
                username = %config.anonymous.username,
                roles = ?config.anonymous.roles,
                authz_exception = config.anonymous.authz_exception,
                "anonymous access is enabled: requests without credentials run as [{}] with roles [{}]",
                config.anonymous.username,
                config.anonymous.roles.join(",")
            );
            Arc::new(anonymous_authentication(
                &config.anonymous.username,
                &config.anonymous.roles,
            ))
        });
        Self {
            tokens,
            anonymous,
            authz_exception: config.anonymous.authz_exception,
            last_removal: AtomicU64::new(0),
            with_anonymous: Mutex::new(HashMap::new()),
        }
    }

    /// With an explicit token service (tests inject a clock).
    #[cfg(test)]
    pub(crate) fn with_token_service(mut self, tokens: Arc<TokenService>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    fn token_enabled(&self) -> bool {
        self.tokens.as_ref().is_some_and(|t| t.enabled())
    }
}

fn extras(state: &AppState) -> Option<&AuthcExtras> {
    state.authc.get().map(|a| &**a)
}

/// Adds `Bearer realm="security"` after the Basic challenge of a 401, when the token service
/// is enabled (Elasticsearch's order: Basic, Bearer, ApiKey).
pub(crate) fn with_challenges(state: &AppState, error: ApiError) -> ApiError {
    let ApiError::Exception(mut e) = error else {
        return error;
    };
    if extras(state).is_some_and(AuthcExtras::token_enabled)
        && let Some(values) = e.headers.get_mut("WWW-Authenticate")
        && !values.iter().any(|v| v == BEARER_CHALLENGE)
    {
        let at = values
            .iter()
            .position(|v| v.starts_with("Basic"))
            .map_or(0, |i| i + 1);
        values.insert(at, BEARER_CHALLENGE.to_string());
    }
    ApiError::Exception(e)
}

fn unauthenticated(reason: &str) -> EsException {
    let mut e = EsException::with_status(EsErrorType::Security, 401, reason);
    for challenge in WWW_AUTHENTICATE {
        e = e.header("WWW-Authenticate", *challenge);
    }
    e
}

/// Elasticsearch's reason when extracted credentials (here a bearer token) fail.
const NOT_AUTHENTICATED: &str = "unable to authenticate with provided credentials and anonymous access is not allowed for this request";

fn token_failure(state: &AppState, error: &TokenError) -> ApiError {
    let e = match error {
        TokenError::Expired => unauthenticated("token expired"),
        _ => unauthenticated(NOT_AUTHENTICATED).meta(
            "additional_unsuccessful_credentials",
            TokenError::Invalid.to_string(),
        ),
    };
    with_challenges(state, ApiError::from(e))
}

/// The scheme of an `Authorization` header, and the rest.
fn scheme(header: &http::HeaderValue) -> Option<(&str, &str)> {
    let text = header.to_str().ok()?.trim();
    Some(text.split_once(' ').unwrap_or((text, "")))
}

/// The pipeline's authentication step around the realm chain: `Bearer` credentials are
/// validated here; anything else goes to `realms` (PKI, Basic, ApiKey) and, when that finds
/// no credentials at all, falls back to the anonymous user as Elasticsearch does (never after
/// wrong credentials, a `Bearer` or an `ApiKey`). Successful non-API-key authentications get
/// the anonymous roles added. 401s get the `Bearer` challenge when tokens are on.
pub(crate) async fn authenticate(
    state: &AppState,
    header: Option<&http::HeaderValue>,
    realms: impl Future<
        Output = Result<(Arc<Authentication>, Option<Arc<ApiKeyAuthentication>>), ApiError>,
    >,
) -> (
    Result<(Arc<Authentication>, Option<Arc<ApiKeyAuthentication>>), ApiError>,
    Option<AuthKind>,
) {
    let parsed = header.and_then(scheme);
    if let Some((s, token)) = parsed
        && s.eq_ignore_ascii_case("bearer")
    {
        let result = match extras(state).and_then(|x| x.tokens.as_ref()) {
            Some(tokens) => tokens.authenticate(token.trim()),
            None => Err(TokenError::Invalid),
        };
        let result = match result {
            Ok(auth) => Ok((with_anonymous_roles(state, auth), None)),
            Err(e) => Err(token_failure(state, &e)),
        };
        return (result, Some(AuthKind::Token));
    }
    match realms.await {
        Ok((auth, key)) => {
            let auth = if key.is_some() {
                auth
            } else {
                with_anonymous_roles(state, auth)
            };
            (Ok((auth, key)), None)
        }
        Err(e) => {
            let no_credentials = match parsed {
                None => header.is_none(),
                Some((s, _)) => !["basic", "apikey", "bearer"]
                    .iter()
                    .any(|k| s.eq_ignore_ascii_case(k)),
            };
            match extras(state).and_then(|x| x.anonymous.clone()) {
                Some(anonymous) if no_credentials => {
                    (Ok((anonymous, None)), Some(AuthKind::Anonymous))
                }
                _ => (Err(with_challenges(state, e)), None),
            }
        }
    }
}

/// Elasticsearch gives every authenticated user (not API keys) the anonymous roles too.
fn with_anonymous_roles(state: &AppState, auth: Arc<Authentication>) -> Arc<Authentication> {
    let Some(x) = extras(state) else {
        return auth;
    };
    let Some(anonymous) = x.anonymous.as_ref() else {
        return auth;
    };
    if auth.realm == ANONYMOUS_REALM || anonymous.roles.iter().all(|r| auth.roles.contains(r)) {
        return auth;
    }
    let key = Arc::as_ptr(&auth) as usize;
    let mut cache = x.with_anonymous.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((original, with)) = cache.get(&key)
        && Arc::ptr_eq(original, &auth)
    {
        return with.clone();
    }
    let mut with = (*auth).clone();
    for role in &anonymous.roles {
        if !with.roles.contains(role) {
            with.roles.push(role.clone());
        }
    }
    let with = Arc::new(with);
    if cache.len() >= WITH_ANONYMOUS_MAX {
        cache.clear();
    }
    cache.insert(key, (auth, with.clone()));
    with
}

/// The answer to a denied request: Elasticsearch's 403, or for the anonymous user with
/// `authz_exception: false` a 401 asking for credentials.
pub(crate) fn forbidden(
    state: &AppState,
    auth: &Authentication,
    action: ActionName,
    reason: String,
) -> ApiError {
    if auth.realm == ANONYMOUS_REALM && extras(state).is_some_and(|x| !x.authz_exception) {
        let e = unauthenticated(&format!(
            "action [{}] requires authentication",
            action.as_str()
        ));
        return with_challenges(state, ApiError::from(e));
    }
    ApiError::from(EsException::with_status(EsErrorType::Security, 403, reason))
}

type Caller = Option<Extension<Arc<Authentication>>>;
type KeyCaller = Option<Extension<Arc<ApiKeyAuthentication>>>;

fn service(state: &AppState) -> Result<&Arc<TokenService>, ApiError> {
    // Start-up always configures the extras; a state built without them (in-process tests)
    // gets Elasticsearch's defaults with the token service on.
    let extras = state.authc.get_or_init(|| {
        let mut config = AuthcConfig::default();
        config.token.enabled = true;
        Arc::new(AuthcExtras::new(state.authenticator.as_ref(), &config))
    });
    let tokens = extras
        .tokens
        .as_ref()
        .ok_or_else(super::security::security_disabled)?;
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

fn token_error(state: &AppState, e: TokenError) -> ApiError {
    match e {
        TokenError::Disabled => disabled_error(),
        TokenError::Store(m) => {
            ApiError::internal(format!("failed to update the security store: {m}"))
        }
        TokenError::InvalidGrant(_) | TokenError::Expired | TokenError::Invalid => {
            token_failure(state, &e)
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

fn parse_object(body: &Bytes, parser: &str) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::from(EsException::new(
            EsErrorType::Parse,
            "request body is required",
        )));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::from(EsException::new(
            EsErrorType::XContentParse,
            format!("[{}:{}] {e}", e.line(), e.column()),
        ))
    })?;
    match value {
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

fn token_response(issued: &IssuedTokens, scope: Option<&str>, authentication_type: &str) -> EsJson {
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
    body.insert(
        "authentication".into(),
        super::handlers::authentication_json(&issued.authentication, authentication_type),
    );
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

fn maybe_remove_expired(state: &AppState, tokens: &Arc<TokenService>) {
    let Some(x) = extras(state) else { return };
    let now = ironstack_security::api_key::now_ms();
    let last = x.last_removal.load(Ordering::Relaxed);
    if now.saturating_sub(last) < REMOVE_INTERVAL_MS
        || x.last_removal
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

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("token task failed: {e}")))
}

/// `POST /_security/oauth2/token`.
pub(crate) async fn create_token(
    State(state): State<Arc<AppState>>,
    auth: Caller,
    key: KeyCaller,
    kind: Option<Extension<AuthKind>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
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
    let caller = auth.map(|Extension(a)| a);
    // The client of this request owns the refresh token (Elasticsearch's `TokenService`).
    let key_id = key.as_ref().map(|Extension(k)| k.id.clone());
    let issued = match grant.unwrap_or_default() {
        "password" => {
            let client = caller.clone().ok_or_else(|| {
                ApiError::illegal_argument("no authenticated user for this request")
            })?;
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
                let e = unauthenticated(&format!(
                    "unable to authenticate user [{username}] for action [{}]",
                    TOKEN_CREATE.as_str()
                ));
                return Err(with_challenges(&state, ApiError::from(e)));
            };
            let t = tokens.clone();
            let issued = blocking(move || {
                let client = TokenClient {
                    user: &client,
                    api_key_id: key_id.as_deref(),
                };
                t.create_token_for_client(user, client, true)
            })
            .await?;
            (issued.map_err(|e| token_error(&state, e))?, "realm")
        }
        "client_credentials" => {
            if key.is_some() {
                return Err(ApiError::illegal_argument(
                    "OAuth2 token creation is not supported for API keys",
                ));
            }
            let caller = caller.ok_or_else(|| {
                ApiError::illegal_argument("no authenticated user for this request")
            })?;
            let caller = strip_anonymous_roles(&state, caller);
            let t = tokens.clone();
            let issued = blocking(move || t.create_token(caller, false)).await?;
            let how = match kind {
                Some(Extension(AuthKind::Token)) => "token",
                Some(Extension(AuthKind::Anonymous)) => "anonymous",
                None => "realm",
            };
            (issued.map_err(|e| token_error(&state, e))?, how)
        }
        "refresh_token" => {
            let caller = caller.ok_or_else(|| {
                ApiError::illegal_argument("no authenticated user for this request")
            })?;
            // The route authorized token/create; the refresh grant is its own action.
            let store = tokens.authenticator().store().clone();
            if let Err(denied) = authorize_with(Some(&store), &caller, TOKEN_REFRESH, false) {
                return Err(forbidden(
                    &state,
                    &caller,
                    TOKEN_REFRESH,
                    denied.to_string(),
                ));
            }
            let refresh = SecureString::new(text("refresh_token"));
            let t = tokens.clone();
            let client = strip_anonymous_roles(&state, caller);
            let refreshed = blocking(move || {
                let client = TokenClient {
                    user: &client,
                    api_key_id: key_id.as_deref(),
                };
                t.refresh(&refresh, client)
            });
            match refreshed.await? {
                Ok(issued) => (issued, "token"),
                Err(TokenError::InvalidGrant(description)) => {
                    return Ok(oauth_error("invalid_grant", &description));
                }
                Err(e) => return Err(token_error(&state, e)),
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
    maybe_remove_expired(&state, &tokens);
    Ok(token_response(&issued.0, scope, issued.1))
}

/// Tokens remember the user's own roles; the anonymous roles are added at each use.
fn strip_anonymous_roles(state: &AppState, auth: Arc<Authentication>) -> Arc<Authentication> {
    let Some(anonymous) = extras(state).and_then(|x| x.anonymous.as_ref()) else {
        return auth;
    };
    if !auth.roles.iter().any(|r| anonymous.roles.contains(r)) {
        return auth;
    }
    // Only the tail the pipeline appended: a role the user holds itself stays.
    let own = match auth.realm.realm_type {
        "native" => tokens_own_roles(state, &auth.username),
        _ => None,
    };
    let mut a = (*auth).clone();
    a.roles
        .retain(|r| !anonymous.roles.contains(r) || own.as_ref().is_some_and(|o| o.contains(r)));
    Arc::new(a)
}

fn tokens_own_roles(state: &AppState, username: &str) -> Option<Vec<String>> {
    state
        .authenticator
        .as_ref()?
        .store()
        .user(username)
        .map(|u| u.roles)
}

/// `DELETE /_security/oauth2/token`.
pub(crate) async fn invalidate_token(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
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
        .map_err(|e| token_error(&state, e))?;
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
