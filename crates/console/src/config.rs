//! `console.yml`: Kibana's setting names and defaults, `-E key=value` overrides and `${ENV}`
//! placeholders, validated strictly into [`ConsoleConfig`] (unknown keys are errors; Kibana
//! settings that are not implemented yet are refused by name).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ironstack_config::{Settings, TlsVersion};
use ironstack_tls::{Identity, Secret, ServerTlsSettings, ServerVerification};

use crate::{Error, Result};

/// Every key the console reads.
const KNOWN: &[&str] = &[
    "server.host",
    "server.port",
    "server.basePath",
    "server.publicBaseUrl",
    "server.ssl.enabled",
    "server.ssl.certificate",
    "server.ssl.key",
    "server.ssl.keyPassphrase",
    "server.ssl.keystore.path",
    "server.ssl.keystore.password",
    "server.ssl.certificateAuthorities",
    "server.ssl.clientAuthentication",
    "server.ssl.supportedProtocols",
    "elasticsearch.hosts",
    "elasticsearch.username",
    "elasticsearch.password",
    "elasticsearch.serviceAccountToken",
    "elasticsearch.ssl.certificateAuthorities",
    "elasticsearch.ssl.verificationMode",
    "elasticsearch.requestTimeout",
    "xpack.security.encryptionKey",
    "xpack.security.session.idleTimeout",
    "xpack.security.session.lifespan",
];

/// Kibana settings (under the namespaces the console implements) that exist in Kibana but
/// not here yet: refused with "not supported yet" rather than "unknown", so a copied
/// kibana.yml explains itself, while a typo is still reported as unknown.
const KIBANA_NOT_YET: &[&str] = &[
    "server.name",
    "server.uuid",
    "server.rewriteBasePath",
    "server.maxPayload",
    "server.keepaliveTimeout",
    "server.socketTimeout",
    "server.payloadTimeout",
    "server.shutdownTimeout",
    "server.protocol",
    "server.restrictInternalApis",
    "server.customResponseHeaders",
    "server.ssl.truststore.path",
    "server.ssl.truststore.password",
    "server.ssl.cipherSuites",
    "server.ssl.redirectHttpFromPort",
    "elasticsearch.ssl.certificate",
    "elasticsearch.ssl.key",
    "elasticsearch.ssl.keyPassphrase",
    "elasticsearch.ssl.keystore.path",
    "elasticsearch.ssl.keystore.password",
    "elasticsearch.ssl.truststore.path",
    "elasticsearch.ssl.truststore.password",
    "elasticsearch.ssl.alwaysPresentCertificate",
    "elasticsearch.pingTimeout",
    "elasticsearch.shardTimeout",
    "elasticsearch.requestHeadersWhitelist",
    "elasticsearch.customHeaders",
    "elasticsearch.sniffOnStart",
    "elasticsearch.sniffInterval",
    "elasticsearch.sniffOnConnectionFault",
    "elasticsearch.ignoreVersionMismatch",
    "elasticsearch.maxSockets",
    "elasticsearch.maxIdleSockets",
    "elasticsearch.idleSocketTimeout",
    "elasticsearch.compression",
    "xpack.security.cookieName",
    "xpack.security.secureCookies",
    "xpack.security.sameSiteCookies",
    "xpack.security.loginAssistanceMessage",
    "xpack.security.loginHelp",
    "xpack.security.showInsecureClusterWarning",
    "xpack.security.session.cleanupInterval",
];

/// Kibana namespaces not implemented at all yet.
const KIBANA_PREFIXES_NOT_YET: &[&str] = &[
    "server.compression.",
    "server.cors.",
    "server.xsrf.",
    "server.securityResponseHeaders.",
    "server.http2.",
    "elasticsearch.healthCheck.",
    "xpack.security.authc.",
    "xpack.security.audit.",
    "xpack.security.public.",
    "xpack.security.session.concurrentSessions.",
    "xpack.encryptedSavedObjects.",
    "xpack.reporting.",
    "xpack.fleet.",
    "xpack.monitoring.",
    "xpack.alerting.",
    "xpack.actions.",
    "xpack.spaces.",
    "logging.",
    "monitoring.",
    "csp.",
    "status.",
    "i18n.",
    "path.",
    "pid.",
    "ops.",
    "telemetry.",
    "newsfeed.",
    "interactiveSetup.",
    "savedObjects.",
    "migrations.",
    "uiSettings.",
    "map.",
    "data.",
];

/// Prefix of the login providers' settings.
const PROVIDERS: &str = "xpack.security.authc.providers";

/// `xpack.security.authc.providers` as a list (`[basic]`) or Kibana's map
/// (`token.token1.order: 0`); exactly one enabled basic or token provider for now.
fn provider(settings: &Settings, path: &Path) -> Result<(ProviderType, String)> {
    let mut enabled: Vec<(ProviderType, String)> = Vec::new();
    let mut disabled: Vec<(String, String)> = Vec::new();
    for (key, setting) in settings.iter() {
        let Some(rest) = key.strip_prefix(PROVIDERS) else {
            continue;
        };
        if rest.is_empty() {
            for name in setting.value.as_list() {
                let kind = ProviderType::parse(&name)
                    .ok_or_else(|| Error::NotSupportedYet(format!("{PROVIDERS}: [{name}]")))?;
                enabled.push((kind, name));
            }
            continue;
        }
        let parts: Vec<&str> = rest.trim_start_matches('.').split('.').collect();
        let [kind, name, attribute] = parts.as_slice() else {
            return Err(Error::UnknownSetting {
                key: key.to_string(),
                path: path.to_path_buf(),
            });
        };
        let kind_parsed =
            ProviderType::parse(kind).ok_or_else(|| Error::NotSupportedYet(key.to_string()))?;
        match *attribute {
            "enabled" if setting.value.display() == "false" => {
                disabled.push((kind.to_string(), name.to_string()));
            }
            "enabled" | "order" | "description" | "hint" | "icon" | "showInSelector" => {}
            _ => return Err(Error::NotSupportedYet(key.to_string())),
        }
        let entry = (kind_parsed, name.to_string());
        if !enabled.contains(&entry) {
            enabled.push(entry);
        }
    }
    enabled.retain(|(k, n)| !disabled.contains(&(k.name().to_string(), n.clone())));
    match enabled.len() {
        0 if settings.keys().any(|k| k.starts_with(PROVIDERS)) => Err(Error::InvalidSetting(
            format!("[{PROVIDERS}]: at least one provider must be enabled"),
        )),
        0 => Ok((ProviderType::Basic, "basic".to_string())),
        1 => Ok(enabled.remove(0)),
        _ => Err(Error::NotSupportedYet(format!(
            "{PROVIDERS} (several providers need the login selector)"
        ))),
    }
}

/// Kibana's message for `elasticsearch.username: elastic`.
pub(crate) const ELASTIC_USERNAME_MESSAGE: &str = "[elasticsearch.username]: value of \"elastic\" is forbidden. This is a superuser account that cannot write to system indices that Kibana needs to function. Use a service account token instead. Learn more: https://www.elastic.co/guide/en/elasticsearch/reference/8.0/service-accounts.html";

/// The login providers implemented so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderType {
    /// `basic`: the session keeps the user's Basic header (encrypted).
    Basic,
    /// `token`: the session keeps an access/refresh token pair from `_security/oauth2/token`.
    Token,
}

impl ProviderType {
    /// Kibana's name.
    pub fn name(self) -> &'static str {
        match self {
            ProviderType::Basic => "basic",
            ProviderType::Token => "token",
        }
    }

    /// From Kibana's name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "basic" => Some(ProviderType::Basic),
            "token" => Some(ProviderType::Token),
            _ => None,
        }
    }
}

/// How the console authenticates itself to the node.
#[derive(Debug, Clone)]
pub enum InternalCredentials {
    /// `elasticsearch.username` / `password` (normally `kibana_system`).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// `elasticsearch.serviceAccountToken`, sent as `Bearer`.
    ServiceAccountToken(Secret),
}

/// One `elasticsearch.hosts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeHost {
    /// `https` (true) or `http`.
    pub tls: bool,
    /// Host name or IP (brackets removed).
    pub host: String,
    /// Port (9200 when omitted).
    pub port: u16,
}

impl NodeHost {
    /// Parses `https://host:port` (a path is not supported).
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::InvalidSetting(format!(
                "[elasticsearch.hosts]: [{text}] is not a valid URI (expected http(s)://host:port)"
            ))
        };
        let (tls, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad());
        };
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() || rest.contains('/') || rest.contains('@') {
            return Err(bad());
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(bad)?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad())?,
                None if after.is_empty() => 9200,
                None => return Err(bad()),
            };
            (host.to_string(), port)
        } else {
            match rest.rsplit_once(':') {
                Some((host, port)) => (host.to_string(), port.parse().map_err(|_| bad())?),
                None => (rest.to_string(), 9200),
            }
        };
        if host.is_empty() {
            return Err(bad());
        }
        Ok(NodeHost { tls, host, port })
    }

    /// `host:port` for messages and the TCP connect.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URI as configured.
    pub fn uri(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.authority()
        )
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// `server.host` (default `localhost`).
    pub host: String,
    /// `server.port` (default 5601).
    pub port: u16,
    /// `server.basePath` ("" when unset).
    pub base_path: String,
    /// `server.publicBaseUrl`.
    pub public_base_url: Option<String>,
    /// `server.ssl.*` when `server.ssl.enabled` is true.
    pub server_tls: Option<ServerTlsSettings>,
    /// `elasticsearch.hosts` (default `http://localhost:9200`).
    pub hosts: Vec<NodeHost>,
    /// `elasticsearch.username`/`password` or `serviceAccountToken`.
    pub credentials: Option<InternalCredentials>,
    /// `elasticsearch.ssl.certificateAuthorities`.
    pub node_certificate_authorities: Vec<PathBuf>,
    /// `elasticsearch.ssl.verificationMode` (default full).
    pub node_verification: ServerVerification,
    /// `elasticsearch.requestTimeout` (default 30 s).
    pub request_timeout: Duration,
    /// `xpack.security.encryptionKey` (≥ 32 characters).
    pub encryption_key: Option<Secret>,
    /// `xpack.security.session.idleTimeout` (default 3d in current Kibana; `null` = none).
    pub idle_timeout: Option<Duration>,
    /// `xpack.security.session.lifespan` (default 30d; `null` = none).
    pub lifespan: Option<Duration>,
    /// `xpack.security.authc.providers`: the one login provider (default `basic.basic`).
    pub provider: (ProviderType, String),
}

/// The console's keystore: `console.keystore` next to `console.yml` (Kibana keeps
/// `kibana.keystore` in its config folder).
pub(crate) fn keystore_for(config_file: &Path) -> ironstack_keystore::ToolKeystore {
    let dir = config_file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    ironstack_keystore::ToolKeystore::new(dir.join("console.keystore"), "console")
}

impl ConsoleConfig {
    /// Reads `path` (a missing file is an error only when given explicitly), layers the
    /// overrides and the environment, and validates.
    pub fn load(
        path: &Path,
        explicit: bool,
        overrides: &[String],
        env: &HashMap<String, String>,
    ) -> Result<Self> {
        let mut settings = match std::fs::read_to_string(path) {
            Ok(text) => Settings::from_yaml(&text, path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Settings::default(),
            Err(source) => {
                return Err(ironstack_config::Error::Io {
                    path: path.to_path_buf(),
                    source,
                }
                .into());
            }
        };
        // Kibana's order: the file, then the keystore's secure settings, then the command line.
        let keystore = keystore_for(path);
        let secrets = keystore
            .secrets()
            .map_err(|e| Error::InvalidSetting(format!("[{}]: {e}", keystore.path().display())))?;
        settings.merge_overrides(Settings::from_keystore(secrets, keystore.path())?);
        settings.merge_overrides(Settings::from_overrides(overrides)?);
        settings.resolve_placeholders(env)?;
        Self::from_settings(&settings, path)
    }

    /// Validates flat settings.
    pub fn from_settings(settings: &Settings, path: &Path) -> Result<Self> {
        for key in settings.keys() {
            if KNOWN.contains(&key) || key.starts_with(PROVIDERS) {
                continue;
            }
            if KIBANA_NOT_YET.contains(&key)
                || KIBANA_PREFIXES_NOT_YET.iter().any(|p| key.starts_with(p))
            {
                return Err(Error::NotSupportedYet(key.to_string()));
            }
            return Err(Error::UnknownSetting {
                key: key.to_string(),
                path: path.to_path_buf(),
            });
        }
        let get = |key: &str| -> Result<Option<String>> {
            match settings.get(key) {
                None => Ok(None),
                Some(s) => match settings.get_str(key) {
                    Some(v) => Ok(Some(v.to_string())),
                    None => Err(Error::InvalidSetting(format!(
                        "[{key}]: expected a single value but got [{}]",
                        s.value.display()
                    ))),
                },
            }
        };
        let list = |key: &str| -> Vec<String> {
            settings
                .get(key)
                .map(|s| s.value.as_list())
                .unwrap_or_default()
        };
        let boolean = |key: &str, default: bool| -> Result<bool> {
            match get(key)?.as_deref() {
                None => Ok(default),
                Some("true") => Ok(true),
                Some("false") => Ok(false),
                Some(other) => Err(Error::InvalidSetting(format!(
                    "[{key}]: expected value of type [boolean] but got [{other}]"
                ))),
            }
        };

        let host = get("server.host")?.unwrap_or_else(|| "localhost".to_string());
        let port = match get("server.port")? {
            None => 5601,
            Some(p) => p.parse::<u16>().map_err(|_| {
                Error::InvalidSetting(format!(
                    "[server.port]: expected value of type [number] between 0 and 65535 but got [{p}]"
                ))
            })?,
        };
        let base_path = match get("server.basePath")? {
            None => String::new(),
            Some(b) if b.is_empty() => String::new(),
            Some(b) => {
                if !b.starts_with('/') || b.ends_with('/') {
                    return Err(Error::InvalidSetting(
                        "[server.basePath]: must start with a slash, don't end with one"
                            .to_string(),
                    ));
                }
                b
            }
        };
        let public_base_url = get("server.publicBaseUrl")?;
        if let Some(url) = &public_base_url {
            validate_public_base_url(url, &base_path)?;
        }

        let server_tls = if boolean("server.ssl.enabled", false)? {
            Some(server_tls(settings, &get, &list)?)
        } else {
            for key in settings.keys() {
                if key.starts_with("server.ssl.") && key != "server.ssl.enabled" {
                    tracing::warn!("[{key}] has no effect while [server.ssl.enabled] is false");
                }
            }
            None
        };

        let hosts = match settings.get("elasticsearch.hosts") {
            None => vec![NodeHost::parse("http://localhost:9200")?],
            Some(s) => {
                let items = s.value.as_list();
                if items.is_empty() {
                    return Err(Error::InvalidSetting(
                        "[elasticsearch.hosts]: needs at least one URI".to_string(),
                    ));
                }
                items
                    .iter()
                    .map(|h| NodeHost::parse(h))
                    .collect::<Result<_>>()?
            }
        };
        let username = get("elasticsearch.username")?;
        let password = get("elasticsearch.password")?;
        let token = get("elasticsearch.serviceAccountToken")?;
        let credentials = match (username, password, token) {
            (Some(_), _, Some(_)) => {
                return Err(Error::InvalidSetting(
                    "[elasticsearch]: serviceAccountToken cannot be specified when \"username\" is also set.".to_string(),
                ));
            }
            (Some(u), _, _) if u == "elastic" => {
                return Err(Error::InvalidSetting(ELASTIC_USERNAME_MESSAGE.to_string()));
            }
            (Some(u), p, None) => {
                if u == "kibana" {
                    tracing::warn!(
                        "You should switch to using the \"kibana_system\" user instead of \"kibana\""
                    );
                }
                Some(InternalCredentials::Basic {
                    username: u,
                    password: Secret::new(p.unwrap_or_default()),
                })
            }
            (None, Some(_), None) => {
                return Err(Error::InvalidSetting(
                    "[elasticsearch.password] is set but [elasticsearch.username] is not"
                        .to_string(),
                ));
            }
            (None, _, Some(t)) => Some(InternalCredentials::ServiceAccountToken(Secret::new(t))),
            (None, None, None) => None,
        };
        let node_certificate_authorities: Vec<PathBuf> =
            list("elasticsearch.ssl.certificateAuthorities")
                .into_iter()
                .map(PathBuf::from)
                .collect();
        let node_verification = match get("elasticsearch.ssl.verificationMode")?.as_deref() {
            None | Some("full") => ServerVerification::Full,
            Some("certificate") => ServerVerification::Certificate,
            Some("none") => ServerVerification::DangerousNone,
            Some(other) => {
                return Err(Error::InvalidSetting(format!(
                    "[elasticsearch.ssl.verificationMode]: expected one of [none, certificate, full] but got [{other}]"
                )));
            }
        };
        let request_timeout = match get("elasticsearch.requestTimeout")? {
            None => Duration::from_secs(30),
            Some(t) => parse_duration(&t, "elasticsearch.requestTimeout")?,
        };
        let encryption_key = match get("xpack.security.encryptionKey")? {
            None => None,
            Some(k) if k.chars().count() < 32 => {
                return Err(Error::InvalidSetting(
                    "[xpack.security.encryptionKey]: value has length [".to_string()
                        + &k.chars().count().to_string()
                        + "] but it must have a minimum length of [32].",
                ));
            }
            Some(k) => Some(Secret::new(k)),
        };
        let optional_duration = |key: &str, default: Duration| -> Result<Option<Duration>> {
            match get(key)?.as_deref() {
                None => Ok(Some(default)),
                Some("null") | Some("0") => Ok(None),
                Some(t) => parse_duration(t, key).map(Some),
            }
        };
        let idle_timeout = optional_duration(
            "xpack.security.session.idleTimeout",
            Duration::from_secs(3 * 24 * 3600),
        )?;
        let lifespan = optional_duration(
            "xpack.security.session.lifespan",
            Duration::from_secs(30 * 24 * 3600),
        )?;
        let provider = provider(settings, path)?;
        Ok(ConsoleConfig {
            provider,
            host,
            port,
            base_path,
            public_base_url,
            server_tls,
            hosts,
            credentials,
            node_certificate_authorities,
            node_verification,
            request_timeout,
            encryption_key,
            idle_timeout,
            lifespan,
        })
    }
}

fn server_tls(
    settings: &Settings,
    get: &dyn Fn(&str) -> Result<Option<String>>,
    list: &dyn Fn(&str) -> Vec<String>,
) -> Result<ServerTlsSettings> {
    let keystore = get("server.ssl.keystore.path")?;
    let certificate = get("server.ssl.certificate")?;
    let key = get("server.ssl.key")?;
    let identity = match (keystore, certificate, key) {
        (Some(_), _, Some(_)) => {
            return Err(Error::InvalidSetting(
                "[server.ssl]: cannot use [key] when [keystore.path] is specified".to_string(),
            ));
        }
        (Some(_), Some(_), None) => {
            return Err(Error::InvalidSetting(
                "[server.ssl]: cannot use [certificate] when [keystore.path] is specified"
                    .to_string(),
            ));
        }
        (Some(path), None, None) => Identity::Pkcs12 {
            path: PathBuf::from(path),
            password: Secret::new(get("server.ssl.keystore.password")?.unwrap_or_default()),
            alias: None,
        },
        (None, Some(certificate), Some(key)) => Identity::Pem {
            certificate: PathBuf::from(certificate),
            key: PathBuf::from(key),
            passphrase: get("server.ssl.keyPassphrase")?.map(Secret::new),
        },
        _ => {
            return Err(Error::InvalidSetting(
                "[server.ssl]: must specify [certificate] and [key] -- or [keystore.path] -- when ssl is enabled".to_string(),
            ));
        }
    };
    let mut tls = ServerTlsSettings::new(identity);
    // Kibana 8.x serves HTTP/1.1 unless `server.protocol: http2`.
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    tls.client_certificate_authorities = list("server.ssl.certificateAuthorities")
        .into_iter()
        .map(PathBuf::from)
        .collect();
    // Kibana's `none` (default), `optional` or `required`; the console asks for a client
    // certificate only to secure the connection (no PKI login provider).
    tls.client_authentication = match get("server.ssl.clientAuthentication")?.as_deref() {
        None | Some("none") => ironstack_tls::ClientAuthentication::None,
        Some("optional") => ironstack_tls::ClientAuthentication::Optional,
        Some("required") => ironstack_tls::ClientAuthentication::Required,
        Some(other) => {
            return Err(Error::InvalidSetting(format!(
                "[server.ssl.clientAuthentication]: types that failed validation: [{other}] is not one of [none, optional, required]"
            )));
        }
    };
    if tls.client_authentication != ironstack_tls::ClientAuthentication::None
        && tls.client_certificate_authorities.is_empty()
    {
        return Err(Error::InvalidSetting(
            "[server.ssl]: must specify [certificateAuthorities] when [clientAuthentication] is [optional] or [required]".to_string(),
        ));
    }
    if settings.get("server.ssl.supportedProtocols").is_some() {
        let names = list("server.ssl.supportedProtocols");
        if names.is_empty() {
            return Err(Error::InvalidSetting(
                "[server.ssl.supportedProtocols]: needs at least one protocol".to_string(),
            ));
        }
        tls.protocols = names
            .iter()
            .map(|n| {
                TlsVersion::parse(n).map_err(|m| {
                    Error::InvalidSetting(format!("[server.ssl.supportedProtocols]: {m}"))
                })
            })
            .collect::<Result<_>>()?;
    }
    Ok(tls)
}

fn validate_public_base_url(url: &str, base_path: &str) -> Result<()> {
    let invalid = |why: &str| {
        Err(Error::InvalidSetting(format!(
            "[server.publicBaseUrl]: {why}"
        )))
    };
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return invalid("must be an http or https URL");
    };
    if rest.contains(['?', '#', '@']) {
        return invalid("must contain only a protocol, hostname, port and pathname");
    }
    let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
    let expected = if base_path.is_empty() { "/" } else { base_path };
    let path = if path.is_empty() { "/" } else { path };
    if path != expected {
        return Err(Error::InvalidSetting(format!(
            "[server.publicBaseUrl]: must contain the [basePath]: {path} !== {expected}"
        )));
    }
    Ok(())
}

/// Kibana durations: a number of milliseconds, or `<n>(ms|s|m|h|d|w|M|Y)`.
pub(crate) fn parse_duration(text: &str, key: &str) -> Result<Duration> {
    let bad = || {
        Error::InvalidSetting(format!(
            "[{key}]: [{text}] is not a duration (a number of milliseconds or <n>[ms|s|m|h|d|w|M|Y])"
        ))
    };
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| bad())?;
    let seconds_per: u64 = match unit {
        "" | "ms" => return Ok(Duration::from_millis(n)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "M" => 30 * 86_400,
        "Y" => 365 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(seconds_per)
        .map(Duration::from_secs)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml: &str) -> Result<ConsoleConfig> {
        let path = Path::new("console.yml");
        let settings = Settings::from_yaml(yaml, path)?;
        ConsoleConfig::from_settings(&settings, path)
    }

    #[test]
    fn kibana_defaults() {
        let c = config("").unwrap();
        assert_eq!(c.host, "localhost");
        assert_eq!(c.port, 5601);
        assert_eq!(c.base_path, "");
        assert!(c.server_tls.is_none());
        assert_eq!(
            c.hosts,
            vec![NodeHost::parse("http://localhost:9200").unwrap()]
        );
        assert_eq!(c.node_verification, ServerVerification::Full);
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.idle_timeout, Some(Duration::from_secs(3 * 86_400)));
        assert_eq!(c.lifespan, Some(Duration::from_secs(30 * 86_400)));
    }

    #[test]
    fn unknown_and_unsupported_keys_are_named() {
        let e = config("sever.port: 1").unwrap_err().to_string();
        assert!(e.contains("unknown setting [sever.port]"), "{e}");
        let e = config("server.maxPayload: 10").unwrap_err().to_string();
        assert!(
            e.contains("[server.maxPayload]") && e.contains("not support"),
            "{e}"
        );
        let e = config("xpack.security.authc.providers: x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not support"), "{e}");
    }

    #[test]
    fn elastic_is_refused_and_token_excludes_username() {
        let e = config("elasticsearch.username: elastic\nelasticsearch.password: x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("value of \"elastic\" is forbidden"), "{e}");
        let e =
            config("elasticsearch.username: kibana_system\nelasticsearch.serviceAccountToken: t")
                .unwrap_err()
                .to_string();
        assert!(e.contains("serviceAccountToken cannot be specified"), "{e}");
        let c = config("elasticsearch.username: kibana_system\nelasticsearch.password: 123456")
            .unwrap();
        match c.credentials {
            Some(InternalCredentials::Basic { username, password }) => {
                assert_eq!(username, "kibana_system");
                assert_eq!(password.expose(), "123456");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            !format!(
                "{:?}",
                config("elasticsearch.serviceAccountToken: s3cr3t").unwrap()
            )
            .contains("s3cr3t")
        );
    }

    #[test]
    fn ssl_settings_use_kibanas_messages() {
        let e = config("server.ssl.enabled: true").unwrap_err().to_string();
        assert!(
            e.contains("must specify [certificate] and [key] -- or [keystore.path]"),
            "{e}"
        );
        let e =
            config("server.ssl.enabled: true\nserver.ssl.keystore.path: a.p12\nserver.ssl.key: k")
                .unwrap_err()
                .to_string();
        assert!(
            e.contains("cannot use [key] when [keystore.path] is specified"),
            "{e}"
        );
        let c = config(
            "server.ssl:\n  enabled: true\n  certificate: c.pem\n  key: k.pem\n  supportedProtocols: [TLSv1.3]",
        )
        .unwrap();
        let tls = c.server_tls.unwrap();
        assert_eq!(tls.protocols, vec![TlsVersion::Tls13]);
        let e = config("server.ssl:\n  enabled: true\n  certificate: c.pem\n  key: k.pem\n  supportedProtocols: [TLSv1.1]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("TLSv1.1"), "{e}");
        let ssl = "server.ssl:\n  enabled: true\n  certificate: c.pem\n  key: k.pem\n";
        assert_eq!(
            config(ssl)
                .unwrap()
                .server_tls
                .unwrap()
                .client_authentication,
            ironstack_tls::ClientAuthentication::None
        );
        let c = config(&format!(
            "{ssl}  clientAuthentication: required\n  certificateAuthorities: [ca.pem]\n"
        ))
        .unwrap();
        let tls = c.server_tls.unwrap();
        assert_eq!(
            tls.client_authentication,
            ironstack_tls::ClientAuthentication::Required
        );
        assert_eq!(
            tls.client_certificate_authorities,
            vec![PathBuf::from("ca.pem")]
        );
        let e = config(&format!("{ssl}  clientAuthentication: optional\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("must specify [certificateAuthorities]"), "{e}");
        let e = config(&format!(
            "{ssl}  clientAuthentication: sometimes\n  certificateAuthorities: [ca.pem]\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("[server.ssl.clientAuthentication]"), "{e}");
    }

    #[test]
    fn values_are_validated() {
        assert!(
            config("xpack.security.encryptionKey: short")
                .unwrap_err()
                .to_string()
                .contains("minimum length of [32]")
        );
        let c = config(&format!("xpack.security.encryptionKey: {}", "a".repeat(32))).unwrap();
        assert!(c.encryption_key.is_some());
        assert!(config("server.basePath: /kibana/").is_err());
        assert!(config("server.basePath: kibana").is_err());
        let e = config("server.basePath: /k\nserver.publicBaseUrl: https://x.example/other")
            .unwrap_err()
            .to_string();
        assert!(e.contains("must contain the [basePath]"), "{e}");
        assert!(
            config("server.basePath: /k\nserver.publicBaseUrl: https://x.example:5601/k").is_ok()
        );
        assert!(config("elasticsearch.hosts: ftp://x").is_err());
        assert!(config("elasticsearch.ssl.verificationMode: strict").is_err());
        let c = config("elasticsearch.ssl.verificationMode: certificate\nelasticsearch.requestTimeout: 5000\nxpack.security.session.idleTimeout: 1h\nxpack.security.session.lifespan: 0").unwrap();
        assert_eq!(c.node_verification, ServerVerification::Certificate);
        assert_eq!(c.request_timeout, Duration::from_secs(5));
        assert_eq!(c.idle_timeout, Some(Duration::from_secs(3600)));
        assert_eq!(c.lifespan, None);
        assert!(config("server.port: 99999").is_err());
        assert!(config("xpack.security.session.idleTimeout: 5 parsecs").is_err());
    }

    #[test]
    fn hosts_parse() {
        let h = NodeHost::parse("https://[::1]:9201").unwrap();
        assert_eq!((h.tls, h.host.as_str(), h.port), (true, "::1", 9201));
        assert_eq!(h.authority(), "[::1]:9201");
        let h = NodeHost::parse("https://node-1.example.com").unwrap();
        assert_eq!(h.port, 9200);
        assert!(NodeHost::parse("https://u:p@x:9200").is_err());
        assert!(NodeHost::parse("https://x:9200/path").is_err());
        assert!(NodeHost::parse("https://:9200").is_err());
    }

    #[test]
    fn overrides_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("console.yml");
        std::fs::write(&path, "server.port: 5700\nelasticsearch.username: kibana_system\nelasticsearch.password: ${KS_PW}\n").unwrap();
        let env = HashMap::from([("KS_PW".to_string(), "from-env".to_string())]);
        let c = ConsoleConfig::load(&path, true, &["server.port=5800".to_string()], &env).unwrap();
        assert_eq!(c.port, 5800);
        match c.credentials {
            Some(InternalCredentials::Basic { password, .. }) => {
                assert_eq!(password.expose(), "from-env")
            }
            other => panic!("{other:?}"),
        }
        assert!(ConsoleConfig::load(&path, true, &[], &HashMap::new()).is_err());
        assert!(ConsoleConfig::load(&dir.path().join("missing.yml"), true, &[], &env).is_err());
        assert!(ConsoleConfig::load(&dir.path().join("missing.yml"), false, &[], &env).is_ok());
    }

    #[test]
    fn login_providers() {
        assert_eq!(
            config("").unwrap().provider,
            (ProviderType::Basic, "basic".to_string())
        );
        let c = config("xpack.security.authc.providers:\n  token.token1:\n    order: 0").unwrap();
        assert_eq!(c.provider, (ProviderType::Token, "token1".to_string()));
        let c = config("xpack.security.authc.providers: [token]").unwrap();
        assert_eq!(c.provider, (ProviderType::Token, "token".to_string()));
        let c = config("xpack.security.authc.providers:\n  basic.b:\n    order: 0\n  token.t:\n    order: 1\n    enabled: false").unwrap();
        assert_eq!(c.provider, (ProviderType::Basic, "b".to_string()));
        let e = config(
            "xpack.security.authc.providers:\n  basic.b:\n    order: 0\n  token.t:\n    order: 1",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("login selector"), "{e}");
        let e = config("xpack.security.authc.providers:\n  saml.s:\n    order: 0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not support"), "{e}");
        let e = config("xpack.security.authc.providers.basic.b.colour: red")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("[xpack.security.authc.providers.basic.b.colour]"),
            "{e}"
        );
        let e = config("xpack.security.authc.providers.basic.order: 0")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "unknown setting [xpack.security.authc.providers.basic.order] in [console.yml]"
            ),
            "{e}"
        );
        let e = config("xpack.security.authc.providers:\n  basic.b:\n    enabled: false")
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least one provider"), "{e}");
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("250ms", "k").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            parse_duration("2w", "k").unwrap(),
            Duration::from_secs(14 * 86_400)
        );
        assert!(parse_duration("", "k").is_err());
        assert!(parse_duration("99999999999999999999d", "k").is_err());
    }
}
