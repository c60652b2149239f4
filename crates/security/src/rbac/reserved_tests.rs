use serde_json::json;

use super::*;
use crate::rbac::permission::Role;

#[test]
fn every_reserved_role_is_defined_valid_and_reserved() {
    assert!(RESERVED_ROLE_NAMES.windows(2).all(|w| w[0] < w[1]));
    for name in RESERVED_ROLE_NAMES {
        let role = reserved_role(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(role.name, *name);
        assert_eq!(role.metadata.get("_reserved"), Some(&json!(true)), "{name}");
        // Definitions must compile (privilege names and patterns are valid).
        let mut clean = role.clone();
        clean.metadata.clear();
        clean
            .validate(|_| false)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        Role::build(std::slice::from_ref(&role)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(is_reserved_role(name));
    }
    assert!(reserved_role("metricbeat_writer").is_none());
    assert!(!is_reserved_role("metricbeat_writer"));
}

fn get_shape(name: &str) -> serde_json::Value {
    reserved_role(name).unwrap().to_json()
}

#[test]
fn definitions_match_the_spec() {
    assert_eq!(
        get_shape("superuser")["indices"],
        json!([
            {"names": ["*"], "privileges": ["all"], "allow_restricted_indices": false},
            {"names": ["*"], "privileges": ["monitor", "read", "view_index_metadata", "read_cross_cluster"], "allow_restricted_indices": true}
        ])
    );
    assert_eq!(get_shape("superuser")["cluster"], json!(["all"]));
    assert_eq!(get_shape("superuser")["run_as"], json!(["*"]));
    assert_eq!(
        get_shape("superuser")["applications"],
        json!([{"application": "*", "privileges": ["*"], "resources": ["*"]}])
    );
    assert_eq!(
        get_shape("kibana_admin"),
        json!({"cluster": [], "indices": [], "applications": [{"application": "kibana-.kibana", "privileges": ["all"], "resources": ["*"]}], "run_as": [], "metadata": {"_reserved": true}, "transient_metadata": {"enabled": true}})
    );
    assert_eq!(
        get_shape("ingest_admin")["cluster"],
        json!(["manage_index_templates", "manage_pipeline"])
    );
    assert_eq!(get_shape("ingest_admin")["indices"], json!([]));
    let mu = get_shape("monitoring_user");
    assert_eq!(
        mu["cluster"],
        json!([
            "cluster:monitor/main",
            "cluster:monitor/xpack/info",
            "cluster:monitor/remote/info"
        ])
    );
    assert_eq!(
        mu["indices"],
        json!([{"names": [".monitoring-*", "/metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*/", "metricbeat-*"], "privileges": ["read", "read_cross_cluster"], "allow_restricted_indices": false}])
    );
    assert_eq!(
        mu["applications"],
        json!([{"application": "kibana-*", "privileges": ["reserved_monitoring"], "resources": ["*"]}])
    );
    let rmc = get_shape("remote_monitoring_collector");
    assert_eq!(rmc["cluster"], json!(["monitor"]));
    assert_eq!(
        rmc["indices"],
        json!([
            {"names": ["*"], "privileges": ["monitor"], "allow_restricted_indices": true},
            {"names": [".kibana*"], "privileges": ["read"], "allow_restricted_indices": true}
        ])
    );
    let rma = get_shape("remote_monitoring_agent");
    assert_eq!(
        rma["cluster"],
        json!([
            "manage_index_templates",
            "manage_ingest_pipelines",
            "monitor",
            "cluster:admin/ilm/get",
            "cluster:admin/ilm/put",
            "cluster:monitor/xpack/watcher/watch/get",
            "cluster:admin/xpack/watcher/watch/put",
            "cluster:admin/xpack/watcher/watch/delete"
        ])
    );
    assert_eq!(
        rma["indices"],
        json!([
            {"names": [".monitoring-*"], "privileges": ["all"], "allow_restricted_indices": false},
            {"names": ["metricbeat-*"], "privileges": ["index", "create_index", "view_index_metadata", "indices:admin/aliases", "indices:admin/rollover"], "allow_restricted_indices": false}
        ])
    );
    assert_eq!(
        get_shape("beats_admin")["indices"],
        json!([{"names": [".management-beats"], "privileges": ["all"], "allow_restricted_indices": false}])
    );
    let bs = get_shape("beats_system");
    assert_eq!(
        bs["cluster"],
        json!(["monitor", "cluster:admin/xpack/monitoring/bulk"])
    );
    assert_eq!(
        bs["indices"],
        json!([{"names": [".monitoring-beats-*"], "privileges": ["create_index", "create"], "allow_restricted_indices": false}])
    );
    let apm = get_shape("apm_system");
    assert_eq!(
        apm["indices"],
        json!([{"names": [".monitoring-beats-*"], "privileges": ["create_index", "create_doc"], "allow_restricted_indices": false}])
    );
    assert_eq!(
        get_shape("logstash_system")["cluster"],
        json!(["monitor", "cluster:admin/xpack/monitoring/bulk"])
    );
    assert_eq!(get_shape("logstash_system")["indices"], json!([]));
    let viewer = get_shape("viewer");
    assert_eq!(
        viewer["indices"][0]["names"],
        json!(["/~(([.]|ilm-history-).*)/"])
    );
    assert_eq!(
        viewer["applications"],
        json!([{"application": "kibana-.kibana", "privileges": ["read"], "resources": ["*"]}])
    );
    assert_eq!(
        get_shape("editor")["applications"][0]["privileges"],
        json!(["all"])
    );
    assert_eq!(
        get_shape("transport_client")["cluster"],
        json!(["transport_client"])
    );
    assert_eq!(
        get_shape("logstash_admin")["indices"][0]["privileges"],
        json!(["create", "delete", "index", "manage", "read"])
    );
    assert_eq!(
        get_shape("snapshot_user")["indices"],
        json!([{"names": ["*"], "privileges": ["view_index_metadata"], "allow_restricted_indices": true}])
    );
    let ks = get_shape("kibana_system");
    for p in [
        "monitor",
        "manage_index_templates",
        "cluster:admin/xpack/monitoring/bulk",
        "manage_token",
        "manage_own_api_key",
        "grant_api_key",
        "delegate_pki",
        "cancel_task",
    ] {
        assert!(ks["cluster"].as_array().unwrap().contains(&json!(p)), "{p}");
    }
    assert_eq!(
        ks["indices"][0],
        json!({"names": [".kibana*", ".reporting-*"], "privileges": ["all"], "allow_restricted_indices": true})
    );
}

#[test]
fn reserved_users() {
    let names: Vec<&str> = RESERVED_USERS.iter().map(|u| u.username).collect();
    assert_eq!(
        names,
        [
            "elastic",
            "kibana",
            "kibana_system",
            "logstash_system",
            "beats_system",
            "apm_system",
            "remote_monitoring_user"
        ]
    );
    assert_eq!(reserved_user("elastic").unwrap().roles, ["superuser"]);
    assert_eq!(
        reserved_user("remote_monitoring_user").unwrap().roles,
        ["remote_monitoring_collector", "remote_monitoring_agent"]
    );
    assert!(reserved_user("kibana").unwrap().deprecated);
    assert!(reserved_user("joe").is_none());
    for u in RESERVED_USERS {
        for r in u.roles {
            assert!(is_reserved_role(r), "{r}");
        }
    }
}
