//! `system.filesystem` and `system.fsstat`: the mounts of `/proc/<pid>/mounts` measured with
//! `statvfs`, skipping the pseudo file systems (Metricbeat's default `ignore_types` are the
//! `nodev` types of `/proc/filesystems`).

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::{Error, HostFs, Result, SystemOptions, ratio};

/// One mounted file system and its statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    device_name: String,
    mount_point: String,
    fs_type: String,
    options: String,
    total: u64,
    free: u64,
    available: u64,
    files: u64,
    free_files: u64,
}

/// One line of a mounts file: device, mount point, type, options (octal escapes decoded).
pub(crate) fn parse_mounts(text: &str) -> Vec<(String, String, String, String)> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            Some((
                unescape(f.next()?),
                unescape(f.next()?),
                f.next()?.to_string(),
                f.next().unwrap_or("").to_string(),
            ))
        })
        .collect()
}

/// The kernel writes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let value = bytes[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
            out.push(u8::try_from(value).unwrap_or(b'?'));
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `nodev` types of `/proc/filesystems`.
pub(crate) fn nodev_types(text: &str) -> HashSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("nodev"))
        .map(|t| t.trim().to_string())
        .collect()
}

/// Every mounted, non-ignored file system that `statvfs` can measure.
pub(crate) fn mounts(hostfs: &HostFs, options: &SystemOptions) -> Result<Vec<Mount>> {
    let mounts_file = if hostfs.root() == std::path::Path::new("/") {
        "self/mounts"
    } else {
        "1/mounts"
    };
    let text = hostfs.read_proc(mounts_file)?;
    let ignored: HashSet<String> = if options.filesystem_ignore_types.is_empty() {
        nodev_types(&hostfs.read_proc("filesystems")?)
    } else {
        options.filesystem_ignore_types.iter().cloned().collect()
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (device_name, mount_point, fs_type, mount_options) in parse_mounts(&text) {
        if ignored.contains(&fs_type) || !seen.insert(mount_point.clone()) {
            continue;
        }
        let path = hostfs.host_path(&mount_point);
        // A mount this user may not stat (or one that vanished) is skipped, as Metricbeat does.
        let Ok(st) = statvfs(&path) else {
            continue;
        };
        out.push(Mount {
            device_name,
            mount_point,
            fs_type,
            options: mount_options,
            ..st
        });
    }
    Ok(out)
}

fn statvfs(path: &std::path::Path) -> Result<Mount> {
    let st = rustix::fs::statvfs(path).map_err(|e| Error::Statvfs {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    let unit = if st.f_frsize > 0 {
        st.f_frsize
    } else {
        st.f_bsize
    };
    Ok(Mount {
        device_name: String::new(),
        mount_point: String::new(),
        fs_type: String::new(),
        options: String::new(),
        total: st.f_blocks.saturating_mul(unit),
        free: st.f_bfree.saturating_mul(unit),
        available: st.f_bavail.saturating_mul(unit),
        files: st.f_files,
        free_files: st.f_ffree,
    })
}

/// One `system.filesystem` document. `used.pct` is used / (used + available), as `df` shows it.
pub(crate) fn document(m: &Mount) -> Value {
    let used = m.total.saturating_sub(m.free);
    json!({"system": {"filesystem": {
        "device_name": m.device_name,
        "mount_point": m.mount_point,
        "type": m.fs_type,
        "options": m.options,
        "total": m.total,
        "free": m.free,
        "available": m.available,
        "files": m.files,
        "free_files": m.free_files,
        "used": {"bytes": used, "pct": ratio(used as f64, (used + m.available) as f64)},
    }}})
}

/// The `system.fsstat` document.
pub(crate) fn fsstat_document(mounts: &[Mount]) -> Value {
    let total: u64 = mounts.iter().map(|m| m.total).sum();
    let free: u64 = mounts.iter().map(|m| m.free).sum();
    let files: u64 = mounts.iter().map(|m| m.files).sum();
    json!({"system": {"fsstat": {
        "count": mounts.len(),
        "total_files": files,
        "total_size": {"total": total, "free": free, "used": total.saturating_sub(free)},
    }}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(total: u64, free: u64, available: u64) -> Mount {
        Mount {
            device_name: "/dev/sda1".into(),
            mount_point: "/".into(),
            fs_type: "ext4".into(),
            options: "rw".into(),
            total,
            free,
            available,
            files: 10,
            free_files: 4,
        }
    }

    #[test]
    fn mounts_file_with_escapes() {
        let m = parse_mounts(
            "/dev/sda1 /mnt/my\\040disk ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n",
        );
        assert_eq!(m[0].1, "/mnt/my disk");
        assert_eq!(m[1].2, "proc");
        assert_eq!(unescape("a\\134b"), "a\\b");
        assert_eq!(unescape("end\\04"), "end\\04");
    }

    #[test]
    fn nodev_types_are_the_default_ignore_list() {
        let t = nodev_types("nodev\tsysfs\nnodev\tproc\n\text4\n");
        assert!(t.contains("proc") && t.contains("sysfs") && !t.contains("ext4"));
    }

    #[test]
    fn used_percentage_like_df_and_totals() {
        let d = document(&mount(1000, 300, 200));
        assert_eq!(d["system"]["filesystem"]["used"]["bytes"], 700);
        assert_eq!(d["system"]["filesystem"]["used"]["pct"], 0.7778);
        let s = fsstat_document(&[mount(1000, 300, 200), mount(500, 100, 100)]);
        assert_eq!(s["system"]["fsstat"]["count"], 2);
        assert_eq!(s["system"]["fsstat"]["total_size"]["used"], 1100);
        assert_eq!(s["system"]["fsstat"]["total_files"], 20);
    }

    #[test]
    fn fixture_hostfs_measures_its_own_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proc/1")).unwrap();
        std::fs::write(
            dir.path().join("proc/1/mounts"),
            "/dev/x / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/y /gone ext4 rw 0 0\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("proc/filesystems"), "nodev\tproc\n\text4\n").unwrap();
        let found = mounts(&HostFs::new(dir.path()), &SystemOptions::default()).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].mount_point, "/");
        assert!(found[0].total > 0);
    }
}
