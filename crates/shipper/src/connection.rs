//! One HTTP/1.1 connection to an Elasticsearch host: DNS lookup, TCP dial, the TLS handshake
//! with the configuration built by `ironstack-tls` (only when the scheme is `https`), then
//! hyper's client handshake. Each step is reported to an observer, which is how
//! `test output` prints Metricbeat's step list; the run path passes a silent observer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use ironstack_tls::rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::hosts::HostUrl;
use crate::{Error, Result};

/// A step of the connection, as `test output` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Resolving the host name.
    DnsLookup,
    /// The TCP connection.
    DialUp,
    /// The TLS handshake.
    Handshake,
}

/// Receives each step's outcome: `Ok(detail)` or `Err(cause)`.
pub type Observer<'a> = &'a mut (dyn FnMut(Step, std::result::Result<String, String>) + Send);

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// What the handshake negotiated.
#[derive(Debug, Clone, Default)]
pub struct TlsInfo {
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: String,
}

/// An open connection ready for requests.
pub struct Connection {
    /// hyper's request sender.
    pub sender: SendRequest<Full<Bytes>>,
    /// `None` for plain HTTP.
    pub tls: Option<TlsInfo>,
}

/// Opens a connection to `host` within `timeout` (which also bounds the TLS handshake).
pub async fn connect(
    host: &HostUrl,
    tls: Option<&Arc<ClientConfig>>,
    timeout: Duration,
    observe: Observer<'_>,
) -> Result<Connection> {
    let addresses =
        match tokio::time::timeout(timeout, tokio::net::lookup_host(host.authority())).await {
            Ok(Ok(addrs)) => addrs.collect::<Vec<SocketAddr>>(),
            Ok(Err(e)) => {
                let cause = format!("lookup {}: {e}", host.host);
                observe(Step::DnsLookup, Err(cause.clone()));
                return Err(Error::Connection(cause));
            }
            Err(_) => {
                let cause = format!("lookup {}: timed out", host.host);
                observe(Step::DnsLookup, Err(cause.clone()));
                return Err(Error::Connection(cause));
            }
        };
    if addresses.is_empty() {
        let cause = format!("lookup {}: no addresses", host.host);
        observe(Step::DnsLookup, Err(cause.clone()));
        return Err(Error::Connection(cause));
    }
    observe(
        Step::DnsLookup,
        Ok(addresses
            .iter()
            .map(|a| a.ip().to_string())
            .collect::<Vec<_>>()
            .join(", ")),
    );
    let mut last_error = String::new();
    let mut tcp = None;
    for addr in &addresses {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                tcp = Some(stream);
                break;
            }
            Ok(Err(e)) => last_error = format!("dial tcp {addr}: {e}"),
            Err(_) => last_error = format!("dial tcp {addr}: i/o timeout"),
        }
    }
    let Some(tcp) = tcp else {
        observe(Step::DialUp, Err(last_error.clone()));
        return Err(Error::Connection(last_error));
    };
    let _ = tcp.set_nodelay(true);
    observe(Step::DialUp, Ok(String::new()));
    let (io, tls_info): (Box<dyn Io>, Option<TlsInfo>) = match (host.https, tls) {
        (true, Some(config)) => {
            let name = ServerName::try_from(host.host.clone()).map_err(|_| {
                Error::Connection(format!("[{}] is not a valid TLS server name", host.host))
            })?;
            let connector = tokio_rustls::TlsConnector::from(config.clone());
            match tokio::time::timeout(timeout, connector.connect(name, tcp)).await {
                Ok(Ok(stream)) => {
                    let version = match stream.get_ref().1.protocol_version() {
                        Some(ironstack_tls::rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
                        Some(ironstack_tls::rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
                        _ => "unknown",
                    };
                    observe(Step::Handshake, Ok(version.to_string()));
                    (
                        Box::new(stream),
                        Some(TlsInfo {
                            version: version.to_string(),
                        }),
                    )
                }
                Ok(Err(e)) => {
                    let cause = handshake_cause(&e);
                    observe(Step::Handshake, Err(cause.clone()));
                    return Err(Error::Connection(format!(
                        "TLS handshake with {host} failed: {cause}"
                    )));
                }
                Err(_) => {
                    let cause = "TLS handshake timed out".to_string();
                    observe(Step::Handshake, Err(cause.clone()));
                    return Err(Error::Connection(format!("{cause} ({host})")));
                }
            }
        }
        (true, None) => {
            return Err(Error::Connection(format!(
                "{host} uses https but no TLS configuration was built"
            )));
        }
        (false, _) => (Box::new(tcp), None),
    };
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| Error::Connection(format!("HTTP handshake with {host} failed: {e}")))?;
    tokio::spawn(async move {
        // The connection ends when the server closes it or the sender is dropped; a new one
        // is opened on the next request either way.
        let _ = connection.await;
    });
    Ok(Connection {
        sender,
        tls: tls_info,
    })
}

/// The rustls error inside an I/O error, worded by its cause.
fn handshake_cause(error: &std::io::Error) -> String {
    match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ironstack_tls::rustls::Error>())
    {
        Some(tls) => ironstack_tls::describe_handshake_error(tls),
        None => error.to_string(),
    }
}
