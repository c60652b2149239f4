//! The node's document store: the embedded backend opened on `path.data` at start (its lock
//! keeps a second node off the folder), the service the REST layer uses, and the store's
//! totals behind `_nodes/stats` `indices`.

use std::path::Path;
use std::sync::Arc;

use ironstack_store::embedded::EmbeddedStore;
use ironstack_store::engine::EngineOptions;
use ironstack_store::service::{AutoCreateIndex, ServiceSettings, StoreService};

use crate::rest::node_stats::IndicesTotals;

/// The opened store: the service, and the backend for its figures.
pub(crate) struct NodeStore {
    pub(crate) service: Arc<StoreService>,
    pub(crate) backend: Arc<EmbeddedStore>,
}

/// Opens the store in `data` with `action.auto_create_index`.
pub(crate) fn open(data: &Path, auto_create_index: &str) -> Result<NodeStore, String> {
    let backend =
        Arc::new(EmbeddedStore::open(data, EngineOptions::default()).map_err(|e| e.to_string())?);
    let service = StoreService::open(
        data,
        backend.clone(),
        ServiceSettings {
            auto_create_index: AutoCreateIndex::parse(auto_create_index),
            managed_indices: ironstack_security::security_index::INDICES
                .iter()
                .map(|(index, _)| (index.to_string(), "security".to_string()))
                .collect(),
        },
    )
    .map_err(|e| e.to_string())?
    .with_figures(backend.clone());
    Ok(NodeStore {
        service: Arc::new(service),
        backend,
    })
}

/// The sums over every index, as `_nodes/stats` reports them.
pub(crate) fn indices_totals(backend: &EmbeddedStore) -> IndicesTotals {
    let engine = backend.engine();
    let mut t = IndicesTotals {
        // Points in time and scrolls: the readers held open between searches.
        open_contexts: engine.open_contexts() as u64,
        ..IndicesTotals::default()
    };
    for name in engine.indices() {
        let Ok(s) = engine.stats(&name) else {
            continue;
        };
        t.shards += 1;
        t.docs_count += s.docs_count;
        t.docs_deleted += s.docs_deleted;
        t.store_size_bytes += s.store_size_bytes;
        t.index_total += s.index_total;
        t.index_time_millis += s.index_time_ms;
        t.index_failed += s.index_failed;
        t.delete_total += s.delete_total;
        t.delete_time_millis += s.delete_time_ms;
        t.get_exists_total += s.get_exists_total;
        t.get_missing_total += s.get_total.saturating_sub(s.get_exists_total);
        t.get_exists_time_millis += s.get_time_ms;
        t.query_total += s.query_total;
        t.query_time_millis += s.query_time_ms;
        t.fetch_total += s.fetch_total;
        t.fetch_time_millis += s.fetch_time_ms;
        t.refresh_total += s.refresh_total;
        t.refresh_time_millis += s.refresh_time_ms;
        t.segments_count += s.segments_count;
        t.translog_operations += s.translog_operations;
        t.translog_size_bytes += s.translog_size_bytes;
        t.translog_uncommitted_operations += s.translog_uncommitted_operations;
        if let Ok(mapping) = backend.mapping(&name) {
            t.mapped_fields += mapping.total_fields() as u64;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ironstack_store::api::DocumentStore;

    use super::*;

    #[test]
    fn open_points_in_time_count_as_open_search_contexts() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), "true").unwrap();
        store
            .service
            .create_index("logs", &serde_json::json!({}))
            .unwrap();
        assert_eq!(indices_totals(&store.backend).open_contexts, 0);
        let id = store
            .backend
            .open_point_in_time(&["logs".to_string()], Duration::from_secs(60))
            .unwrap();
        let totals = indices_totals(&store.backend);
        assert_eq!(totals.open_contexts, 1);
        assert_eq!(totals.shards, 1);
        assert!(store.backend.close_point_in_time(&id));
        assert_eq!(indices_totals(&store.backend).open_contexts, 0);
    }
}
