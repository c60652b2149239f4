//! `_xpack/usage`, the basic-licence answers of `_ccr/stats`, `_enrich/_stats` and the ML job
//! stats, the shipper's self-monitoring probe, and every endpoint the monitoring metricsets
//! poll called as `remote_monitoring_user`'s roles.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::test_support::{Fixture, PASSWORD, basic, call_json};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

async fn get(f: &Fixture, uri: &str) -> (StatusCode, Value) {
    call_json(f, "GET", uri, &elastic(), Value::Null).await
}

#[tokio::test]
async fn usage_reports_each_feature_and_the_stores_figures() {
    let f = Fixture::builder().build();
    let store = f.state.store.as_ref().unwrap();
    store
        .put_ilm_policy(
            "p1",
            &json!({"policy": {"phases": {"hot": {"actions": {}}}}}),
        )
        .unwrap();
    store
        .put_index_template(
            "ds",
            &json!({"index_patterns": ["ds-*"], "data_stream": {}, "priority": 300}),
            false,
        )
        .unwrap();
    let r = call_json(
        &f,
        "POST",
        "/ds-one/_doc",
        &elastic(),
        json!({"@timestamp": "2026-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    let (status, usage) = get(&f, "/_xpack/usage").await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    for feature in [
        "security",
        "monitoring",
        "ml",
        "ccr",
        "enrich",
        "ilm",
        "data_streams",
        "watcher",
        "slm",
    ] {
        assert!(
            usage[feature]["available"].is_boolean(),
            "{feature}: {usage}"
        );
        assert!(usage[feature]["enabled"].is_boolean(), "{feature}: {usage}");
    }
    assert_eq!(usage["security"]["enabled"], true);
    // The fixture serves plain HTTP.
    assert_eq!(usage["security"]["ssl"]["http"]["enabled"], false);
    assert_eq!(usage["security"]["ssl"]["transport"]["enabled"], false);
    assert_eq!(usage["monitoring"]["available"], true);
    assert_eq!(usage["monitoring"]["enabled"], true);
    assert_eq!(usage["monitoring"]["collection_enabled"], false);
    assert_eq!(usage["ccr"]["available"], false);
    assert_eq!(usage["ml"]["available"], false);
    let policies = usage["ilm"]["policy_count"].as_u64().unwrap();
    assert!(policies >= 1, "{usage}");
    assert_eq!(
        usage["ilm"]["policy_stats"].as_array().unwrap().len() as u64,
        policies
    );
    assert!(usage["data_streams"]["data_streams"].as_u64().unwrap() >= 1);
    assert!(usage["data_streams"]["indices_count"].as_u64().unwrap() >= 1);
    let _ = f.state.http_ssl.set(true);
    let (_, usage) = get(&f, "/_xpack/usage").await;
    assert_eq!(usage["security"]["ssl"]["http"]["enabled"], true);
}

#[tokio::test]
async fn the_self_monitoring_probe_finds_monitoring_enabled() {
    let f = Fixture::builder().build();
    let (status, body) = get(&f, "/_xpack?filter_path=features.monitoring.enabled").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"features": {"monitoring": {"enabled": true}}}));
    let (_, features) = get(&f, "/_xpack?categories=features").await;
    assert_eq!(
        features["features"]["ccr"],
        json!({"available": false, "enabled": true})
    );
}

#[tokio::test]
async fn ccr_stats_is_refused_as_under_a_basic_licence() {
    let f = Fixture::builder().build();
    let (status, body) = get(&f, "/_ccr/stats").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["type"], "security_exception");
    assert_eq!(
        body["error"]["reason"],
        "current license is non-compliant for [ccr]"
    );
    assert_eq!(body["error"]["license.expired.feature"], "ccr");
    assert_eq!(body["status"], 403);
}

#[tokio::test]
async fn enrich_stats_show_an_idle_coordinator() {
    let f = Fixture::builder().build();
    let (status, body) = get(&f, "/_enrich/_stats").await;
    assert_eq!(status, StatusCode::OK);
    let node = f.state.identity.node_id.clone();
    assert_eq!(body["executing_policies"], json!([]));
    assert_eq!(body["coordinator_stats"][0]["node_id"], node);
    assert_eq!(body["coordinator_stats"][0]["queue_size"], 0);
    assert_eq!(body["cache_stats"][0]["node_id"], node);
    assert_eq!(body["cache_stats"][0]["hits"], 0);
}

#[tokio::test]
async fn ml_job_stats_list_no_jobs() {
    let f = Fixture::builder().build();
    let none = json!({"count": 0, "jobs": []});
    assert_eq!(
        get(&f, "/_ml/anomaly_detectors/_all/_stats").await,
        (StatusCode::OK, none.clone())
    );
    assert_eq!(
        get(&f, "/_ml/anomaly_detectors/_stats").await,
        (StatusCode::OK, none.clone())
    );
    assert_eq!(
        get(&f, "/_ml/anomaly_detectors/web-*/_stats").await,
        (StatusCode::OK, none)
    );
    let (status, body) = get(&f, "/_ml/anomaly_detectors/web/_stats").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["type"], "resource_not_found_exception");
    assert_eq!(body["error"]["reason"], "No known job with id 'web'");
    let (status, body) = get(
        &f,
        "/_ml/anomaly_detectors/_all/_stats?allow_no_match=false",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["reason"], "No known job with id '*'");
    let (_, body) = get(&f, "/_ml/anomaly_detectors/a,b-*,c/_stats").await;
    assert_eq!(body["error"]["reason"], "No known job with id 'a,c'");
}

/// Every request the nine `xpack.enabled` metricsets (and the cluster-level checks they make
/// first) send, as `remote_monitoring_user` holds them: its reserved roles are enough.
#[tokio::test]
async fn remote_monitoring_collector_is_enough_for_every_metricset_call() {
    let f = Fixture::builder()
        .user(
            "collector",
            &["remote_monitoring_collector", "remote_monitoring_agent"],
        )
        .user("collector_only", &["remote_monitoring_collector"])
        .build();
    // Something to report on, hidden indices included.
    let r = call_json(
        &f,
        "PUT",
        "/some-index/_doc/1?refresh=true",
        &elastic(),
        json!({"a": 1}),
    )
    .await;
    assert!(r.0.is_success(), "{}", r.1);
    let node = f.state.identity.node_id.clone();
    let calls = [
        "/".to_string(),
        "/_nodes/_local/nodes".into(),
        "/_nodes/_local/stats/jvm,indices,fs,os,process,transport,thread_pool,indexing_pressure,ingest/bulk,docs,get,merge,translog,fielddata,indexing,query_cache,request_cache,search,shard_stats,store,segments,refresh,flush".into(),
        "/_nodes/_master?filter_path=nodes.*.name".into(),
        format!("/_nodes/{node}?filter_path=nodes.*.process.mlockall"),
        "/_cluster/stats".into(),
        "/_license".into(),
        "/_xpack".into(),
        "/_cluster/state/version,master_node,nodes,routing_table".into(),
        "/_cluster/state/master_node".into(),
        "/_cluster/state/metadata,routing_table".into(),
        "/_xpack/usage".into(),
        "/_cluster/settings?include_defaults=true&filter_path=*.cluster.metadata.display_name".into(),
        "/_stats/docs,fielddata,indexing,merge,search,segments,store,refresh,query_cache,request_cache,bulk?filter_path=indices&expand_wildcards=open,hidden".into(),
        "/*/_settings?filter_path=*.settings.index.hidden&expand_wildcards=all".into(),
        "/_stats".into(),
        "/_recovery".into(),
        "/_recovery?active_only=true".into(),
        "/_enrich/_stats".into(),
        "/_ml/anomaly_detectors/_all/_stats".into(),
        "/_cluster/pending_tasks".into(),
        "/_cat/shards?format=json".into(),
    ];
    for user in ["collector", "collector_only"] {
        let auth = basic(user, PASSWORD);
        for uri in &calls {
            let (status, body) = call_json(&f, "GET", uri, &auth, Value::Null).await;
            assert_eq!(status, StatusCode::OK, "{user} GET {uri}: {body}");
        }
        // The collector sees every index, hidden and restricted ones too.
        let (_, stats) = call_json(
            &f,
            "GET",
            "/_stats/docs?filter_path=indices&expand_wildcards=open,hidden",
            &auth,
            Value::Null,
        )
        .await;
        let names = stats["indices"].as_object().unwrap();
        assert!(names.contains_key("some-index"), "{stats}");
        assert!(names.keys().any(|k| k.starts_with(".security")), "{stats}");
        // CCR is refused for the licence, not for the privileges.
        let (status, body) = call_json(&f, "GET", "/_ccr/stats", &auth, Value::Null).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            body["error"]["reason"],
            "current license is non-compliant for [ccr]"
        );
        // Reading is all it may do.
        let (status, _) = call_json(
            &f,
            "PUT",
            "/_cluster/settings",
            &auth,
            json!({"persistent": {"cluster.metadata.display_name": "x"}}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
    }
}
