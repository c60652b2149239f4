//! The HTTP(S) accept loop and the connection layer: binds `http.host` on the first free port
//! of `http.port`; caps open connections (`http.max_open_connections`, derived from the
//! open-file limit, which it raises at start) by closing what comes past the cap at once;
//! peeks each connection's first bytes (0x16 = TLS handshake; anything else on an HTTPS port
//! gets a friendly plain-text 400; on a plain port, the HTTP/2 preface); completes the
//! handshake with the *current* server configuration (so hot reload affects new connections
//! only); bounds how long a connection may wait for a request head at every stage; answers
//! request lines and headers over Elasticsearch's `http.max_initial_line_length` and
//! `http.max_header_size` with Elasticsearch's 400, before anything else sees the request; puts
//! the verified client chain into every request's extensions; and drains connections on
//! shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, Request, StatusCode, Version, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use ironstack_config::HttpLimits;
use ironstack_tls::ReloadableServerConfig;
use ironstack_types::EsException;
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::state::{AppState, ConnectionGuard};

/// The verified client certificate chain of a TLS connection (leaf first), in the request
/// extensions of every request on that connection; the PKI realm reads it.
#[derive(Debug, Clone)]
pub struct ClientCertificateChain(pub Arc<Vec<CertificateDer<'static>>>);

/// What the listener speaks.
#[derive(Clone)]
pub(crate) enum Transport {
    Plain,
    Tls(Arc<ReloadableServerConfig>),
}

/// Elasticsearch's log line for plain HTTP on an HTTPS port.
pub(crate) const PLAINTEXT_LOG: &str =
    "received plaintext http traffic on an https channel, closing connection";

/// Netty's default TLS handshake timeout.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection may wait for a request head when `http.read_timeout` is `0`.
/// Elasticsearch then never closes an idle connection; here an unauthenticated client must
/// not be able to hold one forever, so 60 s is the bound.
const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Connections refused at the cap, and failed accepts, are logged at most this often.
const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// How long shutdown waits for open requests before closing their connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What the connection layer enforces, resolved from the `http.*` settings.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionLimits {
    /// `http.max_initial_line_length` in bytes.
    pub(crate) max_initial_line_length: usize,
    /// `http.max_header_size` in bytes.
    pub(crate) max_header_size: usize,
    /// `http.max_open_connections`, or what the open-file limit allows.
    pub(crate) max_open_connections: u64,
    /// `http.read_timeout`, or [`DEFAULT_HEAD_TIMEOUT`].
    pub(crate) head_timeout: Duration,
}

impl ConnectionLimits {
    /// Raises the process's open-file limit as far as the hard limit allows and derives the
    /// connection cap from it, leaving headroom for the node's own files (logs, the security
    /// store, certificates being reloaded, the runtime's descriptors).
    pub(crate) fn resolve(http: &HttpLimits) -> Self {
        let open_files = raise_open_file_limit();
        // Without any limit (RLIM_INFINITY), Linux's default `nr_open` is the practical one.
        let open_files = open_files.unwrap_or(1 << 20);
        let allowed = open_files.saturating_sub(fd_headroom(open_files)).max(1);
        let max_open_connections = match http.max_open_connections {
            Some(n) if n > allowed => {
                tracing::warn!(
                    "[http.max_open_connections] is [{n}] but the open-file limit [{open_files}] allows [{allowed}]; using [{allowed}]"
                );
                allowed
            }
            Some(n) => n,
            None => allowed,
        };
        tracing::debug!(max_open_connections, "HTTP connection cap");
        Self {
            max_initial_line_length: usize::try_from(http.max_initial_line_length)
                .unwrap_or(usize::MAX),
            max_header_size: usize::try_from(http.max_header_size).unwrap_or(usize::MAX),
            max_open_connections,
            head_timeout: http.read_timeout.unwrap_or(DEFAULT_HEAD_TIMEOUT),
        }
    }

    /// hyper's HTTP/1 read buffer: room for twice the largest head Elasticsearch accepts, so
    /// heads somewhat over the limits still reach [`Self::check_head`] and get Elasticsearch's
    /// answer. Larger ones fill the buffer and hyper answers `431` itself and closes.
    fn h1_buffer(&self) -> usize {
        self.max_initial_line_length
            .saturating_add(self.max_header_size)
            .saturating_mul(2)
            .saturating_add(8 * 1024)
            .max(8 * 1024)
    }

    /// HTTP/2's `SETTINGS_MAX_HEADER_LIST_SIZE` counts 32 bytes more per field than the
    /// `name: value` lines do: allow for a few hundred fields on top of the same room.
    fn h2_header_list_size(&self) -> u32 {
        u32::try_from(self.h1_buffer().saturating_add(16 * 1024)).unwrap_or(u32::MAX)
    }

    /// Elasticsearch's (Netty's) request-head limits, on the head hyper parsed: the request
    /// line is `METHOD SP target SP HTTP/x.y` and the headers count as `name: value` lines,
    /// line ends not counted. For HTTP/2 the line is the one HTTP/1.1 would send
    /// (`:method`, `:path`); pseudo-headers are not headers.
    fn check_head<B>(&self, req: &Request<B>) -> Option<Response> {
        let uri = req.uri();
        let target = if req.version() == Version::HTTP_2 {
            uri.path_and_query().map_or(1, |p| p.as_str().len())
        } else {
            uri.scheme_str().map_or(0, |s| s.len() + 3)
                + uri.authority().map_or(0, |a| a.as_str().len())
                + uri.path_and_query().map_or(0, |p| p.as_str().len())
        };
        let line = req.method().as_str().len() + 1 + target + 1 + "HTTP/1.1".len();
        if line > self.max_initial_line_length {
            return Some(too_long(
                req.version(),
                "too_long_http_line_exception",
                format!(
                    "An HTTP line is larger than {} bytes.",
                    self.max_initial_line_length
                ),
            ));
        }
        let headers: usize = req
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + 2 + value.len())
            .sum();
        if headers > self.max_header_size {
            return Some(too_long(
                req.version(),
                "too_long_http_header_exception",
                format!("HTTP header is larger than {} bytes.", self.max_header_size),
            ));
        }
        None
    }
}

/// Descriptors kept back from the connection cap for the node's own files.
fn fd_headroom(open_files: u64) -> u64 {
    (open_files / 10).clamp(64, 1024)
}

/// Sets the soft open-file limit to the hard one; returns the resulting soft limit (`None`:
/// unlimited).
#[cfg(unix)]
fn raise_open_file_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let before = getrlimit(Resource::Nofile);
    if before.current != before.maximum {
        let raised = Rlimit {
            current: before.maximum,
            maximum: before.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::debug!(error = %e, "cannot raise the open-file limit");
        }
    }
    let after = getrlimit(Resource::Nofile).current;
    tracing::debug!(
        before = ?before.current,
        after = ?after,
        hard = ?before.maximum,
        "open-file limit"
    );
    after
}

#[cfg(not(unix))]
fn raise_open_file_limit() -> Option<u64> {
    None
}

/// Elasticsearch's 400 for a request head over a limit. HTTP/1 connections are closed after
/// it (Netty's decoder discards the rest of such a connection's input).
fn too_long(version: Version, error_type: &str, reason: String) -> Response {
    let mut exception = EsException::illegal_argument(reason);
    exception.error_type = error_type.to_string();
    let mut response = Response::new(Body::from(exception.to_body(false).to_string()));
    *response.status_mut() = StatusCode::BAD_REQUEST;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::HeaderName::from_static("x-elastic-product"),
        HeaderValue::from_static("Elasticsearch"),
    );
    if version != Version::HTTP_2 {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Counts an event that must not be logged every time (refused connections, failed accepts):
/// [`Self::note`] says when to log, and how many happened since the last time.
#[derive(Debug)]
struct Throttled {
    interval: Duration,
    last: Mutex<Option<Instant>>,
    pending: AtomicU64,
}

impl Throttled {
    fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: Mutex::new(None),
            pending: AtomicU64::new(0),
        }
    }

    /// Counts one event; `Some(n)` (events since the last report) when one is due.
    fn note(&self) -> Option<u64> {
        self.pending.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|t| now.duration_since(t) < self.interval) {
            return None;
        }
        *last = Some(now);
        Some(self.pending.swap(0, Ordering::Relaxed))
    }
}

/// Binds every address on the first port of `ports` free on all of them.
pub(crate) async fn bind(
    addresses: &[IpAddr],
    ports: impl Iterator<Item = u16>,
) -> Result<Vec<TcpListener>, String> {
    let mut last_error = String::from("empty port range");
    'ports: for port in ports {
        let mut listeners = Vec::new();
        for ip in addresses {
            match TcpListener::bind(SocketAddr::new(*ip, port)).await {
                Ok(l) => listeners.push(l),
                Err(e) => {
                    last_error = format!("{ip}:{port}: {e}");
                    continue 'ports;
                }
            }
        }
        return Ok(listeners);
    }
    Err(last_error)
}

/// Serves until `shutdown` resolves, then waits (bounded) for open requests to finish.
pub(crate) async fn serve(
    listeners: Vec<TcpListener>,
    transport: Transport,
    app: Router,
    state: Arc<AppState>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let limits = Arc::new(limits);
    // Every connection holds a receiver: `closed()` on the sender is "all connections done".
    let (stop_tx, stop_rx) = watch::channel(false);
    let refused = Arc::new(Throttled::new(REFUSAL_LOG_INTERVAL));
    let accept_failed = Arc::new(Throttled::new(REFUSAL_LOG_INTERVAL));
    let mut accept_tasks = Vec::new();
    for listener in listeners {
        let transport = transport.clone();
        let app = app.clone();
        let state = state.clone();
        let limits = limits.clone();
        let (refused, accept_failed) = (refused.clone(), accept_failed.clone());
        let mut stop = stop_rx.clone();
        accept_tasks.push(tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = stop.changed() => break,
                };
                let (tcp, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        if let Some(n) = accept_failed.note() {
                            tracing::warn!(error = %e, "accepting connections failed ({n} times since the last report)");
                        }
                        // Out of file descriptors and the like: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Some(open) = state.http_stats.try_open(limits.max_open_connections) else {
                    // Closing at once costs less than any answer (no TLS handshake) and frees
                    // the descriptor before the next accept.
                    drop(tcp);
                    if let Some(n) = refused.note() {
                        tracing::warn!(
                            "refused {n} connection(s): [{}] connections are open, the most [http.max_open_connections] allows",
                            limits.max_open_connections
                        );
                    }
                    continue;
                };
                let _ = tcp.set_nodelay(true);
                tokio::spawn(handle_connection(
                    tcp,
                    peer,
                    open,
                    transport.clone(),
                    app.clone(),
                    limits.clone(),
                    stop.clone(),
                ));
            }
        }));
    }
    drop(stop_rx);
    shutdown.await;
    let _ = stop_tx.send(true);
    for t in accept_tasks {
        let _ = t.await;
    }
    if tokio::time::timeout(DRAIN_TIMEOUT, stop_tx.closed())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 10s; closing them");
    }
}

async fn handle_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    _open: ConnectionGuard,
    transport: Transport,
    app: Router,
    limits: Arc<ConnectionLimits>,
    stop: watch::Receiver<bool>,
) {
    match transport {
        Transport::Plain => {
            let Some(h2) = plain_is_h2(&tcp, limits.head_timeout).await else {
                return;
            };
            let conn = Conn {
                peer,
                chain: None,
                h2,
            };
            serve_http(TokioIo::new(tcp), conn, app, limits, stop).await;
        }
        Transport::Tls(tls) => {
            let mut first = [0u8; 1];
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, tcp.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            if first[0] != 0x16 {
                reject_plaintext(tcp, peer).await;
                return;
            }
            let acceptor = tokio_rustls::TlsAcceptor::from(tls.current());
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => return,
            };
            let session = stream.get_ref().1;
            let chain = session.peer_certificates().map(|c| {
                ClientCertificateChain(Arc::new(c.iter().map(|d| d.clone().into_owned()).collect()))
            });
            // ALPN already told us the protocol: no detection read.
            let h2 = session.alpn_protocol() == Some(b"h2".as_slice());
            let conn = Conn { peer, chain, h2 };
            serve_http(TokioIo::new(stream), conn, app, limits, stop).await;
        }
    }
}

/// Whether a plain connection opens with the HTTP/2 preface (`PRI * HTTP/2.0`, prior
/// knowledge) rather than an HTTP/1 request; `None` when the client closes or sends nothing
/// telling within `timeout`.
async fn plain_is_h2(tcp: &TcpStream, timeout: Duration) -> Option<bool> {
    const PREFACE: &[u8] = b"PRI ";
    tokio::time::timeout(timeout, async {
        let mut buf = [0u8; PREFACE.len()];
        loop {
            let n = tcp.peek(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            if buf[..n] != PREFACE[..n] {
                return Some(false);
            }
            if n == PREFACE.len() {
                return Some(true);
            }
            // A prefix of the preface so far: peek returns at once, so wait a little.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .ok()
    .flatten()
}

/// What a connection tells its requests.
struct Conn {
    peer: SocketAddr,
    chain: Option<ClientCertificateChain>,
    h2: bool,
}

/// Requests started and in flight on one HTTP/2 connection, for its idle check.
#[derive(Debug, Default)]
struct Activity {
    started: AtomicU64,
    in_flight: AtomicU64,
}

impl Activity {
    fn begin(self: &Arc<Self>) -> InFlight {
        self.started.fetch_add(1, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }
}

/// Ends an in-flight request however its future ends (answered, or dropped on a reset).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The per-connection service: the head limits, the request extensions, then the router.
/// A hyper service (`&self`) so that only the router is cloned per request.
struct ConnService {
    app: Router,
    peer: SocketAddr,
    chain: Option<ClientCertificateChain>,
    limits: Arc<ConnectionLimits>,
    /// HTTP/2 only: HTTP/1 idles are bounded by hyper's header read timeout, at no cost per
    /// request.
    activity: Option<Arc<Activity>>,
}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response;
    type Error = Infallible;
    type Future = ConnFuture;

    fn call(&self, mut req: Request<Incoming>) -> ConnFuture {
        if let Some(rejected) = self.limits.check_head(&req) {
            return ConnFuture::Rejected(Some(rejected));
        }
        if let Some(chain) = &self.chain {
            req.extensions_mut().insert(chain.clone());
        }
        // The client address (the audit trail's `origin.address`).
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(self.peer));
        let in_flight = self.activity.as_ref().map(Activity::begin);
        ConnFuture::Routed {
            inner: tower::Service::call(&mut self.app.clone(), req),
            _in_flight: in_flight,
        }
    }
}

enum ConnFuture {
    Routed {
        inner: axum::routing::future::RouteFuture<Infallible>,
        _in_flight: Option<InFlight>,
    },
    Rejected(Option<Response>),
}

impl Future for ConnFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Self::Routed { inner, .. } => Pin::new(inner).poll(cx),
            Self::Rejected(response) => Poll::Ready(Ok(response.take().unwrap_or_default())),
        }
    }
}

async fn serve_http<I>(
    io: TokioIo<I>,
    conn: Conn,
    app: Router,
    limits: Arc<ConnectionLimits>,
    mut stop: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let activity = conn.h2.then(|| Arc::new(Activity::default()));
    let service = ConnService {
        app,
        peer: conn.peer,
        chain: conn.chain,
        limits: limits.clone(),
        activity: activity.clone(),
    };
    let mut builder = Builder::new(TokioExecutor::new());
    builder = if conn.h2 {
        builder.http2_only()
    } else {
        builder.http1_only()
    };
    builder
        .http1()
        .timer(TokioTimer::new())
        // From the moment a connection (or a kept-alive one) waits for a request head until
        // the head is complete, however slowly its bytes arrive.
        .header_read_timeout(limits.head_timeout)
        .max_buf_size(limits.h1_buffer());
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(limits.h2_header_list_size());
    let connection = builder.serve_connection(io, service);
    let mut connection = std::pin::pin!(connection);
    // HTTP/2 has no header read timeout: every `head_timeout`, a connection with no request
    // in flight and none started since the last look is shut down gracefully (GOAWAY), and
    // dropped at the next look if it is still there.
    let idle_check = tokio::time::sleep(limits.head_timeout);
    let mut idle_check = std::pin::pin!(idle_check);
    let mut seen = u64::MAX;
    let (mut stopping, mut idle_closing) = (false, false);
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
            () = &mut idle_check, if activity.is_some() => {
                if let Some(activity) = &activity {
                    let started = activity.started.load(Ordering::Relaxed);
                    if activity.in_flight.load(Ordering::Relaxed) == 0 && started == seen {
                        if idle_closing {
                            return;
                        }
                        idle_closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    seen = started;
                }
                idle_check
                    .as_mut()
                    .reset(tokio::time::Instant::now() + limits.head_timeout);
            }
        }
    }
}

/// Answers plain HTTP sent to the HTTPS port with a readable 400 and closes.
async fn reject_plaintext(mut tcp: TcpStream, peer: SocketAddr) {
    let local = tcp.local_addr().ok();
    tracing::warn!(%peer, "{PLAINTEXT_LOG}");
    let mut head = vec![0u8; 8192];
    let n = tokio::time::timeout(Duration::from_millis(500), tcp.read(&mut head))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    let request = String::from_utf8_lossy(&head[..n]);
    let host = request
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("host")
                .then(|| value.trim().to_string())
        })
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .or_else(|| local.map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost:9200".into());
    let body = format!("This is an HTTPS port; use https://{host}/ to connect.\n");
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=UTF-8\r\ncontent-length: {}\r\nx-elastic-product: Elasticsearch\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tcp.write_all(response.as_bytes()).await;
    let _ = tcp.shutdown().await;
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
