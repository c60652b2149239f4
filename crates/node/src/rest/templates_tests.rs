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

async fn status(f: &Fixture, method: &str, uri: &str) -> StatusCode {
    call(f, method, uri, Some(&elastic()), Value::Null)
        .await
        .status
}

#[tokio::test]
async fn component_and_index_templates_are_put_listed_checked_and_deleted() {
    let f = Fixture::builder().build();
    let body = ok(
        &f,
        "PUT",
        "/_component_template/ct-mappings",
        json!({"template": {"mappings": {"properties": {"host": {"type": "keyword"}}}}}),
    )
    .await;
    assert_eq!(body, json!({"acknowledged": true}));
    assert_eq!(
        status(&f, "HEAD", "/_component_template/ct-mappings").await,
        StatusCode::OK
    );
    assert_eq!(
        status(&f, "HEAD", "/_component_template/nothing").await,
        StatusCode::NOT_FOUND
    );
    let (code, e) = call_json(
        &f,
        "PUT",
        "/_component_template/ct-mappings?create=true",
        &elastic(),
        json!({"template": {}}),
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["type"], "illegal_argument_exception");

    ok(
        &f,
        "PUT",
        "/_index_template/logs-tpl",
        json!({"index_patterns": ["logs-*"], "priority": 10,
               "composed_of": ["ct-mappings"],
               "template": {"settings": {"number_of_replicas": 0}}}),
    )
    .await;
    let listed = ok(&f, "GET", "/_index_template/logs-tpl", Value::Null).await;
    let entry = &listed["index_templates"][0];
    assert_eq!(entry["name"], "logs-tpl");
    assert_eq!(entry["index_template"]["index_patterns"], json!(["logs-*"]));
    assert_eq!(
        entry["index_template"]["composed_of"],
        json!(["ct-mappings"])
    );
    assert_eq!(entry["index_template"]["priority"], 10);
    let flat = ok(
        &f,
        "GET",
        "/_index_template/logs-*?flat_settings=true",
        Value::Null,
    )
    .await;
    assert_eq!(
        flat["index_templates"][0]["index_template"]["template"]["settings"]["index.number_of_replicas"],
        "0"
    );
    let components = ok(&f, "GET", "/_component_template", Value::Null).await;
    assert!(
        components["component_templates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "ct-mappings"),
        "{components}"
    );
    assert_eq!(
        status(&f, "HEAD", "/_index_template/logs-tpl").await,
        StatusCode::OK
    );

    // A missing exact name: 404 with Elasticsearch's error.
    let (code, e) = call_json(&f, "GET", "/_index_template/nope", &elastic(), Value::Null).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["type"], "resource_not_found_exception");
    assert_eq!(
        e["error"]["reason"],
        "index template matching [nope] not found"
    );

    // A component in use stays.
    let (code, e) = call_json(
        &f,
        "DELETE",
        "/_component_template/ct-mappings",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["error"]["reason"],
        "component templates [ct-mappings] cannot be removed as they are still in use by index templates [logs-tpl]"
    );

    // An index created under the pattern gets the composed template.
    ok(&f, "PUT", "/logs-a", Value::Null).await;
    let mapping = ok(&f, "GET", "/logs-a/_mapping", Value::Null).await;
    assert_eq!(
        mapping["logs-a"]["mappings"]["properties"]["host"]["type"],
        "keyword"
    );

    ok(&f, "DELETE", "/_index_template/logs-tpl", Value::Null).await;
    ok(&f, "DELETE", "/_component_template/ct-*", Value::Null).await;
    assert_eq!(
        status(&f, "HEAD", "/_index_template/logs-tpl").await,
        StatusCode::NOT_FOUND
    );
    let (code, e) = call_json(
        &f,
        "DELETE",
        "/_index_template/logs-tpl",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["type"], "index_template_missing_exception");
}

#[tokio::test]
async fn templates_are_simulated_for_an_index_and_as_given() {
    let f = Fixture::builder().build();
    ok(
        &f,
        "PUT",
        "/_component_template/ct",
        json!({"template": {"mappings": {"properties": {"a": {"type": "long"}}}}}),
    )
    .await;
    ok(
        &f,
        "PUT",
        "/_index_template/metrics",
        json!({"index_patterns": ["metrics-*"], "composed_of": ["ct"],
               "template": {"settings": {"index.number_of_shards": 1},
                            "aliases": {"all-metrics": {}}}}),
    )
    .await;
    let simulated = ok(
        &f,
        "POST",
        "/_index_template/_simulate_index/metrics-1",
        Value::Null,
    )
    .await;
    assert_eq!(
        simulated["template"]["mappings"]["properties"]["a"]["type"],
        "long"
    );
    assert_eq!(
        simulated["template"]["settings"]["index"]["number_of_shards"],
        "1"
    );
    assert!(simulated["template"]["aliases"]["all-metrics"].is_object());
    assert_eq!(simulated["overlapping"], json!([]));
    // No template matches: an empty body.
    let none = ok(
        &f,
        "POST",
        "/_index_template/_simulate_index/other",
        Value::Null,
    )
    .await;
    assert_eq!(none, json!({}));
    // A template given in the body takes part, unstored, and wins on its priority.
    let given = ok(
        &f,
        "POST",
        "/_index_template/_simulate_index/metrics-1",
        json!({"index_patterns": ["metrics-1*"], "priority": 50,
               "template": {"settings": {"index.number_of_replicas": 0}}}),
    )
    .await;
    assert_eq!(
        given["template"]["settings"]["index"]["number_of_replicas"], "0",
        "{given}"
    );
    // The stored template's component (`a`) is not part of the winner.
    assert!(
        given["template"]["mappings"]["properties"]["a"].is_null(),
        "{given}"
    );
    assert_eq!(
        given["overlapping"],
        json!([{"name": "metrics", "index_patterns": ["metrics-*"]}])
    );
    let listed = ok(&f, "GET", "/_index_template", Value::Null).await;
    assert_eq!(listed["index_templates"].as_array().unwrap().len(), 1);

    // A template given in the body, overlapping the stored one.
    let given = ok(
        &f,
        "POST",
        "/_index_template/_simulate",
        json!({"index_patterns": ["metrics-x*"], "composed_of": ["ct"],
               "template": {"mappings": {"properties": {"b": {"type": "keyword"}}}}}),
    )
    .await;
    assert_eq!(
        given["template"]["mappings"]["properties"]["a"]["type"],
        "long"
    );
    assert_eq!(
        given["template"]["mappings"]["properties"]["b"]["type"],
        "keyword"
    );
    assert_eq!(
        given["overlapping"],
        json!([{"name": "metrics", "index_patterns": ["metrics-*"]}])
    );
    // A stored one by name.
    let stored = ok(
        &f,
        "POST",
        "/_index_template/_simulate/metrics",
        Value::Null,
    )
    .await;
    assert!(
        stored["template"]["aliases"]["all-metrics"].is_object(),
        "{stored}"
    );
    let (code, e) = call_json(
        &f,
        "POST",
        "/_index_template/_simulate/nothing",
        &elastic(),
        Value::Null,
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(
        e["error"]["reason"],
        "unable to simulate template [nothing] that does not exist"
    );
}
