//! Index management as Metricbeat does it: the ILM policy `metricbeat`, the composable
//! template `metricbeat-<version>` (data stream, ECS mappings of every field this shipper
//! sends) and the data stream itself. `setup` overwrites the template; a run loads only what
//! is missing, on its first connection.

use http::Method;
use serde_json::{Map, Value, json};

use crate::client::EsClient;
use crate::{Error, Result};

/// The ILM policy's name.
pub const POLICY_NAME: &str = "metricbeat";

/// Every field the shipper sends, with its mapping type. `pct` is a scaled float (1000) and
/// load a scaled float (100), as in Metricbeat's `fields.yml`.
const FIELDS: &[(&str, &str)] = &[
    ("@timestamp", "date"),
    ("agent.type", "keyword"),
    ("agent.version", "keyword"),
    ("agent.name", "keyword"),
    ("agent.id", "keyword"),
    ("agent.ephemeral_id", "keyword"),
    ("ecs.version", "keyword"),
    ("host.name", "keyword"),
    ("host.hostname", "keyword"),
    ("host.architecture", "keyword"),
    ("host.id", "keyword"),
    ("host.os.type", "keyword"),
    ("host.os.kernel", "keyword"),
    ("host.os.name", "keyword"),
    ("host.os.platform", "keyword"),
    ("host.os.version", "keyword"),
    ("host.os.family", "keyword"),
    ("host.os.codename", "keyword"),
    ("host.cpu.usage", "pct"),
    ("host.network.ingress.bytes", "long"),
    ("host.network.ingress.packets", "long"),
    ("host.network.egress.bytes", "long"),
    ("host.network.egress.packets", "long"),
    ("event.module", "keyword"),
    ("event.dataset", "keyword"),
    ("event.duration", "long"),
    ("metricset.name", "keyword"),
    ("metricset.period", "long"),
    ("service.type", "keyword"),
    // The elasticsearch module's error events (its documents go to `.monitoring-es-8-mb`).
    ("service.name", "keyword"),
    ("service.address", "keyword"),
    ("error.message", "text"),
    ("tags", "keyword"),
    ("system.cpu.cores", "long"),
    ("system.load.cores", "long"),
    ("system.memory.total", "long"),
    ("system.memory.free", "long"),
    ("system.memory.cached", "long"),
    ("system.memory.used.bytes", "long"),
    ("system.memory.used.pct", "pct"),
    ("system.memory.actual.free", "long"),
    ("system.memory.actual.used.bytes", "long"),
    ("system.memory.actual.used.pct", "pct"),
    ("system.memory.swap.total", "long"),
    ("system.memory.swap.free", "long"),
    ("system.memory.swap.used.bytes", "long"),
    ("system.memory.swap.used.pct", "pct"),
    ("system.memory.hugepages.total", "long"),
    ("system.memory.hugepages.free", "long"),
    ("system.memory.hugepages.used.count", "long"),
    ("system.memory.hugepages.default_size", "long"),
    ("system.network.name", "keyword"),
    ("system.filesystem.device_name", "keyword"),
    ("system.filesystem.mount_point", "keyword"),
    ("system.filesystem.type", "keyword"),
    ("system.filesystem.options", "keyword"),
    ("system.filesystem.total", "long"),
    ("system.filesystem.free", "long"),
    ("system.filesystem.available", "long"),
    ("system.filesystem.files", "long"),
    ("system.filesystem.free_files", "long"),
    ("system.filesystem.used.bytes", "long"),
    ("system.filesystem.used.pct", "pct"),
    ("system.fsstat.count", "long"),
    ("system.fsstat.total_files", "long"),
    ("system.fsstat.total_size.total", "long"),
    ("system.fsstat.total_size.free", "long"),
    ("system.fsstat.total_size.used", "long"),
    ("system.uptime.duration.ms", "long"),
    ("system.socket.summary.all.count", "long"),
    ("system.socket.summary.all.listening", "long"),
    ("system.socket.summary.tcp.memory", "long"),
    ("system.socket.summary.udp.memory", "long"),
    ("system.socket.summary.udp.all.count", "long"),
    ("system.diskio.name", "keyword"),
    ("process.pid", "long"),
    ("process.name", "keyword"),
    ("process.pgid", "long"),
    ("process.parent.pid", "long"),
    ("process.state", "keyword"),
    ("process.args", "keyword"),
    ("process.command_line", "keyword"),
    ("process.executable", "keyword"),
    ("process.working_directory", "keyword"),
    ("process.cpu.pct", "pct"),
    ("process.cpu.start_time", "date"),
    ("process.memory.pct", "pct"),
    ("user.name", "keyword"),
    ("system.process.state", "keyword"),
    ("system.process.cmdline", "keyword"),
    ("system.process.num_threads", "long"),
    ("system.process.cpu.total.value", "long"),
    ("system.process.cpu.total.pct", "pct"),
    ("system.process.cpu.total.norm.pct", "pct"),
    ("system.process.cpu.start_time", "date"),
    ("system.process.memory.size", "long"),
    ("system.process.memory.rss.bytes", "long"),
    ("system.process.memory.rss.pct", "pct"),
    ("system.process.memory.share", "long"),
    ("system.process.fd.open", "long"),
    ("system.diskio.io.ops", "long"),
    ("system.diskio.io.time", "long"),
    ("system.diskio.io.weighted", "long"),
];

const CPU_STATES: &[&str] = &[
    "user", "system", "nice", "idle", "iowait", "irq", "softirq", "steal", "total",
];
const TCP_STATES: &[&str] = &[
    "count",
    "orphan",
    "established",
    "syn_sent",
    "syn_recv",
    "fin_wait1",
    "fin_wait2",
    "time_wait",
    "close_wait",
    "last_ack",
    "listening",
    "closing",
];
const NETWORK_COUNTERS: &[&str] = &["bytes", "packets", "errors", "dropped"];
const PROCESS_STATES: &[&str] = &[
    "total", "running", "sleeping", "stopped", "idle", "zombie", "dead", "unknown", "wakekill",
    "wake", "parked",
];

/// Every mapped field and its type, the generated families included.
pub fn fields() -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> =
        FIELDS.iter().map(|(k, t)| (k.to_string(), *t)).collect();
    for state in CPU_STATES {
        out.push((format!("system.cpu.{state}.pct"), "pct"));
        out.push((format!("system.cpu.{state}.norm.pct"), "pct"));
    }
    for window in ["1", "5", "15"] {
        out.push((format!("system.load.{window}"), "load"));
        out.push((format!("system.load.norm.{window}"), "load"));
    }
    for direction in ["in", "out"] {
        for counter in NETWORK_COUNTERS {
            out.push((format!("system.network.{direction}.{counter}"), "long"));
        }
    }
    for state in TCP_STATES {
        out.push((format!("system.socket.summary.tcp.all.{state}"), "long"));
    }
    for direction in ["read", "write"] {
        for counter in ["count", "bytes", "time"] {
            out.push((format!("system.diskio.{direction}.{counter}"), "long"));
        }
    }
    for state in PROCESS_STATES {
        out.push((format!("system.process.summary.{state}"), "long"));
    }
    out
}

fn mapping_of(kind: &str) -> Value {
    match kind {
        "pct" => json!({"type": "scaled_float", "scaling_factor": 1000}),
        "load" => json!({"type": "scaled_float", "scaling_factor": 100}),
        other => json!({"type": other}),
    }
}

/// The `properties` tree of the template.
pub fn mappings() -> Value {
    let mut root = Map::new();
    for (path, kind) in fields() {
        let parts: Vec<&str> = path.split('.').collect();
        let mut node = &mut root;
        for (i, part) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                node.insert((*part).to_string(), mapping_of(kind));
            } else {
                let entry = node
                    .entry((*part).to_string())
                    .or_insert_with(|| json!({"properties": {}}));
                let Some(properties) = entry.get_mut("properties").and_then(Value::as_object_mut)
                else {
                    break;
                };
                node = properties;
            }
        }
    }
    json!({"properties": root})
}

/// The default ILM policy: roll over at 50gb per primary shard or 30 days.
pub fn ilm_policy() -> Value {
    json!({"policy": {"phases": {"hot": {"min_age": "0ms", "actions": {"rollover": {
        "max_primary_shard_size": "50gb", "max_age": "30d"}}}}}})
}

/// The composable data-stream template matching `pattern`, with the ILM policy `policy`.
pub fn template(pattern: &str, policy: Option<&str>) -> Value {
    let mut settings = json!({"index": {"number_of_shards": 1}});
    if let Some(policy) = policy {
        settings["index"]["lifecycle"] = json!({"name": policy});
    }
    json!({
        "index_patterns": [pattern],
        "data_stream": {},
        "priority": 150,
        "template": {"settings": settings, "mappings": mappings()},
        "_meta": {"description": "Template for the ironstack shipper (Metricbeat-compatible)",
                  "beat": "metricbeat", "version": crate::config::VERSION},
    })
}

fn failed(what: &str, r: &crate::client::Response) -> Error {
    Error::Response(format!("{what}: {} {}", r.status.as_u16(), r.reason()))
}

/// Loads the ILM policy when it is missing (or always with `overwrite`); whether it was put.
pub async fn ensure_ilm_policy(
    client: &mut EsClient,
    policy: &str,
    overwrite: bool,
    check_exists: bool,
) -> Result<bool> {
    let path = format!("/_ilm/policy/{policy}");
    if !overwrite {
        if !check_exists {
            return Ok(false);
        }
        let r = client.request(Method::GET, &path, None).await?;
        if r.status.is_success() {
            return Ok(false);
        }
        if r.status.as_u16() != 404 {
            return Err(failed(
                &format!("cannot check the ILM policy [{policy}]"),
                &r,
            ));
        }
    }
    let r = client
        .request(
            Method::PUT,
            &path,
            Some(ilm_policy().to_string().into_bytes()),
        )
        .await?;
    if !r.status.is_success() {
        return Err(failed(
            &format!("cannot load the ILM policy [{policy}]"),
            &r,
        ));
    }
    tracing::info!(policy, "ILM policy loaded");
    Ok(true)
}

/// Loads the template `name` when missing (or always with `overwrite`).
pub async fn ensure_template(
    client: &mut EsClient,
    name: &str,
    pattern: &str,
    policy: Option<&str>,
    overwrite: bool,
) -> Result<()> {
    let index = name;
    let path = format!("/_index_template/{name}");
    if !overwrite {
        let r = client.request(Method::GET, &path, None).await?;
        if r.status.is_success() {
            return Ok(());
        }
        if r.status.as_u16() != 404 {
            return Err(failed(
                &format!("cannot check the index template [{index}]"),
                &r,
            ));
        }
    }
    let body = template(pattern, policy).to_string().into_bytes();
    let r = client.request(Method::PUT, &path, Some(body)).await?;
    if !r.status.is_success() {
        return Err(failed(
            &format!("cannot load the index template [{index}]"),
            &r,
        ));
    }
    tracing::info!(template = index, "index template loaded");
    Ok(())
}

/// Whether `index` is matched by the template pattern (`*` wildcards), so that it becomes a
/// data stream.
pub fn pattern_matches(pattern: &str, index: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == index;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !index.starts_with(first) || !index.ends_with(last) || index.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &index[first.len()..index.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Creates the data stream when it does not exist (an existing one is never touched).
pub async fn ensure_data_stream(client: &mut EsClient, index: &str) -> Result<()> {
    let path = format!("/_data_stream/{index}");
    let r = client.request(Method::GET, &path, None).await?;
    if r.status.is_success() {
        return Ok(());
    }
    if r.status.as_u16() != 404 {
        return Err(failed(
            &format!("cannot check the data stream [{index}]"),
            &r,
        ));
    }
    let r = client.request(Method::PUT, &path, None).await?;
    // Another shipper may have created it in between.
    if !r.status.is_success() && !r.reason().contains("already exists") {
        return Err(failed(
            &format!("cannot create the data stream [{index}]"),
            &r,
        ));
    }
    tracing::info!(data_stream = index, "data stream created");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_shape() {
        let t = template("metricbeat-9.1.0", Some("metricbeat"));
        assert_eq!(t["index_patterns"], json!(["metricbeat-9.1.0"]));
        assert_eq!(t["data_stream"], json!({}));
        assert_eq!(
            t["template"]["settings"]["index"]["lifecycle"]["name"],
            "metricbeat"
        );
        let m = &t["template"]["mappings"]["properties"];
        assert_eq!(m["@timestamp"]["type"], "date");
        assert_eq!(
            m["system"]["properties"]["cpu"]["properties"]["user"]["properties"]["norm"]["properties"]
                ["pct"]["scaling_factor"],
            1000
        );
        assert_eq!(
            m["system"]["properties"]["load"]["properties"]["1"]["type"],
            "scaled_float"
        );
        assert!(
            template("x", None)["template"]["settings"]["index"]
                .get("lifecycle")
                .is_none()
        );
        assert!(pattern_matches("metricbeat-*", "metricbeat-9.1.0"));
        assert!(pattern_matches("my-*-x", "my-a-b-x"));
        assert!(!pattern_matches("my-*-x", "my-x"));
        assert!(pattern_matches("exact", "exact") && !pattern_matches("exact", "other"));
        let p = ilm_policy();
        assert_eq!(
            p["policy"]["phases"]["hot"]["actions"]["rollover"]["max_age"],
            "30d"
        );
    }
}
