//! Tests of the query DSL parser: every query's forms and Elasticsearch's errors.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::query::{
    Fuzziness, MatchPhraseQuery, MatchQuery, Operator, RangeQuery, Scalar, ZeroTermsQuery,
};

fn q(v: Value) -> Query {
    parse_query(&v).unwrap()
}

fn err(v: Value) -> StoreError {
    parse_query(&v).unwrap_err()
}

fn err_bytes(text: &str) -> StoreError {
    parse_query_bytes(text.as_bytes()).unwrap_err()
}

fn parsing_reason(e: &StoreError) -> &str {
    match e {
        StoreError::Parsing { reason, .. } => reason,
        other => panic!("not a parsing_exception: {other:?}"),
    }
}

fn term(field: &str, value: Scalar) -> Query {
    Query::Term {
        field: field.into(),
        value,
        case_insensitive: false,
        boost: 1.0,
    }
}

fn s(text: &str) -> Scalar {
    Scalar::String(text.into())
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

#[test]
fn match_all_and_match_none() {
    assert_eq!(q(json!({"match_all": {}})), Query::MatchAll { boost: 1.0 });
    assert_eq!(
        q(json!({"match_all": {"boost": 1.5, "_name": "x"}})),
        Query::MatchAll { boost: 1.5 }
    );
    assert_eq!(q(json!({"match_none": {}})), Query::MatchNone);
    let e = err(json!({"match_all": {"foo": 1}}));
    assert_eq!(
        e,
        StoreError::XContentParse("[match_all] unknown field [foo]".into())
    );
}

#[test]
fn term_short_and_long_forms() {
    assert_eq!(
        q(json!({"term": {"user": "kimchy"}})),
        term("user", s("kimchy"))
    );
    assert_eq!(q(json!({"term": {"n": 5}})), term("n", Scalar::Long(5)));
    assert_eq!(
        q(json!({"term": {"n": 2.5}})),
        term("n", Scalar::Double(2.5))
    );
    assert_eq!(
        q(json!({"term": {"b": true}})),
        term("b", Scalar::Bool(true))
    );
    assert_eq!(
        q(json!({"term": {"user": {"value": "Kimchy", "boost": 2, "case_insensitive": true}}})),
        Query::Term {
            field: "user".into(),
            value: s("Kimchy"),
            case_insensitive: true,
            boost: 2.0,
        }
    );
    assert_eq!(
        q(json!({"term": {"user": {"term": "k"}}})),
        term("user", s("k"))
    );
}

#[test]
fn term_errors_are_elasticsearchs() {
    let e = err(json!({"term": {"a": "x", "b": "y"}}));
    assert_eq!(
        parsing_reason(&e),
        "[term] query doesn't support multiple fields, found [a] and [b]"
    );
    // A top-level boost is a second field for the short form.
    let e = err(json!({"term": {"a": "x", "boost": 2}}));
    assert_eq!(
        parsing_reason(&e),
        "[term] query doesn't support multiple fields, found [a] and [boost]"
    );
    let e = err(json!({"term": {"a": ["x", "y"]}}));
    assert_eq!(
        parsing_reason(&e),
        "[term] query does not support array of values"
    );
    let e = err(json!({"term": {"a": {"value": ["x"]}}}));
    assert!(parsing_reason(&e).starts_with("[term] query does not support arrays for value"));
    let e = err(json!({"term": {"a": {"valu": "x"}}}));
    assert_eq!(parsing_reason(&e), "[term] query does not support [valu]");
    assert_eq!(
        err(json!({"term": {}})),
        StoreError::IllegalArgument("field name is null or empty".into())
    );
    assert_eq!(
        err(json!({"term": {"a": null}})),
        StoreError::IllegalArgument("value cannot be null".into())
    );
}

#[test]
fn unknown_queries_name_a_close_one() {
    let e = err(json!({"foo": {}}));
    assert_eq!(parsing_reason(&e), "unknown query [foo]");
    let e = err(json!({"matc": {"a": "b"}}));
    assert_eq!(
        parsing_reason(&e),
        "unknown query [matc] did you mean [match]?"
    );
    // Elasticsearch queries the store does not run are named as such.
    let e = err(json!({"nested": {"path": "a", "query": {"match_all": {}}}}));
    assert_eq!(parsing_reason(&e), "[nested] query is not supported");
}

#[test]
fn positions_are_reported_when_reading_bytes() {
    let e = err_bytes(r#"{"foo":{}}"#);
    assert_eq!(
        e,
        StoreError::Parsing {
            reason: "unknown query [foo]".into(),
            line: Some(1),
            col: Some(8),
        }
    );
    let body = e.to_exception().to_body(false);
    assert_eq!(body["error"]["root_cause"][0]["line"], 1);
    assert_eq!(body["error"]["root_cause"][0]["col"], 8);
    assert_eq!(body["error"]["type"], "parsing_exception");
    assert_eq!(body["status"], 400);
    let e = err_bytes("{\n  \"term\": {\"a\": \"x\",\n    \"b\": \"y\"}}");
    assert_eq!(
        e,
        StoreError::Parsing {
            reason: "[term] query doesn't support multiple fields, found [a] and [b]".into(),
            line: Some(3),
            col: Some(10),
        }
    );
}

#[test]
fn malformed_query_shapes() {
    assert_eq!(
        parsing_reason(&err(json!("match_all"))),
        "[_na] query malformed, must start with start_object"
    );
    assert_eq!(
        err(json!({})),
        StoreError::IllegalArgument("query malformed, empty clause found at [-1:-1]".into())
    );
    assert_eq!(
        err_bytes("{ }"),
        StoreError::IllegalArgument("query malformed, empty clause found at [1:3]".into())
    );
    assert_eq!(
        parsing_reason(&err(json!({"match": "x"}))),
        "[match] query malformed, no start_object after query name"
    );
    assert_eq!(
        parsing_reason(&err(json!({"match_all": {}, "term": {"a": "b"}}))),
        "[match_all] malformed query, expected [END_OBJECT] but found [FIELD_NAME]"
    );
}

#[test]
fn match_forms_and_options() {
    assert_eq!(
        q(json!({"match": {"message": "this is a test"}})),
        Query::Match(match_q("message", "this is a test"))
    );
    let parsed = q(json!({"match": {"message": {
        "query": "quick fox", "operator": "and", "minimum_should_match": "75%",
        "fuzziness": "AUTO", "prefix_length": 1, "max_expansions": 10,
        "fuzzy_transpositions": false, "lenient": true, "zero_terms_query": "all",
        "analyzer": "standard", "boost": 3, "_name": "n",
        "auto_generate_synonyms_phrase_query": false
    }}}));
    let expected = MatchQuery {
        operator: Operator::And,
        minimum_should_match: Some(MinimumShouldMatch("75%".into())),
        fuzziness: Some(Fuzziness::default()),
        prefix_length: 1,
        max_expansions: 10,
        fuzzy_transpositions: false,
        lenient: true,
        zero_terms_query: ZeroTermsQuery::All,
        analyzer: Some("standard".into()),
        boost: 3.0,
        ..match_q("message", "quick fox")
    };
    assert_eq!(parsed, Query::Match(expected));
    assert_eq!(
        q(json!({"match": {"n": {"query": 7, "minimum_should_match": 2}}})),
        Query::Match(MatchQuery {
            query: Scalar::Long(7),
            minimum_should_match: Some(MinimumShouldMatch("2".into())),
            ..match_q("n", "")
        })
    );
}

#[test]
fn match_errors_are_elasticsearchs() {
    assert_eq!(
        parsing_reason(&err(json!({"match": {"f": {"query": ["a"]}}}))),
        "[match] unknown token [START_ARRAY] after [query]"
    );
    assert_eq!(
        parsing_reason(&err(json!({"match": {"f": {"qery": "a"}}}))),
        "[match] query does not support [qery]"
    );
    assert_eq!(
        parsing_reason(&err(json!({"match": {"f": {"operator": "and"}}}))),
        "No text specified for text query"
    );
    assert_eq!(
        err(json!({"match": {"f": {"query": "a", "operator": "xor"}}})),
        StoreError::IllegalArgument(
            "No enum constant org.elasticsearch.index.query.Operator.XOR".into()
        )
    );
    assert_eq!(
        parsing_reason(&err(
            json!({"match": {"f": {"query": "a", "zero_terms_query": "some"}}})
        )),
        "Unsupported zero_terms_query value [some]"
    );
    assert_eq!(
        parsing_reason(&err(json!({"match": {"a": "x", "b": "y"}}))),
        "[match] query doesn't support multiple fields, found [a] and [b]"
    );
    assert_eq!(
        err(json!({"match": {"f": {"query": "a", "fuzziness": true}}})),
        StoreError::IllegalArgument("Can't parse fuzziness on token: [VALUE_BOOLEAN]".into())
    );
    assert!(matches!(
        err(json!({"match": {"f": {"query": "a", "minimum_should_match": "x%"}}})),
        StoreError::QueryCreation { reason, .. } if reason == "failed to create query: For input string: \"x\""
    ));
    assert_eq!(
        err(json!({"match": {"f": {"query": "a", "max_expansions": 0}}})),
        StoreError::IllegalArgument("[match] requires maxExpansions to be positive.".into())
    );
    assert_eq!(
        err(json!({"match": {"f": ["a"]}})),
        StoreError::IllegalArgument("Expected text at -1:-1 but found START_ARRAY".into())
    );
}

#[test]
fn phrase_queries() {
    let phrase = |slop, prefix| {
        Query::MatchPhrase(MatchPhraseQuery {
            field: "f".into(),
            query: "quick fox".into(),
            slop,
            prefix,
            zero_terms_query: ZeroTermsQuery::None,
            analyzer: None,
            boost: 1.0,
        })
    };
    assert_eq!(
        q(json!({"match_phrase": {"f": "quick fox"}})),
        phrase(0, None)
    );
    assert_eq!(
        q(json!({"match_phrase": {"f": {"query": "quick fox", "slop": 2}}})),
        phrase(2, None)
    );
    assert_eq!(
        q(json!({"match_phrase_prefix": {"f": "quick fox"}})),
        phrase(0, Some(50))
    );
    assert_eq!(
        q(json!({"match_phrase_prefix": {"f": {"query": "quick fox", "max_expansions": 5}}})),
        phrase(0, Some(5))
    );
    assert_eq!(
        parsing_reason(&err(
            json!({"match_phrase": {"f": {"query": "a", "max_expansions": 5}}})
        )),
        "[match_phrase] query does not support [max_expansions]"
    );
    assert_eq!(
        err(json!({"match_phrase": {"f": {"query": "a", "slop": -1}}})),
        StoreError::IllegalArgument("No negative slop allowed.".into())
    );
    assert_eq!(
        err(json!({"match_phrase": {"f": {"slop": 1}}})),
        StoreError::IllegalArgument("[match_phrase] requires query value".into())
    );
}

#[test]
fn range_modern_and_legacy_forms() {
    let range = |gt, gte, lt, lte| {
        Query::Range(RangeQuery {
            field: "age".into(),
            gt,
            gte,
            lt,
            lte,
            format: None,
            time_zone: None,
            boost: 1.0,
        })
    };
    let n = |v| Some(Scalar::Long(v));
    assert_eq!(
        q(json!({"range": {"age": {"gte": 10, "lt": 20}}})),
        range(None, n(10), n(20), None)
    );
    assert_eq!(
        q(json!({"range": {"age": {"gt": 10, "lte": 20}}})),
        range(n(10), None, None, n(20))
    );
    assert_eq!(
        q(json!({"range": {"age": {"from": 10, "to": 20}}})),
        range(None, n(10), None, n(20))
    );
    assert_eq!(
        q(
            json!({"range": {"age": {"from": 10, "to": 20, "include_lower": false, "include_upper": false}}})
        ),
        range(n(10), None, n(20), None)
    );
    // The last key wins, bounds and inclusiveness alike.
    assert_eq!(
        q(json!({"range": {"age": {"include_lower": false, "gte": 5}}})),
        range(None, n(5), None, None)
    );
    assert_eq!(
        q(json!({"range": {"age": {"from": null, "to": 3}}})),
        range(None, None, None, n(3))
    );
    let dated = q(
        json!({"range": {"ts": {"gte": "now-15m/m", "format": "strict_date_optional_time", "time_zone": "+01:00", "boost": 2}}}),
    );
    assert_eq!(
        dated,
        Query::Range(RangeQuery {
            field: "ts".into(),
            gt: None,
            gte: Some(s("now-15m/m")),
            lt: None,
            lte: None,
            format: Some("strict_date_optional_time".into()),
            time_zone: Some("+01:00".into()),
            boost: 2.0,
        })
    );
}

#[test]
fn range_errors() {
    assert_eq!(
        parsing_reason(&err(json!({"range": {"age": {"gte": 1, "greater": 2}}}))),
        "[range] query does not support [greater]"
    );
    assert_eq!(
        parsing_reason(&err(json!({"range": {"age": 5}}))),
        "[range] query does not support [age]"
    );
    assert_eq!(
        parsing_reason(&err(json!({"range": {"a": {"gte": 1}, "b": {"gte": 1}}}))),
        "[range] query doesn't support multiple fields, found [a] and [b]"
    );
    assert_eq!(
        err(json!({"range": {"a": {"gte": 1, "time_zone": "Mars/Olympus"}}})),
        StoreError::IllegalArgument("Unknown time-zone ID: Mars/Olympus".into())
    );
    assert_eq!(
        err(json!({"range": {"a": {"gte": 1, "relation": "disjoint"}}})),
        StoreError::IllegalArgument("[range] query does not support relation [disjoint]".into())
    );
}

#[test]
fn terms_ids_exists() {
    assert_eq!(
        q(json!({"terms": {"tags": ["a", 1, true], "boost": 2}})),
        Query::Terms {
            field: "tags".into(),
            values: vec![s("a"), Scalar::Long(1), Scalar::Bool(true)],
            boost: 2.0,
        }
    );
    assert_eq!(
        parsing_reason(&err(json!({"terms": {"a": ["x"], "b": ["y"]}}))),
        "[terms] query does not support multiple fields"
    );
    assert_eq!(
        parsing_reason(&err(json!({"terms": {"a": ["x", null]}}))),
        "No value specified for terms query"
    );
    assert_eq!(
        parsing_reason(&err(json!({"terms": {"boost": 1}}))),
        "[terms] query requires a field name, followed by array of terms or a document lookup specification"
    );
    assert!(
        parsing_reason(&err(
            json!({"terms": {"a": {"index": "i", "id": "1", "path": "p"}}})
        ))
        .contains("terms lookup")
    );
    assert_eq!(
        q(json!({"ids": {"values": ["1", "2"]}})),
        Query::Ids {
            values: vec!["1".into(), "2".into()],
            boost: 1.0,
        }
    );
    assert_eq!(
        err(json!({"ids": {"value": ["1"]}})),
        StoreError::XContentParse("[ids] unknown field [value] did you mean [values]?".into())
    );
    assert_eq!(
        q(json!({"exists": {"field": "user"}})),
        Query::Exists {
            field: "user".into(),
            boost: 1.0,
        }
    );
    assert_eq!(
        parsing_reason(&err(json!({"exists": {}}))),
        "[exists] must be provided with a [field]"
    );
    assert_eq!(
        parsing_reason(&err(json!({"exists": {"field": ["a"]}}))),
        "[exists] unknown token [START_ARRAY] after [field]"
    );
}

#[test]
fn prefix_wildcard_regexp() {
    assert_eq!(
        q(json!({"prefix": {"user": "ki"}})),
        Query::Prefix {
            field: "user".into(),
            value: "ki".into(),
            case_insensitive: false,
            boost: 1.0,
        }
    );
    assert_eq!(
        q(
            json!({"wildcard": {"user": {"wildcard": "ki*y", "case_insensitive": true, "rewrite": "constant_score"}}})
        ),
        Query::Wildcard {
            field: "user".into(),
            pattern: "ki*y".into(),
            case_insensitive: true,
            boost: 1.0,
        }
    );
    assert_eq!(
        q(
            json!({"regexp": {"user": {"value": "k.*y", "flags": "ALL|INTERVAL", "max_determinized_states": 10000}}})
        ),
        Query::Regexp {
            field: "user".into(),
            pattern: "k.*y".into(),
            case_insensitive: false,
            boost: 1.0,
        }
    );
    assert_eq!(
        err(json!({"regexp": {"user": {"value": "k", "flags": "ALL|SOME"}}})),
        StoreError::IllegalArgument("Unknown regexp flag [SOME]".into())
    );
    assert_eq!(
        parsing_reason(&err(
            json!({"prefix": {"user": {"value": "k", "flags": "x"}}})
        )),
        "[prefix] query does not support [flags]"
    );
}

#[test]
fn bool_clauses_as_object_or_array() {
    let parsed = q(json!({"bool": {
        "must": {"term": {"a": "1"}},
        "filter": [{"term": {"b": "2"}}, {"term": {"c": "3"}}],
        "should": [],
        "must_not": null,
        "minimum_should_match": 1,
        "boost": 2,
        "_name": "x"
    }}));
    assert_eq!(
        parsed,
        Query::Bool(BoolQuery {
            must: vec![term("a", s("1"))],
            filter: vec![term("b", s("2")), term("c", s("3"))],
            should: vec![],
            must_not: vec![],
            minimum_should_match: Some(MinimumShouldMatch("1".into())),
            boost: 2.0,
        })
    );
    let parsed =
        q(json!({"bool": {"should": [{"term": {"a": "1"}}], "minimum_should_match": "2<-25%"}}));
    assert!(
        matches!(parsed, Query::Bool(b) if b.minimum_should_match == Some(MinimumShouldMatch("2<-25%".into())))
    );
    // A pure negation without adjust_pure_negative matches nothing.
    assert_eq!(
        q(json!({"bool": {"must_not": {"match_all": {}}, "adjust_pure_negative": false}})),
        Query::MatchNone
    );
}

#[test]
fn bool_errors_are_object_parser_errors() {
    assert_eq!(
        err(json!({"bool": {"mus": []}})),
        StoreError::XContentParse("[bool] unknown field [mus] did you mean [must]?".into())
    );
    assert_eq!(
        err(json!({"bool": {"must": "x"}})),
        StoreError::XContentParse(
            "[bool] must doesn't support values of type: VALUE_STRING".into()
        )
    );
    let e = err_bytes(r#"{"bool":{"must":[{"foo":{}}]}}"#);
    assert_eq!(
        e,
        StoreError::FieldParse {
            reason: "[1:25] [bool] failed to parse field [must]".into(),
            cause: Box::new(StoreError::Parsing {
                reason: "unknown query [foo]".into(),
                line: Some(1),
                col: Some(25),
            }),
        }
    );
    let body = e.to_exception().to_body(false);
    assert_eq!(body["error"]["type"], "x_content_parse_exception");
    assert_eq!(
        body["error"]["reason"],
        "[1:25] [bool] failed to parse field [must]"
    );
    assert_eq!(body["error"]["root_cause"][0]["type"], "parsing_exception");
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "unknown query [foo]"
    );
    assert_eq!(body["error"]["caused_by"]["type"], "parsing_exception");
    let e = err(json!({"bool": {"boost": -1}}));
    let StoreError::FieldParse { reason, cause } = e else {
        panic!("not wrapped");
    };
    assert_eq!(reason, "[bool] failed to parse field [boost]");
    assert_eq!(
        *cause,
        StoreError::IllegalArgument(
            "negative [boost] are not allowed in [{\n  \"bool\" : {\n    \"boost\" : -1\n  }\n}], use a value between 0 and 1 to deboost".into()
        )
    );
    // An illegal argument underneath leaves the parse failure as the root cause.
    let body = err(json!({"bool": {"boost": -1}}))
        .to_exception()
        .to_body(false);
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "x_content_parse_exception"
    );
    assert_eq!(
        body["error"]["caused_by"]["type"],
        "illegal_argument_exception"
    );
    assert!(matches!(
        err(json!({"bool": {"adjust_pure_negative": "yes"}})),
        StoreError::FieldParse { cause, .. } if matches!(*cause, StoreError::IllegalArgument(_))
    ));
}

#[test]
fn nesting_is_bounded_as_in_elasticsearch() {
    let mut query = json!({"match_all": {}});
    for _ in 0..29 {
        query = json!({"bool": {"must": query}});
    }
    assert!(parse_query(&query).is_ok(), "30 levels are allowed");
    let deeper = json!({"bool": {"must": query}});
    let mut e = parse_query(&deeper).unwrap_err();
    while let StoreError::FieldParse { cause, .. } = e {
        e = *cause;
    }
    assert_eq!(
        e,
        StoreError::IllegalArgument(
            "The nested depth of the query exceeds the maximum nested depth for queries set in [indices.query.bool.max_nested_depth]".into()
        )
    );
}

#[test]
fn constant_score_boosting_dis_max() {
    assert_eq!(
        q(json!({"constant_score": {"filter": {"term": {"a": "b"}}, "boost": 1.2}})),
        Query::ConstantScore {
            filter: Box::new(term("a", s("b"))),
            boost: 1.2,
        }
    );
    assert_eq!(
        parsing_reason(&err(json!({"constant_score": {"boost": 1}}))),
        "[constant_score] requires a 'filter' element"
    );
    assert_eq!(
        parsing_reason(&err(
            json!({"constant_score": {"query": {"match_all": {}}}})
        )),
        "[constant_score] query does not support [query]"
    );
    assert_eq!(
        q(
            json!({"boosting": {"positive": {"term": {"a": "b"}}, "negative": {"term": {"c": "d"}}, "negative_boost": 0.5}})
        ),
        Query::Boosting {
            positive: Box::new(term("a", s("b"))),
            negative: Box::new(term("c", s("d"))),
            negative_boost: 0.5,
        }
    );
    assert_eq!(
        parsing_reason(&err(
            json!({"boosting": {"positive": {"term": {"a": "b"}}, "negative": {"term": {"c": "d"}}}})
        )),
        "[boosting] query requires 'negative_boost' to be set to be a positive value'"
    );
    assert_eq!(
        parsing_reason(&err(
            json!({"boosting": {"negative": {"term": {"c": "d"}}, "negative_boost": 1}})
        )),
        "[boosting] query requires 'positive' query to be set'"
    );
    assert_eq!(
        q(
            json!({"dis_max": {"queries": [{"term": {"a": "b"}}, {"term": {"c": "d"}}], "tie_breaker": 0.7}})
        ),
        Query::DisMax {
            queries: vec![term("a", s("b")), term("c", s("d"))],
            tie_breaker: 0.7,
            boost: 1.0,
        }
    );
    assert_eq!(
        parsing_reason(&err(json!({"dis_max": {"tie_breaker": 0.7}}))),
        "[dis_max] requires 'queries' field with at least one clause"
    );
}

#[test]
fn multi_match_is_lowered_per_field() {
    let parsed = q(json!({"multi_match": {"query": "quick fox", "fields": ["title^2", "body"]}}));
    assert_eq!(
        parsed,
        Query::DisMax {
            queries: vec![
                Query::Match(match_q("body", "quick fox")),
                Query::Match(MatchQuery {
                    boost: 2.0,
                    ..match_q("title", "quick fox")
                }),
            ],
            tie_breaker: 0.0,
            boost: 1.0,
        }
    );
    // most_fields adds the fields' scores: a tie breaker of 1.
    let parsed =
        q(json!({"multi_match": {"query": "x", "fields": ["a", "b"], "type": "most_fields"}}));
    assert!(matches!(parsed, Query::DisMax { tie_breaker, .. } if tie_breaker == 1.0));
    // One field: the match itself, with the query's boost.
    let parsed = q(json!({"multi_match": {"query": "x", "fields": "a^3", "boost": 2}}));
    assert_eq!(
        parsed,
        Query::Match(MatchQuery {
            boost: 6.0,
            ..match_q("a", "x")
        })
    );
    // No fields: every field, leniently.
    let parsed = q(json!({"multi_match": {"query": "x"}}));
    assert_eq!(
        parsed,
        Query::Match(MatchQuery {
            lenient: true,
            ..match_q("*", "x")
        })
    );
    let parsed = q(
        json!({"multi_match": {"query": "quick fox", "fields": ["a"], "type": "phrase_prefix", "slop": 1}}),
    );
    assert!(matches!(
        parsed,
        Query::MatchPhrase(MatchPhraseQuery {
            slop: 1,
            prefix: Some(50),
            ..
        })
    ));
    let parsed = q(
        json!({"multi_match": {"query": "quick fox", "fields": ["a", "b"], "type": "cross_fields", "operator": "and"}}),
    );
    let Query::Bool(b) = parsed else {
        panic!("cross_fields is a bool of words");
    };
    assert_eq!(b.must.len(), 2);
    assert!(matches!(&b.must[0], Query::DisMax { queries, .. } if queries.len() == 2));
}

#[test]
fn multi_match_errors() {
    assert_eq!(
        parsing_reason(&err(json!({"multi_match": {"fields": ["a"]}}))),
        "No text specified for multi_match query"
    );
    assert_eq!(
        parsing_reason(&err(
            json!({"multi_match": {"query": "x", "type": "phrase", "fuzziness": 1}})
        )),
        "Fuzziness not allowed for type [phrase]"
    );
    assert_eq!(
        parsing_reason(&err(
            json!({"multi_match": {"query": "x", "type": "bool_prefix", "slop": 1}})
        )),
        "[slop] not allowed for type [bool_prefix]"
    );
    assert_eq!(
        err(json!({"multi_match": {"query": "x", "type": "best"}})),
        StoreError::Parse("failed to parse [multi_match] query type [best]. unknown type.".into())
    );
    assert_eq!(
        parsing_reason(&err(
            json!({"multi_match": {"query": "x", "fields": {"a": 1}}})
        )),
        "[multi_match] query does not support [fields]"
    );
    assert_eq!(
        err(json!({"multi_match": {"query": "x", "fields": ["a^b"]}})),
        StoreError::NumberFormat("For input string: \"b\"".into())
    );
}

#[test]
fn negative_boosts_are_refused() {
    let e = err(json!({"term": {"a": {"value": "b", "boost": -2}}}));
    assert_eq!(
        e,
        StoreError::IllegalArgument(
            "negative [boost] are not allowed in [{\n  \"term\" : {\n    \"a\" : {\n      \"value\" : \"b\",\n      \"boost\" : -2\n    }\n  }\n}], use a value between 0 and 1 to deboost".into()
        )
    );
    assert!(matches!(
        err(json!({"match": {"a": {"query": "b", "boost": -0.5}}})),
        StoreError::IllegalArgument(m) if m.starts_with("negative [boost] are not allowed")
    ));
    // Zero is a valid boost.
    assert!(parse_query(&json!({"match_all": {"boost": 0}})).is_ok());
}

#[test]
fn match_bool_prefix_is_a_bool_with_a_prefix_last() {
    let parsed = q(json!({"match_bool_prefix": {"f": "quick brown f"}}));
    let Query::Bool(b) = parsed else {
        panic!("a bool");
    };
    assert_eq!(b.should.len(), 3);
    assert!(
        matches!(&b.should[2], Query::MatchPhrase(p) if p.prefix == Some(50) && p.query == "f")
    );
}

/// Arbitrary JSON, bounded in depth, biased towards query-shaped objects.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let names = prop_oneof![
        Just("bool".to_string()),
        Just("must".to_string()),
        Just("should".to_string()),
        Just("filter".to_string()),
        Just("term".to_string()),
        Just("terms".to_string()),
        Just("match".to_string()),
        Just("range".to_string()),
        Just("query".to_string()),
        Just("query_string".to_string()),
        Just("simple_query_string".to_string()),
        Just("multi_match".to_string()),
        Just("fields".to_string()),
        Just("boost".to_string()),
        Just("gte".to_string()),
        Just("minimum_should_match".to_string()),
        Just("fuzziness".to_string()),
        "[a-z_]{1,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[ -~]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((names.clone(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_json_never_panics(v in arbitrary_json()) {
        let _ = parse_query(&v);
        let _ = parse_query_bytes(v.to_string().as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let _ = parse_query_bytes(&bytes);
    }
}
