//! The `GET /` body: node and cluster identity plus the Elasticsearch version ironstack
//! reports (9.1.0), which clients, Kibana and Beats read to decide what they may send.

use serde::{Deserialize, Serialize};

/// The Elasticsearch version ironstack speaks.
pub const ES_VERSION: &str = "9.1.0";
/// Lucene version of Elasticsearch 9.1.0.
pub const LUCENE_VERSION: &str = "10.2.2";
/// Oldest node version a 9.1 node talks to.
pub const MINIMUM_WIRE_COMPATIBILITY_VERSION: &str = "8.19.0";
/// Oldest index version a 9.1 node reads.
pub const MINIMUM_INDEX_COMPATIBILITY_VERSION: &str = "8.0.0";
/// The tagline every Elasticsearch prints.
pub const TAGLINE: &str = "You Know, for Search";

/// The `version` object of `GET /`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// `9.1.0`.
    pub number: String,
    /// Always `default`.
    pub build_flavor: String,
    /// `tar` for a plain binary.
    pub build_type: String,
    /// Identifies the ironstack build.
    pub build_hash: String,
    /// RFC 3339 build timestamp.
    pub build_date: String,
    /// Whether this is a snapshot build.
    pub build_snapshot: bool,
    /// Lucene version.
    pub lucene_version: String,
    /// See [`MINIMUM_WIRE_COMPATIBILITY_VERSION`].
    pub minimum_wire_compatibility_version: String,
    /// See [`MINIMUM_INDEX_COMPATIBILITY_VERSION`].
    pub minimum_index_compatibility_version: String,
}

impl VersionInfo {
    /// The version block for this build; `build_hash` and `build_date` identify ironstack.
    pub fn current(build_hash: &str, build_date: &str) -> Self {
        Self {
            number: ES_VERSION.into(),
            build_flavor: "default".into(),
            build_type: "tar".into(),
            build_hash: build_hash.into(),
            build_date: build_date.into(),
            build_snapshot: false,
            lucene_version: LUCENE_VERSION.into(),
            minimum_wire_compatibility_version: MINIMUM_WIRE_COMPATIBILITY_VERSION.into(),
            minimum_index_compatibility_version: MINIMUM_INDEX_COMPATIBILITY_VERSION.into(),
        }
    }
}

/// The `GET /` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MainResponse {
    /// `node.name`.
    pub name: String,
    /// `cluster.name`.
    pub cluster_name: String,
    /// Random once per data folder, stable across restarts.
    pub cluster_uuid: String,
    /// Version block.
    pub version: VersionInfo,
    /// "You Know, for Search".
    pub tagline: String,
}
