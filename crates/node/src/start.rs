//! Start-up, in order: configuration → logging → keystore → security auto-configuration (first
//! start only) → TLS → node identity and security store → bind → serve until SIGTERM/SIGINT.
//! Every failure before serving is one `ERROR:` line naming the setting or file; a failure
//! after auto-configuration undoes it, so the next start begins from scratch.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ironstack_config::{
    HTTP_SSL_KEYSTORE_SECURE_PASSWORD, HTTP_SSL_SECURE_KEY_PASSPHRASE,
    HTTP_SSL_TRUSTSTORE_SECURE_PASSWORD, LoadOptions, NodeConfig, env_vars,
};
use ironstack_keystore::{KeyCacheOutcome, Keystore, UnprotectedKeyCache};
use ironstack_keystore_cli::password::{PASSWORD_FILE_ENV, PASSWORD_PROMPT, read_password_file};
use ironstack_security::file_realm::FileRealm;
use ironstack_security::gate::{AnonymousSettings, Gate, GateSettings};
use ironstack_security::token::{TokenService, TokenSettings};
use ironstack_security::{Authenticator, SecureString, SecurityStore};
use ironstack_terminal::{CliError, SystemTerminal, Terminal, Verbosity};
use ironstack_tls::{
    EXPIRY_WARNING_WINDOW, HttpSslSecrets, ReloadableServerConfig, Secret, ServerTlsSettings,
};
use zeroize::Zeroizing;

use crate::autoconfig::{self, AutoConfigured};
use crate::server::{self, Transport};
use crate::state::{AppState, NodeIdentity};
use crate::{meta, rest};

/// Log filter (`info`, `debug`, `ironstack_node=debug,info`, ...).
pub(crate) const LOG_ENV: &str = "IRONSTACK_LOG";
/// How often TLS source files are checked for changes.
const TLS_RELOAD_INTERVAL: Duration = Duration::from_secs(1);
/// How often the file realm's `users`/`users_roles` are checked for changes (Elasticsearch:
/// 5 s; `ironstack reset-password` waits for its temporary user to appear, so check sooner).
const FILE_REALM_RELOAD_INTERVAL: Duration = Duration::from_secs(1);

/// Parsed command line.
#[derive(Debug, Clone, Default)]
pub(crate) struct StartOptions {
    pub(crate) overrides: Vec<String>,
    pub(crate) quiet: bool,
    pub(crate) keystore_password_from_stdin: bool,
}

struct LoadedKeystore {
    path: PathBuf,
    keystore: Option<Keystore>,
    password: Zeroizing<String>,
}

fn load_config(
    options: &StartOptions,
    env: &HashMap<String, String>,
) -> Result<NodeConfig, CliError> {
    NodeConfig::load(&LoadOptions {
        env: env.clone(),
        overrides: options.overrides.clone(),
        ..LoadOptions::default()
    })
    .map_err(|e| CliError::config(e.to_string()))
}

fn keystore_password(
    path: &Path,
    options: &StartOptions,
    env: &HashMap<String, String>,
) -> Result<Zeroizing<String>, CliError> {
    if let Some(file) = env.get(PASSWORD_FILE_ENV).filter(|f| !f.is_empty()) {
        let password = read_password_file(Path::new(file))?;
        return Ok(Zeroizing::new(password.expose().to_string()));
    }
    let mut terminal = SystemTerminal::new(Verbosity::Normal);
    if !options.keystore_password_from_stdin && !terminal.is_interactive() {
        return Err(CliError::config(format!(
            "the keystore [{}] is password protected: type the password on a console, pipe it with --stdin, or name a file in {PASSWORD_FILE_ENV}",
            path.display()
        )));
    }
    let answer = terminal.read_secret(PASSWORD_PROMPT)?;
    Ok(Zeroizing::new(answer.expose().to_string()))
}

fn open_keystore(
    config: &NodeConfig,
    options: &StartOptions,
    env: &HashMap<String, String>,
) -> Result<LoadedKeystore, CliError> {
    let path = Keystore::default_path(&config.config_dir);
    if !path.exists() {
        return Ok(LoadedKeystore {
            path,
            keystore: None,
            password: Zeroizing::new(String::new()),
        });
    }
    let err = |e: ironstack_keystore::Error| {
        CliError::config(format!("cannot open keystore [{}]: {e}", path.display()))
    };
    let password = if Keystore::is_password_protected(&path).map_err(err)? {
        keystore_password(&path, options, env)?
    } else {
        Zeroizing::new(String::new())
    };
    // The derived key of an unprotected keystore is remembered next to it (see
    // `UnprotectedKeyCache` for why that costs no security): later starts skip the key
    // derivation that otherwise dominates start-up.
    let cache = UnprotectedKeyCache::new(meta::keystore_key_cache_path(&path));
    let (keystore, outcome) = Keystore::load_with_cache(&path, &password, &cache).map_err(err)?;
    if let KeyCacheOutcome::NotStored(reason) = &outcome {
        tracing::debug!(
            "cannot remember the keystore's derived key (the next start derives it again): {reason}"
        );
    }
    Ok(LoadedKeystore {
        path,
        keystore: Some(keystore),
        password,
    })
}

fn secret(keystore: &LoadedKeystore, name: &str) -> Option<Secret> {
    keystore
        .keystore
        .as_ref()
        .and_then(|k| k.get_string(name))
        .map(Secret::new)
}

/// Names the `xpack.security.http.ssl.*` setting whose file a TLS error is about. A store or
/// key that needs a password the keystore does not hold says so and names the secure
/// setting, rather than the generic "the password is incorrect or the file is corrupted".
fn tls_error_message(
    config: &NodeConfig,
    keystore: &LoadedKeystore,
    error: &ironstack_tls::Error,
) -> String {
    let ssl = &config.security.http_ssl;
    let message = error.to_string();
    let mut candidates: Vec<(&str, PathBuf)> = Vec::new();
    if let Some(p) = &ssl.keystore_path {
        candidates.push(("xpack.security.http.ssl.keystore.path", p.clone()));
    }
    if let Some(p) = &ssl.certificate {
        candidates.push(("xpack.security.http.ssl.certificate", p.clone()));
    }
    if let Some(p) = &ssl.key {
        candidates.push(("xpack.security.http.ssl.key", p.clone()));
    }
    if let Some(p) = &ssl.truststore_path {
        candidates.push(("xpack.security.http.ssl.truststore.path", p.clone()));
    }
    for p in &ssl.certificate_authorities {
        candidates.push(("xpack.security.http.ssl.certificate_authorities", p.clone()));
    }
    let setting = candidates
        .iter()
        .find(|(_, p)| message.contains(&p.display().to_string()))
        .map_or("xpack.security.http.ssl", |(s, _)| *s);
    let message = password_hint(ssl, keystore, error).unwrap_or(message);
    format!(
        "cannot load [{setting}] (configured in [{}]): {message}",
        config.config_file.display()
    )
}

/// For a wrong or missing password: which secure setting supplies it and whether the
/// keystore has it. `None` for every other error.
fn password_hint(
    ssl: &ironstack_config::HttpSslConfig,
    keystore: &LoadedKeystore,
    error: &ironstack_tls::Error,
) -> Option<String> {
    let (path, needs) = match error {
        ironstack_tls::Error::WrongPassword { path } => (path, "needs a password"),
        ironstack_tls::Error::PassphraseRequired { path } => (path, "is encrypted"),
        _ => return None,
    };
    let secure_setting = if ssl.key.as_ref() == Some(path) {
        HTTP_SSL_SECURE_KEY_PASSPHRASE
    } else if ssl.keystore_path.as_ref() == Some(path) {
        HTTP_SSL_KEYSTORE_SECURE_PASSWORD
    } else if ssl.truststore_path.as_ref() == Some(path) {
        HTTP_SSL_TRUSTSTORE_SECURE_PASSWORD
    } else {
        return None;
    };
    let add = format!("ironstack keystore add {secure_setting}");
    Some(match &keystore.keystore {
        None => format!(
            "[{}] {needs}, and there is no keystore [{}] to hold [{secure_setting}]; add the password with `{add}`",
            path.display(),
            keystore.path.display()
        ),
        Some(k) if !k.contains(secure_setting) => format!(
            "[{}] {needs}, but [{secure_setting}] is not in the keystore [{}]; add it with `{add}`",
            path.display(),
            keystore.path.display()
        ),
        Some(_) => format!(
            "cannot open [{}] with the password in [{secure_setting}]: the password is incorrect or the file is corrupted",
            path.display()
        ),
    })
}

fn resolve_bind_addresses(config: &NodeConfig) -> Result<Vec<IpAddr>, CliError> {
    let mut out = Vec::new();
    for spec in &config.http_host {
        let ips = spec.resolve().map_err(|e| {
            CliError::config(format!(
                "cannot resolve [http.host] value [{spec}] in [{}]: {e}",
                config.config_file.display()
            ))
        })?;
        out.extend(ips);
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(CliError::config(format!(
            "[http.host] in [{}] resolves to no address",
            config.config_file.display()
        )));
    }
    Ok(out)
}

/// Everything after the command line: the node's life.
pub(crate) fn run(options: StartOptions, env: HashMap<String, String>) -> Result<(), CliError> {
    // aws-lc seeds its random generator from CPU jitter on first use (tens of milliseconds);
    // do that now, alongside the keystore's key derivation, not during the first handshake.
    std::thread::spawn(|| {
        let mut seed = [0u8; 32];
        let _ = rustls::crypto::aws_lc_rs::default_provider()
            .secure_random
            .fill(&mut seed);
    });
    let started = std::time::Instant::now();
    let working_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut config = load_config(&options, &env)?;
    let _log_guard = crate::logging::init(
        &config.path_logs,
        &config.cluster_name,
        env.get(LOG_ENV).map(String::as_str),
        options.quiet,
    )
    .map_err(CliError::config)?;
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    let keystore_started = std::time::Instant::now();
    let mut keystore = open_keystore(&config, &options, &env)?;
    tracing::debug!(
        elapsed_ms = keystore_started.elapsed().as_millis() as u64,
        "keystore loaded"
    );

    let mut auto: Option<AutoConfigured> = None;
    let has_tls_secret = keystore.keystore.as_ref().is_some_and(|k| {
        k.contains(HTTP_SSL_KEYSTORE_SECURE_PASSWORD)
            || k.contains(HTTP_SSL_TRUSTSTORE_SECURE_PASSWORD)
            || k.contains(HTTP_SSL_SECURE_KEY_PASSPHRASE)
    });
    let unconfigured =
        config.security.enabled && config.security_auto_configuration_allowed() && !has_tls_secret;
    let data_is_new = autoconfig::is_empty_dir(&config.path_data);
    if unconfigured && !data_is_new {
        // Elasticsearch skips auto-configuration for a node that was started before. With no
        // config folder at all, the node's real configuration is elsewhere: starting would
        // serve its data over plain HTTP. With one, TLS was deliberately left out.
        if !config.config_dir.is_dir() {
            return Err(CliError::config(format!(
                "the config folder [{}] does not exist, but [path.data] [{}] holds a node that was started before; \
                 refusing to start it without its security configuration. Start the node from its working folder, \
                 or set IRONSTACK_PATH_CONF to its config folder (default: ./config in the working folder)",
                config.config_dir.display(),
                config.path_data.display()
            )));
        }
        tracing::warn!(
            "security auto-configuration skipped: [path.data] [{}] holds a node that was started before, and [{}] configures no TLS",
            config.path_data.display(),
            config.config_file.display()
        );
    }
    if unconfigured && data_is_new {
        tracing::info!("first start: configuring security (TLS certificates, elastic password)");
        let done = autoconfig::run(&config, keystore.keystore.take(), &keystore.password)
            .map_err(CliError::config)?;
        auto = Some(done);
        // Read back what was written, exactly as a later start will.
        let reloaded = load_config(&options, &env).and_then(|c| {
            let k = open_keystore(&c, &options, &env)?;
            Ok((c, k))
        });
        match reloaded {
            Ok((c, k)) => {
                config = c;
                keystore = k;
            }
            Err(e) => {
                if let Some(done) = auto.take() {
                    done.rollback.undo();
                }
                return Err(e);
            }
        }
    }

    let result = start_node(&config, &keystore, auto.as_ref(), &working_dir, started);
    if result.is_err()
        && let Some(done) = auto
    {
        tracing::error!("start-up failed after security auto-configuration; undoing it");
        done.rollback.undo();
        // The data folder was empty before auto-configuration (that is when it runs); leave
        // it so, node metadata and the store's files included, so that the next start
        // auto-configures again.
        if let Ok(entries) = std::fs::read_dir(&config.path_data) {
            for entry in entries.flatten() {
                let path = entry.path();
                let _ = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
        }
    }
    result
}

fn start_node(
    config: &NodeConfig,
    keystore: &LoadedKeystore,
    auto: Option<&AutoConfigured>,
    working_dir: &Path,
    started: std::time::Instant,
) -> Result<(), CliError> {
    let _ = &keystore.path;
    let transport = if !config.security.enabled {
        tracing::warn!(
            "!!! SECURITY IS DISABLED (xpack.security.enabled: false): the REST API is served over plain HTTP without authentication; anyone who can reach the port can read and change everything !!!"
        );
        Transport::Plain
    } else if !config.security.http_ssl.enabled {
        tracing::warn!(
            "xpack.security.http.ssl.enabled is false: passwords travel over plain HTTP; enable TLS for anything but local tests"
        );
        Transport::Plain
    } else {
        let secrets = HttpSslSecrets {
            keystore_password: secret(keystore, HTTP_SSL_KEYSTORE_SECURE_PASSWORD),
            truststore_password: secret(keystore, HTTP_SSL_TRUSTSTORE_SECURE_PASSWORD),
            key_passphrase: secret(keystore, HTTP_SSL_SECURE_KEY_PASSPHRASE),
        };
        let settings = ServerTlsSettings::from_http_ssl(&config.security.http_ssl, &secrets)
            .map_err(|e| CliError::config(tls_error_message(config, keystore, &e)))?;
        let tls_started = std::time::Instant::now();
        let tls = ReloadableServerConfig::new(settings)
            .map_err(|e| CliError::config(tls_error_message(config, keystore, &e)))?;
        tracing::debug!(
            elapsed_ms = tls_started.elapsed().as_millis() as u64,
            "TLS configuration built"
        );
        Transport::Tls(tls)
    };

    let meta = meta::load_or_create(&config.path_data).map_err(CliError::config)?;
    let store_opening = ironstack_types::date::now_millis();
    let store = crate::store::open(&config.path_data, &config.auto_create_index).map_err(|e| {
        CliError::config(format!(
            "cannot open the store in [path.data] {}: {e}",
            config.path_data.display()
        ))
    })?;
    let store_opened = ironstack_types::date::now_millis();
    // Stack Monitoring's templates, as Elasticsearch's registry installs them; a failure is
    // logged and does not stop the node (it is retried at the next start).
    match crate::monitoring_templates::install(&store.service) {
        Ok(written) if !written.is_empty() => {
            tracing::info!(templates = ?written, "installed the Stack Monitoring templates");
        }
        Ok(_) => {}
        Err(e) => tracing::error!("cannot install the Stack Monitoring templates: {e}"),
    }
    let cluster_settings = crate::cluster_settings::ClusterSettings::load(&config.path_data)
        .map_err(CliError::config)?;
    let authenticator = if config.security.enabled {
        let store = crate::security_index::SecurityIndices::open(store.service.clone())
            .and_then(|indices| SecurityStore::open_on(&config.path_data, Arc::new(indices)))
            .map_err(|e| CliError::config(e.to_string()))?;
        let bootstrap = keystore
            .keystore
            .as_ref()
            .and_then(|k| k.get_string("bootstrap.password"))
            .map(SecureString::new);
        if store.user("elastic").is_none() && bootstrap.is_none() {
            tracing::warn!(
                "the elastic user has no password yet and the keystore has no [bootstrap.password]: nobody can log in as elastic until one is set. \
                 Set one with `ironstack reset-password -u elastic` (or `-i` to choose it) while the node runs, \
                 or with `ironstack keystore add bootstrap.password` followed by a restart"
            );
        }
        let (file_realm, warnings) =
            FileRealm::open(&config.config_dir).map_err(|e| CliError::config(e.to_string()))?;
        for warning in &warnings {
            tracing::error!("{warning}");
        }
        Some(Arc::new(
            Authenticator::new(Arc::new(store), bootstrap).with_file_realm(Arc::new(file_realm)),
        ))
    } else {
        None
    };
    let identity = NodeIdentity {
        node_name: config.node_name.clone(),
        cluster_name: config.cluster_name.clone(),
        cluster_uuid: meta.cluster_uuid,
        node_id: meta.node_id,
        license_uid: meta.license_uid,
        license_issue_date_millis: meta.license_issue_date_millis,
    };
    let tls_on = matches!(transport, Transport::Tls(_));
    let addresses = resolve_bind_addresses(config)?;
    // PKI realms and `_ssl/certificates` (rest/ssl.rs).
    if let Some(warning) =
        rest::ssl::pki_bootstrap_check(config, &addresses).map_err(CliError::config)?
    {
        tracing::warn!("{warning}");
    }
    let tls_security =
        rest::ssl::build(config, authenticator.as_ref().map(|a| a.store()), |name| {
            secret(keystore, name)
        })
        .map_err(|e| {
            CliError::config(format!(
                "{e} (configured in [{}])",
                config.config_file.display()
            ))
        })?;
    let gate = authenticator.map(|a| {
        Arc::new(security_gate(
            a,
            &config.security.authc,
            tls_security.pki_realms,
        ))
    });
    let state = Arc::new(
        AppState::new(identity, gate, config.http_max_content_length)
            .with_read_timeout(config.http.read_timeout)
            .with_data_path(config.path_data.clone())
            .with_store(store.service.clone())
            .with_cluster_settings(cluster_settings),
    );
    let _ = state.store_open_window.set((store_opening, store_opened));
    let _ = state.http_ssl.set(tls_on);
    let ilm_store = store.service.clone();
    let backend = store.backend.clone();
    let _ = state
        .indices_totals
        .set(Arc::new(move || crate::store::indices_totals(&backend)));
    let _ = state.certificate_sources.set(tls_security.sources);
    let _ = state
        .enrollment_enabled
        .set(config.security.enrollment_enabled);

    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        // One core is left to the kernel's network stack, the blocking pool (bcrypt, file
        // reads) and, on small machines, the clients: measured on 2 cores, 1 I/O worker serves
        // ~50% more keep-alive requests than 2.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        builder.worker_threads(cores.saturating_sub(1).max(1));
    }
    let runtime = builder
        .enable_all()
        .build()
        .map_err(|e| CliError::io(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let listeners = server::bind(&addresses, config.http_port.ports())
            .await
            .map_err(|e| {
                CliError::config(format!(
                    "cannot bind [http.port] {} on [http.host] {:?}: {e}",
                    config.http_port,
                    addresses.iter().map(ToString::to_string).collect::<Vec<_>>()
                ))
            })?;
        let bound: Vec<_> = listeners.iter().filter_map(|l| l.local_addr().ok()).collect();
        let port = bound.first().map_or(0, |a| a.port());
        let _ = state.bound.set(bound.clone());
        // Audit trail (audit_trail.rs): after binding, as `host.ip` is the bound address.
        crate::audit_trail::install(
            &state,
            &config.security.audit,
            &config.path_logs,
            config.security.enabled,
        )
        .map_err(CliError::config)?;
        let _ilm = crate::ilm_runner::spawn(ilm_store, config.ilm_poll_interval);
        if let Some(file_realm) = authenticator_file_realm(&state) {
            spawn_file_realm_watcher(file_realm);
        }
        if let Transport::Tls(tls) = &transport {
            let _watcher = tls.spawn_watcher(TLS_RELOAD_INTERVAL);
            spawn_expiry_warnings(tls.clone());
        }
        // The first start's console enrolment token, made before the node says it started so
        // that the banner follows at once.
        let enrollment_token = match (auto.as_ref(), &state.gate, config.security.enrollment_enabled) {
            (Some(done), Some(gate), true) => {
                match autoconfig::console_enrollment_token(gate.authenticator().store(), done, &bound) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        tracing::warn!("could not create a console enrollment token: {e}");
                        None
                    }
                }
            }
            _ => None,
        };
        let scheme = if tls_on { "https" } else { "http" };
        for addr in &bound {
            tracing::info!(address = %addr, "publish_address {{{addr}}}, bound_addresses {{{addr}}}");
        }
        tracing::info!(
            node = %config.node_name,
            cluster = %config.cluster_name,
            "started in {} ms; listening on {scheme}://{}",
            started.elapsed().as_millis(),
            bound.first().map(ToString::to_string).unwrap_or_default()
        );
        if let Some(done) = auto {
            // Printed on stdout, once, as Elasticsearch does on its first start.
            ironstack_terminal::print_out(&format!(
                "{}\n",
                autoconfig::banner(done, port, working_dir, enrollment_token.as_deref())
            ));
        }
        let app = rest::router(state.clone());
        let limits = server::ConnectionLimits::resolve(&config.http);
        server::serve(listeners, transport, app, state.clone(), limits, shutdown_signal()).await;
        crate::audit_trail::shutdown(&state);
        tracing::info!("stopped");
        Ok(())
    })
}

fn authenticator_file_realm(state: &AppState) -> Option<Arc<FileRealm>> {
    state.gate.as_ref()?.authenticator().file_realm().cloned()
}

/// The security gate: the realms, the token service and anonymous access as configured.
fn security_gate(
    authenticator: Arc<Authenticator>,
    config: &ironstack_config::AuthcConfig,
    pki_realms: Vec<Arc<ironstack_security::pki_realm::PkiRealm>>,
) -> Gate {
    let tokens = Arc::new(TokenService::new(
        authenticator.clone(),
        TokenSettings {
            enabled: config.token.enabled,
            timeout: config.token.timeout,
        },
    ));
    let anonymous = config.anonymous.enabled().then(|| {
        tracing::info!(
            username = %config.anonymous.username,
            roles = ?config.anonymous.roles,
            authz_exception = config.anonymous.authz_exception,
            "anonymous access is enabled: requests without credentials run as [{}] with roles [{}]",
            config.anonymous.username,
            config.anonymous.roles.join(",")
        );
        AnonymousSettings {
            username: config.anonymous.username.clone(),
            roles: config.anonymous.roles.clone(),
            authz_exception: config.anonymous.authz_exception,
        }
    });
    if !config.run_as_enabled {
        tracing::info!("run as is disabled: the [es-security-runas-user] header is ignored");
    }
    Gate::new(
        authenticator,
        GateSettings {
            tokens,
            anonymous,
            pki_realms,
            run_as_enabled: config.run_as_enabled,
        },
    )
}

fn spawn_file_realm_watcher(realm: Arc<FileRealm>) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(FILE_REALM_RELOAD_INTERVAL);
        loop {
            ticker.tick().await;
            let realm = realm.clone();
            match tokio::task::spawn_blocking(move || realm.reload_if_changed()).await {
                Ok(Ok(Some(warnings))) => {
                    for warning in &warnings {
                        tracing::error!("{warning}");
                    }
                    tracing::info!("reloaded the file realm's users and users_roles");
                }
                Ok(Ok(None)) | Err(_) => {}
                Ok(Err(e)) => {
                    tracing::warn!("cannot reload the file realm (keeping the previous users): {e}")
                }
            }
        }
    });
}

fn spawn_expiry_warnings(tls: Arc<ReloadableServerConfig>) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(24 * 60 * 60));
        loop {
            ticker.tick().await;
            for expiry in tls.expiry_warnings(EXPIRY_WARNING_WINDOW) {
                tracing::warn!("{expiry}; replace it before clients start refusing it");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("stopping (signal received)");
}

/// Environment variable names the node reads (besides the config crate's).
pub(crate) fn env_snapshot() -> HashMap<String, String> {
    let _ = env_vars::IRONSTACK_PATH_CONF;
    std::env::vars().collect()
}
