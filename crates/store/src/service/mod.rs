//! The store as the REST layer uses it: a [`DocumentStore`] backend (concrete indices and
//! documents) joined with the cluster [`Metadata`] above it (templates, aliases, data
//! streams, ILM policies). It performs what Elasticsearch's metadata services do around the
//! backend: creating an index applies its template and records its aliases; a write to a
//! missing name creates the index or data stream its template says; a write through an
//! alias or data stream goes to its write index; deleting an index updates its aliases and
//! data stream. Every metadata change is made on a copy, saved, then published, one at a
//! time; the [`IndexSpace`] security resolves requests against is republished with it.
//!
//! Calls block (writes wait for their fsync): the REST layer runs them on its blocking pool.
//! Authorization stays with the caller: the write path asks a [`WriteGuard`] before each
//! item and before creating anything.

mod admin;
mod checks;
mod figures;
mod indices;
mod writes;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use ironstack_types::index_space::IndexSpace;
use ironstack_types::{EsException, HealthStatus};

use crate::api::{DocumentStore, IndexInfo};
use crate::metadata::{ConcreteIndex, Metadata, persist};
use crate::{Result, StoreError};

pub use admin::IlmRun;
pub use checks::StoreChecks;
pub use figures::{FiguresSource, IndexStats, SegmentFigures};
pub use indices::CreatedIndex;
pub use writes::{ItemResult, WriteGuard, WriteItem, WriteItemKind};

/// `action.auto_create_index`: which missing names a write may create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AutoCreateIndex {
    /// `true` (the default): any name.
    #[default]
    All,
    /// `false`: none (a matching template's `allow_auto_create: true` still allows it).
    None,
    /// A comma-separated list of `+pattern`/`-pattern`: the first match decides; no match
    /// refuses.
    Patterns(Vec<(bool, String)>),
}

impl AutoCreateIndex {
    /// Parses the setting's value.
    pub fn parse(value: &str) -> Self {
        match value.trim() {
            "true" => Self::All,
            "false" => Self::None,
            list => Self::Patterns(
                list.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| match p.strip_prefix('-') {
                        Some(rest) => (false, rest.to_string()),
                        None => (true, p.strip_prefix('+').unwrap_or(p).to_string()),
                    })
                    .collect(),
            ),
        }
    }

    /// Whether `name` may be created by a write.
    pub fn allows(&self, name: &str) -> bool {
        match self {
            Self::All => true,
            Self::None => false,
            Self::Patterns(patterns) => patterns
                .iter()
                .find(|(_, p)| ironstack_types::wildcard::simple_match(p, name))
                .is_some_and(|(allow, _)| *allow),
        }
    }

    /// The setting as Elasticsearch prints it in its refusal.
    fn describe(&self) -> String {
        match self {
            Self::All => "true".into(),
            Self::None => "false".into(),
            Self::Patterns(p) => p
                .iter()
                .map(|(allow, pattern)| format!("{}{pattern}", if *allow { "+" } else { "-" }))
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// Node settings the service acts on.
#[derive(Debug, Clone, Default)]
pub struct ServiceSettings {
    /// `action.auto_create_index`.
    pub auto_create_index: AutoCreateIndex,
    /// Indices another part of the node owns and writes itself (the security indices), with
    /// the name of their owner: requests may read them but not write, delete, close or
    /// remap them, since the owner keeps what they hold in memory.
    pub managed_indices: Vec<(String, String)>,
}

/// The store of one node.
pub struct StoreService {
    backend: Arc<dyn DocumentStore>,
    metadata: RwLock<Arc<Metadata>>,
    /// Concrete indices as the backend last described them (name, visibility, dates).
    concrete: RwLock<Arc<Vec<ConcreteIndex>>>,
    space: RwLock<Arc<IndexSpace>>,
    /// One metadata change (and its save) at a time.
    changes: Mutex<()>,
    dir: PathBuf,
    settings: ServiceSettings,
    checks: StoreChecks,
    /// The figures of indices beyond [`IndexInfo`] (`figures.rs`).
    figures: Option<Arc<dyn FiguresSource>>,
}

impl std::fmt::Debug for StoreService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreService")
            .field("dir", &self.dir)
            .finish()
    }
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn replace<T>(lock: &RwLock<T>, value: T) {
    *lock.write().unwrap_or_else(|p| p.into_inner()) = value;
}

/// The health of one index on this single node: its replicas cannot be assigned anywhere,
/// so an index that wants replicas is yellow, as it is on a one-node Elasticsearch.
pub fn index_health(info: &IndexInfo) -> HealthStatus {
    let replicas = info
        .settings
        .get("index.number_of_replicas")
        .and_then(|v| match v {
            serde_json::Value::String(s) => s.parse::<u32>().ok(),
            other => other.as_u64().and_then(|n| u32::try_from(n).ok()),
        })
        .unwrap_or(1);
    let auto_expand = info
        .settings
        .get("index.auto_expand_replicas")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|v| v.starts_with("0-"));
    if replicas == 0 || auto_expand {
        HealthStatus::Green
    } else {
        HealthStatus::Yellow
    }
}

impl StoreService {
    /// The service over `backend`, with its metadata file in `dir` (loaded now; a damaged
    /// file is an error naming it).
    pub fn open(
        dir: &Path,
        backend: Arc<dyn DocumentStore>,
        settings: ServiceSettings,
    ) -> Result<Self> {
        let metadata = persist::load(dir)?;
        let service = Self {
            backend,
            metadata: RwLock::new(Arc::new(metadata)),
            concrete: RwLock::new(Arc::new(Vec::new())),
            space: RwLock::new(Arc::new(IndexSpace::default())),
            changes: Mutex::new(()),
            dir: dir.to_path_buf(),
            settings,
            checks: StoreChecks,
            figures: None,
        };
        service.reload_concrete();
        Ok(service)
    }

    /// Refuses a request's change to an index the node manages itself.
    pub(crate) fn check_not_managed<'a>(
        &self,
        names: impl IntoIterator<Item = &'a String>,
    ) -> Result<()> {
        for name in names {
            if let Some((_, owner)) = self
                .settings
                .managed_indices
                .iter()
                .find(|(managed, _)| managed == name)
            {
                return Err(StoreError::Denied(Box::new(EsException::named(
                    "security_exception",
                    403,
                    format!(
                        "index [{name}] is managed by the node's {owner} service: change what it holds through the {owner} APIs"
                    ),
                ))));
            }
        }
        Ok(())
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn DocumentStore> {
        &self.backend
    }

    /// The metadata as last published.
    pub fn metadata(&self) -> Arc<Metadata> {
        read(&self.metadata)
    }

    /// Every concrete index, as last described by the backend.
    pub fn concrete(&self) -> Arc<Vec<ConcreteIndex>> {
        read(&self.concrete)
    }

    /// The names requests can reach, as last published.
    pub fn space(&self) -> Arc<IndexSpace> {
        read(&self.space)
    }

    /// Re-reads the backend's indices and republishes the space.
    fn reload_concrete(&self) {
        let concrete: Vec<ConcreteIndex> = self
            .backend
            .indices()
            .iter()
            .map(|info| ConcreteIndex::from_info(info, index_health(info)))
            .collect();
        let space = self.metadata().space(&concrete);
        replace(&self.concrete, Arc::new(concrete));
        replace(&self.space, Arc::new(space));
    }

    /// Applies `change` to a copy of the metadata (it may call the backend, which is why
    /// changes run one at a time), saves the copy, then publishes it. A failed change leaves
    /// the metadata as it was.
    fn change<T>(
        &self,
        change: impl FnOnce(&mut Metadata, &[ConcreteIndex]) -> Result<T>,
    ) -> Result<T> {
        let _turn = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = (*self.metadata()).clone();
        let concrete = self.concrete();
        let outcome = change(&mut next, &concrete);
        // The backend may have changed even when the change failed half-way (an index made
        // before an alias check refused): describe it again either way.
        let result = outcome.and_then(|value| {
            persist::save(&self.dir, &next)?;
            replace(&self.metadata, Arc::new(next));
            Ok(value)
        });
        self.reload_concrete();
        result
    }

    /// How many copies of `index` a write reports in `_shards.total`: the primary and the
    /// replicas it asks for (which a single node leaves unassigned).
    pub fn shard_copies(&self, index: &str) -> u64 {
        self.concrete()
            .iter()
            .find(|c| c.name == index)
            .map_or(1, |c| 1 + u64::from(c.replicas))
    }

    /// The concrete index a name stands for when a request needs exactly one (a document
    /// get through an alias): Elasticsearch's error when it stands for several.
    pub fn single_index(&self, name: &str) -> Result<String> {
        let space = self.space();
        let Some(abstraction) = space.get(name) else {
            return Err(StoreError::index_not_found(name));
        };
        match abstraction.indices.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(StoreError::IllegalArgument(format!(
                "alias [{name}] has more than one index associated with it [{}], can't execute a single index op",
                abstraction.indices.join(", ")
            ))),
        }
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
