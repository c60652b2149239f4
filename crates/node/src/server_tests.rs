//! In-process tests of the connection layer over real sockets: TLS with a verified client
//! chain, plain HTTP on the HTTPS port, Elasticsearch's request-head limits over HTTP/1.1 and
//! HTTP/2, head timeouts at every stage, the connection cap, and hostile clients holding
//! connections while a normal client keeps being answered.

use std::path::{Path, PathBuf};

use axum::Extension;
use axum::routing::get;
use bytes::Bytes;
use ironstack_config::ClientAuthentication;
use ironstack_pki::{
    CertificateAuthority, CertificateSpec, DistinguishedName, ExtendedKeyUsage, KeyAlgorithm,
    KeyUsage, PrivateKey, Validity,
};
use ironstack_tls::{ClientTlsSettings, Identity, ServerTlsSettings};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;
use tokio_rustls::client::TlsStream;

use super::*;
use crate::state::NodeIdentity;

fn spec(cn: &str, ca: bool, eku: ExtendedKeyUsage) -> CertificateSpec {
    CertificateSpec {
        subject: DistinguishedName::common_name(cn),
        dns_names: if ca { vec![] } else { vec!["localhost".into()] },
        ip_addresses: vec![],
        other_name_cns: vec![],
        validity: Validity::days_from_now(10),
        is_ca: ca,
        key_usage: if ca {
            vec![KeyUsage::KeyCertSign]
        } else {
            vec![KeyUsage::DigitalSignature]
        },
        extended_key_usage: if ca { vec![] } else { vec![eku] },
    }
}

/// Writes `name.crt`/`name.key` signed by `ca`.
fn issue(ca: &CertificateAuthority, dir: &Path, name: &str, eku: ExtendedKeyUsage) {
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let cert = ca.sign(&spec(name, false, eku), &key).unwrap();
    std::fs::write(dir.join(format!("{name}.crt")), cert.to_pem()).unwrap();
    std::fs::write(dir.join(format!("{name}.key")), key.to_pkcs8_pem()).unwrap();
}

/// A CA, a server certificate and a client certificate in `dir`.
fn pki(dir: &Path) {
    let ca_key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let ca = CertificateAuthority::generate(
        &spec("test ca", true, ExtendedKeyUsage::ServerAuth),
        ca_key,
    )
    .unwrap();
    std::fs::write(dir.join("ca.crt"), ca.certificate.to_pem()).unwrap();
    issue(&ca, dir, "server", ExtendedKeyUsage::ServerAuth);
    issue(&ca, dir, "client", ExtendedKeyUsage::ClientAuth);
}

/// The server side: TLS (h2 and http/1.1 by ALPN) with optional client certificates.
fn tls_transport(dir: &Path) -> Transport {
    let mut settings = ServerTlsSettings::new(Identity::Pem {
        certificate: dir.join("server.crt"),
        key: dir.join("server.key"),
        passphrase: None,
    });
    settings.client_authentication = ClientAuthentication::Optional;
    settings.client_certificate_authorities = vec![dir.join("ca.crt")];
    Transport::Tls(ReloadableServerConfig::new(settings).unwrap())
}

fn limits(head_timeout: Duration, max_open_connections: u64) -> ConnectionLimits {
    ConnectionLimits {
        max_initial_line_length: 4096,
        max_header_size: 16384,
        max_open_connections,
        head_timeout,
    }
}

fn state() -> Arc<AppState> {
    let identity = NodeIdentity {
        node_name: "n".into(),
        cluster_name: "c".into(),
        cluster_uuid: "u".into(),
        node_id: "i".into(),
        license_uid: "l".into(),
        license_issue_date_millis: 0,
    };
    Arc::new(AppState::new(identity, None, 1024))
}

/// A running server; stopped (and drained) by [`Server::stop`].
struct Server {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(transport: Transport, limits: ConnectionLimits) -> Self {
        let app = Router::new()
            .route("/", get(|| async { "ok" }))
            .route(
                "/chain",
                get(
                    |chain: Option<Extension<ClientCertificateChain>>| async move {
                        match chain {
                            Some(Extension(c)) => format!("chain of {}", c.0.len()),
                            None => "no chain".to_string(),
                        }
                    },
                ),
            )
            .fallback(|| async { "fallback" });
        let listeners = bind(&["127.0.0.1".parse().unwrap()], 0..=0).await.unwrap();
        let addr = listeners[0].local_addr().unwrap();
        let state = state();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(
            listeners,
            transport,
            app,
            state.clone(),
            limits,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            addr,
            state,
            stop,
            task,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("server drained")
            .unwrap();
    }
}

/// A TLS client connection, offering `alpn`, with the client certificate or without.
async fn tls_connect(
    dir: &Path,
    addr: SocketAddr,
    alpn: &[u8],
    with_identity: bool,
) -> TlsStream<TcpStream> {
    let client = ironstack_tls::client_config(&ClientTlsSettings {
        certificate_authorities: vec![dir.join("ca.crt")],
        identity: with_identity.then(|| Identity::Pem {
            certificate: dir.join("client.crt"),
            key: dir.join("client.key"),
            passphrase: None,
        }),
        alpn_protocols: vec![alpn.to_vec()],
        ..ClientTlsSettings::default()
    })
    .unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(client)
        .connect(name, tcp)
        .await
        .unwrap()
}

/// Sends a raw HTTP/1.1 request and reads until the server closes.
async fn h1_exchange(dir: &Path, addr: SocketAddr, request: &[u8]) -> String {
    let mut tls = tls_connect(dir, addr, b"http/1.1", false).await;
    tls.write_all(request).await.unwrap();
    read_to_close(&mut tls, Duration::from_secs(5)).await
}

/// Everything the peer sends until it closes; panics if it does not close within `limit`.
async fn read_to_close(stream: &mut (impl AsyncRead + Unpin), limit: Duration) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 16384];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "connection still open after {limit:?}");
    String::from_utf8_lossy(&out).into_owned()
}

/// An HTTP/2 client connection (ALPN h2); the connection task ends when the server closes.
async fn h2_connect(
    dir: &Path,
    addr: SocketAddr,
) -> (h2::client::SendRequest<Bytes>, JoinHandle<()>) {
    let tls = tls_connect(dir, addr, b"h2", false).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(b"h2".as_slice()));
    let (client, connection) = h2::client::handshake(tls).await.unwrap();
    let task = tokio::spawn(async move {
        let _ = connection.await;
    });
    (client, task)
}

/// One HTTP/2 GET: the status, the content type and the body.
async fn h2_get(
    client: &h2::client::SendRequest<Bytes>,
    path: &str,
    headers: &[(&str, String)],
) -> (u16, String, String) {
    let mut request = http::Request::builder()
        .method("GET")
        .uri(format!("https://localhost{path}"));
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let mut client = client.clone().ready().await.unwrap();
    let (response, _) = client
        .send_request(request.body(()).unwrap(), true)
        .unwrap();
    let response = response.await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let mut body = response.into_body();
    let mut out = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.unwrap();
        let _ = body.flow_control().release_capacity(chunk.len());
        out.extend_from_slice(&chunk);
    }
    (status, content_type, String::from_utf8(out).unwrap())
}

fn body_of(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

fn es_error(error_type: &str, reason: &str) -> String {
    format!(
        r#"{{"error":{{"root_cause":[{{"type":"{error_type}","reason":"{reason}"}}],"type":"{error_type}","reason":"{reason}"}},"status":400}}"#
    )
}

#[tokio::test]
async fn verified_client_chain_reaches_handlers_and_plaintext_gets_400() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let server = Server::start(
        tls_transport(dir.path()),
        limits(Duration::from_secs(60), 100),
    )
    .await;
    let request = |with_identity: bool| {
        let dir = dir.path().to_path_buf();
        let addr = server.addr;
        async move {
            let mut tls = tls_connect(&dir, addr, b"http/1.1", with_identity).await;
            tls.write_all(b"GET /chain HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
            read_to_close(&mut tls, Duration::from_secs(5)).await
        }
    };
    assert!(request(true).await.ends_with("chain of 1"));
    assert!(request(false).await.ends_with("no chain"));

    let mut plain = TcpStream::connect(server.addr).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: example.test:9200\r\n\r\n")
        .await
        .unwrap();
    let out = read_to_close(&mut plain, Duration::from_secs(5)).await;
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    assert!(out.ends_with("This is an HTTPS port; use https://example.test:9200/ to connect.\n"));
    assert!(server.state.http_stats.total_opened() >= 3);
    server.stop().await;
}

#[tokio::test]
async fn head_limits_answer_elasticsearch_errors_over_http1() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let server = Server::start(
        tls_transport(dir.path()),
        limits(Duration::from_secs(60), 100),
    )
    .await;
    let (dir, addr) = (dir.path(), server.addr);
    let line_error = es_error(
        "too_long_http_line_exception",
        "An HTTP line is larger than 4096 bytes.",
    );
    let header_error = es_error(
        "too_long_http_header_exception",
        "HTTP header is larger than 16384 bytes.",
    );

    // `GET <path> HTTP/1.1` is 13 bytes more than the path.
    let path = |len: usize| format!("/{}", "a".repeat(len - 1));
    let get =
        |path: &str| format!("GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
    let out = h1_exchange(dir, addr, get(&path(4083)).as_bytes()).await;
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    // Over it: Elasticsearch's body, and the connection closes although the client did not
    // ask for that.
    let over = format!("GET {} HTTP/1.1\r\nhost: localhost\r\n\r\n", path(4084));
    let out = h1_exchange(dir, addr, over.as_bytes()).await;
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    let head = out.to_ascii_lowercase();
    assert!(head.contains("content-type: application/json\r\n"), "{out}");
    assert!(
        head.contains("x-elastic-product: elasticsearch\r\n"),
        "{out}"
    );
    assert!(head.contains("connection: close\r\n"), "{out}");
    assert_eq!(body_of(&out), line_error);

    // Header lines `host: localhost` (15) and `x-pad: …` (7 + n) make 16384 with n = 16362.
    let padded = |n: usize| {
        format!(
            "GET / HTTP/1.1\r\nhost: localhost\r\nx-pad: {}\r\n\r\n",
            "p".repeat(n)
        )
    };
    let mut tls = tls_connect(dir, addr, b"http/1.1", false).await;
    tls.write_all(padded(16362).as_bytes()).await.unwrap();
    // Still a keep-alive connection: the next request on it is over the limit.
    tls.write_all(padded(16363).as_bytes()).await.unwrap();
    let out = read_to_close(&mut tls, Duration::from_secs(5)).await;
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    let second = &out[out.find("HTTP/1.1 400").expect("a second answer")..];
    assert_eq!(body_of(second), header_error);

    // Far beyond the limits (past hyper's buffer): hyper's own answer, at once, and closed.
    let started = Instant::now();
    let huge = padded(1 << 20);
    let mut tls = tls_connect(dir, addr, b"http/1.1", false).await;
    let _ = tls.write_all(huge.as_bytes()).await;
    let out = read_to_close(&mut tls, Duration::from_secs(5)).await;
    assert!(
        out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{out}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    server.stop().await;
}

#[tokio::test]
async fn head_limits_answer_elasticsearch_errors_over_http2() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let server = Server::start(
        tls_transport(dir.path()),
        limits(Duration::from_secs(60), 100),
    )
    .await;
    let (client, connection) = h2_connect(dir.path(), server.addr).await;
    let path = |len: usize| format!("/{}", "a".repeat(len - 1));
    let (status, _, body) = h2_get(&client, &path(4083), &[]).await;
    assert_eq!((status, body.as_str()), (200, "fallback"));
    let (status, content_type, body) = h2_get(&client, &path(4084), &[]).await;
    assert_eq!(status, 400);
    assert_eq!(content_type, "application/json");
    assert_eq!(
        body,
        es_error(
            "too_long_http_line_exception",
            "An HTTP line is larger than 4096 bytes."
        )
    );
    // Pseudo-headers are not headers: `x-pad: …` alone is 7 + n bytes.
    let pad = |n: usize| vec![("x-pad", "p".repeat(n))];
    let (status, _, body) = h2_get(&client, "/", &pad(16377)).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, _, body) = h2_get(&client, "/", &pad(16378)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        es_error(
            "too_long_http_header_exception",
            "HTTP header is larger than 16384 bytes."
        )
    );
    // The HTTP/2 connection stays usable after an over-limit stream.
    let (status, _, _) = h2_get(&client, "/", &[]).await;
    assert_eq!(status, 200);
    drop(client);
    connection.abort();
    server.stop().await;
}

#[tokio::test]
async fn connections_waiting_for_a_request_head_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let timeout = Duration::from_millis(400);
    let server = Server::start(tls_transport(dir.path()), limits(timeout, 100)).await;
    let (dir, addr) = (dir.path(), server.addr);
    // Bound on the time to notice: the timeout, plus scheduling on a busy machine.
    let bound = timeout * 2 + Duration::from_secs(2);

    // TCP only: no TLS ClientHello.
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    read_to_close(&mut tcp, HANDSHAKE_TIMEOUT + Duration::from_secs(3)).await;
    assert!(started.elapsed() >= HANDSHAKE_TIMEOUT - Duration::from_millis(100));

    // Handshake done, then nothing.
    let mut idle = tls_connect(dir, addr, b"http/1.1", false).await;
    read_to_close(&mut idle, bound).await;

    // A request head trickling in a byte at a time, never finished: the timeout runs from
    // the first byte expected, not from the last byte received.
    let mut slow = tls_connect(dir, addr, b"http/1.1", false).await;
    let started = Instant::now();
    let head = b"GET / HTTP/1.1\r\nhost: localhost\r\nx-slow: ";
    let mut closed = false;
    for byte in head.iter().chain(std::iter::repeat(&b'a')) {
        if slow.write_all(&[*byte]).await.is_err() || slow.flush().await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_millis(50), slow.read(&mut buf)).await;
        if matches!(read, Ok(Ok(0) | Err(_))) {
            closed = true;
            break;
        }
        assert!(started.elapsed() < bound, "slow head still open");
    }
    assert!(closed);

    // Kept alive after an answer, then idle.
    let mut kept = tls_connect(dir, addr, b"http/1.1", false).await;
    kept.write_all(b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    let out = read_to_close(&mut kept, bound).await;
    assert!(
        out.starts_with("HTTP/1.1 200 OK\r\n") && out.ends_with("ok"),
        "{out}"
    );

    // HTTP/2: idle after the preface, and after answered requests.
    let (client, connection) = h2_connect(dir, addr).await;
    let (status, _, _) = h2_get(&client, "/", &[]).await;
    assert_eq!(status, 200);
    tokio::time::timeout(bound * 2, connection)
        .await
        .expect("idle HTTP/2 connection closed")
        .unwrap();
    server.stop().await;
}

#[tokio::test]
async fn plain_connections_detect_http2_and_time_out_too() {
    let timeout = Duration::from_millis(400);
    let server = Server::start(Transport::Plain, limits(timeout, 100)).await;
    let bound = timeout * 2 + Duration::from_secs(2);
    let mut h1 = TcpStream::connect(server.addr).await.unwrap();
    h1.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let out = read_to_close(&mut h1, bound).await;
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");

    // HTTP/2 with prior knowledge.
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    let connection = tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut send = client.ready().await.unwrap();
    let request = http::Request::get("http://x/").body(()).unwrap();
    let (response, _) = send.send_request(request, true).unwrap();
    assert_eq!(response.await.unwrap().status(), 200);
    drop(send);
    connection.abort();

    // Silent, and a preface prefix that never goes on.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    read_to_close(&mut silent, bound).await;
    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial.write_all(b"PR").await.unwrap();
    read_to_close(&mut partial, bound).await;
    server.stop().await;
}

#[tokio::test]
async fn connections_past_the_cap_are_closed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let server = Server::start(
        tls_transport(dir.path()),
        limits(Duration::from_secs(60), 5),
    )
    .await;
    let (dir, addr) = (dir.path(), server.addr);
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(tls_connect(dir, addr, b"http/1.1", false).await);
    }
    assert_eq!(server.state.http_stats.current_open(), 5);
    for _ in 0..20 {
        // Accepted and closed: the client reads end-of-stream (or a reset), without a
        // handshake and without waiting.
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let _ = tcp.write_all(&[0x16, 3, 1]).await;
        read_to_close(&mut tcp, Duration::from_secs(2)).await;
    }
    assert_eq!(server.state.http_stats.current_open(), 5);
    assert_eq!(server.state.http_stats.total_opened(), 5);

    // A slot freed is a slot taken again.
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.state.http_stats.current_open() > 4 {
        assert!(
            Instant::now() < deadline,
            "closed connection not counted down"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let out = h1_exchange(
        dir,
        addr,
        b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    drop(held);
    server.stop().await;
}

/// Many unauthenticated connections that finish the handshake and then send nothing, or a
/// request head one byte at a time, do not keep a normal client from being answered, and are
/// closed once their head timeout runs out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_connections_do_not_starve_a_normal_client() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let timeout = Duration::from_secs(2);
    let server = Server::start(tls_transport(dir.path()), limits(timeout, 10_000)).await;
    let (dir_path, addr): (PathBuf, _) = (dir.path().to_path_buf(), server.addr);

    let mut attackers = Vec::new();
    for i in 0..150 {
        let dir = dir_path.clone();
        attackers.push(tokio::spawn(async move {
            let mut tls = tls_connect(&dir, addr, b"http/1.1", false).await;
            if i % 5 == 0 {
                // A byte every 100 ms, never a whole head.
                for byte in b"GET / HTTP/1.1\r\nx-a: "
                    .iter()
                    .chain(std::iter::repeat(&b'a'))
                {
                    if tls.write_all(&[*byte]).await.is_err() {
                        break;
                    }
                    let mut buf = [0u8; 16];
                    let read =
                        tokio::time::timeout(Duration::from_millis(100), tls.read(&mut buf)).await;
                    if matches!(read, Ok(Ok(0) | Err(_))) {
                        break;
                    }
                }
            } else {
                let mut buf = [0u8; 16];
                let _ = tls.read(&mut buf).await;
            }
        }));
    }
    while server.state.http_stats.current_open() < 150 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..10 {
        let started = Instant::now();
        let out = h1_exchange(
            &dir_path,
            addr,
            b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    // Every attacker is disconnected by the server: the tasks end on their own.
    for attacker in attackers {
        tokio::time::timeout(timeout * 2 + Duration::from_secs(5), attacker)
            .await
            .expect("hostile connection closed by the server")
            .unwrap();
    }
    assert_eq!(server.state.http_stats.current_open(), 0);
    server.stop().await;
}

#[test]
fn refusals_are_logged_once_per_interval() {
    let throttled = Throttled::new(Duration::from_millis(200));
    assert_eq!(throttled.note(), Some(1));
    for _ in 0..99 {
        assert_eq!(throttled.note(), None);
    }
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(throttled.note(), Some(100));
    assert_eq!(throttled.note(), None);
}

#[cfg(unix)]
#[test]
fn the_cap_follows_the_raised_open_file_limit() {
    let limits = ConnectionLimits::resolve(&HttpLimits::default());
    let rlimit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    // Raised as far as allowed: the soft limit is the hard one.
    assert_eq!(rlimit.current, rlimit.maximum);
    let open_files = rlimit.current.unwrap_or(1 << 20);
    assert_eq!(
        limits.max_open_connections,
        open_files - fd_headroom(open_files)
    );
    assert_eq!(limits.head_timeout, DEFAULT_HEAD_TIMEOUT);
    assert_eq!(limits.max_header_size, 16384);
    // A configured cap is kept when the descriptors allow it, and lowered when not.
    let configured = |n: u64| HttpLimits {
        max_open_connections: Some(n),
        read_timeout: Some(Duration::from_secs(5)),
        ..HttpLimits::default()
    };
    let limits = ConnectionLimits::resolve(&configured(10));
    assert_eq!(
        (limits.max_open_connections, limits.head_timeout),
        (10, Duration::from_secs(5))
    );
    let limits = ConnectionLimits::resolve(&configured(u64::MAX));
    assert_eq!(
        limits.max_open_connections,
        open_files - fd_headroom(open_files)
    );
    assert_eq!(fd_headroom(1024), 102);
    assert_eq!(fd_headroom(100), 64);
    assert_eq!(fd_headroom(1 << 20), 1024);
}
