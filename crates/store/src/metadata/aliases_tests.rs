use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::metadata::NoChecks;

const NOW: i64 = 1_700_000_000_000;

fn indices(names: &[&str]) -> Vec<ConcreteIndex> {
    names
        .iter()
        .map(|n| ConcreteIndex::new(*n, format!("uuid-{n}")))
        .collect()
}

fn apply(
    md: &mut Metadata,
    concrete: &[ConcreteIndex],
    body: Value,
) -> Result<AliasActionsOutcome> {
    let actions = parse_alias_actions(&body)?;
    md.apply_alias_actions(&actions, concrete, &NoChecks, NOW)
}

fn body_of(e: &StoreError) -> Value {
    e.to_exception().to_body(false)
}

#[test]
fn alias_names_follow_index_name_rules() {
    for (name, reason) in [
        (
            "a b",
            "must not contain the following characters [' ','\"','*',',','/','<','>','?','\\','|']",
        ),
        ("a#b", "must not contain '#'"),
        ("a:b", "must not contain ':'"),
        ("-a", "must not start with '_', '-', or '+'"),
        ("..", "must not be '.' or '..'"),
    ] {
        let e = validate_alias_standalone(name, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("Invalid alias name [{name}]: {reason}")
        );
        assert_eq!(e.to_exception().error_type, "invalid_alias_name_exception");
    }
    let long = "a".repeat(256);
    assert_eq!(
        validate_alias_standalone(&long, None)
            .unwrap_err()
            .to_string(),
        format!("Invalid alias name [{long}]: index name is too long, (256 > 255)")
    );
    assert_eq!(
        validate_alias_standalone(" ", None)
            .unwrap_err()
            .to_string(),
        "alias name is required"
    );
    validate_alias_standalone("Upper.Case-ok", Some("1")).unwrap();
}

#[test]
fn create_index_aliases_are_read_strictly() {
    let aliases = parse_create_index_aliases(&json!({
        "a": {},
        "b": {"filter": {"term": {"x": 1}}, "routing": "r", "is_write_index": true, "is_hidden": true},
        "c": {"index_routing": "i", "search_routing": "s", "filter": {}}
    }))
    .unwrap();
    assert_eq!(aliases["a"], AliasMetadata::default());
    assert_eq!(aliases["b"].index_routing.as_deref(), Some("r"));
    assert_eq!(aliases["b"].search_routing.as_deref(), Some("r"));
    assert_eq!(aliases["b"].is_write_index, Some(true));
    assert_eq!(aliases["c"].filter, None);
    assert_eq!(
        aliases["b"].to_json(),
        json!({"filter": {"term": {"x": 1}}, "index_routing": "r", "search_routing": "r",
               "is_write_index": true, "is_hidden": true})
    );
    let e = parse_create_index_aliases(&json!({"a": {"bogus": "x"}})).unwrap_err();
    assert_eq!(e.to_string(), "Unsupported field [bogus]");
    let e = parse_create_index_aliases(&json!({"a": {"routing": 1}})).unwrap_err();
    assert_eq!(e.to_string(), "Unknown token [VALUE_NUMBER] in alias [a]");
    let e = parse_create_index_aliases(&json!(["a"])).unwrap_err();
    assert_eq!(e.to_exception().error_type, "parse_exception");
}

#[test]
fn alias_action_bodies_are_read_strictly() {
    let e = parse_alias_actions(&json!({"actions": []})).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Validation Failed: 1: Must specify at least one alias action;"
    );
    let e = parse_alias_actions(&json!({"action": []})).unwrap_err();
    assert_eq!(
        e.to_string(),
        "[aliases] unknown field [action] did you mean [actions]?"
    );
    let e = parse_alias_actions(&json!({"actions": [{"add": {"alias": "a"}}]})).unwrap_err();
    let body = body_of(&e);
    assert_eq!(
        body["error"]["reason"],
        "[aliases] failed to parse field [actions]"
    );
    assert_eq!(
        body["error"]["caused_by"]["type"],
        "illegal_argument_exception"
    );
    assert_eq!(
        body["error"]["caused_by"]["reason"],
        "One of [index] or [indices] is required"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "x_content_parse_exception"
    );
    let e = parse_alias_actions(&json!({"actions": [{"add": {"index": "i"}}]})).unwrap_err();
    assert_eq!(
        body_of(&e)["error"]["caused_by"]["reason"],
        "One of [alias] or [aliases] is required"
    );
    let e = parse_alias_actions(
        &json!({"actions": [{"remove": {"index": "i", "alias": "a", "routing": "1"}}]}),
    )
    .unwrap_err();
    let body = body_of(&e);
    assert_eq!(
        body["error"]["caused_by"]["caused_by"]["reason"],
        "[remove] unknown field [routing]"
    );
    let e = parse_alias_actions(
        &json!({"actions": [{"add": {"index": "i", "indices": ["j"], "alias": "a"}}]}),
    )
    .unwrap_err();
    let body = body_of(&e);
    assert_eq!(
        body["error"]["caused_by"]["caused_by"]["reason"],
        "[add] failed to parse field [indices]"
    );
    assert_eq!(
        body["error"]["caused_by"]["caused_by"]["caused_by"]["reason"],
        "Only one of [index] and [indices] is supported"
    );
    let e =
        parse_alias_actions(&json!({"actions": [{"remove_index": {"index": "i", "alias": "a"}}]}))
            .unwrap_err();
    assert_eq!(
        body_of(&e)["error"]["caused_by"]["caused_by"]["caused_by"]["reason"],
        "[alias] is unsupported for [REMOVE_INDEX]"
    );
    let e = parse_alias_actions(&json!({"actions": [{"add": {"index": "i", "alias": "a"},
        "remove": {"index": "i", "alias": "a"}}]}))
    .unwrap_err();
    assert_eq!(
        body_of(&e)["error"]["caused_by"]["reason"],
        "Too many operations declared on operation entry"
    );
    let actions = parse_alias_actions(&json!({"actions": [
        {"add": {"indices": "i", "aliases": ["a", "b"], "routing": 1, "is_write_index": "true"}}
    ]}))
    .unwrap();
    assert_eq!(actions[0].indices, vec!["i"]);
    assert_eq!(actions[0].aliases, vec!["a", "b"]);
    assert_eq!(actions[0].routing.as_deref(), Some("1"));
    assert_eq!(actions[0].is_write_index, Some(true));
}

#[test]
fn add_and_remove_with_wildcards_atomically() {
    let concrete = indices(&["logs-1", "logs-2", "other"]);
    let mut md = Metadata::new();
    let out = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "logs-*", "alias": "logs", "filter": {"term": {"a": 1}}}}]}),
    )
    .unwrap();
    assert_eq!(out.response, json!({"acknowledged": true, "errors": false}));
    assert!(md.index_aliases("logs-1").unwrap().contains_key("logs"));
    assert!(md.index_aliases("logs-2").unwrap().contains_key("logs"));
    assert!(md.index_aliases("other").is_none());
    // A failing action leaves everything as it was.
    let before = md.clone();
    let e = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"remove": {"index": "logs-1", "alias": "logs"}},
                           {"add": {"index": "missing", "alias": "x"}}]}),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "no such index [missing]");
    assert_eq!(md, before);
    let out = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"remove": {"index": "*", "alias": "lo*"}}]}),
    )
    .unwrap();
    assert_eq!(out.response["errors"], false);
    assert!(md.index_aliases.is_empty());
}

#[test]
fn write_index_rules() {
    let concrete = indices(&["a", "b"]);
    let mut md = Metadata::new();
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "w"}}]}),
    )
    .unwrap();
    // The only index is the write index.
    assert_eq!(md.alias_write_index("w").as_deref(), Some("a"));
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "b", "alias": "w"}}]}),
    )
    .unwrap();
    // Two indices, none explicit: no write index.
    assert_eq!(md.alias_write_index("w"), None);
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "b", "alias": "w", "is_write_index": true}}]}),
    )
    .unwrap();
    assert_eq!(md.alias_write_index("w").as_deref(), Some("b"));
    let e = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "w", "is_write_index": true}}]}),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "alias [w] has more than one write index [a,b]"
    );
    assert_eq!(e.to_exception().error_type, "illegal_state_exception");
    assert_eq!(e.to_exception().status, 500);
    // Swapping in one request is fine.
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "b", "alias": "w", "is_write_index": false}},
                           {"add": {"index": "a", "alias": "w", "is_write_index": true}}]}),
    )
    .unwrap();
    assert_eq!(md.alias_write_index("w").as_deref(), Some("a"));
    // A single index with is_write_index false has no write index.
    let mut single = Metadata::new();
    apply(
        &mut single,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "x", "is_write_index": false}}]}),
    )
    .unwrap();
    assert_eq!(single.alias_write_index("x"), None);
}

#[test]
fn is_hidden_must_agree_across_indices() {
    let concrete = indices(&["a", "b"]);
    let mut md = Metadata::new();
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "h", "is_hidden": true}}]}),
    )
    .unwrap();
    let e = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "b", "alias": "h"}}]}),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "alias [h] has is_hidden set to true on indices [a] but does not have is_hidden set to true on indices [b]; alias must have the same is_hidden setting on all indices"
    );
}

#[test]
fn alias_and_index_names_must_not_collide() {
    let concrete = indices(&["a", "b"]);
    let mut md = Metadata::new();
    let e = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "b"}}]}),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid alias name [b]: an index or data stream exists with the same name as the alias"
    );
    // Removing the index in the same request frees its name.
    let out = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"remove_index": {"index": "b"}}, {"add": {"index": "a", "alias": "b"}}]}),
    )
    .unwrap();
    assert_eq!(out.removed_indices, vec!["b"]);
    assert_eq!(md.alias_write_index("b").as_deref(), Some("a"));
    // The service deleted `b`; its name is now the alias's.
    let remaining = indices(&["a"]);
    let e = apply(
        &mut md,
        &remaining,
        json!({"actions": [{"add": {"index": "b", "alias": "x"}}]}),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "The provided expression [b] matches an alias, specify the corresponding concrete indices instead."
    );
}

#[test]
fn removing_missing_aliases() {
    let concrete = indices(&["a"]);
    let mut md = Metadata::new();
    let e = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"remove": {"index": "a", "alias": "nope"}}]}),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "aliases [nope] missing");
    let body = body_of(&e);
    assert_eq!(body["status"], 404);
    assert_eq!(body["error"]["type"], "aliases_not_found_exception");
    assert_eq!(body["error"]["resource.type"], "aliases");
    assert_eq!(body["error"]["resource.id"], "nope");
    let e = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"remove": {"index": "a", "alias": "nope", "must_exist": true}}]}),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "required alias [nope] does not exist");
    assert_eq!(e.to_exception().status, 404);
    // A remove that finds nothing next to one that works reports per action.
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "x"}}]}),
    )
    .unwrap();
    let out = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"remove": {"index": "a", "alias": "x"}}, {"remove": {"index": "a", "alias": "y"}}]}),
    )
    .unwrap();
    assert_eq!(
        out.response,
        json!({"acknowledged": true, "errors": true, "action_results": [
            {"action": {"type": "remove", "indices": ["a"], "aliases": ["x"]}, "status": 200},
            {"action": {"type": "remove", "indices": ["a"], "aliases": ["y"]}, "status": 404,
             "error": {"type": "aliases_not_found_exception", "reason": "aliases [y] missing",
                       "resource.type": "aliases", "resource.id": "y"}}
        ]})
    );
}

#[test]
fn wildcards_reach_open_visible_indices_only() {
    let mut concrete = indices(&["vis", ".hid", "shut"]);
    concrete[1].hidden = true;
    concrete[2].closed = true;
    let mut md = Metadata::new();
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "*", "alias": "all"}}]}),
    )
    .unwrap();
    assert_eq!(md.alias_views()["all"].indices, vec!["vis"]);
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": ".h*", "alias": "dot"}}]}),
    )
    .unwrap();
    assert_eq!(md.alias_views()["dot"].indices, vec![".hid"]);
    let e = apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "zz*", "alias": "z"}}]}),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "no such index [zz*]");
}

#[test]
fn data_stream_aliases() {
    let mut md = Metadata::new();
    md.put_index_template(
        "t",
        &json!({"index_patterns": ["ds-*"], "data_stream": {}}),
        false,
        NOW,
        &NoChecks,
    )
    .unwrap();
    for name in ["ds-a", "ds-b"] {
        let plan = md.plan_data_stream(name, &[], &NoChecks, NOW).unwrap();
        md.commit_data_stream(&plan).unwrap();
    }
    let backing: Vec<ConcreteIndex> = md
        .data_streams
        .values()
        .flat_map(|d| d.indices.iter())
        .map(|n| {
            let mut c = ConcreteIndex::new(n.clone(), "u");
            c.hidden = true;
            c
        })
        .collect();
    let e = apply(
        &mut md,
        &backing,
        json!({"actions": [{"add": {"index": "ds-a", "alias": "x", "routing": "1"}}]}),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "aliases that point to data streams don't support routing"
    );
    apply(
        &mut md,
        &backing,
        json!({"actions": [{"add": {"index": "ds-*", "alias": "both"}},
                           {"add": {"index": "ds-b", "alias": "both", "is_write_index": true}}]}),
    )
    .unwrap();
    let view = &md.alias_views()["both"];
    assert_eq!(view.indices.len(), 2);
    assert_eq!(
        view.write_index.as_deref(),
        md.data_streams["ds-b"].write_index()
    );
    let got = md.get_aliases(&[], &["ds-a".into(), "ds-b".into()], None);
    assert_eq!(
        got.body,
        json!({"ds-a": {"aliases": {"both": {}}}, "ds-b": {"aliases": {"both": {"is_write_index": true}}}})
    );
    let first_backing = md.data_streams["ds-a"].indices[0].clone();
    let e = apply(
        &mut md,
        &backing,
        json!({"actions": [{"add": {"index": first_backing, "alias": "y"}}]}),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("Data stream backing indices don't support aliases."),
        "{e}"
    );
    apply(
        &mut md,
        &backing,
        json!({"actions": [{"remove": {"index": "ds-*", "alias": "both"}}]}),
    )
    .unwrap();
    assert!(md.data_stream_aliases.is_empty());
}

#[test]
fn get_alias_shapes_including_the_partial_404() {
    let concrete = indices(&["a", "b", "c"]);
    let mut md = Metadata::new();
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "x", "filter": {"term": {"f": 1}}}},
                           {"add": {"index": "b", "alias": "y", "index_routing": "1"}}]}),
    )
    .unwrap();
    let all: Vec<String> = concrete.iter().map(|c| c.name.clone()).collect();
    // GET _alias: every index, with or without aliases.
    let got = md.get_aliases(&all, &[], None);
    assert_eq!(got.status, 200);
    assert_eq!(
        got.body,
        json!({"a": {"aliases": {"x": {"filter": {"term": {"f": 1}}}}},
               "b": {"aliases": {"y": {"index_routing": "1"}}},
               "c": {"aliases": {}}})
    );
    // GET _alias/x: only indices with a matching alias.
    let got = md.get_aliases(&all, &[], Some(&["x".into()]));
    assert_eq!(
        got.body,
        json!({"a": {"aliases": {"x": {"filter": {"term": {"f": 1}}}}}})
    );
    // A missing name is a 404 with the found ones merged in.
    let got = md.get_aliases(&all, &[], Some(&["x".into(), "nope".into()]));
    assert_eq!(got.status, 404);
    assert_eq!(
        got.body,
        json!({"error": "alias [nope] missing", "status": 404,
               "a": {"aliases": {"x": {"filter": {"term": {"f": 1}}}}}})
    );
    let got = md.get_aliases(&all, &[], Some(&["n1".into(), "n2".into()]));
    assert_eq!(
        got.body,
        json!({"error": "aliases [n1,n2] missing", "status": 404})
    );
    // Wildcards and excluded names are never missing.
    let got = md.get_aliases(&all, &[], Some(&["z*".into()]));
    assert_eq!((got.status, got.body), (200, json!({})));
    let got = md.get_aliases(&all, &[], Some(&["*".into(), "-x".into()]));
    assert_eq!(
        got.body,
        json!({"b": {"aliases": {"y": {"index_routing": "1"}}}})
    );
    let got = md.get_aliases(&all, &[], Some(&["_all".into()]));
    assert_eq!(got.body.as_object().unwrap().len(), 2);
}

#[test]
fn cat_aliases_rows() {
    let concrete = indices(&["a", "b"]);
    let mut md = Metadata::new();
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "x", "filter": {"term": {"f": 1}}, "routing": "r"}},
                           {"add": {"index": "b", "alias": "x", "is_write_index": true}}]}),
    )
    .unwrap();
    let all: Vec<String> = vec!["a".into(), "b".into()];
    let rows = md.cat_aliases(&all, &[], &[]);
    assert_eq!(
        rows,
        vec![
            CatAliasRow {
                alias: "x".into(),
                index: "a".into(),
                filter: "*".into(),
                routing_index: "r".into(),
                routing_search: "r".into(),
                is_write_index: "-".into(),
            },
            CatAliasRow {
                alias: "x".into(),
                index: "b".into(),
                filter: "-".into(),
                routing_index: "-".into(),
                routing_search: "-".into(),
                is_write_index: "true".into(),
            },
        ]
    );
    assert!(md.cat_aliases(&all, &[], &["nomatch".into()]).is_empty());
}

#[test]
fn creating_an_index_with_aliases_registers_them() {
    let mut md = Metadata::new();
    let concrete = indices(&["old"]);
    let mut aliases = BTreeMap::new();
    aliases.insert(
        "w".to_string(),
        AliasMetadata {
            is_write_index: Some(true),
            ..Default::default()
        },
    );
    md.add_index_aliases("old", &aliases, &concrete, &NoChecks)
        .unwrap();
    let e = md
        .add_index_aliases("new", &aliases, &concrete, &NoChecks)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "alias [w] has more than one write index [new,old]"
    );
    assert!(md.index_aliases("new").is_none());
    md.remove_index("old");
    assert!(md.alias_views().is_empty());
}

#[test]
fn alias_pattern_matching() {
    let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(alias_matches(&p(&["_all"]), "x"));
    assert!(alias_matches(&p(&["x*"]), "xy"));
    assert!(!alias_matches(&p(&["x*", "-xy"]), "xy"));
    assert!(alias_matches(&p(&["x*", "-xz"]), "xy"));
    // A leading `-` before any wildcard is a literal name.
    assert!(alias_matches(&p(&["-xy"]), "-xy"));
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z_*<>{}/ -]{0,8}".prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("actions".to_string()),
        Just("add".to_string()),
        Just("remove".to_string()),
        Just("remove_index".to_string()),
        Just("index".to_string()),
        Just("indices".to_string()),
        Just("alias".to_string()),
        Just("aliases".to_string()),
        Just("filter".to_string()),
        Just("is_write_index".to_string()),
        Just("must_exist".to_string()),
        "[a-z_]{1,6}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn alias_parsers_never_panic(body in any_json()) {
        let concrete = indices(&["a", "b"]);
        let mut md = Metadata::new();
        if let Ok(actions) = parse_alias_actions(&body) {
            let _ = md.apply_alias_actions(&actions, &concrete, &NoChecks, NOW);
        }
        let _ = parse_create_index_aliases(&body);
        if let Value::Object(map) = &body {
            let _ = parse_template_aliases(map);
        }
        let _ = md.get_aliases(&["a".into()], &[], Some(&["-".into(), "*".into()]));
    }
}

#[test]
fn head_alias() {
    let concrete = indices(&["a"]);
    let mut md = Metadata::new();
    apply(
        &mut md,
        &concrete,
        json!({"actions": [{"add": {"index": "a", "alias": "x"}}]}),
    )
    .unwrap();
    let all = vec!["a".to_string()];
    assert!(md.aliases_exist(&all, &[], &["x".into()]));
    assert!(md.aliases_exist(&all, &[], &["x*".into()]));
    assert!(!md.aliases_exist(&all, &[], &["y".into()]));
    assert!(!md.aliases_exist(&all, &[], &["y*".into()]));
    assert!(!md.aliases_exist(&all, &[], &["x".into(), "y".into()]));
}

#[test]
fn concrete_indices_from_backend_info() {
    let mut settings = Map::new();
    settings.insert("index.hidden".into(), json!("true"));
    settings.insert("index.lifecycle.name".into(), json!("p"));
    let info = crate::api::IndexInfo {
        name: "i".into(),
        uuid: "u".into(),
        creation_date: 5,
        settings,
        mappings: json!({}),
        docs_count: 0,
        docs_deleted: 0,
        store_size_bytes: 0,
        open: false,
    };
    let c = ConcreteIndex::from_info(&info, ironstack_types::HealthStatus::Yellow);
    assert!(c.hidden && c.closed);
    assert_eq!(c.lifecycle_name.as_deref(), Some("p"));
    assert_eq!(c.creation_date, 5);
}
