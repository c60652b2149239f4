use serde_json::{Value, json};

use super::*;

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

#[test]
fn dates_parse_as_elasticsearch_formats() {
    assert_eq!(parse_date(&json!("1970-01-02"), 0), Some(86_400_000));
    assert_eq!(
        parse_date(&json!("2024-03-01T00:00:00Z"), 0),
        Some(1_709_251_200_000)
    );
    assert_eq!(
        parse_date(&json!("2024-03-01T01:00:00.5+01:00"), 0),
        Some(1_709_251_200_500)
    );
    assert_eq!(parse_date(&json!("now-1h"), 7_200_000), Some(3_600_000));
    assert_eq!(
        parse_date(&json!("now/d"), 86_400_000 + 5),
        Some(86_400_000)
    );
    assert_eq!(parse_date(&json!(12), 0), Some(12));
    assert_eq!(parse_date(&json!("garbage"), 0), None);
}
