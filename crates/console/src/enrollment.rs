//! `ironstack console setup --enrollment-token <token>` (Kibana's `kibana-setup`): reads the
//! enrolment token a node printed, connects to the node trusting only a chain that holds the
//! CA the token names by fingerprint, asks `GET /_security/enroll/kibana` (with the token's
//! API key) for an `elastic/kibana` service token and the CA, writes the CA next to
//! `console.yml`, appends the `elasticsearch.*` settings Kibana's setup appends, and checks the
//! result by authenticating as the service account.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::Method;
use ironstack_config::Settings;
use ironstack_security::enrollment::EnrollmentToken;
use ironstack_tls::{ClientTlsSettings, Secret, ServerVerification};

use crate::config::NodeHost;
use crate::node_client::NodeClient;
use crate::{Error, Result};

/// Settings whose presence means the console is configured already.
const CONFIGURED: &[&str] = &[
    "elasticsearch.hosts",
    "elasticsearch.username",
    "elasticsearch.password",
    "elasticsearch.serviceAccountToken",
    "elasticsearch.ssl.certificateAuthorities",
];

/// The first line of the block appended to `console.yml` (Kibana's).
pub const BLOCK_HEADER: &str = "# This section was automatically generated during setup.";

/// What a successful enrolment wrote.
#[derive(Debug)]
pub struct Enrolled {
    /// The node hosts now in `elasticsearch.hosts`.
    pub hosts: Vec<String>,
    /// The CA file written.
    pub ca_path: PathBuf,
}

fn failed(reason: impl std::fmt::Display) -> Error {
    Error::Node(format!("Failed to enroll: {reason}"))
}

/// Refuses a configuration that already names a node or credentials.
fn check_not_configured(config_file: &Path) -> Result<()> {
    let text = match std::fs::read_to_string(config_file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(failed(format!(
                "cannot read [{}]: {e}",
                config_file.display()
            )));
        }
    };
    let settings = Settings::from_yaml(&text, config_file)?;
    if let Some(key) = CONFIGURED.iter().find(|k| settings.get(k).is_some()) {
        return Err(failed(format!(
            "the console is already configured: [{key}] is set in [{}]; remove the elasticsearch.* settings to enrol again",
            config_file.display()
        )));
    }
    Ok(())
}

/// A client towards the token's hosts.
fn client(hosts: &[NodeHost], tls: ClientTlsSettings, timeout: Duration) -> Result<NodeClient> {
    NodeClient::for_hosts(hosts.to_vec(), &tls, timeout)
}

/// Enrols the console described by `config_file` with `token`.
pub async fn enroll(config_file: &Path, token: &str, timeout: Duration) -> Result<Enrolled> {
    check_not_configured(config_file)?;
    let token = EnrollmentToken::decode(token).map_err(failed)?;
    let hosts: Vec<NodeHost> = token
        .addresses
        .iter()
        .map(|a| NodeHost::parse(&format!("https://{a}")))
        .collect::<Result<_>>()?;
    // Nothing is trusted but the CA whose fingerprint the token carries; the token's
    // addresses need not be names the certificate holds.
    let pinned = ClientTlsSettings {
        verification: ServerVerification::Certificate,
        ca_trusted_fingerprint: Some(token.ca_fingerprint.clone()),
        alpn_protocols: vec![b"http/1.1".to_vec()],
        ..ClientTlsSettings::default()
    };
    let api_key = Secret::new(format!("ApiKey {}", STANDARD.encode(&token.api_key)));
    let answer = client(&hosts, pinned, timeout)?
        .request(
            Method::GET,
            "/_security/enroll/kibana",
            Some(&api_key),
            None,
        )
        .await
        .map_err(failed)?;
    if !answer.ok() {
        return Err(failed(format!(
            "the node answered {}: {}",
            answer.status,
            answer.reason()
        )));
    }
    let (Some(value), Some(ca_b64)) = (
        answer.body["token"]["value"].as_str(),
        answer.body["http_ca"].as_str(),
    ) else {
        return Err(failed("the node's answer has no token or CA"));
    };
    let ca_der = STANDARD
        .decode(ca_b64)
        .map_err(|_| failed("the node's CA is not base64"))?;
    let ca = ironstack_pki::Certificate::from_der(ca_der).map_err(failed)?;
    if ca
        .sha256_fingerprint()
        .replace(':', "")
        .to_ascii_lowercase()
        != token.ca_fingerprint
    {
        return Err(failed(
            "the CA the node sent is not the one the enrolment token names",
        ));
    }
    let service_token = Secret::new(value);
    let dir = config_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| failed(format!("cannot create [{}]: {e}", dir.display())))?;
    let now = ironstack_types::date::now_millis();
    let ca_path = std::path::absolute(dir.join(format!("ca_{now}.crt")))
        .map_err(|e| failed(format!("cannot resolve the CA path: {e}")))?;
    std::fs::write(&ca_path, ca.to_pem())
        .map_err(|e| failed(format!("cannot write [{}]: {e}", ca_path.display())))?;

    // The result must work as the console will use it: full verification against the CA.
    let trusted = ClientTlsSettings {
        certificate_authorities: vec![ca_path.clone()],
        verification: ServerVerification::Full,
        alpn_protocols: vec![b"http/1.1".to_vec()],
        ..ClientTlsSettings::default()
    };
    let bearer = Secret::new(format!("Bearer {}", service_token.expose()));
    let me = client(&hosts, trusted, timeout)?
        .request(Method::GET, "/_security/_authenticate", Some(&bearer), None)
        .await
        .map_err(failed)?;
    if !me.ok() || me.body["username"] != "elastic/kibana" {
        return Err(failed(format!(
            "the new service token does not authenticate ({}: {})",
            me.status,
            me.reason()
        )));
    }
    let host_urls: Vec<String> = hosts.iter().map(NodeHost::uri).collect();
    append_block(config_file, &host_urls, &service_token, &ca_path)?;
    Ok(Enrolled {
        hosts: host_urls,
        ca_path,
    })
}

/// Appends Kibana's generated block; the file then holds a secret, so it is (re)made 0600.
fn append_block(config_file: &Path, hosts: &[String], token: &Secret, ca: &Path) -> Result<()> {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let hosts_yaml: Vec<String> = hosts.iter().map(|h| quote(h)).collect();
    let block = format!(
        "\n{BLOCK_HEADER}\nelasticsearch.hosts: [{}]\nelasticsearch.serviceAccountToken: {}\nelasticsearch.ssl.certificateAuthorities: [{}]\n",
        hosts_yaml.join(", "),
        quote(token.expose()),
        quote(&ca.to_string_lossy())
    );
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(config_file)
        .map_err(|e| failed(format!("cannot write [{}]: {e}", config_file.display())))?;
    file.write_all(block.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| failed(format!("cannot write [{}]: {e}", config_file.display())))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(config_file, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| failed(format!("cannot restrict [{}]: {e}", config_file.display())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_console_is_not_enrolled_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("console.yml");
        assert!(check_not_configured(&file).is_ok());
        std::fs::write(&file, "server.port: 5601\n").unwrap();
        assert!(check_not_configured(&file).is_ok());
        std::fs::write(&file, "elasticsearch:\n  username: kibana_system\n").unwrap();
        let e = check_not_configured(&file).unwrap_err().to_string();
        assert!(e.contains("[elasticsearch.username]"), "{e}");
    }

    #[test]
    fn the_block_is_kibanas_and_the_file_becomes_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("console.yml");
        std::fs::write(&file, "server.port: 5601\n").unwrap();
        append_block(
            &file,
            &["https://localhost:9200".to_string()],
            &Secret::new("AAEAAWVs"),
            Path::new("/x/ca_1.crt"),
        )
        .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with(
                "server.port: 5601\n\n# This section was automatically generated during setup.\n"
            ),
            "{text}"
        );
        let settings = Settings::from_yaml(&text, &file).unwrap();
        assert!(settings.get("elasticsearch.serviceAccountToken").is_some());
        assert!(settings.get("elasticsearch.hosts").is_some());
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[tokio::test]
    async fn bad_tokens_are_refused_before_any_connection() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("console.yml");
        let e = enroll(&file, "not-a-token", Duration::from_secs(1))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("Failed to enroll: "), "{e}");
        assert!(!file.exists());
    }
}
