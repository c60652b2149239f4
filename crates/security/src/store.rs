//! The durable native security store: native users (password hashes, never passwords),
//! roles, API keys (secret hashes), tokens, role mappings and application privileges, each a
//! [`Section`] of JSON documents by id, all held in memory.
//!
//! The node keeps the documents in its document store, in Elasticsearch's `.security-7` and
//! `.security-tokens-7` indices ([`SecurityStore::open_on`] with a [`DocumentBackend`]; the
//! shapes are in `security_index.rs`): each committed change is handed to the backend, in
//! commit order, by whichever writer waits first, for everyone queued behind it (group
//! commit), and acknowledged once the backend has made it durable.
//!
//! Without a backend ([`SecurityStore::open`], the format of earlier versions, still read to
//! import it, and used by first-start auto-configuration before the node runs) the store
//! lives under `path.data/security/`: a snapshot (`store.json`, written atomically: temp file created 0600, fsync,
//! rename, folder fsync) plus append-only journals (`journal-<seq>.log`, see
//! `store_journal.rs`) holding one checksummed record per committed change. A write appends
//! its record and waits for one `fdatasync`, shared by the writers that arrive meanwhile
//! (group commit), so a write costs the size of the change, not of the store; when the journal
//! outgrows the live data a background thread writes a new snapshot and drops the old
//! journals. Opening replays the journals after the snapshot, drops a torn final record (a
//! crash during a write that was never acknowledged) and refuses to start on damage in the
//! middle. The format-1 `store.json` of earlier versions is read and rewritten as a format-2
//! snapshot.
//!
//! Every change is one [`SecurityStore::transact`] call: a closure that reads the current
//! documents and stages changes under the store's write lock, so read-modify-write cannot
//! lose a concurrent change. Expensive work (password hashing) belongs before the call.
//! Each section has its own generation, and each document a version (the sequence number of
//! its last change), so caches can depend on exactly what they were built from.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::{Error, Result};

#[path = "store_journal.rs"]
mod journal;

use journal::{HEADER_LEN, Op};

/// One document change, as a [`DocumentBackend`] receives it.
pub use journal::Op as Change;

/// Where a store keeps its documents when it keeps no files of its own: the node's document
/// store (the `.security-7` index, see `security_index.rs`).
pub trait DocumentBackend: Send + Sync {
    /// What errors name as the store's location (the index name).
    fn location(&self) -> String;
    /// Every stored document, read once when the store opens.
    fn load(&self) -> Result<Vec<Change>>;
    /// Makes `changes` durable, in order, before returning. Calls never overlap and come in
    /// commit order; one call may carry the changes of several commits (group commit).
    fn write(&self, changes: &[Change]) -> Result<()>;
}

/// Folder under `path.data` that holds the store.
pub const STORE_DIR: &str = "security";
/// File name of the store's snapshot.
pub const STORE_FILE: &str = "store.json";
/// The snapshot format written now (adds `seq`, the last change it holds).
const FORMAT: u64 = 2;
/// The single-file format of earlier versions, read and migrated.
const LEGACY_FORMAT: u64 = 1;
/// Journals are not compacted below this size, whatever the live data.
pub const DEFAULT_COMPACT_MIN_BYTES: u64 = 1 << 20;
/// Changes per backend write when a store of files is imported.
const IMPORT_CHUNK: usize = 1_000;

/// A native user as stored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredUser {
    /// Password hash in an Elasticsearch format; `None` for a reserved user whose password was
    /// never set (it then falls back to `bootstrap.password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// Role names.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Full name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Arbitrary metadata.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// Whether the user may authenticate.
    #[serde(default = "enabled_default")]
    pub enabled: bool,
}

fn enabled_default() -> bool {
    true
}

impl StoredUser {
    /// An enabled user with a password hash and roles.
    pub fn new(password_hash: String, roles: Vec<String>) -> Self {
        Self {
            password_hash: Some(password_hash),
            roles,
            ..Self::reserved_default()
        }
    }

    /// The record of a reserved user that has none yet: enabled, no stored password.
    pub fn reserved_default() -> Self {
        Self {
            password_hash: None,
            roles: Vec::new(),
            full_name: None,
            email: None,
            metadata: Map::new(),
            enabled: true,
        }
    }

    fn to_value(&self) -> Value {
        let mut v = json!({
            "roles": self.roles,
            "full_name": self.full_name,
            "email": self.email,
            "metadata": self.metadata,
            "enabled": self.enabled,
        });
        if let Some(h) = &self.password_hash {
            v["password_hash"] = Value::String(h.clone());
        }
        v
    }

    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        Self::deserialize(v).map_err(|e| e.to_string())
    }
}

impl fmt::Debug for StoredUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredUser")
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .field("roles", &self.roles)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// A collection of documents in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Section {
    /// Native and reserved users ([`StoredUser`] documents).
    Users,
    /// Role descriptors (`_security/role`).
    Roles,
    /// API keys (`_security/api_key`).
    ApiKeys,
    /// Bearer access and refresh tokens (`_security/oauth2/token`).
    Tokens,
    /// Role mappings (`_security/role_mapping`).
    RoleMappings,
    /// Application privilege definitions (`_security/privilege`).
    ApplicationPrivileges,
    /// Service account tokens (`_security/service/.../credential/token`), by
    /// `<namespace>/<service>/<token name>`.
    ServiceTokens,
}

const SECTION_COUNT: usize = 7;
const SECTIONS: [Section; SECTION_COUNT] = [
    Section::Users,
    Section::Roles,
    Section::ApiKeys,
    Section::Tokens,
    Section::RoleMappings,
    Section::ApplicationPrivileges,
    Section::ServiceTokens,
];

impl Section {
    /// The section's key in the store files.
    pub fn name(self) -> &'static str {
        match self {
            Section::Users => "users",
            Section::Roles => "roles",
            Section::ApiKeys => "api_keys",
            Section::Tokens => "tokens",
            Section::RoleMappings => "role_mappings",
            Section::ApplicationPrivileges => "application_privileges",
            Section::ServiceTokens => "service_tokens",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        SECTIONS.into_iter().find(|s| s.name() == name)
    }

    fn index(self) -> usize {
        match self {
            Section::Users => 0,
            Section::Roles => 1,
            Section::ApiKeys => 2,
            Section::Tokens => 3,
            Section::RoleMappings => 4,
            Section::ApplicationPrivileges => 5,
            Section::ServiceTokens => 6,
        }
    }
}

/// What a read-modify-write of one document decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Update<T> {
    /// Leave the document as it is (nothing is written).
    Keep,
    /// Create or replace it.
    Put(T),
    /// Remove it.
    Delete,
}

/// Tuning of a store (tests and the benchmark use small values).
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// A journal is compacted once it is larger than the live data and than this.
    pub compact_min_bytes: u64,
    /// Added to every journal sync, to make group commit observable in tests.
    #[cfg(test)]
    pub(crate) sync_delay: std::time::Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            compact_min_bytes: DEFAULT_COMPACT_MIN_BYTES,
            #[cfg(test)]
            sync_delay: std::time::Duration::ZERO,
        }
    }
}

/// Counters of a store's writes (for tests, the benchmark and stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Changes committed since the store was opened.
    pub commits: u64,
    /// Journal syncs done for them (fewer than commits when writers shared one).
    pub syncs: u64,
    /// Compactions finished.
    pub compactions: u64,
    /// Size of the current journal's records.
    pub journal_bytes: u64,
    /// Approximate size of the live documents.
    pub live_bytes: u64,
}

#[derive(Clone)]
struct Doc {
    value: Arc<Value>,
    /// The sequence number of the change that wrote it.
    version: u64,
    size: u64,
}

impl Doc {
    fn new(value: Value, version: u64) -> Self {
        let size = json_size(&value);
        Self {
            value: Arc::new(value),
            version,
            size,
        }
    }
}

/// Serialized length of a document, without building the bytes.
fn json_size(value: &Value) -> u64 {
    struct Count(u64);
    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => 0,
    }
}

/// Which sections a change touched, and where it replaced or removed existing documents.
#[derive(Default)]
struct Touched {
    any: [bool; SECTION_COUNT],
    rewritten: [bool; SECTION_COUNT],
}

/// The live documents.
#[derive(Clone, Default)]
struct Data {
    /// The last change applied.
    seq: u64,
    sections: [BTreeMap<String, Doc>; SECTION_COUNT],
    /// Top-level keys of the snapshot this version does not know, kept on rewrite.
    unknown: Map<String, Value>,
    live_bytes: u64,
    /// One map per [`LOOKUPS`] entry: the field's value → the document's id.
    lookups: [HashMap<String, String>; LOOKUPS.len()],
}

/// Fields whose value finds a document without a scan (each value names one document): a
/// refresh token's hash finds its token document, as Elasticsearch's search on
/// `refresh_token.token` does.
const LOOKUPS: [(Section, &str); 1] = [(Section::Tokens, "/refresh_token/token")];

impl Data {
    /// Adds a document (replacing the one with its id), keeping the lookups current; returns
    /// the document it replaced.
    fn insert(&mut self, section: Section, id: String, doc: Doc) -> Option<Doc> {
        for (l, (s, pointer)) in LOOKUPS.iter().enumerate() {
            if *s == section
                && let Some(key) = doc.value.pointer(pointer).and_then(Value::as_str)
            {
                self.lookups[l].insert(key.to_string(), id.clone());
            }
        }
        self.live_bytes += doc.size;
        let old = self.sections[section.index()].insert(id.clone(), doc);
        if let Some(old) = &old {
            self.unlook(section, &id, old);
            self.live_bytes = self.live_bytes.saturating_sub(old.size);
        }
        old
    }

    fn remove(&mut self, section: Section, id: &str) -> Option<Doc> {
        let old = self.sections[section.index()].remove(id)?;
        self.unlook(section, id, &old);
        self.live_bytes = self.live_bytes.saturating_sub(old.size);
        Some(old)
    }

    /// Forgets the lookup entries of a replaced or removed document that still point at it.
    fn unlook(&mut self, section: Section, id: &str, old: &Doc) {
        for (l, (s, pointer)) in LOOKUPS.iter().enumerate() {
            if *s != section {
                continue;
            }
            let Some(key) = old.value.pointer(pointer).and_then(Value::as_str) else {
                continue;
            };
            let current = self.sections[section.index()]
                .get(id)
                .and_then(|d| d.value.pointer(pointer))
                .and_then(Value::as_str);
            if current != Some(key) && self.lookups[l].get(key).is_some_and(|i| i == id) {
                self.lookups[l].remove(key);
            }
        }
    }

    /// Reads a snapshot; returns the data and its format.
    fn from_snapshot(bytes: &[u8]) -> std::result::Result<(Self, u64), String> {
        let map: Map<String, Value> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let format = map
            .get("format")
            .and_then(Value::as_u64)
            .ok_or("no [format] number")?;
        if format != FORMAT && format != LEGACY_FORMAT {
            return Err(format!("unsupported format [{format}]"));
        }
        let mut data = Data {
            seq: map.get("seq").and_then(Value::as_u64).unwrap_or(0),
            ..Data::default()
        };
        for (key, value) in map {
            if key == "format" || key == "seq" {
                continue;
            }
            let Some(section) = Section::from_name(&key) else {
                data.unknown.insert(key, value);
                continue;
            };
            let Value::Object(docs) = value else {
                return Err(format!("[{key}] is not an object"));
            };
            for (id, doc) in docs {
                check_document(section, &id, &doc)?;
                let doc = Doc::new(doc, data.seq);
                data.insert(section, id, doc);
            }
        }
        Ok((data, format))
    }

    fn apply(&mut self, seq: u64, ops: Vec<Op>) -> Touched {
        let mut touched = Touched::default();
        for op in ops {
            let i = op.section.index();
            touched.any[i] = true;
            let old = match op.doc {
                Some(value) => self.insert(op.section, op.id, Doc::new(value, seq)),
                None => self.remove(op.section, &op.id),
            };
            if old.is_some() {
                touched.rewritten[i] = true;
            }
        }
        self.seq = seq;
        touched
    }
}

/// Users are typed: a user document that does not parse would lock its user out silently.
fn check_document(section: Section, id: &str, doc: &Value) -> std::result::Result<(), String> {
    if section == Section::Users {
        StoredUser::from_value(doc).map_err(|e| format!("user [{id}] is not valid: {e}"))?;
    }
    Ok(())
}

/// Serializes a snapshot straight from the shared documents.
struct Snapshot<'a>(&'a Data);

impl Serialize for Snapshot<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        struct Docs<'a>(&'a BTreeMap<String, Doc>);
        impl Serialize for Docs<'_> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (id, doc) in self.0 {
                    m.serialize_entry(id, doc.value.as_ref())?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("format", &FORMAT)?;
        m.serialize_entry("seq", &self.0.seq)?;
        for section in SECTIONS {
            m.serialize_entry(section.name(), &Docs(&self.0.sections[section.index()]))?;
        }
        for (k, v) in &self.0.unknown {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The documents as a change sees them: the current state with the change's own puts and
/// deletes applied. Obtained from [`SecurityStore::transact`]; everything staged is written
/// as one record when the closure returns.
///
/// The closure runs under the store's write lock: it must not call the store (that would
/// deadlock) and should not do slow work.
pub struct Transaction<'a> {
    data: &'a Data,
    staged: [BTreeMap<String, Option<Value>>; SECTION_COUNT],
}

impl<'a> Transaction<'a> {
    fn new(data: &'a Data) -> Self {
        Self {
            data,
            staged: Default::default(),
        }
    }

    /// A document by id.
    pub fn get(&self, section: Section, id: &str) -> Option<&Value> {
        let i = section.index();
        match self.staged[i].get(id) {
            Some(staged) => staged.as_ref(),
            None => self.data.sections[i].get(id).map(|d| d.value.as_ref()),
        }
    }

    /// Every document of `section`, sorted by id.
    pub fn docs(&self, section: Section) -> Vec<(&str, &Value)> {
        let i = section.index();
        let mut merged: BTreeMap<&str, &Value> = self.data.sections[i]
            .iter()
            .map(|(id, d)| (id.as_str(), d.value.as_ref()))
            .collect();
        for (id, staged) in &self.staged[i] {
            match staged {
                Some(v) => merged.insert(id.as_str(), v),
                None => merged.remove(id.as_str()),
            };
        }
        merged.into_iter().collect()
    }

    /// Creates or replaces a document.
    pub fn put(&mut self, section: Section, id: &str, doc: Value) {
        self.staged[section.index()].insert(id.to_string(), Some(doc));
    }

    /// Removes a document; returns whether it existed.
    pub fn delete(&mut self, section: Section, id: &str) -> bool {
        let existed = self.get(section, id).is_some();
        let i = section.index();
        if self.data.sections[i].contains_key(id) {
            self.staged[i].insert(id.to_string(), None);
        } else {
            self.staged[i].remove(id);
        }
        existed
    }

    /// The document of `section` whose string at `pointer` is `value`, as this change sees
    /// the documents: found through the store's lookup when one covers the field, else by a
    /// scan.
    pub fn find_by(
        &self,
        section: Section,
        pointer: &str,
        value: &str,
    ) -> Option<(String, &Value)> {
        let i = section.index();
        let matches = |doc: &Value| doc.pointer(pointer).and_then(Value::as_str) == Some(value);
        for (id, staged) in &self.staged[i] {
            if let Some(doc) = staged
                && matches(doc)
            {
                return Some((id.clone(), doc));
            }
        }
        let Some(l) = LOOKUPS
            .iter()
            .position(|(s, p)| *s == section && *p == pointer)
        else {
            return self.data.sections[i]
                .iter()
                .filter(|(id, _)| !self.staged[i].contains_key(*id))
                .find(|(_, d)| matches(&d.value))
                .map(|(id, d)| (id.clone(), d.value.as_ref()));
        };
        let id = self.data.lookups[l].get(value)?;
        // A staged version of that document was checked above.
        if self.staged[i].contains_key(id) {
            return None;
        }
        let doc = self.data.sections[i].get(id)?;
        matches(&doc.value).then(|| (id.clone(), doc.value.as_ref()))
    }

    /// A user by name (a document that does not parse counts as absent).
    pub fn user(&self, name: &str) -> Option<StoredUser> {
        StoredUser::from_value(self.get(Section::Users, name)?).ok()
    }

    /// Creates or replaces a user.
    pub fn put_user(&mut self, name: &str, user: &StoredUser) {
        self.put(Section::Users, name, user.to_value());
    }

    fn into_ops(self) -> Vec<Op> {
        let data = self.data;
        let mut ops = Vec::new();
        for (section, staged) in SECTIONS.into_iter().zip(self.staged) {
            for (id, doc) in staged {
                // Deleting what was never there changes nothing.
                if doc.is_none() && !data.sections[section.index()].contains_key(&id) {
                    continue;
                }
                ops.push(Op { section, id, doc });
            }
        }
        ops
    }
}

/// The journal being appended to.
struct Journal {
    file: Arc<File>,
    path: PathBuf,
    /// The sequence number it follows.
    base: u64,
    len: u64,
}

struct Inner {
    data: Data,
    journal: Option<Journal>,
    /// Whether a snapshot or journal exists; the first write of a new store writes a snapshot.
    on_disk: bool,
}

#[derive(Default)]
struct SyncState {
    /// Highest sequence number written to a journal.
    appended: u64,
    /// Highest sequence number known to be on stable storage.
    synced: u64,
    /// A writer is syncing for everyone.
    syncing: bool,
    file: Option<Arc<File>>,
    /// Why the store stopped accepting writes.
    failed: Option<String>,
    syncs: u64,
    /// With a backend: committed changes not handed to it yet, in commit order.
    pending: Vec<Op>,
}

/// Group commit: the first writer to wait syncs the journal for every record appended so
/// far; writers arriving during its sync wait for it, then one of them syncs for the next
/// batch.
struct Durability {
    state: Mutex<SyncState>,
    done: Condvar,
    /// Where writes go instead of a journal.
    backend: Option<Arc<dyn DocumentBackend>>,
    #[cfg(test)]
    delay: std::time::Duration,
}

impl Durability {
    fn lock(&self) -> MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check(&self, dir: &Path) -> Result<()> {
        match &self.lock().failed {
            Some(reason) => Err(Error::Unavailable {
                path: dir.to_path_buf(),
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    fn fail(&self, reason: String) {
        let mut st = self.lock();
        st.failed.get_or_insert(reason);
        self.done.notify_all();
    }

    fn appended(&self, seq: u64, file: &Arc<File>) {
        let mut st = self.lock();
        st.appended = seq;
        if !st.file.as_ref().is_some_and(|f| Arc::ptr_eq(f, file)) {
            st.file = Some(file.clone());
        }
    }

    /// Queues a committed change for the backend (under the store's write lock, so the
    /// queue is in commit order).
    fn enqueue(&self, seq: u64, ops: &[Op]) {
        let mut st = self.lock();
        st.pending.extend_from_slice(ops);
        st.appended = seq;
    }

    /// Everything up to `seq` is durable by other means (a synced snapshot or journal).
    fn durable_through(&self, seq: u64, next_file: Option<&Arc<File>>) {
        let mut st = self.lock();
        st.synced = st.synced.max(seq);
        st.appended = st.appended.max(seq);
        if let Some(f) = next_file {
            st.file = Some(f.clone());
        }
        self.done.notify_all();
    }

    fn wait(&self, seq: u64, dir: &Path) -> Result<()> {
        let mut st = self.lock();
        loop {
            if st.synced >= seq {
                return Ok(());
            }
            if let Some(reason) = &st.failed {
                return Err(Error::Unavailable {
                    path: dir.to_path_buf(),
                    reason: reason.clone(),
                });
            }
            if st.syncing {
                st = self.done.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // The leader writes everything committed so far, for itself and for the writers
            // that queued behind it.
            let target = st.appended;
            let result = match &self.backend {
                Some(backend) => {
                    let batch = std::mem::take(&mut st.pending);
                    st.syncing = true;
                    drop(st);
                    backend.write(&batch).map_err(|e| e.to_string())
                }
                None => {
                    let Some(file) = st.file.clone() else {
                        st.failed = Some("no journal to sync".into());
                        continue;
                    };
                    st.syncing = true;
                    drop(st);
                    #[cfg(test)]
                    std::thread::sleep(self.delay);
                    file.sync_data()
                        .map_err(|e| format!("cannot sync the journal: {e}"))
                }
            };
            st = self.lock();
            st.syncing = false;
            st.syncs += 1;
            match result {
                Ok(()) => st.synced = st.synced.max(target),
                Err(e) => {
                    st.failed.get_or_insert(e);
                }
            }
            self.done.notify_all();
        }
    }
}

#[derive(Default)]
struct Compaction {
    running: Arc<AtomicBool>,
    finished: Arc<AtomicU64>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Compaction {
    fn join(&self) {
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

/// The native store, shared by the node's request handlers.
///
/// Reads are in memory and cheap. Writes block until the change is on stable storage (one
/// `fdatasync`, shared with concurrent writers): async callers run them on a blocking
/// thread.
pub struct SecurityStore {
    dir: PathBuf,
    path: PathBuf,
    options: StoreOptions,
    inner: RwLock<Inner>,
    generations: [AtomicU64; SECTION_COUNT],
    rewrites: [AtomicU64; SECTION_COUNT],
    sync: Durability,
    compaction: Compaction,
    commits: AtomicU64,
    warnings: Vec<String>,
}

impl fmt::Debug for SecurityStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

fn create_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err("create folder", dir))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("sync folder", dir))
}

/// Writes the snapshot atomically: a crash leaves the old or the new file, never a torn one.
fn write_snapshot(dir: &Path, path: &Path, data: &Data) -> Result<()> {
    create_dir(dir)?;
    let json = serde_json::to_vec(&Snapshot(data)).map_err(|e| Error::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let tmp = path.with_extension("json.tmp");
    // A leftover temp file from a crash may have any mode; start from a fresh 0600 file.
    let _ = fs::remove_file(&tmp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io_err("create", &tmp))?;
    file.write_all(&json).map_err(io_err("write", &tmp))?;
    file.sync_all().map_err(io_err("sync", &tmp))?;
    drop(file);
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(io_err("replace", path)(e));
    }
    sync_dir(dir)
}

/// Creates the journal that follows sequence `base`, durably (header and folder entry).
fn create_journal(dir: &Path, base: u64) -> Result<Journal> {
    create_dir(dir)?;
    let path = dir.join(journal::file_name(base));
    let mut file = OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(io_err("create", &path))?;
    let written = file
        .write_all(&journal::header(base))
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(&path);
        return Err(io_err("write", &path)(e));
    }
    sync_dir(dir)?;
    Ok(Journal {
        file: Arc::new(file),
        path,
        base,
        len: HEADER_LEN,
    })
}

/// Removes the files of a store that was imported into a backend, then its folder (left in
/// place, with a warning, when it holds files of someone else).
fn remove_legacy_files(dir: &Path) -> Result<()> {
    for (_, path) in journal::list(dir).map_err(io_err("list", dir))? {
        fs::remove_file(&path).map_err(io_err("remove", &path))?;
    }
    let snapshot = dir.join(STORE_FILE);
    for path in [snapshot.with_extension("json.tmp"), snapshot] {
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("remove", &path)(e)),
        }
    }
    match fs::remove_dir(dir) {
        Ok(()) => {
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
            }
        }
        Err(e) => tracing::warn!(
            "the imported security store's folder [{}] was left in place: {e}",
            dir.display()
        ),
    }
    Ok(())
}

/// Removes the journals a snapshot at `seq` made obsolete.
fn remove_journals_before(dir: &Path, seq: u64) -> Result<()> {
    let journals = journal::list(dir).map_err(io_err("list", dir))?;
    for (base, path) in journals {
        if base < seq {
            fs::remove_file(&path).map_err(io_err("remove", &path))?;
        }
    }
    sync_dir(dir)
}

fn damaged(path: &Path, dir: &Path, reason: String) -> Error {
    Error::Corrupt {
        path: path.to_path_buf(),
        reason: format!(
            "{reason}; the changes after it cannot be replayed safely. Restore [{}] from a backup, or move this journal away to start from the changes before it",
            dir.display()
        ),
    }
}

impl SecurityStore {
    /// The snapshot file for a data folder.
    pub fn file_path(data_dir: &Path) -> PathBuf {
        data_dir.join(STORE_DIR).join(STORE_FILE)
    }

    /// Opens the store of `data_dir` with the default options.
    pub fn open(data_dir: &Path) -> Result<Self> {
        Self::open_with(data_dir, StoreOptions::default())
    }

    /// Opens the store of `data_dir`: reads the snapshot, replays the journals after it and
    /// migrates a format-1 file; starts empty when there is nothing (nothing is written until
    /// the first change). A torn final journal record is cut off with a warning
    /// ([`SecurityStore::open_warnings`]); any other damage is an error naming the file.
    pub fn open_with(data_dir: &Path, options: StoreOptions) -> Result<Self> {
        let dir = data_dir.join(STORE_DIR);
        let path = dir.join(STORE_FILE);
        let mut warnings = Vec::new();
        let (mut data, format) = match fs::read(&path) {
            Ok(bytes) => {
                let (data, format) =
                    Data::from_snapshot(&bytes).map_err(|reason| Error::Corrupt {
                        path: path.clone(),
                        reason,
                    })?;
                (data, Some(format))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Data::default(), None),
            Err(source) => {
                return Err(Error::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        let journals = journal::list(&dir).map_err(io_err("list", &dir))?;
        let snapshot_seq = data.seq;
        let mut current = None;
        for (i, (base, jpath)) in journals.iter().enumerate() {
            let last = i + 1 == journals.len();
            // A journal followed by one that starts at or before the snapshot holds nothing
            // newer: a crash came between a compaction's snapshot and its clean-up.
            if !last && journals[i + 1].0 <= snapshot_seq {
                let _ = fs::remove_file(jpath);
                continue;
            }
            let bytes = fs::read(jpath).map_err(io_err("read", jpath))?;
            let scanned = journal::scan(&bytes, *base, last)
                .map_err(|reason| damaged(jpath, &dir, reason))?;
            for record in scanned.records {
                if record.seq <= data.seq {
                    continue;
                }
                if record.seq != data.seq + 1 {
                    return Err(damaged(
                        jpath,
                        &dir,
                        format!(
                            "changes {} to {} are missing before it",
                            data.seq + 1,
                            record.seq - 1
                        ),
                    ));
                }
                for op in &record.ops {
                    if let Some(doc) = &op.doc {
                        check_document(op.section, &op.id, doc)
                            .map_err(|reason| damaged(jpath, &dir, reason))?;
                    }
                }
                data.apply(record.seq, record.ops);
            }
            if !last {
                continue;
            }
            if scanned.valid_len < HEADER_LEN {
                // Created by a compaction that crashed before writing the header.
                fs::remove_file(jpath).map_err(io_err("remove", jpath))?;
                continue;
            }
            let file = OpenOptions::new()
                .append(true)
                .open(jpath)
                .map_err(io_err("open", jpath))?;
            if scanned.valid_len < bytes.len() as u64 {
                let warning = format!(
                    "dropped a torn record at the end of the security store journal [{}] (bytes {} to {}): a crash cut it short before its write was acknowledged",
                    jpath.display(),
                    scanned.valid_len,
                    bytes.len()
                );
                tracing::warn!("{warning}");
                warnings.push(warning);
                file.set_len(scanned.valid_len)
                    .and_then(|()| file.sync_all())
                    .map_err(io_err("truncate", jpath))?;
            }
            current = Some(Journal {
                file: Arc::new(file),
                path: jpath.clone(),
                base: *base,
                len: scanned.valid_len,
            });
        }
        if format == Some(LEGACY_FORMAT) {
            write_snapshot(&dir, &path, &data)?;
        }
        let on_disk = format.is_some() || current.is_some();
        Ok(Self::assemble(
            (dir, path),
            options,
            data,
            (current, on_disk),
            None,
            warnings,
        ))
    }

    fn assemble(
        (dir, path): (PathBuf, PathBuf),
        options: StoreOptions,
        data: Data,
        (journal, on_disk): (Option<Journal>, bool),
        backend: Option<Arc<dyn DocumentBackend>>,
        warnings: Vec<String>,
    ) -> Self {
        let seq = data.seq;
        let file = journal.as_ref().map(|j: &Journal| j.file.clone());
        Self {
            sync: Durability {
                state: Mutex::new(SyncState {
                    appended: seq,
                    synced: seq,
                    file,
                    ..SyncState::default()
                }),
                done: Condvar::new(),
                backend,
                #[cfg(test)]
                delay: options.sync_delay,
            },
            dir,
            path,
            options,
            inner: RwLock::new(Inner {
                data,
                journal,
                on_disk,
            }),
            generations: Default::default(),
            rewrites: Default::default(),
            compaction: Compaction::default(),
            commits: AtomicU64::new(0),
            warnings,
        }
    }

    /// Opens the store on `backend` (the node's `.security-7` index): every document is read
    /// once into memory, and each change is written to the backend before it is acknowledged.
    ///
    /// A store of files that an earlier version left under `data_dir` (snapshot and journals)
    /// is imported first: its documents replace what the backend holds (a crash during an
    /// earlier import left a partial copy there), and its files are removed once the backend
    /// has them all.
    pub fn open_on(data_dir: &Path, backend: Arc<dyn DocumentBackend>) -> Result<Self> {
        let location = PathBuf::from(backend.location());
        let mut warnings = Vec::new();
        let legacy_dir = data_dir.join(STORE_DIR);
        if legacy_dir.exists() {
            let legacy = Self::open(data_dir)?;
            warnings.extend(legacy.warnings.iter().cloned());
            let imported = legacy.import_into(backend.as_ref())?;
            drop(legacy);
            remove_legacy_files(&legacy_dir)?;
            tracing::info!(
                "imported the security store [{}] ({imported} documents) into [{}]",
                legacy_dir.display(),
                location.display()
            );
        }
        let started = std::time::Instant::now();
        let mut data = Data::default();
        let mut read = 0u64;
        for change in backend.load()? {
            read += 1;
            let Some(doc) = change.doc else {
                continue;
            };
            check_document(change.section, &change.id, &doc).map_err(|reason| Error::Corrupt {
                path: location.clone(),
                reason,
            })?;
            data.insert(change.section, change.id, Doc::new(doc, 0));
        }
        tracing::info!(
            "security store: read {read} documents from [{}] in {} ms",
            location.display(),
            started.elapsed().as_millis()
        );
        Ok(Self::assemble(
            (location.clone(), location),
            StoreOptions::default(),
            data,
            (None, true),
            Some(backend),
            warnings,
        ))
    }

    /// Writes every document of this store to `backend` and removes the backend's others;
    /// returns how many documents were written.
    fn import_into(&self, backend: &dyn DocumentBackend) -> Result<usize> {
        let inner = self.read_inner();
        let mut changes = Vec::new();
        for section in SECTIONS {
            for (id, doc) in &inner.data.sections[section.index()] {
                changes.push(Change {
                    section,
                    id: id.clone(),
                    doc: Some(doc.value.as_ref().clone()),
                });
            }
        }
        let written = changes.len();
        for held in backend.load()? {
            if !inner.data.sections[held.section.index()].contains_key(&held.id) {
                changes.push(Change { doc: None, ..held });
            }
        }
        for chunk in changes.chunks(IMPORT_CHUNK) {
            backend.write(chunk)?;
        }
        Ok(written)
    }

    /// What opening recovered from (torn journal tails dropped), for the node's log.
    pub fn open_warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The snapshot file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether anything was written to disk.
    pub fn is_persisted(&self) -> bool {
        self.read_inner().on_disk
    }

    /// Moves on every change to `section`.
    pub fn generation(&self, section: Section) -> u64 {
        self.generations[section.index()].load(Ordering::Acquire)
    }

    /// Moves when a document of `section` is replaced or removed, not when one is added:
    /// what was derived from existing documents only goes stale then.
    pub fn overwrite_generation(&self, section: Section) -> u64 {
        self.rewrites[section.index()].load(Ordering::Acquire)
    }

    /// The version of a document (the sequence number of its last change; a removed and
    /// re-created document gets a new one), `None` when absent.
    pub fn version(&self, section: Section, id: &str) -> Option<u64> {
        self.read_inner().data.sections[section.index()]
            .get(id)
            .map(|d| d.version)
    }

    /// Write counters.
    pub fn stats(&self) -> StoreStats {
        let inner = self.read_inner();
        StoreStats {
            commits: self.commits.load(Ordering::Relaxed),
            syncs: self.sync.lock().syncs,
            compactions: self.compaction.finished.load(Ordering::Acquire),
            journal_bytes: inner
                .journal
                .as_ref()
                .map_or(0, |j| j.len.saturating_sub(HEADER_LEN)),
            live_bytes: inner.data.live_bytes,
        }
    }

    fn read_inner(&self) -> RwLockReadGuard<'_, Inner> {
        // Changes are applied after their closure ran and after the disk write, in a step
        // that cannot panic half-way, so a poisoned lock still holds consistent data.
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_inner(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// A user by name.
    pub fn user(&self, username: &str) -> Option<StoredUser> {
        let inner = self.read_inner();
        let doc = inner.data.sections[Section::Users.index()].get(username)?;
        StoredUser::from_value(&doc.value).ok()
    }

    /// All user names, sorted.
    pub fn usernames(&self) -> Vec<String> {
        self.ids(Section::Users)
    }

    fn ids(&self, section: Section) -> Vec<String> {
        self.read_inner().data.sections[section.index()]
            .keys()
            .cloned()
            .collect()
    }

    /// A stored role's descriptor JSON (as `RoleDescriptor::to_json` wrote it).
    pub fn role(&self, name: &str) -> Option<Value> {
        self.doc(Section::Roles, name)
    }

    /// All stored role names, sorted.
    pub fn role_names(&self) -> Vec<String> {
        self.ids(Section::Roles)
    }

    /// A stored API key document by id.
    pub fn api_key(&self, id: &str) -> Option<Value> {
        self.doc(Section::ApiKeys, id)
    }

    /// All stored API key documents.
    pub fn api_keys(&self) -> Vec<Value> {
        self.read_inner().data.sections[Section::ApiKeys.index()]
            .values()
            .map(|d| d.value.as_ref().clone())
            .collect()
    }

    /// A document of `section` by id.
    pub fn doc(&self, section: Section, id: &str) -> Option<Value> {
        self.read_inner().data.sections[section.index()]
            .get(id)
            .map(|d| d.value.as_ref().clone())
    }

    /// Visits the documents of `section` in id order with their versions, without copying
    /// them (under the read lock: `visit` must not call the store).
    pub fn for_each_doc(&self, section: Section, mut visit: impl FnMut(&str, u64, &Arc<Value>)) {
        let inner = self.read_inner();
        for (id, doc) in &inner.data.sections[section.index()] {
            visit(id, doc.version, &doc.value);
        }
    }

    /// All documents of `section`, as `(id, document)` sorted by id.
    pub fn docs(&self, section: Section) -> Vec<(String, Value)> {
        self.read_inner().data.sections[section.index()]
            .iter()
            .map(|(k, d)| (k.clone(), d.value.as_ref().clone()))
            .collect()
    }

    /// Runs `change` on the current documents under the write lock and commits what it
    /// staged as one durable change; returns the closure's result once the change is on
    /// stable storage (immediately when nothing was staged). On a write error nothing
    /// changes in memory. If the journal cannot be synced, the change stays visible in memory
    /// but the call fails and the store refuses later writes ([`Error::Unavailable`]).
    pub fn transact<R>(&self, change: impl FnOnce(&mut Transaction<'_>) -> R) -> Result<R> {
        self.sync.check(&self.dir)?;
        let (result, wait_for) = {
            let mut inner = self.write_inner();
            let mut txn = Transaction::new(&inner.data);
            let result = change(&mut txn);
            let ops = txn.into_ops();
            if ops.is_empty() {
                return Ok(result);
            }
            let seq = inner.data.seq + 1;
            let journaled = self.persist(&mut inner, seq, &ops)?;
            let touched = inner.data.apply(seq, ops);
            // Published after the data: a cache that reads a generation and then the data
            // may pair an old generation with new data (and rebuild later), never the reverse.
            for i in 0..SECTION_COUNT {
                if touched.any[i] {
                    self.generations[i].fetch_add(1, Ordering::AcqRel);
                }
                if touched.rewritten[i] {
                    self.rewrites[i].fetch_add(1, Ordering::AcqRel);
                }
            }
            self.commits.fetch_add(1, Ordering::Relaxed);
            self.maybe_compact(&mut inner);
            (result, journaled.then_some(seq))
        };
        if let Some(seq) = wait_for {
            self.sync.wait(seq, &self.dir)?;
        }
        Ok(result)
    }

    /// Writes the change: into a new snapshot for a store with nothing on disk yet, else as
    /// a journal record (not yet synced; returns `true`).
    fn persist(&self, inner: &mut Inner, seq: u64, ops: &[Op]) -> Result<bool> {
        if self.sync.backend.is_some() {
            self.sync.enqueue(seq, ops);
            return Ok(true);
        }
        if !inner.on_disk {
            let mut next = inner.data.clone();
            next.apply(seq, ops.to_vec());
            write_snapshot(&self.dir, &self.path, &next)?;
            inner.on_disk = true;
            self.sync.durable_through(seq, None);
            return Ok(false);
        }
        let bytes = journal::encode(seq, ops)
            .map_err(|reason| io_err("encode a change for", &self.dir)(io::Error::other(reason)))?;
        let journal = match inner.journal.take() {
            Some(j) => j,
            None => create_journal(&self.dir, inner.data.seq)?,
        };
        let journal = inner.journal.insert(journal);
        if let Err(e) = (&*journal.file).write_all(&bytes) {
            // Cut the partial record off, so later records do not follow garbage.
            if let Err(cut) = journal.file.set_len(journal.len) {
                self.sync.fail(format!(
                    "cannot cut a failed write off [{}]: {cut}",
                    journal.path.display()
                ));
            }
            return Err(io_err("append to", &journal.path)(e));
        }
        journal.len += bytes.len() as u64;
        self.sync.appended(seq, &journal.file);
        Ok(true)
    }

    fn maybe_compact(&self, inner: &mut Inner) {
        let Some(journal) = &inner.journal else {
            return;
        };
        let threshold = inner.data.live_bytes.max(self.options.compact_min_bytes);
        if journal.len.saturating_sub(HEADER_LEN) <= threshold
            || self.compaction.running.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let snapshot = match self.rotate(inner) {
            Ok(s) => s,
            Err(e) => {
                self.compaction.running.store(false, Ordering::Release);
                tracing::warn!(
                    "cannot compact the security store (its journal keeps growing): {e}"
                );
                return;
            }
        };
        // The previous compaction thread has finished (`running` was false).
        self.compaction.join();
        let (dir, path) = (self.dir.clone(), self.path.clone());
        let running = self.compaction.running.clone();
        let finished = self.compaction.finished.clone();
        let spawned = std::thread::Builder::new()
            .name("security-store-compaction".into())
            .spawn(move || {
                match write_snapshot(&dir, &path, &snapshot)
                    .and_then(|()| remove_journals_before(&dir, snapshot.seq))
                {
                    Ok(()) => {
                        finished.fetch_add(1, Ordering::AcqRel);
                    }
                    Err(e) => tracing::warn!(
                        "cannot compact the security store (the journals keep every change): {e}"
                    ),
                }
                running.store(false, Ordering::Release);
            });
        match spawned {
            Ok(handle) => {
                *self
                    .compaction
                    .thread
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(handle);
            }
            Err(e) => {
                self.compaction.running.store(false, Ordering::Release);
                tracing::warn!("cannot start the security store's compaction: {e}");
            }
        }
    }

    /// Closes the current journal (synced, so everything in it is durable) and starts the
    /// next one; returns the data the new snapshot must hold.
    fn rotate(&self, inner: &mut Inner) -> Result<Data> {
        let seq = inner.data.seq;
        // Nothing was committed since this journal started: it already follows `seq`.
        if inner.journal.as_ref().is_some_and(|j| j.base == seq) {
            return Ok(inner.data.clone());
        }
        if let Some(old) = &inner.journal {
            if let Err(e) = old.file.sync_data() {
                self.sync
                    .fail(format!("cannot sync [{}]: {e}", old.path.display()));
                return Err(io_err("sync", &old.path)(e));
            }
            self.sync.durable_through(seq, None);
        }
        let next = create_journal(&self.dir, seq)?;
        self.sync.durable_through(seq, Some(&next.file));
        inner.journal = Some(next);
        Ok(inner.data.clone())
    }

    /// Compacts now, in this thread: the next snapshot holds every change so far and the
    /// journals before it are removed (the benchmark and tests use it).
    pub fn compact(&self) -> Result<()> {
        self.sync.check(&self.dir)?;
        let snapshot = loop {
            self.compaction.join();
            let mut inner = self.write_inner();
            if inner.journal.is_none() {
                return Ok(());
            }
            // A background compaction may have started since the join.
            if self.compaction.running.swap(true, Ordering::AcqRel) {
                continue;
            }
            let rotated = self.rotate(&mut inner);
            if rotated.is_err() {
                self.compaction.running.store(false, Ordering::Release);
            }
            break rotated?;
        };
        let result = write_snapshot(&self.dir, &self.path, &snapshot)
            .and_then(|()| remove_journals_before(&self.dir, snapshot.seq));
        if result.is_ok() {
            self.compaction.finished.fetch_add(1, Ordering::AcqRel);
        }
        self.compaction.running.store(false, Ordering::Release);
        result
    }

    /// Everything the store wrote (snapshot and journals), as text, for tests that check what
    /// reaches the disk.
    #[cfg(test)]
    pub(crate) fn files_text(&self) -> String {
        let mut text = fs::read_to_string(&self.path).unwrap_or_default();
        for (_, path) in journal::list(&self.dir).unwrap_or_default() {
            text.push_str(&String::from_utf8_lossy(
                &fs::read(path).unwrap_or_default(),
            ));
        }
        text
    }

    /// Waits for a background compaction to finish.
    pub fn wait_for_compaction(&self) {
        self.compaction.join();
    }

    /// Read-modify-write of one user: `change` gets the current record and decides.
    pub fn update_user<R>(
        &self,
        username: &str,
        change: impl FnOnce(Option<StoredUser>) -> (Update<StoredUser>, R),
    ) -> Result<R> {
        self.transact(|t| {
            let (update, result) = change(t.user(username));
            match update {
                Update::Keep => {}
                Update::Put(user) => t.put_user(username, &user),
                Update::Delete => {
                    t.delete(Section::Users, username);
                }
            }
            result
        })
    }

    /// Read-modify-write of one document of `section`.
    pub fn update_doc<R>(
        &self,
        section: Section,
        id: &str,
        change: impl FnOnce(Option<&Value>) -> (Update<Value>, R),
    ) -> Result<R> {
        self.transact(|t| {
            let (update, result) = change(t.get(section, id));
            match update {
                Update::Keep => {}
                Update::Put(doc) => t.put(section, id, doc),
                Update::Delete => {
                    t.delete(section, id);
                }
            }
            result
        })
    }

    /// Creates or replaces a user.
    pub fn put_user(&self, username: &str, user: StoredUser) -> Result<()> {
        self.transact(|t| t.put_user(username, &user))
    }

    /// Removes a user; returns whether it existed.
    pub fn delete_user(&self, username: &str) -> Result<bool> {
        self.transact(|t| t.delete(Section::Users, username))
    }

    /// Creates or replaces a role; returns whether it was created.
    pub fn put_role(&self, name: &str, descriptor: Value) -> Result<bool> {
        self.transact(|t| {
            let created = t.get(Section::Roles, name).is_none();
            t.put(Section::Roles, name, descriptor);
            created
        })
    }

    /// Removes a role; returns whether it existed.
    pub fn delete_role(&self, name: &str) -> Result<bool> {
        self.transact(|t| t.delete(Section::Roles, name))
    }

    /// Creates or replaces an API key document.
    pub fn put_api_key(&self, id: &str, doc: Value) -> Result<()> {
        self.transact(|t| t.put(Section::ApiKeys, id, doc))
    }

    /// Creates or replaces several API key documents in one durable write.
    pub fn put_api_keys(&self, docs: Vec<(String, Value)>) -> Result<()> {
        self.write_docs(Section::ApiKeys, docs, &[]).map(|_| ())
    }

    /// Creates or replaces documents of `section` and removes the ids in `delete`, in one
    /// durable write. Returns, for each id of `delete`, whether it existed.
    pub fn write_docs(
        &self,
        section: Section,
        put: Vec<(String, Value)>,
        delete: &[String],
    ) -> Result<Vec<bool>> {
        self.transact(|t| {
            for (id, doc) in put {
                t.put(section, &id, doc);
            }
            delete.iter().map(|id| t.delete(section, id)).collect()
        })
    }
}

impl Drop for SecurityStore {
    fn drop(&mut self) {
        // A compaction still writing must finish before another store opens these files.
        self.compaction.join();
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
