//! The file realm: `$IRONSTACK_PATH_CONF/users` (`name:hash` lines) and `users_roles`
//! (`role:user1,user2` lines) in Elasticsearch's format, parsed leniently as Elasticsearch does
//! (comments and blank lines ignored, invalid lines reported and skipped), written atomically
//! with mode 0600, and re-read by the node when the files change; and, read and reloaded the
//! same way, the file service tokens of `service_tokens` (`<ns>/<service>/<name>:hash`).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// The users file name inside the config folder.
pub const USERS_FILE: &str = "users";
/// The user → roles file name inside the config folder.
pub const USERS_ROLES_FILE: &str = "users_roles";
/// The file service tokens' file name inside the config folder.
pub const SERVICE_TOKENS_FILE: &str = "service_tokens";

/// Elasticsearch's limit on user and role names.
const MAX_NAME_LENGTH: usize = 1024;

/// Whether `name` is a valid file-realm user or role name: 1–1024 printable ASCII characters,
/// not starting or ending with a space, without `:` or `,` (which the file formats use).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LENGTH
        && name
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b':' && b != b',')
        && !name.starts_with(' ')
        && !name.ends_with(' ')
}

/// Parses a `users` file: user name → password hash. Returns the warnings for skipped lines.
pub fn parse_users(text: &str, source: &Path) -> (BTreeMap<String, String>, Vec<String>) {
    let mut users = BTreeMap::new();
    let mut warnings = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let valid = line.split_once(':').and_then(|(name, hash)| {
            let hash = hash.trim();
            (is_valid_name(name) && !hash.is_empty()).then(|| (name.to_string(), hash.to_string()))
        });
        match valid {
            Some((name, hash)) => {
                users.insert(name, hash);
            }
            None => warnings.push(format!(
                "invalid entry in users file [{}], line [{}]. skipping...",
                source.display(),
                index + 1
            )),
        }
    }
    (users, warnings)
}

/// Parses a `users_roles` file into user name → sorted role names.
pub fn parse_users_roles(
    text: &str,
    source: &Path,
) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let mut by_user: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut warnings = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((role, users)) = line.split_once(':') else {
            warnings.push(format!(
                "invalid entry in users_roles file [{}], line [{}]. skipping...",
                source.display(),
                index + 1
            ));
            continue;
        };
        let role = role.trim();
        if !is_valid_name(role) {
            warnings.push(format!(
                "invalid role entry in users_roles file [{}], line [{}] - [{role}]. skipping...",
                source.display(),
                index + 1
            ));
            continue;
        }
        let mut any = false;
        for user in users.split(',').map(str::trim).filter(|u| !u.is_empty()) {
            any = true;
            let roles = by_user.entry(user.to_string()).or_default();
            if !roles.iter().any(|r| r == role) {
                roles.push(role.to_string());
            }
        }
        if !any {
            warnings.push(format!(
                "invalid entry for role [{role}] in users_roles file [{}], line [{}]. no users found. skipping...",
                source.display(),
                index + 1
            ));
        }
    }
    for roles in by_user.values_mut() {
        roles.sort();
    }
    (by_user, warnings)
}

/// Renders a `users` file.
pub fn format_users(users: &BTreeMap<String, String>) -> String {
    users.iter().map(|(u, h)| format!("{u}:{h}\n")).collect()
}

/// Renders a `users_roles` file from user → roles (grouped back into role → users).
pub fn format_users_roles(by_user: &BTreeMap<String, Vec<String>>) -> String {
    let mut by_role: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (user, roles) in by_user {
        for role in roles {
            by_role.entry(role).or_default().push(user);
        }
    }
    by_role
        .iter()
        .map(|(role, users)| format!("{role}:{}\n", users.join(",")))
        .collect()
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `contents` to `path` through a 0600 temporary file in the same folder, synced and
/// renamed over the target, so readers (the node) see the old or the new file, never half.
pub fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let io = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io {
            action,
            path: p,
            source,
        }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let mut suffix = [0u8; 6];
    crate::password::random_bytes(&mut suffix)?;
    let tmp = dir.join(format!(".{name}.{}.tmp", hex::encode(suffix)));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(io("create", &tmp))?;
        file.write_all(contents.as_bytes())
            .map_err(io("write", &tmp))?;
        file.sync_all().map_err(io("write", &tmp))?;
        std::fs::rename(&tmp, path).map_err(io("write", path))?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Parses a `service_tokens` file: `<ns>/<service>/<name>` → hash, for the known service
/// accounts and valid token names. Returns the warnings for skipped lines.
pub fn parse_service_tokens(text: &str, source: &Path) -> (BTreeMap<String, String>, Vec<String>) {
    let mut tokens = BTreeMap::new();
    let mut warnings = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let valid = line.split_once(':').and_then(|(qualified, hash)| {
            let (principal, name) = qualified.rsplit_once('/')?;
            let ok = crate::service_account::is_service_account(principal)
                && crate::service_account::valid_token_name(name)
                && !hash.trim().is_empty();
            ok.then(|| (qualified.to_string(), hash.trim().to_string()))
        });
        match valid {
            Some((qualified, hash)) => {
                tokens.insert(qualified, hash);
            }
            None => warnings.push(format!(
                "invalid entry in service_tokens file [{}], line [{}]. skipping...",
                source.display(),
                index + 1
            )),
        }
    }
    (tokens, warnings)
}

/// The file service tokens, as `ironstack service-tokens` edits them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FileServiceTokens {
    /// `<ns>/<service>/<name>` → hash.
    pub tokens: BTreeMap<String, String>,
}

impl fmt::Debug for FileServiceTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileServiceTokens")
            .field("tokens", &self.tokens.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl FileServiceTokens {
    /// Reads `service_tokens` of `config_dir` (missing: none) and the warnings.
    pub fn load(config_dir: &Path) -> Result<(Self, Vec<String>)> {
        let path = config_dir.join(SERVICE_TOKENS_FILE);
        Ok(match read_optional(&path)? {
            Some(bytes) => {
                let (tokens, w) = parse_service_tokens(&String::from_utf8_lossy(&bytes), &path);
                (Self { tokens }, w)
            }
            None => (Self::default(), Vec::new()),
        })
    }

    /// Writes the file (0600, atomically).
    pub fn save(&self, config_dir: &Path) -> Result<()> {
        let text: String = self
            .tokens
            .iter()
            .map(|(k, h)| format!("{k}:{h}\n"))
            .collect();
        write_atomically(&config_dir.join(SERVICE_TOKENS_FILE), &text)
    }
}

/// The two files as the tools edit them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FileUsers {
    /// User name → password hash.
    pub users: BTreeMap<String, String>,
    /// User name → role names (users may have roles before they exist in `users`).
    pub roles: BTreeMap<String, Vec<String>>,
}

impl fmt::Debug for FileUsers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileUsers")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .field("roles", &self.roles)
            .finish()
    }
}

impl FileUsers {
    /// Reads both files of `config_dir` (missing files are empty) and the warnings for
    /// skipped lines.
    pub fn load(config_dir: &Path) -> Result<(Self, Vec<String>)> {
        let (users_path, roles_path) = paths(config_dir);
        let mut warnings = Vec::new();
        let users = match read_optional(&users_path)? {
            Some(bytes) => {
                let (u, w) = parse_users(&String::from_utf8_lossy(&bytes), &users_path);
                warnings.extend(w);
                u
            }
            None => BTreeMap::new(),
        };
        let roles = match read_optional(&roles_path)? {
            Some(bytes) => {
                let (r, w) = parse_users_roles(&String::from_utf8_lossy(&bytes), &roles_path);
                warnings.extend(w);
                r
            }
            None => BTreeMap::new(),
        };
        Ok((Self { users, roles }, warnings))
    }

    /// The roles of `user` (empty when none).
    pub fn roles_of(&self, user: &str) -> Vec<String> {
        self.roles.get(user).cloned().unwrap_or_default()
    }

    /// Writes `users_roles` first, then `users` (Elasticsearch's order: a user never exists
    /// without its roles).
    pub fn save(&self, config_dir: &Path) -> Result<()> {
        let (users_path, roles_path) = paths(config_dir);
        let roles: BTreeMap<String, Vec<String>> = self
            .roles
            .iter()
            .filter(|(_, r)| !r.is_empty())
            .map(|(u, r)| (u.clone(), r.clone()))
            .collect();
        write_atomically(&roles_path, &format_users_roles(&roles))?;
        write_atomically(&users_path, &format_users(&self.users))
    }
}

/// `(users, users_roles)` paths of a config folder.
pub fn paths(config_dir: &Path) -> (PathBuf, PathBuf) {
    (
        config_dir.join(USERS_FILE),
        config_dir.join(USERS_ROLES_FILE),
    )
}

/// The node's view of the files: reloaded by [`FileRealm::reload_if_changed`].
pub struct FileRealm {
    config_dir: PathBuf,
    state: RwLock<(FileUsers, FileServiceTokens, [u8; 32])>,
    generation: AtomicU64,
}

impl fmt::Debug for FileRealm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileRealm")
            .field("config_dir", &self.config_dir)
            .finish_non_exhaustive()
    }
}

fn fingerprint(config_dir: &Path) -> Result<[u8; 32]> {
    let (users_path, roles_path) = paths(config_dir);
    let mut h = Sha256::new();
    for p in [users_path, roles_path, config_dir.join(SERVICE_TOKENS_FILE)] {
        match read_optional(&p)? {
            Some(bytes) => {
                h.update([1]);
                h.update((bytes.len() as u64).to_be_bytes());
                h.update(&bytes);
            }
            None => h.update([0]),
        }
    }
    Ok(h.finalize().into())
}

impl FileRealm {
    /// Loads the files of `config_dir`; returns the realm and the warnings to log.
    pub fn open(config_dir: &Path) -> Result<(Self, Vec<String>)> {
        let print = fingerprint(config_dir)?;
        let (users, mut warnings) = FileUsers::load(config_dir)?;
        let (tokens, token_warnings) = FileServiceTokens::load(config_dir)?;
        warnings.extend(token_warnings);
        Ok((
            Self {
                config_dir: config_dir.to_path_buf(),
                state: RwLock::new((users, tokens, print)),
                generation: AtomicU64::new(0),
            },
            warnings,
        ))
    }

    /// Re-reads the files when their content changed. `Ok(Some(warnings))` after a reload,
    /// `Ok(None)` when nothing changed; on a read error the previous content stays in use.
    pub fn reload_if_changed(&self) -> Result<Option<Vec<String>>> {
        let print = fingerprint(&self.config_dir)?;
        if self.state.read().unwrap_or_else(|p| p.into_inner()).2 == print {
            return Ok(None);
        }
        let (users, mut warnings) = FileUsers::load(&self.config_dir)?;
        let (tokens, token_warnings) = FileServiceTokens::load(&self.config_dir)?;
        warnings.extend(token_warnings);
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = (users, tokens, print);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(Some(warnings))
    }

    /// Increases on every reload; caches compare it to drop stale entries.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The password hash and roles of a file user.
    pub fn user(&self, name: &str) -> Option<(String, Vec<String>)> {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        let hash = state.0.users.get(name)?.clone();
        Some((hash, state.0.roles_of(name)))
    }

    /// The hash of a file service token (`<ns>/<service>/<name>`).
    pub fn service_token_hash(&self, qualified: &str) -> Option<String> {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        state.1.tokens.get(qualified).cloned()
    }

    /// The names of the file tokens of a service account.
    pub fn service_token_names(&self, principal: &str) -> Vec<String> {
        let prefix = format!("{principal}/");
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        state
            .1
            .tokens
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
            .collect()
    }

    /// The number of users in the `users` file.
    pub fn len(&self) -> usize {
        self.state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .users
            .len()
    }

    /// Whether the `users` file holds no user.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_file_skips_comments_blanks_and_invalid_lines() {
        let text = "# comment\n\njoe:$2a$10$abc\n  bad line\n:nohash\nann: {PBKDF2}1$x$y \nx:\n";
        let (users, warnings) = parse_users(text, Path::new("users"));
        assert_eq!(users.len(), 2);
        assert_eq!(users["joe"], "$2a$10$abc");
        assert_eq!(users["ann"], "{PBKDF2}1$x$y");
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("line [4]"), "{warnings:?}");
    }

    #[test]
    fn elasticsearch_sample_files_parse() {
        // From Elasticsearch's file realm documentation.
        let users = "rdeniro:$2a$10$BBJ/ILiyJ1eBTYoRKxkqbuDEdYECplvxnqQ47uiowE7yGqvCEgj9W\n\
                     alpacino:$2a$10$cNwHnElYiMYZ/T3K4PvzGeJ1KbpXZp2PfoQD.gfaVdImnHOwIuBKS\n\
                     jacknich:{PBKDF2}50000$z1CLJt0MEFjkIK5iEfgvfnA6xq7lF25uasspsTKSo5Q=$XxCVLbaKDimOdyWgLCLJiyoiWpA/XDMe/xtVgn1r5Sg=\n";
        let roles = "admin:rdeniro\npower_user:alpacino,jacknich\nuser:jacknich\n";
        let (u, w) = parse_users(users, Path::new("users"));
        assert!(w.is_empty());
        assert_eq!(u.len(), 3);
        assert!(u["jacknich"].starts_with("{PBKDF2}50000$"));
        let (r, w) = parse_users_roles(roles, Path::new("users_roles"));
        assert!(w.is_empty());
        assert_eq!(r["jacknich"], vec!["power_user", "user"]);
        assert_eq!(r["rdeniro"], vec!["admin"]);
    }

    #[test]
    fn users_roles_groups_by_user_and_roundtrips() {
        let text = "superuser:joe\n# c\nviewer: joe , ann,\nbad\nempty:\n";
        let (roles, warnings) = parse_users_roles(text, Path::new("users_roles"));
        assert_eq!(roles["joe"], vec!["superuser", "viewer"]);
        assert_eq!(roles["ann"], vec!["viewer"]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        let rendered = format_users_roles(&roles);
        assert_eq!(rendered, "superuser:joe\nviewer:ann,joe\n");
        assert_eq!(parse_users_roles(&rendered, Path::new("x")).0, roles);
    }

    #[test]
    fn save_writes_0600_and_the_realm_reloads_on_change() {
        let dir = tempfile::tempdir().unwrap();
        let (realm, warnings) = FileRealm::open(dir.path()).unwrap();
        assert!(warnings.is_empty() && realm.is_empty());
        assert_eq!(realm.reload_if_changed().unwrap(), None);
        let mut files = FileUsers::default();
        files.users.insert("joe".into(), "$2a$04$hash".into());
        files.roles.insert("joe".into(), vec!["superuser".into()]);
        files.save(dir.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for name in [USERS_FILE, USERS_ROLES_FILE] {
                let mode = std::fs::metadata(dir.path().join(name))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{name}");
            }
        }
        assert_eq!(realm.reload_if_changed().unwrap(), Some(vec![]));
        assert_eq!(realm.generation(), 1);
        assert_eq!(
            realm.user("joe"),
            Some(("$2a$04$hash".to_string(), vec!["superuser".to_string()]))
        );
        assert_eq!(FileUsers::load(dir.path()).unwrap().0, files);
    }
}
