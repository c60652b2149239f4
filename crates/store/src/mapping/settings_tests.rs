use serde_json::json;

use super::*;

fn identity() -> IndexIdentity {
    IndexIdentity {
        provided_name: "logs".into(),
        uuid: "u1".into(),
        creation_date: 1_700_000_000_000,
        version_created: "9009000".into(),
    }
}

fn create(body: Value) -> Result<Settings> {
    Settings::for_new_index(&body, &identity())
}

fn err(body: Value) -> String {
    create(body).unwrap_err().to_string()
}

const OPEN: UpdateTarget<'static> = UpdateTarget {
    name: "logs",
    uuid: "u1",
    open: true,
};

#[test]
fn nested_flat_and_unprefixed_forms_normalise_to_the_same_keys() {
    for body in [
        json!({"number_of_shards": 3, "refresh_interval": "5s"}),
        json!({"index": {"number_of_shards": "3", "refresh_interval": "5s"}}),
        json!({"index.number_of_shards": 3, "index.refresh_interval": "5s"}),
        json!({"index": {"number_of_shards": 3}, "refresh_interval": "5s"}),
    ] {
        let s = create(body.clone()).unwrap();
        assert_eq!(s.get("index.number_of_shards"), Some("3"), "{body}");
        assert_eq!(s.get("index.refresh_interval"), Some("5s"), "{body}");
    }
    let flat = Settings::normalize(
        &json!({"index": {"blocks": {"write": true}, "query": {"default_field": ["a", 2]}}}),
    )
    .unwrap();
    assert_eq!(flat["index.blocks.write"], json!("true"));
    assert_eq!(flat["index.query.default_field"], json!(["a", "2"]));
    assert!(Settings::normalize(&json!({"a": [{"b": 1}]})).is_err());
    assert!(Settings::normalize(&json!("x")).is_err());
}

#[test]
fn a_new_index_gets_defaults_and_its_private_settings() {
    let s = create(json!({})).unwrap();
    assert_eq!(s.get("index.number_of_shards"), Some("1"));
    assert_eq!(s.get("index.number_of_replicas"), Some("1"));
    assert_eq!(s.get("index.uuid"), Some("u1"));
    assert_eq!(s.get("index.provided_name"), Some("logs"));
    assert_eq!(s.get("index.creation_date"), Some("1700000000000"));
    assert_eq!(s.get("index.version.created"), Some("9009000"));
    assert_eq!(
        s.render(false),
        json!({"index": {
            "creation_date": "1700000000000",
            "number_of_replicas": "1",
            "number_of_shards": "1",
            "provided_name": "logs",
            "uuid": "u1",
            "version": {"created": "9009000"}
        }})
    );
    assert_eq!(s.render(true)["index.version.created"], "9009000");
    assert_eq!(
        err(json!({"index.uuid": "mine"})),
        "private index setting [index.uuid] can not be set explicitly"
    );
}

#[test]
fn unknown_settings_are_refused_with_elasticsearch_hints() {
    assert_eq!(
        err(json!({"foo": 1})),
        "unknown setting [index.foo] please check that any required plugins are installed, or \
         check the breaking changes documentation for removed settings"
    );
    assert_eq!(
        err(json!({"index.numbe_of_replica": 1})),
        "unknown setting [index.numbe_of_replica] did you mean [index.number_of_replicas]?"
    );
    assert_eq!(
        err(json!({"index": {"refresh_intervall": "1s"}})),
        "unknown setting [index.refresh_intervall] did you mean [index.refresh_interval]?"
    );
    let e = create(json!({"foo": 1}))
        .unwrap_err()
        .to_exception()
        .to_body(false);
    assert_eq!(e["error"]["type"], "illegal_argument_exception");
    assert_eq!(e["status"], 400);
}

#[test]
fn values_are_validated_with_elasticsearch_messages() {
    assert_eq!(
        err(json!({"number_of_shards": 0})),
        "Failed to parse value [0] for setting [index.number_of_shards] must be >= 1"
    );
    assert_eq!(
        err(json!({"number_of_shards": 1025})),
        "Failed to parse value [1025] for setting [index.number_of_shards] must be <= 1024"
    );
    assert_eq!(
        err(json!({"number_of_replicas": "abc"})),
        "Failed to parse value [abc] for setting [index.number_of_replicas]"
    );
    assert_eq!(
        err(json!({"number_of_replicas": true})),
        "Failed to parse value [true] for setting [index.number_of_replicas]"
    );
    assert_eq!(
        err(json!({"hidden": "yes"})),
        "Failed to parse value [yes] as only [true] or [false] are allowed."
    );
    assert_eq!(
        err(json!({"translog": {"sync_interval": "50ms"}})),
        "failed to parse value [50ms] for setting [index.translog.sync_interval], must be >= [100ms]"
    );
    assert_eq!(
        err(json!({"translog.durability": "sometimes"})),
        "No enum constant org.elasticsearch.index.translog.Translog.Durability.SOMETIMES"
    );
    assert_eq!(
        err(json!({"refresh_interval": "soon"})),
        "failed to parse setting [index.refresh_interval] with value [soon] as a time value: unit is missing or unrecognized"
    );
    assert_eq!(
        err(json!({"codec": "snappy"})),
        "unknown value for [index.codec] must be one of [default, best_compression] but was: snappy"
    );
    assert_eq!(
        err(json!({"auto_expand_replicas": "0-x"})),
        "failed to parse [index.auto_expand_replicas] from value: [0-x] at index 1"
    );
    assert!(create(json!({"auto_expand_replicas": "0-all"})).is_ok());
    assert!(
        err(json!({"translog.flush_threshold_size": "10 parsecs"}))
            .contains("unit is missing or unrecognized")
    );
    assert!(create(json!({"translog.flush_threshold_size": "512mb"})).is_ok());
    assert!(create(json!({"routing.allocation.include._tier_preference": "data_hot"})).is_ok());
    assert!(create(json!({"analysis.analyzer.mine.type": "custom"})).is_ok());
}

#[test]
fn typed_reading_applies_defaults() {
    let t = create(json!({})).unwrap().typed();
    assert_eq!(t.number_of_shards, 1);
    assert_eq!(t.refresh_interval, Some(Duration::from_secs(1)));
    assert!(!t.refresh_interval_explicit);
    assert_eq!(t.max_result_window, 10_000);
    assert_eq!(t.durability, Durability::Request);
    assert_eq!(t.sync_interval, Duration::from_secs(5));
    assert_eq!(t.codec, Codec::Default);
    assert_eq!(t.mapping, MappingLimits::default());
    assert_eq!(t.default_field, vec!["*".to_string()]);
    assert_eq!(t.gc_deletes, Some(Duration::from_secs(60)));
    assert_eq!(t.default_pipeline, None);
    assert_eq!(t.max_terms_count, 65_536);
    assert_eq!(t.max_regex_length, 1000);

    let t = create(json!({"index": {
        "refresh_interval": "-1",
        "translog": {"durability": "async", "sync_interval": "200ms"},
        "codec": "best_compression",
        "hidden": true,
        "max_result_window": 50,
        "mapping": {"total_fields": {"limit": 20}, "depth": {"limit": 3}, "ignore_malformed": true},
        "query": {"default_field": ["message", "host.*"]},
        "default_pipeline": "p1",
        "lifecycle": {"name": "metrics"}
    }}))
    .unwrap()
    .typed();
    assert_eq!(t.refresh_interval, None);
    assert!(t.refresh_interval_explicit);
    assert_eq!(t.durability, Durability::Async);
    assert_eq!(t.sync_interval, Duration::from_millis(200));
    assert_eq!(t.codec, Codec::BestCompression);
    assert!(t.hidden);
    assert_eq!(t.max_result_window, 50);
    assert_eq!(t.mapping.total_fields, 20);
    assert_eq!(t.mapping.depth, 3);
    assert!(t.mapping.ignore_malformed);
    assert_eq!(
        t.default_field,
        vec!["message".to_string(), "host.*".to_string()]
    );
    assert_eq!(t.default_pipeline.as_deref(), Some("p1"));
    assert_eq!(t.lifecycle_name.as_deref(), Some("metrics"));
}

#[test]
fn updates_respect_dynamic_static_and_final_settings() {
    let s = create(json!({"number_of_shards": 2})).unwrap();
    let updated = s
        .updated(
            &json!({"index": {"number_of_replicas": 0, "refresh_interval": "30s"}}),
            OPEN,
        )
        .unwrap();
    assert_eq!(updated.get("index.number_of_replicas"), Some("0"));
    assert_eq!(updated.get("index.refresh_interval"), Some("30s"));
    assert_eq!(updated.get("index.uuid"), Some("u1"));

    let e = s
        .updated(
            &json!({"number_of_shards": 3, "codec": "best_compression"}),
            OPEN,
        )
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "Can't update non dynamic settings [[index.codec, index.number_of_shards]] for open indices [[logs/u1]]"
    );
    let closed = UpdateTarget {
        open: false,
        ..OPEN
    };
    assert!(
        s.updated(&json!({"codec": "best_compression"}), closed)
            .is_ok()
    );
    assert_eq!(
        s.updated(&json!({"number_of_shards": 3}), closed)
            .unwrap_err()
            .to_string(),
        "final logs setting [index.number_of_shards], not updateable"
    );
    assert_eq!(
        s.updated(&json!({"index.uuid": "x"}), OPEN)
            .unwrap_err()
            .to_string(),
        "can not update private setting [index.uuid]; this setting is managed by Elasticsearch"
    );
    assert!(
        s.updated(&json!({"nope": 1}), OPEN)
            .unwrap_err()
            .to_string()
            .starts_with("unknown setting [index.nope]")
    );
    assert_eq!(
        s.updated(&json!({"max_result_window": 0}), OPEN)
            .unwrap_err()
            .to_string(),
        "Failed to parse value [0] for setting [index.max_result_window] must be >= 1"
    );
    // null resets; number_of_replicas always keeps a value.
    let reset = updated
        .updated(
            &json!({"refresh_interval": null, "number_of_replicas": null}),
            OPEN,
        )
        .unwrap();
    assert_eq!(reset.get("index.refresh_interval"), None);
    assert_eq!(reset.get("index.number_of_replicas"), Some("1"));
    assert!(is_dynamic("index.refresh_interval"));
    assert!(!is_dynamic("index.number_of_shards"));
    assert!(is_dynamic("index.routing.allocation.include._name"));
}

#[test]
fn defaults_render_for_include_defaults() {
    let s = create(json!({"refresh_interval": "2s"})).unwrap();
    let defaults = s.render_defaults(true);
    assert_eq!(defaults["index.max_result_window"], "10000");
    assert_eq!(defaults["index.translog.durability"], "REQUEST");
    assert_eq!(defaults["index.query.default_field"], json!(["*"]));
    assert!(defaults.get("index.refresh_interval").is_none());
    assert!(defaults.get("index.uuid").is_none());
    assert_eq!(
        s.render_defaults(false)["index"]["mapping"]["total_fields"]["limit"],
        "1000"
    );
}

#[test]
fn stored_settings_read_back_and_byte_sizes_parse() {
    let s = create(json!({"number_of_replicas": 0})).unwrap();
    assert_eq!(Settings::from_flat(s.flat().clone()).unwrap(), s);
    let mut broken = s.flat().clone();
    broken.insert("index.bogus".into(), json!("1"));
    assert!(Settings::from_flat(broken).is_err());
    assert_eq!(parse_byte_size("10gb", "k").unwrap(), 10 << 30);
    assert_eq!(parse_byte_size("1.5KB", "k").unwrap(), 1536);
    assert_eq!(parse_byte_size("-1", "k").unwrap(), -1);
    assert!(parse_byte_size("12", "k").is_err());
}

#[test]
fn lucene_levenshtein_similarity() {
    assert_eq!(levenshtein_similarity("abc", "abc"), 1.0);
    assert_eq!(levenshtein_similarity("", ""), 1.0);
    assert_eq!(levenshtein_similarity("", "a"), 0.0);
    assert!((levenshtein_similarity("kitten", "sitting") - (1.0 - 3.0 / 7.0)).abs() < 1e-6);
}
