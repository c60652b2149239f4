//! Cluster health: the status colours and the `GET /_cluster/health` body.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Cluster health colour. Ordered from worst to best so `>=` means "at least as healthy".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Some primary shard is unassigned.
    Red,
    /// Some replica is unassigned.
    Yellow,
    /// Everything is assigned.
    Green,
}

impl HealthStatus {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Yellow => "yellow",
            Self::Green => "green",
        }
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HealthStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "green" => Ok(Self::Green),
            "yellow" => Ok(Self::Yellow),
            "red" => Ok(Self::Red),
            _ => Err(format!("unknown cluster health status [{s}]")),
        }
    }
}

/// The `GET /_cluster/health` body (Elasticsearch 9 field names and order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterHealth {
    /// `cluster.name`.
    pub cluster_name: String,
    /// Health colour.
    pub status: HealthStatus,
    /// Whether `wait_for_*` gave up after `timeout`.
    pub timed_out: bool,
    /// Nodes in the cluster.
    pub number_of_nodes: u32,
    /// Data nodes in the cluster.
    pub number_of_data_nodes: u32,
    /// Active primary shards.
    pub active_primary_shards: u32,
    /// Active shards.
    pub active_shards: u32,
    /// Relocating shards.
    pub relocating_shards: u32,
    /// Initializing shards.
    pub initializing_shards: u32,
    /// Unassigned shards.
    pub unassigned_shards: u32,
    /// Unassigned primary shards.
    pub unassigned_primary_shards: u32,
    /// Delayed unassigned shards.
    pub delayed_unassigned_shards: u32,
    /// Pending cluster-state tasks.
    pub number_of_pending_tasks: u32,
    /// In-flight shard fetches.
    pub number_of_in_flight_fetch: u32,
    /// Longest wait of a queued task.
    pub task_max_waiting_in_queue_millis: u64,
    /// Share of active shards.
    pub active_shards_percent_as_number: f64,
}
