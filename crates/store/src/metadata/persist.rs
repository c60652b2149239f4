//! The metadata file: the whole [`Metadata`] as one JSON document under the data folder,
//! replaced atomically (written to a temporary file with mode 0600, fsynced, renamed over the
//! old one, directory fsynced) so that a crash leaves either the old or the new document.
//! Loading a file that does not parse is an error naming the file: metadata is never silently
//! reset. The document carries a format version so later fields can be added.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Metadata;
use crate::error::{Result, StoreError};

/// The file name under the data folder.
pub const FILE_NAME: &str = "metadata.json";

/// The format this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct DocumentOut<'a> {
    format_version: u32,
    metadata: &'a Metadata,
}

#[derive(Deserialize)]
struct DocumentIn {
    format_version: u32,
    metadata: serde_json::Value,
}

/// The metadata file's path under `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// Loads the metadata saved under `data_dir`; empty metadata when there is none yet.
pub fn load(data_dir: &Path) -> Result<Metadata> {
    let file = path(data_dir);
    let bytes = match fs::read(&file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Metadata::default()),
        Err(e) => {
            return Err(StoreError::Unavailable(format!(
                "cannot read metadata file [{}]: {e}",
                file.display()
            )));
        }
    };
    let corrupt = |why: String| {
        StoreError::Unavailable(format!(
            "metadata file [{}] is corrupt: {why}",
            file.display()
        ))
    };
    let document: DocumentIn =
        serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if document.format_version == 0 || document.format_version > FORMAT_VERSION {
        return Err(StoreError::Unavailable(format!(
            "metadata file [{}] has format version [{}], this node reads up to [{FORMAT_VERSION}]",
            file.display(),
            document.format_version
        )));
    }
    serde_json::from_value(document.metadata).map_err(|e| corrupt(e.to_string()))
}

/// Saves `metadata` under `data_dir`, atomically.
pub fn save(data_dir: &Path, metadata: &Metadata) -> Result<()> {
    let file = path(data_dir);
    let temporary = data_dir.join(format!("{FILE_NAME}.tmp"));
    let storage = |what: &str, e: std::io::Error| {
        StoreError::Storage(format!(
            "cannot {what} metadata file [{}]: {e}",
            file.display()
        ))
    };
    let bytes = serde_json::to_vec(&DocumentOut {
        format_version: FORMAT_VERSION,
        metadata,
    })
    .map_err(|e| StoreError::Storage(format!("cannot serialize metadata: {e}")))?;
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(&temporary).map_err(|e| storage("create", e))?;
    out.write_all(&bytes).map_err(|e| storage("write", e))?;
    out.sync_all().map_err(|e| storage("sync", e))?;
    drop(out);
    fs::rename(&temporary, &file).map_err(|e| storage("replace", e))?;
    File::open(data_dir)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| storage("sync the folder of", e))?;
    Ok(())
}

#[cfg(test)]
#[path = "persist_tests.rs"]
mod tests;
