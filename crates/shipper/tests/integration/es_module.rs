//! The `elasticsearch` module against a fake node answering the APIs it polls with 8.x
//! shapes: what each metricset requests and sends, the master-only rule, the product-origin
//! header and credentials, failures as error events, and a basic licence skipping CCR and ML.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use ironstack_shipper::elasticsearch::{EsMetricSet, Fetched, Fetcher, MONITORING_INDEX, outcome};
use ironstack_shipper::event::AgentInfo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Requests seen: path with query, and the headers that matter.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) path: String,
    pub(crate) body: String,
    pub(crate) origin: Option<String>,
    pub(crate) authorization: Option<String>,
}

pub(crate) struct FakeEs {
    pub(crate) addr: SocketAddr,
    pub(crate) seen: Arc<Mutex<Vec<Seen>>>,
}

pub(crate) type Routes = Arc<dyn Fn(&str) -> (u16, Value) + Send + Sync>;

pub(crate) async fn start(routes: Routes) -> FakeEs {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let routes = routes.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let routes = routes.clone();
                    let log = log.clone();
                    async move {
                        let path = req
                            .uri()
                            .path_and_query()
                            .map(|p| p.to_string())
                            .unwrap_or_default();
                        let header = |n: &str| {
                            req.headers()
                                .get(n)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_string)
                        };
                        let origin = header("x-elastic-product-origin");
                        let authorization = header("authorization");
                        let body = http_body_util::BodyExt::collect(req.into_body())
                            .await
                            .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
                            .unwrap_or_default();
                        log.lock().unwrap().push(Seen {
                            path: path.clone(),
                            body,
                            origin,
                            authorization,
                        });
                        let (status, body) = routes(&path);
                        Ok::<_, std::convert::Infallible>(
                            Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(body.to_string())))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    FakeEs { addr, seen }
}

/// An 8.x single-node cluster whose local node is `local` and whose master is `master`.
fn cluster(
    local: &'static str,
    master: &'static str,
    failing: Option<(&'static str, u16)>,
) -> Routes {
    Arc::new(move |path: &str| {
        if let Some((prefix, status)) = failing
            && path.starts_with(prefix)
        {
            return (
                status,
                json!({"error": {"type": "exception", "reason": "boom"}, "status": status}),
            );
        }
        let p = path.split('?').next().unwrap_or("");
        let state = json!({
            "cluster_name": "prod", "cluster_uuid": "UUID-1", "version": 7, "state_uuid": "ST-1",
            "master_node": master,
            "nodes": {local: {"name": "node-1", "ephemeral_id": "e1", "transport_address": "127.0.0.1:9300"}},
            "routing_table": {"indices": {"logs": {"shards": {"0": [
                {"state": "STARTED", "primary": true, "node": local, "relocating_node": null, "shard": 0, "index": "logs"}]}}}}
        });
        let ok = |v: Value| (200, v);
        match p {
            "/" => ok(
                json!({"name": "node-1", "cluster_name": "prod", "cluster_uuid": "UUID-1",
                             "version": {"number": "8.17.0"}}),
            ),
            "/_nodes/_local/nodes" | "/_nodes/_local" => {
                ok(json!({"nodes": {local: {"name": "node-1"}}}))
            }
            "/_cluster/state/master_node" => {
                ok(json!({"cluster_name": "prod", "master_node": master}))
            }
            "/_nodes/_master" => ok(json!({"nodes": {master: {"name": "m"}}})),
            _ if p.starts_with("/_nodes/_local/stats/") || p.starts_with("/_nodes/_all/stats/") => {
                ok(
                    json!({"nodes": {local: {"name": "node-1", "transport_address": "127.0.0.1:9300",
                    "jvm": {"mem": {"heap_used_in_bytes": 10, "heap_max_in_bytes": 100, "heap_used_percent": 10}},
                    "indices": {"docs": {"count": 5, "deleted": 0}}}}}),
                )
            }
            _ if p == format!("/_nodes/{local}") => {
                ok(json!({"nodes": {local: {"process": {"mlockall": false}}}}))
            }
            "/_cluster/stats" => ok(
                json!({"status": "green", "nodes": {"count": {"total": 1, "master": 1}},
                                           "indices": {"count": 1, "docs": {"count": 5}}}),
            ),
            "/_license" => {
                ok(json!({"license": {"status": "active", "type": "basic", "uid": "l"}}))
            }
            "/_xpack" => ok(json!({"features": {"ccr": {"available": false, "enabled": true}}})),
            "/_xpack/usage" => ok(json!({"security": {"enabled": true}})),
            "/_cluster/settings" => ok(json!({})),
            "/_cluster/state/version,master_node,nodes,routing_table"
            | "/_cluster/state/version,nodes,master_node,routing_table"
            | "/_cluster/state/routing_table" => ok(state),
            "/*/_settings" => ok(json!({"logs": {"settings": {"index": {"hidden": "false"}}}})),
            "/_stats" => ok(
                json!({"_all": {"primaries": {"docs": {"count": 5}}, "total": {"docs": {"count": 5}}}}),
            ),
            _ if p.starts_with("/_stats/") => {
                ok(json!({"indices": {"logs": {"primaries": {"docs": {"count": 5}}, "total": {}}}}))
            }
            "/_recovery" => ok(json!({})),
            "/_enrich/_stats" => ok(json!({"executing_policies": [], "coordinator_stats": []})),
            // Elasticsearch under a basic licence.
            "/_ml/anomaly_detectors/_all/_stats" => (
                403,
                json!({"error": {"type": "security_exception",
                "reason": "current license is non-compliant for [ml]"}, "status": 403}),
            ),
            "/_ccr/stats" => panic!("CCR must not be polled under a basic licence"),
            _ => (
                404,
                json!({"error": {"type": "unknown", "reason": format!("no route {p}")}, "status": 404}),
            ),
        }
    })
}

fn module(addr: SocketAddr, extra: &str) -> Arc<ironstack_shipper::elasticsearch::EsModule> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("shipper.yml");
    std::fs::write(
        &f,
        format!(
            "output.elasticsearch.hosts: [\"http://127.0.0.1:1\"]\nmetricbeat.modules:\n- module: elasticsearch\n  xpack.enabled: true\n  hosts: [\"http://{addr}\"]\n  username: remote_monitoring_user\n  password: changeme\n{extra}"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    let loaded = ironstack_shipper::config::load(
        &ironstack_shipper::config::Overrides {
            strict_perms: true,
            ..Default::default()
        },
        &HashMap::new(),
        dir.path(),
    )
    .unwrap();
    let config = ironstack_shipper::config::ShipperConfig::from_loaded(&loaded).unwrap();
    let blocks = ironstack_shipper::modules::load_blocks(
        &dir.path().join("none/*.yml"),
        &config.inline_modules,
        true,
        dir.path(),
    )
    .unwrap();
    blocks[0].elasticsearch.clone().unwrap()
}

async fn fetch_all(
    es: &Arc<ironstack_shipper::elasticsearch::EsModule>,
) -> HashMap<&'static str, Fetched> {
    let mut out = HashMap::new();
    for mut f in Fetcher::for_module(es, &EsMetricSet::XPACK).unwrap() {
        let name = f.metricset().name();
        out.insert(name, f.fetch().await);
    }
    out
}

fn docs(f: &Fetched) -> &Vec<Value> {
    match f {
        Fetched::Documents(d) => d,
        other => panic!("expected documents, got {other:?}"),
    }
}

#[tokio::test]
async fn the_master_sends_every_metricset_and_basic_licence_features_are_skipped() {
    let es = start(cluster("n1", "n1", None)).await;
    let m = module(es.addr, "");
    let got = fetch_all(&m).await;
    assert_eq!(docs(&got["node_stats"]).len(), 1);
    assert_eq!(
        docs(&got["node_stats"])[0]["elasticsearch"]["node"]["master"],
        true
    );
    assert_eq!(docs(&got["cluster_stats"]).len(), 1);
    assert_eq!(docs(&got["index"]).len(), 1);
    assert_eq!(docs(&got["index_summary"]).len(), 1);
    assert_eq!(docs(&got["shard"]).len(), 1);
    assert!(docs(&got["index_recovery"]).is_empty());
    assert!(docs(&got["enrich"]).is_empty());
    assert!(
        matches!(&got["ccr"], Fetched::Skipped(r) if r.contains("basic license")),
        "{:?}",
        got["ccr"]
    );
    assert!(
        matches!(&got["ml_job"], Fetched::Skipped(r) if r.contains("403")),
        "{:?}",
        got["ml_job"]
    );
    let seen = es.seen.lock().unwrap().clone();
    assert!(
        seen.iter().all(|s| s.origin.as_deref() == Some("beats")),
        "{seen:?}"
    );
    assert!(
        seen.iter().all(|s| s
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))),
        "every request as remote_monitoring_user"
    );
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert!(paths.contains(&"/_recovery?active_only=true"), "{paths:?}");
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/_nodes/_local/stats/jvm,indices,fs,os,process")),
        "{paths:?}"
    );
    assert!(
        paths.contains(
            &"/_cluster/settings?include_defaults=true&filter_path=*.cluster.metadata.display_name"
        ),
        "{paths:?}"
    );

    // The envelope: the monitoring index, the §5.3 common fields.
    let agent = AgentInfo {
        name: "web-1".into(),
        id: "a".into(),
        ephemeral_id: "e".into(),
        host: json!({"hostname": "web-1"}),
    };
    let mut f = Fetcher::for_module(&m, &[EsMetricSet::ClusterStats])
        .unwrap()
        .remove(0);
    let fetched = f.fetch().await;
    let o = outcome(
        EsMetricSet::ClusterStats,
        f.address(),
        &agent,
        10_000,
        jiff::Timestamp::now(),
        5,
        fetched,
    );
    assert!(o.error.is_none());
    let d = &o.documents[0];
    assert_eq!(d["@metadata"]["index"], MONITORING_INDEX);
    assert_eq!(
        d["metricset"],
        json!({"name": "cluster_stats", "period": 10_000})
    );
    assert_eq!(d["event"]["dataset"], "elasticsearch.cluster.stats");
    assert_eq!(d["event"]["module"], "elasticsearch");
    assert_eq!(d["service"]["name"], "elasticsearch");
    assert_eq!(d["service"]["type"], "elasticsearch");
    assert_eq!(d["service"]["address"], format!("http://{}", es.addr));
    assert_eq!(d["elasticsearch"]["cluster"]["id"], "UUID-1");
    assert_eq!(d["host"]["name"], "web-1");
    assert_eq!(d["agent"]["type"], "metricbeat");
    assert!(d["ecs"]["version"].is_string());
    assert!(d.get("type").is_none(), "no legacy type field");
}

#[tokio::test]
async fn only_the_master_sends_cluster_level_metricsets_under_scope_node() {
    let es = start(cluster("n2", "n1", None)).await;
    let got = fetch_all(&module(es.addr, "")).await;
    assert_eq!(docs(&got["node_stats"]).len(), 1);
    assert_eq!(
        docs(&got["node_stats"])[0]["elasticsearch"]["node"]["master"],
        false
    );
    for name in [
        "cluster_stats",
        "index",
        "index_summary",
        "shard",
        "index_recovery",
        "ccr",
        "enrich",
        "ml_job",
    ] {
        assert!(
            matches!(&got[name], Fetched::Skipped(r) if r.contains("master")),
            "{name}: {:?}",
            got[name]
        );
    }
    // A server without `_nodes/_local/nodes` is asked `_nodes/_local` instead.
    let es = start(cluster("n2", "n1", Some(("/_nodes/_local/nodes", 400)))).await;
    let got = fetch_all(&module(es.addr, "")).await;
    assert!(
        matches!(&got["shard"], Fetched::Skipped(r) if r.contains("master")),
        "{:?}",
        got["shard"]
    );
    let es = start(cluster("n1", "n1", Some(("/_nodes/_local/nodes", 400)))).await;
    let got = fetch_all(&module(es.addr, "")).await;
    assert_eq!(docs(&got["shard"]).len(), 1);

    // scope: cluster fetches everything from any node, and node stats of every node.
    let es = start(cluster("n2", "n1", None)).await;
    let got = fetch_all(&module(
        es.addr,
        "  scope: cluster\n  index_recovery.active_only: false\n",
    ))
    .await;
    assert_eq!(docs(&got["cluster_stats"]).len(), 1);
    assert_eq!(docs(&got["shard"]).len(), 1);
    let paths: Vec<String> = es
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.path.clone())
        .collect();
    assert!(
        paths.iter().any(|p| p.starts_with("/_nodes/_all/stats/")),
        "{paths:?}"
    );
    assert!(paths.iter().any(|p| p == "/_recovery"), "{paths:?}");
}

#[tokio::test]
async fn a_failed_fetch_is_an_error_event_not_a_crash() {
    let es = start(cluster("n1", "n1", Some(("/_cluster/stats", 500)))).await;
    let m = module(es.addr, "");
    let mut f = Fetcher::for_module(&m, &[EsMetricSet::ClusterStats])
        .unwrap()
        .remove(0);
    let agent = AgentInfo {
        name: "web-1".into(),
        id: "a".into(),
        ephemeral_id: "e".into(),
        host: json!({}),
    };
    let fetched = f.fetch().await;
    let o = outcome(
        EsMetricSet::ClusterStats,
        f.address(),
        &agent,
        10_000,
        jiff::Timestamp::now(),
        5,
        fetched,
    );
    let e = o.error.unwrap();
    assert!(
        e.contains("/_cluster/stats") && e.contains("500") && e.contains("boom"),
        "{e}"
    );
    assert_eq!(o.documents.len(), 1);
    assert_eq!(o.documents[0]["error"]["message"], e.as_str());
    assert!(
        o.documents[0].get("@metadata").is_none(),
        "error events go to the output's index, not the monitoring data stream"
    );
    // Nothing listening: a cause, no panic.
    let dead = module("127.0.0.1:1".parse().unwrap(), "");
    let mut f = Fetcher::for_module(&dead, &[EsMetricSet::NodeStats])
        .unwrap()
        .remove(0);
    assert!(matches!(f.fetch().await, Fetched::Failed(m) if m.contains("GET /")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_modules_fetches_once_and_says_why_nothing_came() {
    let es = start(cluster("n2", "n1", None)).await;
    let m = module(es.addr, "");
    let block = ironstack_shipper::modules::ModuleBlock {
        module: "elasticsearch".into(),
        metricsets: Vec::new(),
        period: std::time::Duration::from_secs(10),
        options: Default::default(),
        processors: Vec::new(),
        elasticsearch: Some(m),
        es_metricsets: EsMetricSet::XPACK.to_vec(),
    };
    let agent = AgentInfo {
        name: "web-1".into(),
        id: "a".into(),
        ephemeral_id: "e".into(),
        host: json!({}),
    };
    // `test modules` runs its own runtime: call it from a plain thread.
    let result = std::thread::spawn(move || {
        let fetch = |set: &str| {
            ironstack_shipper::modules::fetch_once(
                std::slice::from_ref(&block),
                &[],
                std::path::Path::new("/"),
                &agent,
                Some("elasticsearch"),
                Some(set),
            )
            .map_err(|e| e.to_string())
        };
        (fetch("node_stats"), fetch("shard"))
    })
    .join()
    .unwrap();
    let docs = result.0.unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["@metadata"]["index"], MONITORING_INDEX);
    let e = result.1.unwrap_err();
    assert!(
        e.contains("Metricset shard sent nothing") && e.contains("not the elected master"),
        "{e}"
    );
}
