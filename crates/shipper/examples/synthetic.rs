//! The event source of `bench/shipper.sh`: synthetic Metricbeat `system.cpu` documents pushed
//! through the shipper's real pipeline (processors, memory queue, batcher, `_bulk` output over
//! the configured TLS) to the node in `<dir>/shipper.yml`, as fast as the pipeline takes them.
//!
//! `synthetic run <dir> <events>` prints one JSON line with the events acknowledged, the wall
//! time, events/s, the process's CPU time (less what generating the documents costs, measured
//! beforehand) per 10,000 events and its peak RSS. `synthetic dump <file> <events>` writes the
//! same documents as NDJSON, for the anchor client.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use ironstack_shipper::config::{self, Overrides, ShipperConfig};
use ironstack_shipper::event::{self, AgentInfo};
use serde_json::{Value, json};

/// Document `i`: a `system.cpu` event with its own timestamp and figures, so every `_id` differs.
fn document(agent: &AgentInfo, i: u64) -> Value {
    let base = jiff::Timestamp::from_second(1_767_225_600).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let ts = base
        .checked_add(jiff::SignedDuration::from_millis(i as i64))
        .unwrap_or(base);
    let pct = (i % 1000) as f64 / 1000.0;
    let fields = json!({"system": {"cpu": {
        "cores": 8,
        "total": {"pct": pct, "norm": {"pct": pct / 8.0}},
        "user": {"pct": pct * 0.6, "norm": {"pct": pct * 0.075}},
        "system": {"pct": pct * 0.3, "norm": {"pct": pct * 0.0375}},
        "idle": {"pct": 8.0 - pct, "norm": {"pct": 1.0 - pct / 8.0}},
        "iowait": {"pct": 0.01, "norm": {"pct": 0.00125}},
        "irq": {"pct": 0.0, "norm": {"pct": 0.0}},
        "nice": {"pct": 0.0, "norm": {"pct": 0.0}},
        "softirq": {"pct": 0.002, "norm": {"pct": 0.00025}},
        "steal": {"pct": 0.0, "norm": {"pct": 0.0}},
    }}});
    event::document(agent, "cpu", 10_000, ts, 120_000 + i % 5000, Ok(fields))
}

fn agent() -> AgentInfo {
    AgentInfo {
        name: "bench".into(),
        id: "6f1bd5a4-2f53-4c39-9d51-6a0f1f1a9e11".into(),
        ephemeral_id: "0d0b6d8e-1b1c-4d55-9a43-2e4b5f1f0a77".into(),
        host: json!({"hostname": "bench", "architecture": "x86_64"}),
    }
}

fn cpu_ms() -> u64 {
    ironstack_collectors::own_process().map_or(0, |p| p.cpu_user_ms + p.cpu_system_ms)
}

fn rss_max_bytes() -> u64 {
    // VmHWM: the peak resident set.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn load(dir: &Path) -> Result<ShipperConfig, String> {
    let overrides = Overrides {
        strict_perms: true,
        ..Default::default()
    };
    let env: HashMap<String, String> = std::env::vars().collect();
    let loaded = config::load(&overrides, &env, dir).map_err(|e| e.to_string())?;
    ShipperConfig::from_loaded(&loaded).map_err(|e| e.to_string())
}

fn run(dir: &Path, events: u64) -> Result<(), String> {
    let config = load(dir)?;
    let agent = agent();
    // What generating the documents costs, so it can be taken out of the shipper's figure.
    let before = cpu_ms();
    for i in 0..events {
        std::hint::black_box(document(&agent, i));
    }
    let generation_ms = cpu_ms().saturating_sub(before);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let cpu_before = cpu_ms();
    let started = Instant::now();
    let summary = runtime.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let source_agent = agent.clone();
        tokio::spawn(async move {
            for i in 0..events {
                if tx.send(document(&source_agent, i)).await.is_err() {
                    break;
                }
            }
            let _ = done_tx.send(());
        });
        ironstack_shipper::pipeline::run_with_source(&config, Vec::new(), agent, Some(rx), async {
            let _ = done_rx.await;
        })
        .await
    });
    let summary = summary.map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_ms()
        .saturating_sub(cpu_before)
        .saturating_sub(generation_ms);
    let stats = &summary.stats;
    let acked = stats.acked.load(std::sync::atomic::Ordering::Relaxed)
        + stats.duplicates.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "{}",
        json!({
            "events": acked,
            "lost": summary.lost,
            "seconds": seconds,
            "events_per_s": acked as f64 / seconds,
            "cpu_ms": cpu,
            "cpu_ms_per_10k": if acked == 0 { 0.0 } else { cpu as f64 * 10_000.0 / acked as f64 },
            "rss_max_bytes": rss_max_bytes(),
        })
    );
    if acked < events {
        return Err(format!("only {acked} of {events} events were acknowledged"));
    }
    Ok(())
}

fn dump(file: &Path, events: u64) -> Result<(), String> {
    let agent = agent();
    let f = std::fs::File::create(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut out = std::io::BufWriter::new(f);
    for i in 0..events {
        let doc = event::Event::from_document(&document(&agent, i));
        writeln!(out, "{}", doc.source).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn main() {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().collect();
    let events = args.get(3).and_then(|n| n.parse::<u64>().ok());
    let result = match (args.get(1).map(String::as_str), args.get(2), events) {
        (Some("run"), Some(dir), Some(n)) => run(Path::new(dir), n),
        (Some("dump"), Some(file), Some(n)) => dump(Path::new(file), n),
        _ => Err("usage: synthetic run <dir> <events> | synthetic dump <file> <events>".into()),
    };
    if let Err(e) = result {
        eprintln!("ERROR: {e}");
        std::process::exit(1);
    }
}
