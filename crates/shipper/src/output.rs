//! The Elasticsearch output worker: Metricbeat's connect sequence (`GET /` for the version,
//! then the index-management callback that loads what is missing) and batch publishing with
//! the retry rules of libbeat: a transport failure or non-2xx bulk retries the whole batch
//! and reconnects with equal-jitter backoff; 413 splits the batch in halves; per-item results
//! follow [`crate::bulk`]. A batch gets `max_retries + 1` publish attempts; an outage (no
//! connection) never uses them up, so nothing is dropped while Elasticsearch is unreachable.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::Method;
use serde_json::Value;
use tokio::sync::watch;

use crate::bulk::{self, ItemOutcome};
use crate::client::EsClient;
use crate::config::{OutputConfig, SetupConfig};
use crate::event::Event;
use crate::index_management;
use crate::{Error, Result};

/// Counters of `libbeat.output.events.*` and `libbeat.pipeline.events.*`.
#[derive(Debug, Default)]
pub struct Stats {
    /// Events indexed.
    pub acked: AtomicU64,
    /// Events already there (409).
    pub duplicates: AtomicU64,
    /// Events answered 429.
    pub toomany: AtomicU64,
    /// Events dropped as not indexable (non-retryable 4xx, single-event 413).
    pub dropped: AtomicU64,
    /// Events sent to the dead letter index instead of being dropped
    /// (`libbeat.output.events.dead_letter`).
    pub dead_letter: AtomicU64,
    /// Events dropped after `max_retries` (`libbeat.pipeline.events.dropped`).
    pub dropped_retries: AtomicU64,
    /// The output cluster's `cluster_uuid` (from `GET /`), for self-monitoring.
    pub cluster_uuid: std::sync::Mutex<Option<String>>,
    /// Events sent again.
    pub retry: AtomicU64,
    /// Bulk requests sent.
    pub batches: AtomicU64,
    /// Failed publish attempts (transport, non-2xx, unreadable 200).
    pub failed: AtomicU64,
    /// Events handed to `_bulk` (each attempt counts: `libbeat.output.events.total`).
    pub total: AtomicU64,
    /// Events in a bulk request now.
    pub active: AtomicU64,
    /// Request body bytes written.
    pub write_bytes: AtomicU64,
    /// Requests that could not be written or got no answer.
    pub write_errors: AtomicU64,
    /// Response bytes read.
    pub read_bytes: AtomicU64,
    /// Responses that could not be read as a bulk response.
    pub read_errors: AtomicU64,
    /// Events the metricsets produced (`libbeat.pipeline.events.total`).
    pub pipeline_total: AtomicU64,
    /// Events dropped by processors (`libbeat.pipeline.events.filtered`).
    pub pipeline_filtered: AtomicU64,
    /// Events that entered the queue (`libbeat.pipeline.events.published`).
    pub pipeline_published: AtomicU64,
    /// `metricbeat.<module>.<metricset>.{events,success,failures}` by `module.metricset`.
    pub metricsets: std::sync::Mutex<std::collections::BTreeMap<String, MetricSetCounters>>,
}

/// One metricset's fetch counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MetricSetCounters {
    /// Events produced (error events included).
    pub events: u64,
    /// Successful fetches.
    pub success: u64,
    /// Failed fetches.
    pub failures: u64,
}

impl Stats {
    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Records one fetch of `module.metricset` that produced `events` events.
    pub fn record_fetch(&self, key: &str, ok: bool, events: usize) {
        if let Ok(mut map) = self.metricsets.lock() {
            let c = map.entry(key.to_string()).or_default();
            c.events += events as u64;
            if ok {
                c.success += 1;
            } else {
                c.failures += 1;
            }
        }
    }

    /// A copy of the metricset counters.
    pub fn metricset_counters(&self) -> std::collections::BTreeMap<String, MetricSetCounters> {
        self.metricsets
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// A one-line summary for the log.
    pub fn summary(&self) -> String {
        format!(
            "acked={} duplicates={} toomany={} dropped={} retry={} batches={} failed={}",
            self.acked.load(Ordering::Relaxed),
            self.duplicates.load(Ordering::Relaxed),
            self.toomany.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed) + self.dropped_retries.load(Ordering::Relaxed),
            self.retry.load(Ordering::Relaxed),
            self.batches.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}

/// Equal-jitter exponential backoff (libbeat's `backoff.init` → `backoff.max`).
#[derive(Debug, Clone)]
pub struct Backoff {
    init: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    /// Starts at `init`.
    pub fn new(init: Duration, max: Duration) -> Backoff {
        Backoff {
            init,
            max,
            current: init,
        }
    }

    /// The next wait: half the current step plus a random part of the other half; the step
    /// then doubles up to `max`.
    pub fn next_wait(&mut self) -> Duration {
        let step = self.current;
        self.current = (self.current * 2).min(self.max);
        let half = step / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(if jitter_ms == 0 {
            0
        } else {
            rand::random_range(0..=jitter_ms)
        })
    }

    /// Back to `init` after a success.
    pub fn reset(&mut self) {
        self.current = self.init;
    }
}

/// One output worker.
pub struct Publisher {
    client: EsClient,
    output: OutputConfig,
    setup: SetupConfig,
    stats: Arc<Stats>,
    backoff: Backoff,
    connected: bool,
    /// Set when the shipper is stopping: connection attempts give up instead of waiting.
    stopping: watch::Receiver<bool>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// `major.minor` of a version string.
fn major_minor(v: &str) -> Option<(u64, u64)> {
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.split('-').next()?.parse().ok()?;
    Some((major, minor))
}

impl Publisher {
    /// A worker publishing through `client`.
    pub fn new(
        client: EsClient,
        output: OutputConfig,
        setup: SetupConfig,
        stats: Arc<Stats>,
        stopping: watch::Receiver<bool>,
    ) -> Publisher {
        let backoff = Backoff::new(output.backoff_init, output.backoff_max);
        Publisher {
            client,
            output,
            setup,
            stats,
            backoff,
            connected: false,
            stopping,
        }
    }

    /// The connect sequence: `GET /`, version gate, then the index-management callback.
    async fn connect(&mut self) -> Result<()> {
        let r = self.client.request(Method::GET, "/", None).await?;
        if !r.status.is_success() {
            return Err(Error::Response(format!(
                "connection to {} failed: GET / returned {} {}",
                self.client.host(),
                r.status.as_u16(),
                r.reason()
            )));
        }
        if let Some(uuid) = r.json().and_then(|v| {
            v.get("cluster_uuid")
                .and_then(Value::as_str)
                .map(str::to_string)
        }) && let Ok(mut slot) = self.stats.cluster_uuid.lock()
        {
            *slot = Some(uuid);
        }
        let version = r
            .json()
            .and_then(|v| {
                v.pointer("/version/number")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .ok_or_else(|| {
                Error::Response(format!(
                    "{} did not answer GET / with an Elasticsearch version",
                    self.client.host()
                ))
            })?;
        tracing::info!(host = %self.client.host(), version = %version, "Attempting to connect to Elasticsearch version {version}");
        if !self.output.allow_older_versions
            && let (Some(es), Some(own)) =
                (major_minor(&version), major_minor(crate::config::VERSION))
            && es < own
        {
            return Err(Error::Response(format!(
                "Elasticsearch is too old: {version} is older than the shipper {}",
                crate::config::VERSION
            )));
        }
        let mut policy_created = false;
        let setup = self.setup.clone();
        if setup.ilm_enabled {
            policy_created = index_management::ensure_ilm_policy(
                &mut self.client,
                &setup.ilm_policy_name,
                setup.ilm_overwrite,
                setup.ilm_check_exists,
            )
            .await?;
        }
        if setup.template_enabled {
            index_management::ensure_template(
                &mut self.client,
                &setup.template_name,
                &setup.template_pattern,
                setup.ilm_enabled.then_some(setup.ilm_policy_name.as_str()),
                setup.template_overwrite || policy_created,
            )
            .await?;
            let index = self.output.index.clone();
            if index_management::pattern_matches(&setup.template_pattern, &index) {
                index_management::ensure_data_stream(&mut self.client, &index).await?;
            }
        }
        Ok(())
    }

    /// Connects (retrying with backoff, without limit unless stopping). Whether connected.
    async fn ensure_connected(&mut self) -> bool {
        while !self.connected {
            match self.connect().await {
                Ok(()) => {
                    self.connected = true;
                    self.backoff.reset();
                }
                Err(e) => {
                    self.client.close();
                    tracing::error!(host = %self.client.host(), "Failed to connect to backoff(elasticsearch({})): {e}", self.client.host());
                    if *self.stopping.borrow() {
                        return false;
                    }
                    let wait = self.backoff.next_wait();
                    let mut stopping = self.stopping.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stopping.wait_for(|s| *s) => {}
                    }
                }
            }
        }
        true
    }

    /// Publishes `events` until each is acked, a duplicate, or dropped. Returns the events
    /// that could not be sent because the shipper is stopping and the host is unreachable.
    pub async fn publish(&mut self, events: Vec<Event>) -> Vec<Event> {
        let attempts = if self.output.max_retries < 0 {
            None
        } else {
            Some(self.output.max_retries.saturating_add(1))
        };
        let chunk = if self.output.bulk_max_size == 0 {
            events.len().max(1)
        } else {
            self.output.bulk_max_size
        };
        // Pending work: (events, attempts left). Splits push both halves.
        let mut pending: Vec<(Vec<Event>, Option<i64>)> = Vec::new();
        let mut rest = events;
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(chunk));
            pending.push((rest, attempts));
            rest = tail;
        }
        pending.reverse();
        let mut unsent = Vec::new();
        while let Some((batch, left)) = pending.pop() {
            if batch.is_empty() {
                continue;
            }
            if !self.ensure_connected().await {
                unsent.extend(batch);
                for (b, _) in pending.drain(..) {
                    unsent.extend(b);
                }
                break;
            }
            match self.send(&batch).await {
                SendResult::Done => self.backoff.reset(),
                SendResult::NotConnected => pending.push((batch, left)),
                SendResult::TooLarge => {
                    if batch.len() == 1 {
                        Stats::add(&self.stats.dropped, 1);
                        tracing::error!(
                            "Cannot index event: the request is larger than the server accepts even for one event (413); check http.max_content_length and bulk_max_size; dropping event {}",
                            batch[0].source
                        );
                    } else {
                        let mut first = batch;
                        let second = first.split_off(first.len() / 2);
                        pending.push((second, left));
                        pending.push((first, left));
                    }
                }
                SendResult::Retry(failed) => {
                    let left = left.map(|l| l - 1);
                    if left.is_some_and(|l| l <= 0) {
                        Stats::add(&self.stats.dropped_retries, failed.len());
                        tracing::error!(
                            events = failed.len(),
                            "dropping events after {} publish attempts (max_retries: {})",
                            attempts.unwrap_or(0),
                            self.output.max_retries
                        );
                        continue;
                    }
                    Stats::add(&self.stats.retry, failed.len());
                    pending.push((failed, left));
                    let wait = self.backoff.next_wait();
                    tokio::time::sleep(wait).await;
                }
            }
        }
        unsent
    }

    async fn send(&mut self, batch: &[Event]) -> SendResult {
        let body = bulk::encode(batch, &self.output.index);
        let mut query = bulk::BULK_QUERY.to_string();
        for (k, v) in &self.output.parameters {
            query.push('&');
            query.push_str(&encode_query(k));
            query.push('=');
            query.push_str(&encode_query(v));
        }
        // A keep-alive connection the server closed while idle is only found dead when used,
        // and a server that went away is not a failed publish: in both cases open a fresh
        // connection first; if that fails, the batch waits for the reconnect (no attempt used).
        // The resend is harmless: the `_id`s turn anything already indexed into 409s.
        let mut resend_on_fresh_connection = true;
        let response = loop {
            if let Err(e) = self.client.ensure_open().await {
                tracing::error!("failed to publish events: {e}");
                self.connected = false;
                return SendResult::NotConnected;
            }
            Stats::add(&self.stats.batches, 1);
            Stats::add(&self.stats.total, batch.len());
            Stats::add(&self.stats.active, batch.len());
            let result = self
                .client
                .request(Method::POST, &format!("/_bulk?{query}"), Some(body.clone()))
                .await;
            self.stats
                .active
                .fetch_sub(batch.len() as u64, Ordering::Relaxed);
            if let Ok(r) = &result {
                Stats::add(&self.stats.write_bytes, r.sent);
                Stats::add(&self.stats.read_bytes, r.body.len());
            } else {
                Stats::add(&self.stats.write_errors, 1);
            }
            match result {
                Ok(r) => break r,
                Err(e) if resend_on_fresh_connection => {
                    tracing::debug!("bulk request failed ({e}); resending on a new connection");
                    resend_on_fresh_connection = false;
                }
                Err(e) => {
                    tracing::error!("failed to publish events: {e}");
                    Stats::add(&self.stats.failed, batch.len());
                    self.connected = false;
                    return SendResult::Retry(batch.to_vec());
                }
            }
        };
        let status = response.status.as_u16();
        if status == 413 {
            return SendResult::TooLarge;
        }
        if status >= 300 {
            tracing::error!(
                status,
                "failed to publish events: bulk request returned {status} {}",
                response.reason()
            );
            Stats::add(&self.stats.failed, batch.len());
            self.client.close();
            self.connected = false;
            if status == 429 {
                Stats::add(&self.stats.toomany, batch.len());
            }
            return SendResult::Retry(batch.to_vec());
        }
        let outcomes = match bulk::classify(&response.body, batch.len()) {
            Ok(o) => o,
            Err(reason) => {
                tracing::error!("failed to publish events: {reason}");
                Stats::add(&self.stats.read_errors, 1);
                Stats::add(&self.stats.failed, batch.len());
                return SendResult::Retry(batch.to_vec());
            }
        };
        let mut retry = Vec::new();
        for (event, outcome) in batch.iter().zip(outcomes) {
            match outcome {
                ItemOutcome::Acked => Stats::add(&self.stats.acked, 1),
                ItemOutcome::Duplicate => Stats::add(&self.stats.duplicates, 1),
                ItemOutcome::Retry { too_many, .. } => {
                    if too_many {
                        Stats::add(&self.stats.toomany, 1);
                    }
                    retry.push(event.clone());
                }
                ItemOutcome::Drop { status, reason } => match &self.output.dead_letter_index {
                    // An event refused by the dead letter index itself is dropped, not
                    // wrapped again.
                    Some(dli) if event.index.as_deref() != Some(dli.as_str()) => {
                        Stats::add(&self.stats.dead_letter, 1);
                        tracing::warn!(status, id = %event.id, "Cannot index event (status={status}): {reason}, sending it to the dead letter index [{dli}]");
                        retry.push(dead_letter_event(event, dli, status, &reason));
                    }
                    _ => {
                        Stats::add(&self.stats.dropped, 1);
                        tracing::warn!(status, id = %event.id, "Cannot index event (status={status}): {reason}, dropping event! {}", event.source);
                    }
                },
            }
        }
        if retry.is_empty() {
            SendResult::Done
        } else {
            SendResult::Retry(retry)
        }
    }
}

/// What the dead letter index keeps of an event Elasticsearch refused (as libbeat writes it):
/// the original document as text in `message`, the item's status and reason under `error`.
/// It keeps the event's `_id`, so a retried dead letter is a 409, not a copy.
fn dead_letter_event(event: &Event, index: &str, status: u16, reason: &str) -> Event {
    let document = serde_json::json!({
        "@timestamp": ironstack_types::date::format_iso_millis(ironstack_types::date::Timestamp::now()),
        "message": event.source,
        "error": {"type": status, "message": reason},
    });
    Event {
        id: event.id.clone(),
        source: document.to_string(),
        index: Some(index.to_string()),
    }
}

enum SendResult {
    Done,
    TooLarge,
    Retry(Vec<Event>),
    /// The server could not be reached before anything was sent: not a publish attempt.
    NotConnected,
}

pub(crate) fn encode_query(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_equal_jitter_and_capped() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(4));
        let w = b.next_wait();
        assert!(
            w >= Duration::from_millis(500) && w <= Duration::from_secs(1),
            "{w:?}"
        );
        let w = b.next_wait();
        assert!(
            w >= Duration::from_secs(1) && w <= Duration::from_secs(2),
            "{w:?}"
        );
        b.next_wait();
        let w = b.next_wait();
        assert!(
            w >= Duration::from_secs(2) && w <= Duration::from_secs(4),
            "{w:?}"
        );
        b.reset();
        assert!(b.next_wait() <= Duration::from_secs(1));
    }

    #[test]
    fn versions_and_query_encoding() {
        assert_eq!(major_minor("9.1.0"), Some((9, 1)));
        assert_eq!(major_minor("8.19-SNAPSHOT"), Some((8, 19)));
        assert_eq!(major_minor("x"), None);
        assert_eq!(encode_query("a b&c"), "a%20b%26c");
    }
}
