use serde_json::json;

use super::*;
use crate::authc::NATIVE_REALM;

fn user() -> Authentication {
    let mut metadata = Map::new();
    metadata.insert("group".into(), json!("ops \"east\""));
    metadata.insert("teams".into(), json!(["a", "b"]));
    Authentication {
        username: "joe".into(),
        roles: vec!["reader".into(), "ops".into()],
        full_name: Some("Joe Q".into()),
        email: None,
        metadata,
        realm: NATIVE_REALM,
    }
}

#[test]
fn plain_queries_are_unchanged() {
    let q = r#"{"term":{"owner":"x"}}"#;
    assert_eq!(render(q, &user()).unwrap(), q);
}

#[test]
fn templates_render_user_fields_json_escaped() {
    let q = r#"{"template":{"source":"{\"term\":{\"owner\":\"{{_user.username}}\"}}"}}"#;
    assert_eq!(render(q, &user()).unwrap(), r#"{"term":{"owner":"joe"}}"#);
    let q = r#"{"template":{"source":{"term":{"group":"{{_user.metadata.group}}"}}}}"#;
    let rendered: Value = serde_json::from_str(&render(q, &user()).unwrap()).unwrap();
    assert_eq!(rendered, json!({"term": {"group": "ops \"east\""}}));
    let q = r#"{"template":{"source":"{\"terms\":{\"team\":{{#toJson}}_user.metadata.teams{{/toJson}}}}","params":{}}}"#;
    assert_eq!(
        render(q, &user()).unwrap(),
        r#"{"terms":{"team":["a","b"]}}"#
    );
    let q = r#"{"template":{"source":"{\"match\":{\"roles\":\"{{#join delimiter=' '}}_user.roles{{/join delimiter=' '}}\"}}"}}"#;
    assert_eq!(
        render(q, &user()).unwrap(),
        r#"{"match":{"roles":"reader ops"}}"#
    );
    let q = r#"{"template":{"source":"{\"term\":{\"x\":\"{{p}}-{{_user.email}}\"}}","params":{"p":"v"}}}"#;
    assert_eq!(render(q, &user()).unwrap(), r#"{"term":{"x":"v-"}}"#);
}

#[test]
fn malformed_templates_are_refused() {
    for q in [
        r#"{"template":{"id":"stored"}}"#,
        r#"{"template":{"source":"{{_user.username"}}"#,
        r#"{"template":{"source":"{{#each}}x{{/each}}"}}"#,
        r#"{"template":{"source":"{{#toJson}}x"}}"#,
        r#"{"template":3}"#,
        "not json",
    ] {
        assert!(
            matches!(render(q, &user()), Err(RoleQueryError::Malformed(_))),
            "{q}"
        );
    }
}

#[test]
fn prohibited_queries_are_found_anywhere_in_the_tree() {
    let cases = [
        (
            json!({"terms": {"user": {"index": "users", "id": "2", "path": "followers"}}}),
            "terms query with terms lookup isn't supported as part of a role query",
        ),
        (
            json!({"bool": {"filter": [{"term": {"a": 1}}, {"has_child": {"type": "c", "query": {"match_all": {}}}}]}}),
            "has_child query isn't supported as part of a role query",
        ),
        (
            json!({"constant_score": {"filter": {"has_parent": {"parent_type": "p", "query": {"match_all": {}}}}}}),
            "has_parent query isn't supported as part of a role query",
        ),
        (
            json!({"dis_max": {"queries": [{"percolate": {"field": "q", "document": {}}}]}}),
            "percolate query isn't supported as part of a role query",
        ),
        (
            json!({"geo_shape": {"loc": {"indexed_shape": {"index": "shapes", "id": "1"}}}}),
            "geoshape query referring to indexed shapes isn't supported as part of a role query",
        ),
    ];
    for (query, reason) in cases {
        assert_eq!(
            validate(&query).unwrap_err(),
            RoleQueryError::Prohibited(reason.into())
        );
    }
    assert!(validate(&json!({"terms": {"user": ["a", "b"]}})).is_ok());
    assert!(validate(&json!({"bool": {"must": {"term": {"percolate": "x"}}}})).is_ok());
}
