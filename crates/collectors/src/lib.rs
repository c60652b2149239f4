//! System metrics for the shipper's `system` module, read from `/proc` and `statvfs` (Linux),
//! with Metricbeat's field names and units: percentages are ratios (0–1, or up to the number
//! of cores when not normalised), sizes are bytes, durations milliseconds.
//!
//! This crate only measures: it has no HTTP, no async runtime and no event envelope (the
//! shipper adds `@timestamp`, `event.*`, `agent.*`, ...). Each [`Collector`] keeps what a
//! metricset needs between fetches (the previous CPU ticks, network counters).
//!
//! Every parser takes the file's text so it can be tested on fixed samples; the collectors
//! read the files under a host file system root (`/` by default, Metricbeat's `hostfs`).

#![warn(missing_docs)]

mod cpu;
mod diskio;
mod error;
mod filesystem;
mod hostfs;
mod load;
mod memory;
mod network;
mod own;
mod process;
mod processes;
mod socket;
mod uptime;

use serde_json::Value;

pub use error::{Error, Result};
pub use hostfs::HostFs;
pub use own::{OwnProcess, own_process};

/// The metricsets of the `system` module this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricSet {
    /// `system.cpu`: CPU time shares since the previous fetch.
    Cpu,
    /// `system.load`: load averages.
    Load,
    /// `system.memory`: memory and swap.
    Memory,
    /// `system.network`: per-interface counters.
    Network,
    /// `system.filesystem`: one document per mounted file system.
    Filesystem,
    /// `system.fsstat`: totals over the mounted file systems.
    Fsstat,
    /// `system.uptime`: time since boot.
    Uptime,
    /// `system.process_summary`: processes by state.
    ProcessSummary,
    /// `system.socket_summary`: sockets by protocol and state.
    SocketSummary,
    /// `system.diskio`: per block device I/O counters.
    Diskio,
    /// `system.process`: the top processes by CPU and memory.
    Process,
}

impl MetricSet {
    /// Every implemented metricset, in Metricbeat's documentation order.
    pub const ALL: [MetricSet; 11] = [
        MetricSet::Cpu,
        MetricSet::Load,
        MetricSet::Memory,
        MetricSet::Network,
        MetricSet::Filesystem,
        MetricSet::Fsstat,
        MetricSet::Uptime,
        MetricSet::ProcessSummary,
        MetricSet::SocketSummary,
        MetricSet::Diskio,
        MetricSet::Process,
    ];

    /// Metricbeat's name for it (`metricset.name`).
    pub fn name(self) -> &'static str {
        match self {
            MetricSet::Cpu => "cpu",
            MetricSet::Load => "load",
            MetricSet::Memory => "memory",
            MetricSet::Network => "network",
            MetricSet::Filesystem => "filesystem",
            MetricSet::Fsstat => "fsstat",
            MetricSet::Uptime => "uptime",
            MetricSet::ProcessSummary => "process_summary",
            MetricSet::SocketSummary => "socket_summary",
            MetricSet::Diskio => "diskio",
            MetricSet::Process => "process",
        }
    }

    /// The metricset called `name`, if implemented.
    pub fn parse(name: &str) -> Option<MetricSet> {
        MetricSet::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Options of the `system` module that change what is measured.
#[derive(Debug, Clone)]
pub struct SystemOptions {
    /// `cpu.metrics` contains `percentages`: the `system.cpu.*.pct` fields (default on).
    pub cpu_percentages: bool,
    /// `cpu.metrics` contains `normalized_percentages`: the `*.norm.pct` fields (default off,
    /// as in Metricbeat; `host.cpu.usage` is always sent).
    pub cpu_normalized_percentages: bool,
    /// `filesystem.ignore_types`: file system types to skip. Empty means Metricbeat's default:
    /// every `nodev` type listed in `/proc/filesystems`.
    pub filesystem_ignore_types: Vec<String>,
    /// `process.include_top_n.by_cpu`: how many of the busiest processes to report.
    pub process_top_by_cpu: usize,
    /// `process.include_top_n.by_memory`: how many of the largest processes to report (both
    /// 0: every process).
    pub process_top_by_memory: usize,
}

impl Default for SystemOptions {
    fn default() -> Self {
        SystemOptions {
            cpu_percentages: true,
            cpu_normalized_percentages: false,
            filesystem_ignore_types: Vec::new(),
            process_top_by_cpu: 0,
            process_top_by_memory: 0,
        }
    }
}

/// One metricset's state between fetches.
#[derive(Debug)]
pub struct Collector {
    metricset: MetricSet,
    hostfs: HostFs,
    options: SystemOptions,
    previous_cpu: Option<cpu::CpuTicks>,
    previous_network: Option<network::Totals>,
    processes: processes::ProcessState,
}

impl Collector {
    /// A collector for `metricset` reading under `hostfs`.
    pub fn new(metricset: MetricSet, hostfs: HostFs, options: SystemOptions) -> Self {
        Collector {
            metricset,
            hostfs,
            options,
            previous_cpu: None,
            previous_network: None,
            processes: processes::ProcessState::default(),
        }
    }

    /// What this collector measures.
    pub fn metricset(&self) -> MetricSet {
        self.metricset
    }

    /// Measures once. Each value is the metricset part of one document (`system.*`, and
    /// `host.*` where Metricbeat sets ECS host fields).
    pub fn fetch(&mut self) -> Result<Vec<Value>> {
        match self.metricset {
            MetricSet::Cpu => {
                let text = self.hostfs.read_proc("stat")?;
                let current =
                    cpu::parse_stat(&text).map_err(|r| self.hostfs.parse_error("stat", r))?;
                // The first fetch has no previous sample: Metricbeat then reports the shares
                // since boot, which is what a zero baseline gives.
                let previous = self.previous_cpu.replace(current.clone());
                Ok(vec![cpu::document(
                    previous.as_ref(),
                    &current,
                    self.options.cpu_percentages,
                    self.options.cpu_normalized_percentages,
                )])
            }
            MetricSet::Load => {
                let text = self.hostfs.read_proc("loadavg")?;
                let cores = cpu::parse_stat(&self.hostfs.read_proc("stat")?)
                    .map_err(|r| self.hostfs.parse_error("stat", r))?
                    .cores;
                let doc = load::document(&text, cores)
                    .map_err(|r| self.hostfs.parse_error("loadavg", r))?;
                Ok(vec![doc])
            }
            MetricSet::Memory => {
                let text = self.hostfs.read_proc("meminfo")?;
                let doc =
                    memory::document(&text).map_err(|r| self.hostfs.parse_error("meminfo", r))?;
                Ok(vec![doc])
            }
            MetricSet::Network => {
                let text = self.hostfs.read_proc("net/dev")?;
                let interfaces =
                    network::parse_dev(&text).map_err(|r| self.hostfs.parse_error("net/dev", r))?;
                let totals = network::Totals::of(&interfaces);
                let previous = self.previous_network.replace(totals);
                Ok(network::documents(&interfaces, previous.as_ref(), &totals))
            }
            MetricSet::Filesystem => {
                let mounts = filesystem::mounts(&self.hostfs, &self.options)?;
                Ok(mounts.iter().map(filesystem::document).collect())
            }
            MetricSet::Fsstat => {
                let mounts = filesystem::mounts(&self.hostfs, &self.options)?;
                Ok(vec![filesystem::fsstat_document(&mounts)])
            }
            MetricSet::Uptime => {
                let text = self.hostfs.read_proc("uptime")?;
                let doc =
                    uptime::document(&text).map_err(|r| self.hostfs.parse_error("uptime", r))?;
                Ok(vec![doc])
            }
            MetricSet::ProcessSummary => Ok(vec![process::summary_document(&self.hostfs)?]),
            MetricSet::SocketSummary => Ok(vec![socket::summary_document(&self.hostfs)?]),
            MetricSet::Process => processes::documents(
                &self.hostfs,
                &mut self.processes,
                self.options.process_top_by_cpu,
                self.options.process_top_by_memory,
            ),
            MetricSet::Diskio => {
                let text = self.hostfs.read_proc("diskstats")?;
                diskio::documents(&text).map_err(|r| self.hostfs.parse_error("diskstats", r))
            }
        }
    }
}

/// Rounds a ratio to 4 decimals, as Metricbeat's `common.Round` does for percentages.
pub(crate) fn round4(value: f64) -> f64 {
    if value.is_finite() {
        (value * 10_000.0).round() / 10_000.0
    } else {
        0.0
    }
}

/// `part / whole` as a rounded ratio; 0 when `whole` is 0.
pub(crate) fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        round4(part / whole)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metricset_names_round_trip() {
        for m in MetricSet::ALL {
            assert_eq!(MetricSet::parse(m.name()), Some(m));
        }
        assert_eq!(MetricSet::parse("core"), None);
    }

    #[test]
    fn ratios_are_rounded_and_safe() {
        assert_eq!(ratio(1.0, 3.0), 0.3333);
        assert_eq!(ratio(5.0, 0.0), 0.0);
        assert_eq!(round4(f64::NAN), 0.0);
    }

    #[test]
    fn every_metricset_fetches_on_this_machine() {
        for m in MetricSet::ALL {
            let mut c = Collector::new(m, HostFs::default(), SystemOptions::default());
            let docs = c.fetch().unwrap_or_else(|e| panic!("{}: {e}", m.name()));
            // A machine may have no block device with activity (containers).
            assert!(!docs.is_empty() || m == MetricSet::Diskio, "{}", m.name());
            for d in &docs {
                assert!(d.get("system").is_some() || d.get("host").is_some(), "{d}");
            }
        }
    }
}
