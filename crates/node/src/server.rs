//! The HTTP(S) accept loop: binds `http.host` on the first free port of `http.port`, peeks
//! each connection's first byte (0x16 = TLS handshake; anything else on an HTTPS port gets a
//! friendly plain-text 400), completes the handshake with the *current* server configuration
//! (so hot reload affects new connections only), puts the verified client chain into every
//! request's extensions, and drains connections on shutdown.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use ironstack_tls::ReloadableServerConfig;
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::state::AppState;

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

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

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
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = Arc::new(GracefulShutdown::new());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut accept_tasks = Vec::new();
    for listener in listeners {
        let transport = transport.clone();
        let app = app.clone();
        let state = state.clone();
        let graceful = graceful.clone();
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
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                tokio::spawn(handle_connection(
                    tcp,
                    peer,
                    transport.clone(),
                    app.clone(),
                    state.clone(),
                    graceful.watcher(),
                ));
            }
        }));
    }
    shutdown.await;
    let _ = stop_tx.send(true);
    for t in accept_tasks {
        let _ = t.await;
    }
    let Ok(graceful) = Arc::try_unwrap(graceful) else {
        return;
    };
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 10s; closing them");
    }
}

async fn handle_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    transport: Transport,
    app: Router,
    state: Arc<AppState>,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let _open = state.http_stats.opened();
    match transport {
        Transport::Plain => serve_http(TokioIo::new(tcp), peer, app, None, watcher, None).await,
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
            // ALPN already told us the protocol: skip the auto-detection read.
            let h2 = session.alpn_protocol() == Some(b"h2".as_slice());
            serve_http(TokioIo::new(stream), peer, app, chain, watcher, Some(h2)).await;
        }
    }
}

async fn serve_http<I>(
    io: TokioIo<I>,
    peer: SocketAddr,
    app: Router,
    chain: Option<ClientCertificateChain>,
    watcher: hyper_util::server::graceful::Watcher,
    h2: Option<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = tower::ServiceBuilder::new()
        .map_request(move |mut req: http::Request<hyper::body::Incoming>| {
            if let Some(chain) = &chain {
                req.extensions_mut().insert(chain.clone());
            }
            // The client address (the audit trail's `origin.address`).
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            req
        })
        .service(app);
    let mut builder = Builder::new(TokioExecutor::new());
    builder = match h2 {
        Some(true) => builder.http2_only(),
        Some(false) => builder.http1_only(),
        None => builder,
    };
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(60));
    let conn = builder
        .serve_connection(io, TowerToHyperService::new(service))
        .into_owned();
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!(error = %e, "connection ended with an error");
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
mod tests {
    use std::path::Path;

    use axum::Extension;
    use axum::routing::get;
    use ironstack_config::ClientAuthentication;
    use ironstack_pki::{
        CertificateAuthority, CertificateSpec, DistinguishedName, ExtendedKeyUsage, KeyAlgorithm,
        KeyUsage, PrivateKey, Validity,
    };
    use ironstack_tls::{ClientTlsSettings, Identity, ServerTlsSettings};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

    #[tokio::test]
    async fn verified_client_chain_reaches_handlers_and_plaintext_gets_400() {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        let ca = CertificateAuthority::generate(
            &spec("test ca", true, ExtendedKeyUsage::ServerAuth),
            ca_key,
        )
        .unwrap();
        std::fs::write(dir.path().join("ca.crt"), ca.certificate.to_pem()).unwrap();
        issue(&ca, dir.path(), "server", ExtendedKeyUsage::ServerAuth);
        issue(&ca, dir.path(), "client", ExtendedKeyUsage::ClientAuth);

        let mut settings = ServerTlsSettings::new(Identity::Pem {
            certificate: dir.path().join("server.crt"),
            key: dir.path().join("server.key"),
            passphrase: None,
        });
        settings.client_authentication = ClientAuthentication::Optional;
        settings.client_certificate_authorities = vec![dir.path().join("ca.crt")];
        settings.alpn_protocols = vec![b"http/1.1".to_vec()];
        let tls = ReloadableServerConfig::new(settings).unwrap();

        let identity = NodeIdentity {
            node_name: "n".into(),
            cluster_name: "c".into(),
            cluster_uuid: "u".into(),
            node_id: "i".into(),
            license_uid: "l".into(),
            license_issue_date_millis: 0,
        };
        let state = Arc::new(AppState::new(identity, None, 1024));
        let app = Router::new().route(
            "/chain",
            get(
                |chain: Option<Extension<ClientCertificateChain>>| async move {
                    match chain {
                        Some(Extension(c)) => format!("chain of {}", c.0.len()),
                        None => "no chain".to_string(),
                    }
                },
            ),
        );
        let listeners = bind(&["127.0.0.1".parse().unwrap()], 0..=0).await.unwrap();
        let addr = listeners[0].local_addr().unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(
            listeners,
            Transport::Tls(tls),
            app,
            state.clone(),
            async move {
                let _ = stop_rx.await;
            },
        ));

        let request = |with_identity: bool| {
            let dir = dir.path().to_path_buf();
            async move {
                let client = ironstack_tls::client_config(&ClientTlsSettings {
                    certificate_authorities: vec![dir.join("ca.crt")],
                    identity: with_identity.then(|| Identity::Pem {
                        certificate: dir.join("client.crt"),
                        key: dir.join("client.key"),
                        passphrase: None,
                    }),
                    ..ClientTlsSettings::default()
                })
                .unwrap();
                let tcp = TcpStream::connect(addr).await.unwrap();
                let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
                let mut tls = tokio_rustls::TlsConnector::from(client)
                    .connect(name, tcp)
                    .await
                    .unwrap();
                tls.write_all(
                    b"GET /chain HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
                )
                .await
                .unwrap();
                let mut out = String::new();
                let _ = tls.read_to_string(&mut out).await;
                out
            }
        };
        assert!(request(true).await.ends_with("chain of 1"));
        assert!(request(false).await.ends_with("no chain"));

        let mut plain = TcpStream::connect(addr).await.unwrap();
        plain
            .write_all(b"GET / HTTP/1.1\r\nHost: example.test:9200\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        let _ = plain.read_to_string(&mut out).await;
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
        assert!(
            out.ends_with("This is an HTTPS port; use https://example.test:9200/ to connect.\n")
        );
        assert!(state.http_stats.total_opened() >= 3);

        let _ = stop_tx.send(());
        server.await.unwrap();
    }
}
