//! Stack Monitoring (`/app/monitoring`): the cluster overview with its charts, the nodes and
//! indices lists and pages, the Beats overview, list and instance page, and the "no
//! monitoring data" diagnosis. Every search runs as the logged-in user over the
//! `.monitoring-*` patterns with Kibana's query recipes ([`query`]); figures are computed as
//! Kibana computes them ([`series`]) and drawn as SVG ([`chart`]).

mod chart;
mod query;
pub(crate) mod rules;
mod series;
mod source;
mod view;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{Html as HtmlBody, IntoResponse, Response};
use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::authz::Ctx;
use crate::routes::{App, call, encode_segment, node_error_page, page, redirect, try_response};
use query::{BEATS_INDEX, DocType, ES_INDEX, Reduce, STANDALONE_CLUSTER, TimeRange};
use series::Point;
use source::{ClusterSummary, NodeRow};

pub(crate) use view::access_denied;

type Shared = Arc<App>;

/// The page's query string: the time range (`from`/`to`, or Kibana's
/// `_g=(time:(from:now-1h,to:now))`), the cluster, and list options.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub(crate) struct Params {
    from: Option<String>,
    to: Option<String>,
    #[serde(rename = "_g")]
    global: Option<String>,
    cluster_uuid: Option<String>,
    show_system_indices: Option<String>,
}

/// `from:` and `to:` out of Kibana's rison `_g` state (quoted or not).
fn rison_time(g: &str) -> (Option<String>, Option<String>) {
    let field = |name: &str| -> Option<String> {
        let start = g.find(&format!("{name}:"))? + name.len() + 1;
        let rest = &g[start..];
        if let Some(quoted) = rest.strip_prefix('\'') {
            return quoted.find('\'').map(|end| quoted[..end].to_string());
        }
        let end = rest.find([',', ')']).unwrap_or(rest.len());
        Some(rest[..end].to_string())
    };
    (field("from"), field("to"))
}

/// The picker's range: `from`/`to` (date math or dates), else `_g`, else the last hour.
pub(crate) fn time_range(params: &Params, now_ms: i64) -> Result<TimeRange, String> {
    let (g_from, g_to) = params.global.as_deref().map(rison_time).unwrap_or_default();
    let from = params
        .from
        .clone()
        .or(g_from)
        .unwrap_or_else(|| "now-1h".into());
    let to = params.to.clone().or(g_to).unwrap_or_else(|| "now".into());
    let parser = ironstack_types::date::DateMathParser::default();
    let now = ironstack_types::date::timestamp_from_millis(now_ms).map_err(|e| e.to_string())?;
    let parse = |text: &str, round_up: bool| {
        parser
            .parse(text, now, round_up)
            .map(ironstack_types::date::to_epoch_millis)
            .map_err(|_| {
                format!("[{text}] is not a valid time (use date math such as now-1h, or a date)")
            })
    };
    let range = TimeRange {
        min: parse(&from, false)?,
        max: parse(&to, true)?,
    };
    if range.max <= range.min {
        return Err(format!("the time range [{from}] to [{to}] is empty"));
    }
    Ok(range)
}

/// What every Stack Monitoring page knows: the user, the range and the links' query string.
pub(crate) struct Mon<'a> {
    app: &'a App,
    ctx: &'a Ctx,
    range: TimeRange,
    bucket_s: i64,
    params: Params,
}

impl Mon<'_> {
    /// The query string that keeps the range and the cluster on every link.
    fn qs(&self, cluster: Option<&str>) -> String {
        let mut parts = Vec::new();
        if let Some(c) = cluster.or(self.params.cluster_uuid.as_deref()) {
            parts.push(format!("cluster_uuid={}", encode_segment(c)));
        }
        if let Some(f) = &self.params.from {
            parts.push(format!("from={}", encode_segment(f)));
        }
        if let Some(t) = &self.params.to {
            parts.push(format!("to={}", encode_segment(t)));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    fn link(&self, path: &str, cluster: &str) -> String {
        format!(
            "{}/app/monitoring{path}{}",
            self.ctx.base,
            self.qs(Some(cluster))
        )
    }

    /// A search as the user; 403 is the permission page, 401 ends the session.
    async fn search(&self, index: &str, body: &Value) -> Result<Value, Response> {
        match self.search_readable(index, body).await? {
            Some(v) => Ok(v),
            None => Err((
                StatusCode::FORBIDDEN,
                HtmlBody(view::access_denied(&self.ctx.frame())),
            )
                .into_response()),
        }
    }

    /// A search as the user; `None` when the node refuses it (403): the user may not read
    /// the monitoring indices. 401 ends the session.
    async fn search_readable(&self, index: &str, body: &Value) -> Result<Option<Value>, Response> {
        let answer = call(
            self.app,
            Method::POST,
            &query::search_path(index),
            &self.ctx.caller.authorization,
            Some(body),
        )
        .await?;
        match answer.status {
            401 => {
                if let Some(cookie) = &self.ctx.caller.cookie {
                    self.app.sessions.invalidate(cookie).await;
                }
                Err(redirect(&format!(
                    "{}/login?msg=SESSION_EXPIRED",
                    self.ctx.root
                )))
            }
            403 => Ok(None),
            _ if answer.ok() => Ok(Some(answer.body)),
            _ => Err(node_error_page(self.ctx, StatusCode::OK, &answer.reason())),
        }
    }

    /// The newest `cluster_stats` of the asked (or any) cluster in the range.
    async fn cluster(&self) -> Result<Option<ClusterSummary>, Response> {
        let q = query::create_query(
            DocType::ClusterStats,
            self.params.cluster_uuid.as_deref(),
            None,
            Some(&self.range),
            vec![],
        );
        // A refusal is explained by the "no monitoring data" page (which role is missing).
        let Some(answer) = self.search_readable(ES_INDEX, &query::newest(q)).await? else {
            return Ok(None);
        };
        Ok(answer["hits"]["hits"]
            .get(0)
            .map(|hit| ClusterSummary::from_source(&hit["_source"])))
    }

    /// The charts' series: one `date_histogram` request, the range moved two buckets
    /// earlier for counters, each requested line computed and trimmed to the range.
    async fn series(
        &self,
        doc_type: DocType,
        cluster: &str,
        entity: Option<(&str, &str)>,
        extra: Vec<Value>,
        lines: &[SeriesSpec],
        reduce: Reduce,
    ) -> Result<Vec<Vec<Point>>, Response> {
        let bucket_ms = self.bucket_s * 1000;
        let widened = TimeRange {
            min: self.range.min - 2 * bucket_ms,
            max: self.range.max,
        };
        let mut fields: Vec<(String, &str)> = Vec::new();
        for (i, spec) in lines.iter().enumerate() {
            for (j, field) in spec.fields().iter().enumerate() {
                fields.push((format!("m{i}_{j}"), field));
            }
        }
        let field_refs: Vec<(&str, &str)> = fields.iter().map(|(n, f)| (n.as_str(), *f)).collect();
        let q = query::create_query(doc_type, Some(cluster), entity, Some(&widened), extra);
        let index = if doc_type == DocType::BeatsStats {
            BEATS_INDEX
        } else {
            ES_INDEX
        };
        let answer = self
            .search(
                index,
                &query::series_request(q, self.bucket_s, &field_refs, reduce),
            )
            .await?;
        let histogram = &answer["aggregations"]["check"];
        Ok(lines
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let first = series::bucket_values(histogram, &format!("m{i}_0"));
                let computed = match spec {
                    SeriesSpec::Gauge(_) => first,
                    SeriesSpec::Rate(_) => series::rate(&first),
                    SeriesSpec::Latency { .. } => series::latency(
                        &first,
                        &series::bucket_values(histogram, &format!("m{i}_1")),
                    ),
                };
                series::trim(computed, self.range.min, self.range.max, bucket_ms)
            })
            .collect())
    }
}

/// One chart line: a gauge, a counter's rate, or a latency (time field, count field).
#[derive(Debug, Clone, Copy)]
pub(crate) enum SeriesSpec {
    Gauge(&'static str),
    Rate(&'static str),
    Latency {
        time: &'static str,
        count: &'static str,
    },
}

impl SeriesSpec {
    fn fields(&self) -> Vec<&'static str> {
        match self {
            SeriesSpec::Gauge(f) | SeriesSpec::Rate(f) => vec![f],
            SeriesSpec::Latency { time, count } => vec![time, count],
        }
    }
}

/// A chart to draw: id, title, unit, and (label, line) pairs.
pub(crate) struct ChartSpec {
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    lines: &'static [(&'static str, SeriesSpec)],
}

/// A computed chart.
pub(crate) struct Chart {
    spec: &'static ChartSpec,
    series: Vec<Vec<Point>>,
}

async fn charts(
    m: &Mon<'_>,
    doc_type: DocType,
    cluster: &str,
    entity: Option<(&str, &str)>,
    extra: Vec<Value>,
    specs: &'static [ChartSpec],
    reduce: Reduce,
) -> Result<Vec<Chart>, Response> {
    let lines: Vec<SeriesSpec> = specs
        .iter()
        .flat_map(|c| c.lines.iter().map(|(_, s)| *s))
        .collect();
    let mut all = m
        .series(doc_type, cluster, entity, extra, &lines, reduce)
        .await?
        .into_iter();
    Ok(specs
        .iter()
        .map(|spec| Chart {
            spec,
            series: all.by_ref().take(spec.lines.len()).collect(),
        })
        .collect())
}

/// Kibana's Elasticsearch overview charts, from the `index_summary` (`indices_stats`) totals.
static CLUSTER_CHARTS: &[ChartSpec] = &[
    ChartSpec {
        id: "searchRate",
        title: "Search Rate",
        unit: "/s",
        lines: &[(
            "Total Shards",
            SeriesSpec::Rate("indices_stats._all.total.search.query_total"),
        )],
    },
    ChartSpec {
        id: "indexingRate",
        title: "Indexing Rate",
        unit: "/s",
        lines: &[
            (
                "Total Shards",
                SeriesSpec::Rate("indices_stats._all.total.indexing.index_total"),
            ),
            (
                "Primary Shards",
                SeriesSpec::Rate("indices_stats._all.primaries.indexing.index_total"),
            ),
        ],
    },
    ChartSpec {
        id: "searchLatency",
        title: "Search Latency",
        unit: "ms",
        lines: &[(
            "Search Latency",
            SeriesSpec::Latency {
                time: "indices_stats._all.total.search.query_time_in_millis",
                count: "indices_stats._all.total.search.query_total",
            },
        )],
    },
    ChartSpec {
        id: "indexingLatency",
        title: "Indexing Latency",
        unit: "ms",
        lines: &[(
            "Indexing Latency",
            SeriesSpec::Latency {
                time: "indices_stats._all.primaries.indexing.index_time_in_millis",
                count: "indices_stats._all.primaries.indexing.index_total",
            },
        )],
    },
];

/// A node's overview charts.
static NODE_CHARTS: &[ChartSpec] = &[
    ChartSpec {
        id: "nodeJvmHeap",
        title: "JVM Heap",
        unit: "bytes",
        lines: &[
            (
                "Max Heap",
                SeriesSpec::Gauge("node_stats.jvm.mem.heap_max_in_bytes"),
            ),
            (
                "Used Heap",
                SeriesSpec::Gauge("node_stats.jvm.mem.heap_used_in_bytes"),
            ),
        ],
    },
    ChartSpec {
        id: "nodeCpu",
        title: "CPU Utilization",
        unit: "%",
        lines: &[(
            "CPU Utilization",
            SeriesSpec::Gauge("node_stats.process.cpu.percent"),
        )],
    },
    ChartSpec {
        id: "nodeLoad",
        title: "System Load",
        unit: "",
        lines: &[("1m", SeriesSpec::Gauge("node_stats.os.cpu.load_average.1m"))],
    },
    ChartSpec {
        id: "nodeLatency",
        title: "Latency",
        unit: "ms",
        lines: &[
            (
                "Search",
                SeriesSpec::Latency {
                    time: "node_stats.indices.search.query_time_in_millis",
                    count: "node_stats.indices.search.query_total",
                },
            ),
            (
                "Indexing",
                SeriesSpec::Latency {
                    time: "node_stats.indices.indexing.index_time_in_millis",
                    count: "node_stats.indices.indexing.index_total",
                },
            ),
        ],
    },
    ChartSpec {
        id: "nodeIo",
        title: "I/O Operations Rate",
        unit: "/s",
        lines: &[
            (
                "Total",
                SeriesSpec::Rate("node_stats.fs.io_stats.total.operations"),
            ),
            (
                "Read",
                SeriesSpec::Rate("node_stats.fs.io_stats.total.read_operations"),
            ),
            (
                "Write",
                SeriesSpec::Rate("node_stats.fs.io_stats.total.write_operations"),
            ),
        ],
    },
    ChartSpec {
        id: "nodeSegments",
        title: "Segment Count",
        unit: "",
        lines: &[(
            "Segments",
            SeriesSpec::Gauge("node_stats.indices.segments.count"),
        )],
    },
];

/// An index's charts.
static INDEX_CHARTS: &[ChartSpec] = &[
    ChartSpec {
        id: "indexSearchRate",
        title: "Search Rate",
        unit: "/s",
        lines: &[(
            "Total Shards",
            SeriesSpec::Rate("index_stats.total.search.query_total"),
        )],
    },
    ChartSpec {
        id: "indexIndexingRate",
        title: "Indexing Rate",
        unit: "/s",
        lines: &[
            (
                "Total Shards",
                SeriesSpec::Rate("index_stats.total.indexing.index_total"),
            ),
            (
                "Primary Shards",
                SeriesSpec::Rate("index_stats.primaries.indexing.index_total"),
            ),
        ],
    },
    ChartSpec {
        id: "indexSize",
        title: "Index Size",
        unit: "bytes",
        lines: &[
            (
                "Total",
                SeriesSpec::Gauge("index_stats.total.store.size_in_bytes"),
            ),
            (
                "Primaries",
                SeriesSpec::Gauge("index_stats.primaries.store.size_in_bytes"),
            ),
        ],
    },
    ChartSpec {
        id: "indexDocuments",
        title: "Document Count",
        unit: "",
        lines: &[(
            "Documents",
            SeriesSpec::Gauge("index_stats.primaries.docs.count"),
        )],
    },
    ChartSpec {
        id: "indexSegments",
        title: "Segment Count",
        unit: "",
        lines: &[(
            "Segments",
            SeriesSpec::Gauge("index_stats.total.segments.count"),
        )],
    },
];

/// The Beats charts (cluster-wide: summed over instances; on a Beat's page, its own).
static BEATS_CHARTS: &[ChartSpec] = &[
    ChartSpec {
        id: "beatsEventsRate",
        title: "Events Rate",
        unit: "/s",
        lines: &[
            (
                "Total",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.pipeline.events.total"),
            ),
            (
                "Emitted",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.output.events.total"),
            ),
            (
                "Acknowledged",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.output.events.acked"),
            ),
            (
                "Queued",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.pipeline.events.published"),
            ),
        ],
    },
    ChartSpec {
        id: "beatsThroughput",
        title: "Throughput",
        unit: "bytes/s",
        lines: &[
            (
                "Bytes Sent",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.output.write.bytes"),
            ),
            (
                "Bytes Received",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.output.read.bytes"),
            ),
        ],
    },
    ChartSpec {
        id: "beatsFailRates",
        title: "Fail Rates",
        unit: "/s",
        lines: &[
            (
                "Failed in Pipeline",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.pipeline.events.failed"),
            ),
            (
                "Dropped in Pipeline",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.pipeline.events.dropped"),
            ),
            (
                "Dropped in Output",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.output.events.dropped"),
            ),
            (
                "Retry in Pipeline",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.pipeline.events.retry"),
            ),
        ],
    },
    ChartSpec {
        id: "beatsOutputErrors",
        title: "Output Errors",
        unit: "/s",
        lines: &[
            (
                "Sending",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.output.write.errors"),
            ),
            (
                "Receiving",
                SeriesSpec::Rate("beats_stats.metrics.libbeat.output.read.errors"),
            ),
        ],
    },
    ChartSpec {
        id: "beatsQueue",
        title: "Queue",
        unit: "events",
        lines: &[(
            "Active events",
            SeriesSpec::Gauge("beats_stats.metrics.libbeat.pipeline.events.active"),
        )],
    },
];

/// Kibana excludes APM Server from the Beats pages.
fn not_apm() -> Value {
    json!({"bool": {"must_not": {"term": {"beats_stats.beat.type": "apm-server"}}}})
}

/// Builds the page context; a bad range is the reason of a 400 page ([`bad_range`]).
fn mon<'a>(app: &'a App, ctx: &'a Ctx, mut params: Params) -> Result<Mon<'a>, String> {
    let range = time_range(&params, ironstack_types::date::now_millis())?;
    // A range given as Kibana's `_g` travels on as `from`/`to` (links and the form).
    if let Some(g) = params.global.take() {
        let (from, to) = rison_time(&g);
        params.from = params.from.or(from);
        params.to = params.to.or(to);
    }
    Ok(Mon {
        app,
        ctx,
        bucket_s: query::bucket_seconds(&range),
        range,
        params,
    })
}

fn bad_range(ctx: &Ctx, reason: &str) -> Response {
    node_error_page(ctx, StatusCode::BAD_REQUEST, reason)
}

/// The cluster a page is about, or the "no monitoring data" page.
async fn cluster_or_no_data(m: &Mon<'_>) -> Result<ClusterSummary, Response> {
    match m.cluster().await? {
        Some(c) => Ok(c),
        None => Err(no_data(m).await),
    }
}

/// The cluster of the Beats pages: the Elasticsearch cluster when it reports, else the
/// cluster (or Kibana's "Standalone cluster") the newest Beat document names, so that Beats
/// monitored without Elasticsearch still have their pages.
async fn beats_cluster_or_no_data(m: &Mon<'_>) -> Result<ClusterSummary, Response> {
    if let Some(c) = m.cluster().await? {
        return Ok(c);
    }
    let q = query::create_query(
        DocType::BeatsStats,
        m.params.cluster_uuid.as_deref(),
        None,
        Some(&m.range),
        vec![not_apm()],
    );
    if let Some(answer) = m.search_readable(BEATS_INDEX, &query::newest(q)).await?
        && let Some(hit) = answer["hits"]["hits"].get(0)
    {
        let uuid = source::text(
            &hit["_source"],
            &["cluster_uuid", "beat.elasticsearch.cluster.id"],
        )
        .unwrap_or_else(|| STANDALONE_CLUSTER.to_string());
        let name = if uuid == STANDALONE_CLUSTER {
            "Standalone cluster".to_string()
        } else {
            uuid.clone()
        };
        return Ok(ClusterSummary {
            cluster_uuid: uuid,
            cluster_name: name,
            ..ClusterSummary::default()
        });
    }
    Err(no_data(m).await)
}

/// The shard documents of the cluster's newest state: per node, per index, unassigned.
#[derive(Debug, Default)]
pub(crate) struct Shards {
    per_node: BTreeMap<String, u64>,
    /// index → (unassigned primaries, unassigned replicas, assigned)
    per_index: BTreeMap<String, (u64, u64, u64)>,
    unassigned: u64,
}

/// Where a shard document names the cluster state it was read from (Metricbeat 8, the
/// cluster_stats path, internal collection).
const STATE_ID: &[&str] = &[
    "elasticsearch.cluster.state.id",
    "elasticsearch.cluster.stats.state.state_uuid",
    "state_uuid",
];

/// Kibana counts the shard documents of the newest cluster state (`term state_uuid`). The
/// node's `-mb` template does not map the state id, so the newest documents are read
/// (sorted by time) and those of one state kept here: the cluster_stats' state when shard
/// documents carry it, else the newest document's state, else the newest timestamp.
async fn shards(m: &Mon<'_>, cluster: &ClusterSummary) -> Result<Shards, Response> {
    // No time range, as Kibana's: the documents of a state are written once, when it starts.
    let q = query::create_query(
        DocType::Shards,
        Some(&cluster.cluster_uuid),
        None,
        None,
        vec![],
    );
    let body = json!({
        "size": 10000,
        "query": q,
        "sort": [{"timestamp": {"order": "desc"}}]
    });
    let answer = m.search(ES_INDEX, &body).await?;
    let hits: Vec<&Value> = answer["hits"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    Ok(count_shards(&hits, cluster.state_uuid.as_deref()))
}

/// The shard counts of one cluster state out of shard hits sorted newest first. Metricbeat
/// gives each shard copy of a state one `_id` (a repeat is a 409), so a copy found twice
/// (after a rollover of the data stream) counts once.
pub(crate) fn count_shards(hits: &[&Value], cluster_state: Option<&str>) -> Shards {
    let mut seen = std::collections::HashSet::new();
    let docs: Vec<&Value> = hits
        .iter()
        .filter(|h| {
            h["_id"]
                .as_str()
                .is_none_or(|id| seen.insert(id.to_string()))
        })
        .map(|h| &h["_source"])
        .collect();
    let state_of = |d: &Value| source::text(d, STATE_ID);
    let wanted = cluster_state
        .filter(|s| docs.iter().any(|d| state_of(d).as_deref() == Some(*s)))
        .map(str::to_string)
        .or_else(|| docs.first().and_then(|d| state_of(d)));
    let newest_time = docs.first().and_then(|d| source::timestamp_ms(d));
    let mut out = Shards::default();
    for s in docs {
        let same = match &wanted {
            Some(w) => state_of(s).as_deref() == Some(w.as_str()),
            None => source::timestamp_ms(s) == newest_time,
        };
        if !same {
            continue;
        }
        let state =
            source::text(s, &["elasticsearch.shard.state", "shard.state"]).unwrap_or_default();
        let primary = source::value(s, &["elasticsearch.shard.primary", "shard.primary"])
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let index =
            source::text(s, &["elasticsearch.index.name", "shard.index"]).unwrap_or_default();
        let entry = out.per_index.entry(index).or_default();
        if state == "UNASSIGNED" {
            out.unassigned += 1;
            if primary {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        } else {
            entry.2 += 1;
            if let Some(node) = source::text(s, &["elasticsearch.node.id", "shard.node"]) {
                *out.per_node.entry(node).or_default() += 1;
            }
        }
    }
    out
}

/// `/app/monitoring`: the cluster overview (with a cluster list when several report).
pub(crate) async fn overview(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Query(params): Query<Params>,
) -> Response {
    let m = try_response!(mon(&app, &ctx, params).map_err(|e| bad_range(&ctx, &e)));
    let cluster = try_response!(cluster_or_no_data(&m).await);
    let clusters_q = query::create_query(DocType::ClusterStats, None, None, Some(&m.range), vec![]);
    let clusters_body = json!({"size": 0, "query": clusters_q, "aggs": {"clusters": {"terms": {"field": "cluster_uuid", "size": 100}}}});
    // The four reads are independent: the node answers them side by side.
    let (clusters, shard_stats, charts, beats) = tokio::join!(
        m.search(ES_INDEX, &clusters_body),
        shards(&m, &cluster),
        charts(
            &m,
            DocType::IndicesStats,
            &cluster.cluster_uuid,
            None,
            vec![],
            CLUSTER_CHARTS,
            Reduce::Max
        ),
        beats_count(&m, &cluster.cluster_uuid),
    );
    let clusters = try_response!(clusters);
    let cluster_ids: Vec<String> = clusters["aggregations"]["clusters"]["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["key"].as_str().map(str::to_string))
        .collect();
    let shard_stats = try_response!(shard_stats);
    let charts = try_response!(charts);
    let beats = try_response!(beats);
    let (alerts, evaluated) = app.alerts.of(&cluster.cluster_uuid);
    page(view::overview(
        &m,
        (&alerts, evaluated),
        &cluster,
        &cluster_ids,
        &shard_stats,
        &charts,
        beats,
    ))
}

/// The number of Beats reporting for the cluster in the range (the overview's Beats panel).
async fn beats_count(m: &Mon<'_>, cluster: &str) -> Result<u64, Response> {
    let q = query::create_query(
        DocType::BeatsStats,
        Some(cluster),
        None,
        Some(&m.range),
        vec![not_apm()],
    );
    let answer = m
        .search(
            BEATS_INDEX,
            &json!({"size": 0, "query": q, "aggs": {"total": {"cardinality": {"field": "beats_stats.beat.uuid", "precision_threshold": 10000}}}}),
        )
        .await?;
    Ok(answer["aggregations"]["total"]["value"]
        .as_u64()
        .unwrap_or(0))
}

/// Entities (nodes, indices, beats): their newest and earliest documents in the range.
async fn entities(
    m: &Mon<'_>,
    index: &str,
    doc_type: DocType,
    cluster: &str,
    field: &str,
    extra: Vec<Value>,
) -> Result<Vec<(Value, Value)>, Response> {
    let q = query::create_query(doc_type, Some(cluster), None, Some(&m.range), extra);
    let answer = m
        .search(index, &query::latest_and_earliest_per(q, field, 10_000))
        .await?;
    Ok(answer["aggregations"]["entities"]["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            (
                b["latest"]["hits"]["hits"][0]["_source"].clone(),
                b["earliest"]["hits"]["hits"][0]["_source"].clone(),
            )
        })
        .collect())
}

/// `/app/monitoring/elasticsearch/nodes`.
pub(crate) async fn nodes(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Query(params): Query<Params>,
) -> Response {
    let m = try_response!(mon(&app, &ctx, params).map_err(|e| bad_range(&ctx, &e)));
    let cluster = try_response!(cluster_or_no_data(&m).await);
    let shard_stats = try_response!(shards(&m, &cluster).await);
    let rows = try_response!(
        entities(
            &m,
            ES_INDEX,
            DocType::NodeStats,
            &cluster.cluster_uuid,
            "source_node.uuid",
            vec![]
        )
        .await
    );
    let mut nodes: Vec<NodeRow> = rows
        .iter()
        .map(|(latest, _)| NodeRow::from_source(latest))
        .collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    let (alerts, _) = app.alerts.of(&cluster.cluster_uuid);
    page(view::nodes(&m, &cluster, &nodes, &shard_stats, &alerts))
}

/// `/app/monitoring/elasticsearch/nodes/{id}`.
pub(crate) async fn node(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let m = try_response!(mon(&app, &ctx, params).map_err(|e| bad_range(&ctx, &e)));
    let cluster = try_response!(cluster_or_no_data(&m).await);
    let q = query::create_query(
        DocType::NodeStats,
        Some(&cluster.cluster_uuid),
        Some(("source_node.uuid", &id)),
        Some(&m.range),
        vec![],
    );
    let newest = try_response!(m.search(ES_INDEX, &query::newest(q)).await);
    let Some(hit) = newest["hits"]["hits"].get(0) else {
        return view::not_found(
            &m,
            &format!("No monitoring data for the node [{id}] in this time range."),
        );
    };
    let node = NodeRow::from_source(&hit["_source"]);
    let shard_stats = try_response!(shards(&m, &cluster).await);
    let charts = try_response!(
        charts(
            &m,
            DocType::NodeStats,
            &cluster.cluster_uuid,
            Some(("source_node.uuid", &id)),
            vec![],
            NODE_CHARTS,
            Reduce::Max
        )
        .await
    );
    page(view::node(&m, &cluster, &node, &shard_stats, &charts))
}

/// One index row of the list.
#[derive(Debug)]
pub(crate) struct IndexRow {
    name: String,
    status: String,
    documents: Option<f64>,
    data_bytes: Option<f64>,
    index_rate: Option<f64>,
    search_rate: Option<f64>,
    unassigned: u64,
}

fn index_row(m: &Mon<'_>, latest: &Value, earliest: &Value, shards: &Shards) -> IndexRow {
    use source::IndexPaths as P;
    let name = source::text(latest, P::NAME).unwrap_or_default();
    let range_ms = m.range.max - m.range.min;
    let point =
        |doc: &Value, paths: &[&str]| Some((source::timestamp_ms(doc)?, source::num(doc, paths)?));
    let rate = |paths: &[&str]| {
        series::list_rate(point(latest, paths), point(earliest, paths), range_ms).0
    };
    let shard = shards.per_index.get(&name).copied();
    // Kibana's status from the shard documents; without them, what the document says.
    let status = match shard {
        Some((p, _, _)) if p > 0 => "red".to_string(),
        Some((_, r, _)) if r > 0 => "yellow".to_string(),
        Some(_) => "green".to_string(),
        None => source::text(latest, P::STATUS).unwrap_or_else(|| "Deleted / Closed".to_string()),
    };
    IndexRow {
        status,
        documents: source::num(latest, P::DOCS),
        data_bytes: source::num(latest, P::DATA),
        index_rate: rate(P::INDEX_TOTAL),
        search_rate: rate(P::QUERY_TOTAL),
        unassigned: shard.map_or(0, |(p, r, _)| p + r),
        name,
    }
}

/// `/app/monitoring/elasticsearch/indices` (system indices with `?show_system_indices=true`).
pub(crate) async fn indices(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Query(params): Query<Params>,
) -> Response {
    let show_system = params.show_system_indices.as_deref() == Some("true");
    let m = try_response!(mon(&app, &ctx, params).map_err(|e| bad_range(&ctx, &e)));
    let cluster = try_response!(cluster_or_no_data(&m).await);
    let shard_stats = try_response!(shards(&m, &cluster).await);
    let rows = try_response!(
        entities(
            &m,
            ES_INDEX,
            DocType::IndexStats,
            &cluster.cluster_uuid,
            "index_stats.index",
            vec![]
        )
        .await
    );
    let list: Vec<IndexRow> = rows
        .iter()
        .map(|(latest, earliest)| index_row(&m, latest, earliest, &shard_stats))
        .filter(|r| show_system || !r.name.starts_with('.'))
        .collect();
    page(view::indices(&m, &cluster, &list, show_system))
}

/// `/app/monitoring/elasticsearch/indices/{name}`.
pub(crate) async fn index(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let m = try_response!(mon(&app, &ctx, params).map_err(|e| bad_range(&ctx, &e)));
    let cluster = try_response!(cluster_or_no_data(&m).await);
    let shard_stats = try_response!(shards(&m, &cluster).await);
    let rows = try_response!(
        entities(
            &m,
            ES_INDEX,
            DocType::IndexStats,
            &cluster.cluster_uuid,
            "index_stats.index",
            vec![json!({"term": {"index_stats.index": name}})]
        )
        .await
    );
    let Some((latest, earliest)) = rows.first() else {
        return view::not_found(
            &m,
            &format!("No monitoring data for the index [{name}] in this time range."),
        );
    };
    let row = index_row(&m, latest, earliest, &shard_stats);
    let charts = try_response!(
        charts(
            &m,
            DocType::IndexStats,
            &cluster.cluster_uuid,
            Some(("index_stats.index", &name)),
            vec![],
            INDEX_CHARTS,
            Reduce::Max
        )
        .await
    );
    page(view::index(&m, &cluster, &row, &charts))
}

/// The Beats overview's figures.
#[derive(Debug, Default)]
pub(crate) struct BeatsSummary {
    total: u64,
    types: Vec<(String, u64)>,
    events: Option<f64>,
    bytes: Option<f64>,
}

/// `/app/monitoring/beats`: Total Beats by type, Total Events, Bytes Sent, and the charts.
pub(crate) async fn beats(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Query(params): Query<Params>,
) -> Response {
    let m = try_response!(mon(&app, &ctx, params).map_err(|e| bad_range(&ctx, &e)));
    let cluster = try_response!(beats_cluster_or_no_data(&m).await);
    let q = query::create_query(
        DocType::BeatsStats,
        Some(&cluster.cluster_uuid),
        None,
        Some(&m.range),
        vec![not_apm()],
    );
    let events = "beats_stats.metrics.libbeat.pipeline.events.total";
    let bytes = "beats_stats.metrics.libbeat.output.write.bytes";
    let body = json!({
        "size": 0,
        "query": q,
        "aggs": {
            "types": {"terms": {"field": "beats_stats.beat.type", "size": 1000},
                      "aggs": {"uuids": {"terms": {"field": "beats_stats.beat.uuid", "size": 10000}}}},
            "total": {"cardinality": {"field": "beats_stats.beat.uuid", "precision_threshold": 10000}},
            "ephemeral_ids": {"terms": {"field": "beats_stats.metrics.beat.info.ephemeral_id", "size": 10000},
                "aggs": {
                    "min_events": {"min": {"field": events}}, "max_events": {"max": {"field": events}},
                    "min_bytes": {"min": {"field": bytes}}, "max_bytes": {"max": {"field": bytes}}
                }}
        }
    });
    let answer = try_response!(m.search(BEATS_INDEX, &body).await);
    let aggs = &answer["aggregations"];
    let summary = BeatsSummary {
        total: aggs["total"]["value"].as_u64().unwrap_or(0),
        types: aggs["types"]["buckets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| {
                let n = b["uuids"]["buckets"].as_array().map_or(0, Vec::len) as u64;
                Some((b["key"].as_str()?.to_string(), n))
            })
            .collect(),
        events: series::total_over_runs(&aggs["ephemeral_ids"], "min_events", "max_events"),
        bytes: series::total_over_runs(&aggs["ephemeral_ids"], "min_bytes", "max_bytes"),
    };
    let charts = try_response!(
        charts(
            &m,
            DocType::BeatsStats,
            &cluster.cluster_uuid,
            None,
            vec![not_apm()],
            BEATS_CHARTS,
            Reduce::SumOfMaxPer("beats_stats.beat.uuid")
        )
        .await
    );
    let instances = try_response!(beat_rows(&m, &cluster.cluster_uuid).await);
    page(view::beats(&m, &cluster, &summary, &charts, &instances))
}

/// One Beat instance of the list.
#[derive(Debug)]
pub(crate) struct BeatRow {
    uuid: String,
    name: String,
    host: String,
    beat_type: String,
    version: String,
    output: String,
    events_rate: Option<f64>,
    bytes_rate: Option<f64>,
    output_errors: Option<f64>,
    memory: Option<f64>,
    uptime_ms: Option<f64>,
    config_reloads: Option<f64>,
    events_total: Option<f64>,
    events_emitted: Option<f64>,
    events_dropped: Option<f64>,
    bytes_sent: Option<f64>,
    handles_soft: Option<f64>,
    handles_hard: Option<f64>,
}

fn beat_row(m: &Mon<'_>, latest: &Value, earliest: &Value) -> BeatRow {
    use source::{beat_num, beat_text};
    let range_ms = m.range.max - m.range.min;
    let point = |doc: &Value, s: &str| Some((source::timestamp_ms(doc)?, beat_num(doc, s)?));
    let rate = |s: &str| series::list_rate(point(latest, s), point(earliest, s), range_ms).0;
    let delta = |s: &str| Some(beat_num(latest, s)? - beat_num(earliest, s)?).filter(|d| *d >= 0.0);
    let errors = |doc: &Value| {
        Some(
            beat_num(doc, "metrics.libbeat.output.write.errors")?
                + beat_num(doc, "metrics.libbeat.output.read.errors").unwrap_or(0.0),
        )
    };
    BeatRow {
        uuid: beat_text(latest, "beat.uuid").unwrap_or_default(),
        name: beat_text(latest, "beat.name").unwrap_or_default(),
        host: beat_text(latest, "beat.host").unwrap_or_default(),
        beat_type: beat_text(latest, "beat.type").unwrap_or_default(),
        version: beat_text(latest, "beat.version").unwrap_or_default(),
        output: beat_text(latest, "metrics.libbeat.output.type").unwrap_or_default(),
        events_rate: rate("metrics.libbeat.pipeline.events.total"),
        bytes_rate: rate("metrics.libbeat.output.write.bytes"),
        output_errors: errors(latest)
            .zip(errors(earliest))
            .map(|(l, e)| (l - e).max(0.0)),
        memory: beat_num(latest, "metrics.beat.memstats.memory_alloc"),
        uptime_ms: beat_num(latest, "metrics.beat.info.uptime.ms"),
        config_reloads: beat_num(latest, "metrics.libbeat.config.reloads"),
        events_total: delta("metrics.libbeat.pipeline.events.total"),
        events_emitted: delta("metrics.libbeat.output.events.total"),
        events_dropped: delta("metrics.libbeat.pipeline.events.dropped"),
        bytes_sent: delta("metrics.libbeat.output.write.bytes"),
        handles_soft: beat_num(latest, "metrics.beat.handles.limit.soft"),
        handles_hard: beat_num(latest, "metrics.beat.handles.limit.hard"),
    }
}

async fn beat_rows(m: &Mon<'_>, cluster: &str) -> Result<Vec<BeatRow>, Response> {
    let rows = entities(
        m,
        BEATS_INDEX,
        DocType::BeatsStats,
        cluster,
        "beats_stats.beat.uuid",
        vec![not_apm()],
    )
    .await?;
    let mut list: Vec<BeatRow> = rows.iter().map(|(l, e)| beat_row(m, l, e)).collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(list)
}

/// `/app/monitoring/beats/beats`: the instance list.
pub(crate) async fn beats_list(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Query(params): Query<Params>,
) -> Response {
    let m = try_response!(mon(&app, &ctx, params).map_err(|e| bad_range(&ctx, &e)));
    let cluster = try_response!(beats_cluster_or_no_data(&m).await);
    let instances = try_response!(beat_rows(&m, &cluster.cluster_uuid).await);
    page(view::beats_list(&m, &cluster, &instances))
}

/// `/app/monitoring/beats/beat/{uuid}`: one Beat's summary and charts.
pub(crate) async fn beat(
    State(app): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path(uuid): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let m = try_response!(mon(&app, &ctx, params).map_err(|e| bad_range(&ctx, &e)));
    let cluster = try_response!(beats_cluster_or_no_data(&m).await);
    let filter = json!({"term": {"beats_stats.beat.uuid": uuid}});
    let rows = try_response!(
        entities(
            &m,
            BEATS_INDEX,
            DocType::BeatsStats,
            &cluster.cluster_uuid,
            "beats_stats.beat.uuid",
            vec![not_apm(), filter.clone()]
        )
        .await
    );
    let Some((latest, earliest)) = rows.first() else {
        return view::not_found(
            &m,
            &format!("No monitoring data for the Beat [{uuid}] in this time range."),
        );
    };
    let row = beat_row(&m, latest, earliest);
    let charts = try_response!(
        charts(
            &m,
            DocType::BeatsStats,
            &cluster.cluster_uuid,
            None,
            vec![not_apm(), filter],
            BEATS_CHARTS,
            Reduce::Max
        )
        .await
    );
    page(view::beat(&m, &cluster, &row, &charts))
}

/// Why a page found nothing (Kibana's "No monitoring data found", explained).
#[derive(Debug, Default)]
pub(crate) struct Diagnosis {
    /// Documents the user can read in the monitoring patterns, any time.
    user_documents: u64,
    /// The newest of them (epoch ms).
    newest_ms: Option<i64>,
    /// Cluster uuids the user's documents name.
    clusters_seen: Vec<String>,
    /// Documents that exist (counted as the console's own user, which may read
    /// `.monitoring-*`); `None` when that could not be asked.
    existing_documents: Option<u64>,
    /// The monitoring indices that exist.
    existing_indices: Vec<String>,
    /// Whether the user holds `read` on `.monitoring-es-*`.
    user_may_read: Option<bool>,
    /// Clusters (or the standalone pseudo-cluster) Beats report for in the range.
    beats_clusters: Vec<String>,
}

/// The three causes, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// Nothing was ever collected.
    NothingCollected,
    /// Documents exist but this user may not read them.
    NoPermission,
    /// The user's documents lie outside the range (or belong to another cluster).
    OutsideRange,
}

impl Diagnosis {
    pub(crate) fn cause(&self) -> Cause {
        if self.user_documents > 0 {
            Cause::OutsideRange
        } else if self.user_may_read == Some(false)
            || self.existing_documents.is_some_and(|n| n > 0)
        {
            Cause::NoPermission
        } else {
            Cause::NothingCollected
        }
    }
}

async fn no_data(m: &Mon<'_>) -> Response {
    let mut d = Diagnosis::default();
    let everything = query::create_query(
        DocType::ClusterStats,
        m.params.cluster_uuid.as_deref(),
        None,
        None,
        vec![],
    );
    let body = json!({
        "size": 0,
        "query": everything,
        "aggs": {"newest": {"max": {"field": "timestamp"}}, "clusters": {"terms": {"field": "cluster_uuid", "size": 20}}}
    });
    if let Ok(Some(answer)) = m.search_readable(ES_INDEX, &body).await {
        d.user_documents = answer["hits"]["total"]["value"].as_u64().unwrap_or(0);
        d.newest_ms = answer["aggregations"]["newest"]["value"]
            .as_f64()
            .map(|v| v as i64);
        d.clusters_seen = answer["aggregations"]["clusters"]["buckets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["key"].as_str().map(str::to_string))
            .collect();
    }
    let beats = json!({
        "size": 0,
        "query": query::create_query(DocType::BeatsStats, None, None, Some(&m.range), vec![not_apm()]),
        "aggs": {"clusters": {"terms": {"field": "cluster_uuid", "size": 20, "missing": STANDALONE_CLUSTER}}}
    });
    if let Ok(Some(answer)) = m.search_readable(BEATS_INDEX, &beats).await {
        d.beats_clusters = answer["aggregations"]["clusters"]["buckets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["key"].as_str().map(str::to_string))
            .collect();
    }
    let privileges = json!({"index": [{"names": [".monitoring-es-*"], "privileges": ["read"]}]});
    if let Ok(answer) = call(
        m.app,
        Method::POST,
        "/_security/user/_has_privileges",
        &m.ctx.caller.authorization,
        Some(&privileges),
    )
    .await
        && answer.ok()
    {
        d.user_may_read = answer.body["index"][".monitoring-es-*"]["read"].as_bool();
    }
    if let Some(internal) = &m.app.internal_authorization {
        if let Ok(answer) = call(
            m.app,
            Method::GET,
            "/_resolve/index/.monitoring-*,metrics-*.stack_monitoring.*",
            internal,
            None,
        )
        .await
            && answer.ok()
        {
            for kind in ["indices", "data_streams"] {
                for item in answer.body[kind].as_array().into_iter().flatten() {
                    if let Some(name) = item["name"].as_str() {
                        d.existing_indices.push(name.to_string());
                    }
                }
            }
        }
        if let Ok(answer) = call(
            m.app,
            Method::POST,
            &format!("/{ES_INDEX}/_count?ignore_unavailable=true"),
            internal,
            Some(&json!({})),
        )
        .await
            && answer.ok()
        {
            d.existing_documents = answer.body["count"].as_u64();
        }
    }
    let status = if d.cause() == Cause::NoPermission {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    (status, HtmlBody(view::no_data(m, &d))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_comes_from_from_to_or_kibanas_g() {
        let now = 1_700_000_000_000;
        let r = time_range(&Params::default(), now).unwrap();
        assert_eq!((r.min, r.max), (now - 3_600_000, now));
        let g = Params {
            global: Some("(refreshInterval:(pause:!t),time:(from:now-15m,to:now))".into()),
            ..Params::default()
        };
        assert_eq!(time_range(&g, now).unwrap().min, now - 900_000);
        let quoted = Params {
            global: Some(
                "(time:(from:'2023-11-14T22:00:00.000Z',to:'2023-11-14T22:13:20.000Z'))".into(),
            ),
            ..Params::default()
        };
        let r = time_range(&quoted, now).unwrap();
        assert_eq!((r.min, r.max), (1_699_999_200_000, now));
        let explicit = Params {
            from: Some("now-2h".into()),
            global: Some("(time:(from:now-15m,to:now))".into()),
            ..Params::default()
        };
        assert_eq!(
            time_range(&explicit, now).unwrap().min,
            now - 7_200_000,
            "from wins"
        );
        let bad = Params {
            from: Some("yesterday-ish".into()),
            ..Params::default()
        };
        assert!(
            time_range(&bad, now)
                .unwrap_err()
                .contains("[yesterday-ish] is not a valid time")
        );
        let empty = Params {
            from: Some("now".into()),
            to: Some("now-1h".into()),
            ..Params::default()
        };
        assert!(time_range(&empty, now).is_err());
    }

    #[test]
    fn shards_are_counted_for_one_cluster_state() {
        let doc = |state: &str, index: &str, primary: bool, shard_state: &str| {
            json!({"_id": format!("{state}{index}{primary}"), "_source": {"@timestamp": "2026-01-01T00:00:00Z",
                "elasticsearch": {"cluster": {"state": {"id": state}}, "index": {"name": index},
                    "node": {"id": "n1"}, "shard": {"primary": primary, "state": shard_state}}}})
        };
        let docs = [
            doc("s2", "logs", true, "STARTED"),
            doc("s2", "logs", false, "UNASSIGNED"),
            doc("s2", "logs", false, "UNASSIGNED"),
            doc("s2", "metrics", true, "UNASSIGNED"),
            doc("s1", "old", true, "STARTED"),
        ];
        let refs: Vec<&Value> = docs.iter().collect();
        let s = count_shards(&refs, Some("s2"));
        assert_eq!(s.unassigned, 2);
        assert_eq!(s.per_index["logs"], (0, 1, 1));
        assert_eq!(s.per_index["metrics"], (1, 0, 0));
        assert!(!s.per_index.contains_key("old"));
        assert_eq!(s.per_node["n1"], 1);
        let fallback = count_shards(&refs, Some("not-in-shard-docs"));
        assert_eq!(fallback.unassigned, 2, "the newest document's state");
    }

    #[test]
    fn the_diagnosis_names_the_cause() {
        let nothing = Diagnosis {
            user_may_read: Some(true),
            existing_documents: Some(0),
            ..Diagnosis::default()
        };
        assert_eq!(nothing.cause(), Cause::NothingCollected);
        let hidden = Diagnosis {
            user_may_read: Some(false),
            existing_documents: Some(12),
            ..Diagnosis::default()
        };
        assert_eq!(hidden.cause(), Cause::NoPermission);
        let old = Diagnosis {
            user_documents: 5,
            newest_ms: Some(1),
            ..Diagnosis::default()
        };
        assert_eq!(old.cause(), Cause::OutsideRange);
    }

    #[test]
    fn chart_specs_read_the_legacy_names_kibana_queries() {
        let fields: Vec<&str> = CLUSTER_CHARTS
            .iter()
            .flat_map(|c| c.lines.iter().flat_map(|(_, s)| s.fields()))
            .collect();
        assert!(fields.contains(&"indices_stats._all.total.search.query_total"));
        assert!(fields.contains(&"indices_stats._all.primaries.indexing.index_time_in_millis"));
        assert_eq!(
            CLUSTER_CHARTS.iter().map(|c| c.title).collect::<Vec<_>>(),
            [
                "Search Rate",
                "Indexing Rate",
                "Search Latency",
                "Indexing Latency"
            ]
        );
    }
}
