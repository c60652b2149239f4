//! The PKI realm: authenticates the TLS client certificate chain by its subject DN as Java
//! prints it (`CN=client1, OU=ops`; `username_pattern`, case-insensitive, group 1 = user
//! name), optionally re-validates the chain against the realm's own CAs through a
//! [`ChainVerifier`] (the node supplies the TLS library's path validation: this crate has no
//! TLS), and gives roles only through role mappings (metadata `pki_dn`). Successes are cached
//! by the SHA-256 fingerprint of the chain, as Elasticsearch does, until the TTL passes or a
//! role mapping changes.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ironstack_pki::Certificate;
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::authc::RealmRef;
use crate::role_mapping::{UserData, mapped_roles};
use crate::{Authentication, SecurityStore};

/// The realm type name.
pub const PKI_REALM_TYPE: &str = "pki";

/// Checks a client certificate chain against a realm's own trust anchors (its
/// `certificate_authorities` or truststore), as Elasticsearch's PKI realm does with its trust
/// manager: path validation for TLS client authentication.
pub trait ChainVerifier: Send + Sync {
    /// `Ok` when the chain (leaf first, DER) leads to a trusted anchor; `Err` says why not.
    fn verify(&self, chain: &[&[u8]]) -> Result<(), String>;
}

/// How a PKI realm is set up (built by the node from `xpack.security.authc.realms.pki.*`).
#[derive(Clone)]
pub struct PkiRealmSettings {
    /// Realm name.
    pub name: String,
    /// Position in the realm chain.
    pub order: i32,
    /// `username_pattern`.
    pub username_pattern: String,
    /// Validation against the realm's own trust anchors; `None` = trust the TLS layer's
    /// verification.
    pub verifier: Option<Arc<dyn ChainVerifier>>,
    /// `cache.ttl`.
    pub cache_ttl: Duration,
    /// `cache.max_users`.
    pub cache_max_users: usize,
}

impl fmt::Debug for PkiRealmSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PkiRealmSettings")
            .field("name", &self.name)
            .field("order", &self.order)
            .field("username_pattern", &self.username_pattern)
            .field("own_trust", &self.verifier.is_some())
            .finish_non_exhaustive()
    }
}

/// The result of offering a certificate chain to the realm.
#[derive(Debug, Clone, PartialEq)]
pub enum PkiOutcome {
    /// Authenticated.
    Authenticated(Arc<Authentication>),
    /// The realm could not authenticate this chain; the next realm may. `dn` is the token's
    /// principal (the subject DN) for the 401 message.
    Unsuccessful {
        /// Subject DN of the leaf (empty if unreadable).
        dn: String,
        /// Why (logged, never sent to the client).
        reason: String,
    },
}

struct Cached {
    inserted: Instant,
    generation: u64,
    authentication: Arc<Authentication>,
}

/// A configured PKI realm; cheap to share.
pub struct PkiRealm {
    settings: PkiRealmSettings,
    realm: RealmRef,
    pattern: Regex,
    store: Arc<SecurityStore>,
    cache: Mutex<HashMap<[u8; 32], Cached>>,
}

impl fmt::Debug for PkiRealm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PkiRealm")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl PkiRealm {
    /// A realm over `store` (role mappings). Fails when `username_pattern` is not a valid
    /// regular expression; the message names the pattern.
    pub fn new(settings: PkiRealmSettings, store: Arc<SecurityStore>) -> Result<Self, String> {
        let pattern = RegexBuilder::new(&settings.username_pattern)
            .case_insensitive(true)
            .build()
            .map_err(|e| {
                format!(
                    "invalid username_pattern [{}]: {e}",
                    settings.username_pattern
                )
            })?;
        if pattern.captures_len() < 2 {
            return Err(format!(
                "invalid username_pattern [{}]: it needs a capturing group for the user name",
                settings.username_pattern
            ));
        }
        // `Authentication` carries realm names as `&'static str`; realms are created once at
        // start-up, so leaking the few bytes of each name is bounded.
        let name: &'static str = Box::leak(settings.name.clone().into_boxed_str());
        Ok(Self {
            realm: RealmRef {
                name,
                realm_type: PKI_REALM_TYPE,
            },
            settings,
            pattern,
            store,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The realm's name.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// The realm's `order`.
    pub fn order(&self) -> i32 {
        self.settings.order
    }

    /// The user name `username_pattern` extracts from a subject DN.
    pub fn principal(&self, dn: &str) -> Option<String> {
        self.pattern
            .captures(dn)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string())
            .filter(|p| !p.is_empty())
    }

    /// Drops every cached user (Elasticsearch's realm `_clear_cache`).
    pub fn clear_cache(&self) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// How many certificate chains are cached (for the clear-cache tests).
    pub fn cached_users(&self) -> usize {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Authenticates a verified client chain (leaf first, DER).
    pub fn authenticate<C: AsRef<[u8]>>(&self, chain: &[C]) -> PkiOutcome {
        let fingerprint = fingerprint(chain);
        // Only role mappings feed the answer.
        let generation = self.store.generation(crate::Section::RoleMappings);
        let ttl = self.settings.cache_ttl;
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&fingerprint)
            .filter(|c| c.generation == generation && c.inserted.elapsed() < ttl)
        {
            return PkiOutcome::Authenticated(hit.authentication.clone());
        }
        let certificates: Result<Vec<Certificate>, _> = chain
            .iter()
            .map(|c| Certificate::from_der(c.as_ref().to_vec()))
            .collect();
        let unsuccessful = |dn: String, reason: String| PkiOutcome::Unsuccessful { dn, reason };
        let certificates = match certificates {
            Ok(c) if !c.is_empty() => c,
            Ok(_) => return unsuccessful(String::new(), "empty certificate chain".into()),
            Err(e) => {
                return unsuccessful(String::new(), format!("unreadable certificate: {e}"));
            }
        };
        // Elasticsearch takes the DN from `X500Principal.toString()`: `, ` between RDNs.
        let dn = match certificates[0].subject_dn() {
            Ok(dn) => dn.to_display_string(),
            Err(e) => return unsuccessful(String::new(), format!("unreadable subject: {e}")),
        };
        let Some(username) = self.principal(&dn) else {
            return unsuccessful(
                dn.clone(),
                format!(
                    "the certificate subject DN [{dn}] did not match the username pattern [{}]",
                    self.settings.username_pattern
                ),
            );
        };
        let presented: Vec<&[u8]> = chain.iter().map(AsRef::as_ref).collect();
        if let Some(verifier) = &self.settings.verifier
            && let Err(reason) = verifier.verify(&presented)
        {
            return unsuccessful(
                dn.clone(),
                format!("Certificate for {dn} is not trusted: {reason}"),
            );
        }
        let mut metadata = Map::new();
        metadata.insert("pki_dn".into(), Value::String(dn.clone()));
        let user = UserData {
            username: username.clone(),
            dn: Some(dn),
            groups: Vec::new(),
            metadata: metadata.clone(),
            realm_name: self.settings.name.clone(),
        };
        let authentication = Arc::new(Authentication {
            roles: mapped_roles(&self.store, &user),
            username,
            full_name: None,
            email: None,
            metadata,
            realm: self.realm.clone(),
        });
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= self.settings.cache_max_users {
            cache.clear();
        }
        if self.settings.cache_max_users > 0 {
            cache.insert(
                fingerprint,
                Cached {
                    inserted: Instant::now(),
                    generation,
                    authentication: authentication.clone(),
                },
            );
        }
        PkiOutcome::Authenticated(authentication)
    }
}

fn fingerprint<C: AsRef<[u8]>>(chain: &[C]) -> [u8; 32] {
    let mut h = Sha256::new();
    for c in chain {
        h.update((c.as_ref().len() as u64).to_be_bytes());
        h.update(c.as_ref());
    }
    h.finalize().into()
}

#[cfg(test)]
#[path = "pki_realm_tests.rs"]
mod tests;
