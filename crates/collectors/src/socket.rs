//! `system.socket_summary`: TCP sockets by state from `/proc/net/tcp{,6}`, UDP sockets from
//! `/proc/net/udp{,6}`, and the kernel's socket memory and orphans from `/proc/net/sockstat`.

use serde_json::{Value, json};

use crate::{HostFs, Result};

/// TCP states as the kernel numbers them (`include/net/tcp_states.h`), with Metricbeat's names.
const TCP_STATES: [(&str, &str); 11] = [
    ("01", "established"),
    ("02", "syn_sent"),
    ("03", "syn_recv"),
    ("04", "fin_wait1"),
    ("05", "fin_wait2"),
    ("06", "time_wait"),
    ("07", "close"),
    ("08", "close_wait"),
    ("09", "last_ack"),
    ("0A", "listening"),
    ("0B", "closing"),
];

/// The state column of each socket line (the header line is skipped).
fn states(text: &str) -> Vec<String> {
    text.lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(3).map(str::to_ascii_uppercase))
        .collect()
}

/// `TCP: ... mem N` and `orphan N`, `UDP: ... mem N` of `/proc/net/sockstat`.
fn sockstat_value(text: &str, protocol: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{protocol}:")))
        .and_then(|rest| {
            let parts: Vec<&str> = rest.split_whitespace().collect();
            parts
                .windows(2)
                .find(|w| w[0] == key)
                .and_then(|w| w[1].parse().ok())
        })
        .unwrap_or(0)
}

/// Builds the document from the files' texts (missing IPv6 files are empty).
pub(crate) fn summary(tcp: &[String], udp_count: usize, sockstat: &str, page_size: u64) -> Value {
    let mut tcp_all = serde_json::Map::new();
    for (code, name) in TCP_STATES {
        if name == "close" {
            continue;
        }
        let n = tcp.iter().filter(|s| s.as_str() == code).count();
        tcp_all.insert(name.to_string(), json!(n));
    }
    let listening = tcp.iter().filter(|s| s.as_str() == "0A").count();
    tcp_all.insert("count".to_string(), json!(tcp.len()));
    tcp_all.insert(
        "orphan".to_string(),
        json!(sockstat_value(sockstat, "TCP", "orphan")),
    );
    json!({"system": {"socket": {"summary": {
        "all": {"count": tcp.len() + udp_count, "listening": listening},
        "tcp": {"memory": sockstat_value(sockstat, "TCP", "mem").saturating_mul(page_size), "all": tcp_all},
        "udp": {"memory": sockstat_value(sockstat, "UDP", "mem").saturating_mul(page_size), "all": {"count": udp_count}},
    }}}})
}

/// Reads the files under `<hostfs>/proc/net`.
pub(crate) fn summary_document(hostfs: &HostFs) -> Result<Value> {
    let mut tcp = states(&hostfs.read_proc("net/tcp")?);
    tcp.extend(states(&hostfs.read_proc("net/tcp6").unwrap_or_default()));
    let udp = states(&hostfs.read_proc("net/udp")?).len()
        + states(&hostfs.read_proc("net/udp6").unwrap_or_default()).len();
    let sockstat = hostfs.read_proc("net/sockstat")?;
    Ok(summary(
        &tcp,
        udp,
        &sockstat,
        rustix::param::page_size() as u64,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_memory_and_counts() {
        let tcp = "  sl  local_address rem_address   st tx_queue\n   0: 0100007F:4B00 00000000:0000 0A 0\n   1: 0100007F:4B00 0100007F:9000 01 0\n   2: 0100007F:4B00 0100007F:9001 06 0\n";
        let states = states(tcp);
        let sockstat =
            "sockets: used 27\nTCP: inuse 2 orphan 1 tw 0 alloc 3 mem 10\nUDP: inuse 0 mem 2\n";
        let d = summary(&states, 4, sockstat, 4096);
        let s = &d["system"]["socket"]["summary"];
        assert_eq!(s["all"]["count"], 7);
        assert_eq!(s["all"]["listening"], 1);
        assert_eq!(s["tcp"]["all"]["established"], 1);
        assert_eq!(s["tcp"]["all"]["time_wait"], 1);
        assert_eq!(s["tcp"]["all"]["orphan"], 1);
        assert_eq!(s["tcp"]["memory"], 40960);
        assert_eq!(s["udp"]["memory"], 8192);
        assert_eq!(s["udp"]["all"]["count"], 4);
    }
}
