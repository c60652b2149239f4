//! Server-side sessions: the cookie holds only a random session id and a random AAD; the
//! session (user name hash, provider, expiry) lives in the node's `.kibana_security_session_1`
//! index, written as the console's own user, with `content` (the user name and what the
//! provider replays to the node: the Basic header, or the token pair) encrypted under
//! `xpack.security.encryptionKey` (AES-256-GCM, the cookie's AAD bound in). A store without the
//! cookie reveals no credentials, a cookie without the store (after logout or expiry) is
//! worthless, and sessions survive a console restart when the key is configured. Until the
//! index is available (or when the node refuses it) sessions are held in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::Method;
use ironstack_tls::Secret;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::config::ProviderType;
use crate::node_client::NodeClient;
use crate::{Error, Result};

/// The session index (Kibana's name) and its alias.
pub(crate) const SESSION_INDEX: &str = ".kibana_security_session_1";
const SESSION_ALIAS: &str = ".kibana_security_session";

/// The idle expiry is rewritten at most this often per session (Kibana throttles too).
const IDLE_WRITE_THROTTLE_MS: u64 = 60_000;

/// The cookie's name (Kibana's `xpack.security.cookieName` default).
pub(crate) const COOKIE_NAME: &str = "sid";

/// A session in use.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The logged-in user.
    pub(crate) username: String,
    /// The provider that logged the user in.
    pub(crate) provider: ProviderType,
    /// The provider's name (`basic`, `token1`, …).
    pub(crate) provider_name: String,
    /// The `Authorization` header to replay to the node (Basic, or Bearer with the access
    /// token).
    pub(crate) authorization: Secret,
    /// The token provider's refresh token.
    pub(crate) refresh_token: Option<Secret>,
    /// When the access token expires (ms since the epoch).
    pub(crate) access_expires_at: Option<u64>,
}

impl Session {
    fn content(&self) -> Zeroizing<Vec<u8>> {
        let mut state = json!({"authorization": self.authorization.expose()});
        if let Some(refresh) = &self.refresh_token {
            state["refreshToken"] = json!(refresh.expose());
        }
        if let Some(at) = self.access_expires_at {
            state["expiresAt"] = json!(at);
        }
        let content = json!({
            "username": self.username,
            "provider": {"type": self.provider.name(), "name": self.provider_name},
            "state": state,
        });
        Zeroizing::new(serde_json::to_vec(&content).unwrap_or_default())
    }

    fn from_content(plain: &[u8]) -> Option<Self> {
        let content: Value = serde_json::from_slice(plain).ok()?;
        let state = &content["state"];
        Some(Session {
            username: content["username"].as_str()?.to_string(),
            provider: ProviderType::parse(content["provider"]["type"].as_str()?)?,
            provider_name: content["provider"]["name"].as_str()?.to_string(),
            authorization: Secret::new(state["authorization"].as_str()?),
            refresh_token: state["refreshToken"].as_str().map(Secret::new),
            access_expires_at: state["expiresAt"].as_u64(),
        })
    }
}

/// What a cookie leads to.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// A live session (its idle expiry has been extended).
    Valid(Session),
    /// The session existed but timed out (idle or lifespan); it is gone now.
    Expired,
    /// No such session (never existed, logged out, or a malformed cookie).
    Missing,
}

struct Stored {
    sealed: Vec<u8>,
    idle_expiration: Option<u64>,
    lifespan_expiration: Option<u64>,
}

/// The node index behind the sessions, once it exists.
struct IndexStore {
    node: Arc<NodeClient>,
    authorization: Secret,
}

/// The session store.
pub(crate) struct Sessions {
    key: Zeroizing<[u8; 32]>,
    idle_timeout: Option<Duration>,
    lifespan: Option<Duration>,
    map: Mutex<HashMap<String, Stored>>,
    index: OnceLock<IndexStore>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("idle_timeout", &self.idle_timeout)
            .field("lifespan", &self.lifespan)
            .finish_non_exhaustive()
    }
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
    Ok(bytes)
}

/// Milliseconds since the epoch.
pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Hex SHA-256 of a user name (Kibana uses SHA3-256; only this console reads the field).
fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A cookie's session id and AAD, when well-formed.
fn split_cookie(cookie: &str) -> Option<(&str, Vec<u8>)> {
    let (sid, aad) = cookie.split_once('.')?;
    let aad = URL_SAFE_NO_PAD.decode(aad).ok()?;
    let raw = URL_SAFE_NO_PAD.decode(sid).ok()?;
    (raw.len() == 32 && aad.len() == 32).then_some((sid, aad))
}

impl Sessions {
    /// A store keyed by `encryption_key` (hashed to 256 bits), or by a random key when none
    /// is configured.
    pub(crate) fn new(
        encryption_key: Option<&Secret>,
        idle_timeout: Option<Duration>,
        lifespan: Option<Duration>,
    ) -> Result<Self> {
        let key = match encryption_key {
            Some(k) => Sha256::digest(k.expose().as_bytes()).into(),
            None => random::<32>()?,
        };
        Ok(Sessions {
            key: Zeroizing::new(key),
            idle_timeout,
            lifespan,
            map: Mutex::new(HashMap::new()),
            index: OnceLock::new(),
        })
    }

    /// Whether sessions already live in the node (the gate may run its steps again).
    pub(crate) fn has_index(&self) -> bool {
        self.index.get().is_some()
    }

    /// Creates the session index (if missing) as the console's user and moves the sessions
    /// there; on failure they stay in memory and the cause is returned.
    pub(crate) async fn use_index(
        &self,
        node: Arc<NodeClient>,
        authorization: Secret,
    ) -> std::result::Result<(), String> {
        let body = json!({
            "settings": {
                "index": {
                    "number_of_shards": 1,
                    "number_of_replicas": 0,
                    "auto_expand_replicas": "0-1",
                    "priority": 1000,
                    "hidden": true
                }
            },
            "mappings": {
                "dynamic": "strict",
                "_meta": {"security-version": "8.7.0"},
                "properties": {
                    "usernameHash": {"type": "keyword"},
                    "provider": {"properties": {"name": {"type": "keyword"}, "type": {"type": "keyword"}}},
                    "idleTimeoutExpiration": {"type": "date"},
                    "lifespanExpiration": {"type": "date"},
                    "createdAt": {"type": "date"},
                    "accessAgreementAcknowledged": {"type": "boolean"},
                    "content": {"type": "binary"}
                }
            },
            "aliases": {SESSION_ALIAS: {"is_write_index": true}}
        });
        let path = format!("/{SESSION_INDEX}");
        let mut answer = node
            .request(Method::PUT, &path, Some(&authorization), Some(&body))
            .await
            .map_err(|e| e.to_string())?;
        if answer.status == 400 && answer.reason().contains("[binary]") {
            // A node store without the `binary` type: the same bytes as an unindexed keyword.
            let mut body = body;
            body["mappings"]["properties"]["content"] =
                json!({"type": "keyword", "index": false, "doc_values": false});
            answer = node
                .request(Method::PUT, &path, Some(&authorization), Some(&body))
                .await
                .map_err(|e| e.to_string())?;
        }
        let exists = answer.body["error"]["type"] == "resource_already_exists_exception";
        if !answer.ok() && !exists {
            return Err(format!(
                "cannot create the session index [{SESSION_INDEX}]: {}",
                answer.reason()
            ));
        }
        let _ = self.index.set(IndexStore {
            node,
            authorization,
        });
        Ok(())
    }

    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let nonce = random::<12>()?;
        let cipher = Aes256Gcm::new((&*self.key).into());
        let mut out = nonce.to_vec();
        out.extend(
            cipher
                .encrypt(
                    &Nonce::from(nonce),
                    Payload {
                        msg: plaintext,
                        aad,
                    },
                )
                .map_err(|_| Error::Random("session encryption failed".to_string()))?,
        );
        Ok(out)
    }

    fn open_sealed(&self, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.len() < 12 {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let cipher = Aes256Gcm::new((&*self.key).into());
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Stored>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates a session and returns the cookie value.
    pub(crate) async fn create(&self, session: &Session) -> Result<String> {
        let now = now_millis();
        let sid = URL_SAFE_NO_PAD.encode(random::<32>()?);
        let aad = random::<32>()?;
        let sealed = self.seal(&aad, &session.content())?;
        let idle = self.idle_timeout.map(|d| now.saturating_add(millis(d)));
        let lifespan = self.lifespan.map(|d| now.saturating_add(millis(d)));
        let cookie = format!("{sid}.{}", URL_SAFE_NO_PAD.encode(aad));
        let Some(index) = self.index.get() else {
            self.lock().insert(
                sid,
                Stored {
                    sealed,
                    idle_expiration: idle,
                    lifespan_expiration: lifespan,
                },
            );
            return Ok(cookie);
        };
        let doc = json!({
            "usernameHash": hex_sha256(&session.username),
            "provider": {"type": session.provider.name(), "name": session.provider_name},
            "idleTimeoutExpiration": idle,
            "lifespanExpiration": lifespan,
            "createdAt": now,
            "accessAgreementAcknowledged": false,
            "content": STANDARD.encode(sealed),
        });
        self.put_document(index, &sid, &doc).await?;
        Ok(cookie)
    }

    /// Sessions are read back by id (a real-time GET), so writes need not wait for a
    /// refresh: Kibana writes them with `refresh: false` too, and waiting made every login
    /// take up to the node's refresh interval.
    async fn put_document(&self, index: &IndexStore, sid: &str, doc: &Value) -> Result<()> {
        let path = format!("/{SESSION_INDEX}/_doc/{sid}?refresh=false");
        let answer = index
            .node
            .request(Method::PUT, &path, Some(&index.authorization), Some(doc))
            .await?;
        if !answer.ok() {
            return Err(Error::Node(format!(
                "cannot write the session to [{SESSION_INDEX}]: {}",
                answer.reason()
            )));
        }
        Ok(())
    }

    async fn get_document(&self, index: &IndexStore, sid: &str) -> Option<Value> {
        let path = format!("/{SESSION_INDEX}/_doc/{sid}");
        match index
            .node
            .request(Method::GET, &path, Some(&index.authorization), None)
            .await
        {
            Ok(a) if a.ok() && a.body["found"] == true => Some(a.body["_source"].clone()),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!("cannot read a session from [{SESSION_INDEX}]: {e}");
                None
            }
        }
    }

    /// Looks a cookie up (see [`Lookup`]), extending the idle expiry.
    pub(crate) async fn lookup(&self, cookie: &str) -> Lookup {
        self.lookup_at(cookie, now_millis()).await
    }

    async fn lookup_at(&self, cookie: &str, now: u64) -> Lookup {
        let Some((sid, aad)) = split_cookie(cookie) else {
            return Lookup::Missing;
        };
        let Some(index) = self.index.get() else {
            return self.memory_lookup(sid, &aad, now);
        };
        let Some(mut source) = self.get_document(index, sid).await else {
            return Lookup::Missing;
        };
        let idle = source["idleTimeoutExpiration"].as_u64();
        let expired = idle.is_some_and(|t| t <= now)
            || source["lifespanExpiration"]
                .as_u64()
                .is_some_and(|t| t <= now);
        if expired {
            self.delete_document(index, sid).await;
            return Lookup::Expired;
        }
        let Some(session) = source["content"]
            .as_str()
            .and_then(|c| STANDARD.decode(c).ok())
            .and_then(|sealed| self.open_sealed(&aad, &sealed))
            .and_then(|plain| Session::from_content(&plain))
        else {
            return Lookup::Missing;
        };
        if let (Some(timeout), Some(current)) = (self.idle_timeout, idle) {
            let extended = now.saturating_add(millis(timeout));
            if extended.saturating_sub(current) >= IDLE_WRITE_THROTTLE_MS {
                source["idleTimeoutExpiration"] = json!(extended);
                if let Err(e) = self.put_document(index, sid, &source).await {
                    tracing::warn!("cannot extend a session: {e}");
                }
            }
        }
        Lookup::Valid(session)
    }

    fn memory_lookup(&self, sid: &str, aad: &[u8], now: u64) -> Lookup {
        let mut map = self.lock();
        let Some(stored) = map.get_mut(sid) else {
            return Lookup::Missing;
        };
        let expired = stored.idle_expiration.is_some_and(|t| t <= now)
            || stored.lifespan_expiration.is_some_and(|t| t <= now);
        if expired {
            map.remove(sid);
            return Lookup::Expired;
        }
        // Right id, wrong AAD (a forged cookie): nothing, and the owner's session stays.
        let Some(session) = self
            .open_sealed(aad, &stored.sealed)
            .and_then(|plain| Session::from_content(&plain))
        else {
            return Lookup::Missing;
        };
        if let Some(idle) = self.idle_timeout {
            stored.idle_expiration = Some(now.saturating_add(millis(idle)));
        }
        Lookup::Valid(session)
    }

    /// Replaces what a live session replays (refreshed tokens), keeping its expiries.
    pub(crate) async fn replace(&self, cookie: &str, session: &Session) -> Result<()> {
        let Some((sid, aad)) = split_cookie(cookie) else {
            return Err(Error::Node("malformed session cookie".to_string()));
        };
        let sealed = self.seal(&aad, &session.content())?;
        let Some(index) = self.index.get() else {
            if let Some(stored) = self.lock().get_mut(sid) {
                stored.sealed = sealed;
            }
            return Ok(());
        };
        let Some(mut source) = self.get_document(index, sid).await else {
            return Err(Error::Node("the session is gone".to_string()));
        };
        source["content"] = json!(STANDARD.encode(sealed));
        self.put_document(index, sid, &source).await
    }

    /// Deletes the session of a cookie (logout); true when there was one.
    pub(crate) async fn invalidate(&self, cookie: &str) -> bool {
        let Some((sid, _)) = split_cookie(cookie) else {
            return false;
        };
        match self.index.get() {
            Some(index) => self.delete_document(index, sid).await,
            None => self.lock().remove(sid).is_some(),
        }
    }

    async fn delete_document(&self, index: &IndexStore, sid: &str) -> bool {
        let path = format!("/{SESSION_INDEX}/_doc/{sid}?refresh=false");
        match index
            .node
            .request(Method::DELETE, &path, Some(&index.authorization), None)
            .await
        {
            Ok(a) => a.ok() && a.body["result"] == "deleted",
            Err(e) => {
                tracing::warn!("cannot delete a session from [{SESSION_INDEX}]: {e}");
                false
            }
        }
    }

    /// Drops every expired session (called periodically).
    pub(crate) async fn purge_expired(&self) {
        let now = now_millis();
        self.lock().retain(|_, s| {
            !(s.idle_expiration.is_some_and(|t| t <= now)
                || s.lifespan_expiration.is_some_and(|t| t <= now))
        });
        let Some(index) = self.index.get() else {
            return;
        };
        let query = json!({"query": {"bool": {"should": [
            {"range": {"idleTimeoutExpiration": {"lte": now}}},
            {"range": {"lifespanExpiration": {"lte": now}}}
        ], "minimum_should_match": 1}}});
        let path = format!("/{SESSION_INDEX}/_delete_by_query?conflicts=proceed");
        match index
            .node
            .request(
                Method::POST,
                &path,
                Some(&index.authorization),
                Some(&query),
            )
            .await
        {
            Ok(a) if a.ok() => {}
            Ok(a) => tracing::warn!("session clean-up failed: {}", a.reason()),
            Err(e) => tracing::warn!("session clean-up failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(idle: u64, lifespan: u64) -> Sessions {
        let key = Secret::new("a".repeat(32));
        Sessions::new(
            Some(&key),
            Some(Duration::from_millis(idle)),
            Some(Duration::from_millis(lifespan)),
        )
        .unwrap()
    }

    fn basic(user: &str, header: &str) -> Session {
        Session {
            username: user.to_string(),
            provider: ProviderType::Basic,
            provider_name: "basic".to_string(),
            authorization: Secret::new(header),
            refresh_token: None,
            access_expires_at: None,
        }
    }

    /// A memory session created at `now` (the expiries are relative to the clock).
    fn create_at(s: &Sessions, session: &Session, now: u64) -> String {
        let sid = URL_SAFE_NO_PAD.encode(random::<32>().unwrap());
        let aad = random::<32>().unwrap();
        let sealed = s.seal(&aad, &session.content()).unwrap();
        s.lock().insert(
            sid.clone(),
            Stored {
                sealed,
                idle_expiration: s.idle_timeout.map(|d| now + millis(d)),
                lifespan_expiration: s.lifespan.map(|d| now + millis(d)),
            },
        );
        format!("{sid}.{}", URL_SAFE_NO_PAD.encode(aad))
    }

    #[tokio::test]
    async fn round_trip_replace_and_logout() {
        let s = store(60_000, 600_000);
        let cookie = s
            .create(&basic("alice", "Basic YWxpY2U6cHc="))
            .await
            .unwrap();
        match s.lookup(&cookie).await {
            Lookup::Valid(session) => {
                assert_eq!(session.username, "alice");
                assert_eq!(session.authorization.expose(), "Basic YWxpY2U6cHc=");
                assert_eq!(session.provider, ProviderType::Basic);
            }
            other => panic!("{other:?}"),
        }
        let mut token = basic("alice", "Bearer new-access");
        token.provider = ProviderType::Token;
        token.provider_name = "token1".to_string();
        token.refresh_token = Some(Secret::new("refresh"));
        token.access_expires_at = Some(42);
        s.replace(&cookie, &token).await.unwrap();
        match s.lookup(&cookie).await {
            Lookup::Valid(session) => {
                assert_eq!(session.authorization.expose(), "Bearer new-access");
                assert_eq!(session.refresh_token.unwrap().expose(), "refresh");
                assert_eq!(session.access_expires_at, Some(42));
                assert_eq!(session.provider_name, "token1");
            }
            other => panic!("{other:?}"),
        }
        assert!(s.invalidate(&cookie).await);
        assert!(matches!(s.lookup(&cookie).await, Lookup::Missing));
        assert!(!s.invalidate(&cookie).await);
    }

    #[test]
    fn credentials_are_not_stored_in_clear() {
        let s = store(1000, 10_000);
        let _ = create_at(&s, &basic("alice", "Basic c2VjcmV0"), 0);
        let map = s.lock();
        let stored = map.values().next().unwrap();
        assert!(!stored.sealed.windows(6).any(|w| w == b"c2VjcmV"));
        assert!(!stored.sealed.windows(5).any(|w| w == b"alice"));
    }

    #[test]
    fn idle_timeout_is_extended_by_use_but_lifespan_is_not() {
        let s = store(100, 250);
        let cookie = create_at(&s, &basic("bob", "Basic x"), 0);
        let (sid, aad) = split_cookie(&cookie).unwrap();
        assert!(matches!(s.memory_lookup(sid, &aad, 90), Lookup::Valid(_)));
        assert!(matches!(s.memory_lookup(sid, &aad, 180), Lookup::Valid(_)));
        // Idle would allow 280, lifespan stops at 250.
        assert!(matches!(s.memory_lookup(sid, &aad, 260), Lookup::Expired));
        assert!(matches!(s.memory_lookup(sid, &aad, 261), Lookup::Missing));
        let cookie = create_at(&s, &basic("bob", "Basic x"), 0);
        let (sid, aad) = split_cookie(&cookie).unwrap();
        assert!(matches!(s.memory_lookup(sid, &aad, 150), Lookup::Expired));
    }

    #[tokio::test]
    async fn forged_cookies_find_nothing() {
        let s = store(60_000, 600_000);
        let cookie = s.create(&basic("carol", "Basic y")).await.unwrap();
        let (sid, _) = cookie.split_once('.').unwrap();
        let forged = format!("{sid}.{}", URL_SAFE_NO_PAD.encode([7u8; 32]));
        assert!(matches!(s.lookup(&forged).await, Lookup::Missing));
        assert!(matches!(s.lookup(sid).await, Lookup::Missing));
        assert!(matches!(s.lookup("").await, Lookup::Missing));
        assert!(matches!(s.lookup("a.!!!").await, Lookup::Missing));
        assert!(!s.invalidate(&forged[..10]).await);
        // The owner's session survived the forgery attempts.
        assert!(matches!(s.lookup(&cookie).await, Lookup::Valid(_)));
    }

    #[test]
    fn sealed_content_needs_the_cookies_aad_and_the_key() {
        let s = store(1000, 10_000);
        let sealed = s.seal(b"aad-1", b"Basic secret").unwrap();
        assert_eq!(
            s.open_sealed(b"aad-1", &sealed).unwrap().as_slice(),
            b"Basic secret"
        );
        assert!(s.open_sealed(b"aad-2", &sealed).is_none());
        assert!(s.open_sealed(b"aad-1", &sealed[..11]).is_none());
        let other = Sessions::new(Some(&Secret::new("c".repeat(32))), None, None).unwrap();
        assert!(other.open_sealed(b"aad-1", &sealed).is_none());
        assert_eq!(hex_sha256("elastic").len(), 64);
    }

    #[tokio::test]
    async fn different_keys_cannot_read_each_other() {
        let a = store(60_000, 600_000);
        let cookie = a.create(&basic("dave", "Basic z")).await.unwrap();
        let (sid, aad) = split_cookie(&cookie).unwrap();
        let sealed = a.lock()[sid].sealed.clone();
        let b = Sessions::new(Some(&Secret::new("b".repeat(32))), None, None).unwrap();
        assert!(b.open_sealed(&aad, &sealed).is_none());
        let unlimited = Sessions::new(None, None, None).unwrap();
        let c = unlimited.create(&basic("erin", "Basic q")).await.unwrap();
        let (sid, aad) = split_cookie(&c).unwrap();
        assert!(matches!(
            unlimited.memory_lookup(sid, &aad, u64::MAX - 1),
            Lookup::Valid(_)
        ));
    }
}
