//! API keys: creation and grant (the secret is returned once and kept only as a
//! `{PBKDF2_STRETCH}` hash), the stored document with the owner's role descriptors
//! snapshotted (`limited_by_role_descriptors`), lookup, invalidation and (bulk) update, and the
//! key's effective permission (its role descriptors intersected with that snapshot,
//! [`LimitedRole`]).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ironstack_types::index_space::IndexSpace;
use ironstack_types::{ActionName, action};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::authz::resolve_roles;
use crate::index_resolver::SpacePermission;
use crate::password::random_bytes;
use crate::rbac::{
    ApplicationPrivilegeDescriptor, ClusterContext, Denial, HasPrivilegesRequest, LimitedRole,
    Permission, Role, RoleDescriptor, Subject, Who, authorize_action_name, authorize_cluster,
    authorize_indices, has_privileges_limited, reserved_role,
};
use crate::store::{Section, Transaction};
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
    /// Owner's full name when the key was created or last updated (Elasticsearch's `creator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Owner's e-mail when the key was created or last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Metadata given at creation or update.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The key's own role descriptors (validated, in `GET /_security/role` shape), by name.
    #[serde(default)]
    pub role_descriptors: Map<String, Value>,
    /// The owner's role descriptors snapshotted at creation or last update, by role name:
    /// later changes to the owner's roles neither widen nor narrow the key.
    #[serde(default)]
    pub limited_by_role_descriptors: Map<String, Value>,
    /// Documents written before descriptors were snapshotted kept the owner's role names;
    /// [`stored_api_key`] and [`find_api_keys`] convert them to descriptors when read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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

    /// Whether the key may still authenticate at `now_ms`.
    pub fn is_active(&self, now_ms: u64) -> bool {
        !self.invalidated && !self.is_expired(now_ms)
    }

    /// Elasticsearch's `GET /_security/api_key` entry (never the secret or its hash);
    /// `limited_by` only when asked (`with_limited_by=true`).
    pub fn to_json(&self, with_limited_by: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "type": "rest",
            "creation": self.creation,
            "invalidated": self.invalidated,
            "username": self.username,
            "realm": self.realm,
            "realm_type": self.realm_type,
            "metadata": self.metadata,
            "role_descriptors": self.role_descriptors,
        });
        if let Some(e) = self.expiration {
            v["expiration"] = json!(e);
        }
        if let Some(i) = self.invalidation {
            v["invalidation"] = json!(i);
        }
        if with_limited_by {
            v["limited_by"] = json!([self.limited_by_role_descriptors]);
        }
        v
    }

    /// Replaces legacy `limited_by` role names with the descriptors they resolve to now
    /// (reserved roles, else the stored role `role` returns).
    fn upgrade(mut self, role: impl Fn(&str) -> Option<Value>) -> Self {
        if !self.limited_by.is_empty() {
            if self.limited_by_role_descriptors.is_empty() {
                let mut names: Vec<&String> = self.limited_by.iter().collect();
                names.sort();
                names.dedup();
                let descriptors = names
                    .into_iter()
                    .filter_map(|n| {
                        reserved_role(n).or_else(|| RoleDescriptor::parse(n, &role(n)?).ok())
                    })
                    .collect();
                self.limited_by_role_descriptors = descriptor_map(descriptors);
            }
            self.limited_by.clear();
        }
        self
    }
}

/// Role descriptors keyed by name in `GET /_security/role` shape. Descriptions are dropped:
/// Elasticsearch does not keep them in API key documents.
fn descriptor_map(descriptors: Vec<RoleDescriptor>) -> Map<String, Value> {
    descriptors
        .into_iter()
        .map(|mut d| {
            d.description = None;
            let name = d.name.clone();
            (name, d.to_json())
        })
        .collect()
}

/// The owner's current role descriptors, the snapshot a key is limited by.
pub fn owner_role_descriptors(store: &SecurityStore, owner: &Authentication) -> Map<String, Value> {
    descriptor_map(resolve_roles(Some(store), &owner.roles))
}

/// Parses and checks `role_descriptors` of a create or update request, returning them in
/// the normalized shape they are stored and shown in.
fn parse_role_descriptors(v: &Value) -> std::result::Result<Map<String, Value>, String> {
    let m = v
        .as_object()
        .ok_or("[role_descriptors] must be an object")?;
    let mut parsed = Vec::new();
    for (name, d) in m {
        parsed.push(RoleDescriptor::parse(name, d).map_err(|e| e.to_string())?);
    }
    Role::build(&parsed).map_err(|e| e.to_string())?;
    Ok(descriptor_map(parsed))
}

fn parse_metadata(v: &Value) -> std::result::Result<Map<String, Value>, String> {
    let m = v.as_object().ok_or("[metadata] must be an object")?;
    if m.keys().any(|k| k.starts_with('_')) {
        return Err("Validation Failed: 1: API key metadata keys may not start with [_];".into());
    }
    Ok(m.clone())
}

fn parse_expiration(v: &Value) -> std::result::Result<Option<u64>, String> {
    if v.is_null() {
        return Ok(None);
    }
    let s = v.as_str().ok_or("[expiration] must be a string")?;
    parse_time_value(s).map(Some)
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
                "expiration" => req.expiration_ms = parse_expiration(v)?,
                "role_descriptors" => req.role_descriptors = parse_role_descriptors(v)?,
                "metadata" => req.metadata = parse_metadata(v)?,
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
    ironstack_types::date::now_millis().unsigned_abs()
}

/// The `expiration` of an API key request (an Elasticsearch time value, `1d`, `12h`) in
/// milliseconds; `-1` is no lifetime at all, as in Elasticsearch (the key is born expired).
pub fn parse_time_value(s: &str) -> std::result::Result<u64, String> {
    ironstack_types::TimeValue::parse(s, "expiration")
        .map(|t| u64::try_from(t.millis()).unwrap_or(0))
        .map_err(|e| e.to_string())
}

fn random_b64(len: usize) -> Result<String> {
    let mut buf = vec![0u8; len];
    random_bytes(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// Creates a key owned by `owner` and stores it hashed; the secret is only in the answer.
/// The key is limited by a snapshot of the owner's role descriptors taken now.
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
        full_name: owner.full_name.clone(),
        email: owner.email.clone(),
        metadata: req.metadata,
        role_descriptors: req.role_descriptors,
        limited_by_role_descriptors: owner_role_descriptors(store, owner),
        limited_by: Vec::new(),
    };
    store.put_api_key(&id, to_doc(&stored)?)?;
    Ok(CreatedApiKey {
        id,
        name: req.name,
        expiration,
        api_key: secret,
    })
}

fn to_doc(key: &StoredApiKey) -> Result<Value> {
    serde_json::to_value(key).map_err(|e| Error::Hashing(e.to_string()))
}

fn from_doc(store: &SecurityStore, doc: Value) -> std::result::Result<StoredApiKey, String> {
    serde_json::from_value::<StoredApiKey>(doc)
        .map(|k| k.upgrade(|name| store.role(name)))
        .map_err(|e| e.to_string())
}

/// [`from_doc`] inside a change, reading roles from the change's view.
fn from_txn_doc(t: &Transaction<'_>, doc: &Value) -> std::result::Result<StoredApiKey, String> {
    StoredApiKey::deserialize(doc)
        .map(|k| k.upgrade(|name| t.get(Section::Roles, name).cloned()))
        .map_err(|e| e.to_string())
}

/// A stored key by id (a document that no longer parses is treated as absent). Legacy
/// documents holding the owner's role names come back with those roles' descriptors.
pub fn stored_api_key(store: &SecurityStore, id: &str) -> Option<StoredApiKey> {
    from_doc(store, store.api_key(id)?).ok()
}

/// Which keys a get or invalidate names (all fields must match; empty matches all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKeyFilter {
    /// Key ids.
    pub ids: Vec<String>,
    /// Key name (`*` suffix wildcard allowed, `*` alone matches all).
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
                    // Elasticsearch turns a trailing `*` into a prefix query, nothing else.
                    Some(prefix) => k.name.starts_with(prefix),
                    None => k.name == n,
                })
            && self.username.as_deref().is_none_or(|u| k.username == u)
            && self.realm_name.as_deref().is_none_or(|r| k.realm == r)
    }
}

/// The key a `.security-7` search hit holds (`None` for another document, or one that no
/// longer parses).
pub fn api_key_from_index_hit(
    store: &SecurityStore,
    doc_id: &str,
    source: Value,
) -> Option<StoredApiKey> {
    let change = crate::security_index::from_index_doc(
        crate::security_index::SECURITY_INDEX,
        doc_id,
        source,
    )?;
    if change.section != Section::ApiKeys {
        return None;
    }
    from_doc(store, change.doc?).ok()
}

/// Keys matching `filter`, oldest first.
pub fn find_api_keys(store: &SecurityStore, filter: &ApiKeyFilter) -> Vec<StoredApiKey> {
    let mut keys: Vec<StoredApiKey> = store
        .api_keys()
        .into_iter()
        .filter_map(|v| from_doc(store, v).ok())
        .filter(|k| filter.matches(k))
        .collect();
    keys.sort_by(|a, b| a.creation.cmp(&b.creation).then(a.id.cmp(&b.id)));
    keys
}

/// What an invalidation did, in Elasticsearch's response shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InvalidateOutcome {
    /// Keys invalidated now.
    pub invalidated: Vec<String>,
    /// Keys that were invalidated before.
    pub previously_invalidated: Vec<String>,
    /// One Elasticsearch error object per key that could not be invalidated.
    pub errors: Vec<Value>,
}

impl InvalidateOutcome {
    /// `{"invalidated_api_keys","previously_invalidated_api_keys","error_count"[,"error_details"]}`.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "invalidated_api_keys": self.invalidated,
            "previously_invalidated_api_keys": self.previously_invalidated,
            "error_count": self.errors.len(),
        });
        if !self.errors.is_empty() {
            v["error_details"] = Value::Array(self.errors.clone());
        }
        v
    }
}

/// Elasticsearch's per-key invalidation failure: `Error invalidating api_key` caused by `cause`.
fn invalidation_error(cause_type: &str, cause: String) -> Value {
    json!({
        "type": "exception",
        "reason": "Error invalidating api_key",
        "caused_by": {"type": cause_type, "reason": cause}
    })
}

/// Invalidates the keys matching `filter`, in one change of the store (so an update racing
/// it cannot write a key back as valid). Keys named by id whose document cannot be read,
/// and every key of a batch whose write failed, are reported as errors (as Elasticsearch
/// reports failed bulk items) rather than failing the whole request.
pub fn invalidate_api_keys(store: &SecurityStore, filter: &ApiKeyFilter) -> InvalidateOutcome {
    let mut out = InvalidateOutcome::default();
    let now = now_ms();
    let written = store.transact(|t| {
        for id in &filter.ids {
            if let Some(Err(e)) = t.get(Section::ApiKeys, id).map(|doc| from_txn_doc(t, doc)) {
                out.errors.push(invalidation_error(
                    "illegal_state_exception",
                    format!("api key document [{id}] could not be read: {e}"),
                ));
            }
        }
        // A request naming ids reads those keys only, however many keys there are.
        let docs: Vec<&Value> = if filter.ids.is_empty() {
            t.docs(Section::ApiKeys)
                .into_iter()
                .map(|(_, d)| d)
                .collect()
        } else {
            let mut ids: Vec<&String> = filter.ids.iter().collect();
            ids.sort();
            ids.dedup();
            ids.into_iter()
                .filter_map(|id| t.get(Section::ApiKeys, id))
                .collect()
        };
        let mut keys: Vec<StoredApiKey> = docs
            .into_iter()
            .filter_map(|doc| from_txn_doc(t, doc).ok())
            .filter(|k| filter.matches(k))
            .collect();
        keys.sort_by(|a, b| a.creation.cmp(&b.creation).then(a.id.cmp(&b.id)));
        for mut k in keys {
            if k.invalidated {
                out.previously_invalidated.push(k.id);
                continue;
            }
            k.invalidated = true;
            k.invalidation = Some(now);
            match to_doc(&k) {
                Ok(v) => {
                    t.put(Section::ApiKeys, &k.id, v);
                    out.invalidated.push(k.id);
                }
                Err(e) => out
                    .errors
                    .push(invalidation_error("exception", e.to_string())),
            }
        }
    });
    if let Err(e) = written {
        for _ in std::mem::take(&mut out.invalidated) {
            out.errors
                .push(invalidation_error("i_o_exception", e.to_string()));
        }
    }
    out
}

/// An update of one or more keys (`PUT /_security/api_key/{id}`,
/// `POST /_security/api_key/_bulk_update`); absent fields keep their stored value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateApiKey {
    /// New role descriptors (`Some(empty)` removes them: the key then has its owner's
    /// permissions).
    pub role_descriptors: Option<Map<String, Value>>,
    /// New metadata.
    pub metadata: Option<Map<String, Value>>,
    /// New lifetime from now, in milliseconds.
    pub expiration_ms: Option<u64>,
}

/// Why an update request is refused before any key is looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateRequestError {
    /// Malformed body (`x_content_parse_exception`).
    #[error("{0}")]
    Parse(String),
    /// `action_request_validation_exception` with these messages.
    #[error("Validation Failed: {}", numbered(.0))]
    Validation(Vec<String>),
    /// `illegal_argument_exception`.
    #[error("{0}")]
    IllegalArgument(String),
}

fn numbered(messages: &[String]) -> String {
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{}: {m};", i + 1))
        .collect()
}

impl UpdateApiKey {
    /// Parses the body of a single update (`bulk == false`, no `ids`) or a bulk update
    /// (`ids` required), returning the ids and the update.
    pub fn parse(
        body: Option<&Value>,
        bulk: bool,
    ) -> std::result::Result<(Vec<String>, Self), UpdateRequestError> {
        let parser = if bulk {
            "bulk_update_api_key_request"
        } else {
            "update_api_key_request_payload"
        };
        let empty = Map::new();
        let obj = match body {
            None => &empty,
            Some(Value::Object(o)) => o,
            Some(_) => {
                return Err(UpdateRequestError::Parse(format!(
                    "[{parser}] Expected START_OBJECT"
                )));
            }
        };
        let mut req = UpdateApiKey::default();
        let mut ids = Vec::new();
        let mut validation = Vec::new();
        for (k, v) in obj {
            match k.as_str() {
                "ids" if bulk => {
                    let Some(a) = v.as_array() else {
                        return Err(UpdateRequestError::Parse(format!(
                            "[{parser}] failed to parse field [ids]"
                        )));
                    };
                    for i in a {
                        let Some(id) = i.as_str() else {
                            return Err(UpdateRequestError::Parse(format!(
                                "[{parser}] failed to parse field [ids]"
                            )));
                        };
                        ids.push(id.to_string());
                    }
                }
                "role_descriptors" => {
                    if !v.is_null() {
                        req.role_descriptors = Some(
                            parse_role_descriptors(v)
                                .map_err(UpdateRequestError::IllegalArgument)?,
                        );
                    }
                }
                "metadata" => {
                    if let Some(m) = v.as_object() {
                        if m.keys().any(|k| k.starts_with('_')) {
                            validation.push("API key metadata keys may not start with [_]".into());
                        }
                        req.metadata = Some(m.clone());
                    } else if !v.is_null() {
                        return Err(UpdateRequestError::Parse(format!(
                            "[{parser}] failed to parse field [metadata]"
                        )));
                    }
                }
                "expiration" => {
                    req.expiration_ms =
                        parse_expiration(v).map_err(UpdateRequestError::IllegalArgument)?;
                }
                other => {
                    return Err(UpdateRequestError::Parse(format!(
                        "[{parser}] unknown field [{other}]"
                    )));
                }
            }
        }
        if bulk && ids.is_empty() {
            validation.push("Field [ids] cannot be empty".into());
        }
        if !validation.is_empty() {
            return Err(UpdateRequestError::Validation(validation));
        }
        Ok((ids, req))
    }
}

/// One key that could not be updated, with Elasticsearch's exception type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateKeyError {
    /// No key with this id is owned by the caller (`resource_not_found_exception`, 404).
    #[error("no API key owned by requesting user found for ID [{0}]")]
    NotFound(String),
    /// Invalidated (`illegal_argument_exception`).
    #[error("cannot update invalidated API key [{0}]")]
    Invalidated(String),
    /// Expired (`illegal_argument_exception`).
    #[error("cannot update expired API key [{0}]")]
    Expired(String),
    /// The store could not be written (`exception`).
    #[error("bulk request execution failure")]
    Store(String),
}

impl UpdateKeyError {
    /// Elasticsearch's exception type name.
    pub fn es_type(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "resource_not_found_exception",
            Self::Invalidated(_) | Self::Expired(_) => "illegal_argument_exception",
            Self::Store(_) => "exception",
        }
    }

    /// The entry under `errors.details`.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"type": self.es_type(), "reason": self.to_string()});
        if let Self::Store(cause) = self {
            v["caused_by"] = json!({"type": "i_o_exception", "reason": cause});
        }
        v
    }
}

/// What a (bulk) update did, in request order within each list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateOutcome {
    /// Keys changed.
    pub updated: Vec<String>,
    /// Keys for which the update changed nothing.
    pub noops: Vec<String>,
    /// Keys not updated, with why.
    pub errors: Vec<(String, UpdateKeyError)>,
}

impl UpdateOutcome {
    /// `{"updated":[..],"noops":[..][,"errors":{"count","details":{id:{type,reason}}}]}`.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"updated": self.updated, "noops": self.noops});
        if !self.errors.is_empty() {
            let details: Map<String, Value> = self
                .errors
                .iter()
                .map(|(id, e)| (id.clone(), e.to_json()))
                .collect();
            v["errors"] = json!({"count": self.errors.len(), "details": details});
        }
        v
    }
}

/// Updates keys owned by `owner` (same user name and realm), in one change of the store.
/// Each key also gets a fresh snapshot of the owner's role descriptors and identity; a key
/// where none of that changes is a noop and is not written. Keys are checked as
/// Elasticsearch does: not found (or owned by someone else), invalidated, expired.
pub fn update_api_keys(
    store: &SecurityStore,
    owner: &Authentication,
    ids: &[String],
    req: &UpdateApiKey,
) -> UpdateOutcome {
    let mut out = UpdateOutcome::default();
    // Read before the change: the closure below must not call the store.
    let snapshot = owner_role_descriptors(store, owner);
    let now = now_ms();
    let written = store.transact(|t| {
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            if !seen.insert(id.as_str()) {
                continue;
            }
            let Some(mut key) = t
                .get(Section::ApiKeys, id)
                .and_then(|doc| from_txn_doc(t, doc).ok())
                .filter(|k| k.username == owner.username && k.realm == owner.realm.name)
            else {
                out.errors
                    .push((id.clone(), UpdateKeyError::NotFound(id.clone())));
                continue;
            };
            if key.invalidated {
                out.errors
                    .push((id.clone(), UpdateKeyError::Invalidated(id.clone())));
                continue;
            }
            if key.is_expired(now) {
                out.errors
                    .push((id.clone(), UpdateKeyError::Expired(id.clone())));
                continue;
            }
            let before = key.clone();
            if let Some(rd) = &req.role_descriptors {
                key.role_descriptors = rd.clone();
            }
            if let Some(m) = &req.metadata {
                key.metadata = m.clone();
            }
            if let Some(ms) = req.expiration_ms {
                key.expiration = Some(now.saturating_add(ms));
            }
            key.limited_by_role_descriptors = snapshot.clone();
            key.realm_type = owner.realm.realm_type.to_string();
            key.full_name = owner.full_name.clone();
            key.email = owner.email.clone();
            // A relative expiration never lands on the stored millisecond: always an update.
            if key == before && req.expiration_ms.is_none() {
                out.noops.push(id.clone());
                continue;
            }
            match to_doc(&key) {
                Ok(doc) => {
                    t.put(Section::ApiKeys, id, doc);
                    out.updated.push(id.clone());
                }
                Err(e) => out
                    .errors
                    .push((id.clone(), UpdateKeyError::Store(e.to_string()))),
            }
        }
    });
    if let Err(e) = written {
        for id in std::mem::take(&mut out.updated) {
            out.errors.push((id, UpdateKeyError::Store(e.to_string())));
        }
    }
    out
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

/// Compiles stored descriptors; one that no longer builds grants nothing rather than
/// everything.
fn compile(descriptors: &Map<String, Value>) -> Role {
    let parsed: Vec<RoleDescriptor> = descriptors
        .iter()
        .filter_map(|(n, d)| RoleDescriptor::parse(n, d).ok())
        .collect();
    Role::build(&parsed).unwrap_or_default()
}

/// Builds the authentication of a stored key (after its secret was verified). The key is
/// limited by its snapshotted descriptors, not by what its owner's roles say today.
pub(crate) fn key_authentication(
    _store: &SecurityStore,
    key: &StoredApiKey,
) -> ApiKeyAuthentication {
    let assigned = (!key.role_descriptors.is_empty()).then(|| compile(&key.role_descriptors));
    ApiKeyAuthentication {
        authentication: std::sync::Arc::new(Authentication {
            username: key.username.clone(),
            roles: Vec::new(),
            full_name: key.full_name.clone(),
            email: key.email.clone(),
            metadata: Map::new(),
            realm: API_KEY_REALM,
        }),
        id: key.id.clone(),
        name: key.name.clone(),
        creator_realm: key.realm.clone(),
        expiration: key.expiration,
        role: std::sync::Arc::new(LimitedRole {
            assigned,
            limited_by: compile(&key.limited_by_role_descriptors),
        }),
    }
}

/// `_has_privileges` for a key-authenticated caller: what the key's descriptors AND its
/// limited-by snapshot both grant, as Elasticsearch answers for API keys.
pub fn key_has_privileges(
    key: &ApiKeyAuthentication,
    request: &HasPrivilegesRequest,
    definitions: &[ApplicationPrivilegeDescriptor],
) -> std::result::Result<Value, crate::rbac::RoleError> {
    has_privileges_limited(
        &key.authentication.username,
        &key.role,
        request,
        definitions,
    )
}

/// Elasticsearch's answer to `GET /_security/user/_privileges` for a key with role
/// descriptors of its own (400 `security_exception`): an intersection is not a role list.
pub const KEY_PRIVILEGES_UNSUPPORTED: &str = "Cannot retrieve privileges for API keys with assigned role descriptors. Please use the Get API key information API https://ela.st/es-api-get-api-key";

/// `GET /_security/user/_privileges` for a key-authenticated caller: the owner's snapshot
/// when the key has no descriptors of its own, else [`KEY_PRIVILEGES_UNSUPPORTED`].
pub fn key_user_privileges(key: &ApiKeyAuthentication) -> std::result::Result<Value, &'static str> {
    match &key.role.assigned {
        Some(_) => Err(KEY_PRIVILEGES_UNSUPPORTED),
        None => Ok(key.role.limited_by.user_privileges()),
    }
}

/// Authorizes `action` (on `indices`, when the request names some) for a key-authenticated
/// request. `_authenticate`, `_has_privileges` and `user/_privileges` are always allowed;
/// `manage_own_api_key` covers the key's own key actions.
pub fn authorize_api_key(
    key: &ApiKeyAuthentication,
    space: &IndexSpace,
    action: ActionName,
    indices: &[String],
) -> std::result::Result<(), Denial> {
    // Elasticsearch lets every authenticated subject ask who it is and what it may do
    // (`RBACEngine.checkSameUserPermissions`; a key's principal is its owner).
    if [
        action::AUTHENTICATE,
        action::USER_HAS_PRIVILEGES,
        action::USER_LIST_PRIVILEGES,
    ]
    .contains(&action)
    {
        return Ok(());
    }
    let role = &SpacePermission::new(key.role.as_ref(), space);
    let context = ClusterContext {
        own_api_keys_only: action.is_api_key_action(),
    };
    // Checked first: the subject (copies of the id and owner) feeds only the 403 text, and this
    // runs on every request made with a key.
    let granted = if action.is_cluster_action() {
        role.check_cluster(action.as_str(), context)
    } else if indices.is_empty() {
        role.check_index_action_name(action.as_str())
    } else {
        indices.iter().all(|i| role.check_index(action.as_str(), i))
    };
    if granted {
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
    if action.is_cluster_action() {
        authorize_cluster(&subject, role, action.as_str(), context)
    } else if indices.is_empty() {
        authorize_action_name(&subject, role, action.as_str())
    } else {
        authorize_indices(&subject, role, action.as_str(), indices)
    }
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
