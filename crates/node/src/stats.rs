//! Real process, machine and disk figures for `_nodes/stats` and `_cat/nodes`, read where
//! Elasticsearch's probes read them on Linux: this process from `/proc/self` (CPU time, memory,
//! threads, file descriptors), the machine from `sysinfo`, the control group from
//! `/proc/self/cgroup` and `/sys/fs/cgroup`, and the data path's file system from `statvfs`,
//! `/proc/self/mountinfo` and `/proc/diskstats`. It also owns how Elasticsearch prints sizes and
//! durations (`?human`) and how it sizes a default heap, which `_nodes/stats` reports where a
//! JVM would report its own. The `sysinfo::System` is created on first use so an idle node does
//! not pay for it; a file that cannot be read gives no figure, never an error.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One sample of the process.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProcessSample {
    pub(crate) cpu_total_millis: u64,
    /// Recent CPU use over all of the machine's processors, as the JVM reports it.
    pub(crate) cpu_percent: u32,
    pub(crate) resident_bytes: u64,
    pub(crate) virtual_bytes: u64,
    pub(crate) threads: u64,
    /// The most threads seen by this probe.
    pub(crate) threads_peak: u64,
    pub(crate) open_fds: i64,
    pub(crate) max_fds: i64,
}

/// One sample of the machine.
#[derive(Debug, Clone, Default)]
pub(crate) struct OsSample {
    pub(crate) cpu_percent: u32,
    pub(crate) load: [f64; 3],
    pub(crate) mem_total: u64,
    pub(crate) mem_free: u64,
    pub(crate) swap_total: u64,
    pub(crate) swap_free: u64,
    /// The process's control group, when the cgroup files are readable.
    pub(crate) cgroup: Option<CgroupSample>,
}

impl OsSample {
    /// The memory a process may use, as the JVM sees it: the machine's, or less when the
    /// control group limits it.
    pub(crate) fn usable_memory(&self) -> u64 {
        let limit = self
            .cgroup
            .as_ref()
            .and_then(|c| c.memory_limit.trim().parse::<u64>().ok());
        match limit {
            Some(l) if l > 0 && l < self.mem_total => l,
            _ => self.mem_total,
        }
    }
}

/// The control group figures Elasticsearch reports in `os.cgroup`. The memory figures stay
/// text, as Elasticsearch keeps them ("max" or a number too large for a long).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CgroupSample {
    pub(crate) cpuacct_group: String,
    pub(crate) cpuacct_usage_nanos: u64,
    pub(crate) cpu_group: String,
    pub(crate) cfs_period_micros: i64,
    pub(crate) cfs_quota_micros: i64,
    pub(crate) elapsed_periods: u64,
    pub(crate) times_throttled: u64,
    pub(crate) time_throttled_nanos: u64,
    pub(crate) memory_group: String,
    pub(crate) memory_limit: String,
    pub(crate) memory_usage: String,
}

/// The data path's file system.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FsSample {
    /// The data path, absolute.
    pub(crate) path: String,
    /// `<mount point> (<device>)`, as Java prints a file store.
    pub(crate) mount: Option<String>,
    pub(crate) fs_type: Option<String>,
    pub(crate) space: Option<DiskSpace>,
    /// I/O of the data path's device since the node started (empty when the device is not a
    /// block device listed in `/proc/diskstats`, e.g. an overlay file system).
    pub(crate) devices: Vec<DeviceIo>,
}

/// `statvfs` of a path, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DiskSpace {
    pub(crate) total: u64,
    pub(crate) free: u64,
    pub(crate) available: u64,
}

/// One device's I/O since the baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DeviceIo {
    pub(crate) name: String,
    pub(crate) read_operations: u64,
    pub(crate) write_operations: u64,
    pub(crate) read_kilobytes: u64,
    pub(crate) write_kilobytes: u64,
    pub(crate) io_time_millis: u64,
}

impl DeviceIo {
    pub(crate) fn operations(&self) -> u64 {
        self.read_operations + self.write_operations
    }
}

/// The cumulative counters of one `/proc/diskstats` line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct DiskCounters {
    reads: u64,
    sectors_read: u64,
    writes: u64,
    sectors_written: u64,
    io_millis: u64,
}

/// One entry of `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    pub(crate) point: PathBuf,
    pub(crate) device: (u32, u32),
    pub(crate) fs_type: String,
    pub(crate) source: String,
}

/// Keeps what figures need between two samples: the last CPU time, the thread peak and the
/// disk counters the node started with.
#[derive(Default)]
pub(crate) struct ProcessProbe {
    system: Option<sysinfo::System>,
    last_cpu: Option<(Instant, u64)>,
    threads_peak: u64,
    disk_baseline: HashMap<(u32, u32), DiskCounters>,
}

impl std::fmt::Debug for ProcessProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessProbe").finish_non_exhaustive()
    }
}

/// Clock ticks per second of `/proc/<pid>/stat` times; 100 on every Linux build in use.
const CLOCK_TICKS: u64 = 100;

fn proc_status_value(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn cpu_millis_from_stat(stat: &str) -> Option<u64> {
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 1000 / CLOCK_TICKS)
}

fn max_open_files(limits: &str) -> Option<i64> {
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
}

fn processors() -> u64 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
}

impl ProcessProbe {
    pub(crate) fn process(&mut self) -> ProcessSample {
        let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
        let cpu_total_millis = fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| cpu_millis_from_stat(&s))
            .unwrap_or(0);
        let now = Instant::now();
        let cpu_percent = match self.last_cpu {
            Some((at, millis)) => {
                let wall = now.duration_since(at).as_millis().max(1) as u64;
                let used = cpu_total_millis.saturating_sub(millis) * 100;
                (used / wall / processors()).min(100) as u32
            }
            None => 0,
        };
        self.last_cpu = Some((now, cpu_total_millis));
        let threads = proc_status_value(&status, "Threads:").unwrap_or(0);
        self.threads_peak = self.threads_peak.max(threads);
        ProcessSample {
            cpu_total_millis,
            cpu_percent,
            resident_bytes: proc_status_value(&status, "VmRSS:").unwrap_or(0) * 1024,
            virtual_bytes: proc_status_value(&status, "VmSize:").unwrap_or(0) * 1024,
            threads,
            threads_peak: self.threads_peak,
            open_fds: fs::read_dir("/proc/self/fd")
                .map(|d| d.count() as i64)
                .unwrap_or(-1),
            max_fds: fs::read_to_string("/proc/self/limits")
                .ok()
                .and_then(|l| max_open_files(&l))
                .unwrap_or(-1),
        }
    }

    pub(crate) fn os(&mut self) -> OsSample {
        if self.system.is_none() {
            self.system = sysinfo::System::new().ok();
        }
        let load = sysinfo::System::load_average()
            .map(|l| [l.one, l.five, l.fifteen])
            .unwrap_or_default();
        let cgroup = fs::read_to_string("/proc/self/cgroup")
            .ok()
            .and_then(|c| read_cgroup(Path::new("/sys/fs/cgroup"), &c));
        let Some(system) = self.system.as_mut() else {
            return OsSample {
                load,
                cgroup,
                ..OsSample::default()
            };
        };
        system.refresh_memory();
        system.refresh_cpu_usage();
        OsSample {
            cpu_percent: system.global_cpu_usage().round() as u32,
            load,
            mem_total: system.total_memory(),
            mem_free: system.available_memory(),
            swap_total: system.total_swap(),
            swap_free: system.free_swap(),
            cgroup,
        }
    }

    /// Records the data path's disk counters as the baseline of `io_stats`; called when the
    /// node learns its data path, as Elasticsearch samples its devices at start-up.
    pub(crate) fn prime_fs(&mut self, data_path: &Path) {
        let _ = self.fs(data_path);
    }

    /// The data path's file system now; `io_stats` count from the first call for its device.
    pub(crate) fn fs(&mut self, data_path: &Path) -> FsSample {
        let path = absolute(data_path);
        let mount = fs::read_to_string("/proc/self/mountinfo")
            .ok()
            .and_then(|m| mount_of(&m, &path));
        let mut devices = Vec::new();
        if let Some(m) = &mount
            && let Some((name, now)) = fs::read_to_string("/proc/diskstats")
                .ok()
                .and_then(|d| disk_counters(&d, m.device))
        {
            let first = *self.disk_baseline.entry(m.device).or_insert(now);
            devices.push(DeviceIo {
                name,
                read_operations: now.reads.saturating_sub(first.reads),
                write_operations: now.writes.saturating_sub(first.writes),
                read_kilobytes: now.sectors_read.saturating_sub(first.sectors_read) / 2,
                write_kilobytes: now.sectors_written.saturating_sub(first.sectors_written) / 2,
                io_time_millis: now.io_millis.saturating_sub(first.io_millis),
            });
        }
        FsSample {
            path: path.display().to_string(),
            mount: mount
                .as_ref()
                .map(|m| format!("{} ({})", m.point.display(), m.source)),
            fs_type: mount.map(|m| m.fs_type),
            space: disk_space(&path),
            devices,
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}

#[cfg(unix)]
fn disk_space(path: &Path) -> Option<DiskSpace> {
    let s = rustix::fs::statvfs(path).ok()?;
    Some(DiskSpace {
        total: s.f_blocks.saturating_mul(s.f_frsize),
        free: s.f_bfree.saturating_mul(s.f_frsize),
        available: s.f_bavail.saturating_mul(s.f_frsize),
    })
}

#[cfg(not(unix))]
fn disk_space(_path: &Path) -> Option<DiskSpace> {
    None
}

/// A mountinfo field with its `\ooo` octal escapes (spaces, tabs, backslashes) decoded.
fn unescape_mount_field(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(code) = field
                .get(i + 1..i + 4)
                .and_then(|o| u8::from_str_radix(o, 8).ok())
        {
            out.push(code);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The mount holding `path` in a `/proc/self/mountinfo` text: the deepest mount point above it,
/// the last one listed when mounts are stacked.
pub(crate) fn mount_of(mountinfo: &str, path: &Path) -> Option<Mount> {
    let mut best: Option<Mount> = None;
    for line in mountinfo.lines() {
        let (left, right) = match line.split_once(" - ") {
            Some(parts) => parts,
            None => continue,
        };
        let left: Vec<&str> = left.split(' ').collect();
        let right: Vec<&str> = right.split(' ').collect();
        let (Some(dev), Some(point), Some(fs_type), Some(source)) =
            (left.get(2), left.get(4), right.first(), right.get(1))
        else {
            continue;
        };
        let Some((major, minor)) = dev.split_once(':') else {
            continue;
        };
        let (Ok(major), Ok(minor)) = (major.parse(), minor.parse()) else {
            continue;
        };
        let point = PathBuf::from(unescape_mount_field(point));
        if !path.starts_with(&point) {
            continue;
        }
        let deeper = best
            .as_ref()
            .is_none_or(|b| point.components().count() >= b.point.components().count());
        if deeper {
            best = Some(Mount {
                point,
                device: (major, minor),
                fs_type: unescape_mount_field(fs_type),
                source: unescape_mount_field(source),
            });
        }
    }
    best
}

/// The counters of device `major:minor` in a `/proc/diskstats` text, with its name.
fn disk_counters(diskstats: &str, device: (u32, u32)) -> Option<(String, DiskCounters)> {
    diskstats.lines().find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        let major: u32 = f.first()?.parse().ok()?;
        let minor: u32 = f.get(1)?.parse().ok()?;
        if (major, minor) != device {
            return None;
        }
        let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
        Some((
            (*f.get(2)?).to_string(),
            DiskCounters {
                reads: n(3)?,
                sectors_read: n(5)?,
                writes: n(7)?,
                sectors_written: n(9)?,
                io_millis: n(12)?,
            },
        ))
    })
}

/// The control groups of `/proc/self/cgroup`: controller to path (`""` for the v2 hierarchy).
fn control_groups(proc_self_cgroup: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for line in proc_self_cgroup.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        for c in controllers.split(',') {
            map.insert(c.to_string(), path.to_string());
        }
    }
    map
}

/// The directory of `group` under `hierarchy`, and the group name to report. A container
/// sees its own group at the root of its cgroup mount while `/proc/self/cgroup` names the
/// host's path; then the root is read and reported as `/`, as Elasticsearch's Docker images
/// do with `es.cgroups.hierarchy.override=/`.
fn group_dir(hierarchy: &Path, group: &str) -> (PathBuf, String) {
    let dir = hierarchy.join(group.trim_start_matches('/'));
    if dir.is_dir() {
        (dir, group.to_string())
    } else {
        (hierarchy.to_path_buf(), "/".to_string())
    }
}

fn read_line(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    Some(text.lines().next()?.trim().to_string())
}

fn key_values(text: &str) -> HashMap<&str, u64> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(char::is_whitespace)?;
            Some((k, v.trim().parse().ok()?))
        })
        .collect()
}

/// Elasticsearch's cgroup figures from the hierarchy mounted at `sys` (`/sys/fs/cgroup`) and
/// the `/proc/self/cgroup` text; `None` when any file it needs cannot be read, as
/// Elasticsearch then reports no `cgroup` object.
pub(crate) fn read_cgroup(sys: &Path, proc_self_cgroup: &str) -> Option<CgroupSample> {
    let groups = control_groups(proc_self_cgroup);
    if groups.len() == 1 && groups.contains_key("") {
        // cgroups v2: one hierarchy, `cpuacct` merged into `cpu`.
        if !sys.join("cpu.stat").exists() || !sys.join("memory.stat").exists() {
            return None;
        }
        let (dir, group) = group_dir(sys, groups.get("")?);
        let stat_text = fs::read_to_string(dir.join("cpu.stat")).ok()?;
        let stat = key_values(&stat_text);
        let cpu_max = read_line(&dir.join("cpu.max"))?;
        let (quota, period) = cpu_max.split_once(char::is_whitespace)?;
        // Elasticsearch reports the microsecond counters of cgroups v2 unconverted under its
        // `_nanos` names; monitoring tools compare them with its own figures.
        Some(CgroupSample {
            cpuacct_group: group.clone(),
            cpuacct_usage_nanos: *stat.get("usage_usec")?,
            cpu_group: group.clone(),
            cfs_period_micros: period.trim().parse().ok()?,
            cfs_quota_micros: if quota == "max" {
                -1
            } else {
                quota.parse().ok()?
            },
            elapsed_periods: *stat.get("nr_periods")?,
            times_throttled: *stat.get("nr_throttled")?,
            time_throttled_nanos: *stat.get("throttled_usec")?,
            memory_limit: read_line(&dir.join("memory.max"))?,
            memory_usage: read_line(&dir.join("memory.current"))?,
            memory_group: group,
        })
    } else {
        if ["cpu", "cpuacct", "memory"]
            .iter()
            .any(|c| !sys.join(c).exists())
        {
            return None;
        }
        let (acct_dir, acct_group) = group_dir(&sys.join("cpuacct"), groups.get("cpuacct")?);
        let (cpu_dir, cpu_group) = group_dir(&sys.join("cpu"), groups.get("cpu")?);
        let (mem_dir, mem_group) = group_dir(&sys.join("memory"), groups.get("memory")?);
        let stat_text = fs::read_to_string(cpu_dir.join("cpu.stat")).ok()?;
        let stat = key_values(&stat_text);
        Some(CgroupSample {
            cpuacct_group: acct_group,
            cpuacct_usage_nanos: read_line(&acct_dir.join("cpuacct.usage"))?.parse().ok()?,
            cpu_group,
            cfs_period_micros: read_line(&cpu_dir.join("cpu.cfs_period_us"))?
                .parse()
                .ok()?,
            cfs_quota_micros: read_line(&cpu_dir.join("cpu.cfs_quota_us"))?.parse().ok()?,
            elapsed_periods: *stat.get("nr_periods")?,
            times_throttled: *stat.get("nr_throttled")?,
            time_throttled_nanos: *stat.get("throttled_time")?,
            memory_group: mem_group,
            memory_limit: read_line(&mem_dir.join("memory.limit_in_bytes"))?,
            memory_usage: read_line(&mem_dir.join("memory.usage_in_bytes"))?,
        })
    }
}

/// The heap Elasticsearch gives itself on a machine with `memory` bytes when no heap size is
/// configured: 60% for a master-only node, otherwise 40% under 1 GiB (at least 128 MiB) and
/// 50% above, never more than 31 GiB, in whole megabytes.
pub(crate) fn default_heap_bytes(memory: u64, master_only: bool) -> u64 {
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;
    const MAX: u64 = 31 * GIB;
    let bytes = if master_only {
        (memory as f64 * 0.6) as u64
    } else if memory < GIB {
        ((memory as f64 * 0.4) as u64).max(128 * MIB)
    } else {
        (memory as f64 * 0.5) as u64
    };
    bytes.min(MAX) / MIB * MIB
}

/// A duration as Elasticsearch's `TimeValue` prints it: `0s`, `120ms`, `5s`, `3.4m`, `1.2h`,
/// `7.9d` (one decimal, truncated).
pub(crate) fn human_duration(millis: u64) -> String {
    if millis == 0 {
        return "0s".to_string();
    }
    let units: [(u64, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ];
    for (size, unit) in units {
        if millis >= size {
            return one_decimal(millis as f64 / size as f64, unit);
        }
    }
    format!("{millis}ms")
}

/// A size as Elasticsearch's `ByteSizeValue` prints it: `385b`, `1.5kb`, `614.3mb` (one
/// decimal, truncated).
pub(crate) fn human_bytes(bytes: u64) -> String {
    let units: [(u64, &str); 5] = [
        (1 << 50, "pb"),
        (1 << 40, "tb"),
        (1 << 30, "gb"),
        (1 << 20, "mb"),
        (1 << 10, "kb"),
    ];
    for (size, unit) in units {
        if bytes >= size {
            return one_decimal(bytes as f64 / size as f64, unit);
        }
    }
    format!("{bytes}b")
}

/// `value` with at most one decimal, cut (not rounded) as Java's `Strings.format1Decimals`
/// does, and no `.0`.
fn one_decimal(value: f64, unit: &str) -> String {
    let text = value.to_string();
    match text.split_once('.') {
        Some((whole, fraction)) => match fraction.chars().next() {
            Some(d) if d != '0' => format!("{whole}.{d}{unit}"),
            _ => format!("{whole}{unit}"),
        },
        None => format!("{text}{unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_real_figures_of_this_process() {
        let mut probe = ProcessProbe::default();
        let p = probe.process();
        assert!(p.resident_bytes > 0);
        assert!(p.virtual_bytes >= p.resident_bytes);
        assert!(p.threads >= 1);
        assert!(p.threads_peak >= p.threads);
        assert!(p.open_fds > 0);
        assert!(p.max_fds > 0);
        let os = probe.os();
        assert!(os.mem_total > 0);
        assert!(os.usable_memory() > 0 && os.usable_memory() <= os.mem_total);
    }

    #[test]
    fn parses_proc_stat_with_spaces_in_name() {
        let stat = "123 (my (odd) name) S 1 1 1 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0";
        assert_eq!(cpu_millis_from_stat(stat), Some(3000));
    }

    #[test]
    fn human_formats_as_elasticsearch_prints_them() {
        assert_eq!(human_duration(90_000), "1.5m");
        assert_eq!(human_duration(500), "500ms");
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(20_454), "20.4s");
        assert_eq!(human_duration(7_126_693), "1.9h");
        assert_eq!(human_duration(690_779_591), "7.9d");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3mb");
        assert_eq!(human_bytes(1536), "1.5kb");
        assert_eq!(human_bytes(0), "0b");
        assert_eq!(human_bytes(385), "385b");
        // Truncated, not rounded: Elasticsearch prints 614.3mb and 972.7mb for these limits.
        assert_eq!(human_bytes(644_245_094), "614.3mb");
        assert_eq!(human_bytes(1_020_054_732), "972.7mb");
        assert_eq!(human_bytes(256_989_638_026), "239.3gb");
        assert_eq!(human_bytes(1_408_259_034_351), "1.2tb");
    }

    #[test]
    fn default_heap_follows_elasticsearchs_sizing() {
        const GIB: u64 = 1 << 30;
        // A master-only node takes 60%.
        assert_eq!(default_heap_bytes(2 * GIB, true), 1228 << 20);
        // A data node takes half above 1 GiB, 40% (at least 128 MiB) below, 31 GiB at most.
        assert_eq!(default_heap_bytes(2 * GIB, false), GIB);
        assert_eq!(default_heap_bytes(512 << 20, false), 204 << 20);
        assert_eq!(default_heap_bytes(200 << 20, false), 128 << 20);
        assert_eq!(default_heap_bytes(256 * GIB, false), 31 * GIB);
        assert_eq!(default_heap_bytes(256 * GIB, true), 31 * GIB);
    }

    const MOUNTINFO: &str = "\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
23 22 0:21 / /proc rw,nosuid - proc proc rw
40 22 259:3 / /srv/my\\040data rw,noatime master:1 - xfs /dev/nvme0n1p3 rw
41 40 259:4 / /srv/my\\040data/deep rw - xfs /dev/nvme1n1 rw
42 22 0:52 / /srv rw - tmpfs tmpfs rw
garbage line without separator
";

    #[test]
    fn finds_the_deepest_mount_of_a_path() {
        let m = mount_of(MOUNTINFO, Path::new("/srv/my data/nodes/0")).unwrap();
        assert_eq!(m.point, PathBuf::from("/srv/my data"));
        assert_eq!(m.device, (259, 3));
        assert_eq!(m.fs_type, "xfs");
        assert_eq!(m.source, "/dev/nvme0n1p3");
        let m = mount_of(MOUNTINFO, Path::new("/srv/my data/deep/x")).unwrap();
        assert_eq!(m.device, (259, 4));
        // `/srv/my` is not inside `/srv/my data`: whole components only.
        let m = mount_of(MOUNTINFO, Path::new("/srv/my")).unwrap();
        assert_eq!(m.fs_type, "tmpfs");
        let m = mount_of(MOUNTINFO, Path::new("/home/x")).unwrap();
        assert_eq!((m.source.as_str(), m.device), ("/dev/vda", (254, 0)));
        assert_eq!(mount_of("", Path::new("/")), None);
    }

    #[test]
    fn reads_device_counters_from_diskstats() {
        let stats = "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n \
            254       0 vda 1161219 28894 48885786 7596460 549413 288021 276905696 1871594 0 291488 9525130\n";
        let (name, c) = disk_counters(stats, (254, 0)).unwrap();
        assert_eq!(name, "vda");
        assert_eq!(
            c,
            DiskCounters {
                reads: 1_161_219,
                sectors_read: 48_885_786,
                writes: 549_413,
                sectors_written: 276_905_696,
                io_millis: 291_488,
            }
        );
        assert_eq!(disk_counters(stats, (8, 0)), None);
        assert_eq!(disk_counters("254 0 vda 1 2", (254, 0)), None);
    }

    #[test]
    fn reports_the_data_paths_file_system() {
        let dir = tempfile::tempdir().unwrap();
        let mut probe = ProcessProbe::default();
        probe.prime_fs(dir.path());
        let fs = probe.fs(dir.path());
        assert_eq!(
            fs.path,
            fs::canonicalize(dir.path()).unwrap().display().to_string()
        );
        let space = fs.space.unwrap();
        assert!(space.total > 0 && space.free <= space.total && space.available <= space.free);
        assert!(fs.mount.unwrap().contains(" ("));
        assert!(!fs.fs_type.unwrap().is_empty());
        // Counted from the baseline: nothing can exceed what the device did since priming.
        for d in &fs.devices {
            assert!(!d.name.is_empty());
            assert_eq!(d.operations(), d.read_operations + d.write_operations);
        }
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    #[test]
    fn reads_cgroup_v2_as_elasticsearch_does() {
        let root = tempfile::tempdir().unwrap();
        let sys = root.path();
        write(sys, "cpu.stat", "usage_usec 1\n");
        write(sys, "memory.stat", "anon 1\n");
        write(
            sys,
            "system.slice/es.service/cpu.stat",
            "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 10\nnr_throttled 2\nthrottled_usec 700\n",
        );
        write(sys, "system.slice/es.service/cpu.max", "max 100000\n");
        write(sys, "system.slice/es.service/memory.max", "max\n");
        write(sys, "system.slice/es.service/memory.current", "123456\n");
        let c = read_cgroup(sys, "0::/system.slice/es.service\n").unwrap();
        assert_eq!(
            c,
            CgroupSample {
                cpuacct_group: "/system.slice/es.service".into(),
                cpuacct_usage_nanos: 5000,
                cpu_group: "/system.slice/es.service".into(),
                cfs_period_micros: 100_000,
                cfs_quota_micros: -1,
                elapsed_periods: 10,
                times_throttled: 2,
                time_throttled_nanos: 700,
                memory_group: "/system.slice/es.service".into(),
                memory_limit: "max".into(),
                memory_usage: "123456".into(),
            }
        );
        // A quota, and a group the container sees at its root.
        write(sys, "cpu.max", "200000 100000\n");
        write(
            sys,
            "cpu.stat",
            "usage_usec 9\nnr_periods 1\nnr_throttled 0\nthrottled_usec 0\n",
        );
        write(sys, "memory.max", "1073741824\n");
        write(sys, "memory.current", "1000\n");
        let c = read_cgroup(sys, "0::/docker/abc\n").unwrap();
        assert_eq!((c.cpu_group.as_str(), c.cfs_quota_micros), ("/", 200_000));
        assert_eq!(c.memory_limit, "1073741824");
        // Without the hierarchy's files there is no cgroup object.
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(read_cgroup(empty.path(), "0::/\n"), None);
    }

    #[test]
    fn reads_cgroup_v1_as_elasticsearch_does() {
        let root = tempfile::tempdir().unwrap();
        let sys = root.path();
        write(sys, "cpuacct/cpuacct.usage", "11045112204765\n");
        write(sys, "cpu/cpu.cfs_period_us", "100000\n");
        write(sys, "cpu/cpu.cfs_quota_us", "-1\n");
        write(
            sys,
            "cpu/cpu.stat",
            "nr_periods 3\nnr_throttled 1\nthrottled_time 42\nnr_bursts 0\n",
        );
        write(sys, "memory/memory.limit_in_bytes", "9223372036854771712\n");
        write(sys, "memory/memory.usage_in_bytes", "19724394496\n");
        // The memory group is named after the host's path the container cannot see.
        let proc = "9:name=systemd:/\n4:memory:/process_api/4a65\n2:cpuacct:/\n1:cpu:/\n0::/\n";
        let c = read_cgroup(sys, proc).unwrap();
        assert_eq!(c.cpuacct_usage_nanos, 11_045_112_204_765);
        assert_eq!((c.cfs_period_micros, c.cfs_quota_micros), (100_000, -1));
        assert_eq!(
            (c.elapsed_periods, c.times_throttled, c.time_throttled_nanos),
            (3, 1, 42)
        );
        assert_eq!(c.memory_group, "/");
        assert_eq!(c.memory_limit, "9223372036854771712");
        // A limit above the machine's memory does not lower what is usable.
        let os = OsSample {
            mem_total: 1000,
            cgroup: Some(c.clone()),
            ..OsSample::default()
        };
        assert_eq!(os.usable_memory(), 1000);
        let limited = OsSample {
            mem_total: 1000,
            cgroup: Some(CgroupSample {
                memory_limit: "600".into(),
                ..c
            }),
            ..OsSample::default()
        };
        assert_eq!(limited.usable_memory(), 600);
        // Combined controllers on one line.
        assert_eq!(
            control_groups("3:cpu,cpuacct:/a\n").get("cpuacct"),
            Some(&"/a".to_string())
        );
        // A hierarchy without the cpuacct controller gives no figures.
        assert_eq!(read_cgroup(sys, "4:memory:/\n1:cpu:/\n"), None);
    }
}
