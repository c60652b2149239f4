//! `system.memory`: `/proc/meminfo` in bytes, with `actual.free` = MemAvailable as on Linux.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::ratio;

/// Parses `Key: value kB` lines into bytes.
fn parse_meminfo(text: &str) -> HashMap<&str, u64> {
    text.lines()
        .filter_map(|line| {
            let (key, rest) = line.split_once(':')?;
            let mut parts = rest.split_whitespace();
            let value: u64 = parts.next()?.parse().ok()?;
            let bytes = match parts.next() {
                Some("kB") => value.saturating_mul(1024),
                _ => value,
            };
            Some((key.trim(), bytes))
        })
        .collect()
}

/// `MemTotal` in bytes.
pub(crate) fn total_bytes(text: &str) -> Option<u64> {
    parse_meminfo(text).get("MemTotal").copied()
}

/// The `system.memory` document.
pub(crate) fn document(text: &str) -> Result<Value, String> {
    let info = parse_meminfo(text);
    let get = |key: &str| {
        info.get(key)
            .copied()
            .ok_or_else(|| format!("no [{key}] line"))
    };
    let total = get("MemTotal")?;
    let free = get("MemFree")?;
    let cached = info.get("Cached").copied().unwrap_or(0);
    // Kernels before 3.14 have no MemAvailable: free + buffers + cached is what Metricbeat uses.
    let available = info
        .get("MemAvailable")
        .copied()
        .unwrap_or_else(|| free + info.get("Buffers").copied().unwrap_or(0) + cached);
    let used = total.saturating_sub(free);
    let actual_used = total.saturating_sub(available);
    let swap_total = info.get("SwapTotal").copied().unwrap_or(0);
    let swap_free = info.get("SwapFree").copied().unwrap_or(0);
    let swap_used = swap_total.saturating_sub(swap_free);
    let huge_total = info.get("HugePages_Total").copied().unwrap_or(0);
    let huge_free = info.get("HugePages_Free").copied().unwrap_or(0);
    Ok(json!({"system": {"memory": {
        "total": total,
        "free": free,
        "cached": cached,
        "used": {"bytes": used, "pct": ratio(used as f64, total as f64)},
        "actual": {
            "free": available,
            "used": {"bytes": actual_used, "pct": ratio(actual_used as f64, total as f64)},
        },
        "swap": {
            "total": swap_total,
            "free": swap_free,
            "used": {"bytes": swap_used, "pct": ratio(swap_used as f64, swap_total as f64)},
        },
        "hugepages": {
            "total": huge_total,
            "free": huge_free,
            "used": {"count": huge_total.saturating_sub(huge_free)},
            "default_size": info.get("Hugepagesize").copied().unwrap_or(0),
        },
    }}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_in_bytes_with_actual_from_available() {
        let text = "MemTotal:        1000 kB\nMemFree:          200 kB\nMemAvailable:     600 kB\nBuffers: 10 kB\nCached:           300 kB\nSwapTotal:        100 kB\nSwapFree:          25 kB\nHugePages_Total:       0\n";
        let d = document(text).unwrap();
        let m = &d["system"]["memory"];
        assert_eq!(m["total"], 1_024_000);
        assert_eq!(m["used"]["bytes"], 800 * 1024);
        assert_eq!(m["used"]["pct"], 0.8);
        assert_eq!(m["actual"]["free"], 600 * 1024);
        assert_eq!(m["actual"]["used"]["pct"], 0.4);
        assert_eq!(m["swap"]["used"]["pct"], 0.75);
        assert_eq!(m["cached"], 300 * 1024);
    }

    #[test]
    fn missing_total_is_an_error() {
        assert!(document("MemFree: 1 kB\n").is_err());
    }
}
