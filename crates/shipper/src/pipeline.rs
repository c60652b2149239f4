//! The run loop: one task per metricset fetching every `period`, the memory queue
//! (`queue.mem.events`: a bounded channel, so a full queue stalls collection instead of
//! dropping), the batcher (`flush.min_events` / `flush.timeout`) and the output workers
//! (`worker` per host). On shutdown the collectors stop, the queue is drained and what was
//! queued is published before the process exits (bounded by the output `timeout`).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ironstack_collectors::{Collector, HostFs};
use tokio::sync::{Mutex, mpsc, watch};

use crate::client::{EsClient, tls_config};
use crate::config::ShipperConfig;
use crate::event::{self, AgentInfo, Event};
use crate::modules::ModuleBlock;
use crate::output::{Publisher, Stats};
use crate::{Error, Result};

/// What a run did, for the final log line and tests.
#[derive(Debug)]
pub struct RunSummary {
    /// The output counters.
    pub stats: Arc<Stats>,
    /// Events still queued or unsent when the shutdown deadline passed.
    pub lost: usize,
}

/// Runs until `shutdown` completes, then flushes.
pub async fn run(
    config: &ShipperConfig,
    blocks: Vec<ModuleBlock>,
    agent: AgentInfo,
    shutdown: impl Future<Output = ()>,
) -> Result<RunSummary> {
    if blocks.is_empty() {
        return Err(Error::Runtime(
            "no modules are enabled: enable one with `ironstack shipper modules enable system`"
                .to_string(),
        ));
    }
    let stats = Arc::new(Stats::default());
    let tls = tls_config(&config.output)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let (event_tx, mut event_rx) = mpsc::channel::<Event>(config.queue.events);
    let agent = Arc::new(agent);

    let mut collectors = Vec::new();
    for block in &blocks {
        for metricset in &block.metricsets {
            let collector = Collector::new(
                *metricset,
                HostFs::new(config.hostfs.clone()),
                block.options.clone(),
            );
            collectors.push(tokio::spawn(collect(
                collector,
                block.period,
                agent.clone(),
                event_tx.clone(),
                stop_rx.clone(),
            )));
        }
    }
    drop(event_tx);

    let (batch_tx, batch_rx) = mpsc::channel::<Vec<Event>>(1);
    let queue = config.queue;
    let batcher = tokio::spawn(async move {
        while let Some(first) = event_rx.recv().await {
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + queue.flush_timeout;
            while batch.len() < queue.min_events {
                if queue.flush_timeout.is_zero() {
                    match event_rx.try_recv() {
                        Ok(e) => batch.push(e),
                        Err(_) => break,
                    }
                    continue;
                }
                match tokio::time::timeout_at(deadline, event_rx.recv()).await {
                    Ok(Some(e)) => batch.push(e),
                    Ok(None) | Err(_) => break,
                }
            }
            if batch_tx.send(batch).await.is_err() {
                break;
            }
        }
    });

    let batch_rx = Arc::new(Mutex::new(batch_rx));
    let mut workers = Vec::new();
    for host in &config.output.hosts {
        for _ in 0..config.output.worker {
            let client = EsClient::new(host.clone(), &config.output, tls.clone())?;
            let mut publisher = Publisher::new(
                client,
                config.output.clone(),
                config.setup,
                stats.clone(),
                stop_rx.clone(),
            );
            let batches = batch_rx.clone();
            workers.push(tokio::spawn(async move {
                let mut unsent = 0usize;
                loop {
                    let next = batches.lock().await.recv().await;
                    let Some(batch) = next else { break };
                    unsent += publisher.publish(batch).await.len();
                }
                unsent
            }));
        }
    }

    let metrics_stats = stats.clone();
    let metrics = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        tick.tick().await;
        loop {
            tick.tick().await;
            tracing::info!(
                "Non-zero metrics in the last 30s: {}",
                metrics_stats.summary()
            );
        }
    });

    shutdown.await;
    tracing::info!("stopping: flushing the queued events");
    let _ = stop_tx.send(true);
    for c in collectors {
        let _ = c.await;
    }
    let started = Instant::now();
    let drain = async {
        let _ = batcher.await;
        let mut unsent = 0;
        for w in workers {
            unsent += w.await.unwrap_or(0);
        }
        unsent
    };
    let lost = match tokio::time::timeout(config.output.timeout, drain).await {
        Ok(n) => n,
        Err(_) => {
            tracing::error!(
                "the queue could not be flushed within {:?}; the remaining events are lost",
                started.elapsed()
            );
            usize::MAX
        }
    };
    metrics.abort();
    if lost > 0 && lost != usize::MAX {
        tracing::error!(events = lost, "events could not be sent before exit");
    }
    tracing::info!("Total metrics: {}", stats.summary());
    Ok(RunSummary { stats, lost })
}

/// One metricset's loop: fetch now and every `period` until stopped.
async fn collect(
    collector: Collector,
    period: Duration,
    agent: Arc<AgentInfo>,
    events: mpsc::Sender<Event>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut collector = Some(collector);
    let period_ms = u64::try_from(period.as_millis()).unwrap_or(u64::MAX);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let Some(mut c) = collector.take() else {
            return;
        };
        let timestamp = jiff::Timestamp::now();
        let started = Instant::now();
        // statvfs on a hung network mount blocks: keep it off the runtime's threads.
        let Ok((c, result)) = tokio::task::spawn_blocking(move || {
            let r = c.fetch();
            (c, r)
        })
        .await
        else {
            return;
        };
        let duration_ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let name = c.metricset().name();
        let documents = match result {
            Ok(docs) => docs.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => {
                tracing::warn!(metricset = name, "fetch failed: {e}");
                vec![Err(e.to_string())]
            }
        };
        collector = Some(c);
        for fields in documents {
            let doc = event::document(&agent, name, period_ms, timestamp, duration_ns, fields);
            tokio::select! {
                sent = events.send(Event::from_document(&doc)) => if sent.is_err() { return },
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}
