//! `system.process_summary`: every `/proc/<pid>/stat` counted by its state letter. A process
//! that exits while being read is skipped; an unreadable one counts as `unknown`.

use serde_json::{Value, json};

use crate::{Error, HostFs, Result};

/// Counts by state.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    total: u64,
    running: u64,
    sleeping: u64,
    stopped: u64,
    idle: u64,
    zombie: u64,
    dead: u64,
    unknown: u64,
    wakekill: u64,
    wake: u64,
    parked: u64,
}

impl Summary {
    /// Counts one `/proc/<pid>/stat` text (`None` when it could not be read).
    pub(crate) fn add(&mut self, stat: Option<&str>) {
        self.total += 1;
        // The command name is in parentheses and may contain spaces or ')': the state is
        // the first field after the last ')'.
        let state = stat
            .and_then(|s| s.rsplit_once(')'))
            .and_then(|(_, rest)| rest.split_whitespace().next());
        match state {
            Some("R") => self.running += 1,
            Some("S") => self.sleeping += 1,
            Some("D") => self.sleeping += 1,
            Some("T" | "t") => self.stopped += 1,
            Some("I") => self.idle += 1,
            Some("Z") => self.zombie += 1,
            Some("X" | "x") => self.dead += 1,
            Some("K") => self.wakekill += 1,
            Some("W") => self.wake += 1,
            Some("P") => self.parked += 1,
            _ => self.unknown += 1,
        }
    }

    fn document(&self) -> Value {
        json!({"system": {"process": {"summary": {
            "total": self.total, "running": self.running, "sleeping": self.sleeping,
            "stopped": self.stopped, "idle": self.idle, "zombie": self.zombie,
            "dead": self.dead, "unknown": self.unknown, "wakekill": self.wakekill,
            "wake": self.wake, "parked": self.parked,
        }}}})
    }
}

/// Reads every process under `<hostfs>/proc`.
pub(crate) fn summary_document(hostfs: &HostFs) -> Result<Value> {
    let dir = hostfs.proc_path("");
    let entries = std::fs::read_dir(&dir).map_err(|source| Error::Read {
        path: dir.clone(),
        source,
    })?;
    let mut summary = Summary::default();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_pid = name
            .to_str()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !is_pid {
            continue;
        }
        match std::fs::read_to_string(entry.path().join("stat")) {
            Ok(text) => summary.add(Some(&text)),
            // Gone between the listing and the read.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => summary.add(None),
        }
    }
    Ok(summary.document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_counted_after_the_last_parenthesis() {
        let mut s = Summary::default();
        s.add(Some("1 (init) S 0 1"));
        s.add(Some("2 (weird) R name) R 1 2"));
        s.add(Some("3 (z) Z 1"));
        s.add(Some("4 (k) I 2"));
        s.add(None);
        s.add(Some("garbage"));
        let d = s.document();
        let sum = &d["system"]["process"]["summary"];
        assert_eq!(sum["total"], 6);
        assert_eq!(sum["sleeping"], 1);
        assert_eq!(sum["running"], 1);
        assert_eq!(sum["zombie"], 1);
        assert_eq!(sum["idle"], 1);
        assert_eq!(sum["unknown"], 2);
    }

    #[test]
    fn fixture_tree_is_read() {
        let dir = tempfile::tempdir().unwrap();
        for (pid, stat) in [("1", "1 (a) S 0"), ("22", "22 (b b) R 1")] {
            std::fs::create_dir_all(dir.path().join("proc").join(pid)).unwrap();
            std::fs::write(dir.path().join("proc").join(pid).join("stat"), stat).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("proc/sys")).unwrap();
        let d = summary_document(&HostFs::new(dir.path())).unwrap();
        assert_eq!(d["system"]["process"]["summary"]["total"], 2);
        assert_eq!(d["system"]["process"]["summary"]["running"], 1);
    }
}
