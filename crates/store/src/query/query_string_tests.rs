//! Tests of `query_string`: Lucene's syntax, its boolean rules, the lowering and the errors.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::query::{MatchPhraseQuery, MatchQuery, ZeroTermsQuery, parse_query};

fn opts() -> QueryStringOptions {
    QueryStringOptions {
        default_field: Some("f".into()),
        ..QueryStringOptions::default()
    }
}

fn qs(text: &str) -> Query {
    query_string(text, &opts()).unwrap()
}

fn qs_and(text: &str) -> Query {
    query_string(
        text,
        &QueryStringOptions {
            default_operator: Operator::And,
            ..opts()
        },
    )
    .unwrap()
}

fn m(field: &str, text: &str) -> Query {
    Query::Match(MatchQuery {
        field: field.into(),
        query: Scalar::String(text.into()),
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
    })
}

fn and_m(field: &str, text: &str) -> Query {
    match m(field, text) {
        Query::Match(q) => Query::Match(MatchQuery {
            operator: Operator::And,
            ..q
        }),
        other => other,
    }
}

fn bool_of(must: Vec<Query>, should: Vec<Query>, must_not: Vec<Query>) -> Query {
    Query::Bool(BoolQuery {
        must,
        should,
        must_not,
        boost: 1.0,
        ..BoolQuery::default()
    })
}

/// The `Cannot parse` text of a syntax error.
fn syntax_error(text: &str) -> String {
    match query_string(text, &opts()).unwrap_err() {
        StoreError::QueryCreation {
            reason,
            cause: Some((kind, detail)),
            ..
        } => {
            assert_eq!(reason, format!("Failed to parse query [{text}]"));
            assert_eq!(kind, "parse_exception");
            detail
        }
        other => panic!("not a query_shard_exception: {other:?}"),
    }
}

#[test]
fn terms_and_fields() {
    assert_eq!(qs("quick"), m("f", "quick"));
    assert_eq!(qs("title:quick"), m("title", "quick"));
    assert_eq!(qs("a\\:b"), m("f", "a:b"));
    assert_eq!(qs("city\\.name:paris"), m("city.name", "paris"));
    // The default field of every field is lenient.
    let all = query_string("x", &QueryStringOptions::default()).unwrap();
    assert!(
        matches!(all, Query::Match(MatchQuery { ref field, lenient: true, .. }) if field == "*")
    );
}

#[test]
fn boolean_operators_follow_lucene() {
    assert_eq!(
        qs("a b"),
        bool_of(vec![], vec![m("f", "a"), m("f", "b")], vec![])
    );
    assert_eq!(
        qs("a AND b"),
        bool_of(vec![m("f", "a"), m("f", "b")], vec![], vec![])
    );
    assert_eq!(qs("a && b"), qs("a AND b"));
    assert_eq!(
        qs("a OR b"),
        bool_of(vec![], vec![m("f", "a"), m("f", "b")], vec![])
    );
    assert_eq!(qs("a || b"), qs("a OR b"));
    assert_eq!(
        qs("+a -b c"),
        bool_of(vec![m("f", "a")], vec![m("f", "c")], vec![m("f", "b")])
    );
    assert_eq!(qs("NOT a"), bool_of(vec![], vec![], vec![m("f", "a")]));
    assert_eq!(qs("!a"), qs("NOT a"));
    assert_eq!(
        qs("a AND NOT b"),
        bool_of(vec![m("f", "a")], vec![], vec![m("f", "b")])
    );
    // Lucene's left-to-right quirk: OR keeps `b` required under the OR default.
    assert_eq!(
        qs("a AND b OR c"),
        bool_of(vec![m("f", "a"), m("f", "b")], vec![m("f", "c")], vec![])
    );
    // With AND as default, OR makes the previous clause optional.
    assert_eq!(
        qs_and("a b OR c"),
        bool_of(
            vec![and_m("f", "a")],
            vec![and_m("f", "b"), and_m("f", "c")],
            vec![]
        )
    );
    assert_eq!(
        qs_and("a b"),
        bool_of(vec![and_m("f", "a"), and_m("f", "b")], vec![], vec![])
    );
    // A lone `+` or `-` followed by a space is a term that analysis drops.
    assert_eq!(
        qs("a + b"),
        bool_of(vec![], vec![m("f", "a"), m("f", "b")], vec![])
    );
    // Words are operators only in capitals.
    assert_eq!(
        qs("a and b"),
        bool_of(
            vec![],
            vec![m("f", "a"), m("f", "and"), m("f", "b")],
            vec![]
        )
    );
}

#[test]
fn groups_and_field_groups() {
    assert_eq!(
        qs("title:(quick brown)"),
        bool_of(
            vec![],
            vec![m("title", "quick"), m("title", "brown")],
            vec![]
        )
    );
    assert_eq!(
        qs("(a OR b) AND c"),
        bool_of(
            vec![
                bool_of(vec![], vec![m("f", "a"), m("f", "b")], vec![]),
                m("f", "c")
            ],
            vec![],
            vec![]
        )
    );
    let boosted = qs("(a b)^3");
    assert!(matches!(boosted, Query::Bool(ref b) if b.boost == 3.0 && b.should.len() == 2));
}

#[test]
fn phrases_fuzzy_and_boosts() {
    let phrase = |slop| {
        Query::MatchPhrase(MatchPhraseQuery {
            field: "f".into(),
            query: "quick fox".into(),
            slop,
            prefix: None,
            zero_terms_query: ZeroTermsQuery::None,
            analyzer: None,
            boost: 1.0,
        })
    };
    assert_eq!(qs("\"quick fox\""), phrase(0));
    assert_eq!(qs("\"quick fox\"~2"), phrase(2));
    let slopped = query_string(
        "\"quick fox\"",
        &QueryStringOptions {
            phrase_slop: 3,
            ..opts()
        },
    )
    .unwrap();
    assert_eq!(slopped, phrase(3));
    assert!(matches!(
        qs("quikc~"),
        Query::Match(MatchQuery {
            fuzziness: Some(Fuzziness::Auto { low: 3, high: 6 }),
            ..
        })
    ));
    assert!(matches!(
        qs("quikc~1"),
        Query::Match(MatchQuery {
            fuzziness: Some(Fuzziness::Edits(1)),
            ..
        })
    ));
    assert!(matches!(
        qs("quick^2"),
        Query::Match(MatchQuery { boost: 2.0, .. })
    ));
    assert!(matches!(
        qs("quikc~1^3"),
        Query::Match(MatchQuery {
            boost: 3.0,
            fuzziness: Some(Fuzziness::Edits(1)),
            ..
        })
    ));
    assert!(matches!(
        qs("\"a b\"^2"),
        Query::MatchPhrase(MatchPhraseQuery { boost: 2.0, .. })
    ));
}

#[test]
fn wildcards_prefixes_regexps() {
    assert_eq!(
        qs("qu?ck*"),
        Query::Wildcard {
            field: "f".into(),
            pattern: "qu?ck*".into(),
            case_insensitive: false,
            boost: 1.0,
        }
    );
    assert_eq!(
        qs("qui*"),
        Query::Prefix {
            field: "f".into(),
            value: "qui".into(),
            case_insensitive: false,
            boost: 1.0,
        }
    );
    assert_eq!(
        qs("name:/joh?n(ath[oa]n)/"),
        Query::Regexp {
            field: "name".into(),
            pattern: "joh?n(ath[oa]n)".into(),
            case_insensitive: false,
            boost: 1.0,
        }
    );
    // `*` is every document on every field, a field's existence on one.
    assert_eq!(
        query_string("*", &QueryStringOptions::default()).unwrap(),
        Query::MatchAll { boost: 1.0 }
    );
    assert_eq!(
        qs("title:*"),
        Query::Exists {
            field: "title".into(),
            boost: 1.0,
        }
    );
    assert_eq!(qs("*:*"), Query::MatchAll { boost: 1.0 });
    assert_eq!(
        qs("_exists_:title"),
        Query::Exists {
            field: "title".into(),
            boost: 1.0,
        }
    );
    let refused = query_string(
        "*ing",
        &QueryStringOptions {
            allow_leading_wildcard: false,
            ..opts()
        },
    )
    .unwrap_err();
    assert!(matches!(
        refused,
        StoreError::QueryCreation { cause: Some((_, detail)), .. }
            if detail == "Cannot parse '*ing': '*' or '?' not allowed as first character in WildcardQuery"
    ));
}

#[test]
fn ranges() {
    let range = |gt: Option<&str>, gte: Option<&str>, lt: Option<&str>, lte: Option<&str>| {
        let s = |v: Option<&str>| v.map(|t| Scalar::String(t.into()));
        Query::Range(RangeQuery {
            field: "age".into(),
            gt: s(gt),
            gte: s(gte),
            lt: s(lt),
            lte: s(lte),
            format: None,
            time_zone: None,
            boost: 1.0,
        })
    };
    assert_eq!(qs("age:[1 TO 5]"), range(None, Some("1"), None, Some("5")));
    assert_eq!(qs("age:{1 TO 5]"), range(Some("1"), None, None, Some("5")));
    assert_eq!(qs("age:[1 TO 5}"), range(None, Some("1"), Some("5"), None));
    assert_eq!(qs("age:[* TO 5]"), range(None, None, None, Some("5")));
    assert_eq!(
        qs("age:[\"a b\" TO *]"),
        range(None, Some("a b"), None, None)
    );
    assert_eq!(qs("age:>=10"), range(None, Some("10"), None, None));
    assert_eq!(qs("age:>10"), range(Some("10"), None, None, None));
    assert_eq!(qs("age:<=10"), range(None, None, None, Some("10")));
    assert_eq!(qs("age:<10"), range(None, None, Some("10"), None));
    assert!(matches!(
        qs("age:[1 TO 5]^2"),
        Query::Range(RangeQuery { boost: 2.0, .. })
    ));
}

#[test]
fn several_fields_become_a_dis_max() {
    let options = QueryStringOptions {
        fields: BTreeMap::from([("title".to_string(), 2.0), ("body".to_string(), 1.0)]),
        ..QueryStringOptions::default()
    };
    let parsed = query_string("fox", &options).unwrap();
    let Query::DisMax {
        queries,
        tie_breaker,
        ..
    } = parsed
    else {
        panic!("a dis_max");
    };
    assert_eq!(tie_breaker, 0.0);
    assert_eq!(queries.len(), 2);
    assert!(
        matches!(&queries[1], Query::Match(MatchQuery { field, boost: 2.0, .. }) if field == "title")
    );
}

#[test]
fn minimum_should_match_applies_to_the_top_bool() {
    let options = QueryStringOptions {
        minimum_should_match: Some(MinimumShouldMatch("2".into())),
        ..opts()
    };
    let parsed = query_string("a b c", &options).unwrap();
    assert!(
        matches!(parsed, Query::Bool(b) if b.minimum_should_match == Some(MinimumShouldMatch("2".into())))
    );
}

#[test]
fn syntax_errors_are_lucenes() {
    assert_eq!(
        syntax_error("foo:"),
        "Cannot parse 'foo:': Encountered \"<EOF>\" at line 1, column 4.\nWas expecting one of:\n    <BAREOPER> ...\n    \"(\" ...\n    \"*\" ...\n    <QUOTED> ...\n    <TERM> ...\n    <PREFIXTERM> ...\n    <WILDTERM> ...\n    <REGEXPTERM> ...\n    \"[\" ...\n    \"{\" ...\n    <NUMBER> ...\n    "
    );
    assert_eq!(
        syntax_error("foo AND"),
        "Cannot parse 'foo AND': Encountered \"<EOF>\" at line 1, column 7.\nWas expecting one of:\n    <NOT> ...\n    \"+\" ...\n    \"-\" ...\n    <BAREOPER> ...\n    \"(\" ...\n    \"*\" ...\n    <QUOTED> ...\n    <TERM> ...\n    <PREFIXTERM> ...\n    <WILDTERM> ...\n    <REGEXPTERM> ...\n    \"[\" ...\n    \"{\" ...\n    <NUMBER> ...\n    "
    );
    assert_eq!(
        syntax_error("foo)"),
        "Cannot parse 'foo)': Encountered \" \")\" \") \"\" at line 1, column 3.\nWas expecting one of:\n    <EOF> ...\n    <AND> ...\n    <OR> ...\n    <NOT> ...\n    \"+\" ...\n    \"-\" ...\n    <BAREOPER> ...\n    \"(\" ...\n    \"*\" ...\n    \"^\" ...\n    <QUOTED> ...\n    <TERM> ...\n    <FUZZY_SLOP> ...\n    <PREFIXTERM> ...\n    <WILDTERM> ...\n    <REGEXPTERM> ...\n    \"[\" ...\n    \"{\" ...\n    <NUMBER> ...\n    "
    );
    assert!(syntax_error("(foo").starts_with(
        "Cannot parse '(foo': Encountered \"<EOF>\" at line 1, column 4.\nWas expecting one of:"
    ));
    assert!(syntax_error("OR a").starts_with(
        "Cannot parse 'OR a': Encountered \" <OR> \"OR \"\" at line 1, column 0.\nWas expecting one of:\n    <NOT> ...\n    \"+\" ...\n    \"-\" ..."
    ));
    assert_eq!(
        syntax_error("foo^"),
        "Cannot parse 'foo^': Encountered \"<EOF>\" at line 1, column 4.\nWas expecting:\n    <NUMBER> ...\n    "
    );
    assert!(
        syntax_error("age:[1 TO]").contains("Encountered \" \"]\" \"] \"\" at line 1, column 9.")
    );
}

#[test]
fn lexical_errors_are_lucenes() {
    assert_eq!(
        syntax_error("\"foo"),
        "Cannot parse '\"foo': Lexical error at line 1, column 5.  Encountered: <EOF> after : \"\\\"foo\""
    );
    assert_eq!(
        syntax_error("a/b"),
        "Cannot parse 'a/b': Lexical error at line 1, column 4.  Encountered: <EOF> after : \"/b\""
    );
    assert_eq!(
        syntax_error("foo^bar"),
        "Cannot parse 'foo^bar': Lexical error at line 1, column 5.  Encountered: \"b\" (98), after : \"\""
    );
    assert_eq!(
        syntax_error("foo]"),
        "Cannot parse 'foo]': Lexical error at line 1, column 4.  Encountered: \"]\" (93), after : \"\""
    );
}

#[test]
fn the_error_body_is_a_search_phase_failure() {
    let e = query_string("foo:", &opts())
        .unwrap_err()
        .in_index("logs", "uuid-1");
    let body = e.to_exception().to_body(false);
    assert_eq!(body["status"], 400);
    assert_eq!(body["error"]["type"], "search_phase_execution_exception");
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "query_shard_exception"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "Failed to parse query [foo:]"
    );
    assert_eq!(body["error"]["root_cause"][0]["index"], "logs");
    assert_eq!(body["error"]["failed_shards"][0]["index"], "logs");
    assert_eq!(
        body["error"]["caused_by"]["caused_by"]["type"],
        "parse_exception"
    );
}

#[test]
fn options_and_special_cases() {
    assert_eq!(qs("   "), Query::MatchNone);
    let escaped = query_string(
        "a:b (c)",
        &QueryStringOptions {
            escape: true,
            ..opts()
        },
    )
    .unwrap();
    assert_eq!(
        escaped,
        bool_of(vec![], vec![m("f", "a:b"), m("f", "(c)")], vec![])
    );
    let both = query_string(
        "a",
        &QueryStringOptions {
            fields: BTreeMap::from([("x".to_string(), 1.0)]),
            ..opts()
        },
    )
    .unwrap_err();
    assert!(matches!(
        both,
        StoreError::QueryCreation { reason, .. } if reason == "failed to create query: Validation Failed: 1: [query_string] cannot use [fields] parameter in conjunction with [default_field];"
    ));
    assert!(matches!(
        query_string("a~x", &opts()).unwrap_err(),
        StoreError::QueryCreation { reason, .. } if reason == "failed to create query: For input string: \"X\""
    ));
    let deep = "(".repeat(500) + "a" + &")".repeat(500);
    assert!(query_string(&deep, &opts()).is_err());
}

#[test]
fn the_json_query() {
    let parsed = parse_query(&json!({"query_string": {
        "query": "title:quick OR fox",
        "default_field": "body",
        "default_operator": "and",
        "boost": 2,
        "analyze_wildcard": true,
        "lenient": true,
        "fuzziness": 1,
        "phrase_slop": 1,
        "time_zone": "Europe/Paris"
    }}))
    .unwrap();
    let Query::Bool(b) = parsed else {
        panic!("a bool");
    };
    assert_eq!(b.boost, 2.0);
    assert_eq!(b.should.len(), 2);
    assert!(
        matches!(&b.should[1], Query::Match(MatchQuery { field, lenient: true, operator: Operator::And, .. }) if field == "body")
    );
    let e = parse_query(&json!({"query_string": {"default_field": "a"}})).unwrap_err();
    assert!(
        matches!(e, StoreError::Parsing { reason, .. } if reason == "[query_string] must be provided with a [query]")
    );
    let e = parse_query(&json!({"query_string": {"query": "a", "foo": 1}})).unwrap_err();
    assert!(
        matches!(e, StoreError::Parsing { reason, .. } if reason == "[query_string] query does not support [foo]")
    );
    let e = parse_query(&json!({"query_string": {"query": "a", "time_zone": "Nowhere/Land"}}))
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Parsing { reason, .. } if reason == "[query_string] time_zone [Nowhere/Land] is unknown")
    );
    let e = parse_query(&json!({"query_string": {"query": {"a": 1}}})).unwrap_err();
    assert!(
        matches!(e, StoreError::Parsing { reason, .. } if reason == "[query_string] unknown token [START_OBJECT] after [query]")
    );
    let fields =
        parse_query(&json!({"query_string": {"query": "x", "fields": ["a^2", "b*"]}})).unwrap();
    assert!(matches!(fields, Query::DisMax { queries, .. } if queries.len() == 2));
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "[ -~]{0,40}") {
        let _ = query_string(&text, &opts());
        let _ = query_string(&text, &QueryStringOptions::default());
    }

    #[test]
    fn syntax_heavy_text_never_panics(text in "[a-z \\\\:()\\[\\]{}\"~^*?/+\\-!&|<>=TO]{0,40}") {
        let _ = query_string(&text, &opts());
        let _ = query_string(&text, &QueryStringOptions {
            default_operator: Operator::And,
            allow_leading_wildcard: false,
            ..QueryStringOptions::default()
        });
    }

    #[test]
    fn any_unicode_never_panics(text in "\\PC{0,30}") {
        let _ = query_string(&text, &opts());
    }
}
