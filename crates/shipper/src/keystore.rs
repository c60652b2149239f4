//! The shipper's secrets keystore (`<path.data>/shipper.keystore`, Metricbeat's
//! `metricbeat.keystore`): `${KEY}` in the configuration is looked up here before the
//! environment, so passwords need be neither in `shipper.yml` nor in the process environment.
//! The file and its commands are the stack's tool keystore
//! ([`ironstack_keystore::ToolKeystore`]), unprotected as Beats' is, written 0600.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use ironstack_keystore::ToolKeystore;

use crate::{Error, Result};

/// The keystore file under the data folder.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("shipper.keystore")
}

fn store(data_dir: &Path) -> ToolKeystore {
    ToolKeystore::new(path(data_dir), "shipper")
}

fn ks_error(e: ironstack_keystore::Error) -> Error {
    Error::Runtime(e.to_string())
}

/// Every entry as text (the `keystore.seed` entry excluded); empty when there is no keystore.
pub fn secrets(data_dir: &Path) -> Result<HashMap<String, String>> {
    store(data_dir).secrets().map_err(ks_error)
}

/// `keystore create [--force]`.
pub fn create(data_dir: &Path, force: bool) -> Result<String> {
    store(data_dir).create(force).map_err(ks_error)
}

/// `keystore add KEY [--stdin] [--force]`.
pub fn add(data_dir: &Path, key: &str, value: &str, force: bool) -> Result<String> {
    store(data_dir).add(key, value, force).map_err(ks_error)
}

/// Reads one value from standard input (a trailing newline removed).
pub fn read_value(input: &mut dyn BufRead) -> Result<String> {
    ironstack_keystore::tool_keystore::read_value(input).map_err(ks_error)
}

/// `keystore list`: the key names.
pub fn list(data_dir: &Path) -> Result<Vec<String>> {
    store(data_dir).list().map_err(ks_error)
}

/// `keystore remove KEY`.
pub fn remove(data_dir: &Path, key: &str) -> Result<String> {
    store(data_dir).remove(key).map_err(ks_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipper_keystore_lives_in_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        assert!(secrets(&data).unwrap().is_empty());
        assert!(
            create(&data, false)
                .unwrap()
                .starts_with("Created shipper keystore at ")
        );
        add(&data, "ES_PWD", "s3cret", false).unwrap();
        assert!(path(&data).is_file());
        assert_eq!(
            secrets(&data).unwrap().get("ES_PWD").map(String::as_str),
            Some("s3cret")
        );
        assert_eq!(list(&data).unwrap(), vec!["ES_PWD"]);
        remove(&data, "ES_PWD").unwrap();
        let e = add(&dir.path().join("nowhere"), "K", "v", false).unwrap_err();
        assert!(
            e.to_string().contains("ironstack shipper keystore create"),
            "{e}"
        );
    }
}
