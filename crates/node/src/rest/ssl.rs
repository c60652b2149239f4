//! What the node does with certificates beyond serving TLS: `GET /_ssl/certificates` (every
//! certificate the HTTP layer serves or trusts, in Elasticsearch's shape), building the PKI
//! realms from their files (the security gate runs them), and Elasticsearch's PKI bootstrap
//! check.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use ironstack_config::{ClientAuthentication, NodeConfig, PkiRealmConfig};
use ironstack_pki::Certificate;
use ironstack_security::SecurityStore;
use ironstack_security::pki_realm::{ChainVerifier, PkiRealm, PkiRealmSettings};
use ironstack_tls::{ClientChainVerifier, Secret};
use serde_json::{Value, json};

use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// Elasticsearch's `PkiRealmBootstrapCheck` message.
pub(crate) const PKI_BOOTSTRAP_MESSAGE: &str = "a PKI realm is enabled but cannot be used as neither HTTP or Transport have SSL and client authentication enabled";

/// A file whose certificates `_ssl/certificates` lists.
#[derive(Debug, Clone)]
pub(crate) enum CertificateSource {
    /// PEM certificates; the first one has the private key when `key` is true.
    Pem {
        shown: String,
        path: PathBuf,
        key: bool,
    },
    /// A PKCS#12 store (key entries with their chains, and trusted entries).
    Pkcs12 {
        shown: String,
        path: PathBuf,
        password: Secret,
    },
}

/// The node's certificate-related security: PKI realms in `order`, and the files behind
/// `_ssl/certificates`.
#[derive(Debug, Default)]
pub(crate) struct TlsSecurity {
    pub(crate) pki_realms: Vec<Arc<PkiRealm>>,
    pub(crate) sources: Vec<CertificateSource>,
}

/// Builds the PKI realms (their CAs read now, so a bad file stops the start with its name)
/// and the `_ssl/certificates` sources. `secret` reads keystore entries.
pub(crate) fn build(
    config: &NodeConfig,
    store: Option<&Arc<SecurityStore>>,
    secret: impl Fn(&str) -> Option<Secret>,
) -> Result<TlsSecurity, String> {
    let mut out = TlsSecurity::default();
    if let Some(store) = store {
        for realm in &config.security.realms.pki {
            out.pki_realms
                .push(Arc::new(pki_realm(realm, store, &secret)?));
        }
    }
    let ssl = &config.security.http_ssl;
    if !config.security.enabled || !ssl.enabled {
        return Ok(out);
    }
    let shown = |key: &str, path: &PathBuf| {
        config
            .settings()
            .get(key)
            .map(|s| s.value.display())
            .unwrap_or_else(|| path.display().to_string())
    };
    let prefix = ironstack_config::HTTP_SSL_PREFIX;
    if let Some(p) = &ssl.keystore_path {
        out.sources.push(CertificateSource::Pkcs12 {
            shown: shown(&format!("{prefix}keystore.path"), p),
            path: p.clone(),
            password: secret(ironstack_config::HTTP_SSL_KEYSTORE_SECURE_PASSWORD)
                .unwrap_or_else(|| Secret::new("")),
        });
    }
    if let Some(p) = &ssl.certificate {
        out.sources.push(CertificateSource::Pem {
            shown: shown(&format!("{prefix}certificate"), p),
            path: p.clone(),
            key: true,
        });
    }
    if let Some(p) = &ssl.truststore_path {
        out.sources.push(CertificateSource::Pkcs12 {
            shown: shown(&format!("{prefix}truststore.path"), p),
            path: p.clone(),
            password: secret(ironstack_config::HTTP_SSL_TRUSTSTORE_SECURE_PASSWORD)
                .unwrap_or_else(|| Secret::new("")),
        });
    }
    let listed = config
        .settings()
        .get(&format!("{prefix}certificate_authorities"))
        .map(|s| s.value.as_list())
        .unwrap_or_default();
    for (i, p) in ssl.certificate_authorities.iter().enumerate() {
        out.sources.push(CertificateSource::Pem {
            shown: listed
                .get(i)
                .cloned()
                .unwrap_or_else(|| p.display().to_string()),
            path: p.clone(),
            key: false,
        });
    }
    Ok(out)
}

/// The PKI realm's own chain check: the TLS library's path validation (webpki).
struct WebPkiChains(ClientChainVerifier);

impl ChainVerifier for WebPkiChains {
    fn verify(&self, chain: &[&[u8]]) -> Result<(), String> {
        self.0.verify(chain)
    }
}

fn pki_realm(
    realm: &PkiRealmConfig,
    store: &Arc<SecurityStore>,
    secret: &impl Fn(&str) -> Option<Secret>,
) -> Result<PkiRealm, String> {
    let mut trusted = Vec::new();
    for path in &realm.certificate_authorities {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read [{}] ({}): {e}",
                path.display(),
                realm.setting("certificate_authorities")
            )
        })?;
        let certificates = ironstack_pki::certificates_from_pem(&text).map_err(|e| {
            format!(
                "cannot load [{}] ({}): {e}",
                path.display(),
                realm.setting("certificate_authorities")
            )
        })?;
        if certificates.is_empty() {
            return Err(format!(
                "[{}] ({}) holds no certificate",
                path.display(),
                realm.setting("certificate_authorities")
            ));
        }
        trusted.extend(certificates);
    }
    if let Some(path) = &realm.truststore_path {
        let setting = realm.setting("truststore.path");
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read [{}] ({setting}): {e}", path.display()))?;
        let password =
            secret(&realm.truststore_password_setting()).unwrap_or_else(|| Secret::new(""));
        let store = ironstack_pki::read_pkcs12(&bytes, password.expose())
            .map_err(|e| format!("cannot load [{}] ({setting}): {e}", path.display()))?;
        trusted.extend(store.trusted_certificates().map(|(_, c)| c.clone()));
        if trusted.is_empty() {
            return Err(format!(
                "the truststore [{}] ({setting}) holds no trusted certificate",
                path.display()
            ));
        }
    }
    let verifier: Option<Arc<dyn ChainVerifier>> = if trusted.is_empty() {
        None
    } else {
        let anchors = trusted.iter().map(Certificate::to_rustls).collect();
        let verifier = ClientChainVerifier::new(anchors).map_err(|e| {
            let setting = if realm.certificate_authorities.is_empty() {
                realm.setting("truststore.path")
            } else {
                realm.setting("certificate_authorities")
            };
            format!("{setting}: {e}")
        })?;
        Some(Arc::new(WebPkiChains(verifier)))
    };
    PkiRealm::new(
        PkiRealmSettings {
            name: realm.name.clone(),
            order: realm.order,
            username_pattern: realm.username_pattern.clone(),
            verifier,
            cache_ttl: Duration::from_secs(realm.cache_ttl_seconds),
            cache_max_users: realm.cache_max_users,
        },
        store.clone(),
    )
    .map_err(|e| format!("{}: {e}", realm.setting("username_pattern")))
}

/// Elasticsearch's PKI bootstrap check: a PKI realm needs HTTP TLS with
/// `client_authentication: optional|required`. Like every bootstrap check it is fatal when
/// the node binds a non-loopback address and a warning (returned) otherwise.
pub(crate) fn pki_bootstrap_check(
    config: &NodeConfig,
    addresses: &[IpAddr],
) -> Result<Option<String>, String> {
    let ssl = &config.security.http_ssl;
    let usable = ssl.enabled && ssl.client_authentication != ClientAuthentication::None;
    if !config.security.enabled || !config.security.realms.has_pki() || usable {
        return Ok(None);
    }
    let message = format!(
        "{PKI_BOOTSTRAP_MESSAGE} (set [xpack.security.http.ssl.enabled: true] and [xpack.security.http.ssl.client_authentication: optional] in [{}])",
        config.config_file.display()
    );
    if addresses.iter().all(IpAddr::is_loopback) {
        Ok(Some(message))
    } else {
        Err(format!("bootstrap check failure: {message}"))
    }
}

/// One `_ssl/certificates` entry.
fn entry(
    path: &str,
    format: &str,
    alias: Option<&str>,
    certificate: &Certificate,
    has_private_key: bool,
) -> Result<Value, String> {
    let serial = certificate.serial_hex().map_err(|e| e.to_string())?;
    let serial = serial.trim_start_matches('0');
    let expiry = certificate.not_after().map_err(|e| e.to_string())?;
    Ok(json!({
        "path": path,
        "format": format,
        "alias": alias,
        "subject_dn": certificate.subject().map_err(|e| e.to_string())?,
        "serial_number": if serial.is_empty() { "0" } else { serial },
        "has_private_key": has_private_key,
        "expiry": ironstack_types::date::format_iso_millis(expiry),
        "issuer": certificate.issuer().map_err(|e| e.to_string())?,
    }))
}

/// Every certificate of the configured files, sorted and without duplicates as
/// Elasticsearch's set of `CertificateInfo`.
pub(crate) fn certificate_infos(sources: &[CertificateSource]) -> Result<Vec<Value>, String> {
    let mut out: Vec<Value> = Vec::new();
    for source in sources {
        match source {
            CertificateSource::Pem { shown, path, key } => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read [{}]: {e}", path.display()))?;
                let certificates = ironstack_pki::certificates_from_pem(&text)
                    .map_err(|e| format!("cannot load [{}]: {e}", path.display()))?;
                for (i, c) in certificates.iter().enumerate() {
                    out.push(entry(shown, "PEM", None, c, *key && i == 0)?);
                }
            }
            CertificateSource::Pkcs12 {
                shown,
                path,
                password,
            } => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("cannot read [{}]: {e}", path.display()))?;
                let store = ironstack_pki::read_pkcs12(&bytes, password.expose())
                    .map_err(|e| format!("cannot load [{}]: {e}", path.display()))?;
                for (alias, _, chain) in store.private_keys() {
                    for (i, c) in chain.iter().enumerate() {
                        out.push(entry(shown, "PKCS12", Some(alias), c, i == 0)?);
                    }
                }
                for (alias, c) in store.trusted_certificates() {
                    out.push(entry(shown, "PKCS12", Some(alias), c, false)?);
                }
            }
        }
    }
    let key = |v: &Value| {
        (
            v["path"].as_str().unwrap_or_default().to_string(),
            v["format"].as_str().unwrap_or_default().to_string(),
            // Elasticsearch orders a missing alias last.
            v["alias"]
                .as_str()
                .map_or((1, String::new()), |a| (0, a.to_string())),
            v["serial_number"].as_str().unwrap_or_default().to_string(),
            !v["has_private_key"].as_bool().unwrap_or(false),
        )
    };
    out.sort_by_key(key);
    out.dedup();
    Ok(out)
}

/// `GET /_ssl/certificates`.
pub(crate) async fn certificates(State(state): State<Arc<AppState>>) -> Result<EsJson, ApiError> {
    let Some(sources) = state.certificate_sources.get() else {
        return Ok(EsJson::ok(json!([])));
    };
    let sources = sources.clone();
    let infos = tokio::task::spawn_blocking(move || certificate_infos(&sources))
        .await
        .map_err(|e| ApiError::internal(format!("certificate task failed: {e}")))?
        .map_err(ApiError::internal)?;
    Ok(EsJson::ok(Value::Array(infos)))
}

#[cfg(test)]
#[path = "ssl_tests.rs"]
mod tests;
