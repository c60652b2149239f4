//! Module configuration: `modules.d/*.yml` (enabled) and `*.yml.disabled` files plus inline
//! `metricbeat.modules`, validated into [`ModuleBlock`]s, and the `modules list|enable|disable`
//! commands. When the configuration folder has no `modules.d` at all, it is created with the
//! samples Metricbeat's packages ship (`system.yml`, `elasticsearch-xpack.yml.disabled`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use ironstack_collectors::{MetricSet, SystemOptions};
use serde_json::Value;

use crate::config::{boolean, check_block_keys, invalid, parse_duration, string, string_list};
use crate::settings::{self, get};
use crate::{Error, Result};

/// The sample `modules.d/system.yml`: Metricbeat's blocks, limited to the metricsets this
/// version implements.
pub const SYSTEM_YML: &str = "\
# Module: system
# Metricsets implemented by ironstack shipper: cpu, load, memory, network, filesystem,
# fsstat, uptime, process, process_summary, socket_summary, diskio.

- module: system
  period: 10s
  metricsets:
    - cpu
    - load
    - memory
    - network
    - process
    - process_summary
    - socket_summary
    #- diskio
  process.include_top_n:
    by_cpu: 5      # include the top 5 processes by CPU
    by_memory: 5   # include the top 5 processes by memory
  # Default [percentages]; add normalized_percentages for the *.norm.pct fields.
  #cpu.metrics: [\"percentages\", \"normalized_percentages\"]

- module: system
  period: 1m
  metricsets:
    - filesystem
    - fsstat
  # Default: the nodev types of /proc/filesystems (proc, sysfs, tmpfs, ...).
  #filesystem.ignore_types: [nfs, smbfs, autofs]
  processors:
    - drop_event.when.regexp:
        system.filesystem.mount_point: '^/(sys|cgroup|proc|dev|etc|host|lib|snap)($|/)'

- module: system
  period: 15m
  metricsets:
    - uptime
";

/// The sample `modules.d/elasticsearch-xpack.yml.disabled`, Metricbeat's file: Stack
/// Monitoring collection into `.monitoring-es-8-mb` (the guide's setup fills in `https`,
/// `remote_monitoring_user` and the CA).
pub const ELASTICSEARCH_XPACK_YML: &str = "\
# Module: elasticsearch
# Docs: https://www.elastic.co/guide/en/beats/metricbeat/current/metricbeat-module-elasticsearch.html

- module: elasticsearch
  xpack.enabled: true
  period: 10s
  hosts: [\"http://localhost:9200\"]
  #scope: node
  #username: \"user\"
  #password: \"secret\"
  #api_key: \"foo:bar\"
  #ssl.enabled: true
  #ssl.certificate_authorities: [\"/etc/pki/root/ca.pem\"]
  #ssl.certificate: \"/etc/pki/client/cert.pem\"
  #ssl.key: \"/etc/pki/client/cert.key\"
  #ssl.verification_mode: \"full\"
";

/// One validated module block.
#[derive(Debug, Clone)]
pub struct ModuleBlock {
    /// `module` (only `system` for now).
    pub module: String,
    /// `metricsets`.
    pub metricsets: Vec<MetricSet>,
    /// `period` (10s by default).
    pub period: Duration,
    /// Options that change what is measured.
    pub options: SystemOptions,
    /// The block's `processors`, run before the top-level ones.
    pub processors: Vec<crate::processors::Processor>,
    /// `module: elasticsearch`: its connection and options (`metricsets` is then empty).
    pub elasticsearch: Option<std::sync::Arc<crate::elasticsearch::EsModule>>,
    /// `module: elasticsearch`: the metricsets it runs.
    pub es_metricsets: Vec<crate::elasticsearch::EsMetricSet>,
}

const SYSTEM_KEYS: &[&str] = &[
    "module",
    "metricsets",
    "period",
    "enabled",
    "cpu.metrics",
    "filesystem.ignore_types",
    "processors",
    "process.include_top_n.enabled",
    "process.include_top_n.by_cpu",
    "process.include_top_n.by_memory",
];

const SYSTEM_KEYS_NOT_YET: &[&str] = &[
    "process",
    "processes",
    "socket",
    "diskio",
    "core",
    "hostfs",
    "index",
    "fields",
    "tags",
    "timeout",
];

/// Validates one block; `None` when it is disabled (`enabled: false`). Relative paths in it
/// are relative to `config_dir` (`path.config`).
pub fn parse_block(block: &Value, origin: &str, config_dir: &Path) -> Result<Option<ModuleBlock>> {
    let module = match get(block, "module") {
        Some(v) => string(v, "module")?,
        None => {
            return Err(Error::InvalidValue {
                key: "module".to_string(),
                reason: format!("a module block in {origin} has no [module] name"),
            });
        }
    };
    if module == "elasticsearch" {
        let Some((es, metricsets, period)) =
            crate::elasticsearch::parse_block(block, origin, config_dir)?
        else {
            return Ok(None);
        };
        let processors = match get(block, "processors") {
            Some(v) => crate::processors::parse_list(v, origin)?,
            None => Vec::new(),
        };
        return Ok(Some(ModuleBlock {
            module,
            metricsets: Vec::new(),
            period,
            options: SystemOptions::default(),
            processors,
            elasticsearch: Some(std::sync::Arc::new(es)),
            es_metricsets: metricsets,
        }));
    }
    if module != "system" {
        return Err(Error::FeatureNotSupportedYet {
            what: format!("module [{module}]"),
            origin: origin.to_string(),
        });
    }
    check_block_keys(
        block,
        &format!("{module}."),
        origin,
        |key| SYSTEM_KEYS.contains(&key),
        |key| SYSTEM_KEYS_NOT_YET.contains(&key.split('.').next().unwrap_or("")),
    )?;
    if !boolean(block, "enabled", true)? {
        return Ok(None);
    }
    let names = string_list(block, "metricsets")?;
    if names.is_empty() {
        return Err(invalid(
            "system.metricsets",
            &format!("no metricsets in {origin}"),
        ));
    }
    let metricsets = names
        .iter()
        .map(|n| {
            MetricSet::parse(n).ok_or_else(|| Error::FeatureNotSupportedYet {
                what: format!("metricset [system/{n}]"),
                origin: origin.to_string(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let period = match get(block, "period") {
        Some(v) => {
            parse_duration(&string(v, "period")?).map_err(|r| invalid("system.period", &r))?
        }
        None => Duration::from_secs(10),
    };
    if period < Duration::from_millis(100) {
        return Err(invalid("system.period", "must be at least 100ms"));
    }
    // Metricbeat's default is [percentages]; `host.cpu.usage` is sent either way.
    let cpu_metrics = match get(block, "cpu.metrics") {
        Some(_) => string_list(block, "cpu.metrics")?,
        None => vec!["percentages".to_string()],
    };
    if cpu_metrics.is_empty() {
        return Err(invalid("system.cpu.metrics", "cannot be empty"));
    }
    for m in &cpu_metrics {
        match m.to_ascii_lowercase().as_str() {
            "percentages" | "normalized_percentages" => {}
            "ticks" => {
                return Err(Error::FeatureNotSupportedYet {
                    what: "system.cpu.metrics [ticks]".to_string(),
                    origin: origin.to_string(),
                });
            }
            other => {
                return Err(invalid(
                    "system.cpu.metrics",
                    &format!("unknown value [{other}]"),
                ));
            }
        }
    }
    let top_enabled = boolean(block, "process.include_top_n.enabled", true)?;
    let top = |key: &str| -> Result<usize> {
        match get(block, key) {
            None => Ok(0),
            Some(v) => string(v, key)?
                .parse::<usize>()
                .map_err(|_| invalid(&format!("system.{key}"), "expected a number of processes")),
        }
    };
    let (by_cpu, by_memory) = if top_enabled {
        (
            top("process.include_top_n.by_cpu")?,
            top("process.include_top_n.by_memory")?,
        )
    } else {
        (0, 0)
    };
    let processors = match get(block, "processors") {
        Some(v) => crate::processors::parse_list(v, origin)?,
        None => Vec::new(),
    };
    Ok(Some(ModuleBlock {
        module,
        metricsets,
        period,
        processors,
        elasticsearch: None,
        es_metricsets: Vec::new(),
        options: SystemOptions {
            cpu_percentages: cpu_metrics
                .iter()
                .any(|m| m.eq_ignore_ascii_case("percentages")),
            cpu_normalized_percentages: cpu_metrics
                .iter()
                .any(|m| m.eq_ignore_ascii_case("normalized_percentages")),
            filesystem_ignore_types: string_list(block, "filesystem.ignore_types")?,
            process_top_by_cpu: by_cpu,
            process_top_by_memory: by_memory,
        },
    }))
}

/// The `modules.d` folder for a configuration folder.
pub fn modules_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("modules.d")
}

/// Writes the sample module files when `modules.d` does not exist; returns whether it did.
pub fn ensure_samples(dir: &Path) -> Result<bool> {
    if dir.is_dir() {
        return Ok(false);
    }
    let write_err = |path: &Path, source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| write_err(dir, e))?;
    for (name, text) in [
        ("system.yml", SYSTEM_YML),
        ("elasticsearch-xpack.yml.disabled", ELASTICSEARCH_XPACK_YML),
    ] {
        let path = dir.join(name);
        write_private(&path, text).map_err(|e| write_err(&path, e))?;
    }
    Ok(true)
}

/// Config files are created 0640: `--strict.perms` refuses group/other-writable files.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o640)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// Enabled and disabled module file names (without `.yml` / `.yml.disabled`), sorted.
pub fn list(dir: &Path) -> Result<(Vec<String>, Vec<String>)> {
    let mut enabled = Vec::new();
    let mut disabled = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|source| Error::ReadConfig {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = name.strip_suffix(".yml.disabled") {
            disabled.push(n.to_string());
        } else if let Some(n) = name.strip_suffix(".yml") {
            enabled.push(n.to_string());
        }
    }
    enabled.sort();
    disabled.sort();
    Ok((enabled, disabled))
}

/// `modules enable` (`enable = true`) or `disable`: renames the file; prints what it did.
pub fn set_enabled(dir: &Path, name: &str, enable: bool) -> Result<String> {
    if name.is_empty() || name.contains('/') || name.contains("..") {
        return Err(Error::Module(format!("Module {name} doesn't exist")));
    }
    let on = dir.join(format!("{name}.yml"));
    let off = dir.join(format!("{name}.yml.disabled"));
    let (from, to, already) = if enable {
        (&off, &on, format!("Module {name} is already enabled"))
    } else {
        (&on, &off, format!("Module {name} is already disabled"))
    };
    if to.is_file() {
        return Ok(already);
    }
    if !from.is_file() {
        return Err(Error::Module(format!("Module {name} doesn't exist")));
    }
    std::fs::rename(from, to).map_err(|source| Error::Write {
        path: to.clone(),
        source,
    })?;
    Ok(format!(
        "{} {name}",
        if enable { "Enabled" } else { "Disabled" }
    ))
}

/// `test modules [module [metricset]]`: every selected metricset fetched once, as documents.
pub fn fetch_once(
    blocks: &[ModuleBlock],
    global: &[crate::processors::Processor],
    hostfs: &Path,
    agent: &crate::event::AgentInfo,
    module: Option<&str>,
    metricset: Option<&str>,
) -> Result<Vec<Value>> {
    if let Some(m) = module
        && !blocks.iter().any(|b| b.module == m)
    {
        return Err(Error::Module(format!("Module {m} is not enabled")));
    }
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for block in blocks
        .iter()
        .filter(|b| module.is_none_or(|m| b.module == m))
    {
        if let Some(es) = &block.elasticsearch {
            let sets: Vec<_> = block
                .es_metricsets
                .iter()
                .copied()
                .filter(|s| metricset.is_none_or(|n| s.name() == n))
                .collect();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
            let period = u64::try_from(block.period.as_millis()).unwrap_or(u64::MAX);
            for mut fetcher in crate::elasticsearch::Fetcher::for_module(es, &sets)? {
                let timestamp = jiff::Timestamp::now();
                let started = std::time::Instant::now();
                let fetched = runtime.block_on(fetcher.fetch());
                let duration = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                let outcome = crate::elasticsearch::outcome(
                    fetcher.metricset(),
                    fetcher.address(),
                    agent,
                    period,
                    timestamp,
                    duration,
                    fetched,
                );
                if let Some(reason) = outcome.skipped {
                    skipped.push(format!(
                        "elasticsearch/{}: {reason}",
                        fetcher.metricset().name()
                    ));
                }
                for mut doc in outcome.documents {
                    if crate::processors::apply(&block.processors, &mut doc)
                        && crate::processors::apply(global, &mut doc)
                    {
                        out.push(doc);
                    }
                }
            }
            continue;
        }
        for set in block
            .metricsets
            .iter()
            .filter(|s| metricset.is_none_or(|n| s.name() == n))
        {
            let mut collector = ironstack_collectors::Collector::new(
                *set,
                ironstack_collectors::HostFs::new(hostfs),
                block.options.clone(),
            );
            let timestamp = jiff::Timestamp::now();
            let started = std::time::Instant::now();
            let result = collector.fetch();
            let duration = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            let period = u64::try_from(block.period.as_millis()).unwrap_or(u64::MAX);
            let fields: Vec<std::result::Result<Value, String>> = match result {
                Ok(docs) => docs.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e.to_string())],
            };
            for f in fields {
                let mut doc =
                    crate::event::document(agent, set.name(), period, timestamp, duration, f);
                if crate::processors::apply(&block.processors, &mut doc)
                    && crate::processors::apply(global, &mut doc)
                {
                    out.push(doc);
                }
            }
        }
    }
    if out.is_empty()
        && let Some(name) = metricset
    {
        // A cluster-level metricset on a node that is not the master fetches nothing: say so
        // rather than "not enabled".
        if !skipped.is_empty() {
            return Err(Error::Module(format!(
                "Metricset {name} sent nothing: {}",
                skipped.join("; ")
            )));
        }
        return Err(Error::Module(format!("Metricset {name} is not enabled")));
    }
    Ok(out)
}

/// Every enabled block: the files matched by `glob` (`<dir>/*.yml`) then the inline ones.
pub fn load_blocks(
    glob: &Path,
    inline: &[Value],
    strict_perms: bool,
    config_dir: &Path,
) -> Result<Vec<ModuleBlock>> {
    let mut blocks = Vec::new();
    let dir = glob.parent().unwrap_or(Path::new("."));
    let pattern = glob
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (prefix, suffix) = pattern.split_once('*').unwrap_or((pattern.as_str(), ""));
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with(prefix)
                        && n.ends_with(suffix)
                        && n.len() >= prefix.len() + suffix.len()
                })
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    for file in files {
        if strict_perms {
            crate::perms::check(&file)?;
        }
        let text = std::fs::read_to_string(&file).map_err(|source| Error::ReadConfig {
            path: file.clone(),
            source,
        })?;
        let origin = format!("[{}]", file.display());
        for block in settings::parse_module_file(&text, &origin)? {
            blocks.extend(parse_block(&block, &origin, config_dir)?);
        }
    }
    for block in inline {
        blocks.extend(parse_block(block, "[metricbeat.modules]", config_dir)?);
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_block(block: &Value, origin: &str) -> Result<Option<ModuleBlock>> {
        super::parse_block(block, origin, Path::new("/etc/shipper"))
    }

    #[test]
    fn sample_system_file_is_valid() {
        let blocks = settings::parse_module_file(SYSTEM_YML, "s").unwrap();
        let parsed: Vec<ModuleBlock> = blocks
            .iter()
            .map(|b| parse_block(b, "s").unwrap().unwrap())
            .collect();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[1].period, Duration::from_secs(60));
        assert_eq!(parsed[2].metricsets, vec![MetricSet::Uptime]);
        assert_eq!(
            (
                parsed[0].options.process_top_by_cpu,
                parsed[0].options.process_top_by_memory
            ),
            (5, 5)
        );
        let o = &parsed[0].options;
        assert!(
            o.cpu_percentages && !o.cpu_normalized_percentages,
            "Metricbeat's default"
        );
        let both = json!({"module": "system", "metricsets": ["cpu"],
                          "cpu": {"metrics": ["percentages", "normalized_percentages"]}});
        let both = parse_block(&both, "[f]").unwrap().unwrap();
        assert!(both.options.cpu_percentages && both.options.cpu_normalized_percentages);
        let empty = json!({"module": "system", "metricsets": ["cpu"], "cpu": {"metrics": []}});
        let e = parse_block(&empty, "[f]").unwrap_err().to_string();
        assert!(e.contains("cannot be empty"), "{e}");
        let all: Vec<MetricSet> = parsed.iter().flat_map(|b| b.metricsets.clone()).collect();
        for m in MetricSet::ALL
            .into_iter()
            .filter(|m| *m != MetricSet::Diskio)
        {
            assert!(all.contains(&m), "{m:?} missing from the sample");
        }
    }

    #[test]
    fn unsupported_and_unknown_keys_are_named() {
        let e = parse_block(&json!({"module": "system", "metricsets": ["core"]}), "[f]")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("system/core") && e.contains("not supported yet"),
            "{e}"
        );
        let processes = json!({"module": "system", "metricsets": ["process"], "processes": [".*"]});
        let e = parse_block(&processes, "[f]").unwrap_err().to_string();
        assert!(
            e.contains("system.processes") && e.contains("not supported yet"),
            "{e}"
        );
        let top = json!({"module": "system", "metricsets": ["process"],
                         "process": {"include_top_n": {"by_cpu": "many"}}});
        let e = parse_block(&top, "[f]").unwrap_err().to_string();
        assert!(e.contains("by_cpu"), "{e}");
        let e = parse_block(&json!({"module": "nginx"}), "[f]")
            .unwrap_err()
            .to_string();
        assert!(e == "module [nginx] in [f] is not supported yet", "{e}");
        let e = parse_block(
            &json!({"module": "system", "metricsets": ["cpu"], "perod": "1s"}),
            "[f]",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown setting [system.perod]"), "{e}");
        let docker = json!({"module": "system", "metricsets": ["cpu"],
                            "processors": [{"add_docker_metadata": {}}]});
        let e = parse_block(&docker, "[f]").unwrap_err().to_string();
        assert!(
            e.contains("add_docker_metadata") && e.contains("not supported yet"),
            "{e}"
        );
        assert!(
            parse_block(
                &json!({"module": "system", "enabled": false, "metricsets": ["cpu"]}),
                "[f]"
            )
            .unwrap()
            .is_none()
        );
        assert!(
            parse_block(
                &json!({"module": "system", "metricsets": ["cpu"], "period": "1ms"}),
                "[f]"
            )
            .is_err()
        );
    }

    #[test]
    fn samples_list_enable_disable() {
        let dir = tempfile::tempdir().unwrap();
        let m = modules_dir(dir.path());
        assert!(ensure_samples(&m).unwrap());
        assert!(!ensure_samples(&m).unwrap());
        let (on, off) = list(&m).unwrap();
        assert_eq!(on, vec!["system"]);
        assert_eq!(off, vec!["elasticsearch-xpack"]);
        assert_eq!(set_enabled(&m, "system", false).unwrap(), "Disabled system");
        assert_eq!(
            set_enabled(&m, "system", false).unwrap(),
            "Module system is already disabled"
        );
        assert_eq!(set_enabled(&m, "system", true).unwrap(), "Enabled system");
        let e = set_enabled(&m, "nginx", true).unwrap_err().to_string();
        assert_eq!(e, "Module nginx doesn't exist");
        assert!(set_enabled(&m, "../x", true).is_err());
        // The enabled sample loads; the disabled elasticsearch sample is not read.
        let blocks = load_blocks(&m.join("*.yml"), &[], true, dir.path()).unwrap();
        assert_eq!(blocks.len(), 3);
        let agent = crate::event::AgentInfo::load("t", &dir.path().join("data")).unwrap();
        let docs = fetch_once(
            &blocks,
            &[],
            Path::new("/"),
            &agent,
            Some("system"),
            Some("uptime"),
        )
        .unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0]["metricset"]["name"], "uptime");
        assert_eq!(docs[0]["metricset"]["period"], 900_000);
        let e = fetch_once(&blocks, &[], Path::new("/"), &agent, Some("nginx"), None).unwrap_err();
        assert_eq!(e.to_string(), "Module nginx is not enabled");
        let e = fetch_once(&blocks, &[], Path::new("/"), &agent, None, Some("core")).unwrap_err();
        assert_eq!(e.to_string(), "Metricset core is not enabled");
        assert_eq!(
            set_enabled(&m, "elasticsearch-xpack", true).unwrap(),
            "Enabled elasticsearch-xpack"
        );
        let blocks = load_blocks(&m.join("*.yml"), &[], true, dir.path()).unwrap();
        assert_eq!(blocks.len(), 4);
        let es = blocks.iter().find(|b| b.module == "elasticsearch").unwrap();
        assert_eq!(es.period, Duration::from_secs(10));
        assert_eq!(es.es_metricsets, crate::elasticsearch::EsMetricSet::XPACK);
        let conn = &es.elasticsearch.as_ref().unwrap().connection;
        assert_eq!(conn.hosts[0].to_string(), "http://localhost:9200");
    }

    #[test]
    fn elasticsearch_block_options() {
        use crate::elasticsearch::{EsMetricSet, Scope};
        let block = json!({"module": "elasticsearch", "xpack": {"enabled": true}, "period": "30s",
            "hosts": ["https://es1:9200"], "username": "remote_monitoring_user", "password": "pw",
            "scope": "cluster", "index_recovery": {"active_only": false},
            "metricsets": ["node_stats"],
            "ssl": {"certificate_authorities": ["ca.pem"], "verification_mode": "certificate"}});
        let b = parse_block(&block, "[f]").unwrap().unwrap();
        assert_eq!(b.period, Duration::from_secs(30));
        assert_eq!(
            b.es_metricsets.len(),
            9,
            "xpack.enabled replaces the list with the nine"
        );
        let es = b.elasticsearch.unwrap();
        assert_eq!(es.scope, Scope::Cluster);
        assert!(!es.active_only);
        assert_eq!(
            es.connection.username.as_deref(),
            Some("remote_monitoring_user")
        );
        let tls = es.connection.tls.as_ref().unwrap();
        assert_eq!(
            tls.certificate_authorities,
            vec![PathBuf::from("/etc/shipper/ca.pem")],
            "relative to path.config"
        );
        assert!(
            !format!("{es:?}").contains("\"pw\""),
            "the password is redacted"
        );

        let plain = json!({"module": "elasticsearch", "metricsets": ["node"]});
        let e = parse_block(&plain, "[f]").unwrap_err().to_string();
        assert!(
            e.contains("xpack.enabled: true") && e.contains("not supported yet"),
            "{e}"
        );
        let other = json!({"module": "elasticsearch", "xpack": {"enabled": true}, "metricsets": ["pending_tasks"]});
        let e = parse_block(&other, "[f]").unwrap_err().to_string();
        assert!(e.contains("elasticsearch/pending_tasks"), "{e}");
        let typo = json!({"module": "elasticsearch", "xpack": {"enabled": true}, "scop": "node"});
        let e = parse_block(&typo, "[f]").unwrap_err().to_string();
        assert!(e.contains("unknown setting [elasticsearch.scop]"), "{e}");
        let scope =
            json!({"module": "elasticsearch", "xpack": {"enabled": true}, "scope": "world"});
        assert!(parse_block(&scope, "[f]").is_err());
        let both = json!({"module": "elasticsearch", "xpack": {"enabled": true}, "username": "u",
                          "api_key": "id:key"});
        assert!(
            parse_block(&both, "[f]").is_err(),
            "the output's credential rules apply"
        );
        let none_pin = json!({"module": "elasticsearch", "xpack": {"enabled": true},
            "ssl": {"verification_mode": "none", "ca_trusted_fingerprint": "ab"}});
        assert!(
            parse_block(&none_pin, "[f]").is_err(),
            "the output's TLS rules apply"
        );
        let off = json!({"module": "elasticsearch", "enabled": false});
        assert!(parse_block(&off, "[f]").unwrap().is_none());
        assert_eq!(EsMetricSet::parse("shard"), Some(EsMetricSet::Shard));
        assert!(!EsMetricSet::NodeStats.cluster_level());
        assert!(EsMetricSet::IndexSummary.cluster_level());
    }
}
