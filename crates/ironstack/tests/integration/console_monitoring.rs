//! Stack Monitoring in the console end to end: an hour of 10-second monitoring documents in
//! the shapes Metricbeat 8 (`.monitoring-es-8-mb`) and Beats' self-monitoring
//! (`.monitoring-beats-7-YYYY.MM.DD`) write, indexed through the node's `_bulk` as a
//! `remote_monitoring_agent` user; then the pages, read with curl as a `monitoring_user`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::console::{Stack, curl, node_user, stack};

const PASSWORD: &str = "user-password";
const NODE_ID: &str = "node-id-1";
const BEAT_UUID: &str = "beat-uuid-1";

/// `yyyy-mm-dd` of a count of days since 1970-01-01 (Hinnant's civil-from-days).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn iso(ms: i64) -> String {
    let (y, mo, d) = civil(ms.div_euclid(86_400_000));
    let t = ms.rem_euclid(86_400_000);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        t / 3_600_000,
        (t / 60_000) % 60,
        (t / 1000) % 60,
        t % 1000
    )
}

fn common(ts: &str, cluster: &str, metricset: &str) -> Value {
    json!({
        "@timestamp": ts,
        "metricset": {"name": metricset, "period": 10000},
        "event": {"dataset": format!("elasticsearch.{metricset}"), "module": "elasticsearch", "duration": 1_200_000},
        "service": {"name": "elasticsearch", "type": "elasticsearch", "address": "https://localhost:9200"},
        "ecs": {"version": "8.0.0"},
        "agent": {"type": "metricbeat", "version": "8.17.0", "name": "shipper-1"},
        "host": {"name": "host-1"},
        "elasticsearch": {"cluster": {"id": cluster, "name": "ironstack-test"}}
    })
}

fn merge(mut base: Value, extra: Value) -> Value {
    fn go(a: &mut Value, b: Value) {
        match (a, b) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    go(a.entry(k).or_insert(Value::Null), v);
                }
            }
            (a, b) => *a = b,
        }
    }
    go(&mut base, extra);
    base
}

/// The NDJSON of one hour of monitoring, every 10 s up to `now`.
fn hour_of_monitoring(now: i64, cluster: &str) -> String {
    let mut out = String::new();
    let mut push = |index: &str, id: Option<String>, doc: Value| {
        let mut action = json!({"create": {"_index": index}});
        if let Some(id) = id {
            action["create"]["_id"] = json!(id);
        }
        out.push_str(&action.to_string());
        out.push('\n');
        out.push_str(&doc.to_string());
        out.push('\n');
    };
    let steps = 360;
    for i in 0..steps {
        let at = now - (steps - 1 - i) * 10_000 - 1_000;
        let ts = iso(at);
        // Counters: 5 searches/s at 2 ms each, 10 index ops/s at 0.5 ms each.
        let queries = 1000 + i * 50;
        let indexed = 5000 + i * 100;
        push(
            ".monitoring-es-8-mb",
            None,
            merge(
                common(&ts, cluster, "node_stats"),
                json!({"elasticsearch": {"node": {"id": NODE_ID, "name": "node-1", "master": true, "mlockall": false,
                "stats": {
                    "jvm": {"mem": {"heap": {"used": {"bytes": 400_000_000, "pct": 40}, "max": {"bytes": 1_000_000_000}}}},
                    "indices": {"docs": {"count": indexed}, "store": {"size": {"bytes": 2_000_000}},
                        "indexing": {"index_total": {"count": indexed}, "index_time": {"ms": indexed / 2}},
                        "search": {"query_total": {"count": queries}, "query_time": {"ms": queries * 2}},
                        "segments": {"count": 12}},
                    "fs": {"summary": {"total": {"bytes": 100_000_000_000_i64}, "available": {"bytes": 50_000_000_000_i64}, "free": {"bytes": 55_000_000_000_i64}},
                           "io_stats": {"total": {"operations": {"count": i * 30}, "read": {"operations": {"count": i * 10}}, "write": {"operations": {"count": i * 20}}}}},
                    "os": {"cpu": {"load_avg": {"1m": 0.5}}},
                    "process": {"cpu": {"pct": if i >= steps - 30 { 95 } else { 20 + i % 10 }}}
                }}}}),
            ),
        );
        push(
            ".monitoring-es-8-mb",
            None,
            merge(
                common(&ts, cluster, "cluster_stats"),
                json!({"elasticsearch": {"version": 12, "cluster": {"stats": {
                    "status": "yellow",
                    "nodes": {"count": 1, "master": 1, "versions": ["9.1.0"],
                        "fs": {"total": {"bytes": 100_000_000_000_i64}, "available": {"bytes": 50_000_000_000_i64}},
                        "jvm": {"max_uptime": {"ms": 7_200_000 + i * 10_000}, "memory": {"heap": {"used": {"bytes": 400_000_000}, "max": {"bytes": 1_000_000_000}}}}},
                    "indices": {"total": 3, "docs": {"total": 4242}, "shards": {"count": 3, "primaries": 3}, "store": {"size": {"bytes": 2_000_000}}},
                    "license": {"status": "active", "type": "basic"},
                    "state": {"master_node": NODE_ID, "state_uuid": "state-1", "nodes": {NODE_ID: {"name": "node-1"}}}
                }}}}),
            ),
        );
        push(
            ".monitoring-es-8-mb",
            None,
            merge(
                common(&ts, cluster, "index_summary"),
                json!({"elasticsearch": {"index": {"summary": {
                    "primaries": {"docs": {"count": indexed}, "store": {"size": {"bytes": 1_000_000}},
                        "indexing": {"index": {"count": indexed, "time": {"ms": indexed / 2}}},
                        "search": {"query": {"count": queries, "time": {"ms": queries * 2}}}},
                    "total": {"docs": {"count": indexed}, "store": {"size": {"bytes": 2_000_000}},
                        "indexing": {"index": {"count": indexed, "time": {"ms": indexed / 2}}},
                        "search": {"query": {"count": queries, "time": {"ms": queries * 2}}}}
                }}}}),
            ),
        );
        for (name, docs, rate) in [
            ("logs-app", 3000, 8),
            ("metrics-app", 1200, 2),
            (".kibana_1", 42, 0),
        ] {
            let total = 100 + i * rate * 10;
            push(
                ".monitoring-es-8-mb",
                None,
                merge(
                    common(&ts, cluster, "index"),
                    json!({"elasticsearch": {"index": {"name": name, "uuid": format!("{name}-uuid"), "status": "green", "hidden": name.starts_with('.'),
                        "shards": {"total": 1, "primaries": 1},
                        "primaries": {"docs": {"count": docs}, "store": {"size_in_bytes": docs * 100},
                            "indexing": {"index_total": total, "index_time_in_millis": total / 2},
                            "search": {"query_total": total / 2, "query_time_in_millis": total}, "segments": {"count": 4}},
                        "total": {"docs": {"count": docs}, "store": {"size_in_bytes": docs * 100},
                            "indexing": {"index_total": total, "index_time_in_millis": total / 2},
                            "search": {"query_total": total / 2, "query_time_in_millis": total}, "segments": {"count": 4}}
                    }}}),
                ),
            );
        }
        // Metricbeat's shard documents have an `_id` per state and copy: the state never
        // changed this hour, so only the first fetch's documents were stored (later ones 409).
        let shards: &[(&str, bool, &str)] = if i == 0 {
            &[
                ("logs-app", true, "STARTED"),
                ("logs-app", false, "UNASSIGNED"),
                ("metrics-app", true, "STARTED"),
                (".kibana_1", true, "STARTED"),
            ]
        } else {
            &[]
        };
        for &(index, primary, state) in shards {
            push(
                ".monitoring-es-8-mb",
                Some(format!("state-1:{NODE_ID}:{index}:0:{primary}")),
                merge(
                    common(&ts, cluster, "shard"),
                    json!({"elasticsearch": {
                        "cluster": {"state": {"id": "state-1"}},
                        "index": {"name": index},
                        "node": {"id": if state == "STARTED" { NODE_ID } else { "" }, "name": "node-1"},
                        "shard": {"number": 0, "primary": primary, "state": state}
                    }}),
                ),
            );
        }
        // Beats' own monitoring (internal collection), plus an APM Server Kibana leaves out.
        let (y, m, d) = civil(at.div_euclid(86_400_000));
        let beats_index = format!(".monitoring-beats-7-{y:04}.{m:02}.{d:02}");
        for (uuid, kind, name) in [
            (BEAT_UUID, "metricbeat", "shipper-1"),
            ("apm-uuid", "apm-server", "apm-1"),
            ("standalone-uuid", "filebeat", "standalone-1"),
        ] {
            let events = 4200 + i * 60;
            let mut doc = json!({"timestamp": ts, "type": "beats_stats", "interval_ms": 10000, "cluster_uuid": cluster,
            "beats_stats": {"timestamp": ts,
                "beat": {"type": kind, "version": "9.1.0", "name": name, "host": "host-1", "uuid": uuid},
                "metrics": {
                    "beat": {"cpu": {"total": {"value": 5120 + i * 10}}, "memstats": {"memory_alloc": 31_457_280, "rss": 98_566_144, "gc_next": 41_943_040},
                        "info": {"uptime": {"ms": 600_000 + i * 10_000}, "ephemeral_id": format!("{uuid}-run")},
                        "handles": {"open": 24, "limit": {"soft": 1024, "hard": 524_288}}},
                    "libbeat": {"config": {"reloads": 0},
                        "output": {"type": "elasticsearch", "events": {"total": events, "acked": events, "failed": 0, "dropped": 0, "active": 0},
                            "write": {"bytes": 1_834_221 + i * 30_000, "errors": 0}, "read": {"bytes": 90_422 + i * 1000, "errors": 0}},
                        "pipeline": {"clients": 9, "events": {"total": events, "published": events, "failed": 0, "dropped": 0, "retry": 0, "active": i % 5},
                            "queue": {"acked": events, "max_events": 3200}}},
                    "system": {"cpu": {"cores": 2}, "load": {"1": 0.42, "5": 0.35, "15": 0.3}}
                }}});
            // A Beat that reports no cluster: Kibana's "Standalone cluster".
            if uuid == "standalone-uuid"
                && let Some(fields) = doc.as_object_mut()
            {
                fields.remove("cluster_uuid");
            }
            push(&beats_index, None, doc);
        }
    }
    out
}

fn page(s: &Stack, user: &str, path: &str) -> (u16, String) {
    let (status, _, body) = curl(&s.console_ca, &["-u", user, &s.url(path)]);
    (status, body)
}

/// The `<desc>` of a chart: how many points each line has.
fn points_of(body: &str, chart: &str, line: &str) -> usize {
    let start = body
        .find(&format!("id=\"{chart}-desc\">"))
        .unwrap_or_else(|| panic!("no chart {chart} in {body}"));
    let desc = &body[start..];
    let desc = &desc[..desc.find("</desc>").unwrap()];
    let after = desc
        .split(&format!("{line}: "))
        .nth(1)
        .unwrap_or_else(|| panic!("no line {line} in {desc}"));
    after.split(' ').next().unwrap().parse().unwrap()
}

fn role(s: &Stack, name: &str, body: Value) {
    let (status, _, text) = curl(
        &s.node.ca(),
        &[
            "-u",
            &s.elastic(),
            "-X",
            "PUT",
            "-H",
            "content-type: application/json",
            "-d",
            &body.to_string(),
            &s.node_url(&format!("/_security/role/{name}")),
        ],
    );
    assert_eq!(status, 200, "{text}");
}

/// Indexes an hour of monitoring through the node's `_bulk` as a `remote_monitoring_agent`
/// user (`mon_writer`); returns the cluster uuid.
fn load_an_hour(s: &Stack) -> String {
    let (_, _, root) = curl(&s.node.ca(), &["-u", &s.elastic(), &s.node_url("/")]);
    let root: Value = serde_json::from_str(&root).unwrap();
    let cluster = root["cluster_uuid"].as_str().unwrap().to_string();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let ndjson = hour_of_monitoring(now, &cluster);
    let file = s.home.path().join("monitoring.ndjson");
    std::fs::write(&file, ndjson).unwrap();
    let (status, _, text) = curl(
        &s.node.ca(),
        &[
            "-u",
            &format!("mon_writer:{PASSWORD}"),
            "-X",
            "POST",
            "-H",
            "content-type: application/x-ndjson",
            "--data-binary",
            &format!("@{}", file.display()),
            &s.node_url("/_bulk?refresh=true"),
        ],
    );
    assert_eq!(status, 200, "{}", &text[..text.len().min(2000)]);
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["errors"], false, "{}", &text[..text.len().min(2000)]);

    cluster
}

#[test]
fn console_stack_monitoring_shows_cluster_nodes_indices_and_beats_with_curl() {
    let s = stack();
    node_user(&s, "mon_writer", &["remote_monitoring_agent"]);
    node_user(&s, "mon_viewer", &["monitoring_user", "kibana_admin"]);
    node_user(&s, "admin_only", &["kibana_admin"]);
    role(
        &s,
        "monitoring_app_only",
        json!({"applications": [{"application": "kibana-.kibana", "privileges": ["reserved_monitoring"], "resources": ["*"]}]}),
    );
    node_user(&s, "app_only", &["monitoring_app_only", "kibana_admin"]);
    let viewer = format!("mon_viewer:{PASSWORD}");

    // Nothing collected yet: the page says what to enable.
    let (status, body) = page(&s, &viewer, "/app/monitoring");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("No monitoring data found"), "{body}");
    assert!(body.contains("Nothing has been collected yet"), "{body}");
    assert!(body.contains("xpack.enabled: true") && body.contains("monitoring.enabled: true"));

    let cluster = load_an_hour(&s);

    // The overview: the newest cluster_stats and four charts with data.
    let (status, body) = page(&s, &viewer, "/app/monitoring");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("data-test-subj=\"statusIcon\">Yellow<"),
        "{body}"
    );
    assert!(body.contains("data-test-subj=\"esVersion\">9.1.0<"));
    assert!(body.contains("data-test-subj=\"nodesCount\">1<"));
    assert!(body.contains("data-test-subj=\"indicesCount\">3<"));
    assert!(body.contains("data-test-subj=\"documentCount\">4242<"));
    assert!(
        body.contains("data-test-subj=\"unassignedShards\">1<"),
        "{}",
        &body[body.find("Total Shards").unwrap_or(0)..]
    );
    assert!(
        body.contains("data-test-subj=\"totalShards\">4<"),
        "3 assigned + 1 unassigned"
    );
    assert!(
        body.contains("data-test-subj=\"esUptime\">2 hours<"),
        "{body}"
    );
    assert!(body.contains("46.6 GB / 93.1 GB"), "disk available / total");
    assert!(body.contains("381.5 MB / 953.7 MB"), "heap used / max");
    for (chart, line) in [
        ("searchRate", "Total Shards"),
        ("indexingRate", "Primary Shards"),
        ("searchLatency", "Search Latency"),
        ("indexingLatency", "Indexing Latency"),
    ] {
        // One hour in 30 s buckets: 119 or 120 whole buckets inside the range.
        let n = points_of(&body, chart, line);
        assert!(n >= 100, "{chart}: {n} points");
    }
    assert!(body.contains("points, latest 5 /s.</desc>"), "{body}");
    assert!(
        body.contains("Search Latency: ") && body.contains("latest 2 ms"),
        "{body}"
    );
    assert!(body.contains("latest 0.50 ms"), "indexing latency 0.5 ms");
    assert!(body.contains("latest 10 /s"), "indexing rate");
    assert!(
        body.contains("Total Beats: 1."),
        "APM Server is left out: {body}"
    );

    // Kibana's `_g` range.
    let (status, body) = page(
        &s,
        &viewer,
        "/app/monitoring?_g=(time:(from:now-30m,to:now))",
    );
    assert_eq!(status, 200);
    let n = points_of(&body, "searchRate", "Total Shards");
    assert!((50..=60).contains(&n), "30 minutes in 30 s buckets: {n}");
    assert!(
        body.contains("/app/monitoring/elasticsearch/nodes?cluster_uuid=")
            && body.contains("&amp;from=now-30m&amp;to=now\">Nodes<"),
        "the range travels on the links"
    );
    assert!(
        body.contains("name=\"from\" value=\"now-30m\""),
        "and fills the form"
    );

    // Nodes and a node.
    let (status, body) = page(&s, &viewer, "/app/monitoring/elasticsearch/nodes");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(">node-1</a> (master)"), "{body}");
    assert!(
        body.contains("<td>Online</td><td>3</td>"),
        "status and shards: {body}"
    );
    assert!(
        body.contains("<td>0.50</td><td>40%</td><td>46.6 GB</td>"),
        "{body}"
    );
    let (status, body) = page(
        &s,
        &viewer,
        &format!("/app/monitoring/elasticsearch/nodes/{NODE_ID}"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(points_of(&body, "nodeCpu", "CPU Utilization") >= 100);
    assert!(points_of(&body, "nodeIo", "Total") >= 100);
    assert!(body.contains("latest 3 /s"), "3 I/O operations a second");

    // Indices, system ones on request, and an index.
    let (status, body) = page(&s, &viewer, "/app/monitoring/elasticsearch/indices");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(">logs-app</a>") && body.contains(">metrics-app</a>"));
    assert!(!body.contains(">.kibana_1</a>"), "system indices hidden");
    // Kibana's list rate: (newest - earliest) / the picker's hour; the data spans 3590 s.
    assert!(
        body.contains("<td>Yellow</td><td>3000</td><td>293.0 KB</td><td>7.9"),
        "{body}"
    );
    assert!(body.contains(" /s</td><td>3.9"), "search rate about 4 /s");
    assert!(
        body.contains("/s</td><td>1</td></tr>"),
        "one unassigned replica"
    );
    let (_, body) = page(
        &s,
        &viewer,
        "/app/monitoring/elasticsearch/indices?show_system_indices=true",
    );
    assert!(body.contains(">.kibana_1</a>"));
    let (status, body) = page(
        &s,
        &viewer,
        "/app/monitoring/elasticsearch/indices/logs-app",
    );
    assert_eq!(status, 200, "{body}");
    assert!(points_of(&body, "indexIndexingRate", "Primary Shards") >= 100);
    let (status, _) = page(&s, &viewer, "/app/monitoring/elasticsearch/indices/nope");
    assert_eq!(status, 404);

    // Beats.
    let (status, body) = page(&s, &viewer, "/app/monitoring/beats");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("data-test-subj=\"totalBeats\">1<"), "{body}");
    assert!(!body.contains("apm-1"), "APM Server excluded");
    assert!(points_of(&body, "beatsEventsRate", "Total") >= 100);
    assert!(
        body.contains("Total: ") && body.contains("latest 6 /s"),
        "60 events per 10 s"
    );
    assert!(body.contains(">shipper-1</a>"), "{body}");
    let (status, body) = page(
        &s,
        &viewer,
        &format!("/app/monitoring/beats/beat/{BEAT_UUID}"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("data-test-subj=\"output\">elasticsearch<"));
    assert!(points_of(&body, "beatsThroughput", "Bytes Sent") >= 100);

    // Beats without a cluster: the standalone pseudo-cluster.
    let (status, body) = page(
        &s,
        &viewer,
        "/app/monitoring/beats?cluster_uuid=__standalone_cluster__",
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(">standalone-1</a>") && !body.contains(">shipper-1</a>"),
        "{body}"
    );
    assert!(body.contains("data-test-subj=\"totalBeats\">1<"));

    // Data older than the range: widen it.
    let (status, body) = page(&s, &viewer, "/app/monitoring?from=now-5h&to=now-3h");
    assert_eq!(status, 200);
    assert!(body.contains("No data in this time range"), "{body}");
    assert!(body.contains(&cluster), "the cluster uuids seen");
    let (status, body) = page(&s, &viewer, "/app/monitoring?from=soon");
    assert_eq!(status, 400, "{body}");

    // The app privilege without read on .monitoring-*: the page says which role is missing.
    let (status, body) = page(&s, &format!("app_only:{PASSWORD}"), "/app/monitoring");
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("You cannot read the monitoring data"),
        "{body}"
    );
    assert!(body.contains("monitoring_user"));

    // Without the monitoring privilege: the permission page; and no nav link.
    let (status, body) = page(&s, &format!("admin_only:{PASSWORD}"), "/app/monitoring");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("You need permission to access Stack Monitoring"));
    assert!(!body.contains(">Stack Monitoring</a>"));
    let (_, body) = page(&s, &viewer, "/app/management/security/users");
    assert!(
        body.contains(">Stack Monitoring</a>"),
        "the viewer's header links it"
    );

    // The default rules, evaluated every minute: the yellow cluster and the last five
    // minutes' CPU fire; the firing is logged as Kibana's server-log action does.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let body = loop {
        let (_, body) = page(&s, &viewer, "/app/monitoring");
        if body.contains("data-rule=\"monitoring_alert_cluster_health\"") {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "no alert: {body}");
        std::thread::sleep(std::time::Duration::from_secs(2));
    };
    assert!(
        body.contains("Node node-1 is reporting cpu usage of 95.00% over the last 5 minutes."),
        "{body}"
    );
    assert!(
        !body.contains("monitoring_alert_jvm_memory_usage"),
        "heap is at 40%"
    );
    let out = s.console_output();
    assert!(
        out.contains("[monitoring_alert_cluster_health] Cluster health: Elasticsearch cluster health is yellow."),
        "{out}"
    );
    let (_, nodes) = page(&s, &viewer, "/app/monitoring/elasticsearch/nodes");
    assert!(
        nodes.contains("</td><td>1</td><td>Online</td>"),
        "one alert on the node: {nodes}"
    );
}

#[test]
fn console_stack_monitoring_in_chromium_shows_a_chart() {
    let Some(mut node) = crate::console::chromium_script("console_monitoring_browser.js") else {
        return;
    };
    // Screenshots go to `IRONSTACK_SCREENSHOTS` when set (for the README), else are dropped.
    let s = stack();
    node_user(&s, "mon_writer", &["remote_monitoring_agent"]);
    node_user(&s, "mon_viewer", &["monitoring_user", "kibana_admin"]);
    load_an_hour(&s);
    let o = node
        .env("CONSOLE_URL", s.url(""))
        .env("CONSOLE_CA", &s.console_ca)
        .env("MON_USER", "mon_viewer")
        .env("MON_PASSWORD", PASSWORD)
        .env(
            "SCREENSHOTS",
            std::env::var_os("IRONSTACK_SCREENSHOTS").map_or_else(
                || s.home.path().join("screenshots"),
                std::path::PathBuf::from,
            ),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.trim().ends_with("ok"),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
