//! `ironstack shipper` end to end against a secured node, following the guide: roles and users
//! for setup, writing and reading; `shipper setup` as `metricbeat_setup` loads the ILM policy,
//! template and data stream; `shipper -e` as `metricbeat_writer` (CA file,
//! `verification_mode: certificate`, its password in the shipper's keystore) ships system
//! documents into `metricbeat-<version>`, which `metricbeat_reader` reads; `test output`
//! prints each step, and names an unknown CA. Stack Monitoring: `modules enable
//! elasticsearch-xpack` polled as `remote_monitoring_user` fills `.monitoring-es-8-mb` with the
//! documents Stack Monitoring reads, and `monitoring.enabled` as `metricbeat_monitoring` fills
//! `.monitoring-beats-7-*` with `beats_stats` and `beats_state`.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TestNode, have_tool, ironstack, run_with_stdin, secured_node};

const VERSION: &str = "9.1.0";

/// `curl` as `user:password` against `node`, trusting its CA; (status, JSON body).
pub(crate) fn curl(
    node: &TestNode,
    method: &str,
    path: &str,
    auth: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    crate::support::curl_json(node.port, &node.ca(), method, path, auth, body)
}

fn create_guide_users(node: &TestNode, elastic: &str) {
    let roles = [
        (
            "metricbeat_setup",
            json!({"cluster": ["monitor", "manage_ilm"],
            "indices": [{"names": ["metricbeat-*"], "privileges": ["manage", "write"]}]}),
        ),
        (
            "metricbeat_writer",
            json!({"cluster": ["monitor", "read_ilm"],
            "indices": [{"names": ["metricbeat-*"], "privileges": ["create_doc", "create_index", "view_index_metadata"]}]}),
        ),
        (
            "metricbeat_reader",
            json!({"indices": [{"names": ["metricbeat-*"], "privileges": ["read"]}]}),
        ),
    ];
    for (name, body) in roles {
        let (s, b) = curl(
            node,
            "PUT",
            &format!("/_security/role/{name}"),
            elastic,
            Some(&body),
        );
        assert_eq!(s, 200, "{b}");
    }
    let users = [
        (
            "metricbeat_setup",
            json!(["metricbeat_setup", "kibana_admin", "ingest_admin"]),
        ),
        (
            "metricbeat_writer",
            json!([
                "metricbeat_writer",
                "remote_monitoring_collector",
                "remote_monitoring_agent"
            ]),
        ),
        (
            "metricbeat_reader",
            json!(["metricbeat_reader", "monitoring_user", "beats_admin"]),
        ),
    ];
    for (name, roles) in users {
        let body = json!({"password": format!("{name}-pw"), "roles": roles});
        let (s, b) = curl(
            node,
            "PUT",
            &format!("/_security/user/{name}"),
            elastic,
            Some(&body),
        );
        assert_eq!(s, 200, "{b}");
    }
}

fn write_config(dir: &Path, port: u16, ca: &Path, mode: &str) {
    let yml = format!(
        "output.elasticsearch:\n  hosts: [\"https://localhost:{port}\"]\n  password: \"${{ES_PWD}}\"\n  ssl:\n    certificate_authorities: [\"{}\"]\n    verification_mode: {mode}\nqueue.mem.flush.timeout: 1s\n",
        ca.display()
    );
    let f = dir.join("shipper.yml");
    std::fs::write(&f, yml).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn shipper(dir: &Path, user: &str) -> Command {
    let mut cmd = ironstack();
    cmd.current_dir(dir)
        .arg("shipper")
        .args(["-E", &format!("output.elasticsearch.username={user}")])
        .env("ES_PWD", format!("{user}-pw"));
    cmd
}

#[test]
fn setup_then_ship_system_metrics_as_the_guide_users() {
    if !have_tool("curl", "--version") {
        return;
    }
    let (home, node, password) = secured_node();
    let elastic = format!("elastic:{password}");
    create_guide_users(&node, &elastic);
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        node.port,
        &home.path().join("config/certs/http_ca.crt"),
        "certificate",
    );

    let o = shipper(dir.path(), "metricbeat_writer")
        .args(["test", "output"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for step in [
        "parse url... OK",
        "dns lookup... OK",
        "dial up... OK",
        "handshake... OK",
        "TLS version: TLSv1.",
        "verification_mode: certificate",
        "talk to server... OK",
        &format!("version: {VERSION}"),
    ] {
        assert!(out.contains(step), "missing [{step}] in:\n{out}");
    }

    let o = shipper(dir.path(), "metricbeat_setup")
        .args(["setup", "--index-management", "-e"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("Index setup finished."));
    let (s, ds) = curl(
        &node,
        "GET",
        &format!("/_data_stream/metricbeat-{VERSION}"),
        &elastic,
        None,
    );
    assert_eq!(s, 200, "{ds}");
    assert_eq!(ds["data_streams"][0]["ilm_policy"], "metricbeat", "{ds}");
    let (s, p) = curl(&node, "GET", "/_ilm/policy/metricbeat", &elastic, None);
    assert_eq!(s, 200, "{p}");

    // The writer's password goes to the shipper's keystore; the run has no ES_PWD variable.
    let o = shipper(dir.path(), "metricbeat_writer")
        .args(["keystore", "create"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut add = shipper(dir.path(), "metricbeat_writer");
    add.args(["keystore", "add", "ES_PWD", "--stdin"]);
    let o = run_with_stdin(add, "metricbeat_writer-pw\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = shipper(dir.path(), "metricbeat_writer")
        .args(["keystore", "list"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ES_PWD\n");

    let mut child = shipper(dir.path(), "metricbeat_writer")
        .env_remove("ES_PWD")
        .arg("-e")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let sink = log.clone();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let reader = "metricbeat_reader:metricbeat_reader-pw";
    let search =
        json!({"size": 0, "aggs": {"sets": {"terms": {"field": "metricset.name", "size": 20}}}});
    let wanted = [
        "cpu",
        "load",
        "memory",
        "network",
        "process_summary",
        "filesystem",
        "fsstat",
        "uptime",
        "socket_summary",
        "process",
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut found: Vec<String> = Vec::new();
    while Instant::now() < deadline {
        curl(&node, "POST", "/metricbeat-*/_refresh", &elastic, None);
        let (s, r) = curl(
            &node,
            "POST",
            "/metricbeat-*/_search",
            reader,
            Some(&search),
        );
        assert_eq!(s, 200, "{r}");
        found = r["aggregations"]["sets"]["buckets"]
            .as_array()
            .map(|b| {
                b.iter()
                    .filter_map(|x| x["key"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if wanted.iter().all(|w| found.iter().any(|f| f == w)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let log = log.lock().unwrap().clone();
    assert!(
        wanted.iter().all(|w| found.iter().any(|f| f == w)),
        "found {found:?}; shipper log:\n{log}"
    );
    assert!(status.success(), "{status}:\n{log}");
    assert!(
        log.contains(&format!(
            "Attempting to connect to Elasticsearch version {VERSION}"
        )),
        "{log}"
    );
    assert!(
        !log.contains("metricbeat_writer-pw"),
        "the password is never logged"
    );

    // One document as the reader sees it: ECS envelope and Metricbeat's units.
    let q = json!({"size": 1, "query": {"term": {"metricset.name": "cpu"}}});
    let (_, r) = curl(
        &node,
        "POST",
        &format!("/metricbeat-{VERSION}/_search"),
        reader,
        Some(&q),
    );
    let doc = &r["hits"]["hits"][0]["_source"];
    assert_eq!(doc["event"]["dataset"], "system.cpu", "{r}");
    assert_eq!(doc["metricset"]["period"], 10000);
    assert_eq!(doc["agent"]["type"], "metricbeat");
    assert_eq!(doc["agent"]["version"], VERSION);
    // Metricbeat's default cpu.metrics: shares up to the number of cores, plus host.cpu.usage.
    let cores = doc["system"]["cpu"]["cores"].as_f64().unwrap_or(0.0);
    assert!(
        doc["system"]["cpu"]["total"]["pct"]
            .as_f64()
            .is_some_and(|p| (0.0..=cores).contains(&p)),
        "{doc}"
    );
    assert!(
        doc["host"]["cpu"]["usage"]
            .as_f64()
            .is_some_and(|p| (0.0..=1.0).contains(&p)),
        "{doc}"
    );
    assert!(
        r["hits"]["hits"][0]["_index"]
            .as_str()
            .unwrap()
            .starts_with(&format!(".ds-metricbeat-{VERSION}-")),
        "{r}"
    );
}

#[test]
fn test_output_names_an_unknown_authority() {
    if !have_tool("openssl", "version") {
        return;
    }
    let (_home, node, _password) = secured_node();
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.crt");
    let o = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=Other CA",
            "-days",
            "2",
        ])
        .arg("-keyout")
        .arg(dir.path().join("other.key"))
        .arg("-out")
        .arg(&other)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    write_config(dir.path(), node.port, &other, "full");
    let o = shipper(dir.path(), "metricbeat_writer")
        .args(["test", "output"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("handshake... ERROR x509: certificate signed by unknown authority"),
        "{out}"
    );
}

#[test]
fn the_binary_dispatches_to_the_shipper_and_reports_errors_on_one_line() {
    let o = ironstack().arg("help").output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("shipper"));
    let dir = tempfile::tempdir().unwrap();
    let o = ironstack()
        .current_dir(dir.path())
        .args(["shipper", "version"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with(&format!("metricbeat version {VERSION}"))
    );
    let o = ironstack()
        .current_dir(dir.path())
        .args(["shipper", "test", "config"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(78));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("ERROR: cannot read config file [") && err.lines().count() == 1,
        "{err}"
    );
    let o = ironstack()
        .current_dir(dir.path())
        .args(["shipper", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(64));
    // A starting configuration, then a typo in it, named with its file.
    let o = ironstack()
        .current_dir(dir.path())
        .args(["shipper", "export", "config"])
        .output()
        .unwrap();
    let yml = String::from_utf8_lossy(&o.stdout).replace("hosts:", "hostz:");
    let f = dir.path().join("shipper.yml");
    std::fs::write(&f, yml).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = ironstack()
        .current_dir(dir.path())
        .args(["shipper", "test", "config"])
        .env("ES_PWD", "x")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown setting [output.elasticsearch.hostz]"),
        "{err}"
    );
}

/// Starts `shipper -e` against `host` in a new folder; the child and its stderr collector.
fn start_shipper(dir: &Path, host: &str, extra: &str) -> (std::process::Child, Arc<Mutex<String>>) {
    let f = dir.join("shipper.yml");
    std::fs::write(
        &f,
        format!(
            "output.elasticsearch.hosts: [\"{host}\"]\nqueue.mem.flush.timeout: 100ms\n{extra}"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    crate::support::spawn_collecting_stderr(ironstack().current_dir(dir).args(["shipper", "-e"]))
}

fn wait_for(log: &Arc<Mutex<String>>, needle: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if log.lock().unwrap().contains(needle) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn wait_exit(
    child: &mut std::process::Child,
    within: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

#[test]
fn sigterm_with_elasticsearch_down_exits_and_counts_what_was_lost() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::support::free_port();
    let (mut child, log) = start_shipper(dir.path(), &format!("http://127.0.0.1:{port}"), "");
    assert!(
        wait_for(&log, "Failed to connect"),
        "{}",
        log.lock().unwrap()
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = wait_exit(&mut child, Duration::from_secs(10)).expect("exits after SIGTERM");
    let log = log.lock().unwrap().clone();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("events could not be sent before exit"),
        "{log}"
    );
}

#[test]
fn a_second_signal_stops_a_flush_that_hangs() {
    let dir = tempfile::tempdir().unwrap();
    // Accepts connections (the kernel's backlog) but never answers: GET / hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("http://{}", silent.local_addr().unwrap());
    let (mut child, log) = start_shipper(dir.path(), &host, "output.elasticsearch.timeout: 60s\n");
    assert!(
        wait_for(&log, "shipper starting"),
        "{}",
        log.lock().unwrap()
    );
    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(
        wait_for(&log, "stopping: flushing"),
        "{}",
        log.lock().unwrap()
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "still flushing after the first signal"
    );
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = wait_exit(&mut child, Duration::from_secs(5)).expect("exits on the second signal");
    assert_eq!(status.code(), Some(130), "{}", log.lock().unwrap());
    drop(silent);
}

/// The guide's monitoring role and user for the shipper's own metrics.
fn create_monitoring_user(node: &TestNode, elastic: &str) {
    let role = json!({"indices": [{"names": [".monitoring-beats-*"],
                                   "privileges": ["create_index", "create_doc"]}]});
    let (s, b) = curl(
        node,
        "PUT",
        "/_security/role/metricbeat_monitoring",
        elastic,
        Some(&role),
    );
    assert_eq!(s, 200, "{b}");
    let user = json!({"password": "metricbeat_monitoring-pw",
                      "roles": ["metricbeat_monitoring", "kibana_admin", "monitoring_user"]});
    let (s, b) = curl(
        node,
        "PUT",
        "/_security/user/metricbeat_monitoring",
        elastic,
        Some(&user),
    );
    assert_eq!(s, 200, "{b}");
    let (s, b) = curl(
        node,
        "POST",
        "/_security/user/remote_monitoring_user/_password",
        elastic,
        Some(&json!({"password": "remote_monitoring_user-pw"})),
    );
    assert_eq!(s, 200, "{b}");
}

/// The distinct values of a top-level-path field in the newest 500 documents of an index
/// pattern, as `elastic` (read from `_source`: no mapping is assumed).
fn values_in(node: &TestNode, elastic: &str, pattern: &str, path: &str) -> Vec<String> {
    curl(
        node,
        "POST",
        &format!("/{pattern}/_refresh?expand_wildcards=all"),
        elastic,
        None,
    );
    let (_, r) = curl(
        node,
        "POST",
        &format!("/{pattern}/_search?expand_wildcards=all"),
        elastic,
        Some(&json!({"size": 500})),
    );
    let mut out: Vec<String> = r["hits"]["hits"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(|d| d["_source"].pointer(path).and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.dedup();
    out
}

#[test]
fn stack_monitoring_with_the_elasticsearch_xpack_module_and_self_monitoring() {
    if !have_tool("curl", "--version") {
        return;
    }
    let (home, node, password) = secured_node();
    let elastic = format!("elastic:{password}");
    create_guide_users(&node, &elastic);
    create_monitoring_user(&node, &elastic);
    let dir = tempfile::tempdir().unwrap();
    let ca = home.path().join("config/certs/http_ca.crt");
    write_config(dir.path(), node.port, &ca, "certificate");

    // `modules enable elasticsearch-xpack`, then the guide's module file.
    let o = shipper(dir.path(), "metricbeat_writer")
        .args(["modules", "disable", "system"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = shipper(dir.path(), "metricbeat_writer")
        .args(["modules", "enable", "elasticsearch-xpack"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "Enabled elasticsearch-xpack\n"
    );
    let module = dir.path().join("modules.d/elasticsearch-xpack.yml");
    std::fs::write(
        &module,
        format!(
            "- module: elasticsearch\n  xpack.enabled: true\n  period: 2s\n  hosts: [\"https://localhost:{}\"]\n  username: \"remote_monitoring_user\"\n  password: \"remote_monitoring_user-pw\"\n  ssl:\n    enabled: true\n    certificate_authorities: [\"{}\"]\n    verification_mode: \"certificate\"\n",
            node.port,
            ca.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&module, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = shipper(dir.path(), "metricbeat_writer")
        .args(["test", "modules", "elasticsearch", "node_stats"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let first: Value = serde_json::from_str(out.lines().next().unwrap_or("")).unwrap();
    assert_eq!(first["metricset"]["name"], "node_stats", "{out}");
    assert!(
        first["elasticsearch"]["node"]["stats"]["jvm"].is_object(),
        "{out}"
    );

    let mut child = shipper(dir.path(), "metricbeat_writer")
        .args([
            "-e",
            "-E",
            "monitoring.enabled=true",
            "-E",
            "monitoring.elasticsearch.username=metricbeat_monitoring",
            "-E",
            "monitoring.elasticsearch.password=metricbeat_monitoring-pw",
            "-E",
            "monitoring.elasticsearch.metrics.period=1s",
            "-E",
            "monitoring.elasticsearch.state.period=2s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let sink = log.clone();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let wanted = [
        "node_stats",
        "cluster_stats",
        "index",
        "index_summary",
        "shard",
    ];
    let beats = ["beats_stats", "beats_state"];
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut es_sets, mut beat_types) = (Vec::new(), Vec::new());
    while Instant::now() < deadline {
        es_sets = values_in(&node, &elastic, ".monitoring-es-8-mb", "/metricset/name");
        beat_types = values_in(&node, &elastic, ".monitoring-beats-7-*", "/type");
        if wanted.iter().all(|w| es_sets.iter().any(|f| f == w))
            && beats.iter().all(|w| beat_types.iter().any(|f| f == w))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let log = log.lock().unwrap().clone();
    assert!(
        wanted.iter().all(|w| es_sets.iter().any(|f| f == w)),
        "found {es_sets:?}; shipper log:\n{log}"
    );
    assert!(
        beats.iter().all(|w| beat_types.iter().any(|f| f == w)),
        "found {beat_types:?}; shipper log:\n{log}"
    );
    assert!(status.success(), "{status}:\n{log}");
    // Every metricset fetched cleanly (CCR and ML skipped quietly under the basic licence)
    // and nothing was refused: the guide's users have exactly the privileges needed.
    for bad in ["error fetching", "Cannot index event", "dropping"] {
        assert!(!log.contains(bad), "[{bad}] in the log:\n{log}");
    }
    assert!(
        log.contains("Successfully connected to X-Pack Monitoring endpoint."),
        "{log}"
    );
    for secret in [
        "remote_monitoring_user-pw",
        "metricbeat_monitoring-pw",
        "metricbeat_writer-pw",
    ] {
        assert!(!log.contains(secret), "a password is logged:\n{log}");
    }

    // The guide's reader (monitoring_user) sees the monitoring data.
    let reader = "metricbeat_reader:metricbeat_reader-pw";
    let seen = values_in(&node, reader, ".monitoring-es-8-mb", "/metricset/name");
    assert!(seen.iter().any(|s| s == "node_stats"), "{seen:?}");

    // The fields Stack Monitoring reads.
    let newest = |metricset: &str| -> Value {
        let q = json!({"size": 1, "sort": [{"@timestamp": "desc"}],
                       "query": {"term": {"metricset.name": metricset}}});
        let (_, r) = curl(
            &node,
            "POST",
            "/.monitoring-es-8-mb/_search?expand_wildcards=all",
            &elastic,
            Some(&q),
        );
        r["hits"]["hits"][0]["_source"].clone()
    };
    let (_, root) = curl(&node, "GET", "/", &elastic, None);
    let uuid = root["cluster_uuid"].as_str().unwrap().to_string();
    let ns = newest("node_stats");
    assert_eq!(ns["elasticsearch"]["cluster"]["id"], uuid.as_str(), "{ns}");
    assert_eq!(ns["event"]["dataset"], "elasticsearch.node.stats", "{ns}");
    assert_eq!(ns["metricset"]["period"], 2000, "{ns}");
    assert_eq!(ns["elasticsearch"]["node"]["master"], true, "{ns}");
    assert!(
        ns["elasticsearch"]["node"]["stats"]["jvm"]["mem"]["heap"]["used"]["bytes"].is_u64(),
        "{ns}"
    );
    assert!(
        ns["elasticsearch"]["node"]["stats"]["indices"]["docs"]["count"].is_u64(),
        "{ns}"
    );
    let cs = newest("cluster_stats");
    assert!(
        cs["elasticsearch"]["cluster"]["stats"]["status"].is_string(),
        "{cs}"
    );
    assert!(
        cs["elasticsearch"]["cluster"]["stats"]["license"]["type"].is_string(),
        "{cs}"
    );
    assert!(
        cs["elasticsearch"]["cluster"]["stats"]["state"]["nodes_hash"].is_i64(),
        "{cs}"
    );
    let summary = newest("index_summary");
    assert!(
        summary["elasticsearch"]["index"]["summary"]["total"]["docs"]["count"].is_u64(),
        "{summary}"
    );
    let shard = newest("shard");
    assert!(
        shard["elasticsearch"]["shard"]["state"].is_string(),
        "{shard}"
    );
    assert!(
        shard["elasticsearch"]["index"]["name"].is_string(),
        "{shard}"
    );
    let index = newest("index");
    assert!(
        index["elasticsearch"]["index"]["status"].is_string(),
        "{index}"
    );

    let q = json!({"size": 1, "sort": [{"timestamp": "desc"}],
                   "query": {"term": {"type": "beats_stats"}}});
    let (_, r) = curl(
        &node,
        "POST",
        "/.monitoring-beats-7-*/_search?expand_wildcards=all",
        &elastic,
        Some(&q),
    );
    let bs = &r["hits"]["hits"][0]["_source"];
    assert_eq!(bs["cluster_uuid"], uuid.as_str(), "{bs}");
    let m = &bs["beats_stats"]["metrics"];
    assert!(
        m["libbeat"]["output"]["events"]["acked"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "{bs}"
    );
    assert!(
        m["libbeat"]["pipeline"]["events"]["total"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "{bs}"
    );
    assert!(
        m["beat"]["memstats"]["rss"].as_u64().unwrap_or(0) > 0,
        "{bs}"
    );
    assert!(
        m["metricbeat"]["elasticsearch"]["node_stats"]["success"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "{bs}"
    );
}
