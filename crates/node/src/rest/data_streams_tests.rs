use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::test_support::{Fixture, PASSWORD, basic, call_json};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

async fn ok(f: &Fixture, method: &str, uri: &str, body: Value) -> Value {
    let (status, body) = call_json(f, method, uri, &elastic(), body).await;
    assert!(status.is_success(), "{method} {uri}: {status} {body}");
    body
}

async fn error(f: &Fixture, method: &str, uri: &str, body: Value) -> (StatusCode, Value) {
    let (status, body) = call_json(f, method, uri, &elastic(), body).await;
    assert!(!status.is_success(), "{method} {uri}: {status} {body}");
    (status, body["error"].clone())
}

async fn logs_template(f: &Fixture) {
    ok(
        f,
        "PUT",
        "/_index_template/logs",
        json!({"index_patterns": ["logs-*"], "data_stream": {}, "priority": 100}),
    )
    .await;
}

#[tokio::test]
async fn data_streams_are_created_listed_counted_resolved_and_deleted() {
    let f = Fixture::builder().build();
    let (status, e) = error(&f, "PUT", "/_data_stream/logs-app", Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["reason"],
        "no matching index template found for data stream [logs-app]"
    );
    logs_template(&f).await;
    assert_eq!(
        ok(&f, "PUT", "/_data_stream/logs-app", Value::Null).await,
        json!({"acknowledged": true})
    );
    let listed = ok(&f, "GET", "/_data_stream/logs-app", Value::Null).await;
    let stream = &listed["data_streams"][0];
    assert_eq!(stream["name"], "logs-app");
    assert_eq!(stream["generation"], 1);
    assert_eq!(stream["template"], "logs");
    let first = stream["indices"][0]["index_name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        first.starts_with(".ds-logs-app-") && first.ends_with("-000001"),
        "{first}"
    );
    let (status, e) = error(&f, "GET", "/_data_stream/logs-none", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(e["type"], "index_not_found_exception");
    assert_eq!(
        ok(&f, "GET", "/_data_stream/nothing-*", Value::Null).await,
        json!({"data_streams": []})
    );

    // A document with its @timestamp: the stats report it and the backing index's size.
    ok(
        &f,
        "POST",
        "/logs-app/_doc?refresh=true",
        json!({"@timestamp": "2026-01-02T03:04:05.678Z", "msg": "hi"}),
    )
    .await;
    let stats = ok(&f, "GET", "/_data_stream/logs-*/_stats", Value::Null).await;
    assert_eq!(stats["data_stream_count"], 1);
    assert_eq!(stats["backing_indices"], 1);
    assert_eq!(stats["_shards"]["total"], 1);
    let entry = &stats["data_streams"][0];
    assert_eq!(entry["data_stream"], "logs-app");
    assert_eq!(entry["maximum_timestamp"], 1_767_323_045_678_i64);
    assert!(entry["store_size_bytes"].as_u64().unwrap() > 0, "{entry}");
    let all = ok(&f, "GET", "/_data_stream/_stats?human", Value::Null).await;
    assert!(all["total_store_size"].is_string(), "{all}");

    // Rollover: a dry run changes nothing, then a real one adds generation 2.
    let dry = ok(&f, "POST", "/logs-app/_rollover?dry_run", json!({})).await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["rolled_over"], false);
    assert_eq!(dry["old_index"], first.as_str());
    let rolled = ok(&f, "POST", "/logs-app/_rollover", Value::Null).await;
    assert_eq!(rolled["rolled_over"], true);
    assert_eq!(rolled["acknowledged"], true);
    let second = rolled["new_index"].as_str().unwrap().to_string();
    assert!(second.ends_with("-000002"), "{second}");
    let listed = ok(&f, "GET", "/_data_stream", Value::Null).await;
    assert_eq!(listed["data_streams"][0]["generation"], 2);
    let (_, e) = error(
        &f,
        "POST",
        "/logs-app/_rollover/other?lazy=true",
        Value::Null,
    )
    .await;
    assert_eq!(e["type"], "illegal_argument_exception");
    let lazy = ok(&f, "POST", "/logs-app/_rollover?lazy=true", Value::Null).await;
    assert_eq!(lazy["rolled_over"], false);
    assert_eq!(lazy["lazy"], true);

    // _resolve/index names the stream with its backing indices.
    let resolved = ok(&f, "GET", "/_resolve/index/logs-*", Value::Null).await;
    assert_eq!(
        resolved["data_streams"],
        json!([{"name": "logs-app", "backing_indices": [first, second],
                "timestamp_field": "@timestamp"}])
    );
    let resolved = ok(
        &f,
        "GET",
        "/_resolve/index/logs-*,.ds-*?expand_wildcards=all",
        Value::Null,
    )
    .await;
    assert_eq!(resolved["indices"][0]["data_stream"], "logs-app");
    let (status, _) = error(&f, "GET", "/_resolve/index/missing", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The write index of a stream cannot be deleted on its own; the stream can.
    let (_, e) = error(&f, "DELETE", &format!("/{second}"), Value::Null).await;
    assert_eq!(e["type"], "illegal_argument_exception");
    ok(&f, "DELETE", "/_data_stream/logs-*", Value::Null).await;
    let (status, _) = error(&f, "GET", "/_data_stream/logs-app", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = error(&f, "GET", &format!("/{first}"), Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rollover_of_an_alias_evaluates_its_conditions() {
    let f = Fixture::builder().build();
    ok(
        &f,
        "PUT",
        "/r-000001",
        json!({"aliases": {"r": {"is_write_index": true}}}),
    )
    .await;
    let not_met = ok(
        &f,
        "POST",
        "/r/_rollover",
        json!({"conditions": {"max_docs": 1}}),
    )
    .await;
    assert_eq!(not_met["rolled_over"], false);
    assert_eq!(not_met["conditions"], json!({"[max_docs: 1]": false}));
    assert_eq!(not_met["new_index"], "r-000002");
    ok(&f, "PUT", "/r/_doc/1?refresh=true", json!({"a": 1})).await;
    let met = ok(
        &f,
        "POST",
        "/r/_rollover/r-next",
        json!({"conditions": {"max_docs": 1}}),
    )
    .await;
    assert_eq!(met["rolled_over"], true);
    assert_eq!(met["new_index"], "r-next");
    let aliases = ok(&f, "GET", "/_alias/r", Value::Null).await;
    assert_eq!(aliases["r-next"]["aliases"]["r"]["is_write_index"], true);
    let (_, e) = error(&f, "POST", "/r-000001/_rollover", Value::Null).await;
    assert_eq!(e["type"], "illegal_argument_exception");
    let (status, _) = error(&f, "POST", "/missing/_rollover", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn field_caps_merge_types_across_indices_and_hide_what_a_role_hides() {
    let f = Fixture::builder()
        .role(
            "caps",
            json!({"indices": [{"names": ["fc-*"], "privileges": ["read"],
                                "field_security": {"grant": ["shared", "obj.*"]}}]}),
        )
        .user("caps_user", &["caps"])
        .build();
    ok(
        &f,
        "PUT",
        "/fc-1",
        json!({"mappings": {"properties": {
            "shared": {"type": "long"}, "secret": {"type": "keyword"},
            "obj": {"properties": {"inner": {"type": "keyword"}}}}}}),
    )
    .await;
    ok(
        &f,
        "PUT",
        "/fc-2",
        json!({"mappings": {"properties": {
            "shared": {"type": "keyword"}, "text": {"type": "text"}}}}),
    )
    .await;
    let caps = ok(
        &f,
        "GET",
        "/fc-*/_field_caps?fields=shared,text",
        Value::Null,
    )
    .await;
    assert_eq!(caps["indices"], json!(["fc-1", "fc-2"]));
    assert_eq!(
        caps["fields"]["shared"],
        json!({
            "long": {"type": "long", "metadata_field": false, "searchable": true,
                     "aggregatable": true, "indices": ["fc-1"]},
            "keyword": {"type": "keyword", "metadata_field": false, "searchable": true,
                        "aggregatable": true, "indices": ["fc-2"]}
        })
    );
    assert_eq!(
        caps["fields"]["text"],
        json!({"text": {"type": "text", "metadata_field": false, "searchable": true,
                        "aggregatable": false}})
    );
    let unmapped = ok(
        &f,
        "GET",
        "/fc-*/_field_caps?fields=text&include_unmapped",
        Value::Null,
    )
    .await;
    assert_eq!(
        unmapped["fields"]["text"]["unmapped"]["indices"],
        json!(["fc-1"])
    );
    let all = ok(&f, "POST", "/_field_caps", json!({"fields": ["*"]})).await;
    assert_eq!(all["fields"]["_id"]["_id"]["metadata_field"], true);
    assert_eq!(all["fields"]["obj"]["object"]["searchable"], false);
    let (status, e) = error(&f, "GET", "/fc-1/_field_caps", Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["type"], "action_request_validation_exception");

    // The role sees `shared` and `obj.inner` only.
    let user = basic("caps_user", PASSWORD);
    let (status, caps) =
        call_json(&f, "GET", "/fc-*/_field_caps?fields=*", &user, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{caps}");
    let names: Vec<&String> = caps["fields"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with('_'))
        .collect();
    assert_eq!(names, ["obj", "obj.inner", "shared"]);
}

/// A wildcard that reaches no data stream the caller may delete deletes nothing (Elasticsearch
/// issue 78422: it once deleted them all) and lists nothing.
#[tokio::test]
async fn a_wildcard_reaching_no_authorized_stream_touches_nothing() {
    let f = Fixture::builder()
        .role(
            "other_streams",
            json!({"indices": [{"names": ["other-*"],
                                "privileges": ["delete_index", "view_index_metadata"]}]}),
        )
        .user("other_user", &["other_streams"])
        .build();
    logs_template(&f).await;
    ok(&f, "PUT", "/_data_stream/logs-keep", Value::Null).await;
    let user = basic("other_user", PASSWORD);
    let (status, body) = call_json(&f, "DELETE", "/_data_stream/*", &user, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call_json(&f, "GET", "/_data_stream", &user, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"data_streams": []}));
    let (status, _) = call_json(&f, "DELETE", "/_data_stream/logs-keep", &user, Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let listed = ok(&f, "GET", "/_data_stream/logs-keep", Value::Null).await;
    assert_eq!(listed["data_streams"][0]["name"], "logs-keep");
}
