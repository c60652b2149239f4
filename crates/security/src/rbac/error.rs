//! The error of role parsing, validation and privilege resolution, carrying the exception
//! type Elasticsearch answers with so the REST layer maps it without guessing.

use ironstack_types::{ErrorCode, EsErrorType, EsException};

/// A role, privilege or pattern Elasticsearch would reject, with its exact type and reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct RoleError {
    /// `parse_exception`, `illegal_argument_exception` or `action_request_validation_exception`.
    pub error_type: EsErrorType,
    /// The `reason` text.
    pub reason: String,
    /// The reason of the `caused_by` exception (a `parse_exception` too), when there is one.
    pub caused_by: Option<String>,
}

impl RoleError {
    /// `parse_exception` (400).
    pub fn parse(reason: impl Into<String>) -> Self {
        Self {
            error_type: EsErrorType::Parse,
            reason: reason.into(),
            caused_by: None,
        }
    }

    /// `illegal_argument_exception` (400).
    pub fn illegal_argument(reason: impl Into<String>) -> Self {
        Self {
            error_type: EsErrorType::IllegalArgument,
            reason: reason.into(),
            caused_by: None,
        }
    }

    /// `action_request_validation_exception` (400) listing `messages` as
    /// `Validation Failed: 1: a;2: b;`.
    pub fn validation(messages: &[String]) -> Self {
        let mut reason = String::from("Validation Failed: ");
        for (i, m) in messages.iter().enumerate() {
            reason.push_str(&format!("{}: {m};", i + 1));
        }
        Self {
            error_type: EsErrorType::ActionRequestValidation,
            reason,
            caused_by: None,
        }
    }

    /// The exception for Elasticsearch's error body.
    pub fn to_exception(&self) -> EsException {
        let outer = EsException::from_code(self);
        match &self.caused_by {
            Some(cause) => outer.caused_by(EsException::new(EsErrorType::Parse, cause), true),
            None => outer,
        }
    }
}

impl ErrorCode for RoleError {
    fn es_type(&self) -> EsErrorType {
        self.error_type
    }
}
