//! Tests of the `highlight` parser: both `fields` shapes, every option, the resolution of
//! per-field options, and Elasticsearch's errors with their wrappers and positions.

use serde_json::{Value, json};

use super::*;
use crate::query::{MatchQuery, SearchBody, parse_search};

fn parse_bytes(text: &str) -> Result<Highlight, StoreError> {
    parse_search("/_search", SearchBody::Bytes(text.as_bytes()), &[])
        .map(|p| p.request.highlight.expect("highlight parsed"))
}

fn parse(v: Value) -> Highlight {
    parse_search(
        "/_search",
        SearchBody::Json(&json!({ "highlight": v })),
        &[],
    )
    .expect("parses")
    .request
    .highlight
    .expect("highlight parsed")
}

fn err(v: Value) -> StoreError {
    parse_search(
        "/_search",
        SearchBody::Json(&json!({ "highlight": v })),
        &[],
    )
    .expect_err("refused")
}

/// The reasons of an error and its causes, outermost first.
fn chain(e: &StoreError) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut at = e;
    while let StoreError::FieldParse { cause, .. } = at {
        out.push(cause.to_string());
        at = cause;
    }
    out
}

#[test]
fn defaults_are_elasticsearchs() {
    let h = parse(json!({"fields": {"message": {}}}));
    let o = h.resolve(&h.fields[0]);
    assert_eq!(
        o,
        ResolvedOptions {
            pre_tag: "<em>".into(),
            post_tag: "</em>".into(),
            fragment_size: 100,
            number_of_fragments: 5,
            no_match_size: 0,
            require_field_match: true,
            score_ordered: false,
            encoder: HighlightEncoder::Default,
            highlighter_type: "unified".into(),
            fragmenter: None,
            max_analyzed_offset: None,
        }
    );
}

#[test]
fn kibanas_discover_body_parses() {
    let h = parse(json!({
        "pre_tags": ["@kibana-highlighted-field@"],
        "post_tags": ["@/kibana-highlighted-field@"],
        "fields": {"*": {}},
        "fragment_size": 2147483647
    }));
    assert_eq!(h.fields.len(), 1);
    assert_eq!(h.fields[0].name, "*");
    let o = h.resolve(&h.fields[0]);
    assert_eq!(o.pre_tag, "@kibana-highlighted-field@");
    assert_eq!(o.post_tag, "@/kibana-highlighted-field@");
    assert_eq!(o.fragment_size, i32::MAX);
}

#[test]
fn field_options_override_the_top_level_ones() {
    let h = parse(json!({
        "pre_tags": "<b>", "post_tags": ["</b>"],
        "fragment_size": "50", "number_of_fragments": 2, "no_match_size": 10,
        "require_field_match": "false", "order": "SCORE", "encoder": "html",
        "type": "plain", "fragmenter": "simple", "max_analyzed_offset": 20,
        "boundary_scanner": "word", "boundary_max_scan": 5, "boundary_chars": ".,",
        "boundary_scanner_locale": "en-US", "highlight_filter": true, "phrase_limit": 10,
        "options": {"x": 1},
        "fields": {
            "a": {},
            "b": {"tags_schema": "styled", "number_of_fragments": 0, "order": "none",
                  "encoder": "default", "fragment_offset": 3, "matched_fields": ["b", "b.en"]}
        }
    }));
    let a = h.resolve(&h.fields[0]);
    assert_eq!((a.pre_tag.as_str(), a.post_tag.as_str()), ("<b>", "</b>"));
    assert_eq!(
        (a.fragment_size, a.number_of_fragments, a.no_match_size),
        (50, 2, 10)
    );
    assert!(!a.require_field_match && a.score_ordered);
    assert_eq!(a.encoder, HighlightEncoder::Html);
    assert_eq!(a.highlighter_type, "plain");
    assert_eq!(a.fragmenter.as_deref(), Some("simple"));
    assert_eq!(a.max_analyzed_offset, Some(20));
    assert_eq!(h.options.boundary_scanner, Some(BoundaryScanner::Word));
    let b = h.resolve(&h.fields[1]);
    assert_eq!(
        (b.pre_tag.as_str(), b.post_tag.as_str()),
        ("<em class=\"hlt1\">", "</em>")
    );
    assert_eq!(b.number_of_fragments, 0);
    assert!(!b.score_ordered);
    assert_eq!(b.encoder, HighlightEncoder::Default);
    assert_eq!(b.fragment_size, 50);
    assert_eq!(h.fields[1].fragment_offset, Some(3));
    assert_eq!(
        h.fields[1].matched_fields,
        Some(vec!["b".to_string(), "b.en".to_string()])
    );
    assert_eq!(
        h.fields[1].options.pre_tags.as_ref().map(Vec::len),
        Some(10)
    );
}

#[test]
fn fields_may_be_an_array_of_one_key_objects_in_order() {
    let h = parse(json!({"fields": [{"z": {}}, {"a": {"fragment_size": 7}}, {"m*": {}}]}));
    let names: Vec<&str> = h.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["z", "a", "m*"]);
    assert_eq!(h.fields[1].options.fragment_size, Some(7));
}

#[test]
fn the_search_query_and_highlight_queries_are_typed() {
    let h = parse_search(
        "/_search",
        SearchBody::Json(&json!({
            "query": {"match": {"message": "fox"}},
            "highlight": {
                "highlight_query": {"term": {"title": "cat"}},
                "fields": {"message": {"highlight_query": {"match": {"message": "dog"}}}}
            }
        })),
        &[],
    )
    .expect("parses")
    .request
    .highlight
    .expect("highlight");
    assert!(matches!(
        &h.search_query,
        Some(Query::Match(MatchQuery { field, .. })) if field == "message"
    ));
    assert!(matches!(
        h.options.highlight_query.as_deref(),
        Some(Query::Term { field, .. }) if field == "title"
    ));
    let fallback = Query::MatchNone;
    assert!(matches!(
        h.query_for(&h.fields[0], &fallback),
        Query::Match(MatchQuery { query: crate::query::Scalar::String(s), .. }) if s == "dog"
    ));
    // `q` replaces the body's query before it is pinned.
    let params = vec![("q".to_string(), "title:owl".to_string())];
    let h = parse_search(
        "/_search",
        SearchBody::Json(&json!({"highlight": {"fields": {"title": {}}}})),
        &params,
    )
    .expect("parses")
    .request
    .highlight
    .expect("highlight");
    assert!(
        h.search_query
            .is_some_and(|q| q != Query::MatchAll { boost: 1.0 })
    );
}

#[test]
fn unknown_keys_are_refused_with_their_position_and_a_suggestion() {
    let e = parse_bytes("{\"highlight\": {\n  \"fragmen_size\": 10}}").unwrap_err();
    assert_eq!(
        e,
        StoreError::XContentParse(
            "[2:3] [highlight] unknown field [fragmen_size] did you mean any of [fragment_size, fragmenter]?".into()
        )
    );
    // `force_source` is gone in Elasticsearch 9.
    assert!(matches!(
        err(json!({"force_source": true})),
        StoreError::XContentParse(m) if m == "[highlight] unknown field [force_source]"
    ));
    let e = parse_bytes(
        "{\"highlight\": {\n  \"fields\" : {\n     \"body\" : {\n        \"bad_fieldname\" : \"value\"\n     }\n   }\n}}",
    )
    .unwrap_err();
    let reasons = chain(&e);
    assert!(reasons[0].ends_with("[highlight] failed to parse field [fields]"));
    assert!(reasons[1].ends_with("[fields] failed to parse field [body]"));
    assert_eq!(
        reasons[2],
        "[4:9] [highlight_field] unknown field [bad_fieldname]"
    );
    assert_eq!(e.to_exception().error_type, "x_content_parse_exception");
}

#[test]
fn fields_of_the_wrong_shape_are_refused() {
    let shape = "[fields] can be a single object with any number of fields or an array where each entry is an object with a single field";
    for bad in [
        json!({"fields": ["junk"]}),
        json!({"fields": [{}]}),
        json!({"fields": [{"body": {}, "nope": {}}]}),
    ] {
        let e = err(bad);
        assert_eq!(
            chain(&e),
            vec![
                "[highlight] failed to parse field [fields]".to_string(),
                shape.to_string()
            ]
        );
    }
    assert_eq!(
        err(json!({"fields": "message"})),
        StoreError::XContentParse(
            "[highlight] fields doesn't support values of type: VALUE_STRING".into()
        )
    );
    assert_eq!(
        chain(&err(json!({"fields": {"body": "x"}}))),
        vec![
            "[highlight] failed to parse field [fields]",
            "[fields] failed to parse field [body]",
            "[highlight_field] Expected START_OBJECT but was: VALUE_STRING"
        ]
    );
}

#[test]
fn bad_values_fail_as_elasticsearch_fails_them() {
    assert_eq!(
        err(json!({"fragment_size": true})),
        StoreError::XContentParse(
            "[highlight] fragment_size doesn't support values of type: VALUE_BOOLEAN".into()
        )
    );
    let e = err(json!({"number_of_fragments": "many"}));
    assert_eq!(
        chain(&e),
        vec![
            "[highlight] failed to parse field [number_of_fragments]",
            "For input string: \"many\""
        ]
    );
    assert_eq!(
        chain(&err(json!({"tags_schema": "fancy"}))),
        vec![
            "[highlight] failed to parse field [tags_schema]",
            "Unknown tag schema [fancy]"
        ]
    );
    assert_eq!(
        chain(&err(json!({"max_analyzed_offset": 0}))),
        vec![
            "[highlight] failed to parse field [max_analyzed_offset]",
            "[max_analyzed_offset] must be a positive integer"
        ]
    );
    assert_eq!(
        chain(&err(json!({"boundary_scanner": "line"}))),
        vec![
            "[highlight] failed to parse field [boundary_scanner]",
            "No enum constant org.elasticsearch.search.fetch.subphase.highlight.HighlightBuilder.BoundaryScannerType.LINE"
        ]
    );
    assert!(matches!(
        err(json!({"highlight_query": {"nope": {}}})),
        StoreError::FieldParse { reason, .. } if reason == "[highlight] failed to parse field [highlight_query]"
    ));
}

#[test]
fn tags_must_come_in_pairs() {
    assert!(matches!(
        err(json!({"pre_tags": ["<a>"]})),
        StoreError::Parsing { reason, .. } if reason == "pre_tags are set but post_tags are not set"
    ));
    assert!(matches!(
        err(json!({"pre_tags": [], "post_tags": ["</a>"]})),
        StoreError::Parsing { reason, .. } if reason == "pre_tags or post_tags must not be empty"
    ));
    assert_eq!(
        chain(&err(json!({"fields": {"body": {"pre_tags": ["<a>"]}}}))),
        vec![
            "[highlight] failed to parse field [fields]",
            "[fields] failed to parse field [body]",
            "pre_tags are set but post_tags are not set"
        ]
    );
    // `post_tags` alone keeps the default opening tag.
    let h = parse(json!({"post_tags": ["</x>"], "fields": {"a": {}}}));
    let o = h.resolve(&h.fields[0]);
    assert_eq!((o.pre_tag.as_str(), o.post_tag.as_str()), ("<em>", "</x>"));
}

#[test]
fn highlight_must_be_an_object() {
    assert!(matches!(
        parse_search("/_search", SearchBody::Json(&json!({"highlight": ["a"]})), &[]).unwrap_err(),
        StoreError::Parsing { reason, .. } if reason == "Unknown key for a START_ARRAY in [highlight]."
    ));
}

#[test]
fn wrappers_report_where_the_inner_failure_is() {
    let e = parse_bytes(r#"{"highlight":{"fields":{"message":{"nope":1}}}}"#).unwrap_err();
    assert_eq!(
        chain(&e),
        vec![
            "[1:36] [highlight] failed to parse field [fields]",
            "[1:36] [fields] failed to parse field [message]",
            "[1:36] [highlight_field] unknown field [nope]"
        ]
    );
}
