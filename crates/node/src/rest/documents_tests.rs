use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use crate::rest::test_support::{Fixture, PASSWORD, basic, call, call_json, send};

fn elastic() -> String {
    basic("elastic", PASSWORD)
}

#[tokio::test]
async fn index_get_and_delete_documents_with_elasticsearch_shapes() {
    let f = Fixture::builder().build();
    let r = call(
        &f,
        "PUT",
        "/logs/_doc/1",
        Some(&elastic()),
        json!({"msg": "hello"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.headers[header::LOCATION], "/logs/_doc/1");
    let body = r.json();
    assert_eq!(body["_index"], "logs");
    assert_eq!(body["_id"], "1");
    assert_eq!(body["_version"], 1);
    assert_eq!(body["result"], "created");
    assert_eq!(
        body["_shards"],
        json!({"total": 2, "successful": 1, "failed": 0})
    );
    assert_eq!(body["_seq_no"], 0);
    assert_eq!(body["_primary_term"], 1);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "_index",
            "_id",
            "_version",
            "result",
            "_shards",
            "_seq_no",
            "_primary_term"
        ]
    );

    let (status, body) = call_json(
        &f,
        "PUT",
        "/logs/_doc/1?refresh=true",
        &elastic(),
        json!({"msg": "again"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"], "updated");
    assert_eq!(body["_version"], 2);
    assert_eq!(body["forced_refresh"], true);

    let (status, body) = call_json(&f, "GET", "/logs/_doc/1", &elastic(), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"_index": "logs", "_id": "1", "_version": 2, "_seq_no": 1, "_primary_term": 1, "found": true, "_source": {"msg": "again"}})
    );
    let (status, body) = call_json(&f, "GET", "/logs/_source/1", &elastic(), Value::Null).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"msg": "again"})));
    let (status, body) = call_json(&f, "GET", "/logs/_doc/2", &elastic(), Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"_index": "logs", "_id": "2", "found": false}));
    let r = call(&f, "HEAD", "/logs/_doc/1", Some(&elastic()), Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.is_empty());
    let r = call(&f, "HEAD", "/logs/_doc/2", Some(&elastic()), Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (status, body) = call_json(&f, "GET", "/nope/_doc/1", &elastic(), Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["type"], "index_not_found_exception");
    assert_eq!(body["error"]["reason"], "no such index [nope]");

    let (status, body) = call_json(&f, "DELETE", "/logs/_doc/1", &elastic(), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"], "deleted");
    assert_eq!(body["_version"], 3);
    let (status, body) = call_json(&f, "DELETE", "/logs/_doc/1", &elastic(), Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["result"], "not_found");
}

#[tokio::test]
async fn generated_ids_creates_and_conflicts() {
    let f = Fixture::builder().build();
    let (status, body) = call_json(&f, "POST", "/m/_doc", &elastic(), json!({"a": 1})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["_id"].as_str().unwrap().len(), 20);
    let (status, _) = call_json(&f, "PUT", "/m/_create/x", &elastic(), json!({"a": 1})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = call_json(&f, "PUT", "/m/_create/x", &elastic(), json!({"a": 2})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["type"], "version_conflict_engine_exception");
    assert_eq!(
        body["error"]["reason"],
        "[x]: version conflict, document already exists (current version [1])"
    );
    let (status, body) = call_json(
        &f,
        "PUT",
        "/m/_doc/x?if_seq_no=9&if_primary_term=1",
        &elastic(),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = call_json(&f, "PUT", "/m/_doc/x?if_seq_no=1", &elastic(), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "Validation Failed: 1: ifSeqNo is set, but primary term is [0];"
    );
    let (status, body) = call_json(
        &f,
        "PUT",
        "/m/_doc/x?version=5&version_type=external",
        &elastic(),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["_version"], 5);
    let (status, body) = call_json(
        &f,
        "PUT",
        "/m/_doc/y?op_type=create&refresh=nope",
        &elastic(),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "Unknown value for refresh: [nope]."
    );
    let (status, body) =
        call_json(&f, "PUT", "/m/_doc/z?pipeline=geoip", &elastic(), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["reason"],
        "pipeline with id [geoip] does not exist"
    );
    let (status, body) = call_json(&f, "PUT", "/Bad/_doc/1", &elastic(), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "invalid_index_name_exception");
    let (status, body) = call_json(&f, "PUT", "/m/_doc/n", &elastic(), json!({"a": "text"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "document_parsing_exception");
}

#[tokio::test]
async fn partial_updates_and_upserts() {
    let f = Fixture::builder().build();
    call_json(
        &f,
        "PUT",
        "/u/_doc/1",
        &elastic(),
        json!({"a": {"b": 1}, "n": 1}),
    )
    .await;
    let (status, body) = call_json(
        &f,
        "POST",
        "/u/_update/1?_source=true",
        &elastic(),
        json!({"doc": {"a": {"c": 2}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"], "updated");
    assert_eq!(
        body["get"]["_source"],
        json!({"a": {"b": 1, "c": 2}, "n": 1})
    );
    let (status, body) = call_json(
        &f,
        "POST",
        "/u/_update/1",
        &elastic(),
        json!({"doc": {"n": 1}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"], "noop");
    assert_eq!(body["_shards"]["total"], 0);
    let (status, body) = call_json(
        &f,
        "POST",
        "/u/_update/2",
        &elastic(),
        json!({"doc": {"n": 1}}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["type"], "document_missing_exception");
    let (status, body) = call_json(
        &f,
        "POST",
        "/u/_update/2",
        &elastic(),
        json!({"doc": {"n": 1}, "doc_as_upsert": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call_json(
        &f,
        "POST",
        "/u/_update/2",
        &elastic(),
        json!({"script": "ctx._source.n++"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("ironstack runs no scripts")
    );
}

#[tokio::test]
async fn writes_are_authorized_per_index_and_reads_filtered_by_role() {
    let f = Fixture::builder()
        .user("writer", &["writer"])
        .user("reader", &["reader"])
        .role(
            "writer",
            json!({"indices": [{"names": ["metrics-*"], "privileges": ["create_doc", "create_index"]}]}),
        )
        .role(
            "reader",
            json!({"indices": [{
                "names": ["metrics-*"],
                "privileges": ["read"],
                "query": {"term": {"team": "blue"}},
                "field_security": {"grant": ["team", "cpu"]}
            }]}),
        )
        .build();
    let writer = basic("writer", PASSWORD);
    let reader = basic("reader", PASSWORD);
    let (status, body) = call_json(
        &f,
        "POST",
        "/metrics-a/_doc",
        &writer,
        json!({"team": "blue", "cpu": 1, "secret": "s"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let blue = body["_id"].as_str().unwrap().to_string();
    let (status, body) = call_json(
        &f,
        "POST",
        "/metrics-a/_doc",
        &writer,
        json!({"team": "red", "cpu": 2}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let red = body["_id"].as_str().unwrap().to_string();
    // create_doc may not overwrite.
    let (status, body) = call_json(
        &f,
        "PUT",
        &format!("/metrics-a/_doc/{blue}"),
        &writer,
        json!({"team": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["error"]["reason"],
        "action [indices:data/write/index:op_type/index] is unauthorized for user [writer] with effective roles [writer] on indices [metrics-a], this action is granted by the index privileges [create,index,write,all]"
    );
    let (status, body) = call_json(&f, "POST", "/logs/_doc", &writer, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = call_json(
        &f,
        "GET",
        &format!("/metrics-a/_doc/{blue}"),
        &writer,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the writer cannot read");
    let (status, body) = call_json(
        &f,
        "GET",
        &format!("/metrics-a/_doc/{blue}"),
        &reader,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["_source"],
        json!({"team": "blue", "cpu": 1}),
        "secret is not granted"
    );
    let (status, body) = call_json(
        &f,
        "GET",
        &format!("/metrics-a/_doc/{red}"),
        &reader,
        Value::Null,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "outside the role query: {body}"
    );
    let (status, _) = call_json(&f, "POST", "/metrics-a/_doc", &reader, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A field the reader may not see cannot be found by querying it either.
    let query = json!({"query": {"term": {"secret.keyword": "s"}}});
    let (_, body) = call_json(
        &f,
        "POST",
        "/metrics-a/_count",
        &basic("elastic", PASSWORD),
        query.clone(),
    )
    .await;
    assert_eq!(body["count"], 1, "{body}");
    let (_, body) = call_json(&f, "POST", "/metrics-a/_count", &reader, query).await;
    assert_eq!(body["count"], 0, "{body}");
    let (_, body) = call_json(
        &f,
        "POST",
        "/metrics-a/_search",
        &reader,
        json!({"query": {"query_string": {"query": "s"}}}),
    )
    .await;
    assert_eq!(body["hits"]["total"]["value"], 0, "{body}");
}

#[tokio::test]
async fn new_fields_need_the_mapping_update_privilege() {
    let f = Fixture::builder()
        .user("cd", &["cd"])
        .user("ac", &["ac"])
        .role(
            "cd",
            json!({"indices": [{"names": ["plain-*", "stream-*"], "privileges": ["create_doc", "create_index"]}]}),
        )
        .role(
            "ac",
            json!({"indices": [{"names": ["stream-*"], "privileges": ["create_doc", "auto_configure"]}]}),
        )
        .build();
    let store = f.state.store.clone().unwrap();
    store
        .put_index_template(
            "stream",
            &json!({"index_patterns": ["stream-*"], "data_stream": {}, "priority": 100,
                    "template": {"mappings": {"properties": {"known": {"type": "keyword"}}}}}),
            false,
        )
        .unwrap();
    let cd = basic("cd", PASSWORD);
    let ac = basic("ac", PASSWORD);
    let doc = |v: Value| {
        let mut v = v;
        v["@timestamp"] = json!("2026-12-07T00:00:00Z");
        v
    };

    // A plain index: create_doc still adds fields, with Elasticsearch's deprecation warning.
    let r = call(&f, "POST", "/plain-a/_doc", Some(&cd), json!({"x": 1})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(
        r.header("warning").starts_with("299 Elasticsearch-"),
        "{:?}",
        r.headers
    );
    assert!(
        r.header("warning").contains("the index privilege [create_doc] allowed the update mapping action [indices:admin/mapping/auto_put] on index [plain-a], this privilege will not permit mapping updates in the next major release"),
        "{}",
        r.header("warning")
    );
    // No new field, no warning.
    let r = call(&f, "POST", "/plain-a/_doc", Some(&cd), json!({"x": 2})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(r.headers.get("warning").is_none(), "{:?}", r.headers);

    // A data stream's backing index: create_doc writes only what the mapping has.
    let r = call(
        &f,
        "POST",
        "/stream-a/_doc",
        Some(&cd),
        doc(json!({"known": "k"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let (status, body) = call_json(
        &f,
        "POST",
        "/stream-a/_doc",
        &cd,
        doc(json!({"unknown": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let reason = body["error"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("action [indices:admin/mapping/auto_put] is unauthorized for user [cd] with effective roles [cd] on indices [.ds-stream-a-"),
        "{reason}"
    );
    assert!(reason.contains("auto_configure"), "{reason}");
    let bulk = [
        json!({"create": {"_index": "stream-a"}}),
        doc(json!({"known": "k2"})),
        json!({"create": {"_index": "stream-a"}}),
        doc(json!({"unknown": 2})),
    ]
    .iter()
    .map(|l| format!("{l}\n"))
    .collect::<String>();
    let r = send(
        &f,
        axum::http::Request::post("/_bulk")
            .header(header::AUTHORIZATION, &cd)
            .header(header::CONTENT_TYPE, "application/x-ndjson")
            .body(axum::body::Body::from(bulk.clone()))
            .unwrap(),
    )
    .await;
    let body = r.json();
    assert_eq!(r.status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"], true);
    assert_eq!(body["items"][0]["create"]["status"], 201, "{body}");
    assert_eq!(body["items"][1]["create"]["status"], 403, "{body}");
    assert_eq!(
        body["items"][1]["create"]["error"]["type"],
        "security_exception"
    );
    // auto_configure grants it.
    let r = send(
        &f,
        axum::http::Request::post("/_bulk")
            .header(header::AUTHORIZATION, &ac)
            .header(header::CONTENT_TYPE, "application/x-ndjson")
            .body(axum::body::Body::from(bulk))
            .unwrap(),
    )
    .await;
    let body = r.json();
    assert_eq!(body["errors"], false, "{body}");
    assert!(r.headers.get("warning").is_none());
}
