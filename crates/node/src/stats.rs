//! Real process and OS figures for `_nodes/stats` and `_cat/nodes`: read from `/proc` for this
//! process (CPU time, memory, threads, file descriptors) and from `sysinfo` for the machine.
//! The `sysinfo::System` is created on first use so an idle node does not pay for it.

use std::fs;
use std::time::Instant;

/// One sample of the process.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProcessSample {
    pub(crate) cpu_total_millis: u64,
    pub(crate) cpu_percent: u32,
    pub(crate) resident_bytes: u64,
    pub(crate) virtual_bytes: u64,
    pub(crate) threads: u64,
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
}

/// Keeps what CPU percentages need between two samples.
#[derive(Default)]
pub(crate) struct ProcessProbe {
    system: Option<sysinfo::System>,
    last_cpu: Option<(Instant, u64)>,
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
                (cpu_total_millis.saturating_sub(millis) * 100 / wall) as u32
            }
            None => 0,
        };
        self.last_cpu = Some((now, cpu_total_millis));
        ProcessSample {
            cpu_total_millis,
            cpu_percent,
            resident_bytes: proc_status_value(&status, "VmRSS:").unwrap_or(0) * 1024,
            virtual_bytes: proc_status_value(&status, "VmSize:").unwrap_or(0) * 1024,
            threads: proc_status_value(&status, "Threads:").unwrap_or(0),
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
        let Some(system) = self.system.as_mut() else {
            return OsSample {
                load,
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
        }
    }
}

/// `1.2h`, `3.4m`, `5s`, `120ms` as Elasticsearch's `TimeValue` prints durations.
pub(crate) fn human_duration(millis: u64) -> String {
    let units: [(u64, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ];
    for (size, unit) in units {
        if millis >= size {
            let value = millis as f64 / size as f64;
            return trim_number(value, unit);
        }
    }
    format!("{millis}ms")
}

/// `12.3mb` as Elasticsearch's `ByteSizeValue` prints sizes.
pub(crate) fn human_bytes(bytes: u64) -> String {
    let units: [(u64, &str); 4] = [
        (1 << 40, "tb"),
        (1 << 30, "gb"),
        (1 << 20, "mb"),
        (1 << 10, "kb"),
    ];
    for (size, unit) in units {
        if bytes >= size {
            return trim_number(bytes as f64 / size as f64, unit);
        }
    }
    format!("{bytes}b")
}

fn trim_number(value: f64, unit: &str) -> String {
    let s = format!("{value:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s);
    format!("{s}{unit}")
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
        assert!(p.open_fds > 0);
        assert!(p.max_fds > 0);
        let os = probe.os();
        assert!(os.mem_total > 0);
    }

    #[test]
    fn parses_proc_stat_with_spaces_in_name() {
        let stat = "123 (my (odd) name) S 1 1 1 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0";
        assert_eq!(cpu_millis_from_stat(stat), Some(3000));
    }

    #[test]
    fn human_formats() {
        assert_eq!(human_duration(90_000), "1.5m");
        assert_eq!(human_duration(500), "500ms");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3mb");
        assert_eq!(human_bytes(1536), "1.5kb");
    }
}
