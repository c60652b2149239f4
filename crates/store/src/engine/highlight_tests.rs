//! The plain highlighter on known texts: terms per query kind, analysis, fragments, ordering,
//! options, field selection (wildcards, multi-fields, non-text fields, hidden fields) and the
//! errors Elasticsearch raises while fetching; one search end to end through the engine.

use serde_json::{Value, json};

use super::*;
use crate::api::{Refresh, WriteCondition};
use crate::engine::testing::parse;
use crate::engine::{Engine, EngineOp, EngineOptions, FieldInfo, FieldTypeMap, IndexSettings};
use crate::query::{
    BoolQuery, HighlightField, HighlightOptions, HighlightOrder, MatchQuery, Operator,
    SearchRequest, ZeroTermsQuery,
};

/// A mapping given field by field; `hidden` fields are what field-level security removes.
struct Types {
    fields: Vec<(&'static str, FieldKind)>,
    hidden: Vec<&'static str>,
}

impl Types {
    fn new(fields: &[(&'static str, FieldKind)]) -> Types {
        Types {
            fields: fields.to_vec(),
            hidden: Vec::new(),
        }
    }
}

impl FieldTypes for Types {
    fn field(&self, _index: &str, path: &str) -> Option<FieldInfo> {
        if self.hidden.contains(&path) {
            return None;
        }
        self.fields
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, kind)| FieldInfo {
                kind: *kind,
                indexed: true,
                doc_values: true,
                format: None,
            })
    }

    fn expand(&self, _index: &str, pattern: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(p, _)| !self.hidden.contains(p))
            .filter(|(p, _)| ironstack_types::wildcard::simple_match(pattern, p))
            .map(|(p, _)| p.to_string())
            .collect()
    }
}

fn mapping() -> Types {
    Types::new(&[
        ("message", FieldKind::Text),
        ("message.keyword", FieldKind::Keyword),
        ("title", FieldKind::Text),
        ("tags", FieldKind::Keyword),
        ("host.name", FieldKind::Keyword),
        ("count", FieldKind::Long),
        ("secret", FieldKind::Text),
    ])
}

fn field(name: &str) -> HighlightField {
    HighlightField {
        name: name.to_string(),
        options: HighlightOptions::default(),
        matched_fields: None,
        fragment_offset: None,
    }
}

fn with_fields(names: &[&str]) -> Highlight {
    Highlight {
        fields: names.iter().map(|n| field(n)).collect(),
        ..Highlight::default()
    }
}

fn match_q(field: &str, text: &str) -> Query {
    Query::Match(MatchQuery {
        field: field.to_string(),
        query: Scalar::String(text.to_string()),
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

fn phrase(field: &str, text: &str, prefix: bool) -> Query {
    Query::MatchPhrase(MatchPhraseQuery {
        field: field.to_string(),
        query: text.to_string(),
        slop: 0,
        prefix: prefix.then_some(50),
        zero_terms_query: ZeroTermsQuery::None,
        analyzer: None,
        boost: 1.0,
    })
}

/// Fragments per field, as a hit carries them.
type Fragments = BTreeMap<String, Vec<String>>;

fn highlight_with(
    highlight: &Highlight,
    query: &Query,
    types: &dyn FieldTypes,
    source: &Value,
) -> Option<Fragments> {
    Plan::new("i", highlight, query, types)
        .expect("plan")
        .apply("i", "1", source)
        .expect("highlight")
}

/// The fragments of `field` for `query`.
fn frags(highlight: &Highlight, query: &Query, source: Value, name: &str) -> Vec<String> {
    highlight_with(highlight, query, &mapping(), &source)
        .and_then(|mut h| h.remove(name))
        .unwrap_or_default()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_match_highlights_each_analysed_occurrence_whatever_its_case() {
    let h = with_fields(&["message"]);
    let got = frags(
        &h,
        &match_q("message", "QUICK fox"),
        json!({"message": "The Quick brown fox, quick!"}),
        "message",
    );
    assert_eq!(
        got,
        strings(&["The <em>Quick</em> brown <em>fox</em>, <em>quick</em>!"])
    );
}

#[test]
fn fields_without_matches_and_non_text_fields_do_not_appear() {
    let h = with_fields(&["*"]);
    let q = Query::Bool(BoolQuery {
        should: vec![
            match_q("message", "fox"),
            Query::Term {
                field: "count".into(),
                value: Scalar::Long(3),
                case_insensitive: false,
                boost: 1.0,
            },
        ],
        boost: 1.0,
        ..BoolQuery::default()
    });
    let got = highlight_with(
        &h,
        &q,
        &mapping(),
        &json!({"message": "a fox", "title": "no match here", "count": 3}),
    )
    .expect("something highlighted");
    assert_eq!(got.keys().collect::<Vec<_>>(), vec!["message"]);
    assert_eq!(
        highlight_with(
            &h,
            &match_q("message", "cat"),
            &mapping(),
            &json!({"message": "a fox"})
        ),
        None
    );
}

#[test]
fn require_field_match_limits_terms_to_the_field_their_query_named() {
    let source = json!({"message": "brown fox", "title": "the fox"});
    let strict = with_fields(&["message", "title"]);
    let got = highlight_with(&strict, &match_q("title", "fox"), &mapping(), &source)
        .expect("title highlighted");
    assert_eq!(got.keys().collect::<Vec<_>>(), vec!["title"]);
    let mut loose = with_fields(&["message", "title"]);
    loose.options.require_field_match = Some(false);
    let got = highlight_with(&loose, &match_q("title", "fox"), &mapping(), &source)
        .expect("both highlighted");
    assert_eq!(got["message"], strings(&["brown <em>fox</em>"]));
    assert_eq!(got["title"], strings(&["the <em>fox</em>"]));
}

#[test]
fn a_wildcard_query_field_covers_every_field() {
    // `query_string` and `multi_match` without fields query `*`.
    let h = with_fields(&["*"]);
    let got = highlight_with(
        &h,
        &match_q("*", "error"),
        &mapping(),
        &json!({"message": "disk error", "title": "Error", "tags": ["error", "warn"]}),
    )
    .expect("highlighted");
    assert_eq!(got["message"], strings(&["disk <em>error</em>"]));
    assert_eq!(got["title"], strings(&["<em>Error</em>"]));
    assert_eq!(got["tags"], strings(&["<em>error</em>"]));
    // The multi-field's value is the whole text, which `error` does not equal.
    assert!(!got.contains_key("message.keyword"));
}

#[test]
fn keywords_highlight_their_whole_value_and_multi_fields_read_the_parent() {
    let h = with_fields(&["message.keyword", "host.name"]);
    let q = Query::Bool(BoolQuery {
        filter: vec![
            Query::Term {
                field: "message.keyword".into(),
                value: Scalar::String("disk full".into()),
                case_insensitive: false,
                boost: 1.0,
            },
            Query::Term {
                field: "host.name".into(),
                value: Scalar::String("ALPHA".into()),
                case_insensitive: true,
                boost: 1.0,
            },
        ],
        boost: 1.0,
        ..BoolQuery::default()
    });
    let got = highlight_with(
        &h,
        &q,
        &mapping(),
        &json!({"message": "disk full", "host": {"name": "alpha"}}),
    )
    .expect("highlighted");
    assert_eq!(got["message.keyword"], strings(&["<em>disk full</em>"]));
    assert_eq!(got["host.name"], strings(&["<em>alpha</em>"]));
    // A term query is not analysed: on a text field it must equal a token.
    let term = Query::Term {
        field: "message".into(),
        value: Scalar::String("Disk".into()),
        case_insensitive: false,
        boost: 1.0,
    };
    assert!(
        frags(
            &with_fields(&["message"]),
            &term,
            json!({"message": "Disk full"}),
            "message"
        )
        .is_empty()
    );
}

#[test]
fn array_values_and_dotted_keys_are_highlighted_one_by_one() {
    let h = with_fields(&["tags", "host.name"]);
    let q = Query::Bool(BoolQuery {
        should: vec![
            Query::Terms {
                field: "tags".into(),
                values: vec![Scalar::String("a".into()), Scalar::String("c".into())],
                boost: 1.0,
            },
            Query::Prefix {
                field: "host.name".into(),
                value: "web".into(),
                case_insensitive: false,
                boost: 1.0,
            },
        ],
        boost: 1.0,
        ..BoolQuery::default()
    });
    let got = highlight_with(
        &h,
        &q,
        &mapping(),
        &json!({"tags": ["a", "b", "c"], "host.name": "web-1"}),
    )
    .expect("highlighted");
    assert_eq!(got["tags"], strings(&["<em>a</em>", "<em>c</em>"]));
    assert_eq!(got["host.name"], strings(&["<em>web-1</em>"]));
}

#[test]
fn phrases_highlight_only_their_occurrences() {
    let h = with_fields(&["message"]);
    let text = json!({"message": "quick fox, brown fox, quick brown fox"});
    assert_eq!(
        frags(
            &h,
            &phrase("message", "brown fox", false),
            text.clone(),
            "message"
        ),
        strings(&["quick fox, <em>brown</em> <em>fox</em>, quick <em>brown</em> <em>fox</em>"])
    );
    assert_eq!(
        frags(&h, &phrase("message", "quick bro", true), text, "message"),
        strings(&["quick fox, brown fox, <em>quick</em> <em>brown</em> fox"])
    );
}

#[test]
fn multi_term_queries_and_fuzziness_match_tokens() {
    let h = with_fields(&["message"]);
    let source = json!({"message": "kernel panic on node7 after kernal update"});
    let wildcard = Query::Wildcard {
        field: "message".into(),
        pattern: "n?de*".into(),
        case_insensitive: false,
        boost: 1.0,
    };
    assert_eq!(
        frags(&h, &wildcard, source.clone(), "message"),
        strings(&["kernel panic on <em>node7</em> after kernal update"])
    );
    let regexp = Query::Regexp {
        field: "message".into(),
        pattern: "pan.c|upd[a-z]+".into(),
        case_insensitive: false,
        boost: 1.0,
    };
    assert_eq!(
        frags(&h, &regexp, source.clone(), "message"),
        strings(&["kernel <em>panic</em> on node7 after kernal <em>update</em>"])
    );
    let mut fuzzy = match_q("message", "kernel");
    if let Query::Match(m) = &mut fuzzy {
        m.fuzziness = Some(Fuzziness::Auto { low: 3, high: 6 });
    }
    assert_eq!(
        frags(&h, &fuzzy, source, "message"),
        strings(&["<em>kernel</em> panic on node7 after <em>kernal</em> update"])
    );
}

#[test]
fn must_not_and_negative_clauses_never_highlight() {
    let h = with_fields(&["message"]);
    let q = Query::Boosting {
        positive: Box::new(Query::Bool(BoolQuery {
            must: vec![match_q("message", "disk")],
            must_not: vec![match_q("message", "full")],
            boost: 1.0,
            ..BoolQuery::default()
        })),
        negative: Box::new(match_q("message", "error")),
        negative_boost: 0.5,
    };
    assert_eq!(
        frags(
            &h,
            &q,
            json!({"message": "disk error, disk full"}),
            "message"
        ),
        strings(&["<em>disk</em> error, <em>disk</em> full"])
    );
    let constant = Query::ConstantScore {
        filter: Box::new(match_q("message", "full")),
        boost: 1.0,
    };
    assert_eq!(
        frags(&h, &constant, json!({"message": "disk full"}), "message"),
        strings(&["disk <em>full</em>"])
    );
}

#[test]
fn fragments_are_cut_as_lucenes_span_fragmenter_cuts_them() {
    let mut h = with_fields(&["message"]);
    h.options.fragment_size = Some(10);
    let source = json!({"message": "aaa bbb ccc quick ddd eee"});
    // `ccc` ends past 10 characters: a fragment starts after `bbb`; `ddd` past 20: another.
    assert_eq!(
        frags(&h, &match_q("message", "quick"), source.clone(), "message"),
        strings(&[" ccc <em>quick</em>"])
    );
    h.options.fragmenter = Some("simple".into());
    assert_eq!(
        frags(&h, &match_q("message", "quick"), source, "message"),
        strings(&[" ccc <em>quick</em>"])
    );
}

#[test]
fn a_phrase_is_never_split_across_fragments() {
    let mut h = with_fields(&["message"]);
    h.options.fragment_size = Some(5);
    // `fox` ends past 10 characters, but it continues the phrase `brown` began.
    let got = frags(
        &h,
        &phrase("message", "brown fox", false),
        json!({"message": "xx brown fox yy zz ww vv"}),
        "message",
    );
    assert_eq!(got, strings(&[" <em>brown</em> <em>fox</em>"]));
}

#[test]
fn fragment_order_follows_the_text_unless_score_is_asked() {
    let mut h = with_fields(&["message"]);
    h.options.fragment_size = Some(20);
    // Cut before `a` (ends at 20) and before `of` (ends at 42, past 40).
    let source = json!({"message": "the fox ran. later a fox met a cat. end of story here"});
    let q = match_q("message", "fox cat");
    let first = "the <em>fox</em> ran. later";
    let second = " a <em>fox</em> met a <em>cat</em>. end";
    assert_eq!(
        frags(&h, &q, source.clone(), "message"),
        strings(&[first, second])
    );
    h.options.order = Some(HighlightOrder::Score);
    // Two distinct terms score above one.
    assert_eq!(
        frags(&h, &q, source.clone(), "message"),
        strings(&[second, first])
    );
    // The best fragments are kept, then shown in text order.
    h.options.order = None;
    h.options.number_of_fragments = Some(1);
    assert_eq!(frags(&h, &q, source, "message"), strings(&[second]));
}

#[test]
fn number_of_fragments_zero_returns_each_matching_value_whole() {
    let mut h = with_fields(&["message", "tags"]);
    h.options.number_of_fragments = Some(0);
    h.options.fragment_size = Some(5);
    h.options.require_field_match = Some(false);
    let got = highlight_with(
        &h,
        &match_q("message", "fox"),
        &mapping(),
        &json!({"message": "the quick brown fox jumps over the lazy dog", "tags": ["x", "fox", "y fox"]}),
    )
    .expect("highlighted");
    assert_eq!(
        got["message"],
        strings(&["the quick brown <em>fox</em> jumps over the lazy dog"])
    );
    assert_eq!(got["tags"], strings(&["<em>fox</em>"]));
}

#[test]
fn kibanas_discover_request_highlights_whole_values_with_its_tags() {
    let h = Highlight {
        options: HighlightOptions {
            pre_tags: Some(vec!["@kibana-highlighted-field@".into()]),
            post_tags: Some(vec!["@/kibana-highlighted-field@".into()]),
            fragment_size: Some(i32::MAX),
            ..HighlightOptions::default()
        },
        fields: vec![field("*")],
        search_query: None,
    };
    let long = format!("{} error {}", "word ".repeat(100), "tail ".repeat(100));
    let got = frags(
        &h,
        &match_q("*", "error"),
        json!({ "message": long }),
        "message",
    );
    assert_eq!(
        got,
        vec![long.replace(
            "error",
            "@kibana-highlighted-field@error@/kibana-highlighted-field@"
        )]
    );
}

#[test]
fn no_match_size_returns_the_start_of_the_field_cut_at_a_token() {
    let mut h = with_fields(&["message"]);
    h.options.no_match_size = Some(12);
    assert_eq!(
        frags(
            &h,
            &match_q("message", "zzz"),
            json!({"message": ["first value here", "second"]}),
            "message"
        ),
        strings(&["first value"])
    );
    h.options.no_match_size = Some(11);
    assert_eq!(
        frags(
            &h,
            &match_q("message", "zzz"),
            json!({"message": "first value here"}),
            "message"
        ),
        strings(&["first value"])
    );
}

#[test]
fn the_html_encoder_escapes_text_but_not_tags() {
    let mut h = with_fields(&["message"]);
    h.options.encoder = Some(HighlightEncoder::Html);
    assert_eq!(
        frags(
            &h,
            &match_q("message", "b"),
            json!({"message": "<a href='/x'>b</a> & \"q\""}),
            "message"
        ),
        strings(&[
            "&lt;a href=&#x27;&#x2F;x&#x27;&gt;<em>b</em>&lt;&#x2F;a&gt; &amp; &quot;q&quot;"
        ])
    );
}

#[test]
fn per_field_options_override_the_top_level_ones() {
    let mut h = with_fields(&["message", "title"]);
    h.options.pre_tags = Some(vec!["[".into()]);
    h.options.post_tags = Some(vec!["]".into()]);
    h.options.require_field_match = Some(false);
    h.fields[1].options.pre_tags = Some(vec!["<b>".into(), "<i>".into()]);
    h.fields[1].options.post_tags = Some(vec!["</b>".into()]);
    let got = highlight_with(
        &h,
        &match_q("message", "fox"),
        &mapping(),
        &json!({"message": "a fox", "title": "fox"}),
    )
    .expect("highlighted");
    assert_eq!(got["message"], strings(&["a [fox]"]));
    assert_eq!(got["title"], strings(&["<b>fox</b>"]));
}

#[test]
fn a_highlight_query_replaces_the_search_query() {
    let mut h = with_fields(&["message"]);
    h.options.highlight_query = Some(Box::new(match_q("message", "cat")));
    assert_eq!(
        frags(
            &h,
            &match_q("message", "fox"),
            json!({"message": "fox and cat"}),
            "message"
        ),
        strings(&["fox and <em>cat</em>"])
    );
    // The query pinned at parse time wins over the one the search runs (security filters).
    let pinned = Highlight {
        search_query: Some(match_q("message", "fox")),
        ..with_fields(&["message"])
    };
    assert_eq!(
        frags(
            &pinned,
            &match_q("message", "cat"),
            json!({"message": "fox and cat"}),
            "message"
        ),
        strings(&["<em>fox</em> and cat"])
    );
}

#[test]
fn hidden_fields_are_never_highlighted() {
    let mut types = mapping();
    types.hidden = vec!["secret", "message.keyword"];
    let source = json!({"message": "token", "secret": "token"});
    for names in [&["*"][..], &["secret", "message", "message.keyword"][..]] {
        let h = with_fields(names);
        let got = highlight_with(&h, &match_q("*", "token"), &types, &source).expect("some");
        assert_eq!(got.keys().collect::<Vec<_>>(), vec!["message"]);
    }
}

#[test]
fn unknown_highlighter_types_and_fragmenters_fail_the_search() {
    let mut h = with_fields(&["message"]);
    h.fields[0].options.highlighter_type = Some("postings".into());
    let e = Plan::new("i", &h, &match_q("message", "x"), &mapping()).unwrap_err();
    assert_eq!(
        e,
        StoreError::ShardIllegalArgument {
            index: "i".into(),
            reason: "unknown highlighter type [postings] for the field [message]".into()
        }
    );
    for t in ["plain", "unified", "fvh"] {
        h.fields[0].options.highlighter_type = Some(t.into());
        assert!(Plan::new("i", &h, &match_q("message", "x"), &mapping()).is_ok());
    }
    h.options.fragmenter = Some("sentence".into());
    let e = Plan::new("i", &h, &match_q("message", "x"), &mapping()).unwrap_err();
    assert_eq!(
        e,
        StoreError::ShardIllegalArgument {
            index: "i".into(),
            reason: "unknown fragmenter option [sentence] for the field [message]".into()
        }
    );
    // Without fragments no fragmenter is used, as in Elasticsearch.
    h.options.number_of_fragments = Some(0);
    assert!(Plan::new("i", &h, &match_q("message", "x"), &mapping()).is_ok());
}

#[test]
fn values_beyond_the_analysed_offset_limit_are_refused_unless_truncated() {
    let h = with_fields(&["message"]);
    let long = "x ".repeat(MAX_ANALYZED_OFFSET / 2 + 1);
    let plan = Plan::new("i", &h, &match_q("message", "x"), &mapping()).expect("plan");
    let e = plan
        .apply("i", "7", &json!({ "message": long }))
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::ShardIllegalArgument { reason, .. }
            if reason.starts_with("The length [1000002] of field [message] in doc[7]/index[i] exceeds the [index.highlight.max_analyzed_offset] limit [1000000]")),
        "{e:?}"
    );
    let mut h = with_fields(&["message"]);
    h.options.max_analyzed_offset = Some(3);
    h.options.number_of_fragments = Some(0);
    let got = frags(
        &h,
        &match_q("message", "x"),
        json!({"message": "x x x x"}),
        "message",
    );
    assert_eq!(got, strings(&["<em>x</em> <em>x</em> x x"]));
}

#[test]
fn offsets_count_utf16_units_as_java_does() {
    let mut h = with_fields(&["message"]);
    h.options.fragment_size = Some(6);
    // `é` is one unit (two bytes): `aa` ends at 5, before 6, and after it fewer than 3 units
    // remain, so nothing is cut (counting bytes would cut before `aa`).
    let got = frags(
        &h,
        &match_q("message", "bb"),
        json!({"message": "éé aa bb"}),
        "message",
    );
    assert_eq!(got, strings(&["éé aa <em>bb</em>"]));
}

#[test]
fn a_search_returns_highlights_with_its_hits() {
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
    let docs = [
        ("1", json!({"title": "The quick brown fox", "n": 1})),
        ("2", json!({"title": "A lazy dog", "n": 2})),
    ];
    let mut types = FieldTypeMap::default();
    let ops = docs
        .iter()
        .map(|(id, source)| {
            let parsed = parse(source, &["title"]);
            types.learn("c", &parsed);
            EngineOp::Index {
                id: Some(id.to_string()),
                source: serde_json::to_vec(source).unwrap_or_default(),
                parsed,
                create: false,
                condition: WriteCondition::None,
            }
        })
        .collect();
    engine.apply("c", ops, Refresh::Immediate).expect("indexed");
    let request = SearchRequest {
        query: match_q("title", "QUICK dog"),
        highlight: Some(with_fields(&["*"])),
        source: crate::query::SourceFilter::None,
        ..SearchRequest::default()
    };
    let result = engine.search(&["c"], &request, &types).expect("search");
    let mut got: Vec<(String, Option<Fragments>)> = result
        .hits
        .into_iter()
        .map(|h| (h.id, h.highlight))
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let one = |t: &str| Some(BTreeMap::from([("title".to_string(), strings(&[t]))]));
    assert_eq!(
        got,
        vec![
            ("1".to_string(), one("The <em>quick</em> brown fox")),
            ("2".to_string(), one("A lazy <em>dog</em>")),
        ]
    );
}

/// The query of a `_search` body, as the parser types it.
fn parsed(body: Value) -> Query {
    crate::query::parse_search_request(Some(&json!({ "query": body })), &[])
        .expect("query parses")
        .query
}

#[test]
fn the_query_languages_highlight_through_the_queries_they_become() {
    let h = with_fields(&["*"]);
    let source = json!({"message": "Quick brown fox near the quiet river", "title": "fox tales"});
    let cases = [
        (
            json!({"query_string": {"query": "quick AND qui*"}}),
            "<em>Quick</em> brown fox near the <em>quiet</em> river",
        ),
        (
            json!({"query_string": {"query": "message:\"brown fox\" OR title:tales"}}),
            "Quick <em>brown</em> <em>fox</em> near the quiet river",
        ),
        (
            json!({"simple_query_string": {"query": "rivr~1 -quick", "fields": ["message"]}}),
            "Quick brown fox near the quiet <em>river</em>",
        ),
        (
            json!({"multi_match": {"query": "near the", "fields": ["message", "title^2"]}}),
            "Quick brown fox <em>near</em> <em>the</em> quiet river",
        ),
        (
            json!({"match_bool_prefix": {"message": "brown riv"}}),
            "Quick <em>brown</em> fox near the quiet <em>river</em>",
        ),
        (
            json!({"match_phrase_prefix": {"message": "the qu"}}),
            "Quick brown fox near <em>the</em> <em>quiet</em> river",
        ),
    ];
    for (query, expected) in cases {
        let got = frags(&h, &parsed(query.clone()), source.clone(), "message");
        assert_eq!(got, strings(&[expected]), "{query}");
    }
    // `title:tales` names another field: only `title` shows it.
    let got = highlight_with(
        &h,
        &parsed(json!({"query_string": {"query": "title:tales"}})),
        &mapping(),
        &source,
    )
    .expect("highlighted");
    assert_eq!(got.keys().collect::<Vec<_>>(), vec!["title"]);
}

#[test]
fn a_sloppy_phrase_allows_that_many_skipped_positions() {
    let h = with_fields(&["message"]);
    let source = json!({"message": "quick brown fox, quick red old fox"});
    let mut q = phrase("message", "quick fox", false);
    assert!(frags(&h, &q, source.clone(), "message").is_empty());
    if let Query::MatchPhrase(m) = &mut q {
        m.slop = 1;
    }
    assert_eq!(
        frags(&h, &q, source.clone(), "message"),
        strings(&["<em>quick</em> brown <em>fox</em>, quick red old fox"])
    );
    if let Query::MatchPhrase(m) = &mut q {
        m.slop = 2;
    }
    assert_eq!(
        frags(&h, &q, source, "message"),
        strings(&["<em>quick</em> brown <em>fox</em>, <em>quick</em> red old <em>fox</em>"])
    );
    // A long value where the phrase never completes is scanned once per term, not per start.
    let long = json!({"message": "quick ".repeat(100_000)});
    if let Query::MatchPhrase(m) = &mut q {
        m.slop = u32::MAX;
    }
    assert!(frags(&h, &q, long, "message").is_empty());
}

#[test]
fn a_terms_query_with_thousands_of_values_highlights_by_lookup() {
    let h = with_fields(&["tags"]);
    let mut values: Vec<Scalar> = (0..50_000)
        .map(|i| Scalar::String(format!("t{i}")))
        .collect();
    values.push(Scalar::String("fox".into()));
    let q = Query::Terms {
        field: "tags".into(),
        values,
        boost: 1.0,
    };
    let tags: Vec<String> = (0..2_000)
        .map(|i| format!("x{i}"))
        .chain(["fox".into(), "t49999".into()])
        .collect();
    assert_eq!(
        frags(&h, &q, json!({ "tags": tags }), "tags"),
        strings(&["<em>fox</em>", "<em>t49999</em>"])
    );
}
