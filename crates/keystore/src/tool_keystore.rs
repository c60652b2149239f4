//! The unprotected keystore the shipper and the console keep their secret settings in
//! (Metricbeat's `metricbeat.keystore`, Kibana's `kibana.keystore`): the stack's keystore
//! format with an empty password, written 0600, holding text values by name; and the
//! `create` / `add` / `list` / `remove` commands of those tools, with their messages.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::{Error, Keystore, Result, SEED_SETTING};

/// One tool's keystore file.
#[derive(Debug, Clone)]
pub struct ToolKeystore {
    path: PathBuf,
    /// The tool's name in messages (`shipper`, `console`).
    tool: &'static str,
}

impl ToolKeystore {
    /// The keystore at `path`, for `ironstack <tool> keystore`.
    pub fn new(path: PathBuf, tool: &'static str) -> Self {
        Self { path, tool }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn refused(&self, message: String) -> Error {
        Error::Refused(message)
    }

    /// Every entry as text (the seed excluded); empty when there is no keystore.
    pub fn secrets(&self) -> Result<HashMap<String, String>> {
        if !self.path.is_file() {
            return Ok(HashMap::new());
        }
        let ks = Keystore::load(&self.path, "")?;
        Ok(ks
            .names()
            .filter(|n| *n != SEED_SETTING)
            .filter_map(|n| ks.get_string(n).map(|v| (n.to_string(), v.to_string())))
            .collect())
    }

    /// `keystore create [--force]`.
    pub fn create(&self, force: bool) -> Result<String> {
        if self.path.is_file() && !force {
            return Err(self.refused(format!(
                "a keystore already exists at [{}]; use --force to overwrite it",
                self.path.display()
            )));
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                action: "create the keystore folder",
                path: dir.to_path_buf(),
                source,
            })?;
        }
        Keystore::try_new()?.save(&self.path, "")?;
        Ok(format!(
            "Created {} keystore at {}",
            self.tool,
            self.path.display()
        ))
    }

    fn open(&self) -> Result<Keystore> {
        if !self.path.is_file() {
            return Err(self.refused(format!(
                "the keystore [{}] does not exist; create it with `ironstack {} keystore create`",
                self.path.display(),
                self.tool
            )));
        }
        Keystore::load(&self.path, "")
    }

    /// `keystore add KEY [--force]` with its value.
    pub fn add(&self, key: &str, value: &str, force: bool) -> Result<String> {
        let mut ks = self.open()?;
        if key == SEED_SETTING {
            return Err(self.refused(format!("[{SEED_SETTING}] is reserved")));
        }
        if ks.contains(key) && !force {
            return Err(self.refused(format!(
                "the key [{key}] already exists in the keystore; use --force to overwrite it"
            )));
        }
        ks.set(key, value.as_bytes().to_vec())?;
        ks.save(&self.path, "")?;
        Ok(format!("Successfully updated the keystore: {key}"))
    }

    /// `keystore list`: the names.
    pub fn list(&self) -> Result<Vec<String>> {
        let ks = self.open()?;
        Ok(ks
            .names()
            .filter(|n| *n != SEED_SETTING)
            .map(str::to_string)
            .collect())
    }

    /// `keystore remove KEY`.
    pub fn remove(&self, key: &str) -> Result<String> {
        let mut ks = self.open()?;
        if key == SEED_SETTING || !ks.remove(key) {
            return Err(self.refused(format!("could not find the key [{key}] in the keystore")));
        }
        ks.save(&self.path, "")?;
        Ok(format!("Successfully removed the key: {key}"))
    }
}

/// Reads one value from standard input or a pipe (a trailing newline removed).
pub fn read_value(input: &mut dyn std::io::BufRead) -> Result<String> {
    let mut line = String::new();
    input.read_line(&mut line).map_err(|source| Error::Io {
        action: "read the value from standard input",
        path: PathBuf::from("-"),
        source,
    })?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_add_list_remove() {
        let dir = tempfile::tempdir().unwrap();
        let ks = ToolKeystore::new(dir.path().join("data/tool.keystore"), "tool");
        assert!(ks.secrets().unwrap().is_empty());
        let e = ks.add("ES_PWD", "x", false).unwrap_err().to_string();
        assert!(e.contains("`ironstack tool keystore create`"), "{e}");
        ks.create(false).unwrap();
        assert!(ks.create(false).is_err());
        ks.add("ES_PWD", "s3cret", false).unwrap();
        assert!(ks.add("ES_PWD", "other", false).is_err());
        ks.add("ES_PWD", "other", true).unwrap();
        assert!(ks.add(SEED_SETTING, "x", true).is_err());
        assert_eq!(ks.list().unwrap(), vec!["ES_PWD"]);
        assert_eq!(
            ks.secrets().unwrap().get("ES_PWD").map(String::as_str),
            Some("other")
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ks.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        ks.remove("ES_PWD").unwrap();
        assert!(ks.remove("ES_PWD").is_err());
        assert!(ks.list().unwrap().is_empty());
        let mut input = std::io::Cursor::new(b"value with spaces\nignored\n".to_vec());
        assert_eq!(read_value(&mut input).unwrap(), "value with spaces");
    }
}
