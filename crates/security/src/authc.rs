//! Authentication of Basic credentials through Elasticsearch's default realm chain: the reserved
//! users (`elastic` falling back to the keystore's `bootstrap.password` until a password is
//! stored), then the file realm (`users`/`users_roles`), then native users, with
//! Elasticsearch's realm cache so only the first request of a user pays for bcrypt. A cached
//! credential depends only on its own user's record (and the realm files): writes of tokens,
//! API keys, roles or other users leave it in place.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::api_key::{
    ApiKeyAuthentication, ApiKeyError, key_authentication, now_ms, stored_api_key,
};
use crate::file_realm::FileRealm;
use crate::hash::verify_password;
use crate::password::random_bytes;
use crate::service_account::{ServiceToken, ServiceTokenAuthentication};
use crate::{Section, SecureString, SecurityStore};

/// Reserved users that exist without being created.
pub const RESERVED_USERS: &[&str] = &[
    "elastic",
    "kibana_system",
    "kibana",
    "logstash_system",
    "beats_system",
    "apm_system",
    "remote_monitoring_user",
];

/// The superuser that auto-configuration gives a password.
pub const ELASTIC_USER: &str = "elastic";

/// Elasticsearch's realm cache TTL (`cache.ttl`, 20 minutes).
const CACHE_TTL: Duration = Duration::from_secs(20 * 60);
/// Elasticsearch's `cache.max_users`.
const CACHE_MAX_USERS: usize = 100_000;
/// Elasticsearch's API-key authentication cache TTL (1 day) and size.
const API_KEY_CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);
const API_KEY_CACHE_MAX: usize = 25_000;

/// The realm that authenticated a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealmRef {
    /// Realm name (`reserved`, `default_native`).
    pub name: &'static str,
    /// Realm type (`reserved`, `native`).
    pub realm_type: &'static str,
}

/// The reserved realm.
pub const RESERVED_REALM: RealmRef = RealmRef {
    name: "reserved",
    realm_type: "reserved",
};
/// The file realm.
pub const FILE_REALM: RealmRef = RealmRef {
    name: "default_file",
    realm_type: "file",
};
/// The native realm.
pub const NATIVE_REALM: RealmRef = RealmRef {
    name: "default_native",
    realm_type: "native",
};

/// Who made a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Authentication {
    /// User name.
    pub username: String,
    /// Role names.
    pub roles: Vec<String>,
    /// Full name, if known.
    pub full_name: Option<String>,
    /// E-mail, if known.
    pub email: Option<String>,
    /// User metadata.
    pub metadata: Map<String, Value>,
    /// The realm that vouched for the user.
    pub realm: RealmRef,
}

/// Why a request could not be authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthenticationError {
    /// No credentials were sent.
    #[error("missing authentication credentials")]
    MissingCredentials,
    /// Credentials were sent and are wrong (or the user is unknown or disabled; the
    /// message never says which).
    #[error("unable to authenticate user [{username}]")]
    InvalidCredentials {
        /// The user name given.
        username: String,
    },
    /// The `Authorization` header could not be decoded.
    #[error("malformed authorization header")]
    Malformed,
}

struct CacheEntry {
    salt: [u8; 16],
    digest: [u8; 32],
    /// What the answer was built from: the user's stored record and the realm files.
    source: UserSource,
    inserted: Instant,
    authentication: Arc<Authentication>,
}

impl fmt::Debug for CacheEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheEntry")
            .field("user", &self.authentication.username)
            .finish_non_exhaustive()
    }
}

/// The version of a user's stored record and the file realm's generation: a cached answer
/// holds while both are unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct UserSource {
    version: Option<u64>,
    files: u64,
}

fn salted_digest(salt: &[u8], password: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(password.as_bytes());
    h.finalize().into()
}

/// Verifies credentials against the store; cheap to share (`Arc`).
pub struct Authenticator {
    store: Arc<SecurityStore>,
    bootstrap_password: Option<SecureString>,
    file: Option<Arc<FileRealm>>,
    cache: Mutex<HashMap<String, CacheEntry>>,
    /// One gate per user name being verified, so that a burst of requests for a user whose
    /// cache entry is missing pays for one bcrypt, not one each (Elasticsearch's realm cache
    /// does the same).
    in_flight: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Slow-path verifications done (for tests and stats).
    verifications: std::sync::atomic::AtomicU64,
    /// Verified API keys by id (same idea as the user cache: PBKDF2 once per TTL).
    api_key_cache: Mutex<HashMap<String, ApiKeyCacheEntry>>,
    /// Verified service tokens by qualified name (PBKDF2 once per TTL, as API keys).
    service_token_cache: Mutex<HashMap<String, ServiceTokenCacheEntry>>,
    /// Bumped by every cache-clearing call, so memos built on this cache see it.
    cleared: std::sync::atomic::AtomicU64,
}

struct ServiceTokenCacheEntry {
    salt: [u8; 16],
    digest: [u8; 32],
    /// The version of the token's document the answer was built from.
    version: Option<u64>,
    /// The realm files' generation then (file tokens live in `service_tokens`).
    files: u64,
    inserted: Instant,
    token: Arc<ServiceTokenAuthentication>,
}

struct ApiKeyCacheEntry {
    salt: [u8; 16],
    digest: [u8; 32],
    /// The version of the key's document the answer was built from.
    version: Option<u64>,
    inserted: Instant,
    key: Arc<ApiKeyAuthentication>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("store", &self.store.path())
            .field("bootstrap_password", &self.bootstrap_password.is_some())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator over `store`, with the keystore's `bootstrap.password` if set.
    pub fn new(store: Arc<SecurityStore>, bootstrap_password: Option<SecureString>) -> Self {
        Self {
            store,
            bootstrap_password,
            file: None,
            cache: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            verifications: std::sync::atomic::AtomicU64::new(0),
            api_key_cache: Mutex::new(HashMap::new()),
            service_token_cache: Mutex::new(HashMap::new()),
            cleared: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Changes whenever a cached Basic or `ApiKey` authentication may no longer hold: a user
    /// changed, an existing API key was replaced or removed, the realm files changed, or a
    /// cache was cleared. Issuing tokens or API keys and changing roles leave it alone (an
    /// authentication names roles; they are compiled per request). Callers that memoize
    /// authentications (the node's per-thread memo of `Authorization` headers) drop entries
    /// made under another value.
    pub fn cache_epoch(&self) -> u64 {
        let cleared = self.cleared.load(std::sync::atomic::Ordering::Acquire);
        self.store
            .generation(Section::Users)
            .wrapping_add(self.store.overwrite_generation(Section::ApiKeys))
            .wrapping_add(self.store.overwrite_generation(Section::ServiceTokens))
            .wrapping_add(self.files_generation())
            .wrapping_add(cleared << 40)
    }

    fn bump_cleared(&self) {
        self.cleared
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Adds the file realm between the reserved and the native realm (Elasticsearch's default
    /// order).
    pub fn with_file_realm(mut self, file: Arc<FileRealm>) -> Self {
        self.file = Some(file);
        self
    }

    /// The file realm, if configured.
    pub fn file_realm(&self) -> Option<&Arc<FileRealm>> {
        self.file.as_ref()
    }

    fn files_generation(&self) -> u64 {
        self.file.as_ref().map_or(0, |f| f.generation())
    }

    /// Read before the record it describes, so that a concurrent change can only make a
    /// cached answer look stale, never a stale one look current.
    fn user_source(&self, username: &str) -> UserSource {
        UserSource {
            files: self.files_generation(),
            version: self.store.version(Section::Users, username),
        }
    }

    /// The store behind this authenticator.
    pub fn store(&self) -> &Arc<SecurityStore> {
        &self.store
    }

    /// Drops every cached credential (password changes do this implicitly).
    pub fn clear_cache(&self) {
        self.bump_cleared();
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.api_key_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.clear_service_tokens(None);
    }

    /// Drops cached service token verifications: those of the qualified names given
    /// (`<ns>/<service>/<name>`, or `<ns>/<service>/*` for every token of an account), or all.
    pub fn clear_service_tokens(&self, qualified: Option<&[String]>) {
        self.bump_cleared();
        let mut cache = self
            .service_token_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match qualified {
            None => cache.clear(),
            Some(names) => cache.retain(|k, _| {
                !names.iter().any(|n| match n.strip_suffix('*') {
                    Some(prefix) => k.starts_with(prefix),
                    None => k == n,
                })
            }),
        }
    }

    /// The cached answer for a service token, if it was verified recently and its document
    /// did not change since.
    pub fn authenticate_service_token_cached(
        &self,
        token: &ServiceToken,
    ) -> Option<Arc<ServiceTokenAuthentication>> {
        let qualified = token.qualified_name();
        let version = self.store.version(Section::ServiceTokens, &qualified);
        let cache = self
            .service_token_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let entry = cache.get(&qualified)?;
        let fresh = entry.version == version
            && entry.files == self.files_generation()
            && entry.inserted.elapsed() < API_KEY_CACHE_TTL;
        let matches: bool = salted_digest(&entry.salt, token.secret.expose())
            .ct_eq(&entry.digest)
            .into();
        (fresh && matches).then(|| entry.token.clone())
    }

    /// Authenticates a service token against the security index. May run PBKDF2
    /// (milliseconds). The error is the reason for the log; callers answer a plain 401.
    pub fn authenticate_service_token(
        &self,
        token: &ServiceToken,
    ) -> Result<Arc<ServiceTokenAuthentication>, String> {
        if let Some(t) = self.authenticate_service_token_cached(token) {
            return Ok(t);
        }
        if !crate::service_account::is_service_account(&token.principal) {
            return Err(format!(
                "the [{}] service account does not exist",
                token.principal
            ));
        }
        self.verifications
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let qualified = token.qualified_name();
        // Read before what they describe, as for users.
        let files = self.files_generation();
        let version = self.store.version(Section::ServiceTokens, &qualified);
        // Elasticsearch looks in the file first, then in the security index.
        let (hash, source) = match self
            .file
            .as_ref()
            .and_then(|f| f.service_token_hash(&qualified))
        {
            Some(hash) => (hash, crate::service_account::TokenSource::File),
            None => {
                let doc = self
                    .store
                    .doc(Section::ServiceTokens, &qualified)
                    .ok_or_else(|| format!("service account token [{qualified}] does not exist"))?;
                let hash = crate::service_account::stored_hash(&doc)
                    .unwrap_or_default()
                    .to_string();
                (hash, crate::service_account::TokenSource::Index)
            }
        };
        let verified = !hash.is_empty() && verify_password(token.secret.expose(), &hash);
        if !verified {
            return Err(format!(
                "failed to authenticate service account [{}] with token name [{}]",
                token.principal, token.name
            ));
        }
        let answer = Arc::new(ServiceTokenAuthentication {
            authentication: Arc::new(crate::service_account::authentication(&token.principal)),
            token_name: token.name.clone(),
            source,
        });
        let mut salt = [0u8; 16];
        if random_bytes(&mut salt).is_ok() {
            let mut cache = self
                .service_token_cache
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if cache.len() >= API_KEY_CACHE_MAX {
                cache.clear();
            }
            cache.insert(
                qualified,
                ServiceTokenCacheEntry {
                    salt,
                    digest: salted_digest(&salt, token.secret.expose()),
                    version,
                    files,
                    inserted: Instant::now(),
                    token: answer.clone(),
                },
            );
        }
        Ok(answer)
    }

    /// Drops the cached credentials of these users only (`_clear_cache?usernames=`).
    pub fn clear_users(&self, usernames: &[String]) {
        self.bump_cleared();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        for u in usernames {
            cache.remove(u);
        }
    }

    /// Drops the cached verifications of these API key ids only.
    pub fn clear_api_keys(&self, ids: &[String]) {
        self.bump_cleared();
        let mut cache = self.api_key_cache.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            cache.remove(id);
        }
    }

    /// Drops every cached API key verification (users stay cached).
    pub fn clear_all_api_keys(&self) {
        self.bump_cleared();
        self.api_key_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// How many user credentials are cached (for the clear-cache tests and stats).
    pub fn cached_users(&self) -> usize {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// How many API key verifications are cached.
    pub fn cached_api_keys(&self) -> usize {
        self.api_key_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// The cached answer for an API key credential, if it was verified recently and the key's
    /// document did not change since (an invalidation or update writes it). Expiry is
    /// checked on every call.
    pub fn authenticate_api_key_cached(
        &self,
        id: &str,
        key: &SecureString,
    ) -> Option<Arc<ApiKeyAuthentication>> {
        let version = self.store.version(Section::ApiKeys, id);
        let cache = self.api_key_cache.lock().unwrap_or_else(|p| p.into_inner());
        let entry = cache.get(id)?;
        let fresh = entry.version == version && entry.inserted.elapsed() < API_KEY_CACHE_TTL;
        let matches: bool = salted_digest(&entry.salt, key.expose())
            .ct_eq(&entry.digest)
            .into();
        let live = entry.key.expiration.is_none_or(|e| e > now_ms());
        (fresh && matches && live).then(|| entry.key.clone())
    }

    /// Authenticates `Authorization: ApiKey` credentials. May run PBKDF2 (milliseconds).
    pub fn authenticate_api_key(
        &self,
        id: &str,
        key: &SecureString,
    ) -> Result<Arc<ApiKeyAuthentication>, ApiKeyError> {
        if let Some(k) = self.authenticate_api_key_cached(id, key) {
            return Ok(k);
        }
        self.verifications
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Read before the document, as for users.
        let version = self.store.version(Section::ApiKeys, id);
        let stored =
            stored_api_key(&self.store, id).ok_or_else(|| ApiKeyError::NotFound(id.to_string()))?;
        // Elasticsearch checks the secret before the key's state, so a guesser learns nothing.
        if !verify_password(key.expose(), &stored.api_key_hash) {
            return Err(ApiKeyError::InvalidCredentials(id.to_string()));
        }
        if stored.invalidated {
            return Err(ApiKeyError::Invalidated(id.to_string()));
        }
        if stored.is_expired(now_ms()) {
            return Err(ApiKeyError::Expired);
        }
        let auth = Arc::new(key_authentication(&self.store, &stored));
        let mut salt = [0u8; 16];
        if random_bytes(&mut salt).is_ok() {
            let mut cache = self.api_key_cache.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() >= API_KEY_CACHE_MAX {
                cache.clear();
            }
            cache.insert(
                id.to_string(),
                ApiKeyCacheEntry {
                    salt,
                    digest: salted_digest(&salt, key.expose()),
                    version,
                    inserted: Instant::now(),
                    key: auth.clone(),
                },
            );
        }
        Ok(auth)
    }

    fn cached(&self, username: &str, password: &str) -> Option<Arc<Authentication>> {
        let source = self.user_source(username);
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let entry = cache.get(username)?;
        let fresh = entry.source == source && entry.inserted.elapsed() < CACHE_TTL;
        let matches: bool = salted_digest(&entry.salt, password)
            .ct_eq(&entry.digest)
            .into();
        (fresh && matches).then(|| entry.authentication.clone())
    }

    fn remember(
        &self,
        username: &str,
        password: &str,
        source: UserSource,
        auth: &Arc<Authentication>,
    ) {
        let mut salt = [0u8; 16];
        if random_bytes(&mut salt).is_err() {
            return; // Without randomness, skip caching rather than weaken it.
        }
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX_USERS {
            cache.clear();
        }
        cache.insert(
            username.to_string(),
            CacheEntry {
                salt,
                digest: salted_digest(&salt, password),
                source,
                inserted: Instant::now(),
                authentication: auth.clone(),
            },
        );
    }

    /// The cached answer for these credentials, if a recent successful authentication with the
    /// same password is remembered. Cheap: callers use it to avoid moving to a blocking thread.
    pub fn authenticate_cached(
        &self,
        username: &str,
        password: &SecureString,
    ) -> Option<Arc<Authentication>> {
        self.cached(username, password.expose())
    }

    /// Authenticates a user name and password. May run bcrypt (tens of milliseconds).
    pub fn authenticate(
        &self,
        username: &str,
        password: &SecureString,
    ) -> Result<Arc<Authentication>, AuthenticationError> {
        if let Some(auth) = self.cached(username, password.expose()) {
            return Ok(auth);
        }
        let gate = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(username.to_string())
            .or_default()
            .clone();
        let result = {
            let _turn = gate.lock().unwrap_or_else(|p| p.into_inner());
            // Whoever held the gate before may have filled the cache.
            match self.cached(username, password.expose()) {
                Some(auth) => Ok(auth),
                None => self.verify_uncached(username, password),
            }
        };
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        // The map and this call hold the last two references: nobody else is waiting.
        if Arc::strong_count(&gate) == 2 {
            in_flight.remove(username);
        }
        result
    }

    /// How many credentials were checked against a stored hash (cache misses).
    pub fn slow_verifications(&self) -> u64 {
        self.verifications
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn verify_uncached(
        &self,
        username: &str,
        password: &SecureString,
    ) -> Result<Arc<Authentication>, AuthenticationError> {
        self.verifications
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let source = self.user_source(username);
        let invalid = || AuthenticationError::InvalidCredentials {
            username: username.to_string(),
        };
        let reserved = RESERVED_USERS.contains(&username);
        // A wrong password for a file user continues to the native realm, as in Elasticsearch.
        if !reserved
            && let Some((hash, roles)) = self.file.as_ref().and_then(|f| f.user(username))
            && verify_password(password.expose(), &hash)
        {
            let auth = Arc::new(Authentication {
                username: username.to_string(),
                roles,
                full_name: None,
                email: None,
                metadata: Map::new(),
                realm: FILE_REALM,
            });
            self.remember(username, password.expose(), source, &auth);
            return Ok(auth);
        }
        let stored = self.store.user(username);
        let auth = match (&stored, reserved) {
            (Some(user), _) => {
                if !user.enabled {
                    return Err(invalid());
                }
                let ok = match &user.password_hash {
                    Some(hash) => verify_password(password.expose(), hash),
                    None => reserved && self.bootstrap_matches(password),
                };
                if !ok {
                    return Err(invalid());
                }
                Authentication {
                    username: username.to_string(),
                    roles: if reserved {
                        reserved_roles(username)
                    } else {
                        user.roles.clone()
                    },
                    full_name: user.full_name.clone(),
                    email: user.email.clone(),
                    metadata: if reserved {
                        reserved_metadata()
                    } else {
                        user.metadata.clone()
                    },
                    realm: if reserved {
                        RESERVED_REALM
                    } else {
                        NATIVE_REALM
                    },
                }
            }
            (None, true) if self.bootstrap_matches(password) => Authentication {
                username: username.to_string(),
                roles: reserved_roles(username),
                full_name: None,
                email: None,
                metadata: reserved_metadata(),
                realm: RESERVED_REALM,
            },
            _ => return Err(invalid()),
        };
        let auth = Arc::new(auth);
        self.remember(username, password.expose(), source, &auth);
        Ok(auth)
    }

    fn bootstrap_matches(&self, password: &SecureString) -> bool {
        self.bootstrap_password
            .as_ref()
            .is_some_and(|b| !b.is_empty() && b.ct_eq(password.expose()))
    }
}

fn reserved_metadata() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("_reserved".into(), Value::Bool(true));
    m
}

/// The fixed roles of a reserved user.
pub fn reserved_roles(username: &str) -> Vec<String> {
    let roles: &[&str] = match username {
        "elastic" => &["superuser"],
        "kibana_system" => &["kibana_system"],
        "kibana" => &["kibana_system"],
        "logstash_system" => &["logstash_system"],
        "beats_system" => &["beats_system"],
        "apm_system" => &["apm_system"],
        "remote_monitoring_user" => &["remote_monitoring_collector", "remote_monitoring_agent"],
        _ => &[],
    };
    roles.iter().map(|r| r.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Hasher, StoredUser};

    fn store_with_elastic(password: &str) -> (tempfile::TempDir, Arc<SecurityStore>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SecurityStore::open(dir.path()).unwrap());
        let hash = Hasher::Bcrypt { cost: 4 }.hash(password).unwrap();
        store
            .put_user(ELASTIC_USER, StoredUser::new(hash, vec![]))
            .unwrap();
        (dir, store)
    }

    #[test]
    fn elastic_authenticates_as_reserved_superuser() {
        let (_d, store) = store_with_elastic("s3cret-pass");
        let a = Authenticator::new(store, None);
        let auth = a
            .authenticate("elastic", &SecureString::new("s3cret-pass"))
            .unwrap();
        assert_eq!(auth.roles, vec!["superuser".to_string()]);
        assert_eq!(auth.realm, RESERVED_REALM);
        // Second call comes from the cache and gives the same answer.
        assert_eq!(
            a.authenticate("elastic", &SecureString::new("s3cret-pass"))
                .unwrap(),
            auth
        );
        assert_eq!(
            a.authenticate("elastic", &SecureString::new("wrong-pass"))
                .unwrap_err(),
            AuthenticationError::InvalidCredentials {
                username: "elastic".into()
            }
        );
        assert!(a.authenticate("nobody", &SecureString::new("x")).is_err());
    }

    #[test]
    fn a_password_change_invalidates_the_cache() {
        let (_d, store) = store_with_elastic("first-pass");
        let a = Authenticator::new(store.clone(), None);
        assert!(a.authenticate("elastic", &"first-pass".into()).is_ok());
        let hash = Hasher::Bcrypt { cost: 4 }.hash("second-pass").unwrap();
        store
            .put_user(ELASTIC_USER, StoredUser::new(hash, vec![]))
            .unwrap();
        assert!(a.authenticate("elastic", &"first-pass".into()).is_err());
        assert!(a.authenticate("elastic", &"second-pass".into()).is_ok());
    }

    #[test]
    fn bootstrap_password_is_the_fallback_until_a_password_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SecurityStore::open(dir.path()).unwrap());
        let a = Authenticator::new(store.clone(), Some("bootstrap-pw".into()));
        let auth = a.authenticate("elastic", &"bootstrap-pw".into()).unwrap();
        assert_eq!(auth.realm, RESERVED_REALM);
        assert!(a.authenticate("elastic", &"other".into()).is_err());
        // Not for native users.
        assert!(a.authenticate("joe", &"bootstrap-pw".into()).is_err());
        // Once a password is stored, the bootstrap password no longer works.
        let hash = Hasher::Bcrypt { cost: 4 }.hash("stored-pw").unwrap();
        store
            .put_user(ELASTIC_USER, StoredUser::new(hash, vec![]))
            .unwrap();
        assert!(a.authenticate("elastic", &"bootstrap-pw".into()).is_err());
    }

    #[test]
    fn a_burst_of_cold_requests_pays_for_one_bcrypt() {
        let (_d, store) = store_with_elastic("burst-pass");
        let a = Arc::new(Authenticator::new(store, None));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let a = a.clone();
                std::thread::spawn(move || a.authenticate("elastic", &"burst-pass".into()))
            })
            .collect();
        for t in threads {
            assert!(t.join().unwrap().is_ok());
        }
        assert_eq!(a.slow_verifications(), 1);
        assert!(a.in_flight.lock().unwrap().is_empty());
    }

    #[test]
    fn file_users_come_after_reserved_and_before_native() {
        let (dir, store) = store_with_elastic("elastic-pw");
        let conf = tempfile::tempdir().unwrap();
        let hash = |p: &str| Hasher::Bcrypt { cost: 4 }.hash(p).unwrap();
        let mut files = crate::file_realm::FileUsers::default();
        files.users.insert("fileuser".into(), hash("file-pass"));
        files.users.insert("elastic".into(), hash("file-elastic"));
        files.users.insert("both".into(), hash("file-both"));
        files.roles.insert("fileuser".into(), vec!["viewer".into()]);
        files.save(conf.path()).unwrap();
        store
            .put_user(
                "both",
                StoredUser::new(hash("native-both"), vec!["x".into()]),
            )
            .unwrap();
        let (realm, _) = FileRealm::open(conf.path()).unwrap();
        let realm = Arc::new(realm);
        let a = Authenticator::new(store, None).with_file_realm(realm.clone());
        let auth = a.authenticate("fileuser", &"file-pass".into()).unwrap();
        assert_eq!(auth.realm, FILE_REALM);
        assert_eq!(auth.roles, vec!["viewer".to_string()]);
        // Reserved names never reach the file realm.
        assert!(a.authenticate("elastic", &"file-elastic".into()).is_err());
        // A wrong file password continues to native.
        assert_eq!(
            a.authenticate("both", &"native-both".into()).unwrap().realm,
            NATIVE_REALM
        );
        assert_eq!(
            a.authenticate("both", &"file-both".into()).unwrap().realm,
            FILE_REALM
        );
        // Removing the user from the file invalidates the cached success.
        files.users.remove("fileuser");
        files.save(conf.path()).unwrap();
        assert!(realm.reload_if_changed().unwrap().is_some());
        assert!(a.authenticate("fileuser", &"file-pass".into()).is_err());
        drop(dir);
    }

    #[test]
    fn issuing_tokens_and_api_keys_keeps_every_cache() {
        use crate::api_key::{ApiKeyFilter, CreateApiKey, create_api_key, invalidate_api_keys};
        use crate::authz::compiled_role;
        use crate::token::{TokenService, TokenSettings};

        let (_d, store) = store_with_elastic("elastic-pass");
        let hash = Hasher::Bcrypt { cost: 4 }.hash("joe-pass").unwrap();
        store
            .put_user("joe", StoredUser::new(hash.clone(), vec!["mon".into()]))
            .unwrap();
        store
            .put_role("mon", serde_json::json!({"cluster": ["monitor"]}))
            .unwrap();
        let a = Arc::new(Authenticator::new(store.clone(), None));
        let joe = a.authenticate("joe", &"joe-pass".into()).unwrap();
        let key = |name: &str| {
            let req = CreateApiKey::parse(&serde_json::json!({ "name": name })).unwrap();
            create_api_key(&store, &joe, req).unwrap()
        };
        let k1 = key("k1");
        a.authenticate_api_key(&k1.id, &k1.api_key).unwrap();
        assert_eq!(a.slow_verifications(), 2);
        let epoch = a.cache_epoch();
        let roles = vec!["mon".to_string()];
        let (role, _) = compiled_role(Some(&store), &roles);

        let tokens = TokenService::new(a.clone(), TokenSettings::default());
        let bearer = tokens.create_token(joe.clone(), true).unwrap();
        tokens.authenticate(bearer.access_token.expose()).unwrap();
        for _ in 0..20 {
            tokens.create_token(joe.clone(), true).unwrap();
        }
        for i in 0..5 {
            key(&format!("more{i}"));
        }
        assert_eq!(
            a.cache_epoch(),
            epoch,
            "tokens and new keys move the memo epoch"
        );
        a.authenticate("joe", &"joe-pass".into()).unwrap();
        a.authenticate_api_key(&k1.id, &k1.api_key).unwrap();
        assert_eq!(a.slow_verifications(), 2, "a hash was computed again");
        assert!(Arc::ptr_eq(&compiled_role(Some(&store), &roles).0, &role));

        // Another user's change leaves joe's credential cached.
        store
            .put_user("ann", StoredUser::new(hash.clone(), vec![]))
            .unwrap();
        a.authenticate("joe", &"joe-pass".into()).unwrap();
        assert_eq!(a.slow_verifications(), 2);
        // Joe's own change does not.
        store
            .update_user("joe", |u| {
                let mut u = u.unwrap();
                u.full_name = Some("Joe".into());
                (crate::store::Update::Put(u), ())
            })
            .unwrap();
        let again = a.authenticate("joe", &"joe-pass".into()).unwrap();
        assert_eq!(a.slow_verifications(), 3);
        assert_eq!(again.full_name.as_deref(), Some("Joe"));
        // Invalidating the key moves the epoch and refuses it at once.
        let epoch = a.cache_epoch();
        invalidate_api_keys(
            &store,
            &ApiKeyFilter {
                ids: vec![k1.id.clone()],
                ..ApiKeyFilter::default()
            },
        );
        assert_ne!(a.cache_epoch(), epoch);
        assert!(a.authenticate_api_key(&k1.id, &k1.api_key).is_err());
        // A role change recompiles.
        store
            .put_role("mon", serde_json::json!({"cluster": ["all"]}))
            .unwrap();
        assert!(!Arc::ptr_eq(&compiled_role(Some(&store), &roles).0, &role));
        // A token's cached validation survives other tokens, not its user being disabled.
        tokens.create_token(joe.clone(), false).unwrap();
        tokens.authenticate(bearer.access_token.expose()).unwrap();
        store
            .update_user("joe", |u| {
                let mut u = u.unwrap();
                u.enabled = false;
                (crate::store::Update::Put(u), ())
            })
            .unwrap();
        assert!(tokens.authenticate(bearer.access_token.expose()).is_err());
    }

    #[test]
    fn disabled_users_cannot_authenticate() {
        let (_d, store) = store_with_elastic("pw-123456");
        let mut user = store.user("elastic").unwrap();
        user.enabled = false;
        store.put_user("elastic", user).unwrap();
        let a = Authenticator::new(store, None);
        assert!(a.authenticate("elastic", &"pw-123456".into()).is_err());
    }
}
