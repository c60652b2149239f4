//! Stack Monitoring's query recipes (Kibana's `createQuery`, bucket sizing and series
//! requests): what the console asks the node, built as plain JSON so the tests can read it.

use serde_json::{Value, json};

/// Elasticsearch's monitoring documents: Metricbeat's data stream (and the older daily
/// indices) plus Elastic Agent's data stream.
pub(crate) const ES_INDEX: &str = ".monitoring-es-*,metrics-elasticsearch.stack_monitoring.*";
/// The Beats' monitoring documents (self-monitoring `-7` indices, Metricbeat's `-8` stream,
/// Elastic Agent's).
pub(crate) const BEATS_INDEX: &str = ".monitoring-beats-*,metrics-beats.stack_monitoring.*";
/// Kibana's pseudo-cluster of Beats that report no `cluster_uuid`.
pub(crate) const STANDALONE_CLUSTER: &str = "__standalone_cluster__";
/// Kibana's `monitoring.ui.min_interval_seconds`.
pub(crate) const MIN_INTERVAL_SECONDS: i64 = 10;

/// The kinds of monitoring documents, each known by three names: the legacy `type`, the
/// Metricbeat `metricset.name` and the Agent `data_stream.dataset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocType {
    NodeStats,
    ClusterStats,
    IndexStats,
    IndicesStats,
    Shards,
    BeatsStats,
}

impl DocType {
    /// (`type`, `metricset.name`, `data_stream.dataset`).
    pub(crate) fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            DocType::NodeStats => (
                "node_stats",
                "node_stats",
                "elasticsearch.stack_monitoring.node_stats",
            ),
            DocType::ClusterStats => (
                "cluster_stats",
                "cluster_stats",
                "elasticsearch.stack_monitoring.cluster_stats",
            ),
            DocType::IndexStats => (
                "index_stats",
                "index",
                "elasticsearch.stack_monitoring.index",
            ),
            DocType::IndicesStats => (
                "indices_stats",
                "index_summary",
                "elasticsearch.stack_monitoring.index_summary",
            ),
            DocType::Shards => ("shards", "shard", "elasticsearch.stack_monitoring.shard"),
            DocType::BeatsStats => ("beats_stats", "stats", "beats.stats"),
        }
    }
}

/// The time picker's range, in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeRange {
    pub(crate) min: i64,
    pub(crate) max: i64,
}

/// Kibana's `calculateAuto.near(100, range)`: the "nice" interval giving about 100 buckets,
/// then at least `monitoring.ui.min_interval_seconds`. In seconds.
pub(crate) fn bucket_seconds(range: &TimeRange) -> i64 {
    const S: i64 = 1000;
    const M: i64 = 60 * S;
    const H: i64 = 60 * M;
    const D: i64 = 24 * H;
    // (bound, interval): the first rule whose bound exceeds range/100 gives the interval.
    const RULES: &[(i64, i64)] = &[
        (500, 100),
        (5 * S, S),
        (7_500, 5 * S),
        (15 * S, 10 * S),
        (45 * S, 30 * S),
        (3 * M, M),
        (9 * M, 5 * M),
        (20 * M, 10 * M),
        (45 * M, 30 * M),
        (2 * H, H),
        (6 * H, 3 * H),
        (24 * H, 12 * H),
        (7 * D, D),
        (21 * D, 7 * D),
        (365 * D, 30 * D),
    ];
    let target = (range.max - range.min).max(0) / 100;
    let interval = RULES
        .iter()
        .find(|(bound, _)| *bound > target)
        .map_or(365 * D, |(_, interval)| *interval);
    (interval / 1000).max(MIN_INTERVAL_SECONDS)
}

/// Kibana's `createQuery`: the document type (any of its three names), the cluster, an
/// optional entity (`field`, `value`), the time range on `timestamp`, and extra filters.
pub(crate) fn create_query(
    doc_type: DocType,
    cluster_uuid: Option<&str>,
    entity: Option<(&str, &str)>,
    range: Option<&TimeRange>,
    extra: Vec<Value>,
) -> Value {
    let (legacy, metricset, dataset) = doc_type.names();
    let mut filter = vec![json!({"bool": {"should": [
        {"term": {"data_stream.dataset": dataset}},
        {"term": {"metricset.name": metricset}},
        {"term": {"type": legacy}},
    ]}})];
    match cluster_uuid {
        Some(STANDALONE_CLUSTER) => filter.push(json!({"bool": {"must_not": {
            "exists": {"field": "cluster_uuid"}
        }}})),
        Some(uuid) => filter.push(json!({"term": {"cluster_uuid": uuid}})),
        None => {}
    }
    if let Some((field, value)) = entity {
        filter.push(json!({"term": {field: value}}));
    }
    if let Some(r) = range {
        filter.push(json!({"range": {"timestamp": {
            "format": "epoch_millis", "gte": r.min, "lte": r.max
        }}}));
    }
    filter.extend(extra);
    json!({"bool": {"filter": filter}})
}

/// The newest document of a type (the cluster overview reads the newest `cluster_stats`).
pub(crate) fn newest(query: Value) -> Value {
    json!({
        "size": 1,
        "query": query,
        "sort": [{"timestamp": {"order": "desc"}}]
    })
}

/// How a chart line reads its field in each time bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reduce {
    /// `max` of the field (a gauge, or a counter whose derivative is taken afterwards).
    Max,
    /// `max` per instance (`terms` on the field given), summed over instances: Kibana's
    /// `*EventsRateClusterMetric` for counters several instances report.
    SumOfMaxPer(&'static str),
}

/// A `date_histogram` on `timestamp` with one sub-aggregation per named field. For counter
/// series the caller moves `range.min` two buckets earlier (so the first derivative of the
/// window exists) and trims afterwards, as Kibana's `getSeries` does.
pub(crate) fn series_request(
    query: Value,
    bucket_seconds: i64,
    fields: &[(&str, &str)],
    reduce: Reduce,
) -> Value {
    let mut aggs = serde_json::Map::new();
    for (name, field) in fields {
        let agg = match reduce {
            Reduce::Max => json!({"max": {"field": field}}),
            Reduce::SumOfMaxPer(instance) => json!({
                "terms": {"field": instance, "size": 1000},
                "aggs": {"per_instance": {"max": {"field": field}}}
            }),
        };
        aggs.insert((*name).to_string(), agg);
    }
    json!({
        "size": 0,
        "query": query,
        "aggs": {"check": {
            "date_histogram": {
                "field": "timestamp",
                "fixed_interval": format!("{bucket_seconds}s"),
                "min_doc_count": 0
            },
            "aggs": aggs
        }}
    })
}

/// The entity list query (nodes, indices, beats): Kibana collapses on the entity id with an
/// "earliest" inner hit; the node's store has no `collapse`, so the same two hits per entity
/// come from a `terms` bucket with a newest and an earliest `top_hits`.
pub(crate) fn latest_and_earliest_per(query: Value, field: &str, size: usize) -> Value {
    json!({
        "size": 0,
        "query": query,
        "aggs": {"entities": {
            "terms": {"field": field, "size": size, "order": {"_key": "asc"}},
            "aggs": {
                "latest": {"top_hits": {"size": 1, "sort": [{"timestamp": {"order": "desc"}}]}},
                "earliest": {"top_hits": {"size": 1, "sort": [{"timestamp": {"order": "asc"}}]}}
            }
        }}
    })
}

/// `_search` over index patterns, ignoring missing ones as every monitoring search does.
pub(crate) fn search_path(index: &str) -> String {
    format!("/{index}/_search?ignore_unavailable=true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hour_gives_thirty_second_buckets_and_never_under_ten() {
        let hour = TimeRange {
            min: 0,
            max: 3_600_000,
        };
        assert_eq!(bucket_seconds(&hour), 30);
        let minute = TimeRange {
            min: 0,
            max: 60_000,
        };
        assert_eq!(bucket_seconds(&minute), 10);
        let day = TimeRange {
            min: 0,
            max: 86_400_000,
        };
        assert_eq!(bucket_seconds(&day), 600, "864 s → 10 minutes");
        let week = TimeRange {
            min: 0,
            max: 7 * 86_400_000,
        };
        assert_eq!(bucket_seconds(&week), 3600, "6048 s → 1 hour");
    }

    #[test]
    fn create_query_has_kibanas_filters() {
        let r = TimeRange { min: 5, max: 10 };
        let q = create_query(
            DocType::IndexStats,
            Some("abc"),
            Some(("index_stats.index", "logs")),
            Some(&r),
            vec![json!({"exists": {"field": "x"}})],
        );
        let filter = q["bool"]["filter"].as_array().unwrap();
        assert_eq!(
            filter[0]["bool"]["should"],
            json!([
                {"term": {"data_stream.dataset": "elasticsearch.stack_monitoring.index"}},
                {"term": {"metricset.name": "index"}},
                {"term": {"type": "index_stats"}}
            ])
        );
        assert_eq!(filter[1], json!({"term": {"cluster_uuid": "abc"}}));
        assert_eq!(filter[2], json!({"term": {"index_stats.index": "logs"}}));
        assert_eq!(
            filter[3],
            json!({"range": {"timestamp": {"format": "epoch_millis", "gte": 5, "lte": 10}}})
        );
        assert_eq!(filter[4], json!({"exists": {"field": "x"}}));
        let standalone = create_query(
            DocType::BeatsStats,
            Some(STANDALONE_CLUSTER),
            None,
            None,
            vec![],
        );
        assert_eq!(
            standalone["bool"]["filter"][1],
            json!({"bool": {"must_not": {"exists": {"field": "cluster_uuid"}}}})
        );
        let beats = create_query(DocType::BeatsStats, None, None, None, vec![]);
        assert_eq!(beats["bool"]["filter"].as_array().unwrap().len(), 1);
        assert_eq!(
            beats["bool"]["filter"][0]["bool"]["should"][1],
            json!({"term": {"metricset.name": "stats"}})
        );
    }

    #[test]
    fn series_requests_bucket_on_timestamp() {
        let q = series_request(
            json!({"match_all": {}}),
            30,
            &[("search", "indices_stats._all.total.search.query_total")],
            Reduce::Max,
        );
        assert_eq!(q["size"], 0);
        assert_eq!(
            q["aggs"]["check"]["date_histogram"]["fixed_interval"],
            "30s"
        );
        assert_eq!(q["aggs"]["check"]["date_histogram"]["field"], "timestamp");
        assert_eq!(
            q["aggs"]["check"]["aggs"]["search"]["max"]["field"],
            "indices_stats._all.total.search.query_total"
        );
        let b = series_request(
            json!({"match_all": {}}),
            10,
            &[(
                "events",
                "beats_stats.metrics.libbeat.pipeline.events.total",
            )],
            Reduce::SumOfMaxPer("beats_stats.beat.uuid"),
        );
        let agg = &b["aggs"]["check"]["aggs"]["events"];
        assert_eq!(agg["terms"]["field"], "beats_stats.beat.uuid");
        assert_eq!(
            agg["aggs"]["per_instance"]["max"]["field"],
            "beats_stats.metrics.libbeat.pipeline.events.total"
        );
        let l = latest_and_earliest_per(json!({}), "source_node.uuid", 100);
        assert_eq!(l["aggs"]["entities"]["terms"]["field"], "source_node.uuid");
        assert_eq!(
            l["aggs"]["entities"]["aggs"]["earliest"]["top_hits"]["sort"][0]["timestamp"]["order"],
            "asc"
        );
    }
}
