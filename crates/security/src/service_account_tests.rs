//! Service token wire format, names and stored documents.

use super::*;

#[test]
fn tokens_round_trip_in_elasticsearchs_wire_form() {
    let token = ServiceToken::generate("elastic/fleet-server", "token1").unwrap();
    assert_eq!(token.secret.expose().len(), 22);
    let bearer = token.encode();
    // The magic bytes and `elastic/` encode to Elasticsearch's well-known prefix.
    assert!(
        bearer.expose().starts_with("AAEAAWVsYXN0aWMv"),
        "{}",
        bearer.expose()
    );
    let parsed = ServiceToken::parse(bearer.expose()).expect("a service token");
    assert_eq!(parsed.principal, "elastic/fleet-server");
    assert_eq!(parsed.name, "token1");
    assert_eq!(parsed.secret.expose(), token.secret.expose());
    assert_eq!(parsed.qualified_name(), "elastic/fleet-server/token1");
    // Padded base64 is accepted too.
    let padded = STANDARD.encode(STANDARD_NO_PAD.decode(bearer.expose()).unwrap());
    assert!(ServiceToken::parse(&padded).is_some());
    // A token's Debug never shows the secret.
    assert!(!format!("{parsed:?}").contains(token.secret.expose()));
}

#[test]
fn other_bearer_values_are_not_service_tokens() {
    let encode = |raw: &[u8]| STANDARD_NO_PAD.encode(raw);
    for not_one in [
        String::new(),
        "not base64 !".to_string(),
        encode(b"elastic/kibana/t:secret"),
        encode(b"\x00\x01\x00\x01elastic/kibana/t"),
        encode(b"\x00\x01\x00\x01elastic/t:secret"),
        encode(b"\x00\x01\x00\x01/kibana/t:secret"),
        encode(b"\x00\x01\x00\x01elastic/kibana/t:"),
        encode(b"\x00\x01\x00\x01\xff\xfe/k/t:s"),
    ] {
        assert!(ServiceToken::parse(&not_one).is_none(), "{not_one}");
    }
}

#[test]
fn token_names_follow_elasticsearch() {
    for ok in ["token1", "-x", "a_b-c", &"a".repeat(256)] {
        assert!(valid_token_name(ok), "{ok}");
    }
    for bad in ["", "_x", "a/b", "a:b", "a b", &"a".repeat(257), "é"] {
        assert!(!valid_token_name(bad), "{bad}");
    }
    assert!(invalid_token_name_message("_x").ends_with("Got: [_x]"));
}

#[test]
fn stored_documents_hash_the_secret_and_name_the_creator() {
    let token = ServiceToken::generate("elastic/kibana", "kb").unwrap();
    let creator = Authentication {
        username: "elastic".into(),
        roles: vec!["superuser".into()],
        full_name: None,
        email: None,
        metadata: Map::new(),
        realm: crate::authc::RESERVED_REALM,
    };
    let doc = token_document(&token, &creator, 1_700_000_000_000).unwrap();
    let hash = stored_hash(&doc).unwrap();
    assert!(hash.starts_with("{PBKDF2_STRETCH}10000$"), "{hash}");
    assert!(crate::hash::verify_password(token.secret.expose(), hash));
    assert!(!doc.to_string().contains(token.secret.expose()));
    assert_eq!(doc["creator"]["principal"], "elastic");
    assert_eq!(doc["creator"]["realm"], "reserved");
    assert_eq!(doc["username"], "elastic/kibana");
    assert_eq!(doc["version"], 9_010_099);
}

#[test]
fn accounts_have_their_fixed_privileges() {
    assert!(is_service_account("elastic/kibana"));
    assert!(is_service_account("elastic/fleet-server"));
    assert!(!is_service_account("elastic/nope"));
    assert!(!is_service_account("kibana_system"));
    let kibana = crate::rbac::service_account_descriptor("elastic/kibana").unwrap();
    let system = crate::rbac::reserved_role("kibana_system").unwrap();
    assert_eq!(kibana.name, "elastic/kibana");
    assert_eq!(
        (kibana.cluster, kibana.indices),
        (system.cluster, system.indices)
    );
    let fleet = crate::rbac::service_account_descriptor("elastic/fleet-server").unwrap();
    assert!(fleet.cluster.contains(&"manage_own_api_key".to_string()));
    assert!(crate::rbac::service_account_descriptor("superuser").is_none());
    let who = authentication("elastic/kibana");
    assert_eq!(
        who.full_name.as_deref(),
        Some("Service account - elastic/kibana")
    );
    assert!(who.roles.is_empty());
    assert_eq!(who.realm, SERVICE_ACCOUNT_REALM);
}
