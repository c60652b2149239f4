//! `ironstack create-enrollment-token -s kibana` (also `ironstack node create-enrollment-token`),
//! like `elasticsearch-create-enrollment-token`: as a temporary file-realm superuser, creates
//! an API key that may only call `GET /_security/enroll/kibana` (30 minutes), and prints the
//! enrolment token: base64 of `{"ver","adr":["host:port"],"fgr":"<SHA-256 of the HTTP CA>",
//! "key":"<id>:<api_key>"}`, which `ironstack console setup --enrollment-token` (or Kibana)
//! takes.

use std::collections::HashMap;
use std::path::Path;

use ironstack_security::enrollment::EnrollmentToken;
use ironstack_terminal::{CliError, Terminal, Verbosity, exit_code};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::client;
use crate::reset::AdminSession;

/// What the enrolment API key may do: enrol a console and nothing else.
const ENROLL_KIBANA: &str = "cluster:admin/xpack/security/enroll/kibana";

/// The tool's options.
#[derive(Debug, Clone, Default)]
pub struct EnrollmentOptions {
    /// `-s`: `kibana` (or `console`, the same thing here).
    pub scope: String,
    /// `--url`.
    pub url: Option<String>,
    /// `-E key=value`.
    pub settings: Vec<String>,
}

/// The hex SHA-256 of the first CA certificate the node's own HTTP trust holds.
fn ca_fingerprint(session: &AdminSession) -> Result<String, CliError> {
    let mut ders: Vec<Vec<u8>> = session
        .trust
        .ca_certificates
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    for path in &session.trust.certificate_authorities {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::config(format!("cannot read [{}]: {e}", path.display())))?;
        let certs = ironstack_pki::certificates_from_pem(&text)
            .map_err(|e| CliError::config(format!("cannot read [{}]: {e}", path.display())))?;
        ders.extend(certs.iter().map(|c| c.der().to_vec()));
    }
    let first = ders.first().ok_or_else(|| {
        CliError::config(
            "Unable to create an enrollment token: the node's HTTP TLS configuration holds no CA certificate",
        )
    })?;
    Ok(hex::encode(Sha256::digest(first)))
}

/// Runs the tool and returns the token.
pub fn run(
    options: &EnrollmentOptions,
    env: &HashMap<String, String>,
    password_file: Option<&Path>,
    terminal: &mut dyn Terminal,
) -> Result<String, CliError> {
    match options.scope.as_str() {
        "kibana" | "console" => {}
        "node" => {
            return Err(CliError::usage(
                "scope [node] is not supported yet: ironstack runs single-node clusters",
            ));
        }
        other => {
            return Err(CliError::usage(format!(
                "Invalid scope [{other}]. Valid scopes are [node, kibana]."
            )));
        }
    }
    let session = AdminSession::open(
        &options.settings,
        options.url.as_deref(),
        env,
        password_file,
        terminal,
    )?;
    if !session.config.security.enrollment_enabled {
        return Err(CliError::config(
            "[xpack.security.enrollment.enabled] must be set to `true` to create an enrollment token",
        ));
    }
    if session.target.tls.is_none() {
        return Err(CliError::config(
            "Unable to create an enrollment token: the node's HTTP layer does not use TLS",
        ));
    }
    let fingerprint = ca_fingerprint(&session)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io(format!("cannot start the runtime: {e}")))?;
    let api_key = runtime.block_on(async {
        session.wait_until_ready(false, terminal).await?;
        let mut suffix = [0u8; 12];
        ironstack_security::password::random_bytes(&mut suffix)
            .map_err(|e| CliError::io(e.to_string()))?;
        let body = json!({
            "name": format!("enrollment_token_API_key_{}", hex::encode(suffix)),
            "expiration": "30m",
            "role_descriptors": {"create_enrollment_token": {"cluster": [ENROLL_KIBANA]}},
        });
        let answer = client::send(
            &session.target,
            http::Method::POST,
            "/_security/api_key",
            &session.authorization,
            Some(body.to_string()),
        )
        .await
        .map_err(|e| {
            CliError::new(
                exit_code::UNAVAILABLE,
                format!("Unable to create an enrollment token: {e}"),
            )
        })?;
        match answer {
            (200, text) => {
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                match (v["id"].as_str(), v["api_key"].as_str()) {
                    (Some(id), Some(key)) => Ok(format!("{id}:{key}")),
                    _ => Err(CliError::data(
                        "Unable to create an enrollment token: the node's answer has no API key",
                    )),
                }
            }
            (status, _) => Err(CliError::data(format!(
                "Unable to create an enrollment token: the node answered [{status}] to the API key request"
            ))),
        }
    })?;
    let token = EnrollmentToken {
        version: ironstack_types::info::ES_VERSION.to_string(),
        addresses: vec![format!(
            "{}:{}",
            if session.target.host.contains(':') {
                format!("[{}]", session.target.host)
            } else {
                session.target.host.clone()
            },
            session.target.port
        )],
        ca_fingerprint: fingerprint,
        api_key,
    };
    drop(session);
    let encoded = token.encode();
    terminal.println_at(Verbosity::Silent, &encoded);
    Ok(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_scopes_are_usage_errors() {
        let mut t = ironstack_terminal::ScriptedTerminal::with_answers(Vec::<String>::new());
        for (scope, text) in [
            ("fleet", "Invalid scope [fleet]"),
            ("node", "not supported yet"),
        ] {
            let options = EnrollmentOptions {
                scope: scope.into(),
                ..EnrollmentOptions::default()
            };
            let e = run(&options, &HashMap::new(), None, &mut t).unwrap_err();
            assert_eq!(e.code, exit_code::USAGE);
            assert!(e.message.contains(text), "{}", e.message);
        }
    }
}
