//! Document parsing: typed values, dynamic mapping, templates, errors with positions.

use serde_json::{Value, json};

use super::mapping;
use crate::document::{DateValue, FieldValue, IndexedValue, ParsedDocument};
use crate::mapping::{Mapping, MappingLimits};
use crate::{Result, StoreError};

fn parse(m: &Mapping, doc: Value) -> ParsedDocument {
    match m.parse_document(Some("1"), &doc) {
        Ok(p) => p,
        Err(e) => panic!("{doc}: {e}"),
    }
}

fn parse_raw(m: &Mapping, raw: &str) -> Result<ParsedDocument> {
    m.parse_document_bytes(Some("1"), raw.as_bytes())
        .map(|(_, p)| p)
}

fn values(p: &ParsedDocument) -> Vec<(&str, &IndexedValue)> {
    p.fields
        .iter()
        .map(|f| (f.path.as_str(), &f.value))
        .collect()
}

fn kw(s: &str) -> IndexedValue {
    IndexedValue::Keyword(s.into())
}

fn text(s: &str) -> IndexedValue {
    IndexedValue::Text(s.into())
}

fn doc_error(result: Result<ParsedDocument>) -> (String, Option<(String, String)>) {
    match result {
        Err(StoreError::DocumentParsing { reason, caused_by }) => (reason, caused_by),
        other => panic!("{other:?}"),
    }
}

#[test]
fn mapped_values_are_typed_with_their_flags() {
    let m = mapping(json!({"properties": {
        "host": {"properties": {"name": {"type": "keyword"}, "ip": {"type": "ip"}}},
        "msg": {"type": "text", "fields": {"raw": {"type": "keyword", "ignore_above": 5}}},
        "n": {"type": "integer", "index": false},
        "secret": {"type": "keyword", "index": false, "doc_values": false},
        "ok": {"type": "boolean"},
        "at": {"type": "date"}
    }}));
    let p = parse(
        &m,
        json!({"host": {"name": "web-1", "ip": "10.0.0.1"}, "msg": "hello world", "n": [1, "2"], "secret": "x", "ok": true, "at": "2020-01-01"}),
    );
    assert_eq!(
        p.fields,
        vec![
            FieldValue {
                path: "host.name".into(),
                value: kw("web-1"),
                indexed: true,
                doc_values: true
            },
            FieldValue {
                path: "host.ip".into(),
                value: IndexedValue::Ip("::ffff:10.0.0.1".parse().unwrap()),
                indexed: true,
                doc_values: true
            },
            FieldValue {
                path: "msg".into(),
                value: text("hello world"),
                indexed: true,
                doc_values: false
            },
            FieldValue {
                path: "n".into(),
                value: IndexedValue::Long(1),
                indexed: false,
                doc_values: true
            },
            FieldValue {
                path: "n".into(),
                value: IndexedValue::Long(2),
                indexed: false,
                doc_values: true
            },
            FieldValue {
                path: "ok".into(),
                value: IndexedValue::Boolean(true),
                indexed: true,
                doc_values: true
            },
            FieldValue {
                path: "at".into(),
                value: IndexedValue::Date(DateValue::Millis(1_577_836_800_000)),
                indexed: true,
                doc_values: true
            },
        ]
    );
    assert_eq!(p.ignored, vec!["msg.raw".to_string()]);
    assert_eq!(p.mapping_update, None);
    let short = parse(&m, json!({"msg": "hi"}));
    assert_eq!(
        values(&short),
        vec![("msg", &text("hi")), ("msg.raw", &kw("hi"))]
    );
}

#[test]
fn dynamic_mapping_uses_elasticsearch_defaults() {
    let m = mapping(json!({}));
    let p = parse(
        &m,
        json!({
            "s": "some text", "i": 5, "f": 1.5, "b": false, "n": null, "e": [], "o": {"x": "y"},
            "iso": "2015-01-01T12:10:30Z", "slash": "2015/09/02", "num": "42", "empty": {}
        }),
    );
    assert_eq!(
        p.mapping_update,
        Some(json!({"properties": {
            "s": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
            "i": {"type": "long"},
            "f": {"type": "float"},
            "b": {"type": "boolean"},
            "o": {"properties": {"x": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}}},
            "iso": {"type": "date"},
            "slash": {"type": "date", "format": "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis"},
            "num": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
            "empty": {"type": "object"}
        }}))
    );
    assert_eq!(
        values(&p),
        vec![
            ("s", &text("some text")),
            ("s.keyword", &kw("some text")),
            ("i", &IndexedValue::Long(5)),
            ("f", &IndexedValue::Double(1.5)),
            ("b", &IndexedValue::Boolean(false)),
            ("o.x", &text("y")),
            ("o.x.keyword", &kw("y")),
            (
                "iso",
                &IndexedValue::Date(DateValue::Millis(1_420_114_230_000))
            ),
            (
                "slash",
                &IndexedValue::Date(DateValue::Millis(1_441_152_000_000))
            ),
            ("num", &text("42")),
            ("num.keyword", &kw("42")),
        ]
    );
    let long = "x".repeat(300);
    let p = parse(&m, json!({ "s": long }));
    assert_eq!(p.ignored, vec!["s.keyword".to_string()]);
}

#[test]
fn detection_switches_and_dynamic_date_formats() {
    let m = mapping(json!({"numeric_detection": true, "date_detection": false}));
    let p = parse(&m, json!({"a": "42", "b": "1.5", "c": "2015-01-01"}));
    assert_eq!(
        p.mapping_update.unwrap()["properties"],
        json!({"a": {"type": "long"}, "b": {"type": "float"}, "c": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}})
    );
    let m = mapping(json!({"dynamic_date_formats": ["dd.MM.yyyy"]}));
    let p = parse(&m, json!({"d": "02.01.2020", "iso": "2020-01-02"}));
    assert_eq!(
        p.mapping_update.unwrap()["properties"],
        json!({"d": {"type": "date", "format": "dd.MM.yyyy"}, "iso": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}})
    );
}

#[test]
fn arrays_objects_and_dotted_keys() {
    let m = mapping(json!({"properties": {"a": {"properties": {"b": {"type": "keyword"}}}}}));
    let p = parse(
        &m,
        json!({"a.b": ["x", ["y", ["z"]]], "a": [{"b": "w"}, {"b": null}]}),
    );
    assert_eq!(
        values(&p),
        vec![
            ("a.b", &kw("x")),
            ("a.b", &kw("y")),
            ("a.b", &kw("z")),
            ("a.b", &kw("w"))
        ]
    );
    assert_eq!(p.mapping_update, None);
    let dynamic = parse(&mapping(json!({})), json!({"x.y.z": 1}));
    assert_eq!(
        dynamic.mapping_update,
        Some(
            json!({"properties": {"x": {"properties": {"y": {"properties": {"z": {"type": "long"}}}}}}})
        )
    );
    assert_eq!(values(&dynamic), vec![("x.y.z", &IndexedValue::Long(1))]);
    for (doc, inner) in [
        (
            json!({"": 1}),
            "field name cannot be an empty string".to_string(),
        ),
        (
            json!({"  ": 1}),
            "field name cannot contain only whitespace: ['  ']".to_string(),
        ),
        (
            json!({"a.": 1}),
            "object field starting or ending with a [.] makes object resolution ambiguous: [a.]"
                .to_string(),
        ),
    ] {
        let (reason, cause) = doc_error(m.parse_document(Some("1"), &doc));
        assert_eq!(reason, format!("failed to parse: {inner}"));
        assert_eq!(cause, Some(("illegal_argument_exception".into(), inner)));
    }
    let (reason, _) = doc_error(parse_raw(&m, r#"{"a.b.c": 1}"#));
    assert_eq!(
        reason,
        "[1:11] Could not dynamically add mapping for field [a.b.c]. Existing mapping for [a.b] must be of type object but found [keyword]."
    );
    // The message names the key as written, the existing field by its full path.
    let (reason, _) = doc_error(m.parse_document(None, &json!({"a": {"b.c": 1}})));
    assert_eq!(
        reason,
        "Could not dynamically add mapping for field [b.c]. Existing mapping for [a.b] must be of type object but found [keyword]."
    );
}

#[test]
fn dynamic_false_strict_and_runtime() {
    let m = mapping(json!({"dynamic": false, "properties": {
        "known": {"type": "keyword"},
        "open": {"type": "object", "dynamic": true},
        "closed": {"type": "object", "dynamic": "strict", "properties": {"k": {"type": "long"}}}
    }}));
    let p = parse(
        &m,
        json!({"known": "a", "unknown": "b", "deep": {"x": 1}, "open": {"n": 1}}),
    );
    assert_eq!(
        values(&p),
        vec![("known", &kw("a")), ("open.n", &IndexedValue::Long(1))]
    );
    assert_eq!(
        p.mapping_update,
        Some(json!({"properties": {"open": {"properties": {"n": {"type": "long"}}}}}))
    );
    match parse_raw(&m, "{\"closed\": {\"k\": 1,\n \"z\": 2}}") {
        Err(StoreError::StrictDynamicMapping(reason)) => assert_eq!(
            reason,
            "[2:7] mapping set to strict, dynamic introduction of [z] within [closed] is not allowed"
        ),
        other => panic!("{other:?}"),
    }
    let strict = mapping(json!({"dynamic": "strict"}));
    let e = strict
        .parse_document(None, &json!({"x": {"y": 1}}))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "mapping set to strict, dynamic introduction of [x] within [_doc] is not allowed"
    );
    assert_eq!(
        e.to_exception().error_type,
        "strict_dynamic_mapping_exception"
    );
    // Nulls and empty arrays introduce nothing, even under strict.
    assert!(
        strict
            .parse_document(None, &json!({"x": null, "y": []}))
            .is_ok()
    );

    let runtime = mapping(json!({"dynamic": "runtime"}));
    let p = parse(
        &runtime,
        json!({"s": "x", "n": 1, "f": 1.5, "d": "2015/09/02", "o": {"b": true}}),
    );
    assert!(p.fields.is_empty());
    assert_eq!(
        p.mapping_update,
        Some(json!({
            "runtime": {
                "s": {"type": "keyword"},
                "n": {"type": "long"},
                "f": {"type": "double"},
                "d": {"type": "date", "format": "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis"},
                "o.b": {"type": "boolean"}
            },
            "properties": {"o": {"type": "object"}}
        }))
    );
}

#[test]
fn dynamic_templates_map_new_fields() {
    let m = mapping(json!({
        "dynamic_templates": [
            {"ids": {"match": "*_id", "unmatch": "skip_*", "mapping": {"type": "keyword"}}},
            {"longs": {"match_mapping_type": "long", "mapping": {"type": "integer"}}},
            {"labels": {"path_match": "labels.*", "mapping": {"type": "keyword", "meta": {"from": "{name}"}}}},
            {"re": {"match": "^r\\d+$", "match_pattern": "regex", "mapping": {"type": "{dynamic_type}", "index": false}}},
            {"dates": {"match_mapping_type": "date", "mapping": {"type": "date_nanos"}}},
            {"strings": {"match_mapping_type": "string", "runtime": {}}},
            {"unreachable": {"mapping": {"type": "boolean"}}}
        ]
    }));
    let p = parse(
        &m,
        json!({"user_id": 7, "skip_id": 1, "n": 2, "labels": {"env": "prod"}, "r1": 1.5, "when": "2015/09/02", "s": "x"}),
    );
    assert_eq!(
        p.mapping_update,
        Some(json!({
            "runtime": {"s": {"type": "keyword"}},
            "properties": {
                "user_id": {"type": "keyword"},
                "skip_id": {"type": "integer"},
                "n": {"type": "integer"},
                "labels": {"properties": {"env": {"type": "keyword", "meta": {"from": "env"}}}},
                "r1": {"type": "float", "index": false},
                "when": {"type": "date_nanos", "format": "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis"}
            }
        }))
    );
    assert_eq!(
        values(&p),
        vec![
            ("user_id", &kw("7")),
            ("skip_id", &IndexedValue::Long(1)),
            ("n", &IndexedValue::Long(2)),
            ("labels.env", &kw("prod")),
            ("r1", &IndexedValue::Double(1.5)),
            (
                "when",
                &IndexedValue::Date(DateValue::Nanos(1_441_152_000_000_000_000))
            ),
        ]
    );
    // A template may map an object as something else.
    let flat = mapping(
        json!({"dynamic_templates": [{"f": {"match_mapping_type": "object", "match": "tags", "mapping": {"type": "flattened"}}}]}),
    );
    let p = parse(&flat, json!({"tags": {"a": {"b": "x"}}}));
    assert_eq!(
        p.mapping_update,
        Some(json!({"properties": {"tags": {"type": "flattened"}}}))
    );
    assert_eq!(values(&p), vec![("tags", &kw("x")), ("tags.a.b", &kw("x"))]);
}

#[test]
fn value_errors_carry_position_id_preview_and_cause() {
    let m = mapping(
        json!({"properties": {"price": {"type": "double"}, "o": {"properties": {"k": {"type": "keyword"}}}, "n": {"type": "long"}}}),
    );
    let (reason, cause) = doc_error(parse_raw(&m, r#"{"price":"abc"}"#));
    assert_eq!(
        reason,
        "[1:10] failed to parse field [price] of type [double] in document with id '1'. Preview of field's value: 'abc'"
    );
    assert_eq!(
        cause,
        Some((
            "number_format_exception".into(),
            "For input string: \"abc\"".into()
        ))
    );
    let (reason, cause) = doc_error(parse_raw(&m, "{\n  \"o\": {\"k\": {\"a\": [1, 2]}}}"));
    assert_eq!(
        reason,
        "[2:14] failed to parse field [o.k] of type [keyword] in document with id '1'. Preview of field's value: '{a=[1, 2]}'"
    );
    assert_eq!(
        cause,
        Some((
            "illegal_argument_exception".into(),
            "Expected text at 2:14 but found START_OBJECT".into()
        ))
    );
    let (reason, _) = doc_error(parse_raw(&m, r#"{"o": "flat"}"#));
    assert_eq!(
        reason,
        "[1:7] object mapping for [o] tried to parse field [o] as object, but found a concrete value"
    );
    let (reason, cause) = doc_error(m.parse_document(None, &json!({"n": [1, true]})));
    assert_eq!(
        reason,
        "failed to parse field [n] of type [long] in a document. Preview of field's value: 'true'"
    );
    assert_eq!(
        cause,
        Some((
            "x_content_parse_exception".into(),
            "Current token (VALUE_TRUE) not numeric, can not use numeric value accessors".into()
        ))
    );
    let e = m
        .parse_document_bytes(Some("1"), br#"{"price":"abc"}"#)
        .unwrap_err();
    let body = e.to_exception().to_body(false);
    assert_eq!(body["error"]["type"], "document_parsing_exception");
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "document_parsing_exception"
    );
    assert_eq!(
        body["error"]["caused_by"]["type"],
        "number_format_exception"
    );
    assert_eq!(body["status"], 400);
}

#[test]
fn malformed_sources() {
    let m = mapping(json!({}));
    let (reason, cause) = doc_error(parse_raw(&m, r#"{"a":1,"a":2}"#));
    assert_eq!(reason, "[1:10] failed to parse: Duplicate field 'a'");
    assert_eq!(cause.unwrap().0, "x_content_parse_exception");
    let (reason, _) = doc_error(parse_raw(&m, r#"{"a": "#));
    assert!(reason.starts_with("[1:6] failed to parse: "), "{reason}");
    let (reason, _) = doc_error(parse_raw(&m, "  [1, 2]"));
    assert_eq!(reason, "[1:3] Malformed content, must start with an object");
    let (reason, _) = doc_error(m.parse_document(None, &json!("x")));
    assert_eq!(reason, "Malformed content, must start with an object");
    let (source, parsed) = m.parse_document_bytes(None, br#"{"a": 1}"#).unwrap();
    assert_eq!(source, json!({"a": 1}));
    assert_eq!(values(&parsed), vec![("a", &IndexedValue::Long(1))]);
}

#[test]
fn ignore_malformed_and_null_value() {
    let m = mapping(json!({"properties": {
        "n": {"type": "long", "ignore_malformed": true, "fields": {"raw": {"type": "keyword"}}},
        "ip": {"type": "ip", "null_value": "127.0.0.1"},
        "k": {"type": "keyword", "null_value": "NULL"},
        "o": {"type": "long", "ignore_malformed": true}
    }}));
    let p = parse(
        &m,
        json!({"n": "abc", "ip": null, "k": [null, "x"], "o": {"a": 1}}),
    );
    assert_eq!(p.ignored, vec!["n".to_string(), "o".to_string()]);
    assert_eq!(
        values(&p),
        vec![
            ("n.raw", &kw("abc")),
            ("ip", &IndexedValue::Ip("::ffff:127.0.0.1".parse().unwrap())),
            ("k", &kw("NULL")),
            ("k", &kw("x")),
        ]
    );
    let index_wide = Mapping::from_json_with(
        &json!({"properties": {"d": {"type": "date"}, "k": {"type": "keyword"}}}),
        MappingLimits {
            ignore_malformed: true,
            ..MappingLimits::default()
        },
    )
    .unwrap();
    assert_eq!(
        parse(&index_wide, json!({"d": "never"})).ignored,
        vec!["d".to_string()]
    );
    // Keywords have no ignore_malformed: an object still fails.
    assert!(
        index_wide
            .parse_document(None, &json!({"k": {"a": 1}}))
            .is_err()
    );
    let no_coerce = Mapping::from_json_with(
        &json!({"properties": {"n": {"type": "long"}, "m": {"type": "long", "coerce": true}}}),
        MappingLimits {
            coerce: false,
            ..MappingLimits::default()
        },
    )
    .unwrap();
    let (_, cause) = doc_error(no_coerce.parse_document(None, &json!({"n": "1"})));
    assert_eq!(cause.unwrap().1, "Long value passed as String");
    assert_eq!(
        values(&parse(&no_coerce, json!({"m": "1"}))),
        vec![("m", &IndexedValue::Long(1))]
    );
}

#[test]
fn field_and_depth_limits() {
    let limits = MappingLimits {
        total_fields: 2,
        depth: 3,
        ..MappingLimits::default()
    };
    let m = Mapping::from_json_with(&json!({}), limits).unwrap();
    assert!(m.parse_document(None, &json!({"a": "x"})).is_ok());
    let (reason, cause) = doc_error(parse_raw(&m, r#"{"a": "x", "b": 1}"#));
    assert_eq!(
        reason,
        "[1:17] failed to parse: Limit of total fields [2] has been exceeded while adding new fields [3]"
    );
    assert_eq!(
        cause,
        Some((
            "illegal_argument_exception".into(),
            "Limit of total fields [2] has been exceeded while adding new fields [3]".into()
        ))
    );
    let lenient = Mapping::from_json_with(
        &json!({}),
        MappingLimits {
            ignore_dynamic_beyond_limit: true,
            ..limits
        },
    )
    .unwrap();
    let p = parse(&lenient, json!({"a": "x", "b": 1, "c": {"d": 1}}));
    assert_eq!(p.ignored, vec!["b".to_string(), "c".to_string()]);
    assert_eq!(values(&p), vec![("a", &text("x")), ("a.keyword", &kw("x"))]);

    let deep = Mapping::from_json_with(
        &json!({}),
        MappingLimits {
            depth: 3,
            ..MappingLimits::default()
        },
    )
    .unwrap();
    assert!(
        deep.parse_document(None, &json!({"a": {"b": {"c": 1}}}))
            .is_ok()
    );
    let (reason, _) = doc_error(deep.parse_document(None, &json!({"a": {"b": {"c": {"d": 1}}}})));
    assert_eq!(
        reason,
        "failed to parse: Limit of mapping depth [3] has been exceeded due to object field [a.b.c]"
    );
}

#[test]
fn copy_to_aliases_disabled_objects_and_flattened() {
    let m = mapping(json!({"properties": {
        "first": {"type": "keyword", "copy_to": ["full", "meta.names"]},
        "full": {"type": "text"},
        "alias": {"type": "alias", "path": "first"},
        "off": {"type": "object", "enabled": false},
        "labels": {"type": "flattened", "ignore_above": 4}
    }}));
    let p = parse(
        &m,
        json!({"first": "Ada", "off": {"anything": [1, {"x": "y"}]}, "labels": {"env": "prod", "team": {"name": "ops", "tier": "gold-plus"}}}),
    );
    assert_eq!(
        values(&p),
        vec![
            ("first", &kw("Ada")),
            ("labels", &kw("prod")),
            ("labels.env", &kw("prod")),
            ("labels", &kw("ops")),
            ("labels.team.name", &kw("ops")),
            ("full", &text("Ada")),
            ("meta.names", &text("Ada")),
            ("meta.names.keyword", &kw("Ada")),
        ]
    );
    assert_eq!(p.ignored, vec!["labels".to_string()]);
    assert_eq!(
        p.mapping_update,
        Some(
            json!({"properties": {"meta": {"properties": {"names": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}}}}})
        )
    );
    let p = parse(&m, json!({"labels.team.name": "x", "off": "concrete"}));
    assert_eq!(
        values(&p),
        vec![("labels", &kw("x")), ("labels.team.name", &kw("x"))]
    );
    let (reason, cause) = doc_error(parse_raw(&m, r#"{"alias": "x"}"#));
    assert_eq!(
        reason,
        "[1:11] failed to parse: Cannot write to a field alias [alias]."
    );
    assert_eq!(cause.unwrap().1, "Cannot write to a field alias [alias].");
    let shallow = mapping(json!({"properties": {"f": {"type": "flattened", "depth_limit": 1}}}));
    let (reason, cause) =
        doc_error(shallow.parse_document(Some("7"), &json!({"f": {"a": {"b": 1}}})));
    assert_eq!(
        reason,
        "failed to parse field [f] of type [flattened] in document with id '7'. Preview of field's value: '{a={b=1}}'"
    );
    assert_eq!(
        cause.unwrap().1,
        "The provided [flattened] field [f] exceeds the maximum depth limit of [1]."
    );
    let root_off = mapping(json!({"enabled": false}));
    let p = parse(&root_off, json!({"a": 1}));
    assert!(p.fields.is_empty() && p.mapping_update.is_none());
}

#[test]
fn data_stream_timestamp_is_required_once() {
    let m = mapping(
        json!({"_data_stream_timestamp": {"enabled": true}, "properties": {"@timestamp": {"type": "date"}}}),
    );
    assert!(
        m.parse_document(None, &json!({"@timestamp": "2020-01-01"}))
            .is_ok()
    );
    let (reason, cause) = doc_error(parse_raw(&m, r#"{"a": 1}"#));
    assert_eq!(
        reason,
        "[1:8] failed to parse: data stream timestamp field [@timestamp] is missing"
    );
    assert_eq!(cause.unwrap().0, "illegal_argument_exception");
    let (reason, _) =
        doc_error(m.parse_document(None, &json!({"@timestamp": ["2020-01-01", "2020-01-02"]})));
    assert_eq!(
        reason,
        "failed to parse: data stream timestamp field [@timestamp] encountered multiple values"
    );
}

#[test]
fn the_mapping_update_merges_into_the_mapping() {
    let m = mapping(json!({"properties": {"host": {"properties": {"name": {"type": "keyword"}}}}}));
    let doc = json!({"host": {"name": "a", "os": {"family": "linux"}}, "cpu": {"pct": 0.5}, "tags": ["x"]});
    let p = parse(&m, doc.clone());
    let update = p.mapping_update.clone().unwrap();
    assert_eq!(
        update,
        json!({"properties": {
            "host": {"properties": {"os": {"properties": {"family": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}}}}},
            "cpu": {"properties": {"pct": {"type": "float"}}},
            "tags": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
        }})
    );
    let merged = m.merge(&update).unwrap();
    let again = parse(&merged, doc);
    assert_eq!(again.mapping_update, None);
    assert_eq!(again.fields, p.fields);
}

#[test]
fn deep_nesting_is_bounded_without_exhausting_the_stack() {
    let m = mapping(json!({"properties": {"n": {"type": "long"}}}));
    let nested = |depth: usize| {
        let mut value = json!(1);
        for _ in 0..depth {
            value = Value::Array(vec![value]);
        }
        json!({ "n": value })
    };
    // Test threads have 2 MiB of stack; Jackson's default nesting limit is 1000.
    let p = parse(&m, nested(999));
    assert_eq!(values(&p), vec![("n", &IndexedValue::Long(1))]);
    let (reason, _) = doc_error(m.parse_document(None, &nested(1001)));
    assert_eq!(
        reason,
        "failed to parse: Document nesting depth (1001) exceeds the maximum allowed (1000)"
    );
}

#[test]
fn deeply_nested_objects_parse_within_the_stack() {
    // 128 levels: the most `ironstack_types::json::from_slice` (serde_json) reads.
    let mut doc = json!({"leaf": 1});
    for _ in 0..127 {
        doc = json!({ "o": doc });
    }
    let m = Mapping::from_json_with(
        &json!({}),
        MappingLimits {
            depth: 1000,
            ..MappingLimits::default()
        },
    )
    .unwrap();
    let p = parse(&m, doc.clone());
    assert_eq!(p.fields.len(), 1);
    let merged = m.merge(&p.mapping_update.unwrap()).unwrap();
    assert_eq!(parse(&merged, doc).mapping_update, None);
}
