//! The `_cat` APIs: aligned text tables for people (`?v` adds headers, `?h=` picks columns,
//! `?s=` sorts, `?help` lists the columns, `?bytes=`/`?time=` fix units) and the same rows as
//! JSON with `?format=json`, as Elasticsearch's `RestTable` renders them. The store's tables
//! (`indices`, `aliases`, `count`, `shards`, `segments`, `templates`) show only what the
//! gate let the caller reach.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use ironstack_security::gate::SecuredRequest;
use ironstack_store::query::parse_count;
use ironstack_types::HealthStatus;
use ironstack_types::index_space::AbstractionKind;
use serde_json::{Map, Value};

use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::handlers::{NODE_ROLES, health_body, node_heap_max};
use super::multi::authorize_part;
use super::node_stats::IndicesTotals;
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson, EsText};
use super::search::{count_matches, existing_names, search_body};
use super::stats::{IndexFigures, gather};
use crate::state::AppState;

/// A column: its name, its aliases, whether it is shown without `?h`, whether its cells
/// are right-aligned (numbers), what `?help` says of it, and whether `?pri` adds its `pri.`
/// sibling next to it when `?h` names it.
struct Column {
    name: &'static str,
    aliases: &'static [&'static str],
    default: bool,
    numeric: bool,
    desc: &'static str,
    sibling: bool,
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
        desc: "",
        sibling: false,
    }
}

/// A column with its `?help` text.
const fn described(
    name: &'static str,
    aliases: &'static [&'static str],
    default: bool,
    numeric: bool,
    desc: &'static str,
) -> Column {
    Column {
        name,
        aliases,
        default,
        numeric,
        desc,
        sibling: false,
    }
}

/// A figure of the whole index and its `pri.` twin (the primaries' share, the same here:
/// replicas are never assigned on one node).
const fn figure(
    name: &'static str,
    pri: &'static str,
    aliases: &'static [&'static str],
    desc: &'static str,
) -> [Column; 2] {
    [
        Column {
            name,
            aliases,
            default: false,
            numeric: true,
            desc,
            sibling: true,
        },
        Column {
            name: pri,
            aliases: &[],
            default: false,
            numeric: true,
            desc,
            sibling: false,
        },
    ]
}

/// One cell, typed as `RestTable` renders and compares it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// No value (a closed index's document count): empty in text, `null` in JSON.
    Null,
    Text(String),
    Int(i64),
    /// A `ByteSizeValue`: `?bytes=b|kb|mb|gb|tb|pb` picks the unit, else `227b`, `1.5kb`.
    Bytes(u64),
    /// A `TimeValue` in milliseconds: `?time=nanos|micros|ms|s|m|h|d`, else `1.2s`.
    Millis(u64),
    Bool(bool),
}

impl Cell {
    fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    fn count(n: u64) -> Self {
        Self::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// `RestTable.renderValue`.
    fn render(&self, params: &RenderParams) -> Option<String> {
        Some(match self {
            Cell::Null => return None,
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Bytes(b) => {
                let shift = match params.param("bytes") {
                    Some("b") => 0,
                    Some("k" | "kb") => 10,
                    Some("m" | "mb") => 20,
                    Some("g" | "gb") => 30,
                    Some("t" | "tb") => 40,
                    Some("p" | "pb") => 50,
                    _ => return Some(crate::stats::human_bytes(*b)),
                };
                (b >> shift).to_string()
            }
            Cell::Millis(ms) => match params.param("time") {
                Some("nanos") => (u128::from(*ms) * 1_000_000).to_string(),
                Some("micros") => (u128::from(*ms) * 1000).to_string(),
                Some("ms") => ms.to_string(),
                Some("s") => (ms / 1000).to_string(),
                Some("m") => (ms / 60_000).to_string(),
                Some("h") => (ms / 3_600_000).to_string(),
                Some("d") => (ms / 86_400_000).to_string(),
                _ => crate::stats::human_duration(*ms),
            },
        })
    }

    /// `TableIndexComparator.compareCell`: no value first, same types by value, others by
    /// their text.
    fn compare(&self, other: &Cell) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self, other) {
            (Cell::Null, Cell::Null) => Ordering::Equal,
            (Cell::Null, _) => Ordering::Less,
            (_, Cell::Null) => Ordering::Greater,
            (Cell::Text(a), Cell::Text(b)) => a.cmp(b),
            (Cell::Int(a), Cell::Int(b)) => a.cmp(b),
            (Cell::Bytes(a), Cell::Bytes(b)) | (Cell::Millis(a), Cell::Millis(b)) => a.cmp(b),
            (Cell::Bool(a), Cell::Bool(b)) => a.cmp(b),
            (a, b) => a
                .render(&RenderParams::default())
                .cmp(&b.render(&RenderParams::default())),
        }
    }
}

/// A column to show: its index in the table and the name it is shown under (the alias
/// `?h` asked for, or its name).
struct Shown {
    column: usize,
    display: String,
}

/// `RestTable.buildDisplayHeaders`: the `?h` columns (names, aliases and wildcards over
/// both; unknown ones skipped; `?pri` siblings added), or the default ones; `?ts=false`
/// hides `epoch` and `timestamp`.
fn shown_columns(columns: &[Column], params: &RenderParams) -> Vec<Shown> {
    let with_time = params.param("ts").is_none_or(|v| v != "false");
    let keeps = |c: &Column| with_time || !matches!(c.name, "epoch" | "timestamp");
    let Some(h) = params.param("h") else {
        return columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.default && keeps(c))
            .map(|(i, c)| Shown {
                column: i,
                display: c.name.to_string(),
            })
            .collect();
    };
    let mut wanted: Vec<String> = Vec::new();
    for part in h.split(',').filter(|p| !p.is_empty()) {
        if part.contains('*') {
            for c in columns {
                let matched = ironstack_types::wildcard::simple_match(part, c.name)
                    || c.aliases
                        .iter()
                        .any(|a| ironstack_types::wildcard::simple_match(part, a));
                if matched && !wanted.iter().any(|w| w == c.name) {
                    wanted.push(c.name.to_string());
                }
            }
        } else if !wanted.iter().any(|w| w == part) {
            wanted.push(part.to_string());
        }
    }
    let pri = params.flag("pri");
    let mut shown = Vec::new();
    for name in wanted {
        let found = columns
            .iter()
            .position(|c| c.name == name)
            .map(|i| (i, name.clone()))
            .or_else(|| {
                columns
                    .iter()
                    .position(|c| c.aliases.contains(&name.as_str()))
                    .map(|i| (i, name.clone()))
            });
        let Some((column, display)) = found else {
            continue;
        };
        if !keeps(&columns[column]) {
            continue;
        }
        let sibling = columns[column].sibling.then(|| {
            let pri_name = format!("pri.{}", columns[column].name);
            columns.iter().position(|c| c.name == pri_name)
        });
        shown.push(Shown {
            column,
            display: display.clone(),
        });
        if let (true, Some(Some(s))) = (pri, sibling) {
            shown.push(Shown {
                column: s,
                display: format!("pri.{display}"),
            });
        }
    }
    shown
}

/// `RestTable.getRowOrder`: `?s=col[:asc|:desc],...` by name or alias.
fn row_order(
    columns: &[Column],
    rows: &[Vec<Cell>],
    params: &RenderParams,
) -> Result<Vec<usize>, ApiError> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let Some(s) = params.param("s") else {
        return Ok(order);
    };
    let mut keys = Vec::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        let (name, reverse) = match part.strip_suffix(":desc") {
            Some(n) => (n, true),
            None => (part.strip_suffix(":asc").unwrap_or(part), false),
        };
        let Some(column) = columns
            .iter()
            .position(|c| c.name == name || c.aliases.contains(&name))
        else {
            return Err(ApiError::illegal_argument(format!(
                "Unable to sort by unknown sort key `{name}`"
            )));
        };
        keys.push((column, reverse));
    }
    order.sort_by(|&a, &b| {
        for &(column, reverse) in &keys {
            let (x, y) = (&rows[a][column], &rows[b][column]);
            let ordering = x.compare(y);
            if ordering.is_ne() {
                return if reverse {
                    ordering.reverse()
                } else {
                    ordering
                };
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(order)
}

/// `?help`: each column's name, aliases and description.
fn help(columns: &[Column]) -> String {
    let aliases = |c: &Column| c.aliases.join(",");
    let desc = |c: &Column| {
        if c.desc.is_empty() {
            "not available"
        } else {
            c.desc
        }
    };
    let w0 = columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let w1 = columns.iter().map(|c| aliases(c).len()).max().unwrap_or(0);
    let w2 = columns.iter().map(|c| desc(c).len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in columns {
        out.push_str(&format!(
            "{:<w0$} | {:<w1$} | {:<w2$}\n",
            c.name,
            aliases(c),
            desc(c)
        ));
    }
    out
}

/// Renders a `_cat` table as `RestTable.buildResponse` does: `?help`, the shown columns,
/// the rows in `?s` order, as JSON objects (every value a string or `null`) with
/// `?format=json`, else as aligned text (`?v` adds the header line).
fn render_table(
    columns: &[Column],
    rows: &[Vec<Cell>],
    params: &RenderParams,
) -> Result<Response, ApiError> {
    if params.flag("help") {
        return Ok(EsText(help(columns)).into_response());
    }
    let shown = shown_columns(columns, params);
    let order = row_order(columns, rows, params)?;
    match params.param("format").unwrap_or("text") {
        "json" => {
            let out: Vec<Value> = order
                .iter()
                .map(|&r| {
                    let obj: Map<String, Value> = shown
                        .iter()
                        .map(|s| {
                            let value = rows[r][s.column]
                                .render(params)
                                .map_or(Value::Null, Value::String);
                            (s.display.clone(), value)
                        })
                        .collect();
                    Value::Object(obj)
                })
                .collect();
            Ok(EsJson::ok(Value::Array(out)).into_response())
        }
        format @ ("yaml" | "cbor" | "smile") => Err(ApiError::illegal_argument(format!(
            "unsupported format [{format}]"
        ))),
        _ => {
            let verbose = params.flag("v");
            let rendered: Vec<Vec<Option<String>>> = order
                .iter()
                .map(|&r| {
                    shown
                        .iter()
                        .map(|s| rows[r][s.column].render(params))
                        .collect()
                })
                .collect();
            let widths: Vec<usize> = shown
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let header = if verbose {
                        s.display.chars().count()
                    } else {
                        0
                    };
                    rendered
                        .iter()
                        .map(|row| row[i].as_ref().map_or(0, |v| v.chars().count()))
                        .max()
                        .unwrap_or(0)
                        .max(header)
                })
                .collect();
            let line = |cells: Vec<Option<&str>>| {
                let last = cells.len().saturating_sub(1);
                let mut out = String::new();
                for (i, cell) in cells.iter().enumerate() {
                    let text = cell.unwrap_or("");
                    let pad = widths[i].saturating_sub(text.chars().count());
                    if columns[shown[i].column].numeric {
                        out.push_str(&" ".repeat(pad));
                        out.push_str(text);
                    } else {
                        out.push_str(text);
                        // The last column is not padded on the right.
                        if i != last {
                            out.push_str(&" ".repeat(pad));
                        }
                    }
                    if i != last {
                        out.push(' ');
                    }
                }
                out.push('\n');
                out
            };
            let mut out = String::new();
            if verbose {
                out.push_str(&line(
                    shown.iter().map(|s| Some(s.display.as_str())).collect(),
                ));
            }
            for row in &rendered {
                out.push_str(&line(row.iter().map(Option::as_deref).collect()));
            }
            Ok(EsText(out).into_response())
        }
    }
}

/// A one-row table of text cells (`_cat/health`, `_cat/nodes`).
fn render(columns: &[Column], row: &[String], params: &RenderParams) -> Result<Response, ApiError> {
    let cells: Vec<Cell> = row.iter().map(|s| Cell::Text(s.clone())).collect();
    render_table(columns, &[cells], params)
}

const HEALTH_COLUMNS: &[Column] = &[
    col("epoch", &["t", "time"], true, false),
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

// ---- the store's tables: indices, aliases, count, shards, segments, templates ------------

/// `_cat/indices`, `_cat/shards` and `_cat/segments` read the cluster state and health as
/// well as the indices' figures, as Elasticsearch's do: the caller also needs `monitor` on
/// the cluster.
fn authorize_cluster_state(state: &AppState, granted: &Granted) -> Result<(), ApiError> {
    authorize_part(
        state,
        granted,
        SecuredRequest::action(ironstack_types::action::CLUSTER_STATE),
    )
    .map(drop)
}

/// The concrete indices the gate granted, with their figures, by name.
async fn granted_figures(
    state: &AppState,
    granted: &Granted,
) -> Result<Vec<IndexFigures>, ApiError> {
    let store = documents(state)?.clone();
    let space = store.space();
    let mut concrete = space.concrete_indices(&existing_names(granted, &space)?);
    concrete.sort();
    blocking(move || gather(&store, &concrete)).await
}

/// The figures `_cat/indices` offers besides its default columns, each with its `pri.` twin.
const INDEX_FIGURES: [[Column; 2]; 38] = [
    figure(
        "flush.total",
        "pri.flush.total",
        &["ft", "flushTotal"],
        "number of flushes",
    ),
    figure(
        "flush.total_time",
        "pri.flush.total_time",
        &["ftt", "flushTotalTime"],
        "time spent in flush",
    ),
    figure(
        "get.current",
        "pri.get.current",
        &["gc", "getCurrent"],
        "number of current get ops",
    ),
    figure(
        "get.time",
        "pri.get.time",
        &["gti", "getTime"],
        "time spent in get",
    ),
    figure(
        "get.total",
        "pri.get.total",
        &["gto", "getTotal"],
        "number of get ops",
    ),
    figure(
        "get.exists_time",
        "pri.get.exists_time",
        &["geti", "getExistsTime"],
        "time spent in successful gets",
    ),
    figure(
        "get.exists_total",
        "pri.get.exists_total",
        &["geto", "getExistsTotal"],
        "number of successful gets",
    ),
    figure(
        "get.missing_time",
        "pri.get.missing_time",
        &["gmti", "getMissingTime"],
        "time spent in failed gets",
    ),
    figure(
        "get.missing_total",
        "pri.get.missing_total",
        &["gmto", "getMissingTotal"],
        "number of failed gets",
    ),
    figure(
        "indexing.delete_current",
        "pri.indexing.delete_current",
        &["idc", "indexingDeleteCurrent"],
        "number of current deletions",
    ),
    figure(
        "indexing.delete_time",
        "pri.indexing.delete_time",
        &["idti", "indexingDeleteTime"],
        "time spent in deletions",
    ),
    figure(
        "indexing.delete_total",
        "pri.indexing.delete_total",
        &["idto", "indexingDeleteTotal"],
        "number of delete ops",
    ),
    figure(
        "indexing.index_current",
        "pri.indexing.index_current",
        &["iic", "indexingIndexCurrent"],
        "number of current indexing ops",
    ),
    figure(
        "indexing.index_time",
        "pri.indexing.index_time",
        &["iiti", "indexingIndexTime"],
        "time spent in indexing",
    ),
    figure(
        "indexing.index_total",
        "pri.indexing.index_total",
        &["iito", "indexingIndexTotal"],
        "number of indexing ops",
    ),
    figure(
        "indexing.index_failed",
        "pri.indexing.index_failed",
        &["iif", "indexingIndexFailed"],
        "number of failed indexing ops",
    ),
    figure(
        "merges.current",
        "pri.merges.current",
        &["mc", "mergesCurrent"],
        "number of current merges",
    ),
    figure(
        "merges.current_docs",
        "pri.merges.current_docs",
        &["mcd", "mergesCurrentDocs"],
        "number of current merging docs",
    ),
    figure(
        "merges.current_size",
        "pri.merges.current_size",
        &["mcs", "mergesCurrentSize"],
        "size of current merges",
    ),
    figure(
        "merges.total",
        "pri.merges.total",
        &["mt", "mergesTotal"],
        "number of completed merge ops",
    ),
    figure(
        "merges.total_docs",
        "pri.merges.total_docs",
        &["mtd", "mergesTotalDocs"],
        "docs merged",
    ),
    figure(
        "merges.total_size",
        "pri.merges.total_size",
        &["mts", "mergesTotalSize"],
        "size merged",
    ),
    figure(
        "merges.total_time",
        "pri.merges.total_time",
        &["mtt", "mergesTotalTime"],
        "time spent in merges",
    ),
    figure(
        "refresh.total",
        "pri.refresh.total",
        &["rto", "refreshTotal"],
        "total refreshes",
    ),
    figure(
        "refresh.time",
        "pri.refresh.time",
        &["rti", "refreshTime"],
        "time spent in refreshes",
    ),
    figure(
        "refresh.external_total",
        "pri.refresh.external_total",
        &["rto", "refreshTotal"],
        "total external refreshes",
    ),
    figure(
        "refresh.external_time",
        "pri.refresh.external_time",
        &["rti", "refreshTime"],
        "time spent in external refreshes",
    ),
    figure(
        "refresh.listeners",
        "pri.refresh.listeners",
        &["rli", "refreshListeners"],
        "number of pending refresh listeners",
    ),
    figure(
        "search.fetch_current",
        "pri.search.fetch_current",
        &["sfc", "searchFetchCurrent"],
        "current fetch phase ops",
    ),
    figure(
        "search.fetch_time",
        "pri.search.fetch_time",
        &["sfti", "searchFetchTime"],
        "time spent in fetch phase",
    ),
    figure(
        "search.fetch_total",
        "pri.search.fetch_total",
        &["sfto", "searchFetchTotal"],
        "total fetch ops",
    ),
    figure(
        "search.open_contexts",
        "pri.search.open_contexts",
        &["so", "searchOpenContexts"],
        "open search contexts",
    ),
    figure(
        "search.query_current",
        "pri.search.query_current",
        &["sqc", "searchQueryCurrent"],
        "current query phase ops",
    ),
    figure(
        "search.query_time",
        "pri.search.query_time",
        &["sqti", "searchQueryTime"],
        "time spent in query phase",
    ),
    figure(
        "search.query_total",
        "pri.search.query_total",
        &["sqto", "searchQueryTotal"],
        "total query phase ops",
    ),
    figure(
        "search.scroll_total",
        "pri.search.scroll_total",
        &["scto", "searchScrollTotal"],
        "completed scroll contexts",
    ),
    figure(
        "segments.count",
        "pri.segments.count",
        &["sc", "segmentsCount"],
        "number of segments",
    ),
    figure(
        "segments.memory",
        "pri.segments.memory",
        &["sm", "segmentsMemory"],
        "memory used by segments",
    ),
];

/// The cells of [`INDEX_FIGURES`], in their order (`None`: a closed index reports none).
fn index_figure_cells(t: Option<&IndicesTotals>) -> Vec<Cell> {
    let Some(t) = t else {
        return vec![Cell::Null; INDEX_FIGURES.len()];
    };
    let n = Cell::count;
    vec![
        n(t.flush_total),
        Cell::Millis(t.flush_time_millis),
        n(0),
        Cell::Millis(t.get_exists_time_millis + t.get_missing_time_millis),
        n(t.get_exists_total + t.get_missing_total),
        Cell::Millis(t.get_exists_time_millis),
        n(t.get_exists_total),
        Cell::Millis(t.get_missing_time_millis),
        n(t.get_missing_total),
        n(0),
        Cell::Millis(t.delete_time_millis),
        n(t.delete_total),
        n(t.index_current),
        Cell::Millis(t.index_time_millis),
        n(t.index_total),
        n(t.index_failed),
        n(0),
        n(0),
        Cell::Bytes(0),
        n(t.merges_total),
        n(t.merges_docs),
        Cell::Bytes(t.merges_size_bytes),
        Cell::Millis(t.merges_time_millis),
        n(t.refresh_total),
        Cell::Millis(t.refresh_time_millis),
        // Every refresh makes changes visible to searches: each one is external.
        n(t.refresh_total),
        Cell::Millis(t.refresh_time_millis),
        n(0),
        n(0),
        Cell::Millis(t.fetch_time_millis),
        n(t.fetch_total),
        n(t.open_contexts),
        n(t.query_current),
        Cell::Millis(t.query_time_millis),
        n(t.query_total),
        n(t.scroll_total),
        n(t.segments_count),
        Cell::Bytes(0),
    ]
}

fn indices_columns() -> Vec<Column> {
    let mut columns = vec![
        described("health", &["h"], true, false, "current health status"),
        described("status", &["s"], true, false, "open/close status"),
        described("index", &["i", "idx"], true, false, "index name"),
        described("uuid", &["id", "uuid"], true, false, "index uuid"),
        described(
            "pri",
            &["p", "shards.primary", "shardsPrimary"],
            true,
            true,
            "number of primary shards",
        ),
        described(
            "rep",
            &["r", "shards.replica", "shardsReplica"],
            true,
            true,
            "number of replica shards",
        ),
        described(
            "docs.count",
            &["dc", "docsCount"],
            true,
            true,
            "available docs",
        ),
        described(
            "docs.deleted",
            &["dd", "docsDeleted"],
            true,
            true,
            "deleted docs",
        ),
        described(
            "creation.date",
            &["cd"],
            false,
            false,
            "index creation date (millisecond value)",
        ),
        described(
            "creation.date.string",
            &["cds"],
            false,
            false,
            "index creation date (as string)",
        ),
        Column {
            sibling: true,
            ..described(
                "store.size",
                &["ss", "storeSize"],
                true,
                true,
                "store size of primaries & replicas",
            )
        },
        described("pri.store.size", &[], true, true, "store size of primaries"),
        described("dataset.size", &[], true, true, "total size of dataset"),
    ];
    for pair in INDEX_FIGURES {
        columns.extend(pair);
    }
    columns
}

/// `GET /_cat/indices[/<index>]`: one row per concrete index the caller may monitor (hidden
/// ones only when asked for), `?health` keeping those of one colour.
pub(crate) async fn indices(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    authorize_cluster_state(&state, &granted)?;
    let wanted: Option<HealthStatus> = params
        .param("health")
        .map(str::parse)
        .transpose()
        .map_err(ApiError::illegal_argument)?;
    let mut rows = Vec::new();
    for f in granted_figures(&state, &granted).await? {
        if wanted.is_some_and(|w| w != f.index.health) {
            continue;
        }
        let totals = f.stats.as_ref().map(|_| f.totals());
        let t = totals.as_ref();
        let size =
            |bytes: fn(&IndicesTotals) -> u64| t.map_or(Cell::Null, |t| Cell::Bytes(bytes(t)));
        let count = |n: fn(&IndicesTotals) -> u64| t.map_or(Cell::Null, |t| Cell::count(n(t)));
        let created = ironstack_types::date::timestamp_from_millis(f.index.creation_date)
            .map(ironstack_types::date::format_iso_millis)
            .unwrap_or_default();
        let mut row = vec![
            Cell::text(f.index.health.as_str()),
            Cell::text(if f.index.closed { "close" } else { "open" }),
            Cell::text(f.index.name.clone()),
            Cell::text(f.index.uuid.clone()),
            Cell::Int(1),
            Cell::Int(i64::from(f.index.replicas)),
            count(|t| t.docs_count),
            count(|t| t.docs_deleted),
            Cell::Int(f.index.creation_date),
            Cell::Text(created),
            size(|t| t.store_size_bytes),
            size(|t| t.store_size_bytes),
            size(|t| t.store_size_bytes),
        ];
        row.extend(
            index_figure_cells(t)
                .into_iter()
                .flat_map(|c| [c.clone(), c]),
        );
        rows.push(row);
    }
    render_table(&indices_columns(), &rows, &params)
}

const ALIASES_COLUMNS: &[Column] = &[
    described("alias", &["a"], true, false, "alias name"),
    described("index", &["i", "idx"], true, false, "index alias points to"),
    described("filter", &["f", "fi"], true, false, "filter"),
    described(
        "routing.index",
        &["ri", "routingIndex"],
        true,
        false,
        "index routing",
    ),
    described(
        "routing.search",
        &["rs", "routingSearch"],
        true,
        false,
        "search routing",
    ),
    described(
        "is_write_index",
        &["w", "isWriteIndex"],
        true,
        false,
        "write index",
    ),
];

/// `GET /_cat/aliases[/<name>]`: the aliases the caller may see of the indices and data
/// streams it may see.
pub(crate) async fn aliases(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    let store = documents(&state)?;
    let space = store.space();
    let (mut indices, mut data_streams, mut visible) = (Vec::new(), Vec::new(), Vec::new());
    for name in granted.indices() {
        match space.get(name).map(|a| a.kind) {
            Some(AbstractionKind::Index) => indices.push(name.clone()),
            Some(AbstractionKind::DataStream) => data_streams.push(name.clone()),
            Some(AbstractionKind::Alias) => visible.push(name.as_str()),
            None => {}
        }
    }
    let names = path.names("name").unwrap_or_default();
    let rows: Vec<Vec<Cell>> = store
        .metadata()
        .cat_aliases(&indices, &data_streams, &names)
        .into_iter()
        .filter(|r| state.gate.is_none() || visible.contains(&r.alias.as_str()))
        .map(|r| {
            vec![
                Cell::Text(r.alias),
                Cell::Text(r.index),
                Cell::Text(r.filter),
                Cell::Text(r.routing_index),
                Cell::Text(r.routing_search),
                Cell::Text(r.is_write_index),
            ]
        })
        .collect();
    render_table(ALIASES_COLUMNS, &rows, &params)
}

const COUNT_COLUMNS: &[Column] = &[
    described(
        "epoch",
        &["t", "time"],
        true,
        false,
        "seconds since 1970-01-01 00:00:00, approximated to the nearest second",
    ),
    described(
        "timestamp",
        &["ts", "hms", "hhmmss"],
        true,
        false,
        "time in HH:MM:SS",
    ),
    described(
        "count",
        &["dc", "docs.count", "docsCount"],
        true,
        false,
        "the document count",
    ),
];

/// `GET|POST /_cat/count[/<index>]`: the documents the caller may read (`q=` or a body
/// `query`), as `_count` counts them.
pub(crate) async fn count(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    uri: Uri,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request = parse_count(uri.path(), search_body(&body), &params.query)?;
    let (count, _) = count_matches(&state, &granted, request.query).await?;
    let now = jiff::Timestamp::now();
    let row = vec![
        Cell::Int(now.as_second()),
        Cell::text(now.strftime("%H:%M:%S").to_string()),
        Cell::count(count),
    ];
    render_table(COUNT_COLUMNS, &[row], &params)
}

const SHARDS_COLUMNS: &[Column] = &[
    described("index", &["i", "idx"], true, false, "index name"),
    described("shard", &["s", "sh"], true, true, "shard name"),
    described(
        "prirep",
        &["p", "pr", "primaryOrReplica"],
        true,
        true,
        "primary or replica",
    ),
    described("state", &["st"], true, false, "shard state"),
    described("docs", &["d", "dc"], true, true, "number of docs in shard"),
    described(
        "store",
        &["sto"],
        true,
        true,
        "store size of shard (how much disk it uses)",
    ),
    described("dataset", &[], true, true, "total size of dataset"),
    described("ip", &[], true, false, "ip of node where it lives"),
    described("id", &[], false, false, "unique id of node where it lives"),
    described("node", &["n"], true, false, "name of node where it lives"),
    described(
        "unassigned.reason",
        &["ur"],
        false,
        false,
        "reason shard became unassigned",
    ),
    described(
        "segments.count",
        &["sc", "segmentsCount"],
        false,
        true,
        "number of segments",
    ),
    described(
        "indexing.index_total",
        &["iito", "indexingIndexTotal"],
        false,
        true,
        "number of indexing ops",
    ),
    described(
        "search.query_total",
        &["sqto", "searchQueryTotal"],
        false,
        true,
        "total query phase ops",
    ),
    described(
        "get.total",
        &["gto", "getTotal"],
        false,
        true,
        "number of get ops",
    ),
    described(
        "refresh.total",
        &["rto", "refreshTotal"],
        false,
        true,
        "total refreshes",
    ),
];

/// `GET /_cat/shards[/<index>]`: each index's primary, started on this node, and each of
/// its replicas, unassigned since the index was created (no other node can hold them).
pub(crate) async fn shards(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    authorize_cluster_state(&state, &granted)?;
    let mut rows = Vec::new();
    for f in granted_figures(&state, &granted).await? {
        let t = f.stats.as_ref().map(|_| f.totals());
        let count =
            |n: fn(&IndicesTotals) -> u64| t.as_ref().map_or(Cell::Null, |t| Cell::count(n(t)));
        let size = t
            .as_ref()
            .map_or(Cell::Null, |t| Cell::Bytes(t.store_size_bytes));
        rows.push(vec![
            Cell::text(f.index.name.clone()),
            Cell::Int(0),
            Cell::text("p"),
            Cell::text("STARTED"),
            count(|t| t.docs_count),
            size.clone(),
            size,
            Cell::text(state.publish_ip()),
            Cell::text(state.identity.node_id.clone()),
            Cell::text(state.identity.node_name.clone()),
            Cell::Null,
            count(|t| t.segments_count),
            count(|t| t.index_total),
            count(|t| t.query_total),
            count(|t| t.get_exists_total + t.get_missing_total),
            count(|t| t.refresh_total),
        ]);
        for _ in 0..f.index.replicas {
            let mut replica = vec![
                Cell::text(f.index.name.clone()),
                Cell::Int(0),
                Cell::text("r"),
                Cell::text("UNASSIGNED"),
            ];
            replica.extend(std::iter::repeat_n(Cell::Null, 6));
            replica.push(Cell::text("INDEX_CREATED"));
            replica.extend(std::iter::repeat_n(Cell::Null, 5));
            rows.push(replica);
        }
    }
    render_table(SHARDS_COLUMNS, &rows, &params)
}

const SEGMENTS_COLUMNS: &[Column] = &[
    described("index", &["i", "idx"], true, false, "index name"),
    described("shard", &["s", "sh"], true, false, "shard name"),
    described(
        "prirep",
        &["p", "pr", "primaryOrReplica"],
        true,
        false,
        "primary or replica",
    ),
    described("ip", &[], true, false, "ip of node where it lives"),
    described("id", &[], false, false, "unique id of node where it lives"),
    described("segment", &["seg"], true, false, "segment name"),
    described(
        "generation",
        &["g", "gen"],
        true,
        true,
        "segment generation",
    ),
    described(
        "docs.count",
        &["dc", "docsCount"],
        true,
        true,
        "number of docs in segment",
    ),
    described(
        "docs.deleted",
        &["dd", "docsDeleted"],
        true,
        true,
        "number of deleted docs in segment",
    ),
    described("size", &["si"], true, true, "segment size in bytes"),
    described(
        "size.memory",
        &["sm", "sizeMemory"],
        true,
        true,
        "segment memory in bytes",
    ),
    described(
        "committed",
        &["ic", "isCommitted"],
        true,
        false,
        "is segment committed",
    ),
    described(
        "searchable",
        &["is", "isSearchable"],
        true,
        false,
        "is segment searched",
    ),
    described("version", &["v", "ver"], true, false, "version"),
    described(
        "compound",
        &["ico", "isCompound"],
        true,
        false,
        "is segment compound",
    ),
];

/// A segment's name as Lucene writes it: `_` and its generation in base 36.
fn segment_name(generation: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    let mut n = generation;
    loop {
        digits.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    format!("_{}", String::from_utf8_lossy(&digits))
}

/// `GET /_cat/segments[/<index>]`: the searchable segments of each open index. Every one
/// is committed (a refresh is a commit); they are numbered in the reader's order.
pub(crate) async fn segments(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    authorize_cluster_state(&state, &granted)?;
    let store = documents(&state)?.clone();
    let space = store.space();
    let mut concrete = space.concrete_indices(&existing_names(&granted, &space)?);
    concrete.sort();
    let segments = blocking(move || {
        concrete
            .into_iter()
            .filter_map(|index| {
                let segments = store.index_segments(&index).ok()?;
                Some((index, segments))
            })
            .collect::<Vec<_>>()
    })
    .await?;
    let mut rows = Vec::new();
    for (index, list) in segments {
        for (generation, s) in (0u64..).zip(list) {
            rows.push(vec![
                Cell::text(index.clone()),
                Cell::text("0"),
                Cell::text("p"),
                Cell::text(state.publish_ip()),
                Cell::text(state.identity.node_id.clone()),
                Cell::Text(segment_name(generation)),
                Cell::count(generation),
                Cell::count(s.docs_count),
                Cell::count(s.docs_deleted),
                Cell::Bytes(s.size_bytes),
                Cell::Bytes(0),
                Cell::Bool(true),
                Cell::Bool(true),
                Cell::text(ironstack_types::info::LUCENE_VERSION),
                Cell::Bool(false),
            ]);
        }
    }
    render_table(SEGMENTS_COLUMNS, &rows, &params)
}

const TEMPLATES_COLUMNS: &[Column] = &[
    described("name", &["n"], true, false, "template name"),
    described(
        "index_patterns",
        &["t"],
        true,
        false,
        "template index patterns",
    ),
    described(
        "order",
        &["o", "p"],
        true,
        true,
        "template application order/priority number",
    ),
    described("version", &["v"], true, true, "version"),
    described(
        "composed_of",
        &["c"],
        true,
        false,
        "component templates comprising index template",
    ),
];

/// `GET /_cat/templates[/<name>]`: the composable index templates (`name` a pattern).
pub(crate) async fn templates(
    State(state): State<Arc<AppState>>,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    let store = documents(&state)?;
    let rows: Vec<Vec<Cell>> = store
        .metadata()
        .cat_templates(path.get("name"))
        .into_iter()
        .map(|t| {
            vec![
                Cell::Text(t.name),
                Cell::Text(t.index_patterns),
                Cell::Text(t.order),
                t.version.map_or(Cell::Null, Cell::Text),
                Cell::Text(t.composed_of),
            ]
        })
        .collect();
    render_table(TEMPLATES_COLUMNS, &rows, &params)
}
