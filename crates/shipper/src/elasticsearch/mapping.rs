//! Elasticsearch API responses → the `.monitoring-es-8-mb` fields of each metricset, as
//! Metricbeat's `elasticsearch` module maps them (its schemas: ES's `*_in_bytes` /
//! `*_in_millis` names become `.bytes` / `.ms` under the metricset's namespace, the module
//! fields `elasticsearch.cluster.*` / `elasticsearch.node.*` beside them). Pure functions on
//! JSON, so every mapping is tested on fixtures with Elasticsearch 8.x shapes.

use serde_json::{Map, Value, json};

/// `cluster_name`, `cluster_uuid` and `version.number` from `GET /`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// `cluster_name`.
    pub cluster_name: String,
    /// `cluster_uuid`.
    pub cluster_uuid: String,
    /// `version.number`.
    pub version: String,
}

impl Info {
    /// Reads `GET /`; `None` when it is not Elasticsearch's answer.
    pub fn parse(root: &Value) -> Option<Info> {
        Some(Info {
            cluster_name: root.get("cluster_name")?.as_str()?.to_string(),
            cluster_uuid: root.get("cluster_uuid")?.as_str()?.to_string(),
            version: root.pointer("/version/number")?.as_str()?.to_string(),
        })
    }

    fn cluster(&self) -> Value {
        json!({"name": self.cluster_name, "id": self.cluster_uuid})
    }
}

/// The value at a dotted path (keys themselves never contain dots here).
pub(crate) fn at<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(v, |v, k| v.get(k))
}

/// Sets a dotted path, creating maps on the way; the value is stored as is (its own keys,
/// such as index names, may contain dots).
pub(crate) fn put(root: &mut Value, dotted: &str, value: Value) {
    let mut slot = root;
    for key in dotted.split('.') {
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(map) = slot else { return };
        slot = map.entry(key.to_string()).or_insert(Value::Null);
    }
    *slot = value;
}

/// Copies each `(destination, source)` that is present and not null.
fn pick(src: &Value, spec: &[(String, String)]) -> Value {
    let mut out = Value::Object(Map::new());
    for (dest, from) in spec {
        if let Some(v) = at(src, from).filter(|v| !v.is_null()) {
            put(&mut out, dest, v.clone());
        }
    }
    out
}

fn spec(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(d, s)| (d.to_string(), s.to_string()))
        .collect()
}

/// One document's fields: `elasticsearch.*` plus optional root fields and `@metadata`.
fn doc(elasticsearch: Value) -> Value {
    json!({ "elasticsearch": elasticsearch })
}

// ---- node_stats ------------------------------------------------------------------------

fn node_stats_spec() -> Vec<(String, String)> {
    let mut s = spec(&[
        ("jvm.mem.heap.max.bytes", "jvm.mem.heap_max_in_bytes"),
        ("jvm.mem.heap.used.bytes", "jvm.mem.heap_used_in_bytes"),
        ("jvm.mem.heap.used.pct", "jvm.mem.heap_used_percent"),
        ("jvm.threads.count", "jvm.threads.count"),
        (
            "indices.bulk.avg_size.bytes",
            "indices.bulk.avg_size_in_bytes",
        ),
        (
            "indices.bulk.avg_time.ms",
            "indices.bulk.avg_time_in_millis",
        ),
        (
            "indices.bulk.total_size.bytes",
            "indices.bulk.total_size_in_bytes",
        ),
        (
            "indices.bulk.total_time.ms",
            "indices.bulk.total_time_in_millis",
        ),
        (
            "indices.bulk.operations.total.count",
            "indices.bulk.total_operations",
        ),
        ("indices.docs.count", "indices.docs.count"),
        ("indices.docs.deleted", "indices.docs.deleted"),
        ("indices.get.time.ms", "indices.get.time_in_millis"),
        ("indices.get.total.count", "indices.get.total"),
        (
            "indices.translog.operations.count",
            "indices.translog.operations",
        ),
        (
            "indices.translog.size.bytes",
            "indices.translog.size_in_bytes",
        ),
        (
            "indices.fielddata.evictions.count",
            "indices.fielddata.evictions",
        ),
        (
            "indices.fielddata.memory.bytes",
            "indices.fielddata.memory_size_in_bytes",
        ),
        (
            "indices.indexing.index_time.ms",
            "indices.indexing.index_time_in_millis",
        ),
        (
            "indices.indexing.index_total.count",
            "indices.indexing.index_total",
        ),
        (
            "indices.indexing.throttle_time.ms",
            "indices.indexing.throttle_time_in_millis",
        ),
        (
            "indices.query_cache.memory.bytes",
            "indices.query_cache.memory_size_in_bytes",
        ),
        (
            "indices.request_cache.memory.bytes",
            "indices.request_cache.memory_size_in_bytes",
        ),
        (
            "indices.search.fetch_time.ms",
            "indices.search.fetch_time_in_millis",
        ),
        (
            "indices.search.fetch_total.count",
            "indices.search.fetch_total",
        ),
        (
            "indices.search.query_time.ms",
            "indices.search.query_time_in_millis",
        ),
        (
            "indices.search.query_total.count",
            "indices.search.query_total",
        ),
        (
            "indices.shard_stats.total_count",
            "indices.shard_stats.total_count",
        ),
        ("indices.store.size.bytes", "indices.store.size_in_bytes"),
        (
            "indices.store.total_data_set_size.bytes",
            "indices.store.total_data_set_size_in_bytes",
        ),
        ("indices.segments.count", "indices.segments.count"),
        (
            "indices.segments.memory.bytes",
            "indices.segments.memory_in_bytes",
        ),
        ("fs.summary.total.bytes", "fs.total.total_in_bytes"),
        ("fs.summary.free.bytes", "fs.total.free_in_bytes"),
        ("fs.summary.available.bytes", "fs.total.available_in_bytes"),
        ("fs.total.total_in_bytes", "fs.total.total_in_bytes"),
        ("fs.total.available_in_bytes", "fs.total.available_in_bytes"),
        (
            "fs.io_stats.total.operations.count",
            "fs.io_stats.total.operations",
        ),
        (
            "fs.io_stats.total.read.kb",
            "fs.io_stats.total.read_kilobytes",
        ),
        (
            "fs.io_stats.total.read.operations.count",
            "fs.io_stats.total.read_operations",
        ),
        (
            "fs.io_stats.total.write.kb",
            "fs.io_stats.total.write_kilobytes",
        ),
        (
            "fs.io_stats.total.write.operations.count",
            "fs.io_stats.total.write_operations",
        ),
        ("os.cpu.load_avg.1m", "os.cpu.load_average.1m"),
        (
            "os.cgroup.cpuacct.usage.ns",
            "os.cgroup.cpuacct.usage_nanos",
        ),
        (
            "os.cgroup.cpu.cfs.quota.us",
            "os.cgroup.cpu.cfs_quota_micros",
        ),
        (
            "os.cgroup.cpu.stat.elapsed_periods.count",
            "os.cgroup.cpu.stat.number_of_elapsed_periods",
        ),
        (
            "os.cgroup.cpu.stat.times_throttled.count",
            "os.cgroup.cpu.stat.number_of_times_throttled",
        ),
        (
            "os.cgroup.cpu.stat.time_throttled.ns",
            "os.cgroup.cpu.stat.time_throttled_nanos",
        ),
        (
            "os.cgroup.memory.control_group",
            "os.cgroup.memory.control_group",
        ),
        (
            "os.cgroup.memory.limit.bytes",
            "os.cgroup.memory.limit_in_bytes",
        ),
        (
            "os.cgroup.memory.usage.bytes",
            "os.cgroup.memory.usage_in_bytes",
        ),
        ("process.cpu.pct", "process.cpu.percent"),
        (
            "process.mem.total_virtual.bytes",
            "process.mem.total_virtual_in_bytes",
        ),
        (
            "process.open_file_descriptors",
            "process.open_file_descriptors",
        ),
        ("transport.rx.count", "transport.rx_count"),
        ("transport.rx.size.bytes", "transport.rx_size_in_bytes"),
        ("transport.tx.count", "transport.tx_count"),
        ("transport.tx.size.bytes", "transport.tx_size_in_bytes"),
        (
            "indexing_pressure.memory.limit_in_bytes",
            "indexing_pressure.memory.limit_in_bytes",
        ),
        ("ingest.total.count", "ingest.total.count"),
        ("ingest.total.time_in_millis", "ingest.total.time_in_millis"),
        ("ingest.total.current", "ingest.total.current"),
        ("ingest.total.failed", "ingest.total.failed"),
    ]);
    let mut add = |d: String, src: String| s.push((d, src));
    for pool in ["young", "survivor", "old"] {
        for (d, src) in [
            ("used", "used_in_bytes"),
            ("max", "max_in_bytes"),
            ("peak", "peak_used_in_bytes"),
            ("peak_max", "peak_max_in_bytes"),
        ] {
            add(
                format!("jvm.mem.pools.{pool}.{d}.bytes"),
                format!("jvm.mem.pools.{pool}.{src}"),
            );
        }
    }
    for gc in ["young", "old"] {
        add(
            format!("jvm.gc.collectors.{gc}.collection.count"),
            format!("jvm.gc.collectors.{gc}.collection_count"),
        );
        add(
            format!("jvm.gc.collectors.{gc}.collection.ms"),
            format!("jvm.gc.collectors.{gc}.collection_time_in_millis"),
        );
    }
    for part in ["merges", "refresh", "flush"] {
        add(
            format!("indices.{part}.total_time.ms"),
            format!("indices.{part}.total_time_in_millis"),
        );
        add(
            format!("indices.{part}.total.count"),
            format!("indices.{part}.total"),
        );
    }
    for part in [
        "doc_values",
        "fixed_bit_set",
        "index_writer",
        "norms",
        "points",
        "stored_fields",
        "term_vectors",
        "terms",
        "version_map",
    ] {
        add(
            format!("indices.segments.{part}.memory.bytes"),
            format!("indices.segments.{part}_memory_in_bytes"),
        );
    }
    for pool in [
        "bulk",
        "esql_worker",
        "force_merge",
        "flush",
        "get",
        "index",
        "search",
        "search_worker",
        "snapshot",
        "system_read",
        "system_write",
        "write",
    ] {
        for m in ["active", "queue", "rejected"] {
            add(
                format!("thread_pool.{pool}.{m}.count"),
                format!("thread_pool.{pool}.{m}"),
            );
        }
    }
    for part in [
        "all",
        "primary",
        "coordinating",
        "replica",
        "combined_coordinating_and_primary",
    ] {
        add(
            format!("indexing_pressure.memory.current.{part}.bytes"),
            format!("indexing_pressure.memory.current.{part}_in_bytes"),
        );
        add(
            format!("indexing_pressure.memory.total.{part}.bytes"),
            format!("indexing_pressure.memory.total.{part}_in_bytes"),
        );
    }
    for part in ["primary", "coordinating", "replica"] {
        add(
            format!("indexing_pressure.memory.total.{part}.rejections"),
            format!("indexing_pressure.memory.total.{part}_rejections"),
        );
    }
    s
}

/// `node_stats`: one document per node of `GET /_nodes/_local/stats/...`. `master_id` is the
/// elected master's id; `mlockall` says, per node id, whether its memory is locked.
pub fn node_stats(
    info: &Info,
    stats: &Value,
    master_id: &str,
    mlockall: &dyn Fn(&str) -> bool,
) -> Result<Vec<Value>, String> {
    let nodes = stats
        .get("nodes")
        .and_then(Value::as_object)
        .ok_or("the node stats response has no [nodes]")?;
    let spec = node_stats_spec();
    let mut out = Vec::new();
    for (id, node) in nodes {
        let name = node
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("node [{id}] has no [name] in its stats"))?;
        let mut es = json!({
            "cluster": info.cluster(),
            "node": {"id": id, "name": name, "master": id == master_id, "mlockall": mlockall(id)},
        });
        if let Some(roles) = node.get("roles") {
            put(&mut es, "node.roles", roles.clone());
        }
        put(&mut es, "node.stats", pick(node, &spec));
        let mut d = doc(es);
        if let Some(address) = node.get("transport_address").and_then(Value::as_str) {
            put(&mut d, "service.address", json!(address));
        }
        out.push(d);
    }
    Ok(out)
}

// ---- cluster_stats ---------------------------------------------------------------------

/// FNV-1 (32-bit, as Go's `fnv.New32`) of the sorted node ephemeral ids, as a signed int:
/// Stack Monitoring compares it between documents to see that the node list changed.
pub fn nodes_hash(state_nodes: &Map<String, Value>) -> Result<i32, String> {
    let mut ids = state_nodes
        .iter()
        .map(|(id, n)| {
            n.get("ephemeral_id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("node [{id}] of the cluster state has no ephemeral_id"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort();
    let mut h: u32 = 0x811c_9dc5;
    for b in ids.concat().bytes() {
        h = h.wrapping_mul(0x0100_0193);
        h ^= u32::from(b);
    }
    Ok(h as i32)
}

/// What `cluster_stats` reads besides `GET /_cluster/stats`.
#[derive(Debug)]
pub struct ClusterStatsInputs<'a> {
    /// `GET /_cluster/stats`.
    pub stats: &'a Value,
    /// `GET /_license` (the `license` object inside).
    pub license: &'a Value,
    /// `GET /_cluster/state/version,master_node,nodes,routing_table`.
    pub state: &'a Value,
    /// `GET /_xpack/usage`.
    pub usage: &'a Value,
    /// `GET /_cluster/settings?include_defaults=true&filter_path=*.cluster.metadata.display_name`.
    pub settings: &'a Value,
}

/// `cluster_stats`: the one document per cluster Stack Monitoring's overview reads.
pub fn cluster_stats(info: &Info, input: &ClusterStatsInputs<'_>) -> Result<Vec<Value>, String> {
    let s = input.stats;
    let mut fields = pick(
        s,
        &spec(&[
            ("status", "status"),
            ("nodes.versions", "nodes.versions"),
            ("nodes.count", "nodes.count.total"),
            ("nodes.master", "nodes.count.master"),
            ("nodes.fs.total.bytes", "nodes.fs.total_in_bytes"),
            ("nodes.fs.available.bytes", "nodes.fs.available_in_bytes"),
            ("nodes.jvm.max_uptime.ms", "nodes.jvm.max_uptime_in_millis"),
            (
                "nodes.jvm.memory.heap.used.bytes",
                "nodes.jvm.mem.heap_used_in_bytes",
            ),
            (
                "nodes.jvm.memory.heap.max.bytes",
                "nodes.jvm.mem.heap_max_in_bytes",
            ),
            ("indices.docs.total", "indices.docs.count"),
            ("indices.total", "indices.count"),
            ("indices.shards.count", "indices.shards.total"),
            ("indices.shards.primaries", "indices.shards.primaries"),
            ("indices.store.size.bytes", "indices.store.size_in_bytes"),
            (
                "indices.fielddata.memory.bytes",
                "indices.fielddata.memory_size_in_bytes",
            ),
        ]),
    );
    if fields.get("status").is_none() {
        return Err("the cluster stats response has no [status]".to_string());
    }
    let state = input.state;
    let state_nodes = state
        .get("nodes")
        .and_then(Value::as_object)
        .ok_or("the cluster state has no [nodes]")?;
    let mut reduced = json!({
        "nodes": state_nodes,
        "nodes_hash": nodes_hash(state_nodes)?,
    });
    for key in ["master_node", "state_uuid"] {
        let v = state
            .get(key)
            .ok_or_else(|| format!("the cluster state has no [{key}]"))?;
        put(&mut reduced, key, v.clone());
    }
    put(&mut fields, "state", reduced);

    let l = input.license;
    let mut license = pick(
        l,
        &spec(&[
            ("status", "status"),
            ("uid", "uid"),
            ("type", "type"),
            ("issue_date", "issue_date"),
            ("issue_date_in_millis", "issue_date_in_millis"),
            ("expiry_date", "expiry_date"),
            ("expiry_date_in_millis", "expiry_date_in_millis"),
            ("max_nodes", "max_nodes"),
            ("max_resource_units", "max_resource_units"),
            ("issued_to", "issued_to"),
            ("issuer", "issuer"),
            ("start_date_in_millis", "start_date_in_millis"),
        ]),
    );
    // Only a trial with security on and transport TLS off "needs TLS" (Metricbeat's rule).
    let u = input.usage;
    let needs_tls = l.get("type").and_then(Value::as_str) == Some("trial")
        && at(u, "security.enabled").and_then(Value::as_bool) == Some(true)
        && at(u, "security.ssl.transport.enabled").and_then(Value::as_bool) == Some(false);
    put(&mut license, "cluster_needs_tls", json!(needs_tls));
    put(&mut fields, "license", license);

    let apm_found = state
        .pointer("/routing_table/indices")
        .and_then(Value::as_object)
        .is_some_and(|m| m.keys().any(|k| k.starts_with("apm-")));
    let mut stack = json!({"apm": {"found": apm_found}});
    for k in ["enabled", "available"] {
        if let Some(v) = at(u, &format!("ccr.{k}")) {
            put(&mut stack, &format!("xpack.ccr.{k}"), v.clone());
        }
    }
    put(&mut fields, "stack", stack);

    let mut es = json!({"cluster": info.cluster()});
    put(&mut es, "cluster.stats", fields);
    if let Some(v) = state.get("version") {
        put(&mut es, "version", v.clone());
    }
    let mut d = doc(es);
    if let Some(settings) = merged_settings(input.settings) {
        put(&mut d, "cluster_settings", settings);
    }
    Ok(vec![d])
}

/// defaults < persistent < transient, as Elasticsearch applies them; `None` when all empty.
fn merged_settings(settings: &Value) -> Option<Value> {
    let mut out: Option<Value> = None;
    for group in ["defaults", "persistent", "transient"] {
        if let Some(g) = settings.get(group).filter(|g| g.is_object()) {
            let base = out.get_or_insert_with(|| Value::Object(Map::new()));
            crate::settings::merge(base, crate::settings::expand_dotted(g.clone()));
        }
    }
    out
}

// ---- index / index_summary -------------------------------------------------------------

const PRIMARIES: &[&str] = &[
    "docs.count",
    "indexing.index_total",
    "indexing.index_time_in_millis",
    "indexing.throttle_time_in_millis",
    "merges.total_size_in_bytes",
    "segments.count",
    "store.size_in_bytes",
    "refresh.total_time_in_millis",
];

const TOTAL: &[&str] = &[
    "docs.count",
    "fielddata.memory_size_in_bytes",
    "indexing.index_total",
    "indexing.index_time_in_millis",
    "indexing.throttle_time_in_millis",
    "merges.total_size_in_bytes",
    "search.query_total",
    "search.query_time_in_millis",
    "segments.count",
    "segments.memory_in_bytes",
    "segments.terms_memory_in_bytes",
    "segments.stored_fields_memory_in_bytes",
    "segments.term_vectors_memory_in_bytes",
    "segments.norms_memory_in_bytes",
    "segments.points_memory_in_bytes",
    "segments.doc_values_memory_in_bytes",
    "segments.index_writer_memory_in_bytes",
    "segments.version_map_memory_in_bytes",
    "segments.fixed_bit_set_memory_in_bytes",
    "store.size_in_bytes",
    "refresh.total_time_in_millis",
];

const BULK: &[&str] = &[
    "total_operations",
    "total_time_in_millis",
    "total_size_in_bytes",
    "avg_time_in_millis",
    "avg_size_in_bytes",
];

/// Metricbeat's index document keeps Elasticsearch's names and writes 0 for a missing
/// counter (it decodes into a struct).
fn counters(src: Option<&Value>, paths: &[&str]) -> Value {
    let mut out = Value::Object(Map::new());
    for p in paths {
        let v = src
            .and_then(|s| at(s, p))
            .filter(|v| v.is_number())
            .cloned()
            .unwrap_or(json!(0));
        put(&mut out, p, v);
    }
    out
}

/// Shard counts and the health of one index from its routing table entry.
fn index_shards(routing: &Value) -> Result<(String, Value), String> {
    let shards = routing
        .get("shards")
        .and_then(Value::as_object)
        .ok_or("no [shards] in the routing table")?;
    let (mut p, mut r, mut ap, mut ar, mut up, mut ur, mut init, mut reloc) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    for copies in shards.values() {
        for copy in copies.as_array().ok_or("a shard entry is not a list")? {
            let primary = copy
                .get("primary")
                .and_then(Value::as_bool)
                .ok_or("a shard copy has no [primary]")?;
            let state = copy
                .get("state")
                .and_then(Value::as_str)
                .ok_or("a shard copy has no [state]")?;
            let (all, active, unassigned) = if primary {
                (&mut p, &mut ap, &mut up)
            } else {
                (&mut r, &mut ar, &mut ur)
            };
            *all += 1;
            match state {
                "STARTED" => *active += 1,
                "UNASSIGNED" => *unassigned += 1,
                "INITIALIZING" => init += 1,
                "RELOCATING" => reloc += 1,
                _ => {}
            }
        }
    }
    let status = if p + r == 0 || ap < p {
        "red"
    } else if ar < r {
        "yellow"
    } else {
        "green"
    };
    Ok((
        status.to_string(),
        json!({
            "total": p + r, "primaries": p, "replicas": r,
            "active_total": ap + ar, "active_primaries": ap, "active_replicas": ar,
            "unassigned_total": up + ur, "unassigned_primaries": up, "unassigned_replicas": ur,
            "initializing": init, "relocating": reloc,
        }),
    ))
}

/// `index`: one document per index of `GET /_stats/...?filter_path=indices`, with its health
/// and shard counts from the routing table and `hidden` from `GET /*/_settings`. An index
/// missing from the routing table (deleted in between) is reported in the error, the others
/// are still sent.
pub fn index(
    info: &Info,
    stats: &Value,
    state: &Value,
    settings: &Value,
) -> (Vec<Value>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let Some(indices) = stats.get("indices").and_then(Value::as_object) else {
        // `filter_path=indices` leaves `{}` when there are no indices.
        return (out, errors);
    };
    for (name, idx) in indices {
        let routing = state
            .pointer("/routing_table/indices")
            .and_then(|m| m.get(name.as_str()));
        let Some(routing) = routing else {
            errors.push(format!(
                "index [{name}] is not in the cluster state's routing table"
            ));
            continue;
        };
        let (status, shards) = match index_shards(routing) {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("index [{name}]: {e}"));
                continue;
            }
        };
        let hidden = settings
            .get(name.as_str())
            .and_then(|s| at(s, "settings.index.hidden"))
            .is_some_and(|h| h == "true" || h == &json!(true));
        let mut total = counters(idx.get("total"), TOTAL);
        if let Some(bulk) = idx.pointer("/total/bulk") {
            put(&mut total, "bulk", counters(Some(bulk), BULK));
        }
        let mut index = json!({
            "name": name,
            "status": status,
            "hidden": hidden,
            "shards": shards,
            "primaries": counters(idx.get("primaries"), PRIMARIES),
            "total": total,
        });
        if let Some(uuid) = idx.get("uuid") {
            put(&mut index, "uuid", uuid.clone());
        }
        out.push(doc(json!({"cluster": info.cluster(), "index": index})));
    }
    (out, errors)
}

fn summary_spec() -> Vec<(String, String)> {
    spec(&[
        ("docs.count", "docs.count"),
        ("docs.deleted", "docs.deleted"),
        ("store.size.bytes", "store.size_in_bytes"),
        ("segments.count", "segments.count"),
        ("segments.memory.bytes", "segments.memory_in_bytes"),
        ("indexing.index.count", "indexing.index_total"),
        ("indexing.index.time.ms", "indexing.index_time_in_millis"),
        ("search.query.count", "search.query_total"),
        ("search.query.time.ms", "search.query_time_in_millis"),
        ("bulk.operations.count", "bulk.total_operations"),
        // Metricbeat maps the average size under `time.avg`; kept for Kibana's aliases.
        ("bulk.time.avg.bytes", "bulk.avg_size_in_bytes"),
        ("bulk.size.bytes", "bulk.total_size_in_bytes"),
    ])
}

/// `index_summary`: the `_all` totals of `GET /_stats`.
pub fn index_summary(info: &Info, stats: &Value) -> Result<Vec<Value>, String> {
    let all = stats
        .get("_all")
        .ok_or("the stats response has no [_all]")?;
    let spec = summary_spec();
    let mut summary = Value::Object(Map::new());
    for part in ["primaries", "total"] {
        let src = all
            .get(part)
            .ok_or_else(|| format!("the stats response has no [_all.{part}]"))?;
        put(&mut summary, part, pick(src, &spec));
    }
    let mut es = json!({"cluster": info.cluster()});
    put(&mut es, "index.summary", summary);
    Ok(vec![doc(es)])
}

// ---- shard -----------------------------------------------------------------------------

/// `shard`: one document per shard copy of the routing table, with Metricbeat's `_id`
/// `<state_uuid>:<node|_na>:<index>:<shard>:<p|r>`, so the same copy in the same cluster state
/// is one document however often it is fetched.
pub fn shards(info: &Info, state: &Value) -> Result<Vec<Value>, String> {
    let state_id = state
        .get("state_uuid")
        .and_then(Value::as_str)
        .ok_or("the cluster state has no [state_uuid]")?;
    let cluster_id = state
        .get("cluster_uuid")
        .and_then(Value::as_str)
        .unwrap_or(&info.cluster_uuid);
    let cluster_name = state
        .get("cluster_name")
        .and_then(Value::as_str)
        .unwrap_or(&info.cluster_name);
    let empty = Map::new();
    let nodes = state
        .get("nodes")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let indices = state
        .pointer("/routing_table/indices")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut out = Vec::new();
    for (index_name, index) in indices {
        let Some(shards) = index.get("shards").and_then(Value::as_object) else {
            continue;
        };
        for copies in shards.values() {
            for copy in copies.as_array().into_iter().flatten() {
                let number = copy
                    .get("shard")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| format!("a shard of [{index_name}] has no number"))?;
                let primary = copy
                    .get("primary")
                    .and_then(Value::as_bool)
                    .ok_or_else(|| format!("a shard of [{index_name}] has no [primary]"))?;
                let node = copy.get("node").and_then(Value::as_str);
                let relocating = copy.get("relocating_node").cloned().unwrap_or(Value::Null);
                let id = format!(
                    "{state_id}:{}:{index_name}:{number}:{}",
                    node.unwrap_or("_na"),
                    if primary { "p" } else { "r" }
                );
                let mut shard = json!({
                    "state": copy.get("state").cloned().unwrap_or(Value::Null),
                    "primary": primary,
                    "number": number,
                    // Metricbeat puts the relocating node's id in both.
                    "relocating_node": {"id": relocating, "name": relocating},
                });
                let mut es = json!({
                    "cluster": {"id": cluster_id, "name": cluster_name,
                                "state": {"id": state_id},
                                "stats": {"state": {"state_uuid": state_id}}},
                    "index": {"name": index_name},
                });
                if let Some(node) = node {
                    let name = nodes
                        .get(node)
                        .and_then(|n| n.get("name"))
                        .cloned()
                        .ok_or_else(|| {
                            format!("shard node [{node}] is not in the cluster state")
                        })?;
                    put(&mut es, "node", json!({"id": node, "name": name}));
                    put(
                        &mut shard,
                        "source_node",
                        json!({"uuid": node, "name": name}),
                    );
                }
                put(&mut es, "shard", shard);
                let mut d = doc(es);
                put(&mut d, "@metadata._id", json!(id));
                out.push(d);
            }
        }
    }
    Ok(out)
}

// ---- index_recovery, ccr, enrich, ml_job -----------------------------------------------

/// `index_recovery`: one document per shard recovery of `GET /_recovery`.
pub fn index_recovery(info: &Info, recovery: &Value) -> Result<Vec<Value>, String> {
    let indices = recovery
        .as_object()
        .ok_or("the recovery response is not an object")?;
    let spec = spec(&[
        ("id", "id"),
        ("type", "type"),
        ("primary", "primary"),
        ("stage", "stage"),
        ("start_time.ms", "start_time_in_millis"),
        ("stop_time.ms", "stop_time_in_millis"),
        ("total_time.ms", "total_time_in_millis"),
        ("source.id", "source.id"),
        ("source.host", "source.host"),
        ("source.transport_address", "source.transport_address"),
        ("source.name", "source.name"),
        ("target.id", "target.id"),
        ("target.host", "target.host"),
        ("target.transport_address", "target.transport_address"),
        ("target.name", "target.name"),
        ("index.files.percent", "index.files.percent"),
        ("index.files.reused", "index.files.reused"),
        ("index.files.recovered", "index.files.recovered"),
        ("index.files.total", "index.files.total"),
        (
            "index.size.recovered_in_bytes",
            "index.size.recovered_in_bytes",
        ),
        ("index.size.reused_in_bytes", "index.size.reused_in_bytes"),
        ("index.size.total_in_bytes", "index.size.total_in_bytes"),
        ("translog.total", "translog.total"),
        ("translog.percent", "translog.percent"),
        ("translog.total_on_start", "translog.total_on_start"),
    ]);
    let mut out = Vec::new();
    for (name, index) in indices {
        for shard in index
            .get("shards")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut es = json!({"cluster": info.cluster(), "index": {"name": name}});
            let mut recovery = pick(shard, &spec);
            put(&mut recovery, "name", json!(name));
            put(&mut es, "index.recovery", recovery);
            out.push(doc(es));
        }
    }
    Ok(out)
}

/// `ccr`: one document per follower shard, each with the auto-follow statistics (as
/// Metricbeat sends them).
pub fn ccr(info: &Info, stats: &Value) -> Result<Vec<Value>, String> {
    let follower = spec(&[
        ("leader.index", "leader_index"),
        ("leader.max_seq_no", "leader_max_seq_no"),
        ("leader.global_checkpoint", "leader_global_checkpoint"),
        ("total_time.read.ms", "total_read_time_millis"),
        (
            "total_time.read.remote_exec.ms",
            "total_read_remote_exec_time_millis",
        ),
        ("total_time.write.ms", "total_write_time_millis"),
        ("write_buffer.size.bytes", "write_buffer_size_in_bytes"),
        (
            "write_buffer.operation.count",
            "write_buffer_operation_count",
        ),
        ("bytes_read", "bytes_read"),
        ("follower.index", "follower_index"),
        ("follower.shard.number", "shard_id"),
        ("follower.operations_written", "operations_written"),
        ("follower.operations.read.count", "operations_read"),
        ("follower.max_seq_no", "follower_max_seq_no"),
        (
            "follower.time_since_last_read.ms",
            "time_since_last_read_millis",
        ),
        ("follower.global_checkpoint", "follower_global_checkpoint"),
        ("follower.settings_version", "follower_settings_version"),
        ("follower.aliases_version", "follower_aliases_version"),
        ("read_exceptions", "read_exceptions"),
        ("requests.successful.read.count", "successful_read_requests"),
        (
            "requests.successful.write.count",
            "successful_write_requests",
        ),
        ("requests.failed.read.count", "failed_read_requests"),
        ("requests.failed.write.count", "failed_write_requests"),
        (
            "requests.outstanding.read.count",
            "outstanding_read_requests",
        ),
        (
            "requests.outstanding.write.count",
            "outstanding_write_requests",
        ),
    ]);
    let auto_follow = stats
        .get("auto_follow_stats")
        .map(|auto| {
            pick(
                auto,
                &spec(&[
                    (
                        "failed.follow_indices.count",
                        "number_of_failed_follow_indices",
                    ),
                    (
                        "failed.remote_cluster_state_requests.count",
                        "number_of_failed_remote_cluster_state_requests",
                    ),
                    (
                        "success.follow_indices.count",
                        "number_of_successful_follow_indices",
                    ),
                ]),
            )
        })
        .unwrap_or_else(|| json!({}));
    let mut out = Vec::new();
    for index in stats
        .pointer("/follow_stats/indices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for shard in index
            .get("shards")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut fields = pick(shard, &follower);
            put(&mut fields, "auto_follow", auto_follow.clone());
            let mut es = json!({"cluster": info.cluster()});
            put(&mut es, "ccr", fields);
            out.push(doc(es));
        }
    }
    Ok(out)
}

/// `enrich`: one document per coordinator and one per executing policy.
pub fn enrich(info: &Info, stats: &Value) -> Result<Vec<Value>, String> {
    let coordinators = stats
        .get("coordinator_stats")
        .and_then(Value::as_array)
        .ok_or("the enrich stats response has no [coordinator_stats]")?;
    let coordinator = spec(&[
        ("queue.size", "queue_size"),
        ("remote_requests.current", "remote_requests_current"),
        ("remote_requests.total", "remote_requests_total"),
        ("executed_searches.total", "executed_searches_total"),
    ]);
    let mut out = Vec::new();
    for c in coordinators {
        let mut es = json!({"cluster": info.cluster(), "enrich": pick(c, &coordinator)});
        if let Some(node) = c.get("node_id") {
            put(&mut es, "node.id", node.clone());
        }
        out.push(doc(es));
    }
    for p in stats
        .get("executing_policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut es = json!({"cluster": info.cluster()});
        if let Some(name) = p.get("name") {
            put(&mut es, "enrich.executing_policy.name", name.clone());
        }
        if let Some(task) = p.get("task") {
            let task = pick(
                task,
                &spec(&[
                    ("id", "id"),
                    ("type", "type"),
                    ("action", "action"),
                    ("time.start.ms", "start_time_in_millis"),
                    ("time.running.nano", "running_time_in_nanos"),
                    ("cancellable", "cancellable"),
                    ("parent_task_id", "parent_task_id"),
                ]),
            );
            put(&mut es, "enrich.executing_policy.task", task);
        }
        out.push(doc(es));
    }
    Ok(out)
}

/// `ml_job`: one document per anomaly detection job.
pub fn ml_jobs(info: &Info, stats: &Value) -> Result<Vec<Value>, String> {
    let jobs = stats
        .get("jobs")
        .and_then(Value::as_array)
        .ok_or("the ML job stats response has no [jobs]")?;
    let spec = spec(&[
        ("id", "job_id"),
        ("state", "state"),
        (
            "data_counts.invalid_date_count",
            "data_counts.invalid_date_count",
        ),
        (
            "data_counts.processed_record_count",
            "data_counts.processed_record_count",
        ),
        ("forecasts_stats.total", "forecasts_stats.total"),
        ("model_size.memory_status", "model_size_stats.memory_status"),
    ]);
    let mut out = Vec::new();
    for job in jobs {
        let mut es = json!({"cluster": info.cluster()});
        put(&mut es, "ml.job", pick(job, &spec));
        if let Some(node) = job.get("node") {
            for k in ["id", "name"] {
                if let Some(v) = node.get(k) {
                    put(&mut es, &format!("node.{k}"), v.clone());
                }
            }
        }
        out.push(doc(es));
    }
    Ok(out)
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
