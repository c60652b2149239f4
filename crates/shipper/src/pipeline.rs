//! The run loop: one task per metricset fetching every `period`, the memory queue
//! (`queue.mem.events`: a bounded channel, so a full queue stalls collection instead of
//! dropping), the batcher (`flush.min_events` / `flush.timeout`) and the output workers
//! (`worker` per host), or the disk queue ([`crate::disk_queue`]) read in order by one
//! publisher. On shutdown the collectors stop, the queue is drained and what was queued is
//! published before the process exits (bounded by the output `timeout`); with the disk queue,
//! what could not be sent stays on disk for the next start.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ironstack_collectors::{Collector, HostFs};
use tokio::sync::{Mutex, mpsc, watch};

use crate::client::{EsClient, tls_config};
use crate::config::ShipperConfig;
use crate::disk_queue::DiskQueue;
use crate::event::{self, AgentInfo, Event};
use crate::modules::ModuleBlock;
use crate::output::{Publisher, Stats};
use crate::processors::{self, Processor};
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
    run_with_source(config, blocks, agent, None, shutdown).await
}

/// [`run`], with documents from `source` entering the pipeline as a metricset's results do
/// (the top-level fields, processors, queue, output and counters). The benchmark example
/// feeds it synthetic Metricbeat documents; `blocks` may then be empty. The source is read
/// until its sender is dropped, also after `shutdown`: drop it before or as `shutdown` ends.
pub async fn run_with_source(
    config: &ShipperConfig,
    blocks: Vec<ModuleBlock>,
    agent: AgentInfo,
    source: Option<mpsc::Receiver<serde_json::Value>>,
    shutdown: impl Future<Output = ()>,
) -> Result<RunSummary> {
    if blocks.is_empty() && source.is_none() {
        return Err(Error::Runtime(
            "no modules are enabled: enable one with `ironstack shipper modules enable system`"
                .to_string(),
        ));
    }
    let stats = Arc::new(Stats::default());
    let tls = tls_config(&config.output)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let (event_tx, event_rx) = mpsc::channel::<Event>(config.queue.events);
    let agent = Arc::new(agent);

    let mut collectors = Vec::new();
    let global = Arc::new(config.processors.clone());
    let extra = Arc::new(config.extra_fields.clone());
    for block in &blocks {
        let processors = Arc::new((block.processors.clone(), global.clone()));
        if let Some(es) = &block.elasticsearch {
            for fetcher in crate::elasticsearch::Fetcher::for_module(es, &block.es_metricsets)? {
                collectors.push(tokio::spawn(collect_es(
                    fetcher,
                    block.period,
                    Emitter {
                        agent: agent.clone(),
                        extra: extra.clone(),
                        processors: processors.clone(),
                        events: event_tx.clone(),
                        stop: stop_rx.clone(),
                        stats: stats.clone(),
                    },
                )));
            }
        }
        for metricset in &block.metricsets {
            let collector = Collector::new(
                *metricset,
                HostFs::new(config.hostfs.clone()),
                block.options.clone(),
            );
            collectors.push(tokio::spawn(collect(
                collector,
                block.period,
                Emitter {
                    agent: agent.clone(),
                    extra: extra.clone(),
                    processors: processors.clone(),
                    events: event_tx.clone(),
                    stop: stop_rx.clone(),
                    stats: stats.clone(),
                },
            )));
        }
    }
    if let Some(mut source) = source {
        let mut out = Emitter {
            agent: agent.clone(),
            extra: extra.clone(),
            processors: Arc::new((Vec::new(), global.clone())),
            events: event_tx.clone(),
            stop: stop_rx.clone(),
            stats: stats.clone(),
        };
        // Unlike a metricset, the source is drained: stopping waits until its sender is gone
        // and everything it sent is queued.
        let (never, not_stopping) = watch::channel(false);
        out.stop = not_stopping;
        collectors.push(tokio::spawn(async move {
            let _never = never;
            while let Some(doc) = source.recv().await {
                if !out.emit(doc).await {
                    return;
                }
            }
        }));
    }
    drop(event_tx);

    let consumers: Vec<tokio::task::JoinHandle<usize>> = match &config.disk_queue {
        None => memory_queue(config, event_rx, tls, &stats, &stop_rx)?,
        Some(disk) => {
            let queue = Arc::new(DiskQueue::open(
                &disk.path,
                disk.max_size,
                disk.segment_size,
            )?);
            if config.output.worker > 1 || config.output.hosts.len() > 1 {
                tracing::warn!(
                    "the disk queue publishes in order through one connection to the first host"
                );
            }
            let client = EsClient::new(config.output.hosts[0].clone(), &config.output, tls)?;
            let publisher = Publisher::new(
                client,
                config.output.clone(),
                config.setup.clone(),
                stats.clone(),
                stop_rx.clone(),
            );
            let (written_tx, written_rx) = watch::channel(false);
            let writer = tokio::spawn(disk_writer(
                queue.clone(),
                event_rx,
                written_tx,
                stop_rx.clone(),
            ));
            let batch = if config.output.bulk_max_size == 0 {
                config.queue.min_events
            } else {
                config.output.bulk_max_size
            };
            let reader = tokio::spawn(disk_reader(queue, publisher, batch, written_rx));
            vec![writer, reader]
        }
    };

    let context = crate::monitoring::Context {
        stats: stats.clone(),
        agent: agent.clone(),
        modules: blocks.iter().map(|b| b.module.clone()).collect(),
        clients: collectors.len(),
        queue: if config.disk_queue.is_some() {
            "disk"
        } else {
            "mem"
        },
        max_events: config.queue.events,
        started: Instant::now(),
    };
    let reporter = config.monitoring.clone().map(|monitoring| {
        tokio::spawn(crate::monitoring::run(
            monitoring,
            context.clone(),
            Arc::default(),
            stop_rx.clone(),
        ))
    });
    let metrics_log = config.logging.metrics.enabled.then(|| {
        tokio::spawn(crate::metrics_log::run(
            config.logging.metrics,
            context.clone(),
            stop_rx.clone(),
        ))
    });

    shutdown.await;
    tracing::info!("stopping: flushing the queued events");
    let _ = stop_tx.send(true);
    for c in collectors {
        let _ = c.await;
    }
    let started = Instant::now();
    let drain = async {
        let mut unsent = 0;
        for c in consumers {
            unsent += c.await.unwrap_or(0);
        }
        unsent
    };
    let lost = match tokio::time::timeout(config.output.timeout, drain).await {
        Ok(n) => n,
        Err(_) if config.disk_queue.is_some() => {
            tracing::warn!(
                "stopping after {:?}: the events not yet acknowledged stay in the disk queue",
                started.elapsed()
            );
            0
        }
        Err(_) => {
            tracing::error!(
                "the queue could not be flushed within {:?}; the remaining events are lost",
                started.elapsed()
            );
            usize::MAX
        }
    };
    if let Some(m) = metrics_log {
        m.abort();
    }
    // Beats' reporter does not flush at exit: its documents are snapshots, not data.
    if let Some(r) = reporter {
        r.abort();
    }
    if lost > 0 && lost != usize::MAX {
        tracing::error!(events = lost, "events could not be sent before exit");
    }
    if config.logging.metrics.enabled {
        crate::metrics_log::log_total(&context);
    }
    Ok(RunSummary { stats, lost })
}

/// What a metricset loop needs to turn its results into queued events.
struct Emitter {
    agent: Arc<AgentInfo>,
    extra: Arc<Option<serde_json::Value>>,
    processors: Arc<(Vec<Processor>, Arc<Vec<Processor>>)>,
    events: mpsc::Sender<Event>,
    stop: watch::Receiver<bool>,
    stats: Arc<Stats>,
}

impl Emitter {
    /// Adds the top-level fields, runs the processors and queues the document (waiting while
    /// the queue is full). `false` when the shipper is stopping.
    async fn emit(&mut self, mut doc: serde_json::Value) -> bool {
        Stats::add(&self.stats.pipeline_total, 1);
        if let Some(fields) = self.extra.as_ref() {
            crate::settings::merge(&mut doc, fields.clone());
        }
        // The module's processors, then the top-level ones, as libbeat orders them.
        if !processors::apply(&self.processors.0, &mut doc)
            || !processors::apply(&self.processors.1, &mut doc)
        {
            Stats::add(&self.stats.pipeline_filtered, 1);
            return true;
        }
        tokio::select! {
            sent = self.events.send(Event::from_document(&doc)) => {
                if sent.is_err() {
                    return false;
                }
                Stats::add(&self.stats.pipeline_published, 1);
                true
            }
            _ = self.stop.wait_for(|s| *s) => false,
        }
    }

    /// Waits for the next tick; `false` when stopping.
    async fn tick(&mut self, tick: &mut tokio::time::Interval) -> bool {
        tokio::select! {
            _ = tick.tick() => true,
            _ = self.stop.wait_for(|s| *s) => false,
        }
    }
}

fn interval(period: Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// One metricset's loop: fetch now and every `period` until stopped.
async fn collect(collector: Collector, period: Duration, mut out: Emitter) {
    let mut tick = interval(period);
    let mut collector = Some(collector);
    let period_ms = u64::try_from(period.as_millis()).unwrap_or(u64::MAX);
    loop {
        if !out.tick(&mut tick).await {
            return;
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
        let ok = result.is_ok();
        let documents = match result {
            Ok(docs) => docs.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => {
                tracing::warn!(metricset = name, "fetch failed: {e}");
                vec![Err(e.to_string())]
            }
        };
        collector = Some(c);
        out.stats
            .record_fetch(&format!("system.{name}"), ok, documents.len());
        for fields in documents {
            let doc = event::document(&out.agent, name, period_ms, timestamp, duration_ns, fields);
            if !out.emit(doc).await {
                return;
            }
        }
    }
}

/// One `elasticsearch` metricset's loop on one host. A failed fetch is logged with its cause,
/// counted and sent as an error event; the loop goes on at the next period.
async fn collect_es(
    mut fetcher: crate::elasticsearch::Fetcher,
    period: Duration,
    mut out: Emitter,
) {
    let mut tick = interval(period);
    let period_ms = u64::try_from(period.as_millis()).unwrap_or(u64::MAX);
    let name = fetcher.metricset().name();
    let mut last_skip_log: Option<Instant> = None;
    loop {
        if !out.tick(&mut tick).await {
            return;
        }
        let timestamp = jiff::Timestamp::now();
        let started = Instant::now();
        let fetched = tokio::select! {
            f = fetcher.fetch() => f,
            _ = out.stop.wait_for(|s| *s) => return,
        };
        let duration_ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let outcome = crate::elasticsearch::outcome(
            fetcher.metricset(),
            fetcher.address(),
            &out.agent,
            period_ms,
            timestamp,
            duration_ns,
            fetched,
        );
        if let Some(e) = &outcome.error {
            tracing::warn!(
                metricset = name,
                host = fetcher.address(),
                "error fetching elasticsearch/{name}: {e}"
            );
        }
        if let Some(reason) = &outcome.skipped {
            // Metricbeat says why at most once a minute, at debug level.
            if last_skip_log.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                tracing::debug!(metricset = name, "skipping elasticsearch/{name}: {reason}");
                last_skip_log = Some(Instant::now());
            }
        }
        out.stats.record_fetch(
            &format!("elasticsearch.{name}"),
            outcome.error.is_none(),
            outcome.documents.len(),
        );
        for doc in outcome.documents {
            if !out.emit(doc).await {
                return;
            }
        }
    }
}

/// The memory queue: the batcher (`flush.min_events` / `flush.timeout`) and `worker`
/// publishers per host. Each task returns how many events it could not send.
fn memory_queue(
    config: &ShipperConfig,
    mut event_rx: mpsc::Receiver<Event>,
    tls: Option<Arc<ironstack_tls::rustls::ClientConfig>>,
    stats: &Arc<Stats>,
    stop_rx: &watch::Receiver<bool>,
) -> Result<Vec<tokio::task::JoinHandle<usize>>> {
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
            log_published(&batch);
            if batch_tx.send(batch).await.is_err() {
                break;
            }
        }
        0
    });

    let batch_rx = Arc::new(Mutex::new(batch_rx));
    let mut workers = Vec::new();
    for host in &config.output.hosts {
        for _ in 0..config.output.worker {
            let client = EsClient::new(host.clone(), &config.output, tls.clone())?;
            let mut publisher = Publisher::new(
                client,
                config.output.clone(),
                config.setup.clone(),
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

    let mut tasks = vec![batcher];
    tasks.extend(workers);
    Ok(tasks)
}

/// Moves events from the collectors' channel to disk, waiting while the queue is full.
async fn disk_writer(
    queue: Arc<DiskQueue>,
    mut events: mpsc::Receiver<Event>,
    written: watch::Sender<bool>,
    stop: watch::Receiver<bool>,
) -> usize {
    let mut lost = 0;
    while let Some(first) = events.recv().await {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match events.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        let bytes: u64 = batch
            .iter()
            .map(|e| (e.id.len() + e.source.len() + 2) as u64)
            .sum();
        while !queue.has_room(bytes) {
            if *stop.borrow() {
                // Stopping with a full queue and nothing draining it: these were never on disk.
                tracing::error!(
                    events = batch.len(),
                    "the disk queue is full; dropping events at exit"
                );
                return lost + batch.len() + drain_count(&mut events);
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), queue.changed.notified()).await;
        }
        let q = queue.clone();
        let n = batch.len();
        match tokio::task::spawn_blocking(move || q.append(&batch).map(|()| batch)).await {
            // Logged only once synced: a logged event survives a crash of the shipper.
            Ok(Ok(batch)) => log_published(&batch),
            Ok(Err(e)) => {
                tracing::error!(events = n, "cannot write to the disk queue: {e}");
                lost += n;
            }
            Err(_) => lost += n,
        }
    }
    let _ = written.send(true);
    lost
}

/// Metricbeat's `-d publish` line, one per event, once the event is in the queue (with the
/// disk queue: synced to disk). Tests and users take these `_id`s as what was accepted.
fn log_published(events: &[Event]) {
    if tracing::enabled!(target: PUBLISH, tracing::Level::DEBUG) {
        for e in events {
            tracing::debug!(target: PUBLISH, "Publish event: _id={} {}", e.id, e.source);
        }
    }
}

/// The target of the `publish` selector.
const PUBLISH: &str = "ironstack_shipper::publish";

/// Empties the channel once its senders are gone; how many events it held.
fn drain_count(events: &mut mpsc::Receiver<Event>) -> usize {
    let mut n = 0;
    while events.try_recv().is_ok() {
        n += 1;
    }
    n
}

/// Publishes from disk in order, acknowledging each batch once it is settled; stops when the
/// writer is done and the queue is empty, or when stopping leaves a batch unsent (it stays on
/// disk for the next run).
async fn disk_reader(
    queue: Arc<DiskQueue>,
    mut publisher: Publisher,
    batch: usize,
    mut written: watch::Receiver<bool>,
) -> usize {
    loop {
        let q = queue.clone();
        let read = tokio::task::spawn_blocking(move || q.read(batch.max(1))).await;
        let (events, position) = match read {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tracing::error!("cannot read the disk queue: {e}");
                return 0;
            }
            Err(_) => return 0,
        };
        if events.is_empty() {
            if *written.borrow() {
                return 0;
            }
            tokio::select! {
                _ = queue.changed.notified() => {}
                _ = written.changed() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            continue;
        }
        let unsent = publisher.publish(events).await;
        if !unsent.is_empty() {
            tracing::warn!(
                events = unsent.len(),
                "stopping with events left in the disk queue; they are sent on the next start"
            );
            return 0;
        }
        if let Err(e) = queue.ack(position) {
            tracing::error!("cannot record progress in the disk queue: {e}");
            return 0;
        }
    }
}
