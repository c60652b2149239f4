//! Named cluster and index privileges (Elasticsearch 8.18's `ClusterPrivilegeResolver` and
//! `IndexPrivilege`), each resolving to the exact action patterns it grants, plus the raw
//! action patterns roles may name instead (`cluster:monitor/main` grants
//! `cluster:monitor/main*`). Handlers work with these enums, never with privilege strings.

use std::fmt;
use std::sync::OnceLock;

use super::automaton::Automaton;
use super::error::RoleError;

macro_rules! privileges {
    (
        $(#[$meta:meta])* $vis:vis enum $name:ident {
            $( $(#[$vdoc:meta])* $variant:ident = $text:literal => [$($inc:expr),* $(,)?] $(minus [$($exc:expr),* $(,)?])? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vdoc])* $variant, )*
        }

        impl $name {
            /// Every privilege, in declaration order.
            pub const VALUES: &'static [$name] = &[$($name::$variant),*];

            /// Elasticsearch's name.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// The action patterns granted.
            pub fn patterns(self) -> &'static [&'static str] {
                match self { $($name::$variant => &[$($inc),*],)* }
            }

            /// Action patterns carved out of [`Self::patterns`].
            pub fn excluded_patterns(self) -> &'static [&'static str] {
                match self { $($name::$variant => &[$($($exc),*)?],)* }
            }

            /// The privilege called `name` (case-insensitive), if it is a named one.
            pub fn from_name(name: &str) -> Option<Self> {
                let lower = name.to_ascii_lowercase();
                Self::VALUES.iter().copied().find(|p| p.name() == lower)
            }

            /// The language of actions granted.
            pub fn automaton(self) -> &'static Automaton {
                static CACHE: OnceLock<Vec<Automaton>> = OnceLock::new();
                let all = CACHE.get_or_init(|| {
                    Self::VALUES
                        .iter()
                        .map(|p| Automaton::minus(p.patterns().iter(), p.excluded_patterns().iter()))
                        .collect()
                });
                &all[self as usize]
            }

            /// Whether this privilege grants `action`.
            pub fn grants(self, action: &str) -> bool {
                self.automaton().matches(action)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

const SECURITY: &str = "cluster:admin/xpack/security/*";
const INVALIDATE_TOKEN: &str = "cluster:admin/xpack/security/token/invalidate";
const REFRESH_TOKEN: &str = "cluster:admin/xpack/security/token/refresh";
const DELEGATE_PKI: &str = "cluster:admin/xpack/security/delegate_pki";
const HAS_PRIVILEGES: &str = "cluster:admin/xpack/security/user/has_privileges";
const CLUSTER_STATE: &str = "cluster:monitor/state";
const XPACK_INFO: &str = "cluster:monitor/xpack/info";
const ILM_STATUS: &str = "cluster:admin/ilm/operation_mode/get";
const SNAPSHOT_STATUS: &str = "cluster:admin/snapshot/status";
const REMOTE_HANDSHAKE: &str = "cluster:internal/remote_cluster/handshake";
const REMOTE_NODES: &str = "cluster:internal/remote_cluster/nodes";
const BAN_PARENT: &str = "cluster:internal/admin/tasks/ban";
const CANCEL_CHILD: &str = "cluster:internal/admin/tasks/cancel_child";

privileges! {
    /// A named cluster privilege: the 62 names `GET /_security/privilege/_builtin` lists in
    /// Elasticsearch 8.18.
    pub enum ClusterPrivilege {
        /// Nothing.
        None = "none" => [],
        /// Every cluster action, security included.
        All = "all" => ["cluster:*", "indices:admin/template/*", "indices:admin/index_template/*"],
        /// Read-only cluster operations and template GETs.
        Monitor = "monitor" => ["cluster:monitor/*", "indices:admin/template/get", "cluster:admin/component_template/get", "indices:admin/index_template/get"],
        /// Connector GET/list.
        MonitorConnector = "monitor_connector" => ["cluster:admin/xpack/connector/get", "cluster:admin/xpack/connector/list", "cluster:admin/xpack/connector/sync_job/get", "cluster:admin/xpack/connector/sync_job/list"],
        /// Inference read.
        MonitorInference = "monitor_inference" => ["cluster:monitor/xpack/inference*", "cluster:monitor/xpack/ml/trained_models/deployment/infer"],
        /// ML read.
        MonitorMl = "monitor_ml" => ["cluster:monitor/xpack/ml/*"],
        /// Text structure finder.
        MonitorTextStructure = "monitor_text_structure" => ["cluster:monitor/text_structure/*"],
        /// Deprecated name of `monitor_transform`.
        MonitorDataFrameTransforms = "monitor_data_frame_transforms" => ["cluster:monitor/data_frame/*", "cluster:monitor/transform/*"],
        /// Transform read.
        MonitorTransform = "monitor_transform" => ["cluster:monitor/data_frame/*", "cluster:monitor/transform/*"],
        /// Watcher read.
        MonitorWatcher = "monitor_watcher" => ["cluster:monitor/xpack/watcher/*"],
        /// Rollup read.
        MonitorRollup = "monitor_rollup" => ["cluster:monitor/xpack/rollup/*"],
        /// Enrich read.
        MonitorEnrich = "monitor_enrich" => ["cluster:monitor/xpack/enrich/*", "cluster:admin/xpack/enrich/get"],
        /// Cluster stats (remote cluster monitoring).
        MonitorStats = "monitor_stats" => ["cluster:monitor/stats*"],
        /// Snapshot status and listing.
        MonitorSnapshot = "monitor_snapshot" => ["cluster:admin/snapshot/status*", "cluster:admin/snapshot/get", SNAPSHOT_STATUS, "cluster:admin/repository/get"],
        /// Everything `all` grants except security administration.
        Manage = "manage" => ["cluster:*", "indices:admin/template/*", "indices:admin/index_template/*"] minus [SECURITY],
        /// Connectors, without their secrets.
        ManageConnector = "manage_connector" => ["cluster:admin/xpack/connector/*"] minus ["cluster:admin/xpack/connector/secret/get", "cluster:admin/xpack/connector/secret/delete", "cluster:admin/xpack/connector/secret/post", "cluster:admin/xpack/connector/secret/put"],
        /// Inference administration.
        ManageInference = "manage_inference" => ["cluster:admin/xpack/inference/*", "cluster:monitor/xpack/inference*", "cluster:admin/xpack/ml/trained_models/deployment/start", "cluster:admin/xpack/ml/trained_models/deployment/stop", "cluster:monitor/xpack/ml/trained_models/deployment/infer"],
        /// ML administration.
        ManageMl = "manage_ml" => ["cluster:admin/xpack/ml/*", "cluster:monitor/xpack/ml/*"],
        /// Deprecated name of `manage_transform`.
        ManageDataFrameTransforms = "manage_data_frame_transforms" => ["cluster:admin/data_frame/*", "cluster:monitor/data_frame/*", "cluster:monitor/transform/*", "cluster:admin/transform/*"],
        /// Transform administration.
        ManageTransform = "manage_transform" => ["cluster:admin/data_frame/*", "cluster:monitor/data_frame/*", "cluster:monitor/transform/*", "cluster:admin/transform/*"],
        /// OAuth2 tokens.
        ManageToken = "manage_token" => ["cluster:admin/xpack/security/token/*"],
        /// Watcher administration.
        ManageWatcher = "manage_watcher" => ["cluster:admin/xpack/watcher/*", "cluster:monitor/xpack/watcher/*"],
        /// Legacy, composable and component templates.
        ManageIndexTemplates = "manage_index_templates" => ["indices:admin/template/*", "indices:admin/index_template/*", "cluster:admin/component_template/*"],
        /// Ingest pipelines.
        ManageIngestPipelines = "manage_ingest_pipelines" => ["cluster:admin/ingest/pipeline/*"],
        /// Ingest pipeline GET and simulate.
        ReadPipeline = "read_pipeline" => ["cluster:admin/ingest/pipeline/get", "cluster:admin/ingest/pipeline/simulate"],
        /// What the transport client needs.
        TransportClient = "transport_client" => ["cluster:monitor/nodes/liveness", CLUSTER_STATE],
        /// Every security action.
        ManageSecurity = "manage_security" => [SECURITY, DELEGATE_PKI],
        /// Security GET/query actions.
        ReadSecurity = "read_security" => [
            "cluster:admin/xpack/security/api_key/get",
            "cluster:admin/xpack/security/api_key/query",
            "cluster:admin/xpack/security/privilege/builtin/get",
            "cluster:admin/xpack/security/privilege/get",
            "cluster:admin/xpack/security/profile/get",
            "cluster:admin/xpack/security/profile/has_privileges",
            "cluster:admin/xpack/security/profile/suggest",
            "cluster:admin/xpack/security/role/get",
            "cluster:admin/xpack/security/role/query",
            "cluster:admin/xpack/security/role_mapping/get",
            "cluster:admin/xpack/security/service_account/get",
            "cluster:admin/xpack/security/service_account/credential/get*",
            "cluster:admin/xpack/security/user/get",
            "cluster:admin/xpack/security/user/query",
            "cluster:admin/xpack/security/user/list_privileges",
            HAS_PRIVILEGES,
            "cluster:admin/xpack/security/settings/get",
        ],
        /// SAML.
        ManageSaml = "manage_saml" => ["cluster:admin/xpack/security/saml/*", INVALIDATE_TOKEN, REFRESH_TOKEN, "cluster:monitor/xpack/security/saml/metadata"],
        /// OpenID Connect.
        ManageOidc = "manage_oidc" => ["cluster:admin/xpack/security/oidc/*"],
        /// Every API key, whoever owns it.
        ManageApiKey = "manage_api_key" => ["cluster:admin/xpack/security/api_key/*"],
        /// Grant API keys for other users.
        GrantApiKey = "grant_api_key" => ["cluster:admin/xpack/security/api_key/grant*"],
        /// Service accounts.
        ManageServiceAccount = "manage_service_account" => ["cluster:admin/xpack/security/service_account/*"],
        /// User profiles.
        ManageUserProfile = "manage_user_profile" => ["cluster:admin/xpack/security/profile/*"],
        /// Ingest pipelines (second name).
        ManagePipeline = "manage_pipeline" => ["cluster:admin/ingest/pipeline/*"],
        /// Rollup administration.
        ManageRollup = "manage_rollup" => ["cluster:admin/xpack/rollup/*", "cluster:monitor/xpack/rollup/*"],
        /// Autoscaling.
        ManageAutoscaling = "manage_autoscaling" => ["cluster:admin/autoscaling/*"],
        /// Cross-cluster replication administration.
        ManageCcr = "manage_ccr" => ["cluster:admin/xpack/ccr/*", CLUSTER_STATE, HAS_PRIVILEGES],
        /// What a CCR follower needs on the leader.
        ReadCcr = "read_ccr" => [CLUSTER_STATE, HAS_PRIVILEGES],
        /// Take snapshots.
        CreateSnapshot = "create_snapshot" => ["cluster:admin/snapshot/create", "cluster:admin/snapshot/status*", "cluster:admin/snapshot/get", SNAPSHOT_STATUS, "cluster:admin/repository/get"],
        /// ILM administration.
        ManageIlm = "manage_ilm" => ["cluster:admin/ilm/*"],
        /// ILM policy GET and status.
        ReadIlm = "read_ilm" => ["cluster:admin/ilm/get", ILM_STATUS],
        /// SLM administration plus ILM start/stop/status.
        ManageSlm = "manage_slm" => ["cluster:admin/slm/*", "cluster:admin/ilm/start", "cluster:admin/ilm/stop", ILM_STATUS],
        /// SLM status and GET, ILM status.
        ReadSlm = "read_slm" => ["cluster:admin/slm/status", "cluster:admin/slm/get", ILM_STATUS],
        /// PKI delegation.
        DelegatePki = "delegate_pki" => [DELEGATE_PKI, INVALIDATE_TOKEN],
        /// The caller's own API keys only (a conditional privilege: the request decides).
        ManageOwnApiKey = "manage_own_api_key" => ["cluster:admin/xpack/security/api_key/*"],
        /// Enrich administration.
        ManageEnrich = "manage_enrich" => ["cluster:admin/xpack/enrich/*", "cluster:monitor/xpack/enrich/*"],
        /// Logstash central pipelines.
        ManageLogstashPipelines = "manage_logstash_pipelines" => ["cluster:admin/logstash/pipeline/*"],
        /// Fleet secrets GET.
        ReadFleetSecrets = "read_fleet_secrets" => ["cluster:admin/fleet/secrets/get"],
        /// Fleet secrets write.
        WriteFleetSecrets = "write_fleet_secrets" => ["cluster:admin/fleet/secrets/post", "cluster:admin/fleet/secrets/delete"],
        /// Cancel tasks.
        CancelTask = "cancel_task" => ["cluster:admin/tasks/cancel*"],
        /// Search applications.
        ManageSearchApplication = "manage_search_application" => ["cluster:admin/xpack/application/search_application/*"],
        /// Synonyms.
        ManageSearchSynonyms = "manage_search_synonyms" => ["cluster:admin/synonyms/*", "cluster:admin/synonyms_sets/*", "cluster:admin/synonym_rules/*"],
        /// Behavioral analytics.
        ManageBehavioralAnalytics = "manage_behavioral_analytics" => ["cluster:admin/xpack/application/analytics/*"],
        /// Post analytics events.
        PostBehavioralAnalyticsEvent = "post_behavioral_analytics_event" => ["cluster:admin/xpack/application/analytics/post_event"],
        /// Query rules.
        ManageSearchQueryRules = "manage_search_query_rules" => ["cluster:admin/xpack/query_rules/*"],
        /// Cross-cluster API keys: search.
        CrossClusterSearch = "cross_cluster_search" => [REMOTE_HANDSHAKE, REMOTE_NODES, BAN_PARENT, CANCEL_CHILD, XPACK_INFO, "cluster:monitor/xpack/enrich/esql/resolve_policy", "cluster:internal:data/read/esql/open_exchange", "cluster:internal:data/read/esql/exchange"],
        /// Cross-cluster API keys: replication.
        CrossClusterReplication = "cross_cluster_replication" => [REMOTE_HANDSHAKE, REMOTE_NODES, BAN_PARENT, CANCEL_CHILD, XPACK_INFO, CLUSTER_STATE],
        /// Connector secrets GET.
        ReadConnectorSecrets = "read_connector_secrets" => ["cluster:admin/xpack/connector/secret/get"],
        /// Connector secrets write.
        WriteConnectorSecrets = "write_connector_secrets" => ["cluster:admin/xpack/connector/secret/delete", "cluster:admin/xpack/connector/secret/post", "cluster:admin/xpack/connector/secret/put"],
        /// No effect since 8.16.
        MonitorDataStreamGlobalRetention = "monitor_data_stream_global_retention" => [],
        /// No effect since 8.16.
        ManageDataStreamGlobalRetention = "manage_data_stream_global_retention" => [],
    }
}

privileges! {
    /// A named index privilege: the 22 names of Elasticsearch 8.x.
    pub enum IndexPrivilege {
        /// Nothing.
        None = "none" => [],
        /// Every index action.
        All = "all" => ["indices:*", "internal:transport/proxy/indices:*"],
        /// Index administration and monitoring.
        Manage = "manage" => ["indices:monitor/*", "indices:admin/*", "indices:data/read/field_caps*", "indices:data/read/xpack/rollup/get/index/caps*"],
        /// Create indices and data streams (also auto-create).
        CreateIndex = "create_index" => ["indices:admin/create", "indices:admin/auto_create", "indices:admin/data_stream/create"],
        /// Index statistics.
        Monitor = "monitor" => ["indices:monitor/*"],
        /// Search, get and the rest of the read actions.
        Read = "read" => ["indices:data/read/*", "indices:admin/resolve/index", "indices:admin/resolve/cluster"],
        /// Index and update documents.
        Index = "index" => ["indices:data/write/index*", "indices:data/write/bulk*", "indices:data/write/update*", "indices:data/write/simulate/bulk*"],
        /// Delete documents.
        Delete = "delete" => ["indices:data/write/delete*", "indices:data/write/bulk*"],
        /// Every document write, and dynamic mapping updates.
        Write = "write" => ["indices:data/write/*", "indices:admin/mapping/auto_put"],
        /// Index documents (overwrites included).
        Create = "create" => ["indices:data/write/index*", "indices:data/write/bulk*", "indices:data/write/simulate/bulk*"],
        /// Index documents with `op_type` create only.
        CreateDoc = "create_doc" => ["indices:data/write/index", "indices:data/write/index[*", "indices:data/write/index:op_type/create", "indices:data/write/bulk*", "indices:data/write/simulate/bulk*"],
        /// Delete indices and data streams.
        DeleteIndex = "delete_index" => ["indices:admin/delete", "indices:admin/data_stream/delete"],
        /// Mappings, settings, aliases and other metadata reads.
        ViewIndexMetadata = "view_index_metadata" => [
            "indices:admin/aliases/get",
            "indices:admin/get",
            "indices:admin/mappings/fields/get*",
            "indices:admin/mappings/get",
            "indices:admin/shards/search_shards",
            "indices:admin/search/search_shards",
            "indices:admin/validate/query*",
            "indices:monitor/settings/get",
            "indices:admin/ilm/explain",
            "indices:admin/data_stream/lifecycle/get",
            "indices:admin/data_stream/lifecycle/explain",
            "indices:admin/data_stream/get",
            "indices:admin/resolve/index",
            "indices:admin/resolve/cluster",
            "indices:data/read/field_caps*",
            "indices:data/read/xpack/rollup/get/index/caps*",
            "indices:internal/transform/checkpoint*",
            "indices:monitor/get/metering/stats",
            "indices:admin/get/metering/stats",
        ],
        /// Reads through a cross-cluster proxy.
        ReadCrossCluster = "read_cross_cluster" => ["internal:transport/proxy/indices:data/read/*", "indices:admin/shards/search_shards", "indices:admin/search/search_shards", "indices:admin/resolve/cluster", "indices:data/read/esql", "indices:data/read/esql/compute"],
        /// Follow an index (CCR).
        ManageFollowIndex = "manage_follow_index" => ["indices:admin/xpack/ccr/put_follow", "indices:admin/xpack/ccr/unfollow", "indices:admin/close*", "indices:admin/data_stream/promote", "indices:admin/rollover"],
        /// Leader side of CCR.
        ManageLeaderIndex = "manage_leader_index" => ["indices:admin/xpack/ccr/forget_follower*"],
        /// ILM on indices.
        ManageIlm = "manage_ilm" => ["indices:admin/ilm/*"],
        /// Data stream lifecycle.
        ManageDataStreamLifecycle = "manage_data_stream_lifecycle" => ["indices:admin/data_stream/lifecycle/*"],
        /// Refresh, flush, force merge.
        Maintenance = "maintenance" => ["indices:admin/refresh*", "indices:admin/flush*", "indices:admin/synced_flush", "indices:admin/forcemerge*"],
        /// Auto-create and dynamic mapping updates.
        AutoConfigure = "auto_configure" => ["indices:admin/mapping/auto_put", "indices:admin/auto_create"],
        /// CCR follower reads.
        CrossClusterReplication = "cross_cluster_replication" => ["indices:data/read/xpack/ccr/shard_changes*", "indices:monitor/stats*", "indices:admin/seq_no/add_retention_lease*", "indices:admin/seq_no/remove_retention_lease*", "indices:admin/seq_no/renew_retention_lease*"],
        /// CCR internal restore.
        CrossClusterReplicationInternal = "cross_cluster_replication_internal" => ["indices:internal/admin/ccr/restore/session/clear*", "indices:internal/admin/ccr/restore/file_chunk/get*", "indices:internal/admin/ccr/restore/session/put*", "internal:transport/proxy/indices:internal/admin/ccr/restore/session/clear*", "internal:transport/proxy/indices:internal/admin/ccr/restore/file_chunk/get*"],
    }
}

impl ClusterPrivilege {
    /// Whether the grant depends on the request (`manage_own_api_key`: only the caller's keys).
    pub fn is_conditional(self) -> bool {
        self == Self::ManageOwnApiKey
    }

    /// Whether `self` implies `other` as Elasticsearch's `ClusterPermission.implies` decides: an
    /// unconditional privilege implies anything whose actions it covers, a conditional one
    /// only itself.
    pub fn implies(self, other: ClusterPrivilege) -> bool {
        // A privilege granting nothing has no permission checks, so everything implies it.
        if self == other || (!other.is_conditional() && other.automaton().is_empty()) {
            return true;
        }
        !self.is_conditional() && other.automaton().subset_of(self.automaton())
    }

    /// Names sorted from least to most powerful (how many other privileges each implies,
    /// then alphabetically), the order of `ClusterPrivilegeResolver.VALUES`.
    pub fn by_access_level() -> &'static [ClusterPrivilege] {
        static ORDER: OnceLock<Vec<ClusterPrivilege>> = OnceLock::new();
        ORDER.get_or_init(|| {
            let mut v: Vec<(usize, ClusterPrivilege)> = Self::VALUES
                .iter()
                .map(|&p| {
                    let implies = Self::VALUES
                        .iter()
                        .filter(|&&o| o != p && p.implies(o))
                        .count();
                    (implies, p)
                })
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name().cmp(b.1.name())));
            v.into_iter().map(|(_, p)| p).collect()
        })
    }

    /// Named privileges that grant `action`, least powerful first, as the 403 message lists
    /// them. Conditional privileges are left out: the request at hand did not satisfy them.
    pub fn granting(action: &str) -> Vec<ClusterPrivilege> {
        Self::by_access_level()
            .iter()
            .copied()
            .filter(|p| !p.is_conditional() && p.grants(action))
            .collect()
    }

    /// Sorted names, as `GET /_security/privilege/_builtin` lists them.
    pub fn sorted_names() -> Vec<&'static str> {
        let mut v: Vec<&str> = Self::VALUES.iter().map(|p| p.name()).collect();
        v.sort_unstable();
        v
    }
}

impl IndexPrivilege {
    /// Names sorted from least to most powerful: by how many other privileges each is a
    /// subset of (more first), then alphabetically.
    pub fn by_access_level() -> &'static [IndexPrivilege] {
        static ORDER: OnceLock<Vec<IndexPrivilege>> = OnceLock::new();
        ORDER.get_or_init(|| {
            let mut v: Vec<(usize, IndexPrivilege)> = Self::VALUES
                .iter()
                .map(|&p| {
                    let within = Self::VALUES
                        .iter()
                        .filter(|&&o| o != p && p.automaton().subset_of(o.automaton()))
                        .count();
                    (within, p)
                })
                .collect();
            v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name().cmp(b.1.name())));
            v.into_iter().map(|(_, p)| p).collect()
        })
    }

    /// Named privileges that grant `action`, least powerful first.
    pub fn granting(action: &str) -> Vec<IndexPrivilege> {
        Self::by_access_level()
            .iter()
            .copied()
            .filter(|p| p.grants(action))
            .collect()
    }

    /// Sorted names, as `GET /_security/privilege/_builtin` lists them.
    pub fn sorted_names() -> Vec<&'static str> {
        let mut v: Vec<&str> = Self::VALUES.iter().map(|p| p.name()).collect();
        v.sort_unstable();
        v
    }
}

/// The body of `GET /_security/privilege/_builtin`.
pub fn builtin_privileges() -> serde_json::Value {
    serde_json::json!({
        "cluster": ClusterPrivilege::sorted_names(),
        "index": IndexPrivilege::sorted_names(),
        "remote_cluster": ["monitor_enrich", "monitor_stats"],
    })
}

/// Whether `name` is a cluster action pattern a role may name directly.
pub fn is_cluster_action(name: &str) -> bool {
    ClusterPrivilege::All.automaton().matches(name)
}

/// Whether `name` is an index action pattern a role may name directly.
pub fn is_index_action(name: &str) -> bool {
    IndexPrivilege::All.automaton().matches(name)
}

/// One entry of a role's `cluster` list, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClusterPrivilegeName {
    /// A named privilege.
    Named(ClusterPrivilege),
    /// A raw action pattern; grants the pattern with a `*` appended.
    Action(String),
}

impl ClusterPrivilegeName {
    /// Resolves `name` as Elasticsearch does (lower-cased; action patterns first).
    pub fn resolve(name: &str) -> Result<Self, RoleError> {
        let lower = name.to_ascii_lowercase();
        if is_cluster_action(&lower) {
            return Ok(Self::Action(lower));
        }
        ClusterPrivilege::from_name(&lower)
            .map(Self::Named)
            .ok_or_else(|| {
                let names: Vec<&str> = ClusterPrivilege::by_access_level()
                    .iter()
                    .map(|p| p.name())
                    .collect();
                RoleError::illegal_argument(format!(
                    "unknown cluster privilege [{lower}]. a privilege must be either one of the predefined cluster privilege names [{}] or a pattern over one of the available cluster actions",
                    names.join(",")
                ))
            })
    }

    /// The actions granted (unconditionally, for `manage_own_api_key` see [`Self::is_conditional`]).
    pub fn automaton(&self) -> Automaton {
        match self {
            Self::Named(p) => p.automaton().clone(),
            Self::Action(a) => Automaton::patterns([format!("{a}*")]),
        }
    }

    /// Whether the grant depends on the request.
    pub fn is_conditional(&self) -> bool {
        matches!(self, Self::Named(p) if p.is_conditional())
    }

    /// The name as written in roles.
    pub fn name(&self) -> &str {
        match self {
            Self::Named(p) => p.name(),
            Self::Action(a) => a,
        }
    }
}

/// One entry of an index group's `privileges` list, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IndexPrivilegeName {
    /// A named privilege.
    Named(IndexPrivilege),
    /// A raw action pattern; grants the pattern with a `*` appended.
    Action(String),
}

impl IndexPrivilegeName {
    /// Resolves `name` as Elasticsearch does (lower-cased; action patterns first).
    pub fn resolve(name: &str) -> Result<Self, RoleError> {
        let lower = name.to_ascii_lowercase();
        if is_index_action(&lower) {
            return Ok(Self::Action(lower));
        }
        IndexPrivilege::from_name(&lower)
            .map(Self::Named)
            .ok_or_else(|| {
                RoleError::illegal_argument(format!(
                    "unknown index privilege [{lower}]. a privilege must be either one of the predefined fixed indices privileges [{}] or a pattern over one of the available index actions",
                    IndexPrivilege::sorted_names().join(",")
                ))
            })
    }

    /// The actions granted.
    pub fn automaton(&self) -> Automaton {
        match self {
            Self::Named(p) => p.automaton().clone(),
            Self::Action(a) => Automaton::patterns([format!("{a}*")]),
        }
    }

    /// The name as written in roles.
    pub fn name(&self) -> &str {
        match self {
            Self::Named(p) => p.name(),
            Self::Action(a) => a,
        }
    }
}

/// The union of several index privileges, with the names it was built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexPrivilegeSet {
    /// The names, in role order, de-duplicated.
    pub names: Vec<IndexPrivilegeName>,
    automaton: Automaton,
}

impl IndexPrivilegeSet {
    /// Resolves every name; the first unknown one is the error.
    pub fn resolve<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Result<Self, RoleError> {
        let mut set = Self::default();
        for n in names {
            set.add(IndexPrivilegeName::resolve(n.as_ref())?);
        }
        Ok(set)
    }

    /// Adds one privilege.
    pub fn add(&mut self, name: IndexPrivilegeName) {
        if !self.names.contains(&name) {
            self.automaton.union_with(&name.automaton());
            self.names.push(name);
        }
    }

    /// Adds every privilege of `other`.
    pub fn add_all(&mut self, other: &IndexPrivilegeSet) {
        for n in &other.names {
            self.add(n.clone());
        }
    }

    /// The actions granted.
    pub fn automaton(&self) -> &Automaton {
        &self.automaton
    }

    /// Whether `action` is granted.
    pub fn grants(&self, action: &str) -> bool {
        self.automaton.matches(action)
    }
}

#[cfg(test)]
#[path = "privilege_tests.rs"]
mod tests;
