use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::metadata::NoChecks;
use crate::metadata::aliases::parse_alias_actions;

/// 2023-11-14T22:13:20Z
const NOW: i64 = 1_700_000_000_000;
const DAY: i64 = 86_400_000;

fn put(md: &mut Metadata, name: &str, body: Value) {
    md.put_ilm_policy(name, &body, NOW)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
}

fn put_err(body: Value) -> StoreError {
    Metadata::new()
        .put_ilm_policy("p", &body, NOW)
        .expect_err("expected a refusal")
}

fn body_of(e: &StoreError) -> Value {
    e.to_exception().to_body(false)
}

fn standard_policy() -> Value {
    json!({"policy": {"_meta": {"by": "me"}, "phases": {
        "delete": {"min_age": "90d", "actions": {"delete": {}}},
        "hot": {"min_age": "0ms", "actions": {"set_priority": {"priority": 100},
                                              "rollover": {"max_age": "30d", "max_primary_shard_size": "50gb"}}},
        "warm": {"min_age": "30d", "actions": {"readonly": {}, "set_priority": {"priority": 50},
                                               "forcemerge": {"max_num_segments": 1}}}
    }}})
}

#[test]
fn policies_round_trip_in_phase_and_action_order() {
    let mut md = Metadata::new();
    put(&mut md, "p", standard_policy());
    let got = md.get_ilm_policies(&["p".into()], &[]).unwrap();
    assert_eq!(
        got,
        json!({"p": {
            "version": 1,
            "modified_date": "2023-11-14T22:13:20Z",
            "policy": {"phases": {
                "hot": {"min_age": "0ms", "actions": {
                    "set_priority": {"priority": 100},
                    "rollover": {"max_primary_shard_size": "50gb", "max_age": "30d"}}},
                "warm": {"min_age": "30d", "actions": {
                    "set_priority": {"priority": 50}, "readonly": {}, "forcemerge": {"max_num_segments": 1}}},
                "delete": {"min_age": "90d", "actions": {"delete": {"delete_searchable_snapshot": true}}}
            }, "_meta": {"by": "me"}},
            "in_use_by": {"indices": [], "data_streams": [], "composable_templates": []}
        }})
    );
    let phases: Vec<&String> = got["p"]["policy"]["phases"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(phases, vec!["hot", "warm", "delete"]);
    // The stored form reads back to the same policy.
    let stored = serde_json::to_value(&md.ilm_policies["p"]).unwrap();
    let back: PolicyMetadata = serde_json::from_value(stored).unwrap();
    assert_eq!(back, md.ilm_policies["p"]);
}

#[test]
fn versions_and_dates() {
    let mut md = Metadata::new();
    put(&mut md, "p", standard_policy());
    md.put_ilm_policy("p", &standard_policy(), NOW + 1).unwrap();
    assert_eq!(md.ilm_policy("p").unwrap().version, 1);
    md.put_ilm_policy(
        "p",
        &json!({"policy": {"phases": {"hot": {"actions": {}}}}}),
        NOW + 1_500,
    )
    .unwrap();
    let p = md.ilm_policy("p").unwrap();
    assert_eq!((p.version, p.modified_date), (2, NOW + 1_500));
    let got = md.get_ilm_policies(&[], &[]).unwrap();
    assert_eq!(got["p"]["modified_date"], "2023-11-14T22:13:21.500Z");
}

#[test]
fn parse_errors_nest_as_elasticsearch_nests_them() {
    let e = put_err(json!({"policy": {"phases": {"hot": {"actions": {"shrinkk": {}}}}}}));
    let body = body_of(&e);
    assert_eq!(
        body["error"]["reason"],
        "[put_lifecycle_request] failed to parse field [policy]"
    );
    assert_eq!(
        body["error"]["caused_by"]["reason"],
        "[lifecycle_policy] failed to parse field [phases]"
    );
    assert_eq!(
        body["error"]["caused_by"]["caused_by"]["reason"],
        "[phases] failed to parse field [hot]"
    );
    assert_eq!(
        body["error"]["caused_by"]["caused_by"]["caused_by"]["reason"],
        "[phase] failed to parse field [actions]"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "unknown field [shrinkk]"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "x_content_parse_exception"
    );

    let e = put_err(json!({"policy": {"phases": {"hot": {"min_age": "1d"}}}}));
    let body = body_of(&e);
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "[phases] failed to parse field [hot]"
    );
    assert_eq!(
        body["error"]["caused_by"]["caused_by"]["caused_by"]["reason"],
        "Required [actions]"
    );

    let e = put_err(json!({"policy": {"phases": {}, "name": "x"}}));
    assert_eq!(
        body_of(&e)["error"]["root_cause"][0]["reason"],
        "[lifecycle_policy] unknown field [name]"
    );
    let e = put_err(json!({}));
    assert_eq!(e.to_string(), "Required [policy]");
    let e = put_err(json!({"policy": {}}));
    assert_eq!(
        body_of(&e)["error"]["caused_by"]["reason"],
        "Required [phases]"
    );
}

#[test]
fn actions_ironstack_does_not_run_are_refused() {
    let e = put_err(
        json!({"policy": {"phases": {"warm": {"actions": {"shrink": {"number_of_shards": 1}}}}}}),
    );
    let body = body_of(&e);
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "[actions] failed to parse field [shrink]"
    );
    let deepest = &body["error"]["caused_by"]["caused_by"]["caused_by"]["caused_by"]["caused_by"];
    assert_eq!(
        deepest["reason"],
        "the [shrink] action is not supported; supported actions are [rollover, set_priority, readonly, forcemerge, delete]"
    );
}

#[test]
fn action_and_phase_rules() {
    let e = put_err(json!({"policy": {"phases": {"lukewarm": {"actions": {}}}}}));
    assert_eq!(
        e.to_string(),
        "Timeseries lifecycle does not support phase [lukewarm]"
    );
    let e = put_err(
        json!({"policy": {"phases": {"delete": {"actions": {"rollover": {"max_docs": 1}}}}}}),
    );
    assert_eq!(
        e.to_string(),
        "invalid action [rollover] defined in phase [delete]"
    );
    let e = put_err(json!({"policy": {"phases": {"hot": {"actions": {"readonly": {}}}}}}));
    assert_eq!(
        e.to_string(),
        "the [readonly] action(s) may not be used in the [hot] phase without an accompanying [rollover] action"
    );
    let e =
        put_err(json!({"policy": {"phases": {"hot": {"actions": {"rollover": {"min_docs": 1}}}}}}));
    assert_eq!(
        body_of(&e)["error"]["root_cause"][0]["reason"],
        "[actions] failed to parse field [rollover]"
    );
    let deep = |e: &StoreError| {
        body_of(e)["error"]["caused_by"]["caused_by"]["caused_by"]["caused_by"]["caused_by"]["reason"].clone()
    };
    assert_eq!(
        deep(&e),
        "At least one max_* rollover condition must be set."
    );
    let e = put_err(
        json!({"policy": {"phases": {"warm": {"actions": {"set_priority": {"priority": -1}}}}}}),
    );
    assert_eq!(deep(&e), "[priority] must be 0 or greater");
    let e = put_err(json!({"policy": {"phases": {"warm": {"actions": {"set_priority": {}}}}}}));
    assert_eq!(deep(&e), "Required [priority]");
    let e = put_err(
        json!({"policy": {"phases": {"warm": {"actions": {"forcemerge": {"max_num_segments": 0}}}}}}),
    );
    assert_eq!(deep(&e), "[max_num_segments] must be a positive integer");
    let e = put_err(
        json!({"policy": {"phases": {"warm": {"actions": {"forcemerge": {"max_num_segments": 1, "index_codec": "lz4"}}}}}}),
    );
    assert_eq!(deep(&e), "unknown index codec: [lz4]");
    // A null priority is allowed; a negative min_age reads as 0.
    let mut md = Metadata::new();
    put(
        &mut md,
        "ok",
        json!({"policy": {"phases": {"warm": {"min_age": "-1d", "actions": {"set_priority": {"priority": null}}}}}}),
    );
    let got = md.get_ilm_policies(&["ok".into()], &[]).unwrap();
    assert_eq!(
        got["ok"]["policy"]["phases"]["warm"],
        json!({"min_age": "0ms", "actions": {"set_priority": {"priority": null}}})
    );
}

#[test]
fn phase_timings_must_increase() {
    let e = put_err(json!({"policy": {"phases": {
        "warm": {"min_age": "10d", "actions": {}},
        "cold": {"min_age": "5d", "actions": {}},
        "delete": {"min_age": "2d", "actions": {"delete": {}}}
    }}}));
    assert_eq!(
        e.to_string(),
        "Validation Failed: 1: Your policy is configured to run the cold phase (min_age: 5d) and the delete phase (min_age: 2d) before the warm phase (min_age: 10d). You should change the phase timing so that the phases will execute in the order of hot, warm, then cold.;"
    );
    assert_eq!(
        e.to_exception().error_type,
        "action_request_validation_exception"
    );
}

#[test]
fn policy_names() {
    let mut md = Metadata::new();
    for (name, why) in [
        ("", "must not be null or empty"),
        ("a,b", "must not contain ','"),
        ("a b", "must not contain spaces"),
        ("_a", "must not start with '_'"),
    ] {
        let e = md
            .put_ilm_policy(name, &standard_policy(), NOW)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("invalid policy name [{name}]: {why}")
        );
    }
}

#[test]
fn get_and_delete_texts() {
    let mut md = Metadata::new();
    assert_eq!(md.get_ilm_policies(&[], &[]).unwrap(), json!({}));
    let e = md
        .get_ilm_policies(&["a".into(), "b".into()], &[])
        .unwrap_err();
    assert_eq!(e.to_string(), "Lifecycle policy not found: [a, b]");
    assert_eq!(e.to_exception().status, 404);
    put(&mut md, "p", standard_policy());
    let e = md.get_ilm_policies(&["q".into()], &[]).unwrap_err();
    assert_eq!(e.to_string(), "Lifecycle policy not found: q");
    let e = md
        .get_ilm_policies(&["p*".into(), "q".into()], &[])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "wildcard only supports a single value, please use comma-separated values or a single wildcard value"
    );
    assert_eq!(md.get_ilm_policies(&["z*".into()], &[]).unwrap(), json!({}));
    let mut using = ConcreteIndex::new("idx-2", "u");
    using.lifecycle_name = Some("p".into());
    let mut using1 = ConcreteIndex::new("idx-1", "u");
    using1.lifecycle_name = Some("p".into());
    let e = md.delete_ilm_policy("p", &[using1, using]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Cannot delete policy [p]. It is in use by one or more indices: [idx-1, idx-2]"
    );
    md.delete_ilm_policy("p", &[]).unwrap();
    let e = md.delete_ilm_policy("p", &[]).unwrap_err();
    assert_eq!(e.to_string(), "Lifecycle policy not found: p");
    assert_eq!(e.to_exception().error_type, "resource_not_found_exception");
}

#[test]
fn in_use_by_lists_indices_data_streams_and_templates() {
    let mut md = Metadata::new();
    put(&mut md, "p", standard_policy());
    md.put_component_template(
        "ilm",
        &json!({"template": {"settings": {"index.lifecycle.name": "p"}}}),
        false,
        NOW,
        &NoChecks,
    )
    .unwrap();
    md.put_index_template(
        "logs",
        &json!({"index_patterns": ["logs-*"], "data_stream": {}, "composed_of": ["ilm"]}),
        false,
        NOW,
        &NoChecks,
    )
    .unwrap();
    let plan = md.plan_data_stream("logs-a", &[], &NoChecks, NOW).unwrap();
    md.commit_data_stream(&plan).unwrap();
    let mut backing = ConcreteIndex::new(plan.backing_index.name.clone(), "u");
    backing.lifecycle_name = Some("p".into());
    let got = md
        .get_ilm_policies(&["p".into()], &[backing.clone()])
        .unwrap();
    assert_eq!(
        got["p"]["in_use_by"],
        json!({"indices": [backing.name], "data_streams": ["logs-a"], "composable_templates": ["logs"]})
    );
}

fn managed(name: &str, created: i64) -> ConcreteIndex {
    let mut c = ConcreteIndex::new(name, "u");
    c.creation_date = created;
    c.lifecycle_name = Some("p".into());
    c
}

fn alias_setup(md: &mut Metadata, index: &ConcreteIndex) {
    let actions = parse_alias_actions(&json!({"actions": [{"add": {"index": index.name, "alias": "logs", "is_write_index": true}}]}))
        .unwrap();
    md.apply_alias_actions(&actions, std::slice::from_ref(index), &NoChecks, NOW)
        .unwrap();
}

#[test]
fn the_hot_phase_waits_for_rollover_conditions_at_their_boundary() {
    let mut md = Metadata::new();
    put(
        &mut md,
        "p",
        json!({"policy": {"phases": {
            "hot": {"actions": {"rollover": {"max_age": "1d"}}},
            "delete": {"min_age": "2d", "actions": {"delete": {}}}
        }}}),
    );
    let index = managed("logs-000001", NOW);
    alias_setup(&mut md, &index);
    let facts = IlmFacts {
        docs: 5,
        primary_size_bytes: 100,
    };
    // Just under a day: waiting.
    assert!(md.ilm_step(&index, &facts, NOW + DAY - 1).is_empty());
    let state = md.lifecycle_state("logs-000001").unwrap();
    assert_eq!(
        (
            state.phase.as_str(),
            state.action.as_str(),
            state.step.as_str()
        ),
        ("hot", "rollover", "check-rollover-ready")
    );
    // At a day exactly: roll over, and keep asking until it happened.
    let want = vec![IlmAction::Rollover {
        target: "logs".into(),
    }];
    assert_eq!(md.ilm_step(&index, &facts, NOW + DAY), want);
    assert_eq!(md.ilm_step(&index, &facts, NOW + DAY + 1), want);
    // An empty index does not roll over (the implicit min_docs: 1).
    let empty = IlmFacts {
        docs: 0,
        primary_size_bytes: 0,
    };
    assert!(md.ilm_step(&index, &empty, NOW + DAY + 2).is_empty());
    // The service rolled over at NOW + DAY; ages now count from then.
    let plan = md
        .plan_rollover(
            "logs",
            None,
            None,
            &Default::default(),
            std::slice::from_ref(&index),
            &NoChecks,
            NOW + DAY,
        )
        .unwrap();
    md.commit_rollover(&plan, std::slice::from_ref(&index), &NoChecks, NOW + DAY)
        .unwrap();
    assert!(md.ilm_step(&index, &facts, NOW + DAY + 5).is_empty());
    let state = md.lifecycle_state("logs-000001").unwrap();
    assert_eq!(
        (state.phase.as_str(), state.action.as_str()),
        ("hot", "complete")
    );
    // The delete phase starts 2 days after the rollover, not after creation.
    assert!(md.ilm_step(&index, &facts, NOW + 3 * DAY - 1).is_empty());
    assert_eq!(
        md.ilm_step(&index, &facts, NOW + 3 * DAY),
        vec![IlmAction::Delete]
    );
    let state = md.lifecycle_state("logs-000001").unwrap();
    assert_eq!(
        (
            state.phase.as_str(),
            state.action.as_str(),
            state.step.as_str()
        ),
        ("delete", "delete", "delete")
    );
    md.remove_index("logs-000001");
    assert!(md.lifecycle_state("logs-000001").is_none());
}

#[test]
fn warm_actions_run_once_and_the_phase_completes() {
    let mut md = Metadata::new();
    put(
        &mut md,
        "p",
        json!({"policy": {"phases": {
            "warm": {"min_age": "1d", "actions": {"forcemerge": {"max_num_segments": 1}, "set_priority": {"priority": 50}, "readonly": {}}}
        }}}),
    );
    let index = managed("plain", NOW);
    let facts = IlmFacts::default();
    assert!(md.ilm_step(&index, &facts, NOW).is_empty());
    assert_eq!(md.lifecycle_state("plain").unwrap().phase, "new");
    assert_eq!(
        md.ilm_step(&index, &facts, NOW + DAY),
        vec![
            IlmAction::SetPriority(Some(50)),
            IlmAction::ReadOnly,
            IlmAction::ForceMerge {
                max_num_segments: 1,
                index_codec: None
            }
        ]
    );
    let state = md.lifecycle_state("plain").unwrap();
    assert_eq!(
        (
            state.phase.as_str(),
            state.action.as_str(),
            state.step.as_str()
        ),
        ("warm", "complete", "complete")
    );
    assert!(md.ilm_step(&index, &facts, NOW + 2 * DAY).is_empty());
}

#[test]
fn rollover_without_a_target_is_an_error_step_that_retries() {
    let mut md = Metadata::new();
    put(
        &mut md,
        "p",
        json!({"policy": {"phases": {"hot": {"actions": {"rollover": {"max_docs": 1}}}}}}),
    );
    let index = managed("lonely", NOW);
    assert!(
        md.ilm_step(
            &index,
            &IlmFacts {
                docs: 9,
                primary_size_bytes: 0
            },
            NOW
        )
        .is_empty()
    );
    let state = md.lifecycle_state("lonely").unwrap();
    assert_eq!(state.step, "ERROR");
    assert_eq!(state.failed_step.as_deref(), Some("check-rollover-ready"));
    assert_eq!(
        state.step_info,
        Some(
            json!({"type": "illegal_argument_exception", "reason": "setting [index.lifecycle.rollover_alias] for index [lonely] is empty or not defined"})
        )
    );
    // Once an alias points at it, the retry asks for the rollover.
    alias_setup(&mut md, &index);
    assert_eq!(
        md.ilm_step(
            &index,
            &IlmFacts {
                docs: 9,
                primary_size_bytes: 0
            },
            NOW + 1
        ),
        vec![IlmAction::Rollover {
            target: "logs".into()
        }]
    );
}

#[test]
fn a_missing_policy_and_a_stopped_ilm() {
    let mut md = Metadata::new();
    let index = managed("x", NOW);
    assert!(md.ilm_step(&index, &IlmFacts::default(), NOW).is_empty());
    let state = md.lifecycle_state("x").unwrap();
    assert_eq!(state.step, "ERROR");
    assert_eq!(
        state.step_info.as_ref().unwrap()["reason"],
        "policy [p] does not exist"
    );
    put(
        &mut md,
        "p",
        json!({"policy": {"phases": {"delete": {"actions": {"delete": {}}}}}}),
    );
    md.set_ilm_mode(IlmMode::Stopped);
    assert_eq!(md.ilm_status(), json!({"operation_mode": "STOPPED"}));
    assert!(md.ilm_step(&index, &IlmFacts::default(), NOW).is_empty());
    md.set_ilm_mode(IlmMode::Running);
    assert_eq!(
        md.ilm_step(&index, &IlmFacts::default(), NOW),
        vec![IlmAction::Delete]
    );
}

#[test]
fn explain_bodies() {
    let mut md = Metadata::new();
    put(
        &mut md,
        "p",
        json!({"policy": {"phases": {"hot": {"actions": {"rollover": {"max_age": "30d"}}}}}}),
    );
    let index = managed("logs-000001", NOW - 15_000);
    alias_setup(&mut md, &index);
    md.ilm_step(&index, &IlmFacts::default(), NOW);
    let unmanaged = ConcreteIndex::new("other", "u");
    let got = md.ilm_explain(&[index, unmanaged], NOW, false);
    assert_eq!(
        got,
        json!({"indices": {
            "logs-000001": {
                "index": "logs-000001",
                "index_creation_date_millis": NOW - 15_000,
                "managed": true,
                "policy": "p",
                "time_since_index_creation": "15s",
                "lifecycle_date_millis": NOW - 15_000,
                "age": "15s",
                "phase": "hot",
                "phase_time_millis": NOW,
                "action": "rollover",
                "action_time_millis": NOW,
                "step": "check-rollover-ready",
                "step_time_millis": NOW,
                "phase_execution": {
                    "policy": "p",
                    "phase_definition": {"min_age": "0ms", "actions": {"rollover": {
                        "max_age": "30d", "max_primary_shard_docs": 200000000, "min_docs": 1}}},
                    "version": 1,
                    "modified_date_in_millis": NOW
                },
                "skip": false
            },
            "other": {"index": "other", "managed": false}
        }})
    );
    let human = md.ilm_explain(&[managed("logs-000001", NOW - 15_000)], NOW, true);
    let entry = &human["indices"]["logs-000001"];
    assert_eq!(entry["index_creation_date"], "2023-11-14T22:13:05.000Z");
    assert_eq!(
        entry["phase_execution"]["modified_date"],
        "2023-11-14T22:13:20.000Z"
    );
    let keys: Vec<&String> = entry.as_object().unwrap().keys().take(3).collect();
    assert_eq!(
        keys,
        vec!["index", "index_creation_date", "index_creation_date_millis"]
    );
}

#[test]
fn java_zoned_date_time_strings() {
    let at = |ms: i64| java_zoned_date_time(timestamp_from_millis(ms).unwrap());
    assert_eq!(at(0), "1970-01-01T00:00Z");
    assert_eq!(at(5_000), "1970-01-01T00:00:05Z");
    assert_eq!(at(5_120), "1970-01-01T00:00:05.120Z");
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[0-9a-z_ -]{0,6}".prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("policy".to_string()),
        Just("phases".to_string()),
        Just("hot".to_string()),
        Just("warm".to_string()),
        Just("delete".to_string()),
        Just("min_age".to_string()),
        Just("actions".to_string()),
        Just("rollover".to_string()),
        Just("max_age".to_string()),
        Just("max_docs".to_string()),
        Just("set_priority".to_string()),
        Just("priority".to_string()),
        Just("forcemerge".to_string()),
        Just("max_num_segments".to_string()),
        "[a-z_]{1,6}",
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn policy_parsers_never_panic(body in any_json(), age in 0i64..10 * DAY, docs in any::<u64>()) {
        let mut md = Metadata::new();
        if md.put_ilm_policy("p", &body, NOW).is_ok() {
            let index = managed("i", NOW);
            let _ = md.ilm_step(&index, &IlmFacts { docs, primary_size_bytes: docs }, NOW + age);
            let _ = md.ilm_explain(&[index], NOW + age, true);
            let _ = md.get_ilm_policies(&[], &[]);
        }
    }
}

#[test]
fn a_data_stream_write_index_is_not_deleted_until_rolled_over() {
    let mut md = Metadata::new();
    put(
        &mut md,
        "p",
        json!({"policy": {"phases": {"delete": {"min_age": "1d", "actions": {"delete": {}}}}}}),
    );
    md.put_index_template(
        "t",
        &json!({"index_patterns": ["logs-*"], "data_stream": {}}),
        false,
        NOW,
        &NoChecks,
    )
    .unwrap();
    let plan = md.plan_data_stream("logs-a", &[], &NoChecks, NOW).unwrap();
    md.commit_data_stream(&plan).unwrap();
    let index = managed(&plan.backing_index.name, NOW);
    assert!(
        md.ilm_step(&index, &IlmFacts::default(), NOW + DAY)
            .is_empty()
    );
    let state = md.lifecycle_state(&index.name).unwrap();
    assert_eq!(
        (state.step.as_str(), state.failed_step.as_deref()),
        ("ERROR", Some("delete"))
    );
    assert_eq!(
        state.step_info.as_ref().unwrap()["type"],
        "illegal_state_exception"
    );
    // After a rollover the old index goes.
    let rollover = md
        .plan_rollover(
            "logs-a",
            None,
            None,
            &Default::default(),
            std::slice::from_ref(&index),
            &NoChecks,
            NOW + DAY,
        )
        .unwrap();
    md.commit_rollover(
        &rollover,
        std::slice::from_ref(&index),
        &NoChecks,
        NOW + DAY,
    )
    .unwrap();
    assert_eq!(
        md.ilm_step(&index, &IlmFacts::default(), NOW + 2 * DAY),
        vec![IlmAction::Delete]
    );
}
