//! The guide "Set up HTTP TLS", end to end on one machine, with the guide's own file names,
//! settings and users: `certutil ca` + the `certutil http` wizard's bundle → a node serving
//! `http.p12` with its password in the keystore → the guide's four roles and users and the
//! built-in users' passwords set with `reset-password` → the shipper (`shipper.yml` as the
//! guide writes `metricbeat.yml`, `elasticsearch-ca.pem`, `verification_mode: certificate`,
//! the `elasticsearch-xpack` module as `remote_monitoring_user`, self-monitoring as
//! `metricbeat_monitoring`) → `setup -e` as `metricbeat_setup` → `shipper -e` as
//! `metricbeat_writer` → system, `.monitoring-es-8-mb` and `.monitoring-beats-*` documents,
//! the system ones readable by `metricbeat_reader`, and the writer refused anything more; the
//! console configured as the guide configures Kibana (the node's CA, `kibana_system` with its
//! password in the console's keystore, HTTPS), named in `setup.kibana`, showing the node and
//! the shipper in Stack Monitoring to the guide's monitoring user.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TestNode, have_tool, interop_required, ironstack, run_with_stdin};

const CA_PASS: &str = "ca-password";
const HTTP_PASS: &str = "http-password";
const ELASTIC_PW: &str = "elastic-bootstrap-pw";

fn ok(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// The `certutil http` answers of the guide's path: an existing CA, 90 days, one node
/// reachable as localhost / 127.0.0.1, a password on `http.p12`.
fn http_wizard_answers(ca: &Path) -> String {
    [
        "n",
        "y",
        &ca.display().to_string(),
        CA_PASS,
        "90D",
        "y",
        "node-1",
        "node-1.example.com",
        "localhost",
        "",
        "y",
        "127.0.0.1",
        "",
        "y",
        "n",
        "n",
        HTTP_PASS,
        HTTP_PASS,
        "",
    ]
    .join("\n")
        + "\n"
}

/// `curl` as `user:password` against the node, trusting `ca`; (status, JSON body).
fn curl(
    port: u16,
    ca: &Path,
    auth: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    crate::support::curl_json(port, ca, method, path, auth, body)
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn the_guide_end_to_end_with_certutil_http_the_node_and_the_shipper() {
    let have = have_tool("curl", "--version") && have_tool("unzip", "-v");
    assert!(have || !interop_required(), "curl and unzip are required");
    if !have {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let config = h.join("config");
    std::fs::create_dir_all(&config).unwrap();

    // 1. A CA once per cluster, then the HTTP wizard's bundle.
    ok(
        &ironstack()
            .current_dir(h)
            .args([
                "certutil",
                "ca",
                "--out",
                "elastic-stack-ca.p12",
                "--pass",
                CA_PASS,
            ])
            .output()
            .unwrap(),
        "certutil ca",
    );
    let mut wizard = ironstack();
    wizard.current_dir(h).args(["certutil", "http"]);
    ok(
        &run_with_stdin(
            wizard,
            &http_wizard_answers(&h.join("elastic-stack-ca.p12")),
        ),
        "certutil http",
    );
    ok(
        &Command::new("unzip")
            .current_dir(h)
            .args(["-q", "-o", "elasticsearch-ssl-http.zip"])
            .output()
            .unwrap(),
        "unzip",
    );
    let ca_pem = h.join("kibana/elasticsearch-ca.pem");
    assert!(ca_pem.is_file());

    // 2. The node: http.p12, its password in the keystore (and elastic's bootstrap password).
    std::fs::copy(h.join("elasticsearch/http.p12"), config.join("http.p12")).unwrap();
    write_private(
        &config.join("ironstack.yml"),
        "xpack.security.enabled: true\nxpack.security.http.ssl.enabled: true\nxpack.security.http.ssl.keystore.path: http.p12\n",
    );
    ok(
        &run_with_stdin(
            {
                let mut c = ironstack();
                c.current_dir(h).args(["keystore", "create"]);
                c
            },
            "",
        ),
        "keystore create",
    );
    for (key, value) in [
        (
            "xpack.security.http.ssl.keystore.secure_password",
            HTTP_PASS,
        ),
        ("bootstrap.password", ELASTIC_PW),
    ] {
        let mut c = ironstack();
        c.current_dir(h).args(["keystore", "add", "--stdin", key]);
        ok(&run_with_stdin(c, &format!("{value}\n")), "keystore add");
    }
    let node = TestNode::start(h, &[]);
    let port = node.port;
    let elastic = format!("elastic:{ELASTIC_PW}");
    let (status, main) = curl(port, &ca_pem, &elastic, "GET", "/", None);
    assert_eq!(status, 200, "{main}\n{}", node.output());
    assert_eq!(main["version"]["number"], "9.1.0");

    // 3. Built-in users' passwords with reset-password, over the node's own trust.
    let mut passwords = std::collections::HashMap::new();
    for user in ["remote_monitoring_user", "kibana_system"] {
        let mut c = ironstack();
        c.current_dir(h)
            .args(["reset-password", "-u", user, "-b", "-s", "--url"])
            .arg(format!("https://localhost:{port}"))
            .stdin(Stdio::null());
        let out = ok(&run_with_stdin(c, ""), "reset-password");
        passwords.insert(user, out.trim().to_string());
    }

    // 4. The guide's four roles and users.
    let roles = [
        (
            "metricbeat_setup",
            json!({"cluster": ["monitor", "manage_ilm"], "indices": [{"names": ["metricbeat-*"], "privileges": ["manage", "write"]}]}),
        ),
        (
            "metricbeat_monitoring",
            json!({"cluster": ["monitor"], "indices": [{"names": [".monitoring-beats-*"], "privileges": ["create_index", "create_doc"]}]}),
        ),
        (
            "metricbeat_writer",
            json!({"cluster": ["monitor", "read_ilm"], "indices": [{"names": ["metricbeat-*"], "privileges": ["create_doc", "create_index", "view_index_metadata"]}]}),
        ),
        (
            "metricbeat_reader",
            json!({"indices": [{"names": ["metricbeat-*"], "privileges": ["read"]}]}),
        ),
    ];
    for (name, body) in &roles {
        let (s, b) = curl(
            port,
            &ca_pem,
            &elastic,
            "PUT",
            &format!("/_security/role/{name}"),
            Some(body),
        );
        assert_eq!(s, 200, "{b}");
    }
    for (user, user_roles) in [
        (
            "metricbeat_setup",
            json!(["metricbeat_setup", "kibana_admin", "ingest_admin"]),
        ),
        (
            "metricbeat_monitoring",
            json!(["metricbeat_monitoring", "kibana_admin", "monitoring_user"]),
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
            json!(["metricbeat_reader", "monitoring_user"]),
        ),
    ] {
        let body = json!({"password": format!("{user}-pw"), "roles": user_roles});
        let (s, b) = curl(
            port,
            &ca_pem,
            &elastic,
            "PUT",
            &format!("/_security/user/{user}"),
            Some(&body),
        );
        assert_eq!(s, 200, "{b}");
    }

    // The console, as the guide configures Kibana: the node's CA, kibana_system with its
    // password in the console's keystore, HTTPS with a certificate from the same CA.
    ok(
        &ironstack()
            .current_dir(h)
            .args([
                "certutil",
                "cert",
                "--ca",
                "elastic-stack-ca.p12",
                "--ca-pass",
                CA_PASS,
                "--pem",
                "--name",
                "console",
                "--dns",
                "localhost",
                "--ip",
                "127.0.0.1",
                "--out",
                "console.zip",
            ])
            .output()
            .unwrap(),
        "certutil cert",
    );
    ok(
        &Command::new("unzip")
            .current_dir(h)
            .args(["-q", "-o", "console.zip"])
            .output()
            .unwrap(),
        "unzip console",
    );
    std::fs::copy(&ca_pem, config.join("elasticsearch-ca.pem")).unwrap();
    let console_yml = config.join("console.yml");
    let console_port = crate::support::free_port();
    write_private(
        &console_yml,
        &format!(
            "server.host: localhost\nserver.port: {console_port}\nserver.ssl.enabled: true\nserver.ssl.certificate: {}\nserver.ssl.key: {}\n\
elasticsearch.hosts: [\"https://localhost:{port}\"]\nelasticsearch.ssl.certificateAuthorities: [\"{}\"]\nelasticsearch.username: kibana_system\n\
xpack.security.encryptionKey: \"a-guide-encryption-key-of-32-characters-or-more\"\n",
            h.join("console/console.crt").display(),
            h.join("console/console.key").display(),
            config.join("elasticsearch-ca.pem").display()
        ),
    );
    for (args, stdin) in [
        (vec!["keystore", "create"], String::new()),
        (
            vec!["keystore", "add", "elasticsearch.password", "--stdin"],
            format!("{}\n", passwords["kibana_system"]),
        ),
    ] {
        let mut c = ironstack();
        c.current_dir(h)
            .arg("console")
            .args(&args)
            .arg("-c")
            .arg(&console_yml);
        ok(&run_with_stdin(c, &stdin), "console keystore");
    }
    let console = crate::console::TestConsole::start(h, &console_yml, &[]);
    assert!(
        console.wait_for("Kibana is now available", Duration::from_secs(30)),
        "{}",
        console.output()
    );

    // 5. The shipper, configured as the guide configures Metricbeat.
    let shipper = h.join("shipper");
    std::fs::create_dir_all(&shipper).unwrap();
    std::fs::copy(&ca_pem, shipper.join("elasticsearch-ca.pem")).unwrap();
    write_private(
        &shipper.join("shipper.yml"),
        &format!(
            "output.elasticsearch:\n  hosts: [\"localhost:{port}\"]\n  protocol: \"https\"\n  username: \"metricbeat_writer\"\n  password: \"${{WRITER_PW}}\"\n  ssl:\n    certificate_authorities: [\"elasticsearch-ca.pem\"]\n    verification_mode: \"certificate\"\n\
setup.kibana:\n  host: \"https://localhost:{console_port}\"\n  ssl.enabled: true\n  ssl.certificate_authorities: [\"elasticsearch-ca.pem\"]\n  username: \"metricbeat_setup\"\n  password: \"metricbeat_setup-pw\"\n\
queue.mem.flush.timeout: 1s\n\
monitoring:\n  enabled: true\n  elasticsearch:\n    username: metricbeat_monitoring\n    password: metricbeat_monitoring-pw\n\
metricbeat.modules:\n  - module: system\n    metricsets: [cpu, load, memory]\n    period: 2s\n"
        ),
    );
    let shipper_cmd = |args: &[&str]| {
        let mut c = ironstack();
        c.current_dir(&shipper)
            .arg("shipper")
            .args(args)
            .env("WRITER_PW", "metricbeat_writer-pw");
        c
    };
    ok(
        &shipper_cmd(&["modules", "enable", "elasticsearch-xpack"])
            .output()
            .unwrap(),
        "modules enable",
    );
    write_private(
        &shipper.join("modules.d/elasticsearch-xpack.yml"),
        &format!(
            "- module: elasticsearch\n  xpack.enabled: true\n  period: 10s\n  hosts: [\"https://localhost:{port}\"]\n  username: \"remote_monitoring_user\"\n  password: \"{}\"\n  ssl:\n    enabled: true\n    certificate_authorities: [\"elasticsearch-ca.pem\"]\n    verification_mode: \"certificate\"\n",
            passwords["remote_monitoring_user"]
        ),
    );
    let tested = ok(
        &shipper_cmd(&["test", "output"]).output().unwrap(),
        "test output",
    );
    assert!(
        tested.contains("talk to server... OK") || tested.contains("OK"),
        "{tested}"
    );
    let set_up = ok(
        &shipper_cmd(&[
            "setup",
            "-e",
            "-E",
            "output.elasticsearch.username=metricbeat_setup",
            "-E",
            "output.elasticsearch.password=metricbeat_setup-pw",
        ])
        .output()
        .unwrap(),
        "setup",
    );
    assert!(set_up.contains("Index setup finished."), "{set_up}");
    assert!(
        set_up.contains(&format!(
            "the console 9.1.0 at https://localhost:{console_port} (available)"
        )),
        "{set_up}"
    );
    let mut run = shipper_cmd(&["-e"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // 6. Documents arrive: system metrics, the node's monitoring, the shipper's own.
    let count = |auth: &str, index: &str, query: Value| {
        curl(
            port,
            &ca_pem,
            auth,
            "POST",
            &format!("/{index}/_count"),
            Some(&json!({"query": query})),
        )
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    let wanted = |n: &(u16, Value)| n.0 == 200 && n.1["count"].as_u64().unwrap_or(0) > 0;
    let (mut system, mut es, mut beats);
    loop {
        system = count(
            &elastic,
            "metricbeat-*",
            json!({"term": {"metricset.name": "cpu"}}),
        );
        es = count(
            &elastic,
            ".monitoring-es-8-mb",
            json!({"term": {"metricset.name": "node_stats"}}),
        );
        beats = count(&elastic, ".monitoring-beats-*", json!({"match_all": {}}));
        // Rates need samples in several buckets (the last, partial one is left out): wait for
        // four index summaries (every 10 s, as the guide's module period) and four beats_stats,
        // so that Stack Monitoring's charts have lines.
        let summaries = count(
            &elastic,
            ".monitoring-es-8-mb",
            json!({"term": {"metricset.name": "index_summary"}}),
        );
        let stats = count(
            &elastic,
            ".monitoring-beats-*",
            json!({"term": {"type": "beats_stats"}}),
        );
        let enough = |n: &(u16, Value), k: u64| n.1["count"].as_u64().unwrap_or(0) >= k;
        if (wanted(&system) && wanted(&es) && enough(&summaries, 4) && enough(&stats, 4))
            || Instant::now() > deadline
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(run.id().to_string())
        .status();
    let exited = run.wait().unwrap();
    let mut log = String::new();
    if let Some(mut e) = run.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut log);
    }
    assert!(wanted(&system), "{system:?}\n{log}");
    assert!(wanted(&es), "{es:?}\n{log}");
    assert!(wanted(&beats), "{beats:?}\n{log}");
    assert!(exited.success(), "{exited}\n{log}");
    for secret in [
        "metricbeat_writer-pw",
        "metricbeat_monitoring-pw",
        HTTP_PASS,
    ] {
        assert!(!log.contains(secret), "a secret in the log");
    }

    // 7. The reader reads the system metrics; the writer may do no more than write them.
    let reader = "metricbeat_reader:metricbeat_reader-pw";
    let (s, hits) = curl(
        port,
        &ca_pem,
        reader,
        "GET",
        "/metricbeat-*/_search?size=1",
        None,
    );
    assert_eq!(s, 200, "{hits}");
    assert!(
        hits["hits"]["hits"][0]["_source"]["metricset"]["name"].is_string(),
        "{hits}"
    );
    let writer = "metricbeat_writer:metricbeat_writer-pw";
    // A wildcard search resolves to the indices one may read: none, so no hits (as in
    // Elasticsearch, not a 403); naming a backing index is a 403.
    let (s, found) = curl(port, &ca_pem, writer, "GET", "/metricbeat-*/_search", None);
    assert_eq!(
        (s, found["hits"]["total"]["value"].as_u64()),
        (200, Some(0)),
        "{found}"
    );
    let (s, _) = curl(port, &ca_pem, writer, "DELETE", "/metricbeat-9.1.0", None);
    assert_eq!(s, 403, "the writer does not delete data streams");
    let (s, _) = curl(port, &ca_pem, writer, "GET", "/_security/user", None);
    assert_eq!(s, 403, "the writer does not read users");

    // 8. Stack Monitoring in the console shows the node and the shipper, as the guide's
    //    monitoring user (kibana_admin + monitoring_user) sees it.
    let page = |path: &str| {
        let o = Command::new("curl")
            .args(["-sS", "--max-time", "20", "--cacert"])
            .arg(&ca_pem)
            .args(["-u", "metricbeat_monitoring:metricbeat_monitoring-pw"])
            .arg(format!("https://localhost:{console_port}{path}"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    // A short range, so that the 10 s samples fall in 10 s buckets.
    let overview = page("/app/monitoring?from=now-3m&to=now");
    assert!(
        overview.contains("data-test-subj=\"esVersion\">9.1.0<"),
        "{overview}"
    );
    assert!(
        overview.contains("data-test-subj=\"nodesCount\">1<"),
        "{overview}"
    );
    // The charts have lines drawn from what the shipper sent.
    let points = |body: &str, chart: &str| -> u64 {
        let desc = body
            .split(&format!("id=\"{chart}-desc\">"))
            .nth(1)
            .unwrap_or_else(|| panic!("no chart {chart}"));
        desc.split(": ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    assert!(points(&overview, "searchRate") >= 1, "{overview}");
    assert!(points(&overview, "indexingRate") >= 1, "{overview}");
    let beats = page("/app/monitoring/beats?from=now-3m&to=now");
    assert!(points(&beats, "beatsEventsRate") >= 1, "{beats}");
    assert!(
        beats.contains("data-test-subj=\"totalBeats\">1<"),
        "{beats}"
    );
    assert!(
        beats.contains("<td>metricbeat</td><td>elasticsearch</td>"),
        "{beats}"
    );

    // The same in real Chromium, then logging out ends the session.
    if let Some(mut node_script) = crate::console::chromium_script("guide_monitoring_browser.js") {
        let o = node_script
            .env("CONSOLE_URL", format!("https://localhost:{console_port}"))
            .env("CONSOLE_CERT", h.join("console/console.crt"))
            .env("MON_USER", "metricbeat_monitoring")
            .env("MON_PASSWORD", "metricbeat_monitoring-pw")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && stdout.trim().ends_with("ok"),
            "{stdout}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    drop(console);
    drop(node);
}
