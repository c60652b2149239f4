//! `system.cpu`: the aggregate `cpu` line of `/proc/stat`, turned into shares of the time
//! elapsed between two samples (non-normalised shares go up to the number of cores).

use serde_json::{Value, json};

use crate::ratio;

/// Cumulative ticks of the aggregate `cpu` line and the number of `cpuN` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CpuTicks {
    pub(crate) cores: u64,
    user: u64,
    nice: u64,
    system: u64,
    idle: u64,
    iowait: u64,
    irq: u64,
    softirq: u64,
    steal: u64,
}

impl CpuTicks {
    fn total(&self) -> u64 {
        self.user
            + self.nice
            + self.system
            + self.idle
            + self.iowait
            + self.irq
            + self.softirq
            + self.steal
    }
}

/// Parses `/proc/stat`.
pub(crate) fn parse_stat(text: &str) -> Result<CpuTicks, String> {
    let mut ticks: Option<CpuTicks> = None;
    let mut cores = 0u64;
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("cpu") => {
                let values = fields
                    .map(|f| {
                        f.parse::<u64>()
                            .map_err(|_| format!("bad cpu tick count [{f}]"))
                    })
                    .collect::<Result<Vec<u64>, String>>()?;
                if values.len() < 4 {
                    return Err("the cpu line has fewer than 4 counters".to_string());
                }
                let at = |i: usize| values.get(i).copied().unwrap_or(0);
                ticks = Some(CpuTicks {
                    cores: 0,
                    user: at(0),
                    nice: at(1),
                    system: at(2),
                    idle: at(3),
                    iowait: at(4),
                    irq: at(5),
                    softirq: at(6),
                    steal: at(7),
                });
            }
            Some(name) if name.starts_with("cpu") => cores += 1,
            _ => {}
        }
    }
    let mut ticks = ticks.ok_or_else(|| "no aggregate cpu line".to_string())?;
    ticks.cores = cores.max(1);
    Ok(ticks)
}

/// The `system.cpu` document for the interval from `previous` (boot when `None`) to `current`,
/// with the `.pct` and/or `.norm.pct` fields (`cpu.metrics`); `host.cpu.usage` always.
pub(crate) fn document(
    previous: Option<&CpuTicks>,
    current: &CpuTicks,
    percentages: bool,
    normalized: bool,
) -> Value {
    let zero = CpuTicks::default();
    let previous = previous.unwrap_or(&zero);
    // Counters can go backwards after a CPU goes offline; such a field counts as 0.
    let delta = |now: u64, before: u64| now.saturating_sub(before) as f64;
    let total = delta(current.total(), previous.total());
    let cores = current.cores as f64;
    let share = |busy: f64| {
        let mut v = serde_json::Map::new();
        if percentages {
            v.insert("pct".to_string(), json!(ratio(busy * cores, total)));
        }
        if normalized {
            v.insert("norm".to_string(), json!({"pct": ratio(busy, total)}));
        }
        Value::Object(v)
    };
    let idle = delta(current.idle, previous.idle);
    let iowait = delta(current.iowait, previous.iowait);
    let busy = (total - idle - iowait).max(0.0);
    json!({
        "system": {"cpu": {
            "cores": current.cores,
            "user": share(delta(current.user, previous.user)),
            "system": share(delta(current.system, previous.system)),
            "nice": share(delta(current.nice, previous.nice)),
            "idle": share(idle),
            "iowait": share(iowait),
            "irq": share(delta(current.irq, previous.irq)),
            "softirq": share(delta(current.softirq, previous.softirq)),
            "steal": share(delta(current.steal, previous.steal)),
            "total": share(busy),
        }},
        "host": {"cpu": {"usage": ratio(busy, total)}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT_1: &str = "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\ncpu1 50 0 25 400 25 0 0 0 0 0\nintr 1 2\nctxt 5\n";
    const STAT_2: &str = "cpu  200 0 100 1600 100 0 0 0 0 0\ncpu0 100 0 50 800 50 0 0 0 0 0\ncpu1 100 0 50 800 50 0 0 0 0 0\n";

    #[test]
    fn shares_between_two_samples_scale_with_cores() {
        let a = parse_stat(STAT_1).unwrap();
        let b = parse_stat(STAT_2).unwrap();
        assert_eq!(b.cores, 2);
        let d = document(Some(&a), &b, true, true);
        let cpu = &d["system"]["cpu"];
        // 100 user ticks out of 1000 on 2 cores.
        assert_eq!(cpu["user"]["pct"], 0.2);
        assert_eq!(cpu["user"]["norm"]["pct"], 0.1);
        assert_eq!(cpu["idle"]["pct"], 1.6);
        // total excludes idle and iowait: (1000 - 800 - 50) / 1000.
        assert_eq!(cpu["total"]["norm"]["pct"], 0.15);
        assert_eq!(cpu["total"]["pct"], 0.3);
        assert_eq!(d["host"]["cpu"]["usage"], 0.15);
    }

    #[test]
    fn first_sample_is_since_boot_and_an_unchanged_sample_is_zero() {
        let a = parse_stat(STAT_1).unwrap();
        let first = document(None, &a, true, true);
        assert_eq!(first["system"]["cpu"]["user"]["norm"]["pct"], 0.1);
        let same = document(Some(&a), &a, true, true);
        assert_eq!(same["system"]["cpu"]["total"]["pct"], 0.0);
    }

    #[test]
    fn cpu_metrics_choose_the_fields() {
        let a = parse_stat(STAT_1).unwrap();
        let b = parse_stat(STAT_2).unwrap();
        let d = document(Some(&a), &b, true, false);
        assert_eq!(d["system"]["cpu"]["user"], json!({"pct": 0.2}));
        assert_eq!(d["host"]["cpu"]["usage"], 0.15);
        let d = document(Some(&a), &b, false, true);
        assert_eq!(d["system"]["cpu"]["total"], json!({"norm": {"pct": 0.15}}));
    }

    #[test]
    fn malformed_stat_is_an_error() {
        assert!(parse_stat("intr 1\n").is_err());
        assert!(parse_stat("cpu 1 2 x 4\n").is_err());
        assert!(parse_stat("cpu 1 2\n").is_err());
    }
}
