//! The console's routes: Kibana's platform rules (readiness gate, `kbn-xsrf`, Boom errors,
//! security headers and CSP, redirect-or-401), login, logout and `/api/status`, the Security
//! pages, their internal APIs and the public `/api/security/role`. Every call to the node made
//! for a user carries that user's credentials; only the version check uses the console's own.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, OriginalUri, Path, Query, Request, State};

use crate::authz::{self, Ctx};
use axum::middleware::{self, Next};
use axum::response::{Html as HtmlBody, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use ironstack_tls::Secret;
use serde_json::{Value, json};

use crate::config::{ConsoleConfig, ProviderType};
use crate::node_client::{NodeClient, NodeResponse};
use crate::pages;
use crate::session::{COOKIE_NAME, Lookup, Session, Sessions, now_millis};

/// Kibana's `server.maxPayload`.
const MAX_PAYLOAD: usize = 1_048_576;

/// The users Kibana refuses at login: service users with no application privileges.
const SYSTEM_USERS: &[&str] = &[
    "kibana_system",
    "kibana",
    "logstash_system",
    "beats_system",
    "apm_system",
    "remote_monitoring_user",
];

const CSP: &str = "script-src 'report-sample' 'self'; worker-src 'report-sample' 'self' blob:; style-src 'report-sample' 'self' 'unsafe-inline'; object-src 'report-sample' 'none'; form-action 'report-sample' 'self'; frame-ancestors 'self'";

/// Everything the handlers share.
pub(crate) struct App {
    /// The validated configuration.
    pub(crate) config: ConsoleConfig,
    /// The client towards the node.
    pub(crate) node: Arc<NodeClient>,
    /// The session store.
    pub(crate) sessions: Sessions,
    /// The console's own `Authorization` header (kibana_system or its service token).
    pub(crate) internal_authorization: Option<Secret>,
    /// Set once the start-up checks against the node passed.
    pub(crate) ready: AtomicBool,
    /// Whether the cookie gets `Secure` (forced when `server.ssl.enabled`).
    pub(crate) secure_cookies: bool,
    /// Stack Monitoring's rule state (evaluated every minute).
    pub(crate) alerts: crate::monitoring::rules::Alerts,
}

impl App {
    fn base(&self) -> &str {
        &self.config.base_path
    }
}

type Shared = Arc<App>;

/// Every route: its path (under basePath and `/s/<id>`), the methods it answers, and the
/// handlers. What each needs is [`Access::of`]; a test checks that none is missing there.
#[cfg(test)]
pub(crate) fn route_table() -> Vec<(&'static str, Vec<&'static Method>)> {
    routes().into_iter().map(|(p, m, _)| (p, m)).collect()
}

type Route = (&'static str, Vec<&'static Method>, MethodRouter<Shared>);

fn routes() -> Vec<Route> {
    use crate::management as m;
    use crate::monitoring as mon;
    const G: &Method = &Method::GET;
    const P: &Method = &Method::POST;
    const U: &Method = &Method::PUT;
    const D: &Method = &Method::DELETE;
    vec![
        ("/", vec![G], get(home)),
        ("/app/management", vec![G], get(home)),
        ("/login", vec![G], get(login_page)),
        ("/internal/security/login_state", vec![G], get(login_state)),
        ("/internal/security/login", vec![P], post(login)),
        ("/internal/security/me", vec![G], get(me)),
        ("/api/security/logout", vec![G], get(logout)),
        ("/api/status", vec![G], get(status)),
        ("/app/management/security/users", vec![G], get(users_page)),
        (
            "/app/management/security/users/create",
            vec![G],
            get(user_create_page),
        ),
        (
            "/app/management/security/users/edit/{name}",
            vec![G],
            get(user_edit_page),
        ),
        ("/app/management/security/roles", vec![G], get(roles_page)),
        (
            "/app/management/stack/certificates",
            vec![G],
            get(certificates_page),
        ),
        (
            "/app/management/security/roles/create",
            vec![G],
            get(role_create_page),
        ),
        (
            "/app/management/security/roles/edit/{name}",
            vec![G],
            get(role_edit_page),
        ),
        (
            "/internal/security/users/{name}",
            vec![P, D],
            post(user_save).delete(user_delete),
        ),
        (
            "/internal/security/users/{name}/password",
            vec![P],
            post(user_password),
        ),
        (
            "/internal/security/users/{name}/{action}",
            vec![P],
            post(user_enable),
        ),
        (
            "/internal/security/roles/{name}",
            vec![P, D],
            post(role_save).delete(role_delete_internal),
        ),
        ("/api/security/role", vec![G], get(api_roles)),
        (
            "/api/security/role/{name}",
            vec![G, U, D],
            get(api_role_get).put(api_role_put).delete(api_role_delete),
        ),
        (
            "/api/spaces/space",
            vec![G, P],
            get(m::spaces_list).post(m::space_create),
        ),
        (
            "/api/spaces/space/{id}",
            vec![G, U, D],
            get(m::space_get)
                .put(m::space_update)
                .delete(m::space_delete),
        ),
        (
            "/app/management/kibana/spaces",
            vec![G],
            get(m::spaces_page),
        ),
        (
            "/app/management/kibana/spaces/create",
            vec![G],
            get(m::space_create_page),
        ),
        (
            "/app/management/kibana/spaces/edit/{id}",
            vec![G],
            get(m::space_edit_page),
        ),
        (
            "/internal/spaces/space",
            vec![P],
            post(m::space_form_create),
        ),
        (
            "/internal/spaces/space/{id}",
            vec![P, D],
            post(m::space_form_update).delete(m::space_delete),
        ),
        ("/app/discover", vec![G], get(m::discover_page)),
        ("/app/dashboards", vec![G], get(m::dashboards_page)),
        ("/app/monitoring", vec![G], get(mon::overview)),
        (
            "/app/monitoring/elasticsearch/nodes",
            vec![G],
            get(mon::nodes),
        ),
        (
            "/app/monitoring/elasticsearch/nodes/{id}",
            vec![G],
            get(mon::node),
        ),
        (
            "/app/monitoring/elasticsearch/indices",
            vec![G],
            get(mon::indices),
        ),
        (
            "/app/monitoring/elasticsearch/indices/{name}",
            vec![G],
            get(mon::index),
        ),
        ("/app/monitoring/beats", vec![G], get(mon::beats)),
        ("/app/monitoring/beats/beats", vec![G], get(mon::beats_list)),
        ("/app/monitoring/beats/beat/{uuid}", vec![G], get(mon::beat)),
        (
            "/app/management/security/api_keys",
            vec![G],
            get(m::api_keys_page),
        ),
        (
            "/internal/security/api_key",
            vec![P],
            post(m::api_key_create),
        ),
        (
            "/internal/security/api_key/invalidate",
            vec![P],
            post(m::api_key_invalidate),
        ),
        (
            "/app/management/security/role_mappings",
            vec![G],
            get(m::role_mappings_page),
        ),
        (
            "/app/management/security/role_mappings/create",
            vec![G],
            get(m::role_mapping_create_page),
        ),
        (
            "/app/management/security/role_mappings/edit/{name}",
            vec![G],
            get(m::role_mapping_edit_page),
        ),
        (
            "/internal/security/role_mapping/{name}",
            vec![P, D],
            post(m::role_mapping_save).delete(m::role_mapping_delete),
        ),
        ("/ui/console.js", vec![G], get(script)),
        ("/ui/console.css", vec![G], get(stylesheet)),
    ]
}

/// The application router (mounted under `server.basePath`, also under `/s/<space>`).
pub(crate) fn router(app: Shared) -> Router {
    let mut inner = Router::new();
    for (path, _, handler) in routes() {
        inner = inner.route(path, handler);
    }
    let inner = inner
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            authz::authorize,
        ))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), platform))
        .layer(DefaultBodyLimit::max(MAX_PAYLOAD))
        .with_state(app.clone());
    let based = if app.config.base_path.is_empty() {
        inner
    } else {
        Router::new()
            .nest(&app.config.base_path, inner)
            .fallback(not_found)
    };
    // The space prefix is stripped before routing: an outer router whose only route is the
    // inner one, behind the rewriting middleware.
    Router::new()
        .fallback_service(based)
        .layer(middleware::from_fn_with_state(app, authz::space_prefix))
        .layer(middleware::from_fn(security_headers))
}

/// Kibana's Boom envelope.
pub(crate) fn boom(status: StatusCode, message: &str) -> Response {
    let error = status.canonical_reason().unwrap_or("Error");
    let body = json!({"statusCode": status.as_u16(), "error": error, "message": message});
    (status, axum::Json(body)).into_response()
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "referrer-policy",
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(
            "camera=(), display-capture=(), fullscreen=(self), geolocation=(), microphone=(), web-share=()",
        ),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache, no-store, must-revalidate"),
        );
    }
    response
}

/// The readiness gate, then the XSRF rule.
async fn platform(State(app): State<Shared>, request: Request, next: Next) -> Response {
    if !app.ready.load(Ordering::Acquire) {
        return boom(
            StatusCode::SERVICE_UNAVAILABLE,
            "Kibana server is not ready yet",
        );
    }
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe
        && !request.headers().contains_key("kbn-xsrf")
        && !request.headers().contains_key("kbn-version")
    {
        return boom(
            StatusCode::BAD_REQUEST,
            "Request must contain a kbn-xsrf header.",
        );
    }
    let response = next.run(request).await;
    as_boom(response).await
}

/// Framework rejections (bad path encoding, wrong method, body too large, …) come as plain
/// text or empty bodies: Kibana answers every error in the Boom envelope.
async fn as_boom(response: Response) -> Response {
    let status = response.status();
    if status.as_u16() < 400 {
        return response;
    }
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if kind.starts_with("application/json") || kind.starts_with("text/html") {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let text = match axum::body::to_bytes(response.into_body(), 4096).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    let mut out = boom(status, &message);
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

async fn not_found() -> Response {
    boom(StatusCode::NOT_FOUND, "Not Found")
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("assets/console.js"),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("assets/console.css"),
    )
        .into_response()
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
pub(crate) fn encode_segment(text: &str) -> String {
    // `.` and `..` would be resolved as path steps by whoever normalises the path.
    if text == "." || text == ".." {
        return text.replace('.', "%2E");
    }
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` and `+` (query strings); invalid escapes are kept as text.
pub(crate) fn decode_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push(high * 16 + low);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The single `sid` cookie of a request; several different ones mean none (Kibana).
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    let mut found: Option<String> = None;
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((name, value)) = pair.trim().split_once('=')
                && name == COOKIE_NAME
            {
                match &found {
                    Some(existing) if existing != value => return None,
                    _ => found = Some(value.to_string()),
                }
            }
        }
    }
    found
}

fn set_cookie(app: &App, value: &str) -> HeaderValue {
    let path = if app.base().is_empty() {
        "/"
    } else {
        app.base()
    };
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{COOKIE_NAME}={value}; Path={path}; HttpOnly{secure}; SameSite=Strict");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("sid=; Max-Age=0"))
}

fn clear_cookie(app: &App) -> HeaderValue {
    let path = if app.base().is_empty() {
        "/"
    } else {
        app.base()
    };
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE_NAME}=; Path={path}; HttpOnly{secure}; SameSite=Strict; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("sid=; Max-Age=0"))
}

pub(crate) fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// Who is calling: from the session cookie, or (API clients) from an `Authorization` header.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) username: String,
    pub(crate) authorization: Secret,
    pub(crate) cookie: Option<String>,
    /// The session's provider (`None` for HTTP authentication).
    pub(crate) provider: Option<(ProviderType, String)>,
}

/// Access tokens are refreshed this long before they expire.
const TOKEN_REFRESH_MARGIN_MS: u64 = 60_000;

/// A token pair from `_security/oauth2/token` (password or refresh_token grant) as a session.
fn token_session(app: &App, username: &str, answer: &Value) -> Option<Session> {
    let access = answer["access_token"].as_str()?;
    let expires_in = answer["expires_in"].as_u64().unwrap_or(1200);
    Some(Session {
        username: username.to_string(),
        provider: ProviderType::Token,
        provider_name: app.config.provider.1.clone(),
        authorization: Secret::new(format!("Bearer {access}")),
        refresh_token: answer["refresh_token"].as_str().map(Secret::new),
        access_expires_at: Some(now_millis().saturating_add(expires_in.saturating_mul(1000))),
    })
}

/// Refreshes a token session as the console's own user (Kibana's token provider); `None`
/// when the refresh token is no longer accepted.
async fn refresh(app: &App, cookie: &str, session: Session) -> Option<Session> {
    let internal = app.internal_authorization.as_ref()?;
    let refresh_token = session.refresh_token.as_ref()?;
    let body = json!({"grant_type": "refresh_token", "refresh_token": refresh_token.expose()});
    let answer = app
        .node
        .request(
            Method::POST,
            "/_security/oauth2/token",
            Some(internal),
            Some(&body),
        )
        .await
        .ok()?;
    if !answer.ok() {
        tracing::info!(
            "token refresh for [{}] refused: {}",
            session.username,
            answer.reason()
        );
        return None;
    }
    let renewed = token_session(app, &session.username, &answer.body)?;
    tracing::info!("access token of [{}] refreshed", session.username);
    if let Err(e) = app.sessions.replace(cookie, &renewed).await {
        tracing::warn!("cannot store refreshed tokens: {e}");
    }
    Some(renewed)
}

/// Invalidates a token session's tokens on the node (Kibana's token provider at logout).
async fn invalidate_tokens(app: &App, session: &Session) {
    let Some(internal) = &app.internal_authorization else {
        return;
    };
    let access = session
        .authorization
        .expose()
        .strip_prefix("Bearer ")
        .unwrap_or("")
        .to_string();
    let mut bodies = vec![json!({"token": access})];
    if let Some(refresh) = &session.refresh_token {
        bodies.push(json!({"refresh_token": refresh.expose()}));
    }
    for body in bodies {
        match app
            .node
            .request(
                Method::DELETE,
                "/_security/oauth2/token",
                Some(internal),
                Some(&body),
            )
            .await
        {
            Ok(a) if a.ok() => tracing::info!(
                "tokens invalidated at logout: {}",
                a.body["invalidated_tokens"]
            ),
            Ok(a) => tracing::warn!("token invalidation failed: {}", a.reason()),
            Err(e) => tracing::warn!("token invalidation failed: {e}"),
        }
    }
}

fn redirectable(path: &str, headers: &HeaderMap) -> bool {
    let api = path.contains("/api/") || path.contains("/internal/");
    let xhr = headers.contains_key("kbn-xsrf") || headers.contains_key("kbn-version");
    !api && !xhr
}

pub(crate) async fn caller(
    app: &App,
    headers: &HeaderMap,
    uri: &http::Uri,
) -> Result<Caller, Response> {
    let mut expired = false;
    if let Some(cookie) = session_cookie(headers) {
        match app.sessions.lookup(&cookie).await {
            Lookup::Valid(mut s) => {
                let stale = s.provider == ProviderType::Token
                    && s.access_expires_at.is_some_and(|at| {
                        at <= now_millis().saturating_add(TOKEN_REFRESH_MARGIN_MS)
                    });
                if stale {
                    match refresh(app, &cookie, s).await {
                        Some(renewed) => s = renewed,
                        None => {
                            app.sessions.invalidate(&cookie).await;
                            return Err(unauthenticated(app, headers, uri, true));
                        }
                    }
                }
                return Ok(Caller {
                    username: s.username,
                    authorization: s.authorization,
                    cookie: Some(cookie),
                    provider: Some((s.provider, s.provider_name)),
                });
            }
            Lookup::Expired => expired = true,
            Lookup::Missing => {}
        }
    }
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let authorization = Secret::new(auth);
        let answer = call(
            app,
            Method::GET,
            "/_security/_authenticate",
            &authorization,
            None,
        )
        .await?;
        if answer.ok() {
            return Ok(Caller {
                username: answer.body["username"].as_str().unwrap_or("").to_string(),
                authorization,
                cookie: None,
                provider: None,
            });
        }
        return Err(boom(StatusCode::UNAUTHORIZED, &answer.reason()));
    }
    Err(unauthenticated(app, headers, uri, expired))
}

/// A page request goes to the login page (with `next`, and `SESSION_EXPIRED` after a
/// timeout); anything else gets 401.
pub(crate) fn unauthenticated(
    app: &App,
    headers: &HeaderMap,
    uri: &http::Uri,
    expired: bool,
) -> Response {
    let path = uri.path();
    if !redirectable(path, headers) {
        return boom(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let next = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.to_string());
    let msg = if expired { "msg=SESSION_EXPIRED&" } else { "" };
    let mut response = redirect(&format!(
        "{}/login?{msg}next={}",
        app.base(),
        encode_segment(&next)
    ));
    if expired {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, clear_cookie(app));
    }
    response
}

/// A call to the node; a failure to reach it is a 503 with the cause (also logged).
pub(crate) async fn call(
    app: &App,
    method: Method,
    path: &str,
    authorization: &Secret,
    body: Option<&Value>,
) -> Result<NodeResponse, Response> {
    app.node
        .request(method, path, Some(authorization), body)
        .await
        .map_err(|e| {
            tracing::warn!("request to the node failed: {e}");
            boom(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())
        })
}

/// The node's error as Boom, keeping its status.
pub(crate) fn forward_error(answer: &NodeResponse) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    boom(status, &answer.reason())
}

async fn home(Extension(ctx): Extension<Ctx>) -> Response {
    redirect(&format!("{}/app/management/security/users", ctx.base))
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    msg: Option<String>,
}

async fn login_page(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    if let Some(cookie) = session_cookie(&headers)
        && matches!(app.sessions.lookup(&cookie).await, Lookup::Valid(_))
    {
        return redirect(&format!("{}/", app.base()));
    }
    let message = match query.msg.as_deref() {
        Some("LOGGED_OUT") => Some("You have logged out of Elastic."),
        Some("SESSION_EXPIRED") => Some("Your session has timed out. Please log in again."),
        _ => None,
    };
    let (kind, name) = &app.config.provider;
    HtmlBody(pages::login(app.base(), kind.name(), name, message)).into_response()
}

async fn login_state(State(app): State<Shared>) -> Response {
    axum::Json(json!({
        "allowLogin": true,
        "layout": "form",
        "requiresSecureConnection": false,
        "showLoginForm": true,
        "selector": {"enabled": false, "providers": [
            {"type": app.config.provider.0.name(), "name": app.config.provider.1, "usesLoginForm": true}
        ]},
        "loginAssistanceMessage": "",
        "loginHelp": Value::Null,
        "basePath": app.base(),
    }))
    .into_response()
}

/// The page to go to after login: a same-origin path under basePath from `currentURL`'s
/// `next`, else basePath + "/".
pub(crate) fn next_location(base: &str, current_url: &str) -> String {
    let fallback = format!("{base}/");
    let Some(query) = current_url.split_once('?').map(|(_, q)| q) else {
        return fallback;
    };
    let query = query.split('#').next().unwrap_or("");
    let Some(next) = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("next="))
        .map(decode_component)
    else {
        return fallback;
    };
    let under_base = base.is_empty() || next == base || next.starts_with(&format!("{base}/"));
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && under_base {
        next
    } else {
        fallback
    }
}

async fn login(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return boom(
            StatusCode::BAD_REQUEST,
            "[request body]: expected a JSON object",
        );
    };
    let provider_type = request["providerType"].as_str().unwrap_or("");
    let (configured, configured_name) = &app.config.provider;
    let name_matches = request["providerName"]
        .as_str()
        .is_none_or(|n| n == configured_name);
    if provider_type != configured.name() || !name_matches {
        return boom(
            StatusCode::BAD_REQUEST,
            &format!("[request body.providerType]: provider [{provider_type}] is not configured"),
        );
    }
    let username = request["params"]["username"].as_str().unwrap_or("");
    let password = request["params"]["password"].as_str().unwrap_or("");
    if username.is_empty() {
        return boom(
            StatusCode::BAD_REQUEST,
            "[request body.params.username]: value has length [0] but it must have a minimum length of [1].",
        );
    }
    if password.is_empty() {
        return boom(
            StatusCode::BAD_REQUEST,
            "[request body.params.password]: value has length [0] but it must have a minimum length of [1].",
        );
    }
    let basic = Secret::new(format!(
        "Basic {}",
        STANDARD.encode(format!("{username}:{password}"))
    ));
    // The token provider: kibana_system exchanges the password for a token pair.
    let tokens = if *configured == ProviderType::Token {
        let Some(internal) = &app.internal_authorization else {
            return boom(
                StatusCode::SERVICE_UNAVAILABLE,
                "no credentials for the node",
            );
        };
        let grant = json!({"grant_type": "password", "username": username, "password": password});
        let answer = match call(
            &app,
            Method::POST,
            "/_security/oauth2/token",
            internal,
            Some(&grant),
        )
        .await
        {
            Ok(a) => a,
            Err(r) => return r,
        };
        if !answer.ok() {
            tracing::info!("login failed for [{username}]: {}", answer.status);
            // A wrong password is a 400 invalid_grant for the token API: Kibana answers 401.
            return boom(StatusCode::UNAUTHORIZED, &answer.reason());
        }
        Some(answer.body)
    } else {
        None
    };
    let session = match &tokens {
        Some(body) => match token_session(&app, username, body) {
            Some(s) => s,
            None => return boom(StatusCode::BAD_GATEWAY, "the node returned no access token"),
        },
        None => Session {
            username: username.to_string(),
            provider: ProviderType::Basic,
            provider_name: configured_name.clone(),
            authorization: basic,
            refresh_token: None,
            access_expires_at: None,
        },
    };
    let answer = match call(
        &app,
        Method::GET,
        "/_security/_authenticate",
        &session.authorization,
        None,
    )
    .await
    {
        Ok(a) => a,
        Err(r) => return r,
    };
    if !answer.ok() {
        tracing::info!("login failed for [{username}]: {}", answer.status);
        return forward_error(&answer);
    }
    let name = answer.body["username"]
        .as_str()
        .unwrap_or(username)
        .to_string();
    if SYSTEM_USERS.contains(&name.as_str()) {
        tracing::warn!("refused login of the internal user [{name}]");
        if tokens.is_some() {
            invalidate_tokens(&app, &session).await;
        }
        return boom(StatusCode::FORBIDDEN, "Forbidden");
    }
    // Kibana's rule: a user needs `login:` somewhere (globally or in one space).
    let probe = Caller {
        username: name.clone(),
        authorization: session.authorization.clone(),
        cookie: None,
        provider: None,
    };
    match authz::may_log_in(&app, &probe).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!("refused login of [{name}]: no Kibana privilege in any space");
            if tokens.is_some() {
                invalidate_tokens(&app, &session).await;
            }
            return boom(StatusCode::FORBIDDEN, "Forbidden");
        }
        Err(r) => return r,
    }
    let session = Session {
        username: name.clone(),
        ..session
    };
    // A new login never keeps the session the browser arrived with.
    if let Some(previous) = session_cookie(&headers) {
        app.sessions.invalidate(&previous).await;
    }
    let cookie = match app.sessions.create(&session).await {
        Ok(c) => c,
        Err(e) => return boom(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    tracing::info!("user [{name}] logged in");
    let location = next_location(app.base(), request["currentURL"].as_str().unwrap_or(""));
    let mut response = axum::Json(json!({ "location": location })).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(&app, &cookie));
    response
}

async fn me(State(app): State<Shared>, Extension(ctx): Extension<Ctx>) -> Response {
    let caller = &ctx.caller;
    let answer = match call(
        &app,
        Method::GET,
        "/_security/_authenticate",
        &caller.authorization,
        None,
    )
    .await
    {
        Ok(a) => a,
        Err(r) => return r,
    };
    if !answer.ok() {
        return forward_error(&answer);
    }
    let mut body = answer.body;
    if let Some(map) = body.as_object_mut() {
        map.insert(
            "authentication_provider".to_string(),
            match &caller.provider {
                Some((kind, name)) => json!({"type": kind.name(), "name": name}),
                None => json!({"type": "http", "name": "__http__"}),
            },
        );
    }
    axum::Json(body).into_response()
}

async fn logout(State(app): State<Shared>, headers: HeaderMap) -> Response {
    if !redirectable("/security/logout", &headers) {
        return boom(
            StatusCode::BAD_REQUEST,
            "Client should be able to process redirect response.",
        );
    }
    if let Some(cookie) = session_cookie(&headers) {
        if let Lookup::Valid(session) = app.sessions.lookup(&cookie).await
            && session.provider == ProviderType::Token
        {
            invalidate_tokens(&app, &session).await;
        }
        if app.sessions.invalidate(&cookie).await {
            tracing::info!("session invalidated at logout");
        }
    }
    let mut response = redirect(&format!("{}/login?msg=LOGGED_OUT", app.base()));
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&app));
    response
}

async fn status(
    State(app): State<Shared>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let minimal = || axum::Json(json!({"status": {"overall": {"level": "available"}}}));
    let has_session = session_cookie(&headers).is_some();
    if !has_session && !headers.contains_key(header::AUTHORIZATION) {
        return minimal().into_response();
    }
    if let Err(r) = caller(&app, &headers, &uri).await {
        // Wrong credentials are an error; a stale cookie alone is just an anonymous caller.
        return if headers.contains_key(header::AUTHORIZATION) {
            r
        } else {
            minimal().into_response()
        };
    }
    let version = ironstack_types::info::ES_VERSION;
    axum::Json(json!({
        "name": app.config.host,
        "uuid": Value::Null,
        "version": {
            "number": version,
            "build_hash": Value::Null,
            "build_number": 0,
            "build_snapshot": false,
            "build_flavor": "default",
            "build_date": Value::Null,
        },
        "status": {
            "overall": {"level": "available", "summary": "All services and plugins are available"},
            "core": {
                "elasticsearch": {"level": "available", "summary": "Elasticsearch is available"},
                "savedObjects": {"level": "unavailable", "summary": "Saved objects are not implemented yet"},
            },
            "plugins": {},
        },
        "metrics": {},
    }))
    .into_response()
}

/// Loads what a page shows, as the user. This is the one fetch-then-render path: 403 from
/// the node is Kibana's permission page, 401 ends the session, another error is the error
/// page, and 404 is `Null` (the caller says what was not found).
pub(crate) async fn fetch(app: &App, ctx: &Ctx, path: &str, what: &str) -> Result<Value, Response> {
    let answer = call(app, Method::GET, path, &ctx.caller.authorization, None).await?;
    match answer.status {
        403 => Err((
            StatusCode::FORBIDDEN,
            HtmlBody(pages::permission(&ctx.frame(), what)),
        )
            .into_response()),
        401 => {
            if let Some(cookie) = &ctx.caller.cookie {
                app.sessions.invalidate(cookie).await;
            }
            Err(redirect(&format!(
                "{}/login?msg=SESSION_EXPIRED",
                app.base()
            )))
        }
        404 => Ok(Value::Null),
        _ if answer.ok() => Ok(answer.body),
        _ => Err(node_error_page(ctx, StatusCode::OK, &answer.reason())),
    }
}

macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}
pub(crate) use try_response;

/// A rendered page.
pub(crate) fn page(html: String) -> Response {
    HtmlBody(html).into_response()
}

async fn role_names(app: &App, caller: &Caller) -> Vec<String> {
    match call(
        app,
        Method::GET,
        "/_security/role",
        &caller.authorization,
        None,
    )
    .await
    {
        Ok(a) if a.ok() => {
            let mut names: Vec<String> = a
                .body
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            names.sort();
            names
        }
        _ => Vec::new(),
    }
}

/// The page that shows what the node answered instead of the page asked for.
pub(crate) fn node_error_page(ctx: &Ctx, status: StatusCode, reason: &str) -> Response {
    (status, HtmlBody(pages::node_error(&ctx.frame(), reason))).into_response()
}

async fn users_page(State(app): State<Shared>, Extension(ctx): Extension<Ctx>) -> Response {
    let users = try_response!(fetch(&app, &ctx, "/_security/user", "users").await);
    page(pages::users(&ctx.frame(), &users))
}

async fn user_create_page(State(app): State<Shared>, Extension(ctx): Extension<Ctx>) -> Response {
    try_response!(fetch(&app, &ctx, "/_security/user", "users").await);
    let roles = role_names(&app, &ctx.caller).await;
    page(pages::user_create(&ctx.frame(), &roles))
}

async fn user_edit_page(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
) -> Response {
    let path = format!("/_security/user/{}", encode_segment(&name));
    let users = try_response!(fetch(&app, &ctx, &path, "users").await);
    let Some(doc) = users.get(&name) else {
        return node_error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            &format!("User '{name}' not found."),
        );
    };
    let roles = role_names(&app, &ctx.caller).await;
    page(pages::user_edit(&ctx.frame(), &name, doc, &roles))
}

async fn roles_page(State(app): State<Shared>, Extension(ctx): Extension<Ctx>) -> Response {
    let roles = try_response!(fetch(&app, &ctx, "/_security/role", "roles").await);
    page(pages::roles(&ctx.frame(), &roles))
}

/// Stack Management → Certificates: the node's (as the user: the node decides who may see
/// them) and the console's own.
async fn certificates_page(State(app): State<Shared>, Extension(ctx): Extension<Ctx>) -> Response {
    let node = try_response!(fetch(&app, &ctx, "/_ssl/certificates", "certificates").await);
    let mut rows = crate::certificates::node_rows(&node);
    let config = app.config.clone();
    let console = tokio::task::spawn_blocking(move || crate::certificates::console_rows(&config))
        .await
        .unwrap_or_else(|e| Err(format!("reading the console's certificates failed: {e}")));
    let error = match console {
        Ok(mine) => {
            rows.extend(mine);
            None
        }
        Err(e) => Some(e),
    };
    page(crate::certificates::page(
        &ctx.frame(),
        &rows,
        error.as_deref(),
    ))
}

async fn role_create_page(State(app): State<Shared>, Extension(ctx): Extension<Ctx>) -> Response {
    try_response!(fetch(&app, &ctx, "/_security/role", "roles").await);
    let spaces = try_response!(crate::authz::list_spaces(&app).await);
    page(pages::role_editor(
        &ctx.frame(),
        None,
        &Value::Null,
        &spaces,
    ))
}

async fn role_edit_page(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
) -> Response {
    let path = format!("/_security/role/{}", encode_segment(&name));
    let roles = try_response!(fetch(&app, &ctx, &path, "roles").await);
    let Some(doc) = roles.get(&name) else {
        return node_error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            &format!("Role '{name}' not found."),
        );
    };
    let spaces = try_response!(crate::authz::list_spaces(&app).await);
    page(pages::role_editor(&ctx.frame(), Some(&name), doc, &spaces))
}

/// A posted form: its fields in order (repeated names kept).
pub(crate) struct FormFields(pub(crate) Vec<(String, String)>);

impl FormFields {
    pub(crate) fn parse(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let fields = text
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_component(k), decode_component(v))
            })
            .collect();
        FormFields(fields)
    }

    pub(crate) fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

pub(crate) fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn validate_password(password: &str, confirm: &str) -> Result<(), &'static str> {
    if password.chars().count() < 6 {
        return Err("Password must be at least 6 characters.");
    }
    if password != confirm {
        return Err("Passwords do not match.");
    }
    Ok(())
}

/// Kibana's user-name rules.
pub(crate) fn validate_username(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Enter a user name.".to_string());
    }
    if name.chars().count() > 1024 {
        return Err("User name must not exceed 1024 characters.".to_string());
    }
    if name.trim() != name {
        return Err("User name must not contain leading or trailing spaces.".to_string());
    }
    if name.chars().any(char::is_control) {
        return Err("User name must contain only letters, numbers, spaces, punctuation and printable symbols.".to_string());
    }
    Ok(())
}

pub(crate) fn ok_message(message: &str) -> Response {
    axum::Json(json!({ "message": message })).into_response()
}

async fn user_save(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let caller = &ctx.caller;
    let form = FormFields::parse(&body);
    let create = form.one("create") == Some("true");
    if let Err(m) = validate_username(&name) {
        return boom(StatusCode::BAD_REQUEST, &m);
    }
    let path = format!("/_security/user/{}", encode_segment(&name));
    let existing = try_response!(call(&app, Method::GET, &path, &caller.authorization, None).await);
    if existing.status == 403 {
        return forward_error(&existing);
    }
    let exists = existing.ok() && existing.body.get(&name).is_some();
    if create && exists {
        return boom(
            StatusCode::BAD_REQUEST,
            &format!("User '{name}' already exists."),
        );
    }
    if !create && !exists {
        return boom(StatusCode::NOT_FOUND, &format!("User '{name}' not found."));
    }
    if exists && pages::is_reserved(&existing.body[&name]) {
        return boom(
            StatusCode::BAD_REQUEST,
            &format!("User '{name}' is reserved and cannot be modified."),
        );
    }
    let text = |f: &str| match form.one(f).map(str::trim) {
        Some(v) if !v.is_empty() => Value::String(v.to_string()),
        _ => Value::Null,
    };
    let mut doc = json!({
        "roles": form.all("roles"),
        "full_name": text("full_name"),
        "email": text("email"),
    });
    if create {
        let password = form.one("password").unwrap_or("");
        if let Err(m) = validate_password(password, form.one("confirm_password").unwrap_or("")) {
            return boom(StatusCode::BAD_REQUEST, m);
        }
        doc["password"] = Value::String(password.to_string());
    } else if let Some(old) = existing.body[&name].get("metadata") {
        doc["metadata"] = old.clone();
    }
    let answer =
        try_response!(call(&app, Method::PUT, &path, &caller.authorization, Some(&doc)).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    let verb = if create { "Created" } else { "Updated" };
    ok_message(&format!("{verb} user '{name}'"))
}

async fn user_password(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let caller = &ctx.caller;
    let form = FormFields::parse(&body);
    let new_password = form.one("newPassword").unwrap_or("");
    if let Err(m) = validate_password(
        new_password,
        form.one("confirmPassword").unwrap_or(new_password),
    ) {
        return boom(StatusCode::BAD_REQUEST, m);
    }
    let own = name == caller.username;
    if own {
        let current = form.one("password").unwrap_or("");
        let check = Secret::new(format!(
            "Basic {}",
            STANDARD.encode(format!("{name}:{current}"))
        ));
        let answer =
            try_response!(call(&app, Method::GET, "/_security/_authenticate", &check, None).await);
        if !answer.ok() {
            return boom(StatusCode::FORBIDDEN, "Invalid current password.");
        }
    }
    let path = format!("/_security/user/{}/_password", encode_segment(&name));
    let doc = json!({ "password": new_password });
    let answer =
        try_response!(call(&app, Method::POST, &path, &caller.authorization, Some(&doc)).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    let mut response = ok_message(&format!("Password changed for '{name}'."));
    let basic_session = caller
        .provider
        .as_ref()
        .is_some_and(|(kind, _)| *kind == ProviderType::Basic);
    if own
        && basic_session
        && let Some(cookie) = &caller.cookie
    {
        // The old session replays the old password: log the user in again with the new one.
        app.sessions.invalidate(cookie).await;
        let authorization = Secret::new(format!(
            "Basic {}",
            STANDARD.encode(format!("{name}:{new_password}"))
        ));
        let session = Session {
            username: name.clone(),
            provider: ProviderType::Basic,
            provider_name: app.config.provider.1.clone(),
            authorization,
            refresh_token: None,
            access_expires_at: None,
        };
        if let Ok(cookie) = app.sessions.create(&session).await {
            response
                .headers_mut()
                .insert(header::SET_COOKIE, set_cookie(&app, &cookie));
        }
    }
    response
}

async fn user_enable(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((name, action)): Path<(String, String)>,
) -> Response {
    let caller = &ctx.caller;
    if action != "_enable" && action != "_disable" {
        return boom(StatusCode::NOT_FOUND, "Not Found");
    }
    let path = format!("/_security/user/{}/{action}", encode_segment(&name));
    let answer = try_response!(call(&app, Method::PUT, &path, &caller.authorization, None).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    let verb = if action == "_enable" {
        "Activated"
    } else {
        "Deactivated"
    };
    ok_message(&format!("{verb} user '{name}'"))
}

async fn user_delete(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
) -> Response {
    let caller = &ctx.caller;
    let path = format!("/_security/user/{}", encode_segment(&name));
    let answer =
        try_response!(call(&app, Method::DELETE, &path, &caller.authorization, None).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    if answer.body["found"].as_bool() == Some(false) {
        return boom(StatusCode::NOT_FOUND, &format!("User '{name}' not found."));
    }
    ok_message(&format!("Deleted user '{name}'"))
}

/// The node's role document from the editor's form fields.
pub(crate) fn role_from_form(body: &[u8]) -> Result<Value, String> {
    let form = FormFields::parse(body);
    let mut cluster: Vec<String> = form
        .all("cluster")
        .into_iter()
        .map(str::to_string)
        .collect();
    cluster.extend(comma_list(form.one("cluster_other").unwrap_or("")));
    let names = form.all("index_names");
    let privileges = form.all("index_privileges");
    let grants = form.all("index_grant");
    let excepts = form.all("index_except");
    let queries = form.all("index_query");
    let mut indices = Vec::new();
    for (i, names) in names.iter().enumerate() {
        let names = comma_list(names);
        let privileges = comma_list(privileges.get(i).copied().unwrap_or(""));
        let grant = comma_list(grants.get(i).copied().unwrap_or(""));
        let except = comma_list(excepts.get(i).copied().unwrap_or(""));
        let query = queries.get(i).copied().unwrap_or("").trim();
        if names.is_empty() {
            if !privileges.is_empty() || !query.is_empty() {
                return Err(format!(
                    "Index privilege {}: enter at least one index.",
                    i + 1
                ));
            }
            continue;
        }
        if privileges.is_empty() {
            return Err(format!(
                "Index privilege {}: enter at least one privilege.",
                i + 1
            ));
        }
        let mut entry = json!({"names": names, "privileges": privileges});
        if !grant.is_empty() || !except.is_empty() {
            let grant = if grant.is_empty() {
                vec!["*".to_string()]
            } else {
                grant
            };
            entry["field_security"] = json!({"grant": grant, "except": except});
        }
        if !query.is_empty() {
            if !serde_json::from_str::<Value>(query).is_ok_and(|v| v.is_object()) {
                return Err(format!(
                    "Index privilege {}: the granted documents query must be a JSON object.",
                    i + 1
                ));
            }
            entry["query"] = Value::String(query.to_string());
        }
        indices.push(entry);
    }
    let features: Vec<(&str, Vec<&str>)> = crate::kibana::FEATURES
        .iter()
        .filter(|f| f.grantable())
        .map(|f| (f.id, form.all(&format!("kibana_feature.{}", f.id))))
        .collect();
    let kibana = crate::kibana_role::from_form_rows(
        &form.all("kibana_spaces"),
        &form.all("kibana_base"),
        &features,
    )?;
    let mut role = json!({
        "cluster": cluster,
        "indices": indices,
        "run_as": comma_list(form.one("run_as").unwrap_or("")),
        "applications": crate::kibana_role::to_applications(&kibana),
    });
    if let Some(d) = form
        .one("description")
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        role["description"] = Value::String(d.to_string());
    }
    Ok(role)
}

async fn role_save(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let caller = &ctx.caller;
    if name.is_empty() || name.chars().count() > 1024 || name.trim() != name {
        return boom(StatusCode::BAD_REQUEST, "Please provide a valid role name.");
    }
    let role = match role_from_form(&body) {
        Ok(r) => r,
        Err(m) => return boom(StatusCode::BAD_REQUEST, &m),
    };
    let path = format!("/_security/role/{}", encode_segment(&name));
    let existing = try_response!(call(&app, Method::GET, &path, &caller.authorization, None).await);
    if existing.status == 403 {
        return forward_error(&existing);
    }
    if existing.ok() && existing.body.get(&name).is_some_and(pages::is_reserved) {
        return boom(
            StatusCode::BAD_REQUEST,
            &format!("Role '{name}' is reserved and cannot be modified."),
        );
    }
    let mut role = role;
    if let Some(current) = existing.body.get(&name).filter(|_| existing.ok())
        && let Some(apps) = role["applications"].as_array_mut()
    {
        // Applications other than Kibana's are not on the form: keep them.
        apps.extend(crate::kibana_role::foreign_applications(current));
    }
    let create = FormFields::parse(&body).one("create") == Some("true");
    if create && existing.ok() && existing.body.get(&name).is_some() {
        return boom(
            StatusCode::BAD_REQUEST,
            &format!("Role '{name}' already exists."),
        );
    }
    let answer =
        try_response!(call(&app, Method::PUT, &path, &caller.authorization, Some(&role)).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    ok_message(&format!("Saved role '{name}'"))
}

async fn role_delete_internal(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
) -> Response {
    let caller = &ctx.caller;
    let path = format!("/_security/role/{}", encode_segment(&name));
    let answer =
        try_response!(call(&app, Method::DELETE, &path, &caller.authorization, None).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    if answer.body["found"].as_bool() == Some(false) {
        return boom(StatusCode::NOT_FOUND, &format!("Role '{name}' not found."));
    }
    ok_message(&format!("Deleted role '{name}'"))
}

use crate::kibana_role::to_kibana_role;

async fn api_roles(State(app): State<Shared>, Extension(ctx): Extension<Ctx>) -> Response {
    let caller = &ctx.caller;
    let answer = try_response!(
        call(
            &app,
            Method::GET,
            "/_security/role",
            &caller.authorization,
            None
        )
        .await
    );
    if !answer.ok() {
        return forward_error(&answer);
    }
    let mut roles: Vec<Value> = answer
        .body
        .as_object()
        .map(|m| m.iter().map(|(n, r)| to_kibana_role(n, r)).collect())
        .unwrap_or_default();
    roles.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    axum::Json(Value::Array(roles)).into_response()
}

async fn api_role_get(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
) -> Response {
    let caller = &ctx.caller;
    let path = format!("/_security/role/{}", encode_segment(&name));
    let answer = try_response!(call(&app, Method::GET, &path, &caller.authorization, None).await);
    match answer.body.get(&name) {
        Some(role) if answer.ok() => axum::Json(to_kibana_role(&name, role)).into_response(),
        _ if answer.status == 404 || answer.ok() => boom(StatusCode::NOT_FOUND, "Not Found"),
        _ => forward_error(&answer),
    }
}

#[derive(serde::Deserialize)]
struct PutRoleQuery {
    #[serde(rename = "createOnly")]
    create_only: Option<bool>,
}

async fn api_role_put(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
    Query(query): Query<PutRoleQuery>,
    body: Bytes,
) -> Response {
    let caller = &ctx.caller;
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return boom(
            StatusCode::BAD_REQUEST,
            "[request body]: expected a JSON object",
        );
    };
    let path = format!("/_security/role/{}", encode_segment(&name));
    let existing = try_response!(call(&app, Method::GET, &path, &caller.authorization, None).await);
    if existing.status == 403 {
        return forward_error(&existing);
    }
    let current = existing.body.get(&name).filter(|_| existing.ok());
    if current.is_some() && query.create_only == Some(true) {
        return boom(
            StatusCode::CONFLICT,
            &format!("Role \"{name}\" already exists and cannot be created."),
        );
    }
    let role = match crate::kibana_role::from_kibana_role(&request, current.unwrap_or(&Value::Null))
    {
        Ok(r) => r,
        Err(m) => return boom(StatusCode::BAD_REQUEST, &m),
    };
    let answer =
        try_response!(call(&app, Method::PUT, &path, &caller.authorization, Some(&role)).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn api_role_delete(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
) -> Response {
    let caller = &ctx.caller;
    let path = format!("/_security/role/{}", encode_segment(&name));
    let answer =
        try_response!(call(&app, Method::DELETE, &path, &caller.authorization, None).await);
    if !answer.ok() {
        return forward_error(&answer);
    }
    if answer.body["found"].as_bool() == Some(false) {
        return boom(StatusCode::NOT_FOUND, "Not Found");
    }
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_console() {
        assert_eq!(
            next_location(
                "",
                "https://h:5601/login?next=%2Fapp%2Fmanagement%2Fsecurity%2Froles"
            ),
            "/app/management/security/roles"
        );
        assert_eq!(next_location("", "https://h:5601/login"), "/");
        assert_eq!(
            next_location("", "https://h/login?next=https%3A%2F%2Fevil.example"),
            "/"
        );
        assert_eq!(
            next_location("", "https://h/login?next=%2F%2Fevil.example"),
            "/"
        );
        assert_eq!(
            next_location("/k", "https://h/k/login?next=%2Fother"),
            "/k/"
        );
        assert_eq!(
            next_location("/k", "https://h/k/login?msg=X&next=%2Fk%2Fapp#frag"),
            "/k/app"
        );
    }

    #[test]
    fn percent_coding() {
        assert_eq!(encode_segment("a b/c?é"), "a%20b%2Fc%3F%C3%A9");
        assert_eq!(encode_segment(".."), "%2E%2E");
        assert_eq!(encode_segment("a.b"), "a.b");
        assert_eq!(decode_component("a%20b+c%2F%zz%"), "a b c/%zz%");
        assert_eq!(decode_component("%é%"), "%é%");
        assert_eq!(decode_component(&encode_segment("ünï cødé/")), "ünï cødé/");
    }

    #[test]
    fn one_sid_cookie_or_none() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; sid=abc.def"));
        assert_eq!(session_cookie(&h).as_deref(), Some("abc.def"));
        h.append(header::COOKIE, HeaderValue::from_static("sid=other.x"));
        assert_eq!(session_cookie(&h), None);
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }

    #[test]
    fn usernames_follow_kibanas_rules() {
        assert!(validate_username("metricbeat_reader").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username(" x").is_err());
        assert!(validate_username("a\u{7}b").is_err());
        assert!(validate_username(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn role_form_becomes_a_node_role() {
        let body = "name=metricbeat_reader&cluster=monitor&cluster_other=read_ilm%2C+custom&run_as=&\
index_names=metricbeat-*&index_privileges=read%2C+view_index_metadata&index_grant=&index_except=&index_query=&\
index_names=logs-*&index_privileges=read&index_grant=&index_except=secret&index_query=%7B%22term%22%3A%7B%22a%22%3A1%7D%7D&\
index_names=&index_privileges=&index_grant=&index_except=&index_query=";
        let role = role_from_form(body.as_bytes()).unwrap();
        assert_eq!(role["cluster"], json!(["monitor", "read_ilm", "custom"]));
        assert_eq!(
            role["indices"][0],
            json!({"names": ["metricbeat-*"], "privileges": ["read", "view_index_metadata"]})
        );
        assert_eq!(
            role["indices"][1]["field_security"],
            json!({"grant": ["*"], "except": ["secret"]})
        );
        assert_eq!(role["indices"][1]["query"], json!("{\"term\":{\"a\":1}}"));
        assert_eq!(role["indices"].as_array().unwrap().len(), 2);
        let e = role_from_form(b"index_names=x&index_privileges=").unwrap_err();
        assert!(e.contains("privilege"), "{e}");
        let e =
            role_from_form(b"index_names=x&index_privileges=read&index_query=%5B1%5D").unwrap_err();
        assert!(e.contains("JSON object"), "{e}");
    }

    #[test]
    fn kibana_role_shape() {
        let r = to_kibana_role(
            "r",
            &json!({"cluster": ["monitor"], "indices": [], "metadata": {"_reserved": true}}),
        );
        assert_eq!(r["elasticsearch"]["cluster"], json!(["monitor"]));
        assert_eq!(r["kibana"], json!([]));
        assert_eq!(r["metadata"]["_reserved"], json!(true));
    }

    mod platform {
        use super::super::*;
        use axum::body::Body;
        use http::Request;
        use tower::ServiceExt as _;

        fn app(ready: bool, yaml: &str) -> Router {
            let path = std::path::Path::new("console.yml");
            let settings = ironstack_config::Settings::from_yaml(yaml, path).unwrap();
            let config = ConsoleConfig::from_settings(&settings, path).unwrap();
            let app = App {
                node: Arc::new(NodeClient::new(&config).unwrap()),
                sessions: Sessions::new(None, None, None).unwrap(),
                internal_authorization: None,
                ready: AtomicBool::new(ready),
                secure_cookies: true,
                alerts: Default::default(),
                config,
            };
            router(Arc::new(app))
        }

        async fn send(router: Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (
                status,
                headers,
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        }

        fn get(uri: &str) -> Request<Body> {
            Request::get(uri).body(Body::empty()).unwrap()
        }

        #[tokio::test]
        async fn not_ready_is_503_with_headers() {
            let (status, headers, body) = send(app(false, ""), get("/login")).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            assert!(body.contains("Kibana server is not ready yet"));
            assert_eq!(headers["content-security-policy"], CSP);
            assert_eq!(headers["x-content-type-options"], "nosniff");
        }

        #[tokio::test]
        async fn xsrf_and_boom_for_every_error() {
            let request = Request::post("/internal/security/login")
                .body(Body::from("{}"))
                .unwrap();
            let (status, _, body) = send(app(true, ""), request).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(
                body,
                r#"{"statusCode":400,"error":"Bad Request","message":"Request must contain a kbn-xsrf header."}"#
            );
            let (status, _, body) = send(app(true, ""), get("/nope")).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert_eq!(
                body,
                r#"{"statusCode":404,"error":"Not Found","message":"Not Found"}"#
            );
            let request = Request::delete("/login")
                .header("kbn-xsrf", "1")
                .body(Body::empty())
                .unwrap();
            let (status, headers, body) = send(app(true, ""), request).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
            assert!(body.starts_with(r#"{"statusCode":405"#), "{body}");
            assert!(headers.contains_key(header::ALLOW));
            let big = vec![b'a'; MAX_PAYLOAD + 10];
            let request = Request::post("/internal/security/login")
                .header("kbn-xsrf", "1")
                .body(Body::from(big))
                .unwrap();
            let (status, _, body) = send(app(true, ""), request).await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            assert!(body.starts_with(r#"{"statusCode":413"#), "{body}");
            let request = Request::post("/internal/security/login")
                .header("kbn-xsrf", "1")
                .body(Body::from("not json"))
                .unwrap();
            let (status, _, body) = send(app(true, ""), request).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert!(body.contains("expected a JSON object"), "{body}");
            let request = Request::post("/internal/security/login")
                .header("kbn-xsrf", "1")
                .body(Body::from(r#"{"providerType":"saml","params":{}}"#))
                .unwrap();
            let (status, _, _) = send(app(true, ""), request).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
        }

        #[tokio::test]
        async fn pages_redirect_to_login_and_apis_answer_401() {
            let (status, headers, _) =
                send(app(true, ""), get("/app/management/security/roles?a=b")).await;
            assert_eq!(status, StatusCode::FOUND);
            assert_eq!(
                headers[header::LOCATION],
                "/login?next=%2Fapp%2Fmanagement%2Fsecurity%2Froles%3Fa%3Db"
            );
            let (status, _, body) = send(app(true, ""), get("/internal/security/me")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert!(body.contains(r#""statusCode":401"#));
            let request = Request::get("/api/security/logout")
                .header("kbn-xsrf", "1")
                .body(Body::empty())
                .unwrap();
            let (status, _, body) = send(app(true, ""), request).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert!(body.contains("Client should be able to process redirect response."));
            let (status, headers, _) = send(app(true, ""), get("/api/security/logout")).await;
            assert_eq!(status, StatusCode::FOUND);
            assert_eq!(headers[header::LOCATION], "/login?msg=LOGGED_OUT");
            let cookie = headers[header::SET_COOKIE].to_str().unwrap();
            assert!(
                cookie.contains("Max-Age=0")
                    && cookie.contains("HttpOnly")
                    && cookie.contains("Secure")
            );
        }

        #[tokio::test]
        async fn space_prefixes_route_like_the_default_space() {
            let (status, _, page) = send(app(true, ""), get("/s/sales/login")).await;
            assert_eq!(status, StatusCode::OK);
            assert!(page.contains("Log in"));
            let (status, headers, _) = send(
                app(true, ""),
                get("/s/sales/app/management/security/users?x=1"),
            )
            .await;
            assert_eq!(status, StatusCode::FOUND);
            assert_eq!(
                headers[header::LOCATION],
                "/login?next=%2Fs%2Fsales%2Fapp%2Fmanagement%2Fsecurity%2Fusers%3Fx%3D1",
                "the login comes back to the space"
            );
            let (status, _, body) = send(app(true, ""), get("/s/Not%20valid/login")).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert!(body.contains(r#""statusCode":404"#));
            let (status, _, _) =
                send(app(true, "server.basePath: /k"), get("/k/s/sales/login")).await;
            assert_eq!(status, StatusCode::OK);
            let (status, _, body) = send(app(true, ""), get("/api/spaces/space")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        }

        #[tokio::test]
        async fn base_path_prefixes_everything() {
            let router = app(true, "server.basePath: /console");
            let (status, headers, _) = send(
                router.clone(),
                get("/console/app/management/security/users"),
            )
            .await;
            assert_eq!(status, StatusCode::FOUND);
            assert_eq!(
                headers[header::LOCATION],
                "/console/login?next=%2Fconsole%2Fapp%2Fmanagement%2Fsecurity%2Fusers"
            );
            let (status, _, page) = send(router.clone(), get("/console/login")).await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                page.contains("/console/internal/security/login")
                    && page.contains("/console/ui/console.js")
            );
            let (status, headers, _) = send(router.clone(), get("/console/ui/console.js")).await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                headers[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/javascript")
            );
            let (status, _, body) = send(router, get("/login")).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert!(body.contains(r#""statusCode":404"#), "{body}");
            let (status, _, body) = send(app(true, ""), get("/api/status")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, r#"{"status":{"overall":{"level":"available"}}}"#);
        }
    }
}
