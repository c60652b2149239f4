//! Authorization: does any of the user's roles grant the action? Privileges are the typed
//! enums of `ironstack-types`; the built-in `superuser` role holds `all`. The next issue adds
//! index privileges, custom roles and the rest of the reserved roles behind this same check.

use ironstack_types::{ActionName, ClusterPrivilege};

use crate::Authentication;

/// A role: a name and the privileges it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Role name.
    pub name: String,
    /// Cluster privileges.
    pub cluster: Vec<ClusterPrivilege>,
}

/// The built-in role called `name`, if there is one.
pub fn builtin_role(name: &str) -> Option<Role> {
    let cluster = match name {
        "superuser" => vec![ClusterPrivilege::All],
        "monitoring_user" | "remote_monitoring_collector" => vec![ClusterPrivilege::Monitor],
        _ => return None,
    };
    Some(Role {
        name: name.to_string(),
        cluster,
    })
}

/// An identified user lacks the privilege for an action (403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "action [{action}] is unauthorized for user [{user}] with effective roles [{roles}], this action is granted by the cluster privileges [{granted_by}]"
)]
pub struct AuthorizationError {
    /// The action asked for.
    pub action: ActionName,
    /// The user name.
    pub user: String,
    /// Effective roles, comma-separated and sorted.
    pub roles: String,
    /// Privileges that would grant it, comma-separated.
    pub granted_by: String,
}

/// Checks that `auth` may perform `action`.
pub fn authorize(auth: &Authentication, action: ActionName) -> Result<(), AuthorizationError> {
    let granted = auth
        .roles
        .iter()
        .filter_map(|r| builtin_role(r))
        .flat_map(|r| r.cluster)
        .any(|p| p.grants(action));
    if granted {
        return Ok(());
    }
    let mut roles = auth.roles.clone();
    roles.sort();
    let order = [
        ClusterPrivilege::Monitor,
        ClusterPrivilege::Manage,
        ClusterPrivilege::ManageSecurity,
        ClusterPrivilege::All,
    ];
    let granted_by: Vec<&str> = order
        .iter()
        .filter(|p| p.grants(action))
        .map(|p| p.name())
        .collect();
    Err(AuthorizationError {
        action,
        user: auth.username.clone(),
        roles: roles.join(","),
        granted_by: granted_by.join(","),
    })
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
            "action [cluster:monitor/main] is unauthorized for user [joe] with effective roles [a_role,b_role], this action is granted by the cluster privileges [monitor,manage,all]"
        );
        assert!(authorize(&user(&["monitoring_user"]), action::CLUSTER_HEALTH).is_ok());
    }
}
