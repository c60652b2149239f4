//! The Elasticsearch client of one output worker: one host, one keep-alive connection opened
//! lazily and dropped on any transport error, Metricbeat's headers on every request, basic
//! auth or an API key, gzip bodies at `compression_level`, and `timeout` on each request.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use ironstack_tls::rustls::ClientConfig;

use crate::config::{OutputConfig, VERSION};
use crate::connection::{self, Connection, Observer};
use crate::hosts::HostUrl;
use crate::{Error, Result};

/// A response: status and body.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: StatusCode,
    /// The (decoded) body.
    pub body: Bytes,
    /// Request body bytes written (after compression), for `libbeat.output.write.bytes`.
    pub sent: usize,
}

impl Response {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body for an error message: Elasticsearch's `error.reason` when there is one.
    pub fn reason(&self) -> String {
        self.json()
            .and_then(|v| {
                v.pointer("/error/reason")
                    .and_then(|r| r.as_str().map(str::to_string))
            })
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&self.body)
                    .chars()
                    .take(300)
                    .collect()
            })
    }
}

/// A client for one host.
pub struct EsClient {
    host: HostUrl,
    tls: Option<Arc<ClientConfig>>,
    headers: HeaderMap,
    compression_level: u32,
    timeout: Duration,
    connection: Option<Connection>,
}

impl std::fmt::Debug for EsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsClient")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// The TLS configuration for the output: the `ssl` section, or Beats' defaults (system trust,
/// `full`) for an `https` host without one. `None` when no host uses https.
pub fn tls_config(output: &OutputConfig) -> Result<Option<Arc<ClientConfig>>> {
    if !output.hosts.iter().any(|h| h.https) {
        return Ok(None);
    }
    let settings = output
        .tls
        .clone()
        .unwrap_or_else(|| ironstack_tls::ClientTlsSettings {
            alpn_protocols: vec![b"http/1.1".to_vec()],
            ..Default::default()
        });
    Ok(Some(ironstack_tls::client_config(&settings)?))
}

impl EsClient {
    /// A client for `host` with the output's credentials and headers.
    pub fn new(
        host: HostUrl,
        output: &OutputConfig,
        tls: Option<Arc<ClientConfig>>,
    ) -> Result<EsClient> {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        let agent = format!(
            "Metricbeat/{VERSION} ({}; {}; ironstack-shipper)",
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_str(&agent).unwrap_or(HeaderValue::from_static("Metricbeat")),
        );
        headers.insert(
            HeaderName::from_static("x-elastic-product-origin"),
            HeaderValue::from_static("beats"),
        );
        let authorization = match (&output.api_key, &output.username) {
            (Some(key), _) => Some(format!(
                "ApiKey {}",
                base64::engine::general_purpose::STANDARD.encode(key.expose())
            )),
            (None, Some(user)) => {
                let password = output.password.as_ref().map(|p| p.expose()).unwrap_or("");
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
                ))
            }
            (None, None) => None,
        };
        if authorization.is_some() && !host.https {
            // Beats allows it; the credentials are readable by anyone on the path.
            tracing::warn!(host = %host, "credentials are sent to {host} over plain HTTP; use an https:// host");
        }
        if let Some(auth) = authorization {
            let mut value = HeaderValue::from_str(&auth).map_err(|_| Error::InvalidValue {
                key: "output.elasticsearch.username".to_string(),
                reason: "credentials contain characters not allowed in a header".to_string(),
            })?;
            value.set_sensitive(true);
            headers.insert(http::header::AUTHORIZATION, value);
        }
        for (name, value) in &output.headers {
            let key = format!("output.elasticsearch.headers.{name}");
            let name =
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::InvalidValue {
                    key: key.clone(),
                    reason: "not a valid header name".to_string(),
                })?;
            let value = HeaderValue::from_str(value).map_err(|_| Error::InvalidValue {
                key,
                reason: "not a valid header value".to_string(),
            })?;
            headers.insert(name, value);
        }
        Ok(EsClient {
            host,
            tls,
            headers,
            compression_level: output.compression_level,
            timeout: output.timeout,
            connection: None,
        })
    }

    /// The host this client talks to.
    pub fn host(&self) -> &HostUrl {
        &self.host
    }

    /// Drops the connection (the next request opens a new one).
    pub fn close(&mut self) {
        self.connection = None;
    }

    /// Opens the connection now, reporting each step.
    pub async fn connect_observed(&mut self, observe: Observer<'_>) -> Result<Option<String>> {
        let c = connection::connect(&self.host, self.tls.as_ref(), self.timeout, observe).await?;
        let version = c.tls.as_ref().map(|t| t.version.clone());
        self.connection = Some(c);
        Ok(version)
    }

    /// Opens the connection if there is none (the server may have closed an idle one), so
    /// that a publisher can tell "cannot reach the server" from "the request failed".
    pub async fn ensure_open(&mut self) -> Result<()> {
        if self
            .connection
            .as_ref()
            .is_some_and(|c| !c.sender.is_closed())
        {
            return Ok(());
        }
        let mut silent = |_, _| {};
        let connection =
            connection::connect(&self.host, self.tls.as_ref(), self.timeout, &mut silent).await?;
        self.connection = Some(connection);
        Ok(())
    }

    /// Sends one request; `path` is relative to the host's path prefix and may carry a query.
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Response> {
        let result = tokio::time::timeout(self.timeout, self.send(method, path, body)).await;
        match result {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                self.close();
                Err(e)
            }
            Err(_) => {
                self.close();
                Err(Error::Connection(format!(
                    "request to {} timed out after {:?}",
                    self.host, self.timeout
                )))
            }
        }
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Response> {
        if self
            .connection
            .as_ref()
            .is_none_or(|c| c.sender.is_closed())
        {
            let mut silent = |_, _| {};
            self.connection = Some(
                connection::connect(&self.host, self.tls.as_ref(), self.timeout, &mut silent)
                    .await?,
            );
        }
        let Some(connection) = self.connection.as_mut() else {
            return Err(Error::Connection(format!("no connection to {}", self.host)));
        };
        let uri = format!("{}{}", self.host.path, path);
        let mut builder = Request::builder().method(method).uri(&uri);
        if let Some(h) = builder.headers_mut() {
            h.extend(self.headers.clone());
            if let Ok(v) = HeaderValue::from_str(&self.host.authority()) {
                h.insert(http::header::HOST, v);
            }
        }
        let payload = match body {
            Some(raw) if self.compression_level > 0 => {
                if let Some(h) = builder.headers_mut() {
                    h.insert(
                        http::header::CONTENT_ENCODING,
                        HeaderValue::from_static("gzip"),
                    );
                }
                gzip(&raw, self.compression_level)?
            }
            Some(raw) => raw,
            None => Vec::new(),
        };
        let sent = payload.len();
        let request = builder
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| Error::Connection(format!("cannot build a request for [{uri}]: {e}")))?;
        connection
            .sender
            .ready()
            .await
            .map_err(|e| Error::Connection(format!("connection to {} lost: {e}", self.host)))?;
        let response = connection
            .sender
            .send_request(request)
            .await
            .map_err(|e| Error::Connection(format!("request to {} failed: {e}", self.host)))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| {
                Error::Connection(format!("reading the response of {} failed: {e}", self.host))
            })?
            .to_bytes();
        Ok(Response { status, body, sent })
    }
}

fn gzip(raw: &[u8], level: u32) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    encoder
        .write_all(raw)
        .and_then(|_| encoder.finish())
        .map_err(|e| Error::Runtime(format!("cannot compress a request body: {e}")))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn output(hosts: &str, extra: &str) -> OutputConfig {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("shipper.yml");
        std::fs::write(
            &f,
            format!("output.elasticsearch:\n  hosts: [\"{hosts}\"]\n{extra}"),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let loaded =
            crate::config::load(&Default::default(), &Default::default(), dir.path()).unwrap();
        crate::config::ShipperConfig::from_loaded(&loaded)
            .unwrap()
            .output
    }

    fn warnings_for(output: &OutputConfig) -> String {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            EsClient::new(output.hosts[0].clone(), output, None).unwrap();
        });
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn credentials_over_plain_http_are_warned_about_and_never_logged() {
        let plain = output("http://es:9200", "  username: u\n  password: s3cret\n");
        let log = warnings_for(&plain);
        assert!(log.contains("over plain HTTP"), "{log}");
        assert!(!log.contains("s3cret"));
        let anonymous = output("http://es:9200", "");
        assert!(warnings_for(&anonymous).is_empty());
    }

    #[test]
    fn authorization_headers() {
        let basic = output("http://es:9200", "  username: u\n  password: p\n");
        let c = EsClient::new(basic.hosts[0].clone(), &basic, None).unwrap();
        let auth = c.headers.get(http::header::AUTHORIZATION).unwrap();
        assert_eq!(auth.to_str().unwrap(), "Basic dTpw");
        assert!(auth.is_sensitive());
        let key = output("https://es:9200", "  api_key: \"id:key\"\n");
        let c = EsClient::new(key.hosts[0].clone(), &key, None).unwrap();
        assert_eq!(
            c.headers
                .get(http::header::AUTHORIZATION)
                .unwrap()
                .to_str()
                .unwrap(),
            "ApiKey aWQ6a2V5"
        );
        assert_eq!(c.headers.get("x-elastic-product-origin").unwrap(), "beats");
        let custom = output(
            "https://es:9200",
            "  headers:\n    X-Custom: abc\n    Accept: text/plain\n",
        );
        let c = EsClient::new(custom.hosts[0].clone(), &custom, None).unwrap();
        assert_eq!(c.headers.get("x-custom").unwrap(), "abc");
        assert_eq!(
            c.headers.get(http::header::ACCEPT).unwrap(),
            "text/plain",
            "user headers replace defaults"
        );
    }
}
