use serde_json::json;

use super::*;
use crate::rbac::reserved::reserved_role;

fn role(name: &str, body: serde_json::Value) -> RoleDescriptor {
    let r = RoleDescriptor::parse(name, &body).unwrap();
    r.validate(|_| false).unwrap();
    r
}

/// The four roles of the "set up basic security plus HTTPS" guide, exactly as it creates them.
fn metricbeat_setup() -> RoleDescriptor {
    role(
        "metricbeat_setup",
        json!({"cluster": ["monitor", "manage_ilm"], "indices": [{"names": ["metricbeat-*"], "privileges": ["manage", "write"]}]}),
    )
}
fn metricbeat_monitoring() -> RoleDescriptor {
    role(
        "metricbeat_monitoring",
        json!({"cluster": ["monitor"], "indices": [{"names": [".monitoring-beats-*"], "privileges": ["create_index", "create_doc"]}]}),
    )
}
fn metricbeat_writer() -> RoleDescriptor {
    role(
        "metricbeat_writer",
        json!({"cluster": ["monitor", "read_ilm"], "indices": [{"names": ["metricbeat-*"], "privileges": ["create_doc", "create_index", "view_index_metadata"]}]}),
    )
}
fn metricbeat_reader() -> RoleDescriptor {
    role(
        "metricbeat_reader",
        json!({
            "indices": [{"names": ["metricbeat-*"], "privileges": ["read"]}],
            "applications": [{"application": "kibana-.kibana", "privileges": ["feature_discover.read", "feature_visualize.read", "feature_dashboard.read", "feature_infrastructure.read"], "resources": ["space:default"]}]
        }),
    )
}

fn check(role: &Role, body: serde_json::Value) -> serde_json::Value {
    let req: HasPrivilegesRequest = serde_json::from_value(body).unwrap();
    has_privileges("u", role, &req, &[]).unwrap()
}

#[test]
fn guide_writer_has_create_doc_but_not_index_or_read() {
    let writer = Role::build(&[metricbeat_writer()]).unwrap();
    let r = check(
        &writer,
        json!({"cluster": ["monitor", "read_ilm", "manage_ilm"], "index": [{"names": ["metricbeat-*"], "privileges": ["create_doc", "create_index", "view_index_metadata", "index", "read", "write"]}]}),
    );
    assert_eq!(
        r,
        json!({
            "username": "u", "has_all_requested": false,
            "cluster": {"monitor": true, "read_ilm": true, "manage_ilm": false},
            "index": {"metricbeat-*": {"create_doc": true, "create_index": true, "view_index_metadata": true, "index": false, "read": false, "write": false}},
            "application": {}
        })
    );
    let subject = Subject::user("metricbeat_writer", &["metricbeat_writer"]);
    let idx = "metricbeat-8.17.0".to_string();
    assert!(
        authorize_cluster(
            &subject,
            &writer,
            "cluster:monitor/main",
            ClusterContext::default()
        )
        .is_ok()
    );
    assert!(
        authorize_cluster(
            &subject,
            &writer,
            "cluster:admin/ilm/get",
            ClusterContext::default()
        )
        .is_ok()
    );
    assert!(
        authorize_cluster(
            &subject,
            &writer,
            "indices:admin/index_template/get",
            ClusterContext::default()
        )
        .is_ok()
    );
    assert!(authorize_action_name(&subject, &writer, BULK_ACTION).is_ok());
    assert!(authorize_auto_create(&subject, &writer, &idx).is_ok());
    assert!(authorize_bulk_item(&subject, &writer, BulkOp::Create, &idx).is_ok());
    let denied = authorize_bulk_item(&subject, &writer, BulkOp::Index, &idx).unwrap_err();
    assert_eq!(
        denied.to_string(),
        "action [indices:data/write/index:op_type/index] is unauthorized for user [metricbeat_writer] with effective roles [metricbeat_writer] on indices [metricbeat-8.17.0], this action is granted by the index privileges [create,index,write,all]"
    );
    assert!(authorize_bulk_item(&subject, &writer, BulkOp::Update, &idx).is_err());
    assert!(authorize_bulk_item(&subject, &writer, BulkOp::Delete, &idx).is_err());
    let search = authorize_indices(
        &subject,
        &writer,
        "indices:data/read/search",
        std::slice::from_ref(&idx),
    )
    .unwrap_err();
    assert_eq!(
        search.to_string(),
        "action [indices:data/read/search] is unauthorized for user [metricbeat_writer] with effective roles [metricbeat_writer] on indices [metricbeat-8.17.0], this action is granted by the index privileges [read,all]"
    );
    assert!(
        authorize_indices(
            &subject,
            &writer,
            "indices:admin/mappings/get",
            std::slice::from_ref(&idx)
        )
        .is_ok()
    );
    // Another index is out of reach even for create.
    assert!(authorize_bulk_item(&subject, &writer, BulkOp::Create, "logs-x").is_err());
}

#[test]
fn guide_reader_reads_only() {
    let reader = Role::build(&[metricbeat_reader()]).unwrap();
    let r = check(
        &reader,
        json!({
            "cluster": ["monitor"],
            "index": [{"names": ["metricbeat-*"], "privileges": ["read", "create_doc", "view_index_metadata", "write"]}],
            "application": [{"application": "kibana-.kibana", "privileges": ["feature_discover.read", "feature_discover.all"], "resources": ["space:default", "space:other"]}]
        }),
    );
    assert_eq!(r["cluster"], json!({"monitor": false}));
    assert_eq!(
        r["index"],
        json!({"metricbeat-*": {"read": true, "create_doc": false, "view_index_metadata": false, "write": false}})
    );
    assert_eq!(
        r["application"],
        json!({"kibana-.kibana": {
            "space:default": {"feature_discover.read": true, "feature_discover.all": false},
            "space:other": {"feature_discover.read": false, "feature_discover.all": false}
        }})
    );
    let subject = Subject::user("metricbeat_reader", &["metricbeat_reader"]);
    assert!(
        authorize_indices(
            &subject,
            &reader,
            "indices:data/read/search",
            &["metricbeat-1".into()]
        )
        .is_ok()
    );
    assert!(authorize_bulk_item(&subject, &reader, BulkOp::Create, "metricbeat-1").is_err());
    assert!(authorize_action_name(&subject, &reader, BULK_ACTION).is_err());
}

#[test]
fn guide_setup_has_manage_ilm_and_manage() {
    let setup = Role::build(&[metricbeat_setup()]).unwrap();
    let r = check(
        &setup,
        json!({"cluster": ["monitor", "manage_ilm", "manage", "manage_security"], "index": [{"names": ["metricbeat-*"], "privileges": ["manage", "write", "create_doc", "index", "read"]}]}),
    );
    assert_eq!(
        r["cluster"],
        json!({"monitor": true, "manage_ilm": true, "manage": false, "manage_security": false})
    );
    assert_eq!(
        r["index"],
        json!({"metricbeat-*": {"manage": true, "write": true, "create_doc": true, "index": true, "read": false}})
    );
    let subject = Subject::user(
        "metricbeat_setup",
        &["metricbeat_setup", "kibana_admin", "ingest_admin"],
    );
    assert!(
        authorize_cluster(
            &subject,
            &setup,
            "cluster:admin/ilm/put",
            ClusterContext::default()
        )
        .is_ok()
    );
    assert!(
        authorize_indices(
            &subject,
            &setup,
            "indices:admin/create",
            &["metricbeat-1".into()]
        )
        .is_ok()
    );
}

#[test]
fn guide_monitoring_only_monitoring_beats() {
    let mon = Role::build(&[metricbeat_monitoring()]).unwrap();
    let r = check(
        &mon,
        json!({"index": [
            {"names": [".monitoring-beats-*"], "privileges": ["create_doc", "create_index", "index"]},
            {"names": ["metricbeat-*", ".monitoring-es-*"], "privileges": ["create_doc"]}
        ]}),
    );
    assert_eq!(
        r["index"],
        json!({
            ".monitoring-beats-*": {"create_doc": true, "create_index": true, "index": false},
            "metricbeat-*": {"create_doc": false},
            ".monitoring-es-*": {"create_doc": false}
        })
    );
    let subject = Subject::user("metricbeat_monitoring", &["metricbeat_monitoring"]);
    assert!(
        authorize_bulk_item(
            &subject,
            &mon,
            BulkOp::Create,
            ".monitoring-beats-8-2026.11.28"
        )
        .is_ok()
    );
    assert!(authorize_bulk_item(&subject, &mon, BulkOp::Create, "metricbeat-1").is_err());
}

#[test]
fn user_roles_merge_across_descriptors() {
    // The writer user also holds remote_monitoring_collector and remote_monitoring_agent.
    let merged = Role::build(&[
        metricbeat_writer(),
        reserved_role("remote_monitoring_collector").unwrap(),
        reserved_role("remote_monitoring_agent").unwrap(),
    ])
    .unwrap();
    let subject = Subject::user(
        "metricbeat_writer",
        &[
            "metricbeat_writer",
            "remote_monitoring_collector",
            "remote_monitoring_agent",
        ],
    );
    // remote_monitoring_agent grants `index` on metricbeat-*, so overwrites are allowed now.
    assert!(authorize_bulk_item(&subject, &merged, BulkOp::Index, "metricbeat-1").is_ok());
    assert!(
        authorize_cluster(
            &subject,
            &merged,
            "cluster:admin/ilm/put",
            ClusterContext::default()
        )
        .is_ok()
    );
}

#[test]
fn denial_messages() {
    let empty = Role::build(&[]).unwrap();
    let mut subject = Subject::user("joe", &["b_role", "a_role"]);
    let e = authorize_cluster(
        &subject,
        &empty,
        "cluster:admin/xpack/security/user/delete",
        ClusterContext::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "action [cluster:admin/xpack/security/user/delete] is unauthorized for user [joe] with effective roles [a_role,b_role], this action is granted by the cluster privileges [manage_security,all]"
    );
    subject.found_roles = vec!["a_role".into()];
    let e = authorize_indices(
        &subject,
        &empty,
        "indices:admin/create",
        &["idx".into(), ".security-7".into()],
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "action [indices:admin/create] is unauthorized for user [joe] with effective roles [a_role] (assigned roles [b_role] were not found) on indices [idx] and restricted indices [.security-7], this action is granted by the index privileges [create_index,manage,all]"
    );
    let e = authorize_indices(
        &subject,
        &empty,
        "indices:data/read/get",
        &[".security-7".into()],
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains(" on restricted indices [.security-7], this action")
    );
    let key = Subject {
        who: Who::ApiKey {
            id: "abc".into(),
            username: "joe".into(),
        },
        assigned_roles: vec![],
        found_roles: vec![],
    };
    let e = authorize_action_name(&key, &empty, BULK_ACTION).unwrap_err();
    assert_eq!(
        e.to_string(),
        "action [indices:data/write/bulk] is unauthorized for API key id [abc] of user [joe], this action is granted by the index privileges [create_doc,create,delete,index,write,all]"
    );
    let run_as = Subject {
        who: Who::User {
            username: "admin".into(),
            run_as: Some("joe".into()),
        },
        assigned_roles: vec!["r".into()],
        found_roles: vec!["r".into()],
    };
    assert_eq!(
        authorize_cluster(
            &run_as,
            &empty,
            "cluster:monitor/main",
            ClusterContext::default()
        )
        .unwrap_err()
        .to_string(),
        "action [cluster:monitor/main] is unauthorized for user [admin] run as [joe] with effective roles [r], this action is granted by the cluster privileges [monitor,manage,all]"
    );
    let shard = authorize_bulk_item(&Subject::user("u", &["r"]), &empty, BulkOp::Create, "idx")
        .unwrap_err();
    assert_eq!(
        shard.to_string(),
        "action [indices:data/write/bulk[s]] is unauthorized for user [u] with effective roles [r] on indices [idx], this action is granted by the index privileges [create_doc,create,delete,index,write,all]"
    );
    let ex = ironstack_types::EsException::from_code(&shard);
    assert_eq!(
        (ex.status, ex.error_type.as_str()),
        (403, "security_exception")
    );
}

#[test]
fn restricted_indices_need_the_flag() {
    let plain = Role::build(&[role(
        "r",
        json!({"indices": [{"names": ["*"], "privileges": ["all"]}]}),
    )])
    .unwrap();
    let sys = Role::build(&[role("r", json!({"indices": [{"names": ["*"], "privileges": ["all"], "allow_restricted_indices": true}]}))]).unwrap();
    assert!(plain.check_index("indices:data/read/search", "logs"));
    assert!(!plain.check_index("indices:data/read/search", ".security-7"));
    assert!(sys.check_index("indices:data/read/search", ".security-7"));
    let r = check(
        &plain,
        json!({"index": [{"names": ["*"], "privileges": ["read"], "allow_restricted_indices": true}, {"names": [".security-7"], "privileges": ["read"]}]}),
    );
    assert_eq!(
        r["index"],
        json!({"*": {"read": false}, ".security-7": {"read": true}})
    );
    let r = check(
        &plain,
        json!({"index": [{"names": ["*"], "privileges": ["read"]}]}),
    );
    assert_eq!(r["index"], json!({"*": {"read": true}}));
    let r = check(
        &sys,
        json!({"index": [{"names": ["*"], "privileges": ["read"], "allow_restricted_indices": true}]}),
    );
    assert_eq!(r["has_all_requested"], json!(true));
    let superuser = Role::build(&[reserved_role("superuser").unwrap()]).unwrap();
    assert!(superuser.check_index("indices:data/read/search", ".security-7"));
    assert!(!superuser.check_index("indices:data/write/index", ".security-7"));
    assert!(superuser.check_index("indices:data/write/index", "anything"));
}

#[test]
fn has_privileges_subset_semantics() {
    let r = Role::build(&[role("r", json!({"cluster": ["cluster:monitor/main"], "indices": [{"names": ["index-a"], "privileges": ["read"]}]}))]).unwrap();
    let out = check(
        &r,
        json!({"cluster": ["cluster:monitor/main", "monitor"], "index": [{"names": ["index-a", "*"], "privileges": ["read", "indices:data/read/search"]}]}),
    );
    assert_eq!(
        out["cluster"],
        json!({"cluster:monitor/main": true, "monitor": false})
    );
    assert_eq!(
        out["index"],
        json!({"index-a": {"read": true, "indices:data/read/search": true}, "*": {"read": false, "indices:data/read/search": false}})
    );
    let bad: HasPrivilegesRequest = serde_json::from_value(json!({"cluster": ["nope"]})).unwrap();
    let err = has_privileges("u", &r, &bad, &[]).unwrap_err();
    assert_eq!(
        err.error_type,
        ironstack_types::EsErrorType::IllegalArgument
    );
    assert!(serde_json::from_value::<HasPrivilegesRequest>(json!({"bogus": []})).is_err());
}

#[test]
fn application_privileges_with_definitions() {
    let defs = vec![ApplicationPrivilegeDescriptor {
        application: "myapp".into(),
        name: "read".into(),
        actions: vec!["data:read/*".into(), "action:login".into()],
        metadata: Map::new(),
    }];
    let r = Role::build(&[role("r", json!({"applications": [{"application": "myapp", "privileges": ["data:read/*", "action:login"], "resources": ["res/*"]}]}))]).unwrap();
    assert!(r.check_application("myapp", "read", "res/1", &defs));
    assert!(r.check_application("myapp", "data:read/x", "res/*", &defs));
    assert!(!r.check_application("myapp", "read", "other", &defs));
    assert!(!r.check_application("otherapp", "read", "res/1", &defs));
    assert!(!r.check_application("myapp", "write", "res/1", &defs));
    let superuser = Role::build(&[reserved_role("superuser").unwrap()]).unwrap();
    assert!(superuser.check_application("anyapp", "undefined", "*", &defs));
    let kibana = Role::build(&[reserved_role("kibana_admin").unwrap()]).unwrap();
    assert!(kibana.check_application("kibana-.kibana", "all", "space:default", &defs));
    assert!(!kibana.check_application("kibana-other", "all", "space:default", &defs));
}

#[test]
fn conditional_own_api_key() {
    let r = Role::build(&[role("r", json!({"cluster": ["manage_own_api_key"]}))]).unwrap();
    let own = ClusterContext {
        own_api_keys_only: true,
    };
    assert!(r.check_cluster("cluster:admin/xpack/security/api_key/create", own));
    assert!(!r.check_cluster(
        "cluster:admin/xpack/security/api_key/get",
        ClusterContext::default()
    ));
    let out = check(
        &r,
        json!({"cluster": ["manage_own_api_key", "manage_api_key"]}),
    );
    assert_eq!(
        out["cluster"],
        json!({"manage_own_api_key": true, "manage_api_key": false})
    );
}

#[test]
fn wildcard_expansion_to_authorized_indices() {
    let r = Role::build(&[role(
        "r",
        json!({"indices": [{"names": ["logs-a*"], "privileges": ["read"]}]}),
    )])
    .unwrap();
    let existing: Vec<String> = ["logs-a1", "logs-a2", "logs-b1", ".security-7"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        expand_expression(&r, "indices:data/read/search", "logs-*", &existing),
        vec!["logs-a1", "logs-a2"]
    );
    assert_eq!(
        expand_expression(&r, "indices:data/read/search", "_all", &existing),
        vec!["logs-a1", "logs-a2"]
    );
    assert_eq!(
        expand_expression(&r, "indices:data/read/search", "logs-b1", &existing),
        vec!["logs-b1"]
    );
    assert!(expand_expression(&r, "indices:data/write/index", "*", &existing).is_empty());
    assert_eq!(
        r.authorized_indices(
            "indices:data/read/search",
            existing.iter().map(String::as_str)
        ),
        vec!["logs-a1", "logs-a2"]
    );
}

#[test]
fn run_as_and_templates_as_cluster_actions() {
    let r = Role::build(&[role(
        "r",
        json!({"cluster": ["manage_index_templates"], "run_as": ["svc-*"]}),
    )])
    .unwrap();
    assert!(r.check_run_as("svc-1"));
    assert!(!r.check_run_as("admin"));
    let s = Subject::user("u", &["r"]);
    // Template actions are cluster-level even though they start with `indices:`.
    assert!(
        authorize_indices(
            &s,
            &r,
            "indices:admin/index_template/put",
            &["ignored".into()]
        )
        .is_ok()
    );
}

#[test]
fn user_privileges_merge_groups() {
    let r = Role::build(&[
        role("a", json!({"cluster": ["monitor", "manage_ilm"], "indices": [{"names": ["m-*"], "privileges": ["read"]}], "run_as": ["z", "b"]})),
        role("b", json!({"cluster": ["monitor"], "indices": [{"names": ["m-*"], "privileges": ["write"]}, {"names": ["x"], "privileges": ["read"], "query": "{\"match_all\":{}}"}]})),
    ])
    .unwrap();
    assert_eq!(
        r.user_privileges(),
        json!({
            "cluster": ["manage_ilm", "monitor"],
            "global": [],
            "indices": [
                {"names": ["m-*"], "privileges": ["read", "write"], "allow_restricted_indices": false},
                {"names": ["x"], "privileges": ["read"], "query": ["{\"match_all\":{}}"], "allow_restricted_indices": false}
            ],
            "applications": [],
            "run_as": ["b", "z"]
        })
    );
}

#[test]
fn user_privileges_merge_index_groups_like_elasticsearch() {
    let r = Role::build(&[
        role("a", json!({"indices": [
            {"names": [".security*"], "privileges": ["read"], "allow_restricted_indices": true},
            {"names": ["logs-*", "metrics-*"], "privileges": ["read"], "field_security": {"grant": ["a*"]}, "query": "{\"term\":{\"q\":1}}"},
            {"names": ["other"], "privileges": ["read"], "field_security": {"grant": ["x"]}, "query": "{\"term\":{\"q\":3}}"}
        ]})),
        // The same names in another order are the same group.
        role("b", json!({"indices": [
            {"names": ["metrics-*", "logs-*"], "privileges": ["view_index_metadata"], "field_security": {"grant": ["b*"], "except": ["b.secret"]}, "query": "{\"term\":{\"q\":2}}"},
            {"names": ["other"], "privileges": ["monitor"]},
            {"names": [".security*"], "privileges": ["monitor"]}
        ]})),
        // A role whose only group is an explicit denial adds nothing.
        role("c", json!({"indices": [{"names": ["secret"], "privileges": ["none"]}]})),
        // ... but a `none` group next to others is kept (and grants nothing).
        role("d", json!({"indices": [
            {"names": ["nothing"], "privileges": ["none"]},
            {"names": ["logs-*", "metrics-*"], "privileges": ["read"], "field_security": {"grant": ["a*"]}, "query": "{\"term\":{\"q\":1}}"}
        ]})),
    ])
    .unwrap();
    assert_eq!(
        r.user_privileges()["indices"],
        json!([
            {"names": ["logs-*", "metrics-*"], "privileges": ["read", "view_index_metadata"],
             "field_security": [{"grant": ["a*"]}, {"grant": ["b*"], "except": ["b.secret"]}],
             "query": ["{\"term\":{\"q\":1}}", "{\"term\":{\"q\":2}}"],
             "allow_restricted_indices": false},
            // A group without field security or query lifts both restrictions.
            {"names": ["other"], "privileges": ["monitor", "read"], "allow_restricted_indices": false},
            {"names": [".security*"], "privileges": ["monitor"], "allow_restricted_indices": false},
            {"names": ["nothing"], "privileges": ["none"], "allow_restricted_indices": false},
            // Restricted groups come after the others.
            {"names": [".security*"], "privileges": ["read"], "allow_restricted_indices": true}
        ])
    );
    assert!(!r.check_index("indices:data/read/search", "secret"));
    assert!(!r.check_index("indices:data/read/search", "nothing"));
    assert!(r.check_index("indices:monitor/stats", "other"));
    assert!(r.check_index("indices:data/read/search", ".security-7"));
    assert!(!r.check_index("indices:monitor/stats", ".security-7"));
}

#[test]
fn remote_privileges_are_reported_and_grant_nothing_here() {
    let r = Role::build(&[
        role("a", json!({
            "remote_indices": [
                {"clusters": ["eu-*", "us"], "names": ["logs-*"], "privileges": ["read"]},
                {"clusters": ["us", "eu-*"], "names": ["logs-*"], "privileges": ["view_index_metadata"]}
            ],
            "remote_cluster": [{"privileges": ["monitor_enrich"], "clusters": ["eu-*"]}]
        })),
        role("b", json!({
            "remote_indices": [{"clusters": ["*"], "names": ["logs-*"], "privileges": ["read"], "allow_restricted_indices": true}],
            "remote_cluster": [{"privileges": ["monitor_stats"], "clusters": ["*"]}]
        })),
    ])
    .unwrap();
    let p = r.user_privileges();
    assert_eq!(
        p["remote_indices"],
        json!([
            {"names": ["logs-*"], "privileges": ["read", "view_index_metadata"], "allow_restricted_indices": false, "clusters": ["eu-*", "us"]},
            {"names": ["logs-*"], "privileges": ["read"], "allow_restricted_indices": true, "clusters": ["*"]}
        ])
    );
    assert_eq!(
        p["remote_cluster"],
        json!([
            {"privileges": ["monitor_enrich"], "clusters": ["eu-*"]},
            {"privileges": ["monitor_stats"], "clusters": ["*"]}
        ])
    );
    assert_eq!(p["indices"], json!([]));
    assert!(!r.check_index("indices:data/read/search", "logs-1"));
    assert!(!r.check_cluster(
        "cluster:monitor/xpack/enrich/stats",
        ClusterContext::default()
    ));
    // Without remote privileges the fields are left out, as in Elasticsearch.
    let plain = Role::build(&[role("p", json!({"cluster": ["monitor"]}))]).unwrap();
    assert!(plain.user_privileges().get("remote_indices").is_none());
    assert!(plain.user_privileges().get("remote_cluster").is_none());
}

#[test]
fn api_key_permissions_are_the_intersection() {
    let owner = Role::build(&[metricbeat_setup()]).unwrap();
    let key_role = Role::build(&[role(
        "k",
        json!({"cluster": ["all"], "indices": [{"names": ["metricbeat-a*", "other"], "privileges": ["read", "write"]}]}),
    )])
    .unwrap();
    let key = LimitedRole {
        assigned: Some(key_role),
        limited_by: owner.clone(),
    };
    let subject = Subject {
        who: Who::ApiKey {
            id: "id1".into(),
            username: "metricbeat_setup".into(),
        },
        assigned_roles: vec![],
        found_roles: vec![],
    };
    assert!(authorize_bulk_item(&subject, &key, BulkOp::Index, "metricbeat-a1").is_ok());
    assert!(authorize_bulk_item(&subject, &key, BulkOp::Index, "metricbeat-b1").is_err());
    assert!(authorize_bulk_item(&subject, &key, BulkOp::Index, "other").is_err());
    assert!(
        authorize_cluster(
            &subject,
            &key,
            "cluster:admin/ilm/put",
            ClusterContext::default()
        )
        .is_ok()
    );
    assert!(
        authorize_cluster(
            &subject,
            &key,
            "cluster:admin/settings/update",
            ClusterContext::default()
        )
        .is_err()
    );
    let req: HasPrivilegesRequest = serde_json::from_value(json!({"cluster": ["manage_ilm", "all"], "index": [{"names": ["metricbeat-a*"], "privileges": ["write", "manage"]}]})).unwrap();
    let out = has_privileges_limited("metricbeat_setup", &key, &req, &[]).unwrap();
    assert_eq!(out["cluster"], json!({"manage_ilm": true, "all": false}));
    assert_eq!(
        out["index"],
        json!({"metricbeat-a*": {"write": true, "manage": false}})
    );
    assert_eq!(out["has_all_requested"], json!(false));
    // No descriptors on the key: exactly the owner's permissions.
    let plain = LimitedRole {
        assigned: None,
        limited_by: owner,
    };
    assert!(authorize_bulk_item(&subject, &plain, BulkOp::Index, "metricbeat-b1").is_ok());
}

#[test]
fn run_as_denial_message() {
    let r = Role::build(&[role("admin_role", json!({"run_as": ["svc-*"]}))]).unwrap();
    let s = Subject::user("admin", &["admin_role"]);
    assert!(authorize_run_as(&s, &r, "cluster:monitor/main", "svc-1").is_ok());
    assert_eq!(
        authorize_run_as(&s, &r, "cluster:monitor/main", "root")
            .unwrap_err()
            .to_string(),
        "action [cluster:monitor/main] is unauthorized for user [admin] with effective roles [admin_role], because user [admin] is unauthorized to run as [root]"
    );
}

#[test]
fn data_streams_and_mapping_updates() {
    let writer = Role::build(&[metricbeat_writer()]).unwrap();
    let backing = ".ds-metricbeat-8.17.0-2026.11.28-000001";
    assert!(!writer.check_index(BulkOp::Create.item_action(), backing));
    assert!(writer.check_index_in_data_stream(
        BulkOp::Create.item_action(),
        backing,
        Some("metricbeat-8.17.0")
    ));
    // create_doc allows mapping updates on plain indices only, with a deprecation warning.
    assert_eq!(
        writer.check_auto_put_mapping("metricbeat-plain", None),
        MappingUpdate::GrantedDeprecated(
            "the index privilege [create_doc] allowed the update mapping action [indices:admin/mapping/auto_put] on index [metricbeat-plain], this privilege will not permit mapping updates in the next major release - users who require access to update mappings must be granted explicit privileges".into()
        )
    );
    assert_eq!(
        writer.check_auto_put_mapping(backing, Some("metricbeat-8.17.0")),
        MappingUpdate::Denied
    );
    assert_eq!(
        writer.check_auto_put_mapping("logs", None),
        MappingUpdate::Denied
    );
    let setup = Role::build(&[metricbeat_setup()]).unwrap();
    assert_eq!(
        setup.check_auto_put_mapping(backing, Some("metricbeat-8.17.0")),
        MappingUpdate::Granted
    );
}
