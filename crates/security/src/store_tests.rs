use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;

fn open(dir: &Path) -> SecurityStore {
    SecurityStore::open(dir).unwrap()
}

fn small(compact_min_bytes: u64) -> StoreOptions {
    StoreOptions {
        compact_min_bytes,
        ..StoreOptions::default()
    }
}

fn store_dir(data: &Path) -> PathBuf {
    data.join(STORE_DIR)
}

fn journal_files(data: &Path) -> Vec<(u64, PathBuf)> {
    journal::list(&store_dir(data)).unwrap()
}

/// Copies the store folder of `from` into a fresh data folder.
fn copy_store(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    fs::create_dir(store_dir(to.path())).unwrap();
    for entry in fs::read_dir(store_dir(from)).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), store_dir(to.path()).join(entry.file_name())).unwrap();
    }
    to
}

fn token(i: usize) -> (String, Value) {
    (
        format!("t{i:05}"),
        json!({"doc_type": "token", "creation_time": i, "access_token": {"invalidated": false}}),
    )
}

#[test]
fn users_persist_across_reopen_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert!(!store.is_persisted());
    assert!(store.user("elastic").is_none());
    let g0 = store.generation(Section::Users);
    store
        .put_user(
            "elastic",
            StoredUser::new("$2a$10$abc".into(), vec!["superuser".into()]),
        )
        .unwrap();
    assert!(store.generation(Section::Users) > g0);
    assert!(store.is_persisted());
    let mode = fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!store.path().with_extension("json.tmp").exists());
    // The second change goes to a journal, also 0600.
    store
        .put_user("joe", StoredUser::new("$2a$10$def".into(), vec![]))
        .unwrap();
    let journals = journal_files(dir.path());
    assert_eq!(journals.len(), 1);
    let mode = fs::metadata(&journals[0].1).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    drop(store);

    let again = open(dir.path());
    let user = again.user("elastic").unwrap();
    assert_eq!(user.roles, vec!["superuser".to_string()]);
    assert_eq!(user.password_hash.as_deref(), Some("$2a$10$abc"));
    assert!(!format!("{user:?}").contains("abc"));
    assert_eq!(again.usernames(), vec!["elastic", "joe"]);
    assert!(again.delete_user("elastic").unwrap());
    assert!(!again.delete_user("elastic").unwrap());
    drop(again);
    assert!(open(dir.path()).user("elastic").is_none());
}

#[test]
fn a_format_1_store_is_read_and_migrated_with_unknown_sections_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = SecurityStore::file_path(dir.path());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(
        &path,
        r#"{"format":1,"users":{"elastic":{"password_hash":"$2a$10$x","roles":[],"enabled":false}},"roles":{"r1":{"cluster":["monitor"]}},"api_keys":{},"tokens":{"t1":{"a":1}},"from_the_future":{"x":{"y":2}}}"#,
    )
    .unwrap();
    let store = open(dir.path());
    assert!(!store.user("elastic").unwrap().enabled);
    assert_eq!(store.role("r1").unwrap()["cluster"][0], "monitor");
    assert_eq!(store.doc(Section::Tokens, "t1"), Some(json!({"a": 1})));
    let migrated: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(migrated["format"], 2);
    assert_eq!(migrated["seq"], 0);
    assert_eq!(migrated["from_the_future"], json!({"x": {"y": 2}}));
    // Later changes and a compaction keep the unknown section too.
    store
        .put_user("joe", StoredUser::new("h".into(), vec![]))
        .unwrap();
    store.compact().unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("from_the_future"), "{text}");
    assert!(text.contains("\"joe\""), "{text}");
    drop(store);
    let again = open(dir.path());
    assert_eq!(again.usernames(), vec!["elastic", "joe"]);
}

#[test]
fn sections_persist_and_report_deletions() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let g0 = store.generation(Section::RoleMappings);
    store
        .write_docs(
            Section::RoleMappings,
            vec![("m1".into(), json!({"roles": ["r"]}))],
            &[],
        )
        .unwrap();
    assert!(store.generation(Section::RoleMappings) > g0);
    drop(store);
    let reopened = open(dir.path());
    assert_eq!(
        reopened.doc(Section::RoleMappings, "m1"),
        Some(json!({"roles": ["r"]}))
    );
    assert!(reopened.doc(Section::Tokens, "m1").is_none());
    let found = reopened
        .write_docs(Section::RoleMappings, vec![], &["m1".into(), "nope".into()])
        .unwrap();
    assert_eq!(found, vec![true, false]);
    assert!(reopened.docs(Section::RoleMappings).is_empty());
    drop(reopened);
    assert!(open(dir.path()).docs(Section::RoleMappings).is_empty());
}

#[test]
fn roles_persist_and_report_created_and_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert!(
        store
            .put_role("r1", json!({"cluster":["monitor"]}))
            .unwrap()
    );
    assert!(!store.put_role("r1", json!({"cluster":["all"]})).unwrap());
    drop(store);
    let again = open(dir.path());
    assert_eq!(again.role("r1").unwrap()["cluster"][0], "all");
    assert_eq!(again.role_names(), vec!["r1".to_string()]);
    assert!(again.delete_role("r1").unwrap());
    assert!(!again.delete_role("r1").unwrap());
    assert!(again.role("r1").is_none());
}

#[test]
fn api_keys_persist() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .put_api_key("k1", json!({"id":"k1","name":"a"}))
        .unwrap();
    store
        .put_api_keys(vec![
            ("k1".into(), json!({"id":"k1","name":"b"})),
            ("k2".into(), json!({"id":"k2","name":"c"})),
        ])
        .unwrap();
    drop(store);
    let again = open(dir.path());
    assert_eq!(again.api_key("k1").unwrap()["name"], "b");
    assert_eq!(again.api_keys().len(), 2);
    assert!(again.api_key("k3").is_none());
}

#[test]
fn generations_and_versions_move_only_for_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .put_user("joe", StoredUser::new("h".into(), vec![]))
        .unwrap();
    store
        .put_user("ann", StoredUser::new("h".into(), vec![]))
        .unwrap();
    store.put_api_key("k1", json!({"id": "k1"})).unwrap();
    let sections = [Section::Users, Section::Roles, Section::ApiKeys];
    let before: Vec<u64> = sections.iter().map(|s| store.generation(*s)).collect();
    let joe = store.version(Section::Users, "joe").unwrap();
    let ann = store.version(Section::Users, "ann").unwrap();
    let key_rewrites = store.overwrite_generation(Section::ApiKeys);

    // Tokens and new API keys touch neither users nor roles, and replace nothing.
    for i in 0..10 {
        let (id, doc) = token(i);
        store
            .write_docs(Section::Tokens, vec![(id, doc)], &[])
            .unwrap();
    }
    store.put_api_key("k2", json!({"id": "k2"})).unwrap();
    assert_eq!(store.generation(Section::Users), before[0]);
    assert_eq!(store.generation(Section::Roles), before[1]);
    assert!(store.generation(Section::ApiKeys) > before[2]);
    assert_eq!(store.overwrite_generation(Section::ApiKeys), key_rewrites);
    assert_eq!(store.overwrite_generation(Section::Tokens), 0);

    // Changing one user changes that user's version only.
    store
        .update_user("joe", |u| {
            let mut u = u.unwrap();
            u.enabled = false;
            (Update::Put(u), ())
        })
        .unwrap();
    assert_ne!(store.version(Section::Users, "joe"), Some(joe));
    assert_eq!(store.version(Section::Users, "ann"), Some(ann));
    assert!(store.generation(Section::Users) > before[0]);
    // Replacing a key moves the overwrite generation; a no-op write moves nothing.
    store
        .put_api_key("k1", json!({"id": "k1", "x": 1}))
        .unwrap();
    assert!(store.overwrite_generation(Section::ApiKeys) > key_rewrites);
    let g = store.generation(Section::ApiKeys);
    let commits = store.stats().commits;
    assert!(!store.delete_role("none").unwrap());
    store
        .update_doc(Section::ApiKeys, "k1", |_| (Update::Keep, ()))
        .unwrap();
    assert_eq!(store.generation(Section::ApiKeys), g);
    assert_eq!(store.stats().commits, commits);
    // A removed and re-created document gets a new version.
    let v = store.version(Section::ApiKeys, "k2").unwrap();
    store
        .write_docs(Section::ApiKeys, vec![], &["k2".into()])
        .unwrap();
    assert_eq!(store.version(Section::ApiKeys, "k2"), None);
    store.put_api_key("k2", json!({"id": "k2"})).unwrap();
    assert_ne!(store.version(Section::ApiKeys, "k2"), Some(v));
}

#[test]
fn transactions_see_their_own_changes_and_commit_them_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .write_docs(
            Section::Tokens,
            vec![("a".into(), json!(1)), ("b".into(), json!(2))],
            &[],
        )
        .unwrap();
    let seen = store
        .transact(|t| {
            t.put(Section::Tokens, "c", json!(3));
            assert!(t.delete(Section::Tokens, "a"));
            assert!(!t.delete(Section::Tokens, "a"));
            // Staged and then removed before commit: nothing to write for it.
            t.put(Section::Tokens, "d", json!(4));
            assert!(t.delete(Section::Tokens, "d"));
            t.docs(Section::Tokens)
                .into_iter()
                .map(|(id, v)| (id.to_string(), v.clone()))
                .collect::<Vec<_>>()
        })
        .unwrap();
    assert_eq!(
        seen,
        vec![("b".to_string(), json!(2)), ("c".to_string(), json!(3))]
    );
    assert_eq!(store.docs(Section::Tokens), seen);
    drop(store);
    assert_eq!(open(dir.path()).docs(Section::Tokens), seen);
}

#[test]
fn a_write_appends_the_change_and_leaves_the_snapshot_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .write_docs(Section::Tokens, (0..2000).map(token).collect(), &[])
        .unwrap();
    let snapshot = fs::read(store.path()).unwrap();
    assert!(snapshot.len() > 100_000);
    let before = store.stats().journal_bytes;
    let (id, doc) = token(99_999);
    store
        .write_docs(Section::Tokens, vec![(id, doc)], &[])
        .unwrap();
    let grew = store.stats().journal_bytes - before;
    assert!(
        grew > 0 && grew < 300,
        "a one-token write appended {grew} bytes"
    );
    assert_eq!(fs::read(store.path()).unwrap(), snapshot);
}

#[test]
fn a_corrupt_snapshot_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = SecurityStore::file_path(dir.path());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, "not json").unwrap();
    let err = SecurityStore::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("store.json"), "{err}");
    fs::write(&path, r#"{"format":3}"#).unwrap();
    let err = SecurityStore::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("unsupported format [3]"), "{err}");
    fs::write(&path, r#"{"format":2,"users":{"joe":{"roles":"x"}}}"#).unwrap();
    let err = SecurityStore::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("user [joe] is not valid"), "{err}");
}

#[test]
fn a_failed_write_leaves_memory_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // A file where the store folder should be makes every write fail.
    fs::write(dir.path().join(STORE_DIR), "x").unwrap();
    assert!(
        store
            .put_user("joe", StoredUser::new("h".into(), vec![]))
            .is_err()
    );
    assert!(store.user("joe").is_none());
    assert_eq!(store.generation(Section::Users), 0);
}

/// A store with `a` in the snapshot and `b`, `c` in the journal; returns the journal path and
/// its length before `c`.
fn three_changes(data: &Path) -> (PathBuf, u64) {
    let store = open(data);
    store
        .write_docs(Section::Tokens, vec![("a".into(), json!({"n": 1}))], &[])
        .unwrap();
    store
        .write_docs(Section::Tokens, vec![("b".into(), json!({"n": 2}))], &[])
        .unwrap();
    let before_c = fs::metadata(&journal_files(data)[0].1).unwrap().len();
    store
        .write_docs(
            Section::Tokens,
            vec![("c".into(), json!({"n": 3, "pad": "x".repeat(40)}))],
            &[],
        )
        .unwrap();
    (journal_files(data)[0].1.clone(), before_c)
}

#[test]
fn a_torn_last_record_is_dropped_at_every_cut() {
    let origin = tempfile::tempdir().unwrap();
    let (journal_path, before_c) = three_changes(origin.path());
    let full = fs::metadata(&journal_path).unwrap().len();
    let name = journal_path.file_name().unwrap().to_owned();
    for cut in before_c..full {
        let copy = copy_store(origin.path());
        let path = store_dir(copy.path()).join(&name);
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(cut)
            .unwrap();
        let store =
            SecurityStore::open(copy.path()).unwrap_or_else(|e| panic!("cut at byte {cut}: {e}"));
        let ids: Vec<String> = store
            .docs(Section::Tokens)
            .into_iter()
            .map(|d| d.0)
            .collect();
        assert_eq!(ids, vec!["a", "b"], "cut at byte {cut}");
        assert_eq!(
            store.open_warnings().len(),
            usize::from(cut > before_c),
            "cut at byte {cut}"
        );
        if cut > before_c {
            assert!(store.open_warnings()[0].contains("torn record"));
        }
        assert_eq!(fs::metadata(&path).unwrap().len(), before_c);
        // Writing continues after the last intact record.
        store
            .write_docs(Section::Tokens, vec![("d".into(), json!({"n": 4}))], &[])
            .unwrap();
        drop(store);
        let again = open(copy.path());
        let ids: Vec<String> = again
            .docs(Section::Tokens)
            .into_iter()
            .map(|d| d.0)
            .collect();
        assert_eq!(ids, vec!["a", "b", "d"], "cut at byte {cut}");
        assert!(again.open_warnings().is_empty());
    }
    // Uncut, everything is there.
    let ids: Vec<String> = open(origin.path())
        .docs(Section::Tokens)
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(ids, vec!["a", "b", "c"]);
}

#[test]
fn damage_before_the_last_record_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (journal_path, before_c) = three_changes(dir.path());
    let mut bytes = fs::read(&journal_path).unwrap();
    // Inside `b`'s record, which `c` follows.
    bytes[before_c as usize - 3] ^= 0x01;
    fs::write(&journal_path, &bytes).unwrap();
    let err = SecurityStore::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains(&journal_path.display().to_string()), "{err}");
    assert!(err.contains("intact records follow it"), "{err}");
    assert!(err.contains("Restore"), "{err}");
}

#[test]
fn a_missing_journal_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .write_docs(Section::Tokens, vec![("a".into(), json!(1))], &[])
        .unwrap();
    let old_snapshot = fs::read(store.path()).unwrap();
    store
        .write_docs(Section::Tokens, vec![("b".into(), json!(2))], &[])
        .unwrap();
    store.compact().unwrap();
    store
        .write_docs(Section::Tokens, vec![("c".into(), json!(3))], &[])
        .unwrap();
    let path = store.path().to_path_buf();
    drop(store);
    // The snapshot from before the compaction, without the journal that followed it.
    fs::write(&path, old_snapshot).unwrap();
    let err = SecurityStore::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("changes 2 to 2 are missing"), "{err}");
}

#[test]
fn the_journal_is_compacted_when_it_outgrows_the_live_data() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecurityStore::open_with(dir.path(), small(4096)).unwrap();
    // Rewriting one document: the journal grows, the live data does not.
    for i in 0..400 {
        store
            .write_docs(Section::Tokens, vec![("same".into(), json!({"i": i}))], &[])
            .unwrap();
    }
    store.wait_for_compaction();
    let stats = store.stats();
    assert!(stats.compactions >= 1, "{stats:?}");
    // 400 records of about 70 bytes were written; writes that land while a compaction runs
    // wait for the next one, so allow a few beyond the threshold.
    assert!(stats.journal_bytes < 12_000, "{stats:?}");
    let journals = journal_files(dir.path());
    assert_eq!(journals.len(), 1, "{journals:?}");
    let snapshot: Value = serde_json::from_slice(&fs::read(store.path()).unwrap()).unwrap();
    assert_eq!(snapshot["seq"].as_u64(), Some(journals[0].0));
    drop(store);
    let again = open(dir.path());
    assert_eq!(again.doc(Section::Tokens, "same"), Some(json!({"i": 399})));
}

#[test]
fn growing_data_is_compacted_rarely_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecurityStore::open_with(dir.path(), small(2048)).unwrap();
    for i in 0..600 {
        let (id, doc) = token(i);
        store
            .write_docs(Section::Tokens, vec![(id, doc)], &[])
            .unwrap();
    }
    store.wait_for_compaction();
    let compactions = store.stats().compactions;
    // Each compaction waits for the journal to outgrow the data: geometric, not per write.
    assert!((1..=10).contains(&compactions), "{compactions}");
    drop(store);
    assert_eq!(open(dir.path()).docs(Section::Tokens).len(), 600);
}

#[test]
fn compacting_again_without_changes_rewrites_the_snapshot_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 0..3 {
        let (id, doc) = token(i);
        store
            .write_docs(Section::Tokens, vec![(id, doc)], &[])
            .unwrap();
    }
    store.compact().unwrap();
    store.compact().unwrap();
    assert_eq!(store.stats().compactions, 2);
    assert_eq!(journal_files(dir.path()).len(), 1);
    let (id, doc) = token(3);
    store
        .write_docs(Section::Tokens, vec![(id, doc)], &[])
        .unwrap();
    drop(store);
    assert_eq!(open(dir.path()).docs(Section::Tokens).len(), 4);
}

#[test]
fn a_crash_between_snapshot_and_clean_up_replays_correctly() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 0..5 {
        let (id, doc) = token(i);
        store
            .write_docs(Section::Tokens, vec![(id, doc)], &[])
            .unwrap();
    }
    let (old_base, old_path) = journal_files(dir.path())[0].clone();
    let old_bytes = fs::read(&old_path).unwrap();
    store.compact().unwrap();
    store
        .write_docs(Section::Tokens, vec![], &["t00000".into()])
        .unwrap();
    drop(store);
    // The old journal is back, as if the crash came before it was removed.
    fs::write(&old_path, old_bytes).unwrap();
    assert_eq!(journal_files(dir.path()).len(), 2);
    let again = open(dir.path());
    let ids: Vec<String> = again
        .docs(Section::Tokens)
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(ids, vec!["t00001", "t00002", "t00003", "t00004"]);
    assert!(
        journal_files(dir.path())
            .iter()
            .all(|(b, _)| *b != old_base)
    );
}

#[test]
fn concurrent_writers_share_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        sync_delay: Duration::from_millis(20),
        ..StoreOptions::default()
    };
    let store = Arc::new(SecurityStore::open_with(dir.path(), options).unwrap());
    store
        .write_docs(Section::Tokens, vec![("first".into(), json!(0))], &[])
        .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..5 {
                    store
                        .write_docs(Section::Tokens, vec![(format!("{t}-{i}"), json!(i))], &[])
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let stats = store.stats();
    assert_eq!(stats.commits, 41);
    assert!(stats.syncs < 20, "{stats:?}");
    drop(store);
    assert_eq!(open(dir.path()).docs(Section::Tokens).len(), 41);
}

#[test]
fn read_modify_write_loses_no_concurrent_update() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path()));
    store
        .put_user("joe", StoredUser::new("h0".into(), vec![]))
        .unwrap();
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..30 {
                    store
                        .update_doc(Section::Tokens, "counter", |doc| {
                            let n = doc.and_then(Value::as_u64).unwrap_or(0);
                            (Update::Put(json!(n + 1)), ())
                        })
                        .unwrap();
                    // Each thread owns one field of the user record.
                    store
                        .update_user("joe", |u| {
                            let mut u = u.unwrap();
                            let n = u.metadata.get(&t.to_string()).and_then(Value::as_u64);
                            u.metadata.insert(t.to_string(), json!(n.unwrap_or(0) + 1));
                            (Update::Put(u), ())
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.doc(Section::Tokens, "counter"), Some(json!(180)));
    let joe = store.user("joe").unwrap();
    for t in 0..6 {
        assert_eq!(joe.metadata[&t.to_string()], 30);
    }
}

const CHILD_ENV: &str = "IRONSTACK_STORE_KILL_TEST_DIR";

/// The child of [`acknowledged_writes_survive_kill_9`]: writes from four threads until
/// killed, printing each acknowledged id.
fn write_until_killed(data: &Path) {
    let store = Arc::new(SecurityStore::open_with(data, small(8192)).unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut i = 0;
                while Instant::now() < deadline {
                    let id = format!("w{t}-{i}");
                    store
                        .write_docs(Section::Tokens, vec![(id.clone(), json!({"i": i}))], &[])
                        .unwrap();
                    println!("ack {id}");
                    i += 1;
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        write_until_killed(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "store::tests::acknowledged_writes_survive_kill_9",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    for line in lines.by_ref() {
        if let Some(id) = line.unwrap().strip_prefix("ack ") {
            acked.push(id.to_string());
            if acked.len() == 400 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // Acknowledgements printed before the kill.
    for line in lines {
        if let Some(id) = line.unwrap().strip_prefix("ack ") {
            acked.push(id.to_string());
        }
    }
    assert!(acked.len() >= 400, "the child acknowledged {}", acked.len());
    let store = SecurityStore::open(dir.path()).unwrap();
    for id in &acked {
        assert!(
            store.doc(Section::Tokens, id).is_some(),
            "acknowledged [{id}] was lost"
        );
    }
}

/// A backend in memory: what was written, each call's size, and a switch that fails writes.
#[derive(Default)]
struct MemoryBackend {
    docs: Mutex<BTreeMap<(String, String), Value>>,
    calls: Mutex<Vec<usize>>,
    fail: AtomicBool,
    /// Added to every write, so that concurrent writers queue up behind it.
    delay: Duration,
}

fn section_named(name: &str) -> Section {
    Section::from_name(name).unwrap()
}

impl DocumentBackend for MemoryBackend {
    fn location(&self) -> String {
        "memory".into()
    }

    fn load(&self) -> Result<Vec<Change>> {
        Ok(self
            .docs
            .lock()
            .unwrap()
            .iter()
            .map(|((s, id), doc)| Change {
                section: section_named(s),
                id: id.clone(),
                doc: Some(doc.clone()),
            })
            .collect())
    }

    fn write(&self, changes: &[Change]) -> Result<()> {
        std::thread::sleep(self.delay);
        if self.fail.load(Ordering::SeqCst) {
            return Err(Error::Corrupt {
                path: "memory".into(),
                reason: "disk full".into(),
            });
        }
        self.calls.lock().unwrap().push(changes.len());
        let mut docs = self.docs.lock().unwrap();
        for c in changes {
            let key = (c.section.name().to_string(), c.id.clone());
            match &c.doc {
                Some(d) => docs.insert(key, d.clone()),
                None => docs.remove(&key),
            };
        }
        Ok(())
    }
}

#[test]
fn a_backend_store_writes_each_change_before_acknowledging_and_reloads() {
    let data = tempfile::tempdir().unwrap();
    let backend = Arc::new(MemoryBackend::default());
    let store = SecurityStore::open_on(data.path(), backend.clone()).unwrap();
    store
        .put_user("jo", StoredUser::new("h".into(), vec!["r".into()]))
        .unwrap();
    store
        .put_role("r", json!({"cluster": ["monitor"]}))
        .unwrap();
    let (id, doc) = token(1);
    store
        .write_docs(Section::Tokens, vec![(id.clone(), doc)], &[])
        .unwrap();
    assert_eq!(backend.docs.lock().unwrap().len(), 3);
    assert!(store.delete_role("r").unwrap());
    assert_eq!(backend.docs.lock().unwrap().len(), 2);
    // Nothing of the files' kind was written.
    assert!(!store_dir(data.path()).exists());
    drop(store);

    let again = SecurityStore::open_on(data.path(), backend.clone()).unwrap();
    assert_eq!(again.user("jo").unwrap().roles, vec!["r".to_string()]);
    assert!(again.role("r").is_none());
    assert!(again.doc(Section::Tokens, &id).is_some());
}

#[test]
fn backend_writers_share_calls() {
    let data = tempfile::tempdir().unwrap();
    let backend = Arc::new(MemoryBackend {
        delay: Duration::from_millis(20),
        ..MemoryBackend::default()
    });
    let store = Arc::new(SecurityStore::open_on(data.path(), backend.clone()).unwrap());
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || {
                let (id, doc) = token(i);
                store
                    .write_docs(Section::Tokens, vec![(id, doc)], &[])
                    .unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let calls = backend.calls.lock().unwrap().clone();
    assert_eq!(calls.iter().sum::<usize>(), 16);
    assert!(calls.len() < 16, "no call was shared: {calls:?}");
    assert_eq!(store.stats().commits, 16);
}

#[test]
fn a_failed_backend_write_fails_the_call_and_later_writes() {
    let data = tempfile::tempdir().unwrap();
    let backend = Arc::new(MemoryBackend::default());
    let store = SecurityStore::open_on(data.path(), backend.clone()).unwrap();
    backend.fail.store(true, Ordering::SeqCst);
    let err = store.put_role("r", json!({})).unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
    backend.fail.store(false, Ordering::SeqCst);
    let err = store.put_role("s", json!({})).unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
}

#[test]
fn a_store_of_files_is_imported_once_and_its_files_removed() {
    let data = tempfile::tempdir().unwrap();
    {
        let files = open(data.path());
        files
            .put_user("elastic", StoredUser::new("h1".into(), vec![]))
            .unwrap();
        files.put_role("r", json!({"cluster": ["all"]})).unwrap();
        files
            .put_api_key("k", json!({"id": "k", "name": "n"}))
            .unwrap();
    }
    // The backend holds a partial copy of an earlier, interrupted import, and a document the
    // files no longer have.
    let backend = Arc::new(MemoryBackend::default());
    backend
        .write(&[Change {
            section: Section::Roles,
            id: "gone".into(),
            doc: Some(json!({})),
        }])
        .unwrap();
    let store = SecurityStore::open_on(data.path(), backend.clone()).unwrap();
    assert!(
        !store_dir(data.path()).exists(),
        "the files were not removed"
    );
    assert_eq!(
        store.user("elastic").unwrap().password_hash.as_deref(),
        Some("h1")
    );
    assert!(store.role("r").is_some() && store.role("gone").is_none());
    assert!(store.api_key("k").is_some());
    assert_eq!(backend.docs.lock().unwrap().len(), 3);
    drop(store);
    // A second start finds nothing to import and the same documents.
    let again = SecurityStore::open_on(data.path(), backend.clone()).unwrap();
    assert_eq!(again.role_names(), vec!["r".to_string()]);
}

#[test]
fn refresh_token_hashes_find_their_documents_without_a_scan() {
    let data = tempfile::tempdir().unwrap();
    let store = open(data.path());
    let doc = |refresh: &str| json!({"doc_type": "token", "refresh_token": {"token": refresh}});
    store
        .write_docs(
            Section::Tokens,
            vec![("a".into(), doc("ha")), ("b".into(), doc("hb"))],
            &[],
        )
        .unwrap();
    let find = |store: &SecurityStore, hash: &str| {
        store
            .transact(|t| {
                t.find_by(Section::Tokens, "/refresh_token/token", hash)
                    .map(|(id, _)| id)
            })
            .unwrap()
    };
    assert_eq!(find(&store, "ha").as_deref(), Some("a"));
    assert_eq!(find(&store, "nope"), None);
    // A replaced document is found by its new value only; a removed one not at all.
    store
        .write_docs(
            Section::Tokens,
            vec![("a".into(), doc("ha2"))],
            &["b".into()],
        )
        .unwrap();
    assert_eq!(find(&store, "ha"), None);
    assert_eq!(find(&store, "hb"), None);
    assert_eq!(find(&store, "ha2").as_deref(), Some("a"));
    // A change sees its own staged documents, and not what it staged away.
    store
        .transact(|t| {
            t.put(Section::Tokens, "c", doc("hc"));
            assert_eq!(
                t.find_by(Section::Tokens, "/refresh_token/token", "hc")
                    .map(|(i, _)| i)
                    .as_deref(),
                Some("c")
            );
            t.put(Section::Tokens, "a", doc("other"));
            assert!(
                t.find_by(Section::Tokens, "/refresh_token/token", "ha2")
                    .is_none()
            );
        })
        .unwrap();
    drop(store);
    // Rebuilt when the store is read back.
    let again = open(data.path());
    assert_eq!(find(&again, "hc").as_deref(), Some("c"));
    assert_eq!(find(&again, "other").as_deref(), Some("a"));
}
