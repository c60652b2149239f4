//! What request handlers share: the node's identity, the security gate, HTTP connection
//! counters, and the process probe, data path and store totals behind `_nodes/stats`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use ironstack_security::gate::Gate;

use crate::stats::ProcessProbe;

/// Who this node is.
#[derive(Debug, Clone)]
pub(crate) struct NodeIdentity {
    pub(crate) node_name: String,
    pub(crate) cluster_name: String,
    pub(crate) cluster_uuid: String,
    pub(crate) node_id: String,
    pub(crate) license_uid: String,
    pub(crate) license_issue_date_millis: i64,
}

/// HTTP connection counters (`http.current_open`, `http.total_opened`); `current_open` is
/// also what the connection cap counts.
#[derive(Debug, Default)]
pub(crate) struct HttpStats {
    current_open: AtomicU64,
    total_opened: AtomicU64,
}

impl HttpStats {
    /// Counts a new connection unless `max` are open already (`http.max_open_connections`).
    pub(crate) fn try_open(self: &Arc<Self>, max: u64) -> Option<ConnectionGuard> {
        self.current_open
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        self.total_opened.fetch_add(1, Ordering::Relaxed);
        Some(ConnectionGuard(self.clone()))
    }
    pub(crate) fn current_open(&self) -> u64 {
        self.current_open.load(Ordering::Relaxed)
    }
    pub(crate) fn total_opened(&self) -> u64 {
        self.total_opened.load(Ordering::Relaxed)
    }
}

/// Decrements `current_open` when the connection ends, however it ends.
pub(crate) struct ConnectionGuard(Arc<HttpStats>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.current_open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Shared state of the REST layer.
pub(crate) struct AppState {
    pub(crate) identity: NodeIdentity,
    /// Authentication and authorization; `None` when `xpack.security.enabled: false`.
    pub(crate) gate: Option<Arc<Gate>>,
    pub(crate) http_stats: Arc<HttpStats>,
    pub(crate) max_content_length: u64,
    pub(crate) started: Instant,
    /// When the node started, in epoch milliseconds (its shards' recoveries began then).
    pub(crate) started_millis: i64,
    /// When the store began and finished opening the indices it found (epoch ms); set once
    /// at start (`_recovery` times its shards' recoveries by it).
    pub(crate) store_open_window: OnceLock<(i64, i64)>,
    /// Whether HTTP is served over TLS (`xpack.security.http.ssl.enabled`); set once at start.
    pub(crate) http_ssl: OnceLock<bool>,
    /// Persistent and transient cluster settings (`_cluster/settings`).
    pub(crate) cluster_settings: crate::cluster_settings::ClusterSettings,
    /// Filled once the listeners are bound.
    pub(crate) bound: OnceLock<Vec<SocketAddr>>,
    pub(crate) probe: Mutex<ProcessProbe>,
    /// `GET /`, rendered once.
    pub(crate) main_body: Arc<crate::rest::PrerenderedJson>,
    /// The files behind `_ssl/certificates` (rest/ssl.rs); set once at start-up.
    pub(crate) certificate_sources: OnceLock<Vec<crate::rest::ssl::CertificateSource>>,
    /// `xpack.security.enrollment.enabled`: whether `_security/enroll/*` answers; set once.
    pub(crate) enrollment_enabled: OnceLock<bool>,
    /// The audit trail (audit_trail.rs), when `xpack.security.audit.enabled`; set once.
    pub(crate) audit: OnceLock<crate::audit_trail::AuditTrail>,
    /// Ticks whenever the cluster's health may have changed; `_cluster/health` waits on it.
    pub(crate) health_changes: tokio::sync::watch::Sender<u64>,
    /// How long a request body may go without a byte arriving (`http.read_timeout`).
    pub(crate) body_idle_timeout: std::time::Duration,
    /// `path.data`, whose file system `_nodes/stats` reports under `fs`.
    pub(crate) data_path: Option<std::path::PathBuf>,
    /// The store's totals for `_nodes/stats` `indices`; zeros until the store sets it (once).
    pub(crate) indices_totals: OnceLock<crate::rest::node_stats::IndicesTotalsSource>,
    /// The document store; `None` only in tests of APIs that need none.
    pub(crate) store: Option<Arc<ironstack_store::service::StoreService>>,
    /// Who opened each point in time and scroll, and where each scroll is.
    pub(crate) reader_contexts: crate::rest::ReaderContexts,
}

impl AppState {
    pub(crate) fn new(
        identity: NodeIdentity,
        gate: Option<Arc<Gate>>,
        max_content_length: u64,
    ) -> Self {
        Self {
            main_body: Arc::new(crate::rest::main_body(&identity)),
            identity,
            gate,
            http_stats: Arc::new(HttpStats::default()),
            max_content_length,
            started: Instant::now(),
            started_millis: ironstack_types::date::now_millis(),
            http_ssl: OnceLock::new(),
            store_open_window: OnceLock::new(),
            cluster_settings: crate::cluster_settings::ClusterSettings::in_memory(),
            bound: OnceLock::new(),
            probe: Mutex::new(ProcessProbe::default()),
            certificate_sources: OnceLock::new(),
            enrollment_enabled: OnceLock::new(),
            audit: OnceLock::new(),
            health_changes: tokio::sync::watch::Sender::new(0),
            body_idle_timeout: crate::rest::BODY_IDLE_TIMEOUT,
            data_path: None,
            indices_totals: OnceLock::new(),
            store: None,
            reader_contexts: crate::rest::ReaderContexts::default(),
        }
    }

    /// With the document store.
    pub(crate) fn with_store(mut self, store: Arc<ironstack_store::service::StoreService>) -> Self {
        self.store = Some(store);
        self
    }

    /// With `path.data`, whose device counters are sampled now: `fs.io_stats` count from here.
    pub(crate) fn with_data_path(mut self, path: std::path::PathBuf) -> Self {
        self.probe
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .prime_fs(&path);
        self.data_path = Some(path);
        self
    }

    /// With the cluster settings loaded from `path.data`.
    pub(crate) fn with_cluster_settings(
        mut self,
        settings: crate::cluster_settings::ClusterSettings,
    ) -> Self {
        self.cluster_settings = settings;
        self
    }

    /// With `http.read_timeout` (when set) as the body idle timeout.
    pub(crate) fn with_read_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
        if let Some(t) = timeout {
            self.body_idle_timeout = t;
        }
        self
    }

    /// The address clients are told to use (`http.publish_address`).
    pub(crate) fn publish_address(&self) -> String {
        self.bound
            .get()
            .and_then(|b| b.first())
            .map_or_else(|| "127.0.0.1:9200".to_string(), ToString::to_string)
    }

    pub(crate) fn bound_addresses(&self) -> Vec<String> {
        self.bound
            .get()
            .map(|b| b.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    pub(crate) fn publish_ip(&self) -> String {
        self.bound
            .get()
            .and_then(|b| b.first())
            .map_or_else(|| "127.0.0.1".to_string(), |a| a.ip().to_string())
    }
}
