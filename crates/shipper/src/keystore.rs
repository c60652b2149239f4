//! The shipper's secrets keystore (`<path.data>/shipper.keystore`, Metricbeat's
//! `metricbeat.keystore`): `${KEY}` in the configuration is looked up here before the
//! environment, so passwords need be neither in `shipper.yml` nor in the process environment.
//! The file is the stack's keystore format, unprotected as Beats' is, written 0600.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use ironstack_keystore::Keystore;

use crate::{Error, Result};

/// The keystore file under the data folder.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("shipper.keystore")
}

fn ks_error(e: ironstack_keystore::Error) -> Error {
    Error::Runtime(e.to_string())
}

/// Every entry as text (the `keystore.seed` entry excluded); empty when there is no keystore.
pub fn secrets(data_dir: &Path) -> Result<HashMap<String, String>> {
    let file = path(data_dir);
    if !file.is_file() {
        return Ok(HashMap::new());
    }
    let ks = Keystore::load(&file, "").map_err(ks_error)?;
    Ok(ks
        .names()
        .filter(|n| *n != "keystore.seed")
        .filter_map(|n| ks.get_string(n).map(|v| (n.to_string(), v.to_string())))
        .collect())
}

/// `keystore create [--force]`.
pub fn create(data_dir: &Path, force: bool) -> Result<String> {
    let file = path(data_dir);
    if file.is_file() && !force {
        return Err(Error::Runtime(format!(
            "a keystore already exists at [{}]; use --force to overwrite it",
            file.display()
        )));
    }
    std::fs::create_dir_all(data_dir).map_err(|source| Error::Write {
        path: data_dir.to_path_buf(),
        source,
    })?;
    Keystore::try_new()
        .and_then(|ks| ks.save(&file, ""))
        .map_err(ks_error)?;
    Ok(format!("Created shipper keystore at {}", file.display()))
}

fn open(data_dir: &Path) -> Result<Keystore> {
    let file = path(data_dir);
    if !file.is_file() {
        return Err(Error::Runtime(format!(
            "the keystore [{}] does not exist; create it with `ironstack shipper keystore create`",
            file.display()
        )));
    }
    Keystore::load(&file, "").map_err(ks_error)
}

/// `keystore add KEY [--stdin] [--force]`: the value is the first line of `input`.
pub fn add(data_dir: &Path, key: &str, value: &str, force: bool) -> Result<String> {
    let mut ks = open(data_dir)?;
    if key == "keystore.seed" {
        return Err(Error::Runtime("[keystore.seed] is reserved".to_string()));
    }
    if ks.contains(key) && !force {
        return Err(Error::Runtime(format!(
            "the key [{key}] already exists in the keystore; use --force to overwrite it"
        )));
    }
    ks.set(key, value.as_bytes().to_vec()).map_err(ks_error)?;
    ks.save(&path(data_dir), "").map_err(ks_error)?;
    Ok(format!("Successfully updated the keystore: {key}"))
}

/// Reads one value from standard input (a trailing newline removed).
pub fn read_value(input: &mut dyn BufRead) -> Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| Error::Runtime(format!("cannot read the value from standard input: {e}")))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// `keystore list`: the key names.
pub fn list(data_dir: &Path) -> Result<Vec<String>> {
    let ks = open(data_dir)?;
    Ok(ks
        .names()
        .filter(|n| *n != "keystore.seed")
        .map(str::to_string)
        .collect())
}

/// `keystore remove KEY`.
pub fn remove(data_dir: &Path, key: &str) -> Result<String> {
    let mut ks = open(data_dir)?;
    if key == "keystore.seed" || !ks.remove(key) {
        return Err(Error::Runtime(format!(
            "could not find the key [{key}] in the keystore"
        )));
    }
    ks.save(&path(data_dir), "").map_err(ks_error)?;
    Ok(format!("Successfully removed the key: {key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_add_list_remove() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        assert!(secrets(&data).unwrap().is_empty());
        assert!(add(&data, "ES_PWD", "x", false).is_err(), "no keystore yet");
        create(&data, false).unwrap();
        assert!(create(&data, false).is_err());
        add(&data, "ES_PWD", "s3cret", false).unwrap();
        assert!(add(&data, "ES_PWD", "other", false).is_err());
        add(&data, "ES_PWD", "other", true).unwrap();
        assert_eq!(list(&data).unwrap(), vec!["ES_PWD"]);
        assert_eq!(
            secrets(&data).unwrap().get("ES_PWD").map(String::as_str),
            Some("other")
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path(&data)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        remove(&data, "ES_PWD").unwrap();
        assert!(remove(&data, "ES_PWD").is_err());
        assert!(list(&data).unwrap().is_empty());
        let mut input = std::io::Cursor::new(b"value with spaces\nignored\n".to_vec());
        assert_eq!(read_value(&mut input).unwrap(), "value with spaces");
    }
}
