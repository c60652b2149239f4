//! The Stack Monitoring templates: installed once, reinstalled when missing or older, left
//! alone otherwise; their mappings; and the writes Metricbeat and Beats' self-monitoring make
//! through them, as the reserved users that make them.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::rest::test_support::{Fixture, PASSWORD, basic, call, call_json};

fn store(f: &Fixture) -> &StoreService {
    f.state.store.as_ref().unwrap()
}

fn names() -> BTreeSet<String> {
    let mut all: BTreeSet<String> = templates().into_iter().map(|(n, _, _)| n.into()).collect();
    all.insert(POLICY_NAME.into());
    all
}

#[tokio::test]
async fn installing_is_idempotent_and_repairs_missing_or_older_templates() {
    let f = Fixture::builder().build();
    let written: BTreeSet<String> = install(store(&f)).unwrap().into_iter().collect();
    assert_eq!(written, names());
    let before = serde_json::to_value(&*store(&f).metadata()).unwrap();
    // A restart changes nothing: no template is rewritten, no date moves.
    assert_eq!(install(store(&f)).unwrap(), Vec::<String>::new());
    assert_eq!(
        serde_json::to_value(&*store(&f).metadata()).unwrap(),
        before
    );
    // A deleted template and an older one come back; a newer one is the user's choice.
    store(&f)
        .delete_index_templates(&[".monitoring-beats".to_string()])
        .unwrap();
    let mut older = templates()[0].1.clone();
    older["version"] = json!(1);
    store(&f)
        .put_index_template(".monitoring-es-mb", &older, false)
        .unwrap();
    let mut newer = templates()[2].1.clone();
    newer["version"] = json!(STACK_VERSION + 1);
    store(&f)
        .put_index_template(".monitoring-kibana-mb", &newer, false)
        .unwrap();
    let again: BTreeSet<String> = install(store(&f)).unwrap().into_iter().collect();
    assert_eq!(
        again,
        [".monitoring-beats", ".monitoring-es-mb"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    let md = store(&f).metadata();
    assert_eq!(
        md.index_template(".monitoring-es-mb").unwrap().version,
        Some(STACK_VERSION)
    );
    assert_eq!(
        md.index_template(".monitoring-kibana-mb").unwrap().version,
        Some(STACK_VERSION + 1)
    );
    // The policy is there and is what `_ilm/policy` shows.
    assert!(md.ilm_policy(POLICY_NAME).is_some());
}

#[tokio::test]
async fn templates_are_managed_dynamic_false_and_mapped_as_documented() {
    let f = Fixture::builder().build();
    install(store(&f)).unwrap();
    let (status, body) = call_json(
        &f,
        "GET",
        "/_index_template/.monitoring-*",
        &basic("elastic", PASSWORD),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed = body["index_templates"].as_array().unwrap();
    assert_eq!(listed.len(), 5, "{body}");
    for t in listed {
        let t = &t["index_template"];
        assert_eq!(t["_meta"]["managed"], true, "{t}");
        assert!(t["version"].as_i64().unwrap() >= STACK_VERSION);
        assert_eq!(t["template"]["mappings"]["dynamic"], false);
    }
    let by_name = |n: &str| {
        listed
            .iter()
            .find(|t| t["name"] == n)
            .unwrap()
            .get("index_template")
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_name(".monitoring-es-mb")["index_patterns"],
        json!([".monitoring-es-8-*"])
    );
    assert_eq!(
        by_name(".monitoring-es-mb")["data_stream"],
        json!({"hidden": false, "allow_custom_routing": false})
    );
    assert_eq!(
        by_name(".monitoring-beats")["index_patterns"],
        json!([".monitoring-beats-7-*"])
    );
    assert!(by_name(".monitoring-beats").get("data_stream").is_none());
    assert_eq!(
        by_name(".monitoring-es-mb")["template"]["settings"]["index"]["lifecycle"]["name"],
        POLICY_NAME
    );
}

/// Every field of a table is in its mapping (no path is both a field and an object), and every
/// alias points at a real field.
#[test]
fn every_field_is_mapped_and_every_alias_resolves() {
    fn leaves(properties: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
        for (k, v) in properties.as_object().unwrap() {
            let path = format!("{prefix}{k}");
            match v.get("properties") {
                Some(children) => leaves(children, &format!("{path}."), out),
                None => out.push((path, v.clone())),
            }
        }
    }
    for (table, fields) in [
        ("es", ES_FIELDS),
        ("beats", BEATS_FIELDS),
        ("kibana", KIBANA_FIELDS),
    ] {
        for fields in [fields.to_vec(), legacy_fields(fields)] {
            let m = mapping(&fields);
            let mut found = Vec::new();
            leaves(&m["properties"], "", &mut found);
            assert_eq!(
                found.len(),
                fields.len(),
                "{table}: a path is both a field and an object"
            );
            for (path, leaf) in &found {
                if leaf["type"] == "alias" {
                    let target = leaf["path"].as_str().unwrap();
                    let real = found.iter().find(|(p, _)| p == target);
                    assert!(
                        real.is_some_and(|(_, l)| l["type"] != "alias"),
                        "{table}: alias {path} -> {target} does not resolve"
                    );
                }
            }
        }
    }
    // The older format has the legacy names as real fields of their targets' types.
    let legacy = legacy_fields(ES_FIELDS);
    assert!(legacy.contains(&("node_stats.jvm.mem.heap_used_in_bytes", "long")));
    assert!(legacy.contains(&("cluster_uuid", "keyword")));
    assert!(legacy.iter().all(|(_, k)| !k.starts_with('@')));
}

#[tokio::test]
async fn metricbeat_writes_the_es_data_stream_as_remote_monitoring_agent() {
    let f = Fixture::builder()
        .user(
            "remote",
            &["remote_monitoring_collector", "remote_monitoring_agent"],
        )
        .build();
    install(store(&f)).unwrap();
    let auth = basic("remote", PASSWORD);
    let doc = json!({
        "@timestamp": "2026-12-07T10:00:00.000Z",
        "metricset": {"name": "node_stats", "period": 10000},
        "event": {"dataset": "elasticsearch.node.stats", "module": "elasticsearch", "duration": 1234},
        "service": {"type": "elasticsearch", "address": "https://localhost:9200"},
        "elasticsearch": {
            "cluster": {"id": "c-uuid", "name": "prod"},
            "node": {"id": "n1", "name": "node-1", "master": true, "mlockall": false,
                     "stats": {"jvm": {"mem": {"heap": {"used": {"bytes": 1024}, "max": {"bytes": 4096}}}}}}
        },
        "not_in_the_template": {"x": 1}
    });
    let body = format!(
        "{}\n{}\n",
        json!({"create": {"_index": ".monitoring-es-8-mb"}}),
        doc
    );
    let r = call(
        &f,
        "POST",
        "/_bulk?refresh=true",
        Some(&auth),
        Value::String(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["errors"], false, "{}", r.text());
    let (status, ds) = call_json(
        &f,
        "GET",
        "/_data_stream/.monitoring-es-8-mb",
        &auth,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ds}");
    assert_eq!(ds["data_streams"][0]["template"], ".monitoring-es-mb");
    assert_eq!(ds["data_streams"][0]["ilm_policy"], POLICY_NAME);
    let (status, mappings) = call_json(
        &f,
        "GET",
        "/.monitoring-es-8-mb/_mapping",
        &auth,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{mappings}");
    let (_, m) = mappings.as_object().unwrap().iter().next().unwrap();
    let props = &m["mappings"]["properties"];
    assert_eq!(m["mappings"]["dynamic"], "false");
    assert_eq!(
        props["cluster_uuid"],
        json!({"type": "alias", "path": "elasticsearch.cluster.id"})
    );
    assert!(
        props.get("not_in_the_template").is_none(),
        "dynamic: false adds nothing"
    );
    // Kibana's queries on the legacy names find the document.
    for (field, value) in [
        ("metricset.name", json!("node_stats")),
        ("elasticsearch.cluster.id", json!("c-uuid")),
        ("cluster_uuid", json!("c-uuid")),
        ("source_node.uuid", json!("n1")),
        ("node_stats.jvm.mem.heap_used_in_bytes", json!(1024)),
        ("metricset.name", json!("node_stats")),
    ] {
        let (status, found) = call_json(
            &f,
            "POST",
            "/.monitoring-es-*/_search",
            &basic("elastic", PASSWORD),
            json!({"query": {"term": {field: value}}}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(found["hits"]["total"]["value"], 1, "{field}: {found}");
    }
    // `create` only: a document without `@timestamp` is refused by the data stream.
    let body = format!(
        "{}\n{}\n",
        json!({"create": {"_index": ".monitoring-es-8-mb"}}),
        json!({"metricset": {"name": "x"}})
    );
    let r = call(&f, "POST", "/_bulk", Some(&auth), Value::String(body)).await;
    assert_eq!(r.json()["errors"], true, "{}", r.text());
}

#[tokio::test]
async fn self_monitoring_writes_the_older_beats_index_as_beats_system() {
    let f = Fixture::builder().user("beats", &["beats_system"]).build();
    install(store(&f)).unwrap();
    let auth = basic("beats", PASSWORD);
    let doc = json!({
        "timestamp": "2026-12-07T10:00:10Z", "type": "beats_stats", "interval_ms": 10000,
        "cluster_uuid": "c-uuid",
        "beats_stats": {
            "timestamp": "2026-12-07T10:00:10Z",
            "beat": {"type": "metricbeat", "version": "8.17.0", "name": "web-1", "host": "web-1", "uuid": "b-uuid"},
            "metrics": {"libbeat": {"pipeline": {"events": {"total": 4200}}, "output": {"type": "elasticsearch"}}}
        }
    });
    let body = format!(
        "{}\n{}\n",
        json!({"create": {"_index": ".monitoring-beats-7-2026.12.07", "_routing": null}}),
        doc
    );
    let r = call(
        &f,
        "POST",
        "/_bulk?refresh=true",
        Some(&auth),
        Value::String(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["errors"], false, "{}", r.text());
    let elastic = basic("elastic", PASSWORD);
    let (_, health) = call_json(
        &f,
        "GET",
        "/_cluster/health/.monitoring-beats-7-2026.12.07",
        &elastic,
        Value::Null,
    )
    .await;
    assert_eq!(health["status"], "green", "{health}");
    let (status, found) = call_json(
        &f,
        "POST",
        "/.monitoring-beats-*/_search",
        &elastic,
        json!({"query": {"bool": {"filter": [
            {"term": {"beats_stats.beat.uuid": "b-uuid"}},
            {"range": {"beats_stats.metrics.libbeat.pipeline.events.total": {"gte": 4200}}}
        ]}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["hits"]["total"]["value"], 1, "{found}");
}

/// What a restart does: the store reopened on the same folder, the templates installed again.
#[test]
fn a_restart_finds_the_templates_and_rewrites_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = crate::store::open(dir.path(), "true").unwrap();
    assert_eq!(install(&first.service).unwrap().len(), names().len());
    let saved = serde_json::to_value(&*first.service.metadata()).unwrap();
    drop(first);
    let second = crate::store::open(dir.path(), "true").unwrap();
    assert_eq!(install(&second.service).unwrap(), Vec::<String>::new());
    assert_eq!(
        serde_json::to_value(&*second.service.metadata()).unwrap(),
        saved
    );
}

/// As Elasticsearch's registry does, a managed template deleted or replaced by an older version
/// through the API is put back at once; other templates are untouched.
#[tokio::test]
async fn deleting_or_downgrading_a_managed_template_puts_it_back() {
    let f = Fixture::builder().build();
    install(store(&f)).unwrap();
    let elastic = basic("elastic", PASSWORD);
    let r = call_json(
        &f,
        "PUT",
        "/_index_template/mine",
        &elastic,
        json!({"index_patterns": ["mine-*"]}),
    )
    .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    let r = call_json(
        &f,
        "DELETE",
        "/_index_template/.monitoring-es-mb,mine",
        &elastic,
        Value::Null,
    )
    .await;
    assert_eq!(r, (StatusCode::OK, json!({"acknowledged": true})));
    let md = store(&f).metadata();
    assert_eq!(
        md.index_template(".monitoring-es-mb").unwrap().version,
        Some(STACK_VERSION)
    );
    assert!(md.index_template("mine").is_none());
    // Wildcards too.
    let r = call_json(
        &f,
        "DELETE",
        "/_index_template/.monitoring-beat*",
        &elastic,
        Value::Null,
    )
    .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    assert!(
        store(&f)
            .metadata()
            .index_template(".monitoring-beats")
            .is_some()
    );
    assert!(
        store(&f)
            .metadata()
            .index_template(".monitoring-beats-mb")
            .is_some()
    );
    // An older version is replaced; a newer one stays.
    let mut older = templates()[1].1.clone();
    older["version"] = json!(7);
    let r = call_json(
        &f,
        "PUT",
        "/_index_template/.monitoring-beats-mb",
        &elastic,
        older,
    )
    .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    assert_eq!(
        store(&f)
            .metadata()
            .index_template(".monitoring-beats-mb")
            .unwrap()
            .version,
        Some(STACK_VERSION)
    );
    let mut newer = templates()[1].1.clone();
    newer["version"] = json!(STACK_VERSION + 5);
    call_json(
        &f,
        "PUT",
        "/_index_template/.monitoring-beats-mb",
        &elastic,
        newer,
    )
    .await;
    assert_eq!(
        store(&f)
            .metadata()
            .index_template(".monitoring-beats-mb")
            .unwrap()
            .version,
        Some(STACK_VERSION + 5)
    );
}

/// A node where they were never installed (tests) does not gain them from unrelated requests.
#[tokio::test]
async fn other_template_requests_install_nothing() {
    let f = Fixture::builder().build();
    let elastic = basic("elastic", PASSWORD);
    call_json(
        &f,
        "PUT",
        "/_index_template/mine",
        &elastic,
        json!({"index_patterns": ["mine-*"]}),
    )
    .await;
    call_json(&f, "DELETE", "/_index_template/mine", &elastic, Value::Null).await;
    assert_eq!(store(&f).metadata().index_templates().count(), 0);
}
