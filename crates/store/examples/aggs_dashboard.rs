//! Times the dashboard aggregations of issue 9 over Metricbeat-like documents (the same
//! generator as `ingest_raw`: 50 hosts reporting every 10 s): CPU per host over time
//! (`terms` > `date_histogram` > `avg`, and the other way round), `terms`, `percentiles`,
//! the latest documents of one host (`top_hits`), `cardinality`, and a 15-minute window.
//! Prints p50/p99 over repeated runs, as wall-clock time and as time on a CPU (what the query
//! costs when it does not wait for a core), and with `SHOW=1` each response once (abridged);
//! `ONLY=<n>` runs the n-th query only; `DATA=<folder>` keeps the engine's data there and
//! reuses an index of the same size left by an earlier run (no second indexing).
//!
//! ```sh
//! cargo run --release -p ironstack-store --example aggs_dashboard -- [documents] [runs]
//! ```

use std::time::Instant;

use ironstack_store::api::{Refresh, WriteCondition};
use ironstack_store::engine::{
    Durability, Engine, EngineOp, EngineOptions, FieldTypeMap, IndexSettings, testing,
};
use ironstack_store::query::{SearchBody, parse_search};
use serde_json::{Value, json};

#[path = "shared/metricbeat.rs"]
mod metricbeat;
use metricbeat::metricbeat;

const BATCH: u64 = 5_000;
const TEXT: &[&str] = &["message"];

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`): a query's cost without
/// the time it waited for a core on a busy machine. The search runs on the calling thread.
/// The kernel brings a running thread's figure up to date only at a scheduler tick (4 ms
/// here) or when the thread leaves the CPU: a short sleep first makes it leave, so that the
/// figure is exact rather than up to a tick old.
fn thread_cpu() -> Option<u64> {
    std::thread::sleep(std::time::Duration::from_micros(20));
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Cuts long arrays so that a response prints in a few lines.
fn abridge(v: &Value) -> Value {
    match v {
        Value::Array(items) if items.len() > 2 => {
            let mut out: Vec<Value> = items.iter().take(2).map(abridge).collect();
            out.push(Value::String(format!("... {} more", items.len() - 2)));
            Value::Array(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(abridge).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), abridge(v))).collect()),
        other => other.clone(),
    }
}

/// Creates the index and writes `total` documents into it.
fn index(engine: &Engine, total: u64) -> Result<(), Box<dyn std::error::Error>> {
    engine.create_index(
        "metricbeat",
        "mb",
        &IndexSettings {
            refresh_interval: None,
            durability: Durability::Async,
            ..IndexSettings::default()
        },
        json!({}),
    )?;
    let start = Instant::now();
    let mut from = 0;
    while from < total {
        let ops = (from..(from + BATCH).min(total))
            .map(|n| {
                let source = metricbeat(n);
                EngineOp::Index {
                    id: None,
                    source: serde_json::to_vec(&source).unwrap_or_default(),
                    parsed: testing::parse(&source, TEXT),
                    create: true,
                    condition: WriteCondition::None,
                }
            })
            .collect();
        engine.apply("metricbeat", ops, Refresh::None)?;
        from += BATCH;
    }
    engine.refresh("metricbeat")?;
    println!(
        "{total} documents indexed in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let total: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(30);

    let tmp = tempfile::tempdir()?;
    let data = std::env::var_os("DATA").map_or_else(|| tmp.path().to_path_buf(), Into::into);
    let engine = Engine::open(&data, EngineOptions::default())?;
    let mut types = FieldTypeMap::default();
    types.learn("metricbeat", &testing::parse(&metricbeat(0), TEXT));
    let reuse = engine
        .stats("metricbeat")
        .is_ok_and(|s| s.docs_count == total);
    if !reuse {
        if engine.indices().iter().any(|i| i == "metricbeat") {
            engine.delete_index("metricbeat")?;
        }
        index(&engine, total)?;
    }
    let stats = engine.stats("metricbeat")?;
    println!(
        "{} documents ({}); {} segments",
        stats.docs_count,
        if reuse { "reused" } else { "indexed" },
        stats.segments_count
    );

    let queries: Vec<(&str, Value)> = vec![
        (
            "avg cpu per host over time (terms 50 > date_histogram 30m > avg)",
            json!({"size": 0, "aggs": {"hosts": {"terms": {"field": "host.name", "size": 50},
                "aggs": {"over_time": {"date_histogram": {"field": "@timestamp", "fixed_interval": "30m"},
                    "aggs": {"cpu": {"avg": {"field": "system.cpu.total.pct"}}}}}}}}),
        ),
        (
            "avg cpu over time per host (date_histogram 30m > terms 50 > avg)",
            json!({"size": 0, "aggs": {"over_time": {"date_histogram": {"field": "@timestamp", "fixed_interval": "30m"},
                "aggs": {"hosts": {"terms": {"field": "host.name", "size": 50},
                    "aggs": {"cpu": {"avg": {"field": "system.cpu.total.pct"}}}}}}}}),
        ),
        (
            "last 24 hours per host (range query, date_histogram 10m > terms > avg)",
            json!({"size": 0, "query": {"range": {"@timestamp": {"gte": "2025-01-02T00:00:00Z", "lt": "2025-01-03T00:00:00Z"}}},
                "aggs": {"over_time": {"date_histogram": {"field": "@timestamp", "fixed_interval": "10m"},
                "aggs": {"hosts": {"terms": {"field": "host.name", "size": 50},
                    "aggs": {"cpu": {"avg": {"field": "system.cpu.total.pct"}}}}}}}}),
        ),
        (
            "terms host.name",
            json!({"size": 0, "aggs": {"hosts": {"terms": {"field": "host.name"}}}}),
        ),
        (
            "percentiles of cpu",
            json!({"size": 0, "aggs": {"cpu": {"percentiles": {"field": "system.cpu.total.pct"}}}}),
        ),
        (
            "latest 10 documents of one host (filter > top_hits)",
            json!({"size": 0, "aggs": {"one": {"filter": {"term": {"host.name": "host-007"}},
                "aggs": {"latest": {"top_hits": {"size": 10, "sort": [{"@timestamp": "desc"}]}}}}}}),
        ),
        (
            "latest document per host (terms 50 > top_hits 1)",
            json!({"size": 0, "aggs": {"hosts": {"terms": {"field": "host.name", "size": 50},
                "aggs": {"latest": {"top_hits": {"size": 1, "sort": [{"@timestamp": "desc"}],
                    "_source": ["@timestamp", "system.cpu.total.pct"]}}}}}}),
        ),
        (
            "cardinality of host.name and stats of memory",
            json!({"size": 0, "aggs": {"hosts": {"cardinality": {"field": "host.name"}},
                "mem": {"stats": {"field": "system.memory.used.pct"}}}}),
        ),
        (
            "15-minute window (range query, date_histogram 10s > max)",
            json!({"size": 0, "query": {"range": {"@timestamp": {"gte": "2025-01-01T01:00:00Z", "lt": "2025-01-01T01:15:00Z"}}},
                "aggs": {"t": {"date_histogram": {"field": "@timestamp", "fixed_interval": "10s"},
                    "aggs": {"cpu": {"max": {"field": "system.cpu.total.pct"}}}}}}),
        ),
    ];
    let only: Option<usize> = std::env::var("ONLY").ok().and_then(|v| v.parse().ok());
    for (i, (name, body)) in queries.iter().enumerate() {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        let bytes = serde_json::to_vec(body)?;
        let request = parse_search("/_search", SearchBody::Bytes(&bytes), &[])?.request;
        let first = engine.search(&["metricbeat"], &request, &types)?;
        let mut times = Vec::with_capacity(runs);
        let mut cpu = Vec::with_capacity(runs);
        for _ in 0..runs {
            let cpu_start = thread_cpu();
            let start = Instant::now();
            let r = engine.search(&["metricbeat"], &request, &types)?;
            times.push(start.elapsed());
            if let (Some(a), Some(b)) = (cpu_start, thread_cpu()) {
                cpu.push(b.saturating_sub(a));
            }
            drop(r);
        }
        times.sort();
        cpu.sort();
        let at =
            |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
        let cpu_at = |q: f64| {
            cpu.get(((cpu.len() as f64 * q).ceil() as usize).clamp(1, cpu.len().max(1)) - 1)
                .map_or(f64::NAN, |ns| *ns as f64 / 1e6)
        };
        let cpu_mean = cpu.iter().sum::<u64>() as f64 / cpu.len().max(1) as f64 / 1e6;
        println!(
            "{name}: p50 {:.1} ms, p99 {:.1} ms; on-CPU p50 {:.1} ms, p99 {:.1} ms, mean {:.1} ms ({} runs)",
            at(0.5).as_secs_f64() * 1000.0,
            at(0.99).as_secs_f64() * 1000.0,
            cpu_at(0.5),
            cpu_at(0.99),
            cpu_mean,
            runs
        );
        if std::env::var_os("SHOW").is_some() {
            println!(
                "  {}",
                serde_json::to_string(&abridge(&first.aggregations.unwrap_or(Value::Null)))?
            );
        }
    }
    Ok(())
}
