//! The shipper's own process, for its self-monitoring (`beats_stats.metrics.beat.*`): CPU time
//! from `/proc/self/stat`, resident memory, open file descriptors and their limits. Always the
//! real `/proc` (the process being measured is this one, not the monitored host's).

use std::path::Path;

use crate::{Error, Result};

/// What the shipper costs, as Beats reports it about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnProcess {
    /// User CPU time, milliseconds.
    pub cpu_user_ms: u64,
    /// System CPU time, milliseconds.
    pub cpu_system_ms: u64,
    /// Resident set size, bytes.
    pub rss_bytes: u64,
    /// Open file descriptors.
    pub open_handles: u64,
    /// `RLIMIT_NOFILE` soft limit (`None`: unlimited).
    pub handles_soft_limit: Option<u64>,
    /// `RLIMIT_NOFILE` hard limit (`None`: unlimited).
    pub handles_hard_limit: Option<u64>,
}

/// `(utime, stime, rss pages)` from a `/proc/<pid>/stat` text (the command name may contain
/// spaces and parentheses: fields are counted after the last `)`).
pub(crate) fn parse_stat(text: &str) -> Option<(u64, u64, u64)> {
    let (_, rest) = text.rsplit_once(')')?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some((n(11)?, n(12)?, n(21)?))
}

/// The `Max open files` soft and hard limits of a `/proc/<pid>/limits` text.
pub(crate) fn parse_open_files_limit(text: &str) -> Option<(Option<u64>, Option<u64>)> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut values = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .map(|v| {
            if v == "unlimited" {
                None
            } else {
                v.parse().ok()
            }
        });
    Some((values.next()?, values.next()?))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Measures this process.
pub fn own_process() -> Result<OwnProcess> {
    let stat_path = Path::new("/proc/self/stat");
    let (utime, stime, rss_pages) = parse_stat(&read(stat_path)?).ok_or_else(|| Error::Parse {
        path: stat_path.to_path_buf(),
        reason: "unexpected format".to_string(),
    })?;
    let ticks = rustix::param::clock_ticks_per_second().max(1);
    let page = rustix::param::page_size() as u64;
    let limits_path = Path::new("/proc/self/limits");
    let (soft, hard) = parse_open_files_limit(&read(limits_path)?).ok_or_else(|| Error::Parse {
        path: limits_path.to_path_buf(),
        reason: "no [Max open files] line".to_string(),
    })?;
    let fd = Path::new("/proc/self/fd");
    let open = std::fs::read_dir(fd)
        .map_err(|source| Error::Read {
            path: fd.to_path_buf(),
            source,
        })?
        .count() as u64;
    Ok(OwnProcess {
        cpu_user_ms: utime.saturating_mul(1000) / ticks,
        cpu_system_ms: stime.saturating_mul(1000) / ticks,
        rss_bytes: rss_pages.saturating_mul(page),
        open_handles: open,
        handles_soft_limit: soft,
        handles_hard_limit: hard,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_and_limits_samples() {
        let stat = "4242 (ship (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 25 0 0 20 0 6 0 \
                    1000 500000000 2048 18446744073709551615";
        assert_eq!(parse_stat(stat), Some((150, 25, 2048)));
        assert_eq!(parse_stat("garbage"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max cpu time              unlimited            unlimited            seconds\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(
            parse_open_files_limit(limits),
            Some((Some(1024), Some(524_288)))
        );
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(parse_open_files_limit(unlimited), Some((None, None)));
        assert_eq!(parse_open_files_limit("Max processes 1 1"), None);
    }

    #[test]
    fn this_process_is_measured() {
        let own = own_process().unwrap();
        assert!(own.rss_bytes > 0);
        assert!(own.open_handles >= 3, "{own:?}");
        // Burn some CPU so the counters cannot both be zero.
        let mut x = 0u64;
        for i in 0..30_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        assert!(x > 0);
        let later = own_process().unwrap();
        assert!(later.cpu_user_ms + later.cpu_system_ms >= own.cpu_user_ms + own.cpu_system_ms);
    }
}
