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
    let blocks =
        modules::load_blocks(&dir.path().join("none/*.yml"), &config.inline_modules, true).unwrap();
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
