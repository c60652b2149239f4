//! Reading the keystore file with a size cap, and replacing it atomically: a private (0600)
//! temporary file in the same directory is written, flushed to disk and renamed over the
//! target, then the directory itself is flushed so the rename survives a crash.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::crypto::random_bytes;
use crate::error::{Error, Result};

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| {
        if source.kind() == io::ErrorKind::NotFound && action == "read keystore" {
            Error::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            Error::Io {
                action,
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// Reads at most `limit` bytes; a longer file is an error rather than a large allocation.
pub(crate) fn read_capped(path: &Path, limit: usize) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(io_error("read keystore", path))?;
    let mut bytes = Vec::new();
    // One byte past the limit tells "exactly at the limit" from "over it".
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error("read keystore", path))?;
    if bytes.len() > limit {
        return Err(Error::TooLarge(format!(
            "the file [{}] (over {limit} bytes)",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Replaces `path` with `bytes`, never leaving a partly written keystore behind.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::Io {
            action: "write keystore",
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"),
        })?
        .to_string_lossy()
        .into_owned();
    let mut suffix = [0u8; 6];
    random_bytes(&mut suffix)?;
    let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{file_name}.tmp-{suffix}"));

    let written = write_new_private_file(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(io_error("write keystore", path));
    if let Err(e) = written {
        // Best effort: the original error is the one worth reporting.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir).map_err(io_error("flush directory", &dir))
}

fn write_new_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Created private: the mode applies at creation, so the secret is never readable
        // by others, not even briefly.
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ks");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("ks")]);
    }

    #[cfg(unix)]
    #[test]
    fn file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ks");
        write_atomically(&path, b"secret").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn missing_directory_is_an_io_error_and_missing_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("ks");
        assert!(matches!(
            write_atomically(&path, b"x"),
            Err(Error::Io { .. })
        ));
        assert!(matches!(
            read_capped(&dir.path().join("ks"), 10),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn oversized_file_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ks");
        fs::write(&path, [0u8; 11]).unwrap();
        assert!(matches!(read_capped(&path, 10), Err(Error::TooLarge(_))));
        assert_eq!(read_capped(&path, 11).unwrap().len(), 11);
    }
}
