//! Elasticsearch's role-based access control, independent of HTTP: typed cluster and index
//! privileges with their exact action patterns, wildcard and regex index patterns with
//! restricted (system) indices, role descriptors as the role APIs read and write them, the
//! reserved roles and users, and the engine answering "may this subject run this action on
//! these indices" (with Elasticsearch's 403 text), bulk items and `_has_privileges`.
//!
//! Typical use: resolve a user's role names to [`RoleDescriptor`]s (stored roles, or
//! [`reserved::reserved_role`]), compile them once with [`Role::build`], then call
//! [`authorize_cluster`], [`authorize_indices`], [`authorize_bulk_item`] or
//! [`has_privileges`].

pub mod automaton;
pub mod descriptor;
mod error;
pub mod index_access;
pub mod index_pattern;
pub mod permission;
pub mod privilege;
pub mod reserved;

pub use descriptor::{
    ApplicationPrivileges, FieldSecurity, IndicesPrivileges, RemoteClusterPrivileges,
    RemoteIndicesPrivileges, RoleDescriptor, json_token_name,
};
pub use error::RoleError;
pub use index_access::{DocumentAccess, FieldAccess, IndexAccess};
pub use permission::{
    ApplicationPrivilegeDescriptor, BulkOp, ClusterContext, Denial, HasPrivilegesRequest,
    LimitedRole, MappingUpdate, Permission, Role, Subject, Who, authorize_action_name,
    authorize_auto_create, authorize_bulk_item, authorize_cluster, authorize_indices,
    authorize_run_as, denial, expand_expression, has_privileges, has_privileges_limited,
};
pub use privilege::{ClusterPrivilege, ClusterPrivilegeName, IndexPrivilege, IndexPrivilegeName};
pub use reserved::{
    RESERVED_USERS, ReservedUser, SERVICE_ACCOUNTS, is_reserved_role, reserved_role, reserved_user,
    service_account_descriptor,
};
