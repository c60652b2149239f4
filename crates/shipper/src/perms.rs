//! `--strict.perms`: a configuration file must be owned by the user running the shipper (or
//! root) and writable by nobody else, as Beats checks, because it names the hosts and
//! credentials events go to.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::{Error, Result};

/// Checks `path` (a missing file is left to the reader to report).
pub(crate) fn check(path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let euid = rustix::process::geteuid().as_raw();
    check_metadata(path, meta.uid(), meta.mode(), euid)
}

fn check_metadata(path: &Path, owner: u32, mode: u32, euid: u32) -> Result<()> {
    if owner != euid && owner != 0 {
        return Err(Error::Permissions(format!(
            "config file [{}] must be owned by the user identifier (uid={euid}) or root",
            path.display()
        )));
    }
    if mode & 0o022 != 0 {
        return Err(Error::Permissions(format!(
            "config file [{}] can only be writable by the owner but the permissions are [{:04o}] (to fix the permissions use: 'chmod go-w {}')",
            path.display(),
            mode & 0o7777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_and_write_bits() {
        let p = Path::new("/etc/shipper.yml");
        assert!(check_metadata(p, 1000, 0o100600, 1000).is_ok());
        assert!(check_metadata(p, 0, 0o100644, 1000).is_ok());
        let e = check_metadata(p, 1001, 0o100600, 1000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be owned") && e.contains("uid=1000"), "{e}");
        let e = check_metadata(p, 1000, 0o100664, 1000)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("can only be writable by the owner") && e.contains("0664"),
            "{e}"
        );
        assert!(check_metadata(p, 1000, 0o100602, 1000).is_err());
    }

    #[test]
    fn real_file_is_checked() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("shipper.yml");
        std::fs::write(&f, "").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(check(&f).is_err());
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(check(&f).is_ok());
    }
}
