use serde_json::json;

use super::*;

fn parse(v: Value) -> FlatSettings {
    parse_settings(v.as_object().unwrap()).unwrap()
}

#[test]
fn nested_and_bare_keys_become_flat_index_strings() {
    let s = parse(
        json!({"number_of_shards": 1, "index": {"refresh_interval": "5s",
        "lifecycle": {"name": "p"}}, "hidden": true, "codec": null}),
    );
    assert_eq!(s.get("index.number_of_shards"), Some(&json!("1")));
    assert_eq!(s.get("index.refresh_interval"), Some(&json!("5s")));
    assert_eq!(s.get("index.lifecycle.name"), Some(&json!("p")));
    assert_eq!(s.get("index.hidden"), Some(&json!("true")));
    assert_eq!(s.get("index.codec"), Some(&Value::Null));
    assert_eq!(s.len(), 5);
}

#[test]
fn lists_are_string_lists_and_objects_in_lists_are_refused() {
    let s = parse(json!({"index.query.default_field": ["a", 1]}));
    assert_eq!(s.get("index.query.default_field"), Some(&json!(["a", "1"])));
    let e = parse_settings(json!({"a": [{}]}).as_object().unwrap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "only value lists are allowed in serialized settings"
    );
}

#[test]
fn a_key_given_twice_is_refused() {
    let e = parse_settings(
        json!({"index": {"a": 1}, "index.a": 2})
            .as_object()
            .unwrap(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("duplicate settings key [index.a]"),
        "{e}"
    );
}

#[test]
fn wildcard_keys_keep_their_name() {
    let s = parse(json!({"routing.*": "x"}));
    assert!(s.contains_key("routing.*"));
}

#[test]
fn rendering_nested_and_flat() {
    let s = parse(json!({"number_of_shards": "1", "lifecycle.name": "p"}));
    assert_eq!(
        render_settings(&s, false),
        json!({"index": {"lifecycle": {"name": "p"}, "number_of_shards": "1"}})
    );
    assert_eq!(
        render_settings(&s, true),
        json!({"index.lifecycle.name": "p", "index.number_of_shards": "1"})
    );
}

#[test]
fn a_value_where_an_object_is_needed_keeps_the_rest_dotted() {
    let mut s = FlatSettings::new();
    s.insert("index.a".into(), json!("x"));
    s.insert("index.a.b".into(), json!("y"));
    assert_eq!(
        render_settings(&s, false),
        json!({"index": {"a": "x", "a.b": "y"}})
    );
}

#[test]
fn boolean_settings() {
    let s = parse(json!({"hidden": "true", "x": "maybe"}));
    assert_eq!(bool_setting(&s, "index.hidden").unwrap(), Some(true));
    assert_eq!(bool_setting(&s, "index.other").unwrap(), None);
    assert!(bool_setting(&s, "index.x").is_err());
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-z.]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-c.]{1,3}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn settings_parse_and_render_never_panic(v in any_json()) {
            if let Value::Object(map) = &v
                && let Ok(flat) = parse_settings(map)
            {
                let nested = render_settings(&flat, false);
                prop_assert!(nested.is_object());
                // Every flat key survives rendering flat.
                prop_assert_eq!(render_settings(&flat, true).as_object().map(|m| m.len()), Some(flat.len()));
            }
        }
    }
}
