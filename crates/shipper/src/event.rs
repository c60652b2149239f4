//! The event envelope Metricbeat puts around each metricset document (`@timestamp`,
//! `event.*`, `metricset.*`, `service.type`, `host.*`, `agent.*`, `ecs.version`), the agent's
//! identity (`agent.id` persisted in `path.data/meta.json`, a new `ephemeral_id` per run), and
//! the deterministic `_id` that makes a retried `create` a harmless 409.

use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::VERSION;
use crate::settings::merge;
use crate::{Error, Result};

/// The ECS version of the documents.
pub const ECS_VERSION: &str = "8.0.0";

/// Who ships: the Beat's identity and the host metadata of `add_host_metadata`.
#[derive(Debug, Clone)]
pub struct AgentInfo {
    /// `agent.name` and `host.name`.
    pub name: String,
    /// `agent.id`: stable across restarts.
    pub id: String,
    /// `agent.ephemeral_id`: new each run.
    pub ephemeral_id: String,
    /// `host.*` (without `name`).
    pub host: Value,
}

impl AgentInfo {
    /// Loads or creates `meta.json` under `data_dir` and reads the host metadata.
    pub fn load(name: &str, data_dir: &Path) -> Result<AgentInfo> {
        Ok(AgentInfo {
            name: name.to_string(),
            id: persisted_uuid(data_dir)?,
            ephemeral_id: uuid::Uuid::new_v4().to_string(),
            host: host_metadata(),
        })
    }

    /// The `agent`/`host`/`ecs` part of every document.
    fn envelope(&self) -> Value {
        let mut host = self.host.clone();
        merge(&mut host, json!({"name": self.name}));
        json!({
            "agent": {"type": "metricbeat", "version": VERSION, "name": self.name,
                      "id": self.id, "ephemeral_id": self.ephemeral_id},
            "ecs": {"version": ECS_VERSION},
            "host": host,
        })
    }
}

/// `meta.json`'s `uuid`, created (0600, in a 0750 folder) on first start.
fn persisted_uuid(data_dir: &Path) -> Result<String> {
    let path = data_dir.join("meta.json");
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Some(id) = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("uuid").and_then(Value::as_str).map(str::to_string))
            .filter(|id| uuid::Uuid::parse_str(id).is_ok())
    {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let write_err = |source| Error::Write {
        path: path.clone(),
        source,
    };
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o750)
            .create(data_dir)
            .map_err(write_err)?;
    }
    let meta = json!({"uuid": id, "first_start": jiff::Timestamp::now().to_string()});
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(write_err)?;
        f.write_all(meta.to_string().as_bytes())
            .map_err(write_err)?;
    }
    Ok(id)
}

/// `host.{hostname,architecture,id,os.*}` as `add_host_metadata` reports them on Linux.
fn host_metadata() -> Value {
    let uname = rustix::system::uname();
    let release = uname.release().to_string_lossy().into_owned();
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let field = |key: &str| {
        os_release.lines().find_map(|l| {
            l.strip_prefix(key)
                .and_then(|r| r.strip_prefix('='))
                .map(|v| v.trim_matches('"').to_string())
        })
    };
    let mut os = json!({"type": "linux", "kernel": release});
    if let Some(v) = field("NAME") {
        os["name"] = json!(v);
    }
    if let Some(v) = field("ID") {
        os["platform"] = json!(v);
    }
    if let Some(v) = field("VERSION_ID") {
        os["version"] = json!(v);
    }
    if let Some(v) = field("ID_LIKE").or_else(|| field("ID")) {
        os["family"] = json!(v.split_whitespace().next().unwrap_or("").to_string());
    }
    if let Some(v) = field("VERSION_CODENAME") {
        os["codename"] = json!(v);
    }
    let mut host = json!({
        "hostname": crate::config::hostname(),
        "architecture": std::env::consts::ARCH,
        "os": os,
    });
    if let Ok(id) = std::fs::read_to_string("/etc/machine-id") {
        let id = id.trim();
        if !id.is_empty() {
            host["id"] = json!(id);
        }
    }
    host
}

/// One document ready for `_bulk`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The deterministic `_id`.
    pub id: String,
    /// The JSON source.
    pub source: String,
    /// The index of this event (`@metadata.index`), instead of the output's.
    pub index: Option<String>,
}

impl Event {
    /// Serialises `document`; the `_id` is derived from the content, which includes the
    /// timestamp and `agent.ephemeral_id`, so a resent event collides with itself only.
    /// libbeat's `@metadata` is routing, never indexed: `@metadata.index` names the event's
    /// own index and `@metadata._id` its own `_id` (the shard documents' natural key).
    pub fn from_document(document: &Value) -> Event {
        let metadata = document.get("@metadata");
        let own_id = metadata
            .and_then(|m| m.get("_id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let index = metadata
            .and_then(|m| m.get("index"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let source = match (metadata, document) {
            (Some(_), Value::Object(map)) => {
                let mut map = map.clone();
                map.remove("@metadata");
                Value::Object(map).to_string()
            }
            _ => document.to_string(),
        };
        let id = own_id.unwrap_or_else(|| {
            let digest = Sha256::digest(source.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..15])
        });
        Event { id, source, index }
    }
}

/// Metricbeat's document for one fetch result of the `system` module: the envelope plus the
/// metricset's fields (or `error.message` when the fetch failed).
pub fn document(
    agent: &AgentInfo,
    metricset: &str,
    period_ms: u64,
    timestamp: jiff::Timestamp,
    duration_ns: u64,
    fields: std::result::Result<Value, String>,
) -> Value {
    let source = Source {
        module: "system",
        metricset,
        dataset: &format!("system.{metricset}"),
        address: None,
    };
    document_for(&source, agent, period_ms, timestamp, duration_ns, fields)
}

/// Which module and metricset a document comes from.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// `event.module`, `service.type`.
    pub module: &'a str,
    /// `metricset.name`.
    pub metricset: &'a str,
    /// `event.dataset` (the metricset's namespace).
    pub dataset: &'a str,
    /// `service.address`, for modules that poll a service (and then `service.name`).
    pub address: Option<&'a str>,
}

/// The document for one fetch result of any module; fields of the result win over the
/// envelope (`service.address` of a node's transport address, say).
pub fn document_for(
    source: &Source<'_>,
    agent: &AgentInfo,
    period_ms: u64,
    timestamp: jiff::Timestamp,
    duration_ns: u64,
    fields: std::result::Result<Value, String>,
) -> Value {
    let mut doc = json!({
        "@timestamp": format_timestamp(timestamp),
        "event": {"module": source.module, "dataset": source.dataset, "duration": duration_ns},
        "metricset": {"name": source.metricset, "period": period_ms},
        "service": {"type": source.module},
    });
    if let Some(address) = source.address {
        merge(
            &mut doc,
            json!({"service": {"name": source.module, "address": address}}),
        );
    }
    merge(&mut doc, agent.envelope());
    match fields {
        Ok(f) => merge(&mut doc, f),
        Err(message) => merge(&mut doc, json!({"error": {"message": message}})),
    }
    doc
}

/// RFC 3339 in UTC with milliseconds, as libbeat writes `@timestamp`.
pub fn format_timestamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent() -> AgentInfo {
        AgentInfo {
            name: "web-1".into(),
            id: "3f9c".into(),
            ephemeral_id: "a81e".into(),
            host: json!({"hostname": "web-1", "architecture": "x86_64"}),
        }
    }

    #[test]
    fn envelope_fields_and_units() {
        let t: jiff::Timestamp = "2025-01-30T10:00:00.123456Z".parse().unwrap();
        let d = document(
            &agent(),
            "cpu",
            10_000,
            t,
            132_451,
            Ok(json!({"system": {"cpu": {"cores": 8}}, "host": {"cpu": {"usage": 0.5}}})),
        );
        assert_eq!(d["@timestamp"], "2025-01-30T10:00:00.123Z");
        assert_eq!(
            d["event"],
            json!({"module": "system", "dataset": "system.cpu", "duration": 132_451})
        );
        assert_eq!(d["metricset"], json!({"name": "cpu", "period": 10_000}));
        assert_eq!(d["service"]["type"], "system");
        assert_eq!(d["agent"]["type"], "metricbeat");
        assert_eq!(d["agent"]["version"], VERSION);
        assert_eq!(d["ecs"]["version"], ECS_VERSION);
        assert_eq!(d["host"]["name"], "web-1");
        assert_eq!(
            d["host"]["cpu"]["usage"], 0.5,
            "metricset host fields merge with host metadata"
        );
        assert_eq!(d["host"]["architecture"], "x86_64");
        let e = document(&agent(), "load", 1000, t, 1, Err("cannot read".into()));
        assert_eq!(e["error"]["message"], "cannot read");
    }

    #[test]
    fn ids_are_deterministic_per_content() {
        let a = Event::from_document(&json!({"a": 1}));
        assert_eq!(a, Event::from_document(&json!({"a": 1})));
        assert_ne!(a.id, Event::from_document(&json!({"a": 2})).id);
        assert_eq!(a.id.len(), 20);
        assert_eq!(a.index, None);
    }

    #[test]
    fn metadata_routes_and_is_not_indexed() {
        let doc = json!({"a": 1, "@metadata": {"index": ".monitoring-es-8-mb"}});
        let e = Event::from_document(&doc);
        assert_eq!(e.index.as_deref(), Some(".monitoring-es-8-mb"));
        assert_eq!(e.source, r#"{"a":1}"#);
        assert_eq!(e.id, Event::from_document(&doc).id);
        let shard = json!({"a": 1, "@metadata": {"index": "x", "_id": "s:n:i:0:p"}});
        assert_eq!(Event::from_document(&shard).id, "s:n:i:0:p");
    }

    #[test]
    fn agent_id_survives_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let a = AgentInfo::load("n", &data).unwrap();
        let b = AgentInfo::load("n", &data).unwrap();
        assert_eq!(a.id, b.id);
        assert_ne!(a.ephemeral_id, b.ephemeral_id);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("meta.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
