use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::metadata::NoChecks;

/// 2023-11-14T22:13:20Z
const NOW: i64 = 1_700_000_000_000;

fn with_template(body: Value) -> Metadata {
    let mut md = Metadata::new();
    md.put_index_template("logs", &body, false, NOW, &NoChecks)
        .unwrap();
    md
}

fn create(md: &mut Metadata, name: &str) -> DataStreamPlan {
    let plan = md.plan_data_stream(name, &[], &NoChecks, NOW).unwrap();
    md.commit_data_stream(&plan).unwrap();
    plan
}

fn backing(md: &Metadata) -> Vec<ConcreteIndex> {
    md.data_streams
        .values()
        .flat_map(|d| d.indices.iter())
        .map(|n| {
            let mut c = ConcreteIndex::new(n.clone(), format!("uuid-{n}"));
            c.hidden = true;
            c.creation_date = NOW;
            c
        })
        .collect()
}

#[test]
fn backing_index_names() {
    assert_eq!(
        backing_index_name("my-data-stream", 1, NOW),
        ".ds-my-data-stream-2023.11.14-000001"
    );
    assert_eq!(
        backing_index_name("x", 1_234_567, 0),
        ".ds-x-1970.01.01-1234567"
    );
}

#[test]
fn creation_needs_a_data_stream_template() {
    let md = Metadata::new();
    let e = md
        .plan_data_stream("logs-a", &[], &NoChecks, NOW)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "no matching index template found for data stream [logs-a]"
    );
    let md = with_template(json!({"index_patterns": ["logs-*"]}));
    let e = md
        .plan_data_stream("logs-a", &[], &NoChecks, NOW)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "matching index template [logs] for data stream [logs-a] has no data stream template"
    );
    assert_eq!(e.to_exception().error_type, "illegal_argument_exception");
}

#[test]
fn name_rules() {
    let md = with_template(json!({"index_patterns": ["*"], "data_stream": {}}));
    for (name, reason) in [
        ("Logs", "data_stream [Logs] must be lowercase"),
        (".ds-x", "data_stream [.ds-x] must not start with '.ds-'"),
        (".fs-x", "data_stream [.fs-x] must not start with '.fs-'"),
        (
            "a b",
            "data_stream [a b] must not contain the following characters [' ','\"','*',',','/','<','>','?','\\','|']",
        ),
        (
            "_x",
            "data_stream [_x] must not start with '_', '-', or '+'",
        ),
        ("a#b", "data_stream [a#b] must not contain '#'"),
    ] {
        let e = md.plan_data_stream(name, &[], &NoChecks, NOW).unwrap_err();
        assert_eq!(e.to_string(), reason);
    }
    let existing = vec![ConcreteIndex::new("plain", "u")];
    let e = md
        .plan_data_stream("plain", &existing, &NoChecks, NOW)
        .unwrap_err();
    assert_eq!(e.to_string(), "data stream [plain] conflicts with index");
}

#[test]
fn create_then_refuse_a_second_time() {
    let mut md = with_template(
        json!({"index_patterns": ["logs-*"], "data_stream": {"hidden": true},
        "_meta": {"owner": "o"}, "template": {"aliases": {"all-logs": {"is_write_index": true}}}}),
    );
    let plan = create(&mut md, "logs-a");
    assert_eq!(plan.template, "logs");
    let ds = md.data_stream("logs-a").unwrap();
    assert_eq!(ds.indices, vec![".ds-logs-a-2023.11.14-000001"]);
    assert_eq!(ds.generation, 1);
    assert!(ds.hidden);
    assert_eq!(
        ds.meta,
        Some(json!({"owner": "o"}).as_object().unwrap().clone())
    );
    // Template aliases become data stream aliases.
    assert_eq!(
        md.data_stream_aliases["all-logs"]
            .write_data_stream
            .as_deref(),
        Some("logs-a")
    );
    let e = md
        .plan_data_stream("logs-a", &[], &NoChecks, NOW)
        .unwrap_err();
    assert_eq!(e.to_string(), "data_stream [logs-a] already exists");
    assert_eq!(
        e.to_exception().error_type,
        "resource_already_exists_exception"
    );
    let e = md.commit_data_stream(&plan).unwrap_err();
    assert_eq!(e.to_string(), "data_stream [logs-a] already exists");
}

#[test]
fn an_existing_first_backing_index_blocks_creation() {
    let md = with_template(json!({"index_patterns": ["logs-*"], "data_stream": {}}));
    let taken = vec![ConcreteIndex::new(".ds-logs-a-2023.11.14-000001", "u")];
    let e = md
        .plan_data_stream("logs-a", &taken, &NoChecks, NOW)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "data stream could not be created because backing index [.ds-logs-a-2023.11.14-000001] already exists"
    );
}

#[test]
fn auto_creation_helpers() {
    let md = with_template(
        json!({"index_patterns": ["logs-*"], "data_stream": {}, "allow_auto_create": false}),
    );
    assert!(md.matches_data_stream_template("logs-x"));
    assert!(!md.matches_data_stream_template("other"));
    assert_eq!(md.template_allow_auto_create("logs-x"), Some(false));
    assert_eq!(md.template_allow_auto_create("other"), None);
}

#[test]
fn writes_to_a_data_stream_must_be_creates() {
    let mut md = with_template(json!({"index_patterns": ["logs-*"], "data_stream": {}}));
    create(&mut md, "logs-a");
    md.check_data_stream_write("logs-a", WriteKind::Create)
        .unwrap();
    for kind in [WriteKind::Index, WriteKind::Update, WriteKind::Delete] {
        let e = md.check_data_stream_write("logs-a", kind).unwrap_err();
        assert_eq!(
            e.to_string(),
            "only write ops with an op_type of create are allowed in data streams"
        );
        assert_eq!(e.to_exception().status, 400);
    }
    md.check_data_stream_write("plain-index", WriteKind::Index)
        .unwrap();
}

#[test]
fn the_write_index_cannot_be_deleted_but_older_ones_can() {
    let mut md = with_template(json!({"index_patterns": ["logs-*"], "data_stream": {}}));
    create(&mut md, "logs-a");
    md.data_streams
        .get_mut("logs-a")
        .unwrap()
        .indices
        .insert(0, ".ds-logs-a-2023.11.13-000000".into());
    let e = md
        .check_index_deletable(".ds-logs-a-2023.11.14-000001")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "index [.ds-logs-a-2023.11.14-000001] is the write index for data stream [logs-a] and cannot be deleted"
    );
    md.check_index_deletable(".ds-logs-a-2023.11.13-000000")
        .unwrap();
    md.remove_index(".ds-logs-a-2023.11.13-000000");
    assert_eq!(md.data_stream("logs-a").unwrap().indices.len(), 1);
}

#[test]
fn deleting_data_streams_returns_their_backing_indices() {
    let mut md = with_template(json!({"index_patterns": ["logs-*"], "data_stream": {},
        "template": {"aliases": {"al": {}}}}));
    create(&mut md, "logs-a");
    create(&mut md, "logs-b");
    let e = md.delete_data_streams(&["nope".into()], false).unwrap_err();
    assert_eq!(e.to_string(), "no such index [nope]");
    assert_eq!(e.to_exception().error_type, "index_not_found_exception");
    let deleted = md.delete_data_streams(&["logs-a".into()], false).unwrap();
    assert_eq!(deleted, vec![".ds-logs-a-2023.11.14-000001"]);
    assert_eq!(md.data_stream_aliases["al"].data_streams, vec!["logs-b"]);
    let deleted = md.delete_data_streams(&["logs-*".into()], false).unwrap();
    assert_eq!(deleted.len(), 1);
    assert!(md.data_stream_aliases.is_empty());
    assert!(
        md.delete_data_streams(&["logs-*".into()], false)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn hidden_streams_need_expand_hidden_for_wildcards() {
    let mut md = with_template(json!({"index_patterns": ["*"], "data_stream": {"hidden": true}}));
    create(&mut md, "secret");
    assert!(
        md.resolve_data_streams(&["*".into()], false)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        md.resolve_data_streams(&["*".into()], true).unwrap(),
        vec!["secret"]
    );
    assert_eq!(
        md.resolve_data_streams(&["secret".into()], false).unwrap(),
        vec!["secret"]
    );
}

#[test]
fn get_data_stream_body() {
    let mut md = Metadata::new();
    md.put_index_template(
        "my-index-template",
        &json!({"index_patterns": ["my-data-stream*"], "data_stream": {}, "priority": 500,
                "_meta": {"my-meta-field": "foo"},
                "template": {"settings": {"index.lifecycle.name": "my-lifecycle-policy"}}}),
        false,
        NOW,
        &NoChecks,
    )
    .unwrap();
    create(&mut md, "my-data-stream");
    let mut concrete = backing(&md);
    concrete[0].lifecycle_name = Some("my-lifecycle-policy".into());
    concrete[0].health = HealthStatus::Yellow;
    let got = md
        .get_data_streams(&["my-data-stream".into()], false, &concrete)
        .unwrap();
    assert_eq!(
        got,
        json!({"data_streams": [{
            "name": "my-data-stream",
            "timestamp_field": {"name": "@timestamp"},
            "indices": [{
                "index_name": ".ds-my-data-stream-2023.11.14-000001",
                "index_uuid": "uuid-.ds-my-data-stream-2023.11.14-000001",
                "managed_by": "Index Lifecycle Management",
                "prefer_ilm": true,
                "ilm_policy": "my-lifecycle-policy",
                "index_mode": "standard"
            }],
            "generation": 1,
            "_meta": {"my-meta-field": "foo"},
            "status": "YELLOW",
            "template": "my-index-template",
            "ilm_policy": "my-lifecycle-policy",
            "next_generation_managed_by": "Index Lifecycle Management",
            "prefer_ilm": true,
            "hidden": false,
            "system": false,
            "allow_custom_routing": false,
            "replicated": false,
            "rollover_on_write": false,
            "index_mode": "standard",
            "settings": {},
            "failure_store": {"enabled": false, "rollover_on_write": true, "indices": []}
        }]})
    );
    let keys: Vec<&String> = got["data_streams"][0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys[..4],
        ["name", "timestamp_field", "indices", "generation"]
    );
    let empty = md
        .get_data_streams(&["zzz*".into()], false, &concrete)
        .unwrap();
    assert_eq!(empty, json!({"data_streams": []}));
    let e = md
        .get_data_streams(&["zzz".into()], false, &concrete)
        .unwrap_err();
    assert_eq!(e.to_string(), "no such index [zzz]");
}

#[test]
fn data_stream_stats_body() {
    let mut md = with_template(json!({"index_patterns": ["logs-*"], "data_stream": {}}));
    create(&mut md, "logs-a");
    create(&mut md, "logs-b");
    let mut stats = BTreeMap::new();
    stats.insert(
        ".ds-logs-a-2023.11.14-000001".to_string(),
        BackingIndexStats {
            store_size_bytes: 2048,
            max_timestamp: Some(1607339167000),
            shards: 1,
        },
    );
    stats.insert(
        ".ds-logs-b-2023.11.14-000001".to_string(),
        BackingIndexStats {
            store_size_bytes: 100,
            max_timestamp: None,
            shards: 1,
        },
    );
    let got = md.data_stream_stats(&[], false, &stats, true).unwrap();
    assert_eq!(
        got,
        json!({
            "_shards": {"total": 2, "successful": 2, "failed": 0},
            "data_stream_count": 2,
            "backing_indices": 2,
            "total_store_size": "2kb",
            "total_store_size_bytes": 2148,
            "data_streams": [
                {"data_stream": "logs-a", "backing_indices": 1, "store_size": "2kb",
                 "store_size_bytes": 2048, "maximum_timestamp": 1607339167000i64},
                {"data_stream": "logs-b", "backing_indices": 1, "store_size": "100b",
                 "store_size_bytes": 100, "maximum_timestamp": 0}
            ]
        })
    );
}

proptest! {
    #[test]
    fn data_stream_names_never_panic(name in "\\PC{0,12}") {
        let md = with_template(json!({"index_patterns": ["*"], "data_stream": {}}));
        let _ = md.plan_data_stream(&name, &[], &NoChecks, NOW);
        let _ = md.resolve_data_streams(std::slice::from_ref(&name), true);
        let _ = backing_index_name(&name, 3, NOW);
    }
}
