//! Elasticsearch's token service (`POST|DELETE /_security/oauth2/token`): access and refresh
//! tokens kept durably in the store's `tokens` section as SHA-256 hashes only, their expiry
//! (`xpack.security.authc.token.timeout`), single-use refresh with Elasticsearch's 30-second
//! reuse window, invalidation by token, refresh token, realm or user, and the validation of
//! `Authorization: Bearer` credentials with an in-memory cache so that a bearer request costs
//! one SHA-256, as a cached Basic one does.
//!
//! The clear tokens are never stored. A refresh derives the superseding tokens from the old
//! refresh token and a stored random salt (HMAC-SHA-256), so a client that repeats a refresh
//! within the window gets the same tokens back without the store ever holding them.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::authc::{FILE_REALM, NATIVE_REALM, RESERVED_REALM, RESERVED_USERS, RealmRef};
use crate::password::random_bytes;
use crate::store::Transaction;
use crate::{Authentication, Authenticator, Section, SecureString};

/// Elasticsearch's default access-token lifetime (`xpack.security.authc.token.timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// The longest lifetime the setting accepts.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// A refresh token lives 24 hours from the creation of its document (Elasticsearch's
/// `MAXIMUM_TOKEN_LIFETIME_HOURS`).
pub const REFRESH_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;
/// A refreshed refresh token may be used again for this long and yields the same tokens
/// (concurrent refreshes by several browser tabs, in Elasticsearch's design).
pub const REFRESH_REUSE_WINDOW_MS: u64 = 30 * 1000;
/// Upper bound of the validation cache (entries of changed generations are dropped lazily).
const CACHE_MAX: usize = 25_000;
/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;

/// Milliseconds since the epoch; injectable so tests can move time.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(crate::api_key::now_ms)
}

/// Why a token operation failed. `Display` is the text Elasticsearch reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// `xpack.security.authc.token.enabled: false`.
    #[error("security tokens are not enabled")]
    Disabled,
    /// The access token is past its expiry or was invalidated (Elasticsearch says "token
    /// expired" for both).
    #[error("token expired")]
    Expired,
    /// Not a token this node issued (or its user is gone or disabled).
    #[error("oauth2 token: invalid token")]
    Invalid,
    /// A refresh that Elasticsearch answers with OAuth2's `invalid_grant`; the text is its
    /// `error_description`.
    #[error("{0}")]
    InvalidGrant(String),
    /// The store could not be written.
    #[error("{0}")]
    Store(String),
}

impl From<crate::Error> for TokenError {
    fn from(e: crate::Error) -> Self {
        TokenError::Store(e.to_string())
    }
}

/// Token service settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    /// `xpack.security.authc.token.enabled`.
    pub enabled: bool,
    /// `xpack.security.authc.token.timeout`.
    pub timeout: Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// The authenticated client of a token request. A refresh token belongs to the client that
/// obtained it (Elasticsearch's `TokenService`), not to the user the tokens authenticate:
/// `kibana_system` creating a token for a user with the password grant is the one that keeps
/// that session alive, and neither the user nor anyone else may refresh it.
#[derive(Debug, Clone, Copy)]
pub struct TokenClient<'a> {
    /// The user the request authenticated as.
    pub user: &'a Authentication,
    /// The API key the request authenticated with, if it did: a key is a client of its own,
    /// distinct from its owner.
    pub api_key_id: Option<&'a str>,
}

impl<'a> TokenClient<'a> {
    /// A client that authenticated as `user` (not with an API key).
    pub fn user(user: &'a Authentication) -> Self {
        Self {
            user,
            api_key_id: None,
        }
    }
}

/// A pair of tokens handed to a client once.
#[derive(Clone)]
pub struct IssuedTokens {
    /// The bearer token.
    pub access_token: SecureString,
    /// The refresh token (none for `client_credentials`).
    pub refresh_token: Option<SecureString>,
    /// Lifetime of the access token in seconds (`expires_in`).
    pub expires_in: u64,
    /// Whom the tokens authenticate.
    pub authentication: Arc<Authentication>,
}

impl fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("user", &self.authentication.username)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// What an invalidation did (`DELETE /_security/oauth2/token`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvalidationResult {
    /// Tokens (access or refresh) invalidated now.
    pub invalidated: usize,
    /// Tokens that were already invalidated.
    pub previously_invalidated: usize,
    /// Failures, as Elasticsearch's `error_details` reasons.
    pub errors: Vec<String>,
    /// Whether a single named token was not found (Elasticsearch then answers 404).
    pub not_found: bool,
}

/// Which tokens an invalidation targets.
#[derive(Debug, Clone)]
pub enum InvalidateTarget {
    /// One access token.
    AccessToken(SecureString),
    /// One refresh token.
    RefreshToken(SecureString),
    /// Every active token of a realm and/or user.
    Owner {
        /// `realm_name`.
        realm: Option<String>,
        /// `username`.
        username: Option<String>,
    },
}

struct CachedToken {
    generation: u64,
    expiration_ms: u64,
    authentication: Arc<Authentication>,
}

/// Issues, validates, refreshes and invalidates tokens; shared by the node (`Arc`).
pub struct TokenService {
    authenticator: Arc<Authenticator>,
    settings: TokenSettings,
    clock: Clock,
    cache: Mutex<HashMap<String, CachedToken>>,
}

impl fmt::Debug for TokenService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenService")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// `base64url(sha256(text))`: the stored form of a token, and an access token's document id.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> Result<SecureString, TokenError> {
    let mut bytes = zeroize::Zeroizing::new([0u8; TOKEN_BYTES]);
    random_bytes(bytes.as_mut()).map_err(TokenError::from)?;
    Ok(SecureString::new(STANDARD.encode(bytes.as_ref())))
}

/// The token a refresh derives from the old refresh token, `purpose` and the stored salt.
fn derived_token(refresh_token: &str, purpose: &str, salt: &[u8]) -> SecureString {
    // HMAC-SHA-256 accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(refresh_token.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(purpose.as_bytes());
    mac.update(salt);
    SecureString::new(STANDARD.encode(mac.finalize().into_bytes()))
}

/// Realm names live as `&'static str` in [`RealmRef`]; names read back from the store are
/// interned once each (realm names come from configuration, so the set is small).
fn intern(name: &str) -> &'static str {
    for known in [
        RESERVED_REALM.name,
        RESERVED_REALM.realm_type,
        FILE_REALM.name,
        FILE_REALM.realm_type,
        NATIVE_REALM.name,
        NATIVE_REALM.realm_type,
    ] {
        if known == name {
            return known;
        }
    }
    static INTERNED: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = INTERNED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(s) = set.get(name) {
        return s;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// The stored form of an authentication (the `_authenticate` fields that identify a user).
pub fn authentication_to_json(auth: &Authentication) -> Value {
    json!({
        "username": auth.username,
        "roles": auth.roles,
        "full_name": auth.full_name,
        "email": auth.email,
        "metadata": auth.metadata,
        "realm": {"name": auth.realm.name, "type": auth.realm.realm_type},
    })
}

/// Reads back [`authentication_to_json`].
pub fn authentication_from_json(v: &Value) -> Option<Authentication> {
    let str_field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let realm = v.get("realm")?;
    Some(Authentication {
        username: str_field("username")?,
        roles: v
            .get("roles")?
            .as_array()?
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect(),
        full_name: str_field("full_name"),
        email: str_field("email"),
        metadata: v
            .get("metadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        realm: RealmRef {
            name: intern(realm.get("name")?.as_str()?),
            realm_type: intern(realm.get("type")?.as_str()?),
        },
    })
}

fn bool_at(doc: &Value, pointer: &str) -> bool {
    doc.pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn u64_at(doc: &Value, pointer: &str) -> u64 {
    doc.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

fn set_at(doc: &mut Value, object: &str, key: &str, value: Value) {
    if let Some(Value::Object(o)) = doc.get_mut(object) {
        o.insert(key.to_string(), value);
    }
}

impl TokenService {
    /// A service over the authenticator's store, with the system clock.
    pub fn new(authenticator: Arc<Authenticator>, settings: TokenSettings) -> Self {
        Self::with_clock(authenticator, settings, system_clock())
    }

    /// A service with an injected clock (tests).
    pub fn with_clock(
        authenticator: Arc<Authenticator>,
        settings: TokenSettings,
        clock: Clock,
    ) -> Self {
        Self {
            authenticator,
            settings,
            clock,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the service is enabled.
    pub fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// The access-token lifetime in seconds (`expires_in`).
    pub fn expires_in(&self) -> u64 {
        self.settings.timeout.as_secs()
    }

    /// The realm chain behind the password grant.
    pub fn authenticator(&self) -> &Arc<Authenticator> {
        &self.authenticator
    }

    fn now(&self) -> u64 {
        (self.clock)()
    }

    fn ensure_enabled(&self) -> Result<(), TokenError> {
        if self.settings.enabled {
            Ok(())
        } else {
            Err(TokenError::Disabled)
        }
    }

    /// Changes whenever a cached validation may no longer hold: a user or the file realm
    /// changed, or a token document was replaced or removed (issuing tokens adds documents
    /// and leaves cached ones valid).
    fn generation(&self) -> u64 {
        let store = self.authenticator.store();
        store
            .generation(Section::Users)
            .wrapping_add(store.overwrite_generation(Section::Tokens))
            .wrapping_add(
                self.authenticator
                    .file_realm()
                    .map_or(0, |f| f.generation()),
            )
    }

    /// Builds a token document for `auth`; returns `(doc id, doc, access, refresh)`.
    fn new_document(
        &self,
        auth: &Authentication,
        client: TokenClient<'_>,
        with_refresh: bool,
        access: SecureString,
        refresh: Option<SecureString>,
    ) -> (String, Value) {
        let now = self.now();
        let id = token_hash(access.expose());
        let mut doc = json!({
            "doc_type": "token",
            "creation_time": now,
            "access_token": {
                "invalidated": false,
                "realm": auth.realm.name,
                "user_token": {
                    "id": id,
                    "expiration_time": now + self.settings.timeout.as_millis() as u64,
                    "authentication": authentication_to_json(auth),
                },
            },
        });
        if with_refresh && let Some(refresh) = &refresh {
            let mut owner = json!({
                "type": "unassociated_client",
                "user": client.user.username,
                "realm": client.user.realm.name,
            });
            if let Some(id) = client.api_key_id {
                owner["api_key_id"] = Value::from(id);
            }
            doc["refresh_token"] = json!({
                "token": token_hash(refresh.expose()),
                "invalidated": false,
                "refreshed": false,
                "client": owner,
            });
        }
        (id, doc)
    }

    /// Issues tokens for `auth` that `auth` itself obtained (the caller of
    /// `client_credentials`, which gets no refresh token, or a user acting for itself).
    pub fn create_token(
        &self,
        auth: Arc<Authentication>,
        with_refresh: bool,
    ) -> Result<IssuedTokens, TokenError> {
        let owner = auth.clone();
        self.create_token_for_client(auth, TokenClient::user(&owner), with_refresh)
    }

    /// Issues tokens for `auth` (already authenticated: the password grant's user) at the
    /// request of `client`, which then owns the refresh token.
    pub fn create_token_for_client(
        &self,
        auth: Arc<Authentication>,
        client: TokenClient<'_>,
        with_refresh: bool,
    ) -> Result<IssuedTokens, TokenError> {
        self.ensure_enabled()?;
        let access = new_token()?;
        let refresh = if with_refresh {
            Some(new_token()?)
        } else {
            None
        };
        let (id, doc) =
            self.new_document(&auth, client, with_refresh, access.clone(), refresh.clone());
        self.authenticator
            .store()
            .write_docs(Section::Tokens, vec![(id, doc)], &[])?;
        Ok(IssuedTokens {
            access_token: access,
            refresh_token: refresh,
            expires_in: self.expires_in(),
            authentication: auth,
        })
    }

    /// Whether the token's user may still log in: deleted or disabled native and reserved
    /// users, and users removed from the file realm, lose their tokens at once.
    fn user_still_valid(&self, auth: &Authentication) -> bool {
        let store = self.authenticator.store();
        match auth.realm.realm_type {
            "native" => store.user(&auth.username).is_some_and(|u| u.enabled),
            "reserved" => {
                RESERVED_USERS.contains(&auth.username.as_str())
                    && store.user(&auth.username).is_none_or(|u| u.enabled)
            }
            "file" => self
                .authenticator
                .file_realm()
                .is_some_and(|f| f.user(&auth.username).is_some()),
            _ => true,
        }
    }

    /// Validates an `Authorization: Bearer` token. Cheap on a cache hit (one SHA-256, one
    /// lookup); a miss reads the token document from memory (no password hashing anywhere).
    pub fn authenticate(&self, token: &str) -> Result<Arc<Authentication>, TokenError> {
        if !self.settings.enabled {
            // Elasticsearch's disabled token service extracts nothing: an unknown token.
            return Err(TokenError::Invalid);
        }
        let id = token_hash(token);
        let now = self.now();
        let generation = self.generation();
        {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(entry) = cache.get(&id)
                && entry.generation == generation
            {
                if now > entry.expiration_ms {
                    return Err(TokenError::Expired);
                }
                return Ok(entry.authentication.clone());
            }
        }
        let doc = self
            .authenticator
            .store()
            .doc(Section::Tokens, &id)
            .ok_or(TokenError::Invalid)?;
        let expiration_ms = u64_at(&doc, "/access_token/user_token/expiration_time");
        if now > expiration_ms || bool_at(&doc, "/access_token/invalidated") {
            return Err(TokenError::Expired);
        }
        let auth = doc
            .pointer("/access_token/user_token/authentication")
            .and_then(authentication_from_json)
            .ok_or(TokenError::Invalid)?;
        if !self.user_still_valid(&auth) {
            return Err(TokenError::Invalid);
        }
        let auth = Arc::new(auth);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.retain(|_, e| e.generation == generation && e.expiration_ms >= now);
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
        }
        cache.insert(
            id,
            CachedToken {
                generation,
                expiration_ms,
                authentication: auth.clone(),
            },
        );
        Ok(auth)
    }

    /// The `refresh_token` grant: spends `refresh` (once; a repeat within 30 seconds returns
    /// the same new tokens) for a new access and refresh token of the same user. `client` is
    /// who calls, which must be the client that obtained the refresh token (same user, realm
    /// and API key, as Elasticsearch's `canAccessResourcesOf`); it owns the new one. The check
    /// and the spending are one change of the store, so racing requests cannot spend a token
    /// twice.
    pub fn refresh(
        &self,
        refresh: &SecureString,
        client: TokenClient<'_>,
    ) -> Result<IssuedTokens, TokenError> {
        self.ensure_enabled()?;
        let grant = |s: &str| TokenError::InvalidGrant(s.to_string());
        let hash = token_hash(refresh.expose());
        let mut salt = [0u8; 16];
        random_bytes(&mut salt)?;
        let now = self.now();
        self.authenticator.store().transact(|t| {
            let (id, mut doc) = find_by_refresh(t, &hash)
                .ok_or_else(|| grant("could not refresh the requested token"))?;
            if now > u64_at(&doc, "/creation_time") + REFRESH_LIFETIME_MS {
                return Err(grant("token document has expired"));
            }
            if bool_at(&doc, "/refresh_token/invalidated") {
                return Err(grant("token has been invalidated"));
            }
            let owner = |field: &str| {
                doc.pointer(&format!("/refresh_token/client/{field}"))
                    .and_then(Value::as_str)
            };
            if owner("user") != Some(client.user.username.as_str())
                || owner("realm") != Some(client.user.realm.name)
                || owner("api_key_id") != client.api_key_id
            {
                return Err(grant("tokens must be refreshed by the creating client"));
            }
            let auth = doc
                .pointer("/access_token/user_token/authentication")
                .and_then(authentication_from_json)
                .ok_or_else(|| grant("could not refresh the requested token"))?;
            let auth = Arc::new(auth);
            if bool_at(&doc, "/refresh_token/refreshed") {
                let refreshed_at = u64_at(&doc, "/refresh_token/refresh_time");
                if now > refreshed_at + REFRESH_REUSE_WINDOW_MS {
                    return Err(grant(
                        "token has already been refreshed more than 30 seconds in the past",
                    ));
                }
                if now + REFRESH_REUSE_WINDOW_MS < refreshed_at {
                    return Err(grant(
                        "token has been refreshed more than 30 seconds in the future, clock skew too great",
                    ));
                }
                let salt = doc
                    .pointer("/refresh_token/superseding/salt")
                    .and_then(Value::as_str)
                    .and_then(|s| STANDARD.decode(s).ok())
                    .ok_or_else(|| grant("could not refresh the requested token"))?;
                let access = derived_token(refresh.expose(), "access", &salt);
                let new_refresh = derived_token(refresh.expose(), "refresh", &salt);
                // The superseding document must still be there (not removed by an
                // invalidation).
                if t
                    .get(Section::Tokens, &token_hash(access.expose()))
                    .is_none()
                {
                    return Err(grant("could not refresh the requested token"));
                }
                return Ok(IssuedTokens {
                    access_token: access,
                    refresh_token: Some(new_refresh),
                    expires_in: self.expires_in(),
                    authentication: auth,
                });
            }
            let access = derived_token(refresh.expose(), "access", &salt);
            let new_refresh = derived_token(refresh.expose(), "refresh", &salt);
            let (new_id, new_doc) = self.new_document(
                &auth,
                client,
                true,
                access.clone(),
                Some(new_refresh.clone()),
            );
            set_at(&mut doc, "refresh_token", "refreshed", Value::Bool(true));
            set_at(&mut doc, "refresh_token", "refresh_time", json!(now));
            set_at(
                &mut doc,
                "refresh_token",
                "superseding",
                json!({"salt": STANDARD.encode(salt), "access_token_id": new_id}),
            );
            t.put(Section::Tokens, &id, doc);
            t.put(Section::Tokens, &new_id, new_doc);
            Ok(IssuedTokens {
                access_token: access,
                refresh_token: Some(new_refresh),
                expires_in: self.expires_in(),
                authentication: auth,
            })
        })?
    }

    /// `DELETE /_security/oauth2/token`, as one change of the store.
    pub fn invalidate(&self, target: &InvalidateTarget) -> Result<InvalidationResult, TokenError> {
        self.ensure_enabled()?;
        let now = self.now();
        let result = self.authenticator.store().transact(|t| {
            let mut result = InvalidationResult::default();
            match target {
                InvalidateTarget::AccessToken(token) => {
                    let id = token_hash(token.expose());
                    match t.get(Section::Tokens, &id).cloned() {
                        None => result.not_found = true,
                        Some(mut doc) => {
                            if invalidate_part(&mut doc, "access_token", &mut result) {
                                t.put(Section::Tokens, &id, doc);
                            }
                        }
                    }
                }
                InvalidateTarget::RefreshToken(token) => {
                    match find_by_refresh(t, &token_hash(token.expose())) {
                        None => result.not_found = true,
                        Some((id, mut doc)) => {
                            if invalidate_part(&mut doc, "refresh_token", &mut result) {
                                t.put(Section::Tokens, &id, doc);
                            }
                        }
                    }
                }
                InvalidateTarget::Owner { realm, username } => {
                    let docs: Vec<(String, Value)> = t
                        .docs(Section::Tokens)
                        .into_iter()
                        .map(|(id, doc)| (id.to_string(), doc.clone()))
                        .collect();
                    for (id, mut doc) in docs {
                        let auth = doc.pointer("/access_token/user_token/authentication");
                        let user = auth.and_then(|a| a.get("username")).and_then(Value::as_str);
                        let doc_realm = doc.pointer("/access_token/realm").and_then(Value::as_str);
                        if realm.as_deref().is_some_and(|r| Some(r) != doc_realm)
                            || username.as_deref().is_some_and(|u| Some(u) != user)
                        {
                            continue;
                        }
                        let access_active = !bool_at(&doc, "/access_token/invalidated")
                            && u64_at(&doc, "/access_token/user_token/expiration_time") >= now;
                        let has_refresh = doc.get("refresh_token").is_some();
                        let refresh_active = has_refresh
                            && !bool_at(&doc, "/refresh_token/invalidated")
                            && u64_at(&doc, "/creation_time") + REFRESH_LIFETIME_MS >= now;
                        if !access_active && !refresh_active {
                            continue;
                        }
                        // Refresh tokens first, as Elasticsearch does, so none can mint new
                        // access tokens meanwhile; each token counts once.
                        if has_refresh {
                            invalidate_part(&mut doc, "refresh_token", &mut result);
                        }
                        invalidate_part(&mut doc, "access_token", &mut result);
                        t.put(Section::Tokens, &id, doc);
                    }
                }
            }
            result
        })?;
        Ok(result)
    }

    /// Removes documents whose refresh token (or, without one, access token) can no longer
    /// be used, as Elasticsearch's expired-token remover does; returns how many.
    pub fn remove_expired(&self) -> Result<usize, TokenError> {
        let now = self.now();
        let removed = self.authenticator.store().transact(|t| {
            let dead: Vec<String> = t
                .docs(Section::Tokens)
                .into_iter()
                .filter(|(_, doc)| {
                    let access_dead = u64_at(doc, "/access_token/user_token/expiration_time") < now;
                    let refresh_dead = doc.get("refresh_token").is_none()
                        || u64_at(doc, "/creation_time") + REFRESH_LIFETIME_MS < now;
                    access_dead && refresh_dead
                })
                .map(|(id, _)| id.to_string())
                .collect();
            for id in &dead {
                t.delete(Section::Tokens, id);
            }
            dead.len()
        })?;
        Ok(removed)
    }
}

/// The token document whose refresh token hashes to `hash`, as the change sees it.
/// The token document holding the refresh token whose hash is `hash` (a lookup, not a scan:
/// the store indexes the field; it holds hashes, so no secret is compared here).
fn find_by_refresh(t: &Transaction<'_>, hash: &str) -> Option<(String, Value)> {
    t.find_by(Section::Tokens, "/refresh_token/token", hash)
        .map(|(id, doc)| (id, doc.clone()))
}

/// The `metadata` map of a reserved principal.
fn reserved_metadata() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("_reserved".into(), Value::Bool(true));
    m
}

/// Marks the `part` (`access_token`, `refresh_token`) of a token document invalidated,
/// counting it as newly or previously invalidated; whether the document changed.
fn invalidate_part(doc: &mut Value, part: &str, result: &mut InvalidationResult) -> bool {
    if bool_at(doc, &format!("/{part}/invalidated")) {
        result.previously_invalidated += 1;
        false
    } else {
        set_at(doc, part, "invalidated", Value::Bool(true));
        result.invalidated += 1;
        true
    }
}

/// Elasticsearch's anonymous realm (`__anonymous`, type `__anonymous`).
pub const ANONYMOUS_REALM: RealmRef = RealmRef {
    name: "__anonymous",
    realm_type: "__anonymous",
};

/// The anonymous user of `xpack.security.authc.anonymous.*`: `username` with `roles` and
/// Elasticsearch's reserved metadata, authenticated by the `__anonymous` realm.
pub fn anonymous_authentication(username: &str, roles: &[String]) -> Authentication {
    Authentication {
        username: username.to_string(),
        roles: roles.to_vec(),
        full_name: None,
        email: None,
        metadata: reserved_metadata(),
        realm: ANONYMOUS_REALM,
    }
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
