//! `logging.files`: the shipper's log files as Beats writes them: `<name>-<YYYYMMDD>.ndjson`,
//! then `<name>-<YYYYMMDD>-1.ndjson`, `-2`, ... as each reaches `rotateeverybytes` or
//! `interval` passes (and once at start with `rotateonstartup`), keeping the newest
//! `keepfiles`, each created with `permissions` (0600).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `logging.files.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilesConfig {
    /// `path` (`path.logs`).
    pub path: PathBuf,
    /// `name` (the Beat's name: `shipper`).
    pub name: String,
    /// `rotateeverybytes` (10 MiB).
    pub rotate_every_bytes: u64,
    /// `keepfiles` (7; 2 to 1024).
    pub keep_files: usize,
    /// `permissions` (0600).
    pub permissions: u32,
    /// `interval` (0: size only; at least 1s otherwise).
    pub interval: Duration,
    /// `rotateonstartup` (true).
    pub rotate_on_startup: bool,
}

/// A log file that rotates itself.
#[derive(Debug)]
pub struct RotatingFile {
    config: LogFilesConfig,
    file: File,
    written: u64,
    opened: Instant,
}

fn today() -> String {
    let iso = ironstack_types::date::format_iso_millis(ironstack_types::date::Timestamp::now());
    iso.get(..10).unwrap_or("19700101").replace('-', "")
}

/// The `(day, sequence)` of one of our files, for ordering; `None` for other files.
fn file_key(name: &str, file: &str) -> Option<(String, u64)> {
    let rest = file.strip_prefix(name)?.strip_prefix('-')?;
    let stem = rest.strip_suffix(".ndjson")?;
    let (day, seq) = match stem.split_once('-') {
        Some((d, s)) => (d, s.parse().ok()?),
        None => (stem, 0),
    };
    (day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit())).then(|| (day.to_string(), seq))
}

impl RotatingFile {
    /// Opens (creating the folder 0750) the current file: a new one when `rotateonstartup`.
    pub fn open(config: LogFilesConfig) -> std::io::Result<RotatingFile> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o750)
            .create(&config.path)?;
        let mut existing = Self::files(&config)?;
        let today = today();
        let latest = existing.pop();
        let (path, fresh) = match latest {
            Some((key, path)) if key.0 == today && !config.rotate_on_startup => (path, false),
            Some((key, _)) if key.0 == today => (Self::path_for(&config, &today, key.1 + 1), true),
            _ => (Self::path_for(&config, &today, 0), true),
        };
        let file = Self::create(&config, &path)?;
        let written = if fresh { 0 } else { file.metadata()?.len() };
        let rotating = RotatingFile {
            config,
            file,
            written,
            opened: Instant::now(),
        };
        rotating.prune()?;
        Ok(rotating)
    }

    fn path_for(config: &LogFilesConfig, day: &str, seq: u64) -> PathBuf {
        if seq == 0 {
            config.path.join(format!("{}-{day}.ndjson", config.name))
        } else {
            config
                .path
                .join(format!("{}-{day}-{seq}.ndjson", config.name))
        }
    }

    fn create(config: &LogFilesConfig, path: &Path) -> std::io::Result<File> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(config.permissions)
            .open(path)
    }

    /// Our files in the folder, oldest first.
    fn files(config: &LogFilesConfig) -> std::io::Result<Vec<((String, u64), PathBuf)>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&config.path)? {
            let entry = entry?;
            let name = entry.file_name();
            if let Some(key) = name.to_str().and_then(|n| file_key(&config.name, n)) {
                found.push((key, entry.path()));
            }
        }
        found.sort();
        Ok(found)
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let today = today();
        let next = match Self::files(&self.config)?.pop() {
            Some((key, _)) if key.0 == today => key.1 + 1,
            _ => 0,
        };
        let _ = self.file.flush();
        self.file = Self::create(&self.config, &Self::path_for(&self.config, &today, next))?;
        self.written = 0;
        self.opened = Instant::now();
        self.prune()
    }

    /// Removes the oldest files beyond `keepfiles`.
    fn prune(&self) -> std::io::Result<()> {
        let files = Self::files(&self.config)?;
        let excess = files.len().saturating_sub(self.config.keep_files);
        for (_, path) in files.into_iter().take(excess) {
            std::fs::remove_file(path)?;
        }
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let full = self.written > 0
            && self.written.saturating_add(buf.len() as u64) > self.config.rotate_every_bytes;
        let due = !self.config.interval.is_zero() && self.opened.elapsed() >= self.config.interval;
        if full || due {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn config(dir: &Path) -> LogFilesConfig {
        LogFilesConfig {
            path: dir.join("logs"),
            name: "shipper".into(),
            rotate_every_bytes: 100,
            keep_files: 3,
            permissions: 0o600,
            interval: Duration::ZERO,
            rotate_on_startup: true,
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn rotates_by_size_keeps_the_newest_and_writes_private_files() {
        let dir = tempfile::tempdir().unwrap();
        let c = config(dir.path());
        let day = today();
        let mut f = RotatingFile::open(c.clone()).unwrap();
        let line = [b'x'; 39];
        for _ in 0..2 {
            f.write_all(&line).unwrap();
        }
        assert_eq!(names(&c.path), vec![format!("shipper-{day}.ndjson")]);
        // The third line would pass 100 bytes: a new file takes it.
        f.write_all(&line).unwrap();
        assert_eq!(
            names(&c.path),
            vec![
                format!("shipper-{day}-1.ndjson"),
                format!("shipper-{day}.ndjson")
            ]
        );
        for _ in 0..8 {
            f.write_all(&line).unwrap();
        }
        // 11 lines at two per file: files 0..=5, of which the newest three are kept.
        let kept = names(&c.path);
        assert_eq!(
            kept,
            vec![
                format!("shipper-{day}-3.ndjson"),
                format!("shipper-{day}-4.ndjson"),
                format!("shipper-{day}-5.ndjson")
            ]
        );
        for name in &kept {
            let mode = std::fs::metadata(c.path.join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        assert_eq!(
            std::fs::metadata(&c.path).unwrap().permissions().mode() & 0o777,
            0o750
        );
        // A line larger than the limit still goes whole into one file.
        f.write_all(&[b'y'; 250]).unwrap();
        f.flush().unwrap();
        let last = names(&c.path).pop().unwrap();
        assert_eq!(std::fs::read(c.path.join(last)).unwrap().len(), 250);
    }

    #[test]
    fn startup_rotates_or_appends_and_ignores_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(dir.path());
        let day = today();
        std::fs::create_dir_all(&c.path).unwrap();
        std::fs::write(c.path.join("other.log"), "keep me").unwrap();
        std::fs::write(c.path.join("shipper-2020010x.ndjson"), "not ours").unwrap();
        RotatingFile::open(c.clone())
            .unwrap()
            .write_all(b"first\n")
            .unwrap();
        RotatingFile::open(c.clone())
            .unwrap()
            .write_all(b"second\n")
            .unwrap();
        c.rotate_on_startup = false;
        RotatingFile::open(c.clone())
            .unwrap()
            .write_all(b"third\n")
            .unwrap();
        assert_eq!(
            names(&c.path),
            vec![
                "other.log".to_string(),
                "shipper-2020010x.ndjson".to_string(),
                format!("shipper-{day}-1.ndjson"),
                format!("shipper-{day}.ndjson"),
            ]
        );
        assert_eq!(
            std::fs::read_to_string(c.path.join(format!("shipper-{day}-1.ndjson"))).unwrap(),
            "second\nthird\n"
        );
    }

    #[test]
    fn interval_rotates_after_it_passes() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(dir.path());
        c.rotate_every_bytes = 1 << 20;
        c.interval = Duration::from_millis(50);
        let mut f = RotatingFile::open(c.clone()).unwrap();
        f.write_all(b"a\n").unwrap();
        std::thread::sleep(Duration::from_millis(80));
        f.write_all(b"b\n").unwrap();
        assert_eq!(names(&c.path).len(), 2);
    }

    #[test]
    fn only_our_names_are_recognised() {
        assert_eq!(
            file_key("shipper", "shipper-20261207.ndjson"),
            Some(("20261207".into(), 0))
        );
        assert_eq!(
            file_key("shipper", "shipper-20261207-12.ndjson"),
            Some(("20261207".into(), 12))
        );
        for other in [
            "shipper",
            "shipper-2026120.ndjson",
            "shipper-20261207-x.ndjson",
            "shipper-20261207.log",
            "metricbeat-20261207.ndjson",
        ] {
            assert_eq!(file_key("shipper", other), None, "{other}");
        }
    }
}
