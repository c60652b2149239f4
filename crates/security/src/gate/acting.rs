//! Whose permission a granted request acts with, looked up once per request for checks
//! that run per index or per item after the request was authorized: a user's compiled
//! roles (the run-as target's when running as), or an API key's descriptors limited by its
//! owner's.

use std::sync::Arc;

use ironstack_types::index_space::IndexSpace;

use super::{Authenticated, Authorized, Gate};
use crate::api_key::ApiKeyAuthentication;
use crate::authz::compiled_role_of;
use crate::index_resolver::SpacePermission;
use crate::rbac::{Permission, Role, Subject};

/// The permission behind a granted request.
pub(super) enum Acting {
    /// A user's roles.
    Roles {
        role: Arc<Role>,
        found: Arc<[String]>,
        authenticated: Authenticated,
    },
    /// An API key.
    ApiKey {
        key: Arc<ApiKeyAuthentication>,
        authenticated: Authenticated,
    },
}

impl Acting {
    /// The permission `authorized` was granted with.
    pub(super) fn of(gate: &Gate, authorized: &Authorized) -> Self {
        let authenticated = authorized.authenticated.clone();
        match authorized.acting_api_key() {
            Some(key) => Acting::ApiKey {
                key: key.clone(),
                authenticated,
            },
            None => {
                let store = Some(gate.authenticator.store().as_ref());
                let (role, found) = compiled_role_of(store, &authenticated.user);
                Acting::Roles {
                    role,
                    found,
                    authenticated,
                }
            }
        }
    }

    /// Runs `f` with the permission seen through `space` (data streams grant their backing
    /// indices) and a way to build the 403 subject.
    pub(super) fn with_permission<T>(
        &self,
        space: &IndexSpace,
        f: impl FnOnce(&dyn Permission, &dyn Fn() -> Subject) -> T,
    ) -> T {
        match self {
            Acting::Roles {
                role,
                found,
                authenticated,
            } => f(&SpacePermission::new(role.as_ref(), space), &|| {
                authenticated.subject(found)
            }),
            Acting::ApiKey { key, authenticated } => {
                f(&SpacePermission::new(key.role.as_ref(), space), &|| {
                    authenticated.subject(&[])
                })
            }
        }
    }

    /// The request's identity.
    pub(super) fn authenticated(&self) -> &Authenticated {
        match self {
            Acting::Roles { authenticated, .. } | Acting::ApiKey { authenticated, .. } => {
                authenticated
            }
        }
    }
}
