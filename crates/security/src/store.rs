//! The durable native security store: one JSON document under `path.data/security/`, holding
//! native users (password hashes, never passwords), roles (descriptor JSON) and API keys
//! (secret hashes; see `api_key`). Every change rewrites the file atomically (temp file created 0600, fsync, rename,
//! directory fsync), so a crash leaves either the old or the new store, never a torn one.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Error, Result};

/// Folder under `path.data` that holds the store.
pub const STORE_DIR: &str = "security";
/// File name of the store.
pub const STORE_FILE: &str = "store.json";
const FORMAT: u32 = 1;

/// A native user as stored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredUser {
    /// Password hash in an Elasticsearch format; `None` for a reserved user whose password was
    /// never set (it then falls back to `bootstrap.password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// Role names.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Full name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Arbitrary metadata.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// Whether the user may authenticate.
    #[serde(default = "enabled_default")]
    pub enabled: bool,
}

fn enabled_default() -> bool {
    true
}

impl StoredUser {
    /// An enabled user with a password hash and roles.
    pub fn new(password_hash: String, roles: Vec<String>) -> Self {
        Self {
            password_hash: Some(password_hash),
            roles,
            full_name: None,
            email: None,
            metadata: Map::new(),
            enabled: true,
        }
    }
}

impl fmt::Debug for StoredUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredUser")
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .field("roles", &self.roles)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// The document on disk. Roles and API keys are kept as JSON (parsed strictly when used), so
/// fields a later version adds survive when this one rewrites the file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoreData {
    format: u32,
    #[serde(default)]
    users: BTreeMap<String, StoredUser>,
    #[serde(default)]
    roles: BTreeMap<String, Value>,
    #[serde(default)]
    api_keys: BTreeMap<String, Value>,
    /// Further document collections by section name (`tokens`, `role_mappings`,
    /// `application_privileges`, ...), each keyed by document id.
    #[serde(default, flatten)]
    sections: BTreeMap<String, BTreeMap<String, Value>>,
}

/// A collection of documents in the store besides users, roles and API keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Section {
    /// Bearer access and refresh tokens (`_security/oauth2/token`).
    Tokens,
    /// Role mappings (`_security/role_mapping`).
    RoleMappings,
    /// Application privilege definitions (`_security/privilege`).
    ApplicationPrivileges,
}

impl Section {
    /// The section's key in the store file.
    pub fn name(self) -> &'static str {
        match self {
            Section::Tokens => "tokens",
            Section::RoleMappings => "role_mappings",
            Section::ApplicationPrivileges => "application_privileges",
        }
    }
}

/// The native store, shared by the node's request handlers.
#[derive(Debug)]
pub struct SecurityStore {
    path: PathBuf,
    data: RwLock<StoreData>,
    generation: AtomicU64,
}

impl SecurityStore {
    /// The store file for a data folder.
    pub fn file_path(data_dir: &Path) -> PathBuf {
        data_dir.join(STORE_DIR).join(STORE_FILE)
    }

    /// Opens the store of `data_dir`: reads it when present, else starts empty (nothing is
    /// written until the first change).
    pub fn open(data_dir: &Path) -> Result<Self> {
        let path = Self::file_path(data_dir);
        let data = match fs::read(&path) {
            Ok(bytes) => {
                let data: StoreData =
                    serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                if data.format != FORMAT {
                    return Err(Error::Corrupt {
                        path,
                        reason: format!("unsupported format [{}]", data.format),
                    });
                }
                data
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => StoreData {
                format: FORMAT,
                ..StoreData::default()
            },
            Err(source) => {
                return Err(Error::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        Ok(Self {
            path,
            data: RwLock::new(data),
            generation: AtomicU64::new(0),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file exists on disk.
    pub fn is_persisted(&self) -> bool {
        self.path.is_file()
    }

    /// Increases on every change; caches compare it to drop stale entries.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, StoreData> {
        // A panic while holding the lock cannot leave the map half-updated (changes are
        // computed on a copy), so a poisoned lock still holds consistent data.
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    /// A user by name.
    pub fn user(&self, username: &str) -> Option<StoredUser> {
        self.read().users.get(username).cloned()
    }

    /// All user names, sorted.
    pub fn usernames(&self) -> Vec<String> {
        self.read().users.keys().cloned().collect()
    }

    /// Creates or replaces a user and persists the store.
    pub fn put_user(&self, username: &str, user: StoredUser) -> Result<()> {
        self.update(|data| {
            data.users.insert(username.to_string(), user);
        })
    }

    /// Removes a user; returns whether it existed.
    pub fn delete_user(&self, username: &str) -> Result<bool> {
        let mut found = false;
        self.update(|data| found = data.users.remove(username).is_some())?;
        Ok(found)
    }

    /// A stored role's descriptor JSON (as `RoleDescriptor::to_json` wrote it).
    pub fn role(&self, name: &str) -> Option<Value> {
        self.read().roles.get(name).cloned()
    }

    /// All stored role names, sorted.
    pub fn role_names(&self) -> Vec<String> {
        self.read().roles.keys().cloned().collect()
    }

    /// Creates or replaces a role and persists the store; returns whether it was created.
    pub fn put_role(&self, name: &str, descriptor: Value) -> Result<bool> {
        let mut created = false;
        self.update(|data| created = data.roles.insert(name.to_string(), descriptor).is_none())?;
        Ok(created)
    }

    /// Removes a role; returns whether it existed.
    pub fn delete_role(&self, name: &str) -> Result<bool> {
        let mut found = false;
        self.update(|data| found = data.roles.remove(name).is_some())?;
        Ok(found)
    }

    /// A stored API key document by id.
    pub fn api_key(&self, id: &str) -> Option<Value> {
        self.read().api_keys.get(id).cloned()
    }

    /// All stored API key documents.
    pub fn api_keys(&self) -> Vec<Value> {
        self.read().api_keys.values().cloned().collect()
    }

    /// Creates or replaces an API key document and persists the store.
    pub fn put_api_key(&self, id: &str, doc: Value) -> Result<()> {
        self.put_api_keys(vec![(id.to_string(), doc)])
    }

    /// Creates or replaces several API key documents in one durable write.
    pub fn put_api_keys(&self, docs: Vec<(String, Value)>) -> Result<()> {
        self.update(|data| data.api_keys.extend(docs))
    }

    /// A document of `section` by id.
    pub fn doc(&self, section: Section, id: &str) -> Option<Value> {
        self.read()
            .sections
            .get(section.name())
            .and_then(|docs| docs.get(id))
            .cloned()
    }

    /// All documents of `section`, as `(id, document)` sorted by id.
    pub fn docs(&self, section: Section) -> Vec<(String, Value)> {
        self.read()
            .sections
            .get(section.name())
            .map(|docs| docs.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Creates or replaces documents of `section` and removes the ids in `delete`, in one
    /// durable write. Returns, for each id of `delete`, whether it existed.
    pub fn write_docs(
        &self,
        section: Section,
        put: Vec<(String, Value)>,
        delete: &[String],
    ) -> Result<Vec<bool>> {
        let mut found = Vec::with_capacity(delete.len());
        self.update(|data| {
            let docs = data.sections.entry(section.name().to_string()).or_default();
            docs.extend(put);
            for id in delete {
                found.push(docs.remove(id).is_some());
            }
        })?;
        Ok(found)
    }

    /// Applies `change` to a copy, writes it durably, then publishes it. On a write error the
    /// in-memory store is unchanged.
    fn update(&self, change: impl FnOnce(&mut StoreData)) -> Result<()> {
        let mut guard = self.data.write().unwrap_or_else(|p| p.into_inner());
        let mut next = guard.clone();
        change(&mut next);
        write_atomically(&self.path, &next)?;
        *guard = next;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

fn write_atomically(path: &Path, data: &StoreData) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err("create folder for", dir))?;
    let json = serde_json::to_vec_pretty(data).map_err(|e| Error::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let tmp = path.with_extension("json.tmp");
    // A leftover temp file from a crash may have any mode; start from a fresh 0600 file.
    let _ = fs::remove_file(&tmp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io_err("create", &tmp))?;
    file.write_all(&json).map_err(io_err("write", &tmp))?;
    file.sync_all().map_err(io_err("sync", &tmp))?;
    drop(file);
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(io_err("replace", path)(e));
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("sync folder of", path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn users_persist_across_reopen_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecurityStore::open(dir.path()).unwrap();
        assert!(!store.is_persisted());
        assert!(store.user("elastic").is_none());
        let g0 = store.generation();
        store
            .put_user(
                "elastic",
                StoredUser::new("$2a$10$abc".into(), vec!["superuser".into()]),
            )
            .unwrap();
        assert!(store.generation() > g0);
        let mode = fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(!store.path().with_extension("json.tmp").exists());

        let again = SecurityStore::open(dir.path()).unwrap();
        let user = again.user("elastic").unwrap();
        assert_eq!(user.roles, vec!["superuser".to_string()]);
        assert_eq!(user.password_hash.as_deref(), Some("$2a$10$abc"));
        assert!(!format!("{user:?}").contains("abc"));
        assert!(again.delete_user("elastic").unwrap());
        assert!(!again.delete_user("elastic").unwrap());
        assert!(
            SecurityStore::open(dir.path())
                .unwrap()
                .user("elastic")
                .is_none()
        );
    }

    #[test]
    fn unknown_sections_survive_a_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = SecurityStore::file_path(dir.path());
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(
            &path,
            r#"{"format":1,"users":{},"roles":{"r1":{"cluster":["monitor"]}},"api_keys":{}}"#,
        )
        .unwrap();
        let store = SecurityStore::open(dir.path()).unwrap();
        store
            .put_user("joe", StoredUser::new("h".into(), vec![]))
            .unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"r1\""), "{text}");
    }

    #[test]
    fn sections_persist_and_report_deletions() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecurityStore::open(dir.path()).unwrap();
        let g0 = store.generation();
        store
            .write_docs(
                Section::RoleMappings,
                vec![("m1".into(), serde_json::json!({"roles": ["r"]}))],
                &[],
            )
            .unwrap();
        assert!(store.generation() > g0);
        let reopened = SecurityStore::open(dir.path()).unwrap();
        assert_eq!(
            reopened.doc(Section::RoleMappings, "m1"),
            Some(serde_json::json!({"roles": ["r"]}))
        );
        assert!(reopened.doc(Section::Tokens, "m1").is_none());
        let found = reopened
            .write_docs(Section::RoleMappings, vec![], &["m1".into(), "nope".into()])
            .unwrap();
        assert_eq!(found, vec![true, false]);
        assert!(reopened.docs(Section::RoleMappings).is_empty());
    }

    #[test]
    fn roles_persist_and_report_created_and_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecurityStore::open(dir.path()).unwrap();
        let g0 = store.generation();
        assert!(
            store
                .put_role("r1", serde_json::json!({"cluster":["monitor"]}))
                .unwrap()
        );
        assert!(
            !store
                .put_role("r1", serde_json::json!({"cluster":["all"]}))
                .unwrap()
        );
        assert!(store.generation() > g0);
        let again = SecurityStore::open(dir.path()).unwrap();
        assert_eq!(again.role("r1").unwrap()["cluster"][0], "all");
        assert_eq!(again.role_names(), vec!["r1".to_string()]);
        assert!(again.delete_role("r1").unwrap());
        assert!(!again.delete_role("r1").unwrap());
        assert!(again.role("r1").is_none());
    }

    #[test]
    fn api_keys_persist_and_bump_the_generation() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecurityStore::open(dir.path()).unwrap();
        let g0 = store.generation();
        store
            .put_api_key("k1", serde_json::json!({"id":"k1","name":"a"}))
            .unwrap();
        store
            .put_api_keys(vec![
                ("k1".into(), serde_json::json!({"id":"k1","name":"b"})),
                ("k2".into(), serde_json::json!({"id":"k2","name":"c"})),
            ])
            .unwrap();
        assert!(store.generation() > g0);
        let again = SecurityStore::open(dir.path()).unwrap();
        assert_eq!(again.api_key("k1").unwrap()["name"], "b");
        assert_eq!(again.api_keys().len(), 2);
        assert!(again.api_key("k3").is_none());
    }

    #[test]
    fn a_corrupt_store_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = SecurityStore::file_path(dir.path());
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "not json").unwrap();
        let err = SecurityStore::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("store.json"), "{err}");
    }

    #[test]
    fn a_failed_write_leaves_memory_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecurityStore::open(dir.path()).unwrap();
        // A file where the store folder should be makes every write fail.
        fs::write(dir.path().join(STORE_DIR), "x").unwrap();
        assert!(
            store
                .put_user("joe", StoredUser::new("h".into(), vec![]))
                .is_err()
        );
        assert!(store.user("joe").is_none());
    }
}
