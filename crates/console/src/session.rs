//! Server-side sessions: the cookie holds only a random session id and a random AAD; the
//! session (user name hash, provider, expiry) lives in the node's `.kibana_security_session_1`
//! index, written as the console's own user, with the user's name and credentials in `content`
//! encrypted under `xpack.security.encryptionKey` (AES-256-GCM, the cookie's AAD bound in). A
//! store without the cookie reveals no credentials, a cookie without the store (after logout
//! or expiry) is worthless, and sessions survive a console restart when the key is configured.
//! Until the index is available (or when the node refuses it) sessions are held in memory.

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
    /// The `Authorization` header to replay to the node.
    pub(crate) authorization: Secret,
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
    username: String,
    nonce: [u8; 12],
    content: Vec<u8>,
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

    /// Creates a session and returns the cookie value.
    pub(crate) async fn create(&self, username: &str, authorization: &Secret) -> Result<String> {
        let Some(index) = self.index.get() else {
            return self.create_at(username, authorization, now_millis());
        };
        let now = now_millis();
        let sid = URL_SAFE_NO_PAD.encode(random::<32>()?);
        let aad = random::<32>()?;
        let content =
            json!({"username": username, "state": {"authorization": authorization.expose()}});
        let plaintext = Zeroizing::new(serde_json::to_vec(&content).unwrap_or_default());
        let sealed = self.seal(&aad, &plaintext)?;
        let doc = json!({
            "usernameHash": hex_sha256(username),
            "provider": {"type": "basic", "name": "basic"},
            "idleTimeoutExpiration": self.idle_timeout.map(|d| now.saturating_add(millis(d))),
            "lifespanExpiration": self.lifespan.map(|d| now.saturating_add(millis(d))),
            "createdAt": now,
            "accessAgreementAcknowledged": false,
            "content": STANDARD.encode(sealed),
        });
        let path = format!("/{SESSION_INDEX}/_doc/{sid}?refresh=wait_for");
        let answer = index
            .node
            .request(Method::PUT, &path, Some(&index.authorization), Some(&doc))
            .await?;
        if !answer.ok() {
            return Err(Error::Node(format!(
                "cannot write the session to [{SESSION_INDEX}]: {}",
                answer.reason()
            )));
        }
        Ok(format!("{sid}.{}", URL_SAFE_NO_PAD.encode(aad)))
    }

    /// Looks a cookie up (see [`Lookup`]); a session whose document cannot be read is missing.
    pub(crate) async fn lookup(&self, cookie: &str) -> Lookup {
        let Some(index) = self.index.get() else {
            return self.get_at(cookie, now_millis());
        };
        let Some((sid, aad)) = cookie.split_once('.') else {
            return Lookup::Missing;
        };
        let (Ok(aad), Ok(raw_sid)) = (URL_SAFE_NO_PAD.decode(aad), URL_SAFE_NO_PAD.decode(sid))
        else {
            return Lookup::Missing;
        };
        if raw_sid.len() != 32 {
            return Lookup::Missing;
        }
        let path = format!("/{SESSION_INDEX}/_doc/{sid}");
        let answer = match index
            .node
            .request(Method::GET, &path, Some(&index.authorization), None)
            .await
        {
            Ok(a) if a.ok() && a.body["found"] == true => a,
            Ok(_) => return Lookup::Missing,
            Err(e) => {
                tracing::warn!("cannot read a session from [{SESSION_INDEX}]: {e}");
                return Lookup::Missing;
            }
        };
        let mut source = answer.body["_source"].clone();
        let now = now_millis();
        let idle = source["idleTimeoutExpiration"].as_u64();
        let expired = idle.is_some_and(|t| t <= now)
            || source["lifespanExpiration"]
                .as_u64()
                .is_some_and(|t| t <= now);
        if expired {
            self.delete_document(index, sid).await;
            return Lookup::Expired;
        }
        let Some(sealed) = source["content"]
            .as_str()
            .and_then(|c| STANDARD.decode(c).ok())
        else {
            return Lookup::Missing;
        };
        let Some(plain) = self.open_sealed(&aad, &sealed) else {
            return Lookup::Missing;
        };
        let Ok(content) = serde_json::from_slice::<Value>(&plain) else {
            return Lookup::Missing;
        };
        let (Some(username), Some(authorization)) = (
            content["username"].as_str(),
            content["state"]["authorization"].as_str(),
        ) else {
            return Lookup::Missing;
        };
        if let (Some(timeout), Some(current)) = (self.idle_timeout, idle) {
            let extended = now.saturating_add(millis(timeout));
            if extended.saturating_sub(current) >= IDLE_WRITE_THROTTLE_MS {
                source["idleTimeoutExpiration"] = json!(extended);
                let path = format!("/{SESSION_INDEX}/_doc/{sid}");
                if let Err(e) = index
                    .node
                    .request(
                        Method::PUT,
                        &path,
                        Some(&index.authorization),
                        Some(&source),
                    )
                    .await
                {
                    tracing::warn!("cannot extend a session in [{SESSION_INDEX}]: {e}");
                }
            }
        }
        Lookup::Valid(Session {
            username: username.to_string(),
            authorization: Secret::new(authorization),
        })
    }

    /// Deletes the session of a cookie (logout); true when there was one.
    pub(crate) async fn invalidate(&self, cookie: &str) -> bool {
        let Some(index) = self.index.get() else {
            return self.remove(cookie);
        };
        let sid = cookie.split_once('.').map_or(cookie, |(sid, _)| sid);
        if sid.is_empty()
            || !sid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
        self.delete_document(index, sid).await
    }

    async fn delete_document(&self, index: &IndexStore, sid: &str) -> bool {
        let path = format!("/{SESSION_INDEX}/_doc/{sid}?refresh=wait_for");
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
        self.cleanup();
        let Some(index) = self.index.get() else {
            return;
        };
        let now = now_millis();
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

    fn create_at(&self, username: &str, authorization: &Secret, now: u64) -> Result<String> {
        let sid = URL_SAFE_NO_PAD.encode(random::<32>()?);
        let aad = random::<32>()?;
        let nonce = random::<12>()?;
        let cipher = Aes256Gcm::new((&*self.key).into());
        let content = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: authorization.expose().as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| Error::Random("session encryption failed".to_string()))?;
        let stored = Stored {
            username: username.to_string(),
            nonce,
            content,
            idle_expiration: self.idle_timeout.map(|d| now.saturating_add(millis(d))),
            lifespan_expiration: self.lifespan.map(|d| now.saturating_add(millis(d))),
        };
        self.lock().insert(sid.clone(), stored);
        Ok(format!("{sid}.{}", URL_SAFE_NO_PAD.encode(aad)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Stored>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get_at(&self, cookie: &str, now: u64) -> Lookup {
        let Some((sid, aad)) = cookie.split_once('.') else {
            return Lookup::Missing;
        };
        let Ok(aad) = URL_SAFE_NO_PAD.decode(aad) else {
            return Lookup::Missing;
        };
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
        let cipher = Aes256Gcm::new((&*self.key).into());
        let Ok(plain) = cipher.decrypt(
            &Nonce::from(stored.nonce),
            Payload {
                msg: &stored.content,
                aad: &aad,
            },
        ) else {
            // Right id, wrong AAD: a forged or tampered cookie; the session stays for its owner.
            return Lookup::Missing;
        };
        let plain = Zeroizing::new(plain);
        let Ok(authorization) = std::str::from_utf8(&plain) else {
            return Lookup::Missing;
        };
        if let Some(idle) = self.idle_timeout {
            stored.idle_expiration = Some(now.saturating_add(millis(idle)));
        }
        Lookup::Valid(Session {
            username: stored.username.clone(),
            authorization: Secret::new(authorization),
        })
    }

    /// Deletes the in-memory session of a cookie; true when there was one.
    fn remove(&self, cookie: &str) -> bool {
        let sid = cookie.split_once('.').map_or(cookie, |(sid, _)| sid);
        self.lock().remove(sid).is_some()
    }

    /// Drops every expired in-memory session.
    fn cleanup(&self) {
        let now = now_millis();
        self.lock().retain(|_, s| {
            !(s.idle_expiration.is_some_and(|t| t <= now)
                || s.lifespan_expiration.is_some_and(|t| t <= now))
        });
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

    #[test]
    fn round_trip_and_logout() {
        let s = store(1000, 10_000);
        let cookie = s
            .create_at("alice", &Secret::new("Basic YWxpY2U6cHc="), 0)
            .unwrap();
        match s.get_at(&cookie, 10) {
            Lookup::Valid(session) => {
                assert_eq!(session.username, "alice");
                assert_eq!(session.authorization.expose(), "Basic YWxpY2U6cHc=");
            }
            other => panic!("{other:?}"),
        }
        assert!(s.remove(&cookie));
        assert!(matches!(s.get_at(&cookie, 20), Lookup::Missing));
    }

    #[test]
    fn credentials_are_not_stored_in_clear() {
        let s = store(1000, 10_000);
        let _ = s
            .create_at("alice", &Secret::new("Basic c2VjcmV0"), 0)
            .unwrap();
        let map = s.lock();
        let stored = map.values().next().unwrap();
        assert!(!stored.content.windows(6).any(|w| w == b"c2VjcmV"));
    }

    #[test]
    fn idle_timeout_is_extended_by_use_but_lifespan_is_not() {
        let s = store(100, 250);
        let cookie = s.create_at("bob", &Secret::new("Basic x"), 0).unwrap();
        assert!(matches!(s.get_at(&cookie, 90), Lookup::Valid(_)));
        assert!(matches!(s.get_at(&cookie, 180), Lookup::Valid(_)));
        // Idle would allow 280, lifespan stops at 250.
        assert!(matches!(s.get_at(&cookie, 260), Lookup::Expired));
        assert!(matches!(s.get_at(&cookie, 261), Lookup::Missing));
        let cookie = s.create_at("bob", &Secret::new("Basic x"), 0).unwrap();
        assert!(matches!(s.get_at(&cookie, 150), Lookup::Expired));
    }

    #[test]
    fn forged_cookies_find_nothing() {
        let s = store(1000, 10_000);
        let cookie = s.create_at("carol", &Secret::new("Basic y"), 0).unwrap();
        let (sid, _) = cookie.split_once('.').unwrap();
        let forged = format!("{sid}.{}", URL_SAFE_NO_PAD.encode([7u8; 32]));
        assert!(matches!(s.get_at(&forged, 1), Lookup::Missing));
        assert!(matches!(s.get_at(sid, 1), Lookup::Missing));
        assert!(matches!(s.get_at("", 1), Lookup::Missing));
        assert!(matches!(s.get_at("a.!!!", 1), Lookup::Missing));
        // The owner's session survived the forgery attempts.
        assert!(matches!(s.get_at(&cookie, 2), Lookup::Valid(_)));
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

    #[test]
    fn different_keys_cannot_read_each_other() {
        let a = store(1000, 10_000);
        let cookie = a.create_at("dave", &Secret::new("Basic z"), 0).unwrap();
        let b = Sessions::new(Some(&Secret::new("b".repeat(32))), None, None).unwrap();
        assert!(matches!(b.get_at(&cookie, 1), Lookup::Missing));
        let random_key = Sessions::new(None, None, None).unwrap();
        let c = random_key
            .create_at("erin", &Secret::new("Basic q"), 0)
            .unwrap();
        assert!(matches!(
            random_key.get_at(&c, u64::MAX - 1),
            Lookup::Valid(_)
        ));
    }
}
