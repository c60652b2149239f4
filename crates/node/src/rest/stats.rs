//! What the node knows of its indices as numbers and states: each concrete index's figures
//! (the store's counters, sizes and segments), its health and shard counts on this single
//! node (one primary each, always assigned; replicas never, so an index that wants them is
//! yellow), and the APIs that report them as Elasticsearch does: `GET [/<index>]/_stats`
//! (`CommonStats` per index and summed) and the bodies of `_cluster/health` per index and of
//! `_cluster/state` (metadata, routing table, blocks), each filtered to what the caller may
//! see.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use ironstack_store::metadata::ConcreteIndex;
use ironstack_store::service::{IndexStats, StoreService};
use ironstack_types::index_space::{ExpandWildcards, IndicesOptions};
use ironstack_types::{HealthStatus, action};
use serde_json::{Map, Value, json};

use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::multi::{authorize_part, on_indices};
use super::node_stats::{
    INDEX_METRICS, IndicesTotals, StatsRequest, indices_section, unrecognized,
};
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use super::search::existing_names;
use crate::state::AppState;

/// One concrete index with its figures.
#[derive(Debug, Clone)]
pub(crate) struct IndexFigures {
    pub(crate) index: ConcreteIndex,
    /// `None` for a closed index, whose shards report nothing.
    pub(crate) stats: Option<IndexStats>,
    pub(crate) mapped_fields: u64,
}

impl IndexFigures {
    /// The figures as the common stats sections read them: this index's one primary.
    pub(crate) fn totals(&self) -> IndicesTotals {
        let Some(s) = &self.stats else {
            return IndicesTotals::default();
        };
        // Elasticsearch's `docs.total_size_in_bytes` is the size of the segments weighted by
        // their live documents.
        let all = s.docs_count + s.docs_deleted;
        let docs_size = if all == 0 {
            0
        } else {
            (u128::from(s.store_size_bytes) * u128::from(s.docs_count) / u128::from(all)) as u64
        };
        IndicesTotals {
            docs_count: s.docs_count,
            docs_deleted: s.docs_deleted,
            docs_size_bytes: docs_size,
            shards: 1,
            store_size_bytes: s.store_size_bytes,
            index_total: s.index_total,
            index_time_millis: s.index_time_ms,
            index_failed: s.index_failed,
            delete_total: s.delete_total,
            delete_time_millis: s.delete_time_ms,
            get_exists_total: s.get_exists_total,
            get_exists_time_millis: s.get_time_ms,
            get_missing_total: s.get_total.saturating_sub(s.get_exists_total),
            query_total: s.query_total,
            query_time_millis: s.query_time_ms,
            fetch_total: s.fetch_total,
            fetch_time_millis: s.fetch_time_ms,
            refresh_total: s.refresh_total,
            refresh_time_millis: s.refresh_time_ms,
            segments_count: s.segments_count,
            translog_operations: s.translog_operations,
            translog_size_bytes: s.translog_size_bytes,
            translog_uncommitted_operations: s.translog_uncommitted_operations,
            mapped_fields: self.mapped_fields,
            ..IndicesTotals::default()
        }
    }
}

/// The figures of the concrete indices `names` that still exist, in the order given
/// (blocking: it reads the store's files).
pub(crate) fn gather(store: &StoreService, names: &[String]) -> Vec<IndexFigures> {
    let concrete = store.concrete();
    names
        .iter()
        .filter_map(|name| concrete.iter().find(|c| &c.name == name))
        .map(|c| {
            let stats = if c.closed {
                None
            } else {
                store.index_stats(&c.name).ok()
            };
            IndexFigures {
                index: c.clone(),
                mapped_fields: store.mapped_fields(&c.name).unwrap_or(0),
                stats,
            }
        })
        .collect()
}

/// Sums of common stats.
fn sum(totals: impl IntoIterator<Item = IndicesTotals>) -> IndicesTotals {
    let mut t = IndicesTotals::default();
    for s in totals {
        t.docs_count += s.docs_count;
        t.docs_deleted += s.docs_deleted;
        t.docs_size_bytes += s.docs_size_bytes;
        t.shards += s.shards;
        t.store_size_bytes += s.store_size_bytes;
        t.index_total += s.index_total;
        t.index_time_millis += s.index_time_millis;
        t.index_failed += s.index_failed;
        t.delete_total += s.delete_total;
        t.delete_time_millis += s.delete_time_millis;
        t.get_exists_total += s.get_exists_total;
        t.get_exists_time_millis += s.get_exists_time_millis;
        t.get_missing_total += s.get_missing_total;
        t.query_total += s.query_total;
        t.query_time_millis += s.query_time_millis;
        t.fetch_total += s.fetch_total;
        t.fetch_time_millis += s.fetch_time_millis;
        t.refresh_total += s.refresh_total;
        t.refresh_time_millis += s.refresh_time_millis;
        t.segments_count += s.segments_count;
        t.translog_operations += s.translog_operations;
        t.translog_size_bytes += s.translog_size_bytes;
        t.translog_uncommitted_operations += s.translog_uncommitted_operations;
        t.mapped_fields += s.mapped_fields;
    }
    t
}

// ---- health -------------------------------------------------------------------------------

/// The health of one index (`ClusterIndexHealth`): its one primary is active, its replicas
/// are unassigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IndexHealth {
    pub(crate) status: HealthStatus,
    pub(crate) replicas: u32,
}

impl IndexHealth {
    pub(crate) fn of(index: &ConcreteIndex) -> Self {
        Self {
            status: index.health,
            replicas: index.replicas,
        }
    }

    /// `_cluster/health?level=indices|shards` for this index.
    fn to_json(self, shards: bool) -> Value {
        let mut o = Map::new();
        o.insert("status".into(), json!(self.status.as_str()));
        o.insert("number_of_shards".into(), json!(1));
        o.insert("number_of_replicas".into(), json!(self.replicas));
        o.insert("active_primary_shards".into(), json!(1));
        o.insert("active_shards".into(), json!(1));
        o.insert("relocating_shards".into(), json!(0));
        o.insert("initializing_shards".into(), json!(0));
        o.insert("unassigned_shards".into(), json!(self.replicas));
        o.insert("unassigned_primary_shards".into(), json!(0));
        if shards {
            o.insert(
                "shards".into(),
                json!({"0": {
                    "status": self.status.as_str(),
                    "primary_active": true,
                    "active_shards": 1,
                    "relocating_shards": 0,
                    "initializing_shards": 0,
                    "unassigned_shards": self.replicas,
                    "unassigned_primary_shards": 0,
                }}),
            );
        }
        Value::Object(o)
    }
}

/// The shard counts and colour of a set of indices (`ClusterStateHealth`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ShardCounts {
    pub(crate) status: HealthStatus,
    pub(crate) active_primary: u32,
    pub(crate) active: u32,
    pub(crate) unassigned: u32,
}

impl ShardCounts {
    pub(crate) fn of<'a>(indices: impl IntoIterator<Item = &'a ConcreteIndex>) -> Self {
        let mut counts = Self {
            status: HealthStatus::Green,
            active_primary: 0,
            active: 0,
            unassigned: 0,
        };
        for index in indices {
            counts.status = counts.status.min(index.health);
            counts.active_primary += 1;
            counts.active += 1;
            counts.unassigned = counts.unassigned.saturating_add(index.replicas);
        }
        counts
    }

    /// `active_shards_percent_as_number`: 100 when there are no shards.
    pub(crate) fn active_percent(&self) -> f64 {
        let all = self.active + self.unassigned;
        if all == 0 {
            100.0
        } else {
            f64::from(self.active) * 100.0 / f64::from(all)
        }
    }
}

/// `_cluster/health`'s `indices` section for `indices`, by name.
pub(crate) fn health_indices(indices: &[ConcreteIndex], shards: bool) -> Value {
    let by_name: BTreeMap<&str, Value> = indices
        .iter()
        .map(|i| (i.name.as_str(), IndexHealth::of(i).to_json(shards)))
        .collect();
    json!(by_name)
}

// ---- GET [/<index>]/_stats[/<metric>] -----------------------------------------------------

/// `?level` of `_stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatsLevel {
    Cluster,
    Indices,
    Shards,
}

fn stats_level(value: Option<&str>) -> Result<StatsLevel, ApiError> {
    match value {
        None | Some("indices") => Ok(StatsLevel::Indices),
        Some("cluster") => Ok(StatsLevel::Cluster),
        Some("shards") => Ok(StatsLevel::Shards),
        Some(other) => Err(ApiError::illegal_argument(format!(
            "level parameter must be one of [cluster] or [indices] or [shards] but was [{other}]"
        ))),
    }
}

/// The sections `{metric}` asks for, as `RestIndicesStatsAction` reads it.
fn stats_metrics(path: &str, metric: Option<&str>) -> Result<HashSet<&'static str>, ApiError> {
    let raw = metric.unwrap_or("_all");
    let names: std::collections::BTreeSet<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if names.len() == 1 && names.contains("_all") {
        return Ok(INDEX_METRICS.into_iter().collect());
    }
    if names.contains("_all") {
        return Err(ApiError::illegal_argument(format!(
            "request [{path}] contains _all and individual metrics [{raw}]"
        )));
    }
    let mut flags = HashSet::new();
    let mut invalid = std::collections::BTreeSet::new();
    for name in names {
        match INDEX_METRICS.iter().find(|m| **m == name) {
            Some(m) => {
                flags.insert(*m);
            }
            None => {
                invalid.insert(name);
            }
        }
    }
    if !invalid.is_empty() {
        return Err(ApiError::illegal_argument(unrecognized(
            path,
            &invalid,
            &INDEX_METRICS,
            "metric",
        )));
    }
    Ok(flags)
}

/// `GET [/<index>]/_stats[/<metric>]`: `_shards` (every copy the indices want, the active
/// ones successful), `_all` (primaries and total, equal on one node), and per index its
/// uuid, health, status and sections.
pub(crate) async fn index_stats(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    uri: Uri,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let flags = stats_metrics(uri.path(), path.get("metric"))?;
    let level = stats_level(params.param("level"))?;
    let sections = StatsRequest::common_stats(flags);
    let human = params.human;
    let store = documents(&state)?.clone();
    let space = store.space();
    let concrete = space.concrete_indices(&existing_names(&granted, &space)?);
    let figures = blocking(move || gather(&store, &concrete)).await?;
    // Closed indices have no shards to report (`forbidClosedIndices`).
    let open: Vec<&IndexFigures> = figures.iter().filter(|f| !f.index.closed).collect();
    let copies: u64 = open.iter().map(|f| 1 + u64::from(f.index.replicas)).sum();
    let all = sum(open.iter().map(|f| f.totals()));
    let all_section = indices_section(&all, &sections, human);
    let mut body = Map::new();
    body.insert(
        "_shards".into(),
        json!({"total": copies, "successful": open.len(), "failed": 0}),
    );
    body.insert(
        "_all".into(),
        json!({"primaries": all_section.clone(), "total": all_section}),
    );
    if level != StatsLevel::Cluster {
        let mut indices = Map::new();
        for f in &open {
            let section = indices_section(&f.totals(), &sections, human);
            let mut entry = Map::new();
            entry.insert("uuid".into(), json!(f.index.uuid));
            entry.insert("health".into(), json!(f.index.health.as_str()));
            entry.insert("status".into(), json!("open"));
            entry.insert("primaries".into(), section.clone());
            entry.insert("total".into(), section.clone());
            if level == StatsLevel::Shards {
                let mut copy = match section {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                copy.insert(
                    "routing".into(),
                    json!({"state": "STARTED", "primary": true, "node": state.identity.node_id, "relocating_node": null}),
                );
                entry.insert("shards".into(), json!({"0": [Value::Object(copy)]}));
            }
            indices.insert(f.index.name.clone(), Value::Object(entry));
        }
        body.insert("indices".into(), Value::Object(indices));
    }
    Ok(EsJson::ok(Value::Object(body)))
}

/// The concrete indices among `expressions` (every one when empty, hidden ones included)
/// that the caller may monitor: the indices `_cluster/health` and `_cluster/state` show it.
/// A caller with no index privilege sees none; names it may not see are left out, not
/// refused (the request itself is a cluster request).
pub(crate) fn monitored_indices(
    state: &AppState,
    granted: &Granted,
    expressions: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    let wildcards = if expressions.is_empty() {
        ExpandWildcards::ALL
    } else {
        // `ClusterStateRequest`'s `lenientExpandOpen`.
        ExpandWildcards::OPEN
    };
    let options = IndicesOptions {
        ignore_unavailable: true,
        allow_no_indices: true,
        expand_wildcards: wildcards,
        ignore_aliases: false,
        forbid_wildcards: false,
    };
    let request = on_indices(state, action::INDICES_STATS, expressions, options)?;
    match authorize_part(state, granted, request) {
        Ok(part) => Ok(documents(state)?.space().concrete_indices(part.indices())),
        Err(e) if e.status() == StatusCode::FORBIDDEN => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

// ---- GET /_cluster/state[/<metrics>[/<indices>]] -----------------------------------------

/// The parts of the cluster state a request asks for (`ClusterState.Metric`; unknown names
/// are ignored, as `Metric.parseString(.., true)` ignores them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StateMetrics {
    version: bool,
    master_node: bool,
    blocks: bool,
    nodes: bool,
    metadata: bool,
    routing_table: bool,
    routing_nodes: bool,
}

impl StateMetrics {
    pub(crate) fn parse(value: Option<&str>) -> Self {
        let all = Self {
            version: true,
            master_node: true,
            blocks: true,
            nodes: true,
            metadata: true,
            routing_table: true,
            routing_nodes: true,
        };
        let Some(value) = value else {
            return all;
        };
        let mut m = Self::default();
        for name in value.split(',').map(str::trim) {
            match name {
                "_all" => return all,
                "version" => m.version = true,
                "master_node" => m.master_node = true,
                "blocks" => m.blocks = true,
                "nodes" => m.nodes = true,
                "metadata" => m.metadata = true,
                "routing_table" => m.routing_table = true,
                "routing_nodes" => m.routing_nodes = true,
                _ => {}
            }
        }
        m
    }

    /// Whether the answer needs the indices' settings and mappings.
    fn reads_indices(self) -> bool {
        self.metadata || self.blocks || self.version
    }
}

/// What the node passes in that the cluster state shows of it.
pub(crate) struct StateNode {
    /// `nodes.<id>` as Elasticsearch renders a `DiscoveryNode`.
    pub(crate) node: Value,
}

/// One index as the cluster state shows it.
struct StateIndex {
    index: ConcreteIndex,
    settings: Map<String, Value>,
    mappings: Value,
    primary_term: u64,
}

/// The blocks an index's state and settings put on it (`ClusterBlocks`, by block id).
fn index_blocks(index: &StateIndex) -> Map<String, Value> {
    let mut blocks = Map::new();
    let mut add = |id: &str, description: &str, retryable: bool, levels: &[&str]| {
        blocks.insert(
            id.into(),
            json!({"description": description, "retryable": retryable, "levels": levels}),
        );
    };
    if index.index.closed {
        add("4", "index closed", false, &["read", "write"]);
    }
    let on = |key: &str| index.settings.get(key).and_then(Value::as_str) == Some("true");
    if on("index.blocks.read_only") {
        add(
            "5",
            "index read-only (api)",
            false,
            &["write", "metadata_write"],
        );
    }
    if on("index.blocks.read") {
        add("7", "index read (api)", false, &["read"]);
    }
    if on("index.blocks.write") {
        add("8", "index write (api)", false, &["write"]);
    }
    if on("index.blocks.metadata") {
        add(
            "9",
            "index metadata (api)",
            false,
            &["metadata_read", "metadata_write"],
        );
    }
    if on("index.blocks.read_only_allow_delete") {
        add(
            "12",
            "disk usage exceeded flood-stage watermark, index has read-only-allow-delete block",
            true,
            &["write", "metadata_write"],
        );
    }
    blocks
}

/// The cluster-state version and `state_uuid`: Elasticsearch moves them on every change of
/// the state; here a change is the state's fingerprint differing from the last one
/// reported, so that they stay put while nothing changes (Metricbeat's shard documents are
/// keyed by them) and move when something does.
fn state_version(fingerprint: [u8; 16]) -> (u64, String) {
    static LAST: std::sync::Mutex<([u8; 16], u64)> = std::sync::Mutex::new(([0; 16], 0));
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    if last.0 != fingerprint || last.1 == 0 {
        *last = (fingerprint, last.1 + 1);
    }
    use base64::Engine;
    let uuid = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(fingerprint);
    (last.1, uuid)
}

/// One shard copy as `ShardRouting.toXContent` renders it.
fn shard_routing(index: &StateIndex, primary: bool, node_id: &str) -> Value {
    let mut o = Map::new();
    o.insert(
        "state".into(),
        json!(if primary { "STARTED" } else { "UNASSIGNED" }),
    );
    o.insert("primary".into(), json!(primary));
    o.insert(
        "node".into(),
        if primary { json!(node_id) } else { Value::Null },
    );
    o.insert("relocating_node".into(), Value::Null);
    o.insert("shard".into(), json!(0));
    o.insert("index".into(), json!(index.index.name));
    if primary {
        o.insert("allocation_id".into(), json!({"id": index.index.uuid}));
    } else {
        let at = ironstack_types::date::timestamp_from_millis(index.index.creation_date)
            .map(ironstack_types::date::format_iso_millis)
            .unwrap_or_default();
        o.insert("recovery_source".into(), json!({"type": "PEER"}));
        o.insert(
            "unassigned_info".into(),
            json!({"reason": "INDEX_CREATED", "at": at, "delayed": false, "allocation_status": "no_attempt"}),
        );
    }
    o.insert(
        "relocation_failure_info".into(),
        json!({"failed_attempts": 0}),
    );
    Value::Object(o)
}

/// `IndexMetadata.toXContent` in the API context.
fn index_metadata(index: &StateIndex, aliases: Vec<String>) -> Value {
    let flat: ironstack_store::metadata::FlatSettings = index
        .settings
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mappings = match &index.mappings {
        Value::Object(m) if m.is_empty() => json!({}),
        other => json!({"_doc": other}),
    };
    json!({
        "version": 1,
        "mapping_version": 1,
        "settings_version": 1,
        "aliases_version": 1,
        "routing_num_shards": 1024,
        "state": if index.index.closed { "close" } else { "open" },
        "settings": ironstack_store::metadata::settings::render_settings(&flat, false),
        "mappings": mappings,
        "aliases": aliases,
        "primary_terms": {"0": index.primary_term},
        "in_sync_allocations": {"0": [index.index.uuid]},
        "rollover_info": {},
        "system": false,
        "timestamp_range": {"unknown": true},
        "event_ingested_range": {"unknown": true},
    })
}

/// `GET /_cluster/state[/<metrics>[/<indices>]]`: the parts asked for, with the indices in
/// `metadata`, `blocks`, `routing_table` and `routing_nodes` limited to those the caller may
/// monitor (and to `expressions` when given).
pub(crate) async fn cluster_state_body(
    state: &Arc<AppState>,
    granted: &Granted,
    metrics: StateMetrics,
    expressions: Vec<String>,
    node: StateNode,
) -> Result<Value, ApiError> {
    let store = documents(state)?.clone();
    let mut names = monitored_indices(state, granted, expressions)?;
    names.sort();
    let read_indices = metrics.reads_indices();
    let indices: Vec<StateIndex> = blocking({
        let store = store.clone();
        move || {
            let concrete = store.concrete();
            names
                .iter()
                .filter_map(|name| concrete.iter().find(|c| &c.name == name))
                .map(|c| {
                    let info = read_indices
                        .then(|| store.backend().index_info(&c.name).ok())
                        .flatten();
                    StateIndex {
                        index: c.clone(),
                        settings: info
                            .as_ref()
                            .map(|i| i.settings.clone())
                            .unwrap_or_default(),
                        mappings: info.map_or(json!({}), |i| i.mappings),
                        primary_term: store
                            .index_stats(&c.name)
                            .map_or(1, |s| s.primary_term.max(1)),
                    }
                })
                .collect()
        }
    })
    .await?;
    let metadata = store.metadata();
    let node_id = state.identity.node_id.clone();
    let mut body = Map::new();
    body.insert("cluster_name".into(), json!(state.identity.cluster_name));
    body.insert("cluster_uuid".into(), json!(state.identity.cluster_uuid));
    if metrics.version {
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        sha2::Digest::update(
            &mut hasher,
            serde_json::to_vec(&*metadata).unwrap_or_default(),
        );
        for i in &store.concrete()[..] {
            sha2::Digest::update(
                &mut hasher,
                format!(
                    "{}|{}|{}|{}|{}\n",
                    i.name,
                    i.uuid,
                    i.closed,
                    i.health.as_str(),
                    i.replicas
                ),
            );
        }
        for i in &indices {
            sha2::Digest::update(&mut hasher, i.mappings.to_string());
            sha2::Digest::update(&mut hasher, Value::Object(i.settings.clone()).to_string());
        }
        let digest = sha2::Digest::finalize(hasher);
        let mut fingerprint = [0u8; 16];
        fingerprint.copy_from_slice(&digest[..16]);
        let (version, uuid) = state_version(fingerprint);
        body.insert("version".into(), json!(version));
        body.insert("state_uuid".into(), json!(uuid));
    }
    if metrics.master_node {
        body.insert("master_node".into(), json!(node_id));
    }
    if metrics.blocks {
        let by_index: Map<String, Value> = indices
            .iter()
            .map(|i| (i.index.name.clone(), Value::Object(index_blocks(i))))
            .filter(|(_, b)| b.as_object().is_some_and(|m| !m.is_empty()))
            .collect();
        let mut blocks = Map::new();
        if !by_index.is_empty() {
            blocks.insert("indices".into(), Value::Object(by_index));
        }
        body.insert("blocks".into(), Value::Object(blocks));
    }
    if metrics.nodes {
        body.insert("nodes".into(), json!({ node_id.clone(): node.node }));
        body.insert(
            "nodes_versions".into(),
            json!([{"node_id": node_id, "transport_version": "9112003", "mappings_versions": {}}]),
        );
        body.insert(
            "nodes_features".into(),
            json!([{"node_id": node_id, "features": []}]),
        );
    }
    if metrics.metadata {
        let mut md = Map::new();
        md.insert("cluster_uuid".into(), json!(state.identity.cluster_uuid));
        md.insert("cluster_uuid_committed".into(), json!(true));
        md.insert(
            "cluster_coordination".into(),
            json!({"term": 1, "last_committed_config": [node_id], "last_accepted_config": [node_id], "voting_config_exclusions": []}),
        );
        md.insert("templates".into(), json!({}));
        let mut by_name = Map::new();
        for i in &indices {
            let aliases: Vec<String> = metadata
                .index_aliases(&i.index.name)
                .map(|a| a.keys().cloned().collect())
                .unwrap_or_default();
            by_name.insert(i.index.name.clone(), index_metadata(i, aliases));
        }
        md.insert("indices".into(), Value::Object(by_name));
        md.insert("index-graveyard".into(), json!({"tombstones": []}));
        let options = ironstack_store::metadata::RenderOptions::default();
        let keyed = |list: Option<&Value>, key: &str| -> Value {
            let mut out = Map::new();
            for item in list.and_then(Value::as_array).into_iter().flatten() {
                if let (Some(name), Some(v)) = (item["name"].as_str(), item.get(key)) {
                    out.insert(name.to_string(), v.clone());
                }
            }
            Value::Object(out)
        };
        let components = metadata
            .get_component_templates(None, options)
            .map(|r| r.body)
            .unwrap_or_default();
        md.insert(
            "component_template".into(),
            json!({"component_template": keyed(components.get("component_templates"), "component_template")}),
        );
        let templates = metadata
            .get_index_templates(None, options)
            .map(|r| r.body)
            .unwrap_or_default();
        md.insert(
            "index_template".into(),
            json!({"index_template": keyed(templates.get("index_templates"), "index_template")}),
        );
        // Data streams whose backing indices the caller may see.
        let visible: HashSet<&str> = indices.iter().map(|i| i.index.name.as_str()).collect();
        let concrete = store.concrete();
        let streams = metadata
            .get_data_streams(&[], true, &concrete)
            .unwrap_or_default();
        let mut by_stream = Map::new();
        for ds in streams["data_streams"].as_array().into_iter().flatten() {
            let backing = ds["indices"].as_array().into_iter().flatten();
            let shown = backing
                .filter_map(|b| b["index_name"].as_str())
                .any(|b| visible.contains(b));
            if let (true, Some(name)) = (shown, ds["name"].as_str()) {
                by_stream.insert(name.to_string(), ds.clone());
            }
        }
        md.insert(
            "data_stream".into(),
            json!({"data_stream": by_stream, "data_stream_aliases": {}}),
        );
        let policies = metadata
            .get_ilm_policies(&[], &concrete)
            .unwrap_or_default();
        let mut by_policy = Map::new();
        for (name, p) in policies.as_object().into_iter().flatten() {
            let mut p = p.clone();
            if let Value::Object(m) = &mut p {
                m.remove("in_use_by");
                m.insert("headers".into(), json!({}));
            }
            by_policy.insert(name.clone(), p);
        }
        md.insert(
            "index_lifecycle".into(),
            json!({"policies": by_policy, "operation_mode": metadata.ilm_status()["operation_mode"]}),
        );
        body.insert("metadata".into(), Value::Object(md));
    }
    if metrics.routing_table {
        let by_name: Map<String, Value> = indices
            .iter()
            .map(|i| {
                let mut copies = vec![shard_routing(i, true, &node_id)];
                copies.extend((0..i.index.replicas).map(|_| shard_routing(i, false, &node_id)));
                (i.index.name.clone(), json!({"shards": {"0": copies}}))
            })
            .collect();
        body.insert("routing_table".into(), json!({"indices": by_name}));
    }
    if metrics.routing_nodes {
        let unassigned: Vec<Value> = indices
            .iter()
            .flat_map(|i| (0..i.index.replicas).map(move |_| shard_routing(i, false, "")))
            .collect();
        let started: Vec<Value> = indices
            .iter()
            .map(|i| shard_routing(i, true, &node_id))
            .collect();
        body.insert(
            "routing_nodes".into(),
            json!({"unassigned": unassigned, "nodes": {node_id.clone(): started}}),
        );
    }
    Ok(Value::Object(body))
}
