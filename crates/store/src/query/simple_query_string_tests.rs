//! Tests of `simple_query_string`: Lucene's simple syntax, flags, lowering, and that no text
//! is ever an error.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::query::{MatchPhraseQuery, MatchQuery, ZeroTermsQuery, parse_query};

fn opts() -> SimpleOptions {
    SimpleOptions {
        fields: BTreeMap::from([("f".to_string(), 1.0)]),
        ..SimpleOptions::default()
    }
}

fn sqs(text: &str) -> Query {
    simple_query_string(text, &opts())
}

fn with_flags(text: &str, flags: i32) -> Query {
    simple_query_string(text, &SimpleOptions { flags, ..opts() })
}

fn m(text: &str) -> Query {
    Query::Match(MatchQuery {
        field: "f".into(),
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

fn b(must: Vec<Query>, should: Vec<Query>, must_not: Vec<Query>) -> Query {
    Query::Bool(BoolQuery {
        must,
        should,
        must_not,
        boost: 1.0,
        ..BoolQuery::default()
    })
}

fn not(q: Query) -> Query {
    b(vec![], vec![Query::MatchAll { boost: 1.0 }], vec![q])
}

#[test]
fn terms_and_operators() {
    assert_eq!(sqs("fox"), m("fox"));
    assert_eq!(
        sqs("quick fox"),
        b(vec![], vec![m("quick"), m("fox")], vec![])
    );
    assert_eq!(
        sqs("quick + fox"),
        b(vec![m("quick"), m("fox")], vec![], vec![])
    );
    assert_eq!(
        sqs("quick | fox"),
        b(vec![], vec![m("quick"), m("fox")], vec![])
    );
    assert_eq!(sqs("-fox"), not(m("fox")));
    assert_eq!(sqs("--fox"), m("fox"));
    assert_eq!(
        sqs("quick -fox"),
        b(vec![], vec![m("quick"), not(m("fox"))], vec![])
    );
    // Operators apply left to right: a change of operator starts a new parent.
    assert_eq!(
        sqs("a | b + c"),
        b(
            vec![b(vec![], vec![m("a"), m("b")], vec![]), m("c")],
            vec![],
            vec![]
        )
    );
    assert_eq!(
        sqs("(a | b) + c"),
        b(
            vec![b(vec![], vec![m("a"), m("b")], vec![]), m("c")],
            vec![],
            vec![]
        )
    );
    let and_default = simple_query_string(
        "a b",
        &SimpleOptions {
            default_operator: Operator::And,
            ..opts()
        },
    );
    let and_m = |t: &str| match m(t) {
        Query::Match(q) => Query::Match(MatchQuery {
            operator: Operator::And,
            ..q
        }),
        other => other,
    };
    assert_eq!(and_default, b(vec![and_m("a"), and_m("b")], vec![], vec![]));
}

#[test]
fn phrases_prefixes_fuzzy() {
    let phrase = |text: &str, slop| {
        Query::MatchPhrase(MatchPhraseQuery {
            field: "f".into(),
            query: text.into(),
            slop,
            prefix: None,
            zero_terms_query: ZeroTermsQuery::None,
            analyzer: None,
            boost: 1.0,
        })
    };
    assert_eq!(sqs("\"quick fox\""), phrase("quick fox", 0));
    assert_eq!(sqs("\"quick fox\"~3"), phrase("quick fox", 3));
    assert_eq!(
        sqs("qui*"),
        Query::Prefix {
            field: "f".into(),
            value: "qui".into(),
            case_insensitive: false,
            boost: 1.0,
        }
    );
    assert_eq!(sqs("q*i"), m("q*i"));
    assert!(matches!(
        sqs("quikc~1"),
        Query::Match(MatchQuery { fuzziness: Some(Fuzziness::Edits(1)), ref query, .. })
            if *query == Scalar::String("quikc".into())
    ));
    // `~` alone is two edits; more than two is two.
    assert!(matches!(
        sqs("quikc~"),
        Query::Match(MatchQuery {
            fuzziness: Some(Fuzziness::Edits(2)),
            ..
        })
    ));
    assert!(matches!(
        sqs("quikc~9"),
        Query::Match(MatchQuery {
            fuzziness: Some(Fuzziness::Edits(2)),
            ..
        })
    ));
    assert_eq!(sqs("quikc~0"), m("quikc"));
    assert_eq!(sqs("a\\+b"), m("a+b"));
}

#[test]
fn unbalanced_syntax_is_text() {
    // An opening quote or parenthesis that is never closed is dropped.
    assert_eq!(
        sqs("\"quick fox"),
        b(vec![], vec![m("quick"), m("fox")], vec![])
    );
    assert_eq!(sqs("(quick"), m("quick"));
    assert_eq!(sqs("quick)"), m("quick"));
    assert_eq!(sqs(""), Query::MatchNone);
    assert_eq!(sqs("   "), Query::MatchNone);
    assert_eq!(sqs(" * "), Query::MatchAll { boost: 1.0 });
    assert_eq!(sqs("()"), Query::MatchNone);
    assert_eq!(sqs("\"\""), Query::MatchNone);
}

#[test]
fn flags_switch_operators_off() {
    // No whitespace operator: the whole text is one term.
    assert_eq!(with_flags("quick fox", 0), m("quick fox"));
    assert_eq!(with_flags("-fox", flags::AND), m("-fox"));
    assert_eq!(
        with_flags("qui*", flags::AND | flags::WHITESPACE),
        m("qui*")
    );
    assert_eq!(
        resolve_flags("OR|AND|PREFIX").unwrap(),
        flags::OR | flags::AND | flags::PREFIX
    );
    assert_eq!(resolve_flags("none|AND").unwrap(), 0);
    assert_eq!(resolve_flags("").unwrap(), flags::ALL);
    assert_eq!(
        resolve_flags("AND|FOO").unwrap_err(),
        StoreError::IllegalArgument("Unknown simple_query_string flag [FOO]".into())
    );
}

#[test]
fn several_fields_add_their_scores() {
    let options = SimpleOptions {
        fields: BTreeMap::from([("title".to_string(), 3.0), ("body".to_string(), 1.0)]),
        ..SimpleOptions::default()
    };
    let parsed = simple_query_string("fox", &options);
    assert!(matches!(
        parsed,
        Query::DisMax { ref queries, tie_breaker, .. } if tie_breaker == 1.0 && queries.len() == 2
    ));
    // No fields: every field, leniently.
    let all = simple_query_string("fox", &SimpleOptions::default());
    assert!(
        matches!(all, Query::Match(MatchQuery { ref field, lenient: true, .. }) if field == "*")
    );
}

#[test]
fn the_json_query() {
    let parsed = parse_query(&json!({"simple_query_string": {
        "query": "\"fried eggs\" +(eggplant | potato) -frittata",
        "fields": ["title^5", "body"],
        "default_operator": "and",
        "flags": "OR|AND|PRECEDENCE|PHRASE|NOT|WHITESPACE",
        "minimum_should_match": "1",
        "analyze_wildcard": true,
        "auto_generate_synonyms_phrase_query": true,
        "boost": 2
    }}))
    .unwrap();
    let Query::Bool(top) = parsed else {
        panic!("a bool");
    };
    assert_eq!(top.boost, 2.0);
    assert_eq!(
        top.minimum_should_match,
        Some(MinimumShouldMatch("1".into()))
    );
    assert_eq!(top.must.len(), 3);
    let numeric_flags =
        parse_query(&json!({"simple_query_string": {"query": "a b", "flags": 0}})).unwrap();
    assert!(matches!(numeric_flags, Query::Match(_)));
    let e = parse_query(&json!({"simple_query_string": {"fields": ["a"]}})).unwrap_err();
    assert!(
        matches!(e, StoreError::Parsing { reason, .. } if reason == "[simple_query_string] query text missing")
    );
    let e =
        parse_query(&json!({"simple_query_string": {"query": "a", "fuzziness": 1}})).unwrap_err();
    assert!(
        matches!(e, StoreError::Parsing { reason, .. } if reason == "[simple_query_string] unsupported field [fuzziness]")
    );
    let e =
        parse_query(&json!({"simple_query_string": {"query": "a", "fields": "a"}})).unwrap_err();
    assert!(
        matches!(e, StoreError::Parsing { reason, .. } if reason == "[simple_query_string] unsupported field [fields]")
    );
    let e = parse_query(&json!({"simple_query_string": {"query": "a", "flags": "NEAR|X"}}))
        .unwrap_err();
    assert_eq!(
        e,
        StoreError::IllegalArgument("Unknown simple_query_string flag [X]".into())
    );
}

proptest! {
    #[test]
    fn any_text_is_a_query(text in "[a-z \"()|+\\-*~\\\\0-9]{0,40}", flags in any::<i32>()) {
        // Never an error, never a panic, whatever the flags.
        let _ = with_flags(&text, flags);
        let _ = sqs(&text);
    }

    #[test]
    fn any_unicode_is_a_query(text in "\\PC{0,40}") {
        let _ = sqs(&text);
    }

    #[test]
    fn deep_groups_do_not_exhaust_the_stack(depth in 0usize..3000) {
        let text = "(".repeat(depth) + "a" + &")".repeat(depth);
        let _ = sqs(&text);
        let _ = sqs(&"(".repeat(depth));
    }
}
