use std::time::Duration;

use serde_json::json;

use crate::rest::test_support::Fixture;

/// The spawned runner polls on its own: a stream whose policy rolls over at one document
/// is rolled over, then its old backing index deleted, without anyone calling it.
#[tokio::test]
async fn the_runner_rolls_over_and_deletes_on_its_interval() {
    let f = Fixture::builder().build();
    let store = f.state.store.clone().unwrap();
    store
        .put_ilm_policy(
            "roll",
            &json!({"policy": {"phases": {
                "hot": {"actions": {"rollover": {"max_docs": 1}}},
                "delete": {"min_age": "0ms", "actions": {"delete": {}}}}}}),
        )
        .unwrap();
    store
        .put_index_template(
            "logs",
            &json!({"index_patterns": ["logs-*"], "data_stream": {},
                    "template": {"settings": {"index.lifecycle.name": "roll"}}}),
            false,
        )
        .unwrap();
    store.create_data_stream("logs-run").unwrap();
    let first = store.metadata().data_stream("logs-run").unwrap().indices[0].clone();
    let (status, body) = crate::rest::test_support::call_json(
        &f,
        "POST",
        "/logs-run/_doc?refresh=true",
        &crate::rest::test_support::basic("elastic", crate::rest::test_support::PASSWORD),
        json!({"@timestamp": "2026-01-01T00:00:00Z"}),
    )
    .await;
    assert!(status.is_success(), "{body}");

    let runner = super::spawn(store.clone(), Duration::from_millis(50));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let indices = store
            .metadata()
            .data_stream("logs-run")
            .unwrap()
            .indices
            .clone();
        if indices.len() == 1 && indices[0] != first {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not rolled over and deleted in time: {indices:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    runner.abort();
    assert!(store.backend().index_info(&first).is_err());
}
