//! Server-side sessions: the cookie holds only a random session id and a random AAD; the
//! session (user name, provider, expiry) lives on the server with the user's credentials
//! encrypted under `xpack.security.encryptionKey` (AES-256-GCM, the cookie's AAD bound in),
//! so a store without the cookie reveals no credentials and a cookie without the store (after
//! logout or expiry) is worthless. Held in memory in this version: a restart logs users out.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ironstack_tls::Secret;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{Error, Result};

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

/// The session store.
pub(crate) struct Sessions {
    key: Zeroizing<[u8; 32]>,
    idle_timeout: Option<Duration>,
    lifespan: Option<Duration>,
    map: Mutex<HashMap<String, Stored>>,
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
        })
    }

    /// Creates a session and returns the cookie value.
    pub(crate) fn create(&self, username: &str, authorization: &Secret) -> Result<String> {
        self.create_at(username, authorization, now_millis())
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

    /// Looks a cookie up, dropping the session when it has expired and extending its idle
    /// timeout otherwise.
    pub(crate) fn get(&self, cookie: &str) -> Lookup {
        self.get_at(cookie, now_millis())
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

    /// Deletes the session of a cookie (logout); true when there was one.
    pub(crate) fn remove(&self, cookie: &str) -> bool {
        let sid = cookie.split_once('.').map_or(cookie, |(sid, _)| sid);
        self.lock().remove(sid).is_some()
    }

    /// Drops every expired session (called periodically).
    pub(crate) fn cleanup(&self) {
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
