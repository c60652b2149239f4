//! Tests of the write path: versions and conflicts with Elasticsearch's texts, realtime get,
//! refresh visibility, recovery, group commit, the folder lock, deleting an index, damaged
//! logs and tombstones.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::testing::parse;
use super::*;
use crate::api::{Refresh, WriteCondition, WriteResultKind};
use crate::query::SearchRequest;

fn open(dir: &Path) -> Engine {
    Engine::open(dir, EngineOptions::default()).expect("engine opens")
}

fn settings() -> IndexSettings {
    IndexSettings {
        refresh_interval: None,
        ..IndexSettings::default()
    }
}

fn index_op(id: &str, source: Value) -> EngineOp {
    EngineOp::Index {
        id: Some(id.to_string()),
        source: serde_json::to_vec(&source).unwrap_or_default(),
        parsed: parse(&source, &["title"]),
        create: false,
        condition: WriteCondition::None,
    }
}

fn with(op: EngineOp, create: bool, condition: WriteCondition) -> EngineOp {
    match op {
        EngineOp::Index {
            id, source, parsed, ..
        } => EngineOp::Index {
            id,
            source,
            parsed,
            create,
            condition,
        },
        other => other,
    }
}

fn one(engine: &Engine, index: &str, op: EngineOp) -> Result<WriteOutcome> {
    engine
        .apply(index, vec![op], Refresh::None)
        .expect("the call succeeds")
        .pop()
        .expect("one outcome")
}

fn conflict_text(r: Result<WriteOutcome>) -> String {
    match r {
        Err(e @ StoreError::VersionConflict { .. }) => {
            let ex = e.to_exception();
            assert_eq!(ex.status, 409);
            e.to_string()
        }
        other => panic!("expected a version conflict, got {other:?}"),
    }
}

fn total(engine: &Engine, index: &str) -> u64 {
    engine
        .search(
            &[index],
            &SearchRequest::default(),
            &FieldTypeMap::default(),
        )
        .expect("search")
        .total
}

#[test]
fn versions_and_conflicts_follow_elasticsearch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    engine
        .create_index("i", "uuid-1", &settings(), json!({}))
        .expect("created");

    let first = one(&engine, "i", index_op("1", json!({"a": 1}))).expect("indexed");
    assert_eq!(
        (
            first.version,
            first.seq_no,
            first.primary_term,
            first.result
        ),
        (1, 0, 1, WriteResultKind::Created)
    );
    let second = one(&engine, "i", index_op("1", json!({"a": 2}))).expect("indexed");
    assert_eq!(
        (second.version, second.seq_no, second.result),
        (2, 1, WriteResultKind::Updated)
    );

    let create = with(index_op("1", json!({})), true, WriteCondition::None);
    assert_eq!(
        conflict_text(one(&engine, "i", create)),
        "[1]: version conflict, document already exists (current version [2])"
    );
    let stale = with(
        index_op("1", json!({})),
        false,
        WriteCondition::SeqNo {
            seq_no: 0,
            primary_term: 1,
        },
    );
    assert_eq!(
        conflict_text(one(&engine, "i", stale)),
        "[1]: version conflict, required seqNo [0], primary term [1]. current document has seqNo [1] and primary term [1]"
    );
    let absent = with(
        index_op("nope", json!({})),
        false,
        WriteCondition::SeqNo {
            seq_no: 5,
            primary_term: 1,
        },
    );
    assert_eq!(
        conflict_text(one(&engine, "i", absent)),
        "[nope]: version conflict, required seqNo [5], primary term [1]. but no document was found"
    );
    let fresh = with(
        index_op("1", json!({"a": 3})),
        false,
        WriteCondition::SeqNo {
            seq_no: 1,
            primary_term: 1,
        },
    );
    let third = one(&engine, "i", fresh).expect("matching seq_no");
    assert_eq!((third.version, third.seq_no), (3, 2));

    let external = |v: u64, gte: bool| {
        with(
            index_op("e", json!({"v": v})),
            false,
            WriteCondition::External { version: v, gte },
        )
    };
    assert_eq!(
        one(&engine, "i", external(5, false))
            .map(|o| o.version)
            .ok(),
        Some(5)
    );
    assert_eq!(
        conflict_text(one(&engine, "i", external(5, false))),
        "[e]: version conflict, current version [5] is higher or equal to the one provided [5]"
    );
    assert_eq!(
        one(&engine, "i", external(5, true)).map(|o| o.version).ok(),
        Some(5)
    );
    assert_eq!(
        conflict_text(one(&engine, "i", external(4, true))),
        "[e]: version conflict, current version [5] is higher than the one provided [4]"
    );

    // Deletes: found, then not found; both take a seq_no; the version goes on from the
    // tombstone while `gc_deletes` remembers it.
    let del = one(
        &engine,
        "i",
        EngineOp::Delete {
            id: "1".into(),
            condition: WriteCondition::None,
        },
    )
    .expect("deleted");
    assert_eq!((del.version, del.result), (4, WriteResultKind::Deleted));
    let again = one(
        &engine,
        "i",
        EngineOp::Delete {
            id: "1".into(),
            condition: WriteCondition::None,
        },
    )
    .expect("not found is not an error");
    assert_eq!(again.result, WriteResultKind::NotFound);
    assert_eq!(again.seq_no, del.seq_no + 1);
    assert_eq!(engine.get("i", "1").expect("get"), None);
    let back = one(&engine, "i", index_op("1", json!({"a": 4}))).expect("indexed");
    assert_eq!((back.version, back.result), (6, WriteResultKind::Created));

    // One failing operation fails alone within a call.
    let outcomes = engine
        .apply(
            "i",
            vec![
                index_op("x", json!({})),
                with(index_op("x", json!({})), true, WriteCondition::None),
                index_op("y", json!({})),
            ],
            Refresh::None,
        )
        .expect("the call succeeds");
    assert!(outcomes[0].is_ok() && outcomes[1].is_err() && outcomes[2].is_ok());
    let err = outcomes[1].as_ref().expect_err("conflict").to_exception();
    assert_eq!(
        err.metadata.get("index").and_then(|v| v.as_str()),
        Some("i")
    );
    assert_eq!(
        err.metadata.get("index_uuid").and_then(|v| v.as_str()),
        Some("uuid-1")
    );
    let stats = engine.stats("i").expect("stats");
    assert!(stats.index_failed >= 1);
}

#[test]
fn generated_ids_realtime_get_and_refresh_visibility() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    engine
        .create_index("i", "u", &settings(), json!({}))
        .expect("created");
    let outcome = one(
        &engine,
        "i",
        EngineOp::Index {
            id: None,
            source: br#"{"k":"v"}"#.to_vec(),
            parsed: parse(&json!({"k": "v"}), &[]),
            create: true,
            condition: WriteCondition::None,
        },
    )
    .expect("indexed");
    assert_eq!(outcome.id.len(), 20);
    // Realtime: the document table answers before any refresh; search does not see it.
    let got = engine.get("i", &outcome.id).expect("get").expect("found");
    assert_eq!(got.source, json!({"k": "v"}));
    assert_eq!(total(&engine, "i"), 0);
    engine.refresh("i").expect("refresh");
    assert_eq!(total(&engine, "i"), 1);

    let forced = engine
        .apply("i", vec![index_op("2", json!({}))], Refresh::Immediate)
        .expect("applied");
    assert!(forced[0].as_ref().is_ok_and(|o| o.forced_refresh));
    assert_eq!(total(&engine, "i"), 2);

    // `wait_for` returns once the periodic refresh made the write visible.
    let mut periodic = settings();
    periodic.refresh_interval = Some(Duration::from_millis(50));
    engine.update_settings("i", periodic).expect("settings");
    let waited = engine
        .apply("i", vec![index_op("3", json!({}))], Refresh::WaitFor)
        .expect("applied");
    assert!(waited[0].as_ref().is_ok_and(|o| !o.forced_refresh));
    assert_eq!(total(&engine, "i"), 3);
    let stats = engine.stats("i").expect("stats");
    assert_eq!(stats.docs_count, 3);
    assert!(stats.refresh_total >= 3, "{stats:?}");
    assert!(stats.refresh_external_total >= 2, "{stats:?}");
    assert!(stats.store_size_bytes > 0);
    assert_eq!(stats.max_seq_no, 2);
}

#[test]
fn recovery_replays_unrefreshed_writes_and_bumps_the_primary_term() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let engine = open(dir.path());
        engine
            .create_index("i", "u", &settings(), json!({"mappings": {"x": 1}}))
            .expect("created");
        let ops = (0..50)
            .map(|n| index_op(&n.to_string(), json!({"n": n})))
            .collect();
        engine.apply("i", ops, Refresh::None).expect("applied");
        engine.refresh("i").expect("refresh");
        // These never reach a tantivy commit before the engine goes away.
        let ops = (50..80)
            .map(|n| index_op(&n.to_string(), json!({"n": n})))
            .collect();
        engine.apply("i", ops, Refresh::None).expect("applied");
        one(
            &engine,
            "i",
            EngineOp::Delete {
                id: "3".into(),
                condition: WriteCondition::None,
            },
        )
        .expect("deleted");
        assert_eq!(total(&engine, "i"), 50);
    }
    let engine = open(dir.path());
    let meta = engine.index_meta("i").expect("meta");
    assert_eq!(meta.primary_term, 2);
    assert_eq!(meta.metadata, json!({"mappings": {"x": 1}}));
    assert_eq!(total(&engine, "i"), 79);
    assert_eq!(engine.get("i", "3").expect("get"), None);
    let doc = engine.get("i", "79").expect("get").expect("found");
    assert_eq!((doc.seq_no, doc.primary_term), (79, 1));
    let next = one(&engine, "i", index_op("79", json!({"n": 0}))).expect("indexed");
    assert_eq!((next.seq_no, next.primary_term, next.version), (81, 2, 2));
    assert_eq!(engine.stats("i").expect("stats").max_seq_no, 81);
}

#[test]
fn concurrent_writers_share_fsyncs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Arc::new(open(dir.path()));
    engine
        .create_index("i", "u", &settings(), json!({}))
        .expect("created");
    let threads = 8;
    let per_thread = 40;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let engine = Arc::clone(&engine);
            std::thread::spawn(move || {
                let mut seqs = Vec::new();
                for n in 0..per_thread {
                    let outcome = one(&engine, "i", index_op(&format!("{t}-{n}"), json!({"t": t})))
                        .expect("indexed");
                    seqs.push(outcome.seq_no);
                }
                seqs
            })
        })
        .collect();
    let mut seqs: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("thread"))
        .collect();
    seqs.sort_unstable();
    let writes = (threads * per_thread) as u64;
    assert_eq!(seqs, (0..writes).collect::<Vec<_>>());
    let stats = engine.stats("i").expect("stats");
    assert!(
        stats.wal_syncs < writes,
        "{} fsyncs for {writes} writes",
        stats.wal_syncs
    );
    assert_eq!(stats.index_total, writes);
}

#[test]
fn async_durability_syncs_in_the_background() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    let s = IndexSettings {
        durability: Durability::Async,
        sync_interval: Duration::from_millis(100),
        ..settings()
    };
    engine
        .create_index("i", "u", &s, json!({}))
        .expect("created");
    for n in 0..20 {
        one(&engine, "i", index_op(&n.to_string(), json!({}))).expect("indexed");
    }
    let before = engine.stats("i").expect("stats");
    assert_eq!(before.wal_transactions, 20);
    assert!(before.wal_syncs < 20, "{before:?}");
    std::thread::sleep(Duration::from_millis(400));
    let after = engine.stats("i").expect("stats");
    assert!(after.wal_syncs > before.wal_syncs, "{after:?}");
}

#[test]
fn the_log_forgets_what_a_refresh_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    engine
        .create_index("i", "u", &settings(), json!({}))
        .expect("created");
    let ops = (0..30)
        .map(|n| index_op(&n.to_string(), json!({"title": "some words here"})))
        .collect();
    engine.apply("i", ops, Refresh::None).expect("applied");
    let before = engine.stats("i").expect("stats");
    assert_eq!(
        (
            before.translog_operations,
            before.translog_uncommitted_operations
        ),
        (30, 30)
    );
    engine.refresh("i").expect("refresh");
    // No write follows: the writer thread prunes on its own once idle.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while engine.stats("i").expect("stats").translog_operations > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the log was never pruned"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        engine
            .stats("i")
            .expect("stats")
            .translog_uncommitted_operations,
        0
    );
    // Pruned entries are not needed: a reopen finds everything.
    drop(engine);
    let engine = open(dir.path());
    assert_eq!(total(&engine, "i"), 30);
    let doc = engine.get("i", "7").expect("get").expect("found");
    assert_eq!(doc.source, json!({"title": "some words here"}));
}

#[test]
fn hits_show_the_refreshed_source_and_get_the_latest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    engine
        .create_index("i", "u", &settings(), json!({}))
        .expect("created");
    engine
        .apply(
            "i",
            vec![index_op("1", json!({"v": 1}))],
            Refresh::Immediate,
        )
        .expect("applied");
    // Let the idle writer prune the log, so that get reads the document store.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(engine.stats("i").expect("stats").translog_operations, 0);
    let got = engine.get("i", "1").expect("get").expect("found");
    assert_eq!(
        (got.source, got.version, got.seq_no),
        (json!({"v": 1}), 1, 0)
    );
    one(&engine, "i", index_op("1", json!({"v": 2}))).expect("indexed");
    let request = SearchRequest {
        version: true,
        ..SearchRequest::default()
    };
    let hits = engine
        .search(&["i"], &request, &FieldTypeMap::default())
        .expect("search")
        .hits;
    assert_eq!(hits[0].source, Some(json!({"v": 1})));
    assert_eq!(hits[0].version, Some(1));
    let got = engine.get("i", "1").expect("get").expect("found");
    assert_eq!((got.source, got.version), (json!({"v": 2}), 2));
    one(
        &engine,
        "i",
        EngineOp::Delete {
            id: "1".into(),
            condition: WriteCondition::None,
        },
    )
    .expect("deleted");
    assert_eq!(engine.get("i", "1").expect("get"), None);
    assert_eq!(total(&engine, "i"), 1);
    engine.refresh("i").expect("refresh");
    assert_eq!(total(&engine, "i"), 0);
}

#[test]
fn idle_writers_close_and_reopen_on_the_next_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = EngineOptions {
        idle_writer_close: Duration::from_millis(200),
        refresh_tick: Duration::from_millis(20),
        ..EngineOptions::default()
    };
    let engine = Engine::open(dir.path(), options).expect("engine");
    engine
        .create_index("i", "u", &settings(), json!({}))
        .expect("created");
    engine
        .apply("i", vec![index_op("1", json!({"a": 1}))], Refresh::None)
        .expect("applied");
    // Unrefreshed writes keep the writer open however long they wait.
    std::thread::sleep(Duration::from_millis(500));
    assert!(engine.writer_open("i").expect("index"));
    engine.refresh("i").expect("refresh");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while engine.writer_open("i").expect("index") {
        assert!(
            std::time::Instant::now() < deadline,
            "the idle writer stayed open"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(total(&engine, "i"), 1);
    engine
        .apply(
            "i",
            vec![index_op("2", json!({"a": 2}))],
            Refresh::Immediate,
        )
        .expect("applied");
    assert!(engine.writer_open("i").expect("index"));
    assert_eq!(total(&engine, "i"), 2);
}

#[test]
fn the_data_folder_is_locked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    match Engine::open(dir.path(), EngineOptions::default()) {
        Err(StoreError::Unavailable(m)) => {
            assert!(m.contains("failed to obtain node locks"), "{m}")
        }
        other => panic!("expected a lock error, got {other:?}"),
    }
    drop(engine);
    open(dir.path());
}

#[test]
fn deleting_an_index_frees_its_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    engine
        .create_index("i", "u1", &settings(), json!({}))
        .expect("created");
    let ops = (0..100)
        .map(|n| index_op(&n.to_string(), json!({"pad": "x".repeat(500)})))
        .collect();
    engine.apply("i", ops, Refresh::Immediate).expect("applied");
    assert!(dir.path().join("indices/u1/wal.redb").exists());
    match engine.create_index("i", "u2", &settings(), json!({})) {
        Err(StoreError::IndexAlreadyExists { uuid, .. }) => assert_eq!(uuid, "u1"),
        other => panic!("expected already exists, got {other:?}"),
    }
    engine.delete_index("i").expect("deleted");
    assert!(!dir.path().join("indices/u1").exists());
    assert_eq!(
        std::fs::read_dir(dir.path().join("indices"))
            .map(|d| d.count())
            .ok(),
        Some(0)
    );
    assert!(matches!(
        engine.get("i", "1"),
        Err(StoreError::IndexNotFound { .. })
    ));
    assert!(matches!(
        engine.delete_index("i"),
        Err(StoreError::IndexNotFound { .. })
    ));
    engine
        .create_index("i", "u3", &settings(), json!({}))
        .expect("created again");
    assert_eq!(engine.get("i", "1").expect("get"), None);
    drop(engine);
    let engine = open(dir.path());
    assert_eq!(engine.indices(), vec!["i".to_string()]);
}

#[test]
fn a_damaged_log_is_reported_at_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let engine = open(dir.path());
        engine
            .create_index("i", "u", &settings(), json!({}))
            .expect("created");
        one(&engine, "i", index_op("1", json!({}))).expect("indexed");
    }
    let wal = dir.path().join("indices/u/wal.redb");
    let len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    std::fs::write(&wal, vec![0xA5u8; len as usize]).expect("overwrite");
    match Engine::open(dir.path(), EngineOptions::default()) {
        Err(StoreError::Unavailable(m)) => assert!(m.contains("write-ahead log"), "{m}"),
        other => panic!("expected the damage reported, got {other:?}"),
    }
}

#[test]
fn expired_tombstones_forget_the_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = open(dir.path());
    let s = IndexSettings {
        gc_deletes: Duration::ZERO,
        ..settings()
    };
    engine
        .create_index("i", "u", &s, json!({}))
        .expect("created");
    one(&engine, "i", index_op("1", json!({}))).expect("indexed");
    one(
        &engine,
        "i",
        EngineOp::Delete {
            id: "1".into(),
            condition: WriteCondition::None,
        },
    )
    .expect("deleted");
    std::thread::sleep(Duration::from_millis(5));
    let again = one(&engine, "i", index_op("1", json!({}))).expect("indexed");
    assert_eq!((again.version, again.result), (1, WriteResultKind::Created));
}
