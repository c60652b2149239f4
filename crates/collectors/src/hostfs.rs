//! Where the collectors read from: a host file system root (Metricbeat's `hostfs`), so a
//! containerised shipper can measure the host through a bind mount, and tests a fixture tree.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The root under which `/proc` and the mount points are found.
#[derive(Debug, Clone)]
pub struct HostFs {
    root: PathBuf,
}

impl Default for HostFs {
    fn default() -> Self {
        HostFs {
            root: PathBuf::from("/"),
        }
    }
}

impl HostFs {
    /// A root other than `/`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        HostFs { root: root.into() }
    }

    /// The root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/proc/<relative>`.
    pub(crate) fn proc_path(&self, relative: &str) -> PathBuf {
        self.root.join("proc").join(relative)
    }

    /// A mount point as seen from this process.
    pub(crate) fn host_path(&self, mount_point: &str) -> PathBuf {
        self.root.join(mount_point.trim_start_matches('/'))
    }

    /// Reads `<root>/proc/<relative>` as text.
    pub(crate) fn read_proc(&self, relative: &str) -> Result<String> {
        let path = self.proc_path(relative);
        std::fs::read_to_string(&path).map_err(|source| Error::Read { path, source })
    }

    /// A parse error naming `<root>/proc/<relative>`.
    pub(crate) fn parse_error(&self, relative: &str, reason: String) -> Error {
        Error::Parse {
            path: self.proc_path(relative),
            reason,
        }
    }
}
