//! The `_cat` APIs: aligned text tables for people (`?v` adds headers, `?h=` picks columns)
//! and the same rows as JSON with `?format=json`, as Elasticsearch's `RestTable` renders them.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::envelope::RenderParams;
use super::handlers::{NODE_ROLES, health_body, node_heap_max};
use super::response::{ApiError, EsJson, EsText};
use crate::state::AppState;

/// A column: its name, its aliases, and whether it is shown without `?h`.
struct Column {
    name: &'static str,
    aliases: &'static [&'static str],
    default: bool,
    numeric: bool,
}

const fn col(
    name: &'static str,
    aliases: &'static [&'static str],
    default: bool,
    numeric: bool,
) -> Column {
    Column {
        name,
        aliases,
        default,
        numeric,
    }
}

fn render(columns: &[Column], row: &[String], params: &RenderParams) -> Result<Response, ApiError> {
    let selected: Vec<usize> = match params.param("h") {
        Some(h) if !h.is_empty() => {
            let mut idx = Vec::new();
            for wanted in h.split(',').map(str::trim) {
                let matches: Vec<usize> = columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        ironstack_types::wildcard::simple_match(wanted, c.name)
                            || c.aliases.contains(&wanted)
                    })
                    .map(|(i, _)| i)
                    .collect();
                if matches.is_empty() {
                    return Err(ApiError::illegal_argument(format!(
                        "header [{wanted}] does not exist"
                    )));
                }
                idx.extend(matches);
            }
            idx
        }
        _ => columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.default)
            .map(|(i, _)| i)
            .collect(),
    };
    match params.param("format").unwrap_or("text") {
        "json" => {
            let obj: Map<String, Value> = selected
                .iter()
                .map(|&i| (columns[i].name.to_string(), Value::String(row[i].clone())))
                .collect();
            Ok(EsJson::ok(Value::Array(vec![Value::Object(obj)])).into_response())
        }
        "text" | "txt" => {
            let verbose = params.flag("v");
            let widths: Vec<usize> = selected
                .iter()
                .map(|&i| {
                    let header = if verbose { columns[i].name.len() } else { 0 };
                    header.max(row[i].chars().count())
                })
                .collect();
            let line = |cells: Vec<(&str, bool)>| {
                let parts: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|((text, numeric), w)| {
                        if *numeric {
                            format!("{text:>w$}")
                        } else {
                            format!("{text:<w$}")
                        }
                    })
                    .collect();
                format!("{}\n", parts.join(" ").trim_end())
            };
            let mut out = String::new();
            if verbose {
                out.push_str(&line(
                    selected.iter().map(|&i| (columns[i].name, false)).collect(),
                ));
            }
            out.push_str(&line(
                selected
                    .iter()
                    .map(|&i| (row[i].as_str(), columns[i].numeric))
                    .collect(),
            ));
            Ok(EsText(out).into_response())
        }
        other => Err(ApiError::illegal_argument(format!(
            "unsupported format [{other}]"
        ))),
    }
}

const HEALTH_COLUMNS: &[Column] = &[
    col("epoch", &["t", "time"], true, true),
    col("timestamp", &["ts", "hms", "hhmmss"], true, false),
    col("cluster", &["cl"], true, false),
    col("status", &["st"], true, false),
    col("node.total", &["nt", "nodeTotal"], true, true),
    col("node.data", &["nd", "nodeData"], true, true),
    col(
        "shards",
        &["t", "sh", "shards.total", "shardsTotal"],
        true,
        true,
    ),
    col("pri", &["p", "shards.primary", "shardsPrimary"], true, true),
    col(
        "relo",
        &["r", "shards.relocating", "shardsRelocating"],
        true,
        true,
    ),
    col(
        "init",
        &["i", "shards.initializing", "shardsInitializing"],
        true,
        true,
    ),
    col(
        "unassign",
        &["u", "shards.unassigned", "shardsUnassigned"],
        true,
        true,
    ),
    col(
        "unassign.pri",
        &["up", "shards.unassigned.primary"],
        true,
        true,
    ),
    col("pending_tasks", &["pt", "pendingTasks"], true, true),
    col(
        "max_task_wait_time",
        &["mtwt", "maxTaskWaitTime"],
        true,
        true,
    ),
    col(
        "active_shards_percent",
        &["asp", "activeShardsPercent"],
        true,
        true,
    ),
];

/// `GET /_cat/health`.
pub(crate) async fn health(
    State(state): State<Arc<AppState>>,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    let now = jiff::Timestamp::now();
    let h = health_body(&state, false);
    let max_wait = match h.task_max_waiting_in_queue_millis {
        0 => "-".to_string(),
        ms => format!("{ms}ms"),
    };
    let row = vec![
        now.as_second().to_string(),
        now.strftime("%H:%M:%S").to_string(),
        h.cluster_name,
        h.status.as_str().to_string(),
        h.number_of_nodes.to_string(),
        h.number_of_data_nodes.to_string(),
        h.active_shards.to_string(),
        h.active_primary_shards.to_string(),
        h.relocating_shards.to_string(),
        h.initializing_shards.to_string(),
        h.unassigned_shards.to_string(),
        h.unassigned_primary_shards.to_string(),
        h.number_of_pending_tasks.to_string(),
        max_wait,
        format!("{:.1}%", h.active_shards_percent_as_number),
    ];
    render(HEALTH_COLUMNS, &row, &params)
}

const NODES_COLUMNS: &[Column] = &[
    col("id", &["nodeId"], false, false),
    col("pid", &["p"], false, true),
    col("ip", &["i"], true, false),
    col("port", &["po"], false, true),
    col("http_address", &["http"], false, false),
    col("version", &["v"], false, false),
    col("uptime", &["u"], false, true),
    col("heap.current", &["hc", "heapCurrent"], false, true),
    col("heap.percent", &["hp", "heapPercent"], true, true),
    col("heap.max", &["hm", "heapMax"], false, true),
    col("ram.current", &["rc", "ramCurrent"], false, true),
    col("ram.percent", &["rp", "ramPercent"], true, true),
    col("ram.max", &["rm", "ramMax"], false, true),
    col(
        "file_desc.current",
        &["fdc", "fileDescriptorCurrent"],
        false,
        true,
    ),
    col("file_desc.max", &["fdm", "fileDescriptorMax"], false, true),
    col("cpu", &[], true, true),
    col("load_1m", &["l"], true, true),
    col("load_5m", &["l"], true, true),
    col("load_15m", &["l"], true, true),
    col("node.role", &["r", "role", "nodeRole"], true, false),
    col("master", &["m"], true, false),
    col("name", &["n"], true, false),
];

/// `GET /_cat/nodes`.
pub(crate) async fn nodes(
    State(state): State<Arc<AppState>>,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    let (process, os) = {
        let mut probe = state.probe.lock().unwrap_or_else(|p| p.into_inner());
        (probe.process(), probe.os())
    };
    let heap_max = node_heap_max(&os);
    let pct = |part: u64, whole: u64| (part * 100).checked_div(whole).unwrap_or(0);
    let ram_used = os.mem_total.saturating_sub(os.mem_free);
    // Elasticsearch abbreviates roles to letters: c(old) d(ata) f(rozen) h(ot) i(ngest)
    // m(aster) r(emote client) s(content) t(ransform) w(arm).
    let role_letters: String = {
        let mut letters: Vec<char> = NODE_ROLES
            .iter()
            .filter_map(|r| match *r {
                "data_cold" => Some('c'),
                "data" => Some('d'),
                "data_frozen" => Some('f'),
                "data_hot" => Some('h'),
                "ingest" => Some('i'),
                "master" => Some('m'),
                "remote_cluster_client" => Some('r'),
                "data_content" => Some('s'),
                "transform" => Some('t'),
                "data_warm" => Some('w'),
                _ => None,
            })
            .collect();
        letters.sort_unstable();
        letters.into_iter().collect()
    };
    let publish = state.publish_address();
    let port = publish.rsplit(':').next().unwrap_or("").to_string();
    let uptime_ms = state.started.elapsed().as_millis() as u64;
    let row = vec![
        state.identity.node_id.chars().take(4).collect(),
        std::process::id().to_string(),
        state.publish_ip(),
        port,
        publish,
        ironstack_types::info::ES_VERSION.to_string(),
        crate::stats::human_duration(uptime_ms),
        crate::stats::human_bytes(process.resident_bytes),
        pct(process.resident_bytes, heap_max).to_string(),
        crate::stats::human_bytes(heap_max),
        crate::stats::human_bytes(ram_used),
        pct(ram_used, os.mem_total).to_string(),
        crate::stats::human_bytes(os.mem_total),
        process.open_fds.to_string(),
        process.max_fds.to_string(),
        process.cpu_percent.to_string(),
        format!("{:.2}", os.load[0]),
        format!("{:.2}", os.load[1]),
        format!("{:.2}", os.load[2]),
        role_letters,
        "*".into(),
        state.identity.node_name.clone(),
    ];
    render(NODES_COLUMNS, &row, &params)
}
