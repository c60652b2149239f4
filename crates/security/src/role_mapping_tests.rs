use serde_json::json;

use super::*;

fn user(name: &str) -> UserData {
    let dn = format!("CN={name}, OU=ops, DC=example, DC=com");
    let mut metadata = Map::new();
    metadata.insert("pki_dn".into(), Value::String(dn.clone()));
    metadata.insert("level".into(), json!(3));
    metadata.insert("active".into(), json!(true));
    UserData {
        username: name.to_string(),
        dn: Some(dn),
        groups: vec!["cn=admins,dc=example,dc=com".into(), "devs".into()],
        metadata,
        realm_name: "pki1".into(),
    }
}

fn rule(v: Value) -> RuleExpression {
    RuleExpression::parse(&v, "rules").unwrap()
}

#[test]
fn field_rules_match_exact_wildcard_regex_and_lists() {
    let u = user("client1");
    assert!(rule(json!({"field": {"username": "client1"}})).matches(&u));
    assert!(!rule(json!({"field": {"username": "client2"}})).matches(&u));
    assert!(rule(json!({"field": {"username": "client*"}})).matches(&u));
    assert!(rule(json!({"field": {"username": "client?"}})).matches(&u));
    assert!(!rule(json!({"field": {"username": "Client*"}})).matches(&u));
    assert!(rule(json!({"field": {"username": "/cli[a-z]+[0-9]/"}})).matches(&u));
    assert!(!rule(json!({"field": {"username": "/cli/"}})).matches(&u));
    assert!(rule(json!({"field": {"username": ["x", "y", "client1"]}})).matches(&u));
    assert!(rule(json!({"field": {"groups": "devs"}})).matches(&u));
    assert!(rule(json!({"field": {"groups": "cn=admins,*"}})).matches(&u));
    assert!(rule(json!({"field": {"realm.name": "pki1"}})).matches(&u));
    assert!(!rule(json!({"field": {"realm.name": "pki2"}})).matches(&u));
}

#[test]
fn wildcards_take_lucene_escapes() {
    let mut u = user("a*b\\");
    u.groups = vec!["ops*team".into()];
    // `\*` is a literal star; a trailing `\` a literal backslash (Lucene's lenient rule).
    assert!(rule(json!({"field": {"groups": "ops\\**"}})).matches(&u));
    assert!(!rule(json!({"field": {"groups": "op\\**"}})).matches(&u));
    assert!(rule(json!({"field": {"username": "a?b\\"}})).matches(&u));
    assert!(!rule(json!({"field": {"username": "a?b*x\\"}})).matches(&u));
}

#[test]
fn dn_rules_ignore_case_and_blanks() {
    let u = user("client1");
    assert!(rule(json!({"field": {"dn": "cn=client1,ou=ops,dc=example,dc=com"}})).matches(&u));
    assert!(rule(json!({"field": {"dn": "*,OU=ops,DC=example,DC=com"}})).matches(&u));
    assert!(!rule(json!({"field": {"dn": "*,ou=dev,dc=example,dc=com"}})).matches(&u));
}

#[test]
fn metadata_numbers_booleans_and_null() {
    let u = user("client1");
    assert!(rule(json!({"field": {"metadata.level": 3}})).matches(&u));
    assert!(rule(json!({"field": {"metadata.level": 3.0}})).matches(&u));
    assert!(!rule(json!({"field": {"metadata.level": 4}})).matches(&u));
    assert!(rule(json!({"field": {"metadata.active": true}})).matches(&u));
    assert!(!rule(json!({"field": {"metadata.active": false}})).matches(&u));
    assert!(rule(json!({"field": {"metadata.missing": null}})).matches(&u));
    assert!(!rule(json!({"field": {"metadata.level": null}})).matches(&u));
    // A string never equals a number.
    assert!(!rule(json!({"field": {"metadata.level": "3"}})).matches(&u));
    // Unknown fields are null.
    assert!(rule(json!({"field": {"nonsense": null}})).matches(&u));
}

#[test]
fn any_all_and_except_combine() {
    let u = user("client1");
    let r = rule(json!({"all": [
        {"field": {"realm.name": "pki1"}},
        {"any": [{"field": {"username": "nobody"}}, {"field": {"groups": "devs"}}]},
        {"except": {"field": {"username": "client2"}}}
    ]}));
    assert!(r.matches(&u));
    let r = rule(json!({"all": [
        {"field": {"realm.name": "pki1"}},
        {"except": {"field": {"username": "client*"}}}
    ]}));
    assert!(!r.matches(&u));
    assert!(rule(json!({"all": []})).matches(&u));
    assert!(!rule(json!({"any": []})).matches(&u));
}

#[test]
fn rules_round_trip_in_elasticsearch_form() {
    let v = json!({"any": [
        {"field": {"username": "a"}},
        {"field": {"groups": ["x", "/y.*/"]}},
        {"all": [{"except": {"field": {"dn": null}}}]}
    ]});
    assert_eq!(rule(v.clone()).to_json(), v);
    assert_eq!(
        rule(json!({"field": {"username": ["only"]}})).to_json(),
        json!({"field": {"username": "only"}})
    );
}

#[test]
fn malformed_rules_are_parse_errors() {
    let err = |v: Value| RuleExpression::parse(&v, "rules").unwrap_err().to_string();
    assert_eq!(
        err(json!({"nope": []})),
        "failed to parse rules expression. field [rules.nope] is not recognised"
    );
    assert!(err(json!({"except": {"field": {"username": "a"}}})).contains("not allowed here"));
    assert!(err(json!({"any": {}})).contains("must be an array"));
    assert!(err(json!({"field": {"username": {"a": 1}}})).contains("expected a value"));
    assert!(err(json!({"field": {"username": "/(/"}})).contains("invalid regular expression"));
    assert!(err(json!({})).contains("exactly one of"));
    assert!(err(json!([])).contains("expected an object"));
}

#[test]
fn mapping_bodies_parse_and_validate_like_elasticsearch() {
    let m = RoleMapping::parse(
        "m1",
        &json!({"enabled": true, "roles": ["monitoring_user"], "rules": {"field": {"username": "client1"}}, "metadata": {"v": 1}}),
    )
    .unwrap();
    assert_eq!(
        m.to_json(),
        json!({"enabled": true, "roles": ["monitoring_user"], "rules": {"field": {"username": "client1"}}, "metadata": {"v": 1}})
    );
    assert_eq!(m.roles_for(&user("client1")), vec!["monitoring_user"]);
    assert!(m.roles_for(&user("client2")).is_empty());

    let e = |v: Value| RoleMapping::parse("m1", &v).unwrap_err();
    assert_eq!(
        e(json!({"enabled": true, "roles": [], "rules": {"field": {"username": "*"}}})).to_string(),
        "Validation Failed: 1: role-mapping roles or role-templates are missing;"
    );
    assert_eq!(
        e(json!({"enabled": true, "roles": ["a"], "role_templates": [{"template": {"source": "x"}}], "rules": {"field": {"username": "*"}}, "metadata": {"_x": 1}})).to_string(),
        "Validation Failed: 1: role-mapping cannot have both roles and role-templates;2: metadata keys may not start with [_];"
    );
    assert_eq!(
        e(json!({"roles": ["a"], "rules": {"field": {"username": "*"}}})),
        RoleMappingError::Parsing(
            "failed to parse role-mapping [m1]. missing field [enabled]".into()
        )
    );
    assert_eq!(
        e(json!({"enabled": true, "rules": {"field": {"username": "*"}}})),
        RoleMappingError::Parsing(
            "failed to parse role-mapping [m1]. missing field [roles]".into()
        )
    );
    assert_eq!(
        e(json!({"enabled": true, "roles": ["a"]})),
        RoleMappingError::Parsing(
            "failed to parse role-mapping [m1]. missing field [rules]".into()
        )
    );
    assert_eq!(
        e(
            json!({"enabled": true, "roles": ["a"], "rules": {"field": {"username": "*"}}, "bogus": 1})
        ),
        RoleMappingError::XContent("[role-mapping] unknown field [bogus]".into())
    );
    assert!(matches!(
        e(json!({"enabled": "yes", "roles": ["a"], "rules": {}})),
        RoleMappingError::Parsing(_)
    ));
    // Disabled mappings give nothing.
    let off = RoleMapping::parse(
        "off",
        &json!({"enabled": false, "roles": ["r"], "rules": {"field": {"username": "*"}}}),
    )
    .unwrap();
    assert!(off.roles_for(&user("client1")).is_empty());
}

#[test]
fn role_templates_render_mustache() {
    let m = RoleMapping::parse(
        "t",
        &json!({"enabled": true, "rules": {"field": {"realm.name": "pki1"}}, "role_templates": [
            {"template": {"source": "{{username}}_role"}},
            {"template": {"source": "{{#tojson}}groups{{/tojson}}"}, "format": "json"},
            {"template": "{\"source\":\"realm-{{realm.name}}\"}", "format": "string"},
            {"template": {"source": "[\"{{metadata.level}}\", \"x\"]"}, "format": "json"}
        ]}),
    )
    .unwrap();
    let mut roles = m.roles_for(&user("client1"));
    roles.sort();
    assert_eq!(
        roles,
        [
            "3",
            "client1_role",
            "cn=admins,dc=example,dc=com",
            "devs",
            "realm-pki1",
            "x"
        ]
    );
    // Stored and shown as a JSON string, as Elasticsearch does.
    assert_eq!(
        m.to_json()["role_templates"][0],
        json!({"template": "{\"source\":\"{{username}}_role\"}", "format": "string"})
    );
    // Unknown sections are refused when the mapping is stored.
    assert!(matches!(
        RoleMapping::parse(
            "t",
            &json!({"enabled": true, "rules": {"field": {"username": "*"}}, "role_templates": [{"template": {"source": "{{#each}}x{{/each}}"}}]})
        ),
        Err(RoleMappingError::Parse(_))
    ));
}

#[test]
fn mapped_roles_come_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecurityStore::open(dir.path()).unwrap();
    store
        .write_docs(
            Section::RoleMappings,
            vec![
                (
                    "a".into(),
                    json!({"enabled": true, "roles": ["monitoring_user", "viewer"], "rules": {"field": {"username": "client1"}}}),
                ),
                (
                    "b".into(),
                    json!({"enabled": true, "roles": ["viewer", "all_pki"], "rules": {"field": {"realm.name": "pki1"}}}),
                ),
            ],
            &[],
        )
        .unwrap();
    assert_eq!(
        mapped_roles(&store, &user("client1")),
        ["all_pki", "monitoring_user", "viewer"]
    );
    assert_eq!(
        mapped_roles(&store, &user("client9")),
        ["all_pki", "viewer"]
    );
}

#[test]
fn concurrent_puts_of_a_new_mapping_report_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SecurityStore::open(dir.path()).unwrap());
    let mapping = RoleMapping::parse(
        "m1",
        &json!({"enabled": true, "roles": ["r"], "rules": {"field": {"username": "*"}}}),
    )
    .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (store, mapping) = (store.clone(), mapping.clone());
            std::thread::spawn(move || put_mapping(&store, "m1", &mapping).unwrap())
        })
        .collect();
    let created = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|c| *c)
        .count();
    assert_eq!(created, 1);
    assert_eq!(stored_mappings(&store).len(), 1);
    assert!(delete_mapping(&store, "m1").unwrap());
    assert!(!delete_mapping(&store, "m1").unwrap());
    assert!(stored_mappings(&store).is_empty());
}
