//! The console (Kibana) client of `setup`: connects to `setup.kibana.host` with its own
//! credentials and TLS settings (or the output's credentials, as Beats falls back to) and
//! reads the version from `GET /api/status`, as Beats does before it loads dashboards.

use http::Method;

use crate::client::{EsClient, tls_config};
use crate::config::{KibanaConfig, OutputConfig};
use crate::{Error, Result};

/// What `GET /api/status` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KibanaStatus {
    /// `version.number`.
    pub version: String,
    /// `status.overall.level` (`available` when the console is ready).
    pub level: String,
}

/// The output's client settings pointed at the console: one host, its credentials, headers
/// and TLS (the same client as the output's, so the same verification modes apply).
fn client_settings(kibana: &KibanaConfig, output: &OutputConfig) -> OutputConfig {
    let mut settings = output.clone();
    settings.hosts = vec![kibana.host.clone()];
    settings.username.clone_from(&kibana.username);
    settings.password.clone_from(&kibana.password);
    settings.api_key.clone_from(&kibana.api_key);
    settings.headers.clone_from(&kibana.headers);
    settings.parameters = Vec::new();
    settings.compression_level = 0;
    settings.tls.clone_from(&kibana.tls);
    settings
}

/// Connects to the console and reads its status.
pub async fn status(kibana: &KibanaConfig, output: &OutputConfig) -> Result<KibanaStatus> {
    let settings = client_settings(kibana, output);
    let tls = tls_config(&settings)?;
    let mut client = EsClient::new(kibana.host.clone(), &settings, tls)?;
    let host = &kibana.host;
    let response = client
        .request(Method::GET, "/api/status", None)
        .await
        .map_err(|e| {
            Error::Connection(format!("error connecting to the console at {host}: {e}"))
        })?;
    if !response.status.is_success() {
        // Kibana's errors are Boom bodies: `{statusCode, error, message}`.
        let message = response
            .json()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| response.reason());
        let hint = match response.status.as_u16() {
            401 => " (check setup.kibana.username and setup.kibana.password)",
            503 => " (the console is not ready yet)",
            _ => "",
        };
        return Err(Error::Response(format!(
            "the console at {host} answered GET /api/status with {}: {message}{hint}",
            response.status.as_u16()
        )));
    }
    parse_status(&response.body).ok_or_else(|| {
        Error::Response(format!(
            "the console at {host} answered GET /api/status with a body that has no version.number"
        ))
    })
}

fn parse_status(body: &[u8]) -> Option<KibanaStatus> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let version = v.pointer("/version/number")?.as_str()?.to_string();
    let level = v
        .pointer("/status/overall/level")
        .and_then(|l| l.as_str())
        .unwrap_or("unknown")
        .to_string();
    Some(KibanaStatus { version, level })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_and_level_of_kibana_status() {
        let body = br#"{"name":"c","version":{"number":"8.17.0","build_snapshot":false},
            "status":{"overall":{"level":"available","summary":"All services are available"}}}"#;
        assert_eq!(
            parse_status(body),
            Some(KibanaStatus {
                version: "8.17.0".into(),
                level: "available".into()
            })
        );
        assert_eq!(parse_status(br#"{"status":{}}"#), None);
        assert_eq!(parse_status(b"<html>"), None);
    }
}
