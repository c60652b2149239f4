use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::api::{Refresh, WriteCondition, WriteOp, WriteOptions};
use crate::embedded::EmbeddedStore;
use crate::engine::EngineOptions;
use crate::service::ServiceSettings;

fn backend(dir: &std::path::Path) -> Arc<EmbeddedStore> {
    Arc::new(
        EmbeddedStore::open(
            &dir.join("engine"),
            EngineOptions {
                writer_memory_bytes: 15 << 20,
                ..EngineOptions::default()
            },
        )
        .unwrap(),
    )
}

fn index_docs(service: &StoreService, index: &str, ids: &[&str]) {
    let ops = ids
        .iter()
        .map(|id| WriteOp::Index {
            id: Some(id.to_string()),
            source: format!(r#"{{"n":1,"tag":"{id}"}}"#).into_bytes(),
            create: false,
            condition: WriteCondition::None,
        })
        .collect();
    let results = service
        .backend()
        .write(
            index,
            ops,
            &WriteOptions {
                refresh: Refresh::Immediate,
                ..WriteOptions::default()
            },
        )
        .unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
}

#[test]
fn a_figures_source_gives_counters_segments_and_mapped_fields() {
    let dir = tempfile::tempdir().unwrap();
    let backend = backend(dir.path());
    let service = StoreService::open(dir.path(), backend.clone(), ServiceSettings::default())
        .unwrap()
        .with_figures(backend);
    service.create_index("figs", &json!({})).unwrap();
    index_docs(&service, "figs", &["1", "2"]);
    index_docs(&service, "figs", &["3"]);

    let stats = service.index_stats("figs").unwrap();
    assert_eq!(stats.docs_count, 3);
    assert_eq!(stats.index_total, 3);
    assert!(stats.refresh_total >= 2, "{stats:?}");
    assert!(stats.store_size_bytes > 0);

    // Two refreshes wrote two segments (unless a merge already joined them).
    let segments = service.index_segments("figs").unwrap();
    assert!(!segments.is_empty());
    assert_eq!(segments.iter().map(|s| s.docs_count).sum::<u64>(), 3);
    assert!(
        segments
            .iter()
            .all(|s| s.size_bytes > 0 && s.id.len() == 32)
    );
    assert_eq!(segments.len() as u64, stats.segments_count);

    // `n` (long), `tag` (text) and its `keyword` multi-field.
    assert_eq!(service.mapped_fields("figs").unwrap(), 3);

    let missing = service.index_stats("nope").unwrap_err();
    assert_eq!(missing.to_exception().status, 404);
}

#[test]
fn without_a_source_the_backend_info_is_all_there_is() {
    let dir = tempfile::tempdir().unwrap();
    let service =
        StoreService::open(dir.path(), backend(dir.path()), ServiceSettings::default()).unwrap();
    service.create_index("plain", &json!({})).unwrap();
    index_docs(&service, "plain", &["1", "2"]);
    let stats = service.index_stats("plain").unwrap();
    assert_eq!(stats.docs_count, 2);
    assert!(stats.store_size_bytes > 0);
    assert_eq!(stats.index_total, 0);
    assert_eq!(stats.max_seq_no, -1);
    assert!(service.index_segments("plain").unwrap().is_empty());
    assert_eq!(service.mapped_fields("plain").unwrap(), 0);
    assert!(service.index_segments("nope").is_err());
}
