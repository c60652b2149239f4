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

#[test]
fn root_causes_follow_elasticsearch() {
    // A parse failure inside a parse failure: the innermost is the root cause.
    let nested = in_field("outer", "f", unknown_field("inner", "x", &[]));
    let body = nested.to_exception().to_body(false);
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "[inner] unknown field [x]"
    );
    assert_eq!(
        body["error"]["caused_by"]["type"],
        "x_content_parse_exception"
    );
    // A plain Java exception underneath (`Required [x]`): the wrapper stays the root cause.
    let plain = in_field("outer", "f", required("x"));
    let body = plain.to_exception().to_body(false);
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "[outer] failed to parse field [f]"
    );
    assert_eq!(
        body["error"]["caused_by"]["type"],
        "illegal_argument_exception"
    );
    // An Elasticsearch exception underneath is reported as the root cause.
    let es = in_field("outer", "f", StoreError::ResourceNotFound("gone".into()));
    let body = es.to_exception().to_body(false);
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "resource_not_found_exception"
    );
}
