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

#[tokio::test]
async fn search_returns_aggregations_as_elasticsearch_does() {
    let f = Fixture::builder()
        .user("web1_reader", &["web1_reader"])
        .role(
            "web1_reader",
            json!({"indices": [{"names": ["metrics-*"], "privileges": ["read"],
                "query": {"term": {"host": "web-1"}},
                "field_security": {"grant": ["@timestamp", "host", "cpu"]}}]}),
        )
        .build();
    let store = f.state.store.clone().unwrap();
    store
        .put_index_template(
            "metrics",
            &json!({"index_patterns": ["metrics-*"], "priority": 100,
                    "template": {"mappings": {"properties": {
                        "@timestamp": {"type": "date"},
                        "host": {"type": "keyword"},
                        "cpu": {"type": "double"},
                        "secret": {"type": "keyword"},
                        "message": {"type": "text"}}}}}),
            false,
        )
        .unwrap();
    let docs = [
        ("metrics-a", "2026-12-07T00:00:10Z", "web-1", 0.5, "s1"),
        ("metrics-a", "2026-12-07T00:00:40Z", "web-1", 0.7, "s1"),
        ("metrics-a", "2026-12-07T00:01:10Z", "web-2", 0.2, "s2"),
        ("metrics-b", "2026-12-07T00:01:20Z", "web-1", 0.9, "s3"),
        ("metrics-b", "2026-12-07T00:01:50Z", "web-2", 0.4, "s2"),
    ];
    let mut lines = Vec::new();
    for (i, (index, ts, host, cpu, secret)) in docs.iter().enumerate() {
        lines.push(json!({"index": {"_index": index, "_id": i.to_string()}}));
        lines.push(
            json!({"@timestamp": ts, "host": host, "cpu": cpu, "secret": secret, "message": "a b"}),
        );
    }
    let (status, body) = call_json(
        &f,
        "POST",
        "/_bulk?refresh=true",
        &elastic(),
        ndjson(&lines),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"], false, "{body}");

    // Two indices, reduced as one: a terms per host with avg and a minute histogram inside.
    let query = json!({"size": 0, "aggs": {
        "hosts": {"terms": {"field": "host"}, "aggs": {
            "cpu": {"avg": {"field": "cpu"}},
            "per_minute": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1m"}}}},
        "p": {"percentiles": {"field": "cpu", "percents": [50]}},
        "secrets": {"cardinality": {"field": "secret"}},
        "latest": {"top_hits": {"size": 1, "sort": [{"@timestamp": "desc"}], "_source": ["host"]}}}});
    let (status, body) =
        call_json(&f, "POST", "/metrics-*/_search", &elastic(), query.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["hits"]["total"]["value"], 5);
    assert_eq!(body["hits"]["hits"], json!([]));
    let aggs = &body["aggregations"];
    assert_eq!(aggs["hosts"]["doc_count_error_upper_bound"], 0);
    assert_eq!(aggs["hosts"]["sum_other_doc_count"], 0);
    let web1 = &aggs["hosts"]["buckets"][0];
    assert_eq!(web1["key"], "web-1");
    assert_eq!(web1["doc_count"], 3);
    let avg = web1["cpu"]["value"].as_f64().unwrap();
    assert!((avg - 0.7).abs() < 1e-9, "{avg}");
    assert_eq!(
        web1["per_minute"]["buckets"],
        json!([
            {"key_as_string": "2026-12-07T00:00:00.000Z", "key": 1796601600000i64, "doc_count": 2},
            {"key_as_string": "2026-12-07T00:01:00.000Z", "key": 1796601660000i64, "doc_count": 1}
        ])
    );
    assert_eq!(aggs["hosts"]["buckets"][1]["key"], "web-2");
    assert_eq!(aggs["hosts"]["buckets"][1]["doc_count"], 2);
    assert_eq!(aggs["p"], json!({"values": {"50.0": 0.5}}));
    assert_eq!(aggs["secrets"], json!({"value": 3}));
    let latest = &aggs["latest"]["hits"];
    assert_eq!(latest["total"], json!({"value": 5, "relation": "eq"}));
    assert_eq!(latest["hits"][0]["_index"], "metrics-b");
    assert_eq!(latest["hits"][0]["_id"], "4");
    assert_eq!(latest["hits"][0]["_source"], json!({"host": "web-2"}));
    assert_eq!(latest["hits"][0]["sort"], json!([1796601710000i64]));

    // typed_keys names each result with its type.
    let (status, body) = call_json(
        &f,
        "POST",
        "/metrics-*/_search?typed_keys=true",
        &elastic(),
        query,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let aggs = body["aggregations"].as_object().unwrap();
    let mut names: Vec<&String> = aggs.keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cardinality#secrets",
            "sterms#hosts",
            "tdigest_percentiles#p",
            "top_hits#latest"
        ]
    );
    let web1 = &aggs["sterms#hosts"]["buckets"][0];
    assert!(web1.get("avg#cpu").is_some(), "{web1}");
    assert!(web1.get("date_histogram#per_minute").is_some(), "{web1}");

    // Document- and field-level security apply to aggregations: web-1's documents only, and
    // a hidden field aggregates as an unmapped one.
    let (status, body) = call_json(
        &f,
        "POST",
        "/metrics-*/_search",
        &basic("web1_reader", PASSWORD),
        json!({"size": 0, "aggs": {"hosts": {"terms": {"field": "host"}},
               "secrets": {"terms": {"field": "secret"}}, "n": {"value_count": {"field": "cpu"}}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["aggregations"]["hosts"]["buckets"],
        json!([{"key": "web-1", "doc_count": 3}])
    );
    assert_eq!(body["aggregations"]["secrets"]["buckets"], json!([]));
    assert_eq!(body["aggregations"]["n"], json!({"value": 3}));

    // An unknown aggregation type is a 400 parsing_exception with a suggestion.
    let (status, body) = call_json(
        &f,
        "POST",
        "/metrics-*/_search",
        &elastic(),
        json!({"aggs": {"x": {"term": {"field": "host"}}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["status"], 400);
    assert_eq!(body["error"]["type"], "parsing_exception");
    assert_eq!(
        body["error"]["reason"],
        "Unknown aggregation type [term] did you mean [terms]?"
    );
    // Terms on a text field fails on every shard with the fielddata message.
    let (status, body) = call_json(
        &f,
        "POST",
        "/metrics-a/_search",
        &elastic(),
        json!({"aggs": {"x": {"terms": {"field": "message"}}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["type"], "search_phase_execution_exception");
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "illegal_argument_exception"
    );
    assert!(
        body["error"]["root_cause"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Fielddata is disabled on [message] in [metrics-a]."),
        "{body}"
    );
    // A pipeline path to nothing is a request validation error.
    let (status, body) = call_json(
        &f,
        "POST",
        "/metrics-*/_search",
        &elastic(),
        json!({"aggs": {"m": {"max_bucket": {"buckets_path": "nope>cpu"}}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["type"], "action_request_validation_exception");
    assert_eq!(
        body["error"]["reason"],
        "Validation Failed: 1: No aggregation found for path [nope>cpu];"
    );
}

#[tokio::test]
async fn search_highlights_what_the_caller_may_read_in_every_kind_of_search() {
    let f = Fixture::builder()
        .user("disk_reader", &["disk_reader"])
        .role(
            "disk_reader",
            json!({"indices": [{"names": ["logs"], "privileges": ["read"],
                "query": {"match": {"message": "disk"}},
                "field_security": {"grant": ["message*", "level", "n"]}}]}),
        )
        .build();
    let store = f.state.store.clone().unwrap();
    store
        .put_index_template(
            "logs",
            &json!({"index_patterns": ["logs"], "priority": 100,
                    "template": {"mappings": {"properties": {
                        "message": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
                        "note": {"type": "text"},
                        "level": {"type": "keyword"},
                        "n": {"type": "long"}}}}}),
            false,
        )
        .unwrap();
    let docs = [
        json!({"message": "disk error on node1", "note": "error in the note", "level": "error", "n": 1}),
        json!({"message": "Disk full, ERROR", "note": "no", "level": "warn", "n": 2}),
        json!({"message": "network error", "note": "error", "level": "error", "n": 3}),
    ];
    let mut lines = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        lines.push(json!({"index": {"_index": "logs", "_id": (i + 1).to_string()}}));
        lines.push(doc.clone());
    }
    let (status, body) = call_json(
        &f,
        "POST",
        "/_bulk?refresh=true",
        &elastic(),
        ndjson(&lines),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"], false, "{body}");

    let search = json!({
        "query": {"match": {"message": "error"}},
        "sort": [{"n": "asc"}],
        "fields": ["level"],
        "highlight": {"fields": {"*": {}}}
    });
    // As a superuser: every text and keyword field the query names, after `fields`, before
    // `sort`.
    let (status, body) = call_json(&f, "POST", "/logs/_search", &elastic(), search.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = &body["hits"]["hits"][0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        vec![
            "_index",
            "_id",
            "_score",
            "_source",
            "fields",
            "highlight",
            "sort"
        ],
        "{body}"
    );
    assert_eq!(
        first["highlight"],
        json!({"message": ["disk <em>error</em> on node1"]})
    );
    assert_eq!(
        body["hits"]["hits"][1]["highlight"],
        json!({"message": ["Disk full, <em>ERROR</em>"]})
    );

    // The reader: its role query (`disk`) highlights nothing, and `note` is hidden even when
    // the query and the highlight name it.
    let reader = basic("disk_reader", PASSWORD);
    let on_note = json!({
        "query": {"multi_match": {"query": "error", "fields": ["message", "note"]}},
        "sort": [{"n": "asc"}],
        "highlight": {"require_field_match": false, "fields": [{"note": {}}, {"message": {}}]}
    });
    let (status, body) = call_json(&f, "POST", "/logs/_search", &reader, on_note).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["hits"]["total"]["value"], 2, "{body}");
    assert_eq!(
        body["hits"]["hits"][0]["highlight"],
        json!({"message": ["disk <em>error</em> on node1"]}),
        "{body}"
    );
    assert_eq!(
        body["hits"]["hits"][1]["highlight"],
        json!({"message": ["Disk full, <em>ERROR</em>"]})
    );

    // _msearch: each search highlights as _search does.
    let (status, body) = call_json(
        &f,
        "POST",
        "/_msearch",
        &elastic(),
        ndjson(&[
            json!({"index": "logs"}),
            json!({"query": {"term": {"level": "warn"}}, "highlight": {"fields": {"level": {}}}}),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["responses"][0]["hits"]["hits"][0]["highlight"],
        json!({"level": ["<em>warn</em>"]}),
        "{body}"
    );

    // A scroll highlights every page.
    let paged = json!({
        "size": 1,
        "query": {"match": {"message": "error"}},
        "sort": [{"n": "asc"}],
        "highlight": {"fields": {"message": {"number_of_fragments": 0}}}
    });
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs/_search?scroll=1m",
        &elastic(),
        paged.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["hits"]["hits"][0]["highlight"]["message"],
        json!(["disk <em>error</em> on node1"])
    );
    let scroll_id = body["_scroll_id"].as_str().unwrap().to_string();
    let (status, body) = call_json(
        &f,
        "POST",
        "/_search/scroll",
        &elastic(),
        json!({"scroll_id": scroll_id, "scroll": "1m"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["hits"]["hits"][0]["highlight"]["message"],
        json!(["Disk full, <em>ERROR</em>"]),
        "{body}"
    );

    // A point in time too.
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs/_pit?keep_alive=1m",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pit = body["id"].as_str().unwrap().to_string();
    let mut in_pit = paged;
    in_pit["pit"] = json!({"id": pit, "keep_alive": "1m"});
    let (status, body) = call_json(&f, "POST", "/_search", &elastic(), in_pit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["hits"]["hits"][0]["highlight"]["message"],
        json!(["disk <em>error</em> on node1"])
    );

    // Errors are Elasticsearch's.
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs/_search",
        &elastic(),
        json!({"highlight": {"fields": {"message": {"nope": 1}}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "x_content_parse_exception", "{body}");
    assert_eq!(
        body["error"]["reason"], "[1:36] [highlight] failed to parse field [fields]",
        "{body}"
    );
    assert_eq!(
        body["error"]["caused_by"]["reason"],
        "[1:36] [fields] failed to parse field [message]"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"], "[1:36] [highlight_field] unknown field [nope]",
        "{body}"
    );
    let (status, body) = call_json(
        &f,
        "POST",
        "/logs/_search",
        &elastic(),
        json!({"query": {"match": {"message": "error"}}, "highlight": {"type": "postings", "fields": {"message": {}}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["type"], "search_phase_execution_exception",
        "{body}"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "unknown highlighter type [postings] for the field [message]"
    );
}

#[tokio::test]
async fn unknown_search_parameters_are_refused_with_suggestions() {
    let f = Fixture::builder().user("elastic", &["superuser"]).build();
    let e = elastic();
    let (status, body) = call_json(&f, "GET", "/_search?sizee=1", &e, Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["type"], "illegal_argument_exception");
    assert_eq!(
        body["error"]["reason"],
        "request [/_search] contains unrecognized parameter: [sizee] -> did you mean [size]?"
    );
    let (_, body) = call_json(&f, "GET", "/_search?zzz=1&aaa=2", &e, Value::Null).await;
    assert_eq!(
        body["error"]["reason"],
        "request [/_search] contains unrecognized parameters: [aaa], [zzz]"
    );
    // Every response parameter and every `_search` parameter is accepted.
    let (status, _) = call_json(
        &f,
        "GET",
        "/_search?pretty&human&error_trace=false&filter_path=hits.total&size=1&typed_keys=true&rest_total_hits_as_int=true&ignore_unavailable=true",
        &e,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}
