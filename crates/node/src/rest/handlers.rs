//! Handlers of the cluster-level APIs: `GET /`, `_cluster/health`, `_license`, `_xpack`,
//! `_nodes` and `_security/_authenticate` (`_nodes/stats` is `node_stats.rs`). Bodies use
//! Elasticsearch 9's field names.

use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use ironstack_types::HealthStatus;
use ironstack_types::health::ClusterHealth;
use ironstack_types::info::{MainResponse, TAGLINE, VersionInfo};
use serde_json::{Value, json};

use super::envelope::RenderParams;
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson, EsPrerendered, PrerenderedJson};
use super::stats::{
    ShardCounts, StateMetrics, StateNode, cluster_state_body, health_indices, monitored_indices,
};
use crate::state::AppState;

/// Identifies this ironstack build in `version.build_hash`: the commit it was built from
/// (`build.rs`), or the version when built outside a git checkout.
pub(crate) const BUILD_HASH: &str = env!("IRONSTACK_BUILD_HASH");
/// When this binary was built (`build.rs`; `SOURCE_DATE_EPOCH` for reproducible builds).
pub(crate) const BUILD_DATE: &str = env!("IRONSTACK_BUILD_DATE");
/// The roles this node plays, as Elasticsearch names them: it holds the cluster's state and
/// security documents (master) and every index, whatever its tier (`data`, which covers
/// them all); it runs no ingest pipelines, machine learning or transforms and connects to no
/// remote cluster, so it claims none of those roles.
pub(crate) const NODE_ROLES: &[&str] = &["data", "master"];

/// The heap Elasticsearch would give this node on this machine (there is no JVM: the figure
/// behind `heap.max`, the breaker limits and the indexing-pressure limit).
pub(crate) fn node_heap_max(os: &crate::stats::OsSample) -> u64 {
    crate::stats::default_heap_bytes(os.usable_memory(), NODE_ROLES == ["master"])
}

pub(crate) fn version() -> VersionInfo {
    VersionInfo::current(BUILD_HASH, BUILD_DATE)
}

/// The `GET /` body of a node: it never changes while the node runs.
pub(crate) fn main_body(id: &crate::state::NodeIdentity) -> PrerenderedJson {
    let body = MainResponse {
        name: id.node_name.clone(),
        cluster_name: id.cluster_name.clone(),
        cluster_uuid: id.cluster_uuid.clone(),
        version: version(),
        tagline: TAGLINE.to_string(),
    };
    PrerenderedJson::new(serde_json::to_value(body).unwrap_or_default())
}

/// `GET /`, `HEAD /`.
pub(crate) async fn main_info(State(state): State<Arc<AppState>>) -> EsPrerendered {
    EsPrerendered(state.main_body.clone())
}

/// An Elasticsearch time value parameter (`30s`, `1m`, `-1`: none), with its 400.
pub(crate) fn parse_time_value(name: &str, value: &str) -> Result<Option<Duration>, ApiError> {
    ironstack_types::TimeValue::parse(value, name)
        .map(ironstack_types::TimeValue::to_duration)
        .map_err(|e| ApiError::illegal_argument(e.to_string()))
}

/// The cluster's health, the one source of `_cluster/health` and `_cat/health`: one node,
/// data nodes as its roles say, and the shards of every index (stats.rs).
pub(crate) fn health_body(state: &AppState, timed_out: bool) -> ClusterHealth {
    let concrete = state
        .store
        .as_ref()
        .map(|s| s.concrete())
        .unwrap_or_default();
    health_of(state, ShardCounts::of(concrete.iter()), timed_out)
}

fn health_of(state: &AppState, counts: ShardCounts, timed_out: bool) -> ClusterHealth {
    ClusterHealth {
        cluster_name: state.identity.cluster_name.clone(),
        status: counts.status,
        timed_out,
        number_of_nodes: 1,
        number_of_data_nodes: u32::from(NODE_ROLES.iter().any(|r| r.starts_with("data"))),
        active_primary_shards: counts.active_primary,
        active_shards: counts.active,
        relocating_shards: 0,
        initializing_shards: 0,
        unassigned_shards: counts.unassigned,
        unassigned_primary_shards: 0,
        delayed_unassigned_shards: 0,
        number_of_pending_tasks: 0,
        number_of_in_flight_fetch: 0,
        task_max_waiting_in_queue_millis: 0,
        active_shards_percent_as_number: counts.active_percent(),
    }
}

/// Whether `wait_for_nodes` (`N`, `>=N`, `<=N`, `>N`, `<N`, `ge(N)`, ...) holds for one node.
fn nodes_condition_holds(spec: &str) -> Result<bool, ApiError> {
    let s = spec.trim();
    let (op, n) = if let Some(r) = s.strip_prefix(">=") {
        (">=", r)
    } else if let Some(r) = s.strip_prefix("<=") {
        ("<=", r)
    } else if let Some(r) = s.strip_prefix('>') {
        (">", r)
    } else if let Some(r) = s.strip_prefix('<') {
        ("<", r)
    } else if let Some(r) = s.strip_prefix("ge(").and_then(|r| r.strip_suffix(')')) {
        (">=", r)
    } else if let Some(r) = s.strip_prefix("le(").and_then(|r| r.strip_suffix(')')) {
        ("<=", r)
    } else if let Some(r) = s.strip_prefix("gt(").and_then(|r| r.strip_suffix(')')) {
        (">", r)
    } else if let Some(r) = s.strip_prefix("lt(").and_then(|r| r.strip_suffix(')')) {
        ("<", r)
    } else {
        ("==", s)
    };
    let n: i64 = n.trim().parse().map_err(|_| {
        ApiError::illegal_argument(format!("failed to parse [wait_for_nodes] value [{spec}]"))
    })?;
    Ok(match op {
        ">=" => 1 >= n,
        "<=" => 1 <= n,
        ">" => 1 > n,
        "<" => 1 < n,
        _ => n == 1,
    })
}

/// Whether the `wait_for_*` conditions of a health request hold for `health` now. Shards
/// never relocate or initialize here and there are no pending tasks: those conditions hold,
/// their values still checked as Elasticsearch parses them.
fn health_conditions_hold(params: &RenderParams, health: &IndicesHealth) -> Result<bool, ApiError> {
    // Named indices that do not exist are red and waited for (`TransportClusterHealthAction`).
    let mut holds = health.missing.is_empty();
    if let Some(status) = params.param("wait_for_status") {
        let wanted: HealthStatus = status.parse().map_err(ApiError::illegal_argument)?;
        holds &= health.status() >= wanted;
    }
    if let Some(nodes) = params.param("wait_for_nodes") {
        holds &= nodes_condition_holds(nodes)?;
    }
    if let Some(events) = params.param("wait_for_events")
        && !["immediate", "urgent", "high", "normal", "low", "languid"]
            .contains(&events.to_ascii_lowercase().as_str())
    {
        return Err(ApiError::illegal_argument(format!(
            "No enum constant org.elasticsearch.common.Priority.{}",
            events.to_ascii_uppercase()
        )));
    }
    for flag in [
        "wait_for_no_relocating_shards",
        "wait_for_no_initializing_shards",
    ] {
        if let Some(v) = params.param(flag)
            && !matches!(v, "" | "true" | "false")
        {
            return Err(ApiError::illegal_argument(format!(
                "Failed to parse value [{v}] as only [true] or [false] are allowed."
            )));
        }
    }
    if let Some(shards) = params.param("wait_for_active_shards")
        && shards != "all"
        && shards.parse::<u32>().is_err()
    {
        return Err(ApiError::illegal_argument(format!(
            "cannot parse ActiveShardCount[{shards}]"
        )));
    }
    Ok(holds)
}

/// The health of the indices a `_cluster/health/<index>` request names (every index
/// without one): the concrete indices they reach and the names that reach nothing.
struct IndicesHealth {
    indices: Vec<ironstack_store::metadata::ConcreteIndex>,
    missing: Vec<String>,
}

impl IndicesHealth {
    fn read(state: &AppState, expressions: &[String]) -> Result<Self, ApiError> {
        let Some(store) = state.store.as_ref() else {
            return Ok(Self {
                indices: Vec::new(),
                missing: expressions.to_vec(),
            });
        };
        let concrete = store.concrete();
        if expressions.is_empty() {
            return Ok(Self {
                indices: concrete.to_vec(),
                missing: Vec::new(),
            });
        }
        let space = store.space();
        let mut missing = Vec::new();
        let mut names = Vec::new();
        for expression in expressions {
            // `lenientExpandHidden`, but a name that reaches nothing is waited for.
            let options = ironstack_types::index_space::IndicesOptions {
                ignore_unavailable: false,
                allow_no_indices: false,
                expand_wildcards: ironstack_types::index_space::ExpandWildcards::ALL,
                ignore_aliases: false,
                forbid_wildcards: false,
            };
            match ironstack_security::index_resolver::resolve_indices(
                std::slice::from_ref(expression),
                &options,
                &space,
                |_| true,
                ironstack_types::date::Timestamp::now(),
            ) {
                Ok(resolved) if resolved.names.iter().all(|n| space.get(n).is_some()) => {
                    names.extend(resolved.names);
                }
                Ok(_) => missing.push(expression.clone()),
                Err(e) if e.status == 404 => missing.push(expression.clone()),
                Err(e) => return Err(ApiError::from(e)),
            }
        }
        let wanted = space.concrete_indices(&names);
        Ok(Self {
            indices: concrete
                .iter()
                .filter(|c| wanted.contains(&c.name))
                .cloned()
                .collect(),
            missing,
        })
    }

    fn status(&self) -> HealthStatus {
        if self.missing.is_empty() {
            ShardCounts::of(self.indices.iter()).status
        } else {
            HealthStatus::Red
        }
    }
}

/// `GET /_cluster/health[/<index>]`: answers at once, unless a `wait_for_*` condition does
/// not hold; then it waits for the cluster to change until `timeout` (30s), as
/// Elasticsearch does, and answers 408 with `timed_out` if the condition still does not
/// hold. `level=indices|shards` adds each index (that the caller may monitor) and its shard.
pub(crate) async fn cluster_health(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let timeout = match params.param("timeout") {
        Some(t) => parse_time_value("timeout", t)?,
        None => Some(Duration::from_secs(30)),
    };
    let level = params.param("level").unwrap_or("cluster");
    if !["cluster", "indices", "shards"].contains(&level) {
        return Err(ApiError::illegal_argument(format!(
            "level must be one of [cluster, indices, shards] but was [{level}]"
        )));
    }
    let expressions: Vec<String> = path.names("index").unwrap_or_default();
    let mut changes = state.health_changes.subscribe();
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let (health, timed_out) = loop {
        let health = IndicesHealth::read(&state, &expressions)?;
        if health_conditions_hold(&params, &health)? {
            break (health, false);
        }
        let Some(deadline) = deadline else {
            break (health, true);
        };
        if tokio::time::Instant::now() >= deadline {
            break (health, true);
        }
        // Index changes do not tick the watch: look again at least every 200ms.
        let next = deadline.min(tokio::time::Instant::now() + Duration::from_millis(200));
        if let Ok(Err(_)) = tokio::time::timeout_at(next, changes.changed()).await {
            // Nothing can change any more (shutdown).
            break (health, true);
        }
    };
    let status = if timed_out {
        StatusCode::REQUEST_TIMEOUT
    } else {
        StatusCode::OK
    };
    let mut body = health_of(&state, ShardCounts::of(health.indices.iter()), timed_out);
    if !health.missing.is_empty() {
        body.status = HealthStatus::Red;
    }
    let mut body = match serde_json::to_value(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => serde_json::Map::new(),
        Err(e) => return Err(ApiError::internal(e.to_string())),
    };
    if level != "cluster" {
        let visible = monitored_indices(&state, &granted, expressions)?;
        let shown: Vec<_> = health
            .indices
            .into_iter()
            .filter(|i| visible.contains(&i.name))
            .collect();
        body.insert("indices".into(), health_indices(&shown, level == "shards"));
    }
    Ok(EsJson(status, Value::Object(body)))
}

/// `GET /_cluster/state[/<metrics>[/<indices>]]`: this node as the cluster's one node and
/// master, and the store's state (stats.rs), limited to the indices the caller may monitor.
pub(crate) async fn cluster_state(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let metrics = StateMetrics::parse(path.get("metric"));
    let expressions = path.names("indices").unwrap_or_default();
    let node = StateNode {
        node: json!({
            "name": state.identity.node_name,
            "ephemeral_id": state.identity.node_id,
            "transport_address": state.publish_address(),
            "external_id": state.identity.node_name,
            "attributes": {},
            "roles": NODE_ROLES,
            "version": ironstack_types::info::ES_VERSION,
            "min_index_version": 8_000_099,
            "max_index_version": 9_009_000,
        }),
    };
    let body = cluster_state_body(&state, &granted, metrics, expressions, node).await?;
    Ok(EsJson::ok(body))
}

fn millis_to_rfc3339(millis: i64) -> String {
    ironstack_types::date::timestamp_from_millis(millis)
        .map(ironstack_types::date::format_iso_millis)
        .unwrap_or_default()
}

/// `GET /_license`: the self-generated basic license.
pub(crate) async fn license(State(state): State<Arc<AppState>>) -> EsJson {
    let id = &state.identity;
    EsJson::ok(json!({
        "license": {
            "status": "active",
            "uid": id.license_uid,
            "type": "basic",
            "issue_date": millis_to_rfc3339(id.license_issue_date_millis),
            "issue_date_in_millis": id.license_issue_date_millis,
            "max_nodes": 1000,
            "max_resource_units": null,
            "issued_to": id.cluster_name,
            "issuer": "elasticsearch",
            "start_date_in_millis": -1
        }
    }))
}

/// `GET /_xpack`.
pub(crate) async fn xpack(
    State(state): State<Arc<AppState>>,
    Extension(params): Extension<RenderParams>,
) -> EsJson {
    let security = state.gate.is_some();
    let feature =
        |available: bool, enabled: bool| json!({"available": available, "enabled": enabled});
    let categories: Vec<String> = params
        .param("categories")
        .unwrap_or("build,license,features")
        .split(',')
        .map(|c| c.trim().to_string())
        .collect();
    let mut body = serde_json::Map::new();
    if categories.iter().any(|c| c == "build") {
        body.insert(
            "build".into(),
            json!({"hash": BUILD_HASH, "date": BUILD_DATE}),
        );
    }
    if categories.iter().any(|c| c == "license") {
        body.insert(
            "license".into(),
            json!({"uid": state.identity.license_uid, "type": "basic", "mode": "basic", "status": "active"}),
        );
    }
    if categories.iter().any(|c| c == "features") {
        body.insert(
            "features".into(),
            // What this node does today; a feature turns on here when it lands.
            json!({
                "ccr": feature(false, true),
                "data_streams": feature(true, true),
                "enrich": feature(true, true),
                "ilm": feature(true, true),
                // As on Elasticsearch under a basic licence: the job APIs answer (there are no
                // jobs), the feature is not licensed.
                "ml": feature(false, true),
                // Stack Monitoring reads what the node reports (`_xpack/usage`).
                "monitoring": feature(true, true),
                "security": feature(true, security),
                "slm": feature(false, false),
                "watcher": feature(false, false),
            }),
        );
    }
    if params.param("human").is_none_or(|h| h != "false") {
        body.insert("tagline".into(), json!("You know, for X"));
    }
    EsJson::ok(Value::Object(body))
}

/// Whether a node filter (`_local`, `_all`, `*`, id, name, comma lists) selects this node.
pub(crate) fn selects_this_node(state: &AppState, filter: &str) -> bool {
    filter.split(',').map(str::trim).any(|f| {
        matches!(f, "_local" | "_all" | "_master" | "*" | "")
            || f == state.identity.node_id
            || ironstack_types::wildcard::simple_match(f, &state.identity.node_name)
    })
}

pub(crate) fn nodes_header(state: &AppState, selected: bool) -> serde_json::Map<String, Value> {
    let n = u32::from(selected);
    let mut m = serde_json::Map::new();
    m.insert(
        "_nodes".into(),
        json!({"total": n, "successful": n, "failed": 0}),
    );
    m.insert("cluster_name".into(), json!(state.identity.cluster_name));
    m
}

fn node_info(state: &AppState) -> Value {
    let id = &state.identity;
    let ip = state.publish_ip();
    json!({
        "name": id.node_name,
        // There is no transport layer: the node's one address is its HTTP address.
        "transport_address": state.publish_address(),
        "host": ip,
        "ip": ip,
        "version": ironstack_types::info::ES_VERSION,
        "build_flavor": "default",
        "build_type": "tar",
        "build_hash": BUILD_HASH,
        "roles": NODE_ROLES,
        "attributes": {},
        "os": {
            "name": "Linux",
            "arch": std::env::consts::ARCH,
            "available_processors": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "allocated_processors": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        },
        "process": {
            "refresh_interval_in_millis": 1000,
            "id": std::process::id(),
            "mlockall": false
        },
        "http": {
            "bound_address": state.bound_addresses(),
            "publish_address": state.publish_address(),
            "max_content_length_in_bytes": state.max_content_length
        }
    })
}

/// The sections `_nodes` info may be limited to (`NodesInfoRequest.Metric`).
const NODE_INFO_METRICS: [&str; 12] = [
    "settings",
    "os",
    "process",
    "jvm",
    "thread_pool",
    "transport",
    "http",
    "remote_cluster_server",
    "plugins",
    "ingest",
    "aggregations",
    "indices",
];

/// `GET /_nodes[/{node_id}[/{metric}]]`, `GET /_nodes/{node_id}/info/{metric}`. As in
/// Elasticsearch, `/_nodes/os,process` names metrics when every name is one, and unknown
/// metric names are ignored (`/_nodes/_local/nodes` is the node with no section).
pub(crate) async fn nodes_info(State(state): State<Arc<AppState>>, params: PathParams) -> EsJson {
    let mut filter = params.get("node_id").unwrap_or("_all");
    let mut metrics: Option<Vec<&str>> = params
        .get("metric")
        .map(|m| m.split(',').map(str::trim).collect());
    if metrics.is_none()
        && filter
            .split(',')
            .all(|m| NODE_INFO_METRICS.contains(&m.trim()))
    {
        metrics = Some(filter.split(',').map(str::trim).collect());
        filter = "_all";
    }
    let selected = selects_this_node(&state, filter);
    let mut body = nodes_header(&state, selected);
    let mut nodes = serde_json::Map::new();
    if selected {
        let mut info = node_info(&state);
        if let (Some(wanted), Value::Object(sections)) = (&metrics, &mut info)
            && !wanted.contains(&"_all")
        {
            sections.retain(|k, _| {
                !NODE_INFO_METRICS.contains(&k.as_str()) || wanted.contains(&k.as_str())
            });
        }
        nodes.insert(state.identity.node_id.clone(), info);
    }
    body.insert("nodes".into(), Value::Object(nodes));
    EsJson::ok(Value::Object(body))
}

/// `GET /_security/_authenticate`.
pub(crate) async fn authenticate(State(state): State<Arc<AppState>>, granted: Granted) -> EsJson {
    if state.gate.is_none() {
        // Security disabled: Elasticsearch answers as the anonymous `_anonymous` user.
        return EsJson::ok(json!({
            "username": "_anonymous", "roles": [], "full_name": null, "email": null,
            "metadata": {}, "enabled": true,
            "authentication_realm": {"name": "__anonymous", "type": "__anonymous"},
            "lookup_realm": {"name": "__anonymous", "type": "__anonymous"},
            "authentication_type": "anonymous"
        }));
    }
    EsJson::ok(granted.authenticated().to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_values() {
        assert_eq!(
            parse_time_value("timeout", "30s").unwrap(),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_time_value("timeout", "5ms").unwrap(),
            Some(Duration::from_millis(5))
        );
        assert_eq!(parse_time_value("timeout", "-1").unwrap(), None);
        assert!(parse_time_value("timeout", "soon").is_err());
    }

    #[test]
    fn wait_for_nodes_conditions() {
        assert!(nodes_condition_holds("1").unwrap());
        assert!(nodes_condition_holds(">=1").unwrap());
        assert!(!nodes_condition_holds(">=2").unwrap());
        assert!(nodes_condition_holds("lt(2)").unwrap());
        assert!(nodes_condition_holds("x").is_err());
    }
}
