//! Field lookups for the query layer, and properties over random documents and mappings.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::mapping;
use crate::mapping::{Analyzer, FieldCap, FieldType, Mapping, Normalizer};

fn lookup_mapping() -> Mapping {
    mapping(json!({
        "properties": {
            "host": {"properties": {
                "name": {"type": "keyword", "normalizer": "lowercase", "fields": {"text": {"type": "text", "analyzer": "simple"}}},
                "ip": {"type": "ip", "index": false}
            }},
            "msg": {"type": "text", "search_analyzer": "whitespace", "analyzer": "standard", "fielddata": true},
            "body": {"type": "match_only_text"},
            "ts": {"type": "date", "format": "epoch_second"},
            "price": {"type": "scaled_float", "scaling_factor": 10},
            "labels": {"type": "flattened"},
            "hostname": {"type": "alias", "path": "host.name"},
            "off": {"type": "keyword", "index": false, "doc_values": false}
        },
        "runtime": {"day": {"type": "keyword"}}
    }))
}

#[test]
fn resolve_follows_aliases_multi_fields_and_flattened_keys() {
    let m = lookup_mapping();
    let name = m.resolve("host.name").unwrap();
    assert_eq!(name.path, "host.name");
    assert_eq!(name.field_type, FieldType::Keyword);
    assert_eq!(name.normalizer, Some(Normalizer::Lowercase));
    assert!(name.indexed && name.doc_values);
    let alias = m.resolve("hostname").unwrap();
    assert_eq!(alias, name);
    let sub = m.resolve("host.name.text").unwrap();
    assert_eq!(sub.field_type, FieldType::Text);
    assert_eq!(sub.analyzer, Some(Analyzer::Simple));
    assert_eq!(sub.search_analyzer, Some(Analyzer::Simple));
    assert!(!sub.doc_values);
    let msg = m.resolve("msg").unwrap();
    assert_eq!(msg.search_analyzer, Some(Analyzer::Whitespace));
    assert!(msg.fielddata);
    let ip = m.resolve("host.ip").unwrap();
    assert!(!ip.indexed && ip.doc_values);
    let ts = m.resolve("ts").unwrap();
    assert_eq!(ts.date_format.unwrap().spec(), "epoch_second");
    assert_eq!(m.resolve("price").unwrap().scaling_factor, Some(10.0));
    let key = m.resolve("labels.env.name").unwrap();
    assert_eq!(key.field_type, FieldType::Keyword);
    assert_eq!(key.flattened_root.as_deref(), Some("labels"));
    assert_eq!(key.path, "labels.env.name");
    let day = m.resolve("day").unwrap();
    assert!(day.runtime && !day.indexed);
    assert_eq!(m.resolve("host"), None);
    assert_eq!(m.resolve("nope"), None);
    assert_eq!(m.resolve("host.name.nope"), None);
    assert_eq!(m.resolve("msg.x"), None);
}

#[test]
fn leaf_fields_list_every_concrete_field() {
    let paths: Vec<(String, FieldType)> = lookup_mapping()
        .leaf_fields()
        .into_iter()
        .map(|f| (f.path, f.field_type))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("body".to_string(), FieldType::MatchOnlyText),
            ("host.ip".to_string(), FieldType::Ip),
            ("host.name".to_string(), FieldType::Keyword),
            ("host.name.text".to_string(), FieldType::Text),
            ("labels".to_string(), FieldType::Flattened),
            ("msg".to_string(), FieldType::Text),
            ("off".to_string(), FieldType::Keyword),
            ("price".to_string(), FieldType::ScaledFloat),
            ("ts".to_string(), FieldType::Date),
        ]
    );
}

#[test]
fn wildcards_expand_over_searchable_leaves() {
    let m = lookup_mapping();
    assert_eq!(
        m.searchable_fields("host*"),
        vec!["host.ip", "host.name", "host.name.text", "hostname"]
    );
    assert_eq!(
        m.searchable_fields("*"),
        vec![
            "body",
            "host.ip",
            "host.name",
            "host.name.text",
            "hostname",
            "labels",
            "msg",
            "price",
            "ts"
        ]
    );
    assert!(m.searchable_fields("zzz*").is_empty());
}

#[test]
fn field_caps_describe_every_mapped_field() {
    let caps = lookup_mapping().field_caps();
    let cap = |name: &str| caps.iter().find(|c| c.name == name).cloned().unwrap();
    let expect = |name: &str, t: &str, searchable: bool, aggregatable: bool| FieldCap {
        name: name.into(),
        type_name: t.into(),
        searchable,
        aggregatable,
    };
    assert_eq!(cap("host"), expect("host", "object", false, false));
    assert_eq!(cap("host.name"), expect("host.name", "keyword", true, true));
    assert_eq!(
        cap("host.name.text"),
        expect("host.name.text", "text", true, false)
    );
    assert_eq!(cap("msg"), expect("msg", "text", true, true));
    assert_eq!(cap("body"), expect("body", "match_only_text", true, false));
    assert_eq!(cap("hostname"), expect("hostname", "keyword", true, true));
    assert_eq!(cap("host.ip"), expect("host.ip", "ip", true, true));
    assert_eq!(cap("off"), expect("off", "keyword", false, false));
    assert_eq!(cap("day"), expect("day", "keyword", false, false));
    let names: Vec<&str> = caps.iter().map(|c| c.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-d]".prop_map(String::from),
        1 => Just("a.b".to_string()),
        1 => Just("@timestamp".to_string()),
        1 => Just("x_id".to_string()),
        1 => "[a-c]\\.[a-c]".prop_map(String::from),
        1 => Just(String::new()),
        1 => Just("a.".to_string()),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        prop_oneof![
            Just("2015/09/02".to_string()),
            Just("2020-01-01T00:00:00Z".to_string()),
            Just("42".to_string()),
            Just("1.5".to_string()),
            Just("10.0.0.1".to_string()),
            Just(String::new()),
            Just("true".to_string()),
            "[a-zA-Z0-9 é]{0,12}",
        ]
        .prop_map(Value::String),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    let value = leaf().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    });
    proptest::collection::vec((key(), value), 0..6)
        .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>()))
}

/// Valid field definitions covering every type and the parameters that change parsing.
fn field_definition() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"type": "keyword", "ignore_above": 3, "null_value": "n"})),
        Just(json!({"type": "keyword", "normalizer": "lowercase", "copy_to": "c"})),
        Just(json!({"type": "text", "fields": {"raw": {"type": "keyword"}}})),
        Just(json!({"type": "match_only_text"})),
        Just(json!({"type": "long", "ignore_malformed": true})),
        Just(json!({"type": "integer", "coerce": false})),
        Just(json!({"type": "short", "null_value": 1})),
        Just(json!({"type": "byte"})),
        Just(json!({"type": "double", "index": false})),
        Just(json!({"type": "float", "doc_values": false})),
        Just(json!({"type": "half_float"})),
        Just(json!({"type": "scaled_float", "scaling_factor": 100})),
        Just(json!({"type": "unsigned_long"})),
        Just(json!({"type": "boolean", "null_value": false})),
        Just(json!({"type": "date", "format": "yyyy/MM/dd||epoch_millis"})),
        Just(json!({"type": "date_nanos", "ignore_malformed": true})),
        Just(json!({"type": "ip"})),
        Just(json!({"type": "flattened", "depth_limit": 2})),
        Just(json!({"type": "object", "dynamic": "strict"})),
        Just(json!({"type": "object", "enabled": false})),
        Just(json!({"properties": {"d": {"type": "keyword"}}, "dynamic": false})),
    ]
}

fn explicit_mapping() -> impl Strategy<Value = Value> {
    (
        proptest::collection::btree_map("[a-d]", field_definition(), 0..5),
        prop_oneof![Just("true"), Just("false"), Just("strict"), Just("runtime")],
        any::<bool>(),
    )
        .prop_map(|(fields, dynamic, templates)| {
            let mut properties: Map<String, Value> = fields.into_iter().collect();
            properties.insert("c".into(), json!({"type": "text"}));
            let mut body = json!({"dynamic": dynamic, "properties": properties});
            if templates {
                body["dynamic_templates"] = json!([
                    {"ids": {"match": "*_id", "mapping": {"type": "keyword"}}},
                    {"nums": {"match_mapping_type": "long", "mapping": {"type": "{dynamic_type}", "index": false}}}
                ]);
            }
            body
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_document_parses_without_panic(doc in document(), dynamic in prop_oneof![Just("true"), Just("false"), Just("strict"), Just("runtime")]) {
        let m = mapping(json!({"dynamic": dynamic, "properties": {"a": {"properties": {"b": {"type": "long"}}}}}));
        let _ = m.parse_document(Some("1"), &doc);
        let raw = serde_json::to_vec(&doc).unwrap();
        let _ = m.parse_document_bytes(Some("1"), &raw);
    }

    #[test]
    fn any_document_parses_against_any_mapping(doc in document(), body in explicit_mapping()) {
        let m = mapping(body);
        let _ = m.parse_document(None, &doc);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = mapping(json!({})).parse_document_bytes(None, &bytes);
    }

    #[test]
    fn a_merged_update_makes_the_document_parse_without_update(doc in document(), body in explicit_mapping()) {
        let m = mapping(body);
        if let Ok(first) = m.parse_document(Some("1"), &doc) {
            let merged = match &first.mapping_update {
                Some(update) => m.merge(update).expect("the document's own update merges"),
                None => m.clone(),
            };
            let again = merged.parse_document(Some("1"), &doc).expect("parses again");
            prop_assert_eq!(&again.mapping_update, &None);
            prop_assert_eq!(&again.fields, &first.fields);
            prop_assert_eq!(&again.ignored, &first.ignored);
        }
    }

    #[test]
    fn to_json_from_json_round_trips(doc in document(), body in explicit_mapping()) {
        let m = mapping(body);
        let grown = match m.parse_document(None, &doc) {
            Ok(p) => match p.mapping_update {
                Some(update) => m.merge(&update).unwrap(),
                None => m,
            },
            Err(_) => m,
        };
        let rendered = grown.to_json();
        let reread = Mapping::from_json(&rendered).unwrap();
        prop_assert_eq!(reread.to_json(), rendered);
    }
}
