//! Service accounts (`elastic/kibana`, `elastic/fleet-server`, ...) and their bearer tokens:
//! the token's wire form (Elasticsearch's: base64 of a 4-byte magic and
//! `<namespace>/<service>/<name>:<secret>`), token names, the stored token document
//! (`service_account_token-<ns>/<service>/<name>` in `.security-7`, the secret kept as a
//! PBKDF2_STRETCH hash), and the identity a verified token gives: user `<ns>/<service>`, no
//! roles, the account's fixed privileges, realm `_service_account`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Map, Value, json};

use crate::authc::{Authentication, RealmRef};
use crate::password::random_bytes;
use crate::rbac::SERVICE_ACCOUNTS;
use crate::{Hasher, SecureString};

/// The realm of service accounts.
pub const SERVICE_ACCOUNT_REALM: RealmRef = RealmRef {
    name: "_service_account",
    realm_type: "_service_account",
};

/// The first bytes of every service token (`ServiceAccountToken.MAGIC_BYTES`).
const MAGIC: [u8; 4] = [0, 1, 0, 1];

/// `xpack.security.service_token_hashing.algorithm`'s default.
pub const TOKEN_HASHER: Hasher = Hasher::Pbkdf2Stretch { iterations: 10_000 };

/// Where a token is kept (`token.type` of `_authenticate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// The security index.
    Index,
    /// The `service_tokens` file.
    File,
}

impl TokenSource {
    /// `_service_account_index` / `_service_account_file`.
    pub fn type_name(self) -> &'static str {
        match self {
            TokenSource::Index => "_service_account_index",
            TokenSource::File => "_service_account_file",
        }
    }
}

/// Whether `principal` (`elastic/kibana`) is a service account.
pub fn is_service_account(principal: &str) -> bool {
    SERVICE_ACCOUNTS.binary_search(&principal).is_ok()
}

/// Elasticsearch's rule for token names: `[a-zA-Z0-9-][a-zA-Z0-9_-]{0,255}`.
pub fn valid_token_name(name: &str) -> bool {
    let ok = |b: u8, first: bool| b.is_ascii_alphanumeric() || b == b'-' || (!first && b == b'_');
    let bytes = name.as_bytes();
    !bytes.is_empty() && bytes.len() <= 256 && bytes.iter().enumerate().all(|(i, b)| ok(*b, i == 0))
}

/// The message Elasticsearch gives for a bad token name.
pub fn invalid_token_name_message(name: &str) -> String {
    format!(
        "service account token name must have at least 1 character and at most 256 characters that are alphanumeric (A-Z, a-z, 0-9) or hyphen (-) or underscore (_). It must not begin with an underscore (_). Got: [{name}]"
    )
}

/// A service token as sent in `Authorization: Bearer`.
pub struct ServiceToken {
    /// `<namespace>/<service>`.
    pub principal: String,
    /// The token's name.
    pub name: String,
    /// The secret.
    pub secret: SecureString,
}

impl fmt::Debug for ServiceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceToken")
            .field("principal", &self.principal)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ServiceToken {
    /// A token with a fresh random secret (22 characters, as Elasticsearch's).
    pub fn generate(principal: &str, name: &str) -> crate::Result<ServiceToken> {
        let mut bytes = [0u8; 16];
        random_bytes(&mut bytes)?;
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        Ok(ServiceToken {
            principal: principal.to_string(),
            name: name.to_string(),
            secret: SecureString::new(secret),
        })
    }

    /// `<namespace>/<service>/<name>`: the token's id in the store.
    pub fn qualified_name(&self) -> String {
        format!("{}/{}", self.principal, self.name)
    }

    /// The bearer value.
    pub fn encode(&self) -> SecureString {
        let mut raw = MAGIC.to_vec();
        raw.extend_from_slice(self.qualified_name().as_bytes());
        raw.push(b':');
        raw.extend_from_slice(self.secret.expose().as_bytes());
        let encoded = STANDARD_NO_PAD.encode(&raw);
        raw.iter_mut().for_each(|b| *b = 0);
        SecureString::new(encoded)
    }

    /// The token a bearer value holds, if it is a service token at all (other bearer values
    /// are OAuth2 access tokens).
    pub fn parse(bearer: &str) -> Option<ServiceToken> {
        let bearer = bearer.trim();
        let raw = STANDARD_NO_PAD
            .decode(bearer.trim_end_matches('='))
            .or_else(|_| STANDARD.decode(bearer))
            .ok()?;
        let raw = zeroize::Zeroizing::new(raw);
        let rest = raw.strip_prefix(&MAGIC)?;
        let text = std::str::from_utf8(rest).ok()?;
        let (qualified, secret) = text.split_once(':')?;
        let (principal, name) = qualified.rsplit_once('/')?;
        let (namespace, service) = principal.split_once('/')?;
        if namespace.is_empty() || service.is_empty() || service.contains('/') || secret.is_empty()
        {
            return None;
        }
        Some(ServiceToken {
            principal: principal.to_string(),
            name: name.to_string(),
            secret: SecureString::new(secret),
        })
    }
}

/// The stored document of an index token, for `creator` the authentication that made it.
pub fn token_document(
    token: &ServiceToken,
    creator: &Authentication,
    now_ms: u64,
) -> crate::Result<Value> {
    let hash = TOKEN_HASHER.hash(token.secret.expose())?;
    Ok(json!({
        "version": version_id(ironstack_types::info::ES_VERSION),
        "username": token.principal,
        "name": token.name,
        "password": hash,
        "creation_time": now_ms,
        "enabled": true,
        "creator": {
            "principal": creator.username,
            "full_name": creator.full_name,
            "email": creator.email,
            "metadata": creator.metadata,
            "realm": creator.realm.name,
            "realm_type": creator.realm.realm_type,
        },
    }))
}

/// Elasticsearch's numeric id of a version (`9.1.0` is 9010099), as its documents record it.
fn version_id(version: &str) -> u64 {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    let mut next = || parts.next().unwrap_or(0);
    next() * 1_000_000 + next() * 10_000 + next() * 100 + 99
}

/// The hash a stored token document holds.
pub fn stored_hash(doc: &Value) -> Option<&str> {
    doc.get("password").and_then(Value::as_str)
}

/// A verified service token: who it is and which token it was.
#[derive(Debug, Clone)]
pub struct ServiceTokenAuthentication {
    /// The service account as a user.
    pub authentication: std::sync::Arc<Authentication>,
    /// The token's name.
    pub token_name: String,
    /// Where the token is kept.
    pub source: TokenSource,
}

/// The identity a verified token of `principal` gives.
pub fn authentication(principal: &str) -> Authentication {
    let mut metadata = Map::new();
    metadata.insert("_elastic_service_account".into(), Value::Bool(true));
    Authentication {
        username: principal.to_string(),
        roles: Vec::new(),
        full_name: Some(format!("Service account - {principal}")),
        email: None,
        metadata,
        realm: SERVICE_ACCOUNT_REALM,
    }
}

#[cfg(test)]
#[path = "service_account_tests.rs"]
mod tests;
