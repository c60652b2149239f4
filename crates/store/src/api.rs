//! The interface the REST layer uses, whatever stores the data: [`DocumentStore`] and the
//! plain request and response types around it (no tantivy, redb or HTTP type). Calls block
//! (a write waits for its fsync): the REST layer runs them on the blocking pool.
//!
//! Elasticsearch's semantics that do not depend on the backend (index name rules, templates,
//! data streams, aliases, auto-creation) are resolved above this interface; a backend deals in
//! concrete indices.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use ironstack_types::EsException;

use crate::Result;
use crate::query::{Query, SearchRequest};

/// What a node's store does.
pub trait DocumentStore: Send + Sync {
    /// Creates a concrete index (its name already validated).
    fn create_index(&self, request: CreateIndex) -> Result<IndexInfo>;
    /// Deletes an index and frees its disk.
    fn delete_index(&self, name: &str) -> Result<()>;
    /// An index's metadata and figures.
    fn index_info(&self, name: &str) -> Result<IndexInfo>;
    /// Every index, by name.
    fn indices(&self) -> Vec<IndexInfo>;
    /// Opens a closed index (`POST /<index>/_open`); opening an open index does nothing.
    fn open_index(&self, name: &str) -> Result<()>;
    /// Closes an index (`POST /<index>/_close`): reads and writes are refused with
    /// `index_closed_exception` until it is opened again; the state survives a restart.
    fn close_index(&self, name: &str) -> Result<()>;
    /// Merges a mapping into an index's (`PUT /<index>/_mapping`).
    fn put_mapping(&self, name: &str, mapping: &Value) -> Result<()>;
    /// Applies dynamic settings (`PUT /<index>/_settings`), flat keys (`index.refresh_interval`).
    fn put_settings(&self, name: &str, settings: &serde_json::Map<String, Value>) -> Result<()>;

    /// Applies `ops` to one index, in order, and returns one outcome per operation. The call
    /// returns once every operation is durable (`index.translog.durability: request`) or
    /// accepted (`async`). An operation that fails (a conflict, a document that does not fit
    /// the mapping) fails alone; `Err` is for the whole call (unknown index, storage failure).
    fn write(
        &self,
        index: &str,
        ops: Vec<WriteOp>,
        options: &WriteOptions,
    ) -> Result<Vec<Result<WriteOutcome>>>;
    /// A document by id, realtime (writes since the last refresh included).
    fn get(&self, index: &str, id: &str) -> Result<Option<StoredDocument>>;
    /// Makes every acknowledged write searchable (`POST /<index>/_refresh`).
    fn refresh(&self, index: &str) -> Result<()>;
    /// Runs a search over concrete indices, seeing only the fields `fields` lets through (a
    /// hidden field behaves as if it were not mapped: queries on it match nothing, it cannot
    /// be sorted on, fetched or aggregated).
    fn search(
        &self,
        indices: &[String],
        request: &SearchRequest,
        fields: &dyn FieldVisibility,
    ) -> Result<SearchResult>;
    /// Pins what `indices` show now for `keep_alive` (a point in time, or the reader of a
    /// scroll) and answers its id.
    fn open_point_in_time(&self, indices: &[String], keep_alive: Duration) -> Result<String>;
    /// The concrete indices of the point in time `id` (`search_context_missing_exception`
    /// once it expired or was closed).
    fn point_in_time_indices(&self, id: &str) -> Result<Vec<String>>;
    /// Searches the point in time `id`, renewing its keep-alive when `keep_alive` is given.
    /// Its sort ends with the `_shard_doc` tiebreaker, whose value ends each hit's `sort`.
    fn search_point_in_time(
        &self,
        id: &str,
        keep_alive: Option<Duration>,
        request: &SearchRequest,
        fields: &dyn FieldVisibility,
    ) -> Result<SearchResult>;
    /// Closes the point in time `id`; false when none was open.
    fn close_point_in_time(&self, id: &str) -> bool;
    /// Counts the matches of `query` over concrete indices, with `fields` as for
    /// [`DocumentStore::search`].
    fn count(&self, indices: &[String], query: &Query, fields: &dyn FieldVisibility)
    -> Result<u64>;
}

/// Which fields of each index a read may see: field-level security, applied by the store so
/// that a hidden field cannot be found by querying, sorting or aggregating on it either.
pub trait FieldVisibility: Sync {
    /// Whether `field` (a dotted path) of `index` is visible.
    fn visible(&self, index: &str, field: &str) -> bool;
}

/// Every field visible.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllFields;

impl FieldVisibility for AllFields {
    fn visible(&self, _index: &str, _field: &str) -> bool {
        true
    }
}

/// `PUT /<index>` after templates were applied.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreateIndex {
    /// The index name.
    pub name: String,
    /// Flat settings (`index.number_of_shards`, `index.refresh_interval`, ...).
    pub settings: serde_json::Map<String, Value>,
    /// The mapping (`{"dynamic":..,"properties":{..}}`), empty for none.
    pub mappings: Value,
}

/// An index's metadata and figures.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexInfo {
    /// Name.
    pub name: String,
    /// `index.uuid`.
    pub uuid: String,
    /// `index.creation_date` (epoch ms).
    pub creation_date: i64,
    /// Flat settings as `GET /<index>/_settings` shows them (values as strings).
    pub settings: serde_json::Map<String, Value>,
    /// The mapping as `GET /<index>/_mapping` shows it.
    pub mappings: Value,
    /// Live documents (refreshed view).
    pub docs_count: u64,
    /// Deleted documents not yet merged away.
    pub docs_deleted: u64,
    /// Bytes on disk.
    pub store_size_bytes: u64,
    /// Whether the index is open.
    pub open: bool,
}

/// One write of a bulk (or a single-document request).
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    /// `index` / `create`.
    Index {
        /// `_id`; `None` generates one (then `op_type` is `create`).
        id: Option<String>,
        /// The `_source`, as sent (JSON bytes, parsed by the store so that its errors can
        /// name line and column).
        source: Vec<u8>,
        /// `op_type=create`: fail if the document exists.
        create: bool,
        /// Concurrency control.
        condition: WriteCondition,
    },
    /// `delete`.
    Delete {
        /// `_id`.
        id: String,
        /// Concurrency control.
        condition: WriteCondition,
    },
}

/// `if_seq_no`/`if_primary_term` or `version`/`version_type`, validated by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteCondition {
    /// None.
    #[default]
    None,
    /// The document's current `_seq_no` and `_primary_term` must be these.
    SeqNo {
        /// `if_seq_no`.
        seq_no: u64,
        /// `if_primary_term`.
        primary_term: u64,
    },
    /// `version_type=external` (`gte: false`, alias `external_gt`) or `external_gte`: the new
    /// `_version` is `version`, which must be above (or equal, for gte) the current one.
    External {
        /// The version given.
        version: u64,
        /// `external_gte`.
        gte: bool,
    },
}

/// Options of a write call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WriteOptions {
    /// `?refresh`.
    pub refresh: Refresh,
    /// Whether documents may add fields to the mapping.
    pub dynamic_mapping: DynamicMapping,
}

/// Whether a write may add fields to the index's mapping: the caller's
/// `indices:admin/mapping/auto_put`, decided before the write.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum DynamicMapping {
    /// New fields are added as the mapping's `dynamic` setting says.
    #[default]
    Allowed,
    /// A document that needs a new field fails alone with this error (its 403).
    Denied(Box<EsException>),
}

/// `?refresh` on writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Refresh {
    /// `false` (the default): no refresh action.
    #[default]
    None,
    /// `true` / empty: refresh now; outcomes carry `forced_refresh`.
    Immediate,
    /// `wait_for`: return once a refresh made the writes visible.
    WaitFor,
}

/// A successful write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    /// `_id` (generated ones included).
    pub id: String,
    /// `_version`.
    pub version: u64,
    /// `_seq_no`.
    pub seq_no: u64,
    /// `_primary_term`.
    pub primary_term: u64,
    /// What happened.
    pub result: WriteResultKind,
    /// `forced_refresh`.
    pub forced_refresh: bool,
    /// Whether this document added fields to the index's mapping.
    pub mapping_updated: bool,
}

/// `result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteResultKind {
    /// `created` (201).
    Created,
    /// `updated` (200).
    Updated,
    /// `deleted` (200).
    Deleted,
    /// `not_found` (a delete of nothing: 404, not an error).
    NotFound,
    /// `noop`.
    Noop,
}

/// A stored document.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDocument {
    /// `_id`.
    pub id: String,
    /// `_version`.
    pub version: u64,
    /// `_seq_no`.
    pub seq_no: u64,
    /// `_primary_term`.
    pub primary_term: u64,
    /// `_source`.
    pub source: Value,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// Matches counted (up to the `track_total_hits` threshold).
    pub total: u64,
    /// Whether `total` is exact (`relation: eq`) or a lower bound (`gte`).
    pub total_exact: bool,
    /// The best score (`None` when sorting by fields without `track_scores`).
    pub max_score: Option<f32>,
    /// The page of hits.
    pub hits: Vec<Hit>,
    /// Aggregation results, in Elasticsearch's shape.
    pub aggregations: Option<Value>,
    /// Whether `timeout` cut the search short.
    pub timed_out: bool,
    /// Whether `terminate_after` stopped it early.
    pub terminated_early: bool,
}

/// One hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// `_index`.
    pub index: String,
    /// `_id`.
    pub id: String,
    /// `_score`.
    pub score: Option<f32>,
    /// `_source`, filtered as requested (`None` when not requested).
    pub source: Option<Value>,
    /// `sort` values, when the search sorted.
    pub sort: Option<Vec<Value>>,
    /// `fields` / `docvalue_fields` values.
    pub fields: Option<serde_json::Map<String, Value>>,
    /// `_version`, when requested.
    pub version: Option<u64>,
    /// `_seq_no` and `_primary_term`, when requested.
    pub seq_no_primary_term: Option<(u64, u64)>,
    /// `_ignored`.
    pub ignored: Vec<String>,
    /// `highlight`: fragments per field, when the request asked and something matched.
    pub highlight: Option<BTreeMap<String, Vec<String>>>,
}
