//! Every query variant, sorting, paging and the search errors on a small corpus with known
//! answers.

use serde_json::{Value, json};

use super::testing::parse;
use super::*;
use crate::api::{Refresh, WriteCondition};
use crate::query::{
    BoolQuery, FieldAndFormat, Fuzziness, MatchPhraseQuery, MatchQuery, MinimumShouldMatch,
    Missing, Operator, Query, RangeQuery, Scalar, SearchRequest, SortBy, SortMode, SortOrder,
    SortSpec, SourceFilter, TrackTotalHits, ZeroTermsQuery,
};

fn corpus() -> Vec<(&'static str, Value)> {
    vec![
        (
            "1",
            json!({"title": "The quick brown fox", "tags": ["animal", "fast"], "price": 10.5, "count": 3,
                   "published": "2024-01-10T10:00:00Z", "active": true, "ip": "10.0.0.1",
                   "host": {"name": "alpha", "os": "linux"}}),
        ),
        (
            "2",
            json!({"title": "The lazy dog sleeps", "tags": ["animal"], "price": 5.0, "count": 10,
                   "published": "2024-01-11T00:00:00Z", "active": false, "ip": "10.0.1.7",
                   "host": {"name": "beta"}}),
        ),
        (
            "3",
            json!({"title": "Quick quick quick", "tags": ["fast"], "price": 99.9, "count": 1,
                   "published": "2024-02-01T12:30:00.123Z", "active": true, "ip": "192.168.1.1"}),
        ),
        (
            "4",
            json!({"title": "brown dog and brown fox", "count": 7, "published": "2023-12-31T23:59:59Z",
                   "ip": "2001:db8::5", "host": {"name": "Alpha"}}),
        ),
        (
            "5",
            json!({"title": "Elasticsearch compatible search", "tags": ["software"], "price": 0}),
        ),
    ]
}

fn types() -> FieldTypeMap {
    let mut t = FieldTypeMap::default();
    for (_, source) in corpus() {
        t.learn("c", &parse(&source, &["title"]));
    }
    t
}

fn engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(dir.path(), EngineOptions::default()).expect("engine");
    engine
        .create_index(
            "c",
            "cu",
            &IndexSettings {
                refresh_interval: None,
                ..IndexSettings::default()
            },
            json!({}),
        )
        .expect("created");
    let ops = corpus()
        .into_iter()
        .map(|(id, source)| EngineOp::Index {
            id: Some(id.to_string()),
            source: serde_json::to_vec(&source).unwrap_or_default(),
            parsed: parse(&source, &["title"]),
            create: false,
            condition: WriteCondition::None,
        })
        .collect();
    engine.apply("c", ops, Refresh::Immediate).expect("indexed");
    (dir, engine)
}

fn run(engine: &Engine, request: &SearchRequest) -> SearchResult {
    engine.search(&["c"], request, &types()).expect("search")
}

fn ids_of(r: &SearchResult) -> Vec<String> {
    r.hits.iter().map(|h| h.id.clone()).collect()
}

/// Matching ids, sorted (order-independent checks).
fn matching(engine: &Engine, query: Query) -> Vec<String> {
    let mut ids = ids_of(&run(
        engine,
        &SearchRequest {
            query,
            size: 100,
            ..SearchRequest::default()
        },
    ));
    ids.sort();
    ids
}

fn s(v: &str) -> Scalar {
    Scalar::String(v.to_string())
}

fn term(field: &str, value: Scalar) -> Query {
    Query::Term {
        field: field.into(),
        value,
        case_insensitive: false,
        boost: 1.0,
    }
}

fn range(field: &str, gte: Option<Scalar>, lt: Option<Scalar>) -> Query {
    Query::Range(RangeQuery {
        field: field.into(),
        gt: None,
        gte,
        lt,
        lte: None,
        format: None,
        time_zone: None,
        boost: 1.0,
    })
}

fn match_q(field: &str, text: &str) -> MatchQuery {
    MatchQuery {
        field: field.into(),
        query: s(text),
        operator: Operator::Or,
        minimum_should_match: None,
        fuzziness: None,
        prefix_length: 0,
        max_expansions: 50,
        fuzzy_transpositions: true,
        lenient: false,
        zero_terms_query: ZeroTermsQuery::None,
        analyzer: None,
        boost: 1.0,
    }
}

fn sort(field: &str, order: SortOrder) -> SortSpec {
    SortSpec {
        by: SortBy::Field(field.into()),
        order,
        missing: Missing::Last,
        unmapped_type: None,
        mode: None,
        format: None,
    }
}

fn v(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn term_and_terms_on_every_type() {
    let (_d, e) = engine();
    assert_eq!(matching(&e, term("tags", s("animal"))), v(&["1", "2"]));
    assert_eq!(matching(&e, term("host.name", s("alpha"))), v(&["1"]));
    assert_eq!(
        matching(
            &e,
            Query::Term {
                field: "host.name".into(),
                value: s("ALPHA"),
                case_insensitive: true,
                boost: 1.0
            }
        ),
        v(&["1", "4"])
    );
    // `term` on text looks for one indexed token, unanalysed.
    assert_eq!(matching(&e, term("title", s("quick"))), v(&["1", "3"]));
    assert_eq!(
        matching(&e, term("title", s("Quick"))),
        Vec::<String>::new()
    );
    assert_eq!(matching(&e, term("count", Scalar::Long(10))), v(&["2"]));
    assert_eq!(matching(&e, term("count", s("10"))), v(&["2"]));
    assert_eq!(
        matching(&e, term("count", Scalar::Double(10.5))),
        Vec::<String>::new()
    );
    assert_eq!(matching(&e, term("price", Scalar::Long(5))), v(&["2"]));
    assert_eq!(matching(&e, term("price", Scalar::Double(10.5))), v(&["1"]));
    assert_eq!(
        matching(&e, term("active", Scalar::Bool(true))),
        v(&["1", "3"])
    );
    assert_eq!(matching(&e, term("active", s("false"))), v(&["2"]));
    // A date term covers its rounding: a day, or one millisecond.
    assert_eq!(matching(&e, term("published", s("2024-01-10"))), v(&["1"]));
    assert_eq!(
        matching(&e, term("published", s("2024-02-01T12:30:00.123Z"))),
        v(&["3"])
    );
    assert_eq!(
        matching(&e, term("published", s("2024-02-01T12:30:00.124Z"))),
        Vec::<String>::new()
    );
    assert_eq!(matching(&e, term("ip", s("10.0.0.0/16"))), v(&["1", "2"]));
    assert_eq!(matching(&e, term("ip", s("2001:db8::5"))), v(&["4"]));
    assert_eq!(matching(&e, term("unmapped", s("x"))), Vec::<String>::new());
    assert_eq!(
        matching(
            &e,
            Query::Terms {
                field: "count".into(),
                values: vec![Scalar::Long(1), Scalar::Long(7)],
                boost: 1.0
            }
        ),
        v(&["3", "4"])
    );
    assert_eq!(
        matching(
            &e,
            Query::Terms {
                field: "tags".into(),
                values: vec![s("software"), s("fast")],
                boost: 1.0
            }
        ),
        v(&["1", "3", "5"])
    );
    match e.search(
        &["c"],
        &SearchRequest {
            query: term("count", s("abc")),
            ..SearchRequest::default()
        },
        &types(),
    ) {
        Err(err @ StoreError::QueryShard { .. }) => {
            assert_eq!(
                err.to_string(),
                "failed to create query: For input string: \"abc\""
            );
            assert_eq!(err.to_exception().status, 400);
        }
        other => panic!("expected a query_shard_exception, got {other:?}"),
    }
}

#[test]
fn ranges_exists_and_ids() {
    let (_d, e) = engine();
    assert_eq!(
        matching(
            &e,
            range("count", Some(Scalar::Long(3)), Some(Scalar::Long(10)))
        ),
        v(&["1", "4"])
    );
    assert_eq!(
        matching(&e, range("count", Some(Scalar::Double(2.5)), None)),
        v(&["1", "2", "4"])
    );
    assert_eq!(
        matching(
            &e,
            range(
                "price",
                Some(Scalar::Double(5.0)),
                Some(Scalar::Double(99.9))
            )
        ),
        v(&["1", "2"])
    );
    assert_eq!(
        matching(
            &e,
            range("published", Some(s("2024-01-01")), Some(s("2024-02-01")))
        ),
        v(&["1", "2"])
    );
    assert_eq!(
        matching(&e, range("published", Some(s("2024-01-11||/M")), None)),
        v(&["1", "2", "3"])
    );
    assert_eq!(
        matching(&e, range("published", Some(s("now-100y")), Some(s("now")))),
        v(&["1", "2", "3", "4"])
    );
    assert_eq!(
        matching(
            &e,
            Query::Range(RangeQuery {
                field: "published".into(),
                gt: None,
                gte: None,
                lt: None,
                lte: Some(s("2024-01-10T12:00:00")),
                format: None,
                time_zone: Some("+02:00".into()),
                boost: 1.0,
            })
        ),
        v(&["1", "4"])
    );
    assert_eq!(
        matching(
            &e,
            range("published", Some(Scalar::Long(1_706_000_000_000)), None)
        ),
        v(&["3"])
    );
    assert_eq!(
        matching(&e, range("host.name", Some(s("alpha")), Some(s("beta")))),
        v(&["1"])
    );
    // On text, the range is over the analysed terms.
    assert_eq!(
        matching(&e, range("title", Some(s("s")), Some(s("t")))),
        v(&["2", "5"])
    );
    assert_eq!(
        matching(&e, range("ip", Some(s("10.0.0.2")), Some(s("192.168.1.1")))),
        v(&["2"])
    );
    assert_eq!(
        matching(
            &e,
            Query::Exists {
                field: "price".into(),
                boost: 1.0
            }
        ),
        v(&["1", "2", "3", "5"])
    );
    assert_eq!(
        matching(
            &e,
            Query::Exists {
                field: "host".into(),
                boost: 1.0
            }
        ),
        v(&["1", "2", "4"])
    );
    assert_eq!(
        matching(
            &e,
            Query::Exists {
                field: "host.*".into(),
                boost: 1.0
            }
        ),
        v(&["1", "2", "4"])
    );
    assert_eq!(
        matching(
            &e,
            Query::Ids {
                values: v(&["2", "5", "99"]),
                boost: 1.0
            }
        ),
        v(&["2", "5"])
    );
}

#[test]
fn prefix_wildcard_and_regexp() {
    let (_d, e) = engine();
    let prefix = |f: &str, p: &str, ci: bool| Query::Prefix {
        field: f.into(),
        value: p.into(),
        case_insensitive: ci,
        boost: 1.0,
    };
    assert_eq!(matching(&e, prefix("host.name", "al", false)), v(&["1"]));
    assert_eq!(
        matching(&e, prefix("host.name", "al", true)),
        v(&["1", "4"])
    );
    assert_eq!(matching(&e, prefix("title", "sle", false)), v(&["2"]));
    assert_eq!(
        matching(
            &e,
            Query::Wildcard {
                field: "tags".into(),
                pattern: "?ni*l".into(),
                case_insensitive: false,
                boost: 1.0
            }
        ),
        v(&["1", "2"])
    );
    assert_eq!(
        matching(
            &e,
            Query::Regexp {
                field: "tags".into(),
                pattern: "(fa|so).*".into(),
                case_insensitive: false,
                boost: 1.0
            }
        ),
        v(&["1", "3", "5"])
    );
    match e.search(
        &["c"],
        &SearchRequest {
            query: prefix("count", "1", false),
            ..SearchRequest::default()
        },
        &types(),
    ) {
        Err(err) => assert_eq!(
            err.to_string(),
            "Can only use prefix queries on keyword and text fields - not on [count] which is of type [long]"
        ),
        Ok(r) => panic!("expected an error, got {r:?}"),
    }
}

#[test]
fn full_text_queries() {
    let (_d, e) = engine();
    let m = match_q("title", "quick fox");
    let r = run(
        &e,
        &SearchRequest {
            query: Query::Match(m.clone()),
            ..SearchRequest::default()
        },
    );
    // Doc 1 has both terms; doc 3 has "quick" three times in a short title; doc 4 "fox".
    assert_eq!(ids_of(&r), v(&["1", "3", "4"]));
    assert!(r.max_score.is_some_and(|s| s > 0.0));
    let and = MatchQuery {
        operator: Operator::And,
        ..m.clone()
    };
    assert_eq!(matching(&e, Query::Match(and)), v(&["1"]));
    let msm = MatchQuery {
        query: s("quick brown fox"),
        minimum_should_match: Some(MinimumShouldMatch("2".into())),
        ..m.clone()
    };
    assert_eq!(matching(&e, Query::Match(msm)), v(&["1", "4"]));
    let fuzzy = MatchQuery {
        query: s("quikc"),
        fuzziness: Some(Fuzziness::Auto { low: 3, high: 6 }),
        ..m.clone()
    };
    assert_eq!(matching(&e, Query::Match(fuzzy)), v(&["1", "3"]));
    let nothing = MatchQuery {
        query: s("!!!"),
        ..m.clone()
    };
    assert_eq!(
        matching(&e, Query::Match(nothing.clone())),
        Vec::<String>::new()
    );
    let all = MatchQuery {
        zero_terms_query: ZeroTermsQuery::All,
        ..nothing
    };
    assert_eq!(matching(&e, Query::Match(all)).len(), 5);
    // `match` on a keyword field is an exact lookup.
    assert_eq!(
        matching(&e, Query::Match(match_q("tags", "animal"))),
        v(&["1", "2"])
    );

    let phrase = |text: &str, slop: u32, prefix: Option<u32>| {
        Query::MatchPhrase(MatchPhraseQuery {
            field: "title".into(),
            query: text.into(),
            slop,
            prefix,
            zero_terms_query: ZeroTermsQuery::None,
            analyzer: None,
            boost: 1.0,
        })
    };
    assert_eq!(matching(&e, phrase("brown fox", 0, None)), v(&["1", "4"]));
    assert_eq!(
        matching(&e, phrase("quick fox", 0, None)),
        Vec::<String>::new()
    );
    assert_eq!(matching(&e, phrase("quick fox", 1, None)), v(&["1"]));
    assert_eq!(matching(&e, phrase("lazy dog sl", 0, Some(50))), v(&["2"]));
    assert_eq!(matching(&e, phrase("elastic", 0, Some(50))), v(&["5"]));
    // Patterns expand over the mapping's searchable fields.
    assert_eq!(
        matching(&e, Query::Match(match_q("ti*", "lazy"))),
        v(&["2"])
    );
}

#[test]
fn bm25_scores_match_lucene() {
    let (_d, e) = engine();
    let r = run(
        &e,
        &SearchRequest {
            query: Query::Match(match_q("title", "lazy")),
            ..SearchRequest::default()
        },
    );
    // Lucene 8+: idf = ln(1 + (N - n + 0.5) / (n + 0.5)) with N = 5, n = 1; tf part
    // tf / (tf + k1 (1 - b + b dl / avgdl)) with dl = 4 and avgdl = 19 / 5; no (k1 + 1).
    let idf = (1.0f32 + (5.0 - 1.0 + 0.5) / (1.0 + 0.5)).ln();
    let norm = 1.0 / (1.0 + 1.2 * (0.25 + 0.75 * 4.0 / 3.8));
    let score = r.hits[0].score.expect("scored");
    assert!(
        (score - idf * norm).abs() < 0.005,
        "{score} vs {}",
        idf * norm
    );
    assert_eq!(r.max_score, Some(score));
    // Rarer terms weigh more.
    let common = run(
        &e,
        &SearchRequest {
            query: Query::Match(match_q("title", "the")),
            ..SearchRequest::default()
        },
    );
    assert!(
        common
            .hits
            .iter()
            .all(|h| h.score.is_some_and(|s| s < score))
    );
}

#[test]
fn compound_queries() {
    let (_d, e) = engine();
    let b = BoolQuery {
        must: vec![Query::Match(match_q("title", "brown"))],
        filter: vec![range("count", Some(Scalar::Long(5)), None)],
        must_not: vec![term("tags", s("animal"))],
        boost: 1.0,
        ..BoolQuery::default()
    };
    assert_eq!(matching(&e, Query::Bool(b)), v(&["4"]));
    let should = BoolQuery {
        should: vec![term("tags", s("software")), term("count", Scalar::Long(10))],
        boost: 1.0,
        ..BoolQuery::default()
    };
    assert_eq!(matching(&e, Query::Bool(should.clone())), v(&["2", "5"]));
    let two = BoolQuery {
        minimum_should_match: Some(MinimumShouldMatch("2".into())),
        ..should.clone()
    };
    assert_eq!(matching(&e, Query::Bool(two)), Vec::<String>::new());
    // With a filter, should clauses are optional.
    let optional = BoolQuery {
        filter: vec![term("active", Scalar::Bool(true))],
        ..should
    };
    assert_eq!(matching(&e, Query::Bool(optional)), v(&["1", "3"]));
    let only_not = BoolQuery {
        must_not: vec![Query::Exists {
            field: "tags".into(),
            boost: 1.0,
        }],
        boost: 1.0,
        ..BoolQuery::default()
    };
    let r = run(
        &e,
        &SearchRequest {
            query: Query::Bool(only_not),
            ..SearchRequest::default()
        },
    );
    assert_eq!(ids_of(&r), v(&["4"]));
    assert_eq!(r.hits[0].score, Some(0.0));
    let empty = run(
        &e,
        &SearchRequest {
            query: Query::Bool(BoolQuery {
                boost: 1.0,
                ..BoolQuery::default()
            }),
            ..SearchRequest::default()
        },
    );
    assert_eq!(empty.total, 5);
    assert_eq!(empty.hits[0].score, Some(1.0));

    let cs = run(
        &e,
        &SearchRequest {
            query: Query::ConstantScore {
                filter: Box::new(term("tags", s("fast"))),
                boost: 2.5,
            },
            ..SearchRequest::default()
        },
    );
    assert_eq!(
        cs.hits.iter().map(|h| h.score).collect::<Vec<_>>(),
        vec![Some(2.5), Some(2.5)]
    );

    let boosting = run(
        &e,
        &SearchRequest {
            query: Query::Boosting {
                positive: Box::new(Query::ConstantScore {
                    filter: Box::new(term("tags", s("animal"))),
                    boost: 1.0,
                }),
                negative: Box::new(term("count", Scalar::Long(3))),
                negative_boost: 0.5,
            },
            ..SearchRequest::default()
        },
    );
    assert_eq!(ids_of(&boosting), v(&["2", "1"]));
    assert_eq!(boosting.hits[1].score, Some(0.5));

    let dis_max = run(
        &e,
        &SearchRequest {
            query: Query::DisMax {
                queries: vec![
                    Query::ConstantScore {
                        filter: Box::new(term("tags", s("fast"))),
                        boost: 1.0,
                    },
                    Query::ConstantScore {
                        filter: Box::new(term("active", Scalar::Bool(true))),
                        boost: 3.0,
                    },
                ],
                tie_breaker: 0.5,
                boost: 1.0,
            },
            ..SearchRequest::default()
        },
    );
    // Docs 1 and 3 match both: 3 + 0.5 * 1.
    assert_eq!(
        dis_max.hits.iter().map(|h| h.score).collect::<Vec<_>>(),
        vec![Some(3.5), Some(3.5)]
    );
    assert_eq!(matching(&e, Query::MatchNone), Vec::<String>::new());
}

#[test]
fn sorting_paging_and_hit_options() {
    let (_d, e) = engine();
    let by = |specs: Vec<SortSpec>| SearchRequest {
        sort: specs,
        size: 10,
        ..SearchRequest::default()
    };
    let r = run(&e, &by(vec![sort("count", SortOrder::Desc)]));
    assert_eq!(ids_of(&r), v(&["2", "4", "1", "3", "5"]));
    assert_eq!(r.hits[0].score, None);
    assert_eq!(r.max_score, None);
    assert_eq!(r.hits[0].sort, Some(vec![json!(10)]));
    // Missing last in both directions, and the value Elasticsearch shows for it.
    assert_eq!(r.hits[4].sort, Some(vec![json!(i64::MIN)]));
    let asc = run(&e, &by(vec![sort("price", SortOrder::Asc)]));
    assert_eq!(ids_of(&asc), v(&["5", "2", "1", "3", "4"]));
    let first = run(
        &e,
        &by(vec![SortSpec {
            missing: Missing::First,
            ..sort("price", SortOrder::Asc)
        }]),
    );
    assert_eq!(ids_of(&first), v(&["4", "5", "2", "1", "3"]));
    let value = run(
        &e,
        &by(vec![SortSpec {
            missing: Missing::Value(Scalar::Long(6)),
            ..sort("price", SortOrder::Asc)
        }]),
    );
    assert_eq!(ids_of(&value), v(&["5", "2", "4", "1", "3"]));
    // Multi-valued keywords: min ascending, max descending; then a tiebreaker.
    let tags = run(
        &e,
        &by(vec![
            sort("tags", SortOrder::Desc),
            sort("count", SortOrder::Asc),
        ]),
    );
    assert_eq!(ids_of(&tags), v(&["5", "3", "1", "2", "4"]));
    assert_eq!(
        tags.hits[0].sort,
        Some(vec![json!("software"), json!(i64::MAX)])
    );
    let modes = run(
        &e,
        &by(vec![SortSpec {
            mode: Some(SortMode::Min),
            ..sort("tags", SortOrder::Desc)
        }]),
    );
    assert_eq!(ids_of(&modes)[..2], v(&["5", "3"])[..]);
    let dates = run(
        &e,
        &by(vec![SortSpec {
            format: Some("strict_date_optional_time".into()),
            ..sort("published", SortOrder::Asc)
        }]),
    );
    assert_eq!(ids_of(&dates), v(&["4", "1", "2", "3", "5"]));
    assert_eq!(
        dates.hits[0].sort,
        Some(vec![json!("2023-12-31T23:59:59.000Z")])
    );
    let ips = run(&e, &by(vec![sort("ip", SortOrder::Asc)]));
    assert_eq!(ids_of(&ips), v(&["1", "2", "3", "4", "5"]));
    assert_eq!(ips.hits[3].sort, Some(vec![json!("2001:db8::5")]));

    // Paging: from/size and search_after agree.
    let page2 = run(
        &e,
        &SearchRequest {
            from: 2,
            size: 2,
            ..by(vec![sort("count", SortOrder::Asc)])
        },
    );
    assert_eq!(ids_of(&page2), v(&["4", "2"]));
    assert_eq!(page2.total, 5);
    let after = run(
        &e,
        &SearchRequest {
            size: 2,
            search_after: Some(vec![json!(3)]),
            ..by(vec![sort("count", SortOrder::Asc)])
        },
    );
    assert_eq!(ids_of(&after), v(&["4", "2"]));
    let docs = run(
        &e,
        &by(vec![SortSpec {
            by: SortBy::Doc,
            ..sort("x", SortOrder::Asc)
        }]),
    );
    assert_eq!(ids_of(&docs), v(&["1", "2", "3", "4", "5"]));

    // Totals, terminate_after, min_score, post_filter, size 0.
    let tracked = run(
        &e,
        &SearchRequest {
            track_total_hits: TrackTotalHits::UpTo(3),
            ..SearchRequest::default()
        },
    );
    assert_eq!((tracked.total, tracked.total_exact), (3, false));
    let terminated = run(
        &e,
        &SearchRequest {
            terminate_after: Some(2),
            ..SearchRequest::default()
        },
    );
    assert_eq!((terminated.total, terminated.terminated_early), (2, true));
    let min = run(
        &e,
        &SearchRequest {
            query: Query::Match(match_q("title", "quick fox")),
            min_score: Some(0.5),
            ..SearchRequest::default()
        },
    );
    assert!(min.hits.iter().all(|h| h.score.is_some_and(|s| s >= 0.5)));
    assert_eq!(min.total as usize, min.hits.len());
    let post = run(
        &e,
        &SearchRequest {
            post_filter: Some(term("tags", s("fast"))),
            ..SearchRequest::default()
        },
    );
    assert_eq!(post.total, 2);
    let late = run(
        &e,
        &SearchRequest {
            timeout: Some(std::time::Duration::ZERO),
            ..SearchRequest::default()
        },
    );
    assert!(late.timed_out);
    assert!(late.hits.is_empty());
    let counted = run(
        &e,
        &SearchRequest {
            size: 0,
            ..SearchRequest::default()
        },
    );
    assert_eq!((counted.total, counted.hits.len()), (5, 0));
    assert_eq!(
        e.count(&["c"], &term("tags", s("animal")), &types()).ok(),
        Some(2)
    );

    // Hit options.
    let opts = run(
        &e,
        &SearchRequest {
            query: Query::Ids {
                values: v(&["1"]),
                boost: 1.0,
            },
            version: true,
            seq_no_primary_term: true,
            source: SourceFilter::Filter {
                includes: v(&["host.*", "count"]),
                excludes: v(&["host.os"]),
            },
            ..SearchRequest::default()
        },
    );
    let hit = &opts.hits[0];
    assert_eq!(
        (hit.version, hit.seq_no_primary_term),
        (Some(1), Some((0, 1)))
    );
    assert_eq!(
        hit.source,
        Some(json!({"count": 3, "host": {"name": "alpha"}}))
    );
    assert_eq!(hit.index, "c");
    let with_fields = run(
        &e,
        &SearchRequest {
            query: Query::Ids {
                values: v(&["1"]),
                boost: 1.0,
            },
            source: SourceFilter::None,
            fields: vec![
                FieldAndFormat {
                    field: "title".into(),
                    format: None,
                },
                FieldAndFormat {
                    field: "published".into(),
                    format: None,
                },
                FieldAndFormat {
                    field: "host.*".into(),
                    format: None,
                },
            ],
            docvalue_fields: vec![
                FieldAndFormat {
                    field: "ip".into(),
                    format: None,
                },
                FieldAndFormat {
                    field: "active".into(),
                    format: None,
                },
                FieldAndFormat {
                    field: "price".into(),
                    format: None,
                },
                FieldAndFormat {
                    field: "published".into(),
                    format: Some("epoch_millis".into()),
                },
            ],
            ..SearchRequest::default()
        },
    );
    let fields = with_fields.hits[0].fields.clone().expect("fields");
    assert_eq!(with_fields.hits[0].source, None);
    assert_eq!(fields.get("title"), Some(&json!(["The quick brown fox"])));
    assert_eq!(fields.get("host.name"), Some(&json!(["alpha"])));
    assert_eq!(fields.get("host.os"), Some(&json!(["linux"])));
    assert_eq!(fields.get("ip"), Some(&json!(["10.0.0.1"])));
    assert_eq!(fields.get("active"), Some(&json!([true])));
    assert_eq!(fields.get("price"), Some(&json!([10.5])));
    // The later request of the same field wins: `fields` after `docvalue_fields`.
    assert_eq!(
        fields.get("published"),
        Some(&json!(["2024-01-10T10:00:00.000Z"]))
    );
    let no_source = run(
        &e,
        &SearchRequest {
            source: SourceFilter::None,
            ..SearchRequest::default()
        },
    );
    assert_eq!(no_source.hits[0].source, None);
}

#[test]
fn search_errors_carry_elasticsearch_texts() {
    let (_d, e) = engine();
    let err = |r: SearchRequest| match e.search(&["c"], &r, &types()) {
        Err(err) => err,
        Ok(r) => panic!("expected an error, got {r:?}"),
    };
    let window = err(SearchRequest {
        from: 9_995,
        size: 10,
        ..SearchRequest::default()
    });
    assert_eq!(
        window.to_string(),
        "Result window is too large, from + size must be less than or equal to: [10000] but was [10005]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting."
    );
    let body = window.to_exception();
    assert_eq!(body.status, 400);
    let unmapped = err(SearchRequest {
        sort: vec![sort("nope", SortOrder::Asc)],
        ..SearchRequest::default()
    });
    assert_eq!(
        unmapped.to_string(),
        "No mapping found for [nope] in order to sort on"
    );
    let text = err(SearchRequest {
        sort: vec![sort("title", SortOrder::Asc)],
        ..SearchRequest::default()
    });
    assert!(
        text.to_string()
            .starts_with("Fielddata is disabled on [title] in [c]. Text fields are not optimised")
    );
    // unmapped_type makes every document missing instead.
    let ok = run(
        &e,
        &SearchRequest {
            sort: vec![SortSpec {
                unmapped_type: Some("long".into()),
                ..sort("nope", SortOrder::Asc)
            }],
            ..SearchRequest::default()
        },
    );
    assert_eq!(ok.hits.len(), 5);
}

#[test]
fn several_indices_merge_by_sort() {
    let (_d, e) = engine();
    e.create_index("d", "du", &IndexSettings::default(), json!({}))
        .expect("created");
    let source = json!({"count": 4, "tags": ["animal"]});
    e.apply(
        "d",
        vec![EngineOp::Index {
            id: Some("d1".into()),
            source: serde_json::to_vec(&source).unwrap_or_default(),
            parsed: parse(&source, &[]),
            create: false,
            condition: WriteCondition::None,
        }],
        Refresh::Immediate,
    )
    .expect("indexed");
    let mut t = types();
    t.learn("d", &parse(&source, &[]));
    let r = e
        .search(
            &["c", "d"],
            &SearchRequest {
                sort: vec![sort("count", SortOrder::Asc)],
                ..SearchRequest::default()
            },
            &t,
        )
        .expect("search");
    assert_eq!(ids_of(&r), v(&["3", "1", "d1", "4", "2", "5"]));
    assert_eq!(r.hits[2].index, "d");
    assert_eq!(
        e.count(&["c", "d"], &term("tags", s("animal")), &t).ok(),
        Some(3)
    );
}

#[test]
fn a_point_in_time_pages_over_what_it_pinned() {
    let (_d, e) = engine();
    let t = types();
    let id = e
        .open_point_in_time(&["c"], std::time::Duration::from_secs(60))
        .expect("opened");
    assert_eq!(
        e.point_in_time_indices(&id).ok(),
        Some(vec!["c".to_string()])
    );
    assert_eq!(e.open_contexts(), 1);
    assert_eq!(
        point_in_time_indices_of_id(&id),
        Some(vec!["c".to_string()])
    );
    assert_eq!(point_in_time_indices_of_id("not base64!"), None);
    // Writes after it was opened are not in it, even once refreshed.
    let source = json!({"title": "late arrival", "count": 2});
    e.apply(
        "c",
        vec![EngineOp::Index {
            id: Some("6".into()),
            source: serde_json::to_vec(&source).unwrap_or_default(),
            parsed: parse(&source, &["title"]),
            create: false,
            condition: WriteCondition::None,
        }],
        Refresh::Immediate,
    )
    .expect("indexed");
    assert_eq!(run(&e, &SearchRequest::default()).total, 6);
    // Pages of 2 by count, then the tiebreaker: every document once, in order.
    let mut request = SearchRequest {
        sort: vec![sort("count", SortOrder::Asc)],
        size: 2,
        ..SearchRequest::default()
    };
    let mut seen = Vec::new();
    loop {
        let r = e
            .search_point_in_time(&id, None, &request, &t)
            .expect("searched");
        assert_eq!(r.total, 5, "the total is the point in time's");
        if r.hits.is_empty() {
            break;
        }
        let last = r.hits.last().and_then(|h| h.sort.clone()).expect("sort");
        assert_eq!(last.len(), 2, "count, then _shard_doc: {last:?}");
        assert!(last[1].is_u64());
        seen.extend(ids_of(&r));
        assert!(seen.len() <= 5, "{seen:?}");
        request.search_after = Some(last);
    }
    assert_eq!(seen, v(&["3", "1", "4", "2", "5"]));
    // Without a sort: _score, then _shard_doc; equal scores page without gaps or repeats.
    let mut request = SearchRequest {
        size: 1,
        ..SearchRequest::default()
    };
    let mut seen = Vec::new();
    for _ in 0..10 {
        let r = e
            .search_point_in_time(&id, None, &request, &t)
            .expect("searched");
        let Some(hit) = r.hits.first() else { break };
        let keys = hit.sort.clone().expect("sort");
        assert_eq!(keys.len(), 2, "{keys:?}");
        seen.push(hit.id.clone());
        request.search_after = Some(keys);
    }
    seen.sort();
    assert_eq!(seen, v(&["1", "2", "3", "4", "5"]));
    assert!(e.close_point_in_time(&id));
    assert!(!e.close_point_in_time(&id));
    let err = e
        .search_point_in_time(&id, None, &SearchRequest::default(), &t)
        .expect_err("closed");
    assert_eq!(err.to_exception().status, 404);
    assert_eq!(
        err.to_string(),
        format!("No search context found for id [{id}]")
    );
}

#[test]
fn points_in_time_expire_and_are_capped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = Engine::open(
        dir.path(),
        EngineOptions {
            max_open_contexts: 2,
            ..EngineOptions::default()
        },
    )
    .expect("engine");
    e.create_index("c", "cu", &IndexSettings::default(), json!({}))
        .expect("created");
    let short = e
        .open_point_in_time(&["c"], std::time::Duration::from_millis(50))
        .expect("opened");
    let long = e
        .open_point_in_time(&["c"], std::time::Duration::from_secs(60))
        .expect("opened");
    let err = e
        .open_point_in_time(&["c"], std::time::Duration::from_secs(60))
        .expect_err("over the limit");
    assert_eq!(err.to_exception().status, 429);
    assert!(err.to_string().contains("[search.max_open_scroll_context]"));
    // Renewing the keep-alive keeps it; the other expires.
    std::thread::sleep(std::time::Duration::from_millis(120));
    assert!(e.point_in_time_indices(&short).is_err());
    assert!(e.point_in_time_indices(&long).is_ok());
    assert_eq!(e.open_contexts(), 1);
    assert!(
        e.open_point_in_time(&["c"], std::time::Duration::from_secs(1))
            .is_ok()
    );
    assert!(
        e.open_point_in_time(&["missing"], std::time::Duration::from_secs(1))
            .is_err()
    );
}

#[test]
fn hitless_searches_count_without_collecting_hits() {
    let (_dir, e) = engine();
    // A deleted document must not be counted by any of the paths.
    e.apply(
        "c",
        vec![EngineOp::Delete {
            id: "5".into(),
            condition: WriteCondition::None,
        }],
        Refresh::Immediate,
    )
    .expect("deleted");
    let hitless = |query: Query, aggs: Option<Value>, post_filter: Option<Query>, track| {
        run(
            &e,
            &SearchRequest {
                query,
                size: 0,
                aggregations: aggs,
                post_filter,
                track_total_hits: track,
                ..SearchRequest::default()
            },
        )
    };
    let scored = Query::Match(match_q("title", "quick fox"));
    let with_hits = run(
        &e,
        &SearchRequest {
            query: scored.clone(),
            ..SearchRequest::default()
        },
    );
    // Plain count: same total as the search that collects hits, no score without hits
    // (Elasticsearch answers `max_score: null` when `size` is 0).
    let plain = hitless(scored.clone(), None, None, TrackTotalHits::Exact);
    assert_eq!(plain.total, with_hits.total);
    assert!(with_hits.max_score.is_some());
    assert_eq!(plain.max_score, None);
    assert!(plain.hits.is_empty());
    assert_eq!(
        hitless(
            Query::MatchAll { boost: 1.0 },
            None,
            None,
            TrackTotalHits::Exact
        )
        .total,
        4
    );
    // Counted by the aggregation pass: the same total, and the aggregations are right.
    let terms = json!({"t": {"terms": {"field": "tags"}}});
    let by_aggs = hitless(
        scored.clone(),
        Some(terms.clone()),
        None,
        TrackTotalHits::Exact,
    );
    assert_eq!(by_aggs.total, with_hits.total);
    let aggs = by_aggs.aggregations.expect("aggregations");
    let buckets = aggs["t"]["buckets"].as_array().cloned().unwrap_or_default();
    let doc_counts: u64 = buckets.iter().filter_map(|b| b["doc_count"].as_u64()).sum();
    assert!(doc_counts >= 1, "{aggs}");
    // With a post_filter the total counts it; the aggregations do not see it.
    let filtered = hitless(
        Query::MatchAll { boost: 1.0 },
        Some(json!({"n": {"value_count": {"field": "count"}}})),
        Some(term("tags", s("fast"))),
        TrackTotalHits::Exact,
    );
    assert_eq!(filtered.total, 2);
    assert_eq!(
        filtered.aggregations.expect("aggregations")["n"]["value"],
        json!(4)
    );
    // `track_total_hits` still caps or turns off the total.
    let capped = hitless(
        Query::MatchAll { boost: 1.0 },
        Some(terms),
        None,
        TrackTotalHits::UpTo(2),
    );
    assert_eq!((capped.total, capped.total_exact), (2, false));
    let off = hitless(
        Query::MatchAll { boost: 1.0 },
        None,
        None,
        TrackTotalHits::Off,
    );
    assert_eq!((off.total, off.total_exact), (0, false));
}
