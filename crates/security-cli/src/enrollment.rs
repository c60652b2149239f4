//! `ironstack create-enrollment-token -s kibana` (also `ironstack node create-enrollment-token`),
//! like `elasticsearch-create-enrollment-token`: as a temporary file-realm superuser, creates
//! an API key that may only call `GET /_security/enroll/kibana` (30 minutes), and prints the
//! enrolment token: base64 of `{"ver","adr":["host:port"],"fgr":"<SHA-256 of the HTTP CA>",
//! "key":"<id>:<api_key>"}`, which `ironstack console setup --enrollment-token` (or Kibana)
//! takes.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
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

/// The token's decoded content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentToken {
    /// `ver`: the node's version.
    pub version: String,
    /// `adr`: `host:port` addresses of the node.
    pub addresses: Vec<String>,
    /// `fgr`: hex SHA-256 of the HTTP CA certificate (DER).
    pub ca_fingerprint: String,
    /// `key`: `<id>:<api_key>`.
    pub api_key: String,
}

impl EnrollmentToken {
    /// The printed form.
    pub fn encode(&self) -> String {
        let body = json!({
            "ver": self.version,
            "adr": self.addresses,
            "fgr": self.ca_fingerprint,
            "key": self.api_key,
        });
        STANDARD.encode(body.to_string())
    }

    /// Reads a token; the error says what is wrong with it.
    pub fn decode(text: &str) -> Result<EnrollmentToken, String> {
        let raw = STANDARD
            .decode(text.trim())
            .map_err(|_| "the enrollment token is not valid base64".to_string())?;
        let v: Value = serde_json::from_slice(&raw)
            .map_err(|_| "the enrollment token does not hold a JSON object".to_string())?;
        let text_of = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("the enrollment token has no [{k}]"))
        };
        let version = text_of("ver")?;
        let addresses: Vec<String> = v
            .get("adr")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if addresses.is_empty() {
            return Err("the enrollment token has no addresses [adr]".to_string());
        }
        let token = EnrollmentToken {
            version,
            addresses,
            ca_fingerprint: text_of("fgr")?.to_ascii_lowercase(),
            api_key: text_of("key")?,
        };
        if token.ca_fingerprint.len() != 64
            || !token.ca_fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err("the enrollment token's CA fingerprint [fgr] is not a SHA-256".to_string());
        }
        if !token.api_key.contains(':') {
            return Err("the enrollment token's [key] is not <id>:<api_key>".to_string());
        }
        Ok(token)
    }
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
    fn tokens_round_trip_and_bad_ones_name_their_fault() {
        let token = EnrollmentToken {
            version: "9.1.0".into(),
            addresses: vec!["localhost:9200".into()],
            ca_fingerprint: "ab".repeat(32),
            api_key: "id1:secret".into(),
        };
        let text = token.encode();
        assert_eq!(EnrollmentToken::decode(&text).unwrap(), token);
        let raw: Value = serde_json::from_slice(&STANDARD.decode(&text).unwrap()).unwrap();
        assert_eq!(
            raw,
            json!({"ver": "9.1.0", "adr": ["localhost:9200"], "fgr": "ab".repeat(32), "key": "id1:secret"})
        );
        let encode = |v: Value| STANDARD.encode(v.to_string());
        for (bad, why) in [
            ("%%%".to_string(), "base64"),
            (STANDARD.encode("[1]"), "no [ver]"),
            (
                encode(json!({"ver": "9", "adr": [], "fgr": "ab".repeat(32), "key": "a:b"})),
                "no addresses",
            ),
            (
                encode(json!({"ver": "9", "adr": ["h:1"], "fgr": "abc", "key": "a:b"})),
                "SHA-256",
            ),
            (
                encode(json!({"ver": "9", "adr": ["h:1"], "fgr": "ab".repeat(32), "key": "ab"})),
                "<id>:<api_key>",
            ),
        ] {
            let e = EnrollmentToken::decode(&bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

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
