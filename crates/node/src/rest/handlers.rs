//! Handlers of the cluster-level APIs: `GET /`, `_cluster/health`, `_license`, `_xpack`,
//! `_nodes`, `_nodes/stats` and `_security/_authenticate`. Bodies use Elasticsearch 9's field
//! names; figures in `_nodes/stats` are measured, not invented.

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
use crate::state::AppState;
use crate::stats::{human_bytes, human_duration};

/// Identifies this ironstack build in `version.build_hash`: the commit it was built from
/// (`build.rs`), or the version when built outside a git checkout.
pub(crate) const BUILD_HASH: &str = env!("IRONSTACK_BUILD_HASH");
/// When this binary was built (`build.rs`; `SOURCE_DATE_EPOCH` for reproducible builds).
pub(crate) const BUILD_DATE: &str = env!("IRONSTACK_BUILD_DATE");
/// The roles this node plays, as Elasticsearch names them: it holds the cluster's state and
/// security documents (master); it stores no indices yet, runs no ingest pipelines or
/// transforms and connects to no remote cluster, so it claims none of those roles.
pub(crate) const NODE_ROLES: &[&str] = &["master"];

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
/// data nodes as its roles say, and no shards (there are no indices yet).
pub(crate) fn health_body(state: &AppState, timed_out: bool) -> ClusterHealth {
    ClusterHealth {
        cluster_name: state.identity.cluster_name.clone(),
        status: HealthStatus::Green,
        timed_out,
        number_of_nodes: 1,
        number_of_data_nodes: u32::from(NODE_ROLES.iter().any(|r| r.starts_with("data"))),
        active_primary_shards: 0,
        active_shards: 0,
        relocating_shards: 0,
        initializing_shards: 0,
        unassigned_shards: 0,
        unassigned_primary_shards: 0,
        delayed_unassigned_shards: 0,
        number_of_pending_tasks: 0,
        number_of_in_flight_fetch: 0,
        task_max_waiting_in_queue_millis: 0,
        active_shards_percent_as_number: 100.0,
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

/// Whether the `wait_for_*` conditions of a health request hold now. Conditions about shards
/// and pending tasks hold on a node without indices; their values are still checked, as
/// Elasticsearch parses them.
fn health_conditions_hold(params: &RenderParams) -> Result<bool, ApiError> {
    let mut holds = true;
    if let Some(status) = params.param("wait_for_status") {
        let wanted: HealthStatus = status.parse().map_err(ApiError::illegal_argument)?;
        holds &= HealthStatus::Green >= wanted;
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

/// `GET /_cluster/health`: answers at once, unless a `wait_for_*` condition does not hold; then
/// it waits for the cluster to change until `timeout` (30s), as Elasticsearch does, and
/// answers 408 with `timed_out` if the condition still does not hold.
pub(crate) async fn cluster_health(
    State(state): State<Arc<AppState>>,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let timeout = match params.param("timeout") {
        Some(t) => parse_time_value("timeout", t)?,
        None => Some(Duration::from_secs(30)),
    };
    if let Some(level) = params.param("level")
        && !["cluster", "indices", "shards"].contains(&level)
    {
        return Err(ApiError::illegal_argument(format!(
            "level must be one of [cluster, indices, shards] but was [{level}]"
        )));
    }
    let mut changes = state.health_changes.subscribe();
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let timed_out = loop {
        if health_conditions_hold(&params)? {
            break false;
        }
        let Some(deadline) = deadline else {
            break true;
        };
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => continue,
            // The deadline passed, or nothing can change any more (shutdown).
            Ok(Err(_)) | Err(_) => break true,
        }
    };
    let status = if timed_out {
        StatusCode::REQUEST_TIMEOUT
    } else {
        StatusCode::OK
    };
    serde_json::to_value(health_body(&state, timed_out))
        .map(|v| EsJson(status, v))
        .map_err(|e| ApiError::internal(e.to_string()))
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
                "data_streams": feature(false, false),
                "ilm": feature(false, false),
                "ml": feature(false, false),
                "monitoring": feature(false, false),
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
fn selects_this_node(state: &AppState, filter: &str) -> bool {
    filter.split(',').map(str::trim).any(|f| {
        matches!(f, "_local" | "_all" | "_master" | "*" | "")
            || f == state.identity.node_id
            || ironstack_types::wildcard::simple_match(f, &state.identity.node_name)
    })
}

fn nodes_header(state: &AppState, selected: bool) -> serde_json::Map<String, Value> {
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

/// `GET /_nodes[/{node_id}]`.
pub(crate) async fn nodes_info(State(state): State<Arc<AppState>>, params: PathParams) -> EsJson {
    let filter = params.get("node_id").unwrap_or("_all");
    let selected = selects_this_node(&state, filter);
    let mut body = nodes_header(&state, selected);
    let mut nodes = serde_json::Map::new();
    if selected {
        nodes.insert(state.identity.node_id.clone(), node_info(&state));
    }
    body.insert("nodes".into(), Value::Object(nodes));
    EsJson::ok(Value::Object(body))
}

const STATS_METRICS: &[&str] = &[
    "indices",
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

fn node_stats(state: &AppState, metrics: &[String], human: bool) -> Value {
    let (process, os) = {
        let mut probe = state.probe.lock().unwrap_or_else(|p| p.into_inner());
        (probe.process(), probe.os())
    };
    let now = ironstack_types::date::now_millis();
    let uptime = state.started.elapsed().as_millis() as u64;
    let ip = state.publish_ip();
    let wants = |m: &str| metrics.is_empty() || metrics.iter().any(|x| x == m || x == "_all");
    let mut node = serde_json::Map::new();
    node.insert("timestamp".into(), json!(now));
    node.insert("name".into(), json!(state.identity.node_name));
    // There is no transport layer: the node's one address is its HTTP address.
    node.insert("transport_address".into(), json!(state.publish_address()));
    node.insert("host".into(), json!(ip));
    node.insert("ip".into(), json!(state.publish_address()));
    node.insert("roles".into(), json!(NODE_ROLES));
    node.insert("attributes".into(), json!({}));
    if wants("indices") {
        node.insert(
            "indices".into(),
            json!({"docs": {"count": 0, "deleted": 0}, "store": {"size_in_bytes": 0, "total_data_set_size_in_bytes": 0, "reserved_in_bytes": 0}}),
        );
    }
    if wants("os") {
        let used = os.mem_total.saturating_sub(os.mem_free);
        let pct = |part: u64| (part * 100).checked_div(os.mem_total).unwrap_or(0);
        node.insert(
            "os".into(),
            json!({
                "timestamp": now,
                "cpu": {"percent": os.cpu_percent, "load_average": {"1m": os.load[0], "5m": os.load[1], "15m": os.load[2]}},
                "mem": {
                    "total_in_bytes": os.mem_total,
                    "adjusted_total_in_bytes": os.mem_total,
                    "free_in_bytes": os.mem_free,
                    "used_in_bytes": used,
                    "free_percent": pct(os.mem_free),
                    "used_percent": pct(used)
                },
                "swap": {"total_in_bytes": os.swap_total, "free_in_bytes": os.swap_free, "used_in_bytes": os.swap_total.saturating_sub(os.swap_free)}
            }),
        );
    }
    if wants("process") {
        let mut p = json!({
            "timestamp": now,
            "open_file_descriptors": process.open_fds,
            "max_file_descriptors": process.max_fds,
            "cpu": {"percent": process.cpu_percent, "total_in_millis": process.cpu_total_millis},
            "mem": {"total_virtual_in_bytes": process.virtual_bytes}
        });
        if human {
            p["cpu"]["total"] = json!(human_duration(process.cpu_total_millis));
            p["mem"]["total_virtual"] = json!(human_bytes(process.virtual_bytes));
        }
        node.insert("process".into(), p);
    }
    if wants("jvm") {
        // There is no JVM: the "heap" is the process's resident memory, so tools that chart
        // heap usage show what the node really uses.
        let heap_max = os.mem_total.max(process.resident_bytes);
        let mut j = json!({
            "timestamp": now,
            "uptime_in_millis": uptime,
            "mem": {
                "heap_used_in_bytes": process.resident_bytes,
                "heap_used_percent": (process.resident_bytes * 100).checked_div(heap_max).unwrap_or(0),
                "heap_committed_in_bytes": process.resident_bytes,
                "heap_max_in_bytes": heap_max,
                "non_heap_used_in_bytes": 0,
                "non_heap_committed_in_bytes": 0
            },
            "threads": {"count": process.threads, "peak_count": process.threads}
        });
        if human {
            j["uptime"] = json!(human_duration(uptime));
            j["mem"]["heap_used"] = json!(human_bytes(process.resident_bytes));
        }
        node.insert("jvm".into(), j);
    }
    if wants("http") {
        node.insert(
            "http".into(),
            json!({"current_open": state.http_stats.current_open(), "total_opened": state.http_stats.total_opened()}),
        );
    }
    Value::Object(node)
}

/// `GET /_nodes[/{node_id}]/stats[/{metric}]`.
pub(crate) async fn nodes_stats(
    State(state): State<Arc<AppState>>,
    Extension(params): Extension<RenderParams>,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let filter = path.get("node_id").unwrap_or("_all");
    let metrics: Vec<String> = path
        .get("metric")
        .map(|m| m.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    for m in &metrics {
        if m != "_all" && !STATS_METRICS.contains(&m.as_str()) {
            return Err(ApiError::illegal_argument(format!(
                "request [/_nodes/stats/{}] contains unrecognized metric: [{m}]",
                metrics.join(",")
            )));
        }
    }
    let selected = selects_this_node(&state, filter);
    let mut body = nodes_header(&state, selected);
    let mut nodes = serde_json::Map::new();
    if selected {
        nodes.insert(
            state.identity.node_id.clone(),
            node_stats(&state, &metrics, params.human),
        );
    }
    body.insert("nodes".into(), Value::Object(nodes));
    Ok(EsJson::ok(Value::Object(body)))
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
