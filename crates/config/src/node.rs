//! Loading and validating the node configuration: locate `ironstack.yml`, layer `-E`
//! overrides over it, resolve placeholders, reject unknown/secure/legacy keys, and turn the
//! strings into a typed [`NodeConfig`] that nothing downstream has to re-parse.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::network::{HostSpec, PortRange};
use crate::ssl::HttpSslConfig;
use crate::{Error, Origin, Result, Settings, env_vars, registry};

/// Name of the settings file inside the config directory.
pub const CONFIG_FILE_NAME: &str = "ironstack.yml";

/// Config directory used when neither the caller nor `IRONSTACK_PATH_CONF` names one.
pub const DEFAULT_CONFIG_DIR: &str = "config";

/// Default `http.max_content_length` (100mb).
pub const DEFAULT_MAX_CONTENT_LENGTH: u64 = 100 * 1024 * 1024;

/// Largest accepted `http.max_content_length` (Elasticsearch's limit: 2^31 - 1 bytes).
pub const MAX_MAX_CONTENT_LENGTH: u64 = i32::MAX as u64;

/// Default `http.max_initial_line_length` (4kb).
pub const DEFAULT_MAX_INITIAL_LINE_LENGTH: u64 = 4 * 1024;

/// Default `http.max_header_size` (16kb).
pub const DEFAULT_MAX_HEADER_SIZE: u64 = 16 * 1024;

/// Default `http.max_chunk_size` (8kb).
pub const DEFAULT_MAX_CHUNK_SIZE: u64 = 8 * 1024;

/// The HTTP connection layer's limits (`http.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// `http.max_initial_line_length` (4kb): the longest request line (`GET /path HTTP/1.1`).
    pub max_initial_line_length: u64,
    /// `http.max_header_size` (16kb): the most bytes of header lines (`name: value`, line
    /// ends not counted) one request may have.
    pub max_header_size: u64,
    /// `http.max_chunk_size` (8kb): accepted and validated for compatibility; request bodies
    /// are read in whatever pieces the connection delivers.
    pub max_chunk_size: u64,
    /// `http.read_timeout` (Elasticsearch's default `0`: `None`).
    pub read_timeout: Option<Duration>,
    /// `http.max_open_connections`, ironstack's own setting (Elasticsearch has none); `None`:
    /// derived from the process's open-file limit.
    pub max_open_connections: Option<u64>,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_initial_line_length: DEFAULT_MAX_INITIAL_LINE_LENGTH,
            max_header_size: DEFAULT_MAX_HEADER_SIZE,
            max_chunk_size: DEFAULT_MAX_CHUNK_SIZE,
            read_timeout: None,
            max_open_connections: None,
        }
    }
}

impl HttpLimits {
    fn from_settings(reader: &Reader<'_>) -> Result<Self> {
        // Netty takes these sizes as Java ints, greater than zero.
        let size = |key: &str, default: u64| -> Result<u64> {
            let value = reader
                .parsed(key, crate::byte_size::parse_byte_size)?
                .unwrap_or(default);
            if value == 0 || value > i32::MAX as u64 {
                return Err(reader.invalid(key, "must be between 1b and 2147483647b"));
            }
            Ok(value)
        };
        // `0` (Elasticsearch's default) means no timeout of Elasticsearch's own; its minimum is
        // `0`, so `-1` is refused as Elasticsearch refuses it.
        let read_timeout = reader.parsed("http.read_timeout", |v| {
            let t = ironstack_types::TimeValue::parse(v, "http.read_timeout")
                .map_err(|e| e.to_string())?;
            t.to_duration().ok_or_else(|| {
                format!(
                    "failed to parse value [{v}] for setting [http.read_timeout], must be >= [0ms]"
                )
            })
        })?;
        let max_open_connections =
            reader.parsed("http.max_open_connections", |v| match v.parse::<u64>() {
                Ok(0) | Err(_) => Err("expected a whole number of connections, at least 1".into()),
                Ok(n) => Ok(n),
            })?;
        Ok(Self {
            max_initial_line_length: size(
                "http.max_initial_line_length",
                DEFAULT_MAX_INITIAL_LINE_LENGTH,
            )?,
            max_header_size: size("http.max_header_size", DEFAULT_MAX_HEADER_SIZE)?,
            max_chunk_size: size("http.max_chunk_size", DEFAULT_MAX_CHUNK_SIZE)?,
            read_timeout: read_timeout.filter(|t| !t.is_zero()),
            max_open_connections,
        })
    }
}

/// What to load and from where. The environment is passed in, never read from the process.
#[derive(Clone, Default)]
pub struct LoadOptions {
    /// The environment (`std::env::vars().collect()` in the binary, a literal map in tests).
    pub env: HashMap<String, String>,
    /// An explicit config directory; else `IRONSTACK_PATH_CONF`; else `./config`.
    pub config_dir: Option<PathBuf>,
    /// `-E` arguments as `key=value` (without the `-E`); they win over the file.
    pub overrides: Vec<String>,
    /// Extra accepted setting names (exact, or a prefix ending in `.*`) for settings that
    /// another crate reads through [`NodeConfig::settings`].
    pub extra_settings: Vec<String>,
    /// Directory relative paths are taken from; default: the process's current directory.
    pub working_dir: Option<PathBuf>,
}

impl std::fmt::Debug for LoadOptions {
    // The environment can hold secrets (keystore passwords): only its size is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("env", &format_args!("[{} variables]", self.env.len()))
            .field("config_dir", &self.config_dir)
            .field("overrides", &self.overrides)
            .field("extra_settings", &self.extra_settings)
            .field("working_dir", &self.working_dir)
            .finish()
    }
}

/// `xpack.security.*` settings other than TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityConfig {
    /// `xpack.security.enabled` (default true).
    pub enabled: bool,
    /// `xpack.security.autoconfiguration.enabled` (default true).
    pub autoconfiguration_enabled: bool,
    /// `xpack.security.enrollment.enabled` (default false).
    pub enrollment_enabled: bool,
    /// `xpack.security.http.ssl.*`.
    pub http_ssl: HttpSslConfig,
    /// `xpack.security.authc.token.*` and `xpack.security.authc.anonymous.*`.
    pub authc: crate::AuthcConfig,
    /// `xpack.security.authc.realms.*` (PKI realms).
    pub realms: crate::RealmsConfig,
    /// `xpack.security.audit.*`.
    pub audit: crate::AuditConfig,
}

/// The validated node configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// Absolute config directory (holds `ironstack.yml`, the keystore and `certs/`).
    pub config_dir: PathBuf,
    /// Absolute path of `ironstack.yml` (which may not exist).
    pub config_file: PathBuf,
    /// Whether `ironstack.yml` existed when loaded.
    pub config_file_exists: bool,
    /// `cluster.name` (default `ironstack`).
    pub cluster_name: String,
    /// `node.name` (default: the host name).
    pub node_name: String,
    /// `network.host` (default `_local_`).
    pub network_host: Vec<HostSpec>,
    /// `http.host`, falling back to `network.host`.
    pub http_host: Vec<HostSpec>,
    /// `http.port` (default 9200-9300, as Elasticsearch: the first free port).
    pub http_port: PortRange,
    /// `http.max_content_length` in bytes (default 100mb).
    pub http_max_content_length: u64,
    /// The connection layer's `http.*` limits.
    pub http: HttpLimits,
    /// `path.data`, absolute (default `./data`).
    pub path_data: PathBuf,
    /// `path.logs`, absolute (default `./logs`).
    pub path_logs: PathBuf,
    /// `action.auto_create_index` as written (default `true`): which missing indices a write
    /// may create (`true`, `false`, or `+pattern,-pattern` rules).
    pub auto_create_index: String,
    /// `xpack.security.*`.
    pub security: SecurityConfig,
    /// Non-fatal remarks to log at start-up (dangerous settings, ignored settings).
    pub warnings: Vec<String>,
    settings: Settings,
}

impl NodeConfig {
    /// Loads `ironstack.yml` (a missing file is empty settings), applies `-E` overrides,
    /// resolves `${VAR}` placeholders from `options.env` and validates everything.
    pub fn load(options: &LoadOptions) -> Result<Self> {
        let working_dir = match &options.working_dir {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().map_err(|source| Error::Io {
                path: PathBuf::from("."),
                source,
            })?,
        };
        let config_dir = options
            .config_dir
            .clone()
            .or_else(|| {
                options
                    .env
                    .get(env_vars::IRONSTACK_PATH_CONF)
                    .map(PathBuf::from)
            })
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_DIR));
        let config_dir = working_dir.join(config_dir);
        let config_file = config_dir.join(CONFIG_FILE_NAME);
        let (text, exists) = match std::fs::read_to_string(&config_file) {
            Ok(text) => (text, true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), false),
            Err(source) => {
                return Err(Error::Io {
                    path: config_file,
                    source,
                });
            }
        };
        let mut settings = Settings::from_yaml(&text, &config_file)?;
        settings.merge_overrides(Settings::from_overrides(&options.overrides)?);
        // Elasticsearch's launcher always exports HOSTNAME (auto-configuration may write
        // `${HOSTNAME}`), so the placeholder resolves even where the shell does not set it.
        let mut env = options.env.clone();
        if !env.contains_key(env_vars::HOSTNAME) {
            env.insert(env_vars::HOSTNAME.to_string(), host_name(&options.env));
        }
        settings.resolve_placeholders(&env)?;
        Self::from_settings(
            settings,
            config_dir,
            config_file,
            exists,
            &working_dir,
            options,
        )
    }

    fn from_settings(
        settings: Settings,
        config_dir: PathBuf,
        config_file: PathBuf,
        config_file_exists: bool,
        working_dir: &Path,
        options: &LoadOptions,
    ) -> Result<Self> {
        let file_origin = Origin::File(config_file.clone());
        let mut warnings = Vec::new();
        for (key, setting) in settings.iter() {
            registry::check_key(key, &setting.origin, &options.extra_settings)?;
            if registry::IGNORED_SETTINGS.contains(&key)
                || registry::IGNORED_PREFIXES
                    .iter()
                    .any(|p| key.starts_with(p))
            {
                tracing::debug!(
                    setting = key,
                    "setting accepted and ignored: there is no transport layer"
                );
            }
        }
        let reader = Reader {
            settings: &settings,
        };
        let hosts = |key: &str| -> Result<Option<Vec<HostSpec>>> {
            match reader.list(key)? {
                None => Ok(None),
                Some(values) => Ok(Some(reader.each(key, &values, HostSpec::parse)?)),
            }
        };
        let network_host = hosts("network.host")?.unwrap_or_else(|| vec![HostSpec::Local]);
        let http_host = hosts("http.host")?.unwrap_or_else(|| network_host.clone());
        let http_max_content_length = reader
            .parsed("http.max_content_length", crate::byte_size::parse_byte_size)?
            .unwrap_or(DEFAULT_MAX_CONTENT_LENGTH);
        if http_max_content_length > MAX_MAX_CONTENT_LENGTH {
            return Err(reader.invalid(
                "http.max_content_length",
                &format!("must be <= {MAX_MAX_CONTENT_LENGTH} bytes (2gb - 1)"),
            ));
        }
        let path = |key: &str, default: &str| -> Result<PathBuf> {
            Ok(working_dir.join(reader.string(key)?.unwrap_or_else(|| default.to_string())))
        };
        let mut security = SecurityConfig {
            enabled: reader.boolean("xpack.security.enabled")?.unwrap_or(true),
            autoconfiguration_enabled: reader
                .boolean("xpack.security.autoconfiguration.enabled")?
                .unwrap_or(true),
            enrollment_enabled: reader
                .boolean("xpack.security.enrollment.enabled")?
                .unwrap_or(false),
            http_ssl: HttpSslConfig::from_settings(
                &settings,
                &config_dir,
                &file_origin,
                &mut warnings,
            )?,
            realms: crate::RealmsConfig::from_settings(&settings, &config_dir, &mut warnings)?,
            audit: crate::AuditConfig::from_settings(&settings)?,
            authc: crate::AuthcConfig::default(),
        };
        // The token service defaults to on exactly when HTTPS is on (authc.rs).
        security.authc = crate::authc::AuthcConfig::from_settings(
            &settings,
            security.http_ssl.enabled,
            &mut warnings,
        )?;
        Ok(NodeConfig {
            cluster_name: reader
                .string("cluster.name")?
                .unwrap_or_else(|| "ironstack".to_string()),
            node_name: match reader.string("node.name")? {
                Some(name) => name,
                None => host_name(&options.env),
            },
            network_host,
            http_host,
            http_port: reader
                .parsed("http.port", PortRange::parse)?
                .unwrap_or(PortRange {
                    start: 9200,
                    end: 9300,
                }),
            http_max_content_length,
            http: HttpLimits::from_settings(&reader)?,
            path_data: path("path.data", "data")?,
            path_logs: path("path.logs", "logs")?,
            auto_create_index: reader
                .string("action.auto_create_index")?
                .unwrap_or_else(|| "true".to_string()),
            security,
            warnings,
            config_dir,
            config_file,
            config_file_exists,
            settings,
        })
    }

    /// Every setting as given (file and `-E`), after placeholder resolution; other crates
    /// read their `extra_settings` here.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// `<config dir>/ironstack.yml`.
    pub fn config_file_path(&self) -> &Path {
        &self.config_file
    }

    /// Whether any `xpack.security.*` setting was given (file or `-E`).
    pub fn has_security_settings(&self) -> bool {
        self.settings
            .keys()
            .any(|k| k.starts_with("xpack.security."))
    }

    /// Whether any bind-host setting was given (auto-configuration then leaves
    /// `http.host` alone).
    pub fn has_host_settings(&self) -> bool {
        ["network.host", "http.host", "transport.host"]
            .iter()
            .any(|k| self.settings.get(k).is_some())
    }

    /// The settings-based conditions under which Elasticsearch auto-configures security on
    /// first start: auto-configuration not disabled, `xpack.security.enabled` not set, no
    /// HTTP or transport TLS setting, and no multi-node discovery. The node still has to check
    /// that the data directory is empty and the keystore has no TLS passwords.
    pub fn security_auto_configuration_allowed(&self) -> bool {
        let given = |k: &str| self.settings.get(k).is_some();
        let multi_node = given("discovery.seed_hosts")
            || self
                .settings
                .get("cluster.initial_master_nodes")
                .is_some_and(|s| s.value.as_list() != [self.node_name.clone()]);
        self.security.autoconfiguration_enabled
            && !given("xpack.security.enabled")
            && !self.settings.keys().any(|k| {
                k.starts_with("xpack.security.http.ssl.")
                    || k.starts_with("xpack.security.transport.ssl.")
            })
            && !multi_node
    }

    /// Appends `block` to `ironstack.yml` atomically (write a temporary file next to it, sync,
    /// rename), creating the file and the config directory if needed. Existing content is
    /// kept byte for byte; a newline is inserted first if the file does not end with one.
    pub fn append_to_config_file(&self, block: &str) -> Result<()> {
        append_atomically(&self.config_file, block)
    }
}

fn append_atomically(path: &Path, block: &str) -> Result<()> {
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let existing = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error(e)),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let mut content = existing.clone().unwrap_or_default();
    if !content.is_empty() && !content.ends_with(b"\n") {
        content.push(b'\n');
    }
    content.extend_from_slice(block.as_bytes());
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| CONFIG_FILE_NAME.to_string());
    let temp = dir.join(format!(".{file_name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mode = match std::fs::metadata(path) {
            Ok(meta) => meta.permissions().mode() & 0o7777,
            Err(_) => 0o640,
        };
        options.mode(mode);
    }
    let write = || -> std::io::Result<()> {
        let mut file = options.open(&temp)?;
        file.write_all(&content)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        // Make the rename itself durable.
        if let Ok(dir_handle) = std::fs::File::open(dir) {
            let _ = dir_handle.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io_error(e)
    })
}

/// The default `node.name`: `HOSTNAME` from the given env, else the kernel's host name.
fn host_name(env: &HashMap<String, String>) -> String {
    if let Some(name) = env.get(env_vars::HOSTNAME).filter(|n| !n.trim().is_empty()) {
        return name.trim().to_string();
    }
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Typed access to flat settings with errors that name the key and its origin.
pub(crate) struct Reader<'a> {
    pub(crate) settings: &'a Settings,
}

impl Reader<'_> {
    fn origin(&self, key: &str) -> Origin {
        self.settings
            .get(key)
            .map(|s| s.origin.clone())
            .unwrap_or(Origin::Default)
    }

    fn shown(&self, key: &str) -> String {
        self.settings
            .get(key)
            .map(|s| s.value.display())
            .unwrap_or_default()
    }

    pub(crate) fn invalid(&self, key: &str, reason: &str) -> Error {
        self.invalid_value(key, &self.shown(key), reason)
    }

    pub(crate) fn invalid_value(&self, key: &str, value: &str, reason: &str) -> Error {
        Error::InvalidValue {
            key: key.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
            origin: self.origin(key),
        }
    }

    /// A non-empty scalar.
    pub(crate) fn string(&self, key: &str) -> Result<Option<String>> {
        let Some(setting) = self.settings.get(key) else {
            return Ok(None);
        };
        match &setting.value {
            crate::SettingValue::Scalar(s) if s.trim().is_empty() => {
                Err(self.invalid(key, "must not be empty"))
            }
            crate::SettingValue::Scalar(s) => Ok(Some(s.clone())),
            crate::SettingValue::List(_) => {
                Err(self.invalid(key, "expected a single value, not a list"))
            }
        }
    }

    /// A list (or comma-separated scalar).
    pub(crate) fn list(&self, key: &str) -> Result<Option<Vec<String>>> {
        Ok(self.settings.get(key).map(|s| s.value.as_list()))
    }

    /// `true` or `false` exactly, with the message of Elasticsearch's `Booleans.parseBoolean`.
    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>> {
        self.parsed(key, |v| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!(
                "Failed to parse value [{v}] as only [true] or [false] are allowed."
            )),
        })
    }

    pub(crate) fn parsed<T>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> std::result::Result<T, String>,
    ) -> Result<Option<T>> {
        match self.string(key)? {
            None => Ok(None),
            Some(value) => parse(value.trim())
                .map(Some)
                .map_err(|reason| self.invalid_value(key, &value, &reason)),
        }
    }

    pub(crate) fn each<T>(
        &self,
        key: &str,
        items: &[String],
        parse: impl Fn(&str) -> std::result::Result<T, String>,
    ) -> Result<Vec<T>> {
        items
            .iter()
            .map(|item| parse(item).map_err(|reason| self.invalid_value(key, item, &reason)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(overrides: &[&str]) -> Result<NodeConfig> {
        let dir = tempfile::tempdir().unwrap();
        NodeConfig::load(&LoadOptions {
            env: HashMap::from([("HOSTNAME".to_string(), "h".to_string())]),
            working_dir: Some(dir.path().to_path_buf()),
            overrides: overrides.iter().map(|s| s.to_string()).collect(),
            ..LoadOptions::default()
        })
    }

    #[test]
    fn http_limits_default_to_elasticsearch_values() {
        let http = load(&[]).unwrap().http;
        assert_eq!(http, HttpLimits::default());
        assert_eq!(http.max_initial_line_length, 4096);
        assert_eq!(http.max_header_size, 16384);
        assert_eq!(http.max_chunk_size, 8192);
        assert_eq!(http.read_timeout, None);
        assert_eq!(http.max_open_connections, None);
    }

    #[test]
    fn http_limits_are_read_and_validated() {
        let http = load(&[
            "http.max_initial_line_length=8kb",
            "http.max_header_size=1mb",
            "http.max_chunk_size=16kb",
            "http.read_timeout=30s",
            "http.max_open_connections=5000",
        ])
        .unwrap()
        .http;
        assert_eq!(http.max_initial_line_length, 8192);
        assert_eq!(http.max_header_size, 1 << 20);
        assert_eq!(http.max_chunk_size, 16384);
        assert_eq!(http.read_timeout, Some(Duration::from_secs(30)));
        assert_eq!(http.max_open_connections, Some(5000));
        // `0` is Elasticsearch's "no read timeout".
        assert_eq!(
            load(&["http.read_timeout=0"]).unwrap().http.read_timeout,
            None
        );
        assert_eq!(
            load(&["http.read_timeout=0s"]).unwrap().http.read_timeout,
            None
        );

        for (argument, expected) in [
            (
                "http.max_header_size=0",
                "must be between 1b and 2147483647b",
            ),
            (
                "http.max_initial_line_length=3gb",
                "must be between 1b and 2147483647b",
            ),
            ("http.max_chunk_size=8", "unit is missing"),
            ("http.read_timeout=10", "unit is missing or unrecognized"),
            ("http.read_timeout=-1", "must be >= [0ms]"),
            ("http.max_open_connections=0", "at least 1"),
            ("http.max_open_connections=many", "at least 1"),
        ] {
            let err = load(&[argument]).unwrap_err().to_string();
            assert!(err.contains(expected), "{argument}: {err}");
            assert!(err.contains(argument.split('=').next().unwrap()), "{err}");
        }
    }
}
