use ironstack_types::ActionName;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Value, json};

use super::*;

fn at() -> SystemTime {
    // 2020-12-30T20:30:06.949Z
    UNIX_EPOCH + Duration::from_millis(1_609_360_206_949)
}

fn node() -> LocalNode {
    LocalNode {
        node_id: Some("0RMNyghkQYCc_gVd1G6tZQ".into()),
        ..LocalNode::default()
    }
}

fn access_denied() -> AuditEvent {
    let mut e = AuditEvent::new(
        AuditLevel::AccessDenied,
        EventType::Transport,
        "access_denied",
    );
    e.authentication_type = Some(AuthenticationType::Realm);
    e.user_name = Some("user1".into());
    e.user_realm = Some("default_native".into());
    e.user_roles = Some(vec!["test_role".into()]);
    e.origin_type = Some("rest");
    e.origin_address = Some("[::1]:52434".into());
    e.request_id = Some("yKOgWn2CRQCKYgZRz3phJw".into());
    e.action = Some("indices:admin/auto_create".into());
    e.indices = Some(vec!["logs-1".into()]);
    e
}

#[test]
fn timestamps_use_elasticsearch_format_in_utc() {
    assert_eq!(format_timestamp(at()), "2020-12-30T20:30:06,949+0000");
    assert_eq!(format_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00,000+0000");
    // A leap day.
    let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
    assert_eq!(format_timestamp(leap), "2000-02-29T00:00:00,000+0000");
}

#[test]
fn access_denied_line_matches_elasticsearch_layout() {
    let line = encode(&access_denied(), &node(), at());
    assert_eq!(
        line,
        "{\"type\":\"audit\", \"timestamp\":\"2020-12-30T20:30:06,949+0000\", \
         \"node.id\":\"0RMNyghkQYCc_gVd1G6tZQ\", \"event.type\":\"transport\", \
         \"event.action\":\"access_denied\", \"authentication.type\":\"REALM\", \
         \"user.name\":\"user1\", \"user.realm\":\"default_native\", \
         \"user.roles\":[\"test_role\"], \"origin.type\":\"rest\", \
         \"origin.address\":\"[::1]:52434\", \"request.id\":\"yKOgWn2CRQCKYgZRz3phJw\", \
         \"action\":\"indices:admin/auto_create\", \"indices\":[\"logs-1\"]}"
    );
    let parsed: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(parsed["user.roles"], json!(["test_role"]));
}

#[test]
fn node_fields_follow_emit_choices_and_strings_are_escaped() {
    let node = LocalNode {
        cluster_name: Some("c\"1".into()),
        cluster_uuid: Some("uuid".into()),
        node_name: Some("n1".into()),
        node_id: None,
        host_name: Some("host".into()),
        host_ip: Some("127.0.0.1".into()),
    };
    let mut e = AuditEvent::new(
        AuditLevel::AuthenticationFailed,
        EventType::Rest,
        "authentication_failed",
    );
    e.user_name = Some("a\nb".into());
    let line = encode(&e, &node, at());
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["cluster.name"], "c\"1");
    assert_eq!(v["cluster.uuid"], "uuid");
    assert_eq!(v["node.name"], "n1");
    assert!(v.get("node.id").is_none());
    assert_eq!(v["host.name"], "host");
    assert_eq!(v["host.ip"], "127.0.0.1");
    assert_eq!(v["user.name"], "a\nb");
    assert!(!line.contains('\n'), "one event per line: {line}");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "type",
            "timestamp",
            "cluster.name",
            "cluster.uuid",
            "node.name",
            "host.name",
            "host.ip",
            "event.type",
            "event.action",
            "user.name"
        ]
    );
}

#[test]
fn default_levels_are_elasticsearch_defaults() {
    let f = AuditFilter::new(&AuditLevel::DEFAULT_INCLUDES, &[], &[]).unwrap();
    assert!(f.level_enabled(AuditLevel::AccessGranted));
    assert!(f.level_enabled(AuditLevel::SecurityConfigChange));
    assert!(f.level_enabled(AuditLevel::AnonymousAccessDenied));
    assert!(!f.level_enabled(AuditLevel::AuthenticationSuccess));
    assert!(!f.level_enabled(AuditLevel::RealmAuthenticationFailed));
    assert!(!f.level_enabled(AuditLevel::SystemAccessGranted));
    assert_eq!(
        AuditLevel::parse("run_as_denied"),
        Some(AuditLevel::RunAsDenied)
    );
    assert_eq!(AuditLevel::parse("nope"), None);
    for l in AuditLevel::ALL {
        assert_eq!(AuditLevel::parse(l.name()), Some(l));
    }
}

#[test]
fn exclude_wins_over_include() {
    let f = AuditFilter::new(
        &AuditLevel::ALL,
        &[AuditLevel::AccessGranted, AuditLevel::SecurityConfigChange],
        &[],
    )
    .unwrap();
    assert!(f.level_enabled(AuditLevel::AuthenticationSuccess));
    assert!(!f.level_enabled(AuditLevel::AccessGranted));
    let change = AuditEvent::config_change(
        "delete_user",
        ConfigChange {
            kind: ChangeKind::Delete,
            detail: json!({"user": {"name": "x"}}),
        },
    );
    assert!(!f.accepts(&change));
}

#[test]
fn ignore_policies_need_every_set_field_to_match() {
    let policy = IgnorePolicy {
        name: "p".into(),
        users: Some(vec!["user*".into()]),
        realms: Some(vec!["default_native".into()]),
        indices: Some(vec!["logs-*".into()]),
        ..IgnorePolicy::default()
    };
    let f = AuditFilter::new(&AuditLevel::ALL, &[], &[policy]).unwrap();
    let e = access_denied();
    assert!(!f.accepts(&e), "user1/default_native/logs-1 is ignored");
    let mut other_index = access_denied();
    other_index.indices = Some(vec!["logs-1".into(), "metrics-1".into()]);
    assert!(f.accepts(&other_index), "every index must match");
    let mut other_user = access_denied();
    other_user.user_name = Some("admin".into());
    assert!(f.accepts(&other_user));
    let mut no_indices = access_denied();
    no_indices.indices = None;
    assert!(f.accepts(&no_indices), "no index is the empty string");
}

#[test]
fn ignore_policies_support_actions_roles_regex_and_empty_string() {
    let policies = [
        IgnorePolicy {
            name: "monitoring".into(),
            actions: Some(vec!["cluster:monitor/*".into()]),
            roles: Some(vec!["/test_.*/".into()]),
            ..IgnorePolicy::default()
        },
        IgnorePolicy {
            name: "anonymous".into(),
            users: Some(vec!["".into()]),
            ..IgnorePolicy::default()
        },
    ];
    let f = AuditFilter::new(&AuditLevel::ALL, &[], &policies).unwrap();
    let mut e = access_denied();
    e.action = Some("cluster:monitor/main".into());
    assert!(!f.accepts(&e));
    e.user_roles = Some(vec!["test_role".into(), "superuser".into()]);
    assert!(f.accepts(&e), "every role must match");
    let anon = AuditEvent::new(
        AuditLevel::AnonymousAccessDenied,
        EventType::Rest,
        "anonymous_access_denied",
    );
    assert!(!f.accepts(&anon), "\"\" matches events without a user");
    // Configuration changes are never filtered by policies.
    let catch_all = IgnorePolicy {
        name: "all".into(),
        users: Some(vec!["*".into()]),
        ..IgnorePolicy::default()
    };
    let f = AuditFilter::new(&AuditLevel::ALL, &[], &[catch_all]).unwrap();
    let mut change = AuditEvent::config_change(
        "delete_user",
        ConfigChange {
            kind: ChangeKind::Delete,
            detail: json!({"user": {"name": "x"}}),
        },
    );
    change.user_name = Some("elastic".into());
    assert!(f.accepts(&change));
}

#[test]
fn bad_regex_names_the_setting() {
    let p = IgnorePolicy {
        name: "p1".into(),
        users: Some(vec!["/(/".into()]),
        ..IgnorePolicy::default()
    };
    let err = AuditFilter::new(&AuditLevel::ALL, &[], &[p]).unwrap_err();
    assert!(
        err.to_string()
            .contains("xpack.security.audit.logfile.events.ignore_filters.p1.users"),
        "{err}"
    );
}

#[test]
fn request_bodies_lose_every_credential() {
    let body = br#"{"password":"s3cret-pw","password_hash":"$2a$10$abc","roles":["a"],
        "nested":{"new_password":"x1","refresh_token":"tok","keep":1},
        "api_key":"c2VjcmV0","grant_type":"password","access_token":"at",
        "list":[{"client_secret":"cs","ok":true}]}"#;
    let out = redact_body(body).unwrap();
    for secret in [
        "s3cret-pw",
        "$2a$10$abc",
        "x1",
        "tok",
        "c2VjcmV0",
        "\"at\"",
        "cs",
    ] {
        assert!(!out.contains(secret), "{secret} in {out}");
    }
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["roles"], json!(["a"]));
    assert_eq!(v["nested"]["keep"], 1);
    assert_eq!(v["list"][0]["ok"], true);
    // A grant request's `api_key` object is the key's description, not a secret.
    let grant = redact_body(br#"{"api_key":{"name":"k"},"password":"p"}"#).unwrap();
    assert_eq!(grant, r#"{"api_key":{"name":"k"}}"#);
    // NDJSON bodies are redacted line by line.
    let nd = redact_body(b"{\"index\":{}}\n{\"password\":\"pw\",\"a\":1}\n").unwrap();
    assert_eq!(nd, "{\"index\":{}}\n{\"a\":1}\n");
    // Not JSON: left out entirely, so a malformed body cannot leak.
    assert_eq!(redact_body(b"{\"password\":\"oops\""), None);
    assert_eq!(redact_body(b""), None);
}

#[test]
fn every_field_elasticsearch_filters_is_redacted() {
    // `DELETE /_security/oauth2/token` carries a live access token in `token`.
    assert_eq!(
        redact_body(br#"{"token":"dGhlLWxpdmUtdG9rZW4="}"#).unwrap(),
        "{}"
    );
    assert_eq!(
        redact_body(br#"{"refresh_token":"r-secret","realm_name":"r"}"#).unwrap(),
        r#"{"realm_name":"r"}"#
    );
    // Put user with Elasticsearch's camel-case spelling of the hash field.
    assert_eq!(
        redact_body(br#"{"passwordHash":"$2a$10$xyz","roles":[]}"#).unwrap(),
        r#"{"roles":[]}"#
    );
    // Grant API key: the user's password, the access token, the client's shared secret.
    let grant = redact_body(
        br#"{"grant_type":"password","username":"u","password":"pw","access_token":"at-secret",
            "client_authentication":{"scheme":"SharedSecret","value":"cs-secret"},
            "api_key":{"name":"k","metadata":{"value":"kept"}}}"#,
    )
    .unwrap();
    for secret in ["\"pw\"", "at-secret", "cs-secret"] {
        assert!(!grant.contains(secret), "{secret} in {grant}");
    }
    let v: Value = serde_json::from_str(&grant).unwrap();
    assert_eq!(
        v["client_authentication"],
        json!({"scheme": "SharedSecret"})
    );
    assert_eq!(v["api_key"]["metadata"]["value"], "kept");
    // Token grants, reload secure settings, OpenID Connect.
    let out = redact_body(
        br#"{"grant_type":"_kerberos","kerberos_ticket":"kt","secure_settings_password":"ks",
            "redirect_uri":"https://rp/cb?code=c0de","state":"s"}"#,
    )
    .unwrap();
    assert_eq!(out, r#"{"grant_type":"_kerberos","state":"s"}"#);
    // At any depth, in arrays too, whatever the case.
    let out = redact_body(br#"{"a":[{"b":{"Token":"t1","PASSWORD":"p1","ok":1}}]}"#).unwrap();
    assert_eq!(out, r#"{"a":[{"b":{"ok":1}}]}"#);
}

fn request<'a>(
    action: &'static str,
    path: &'a str,
    param: &'a dyn Fn(&str) -> Option<String>,
) -> ChangeRequest<'a> {
    ChangeRequest {
        action: ActionName(action),
        path,
        param,
        caller: "elastic",
    }
}

#[test]
fn put_user_records_has_password_never_the_password() {
    let p = |n: &str| (n == "username").then(|| "user1".to_string());
    let body = json!({"password": "l0ng-secret", "roles": ["admin", "other_role1"],
        "full_name": "Jack Sparrow", "email": "jack@blackpearl.com", "enabled": false,
        "metadata": {"cunning": 10}});
    let changes = config_changes(
        &request(
            "cluster:admin/xpack/security/user/put",
            "/_security/user/user1",
            &p,
        ),
        &body,
    );
    assert_eq!(changes.len(), 1);
    let (action, change) = &changes[0];
    assert_eq!(*action, "put_user");
    let line = encode(
        &AuditEvent::config_change(action, change.clone()),
        &node(),
        at(),
    );
    assert!(line.ends_with(
        "\"event.type\":\"security_config_change\", \"event.action\":\"put_user\", \
         \"put\":{\"user\":{\"name\":\"user1\",\"enabled\":false,\"roles\":[\"admin\",\"other_role1\"],\
         \"full_name\":\"Jack Sparrow\",\"email\":\"jack@blackpearl.com\",\"has_password\":true,\
         \"metadata\":{\"cunning\":10}}}}"
    ), "{line}");
    assert!(!line.contains("l0ng-secret"));
    let hash_only = json!({"password_hash": "$2a$10$xyz", "roles": []});
    let (_, c) = &config_changes(
        &request(
            "cluster:admin/xpack/security/user/put",
            "/_security/user/u",
            &p,
        ),
        &hash_only,
    )[0];
    assert_eq!(c.detail["user"]["has_password"], true);
    assert!(!c.detail.to_string().contains("$2a$"));
}

#[test]
fn user_password_enable_disable_delete_changes() {
    let named = |n: &str| (n == "username").then(|| "user1".to_string());
    let none = |_: &str| None;
    let body = json!({"password": "n3w-password"});
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/user/change_password",
            "/_security/user/user1/_password",
            &named,
        ),
        &body,
    )
    .remove(0);
    assert_eq!(a, "change_password");
    assert_eq!(c.kind, ChangeKind::Change);
    assert_eq!(c.detail, json!({"password": {"user": {"name": "user1"}}}));
    // Own account: the caller.
    let (_, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/user/change_password",
            "/_security/user/_password",
            &none,
        ),
        &body,
    )
    .remove(0);
    assert_eq!(c.detail, json!({"password": {"user": {"name": "elastic"}}}));
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/user/set_enabled",
            "/_security/user/user1/_disable",
            &named,
        ),
        &Value::Null,
    )
    .remove(0);
    assert_eq!(a, "change_disable_user");
    assert_eq!(c.detail, json!({"disable": {"user": {"name": "user1"}}}));
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/user/set_enabled",
            "/_security/user/user1/_enable",
            &named,
        ),
        &Value::Null,
    )
    .remove(0);
    assert_eq!(a, "change_enable_user");
    assert_eq!(c.detail, json!({"enable": {"user": {"name": "user1"}}}));
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/user/delete",
            "/_security/user/user1",
            &named,
        ),
        &Value::Null,
    )
    .remove(0);
    assert_eq!((a, c.kind), ("delete_user", ChangeKind::Delete));
    assert_eq!(c.detail, json!({"user": {"name": "user1"}}));
}

#[test]
fn role_and_api_key_changes_use_elasticsearch_shapes() {
    let named = |n: &str| (n == "name").then(|| "test_role".to_string());
    let body = json!({"cluster": ["all"], "indices": [{"names": "apm*", "privileges": ["all"],
        "field_security": {"grant": ["granted"]}, "query": {"term": {"service.name": "bar"}}}],
        "run_as": ["impersonated"]});
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/role/put",
            "/_security/role/test_role",
            &named,
        ),
        &body,
    )
    .remove(0);
    assert_eq!(a, "put_role");
    assert_eq!(
        c.detail,
        json!({"role": {"name": "test_role", "role_descriptor": {"cluster": ["all"],
            "indices": [{"names": ["apm*"], "privileges": ["all"],
                "field_security": {"grant": ["granted"]},
                "query": "{\"term\":{\"service.name\":\"bar\"}}"}],
            "applications": [], "run_as": ["impersonated"]}}})
    );
    let none = |_: &str| None;
    let key = json!({"name": "k1", "expiration": "10d",
        "role_descriptors": {"r1": {"cluster": ["monitor"]}}, "metadata": {"env": "dev"}});
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/api_key/create",
            "/_security/api_key",
            &none,
        ),
        &key,
    )
    .remove(0);
    assert_eq!(a, "create_apikey");
    assert_eq!(
        c.detail,
        json!({"apikey": {"name": "k1", "expiration": "10d", "role_descriptors": [
            {"cluster": ["monitor"], "indices": [], "applications": [], "run_as": []}],
            "metadata": {"env": "dev"}}})
    );
    let grant = json!({"grant_type": "password", "username": "u", "password": "pw-secret",
        "api_key": {"name": "g"}});
    let (_, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/api_key/grant",
            "/_security/api_key/grant",
            &none,
        ),
        &grant,
    )
    .remove(0);
    assert_eq!(
        c.detail["apikey"]["grant"],
        json!({"type": "password", "user": {"name": "u", "has_password": true}})
    );
    assert!(!c.detail.to_string().contains("pw-secret"));
    let ids = |n: &str| (n == "ids").then(|| "key-1".to_string());
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/api_key/update",
            "/_security/api_key/key-1",
            &ids,
        ),
        &json!({"metadata": {"v": 2}}),
    )
    .remove(0);
    assert_eq!(a, "change_apikey");
    assert_eq!(
        c.detail,
        json!({"apikey": {"id": "key-1", "metadata": {"v": 2}}})
    );
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/api_key/invalidate",
            "/_security/api_key",
            &none,
        ),
        &json!({"ids": ["abc"], "username": "myuser", "realm_name": "native1"}),
    )
    .remove(0);
    assert_eq!(a, "invalidate_apikeys");
    assert_eq!(
        c.detail,
        json!({"apikeys": {"ids": ["abc"], "owned_by_authenticated_user": false,
            "user": {"name": "myuser", "realm": "native1"}}})
    );
}

#[test]
fn role_mapping_privileges_and_bulk_roles() {
    let named = |n: &str| match n {
        "name" => Some("mapping1".to_string()),
        "application" => Some("myapp".to_string()),
        _ => None,
    };
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/role_mapping/put",
            "/_security/role_mapping/mapping1",
            &named,
        ),
        &json!({"roles": ["user"], "rules": {"field": {"username": "*"}}, "metadata": {"m": "v"}}),
    )
    .remove(0);
    assert_eq!(a, "put_role_mapping");
    assert_eq!(
        c.detail,
        json!({"role_mapping": {"name": "mapping1", "roles": ["user"],
            "rules": {"field": {"username": "*"}}, "enabled": true, "metadata": {"m": "v"}}})
    );
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/privilege/put",
            "/_security/privilege",
            &named,
        ),
        &json!({"myapp": {"read": {"actions": ["data:read/*"], "metadata": {"d": 1}}}}),
    )
    .remove(0);
    assert_eq!(a, "put_privileges");
    assert_eq!(
        c.detail,
        json!({"privileges": [{"application": "myapp", "name": "read",
            "actions": ["data:read/*"], "metadata": {"d": 1}}]})
    );
    let (a, c) = config_changes(
        &request(
            "cluster:admin/xpack/security/privilege/delete",
            "/_security/privilege/myapp/mapping1",
            &named,
        ),
        &Value::Null,
    )
    .remove(0);
    assert_eq!(a, "delete_privileges");
    assert_eq!(
        c.detail,
        json!({"privileges": {"application": "myapp", "privileges": ["mapping1"]}})
    );
    let none = |_: &str| None;
    let changes = config_changes(
        &request(
            "cluster:admin/xpack/security/role/bulk_put",
            "/_security/role",
            &none,
        ),
        &json!({"roles": {"a": {"cluster": ["monitor"]}, "b": {}}}),
    );
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].1.detail["role"]["name"], "b");
    assert!(config_changes(&request("cluster:monitor/main", "/", &none), &Value::Null).is_empty());
    assert!(is_config_change_action(ActionName(
        "cluster:admin/xpack/security/user/put"
    )));
    assert!(!is_config_change_action(ActionName(
        "cluster:admin/xpack/security/user/get"
    )));
}

#[test]
fn request_names_are_elasticsearch_request_classes() {
    assert_eq!(
        request_name(ActionName("cluster:monitor/main")),
        Some("MainRequest")
    );
    assert_eq!(
        request_name(ActionName("cluster:admin/xpack/security/user/put")),
        Some("PutUserRequest")
    );
    assert_eq!(
        request_name(ActionName("cluster:admin/xpack/security/api_key/create")),
        Some("CreateApiKeyRequest")
    );
    assert_eq!(request_name(ActionName("cluster:admin/unknown")), None);
}
