use super::*;

#[test]
fn builtin_counts_and_names_match_elasticsearch_8_18() {
    // The 62 names of `GET /_security/privilege/_builtin` in the 8.18 reference.
    assert_eq!(ClusterPrivilege::VALUES.len(), 62);
    assert_eq!(IndexPrivilege::VALUES.len(), 22);
    let cluster = ClusterPrivilege::sorted_names();
    assert_eq!(cluster.first(), Some(&"all"));
    assert_eq!(cluster.last(), Some(&"write_fleet_secrets"));
    assert!(cluster.windows(2).all(|w| w[0] < w[1]), "names are unique");
    let index = IndexPrivilege::sorted_names();
    assert_eq!(
        index,
        vec![
            "all",
            "auto_configure",
            "create",
            "create_doc",
            "create_index",
            "cross_cluster_replication",
            "cross_cluster_replication_internal",
            "delete",
            "delete_index",
            "index",
            "maintenance",
            "manage",
            "manage_data_stream_lifecycle",
            "manage_follow_index",
            "manage_ilm",
            "manage_leader_index",
            "monitor",
            "none",
            "read",
            "read_cross_cluster",
            "view_index_metadata",
            "write",
        ]
    );
}

#[test]
fn cluster_privilege_patterns() {
    use ClusterPrivilege::*;
    let cases: &[(ClusterPrivilege, &str, bool)] = &[
        (Monitor, "cluster:monitor/main", true),
        (Monitor, "cluster:monitor/health", true),
        (Monitor, "indices:admin/index_template/get", true),
        (Monitor, "indices:admin/index_template/put", false),
        (Monitor, "cluster:admin/settings/update", false),
        (Manage, "cluster:admin/settings/update", true),
        (Manage, "indices:admin/index_template/put", true),
        (Manage, "cluster:admin/xpack/security/user/put", false),
        (All, "cluster:admin/xpack/security/user/put", true),
        (
            ManageSecurity,
            "cluster:admin/xpack/security/role/put",
            true,
        ),
        (
            ManageSecurity,
            "cluster:admin/xpack/security/delegate_pki",
            true,
        ),
        (ManageSecurity, "cluster:monitor/main", false),
        (ManageIlm, "cluster:admin/ilm/put", true),
        (ReadIlm, "cluster:admin/ilm/get", true),
        (ReadIlm, "cluster:admin/ilm/operation_mode/get", true),
        (ReadIlm, "cluster:admin/ilm/put", false),
        (
            ManageIndexTemplates,
            "cluster:admin/component_template/put",
            true,
        ),
        (ManageIndexTemplates, "indices:admin/template/put", true),
        (ManagePipeline, "cluster:admin/ingest/pipeline/put", true),
        (
            ManageIngestPipelines,
            "cluster:admin/ingest/pipeline/delete",
            true,
        ),
        (ReadPipeline, "cluster:admin/ingest/pipeline/put", false),
        (
            ManageApiKey,
            "cluster:admin/xpack/security/api_key/invalidate",
            true,
        ),
        (
            GrantApiKey,
            "cluster:admin/xpack/security/api_key/grant",
            true,
        ),
        (
            GrantApiKey,
            "cluster:admin/xpack/security/api_key/create",
            false,
        ),
        (ReadSecurity, "cluster:admin/xpack/security/role/get", true),
        (ReadSecurity, "cluster:admin/xpack/security/role/put", false),
        (
            ManageServiceAccount,
            "cluster:admin/xpack/security/service_account/token/create",
            true,
        ),
        (
            ManageToken,
            "cluster:admin/xpack/security/token/create",
            true,
        ),
        (TransportClient, "cluster:monitor/state", true),
        (TransportClient, "cluster:monitor/health", false),
        (CancelTask, "cluster:admin/tasks/cancel", true),
        (MonitorMl, "cluster:monitor/xpack/ml/job/get", true),
        (ManageConnector, "cluster:admin/xpack/connector/put", true),
        (
            ManageConnector,
            "cluster:admin/xpack/connector/secret/get",
            false,
        ),
        (
            ManageDataStreamGlobalRetention,
            "cluster:admin/anything",
            false,
        ),
        (None, "cluster:monitor/main", false),
    ];
    for (p, action, expected) in cases {
        assert_eq!(p.grants(action), *expected, "{p} on {action}");
    }
}

#[test]
fn index_privilege_patterns() {
    use IndexPrivilege::*;
    let cases: &[(IndexPrivilege, &str, bool)] = &[
        (CreateDoc, "indices:data/write/index", true),
        (CreateDoc, "indices:data/write/index:op_type/create", true),
        (CreateDoc, "indices:data/write/index:op_type/index", false),
        (CreateDoc, "indices:data/write/bulk[s]", true),
        (CreateDoc, "indices:data/write/update", false),
        (Create, "indices:data/write/index:op_type/index", true),
        (Index, "indices:data/write/update", true),
        (Delete, "indices:data/write/delete", true),
        (Delete, "indices:data/write/index", false),
        (Write, "indices:admin/mapping/auto_put", true),
        (Write, "indices:data/write/delete/byquery", true),
        (Read, "indices:data/read/search", true),
        (Read, "indices:admin/mappings/get", false),
        (ViewIndexMetadata, "indices:admin/mappings/get", true),
        (ViewIndexMetadata, "indices:data/read/field_caps", true),
        (ViewIndexMetadata, "indices:data/read/search", false),
        (Manage, "indices:admin/create", true),
        (Manage, "indices:monitor/stats", true),
        (Manage, "indices:data/read/search", false),
        (CreateIndex, "indices:admin/auto_create", true),
        (CreateIndex, "indices:admin/data_stream/create", true),
        (CreateIndex, "indices:admin/delete", false),
        (DeleteIndex, "indices:admin/delete", true),
        (Maintenance, "indices:admin/refresh", true),
        (Maintenance, "indices:admin/forcemerge", true),
        (AutoConfigure, "indices:admin/auto_create", true),
        (ManageIlm, "indices:admin/ilm/remove_policy", true),
        (ManageFollowIndex, "indices:admin/rollover", true),
        (
            ManageDataStreamLifecycle,
            "indices:admin/data_stream/lifecycle/put",
            true,
        ),
        (
            ReadCrossCluster,
            "internal:transport/proxy/indices:data/read/search",
            true,
        ),
        (Monitor, "indices:monitor/stats", true),
        (All, "indices:anything", true),
        (None, "indices:data/read/search", false),
    ];
    for (p, action, expected) in cases {
        assert_eq!(p.grants(action), *expected, "{p} on {action}");
    }
}

#[test]
fn granting_lists_match_elasticsearch_messages() {
    let names = |v: Vec<ClusterPrivilege>| v.iter().map(|p| p.name()).collect::<Vec<_>>().join(",");
    let inames = |v: Vec<IndexPrivilege>| v.iter().map(|p| p.name()).collect::<Vec<_>>().join(",");
    assert_eq!(
        names(ClusterPrivilege::granting(
            "cluster:admin/xpack/security/api_key/invalidate"
        )),
        "manage_api_key,manage_security,all"
    );
    assert_eq!(
        names(ClusterPrivilege::granting(
            "cluster:admin/xpack/security/api_key/grant"
        )),
        "grant_api_key,manage_api_key,manage_security,all"
    );
    assert_eq!(
        names(ClusterPrivilege::granting(
            "cluster:admin/xpack/security/user/delete"
        )),
        "manage_security,all"
    );
    assert_eq!(
        names(ClusterPrivilege::granting("cluster:monitor/main")),
        "monitor,manage,all"
    );
    assert_eq!(
        inames(IndexPrivilege::granting("indices:admin/create")),
        "create_index,manage,all"
    );
    assert_eq!(
        inames(IndexPrivilege::granting("indices:data/write/bulk[s]")),
        "create_doc,create,delete,index,write,all"
    );
    assert_eq!(
        inames(IndexPrivilege::granting(
            "indices:data/write/delete/byquery"
        )),
        "delete,write,all"
    );
}

#[test]
fn resolve_named_raw_and_unknown() {
    assert_eq!(
        ClusterPrivilegeName::resolve("MONITOR").unwrap(),
        ClusterPrivilegeName::Named(ClusterPrivilege::Monitor)
    );
    let raw = ClusterPrivilegeName::resolve("cluster:monitor/main").unwrap();
    assert_eq!(
        raw,
        ClusterPrivilegeName::Action("cluster:monitor/main".into())
    );
    assert!(raw.automaton().matches("cluster:monitor/main"));
    assert!(raw.automaton().matches("cluster:monitor/main/extra"));
    assert!(!raw.automaton().matches("cluster:monitor/health"));
    // Index actions are not cluster privileges.
    let err = ClusterPrivilegeName::resolve("indices:data/read/search").unwrap_err();
    assert_eq!(
        err.error_type,
        ironstack_types::EsErrorType::IllegalArgument
    );
    assert!(err.reason.starts_with(
        "unknown cluster privilege [indices:data/read/search]. a privilege must be either one of the predefined cluster privilege names [manage_data_stream_global_retention,monitor_data_stream_global_retention,none,"
    ));
    assert!(
        err.reason
            .ends_with(",all] or a pattern over one of the available cluster actions")
    );
    let err = IndexPrivilegeName::resolve("foo").unwrap_err();
    assert_eq!(
        err.reason,
        format!(
            "unknown index privilege [foo]. a privilege must be either one of the predefined fixed indices privileges [{}] or a pattern over one of the available index actions",
            IndexPrivilege::sorted_names().join(",")
        )
    );
    assert_eq!(
        IndexPrivilegeName::resolve("indices:data/read/*").unwrap(),
        IndexPrivilegeName::Action("indices:data/read/*".into())
    );
}

#[test]
fn implication_and_conditional_privileges() {
    use ClusterPrivilege::*;
    assert!(All.implies(Manage));
    assert!(Manage.implies(Monitor));
    assert!(!Manage.implies(ManageSecurity));
    assert!(ManageApiKey.implies(ManageOwnApiKey));
    assert!(!ManageOwnApiKey.implies(ManageApiKey));
    assert!(ManageIlm.implies(ReadIlm));
    assert!(
        !ClusterPrivilege::granting("cluster:admin/xpack/security/api_key/create")
            .contains(&ManageOwnApiKey)
    );
    // None implies nothing but itself and is implied by all.
    assert!(All.implies(None));
    // The privileges granting nothing imply only each other, so they sort first.
    assert_eq!(
        &ClusterPrivilege::by_access_level()[..3],
        &[
            ManageDataStreamGlobalRetention,
            MonitorDataStreamGlobalRetention,
            None
        ]
    );
}

#[test]
fn builtin_response() {
    let b = builtin_privileges();
    assert_eq!(b["cluster"].as_array().unwrap().len(), 62);
    assert_eq!(b["index"].as_array().unwrap().len(), 22);
    assert_eq!(b["cluster"][0], "all");
    assert_eq!(
        b["remote_cluster"],
        serde_json::json!(["monitor_enrich", "monitor_stats"])
    );
}
