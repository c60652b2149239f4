//! Stack Monitoring's default rules (Kibana's twelve Elasticsearch rules, with their default
//! thresholds), evaluated every minute by the console as its own user over the newest
//! cluster's monitoring documents. Firing alerts are logged (Kibana's default server-log
//! action) and shown on the overview and in the Nodes list. State is kept in memory.

use std::sync::{PoisonError, RwLock};

use http::Method;
use serde_json::{Value, json};

use super::query::{self, DocType, ES_INDEX};
use super::source::{self, ClusterSummary, NodeRow};
use crate::routes::App;

/// Kibana's rule ids with their names.
pub(crate) const RULES: &[(&str, &str)] = &[
    ("monitoring_alert_cpu_usage", "CPU Usage"),
    ("monitoring_alert_disk_usage", "Disk Usage"),
    ("monitoring_alert_jvm_memory_usage", "Memory Usage (JVM)"),
    (
        "monitoring_alert_missing_monitoring_data",
        "Missing monitoring data",
    ),
    (
        "monitoring_alert_thread_pool_search_rejections",
        "Thread pool search rejections",
    ),
    (
        "monitoring_alert_thread_pool_write_rejections",
        "Thread pool write rejections",
    ),
    ("monitoring_shard_size", "Shard size"),
    ("monitoring_ccr_read_exceptions", "CCR read exceptions"),
    ("monitoring_alert_cluster_health", "Cluster health"),
    ("monitoring_alert_nodes_changed", "Nodes changed"),
    (
        "monitoring_alert_elasticsearch_version_mismatch",
        "Elasticsearch version mismatch",
    ),
    ("monitoring_alert_license_expiration", "License expiration"),
];

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// One node's figures over the rules' windows.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct NodeWindow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) last_seen_ms: Option<i64>,
    /// Averages over the last 5 minutes.
    pub(crate) cpu_avg: Option<f64>,
    pub(crate) heap_avg: Option<f64>,
    /// Used disk in percent, from the newest document.
    pub(crate) disk_used: Option<f64>,
    /// Rejections over the last 5 minutes (counter max − min).
    pub(crate) search_rejections: Option<f64>,
    pub(crate) write_rejections: Option<f64>,
}

/// What the rules read.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleInput {
    pub(crate) now_ms: i64,
    pub(crate) cluster: ClusterSummary,
    pub(crate) nodes: Vec<NodeWindow>,
    /// (index, average primary shard size in bytes), indices not starting with `.`.
    pub(crate) shard_sizes: Vec<(String, f64)>,
    /// The node ids of the previous evaluation (`None` the first time).
    pub(crate) previous_nodes: Option<Vec<String>>,
}

/// A firing alert.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Alert {
    pub(crate) rule: &'static str,
    /// `danger` or `warning`, as Kibana's callouts.
    pub(crate) severity: &'static str,
    /// The node it is about, if any.
    pub(crate) node: Option<String>,
    pub(crate) message: String,
}

fn name_of(rule: &str) -> &'static str {
    RULES
        .iter()
        .find(|(id, _)| *id == rule)
        .map_or("", |(_, n)| n)
}

/// The rules with Kibana's default parameters.
pub(crate) fn evaluate(input: &RuleInput) -> Vec<Alert> {
    let mut out = Vec::new();
    let mut fire =
        |rule: &'static str, severity: &'static str, node: Option<&str>, message: String| {
            out.push(Alert {
                rule,
                severity,
                node: node.map(str::to_string),
                message,
            });
        };
    for n in &input.nodes {
        if let Some(cpu) = n.cpu_avg.filter(|c| *c > 85.0) {
            fire(
                "monitoring_alert_cpu_usage",
                "danger",
                Some(&n.id),
                format!(
                    "Node {} is reporting cpu usage of {:.2}% over the last 5 minutes.",
                    n.name, cpu
                ),
            );
        }
        if let Some(disk) = n.disk_used.filter(|d| *d >= 80.0) {
            fire(
                "monitoring_alert_disk_usage",
                "danger",
                Some(&n.id),
                format!("Node {} is reporting disk usage of {:.2}%.", n.name, disk),
            );
        }
        if let Some(heap) = n.heap_avg.filter(|h| *h >= 85.0) {
            fire(
                "monitoring_alert_jvm_memory_usage",
                "danger",
                Some(&n.id),
                format!(
                    "Node {} is reporting JVM memory usage of {:.2}% over the last 5 minutes.",
                    n.name, heap
                ),
            );
        }
        if let Some(seen) = n.last_seen_ms
            && input.now_ms - seen >= 15 * MINUTE
        {
            fire(
                "monitoring_alert_missing_monitoring_data",
                "danger",
                Some(&n.id),
                format!(
                    "For the past {} minutes, no monitoring data has been detected from node {}.",
                    (input.now_ms - seen) / MINUTE,
                    n.name
                ),
            );
        }
        for (rule, value, pool) in [
            (
                "monitoring_alert_thread_pool_search_rejections",
                n.search_rejections,
                "search",
            ),
            (
                "monitoring_alert_thread_pool_write_rejections",
                n.write_rejections,
                "write",
            ),
        ] {
            if let Some(v) = value.filter(|v| *v >= 300.0) {
                fire(
                    rule,
                    "danger",
                    Some(&n.id),
                    format!(
                        "Node {} is reporting {v:.0} {pool} rejections in the last 5 minutes.",
                        n.name
                    ),
                );
            }
        }
    }
    const LARGE_SHARD: f64 = 55.0 * 1024.0 * 1024.0 * 1024.0;
    for (index, size) in &input.shard_sizes {
        if *size >= LARGE_SHARD {
            fire(
                "monitoring_shard_size",
                "warning",
                None,
                format!(
                    "The following index: {index} has a large average shard size of {:.1}GB.",
                    size / 1024.0 / 1024.0 / 1024.0
                ),
            );
        }
    }
    let c = &input.cluster;
    if c.status == "yellow" || c.status == "red" {
        let (severity, text) = if c.status == "red" {
            (
                "danger",
                "Elasticsearch cluster health is red. Allocate missing primary shards.",
            )
        } else {
            (
                "warning",
                "Elasticsearch cluster health is yellow. Allocate missing replica shards.",
            )
        };
        fire(
            "monitoring_alert_cluster_health",
            severity,
            None,
            text.to_string(),
        );
    }
    if let Some(previous) = &input.previous_nodes {
        let now: Vec<&String> = c.state_nodes.iter().collect();
        let added: Vec<&&String> = now.iter().filter(|n| !previous.contains(n)).collect();
        let removed: Vec<&String> = previous
            .iter()
            .filter(|n| !c.state_nodes.contains(n))
            .collect();
        if !c.state_nodes.is_empty() && (!added.is_empty() || !removed.is_empty()) {
            fire(
                "monitoring_alert_nodes_changed",
                "warning",
                None,
                format!(
                    "Elasticsearch nodes changed: added [{}], removed [{}].",
                    added
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    removed
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    let mut versions = c.versions.clone();
    versions.sort();
    versions.dedup();
    if versions.len() > 1 {
        fire(
            "monitoring_alert_elasticsearch_version_mismatch",
            "warning",
            None,
            format!(
                "Multiple versions of Elasticsearch ({}) running in this cluster.",
                versions.join(", ")
            ),
        );
    }
    if let Some(expiry) = c.license_expiry_ms {
        let days = (expiry as i64 - input.now_ms) / DAY;
        let trial = c.license_type.as_deref() == Some("trial");
        // Kibana: info at 60 days, low at 30, medium at 15, severe at 7; trials skip 60 and 30.
        let threshold = if trial { 15 } else { 60 };
        if days <= threshold {
            let severity = if days <= 15 { "danger" } else { "warning" };
            let message = if days < 0 {
                "The license for this cluster has expired.".to_string()
            } else {
                format!("The license for this cluster expires in {days} days.")
            };
            fire(
                "monitoring_alert_license_expiration",
                severity,
                None,
                message,
            );
        }
    }
    // CCR read exceptions need follower shards, which a basic licence (the node's) never has.
    out
}

/// The latest evaluation.
#[derive(Debug, Default)]
pub(crate) struct AlertState {
    pub(crate) cluster_uuid: String,
    pub(crate) evaluated_ms: i64,
    pub(crate) alerts: Vec<Alert>,
    nodes: Option<Vec<String>>,
}

/// The console's rule state, shared by the evaluator and the pages.
#[derive(Debug, Default)]
pub(crate) struct Alerts(RwLock<AlertState>);

impl Alerts {
    /// The firing alerts of a cluster (none when another cluster was evaluated).
    pub(crate) fn of(&self, cluster_uuid: &str) -> (Vec<Alert>, i64) {
        let state = self.0.read().unwrap_or_else(PoisonError::into_inner);
        if state.cluster_uuid == cluster_uuid {
            (state.alerts.clone(), state.evaluated_ms)
        } else {
            (Vec::new(), 0)
        }
    }
}

fn node_windows(answer: &Value) -> Vec<NodeWindow> {
    answer["aggregations"]["nodes"]["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            let latest = NodeRow::from_source(&b["latest"]["hits"]["hits"][0]["_source"]);
            let recent = &b["recent"];
            let delta = |max: &str, min: &str| {
                Some(recent[max]["value"].as_f64()? - recent[min]["value"].as_f64()?)
                    .filter(|d| *d >= 0.0)
            };
            NodeWindow {
                id: b["key"].as_str().unwrap_or_default().to_string(),
                name: latest.name.clone(),
                last_seen_ms: b["last_seen"]["value"].as_f64().map(|v| v as i64),
                cpu_avg: recent["cpu"]["value"].as_f64(),
                heap_avg: recent["heap"]["value"].as_f64(),
                disk_used: latest
                    .disk_total
                    .zip(latest.disk_free)
                    .filter(|(t, _)| *t > 0.0)
                    .map(|(t, f)| (t - f) / t * 100.0),
                search_rejections: delta("search_max", "search_min"),
                write_rejections: delta("write_max", "write_min"),
            }
        })
        .collect()
}

async fn search(app: &App, body: &Value) -> Option<Value> {
    let authorization = app.internal_authorization.as_ref()?;
    let answer = app
        .node
        .request(
            Method::POST,
            &query::search_path(ES_INDEX),
            Some(authorization),
            Some(body),
        )
        .await
        .ok()?;
    answer.ok().then_some(answer.body)
}

/// One evaluation over the newest cluster reporting in the last day.
pub(crate) async fn run_once(app: &App, now_ms: i64) {
    let day = query::TimeRange {
        min: now_ms - DAY,
        max: now_ms,
    };
    let recent = json!({"range": {"timestamp": {"format": "epoch_millis", "gte": now_ms - 5 * MINUTE, "lte": now_ms}}});
    let newest = query::newest(query::create_query(
        DocType::ClusterStats,
        None,
        None,
        Some(&day),
        vec![],
    ));
    let Some(answer) = search(app, &newest).await else {
        return;
    };
    let Some(hit) = answer["hits"]["hits"].get(0) else {
        return;
    };
    let cluster = ClusterSummary::from_source(&hit["_source"]);
    let nodes_q = json!({
        "size": 0,
        "query": query::create_query(DocType::NodeStats, Some(&cluster.cluster_uuid), None, Some(&day), vec![]),
        "aggs": {"nodes": {"terms": {"field": "source_node.uuid", "size": 1000}, "aggs": {
            "last_seen": {"max": {"field": "timestamp"}},
            "latest": {"top_hits": {"size": 1, "sort": [{"timestamp": {"order": "desc"}}]}},
            "recent": {"filter": recent, "aggs": {
                "cpu": {"avg": {"field": "node_stats.process.cpu.percent"}},
                "heap": {"avg": {"field": "node_stats.jvm.mem.heap_used_percent"}},
                "search_max": {"max": {"field": "node_stats.thread_pool.search.rejected"}},
                "search_min": {"min": {"field": "node_stats.thread_pool.search.rejected"}},
                "write_max": {"max": {"field": "node_stats.thread_pool.write.rejected"}},
                "write_min": {"min": {"field": "node_stats.thread_pool.write.rejected"}}
            }}
        }}}
    });
    let nodes = search(app, &nodes_q)
        .await
        .map(|a| node_windows(&a))
        .unwrap_or_default();
    let window = query::TimeRange {
        min: now_ms - 5 * MINUTE,
        max: now_ms,
    };
    let indices_q = query::latest_and_earliest_per(
        query::create_query(
            DocType::IndexStats,
            Some(&cluster.cluster_uuid),
            None,
            Some(&window),
            vec![],
        ),
        "index_stats.index",
        10_000,
    );
    let shard_sizes = search(app, &indices_q)
        .await
        .map(|a| {
            a["aggregations"]["entities"]["buckets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| {
                    let doc = &b["latest"]["hits"]["hits"][0]["_source"];
                    let name = source::text(doc, source::IndexPaths::NAME)?;
                    let size = source::num(
                        doc,
                        &[
                            "elasticsearch.index.primaries.store.size_in_bytes",
                            "index_stats.primaries.store.size_in_bytes",
                        ],
                    )?;
                    let shards = source::num(
                        doc,
                        &[
                            "elasticsearch.index.shards.primaries",
                            "index_stats.shards.primaries",
                        ],
                    )
                    .unwrap_or(1.0)
                    .max(1.0);
                    (!name.starts_with('.')).then_some((name, size / shards))
                })
                .collect()
        })
        .unwrap_or_default();
    let previous_nodes = {
        let state = app.alerts.0.read().unwrap_or_else(PoisonError::into_inner);
        (state.cluster_uuid == cluster.cluster_uuid)
            .then(|| state.nodes.clone())
            .flatten()
    };
    let input = RuleInput {
        now_ms,
        cluster,
        nodes,
        shard_sizes,
        previous_nodes,
    };
    let alerts = evaluate(&input);
    let mut state = app.alerts.0.write().unwrap_or_else(PoisonError::into_inner);
    for a in &alerts {
        if !state
            .alerts
            .iter()
            .any(|b| b.rule == a.rule && b.node == a.node)
        {
            // Kibana's default action: a server log entry when an alert starts firing.
            tracing::warn!("[{}] {}: {}", a.rule, name_of(a.rule), a.message);
        }
    }
    *state = AlertState {
        cluster_uuid: input.cluster.cluster_uuid.clone(),
        evaluated_ms: now_ms,
        alerts,
        nodes: Some(input.cluster.state_nodes.clone()),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(cpu: f64, heap: f64, disk: f64, seen_ago: i64) -> NodeWindow {
        NodeWindow {
            id: "n1".into(),
            name: "node-1".into(),
            last_seen_ms: Some(1_000 * DAY - seen_ago),
            cpu_avg: Some(cpu),
            heap_avg: Some(heap),
            disk_used: Some(disk),
            search_rejections: Some(0.0),
            write_rejections: Some(300.0),
        }
    }

    fn fired(input: &RuleInput) -> Vec<&'static str> {
        evaluate(input).iter().map(|a| a.rule).collect()
    }

    #[test]
    fn twelve_rules_with_kibanas_ids() {
        assert_eq!(RULES.len(), 12);
        assert!(RULES.iter().all(|(id, _)| id.starts_with("monitoring_")));
    }

    #[test]
    fn node_rules_fire_at_kibanas_thresholds() {
        let mut input = RuleInput {
            now_ms: 1_000 * DAY,
            ..RuleInput::default()
        };
        input.cluster.status = "green".into();
        input.nodes = vec![node(85.0, 84.9, 79.9, 14 * MINUTE)];
        assert_eq!(
            fired(&input),
            vec!["monitoring_alert_thread_pool_write_rejections"]
        );
        input.nodes = vec![node(85.1, 85.0, 80.0, 15 * MINUTE)];
        let alerts = evaluate(&input);
        let rules: Vec<&str> = alerts.iter().map(|a| a.rule).collect();
        assert_eq!(
            rules,
            vec![
                "monitoring_alert_cpu_usage",
                "monitoring_alert_disk_usage",
                "monitoring_alert_jvm_memory_usage",
                "monitoring_alert_missing_monitoring_data",
                "monitoring_alert_thread_pool_write_rejections",
            ]
        );
        assert_eq!(
            alerts[0].message,
            "Node node-1 is reporting cpu usage of 85.10% over the last 5 minutes."
        );
        assert_eq!(alerts[0].node.as_deref(), Some("n1"));
    }

    #[test]
    fn cluster_rules() {
        let mut input = RuleInput {
            now_ms: 1_000 * DAY,
            ..RuleInput::default()
        };
        input.cluster.status = "yellow".into();
        input.cluster.versions = vec!["9.1.0".into(), "9.0.0".into()];
        input.cluster.state_nodes = vec!["a".into(), "c".into()];
        input.previous_nodes = Some(vec!["a".into(), "b".into()]);
        input.cluster.license_expiry_ms = Some((1_000 * DAY + 20 * DAY) as f64);
        input.shard_sizes = vec![
            ("big".into(), 56.0 * 1024.0 * 1024.0 * 1024.0),
            ("small".into(), 1.0),
        ];
        let alerts = evaluate(&input);
        let rules: Vec<&str> = alerts.iter().map(|a| a.rule).collect();
        assert_eq!(
            rules,
            vec![
                "monitoring_shard_size",
                "monitoring_alert_cluster_health",
                "monitoring_alert_nodes_changed",
                "monitoring_alert_elasticsearch_version_mismatch",
                "monitoring_alert_license_expiration",
            ]
        );
        assert!(
            alerts[2].message.contains("added [c], removed [b]"),
            "{}",
            alerts[2].message
        );
        assert!(alerts[4].message.contains("expires in 20 days"));
        input.cluster.license_type = Some("trial".into());
        assert!(
            !fired(&input).contains(&"monitoring_alert_license_expiration"),
            "trials skip 60 and 30"
        );
        input.previous_nodes = None;
        assert!(
            !fired(&input).contains(&"monitoring_alert_nodes_changed"),
            "nothing to compare the first time"
        );
    }
}
