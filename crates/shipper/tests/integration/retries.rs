//! libbeat's retry rules against a scripted node: each event ends up indexed exactly once.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ironstack_shipper::client::EsClient;
use ironstack_shipper::event::Event;
use ironstack_shipper::output::{Publisher, Stats};
use serde_json::json;
use tokio::sync::watch;

use crate::common::{BulkAnswer, FakeNode, Script, shipper_config};

fn events(n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| Event::from_document(&json!({"@timestamp": "2026-12-07T10:00:00.000Z", "seq": i})))
        .collect()
}

async fn new_publisher(node: &FakeNode, extra: &str) -> (Publisher, Arc<Stats>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = shipper_config(
        dir.path(),
        &format!(
            "output.elasticsearch:\n  hosts: [\"http://{}\"]\n  backoff.init: 10ms\n  backoff.max: 40ms\n{extra}",
            node.addr
        ),
    );
    let stats = Arc::new(Stats::default());
    let client = EsClient::new(config.output.hosts[0].clone(), &config.output, None).unwrap();
    let (_tx, rx) = watch::channel(false);
    std::mem::forget(_tx);
    (
        Publisher::new(
            client,
            config.output.clone(),
            config.setup.clone(),
            stats.clone(),
            rx,
        ),
        stats,
        dir,
    )
}

#[tokio::test]
async fn errors_429_500_413_and_lost_responses_index_each_event_exactly_once() {
    let n = 8;
    let script: Script = Box::new(|call, items, _state| match call {
        // The first half is indexed but the answer is lost: the retry must yield 409s.
        1 => BulkAnswer::IndexThenStatus((0..items.len() / 2).collect(), 500),
        // Too large for the node: split in halves.
        2 => BulkAnswer::Status(413, r#"{"error":"too large"}"#),
        // A proxy answering 200 with something that is not a bulk response: not an ack.
        3 => BulkAnswer::Raw("<html>bad gateway</html>"),
        // Per item: some 429, some 503, the rest indexed (409 if already there).
        _ => BulkAnswer::Items(
            items
                .iter()
                .enumerate()
                .map(|(i, _)| match (call, i % 3) {
                    (4 | 5, 0) => Some(429),
                    (4 | 5, 1) => Some(503),
                    _ => None,
                })
                .collect(),
        ),
    });
    let node = FakeNode::start(None, script).await;
    let (mut publisher, stats, _dir) = new_publisher(&node, "  max_retries: 5\n").await;
    let sent = events(n);
    let unsent = publisher.publish(sent.clone()).await;
    assert!(unsent.is_empty());
    let counts = node.store_counts();
    assert_eq!(counts.len(), n, "every event is stored");
    for e in &sent {
        assert_eq!(counts.get(&e.id), Some(&1), "stored once: {}", e.source);
    }
    let acked = stats.acked.load(Ordering::Relaxed);
    let duplicates = stats.duplicates.load(Ordering::Relaxed);
    assert_eq!(
        duplicates,
        (n / 2) as u64,
        "the lost-response half comes back as 409"
    );
    assert_eq!(acked + duplicates, n as u64);
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 0);
    assert!(stats.toomany.load(Ordering::Relaxed) > 0);
    assert!(stats.retry.load(Ordering::Relaxed) > 0);
    let st = node.state.lock().unwrap();
    assert_eq!(st.bulk_sizes[0], n);
    assert_eq!(st.bulk_sizes[1], n, "413 on the full batch");
    assert_eq!(st.bulk_sizes[2], n / 2, "then halves");
    // The 500 closed the connection: the connect sequence ran again (GET / twice at least).
    let gets = st
        .requests
        .iter()
        .filter(|(m, p)| m == "GET" && p == "/")
        .count();
    assert!(gets >= 2, "{:?}", st.requests);
}

#[tokio::test]
async fn non_retryable_items_are_dropped_and_exhausted_retries_drop_the_rest() {
    let script: Script = Box::new(|_, items, _| {
        BulkAnswer::Items(
            items
                .iter()
                .enumerate()
                .map(|(i, _)| if i == 0 { Some(400) } else { None })
                .collect(),
        )
    });
    let node = FakeNode::start(None, script).await;
    let (mut publisher, stats, _dir) = new_publisher(&node, "").await;
    publisher.publish(events(3)).await;
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 1);
    assert_eq!(stats.acked.load(Ordering::Relaxed), 2);
    assert_eq!(
        node.state.lock().unwrap().bulk_calls,
        1,
        "a 400 item is not retried"
    );

    let always_busy: Script =
        Box::new(|_, items, _| BulkAnswer::Items(vec![Some(503); items.len()]));
    let node = FakeNode::start(None, always_busy).await;
    let (mut publisher, stats, _dir) = new_publisher(&node, "  max_retries: 2\n").await;
    publisher.publish(events(2)).await;
    assert_eq!(
        node.state.lock().unwrap().bulk_calls,
        3,
        "max_retries + 1 attempts"
    );
    assert_eq!(
        stats.dropped_retries.load(Ordering::Relaxed),
        2,
        "libbeat.pipeline.events.dropped, not the invalid-event counter"
    );
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 0);

    // One event that is still too large alone is dropped, not retried forever.
    let too_large: Script = Box::new(|_, _, _| BulkAnswer::Status(413, "{}"));
    let node = FakeNode::start(None, too_large).await;
    let (mut publisher, stats, _dir) = new_publisher(&node, "").await;
    publisher.publish(events(2)).await;
    assert_eq!(node.state.lock().unwrap().bulk_sizes, vec![2, 1, 1]);
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn bulk_max_size_splits_and_bodies_are_gzip() {
    let script: Script = Box::new(|_, items, _| BulkAnswer::Items(vec![None; items.len()]));
    let node = FakeNode::start(None, script).await;
    let (mut publisher, stats, _dir) = new_publisher(&node, "  bulk_max_size: 2\n").await;
    publisher.publish(events(5)).await;
    assert_eq!(node.state.lock().unwrap().bulk_sizes, vec![2, 2, 1]);
    assert_eq!(stats.acked.load(Ordering::Relaxed), 5);
}

#[tokio::test]
async fn an_outage_between_batches_does_not_use_up_attempts() {
    let ok = || -> Script { Box::new(|_, items, _| BulkAnswer::Items(vec![None; items.len()])) };
    let first = FakeNode::start(None, ok()).await;
    let addr = first.addr;
    let dir = tempfile::tempdir().unwrap();
    // One attempt per batch: a lost attempt would drop the event.
    let config = shipper_config(
        dir.path(),
        &format!(
            "output.elasticsearch:\n  hosts: [\"http://{addr}\"]\n  max_retries: 0\n  backoff.init: 20ms\n  backoff.max: 50ms\nsetup.ilm.enabled: false\nsetup.template.enabled: false\n"
        ),
    );
    let stats = Arc::new(Stats::default());
    let client = EsClient::new(config.output.hosts[0].clone(), &config.output, None).unwrap();
    let (_stop, rx) = watch::channel(false);
    let mut publisher = Publisher::new(
        client,
        config.output.clone(),
        config.setup.clone(),
        stats.clone(),
        rx,
    );
    assert!(publisher.publish(events(1)).await.is_empty());
    assert_eq!(first.store_counts().len(), 1);

    // The node goes down between batches and comes back on the same address.
    first.stop();
    let batch = events(2).split_off(1);
    let id = batch[0].id.clone();
    let sending = tokio::spawn(async move { publisher.publish(batch).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !sending.is_finished(),
        "waits for the node instead of dropping"
    );
    let second = FakeNode::start_at(addr, None, ok()).await;
    let unsent = tokio::time::timeout(Duration::from_secs(10), sending)
        .await
        .unwrap()
        .unwrap();
    assert!(unsent.is_empty());
    assert_eq!(second.store_counts().get(&id), Some(&1));
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn a_dead_letter_index_keeps_what_elasticsearch_refuses() {
    // The node refuses the original of event 0 (a mapping error) and accepts the rest,
    // dead letters included.
    let script: Script = Box::new(|_, items, _| {
        BulkAnswer::Items(
            items
                .iter()
                .map(|i| {
                    (i.source["seq"] == 0 && i.index.as_deref() != Some("dead-letters"))
                        .then_some(400)
                })
                .collect(),
        )
    });
    let node = FakeNode::start(None, script).await;
    let (mut publisher, stats, _dir) = new_publisher(
        &node,
        "  non_indexable_policy.dead_letter_index.index: dead-letters\n",
    )
    .await;
    let sent = events(3);
    publisher.publish(sent.clone()).await;
    assert_eq!(stats.dead_letter.load(Ordering::Relaxed), 1);
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 0);
    {
        let st = node.state.lock().unwrap();
        let (doc, times) = &st.stored[&sent[0].id];
        assert_eq!(*times, 1);
        assert_eq!(doc["error"]["type"], 400);
        assert!(doc["error"]["message"].is_string(), "{doc}");
        let original: serde_json::Value =
            serde_json::from_str(doc["message"].as_str().unwrap()).unwrap();
        assert_eq!(original["seq"], 0);
    }

    // A dead letter the dead letter index refuses too is dropped, not wrapped again.
    let refuse_all: Script =
        Box::new(|_, items, _| BulkAnswer::Items(vec![Some(400); items.len()]));
    let node = FakeNode::start(None, refuse_all).await;
    let (mut publisher, stats, _dir) = new_publisher(
        &node,
        "  non_indexable_policy.dead_letter_index.index: dead-letters\n",
    )
    .await;
    publisher.publish(events(1)).await;
    assert_eq!(stats.dead_letter.load(Ordering::Relaxed), 1);
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 1);
    assert_eq!(node.state.lock().unwrap().bulk_calls, 2);
}
