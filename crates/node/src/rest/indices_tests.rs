use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::test_support::{Fixture, PASSWORD, basic, call, call_json};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

async fn ok(f: &Fixture, method: &str, uri: &str, body: Value) -> Value {
    let (status, body) = call_json(f, method, uri, &elastic(), body).await;
    assert!(status.is_success(), "{method} {uri}: {status} {body}");
    body
}

/// An index template put straight into the store (the template API has its own tests).
fn template(f: &Fixture, name: &str, body: Value) {
    let store = f.state.store.as_ref().unwrap();
    store.put_index_template(name, &body, false).unwrap();
}

async fn error(f: &Fixture, method: &str, uri: &str, body: Value) -> (StatusCode, Value) {
    let (status, body) = call_json(f, method, uri, &elastic(), body).await;
    assert!(!status.is_success(), "{method} {uri}: {status} {body}");
    (status, body["error"].clone())
}

#[tokio::test]
async fn create_index_answers_as_elasticsearch_with_its_errors() {
    let f = Fixture::builder().build();
    let r = call(
        &f,
        "PUT",
        "/logs-1",
        Some(&elastic()),
        json!({"settings": {"number_of_replicas": 0},
               "mappings": {"properties": {"msg": {"type": "text"}}},
               "aliases": {"logs": {}}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"acknowledged": true, "shards_acknowledged": true, "index": "logs-1"})
    );
    assert_eq!(r.header("warning"), "");

    let (status, e) = error(&f, "PUT", "/logs-1", Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["type"], "resource_already_exists_exception");
    assert!(
        e["reason"].as_str().unwrap().starts_with("index [logs-1/"),
        "{e}"
    );
    let (status, e) = error(&f, "PUT", "/Upper", Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["type"], "invalid_index_name_exception");
    assert_eq!(e["reason"], "Invalid index name [Upper], must be lowercase");
    let (_, e) = error(&f, "PUT", "/logs", Value::Null).await;
    assert_eq!(
        e["reason"],
        "Invalid index name [logs], already exists as alias"
    );
    let (_, e) = error(&f, "PUT", "/bad", json!({"settings": {"index.foo": 1}})).await;
    assert_eq!(e["type"], "illegal_argument_exception");
    let (_, e) = error(&f, "PUT", "/w?wait_for_active_shards=some", Value::Null).await;
    assert_eq!(e["reason"], "cannot parse ActiveShardCount[some]");

    // A visible index whose name starts with a dot: created, with the deprecation warning.
    let r = call(&f, "PUT", "/.dotted", Some(&elastic()), Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    let warning = r.header("warning");
    assert!(
        warning.starts_with("299 Elasticsearch-9.1.0-")
            && warning.ends_with(
                "\"index name [.dotted] starts with a dot '.', in the next major version, index names starting with a dot are reserved for hidden indices and system indices\""
            ),
        "{warning}"
    );
    // One replica wanted, none can be assigned on one node: `all` is not acknowledged.
    let body = ok(&f, "PUT", "/two?wait_for_active_shards=all", Value::Null).await;
    assert_eq!(body["shards_acknowledged"], false);
}

#[tokio::test]
async fn get_and_head_index_show_aliases_mappings_settings_and_data_streams() {
    let f = Fixture::builder().build();
    ok(
        &f,
        "PUT",
        "/books",
        json!({"mappings": {"properties": {"title": {"type": "keyword"}}},
               "aliases": {"library": {"is_write_index": true}}}),
    )
    .await;
    let body = ok(&f, "GET", "/books", Value::Null).await;
    let books = &body["books"];
    assert_eq!(
        books["aliases"],
        json!({"library": {"is_write_index": true}})
    );
    assert_eq!(
        books["mappings"],
        json!({"properties": {"title": {"type": "keyword"}}})
    );
    let index = &books["settings"]["index"];
    assert_eq!(index["number_of_shards"], "1");
    assert_eq!(index["number_of_replicas"], "1");
    assert_eq!(index["provided_name"], "books");
    assert!(index["uuid"].is_string() && index["creation_date"].is_string());
    let keys: Vec<&String> = books.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["aliases", "mappings", "settings"]);

    let body = ok(
        &f,
        "GET",
        "/library?flat_settings=true&features=settings&include_defaults=true",
        Value::Null,
    )
    .await;
    let books = &body["books"];
    assert_eq!(books["aliases"], json!({}));
    assert_eq!(books["mappings"], json!({}));
    assert_eq!(books["settings"]["index.number_of_shards"], "1");
    assert_eq!(books["defaults"]["index.refresh_interval"], "1s");
    let (_, e) = error(&f, "GET", "/books?features=nope,settings", Value::Null).await;
    assert_eq!(e["reason"], "Invalid features specified [nope]");
    let body = ok(&f, "GET", "/books?human", Value::Null).await;
    assert!(body["books"]["settings"]["index"]["creation_date_string"].is_string());

    let r = call(&f, "HEAD", "/books", Some(&elastic()), Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.is_empty());
    let r = call(&f, "HEAD", "/nothing", Some(&elastic()), Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(&f, "HEAD", "/nothing*", Some(&elastic()), Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (status, e) = error(&f, "GET", "/nothing", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(e["type"], "index_not_found_exception");
    assert_eq!(ok(&f, "GET", "/nothing*", Value::Null).await, json!({}));

    // A data stream's backing index names its stream.
    template(
        &f,
        "logs",
        json!({"index_patterns": ["logs-*"], "data_stream": {}}),
    );
    ok(
        &f,
        "POST",
        "/logs-app/_doc",
        json!({"@timestamp": "2024-01-01T00:00:00Z"}),
    )
    .await;
    let body = ok(&f, "GET", "/logs-app", Value::Null).await;
    let (backing, entry) = body.as_object().unwrap().iter().next().unwrap();
    assert!(backing.starts_with(".ds-logs-app-"), "{backing}");
    assert_eq!(entry["data_stream"], "logs-app");
    assert_eq!(entry["settings"]["index"]["hidden"], "true");
}

#[tokio::test]
async fn delete_index_refuses_wildcards_aliases_and_write_indices() {
    let f = Fixture::builder().build();
    ok(&f, "PUT", "/gone", json!({"aliases": {"gone-alias": {}}})).await;
    let (status, e) = error(&f, "DELETE", "/gon*", Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["reason"],
        "Wildcard expressions or all indices are not allowed"
    );
    let (_, e) = error(&f, "DELETE", "/_all", Value::Null).await;
    assert_eq!(
        e["reason"],
        "Wildcard expressions or all indices are not allowed"
    );
    let (_, e) = error(&f, "DELETE", "/gone-alias", Value::Null).await;
    assert_eq!(
        e["reason"],
        "The provided expression [gone-alias] matches an alias, specify the corresponding concrete indices instead."
    );
    let (status, e) = error(&f, "DELETE", "/missing", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(e["type"], "index_not_found_exception");
    assert_eq!(
        ok(
            &f,
            "DELETE",
            "/missing?ignore_unavailable=true",
            Value::Null
        )
        .await,
        json!({"acknowledged": true})
    );
    assert_eq!(
        ok(&f, "DELETE", "/gone", Value::Null).await,
        json!({"acknowledged": true})
    );
    assert_eq!(
        call(&f, "HEAD", "/gone", Some(&elastic()), Value::Null)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    template(
        &f,
        "ds",
        json!({"index_patterns": ["ds-*"], "data_stream": {}}),
    );
    ok(
        &f,
        "POST",
        "/ds-one/_doc",
        json!({"@timestamp": "2024-01-01T00:00:00Z"}),
    )
    .await;
    let (_, e) = error(&f, "DELETE", "/ds-one", Value::Null).await;
    assert_eq!(
        e["reason"],
        "The provided expression [ds-one] matches a data stream, specify the corresponding concrete indices instead."
    );
    let body = ok(&f, "GET", "/ds-one", Value::Null).await;
    let write = body.as_object().unwrap().keys().next().unwrap().clone();
    let (_, e) = error(&f, "DELETE", &format!("/{write}"), Value::Null).await;
    assert_eq!(
        e["reason"],
        format!(
            "index [{write}] is the write index for data stream [ds-one] and cannot be deleted"
        )
    );
}

#[tokio::test]
async fn closed_indices_refuse_reads_and_writes_until_opened() {
    let f = Fixture::builder().build();
    ok(&f, "PUT", "/shut/_doc/1?refresh=true", json!({"a": 1})).await;
    let body = ok(&f, "POST", "/shut/_close", Value::Null).await;
    assert_eq!(
        body,
        json!({"acknowledged": true, "shards_acknowledged": true, "indices": {"shut": {"closed": true}}})
    );
    for (method, uri, body) in [
        ("GET", "/shut/_doc/1", Value::Null),
        ("PUT", "/shut/_doc/2", json!({"a": 2})),
        ("POST", "/shut/_search", Value::Null),
        ("POST", "/shut/_refresh", Value::Null),
    ] {
        let (status, e) = error(&f, method, uri, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {uri}");
        assert_eq!(e["type"], "index_closed_exception", "{method} {uri}");
        assert_eq!(e["reason"], "closed");
        assert_eq!(e["index"], "shut");
    }
    // Wildcards skip it; GET /<index> still shows it.
    let body = ok(&f, "POST", "/sh*/_search", Value::Null).await;
    assert_eq!(body["hits"]["total"]["value"], 0);
    assert!(ok(&f, "GET", "/shut", Value::Null).await["shut"].is_object());
    // Closing again closes nothing. Opening and closing take explicit names only
    // (`action.destructive_requires_name`, true by default).
    let body = ok(&f, "POST", "/shut/_close", Value::Null).await;
    assert_eq!(body["indices"], json!({}));
    for uri in ["/sh*/_open", "/_all/_open", "/sh*/_close", "/_all/_close"] {
        let (status, e) = error(&f, "POST", uri, Value::Null).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(
            e["reason"], "Wildcard expressions or all indices are not allowed",
            "{uri}"
        );
    }
    assert_eq!(
        ok(&f, "POST", "/shut/_open", Value::Null).await,
        json!({"acknowledged": true, "shards_acknowledged": true})
    );
    let body = ok(&f, "GET", "/shut/_doc/1", Value::Null).await;
    assert_eq!(body["_source"], json!({"a": 1}));
}

#[tokio::test]
async fn refresh_counts_shard_copies() {
    let f = Fixture::builder().build();
    ok(&f, "PUT", "/r1", Value::Null).await;
    ok(
        &f,
        "PUT",
        "/r2",
        json!({"settings": {"number_of_replicas": 0}}),
    )
    .await;
    ok(&f, "PUT", "/r1/_doc/1", json!({"a": 1})).await;
    assert_eq!(
        ok(&f, "POST", "/r1,r2/_refresh", Value::Null).await,
        json!({"_shards": {"total": 3, "successful": 2, "failed": 0}})
    );
    let body = ok(&f, "GET", "/r1/_search", Value::Null).await;
    assert_eq!(body["hits"]["total"]["value"], 1);
    let (status, _) = error(&f, "POST", "/nope/_refresh", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn mappings_get_put_and_field_mappings() {
    let f = Fixture::builder().build();
    ok(
        &f,
        "PUT",
        "/m1",
        json!({"mappings": {"properties": {
            "title": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
            "user": {"properties": {"name": {"type": "keyword"}}}}}}),
    )
    .await;
    assert_eq!(
        ok(
            &f,
            "PUT",
            "/m1/_mapping",
            json!({"properties": {"count": {"type": "long"}}})
        )
        .await,
        json!({"acknowledged": true})
    );
    let body = ok(&f, "GET", "/m1/_mapping", Value::Null).await;
    assert_eq!(
        body["m1"]["mappings"]["properties"]["count"],
        json!({"type": "long"})
    );
    let (status, e) = error(
        &f,
        "PUT",
        "/m1/_mapping",
        json!({"properties": {"count": {"type": "text"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["reason"],
        "mapper [count] cannot be changed from type [long] to [text]"
    );
    let (_, e) = error(&f, "PUT", "/m1/_mapping", Value::Null).await;
    assert_eq!(e["reason"], "request body is required");
    let (status, _) = error(&f, "PUT", "/none/_mapping", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let body = ok(
        &f,
        "GET",
        "/m1/_mapping/field/title*,user.name",
        Value::Null,
    )
    .await;
    assert_eq!(
        body,
        json!({"m1": {"mappings": {
            "title": {"full_name": "title", "mapping": {"title": {"type": "text", "fields": {"raw": {"type": "keyword"}}}}},
            "title.raw": {"full_name": "title.raw", "mapping": {"raw": {"type": "keyword"}}},
            "user.name": {"full_name": "user.name", "mapping": {"name": {"type": "keyword"}}}
        }}})
    );
    let body = ok(&f, "GET", "/_mapping/field/nothing", Value::Null).await;
    assert_eq!(body["m1"], json!({"mappings": {}}));
}

#[tokio::test]
async fn mappings_hide_the_fields_field_level_security_hides() {
    let f = Fixture::builder()
        .role(
            "partial",
            json!({"indices": [{"names": ["secret"], "privileges": ["view_index_metadata"],
                                "field_security": {"grant": ["public*", "nested.ok"]}}]}),
        )
        .user("partial_user", &["partial"])
        .build();
    ok(
        &f,
        "PUT",
        "/secret",
        json!({"mappings": {"properties": {
            "public": {"type": "keyword", "fields": {"text": {"type": "text"}}},
            "private": {"type": "keyword"},
            "nested": {"properties": {"ok": {"type": "long"}, "hidden": {"type": "long"}}},
            "gone": {"properties": {"x": {"type": "long"}}}}}}),
    )
    .await;
    let user = basic("partial_user", PASSWORD);
    let (status, body) = call_json(&f, "GET", "/secret/_mapping", &user, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["secret"]["mappings"],
        json!({"properties": {
            "public": {"type": "keyword", "fields": {"text": {"type": "text"}}},
            "nested": {"properties": {"ok": {"type": "long"}}}}})
    );
    let (_, body) = call_json(&f, "GET", "/secret", &user, Value::Null).await;
    assert!(body["secret"]["mappings"]["properties"]["private"].is_null());
    let (_, body) = call_json(&f, "GET", "/secret/_mapping/field/*", &user, Value::Null).await;
    let fields: Vec<&String> = body["secret"]["mappings"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(fields, ["nested.ok", "public", "public.text"]);
    // Elastic sees everything.
    let body = ok(&f, "GET", "/secret/_mapping", Value::Null).await;
    assert!(body["secret"]["mappings"]["properties"]["private"].is_object());
}

#[tokio::test]
async fn settings_get_and_put() {
    let f = Fixture::builder().build();
    ok(
        &f,
        "PUT",
        "/s1",
        json!({"settings": {"refresh_interval": "5s"}}),
    )
    .await;
    ok(&f, "PUT", "/s2", Value::Null).await;
    let body = ok(&f, "GET", "/s1/_settings", Value::Null).await;
    assert_eq!(body["s1"]["settings"]["index"]["refresh_interval"], "5s");
    assert!(body["s1"].get("defaults").is_none());
    let body = ok(
        &f,
        "GET",
        "/s*/_settings/index.refresh*?flat_settings=true",
        Value::Null,
    )
    .await;
    assert_eq!(
        body,
        json!({"s1": {"settings": {"index.refresh_interval": "5s"}}}),
        "an index without a matching setting is left out"
    );
    let body = ok(
        &f,
        "GET",
        "/s2/_settings/index.refresh*?include_defaults=true&flat_settings=true",
        Value::Null,
    )
    .await;
    assert_eq!(
        body,
        json!({"s2": {"settings": {}, "defaults": {"index.refresh_interval": "1s"}}})
    );

    assert_eq!(
        ok(
            &f,
            "PUT",
            "/s*/_settings",
            json!({"index": {"number_of_replicas": 0}})
        )
        .await,
        json!({"acknowledged": true})
    );
    ok(
        &f,
        "PUT",
        "/s1/_settings?preserve_existing=true",
        json!({"settings": {"index.refresh_interval": "9s", "index.max_result_window": 50}}),
    )
    .await;
    let body = ok(&f, "GET", "/s1/_settings?flat_settings", Value::Null).await;
    let settings = &body["s1"]["settings"];
    assert_eq!(settings["index.number_of_replicas"], "0");
    assert_eq!(settings["index.refresh_interval"], "5s", "preserved");
    assert_eq!(settings["index.max_result_window"], "50");
    let (status, e) = error(
        &f,
        "PUT",
        "/s1/_settings",
        json!({"index.number_of_shards": 2}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        e["reason"].as_str().unwrap().starts_with(
            "Can't update non dynamic settings [[index.number_of_shards]] for open indices [[s1/"
        ),
        "{e}"
    );
    // On a closed index a static setting may change.
    ok(&f, "POST", "/s2/_close", Value::Null).await;
    ok(
        &f,
        "PUT",
        "/s2/_settings",
        json!({"index.codec": "best_compression"}),
    )
    .await;
    let (_, e) = error(&f, "PUT", "/s1/_settings", json!({})).await;
    assert_eq!(e["reason"], "Validation Failed: 1: no settings to update;");
}

#[tokio::test]
async fn aliases_are_added_listed_checked_and_removed() {
    let f = Fixture::builder().build();
    ok(&f, "PUT", "/a1", Value::Null).await;
    ok(&f, "PUT", "/a2", Value::Null).await;
    assert_eq!(
        ok(
            &f,
            "POST",
            "/_aliases",
            json!({"actions": [
                {"add": {"index": "a1", "alias": "both", "is_write_index": true}},
                {"add": {"index": "a2", "alias": "both"}},
                {"add": {"indices": ["a*"], "alias": "filtered", "filter": {"term": {"x": 1}}, "routing": "r"}}]})
        )
        .await,
        json!({"acknowledged": true, "errors": false})
    );
    ok(
        &f,
        "PUT",
        "/a2/_alias/solo",
        json!({"is_hidden": false, "search_routing": "s"}),
    )
    .await;
    let body = ok(&f, "GET", "/_alias/both", Value::Null).await;
    assert_eq!(
        body,
        json!({"a1": {"aliases": {"both": {"is_write_index": true}}}, "a2": {"aliases": {"both": {}}}})
    );
    let body = ok(&f, "GET", "/a2/_alias", Value::Null).await;
    assert_eq!(
        body["a2"]["aliases"]["filtered"],
        json!({"filter": {"term": {"x": 1}}, "index_routing": "r", "search_routing": "r"})
    );
    assert_eq!(
        body["a2"]["aliases"]["solo"],
        json!({"is_hidden": false, "search_routing": "s"})
    );
    let (status, body) = call_json(&f, "GET", "/_alias/both,nope", &elastic(), Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "alias [nope] missing");
    assert_eq!(body["status"], 404);
    assert!(body["a1"].is_object());
    for (uri, status) in [
        ("/_alias/both", StatusCode::OK),
        ("/a1/_alias/solo", StatusCode::NOT_FOUND),
        ("/a2/_alias/solo", StatusCode::OK),
        ("/_alias/nope*", StatusCode::NOT_FOUND),
    ] {
        let r = call(&f, "HEAD", uri, Some(&elastic()), Value::Null).await;
        assert_eq!(r.status, status, "HEAD {uri}");
        assert!(r.body.is_empty());
    }
    // Writes through an alias go to its write index.
    let body = ok(&f, "PUT", "/both/_doc/1", json!({"x": 1})).await;
    assert_eq!(body["_index"], "a1");

    assert_eq!(
        ok(&f, "DELETE", "/a2/_alias/solo", Value::Null).await,
        json!({"acknowledged": true, "errors": false})
    );
    let (status, e) = error(&f, "DELETE", "/a2/_alias/solo", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(e["type"], "aliases_not_found_exception");
    assert_eq!(e["reason"], "aliases [solo] missing");
    let (_, e) = error(&f, "PUT", "/a1/_alias/_bad", Value::Null).await;
    assert_eq!(e["type"], "invalid_alias_name_exception");
    let (_, e) = error(&f, "POST", "/_aliases", json!({"actions": []})).await;
    assert_eq!(
        e["reason"],
        "Validation Failed: 1: Must specify at least one alias action;"
    );
    let (status, e) = error(
        &f,
        "POST",
        "/_aliases",
        json!({"actions": {"add": {"index": "nothing*", "alias": "x"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["type"], "index_not_found_exception");
    ok(
        &f,
        "POST",
        "/_aliases",
        json!({"actions": [{"remove": {"index": "*", "alias": "filter*"}}]}),
    )
    .await;
    assert_eq!(
        ok(&f, "GET", "/_alias/filter*", Value::Null).await,
        json!({})
    );
}

#[tokio::test]
async fn alias_changes_need_manage_on_the_index_and_the_alias() {
    let f = Fixture::builder()
        .role(
            "manager",
            json!({"indices": [{"names": ["m-*"], "privileges": ["manage"]},
                               {"names": ["other-*"], "privileges": ["view_index_metadata"]}]}),
        )
        .user("manager", &["manager"])
        .build();
    ok(&f, "PUT", "/m-1", Value::Null).await;
    ok(
        &f,
        "PUT",
        "/other-1",
        json!({"aliases": {"other-alias": {}, "m-foreign": {}, "zz-secret": {}}}),
    )
    .await;
    let user = basic("manager", PASSWORD);
    let (status, body) = call_json(&f, "PUT", "/m-1/_alias/m-alias", &user, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call_json(&f, "PUT", "/m-1/_alias/x-alias", &user, Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("action [indices:admin/aliases] is unauthorized for user [manager]"),
        "{body}"
    );
    let (status, _) = call_json(&f, "PUT", "/other-1/_alias/m-alias", &user, Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A wildcard removal reaches only what the caller manages: `m-foreign` (on an index it
    // cannot manage) stays.
    let (status, body) = call_json(
        &f,
        "POST",
        "/_aliases",
        &user,
        json!({"actions": [{"remove": {"index": "*", "alias": "m-*"}}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let body = ok(&f, "GET", "/_alias", Value::Null).await;
    assert_eq!(body["m-1"]["aliases"], json!({}));
    assert_eq!(
        body["other-1"]["aliases"],
        json!({"m-foreign": {}, "other-alias": {}, "zz-secret": {}})
    );
    // Listing shows only the aliases it may see.
    let (status, body) = call_json(&f, "GET", "/other-1/_alias", &user, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"other-1": {"aliases": {"m-foreign": {}, "other-alias": {}}}})
    );
    let (status, _) = call_json(&f, "GET", "/_alias/zz-secret", &user, Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
