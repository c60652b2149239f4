//! Remembering the AES key of an *unprotected* keystore between starts of the node.
//!
//! A keystore without a password is only obfuscated: its key is PBKDF2-HMAC-SHA512 of the
//! empty password and the salt written in the file itself, so anyone who can read the file can
//! derive the key (Elasticsearch documents such a keystore as obfuscated, not protected). The
//! derivation still costs 210,000 rounds (~0.1–0.2 s), most of the node's start-up. Storing the
//! derived key in a private file therefore adds nothing an attacker could not compute from the
//! keystore, and saves that time on every later start. A password-protected keystore is never
//! cached, and loading one removes any cache file. The cache is bound to the keystore's salt and
//! round count, and the key it holds is only trusted when AES-GCM authenticates the keystore
//! with it; anything else falls back to the derivation and rewrites the cache.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::atomic_file::write_atomically;
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"ISKCKEY1";
const KEY_LEN: usize = 16;

/// Where the derived key of an unprotected keystore is remembered (a 0600 file).
#[derive(Debug, Clone)]
pub struct UnprotectedKeyCache {
    path: PathBuf,
}

/// What loading through an [`UnprotectedKeyCache`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCacheOutcome {
    /// The remembered key opened the keystore: no key derivation.
    Hit,
    /// The key was derived and remembered for the next start.
    Stored,
    /// The keystore is password protected: nothing is cached.
    Protected,
    /// The key was derived, but could not be remembered (the reason; loading still succeeded).
    NotStored(String),
}

impl UnprotectedKeyCache {
    /// A cache kept in the file `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The remembered key for `salt` and `iterations`, if the file holds one.
    pub(crate) fn lookup(&self, salt: &[u8], iterations: u32) -> Option<Zeroizing<[u8; KEY_LEN]>> {
        let bytes = Zeroizing::new(std::fs::read(&self.path).ok()?);
        let expected = Self::encoded_len(salt);
        if bytes.len() != expected || !bytes.starts_with(MAGIC) {
            return None;
        }
        let rest = &bytes[MAGIC.len()..];
        let (rounds, rest) = rest.split_at(4);
        let (stored_salt, key) = rest.split_at(salt.len());
        if rounds != iterations.to_be_bytes() || stored_salt != salt {
            return None;
        }
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        out.copy_from_slice(key);
        Some(out)
    }

    /// Remembers `key` for `salt` and `iterations`.
    pub(crate) fn store(&self, salt: &[u8], iterations: u32, key: &[u8; KEY_LEN]) -> Result<()> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(Self::encoded_len(salt)));
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&iterations.to_be_bytes());
        bytes.extend_from_slice(salt);
        bytes.extend_from_slice(key);
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| Error::Io {
                    action: "create folder",
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
        write_atomically(&self.path, &bytes)
    }

    /// Forgets any remembered key.
    pub(crate) fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }

    fn encoded_len(salt: &[u8]) -> usize {
        MAGIC.len() + 4 + salt.len() + KEY_LEN
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::Keystore;

    fn keystore_with(dir: &Path, password: &str) -> PathBuf {
        let path = Keystore::default_path(dir);
        let mut ks = Keystore::new();
        ks.set("bootstrap.password", b"changeme".to_vec()).unwrap();
        ks.save(&path, password).unwrap();
        path
    }

    #[test]
    fn unprotected_keys_are_remembered_privately_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = keystore_with(dir.path(), "");
        let cache = UnprotectedKeyCache::new(dir.path().join("state/keystore.key"));
        let (ks, outcome) = Keystore::load_with_cache(&path, "", &cache).unwrap();
        assert_eq!(outcome, KeyCacheOutcome::Stored);
        assert_eq!(ks.get_string("bootstrap.password"), Some("changeme"));
        let mode = std::fs::metadata(cache.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let (ks, outcome) = Keystore::load_with_cache(&path, "", &cache).unwrap();
        assert_eq!(outcome, KeyCacheOutcome::Hit);
        assert_eq!(ks.get_string("bootstrap.password"), Some("changeme"));
    }

    #[test]
    fn a_rewritten_keystore_or_a_tampered_cache_falls_back_to_derivation() {
        let dir = tempfile::tempdir().unwrap();
        let path = keystore_with(dir.path(), "");
        let cache = UnprotectedKeyCache::new(dir.path().join("keystore.key"));
        Keystore::load_with_cache(&path, "", &cache).unwrap();
        // A save uses a fresh salt: the remembered key no longer applies.
        keystore_with(dir.path(), "");
        let (_, outcome) = Keystore::load_with_cache(&path, "", &cache).unwrap();
        assert_eq!(outcome, KeyCacheOutcome::Stored);
        // A wrong key under the right salt is refused by AES-GCM, never trusted.
        let mut bytes = std::fs::read(cache.path()).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(cache.path(), &bytes).unwrap();
        let (ks, outcome) = Keystore::load_with_cache(&path, "", &cache).unwrap();
        assert_eq!(outcome, KeyCacheOutcome::Stored);
        assert_eq!(ks.get_string("bootstrap.password"), Some("changeme"));
        // Garbage is ignored.
        std::fs::write(cache.path(), b"junk").unwrap();
        let (_, outcome) = Keystore::load_with_cache(&path, "", &cache).unwrap();
        assert_eq!(outcome, KeyCacheOutcome::Stored);
    }

    #[test]
    fn protected_keystores_are_never_cached_and_remove_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = UnprotectedKeyCache::new(dir.path().join("keystore.key"));
        let path = keystore_with(dir.path(), "");
        Keystore::load_with_cache(&path, "", &cache).unwrap();
        assert!(cache.path().exists());
        let path = keystore_with(dir.path(), "s3cret-pass");
        let (_, outcome) = Keystore::load_with_cache(&path, "s3cret-pass", &cache).unwrap();
        assert_eq!(outcome, KeyCacheOutcome::Protected);
        assert!(!cache.path().exists());
        assert!(matches!(
            Keystore::load_with_cache(&path, "wrong-pass", &cache),
            Err(crate::Error::WrongPassword)
        ));
        assert!(!cache.path().exists());
    }

    #[test]
    fn an_unwritable_cache_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = keystore_with(dir.path(), "");
        let cache = UnprotectedKeyCache::new(dir.path().join("keystore/inside-a-file"));
        std::fs::write(dir.path().join("keystore"), b"a file, not a folder").unwrap();
        let (ks, outcome) = Keystore::load_with_cache(&path, "", &cache).unwrap();
        assert!(
            matches!(outcome, KeyCacheOutcome::NotStored(_)),
            "{outcome:?}"
        );
        assert!(ks.contains("bootstrap.password"));
    }
}
