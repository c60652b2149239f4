//! Document writes as `TransportBulkAction` runs them (a single-document API is a one-item
//! bulk): the missing targets are created first (with the caller's permission to create
//! them), then each item is authorized on the name it targets, sent to its write index (an
//! alias's write index, a data stream's newest backing index, where only creates are
//! allowed), and applied in order per index. Updates read the document, merge the partial
//! document (or upsert), and write it back conditionally, retrying on conflicts as asked.

use std::collections::BTreeMap;

use ironstack_types::EsException;
use ironstack_types::index_space::{AbstractionKind, IndexSpace};
use serde_json::{Map, Value};

use super::StoreService;
use crate::api::{
    DynamicMapping, Refresh, WriteCondition, WriteOp, WriteOptions, WriteOutcome, WriteResultKind,
};
use crate::bulk::{BulkAction, UpdateBody};
use crate::doc_write::Versioning;
use crate::metadata::WriteKind;
use crate::{Result, StoreError};

/// What a write item does.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteItemKind {
    /// `index` (`create`: fail when the document exists) with the `_source` bytes as sent.
    Index {
        /// `op_type=create`.
        create: bool,
        /// The `_source`.
        source: Vec<u8>,
    },
    /// A partial update.
    Update(UpdateBody),
    /// A delete.
    Delete,
}

/// One write, addressed by the name its request gave.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteItem {
    /// Index, alias or data stream name (date math already resolved).
    pub name: String,
    /// `_id` (`None`: generated; only for `index`/`create`).
    pub id: Option<String>,
    /// What to do.
    pub kind: WriteItemKind,
    /// Versioning and concurrency control (validated).
    pub versioning: Versioning,
    /// `require_alias`.
    pub require_alias: bool,
    /// `require_data_stream`.
    pub require_data_stream: bool,
    /// `retry_on_conflict` (updates).
    pub retry_on_conflict: u32,
}

impl WriteItem {
    /// The item's bulk action.
    pub fn action(&self) -> BulkAction {
        match &self.kind {
            WriteItemKind::Index { create: true, .. } => BulkAction::Create,
            WriteItemKind::Index { create: false, .. } => BulkAction::Index,
            WriteItemKind::Update(_) => BulkAction::Update,
            WriteItemKind::Delete => BulkAction::Delete,
        }
    }
}

/// The caller's authorization of writes.
pub trait WriteGuard {
    /// Whether `action` may be written through `name`: Elasticsearch's 403 for the item
    /// otherwise.
    fn check_item(
        &self,
        action: BulkAction,
        name: &str,
    ) -> std::result::Result<(), Box<EsException>>;
    /// Whether the missing `name` may be created by writing to it.
    fn check_auto_create(&self, name: &str) -> std::result::Result<(), Box<EsException>>;
    /// Whether documents written to the concrete `index` may add fields to its mapping;
    /// a denial fails only the documents that would. `Ok(Some(warning))` grants with a
    /// deprecation warning, given to [`WriteGuard::deprecated`] only if a field is added.
    fn check_mapping_update(
        &self,
        index: &str,
    ) -> std::result::Result<Option<String>, Box<EsException>>;
    /// Records a deprecation warning of the request (Elasticsearch's `Warning` header).
    fn deprecated(&self, warning: String);
}

/// The outcome of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult {
    /// The concrete index written (the requested name when the item failed before one was
    /// known).
    pub index: String,
    /// `_id` (generated ones included), when known.
    pub id: Option<String>,
    /// What was asked.
    pub action: BulkAction,
    /// What happened.
    pub outcome: std::result::Result<WriteOutcome, StoreError>,
    /// For an update: the document as written (for `_source` in the response).
    pub updated_source: Option<Value>,
}

/// An item on its way: where it goes, once known.
struct Routed {
    position: usize,
    index: String,
    item: WriteItem,
}

impl StoreService {
    /// Applies `items` (a `_bulk`, or one single-document request): one result per item,
    /// in order. Only a failure of the whole store is an `Err`.
    pub fn write(
        &self,
        items: Vec<WriteItem>,
        guard: &dyn WriteGuard,
        refresh: Refresh,
    ) -> Vec<ItemResult> {
        let mut results: Vec<Option<ItemResult>> = vec![None; items.len()];
        let failed = |item: &WriteItem, e: StoreError| ItemResult {
            index: item.name.clone(),
            id: item.id.clone(),
            action: item.action(),
            outcome: Err(e),
            updated_source: None,
        };

        // Missing targets are created first, once per name, each with the caller's
        // permission; a name that cannot be created fails every item writing to it.
        let mut creation: BTreeMap<String, std::result::Result<(), StoreError>> = BTreeMap::new();
        for item in &items {
            let space = self.space();
            if space.get(&item.name).is_some()
                || item.require_alias
                || creation.contains_key(&item.name)
                || matches!(item.kind, WriteItemKind::Delete)
                || matches!(&item.kind, WriteItemKind::Update(u) if u.upsert.is_none() && !u.doc_as_upsert)
            {
                continue;
            }
            let outcome = guard
                .check_auto_create(&item.name)
                .map_err(StoreError::Denied)
                .and_then(|()| self.auto_create(&item.name));
            creation.insert(item.name.clone(), outcome);
        }

        // A data stream marked by a lazy rollover rolls over before the write reaches it.
        let targets: std::collections::BTreeSet<String> =
            items.iter().map(|i| i.name.clone()).collect();
        for (name, e) in self.roll_over_marked(&targets) {
            creation.insert(name, Err(e));
        }

        let space = self.space();
        let mut routed: Vec<Routed> = Vec::with_capacity(items.len());
        for (position, item) in items.into_iter().enumerate() {
            if let Some(Err(e)) = creation.get(&item.name) {
                results[position] = Some(failed(&item, e.clone()));
                continue;
            }
            let target = route(&space, &self.metadata(), &item, guard)
                .and_then(|index| self.check_not_managed([&index]).map(|()| index));
            match target {
                Ok(index) => routed.push(Routed {
                    position,
                    index,
                    item,
                }),
                Err(e) => results[position] = Some(failed(&item, e)),
            }
        }

        // In order per index: runs of index/delete operations go to the backend together;
        // an update runs on its own (it reads the document first).
        let mut by_index: BTreeMap<String, Vec<Routed>> = BTreeMap::new();
        for r in routed {
            by_index.entry(r.index.clone()).or_default().push(r);
        }
        for (index, group) in by_index {
            let (dynamic_mapping, warning) = match guard.check_mapping_update(&index) {
                Ok(warning) => (DynamicMapping::Allowed, warning),
                Err(denial) => (DynamicMapping::Denied(denial), None),
            };
            let options = WriteOptions {
                refresh,
                dynamic_mapping,
            };
            let positions: Vec<usize> = group.iter().map(|r| r.position).collect();
            let mut run: Vec<Routed> = Vec::new();
            for r in group {
                if matches!(r.item.kind, WriteItemKind::Update(_)) {
                    self.flush_run(&index, &mut run, &options, &mut results);
                    let result = self.update(&index, r.item, &options);
                    results[r.position] = Some(result);
                } else {
                    run.push(r);
                }
            }
            self.flush_run(&index, &mut run, &options, &mut results);
            let added_fields = positions.iter().any(|&p| {
                matches!(&results[p], Some(ItemResult { outcome: Ok(o), .. }) if o.mapping_updated)
            });
            if let (true, Some(warning)) = (added_fields, warning) {
                guard.deprecated(warning);
            }
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| ItemResult {
                    index: String::new(),
                    id: None,
                    action: BulkAction::Index,
                    outcome: Err(StoreError::Storage("a write was not applied".into())),
                    updated_source: None,
                })
            })
            .collect()
    }

    /// Sends a run of index/delete items of one index to the backend.
    fn flush_run(
        &self,
        index: &str,
        run: &mut Vec<Routed>,
        options: &WriteOptions,
        results: &mut [Option<ItemResult>],
    ) {
        if run.is_empty() {
            return;
        }
        let items = std::mem::take(run);
        let ops: Vec<WriteOp> = items
            .iter()
            .map(|r| match &r.item.kind {
                WriteItemKind::Index { create, source } => WriteOp::Index {
                    id: r.item.id.clone(),
                    source: source.clone(),
                    create: *create,
                    condition: r.item.versioning.condition(),
                },
                _ => WriteOp::Delete {
                    id: r.item.id.clone().unwrap_or_default(),
                    condition: r.item.versioning.condition(),
                },
            })
            .collect();
        let outcomes = match self.backend.write(index, ops, options) {
            Ok(outcomes) => outcomes,
            Err(e) => items.iter().map(|_| Err(e.clone())).collect(),
        };
        for (r, outcome) in items.into_iter().zip(outcomes) {
            let action = r.item.action();
            results[r.position] = Some(ItemResult {
                index: index.to_string(),
                id: outcome.as_ref().ok().map(|o| o.id.clone()).or(r.item.id),
                action,
                outcome,
                updated_source: None,
            });
        }
    }

    /// One update: read, merge, write back if the document did not change meanwhile.
    fn update(&self, index: &str, item: WriteItem, options: &WriteOptions) -> ItemResult {
        let action = item.action();
        let id = item.id.clone().unwrap_or_default();
        let WriteItemKind::Update(body) = &item.kind else {
            return ItemResult {
                index: index.to_string(),
                id: item.id,
                action,
                outcome: Err(StoreError::IllegalArgument("not an update".into())),
                updated_source: None,
            };
        };
        let mut attempts = 0;
        loop {
            let (outcome, source) = self.update_once(index, &id, body, &item.versioning, options);
            let conflicted = matches!(outcome, Err(StoreError::VersionConflict { .. }));
            // A conflict the caller asked for (`if_seq_no`) is final; one caused by a
            // concurrent write is retried `retry_on_conflict` times.
            if conflicted
                && item.versioning.if_seq_no.is_none()
                && attempts < item.retry_on_conflict
            {
                attempts += 1;
                continue;
            }
            return ItemResult {
                index: index.to_string(),
                id: Some(id),
                action,
                outcome,
                updated_source: source,
            };
        }
    }

    fn update_once(
        &self,
        index: &str,
        id: &str,
        body: &UpdateBody,
        versioning: &Versioning,
        options: &WriteOptions,
    ) -> (std::result::Result<WriteOutcome, StoreError>, Option<Value>) {
        let current = match self.backend.get(index, id) {
            Ok(doc) => doc,
            Err(e) => return (Err(e), None),
        };
        let (source, create, condition) = match current {
            None => {
                let upsert = if body.doc_as_upsert {
                    body.doc.clone()
                } else {
                    body.upsert.clone()
                };
                let Some(upsert) = upsert else {
                    let uuid = self
                        .backend
                        .index_info(index)
                        .map(|i| i.uuid)
                        .unwrap_or_default();
                    return (
                        Err(StoreError::DocumentMissing {
                            index: index.to_string(),
                            uuid,
                            id: id.to_string(),
                        }),
                        None,
                    );
                };
                (Value::Object(upsert), true, WriteCondition::None)
            }
            Some(doc) => {
                if let (Some(seq_no), Some(term)) =
                    (versioning.if_seq_no, versioning.if_primary_term)
                    && (u64::try_from(seq_no).ok() != Some(doc.seq_no)
                        || u64::try_from(term).ok() != Some(doc.primary_term))
                {
                    let uuid = self
                        .backend
                        .index_info(index)
                        .map(|i| i.uuid)
                        .unwrap_or_default();
                    return (
                        Err(StoreError::VersionConflict {
                            index: index.to_string(),
                            uuid,
                            id: id.to_string(),
                            explanation: format!(
                                "required seqNo [{seq_no}], primary term [{term}]. current document has seqNo [{}] and primary term [{}]",
                                doc.seq_no, doc.primary_term
                            ),
                        }),
                        None,
                    );
                }
                let mut merged = doc.source.clone();
                if let Some(partial) = &body.doc {
                    merge_into(&mut merged, partial);
                }
                if body.detect_noop && merged == doc.source {
                    return (
                        Ok(WriteOutcome {
                            id: id.to_string(),
                            version: doc.version,
                            seq_no: doc.seq_no,
                            primary_term: doc.primary_term,
                            result: WriteResultKind::Noop,
                            forced_refresh: false,
                            mapping_updated: false,
                        }),
                        Some(merged),
                    );
                }
                (
                    merged,
                    false,
                    WriteCondition::SeqNo {
                        seq_no: doc.seq_no,
                        primary_term: doc.primary_term,
                    },
                )
            }
        };
        let bytes = match serde_json::to_vec(&source) {
            Ok(b) => b,
            Err(e) => return (Err(StoreError::Storage(e.to_string())), None),
        };
        let op = WriteOp::Index {
            id: Some(id.to_string()),
            source: bytes,
            create,
            condition,
        };
        let outcome = self
            .backend
            .write(index, vec![op], options)
            .and_then(|mut outcomes| {
                outcomes
                    .pop()
                    .unwrap_or_else(|| Err(StoreError::Storage("a write was not applied".into())))
            })
            .map(|mut o| {
                // An update that created the document reports `created`; one that rewrote it
                // reports `updated`.
                if !create {
                    o.result = WriteResultKind::Updated;
                }
                o
            });
        (outcome, Some(source))
    }
}

/// The concrete index an item writes to, after its authorization and the alias and data
/// stream rules.
fn route(
    space: &IndexSpace,
    metadata: &crate::metadata::Metadata,
    item: &WriteItem,
    guard: &dyn WriteGuard,
) -> Result<String> {
    let name = item.name.as_str();
    let Some(target) = space.get(name) else {
        if item.require_alias {
            return Err(StoreError::IndexNotFound {
                index: name.to_string(),
                extra: format!(
                    " and [require_alias] request flag is [true] and [{name}] is not an alias"
                ),
            });
        }
        return Err(StoreError::index_not_found(name));
    };
    if item.require_alias && target.kind != AbstractionKind::Alias {
        return Err(StoreError::IndexNotFound {
            index: name.to_string(),
            extra: format!(
                " and [require_alias] request flag is [true] and [{name}] is not an alias"
            ),
        });
    }
    if item.require_data_stream && target.kind != AbstractionKind::DataStream {
        return Err(StoreError::IndexNotFound {
            index: name.to_string(),
            extra: format!(
                " and [require_data_stream] request flag is [true] and [{name}] is not a data stream"
            ),
        });
    }
    guard
        .check_item(item.action(), name)
        .map_err(StoreError::Denied)?;
    let kind = match item.action() {
        BulkAction::Create => WriteKind::Create,
        BulkAction::Index => WriteKind::Index,
        BulkAction::Update => WriteKind::Update,
        BulkAction::Delete => WriteKind::Delete,
    };
    metadata.check_data_stream_write(name, kind)?;
    match target.kind {
        AbstractionKind::Index => Ok(name.to_string()),
        AbstractionKind::DataStream => target
            .write_index
            .clone()
            .ok_or_else(|| StoreError::IllegalArgument(format!("data stream [{name}] has no write index"))),
        AbstractionKind::Alias => target.write_index.clone().ok_or_else(|| {
            StoreError::IllegalArgument(format!(
                "no write index is defined for alias [{name}]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index"
            ))
        }),
    }
}

/// `XContentHelper.update`: objects merge key by key, recursively; anything else is replaced.
fn merge_into(target: &mut Value, changes: &Map<String, Value>) {
    let Value::Object(target) = target else {
        *target = Value::Object(changes.clone());
        return;
    };
    for (key, value) in changes {
        match (target.get_mut(key), value) {
            (Some(existing @ Value::Object(_)), Value::Object(inner)) => {
                merge_into(existing, inner)
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}
