//! Authorization of one action for an authenticated user: the user's role names are
//! resolved to role descriptors (today the reserved roles; stored roles join when the role
//! APIs land), compiled once per role set, and checked by the [`crate::rbac`] engine, which
//! also writes Elasticsearch's exact 403 text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ironstack_types::ActionName;

use crate::Authentication;
pub use crate::rbac::Role;
use crate::rbac::{
    ClusterContext, Denial, RoleDescriptor, Subject, Who, authorize_action_name, authorize_cluster,
    reserved_role,
};

/// `_authenticate`: always allowed for the caller themself.
const AUTHENTICATE_ACTION: &str = "cluster:admin/xpack/security/user/authenticate";

/// An identified user lacks the privilege for an action (403); `Display` is the reason.
pub type AuthorizationError = Denial;

/// The compiled role of a set of role names, cached: role sets are few and compiling
/// patterns on every request would cost more than the check itself.
fn compiled(found: &[RoleDescriptor]) -> Arc<Role> {
    static CACHE: OnceLock<Mutex<HashMap<Vec<String>, Arc<Role>>>> = OnceLock::new();
    let key: Vec<String> = found.iter().map(|d| d.name.clone()).collect();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(map) = cache.lock()
        && let Some(r) = map.get(&key)
    {
        return Arc::clone(r);
    }
    // Reserved definitions always compile (tested); a failure would deny everything.
    let role = Arc::new(Role::build(found).unwrap_or_default());
    if let Ok(mut map) = cache.lock() {
        map.insert(key, Arc::clone(&role));
    }
    role
}

/// Checks that `auth` may perform `action`. Index actions are checked by name here (the
/// role must hold the action on some index); per-index checks need the request's indices.
pub fn authorize(auth: &Authentication, action: ActionName) -> Result<(), AuthorizationError> {
    let mut names = auth.roles.clone();
    names.sort();
    names.dedup();
    let found: Vec<RoleDescriptor> = names.iter().filter_map(|n| reserved_role(n)).collect();
    let role = compiled(&found);
    let subject = Subject {
        who: Who::User {
            username: auth.username.clone(),
            run_as: None,
        },
        assigned_roles: auth.roles.clone(),
        found_roles: found.iter().map(|d| d.name.clone()).collect(),
    };
    // Elasticsearch lets every authenticated user see who they are, whatever their roles.
    if action.as_str() == AUTHENTICATE_ACTION {
        return Ok(());
    }
    if action.is_cluster_action() {
        authorize_cluster(
            &subject,
            role.as_ref(),
            action.as_str(),
            ClusterContext::default(),
        )
    } else {
        authorize_action_name(&subject, role.as_ref(), action.as_str())
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
}
