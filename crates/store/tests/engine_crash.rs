//! Crash test of the engine: a child process writes and deletes documents in bulk from
//! several threads, printing each batch once `Engine::apply` acknowledged it; the parent
//! `kill -9`s it at a random moment, reopens the data folder and checks by id that every
//! acknowledged write is there (and every acknowledged delete is not), in the document table
//! and in search. Many rounds over the same folder, so recovery also meets the leftovers of
//! earlier crashes.
//!
//! A plain `main` (no test harness) so that the same binary can run as the child.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ironstack_store::api::{Refresh, WriteCondition};
use ironstack_store::engine::{
    Engine, EngineOp, EngineOptions, FieldTypeMap, IndexSettings, testing,
};
use ironstack_store::query::{Query, SearchRequest, TrackTotalHits};
use serde_json::json;

const CHILD: &str = "IRONSTACK_ENGINE_CRASH_CHILD";
const INDEX: &str = "crash";
const ROUNDS: usize = 12;
const THREADS: usize = 3;

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    println!("running 1 test");
    let started = Instant::now();
    match parent() {
        Ok(summary) => {
            println!(
                "test engine_crash ... ok ({summary}, {:.1}s)",
                started.elapsed().as_secs_f64()
            );
            println!(
                "\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out"
            );
        }
        Err(e) => {
            println!("test engine_crash ... FAILED\n{e}");
            println!(
                "\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out"
            );
            std::process::exit(101);
        }
    }
}

/// Writes until killed.
fn child(spec: &str) {
    let (dir, round) = spec.split_once('|').unwrap_or((spec, "0"));
    let engine = match Engine::open(Path::new(dir), EngineOptions::default()) {
        Ok(e) => Arc::new(e),
        Err(e) => {
            eprintln!("child: cannot open: {e}");
            std::process::exit(2);
        }
    };
    if !engine.indices().iter().any(|i| i == INDEX) {
        let settings = IndexSettings {
            refresh_interval: Some(Duration::from_millis(200)),
            ..IndexSettings::default()
        };
        if let Err(e) = engine.create_index(INDEX, "crash-uuid", &settings, json!({})) {
            eprintln!("child: cannot create: {e}");
            std::process::exit(2);
        }
    }
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let out = Arc::clone(&out);
            let round = round.to_string();
            std::thread::spawn(move || {
                let mut n = 0u64;
                let mut batch_no = 0u64;
                let mut previous_last: Option<String> = None;
                loop {
                    let ids: Vec<String> = (0..25).map(|i| format!("r{round}-t{t}-{}", n + i)).collect();
                    n += 25;
                    let mut ops: Vec<EngineOp> = ids
                        .iter()
                        .map(|id| {
                            let source = json!({"id": id, "message": format!("written by thread {t} {}", "x".repeat(200)), "n": n});
                            EngineOp::Index {
                                id: Some(id.clone()),
                                source: serde_json::to_vec(&source).unwrap_or_default(),
                                parsed: testing::parse(&source, &["message"]),
                                create: false,
                                condition: WriteCondition::None,
                            }
                        })
                        .collect();
                    // Delete one document of this batch in the same call.
                    // The last document of a batch is never deleted: the next batch rewrites it.
                    let deleted = ids[batch_no as usize % (ids.len() - 1)].clone();
                    ops.push(EngineOp::Delete { id: deleted.clone(), condition: WriteCondition::None });
                    // And rewrite the last document of the previous batch.
                    let updated = previous_last.replace(ids[ids.len() - 1].clone());
                    if let Some(id) = &updated {
                        let source = json!({"id": id, "rev": batch_no + 1, "message": "rewritten"});
                        ops.push(EngineOp::Index {
                            id: Some(id.clone()),
                            source: serde_json::to_vec(&source).unwrap_or_default(),
                            parsed: testing::parse(&source, &["message"]),
                            create: false,
                            condition: WriteCondition::None,
                        });
                    }
                    let refresh = if batch_no % 7 == 3 { Refresh::Immediate } else { Refresh::None };
                    batch_no += 1;
                    match engine.apply(INDEX, ops, refresh) {
                        Ok(outcomes) if outcomes.iter().all(|o| o.is_ok()) => {
                            let mut line = String::from("ack");
                            for id in &ids {
                                line.push(' ');
                                line.push_str(id);
                            }
                            line.push_str(" del ");
                            line.push_str(&deleted);
                            if let Some(id) = &updated {
                                // The `rev` written: `batch_no` moved on since.
                                line.push_str(&format!(" upd {id} {batch_no}"));
                            }
                            line.push('\n');
                            let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
                            let _ = o.write_all(line.as_bytes());
                            let _ = o.flush();
                        }
                        other => {
                            eprintln!("child: write failed: {other:?}");
                            std::process::exit(3);
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
}

fn parent() -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut acked: Vec<String> = Vec::new();
    let mut deleted: Vec<String> = Vec::new();
    let mut revisions: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .env(CHILD, format!("{}|{round}", dir.path().display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("spawn: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let reader = {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                let mut r = BufReader::new(stdout);
                let mut buf = Vec::new();
                // Only whole lines count: the last one may have been cut by the kill.
                while r
                    .read_until(b'\n', &mut buf)
                    .map(|n| n > 0)
                    .unwrap_or(false)
                {
                    if buf.ends_with(b"\n") {
                        lines
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(String::from_utf8_lossy(&buf).trim_end().to_string());
                    }
                    buf.clear();
                }
            })
        };
        let wait = Duration::from_millis(150 + rand::random::<u64>() % 550);
        std::thread::sleep(wait);
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "round {round}: the child exited early with {status}"
            ));
        }
        child.kill().map_err(|e| format!("kill: {e}"))?;
        let _ = child.wait();
        let _ = reader.join();
        for line in lines.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let Some(rest) = line.strip_prefix("ack ") else {
                continue;
            };
            let (ids, rest) = rest.split_once(" del ").ok_or(format!("bad line {line}"))?;
            acked.extend(ids.split(' ').map(str::to_string));
            let (del, upd) = match rest.split_once(" upd ") {
                Some((del, upd)) => (del, Some(upd)),
                None => (rest, None),
            };
            deleted.push(del.to_string());
            if let Some((id, rev)) = upd.and_then(|u| u.split_once(' ')) {
                let rev: u64 = rev.parse().map_err(|_| format!("bad line {line}"))?;
                revisions.insert(id.to_string(), rev);
            }
        }
        check(dir.path(), &acked, &deleted, &revisions)
            .map_err(|e| format!("round {round}: {e}"))?;
    }
    if acked.len() < ROUNDS * 25 {
        return Err(format!(
            "too few acknowledged writes to mean anything: {}",
            acked.len()
        ));
    }
    Ok(format!(
        "{} acknowledged writes, {} rewritten documents and {} deletes over {ROUNDS} crashes",
        acked.len(),
        revisions.len(),
        deleted.len()
    ))
}

fn check(
    dir: &Path,
    acked: &[String],
    deleted: &[String],
    revisions: &std::collections::HashMap<String, u64>,
) -> Result<(), String> {
    let engine = Engine::open(dir, EngineOptions::default()).map_err(|e| format!("reopen: {e}"))?;
    if acked.is_empty() {
        return Ok(());
    }
    let gone: std::collections::HashSet<&String> = deleted.iter().collect();
    let mut live = Vec::new();
    for id in acked {
        let doc = engine
            .get(INDEX, id)
            .map_err(|e| format!("get {id}: {e}"))?;
        match (gone.contains(id), doc) {
            (true, Some(_)) => return Err(format!("acknowledged delete of [{id}] lost")),
            (false, None) => return Err(format!("acknowledged write of [{id}] lost")),
            (false, Some(d)) => {
                if d.source.get("id").and_then(|v| v.as_str()) != Some(id.as_str()) {
                    return Err(format!("[{id}] has the wrong source {}", d.source));
                }
                // An acknowledged rewrite is there (or a later one that was durable but not
                // yet acknowledged when the process died).
                let rev = d.source.get("rev").and_then(|v| v.as_u64()).unwrap_or(0);
                if let Some(want) = revisions.get(id)
                    && rev < *want
                {
                    return Err(format!(
                        "acknowledged rewrite of [{id}] lost: rev {rev} < {want}"
                    ));
                }
                live.push(id.clone());
            }
            (true, None) => {}
        }
    }
    // The search side agrees once refreshed: recovery replayed the log into tantivy.
    engine.refresh(INDEX).map_err(|e| e.to_string())?;
    let request = SearchRequest {
        query: Query::Ids {
            values: live.clone(),
            boost: 1.0,
        },
        size: 0,
        track_total_hits: TrackTotalHits::Exact,
        ..SearchRequest::default()
    };
    let found = engine
        .search(&[INDEX], &request, &FieldTypeMap::default())
        .map_err(|e| e.to_string())?;
    if found.total != live.len() as u64 {
        return Err(format!(
            "search finds {} of {} acknowledged documents",
            found.total,
            live.len()
        ));
    }
    let deleted_ids: Vec<String> = deleted.to_vec();
    let request = SearchRequest {
        query: Query::Ids {
            values: deleted_ids,
            boost: 1.0,
        },
        size: 0,
        ..SearchRequest::default()
    };
    let ghosts = engine
        .search(&[INDEX], &request, &FieldTypeMap::default())
        .map_err(|e| e.to_string())?;
    if ghosts.total != 0 {
        return Err(format!(
            "search still finds {} deleted documents",
            ghosts.total
        ));
    }
    Ok(())
}
