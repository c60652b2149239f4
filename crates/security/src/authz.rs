//! A user's effective role: role names resolved to descriptors (reserved roles first, then the
//! roles kept in the native store) and compiled once per role set and roles generation, so
//! that the security gate's checks cost a lookup. The decisions themselves are the gate's
//! (`crate::gate`), made with the [`crate::rbac`] engine.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::SecurityStore;
pub use crate::rbac::Role;
use crate::rbac::{Denial, RoleDescriptor, reserved_role};

/// An identified user lacks the privilege for an action (403); `Display` is the reason.
pub type AuthorizationError = Denial;

/// The role descriptors behind `names`: reserved roles, else stored roles. Names that resolve
/// to nothing (or to a stored role that no longer parses) are left out, as Elasticsearch
/// ignores unknown roles.
pub fn resolve_roles(store: Option<&SecurityStore>, names: &[String]) -> Vec<RoleDescriptor> {
    let mut names: Vec<&String> = names.iter().collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|n| {
            reserved_role(n).or_else(|| {
                let body = store?.role(n)?;
                RoleDescriptor::parse(n, &body).ok()
            })
        })
        .collect()
}

type CacheKey = (Option<PathBuf>, u64, Vec<String>);

/// Bumped by [`clear_role_cache`]; part of every cache key so thread-local entries on other
/// threads stop matching too.
static ROLE_CACHE_EPOCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Drops every compiled role (`POST /_security/role/{name}/_clear_cache`); the next request
/// of each user compiles its roles again from the store.
pub fn clear_role_cache() {
    ROLE_CACHE_EPOCH.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    if let Some(cache) = ROLE_CACHE.get() {
        cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// How many compiled roles the shared cache holds (for the clear-cache tests).
pub fn cached_roles() -> usize {
    ROLE_CACHE
        .get()
        .map_or(0, |c| c.lock().unwrap_or_else(|p| p.into_inner()).len())
}

/// The roles' generation combined with the clear-cache epoch: compiled roles depend on the
/// stored roles only.
fn cache_generation(store: Option<&SecurityStore>) -> u64 {
    let epoch = ROLE_CACHE_EPOCH.load(std::sync::atomic::Ordering::Acquire);
    store
        .map_or(0, |s| s.generation(crate::Section::Roles))
        .wrapping_add(epoch << 40)
}

static ROLE_CACHE: OnceLock<Mutex<HashMap<CacheKey, Compiled>>> = OnceLock::new();
/// The compiled role and the names of the roles that were found (the 403 text lists the
/// assigned roles that were not). Shared, not cloned: this runs on every request.
type Compiled = (Arc<Role>, Arc<[String]>);

/// The compiled role of a set of role names with the names of the roles found, cached per store
/// generation: compiling patterns on every request would cost more than the check itself, and
/// a role change bumps the generation so the next request sees it.
pub fn compiled_role(store: Option<&SecurityStore>, names: &[String]) -> Compiled {
    // Each worker thread remembers its last answer: the same user keeps sending requests, and
    // a hit here costs no allocation, hashing or lock.
    thread_local! {
        static LAST: std::cell::RefCell<Option<(CacheKey, Compiled)>> =
            const { std::cell::RefCell::new(None) };
    }
    let path = store.map(SecurityStore::path);
    let generation = cache_generation(store);
    let hit = LAST.with_borrow(|last| {
        last.as_ref().and_then(|((p, g, n), (r, found))| {
            (*g == generation && p.as_deref() == path && n.as_slice() == names)
                .then(|| (Arc::clone(r), Arc::clone(found)))
        })
    });
    if let Some(hit) = hit {
        return hit;
    }
    let compiled = compiled_role_shared(store, names);
    let key = (path.map(PathBuf::from), generation, names.to_vec());
    LAST.set(Some((
        key,
        (Arc::clone(&compiled.0), Arc::clone(&compiled.1)),
    )));
    compiled
}

/// [`compiled_role`] through the process-wide cache.
fn compiled_role_shared(store: Option<&SecurityStore>, names: &[String]) -> Compiled {
    let mut sorted = names.to_vec();
    sorted.sort();
    sorted.dedup();
    let path = store.map(|s| s.path().to_path_buf());
    let generation = cache_generation(store);
    let key = (path, generation, sorted);
    let cache = ROLE_CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some((r, found)) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return (Arc::clone(r), Arc::clone(found));
    }
    let descriptors = resolve_roles(store, names);
    // Stored roles were validated when put; a failure would deny everything.
    let role = Arc::new(Role::build(&descriptors).unwrap_or_default());
    let found: Arc<[String]> = descriptors.into_iter().map(|d| d.name).collect();
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    // Entries of older generations of this store can never be hit again.
    map.retain(|(p, g, _), _| *p != key.0 || *g == key.1);
    if map.len() >= 10_000 {
        map.clear();
    }
    map.insert(key, (Arc::clone(&role), Arc::clone(&found)));
    (role, found)
}

/// The compiled role of an authenticated user: a service account's fixed privileges (it has no
/// role names; its realm, which only the service token check sets, says which account it is),
/// else [`compiled_role`] of the user's roles.
pub fn compiled_role_of(store: Option<&SecurityStore>, user: &crate::Authentication) -> Compiled {
    if user.realm == crate::service_account::SERVICE_ACCOUNT_REALM {
        return service_account_role(&user.username);
    }
    compiled_role(store, &user.roles)
}

/// The compiled fixed role of a service account (none for an unknown principal), built once.
fn service_account_role(principal: &str) -> Compiled {
    static ROLES: OnceLock<Mutex<HashMap<String, Arc<Role>>>> = OnceLock::new();
    let roles = ROLES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut roles = roles.lock().unwrap_or_else(|p| p.into_inner());
    let role = roles
        .entry(principal.to_string())
        .or_insert_with(|| {
            let descriptors: Vec<RoleDescriptor> =
                crate::rbac::service_account_descriptor(principal)
                    .into_iter()
                    .collect();
            Arc::new(Role::build(&descriptors).unwrap_or_default())
        })
        .clone();
    (role, Arc::from(Vec::new()))
}
