//! `test output`: for each host, Metricbeat's step list (parse url, dns lookup, dial up, TLS
//! handshake with the version and the verification in use, talk to server, version), each
//! step `OK` or `ERROR <cause>`.

use http::Method;
use ironstack_terminal::print_out;
use ironstack_tls::ServerVerification;
use serde_json::Value;

use crate::client::{EsClient, tls_config};
use crate::config::ShipperConfig;
use crate::connection::Step;

/// Runs the checks; whether every host passed.
pub async fn run(config: &ShipperConfig) -> bool {
    let tls = match tls_config(&config.output) {
        Ok(t) => t,
        Err(e) => {
            print_out(&format!("elasticsearch: TLS configuration... ERROR {e}\n"));
            return false;
        }
    };
    let mut all_ok = true;
    for host in &config.output.hosts {
        let mut out = format!(
            "elasticsearch: {host}...\n  parse url... OK\n  connection...\n    parse host... OK\n"
        );
        let ok = check_host(config, host, tls.clone(), &mut out).await;
        print_out(&out);
        all_ok &= ok;
    }
    all_ok
}

async fn check_host(
    config: &ShipperConfig,
    host: &crate::hosts::HostUrl,
    tls: Option<std::sync::Arc<ironstack_tls::rustls::ClientConfig>>,
    out: &mut String,
) -> bool {
    let mut client = match EsClient::new(host.clone(), &config.output, tls) {
        Ok(c) => c,
        Err(e) => {
            out.push_str(&format!("    ERROR {e}\n"));
            return false;
        }
    };
    let mut steps: Vec<(Step, Result<String, String>)> = Vec::new();
    let connected = {
        let mut observe = |step, result| steps.push((step, result));
        client.connect_observed(&mut observe).await
    };
    for (step, result) in &steps {
        match (step, result) {
            (Step::DnsLookup, Ok(addrs)) => {
                out.push_str(&format!("    dns lookup... OK\n    addresses: {addrs}\n"));
            }
            (Step::DnsLookup, Err(e)) => out.push_str(&format!("    dns lookup... ERROR {e}\n")),
            (Step::DialUp, Ok(_)) => out.push_str("    dial up... OK\n"),
            (Step::DialUp, Err(e)) => out.push_str(&format!("    dial up... ERROR {e}\n")),
            (Step::Handshake, result) => {
                let verification = config
                    .output
                    .tls
                    .as_ref()
                    .map(|t| t.verification)
                    .unwrap_or_default();
                let security = match verification {
                    ServerVerification::DangerousNone => {
                        "server's certificate chain verification is disabled".to_string()
                    }
                    ServerVerification::Certificate => "server's certificate chain verification is enabled (verification_mode: certificate, the host name is not checked)".to_string(),
                    ServerVerification::Strict => "server's certificate chain verification is enabled (verification_mode: strict)".to_string(),
                    ServerVerification::Full => "server's certificate chain verification is enabled (verification_mode: full)".to_string(),
                };
                out.push_str(&format!("  TLS...\n    security: {security}\n"));
                match result {
                    Ok(version) => out.push_str(&format!(
                        "    handshake... OK\n    TLS version: {version}\n    dial up... OK\n"
                    )),
                    Err(e) => out.push_str(&format!("    handshake... ERROR {e}\n")),
                }
            }
        }
    }
    if !host.https {
        out.push_str("  TLS... WARN secure connection disabled\n");
    }
    if connected.is_err() {
        return false;
    }
    match client.request(Method::GET, "/", None).await {
        Ok(r) if r.status.is_success() => {
            out.push_str("  talk to server... OK\n");
            let version = r
                .json()
                .and_then(|v: Value| {
                    v.pointer("/version/number")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "unknown".to_string());
            out.push_str(&format!("  version: {version}\n"));
            true
        }
        Ok(r) => {
            out.push_str(&format!(
                "  talk to server... ERROR {} {}\n",
                r.status.as_u16(),
                r.reason()
            ));
            false
        }
        Err(e) => {
            out.push_str(&format!("  talk to server... ERROR {e}\n"));
            false
        }
    }
}
