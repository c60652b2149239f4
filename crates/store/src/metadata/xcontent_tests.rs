use serde_json::json;

use super::*;

#[test]
fn suggestions_follow_elasticsearch() {
    let none = unknown_field("test", "foo", &["bar", "baz"]).to_string();
    assert_eq!(none, "[test] unknown field [foo]");
    let one = unknown_field("test", "foo", &["bar", "fop"]).to_string();
    assert_eq!(one, "[test] unknown field [foo] did you mean [fop]?");
    let many = unknown_field("test", "foo", &["bar", "fop", "fou", "baz"]).to_string();
    assert_eq!(
        many,
        "[test] unknown field [foo] did you mean any of [fop, fou]?"
    );
}

#[test]
fn scalar_readers_accept_what_object_parser_accepts() {
    assert_eq!(long("p", "f", &json!("12")).unwrap(), 12);
    assert_eq!(long("p", "f", &json!(1.9)).unwrap(), 1);
    assert!(long("p", "f", &json!("x")).is_err());
    assert_eq!(
        long("p", "f", &json!({})).unwrap_err().to_string(),
        "[p] f doesn't support values of type: START_OBJECT"
    );
    assert!(boolean("p", "f", &json!("true")).unwrap());
    assert_eq!(
        boolean("p", "f", &json!("yes")).unwrap_err().to_string(),
        "[p] failed to parse field [f]"
    );
    assert_eq!(
        string_array("p", "f", &json!("a")).unwrap(),
        vec!["a".to_string()]
    );
    assert_eq!(
        string_array("p", "f", &json!(["a", 1])).unwrap(),
        vec!["a".to_string(), "1".to_string()]
    );
    assert!(string_array("p", "f", &json!([{}])).is_err());
    assert!(int("p", "f", &json!(4_000_000_000i64)).is_err());
}
