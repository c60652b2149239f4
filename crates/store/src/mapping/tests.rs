//! Mapping definitions, rendering and merging. Document parsing is in `parse_tests.rs`,
//! lookups and the properties in `lookup_tests.rs`.

use serde_json::json;

use super::*;

#[path = "parse_tests.rs"]
mod parse_tests;

#[path = "lookup_tests.rs"]
mod lookup_tests;

pub(super) fn mapping(value: Value) -> Mapping {
    match Mapping::from_json(&value) {
        Ok(m) => m,
        Err(e) => panic!("{value}: {e}"),
    }
}

fn definition_error(value: Value) -> (String, String) {
    match Mapping::from_json(&value) {
        Err(StoreError::MappingDefinition { reason, cause_type }) => (reason, cause_type),
        other => panic!("{value}: {other:?}"),
    }
}

fn error_text(value: Value) -> String {
    Mapping::from_json(&value).unwrap_err().to_string()
}

#[test]
fn a_full_mapping_round_trips_through_get_mapping() {
    let body = json!({
        "dynamic": "strict",
        "_meta": {"owner": "ops"},
        "_routing": {"required": true},
        "_source": {"includes": ["a.*"], "excludes": ["a.secret"]},
        "dynamic_date_formats": ["yyyy-MM-dd"],
        "dynamic_templates": [
            {"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}},
            {"ids": {"match": ["*_id", "id"], "unmatch": "x_*", "mapping": {"type": "long"}}}
        ],
        "date_detection": false,
        "numeric_detection": true,
        "runtime": {"day": {"type": "keyword"}},
        "properties": {
            "a": {"properties": {
                "secret": {"type": "keyword", "index": false, "doc_values": false},
                "tags": {"type": "keyword", "ignore_above": 10, "normalizer": "lowercase", "null_value": "none"}
            }},
            "empty": {"type": "object", "dynamic": "false"},
            "off": {"type": "object", "enabled": false},
            "message": {
                "type": "text",
                "analyzer": "whitespace",
                "search_analyzer": "simple",
                "fields": {"raw": {"type": "keyword"}, "words": {"type": "match_only_text"}},
                "copy_to": ["all"]
            },
            "all": {"type": "text", "norms": false},
            "price": {"type": "scaled_float", "scaling_factor": 100.0, "coerce": false},
            "n": {"type": "unsigned_long", "ignore_malformed": true, "meta": {"unit": "count"}},
            "ts": {"type": "date", "format": "epoch_millis"},
            "ns": {"type": "date_nanos"},
            "ip": {"type": "ip", "null_value": "0.0.0.0", "store": true},
            "labels": {"type": "flattened", "ignore_above": 100, "depth_limit": 5},
            "ratio": {"type": "half_float", "time_series_metric": "gauge"},
            "ok": {"type": "boolean"},
            "alias_ip": {"type": "alias", "path": "ip"}
        }
    });
    let m = mapping(body.clone());
    assert_eq!(m.to_json(), body);
    assert_eq!(mapping(m.to_json()).to_json(), body);
}

#[test]
fn defaults_are_not_printed_and_dotted_names_expand() {
    let m = mapping(json!({"_doc": {"properties": {
        "host.name": {"type": "keyword", "index": true, "doc_values": true, "store": false},
        "host.ip": {"type": "ip", "ignore_malformed": false},
        "n": {"type": "long", "coerce": true},
        "t": {"type": "text", "analyzer": "standard", "search_analyzer": "standard"},
        "d": {"type": "date", "format": "strict_date_optional_time||epoch_millis"},
        "f": {"type": "flattened", "depth_limit": 20},
        "o": {"properties": {}},
        "e": {"enabled": false}
    }}}));
    assert_eq!(
        m.to_json(),
        json!({"properties": {
            "d": {"type": "date"},
            "e": {"type": "object", "enabled": false},
            "f": {"type": "flattened"},
            "host": {"properties": {"ip": {"type": "ip"}, "name": {"type": "keyword"}}},
            "n": {"type": "long"},
            "o": {"type": "object"},
            "t": {"type": "text"}
        }})
    );
    assert!(mapping(json!({})).is_empty());
    assert!(mapping(json!(null)).is_empty());
    assert_eq!(
        mapping(json!({"properties": {"a": []}})).to_json(),
        json!({})
    );
}

#[test]
fn definition_errors_carry_elasticsearch_texts() {
    assert_eq!(
        definition_error(json!({"dynamicc": false, "properties": {}})),
        (
            "Root mapping definition has unsupported parameters:  [dynamicc : false]".into(),
            "mapper_parsing_exception".into()
        )
    );
    assert_eq!(
        error_text(json!({"calls": {"dynamic_templates": [{"l": {"match": "x"}}]}})),
        "Failed to parse mapping: Root mapping definition has unsupported parameters:  [calls : {dynamic_templates=[{l={match=x}}]}]"
    );
    assert_eq!(
        definition_error(json!({"properties": {"bar": {"type": "foo"}}})).0,
        "No handler for type [foo] declared on field [bar]"
    );
    assert_eq!(
        definition_error(json!({"properties": {"bar": {"index": false}}})).0,
        "No type specified for field [bar]"
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "keyword", "foo": 1}}})).0,
        "unknown parameter [foo] on mapper [f] of type [keyword]"
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "text", "ignore_above": 1}}})).0,
        "unknown parameter [ignore_above] on mapper [f] of type [text]"
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "keyword", "boost": 2}}})).0,
        "Unknown parameter [boost] on mapper [f]"
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "keyword", "index": null}}})).0,
        "[index] on mapper [f] of type [keyword] must not have a [null] value"
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "keyword", "index": "yes"}}})),
        (
            "Failed to parse value [yes] as only [true] or [false] are allowed.".into(),
            "illegal_argument_exception".into()
        )
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "keyword", "ignore_above": "x"}}})),
        (
            "For input string: \"x\"".into(),
            "number_format_exception".into()
        )
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "text", "analyzer": "english"}}})),
        (
            "analyzer [english] has not been configured in mappings".into(),
            "illegal_argument_exception".into()
        )
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "keyword", "normalizer": "mine"}}})).0,
        "normalizer [mine] not found for field [f]"
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "scaled_float"}}})).0,
        "Field [scaling_factor] is required"
    );
    assert_eq!(
        definition_error(
            json!({"properties": {"f": {"type": "scaled_float", "scaling_factor": -1}}})
        )
        .0,
        "[scaling_factor] must be a positive number, got [-1.0]"
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "date", "format": "EEE"}}})).0,
        "Invalid format: [EEE]: pattern letter [E] is not supported here"
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "long", "null_value": "x"}}})).0,
        "For input string: \"x\""
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": "keyword"}})).0,
        "Expected map for property [fields] on field [f] but got a class java.lang.String"
    );
    assert_eq!(
        definition_error(json!({"properties": {"": {"type": "keyword"}}})).0,
        "field name cannot be an empty string"
    );
    assert_eq!(
        definition_error(json!({"properties": {"a..b": {"type": "keyword"}}})).0,
        "name cannot be empty string"
    );
    assert_eq!(
        definition_error(json!({"properties": {"o": {"properties": {}, "foo": "bar"}}})).0,
        "Mapping definition for [o] has unsupported parameters:  [foo : bar]"
    );
    assert_eq!(
        definition_error(json!({"properties": {"a": {"type": "alias"}}})).0,
        "The [path] property must be specified for field [a]."
    );
    assert_eq!(
        definition_error(json!({"_source": {"mode": "synthetic"}})).0,
        "unknown parameter [mode] on metadata field [_source]"
    );
    assert_eq!(
        definition_error(json!({"runtime": {"r": {"type": "geo_shape"}}})).0,
        "No handler for type [geo_shape] declared on runtime field [r]"
    );
    assert_eq!(
        definition_error(json!("mappings")),
        (
            "key [mappings] must be an object".into(),
            "parse_exception".into()
        )
    );
    let body = Mapping::from_json(&json!({"dynamicc": false}))
        .unwrap_err()
        .to_exception()
        .to_body(false);
    assert_eq!(
        body,
        json!({"error": {
            "root_cause": [{"type": "mapper_parsing_exception", "reason": "Root mapping definition has unsupported parameters:  [dynamicc : false]"}],
            "type": "mapper_parsing_exception",
            "reason": "Failed to parse mapping: Root mapping definition has unsupported parameters:  [dynamicc : false]",
            "caused_by": {"type": "mapper_parsing_exception", "reason": "Root mapping definition has unsupported parameters:  [dynamicc : false]"}
        }, "status": 400})
    );
    let body = Mapping::from_json(&json!({"properties": {"f": {"type": "text", "analyzer": "x"}}}))
        .unwrap_err()
        .to_exception()
        .to_body(false);
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "mapper_parsing_exception"
    );
    assert_eq!(
        body["error"]["caused_by"]["type"],
        "illegal_argument_exception"
    );
}

#[test]
fn multi_field_rules() {
    assert_eq!(
        definition_error(
            json!({"properties": {"f": {"type": "text", "fields": {"a.b": {"type": "keyword"}}}}})
        )
        .0,
        "Field name [a.b] which is a multi field of [f] cannot contain '.'"
    );
    assert_eq!(
        definition_error(
            json!({"properties": {"f": {"type": "text", "fields": {"o": {"type": "object"}}}}})
        )
        .0,
        "Type [object] cannot be used in multi field"
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "text", "fields": {"k": {"type": "keyword", "fields": {"x": {"type": "keyword"}}}}}}})).0,
        "Encountered a multi-field [k] which itself contains a multi-field. Defining chained multi-fields is not supported."
    );
    assert_eq!(
        definition_error(json!({"properties": {"f": {"type": "flattened", "fields": {}}}})).0,
        "unknown parameter [fields] on mapper [f] of type [flattened]"
    );
}

#[test]
fn whole_mapping_checks_after_parsing() {
    let alias_error = |path: &str| {
        Mapping::from_json(&json!({"properties": {
            "a": {"type": "alias", "path": path},
            "b": {"type": "alias", "path": "k"},
            "k": {"type": "keyword", "fields": {"raw": {"type": "keyword"}}},
            "o": {"properties": {}}
        }}))
        .map(|_| ())
        .map_err(|e| (e.to_exception().error_type, e.to_string()))
    };
    assert_eq!(
        alias_error("a"),
        Err((
            "mapper_parsing_exception".into(),
            "Invalid [path] value [a] for field alias [a]: an alias cannot refer to itself.".into()
        ))
    );
    assert_eq!(
        alias_error("b").unwrap_err().1,
        "Invalid [path] value [b] for field alias [a]: an alias cannot refer to another alias."
    );
    assert_eq!(
        alias_error("o").unwrap_err().1,
        "Invalid [path] value [o] for field alias [a]: an alias must refer to an existing field in the mappings."
    );
    assert_eq!(alias_error("k.raw"), Ok(()));
    assert_eq!(
        error_text(
            json!({"properties": {"a": {"type": "keyword", "copy_to": "o"}, "o": {"properties": {}}}})
        ),
        "Cannot copy to field [o] since it is mapped as an object"
    );
    assert_eq!(
        error_text(
            json!({"properties": {"a": {"type": "keyword", "copy_to": "t.raw"}, "t": {"type": "text", "fields": {"raw": {"type": "keyword"}}}}})
        ),
        "[copy_to] may not be used to copy to a multi-field: [t.raw]"
    );
    assert_eq!(
        error_text(
            json!({"properties": {"t": {"type": "text", "fields": {"raw": {"type": "keyword", "copy_to": "x"}}}}})
        ),
        "[copy_to] may not be used to copy from a multi-field: [t.raw]"
    );
    let limits = MappingLimits {
        total_fields: 2,
        depth: 2,
        ..MappingLimits::default()
    };
    assert_eq!(
        Mapping::from_json_with(&json!({"properties": {"t": {"type": "text", "fields": {"k": {"type": "keyword"}}}, "n": {"type": "long"}}}), limits)
            .unwrap_err()
            .to_string(),
        "Limit of total fields [2] has been exceeded"
    );
    assert_eq!(
        Mapping::from_json_with(
            &json!({"properties": {"a": {"properties": {"b": {"properties": {}}}}}}),
            limits
        )
        .unwrap_err()
        .to_string(),
        "Limit of mapping depth [2] has been exceeded due to object field [a.b]"
    );
    assert!(
        Mapping::from_json_with(
            &json!({"properties": {"a": {"properties": {"b": {"type": "long"}}}}}),
            limits
        )
        .is_ok()
    );
    assert_eq!(
        error_text(json!({"_data_stream_timestamp": {"enabled": true}})),
        "data stream timestamp field [@timestamp] does not exist"
    );
    assert_eq!(
        error_text(
            json!({"_data_stream_timestamp": {"enabled": true}, "properties": {"@timestamp": {"type": "keyword"}}})
        ),
        "data stream timestamp field [@timestamp] is of type [keyword], but [date,date_nanos] is expected"
    );
    assert!(mapping(json!({"_data_stream_timestamp": {"enabled": true}, "properties": {"@timestamp": {"type": "date"}}})).requires_data_stream_timestamp());
}

#[test]
fn dynamic_template_definitions_are_validated() {
    assert_eq!(
        definition_error(json!({"dynamic_templates": {"a": {}}})).0,
        "Dynamic template syntax error. An array of named objects is expected."
    );
    assert_eq!(
        definition_error(
            json!({"dynamic_templates": [{"t": {"match": "*", "foo": 1, "mapping": {}}}]})
        )
        .0,
        "Illegal dynamic template parameter: [foo]"
    );
    assert_eq!(
        definition_error(json!({"dynamic_templates": [{"t": {"match": "*"}}]})).0,
        "template [t] must have either mapping or runtime set"
    );
    assert_eq!(
        definition_error(
            json!({"dynamic_templates": [{"t": {"match_mapping_type": "text", "mapping": {}}}]})
        )
        .0,
        "No field type matched on [text], possible values are [object, string, long, double, boolean, date, binary]"
    );
    assert_eq!(
        definition_error(json!({"dynamic_templates": [{"t": {"match": "(", "match_pattern": "regex", "mapping": {}}}]})).0,
        "Pattern [(] of type [regex] is invalid. Cannot create dynamic template [t]."
    );
    assert_eq!(
        definition_error(json!({"dynamic_templates": [{"t": {"match": "*", "match_pattern": "glob", "mapping": {}}}]})).0,
        "Illegal match_type value [glob], accepted values are [simple, regex]"
    );
    assert_eq!(
        definition_error(
            json!({"dynamic_templates": [{"t": {"match": "*", "mapping": {}, "runtime": {}}}]})
        )
        .0,
        "Template [t] can't have both mapping and runtime set"
    );
    assert_eq!(
        definition_error(json!({"dynamic_templates": [{"t": {"match_mapping_type": "string", "mapping": {"type": "keyword", "foo": 1}}}]})).0,
        "dynamic template [t] has invalid content [{\"t\":{\"match_mapping_type\":\"string\",\"mapping\":{\"type\":\"keyword\",\"foo\":1}}}], attempted to validate it with the following match_mapping_type: [string], last error: [unknown parameter [foo] on mapper [__dynamic__t] of type [keyword]]"
    );
    assert_eq!(
        definition_error(json!({"dynamic_templates": [{"t": {"match": ["a", 1], "mapping": {}}}]}))
            .0,
        "[match] values must either be a string or list of strings, but was [[a, 1]]"
    );
    // `{dynamic_type}` is valid when it names a real type for some match type.
    assert!(Mapping::from_json(&json!({"dynamic_templates": [{"t": {"match": "*", "mapping": {"type": "{dynamic_type}", "index": false}}}]})).is_ok());
}

#[test]
fn merging_follows_elasticsearch_rules() {
    let base = mapping(json!({"properties": {
        "n": {"type": "long"},
        "k": {"type": "keyword", "ignore_above": 10},
        "t": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
        "o": {"properties": {"x": {"type": "long"}}}
    }}));
    let before = base.to_json();
    let e = |update: Value| base.merge(&update).unwrap_err().to_string();
    assert_eq!(
        e(json!({"properties": {"n": {"type": "keyword"}}})),
        "mapper [n] cannot be changed from type [long] to [keyword]"
    );
    assert_eq!(
        e(json!({"properties": {"o": {"properties": {"x": {"type": "integer"}}}}})),
        "mapper [o.x] cannot be changed from type [long] to [integer]"
    );
    assert_eq!(
        e(json!({"properties": {"n": {"type": "long", "index": false, "doc_values": false}}})),
        "Mapper for [n] conflicts with existing mapper:\n\tCannot update parameter [index] from [true] to [false]\n\tCannot update parameter [doc_values] from [true] to [false]"
    );
    assert_eq!(
        e(json!({"properties": {"k": {"type": "keyword", "normalizer": "lowercase"}}})),
        "Mapper for [k] conflicts with existing mapper:\n\tCannot update parameter [normalizer] from [null] to [lowercase]"
    );
    assert_eq!(
        e(json!({"properties": {"o": {"type": "keyword"}}})),
        "can't merge a non object mapping [o] with an object mapping"
    );
    assert_eq!(
        e(json!({"properties": {"n": {"properties": {"y": {"type": "long"}}}}})),
        "can't merge a non object mapping [n] with an object mapping"
    );
    assert_eq!(
        e(json!({"properties": {"o": {"enabled": false}}})),
        "the [enabled] parameter can't be updated for the object mapping [o]"
    );
    assert_eq!(
        e(json!({"_source": {"enabled": false}})),
        "Mapper for [_source] conflicts with existing mapper:\n\tCannot update parameter [enabled] from [true] to [false]"
    );
    assert_eq!(
        e(json!({"properties": {"bad": {"type": "nope"}}})),
        "Failed to parse mapping: No handler for type [nope] declared on field [bad]"
    );
    let body = base
        .merge(&json!({"properties": {"n": {"type": "keyword"}}}))
        .unwrap_err()
        .to_exception();
    assert_eq!(body.error_type, "illegal_argument_exception");

    let merged = base
        .merge(&json!({
            "dynamic": "strict",
            "_meta": {"v": 2},
            "properties": {
                "k": {"type": "keyword", "ignore_above": 20},
                "t": {"type": "text", "fields": {"words": {"type": "match_only_text"}}},
                "o": {"properties": {"y": {"type": "keyword"}}},
                "new": {"type": "ip"}
            }
        }))
        .unwrap();
    assert_eq!(
        merged.to_json(),
        json!({
            "dynamic": "strict",
            "_meta": {"v": 2},
            "properties": {
                "k": {"type": "keyword", "ignore_above": 20},
                "n": {"type": "long"},
                "new": {"type": "ip"},
                "o": {"properties": {"x": {"type": "long"}, "y": {"type": "keyword"}}},
                "t": {"type": "text", "fields": {"raw": {"type": "keyword"}, "words": {"type": "match_only_text"}}}
            }
        })
    );
    // The receiver is unchanged, and a redefinition without an updatable parameter resets it.
    assert_eq!(base.to_json(), before);
    let reset = base
        .merge(&json!({"properties": {"k": {"type": "keyword"}}}))
        .unwrap();
    assert_eq!(
        reset.to_json()["properties"]["k"],
        json!({"type": "keyword"})
    );
    let limited = Mapping::from_json_with(
        &json!({}),
        MappingLimits {
            total_fields: 1,
            ..MappingLimits::default()
        },
    )
    .unwrap();
    assert_eq!(
        limited
            .merge(&json!({"properties": {"a": {"type": "long"}, "b": {"type": "long"}}}))
            .unwrap_err()
            .to_string(),
        "Limit of total fields [1] has been exceeded"
    );
    let runtime = base
        .merge(&json!({"runtime": {"r": {"type": "long"}}}))
        .unwrap();
    assert_eq!(runtime.to_json()["runtime"], json!({"r": {"type": "long"}}));
    let removed = runtime.merge(&json!({"runtime": {"r": null}})).unwrap();
    assert!(removed.to_json().get("runtime").is_none());
    let templated = base
        .merge(&json!({"dynamic_templates": [{"k": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}}]}))
        .unwrap();
    assert_eq!(
        templated.to_json()["dynamic_templates"][0]["k"]["mapping"],
        json!({"type": "keyword"})
    );
}

#[test]
fn source_filtering_follows_the_mapping() {
    let m = mapping(json!({"_source": {"includes": ["a.*", "keep"], "excludes": ["a.secret"]}}));
    assert_eq!(
        m.filter_source(
            &json!({"a": {"x": 1, "secret": 2, "y": [{"z": 1}]}, "keep": {"k": 1}, "drop": 3})
        ),
        Some(json!({"a": {"x": 1, "y": [{"z": 1}]}, "keep": {"k": 1}}))
    );
    let off = mapping(json!({"_source": {"enabled": false}}));
    assert_eq!(off.filter_source(&json!({"a": 1})), None);
    assert_eq!(
        mapping(json!({})).filter_source(&json!({"a": 1})),
        Some(json!({"a": 1}))
    );
}
