//! Measures the engine's raw ingest: ~1 KB Metricbeat-like documents through
//! `Engine::apply` in batches of 1,000 with `request` durability from a few concurrent
//! clients, then tantivy alone on the same documents and fields (one writer, in-process, no
//! log) as the local limit. Prints documents/s, bytes on disk per document and peak RSS.
//!
//! ```sh
//! cargo run --release -p ironstack-store --example ingest_raw -- [documents] [clients]
//! ```
//!
//! `ingest_raw emit FILE DOCUMENTS` writes the same documents as `_bulk` NDJSON (`create`
//! lines, generated ids) for `bench/ingest.sh`, which sends them over HTTPS.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ironstack_store::api::{Refresh, WriteCondition};
use ironstack_store::engine::{
    Engine, EngineOp, EngineOptions, FieldTypeMap, IndexSettings, testing,
};
use ironstack_store::query::{
    MatchQuery, Missing, Operator, Query, RangeQuery, Scalar, SearchRequest, SortBy, SortOrder,
    SortSpec, TrackTotalHits, ZeroTermsQuery,
};
use serde_json::json;

#[path = "shared/metricbeat.rs"]
mod metricbeat;
use metricbeat::metricbeat;

const BATCH: u64 = 1_000;
const TEXT: &[&str] = &["message"];
/// Documents held in memory for the ceiling measurement (about 3.5 KB each once typed).
const CEILING_DOCS: u64 = 200_000;

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => dir_size(&e.path()),
                _ => e.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Searches a dashboard runs over the documents (aggregations are measured elsewhere): the
/// latest documents of one host, a full-text match, a time window count, a keyword filter.
fn dashboard_queries(engine: &Engine) -> Result<(), Box<dyn std::error::Error>> {
    let mut types = FieldTypeMap::default();
    types.learn("metricbeat", &testing::parse(&metricbeat(0), TEXT));
    let host = Query::Term {
        field: "host.name".into(),
        value: Scalar::String("host-007".into()),
        case_insensitive: false,
        boost: 1.0,
    };
    let latest = SearchRequest {
        query: host.clone(),
        sort: vec![SortSpec {
            by: SortBy::Field("@timestamp".into()),
            order: SortOrder::Desc,
            missing: Missing::Last,
            unmapped_type: None,
            mode: None,
            format: None,
        }],
        ..SearchRequest::default()
    };
    let text = SearchRequest {
        query: Query::Match(MatchQuery {
            field: "message".into(),
            query: Scalar::String("usage host-007".into()),
            operator: Operator::And,
            minimum_should_match: None,
            fuzziness: None,
            prefix_length: 0,
            max_expansions: 50,
            fuzzy_transpositions: true,
            lenient: false,
            zero_terms_query: ZeroTermsQuery::None,
            analyzer: None,
            boost: 1.0,
        }),
        ..SearchRequest::default()
    };
    let window = SearchRequest {
        query: Query::Range(RangeQuery {
            field: "@timestamp".into(),
            gt: None,
            gte: Some(Scalar::String("2025-01-01T01:00:00Z".into())),
            lt: Some(Scalar::String("2025-01-01T01:15:00Z".into())),
            lte: None,
            format: None,
            time_zone: None,
            boost: 1.0,
        }),
        size: 0,
        track_total_hits: TrackTotalHits::Exact,
        ..SearchRequest::default()
    };
    let everything = SearchRequest {
        query: Query::MatchAll { boost: 1.0 },
        sort: latest.sort.clone(),
        ..SearchRequest::default()
    };
    for (name, request) in [
        ("latest 10 of one host", &latest),
        ("match on message", &text),
        ("count of a 15-minute window", &window),
        ("latest 10 of all", &everything),
    ] {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..50 {
            let start = Instant::now();
            total = engine.search(&["metricbeat"], request, &types)?.total;
            times.push(start.elapsed());
        }
        times.sort();
        println!(
            "query {name}: p50 {:.1} ms, p99 {:.1} ms ({total} hits)",
            times[24].as_secs_f64() * 1000.0,
            times[49].as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

/// Writes documents `0..total` as `_bulk` NDJSON to `path`.
fn emit(path: &str, total: u64) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for n in 0..total {
        out.write_all(b"{\"create\":{}}\n")?;
        serde_json::to_writer(&mut out, &metricbeat(n))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("emit") {
        let path = args.get(2).ok_or("usage: ingest_raw emit FILE DOCUMENTS")?;
        let total = args
            .get(3)
            .and_then(|a| a.parse().ok())
            .unwrap_or(1_000_000);
        return emit(path, total);
    }
    let total: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let clients: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2);
    let json_bytes: u64 = (0..1000)
        .map(|n| serde_json::to_vec(&metricbeat(n)).map_or(0, |v| v.len() as u64))
        .sum::<u64>()
        / 1000;
    println!(
        "{total} documents of ~{json_bytes} bytes of JSON, batches of {BATCH}, {clients} clients"
    );

    // The engine: log + fsync per batch (shared by concurrent batches), refresh every second.
    let dir = tempfile::tempdir()?;
    let engine = Arc::new(Engine::open(dir.path(), EngineOptions::default())?);
    engine.create_index("metricbeat", "mb", &IndexSettings::default(), json!({}))?;
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let engine = Arc::clone(&engine);
            let next = Arc::clone(&next);
            std::thread::spawn(move || -> Result<(), String> {
                loop {
                    let from = next.fetch_add(BATCH, Ordering::SeqCst);
                    if from >= total {
                        return Ok(());
                    }
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
                    let outcomes = engine
                        .apply("metricbeat", ops, Refresh::None)
                        .map_err(|e| e.to_string())?;
                    if let Some(Err(e)) = outcomes.into_iter().find(|o| o.is_err()) {
                        return Err(e.to_string());
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().map_err(|_| "a client panicked")??;
    }
    let acked = start.elapsed();
    engine.refresh("metricbeat")?;
    let visible = start.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    let stats = engine.stats("metricbeat")?;
    let disk = dir_size(dir.path());
    let log = std::fs::metadata(dir.path().join("indices/mb/wal.redb")).map_or(0, |m| m.len());
    println!(
        "engine: log and document table {:.0} bytes/doc, search index {:.0} bytes/doc",
        log as f64 / total as f64,
        (disk - log) as f64 / total as f64
    );
    println!(
        "engine: {:.0} docs/s acknowledged ({:.1}s), {:.0} docs/s searchable ({:.1}s); {} fsyncs, {} refreshes, {} segments; {:.0} bytes/doc on disk ({:.2}x the JSON)",
        total as f64 / acked.as_secs_f64(),
        acked.as_secs_f64(),
        total as f64 / visible.as_secs_f64(),
        visible.as_secs_f64(),
        stats.wal_syncs,
        stats.refresh_total,
        stats.segments_count,
        disk as f64 / total as f64,
        disk as f64 / total as f64 / json_bytes as f64
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .unwrap_or(0)
            / 1024
    };
    println!(
        "engine: peak RSS {} MB (now {} MB anonymous, {} MB mapped files)",
        peak_rss_kb() / 1024,
        field("RssAnon:"),
        field("RssFile:")
    );
    dashboard_queries(&engine)?;
    drop(engine);
    if std::env::var_os("COMPACT").is_some() {
        let path = dir.path().join("indices/mb/wal.redb");
        let mut db = redb::Database::open(&path)?;
        while db.compact()? {}
        drop(db);
        let compacted = std::fs::metadata(&path).map_or(0, |m| m.len());
        println!(
            "log and document table compacted: {:.0} bytes/doc",
            compacted as f64 / total as f64
        );
    }

    // tantivy alone: the same documents and fields, one writer, no log, no _source.
    let raw_dir = tempfile::tempdir()?;
    let start = Instant::now();
    let count = testing::raw_tantivy_ingest(
        raw_dir.path(),
        (0..total).map(|n| (format!("{n:020}"), testing::parse(&metricbeat(n), TEXT))),
        32 << 20,
        1,
    )?;
    let raw = start.elapsed();
    let raw_disk = dir_size(raw_dir.path());
    println!(
        "tantivy alone: {:.0} docs/s ({:.1}s), {:.0} bytes/doc on disk",
        count as f64 / raw.as_secs_f64(),
        raw.as_secs_f64(),
        raw_disk as f64 / count as f64
    );
    println!(
        "engine / tantivy: {:.2}x; peak RSS {} MB",
        raw.as_secs_f64() / visible.as_secs_f64(),
        peak_rss_kb() / 1024
    );

    // The ceiling on this machine: tantivy alone with an indexing thread per core, fed
    // documents typed beforehand (so that nothing else competes for the cores).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let prepared: Vec<_> = (0..total.min(CEILING_DOCS))
        .map(|n| (format!("{n:020}"), testing::parse(&metricbeat(n), TEXT)))
        .collect();
    let ceiling_dir = tempfile::tempdir()?;
    let start = Instant::now();
    let count =
        testing::raw_tantivy_ingest(ceiling_dir.path(), prepared.into_iter(), 32 << 20, cores)?;
    println!(
        "tantivy alone, {cores} indexing threads, {count} documents typed beforehand: {:.0} docs/s",
        count as f64 / start.elapsed().as_secs_f64()
    );
    Ok(())
}
