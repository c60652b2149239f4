//! The collectors' fast paths against plain in-memory answers: columns where every
//! document has a value (read as dense blocks) and columns with gaps (read through the
//! per-document paths) must bucket alike, per host × time bucket in both nesting orders,
//! with `hard_bounds`, with more hosts and buckets than the dense table first holds, and
//! past the dense table's size (hashed); percentiles per bucket and over a merging digest;
//! an index's segments aggregated in two halves on two threads answer as one pass does.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::super::aggs_tests::{fixture, search};
use super::{BucketMap, DENSE_CELLS, SLICE_MIN_DOCS_FOR_TESTS, SLICED_FOR_TESTS};

/// 2025-01-01T00:00:00Z.
const BASE: i64 = 1_735_689_600_000;
const HOUR: i64 = 3_600_000;
const HOSTS: u64 = 60;

fn epoch_ms(s: &str) -> i64 {
    s.parse().unwrap_or(0)
}

/// One Metricbeat-like document: hosts alternate, time moves 37 s per document; with
/// `gaps`, some documents lack the host, the time or the value.
fn doc(i: u64, gaps: bool) -> Value {
    let mut m = serde_json::Map::new();
    if !(gaps && i % 10 == 3) {
        m.insert("host".into(), json!(format!("host-{:03}", i % HOSTS)));
    }
    if !(gaps && i % 17 == 5) {
        m.insert("ts".into(), json!((BASE + i as i64 * 37_000).to_string()));
    }
    if !(gaps && i % 13 == 7) {
        m.insert(
            "cpu".into(),
            json!(((i * 7919) % 1000) as f64 / 1000.0 + 0.0005),
        );
    }
    Value::Object(m)
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Cell {
    count: u64,
    values: Vec<f64>,
}

/// Per `(host, hour key)`: the documents and their values, as the definitions say.
fn reference(docs: &[Value], hard: Option<(i64, i64)>) -> BTreeMap<(String, i64), Cell> {
    let mut out: BTreeMap<(String, i64), Cell> = BTreeMap::new();
    for d in docs {
        let (Some(host), Some(ts)) = (d["host"].as_str(), d["ts"].as_str()) else {
            continue;
        };
        let key = epoch_ms(ts).div_euclid(HOUR) * HOUR;
        if hard.is_some_and(|(lo, hi)| key < lo || key > hi) {
            continue;
        }
        let cell = out.entry((host.to_string(), key)).or_default();
        cell.count += 1;
        if let Some(v) = d["cpu"].as_f64() {
            cell.values.push(v);
        }
    }
    out
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Checks a `(host, hour)` cell of a response against the reference: count, avg, min,
/// max, sum and the (exact, small-set) median.
fn check_cell(want: &Cell, count: &Value, metrics: &Value, what: &str) {
    assert_eq!(count.as_u64(), Some(want.count), "{what}: doc_count");
    let n = want.values.len() as f64;
    let sum: f64 = want.values.iter().sum();
    let stats = &metrics["stats"];
    assert_eq!(
        stats["count"].as_u64(),
        Some(want.values.len() as u64),
        "{what}"
    );
    if want.values.is_empty() {
        assert!(metrics["avg"]["value"].is_null(), "{what}: {metrics}");
        assert!(stats["min"].is_null(), "{what}: {metrics}");
        return;
    }
    let avg = metrics["avg"]["value"].as_f64().unwrap_or(f64::NAN);
    assert!(close(avg, sum / n), "{what}: avg {avg} vs {}", sum / n);
    let min = want.values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = want
        .values
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(stats["min"].as_f64(), Some(min), "{what}");
    assert_eq!(stats["max"].as_f64(), Some(max), "{what}");
    assert!(
        close(stats["sum"].as_f64().unwrap_or(f64::NAN), sum),
        "{what}"
    );
    let mut sorted = want.values.clone();
    sorted.sort_by(f64::total_cmp);
    let index = 0.5 * (sorted.len() - 1) as f64;
    let low = index.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    let median = sorted[low] + (index - low as f64) * (sorted[high] - sorted[low]);
    let got = metrics["pct"]["values"]["50.0"]
        .as_f64()
        .unwrap_or(f64::NAN);
    assert!(close(got, median), "{what}: median {got} vs {median}");
}

fn metric_aggs() -> Value {
    json!({
        "avg": {"avg": {"field": "cpu"}},
        "stats": {"stats": {"field": "cpu"}},
        "pct": {"percentiles": {"field": "cpu", "percents": [50]}}
    })
}

/// Runs both nestings (and `hard_bounds`) over `docs` and checks every cell.
fn check_corpus(docs: Vec<Value>, batches: usize) {
    let f = fixture(&[("m", docs.clone())], &[("ts", epoch_ms)], &[], batches);
    let cells = reference(&docs, None);
    assert!(cells.len() > 1_000, "{} cells", cells.len());

    // terms > date_histogram > metrics.
    let got = search(
        &f,
        &["m"],
        json!({"size": 0, "aggs": {"hosts": {"terms": {"field": "host", "size": 100},
            "aggs": {"t": {"date_histogram": {"field": "ts", "fixed_interval": "1h", "min_doc_count": 1},
                "aggs": metric_aggs()}}}}}),
        &[],
    )
    .expect("search");
    let mut seen = 0;
    for host in got["hosts"]["buckets"].as_array().into_iter().flatten() {
        let name = host["key"].as_str().unwrap_or_default();
        for b in host["t"]["buckets"].as_array().into_iter().flatten() {
            let key = b["key"].as_i64().unwrap_or_default();
            let want = cells
                .get(&(name.to_string(), key))
                .cloned()
                .unwrap_or_default();
            check_cell(&want, &b["doc_count"], b, &format!("{name} @ {key}"));
            seen += 1;
        }
    }
    assert_eq!(seen, cells.len());

    // date_histogram > terms > metrics, and the same within hard bounds.
    let (lo, hi) = (BASE + 5 * HOUR, BASE + 11 * HOUR);
    for hard in [None, Some((lo, hi))] {
        let cells = reference(&docs, hard);
        let mut histogram = json!({"field": "ts", "fixed_interval": "1h", "min_doc_count": 1});
        if let Some((lo, hi)) = hard {
            histogram["hard_bounds"] = json!({"min": lo, "max": hi});
        }
        let got = search(
            &f,
            &["m"],
            json!({"size": 0, "aggs": {"t": {"date_histogram": histogram,
                "aggs": {"hosts": {"terms": {"field": "host", "size": 100}, "aggs": metric_aggs()}}}}}),
            &[],
        )
        .expect("search");
        let mut seen = 0;
        for b in got["t"]["buckets"].as_array().into_iter().flatten() {
            let key = b["key"].as_i64().unwrap_or_default();
            for host in b["hosts"]["buckets"].as_array().into_iter().flatten() {
                let name = host["key"].as_str().unwrap_or_default();
                let want = cells
                    .get(&(name.to_string(), key))
                    .cloned()
                    .unwrap_or_default();
                check_cell(&want, &host["doc_count"], host, &format!("{name} @ {key}"));
                seen += 1;
            }
        }
        assert_eq!(seen, cells.len(), "hard bounds {hard:?}");
    }
}

#[test]
fn per_host_time_buckets_from_dense_columns_match_the_definitions() {
    // Every document has every field: the blocks are read as dense columns.
    check_corpus((0..6_000).map(|i| doc(i, false)).collect(), 3);
}

#[test]
fn per_host_time_buckets_with_gaps_match_the_definitions() {
    // Some documents lack a field: the columns are optional, read per document.
    check_corpus((0..6_000).map(|i| doc(i, true)).collect(), 3);
}

#[test]
fn percentiles_over_a_merging_digest_stay_within_its_accuracy() {
    // 5,000 values: past the 2,000 that stay exact, fed in blocks.
    let docs: Vec<Value> = (0..5_000).map(|i| doc(i, false)).collect();
    let f = fixture(&[("m", docs.clone())], &[("ts", epoch_ms)], &[], 2);
    let got = search(
        &f,
        &["m"],
        json!({"size": 0, "aggs": {"pct": {"percentiles": {"field": "cpu"}}}}),
        &[],
    )
    .expect("search");
    let mut values: Vec<f64> = docs.iter().filter_map(|d| d["cpu"].as_f64()).collect();
    values.sort_by(f64::total_cmp);
    for (name, q) in [
        ("1.0", 0.01),
        ("5.0", 0.05),
        ("25.0", 0.25),
        ("50.0", 0.5),
        ("75.0", 0.75),
        ("95.0", 0.95),
        ("99.0", 0.99),
    ] {
        let v = got["pct"]["values"][name].as_f64().unwrap_or(f64::NAN);
        let rank = values.partition_point(|x| *x < v) as f64 / values.len() as f64;
        assert!((rank - q).abs() < 0.01, "q {q}: {v} at rank {rank}");
    }
}

#[test]
fn bucket_ordinals_stay_distinct_past_the_dense_table() {
    // Owners × keys beyond the dense table's cells: later pairs are hashed, and every pair
    // keeps one ordinal wherever it lives.
    let mut map = BucketMap::default();
    let owners = 4_096u32;
    let keys = (DENSE_CELLS / owners as usize) as u64 * 2;
    let mut ords = BTreeMap::new();
    for round in 0..2 {
        for owner in (0..owners).step_by(97) {
            for key in (0..keys).step_by(61).chain([keys + 70_000, u64::MAX]) {
                let ord = map.ord(owner, key);
                if round == 0 {
                    assert!(ords.insert((owner, key), ord).is_none());
                    map.counts[ord as usize] += 1;
                } else {
                    assert_eq!(ords.get(&(owner, key)), Some(&ord), "({owner}, {key})");
                }
            }
        }
    }
    let distinct: std::collections::BTreeSet<u32> = ords.values().copied().collect();
    assert_eq!(distinct.len(), ords.len());
    assert!(map.counts.iter().all(|c| *c == 1));
    assert!(map.dense.len() <= DENSE_CELLS);
    for owner in (0..owners).step_by(97) {
        assert_eq!(
            map.owned(owner).len(),
            ords.keys().filter(|(o, _)| *o == owner).count()
        );
    }
}

#[test]
fn repeated_documents_in_a_block_are_not_read_as_a_run() {
    // A multi-valued `terms` hands a document on once per value: the block below it holds
    // [0, 0, 2] (the middle document has no tag), which spans as many ids as it has entries
    // but is no run of consecutive documents.
    let docs = vec![
        json!({"tags": ["a", "b"], "n": 1}),
        json!({"n": 10}),
        json!({"tags": ["c"], "n": 100}),
    ];
    let f = fixture(&[("t", docs)], &[], &[], 1);
    let got = search(
        &f,
        &["t"],
        json!({"size": 0, "aggs": {"tags": {"terms": {"field": "tags"}, "aggs": {"s": {"sum": {"field": "n"}}}},
            "all": {"terms": {"field": "tags", "size": 1, "order": {"_key": "asc"}}, "aggs": {"p": {"percentiles": {"field": "n", "percents": [50]}}}}}}),
        &[],
    )
    .expect("search");
    let sums: Vec<(String, f64)> = got["tags"]["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            (
                b["key"].as_str().unwrap_or_default().to_string(),
                b["s"]["value"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect();
    assert_eq!(
        sums,
        vec![("a".into(), 1.0), ("b".into(), 1.0), ("c".into(), 100.0)]
    );
    assert_eq!(got["all"]["buckets"][0]["p"]["values"]["50.0"], json!(1.0));
}

/// Whether two responses are the same, numbers within rounding (sums of doubles taken in
/// another order).
fn same(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if close(x, y) => Ok(()),
            _ => Err(format!("{at}: {a} vs {b}")),
        },
        (Value::Object(x), Value::Object(y)) => {
            if x.keys().collect::<Vec<_>>() != y.keys().collect::<Vec<_>>() {
                return Err(format!("{at}: keys {:?} vs {:?}", x.keys(), y.keys()));
            }
            x.iter()
                .try_for_each(|(k, v)| same(v, &y[k.as_str()], &format!("{at}.{k}")))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .try_for_each(|(i, (v, w))| same(v, w, &format!("{at}[{i}]"))),
        _ if a == b => Ok(()),
        _ => Err(format!("{at}: {a} vs {b}")),
    }
}

#[test]
fn segments_aggregated_in_two_halves_answer_as_one_pass() {
    let docs: Vec<Value> = (0..6_000).map(|i| doc(i, true)).collect();
    let f = fixture(&[("m", docs)], &[("ts", epoch_ms)], &[], 7);
    let sliced = json!({
        "hosts": {"terms": {"field": "host", "size": 100},
            "aggs": {"t": {"date_histogram": {"field": "ts", "fixed_interval": "1h"},
                "aggs": {"avg": {"avg": {"field": "cpu"}}, "stats": {"extended_stats": {"field": "cpu"}},
                         "n": {"value_count": {"field": "cpu"}}}},
                "max_hour": {"max_bucket": {"buckets_path": "t>avg"}}}},
        "over_time": {"date_histogram": {"field": "ts", "fixed_interval": "1h", "min_doc_count": 0},
            "aggs": {"hosts": {"terms": {"field": "host", "size": 5, "shard_size": 100,
                "show_term_doc_count_error": true}},
                "sum": {"sum": {"field": "cpu"}}, "cum": {"cumulative_sum": {"buckets_path": "sum"}}}},
        "all_hosts": {"terms": {"field": "host", "size": 3, "shard_size": 100, "min_doc_count": 0}},
        "cpu": {"histogram": {"field": "cpu", "interval": 0.1}, "aggs": {"min": {"min": {"field": "ts"}}}},
        "ranges": {"range": {"field": "cpu", "ranges": [{"to": 0.5}, {"from": 0.5}]}},
        "busy": {"filter": {"range": {"cpu": {"gte": 0.9}}}, "aggs": {"hosts": {"terms": {"field": "host", "size": 100}}}},
        "pick": {"filters": {"filters": {"a": {"term": {"host": "host-001"}}, "b": {"term": {"host": "host-002"}}}}},
        "no_host": {"missing": {"field": "host"}}
    });
    // Not sliced: a digest, a hit list, and a `terms` whose halves would each drop keys.
    let whole = [
        json!({"pct": {"percentiles": {"field": "cpu"}}}),
        json!({"hosts": {"terms": {"field": "host", "size": 3}, "aggs": {"top": {"top_hits": {"size": 1}}}}}),
        json!({"hosts": {"terms": {"field": "host", "size": 5}}}),
    ];
    let run_query = |aggs: &Value, query: &Value, min_docs: u32| {
        SLICE_MIN_DOCS_FOR_TESTS.with(|c| c.set(min_docs));
        let before = SLICED_FOR_TESTS.with(|c| c.get());
        let body = json!({"size": 0, "query": query, "aggs": aggs});
        let got = search(&f, &["m"], body, &[]).expect("search");
        (got, SLICED_FOR_TESTS.with(|c| c.get()) - before)
    };
    let run = |aggs: &Value, min_docs: u32| run_query(aggs, &json!({"match_all": {}}), min_docs);
    // The halves cut a segment in two: the second reads its range from the middle, with
    // a query whose matches are found by seeking.
    for query in [
        json!({"match_all": {}}),
        json!({"range": {"cpu": {"gte": 0.2}}}),
        json!({"terms": {"host": ["host-001", "host-017", "host-042"]}}),
    ] {
        let (one_pass, n) = run_query(&sliced, &query, u32::MAX);
        assert_eq!(n, 0);
        let (halves, n) = run_query(&sliced, &query, 0);
        assert_eq!(n, 1, "the index was not sliced");
        same(&one_pass, &halves, &format!("{query}")).unwrap_or_else(|e| panic!("{e}"));
    }
    let (one_pass, _) = run(&sliced, u32::MAX);
    let hosts = one_pass["hosts"]["buckets"].as_array().map_or(0, Vec::len);
    // Every tenth document has no host: hosts 3, 13, ... never appear.
    assert_eq!(
        hosts,
        (HOSTS - HOSTS / 10) as usize,
        "{}",
        one_pass["hosts"]
    );
    for aggs in &whole {
        let (a, _) = run(aggs, u32::MAX);
        let (b, n) = run(aggs, 0);
        assert_eq!(n, 0, "sliced: {aggs}");
        assert_eq!(a, b);
    }
    SLICE_MIN_DOCS_FOR_TESTS.with(|c| c.set(super::SLICE_MIN_DOCS));
}
