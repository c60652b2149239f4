//! The node's durable identity under `path.data/_state/node.json`: node id, cluster UUID and
//! the self-generated basic license, created once and reused on every later start.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// What is kept across restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NodeMeta {
    pub(crate) node_id: String,
    pub(crate) cluster_uuid: String,
    pub(crate) license_uid: String,
    pub(crate) license_issue_date_millis: i64,
}

/// An Elasticsearch-style id: 16 random bytes as URL-safe base64 (22 characters).
pub(crate) fn random_id() -> String {
    URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

pub(crate) fn meta_path(data_dir: &Path) -> PathBuf {
    data_dir.join("_state").join("node.json")
}

/// Where the derived key of the unprotected keystore at `keystore` is remembered between
/// starts: `ironstack.keystore.key` next to it.
pub(crate) fn keystore_key_cache_path(keystore: &Path) -> PathBuf {
    let mut name = keystore.file_name().unwrap_or_default().to_os_string();
    name.push(".key");
    keystore.with_file_name(name)
}

/// Reads the metadata, creating it on first start. Errors name the file.
pub(crate) fn load_or_create(data_dir: &Path) -> Result<NodeMeta, String> {
    let path = meta_path(data_dir);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| format!("node metadata [{}] is corrupt: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let meta = NodeMeta {
                node_id: random_id(),
                cluster_uuid: random_id(),
                license_uid: uuid::Uuid::new_v4().to_string(),
                license_issue_date_millis: jiff::Timestamp::now().as_millisecond(),
            };
            write(&path, &meta)
                .map_err(|e| format!("cannot write node metadata [{}]: {e}", path.display()))?;
            Ok(meta)
        }
        Err(e) => Err(format!(
            "cannot read node metadata [{}]: {e}",
            path.display()
        )),
    }
}

fn write(path: &Path, meta: &NodeMeta) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = path.with_extension("json.tmp");
    let mut f = fs::File::create(&tmp)?;
    f.write_all(&serde_json::to_vec_pretty(meta).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    fs::rename(&tmp, path)?;
    fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        assert_eq!(first.cluster_uuid.len(), 22);
        assert_ne!(first.cluster_uuid, first.node_id);
        let second = load_or_create(dir.path()).unwrap();
        assert_eq!(first, second);
        fs::write(meta_path(dir.path()), "x").unwrap();
        assert!(
            load_or_create(dir.path())
                .unwrap_err()
                .contains("node.json")
        );
    }
}
