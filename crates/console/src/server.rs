//! Start-up and the listener: binds `server.host:server.port`, serves HTTPS from the one TLS
//! builder (hot-reloaded certificates) or plain HTTP, and runs the start-up gate (the node's
//! version checked as the console's own user, retried until it succeeds, with the cause
//! logged) and the session clean-up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::Method;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use ironstack_tls::{ReloadableServerConfig, Secret};
use tokio::net::TcpListener;

use crate::config::{ConsoleConfig, InternalCredentials};
use crate::node_client::NodeClient;
use crate::routes::{self, App};
use crate::session::Sessions;
use crate::{Error, Result};

/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Kibana's `elasticsearch.healthCheck.delay`.
const HEALTH_CHECK_DELAY: Duration = Duration::from_millis(2500);

/// A running console.
pub struct Running {
    /// The bound address.
    pub local_addr: std::net::SocketAddr,
}

/// Builds everything from the configuration and binds the listener; the returned future
/// serves until the process ends.
pub async fn start(
    config: ConsoleConfig,
) -> Result<(Running, impl std::future::Future<Output = ()>)> {
    let tls = match &config.server_tls {
        Some(settings) => Some(ReloadableServerConfig::new(settings.clone())?),
        None => {
            tracing::warn!(
                "Session cookies will be transmitted over insecure connections. This is not recommended: set [server.ssl.enabled] with a certificate"
            );
            None
        }
    };
    crate::certificates::warn_about_expiry(&config);
    if config.encryption_key.is_none() {
        tracing::warn!(
            "Generating a random key for xpack.security.encryptionKey. To prevent sessions from being invalidated on restart, please set xpack.security.encryptionKey in the console configuration"
        );
    }
    let internal_authorization = match &config.credentials {
        Some(InternalCredentials::Basic { username, password }) => Some(Secret::new(format!(
            "Basic {}",
            STANDARD.encode(format!("{username}:{}", password.expose()))
        ))),
        Some(InternalCredentials::ServiceAccountToken(token)) => {
            Some(Secret::new(format!("Bearer {}", token.expose())))
        }
        None => None,
    };
    let app = Arc::new(App {
        node: Arc::new(NodeClient::new(&config)?),
        sessions: Sessions::new(
            config.encryption_key.as_ref(),
            config.idle_timeout,
            config.lifespan,
        )?,
        internal_authorization,
        ready: AtomicBool::new(false),
        secure_cookies: config.server_tls.is_some(),
        alerts: Default::default(),
        config,
    });
    let address = format!("{}:{}", app.config.host, app.config.port);
    let listener = TcpListener::bind((app.config.host.as_str(), app.config.port))
        .await
        .map_err(|source| Error::Bind {
            address: address.clone(),
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| Error::Bind {
        address: address.clone(),
        source,
    })?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(
        "Server running at {scheme}://{}:{}{}",
        app.config.host,
        local_addr.port(),
        app.config.base_path
    );
    let router = routes::router(app.clone());
    let serve = serve(listener, tls, router, app);
    Ok((Running { local_addr }, serve))
}

async fn serve(
    listener: TcpListener,
    tls: Option<Arc<ReloadableServerConfig>>,
    router: axum::Router,
    app: Arc<App>,
) {
    if let Some(tls) = &tls {
        // Dropping the handle detaches the watcher; it runs for the life of the process.
        drop(tls.spawn_watcher(ironstack_tls::DEFAULT_RELOAD_INTERVAL));
    }
    tokio::spawn(startup_gate(app.clone()));
    let rules_app = app.clone();
    tokio::spawn(async move {
        // Stack Monitoring's default rules, every minute once the node answered.
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if rules_app.ready.load(std::sync::atomic::Ordering::Acquire) {
                crate::monitoring::rules::run_once(&rules_app, ironstack_types::date::now_millis())
                    .await;
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            app.sessions.purge_expired().await;
        }
    });
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let router = router.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = TowerToHyperService::new(router);
            let builder = Builder::new(TokioExecutor::new());
            match tls {
                Some(tls) => {
                    let acceptor = tokio_rustls::TlsAcceptor::from(tls.current());
                    let stream =
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(e)) => {
                                tracing::debug!("TLS handshake with {peer} failed: {e}");
                                return;
                            }
                            Err(_) => return,
                        };
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
                None => {
                    let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                }
            }
        });
    }
}

/// Whether the node's version can serve this console: same major, minor at least ours.
pub(crate) fn compatible(node_version: &str, console_version: &str) -> bool {
    let parse = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.split(['.', '-']);
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match (parse(node_version), parse(console_version)) {
        (Some((nm, nn)), Some((cm, cn))) => nm == cm && nn >= cn,
        _ => false,
    }
}

/// Polls the node until its version answers as the console's user and is compatible.
async fn startup_gate(app: Arc<App>) {
    let console_version = ironstack_types::info::ES_VERSION;
    let mut last_problem = String::new();
    loop {
        let problem = match &app.internal_authorization {
            None => "no credentials for the node: set [elasticsearch.username]/[elasticsearch.password] (kibana_system) or [elasticsearch.serviceAccountToken]".to_string(),
            Some(auth) => match app.node.request(Method::GET, "/", Some(auth), None).await {
                Ok(answer) if answer.ok() => {
                    let version = answer.body["version"]["number"].as_str().unwrap_or("");
                    if compatible(version, console_version) {
                        match prepare(&app, auth).await {
                            Ok(()) => {
                                app.ready.store(true, Ordering::Release);
                                tracing::info!("Kibana is now available (node version {version})");
                                return;
                            }
                            Err(problem) => problem,
                        }
                    } else {
                    format!(
                        "This version of Kibana (v{console_version}) is incompatible with the following Elasticsearch nodes in your cluster: v{version} @ {}",
                        app.node_hosts()
                    )
                    }
                }
                Ok(answer) => format!(
                    "Unable to retrieve version information from Elasticsearch nodes. {} ({})",
                    answer.reason(),
                    answer.status
                ),
                Err(e) => format!("Unable to retrieve version information from Elasticsearch nodes. {e}"),
            },
        };
        if problem != last_problem {
            tracing::error!("{problem}");
            last_problem = problem;
        }
        tokio::time::sleep(HEALTH_CHECK_DELAY).await;
    }
}

/// The rest of the gate once the node answers: the session index, Kibana's application
/// privileges (written only when they differ), `.kibana` and the default space.
async fn prepare(app: &App, auth: &Secret) -> std::result::Result<(), String> {
    if !app.sessions.has_index() {
        match app.sessions.use_index(app.node.clone(), auth.clone()).await {
            Ok(()) => tracing::info!("Sessions are stored in [{}]", crate::session::SESSION_INDEX),
            Err(e) => tracing::warn!("{e}; sessions are kept in memory and end with a restart"),
        }
    }
    crate::kibana::register(&app.node, auth).await?;
    crate::spaces::SpaceStore {
        node: &app.node,
        authorization: auth,
    }
    .prepare()
    .await
}

impl App {
    fn node_hosts(&self) -> String {
        self.config
            .hosts
            .iter()
            .map(|h| h.uri())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_compatibility_is_kibanas_rule() {
        assert!(compatible("9.1.0", "9.1.0"));
        assert!(compatible("9.2.3", "9.1.0"));
        assert!(!compatible("9.0.9", "9.1.0"));
        assert!(!compatible("8.19.0", "9.1.0"));
        assert!(!compatible("", "9.1.0"));
        assert!(compatible("9.1.0-SNAPSHOT", "9.1.0"));
    }
}
