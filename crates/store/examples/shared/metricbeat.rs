//! The Metricbeat-like documents the store's examples index (and `bench/ingest.sh` sends):
//! 50 hosts reporting every 10 s from 2025-01-01, about 1 KB of JSON each, the same for the
//! same `n` in every run.

use serde_json::{Value, json};

/// A deterministic pseudo-random stream (no state shared between documents).
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn pct(seed: u64) -> f64 {
    (mix(seed) % 10_000) as f64 / 10_000.0
}

/// Document `n`: 50 hosts reporting every 10 s, about 1 KB of JSON.
pub(crate) fn metricbeat(n: u64) -> Value {
    let host = n % 50;
    let at = 1_735_689_600_000i64 + (n / 50) as i64 * 10_000;
    let ts = ironstack_types::date::timestamp_from_millis(at)
        .map(ironstack_types::date::format_iso_millis)
        .unwrap_or_default();
    let user = pct(n * 7 + 1);
    let system = pct(n * 7 + 2) / 2.0;
    json!({
        "@timestamp": ts,
        "host": {"name": format!("host-{host:03}"), "hostname": format!("host-{host:03}.example.internal"),
                 "architecture": "x86_64", "id": format!("{:032x}", mix(host) as u128 * 7919),
                 "os": {"family": "debian", "name": "Debian GNU/Linux", "version": "12 (bookworm)", "kernel": "6.1.0-18-amd64"}},
        "agent": {"type": "metricbeat", "version": "9.1.0", "name": format!("host-{host:03}"),
                  "id": format!("{:016x}-agent", mix(host + 1000))},
        "event": {"dataset": "system.cpu", "module": "system", "duration": mix(n) % 5_000_000},
        "metricset": {"name": "cpu", "period": 10_000},
        "service": {"type": "system"},
        "ecs": {"version": "8.0.0"},
        "system": {
            "cpu": {"cores": 2, "total": {"pct": user + system}, "user": {"pct": user}, "system": {"pct": system},
                    "idle": {"pct": 2.0 - user - system}, "iowait": {"pct": pct(n * 7 + 3) / 10.0}},
            "memory": {"total": 8_589_934_592u64, "used": {"bytes": mix(n) % 8_589_934_592, "pct": pct(n * 7 + 4)},
                       "free": mix(n + 1) % 4_294_967_296, "actual": {"free": mix(n + 2) % 4_294_967_296,
                       "used": {"bytes": mix(n + 3) % 8_589_934_592, "pct": pct(n * 7 + 5)}}},
            "load": {"1": pct(n * 7 + 6) * 4.0, "5": pct(n * 7 + 7) * 3.0, "15": pct(n * 7 + 8) * 2.0}
        },
        "message": format!("cpu usage sampled on host-{host:03}: user {:.1}% system {:.1}% (collection {n})", user * 100.0, system * 100.0)
    })
}
