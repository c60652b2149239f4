//! Hot reload of the server configuration: the current `Arc<ServerConfig>` behind an
//! `ArcSwap`, a watcher task that hashes every source file every N seconds, rebuilds on a
//! change, swaps on success and keeps the old configuration (logging the reason) on failure.
//! Connections already accepted keep the configuration they started with.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls_pki_types::CertificateDer;
use sha2::{Digest, Sha256};

use crate::material::CertificateInfo;
use crate::{Result, ServerTlsSettings, server};

/// How often the watcher looks at the files by default.
pub const DEFAULT_RELOAD_INTERVAL: Duration = Duration::from_secs(5);

/// Certificates expiring within this window are reported by
/// [`ReloadableServerConfig::expiry_warnings`].
pub const EXPIRY_WARNING_WINDOW: Duration = Duration::from_secs(30 * 24 * 60 * 60);

struct Served {
    config: Arc<ServerConfig>,
    chain: Vec<CertificateDer<'static>>,
}

/// What a reload check did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// No source file changed since the last check.
    Unchanged,
    /// A file changed and the new configuration is now served.
    Reloaded,
}

/// The node's server configuration, swappable while connections are open.
pub struct ReloadableServerConfig {
    settings: ServerTlsSettings,
    served: ArcSwap<Served>,
    /// Digest of the files at the last build attempt, successful or not, so that a broken
    /// file is reported once rather than at every tick.
    last_digest: Mutex<[u8; 32]>,
}

impl fmt::Debug for ReloadableServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReloadableServerConfig")
            .field("files", &self.settings.files())
            .finish()
    }
}

impl ReloadableServerConfig {
    /// Builds the first configuration; an error here means the node must not start.
    pub fn new(settings: ServerTlsSettings) -> Result<Arc<Self>> {
        // Hash before building, so a file replaced during the build is seen next time.
        let digest = files_digest(&settings.files());
        let built = server::build(&settings)?;
        Ok(Arc::new(ReloadableServerConfig {
            settings,
            served: ArcSwap::from_pointee(Served {
                config: built.config,
                chain: built.chain,
            }),
            last_digest: Mutex::new(digest),
        }))
    }

    /// The configuration to use for the next accepted connection
    /// (`tokio_rustls::TlsAcceptor::from(reloadable.current())`).
    pub fn current(&self) -> Arc<ServerConfig> {
        self.served.load().config.clone()
    }

    /// The settings the configuration is built from.
    pub fn settings(&self) -> &ServerTlsSettings {
        &self.settings
    }

    /// The files watched for changes.
    pub fn watched_files(&self) -> Vec<PathBuf> {
        self.settings.files()
    }

    /// Rebuilds if any source file changed since the last attempt. On error the previous
    /// configuration stays in place.
    pub fn check_for_changes(&self) -> Result<ReloadOutcome> {
        let digest = files_digest(&self.settings.files());
        {
            let mut last = self
                .last_digest
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if *last == digest {
                return Ok(ReloadOutcome::Unchanged);
            }
            *last = digest;
        }
        let built = server::build(&self.settings)?;
        self.served.store(Arc::new(Served {
            config: built.config,
            chain: built.chain,
        }));
        Ok(ReloadOutcome::Reloaded)
    }

    /// Starts a task (on the current tokio runtime) that calls
    /// [`Self::check_for_changes`] every `interval`, logging reloads with `tracing::info!`
    /// and failures with `tracing::error!`. It ends when the last `Arc` to `self` is dropped,
    /// or when the returned handle is aborted.
    pub fn spawn_watcher(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let Some(this) = weak.upgrade() else {
                    break;
                };
                let files = this.watched_files();
                // Reading and parsing files blocks; keep it off the async workers.
                match tokio::task::spawn_blocking(move || this.check_for_changes()).await {
                    Ok(Ok(ReloadOutcome::Unchanged)) => {}
                    Ok(Ok(ReloadOutcome::Reloaded)) => {
                        tracing::info!(files = ?files, "reloaded the TLS certificates");
                    }
                    Ok(Err(error)) => {
                        tracing::error!(%error, "cannot reload the TLS certificates; still serving the previous ones");
                    }
                    Err(error) => {
                        tracing::error!(%error, "the TLS reload check failed");
                    }
                }
            }
        })
    }

    /// Served certificates (leaf and chain) that expire within `within`, or have expired.
    pub fn expiry_warnings(&self, within: Duration) -> Vec<CertificateExpiry> {
        expiring_certificates(&self.served.load().chain, within)
    }
}

/// A served certificate close to (or past) its end of validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateExpiry {
    /// Its subject.
    pub subject: String,
    /// Its end of validity.
    pub not_after: SystemTime,
    /// Whole days left (0 when expired or expiring today).
    pub days_left: u64,
}

impl fmt::Display for CertificateExpiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.not_after <= SystemTime::now() {
            write!(f, "the certificate [{}] has expired", self.subject)
        } else {
            write!(
                f,
                "the certificate [{}] expires in {} day(s)",
                self.subject, self.days_left
            )
        }
    }
}

/// The certificates of `chain` that expire within `within`.
pub fn expiring_certificates(
    chain: &[CertificateDer<'_>],
    within: Duration,
) -> Vec<CertificateExpiry> {
    let now = SystemTime::now();
    chain
        .iter()
        .filter_map(|c| CertificateInfo::parse(c).ok())
        .filter(|info| info.not_after <= now + within)
        .map(|info| CertificateExpiry {
            days_left: info
                .not_after
                .duration_since(now)
                .map(|d| d.as_secs() / 86_400)
                .unwrap_or(0),
            subject: info.subject,
            not_after: info.not_after,
        })
        .collect()
}

/// SHA-256 over every file's path and content (or its read error), in order.
fn files_digest(files: &[PathBuf]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update([0]);
        match std::fs::read(file) {
            Ok(content) => {
                hasher.update([1]);
                hasher.update(Sha256::digest(&content));
            }
            Err(error) => {
                hasher.update([2]);
                hasher.update(format!("{:?}", error.kind()).as_bytes());
            }
        }
    }
    hasher.finalize().into()
}
