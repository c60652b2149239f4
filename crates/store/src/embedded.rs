//! The node's embedded default backend: [`DocumentStore`] over the [`Engine`], with each
//! index's settings and mapping. A write parses every document against the index's mapping
//! (dynamic fields become mapping updates, merged in document order under the index's
//! mapping lock and saved with the index before the documents are written), then hands the
//! typed documents to the engine, which makes them durable. Searches see each index's
//! mapping through [`FieldTypes`].
//!
//! An index's settings and mapping are saved as the engine's per-index metadata, so they
//! are durable with the index and gone with it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::api::{
    CreateIndex, DocumentStore, DynamicMapping, FieldVisibility, IndexInfo, SearchResult,
    StoredDocument, WriteOp, WriteOptions, WriteOutcome,
};
use crate::document::ParsedDocument;
use crate::engine::{
    Engine, EngineOp, EngineOptions, FieldInfo, FieldKind, FieldTypes,
    IndexSettings as EngineSettings, random_uuid,
};
use crate::mapping::settings::{IndexIdentity, Settings, UpdateTarget};
use crate::mapping::{FieldType, Mapping};
use crate::query::{Query, SearchRequest};
use crate::{Result, StoreError};

/// `index.version.created` of indices made here (Elasticsearch 9.0's id).
const VERSION_CREATED: &str = "9000000";

/// One index: its identity, settings and mapping.
struct IndexState {
    uuid: String,
    creation_date: i64,
    settings: RwLock<Settings>,
    mapping: RwLock<Arc<Mapping>>,
    /// Held while a write merges mapping updates, so concurrent writes add fields in turn
    /// (and while anything else rewrites the saved metadata).
    mapping_changes: Mutex<()>,
    /// Open, or closed by `POST /<index>/_close`.
    open: AtomicBool,
}

impl IndexState {
    fn mapping(&self) -> Arc<Mapping> {
        read(&self.mapping).clone()
    }

    fn settings(&self) -> Settings {
        read(&self.settings).clone()
    }

    fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// What the engine keeps with the index: its settings, mapping and state (`open` or
    /// `close`, Elasticsearch's names).
    fn metadata(settings: &Settings, mapping: &Mapping, open: bool) -> Value {
        json!({
            "settings": settings.flat(),
            "mappings": mapping.to_json(),
            "state": if open { "open" } else { "close" },
        })
    }

    /// [`IndexState::metadata`] of the index as it is now.
    fn current_metadata(&self, mapping: &Mapping) -> Value {
        Self::metadata(&self.settings(), mapping, self.is_open())
    }
}

/// The embedded backend of one data folder.
pub struct EmbeddedStore {
    engine: Engine,
    indices: RwLock<BTreeMap<String, Arc<IndexState>>>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("engine", &self.engine)
            .finish()
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

/// The engine's settings from an index's settings.
fn engine_settings(settings: &Settings) -> EngineSettings {
    let typed = settings.typed();
    let defaults = EngineSettings::default();
    EngineSettings {
        refresh_interval: typed.refresh_interval,
        durability: typed.durability,
        sync_interval: typed.sync_interval,
        gc_deletes: typed.gc_deletes.unwrap_or(defaults.gc_deletes),
        max_result_window: usize::try_from(typed.max_result_window)
            .unwrap_or(defaults.max_result_window),
    }
}

impl EmbeddedStore {
    /// Opens (or creates) the store in `data`, loading every index's settings and mapping. A
    /// folder another node holds, or an index whose saved mapping no longer parses, is an
    /// error naming it.
    pub fn open(data: &Path, options: EngineOptions) -> Result<Self> {
        let engine = Engine::open(data, options)?;
        let mut indices = BTreeMap::new();
        for name in engine.indices() {
            let meta = engine.index_meta(&name)?;
            let damaged = |what: &str, e: StoreError| {
                StoreError::Unavailable(format!(
                    "index [{name}] in [{}]: its saved {what} cannot be read: {e}",
                    data.display()
                ))
            };
            let flat = match meta.metadata.get("settings") {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            };
            let settings = Settings::from_flat(flat).map_err(|e| damaged("settings", e))?;
            let mapping = Mapping::from_json_with(
                meta.metadata.get("mappings").unwrap_or(&json!({})),
                settings.typed().mapping,
            )
            .map_err(|e| damaged("mapping", e))?;
            let open = meta.metadata.get("state").and_then(Value::as_str) != Some("close");
            indices.insert(
                name.clone(),
                Arc::new(IndexState {
                    uuid: meta.uuid,
                    creation_date: meta.creation_date,
                    settings: RwLock::new(settings),
                    mapping: RwLock::new(Arc::new(mapping)),
                    mapping_changes: Mutex::new(()),
                    open: AtomicBool::new(open),
                }),
            );
        }
        Ok(Self {
            engine,
            indices: RwLock::new(indices),
        })
    }

    /// The engine, for figures (`_stats`, `_nodes/stats`).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// An index's current mapping.
    pub fn mapping(&self, name: &str) -> Result<Arc<Mapping>> {
        Ok(self.index(name)?.mapping())
    }

    /// An index's current settings.
    pub fn settings(&self, name: &str) -> Result<Settings> {
        Ok(self.index(name)?.settings())
    }

    fn index(&self, name: &str) -> Result<Arc<IndexState>> {
        read(&self.indices)
            .get(name)
            .cloned()
            .ok_or_else(|| StoreError::index_not_found(name))
    }

    /// An index that must be open to be read or written: `index_closed_exception` otherwise.
    fn open_index_state(&self, name: &str) -> Result<Arc<IndexState>> {
        let state = self.index(name)?;
        if !state.is_open() {
            return Err(StoreError::IndexClosed {
                index: name.to_string(),
                uuid: state.uuid.clone(),
            });
        }
        Ok(state)
    }

    /// Opens or closes an index, saving the state with its metadata.
    fn set_open(&self, name: &str, open: bool) -> Result<()> {
        let state = self.index(name)?;
        let _turn = state
            .mapping_changes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if state.is_open() == open {
            return Ok(());
        }
        let metadata = IndexState::metadata(&state.settings(), &state.mapping(), open);
        self.engine.set_metadata(name, metadata)?;
        state.open.store(open, Ordering::Release);
        Ok(())
    }

    fn info(&self, name: &str, state: &IndexState) -> Result<IndexInfo> {
        let stats = self.engine.stats(name)?;
        let settings = state.settings();
        Ok(IndexInfo {
            name: name.to_string(),
            uuid: state.uuid.clone(),
            creation_date: state.creation_date,
            settings: settings.flat().clone(),
            mappings: state.mapping().to_json(),
            docs_count: stats.docs_count,
            docs_deleted: stats.docs_deleted,
            store_size_bytes: stats.store_size_bytes,
            open: state.is_open(),
        })
    }

    /// Parses the documents of `ops` against the index's mapping, merging the mapping updates
    /// they need in document order; a document that cannot be parsed (or whose new fields
    /// conflict) fails alone.
    fn prepare(
        &self,
        state: &IndexState,
        index: &str,
        ops: Vec<WriteOp>,
        dynamic: &DynamicMapping,
    ) -> Result<Prepared> {
        let snapshot = state.mapping();
        let mut slots: Vec<Slot> = Vec::with_capacity(ops.len());
        let mut needs_update = false;
        for op in ops {
            slots.push(match op {
                WriteOp::Delete { id, condition } => {
                    Slot::Ready(EngineOp::Delete { id, condition }, false)
                }
                WriteOp::Index {
                    id,
                    source,
                    create,
                    condition,
                } => match snapshot.parse_document_bytes(id.as_deref(), &source) {
                    Err(e) => Slot::Failed(e),
                    Ok((value, parsed)) if parsed.mapping_update.is_none() => Slot::Ready(
                        index_op(&snapshot, id, source, &value, parsed, create, condition),
                        false,
                    ),
                    Ok(_) => {
                        needs_update = true;
                        Slot::Update {
                            id,
                            source,
                            create,
                            condition,
                        }
                    }
                },
            });
        }
        if !needs_update {
            return Ok(Prepared { slots });
        }
        if let DynamicMapping::Denied(denial) = dynamic {
            // The caller may not add fields: only the documents that need one fail.
            for slot in &mut slots {
                if matches!(slot, Slot::Update { .. }) {
                    *slot = Slot::Failed(StoreError::Denied(denial.clone()));
                }
            }
            return Ok(Prepared { slots });
        }
        // Fields are added one document at a time, as Elasticsearch applies each document's
        // dynamic update before the next document is parsed.
        let _turn = state
            .mapping_changes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let original = state.mapping();
        let mut current = original.clone();
        for slot in &mut slots {
            let Slot::Update {
                id,
                source,
                create,
                condition,
            } = slot
            else {
                continue;
            };
            let outcome = parse_with_updates(&mut current, id.as_deref(), source);
            *slot = match outcome {
                Ok((value, parsed)) => Slot::Ready(
                    index_op(
                        &current,
                        id.take(),
                        std::mem::take(source),
                        &value,
                        parsed,
                        *create,
                        *condition,
                    ),
                    true,
                ),
                Err(e) => Slot::Failed(e),
            };
        }
        if !Arc::ptr_eq(&original, &current) {
            let metadata = state.current_metadata(&current);
            self.engine.set_metadata(index, metadata)?;
            *write(&state.mapping) = current;
        }
        Ok(Prepared { slots })
    }
}

/// Parses `source`, merging the mapping updates it needs into `mapping` until it fits.
fn parse_with_updates(
    mapping: &mut Arc<Mapping>,
    id: Option<&str>,
    source: &[u8],
) -> Result<(Value, ParsedDocument)> {
    // Each round adds the fields the document found missing; nested objects can need a
    // second round once their parent exists.
    for _ in 0..4 {
        let (value, parsed) = mapping.parse_document_bytes(id, source)?;
        let Some(update) = &parsed.mapping_update else {
            return Ok((value, parsed));
        };
        *mapping = Arc::new(mapping.merge(update)?);
    }
    let (value, parsed) = mapping.parse_document_bytes(id, source)?;
    match parsed.mapping_update {
        None => Ok((value, parsed)),
        Some(_) => Err(StoreError::MapperParsing(
            "the document's dynamic fields could not be added to the mapping".into(),
        )),
    }
}

/// The engine operation of a parsed document: the `_source` stored is the bytes as sent,
/// unless the mapping's `_source` includes/excludes (or `enabled: false`) change it.
fn index_op(
    mapping: &Mapping,
    id: Option<String>,
    source: Vec<u8>,
    value: &Value,
    parsed: ParsedDocument,
    create: bool,
    condition: crate::api::WriteCondition,
) -> EngineOp {
    let source = if mapping.source().keeps_source_as_sent() {
        source
    } else {
        match mapping.filter_source(value) {
            Some(kept) => serde_json::to_vec(&kept).unwrap_or_default(),
            None => Vec::new(),
        }
    };
    EngineOp::Index {
        id,
        source,
        parsed,
        create,
        condition,
    }
}

/// One operation of a write call on its way to the engine.
enum Slot {
    /// Parsed; `true` when the document added fields to the mapping.
    Ready(EngineOp, bool),
    Update {
        id: Option<String>,
        source: Vec<u8>,
        create: bool,
        condition: crate::api::WriteCondition,
    },
    Failed(StoreError),
}

struct Prepared {
    slots: Vec<Slot>,
}

/// Search's view of the mappings of the indices it reads, without the fields the reader may
/// not see.
struct MappingTypes<'a> {
    mappings: BTreeMap<String, Arc<Mapping>>,
    visibility: &'a dyn FieldVisibility,
}

impl FieldTypes for MappingTypes<'_> {
    fn field(&self, index: &str, path: &str) -> Option<FieldInfo> {
        if !self.visibility.visible(index, path) {
            return None;
        }
        let resolved = self.mappings.get(index)?.resolve(path)?;
        if resolved.path != path && !self.visibility.visible(index, &resolved.path) {
            // An alias field must not reveal a hidden target.
            return None;
        }
        if resolved.runtime {
            return None;
        }
        Some(FieldInfo {
            kind: field_kind(resolved.field_type),
            indexed: resolved.indexed,
            doc_values: resolved.doc_values,
            format: resolved.date_format.map(|f| f.spec().to_string()),
        })
    }

    fn concrete(&self, index: &str, path: &str) -> String {
        self.mappings
            .get(index)
            .and_then(|m| m.resolve(path))
            .map_or_else(|| path.to_string(), |r| r.path)
    }

    fn expand(&self, index: &str, pattern: &str) -> Vec<String> {
        self.mappings.get(index).map_or_else(Vec::new, |m| {
            m.searchable_fields(pattern)
                .into_iter()
                .filter(|f| self.visibility.visible(index, f))
                .collect()
        })
    }
}

/// The engine's kind of a mapped type.
fn field_kind(field_type: FieldType) -> FieldKind {
    match field_type {
        FieldType::Keyword | FieldType::Flattened => FieldKind::Keyword,
        FieldType::Text | FieldType::MatchOnlyText => FieldKind::Text,
        FieldType::Long
        | FieldType::Integer
        | FieldType::Short
        | FieldType::Byte
        | FieldType::ScaledFloat => FieldKind::Long,
        FieldType::UnsignedLong => FieldKind::UnsignedLong,
        FieldType::Double | FieldType::Float | FieldType::HalfFloat => FieldKind::Double,
        FieldType::Boolean => FieldKind::Boolean,
        FieldType::Date => FieldKind::Date,
        FieldType::DateNanos => FieldKind::DateNanos,
        FieldType::Ip => FieldKind::Ip,
    }
}

impl DocumentStore for EmbeddedStore {
    fn create_index(&self, request: CreateIndex) -> Result<IndexInfo> {
        if let Some(existing) = read(&self.indices).get(&request.name) {
            return Err(StoreError::IndexAlreadyExists {
                index: request.name,
                uuid: existing.uuid.clone(),
            });
        }
        // The name as requested (a date math expression) comes with the composed settings;
        // it is private: the identity carries it.
        let mut request = request;
        let provided_name = match request.settings.remove("index.provided_name") {
            Some(Value::String(name)) => name,
            _ => request.name.clone(),
        };
        let identity = IndexIdentity {
            provided_name,
            uuid: random_uuid(),
            creation_date: ironstack_types::date::now_millis(),
            version_created: VERSION_CREATED.to_string(),
        };
        let settings = Settings::for_new_index(&Value::Object(request.settings), &identity)?;
        let mappings = if request.mappings.is_null() {
            json!({})
        } else {
            request.mappings
        };
        let mapping = Mapping::from_json_with(&mappings, settings.typed().mapping)?;
        self.engine.create_index(
            &request.name,
            &identity.uuid,
            &engine_settings(&settings),
            IndexState::metadata(&settings, &mapping, true),
        )?;
        let meta = self.engine.index_meta(&request.name)?;
        let state = Arc::new(IndexState {
            uuid: meta.uuid,
            creation_date: meta.creation_date,
            settings: RwLock::new(settings),
            mapping: RwLock::new(Arc::new(mapping)),
            mapping_changes: Mutex::new(()),
            open: AtomicBool::new(true),
        });
        write(&self.indices).insert(request.name.clone(), state.clone());
        self.info(&request.name, &state)
    }

    fn delete_index(&self, name: &str) -> Result<()> {
        self.engine.delete_index(name)?;
        write(&self.indices).remove(name);
        Ok(())
    }

    fn index_info(&self, name: &str) -> Result<IndexInfo> {
        let state = self.index(name)?;
        self.info(name, &state)
    }

    fn indices(&self) -> Vec<IndexInfo> {
        let all: Vec<(String, Arc<IndexState>)> = read(&self.indices)
            .iter()
            .map(|(n, s)| (n.clone(), s.clone()))
            .collect();
        all.iter()
            .filter_map(|(name, state)| self.info(name, state).ok())
            .collect()
    }

    fn open_index(&self, name: &str) -> Result<()> {
        self.set_open(name, true)
    }

    fn close_index(&self, name: &str) -> Result<()> {
        self.set_open(name, false)
    }

    fn put_mapping(&self, name: &str, mapping: &Value) -> Result<()> {
        let state = self.index(name)?;
        let _turn = state
            .mapping_changes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let merged = state.mapping().merge(mapping)?;
        self.engine
            .set_metadata(name, state.current_metadata(&merged))?;
        *write(&state.mapping) = Arc::new(merged);
        Ok(())
    }

    fn put_settings(&self, name: &str, settings: &Map<String, Value>) -> Result<()> {
        let state = self.index(name)?;
        let _turn = state
            .mapping_changes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let current = state.settings();
        let updated = current.updated(
            &Value::Object(settings.clone()),
            UpdateTarget {
                name,
                uuid: &state.uuid,
                open: state.is_open(),
            },
        )?;
        let mut mapping = (*state.mapping()).clone();
        mapping.set_limits(updated.typed().mapping);
        self.engine.set_metadata(
            name,
            IndexState::metadata(&updated, &mapping, state.is_open()),
        )?;
        self.engine
            .update_settings(name, engine_settings(&updated))?;
        *write(&state.mapping) = Arc::new(mapping);
        *write(&state.settings) = updated;
        Ok(())
    }

    fn write(
        &self,
        index: &str,
        ops: Vec<WriteOp>,
        options: &WriteOptions,
    ) -> Result<Vec<Result<WriteOutcome>>> {
        let state = self.open_index_state(index)?;
        let prepared = self.prepare(&state, index, ops, &options.dynamic_mapping)?;
        let mut results: Vec<Option<Result<WriteOutcome>>> =
            Vec::with_capacity(prepared.slots.len());
        let mut engine_ops = Vec::new();
        let mut positions = Vec::new();
        for (i, slot) in prepared.slots.into_iter().enumerate() {
            match slot {
                Slot::Ready(op, updated) => {
                    positions.push((i, updated));
                    engine_ops.push(op);
                    results.push(None);
                }
                Slot::Failed(e) => results.push(Some(Err(e))),
                Slot::Update { .. } => results.push(Some(Err(StoreError::MapperParsing(
                    "the document was not parsed".into(),
                )))),
            }
        }
        if !engine_ops.is_empty() {
            let outcomes = self.engine.apply(index, engine_ops, options.refresh)?;
            for ((position, updated), outcome) in positions.into_iter().zip(outcomes) {
                results[position] = Some(outcome.map(|o| WriteOutcome {
                    mapping_updated: updated,
                    ..o
                }));
            }
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(StoreError::Storage("a write was not applied".into())))
            })
            .collect())
    }

    fn get(&self, index: &str, id: &str) -> Result<Option<StoredDocument>> {
        self.open_index_state(index)?;
        self.engine.get(index, id)
    }

    fn refresh(&self, index: &str) -> Result<()> {
        self.open_index_state(index)?;
        self.engine.refresh(index)
    }

    fn search(
        &self,
        indices: &[String],
        request: &SearchRequest,
        fields: &dyn FieldVisibility,
    ) -> Result<SearchResult> {
        let types = self.types(indices, fields)?;
        let names: Vec<&str> = indices.iter().map(String::as_str).collect();
        self.engine.search(&names, request, &types)
    }

    fn open_point_in_time(&self, indices: &[String], keep_alive: Duration) -> Result<String> {
        let names: Vec<&str> = indices.iter().map(String::as_str).collect();
        self.engine.open_point_in_time(&names, keep_alive)
    }

    fn point_in_time_indices(&self, id: &str) -> Result<Vec<String>> {
        self.engine.point_in_time_indices(id)
    }

    fn search_point_in_time(
        &self,
        id: &str,
        keep_alive: Option<Duration>,
        request: &SearchRequest,
        fields: &dyn FieldVisibility,
    ) -> Result<SearchResult> {
        let indices = self.engine.point_in_time_indices(id)?;
        let types = self.types(&indices, fields)?;
        self.engine
            .search_point_in_time(id, keep_alive, request, &types)
    }

    fn close_point_in_time(&self, id: &str) -> bool {
        self.engine.close_point_in_time(id)
    }

    fn count(
        &self,
        indices: &[String],
        query: &Query,
        fields: &dyn FieldVisibility,
    ) -> Result<u64> {
        let types = self.types(indices, fields)?;
        let names: Vec<&str> = indices.iter().map(String::as_str).collect();
        self.engine.count(&names, query, &types)
    }
}

impl EmbeddedStore {
    fn types<'a>(
        &self,
        indices: &[String],
        visibility: &'a dyn FieldVisibility,
    ) -> Result<MappingTypes<'a>> {
        let mut mappings = BTreeMap::new();
        for name in indices {
            mappings.insert(name.clone(), self.open_index_state(name)?.mapping());
        }
        Ok(MappingTypes {
            mappings,
            visibility,
        })
    }
}

#[cfg(test)]
#[path = "embedded_tests.rs"]
mod tests;
