//! `system.network`: one document per interface from `/proc/net/dev` (cumulative counters),
//! plus the host-level document with `host.network.{ingress,egress}` deltas since the
//! previous fetch.

use serde_json::{Value, json};

/// One interface's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interface {
    name: String,
    in_bytes: u64,
    in_packets: u64,
    in_errors: u64,
    in_dropped: u64,
    out_bytes: u64,
    out_packets: u64,
    out_errors: u64,
    out_dropped: u64,
}

/// Sums over the interfaces, kept between fetches for the host-level deltas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    in_bytes: u64,
    in_packets: u64,
    out_bytes: u64,
    out_packets: u64,
}

impl Totals {
    pub(crate) fn of(interfaces: &[Interface]) -> Totals {
        interfaces.iter().fold(Totals::default(), |t, i| Totals {
            in_bytes: t.in_bytes.saturating_add(i.in_bytes),
            in_packets: t.in_packets.saturating_add(i.in_packets),
            out_bytes: t.out_bytes.saturating_add(i.out_bytes),
            out_packets: t.out_packets.saturating_add(i.out_packets),
        })
    }
}

/// Parses `/proc/net/dev`.
pub(crate) fn parse_dev(text: &str) -> Result<Vec<Interface>, String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.contains(':')) {
        let Some((name, counters)) = line.split_once(':') else {
            continue;
        };
        let values = counters
            .split_whitespace()
            .map(|f| f.parse::<u64>().map_err(|_| format!("bad counter [{f}]")))
            .collect::<Result<Vec<u64>, String>>()?;
        if values.len() < 16 {
            return Err(format!(
                "interface [{}] has fewer than 16 counters",
                name.trim()
            ));
        }
        out.push(Interface {
            name: name.trim().to_string(),
            in_bytes: values[0],
            in_packets: values[1],
            in_errors: values[2],
            in_dropped: values[3],
            out_bytes: values[8],
            out_packets: values[9],
            out_errors: values[10],
            out_dropped: values[11],
        });
    }
    Ok(out)
}

/// The per-interface documents, then the host-level one (deltas are 0 on the first fetch,
/// and when a counter went backwards).
pub(crate) fn documents(
    interfaces: &[Interface],
    previous: Option<&Totals>,
    current: &Totals,
) -> Vec<Value> {
    let mut docs: Vec<Value> = interfaces
        .iter()
        .map(|i| {
            json!({"system": {"network": {
                "name": i.name,
                "in": {"bytes": i.in_bytes, "packets": i.in_packets, "errors": i.in_errors, "dropped": i.in_dropped},
                "out": {"bytes": i.out_bytes, "packets": i.out_packets, "errors": i.out_errors, "dropped": i.out_dropped},
            }}})
        })
        .collect();
    let delta = |now: u64, before: Option<u64>| before.map_or(0, |b| now.saturating_sub(b));
    docs.push(json!({"host": {"network": {
        "ingress": {"bytes": delta(current.in_bytes, previous.map(|p| p.in_bytes)),
                    "packets": delta(current.in_packets, previous.map(|p| p.in_packets))},
        "egress": {"bytes": delta(current.out_bytes, previous.map(|p| p.out_bytes)),
                   "packets": delta(current.out_packets, previous.map(|p| p.out_packets))},
    }}}));
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0:    5000      50    1    2    0     0          0         0     3000      30    3    4    0     0       0          0
";

    #[test]
    fn interfaces_and_host_deltas() {
        let ifaces = parse_dev(DEV).unwrap();
        assert_eq!(ifaces.len(), 2);
        let first = Totals::of(&ifaces);
        let docs = documents(&ifaces, None, &first);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1]["system"]["network"]["name"], "eth0");
        assert_eq!(docs[1]["system"]["network"]["in"]["dropped"], 2);
        assert_eq!(docs[1]["system"]["network"]["out"]["errors"], 3);
        assert_eq!(docs[2]["host"]["network"]["ingress"]["bytes"], 0);
        let later = Totals {
            in_bytes: first.in_bytes + 600,
            ..first
        };
        let docs = documents(&ifaces, Some(&first), &later);
        assert_eq!(docs[2]["host"]["network"]["ingress"]["bytes"], 600);
    }

    #[test]
    fn short_line_is_an_error() {
        assert!(parse_dev("eth0: 1 2 3\n").is_err());
    }
}
