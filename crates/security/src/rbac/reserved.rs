//! Elasticsearch's reserved (built-in) roles with their exact definitions
//! (`ReservedRolesStore`, 8.x) and the reserved users with their roles. Every reserved role
//! carries metadata `{"_reserved": true}`; none can be created, changed or deleted.

use serde_json::{Value, json};

use super::descriptor::{
    ApplicationPrivileges, IndicesPrivileges, RemoteClusterPrivileges, RemoteIndicesPrivileges,
    RoleDescriptor,
};

/// Names of every reserved role, sorted.
pub const RESERVED_ROLE_NAMES: &[&str] = &[
    "apm_system",
    "apm_user",
    "beats_admin",
    "beats_system",
    "data_frame_transforms_admin",
    "data_frame_transforms_user",
    "editor",
    "enrich_user",
    "inference_admin",
    "inference_user",
    "ingest_admin",
    "kibana_admin",
    "kibana_system",
    "kibana_user",
    "logstash_admin",
    "logstash_system",
    "machine_learning_admin",
    "machine_learning_user",
    "monitoring_user",
    "remote_monitoring_agent",
    "remote_monitoring_collector",
    "reporting_user",
    "rollup_admin",
    "rollup_user",
    "snapshot_user",
    "superuser",
    "transform_admin",
    "transform_user",
    "transport_client",
    "viewer",
    "watcher_admin",
    "watcher_user",
];

/// Whether `name` is a reserved role.
pub fn is_reserved_role(name: &str) -> bool {
    RESERVED_ROLE_NAMES.binary_search(&name).is_ok()
}

fn base(name: &str) -> RoleDescriptor {
    let mut r = RoleDescriptor::new(name);
    r.metadata.insert("_reserved".into(), Value::Bool(true));
    r
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn group(names: &[&str], privileges: &[&str], allow_restricted: bool) -> IndicesPrivileges {
    IndicesPrivileges {
        names: strings(names),
        privileges: strings(privileges),
        field_security: None,
        query: None,
        allow_restricted_indices: allow_restricted,
    }
}

fn app(application: &str, privileges: &[&str], resources: &[&str]) -> ApplicationPrivileges {
    ApplicationPrivileges {
        application: application.into(),
        privileges: strings(privileges),
        resources: strings(resources),
    }
}

fn with(
    name: &str,
    cluster: &[&str],
    indices: Vec<IndicesPrivileges>,
    applications: Vec<ApplicationPrivileges>,
) -> RoleDescriptor {
    let mut r = base(name);
    r.cluster = strings(cluster);
    r.indices = indices;
    r.applications = applications;
    r
}

/// The "stack data" regex the `viewer` and `editor` roles read: every name not starting
/// with `.` or `ilm-history-`.
const STACK_DATA: &str = "/~(([.]|ilm-history-).*)/";
const SECURITY_SOLUTION: &[&str] = &[
    ".siem-signals*",
    ".lists-*",
    ".items-*",
    ".alerts*",
    ".internal.alerts*",
    ".preview.alerts*",
    ".internal.preview.alerts*",
];

/// The reserved role called `name`, with its exact definition.
pub fn reserved_role(name: &str) -> Option<RoleDescriptor> {
    let r = match name {
        "superuser" => {
            let mut r = with(
                name,
                &["all"],
                vec![
                    group(&["*"], &["all"], false),
                    group(
                        &["*"],
                        &[
                            "monitor",
                            "read",
                            "view_index_metadata",
                            "read_cross_cluster",
                        ],
                        true,
                    ),
                ],
                vec![app("*", &["*"], &["*"])],
            );
            r.run_as = strings(&["*"]);
            r.remote_indices = vec![
                RemoteIndicesPrivileges {
                    clusters: strings(&["*"]),
                    group: group(&["*"], &["all"], false),
                },
                RemoteIndicesPrivileges {
                    clusters: strings(&["*"]),
                    group: group(
                        &["*"],
                        &[
                            "monitor",
                            "read",
                            "view_index_metadata",
                            "read_cross_cluster",
                        ],
                        true,
                    ),
                },
            ];
            r.remote_cluster = vec![RemoteClusterPrivileges {
                privileges: strings(&["monitor_enrich", "monitor_stats"]),
                clusters: strings(&["*"]),
            }];
            r
        }
        "kibana_admin" | "kibana_user" => with(
            name,
            &[],
            vec![],
            vec![app("kibana-.kibana", &["all"], &["*"])],
        ),
        "kibana_system" => kibana_system(),
        "ingest_admin" => with(
            name,
            &["manage_index_templates", "manage_pipeline"],
            vec![],
            vec![],
        ),
        "monitoring_user" => with(
            name,
            &[
                "cluster:monitor/main",
                "cluster:monitor/xpack/info",
                "cluster:monitor/remote/info",
            ],
            vec![group(
                &[
                    ".monitoring-*",
                    "/metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*/",
                    "metricbeat-*",
                ],
                &["read", "read_cross_cluster"],
                false,
            )],
            vec![app("kibana-*", &["reserved_monitoring"], &["*"])],
        ),
        "remote_monitoring_collector" => with(
            name,
            &["monitor"],
            vec![
                group(&["*"], &["monitor"], true),
                group(&[".kibana*"], &["read"], true),
            ],
            vec![],
        ),
        "remote_monitoring_agent" => with(
            name,
            &[
                "manage_index_templates",
                "manage_ingest_pipelines",
                "monitor",
                "cluster:admin/ilm/get",
                "cluster:admin/ilm/put",
                "cluster:monitor/xpack/watcher/watch/get",
                "cluster:admin/xpack/watcher/watch/put",
                "cluster:admin/xpack/watcher/watch/delete",
            ],
            vec![
                group(&[".monitoring-*"], &["all"], false),
                group(
                    &["metricbeat-*"],
                    &[
                        "index",
                        "create_index",
                        "view_index_metadata",
                        "indices:admin/aliases",
                        "indices:admin/rollover",
                    ],
                    false,
                ),
            ],
            vec![],
        ),
        "beats_admin" => with(
            name,
            &[],
            vec![group(&[".management-beats"], &["all"], false)],
            vec![],
        ),
        "beats_system" => with(
            name,
            &["monitor", "cluster:admin/xpack/monitoring/bulk"],
            vec![group(
                &[".monitoring-beats-*"],
                &["create_index", "create"],
                false,
            )],
            vec![],
        ),
        "apm_system" => with(
            name,
            &["monitor", "cluster:admin/xpack/monitoring/bulk"],
            vec![group(
                &[".monitoring-beats-*"],
                &["create_index", "create_doc"],
                false,
            )],
            vec![],
        ),
        "logstash_system" => with(
            name,
            &["monitor", "cluster:admin/xpack/monitoring/bulk"],
            vec![],
            vec![],
        ),
        "viewer" => with(
            name,
            &[],
            vec![
                group(&[STACK_DATA], &["read", "view_index_metadata"], false),
                group(
                    &[".slo-observability.*"],
                    &["read", "view_index_metadata"],
                    false,
                ),
                group(SECURITY_SOLUTION, &["read", "view_index_metadata"], false),
                group(
                    &["profiling-*", ".profiling-*"],
                    &["read", "view_index_metadata"],
                    false,
                ),
            ],
            vec![app("kibana-.kibana", &["read"], &["*"])],
        ),
        "editor" => with(
            name,
            &[],
            vec![
                group(&[STACK_DATA], &["read", "view_index_metadata"], false),
                group(
                    &["observability-annotations"],
                    &["read", "view_index_metadata", "write"],
                    false,
                ),
                group(
                    &[".slo-observability.*"],
                    &["read", "view_index_metadata", "write", "manage"],
                    false,
                ),
                group(
                    SECURITY_SOLUTION,
                    &["read", "view_index_metadata", "write", "maintenance"],
                    false,
                ),
                group(
                    &["profiling-*", ".profiling-*"],
                    &["read", "view_index_metadata"],
                    false,
                ),
            ],
            vec![app("kibana-.kibana", &["all"], &["*"])],
        ),
        "transport_client" => with(name, &["transport_client"], vec![], vec![]),
        "reporting_user" => with(name, &[], vec![], vec![]),
        "machine_learning_user" => with(
            name,
            &["monitor_ml"],
            vec![group(
                &[".ml-anomalies*", ".ml-notifications*"],
                &["read", "view_index_metadata"],
                false,
            )],
            vec![app("kibana-.kibana", &["feature_ml.read"], &["*"])],
        ),
        "machine_learning_admin" => with(
            name,
            &["manage_ml"],
            vec![
                group(
                    &[
                        ".ml-anomalies*",
                        ".ml-notifications*",
                        ".ml-state*",
                        ".ml-meta*",
                        ".ml-stats-*",
                    ],
                    &["read", "view_index_metadata"],
                    true,
                ),
                group(&[".ml-annotations*"], &["read", "write"], false),
            ],
            vec![app("kibana-.kibana", &["feature_ml.all"], &["*"])],
        ),
        "transform_user" | "data_frame_transforms_user" => with(
            name,
            &["monitor_transform"],
            vec![group(
                &[".transform-notifications*", ".data-frame-notifications*"],
                &["read", "view_index_metadata"],
                true,
            )],
            vec![],
        ),
        "transform_admin" | "data_frame_transforms_admin" => with(
            name,
            &["manage_transform"],
            vec![group(
                &[".transform-notifications*", ".data-frame-notifications*"],
                &["read", "view_index_metadata"],
                true,
            )],
            vec![],
        ),
        "watcher_user" => with(
            name,
            &["monitor_watcher"],
            vec![
                group(&[".watches"], &["read"], true),
                group(&[".watcher-history-*"], &["read"], false),
            ],
            vec![],
        ),
        "watcher_admin" => with(
            name,
            &["manage_watcher"],
            vec![group(
                &[".watches", ".triggered_watches", ".watcher-history-*"],
                &["read"],
                true,
            )],
            vec![],
        ),
        "logstash_admin" => with(
            name,
            &["manage_logstash_pipelines"],
            vec![group(
                &[".logstash*"],
                &["create", "delete", "index", "manage", "read"],
                true,
            )],
            vec![],
        ),
        "rollup_user" => with(name, &["monitor_rollup"], vec![], vec![]),
        "rollup_admin" => with(name, &["manage_rollup"], vec![], vec![]),
        "snapshot_user" => with(
            name,
            &["create_snapshot", "cluster:admin/repository/get"],
            vec![group(&["*"], &["view_index_metadata"], true)],
            vec![],
        ),
        "enrich_user" => with(
            name,
            &["manage_enrich", "manage_ingest_pipelines", "monitor"],
            vec![group(&[".enrich-*"], &["manage", "read"], false)],
            vec![],
        ),
        "inference_user" => with(name, &["monitor_inference"], vec![], vec![]),
        "inference_admin" => with(name, &["manage_inference"], vec![], vec![]),
        "apm_user" => with(
            name,
            &[],
            vec![
                group(&["apm-*"], &["read", "view_index_metadata"], false),
                group(&[".ml-anomalies*"], &["view_index_metadata", "read"], false),
                group(
                    &[
                        "logs-apm.*",
                        "logs-apm-*",
                        "metrics-apm.*",
                        "metrics-apm-*",
                        "traces-apm.*",
                        "traces-apm-*",
                    ],
                    &["read", "view_index_metadata"],
                    false,
                ),
            ],
            vec![app("kibana-.kibana", &["reserved_ml_apm_user"], &["*"])],
        ),
        _ => return None,
    };
    Some(r)
}

/// Kibana's own user. The list is Elasticsearch's core of `KibanaOwnedReservedRoleDescriptors`;
/// the long tail of Fleet/Endpoint/ML patterns grows per version.
fn kibana_system() -> RoleDescriptor {
    let mut r = with(
        "kibana_system",
        &[
            "monitor",
            "manage_index_templates",
            "manage_inference",
            "cluster:admin/xpack/monitoring/bulk",
            "manage_saml",
            "manage_token",
            "manage_oidc",
            "manage_enrich",
            "manage_pipeline",
            "manage_ilm",
            "monitor_connector",
            "manage_transform",
            "cluster:admin/xpack/security/api_key/invalidate",
            "grant_api_key",
            "manage_own_api_key",
            "cluster:admin/xpack/security/privilege/builtin/get",
            "delegate_pki",
            "cluster:admin/xpack/security/profile/get",
            "cluster:admin/xpack/security/profile/activate",
            "cluster:admin/xpack/security/profile/suggest",
            "cluster:admin/xpack/security/profile/has_privileges",
            "write_fleet_secrets",
            "manage_ml",
            "cluster:admin/analyze",
            "monitor_text_structure",
            "cancel_task",
        ],
        vec![
            group(&[".kibana*", ".reporting-*"], &["all"], true),
            group(&[".monitoring-*"], &["read", "read_cross_cluster"], false),
            group(
                &[".management-beats"],
                &["create_index", "read", "write"],
                false,
            ),
            group(&["*"], &["view_index_metadata", "monitor"], false),
            group(
                &[
                    ".apm-agent-configuration",
                    ".apm-custom-link",
                    ".apm-source-map",
                ],
                &["all"],
                true,
            ),
            group(
                &["apm-*", "logs-apm.*", "metrics-apm.*", "traces-apm*"],
                &["read", "read_cross_cluster"],
                false,
            ),
            group(&[".fleet-*"], &["all"], true),
            group(
                &[
                    ".alerts*",
                    ".internal.alerts*",
                    ".siem-signals*",
                    ".lists-*",
                    ".items-*",
                ],
                &["all"],
                false,
            ),
            group(
                &[".preview.alerts*", ".internal.preview.alerts*"],
                &["all"],
                false,
            ),
            group(&[".ml-anomalies*", ".ml-stats-*"], &["read"], true),
            group(
                &[".ml-annotations*", ".ml-notifications*"],
                &["read", "write"],
                true,
            ),
            group(
                &[
                    "logs-*",
                    "metrics-*",
                    "traces-*",
                    "synthetics-*",
                    "profiling-*",
                ],
                &["view_index_metadata", "read"],
                false,
            ),
        ],
        vec![],
    );
    r.global = Some(json!({
        "application": {"manage": {"applications": ["kibana-*"]}},
        "profile": {"write": {"applications": ["kibana*"]}}
    }));
    r
}

/// The service accounts of the `elastic` namespace, sorted (`ElasticServiceAccounts`, 8.x).
pub const SERVICE_ACCOUNTS: &[&str] = &[
    "elastic/auto-ops",
    "elastic/fleet-server",
    "elastic/fleet-server-remote",
    "elastic/kibana",
];

/// The fixed role descriptor of a service account (named after it, as Elasticsearch names
/// them); `None` for a principal that is not a service account.
pub fn service_account_descriptor(principal: &str) -> Option<RoleDescriptor> {
    let plain = |cluster: &[&str], indices, applications| {
        let mut r = RoleDescriptor::new(principal);
        r.cluster = strings(cluster);
        r.indices = indices;
        r.applications = applications;
        r
    };
    // Fleet's own indices: Fleet Server refreshes them, hence `maintenance`.
    const FLEET_INDEX: &[&str] = &[
        "read",
        "write",
        "monitor",
        "create_index",
        "auto_configure",
        "maintenance",
    ];
    const CONNECTOR: &[&str] = &[
        "read",
        "write",
        "monitor",
        "create_index",
        "auto_configure",
        "maintenance",
        "view_index_metadata",
    ];
    let r = match principal {
        "elastic/auto-ops" => plain(
            &["monitor", "read_ilm", "read_slm"],
            vec![group(&["*"], &["monitor", "view_index_metadata"], true)],
            vec![],
        ),
        "elastic/fleet-server" => {
            let mut indices = vec![
                group(
                    &[
                        "logs-*",
                        "metrics-*",
                        "traces-*",
                        ".logs-endpoint.diagnostic.collection-*",
                        ".logs-endpoint.action.responses-*",
                        ".logs-endpoint.heartbeat-*",
                    ],
                    &["write", "create_index", "auto_configure"],
                    false,
                ),
                group(&["profiling-*"], &["read", "write"], false),
                group(
                    &["traces-apm.sampled-*"],
                    &["read", "monitor", "maintenance"],
                    false,
                ),
                group(&[".fleet-secrets*"], &["read"], true),
            ];
            for fleet in [
                ".fleet-actions*",
                ".fleet-agents*",
                ".fleet-artifacts*",
                ".fleet-enrollment-api-keys*",
                ".fleet-policies*",
                ".fleet-policies-leader*",
                ".fleet-servers*",
                ".fleet-fileds*",
            ] {
                indices.push(group(&[fleet], FLEET_INDEX, true));
            }
            indices.push(group(
                &["synthetics-*"],
                &["read", "write", "create_index", "auto_configure"],
                false,
            ));
            indices.push(group(&[".elastic-connectors*"], CONNECTOR, false));
            indices.push(group(
                &["content-*", ".search-acl-filter-*"],
                CONNECTOR,
                false,
            ));
            indices.push(group(&["agentless-*"], CONNECTOR, false));
            plain(
                &[
                    "monitor",
                    "manage_own_api_key",
                    "read_fleet_secrets",
                    "cluster:admin/xpack/connector/*",
                ],
                indices,
                vec![app("kibana-*", &["reserved_fleet-setup"], &["*"])],
            )
        }
        "elastic/fleet-server-remote" => plain(
            &["monitor", "manage_own_api_key"],
            vec![group(
                &["logs-*", "metrics-*", "traces-*"],
                &["write", "create_index", "auto_configure"],
                false,
            )],
            vec![],
        ),
        // Kibana's account has exactly the `kibana_system` role's privileges.
        "elastic/kibana" => {
            let mut r = kibana_system();
            r.name = principal.to_string();
            r
        }
        _ => return None,
    };
    Some(r)
}

/// Every reserved role, in name order.
pub fn reserved_roles() -> Vec<RoleDescriptor> {
    RESERVED_ROLE_NAMES
        .iter()
        .filter_map(|n| reserved_role(n))
        .collect()
}

/// A reserved user of the reserved realm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservedUser {
    /// User name.
    pub username: &'static str,
    /// Roles it always has.
    pub roles: &'static [&'static str],
    /// Deprecated (`kibana`): a warning is emitted when it is used.
    pub deprecated: bool,
}

/// The reserved users, in Elasticsearch's listing order.
pub const RESERVED_USERS: &[ReservedUser] = &[
    ReservedUser {
        username: "elastic",
        roles: &["superuser"],
        deprecated: false,
    },
    ReservedUser {
        username: "kibana",
        roles: &["kibana_system"],
        deprecated: true,
    },
    ReservedUser {
        username: "kibana_system",
        roles: &["kibana_system"],
        deprecated: false,
    },
    ReservedUser {
        username: "logstash_system",
        roles: &["logstash_system"],
        deprecated: false,
    },
    ReservedUser {
        username: "beats_system",
        roles: &["beats_system"],
        deprecated: false,
    },
    ReservedUser {
        username: "apm_system",
        roles: &["apm_system"],
        deprecated: false,
    },
    ReservedUser {
        username: "remote_monitoring_user",
        roles: &["remote_monitoring_collector", "remote_monitoring_agent"],
        deprecated: false,
    },
];

/// The reserved user called `name`.
pub fn reserved_user(name: &str) -> Option<&'static ReservedUser> {
    RESERVED_USERS.iter().find(|u| u.username == name)
}

#[cfg(test)]
#[path = "reserved_tests.rs"]
mod tests;
