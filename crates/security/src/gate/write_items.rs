//! Per-item authorization of document writes. Elasticsearch authorizes `_bulk` (and a single
//! document write, which is a one-item bulk) by action name first, then each item on the
//! index it names: the shard action `indices:data/write/bulk[s]`, then the item's implied
//! action (`index:op_type/index`, `index:op_type/create`, `update`, `delete`), and before
//! writing to a missing index or data stream, `indices:admin/auto_create`. A denied item
//! fails alone, with its own 403, while the others are written.
//!
//! The caller's permission is looked up once per request, not per item.

use std::sync::Arc;

use ironstack_types::index_space::IndexSpace;
use ironstack_types::{EsErrorType, EsException, action};

use super::{Authenticated, Authorized, Gate};
use crate::api_key::ApiKeyAuthentication;
use crate::authz::compiled_role;
use crate::index_resolver::SpacePermission;
use crate::rbac::{
    BulkOp, Denial, Permission, Role, Subject, authorize_auto_create, authorize_bulk_item,
};

/// Whose permission the items are checked against.
enum Acting {
    /// Security is off: every item may be written.
    Unrestricted,
    /// A user's roles (the run-as target's when running as).
    Roles {
        role: Arc<Role>,
        found: Arc<[String]>,
        authenticated: Authenticated,
    },
    /// An API key's descriptors limited by its owner's.
    ApiKey {
        key: Arc<ApiKeyAuthentication>,
        authenticated: Authenticated,
    },
}

/// Checks the items of one authorized write request.
pub struct WriteItemAuthorizer {
    acting: Acting,
    space: Arc<IndexSpace>,
}

impl Gate {
    /// The item checks for `authorized` (a `_bulk` or single-document write), against the
    /// index space the request sees.
    pub fn write_items(
        &self,
        authorized: &Authorized,
        space: Arc<IndexSpace>,
    ) -> WriteItemAuthorizer {
        let authenticated = authorized.authenticated.clone();
        let acting = match authorized.acting_api_key() {
            Some(key) => Acting::ApiKey {
                key: key.clone(),
                authenticated,
            },
            None => {
                let store = Some(self.authenticator.store().as_ref());
                let (role, found) = compiled_role(store, &authenticated.user.roles);
                Acting::Roles {
                    role,
                    found,
                    authenticated,
                }
            }
        };
        WriteItemAuthorizer { acting, space }
    }
}

impl WriteItemAuthorizer {
    /// The checks of a node whose security is disabled: every item passes.
    pub fn unrestricted() -> Self {
        Self {
            acting: Acting::Unrestricted,
            space: Arc::new(IndexSpace::default()),
        }
    }

    /// Whether `op` may be written through `name` (an index, alias or data stream name as the
    /// item gives it); a denial is the item's 403.
    pub fn check(&self, op: BulkOp, name: &str) -> Result<(), Box<EsException>> {
        self.decide(
            |p| p.check_index(action::BULK_SHARD.0, name) && p.check_index(op.item_action(), name),
            |subject, p| authorize_bulk_item(subject, p, op, name),
        )
    }

    /// Whether the missing `name` may be created by writing to it.
    pub fn check_auto_create(&self, name: &str) -> Result<(), Box<EsException>> {
        self.decide(
            |p| p.check_index(action::AUTO_CREATE_INDEX.0, name),
            |subject, p| authorize_auto_create(subject, p, name),
        )
    }

    /// Runs the cheap check; only a denial builds the subject and Elasticsearch's text.
    fn decide(
        &self,
        granted: impl Fn(&dyn Permission) -> bool,
        explain: impl Fn(&Subject, &dyn Permission) -> Result<(), Denial>,
    ) -> Result<(), Box<EsException>> {
        let (permission, authenticated, found): (&dyn Permission, _, &[String]) = match &self.acting
        {
            Acting::Unrestricted => return Ok(()),
            Acting::Roles {
                role,
                found,
                authenticated,
            } => (
                &SpacePermission::new(role.as_ref(), &self.space),
                authenticated,
                found,
            ),
            Acting::ApiKey { key, authenticated } => (
                &SpacePermission::new(key.role.as_ref(), &self.space),
                authenticated,
                &[],
            ),
        };
        if granted(permission) {
            return Ok(());
        }
        let subject = authenticated.subject(found);
        match explain(&subject, permission) {
            Ok(()) => Ok(()),
            Err(denial) => Err(Box::new(EsException::with_status(
                EsErrorType::Security,
                403,
                denial.message,
            ))),
        }
    }
}
