//! `GET /_cluster/stats[/nodes/{node_filter}]` and `GET /_cluster/pending_tasks`: the cluster's
//! indices (from the store, every index whatever the caller may see, as Elasticsearch's
//! cluster-level action does) and its one node (the same samples `_nodes/stats` reports, so
//! the memory figures are the process's resident memory in the JVM heap slots), in
//! Elasticsearch 9's shape, for Metricbeat's `cluster_stats` metricset and Kibana.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use serde_json::{Map, Value, json};

use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::handlers::{NODE_ROLES, node_heap_max, parse_time_value, selects_this_node};
use super::params::PathParams;
use super::response::{ApiError, EsJson};
use super::stats::{IndexFigures, ShardCounts, gather};
use crate::state::AppState;

/// Each field type a mapping uses: how many fields have it and in how many indices.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct FieldTypeCount {
    pub(crate) count: u64,
    pub(crate) index_count: u64,
}

/// Counts the field types of one index's mapping (`MappingStats`): every field under
/// `properties`, objects without a `type` as `object`, and multi-fields.
pub(crate) fn count_field_types(mapping: &Value, into: &mut BTreeMap<String, u64>) {
    fn walk(properties: &Map<String, Value>, into: &mut BTreeMap<String, u64>) {
        for field in properties.values() {
            let Some(field) = field.as_object() else {
                continue;
            };
            let kind = field
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("object");
            *into.entry(kind.to_string()).or_default() += 1;
            if let Some(Value::Object(children)) = field.get("properties") {
                walk(children, into);
            }
            if let Some(Value::Object(multi)) = field.get("fields") {
                walk(multi, into);
            }
        }
    }
    if let Some(Value::Object(properties)) = mapping.get("properties") {
        walk(properties, into);
    }
}

/// `_cluster/stats`'s `indices.mappings` over `mappings` (one per index).
fn mappings_section(mappings: &[Value], total_fields: u64) -> Value {
    let mut types: BTreeMap<String, FieldTypeCount> = BTreeMap::new();
    let mut distinct: BTreeSet<String> = BTreeSet::new();
    let mut deduplicated_fields = 0u64;
    for mapping in mappings {
        let source = mapping.to_string();
        let mut counts = BTreeMap::new();
        count_field_types(mapping, &mut counts);
        if distinct.insert(source) {
            deduplicated_fields += counts.values().sum::<u64>();
        }
        for (kind, n) in counts {
            let entry = types.entry(kind).or_default();
            entry.count += n;
            entry.index_count += 1;
        }
    }
    let field_types: Vec<Value> = types
        .into_iter()
        .map(|(name, c)| {
            json!({"name": name, "count": c.count, "index_count": c.index_count, "script_count": 0})
        })
        .collect();
    json!({
        "total_field_count": total_fields,
        "total_deduplicated_field_count": deduplicated_fields,
        "total_deduplicated_mapping_size_in_bytes": distinct.iter().map(|s| s.len() as u64).sum::<u64>(),
        "field_types": field_types,
        "runtime_field_types": [],
    })
}

/// `min`, `max` and `avg` of per-index figures (Elasticsearch's `ShardStats` `index` block).
fn spread(values: &[u64]) -> Value {
    let min = values.iter().copied().min().unwrap_or(0);
    let max = values.iter().copied().max().unwrap_or(0);
    let avg = if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<u64>() as f64 / values.len() as f64
    };
    json!({"min": min, "max": max, "avg": avg})
}

/// `_cluster/stats`'s `indices`: the open indices' figures.
fn indices_section(figures: &[IndexFigures], mappings: &[Value]) -> Value {
    let open: Vec<&IndexFigures> = figures.iter().filter(|f| !f.index.closed).collect();
    let totals: Vec<_> = open.iter().map(|f| f.totals()).collect();
    let sum = |f: fn(&super::node_stats::IndicesTotals) -> u64| totals.iter().map(f).sum::<u64>();
    let count = open.len() as u64;
    // One primary per index, always assigned; replicas are never assigned on one node, and
    // the cluster's shard figures count assigned copies only.
    let shards = count;
    let store = sum(|t| t.store_size_bytes);
    let per_index = vec![1u64; open.len()];
    let replication = vec![0u64; open.len()];
    json!({
        "count": count,
        "shards": {
            "total": shards,
            "primaries": shards,
            "replication": 0.0,
            "index": {
                "shards": spread(&per_index),
                "primaries": spread(&per_index),
                "replication": spread(&replication),
            }
        },
        "docs": {
            "count": sum(|t| t.docs_count),
            "deleted": sum(|t| t.docs_deleted),
            "total_size_in_bytes": sum(|t| t.docs_size_bytes),
        },
        "store": {
            "size_in_bytes": store,
            "total_data_set_size_in_bytes": store,
            "reserved_in_bytes": 0,
        },
        "fielddata": {"memory_size_in_bytes": 0, "evictions": 0, "global_ordinals": {"build_time_in_millis": 0}},
        "query_cache": {
            "memory_size_in_bytes": 0, "total_count": 0, "hit_count": 0, "miss_count": 0,
            "cache_size": 0, "cache_count": 0, "evictions": 0
        },
        "completion": {"size_in_bytes": 0},
        "segments": {
            "count": sum(|t| t.segments_count),
            "memory_in_bytes": 0,
            "terms_memory_in_bytes": 0,
            "stored_fields_memory_in_bytes": 0,
            "term_vectors_memory_in_bytes": 0,
            "norms_memory_in_bytes": 0,
            "points_memory_in_bytes": 0,
            "doc_values_memory_in_bytes": 0,
            "index_writer_memory_in_bytes": 0,
            "version_map_memory_in_bytes": 0,
            "fixed_bit_set_memory_in_bytes": 0,
            "max_unsafe_auto_id_timestamp": -1,
            "file_sizes": {}
        },
        "mappings": mappings_section(mappings, sum(|t| t.mapped_fields)),
        "analysis": {
            "char_filter_types": [], "tokenizer_types": [], "filter_types": [], "analyzer_types": [],
            "built_in_char_filters": [], "built_in_tokenizers": [], "built_in_filters": [],
            "built_in_analyzers": [], "synonyms": {}
        },
        "versions": if count == 0 { json!([]) } else {
            json!([{
                "version": ironstack_types::info::ES_VERSION,
                "index_count": count,
                "primary_shard_count": shards,
                "total_primary_bytes": store,
            }])
        },
        "search": {"total": 0, "queries": {}, "rescorers": {}, "sections": {}, "retrievers": {}},
        "dense_vector": {"value_count": 0},
        "sparse_vector": {"value_count": 0},
    })
}

/// `_cluster/stats`'s `nodes`: this node, from the process and machine samples.
fn nodes_section(state: &AppState) -> Value {
    let (process, os, fs) = {
        let mut probe = state.probe.lock().unwrap_or_else(|p| p.into_inner());
        let fs = state.data_path.as_ref().map(|p| probe.fs(p));
        (probe.process(), probe.os(), fs)
    };
    let heap_max = node_heap_max(&os);
    let space = fs.and_then(|f| f.space).unwrap_or_default();
    let processors = std::thread::available_parallelism().map_or(1, |n| n.get());
    let has = |role: &str| u32::from(NODE_ROLES.contains(&role));
    let used = os.mem_total.saturating_sub(os.mem_free);
    let percent = |part: u64| (part * 100).checked_div(os.mem_total).unwrap_or(0);
    let mut count = Map::new();
    count.insert("total".into(), json!(1));
    for role in [
        "coordinating_only",
        "data",
        "data_cold",
        "data_content",
        "data_frozen",
        "data_hot",
        "data_warm",
        "index",
        "ingest",
        "master",
        "ml",
        "remote_cluster_client",
        "search",
        "transform",
        "voting_only",
    ] {
        count.insert(role.into(), json!(has(role)));
    }
    json!({
        "count": count,
        "versions": [ironstack_types::info::ES_VERSION],
        "os": {
            "available_processors": processors,
            "allocated_processors": processors,
            "names": [{"name": "Linux", "count": 1}],
            "pretty_names": [{"pretty_name": "Linux", "count": 1}],
            "architectures": [{"arch": std::env::consts::ARCH, "count": 1}],
            "mem": {
                "total_in_bytes": os.mem_total,
                "adjusted_total_in_bytes": os.mem_total,
                "free_in_bytes": os.mem_free,
                "used_in_bytes": used,
                "free_percent": percent(os.mem_free),
                "used_percent": percent(used),
            }
        },
        "process": {
            "cpu": {"percent": process.cpu_percent},
            "open_file_descriptors": {"min": process.open_fds, "max": process.open_fds, "avg": process.open_fds}
        },
        "jvm": {
            "max_uptime_in_millis": state.started.elapsed().as_millis() as u64,
            // There is no JVM: no version to list.
            "versions": [],
            "mem": {"heap_used_in_bytes": process.resident_bytes, "heap_max_in_bytes": heap_max},
            "threads": process.threads,
        },
        "fs": {
            "total_in_bytes": space.total,
            "free_in_bytes": space.free,
            "available_in_bytes": space.available,
        },
        "plugins": [],
        // There is no transport layer; HTTP is served by hyper.
        "network_types": {"transport_types": {}, "http_types": {"hyper": 1}},
        "discovery_types": {"single-node": 1},
        "packaging_types": [{"flavor": "default", "type": "tar", "count": 1}],
        "ingest": {"number_of_pipelines": 0, "processor_stats": {}},
        "indexing_pressure": {"memory": {
            "current": {
                "combined_coordinating_and_primary_in_bytes": 0, "coordinating_in_bytes": 0,
                "primary_in_bytes": 0, "replica_in_bytes": 0, "all_in_bytes": 0
            },
            "total": {
                "combined_coordinating_and_primary_in_bytes": 0, "coordinating_in_bytes": 0,
                "primary_in_bytes": 0, "replica_in_bytes": 0, "all_in_bytes": 0,
                "coordinating_rejections": 0, "primary_rejections": 0, "replica_rejections": 0,
                "primary_document_rejections": 0, "large_operation_rejections": 0
            },
            "limit_in_bytes": (heap_max as f64 * 0.1) as u64
        }}
    })
}

/// `GET /_cluster/stats[/nodes/{node_filter}]`.
pub(crate) async fn cluster_stats(
    State(state): State<Arc<AppState>>,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    if let Some(timeout) = params.param("timeout") {
        parse_time_value("timeout", timeout)?;
    }
    params.boolean("include_remotes")?;
    let selected = path
        .get("node_filter")
        .is_none_or(|f| selects_this_node(&state, f));
    let store = documents(&state)?.clone();
    let (figures, mappings) = blocking(move || {
        let names: Vec<String> = store.concrete().iter().map(|c| c.name.clone()).collect();
        let figures = gather(&store, &names);
        let mappings: Vec<Value> = figures
            .iter()
            .filter(|f| !f.index.closed)
            .map(|f| {
                store
                    .backend()
                    .index_info(&f.index.name)
                    .map_or(json!({}), |i| i.mappings)
            })
            .collect();
        (figures, mappings)
    })
    .await?;
    let open: Vec<_> = figures
        .iter()
        .filter(|f| !f.index.closed)
        .map(|f| f.index.clone())
        .collect();
    let status = ShardCounts::of(open.iter()).status;
    let n = u32::from(selected);
    let mut body = Map::new();
    body.insert(
        "_nodes".into(),
        json!({"total": n, "successful": n, "failed": 0}),
    );
    body.insert("cluster_name".into(), json!(state.identity.cluster_name));
    body.insert("cluster_uuid".into(), json!(state.identity.cluster_uuid));
    body.insert(
        "timestamp".into(),
        json!(ironstack_types::date::now_millis()),
    );
    body.insert("status".into(), json!(status.as_str()));
    if selected {
        body.insert("indices".into(), indices_section(&figures, &mappings));
        body.insert("nodes".into(), nodes_section(&state));
    } else {
        body.insert("indices".into(), indices_section(&[], &[]));
        body.insert("nodes".into(), json!({"count": {"total": 0}}));
    }
    // No snapshot repository, no remote cluster.
    body.insert(
        "snapshots".into(),
        json!({"current_counts": {"snapshots": 0, "shard_snapshots": 0, "snapshot_deletions": 0, "concurrent_operations": 0, "cleanups": 0}, "repositories": {}}),
    );
    body.insert("repositories".into(), json!({}));
    let took = json!({"max": 0, "avg": 0, "p90": 0});
    body.insert(
        "ccs".into(),
        json!({"_search": {
            "total": 0, "success": 0, "skipped": 0, "took": took, "took_mrt_true": took,
            "took_mrt_false": took, "remote_clusters": 0, "failure_reasons": {}, "features": {},
            "clients": {}, "clusters": {}
        }}),
    );
    Ok(EsJson::ok(Value::Object(body)))
}

/// `GET /_cluster/pending_tasks`: this node applies every change as it is made, so nothing
/// ever waits.
pub(crate) async fn pending_tasks(
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    for name in ["master_timeout"] {
        if let Some(t) = params.param(name) {
            parse_time_value(name, t)?;
        }
    }
    params.boolean("local")?;
    Ok(EsJson::ok(json!({"tasks": []})))
}

#[cfg(test)]
#[path = "cluster_stats_tests.rs"]
mod tests;
