//! The one HTTP/1.1 client the tools need: a request to the node over the node's own TLS
//! trust (built by `ironstack_tls::client_config`), with a timeout.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a TCP connection may take to open. A refused connection fails at once; this
/// bounds the wait for an address where nothing answers at all (a firewall dropping SYNs).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a request got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendError {
    /// No connection could be opened: nothing listens there (the node is down, or the URL
    /// or port is wrong).
    Unreachable(String),
    /// A connection was opened but the exchange failed (TLS, HTTP, timeout).
    Failed(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(m) | Self::Failed(m) => f.write_str(m),
        }
    }
}

/// Where the node is.
#[derive(Clone)]
pub struct Target {
    /// `https` when set; plain HTTP otherwise.
    pub tls: Option<Arc<tokio_rustls::rustls::ClientConfig>>,
    /// Host name or IP (no brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path prefix (no trailing `/`).
    pub prefix: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base_url())
    }
}

impl Target {
    /// `scheme://host:port/prefix`.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{scheme}://{host}:{}{}", self.port, self.prefix)
    }
}

/// Splits `scheme://host[:port][/prefix]` into `(https, host, port, prefix)`.
pub(crate) fn parse_url(url: &str) -> Result<(bool, String, u16, String), String> {
    let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!(
            "invalid URL [{url}]: it must start with http:// or https://"
        ));
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| format!("invalid URL [{url}]"))?;
        (host.to_string(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(format!("invalid URL [{url}]: no host"));
    }
    let port = match port {
        Some(p) => p
            .parse()
            .map_err(|_| format!("invalid URL [{url}]: bad port [{p}]"))?,
        None if https => 443,
        None => 80,
    };
    Ok((https, host, port, path.trim_end_matches('/').to_string()))
}

/// Sends one request; returns the status and the body text.
pub(crate) async fn send(
    target: &Target,
    method: http::Method,
    path: &str,
    authorization: &str,
    body: Option<String>,
) -> Result<(u16, String), SendError> {
    let tcp = match tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::TcpStream::connect((target.host.as_str(), target.port)),
    )
    .await
    {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => {
            return Err(SendError::Unreachable(format!(
                "cannot connect to [{}]: {e}",
                target.base_url()
            )));
        }
        Err(_) => {
            return Err(SendError::Unreachable(format!(
                "cannot connect to [{}]: no answer within {CONNECT_TIMEOUT:?}",
                target.base_url()
            )));
        }
    };
    tokio::time::timeout(
        REQUEST_TIMEOUT,
        send_inner(tcp, target, method, path, authorization, body),
    )
    .await
    .map_err(|_| {
        SendError::Failed(format!(
            "no answer from [{}] within {REQUEST_TIMEOUT:?}",
            target.base_url()
        ))
    })?
    .map_err(SendError::Failed)
}

async fn send_inner(
    tcp: tokio::net::TcpStream,
    target: &Target,
    method: http::Method,
    path: &str,
    authorization: &str,
    body: Option<String>,
) -> Result<(u16, String), String> {
    let has_body = body.is_some();
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", target.prefix))
        .header(
            http::header::HOST,
            format!("{}:{}", target.host, target.port),
        )
        .header(http::header::AUTHORIZATION, authorization);
    if has_body {
        request = request.header(http::header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    match &target.tls {
        Some(config) => {
            let name = ServerName::try_from(target.host.clone())
                .map_err(|e| format!("invalid host [{}]: {e}", target.host))?;
            let tls = tokio_rustls::TlsConnector::from(config.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS handshake with [{}] failed: {e}", target.base_url()))?;
            exchange(tls, request).await
        }
        None => exchange(tcp, request).await,
    }
}

async fn exchange<S>(io: S, request: http::Request<Full<Bytes>>) -> Result<(u16, String), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("cannot read the response: {e}"))?
        .to_bytes();
    driver.abort();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_parts() {
        assert_eq!(
            parse_url("https://localhost:9200").unwrap(),
            (true, "localhost".into(), 9200, String::new())
        );
        assert_eq!(
            parse_url("http://[::1]:9201/es/").unwrap(),
            (false, "::1".into(), 9201, "/es".into())
        );
        assert_eq!(parse_url("https://h").unwrap().2, 443);
        assert!(parse_url("ftp://h").is_err());
        assert!(parse_url("https://h:x").is_err());
    }
}
