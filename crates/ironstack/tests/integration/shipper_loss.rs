//! The shipper's delivery guarantee with the disk queue, against a real secured node: every
//! event the shipper logged as accepted (`-d publish`, logged once synced to the queue) is in
//! the node exactly once, by `_id`, after the node is `kill -9`ed for longer than several
//! backoff rounds and restarted on its data folder, and after the shipper itself is `kill -9`ed
//! mid-flight and restarted on its `path.data`. The last run of the shipper is stopped with
//! SIGTERM and must flush and exit 0.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::shipper::curl;
use crate::support::{TestNode, have_tool, ironstack, secured_node};

/// A loopback TCP forwarder with a fixed port, so the shipper keeps its `hosts` while the node
/// behind it is killed and restarted on another port. With no upstream, connections are closed
/// at once (the node is down).
struct Forwarder {
    port: u16,
    upstream: Arc<Mutex<Option<u16>>>,
}

impl Forwarder {
    fn start(upstream: u16) -> Forwarder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let target = Arc::new(Mutex::new(Some(upstream)));
        let shared = target.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let Some(up) = *shared.lock().unwrap() else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let Ok(server) = TcpStream::connect(("127.0.0.1", up)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                        let _ = from.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Forwarder {
            port,
            upstream: target,
        }
    }

    fn set(&self, upstream: Option<u16>) {
        *self.upstream.lock().unwrap() = upstream;
    }
}

/// `shipper.yml`: the disk queue in `path.data`, system cpu/load/memory every second, short
/// backoff so an outage spans several rounds, the node's CA with `verification_mode: full`,
/// and `logging.metrics` every 2s.
fn write_config(dir: &Path, port: u16, ca: &Path) {
    let yml = format!(
        "output.elasticsearch:\n  hosts: [\"https://127.0.0.1:{port}\"]\n  username: elastic\n  password: \"${{ES_PWD}}\"\n  backoff.init: 250ms\n  backoff.max: 2s\n  ssl:\n    certificate_authorities: [\"{}\"]\n    verification_mode: full\nqueue.disk.max_size: 64MB\nlogging.metrics.period: 2s\nmetricbeat.modules:\n- module: system\n  metricsets: [cpu, load, memory]\n  period: 1s\n",
        ca.display()
    );
    let f = dir.join("shipper.yml");
    std::fs::write(&f, yml).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Starts `shipper -e -d publish` in `dir`; the child and its collected stderr.
fn start_shipper(dir: &Path, password: &str) -> (Child, Arc<Mutex<String>>) {
    crate::support::spawn_collecting_stderr(
        ironstack()
            .current_dir(dir)
            .args(["shipper", "-e", "-d", "publish"])
            .env("ES_PWD", password),
    )
}

/// The `_id`s the shipper logged as accepted.
fn published_ids(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.split("Publish event: _id=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn wait_until(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// SIGTERM; the shipper must flush and exit 0.
fn stop_gracefully(mut child: Child, log: &Arc<Mutex<String>>) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut status = None;
    wait_until(Duration::from_secs(20), || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    let Some(status) = status else {
        let _ = child.kill();
        panic!(
            "the shipper did not exit after SIGTERM:\n{}",
            log.lock().unwrap()
        );
    };
    assert_eq!(status.code(), Some(0), "{}", log.lock().unwrap());
}

/// `kill -9`.
fn crash(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// How many times each `_id` is in the node's `metricbeat-*`.
fn indexed_ids(node: &TestNode, elastic: &str) -> BTreeMap<String, usize> {
    let (s, b) = curl(node, "POST", "/metricbeat-*/_refresh", elastic, None);
    assert_eq!(s, 200, "{b}");
    let (s, b) = curl(
        node,
        "POST",
        "/metricbeat-*/_search",
        elastic,
        Some(
            &json!({"size": 10000, "_source": false, "query": {"match_all": {}},
            "track_total_hits": true}),
        ),
    );
    assert_eq!(s, 200, "{b}");
    let hits = b["hits"]["hits"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        b["hits"]["total"]["value"].as_u64(),
        Some(hits.len() as u64),
        "every hit fits in one page"
    );
    let mut counts = BTreeMap::new();
    for hit in hits {
        let id = hit["_id"].as_str().unwrap().to_string();
        *counts.entry(id).or_insert(0) += 1;
    }
    counts
}

/// Each accepted `_id` is indexed, and no `_id` is indexed twice.
fn assert_exactly_once(node: &TestNode, elastic: &str, accepted: &[String]) {
    let accepted: BTreeSet<&String> = accepted.iter().collect();
    assert!(!accepted.is_empty(), "the shipper logged no event");
    let indexed = indexed_ids(node, elastic);
    let missing: Vec<&&String> = accepted
        .iter()
        .filter(|id| !indexed.contains_key(**id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} accepted events are not in the node: {missing:?}",
        missing.len(),
        accepted.len()
    );
    let twice: Vec<(&String, &usize)> = indexed.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "indexed more than once: {twice:?}");
}

#[test]
fn nothing_accepted_is_lost_or_doubled_when_the_node_is_killed_and_restarted() {
    if !have_tool("curl", "--version") {
        return;
    }
    let (home, node, password) = secured_node();
    let elastic = format!("elastic:{password}");
    let forwarder = Forwarder::start(node.port);
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), forwarder.port, &node.ca());
    let (shipper, log) = start_shipper(dir.path(), &password);
    assert!(
        wait_until(Duration::from_secs(20), || {
            published_ids(&log.lock().unwrap()).len() >= 6
        }),
        "{}",
        log.lock().unwrap()
    );
    std::thread::sleep(Duration::from_secs(1));

    // kill -9: whatever the node acknowledged must have been durable.
    forwarder.set(None);
    drop(node);
    let before_outage = published_ids(&log.lock().unwrap()).len();
    std::thread::sleep(Duration::from_secs(9));
    let during_outage = published_ids(&log.lock().unwrap()).len() - before_outage;
    let outage_log = log.lock().unwrap().clone();
    assert!(
        during_outage >= 6,
        "collection goes on into the disk queue while the node is down:\n{outage_log}"
    );
    assert!(
        outage_log.matches("Failed to connect").count() >= 3,
        "several backoff rounds passed:\n{outage_log}"
    );

    let node = TestNode::start(home.path(), &[]);
    forwarder.set(Some(node.port));
    std::thread::sleep(Duration::from_secs(4));
    stop_gracefully(shipper, &log);
    let log = log.lock().unwrap().clone();
    assert_exactly_once(&node, &elastic, &published_ids(&log));

    // logging.metrics: the periodic deltas while running, the totals at exit.
    let periodic: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Non-zero metrics in the last 2s monitoring={\"metrics\":"))
        .collect();
    assert!(periodic.len() >= 5, "{log}");
    assert!(
        periodic
            .iter()
            .any(|l| l.contains("\"acked\":") && l.contains("\"rss\":")),
        "{log}"
    );
    // A gauge is a level, not a difference: the events waiting during the outage show.
    let waiting = periodic
        .iter()
        .filter_map(|l| l.split("monitoring=").nth(1))
        .filter_map(|m| serde_json::from_str::<serde_json::Value>(m).ok())
        .filter_map(|m| m["metrics"]["libbeat"]["pipeline"]["events"]["active"].as_u64())
        .max();
    assert!(waiting.is_some_and(|n| n > 0), "{log}");
    let total = log
        .lines()
        .find(|l| l.contains("Total metrics monitoring="))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(total.contains("\"acked\":"), "{total}");
}

#[test]
fn nothing_accepted_is_lost_or_doubled_when_the_shipper_is_killed_and_restarted() {
    if !have_tool("curl", "--version") {
        return;
    }
    let (_home, node, password) = secured_node();
    let elastic = format!("elastic:{password}");
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), node.port, &node.ca());
    let mut accepted = Vec::new();
    // Killed at different points of the 1s cycle, so a batch is sometimes in flight.
    for wait_ms in [2_300, 3_700] {
        let (shipper, log) = start_shipper(dir.path(), &password);
        assert!(
            wait_until(Duration::from_secs(20), || {
                published_ids(&log.lock().unwrap()).len() >= 3
            }),
            "{}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(wait_ms));
        crash(shipper);
        accepted.extend(published_ids(&log.lock().unwrap()));
    }
    let (shipper, log) = start_shipper(dir.path(), &password);
    std::thread::sleep(Duration::from_secs(3));
    stop_gracefully(shipper, &log);
    let log = log.lock().unwrap().clone();
    accepted.extend(published_ids(&log));
    assert_exactly_once(&node, &elastic, &accepted);
}
