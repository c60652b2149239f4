//! The per-request security pipeline, run for every matched route: action-name lookup →
//! authenticate → authorize. The authenticated user and the action go into the request's
//! extensions for handlers (and, later, audit).

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ironstack_security::{Authentication, AuthenticationError, SecureString, authorize};
use ironstack_types::{EsErrorType, EsException};

use super::response::ApiError;
use super::routes::{ACTIONS, action_for};
use crate::state::AppState;

/// Elasticsearch's `WWW-Authenticate` challenges, in its order.
pub(crate) const WWW_AUTHENTICATE: &[&str] =
    &["Basic realm=\"security\", charset=\"UTF-8\"", "ApiKey"];

fn unauthenticated(reason: String) -> ApiError {
    let mut e = EsException::with_status(EsErrorType::Security, 401, reason);
    for challenge in WWW_AUTHENTICATE {
        e = e.header("WWW-Authenticate", *challenge);
    }
    ApiError::from(e)
}

/// The credentials in an `Authorization` header.
enum Credentials {
    Basic(String, SecureString),
    Other,
}

fn parse_authorization(value: &[u8]) -> Result<Credentials, AuthenticationError> {
    let value = std::str::from_utf8(value).map_err(|_| AuthenticationError::Malformed)?;
    let Some((scheme, rest)) = value.trim().split_once(' ') else {
        return Ok(Credentials::Other);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(Credentials::Other);
    }
    let decoded = zeroize::Zeroizing::new(
        BASE64
            .decode(rest.trim())
            .map_err(|_| AuthenticationError::Malformed)?,
    );
    let text = std::str::from_utf8(&decoded).map_err(|_| AuthenticationError::Malformed)?;
    let (user, password) = text.split_once(':').ok_or(AuthenticationError::Malformed)?;
    Ok(Credentials::Basic(
        user.to_string(),
        SecureString::new(password),
    ))
}

async fn authenticate(
    authenticator: &Arc<ironstack_security::Authenticator>,
    uri: http::Uri,
    header: Option<http::HeaderValue>,
) -> Result<Arc<Authentication>, ApiError> {
    // Elasticsearch reports the request's path and query, never the absolute form HTTP/2 gives.
    let uri = uri.path_and_query().map_or("/", |p| p.as_str());
    let Some(header) = header else {
        return Err(unauthenticated(format!(
            "missing authentication credentials for REST request [{uri}]"
        )));
    };
    match parse_authorization(header.as_bytes()) {
        Ok(Credentials::Basic(user, password)) => {
            if let Some(auth) = authenticator.authenticate_cached(&user, &password) {
                return Ok(auth);
            }
            // bcrypt takes tens of milliseconds: keep it off the I/O threads.
            let a = authenticator.clone();
            let u = user.clone();
            let result = tokio::task::spawn_blocking(move || a.authenticate(&u, &password))
                .await
                .map_err(|e| ApiError::internal(format!("authentication task failed: {e}")))?;
            result.map_err(|_| {
                unauthenticated(format!(
                    "unable to authenticate user [{user}] for REST request [{uri}]"
                ))
            })
        }
        Ok(Credentials::Other) | Err(_) => Err(unauthenticated(
            "unable to authenticate with provided credentials and anonymous access is not allowed for this request".to_string(),
        )),
    }
}

/// Route layer: every matched request passes here before its handler.
pub(crate) async fn security_pipeline(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let path = matched.as_ref().map_or("", MatchedPath::as_str);
    let Some(action) = action_for(req.method(), path) else {
        if ACTIONS.iter().any(|(_, p, _)| *p == path) {
            // A method this path does not serve: the route's 405 answers, no auth needed.
            return next.run(req).await;
        }
        return ApiError::internal(format!(
            "no action registered for [{} {path}]",
            req.method()
        ))
        .into_response();
    };
    if let Some(authenticator) = &state.authenticator {
        let auth = match authenticate(
            authenticator,
            req.uri().clone(),
            req.headers().get(http::header::AUTHORIZATION).cloned(),
        )
        .await
        {
            Ok(a) => a,
            Err(e) => return e.into_response(),
        };
        if let Err(denied) = authorize(&auth, action) {
            return ApiError::from(EsException::with_status(
                EsErrorType::Security,
                403,
                denied.to_string(),
            ))
            .into_response();
        }
        req.extensions_mut().insert(auth);
    }
    req.extensions_mut().insert(action);
    next.run(req).await
}
