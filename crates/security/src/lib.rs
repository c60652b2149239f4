//! Users and password hashing for the node's security layer: the hashers Elasticsearch uses
//! (bcrypt `$2a$`, `{PBKDF2}`, `{PBKDF2_STRETCH}`), the durable native store under
//! `path.data` (users, roles and hashed API keys), authentication of Basic and `ApiKey`
//! credentials with fast in-memory caches ([`api_key`]), and authorization: Elasticsearch's role model
//! (typed privileges, index patterns, reserved roles, the 403 text, `_has_privileges`) in
//! [`rbac`], applied to each action by [`authz`].
//!
//! No HTTP framework and no TLS here: the node maps these results onto REST responses.

#![warn(missing_docs)]

pub mod api_key;
pub mod app_privilege;
pub mod audit;
pub mod authc;
pub mod authz;
pub mod enrollment;
mod error;
pub mod file_realm;
pub mod gate;
pub mod hash;
pub mod index_resolver;
pub mod password;
pub mod pki_realm;
pub mod query;
pub mod rbac;
pub mod role_mapping;
pub mod role_query;
mod secret;
pub mod security_index;
pub mod service_account;
pub mod store;
pub mod token;

pub use authc::{Authentication, AuthenticationError, Authenticator};
pub use authz::{AuthorizationError, Role};
pub use error::{Error, Result};
pub use hash::Hasher;
pub use secret::SecureString;
pub use store::{Change, DocumentBackend, Section, SecurityStore, StoredUser};
