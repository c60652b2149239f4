use serde_json::json;

use super::*;
use crate::metadata::NoChecks;
use crate::metadata::aliases::parse_alias_actions;

const NOW: i64 = 1_700_000_000_000;

fn setup() -> (Metadata, Vec<ConcreteIndex>) {
    let mut md = Metadata::new();
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
    let mut backing = ConcreteIndex::new(plan.backing_index.name.clone(), "u0");
    backing.hidden = true;
    let mut closed = ConcreteIndex::new("old", "u2");
    closed.closed = true;
    let concrete = vec![backing, ConcreteIndex::new("foo", "u1"), closed];
    let actions = parse_alias_actions(&json!({"actions": [
        {"add": {"index": "foo", "alias": "f"}},
        {"add": {"index": "foo", "alias": "hid", "is_hidden": true}},
        {"add": {"index": "logs-a", "alias": "ds-alias"}}
    ]}))
    .unwrap();
    md.apply_alias_actions(&actions, &concrete, &NoChecks, NOW)
        .unwrap();
    (md, concrete)
}

#[test]
fn the_space_holds_indices_aliases_and_data_streams() {
    let (md, concrete) = setup();
    let space = md.space(&concrete);
    let backing = ".ds-logs-a-2023.11.14-000001";
    let index = space.get(backing).unwrap();
    assert!(index.hidden);
    assert_eq!(index.parent_data_stream.as_deref(), Some("logs-a"));
    assert!(space.get("old").unwrap().closed);
    let alias = space.get("f").unwrap();
    assert_eq!(alias.kind, AbstractionKind::Alias);
    assert_eq!(alias.indices, vec!["foo"]);
    assert_eq!(alias.write_index.as_deref(), Some("foo"));
    assert!(space.get("hid").unwrap().hidden);
    let ds = space.get("logs-a").unwrap();
    assert_eq!(ds.kind, AbstractionKind::DataStream);
    assert_eq!(ds.write_index.as_deref(), Some(backing));
    let ds_alias = space.get("ds-alias").unwrap();
    assert_eq!(ds_alias.indices, vec![backing]);
    assert_eq!(
        space.concrete_indices(&["f", "logs-a"]),
        vec!["foo".to_string(), backing.to_string()]
    );
}

#[test]
fn resolve_index_body() {
    let (md, concrete) = setup();
    let space = md.space(&concrete);
    let names: Vec<String> = [
        "foo",
        "f",
        "logs-a",
        "old",
        "ds-alias",
        ".ds-logs-a-2023.11.14-000001",
        "missing",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        md.resolve_index_json(&space, &names),
        json!({
            "indices": [
                {"name": ".ds-logs-a-2023.11.14-000001", "attributes": ["hidden", "open"], "data_stream": "logs-a"},
                {"name": "foo", "aliases": ["f", "hid"], "attributes": ["open"]},
                {"name": "old", "attributes": ["closed"]}
            ],
            "aliases": [
                {"name": "ds-alias", "indices": ["logs-a"]},
                {"name": "f", "indices": ["foo"]}
            ],
            "data_streams": [
                {"name": "logs-a", "backing_indices": [".ds-logs-a-2023.11.14-000001"], "timestamp_field": "@timestamp"}
            ]
        })
    );
}
