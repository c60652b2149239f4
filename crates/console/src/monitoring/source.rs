//! Reading monitoring documents: every figure has a Metricbeat 8 (ECS) path and the legacy
//! path of internal collection; the first one present wins, so both formats show the same.

use serde_json::Value;

/// The value at a dotted path of nested objects (`Null` when absent).
pub(crate) fn at<'a>(doc: &'a Value, path: &str) -> &'a Value {
    let mut v = doc;
    for part in path.split('.') {
        v = &v[part];
    }
    v
}

/// The first number among the paths.
pub(crate) fn num(doc: &Value, paths: &[&str]) -> Option<f64> {
    paths.iter().find_map(|p| at(doc, p).as_f64())
}

/// The first string among the paths.
pub(crate) fn text(doc: &Value, paths: &[&str]) -> Option<String> {
    paths
        .iter()
        .find_map(|p| at(doc, p).as_str().map(str::to_string))
}

/// The first non-null value among the paths.
pub(crate) fn value<'a>(doc: &'a Value, paths: &[&str]) -> Option<&'a Value> {
    paths.iter().map(|p| at(doc, p)).find(|v| !v.is_null())
}

/// A document's time in epoch ms (`@timestamp` or the legacy `timestamp`).
pub(crate) fn timestamp_ms(doc: &Value) -> Option<i64> {
    let t = value(doc, &["@timestamp", "timestamp"])?;
    if let Some(ms) = t.as_i64() {
        return Some(ms);
    }
    let parser = ironstack_types::date::DateMathParser::default();
    let now = ironstack_types::date::timestamp_from_millis(0).ok()?;
    parser
        .parse(t.as_str()?, now, false)
        .ok()
        .map(ironstack_types::date::to_epoch_millis)
}

/// What the cluster overview shows, from the newest `cluster_stats` document.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ClusterSummary {
    pub(crate) cluster_uuid: String,
    pub(crate) cluster_name: String,
    pub(crate) status: String,
    pub(crate) versions: Vec<String>,
    pub(crate) uptime_ms: Option<f64>,
    pub(crate) nodes: Option<f64>,
    pub(crate) indices: Option<f64>,
    pub(crate) documents: Option<f64>,
    pub(crate) data_bytes: Option<f64>,
    pub(crate) disk_available: Option<f64>,
    pub(crate) disk_total: Option<f64>,
    pub(crate) heap_used: Option<f64>,
    pub(crate) heap_max: Option<f64>,
    pub(crate) shards_total: Option<f64>,
    pub(crate) shards_primaries: Option<f64>,
    pub(crate) license_type: Option<String>,
    pub(crate) license_status: Option<String>,
    pub(crate) license_expiry_ms: Option<f64>,
    pub(crate) state_uuid: Option<String>,
    /// Node ids in the cluster state (a node is Online when it is in it).
    pub(crate) state_nodes: Vec<String>,
    pub(crate) timestamp_ms: Option<i64>,
}

impl ClusterSummary {
    pub(crate) fn from_source(doc: &Value) -> Self {
        const E: &str = "elasticsearch.cluster.stats";
        let p = |suffix: &str| format!("{E}.{suffix}");
        let versions = value(doc, &[&p("nodes.versions"), "cluster_stats.nodes.versions"])
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let state_nodes = value(doc, &[&p("state.nodes"), "cluster_state.nodes"])
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        ClusterSummary {
            cluster_uuid: text(doc, &["elasticsearch.cluster.id", "cluster_uuid"])
                .unwrap_or_default(),
            cluster_name: text(
                doc,
                &[
                    "cluster_settings.cluster.metadata.display_name",
                    "elasticsearch.cluster.name",
                    "cluster_name",
                ],
            )
            .unwrap_or_default(),
            status: text(doc, &[&p("status"), "cluster_state.status"]).unwrap_or_default(),
            versions,
            uptime_ms: num(
                doc,
                &[
                    &p("nodes.jvm.max_uptime.ms"),
                    "cluster_stats.nodes.jvm.max_uptime_in_millis",
                ],
            ),
            nodes: num(doc, &[&p("nodes.count"), "cluster_stats.nodes.count.total"]),
            indices: num(doc, &[&p("indices.total"), "cluster_stats.indices.count"]),
            documents: num(
                doc,
                &[&p("indices.docs.total"), "cluster_stats.indices.docs.count"],
            ),
            data_bytes: num(
                doc,
                &[
                    &p("indices.store.size.bytes"),
                    "cluster_stats.indices.store.size_in_bytes",
                ],
            ),
            disk_available: num(
                doc,
                &[
                    &p("nodes.fs.available.bytes"),
                    "cluster_stats.nodes.fs.available_in_bytes",
                ],
            ),
            disk_total: num(
                doc,
                &[
                    &p("nodes.fs.total.bytes"),
                    "cluster_stats.nodes.fs.total_in_bytes",
                ],
            ),
            heap_used: num(
                doc,
                &[
                    &p("nodes.jvm.memory.heap.used.bytes"),
                    "cluster_stats.nodes.jvm.mem.heap_used_in_bytes",
                ],
            ),
            heap_max: num(
                doc,
                &[
                    &p("nodes.jvm.memory.heap.max.bytes"),
                    "cluster_stats.nodes.jvm.mem.heap_max_in_bytes",
                ],
            ),
            shards_total: num(
                doc,
                &[
                    &p("indices.shards.count"),
                    "cluster_stats.indices.shards.total",
                ],
            ),
            shards_primaries: num(
                doc,
                &[
                    &p("indices.shards.primaries"),
                    "cluster_stats.indices.shards.primaries",
                ],
            ),
            license_type: text(doc, &[&p("license.type"), "license.type"]),
            license_status: text(doc, &[&p("license.status"), "license.status"]),
            license_expiry_ms: num(
                doc,
                &[
                    &p("license.expiry_date_in_millis"),
                    "license.expiry_date_in_millis",
                ],
            ),
            state_uuid: text(doc, &[&p("state.state_uuid"), "cluster_state.state_uuid"]),
            state_nodes,
            timestamp_ms: timestamp_ms(doc),
        }
    }
}

/// A node row (the newest `node_stats` document of the node).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct NodeRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) transport_address: String,
    pub(crate) master: bool,
    pub(crate) cpu: Option<f64>,
    pub(crate) load_1m: Option<f64>,
    pub(crate) heap_percent: Option<f64>,
    pub(crate) disk_free: Option<f64>,
    pub(crate) disk_total: Option<f64>,
    pub(crate) documents: Option<f64>,
    pub(crate) data_bytes: Option<f64>,
    pub(crate) timestamp_ms: Option<i64>,
}

impl NodeRow {
    pub(crate) fn from_source(doc: &Value) -> Self {
        const E: &str = "elasticsearch.node";
        let p = |suffix: &str| format!("{E}.{suffix}");
        NodeRow {
            id: text(doc, &[&p("id"), "source_node.uuid", "node_stats.node_id"])
                .unwrap_or_default(),
            name: text(doc, &[&p("name"), "source_node.name"]).unwrap_or_default(),
            transport_address: text(
                doc,
                &[
                    &p("transport_address"),
                    "source_node.transport_address",
                    "service.address",
                ],
            )
            .unwrap_or_default(),
            master: value(doc, &[&p("master"), "node_stats.node_master"])
                .and_then(Value::as_bool)
                .unwrap_or(false),
            cpu: num(
                doc,
                &[
                    &p("stats.process.cpu.pct"),
                    "node_stats.process.cpu.percent",
                ],
            ),
            load_1m: num(
                doc,
                &[
                    &p("stats.os.cpu.load_avg.1m"),
                    "node_stats.os.cpu.load_average.1m",
                ],
            ),
            heap_percent: num(
                doc,
                &[
                    &p("stats.jvm.mem.heap.used.pct"),
                    "node_stats.jvm.mem.heap_used_percent",
                ],
            ),
            disk_free: num(
                doc,
                &[
                    &p("stats.fs.summary.available.bytes"),
                    "node_stats.fs.total.available_in_bytes",
                ],
            ),
            disk_total: num(
                doc,
                &[
                    &p("stats.fs.summary.total.bytes"),
                    "node_stats.fs.total.total_in_bytes",
                ],
            ),
            documents: num(
                doc,
                &[
                    &p("stats.indices.docs.count"),
                    "node_stats.indices.docs.count",
                ],
            ),
            data_bytes: num(
                doc,
                &[
                    &p("stats.indices.store.size.bytes"),
                    "node_stats.indices.store.size_in_bytes",
                ],
            ),
            timestamp_ms: timestamp_ms(doc),
        }
    }
}

/// The counters and sizes of an index document (`index_stats`).
pub(crate) struct IndexPaths;

impl IndexPaths {
    pub(crate) const NAME: &'static [&'static str] =
        &["elasticsearch.index.name", "index_stats.index"];
    pub(crate) const DOCS: &'static [&'static str] = &[
        "elasticsearch.index.primaries.docs.count",
        "index_stats.primaries.docs.count",
    ];
    pub(crate) const DATA: &'static [&'static str] = &[
        "elasticsearch.index.total.store.size_in_bytes",
        "index_stats.total.store.size_in_bytes",
    ];
    pub(crate) const INDEX_TOTAL: &'static [&'static str] = &[
        "elasticsearch.index.primaries.indexing.index_total",
        "index_stats.primaries.indexing.index_total",
    ];
    pub(crate) const QUERY_TOTAL: &'static [&'static str] = &[
        "elasticsearch.index.total.search.query_total",
        "index_stats.total.search.query_total",
    ];
    pub(crate) const STATUS: &'static [&'static str] =
        &["elasticsearch.index.status", "index_stats.status"];
}

/// The paths of a Beat's figures: internal collection (`beats_stats.*`) and Metricbeat
/// collection (`beat.stats.*`).
pub(crate) fn beat_paths(legacy_suffix: &str) -> [String; 2] {
    let ecs = legacy_suffix
        .strip_prefix("metrics.beat.")
        .or_else(|| legacy_suffix.strip_prefix("metrics."))
        .unwrap_or(legacy_suffix);
    let ecs = ecs.replace("memstats.memory_alloc", "memstats.memory.alloc");
    [
        format!("beats_stats.{legacy_suffix}"),
        format!("beat.stats.{ecs}"),
    ]
}

/// A number of a Beat document by its legacy suffix (`metrics.libbeat.output.write.bytes`).
pub(crate) fn beat_num(doc: &Value, legacy_suffix: &str) -> Option<f64> {
    let [a, b] = beat_paths(legacy_suffix);
    num(doc, &[&a, &b])
}

/// A string of a Beat document by its legacy suffix (`beat.name`).
pub(crate) fn beat_text(doc: &Value, legacy_suffix: &str) -> Option<String> {
    let [a, b] = beat_paths(legacy_suffix);
    text(doc, &[&a, &b])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cluster_summary_reads_both_formats() {
        let ecs = json!({
            "@timestamp": "2026-01-01T00:00:10.000Z",
            "elasticsearch": {"cluster": {"id": "u1", "name": "c1", "stats": {
                "status": "yellow",
                "nodes": {"count": 1, "versions": ["9.0.0"], "fs": {"total": {"bytes": 100}, "available": {"bytes": 40}},
                          "jvm": {"max_uptime": {"ms": 5000}, "memory": {"heap": {"used": {"bytes": 7}, "max": {"bytes": 9}}}}},
                "indices": {"total": 3, "docs": {"total": 42}, "shards": {"count": 3, "primaries": 3}, "store": {"size": {"bytes": 1000}}},
                "state": {"state_uuid": "s1", "nodes": {"n1": {}}}
            }}}
        });
        let s = ClusterSummary::from_source(&ecs);
        assert_eq!(s.cluster_uuid, "u1");
        assert_eq!(s.status, "yellow");
        assert_eq!(s.versions, vec!["9.0.0"]);
        assert_eq!(
            (s.nodes, s.indices, s.documents),
            (Some(1.0), Some(3.0), Some(42.0))
        );
        assert_eq!((s.disk_available, s.disk_total), (Some(40.0), Some(100.0)));
        assert_eq!(
            (s.heap_used, s.heap_max, s.uptime_ms),
            (Some(7.0), Some(9.0), Some(5000.0))
        );
        assert_eq!(s.state_nodes, vec!["n1"]);
        assert_eq!(s.timestamp_ms, Some(1_767_225_610_000));
        let legacy = json!({
            "timestamp": "2026-01-01T00:00:10Z", "cluster_uuid": "u2", "cluster_name": "c2",
            "cluster_state": {"status": "green"},
            "cluster_stats": {"nodes": {"count": {"total": 2}}, "indices": {"count": 5, "docs": {"count": 9}}}
        });
        let s = ClusterSummary::from_source(&legacy);
        assert_eq!(
            (s.cluster_uuid.as_str(), s.status.as_str()),
            ("u2", "green")
        );
        assert_eq!(
            (s.nodes, s.indices, s.documents),
            (Some(2.0), Some(5.0), Some(9.0))
        );
    }

    #[test]
    fn node_rows_and_beat_paths() {
        let n = NodeRow::from_source(
            &json!({"elasticsearch": {"node": {"id": "n1", "name": "node-1", "master": true,
            "stats": {"process": {"cpu": {"pct": 12}}, "os": {"cpu": {"load_avg": {"1m": 0.5}}}}}}}),
        );
        assert_eq!(
            (n.id.as_str(), n.name.as_str(), n.master),
            ("n1", "node-1", true)
        );
        assert_eq!((n.cpu, n.load_1m), (Some(12.0), Some(0.5)));
        assert_eq!(
            beat_paths("metrics.beat.memstats.memory_alloc"),
            [
                "beats_stats.metrics.beat.memstats.memory_alloc".to_string(),
                "beat.stats.memstats.memory.alloc".to_string()
            ]
        );
        assert_eq!(
            beat_paths("metrics.libbeat.output.write.bytes")[1],
            "beat.stats.libbeat.output.write.bytes"
        );
        assert_eq!(beat_paths("beat.uuid")[1], "beat.stats.beat.uuid");
    }
}
