//! Tests of the search and count request parsers: body keys, URL parameters, validation.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::query::{MatchQuery, Operator};

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn body(v: Value) -> SearchRequest {
    parse_search_request(Some(&v), &[]).unwrap()
}

fn body_err(v: Value) -> StoreError {
    parse_search_request(Some(&v), &[]).unwrap_err()
}

fn url(pairs: &[(&str, &str)]) -> SearchRequest {
    parse_search_request(None, &p(pairs)).unwrap()
}

fn url_err(pairs: &[(&str, &str)]) -> StoreError {
    parse_search_request(None, &p(pairs)).unwrap_err()
}

fn reason(e: &StoreError) -> String {
    e.to_string()
}

fn field_sort(field: &str, order: SortOrder) -> SortSpec {
    SortSpec {
        by: SortBy::Field(field.into()),
        order,
        missing: Missing::Last,
        unmapped_type: None,
        mode: None,
        format: None,
    }
}

#[test]
fn defaults() {
    let r = parse_search_request(None, &[]).unwrap();
    assert_eq!(r, SearchRequest::default());
    assert_eq!(r.size, 10);
    assert_eq!(r.track_total_hits, TrackTotalHits::UpTo(10_000));
    assert_eq!(body(json!({})), SearchRequest::default());
}

#[test]
fn body_keys() {
    let r = body(json!({
        "query": {"term": {"a": "b"}},
        "post_filter": {"match_all": {}},
        "from": 5, "size": "20",
        "timeout": "2s", "terminate_after": 100, "min_score": 0.5,
        "version": true, "seq_no_primary_term": true, "track_scores": true,
        "explain": false, "profile": false,
        "aggs": {"by_host": {"terms": {"field": "host"}}},
        "highlight": {"fields": {"message": {}}},
        "fields": ["a", {"field": "ts", "format": "epoch_millis"}],
        "docvalue_fields": [{"field": "b"}],
        "stats": ["group"],
        "script_fields": {}, "runtime_mappings": {}
    }));
    assert!(matches!(r.query, Query::Term { .. }));
    assert_eq!(r.post_filter, Some(Query::MatchAll { boost: 1.0 }));
    assert_eq!((r.from, r.size), (5, 20));
    assert_eq!(r.timeout, Some(Duration::from_secs(2)));
    assert_eq!(r.terminate_after, Some(100));
    assert_eq!(r.min_score, Some(0.5));
    assert!(r.version && r.seq_no_primary_term && r.track_scores);
    assert_eq!(
        r.aggregations,
        Some(json!({"by_host": {"terms": {"field": "host"}}}))
    );
    let highlight = r.highlight.expect("highlight parsed");
    assert_eq!(highlight.fields[0].name, "message");
    assert_eq!(highlight.search_query.as_ref(), Some(&r.query));
    assert_eq!(
        r.fields,
        vec![
            FieldAndFormat {
                field: "a".into(),
                format: None
            },
            FieldAndFormat {
                field: "ts".into(),
                format: Some("epoch_millis".into())
            }
        ]
    );
    assert_eq!(r.docvalue_fields[0].field, "b");
    assert_eq!(
        body(json!({"aggregations": {"x": {"max": {"field": "f"}}}})).aggregations,
        Some(json!({"x": {"max": {"field": "f"}}}))
    );
    assert_eq!(body(json!({"terminate_after": 0})).terminate_after, None);
    assert_eq!(body(json!({"timeout": "-1"})).timeout, None);
}

#[test]
fn unknown_and_misplaced_keys() {
    assert_eq!(
        reason(&body_err(json!({"foo": {}}))),
        "Unknown key for a START_OBJECT in [foo]."
    );
    assert_eq!(
        reason(&body_err(json!({"foo": "x"}))),
        "Unknown key for a VALUE_STRING in [foo]."
    );
    assert_eq!(
        reason(&body_err(json!({"foo": [1]}))),
        "Unknown key for a START_ARRAY in [foo]."
    );
    assert_eq!(
        reason(&body_err(json!({"query": "x"}))),
        "Unknown key for a VALUE_STRING in [query]."
    );
    assert_eq!(
        reason(&body_err(json!({"size": {}}))),
        "Unknown key for a START_OBJECT in [size]."
    );
    assert!(matches!(
        body_err(json!({"foo": 1})),
        StoreError::Parsing { .. }
    ));
    assert_eq!(
        reason(&body_err(json!([1]))),
        "Expected [START_OBJECT] but found [START_ARRAY]"
    );
    assert_eq!(
        reason(&body_err(json!({"collapse": {"field": "a"}}))),
        "[collapse] is not supported"
    );
    assert_eq!(
        reason(&body_err(json!({"script_fields": {"x": {}}}))),
        "[script_fields] is not supported"
    );
    assert_eq!(
        reason(&body_err(json!({"explain": true}))),
        "[explain] is not supported"
    );
    let e = parse_search("/_search", SearchBody::Bytes(b"{\n \"qurey\": {}}"), &[]).unwrap_err();
    assert_eq!(
        e,
        StoreError::Parsing {
            reason: "Unknown key for a START_OBJECT in [qurey].".into(),
            line: Some(2),
            col: Some(11),
        }
    );
}

#[test]
fn paging_errors() {
    assert_eq!(
        body_err(json!({"size": -1})),
        StoreError::IllegalArgument("[size] parameter cannot be negative, found [-1]".into())
    );
    assert_eq!(
        body_err(json!({"from": -3})),
        StoreError::IllegalArgument("[from] parameter cannot be negative but was [-3]".into())
    );
    assert_eq!(
        body_err(json!({"terminate_after": -3})),
        StoreError::IllegalArgument("terminateAfter must be > 0".into())
    );
    assert_eq!(
        body_err(json!({"size": "ten"})),
        StoreError::NumberFormat("For input string: \"ten\"".into())
    );
    assert_eq!(
        url_err(&[("size", "-1")]),
        StoreError::IllegalArgument("[size] parameter cannot be negative, found [-1]".into())
    );
    assert_eq!(
        url_err(&[("size", "x")]),
        StoreError::IllegalArgument("Failed to parse int parameter [size] with value [x]".into())
    );
    assert!(matches!(
        body_err(json!({"timeout": "2"})),
        StoreError::IllegalArgument(m) if m.contains("failed to parse setting [timeout] with value [2] as a time value")
    ));
}

#[test]
fn sort_in_all_its_forms() {
    let score = SortSpec {
        by: SortBy::Score,
        order: SortOrder::Desc,
        ..field_sort("x", SortOrder::Asc)
    };
    assert_eq!(
        body(json!({"sort": "a"})).sort,
        vec![field_sort("a", SortOrder::Asc)]
    );
    assert_eq!(body(json!({"sort": "_score"})).sort, vec![score.clone()]);
    assert_eq!(
        body(json!({"sort": ["_score", {"a": "desc"}, {"b": {"order": "asc", "missing": "_first", "unmapped_type": "long", "mode": "max", "format": "epoch_millis", "numeric_type": "long"}}, "_doc"]})).sort,
        vec![
            score,
            field_sort("a", SortOrder::Desc),
            SortSpec {
                missing: Missing::First,
                unmapped_type: Some("long".into()),
                mode: Some(SortMode::Max),
                format: Some("epoch_millis".into()),
                ..field_sort("b", SortOrder::Asc)
            },
            SortSpec {
                by: SortBy::Doc,
                ..field_sort("x", SortOrder::Asc)
            },
        ]
    );
    assert_eq!(
        body(json!({"sort": {"_score": {"order": "asc"}}})).sort[0].order,
        SortOrder::Asc
    );
    assert_eq!(
        body(json!({"sort": {"a": {"missing": 0}}})).sort[0].missing,
        Missing::Value(Scalar::Long(0))
    );
    assert_eq!(
        body_err(json!({"sort": [1]})),
        StoreError::IllegalArgument(
            "malformed sort format, within the sort array, an object, or an actual string are allowed".into()
        )
    );
    assert_eq!(
        body_err(json!({"sort": {"a": "up"}})),
        StoreError::IllegalArgument("Unknown SortOrder [up]".into())
    );
    assert_eq!(
        body_err(json!({"sort": {"a": {"ordr": "asc"}}})),
        StoreError::XContentParse("[field_sort] unknown field [ordr] did you mean [order]?".into())
    );
    let e = body_err(json!({"sort": {"a": {"mode": "most"}}}));
    assert!(matches!(
        e,
        StoreError::FieldParse { reason, cause } if reason == "[field_sort] failed to parse field [mode]"
            && *cause == StoreError::IllegalArgument("Unknown SortMode [most]".into())
    ));
    assert_eq!(
        url(&[("sort", "a:desc,b,c:asc,d:sideways")]).sort,
        vec![
            field_sort("a", SortOrder::Desc),
            field_sort("b", SortOrder::Asc),
            field_sort("c", SortOrder::Asc)
        ]
    );
}

#[test]
fn source_in_all_its_forms() {
    assert_eq!(body(json!({"_source": false})).source, SourceFilter::None);
    assert_eq!(body(json!({"_source": true})).source, SourceFilter::All);
    let filter = |i: &[&str], e: &[&str]| SourceFilter::Filter {
        includes: i.iter().map(|s| s.to_string()).collect(),
        excludes: e.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(
        body(json!({"_source": "obj.*"})).source,
        filter(&["obj.*"], &[])
    );
    assert_eq!(
        body(json!({"_source": ["a", "b*"]})).source,
        filter(&["a", "b*"], &[])
    );
    assert_eq!(
        body(json!({"_source": {"includes": ["a"], "excludes": "b"}})).source,
        filter(&["a"], &["b"])
    );
    assert_eq!(
        body(json!({"_source": {"includes": []}})).source,
        SourceFilter::All
    );
    assert_eq!(
        reason(&body_err(json!({"_source": 1}))),
        "Expected one of [VALUE_BOOLEAN, START_OBJECT] but found [VALUE_NUMBER]"
    );
    assert_eq!(
        reason(&body_err(json!({"_source": {"include_fields": ["a"]}}))),
        "Unknown key for a START_ARRAY in [include_fields]."
    );
    // The URL wins over the body.
    let r = parse_search_request(
        Some(&json!({"_source": false})),
        &p(&[("_source_includes", "a")]),
    )
    .unwrap();
    assert_eq!(r.source, filter(&["a"], &[]));
    // stored_fields without _source returns no source; `_none_` neither.
    assert_eq!(
        body(json!({"stored_fields": ["*"]})).source,
        SourceFilter::None
    );
    assert_eq!(
        body(json!({"stored_fields": ["*"], "_source": true})).source,
        SourceFilter::All
    );
    assert_eq!(
        body(json!({"stored_fields": "_none_"})).source,
        SourceFilter::None
    );
    assert_eq!(
        body_err(json!({"stored_fields": "_none_", "_source": true})),
        StoreError::Validation(vec![
            "[stored_fields] cannot be disabled if [_source] is requested".into()
        ])
    );
    assert_eq!(
        body_err(json!({"stored_fields": ["_none_", "a"]})),
        StoreError::IllegalArgument("cannot combine _none_ with other fields".into())
    );
}

#[test]
fn total_hits_tracking() {
    assert_eq!(
        body(json!({"track_total_hits": true})).track_total_hits,
        TrackTotalHits::Exact
    );
    assert_eq!(
        body(json!({"track_total_hits": false})).track_total_hits,
        TrackTotalHits::Off
    );
    assert_eq!(
        body(json!({"track_total_hits": "true"})).track_total_hits,
        TrackTotalHits::Exact
    );
    assert_eq!(
        body(json!({"track_total_hits": 100})).track_total_hits,
        TrackTotalHits::UpTo(100)
    );
    assert_eq!(
        body(json!({"track_total_hits": -1})).track_total_hits,
        TrackTotalHits::Off
    );
    assert_eq!(
        body_err(json!({"track_total_hits": -2})),
        StoreError::IllegalArgument(
            "[track_total_hits] parameter must be positive or equals to -1, got -2".into()
        )
    );
    assert_eq!(
        url(&[("track_total_hits", "false")]).track_total_hits,
        TrackTotalHits::Off
    );
    assert_eq!(
        url(&[("track_total_hits", "5")]).track_total_hits,
        TrackTotalHits::UpTo(5)
    );
    // rest_total_hits_as_int needs an exact (or no) total.
    let parsed = parse_search(
        "/_search",
        SearchBody::None,
        &p(&[("rest_total_hits_as_int", "true")]),
    )
    .unwrap();
    assert!(parsed.params.rest_total_hits_as_int);
    assert_eq!(parsed.request.track_total_hits, TrackTotalHits::Exact);
    assert_eq!(
        url_err(&[("rest_total_hits_as_int", "true"), ("track_total_hits", "100")]),
        StoreError::IllegalArgument(
            "[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got 100".into()
        )
    );
    assert!(
        parse_search_request(
            None,
            &p(&[
                ("rest_total_hits_as_int", ""),
                ("track_total_hits", "false")
            ])
        )
        .is_ok()
    );
}

#[test]
fn search_after_and_pit() {
    let r = body(json!({"sort": ["ts"], "search_after": [1463538857, "tweet#654", null, true]}));
    assert_eq!(
        r.search_after,
        Some(vec![
            json!(1463538857),
            json!("tweet#654"),
            Value::Null,
            json!(true)
        ])
    );
    assert_eq!(
        reason(&body_err(json!({"search_after": [{"a": 1}]}))),
        "Expected [VALUE_STRING] or [VALUE_NUMBER] or [VALUE_BOOLEAN] or [VALUE_NULL] but found [START_OBJECT] inside search_after."
    );
    assert_eq!(
        body_err(json!({"search_after": [1], "from": 2})),
        StoreError::Validation(vec![
            "[from] parameter must be set to 0 when [search_after] is used".into()
        ])
    );
    let r = body(json!({"pit": {"id": "abc", "keep_alive": "1m"}}));
    assert_eq!(
        r.point_in_time,
        Some(PointInTime {
            id: "abc".into(),
            keep_alive: Some(Duration::from_secs(60)),
        })
    );
    assert_eq!(
        body_err(json!({"pit": {"keep_alive": "1m"}})),
        StoreError::IllegalArgument("Required [id]".into())
    );
    assert_eq!(
        body_err(json!({"pit": {"id": "a", "keepalive": "1m"}})),
        StoreError::XContentParse(
            "[pit] unknown field [keepalive] did you mean [keep_alive]?".into()
        )
    );
    assert_eq!(
        body_err(json!({"sort": ["_shard_doc"]})),
        StoreError::Validation(vec![
            "[_shard_doc] sort field cannot be used without [point in time]".into()
        ])
    );
    let r = body(json!({"pit": {"id": "a"}, "sort": [{"_shard_doc": "desc"}]}));
    assert_eq!(r.sort[0].by, SortBy::ShardDoc);
    assert_eq!(r.sort[0].order, SortOrder::Desc);
}

#[test]
fn the_q_parameter() {
    let r = url(&[("q", "title:fox"), ("default_operator", "AND")]);
    assert!(
        matches!(r.query, Query::Match(MatchQuery { ref field, operator: Operator::And, .. }) if field == "title")
    );
    let r = url(&[
        ("q", "fox"),
        ("df", "body"),
        ("lenient", "true"),
        ("analyzer", "standard"),
    ]);
    assert!(
        matches!(r.query, Query::Match(MatchQuery { ref field, lenient: true, ref analyzer, .. })
        if field == "body" && analyzer.as_deref() == Some("standard"))
    );
    // `q` replaces the body's query.
    let r = parse_search_request(
        Some(&json!({"query": {"match_none": {}}})),
        &p(&[("q", "*")]),
    )
    .unwrap();
    assert_eq!(r.query, Query::MatchAll { boost: 1.0 });
    assert_eq!(
        url_err(&[("df", "body"), ("lenient", "true")]),
        StoreError::IllegalArgument(
            "request [/_search] contains parameters [df, lenient] but query string parameter 'q' is absent".into()
        )
    );
    assert!(matches!(
        url_err(&[("q", "foo:")]),
        StoreError::QueryCreation { .. }
    ));
    assert_eq!(
        url_err(&[("q", "a"), ("default_operator", "maybe")]),
        StoreError::IllegalArgument(
            "No enum constant org.elasticsearch.index.query.Operator.MAYBE".into()
        )
    );
}

#[test]
fn url_flags_and_values() {
    let r = url(&[
        ("version", ""),
        ("seq_no_primary_term", "true"),
        ("track_scores", "true"),
        ("from", "3"),
        ("size", "0"),
        ("timeout", "1s"),
        ("terminate_after", "7"),
        ("docvalue_fields", "a,b"),
    ]);
    assert!(r.version && r.seq_no_primary_term && r.track_scores);
    assert_eq!((r.from, r.size), (3, 0));
    assert_eq!(r.timeout, Some(Duration::from_secs(1)));
    assert_eq!(r.terminate_after, Some(7));
    assert_eq!(r.docvalue_fields.len(), 2);
    assert_eq!(
        url_err(&[("version", "yes")]),
        StoreError::IllegalArgument(
            "Failed to parse value [yes] as only [true] or [false] are allowed.".into()
        )
    );
}

#[test]
fn rest_parameters() {
    let parsed = parse_search(
        "/logs/_search",
        SearchBody::None,
        &p(&[
            ("search_type", "dfs_query_then_fetch"),
            ("scroll", "1m"),
            ("routing", "r1"),
            ("preference", "_local"),
            ("ignore_unavailable", "true"),
            ("allow_no_indices", "false"),
            ("expand_wildcards", "open,hidden"),
            ("typed_keys", "true"),
            ("batched_reduce_size", "5"),
        ]),
    )
    .unwrap();
    let params = parsed.params;
    assert_eq!(params.search_type, SearchType::DfsQueryThenFetch);
    assert_eq!(params.scroll, Some(Duration::from_secs(60)));
    assert_eq!(params.routing.as_deref(), Some("r1"));
    assert_eq!(params.preference.as_deref(), Some("_local"));
    assert!(params.indices_options.ignore_unavailable);
    assert!(!params.indices_options.allow_no_indices);
    assert_eq!(
        params.indices_options.expand_wildcards,
        ExpandWildcards {
            open: true,
            closed: false,
            hidden: true
        }
    );
    assert!(params.typed_keys);
    assert_eq!(params.batched_reduce_size, Some(5));
    assert_eq!(
        url_err(&[("search_type", "scan")]),
        StoreError::IllegalArgument("No search type for [scan]".into())
    );
    assert_eq!(
        url_err(&[("expand_wildcards", "opened")]),
        StoreError::IllegalArgument("No valid expand wildcard value [opened]".into())
    );
    assert_eq!(
        url_err(&[("ignore_unavailable", "nope")]),
        StoreError::IllegalArgument("Could not convert [ignore_unavailable] to boolean".into())
    );
    assert!(SEARCH_PARAMETERS.contains(&"rest_total_hits_as_int"));
}

#[test]
fn scroll_validation() {
    let e = parse_search_request(
        Some(&json!({"from": 5, "size": 0, "track_total_hits": 100})),
        &p(&[("scroll", "1m"), ("request_cache", "true")]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        StoreError::Validation(vec![
            "disabling [track_total_hits] is not allowed in a scroll context".into(),
            "using [from] is not allowed in a scroll context".into(),
            "[size] cannot be [0] in a scroll context".into(),
            "[request_cache] cannot be used in a scroll context".into(),
        ])
    );
    assert_eq!(
        e.to_string(),
        "Validation Failed: 1: disabling [track_total_hits] is not allowed in a scroll context;2: using [from] is not allowed in a scroll context;3: [size] cannot be [0] in a scroll context;4: [request_cache] cannot be used in a scroll context;"
    );
}

#[test]
fn the_result_window() {
    let request = SearchRequest {
        from: 9_995,
        size: 14,
        ..SearchRequest::default()
    };
    assert!(check_result_window("logs", &request, 10_009, false).is_ok());
    let e = check_result_window("logs", &request, 10_000, false).unwrap_err();
    let body = e.to_exception().to_body(false);
    assert_eq!(body["status"], 400);
    assert_eq!(body["error"]["type"], "search_phase_execution_exception");
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "illegal_argument_exception"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "Result window is too large, from + size must be less than or equal to: [10000] but was [10009]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting."
    );
    assert_eq!(body["error"]["failed_shards"][0]["index"], "logs");
    let e = check_result_window(
        "logs",
        &SearchRequest {
            size: 20_000,
            ..SearchRequest::default()
        },
        10_000,
        true,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with(
        "Batch size is too large, size must be less than or equal to: [10000] but was [20000]."
    ));
}

#[test]
fn count_requests() {
    let c = parse_count(
        "/_count",
        SearchBody::Json(&json!({"query": {"term": {"a": "b"}}})),
        &[],
    )
    .unwrap();
    assert!(matches!(c.query, Query::Term { .. }));
    let c = parse_count(
        "/_count",
        SearchBody::None,
        &p(&[
            ("q", "a:b"),
            ("min_score", "1.5"),
            ("terminate_after", "10"),
        ]),
    )
    .unwrap();
    assert!(matches!(c.query, Query::Match(_)));
    assert_eq!(c.min_score, Some(1.5));
    assert_eq!(c.terminate_after, Some(10));
    let c = parse_count("/_count", SearchBody::Json(&json!({})), &[]).unwrap();
    assert_eq!(c.query, Query::MatchAll { boost: 1.0 });
    assert_eq!(
        parse_count("/_count", SearchBody::Json(&json!({"size": 1})), &[])
            .unwrap_err()
            .to_string(),
        "request does not support [size]"
    );
    assert_eq!(
        parse_count("/i/_count", SearchBody::Json(&json!({})), &p(&[("q", "x")])).unwrap_err(),
        StoreError::IllegalArgument(
            "request [/i/_count] contains unrecognized parameter: [q]".into()
        )
    );
    assert_eq!(
        parse_count("/_count", SearchBody::None, &p(&[("min_score", "high")])).unwrap_err(),
        StoreError::IllegalArgument(
            "Failed to parse float parameter [min_score] with value [high]".into()
        )
    );
}

#[test]
fn bodies_as_bytes() {
    let parsed = parse_search(
        "/_search",
        SearchBody::Bytes(br#"{"size": 3, "query": {"match_all": {}}}"#),
        &[],
    )
    .unwrap();
    assert_eq!(parsed.request.size, 3);
    assert_eq!(
        parse_search("/_search", SearchBody::Bytes(b""), &[])
            .unwrap()
            .request,
        SearchRequest::default()
    );
    assert_eq!(
        parse_search("/_search", SearchBody::Bytes(b"  "), &[])
            .unwrap_err()
            .to_string(),
        "Expected [START_OBJECT] but found [null]"
    );
    assert!(matches!(
        parse_search("/_search", SearchBody::Bytes(br#"{"size": 1, "size": 2}"#), &[]).unwrap_err(),
        StoreError::XContentParse(m) if m.contains("Duplicate field 'size'")
    ));
}

fn arbitrary_body() -> impl Strategy<Value = Value> {
    let keys = prop_oneof![
        Just("query".to_string()),
        Just("from".to_string()),
        Just("size".to_string()),
        Just("sort".to_string()),
        Just("_source".to_string()),
        Just("search_after".to_string()),
        Just("track_total_hits".to_string()),
        Just("fields".to_string()),
        Just("docvalue_fields".to_string()),
        Just("stored_fields".to_string()),
        Just("pit".to_string()),
        Just("timeout".to_string()),
        Just("match".to_string()),
        Just("order".to_string()),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[ -~]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((keys.clone(), inner), 0..4)
                .prop_map(|e| Value::Object(e.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bodies_and_params_never_panic(
        v in arbitrary_body(),
        params in proptest::collection::vec(
            (prop_oneof![
                Just("q".to_string()), Just("size".to_string()), Just("from".to_string()),
                Just("sort".to_string()), Just("_source".to_string()), Just("track_total_hits".to_string()),
                Just("scroll".to_string()), Just("rest_total_hits_as_int".to_string()),
                Just("expand_wildcards".to_string()), "[a-z_]{1,6}"
            ], "[ -~]{0,8}"),
            0..4,
        ),
    ) {
        let _ = parse_search_request(Some(&v), &params);
        let _ = parse_search("/_search", SearchBody::Bytes(v.to_string().as_bytes()), &params);
        let _ = parse_count("/_count", SearchBody::Json(&v), &params);
    }
}
