//! `GET /_security/enroll/kibana`: what a console (Kibana) enrolling with an enrolment token
//! receives: a fresh `elastic/kibana` service token and the CA of the node's HTTP layer (base64
//! DER), answered only when `xpack.security.enrollment.enabled` is on, as Elasticsearch does.

use std::sync::Arc;

use axum::extract::State;
use base64::Engine as _;
use ironstack_pki::Certificate;
use ironstack_security::Section;
use ironstack_security::service_account::{ServiceToken, token_document};
use ironstack_types::error::{EsErrorType, EsException};
use serde_json::json;

use super::context::{blocking, store, store_error};
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use super::ssl::CertificateSource;
use crate::state::AppState;

/// The CA of the HTTP layer: the issuer of the certificate the node serves when the files
/// hold it, else the only CA certificate they hold.
pub(crate) fn http_ca(sources: &[CertificateSource]) -> Result<Certificate, String> {
    let mut served: Option<Certificate> = None;
    let mut cas: Vec<Certificate> = Vec::new();
    let mut note = |c: &Certificate, with_key: bool| {
        if with_key && served.is_none() && !c.is_ca().unwrap_or(false) {
            served = Some(c.clone());
        }
        if c.is_ca().unwrap_or(false) && !cas.iter().any(|k| k.der() == c.der()) {
            cas.push(c.clone());
        }
    };
    for source in sources {
        match source {
            CertificateSource::Pem { path, key, .. } => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read [{}]: {e}", path.display()))?;
                let certificates = ironstack_pki::certificates_from_pem(&text)
                    .map_err(|e| format!("cannot load [{}]: {e}", path.display()))?;
                for (i, c) in certificates.iter().enumerate() {
                    note(c, *key && i == 0);
                }
            }
            CertificateSource::Pkcs12 { path, password, .. } => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("cannot read [{}]: {e}", path.display()))?;
                let p12 = ironstack_pki::read_pkcs12(&bytes, password.expose())
                    .map_err(|e| format!("cannot load [{}]: {e}", path.display()))?;
                for (_, _, chain) in p12.private_keys() {
                    for (i, c) in chain.iter().enumerate() {
                        note(c, i == 0);
                    }
                }
                for (_, c) in p12.trusted_certificates() {
                    note(c, false);
                }
            }
        }
    }
    if let Some(leaf) = &served {
        let issuer = leaf.issuer().map_err(|e| e.to_string())?;
        if let Some(ca) = cas.iter().find(|c| c.subject().is_ok_and(|s| s == issuer)) {
            return Ok(ca.clone());
        }
    }
    match cas.len() {
        1 => Ok(cas.remove(0)),
        0 => Err("the HTTP layer's SSL configuration holds no CA certificate".to_string()),
        _ => Err(
            "the HTTP layer's SSL configuration holds several CA certificates and none issued the served certificate"
                .to_string(),
        ),
    }
}

fn enrollment_error(reason: String) -> ApiError {
    ApiError::from(EsException::new(
        EsErrorType::Internal,
        format!("Unable to enroll kibana. {reason}"),
    ))
}

/// `GET /_security/enroll/kibana` → `{"token":{"name","value"},"http_ca":"<base64 DER>"}`.
pub(crate) async fn kibana(
    State(state): State<Arc<AppState>>,
    granted: Granted,
) -> Result<EsJson, ApiError> {
    if !state.enrollment_enabled.get().copied().unwrap_or(false) {
        return Err(ApiError::from(EsException::new(
            EsErrorType::Security,
            "Enrollment mode is not enabled. Set [xpack.security.enrollment.enabled] to true, in order to use this API.",
        )));
    }
    let sources = state.certificate_sources.get().cloned().unwrap_or_default();
    let ca = blocking(move || http_ca(&sources))
        .await?
        .map_err(enrollment_error)?;
    let store = store(&state)?.clone();
    let now = u64::try_from(ironstack_types::date::now_millis()).unwrap_or(0);
    let name = format!("enroll-process-token-{now}");
    let token = ServiceToken::generate("elastic/kibana", &name).map_err(store_error)?;
    let creator = granted.authenticated().authenticating_user().clone();
    let (id, principal, secret) = (
        token.qualified_name(),
        token.principal.clone(),
        token.secret.clone(),
    );
    blocking(move || {
        let token = ServiceToken {
            principal,
            name: name.clone(),
            secret,
        };
        let doc = token_document(&token, &creator, now)?;
        store.transact(|t| t.put(Section::ServiceTokens, &id, doc))
    })
    .await?
    .map_err(store_error)?;
    Ok(EsJson::ok(json!({
        "token": {"name": token.name, "value": token.encode().expose()},
        "http_ca": base64::engine::general_purpose::STANDARD.encode(ca.der()),
    })))
}

#[cfg(test)]
#[path = "enroll_tests.rs"]
pub(crate) mod tests;
