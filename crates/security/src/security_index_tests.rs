use serde_json::{Value, json};

use super::*;

fn round_trip(section: Section, id: &str, doc: Value) -> (String, Value) {
    let (doc_id, source) = to_index_doc(section, id, &doc);
    let back = from_index_doc(index_of(section), &doc_id, source.clone())
        .unwrap_or_else(|| panic!("{doc_id} not recognised"));
    assert_eq!(back.section, section, "{doc_id}");
    assert_eq!(back.id, id, "{doc_id}");
    assert_eq!(back.doc, Some(doc), "{doc_id}");
    (doc_id, source)
}

#[test]
fn native_and_reserved_users_as_elasticsearch_keeps_them() {
    let native = json!({"password_hash": "$2a$10$abc", "roles": ["r1"], "full_name": "Jo",
        "email": null, "metadata": {"k": 1}, "enabled": true});
    let (id, source) = round_trip(Section::Users, "jo", native);
    assert_eq!(id, "user-jo");
    assert_eq!(source["username"], "jo");
    assert_eq!(source["password"], "$2a$10$abc");
    assert_eq!(source["type"], "user");
    assert!(source.get("password_hash").is_none());

    let reserved = json!({"password_hash": "$2a$10$xyz", "enabled": false});
    let (id, source) = round_trip(Section::Users, "elastic", reserved);
    assert_eq!(id, "reserved-user-elastic");
    assert_eq!(
        source,
        json!({"password": "$2a$10$xyz", "enabled": false, "type": "reserved-user"})
    );

    // A reserved user's record with its empty defaults reads back without them.
    let full =
        json!({"roles": [], "full_name": null, "email": null, "metadata": {}, "enabled": true});
    let (doc_id, source) = to_index_doc(Section::Users, "kibana_system", &full);
    assert_eq!(
        source,
        json!({"password": "", "enabled": true, "type": "reserved-user"})
    );
    let back = from_index_doc(SECURITY_INDEX, &doc_id, source).unwrap();
    assert_eq!(back.doc, Some(json!({"enabled": true})));
}

#[test]
fn roles_mappings_privileges_and_tokens_keep_their_ids_and_types() {
    let (id, source) = round_trip(
        Section::Roles,
        "metricbeat_writer",
        json!({"cluster": ["monitor"], "indices": [{"names": ["metricbeat-*"], "privileges": ["create_doc"]}]}),
    );
    assert_eq!(
        (id.as_str(), &source["type"]),
        ("role-metricbeat_writer", &json!("role"))
    );
    let (id, source) = round_trip(
        Section::RoleMappings,
        "pki",
        json!({"enabled": true, "roles": ["r"], "rules": {"field": {"username": "*"}}, "metadata": {}}),
    );
    assert_eq!(
        (id.as_str(), &source["doc_type"]),
        ("role-mapping-pki", &json!("role-mapping"))
    );
    let (id, source) = round_trip(
        Section::ApplicationPrivileges,
        "myapp:read",
        json!({"application": "myapp", "name": "read", "actions": ["data:read/*"], "metadata": {}}),
    );
    assert_eq!(id, "application-privilege_myapp:read");
    assert_eq!(source["type"], "application-privilege");
    let (id, _) = round_trip(
        Section::Tokens,
        "abc",
        json!({"doc_type": "token", "creation_time": 1, "access_token": {"invalidated": false}}),
    );
    assert_eq!(id, "token_abc");
    let (id, source) = round_trip(
        Section::ServiceTokens,
        "elastic/kibana/kb1",
        json!({"username": "elastic/kibana", "name": "kb1", "password": "{PBKDF2_STRETCH}x"}),
    );
    assert_eq!(id, "service_account_token-elastic/kibana/kb1");
    assert_eq!(source["doc_type"], "service_account_token");
    assert_eq!(index_of(Section::ServiceTokens), SECURITY_INDEX);
    assert_eq!(index_of(Section::Tokens), TOKENS_INDEX);
    assert_eq!(index_of(Section::ApiKeys), SECURITY_INDEX);
}

#[test]
fn api_keys_use_elasticsearch_field_names() {
    let doc = json!({
        "id": "k1", "name": "shipper", "api_key_hash": "{PBKDF2_STRETCH}x", "creation": 10,
        "expiration": null, "invalidated": true, "invalidation": 20, "username": "elastic",
        "realm": "reserved", "realm_type": "reserved", "full_name": "E", "metadata": {"a": "b"},
        "role_descriptors": {}, "limited_by_role_descriptors": {"superuser": {"cluster": ["all"]}},
    });
    let (id, source) = round_trip(Section::ApiKeys, "k1", doc);
    assert_eq!(id, "k1");
    assert_eq!(source["doc_type"], "api_key");
    assert_eq!(source["type"], "rest");
    assert_eq!(source["creation_time"], 10);
    assert_eq!(source["expiration_time"], Value::Null);
    assert_eq!(source["api_key_invalidated"], true);
    assert_eq!(source["invalidation_time"], 20);
    assert_eq!(source["metadata_flattened"], json!({"a": "b"}));
    assert_eq!(
        source["creator"],
        json!({"principal": "elastic", "full_name": "E", "realm": "reserved", "realm_type": "reserved", "metadata": {}})
    );
    assert!(source.get("id").is_none() && source.get("username").is_none());
}

#[test]
fn unknown_documents_are_left_alone() {
    assert!(
        from_index_doc(
            SECURITY_INDEX,
            "profile_u1",
            json!({"doc_type": "user_profile"})
        )
        .is_none()
    );
    assert!(from_index_doc(TOKENS_INDEX, "other", json!({})).is_none());
    assert!(from_index_doc(SECURITY_INDEX, "user-x", json!("not an object")).is_none());
}

#[test]
fn create_bodies_are_hidden_with_their_alias() {
    let body = create_body(SECURITY_INDEX);
    assert_eq!(body["settings"]["index.hidden"], true);
    assert_eq!(body["aliases"][SECURITY_ALIAS]["is_hidden"], true);
    assert_eq!(body["mappings"]["dynamic"], false);
    let tokens = create_body(TOKENS_INDEX);
    assert!(tokens["aliases"].get(TOKENS_ALIAS).is_some());
}

#[test]
fn api_key_queries_translate_field_names_and_scope_as_elasticsearch_does() {
    use crate::query::{API_KEY_SCHEMA, parse_request};
    let request = parse_request(
        &API_KEY_SCHEMA,
        Some(&json!({
            "query": {"bool": {
                "must": [{"term": {"username": "jo"}}, {"prefix": {"metadata.env": "pr"}}],
                "must_not": [{"term": {"invalidated": true}}],
                "filter": [{"range": {"creation": {"gte": 5}}}, {"ids": {"values": ["k1"]}}],
                "should": [{"wildcard": {"realm_name": "nat*"}}, {"exists": {"field": "expiration"}}],
            }},
            "sort": [{"creation": {"order": "desc"}}, "name"],
            "from": 0, "size": 3, "search_after": [10, "a"],
        })),
    )
    .unwrap();
    let scope = ApiKeyScope::Owner {
        username: "jo".into(),
        realm: "native".into(),
    };
    let body = api_key_search_body(&request, &scope);
    let text = body.to_string();
    for expected in [
        "\"creator.principal\"",
        "\"metadata_flattened.env\"",
        "\"api_key_invalidated\"",
        "\"creation_time\"",
        "\"creator.realm\"",
        "\"expiration_time\"",
        "{\"ids\":{\"values\":[\"k1\"]}}",
        "{\"term\":{\"doc_type\":\"api_key\"}}",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    for field in [
        "\"username\"",
        "\"metadata.env\"",
        "\"invalidated\"",
        "\"realm_name\"",
    ] {
        assert!(!text.contains(field), "{field} left untranslated in {text}");
    }
    let filter = body["query"]["bool"]["filter"].as_array().unwrap();
    assert!(filter.contains(&json!({"term": {"creator.principal": "jo"}})));
    assert!(filter.contains(&json!({"term": {"creator.realm": "native"}})));
    assert_eq!(
        body["sort"],
        json!([{"creation_time": {"order": "desc"}}, {"name": {"order": "asc"}}])
    );
    assert_eq!(
        (body["from"].clone(), body["size"].clone()),
        (json!(0), json!(3))
    );
    assert_eq!(body["search_after"], json!([10, "a"]));

    // No sort: creation order; a key sees only itself.
    let plain = parse_request(&API_KEY_SCHEMA, None).unwrap();
    let body = api_key_search_body(&plain, &ApiKeyScope::Key("k9".into()));
    assert_eq!(body["sort"][0], json!({"creation_time": "asc"}));
    assert!(
        body["query"]["bool"]["filter"]
            .as_array()
            .unwrap()
            .contains(&json!({"ids": {"values": ["k9"]}}))
    );
}
