//! Transport action names: every REST call maps to one (`cluster:monitor/main`, ...) and
//! privileges are granted over them. Names are Elasticsearch's, so roles written for
//! Elasticsearch mean the same here.

use std::fmt;

/// An Elasticsearch transport action name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionName(pub &'static str);

impl ActionName {
    /// The name.
    pub fn as_str(self) -> &'static str {
        self.0
    }
    /// Cluster actions: `cluster:*` and the (cluster-level) template actions.
    pub fn is_cluster_action(self) -> bool {
        self.0.starts_with("cluster:")
            || self.0.starts_with("indices:admin/template/")
            || self.0.starts_with("indices:admin/index_template/")
    }
}

impl fmt::Display for ActionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// `GET /`, `HEAD /`.
pub const MAIN: ActionName = ActionName("cluster:monitor/main");
/// `GET /_cluster/health`.
pub const CLUSTER_HEALTH: ActionName = ActionName("cluster:monitor/health");
/// `GET /_cluster/state`.
pub const CLUSTER_STATE: ActionName = ActionName("cluster:monitor/state");
/// `GET /_nodes`.
pub const NODES_INFO: ActionName = ActionName("cluster:monitor/nodes/info");
/// `GET /_nodes/stats`.
pub const NODES_STATS: ActionName = ActionName("cluster:monitor/nodes/stats");
/// `GET /_license`.
pub const LICENSE_GET: ActionName = ActionName("cluster:monitor/xpack/license/get");
/// `GET /_xpack`.
pub const XPACK_INFO: ActionName = ActionName("cluster:monitor/xpack/info");
/// `GET /_security/_authenticate`.
pub const AUTHENTICATE: ActionName = ActionName("cluster:admin/xpack/security/user/authenticate");
