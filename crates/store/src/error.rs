//! The store's one error type. Each variant knows its Elasticsearch exception (type, status,
//! metadata such as `index` and `index_uuid`), so the REST layer renders it with
//! [`StoreError::to_exception`] and never matches on messages.

use ironstack_types::{EsErrorType, EsException};

/// Store results.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// `index_not_found_exception` (404): `no such index [<name>]`, with `extra` appended
    /// (` and [action.auto_create_index] is [false]`).
    #[error("no such index [{index}]{extra}")]
    IndexNotFound {
        /// The missing index (or alias, data stream).
        index: String,
        /// Text Elasticsearch appends in some cases; empty otherwise.
        extra: String,
    },
    /// `resource_already_exists_exception` (400): `index [<name>/<uuid>] already exists`.
    #[error("index [{index}/{uuid}] already exists")]
    IndexAlreadyExists {
        /// Index name.
        index: String,
        /// Its uuid.
        uuid: String,
    },
    /// `invalid_index_name_exception` (400): `Invalid index name [<name>], <why>`.
    #[error("Invalid index name [{index}], {reason}")]
    InvalidIndexName {
        /// The name given.
        index: String,
        /// Why it is refused.
        reason: String,
    },
    /// `version_conflict_engine_exception` (409): `[<id>]: version conflict, <explanation>`.
    #[error("[{id}]: version conflict, {explanation}")]
    VersionConflict {
        /// Index name.
        index: String,
        /// Index uuid.
        uuid: String,
        /// Document id.
        id: String,
        /// Elasticsearch's explanation (`document already exists (current version [1])`, ...).
        explanation: String,
    },
    /// `document_missing_exception` (404): `[<id>]: document missing`.
    #[error("[{id}]: document missing")]
    DocumentMissing {
        /// Index name.
        index: String,
        /// Index uuid.
        uuid: String,
        /// Document id.
        id: String,
    },
    /// `document_parsing_exception` (400): a `_source` that does not fit the mapping.
    #[error("{reason}")]
    DocumentParsing {
        /// Elasticsearch's text (`[1:10] failed to parse field [price] of type [double] ...`).
        reason: String,
        /// The cause: `(type, reason)`, e.g. `("number_format_exception", "For input string: \"x\"")`.
        caused_by: Option<(String, String)>,
    },
    /// `strict_dynamic_mapping_exception` (400).
    #[error("{0}")]
    StrictDynamicMapping(String),
    /// `mapper_parsing_exception` (400): a mapping that cannot be parsed.
    #[error("{0}")]
    MapperParsing(String),
    /// `illegal_argument_exception` (400).
    #[error("{0}")]
    IllegalArgument(String),
    /// `action_request_validation_exception` (400): `Validation Failed: 1: <msg>;...`.
    #[error("Validation Failed: {}", numbered(.0))]
    Validation(Vec<String>),
    /// `parsing_exception` (400): a query or search request that cannot be parsed.
    #[error("{reason}")]
    Parsing {
        /// Elasticsearch's text (`[match] unknown token [START_ARRAY] after [query]`, ...).
        reason: String,
        /// Line of the offending token, when known.
        line: Option<usize>,
        /// Column of the offending token, when known.
        col: Option<usize>,
    },
    /// `x_content_parse_exception` (400): `[line:col] <what>`.
    #[error("{0}")]
    XContentParse(String),
    /// `query_shard_exception` (400) inside a `search_phase_execution_exception`.
    #[error("{reason}")]
    QueryShard {
        /// Index name.
        index: String,
        /// Index uuid.
        uuid: String,
        /// Elasticsearch's text (`No mapping found for [x] in order to sort on`).
        reason: String,
    },
    /// `illegal_argument_exception` (400) raised by a shard while searching, inside a
    /// `search_phase_execution_exception` (the result window, sorting on a text field).
    #[error("{reason}")]
    ShardIllegalArgument {
        /// Index name.
        index: String,
        /// Elasticsearch's text.
        reason: String,
    },
    /// `too_many_buckets_exception` (400) inside a `search_phase_execution_exception`.
    #[error(
        "Trying to create too many buckets. Must be less than or equal to: [{max}] but this number of buckets was exceeded. This limit can be set by changing the [search.max_buckets] cluster level setting."
    )]
    TooManyBuckets {
        /// `search.max_buckets`.
        max: u64,
    },
    /// The data folder cannot be used: locked by another node, unreadable, or damaged.
    #[error("{0}")]
    Unavailable(String),
    /// An I/O or storage failure (500).
    #[error("{0}")]
    Storage(String),
}

fn numbered(messages: &[String]) -> String {
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{}: {m};", i + 1))
        .collect::<Vec<_>>()
        .join("")
}

impl StoreError {
    /// An [`StoreError::IndexNotFound`] with nothing appended.
    pub fn index_not_found(index: impl Into<String>) -> Self {
        Self::IndexNotFound {
            index: index.into(),
            extra: String::new(),
        }
    }

    /// Elasticsearch's error body for this error.
    pub fn to_exception(&self) -> EsException {
        let reason = self.to_string();
        let with_index = |e: EsException, index: &str, uuid: &str| {
            e.meta("index_uuid", uuid).meta("index", index)
        };
        match self {
            Self::IndexNotFound { index, .. } => with_index(
                EsException::with_status(EsErrorType::IndexNotFound, 404, reason)
                    .meta("resource.type", "index_or_alias")
                    .meta("resource.id", index.as_str()),
                index,
                "_na_",
            ),
            Self::IndexAlreadyExists { index, uuid } => with_index(
                EsException::with_status(EsErrorType::ResourceAlreadyExists, 400, reason),
                index,
                uuid,
            ),
            Self::InvalidIndexName { index, .. } => with_index(
                EsException::with_status(EsErrorType::InvalidIndexName, 400, reason),
                index,
                "_na_",
            ),
            Self::VersionConflict { index, uuid, .. } => with_index(
                EsException::with_status(EsErrorType::VersionConflictEngine, 409, reason)
                    .meta("shard", "0"),
                index,
                uuid,
            ),
            Self::DocumentMissing { index, uuid, .. } => with_index(
                EsException::with_status(EsErrorType::DocumentMissing, 404, reason)
                    .meta("shard", "0"),
                index,
                uuid,
            ),
            Self::DocumentParsing { caused_by, .. } => {
                let e = EsException::with_status(EsErrorType::DocumentParsing, 400, reason);
                match caused_by {
                    Some((t, r)) => e.caused_by(EsException::named(t, 400, r.clone()), false),
                    None => e,
                }
            }
            Self::StrictDynamicMapping(_) => {
                EsException::with_status(EsErrorType::StrictDynamicMapping, 400, reason)
            }
            Self::MapperParsing(_) => {
                EsException::with_status(EsErrorType::MapperParsing, 400, reason)
            }
            Self::IllegalArgument(_) => EsException::illegal_argument(reason),
            Self::Validation(_) => {
                EsException::with_status(EsErrorType::ActionRequestValidation, 400, reason)
            }
            Self::Parsing { line, col, .. } => {
                let e = EsException::with_status(EsErrorType::Parsing, 400, reason);
                match (line, col) {
                    (Some(l), Some(c)) => e.meta("line", *l as u64).meta("col", *c as u64),
                    _ => e,
                }
            }
            Self::XContentParse(_) => {
                EsException::with_status(EsErrorType::XContentParse, 400, reason)
            }
            Self::QueryShard { index, uuid, .. } => search_phase(with_index(
                EsException::with_status(EsErrorType::QueryShard, 400, reason),
                index,
                uuid,
            )),
            Self::ShardIllegalArgument { index, .. } => {
                search_phase(EsException::illegal_argument(reason).meta("index", index.as_str()))
            }
            Self::TooManyBuckets { max } => search_phase(
                EsException::with_status(EsErrorType::TooManyBuckets, 400, reason)
                    .meta("max_buckets", *max),
            ),
            Self::Unavailable(_) | Self::Storage(_) => EsException::internal(reason),
        }
    }
}

/// Elasticsearch's `search_phase_execution_exception` around a shard failure: `all shards
/// failed`, phase `query`, grouped, with the failure as its cause and root cause.
fn search_phase(cause: EsException) -> EsException {
    let status = cause.status;
    let shard_failure = serde_json::json!({
        "shard": 0,
        "index": cause.metadata.get("index").cloned().unwrap_or(serde_json::Value::Null),
        "reason": {"type": cause.error_type, "reason": cause.reason},
    });
    EsException::with_status(
        EsErrorType::SearchPhaseExecution,
        status,
        "all shards failed",
    )
    .meta("phase", "query")
    .meta("grouped", true)
    .meta(
        "failed_shards",
        serde_json::Value::Array(vec![shard_failure]),
    )
    .caused_by(cause, true)
}
