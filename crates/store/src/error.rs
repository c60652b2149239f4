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
    /// `index_closed_exception` (400): `closed`, a read or write of a closed index.
    #[error("closed")]
    IndexClosed {
        /// Index name.
        index: String,
        /// Its uuid.
        uuid: String,
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
    /// `mapper_parsing_exception` (400) around the failure to read a mapping definition, as
    /// `MapperService` reports it: `Failed to parse mapping: <reason>`, caused by the
    /// underlying exception (`mapper_parsing_exception`, `illegal_argument_exception`, ...).
    #[error("Failed to parse mapping: {reason}")]
    MappingDefinition {
        /// The underlying failure's text.
        reason: String,
        /// The underlying exception's type.
        cause_type: String,
    },
    /// `illegal_argument_exception` (400).
    #[error("{0}")]
    IllegalArgument(String),
    /// `illegal_argument_exception` (400) with a cause, as Elasticsearch wraps a failure in
    /// context (`composable template [x] template after composition is invalid`).
    #[error("{reason}")]
    IllegalArgumentCaused {
        /// The outer text.
        reason: String,
        /// What went wrong underneath.
        cause: Box<StoreError>,
    },
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
    /// `aggregation_initialization_exception` (500): an aggregation that cannot be built as
    /// asked (`Aggregator [x] of type [avg] cannot accept sub-aggregations`).
    #[error("{0}")]
    AggregationInitialization(String),
    /// `number_format_exception` (400): a number Elasticsearch reads with Java's parsers
    /// (`For input string: "x"`).
    #[error("{0}")]
    NumberFormat(String),
    /// `parse_exception` (400): Elasticsearch's `ElasticsearchParseException`
    /// (`failed to find low and high distance values`).
    #[error("{0}")]
    Parse(String),
    /// `x_content_parse_exception` (400) around the failure of one field of an object that
    /// Elasticsearch reads with its `ObjectParser` (`[1:25] [bool] failed to parse field
    /// [must]`); the innermost cause is the root cause.
    #[error("{reason}")]
    FieldParse {
        /// Elasticsearch's text, with its `[line:col] ` prefix when the position is known.
        reason: String,
        /// Why the field failed.
        cause: Box<StoreError>,
    },
    /// `query_shard_exception` (400), inside a `search_phase_execution_exception`, for a query
    /// that is well-formed JSON but cannot become a search: `Failed to parse query [..]` (a
    /// `query_string` syntax error, with its `parse_exception` as cause) or `failed to create
    /// query: ..` (an invalid `minimum_should_match`). The query parser raises it before any
    /// index is known; [`StoreError::in_index`] names the index.
    #[error("{reason}")]
    QueryCreation {
        /// Elasticsearch's text.
        reason: String,
        /// The non-Elasticsearch cause: `(type, reason)`, e.g. `("parse_exception", "Cannot
        /// parse 'a:': ...")`.
        cause: Option<(String, String)>,
        /// Index name; empty when not yet known.
        index: String,
        /// Index uuid; empty when not yet known.
        uuid: String,
    },
    /// `from + size` (or a scroll's `size`) beyond `index.max_result_window`: an
    /// `illegal_argument_exception` (400) inside a `search_phase_execution_exception`.
    #[error("{}", result_window_reason(*.max, *.requested, *.scroll))]
    ResultWindowTooLarge {
        /// Index name.
        index: String,
        /// `index.max_result_window`.
        max: u64,
        /// `from + size` (`size` for a scroll).
        requested: u64,
        /// Whether the request is a scroll (Elasticsearch words the batch size case apart).
        scroll: bool,
    },
    /// `invalid_index_template_exception` (400): `index_template [<name>] invalid, cause
    /// [<reason>]`.
    #[error("index_template [{name}] invalid, cause [{reason}]")]
    InvalidIndexTemplate {
        /// The template name.
        name: String,
        /// Why it is refused.
        reason: String,
    },
    /// `index_template_missing_exception` (404): `index_template [<name>] missing`.
    #[error("index_template [{0}] missing")]
    IndexTemplateMissing(String),
    /// `resource_not_found_exception` (404) with Elasticsearch's text.
    #[error("{0}")]
    ResourceNotFound(String),
    /// `resource_already_exists_exception` (400) with Elasticsearch's text (`data_stream [x]
    /// already exists`).
    #[error("{0}")]
    ResourceAlreadyExists(String),
    /// `invalid_alias_name_exception` (400): `Invalid alias name [<alias>]: <reason>`.
    #[error("Invalid alias name [{alias}]: {reason}")]
    InvalidAliasName {
        /// The alias name given.
        alias: String,
        /// Why it is refused.
        reason: String,
    },
    /// `aliases_not_found_exception` (404): `aliases [a, b] missing`.
    #[error("aliases [{}] missing", .0.join(", "))]
    AliasesNotFound(Vec<String>),
    /// `illegal_state_exception` (500), which Elasticsearch uses for metadata that would become
    /// inconsistent (`alias [x] has more than one write index [a,b]`).
    #[error("{0}")]
    IllegalState(String),
    /// The caller's authorization refused one item of a write (a bulk item's 403), as the
    /// security layer worded it.
    #[error("{}", .0.reason)]
    Denied(Box<EsException>),
    /// `search_context_missing_exception` (404): no open point in time or scroll has this id.
    #[error("No search context found for id [{0}]")]
    SearchContextMissing(String),
    /// `too_many_scroll_contexts_exception` (429): `search.max_open_scroll_context` reached.
    #[error(
        "Trying to create too many scroll contexts. Must be less than or equal to: [{0}]. This limit can be set by changing the [search.max_open_scroll_context] setting."
    )]
    TooManyContexts(usize),
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

fn result_window_reason(max: u64, requested: u64, scroll: bool) -> String {
    if scroll {
        format!(
            "Batch size is too large, size must be less than or equal to: [{max}] but was [{requested}]. Scroll batch sizes cost as much memory as result windows so they are controlled by the [index.max_result_window] index level setting."
        )
    } else {
        format!(
            "Result window is too large, from + size must be less than or equal to: [{max}] but was [{requested}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting."
        )
    }
}

impl StoreError {
    /// Names the index of an error raised before the index was known (a
    /// [`StoreError::QueryCreation`] from the query parser), as Elasticsearch's shard-level
    /// failure carries it; other errors are returned unchanged.
    pub fn in_index(self, index: &str, uuid: &str) -> Self {
        match self {
            Self::QueryCreation {
                reason,
                cause,
                index: old,
                uuid: old_uuid,
            } if old.is_empty() => Self::QueryCreation {
                reason,
                cause,
                index: index.to_string(),
                uuid: if old_uuid.is_empty() {
                    uuid.to_string()
                } else {
                    old_uuid
                },
            },
            Self::FieldParse { reason, cause } => Self::FieldParse {
                reason,
                cause: Box::new(cause.in_index(index, uuid)),
            },
            other => other,
        }
    }

    /// Whether Elasticsearch's error is an `ElasticsearchException` (then it becomes the root
    /// cause of an error it causes) rather than a plain Java exception.
    pub fn is_elasticsearch_exception(&self) -> bool {
        !matches!(
            self,
            Self::IllegalArgument(_)
                | Self::IllegalArgumentCaused { .. }
                | Self::IllegalState(_)
                | Self::NumberFormat(_)
        )
    }

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
            Self::IndexClosed { index, uuid } => with_index(
                EsException::named("index_closed_exception", 400, reason),
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
            Self::MappingDefinition {
                reason: inner,
                cause_type,
            } => {
                // Only an Elasticsearch exception as cause becomes the root cause; a plain
                // Java one (`illegal_argument_exception`) leaves the wrapper as root.
                let es_cause = cause_type == EsErrorType::MapperParsing.as_str();
                EsException::with_status(EsErrorType::MapperParsing, 400, reason)
                    .caused_by(EsException::named(cause_type, 400, inner.clone()), es_cause)
            }
            Self::IllegalArgument(_) => EsException::illegal_argument(reason),
            // A plain Java exception: Elasticsearch reports the outer one as the root cause.
            Self::IllegalArgumentCaused { cause, .. } => {
                EsException::illegal_argument(reason).caused_by(cause.to_exception(), false)
            }
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
            Self::QueryShard { index, uuid, .. } => search_phase(
                with_index(
                    EsException::with_status(EsErrorType::QueryShard, 400, reason),
                    index,
                    uuid,
                ),
                Some(index),
            ),
            Self::ShardIllegalArgument { index, .. } => search_phase(
                EsException::illegal_argument(reason).meta("index", index.as_str()),
                Some(index),
            ),
            Self::TooManyBuckets { max } => search_phase(
                EsException::with_status(EsErrorType::TooManyBuckets, 400, reason)
                    .meta("max_buckets", *max),
                None,
            ),
            Self::NumberFormat(_) => EsException::named("number_format_exception", 400, reason),
            Self::AggregationInitialization(_) => {
                EsException::named("aggregation_initialization_exception", 500, reason)
            }
            Self::Parse(_) => EsException::with_status(EsErrorType::Parse, 400, reason),
            Self::FieldParse { cause, .. } => {
                // Elasticsearch reports the innermost Elasticsearch exception as the root
                // cause; a plain Java exception underneath (`Required [x]`, a bad number)
                // leaves this parse failure as the root cause.
                EsException::with_status(EsErrorType::XContentParse, 400, reason)
                    .caused_by(cause.to_exception(), cause.is_elasticsearch_exception())
            }
            Self::QueryCreation {
                cause, index, uuid, ..
            } => {
                let shard = EsException::with_status(EsErrorType::QueryShard, 400, reason);
                let shard = if index.is_empty() {
                    shard
                } else {
                    with_index(shard, index, uuid)
                };
                // Lucene's ParseException and Java's NumberFormatException are not
                // Elasticsearch exceptions: the shard exception stays the root cause.
                let shard = match cause {
                    Some((t, r)) => shard.caused_by(EsException::named(t, 400, r.clone()), false),
                    None => shard,
                };
                search_phase(shard, (!index.is_empty()).then_some(index.as_str()))
            }
            Self::ResultWindowTooLarge { index, .. } => search_phase(
                EsException::illegal_argument(reason),
                (!index.is_empty()).then_some(index.as_str()),
            ),
            Self::InvalidIndexTemplate { .. } => {
                EsException::named("invalid_index_template_exception", 400, reason)
            }
            Self::IndexTemplateMissing(_) => {
                EsException::named("index_template_missing_exception", 404, reason)
            }
            Self::SearchContextMissing(_) => {
                EsException::with_status(EsErrorType::SearchContextMissing, 404, reason)
            }
            Self::TooManyContexts(_) => {
                EsException::with_status(EsErrorType::TooManyScrollContexts, 429, reason)
            }
            Self::ResourceNotFound(_) => {
                EsException::with_status(EsErrorType::ResourceNotFound, 404, reason)
            }
            Self::ResourceAlreadyExists(_) => {
                EsException::with_status(EsErrorType::ResourceAlreadyExists, 400, reason)
            }
            Self::InvalidAliasName { .. } => {
                EsException::named("invalid_alias_name_exception", 400, reason)
            }
            Self::AliasesNotFound(names) => {
                let id = if names.len() == 1 {
                    serde_json::Value::String(names[0].clone())
                } else {
                    serde_json::Value::from(names.clone())
                };
                EsException::named("aliases_not_found_exception", 404, reason)
                    .meta("resource.type", "aliases")
                    .meta("resource.id", id)
            }
            Self::IllegalState(_) => EsException::named("illegal_state_exception", 500, reason),
            Self::Denied(exception) => (**exception).clone(),
            Self::Unavailable(_) | Self::Storage(_) => EsException::internal(reason),
        }
    }
}

/// Elasticsearch's `search_phase_execution_exception` around a shard failure: `all shards
/// failed`, phase `query`, grouped, with the failure as its cause and root cause.
fn search_phase(cause: EsException, index: Option<&str>) -> EsException {
    let status = cause.status;
    let shard_failure = serde_json::json!({
        "shard": 0,
        "index": index.map_or(serde_json::Value::Null, serde_json::Value::from),
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
