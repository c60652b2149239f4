use serde_json::json;

use super::*;
use crate::api::{AllFields, Refresh, WriteCondition, WriteResultKind};
use crate::query::parse_search_request;

fn open(dir: &Path) -> EmbeddedStore {
    EmbeddedStore::open(
        dir,
        EngineOptions {
            writer_memory_bytes: 15 << 20,
            ..EngineOptions::default()
        },
    )
    .unwrap()
}

fn create(store: &EmbeddedStore, name: &str, mappings: Value) -> IndexInfo {
    let mut settings = Map::new();
    settings.insert("index.number_of_shards".into(), json!("1"));
    store
        .create_index(CreateIndex {
            name: name.into(),
            settings,
            mappings,
        })
        .unwrap()
}

fn index(id: &str, source: Value) -> WriteOp {
    WriteOp::Index {
        id: Some(id.into()),
        source: serde_json::to_vec(&source).unwrap(),
        create: false,
        condition: WriteCondition::None,
    }
}

fn now() -> WriteOptions {
    WriteOptions {
        refresh: Refresh::Immediate,
        ..WriteOptions::default()
    }
}

fn search(store: &EmbeddedStore, index: &str, body: Value) -> SearchResult {
    let request = parse_search_request(Some(&body), &[]).unwrap();
    store
        .search(&[index.to_string()], &request, &AllFields)
        .unwrap()
}

#[test]
fn indices_carry_settings_mappings_and_identity() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let info = create(
        &store,
        "logs",
        json!({"properties": {"msg": {"type": "text"}}}),
    );
    assert_eq!(info.uuid.len(), 22);
    assert!(info.open);
    assert_eq!(info.settings["index.number_of_shards"], "1");
    assert_eq!(info.mappings["properties"]["msg"]["type"], "text");
    let e = store
        .create_index(CreateIndex {
            name: "logs".into(),
            ..CreateIndex::default()
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::IndexAlreadyExists { .. }));
    let bad = store
        .create_index(CreateIndex {
            name: "bad".into(),
            settings: Map::new(),
            mappings: json!({"properties": {"x": {"type": "nope"}}}),
        })
        .unwrap_err();
    assert_eq!(bad.to_exception().error_type, "mapper_parsing_exception");
    assert!(store.index_info("bad").is_err(), "nothing half-made");
    assert_eq!(store.indices().len(), 1);
}

#[test]
fn writes_add_dynamic_fields_in_document_order_and_fail_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    create(&store, "m", json!({}));
    let outcomes = store
        .write(
            "m",
            vec![
                index("1", json!({"n": 1, "host": {"name": "a"}})),
                // `n` is a long now: a string that is not a number fails this document only.
                index("2", json!({"n": "not a number"})),
                index(
                    "3",
                    json!({"n": 3, "tags": ["x", "y"], "at": "2024-01-01T00:00:00Z"}),
                ),
                WriteOp::Index {
                    id: Some("4".into()),
                    source: b"{\"broken\": ".to_vec(),
                    create: false,
                    condition: WriteCondition::None,
                },
            ],
            &now(),
        )
        .unwrap();
    assert_eq!(outcomes.len(), 4);
    assert_eq!(
        outcomes[0].as_ref().unwrap().result,
        WriteResultKind::Created
    );
    let e = outcomes[1].as_ref().unwrap_err().to_exception();
    assert_eq!(e.error_type, "document_parsing_exception");
    assert_eq!(
        outcomes[2].as_ref().unwrap().seq_no,
        1,
        "failed documents take no seq_no"
    );
    assert_eq!(
        outcomes[3].as_ref().unwrap_err().to_exception().error_type,
        "document_parsing_exception"
    );
    let mapping = store.mapping("m").unwrap().to_json();
    assert_eq!(mapping["properties"]["n"]["type"], "long");
    assert_eq!(
        mapping["properties"]["host"]["properties"]["name"]["type"],
        "text"
    );
    assert_eq!(mapping["properties"]["at"]["type"], "date");
    let hits = search(
        &store,
        "m",
        json!({"query": {"term": {"host.name.keyword": "a"}}}),
    );
    assert_eq!(hits.total, 1);
    let hits = search(
        &store,
        "m",
        json!({"query": {"range": {"at": {"gte": "2023-12-31"}}}}),
    );
    assert_eq!(hits.hits[0].id, "3");
    let doc = store.get("m", "3").unwrap().unwrap();
    assert_eq!(doc.source["tags"], json!(["x", "y"]));
    assert_eq!(
        store
            .count(
                &["m".to_string()],
                &crate::query::Query::MatchAll { boost: 1.0 },
                &AllFields
            )
            .unwrap(),
        2
    );
}

#[test]
fn strict_mappings_refuse_new_fields() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    create(
        &store,
        "s",
        json!({"dynamic": "strict", "properties": {"a": {"type": "keyword"}}}),
    );
    let outcomes = store
        .write("s", vec![index("1", json!({"a": "x", "b": 1}))], &now())
        .unwrap();
    let e = outcomes[0].as_ref().unwrap_err().to_exception();
    assert_eq!(e.error_type, "strict_dynamic_mapping_exception");
}

#[test]
fn mappings_and_settings_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        create(&store, "p", json!({}));
        store
            .write("p", vec![index("1", json!({"level": "warn"}))], &now())
            .unwrap();
        store
            .put_mapping("p", &json!({"properties": {"extra": {"type": "ip"}}}))
            .unwrap();
        let mut update = Map::new();
        update.insert("index.refresh_interval".into(), json!("-1"));
        store.put_settings("p", &update).unwrap();
    }
    let store = open(dir.path());
    let mapping = store.mapping("p").unwrap().to_json();
    assert_eq!(mapping["properties"]["level"]["type"], "text");
    assert_eq!(mapping["properties"]["extra"]["type"], "ip");
    assert_eq!(
        store.settings("p").unwrap().flat()["index.refresh_interval"],
        "-1"
    );
    assert!(store.get("p", "1").unwrap().is_some());
    let mut bad = Map::new();
    bad.insert("index.number_of_shards".into(), json!("3"));
    let e = store.put_settings("p", &bad).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Can't update non dynamic settings"),
        "{e}"
    );
    let conflict = store
        .put_mapping("p", &json!({"properties": {"extra": {"type": "long"}}}))
        .unwrap_err();
    assert_eq!(
        conflict.to_exception().error_type,
        "illegal_argument_exception"
    );
}

#[test]
fn source_includes_and_excludes_shape_what_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    create(&store, "f", json!({"_source": {"excludes": ["secret"]}}));
    store
        .write(
            "f",
            vec![index("1", json!({"keep": 1, "secret": "x"}))],
            &now(),
        )
        .unwrap();
    let doc = store.get("f", "1").unwrap().unwrap();
    assert_eq!(doc.source, json!({"keep": 1}));
    let hits = search(&store, "f", json!({"query": {"term": {"secret": "x"}}}));
    assert_eq!(hits.total, 1, "excluded from _source, still indexed");
}

#[test]
fn deleting_an_index_forgets_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    create(&store, "gone", json!({}));
    store.delete_index("gone").unwrap();
    assert!(store.index_info("gone").is_err());
    assert!(matches!(
        store.write("gone", vec![index("1", json!({}))], &now()),
        Err(StoreError::IndexNotFound { .. })
    ));
    drop(store);
    assert!(open(dir.path()).indices().is_empty());
}

#[test]
fn alias_fields_are_queried_sorted_and_aggregated_through_their_targets() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    create(
        &store,
        "m",
        json!({"properties": {
            "@timestamp": {"type": "date"},
            "timestamp": {"type": "alias", "path": "@timestamp"},
            "cluster": {"properties": {"id": {"type": "keyword"}}},
            "cluster_uuid": {"type": "alias", "path": "cluster.id"},
            "n": {"type": "long"},
            "legacy": {"properties": {"n": {"type": "alias", "path": "n"}}}
        }}),
    );
    store
        .write(
            "m",
            vec![
                index(
                    "1",
                    json!({"@timestamp": "2026-01-01T00:00:00Z", "cluster": {"id": "a"}, "n": 1}),
                ),
                index(
                    "2",
                    json!({"@timestamp": "2026-01-02T00:00:00Z", "cluster": {"id": "b"}, "n": 2}),
                ),
            ],
            &now(),
        )
        .unwrap();
    let ids = |r: &SearchResult| -> Vec<String> { r.hits.iter().map(|h| h.id.clone()).collect() };
    let r = search(
        &store,
        "m",
        json!({"query": {"term": {"cluster_uuid": "b"}}}),
    );
    assert_eq!(ids(&r), ["2"]);
    let r = search(
        &store,
        "m",
        json!({"query": {"range": {"legacy.n": {"gte": 2}}}}),
    );
    assert_eq!(ids(&r), ["2"]);
    let r = search(
        &store,
        "m",
        json!({"query": {"range": {"timestamp": {"lt": "2026-01-02"}}}}),
    );
    assert_eq!(ids(&r), ["1"]);
    let r = search(
        &store,
        "m",
        json!({"query": {"exists": {"field": "cluster_uuid"}}}),
    );
    assert_eq!(r.hits.len(), 2);
    let r = search(&store, "m", json!({"sort": [{"timestamp": "desc"}]}));
    assert_eq!(ids(&r), ["2", "1"]);
    let r = search(
        &store,
        "m",
        json!({"size": 0, "aggs": {"c": {"terms": {"field": "cluster_uuid"}}, "t": {"max": {"field": "timestamp"}}}}),
    );
    let aggs = r.aggregations.clone().unwrap();
    assert_eq!(
        aggs.to_string().matches("\"doc_count\":1").count(),
        2,
        "{aggs}"
    );
    assert!(aggs.to_string().contains("1767312000000"), "{aggs}");
}
