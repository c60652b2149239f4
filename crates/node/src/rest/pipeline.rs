//! The security pipeline around every request, in Elasticsearch's order:
//!
//! 1. [`authenticate`] (every request, matched or not): the credentials in the headers go to
//!    the security gate before a byte of the body is read, so a client without credentials is
//!    answered 401 at once and cannot make the node wait for a body.
//! 2. [`authorize`] (each route, with its [`RouteSpec`]): reads the body (bounded and timed),
//!    decodes the path parameters and what the request targets, asks the gate, and hands the
//!    handler a [`Granted`] (the gate's decision) with the decoded parameters. A handler cannot
//!    run without this step, and takes what it serves from the decision.
//!
//! The decisions themselves are `ironstack_security::gate`'s; this module only moves HTTP
//! requests in and Elasticsearch responses out, and feeds the audit trail.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ironstack_security::gate::{
    Authenticated, Authorized, FastAuthentication, RequestCredentials, SecuredRequest, Target,
};
use ironstack_types::index_space::IndexSpace;
use ironstack_types::{ActionName, media_type};

use super::body;
use super::envelope::RenderParams;
use super::params::PathParams;
use super::response::{ApiError, request_path};
use crate::audit_trail::RequestAudit;
use crate::server::ClientCertificateChain;
use crate::state::AppState;

/// The header naming the user a request runs as.
pub(crate) const RUN_AS_HEADER: HeaderName = HeaderName::from_static("es-security-runas-user");

/// The one value of a single-valued header; Elasticsearch's 400 when it is repeated.
fn single_header<'a>(
    req: &'a Request,
    name: &HeaderName,
) -> Result<Option<&'a HeaderValue>, ApiError> {
    let mut values = req.headers().get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        // Elasticsearch's message spells the header as it is usually written.
        let shown = if *name == header::AUTHORIZATION {
            "Authorization"
        } else {
            name.as_str()
        };
        return Err(ApiError::illegal_argument(format!(
            "multiple values for single-valued header [{shown}]."
        )));
    }
    Ok(first)
}

/// Step 1: authenticates every request from its headers.
pub(crate) async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(gate) = state.gate.clone() else {
        return next.run(req).await;
    };
    let (authorization, run_as) = match (
        single_header(&req, &header::AUTHORIZATION),
        single_header(&req, &RUN_AS_HEADER),
    ) {
        (Ok(a), Ok(r)) => (a.cloned(), r.cloned()),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let audit = crate::audit_trail::begin(&state, &mut req);
    let run_as = run_as.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let chain = req.extensions().get::<ClientCertificateChain>().cloned();
    let credentials = RequestCredentials {
        authorization: authorization.as_ref().map(HeaderValue::as_bytes),
        client_chain: chain.as_ref().map(|c| c.0.as_slice()),
        run_as: run_as.as_deref(),
        uri: request_path(req.uri()),
    };
    let result = match gate.authenticate_fast(&credentials) {
        FastAuthentication::Done(result) => result,
        FastAuthentication::Slow(pending) => {
            // bcrypt and PBKDF2 take milliseconds: keep them off the I/O threads.
            let gate = gate.clone();
            match tokio::task::spawn_blocking(move || gate.authenticate_slow(pending)).await {
                Ok(result) => result,
                Err(e) => {
                    return ApiError::internal(format!("authentication task failed: {e}"))
                        .into_response();
                }
            }
        }
    };
    match result {
        Ok(authenticated) => {
            if let Some(audit) = &audit {
                audit.authentication_success(&authenticated);
            }
            req.extensions_mut().insert(authenticated);
        }
        Err(failure) => {
            if let Some(audit) = &audit {
                audit.authentication_failed(&failure);
            }
            return ApiError::from(failure.exception).into_response();
        }
    }
    let Some(audit) = audit.map(Arc::new) else {
        return next.run(req).await;
    };
    req.extensions_mut().insert(audit.clone());
    let response = next.run(req).await;
    // A request no route read the body of (unknown path, wrong method) still gets its event.
    audit.log_authentication_success();
    response
}

/// What the gate's decoders read of a request.
pub(crate) struct RequestView<'a> {
    /// The route's action.
    pub(crate) action: ActionName,
    /// Who sent the request (`None` when security is off).
    pub(crate) caller: Option<&'a Authenticated>,
    pub(crate) params: &'a PathParams,
    pub(crate) query: &'a RenderParams,
    pub(crate) body: &'a Bytes,
    /// The indices, aliases and data streams when the request arrived (none without a store).
    pub(crate) space: Option<&'a Arc<IndexSpace>>,
}

impl RequestView<'_> {
    /// The route's action on the request's concrete indices, with `target`.
    pub(crate) fn request(&self, target: Target) -> SecuredRequest {
        SecuredRequest {
            action: self.action,
            indices: concrete_indices(self.params),
            expression: None,
            target,
        }
    }
}

/// The concrete index names a request names in its `{index}` parameter. Wildcards and `_all`
/// are left out: the handler expands them to the indices the caller may see, as Elasticsearch
/// does, rather than denying the request.
fn concrete_indices(params: &PathParams) -> Vec<String> {
    params
        .get("index")
        .unwrap_or_default()
        .split(',')
        .filter(|n| !n.is_empty() && *n != "_all" && !n.contains('*') && !n.contains('?'))
        .map(str::to_string)
        .collect()
}

/// Decodes a request into what the security gate authorizes.
pub(crate) type Decoder = fn(&RequestView<'_>) -> Result<SecuredRequest, ApiError>;

/// One route as the pipeline sees it.
#[derive(Debug)]
pub(crate) struct RouteSpec {
    /// The path pattern as registered (`/_security/user/{username}`).
    pub(crate) pattern: &'static str,
    /// The Elasticsearch action the route performs.
    pub(crate) action: ActionName,
    /// What the request asks, for the gate.
    pub(crate) decode: Decoder,
}

/// What the authorization step of a route knows: the node and the route.
#[derive(Clone)]
pub(crate) struct RouteContext {
    pub(crate) state: Arc<AppState>,
    pub(crate) spec: Arc<RouteSpec>,
}

/// Step 2: reads the body, decodes the request and authorizes it for the route.
pub(crate) async fn authorize(
    State(context): State<RouteContext>,
    req: Request,
    next: Next,
) -> Response {
    let RouteContext { state, spec } = context;
    let (mut parts, raw_body) = req.into_parts();
    let http1 = parts.version < Version::HTTP_2;
    let params = match PathParams::decode(spec.pattern, parts.uri.path()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let bytes = match body::read(
        raw_body,
        &parts.headers,
        state.max_content_length,
        state.body_idle_timeout,
    )
    .await
    {
        Ok(b) => b,
        Err(e) => {
            let mut response = e.into_response();
            // The rest of the body may still be on its way: close rather than parse it as
            // the next request.
            if http1 {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            return response;
        }
    };
    if !bytes.is_empty()
        && let Err(e) = supported_content_type(&parts)
    {
        return e.into_response();
    }
    let query = parts
        .extensions
        .get::<RenderParams>()
        .cloned()
        .unwrap_or_default();
    let space = state.store.as_ref().map(|s| s.space());
    let view = RequestView {
        action: spec.action,
        caller: parts.extensions.get::<Authenticated>(),
        params: &params,
        query: &query,
        body: &bytes,
        space: space.as_ref(),
    };
    let request = match (spec.decode)(&view) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let audit = parts.extensions.get::<Arc<RequestAudit>>().cloned();
    if let Some(audit) = &audit {
        audit.set_body(&bytes);
        audit.log_authentication_success();
    }
    let authorized = match &state.gate {
        None => match Authorized::security_disabled(request) {
            Ok(a) => a,
            Err(denied) => return ApiError::from(denied.exception).into_response(),
        },
        Some(gate) => {
            let Some(authenticated) = parts.extensions.get::<Authenticated>() else {
                // The authentication step always runs first; failing closed if it did not.
                return ApiError::internal("request reached authorization unauthenticated")
                    .into_response();
            };
            let decision = gate.authorize(authenticated, request.clone());
            if let Some(audit) = &audit {
                // A granted request is logged with the names its expression reached.
                let audited = decision.as_ref().map_or(&request, |a| a.request());
                audit.authorization(authenticated, audited, &decision);
            }
            match decision {
                Ok(a) => a,
                Err(denied) => return ApiError::from(denied.exception).into_response(),
            }
        }
    };
    let granted = Granted(Arc::new(authorized));
    parts.extensions.insert(granted.clone());
    parts.extensions.insert(params);
    let req = Request::from_parts(parts, Body::from(bytes));
    match audit {
        Some(audit) => audit.run(req, next, &granted.0, spec.pattern).await,
        None => next.run(req).await,
    }
}

/// A non-empty body needs a `Content-Type` Elasticsearch reads (406 otherwise).
fn supported_content_type(parts: &Parts) -> Result<(), ApiError> {
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let accept = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let media = media_type::negotiate(accept, content_type, true).map_err(ApiError::from)?;
    if media.content_type.is_none() {
        return Err(ApiError::Simple {
            status: StatusCode::NOT_ACCEPTABLE,
            message: media_type::unsupported_content_type_reason(
                media.unsupported_content_type.as_deref(),
            ),
            with_status: true,
            allow: None,
        });
    }
    Ok(())
}

/// The gate's decision on the request, as a handler receives it.
#[derive(Debug, Clone)]
pub(crate) struct Granted(pub(crate) Arc<Authorized>);

impl std::ops::Deref for Granted {
    type Target = Authorized;
    fn deref(&self) -> &Authorized {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Granted {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Granted>()
            .cloned()
            .ok_or_else(|| ApiError::internal("handler reached without an authorization"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_come_from_the_index_parameter() {
        let p = PathParams::decode(
            "/{index}/_doc/{id}",
            "/logs-1,metricbeat-%2A,m%C3%A9/_doc/1",
        )
        .unwrap();
        assert_eq!(
            concrete_indices(&p),
            vec!["logs-1".to_string(), "mé".to_string()]
        );
        let p = PathParams::decode("/{index}/_search", "/_all/_search").unwrap();
        assert!(concrete_indices(&p).is_empty());
    }
}
