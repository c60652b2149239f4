//! `logging.metrics`: Beats' log reporter. Every `period` one INFO line "Non-zero metrics in
//! the last 30s" carrying a `monitoring` JSON object with what changed in the libbeat counters
//! (output, pipeline, queue, the process's CPU, memory, handles and uptime), and "Total
//! metrics" with every figure at shutdown. Counters are logged as their difference since the
//! previous line; gauges (a level, not a running total) as their current value; strings when
//! they changed.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::monitoring::{Context, metrics};

/// `logging.metrics.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsLogConfig {
    /// `logging.metrics.enabled` (true).
    pub enabled: bool,
    /// `logging.metrics.period` (30s).
    pub period: Duration,
}

impl Default for MetricsLogConfig {
    fn default() -> Self {
        MetricsLogConfig {
            enabled: true,
            period: Duration::from_secs(30),
        }
    }
}

/// Figures that are levels, not running totals: a difference of two of them means nothing,
/// so the line carries their value (Beats' `gauges` list, for the figures the shipper has).
const GAUGES: &[&str] = &[
    "beat.info.uptime.ms",
    "beat.memstats.rss",
    "beat.handles.open",
    "beat.handles.limit.soft",
    "beat.handles.limit.hard",
    "beat.cpu.total.value",
    "beat.cpu.total.ticks",
    "beat.cpu.user.ticks",
    "beat.cpu.system.ticks",
    "libbeat.output.events.active",
    "libbeat.pipeline.clients",
    "libbeat.pipeline.events.active",
    "libbeat.pipeline.queue.max_events",
    "system.cpu.cores",
];

fn is_gauge(key: &str) -> bool {
    GAUGES.contains(&key) || key.starts_with("system.load.")
}

/// A flat snapshot: dotted path → number, string or bool.
pub type Snapshot = BTreeMap<String, Value>;

/// Flattens a metrics tree into dotted paths (arrays and nulls are not figures).
pub fn flatten(tree: &Value) -> Snapshot {
    fn walk(prefix: &str, v: &Value, out: &mut Snapshot) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&path, child, out);
                }
            }
            Value::Number(_) | Value::String(_) | Value::Bool(_) => {
                out.insert(prefix.to_string(), v.clone());
            }
            Value::Null | Value::Array(_) => {}
        }
    }
    let mut out = Snapshot::new();
    walk("", tree, &mut out);
    out
}

/// What the periodic line reports: counters that moved (by how much), gauges (their value),
/// strings and bools that are new or changed.
pub fn delta(previous: &Snapshot, current: &Snapshot) -> Snapshot {
    let mut out = Snapshot::new();
    for (key, value) in current {
        let before = previous.get(key);
        match value {
            Value::Number(n) if is_gauge(key) => {
                out.insert(key.clone(), Value::Number(n.clone()));
            }
            Value::Number(n) => {
                let moved = match (n.as_u64(), before.and_then(Value::as_u64)) {
                    (Some(now), Some(then)) => {
                        let d = i128::from(now) - i128::from(then);
                        (d != 0).then(|| Value::from(i64::try_from(d).unwrap_or(i64::MAX)))
                    }
                    (Some(now), None) if before.is_none() => (now != 0).then(|| Value::from(now)),
                    _ => {
                        let now = n.as_f64().unwrap_or(0.0);
                        let then = before.and_then(Value::as_f64).unwrap_or(0.0);
                        let d = now - then;
                        (d != 0.0).then(|| Value::from(d))
                    }
                };
                if let Some(d) = moved {
                    out.insert(key.clone(), d);
                }
            }
            _ => {
                if before != Some(value) {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
    out
}

/// Rebuilds the nested `{"metrics": {...}}` object Beats logs under `monitoring`.
pub fn monitoring_object(flat: &Snapshot) -> Value {
    let mut root = Map::new();
    for (key, value) in flat {
        let mut node = &mut root;
        let mut parts = key.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                node.insert(part.to_string(), value.clone());
                break;
            }
            let entry = node
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(next) = entry else { break };
            node = next;
        }
    }
    serde_json::json!({ "metrics": Value::Object(root) })
}

/// A period as Go prints a `time.Duration` (`30s`, `1m0s`, `1.5s`, `500ms`), as in Beats' line.
pub fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let frac = d.subsec_millis();
    let s = if frac == 0 {
        format!("{}s", secs % 60)
    } else {
        let text = format!("{}.{frac:03}", secs % 60);
        format!("{}s", text.trim_end_matches('0'))
    };
    match (secs / 3600, (secs % 3600) / 60) {
        (0, 0) => s,
        (0, m) => format!("{m}m{s}"),
        (h, m) => format!("{h}h{m}m{s}"),
    }
}

/// The current figures: the same tree `beats_stats` reports.
pub fn snapshot(ctx: &Context) -> Snapshot {
    let own = ironstack_collectors::own_process()
        .map_err(|e| tracing::debug!("logging.metrics: {e}"))
        .ok();
    let mut load = ironstack_collectors::Collector::new(
        ironstack_collectors::MetricSet::Load,
        ironstack_collectors::HostFs::new("/"),
        Default::default(),
    );
    let load_doc = load.fetch().ok().and_then(|mut d| d.pop());
    flatten(&metrics(ctx, own.as_ref(), load_doc.as_ref()))
}

/// Logs the periodic line until `stop`; the caller logs [`log_total`] after the flush.
pub async fn run(config: MetricsLogConfig, ctx: Context, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(config.period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    let mut previous = snapshot(&ctx);
    let period = go_duration(config.period);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let current = snapshot(&ctx);
        let changed = delta(&previous, &current);
        if changed.is_empty() {
            tracing::info!("No non-zero metrics in the last {period}");
        } else {
            tracing::info!(
                monitoring = %monitoring_object(&changed),
                "Non-zero metrics in the last {period}"
            );
        }
        previous = current;
    }
}

/// The "Total metrics" line at shutdown: every figure, zeros included.
pub fn log_total(ctx: &Context) {
    tracing::info!(monitoring = %monitoring_object(&snapshot(ctx)), "Total metrics");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counters_are_differences_gauges_are_values_strings_only_when_changed() {
        let before = flatten(&json!({
            "beat": {"info": {"uptime": {"ms": 30_000}, "ephemeral_id": "e1"},
                     "memstats": {"rss": 9_000_000}, "cpu": {"total": {"time": {"ms": 100}}}},
            "libbeat": {"output": {"type": "elasticsearch",
                                   "events": {"acked": 40, "failed": 2, "active": 0}},
                        "pipeline": {"events": {"total": 45}}},
            "system": {"load": {"1": 0.5}},
        }));
        let after = flatten(&json!({
            "beat": {"info": {"uptime": {"ms": 60_000}, "ephemeral_id": "e1"},
                     "memstats": {"rss": 8_500_000}, "cpu": {"total": {"time": {"ms": 130}}}},
            "libbeat": {"output": {"type": "elasticsearch",
                                   "events": {"acked": 100, "failed": 2, "active": 0,
                                              "dropped": 3}},
                        "pipeline": {"events": {"total": 105}}},
            "system": {"load": {"1": 0.25}},
        }));
        let d = delta(&before, &after);
        assert_eq!(d["libbeat.output.events.acked"], 60);
        assert_eq!(d["libbeat.pipeline.events.total"], 60);
        assert_eq!(d["beat.cpu.total.time.ms"], 30);
        assert_eq!(
            d["libbeat.output.events.dropped"], 3,
            "new counter: its value"
        );
        assert!(
            !d.contains_key("libbeat.output.events.failed"),
            "unchanged counter"
        );
        assert_eq!(d["beat.memstats.rss"], 8_500_000, "a gauge that fell");
        assert_eq!(d["libbeat.output.events.active"], 0, "gauges always");
        assert_eq!(d["beat.info.uptime.ms"], 60_000);
        assert_eq!(d["system.load.1"], 0.25);
        assert!(!d.contains_key("beat.info.ephemeral_id"), "same string");
        assert!(!d.contains_key("libbeat.output.type"));
        // The first line has no previous snapshot: strings and non-zero counters appear.
        let first = delta(&Snapshot::new(), &before);
        assert_eq!(first["libbeat.output.type"], "elasticsearch");
        assert_eq!(first["libbeat.output.events.acked"], 40);
        let m = monitoring_object(&d);
        assert_eq!(m["metrics"]["libbeat"]["output"]["events"]["acked"], 60);
        assert_eq!(m["metrics"]["system"]["load"]["1"], 0.25);
        assert!(
            delta(&after, &after)
                .keys()
                .all(|k| is_gauge(k) || k.starts_with("system.")),
            "nothing moved: only gauges"
        );
    }

    #[test]
    fn periods_print_as_go_durations() {
        assert_eq!(go_duration(Duration::from_secs(30)), "30s");
        assert_eq!(go_duration(Duration::from_secs(60)), "1m0s");
        assert_eq!(go_duration(Duration::from_secs(3725)), "1h2m5s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_millis(250)), "250ms");
    }

    #[test]
    fn the_snapshot_has_the_libbeat_counters_and_the_process_figures() {
        let stats = std::sync::Arc::new(crate::output::Stats::default());
        crate::output::Stats::add(&stats.acked, 7);
        let ctx = Context {
            stats,
            agent: std::sync::Arc::new(crate::event::AgentInfo {
                name: "web-1".into(),
                id: "3f9c".into(),
                ephemeral_id: "a81e".into(),
                host: json!({}),
            }),
            modules: vec!["system".into()],
            clients: 3,
            queue: "mem",
            max_events: 3200,
            started: std::time::Instant::now(),
        };
        let s = snapshot(&ctx);
        assert_eq!(s["libbeat.output.events.acked"], 7);
        assert_eq!(s["libbeat.pipeline.clients"], 3);
        assert_eq!(s["libbeat.pipeline.queue.max_events"], 3200);
        assert!(s["beat.memstats.rss"].as_u64().is_some_and(|r| r > 0));
        assert!(s.contains_key("beat.cpu.total.time.ms"));
        assert!(s.contains_key("beat.handles.open"));
        assert!(s.contains_key("beat.info.uptime.ms"));
    }
}
