//! Property test: over random small corpora, `term`, `terms`, `range`, `exists`, `ids` and
//! nested `bool` queries find exactly the documents (and total) that a plain in-memory
//! evaluator of Elasticsearch's rules finds.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use ironstack_store::api::{Refresh, WriteCondition};
use ironstack_store::engine::{
    Engine, EngineOp, EngineOptions, FieldTypeMap, IndexSettings, testing,
};
use ironstack_store::query::{
    BoolQuery, MinimumShouldMatch, Query, RangeQuery, Scalar, SearchRequest, TrackTotalHits,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone)]
struct Doc {
    k: Option<String>,
    n: Option<i64>,
    b: Option<bool>,
    tags: Vec<String>,
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
        if let Some(b) = self.b {
            m.insert("b".into(), json!(b));
        }
        if !self.tags.is_empty() {
            m.insert("tags".into(), json!(self.tags));
        }
        Value::Object(m)
    }
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", "d"]).prop_map(str::to_string)
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        prop::option::of(word()),
        prop::option::of(-5i64..5),
        prop::option::of(any::<bool>()),
        prop::collection::vec(word(), 0..3),
    )
        .prop_map(|(k, n, b, tags)| Doc { k, n, b, tags })
}

fn leaf() -> impl Strategy<Value = Query> {
    prop_oneof![
        (prop::sample::select(vec!["k", "tags"]), word()).prop_map(|(f, v)| Query::Term {
            field: f.into(),
            value: Scalar::String(v),
            case_insensitive: false,
            boost: 1.0,
        }),
        (-6i64..6).prop_map(|v| Query::Term {
            field: "n".into(),
            value: Scalar::Long(v),
            case_insensitive: false,
            boost: 1.0
        }),
        any::<bool>().prop_map(|v| Query::Term {
            field: "b".into(),
            value: Scalar::Bool(v),
            case_insensitive: false,
            boost: 1.0
        }),
        (
            prop::sample::select(vec!["k", "tags"]),
            prop::collection::vec(word(), 1..3)
        )
            .prop_map(|(f, vs)| Query::Terms {
                field: f.into(),
                values: vs.into_iter().map(Scalar::String).collect(),
                boost: 1.0
            }),
        (
            prop::option::of(-6i64..6),
            prop::option::of(-6i64..6),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(lo, hi, li, hi_inc)| {
                let s = |v: Option<i64>| v.map(Scalar::Long);
                Query::Range(RangeQuery {
                    field: "n".into(),
                    gt: if li { None } else { s(lo) },
                    gte: if li { s(lo) } else { None },
                    lt: if hi_inc { None } else { s(hi) },
                    lte: if hi_inc { s(hi) } else { None },
                    format: None,
                    time_zone: None,
                    boost: 1.0,
                })
            }),
        (prop::option::of(word()), prop::option::of(word())).prop_map(|(lo, hi)| Query::Range(
            RangeQuery {
                field: "k".into(),
                gt: None,
                gte: lo.map(Scalar::String),
                lt: hi.map(Scalar::String),
                lte: None,
                format: None,
                time_zone: None,
                boost: 1.0,
            }
        )),
        prop::sample::select(vec!["k", "n", "b", "tags", "nope"]).prop_map(|f| Query::Exists {
            field: f.into(),
            boost: 1.0
        }),
        prop::collection::vec(0usize..12, 0..4).prop_map(|ids| Query::Ids {
            values: ids.into_iter().map(|i| i.to_string()).collect(),
            boost: 1.0
        }),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        (
            prop::collection::vec(inner.clone(), 0..3),
            prop::collection::vec(inner.clone(), 0..2),
            prop::collection::vec(inner.clone(), 0..3),
            prop::collection::vec(inner, 0..2),
            prop::option::of(0usize..3),
        )
            .prop_map(|(must, filter, should, must_not, msm)| {
                Query::Bool(BoolQuery {
                    must,
                    filter,
                    should,
                    must_not,
                    minimum_should_match: msm.map(|m| MinimumShouldMatch(m.to_string())),
                    boost: 1.0,
                })
            })
    })
}

/// Elasticsearch's rules, written out plainly.
fn matches(id: usize, d: &Doc, q: &Query) -> bool {
    match q {
        Query::Term { field, value, .. } => match (field.as_str(), value) {
            ("k", Scalar::String(v)) => d.k.as_ref() == Some(v),
            ("tags", Scalar::String(v)) => d.tags.contains(v),
            ("n", Scalar::Long(v)) => d.n == Some(*v),
            ("b", Scalar::Bool(v)) => d.b == Some(*v),
            _ => false,
        },
        Query::Terms { field, values, .. } => values.iter().any(|v| {
            matches(
                id,
                d,
                &Query::Term {
                    field: field.clone(),
                    value: v.clone(),
                    case_insensitive: false,
                    boost: 1.0,
                },
            )
        }),
        Query::Range(r) if r.field == "n" => {
            let Some(n) = d.n else { return false };
            let num = |s: &Option<Scalar>| match s {
                Some(Scalar::Long(v)) => Some(*v),
                _ => None,
            };
            num(&r.gt).is_none_or(|v| n > v)
                && num(&r.gte).is_none_or(|v| n >= v)
                && num(&r.lt).is_none_or(|v| n < v)
                && num(&r.lte).is_none_or(|v| n <= v)
        }
        Query::Range(r) => {
            let Some(k) = &d.k else { return false };
            let text = |s: &Option<Scalar>| match s {
                Some(Scalar::String(v)) => Some(v.clone()),
                _ => None,
            };
            text(&r.gte).is_none_or(|v| *k >= v) && text(&r.lt).is_none_or(|v| *k < v)
        }
        Query::Exists { field, .. } => match field.as_str() {
            "k" => d.k.is_some(),
            "n" => d.n.is_some(),
            "b" => d.b.is_some(),
            "tags" => !d.tags.is_empty(),
            _ => false,
        },
        Query::Ids { values, .. } => values.contains(&id.to_string()),
        Query::Bool(b)
            if b.must.is_empty()
                && b.filter.is_empty()
                && b.should.is_empty()
                && b.must_not.is_empty() =>
        {
            // No clause at all is `match_all`, whatever `minimum_should_match` says.
            true
        }
        Query::Bool(b) => {
            let should_hits = b.should.iter().filter(|q| matches(id, d, q)).count();
            let only_should = !b.should.is_empty() && b.must.is_empty() && b.filter.is_empty();
            let msm = match &b.minimum_should_match {
                // Lucene: without required clauses, optional ones form a disjunction, so at
                // least one must match even when `minimum_should_match` is 0.
                Some(m) if only_should => m.0.parse::<usize>().unwrap_or(0).max(1),
                Some(m) => m.0.parse::<usize>().unwrap_or(0),
                None if only_should => 1,
                None => 0,
            };
            b.must.iter().all(|q| matches(id, d, q))
                && b.filter.iter().all(|q| matches(id, d, q))
                && !b.must_not.iter().any(|q| matches(id, d, q))
                && should_hits >= msm
        }
        _ => false,
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn search_agrees_with_a_reference(docs in prop::collection::vec(doc(), 0..12), queries in prop::collection::vec(query(), 1..6)) {
        let (_dir, engine) = engine();
        let name = format!("p{}", CASE.fetch_add(1, Ordering::SeqCst));
        let settings = IndexSettings { refresh_interval: None, ..IndexSettings::default() };
        engine.create_index(&name, &name, &settings, json!({})).expect("created");
        // Every field mapped, whatever this corpus holds (as a mapping would be).
        let mut types = FieldTypeMap::default();
        types.learn(&name, &testing::parse(&json!({"k": "x", "n": 1, "b": true, "tags": ["x"]}), &[]));
        let ops = docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let source = d.source();
                EngineOp::Index {
                    id: Some(i.to_string()),
                    source: serde_json::to_vec(&source).unwrap_or_default(),
                    parsed: testing::parse(&source, &[]),
                    create: false,
                    condition: WriteCondition::None,
                }
            })
            .collect();
        engine.apply(&name, ops, Refresh::Immediate).expect("indexed");
        for q in &queries {
            let request = SearchRequest { query: q.clone(), size: 100, track_total_hits: TrackTotalHits::Exact, ..SearchRequest::default() };
            let result = engine.search(&[name.as_str()], &request, &types).expect("search");
            let mut got: Vec<usize> = result.hits.iter().map(|h| h.id.parse().unwrap_or(usize::MAX)).collect();
            got.sort_unstable();
            let want: Vec<usize> = docs.iter().enumerate().filter(|(i, d)| matches(*i, d, q)).map(|(i, _)| i).collect();
            prop_assert_eq!(&got, &want, "query {:?}", q);
            prop_assert_eq!(result.total, want.len() as u64);
            let count = engine.count(&[name.as_str()], q, &types).expect("count");
            prop_assert_eq!(count, want.len() as u64);
        }
        engine.delete_index(&name).expect("deleted");
    }
}
