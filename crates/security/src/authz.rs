//! Authorization of one action for an authenticated user: the user's role names are
//! resolved to role descriptors (reserved roles first, then the roles kept in the native
//! store), compiled once per role set and store generation, and checked by the [`crate::rbac`]
//! engine, which also writes Elasticsearch's exact 403 text.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use ironstack_types::ActionName;

pub use crate::rbac::Role;
use crate::rbac::{
    ClusterContext, Denial, RoleDescriptor, Subject, Who, authorize_action_name, authorize_cluster,
    authorize_indices, reserved_role,
};
use crate::{Authentication, SecurityStore};

/// `_authenticate`: always allowed for the caller themself.
const AUTHENTICATE_ACTION: &str = "cluster:admin/xpack/security/user/authenticate";
/// `_has_privileges` and `user/_privileges` only ever answer about the caller.
const SELF_ACTIONS: &[&str] = &[
    AUTHENTICATE_ACTION,
    "cluster:admin/xpack/security/user/has_privileges",
    "cluster:admin/xpack/security/user/list_privileges",
];
/// Changing one's own password needs no privilege (native and reserved users only).
const CHANGE_PASSWORD_ACTION: &str = "cluster:admin/xpack/security/user/change_password";

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

/// Checks that `auth` may perform `action`, with reserved roles only (no store).
pub fn authorize(auth: &Authentication, action: ActionName) -> Result<(), AuthorizationError> {
    authorize_with(None, auth, action, false)
}

/// Checks that `auth` may perform `action`, resolving roles from reserved roles and `store`.
/// `same_user` says the request targets the caller's own account (a password change of
/// oneself), which native and reserved users may always do. Index actions are checked by
/// name here (the role must hold the action on some index); per-index checks need the
/// request's indices.
pub fn authorize_with(
    store: Option<&SecurityStore>,
    auth: &Authentication,
    action: ActionName,
    same_user: bool,
) -> Result<(), AuthorizationError> {
    // Elasticsearch lets every authenticated user see who they are, whatever their roles.
    if SELF_ACTIONS.contains(&action.as_str()) {
        return Ok(());
    }
    if same_user
        && action.as_str() == CHANGE_PASSWORD_ACTION
        && matches!(auth.realm.realm_type, "native" | "reserved")
    {
        return Ok(());
    }
    authorize_on_indices(store, auth, action, &[])
}

/// Like [`authorize_with`] for a request naming concrete `indices`: an index action must be
/// granted on every one of them (Elasticsearch's 403 then lists the denied ones). With no
/// indices the action is checked by name. Wildcard expressions are not names: callers expand
/// them to the authorized indices (`rbac::expand_expression`) instead of passing them here.
pub fn authorize_on_indices(
    store: Option<&SecurityStore>,
    auth: &Authentication,
    action: ActionName,
    indices: &[String],
) -> Result<(), AuthorizationError> {
    let (role, found) = compiled_role(store, &auth.roles);
    // The subject only feeds the 403 text: skip building it when the check passes.
    let granted = if action.is_cluster_action() {
        role.check_cluster(action.as_str(), ClusterContext::default())
    } else if indices.is_empty() {
        role.check_index_action_name(action.as_str())
    } else {
        indices
            .iter()
            .all(|index| role.check_index(action.as_str(), index))
    };
    if granted {
        return Ok(());
    }
    let subject = Subject {
        who: Who::User {
            username: auth.username.clone(),
            run_as: None,
        },
        assigned_roles: auth.roles.clone(),
        found_roles: found.to_vec(),
    };
    if action.is_cluster_action() {
        authorize_cluster(
            &subject,
            role.as_ref(),
            action.as_str(),
            ClusterContext::default(),
        )
    } else if indices.is_empty() {
        authorize_action_name(&subject, role.as_ref(), action.as_str())
    } else {
        authorize_indices(&subject, role.as_ref(), action.as_str(), indices)
    }
}

#[cfg(test)]
mod tests {
    use ironstack_types::action;
    use serde_json::Map;

    use super::*;
    use crate::authc::NATIVE_REALM;

    fn user(roles: &[&str]) -> Authentication {
        Authentication {
            username: "joe".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            full_name: None,
            email: None,
            metadata: Map::new(),
            realm: NATIVE_REALM,
        }
    }

    #[test]
    fn superuser_may_do_everything() {
        assert!(authorize(&user(&["superuser"]), action::MAIN).is_ok());
        assert!(authorize(&user(&["superuser"]), action::AUTHENTICATE).is_ok());
    }

    #[test]
    fn missing_privilege_gives_es_message() {
        let err = authorize(&user(&["b_role", "a_role"]), action::MAIN).unwrap_err();
        assert_eq!(
            err.to_string(),
            "action [cluster:monitor/main] is unauthorized for user [joe] with effective roles [] (assigned roles [a_role,b_role] were not found), this action is granted by the cluster privileges [monitor,manage,all]"
        );
        let err = authorize(&user(&["kibana_admin"]), action::MAIN).unwrap_err();
        assert_eq!(
            err.to_string(),
            "action [cluster:monitor/main] is unauthorized for user [joe] with effective roles [kibana_admin], this action is granted by the cluster privileges [monitor,manage,all]"
        );
    }

    #[test]
    fn reserved_roles_grant_what_elasticsearch_grants() {
        // monitoring_user holds `cluster:monitor/main` but not the whole of `monitor`.
        assert!(authorize(&user(&["monitoring_user"]), action::MAIN).is_ok());
        assert!(authorize(&user(&["monitoring_user"]), action::CLUSTER_HEALTH).is_err());
        assert!(
            authorize(
                &user(&["remote_monitoring_collector"]),
                action::CLUSTER_HEALTH
            )
            .is_ok()
        );
        assert!(authorize(&user(&["kibana_system"]), action::LICENSE_GET).is_ok());
        assert!(authorize(&user(&["kibana_admin"]), action::AUTHENTICATE).is_ok());
        // Repeated calls hit the compiled-role cache and answer the same.
        assert!(authorize(&user(&["monitoring_user"]), action::MAIN).is_ok());
    }

    #[test]
    fn stored_roles_apply_and_changes_take_effect_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecurityStore::open(dir.path()).unwrap();
        let joe = user(&["mon"]);
        let err = authorize_with(Some(&store), &joe, action::CLUSTER_HEALTH, false).unwrap_err();
        assert!(
            err.to_string()
                .contains("(assigned roles [mon] were not found)"),
            "{err}"
        );
        store
            .put_role("mon", serde_json::json!({"cluster": ["monitor"]}))
            .unwrap();
        assert!(authorize_with(Some(&store), &joe, action::CLUSTER_HEALTH, false).is_ok());
        store
            .put_role("mon", serde_json::json!({"cluster": ["manage_ilm"]}))
            .unwrap();
        let err = authorize_with(Some(&store), &joe, action::CLUSTER_HEALTH, false).unwrap_err();
        assert!(
            err.to_string().contains("with effective roles [mon],"),
            "{err}"
        );
        store.delete_role("mon").unwrap();
        assert!(authorize_with(Some(&store), &joe, action::CLUSTER_HEALTH, false).is_err());
    }

    #[test]
    fn index_actions_are_checked_on_each_named_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecurityStore::open(dir.path()).unwrap();
        store
            .put_role(
                "w",
                serde_json::json!({"indices": [{"names": ["metricbeat-*"], "privileges": ["create_doc"]}]}),
            )
            .unwrap();
        let joe = user(&["w"]);
        let create = ActionName("indices:data/write/index:op_type/create");
        let ok = ["metricbeat-1".to_string()];
        assert!(authorize_on_indices(Some(&store), &joe, create, &ok).is_ok());
        let mixed = ["metricbeat-1".to_string(), "logs-1".to_string()];
        let err = authorize_on_indices(Some(&store), &joe, create, &mixed).unwrap_err();
        assert_eq!(
            err.to_string(),
            "action [indices:data/write/index:op_type/create] is unauthorized for user [joe] with effective roles [w] on indices [logs-1], this action is granted by the index privileges [create_doc,create,index,write,all]"
        );
        let read = ActionName("indices:data/read/search");
        assert!(authorize_on_indices(Some(&store), &joe, read, &ok).is_err());
    }

    #[test]
    fn own_password_change_needs_no_privilege() {
        let change = ActionName(CHANGE_PASSWORD_ACTION);
        assert!(authorize_with(None, &user(&[]), change, true).is_ok());
        assert!(authorize_with(None, &user(&[]), change, false).is_err());
        let has = ActionName("cluster:admin/xpack/security/user/has_privileges");
        assert!(authorize_with(None, &user(&[]), has, false).is_ok());
    }
}
