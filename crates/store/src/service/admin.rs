//! Index administration beyond creating and deleting: opening and closing indices
//! (`MetadataIndexStateService`), refreshing them, lazy rollover (`?lazy=true`, performed by
//! the next write), the per-backing-index figures `_data_stream/_stats` shows, ILM's
//! operation mode, and ILM's execution: each poll runs every managed index's lifecycle
//! ([`Metadata::ilm_step`]) and performs what it asks (rollover, delete, settings).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{StoreService, replace};
use crate::api::AllFields;
use crate::metadata::rollover::rollover_response;
use crate::metadata::{
    BackingIndexStats, IlmAction, IlmFacts, IlmMode, RolloverPlan, RolloverRequest, persist,
};
use crate::query::parse_search_request;
use crate::{Result, StoreError};

/// What one ILM poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IlmRun {
    /// `(target, old index)` of each rollover performed.
    pub rolled_over: Vec<(String, String)>,
    /// Indices deleted by a delete phase.
    pub deleted: Vec<String>,
    /// Actions that failed, each described (the next poll tries again).
    pub failures: Vec<String>,
}

fn now() -> i64 {
    ironstack_types::date::now_millis()
}

impl StoreService {
    /// `POST /<indices>/_open` on concrete indices.
    pub fn open_indices(&self, names: &[String]) -> Result<()> {
        let outcome = names
            .iter()
            .try_for_each(|name| self.backend.open_index(name));
        self.reload_concrete();
        outcome
    }

    /// `POST /<indices>/_close` on concrete indices: the ones this call closed (an index
    /// already closed is left out). A data stream's write index is refused, as
    /// `MetadataIndexStateService` refuses it.
    pub fn close_indices(&self, names: &[String]) -> Result<Vec<String>> {
        self.check_not_managed(names)?;
        let metadata = self.metadata();
        let writes: Vec<&str> = names
            .iter()
            .filter(|name| {
                metadata.data_stream_names().iter().any(|ds| {
                    metadata
                        .data_stream(ds)
                        .and_then(|d| d.write_index())
                        .is_some_and(|w| w == name.as_str())
                })
            })
            .map(String::as_str)
            .collect();
        if !writes.is_empty() {
            return Err(StoreError::IllegalArgument(format!(
                "cannot close the following data stream write indices [{}]",
                writes.join(",")
            )));
        }
        let concrete = self.concrete();
        let mut closed = Vec::new();
        let mut outcome = Ok(());
        for name in names {
            let already = concrete.iter().any(|c| &c.name == name && c.closed);
            if already {
                continue;
            }
            if let Err(e) = self.backend.close_index(name) {
                outcome = Err(e);
                break;
            }
            closed.push(name.clone());
        }
        self.reload_concrete();
        outcome.map(|()| closed)
    }

    /// `POST [/<indices>]/_refresh` on concrete indices.
    pub fn refresh_indices(&self, names: &[String]) -> Result<()> {
        names.iter().try_for_each(|name| self.backend.refresh(name))
    }

    /// `POST /<data stream>/_rollover?lazy`: marks the stream so that its next write rolls it
    /// over first (`MetadataRolloverService.markForLazyRollover`), or with `dry_run` only says
    /// which indices that would be.
    pub fn rollover_lazy(&self, target: &str, body: &Value, dry_run: bool) -> Result<Value> {
        let request = RolloverRequest::parse(body)?;
        let metadata = self.metadata();
        let is_data_stream = metadata.data_stream(target).is_some();
        let has_conditions = !request.conditions.is_empty();
        if !is_data_stream || has_conditions {
            let message = if is_data_stream {
                "Lazy rollover can be used only without any conditions. Please remove the conditions from the request body or the query parameter 'lazy'."
            } else if !has_conditions {
                "Lazy rollover can be applied only on a data stream. Please remove the query parameter 'lazy'."
            } else {
                "Lazy rollover can be applied only on a data stream with no conditions. Please remove the query parameter 'lazy'."
            };
            return Err(StoreError::IllegalArgument(message.into()));
        }
        let checks = self.checks;
        self.change(|metadata, concrete| {
            let plan: RolloverPlan =
                metadata.plan_rollover(target, None, None, &request, concrete, &checks, now())?;
            let mut response =
                rollover_response(&plan.old_index, &plan.new_index, &[], false, dry_run, true);
            if !dry_run {
                metadata.mark_lazy_rollover(target)?;
                response["acknowledged"] = json!(true);
            }
            Ok(response)
        })
    }

    /// Rolls over the data streams among `names` that a lazy rollover marked, before a write
    /// goes to them. Each stream rolls once: a stream rolled meanwhile is no longer marked.
    pub(crate) fn roll_over_marked(
        &self,
        names: &BTreeSet<String>,
    ) -> BTreeMap<String, StoreError> {
        let mut failed = BTreeMap::new();
        for name in names {
            let marked = self
                .metadata()
                .data_stream(name)
                .is_some_and(|ds| ds.rollover_on_write);
            if !marked {
                continue;
            }
            if let Err(e) = self.rollover_checked(name, true) {
                failed.insert(name.clone(), e);
            }
        }
        failed
    }

    /// An unconditional rollover of `target`; with `only_if_marked`, only while a lazy
    /// rollover is still pending (decided under the metadata lock, so two writes racing
    /// roll the stream once).
    fn rollover_checked(&self, target: &str, only_if_marked: bool) -> Result<()> {
        let request = RolloverRequest::default();
        let backend = self.backend.clone();
        let checks = self.checks;
        self.change(|metadata, concrete| {
            if only_if_marked
                && !metadata
                    .data_stream(target)
                    .is_some_and(|ds| ds.rollover_on_write)
            {
                return Ok(());
            }
            let at = now();
            let plan =
                metadata.plan_rollover(target, None, None, &request, concrete, &checks, at)?;
            backend.create_index(plan.composed.to_create_index())?;
            if let Err(e) = metadata.commit_rollover(&plan, concrete, &checks, at) {
                let _ = backend.delete_index(&plan.new_index);
                return Err(e);
            }
            Ok(())
        })
    }

    /// Per backing index of every data stream: store size, shard copies and the greatest
    /// `@timestamp` (read with a one-hit search sorted on it, so any backend can answer).
    pub fn backing_index_stats(&self) -> BTreeMap<String, BackingIndexStats> {
        let metadata = self.metadata();
        let request = parse_search_request(
            Some(&json!({
                "size": 1,
                "_source": false,
                "track_total_hits": false,
                "sort": [{"@timestamp": {"order": "desc", "unmapped_type": "date"}}],
            })),
            &[],
        );
        let mut out = BTreeMap::new();
        for name in metadata.data_stream_names() {
            let Some(ds) = metadata.data_stream(&name) else {
                continue;
            };
            for index in &ds.indices {
                let Ok(info) = self.backend.index_info(index) else {
                    continue;
                };
                let max_timestamp = match (&request, info.open) {
                    (Ok(request), true) => self
                        .backend
                        .search(std::slice::from_ref(index), request, &AllFields)
                        .ok()
                        .and_then(|r| r.hits.into_iter().next())
                        .and_then(|hit| hit.sort)
                        .and_then(|sort| sort.first().and_then(Value::as_i64)),
                    _ => None,
                };
                out.insert(
                    index.clone(),
                    BackingIndexStats {
                        store_size_bytes: info.store_size_bytes,
                        max_timestamp,
                        // The primary; replicas are never assigned on one node.
                        shards: 1,
                    },
                );
            }
        }
        out
    }

    /// `POST _ilm/start` / `_ilm/stop`.
    pub fn set_ilm_mode(&self, mode: IlmMode) -> Result<()> {
        self.change(|metadata, _| {
            metadata.set_ilm_mode(mode);
            Ok(())
        })
    }

    /// One ILM poll at `now`: every managed index's lifecycle moves as far as it can (the
    /// states are saved only when one changed), then the rollovers, deletions and settings
    /// the lifecycles asked for are performed. A failed action is reported and asked for
    /// again by the next poll.
    pub fn run_ilm(&self, now: i64) -> IlmRun {
        let mut run = IlmRun::default();
        let mut wanted: Vec<(String, IlmAction)> = Vec::new();
        {
            let _turn = self.changes.lock().unwrap_or_else(|p| p.into_inner());
            let current = self.metadata();
            let mut next = (*current).clone();
            for index in self.concrete().iter() {
                if index.closed
                    || (index.lifecycle_name.is_none()
                        && next.lifecycle_state(&index.name).is_none())
                {
                    continue;
                }
                let Ok(info) = self.backend.index_info(&index.name) else {
                    continue;
                };
                let facts = IlmFacts {
                    docs: info.docs_count,
                    primary_size_bytes: info.store_size_bytes,
                };
                for action in next.ilm_step(index, &facts, now) {
                    wanted.push((index.name.clone(), action));
                }
            }
            if next != *current {
                if let Err(e) = persist::save(&self.dir, &next) {
                    run.failures
                        .push(format!("cannot save the lifecycle states: {e}"));
                    return run;
                }
                replace(&self.metadata, Arc::new(next));
            }
        }
        let mut rolled: BTreeSet<String> = BTreeSet::new();
        for (index, action) in wanted {
            let outcome = match &action {
                IlmAction::Rollover { target } => {
                    // One rollover per target and poll, whichever of its indices asked.
                    if !rolled.insert(target.clone()) {
                        continue;
                    }
                    self.rollover_checked(target, false)
                        .map(|()| run.rolled_over.push((target.clone(), index.clone())))
                }
                IlmAction::Delete => self
                    .delete_indices(std::slice::from_ref(&index))
                    .map(|()| run.deleted.push(index.clone())),
                IlmAction::SetPriority(priority) => {
                    let mut settings = Map::new();
                    settings.insert("index.priority".into(), json!(priority));
                    self.put_settings(std::slice::from_ref(&index), &settings)
                }
                IlmAction::ReadOnly => {
                    let mut settings = Map::new();
                    settings.insert("index.blocks.write".into(), json!("true"));
                    self.put_settings(std::slice::from_ref(&index), &settings)
                }
                // The engine merges segments on its own; there is no forced merge to run.
                IlmAction::ForceMerge { .. } => Ok(()),
            };
            if let Err(e) = outcome {
                run.failures
                    .push(format!("index [{index}]: {action:?} failed: {e}"));
            }
        }
        run
    }
}
