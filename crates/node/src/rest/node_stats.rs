//! `GET /_nodes[/{node_id}]/stats[/{metric}[/{index_metric}]]`: every section Elasticsearch 9
//! returns, each with its keys in its order and its `?human` twins (`size` before
//! `size_in_bytes`, `time` before `time_in_millis`) exactly where Elasticsearch adds them; the
//! metric and index-metric filters and `level` with Elasticsearch's texts for what it refuses.
//!
//! Figures are measured where the node has them (`stats.rs`: CPU, memory, file descriptors,
//! control group, disk space and I/O of `path.data`; HTTP connections; the tokio runtime) and
//! come from the store for `indices` ([`IndicesTotals`], zeros until the store is wired).
//! Where the node has no such part, the section is Elasticsearch's own zeros, because
//! monitoring tools (Metricbeat, Kibana) read these keys without checking for them:
//!
//! - There is no JVM. `jvm.mem.heap_used_in_bytes` and `heap_committed_in_bytes` are the
//!   process's resident memory; `heap_max_in_bytes` is the heap Elasticsearch would give
//!   itself on this machine (its default sizing for the node's roles), so the heap percentage,
//!   the circuit breaker limits and the indexing pressure limit are those of an Elasticsearch
//!   node of the same size. `threads` are the process's threads, `uptime` the node's. The
//!   collectors `young`/`old`, the pools `young`/`old`/`survivor`, the buffer pools and the
//!   class counts are present with zeros: nothing is collected and no class is loaded.
//! - There is no transport layer: `transport` is zeros with `server_open: 0`.
//! - Requests run on one tokio runtime, reported as Elasticsearch's `generic` pool (workers,
//!   global queue, busy workers); Elasticsearch's other pools are listed with zeros.
//! - No scripts, ingest pipelines, repositories or other nodes: those sections are empty.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use serde_json::{Map, Value, json};

use super::envelope::RenderParams;
use super::handlers::{
    NODE_ROLES, node_heap_max, nodes_header, parse_time_value, selects_this_node,
};
use super::params::PathParams;
use super::response::{ApiError, EsJson};
use crate::state::AppState;
use crate::stats::{FsSample, OsSample, ProcessSample, human_bytes, human_duration};

/// What the store has done since the node started, summed over its indices: the source of
/// the `indices` section. Plain numbers; sizes in bytes, times in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct IndicesTotals {
    pub(crate) docs_count: u64,
    pub(crate) docs_deleted: u64,
    /// The documents' `_source` bytes.
    pub(crate) docs_size_bytes: u64,
    /// Shards held by this node (`shard_stats.total_count`).
    pub(crate) shards: u64,
    pub(crate) store_size_bytes: u64,
    pub(crate) index_total: u64,
    pub(crate) index_time_millis: u64,
    pub(crate) index_current: u64,
    pub(crate) index_failed: u64,
    pub(crate) delete_total: u64,
    pub(crate) delete_time_millis: u64,
    pub(crate) get_exists_total: u64,
    pub(crate) get_exists_time_millis: u64,
    pub(crate) get_missing_total: u64,
    pub(crate) get_missing_time_millis: u64,
    pub(crate) open_contexts: u64,
    pub(crate) query_total: u64,
    pub(crate) query_time_millis: u64,
    pub(crate) query_current: u64,
    pub(crate) fetch_total: u64,
    pub(crate) fetch_time_millis: u64,
    pub(crate) scroll_total: u64,
    pub(crate) scroll_time_millis: u64,
    pub(crate) scroll_current: u64,
    pub(crate) merges_total: u64,
    pub(crate) merges_time_millis: u64,
    pub(crate) merges_docs: u64,
    pub(crate) merges_size_bytes: u64,
    pub(crate) refresh_total: u64,
    pub(crate) refresh_time_millis: u64,
    pub(crate) flush_total: u64,
    pub(crate) flush_time_millis: u64,
    pub(crate) segments_count: u64,
    pub(crate) translog_operations: u64,
    pub(crate) translog_size_bytes: u64,
    pub(crate) translog_uncommitted_operations: u64,
    pub(crate) translog_uncommitted_size_bytes: u64,
    pub(crate) bulk_operations: u64,
    pub(crate) bulk_time_millis: u64,
    pub(crate) bulk_size_bytes: u64,
    /// Mapped fields over all indices (`mappings.total_count`).
    pub(crate) mapped_fields: u64,
}

/// Where `_nodes/stats` reads the store's totals (set once on [`AppState`]).
pub(crate) type IndicesTotalsSource = Arc<dyn Fn() -> IndicesTotals + Send + Sync>;

/// The node-level metrics, as Elasticsearch's `NodesStatsRequestParameters.Metric` names them
/// (`indices` is handled apart, as Elasticsearch does).
const METRICS: [&str; 16] = [
    "os",
    "process",
    "jvm",
    "thread_pool",
    "fs",
    "transport",
    "http",
    "breaker",
    "script",
    "discovery",
    "ingest",
    "adaptive_selection",
    "script_cache",
    "indexing_pressure",
    "repositories",
    "allocations",
];

/// The index metrics (`CommonStatsFlags.Flag` REST names), in the order their sections appear.
pub(crate) const INDEX_METRICS: [&str; 21] = [
    "docs",
    "shard_stats",
    "store",
    "indexing",
    "get",
    "search",
    "merge",
    "refresh",
    "flush",
    "warmer",
    "query_cache",
    "fielddata",
    "completion",
    "segments",
    "translog",
    "request_cache",
    "recovery",
    "bulk",
    "mappings",
    "dense_vector",
    "sparse_vector",
];

/// Elasticsearch's thread pools (`ThreadPool.Names`), sorted as its stats list them.
const THREAD_POOLS: [&str; 22] = [
    "analyze",
    "auto_complete",
    "cluster_coordination",
    "fetch_shard_started",
    "fetch_shard_store",
    "flush",
    "force_merge",
    "generic",
    "get",
    "management",
    "merge",
    "refresh",
    "search",
    "search_coordination",
    "snapshot",
    "snapshot_meta",
    "system_critical_read",
    "system_critical_write",
    "system_read",
    "system_write",
    "warmer",
    "write",
];

/// `?level`: how `indices` is broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Node,
    Indices,
    Shards,
}

impl Level {
    fn parse(value: Option<&str>) -> Result<Self, ApiError> {
        let Some(v) = value else {
            return Ok(Self::Node);
        };
        match v.to_ascii_lowercase().as_str() {
            "node" => Ok(Self::Node),
            "indices" => Ok(Self::Indices),
            "shards" => Ok(Self::Shards),
            _ => Err(ApiError::illegal_argument(format!(
                "level parameter must be one of [node] or [indices] or [shards] but was [{v}]"
            ))),
        }
    }
}

/// What a request asks for, validated as Elasticsearch's `RestNodesStatsAction` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatsRequest {
    metrics: HashSet<&'static str>,
    /// The index metrics, when `indices` is requested.
    index_metrics: Option<HashSet<&'static str>>,
    level: Level,
}

/// Comma-separated names, trimmed, without empties or repeats.
fn tokenize(value: &str) -> BTreeSet<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn known(names: &[&'static str], name: &str) -> Option<&'static str> {
    names.iter().copied().find(|n| *n == name)
}

impl StatsRequest {
    /// The request for raw path `path` (as Elasticsearch quotes it in errors) with its
    /// `{metric}` and `{index_metric}` segments and `?level`.
    pub(crate) fn parse(
        path: &str,
        metric: Option<&str>,
        index_metric: Option<&str>,
        level: Option<&str>,
    ) -> Result<Self, ApiError> {
        let level = Level::parse(level)?;
        let metric_param = metric.unwrap_or("_all");
        let names = tokenize(metric_param);
        if names.len() == 1 && names.contains("_all") {
            if let Some(im) = index_metric {
                return Err(ApiError::illegal_argument(format!(
                    "request [{path}] contains index metrics [{im}] but all stats requested"
                )));
            }
            return Ok(Self {
                metrics: METRICS.into_iter().collect(),
                index_metrics: Some(INDEX_METRICS.into_iter().collect()),
                level,
            });
        }
        if names.contains("_all") {
            return Err(ApiError::illegal_argument(format!(
                "request [{path}] contains _all and individual metrics [{metric_param}]"
            )));
        }
        let mut metrics = HashSet::new();
        let mut invalid = BTreeSet::new();
        for name in &names {
            match known(&METRICS, name) {
                Some(m) => {
                    metrics.insert(m);
                }
                None if name == "indices" => {}
                None => {
                    invalid.insert(name.clone());
                }
            }
        }
        if !invalid.is_empty() {
            return Err(ApiError::illegal_argument(unrecognized(
                path, &invalid, &METRICS, "metric",
            )));
        }
        let index_metrics = if names.contains("indices") {
            let index_names = tokenize(index_metric.unwrap_or("_all"));
            if index_names.len() == 1 && index_names.contains("_all") {
                Some(INDEX_METRICS.into_iter().collect())
            } else {
                let mut flags = HashSet::new();
                let mut invalid = BTreeSet::new();
                for name in &index_names {
                    match known(&INDEX_METRICS, name) {
                        Some(f) => {
                            flags.insert(f);
                        }
                        None => {
                            invalid.insert(name.clone());
                        }
                    }
                }
                if !invalid.is_empty() {
                    return Err(ApiError::illegal_argument(unrecognized(
                        path,
                        &invalid,
                        &INDEX_METRICS,
                        "index metric",
                    )));
                }
                Some(flags)
            }
        } else if let Some(im) = index_metric {
            return Err(ApiError::illegal_argument(format!(
                "request [{path}] contains index metrics [{im}] but indices stats not requested"
            )));
        } else {
            None
        };
        Ok(Self {
            metrics,
            index_metrics,
            level,
        })
    }

    /// Only the common stats sections `flags` (index metric names), node level: what
    /// `GET /_stats` renders per index with [`indices_section`].
    pub(crate) fn common_stats(flags: HashSet<&'static str>) -> Self {
        Self {
            metrics: HashSet::new(),
            index_metrics: Some(flags),
            level: Level::Node,
        }
    }

    fn wants(&self, metric: &str) -> bool {
        self.metrics.contains(metric)
    }

    fn wants_index(&self, flag: &str) -> bool {
        self.index_metrics
            .as_ref()
            .is_some_and(|f| f.contains(flag))
    }
}

/// Lucene's `LevenshteinDistance.getDistance`: 1 minus the edit distance over the longer
/// length, the score Elasticsearch suggests names by.
fn similarity(target: &str, other: &str) -> f32 {
    let a: Vec<char> = target.chars().collect();
    let b: Vec<char> = other.chars().collect();
    if a.is_empty() || b.is_empty() {
        return if a.len() == b.len() { 1.0 } else { 0.0 };
    }
    let mut previous: Vec<usize> = (0..=a.len()).collect();
    let mut current = vec![0; a.len() + 1];
    for (j, cb) in b.iter().enumerate() {
        current[0] = j + 1;
        for (i, ca) in a.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current[i + 1] = (current[i] + 1)
                .min(previous[i + 1] + 1)
                .min(previous[i] + cost);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    1.0 - previous[a.len()] as f32 / a.len().max(b.len()) as f32
}

/// Elasticsearch's `BaseRestHandler.unrecognized` text: each unknown name, sorted, with the
/// known names scoring above 0.5 as suggestions (best first, then by name).
pub(crate) fn unrecognized(
    path: &str,
    invalid: &BTreeSet<String>,
    candidates: &[&str],
    detail: &str,
) -> String {
    let plural = if invalid.len() > 1 { "s" } else { "" };
    let items: Vec<String> = invalid
        .iter()
        .map(|name| {
            let mut scored: Vec<(f32, &str)> = candidates
                .iter()
                .map(|c| (similarity(name, c), *c))
                .filter(|(s, _)| *s > 0.5)
                .collect();
            scored.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(y.1)));
            match scored.as_slice() {
                [] => format!("[{name}]"),
                [(_, one)] => format!("[{name}] -> did you mean [{one}]?"),
                many => {
                    let names: Vec<&str> = many.iter().map(|(_, n)| *n).collect();
                    format!("[{name}] -> did you mean any of [{}]?", names.join(", "))
                }
            }
        })
        .collect();
    format!(
        "request [{path}] contains unrecognized {detail}{plural}: {}",
        items.join(", ")
    )
}

/// One JSON object built in Elasticsearch's key order. `bytes`/`millis` add the `?human`
/// twin just before the raw key, where Elasticsearch's `humanReadableField` writes it.
struct Obj {
    map: Map<String, Value>,
    human: bool,
}

impl Obj {
    fn new(human: bool) -> Self {
        Self {
            map: Map::new(),
            human,
        }
    }

    fn put(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.map.insert(key.to_string(), value.into());
        self
    }

    fn bytes(mut self, raw: &str, readable: &str, bytes: u64) -> Self {
        if self.human {
            self.map
                .insert(readable.to_string(), human_bytes(bytes).into());
        }
        self.put(raw, bytes)
    }

    fn millis(mut self, raw: &str, readable: &str, millis: u64) -> Self {
        if self.human {
            self.map
                .insert(readable.to_string(), human_duration(millis).into());
        }
        self.put(raw, millis)
    }

    fn obj(self, key: &str, build: impl FnOnce(Obj) -> Obj) -> Self {
        let child = build(Obj::new(self.human)).build();
        self.put(key, child)
    }

    fn build(self) -> Value {
        Value::Object(self.map)
    }
}

fn empty() -> Value {
    Value::Object(Map::new())
}

/// `(part * 100 / whole)` rounded, as Elasticsearch's `OsStats.calculatePercentage`.
fn rounded_percent(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        0
    } else {
        (part as f64 * 100.0 / whole as f64).round() as u64
    }
}

pub(crate) fn indices_section(t: &IndicesTotals, req: &StatsRequest, human: bool) -> Value {
    let has = |flag: &str| req.wants_index(flag);
    let mut o = Obj::new(human);
    if has("docs") {
        o = o.obj("docs", |d| {
            d.put("count", t.docs_count)
                .put("deleted", t.docs_deleted)
                .bytes("total_size_in_bytes", "total_size", t.docs_size_bytes)
        });
    }
    if has("shard_stats") {
        o = o.obj("shard_stats", |s| s.put("total_count", t.shards));
    }
    if has("store") {
        o = o.obj("store", |s| {
            s.bytes("size_in_bytes", "size", t.store_size_bytes)
                .bytes(
                    "total_data_set_size_in_bytes",
                    "total_data_set_size",
                    t.store_size_bytes,
                )
                .bytes("reserved_in_bytes", "reserved", 0)
        });
    }
    if has("indexing") {
        o = o.obj("indexing", |i| {
            i.put("index_total", t.index_total)
                .millis("index_time_in_millis", "index_time", t.index_time_millis)
                .put("index_current", t.index_current)
                .put("index_failed", t.index_failed)
                .put("index_failed_due_to_version_conflict", 0)
                .put("delete_total", t.delete_total)
                .millis("delete_time_in_millis", "delete_time", t.delete_time_millis)
                .put("delete_current", 0)
                .put("noop_update_total", 0)
                .put("is_throttled", false)
                .millis("throttle_time_in_millis", "throttle_time", 0)
                .put("write_load", 0.0)
                .put("recent_write_load", 0.0)
                .put("peak_write_load", 0.0)
        });
    }
    if has("get") {
        o = o.obj("get", |g| {
            // Elasticsearch's human twin of `time_in_millis` is spelled `getTime`.
            g.put("total", t.get_exists_total + t.get_missing_total)
                .millis(
                    "time_in_millis",
                    "getTime",
                    t.get_exists_time_millis + t.get_missing_time_millis,
                )
                .put("exists_total", t.get_exists_total)
                .millis(
                    "exists_time_in_millis",
                    "exists_time",
                    t.get_exists_time_millis,
                )
                .put("missing_total", t.get_missing_total)
                .millis(
                    "missing_time_in_millis",
                    "missing_time",
                    t.get_missing_time_millis,
                )
                .put("current", 0)
        });
    }
    if has("search") {
        o = o.obj("search", |s| {
            s.put("open_contexts", t.open_contexts)
                .put("query_total", t.query_total)
                .millis("query_time_in_millis", "query_time", t.query_time_millis)
                .put("query_current", t.query_current)
                .put("query_failure", 0)
                .put("fetch_total", t.fetch_total)
                .millis("fetch_time_in_millis", "fetch_time", t.fetch_time_millis)
                .put("fetch_current", 0)
                .put("fetch_failure", 0)
                .put("scroll_total", t.scroll_total)
                .millis("scroll_time_in_millis", "scroll_time", t.scroll_time_millis)
                .put("scroll_current", t.scroll_current)
                .put("suggest_total", 0)
                .millis("suggest_time_in_millis", "suggest_time", 0)
                .put("suggest_current", 0)
                .put("recent_search_load", 0.0)
        });
    }
    if has("merge") {
        o = o.obj("merges", |m| {
            m.put("current", 0)
                .put("current_docs", 0)
                .bytes("current_size_in_bytes", "current_size", 0)
                .put("total", t.merges_total)
                .millis("total_time_in_millis", "total_time", t.merges_time_millis)
                .put("total_docs", t.merges_docs)
                .bytes("total_size_in_bytes", "total_size", t.merges_size_bytes)
                .millis("total_stopped_time_in_millis", "total_stopped_time", 0)
                .millis("total_throttled_time_in_millis", "total_throttled_time", 0)
                .bytes("total_auto_throttle_in_bytes", "total_auto_throttle", 0)
        });
    }
    if has("refresh") {
        // Every refresh of the store makes changes visible to searches: all are external.
        o = o.obj("refresh", |r| {
            r.put("total", t.refresh_total)
                .millis("total_time_in_millis", "total_time", t.refresh_time_millis)
                .put("external_total", t.refresh_total)
                .millis(
                    "external_total_time_in_millis",
                    "external_total_time",
                    t.refresh_time_millis,
                )
                .put("listeners", 0)
        });
    }
    if has("flush") {
        o = o.obj("flush", |f| {
            f.put("total", t.flush_total)
                .put("periodic", 0)
                .millis("total_time_in_millis", "total_time", t.flush_time_millis)
                .millis(
                    "total_time_excluding_waiting_on_lock_in_millis",
                    "total_time_excluding_waiting",
                    t.flush_time_millis,
                )
        });
    }
    if has("warmer") {
        o = o.obj("warmer", |w| {
            w.put("current", 0)
                .put("total", 0)
                .millis("total_time_in_millis", "total_time", 0)
        });
    }
    if has("query_cache") {
        o = o.obj("query_cache", |q| {
            q.bytes("memory_size_in_bytes", "memory_size", 0)
                .put("total_count", 0)
                .put("hit_count", 0)
                .put("miss_count", 0)
                .put("cache_size", 0)
                .put("cache_count", 0)
                .put("evictions", 0)
        });
    }
    if has("fielddata") {
        o = o.obj("fielddata", |f| {
            f.bytes("memory_size_in_bytes", "memory_size", 0)
                .put("evictions", 0)
                .obj("global_ordinals", |g| {
                    g.millis("build_time_in_millis", "build_time", 0)
                })
        });
    }
    if has("completion") {
        o = o.obj("completion", |c| c.bytes("size_in_bytes", "size", 0));
    }
    if has("segments") {
        o = o.obj("segments", |s| {
            let mut s = s.put("count", t.segments_count);
            for name in [
                "memory",
                "terms_memory",
                "stored_fields_memory",
                "term_vectors_memory",
                "norms_memory",
                "points_memory",
                "doc_values_memory",
                "index_writer_memory",
                "version_map_memory",
            ] {
                s = s.bytes(&format!("{name}_in_bytes"), name, 0);
            }
            s.bytes("fixed_bit_set_memory_in_bytes", "fixed_bit_set", 0)
                .put("max_unsafe_auto_id_timestamp", -1)
                .put("file_sizes", empty())
        });
    }
    if has("translog") {
        o = o.obj("translog", |l| {
            l.put("operations", t.translog_operations)
                .bytes("size_in_bytes", "size", t.translog_size_bytes)
                .put("uncommitted_operations", t.translog_uncommitted_operations)
                .bytes(
                    "uncommitted_size_in_bytes",
                    "uncommitted_size",
                    t.translog_uncommitted_size_bytes,
                )
                .put("earliest_last_modified_age", 0)
        });
    }
    if has("request_cache") {
        o = o.obj("request_cache", |r| {
            r.bytes("memory_size_in_bytes", "memory_size", 0)
                .put("evictions", 0)
                .put("hit_count", 0)
                .put("miss_count", 0)
        });
    }
    if has("recovery") {
        o = o.obj("recovery", |r| {
            r.put("current_as_source", 0)
                .put("current_as_target", 0)
                .millis("throttle_time_in_millis", "throttle_time", 0)
        });
    }
    if has("bulk") {
        let avg_time = t
            .bulk_time_millis
            .checked_div(t.bulk_operations)
            .unwrap_or(0);
        let avg_size = t
            .bulk_size_bytes
            .checked_div(t.bulk_operations)
            .unwrap_or(0);
        // Elasticsearch gives the bulk sizes no human twin.
        o = o.obj("bulk", |b| {
            b.put("total_operations", t.bulk_operations)
                .millis("total_time_in_millis", "total_time", t.bulk_time_millis)
                .put("total_size_in_bytes", t.bulk_size_bytes)
                .millis("avg_time_in_millis", "avg_time", avg_time)
                .put("avg_size_in_bytes", avg_size)
        });
    }
    if has("mappings") {
        // Elasticsearch estimates 1 KiB of heap per mapped field.
        o = o.obj("mappings", |m| {
            m.put("total_count", t.mapped_fields)
                .bytes(
                    "total_estimated_overhead_in_bytes",
                    "total_estimated_overhead",
                    t.mapped_fields * 1024,
                )
                .put("total_segments", t.segments_count)
                .put("total_segment_fields", 0)
                .put("average_fields_per_segment", 0)
        });
    }
    if has("dense_vector") {
        o = o.obj("dense_vector", |d| {
            d.put("value_count", 0).obj("off_heap", |mut h| {
                for name in [
                    "total_size",
                    "total_veb_size",
                    "total_vec_size",
                    "total_veq_size",
                    "total_vex_size",
                ] {
                    h = h.bytes(&format!("{name}_bytes"), name, 0);
                }
                h
            })
        });
    }
    if has("sparse_vector") {
        o = o.obj("sparse_vector", |s| s.put("value_count", 0));
    }
    // The store reports node totals only: the per-index and per-shard breakdowns are empty.
    match req.level {
        Level::Node => {}
        Level::Indices => o = o.put("indices", empty()),
        Level::Shards => o = o.put("shards", empty()),
    }
    o.build()
}

fn os_section(os: &OsSample, now: i64, human: bool) -> Value {
    let used = os.mem_total.saturating_sub(os.mem_free);
    let swap_used = if os.swap_total == 0 {
        0
    } else {
        os.swap_total.saturating_sub(os.swap_free)
    };
    let mut o = Obj::new(human)
        .put("timestamp", now)
        .obj("cpu", |c| {
            c.put("percent", os.cpu_percent).obj("load_average", |l| {
                l.put("1m", os.load[0])
                    .put("5m", os.load[1])
                    .put("15m", os.load[2])
            })
        })
        .obj("mem", |m| {
            m.bytes("total_in_bytes", "total", os.mem_total)
                .bytes("adjusted_total_in_bytes", "adjusted_total", os.mem_total)
                .bytes("free_in_bytes", "free", os.mem_free)
                .bytes("used_in_bytes", "used", used)
                .put("free_percent", rounded_percent(os.mem_free, os.mem_total))
                .put("used_percent", rounded_percent(used, os.mem_total))
        })
        .obj("swap", |s| {
            s.bytes("total_in_bytes", "total", os.swap_total)
                .bytes("free_in_bytes", "free", os.swap_free)
                .bytes("used_in_bytes", "used", swap_used)
        });
    if let Some(c) = &os.cgroup {
        o = o.put(
            "cgroup",
            json!({
                "cpuacct": {"control_group": c.cpuacct_group, "usage_nanos": c.cpuacct_usage_nanos},
                "cpu": {
                    "control_group": c.cpu_group,
                    "cfs_period_micros": c.cfs_period_micros,
                    "cfs_quota_micros": c.cfs_quota_micros,
                    "stat": {
                        "number_of_elapsed_periods": c.elapsed_periods,
                        "number_of_times_throttled": c.times_throttled,
                        "time_throttled_nanos": c.time_throttled_nanos
                    }
                },
                "memory": {
                    "control_group": c.memory_group,
                    "limit_in_bytes": c.memory_limit,
                    "usage_in_bytes": c.memory_usage
                }
            }),
        );
    }
    o.build()
}

fn process_section(p: &ProcessSample, now: i64, human: bool) -> Value {
    Obj::new(human)
        .put("timestamp", now)
        .put("open_file_descriptors", p.open_fds)
        .put("max_file_descriptors", p.max_fds)
        .obj("cpu", |c| {
            c.put("percent", p.cpu_percent)
                .millis("total_in_millis", "total", p.cpu_total_millis)
        })
        .obj("mem", |m| {
            m.bytes("total_virtual_in_bytes", "total_virtual", p.virtual_bytes)
        })
        .build()
}

fn jvm_section(p: &ProcessSample, heap_max: u64, uptime: u64, now: i64, human: bool) -> Value {
    let pool = |o: Obj| {
        o.bytes("used_in_bytes", "used", 0)
            .bytes("max_in_bytes", "max", 0)
            .bytes("peak_used_in_bytes", "peak_used", 0)
            .bytes("peak_max_in_bytes", "peak_max", 0)
    };
    let collector = |o: Obj| {
        o.put("collection_count", 0)
            .millis("collection_time_in_millis", "collection_time", 0)
    };
    let buffers = |o: Obj| {
        o.put("count", 0).bytes("used_in_bytes", "used", 0).bytes(
            "total_capacity_in_bytes",
            "total_capacity",
            0,
        )
    };
    Obj::new(human)
        .put("timestamp", now)
        .millis("uptime_in_millis", "uptime", uptime)
        .obj("mem", |m| {
            let mut m = m.bytes("heap_used_in_bytes", "heap_used", p.resident_bytes);
            // Elasticsearch leaves the percentage out when the heap size is unknown.
            if let Some(percent) = (p.resident_bytes * 100).checked_div(heap_max) {
                m = m.put("heap_used_percent", percent);
            }
            m.bytes(
                "heap_committed_in_bytes",
                "heap_committed",
                p.resident_bytes,
            )
            .bytes("heap_max_in_bytes", "heap_max", heap_max)
            .bytes("non_heap_used_in_bytes", "non_heap_used", 0)
            .bytes("non_heap_committed_in_bytes", "non_heap_committed", 0)
            .obj("pools", |pools| {
                pools
                    .obj("young", pool)
                    .obj("old", pool)
                    .obj("survivor", pool)
            })
        })
        .obj("threads", |t| {
            t.put("count", p.threads).put("peak_count", p.threads_peak)
        })
        .obj("gc", |g| {
            g.obj("collectors", |c| {
                c.obj("young", collector).obj("old", collector)
            })
        })
        .obj("buffer_pools", |b| {
            b.obj("mapped", buffers)
                .obj("direct", buffers)
                .obj("mapped - 'non-volatile memory'", buffers)
        })
        .obj("classes", |c| {
            c.put("current_loaded_count", 0)
                .put("total_loaded_count", 0)
                .put("total_unloaded_count", 0)
        })
        .build()
}

/// One thread pool's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PoolStats {
    threads: u64,
    queue: u64,
    active: u64,
    largest: u64,
}

/// The tokio runtime serving this request, from its stable metrics: workers, tasks waiting
/// in the global queue and workers not parked (a worker parks when it has nothing to do).
fn runtime_pool() -> Option<PoolStats> {
    let metrics = tokio::runtime::Handle::try_current().ok()?.metrics();
    let workers = metrics.num_workers();
    let active = (0..workers)
        .filter(|w| metrics.worker_park_unpark_count(*w) % 2 == 0)
        .count();
    Some(PoolStats {
        threads: workers as u64,
        queue: metrics.global_queue_depth() as u64,
        active: active as u64,
        largest: workers as u64,
    })
}

fn thread_pool_section() -> Value {
    let runtime = runtime_pool().unwrap_or_default();
    let mut pools = Map::new();
    for name in THREAD_POOLS {
        let s = if name == "generic" {
            runtime
        } else {
            PoolStats::default()
        };
        // The runtime rejects nothing and counts no completed tasks in its stable metrics.
        pools.insert(
            name.to_string(),
            json!({"threads": s.threads, "queue": s.queue, "active": s.active, "rejected": 0, "largest": s.largest, "completed": 0}),
        );
    }
    Value::Object(pools)
}

/// The free space Elasticsearch's default disk watermarks keep on a disk of `total` bytes: a
/// share of the disk (15%, 10%, 5%) but never more than the headroom (200, 150, 100 GiB).
fn watermark_free_space(total: u64, used_percent: f64, max_headroom_gib: u64) -> u64 {
    let used = ((total as f64) * used_percent / 100.0).ceil() as u64;
    let used = used.max(total.saturating_sub(max_headroom_gib << 30));
    total.saturating_sub(used)
}

fn fs_section(fs: Option<&FsSample>, now: i64, human: bool) -> Value {
    let space = fs.and_then(|f| f.space);
    let total = space.unwrap_or_default();
    let data: Vec<Value> = fs
        .map(|f| {
            let mut d = Obj::new(human).put("path", f.path.clone());
            if let Some(m) = &f.mount {
                d = d.put("mount", m.clone());
            }
            if let Some(t) = &f.fs_type {
                d = d.put("type", t.clone());
            }
            if let Some(s) = f.space {
                d = d
                    .bytes("total_in_bytes", "total", s.total)
                    .bytes("free_in_bytes", "free", s.free)
                    .bytes("available_in_bytes", "available", s.available)
                    .bytes(
                        "low_watermark_free_space_in_bytes",
                        "low_watermark_free_space",
                        watermark_free_space(s.total, 85.0, 200),
                    )
                    .bytes(
                        "high_watermark_free_space_in_bytes",
                        "high_watermark_free_space",
                        watermark_free_space(s.total, 90.0, 150),
                    )
                    .bytes(
                        "flood_stage_free_space_in_bytes",
                        "flood_stage_free_space",
                        watermark_free_space(s.total, 95.0, 100),
                    );
            }
            vec![d.build()]
        })
        .unwrap_or_default();
    let devices = fs.map(|f| f.devices.as_slice()).unwrap_or_default();
    let mut io = Obj::new(human);
    if !devices.is_empty() {
        let rows: Vec<Value> = devices
            .iter()
            .map(|d| {
                json!({
                    "device_name": d.name,
                    "operations": d.operations(),
                    "read_operations": d.read_operations,
                    "write_operations": d.write_operations,
                    "read_kilobytes": d.read_kilobytes,
                    "write_kilobytes": d.write_kilobytes,
                    "io_time_in_millis": d.io_time_millis
                })
            })
            .collect();
        let sum = |f: fn(&crate::stats::DeviceIo) -> u64| devices.iter().map(f).sum::<u64>();
        io = io.put("devices", rows).put(
            "total",
            json!({
                "operations": sum(|d| d.operations()),
                "read_operations": sum(|d| d.read_operations),
                "write_operations": sum(|d| d.write_operations),
                "read_kilobytes": sum(|d| d.read_kilobytes),
                "write_kilobytes": sum(|d| d.write_kilobytes),
                "io_time_in_millis": sum(|d| d.io_time_millis)
            }),
        );
    }
    Obj::new(human)
        .put("timestamp", now)
        .obj("total", |t| {
            t.bytes("total_in_bytes", "total", total.total)
                .bytes("free_in_bytes", "free", total.free)
                .bytes("available_in_bytes", "available", total.available)
        })
        .put("data", data)
        .put("io_stats", io.build())
        .build()
}

fn transport_section(human: bool) -> Value {
    Obj::new(human)
        .put("server_open", 0)
        .put("total_outbound_connections", 0)
        .put("rx_count", 0)
        .bytes("rx_size_in_bytes", "rx_size", 0)
        .put("tx_count", 0)
        .bytes("tx_size_in_bytes", "tx_size", 0)
        .put("inbound_handling_time_histogram", Vec::<Value>::new())
        .put("outbound_handling_time_histogram", Vec::<Value>::new())
        .build()
}

fn breakers_section(heap_max: u64, heap_used: u64) -> Value {
    // Elasticsearch's default limits as shares of the heap, its overheads, and its order.
    let breakers: [(&str, f64, f64, u64); 6] = [
        ("eql_sequence", 0.5, 1.0, 0),
        ("model_inference", 0.5, 1.0, 0),
        ("inflight_requests", 1.0, 2.0, 0),
        ("request", 0.6, 1.0, 0),
        ("fielddata", 0.4, 1.03, 0),
        ("parent", 0.95, 1.0, heap_used),
    ];
    let mut map = Map::new();
    for (name, share, overhead, estimated) in breakers {
        let limit = (heap_max as f64 * share) as u64;
        // The sizes' readable forms are always there, unlike other sections' `?human` twins.
        map.insert(
            name.to_string(),
            json!({
                "limit_size_in_bytes": limit,
                "limit_size": human_bytes(limit),
                "estimated_size_in_bytes": estimated,
                "estimated_size": human_bytes(estimated),
                "overhead": overhead,
                "tripped": 0
            }),
        );
    }
    Value::Object(map)
}

fn discovery_section(human: bool) -> Value {
    let serialized = |o: Obj| {
        o.put("count", 0)
            .bytes("uncompressed_size_in_bytes", "uncompressed_size", 0)
            .bytes("compressed_size_in_bytes", "compressed_size", 0)
    };
    let update = |o: Obj, names: &[&str]| {
        let mut o = o.put("count", 0);
        for name in names {
            o = o.millis(&format!("{name}_millis"), name, 0);
        }
        o
    };
    let outcome = [
        "computation_time",
        "publication_time",
        "context_construction_time",
        "commit_time",
        "completion_time",
        "master_apply_time",
        "notification_time",
    ];
    Obj::new(human)
        .obj("cluster_state_queue", |q| {
            q.put("total", 0).put("pending", 0).put("committed", 0)
        })
        .obj("serialized_cluster_states", |s| {
            s.obj("full_states", serialized).obj("diffs", serialized)
        })
        .obj("published_cluster_states", |p| {
            p.put("full_states", 0)
                .put("incompatible_diffs", 0)
                .put("compatible_diffs", 0)
        })
        .obj("cluster_state_update", |u| {
            u.obj("unchanged", |o| {
                update(o, &["computation_time", "notification_time"])
            })
            .obj("success", |o| update(o, &outcome))
            .obj("failure", |o| update(o, &outcome))
        })
        .obj("cluster_applier_stats", |a| {
            a.put("recordings", Vec::<Value>::new())
        })
        .build()
}

fn indexing_pressure_section(heap_max: u64, human: bool) -> Value {
    let amounts = |o: Obj| {
        o.bytes(
            "combined_coordinating_and_primary_in_bytes",
            "combined_coordinating_and_primary",
            0,
        )
        .bytes("coordinating_in_bytes", "coordinating", 0)
        .bytes("primary_in_bytes", "primary", 0)
        .bytes("replica_in_bytes", "replica", 0)
        .bytes("all_in_bytes", "all", 0)
    };
    Obj::new(human)
        .obj("memory", |m| {
            m.obj("current", amounts)
                .obj("total", |t| {
                    amounts(t)
                        .put("coordinating_rejections", 0)
                        .put("primary_rejections", 0)
                        .put("replica_rejections", 0)
                        .put("primary_document_rejections", 0)
                        .put("large_operation_rejections", 0)
                })
                // `indexing_pressure.memory.limit` defaults to 10% of the heap.
                .bytes("limit_in_bytes", "limit", (heap_max as f64 * 0.1) as u64)
        })
        .build()
}

fn node_stats(state: &AppState, req: &StatsRequest, human: bool) -> Value {
    let (process, os, fs) = {
        let mut probe = state.probe.lock().unwrap_or_else(|p| p.into_inner());
        let fs = if req.wants("fs") {
            state.data_path.as_ref().map(|p| probe.fs(p))
        } else {
            None
        };
        (probe.process(), probe.os(), fs)
    };
    let now = ironstack_types::date::now_millis();
    let uptime = state.started.elapsed().as_millis() as u64;
    let heap_max = node_heap_max(&os);
    let ip = state.publish_ip();
    let mut node = Map::new();
    node.insert("timestamp".into(), json!(now));
    node.insert("name".into(), json!(state.identity.node_name));
    // There is no transport layer: the node's one address is its HTTP address.
    node.insert("transport_address".into(), json!(state.publish_address()));
    node.insert("host".into(), json!(ip));
    node.insert("ip".into(), json!(state.publish_address()));
    node.insert("roles".into(), json!(NODE_ROLES));
    // Elasticsearch writes `attributes` only when the node has some; this node has none.
    let mut totals = state
        .indices_totals
        .get()
        .map(|source| source())
        .unwrap_or_default();
    if let Some(store) = &state.store {
        let scrolls = state.reader_contexts.scroll_figures(store);
        totals.scroll_current = scrolls.current;
        totals.scroll_total += scrolls.total;
        totals.scroll_time_millis += scrolls.time_millis;
    }
    if req.index_metrics.is_some() {
        node.insert("indices".into(), indices_section(&totals, req, human));
    }
    let mut section = |metric: &str, key: &str, build: &dyn Fn() -> Value| {
        if req.wants(metric) {
            node.insert(key.to_string(), build());
        }
    };
    section("os", "os", &|| os_section(&os, now, human));
    section("process", "process", &|| {
        process_section(&process, now, human)
    });
    section("jvm", "jvm", &|| {
        jvm_section(&process, heap_max, uptime, now, human)
    });
    section("thread_pool", "thread_pool", &thread_pool_section);
    section("fs", "fs", &|| fs_section(fs.as_ref(), now, human));
    section("transport", "transport", &|| transport_section(human));
    section("http", "http", &|| {
        json!({
            "current_open": state.http_stats.current_open(),
            "total_opened": state.http_stats.total_opened(),
            "clients": [],
            "routes": {}
        })
    });
    section("breaker", "breakers", &|| {
        breakers_section(heap_max, process.resident_bytes)
    });
    section(
        "script",
        "script",
        &|| json!({"compilations": 0, "cache_evictions": 0, "compilation_limit_triggered": 0, "contexts": []}),
    );
    section("discovery", "discovery", &|| discovery_section(human));
    section("ingest", "ingest", &|| {
        Obj::new(human)
            .obj("total", |t| {
                t.put("count", 0)
                    .millis("time_in_millis", "time", 0)
                    .put("current", 0)
                    .put("failed", 0)
            })
            .put("pipelines", empty())
            .build()
    });
    section("adaptive_selection", "adaptive_selection", &empty);
    section(
        "script_cache",
        "script_cache",
        &|| json!({"sum": {"compilations": 0, "cache_evictions": 0, "compilation_limit_triggered": 0}}),
    );
    section("indexing_pressure", "indexing_pressure", &|| {
        indexing_pressure_section(heap_max, human)
    });
    section("repositories", "repositories", &empty);
    // Allocation figures come from the master for the nodes holding shards: data nodes only.
    if NODE_ROLES.iter().any(|r| r.starts_with("data")) {
        section("allocations", "allocations", &|| {
            Obj::new(human)
                .put("shards", totals.shards)
                .put("undesired_shards", 0)
                .put("forecasted_ingest_load", 0.0)
                .bytes(
                    "forecasted_disk_usage_in_bytes",
                    "forecasted_disk_usage",
                    totals.store_size_bytes,
                )
                .bytes(
                    "current_disk_usage_in_bytes",
                    "current_disk_usage",
                    totals.store_size_bytes,
                )
                .build()
        });
    }
    Value::Object(node)
}

/// `GET /_nodes[/{node_id}]/stats[/{metric}[/{index_metric}]]`.
pub(crate) async fn nodes_stats(
    State(state): State<Arc<AppState>>,
    Extension(params): Extension<RenderParams>,
    path: PathParams,
    uri: Uri,
) -> Result<EsJson, ApiError> {
    let req = StatsRequest::parse(
        uri.path(),
        path.get("metric"),
        path.get("index_metric"),
        params.param("level"),
    )?;
    if let Some(timeout) = params.param("timeout") {
        parse_time_value("timeout", timeout)?;
    }
    if req.wants_index("segments") {
        params.boolean("include_segment_file_sizes")?;
        params.boolean("include_unloaded_segments")?;
    }
    // `fields`, `fielddata_fields`, `completion_fields` and `groups` select per-field and
    // per-group breakdowns, which are empty on this node.
    let filter = path.get("node_id").unwrap_or("_all");
    let selected = selects_this_node(&state, filter);
    let mut body = nodes_header(&state, selected);
    let mut nodes = Map::new();
    if selected {
        nodes.insert(
            state.identity.node_id.clone(),
            node_stats(&state, &req, params.human),
        );
    }
    body.insert("nodes".into(), Value::Object(nodes));
    Ok(EsJson::ok(Value::Object(body)))
}

#[cfg(test)]
#[path = "node_stats_tests.rs"]
mod tests;
