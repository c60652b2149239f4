//! The per-request security pipeline, run for every matched route: action-name lookup →
//! authenticate → authorize. The authenticated user (and, for `ApiKey` credentials, the key)
//! and the action go into the request's extensions for handlers (and, later, audit).

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ironstack_security::api_key::{
    ApiKeyAuthentication, authorize_api_key, authorize_user_api_key_action,
    parse_api_key_credential,
};
use ironstack_security::authz::{authorize_on_indices, authorize_with};
use ironstack_security::{Authentication, AuthenticationError, SecureString};
use ironstack_types::{EsErrorType, EsException};

use super::auth_memo;
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
    ApiKey(String, SecureString),
    Other,
}

fn parse_authorization(value: &[u8]) -> Result<Credentials, AuthenticationError> {
    let value = std::str::from_utf8(value).map_err(|_| AuthenticationError::Malformed)?;
    let Some((scheme, rest)) = value.trim().split_once(' ') else {
        return Ok(Credentials::Other);
    };
    if scheme.eq_ignore_ascii_case("apikey") {
        return parse_api_key_credential(rest)
            .map(|(id, key)| Credentials::ApiKey(id, key))
            .ok_or(AuthenticationError::Malformed);
    }
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
) -> Result<(Arc<Authentication>, Option<Arc<ApiKeyAuthentication>>), ApiError> {
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
                return Ok((auth, None));
            }
            // bcrypt takes tens of milliseconds: keep it off the I/O threads.
            let a = authenticator.clone();
            let u = user.clone();
            let result = tokio::task::spawn_blocking(move || a.authenticate(&u, &password))
                .await
                .map_err(|e| ApiError::internal(format!("authentication task failed: {e}")))?;
            result.map(|a| (a, None)).map_err(|_| {
                unauthenticated(format!(
                    "unable to authenticate user [{user}] for REST request [{uri}]"
                ))
            })
        }
        Ok(Credentials::ApiKey(id, key)) => {
            let result = match authenticator.authenticate_api_key_cached(&id, &key) {
                Some(k) => Ok(k),
                None => {
                    // PBKDF2 on a cache miss: keep it off the I/O threads.
                    let a = authenticator.clone();
                    tokio::task::spawn_blocking(move || a.authenticate_api_key(&id, &key))
                        .await
                        .map_err(|e| {
                            ApiError::internal(format!("authentication task failed: {e}"))
                        })?
                }
            };
            match result {
                Ok(k) => Ok((k.authentication.clone(), Some(k))),
                Err(e) => {
                    let mut ex = EsException::with_status(
                        EsErrorType::Security,
                        401,
                        "unable to authenticate with provided credentials and anonymous access is not allowed for this request",
                    )
                    .meta("additional_unsuccessful_credentials", e.to_string());
                    for challenge in WWW_AUTHENTICATE {
                        ex = ex.header("WWW-Authenticate", *challenge);
                    }
                    Err(ApiError::from(ex))
                }
            }
        }
        Ok(Credentials::Other) | Err(_) => Err(unauthenticated(
            "unable to authenticate with provided credentials and anonymous access is not allowed for this request".to_string(),
        )),
    }
}

/// Whether a request on route `pattern` (actual path `path`) names the caller's own account:
/// the self forms (`/_security/user/_password`) or a `{username}` segment equal to `username`.
/// Only self-service actions (changing one's own password) use this.
fn targets_caller(pattern: &str, path: &str, username: &str) -> bool {
    // No collecting into a Vec: this runs on every request.
    let Some(i) = pattern.split('/').position(|s| s == "{username}") else {
        return pattern == "/_security/user/_password"
            || pattern.starts_with("/_security/user/_password/");
    };
    let segment = path.split('/').nth(i).unwrap_or("");
    percent_decode(segment).is_some_and(|s| s == username)
}

/// The concrete index names a request on route `pattern` names in its `{index}` segment
/// (comma-separated). Wildcards and `_all` are left out: the handler expands them to the
/// indices the user is authorized for, as Elasticsearch does, rather than denying the request.
fn request_indices(pattern: &str, path: &str) -> Vec<String> {
    let Some(i) = pattern.split('/').position(|s| s == "{index}") else {
        return Vec::new();
    };
    let segment = path.split('/').nth(i).unwrap_or("");
    percent_decode(segment)
        .unwrap_or_default()
        .split(',')
        .filter(|n| !n.is_empty() && *n != "_all" && !n.contains('*') && !n.contains('?'))
        .map(str::to_string)
        .collect()
}

/// `%XX` decoding of one path segment; `None` when it is not valid UTF-8 or `%` escapes.
pub(crate) fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
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
    // Audit trail (audit_trail.rs): request.id and the REST fields of this request's events.
    let audit = crate::audit_trail::begin(&state, &mut req, path).await;
    // Bearer tokens and anonymous access (token.rs): how the request was authenticated.
    let mut kind = None;
    if let Some(authenticator) = &state.authenticator {
        let header = req.headers().get(http::header::AUTHORIZATION).cloned();
        let epoch = (
            authenticator.cache_epoch(),
            Arc::as_ptr(authenticator) as usize,
        );
        let memoized = header
            .as_ref()
            .and_then(|h| auth_memo::lookup(h.as_bytes(), epoch));
        let authenticated = match memoized {
            Some(hit) => Ok(hit),
            None => {
                // PKI realm (ssl.rs): a verified client certificate when no Authorization header.
                let certificate = super::ssl::authenticate_certificate(&state, &req);
                let (uri, realm_header) = (req.uri().clone(), header.clone());
                // Bearer tokens and anonymous access (token.rs) around the realm chain.
                let realms = async move {
                    match certificate {
                        Some(result) => result.map(|auth| (auth, None)),
                        None => authenticate(authenticator, uri, realm_header).await,
                    }
                };
                let (authenticated, how) =
                    super::token::authenticate(&state, header.as_ref(), realms).await;
                kind = how;
                // Basic credentials and API keys the realm chain verified (not tokens or
                // anonymous requests, `kind` is then set).
                if let (Ok(value), Some(h), None) = (&authenticated, &header, kind) {
                    auth_memo::remember(h.as_bytes(), epoch, value.clone());
                }
                authenticated
            }
        };
        let (auth, api_key) = match authenticated {
            Ok(a) => a,
            Err(e) => {
                if let Some(audit) = &audit {
                    audit.authentication_failed();
                }
                return e.into_response();
            }
        };
        let store = Some(authenticator.store().as_ref());
        let indices = request_indices(path, req.uri().path());
        let decision = if let Some(key) = &api_key {
            authorize_api_key(key, action, &indices)
        } else if action
            .as_str()
            .starts_with("cluster:admin/xpack/security/api_key/")
            && let Some(store) = store
        {
            // manage_own_api_key is conditional: the handler limits the caller to own keys.
            authorize_user_api_key_action(store, &auth, action)
        } else if indices.is_empty() {
            let same_user = targets_caller(path, req.uri().path(), &auth.username);
            authorize_with(store, &auth, action, same_user)
        } else {
            authorize_on_indices(store, &auth, action, &indices)
        };
        // `global.application.manage` (app_privilege.rs): the privilege APIs for the
        // applications a role manages, which no cluster privilege names.
        let decision = match decision {
            Err(_)
                if api_key.is_none()
                    && super::app_privilege::allowed_by_application_scope(
                        &state, &auth, action, &mut req,
                    )
                    .await =>
            {
                Ok(())
            }
            other => other,
        };
        if let Some(audit) = &audit {
            audit.authentication_success(&auth, api_key.as_deref());
            audit.access(
                decision.is_ok(),
                &auth,
                api_key.as_deref(),
                action,
                &indices,
            );
        }
        if let Err(denied) = decision {
            // Anonymous denials may be a 401 (token.rs).
            return super::token::forbidden(&state, &auth, action, denied.to_string())
                .into_response();
        }
        req.extensions_mut().insert(auth);
        if let Some(key) = api_key {
            req.extensions_mut().insert(key);
        }
        if let Some(kind) = kind {
            req.extensions_mut().insert(kind);
        }
    }
    req.extensions_mut().insert(action);
    match audit {
        Some(audit) => audit.run(req, next, action).await,
        None => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_come_from_the_index_segment() {
        assert_eq!(
            request_indices(
                "/{index}/_doc/{id}",
                "/logs-1,metricbeat-%2A,m%C3%A9/_doc/1"
            ),
            vec!["logs-1".to_string(), "mé".to_string()]
        );
        assert!(request_indices("/_cluster/health", "/_cluster/health").is_empty());
        assert!(request_indices("/{index}/_search", "/_all/_search").is_empty());
    }

    #[test]
    fn own_account_is_recognised_from_path_or_self_form() {
        assert!(targets_caller(
            "/_security/user/_password",
            "/_security/user/_password",
            "joe"
        ));
        let p = "/_security/user/{username}/_password";
        assert!(targets_caller(p, "/_security/user/joe/_password", "joe"));
        assert!(targets_caller(p, "/_security/user/j%6Fe/_password", "joe"));
        assert!(!targets_caller(
            p,
            "/_security/user/elastic/_password",
            "joe"
        ));
        assert!(!targets_caller(
            "/_security/user/{username}",
            "/_security/user/joe",
            "joey"
        ));
    }
}
