//! Elasticsearch's error body: `{"error":{"root_cause":[..],"type":..,"reason":..},"status":N}`,
//! the exception type codes it carries, the trait domain errors implement to be mapped
//! into it, and the crate's own parse [`Error`]. Rendering lives here so every producer of an
//! error body agrees on its shape.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// Why one of the crate's parsers (percent-decoding, time values, dates and date math) refused
/// its input. `Display` is Elasticsearch's message for the same input; [`ErrorCode`] gives the
/// exception type it answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `%` escape that is cut off or not hexadecimal (`RestUtils.decodeComponent`'s
    /// `IllegalArgumentException`).
    #[error("{0}")]
    PercentEncoding(String),
    /// A time value `TimeValue.parseTimeValue` refuses (`IllegalArgumentException`).
    #[error("{reason}")]
    TimeValue {
        /// The setting or parameter name the value was given for.
        setting: String,
        /// The value as given.
        value: String,
        /// Elasticsearch's message.
        reason: String,
    },
    /// A date or date math expression Elasticsearch's `DateMathParser` refuses
    /// (`ElasticsearchParseException`: `parse_exception`).
    #[error("{0}")]
    DateParse(String),
    /// A date argument Elasticsearch refuses with an `IllegalArgumentException`: an unknown
    /// time zone or date format, a number too large for an `int`.
    #[error("{0}")]
    DateArgument(String),
    /// A request parameter Elasticsearch refuses with an `IllegalArgumentException`
    /// (`expand_wildcards`, a boolean, a date pattern).
    #[error("{0}")]
    InvalidParameter(String),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl ErrorCode for Error {
    fn es_type(&self) -> EsErrorType {
        match self {
            Error::DateParse(_) => EsErrorType::Parse,
            Error::PercentEncoding(_)
            | Error::TimeValue { .. }
            | Error::DateArgument(_)
            | Error::InvalidParameter(_) => EsErrorType::IllegalArgument,
        }
    }
}

/// The `type` strings of the exceptions ironstack reports, as Elasticsearch names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EsErrorType {
    /// `illegal_argument_exception` (400).
    IllegalArgument,
    /// `security_exception` (401 unauthenticated, 403 unauthorized).
    Security,
    /// `media_type_header_exception` (400): an `Accept`/`Content-Type` header that cannot be used.
    MediaTypeHeader,
    /// `status_exception`: an error that carries its own status.
    Status,
    /// `parse_exception` (400): a body that is not valid JSON.
    Parse,
    /// `x_content_parse_exception` (400).
    XContentParse,
    /// `resource_not_found_exception` (404).
    ResourceNotFound,
    /// `action_request_validation_exception` (400).
    ActionRequestValidation,
    /// `validation_exception` (400): a request rejected by a service-level check.
    Validation,
    /// `parsing_exception` (400): a query naming an unknown query type or malformed clause.
    Parsing,
    /// `feature_not_enabled_exception` (400): a feature switched off by a setting (security
    /// tokens with `xpack.security.authc.token.enabled: false`).
    FeatureNotEnabled,
    /// `content_too_long_exception` (413): the body exceeds `http.max_content_length`.
    ContentTooLong,
    /// `timeout_exception`.
    Timeout,
    /// `index_not_found_exception` (404).
    IndexNotFound,
    /// `resource_already_exists_exception` (400).
    ResourceAlreadyExists,
    /// `invalid_index_name_exception` (400).
    InvalidIndexName,
    /// `version_conflict_engine_exception` (409).
    VersionConflictEngine,
    /// `document_missing_exception` (404).
    DocumentMissing,
    /// `document_parsing_exception` (400).
    DocumentParsing,
    /// `strict_dynamic_mapping_exception` (400).
    StrictDynamicMapping,
    /// `mapper_parsing_exception` (400).
    MapperParsing,
    /// `query_shard_exception` (400).
    QueryShard,
    /// `too_many_buckets_exception` (400).
    TooManyBuckets,
    /// `search_phase_execution_exception` (status of its shard failures).
    SearchPhaseExecution,
    /// `search_context_missing_exception` (404): a scroll or point in time that expired or
    /// never was.
    SearchContextMissing,
    /// `too_many_scroll_contexts_exception` (429).
    TooManyScrollContexts,
    /// `exception` (500): anything unexpected.
    Internal,
}

impl EsErrorType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IllegalArgument => "illegal_argument_exception",
            Self::Security => "security_exception",
            Self::MediaTypeHeader => "media_type_header_exception",
            Self::Status => "status_exception",
            Self::Parse => "parse_exception",
            Self::XContentParse => "x_content_parse_exception",
            Self::ResourceNotFound => "resource_not_found_exception",
            Self::SearchContextMissing => "search_context_missing_exception",
            Self::TooManyScrollContexts => "too_many_scroll_contexts_exception",
            Self::ActionRequestValidation => "action_request_validation_exception",
            Self::Validation => "validation_exception",
            Self::Parsing => "parsing_exception",
            Self::FeatureNotEnabled => "feature_not_enabled_exception",
            Self::ContentTooLong => "content_too_long_exception",
            Self::Timeout => "timeout_exception",
            Self::IndexNotFound => "index_not_found_exception",
            Self::ResourceAlreadyExists => "resource_already_exists_exception",
            Self::InvalidIndexName => "invalid_index_name_exception",
            Self::VersionConflictEngine => "version_conflict_engine_exception",
            Self::DocumentMissing => "document_missing_exception",
            Self::DocumentParsing => "document_parsing_exception",
            Self::StrictDynamicMapping => "strict_dynamic_mapping_exception",
            Self::MapperParsing => "mapper_parsing_exception",
            Self::QueryShard => "query_shard_exception",
            Self::TooManyBuckets => "too_many_buckets_exception",
            Self::SearchPhaseExecution => "search_phase_execution_exception",
            Self::Internal => "exception",
        }
    }

    /// The HTTP status Elasticsearch uses for this exception when nothing more specific is known.
    pub fn default_status(self) -> u16 {
        match self {
            Self::IllegalArgument
            | Self::MediaTypeHeader
            | Self::Parse
            | Self::XContentParse
            | Self::ActionRequestValidation
            | Self::Validation
            | Self::Parsing
            | Self::FeatureNotEnabled
            | Self::ResourceAlreadyExists
            | Self::InvalidIndexName
            | Self::DocumentParsing
            | Self::StrictDynamicMapping
            | Self::MapperParsing
            | Self::QueryShard
            | Self::TooManyBuckets
            | Self::SearchPhaseExecution
            | Self::Status => 400,
            Self::Security => 403,
            Self::ResourceNotFound
            | Self::IndexNotFound
            | Self::DocumentMissing
            | Self::SearchContextMissing => 404,
            Self::TooManyScrollContexts => 429,
            Self::VersionConflictEngine => 409,
            Self::ContentTooLong => 413,
            Self::Timeout => 504,
            Self::Internal => 500,
        }
    }
}

/// What a domain error tells the one REST mapping point: the exception type and HTTP status.
pub trait ErrorCode {
    /// The Elasticsearch exception type.
    fn es_type(&self) -> EsErrorType;
    /// The HTTP status code.
    fn status(&self) -> u16 {
        self.es_type().default_status()
    }
}

/// One exception in Elasticsearch's error body, possibly with a cause.
#[derive(Debug, Clone, PartialEq)]
pub struct EsException {
    /// The HTTP status of the whole response (only the outermost exception's counts).
    pub status: u16,
    /// The `type` field.
    pub error_type: String,
    /// The `reason` field.
    pub reason: String,
    /// Extra fields Elasticsearch adds after `reason` (e.g. `index`, `resource.id`).
    pub metadata: Map<String, Value>,
    /// The `header` object (e.g. `WWW-Authenticate` on a 401), also sent as HTTP headers.
    pub headers: BTreeMap<String, Vec<String>>,
    /// The `caused_by` exception.
    pub caused_by: Option<Box<EsException>>,
    /// Whether Elasticsearch would consider the cause an `ElasticsearchException`; only those
    /// become `root_cause` entries (a plain Java exception as cause leaves the outer one).
    pub cause_is_es_exception: bool,
}

impl EsException {
    /// An exception of `error_type` with its default status.
    pub fn new(error_type: EsErrorType, reason: impl Into<String>) -> Self {
        Self::with_status(error_type, error_type.default_status(), reason)
    }

    /// An exception of `error_type` with an explicit status.
    pub fn with_status(error_type: EsErrorType, status: u16, reason: impl Into<String>) -> Self {
        Self {
            status,
            error_type: error_type.as_str().to_string(),
            reason: reason.into(),
            metadata: Map::new(),
            headers: BTreeMap::new(),
            caused_by: None,
            cause_is_es_exception: false,
        }
    }

    /// Builds the exception for a domain error.
    pub fn from_code(error: &(impl ErrorCode + std::fmt::Display)) -> Self {
        Self::with_status(error.es_type(), error.status(), error.to_string())
    }

    /// An exception whose Java type has no [`EsErrorType`] (a cause such as
    /// `number_format_exception`), by its snake_case name.
    pub fn named(error_type: &str, status: u16, reason: impl Into<String>) -> Self {
        let mut e = Self::with_status(EsErrorType::Internal, status, reason);
        e.error_type = error_type.to_string();
        e
    }

    /// `illegal_argument_exception`, 400.
    pub fn illegal_argument(reason: impl Into<String>) -> Self {
        Self::new(EsErrorType::IllegalArgument, reason)
    }

    /// `exception`, 500.
    pub fn internal(reason: impl Into<String>) -> Self {
        Self::new(EsErrorType::Internal, reason)
    }

    /// Sets the cause. `es_exception` says whether Elasticsearch would report the cause (and not
    /// this exception) as the root cause.
    pub fn caused_by(mut self, cause: EsException, es_exception: bool) -> Self {
        self.caused_by = Some(Box::new(cause));
        self.cause_is_es_exception = es_exception;
        self
    }

    /// Adds a value to the `header` object.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers
            .entry(name.to_string())
            .or_default()
            .push(value.into());
        self
    }

    /// Adds a metadata field.
    pub fn meta(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.to_string(), value.into());
        self
    }

    fn root_causes(&self) -> Vec<&EsException> {
        match &self.caused_by {
            Some(cause) if self.cause_is_es_exception => cause.root_causes(),
            _ => vec![self],
        }
    }

    fn fields(&self, with_cause: bool, error_trace: bool) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("type".into(), Value::String(self.error_type.clone()));
        map.insert("reason".into(), Value::String(self.reason.clone()));
        for (k, v) in &self.metadata {
            map.insert(k.clone(), v.clone());
        }
        if !self.headers.is_empty() {
            let header: Map<String, Value> = self
                .headers
                .iter()
                .map(|(k, v)| {
                    let value = if v.len() == 1 {
                        Value::String(v[0].clone())
                    } else {
                        Value::Array(v.iter().cloned().map(Value::String).collect())
                    };
                    (k.clone(), value)
                })
                .collect();
            map.insert("header".into(), Value::Object(header));
        }
        if with_cause && let Some(cause) = &self.caused_by {
            map.insert(
                "caused_by".into(),
                Value::Object(cause.fields(true, error_trace)),
            );
        }
        if error_trace {
            // There is no JVM stack; the chain of types and reasons is the useful part.
            map.insert(
                "stack_trace".into(),
                Value::String(format!(
                    "{}[{}]\n\tat ironstack",
                    self.java_name(),
                    self.reason
                )),
            );
        }
        map
    }

    fn java_name(&self) -> String {
        // `security_exception` → `SecurityException`: readable, and close to ES's class names.
        self.error_type
            .split('_')
            .map(|part| {
                let mut chars = part.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The exception alone (`type`, `reason`, metadata, `caused_by`), without `root_cause` or
    /// `status`: how Elasticsearch renders the failure of one item of a bulk, multi-get or
    /// multi-search (`ElasticsearchException.generateThrowableXContent`).
    pub fn to_failure_json(&self) -> Value {
        Value::Object(self.fields(true, false))
    }

    /// The full body `{"error":{..},"status":N}`; `error_trace` adds `stack_trace` fields.
    pub fn to_body(&self, error_trace: bool) -> Value {
        let root_cause: Vec<Value> = self
            .root_causes()
            .into_iter()
            .map(|c| Value::Object(c.fields(false, error_trace)))
            .collect();
        let mut error = Map::new();
        error.insert("root_cause".into(), Value::Array(root_cause));
        error.extend(self.fields(true, error_trace));
        json!({ "error": Value::Object(error), "status": self.status })
    }
}

impl std::fmt::Display for EsException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.reason)
    }
}

impl std::error::Error for EsException {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_failures_have_no_root_cause() {
        let e = EsException::new(EsErrorType::IndexNotFound, "no such index [x]")
            .meta("index", "x")
            .caused_by(EsException::illegal_argument("inner"), false);
        assert_eq!(
            e.to_failure_json().to_string(),
            r#"{"type":"index_not_found_exception","reason":"no such index [x]","index":"x","caused_by":{"type":"illegal_argument_exception","reason":"inner"}}"#
        );
    }

    #[test]
    fn simple_exception_is_its_own_root_cause() {
        let body = EsException::illegal_argument("bad").to_body(false);
        assert_eq!(
            body.to_string(),
            r#"{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"bad"}],"type":"illegal_argument_exception","reason":"bad"},"status":400}"#
        );
    }

    #[test]
    fn es_cause_becomes_root_cause_and_plain_cause_does_not() {
        let cause = EsException::new(EsErrorType::Status, "inner");
        let outer = EsException::new(EsErrorType::MediaTypeHeader, "outer");
        let es = outer.clone().caused_by(cause.clone(), true).to_body(false);
        assert_eq!(es["error"]["root_cause"][0]["type"], "status_exception");
        assert_eq!(es["error"]["caused_by"]["reason"], "inner");
        let plain = outer.caused_by(cause, false).to_body(false);
        assert_eq!(
            plain["error"]["root_cause"][0]["type"],
            "media_type_header_exception"
        );
        assert!(plain["error"]["root_cause"][0].get("caused_by").is_none());
    }

    #[test]
    fn headers_are_rendered_in_body_and_trace_is_optional() {
        let e = EsException::with_status(EsErrorType::Security, 401, "no")
            .header("WWW-Authenticate", "Basic")
            .header("WWW-Authenticate", "ApiKey");
        let body = e.to_body(true);
        assert_eq!(
            body["error"]["header"]["WWW-Authenticate"],
            json!(["Basic", "ApiKey"])
        );
        assert_eq!(
            body["error"]["root_cause"][0]["header"]["WWW-Authenticate"][1],
            "ApiKey"
        );
        assert!(
            body["error"]["stack_trace"]
                .as_str()
                .unwrap()
                .starts_with("SecurityException[no]")
        );
        assert_eq!(body["status"], 401);
    }
}
