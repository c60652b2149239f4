//! API keys: creation (the secret is returned once and kept only as a `{PBKDF2_STRETCH}`
//! hash), the stored document, lookup and invalidation filters, and the key's effective
//! permission (its role descriptors intersected with its owner's roles, [`LimitedRole`]).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ironstack_types::ActionName;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::authz::compiled_role;
use crate::password::random_bytes;
use crate::rbac::{
    ClusterContext, Denial, LimitedRole, Role, RoleDescriptor, Subject, Who, authorize_action_name,
    authorize_cluster, authorize_indices,
};
use crate::{Authentication, Error, Hasher, Result, SecureString, SecurityStore};

/// Realm name and type Elasticsearch reports for API-key authentication.
pub const API_KEY_REALM: crate::authc::RealmRef = crate::authc::RealmRef {
    name: "_es_api_key",
    realm_type: "_es_api_key",
};

/// Hash of the secret: Elasticsearch's API-key default in 7.x/8.x is PBKDF2; a cache in front
/// of it keeps the cost to the first request of a key.
const KEY_HASHER: Hasher = Hasher::Pbkdf2Stretch { iterations: 10_000 };

/// An API key as kept in the store (never holds the secret in clear).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredApiKey {
    /// Key id (20 characters, base64url).
    pub id: String,
    /// Name given at creation.
    pub name: String,
    /// `{PBKDF2_STRETCH}` hash of the secret.
    pub api_key_hash: String,
    /// Creation time, epoch milliseconds.
    pub creation: u64,
    /// Expiry, epoch milliseconds; `None` never expires.
    #[serde(default)]
    pub expiration: Option<u64>,
    /// Whether the key was invalidated.
    #[serde(default)]
    pub invalidated: bool,
    /// Invalidation time, epoch milliseconds.
    #[serde(default)]
    pub invalidation: Option<u64>,
    /// Owner user name.
    pub username: String,
    /// Owner realm name.
    pub realm: String,
    /// Owner realm type.
    #[serde(default)]
    pub realm_type: String,
    /// Metadata given at creation.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The key's own role descriptors as given (validated), by name.
    #[serde(default)]
    pub role_descriptors: Map<String, Value>,
    /// The owner's role names at creation (`limited_by`).
    #[serde(default)]
    pub limited_by: Vec<String>,
}

impl fmt::Debug for StoredApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredApiKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("api_key_hash", &"[redacted]")
            .field("username", &self.username)
            .field("invalidated", &self.invalidated)
            .finish_non_exhaustive()
    }
}

impl StoredApiKey {
    /// Whether the key is past its expiration at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expiration.is_some_and(|e| e <= now_ms)
    }

    /// Elasticsearch's `GET /_security/api_key` entry (never the secret or its hash).
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "type": "rest",
            "creation": self.creation,
            "invalidated": self.invalidated,
            "username": self.username,
            "realm": self.realm,
            "metadata": self.metadata,
            "role_descriptors": self.role_descriptors,
        });
        if let Some(e) = self.expiration {
            v["expiration"] = json!(e);
        }
        if let Some(i) = self.invalidation {
            v["invalidation"] = json!(i);
        }
        v
    }
}

/// A create request (`PUT|POST /_security/api_key`).
#[derive(Debug, Clone, Default)]
pub struct CreateApiKey {
    /// Key name (required).
    pub name: String,
    /// Lifetime in milliseconds; `None` never expires.
    pub expiration_ms: Option<u64>,
    /// Role descriptors (validated with [`RoleDescriptor::parse`]).
    pub role_descriptors: Map<String, Value>,
    /// Metadata.
    pub metadata: Map<String, Value>,
}

impl CreateApiKey {
    /// Parses Elasticsearch's request body; `Err` holds the 400 reason.
    pub fn parse(body: &Value) -> std::result::Result<Self, String> {
        let obj = body
            .as_object()
            .ok_or_else(|| "request body must be an object".to_string())?;
        let mut req = CreateApiKey::default();
        for (k, v) in obj {
            match k.as_str() {
                "name" => req.name = v.as_str().ok_or("[name] must be a string")?.to_string(),
                "expiration" => {
                    if !v.is_null() {
                        let s = v.as_str().ok_or("[expiration] must be a string")?;
                        req.expiration_ms = Some(parse_time_value(s)?);
                    }
                }
                "role_descriptors" => {
                    let m = v
                        .as_object()
                        .ok_or("[role_descriptors] must be an object")?;
                    let mut parsed = Vec::new();
                    for (name, d) in m {
                        parsed.push(RoleDescriptor::parse(name, d).map_err(|e| e.to_string())?);
                    }
                    Role::build(&parsed).map_err(|e| e.to_string())?;
                    req.role_descriptors = m.clone();
                }
                "metadata" => {
                    let m = v.as_object().ok_or("[metadata] must be an object")?;
                    if let Some(bad) = m.keys().find(|k| k.starts_with('_')) {
                        return Err(format!(
                            "Validation Failed: 1: metadata keys may not start with [_] but found [{bad}];"
                        ));
                    }
                    req.metadata = m.clone();
                }
                other => {
                    return Err(format!("[api_key_request] unknown field [{other}]"));
                }
            }
        }
        if req.name.is_empty() {
            return Err("Validation Failed: 1: api key name is required;".into());
        }
        if req.name.len() > 256 || req.name.starts_with('_') {
            return Err(
                "Validation Failed: 1: api key name may not be more than [256] characters long and may not begin with an underscore;".into(),
            );
        }
        Ok(req)
    }
}

/// What a create returns once: the secret and its encoded form.
#[derive(Clone)]
pub struct CreatedApiKey {
    /// Key id.
    pub id: String,
    /// Key name.
    pub name: String,
    /// Expiry (epoch ms).
    pub expiration: Option<u64>,
    /// The secret.
    pub api_key: SecureString,
}

impl fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedApiKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl CreatedApiKey {
    /// `base64("id:api_key")`, what `Authorization: ApiKey` takes.
    pub fn encoded(&self) -> String {
        STANDARD.encode(format!("{}:{}", self.id, self.api_key.expose()))
    }

    /// Elasticsearch's create response.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "api_key": self.api_key.expose(),
            "encoded": self.encoded(),
        });
        if let Some(e) = self.expiration {
            v["expiration"] = json!(e);
        }
        v
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Elasticsearch time values (`1d`, `12h`, `30m`, `10s`, `500ms`) in milliseconds.
pub fn parse_time_value(s: &str) -> std::result::Result<u64, String> {
    let bad = || {
        format!(
            "failed to parse setting [expiration] with value [{s}] as a time value: unit is missing or unrecognized"
        )
    };
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let factor = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    n.checked_mul(factor).ok_or_else(bad)
}

fn random_b64(len: usize) -> Result<String> {
    let mut buf = vec![0u8; len];
    random_bytes(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// Creates a key owned by `owner` and stores it hashed; the secret is only in the answer.
pub fn create_api_key(
    store: &SecurityStore,
    owner: &Authentication,
    req: CreateApiKey,
) -> Result<CreatedApiKey> {
    // 15 bytes → 20 characters, 16 bytes → 22 characters, as Elasticsearch's ids and secrets.
    let id = random_b64(15)?;
    let secret = SecureString::new(&random_b64(16)?);
    let creation = now_ms();
    let expiration = req.expiration_ms.map(|ms| creation.saturating_add(ms));
    let stored = StoredApiKey {
        id: id.clone(),
        name: req.name.clone(),
        api_key_hash: KEY_HASHER.hash(secret.expose())?,
        creation,
        expiration,
        invalidated: false,
        invalidation: None,
        username: owner.username.clone(),
        realm: owner.realm.name.to_string(),
        realm_type: owner.realm.realm_type.to_string(),
        metadata: req.metadata,
        role_descriptors: req.role_descriptors,
        limited_by: owner.roles.clone(),
    };
    let value = serde_json::to_value(&stored).map_err(|e| Error::Hashing(e.to_string()))?;
    store.put_api_key(&id, value)?;
    Ok(CreatedApiKey {
        id,
        name: req.name,
        expiration,
        api_key: secret,
    })
}

/// A stored key by id (a document that no longer parses is treated as absent).
pub fn stored_api_key(store: &SecurityStore, id: &str) -> Option<StoredApiKey> {
    serde_json::from_value(store.api_key(id)?).ok()
}

/// Which keys a get or invalidate names (all fields must match; empty matches all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKeyFilter {
    /// Key ids.
    pub ids: Vec<String>,
    /// Key name (`*` suffix wildcard allowed).
    pub name: Option<String>,
    /// Owner user name.
    pub username: Option<String>,
    /// Owner realm name.
    pub realm_name: Option<String>,
}

impl ApiKeyFilter {
    fn matches(&self, k: &StoredApiKey) -> bool {
        (self.ids.is_empty() || self.ids.contains(&k.id))
            && self
                .name
                .as_deref()
                .is_none_or(|n| match n.strip_suffix('*') {
                    Some(prefix) => k.name.starts_with(prefix),
                    None => k.name == n,
                })
            && self.username.as_deref().is_none_or(|u| k.username == u)
            && self.realm_name.as_deref().is_none_or(|r| k.realm == r)
    }
}

/// Keys matching `filter`, oldest first.
pub fn find_api_keys(store: &SecurityStore, filter: &ApiKeyFilter) -> Vec<StoredApiKey> {
    let mut keys: Vec<StoredApiKey> = store
        .api_keys()
        .into_iter()
        .filter_map(|v| serde_json::from_value::<StoredApiKey>(v).ok())
        .filter(|k| filter.matches(k))
        .collect();
    keys.sort_by(|a, b| a.creation.cmp(&b.creation).then(a.id.cmp(&b.id)));
    keys
}

/// Invalidates the keys matching `filter`: `(newly invalidated ids, previously invalidated ids)`.
pub fn invalidate_api_keys(
    store: &SecurityStore,
    filter: &ApiKeyFilter,
) -> Result<(Vec<String>, Vec<String>)> {
    let keys = find_api_keys(store, filter);
    let now = now_ms();
    let (previously, fresh): (Vec<StoredApiKey>, Vec<StoredApiKey>) =
        keys.into_iter().partition(|k| k.invalidated);
    let mut updates = Vec::new();
    for mut k in fresh {
        k.invalidated = true;
        k.invalidation = Some(now);
        let v = serde_json::to_value(&k).map_err(|e| Error::Hashing(e.to_string()))?;
        updates.push((k.id, v));
    }
    let ids: Vec<String> = updates.iter().map(|(id, _)| id.clone()).collect();
    if !updates.is_empty() {
        store.put_api_keys(updates)?;
    }
    Ok((ids, previously.into_iter().map(|k| k.id).collect()))
}

/// A request authenticated by an API key: the owner (roles empty, realm `_es_api_key`, as
/// Elasticsearch reports it) and the key's effective permission.
#[derive(Debug, Clone)]
pub struct ApiKeyAuthentication {
    /// The owner as `_authenticate` shows it.
    pub authentication: std::sync::Arc<Authentication>,
    /// Key id.
    pub id: String,
    /// Key name.
    pub name: String,
    /// Owner realm name.
    pub creator_realm: String,
    /// Expiry (epoch ms), re-checked on every request.
    pub expiration: Option<u64>,
    /// Key descriptors ∩ owner's roles.
    pub role: std::sync::Arc<LimitedRole>,
}

/// Why an `ApiKey` credential was refused; `Display` is Elasticsearch's
/// `additional_unsuccessful_credentials` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    /// No key with this id.
    #[error("API key: unable to find apikey with id {0}")]
    NotFound(String),
    /// Wrong secret.
    #[error("API key: invalid credentials for API key [{0}]")]
    InvalidCredentials(String),
    /// Past its expiration.
    #[error("API key: api key is expired")]
    Expired,
    /// Invalidated.
    #[error("API key: api key [{0}] has been invalidated")]
    Invalidated(String),
}

/// Builds the authentication of a stored key (after its secret was verified).
pub(crate) fn key_authentication(
    store: &SecurityStore,
    key: &StoredApiKey,
) -> ApiKeyAuthentication {
    let (owner_role, _) = compiled_role(Some(store), &key.limited_by);
    let assigned = if key.role_descriptors.is_empty() {
        None
    } else {
        let descriptors: Vec<RoleDescriptor> = key
            .role_descriptors
            .iter()
            .filter_map(|(n, d)| RoleDescriptor::parse(n, d).ok())
            .collect();
        // A descriptor that no longer builds grants nothing rather than everything.
        Some(Role::build(&descriptors).unwrap_or_default())
    };
    ApiKeyAuthentication {
        authentication: std::sync::Arc::new(Authentication {
            username: key.username.clone(),
            roles: Vec::new(),
            full_name: None,
            email: None,
            metadata: Map::new(),
            realm: API_KEY_REALM,
        }),
        id: key.id.clone(),
        name: key.name.clone(),
        creator_realm: key.realm.clone(),
        expiration: key.expiration,
        role: std::sync::Arc::new(LimitedRole {
            assigned,
            limited_by: owner_role.as_ref().clone(),
        }),
    }
}

/// Authorizes `action` (on `indices`, when the request names some) for a key-authenticated
/// request. `_authenticate` is always allowed; `manage_own_api_key` covers the key's own
/// key actions.
pub fn authorize_api_key(
    key: &ApiKeyAuthentication,
    action: ActionName,
    indices: &[String],
) -> std::result::Result<(), Denial> {
    if action.as_str() == "cluster:admin/xpack/security/user/authenticate" {
        return Ok(());
    }
    let subject = Subject {
        who: Who::ApiKey {
            id: key.id.clone(),
            username: key.authentication.username.clone(),
        },
        assigned_roles: Vec::new(),
        found_roles: Vec::new(),
    };
    let role = key.role.as_ref();
    if action.is_cluster_action() {
        let own = action
            .as_str()
            .starts_with("cluster:admin/xpack/security/api_key/");
        authorize_cluster(
            &subject,
            role,
            action.as_str(),
            ClusterContext {
                own_api_keys_only: own,
            },
        )
    } else if indices.is_empty() {
        authorize_action_name(&subject, role, action.as_str())
    } else {
        authorize_indices(&subject, role, action.as_str(), indices)
    }
}

/// Checks that a user (not key) authenticated caller may manage keys of any owner
/// (`manage_api_key`, `manage_security`, `all`), as opposed to only their own.
pub fn authorize_any_owner(
    store: &SecurityStore,
    auth: &Authentication,
    action: ActionName,
) -> std::result::Result<(), Denial> {
    let (role, found) = compiled_role(Some(store), &auth.roles);
    authorize_cluster(
        &user_subject(auth, &found),
        role.as_ref(),
        action.as_str(),
        ClusterContext::default(),
    )
}

fn user_subject(auth: &Authentication, found: &[String]) -> Subject {
    Subject {
        who: Who::User {
            username: auth.username.clone(),
            run_as: None,
        },
        assigned_roles: auth.roles.clone(),
        found_roles: found.to_vec(),
    }
}

/// Authorizes an API-key action for a user: `manage_own_api_key` suffices here, and the
/// handler then limits the request to the caller's own keys.
pub fn authorize_user_api_key_action(
    store: &SecurityStore,
    auth: &Authentication,
    action: ActionName,
) -> std::result::Result<(), Denial> {
    let (role, found) = compiled_role(Some(store), &auth.roles);
    authorize_cluster(
        &user_subject(auth, &found),
        role.as_ref(),
        action.as_str(),
        ClusterContext {
            own_api_keys_only: true,
        },
    )
}

/// Decodes the `ApiKey` credential: `base64(id:key)`.
pub fn parse_api_key_credential(value: &str) -> Option<(String, SecureString)> {
    let decoded = zeroize::Zeroizing::new(STANDARD.decode(value.trim()).ok()?);
    let text = std::str::from_utf8(&decoded).ok()?;
    let (id, key) = text.split_once(':')?;
    Some((id.to_string(), SecureString::new(key)))
}

#[cfg(test)]
#[path = "api_key_tests.rs"]
mod tests;
