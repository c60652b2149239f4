//! `system.diskio`: one document per block device of `/proc/diskstats` with activity (idle
//! loop and ram devices are skipped), cumulative counters; bytes assume the kernel's fixed
//! 512-byte sectors.

use serde_json::{Value, json};

/// `/proc/diskstats` sectors are always 512 bytes, whatever the device's block size.
const SECTOR: u64 = 512;

/// Parses `/proc/diskstats` into documents.
pub(crate) fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 14 {
            return Err(format!(
                "a line has {} fields, expected at least 14",
                fields.len()
            ));
        }
        let name = fields[2];
        let n = |i: usize| -> Result<u64, String> {
            fields[i]
                .parse::<u64>()
                .map_err(|_| format!("bad counter [{}] for [{name}]", fields[i]))
        };
        let (reads, read_sectors, read_ms) = (n(3)?, n(5)?, n(6)?);
        let (writes, write_sectors, write_ms) = (n(7)?, n(9)?, n(10)?);
        if reads == 0 && writes == 0 {
            continue;
        }
        out.push(json!({"system": {"diskio": {
            "name": name,
            "read": {"count": reads, "bytes": read_sectors.saturating_mul(SECTOR), "time": read_ms},
            "write": {"count": writes, "bytes": write_sectors.saturating_mul(SECTOR), "time": write_ms},
            "io": {"ops": n(11)?, "time": n(12)?, "weighted": n(13)?},
        }}}));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_devices_with_bytes() {
        let text = "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n   8       0 sda 100 5 2000 300 50 2 800 90 1 400 390 0 0 0 0\n";
        let docs = documents(text).unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0]["system"]["diskio"];
        assert_eq!(d["name"], "sda");
        assert_eq!(d["read"]["bytes"], 2000 * 512);
        assert_eq!(d["write"]["count"], 50);
        assert_eq!(d["io"]["time"], 400);
        assert!(documents("8 0 sda 1 2\n").is_err());
        assert!(documents("8 0 sda x 0 0 0 0 0 0 0 0 0 0\n").is_err());
    }
}
