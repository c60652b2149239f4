use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::metadata::NoChecks;
use crate::metadata::aliases::parse_alias_actions;

/// 2023-11-14T22:13:20Z
const NOW: i64 = 1_700_000_000_000;
const DAY: i64 = 86_400_000;

fn conditions(v: Value) -> RolloverConditions {
    RolloverConditions::parse(v.as_object().unwrap(), "conditions").unwrap()
}

#[test]
fn byte_sizes_read_and_print_as_elasticsearch() {
    let s = ByteSize::parse("50gb", "max_size").unwrap();
    assert_eq!(
        (s.bytes(), s.rep(), s.to_string().as_str()),
        (50 << 30, "50gb", "50gb")
    );
    let s = ByteSize::parse("1024MB", "max_size").unwrap();
    assert_eq!((s.rep(), s.to_string().as_str()), ("1024mb", "1gb"));
    assert_eq!(ByteSize::parse("10k", "x").unwrap().bytes(), 10 << 10);
    assert_eq!(ByteSize::parse("1.5kb", "x").unwrap().bytes(), 1536);
    assert_eq!(ByteSize::parse("0", "x").unwrap().bytes(), 0);
    let e = ByteSize::parse("12", "max_size").unwrap_err();
    assert_eq!(
        e.to_string(),
        "failed to parse setting [max_size] with value [12] as a size in bytes: unit is missing or unrecognized"
    );
    assert_eq!(e.to_exception().error_type, "parse_exception");
    assert_eq!(
        ByteSize::parse("xgb", "max_size").unwrap_err().to_string(),
        "failed to parse setting [max_size] with value [xgb]"
    );
    assert_eq!(format_bytes(227), "227b");
    assert_eq!(format_bytes(33_484), "32.6kb");
    assert_eq!(format_bytes(1 << 30), "1gb");
}

#[test]
fn human_time_values() {
    let t = |s: &str| TimeValue::parse(s, "x").unwrap();
    assert_eq!(format_time(t("7d"), 1), "7d");
    assert_eq!(format_time(t("90m"), 1), "1.5h");
    assert_eq!(format_time(t("1440m"), 1), "1d");
    assert_eq!(format_time(t("0ms"), 1), "0s");
    assert_eq!(format_time(millis(15_500), 2), "15.5s");
    assert_eq!(format_time(millis(1_234), 2), "1.23s");
    assert_eq!(format_time(millis(59), 2), "59ms");
}

#[test]
fn conditions_parse_strictly_and_echo_their_representation() {
    let c = conditions(
        json!({"max_age": "7d", "max_docs": 5, "max_primary_shard_size": "50gb", "min_docs": "1"}),
    );
    assert_eq!(
        c.to_json(),
        json!({"max_primary_shard_size": "50gb", "max_age": "7d", "max_docs": 5, "min_docs": 1})
    );
    let e = RolloverConditions::parse(json!({"max_ag": "1d"}).as_object().unwrap(), "conditions")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "[conditions] unknown field [max_ag] did you mean any of [max_age, min_age]?"
    );
    let e = RolloverConditions::parse(json!({"max_age": "1w"}).as_object().unwrap(), "conditions")
        .unwrap_err();
    assert_eq!(
        e.to_exception().to_body(false)["error"]["caused_by"]["reason"],
        "failed to parse setting [max_age] with value [1w] as a time value: unit is missing or unrecognized"
    );
}

#[test]
fn evaluation_at_the_boundaries() {
    let c = conditions(json!({"max_age": "1d", "max_docs": 10, "max_size": "1kb"}));
    let stats = |age: i64, docs: u64, size: u64| RolloverStats {
        creation_date: NOW - age,
        docs,
        size_bytes: size,
        max_primary_shard_size: size,
        max_primary_shard_docs: docs,
    };
    let results = c.evaluate(&stats(DAY - 1, 9, 1023), NOW);
    assert_eq!(
        results,
        vec![
            ("[max_age: 1d]".to_string(), false, true),
            ("[max_docs: 10]".to_string(), false, true),
            ("[max_size: 1kb]".to_string(), false, true),
        ]
    );
    assert!(!c.met(&stats(DAY - 1, 9, 1023), NOW));
    assert!(c.met(&stats(DAY, 0, 0), NOW));
    assert!(c.met(&stats(0, 10, 0), NOW));
    assert!(c.met(&stats(0, 0, 1024), NOW));
    // min conditions must all hold as well.
    let c = conditions(json!({"max_docs": 1, "min_age": "1h"}));
    assert!(!c.met(&stats(1000, 5, 0), NOW));
    assert!(c.met(&stats(3_600_000, 5, 0), NOW));
    // No conditions: unconditional.
    assert!(RolloverConditions::default().met(&stats(0, 0, 0), NOW));
}

#[test]
fn rollover_bodies() {
    let r = RolloverRequest::parse(
        &json!({"conditions": {"max_docs": 1}, "settings": {"number_of_replicas": 0}}),
    )
    .unwrap();
    assert!(r.has_create_parts);
    assert_eq!(
        r.create.settings.get("index.number_of_replicas"),
        Some(&json!("0"))
    );
    let e = RolloverRequest::parse(&json!({"conditions": {"min_docs": 1}})).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Validation Failed: 1: at least one max_* rollover condition must be set when using min_* conditions;"
    );
    let e = RolloverRequest::parse(&json!({"condition": {}})).unwrap_err();
    assert_eq!(
        e.to_string(),
        "[rollover] unknown field [condition] did you mean [conditions]?"
    );
    assert_eq!(
        RolloverRequest::parse(&Value::Null).unwrap(),
        RolloverRequest::default()
    );
}

#[test]
fn next_names_of_counted_indices() {
    assert_eq!(next_index_name("logs-000001").unwrap(), "logs-000002");
    assert_eq!(next_index_name("logs-9").unwrap(), "logs-000010");
    assert_eq!(next_index_name("a-b-999999").unwrap(), "a-b-1000000");
    assert_eq!(
        next_index_name("<logs-{now/d}-000001>").unwrap(),
        "<logs-{now/d}-000002>"
    );
    let e = next_index_name("logs").unwrap_err();
    assert_eq!(
        e.to_string(),
        "index name [logs] does not match pattern '^.*-\\d+$'"
    );
    assert!(next_index_name("logs-").is_err());
    assert!(next_index_name("logs-99999999999").is_err());
}

fn add_alias(md: &mut Metadata, concrete: &[ConcreteIndex], body: Value) {
    let actions = parse_alias_actions(&body).unwrap();
    md.apply_alias_actions(&actions, concrete, &NoChecks, NOW)
        .unwrap();
}

#[test]
fn alias_rollover_with_an_explicit_write_index() {
    let mut md = Metadata::new();
    let mut concrete = vec![ConcreteIndex::new("logs-000001", "u1")];
    add_alias(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "logs-000001", "alias": "logs", "is_write_index": true,
                                    "filter": {"term": {"a": 1}}}}]}),
    );
    let plan = md
        .plan_rollover(
            "logs",
            None,
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap();
    assert_eq!(
        (plan.old_index.as_str(), plan.new_index.as_str()),
        ("logs-000001", "logs-000002")
    );
    concrete.push(ConcreteIndex::new("logs-000002", "u2"));
    md.commit_rollover(&plan, &concrete, &NoChecks, NOW)
        .unwrap();
    assert_eq!(md.alias_write_index("logs").as_deref(), Some("logs-000002"));
    // The old index keeps the alias, no longer writing (and, as in Elasticsearch, without its
    // filter).
    assert_eq!(
        md.index_aliases("logs-000001").unwrap()["logs"],
        AliasMetadata {
            is_write_index: Some(false),
            ..Default::default()
        }
    );
    assert_eq!(md.rollover_date("logs-000001"), Some(NOW));
    // The name is taken now.
    let mut stale = plan.clone();
    stale.new_index = "logs-000002".into();
    let e = md
        .plan_rollover(
            "logs",
            Some("logs-000002"),
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "index [logs-000002/u2] already exists");
}

#[test]
fn alias_rollover_without_an_explicit_write_index_moves_the_alias() {
    let mut md = Metadata::new();
    let mut concrete = vec![ConcreteIndex::new("app-000007", "u1")];
    add_alias(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "app-000007", "alias": "app"}}]}),
    );
    let plan = md
        .plan_rollover(
            "app",
            None,
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap();
    assert_eq!(plan.new_index, "app-000008");
    concrete.push(ConcreteIndex::new("app-000008", "u2"));
    md.commit_rollover(&plan, &concrete, &NoChecks, NOW)
        .unwrap();
    assert!(md.index_aliases("app-000007").is_none());
    assert_eq!(md.alias_write_index("app").as_deref(), Some("app-000008"));
}

#[test]
fn alias_rollover_from_a_date_math_name_and_to_a_given_name() {
    let mut md = Metadata::new();
    let concrete = vec![ConcreteIndex::new("logs-2023.11.13-000001", "u1")];
    add_alias(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "logs-2023.11.13-000001", "alias": "logs"}}]}),
    );
    let plan = md
        .plan_rollover(
            "logs",
            None,
            Some("<logs-{now/d}-000001>"),
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap();
    assert_eq!(plan.new_index, "logs-2023.11.14-000002");
    assert_eq!(
        plan.composed.settings.get("index.provided_name"),
        Some(&json!("<logs-{now/d}-000002>"))
    );
    let plan = md
        .plan_rollover(
            "logs",
            Some("chosen"),
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap();
    assert_eq!(plan.new_index, "chosen");
}

#[test]
fn rollover_target_checks() {
    let mut md = Metadata::new();
    let concrete = vec![ConcreteIndex::new("a", "u1"), ConcreteIndex::new("b", "u2")];
    let e = md
        .plan_rollover(
            "nope",
            None,
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "rollover target [nope] does not exist");
    let e = md
        .plan_rollover(
            "a",
            None,
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "rollover target is a [concrete index] but one of [alias,data_stream] was expected"
    );
    add_alias(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"indices": ["a", "b"], "alias": "two"}}]}),
    );
    let e = md
        .plan_rollover(
            "two",
            None,
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "rollover target [two] does not point to a write index"
    );
    add_alias(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "plain"}}]}),
    );
    let e = md
        .plan_rollover(
            "plain",
            None,
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "index name [a] does not match pattern '^.*-\\d+$'"
    );
}

#[test]
fn a_template_carrying_the_rollover_alias_is_refused() {
    let mut md = Metadata::new();
    md.put_index_template(
        "t",
        &json!({"index_patterns": ["logs-*"], "template": {"aliases": {"logs": {}}}}),
        false,
        NOW,
        &NoChecks,
    )
    .unwrap();
    let concrete = vec![ConcreteIndex::new("logs-000001", "u1")];
    add_alias(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "logs-000001", "alias": "logs"}}]}),
    );
    let e = md
        .plan_rollover(
            "logs",
            None,
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Rollover alias [logs] can point to multiple indices, found duplicated alias [[logs]] in index template [t]"
    );
}

#[test]
fn data_stream_rollover() {
    let mut md = Metadata::new();
    md.put_index_template(
        "t",
        &json!({"index_patterns": ["logs-*"], "data_stream": {}}),
        false,
        NOW,
        &NoChecks,
    )
    .unwrap();
    let plan = md
        .plan_data_stream("logs-a", &[], &NoChecks, NOW - DAY)
        .unwrap();
    md.commit_data_stream(&plan).unwrap();
    let mut concrete = vec![ConcreteIndex::new(plan.backing_index.name.clone(), "u1")];
    let e = md
        .plan_rollover(
            "logs-a",
            Some("x"),
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "new index name may not be specified when rolling over a data stream"
    );
    let with_settings =
        RolloverRequest::parse(&json!({"settings": {"number_of_shards": 2}})).unwrap();
    let e = md
        .plan_rollover(
            "logs-a",
            None,
            None,
            &with_settings,
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "aliases, mappings, and index settings may not be specified when rolling over a data stream"
    );
    let rollover = md
        .plan_rollover(
            "logs-a",
            None,
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap();
    assert_eq!(rollover.old_index, ".ds-logs-a-2023.11.13-000001");
    assert_eq!(rollover.new_index, ".ds-logs-a-2023.11.14-000002");
    assert_eq!(rollover.kind, RolloverKind::DataStream { generation: 2 });
    assert_eq!(
        rollover.composed.settings.get("index.hidden"),
        Some(&json!("true"))
    );
    // A name already taken skips to the next generation.
    concrete.push(ConcreteIndex::new(".ds-logs-a-2023.11.14-000002", "u9"));
    let skipped = md
        .plan_rollover(
            "logs-a",
            None,
            None,
            &RolloverRequest::default(),
            &concrete,
            &NoChecks,
            NOW,
        )
        .unwrap();
    assert_eq!(skipped.new_index, ".ds-logs-a-2023.11.14-000003");
    md.commit_rollover(&skipped, &concrete, &NoChecks, NOW)
        .unwrap();
    let ds = md.data_stream("logs-a").unwrap();
    assert_eq!(ds.generation, 3);
    assert_eq!(ds.write_index(), Some(".ds-logs-a-2023.11.14-000003"));
    assert_eq!(md.rollover_date(".ds-logs-a-2023.11.13-000001"), Some(NOW));
    md.mark_lazy_rollover("logs-a").unwrap();
    assert!(md.data_stream("logs-a").unwrap().rollover_on_write);
}

#[test]
fn rollover_response_body() {
    let c = conditions(json!({"max_age": "7d", "max_docs": 5}));
    let results = c.evaluate(
        &RolloverStats {
            creation_date: NOW,
            docs: 6,
            ..Default::default()
        },
        NOW,
    );
    assert_eq!(
        rollover_response(".ds-a-1", ".ds-a-2", &results, true, false, false),
        json!({"acknowledged": true, "shards_acknowledged": true, "old_index": ".ds-a-1",
               "new_index": ".ds-a-2", "rolled_over": true, "dry_run": false, "lazy": false,
               "conditions": {"[max_age: 7d]": false, "[max_docs: 5]": true}})
    );
}

proptest! {
    #[test]
    fn rollover_parsers_never_panic(text in "\\PC{0,12}", n in any::<i64>()) {
        let _ = ByteSize::parse(&text, "x").map(|s| s.to_string());
        let _ = next_index_name(&text);
        let _ = RolloverRequest::parse(&json!({"conditions": {"max_age": text, "max_docs": n}}));
        let _ = RolloverRequest::parse(&json!({"conditions": {"max_size": text, "min_docs": text}}));
    }

    #[test]
    fn byte_size_display_never_exceeds_one_decimal(bytes in any::<u64>()) {
        let text = format_bytes(bytes);
        let digits = text.trim_end_matches(char::is_alphabetic);
        prop_assert!(digits.split('.').nth(1).is_none_or(|f| f.len() == 1), "{}", text);
    }
}
