//! The shipper's secrets keystore (`<path.data>/shipper.keystore`, Metricbeat's
//! `metricbeat.keystore`): `${KEY}` in the configuration is looked up here before the
//! environment, so passwords need be neither in `shipper.yml` nor in the process environment.
//! The file and its `keystore` commands are the stack's tool keystore
//! ([`ironstack_keystore::ToolKeystore`], `ironstack_keystore_cli::ToolKeystoreCommand`),
//! unprotected as Beats' is, written 0600.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ironstack_keystore::ToolKeystore;

use crate::{Error, Result};

/// The keystore file under the data folder.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("shipper.keystore")
}

/// Every entry as text (the `keystore.seed` entry excluded); empty when there is no keystore.
pub fn secrets(data_dir: &Path) -> Result<HashMap<String, String>> {
    ToolKeystore::new(path(data_dir), "shipper")
        .secrets()
        .map_err(|e| Error::Runtime(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipper_keystore_lives_in_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        assert!(secrets(&data).unwrap().is_empty());
        let ks = ToolKeystore::new(path(&data), "shipper");
        assert!(
            ks.create(false)
                .unwrap()
                .starts_with("Created shipper keystore at ")
        );
        ks.add("ES_PWD", "s3cret", false).unwrap();
        assert_eq!(
            secrets(&data).unwrap().get("ES_PWD").map(String::as_str),
            Some("s3cret")
        );
    }
}
