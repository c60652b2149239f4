use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::rest::test_support::{Fixture, PASSWORD, basic, call, call_json};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

fn ndjson(lines: &[Value]) -> Value {
    let mut text = String::new();
    for l in lines {
        text.push_str(&l.to_string());
        text.push('\n');
    }
    Value::String(text)
}

#[tokio::test]
async fn bulk_reports_every_item_in_order() {
    let f = Fixture::builder().build();
    let body = ndjson(&[
        json!({"index": {"_index": "b", "_id": "1"}}),
        json!({"n": 1, "msg": "first doc"}),
        json!({"create": {"_index": "b", "_id": "1"}}),
        json!({"n": 2}),
        json!({"index": {"_index": "b", "_id": "2"}}),
        json!({"n": "not a number"}),
        json!({"delete": {"_index": "b", "_id": "9"}}),
        json!({"update": {"_index": "b", "_id": "1"}}),
        json!({"doc": {"msg": "second doc"}}),
        json!({"index": {"_index": "b", "_id": "3", "pipeline": "nope"}}),
        json!({"n": 3}),
    ]);
    let r = call(&f, "POST", "/_bulk?refresh=true", Some(&elastic()), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = r.json();
    assert_eq!(body["errors"], true);
    assert!(body["took"].is_u64());
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    assert_eq!(items[0]["index"]["status"], 201);
    assert_eq!(items[0]["index"]["result"], "created");
    assert_eq!(items[0]["index"]["forced_refresh"], true);
    assert_eq!(items[1]["create"]["status"], 409);
    assert_eq!(
        items[1]["create"]["error"]["type"],
        "version_conflict_engine_exception"
    );
    assert!(items[1]["create"]["error"].get("root_cause").is_none());
    assert_eq!(items[2]["index"]["status"], 400);
    assert_eq!(
        items[2]["index"]["error"]["type"],
        "document_parsing_exception"
    );
    assert_eq!(items[3]["delete"]["status"], 404);
    assert_eq!(items[3]["delete"]["result"], "not_found");
    assert_eq!(items[4]["update"]["status"], 200);
    assert_eq!(items[4]["update"]["result"], "updated");
    assert_eq!(items[5]["index"]["status"], 400);
    assert_eq!(
        items[5]["index"]["error"]["reason"],
        "pipeline with id [nope] does not exist"
    );

    let (status, body) = call_json(
        &f,
        "GET",
        "/b/_search?q=msg:second",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["_shards"],
        json!({"total": 1, "successful": 1, "skipped": 0, "failed": 0})
    );
    assert_eq!(body["hits"]["total"], json!({"value": 1, "relation": "eq"}));
    let hit = &body["hits"]["hits"][0];
    assert_eq!(hit["_index"], "b");
    assert_eq!(hit["_id"], "1");
    assert!(hit["_score"].as_f64().unwrap() > 0.0);
    assert_eq!(hit["_source"], json!({"n": 1, "msg": "second doc"}));
    let (_, body) = call_json(
        &f,
        "POST",
        "/b/_search?rest_total_hits_as_int=true",
        &elastic(),
        json!({"query": {"match_all": {}}, "sort": [{"n": "desc"}], "_source": ["msg"], "size": 1}),
    )
    .await;
    assert_eq!(body["hits"]["total"], 1);
    assert_eq!(
        body["hits"]["hits"][0]["_source"],
        json!({"msg": "second doc"})
    );
    assert_eq!(body["hits"]["hits"][0]["sort"], json!([1]));
    let (_, body) = call_json(&f, "GET", "/b/_count", &elastic(), Value::Null).await;
    assert_eq!(body["count"], 1);
    let (status, body) = call_json(
        &f,
        "POST",
        "/b/_search",
        &elastic(),
        json!({"query": {"bogus": {}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "parsing_exception");
    let (status, body) = call_json(&f, "POST", "/nope/_search", &elastic(), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["type"], "index_not_found_exception");
    let (status, body) = call_json(&f, "POST", "/nope-*/_search", &elastic(), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["_shards"]["total"], 0);
    assert_eq!(body["hits"]["hits"], json!([]));
}

#[tokio::test]
async fn malformed_bulk_bodies_fail_as_a_whole() {
    let f = Fixture::builder().build();
    let (status, body) = call_json(
        &f,
        "POST",
        "/_bulk",
        &elastic(),
        Value::String("{\"index\":{\"_index\":\"x\"}}\n{}".into()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "The bulk request must be terminated by a newline [\\n]"
    );
    let (status, body) = call_json(
        &f,
        "POST",
        "/_bulk",
        &elastic(),
        Value::String("{\"index\":{}}\n{}\n".into()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "Validation Failed: 1: index is missing;"
    );
    let (status, body) = call_json(
        &f,
        "POST",
        "/x/_bulk",
        &elastic(),
        Value::String("{\"index\":{}}\n{}\n".into()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["index"]["_index"], "x");
}

#[tokio::test]
async fn the_guides_roles_write_and_read_what_they_may() {
    let f = Fixture::builder()
        .user("mb_writer", &["metricbeat_writer"])
        .user("mb_reader", &["metricbeat_reader"])
        .role(
            "metricbeat_writer",
            json!({"cluster": ["monitor", "read_pipeline"], "indices": [{"names": ["metricbeat-*"], "privileges": ["create_doc", "view_index_metadata", "create_index"]}]}),
        )
        .role(
            "metricbeat_reader",
            json!({"indices": [{"names": ["metricbeat-*"], "privileges": ["read", "view_index_metadata"],
                "query": {"term": {"host.name": "web-1"}},
                "field_security": {"grant": ["@timestamp", "host.*", "system.*"]}}]}),
        )
        .build();
    let store = f.state.store.clone().unwrap();
    store
        .put_index_template(
            "metricbeat",
            &json!({"index_patterns": ["metricbeat-*"], "data_stream": {}, "priority": 100,
                    "template": {"mappings": {"properties": {
                        "host": {"properties": {"name": {"type": "keyword"}}},
                        "system": {"properties": {"cpu": {"type": "float"}}},
                        "secret": {"type": "keyword"}}}}}),
            false,
        )
        .unwrap();
    let writer = basic("mb_writer", PASSWORD);
    let reader = basic("mb_reader", PASSWORD);
    let body = ndjson(&[
        json!({"create": {"_index": "metricbeat-9.0.0"}}),
        json!({"@timestamp": "2026-12-07T00:00:00Z", "host": {"name": "web-1"}, "system": {"cpu": 0.5}, "secret": "x"}),
        json!({"create": {"_index": "metricbeat-9.0.0"}}),
        json!({"@timestamp": "2026-12-07T00:00:01Z", "host": {"name": "web-2"}, "system": {"cpu": 0.7}}),
        json!({"index": {"_index": "metricbeat-9.0.0"}}),
        json!({"@timestamp": "2026-12-07T00:00:02Z"}),
        json!({"create": {"_index": "other"}}),
        json!({"@timestamp": "2026-12-07T00:00:02Z"}),
    ]);
    let (status, body) = call_json(&f, "POST", "/_bulk?refresh=true", &writer, body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items[0]["create"]["status"], 201, "{body}");
    assert!(
        items[0]["create"]["_index"]
            .as_str()
            .unwrap()
            .starts_with(".ds-metricbeat-9.0.0-")
    );
    assert_eq!(items[1]["create"]["status"], 201);
    assert_eq!(
        items[2]["index"]["status"], 403,
        "create_doc cannot overwrite: {body}"
    );
    assert_eq!(items[3]["create"]["status"], 403, "no privilege on [other]");
    // The writer cannot read back.
    let (status, _) = call_json(&f, "GET", "/metricbeat-*/_search", &writer, Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The reader sees its host only, and only the granted fields.
    let (status, body) = call_json(&f, "GET", "/metricbeat-*/_search", &reader, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["hits"]["total"]["value"], 1, "{body}");
    assert_eq!(
        body["hits"]["hits"][0]["_source"],
        json!({"@timestamp": "2026-12-07T00:00:00Z", "host": {"name": "web-1"}, "system": {"cpu": 0.5}})
    );
    let (_, body) = call_json(&f, "GET", "/metricbeat-9.0.0/_count", &reader, Value::Null).await;
    assert_eq!(body["count"], 1);
    let (status, _) = call_json(
        &f,
        "POST",
        "/_bulk",
        &reader,
        ndjson(&[
            json!({"create": {"_index": "metricbeat-9.0.0"}}),
            json!({"@timestamp": "2026-12-07T00:00:00Z"}),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the reader writes nothing");
    // Searching everything reaches only what the reader may read.
    let (status, body) = call_json(&f, "GET", "/_search", &reader, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["hits"]["total"]["value"], 1);
}
