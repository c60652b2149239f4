//! Self-monitoring (`monitoring.enabled`): Beats' internal collection. After the
//! `GET /_xpack?filter_path=features.monitoring.enabled` probe succeeds, a `beats_stats`
//! document every `metrics.period` (the pipeline and output counters, the process's own CPU,
//! memory and handles, the host load, per-metricset fetch counters) and a `beats_state`
//! document every `state.period`, each in its own `_bulk` `create` into
//! `.monitoring-beats-7-YYYY.MM.DD`. As in Beats nothing is retried: a document that fails is
//! dropped, counted and logged at WARN.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http::Method;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::client::{EsClient, tls_config};
use crate::config::{MonitoringConfig, VERSION};
use crate::event::{AgentInfo, format_timestamp};
use crate::output::Stats;

/// What the reporter describes besides the counters.
#[derive(Debug, Clone)]
pub struct Context {
    /// The pipeline and output counters.
    pub stats: Arc<Stats>,
    /// The shipper's identity.
    pub agent: Arc<AgentInfo>,
    /// Enabled module names (one per block).
    pub modules: Vec<String>,
    /// Metricset loops publishing into the pipeline (`libbeat.pipeline.clients`).
    pub clients: usize,
    /// `mem` or `disk`.
    pub queue: &'static str,
    /// `queue.mem.events`.
    pub max_events: usize,
    /// When the shipper started.
    pub started: Instant,
}

/// The reporter's own delivery counters (never part of the `libbeat.*` figures it reports).
#[derive(Debug, Default)]
pub struct ReporterStats {
    /// Documents indexed.
    pub acked: AtomicU64,
    /// Documents dropped (request or item failure; Beats' Retry=0).
    pub dropped: AtomicU64,
}

fn load(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// `beats_stats.beat` / `beats_state.beat`.
fn beat_meta(agent: &AgentInfo) -> Value {
    json!({"type": "metricbeat", "version": VERSION, "name": agent.name,
           "host": agent.name, "uuid": agent.id})
}

/// `beats_stats.metrics`.
pub fn metrics(
    ctx: &Context,
    own: Option<&ironstack_collectors::OwnProcess>,
    load_doc: Option<&Value>,
) -> Value {
    let s = &ctx.stats;
    let acked = load(&s.acked);
    let duplicates = load(&s.duplicates);
    let dropped = load(&s.dropped);
    let dropped_retries = load(&s.dropped_retries);
    let published = load(&s.pipeline_published);
    let settled = acked + duplicates + dropped + dropped_retries;
    let mut beat = json!({
        "info": {"uptime": {"ms": u64::try_from(ctx.started.elapsed().as_millis()).unwrap_or(u64::MAX)},
                 "ephemeral_id": ctx.agent.ephemeral_id, "name": "metricbeat", "version": VERSION},
    });
    if let Some(p) = own {
        let total = p.cpu_user_ms + p.cpu_system_ms;
        let cpu = |ms: u64| json!({"value": ms, "ticks": ms, "time": {"ms": ms}});
        beat["cpu"] = json!({"total": cpu(total), "user": cpu(p.cpu_user_ms),
                             "system": cpu(p.cpu_system_ms)});
        beat["memstats"] = json!({"rss": p.rss_bytes});
        let mut limit = serde_json::Map::new();
        if let Some(v) = p.handles_soft_limit {
            limit.insert("soft".into(), json!(v));
        }
        if let Some(v) = p.handles_hard_limit {
            limit.insert("hard".into(), json!(v));
        }
        beat["handles"] = json!({"open": p.open_handles, "limit": limit});
    }
    let mut metricbeat = json!({});
    for (key, c) in s.metricset_counters() {
        if let Some((module, set)) = key.split_once('.') {
            crate::elasticsearch::mapping::put(
                &mut metricbeat,
                &format!("{module}.{set}"),
                json!({"events": c.events, "success": c.success, "failures": c.failures}),
            );
        }
    }
    let mut out = json!({
        "beat": beat,
        "libbeat": {
            "config": {"reloads": 0},
            "output": {
                "type": "elasticsearch",
                "events": {"total": load(&s.total), "acked": acked, "failed": load(&s.failed),
                           "dropped": dropped, "duplicates": duplicates, "toomany": load(&s.toomany),
                           "batches": load(&s.batches), "active": load(&s.active),
                           "dead_letter": load(&s.dead_letter)},
                "write": {"bytes": load(&s.write_bytes), "errors": load(&s.write_errors)},
                "read": {"bytes": load(&s.read_bytes), "errors": load(&s.read_errors)},
            },
            "pipeline": {
                "clients": ctx.clients,
                "events": {"total": load(&s.pipeline_total), "published": published,
                           "filtered": load(&s.pipeline_filtered), "failed": 0,
                           "dropped": dropped_retries, "retry": load(&s.retry),
                           "active": published.saturating_sub(settled)},
                "queue": {"acked": acked + duplicates, "max_events": ctx.max_events},
            },
        },
        "metricbeat": metricbeat,
    });
    if let Some(l) = load_doc.and_then(|d| d.pointer("/system/load")) {
        let mut load = l.clone();
        let cores = load
            .as_object_mut()
            .and_then(|m| m.remove("cores"))
            .unwrap_or(Value::Null);
        out["system"] = json!({"load": load, "cpu": {"cores": cores}});
    }
    out
}

/// `beats_state.state`.
pub fn state(ctx: &Context) -> Value {
    let mut names = ctx.modules.clone();
    names.sort();
    names.dedup();
    let mut host = ctx.agent.host.clone();
    host["name"] = json!(ctx.agent.name);
    json!({
        "service": {"id": ctx.agent.id, "name": "metricbeat", "version": VERSION},
        "beat": {"name": ctx.agent.name},
        "host": host,
        "module": {"count": ctx.modules.len(), "names": names},
        "output": {"name": "elasticsearch"},
        "queue": {"name": ctx.queue},
    })
}

/// The legacy monitoring envelope Stack Monitoring reads from `.monitoring-beats-*`.
pub fn document(
    kind: &str,
    timestamp: jiff::Timestamp,
    period: Duration,
    cluster_uuid: Option<&str>,
    agent: &AgentInfo,
    inner_key: &str,
    inner: Value,
) -> Value {
    let ts = format_timestamp(timestamp);
    let mut doc = json!({
        "timestamp": ts,
        "type": format!("beats_{kind}"),
        "interval_ms": u64::try_from(period.as_millis()).unwrap_or(u64::MAX),
        format!("beats_{kind}"): {"timestamp": ts, "beat": beat_meta(agent), inner_key: inner},
    });
    if let Some(uuid) = cluster_uuid {
        doc["cluster_uuid"] = json!(uuid);
    }
    doc
}

/// `.monitoring-beats-7-YYYY.MM.DD`: the "7" is fixed in Beats; the date is UTC (Beats uses
/// the local date, the same on the usual UTC servers).
pub fn index_name(now: jiff::Timestamp) -> String {
    format!(".monitoring-beats-7-{}", now.strftime("%Y.%m.%d"))
}

/// Whether the cluster accepts monitoring data (`features.monitoring.enabled`).
async fn probe(client: &mut EsClient) -> Result<(), String> {
    let root = client
        .request(Method::GET, "/", None)
        .await
        .map_err(|e| e.to_string())?;
    if !root.status.is_success() {
        return Err(format!(
            "GET / returned {} {}",
            root.status.as_u16(),
            root.reason()
        ));
    }
    let r = client
        .request(
            Method::GET,
            "/_xpack?filter_path=features.monitoring.enabled",
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
    let enabled = r.json().and_then(|v| {
        v.pointer("/features/monitoring/enabled")
            .and_then(Value::as_bool)
    });
    if r.status.is_success() && enabled == Some(true) {
        Ok(())
    } else {
        Err(format!(
            "GET /_xpack returned {} with features.monitoring.enabled = {enabled:?}",
            r.status.as_u16()
        ))
    }
}

/// Sends one document; `Err` says why it was dropped. `query` is `monitoring.elasticsearch.parameters`.
async fn send(client: &mut EsClient, query: &str, doc: &Value) -> Result<(), String> {
    let index = index_name(jiff::Timestamp::now());
    let mut body = json!({"create": {"_routing": null}}).to_string();
    body.push('\n');
    body.push_str(&doc.to_string());
    body.push('\n');
    let r = client
        .request(
            Method::POST,
            &format!("/{index}/_bulk?{}{query}", crate::bulk::BULK_QUERY),
            Some(body.into_bytes()),
        )
        .await
        .map_err(|e| e.to_string())?;
    if !r.status.is_success() {
        return Err(format!(
            "bulk request returned {} {}",
            r.status.as_u16(),
            r.reason()
        ));
    }
    match crate::bulk::classify(&r.body, 1)?.pop() {
        Some(crate::bulk::ItemOutcome::Acked | crate::bulk::ItemOutcome::Duplicate) => Ok(()),
        Some(crate::bulk::ItemOutcome::Retry { status, .. }) => Err(format!("status={status}")),
        Some(crate::bulk::ItemOutcome::Drop { status, reason }) => {
            Err(format!("status={status}: {reason}"))
        }
        None => Err("empty bulk response".to_string()),
    }
}

/// The reporter: probes, then reports until `stop`. Never returns an error: what fails is
/// logged and counted.
pub async fn run(
    config: MonitoringConfig,
    ctx: Context,
    reporter: Arc<ReporterStats>,
    mut stop: watch::Receiver<bool>,
) {
    let tls = match tls_config(&config.connection) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!("monitoring: cannot build the TLS configuration: {e}");
            return;
        }
    };
    let hosts = &config.connection.hosts;
    let pick = rand::random_range(0..hosts.len().max(1));
    let Some(host) = hosts.get(pick).or_else(|| hosts.first()) else {
        return;
    };
    let mut client = match EsClient::new(host.clone(), &config.connection, tls) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("monitoring: {e}");
            return;
        }
    };
    let query: String = config
        .connection
        .parameters
        .iter()
        .map(|(k, v)| {
            format!(
                "&{}={}",
                crate::output::encode_query(k),
                crate::output::encode_query(v)
            )
        })
        .collect();
    let mut logged = false;
    loop {
        match probe(&mut client).await {
            Ok(()) => break,
            Err(e) => {
                if !logged {
                    tracing::info!(
                        "Failed to connect to Elastic X-Pack Monitoring. Either Elasticsearch X-Pack monitoring is not enabled or Elasticsearch is not available. Will keep retrying."
                    );
                    logged = true;
                }
                tracing::debug!("Monitoring could not connect to Elasticsearch, failed with {e}");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(config.probe_retry) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
    tracing::info!("Successfully connected to X-Pack Monitoring endpoint.");
    let start = tokio::time::Instant::now();
    let mut stats_tick =
        tokio::time::interval_at(start + config.metrics_period, config.metrics_period);
    let mut state_tick = tokio::time::interval_at(start + config.state_period, config.state_period);
    for t in [&mut stats_tick, &mut state_tick] {
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    }
    loop {
        let (kind, period) = tokio::select! {
            _ = stats_tick.tick() => ("stats", config.metrics_period),
            _ = state_tick.tick() => ("state", config.state_period),
            _ = stop.wait_for(|s| *s) => return,
        };
        let cluster_uuid = config
            .cluster_uuid
            .clone()
            .or_else(|| ctx.stats.cluster_uuid.lock().ok().and_then(|u| u.clone()));
        let (key, inner) = if kind == "stats" {
            let own = ironstack_collectors::own_process()
                .map_err(|e| tracing::debug!("monitoring: {e}"))
                .ok();
            let mut load = ironstack_collectors::Collector::new(
                ironstack_collectors::MetricSet::Load,
                ironstack_collectors::HostFs::new("/"),
                Default::default(),
            );
            let load_doc = load.fetch().ok().and_then(|mut d| d.pop());
            ("metrics", metrics(&ctx, own.as_ref(), load_doc.as_ref()))
        } else {
            ("state", state(&ctx))
        };
        let doc = document(
            kind,
            jiff::Timestamp::now(),
            period,
            cluster_uuid.as_deref(),
            &ctx.agent,
            key,
            inner,
        );
        match send(&mut client, &query, &doc).await {
            Ok(()) => {
                reporter.acked.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                reporter.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("monitoring: dropping the beats_{kind} document: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        let stats = Arc::new(Stats::default());
        Stats::add(&stats.acked, 40);
        Stats::add(&stats.duplicates, 2);
        Stats::add(&stats.total, 45);
        Stats::add(&stats.batches, 3);
        Stats::add(&stats.write_bytes, 1000);
        Stats::add(&stats.pipeline_total, 50);
        Stats::add(&stats.pipeline_filtered, 3);
        Stats::add(&stats.pipeline_published, 47);
        Stats::add(&stats.dropped_retries, 1);
        stats.record_fetch("system.cpu", true, 6);
        stats.record_fetch("elasticsearch.node_stats", false, 1);
        Context {
            stats,
            agent: Arc::new(AgentInfo {
                name: "web-1".into(),
                id: "3f9c".into(),
                ephemeral_id: "a81e".into(),
                host: json!({"hostname": "web-1", "architecture": "x86_64"}),
            }),
            modules: vec!["system".into(), "elasticsearch".into(), "system".into()],
            clients: 9,
            queue: "mem",
            max_events: 3200,
            started: Instant::now(),
        }
    }

    #[test]
    fn beats_stats_document() {
        let own = ironstack_collectors::OwnProcess {
            cpu_user_ms: 100,
            cpu_system_ms: 20,
            rss_bytes: 9_000_000,
            open_handles: 12,
            handles_soft_limit: Some(1024),
            handles_hard_limit: None,
        };
        let load = json!({"system": {"load": {"1": 0.5, "5": 0.4, "15": 0.3,
                          "norm": {"1": 0.25, "5": 0.2, "15": 0.15}, "cores": 2}}});
        let c = ctx();
        let t: jiff::Timestamp = "2025-01-30T10:00:10Z".parse().unwrap();
        let d = document(
            "stats",
            t,
            Duration::from_secs(10),
            Some("UUID-1"),
            &c.agent,
            "metrics",
            metrics(&c, Some(&own), Some(&load)),
        );
        assert_eq!(d["type"], "beats_stats");
        assert_eq!(d["interval_ms"], 10_000);
        assert_eq!(d["cluster_uuid"], "UUID-1");
        assert_eq!(d["timestamp"], "2025-01-30T10:00:10.000Z");
        let b = &d["beats_stats"];
        assert_eq!(
            b["beat"],
            json!({"type": "metricbeat", "version": VERSION, "name": "web-1", "host": "web-1", "uuid": "3f9c"})
        );
        let m = &b["metrics"];
        assert_eq!(m["beat"]["cpu"]["total"]["value"], 120);
        assert_eq!(m["beat"]["cpu"]["total"]["time"]["ms"], 120);
        assert_eq!(m["beat"]["memstats"]["rss"], 9_000_000);
        assert_eq!(m["beat"]["info"]["ephemeral_id"], "a81e");
        assert!(m["beat"]["info"]["uptime"]["ms"].is_u64());
        assert_eq!(
            m["beat"]["handles"],
            json!({"open": 12, "limit": {"soft": 1024}})
        );
        let o = &m["libbeat"]["output"];
        assert_eq!(o["type"], "elasticsearch");
        assert_eq!(o["events"]["acked"], 40);
        assert_eq!(o["events"]["duplicates"], 2);
        assert_eq!(o["events"]["total"], 45);
        assert_eq!(o["events"]["batches"], 3);
        assert_eq!(o["write"]["bytes"], 1000);
        let p = &m["libbeat"]["pipeline"];
        assert_eq!(p["clients"], 9);
        assert_eq!(p["events"]["total"], 50);
        assert_eq!(p["events"]["filtered"], 3);
        assert_eq!(p["events"]["published"], 47);
        assert_eq!(p["events"]["dropped"], 1);
        assert_eq!(p["events"]["active"], 4, "published minus settled");
        assert_eq!(p["queue"], json!({"acked": 42, "max_events": 3200}));
        assert_eq!(m["system"]["cpu"]["cores"], 2);
        assert_eq!(m["system"]["load"]["1"], 0.5);
        assert!(m["system"]["load"].get("cores").is_none());
        assert_eq!(
            m["metricbeat"]["system"]["cpu"],
            json!({"events": 6, "success": 1, "failures": 0})
        );
        assert_eq!(
            m["metricbeat"]["elasticsearch"]["node_stats"]["failures"],
            1
        );
        let without = document(
            "stats",
            t,
            Duration::from_secs(10),
            None,
            &c.agent,
            "metrics",
            metrics(&c, None, None),
        );
        assert!(without.get("cluster_uuid").is_none());
        assert!(without["beats_stats"]["metrics"].get("system").is_none());
    }

    #[test]
    fn beats_state_document_and_index_name() {
        let c = ctx();
        let d = document(
            "state",
            jiff::Timestamp::now(),
            Duration::from_secs(60),
            None,
            &c.agent,
            "state",
            state(&c),
        );
        assert_eq!(d["type"], "beats_state");
        assert_eq!(d["interval_ms"], 60_000);
        let s = &d["beats_state"]["state"];
        assert_eq!(
            s["service"],
            json!({"id": "3f9c", "name": "metricbeat", "version": VERSION})
        );
        assert_eq!(
            s["module"],
            json!({"count": 3, "names": ["elasticsearch", "system"]})
        );
        assert_eq!(s["output"]["name"], "elasticsearch");
        assert_eq!(s["queue"]["name"], "mem");
        assert_eq!(s["host"]["name"], "web-1");
        assert_eq!(s["host"]["architecture"], "x86_64");
        let day: jiff::Timestamp = "2025-01-30T23:59:59Z".parse().unwrap();
        assert_eq!(index_name(day), ".monitoring-beats-7-2025.01.30");
    }
}
