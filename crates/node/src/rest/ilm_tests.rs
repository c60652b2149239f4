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

fn rollover_policy() -> Value {
    json!({"policy": {"phases": {
        "hot": {"actions": {"rollover": {"max_docs": 1}}},
        "delete": {"min_age": "0ms", "actions": {"delete": {}}}}}})
}

#[tokio::test]
async fn policies_are_put_listed_and_deleted() {
    let f = Fixture::builder().build();
    assert_eq!(ok(&f, "GET", "/_ilm/policy", Value::Null).await, json!({}));
    assert_eq!(
        ok(&f, "PUT", "/_ilm/policy/roll", rollover_policy()).await,
        json!({"acknowledged": true})
    );
    let listed = ok(&f, "GET", "/_ilm/policy/roll", Value::Null).await;
    assert_eq!(listed["roll"]["version"], 1);
    assert!(listed["roll"]["modified_date"].is_string(), "{listed}");
    assert_eq!(
        listed["roll"]["policy"]["phases"]["hot"]["actions"]["rollover"]["max_docs"],
        1
    );
    assert_eq!(
        listed["roll"]["in_use_by"],
        json!({"indices": [], "data_streams": [], "composable_templates": []})
    );
    // The same policy again changes nothing; a different one is version 2.
    ok(&f, "PUT", "/_ilm/policy/roll", rollover_policy()).await;
    let mut changed = rollover_policy();
    changed["policy"]["phases"]["hot"]["actions"]["rollover"]["max_docs"] = json!(5);
    ok(&f, "PUT", "/_ilm/policy/roll", changed).await;
    let listed = ok(&f, "GET", "/_ilm/policy", Value::Null).await;
    assert_eq!(listed["roll"]["version"], 2);

    let (status, e) = error(&f, "GET", "/_ilm/policy/missing", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(e["type"], "resource_not_found_exception");
    assert_eq!(e["reason"], "Lifecycle policy not found: missing");
    let (status, e) = error(&f, "PUT", "/_ilm/policy/bad", json!({"phases": {}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let (status, _) = error(&f, "PUT", "/_ilm/policy/bad", Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // In use by an index: refused.
    ok(
        &f,
        "PUT",
        "/managed",
        json!({"settings": {"index.lifecycle.name": "roll"}}),
    )
    .await;
    let (status, e) = error(&f, "DELETE", "/_ilm/policy/roll", Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["reason"],
        "Cannot delete policy [roll]. It is in use by one or more indices: [managed]"
    );
    ok(&f, "DELETE", "/managed", Value::Null).await;
    ok(&f, "DELETE", "/_ilm/policy/roll", Value::Null).await;
    let (status, _) = error(&f, "DELETE", "/_ilm/policy/roll", Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn explain_shows_where_the_runner_left_each_index_and_stop_halts_it() {
    let f = Fixture::builder().build();
    let store = f.state.store.clone().unwrap();
    ok(&f, "PUT", "/_ilm/policy/roll", rollover_policy()).await;
    ok(
        &f,
        "PUT",
        "/_index_template/logs",
        json!({"index_patterns": ["logs-*"], "data_stream": {},
               "template": {"settings": {"index.lifecycle.name": "roll"}}}),
    )
    .await;
    ok(&f, "PUT", "/plain", Value::Null).await;
    ok(
        &f,
        "POST",
        "/logs-app/_doc?refresh=true",
        json!({"@timestamp": "2026-01-01T00:00:00Z"}),
    )
    .await;
    let first =
        ok(&f, "GET", "/_data_stream/logs-app", Value::Null).await["data_streams"][0]["indices"][0]
            ["index_name"]
            .as_str()
            .unwrap()
            .to_string();

    // The runner's poll: the one document meets max_docs, so the stream rolls over.
    let run = crate::ilm_runner::poll(&store).await;
    assert_eq!(run.rolled_over, [("logs-app".to_string(), first.clone())]);
    let explained = ok(&f, "GET", "/logs-app,plain/_ilm/explain", Value::Null).await;
    let indices = explained["indices"].as_object().unwrap();
    assert_eq!(indices.len(), 3, "{explained}");
    assert_eq!(
        explained["indices"]["plain"],
        json!({"index": "plain", "managed": false})
    );
    let old = &explained["indices"][&first];
    assert_eq!(old["managed"], true);
    assert_eq!(old["policy"], "roll");
    let second = indices
        .keys()
        .find(|k| *k != &first && *k != "plain")
        .unwrap()
        .clone();
    // The old index went on in its lifecycle; the new one has none until the next poll.
    assert!(old["phase"].is_string(), "{old}");
    let managed = ok(
        &f,
        "GET",
        "/logs-app,plain/_ilm/explain?only_managed=true",
        Value::Null,
    )
    .await;
    assert!(managed["indices"]["plain"].is_null(), "{managed}");
    let errors = ok(&f, "GET", "/*/_ilm/explain?only_errors", Value::Null).await;
    assert_eq!(errors, json!({"indices": {}}));

    // The next poll deletes the rolled-over index (delete phase, min_age 0ms).
    let run = crate::ilm_runner::poll(&store).await;
    assert_eq!(run.deleted, std::slice::from_ref(&first));
    let (status, _) = error(&f, "GET", &format!("/{first}"), Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let explained = ok(&f, "GET", &format!("/{second}/_ilm/explain"), Value::Null).await;
    let new = &explained["indices"][&second];
    assert_eq!(
        (&new["phase"], &new["action"], &new["step"]),
        (
            &json!("hot"),
            &json!("rollover"),
            &json!("check-rollover-ready")
        ),
        "{new}"
    );

    // Stopped: a stream that met its condition stays as it is.
    assert_eq!(
        ok(&f, "GET", "/_ilm/status", Value::Null).await,
        json!({"operation_mode": "RUNNING"})
    );
    ok(&f, "POST", "/_ilm/stop", Value::Null).await;
    assert_eq!(
        ok(&f, "GET", "/_ilm/status", Value::Null).await,
        json!({"operation_mode": "STOPPED"})
    );
    ok(
        &f,
        "POST",
        "/logs-app/_doc?refresh=true",
        json!({"@timestamp": "2026-01-01T00:00:01Z"}),
    )
    .await;
    let run = crate::ilm_runner::poll(&store).await;
    assert!(run.rolled_over.is_empty(), "{run:?}");
    ok(&f, "POST", "/_ilm/start", Value::Null).await;
    let run = crate::ilm_runner::poll(&store).await;
    assert_eq!(run.rolled_over.len(), 1, "{run:?}");
}
