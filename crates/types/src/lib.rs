//! Elasticsearch wire types and parsing primitives shared by the node, the tools and the
//! clients: the error body and its type codes, media types and REST compatibility versions,
//! the `GET /` and health responses, transport action names, and the one implementation of
//! each of percent-decoding, time values, wildcard matching and dates with date math.
//!
//! Pure data and pure functions: no HTTP framework, no TLS, no I/O.

#![warn(missing_docs)]

pub mod action;
pub mod date;
pub mod date_math_name;
pub mod error;
pub mod health;
pub mod index_space;
pub mod info;
pub mod json;
pub mod media_type;
pub mod percent;
pub mod time_value;
pub mod wildcard;

pub use action::ActionName;
pub use error::{Error, ErrorCode, EsErrorType, EsException, Result};
pub use health::HealthStatus;
pub use media_type::{CompatibleVersion, MediaType, NegotiatedMedia};
pub use time_value::TimeValue;
