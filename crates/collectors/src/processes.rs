//! `system.process`: one document per process among the top N by CPU and by memory
//! (`process.include_top_n`), from `/proc/<pid>/{stat,statm,status,cmdline,exe,cwd,fd}`.
//! CPU percentages need two samples, so a process's first observation has none, as in
//! Metricbeat.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Value, json};

use crate::{HostFs, Result, ratio, round4};

/// What `/proc/<pid>/stat` says about one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stat {
    pub(crate) pid: u32,
    pub(crate) name: String,
    pub(crate) state: char,
    pub(crate) ppid: u32,
    pub(crate) pgid: u32,
    /// utime + stime, in clock ticks.
    pub(crate) ticks: u64,
    pub(crate) num_threads: u64,
    /// Start time in clock ticks after boot.
    pub(crate) start_ticks: u64,
    pub(crate) vsize: u64,
    pub(crate) rss_pages: u64,
}

/// Parses `/proc/<pid>/stat` (the name may contain spaces and parentheses).
pub(crate) fn parse_stat(pid: u32, text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_string();
    let f: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some(Stat {
        pid,
        name,
        state: f.first()?.chars().next()?,
        ppid: u32::try_from(n(1)?).ok()?,
        pgid: u32::try_from(n(2)?).ok()?,
        ticks: n(11)?.saturating_add(n(12)?),
        num_threads: n(17)?,
        start_ticks: n(19)?,
        vsize: n(20)?,
        rss_pages: n(21)?,
    })
}

fn state_name(state: char) -> &'static str {
    match state {
        'R' => "running",
        'S' => "sleeping",
        'D' => "disk_sleep",
        'T' | 't' => "stopped",
        'Z' => "zombie",
        'X' | 'x' => "dead",
        'I' => "idle",
        'P' => "parked",
        'W' => "waking",
        'K' => "wakekill",
        _ => "unknown",
    }
}

/// The previous sample of a process, to compute its CPU share.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Previous {
    start_ticks: u64,
    ticks: u64,
    at: Instant,
}

/// State kept between fetches.
#[derive(Debug, Default)]
pub(crate) struct ProcessState {
    previous: HashMap<u32, Previous>,
}

/// Host facts the documents need.
struct Host {
    clock_ticks: f64,
    page_size: u64,
    mem_total: u64,
    boot_time: i64,
    cores: u64,
    users: HashMap<u32, String>,
}

/// `/etc/passwd` as uid → name.
fn parse_passwd(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let uid = f.nth(1)?.parse().ok()?;
            Some((uid, name.to_string()))
        })
        .collect()
}

/// One process with what is needed to rank and describe it.
struct Sample {
    stat: Stat,
    cpu_pct: Option<f64>,
    rss: u64,
}

/// Fetches the top processes.
pub(crate) fn documents(
    hostfs: &HostFs,
    state: &mut ProcessState,
    top_by_cpu: usize,
    top_by_memory: usize,
) -> Result<Vec<Value>> {
    let stat_text = hostfs.read_proc("stat")?;
    let host = Host {
        clock_ticks: rustix::param::clock_ticks_per_second().max(1) as f64,
        page_size: rustix::param::page_size() as u64,
        mem_total: crate::memory::total_bytes(&hostfs.read_proc("meminfo")?).unwrap_or(0),
        boot_time: stat_text
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0),
        cores: crate::cpu::parse_stat(&stat_text)
            .map(|t| t.cores)
            .unwrap_or(1),
        users: parse_passwd(
            &std::fs::read_to_string(hostfs.root().join("etc/passwd")).unwrap_or_default(),
        ),
    };
    let dir = hostfs.proc_path("");
    let entries = std::fs::read_dir(&dir).map_err(|source| crate::Error::Read {
        path: dir.clone(),
        source,
    })?;
    let now = Instant::now();
    let mut samples = Vec::new();
    let mut seen = HashMap::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // A process that exits while being read is simply not reported.
        let Some(stat) = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|t| parse_stat(pid, &t))
        else {
            continue;
        };
        let current = Previous {
            start_ticks: stat.start_ticks,
            ticks: stat.ticks,
            at: now,
        };
        let cpu_pct = state.previous.get(&pid).and_then(|p| {
            // A reused pid is a different process.
            if p.start_ticks != stat.start_ticks {
                return None;
            }
            let elapsed = now.duration_since(p.at).as_secs_f64();
            (elapsed > 0.0)
                .then(|| (stat.ticks.saturating_sub(p.ticks) as f64 / host.clock_ticks) / elapsed)
        });
        seen.insert(pid, current);
        let rss = stat.rss_pages.saturating_mul(host.page_size);
        samples.push(Sample { stat, cpu_pct, rss });
    }
    state.previous = seen;
    Ok(select_top(samples, top_by_cpu, top_by_memory)
        .into_iter()
        .map(|s| document(hostfs, &host, &s))
        .collect())
}

/// The union of the top `by_cpu` and top `by_memory` (all processes when both are 0).
fn select_top(mut samples: Vec<Sample>, by_cpu: usize, by_memory: usize) -> Vec<Sample> {
    if by_cpu == 0 && by_memory == 0 {
        return samples;
    }
    samples.sort_by(|a, b| {
        b.cpu_pct
            .unwrap_or(0.0)
            .total_cmp(&a.cpu_pct.unwrap_or(0.0))
    });
    let mut chosen: Vec<u32> = samples.iter().take(by_cpu).map(|s| s.stat.pid).collect();
    samples.sort_by_key(|s| std::cmp::Reverse(s.rss));
    chosen.extend(samples.iter().take(by_memory).map(|s| s.stat.pid));
    samples.retain(|s| chosen.contains(&s.stat.pid));
    samples
}

fn document(hostfs: &HostFs, host: &Host, s: &Sample) -> Value {
    let proc_dir = hostfs.proc_path(&s.stat.pid.to_string());
    let args: Vec<String> = std::fs::read(proc_dir.join("cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default();
    let command_line = args.join(" ");
    let start = jiff::Timestamp::from_millisecond(
        host.boot_time.saturating_mul(1000)
            + ((s.stat.start_ticks as f64 / host.clock_ticks) * 1000.0) as i64,
    )
    .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    .ok();
    let share = std::fs::read_to_string(proc_dir.join("statm"))
        .ok()
        .and_then(|t| {
            t.split_whitespace()
                .nth(2)
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|pages| pages.saturating_mul(host.page_size));
    let uid = std::fs::read_to_string(proc_dir.join("status"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|r| {
                    r.split_whitespace()
                        .next()
                        .and_then(|v| v.parse::<u32>().ok())
                })
        });
    let fd_open = std::fs::read_dir(proc_dir.join("fd"))
        .ok()
        .map(|d| d.count());
    let link = |name: &str| {
        std::fs::read_link(proc_dir.join(name))
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    };
    let rss_pct = ratio(s.rss as f64, host.mem_total as f64);
    let mut process = json!({
        "pid": s.stat.pid,
        "name": s.stat.name,
        "pgid": s.stat.pgid,
        "parent": {"pid": s.stat.ppid},
        "state": state_name(s.stat.state),
        "memory": {"pct": rss_pct},
    });
    let mut system = json!({
        "state": state_name(s.stat.state),
        "num_threads": s.stat.num_threads,
        "cpu": {"total": {"value": (s.stat.ticks as f64 / host.clock_ticks * 1000.0).round() as u64}},
        "memory": {"size": s.stat.vsize, "rss": {"bytes": s.rss, "pct": rss_pct}},
    });
    if !args.is_empty() {
        process["args"] = json!(args);
        process["command_line"] = json!(command_line);
        system["cmdline"] = json!(command_line);
    }
    if let Some(exe) = link("exe") {
        process["executable"] = json!(exe);
    }
    if let Some(cwd) = link("cwd") {
        process["working_directory"] = json!(cwd);
    }
    if let Some(start) = start {
        process["cpu"] = json!({"start_time": start});
        system["cpu"]["start_time"] = json!(start);
    }
    if let Some(pct) = s.cpu_pct {
        let norm = round4(pct / host.cores.max(1) as f64);
        process["cpu"]["pct"] = json!(norm);
        system["cpu"]["total"]["pct"] = json!(round4(pct));
        system["cpu"]["total"]["norm"] = json!({"pct": norm});
    }
    if let Some(share) = share {
        system["memory"]["share"] = json!(share);
    }
    if let Some(n) = fd_open {
        system["fd"] = json!({"open": n});
    }
    let mut doc = json!({"process": process, "system": {"process": system}});
    if let Some(name) = uid.and_then(|u| host.users.get(&u)) {
        doc["user"] = json!({"name": name});
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_a_tricky_name() {
        let s = parse_stat(42, "42 (my (odd) proc) S 1 42 42 0 -1 4194304 1 0 0 0 150 50 0 0 20 0 3 0 1000 4096000 250 18446744073709551615").unwrap();
        assert_eq!(s.name, "my (odd) proc");
        assert_eq!((s.state, s.ppid, s.pgid), ('S', 1, 42));
        assert_eq!(s.ticks, 200);
        assert_eq!(s.num_threads, 3);
        assert_eq!(
            (s.start_ticks, s.vsize, s.rss_pages),
            (1000, 4_096_000, 250)
        );
        assert!(parse_stat(1, "1 (x) S 1").is_none());
        assert!(parse_stat(1, "garbage").is_none());
    }

    #[test]
    fn passwd_and_top_selection() {
        let users = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/:/usr/sbin/nologin\nbad line\n",
        );
        assert_eq!(users.get(&0).map(String::as_str), Some("root"));
        assert_eq!(users.get(&65534).map(String::as_str), Some("nobody"));
        let mk = |pid, cpu: Option<f64>, rss| Sample {
            stat: parse_stat(
                pid,
                &format!("{pid} (p) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1"),
            )
            .unwrap(),
            cpu_pct: cpu,
            rss,
        };
        let samples = vec![
            mk(1, Some(0.5), 10),
            mk(2, None, 1000),
            mk(3, Some(0.1), 5),
            mk(4, Some(0.9), 1),
        ];
        let mut top: Vec<u32> = select_top(samples, 1, 1)
            .iter()
            .map(|s| s.stat.pid)
            .collect();
        top.sort();
        assert_eq!(top, vec![2, 4]);
        let all = select_top(vec![mk(1, None, 1), mk(2, None, 2)], 0, 0);
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn this_process_is_described_and_gets_a_cpu_share_on_the_second_fetch() {
        let mut state = ProcessState::default();
        let first = documents(&HostFs::default(), &mut state, 0, 0).unwrap();
        let me = std::process::id();
        let mine = |docs: &[Value]| {
            docs.iter()
                .find(|d| d["process"]["pid"] == me)
                .cloned()
                .unwrap()
        };
        let d = mine(&first);
        assert!(
            d["process"]["cpu"].get("pct").is_none(),
            "no share on the first observation"
        );
        assert!(
            d["system"]["process"]["memory"]["rss"]["bytes"]
                .as_u64()
                .unwrap()
                > 0
        );
        assert!(d["process"]["executable"].as_str().is_some());
        std::thread::sleep(std::time::Duration::from_millis(20));
        let second = documents(&HostFs::default(), &mut state, 0, 0).unwrap();
        let d = mine(&second);
        assert!(
            d["system"]["process"]["cpu"]["total"]["pct"]
                .as_f64()
                .is_some(),
            "{d}"
        );
    }
}
