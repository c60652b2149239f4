//! Self-monitoring against a fake node: the availability probe (and its "Will keep retrying"
//! until monitoring is enabled), `beats_stats` and `beats_state` as single `create`s into
//! `.monitoring-beats-7-<date>`, and Retry=0 (a rejected document is dropped and counted).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ironstack_shipper::event::AgentInfo;
use ironstack_shipper::monitoring::{Context, ReporterStats, run};
use ironstack_shipper::output::Stats;
use serde_json::{Value, json};

use crate::es_module::{Routes, start};

fn routes(enabled: Arc<AtomicBool>, item_status: u16) -> Routes {
    Arc::new(move |path: &str| {
        let p = path.split('?').next().unwrap_or("");
        match p {
            "/" => (
                200,
                json!({"cluster_name": "mon", "cluster_uuid": "MON-UUID", "version": {"number": "9.1.0"}}),
            ),
            "/_xpack" => (
                200,
                json!({"features": {"monitoring": {"enabled": enabled.load(Ordering::SeqCst)}}}),
            ),
            _ if p.starts_with("/.monitoring-beats-7-") && p.ends_with("/_bulk") => {
                let item = if item_status < 300 {
                    json!({"create": {"status": item_status}})
                } else {
                    json!({"create": {"status": item_status, "error": {"type": "mapper_parsing_exception", "reason": "bad"}}})
                };
                (200, json!({"errors": item_status >= 300, "items": [item]}))
            }
            _ => (404, json!({})),
        }
    })
}

fn config(addr: std::net::SocketAddr) -> ironstack_shipper::config::MonitoringConfig {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "output.elasticsearch.hosts: [\"http://{addr}\"]\nmonitoring.enabled: true\nmonitoring.elasticsearch.password: pw\nmonitoring.elasticsearch.metrics.period: 1s\nmonitoring.elasticsearch.state.period: 2s\nmonitoring.elasticsearch.parameters.pipeline_hint: \"a b\"\n"
    );
    let c = crate::common::shipper_config(dir.path(), &yaml);
    let mut m = c.monitoring.unwrap();
    m.probe_retry = Duration::from_millis(200);
    m
}

fn context(stats: Arc<Stats>) -> Context {
    Context {
        stats,
        agent: Arc::new(AgentInfo {
            name: "web-1".into(),
            id: "3f9c".into(),
            ephemeral_id: "a81e".into(),
            host: json!({"hostname": "web-1"}),
        }),
        modules: vec!["system".into()],
        clients: 1,
        queue: "mem",
        max_events: 3200,
        started: Instant::now(),
    }
}

#[tokio::test]
async fn stats_and_state_documents_after_the_probe_succeeds() {
    let enabled = Arc::new(AtomicBool::new(false));
    let es = start(routes(enabled.clone(), 201)).await;
    let stats = Arc::new(Stats::default());
    *stats.cluster_uuid.lock().unwrap() = Some("PROD-UUID".into());
    stats.record_fetch("system.cpu", true, 3);
    let reporter = Arc::new(ReporterStats::default());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(run(
        config(es.addr),
        context(stats),
        reporter.clone(),
        stop_rx,
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let bulks = |es: &crate::es_module::FakeEs| -> Vec<(String, String)> {
        es.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path.contains("/_bulk"))
            .map(|s| (s.path.clone(), s.body.clone()))
            .collect()
    };
    assert!(
        bulks(&es).is_empty(),
        "nothing is sent while monitoring is not enabled"
    );
    let probes = es
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path.starts_with("/_xpack"))
        .count();
    assert!(probes >= 2, "the probe keeps retrying: {probes}");
    assert!(
        es.seen
            .lock()
            .unwrap()
            .iter()
            .any(|s| s.path == "/_xpack?filter_path=features.monitoring.enabled")
    );
    enabled.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(2700)).await;
    let _ = stop_tx.send(true);
    task.await.unwrap();

    let sent = bulks(&es);
    let docs: Vec<(String, Value, Value)> = sent
        .iter()
        .map(|(path, body)| {
            let mut lines = body.lines();
            let action: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
            let doc: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
            assert!(lines.next().is_none(), "one document per request");
            (path.clone(), action, doc)
        })
        .collect();
    let stats_docs: Vec<&Value> = docs
        .iter()
        .filter(|d| d.2["type"] == "beats_stats")
        .map(|d| &d.2)
        .collect();
    let state_docs: Vec<&Value> = docs
        .iter()
        .filter(|d| d.2["type"] == "beats_state")
        .map(|d| &d.2)
        .collect();
    assert!(stats_docs.len() >= 2, "every metrics.period: {sent:?}");
    assert_eq!(state_docs.len(), 1, "every state.period: {sent:?}");
    let today = jiff::Timestamp::now().strftime("%Y.%m.%d").to_string();
    for (path, action, _) in &docs {
        assert!(
            path.starts_with(&format!("/.monitoring-beats-7-{today}/_bulk")),
            "{path}"
        );
        assert!(
            path.ends_with("&pipeline_hint=a%20b"),
            "parameters are sent: {path}"
        );
        assert_eq!(action, &json!({"create": {"_routing": null}}));
    }
    let s = stats_docs[0];
    assert_eq!(s["cluster_uuid"], "PROD-UUID", "the output cluster's uuid");
    assert_eq!(s["interval_ms"], 1000);
    assert_eq!(s["beats_stats"]["beat"]["uuid"], "3f9c");
    let m = &s["beats_stats"]["metrics"];
    assert!(m["beat"]["memstats"]["rss"].as_u64().unwrap() > 0);
    assert!(m["beat"]["handles"]["open"].as_u64().unwrap() > 0);
    assert!(m["beat"]["cpu"]["total"]["value"].is_u64());
    assert!(m["system"]["cpu"]["cores"].as_u64().unwrap() >= 1);
    assert!(m["system"]["load"]["1"].is_number());
    assert_eq!(m["libbeat"]["output"]["type"], "elasticsearch");
    assert_eq!(m["metricbeat"]["system"]["cpu"]["events"], 3);
    assert_eq!(
        state_docs[0]["beats_state"]["state"]["module"]["names"],
        json!(["system"])
    );
    assert_eq!(reporter.acked.load(Ordering::Relaxed) as usize, docs.len());
    let auth = es.seen.lock().unwrap()[0].authorization.clone().unwrap();
    use base64::Engine;
    assert_eq!(
        auth,
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("beats_system:pw")
        ),
        "beats_system is the default user"
    );
}

#[tokio::test]
async fn a_rejected_document_is_dropped_not_retried() {
    let es = start(routes(Arc::new(AtomicBool::new(true)), 400)).await;
    let reporter = Arc::new(ReporterStats::default());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut cfg = config(es.addr);
    cfg.state_period = Duration::from_secs(3600);
    let task = tokio::spawn(run(
        cfg,
        context(Arc::new(Stats::default())),
        reporter.clone(),
        stop_rx,
    ));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let _ = stop_tx.send(true);
    task.await.unwrap();
    let bulks = es
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path.contains("/_bulk"))
        .count();
    assert!(bulks >= 2, "{bulks}");
    assert_eq!(
        reporter.dropped.load(Ordering::Relaxed) as usize,
        bulks,
        "each rejected document is dropped once (Retry=0)"
    );
    assert_eq!(reporter.acked.load(Ordering::Relaxed), 0);
}
