use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::metadata::NoChecks;
use crate::metadata::templates::RenderOptions;

const NOW: i64 = 1_700_000_000_000;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn md_with(components: &[(&str, Value)], templates: &[(&str, Value)]) -> Metadata {
    let mut md = Metadata::new();
    for (name, body) in components {
        md.put_component_template(name, body, false, NOW, &NoChecks)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, body) in templates {
        md.put_index_template(name, body, false, NOW, &NoChecks)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    md
}

#[test]
fn later_field_definitions_replace_earlier_ones_and_objects_merge() {
    let mut base = obj(json!({"properties": {
        "a": {"type": "keyword", "ignore_above": 10},
        "obj": {"properties": {"x": {"type": "long"}}, "dynamic": false},
        "n": {"type": "nested", "properties": {"y": {"type": "long"}}}
    }}));
    merge_mappings(
        &mut base,
        &obj(json!({"properties": {
            "a": {"type": "text"},
            "obj": {"properties": {"z": {"type": "keyword"}}},
            "n": {"type": "object", "properties": {"w": {"type": "long"}}},
            "b": {"type": "long"}
        }})),
    )
    .unwrap();
    assert_eq!(
        Value::Object(base),
        json!({"properties": {
            "a": {"type": "text"},
            // Only `properties` (and `subobjects`) of the earlier object survive.
            "obj": {"properties": {"x": {"type": "long"}, "z": {"type": "keyword"}}},
            "n": {"properties": {"y": {"type": "long"}, "w": {"type": "long"}}, "type": "object"},
            "b": {"type": "long"}
        }})
    );
}

#[test]
fn an_object_replaced_by_a_leaf_is_replaced_whole() {
    let mut base = obj(json!({"properties": {"f": {"properties": {"x": {"type": "long"}}}}}));
    merge_mappings(
        &mut base,
        &obj(json!({"properties": {"f": {"type": "keyword"}}})),
    )
    .unwrap();
    assert_eq!(
        Value::Object(base),
        json!({"properties": {"f": {"type": "keyword"}}})
    );
}

#[test]
fn dynamic_templates_merge_by_name_and_other_lists_combine() {
    let mut base = obj(json!({
        "dynamic_templates": [{"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}},
                              {"longs": {"match_mapping_type": "long"}}],
        "_source": {"excludes": ["a"]}
    }));
    merge_mappings(
        &mut base,
        &obj(json!({
            "dynamic_templates": [{"strings": {"mapping": {"type": "text"}}}, {"new": {"match": "x"}}],
            "_source": {"excludes": ["b", "a"]}
        })),
    )
    .unwrap();
    assert_eq!(
        Value::Object(base),
        json!({
            "dynamic_templates": [
                {"strings": {"match_mapping_type": "string", "mapping": {"type": "text"}}},
                {"longs": {"match_mapping_type": "long"}},
                {"new": {"match": "x"}}
            ],
            "_source": {"excludes": ["b", "a"]}
        })
    );
}

#[test]
fn contradicting_routing_requirements_are_refused() {
    let mut base = obj(json!({"_routing": {"required": true}}));
    let e = merge_mappings(&mut base, &obj(json!({"_routing": {"required": false}}))).unwrap_err();
    assert_eq!(e.to_string(), "contradicting `_routing.required` settings");
}

#[test]
fn composition_order_is_components_then_template_then_request() {
    let md = md_with(
        &[
            (
                "c1",
                json!({"template": {"settings": {"number_of_replicas": 0, "refresh_interval": "1s"},
                "mappings": {"properties": {"f": {"type": "keyword"}, "g": {"type": "long"}}},
                "aliases": {"a1": {"is_hidden": false}, "shared": {"index_routing": "c1"}}}}),
            ),
            (
                "c2",
                json!({"template": {"settings": {"refresh_interval": "2s"},
                "mappings": {"properties": {"f": {"type": "text"}}},
                "aliases": {"shared": {"index_routing": "c2"}}}}),
            ),
        ],
        &[(
            "t",
            json!({"index_patterns": ["app-*"], "composed_of": ["c1", "c2"],
                   "template": {"settings": {"refresh_interval": "3s", "codec": "best_compression"},
                                "mappings": {"properties": {"g": {"type": "integer"}}},
                                "aliases": {"shared": {"index_routing": "t"}}}}),
        )],
    );
    let body = CreateIndexBody::parse(&json!({
        "settings": {"index": {"refresh_interval": "4s"}},
        "mappings": {"properties": {"h": {"type": "date"}}},
        "aliases": {"req": {}}
    }))
    .unwrap();
    let composed = md
        .compose_index("app-1", &body, &[], &NoChecks, NOW)
        .unwrap();
    assert_eq!(composed.template.as_deref(), Some("t"));
    assert_eq!(
        composed.settings.get("index.refresh_interval"),
        Some(&json!("4s"))
    );
    assert_eq!(
        composed.settings.get("index.codec"),
        Some(&json!("best_compression"))
    );
    assert_eq!(
        composed.settings.get("index.number_of_replicas"),
        Some(&json!("0"))
    );
    assert_eq!(
        composed.settings.get("index.number_of_shards"),
        Some(&json!("1"))
    );
    assert_eq!(
        composed.settings.get("index.provided_name"),
        Some(&json!("app-1"))
    );
    assert_eq!(
        Value::Object(composed.mappings.clone()),
        json!({"properties": {"f": {"type": "text"}, "g": {"type": "integer"}, "h": {"type": "date"}}})
    );
    let aliases: Vec<&String> = composed.aliases.keys().collect();
    assert_eq!(aliases, vec!["a1", "req", "shared"]);
    // The template's own alias wins over its components'.
    assert_eq!(
        composed.aliases["shared"].index_routing.as_deref(),
        Some("t")
    );
    let request = composed.to_create_index();
    assert_eq!(request.name, "app-1");
    assert_eq!(request.settings["index.refresh_interval"], json!("4s"));
}

#[test]
fn a_null_request_setting_removes_a_template_setting() {
    let md = md_with(
        &[],
        &[(
            "t",
            json!({"index_patterns": ["x*"], "template": {"settings": {"refresh_interval": "5s"}}}),
        )],
    );
    let body = CreateIndexBody::parse(&json!({"settings": {"refresh_interval": null}})).unwrap();
    let composed = md.compose_index("x1", &body, &[], &NoChecks, NOW).unwrap();
    assert!(!composed.settings.contains_key("index.refresh_interval"));
}

#[test]
fn data_stream_backing_indices_get_the_timestamp_mapping_and_no_aliases() {
    let md = md_with(
        &[],
        &[(
            "logs",
            json!({"index_patterns": ["logs-*"], "data_stream": {},
                   "template": {"aliases": {"all": {}}, "mappings": {"properties": {"message": {"type": "text"}}}}}),
        )],
    );
    let plan = md
        .plan_data_stream("logs-app", &[], &NoChecks, NOW)
        .unwrap();
    let composed = &plan.backing_index;
    assert_eq!(composed.settings.get("index.hidden"), Some(&json!("true")));
    assert!(composed.aliases.is_empty());
    assert_eq!(
        Value::Object(composed.mappings.clone()),
        json!({
            "properties": {"@timestamp": {"type": "date", "ignore_malformed": false},
                           "message": {"type": "text"}},
            "_data_stream_timestamp": {"enabled": true}
        })
    );
    // A user mapping of @timestamp wins over the default.
    let md = md_with(
        &[],
        &[(
            "logs",
            json!({"index_patterns": ["logs-*"], "data_stream": {"allow_custom_routing": true},
                   "template": {"mappings": {"properties": {"@timestamp": {"type": "date_nanos"}}}}}),
        )],
    );
    let plan = md
        .plan_data_stream("logs-app", &[], &NoChecks, NOW)
        .unwrap();
    assert_eq!(
        plan.backing_index.mappings["properties"]["@timestamp"],
        json!({"type": "date_nanos"})
    );
    assert_eq!(
        plan.backing_index.mappings["_routing"],
        json!({"required": true})
    );
}

#[test]
fn an_index_matching_a_data_stream_template_is_refused() {
    let md = md_with(
        &[],
        &[(
            "logs",
            json!({"index_patterns": ["logs-*"], "data_stream": {}}),
        )],
    );
    let e = md
        .compose_index("logs-x", &CreateIndexBody::default(), &[], &NoChecks, NOW)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot create index with name [logs-x], because it matches with template [logs] that creates data streams only, use create data stream api instead"
    );
}

#[test]
fn hidden_indices_skip_global_templates() {
    let md = md_with(
        &[],
        &[(
            "global",
            json!({"index_patterns": ["*"], "template": {"settings": {"refresh_interval": "9s"}}}),
        )],
    );
    let hidden = CreateIndexBody::parse(&json!({"settings": {"index.hidden": true}})).unwrap();
    let composed = md
        .compose_index(".internal", &hidden, &[], &NoChecks, NOW)
        .unwrap();
    assert_eq!(composed.template, None);
    assert!(!composed.settings.contains_key("index.refresh_interval"));
    let visible = md
        .compose_index("visible", &CreateIndexBody::default(), &[], &NoChecks, NOW)
        .unwrap();
    assert_eq!(visible.template.as_deref(), Some("global"));
}

#[test]
fn create_index_bodies_are_read_as_elasticsearch_reads_them() {
    let e = CreateIndexBody::parse(&json!({"setting": {}})).unwrap_err();
    assert_eq!(e.to_string(), "unknown key [setting] for create index");
    assert_eq!(e.to_exception().error_type, "parse_exception");
    let e = CreateIndexBody::parse(&json!({"settings": 1})).unwrap_err();
    assert_eq!(e.to_string(), "key [settings] must be an object");
    let body = CreateIndexBody::parse(&json!({"mappings": {"_doc": {"properties": {}}}})).unwrap();
    assert_eq!(body.mappings, Some(obj(json!({"properties": {}}))));
    assert_eq!(
        CreateIndexBody::parse(&Value::Null).unwrap(),
        CreateIndexBody::default()
    );
}

#[test]
fn aliases_of_a_new_index_are_checked_against_existing_names() {
    let md = Metadata::new();
    let existing = vec![ConcreteIndex::new("taken", "u1")];
    let body = CreateIndexBody::parse(&json!({"aliases": {"taken": {}}})).unwrap();
    let e = md
        .compose_index("fresh", &body, &existing, &NoChecks, NOW)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid alias name [taken]: an index or data stream exists with the same name as the alias"
    );
    let body = CreateIndexBody::parse(&json!({"aliases": {"fresh": {}}})).unwrap();
    let e = md
        .compose_index("fresh", &body, &existing, &NoChecks, NOW)
        .unwrap_err();
    assert_eq!(e.to_exception().error_type, "illegal_state_exception");
    let body = CreateIndexBody::parse(&json!({"aliases": {"<al-{now/d}>": {}}})).unwrap();
    let composed = md
        .compose_index("fresh", &body, &existing, &NoChecks, NOW)
        .unwrap();
    assert!(
        composed.aliases.contains_key("al-2023.11.14"),
        "{:?}",
        composed.aliases
    );
}

#[test]
fn simulate_index_shows_the_resolved_template_and_overlaps() {
    let md = md_with(
        &[(
            "c",
            json!({"template": {"settings": {"number_of_shards": 2}}}),
        )],
        &[
            (
                "t",
                json!({"index_patterns": ["app-*"], "composed_of": ["c"], "priority": 10,
                         "template": {"mappings": {"properties": {"f": {"type": "keyword"}}}, "aliases": {"a": {}}}}),
            ),
            (
                "low",
                json!({"index_patterns": ["app-*", "other"], "priority": 1}),
            ),
            ("unrelated", json!({"index_patterns": ["zzz"]})),
        ],
    );
    let sim = md
        .simulate_index("app-1", RenderOptions::default())
        .unwrap();
    assert_eq!(
        sim,
        json!({
            "template": {
                "settings": {"index": {"number_of_shards": "2"}},
                "mappings": {"properties": {"f": {"type": "keyword"}}},
                "aliases": {"a": {}}
            },
            "overlapping": [{"name": "low", "index_patterns": ["app-*", "other"]}]
        })
    );
    assert_eq!(
        md.simulate_index("nothing", RenderOptions::default())
            .unwrap(),
        json!({})
    );
}

#[test]
fn simulate_a_template_body_or_a_stored_template() {
    let md = md_with(
        &[],
        &[(
            "existing",
            json!({"index_patterns": ["a-*"], "priority": 3}),
        )],
    );
    let sim = md
        .simulate_template(
            None,
            Some(&json!({"index_patterns": ["a-b*"], "data_stream": {},
                         "template": {"settings": {"number_of_replicas": 0}}})),
            RenderOptions::default(),
        )
        .unwrap();
    assert_eq!(
        sim["template"]["settings"],
        json!({"index": {"hidden": "true", "number_of_replicas": "0"}})
    );
    assert_eq!(
        sim["template"]["mappings"]["properties"]["@timestamp"],
        json!({"type": "date", "ignore_malformed": false})
    );
    assert_eq!(
        sim["overlapping"],
        json!([{"name": "existing", "index_patterns": ["a-*"]}])
    );
    let stored = md
        .simulate_template(Some("existing"), None, RenderOptions::default())
        .unwrap();
    assert_eq!(stored["overlapping"], json!([]));
    let e = md
        .simulate_template(Some("nope"), None, RenderOptions::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unable to simulate template [nope] that does not exist"
    );
    let e = md
        .simulate_template(
            None,
            Some(&json!({"index_patterns": ["q"], "composed_of": ["missing"]})),
            RenderOptions::default(),
        )
        .unwrap_err();
    assert_eq!(
        e.to_exception().error_type,
        "invalid_index_template_exception"
    );
}

#[test]
fn timestamp_field_rules() {
    let check = |v: Value| check_timestamp_mapping(&obj(v)).map_err(|e| e.to_string());
    assert!(check(json!({"properties": {"@timestamp": {"type": "date"}}})).is_ok());
    assert_eq!(
        check(json!({"properties": {}})).unwrap_err(),
        "data stream timestamp field [@timestamp] does not exist"
    );
    assert_eq!(
        check(json!({"properties": {"@timestamp": {"type": "date", "index": false}}})).unwrap_err(),
        "data stream timestamp field [@timestamp] is not indexed"
    );
    assert_eq!(
        check(json!({"properties": {"@timestamp": {"type": "date", "doc_values": false}}}))
            .unwrap_err(),
        "data stream timestamp field [@timestamp] doesn't have doc values"
    );
    assert_eq!(
        check(json!({"properties": {"@timestamp": {"type": "date", "null_value": "2020-01-01"}}}))
            .unwrap_err(),
        "data stream timestamp field [@timestamp] has disallowed [null_value] attribute specified"
    );
    assert_eq!(
        check(json!({"properties": {"@timestamp": {"type": "date", "ignore_malformed": true}}}))
            .unwrap_err(),
        "data stream timestamp field [@timestamp] has disallowed [ignore_malformed] attribute specified"
    );
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z_*@ .-]{0,8}".prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("settings".to_string()),
        Just("mappings".to_string()),
        Just("aliases".to_string()),
        Just("properties".to_string()),
        Just("type".to_string()),
        Just("dynamic_templates".to_string()),
        Just("_doc".to_string()),
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
    fn create_index_bodies_and_merges_never_panic(a in any_json(), b in any_json()) {
        if let Ok(body) = CreateIndexBody::parse(&a) {
            let _ = Metadata::new().compose_index("idx", &body, &[], &NoChecks, NOW);
        }
        if let (Value::Object(mut x), Value::Object(y)) = (a, b) {
            let _ = merge_mappings(&mut x, &y);
        }
    }
}
