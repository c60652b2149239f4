//! Property test: over random small corpora split across two indices, each aggregation (and
//! their nesting) gives exactly what a plain in-memory evaluation of Elasticsearch's rules
//! gives: bucket keys and counts, `sum_other_doc_count`, empty-bucket filling, metric values
//! (`null` when there is nothing), exact percentiles and cardinalities for small sets, and
//! composite paging with `after`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use ironstack_store::api::{Refresh, WriteCondition};
use ironstack_store::engine::{
    Engine, EngineOp, EngineOptions, FieldTypeMap, IndexSettings, testing,
};
use ironstack_store::query::{SearchBody, parse_search};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// 2026-12-05T00:00:00Z.
const BASE_MS: i64 = 1_796_428_800_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

#[derive(Debug, Clone)]
struct Doc {
    k: Option<String>,
    n: Option<i64>,
    x: Option<f64>,
    tags: Vec<String>,
    /// Hours after `BASE_MS`.
    ts: Option<i64>,
    /// Which of the two indices holds it.
    second: bool,
}

impl Doc {
    fn source(&self) -> Value {
        let mut m = Map::new();
        if let Some(k) = &self.k {
            m.insert("k".into(), json!(k));
        }
        if let Some(n) = self.n {
            m.insert("n".into(), json!(n));
        }
        if let Some(x) = self.x {
            m.insert("x".into(), json!(x));
        }
        if !self.tags.is_empty() {
            m.insert("tags".into(), json!(self.tags));
        }
        if let Some(h) = self.ts {
            m.insert("ts".into(), json!(iso(BASE_MS + h * HOUR_MS)));
        }
        Value::Object(m)
    }

    /// The distinct tags: keyword doc values hold each value of a document once.
    fn tag_set(&self) -> BTreeSet<String> {
        self.tags.iter().cloned().collect()
    }
}

fn iso(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let hour = ms.rem_euclid(DAY_MS) / HOUR_MS;
    // 2026-12-05 plus at most a few days stays in December.
    format!(
        "2026-12-{:02}T{hour:02}:00:00Z",
        5 + days - BASE_MS / DAY_MS
    )
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", "d", "e"]).prop_map(str::to_string)
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        prop::option::of(word()),
        prop::option::of(-7i64..8),
        prop::option::of((-8i32..9).prop_map(|v| f64::from(v) * 0.5)),
        prop::collection::vec(word(), 0..4),
        prop::option::of(0i64..80),
        any::<bool>(),
    )
        .prop_map(|(k, n, x, tags, ts, second)| Doc {
            k,
            n,
            x,
            tags,
            ts,
            second,
        })
}

/// Buckets ordered by count descending, then key ascending, as `terms` orders them.
fn by_count<K: Ord + Clone>(counts: &BTreeMap<K, u64>) -> Vec<(K, u64)> {
    let mut v: Vec<(K, u64)> = counts.iter().map(|(k, c)| (k.clone(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// `terms` rendered for `size`.
fn terms_json<K: Ord + Clone + Into<Value>>(
    counts: &BTreeMap<K, u64>,
    size: usize,
    sub: impl Fn(&K) -> Option<(&'static str, Value)>,
) -> Value {
    let all = by_count(counts);
    let other: u64 = all.iter().skip(size).map(|(_, c)| c).sum();
    let buckets: Vec<Value> = all
        .into_iter()
        .take(size)
        .map(|(k, c)| {
            let mut b = Map::new();
            b.insert("key".into(), k.clone().into());
            b.insert("doc_count".into(), json!(c));
            if let Some((name, v)) = sub(&k) {
                b.insert(name.into(), v);
            }
            Value::Object(b)
        })
        .collect();
    json!({"doc_count_error_upper_bound": 0, "sum_other_doc_count": other, "buckets": buckets})
}

fn opt_f64(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |v| json!(v))
}

/// The exact percentile (`q * (n - 1)`, linear interpolation): what Elasticsearch's digest
/// gives for small sets.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let index = q * (sorted.len() - 1) as f64;
    let low = index.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    Some(sorted[low] + (index - low as f64) * (sorted[high] - sorted[low]))
}

/// Compares numbers loosely (sums and averages of doubles may round differently) but keeps
/// integers and doubles apart (`value_count` is an integer, `sum` a double); everything else
/// exactly.
fn same(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => {
            a.is_f64() == b.is_f64()
                && match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                    _ => a == b,
                }
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => got == want,
    }
}

/// What every aggregation of [`request`] should answer over `docs`.
fn reference(docs: &[Doc]) -> Map<String, Value> {
    let mut out = Map::new();
    let ns: Vec<i64> = docs.iter().filter_map(|d| d.n).collect();
    let xs: Vec<f64> = docs.iter().filter_map(|d| d.x).collect();

    // terms on a keyword, every bucket, with a sum per bucket.
    let mut by_k: BTreeMap<String, u64> = BTreeMap::new();
    for d in docs {
        if let Some(k) = &d.k {
            *by_k.entry(k.clone()).or_default() += 1;
        }
    }
    let sum_n_for = |pred: &dyn Fn(&Doc) -> bool| -> f64 {
        docs.iter()
            .filter(|d| pred(d))
            .filter_map(|d| d.n)
            .sum::<i64>() as f64
    };
    out.insert(
        "k_terms".into(),
        terms_json(&by_k, 100, |k| {
            Some((
                "sum_n",
                json!({"value": sum_n_for(&|d| d.k.as_ref() == Some(k))}),
            ))
        }),
    );

    // terms on a multi-valued keyword, cut to two buckets.
    let mut by_tag: BTreeMap<String, u64> = BTreeMap::new();
    for d in docs {
        for t in d.tag_set() {
            *by_tag.entry(t).or_default() += 1;
        }
    }
    out.insert("tag_terms".into(), terms_json(&by_tag, 2, |_| None));

    // terms on a long, by key ascending.
    let mut by_n: BTreeMap<i64, u64> = BTreeMap::new();
    for n in &ns {
        *by_n.entry(*n).or_default() += 1;
    }
    let buckets: Vec<Value> = by_n
        .iter()
        .map(|(k, c)| json!({"key": k, "doc_count": c}))
        .collect();
    out.insert(
        "n_terms".into(),
        json!({"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": buckets}),
    );

    // histogram on a long, empty buckets filled between the first and the last, with a max.
    let mut hist: BTreeMap<i64, (u64, Option<f64>)> = BTreeMap::new();
    for d in docs {
        if let Some(n) = d.n {
            let e = hist.entry(n.div_euclid(3) * 3).or_default();
            e.0 += 1;
            if let Some(x) = d.x {
                e.1 = Some(e.1.map_or(x, |m: f64| m.max(x)));
            }
        }
    }
    let mut buckets = Vec::new();
    if let (Some(first), Some(last)) = (hist.keys().next(), hist.keys().next_back()) {
        let mut key = *first;
        while key <= *last {
            let (count, max) = hist.get(&key).copied().unwrap_or_default();
            buckets.push(
                json!({"key": key as f64, "doc_count": count, "max_x": {"value": opt_f64(max)}}),
            );
            key += 3;
        }
    }
    out.insert("n_hist".into(), json!({"buckets": buckets}));

    // range on a long.
    let count = |lo: Option<i64>, hi: Option<i64>| {
        ns.iter()
            .filter(|n| lo.is_none_or(|l| **n >= l) && hi.is_none_or(|h| **n < h))
            .count()
    };
    out.insert(
        "n_range".into(),
        json!({"buckets": [
            {"key": "*-0.0", "to": 0.0, "doc_count": count(None, Some(0))},
            {"key": "0.0-3.0", "from": 0.0, "to": 3.0, "doc_count": count(Some(0), Some(3))},
            {"key": "3.0-*", "from": 3.0, "doc_count": count(Some(3), None)}
        ]}),
    );

    // date_histogram per day, with the distinct keywords of each day.
    let mut days: BTreeMap<i64, (u64, BTreeSet<String>)> = BTreeMap::new();
    for d in docs {
        if let Some(h) = d.ts {
            let day = (BASE_MS + h * HOUR_MS).div_euclid(DAY_MS) * DAY_MS;
            let e = days.entry(day).or_default();
            e.0 += 1;
            if let Some(k) = &d.k {
                e.1.insert(k.clone());
            }
        }
    }
    let mut buckets = Vec::new();
    if let (Some(first), Some(last)) = (days.keys().next(), days.keys().next_back()) {
        let mut day = *first;
        while day <= *last {
            let (count, ks) = days.get(&day).cloned().unwrap_or_default();
            buckets.push(json!({"key_as_string": format!("{}T00:00:00.000Z", &iso(day)[..10]), "key": day, "doc_count": count, "ks": {"value": ks.len()}}));
            day += DAY_MS;
        }
    }
    out.insert("per_day".into(), json!({"buckets": buckets}));

    // missing, filter with a sub-aggregation.
    out.insert(
        "no_k".into(),
        json!({"doc_count": docs.iter().filter(|d| d.k.is_none()).count()}),
    );
    let in_a: Vec<&Doc> = docs
        .iter()
        .filter(|d| d.k.as_deref() == Some("a"))
        .collect();
    let a_ns: Vec<i64> = in_a.iter().filter_map(|d| d.n).collect();
    let avg = |v: &[i64]| (!v.is_empty()).then(|| v.iter().sum::<i64>() as f64 / v.len() as f64);
    out.insert(
        "only_a".into(),
        json!({"doc_count": in_a.len(), "avg_n": {"value": opt_f64(avg(&a_ns))}}),
    );

    // Metrics.
    let min = ns.iter().min().map(|v| *v as f64);
    let max = ns.iter().max().map(|v| *v as f64);
    let sum = ns.iter().sum::<i64>() as f64;
    out.insert("n_min".into(), json!({"value": opt_f64(min)}));
    out.insert("n_max".into(), json!({"value": opt_f64(max)}));
    out.insert("n_sum".into(), json!({"value": sum}));
    out.insert("n_avg".into(), json!({"value": opt_f64(avg(&ns))}));
    out.insert("n_count".into(), json!({"value": ns.len()}));
    out.insert("tag_card".into(), json!({"value": by_tag.len()}));
    out.insert(
        "x_stats".into(),
        json!({
            "count": xs.len(),
            "min": opt_f64(xs.iter().copied().reduce(f64::min)),
            "max": opt_f64(xs.iter().copied().reduce(f64::max)),
            "avg": opt_f64((!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)),
            "sum": xs.iter().sum::<f64>(),
        }),
    );
    let mut sorted: Vec<f64> = ns.iter().map(|v| *v as f64).collect();
    sorted.sort_by(f64::total_cmp);
    out.insert(
        "n_pct".into(),
        json!({"values": {
            "25.0": opt_f64(quantile(&sorted, 0.25)),
            "50.0": opt_f64(quantile(&sorted, 0.5)),
            "90.0": opt_f64(quantile(&sorted, 0.9)),
        }}),
    );

    // Nested three deep: keyword → tags → sum.
    let nested = terms_json(&by_k, 100, |k| {
        let mut tags: BTreeMap<String, u64> = BTreeMap::new();
        for d in docs.iter().filter(|d| d.k.as_ref() == Some(k)) {
            for t in d.tag_set() {
                *tags.entry(t).or_default() += 1;
            }
        }
        let inner = terms_json(&tags, 100, |t| {
            let s = sum_n_for(&|d| d.k.as_ref() == Some(k) && d.tag_set().contains(t));
            Some(("sum_n", json!({"value": s})))
        });
        Some(("tags", inner))
    });
    out.insert("nested".into(), nested);
    out
}

fn request() -> Value {
    json!({"size": 0, "track_total_hits": true, "aggs": {
        "k_terms": {"terms": {"field": "k", "size": 100}, "aggs": {"sum_n": {"sum": {"field": "n"}}}},
        "tag_terms": {"terms": {"field": "tags", "size": 2}},
        "n_terms": {"terms": {"field": "n", "size": 100, "order": {"_key": "asc"}}},
        "n_hist": {"histogram": {"field": "n", "interval": 3}, "aggs": {"max_x": {"max": {"field": "x"}}}},
        "n_range": {"range": {"field": "n", "ranges": [{"to": 0}, {"from": 0, "to": 3}, {"from": 3}]}},
        "per_day": {"date_histogram": {"field": "ts", "calendar_interval": "day"}, "aggs": {"ks": {"cardinality": {"field": "k"}}}},
        "no_k": {"missing": {"field": "k"}},
        "only_a": {"filter": {"term": {"k": "a"}}, "aggs": {"avg_n": {"avg": {"field": "n"}}}},
        "n_min": {"min": {"field": "n"}},
        "n_max": {"max": {"field": "n"}},
        "n_sum": {"sum": {"field": "n"}},
        "n_avg": {"avg": {"field": "n"}},
        "n_count": {"value_count": {"field": "n"}},
        "tag_card": {"cardinality": {"field": "tags"}},
        "x_stats": {"stats": {"field": "x"}},
        "n_pct": {"percentiles": {"field": "n", "percents": [25, 50, 90]}},
        "nested": {"terms": {"field": "k", "size": 100}, "aggs": {
            "tags": {"terms": {"field": "tags", "size": 100}, "aggs": {"sum_n": {"sum": {"field": "n"}}}}}}
    }})
}

struct Corpus {
    engine: &'static Engine,
    indices: [String; 2],
    types: FieldTypeMap,
}

impl Corpus {
    fn search(&self, body: &Value) -> Value {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let parsed = parse_search("/_search", SearchBody::Bytes(&bytes), &[]).expect("parsed");
        let names: Vec<&str> = self.indices.iter().map(String::as_str).collect();
        let result = self
            .engine
            .search(&names, &parsed.request, &self.types)
            .expect("search");
        result.aggregations.unwrap_or(Value::Null)
    }
}

fn engine() -> &'static (tempfile::TempDir, Engine) {
    static ENGINE: OnceLock<(tempfile::TempDir, Engine)> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = Engine::open(dir.path(), EngineOptions::default()).expect("engine");
        (dir, engine)
    })
}

static CASE: AtomicUsize = AtomicUsize::new(0);

fn index(docs: &[Doc]) -> Corpus {
    let (_dir, engine) = engine();
    let case = CASE.fetch_add(1, Ordering::SeqCst);
    let indices = [format!("a{case}"), format!("b{case}")];
    let settings = IndexSettings {
        refresh_interval: None,
        ..IndexSettings::default()
    };
    let mut types = FieldTypeMap::default();
    // Every field mapped in both indices, whatever this corpus holds.
    let all = json!({"k": "x", "n": 1, "x": 0.5, "tags": ["x"], "ts": "2026-12-05T00:00:00Z"});
    for (i, name) in indices.iter().enumerate() {
        engine
            .create_index(name, name, &settings, json!({}))
            .expect("created");
        types.learn(name, &testing::parse(&all, &[]));
        let ops = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.second == (i == 1))
            .map(|(id, d)| {
                let source = d.source();
                EngineOp::Index {
                    id: Some(id.to_string()),
                    source: serde_json::to_vec(&source).unwrap_or_default(),
                    parsed: testing::parse(&source, &[]),
                    create: false,
                    condition: WriteCondition::None,
                }
            })
            .collect();
        engine
            .apply(name, ops, Refresh::Immediate)
            .expect("indexed");
    }
    Corpus {
        engine,
        indices,
        types,
    }
}

impl Drop for Corpus {
    fn drop(&mut self) {
        for name in &self.indices {
            let _ = self.engine.delete_index(name);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn aggregations_agree_with_a_reference(docs in prop::collection::vec(doc(), 0..40)) {
        let corpus = index(&docs);
        let got = corpus.search(&request());
        let want = reference(&docs);
        for (name, want) in &want {
            let got = &got[name.as_str()];
            prop_assert!(same(got, want), "[{}]\n got: {}\nwant: {}", name, got, want);
        }
        prop_assert_eq!(got.as_object().map(Map::len), Some(want.len()));
    }

    #[test]
    fn composite_pages_cover_every_pair_once_in_order(docs in prop::collection::vec(doc(), 0..40), page in 1usize..5) {
        let corpus = index(&docs);
        let mut want: BTreeMap<(String, i64), u64> = BTreeMap::new();
        for d in &docs {
            if let (Some(k), Some(n)) = (&d.k, d.n) {
                *want.entry((k.clone(), n)).or_default() += 1;
            }
        }
        let want: Vec<Value> = want
            .into_iter()
            .map(|((k, n), c)| json!({"key": {"k": k, "n": n}, "doc_count": c}))
            .collect();
        let mut got = Vec::new();
        let mut after: Option<Value> = None;
        for _ in 0..=want.len() {
            let mut composite = json!({"size": page, "sources": [
                {"k": {"terms": {"field": "k"}}}, {"n": {"terms": {"field": "n"}}}]});
            if let Some(a) = &after {
                composite["after"] = a.clone();
            }
            let aggs = corpus.search(&json!({"size": 0, "aggs": {"c": {"composite": composite}}}));
            let buckets = aggs["c"]["buckets"].as_array().cloned().unwrap_or_default();
            prop_assert!(buckets.len() <= page);
            if buckets.is_empty() {
                prop_assert!(aggs["c"].get("after_key").is_none(), "{}", aggs);
                break;
            }
            prop_assert_eq!(&aggs["c"]["after_key"], &buckets[buckets.len() - 1]["key"]);
            after = Some(aggs["c"]["after_key"].clone());
            got.extend(buckets);
        }
        prop_assert_eq!(got, want);
    }
}
