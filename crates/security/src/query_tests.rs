use serde_json::{Value, json};

use super::*;
use ironstack_types::date::Timestamp;

fn users() -> Vec<Value> {
    vec![
        json!({"username": "jack", "roles": ["admin", "viewer"], "enabled": true, "full_name": "Jack Nicholson", "email": "jack@example.com"}),
        json!({"username": "jill", "roles": ["viewer"], "enabled": false, "full_name": "Jill Valentine", "email": null}),
        json!({"username": "bob", "roles": [], "enabled": true, "full_name": null, "email": "bob@corp.org"}),
    ]
}

fn run(
    schema: &Schema,
    body: Value,
    docs: &[Value],
) -> (usize, Vec<String>, Vec<Option<Vec<Value>>>) {
    let req = parse_request(schema, Some(&body)).unwrap();
    let r = execute(schema, &req, docs);
    let names = r
        .hits
        .iter()
        .map(|(i, _)| docs[*i][schema.id_path].as_str().unwrap().to_string())
        .collect();
    (r.total, names, r.hits.into_iter().map(|(_, s)| s).collect())
}

#[test]
fn leaf_queries_match_like_elasticsearch() {
    let docs = users();
    let s = &USER_SCHEMA;
    assert_eq!(run(s, json!({}), &docs).1, vec!["bob", "jack", "jill"]);
    assert_eq!(
        run(s, json!({"query": {"term": {"roles": "viewer"}}}), &docs).1,
        vec!["jack", "jill"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"terms": {"username": ["bob", "jill"]}}}),
            &docs
        )
        .1,
        vec!["bob", "jill"]
    );
    assert_eq!(
        run(s, json!({"query": {"term": {"enabled": false}}}), &docs).1,
        vec!["jill"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"term": {"enabled": {"value": "true"}}}}),
            &docs
        )
        .1,
        vec!["bob", "jack"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"match": {"full_name": "valentine nobody"}}}),
            &docs
        )
        .1,
        vec!["jill"]
    );
    assert!(run(s, json!({"query": {"match": {"full_name": {"query": "valentine nobody", "operator": "and"}}}}), &docs).1.is_empty());
    assert_eq!(
        run(s, json!({"query": {"prefix": {"username": "ja"}}}), &docs).1,
        vec!["jack"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"prefix": {"username": {"value": "JA", "case_insensitive": true}}}}),
            &docs
        )
        .1,
        vec!["jack"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"wildcard": {"username": "j?l*"}}}),
            &docs
        )
        .1,
        vec!["jill"]
    );
    assert_eq!(
        run(s, json!({"query": {"exists": {"field": "email"}}}), &docs).1,
        vec!["bob", "jack"]
    );
    assert_eq!(
        run(s, json!({"query": {"ids": {"values": ["bob"]}}}), &docs).1,
        vec!["bob"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"range": {"username": {"gt": "bob", "lte": "jack"}}}}),
            &docs
        )
        .1,
        vec!["jack"]
    );
    assert_eq!(run(s, json!({"query": {"match_all": {}}}), &docs).0, 3);
}

#[test]
fn bool_queries_combine_clauses() {
    let docs = users();
    let s = &USER_SCHEMA;
    let q = json!({"query": {"bool": {
        "must": [{"term": {"enabled": true}}],
        "must_not": {"term": {"username": "bob"}}
    }}});
    assert_eq!(run(s, q, &docs).1, vec!["jack"]);
    let q = json!({"query": {"bool": {"should": [{"term": {"username": "bob"}}, {"term": {"roles": "admin"}}]}}});
    assert_eq!(run(s, q, &docs).1, vec!["bob", "jack"]);
    let q = json!({"query": {"bool": {"should": [{"term": {"username": "jack"}}, {"term": {"roles": "admin"}}, {"term": {"enabled": true}}], "minimum_should_match": 2}}});
    assert_eq!(run(s, q, &docs).1, vec!["jack"]);
    let q = json!({"query": {"bool": {"filter": [{"term": {"enabled": true}}], "should": [{"term": {"username": "nope"}}]}}});
    // With a filter, should clauses are optional.
    assert_eq!(run(s, q, &docs).1, vec!["bob", "jack"]);
    let q =
        json!({"query": {"simple_query_string": {"query": "jack* -jill", "fields": ["username"]}}});
    assert_eq!(run(s, q, &docs).1, vec!["jack"]);
    let q = json!({"query": {"simple_query_string": {"query": "nicholson"}}});
    assert_eq!(run(s, q, &docs).1, vec!["jack"]);
}

#[test]
fn sort_paging_and_search_after() {
    let docs = users();
    let s = &USER_SCHEMA;
    let (total, names, sorts) = run(
        s,
        json!({"sort": [{"username": {"order": "desc"}}], "size": 2}),
        &docs,
    );
    assert_eq!(total, 3);
    assert_eq!(names, vec!["jill", "jack"]);
    assert_eq!(sorts[0], Some(vec![json!("jill")]));
    let (total, names, _) = run(
        s,
        json!({"sort": ["username"], "from": 1, "size": 1}),
        &docs,
    );
    assert_eq!((total, names), (3, vec!["jack".to_string()]));
    let (total, names, _) = run(
        s,
        json!({"sort": ["username"], "search_after": ["bob"]}),
        &docs,
    );
    assert_eq!(
        (total, names),
        (3, vec!["jack".to_string(), "jill".to_string()])
    );
    let (_, names, _) = run(s, json!({"sort": [{"enabled": "desc"}, "username"]}), &docs);
    assert_eq!(names, vec!["bob", "jack", "jill"]);
}

#[test]
fn bad_requests_get_elasticsearch_errors() {
    let s = &USER_SCHEMA;
    let err = |b: Value| parse_request(s, Some(&b)).unwrap_err();
    let e = err(json!({"query": {"term": {"metadata.x": "y"}}}));
    assert_eq!(
        (e.error_type, e.reason.as_str()),
        (
            EsErrorType::IllegalArgument,
            "Field [metadata.x] is not allowed for querying"
        )
    );
    let e = err(json!({"query": {"fuzzy": {"username": "x"}}}));
    assert_eq!(
        e.reason,
        "Query type [fuzzy] is not currently supported in this context"
    );
    let e = err(json!({"query": {"nonsense": {}}}));
    assert_eq!(e.error_type, EsErrorType::Parsing);
    let e = err(json!({"bogus": 1}));
    assert_eq!(
        (e.error_type, e.reason.as_str()),
        (
            EsErrorType::XContentParse,
            "[query_user_request] unknown field [bogus]"
        )
    );
    let e = err(json!({"from": -1}));
    assert_eq!(e.error_type, EsErrorType::ActionRequestValidation);
    let e = err(json!({"from": 9999, "size": 2}));
    assert!(e.reason.starts_with("Result window is too large"));
    let e = err(json!({"sort": ["full_name"]}));
    assert!(e.reason.contains("sorting is not supported"));
    let e = err(json!({"search_after": ["a"]}));
    assert_eq!(e.error_type, EsErrorType::IllegalArgument);
    let e = err(json!({"query": {"term": {"enabled": "maybe"}}}));
    assert_eq!(e.error_type, EsErrorType::IllegalArgument);
    let e = err(json!({"query": {"term": {"username": "a", "roles": "b"}}}));
    assert_eq!(e.error_type, EsErrorType::Parsing);
    let e = parse_request(
        &ROLE_SCHEMA,
        Some(&json!({"query": {"term": {"cluster": "all"}}})),
    )
    .unwrap_err();
    assert_eq!(
        e.reason,
        "Field [cluster] is not allowed for querying or aggregation"
    );
}

#[test]
fn roles_and_api_keys_query_nested_metadata_and_dates() {
    let roles = vec![
        json!({"name": "r1", "description": "Reads logs", "applications": [{"application": "kibana-.kibana", "privileges": ["read"], "resources": ["*"]}], "metadata": {"team": "ops", "level": 2}}),
        json!({"name": "r2", "applications": [], "metadata": {}}),
    ];
    let s = &ROLE_SCHEMA;
    assert_eq!(
        run(
            s,
            json!({"query": {"term": {"applications.application": "kibana-.kibana"}}}),
            &roles
        )
        .1,
        vec!["r1"]
    );
    assert_eq!(
        run(s, json!({"query": {"term": {"metadata.level": 2}}}), &roles).1,
        vec!["r1"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"match": {"description": "logs"}}}),
            &roles
        )
        .1,
        vec!["r1"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"bool": {"must_not": {"exists": {"field": "metadata.team"}}}}}),
            &roles
        )
        .1,
        vec!["r2"]
    );

    let now = now_ms();
    let keys = vec![
        json!({"id": "k1", "name": "old", "creation": now - 3 * 86_400_000, "invalidated": false, "username": "joe", "realm": "native1"}),
        json!({"id": "k2", "name": "new", "creation": now - 1000, "expiration": now + 86_400_000, "invalidated": true, "username": "joe", "realm": "native1"}),
    ];
    let s = &API_KEY_SCHEMA;
    assert_eq!(
        run(
            s,
            json!({"query": {"range": {"creation": {"gte": "now-1d"}}}}),
            &keys
        )
        .1,
        vec!["k2"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"term": {"realm_name": "native1"}}}),
            &keys
        )
        .0,
        2
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"exists": {"field": "expiration"}}}),
            &keys
        )
        .1,
        vec!["k2"]
    );
    let (_, names, sorts) = run(s, json!({"sort": [{"creation": "desc"}]}), &keys);
    assert_eq!(names, vec!["k2", "k1"]);
    assert_eq!(sorts[0], Some(vec![json!(now - 1000)]));
}

/// 2024-05-15T10:20:30.456Z.
const NOW_MS: i64 = 1_715_768_430_456;

fn at_now() -> Timestamp {
    Timestamp::from_millisecond(NOW_MS).unwrap()
}

fn ms(iso: &str) -> i64 {
    iso.parse::<Timestamp>().unwrap().as_millisecond()
}

fn keys_created_at(creations: &[(&str, i64)]) -> Vec<Value> {
    creations
        .iter()
        .map(|(id, c)| json!({"id": id, "name": id, "creation": c, "invalidated": false, "username": "joe", "realm": "native1"}))
        .collect()
}

fn ids(body: Value, docs: &[Value]) -> Result<Vec<String>, RoleError> {
    let req = parse_request_at(&API_KEY_SCHEMA, Some(&body), at_now())?;
    let r = execute(&API_KEY_SCHEMA, &req, docs);
    Ok(r.hits
        .iter()
        .map(|(i, _)| docs[*i]["id"].as_str().unwrap_or_default().to_string())
        .collect())
}

#[test]
fn date_ranges_round_as_elasticsearch() {
    let docs = keys_created_at(&[
        ("before", ms("2024-01-30T23:59:59.999Z")),
        ("start", ms("2024-01-31T00:00:00Z")),
        ("noon", ms("2024-01-31T12:00:00Z")),
        ("end", ms("2024-01-31T23:59:59.999Z")),
        ("after", ms("2024-02-01T00:00:00Z")),
    ]);
    let range =
        |bounds: Value| ids(json!({"query": {"range": {"creation": bounds}}}), &docs).unwrap();
    // gt and lte round up to the end of the date they name; gte and lt use its start.
    assert_eq!(range(json!({"gt": "2024-01-31"})), vec!["after"]);
    assert_eq!(
        range(json!({"gte": "2024-01-31"})),
        vec!["start", "noon", "end", "after"]
    );
    assert_eq!(range(json!({"lt": "2024-01-31"})), vec!["before"]);
    assert_eq!(
        range(json!({"lte": "2024-01-31"})),
        vec!["before", "start", "noon", "end"]
    );
    assert_eq!(
        range(json!({"gte": "2024-01-31||/d", "lte": "2024-01-31||/d"})),
        vec!["start", "noon", "end"]
    );
    // The last bound given wins, as in Elasticsearch's parser.
    assert_eq!(
        range(json!({"gte": "2024-02-01", "gt": "2024-01-30"})),
        vec!["start", "noon", "end", "after"]
    );
    assert_eq!(
        range(json!({"from": "2024-01-31T12:00:00Z", "include_lower": false, "to": null})),
        vec!["end", "after"]
    );
    // Numbers are tried as dates first: four digits are a year.
    assert_eq!(range(json!({"lt": 2024})).len(), 0);
    assert_eq!(
        range(json!({"lt": ms("2024-01-31T00:00:00Z")})),
        vec!["before"]
    );
    // A zone applies to dates without one, and to rounding.
    assert_eq!(
        range(json!({"gt": "2024-01-31T13:00:00", "time_zone": "+01:00"})),
        vec!["end", "after"]
    );
    assert_eq!(
        range(json!({"gte": "1706702400", "format": "epoch_second"})),
        vec!["noon", "end", "after"]
    );
    // `now` is the request's time.
    assert_eq!(range(json!({"gte": "now-104d/d"})), vec!["after"]);
}

#[test]
fn terms_on_dates_cover_the_whole_date() {
    let docs = keys_created_at(&[
        ("start", ms("2024-01-31T00:00:00Z")),
        ("end", ms("2024-01-31T23:59:59.999Z")),
        ("after", ms("2024-02-01T00:00:00Z")),
    ]);
    assert_eq!(
        ids(
            json!({"query": {"term": {"creation": "2024-01-31"}}}),
            &docs
        )
        .unwrap(),
        vec!["start", "end"]
    );
    assert_eq!(
        ids(
            json!({"query": {"terms": {"creation": ["2024-02-01", "2024-01-31T00:00:00Z"]}}}),
            &docs
        )
        .unwrap(),
        vec!["start", "after"]
    );
    assert_eq!(
        ids(
            json!({"query": {"match": {"creation": ms("2024-01-31T23:59:59.999Z")}}}),
            &docs
        )
        .unwrap(),
        vec!["end"]
    );
}

#[test]
fn bad_dates_are_parse_exceptions_not_panics() {
    let docs = keys_created_at(&[("k", NOW_MS)]);
    let err =
        |v: Value| ids(json!({"query": {"range": {"creation": {"gte": v}}}}), &docs).unwrap_err();
    // Used to panic slicing inside the multi-byte `é`.
    let e = err(json!("nowé"));
    assert_eq!(
        (e.error_type, e.reason.as_str()),
        (
            EsErrorType::Parse,
            "operator not supported for date math [é]"
        )
    );
    assert_eq!(e.to_exception().status, 400);
    assert_eq!(
        err(json!("now-1dé")).reason,
        "operator not supported for date math [-1dé]"
    );
    assert_eq!(
        err(json!("now+1é")).reason,
        "unit [é] not supported for date math [+1é]"
    );
    assert_eq!(
        err(json!("now+999999999999y")).reason,
        "For input string: \"999999999999\""
    );
    assert!(err(json!("now+9999y")).reason.contains("supported range"));
    assert!(
        err(json!("now-2147483647M"))
            .reason
            .contains("supported range")
    );
    assert_eq!(
        err(json!("99999-01-01")).reason,
        "failed to parse date field [99999-01-01] with format [strict_date_optional_time||epoch_millis]: [failed to parse date field [99999-01-01] with format [strict_date_optional_time||epoch_millis]]"
    );
    assert!(
        err(json!("99999999999999999999"))
            .reason
            .starts_with("failed to parse date field")
    );
    assert_eq!(err(json!("")).reason, "cannot parse empty datetime");
    assert_eq!(err(json!({"a": 1})).error_type, EsErrorType::Parsing);
    let e = ids(json!({"query": {"term": {"expiration": "nowé"}}}), &docs).unwrap_err();
    assert_eq!(e.error_type, EsErrorType::Parse);
    let e = ids(
        json!({"query": {"range": {"creation": {"gte": "now", "time_zone": "Mars/Base"}}}}),
        &docs,
    )
    .unwrap_err();
    assert_eq!(
        (e.error_type, e.reason.as_str()),
        (
            EsErrorType::IllegalArgument,
            "Unknown time-zone ID: Mars/Base"
        )
    );
    let e = ids(
        json!({"query": {"range": {"name": {"gte": "a", "time_zone": "UTC"}}}}),
        &docs,
    )
    .unwrap_err();
    assert_eq!(
        e.reason,
        "[range] time_zone can not be applied to non date field [name]"
    );
    // A lenient simple_query_string skips what is not a date.
    assert_eq!(
        ids(json!({"query": {"simple_query_string": {"query": "nowé k", "fields": ["creation", "id"]}}}), &docs).unwrap(),
        vec!["k"]
    );
}

#[test]
fn search_after_values_take_the_sort_fields_form() {
    let docs = keys_created_at(&[
        ("a", ms("2024-01-01T00:00:00Z")),
        ("b", ms("2024-02-01T00:00:00Z")),
        ("c", ms("2024-03-01T00:00:00Z")),
    ]);
    let page = |after: Value| {
        ids(
            json!({"sort": ["creation", "id"], "search_after": after}),
            &docs,
        )
    };
    assert_eq!(
        page(json!(["2024-02-01T00:00:00Z", "b"])).unwrap(),
        vec!["c"]
    );
    assert_eq!(
        page(json!([ms("2024-01-01T00:00:00Z"), "a"])).unwrap(),
        vec!["b", "c"]
    );
    assert_eq!(page(json!(["2024-01-15", 1])).unwrap(), vec!["b", "c"]);
    let e = page(json!(["nowé", "a"])).unwrap_err();
    assert_eq!(e.error_type, EsErrorType::Parse);
    let e = page(json!([true, "a"])).unwrap_err();
    assert_eq!(
        e.reason,
        "Failed to parse search_after value for field [creation]."
    );
    let e = page(json!([{"x": 1}, "a"])).unwrap_err();
    assert_eq!(e.error_type, EsErrorType::IllegalArgument);
}

#[test]
fn numbers_at_the_limits_are_refused_not_overflowed() {
    let s = &USER_SCHEMA;
    let err = |b: Value| parse_request(s, Some(&b)).unwrap_err();
    let e = err(json!({"from": 2147483647, "size": 2147483647}));
    assert!(e.reason.contains("but was [4294967294]"), "{}", e.reason);
    let e = err(json!({"from": i64::MAX, "size": 1}));
    assert_eq!(
        (e.error_type, e.reason.as_str()),
        (
            EsErrorType::XContentParse,
            "[from] failed to parse field [from]"
        )
    );
    let e = err(json!({"size": u64::MAX}));
    assert_eq!(e.error_type, EsErrorType::XContentParse);
    for msm in [
        json!("-9223372036854775808%"),
        json!(i64::MIN),
        json!("9223372036854775807%"),
        json!(i64::MAX),
    ] {
        let body = json!({"query": {"bool": {"should": [{"match_all": {}}], "minimum_should_match": msm}}});
        let req = parse_request(s, Some(&body)).unwrap();
        let _ = execute(s, &req, &users());
    }
}

#[test]
fn wildcards_use_lucene_syntax() {
    let docs = users();
    let s = &USER_SCHEMA;
    assert_eq!(
        run(
            s,
            json!({"query": {"wildcard": {"username": "j?c*"}}}),
            &docs
        )
        .1,
        vec!["jack"]
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"wildcard": {"username": {"value": "J*", "case_insensitive": true}}}}),
            &docs
        )
        .1,
        vec!["jack", "jill"]
    );
    assert!(
        run(
            s,
            json!({"query": {"wildcard": {"username": "j\\*"}}}),
            &docs
        )
        .1
        .is_empty()
    );
    assert_eq!(
        run(
            s,
            json!({"query": {"simple_query_string": {"query": "jill", "fields": ["user*"]}}}),
            &docs
        )
        .1,
        vec!["jill"]
    );
}

#[test]
fn keyword_ranges_compare_text() {
    let docs = users();
    let s = &USER_SCHEMA;
    assert_eq!(
        run(
            s,
            json!({"query": {"range": {"username": {"gte": "bob", "lt": "jill"}}}}),
            &docs
        )
        .1,
        vec!["bob", "jack"]
    );
    // A numeric bound compares as its text, as on an Elasticsearch keyword field.
    assert_eq!(
        run(
            s,
            json!({"query": {"range": {"username": {"gt": 9}}}}),
            &docs
        )
        .1,
        vec!["bob", "jack", "jill"]
    );
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "query",
        "bool",
        "must",
        "should",
        "filter",
        "must_not",
        "term",
        "terms",
        "match",
        "prefix",
        "wildcard",
        "exists",
        "range",
        "ids",
        "simple_query_string",
        "match_all",
        "gt",
        "gte",
        "lt",
        "lte",
        "from",
        "to",
        "format",
        "time_zone",
        "value",
        "values",
        "case_insensitive",
        "field",
        "fields",
        "operator",
        "minimum_should_match",
        "sort",
        "search_after",
        "size",
        "order",
        "include_lower",
        "include_upper",
        "username",
        "roles",
        "enabled",
        "full_name",
        "email",
        "creation",
        "expiration",
        "invalidation",
        "invalidated",
        "name",
        "id",
        "type",
        "realm_name",
        "description",
        "metadata.x",
        "metadata",
        "_doc",
        "applications.application",
        "now",
        "nowé",
        "now-1d/d",
        "now+999999999999y",
        "now/w",
        "2024-01-31",
        "2024-01-31T10:00:00+01:00",
        "99999-01-01",
        "-0001",
        "1700000000000",
        "*",
        "?",
        "j*",
        "\\",
        "-1",
        "true",
        "false",
        "and",
        "or",
        "desc",
        "asc",
        "75%",
        "-1",
        "Europe/Paris",
        "+01:00",
        "epoch_second",
        "strict_date_optional_time||epoch_millis",
        "",
        "%",
        "é",
        "日本",
    ];

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(WORDS).prop_map(str::to_string),
            1 => ".{0,8}",
        ]
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            prop::sample::select(vec![
                0i64,
                1,
                -1,
                2024,
                2_147_483_647,
                2_147_483_648,
                i64::MIN,
                i64::MAX
            ])
            .prop_map(Value::from),
            word().prop_map(Value::from),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(5, 48, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((word(), inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// Documents with the fields the schemas know, holding anything.
    fn docs() -> impl Strategy<Value = Vec<Value>> {
        let doc = prop::collection::vec(
            (
                prop::sample::select(vec![
                    "username",
                    "roles",
                    "enabled",
                    "full_name",
                    "email",
                    "creation",
                    "expiration",
                    "invalidated",
                    "name",
                    "id",
                    "realm",
                    "metadata",
                    "description",
                    "applications",
                ]),
                value(),
            ),
            0..6,
        )
        .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
        prop::collection::vec(doc, 0..6)
    }

    fn run_all(body: &Value, docs: &[Value]) {
        for schema in [&USER_SCHEMA, &ROLE_SCHEMA, &API_KEY_SCHEMA] {
            for now in [at_now(), Timestamp::MAX, Timestamp::MIN] {
                if let Ok(req) = parse_request_at(schema, Some(body), now) {
                    let result = execute(schema, &req, docs);
                    assert!(result.hits.len() <= req.size);
                    assert!(result.total <= docs.len());
                }
            }
            let _ = parse_query(schema, body);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bodies_never_panic(body in value(), docs in docs()) {
            run_all(&body, &docs);
        }

        #[test]
        fn arbitrary_queries_never_panic(query in value(), sort in value(), after in value(), size in leaf(), docs in docs()) {
            run_all(&json!({"query": query}), &docs);
            run_all(&json!({"query": query, "sort": sort, "search_after": after, "size": size}), &docs);
            run_all(&json!({"sort": sort, "search_after": after}), &docs);
        }

        #[test]
        fn date_queries_never_panic(
            bound in prop_oneof![".{0,16}".prop_map(Value::from), "now[-+/0-9yMwdhHmsé]{0,10}".prop_map(Value::from), leaf()],
            key in prop::sample::select(vec!["gt", "gte", "lt", "lte", "from", "to"]),
            field in prop::sample::select(vec!["creation", "expiration", "invalidation"]),
            tz in prop::sample::select(vec![None, Some("UTC"), Some("-18:00"), Some("Pacific/Kiritimati")]),
            docs in docs(),
        ) {
            let mut range = json!({ key: bound.clone() });
            if let Some(tz) = tz {
                range["time_zone"] = json!(tz);
            }
            run_all(&json!({"query": {"range": {field: range}}}), &docs);
            run_all(&json!({"query": {"term": {field: bound.clone()}}}), &docs);
            run_all(&json!({"sort": [field], "search_after": [bound]}), &docs);
        }

        #[test]
        fn comparison_is_a_total_order(a in value(), b in value(), c in value()) {
            prop_assert_eq!(compare_values(&a, &b), compare_values(&b, &a).reverse());
            if compare_values(&a, &b) != Ordering::Greater && compare_values(&b, &c) != Ordering::Greater {
                prop_assert_ne!(compare_values(&a, &c), Ordering::Greater);
            }
        }
    }
}
