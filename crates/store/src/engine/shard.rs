//! One index on disk: its log and document table (redb), its tantivy index, the writer
//! thread that turns concurrent write calls into one redb transaction and one fsync (group
//! commit), refresh (a tantivy commit whose payload is the number of operations it holds,
//! then a reader reload), and recovery (replaying the log past that payload at open).
//!
//! Order of a write: the writer thread checks versions and assigns `_seq_no`s inside one redb
//! write transaction, commits it (fsync under `request` durability), only then hands the
//! operations to tantivy in `_seq_no` order and answers. So whatever tantivy committed is a
//! prefix of the log, and the log holds every acknowledged write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};
use tantivy::indexer::{IndexWriterOptions, UserOperation};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::api::{StoredDocument, WriteCondition, WriteOutcome, WriteResultKind};
use crate::error::{Result, StoreError};

use super::analysis::{STANDARD, standard_analyzer};
use super::schema::{Fields, build_schema, to_tantivy};
use super::wal::{DOCS, DocRecord, EncodedFields, META, OPS, OpRecord, meta_u64, storage};
use super::{Durability, IndexSettings};

/// `(_version, _seq_no, _primary_term)` of a document.
type Versions = (u64, u64, u64);

/// Tombstones `(deleted_at ms BE, _id)` → nothing, oldest first, for `index.gc_deletes`.
const TOMBS: redb::TableDefinition<&[u8], ()> = redb::TableDefinition::new("tombs");

/// Most operations one redb transaction takes before answering its writers.
const MAX_BATCH_OPS: usize = 20_000;

/// A write prepared outside the writer thread (source and fields encoded, tantivy document
/// built), so that the thread only checks versions and writes bytes.
pub(crate) enum PreparedOp {
    Index {
        id: String,
        source: Vec<u8>,
        fields: EncodedFields,
        doc: TantivyDocument,
        create: bool,
        condition: WriteCondition,
    },
    Delete {
        id: String,
        condition: WriteCondition,
    },
}

type Reply = SyncSender<Result<Vec<Result<WriteOutcome>>>>;

struct WriteRequest {
    ops: Vec<PreparedOp>,
    reply: Reply,
}

/// Counters behind `_stats`.
#[derive(Default)]
pub(crate) struct Counters {
    pub index_total: AtomicU64,
    pub index_failed: AtomicU64,
    pub index_time_nanos: AtomicU64,
    pub delete_total: AtomicU64,
    pub delete_time_nanos: AtomicU64,
    pub get_total: AtomicU64,
    pub get_exists: AtomicU64,
    pub get_time_nanos: AtomicU64,
    pub query_total: AtomicU64,
    pub query_time_nanos: AtomicU64,
    pub fetch_total: AtomicU64,
    pub fetch_time_nanos: AtomicU64,
    pub refresh_total: AtomicU64,
    pub external_refresh_total: AtomicU64,
    pub refresh_time_nanos: AtomicU64,
    pub wal_syncs: AtomicU64,
    pub wal_transactions: AtomicU64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

pub(crate) struct Shard {
    pub name: String,
    pub uuid: String,
    pub dir: PathBuf,
    pub creation_date: i64,
    pub primary_term: u64,
    pub fields: Fields,
    /// The tantivy index (writers are opened from it again after idleness).
    index: Index,
    pub reader: IndexReader,
    pub counters: Counters,
    db: Arc<Database>,
    /// `None` while closed for idleness (see [`Shard::close_idle_writer`]).
    writer: RwLock<Option<IndexWriter>>,
    writer_options: IndexWriterOptions,
    last_write: Mutex<Instant>,
    /// Set when tantivy refused operations the log holds: refreshes stop committing, so that
    /// the next open replays them.
    broken: AtomicBool,
    settings: RwLock<IndexSettings>,
    /// Operations handed to tantivy (the next `_seq_no` once the queue is drained).
    applied: AtomicU64,
    /// Operations the current reader sees, and its waiters (`refresh=wait_for`).
    visible: Mutex<u64>,
    visible_changed: Condvar,
    refresh_lock: Mutex<()>,
    last_refresh: Mutex<Instant>,
    /// Log entries below this are in a tantivy commit and may go.
    prune_below: AtomicU64,
    queue: Mutex<Option<SyncSender<WriteRequest>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    closed: AtomicBool,
    /// The caller's metadata (mappings, aliases, ...), kept with the index.
    pub metadata: RwLock<serde_json::Value>,
    /// Text path → its own text field (see [`super::schema`]).
    text_slots: RwLock<BTreeMap<String, usize>>,
    slot_lock: Mutex<()>,
}

pub(crate) struct OpenOptions {
    pub writer_memory_bytes: usize,
    pub cache_bytes: usize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|p| p.into_inner())
}

fn tantivy_err(what: &str) -> impl Fn(tantivy::TantivyError) -> StoreError + '_ {
    move |e| StoreError::Storage(format!("{what}: {e}"))
}

impl Shard {
    /// Creates the files of a new index in `dir` (which must not exist yet).
    pub(crate) fn create_files(
        dir: &Path,
        name: &str,
        uuid: &str,
        settings: &IndexSettings,
        metadata: &serde_json::Value,
    ) -> Result<()> {
        std::fs::create_dir_all(dir.join("tantivy")).map_err(storage("creating the index"))?;
        let index = Index::builder()
            .schema(build_schema())
            .settings(super::schema::index_settings())
            .create_in_dir(dir.join("tantivy"))
            .map_err(tantivy_err("creating the index"))?;
        drop(index);
        let db = Database::create(dir.join("wal.redb")).map_err(storage("creating the log"))?;
        let txn = db.begin_write().map_err(storage("creating the log"))?;
        {
            let mut meta = txn.open_table(META).map_err(storage("creating the log"))?;
            let settings_json = serde_json::to_vec(&settings.to_json()).unwrap_or_default();
            let metadata_json = serde_json::to_vec(metadata).unwrap_or_default();
            let created = ironstack_types::date::now_millis();
            let entries: [(&str, &[u8]); 6] = [
                ("name", name.as_bytes()),
                ("uuid", uuid.as_bytes()),
                ("settings", &settings_json),
                ("metadata", &metadata_json),
                ("created", &created.to_le_bytes()),
                ("primary_term", &0u64.to_le_bytes()),
            ];
            for (k, v) in entries {
                meta.insert(k, v).map_err(storage("creating the log"))?;
            }
            txn.open_table(DOCS).map_err(storage("creating the log"))?;
            txn.open_table(OPS).map_err(storage("creating the log"))?;
            txn.open_table(TOMBS).map_err(storage("creating the log"))?;
        }
        txn.commit().map_err(storage("creating the log"))?;
        Ok(())
    }

    /// Opens an index: bumps its primary term, replays the log into tantivy past the last
    /// tantivy commit, and starts its writer thread.
    pub(crate) fn open(dir: &Path, options: &OpenOptions) -> Result<Arc<Shard>> {
        let shown = dir.display().to_string();
        let db = Database::builder()
            .set_cache_size(options.cache_bytes)
            .open(dir.join("wal.redb"))
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "the write-ahead log of the index in [{shown}] cannot be opened: {e}"
                ))
            })?;
        let damaged = |e: &dyn std::fmt::Display| {
            StoreError::Unavailable(format!(
                "the write-ahead log of the index in [{shown}] is damaged: {e}"
            ))
        };
        let text = |key: &str| -> Result<String> {
            let v =
                super::wal::read_meta(&db, key)?.ok_or_else(|| damaged(&format!("no [{key}]")))?;
            String::from_utf8(v).map_err(|e| damaged(&e))
        };
        let name = text("name")?;
        let uuid = text("uuid")?;
        let settings_json: serde_json::Value =
            serde_json::from_str(&text("settings")?).map_err(|e| damaged(&e))?;
        let settings = IndexSettings::from_json(&settings_json);
        let metadata: serde_json::Value =
            serde_json::from_str(&text("metadata")?).map_err(|e| damaged(&e))?;
        let text_slots: BTreeMap<String, usize> = match super::wal::read_meta(&db, "text_slots")? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| damaged(&e))?,
            None => BTreeMap::new(),
        };
        let creation_date = meta_u64(super::wal::read_meta(&db, "created")?.as_deref()) as i64;
        let next_seq = meta_u64(super::wal::read_meta(&db, "next_seq_no")?.as_deref());
        // Elasticsearch raises the primary term each time a primary shard is initialised
        // (`IndexMetadataUpdater.shardInitialized`): from 0 to 1 at creation, and again at
        // each node restart or index reopen. Every open of the index here is that allocation.
        let primary_term = meta_u64(super::wal::read_meta(&db, "primary_term")?.as_deref()) + 1;
        {
            let txn = db.begin_write().map_err(storage("opening the log"))?;
            {
                let mut meta = txn.open_table(META).map_err(storage("opening the log"))?;
                meta.insert("primary_term", &primary_term.to_le_bytes()[..])
                    .map_err(storage("opening the log"))?;
            }
            txn.commit().map_err(storage("opening the log"))?;
        }

        let index = Index::open_in_dir(dir.join("tantivy")).map_err(|e| {
            StoreError::Unavailable(format!(
                "the search index in [{shown}] cannot be opened: {e}"
            ))
        })?;
        index.tokenizers().register(STANDARD, standard_analyzer());
        let fields = Fields::resolve(&index.schema()).map_err(|e| damaged(&e))?;
        let committed = index
            .load_metas()
            .map_err(|e| damaged(&e))?
            .payload
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(0);
        let writer_options = IndexWriterOptions::builder()
            .memory_budget_per_thread(options.writer_memory_bytes)
            .num_worker_threads(1)
            .num_merge_threads(1)
            .build();
        let writer: IndexWriter = index
            .writer_with_options(writer_options.clone())
            .map_err(tantivy_err("opening the index writer"))?;
        // Replay what the last tantivy commit does not hold.
        let mut replayed = 0u64;
        {
            let txn = db.begin_read().map_err(storage("reading the log"))?;
            let ops = txn.open_table(OPS).map_err(storage("reading the log"))?;
            let mut batch = Vec::new();
            for entry in ops.range(committed..).map_err(storage("reading the log"))? {
                let (seq, bytes) = entry.map_err(storage("reading the log"))?;
                let op = OpRecord::decode(bytes.value()).map_err(|e| damaged(&e))?;
                push_op(&mut batch, &fields, &text_slots, seq.value(), &op)?;
                replayed += 1;
                if batch.len() >= 10_000 {
                    writer
                        .run(std::mem::take(&mut batch))
                        .map_err(tantivy_err("replaying the log"))?;
                }
            }
            if !batch.is_empty() {
                writer
                    .run(batch)
                    .map_err(tantivy_err("replaying the log"))?;
            }
        }
        let mut writer = writer;
        let applied = next_seq.max(committed);
        if replayed > 0 {
            let mut prepared = writer
                .prepare_commit()
                .map_err(tantivy_err("committing the replayed log"))?;
            prepared.set_payload(&applied.to_string());
            prepared
                .commit()
                .map_err(tantivy_err("committing the replayed log"))?;
            tracing::info!(index = %name, operations = replayed, "replayed the write-ahead log");
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_err("opening the index reader"))?;

        let (tx, rx) = mpsc::sync_channel::<WriteRequest>(1024);
        let shard = Arc::new(Shard {
            name,
            uuid,
            dir: dir.to_path_buf(),
            creation_date,
            primary_term,
            fields,
            index,
            reader,
            counters: Counters::default(),
            db: Arc::new(db),
            writer: RwLock::new(Some(writer)),
            writer_options,
            last_write: Mutex::new(Instant::now()),
            broken: AtomicBool::new(false),
            settings: RwLock::new(settings),
            applied: AtomicU64::new(applied),
            visible: Mutex::new(applied),
            visible_changed: Condvar::new(),
            refresh_lock: Mutex::new(()),
            last_refresh: Mutex::new(Instant::now()),
            prune_below: AtomicU64::new(applied),
            queue: Mutex::new(Some(tx)),
            thread: Mutex::new(None),
            closed: AtomicBool::new(false),
            metadata: RwLock::new(metadata),
            text_slots: RwLock::new(text_slots),
            slot_lock: Mutex::new(()),
        });
        let worker = Arc::clone(&shard);
        let handle = std::thread::Builder::new()
            .name(format!("ironstack-store-writer[{}]", shard.name))
            .spawn(move || worker.writer_loop(rx, applied))
            .map_err(storage("starting the writer thread"))?;
        *lock(&shard.thread) = Some(handle);
        Ok(shard)
    }

    pub(crate) fn settings(&self) -> IndexSettings {
        read(&self.settings).clone()
    }

    pub(crate) fn set_settings(&self, settings: IndexSettings) -> Result<()> {
        let json = serde_json::to_vec(&settings.to_json()).unwrap_or_default();
        self.put_meta("settings", &json)?;
        *write(&self.settings) = settings;
        Ok(())
    }

    /// The text path → field assignment, after giving `paths` a field each (durably, before
    /// any document uses it) while fields remain.
    pub(crate) fn text_slots<'a>(
        &self,
        paths: impl Iterator<Item = &'a str>,
    ) -> Result<BTreeMap<String, usize>> {
        let missing: Vec<&str> = {
            let slots = read(&self.text_slots);
            paths.filter(|p| !slots.contains_key(*p)).collect()
        };
        if missing.is_empty() || read(&self.text_slots).len() >= super::schema::TEXT_SLOTS {
            return Ok(read(&self.text_slots).clone());
        }
        let _one = lock(&self.slot_lock);
        let mut next = read(&self.text_slots).clone();
        for path in missing {
            if next.len() >= super::schema::TEXT_SLOTS {
                break;
            }
            let n = next.len();
            next.entry(path.to_string()).or_insert(n);
        }
        if next.len() != read(&self.text_slots).len() {
            let json = serde_json::to_vec(&next).unwrap_or_default();
            self.put_meta("text_slots", &json)?;
            *write(&self.text_slots) = next.clone();
        }
        Ok(next)
    }

    /// The text path → field assignment.
    pub(crate) fn current_text_slots(&self) -> BTreeMap<String, usize> {
        read(&self.text_slots).clone()
    }

    pub(crate) fn set_metadata(&self, metadata: serde_json::Value) -> Result<()> {
        let json = serde_json::to_vec(&metadata).unwrap_or_default();
        self.put_meta("metadata", &json)?;
        *write(&self.metadata) = metadata;
        Ok(())
    }

    fn put_meta(&self, key: &str, value: &[u8]) -> Result<()> {
        let txn = self.db.begin_write().map_err(storage("writing the log"))?;
        {
            let mut meta = txn.open_table(META).map_err(storage("writing the log"))?;
            meta.insert(key, value)
                .map_err(storage("writing the log"))?;
        }
        txn.commit().map_err(storage("writing the log"))?;
        self.counters.wal_syncs.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Queues `ops` for the writer thread and waits for their outcomes (durable when they
    /// come back under `request` durability).
    pub(crate) fn write(&self, ops: Vec<PreparedOp>) -> Result<Vec<Result<WriteOutcome>>> {
        let (reply, answer) = mpsc::sync_channel(1);
        let sender = lock(&self.queue).clone().ok_or_else(|| self.gone())?;
        sender
            .send(WriteRequest { ops, reply })
            .map_err(|_| self.gone())?;
        answer.recv().map_err(|_| self.gone())?
    }

    fn gone(&self) -> StoreError {
        StoreError::index_not_found(self.name.clone())
    }

    /// Operations applied so far (the `_seq_no` the next one gets).
    pub(crate) fn applied(&self) -> u64 {
        self.applied.load(Ordering::SeqCst)
    }

    /// Operations the reader sees.
    pub(crate) fn visible(&self) -> u64 {
        *lock(&self.visible)
    }

    /// Waits until a refresh makes the first `upto` operations visible.
    pub(crate) fn wait_visible(&self, upto: u64) {
        let mut visible = lock(&self.visible);
        while *visible < upto && !self.closed.load(Ordering::SeqCst) {
            visible = self
                .visible_changed
                .wait_timeout(visible, Duration::from_millis(200))
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }

    /// Commits tantivy and reloads the reader if anything was applied since the last
    /// refresh. Concurrent callers share one commit.
    pub(crate) fn refresh(&self, external: bool) -> Result<bool> {
        let _one = lock(&self.refresh_lock);
        let start = Instant::now();
        *lock(&self.last_refresh) = start;
        let mut guard = write(&self.writer);
        let applied = self.applied.load(Ordering::SeqCst);
        if applied <= self.visible() {
            return Ok(false);
        }
        if self.broken.load(Ordering::SeqCst) {
            return Err(StoreError::Storage(format!(
                "index [{}] cannot refresh: indexing failed; reopening it replays its log",
                self.name
            )));
        }
        let Some(writer) = guard.as_mut() else {
            return Err(StoreError::Storage(format!(
                "index [{}] has writes but no index writer",
                self.name
            )));
        };
        let mut prepared = writer
            .prepare_commit()
            .map_err(tantivy_err("refreshing the index"))?;
        prepared.set_payload(&applied.to_string());
        prepared
            .commit()
            .map_err(tantivy_err("refreshing the index"))?;
        drop(guard);
        self.reader
            .reload()
            .map_err(tantivy_err("reloading the index reader"))?;
        // Counted before waiters wake, so that they see their refresh in the figures.
        self.counters.refresh_total.fetch_add(1, Ordering::Relaxed);
        if external {
            self.counters
                .external_refresh_total
                .fetch_add(1, Ordering::Relaxed);
        }
        self.counters
            .refresh_time_nanos
            .fetch_add(nanos(start.elapsed()), Ordering::Relaxed);
        *lock(&self.visible) = applied;
        self.visible_changed.notify_all();
        self.prune_below.store(applied, Ordering::SeqCst);
        Ok(true)
    }

    /// The index writer, opened again if idleness closed it.
    fn open_writer(&self) -> Result<std::sync::RwLockReadGuard<'_, Option<IndexWriter>>> {
        loop {
            let guard = read(&self.writer);
            if guard.is_some() {
                return Ok(guard);
            }
            drop(guard);
            let mut slot = write(&self.writer);
            if slot.is_none() {
                let writer: IndexWriter = self
                    .index
                    .writer_with_options(self.writer_options.clone())
                    .map_err(tantivy_err("opening the index writer"))?;
                *slot = Some(writer);
            }
        }
    }

    /// Closes the index writer of an index that took no write for `idle` and has nothing
    /// to refresh, after its merges: a writer holds several megabytes of indexing buffers
    /// and four threads, which an index that only serves searches does not need.
    pub(crate) fn close_idle_writer(&self, idle: Duration) {
        if lock(&self.last_write).elapsed() < idle || self.applied() > self.visible() {
            return;
        }
        let mut slot = write(&self.writer);
        if self.applied() > self.visible() {
            return;
        }
        if let Some(writer) = slot.take()
            && let Err(e) = writer.wait_merging_threads()
        {
            tracing::warn!(index = %self.name, error = %e, "closing an idle index writer");
        }
    }

    /// Whether the index writer is open.
    pub(crate) fn writer_open(&self) -> bool {
        read(&self.writer).is_some()
    }

    /// Whether the periodic refresh is due.
    pub(crate) fn refresh_due(&self, now: Instant) -> bool {
        let Some(interval) = read(&self.settings).refresh_interval else {
            return false;
        };
        self.applied() > self.visible() && now.duration_since(*lock(&self.last_refresh)) >= interval
    }

    /// The realtime state of a document (tombstones excluded): its versions from the
    /// document table and its `_source` from the log entry of its `_seq_no`, or, once a
    /// refresh pruned that entry, from tantivy's document store.
    pub(crate) fn get(&self, id: &str) -> Result<Option<StoredDocument>> {
        let start = Instant::now();
        let doc = self.get_inner(id)?;
        self.counters.get_total.fetch_add(1, Ordering::Relaxed);
        if doc.is_some() {
            self.counters.get_exists.fetch_add(1, Ordering::Relaxed);
        }
        self.counters
            .get_time_nanos
            .fetch_add(nanos(start.elapsed()), Ordering::Relaxed);
        Ok(doc)
    }

    fn get_inner(&self, id: &str) -> Result<Option<StoredDocument>> {
        let parse = |bytes: &[u8]| -> Result<serde_json::Value> {
            serde_json::from_slice(bytes).map_err(storage("reading a _source"))
        };
        {
            // One snapshot for both tables: an entry missing from it was pruned, which only
            // happens once the reader shows that operation.
            let txn = self
                .db
                .begin_read()
                .map_err(storage("reading a document"))?;
            let docs = txn
                .open_table(DOCS)
                .map_err(storage("reading a document"))?;
            let record = match docs.get(id).map_err(storage("reading a document"))? {
                Some(v) => DocRecord::decode(v.value())?,
                None => return Ok(None),
            };
            if record.deleted_at.is_some() {
                return Ok(None);
            }
            let ops = txn.open_table(OPS).map_err(storage("reading a document"))?;
            if let Some(v) = ops
                .get(record.seq_no)
                .map_err(storage("reading a document"))?
            {
                let op = OpRecord::decode(v.value())?;
                if let Some((source, _)) = op.index {
                    return Ok(Some(StoredDocument {
                        id: id.to_string(),
                        version: record.version,
                        seq_no: record.seq_no,
                        primary_term: record.primary_term,
                        source: parse(&source)?,
                    }));
                }
            }
        }
        let searcher = self.reader.searcher();
        let Some((address, meta)) = self.find_in(&searcher, id)? else {
            return Ok(None);
        };
        let source = self.stored_source(&searcher, address)?;
        Ok(Some(StoredDocument {
            id: id.to_string(),
            version: meta.0,
            seq_no: meta.1,
            primary_term: meta.2,
            source: parse(&source)?,
        }))
    }

    /// The live tantivy document with this `_id` and its `(_version, _seq_no, _primary_term)`.
    fn find_in(
        &self,
        searcher: &tantivy::Searcher,
        id: &str,
    ) -> Result<Option<(tantivy::DocAddress, Versions)>> {
        let term = Term::from_field_text(self.fields.id, id);
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let index = segment
                .inverted_index(self.fields.id)
                .map_err(tantivy_err("reading the index"))?;
            let Some(mut postings) = index
                .read_postings(&term, tantivy::schema::IndexRecordOption::Basic)
                .map_err(storage("reading the index"))?
            else {
                continue;
            };
            let alive = segment.alive_bitset();
            let mut doc = tantivy::DocSet::doc(&postings);
            while doc != tantivy::TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    let ff = segment.fast_fields();
                    let get = |name: &str| {
                        ff.column_opt::<u64>(name)
                            .ok()
                            .flatten()
                            .and_then(|c| c.first(doc))
                            .unwrap_or(0)
                    };
                    let meta = (
                        get(super::schema::VERSION),
                        get(super::schema::SEQ_NO),
                        get(super::schema::PRIMARY_TERM),
                    );
                    let address = tantivy::DocAddress::new(ord as u32, doc);
                    return Ok(Some((address, meta)));
                }
                doc = tantivy::DocSet::advance(&mut postings);
            }
        }
        Ok(None)
    }

    /// A document's `_source` bytes from the document store.
    pub(crate) fn stored_source(
        &self,
        searcher: &tantivy::Searcher,
        address: tantivy::DocAddress,
    ) -> Result<Vec<u8>> {
        use tantivy::schema::Value as _;
        let doc: TantivyDocument = searcher
            .doc(address)
            .map_err(tantivy_err("reading a _source"))?;
        Ok(doc
            .get_first(self.fields.source)
            .and_then(|v| v.as_bytes())
            .map(<[u8]>::to_vec)
            .unwrap_or_default())
    }

    /// Log entries not yet in a tantivy commit, and the log file's size.
    pub(crate) fn log_figures(&self) -> (u64, u64) {
        let pending = self
            .applied()
            .saturating_sub(self.prune_below.load(Ordering::SeqCst));
        let size = std::fs::metadata(self.dir.join("wal.redb")).map_or(0, |m| m.len());
        (pending, size)
    }

    /// Entries in the log table (operations kept to recover the search index).
    pub(crate) fn log_entries(&self) -> Result<u64> {
        let txn = self.db.begin_read().map_err(storage("reading the log"))?;
        let ops = txn.open_table(OPS).map_err(storage("reading the log"))?;
        ops.len().map_err(storage("reading the log"))
    }

    /// Stops the writer thread (after the queued writes) and refuses new writes.
    pub(crate) fn shutdown(&self) {
        self.closed.store(true, Ordering::SeqCst);
        lock(&self.queue).take();
        if let Some(handle) = lock(&self.thread).take() {
            let _ = handle.join();
        }
        self.visible_changed.notify_all();
    }

    fn writer_loop(self: Arc<Self>, rx: Receiver<WriteRequest>, mut next_seq: u64) {
        let mut unsynced = false;
        let mut last_sync = Instant::now();
        let mut pruned = self.prune_below.load(Ordering::SeqCst);
        loop {
            let (durability, sync_interval) = {
                let s = read(&self.settings);
                (s.durability, s.sync_interval)
            };
            let wait = sync_interval.clamp(Duration::from_millis(100), Duration::from_secs(1));
            let first = match rx.recv_timeout(wait) {
                Ok(r) => Some(r),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut batch = Vec::new();
            let mut count = 0;
            if let Some(first) = first {
                count += first.ops.len();
                batch.push(first);
                while count < MAX_BATCH_OPS {
                    match rx.try_recv() {
                        Ok(r) => {
                            count += r.ops.len();
                            batch.push(r);
                        }
                        Err(_) => break,
                    }
                }
            }
            let sync_due = unsynced && last_sync.elapsed() >= sync_interval;
            // Log entries a refresh committed to tantivy go in the next transaction, or in one
            // of their own when writes stop.
            let prune = self.prune_below.load(Ordering::SeqCst);
            if batch.is_empty() && !sync_due && prune <= pruned {
                continue;
            }
            pruned = prune;
            let immediate = durability == Durability::Request || sync_due;
            match self.commit_batch(&mut batch, &mut next_seq, immediate) {
                Ok(()) => {
                    if immediate {
                        unsynced = false;
                        last_sync = Instant::now();
                    } else {
                        unsynced = true;
                    }
                }
                Err(e) => {
                    tracing::error!(index = %self.name, error = %e, "a write transaction failed");
                    for request in batch.drain(..) {
                        let _ = request.reply.send(Err(e.clone()));
                    }
                }
            }
        }
        if unsynced {
            let mut none = Vec::new();
            if let Err(e) = self.commit_batch(&mut none, &mut next_seq, true) {
                tracing::error!(index = %self.name, error = %e, "the last log sync failed");
            }
        }
    }

    /// One redb transaction for every queued request, then tantivy, then the answers.
    fn commit_batch(
        &self,
        batch: &mut Vec<WriteRequest>,
        next_seq: &mut u64,
        immediate: bool,
    ) -> Result<()> {
        let start = Instant::now();
        let now = ironstack_types::date::now_millis();
        let gc_deletes =
            i64::try_from(read(&self.settings).gc_deletes.as_millis()).unwrap_or(i64::MAX);
        let first_seq = *next_seq;
        let mut seq = first_seq;
        let mut outcomes: Vec<Vec<Result<WriteOutcome>>> = Vec::with_capacity(batch.len());
        let mut operations: Vec<UserOperation> = Vec::new();
        let (mut indexed, mut deleted) = (0u64, 0u64);
        let mut txn = self.db.begin_write().map_err(storage("writing the log"))?;
        txn.set_durability(if immediate {
            redb::Durability::Immediate
        } else {
            redb::Durability::None
        })
        .map_err(storage("writing the log"))?;
        {
            let mut docs = txn.open_table(DOCS).map_err(storage("writing the log"))?;
            let mut ops = txn.open_table(OPS).map_err(storage("writing the log"))?;
            let mut tombs = txn.open_table(TOMBS).map_err(storage("writing the log"))?;
            for request in batch.iter_mut() {
                let mut results = Vec::with_capacity(request.ops.len());
                for op in request.ops.drain(..) {
                    let id = match &op {
                        PreparedOp::Index { id, .. } | PreparedOp::Delete { id, .. } => id.clone(),
                    };
                    let current = match docs.get(id.as_str()).map_err(storage("writing the log"))? {
                        Some(v) => Some(DocRecord::decode(v.value())?),
                        None => None,
                    };
                    let (live, tomb) = match current {
                        Some(r) if r.deleted_at.is_none() => (Some(r), None),
                        Some(r)
                            if r.deleted_at
                                .is_some_and(|at| at.saturating_add(gc_deletes) > now) =>
                        {
                            (None, Some(r))
                        }
                        _ => (None, None),
                    };
                    let is_index = matches!(op, PreparedOp::Index { .. });
                    let condition = match &op {
                        PreparedOp::Index { condition, .. }
                        | PreparedOp::Delete { condition, .. } => *condition,
                    };
                    let create = matches!(op, PreparedOp::Index { create: true, .. });
                    let version =
                        match self.check(&id, live.as_ref(), tomb.as_ref(), condition, create) {
                            Ok(v) => v,
                            Err(e) => {
                                if is_index {
                                    self.counters.index_failed.fetch_add(1, Ordering::Relaxed);
                                }
                                results.push(Err(e));
                                continue;
                            }
                        };
                    let this_seq = seq;
                    seq += 1;
                    let id_term = Term::from_field_text(self.fields.id, &id);
                    let result = match op {
                        PreparedOp::Index {
                            source,
                            fields,
                            mut doc,
                            ..
                        } => {
                            let record = DocRecord {
                                version,
                                seq_no: this_seq,
                                primary_term: self.primary_term,
                                deleted_at: None,
                            };
                            docs.insert(id.as_str(), &record.encode()[..])
                                .map_err(storage("writing the log"))?;
                            let op_record = OpRecord {
                                id: id.clone(),
                                version,
                                primary_term: self.primary_term,
                                index: Some((source, fields)),
                            };
                            ops.insert(this_seq, &op_record.encode()[..])
                                .map_err(storage("writing the log"))?;
                            add_meta(
                                &mut doc,
                                &self.fields,
                                &id,
                                this_seq,
                                version,
                                self.primary_term,
                            );
                            // A document the table does not hold as live is in no segment
                            // (its delete went to tantivy when it was deleted), so most
                            // writes, new ids, skip the delete tantivy would otherwise
                            // look up in every segment.
                            if live.is_some() {
                                operations.push(UserOperation::Delete(id_term));
                            }
                            operations.push(UserOperation::Add(doc));
                            indexed += 1;
                            if live.is_some() {
                                WriteResultKind::Updated
                            } else {
                                WriteResultKind::Created
                            }
                        }
                        PreparedOp::Delete { .. } => {
                            let record = DocRecord {
                                version,
                                seq_no: this_seq,
                                primary_term: self.primary_term,
                                deleted_at: Some(now),
                            };
                            docs.insert(id.as_str(), &record.encode()[..])
                                .map_err(storage("writing the log"))?;
                            let op_record = OpRecord {
                                id: id.clone(),
                                version,
                                primary_term: self.primary_term,
                                index: None,
                            };
                            ops.insert(this_seq, &op_record.encode()[..])
                                .map_err(storage("writing the log"))?;
                            tombs
                                .insert(&tomb_key(now, &id)[..], ())
                                .map_err(storage("writing the log"))?;
                            operations.push(UserOperation::Delete(id_term));
                            deleted += 1;
                            if live.is_some() {
                                WriteResultKind::Deleted
                            } else {
                                WriteResultKind::NotFound
                            }
                        }
                    };
                    results.push(Ok(WriteOutcome {
                        id,
                        version,
                        seq_no: this_seq,
                        primary_term: self.primary_term,
                        result,
                        forced_refresh: false,
                        mapping_updated: false,
                    }));
                }
                outcomes.push(results);
            }
            // Entries a tantivy commit holds are no longer needed to recover.
            let prune = self.prune_below.load(Ordering::SeqCst);
            if prune > 0 {
                ops.retain_in(..prune, |_, _| false)
                    .map_err(storage("pruning the log"))?;
            }
            collect_tombstones(&mut docs, &mut tombs, now, gc_deletes)?;
        }
        if seq != first_seq {
            let mut meta = txn.open_table(META).map_err(storage("writing the log"))?;
            meta.insert("next_seq_no", &seq.to_le_bytes()[..])
                .map_err(storage("writing the log"))?;
        }
        txn.commit().map_err(storage("committing the log"))?;
        self.counters
            .wal_transactions
            .fetch_add(1, Ordering::Relaxed);
        if immediate {
            self.counters.wal_syncs.fetch_add(1, Ordering::Relaxed);
        }
        *next_seq = seq;
        if !operations.is_empty() {
            *lock(&self.last_write) = Instant::now();
            let indexed = self.open_writer().and_then(|writer| match writer.as_ref() {
                Some(w) => w
                    .run(operations)
                    .map(|_| ())
                    .map_err(tantivy_err("indexing")),
                None => Err(StoreError::Storage("no index writer".into())),
            });
            if let Err(e) = indexed {
                // The log holds these writes; the next open replays them.
                self.broken.store(true, Ordering::SeqCst);
                tracing::error!(index = %self.name, error = %e, "indexing failed after the log commit");
            }
        }
        self.applied.store(seq, Ordering::SeqCst);
        let elapsed = nanos(start.elapsed());
        let total = (indexed + deleted).max(1);
        self.counters
            .index_total
            .fetch_add(indexed, Ordering::Relaxed);
        self.counters
            .delete_total
            .fetch_add(deleted, Ordering::Relaxed);
        self.counters
            .index_time_nanos
            .fetch_add(elapsed / total * indexed, Ordering::Relaxed);
        self.counters
            .delete_time_nanos
            .fetch_add(elapsed / total * deleted, Ordering::Relaxed);
        for (request, results) in batch.drain(..).zip(outcomes) {
            let _ = request.reply.send(Ok(results));
        }
        Ok(())
    }

    /// Elasticsearch's concurrency checks; the new `_version` when they pass.
    fn check(
        &self,
        id: &str,
        live: Option<&DocRecord>,
        tomb: Option<&DocRecord>,
        condition: WriteCondition,
        create: bool,
    ) -> Result<u64> {
        let conflict = |explanation: String| StoreError::VersionConflict {
            index: self.name.clone(),
            uuid: self.uuid.clone(),
            id: id.to_string(),
            explanation,
        };
        let current = live.or(tomb).map(|r| r.version);
        match condition {
            WriteCondition::SeqNo {
                seq_no,
                primary_term,
            } => match live {
                None => Err(conflict(format!(
                    "required seqNo [{seq_no}], primary term [{primary_term}]. but no document was found"
                ))),
                Some(r) if r.seq_no != seq_no || r.primary_term != primary_term => {
                    Err(conflict(format!(
                        "required seqNo [{seq_no}], primary term [{primary_term}]. current document has seqNo [{}] and primary term [{}]",
                        r.seq_no, r.primary_term
                    )))
                }
                Some(r) => {
                    if create {
                        Err(conflict(format!(
                            "document already exists (current version [{}])",
                            r.version
                        )))
                    } else {
                        Ok(r.version + 1)
                    }
                }
            },
            WriteCondition::External { version, gte } => {
                if create && let Some(r) = live {
                    return Err(conflict(format!(
                        "document already exists (current version [{}])",
                        r.version
                    )));
                }
                match current {
                    Some(c) if gte && c > version => Err(conflict(format!(
                        "current version [{c}] is higher than the one provided [{version}]"
                    ))),
                    Some(c) if !gte && c >= version => Err(conflict(format!(
                        "current version [{c}] is higher or equal to the one provided [{version}]"
                    ))),
                    _ => Ok(version),
                }
            }
            WriteCondition::None => {
                if create && let Some(r) = live {
                    return Err(conflict(format!(
                        "document already exists (current version [{}])",
                        r.version
                    )));
                }
                Ok(current.map_or(1, |v| v + 1))
            }
        }
    }
}

fn tomb_key(at: i64, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + id.len());
    key.extend_from_slice(&(at as u64 ^ (1 << 63)).to_be_bytes());
    key.extend_from_slice(id.as_bytes());
    key
}

/// Drops tombstones older than `index.gc_deletes` (at most a few per transaction, so that a
/// burst of expiries does not stall writers).
fn collect_tombstones(
    docs: &mut redb::Table<&str, &[u8]>,
    tombs: &mut redb::Table<&[u8], ()>,
    now: i64,
    gc_deletes: i64,
) -> Result<()> {
    let limit = now.saturating_sub(gc_deletes);
    for _ in 0..256 {
        let Some((key, at)) = (match tombs.first().map_err(storage("collecting tombstones"))? {
            Some((k, _)) => {
                let k = k.value().to_vec();
                if k.len() < 8 {
                    Some((k, i64::MIN))
                } else {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&k[..8]);
                    let at = (u64::from_be_bytes(b) ^ (1 << 63)) as i64;
                    Some((k, at))
                }
            }
            None => None,
        }) else {
            break;
        };
        if at > limit {
            break;
        }
        tombs
            .remove(&key[..])
            .map_err(storage("collecting tombstones"))?;
        let Ok(id) = std::str::from_utf8(&key[8.min(key.len())..]) else {
            continue;
        };
        let expired = match docs.get(id).map_err(storage("collecting tombstones"))? {
            Some(v) => DocRecord::decode(v.value())?.deleted_at == Some(at),
            None => false,
        };
        if expired {
            docs.remove(id).map_err(storage("collecting tombstones"))?;
        }
    }
    Ok(())
}

fn add_meta(
    doc: &mut TantivyDocument,
    fields: &Fields,
    id: &str,
    seq: u64,
    version: u64,
    term: u64,
) {
    doc.add_text(fields.id, id);
    doc.add_u64(fields.seq_no, seq);
    doc.add_u64(fields.version, version);
    doc.add_u64(fields.primary_term, term);
}

fn push_op(
    batch: &mut Vec<UserOperation>,
    fields: &Fields,
    slots: &BTreeMap<String, usize>,
    seq: u64,
    op: &OpRecord,
) -> Result<()> {
    batch.push(UserOperation::Delete(Term::from_field_text(
        fields.id, &op.id,
    )));
    if let Some((source, encoded)) = &op.index {
        let (values, ignored) = encoded.decode()?;
        let mut doc = to_tantivy(fields, slots, &values, &ignored);
        doc.add_bytes(fields.source, source);
        add_meta(&mut doc, fields, &op.id, seq, op.version, op.primary_term);
        batch.push(UserOperation::Add(doc));
    }
    Ok(())
}
