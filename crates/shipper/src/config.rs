//! `shipper.yml` validated into [`ShipperConfig`]: every key is checked against the settings
//! this version implements (an unknown key is an error naming it, a Metricbeat key that is
//! not implemented yet is refused as "not supported yet"), then typed, so nothing downstream
//! re-parses strings. Precedence: `-E` flags over the file (whose `${VAR}` references read
//! the environment, then their `:default`), over built-in defaults.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ironstack_tls::{ClientTlsSettings, Secret, ServerVerification, TlsVersion};
use serde_json::Value;

use crate::hosts::HostUrl;
use crate::settings::{self, get, leaf_keys};
use crate::{Error, Result};

/// The version this shipper reports as `agent.version` and uses in the index name: the
/// Elasticsearch version the stack implements, as a Metricbeat of the same release would.
pub const VERSION: &str = ironstack_types::info::ES_VERSION;

/// Settings this version implements (a trailing `.*` accepts any sub-key, e.g. headers).
const SUPPORTED: &[&str] = &[
    "name",
    "tags",
    "fields.*",
    "fields_under_root",
    "processors",
    "path.home",
    "path.config",
    "path.data",
    "path.logs",
    "system.hostfs",
    "metricbeat.config.modules.path",
    "metricbeat.config.modules.reload.enabled",
    "metricbeat.modules",
    "output.elasticsearch.enabled",
    "output.elasticsearch.hosts",
    "output.elasticsearch.protocol",
    "output.elasticsearch.path",
    "output.elasticsearch.username",
    "output.elasticsearch.password",
    "output.elasticsearch.api_key",
    "output.elasticsearch.headers.*",
    "output.elasticsearch.parameters.*",
    "output.elasticsearch.bulk_max_size",
    "output.elasticsearch.timeout",
    "output.elasticsearch.backoff.init",
    "output.elasticsearch.backoff.max",
    "output.elasticsearch.max_retries",
    "output.elasticsearch.index",
    "output.elasticsearch.compression_level",
    "output.elasticsearch.worker",
    "output.elasticsearch.workers",
    "output.elasticsearch.allow_older_versions",
    "output.elasticsearch.ssl.enabled",
    "output.elasticsearch.ssl.certificate_authorities",
    "output.elasticsearch.ssl.certificate",
    "output.elasticsearch.ssl.key",
    "output.elasticsearch.ssl.key_passphrase",
    "output.elasticsearch.ssl.verification_mode",
    "output.elasticsearch.ssl.supported_protocols",
    "output.elasticsearch.ssl.ca_sha256",
    "output.elasticsearch.ssl.ca_trusted_fingerprint",
    "output.elasticsearch.ssl.cipher_suites",
    "output.elasticsearch.non_indexable_policy.drop",
    "output.elasticsearch.indices",
    "output.elasticsearch.non_indexable_policy.dead_letter_index.index",
    "queue.disk.path",
    "queue.disk.max_size",
    "queue.disk.segment_size",
    "queue.mem.events",
    "queue.mem.flush.min_events",
    "queue.mem.flush.timeout",
    "setup.template.enabled",
    "setup.template.name",
    "setup.template.pattern",
    "setup.ilm.policy_name",
    "setup.template.overwrite",
    "setup.ilm.enabled",
    "setup.ilm.check_exists",
    "setup.ilm.overwrite",
    "setup.dashboards.enabled",
    "setup.kibana.host",
    "setup.kibana.protocol",
    "setup.kibana.path",
    "setup.kibana.username",
    "setup.kibana.password",
    "setup.kibana.api_key",
    "setup.kibana.headers.*",
    "setup.kibana.space.id",
    "setup.kibana.ssl.enabled",
    "setup.kibana.ssl.certificate_authorities",
    "setup.kibana.ssl.certificate",
    "setup.kibana.ssl.key",
    "setup.kibana.ssl.key_passphrase",
    "setup.kibana.ssl.verification_mode",
    "setup.kibana.ssl.supported_protocols",
    "setup.kibana.ssl.ca_sha256",
    "setup.kibana.ssl.ca_trusted_fingerprint",
    "logging.level",
    "logging.selectors",
    "logging.to_stderr",
    "logging.to_files",
    "logging.metrics.enabled",
    "logging.metrics.period",
    "monitoring.enabled",
    "monitoring.cluster_uuid",
    "monitoring.elasticsearch.hosts",
    "monitoring.elasticsearch.protocol",
    "monitoring.elasticsearch.path",
    "monitoring.elasticsearch.username",
    "monitoring.elasticsearch.password",
    "monitoring.elasticsearch.api_key",
    "monitoring.elasticsearch.headers.*",
    "monitoring.elasticsearch.parameters.*",
    "monitoring.elasticsearch.timeout",
    "monitoring.elasticsearch.compression_level",
    "monitoring.elasticsearch.metrics.period",
    "monitoring.elasticsearch.state.period",
    "monitoring.elasticsearch.ssl.enabled",
    "monitoring.elasticsearch.ssl.certificate_authorities",
    "monitoring.elasticsearch.ssl.certificate",
    "monitoring.elasticsearch.ssl.key",
    "monitoring.elasticsearch.ssl.key_passphrase",
    "monitoring.elasticsearch.ssl.verification_mode",
    "monitoring.elasticsearch.ssl.supported_protocols",
    "monitoring.elasticsearch.ssl.ca_sha256",
    "monitoring.elasticsearch.ssl.ca_trusted_fingerprint",
    "logging.files.path",
    "logging.files.name",
    "logging.files.rotateeverybytes",
    "logging.files.keepfiles",
    "logging.files.permissions",
    "logging.files.interval",
    "logging.files.rotateonstartup",
];

/// Metricbeat settings (prefixes) that exist but are not implemented yet.
const NOT_YET: &[&str] = &[
    "max_procs",
    "seccomp",
    "keystore",
    "http",
    "monitoring",
    "xpack",
    "instrumentation",
    "cloud",
    "queue.disk",
    "setup.kibana",
    "setup.dashboards",
    "setup.template.fields",
    "setup.template.settings",
    "setup.template.append_fields",
    "setup.template.json",
    "setup.template.priority",
    "setup.ilm.policy_file",
    "setup.ilm.rollover_alias",
    "setup.ilm.pattern",
    "logging.files",
    "logging.json",
    "logging.to_syslog",
    "logging.to_eventlog",
    "logging.event_data",
    "output.logstash",
    "output.kafka",
    "output.redis",
    "output.file",
    "output.console",
    "output.discard",
    "output.elasticsearch.loadbalance",
    "output.elasticsearch.pipeline",
    "output.elasticsearch.pipelines",
    "output.elasticsearch.proxy_url",
    "output.elasticsearch.proxy_disable",
    "output.elasticsearch.proxy_headers",
    "output.elasticsearch.escape_html",
    "output.elasticsearch.idle_connection_timeout",
    "output.elasticsearch.non_indexable_policy",
    "output.elasticsearch.preset",
    "output.elasticsearch.queue",
    "output.elasticsearch.kerberos",
    "output.elasticsearch.ssl.curve_types",
    "output.elasticsearch.ssl.renegotiation",
    "output.elasticsearch.ssl.key_passphrase_path",
    "output.elasticsearch.ssl.restart_on_cert_change",
    "output.elasticsearch.ssl.certificate_reload",
    "metricbeat.config.modules.reload.period",
    "metricbeat.max_start_delay",
];

/// Where a setting is checked from, for messages.
fn check_keys(root: &Value, origin: &str) -> Result<()> {
    check_block_keys(root, "", origin, is_supported, |key| {
        NOT_YET
            .iter()
            .any(|p| key == *p || key.starts_with(&format!("{p}.")))
    })
}

/// Refuses the first leaf key of `block` that is not `known` (named with `prefix` in front,
/// the block's place in the file): not supported yet when `not_yet` says so, else unknown.
pub(crate) fn check_block_keys(
    block: &Value,
    prefix: &str,
    origin: &str,
    known: impl Fn(&str) -> bool,
    not_yet: impl Fn(&str) -> bool,
) -> Result<()> {
    let Some(key) = leaf_keys(block).into_iter().find(|k| !known(k)) else {
        return Ok(());
    };
    let origin = origin.to_string();
    if not_yet(&key) {
        Err(Error::NotSupportedYet {
            key: format!("{prefix}{key}"),
            origin,
        })
    } else {
        Err(Error::UnknownSetting {
            key: format!("{prefix}{key}"),
            origin,
        })
    }
}

fn is_supported(key: &str) -> bool {
    SUPPORTED.iter().any(|s| match s.strip_suffix(".*") {
        Some(prefix) => key.starts_with(&format!("{prefix}.")) || key == prefix,
        None => key == *s,
    })
}

/// The four folders of Metricbeat (`--path.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `path.home`: default the working directory.
    pub home: PathBuf,
    /// `path.config`: default `path.home`.
    pub config: PathBuf,
    /// `path.data`: default `path.home/data`.
    pub data: PathBuf,
    /// `path.logs`: default `path.home/logs`.
    pub logs: PathBuf,
}

/// Everything the command line contributes to the configuration.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `-c FILE` (relative to `path.config`); default `shipper.yml`.
    pub config_file: Option<PathBuf>,
    /// `-E key=value`, in order.
    pub settings: Vec<String>,
    /// `--path.home`, `--path.config`, `--path.data`, `--path.logs`.
    pub path_home: Option<PathBuf>,
    /// See above.
    pub path_config: Option<PathBuf>,
    /// See above.
    pub path_data: Option<PathBuf>,
    /// See above.
    pub path_logs: Option<PathBuf>,
    /// `--strict.perms` (default true).
    pub strict_perms: bool,
}

/// The raw, merged and checked tree, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The settings.
    pub tree: Value,
    /// The config file that was read.
    pub file: PathBuf,
    /// Resolved folders.
    pub paths: Paths,
}

/// Reads the config file, applies `-E` flags and `${VAR}`s, checks every key.
pub fn load(
    overrides: &Overrides,
    env: &HashMap<String, String>,
    cwd: &Path,
) -> Result<LoadedConfig> {
    let home = absolute(
        cwd,
        overrides.path_home.as_deref().unwrap_or(Path::new(".")),
    );
    let config_dir = overrides
        .path_config
        .as_deref()
        .map(|p| absolute(cwd, p))
        .unwrap_or_else(|| home.clone());
    let file = absolute(
        &config_dir,
        overrides
            .config_file
            .as_deref()
            .unwrap_or(Path::new("shipper.yml")),
    );
    if overrides.strict_perms {
        crate::perms::check(&file)?;
    }
    let text = std::fs::read_to_string(&file).map_err(|source| Error::ReadConfig {
        path: file.clone(),
        source,
    })?;
    let origin = format!("[{}]", file.display());
    let mut tree = settings::parse_yaml(&text, &origin)?;
    check_keys(&tree, &origin)?;
    for flag in &overrides.settings {
        let mut one = Value::Object(Default::default());
        settings::apply_override(&mut one, flag)?;
        check_keys(&one, &format!("-E [{flag}]"))?;
        settings::merge(&mut tree, one);
    }
    // `${KEY}` reads the keystore first, then the environment, as Beats does.
    let mut lookup = env.clone();
    lookup.extend(crate::keystore::secrets(&literal_data_dir(
        &tree, overrides, cwd,
    ))?);
    settings::resolve_variables(&mut tree, &lookup)?;
    let path_setting = |key: &str, flag: &Option<PathBuf>, default: PathBuf| -> Result<PathBuf> {
        if let Some(p) = flag {
            return Ok(absolute(cwd, p));
        }
        match get(&tree, key) {
            Some(v) => Ok(absolute(&home, Path::new(&string(v, key)?))),
            None => Ok(default),
        }
    };
    let home = path_setting("path.home", &overrides.path_home, home.clone())?;
    let paths = Paths {
        config: path_setting("path.config", &overrides.path_config, config_dir)?,
        data: path_setting("path.data", &overrides.path_data, home.join("data"))?,
        logs: path_setting("path.logs", &overrides.path_logs, home.join("logs"))?,
        home,
    };
    Ok(LoadedConfig { tree, file, paths })
}

/// `path.data` before `${VAR}`s are resolved (the keystore that resolves them lives there):
/// the flag, or a literal `path.home` / `path.data` of the file, or `<home>/data`.
fn literal_data_dir(tree: &Value, overrides: &Overrides, cwd: &Path) -> PathBuf {
    let literal = |key: &str| {
        get(tree, key)
            .and_then(Value::as_str)
            .filter(|s| !s.contains("${"))
            .map(PathBuf::from)
    };
    let home = overrides
        .path_home
        .clone()
        .or_else(|| literal("path.home"))
        .map_or_else(|| cwd.to_path_buf(), |h| absolute(cwd, &h));
    match overrides.path_data.clone().or_else(|| literal("path.data")) {
        Some(d) => absolute(&home, &d),
        None => home.join("data"),
    }
}

/// Where the keystore is for the `keystore` commands: as [`load`] finds it, reading the
/// configuration file leniently (a missing or broken file leaves the defaults).
pub fn keystore_data_dir(overrides: &Overrides, cwd: &Path) -> PathBuf {
    let config_dir = overrides
        .path_config
        .as_deref()
        .map(|p| absolute(cwd, p))
        .unwrap_or_else(|| {
            absolute(
                cwd,
                overrides.path_home.as_deref().unwrap_or(Path::new(".")),
            )
        });
    let file = absolute(
        &config_dir,
        overrides
            .config_file
            .as_deref()
            .unwrap_or(Path::new("shipper.yml")),
    );
    let mut tree = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| settings::parse_yaml(&t, "").ok())
        .unwrap_or(Value::Object(Default::default()));
    for flag in &overrides.settings {
        let _ = settings::apply_override(&mut tree, flag);
    }
    literal_data_dir(&tree, overrides, cwd)
}

fn absolute(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else if p == Path::new(".") {
        base.to_path_buf()
    } else {
        base.join(p)
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct ShipperConfig {
    /// `name`: the Beat name (`agent.name`, `host.name`); default the host name.
    pub name: String,
    /// Folders.
    pub paths: Paths,
    /// `system.hostfs`.
    pub hostfs: PathBuf,
    /// `metricbeat.config.modules.path`, with `${path.config}` resolved.
    pub modules_glob: Option<PathBuf>,
    /// `metricbeat.modules` blocks, not yet validated (see [`crate::modules`]).
    pub inline_modules: Vec<Value>,
    /// Top-level `tags` and `fields` (under `fields`, or at the root with
    /// `fields_under_root`), added to every event before the processors run.
    pub extra_fields: Option<serde_json::Value>,
    /// Top-level `processors`, run on every event after the module's own.
    pub processors: Vec<crate::processors::Processor>,
    /// `output.elasticsearch`.
    pub output: OutputConfig,
    /// `queue.mem`.
    pub queue: QueueConfig,
    /// `queue.disk`, when configured instead of the memory queue.
    pub disk_queue: Option<DiskQueueConfig>,
    /// `setup.*`.
    pub setup: SetupConfig,
    /// `logging.*`.
    pub logging: LoggingConfig,
    /// `monitoring.*`, when `monitoring.enabled: true`.
    pub monitoring: Option<MonitoringConfig>,
}

/// `monitoring.*`: the shipper's own metrics into `.monitoring-beats-*`.
#[derive(Debug, Clone)]
pub struct MonitoringConfig {
    /// `monitoring.elasticsearch.*` over the output's settings (username `beats_system`
    /// when neither names a user or an API key; `compression_level` 0; `timeout` 60s).
    pub connection: OutputConfig,
    /// `monitoring.cluster_uuid`: the cluster the shipper is shown under in Stack
    /// Monitoring (default: the output cluster's uuid).
    pub cluster_uuid: Option<String>,
    /// `monitoring.elasticsearch.metrics.period` (10s): `beats_stats`.
    pub metrics_period: Duration,
    /// `monitoring.elasticsearch.state.period` (1m): `beats_state`.
    pub state_period: Duration,
    /// How long to wait between availability probes (Beats' 30s).
    pub probe_retry: Duration,
}

/// `output.elasticsearch.*`.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    /// `hosts` with scheme, port and path resolved.
    pub hosts: Vec<HostUrl>,
    /// `username`.
    pub username: Option<String>,
    /// `password`.
    pub password: Option<Secret>,
    /// `api_key` as `id:key`.
    pub api_key: Option<Secret>,
    /// `headers`.
    pub headers: Vec<(String, String)>,
    /// `parameters` (added to `_bulk`).
    pub parameters: Vec<(String, String)>,
    /// `bulk_max_size` (1600); 0 or less disables splitting.
    pub bulk_max_size: usize,
    /// `timeout` (90s).
    pub timeout: Duration,
    /// `backoff.init` (1s).
    pub backoff_init: Duration,
    /// `backoff.max` (60s).
    pub backoff_max: Duration,
    /// `max_retries` (3); negative = retry forever.
    pub max_retries: i64,
    /// The index or data stream (`metricbeat-<version>`).
    pub index: String,
    /// Whether `index` was changed (this disables ILM, as in Metricbeat).
    pub custom_index: bool,
    /// `compression_level` (1): 0 sends plain bodies.
    pub compression_level: u32,
    /// `worker` (1).
    pub worker: usize,
    /// `allow_older_versions` (true).
    pub allow_older_versions: bool,
    /// `ssl.*`, when a section exists and is not disabled.
    pub tls: Option<ClientTlsSettings>,
    /// `non_indexable_policy.dead_letter_index.index`: where events Elasticsearch will never
    /// accept go instead of being dropped (`non_indexable_policy.drop`, the default).
    pub dead_letter_index: Option<String>,
}

/// `queue.mem.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueConfig {
    /// `events` (3200).
    pub events: usize,
    /// `flush.min_events` (1600).
    pub min_events: usize,
    /// `flush.timeout` (10s); zero hands over whatever is there.
    pub flush_timeout: Duration,
}

/// `queue.disk.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskQueueConfig {
    /// `path` (`${path.data}/diskqueue`).
    pub path: PathBuf,
    /// `max_size` (required), bytes.
    pub max_size: u64,
    /// `segment_size` (`max_size / 10`), bytes.
    pub segment_size: u64,
}

/// `setup.template.*`, `setup.ilm.*`, `setup.dashboards.*` and `setup.kibana.*`.
#[derive(Debug, Clone)]
pub struct SetupConfig {
    /// `setup.template.enabled` (true).
    pub template_enabled: bool,
    /// `setup.template.overwrite` (false; `setup` always overwrites).
    pub template_overwrite: bool,
    /// `setup.template.name` (`metricbeat-<version>`; required with a custom `index`).
    pub template_name: String,
    /// `setup.template.pattern` (`metricbeat-<version>`; required with a custom `index`).
    pub template_pattern: String,
    /// `setup.ilm.enabled` (true; false when `index` is customised).
    pub ilm_enabled: bool,
    /// `setup.ilm.policy_name` (`metricbeat`).
    pub ilm_policy_name: String,
    /// `setup.ilm.check_exists` (true).
    pub ilm_check_exists: bool,
    /// `setup.ilm.overwrite` (false).
    pub ilm_overwrite: bool,
    /// `setup.dashboards.enabled` (false): whether `run` loads dashboards at start.
    pub dashboards_enabled: bool,
    /// `setup.kibana.*`: the console that `setup` loads dashboards into.
    pub kibana: KibanaConfig,
}

/// `setup.kibana.*` (Beats' names and defaults; the console plays Kibana's part).
#[derive(Debug, Clone)]
pub struct KibanaConfig {
    /// Whether the file or `-E` has a `setup.kibana` section at all.
    pub configured: bool,
    /// `host` (`localhost:5601`) with `protocol` (http) and `path` applied.
    pub host: HostUrl,
    /// `username`; without one (and without `api_key`) the output's credentials are used, as
    /// Beats does.
    pub username: Option<String>,
    /// `password`.
    pub password: Option<Secret>,
    /// `api_key` as `id:key`.
    pub api_key: Option<Secret>,
    /// `headers`.
    pub headers: Vec<(String, String)>,
    /// `space.id`: the space dashboards go to (the default space when unset).
    pub space_id: Option<String>,
    /// `ssl.*`, when a section exists and is not disabled.
    pub tls: Option<ClientTlsSettings>,
}

/// `logging.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingConfig {
    /// `logging.level`: debug, info, warning, error.
    pub level: String,
    /// `logging.selectors`.
    pub selectors: Vec<String>,
    /// `logging.to_stderr` (the `-e` flag sets it).
    pub to_stderr: bool,
    /// `logging.to_files` (true).
    pub to_files: bool,
    /// `logging.files.*`.
    pub files: crate::log_files::LogFilesConfig,
    /// `logging.metrics.*`.
    pub metrics: crate::metrics_log::MetricsLogConfig,
}

impl ShipperConfig {
    /// Types and checks every value of a loaded tree.
    pub fn from_loaded(loaded: &LoadedConfig) -> Result<ShipperConfig> {
        let t = &loaded.tree;
        let name = match get(t, "name") {
            Some(v) => string(v, "name")?,
            None => hostname(),
        };
        let modules_glob = match get(t, "metricbeat.config.modules.path") {
            Some(v) => {
                let text = string(v, "metricbeat.config.modules.path")?
                    .replace("${path.config}", &loaded.paths.config.to_string_lossy());
                Some(absolute(&loaded.paths.config, Path::new(&text)))
            }
            None => None,
        };
        if get(t, "metricbeat.config.modules.reload.enabled")
            .is_some_and(|v| v == &Value::Bool(true))
        {
            return Err(Error::NotSupportedYet {
                key: "metricbeat.config.modules.reload.enabled".to_string(),
                origin: format!("[{}]", loaded.file.display()),
            });
        }
        let inline_modules = match get(t, "metricbeat.modules") {
            Some(Value::Array(items)) => items.clone(),
            Some(_) => {
                return Err(invalid(
                    "metricbeat.modules",
                    "expected a list of module blocks",
                ));
            }
            None => Vec::new(),
        };
        let mut extra = serde_json::Map::new();
        let tags = string_list(t, "tags")?;
        if !tags.is_empty() {
            extra.insert("tags".to_string(), serde_json::json!(tags));
        }
        if let Some(fields) = get(t, "fields") {
            if !fields.is_object() {
                return Err(invalid("fields", "expected a map"));
            }
            if boolean(t, "fields_under_root", false)? {
                if let Some(map) = fields.as_object() {
                    extra.extend(map.clone());
                }
            } else {
                extra.insert("fields".to_string(), fields.clone());
            }
        }
        let extra_fields = (!extra.is_empty()).then_some(Value::Object(extra));
        let mut processors = match get(t, "processors") {
            Some(v) => crate::processors::parse_list(v, &format!("[{}]", loaded.file.display()))?,
            None => Vec::new(),
        };
        // `output.elasticsearch.indices` picks an event's index after every processor ran.
        if let Some(v) = get(t, "output.elasticsearch.indices") {
            processors.extend(crate::processors::parse_index_rules(
                v,
                "[output.elasticsearch.indices]",
            )?);
        }
        let output = output_config(t, &loaded.paths.config)?;
        let custom_index = output.custom_index;
        let queue = QueueConfig {
            events: positive(t, "queue.mem.events", 3200)?,
            min_events: positive(t, "queue.mem.flush.min_events", 1600)?,
            flush_timeout: duration(t, "queue.mem.flush.timeout", Duration::from_secs(10))?,
        };
        let disk_queue = disk_queue_config(t, &loaded.paths)?;
        let template_name = optional_string(t, "setup.template.name")?;
        let template_pattern = optional_string(t, "setup.template.pattern")?;
        if custom_index
            && setup_template_on(t)?
            && (template_name.is_none() || template_pattern.is_none())
        {
            return Err(invalid(
                "output.elasticsearch.index",
                "setup.template.name and setup.template.pattern have to be set if index name is modified",
            ));
        }
        let default_name = format!("metricbeat-{VERSION}");
        let setup = SetupConfig {
            template_enabled: setup_template_on(t)?,
            template_overwrite: boolean(t, "setup.template.overwrite", false)?,
            template_name: template_name.unwrap_or_else(|| default_name.clone()),
            template_pattern: template_pattern.unwrap_or(default_name),
            ilm_enabled: boolean(t, "setup.ilm.enabled", true)? && !custom_index,
            ilm_policy_name: optional_string(t, "setup.ilm.policy_name")?
                .unwrap_or_else(|| crate::index_management::POLICY_NAME.to_string()),
            ilm_check_exists: boolean(t, "setup.ilm.check_exists", true)?,
            ilm_overwrite: boolean(t, "setup.ilm.overwrite", false)?,
            dashboards_enabled: boolean(t, "setup.dashboards.enabled", false)?,
            kibana: kibana_config(t, &output, &loaded.paths.config)?,
        };
        let level = match get(t, "logging.level") {
            Some(v) => {
                let l = string(v, "logging.level")?.to_ascii_lowercase();
                if !["debug", "info", "warning", "warn", "error"].contains(&l.as_str()) {
                    return Err(invalid(
                        "logging.level",
                        &format!("[{l}] is not one of debug, info, warning, error"),
                    ));
                }
                l
            }
            None => "info".to_string(),
        };
        let logging = LoggingConfig {
            level,
            selectors: string_list(t, "logging.selectors")?,
            to_stderr: boolean(t, "logging.to_stderr", false)?,
            to_files: boolean(t, "logging.to_files", true)?,
            files: log_files_config(t, &loaded.paths)?,
            metrics: crate::metrics_log::MetricsLogConfig {
                enabled: boolean(t, "logging.metrics.enabled", true)?,
                period: positive_duration(t, "logging.metrics.period", Duration::from_secs(30))?,
            },
        };
        let hostfs = match get(t, "system.hostfs") {
            Some(v) => PathBuf::from(string(v, "system.hostfs")?),
            None => PathBuf::from("/"),
        };
        let monitoring = monitoring_config(t, &loaded.paths.config)?;
        Ok(ShipperConfig {
            monitoring,
            name,
            paths: loaded.paths.clone(),
            hostfs,
            modules_glob,
            inline_modules,
            extra_fields,
            processors,
            output,
            queue,
            disk_queue,
            setup,
            logging,
        })
    }
}

/// Beats merges `monitoring.elasticsearch` over `output.elasticsearch`; credentials are not
/// mixed: any credential key on the monitoring side replaces all of the output's.
fn monitoring_config(t: &Value, config_dir: &Path) -> Result<Option<MonitoringConfig>> {
    if !boolean(t, "monitoring.enabled", false)? {
        return Ok(None);
    }
    let mut own = get(t, "monitoring.elasticsearch")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let period = |key: &str, default: Duration| -> Result<Duration> {
        let d = duration(t, key, default)?;
        if d < Duration::from_secs(1) {
            return Err(invalid(key, "must be at least 1s"));
        }
        Ok(d)
    };
    let metrics_period = period(
        "monitoring.elasticsearch.metrics.period",
        Duration::from_secs(10),
    )?;
    let state_period = period(
        "monitoring.elasticsearch.state.period",
        Duration::from_secs(60),
    )?;
    if let Value::Object(map) = &mut own {
        map.remove("metrics");
        map.remove("state");
    }
    let mut merged = Value::Object(Default::default());
    for key in [
        "hosts", "protocol", "path", "username", "password", "api_key", "headers", "ssl",
    ] {
        if let Some(v) = get(t, &format!("output.elasticsearch.{key}")) {
            merged[key] = v.clone();
        }
    }
    let credential = |v: &Value| {
        ["username", "password", "api_key"]
            .iter()
            .any(|k| v.get(k).is_some())
    };
    if credential(&own)
        && let Value::Object(map) = &mut merged
    {
        for k in ["username", "password", "api_key"] {
            map.remove(k);
        }
    }
    crate::settings::merge(&mut merged, own);
    if merged.get("username").is_none() && merged.get("api_key").is_none() {
        merged["username"] = Value::String("beats_system".to_string());
    }
    if merged.get("compression_level").is_none() {
        merged["compression_level"] = Value::from(0);
    }
    if merged.get("timeout").is_none() {
        merged["timeout"] = Value::String("60s".to_string());
    }
    let wrapped = serde_json::json!({"monitoring": {"elasticsearch": merged}});
    let connection = connection_config(&wrapped, "monitoring.elasticsearch", config_dir)?;
    Ok(Some(MonitoringConfig {
        connection,
        cluster_uuid: optional_string(t, "monitoring.cluster_uuid")?.filter(|u| !u.is_empty()),
        metrics_period,
        state_period,
        probe_retry: Duration::from_secs(30),
    }))
}

fn kibana_config(t: &Value, output: &OutputConfig, config_dir: &Path) -> Result<KibanaConfig> {
    let key = |k: &str| format!("setup.kibana.{k}");
    let protocol = optional_string(t, &key("protocol"))?.unwrap_or_else(|| "http".to_string());
    if protocol != "http" && protocol != "https" {
        return Err(invalid(
            &key("protocol"),
            &format!("[{protocol}] is not http or https"),
        ));
    }
    let path = optional_string(t, &key("path"))?.unwrap_or_default();
    let host_text =
        optional_string(t, &key("host"))?.unwrap_or_else(|| "localhost:5601".to_string());
    let host = HostUrl::parse_with_port(&host_text, &protocol, &path, 5601)
        .map_err(|r| invalid(&key("host"), &r))?;
    let mut username = optional_string(t, &key("username"))?;
    let mut password = optional_string(t, &key("password"))?.map(Secret::new);
    let mut api_key = optional_string(t, &key("api_key"))?.map(Secret::new);
    if username.is_none()
        && let Some((u, p)) = host.credentials.clone()
    {
        username = Some(u);
        password = Some(p);
    }
    if let Some(k) = &api_key {
        if !k.expose().contains(':') {
            return Err(invalid(&key("api_key"), "expected the form id:api_key"));
        }
        if username.is_some() {
            return Err(invalid(
                &key("api_key"),
                "cannot be set together with username/password",
            ));
        }
    }
    if username.is_none() && api_key.is_none() {
        username.clone_from(&output.username);
        password.clone_from(&output.password);
        api_key.clone_from(&output.api_key);
    }
    Ok(KibanaConfig {
        configured: get(t, "setup.kibana").is_some(),
        host,
        username,
        password,
        api_key,
        headers: string_map(t, &key("headers"))?,
        space_id: optional_string(t, &key("space.id"))?.filter(|s| !s.is_empty()),
        tls: tls_settings(t, "setup.kibana.ssl", config_dir)?,
    })
}

fn log_files_config(t: &Value, paths: &Paths) -> Result<crate::log_files::LogFilesConfig> {
    let key = |k: &str| format!("logging.files.{k}");
    let rotate_every_bytes = integer(t, &key("rotateeverybytes"), 10 * 1024 * 1024)?;
    if rotate_every_bytes < 1 {
        return Err(invalid(&key("rotateeverybytes"), "must be positive"));
    }
    let keep_files = integer(t, &key("keepfiles"), 7)?;
    if !(2..=1024).contains(&keep_files) {
        return Err(invalid(&key("keepfiles"), "must be between 2 and 1024"));
    }
    // Written as octal (`0600`); YAML may hand it over as the number 600 or as text.
    let permissions = match get(t, &key("permissions")) {
        None => 0o600,
        Some(v) => {
            let text = match v {
                // `0640` may arrive as the number 640 (even as 640.0): its digits are the mode.
                Value::Number(n) => match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && (0.0..=7777.0).contains(&f) => {
                        format!("{}", f as u32)
                    }
                    _ => n.to_string(),
                },
                other => string(other, &key("permissions"))?,
            };
            let digits = text.trim().trim_start_matches("0o");
            u32::from_str_radix(digits, 8)
                .ok()
                .filter(|m| *m <= 0o777 && *m & 0o600 == 0o600)
                .ok_or_else(|| {
                    invalid(
                        &key("permissions"),
                        &format!(
                            "[{text}] is not an octal file mode the shipper can write (e.g. 0600)"
                        ),
                    )
                })?
        }
    };
    let interval = duration(t, &key("interval"), Duration::ZERO)?;
    if !interval.is_zero() && interval < Duration::from_secs(1) {
        return Err(invalid(&key("interval"), "must be 0 or at least 1s"));
    }
    let path = match get(t, &key("path")) {
        Some(v) => absolute(&paths.home, Path::new(&string(v, &key("path"))?)),
        None => paths.logs.clone(),
    };
    let name = optional_string(t, &key("name"))?.unwrap_or_else(|| "shipper".to_string());
    if name.is_empty() || name.contains('/') {
        return Err(invalid(&key("name"), "must be a file name"));
    }
    Ok(crate::log_files::LogFilesConfig {
        path,
        name,
        rotate_every_bytes: u64::try_from(rotate_every_bytes).unwrap_or(u64::MAX),
        keep_files: usize::try_from(keep_files).unwrap_or(7),
        permissions,
        interval,
        rotate_on_startup: boolean(t, &key("rotateonstartup"), true)?,
    })
}

fn setup_template_on(t: &Value) -> Result<bool> {
    boolean(t, "setup.template.enabled", true)
}

fn disk_queue_config(t: &Value, paths: &Paths) -> Result<Option<DiskQueueConfig>> {
    if get(t, "queue.disk").is_none() {
        return Ok(None);
    }
    if get(t, "queue.mem").is_some() {
        return Err(invalid(
            "queue",
            "set either queue.mem or queue.disk, not both",
        ));
    }
    let size = |key: &str| -> Result<Option<u64>> {
        get(t, key)
            .map(|v| crate::disk_queue::parse_size(&string(v, key)?).map_err(|r| invalid(key, &r)))
            .transpose()
    };
    let max_size = size("queue.disk.max_size")?
        .filter(|n| *n > 0)
        .ok_or_else(|| invalid("queue.disk.max_size", "required (for example 10GB)"))?;
    let segment_size = size("queue.disk.segment_size")?
        .unwrap_or(max_size / 10)
        .max(1);
    let path = match get(t, "queue.disk.path") {
        Some(v) => absolute(&paths.data, Path::new(&string(v, "queue.disk.path")?)),
        None => paths.data.join("diskqueue"),
    };
    Ok(Some(DiskQueueConfig {
        path,
        max_size,
        segment_size,
    }))
}

fn output_config(t: &Value, config_dir: &Path) -> Result<OutputConfig> {
    connection_config(t, "output.elasticsearch", config_dir)
}

/// An Elasticsearch connection under `prefix` (`output.elasticsearch`,
/// `monitoring.elasticsearch`, or a module block wrapped as `elasticsearch`): the output's
/// settings and rules, so every client is configured and checked the same way.
pub(crate) fn connection_config(
    t: &Value,
    prefix: &str,
    config_dir: &Path,
) -> Result<OutputConfig> {
    let key = |k: &str| format!("{prefix}.{k}");
    if !boolean(t, &key("enabled"), true)? {
        return Err(invalid(
            &key("enabled"),
            "the Elasticsearch output is the only output and cannot be disabled",
        ));
    }
    let protocol = match get(t, &key("protocol")) {
        Some(v) => string(v, &key("protocol"))?,
        None => "http".to_string(),
    };
    if protocol != "http" && protocol != "https" {
        return Err(invalid(
            &key("protocol"),
            &format!("[{protocol}] is not http or https"),
        ));
    }
    let path = match get(t, &key("path")) {
        Some(v) => string(v, &key("path"))?,
        None => String::new(),
    };
    let host_texts = string_list(t, &key("hosts"))?;
    if host_texts.is_empty() {
        return Err(invalid(&key("hosts"), "at least one host is required"));
    }
    let hosts = host_texts
        .iter()
        .map(|h| HostUrl::parse(h, &protocol, &path).map_err(|r| invalid(&key("hosts"), &r)))
        .collect::<Result<Vec<_>>>()?;
    let mut username = optional_string(t, &key("username"))?;
    let mut password = optional_string(t, &key("password"))?.map(Secret::new);
    // Credentials in a URL become basic auth (Beats moves them out of the URL).
    if username.is_none()
        && let Some((u, p)) = hosts.iter().find_map(|h| h.credentials.clone())
    {
        username = Some(u);
        password = Some(p);
    }
    let api_key = optional_string(t, &key("api_key"))?;
    if let Some(k) = &api_key {
        if !k.contains(':') {
            return Err(invalid(&key("api_key"), "expected the form id:api_key"));
        }
        if username.is_some() {
            return Err(invalid(
                &key("api_key"),
                "cannot be set together with username/password",
            ));
        }
    }
    let headers = string_map(t, &key("headers"))?;
    let parameters = string_map(t, &key("parameters"))?;
    let worker = match get(t, &key("worker")).or_else(|| get(t, &key("workers"))) {
        Some(_) => positive(
            t,
            &if get(t, &key("worker")).is_some() {
                key("worker")
            } else {
                key("workers")
            },
            1,
        )?,
        None => 1,
    };
    let compression_level = integer(t, &key("compression_level"), 1)?;
    if !(0..=9).contains(&compression_level) {
        return Err(invalid(
            &key("compression_level"),
            "must be between 0 and 9",
        ));
    }
    let bulk_max_size = integer(t, &key("bulk_max_size"), 1600)?;
    let (index, custom_index) = match get(t, &key("index")) {
        Some(v) => {
            let text = string(v, &key("index"))?;
            let resolved = text.replace("%{[agent.version]}", VERSION);
            if resolved.contains("%{") {
                return Err(Error::FeatureNotSupportedYet {
                    what: format!(
                        "the index format [{text}] (only %{{[agent.version]}} is expanded)"
                    ),
                    origin: "[output.elasticsearch.index]".to_string(),
                });
            }
            (resolved.to_ascii_lowercase(), true)
        }
        None => (format!("metricbeat-{VERSION}"), false),
    };
    let backoff_init = duration(t, &key("backoff.init"), Duration::from_secs(1))?;
    let backoff_max = duration(t, &key("backoff.max"), Duration::from_secs(60))?;
    if backoff_init.is_zero() || backoff_max < backoff_init {
        return Err(invalid(
            &key("backoff.max"),
            "backoff.init must be positive and not above backoff.max",
        ));
    }
    Ok(OutputConfig {
        hosts,
        username,
        password,
        api_key: api_key.map(Secret::new),
        headers,
        parameters,
        bulk_max_size: usize::try_from(bulk_max_size).unwrap_or(0),
        timeout: duration(t, &key("timeout"), Duration::from_secs(90))?,
        backoff_init,
        backoff_max,
        max_retries: integer(t, &key("max_retries"), 3)?,
        index,
        custom_index,
        compression_level: u32::try_from(compression_level).unwrap_or(1),
        worker,
        allow_older_versions: boolean(t, &key("allow_older_versions"), true)?,
        tls: tls_settings(t, &format!("{prefix}.ssl"), config_dir)?,
        dead_letter_index: dead_letter_index(t, prefix)?,
    })
}

/// `non_indexable_policy`: `drop` (the default) or `dead_letter_index.index`, not both.
fn dead_letter_index(t: &Value, prefix: &str) -> Result<Option<String>> {
    let key = |k: &str| format!("{prefix}.non_indexable_policy.{k}");
    let index = optional_string(t, &key("dead_letter_index.index"))?;
    if get(t, &key("drop")).is_some() && get(t, &key("dead_letter_index")).is_some() {
        return Err(invalid(
            &format!("{prefix}.non_indexable_policy"),
            "set either drop or dead_letter_index, not both",
        ));
    }
    match index {
        Some(i) if i.trim().is_empty() => Err(invalid(
            &key("dead_letter_index.index"),
            "the dead letter index name is required",
        )),
        Some(i) => Ok(Some(i.to_ascii_lowercase())),
        None if get(t, &key("dead_letter_index")).is_some() => Err(invalid(
            &key("dead_letter_index.index"),
            "the dead letter index name is required",
        )),
        None => Ok(None),
    }
}

/// The `ssl` section at `section` (`output.elasticsearch.ssl`, `setup.kibana.ssl`). Relative
/// certificate and key paths are relative to `path.config`, as in Beats.
fn tls_settings(t: &Value, section: &str, config_dir: &Path) -> Result<Option<ClientTlsSettings>> {
    let key = |k: &str| format!("{section}.{k}");
    if get(t, section).is_none() || !boolean(t, &key("enabled"), true)? {
        return Ok(None);
    }
    let verification = match optional_string(t, &key("verification_mode"))? {
        None => ServerVerification::Full,
        Some(m) if m.is_empty() => ServerVerification::Full,
        Some(m) => ServerVerification::parse(&m)
            .map_err(|e| invalid(&key("verification_mode"), &e.to_string()))?,
    };
    let mut settings = ClientTlsSettings {
        verification,
        ..Default::default()
    };
    for ca in string_list(t, &key("certificate_authorities"))? {
        if ca.trim_start().starts_with('-') {
            let ders = rustls_pki_types::pem::PemObject::pem_slice_iter(ca.as_bytes())
                .collect::<std::result::Result<Vec<rustls_pki_types::CertificateDer<'static>>, _>>()
                .map_err(|_| invalid(&key("certificate_authorities"), "not a valid PEM"))?;
            if ders.is_empty() {
                return Err(invalid(&key("certificate_authorities"), "not a valid PEM"));
            }
            settings.ca_certificates.extend(ders);
        } else {
            settings
                .certificate_authorities
                .push(absolute(config_dir, Path::new(&ca)));
        }
    }
    let certificate = optional_string(t, &key("certificate"))?;
    let private_key = optional_string(t, &key("key"))?;
    settings.identity = match (certificate, private_key) {
        (Some(c), Some(k)) => Some(ironstack_tls::Identity::Pem {
            certificate: absolute(config_dir, Path::new(&c)),
            key: absolute(config_dir, Path::new(&k)),
            passphrase: optional_string(t, &key("key_passphrase"))?.map(Secret::new),
        }),
        (None, None) => None,
        _ => {
            return Err(invalid(
                &key("certificate"),
                "ssl.certificate and ssl.key must be set together",
            ));
        }
    };
    settings.ca_sha256 = string_list(t, &key("ca_sha256"))?;
    settings.ca_trusted_fingerprint = optional_string(t, &key("ca_trusted_fingerprint"))?;
    for p in string_list(t, &key("supported_protocols"))? {
        let v = match p.as_str() {
            "TLSv1.2" => TlsVersion::Tls12,
            "TLSv1.3" => TlsVersion::Tls13,
            other => {
                return Err(invalid(
                    &key("supported_protocols"),
                    &format!("[{other}] is not supported; use TLSv1.2 and/or TLSv1.3"),
                ));
            }
        };
        settings.protocols.push(v);
    }
    let suites = string_list(t, &key("cipher_suites"))?;
    if !suites.is_empty() {
        settings.cipher_suites =
            beats_cipher_suites(&suites).map_err(|r| invalid(&key("cipher_suites"), &r))?;
    }
    settings.alpn_protocols = vec![b"http/1.1".to_vec()];
    settings.check_combinations()?;
    Ok(Some(settings))
}

/// Beats' `cipher_suites` names (Go's, as `ECDHE-ECDSA-AES-128-GCM-SHA256`; IANA names are
/// accepted too). As in Beats they restrict TLS 1.2 only: the TLS 1.3 suites stay enabled.
fn beats_cipher_suites(
    names: &[String],
) -> std::result::Result<Vec<ironstack_tls::CipherSuite>, String> {
    use ironstack_tls::CipherSuite as C;
    let mut out = vec![
        C::Tls13Aes256GcmSha384,
        C::Tls13Aes128GcmSha256,
        C::Tls13Chacha20Poly1305Sha256,
    ];
    for name in names {
        let suite = match name.to_ascii_uppercase().as_str() {
            "ECDHE-ECDSA-AES-128-GCM-SHA256" => C::EcdheEcdsaAes128GcmSha256,
            "ECDHE-ECDSA-AES-256-GCM-SHA384" => C::EcdheEcdsaAes256GcmSha384,
            "ECDHE-ECDSA-CHACHA20-POLY1305" => C::EcdheEcdsaChacha20Poly1305Sha256,
            "ECDHE-RSA-AES-128-GCM-SHA256" => C::EcdheRsaAes128GcmSha256,
            "ECDHE-RSA-AES-256-GCM-SHA384" => C::EcdheRsaAes256GcmSha384,
            // Beats' documentation spells this one POLY1205.
            "ECDHE-RSA-CHACHA20-POLY1305" | "ECDHE-RSA-CHACHA20-POLY1205" => {
                C::EcdheRsaChacha20Poly1305Sha256
            }
            other => C::parse(other).map_err(|_| {
                format!(
                    "[{name}] is not supported: only the ECDHE suites with AES-GCM or ChaCha20-Poly1305 are (no CBC, no RSA key exchange)"
                )
            })?,
        };
        if !out.contains(&suite) {
            out.push(suite);
        }
    }
    Ok(out)
}

pub(crate) fn invalid(key: &str, reason: &str) -> Error {
    Error::InvalidValue {
        key: key.to_string(),
        reason: reason.to_string(),
    }
}

pub(crate) fn string(v: &Value, key: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(invalid(key, "expected a single value")),
    }
}

fn optional_string(t: &Value, key: &str) -> Result<Option<String>> {
    get(t, key).map(|v| string(v, key)).transpose()
}

pub(crate) fn string_list(t: &Value, key: &str) -> Result<Vec<String>> {
    match get(t, key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|v| string(v, key)).collect(),
        Some(v) => Ok(vec![string(v, key)?]),
    }
}

fn string_map(t: &Value, key: &str) -> Result<Vec<(String, String)>> {
    match get(t, key) {
        None => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), string(v, &format!("{key}.{k}"))?)))
            .collect(),
        Some(_) => Err(invalid(key, "expected a map")),
    }
}

pub(crate) fn boolean(t: &Value, key: &str, default: bool) -> Result<bool> {
    match get(t, key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
        Some(_) => Err(invalid(key, "expected true or false")),
    }
}

fn integer(t: &Value, key: &str, default: i64) -> Result<i64> {
    match get(t, key) {
        None => Ok(default),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| invalid(key, "expected an integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| invalid(key, &format!("[{s}] is not an integer"))),
        Some(_) => Err(invalid(key, "expected an integer")),
    }
}

fn positive(t: &Value, key: &str, default: usize) -> Result<usize> {
    let n = integer(t, key, default as i64)?;
    usize::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| invalid(key, "must be a positive integer"))
}

/// A duration that must be above zero (a period).
fn positive_duration(t: &Value, key: &str, default: Duration) -> Result<Duration> {
    let d = duration(t, key, default)?;
    if d.is_zero() {
        return Err(invalid(key, "must be greater than 0"));
    }
    Ok(d)
}

pub(crate) fn duration(t: &Value, key: &str, default: Duration) -> Result<Duration> {
    match get(t, key) {
        None => Ok(default),
        Some(v) => parse_duration(&string(v, key)?).map_err(|r| invalid(key, &r)),
    }
}

/// Go durations (`90s`, `1m30s`, `500ms`, `1h`); a bare number is seconds, as in go-ucfg.
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(secs)
            .map_err(|_| format!("[{text}] is not a duration"));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return Err("empty duration".to_string());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("[{text}] has no unit (use s, m, h, ms)"))?;
        let (number, after) = rest.split_at(digits);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("[{text}] is not a duration"))?;
        let seconds = match unit {
            "ns" => value / 1e9,
            "us" | "µs" => value / 1e6,
            "ms" => value / 1e3,
            "s" => value,
            "m" => value * 60.0,
            "h" => value * 3600.0,
            _ => return Err(format!("[{text}] has an unknown unit [{unit}]")),
        };
        total += Duration::try_from_secs_f64(seconds)
            .map_err(|_| format!("[{text}] is not a duration"))?;
        rest = next;
    }
    Ok(total)
}

/// The machine's host name (`/proc/sys/kernel/hostname`), or `localhost`.
pub(crate) fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_str()
        .ok()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
