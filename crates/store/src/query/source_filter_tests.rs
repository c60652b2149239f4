//! Tests of `_source` filtering against Elasticsearch's documented behaviour and a simple
//! path-by-path reference.

use ironstack_types::wildcard::simple_match;
use proptest::prelude::*;
use serde_json::json;

use super::*;

fn filter(source: Value, includes: &[&str], excludes: &[&str]) -> Value {
    let to = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    SourceMatcher::new(&to(includes), &to(excludes)).filter(&source)
}

#[test]
fn includes_select_fields_and_everything_under_them() {
    let doc = json!({"obj1": {"a": 1, "b": 2}, "obj2": {"c": 3}, "top": "x"});
    assert_eq!(
        filter(doc.clone(), &["obj1"], &[]),
        json!({"obj1": {"a": 1, "b": 2}})
    );
    assert_eq!(
        filter(doc.clone(), &["obj1.a"], &[]),
        json!({"obj1": {"a": 1}})
    );
    assert_eq!(
        filter(doc.clone(), &["obj*"], &[]),
        json!({"obj1": {"a": 1, "b": 2}, "obj2": {"c": 3}})
    );
    assert_eq!(
        filter(doc.clone(), &["*.c"], &[]),
        json!({"obj2": {"c": 3}})
    );
    assert_eq!(filter(doc.clone(), &["nothing"], &[]), json!({}));
    assert_eq!(filter(doc.clone(), &[], &[]), doc);
}

#[test]
fn excludes_win_over_includes() {
    let doc = json!({"obj1": {"a": 1, "b": 2}, "obj2": {"c": 3}, "top": "x"});
    assert_eq!(
        filter(doc.clone(), &[], &["obj1.a", "top"]),
        json!({"obj1": {"b": 2}, "obj2": {"c": 3}})
    );
    assert_eq!(
        filter(doc.clone(), &["obj*"], &["*.b", "obj2"]),
        json!({"obj1": {"a": 1}})
    );
    // An included object whose every field is excluded stays, empty.
    assert_eq!(
        filter(doc.clone(), &["obj2"], &["obj2.c"]),
        json!({"obj2": {}})
    );
    assert_eq!(filter(doc, &["obj1.a"], &["obj1"]), json!({}));
}

#[test]
fn dotted_field_names_and_arrays() {
    let doc = json!({"a.b": 1, "a": {"c": 2}, "list": [1, {"x": 1, "y": 2}, [3, {"x": 4}]]});
    assert_eq!(
        filter(doc.clone(), &["a"], &[]),
        json!({"a.b": 1, "a": {"c": 2}})
    );
    assert_eq!(filter(doc.clone(), &["a.b"], &[]), json!({"a.b": 1}));
    assert_eq!(
        filter(doc.clone(), &["list.x"], &[]),
        json!({"list": [{"x": 1}, [{"x": 4}]]})
    );
    assert_eq!(
        filter(doc.clone(), &["list"], &["list.y"]),
        json!({"list": [1, {"x": 1}, [3, {"x": 4}]]})
    );
    // Values of an array whose key is not itself included are dropped.
    assert_eq!(
        filter(json!({"tags": ["a", "b"]}), &["tags.x"], &[]),
        json!({})
    );
}

#[test]
fn the_filter_variants() {
    let doc = json!({"a": 1, "b": 2});
    assert_eq!(SourceFilter::All.apply(&doc), Some(doc.clone()));
    assert_eq!(SourceFilter::None.apply(&doc), None);
    let f = SourceFilter::Filter {
        includes: vec!["a".into()],
        excludes: vec![],
    };
    assert_eq!(f.apply(&doc), Some(json!({"a": 1})));
    assert_eq!(f.matcher().map(|m| m.filter(&doc)), Some(json!({"a": 1})));
    assert!(SourceFilter::None.matcher().is_none());
    assert_eq!(
        SourceFilter::from_parts(true, vec![], vec![]),
        SourceFilter::All
    );
    assert_eq!(
        SourceFilter::from_parts(false, vec!["a".into()], vec![]),
        SourceFilter::None
    );
    // A `_source` that is not an object is returned as it is.
    assert_eq!(f.apply(&json!([1, 2])), Some(json!([1, 2])));
}

#[test]
fn url_parameters() {
    let p = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(parse_source_params(&p(&[])).unwrap(), None);
    assert_eq!(
        parse_source_params(&p(&[("_source", "false")])).unwrap(),
        Some(SourceFilter::None)
    );
    assert_eq!(
        parse_source_params(&p(&[("_source", "true")])).unwrap(),
        Some(SourceFilter::All)
    );
    assert_eq!(
        parse_source_params(&p(&[("_source", "a, b.*,")])).unwrap(),
        Some(SourceFilter::Filter {
            includes: vec!["a".into(), "b.*".into()],
            excludes: vec![],
        })
    );
    assert_eq!(
        parse_source_params(&p(&[
            ("_source", "a"),
            ("_source_includes", "c"),
            ("_source_excludes", "d")
        ]))
        .unwrap(),
        Some(SourceFilter::Filter {
            includes: vec!["c".into()],
            excludes: vec!["d".into()],
        })
    );
    assert_eq!(
        parse_source_params(&p(&[("_source", "false"), ("_source_includes", "c")])).unwrap(),
        Some(SourceFilter::None)
    );
}

/// The reference: a leaf is kept when some include matches its path or a dotted prefix of
/// it (everything when there are no includes) and no exclude does; an object is kept when
/// it is itself included, or when something under it is kept.
fn reference(
    map: &Map<String, Value>,
    prefix: &str,
    includes: &[String],
    excludes: &[String],
) -> Map<String, Value> {
    let matches_path = |patterns: &[String], path: &str| {
        let mut prefixes = vec![path.to_string()];
        for (i, c) in path.char_indices() {
            if c == '.' {
                prefixes.push(path[..i].to_string());
            }
        }
        patterns
            .iter()
            .any(|p| prefixes.iter().any(|q| simple_match(p, q)))
    };
    let mut out = Map::new();
    for (key, value) in map {
        let path = format!("{prefix}{key}");
        if matches_path(excludes, &path) {
            continue;
        }
        let included = includes.is_empty() || matches_path(includes, &path);
        match value {
            Value::Object(inner) => {
                let kept = reference(inner, &format!("{path}."), includes, excludes);
                if included || !kept.is_empty() {
                    out.insert(key.clone(), Value::Object(kept));
                }
            }
            leaf => {
                if included {
                    out.insert(key.clone(), leaf.clone());
                }
            }
        }
    }
    out
}

fn document() -> impl Strategy<Value = Map<String, Value>> {
    let leaf = any::<u8>().prop_map(Value::from);
    let tree = leaf.prop_recursive(4, 32, 4, |inner| {
        proptest::collection::btree_map("[a-c]{1,2}", inner, 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    });
    proptest::collection::btree_map("[a-c]{1,2}", tree, 0..5).prop_map(|m| m.into_iter().collect())
}

proptest! {
    #[test]
    fn agrees_with_the_reference(
        doc in document(),
        includes in proptest::collection::vec("[a-c.*]{1,5}", 0..3),
        excludes in proptest::collection::vec("[a-c.*]{1,5}", 0..3),
    ) {
        let filtered = SourceMatcher::new(&includes, &excludes).filter(&Value::Object(doc.clone()));
        let expected = Value::Object(reference(&doc, "", &includes, &excludes));
        prop_assert_eq!(filtered, expected);
    }
}
