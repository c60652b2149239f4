//! The storage and search engine under one data folder: concrete indices, each a redb log and
//! document table plus a tantivy index ([`shard`]), durable writes with group commit,
//! near-real-time refresh, recovery, search execution of [`crate::query`] values, and the
//! figures behind `_stats`. It takes documents already typed by the mapping
//! ([`ParsedDocument`]) and knows nothing of mappings, templates, aliases or HTTP.
//!
//! Layout of the data folder: `engine.lock` (held while an [`Engine`] is open), and
//! `indices/<uuid>/{wal.redb,tantivy/}` per index. An index is created under a temporary name
//! and renamed into place, and deleted by renaming it away first, so a crash never leaves a
//! half-made or half-deleted index that looks real.

mod aggs_exec;
mod analysis;
mod compile;
mod contexts;
mod highlight;
pub use contexts::indices_of_id as point_in_time_indices_of_id;
mod ids;
mod schema;
mod search;
mod shard;
mod wal;

#[cfg(test)]
mod aggs_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod write_tests;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::api::{Refresh, SearchResult, StoredDocument, WriteCondition, WriteOutcome};
use crate::document::{IndexedValue, ParsedDocument};
use crate::error::{Result, StoreError};
use crate::query::{Query, SearchRequest};

pub use ids::{generate_id, random_uuid};
use shard::{OpenOptions, PreparedOp, Shard};
use wal::{EncodedFields, storage};

/// How the engine uses memory and time.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// tantivy's indexing memory per index (at least 15 MB); a full budget writes a segment.
    pub writer_memory_bytes: usize,
    /// redb's page cache per index.
    pub cache_bytes: usize,
    /// How often the refresh thread looks for indices due a refresh.
    pub refresh_tick: Duration,
    /// How long an index takes no write before its index writer is closed (and opened
    /// again by the next write).
    pub idle_writer_close: Duration,
    /// How many points in time and scrolls may be open at once
    /// (`search.max_open_scroll_context`, 500).
    pub max_open_contexts: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            writer_memory_bytes: 32 << 20,
            cache_bytes: 16 << 20,
            refresh_tick: Duration::from_millis(100),
            idle_writer_close: Duration::from_secs(60),
            max_open_contexts: 500,
        }
    }
}

pub use crate::mapping::settings::Durability;

/// The index settings the engine acts on (the caller keeps the rest).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSettings {
    /// `index.refresh_interval`; `None` for `-1` (no periodic refresh).
    pub refresh_interval: Option<Duration>,
    /// `index.translog.durability`.
    pub durability: Durability,
    /// `index.translog.sync_interval` (5s).
    pub sync_interval: Duration,
    /// `index.gc_deletes` (60s): how long a delete's version is remembered.
    pub gc_deletes: Duration,
    /// `index.max_result_window` (10,000).
    pub max_result_window: usize,
}

impl Default for IndexSettings {
    fn default() -> Self {
        Self {
            refresh_interval: Some(Duration::from_secs(1)),
            durability: Durability::Request,
            sync_interval: Duration::from_secs(5),
            gc_deletes: Duration::from_secs(60),
            max_result_window: 10_000,
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl IndexSettings {
    fn to_json(&self) -> Value {
        json!({
            "refresh_interval_ms": self.refresh_interval.map(millis),
            "durability": match self.durability { Durability::Request => "request", Durability::Async => "async" },
            "sync_interval_ms": millis(self.sync_interval),
            "gc_deletes_ms": millis(self.gc_deletes),
            "max_result_window": self.max_result_window,
        })
    }

    fn from_json(v: &Value) -> Self {
        let d = Self::default();
        let ms = |k: &str| v.get(k).and_then(Value::as_u64).map(Duration::from_millis);
        Self {
            refresh_interval: match v.get("refresh_interval_ms") {
                Some(Value::Null) => None,
                _ => ms("refresh_interval_ms").or(d.refresh_interval),
            },
            durability: match v.get("durability").and_then(Value::as_str) {
                Some("async") => Durability::Async,
                _ => Durability::Request,
            },
            sync_interval: ms("sync_interval_ms").unwrap_or(d.sync_interval),
            gc_deletes: ms("gc_deletes_ms").unwrap_or(d.gc_deletes),
            max_result_window: v
                .get("max_result_window")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(d.max_result_window),
        }
    }
}

/// One write of an [`Engine::apply`] call.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineOp {
    /// `index` / `create`.
    Index {
        /// `_id`; `None` generates one (see [`generate_id`]).
        id: Option<String>,
        /// The `_source` bytes as they will be returned.
        source: Vec<u8>,
        /// The document as the mapping typed it.
        parsed: ParsedDocument,
        /// `op_type=create`.
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

/// The type of a mapped field, as search needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `keyword` (and `constant_keyword`, `wildcard`, `flattened` leaves).
    Keyword,
    /// `text`, `match_only_text`.
    Text,
    /// `long`, `integer`, `short`, `byte`, `scaled_float` (scaled).
    Long,
    /// `unsigned_long`.
    UnsignedLong,
    /// `double`, `float`, `half_float`.
    Double,
    /// `boolean`.
    Boolean,
    /// `date`.
    Date,
    /// `date_nanos`.
    DateNanos,
    /// `ip`.
    Ip,
}

impl FieldKind {
    /// The kind of field a value is indexed as.
    pub fn of(value: &IndexedValue) -> FieldKind {
        match value {
            IndexedValue::Keyword(_) => FieldKind::Keyword,
            IndexedValue::Text(_) => FieldKind::Text,
            IndexedValue::Long(_) => FieldKind::Long,
            IndexedValue::UnsignedLong(_) => FieldKind::UnsignedLong,
            IndexedValue::Double(_) => FieldKind::Double,
            IndexedValue::Boolean(_) => FieldKind::Boolean,
            IndexedValue::Date(crate::document::DateValue::Millis(_)) => FieldKind::Date,
            IndexedValue::Date(crate::document::DateValue::Nanos(_)) => FieldKind::DateNanos,
            IndexedValue::Ip(_) => FieldKind::Ip,
        }
    }

    /// Elasticsearch's name of the type (`keyword`, `long`, ...).
    pub fn type_name(self) -> &'static str {
        match self {
            FieldKind::Keyword => "keyword",
            FieldKind::Text => "text",
            FieldKind::Long => "long",
            FieldKind::UnsignedLong => "unsigned_long",
            FieldKind::Double => "double",
            FieldKind::Boolean => "boolean",
            FieldKind::Date => "date",
            FieldKind::DateNanos => "date_nanos",
            FieldKind::Ip => "ip",
        }
    }
}

/// A mapped field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    /// Its type.
    pub kind: FieldKind,
    /// `index: true`.
    pub indexed: bool,
    /// `doc_values: true` (sorting; aggregations).
    pub doc_values: bool,
    /// The date `format`, when not the default.
    pub format: Option<String>,
}

/// What search needs from the mapping of each index: the type of a path and the expansion of
/// field patterns. The mapping implements it; [`FieldTypeMap`] is a plain implementation.
pub trait FieldTypes: Sync {
    /// The field at `path` in `index` (`None` when unmapped, or an object).
    fn field(&self, index: &str, path: &str) -> Option<FieldInfo>;
    /// Searchable leaf fields of `index` matching `pattern` (`*`, `host.*`).
    fn expand(&self, index: &str, pattern: &str) -> Vec<String>;
    /// The concrete field `path` reads in `index`: an `alias` field's target, else `path`.
    /// Queries, sorts and aggregations read the target's indexed values.
    fn concrete(&self, _index: &str, path: &str) -> String {
        path.to_string()
    }
}

/// A [`FieldTypes`] learnt from the documents themselves (tests, tools, benchmarks).
#[derive(Debug, Clone, Default)]
pub struct FieldTypeMap {
    indices: BTreeMap<String, BTreeMap<String, FieldInfo>>,
}

impl FieldTypeMap {
    /// Records the fields of `doc` for `index` (the first type seen for a path wins).
    pub fn learn(&mut self, index: &str, doc: &ParsedDocument) {
        let fields = self.indices.entry(index.to_string()).or_default();
        for f in &doc.fields {
            fields.entry(f.path.clone()).or_insert(FieldInfo {
                kind: FieldKind::of(&f.value),
                indexed: f.indexed,
                doc_values: f.doc_values,
                format: None,
            });
        }
    }

    /// Declares a field.
    pub fn insert(&mut self, index: &str, path: &str, info: FieldInfo) {
        self.indices
            .entry(index.to_string())
            .or_default()
            .insert(path.to_string(), info);
    }
}

impl FieldTypes for FieldTypeMap {
    fn field(&self, index: &str, path: &str) -> Option<FieldInfo> {
        self.indices.get(index)?.get(path).cloned()
    }

    fn expand(&self, index: &str, pattern: &str) -> Vec<String> {
        self.indices.get(index).map_or_else(Vec::new, |fields| {
            fields
                .iter()
                .filter(|(path, info)| {
                    info.indexed && ironstack_types::wildcard::simple_match(pattern, path)
                })
                .map(|(path, _)| path.clone())
                .collect()
        })
    }
}

/// An index's identity and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexMeta {
    /// Name.
    pub name: String,
    /// `index.uuid`.
    pub uuid: String,
    /// `index.creation_date` (epoch ms).
    pub creation_date: i64,
    /// The primary term of this opening of the index.
    pub primary_term: u64,
    /// The engine's settings.
    pub settings: IndexSettings,
    /// What the caller stored with [`Engine::create_index`] / [`Engine::set_metadata`].
    pub metadata: Value,
}

/// The figures of one index (`_stats`, `_cat/indices`, `_nodes/stats`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexStats {
    /// Live documents in the refreshed view.
    pub docs_count: u64,
    /// Deleted documents not yet merged away.
    pub docs_deleted: u64,
    /// Bytes on disk (log, document table and search index).
    pub store_size_bytes: u64,
    /// Searchable segments.
    pub segments_count: u64,
    /// `indexing.index_total`.
    pub index_total: u64,
    /// `indexing.index_time_in_millis`.
    pub index_time_ms: u64,
    /// `indexing.index_failed`.
    pub index_failed: u64,
    /// `indexing.delete_total`.
    pub delete_total: u64,
    /// `indexing.delete_time_in_millis`.
    pub delete_time_ms: u64,
    /// `get.total`.
    pub get_total: u64,
    /// `get.exists_total`.
    pub get_exists_total: u64,
    /// `get.time_in_millis`.
    pub get_time_ms: u64,
    /// `search.query_total`.
    pub query_total: u64,
    /// `search.query_time_in_millis`.
    pub query_time_ms: u64,
    /// `search.fetch_total`.
    pub fetch_total: u64,
    /// `search.fetch_time_in_millis`.
    pub fetch_time_ms: u64,
    /// `refresh.total`.
    pub refresh_total: u64,
    /// `refresh.external_total` (refreshes asked for by requests).
    pub refresh_external_total: u64,
    /// `refresh.total_time_in_millis`.
    pub refresh_time_ms: u64,
    /// `translog.uncommitted_operations`.
    pub translog_uncommitted_operations: u64,
    /// `translog.operations`: operations the log still holds.
    pub translog_operations: u64,
    /// `translog.size_in_bytes`.
    pub translog_size_bytes: u64,
    /// Log fsyncs (group commit makes it smaller than the write calls).
    pub wal_syncs: u64,
    /// Log transactions.
    pub wal_transactions: u64,
    /// `seq_no.max_seq_no` (-1 when empty).
    pub max_seq_no: i64,
    /// The current primary term.
    pub primary_term: u64,
}

/// One searchable segment of an index (`_cat/segments`). Every searchable segment is also
/// committed: a refresh is a tantivy commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentFigures {
    /// tantivy's segment id (32 hex digits).
    pub id: String,
    /// Live documents.
    pub docs_count: u64,
    /// Deleted documents the segment still holds.
    pub docs_deleted: u64,
    /// Bytes of the segment's files.
    pub size_bytes: u64,
}

/// The engine of one data folder.
pub struct Engine {
    data: PathBuf,
    options: EngineOptions,
    shards: Arc<RwLock<BTreeMap<String, Arc<Shard>>>>,
    create_lock: Mutex<()>,
    stop: Arc<AtomicBool>,
    refresher: Mutex<Option<JoinHandle<()>>>,
    contexts: contexts::ReaderContexts,
    _lock: File,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("data", &self.data).finish()
    }
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

impl Engine {
    /// Opens (or creates) the engine of `data`: locks the folder, opens every index (replaying
    /// each log past its last search commit) and starts the refresh thread. A folder locked by
    /// another engine, or an index whose files are damaged, is an error naming it.
    pub fn open(data: &Path, options: EngineOptions) -> Result<Engine> {
        let indices_dir = data.join("indices");
        std::fs::create_dir_all(&indices_dir).map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot create the data folder [{}]: {e}",
                data.display()
            ))
        })?;
        let lock_file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data.join("engine.lock"))
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot lock [{}]: {e}", data.display()))
            })?;
        if lock_file.try_lock().is_err() {
            return Err(StoreError::Unavailable(format!(
                "failed to obtain node locks, tried [{}]; maybe these locations are not writable or multiple nodes were started on the same data path?",
                data.display()
            )));
        }
        let open_options = OpenOptions {
            writer_memory_bytes: options.writer_memory_bytes.max(15 << 20),
            cache_bytes: options.cache_bytes,
        };
        let mut shards = BTreeMap::new();
        let entries = std::fs::read_dir(&indices_dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot read [{}]: {e}", indices_dir.display()))
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let path = entry.path();
            if name.starts_with('.') {
                // A creation or deletion that a crash interrupted.
                let _ = std::fs::remove_dir_all(&path);
                continue;
            }
            if !path.is_dir() {
                continue;
            }
            let shard = Shard::open(&path, &open_options)?;
            shards.insert(shard.name.clone(), shard);
        }
        let shards = Arc::new(RwLock::new(shards));
        let stop = Arc::new(AtomicBool::new(false));
        let refresher = {
            let shards = Arc::clone(&shards);
            let stop = Arc::clone(&stop);
            let tick = options.refresh_tick.max(Duration::from_millis(10));
            let idle = options.idle_writer_close;
            std::thread::Builder::new()
                .name("ironstack-store-refresh".into())
                .spawn(move || refresh_loop(&shards, &stop, tick, idle))
                .map_err(storage("starting the refresh thread"))?
        };
        Ok(Engine {
            data: data.to_path_buf(),
            contexts: contexts::ReaderContexts::new(options.max_open_contexts),
            options,
            shards,
            create_lock: Mutex::new(()),
            stop,
            refresher: Mutex::new(Some(refresher)),
            _lock: lock_file,
        })
    }

    fn shard(&self, name: &str) -> Result<Arc<Shard>> {
        read(&self.shards)
            .get(name)
            .cloned()
            .ok_or_else(|| StoreError::index_not_found(name))
    }

    /// Creates an index (its name validated by the caller) with `metadata` kept alongside.
    pub fn create_index(
        &self,
        name: &str,
        uuid: &str,
        settings: &IndexSettings,
        metadata: Value,
    ) -> Result<()> {
        let _one = lock(&self.create_lock);
        if let Some(existing) = read(&self.shards).get(name) {
            return Err(StoreError::IndexAlreadyExists {
                index: name.to_string(),
                uuid: existing.uuid.clone(),
            });
        }
        let indices = self.data.join("indices");
        let dir_name: String = uuid
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if dir_name.is_empty() || indices.join(&dir_name).exists() {
            return Err(StoreError::IllegalArgument(format!(
                "index uuid [{uuid}] is already in use"
            )));
        }
        let tmp = indices.join(format!(".new-{dir_name}"));
        let _ = std::fs::remove_dir_all(&tmp);
        let made = Shard::create_files(&tmp, name, uuid, settings, &metadata).and_then(|()| {
            std::fs::rename(&tmp, indices.join(&dir_name)).map_err(storage("creating the index"))
        });
        if let Err(e) = made {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        if let Ok(d) = File::open(&indices) {
            let _ = d.sync_all();
        }
        let shard = Shard::open(
            &indices.join(&dir_name),
            &OpenOptions {
                writer_memory_bytes: self.options.writer_memory_bytes.max(15 << 20),
                cache_bytes: self.options.cache_bytes,
            },
        )?;
        write(&self.shards).insert(name.to_string(), shard);
        Ok(())
    }

    /// Deletes an index and its files.
    pub fn delete_index(&self, name: &str) -> Result<()> {
        let shard = write(&self.shards)
            .remove(name)
            .ok_or_else(|| StoreError::index_not_found(name))?;
        shard.shutdown();
        let dir = shard.dir.clone();
        drop(shard);
        let Some(parent) = dir.parent() else {
            return Ok(());
        };
        let gone = parent.join(format!(
            ".deleted-{}",
            dir.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().to_string())
        ));
        std::fs::rename(&dir, &gone).map_err(storage("deleting the index"))?;
        std::fs::remove_dir_all(&gone).map_err(storage("deleting the index"))?;
        Ok(())
    }

    /// Every index name, sorted.
    pub fn indices(&self) -> Vec<String> {
        read(&self.shards).keys().cloned().collect()
    }

    /// An index's identity, settings and the caller's metadata.
    pub fn index_meta(&self, name: &str) -> Result<IndexMeta> {
        let shard = self.shard(name)?;
        let metadata = read(&shard.metadata).clone();
        Ok(IndexMeta {
            name: shard.name.clone(),
            uuid: shard.uuid.clone(),
            creation_date: shard.creation_date,
            primary_term: shard.primary_term,
            settings: shard.settings(),
            metadata,
        })
    }

    /// Replaces the caller's metadata of an index (durably).
    pub fn set_metadata(&self, name: &str, metadata: Value) -> Result<()> {
        self.shard(name)?.set_metadata(metadata)
    }

    /// Replaces an index's engine settings (durably); they apply from the next write or tick.
    pub fn update_settings(&self, name: &str, settings: IndexSettings) -> Result<()> {
        self.shard(name)?.set_settings(settings)
    }

    /// Applies `ops` to `index` in order: one outcome per operation, each failing alone
    /// (a version conflict). Returns once they are durable (`request` durability) and, with
    /// `refresh`, visible. Concurrent calls share one log transaction and fsync.
    pub fn apply(
        &self,
        index: &str,
        ops: Vec<EngineOp>,
        refresh: Refresh,
    ) -> Result<Vec<Result<WriteOutcome>>> {
        let shard = self.shard(index)?;
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let slots = shard.text_slots(ops.iter().flat_map(|op| {
            match op {
                EngineOp::Index { parsed, .. } => parsed
                    .fields
                    .iter()
                    .filter(|f| matches!(f.value, IndexedValue::Text(_)))
                    .map(|f| f.path.as_str())
                    .collect::<Vec<_>>(),
                EngineOp::Delete { .. } => Vec::new(),
            }
        }))?;
        let prepared = ops
            .into_iter()
            .map(|op| match op {
                EngineOp::Index {
                    id,
                    source,
                    parsed,
                    create,
                    condition,
                } => PreparedOp::Index {
                    id: id.unwrap_or_else(generate_id),
                    doc: {
                        let mut doc = schema::to_tantivy(
                            &shard.fields,
                            &slots,
                            &parsed.fields,
                            &parsed.ignored,
                        );
                        doc.add_bytes(shard.fields.source, &source);
                        doc
                    },
                    source,
                    fields: EncodedFields::encode(&parsed),
                    create,
                    condition,
                },
                EngineOp::Delete { id, condition } => PreparedOp::Delete { id, condition },
            })
            .collect();
        let mut outcomes = shard.write(prepared)?;
        let last = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .map(|o| o.seq_no + 1)
            .max();
        match (refresh, last) {
            (Refresh::Immediate, Some(_)) => {
                shard.refresh(true)?;
                for o in outcomes.iter_mut().flatten() {
                    o.forced_refresh = true;
                }
            }
            (Refresh::WaitFor, Some(upto)) => shard.wait_visible(upto),
            _ => {}
        }
        Ok(outcomes)
    }

    /// A document, realtime.
    pub fn get(&self, index: &str, id: &str) -> Result<Option<StoredDocument>> {
        self.shard(index)?.get(id)
    }

    /// Makes every applied write searchable.
    pub fn refresh(&self, index: &str) -> Result<()> {
        self.shard(index)?.refresh(true).map(|_| ())
    }

    /// Runs a search over `indices`.
    pub fn search(
        &self,
        indices: &[&str],
        request: &SearchRequest,
        fields: &dyn FieldTypes,
    ) -> Result<SearchResult> {
        let shards = indices
            .iter()
            .map(|i| self.shard(i))
            .collect::<Result<Vec<_>>>()?;
        search::search(&shards, request, fields)
    }

    /// Pins what `indices` show now for `keep_alive`: a point in time (or a scroll's reader),
    /// searched with [`Engine::search_point_in_time`]; answers its id.
    pub fn open_point_in_time(&self, indices: &[&str], keep_alive: Duration) -> Result<String> {
        let shards = indices
            .iter()
            .map(|i| self.shard(i))
            .collect::<Result<Vec<_>>>()?;
        self.contexts.open(shards, keep_alive)
    }

    /// The indices of the point in time `id`, in its order.
    pub fn point_in_time_indices(&self, id: &str) -> Result<Vec<String>> {
        let pinned = self.contexts.get(id, None)?;
        Ok(pinned.shards.iter().map(|s| s.name.clone()).collect())
    }

    /// Searches the point in time `id` (its keep-alive renewed when `keep_alive` is given).
    /// As in Elasticsearch, the sort ends with the `_shard_doc` tiebreaker (after `_score`
    /// when no sort is given), so `search_after` with a hit's `sort` pages without gaps or
    /// repeats.
    pub fn search_point_in_time(
        &self,
        id: &str,
        keep_alive: Option<Duration>,
        request: &SearchRequest,
        fields: &dyn FieldTypes,
    ) -> Result<SearchResult> {
        let pinned = self.contexts.get(id, keep_alive)?;
        search::search_pinned(
            &pinned.shards,
            Some(&pinned.searchers),
            &search::with_tiebreaker(request),
            fields,
        )
    }

    /// Closes the point in time `id`; false when none was open.
    pub fn close_point_in_time(&self, id: &str) -> bool {
        self.contexts.close(id)
    }

    /// How many points in time and scrolls are open.
    pub fn open_contexts(&self) -> usize {
        self.contexts.len()
    }

    /// Counts the matches of `query` over `indices`.
    pub fn count(&self, indices: &[&str], query: &Query, fields: &dyn FieldTypes) -> Result<u64> {
        let shards = indices
            .iter()
            .map(|i| self.shard(i))
            .collect::<Result<Vec<_>>>()?;
        search::count(&shards, query, fields)
    }

    /// The figures of an index.
    pub fn stats(&self, index: &str) -> Result<IndexStats> {
        let shard = self.shard(index)?;
        let searcher = shard.reader.searcher();
        let segments = searcher.segment_readers();
        let c = &shard.counters;
        let ms = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed) / 1_000_000;
        let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        let (pending, log_size) = shard.log_figures();
        Ok(IndexStats {
            docs_count: searcher.num_docs(),
            docs_deleted: segments
                .iter()
                .map(|s| u64::from(s.num_deleted_docs()))
                .sum(),
            store_size_bytes: dir_size(&shard.dir),
            segments_count: segments.len() as u64,
            index_total: n(&c.index_total),
            index_time_ms: ms(&c.index_time_nanos),
            index_failed: n(&c.index_failed),
            delete_total: n(&c.delete_total),
            delete_time_ms: ms(&c.delete_time_nanos),
            get_total: n(&c.get_total),
            get_exists_total: n(&c.get_exists),
            get_time_ms: ms(&c.get_time_nanos),
            query_total: n(&c.query_total),
            query_time_ms: ms(&c.query_time_nanos),
            fetch_total: n(&c.fetch_total),
            fetch_time_ms: ms(&c.fetch_time_nanos),
            refresh_total: n(&c.refresh_total),
            refresh_external_total: n(&c.external_refresh_total),
            refresh_time_ms: ms(&c.refresh_time_nanos),
            translog_uncommitted_operations: pending,
            translog_operations: shard.log_entries()?,
            translog_size_bytes: log_size,
            wal_syncs: n(&c.wal_syncs),
            wal_transactions: n(&c.wal_transactions),
            max_seq_no: i64::try_from(shard.applied()).unwrap_or(i64::MAX) - 1,
            primary_term: shard.primary_term,
        })
    }

    /// The searchable segments of an index, in the reader's order.
    pub fn segments(&self, index: &str) -> Result<Vec<SegmentFigures>> {
        let shard = self.shard(index)?;
        let searcher = shard.reader.searcher();
        Ok(searcher
            .segment_readers()
            .iter()
            .map(|s| SegmentFigures {
                id: s.segment_id().uuid_string(),
                docs_count: u64::from(s.num_docs()),
                docs_deleted: u64::from(s.num_deleted_docs()),
                size_bytes: s.space_usage().map_or(0, |u| u.total().get_bytes()),
            })
            .collect())
    }

    /// Whether an index's writer is open (closed after `idle_writer_close` without writes).
    pub fn writer_open(&self, index: &str) -> Result<bool> {
        Ok(self.shard(index)?.writer_open())
    }

    /// The data folder.
    pub fn data_path(&self) -> &Path {
        &self.data
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = lock(&self.refresher).take() {
            let _ = handle.join();
        }
        for shard in read(&self.shards).values() {
            shard.shutdown();
        }
    }
}

fn refresh_loop(
    shards: &RwLock<BTreeMap<String, Arc<Shard>>>,
    stop: &AtomicBool,
    tick: Duration,
    idle: Duration,
) {
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(tick);
        let now = Instant::now();
        let due: Vec<Arc<Shard>> = read(shards)
            .values()
            .filter(|s| s.refresh_due(now))
            .cloned()
            .collect();
        for shard in due {
            if let Err(e) = shard.refresh(false) {
                tracing::warn!(index = %shard.name, error = %e, "periodic refresh failed");
            }
        }
        let all: Vec<Arc<Shard>> = read(shards).values().cloned().collect();
        for shard in all {
            shard.close_idle_writer(idle);
        }
    }
}

/// A plain dynamic typing of a `_source` for tests, examples and benchmarks, standing in for
/// the mapping: strings are keywords, or `text` plus a `.keyword` multi-field for the paths
/// named `text`, or dates when they read as `strict_date_optional_time` with a `-`, or IPs;
/// integers are longs, other numbers doubles; arrays give one value per element.
#[doc(hidden)]
pub mod testing {
    use serde_json::Value;

    use crate::document::{DateValue, FieldValue, IndexedValue, ParsedDocument};

    /// tantivy alone on the engine's schema and document layout (one writer, `threads`
    /// indexing threads, no log, no `_source`): indexes `docs` (each with the `text` paths)
    /// into a new index in `dir`, commits once, and returns how many it indexed. The local
    /// limit the engine's ingest rate is measured against.
    pub fn raw_tantivy_ingest(
        dir: &std::path::Path,
        docs: impl Iterator<Item = (String, ParsedDocument)>,
        writer_memory_bytes: usize,
        threads: usize,
    ) -> crate::Result<u64> {
        use tantivy::indexer::IndexWriterOptions;

        let err = |e: tantivy::TantivyError| crate::StoreError::Storage(e.to_string());
        let index =
            tantivy::Index::create_in_dir(dir, super::schema::build_schema()).map_err(err)?;
        index.tokenizers().register(
            super::analysis::STANDARD,
            super::analysis::standard_analyzer(),
        );
        let fields = super::schema::Fields::resolve(&index.schema()).map_err(err)?;
        let mut writer: tantivy::IndexWriter = index
            .writer_with_options(
                IndexWriterOptions::builder()
                    .memory_budget_per_thread(writer_memory_bytes.max(15 << 20))
                    .num_worker_threads(threads.max(1))
                    .num_merge_threads(1)
                    .build(),
            )
            .map_err(err)?;
        let mut slots = std::collections::BTreeMap::new();
        let mut count = 0u64;
        for (id, parsed) in docs {
            for f in &parsed.fields {
                if matches!(f.value, IndexedValue::Text(_))
                    && slots.len() < super::schema::TEXT_SLOTS
                {
                    let n = slots.len();
                    slots.entry(f.path.clone()).or_insert(n);
                }
            }
            let mut doc =
                super::schema::to_tantivy(&fields, &slots, &parsed.fields, &parsed.ignored);
            doc.add_text(fields.id, &id);
            doc.add_u64(fields.seq_no, count);
            doc.add_u64(fields.version, 1);
            doc.add_u64(fields.primary_term, 1);
            writer.add_document(doc).map_err(err)?;
            count += 1;
        }
        writer.commit().map_err(err)?;
        writer.wait_merging_threads().map_err(err)?;
        Ok(count)
    }

    /// Types `source`; `text` lists the paths that are `text` fields.
    pub fn parse(source: &Value, text: &[&str]) -> ParsedDocument {
        let mut doc = ParsedDocument::default();
        walk(source, "", text, &mut doc.fields);
        doc
    }

    fn push(out: &mut Vec<FieldValue>, path: &str, value: IndexedValue) {
        out.push(FieldValue {
            path: path.to_string(),
            value,
            indexed: true,
            doc_values: true,
        });
    }

    fn walk(v: &Value, path: &str, text: &[&str], out: &mut Vec<FieldValue>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(v, &p, text, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, path, text, out);
                }
            }
            Value::Null => {}
            Value::Bool(b) => push(out, path, IndexedValue::Boolean(*b)),
            Value::Number(n) => match n.as_i64() {
                Some(i) => push(out, path, IndexedValue::Long(i)),
                None => push(out, path, IndexedValue::Double(n.as_f64().unwrap_or(0.0))),
            },
            Value::String(s) => {
                if text.contains(&path) {
                    out.push(FieldValue {
                        path: path.to_string(),
                        value: IndexedValue::Text(s.clone()),
                        indexed: true,
                        doc_values: false,
                    });
                    if s.chars().count() <= 256 {
                        push(
                            out,
                            &format!("{path}.keyword"),
                            IndexedValue::Keyword(s.clone()),
                        );
                    }
                    return;
                }
                let date = if s.contains('-') {
                    ironstack_types::date::DateFormat::default()
                        .parse(s, &ironstack_types::date::TimeZone::UTC, false)
                        .ok()
                } else {
                    None
                };
                if let Some(at) = date {
                    push(
                        out,
                        path,
                        IndexedValue::Date(DateValue::Millis(
                            ironstack_types::date::to_epoch_millis(at),
                        )),
                    );
                } else if let Ok(ip) = s.parse::<std::net::IpAddr>() {
                    let v6 = match ip {
                        std::net::IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                        std::net::IpAddr::V6(v6) => v6,
                    };
                    push(out, path, IndexedValue::Ip(v6));
                } else {
                    push(out, path, IndexedValue::Keyword(s.clone()));
                }
            }
        }
    }
}
