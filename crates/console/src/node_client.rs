//! The console's HTTP(S) client towards the node: one rustls client configuration from the
//! one TLS builder, HTTP/1.1 connections kept in a small pool, a timeout per call, Kibana's
//! product-origin headers, and TLS failures explained (unknown authority, name mismatch with
//! the names the certificate has, expiry) instead of "No living connections".

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use ironstack_tls::{ClientTlsSettings, Secret};
use rustls::pki_types::ServerName;
use rustls::{CertificateError, ClientConfig};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::config::{ConsoleConfig, NodeHost};
use crate::{Error, Result};

/// Idle connections kept per console.
const POOL_SIZE: usize = 16;

/// The node's answer.
#[derive(Debug, Clone)]
pub(crate) struct NodeResponse {
    /// HTTP status.
    pub(crate) status: u16,
    /// The body as JSON (`Null` when empty or not JSON).
    pub(crate) body: serde_json::Value,
}

impl NodeResponse {
    /// 2xx.
    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Elasticsearch's `error.reason` (or the whole body) for messages.
    pub(crate) fn reason(&self) -> String {
        self.body["error"]["reason"]
            .as_str()
            .map(str::to_string)
            .or_else(|| self.body["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| format!("the node answered {}", self.status))
    }
}

/// A client of the configured node (the first host that answers).
pub(crate) struct NodeClient {
    hosts: Vec<NodeHost>,
    tls: Option<Arc<ClientConfig>>,
    timeout: Duration,
    pool: Mutex<Vec<(usize, SendRequest<Full<Bytes>>)>>,
}

impl std::fmt::Debug for NodeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeClient")
            .field("hosts", &self.hosts)
            .finish()
    }
}

impl NodeClient {
    /// Builds the client from `elasticsearch.*`; CAs replace the system roots when set.
    pub(crate) fn new(config: &ConsoleConfig) -> Result<Self> {
        let tls = if config.hosts.iter().any(|h| h.tls) {
            let settings = ClientTlsSettings {
                certificate_authorities: config.node_certificate_authorities.clone(),
                verification: config.node_verification,
                alpn_protocols: vec![b"http/1.1".to_vec()],
                ..ClientTlsSettings::default()
            };
            Some(ironstack_tls::client_config(&settings)?)
        } else {
            None
        };
        Ok(NodeClient {
            hosts: config.hosts.clone(),
            tls,
            timeout: config.request_timeout,
            pool: Mutex::new(Vec::new()),
        })
    }

    /// A client towards `hosts` with its own TLS settings (enrolment pins the node's CA by
    /// fingerprint before any CA file exists).
    pub(crate) fn for_hosts(
        hosts: Vec<NodeHost>,
        tls: &ClientTlsSettings,
        timeout: Duration,
    ) -> Result<Self> {
        Ok(NodeClient {
            tls: Some(ironstack_tls::client_config(tls)?),
            hosts,
            timeout,
            pool: Mutex::new(Vec::new()),
        })
    }

    /// Sends one request with `authorization` (the user's or the console's own header).
    pub(crate) async fn request(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&Secret>,
        body: Option<&serde_json::Value>,
    ) -> Result<NodeResponse> {
        match tokio::time::timeout(
            self.timeout,
            self.request_inner(method, path, authorization, body),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(Error::Node(format!(
                "Request timed out after {} ms ({})",
                self.timeout.as_millis(),
                path
            ))),
        }
    }

    async fn request_inner(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&Secret>,
        body: Option<&serde_json::Value>,
    ) -> Result<NodeResponse> {
        let payload = match body {
            Some(v) => Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
            None => Bytes::new(),
        };
        let mut last_error = None;
        for _ in 0..2 {
            let (index, mut sender) = match self.pooled() {
                Some(found) => found,
                None => match self.connect_any().await {
                    Ok(found) => found,
                    Err(e) => {
                        last_error = Some(e);
                        break;
                    }
                },
            };
            let host = &self.hosts[index];
            let mut builder = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(header::HOST, host.authority())
                .header("x-elastic-product-origin", "kibana")
                .header(
                    header::USER_AGENT,
                    concat!("Kibana/ironstack-console ", env!("CARGO_PKG_VERSION")),
                );
            if body.is_some() {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
            }
            if let Some(secret) = authorization {
                let mut value = HeaderValue::from_str(secret.expose())
                    .map_err(|_| Error::Node("invalid authorization header".to_string()))?;
                value.set_sensitive(true);
                builder = builder.header(header::AUTHORIZATION, value);
            }
            let request = builder
                .body(Full::new(payload.clone()))
                .map_err(|e| Error::Node(format!("cannot build the request to {path}: {e}")))?;
            match sender.send_request(request).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let bytes = response
                        .into_body()
                        .collect()
                        .await
                        .map_err(|e| Error::Node(format!("reading the node's answer: {e}")))?
                        .to_bytes();
                    self.give_back(index, sender);
                    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
                    return Ok(NodeResponse { status, body });
                }
                // A pooled connection the node closed meanwhile: try a fresh one once.
                Err(e) => last_error = Some(Error::Node(format!("{}: {e}", host.uri()))),
            }
        }
        Err(last_error.unwrap_or_else(|| Error::Node("no node host configured".to_string())))
    }

    fn pooled(&self) -> Option<(usize, SendRequest<Full<Bytes>>)> {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some((index, sender)) = pool.pop() {
            if sender.is_ready() {
                return Some((index, sender));
            }
        }
        None
    }

    fn give_back(&self, index: usize, sender: SendRequest<Full<Bytes>>) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.len() < POOL_SIZE {
            pool.push((index, sender));
        }
    }

    async fn connect_any(&self) -> Result<(usize, SendRequest<Full<Bytes>>)> {
        let mut causes = Vec::new();
        for (index, host) in self.hosts.iter().enumerate() {
            match self.connect(host).await {
                Ok(sender) => return Ok((index, sender)),
                Err(cause) => causes.push(cause),
            }
        }
        Err(Error::Node(causes.join("; ")))
    }

    async fn connect(
        &self,
        host: &NodeHost,
    ) -> std::result::Result<SendRequest<Full<Bytes>>, String> {
        let tcp = TcpStream::connect((host.host.as_str(), host.port))
            .await
            .map_err(|e| format!("cannot connect to [{}]: {e}", host.uri()))?;
        let _ = tcp.set_nodelay(true);
        match (&self.tls, host.tls) {
            (Some(tls), true) => {
                let name = ServerName::try_from(host.host.clone())
                    .map_err(|_| format!("[{}] is not a valid host name", host.host))?;
                let stream = tokio_rustls::TlsConnector::from(tls.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| describe_tls_failure(host, &e))?;
                handshake(stream)
                    .await
                    .map_err(|e| format!("{}: {e}", host.uri()))
            }
            _ => handshake(tcp)
                .await
                .map_err(|e| format!("{}: {e}", host.uri())),
        }
    }
}

async fn handshake<I>(io: I) -> std::result::Result<SendRequest<Full<Bytes>>, hyper::Error>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// One line saying what is wrong with the node's certificate and which setting fixes it.
pub(crate) fn describe_tls_failure(host: &NodeHost, error: &std::io::Error) -> String {
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let uri = host.uri();
    let fix_ca = "set [elasticsearch.ssl.certificateAuthorities] to the CA that signed the node's HTTP certificate (for example config/certs/http_ca.crt)";
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(cause)) => match cause {
            CertificateError::UnknownIssuer => format!(
                "TLS handshake with [{uri}] failed: the node's certificate is signed by an unknown authority (unable to get local issuer certificate); {fix_ca}"
            ),
            CertificateError::NotValidForNameContext {
                expected,
                presented,
            } => format!(
                "TLS handshake with [{uri}] failed: the node's certificate is not valid for [{}]; it is valid for [{}]; connect with one of those names in [elasticsearch.hosts] or re-issue the certificate",
                server_name_text(expected),
                presented.join(", ")
            ),
            CertificateError::NotValidForName => format!(
                "TLS handshake with [{uri}] failed: the node's certificate is not valid for host [{}]",
                host.host
            ),
            CertificateError::ExpiredContext { time, not_after } => format!(
                "TLS handshake with [{uri}] failed: the node's certificate expired (not after {} s since the epoch, now {} s)",
                not_after.as_secs(),
                time.as_secs()
            ),
            CertificateError::Expired => {
                format!("TLS handshake with [{uri}] failed: the node's certificate has expired")
            }
            other => format!("TLS handshake with [{uri}] failed: bad certificate: {other}"),
        },
        Some(other) => format!("TLS handshake with [{uri}] failed: {other}"),
        None if error.kind() == std::io::ErrorKind::UnexpectedEof => format!(
            "TLS handshake with [{uri}] failed: the connection was closed; is [{uri}] an HTTPS port?"
        ),
        None => format!("TLS handshake with [{uri}] failed: {error}"),
    }
}

fn server_name_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::UnixTime;

    fn host() -> NodeHost {
        NodeHost::parse("https://localhost:9200").unwrap()
    }

    fn io(error: rustls::Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, error)
    }

    #[test]
    fn tls_failures_name_their_cause() {
        let m = describe_tls_failure(
            &host(),
            &io(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        );
        assert!(
            m.contains("unknown authority")
                && m.contains("elasticsearch.ssl.certificateAuthorities"),
            "{m}"
        );
        let m = describe_tls_failure(
            &host(),
            &io(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForNameContext {
                    expected: ServerName::try_from("localhost").unwrap(),
                    presented: vec!["node-1.example.com".to_string(), "10.0.0.1".to_string()],
                },
            )),
        );
        assert!(
            m.contains("not valid for [localhost]") && m.contains("node-1.example.com, 10.0.0.1"),
            "{m}"
        );
        let m = describe_tls_failure(
            &host(),
            &io(rustls::Error::InvalidCertificate(
                CertificateError::ExpiredContext {
                    time: UnixTime::since_unix_epoch(Duration::from_secs(200)),
                    not_after: UnixTime::since_unix_epoch(Duration::from_secs(100)),
                },
            )),
        );
        assert!(m.contains("expired"), "{m}");
        let m = describe_tls_failure(
            &host(),
            &std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
        );
        assert!(m.contains("HTTPS port"), "{m}");
    }

    #[test]
    fn reasons_come_from_elasticsearch_errors() {
        let r = NodeResponse {
            status: 403,
            body: serde_json::json!({"error": {"reason": "action [x] is unauthorized"}}),
        };
        assert!(!r.ok());
        assert_eq!(r.reason(), "action [x] is unauthorized");
        let r = NodeResponse {
            status: 500,
            body: serde_json::Value::Null,
        };
        assert_eq!(r.reason(), "the node answered 500");
    }

    #[tokio::test]
    async fn an_unreachable_node_is_an_error_naming_it() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let path = std::path::Path::new("console.yml");
        let settings = ironstack_config::Settings::from_yaml(
            &format!(
                "elasticsearch.hosts: http://127.0.0.1:{port}\nelasticsearch.requestTimeout: 2000"
            ),
            path,
        )
        .unwrap();
        let config = ConsoleConfig::from_settings(&settings, path).unwrap();
        let client = NodeClient::new(&config).unwrap();
        let e = client
            .request(Method::GET, "/", None, None)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("127.0.0.1:{port}")), "{e}");
    }
}
