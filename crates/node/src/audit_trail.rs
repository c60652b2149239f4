//! The logfile audit trail of a running node: `<path.logs>/<cluster.name>_audit.json`
//! (created 0600: audit lines name users, roles and request paths), written by one dedicated
//! thread fed through a bounded queue so that request threads never wait on the disk; the
//! per-request glue the security pipeline calls (authentication and authorization events,
//! `security_config_change` after a successful security-changing request); and the flush at
//! shutdown. Event content, filtering and encoding live in `ironstack_security::audit`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD};
use ironstack_config::AuditConfig;
use ironstack_security::audit::{
    AuditEvent, AuditFilter, AuditLevel, AuthenticationType, ChangeRequest, EventType, LocalNode,
    config_changes, encode, is_config_change_action, redact_body, request_name,
};
use ironstack_security::gate::{
    AuthKind, Authenticated, AuthenticationFailure, Authorized, Denied, DeniedAt, SecuredRequest,
};
use ironstack_types::ActionName;

use crate::state::AppState;

/// Events waiting for the writer; past this, new events are dropped (and counted) rather
/// than making a request wait.
pub(crate) const QUEUE_CAPACITY: usize = 16_384;

/// The `request.id` of the current request (22 URL-safe base64 characters, like
/// Elasticsearch's), in the request extensions when auditing is on.
#[derive(Debug, Clone)]
pub(crate) struct AuditRequestId(#[allow(dead_code)] pub(crate) Arc<str>);

enum Message {
    Event(Box<AuditEvent>, SystemTime),
    Shutdown,
}

/// The node's audit trail.
pub(crate) struct AuditTrail {
    filter: AuditFilter,
    emit_request_body: bool,
    sender: SyncSender<Message>,
    dropped: Arc<AtomicU64>,
    writer: std::sync::Mutex<Option<JoinHandle<()>>>,
    path: PathBuf,
}

impl std::fmt::Debug for AuditTrail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditTrail")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// `<logs>/<cluster.name>_audit.json`.
pub(crate) fn audit_file_path(logs: &Path, cluster_name: &str) -> PathBuf {
    logs.join(format!("{cluster_name}_audit.json"))
}

fn open_file(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

impl AuditTrail {
    /// Opens (appends to) the file and prepares the queue; the writer starts with
    /// [`AuditTrail::start_writer`] on the returned receiver.
    fn open(
        config: &AuditConfig,
        node: LocalNode,
        path: PathBuf,
        capacity: usize,
    ) -> Result<(Self, Writer), String> {
        let levels = |names: &[String]| -> Vec<AuditLevel> {
            names.iter().filter_map(|n| AuditLevel::parse(n)).collect()
        };
        let filter = AuditFilter::new(
            &levels(&config.include),
            &levels(&config.exclude),
            &config.ignore_filters,
        )
        .map_err(|e| e.to_string())?;
        let file = open_file(&path)
            .map_err(|e| format!("cannot open audit log [{}]: {e}", path.display()))?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(capacity);
        let dropped = Arc::new(AtomicU64::new(0));
        let writer = Writer {
            receiver,
            file: std::io::BufWriter::new(file),
            node,
            dropped: dropped.clone(),
            reported: 0,
            path: path.clone(),
        };
        Ok((
            Self {
                filter,
                emit_request_body: config.emit_request_body,
                sender,
                dropped,
                writer: std::sync::Mutex::new(None),
                path,
            },
            writer,
        ))
    }

    fn start_writer(&self, writer: Writer) -> Result<(), String> {
        let handle = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| format!("cannot start the audit writer: {e}"))?;
        if let Ok(mut slot) = self.writer.lock() {
            *slot = Some(handle);
        }
        Ok(())
    }

    /// Whether events of `level` are written at all.
    pub(crate) fn wants(&self, level: AuditLevel) -> bool {
        self.filter.level_enabled(level)
    }

    /// Queues `event` if the filters accept it; never blocks.
    pub(crate) fn log(&self, event: AuditEvent) {
        if !self.filter.accepts(&event) {
            return;
        }
        match self
            .sender
            .try_send(Message::Event(Box::new(event), SystemTime::now()))
        {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Events dropped so far because the queue was full.
    #[cfg(test)]
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Writes everything queued, flushes and stops the writer. Waits for queue space for
    /// the stop message: at shutdown, completeness beats latency.
    pub(crate) fn shutdown(&self) {
        let handle = self.writer.lock().ok().and_then(|mut h| h.take());
        let Some(handle) = handle else {
            return;
        };
        if self.sender.send(Message::Shutdown).is_ok() {
            let _ = handle.join();
        }
    }
}

/// The writer thread's side: the file and the node fields.
struct Writer {
    receiver: Receiver<Message>,
    file: std::io::BufWriter<std::fs::File>,
    node: LocalNode,
    dropped: Arc<AtomicU64>,
    reported: u64,
    path: PathBuf,
}

impl Writer {
    fn run(mut self) {
        while let Ok(first) = self.receiver.recv() {
            let mut next = Some(first);
            // Write whatever is queued, then flush once.
            while let Some(message) = next.take() {
                match message {
                    Message::Event(event, at) => self.write(&event, at),
                    Message::Shutdown => {
                        self.flush();
                        return;
                    }
                }
                next = self.receiver.try_recv().ok();
            }
            self.flush();
        }
        self.flush();
    }

    fn write(&mut self, event: &AuditEvent, at: SystemTime) {
        let mut line = encode(event, &self.node, at);
        line.push('\n');
        if let Err(e) = self.file.write_all(line.as_bytes()) {
            tracing::error!("cannot write audit log [{}]: {e}", self.path.display());
        }
    }

    fn flush(&mut self) {
        if let Err(e) = self.file.flush() {
            tracing::error!("cannot write audit log [{}]: {e}", self.path.display());
        }
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > self.reported {
            tracing::warn!(
                "audit log [{}]: {} events dropped because the audit queue ({QUEUE_CAPACITY} events) was full ({dropped} since start)",
                self.path.display(),
                dropped - self.reported
            );
            self.reported = dropped;
        }
    }
}

fn host_name() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
}

/// Starts the audit trail when `xpack.security.audit.enabled` is true (and security is on):
/// opens the file, starts the writer and attaches the trail to `state`. Call after binding
/// (`host.ip` is the first bound address).
pub(crate) fn install(
    state: &AppState,
    config: &AuditConfig,
    logs: &Path,
    security_enabled: bool,
) -> Result<(), String> {
    if !config.enabled {
        return Ok(());
    }
    if !security_enabled {
        tracing::warn!(
            "xpack.security.audit.enabled is true but security is disabled: no audit events are written"
        );
        return Ok(());
    }
    let id = &state.identity;
    let node = LocalNode {
        cluster_name: config.emit_cluster_name.then(|| id.cluster_name.clone()),
        cluster_uuid: config.emit_cluster_uuid.then(|| id.cluster_uuid.clone()),
        node_name: config.emit_node_name.then(|| id.node_name.clone()),
        node_id: config.emit_node_id.then(|| id.node_id.clone()),
        host_name: if config.emit_node_host_name {
            host_name()
        } else {
            None
        },
        host_ip: config.emit_node_host_address.then(|| state.publish_ip()),
    };
    let path = audit_file_path(logs, &id.cluster_name);
    let (trail, writer) = AuditTrail::open(config, node, path, QUEUE_CAPACITY)?;
    trail.start_writer(writer)?;
    tracing::info!("audit log: {}", trail.path.display());
    let _ = state.audit.set(trail);
    Ok(())
}

/// Flushes and stops the audit writer, if there is one.
pub(crate) fn shutdown(state: &AppState) {
    if let Some(trail) = state.audit.get() {
        trail.shutdown();
    }
}

/// The credential a request carried, as far as audit events name it.
enum Credential {
    None,
    /// Basic: the user name only.
    Basic(String),
    /// ApiKey: the key id only.
    ApiKey(String),
    Bearer,
    Other,
}

fn credential(req: &Request) -> Credential {
    let Some(value) = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Credential::None;
    };
    let Some((scheme, rest)) = value.trim().split_once(' ') else {
        return Credential::Other;
    };
    let decoded = || BASE64.decode(rest.trim()).ok().map(zeroize::Zeroizing::new);
    // Only the part before ':' is kept; the decoded buffer (with the secret) is zeroized.
    let before_colon = |bytes: &[u8]| {
        let text = std::str::from_utf8(bytes).ok()?;
        text.split_once(':').map(|(name, _)| name.to_string())
    };
    if scheme.eq_ignore_ascii_case("basic") {
        decoded()
            .and_then(|b| before_colon(&b))
            .map_or(Credential::Other, Credential::Basic)
    } else if scheme.eq_ignore_ascii_case("apikey") {
        decoded()
            .and_then(|b| before_colon(&b))
            .map_or(Credential::Other, Credential::ApiKey)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Credential::Bearer
    } else {
        Credential::Other
    }
}

/// What one request's audit events share; built by [`begin`] only when auditing is on, and
/// carried in the request's extensions from authentication to the handler.
pub(crate) struct RequestAudit {
    state: Arc<AppState>,
    request_id: Arc<str>,
    origin_address: Option<String>,
    url_path: String,
    url_query: Option<String>,
    method: String,
    /// The redacted body, once it was read (after authentication).
    body: OnceLock<Option<String>>,
    /// The authentication that succeeded, logged once the body is known (or after the
    /// response, for a request no route reads the body of).
    success: OnceLock<Authenticated>,
    success_logged: std::sync::atomic::AtomicBool,
    opaque_id: Option<String>,
    trace_id: Option<String>,
    x_forwarded_for: Option<String>,
    credential: Credential,
    client_certificate: bool,
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `[::1]:52434` for IPv6, `127.0.0.1:52434` for IPv4, as Elasticsearch prints them.
fn format_address(addr: SocketAddr) -> String {
    addr.to_string()
}

/// Starts auditing a request: assigns its `request.id` (also put in the extensions) and
/// captures what the REST events report. `None` when auditing is off.
pub(crate) fn begin(state: &Arc<AppState>, req: &mut Request) -> Option<RequestAudit> {
    state.audit.get()?;
    let id = uuid::Uuid::new_v4();
    let request_id: Arc<str> = Arc::from(URL_SAFE_NO_PAD.encode(id.as_bytes()));
    req.extensions_mut()
        .insert(AuditRequestId(request_id.clone()));
    let trace_id = header(req, "traceparent")
        .and_then(|t| t.split('-').nth(1).map(str::to_string))
        .filter(|t| t.len() == 32);
    Some(RequestAudit {
        state: state.clone(),
        request_id,
        origin_address: req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| format_address(c.0)),
        url_path: req.uri().path().to_string(),
        url_query: req.uri().query().map(str::to_string),
        method: req.method().as_str().to_string(),
        body: OnceLock::new(),
        success: OnceLock::new(),
        success_logged: std::sync::atomic::AtomicBool::new(false),
        opaque_id: header(req, "x-opaque-id"),
        trace_id,
        x_forwarded_for: header(req, "x-forwarded-for"),
        credential: credential(req),
        client_certificate: req
            .extensions()
            .get::<crate::server::ClientCertificateChain>()
            .is_some(),
    })
}

fn authentication_type(authenticated: &Authenticated) -> AuthenticationType {
    match authenticated.kind() {
        AuthKind::Anonymous => AuthenticationType::Anonymous,
        AuthKind::ApiKey => AuthenticationType::ApiKey,
        AuthKind::Token => AuthenticationType::Token,
        AuthKind::Realm => AuthenticationType::Realm,
    }
}

impl RequestAudit {
    fn trail(&self) -> Option<&AuditTrail> {
        self.state.audit.get()
    }

    fn wants(&self, level: AuditLevel) -> bool {
        self.trail().is_some_and(|t| t.wants(level))
    }

    fn log(&self, event: AuditEvent) {
        if let Some(trail) = self.trail() {
            trail.log(event);
        }
    }

    /// Records the body once it was read (only when `emit_request_body` is on), redacted.
    pub(crate) fn set_body(&self, bytes: &[u8]) {
        if self.trail().is_some_and(|t| t.emit_request_body) {
            let _ = self.body.set(redact_body(bytes));
        }
    }

    fn rest_event(&self, level: AuditLevel) -> AuditEvent {
        let mut e = AuditEvent::new(level, EventType::Rest, level.name());
        e.origin_type = Some("rest");
        e.origin_address = self.origin_address.clone();
        e.url_path = Some(self.url_path.clone());
        e.url_query = self.url_query.clone();
        e.request_method = Some(self.method.clone());
        e.request_body = self.body.get().cloned().flatten();
        e.request_id = Some(self.request_id.to_string());
        self.common(&mut e);
        e
    }

    fn common(&self, e: &mut AuditEvent) {
        e.opaque_id = self.opaque_id.clone();
        e.trace_id = self.trace_id.clone();
        e.x_forwarded_for = self.x_forwarded_for.clone();
    }

    /// `user.*` and `apikey.*` as Elasticsearch's `withSubject`: the acting user, and for a
    /// request that runs as someone, the user who authenticated as `user.run_by.*`.
    fn with_subject(&self, e: &mut AuditEvent, authenticated: &Authenticated) {
        e.authentication_type = Some(authentication_type(authenticated));
        let user = authenticated.user();
        e.user_name = Some(user.username.clone());
        match (authenticated.api_key(), authenticated.is_run_as()) {
            (Some(key), false) => {
                e.user_realm = Some(key.creator_realm.clone());
                e.apikey_id = Some(key.id.clone());
                e.apikey_name = Some(key.name.clone()).filter(|n| !n.is_empty());
            }
            (_, true) => {
                let by = authenticated.authenticating_user();
                e.user_realm = Some(user.realm.name.to_string());
                e.user_run_by_name = Some(by.username.clone());
                e.user_run_by_realm = Some(match authenticated.api_key() {
                    Some(key) => key.creator_realm.clone(),
                    None => by.realm.name.to_string(),
                });
            }
            (None, false) => e.user_realm = Some(user.realm.name.to_string()),
        }
    }

    /// `user.*` of a `run_as_granted`/`run_as_denied` event: the authenticated user, and the
    /// target as `user.run_as.*`.
    fn with_run_as_subject(&self, e: &mut AuditEvent, authenticated: &Authenticated) {
        e.authentication_type = Some(authentication_type(authenticated));
        let by = authenticated.authenticating_user();
        let target = authenticated.user();
        e.user_name = Some(by.username.clone());
        e.user_run_as_name = Some(target.username.clone());
        e.user_realm = Some(match authenticated.api_key() {
            Some(key) => key.creator_realm.clone(),
            None => by.realm.name.to_string(),
        });
        e.user_run_as_realm = Some(target.realm.name.to_string());
        if authenticated.api_key().is_none() {
            let mut roles = by.roles.clone();
            roles.sort();
            e.user_roles = Some(roles);
        }
    }

    /// The request could not be authenticated: `anonymous_access_denied` without
    /// credentials, `run_as_denied` for an empty run-as header, else `authentication_failed`
    /// naming the user (or API key id) given.
    pub(crate) fn authentication_failed(&self, failure: &AuthenticationFailure) {
        let level = if failure.run_as_denied {
            AuditLevel::RunAsDenied
        } else {
            match (&self.credential, self.client_certificate) {
                (Credential::None, false) => AuditLevel::AnonymousAccessDenied,
                _ => AuditLevel::AuthenticationFailed,
            }
        };
        if !self.wants(level) {
            return;
        }
        let mut e = self.rest_event(level);
        match &self.credential {
            Credential::Basic(user) | Credential::ApiKey(user) => e.user_name = Some(user.clone()),
            _ => {}
        }
        self.log(e);
    }

    /// Remembers a successful authentication; its `authentication_success` event is written
    /// by [`Self::log_authentication_success`] once the body was read (it carries the body).
    pub(crate) fn authentication_success(&self, authenticated: &Authenticated) {
        let _ = self.success.set(authenticated.clone());
    }

    /// Writes the pending `authentication_success` event (off by default, as in
    /// Elasticsearch), once.
    pub(crate) fn log_authentication_success(&self) {
        let Some(authenticated) = self.success.get() else {
            return;
        };
        if self
            .success_logged
            .swap(true, std::sync::atomic::Ordering::AcqRel)
            || !self.wants(AuditLevel::AuthenticationSuccess)
        {
            return;
        }
        let mut e = self.rest_event(AuditLevel::AuthenticationSuccess);
        self.with_subject(&mut e, authenticated);
        e.realm = Some(match authenticated.api_key() {
            Some(_) => "_es_api_key".to_string(),
            None => authenticated.authenticating_user().realm.name.to_string(),
        });
        self.log(e);
    }

    fn transport_event(
        &self,
        level: AuditLevel,
        action: ActionName,
        indices: &[String],
    ) -> AuditEvent {
        let mut e = AuditEvent::new(level, EventType::Transport, level.name());
        e.origin_type = Some("rest");
        e.origin_address = self.origin_address.clone();
        e.request_id = Some(self.request_id.to_string());
        e.action = Some(action.as_str().to_string());
        e.request_name = request_name(action).map(str::to_string);
        if !indices.is_empty() {
            e.indices = Some(indices.to_vec());
        }
        self.common(&mut e);
        e
    }

    /// The gate's decision: `run_as_granted`/`run_as_denied` for a request that runs as
    /// someone, then `access_granted`/`access_denied`.
    pub(crate) fn authorization(
        &self,
        authenticated: &Authenticated,
        request: &SecuredRequest,
        decision: &Result<Authorized, Denied>,
    ) {
        if matches!(decision, Err(d) if d.stage == DeniedAt::IndexExpression) {
            // Not an access decision: the request named nothing that exists.
            return;
        }
        let run_as_denied = matches!(decision, Err(d) if d.stage == DeniedAt::RunAs);
        if authenticated.is_run_as() {
            let level = if run_as_denied {
                AuditLevel::RunAsDenied
            } else {
                AuditLevel::RunAsGranted
            };
            if self.wants(level) {
                let mut e = self.transport_event(level, request.action, &request.indices);
                self.with_run_as_subject(&mut e, authenticated);
                self.log(e);
            }
            if run_as_denied {
                return;
            }
        }
        let level = if decision.is_ok() {
            AuditLevel::AccessGranted
        } else {
            AuditLevel::AccessDenied
        };
        if !self.wants(level) {
            return;
        }
        let mut e = self.transport_event(level, request.action, &request.indices);
        self.with_subject(&mut e, authenticated);
        // An API key's privileges are its own descriptors, not the owner's roles.
        if authenticated.api_key().is_none() || authenticated.is_run_as() {
            let mut roles = authenticated.user().roles.clone();
            roles.sort();
            e.user_roles = Some(roles);
        }
        self.log(e);
    }

    /// Runs the handler; for a security-changing action that succeeds, logs its
    /// `security_config_change` events, built from the request body.
    pub(crate) async fn run(
        &self,
        req: Request,
        next: Next,
        authorized: &Authorized,
        pattern: &str,
    ) -> Response {
        let action = authorized.action();
        if !is_config_change_action(action) || !self.wants(AuditLevel::SecurityConfigChange) {
            return next.run(req).await;
        }
        let (parts, body) = req.into_parts();
        // The pipeline put the whole, already read body back: collecting it is a copy.
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let path = parts.uri.path().to_string();
        let req = Request::from_parts(parts, Body::from(bytes.clone()));
        let caller = authorized.user().username.clone();
        let response = next.run(req).await;
        if !response.status().is_success() {
            return response;
        }
        let body: serde_json::Value = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)
        };
        drop(bytes);
        let param = |name: &str| path_param(pattern, &path, name);
        let request = ChangeRequest {
            action,
            path: &path,
            param: &param,
            caller: &caller,
        };
        for (event_action, change) in config_changes(&request, &body) {
            let mut e = AuditEvent::config_change(event_action, change);
            e.request_id = Some(self.request_id.to_string());
            self.log(e);
        }
        response
    }
}

/// The decoded value of `{name}` in route `pattern` for the actual `path`.
fn path_param(pattern: &str, path: &str, name: &str) -> Option<String> {
    crate::rest::path_params(pattern, path).and_then(|p| p.get(name).map(str::to_string))
}

#[cfg(test)]
#[path = "audit_trail_tests.rs"]
mod tests;
