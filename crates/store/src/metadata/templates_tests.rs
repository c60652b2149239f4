use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::metadata::{NoChecks, data_streams::backing_index_name};

const NOW: i64 = 1_700_000_000_000;

fn put_component(md: &mut Metadata, name: &str, body: Value) {
    md.put_component_template(name, &body, false, NOW, &NoChecks)
        .unwrap_or_else(|e| panic!("component {name}: {e}"));
}

fn put_index(md: &mut Metadata, name: &str, body: Value) {
    md.put_index_template(name, &body, false, NOW, &NoChecks)
        .unwrap_or_else(|e| panic!("template {name}: {e}"));
}

fn put_index_err(md: &mut Metadata, name: &str, body: Value) -> StoreError {
    md.put_index_template(name, &body, false, NOW, &NoChecks)
        .expect_err("expected a refusal")
}

fn body_of(e: &StoreError) -> Value {
    e.to_exception().to_body(false)
}

#[test]
fn unknown_fields_are_refused_with_elasticsearch_texts() {
    let mut md = Metadata::new();
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "priorty": 1}),
    );
    assert_eq!(
        e.to_string(),
        "[index_template] unknown field [priorty] did you mean [priority]?"
    );
    assert_eq!(body_of(&e)["error"]["type"], "x_content_parse_exception");

    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "template": {"setings": {}}}),
    );
    let body = body_of(&e);
    assert_eq!(
        body["error"]["reason"],
        "[index_template] failed to parse field [template]"
    );
    assert_eq!(
        body["error"]["caused_by"]["reason"],
        "[template] unknown field [setings] did you mean [settings]?"
    );
    // The innermost parse failure is the root cause, as Elasticsearch reports it.
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "[template] unknown field [setings] did you mean [settings]?"
    );

    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "priority": {}}),
    );
    assert_eq!(
        e.to_string(),
        "[index_template] priority doesn't support values of type: START_OBJECT"
    );
    let e = put_index_err(&mut md, "t", json!({"priority": 1}));
    assert_eq!(e.to_string(), "Required [index_patterns]");
    let e = md
        .put_component_template("c", &json!({"version": 1}), false, NOW, &NoChecks)
        .unwrap_err();
    assert_eq!(e.to_string(), "Required [template]");
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": "a*", "data_stream": {"hiden": true}}),
    );
    assert_eq!(
        body_of(&e)["error"]["caused_by"]["reason"],
        "[data_stream_template] unknown field [hiden] did you mean [hidden]?"
    );
}

#[test]
fn index_patterns_take_a_string_or_an_array() {
    let mut md = Metadata::new();
    put_index(&mut md, "one", json!({"index_patterns": "logs-*"}));
    put_index(
        &mut md,
        "two",
        json!({"index_patterns": ["m1-*", "m2-*"], "priority": 5}),
    );
    assert_eq!(
        md.index_template("one").unwrap().index_patterns,
        vec!["logs-*"]
    );
    assert_eq!(md.index_template("two").unwrap().index_patterns.len(), 2);
}

#[test]
fn settings_are_normalized_to_flat_index_keys_and_rendered_nested() {
    let mut md = Metadata::new();
    put_index(
        &mut md,
        "t",
        json!({"index_patterns": ["x-*"], "template": {"settings": {"number_of_shards": 1,
            "index": {"lifecycle": {"name": "p"}}}}}),
    );
    let t = md.index_template("t").unwrap();
    let settings = t.template.as_ref().unwrap().settings.as_ref().unwrap();
    assert_eq!(settings.get("index.number_of_shards"), Some(&json!("1")));
    assert_eq!(settings.get("index.lifecycle.name"), Some(&json!("p")));
    let got = md
        .get_index_templates(Some("t"), RenderOptions::default())
        .unwrap();
    assert_eq!(
        got.body["index_templates"][0]["index_template"]["template"]["settings"],
        json!({"index": {"lifecycle": {"name": "p"}, "number_of_shards": "1"}})
    );
    let flat = md
        .get_index_templates(
            Some("t"),
            RenderOptions {
                flat_settings: true,
                human: false,
            },
        )
        .unwrap();
    assert_eq!(
        flat.body["index_templates"][0]["index_template"]["template"]["settings"],
        json!({"index.lifecycle.name": "p", "index.number_of_shards": "1"})
    );
}

#[test]
fn get_round_trips_every_field_in_elasticsearch_order() {
    let mut md = Metadata::new();
    put_component(
        &mut md,
        "c1",
        json!({"template": {"mappings": {"properties": {"a": {"type": "keyword"}}}}, "version": 3, "_meta": {"k": "v"}}),
    );
    put_index(
        &mut md,
        "t",
        json!({
            "index_patterns": ["logs-*"],
            "template": {"mappings": {"_doc": {"properties": {"b": {"type": "long"}}}},
                         "aliases": {"all-logs": {"routing": "1", "is_hidden": false}}},
            "composed_of": ["c1"],
            "priority": 100,
            "version": 7,
            "_meta": {"owner": "me"},
            "data_stream": {"hidden": false},
            "allow_auto_create": true,
            "ignore_missing_component_templates": ["c2"],
            "deprecated": false
        }),
    );
    let got = md
        .get_index_templates(None, RenderOptions::default())
        .unwrap();
    assert_eq!(got.status, 200);
    let t = &got.body["index_templates"][0];
    assert_eq!(t["name"], "t");
    let body = &t["index_template"];
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        vec![
            "index_patterns",
            "template",
            "composed_of",
            "priority",
            "version",
            "_meta",
            "data_stream",
            "allow_auto_create",
            "ignore_missing_component_templates",
            "deprecated",
            "created_date_millis",
            "modified_date_millis"
        ]
    );
    // `_doc` is unwrapped, routing expands to both routings, data_stream is complete.
    assert_eq!(
        body["template"]["mappings"],
        json!({"properties": {"b": {"type": "long"}}})
    );
    assert_eq!(
        body["template"]["aliases"],
        json!({"all-logs": {"index_routing": "1", "search_routing": "1", "is_hidden": false}})
    );
    assert_eq!(
        body["data_stream"],
        json!({"hidden": false, "allow_custom_routing": false})
    );
    assert_eq!(body["created_date_millis"], json!(NOW));

    let c = md
        .get_component_templates(
            Some("c1"),
            RenderOptions {
                flat_settings: false,
                human: true,
            },
        )
        .unwrap();
    let body = &c.body["component_templates"][0]["component_template"];
    assert_eq!(body["version"], 3);
    assert_eq!(body["_meta"], json!({"k": "v"}));
    assert_eq!(body["created_date"], "2023-11-14T22:13:20.000Z");

    // A template without a block still shows `composed_of`.
    put_index(
        &mut md,
        "bare",
        json!({"index_patterns": ["bare-*"], "priority": 1}),
    );
    let bare = md
        .get_index_templates(Some("bare"), RenderOptions::default())
        .unwrap();
    assert_eq!(
        bare.body["index_templates"][0]["index_template"]["composed_of"],
        json!([])
    );
}

#[test]
fn get_not_found_texts_and_wildcards() {
    let mut md = Metadata::new();
    let e = md
        .get_index_templates(Some("nope"), RenderOptions::default())
        .unwrap_err();
    assert_eq!(e.to_string(), "index template matching [nope] not found");
    assert_eq!(e.to_exception().status, 404);
    assert_eq!(e.to_exception().error_type, "resource_not_found_exception");
    let e = md
        .get_component_templates(Some("nope"), RenderOptions::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "component template matching [nope] not found"
    );
    let empty = md
        .get_index_templates(Some("no*"), RenderOptions::default())
        .unwrap();
    assert_eq!(empty.status, 404);
    assert_eq!(empty.body, json!({"index_templates": []}));
    let all = md
        .get_index_templates(None, RenderOptions::default())
        .unwrap();
    assert_eq!(
        (all.status, all.body.clone()),
        (200, json!({"index_templates": []}))
    );
    put_index(&mut md, "abc", json!({"index_patterns": ["abc-*"]}));
    assert!(md.index_template_exists("ab*"));
    assert!(md.index_template_exists("abc"));
    assert!(!md.index_template_exists("abd"));
    let found = md
        .get_index_templates(Some("a*"), RenderOptions::default())
        .unwrap();
    assert_eq!(found.status, 200);
    assert_eq!(found.body["index_templates"].as_array().unwrap().len(), 1);
}

#[test]
fn name_and_pattern_rules() {
    let mut md = Metadata::new();
    let e = put_index_err(
        &mut md,
        "Bad Name",
        json!({"index_patterns": ["_a b,c#:?"]}),
    );
    assert_eq!(
        e.to_string(),
        "index_template [Bad Name] invalid, cause [Validation Failed: 1: name must not contain a space;2: name must be lower cased;3: index_patterns [_a b,c#:?] must not contain a space;4: index_pattern [_a b,c#:?] must not contain a ',';5: index_pattern [_a b,c#:?] must not contain a '#';6: index_pattern [_a b,c#:?] must not contain a ':';7: index_pattern [_a b,c#:?] must not start with '_';8: index_pattern [_a b,c#:?] must not contain the following characters [' ','\"','*',',','/','<','>','?','\\','|'];]"
    );
    assert_eq!(
        body_of(&e)["error"]["type"],
        "invalid_index_template_exception"
    );
    assert_eq!(body_of(&e)["status"], 400);
    // `*` is allowed in patterns.
    put_index(&mut md, "ok", json!({"index_patterns": ["a*"]}));
}

#[test]
fn priority_must_not_be_negative() {
    let mut md = Metadata::new();
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "priority": -1}),
    );
    assert_eq!(
        e.to_string(),
        "Validation Failed: 1: index template priority must be >= 0;"
    );
}

#[test]
fn missing_component_templates_are_refused_unless_ignorable() {
    let mut md = Metadata::new();
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "composed_of": ["x", "y"]}),
    );
    assert_eq!(
        e.to_string(),
        "index_template [t] invalid, cause [index template [t] specifies component templates [x, y] that do not exist]"
    );
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "composed_of": ["x", "y"], "ignore_missing_component_templates": ["x"]}),
    );
    assert_eq!(
        e.to_string(),
        "index_template [t] invalid, cause [index template [t] specifies a missing component templates [y] that does not exist and is not part of 'ignore_missing_component_templates']"
    );
    put_index(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "composed_of": ["x"], "ignore_missing_component_templates": ["x"]}),
    );
}

#[test]
fn same_priority_overlap_is_refused_with_the_exact_text() {
    let mut md = Metadata::new();
    put_index(
        &mut md,
        "logs",
        json!({"index_patterns": ["logs-*-*"], "priority": 100}),
    );
    let e = put_index_err(
        &mut md,
        "mine",
        json!({"index_patterns": ["logs-app-*", "other"], "priority": 100}),
    );
    assert_eq!(
        e.to_string(),
        "index template [mine] has index patterns [logs-app-*, other] matching patterns from existing templates [logs] with patterns (logs => [logs-*-*]) that have the same priority [100], multiple index templates may not match during index creation, please use a different priority"
    );
    assert_eq!(body_of(&e)["error"]["type"], "illegal_argument_exception");
    // A different priority, or patterns that cannot both match, are fine.
    put_index(
        &mut md,
        "mine",
        json!({"index_patterns": ["logs-app-*"], "priority": 101}),
    );
    put_index(
        &mut md,
        "metrics",
        json!({"index_patterns": ["metrics-*"], "priority": 100}),
    );
    // Replacing a template does not overlap with itself.
    put_index(
        &mut md,
        "logs",
        json!({"index_patterns": ["logs-*-*"], "priority": 100, "version": 2}),
    );
}

#[test]
fn pattern_overlap_is_an_automaton_intersection() {
    assert!(patterns_overlap("logs-*", "*-app"));
    assert!(patterns_overlap("a*b", "*"));
    assert!(patterns_overlap("abc", "a*c"));
    assert!(!patterns_overlap("abc", "abd"));
    assert!(!patterns_overlap("a*", "b*"));
    assert!(!patterns_overlap("x-*-y", "x-z"));
    assert!(patterns_overlap("*a*", "*b*"));
    assert!(patterns_overlap("", "*"));
    assert!(!patterns_overlap("", "a"));
}

#[test]
fn create_refuses_to_replace() {
    let mut md = Metadata::new();
    put_index(&mut md, "t", json!({"index_patterns": ["a*"]}));
    let e = md
        .put_index_template(
            "t",
            &json!({"index_patterns": ["a*"]}),
            true,
            NOW,
            &NoChecks,
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "index template [t] already exists");
    put_component(&mut md, "c", json!({"template": {}}));
    let e = md
        .put_component_template("c", &json!({"template": {}}), true, NOW, &NoChecks)
        .unwrap_err();
    assert_eq!(e.to_string(), "component template [c] already exists");
}

#[test]
fn updating_keeps_the_creation_date_and_moves_the_modification_date() {
    let mut md = Metadata::new();
    put_index(&mut md, "t", json!({"index_patterns": ["a*"]}));
    md.put_index_template(
        "t",
        &json!({"index_patterns": ["a*"], "version": 2}),
        false,
        NOW + 5,
        &NoChecks,
    )
    .unwrap();
    let t = md.index_template("t").unwrap();
    assert_eq!(
        (t.created_date, t.modified_date),
        (Some(NOW), Some(NOW + 5))
    );
    // An identical put changes nothing.
    md.put_index_template(
        "t",
        &json!({"index_patterns": ["a*"], "version": 2}),
        false,
        NOW + 9,
        &NoChecks,
    )
    .unwrap();
    assert_eq!(md.index_template("t").unwrap().modified_date, Some(NOW + 5));
}

#[test]
fn system_managed_dates_are_refused() {
    let mut md = Metadata::new();
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "created_date_millis": 1}),
    );
    assert_eq!(
        e.to_string(),
        "index_template [t] invalid, cause [provided a template property which is managed by the system: created_date]"
    );
}

#[test]
fn global_templates_may_not_hide_indices() {
    let mut md = Metadata::new();
    let e = put_index_err(
        &mut md,
        "g",
        json!({"index_patterns": ["*"], "template": {"settings": {"index.hidden": true}}}),
    );
    assert_eq!(
        e.to_string(),
        "Validation Failed: 1: global composable templates may not specify the setting index.hidden;"
    );
    put_component(
        &mut md,
        "hide",
        json!({"template": {"settings": {"hidden": true}}}),
    );
    let e = put_index_err(
        &mut md,
        "g",
        json!({"index_patterns": ["*"], "composed_of": ["hide"]}),
    );
    assert_eq!(
        e.to_string(),
        "index_template [g] invalid, cause [global composable templates may not specify the setting index.hidden]"
    );
    put_component(&mut md, "plain", json!({"template": {}}));
    put_index(
        &mut md,
        "g",
        json!({"index_patterns": ["*"], "composed_of": ["plain"]}),
    );
    let e = md
        .put_component_template(
            "plain",
            &json!({"template": {"settings": {"hidden": false}}}),
            false,
            NOW,
            &NoChecks,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot update component template [plain] because the following global templates would resolve to specifying the [index.hidden] setting: [g]"
    );
}

#[test]
fn aliases_in_templates_are_validated() {
    let mut md = Metadata::new();
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*", "same"], "template": {"aliases": {"same": {}}}}),
    );
    assert_eq!(
        e.to_string(),
        "alias [same] cannot be the same as any pattern in [a*, same]"
    );
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "template": {"aliases": {"_bad": {}}}}),
    );
    assert_eq!(
        e.to_string(),
        "Invalid alias name [_bad]: must not start with '_', '-', or '+'"
    );
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "template": {"aliases": {"r": {"index_routing": "1,2"}}}}),
    );
    assert_eq!(
        e.to_string(),
        "alias [r] has several index routing values associated with it"
    );
}

#[test]
fn data_stream_templates_need_a_date_timestamp() {
    let mut md = Metadata::new();
    let e = put_index_err(
        &mut md,
        "ds",
        json!({"index_patterns": ["ds-*"], "data_stream": {},
               "template": {"mappings": {"properties": {"@timestamp": {"type": "keyword"}}}}}),
    );
    let body = body_of(&e);
    assert_eq!(
        body["error"]["reason"],
        "composable template [ds] template after composition is invalid"
    );
    assert_eq!(
        body["error"]["caused_by"]["reason"],
        "invalid composite mappings for [ds]"
    );
    assert_eq!(
        body["error"]["caused_by"]["caused_by"]["reason"],
        "data stream timestamp field [@timestamp] is of type [keyword], but [date,date_nanos] is expected"
    );
    put_index(
        &mut md,
        "ds",
        json!({"index_patterns": ["ds-*"], "data_stream": {},
               "template": {"mappings": {"properties": {"@timestamp": {"type": "date_nanos"}}}}}),
    );
}

#[test]
fn unsupported_lifecycle_blocks_are_refused_clearly() {
    let mut md = Metadata::new();
    let e = put_index_err(
        &mut md,
        "t",
        json!({"index_patterns": ["a*"], "data_stream": {}, "template": {"lifecycle": {"enabled": true}}}),
    );
    let body = body_of(&e);
    assert!(
        body["error"]["caused_by"]["caused_by"]["reason"]
            .as_str()
            .unwrap()
            .contains("data stream lifecycle is not supported"),
        "{body}"
    );
}

#[test]
fn deleting_templates() {
    let mut md = Metadata::new();
    let e = md.delete_index_templates(&["nope".into()]).unwrap_err();
    assert_eq!(e.to_string(), "index_template [nope] missing");
    assert_eq!(
        e.to_exception().error_type,
        "index_template_missing_exception"
    );
    assert_eq!(e.to_exception().status, 404);
    md.delete_index_templates(&["*".into()]).unwrap();
    put_index(&mut md, "a", json!({"index_patterns": ["a*"]}));
    put_index(&mut md, "b", json!({"index_patterns": ["b*"]}));
    let e = md
        .delete_index_templates(&["a".into(), "x".into(), "y".into()])
        .unwrap_err();
    assert_eq!(e.to_string(), "index_template [x,y] missing");
    md.delete_index_templates(&["a".into(), "b".into()])
        .unwrap();
    assert!(md.index_templates.is_empty());

    let e = md.delete_component_templates(&["nope".into()]).unwrap_err();
    assert_eq!(e.to_string(), "nope");
    assert_eq!(e.to_exception().error_type, "resource_not_found_exception");
    put_component(&mut md, "c1", json!({"template": {}}));
    put_component(&mut md, "c2", json!({"template": {}}));
    put_index(
        &mut md,
        "t",
        json!({"index_patterns": ["t*"], "composed_of": ["c1", "c2"], "ignore_missing_component_templates": ["c2"]}),
    );
    let e = md.delete_component_templates(&["c*".into()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "component templates [c1] cannot be removed as they are still in use by index templates [t]"
    );
    // An ignorable component can go.
    md.delete_component_templates(&["c2".into()]).unwrap();
    assert!(md.component_template("c2").is_none());
}

#[test]
fn a_template_a_data_stream_uses_cannot_be_deleted_or_lose_its_data_stream() {
    let mut md = Metadata::new();
    put_index(
        &mut md,
        "logs",
        json!({"index_patterns": ["logs-*"], "data_stream": {}, "priority": 10}),
    );
    let plan = md
        .plan_data_stream("logs-app", &[], &NoChecks, NOW)
        .unwrap();
    assert_eq!(
        plan.backing_index.name,
        backing_index_name("logs-app", 1, NOW)
    );
    md.commit_data_stream(&plan).unwrap();
    let e = md.delete_index_templates(&["logs".into()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unable to remove composable templates [logs] as they are in use by a data streams [logs-app]"
    );
    let e = put_index_err(
        &mut md,
        "logs",
        json!({"index_patterns": ["logs-*"], "priority": 10}),
    );
    assert_eq!(
        e.to_string(),
        "composable template [logs] with index patterns [logs-*], priority [10] and no data stream configuration would cause data streams [logs-app] to no longer match a data stream template"
    );
    let e = put_index_err(
        &mut md,
        "shadow",
        json!({"index_patterns": ["logs-app*"], "priority": 50}),
    );
    assert_eq!(
        e.to_string(),
        "composable template [shadow] with index patterns [logs-app*], priority [50] and no data stream configuration would cause data streams [logs-app] to no longer match a data stream template"
    );
    // Another data stream template taking over is fine, and then the first can go.
    put_index(
        &mut md,
        "better",
        json!({"index_patterns": ["logs-app*"], "priority": 50, "data_stream": {}}),
    );
    md.delete_index_templates(&["logs".into()]).unwrap();
}

#[test]
fn selection_takes_the_highest_priority_and_skips_global_templates_for_hidden_indices() {
    let mut md = Metadata::new();
    put_index(
        &mut md,
        "global",
        json!({"index_patterns": ["*"], "priority": 1}),
    );
    put_index(
        &mut md,
        "logs",
        json!({"index_patterns": ["logs-*"], "priority": 5}),
    );
    put_index(
        &mut md,
        "logs-app",
        json!({"index_patterns": ["logs-app-*"], "priority": 9}),
    );
    assert_eq!(
        md.find_index_template("logs-app-1", false)
            .unwrap()
            .as_deref(),
        Some("logs-app")
    );
    assert_eq!(
        md.find_index_template("logs-x", false).unwrap().as_deref(),
        Some("logs")
    );
    assert_eq!(
        md.find_index_template("other", false).unwrap().as_deref(),
        Some("global")
    );
    assert_eq!(md.find_index_template("other", true).unwrap(), None);
    // A global data stream template still applies to hidden backing indices.
    let mut ds = Metadata::new();
    put_index(
        &mut ds,
        "all-ds",
        json!({"index_patterns": ["*"], "data_stream": {}}),
    );
    assert_eq!(
        ds.find_index_template(".ds-x-1", true).unwrap().as_deref(),
        Some("all-ds")
    );
}

#[test]
fn component_updates_revalidate_the_templates_using_them() {
    let mut md = Metadata::new();
    put_component(
        &mut md,
        "ts",
        json!({"template": {"mappings": {"properties": {"@timestamp": {"type": "date"}}}}}),
    );
    put_index(
        &mut md,
        "ds",
        json!({"index_patterns": ["ds-*"], "data_stream": {}, "composed_of": ["ts"]}),
    );
    let e = md
        .put_component_template(
            "ts",
            &json!({"template": {"mappings": {"properties": {"@timestamp": {"type": "long"}}}}}),
            false,
            NOW,
            &NoChecks,
        )
        .unwrap_err();
    let body = body_of(&e);
    assert_eq!(
        body["error"]["reason"],
        "updating templates [ts] results in invalid composable template [ds] after templates are merged"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        body["error"]["reason"]
    );
    // Nothing changed.
    assert_eq!(
        md.component_template("ts").unwrap().template.mappings,
        Some(
            json!({"properties": {"@timestamp": {"type": "date"}}})
                .as_object()
                .unwrap()
                .clone()
        )
    );
}

#[test]
fn deprecated_components_warn() {
    let mut md = Metadata::new();
    put_component(&mut md, "old", json!({"template": {}, "deprecated": true}));
    let warnings = md
        .put_index_template(
            "t",
            &json!({"index_patterns": ["t*"], "composed_of": ["old"]}),
            false,
            NOW,
            &NoChecks,
        )
        .unwrap();
    assert_eq!(
        warnings,
        vec!["index template [t] uses deprecated component template [old]".to_string()]
    );
}

struct RefuseSettings;

impl Checks for RefuseSettings {
    fn settings_errors(&self, settings: &FlatSettings) -> Vec<String> {
        settings
            .keys()
            .filter(|k| k.as_str() == "index.foo")
            .map(|k| format!("unknown setting [{k}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings"))
            .collect()
    }
}

#[test]
fn settings_problems_from_the_mapping_module_are_reported_as_invalid_template() {
    let mut md = Metadata::new();
    let e = md
        .put_index_template(
            "t",
            &json!({"index_patterns": ["t*"], "template": {"settings": {"foo": 1}}}),
            false,
            NOW,
            &RefuseSettings,
        )
        .unwrap_err();
    assert!(
        e.to_string().starts_with(
            "index_template [t] invalid, cause [Validation Failed: 1: unknown setting [index.foo]"
        ),
        "{e}"
    );
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z_*@ .-]{0,8}".prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("index_patterns".to_string()),
        Just("template".to_string()),
        Just("settings".to_string()),
        Just("mappings".to_string()),
        Just("aliases".to_string()),
        Just("composed_of".to_string()),
        Just("priority".to_string()),
        Just("data_stream".to_string()),
        Just("properties".to_string()),
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
    fn template_parsers_never_panic(body in any_json()) {
        let mut md = Metadata::new();
        let _ = md.put_component_template("c", &body, false, NOW, &NoChecks);
        let _ = md.put_index_template("t", &body, false, NOW, &NoChecks);
        let _ = md.get_index_templates(None, RenderOptions::default());
        let _ = md.simulate_index("t-1", RenderOptions::default());
        let _ = md.simulate_template(None, Some(&body), RenderOptions::default());
    }

    #[test]
    fn overlap_agrees_with_a_brute_force_search(a in "[ab*]{0,5}", b in "[ab*]{0,5}") {
        // Any common string is at most as long as both patterns' literals plus a little.
        let mut found = false;
        for len in 0..=8usize {
            for bits in 0..(1u32 << len) {
                let s: String = (0..len).map(|i| if bits >> i & 1 == 1 { 'a' } else { 'b' }).collect();
                if simple_match(&a, &s) && simple_match(&b, &s) {
                    found = true;
                    break;
                }
            }
            if found { break; }
        }
        prop_assert_eq!(patterns_overlap(&a, &b), found);
    }
}

#[test]
fn cat_templates_rows() {
    let mut md = Metadata::new();
    put_component(&mut md, "c", json!({"template": {}}));
    put_index(
        &mut md,
        "t1",
        json!({"index_patterns": ["a*", "b*"], "priority": 7, "version": 2, "composed_of": ["c"]}),
    );
    put_index(&mut md, "x", json!({"index_patterns": ["x*"]}));
    assert_eq!(
        md.cat_templates(Some("t*")),
        vec![CatTemplateRow {
            name: "t1".into(),
            index_patterns: "[a*, b*]".into(),
            order: "7".into(),
            version: Some("2".into()),
            composed_of: "[c]".into(),
        }]
    );
    let all = md.cat_templates(None);
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].version, None);
    assert_eq!(all[1].composed_of, "[]");
    assert_eq!(md.index_templates().count(), 2);
    assert_eq!(md.component_templates().count(), 1);
}
