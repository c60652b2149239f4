use std::sync::Arc;

use ironstack_types::EsException;
use serde_json::{Value, json};

use super::*;
use crate::api::{Refresh, WriteResultKind};
use crate::bulk::{BulkAction, UpdateBody};
use crate::doc_write::Versioning;
use crate::embedded::EmbeddedStore;
use crate::engine::EngineOptions;

struct Fixture {
    _dir: tempfile::TempDir,
    service: StoreService,
}

fn open_at(dir: &Path, settings: ServiceSettings) -> StoreService {
    let backend = EmbeddedStore::open(
        &dir.join("engine"),
        EngineOptions {
            writer_memory_bytes: 15 << 20,
            ..EngineOptions::default()
        },
    )
    .unwrap();
    StoreService::open(dir, Arc::new(backend), settings).unwrap()
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let service = open_at(dir.path(), ServiceSettings::default());
    Fixture { _dir: dir, service }
}

/// Lets everything through, or refuses the names it lists.
struct Guard {
    refuse_items: Vec<&'static str>,
    refuse_create: Vec<&'static str>,
    refuse_mapping: Vec<&'static str>,
    /// Grants mapping updates of these with a deprecation warning.
    warn_mapping: Vec<&'static str>,
    warnings: std::sync::Mutex<Vec<String>>,
}

fn open() -> Guard {
    Guard {
        refuse_items: Vec::new(),
        refuse_create: Vec::new(),
        refuse_mapping: Vec::new(),
        warn_mapping: Vec::new(),
        warnings: std::sync::Mutex::new(Vec::new()),
    }
}

impl WriteGuard for Guard {
    fn check_item(
        &self,
        action: BulkAction,
        name: &str,
    ) -> std::result::Result<(), Box<EsException>> {
        if self.refuse_items.contains(&name) {
            return Err(Box::new(EsException::with_status(
                ironstack_types::EsErrorType::Security,
                403,
                format!("action [{}] on [{name}] denied", action.name()),
            )));
        }
        Ok(())
    }
    fn check_auto_create(&self, name: &str) -> std::result::Result<(), Box<EsException>> {
        if self.refuse_create.contains(&name) {
            return Err(Box::new(EsException::with_status(
                ironstack_types::EsErrorType::Security,
                403,
                format!("auto create [{name}] denied"),
            )));
        }
        Ok(())
    }
    fn check_mapping_update(
        &self,
        index: &str,
    ) -> std::result::Result<Option<String>, Box<EsException>> {
        if self.refuse_mapping.contains(&index) {
            return Err(Box::new(EsException::with_status(
                ironstack_types::EsErrorType::Security,
                403,
                format!("mapping update of [{index}] denied"),
            )));
        }
        Ok(self
            .warn_mapping
            .contains(&index)
            .then(|| format!("mapping update of [{index}] deprecated")))
    }
    fn deprecated(&self, warning: String) {
        self.warnings.lock().unwrap().push(warning);
    }
}

fn doc(name: &str, id: Option<&str>, create: bool, source: Value) -> WriteItem {
    WriteItem {
        name: name.into(),
        id: id.map(str::to_string),
        kind: WriteItemKind::Index {
            create,
            source: serde_json::to_vec(&source).unwrap(),
        },
        versioning: Versioning::default(),
        require_alias: false,
        require_data_stream: false,
        retry_on_conflict: 0,
    }
}

fn update(name: &str, id: &str, body: Value) -> WriteItem {
    WriteItem {
        name: name.into(),
        id: Some(id.into()),
        kind: WriteItemKind::Update(UpdateBody::parse(&body).unwrap()),
        versioning: Versioning::default(),
        require_alias: false,
        require_data_stream: false,
        retry_on_conflict: 0,
    }
}

fn error_of(r: &ItemResult) -> EsException {
    r.outcome.as_ref().unwrap_err().to_exception()
}

#[test]
fn indices_take_their_template_and_aliases() {
    let f = fixture();
    f.service
        .put_index_template(
            "logs",
            &json!({"index_patterns": ["logs-*"], "template": {
                "settings": {"number_of_replicas": 0},
                "mappings": {"properties": {"msg": {"type": "text"}}},
                "aliases": {"all-logs": {}}
            }}),
            false,
        )
        .unwrap();
    let created = f.service.create_index("logs-1", &json!({})).unwrap();
    assert_eq!(created.index, "logs-1");
    let info = f.service.backend().index_info("logs-1").unwrap();
    assert_eq!(info.settings["index.number_of_replicas"], "0");
    assert_eq!(info.mappings["properties"]["msg"]["type"], "text");
    let space = f.service.space();
    assert_eq!(space.get("all-logs").unwrap().indices, ["logs-1"]);
    assert_eq!(
        f.service.concrete()[0].health,
        ironstack_types::HealthStatus::Green
    );
    let e = f.service.create_index("logs-1", &json!({})).unwrap_err();
    assert_eq!(
        e.to_exception().error_type,
        "resource_already_exists_exception"
    );
    let e = f.service.create_index("all-logs", &json!({})).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid index name [all-logs], already exists as alias"
    );
    let e = f.service.create_index("Bad", &json!({})).unwrap_err();
    assert_eq!(e.to_string(), "Invalid index name [Bad], must be lowercase");
    let dotted = f.service.create_index(".dotted", &json!({})).unwrap();
    assert_eq!(dotted.warnings.len(), 1);
    assert_eq!(
        f.service
            .create_index("plain", &json!({}))
            .map(|_| ())
            .unwrap(),
        ()
    );
    assert_eq!(
        f.service
            .concrete()
            .iter()
            .find(|c| c.name == "plain")
            .unwrap()
            .health,
        ironstack_types::HealthStatus::Yellow,
        "a replica that cannot be assigned leaves the index yellow"
    );
}

#[test]
fn writes_create_missing_indices_and_data_streams() {
    let f = fixture();
    f.service
        .put_index_template(
            "metrics",
            &json!({"index_patterns": ["metrics-*"], "data_stream": {}, "priority": 10}),
            false,
        )
        .unwrap();
    let results = f.service.write(
        vec![
            doc("plain", Some("1"), false, json!({"a": 1})),
            doc(
                "metrics-x",
                None,
                true,
                json!({"@timestamp": "2024-01-01T00:00:00Z", "v": 1}),
            ),
            doc(
                "metrics-x",
                Some("9"),
                false,
                json!({"@timestamp": "2024-01-01T00:00:00Z"}),
            ),
            doc("metrics-y", None, true, json!({"no_timestamp": true})),
        ],
        &open(),
        Refresh::None,
    );
    assert_eq!(results[0].index, "plain");
    assert_eq!(
        results[0].outcome.as_ref().unwrap().result,
        WriteResultKind::Created
    );
    let backing = &results[1].index;
    assert!(
        backing.starts_with(".ds-metrics-x-") && backing.ends_with("-000001"),
        "{backing}"
    );
    assert_eq!(
        error_of(&results[2]).reason,
        "only write ops with an op_type of create are allowed in data streams"
    );
    let e = error_of(&results[3]);
    assert_eq!(e.error_type, "document_parsing_exception");
    assert!(
        e.reason
            .contains("data stream timestamp field [@timestamp] is missing"),
        "{}",
        e.reason
    );
    let space = f.service.space();
    assert_eq!(
        space.get("metrics-x").unwrap().kind,
        ironstack_types::index_space::AbstractionKind::DataStream
    );
    assert_eq!(space.parent_data_stream(backing), Some("metrics-x"));
    let e = f
        .service
        .delete_indices(std::slice::from_ref(backing))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "index [{backing}] is the write index for data stream [metrics-x] and cannot be deleted"
        )
    );
}

#[test]
fn authorization_refuses_items_and_creation_alone() {
    let f = fixture();
    let guard = Guard {
        refuse_items: vec!["secret"],
        refuse_create: vec!["new"],
        ..open()
    };
    f.service.create_index("secret", &json!({})).unwrap();
    let results = f.service.write(
        vec![
            doc("secret", Some("1"), false, json!({})),
            doc("new", Some("1"), false, json!({})),
            doc("new", Some("2"), false, json!({})),
            doc("fine", Some("1"), false, json!({})),
        ],
        &guard,
        Refresh::None,
    );
    assert_eq!(error_of(&results[0]).status, 403);
    assert_eq!(error_of(&results[1]).reason, "auto create [new] denied");
    assert_eq!(error_of(&results[2]).reason, "auto create [new] denied");
    assert!(results[3].outcome.is_ok());
    assert!(f.service.space().get("new").is_none());
}

#[test]
fn a_caller_without_auto_put_writes_only_documents_that_fit_the_mapping() {
    let f = fixture();
    let guard = Guard {
        refuse_items: Vec::new(),
        refuse_create: Vec::new(),
        refuse_mapping: vec!["fixed"],
        ..open()
    };
    f.service
        .create_index(
            "fixed",
            &json!({"mappings": {"properties": {"known": {"type": "keyword"}}}}),
        )
        .unwrap();
    let results = f.service.write(
        vec![
            doc("fixed", Some("1"), false, json!({"known": "a"})),
            doc("fixed", Some("2"), false, json!({"known": "b", "extra": 1})),
            update("fixed", "1", json!({"doc": {"other": true}})),
            update("fixed", "1", json!({"doc": {"known": "c"}})),
        ],
        &guard,
        Refresh::None,
    );
    assert!(results[0].outcome.is_ok(), "{:?}", results[0].outcome);
    assert_eq!(error_of(&results[1]).status, 403);
    assert_eq!(
        error_of(&results[1]).reason,
        "mapping update of [fixed] denied"
    );
    assert_eq!(error_of(&results[2]).status, 403);
    assert!(results[3].outcome.is_ok(), "{:?}", results[3].outcome);
    let mapping = f.service.backend().index_info("fixed").unwrap().mappings;
    assert!(mapping["properties"].get("extra").is_none(), "{mapping}");
    assert!(mapping["properties"].get("other").is_none(), "{mapping}");
    // The same documents with the privilege add their fields.
    let results = f.service.write(
        vec![doc(
            "fixed",
            Some("2"),
            false,
            json!({"known": "b", "extra": 1}),
        )],
        &open(),
        Refresh::None,
    );
    assert!(results[0].outcome.is_ok());
    let mapping = f.service.backend().index_info("fixed").unwrap().mappings;
    assert_eq!(mapping["properties"]["extra"]["type"], "long", "{mapping}");
    // A grant with a deprecation warning warns only when a field is actually added.
    let warned = Guard {
        warn_mapping: vec!["fixed"],
        ..open()
    };
    let results = f.service.write(
        vec![doc(
            "fixed",
            Some("3"),
            false,
            json!({"known": "d", "extra": 2}),
        )],
        &warned,
        Refresh::None,
    );
    assert!(results[0].outcome.is_ok());
    assert!(!results[0].outcome.as_ref().unwrap().mapping_updated);
    assert!(warned.warnings.lock().unwrap().is_empty());
    let results = f.service.write(
        vec![doc("fixed", Some("4"), false, json!({"fresh": "x"}))],
        &warned,
        Refresh::None,
    );
    assert!(results[0].outcome.as_ref().unwrap().mapping_updated);
    assert_eq!(
        *warned.warnings.lock().unwrap(),
        vec!["mapping update of [fixed] deprecated".to_string()]
    );
}

#[test]
fn aliases_route_writes_to_their_write_index() {
    let f = fixture();
    f.service.create_index("a1", &json!({})).unwrap();
    f.service.create_index("a2", &json!({})).unwrap();
    f.service
        .update_aliases(&json!({"actions": [
            {"add": {"index": "a1", "alias": "both"}},
            {"add": {"index": "a2", "alias": "both", "is_write_index": true}},
            {"add": {"index": "a1", "alias": "nowrite"}},
            {"add": {"index": "a2", "alias": "nowrite"}}
        ]}))
        .unwrap();
    let mut strict = doc("a1", Some("x"), false, json!({}));
    strict.require_alias = true;
    let results = f.service.write(
        vec![
            doc("both", Some("1"), false, json!({"v": 1})),
            doc("nowrite", Some("2"), false, json!({"v": 2})),
            strict,
        ],
        &open(),
        Refresh::None,
    );
    assert_eq!(results[0].index, "a2");
    assert!(
        error_of(&results[1])
            .reason
            .starts_with("no write index is defined for alias [nowrite]")
    );
    assert_eq!(
        error_of(&results[2]).reason,
        "no such index [a1] and [require_alias] request flag is [true] and [a1] is not an alias"
    );
    assert_eq!(
        f.service
            .single_index("both")
            .unwrap_err()
            .to_exception()
            .status,
        400
    );
}

#[test]
fn updates_merge_upsert_and_detect_noops() {
    let f = fixture();
    f.service.write(
        vec![doc(
            "u",
            Some("1"),
            false,
            json!({"a": {"b": 1, "c": 2}, "n": 1}),
        )],
        &open(),
        Refresh::None,
    );
    let results = f.service.write(
        vec![
            update("u", "1", json!({"doc": {"a": {"b": 5}}})),
            update("u", "1", json!({"doc": {"a": {"b": 5}}})),
            update("u", "2", json!({"doc": {"x": 1}})),
            update("u", "3", json!({"doc": {"x": 1}, "doc_as_upsert": true})),
            update("u", "4", json!({"doc": {"x": 1}, "upsert": {"x": 0}})),
        ],
        &open(),
        Refresh::None,
    );
    let first = results[0].outcome.as_ref().unwrap();
    assert_eq!(first.result, WriteResultKind::Updated);
    assert_eq!(first.version, 2);
    assert_eq!(
        results[0].updated_source,
        Some(json!({"a": {"b": 5, "c": 2}, "n": 1}))
    );
    assert_eq!(
        results[1].outcome.as_ref().unwrap().result,
        WriteResultKind::Noop
    );
    let missing = error_of(&results[2]);
    assert_eq!(missing.error_type, "document_missing_exception");
    assert_eq!(missing.reason, "[2]: document missing");
    assert_eq!(
        results[3].outcome.as_ref().unwrap().result,
        WriteResultKind::Created
    );
    let upserted = f.service.backend().get("u", "4").unwrap().unwrap();
    assert_eq!(upserted.source, json!({"x": 0}));
    let mut stale = update("u", "1", json!({"doc": {"n": 9}}));
    stale.versioning.if_seq_no = Some(0);
    stale.versioning.if_primary_term = Some(1);
    let results = f.service.write(vec![stale], &open(), Refresh::None);
    assert_eq!(
        error_of(&results[0]).error_type,
        "version_conflict_engine_exception"
    );
}

#[test]
fn auto_create_follows_the_node_setting() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_at(
        dir.path(),
        ServiceSettings {
            auto_create_index: AutoCreateIndex::parse("+logs-*,-*"),
            ..ServiceSettings::default()
        },
    );
    let results = service.write(
        vec![
            doc("logs-1", Some("1"), false, json!({})),
            doc("other", Some("1"), false, json!({})),
        ],
        &open(),
        Refresh::None,
    );
    assert!(results[0].outcome.is_ok());
    assert_eq!(
        error_of(&results[1]).reason,
        "no such index [other] and [action.auto_create_index] ([+logs-*,-*]) doesn't match"
    );
    assert!(AutoCreateIndex::parse("true").allows("x"));
    assert!(!AutoCreateIndex::parse("false").allows("x"));
}

#[test]
fn metadata_survives_a_restart_and_data_streams_roll_over() {
    let dir = tempfile::tempdir().unwrap();
    {
        let service = open_at(dir.path(), ServiceSettings::default());
        service
            .put_index_template(
                "ds",
                &json!({"index_patterns": ["ds-*"], "data_stream": {}, "priority": 5}),
                false,
            )
            .unwrap();
        service.create_data_stream("ds-a").unwrap();
        service
            .create_index("kept", &json!({"aliases": {"k": {}}}))
            .unwrap();
    }
    let service = open_at(dir.path(), ServiceSettings::default());
    let space = service.space();
    assert!(space.get("ds-a").is_some() && space.get("k").is_some());
    let rolled = service
        .rollover("ds-a", None, &json!({"conditions": {"max_docs": 1}}), false)
        .unwrap();
    assert_eq!(rolled["rolled_over"], false, "no document yet");
    let rolled = service.rollover("ds-a", None, &Value::Null, false).unwrap();
    assert_eq!(rolled["rolled_over"], true);
    assert!(rolled["new_index"].as_str().unwrap().ends_with("-000002"));
    assert_eq!(service.space().get("ds-a").unwrap().indices.len(), 2);
    service
        .delete_data_streams(&["ds-a".to_string()], false)
        .unwrap();
    assert!(service.space().get("ds-a").is_none());
    assert_eq!(
        service.concrete().len(),
        1,
        "the backing indices went with the stream"
    );
}

#[test]
fn closed_indices_refuse_reads_and_writes_until_opened_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    {
        let service = open_at(dir.path(), ServiceSettings::default());
        let r = service.write(
            vec![doc("shut", Some("1"), false, json!({"a": 1}))],
            &open(),
            Refresh::Immediate,
        );
        assert!(r[0].outcome.is_ok());
        let closed = service.close_indices(&["shut".to_string()]).unwrap();
        assert_eq!(closed, ["shut"]);
        assert!(
            service
                .concrete()
                .iter()
                .any(|c| c.name == "shut" && c.closed)
        );
        assert!(service.space().get("shut").unwrap().closed);
        // Closing it again closes nothing.
        assert!(
            service
                .close_indices(&["shut".to_string()])
                .unwrap()
                .is_empty()
        );
    }
    let service = open_at(dir.path(), ServiceSettings::default());
    assert!(
        service.space().get("shut").unwrap().closed,
        "closed after a restart"
    );
    let r = service.write(
        vec![doc("shut", Some("2"), false, json!({"a": 2}))],
        &open(),
        Refresh::None,
    );
    let e = error_of(&r[0]);
    assert_eq!(
        (e.error_type.as_str(), e.reason.as_str(), e.status),
        ("index_closed_exception", "closed", 400)
    );
    assert_eq!(e.metadata.get("index"), Some(&json!("shut")));
    let e = service.backend().get("shut", "1").unwrap_err();
    assert!(matches!(e, StoreError::IndexClosed { .. }), "{e:?}");
    assert!(matches!(
        service.refresh_indices(&["shut".to_string()]),
        Err(StoreError::IndexClosed { .. })
    ));
    service.open_indices(&["shut".to_string()]).unwrap();
    assert!(!service.space().get("shut").unwrap().closed);
    assert_eq!(
        service.backend().get("shut", "1").unwrap().unwrap().source,
        json!({"a": 1})
    );
}

fn ds_template(service: &StoreService, settings: Value) {
    service
        .put_index_template(
            "logs",
            &json!({"index_patterns": ["logs-*"], "data_stream": {}, "priority": 5,
                    "template": {"settings": settings}}),
            false,
        )
        .unwrap();
}

fn event(ts: &str) -> WriteItem {
    doc("logs-app", None, true, json!({"@timestamp": ts, "m": "x"}))
}

#[test]
fn a_data_stream_write_index_cannot_be_closed_and_lazy_rollover_waits_for_a_write() {
    let f = fixture();
    ds_template(&f.service, json!({}));
    f.service.create_data_stream("logs-app").unwrap();
    let first = f.service.space().get("logs-app").unwrap().indices[0].clone();
    let e = f
        .service
        .close_indices(std::slice::from_ref(&first))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("cannot close the following data stream write indices [{first}]")
    );

    let e = f
        .service
        .rollover_lazy("logs-app", &json!({"conditions": {"max_docs": 1}}), false)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Lazy rollover can be used only without any conditions.")
    );
    f.service.create_index("plain", &Value::Null).unwrap();
    let e = f
        .service
        .rollover_lazy("plain", &Value::Null, false)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Lazy rollover can be applied only on a data stream. Please remove the query parameter 'lazy'."
    );

    let dry = f
        .service
        .rollover_lazy("logs-app", &Value::Null, true)
        .unwrap();
    assert_eq!(
        (dry["dry_run"].clone(), dry["lazy"].clone()),
        (json!(true), json!(true))
    );
    assert!(
        !f.service
            .metadata()
            .data_stream("logs-app")
            .unwrap()
            .rollover_on_write
    );
    let marked = f
        .service
        .rollover_lazy("logs-app", &Value::Null, false)
        .unwrap();
    assert_eq!(marked["acknowledged"], true);
    assert_eq!(marked["rolled_over"], false);
    assert_eq!(marked["old_index"], json!(first));
    assert_eq!(f.service.space().get("logs-app").unwrap().indices.len(), 1);
    let r = f.service.write(
        vec![event("2024-05-01T00:00:00Z"), event("2024-05-01T00:00:01Z")],
        &open(),
        Refresh::Immediate,
    );
    let stream = f.service.space().get("logs-app").unwrap().clone();
    assert_eq!(
        stream.indices.len(),
        2,
        "rolled over once, before the write"
    );
    assert_eq!(r[0].index, stream.indices[1]);
    assert_eq!(r[1].index, stream.indices[1]);
    assert!(
        !f.service
            .metadata()
            .data_stream("logs-app")
            .unwrap()
            .rollover_on_write
    );

    let stats = f.service.backing_index_stats();
    assert_eq!(stats[&stream.indices[0]].max_timestamp, None);
    assert_eq!(
        stats[&stream.indices[1]].max_timestamp,
        Some(1_714_521_601_000),
        "the greatest @timestamp"
    );
    assert!(stats[&stream.indices[1]].store_size_bytes > 0);
}

#[test]
fn ilm_rolls_over_on_max_docs_then_deletes_the_old_index() {
    let f = fixture();
    f.service
        .put_ilm_policy(
            "roll",
            &json!({"policy": {"phases": {
                "hot": {"actions": {"rollover": {"max_docs": 2}}},
                "delete": {"min_age": "0ms", "actions": {"delete": {}}}}}}),
        )
        .unwrap();
    ds_template(&f.service, json!({"index.lifecycle.name": "roll"}));
    let r = f.service.write(
        vec![event("2024-05-01T00:00:00Z")],
        &open(),
        Refresh::Immediate,
    );
    let first = r[0].index.clone();
    let now = ironstack_types::date::now_millis();
    let run = f.service.run_ilm(now);
    assert_eq!(run, IlmRun::default(), "one document: not yet");
    let state = f
        .service
        .metadata()
        .lifecycle_state(&first)
        .cloned()
        .unwrap();
    assert_eq!(
        (
            state.phase.as_str(),
            state.action.as_str(),
            state.step.as_str()
        ),
        ("hot", "rollover", "check-rollover-ready")
    );
    f.service.write(
        vec![event("2024-05-01T00:00:01Z")],
        &open(),
        Refresh::Immediate,
    );
    let run = f.service.run_ilm(now + 1);
    assert_eq!(run.rolled_over, [("logs-app".to_string(), first.clone())]);
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    let indices = f.service.space().get("logs-app").unwrap().indices.clone();
    assert_eq!(indices.len(), 2);
    let run = f.service.run_ilm(ironstack_types::date::now_millis() + 2);
    assert_eq!(run.deleted, std::slice::from_ref(&first));
    assert_eq!(
        f.service.space().get("logs-app").unwrap().indices,
        [indices[1].clone()]
    );
    assert!(f.service.metadata().lifecycle_state(&first).is_none());

    // Stopped, nothing moves.
    f.service
        .set_ilm_mode(crate::metadata::IlmMode::Stopped)
        .unwrap();
    assert_eq!(
        f.service.metadata().ilm_status(),
        json!({"operation_mode": "STOPPED"})
    );
    f.service.write(
        vec![event("2024-05-01T00:00:02Z"), event("2024-05-01T00:00:03Z")],
        &open(),
        Refresh::Immediate,
    );
    assert_eq!(f.service.run_ilm(now + 3), IlmRun::default());
}

#[test]
fn indices_the_node_manages_can_be_read_but_not_changed_by_requests() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_at(
        dir.path(),
        ServiceSettings {
            managed_indices: vec![(".security-7".into(), "security".into())],
            ..ServiceSettings::default()
        },
    );
    service
        .create_index(".security-7", &json!({"aliases": {".security": {}}}))
        .unwrap();
    let results = service.write(
        vec![
            doc(".security-7", Some("1"), false, json!({})),
            doc(".security", Some("2"), false, json!({})),
        ],
        &open(),
        Refresh::None,
    );
    for result in &results {
        let e = error_of(result);
        assert_eq!(
            (e.error_type.as_str(), e.status),
            ("security_exception", 403)
        );
        assert!(
            e.reason.contains("managed by the node's security service"),
            "{}",
            e.reason
        );
    }
    let names = vec![".security-7".to_string()];
    assert!(matches!(
        service.delete_indices(&names),
        Err(StoreError::Denied(_))
    ));
    assert!(matches!(
        service.close_indices(&names),
        Err(StoreError::Denied(_))
    ));
    assert!(matches!(
        service.put_mapping(&names, &json!({"properties": {"x": {"type": "long"}}})),
        Err(StoreError::Denied(_))
    ));
    // The node's own writes go to the backend directly.
    service
        .backend()
        .write(
            ".security-7",
            vec![crate::api::WriteOp::Index {
                id: Some("1".into()),
                source: b"{}".to_vec(),
                create: false,
                condition: Default::default(),
            }],
            &crate::api::WriteOptions::default(),
        )
        .unwrap()
        .remove(0)
        .unwrap();
}
