use serde_json::json;

use super::*;

#[test]
fn parse_and_serialise_in_get_shape() {
    let body = json!({
        "cluster": ["monitor", "cluster:admin/xyz"],
        "indices": [
            {"names": "logs-*", "privileges": ["read"]},
            {"names": ["a", "b"], "privileges": ["write"], "field_security": {"grant": ["f*"], "except": ["f.secret"]}, "query": {"term": {"x": 1}}, "allow_restricted_indices": true}
        ],
        "applications": [{"application": "myapp", "privileges": ["read", "data:read/*"], "resources": ["*"]}],
        "run_as": ["other"],
        "metadata": {"version": 1}
    });
    let role = RoleDescriptor::parse("r1", &body).unwrap();
    role.validate(|_| false).unwrap();
    assert_eq!(
        role.to_json(),
        json!({
            "cluster": ["monitor", "cluster:admin/xyz"],
            "indices": [
                {"names": ["logs-*"], "privileges": ["read"], "allow_restricted_indices": false},
                {"names": ["a", "b"], "privileges": ["write"], "field_security": {"grant": ["f*"], "except": ["f.secret"]}, "query": "{\"term\":{\"x\":1}}", "allow_restricted_indices": true}
            ],
            "applications": [{"application": "myapp", "privileges": ["read", "data:read/*"], "resources": ["*"]}],
            "run_as": ["other"],
            "metadata": {"version": 1},
            "transient_metadata": {"enabled": true}
        })
    );
    // `index` is accepted as an alias of `indices`.
    let alias = RoleDescriptor::parse(
        "r",
        &json!({"index": [{"names": ["x"], "privileges": ["read"]}]}),
    )
    .unwrap();
    assert_eq!(alias.indices.len(), 1);
    // Round trip through the GET shape.
    let again = RoleDescriptor::parse("r1", &role.to_json()).unwrap();
    assert_eq!(again, role);
}

fn parse_err(body: serde_json::Value) -> RoleError {
    RoleDescriptor::parse("r1", &body).unwrap_err()
}

#[test]
fn parse_errors_use_elasticsearch_messages() {
    let e = parse_err(json!({"bogus": 1}));
    assert_eq!(e.error_type, ironstack_types::EsErrorType::Parse);
    assert_eq!(
        e.reason,
        "failed to parse role [r1]. unexpected field [bogus]"
    );
    let e = parse_err(json!({"cluster": "monitor"}));
    assert_eq!(e.reason, "failed to parse role [r1]");
    assert_eq!(
        e.caused_by.as_deref(),
        Some(
            "could not parse [cluster] field. expected a string array but found [VALUE_STRING] instead"
        )
    );
    let e = parse_err(json!({"cluster": [1]}));
    assert_eq!(
        e.caused_by.as_deref(),
        Some(
            "could not parse [cluster] field. expected a string array but one of the value in the array is [VALUE_NUMBER]"
        )
    );
    let e = parse_err(json!({"indices": [{"names": ["a"], "privileges": ["read"], "x": 1}]}));
    assert_eq!(
        e.reason,
        "failed to parse indices privileges for role [r1]. unexpected field [x]"
    );
    let e = parse_err(json!({"indices": [{"privileges": ["read"]}]}));
    assert_eq!(
        e.reason,
        "failed to parse indices privileges for role [r1]. missing required [names] field"
    );
    let e = parse_err(json!({"indices": [{"names": "a"}]}));
    assert_eq!(
        e.reason,
        "failed to parse indices privileges for role [r1]. missing required [privileges] field"
    );
    let e = parse_err(json!({"indices": [{"names": 3, "privileges": []}]}));
    assert_eq!(
        e.reason,
        "failed to parse indices privileges for role [r1]. expected field [names] value to be a string or an array of strings, but found [VALUE_NUMBER] instead"
    );
    let e = parse_err(
        json!({"indices": [{"names": "a", "privileges": ["read"], "allow_restricted_indices": "yes"}]}),
    );
    assert_eq!(
        e.reason,
        "failed to parse indices privileges for role [r1]. expected field [allow_restricted_indices] value to be a boolean, but found [VALUE_STRING] instead"
    );
    let e = parse_err(json!({"indices": {"names": "a"}}));
    assert_eq!(
        e.reason,
        "failed to parse indices privileges for role [r1]. expected field [indices] value to be an array, but found [START_OBJECT] instead"
    );
    let e = parse_err(json!({"applications": [{"application": "app", "privileges": ["p"]}]}));
    assert_eq!(
        e.reason,
        "failed to parse application privileges for role [r1]. missing required [resources] field"
    );
    let e = parse_err(json!([1]));
    assert_eq!(
        e.reason,
        "failed to parse role [r1]. expected an object but found [START_ARRAY] instead"
    );
    let exception = parse_err(json!({"cluster": "x"})).to_exception();
    assert_eq!(exception.error_type, "parse_exception");
    assert_eq!(exception.status, 400);
    assert!(exception.caused_by.is_some());
}

#[test]
fn validation_errors() {
    let role = RoleDescriptor::parse(
        "r1",
        &json!({"cluster": ["bogus"], "indices": [{"names": ["/open"], "privileges": ["reed"]}], "metadata": {"_x": 1}}),
    )
    .unwrap();
    let e = role.validate(|_| false).unwrap_err();
    assert_eq!(
        e.error_type,
        ironstack_types::EsErrorType::ActionRequestValidation
    );
    assert!(e.reason.starts_with("Validation Failed: 1: unknown cluster privilege [bogus]. a privilege must be either one of the predefined cluster privilege names ["));
    assert!(e.reason.contains(";2: unknown index privilege [reed]. a privilege must be either one of the predefined fixed indices privileges [all,auto_configure,"));
    assert!(
        e.reason
            .contains(";3: index pattern [/open] starts with [/]")
    );
    assert!(
        e.reason
            .ends_with(";4: role descriptor metadata keys may not start with [_];")
    );
    let reserved = RoleDescriptor::new("superuser");
    assert_eq!(
        reserved.validate(|n| n == "superuser").unwrap_err().reason,
        "Validation Failed: 1: Role [superuser] is reserved and may not be used.;"
    );
}

#[test]
fn role_names() {
    assert!(validate_role_name("metricbeat_writer").is_none());
    assert!(validate_role_name("with space inside").is_none());
    assert!(validate_role_name("").is_some());
    assert!(validate_role_name(" lead").is_some());
    assert!(validate_role_name("trail ").is_some());
    assert!(validate_role_name("tab\there").is_some());
    assert!(validate_role_name("é").is_some());
    assert!(validate_role_name(&"a".repeat(507)).is_none());
    assert_eq!(
        validate_role_name(&"a".repeat(508)).unwrap(),
        "Role names must be at least 1 and no more than 507 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed."
    );
}

#[test]
fn application_names() {
    assert!(validate_application_name("kibana-.kibana", true).is_none());
    assert!(validate_application_name("kibana-*", true).is_none());
    assert!(validate_application_name("*", true).is_none());
    assert!(validate_application_name("Kibana", true).is_some());
    assert!(validate_application_privilege("read").is_none());
    assert!(validate_application_privilege("data:read/*").is_none());
    assert!(validate_application_privilege("Read").is_some());
}

#[test]
fn global_privileges_are_parsed_as_elasticsearch() {
    let body = json!({"global": {
        "application": {"manage": {"applications": ["kibana-*"]}},
        "profile": {"write": {"applications": ["kibana*"]}}
    }});
    let role = RoleDescriptor::parse("g", &body).unwrap();
    assert_eq!(role.to_json()["global"], body["global"]);
    let cases = [
        (
            json!({"global": {"cluster": {}}}),
            "failed to parse privilege. expected one of [application, profile, role] but found [cluster] instead",
        ),
        (
            json!({"global": {"application": {"read": {"applications": ["a"]}}}}),
            "failed to parse privilege. expected field name [manage] but found [read] instead",
        ),
        (
            json!({"global": {"application": {"manage": {"applications": "a"}}}}),
            "failed to parse privilege. expected [START_ARRAY] of strings but found [VALUE_STRING] instead",
        ),
        (
            json!({"global": {"profile": {"write": {"apps": ["a"]}}}}),
            "failed to parse privilege. expected field name [applications] but found [apps] instead",
        ),
        (
            json!({"global": {"application": []}}),
            "failed to parse privilege. expected [START_OBJECT] but found [START_ARRAY] instead",
        ),
    ];
    for (body, reason) in cases {
        let e = RoleDescriptor::parse("g", &body).unwrap_err();
        assert_eq!(
            e.error_type,
            ironstack_types::EsErrorType::XContentParse,
            "{body}"
        );
        assert_eq!(e.reason, reason, "{body}");
    }
}

#[test]
fn remote_indices_and_remote_cluster_round_trip() {
    let body = json!({
        "remote_indices": [
            {"clusters": ["eu-*"], "names": "logs-*", "privileges": ["read"], "field_security": {"grant": ["a"]}, "query": {"match_all": {}}, "allow_restricted_indices": true}
        ],
        "remote_cluster": [{"privileges": ["monitor_enrich", "monitor_stats"], "clusters": ["*"]}]
    });
    let role = RoleDescriptor::parse("r1", &body).unwrap();
    role.validate(|_| false).unwrap();
    assert_eq!(role.remote_indices[0].clusters, vec!["eu-*"]);
    assert_eq!(role.remote_indices[0].group.names, vec!["logs-*"]);
    let shown = role.to_json();
    assert_eq!(
        shown["remote_indices"],
        json!([{"names": ["logs-*"], "privileges": ["read"], "field_security": {"grant": ["a"]}, "query": "{\"match_all\":{}}", "allow_restricted_indices": true, "clusters": ["eu-*"]}])
    );
    assert_eq!(
        shown["remote_cluster"],
        json!([{"privileges": ["monitor_enrich", "monitor_stats"], "clusters": ["*"]}])
    );
    assert_eq!(RoleDescriptor::parse("r1", &shown).unwrap(), role);
    // Empty lists are accepted and not shown.
    let empty =
        RoleDescriptor::parse("r1", &json!({"remote_indices": [], "remote_cluster": []})).unwrap();
    assert!(empty.to_json().get("remote_indices").is_none());
}

#[test]
fn remote_privileges_are_parsed_strictly() {
    let reason = |body: serde_json::Value| parse_err(body).reason;
    assert_eq!(
        reason(json!({"remote_indices": {"names": ["x"]}})),
        "failed to parse remote indices privileges for role [r1]. expected field [remote_indices] value to be an array, but found [START_OBJECT] instead"
    );
    assert_eq!(
        reason(json!({"remote_indices": [{"names": ["x"], "privileges": ["read"]}]})),
        "failed to parse remote indices privileges for role [r1]. missing required [clusters] field"
    );
    let e = parse_err(
        json!({"remote_indices": [{"clusters": "c", "names": ["x"], "privileges": ["read"]}]}),
    );
    assert_eq!(e.reason, "failed to parse role [r1]");
    assert!(e.caused_by.unwrap().contains("expected a string array"));
    assert_eq!(
        reason(
            json!({"remote_indices": [{"clusters": ["c"], "names": ["x"], "privileges": ["read"], "bogus": 1}]})
        ),
        "failed to parse indices privileges for role [r1]. unexpected field [bogus]"
    );
    // `clusters` belongs to remote groups only.
    assert_eq!(
        reason(json!({"indices": [{"clusters": ["c"], "names": ["x"], "privileges": ["read"]}]})),
        "failed to parse indices privileges for role [r1]. unexpected field [clusters]"
    );
    assert_eq!(
        reason(json!({"indices": [{"names": [], "privileges": ["read"]}]})),
        "failed to parse indices privileges for role [r1]. [names] cannot be an empty array"
    );
    assert_eq!(
        reason(json!({"remote_cluster": {"privileges": ["monitor_enrich"]}})),
        "failed to parse remote_cluster for role [r1]. expected field [remote_cluster] value to be an array, but found [START_OBJECT] instead"
    );
    assert_eq!(
        reason(
            json!({"remote_cluster": [{"privileges": ["monitor_stats", "read_pipeline"], "clusters": ["*"]}]})
        ),
        "failed to parse remote_cluster for role [r1]. [monitor_enrich, monitor_stats] are the only values allowed for [privileges] within [remote_cluster]. Found [monitor_stats, read_pipeline]"
    );
    assert_eq!(
        reason(json!({"remote_cluster": [{"privileges": ["monitor_enrich"]}]})),
        "failed to parse remote_cluster for role [r1]. [clusters] must be defined when [privileges] are defined"
    );
    assert_eq!(
        reason(json!({"remote_cluster": [{"clusters": ["two", "three"]}]})),
        "failed to parse remote_cluster for role [r1]. [privileges] must be defined when [clusters] are defined"
    );
    assert_eq!(
        reason(
            json!({"remote_cluster": [{"privileges": ["monitor_enrich"], "clusters": ["*"], "names": ["x"]}]})
        ),
        "failed to parse remote_cluster for role [r1]. unexpected field [names]"
    );
    let e = parse_err(json!({"remote_cluster": [{}]}));
    assert_eq!(
        (e.error_type, e.reason.as_str()),
        (
            ironstack_types::EsErrorType::IllegalArgument,
            "remote cluster groups must not be null or empty"
        )
    );
    let e = parse_err(
        json!({"remote_cluster": [{"privileges": ["monitor_enrich"], "clusters": [""]}]}),
    );
    assert_eq!(
        e.reason,
        "remote_cluster clusters aliases must contain valid non-empty, non-null values"
    );
}

#[test]
fn remote_indices_are_validated_like_put_role() {
    let role = RoleDescriptor::parse(
        "r1",
        &json!({"remote_indices": [{"clusters": ["ok", ""], "names": ["/a"], "privileges": ["read", "bogus"]}]}),
    )
    .unwrap();
    let e = role.validate(|_| false).unwrap_err();
    assert_eq!(
        e.error_type,
        ironstack_types::EsErrorType::ActionRequestValidation
    );
    assert!(
        e.reason
            .contains("remote index cluster alias cannot be an empty string"),
        "{}",
        e.reason
    );
    assert!(
        e.reason.contains("unknown index privilege [bogus]"),
        "{}",
        e.reason
    );
    assert!(e.reason.contains("/a"), "{}", e.reason);
}
