//! Elasticsearch wire types shared by the node, the tools and the clients: the error body and
//! its type codes, media types and REST compatibility versions, the `GET /` and health
//! responses, transport action names and wildcard name matching.
//!
//! Pure data: no HTTP framework, no TLS, no I/O.

#![warn(missing_docs)]

pub mod action;
pub mod error;
pub mod health;
pub mod info;
pub mod json;
pub mod media_type;
pub mod privilege;

pub use action::ActionName;
pub use error::{ErrorCode, EsErrorType, EsException};
pub use health::HealthStatus;
pub use media_type::{CompatibleVersion, MediaType, NegotiatedMedia};
