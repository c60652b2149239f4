//! The name the REST layer used for wildcard name matching before [`crate::wildcard`] owned
//! it; kept as an alias so its callers keep building until they call `wildcard` directly.
//! The typed cluster and index privilege enums live in `ironstack_security::rbac`.

pub use crate::wildcard::matches as wildcard_match;
