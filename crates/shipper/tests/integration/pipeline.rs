//! The whole pipeline: system metricsets collected, queued and shipped; on shutdown the
//! queued events are flushed although `flush.timeout` has not passed.

use std::time::Duration;

use ironstack_shipper::event::AgentInfo;
use ironstack_shipper::modules;
use ironstack_shipper::pipeline;

use crate::common::{BulkAnswer, FakeNode, Script, shipper_config};

#[tokio::test]
async fn shutdown_flushes_the_queue() {
    let script: Script = Box::new(|_, items, _| BulkAnswer::Items(vec![None; items.len()]));
    let node = FakeNode::start(None, script).await;
    let dir = tempfile::tempdir().unwrap();
    // A long flush timeout: nothing is sent before the shutdown unless the flush works.
    let config = shipper_config(
        dir.path(),
        &format!(
            "output.elasticsearch.hosts: [\"http://{}\"]\nqueue.mem.flush.timeout: 1m\nmetricbeat.modules:\n  - module: system\n    period: 200ms\n    metricsets: [cpu, memory, uptime, process_summary, load, network, filesystem, fsstat, socket_summary, diskio, process]\n    process.include_top_n: {{by_cpu: 3, by_memory: 3}}\n",
            node.addr
        ),
    );
    let blocks = modules::load_blocks(
        &dir.path().join("none/*.yml"),
        &config.inline_modules,
        true,
        dir.path(),
    )
    .unwrap();
    let agent = AgentInfo::load("test-host", &dir.path().join("data")).unwrap();
    let summary = pipeline::run(
        &config,
        blocks,
        agent,
        tokio::time::sleep(Duration::from_millis(700)),
    )
    .await
    .unwrap();
    assert_eq!(summary.lost, 0);
    let state = node.state.lock().unwrap();
    assert!(
        !state.stored.is_empty(),
        "queued events were flushed on shutdown"
    );
    let sets: std::collections::BTreeSet<String> = state
        .stored
        .values()
        .map(|(doc, _)| doc["metricset"]["name"].as_str().unwrap().to_string())
        .collect();
    for m in [
        "cpu",
        "memory",
        "uptime",
        "process_summary",
        "load",
        "network",
        "filesystem",
        "fsstat",
    ] {
        assert!(sets.contains(m), "{m} missing: {sets:?}");
    }
    for (doc, _) in state.stored.values() {
        assert_eq!(doc["agent"]["name"], "test-host");
        assert_eq!(doc["metricset"]["period"], 200);
        assert_eq!(doc["event"]["module"], "system");
        assert!(doc["@timestamp"].as_str().unwrap().ends_with('Z'));
        // Every leaf the shipper sends is mapped by the template `setup` loads.
        for key in leaves(doc, "") {
            assert!(
                ironstack_shipper::index_management::fields()
                    .iter()
                    .any(|(f, _)| *f == key),
                "unmapped field [{key}]"
            );
        }
    }
}

fn leaves(v: &serde_json::Value, prefix: &str) -> Vec<String> {
    match v {
        serde_json::Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| {
                leaves(
                    v,
                    &if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    },
                )
            })
            .collect(),
        _ => vec![prefix.to_string()],
    }
}

#[tokio::test]
async fn the_disk_queue_keeps_events_across_an_outage_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on this port: the first run cannot publish.
    let down = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let yaml = |addr: std::net::SocketAddr| {
        format!(
            "output.elasticsearch:\n  hosts: [\"http://{addr}\"]\n  backoff.init: 50ms\n  backoff.max: 100ms\nqueue.disk.max_size: 10MB\nmetricbeat.modules:\n  - module: system\n    period: 100ms\n    metricsets: [cpu, memory]\n"
        )
    };
    let config = shipper_config(dir.path(), &yaml(down));
    let blocks = modules::load_blocks(
        &dir.path().join("none/*.yml"),
        &config.inline_modules,
        true,
        dir.path(),
    )
    .unwrap();
    let agent = AgentInfo::load("test-host", &dir.path().join("data")).unwrap();
    let summary = pipeline::run(
        &config,
        blocks.clone(),
        agent.clone(),
        tokio::time::sleep(Duration::from_millis(500)),
    )
    .await
    .unwrap();
    assert_eq!(summary.lost, 0, "undelivered events stay on disk");
    let queued: Vec<String> = std::fs::read_dir(dir.path().join("data/diskqueue"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".seg"))
        .flat_map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap()
                .lines()
                .map(|l| l.split('\t').next().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(queued.len() >= 2, "{queued:?}");

    let script: Script = Box::new(|_, items, _| BulkAnswer::Items(vec![None; items.len()]));
    let node = FakeNode::start(None, script).await;
    let config = shipper_config(dir.path(), &yaml(node.addr));
    let summary = pipeline::run(
        &config,
        blocks,
        agent,
        tokio::time::sleep(Duration::from_millis(500)),
    )
    .await
    .unwrap();
    assert_eq!(summary.lost, 0);
    let stored = node.store_counts();
    for id in &queued {
        assert_eq!(
            stored.get(id),
            Some(&1),
            "event {id} from the first run delivered once"
        );
    }
    assert!(
        stored.len() > queued.len(),
        "the second run's own events too"
    );
}

#[tokio::test]
async fn module_and_top_level_processors_run_before_queueing() {
    let script: Script = Box::new(|_, items, _| BulkAnswer::Items(vec![None; items.len()]));
    let node = FakeNode::start(None, script).await;
    let dir = tempfile::tempdir().unwrap();
    let config = shipper_config(
        dir.path(),
        &format!(
            "output.elasticsearch.hosts: [\"http://{}\"]\nqueue.mem.flush.timeout: 1m\ntags: [global]\nfields: {{env: test}}\nprocessors:\n  - drop_event.when.equals:\n      metricset.name: uptime\nmetricbeat.modules:\n  - module: system\n    period: 1s\n    metricsets: [cpu, uptime]\n    processors:\n      - add_tags: {{tags: [from-module]}}\n      - drop_fields: {{fields: [host.os]}}\n",
            node.addr
        ),
    );
    let blocks = modules::load_blocks(
        &dir.path().join("none/*.yml"),
        &config.inline_modules,
        true,
        dir.path(),
    )
    .unwrap();
    let agent = AgentInfo::load("test-host", &dir.path().join("data")).unwrap();
    pipeline::run(
        &config,
        blocks,
        agent,
        tokio::time::sleep(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    let state = node.state.lock().unwrap();
    let docs: Vec<&serde_json::Value> = state.stored.values().map(|(d, _)| d).collect();
    assert!(!docs.is_empty());
    for d in &docs {
        assert_eq!(
            d["metricset"]["name"], "cpu",
            "uptime dropped by the top-level processor"
        );
        assert_eq!(d["tags"], serde_json::json!(["global", "from-module"]));
        assert_eq!(d["fields"]["env"], "test");
        assert!(d["host"].get("os").is_none());
    }
}

#[tokio::test]
async fn random_429_500_413_and_lost_answers_through_the_disk_queue_index_each_event_once() {
    // Whole-request 429/500/413, unreadable 200s, answers lost after indexing, and per-item
    // 429/503, at random; with unlimited retries every event ends up stored exactly once.
    let script: Script = Box::new(|_, items, _| {
        let roll = rand::random_range(0..100);
        match roll {
            0..15 => BulkAnswer::Status(429, r#"{"error":"too many"}"#),
            15..30 => BulkAnswer::Status(500, r#"{"error":"boom"}"#),
            30..40 if items.len() > 1 => BulkAnswer::Status(413, r#"{"error":"too large"}"#),
            40..50 => BulkAnswer::IndexThenStatus(
                (0..items.len())
                    .filter(|_| rand::random_bool(0.5))
                    .collect(),
                500,
            ),
            50..55 => BulkAnswer::Raw("<html>bad gateway</html>"),
            _ => BulkAnswer::Items(
                (0..items.len())
                    .map(|_| match rand::random_range(0..10) {
                        0 => Some(429),
                        1 => Some(503),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    });
    let node = FakeNode::start(None, script).await;
    let dir = tempfile::tempdir().unwrap();
    let config = shipper_config(
        dir.path(),
        &format!(
            "output.elasticsearch:\n  hosts: [\"http://{}\"]\n  backoff.init: 1ms\n  backoff.max: 5ms\n  max_retries: -1\n  bulk_max_size: 40\n  timeout: 30s\nqueue.disk.max_size: 10MB\n",
            node.addr
        ),
    );
    let agent = AgentInfo::load("test-host", &dir.path().join("data")).unwrap();
    let docs: Vec<serde_json::Value> = (0..600)
        .map(|i| serde_json::json!({"@timestamp": "2026-01-01T00:00:00.000Z", "seq": i}))
        .collect();
    let expected: Vec<String> = docs
        .iter()
        .map(|d| ironstack_shipper::event::Event::from_document(d).id)
        .collect();
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let feeder = tokio::spawn(async move {
        for d in docs {
            tx.send(d).await.unwrap();
        }
    });
    let summary = pipeline::run_with_source(&config, Vec::new(), agent, Some(rx), async {
        let _ = feeder.await;
    })
    .await
    .unwrap();
    assert_eq!(summary.lost, 0);
    let stored = node.store_counts();
    for id in &expected {
        assert_eq!(stored.get(id), Some(&1), "event {id} stored once");
    }
    assert_eq!(stored.len(), expected.len());
    let stats = &summary.stats;
    use std::sync::atomic::Ordering::Relaxed;
    assert!(stats.retry.load(Relaxed) > 0 && stats.failed.load(Relaxed) > 0);
    assert_eq!(
        stats.dropped.load(Relaxed) + stats.dropped_retries.load(Relaxed),
        0
    );
}
