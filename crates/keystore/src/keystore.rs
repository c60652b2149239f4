//! The in-memory keystore: entries, name validation, the `keystore.seed`, and the glue from
//! bytes and files to entries (format + crypto).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::atomic_file::{read_capped, write_atomically};
use crate::crypto::{self, IV_LEN, SALT_LEN};
use crate::error::{Error, Result};
use crate::format::{self, CURRENT_VERSION, HEADER_LEN};
use crate::key_cache::{KeyCacheOutcome, UnprotectedKeyCache};
use crate::secure_value::SecureValue;
use crate::{KEYSTORE_FILE_NAME, MAX_FILE_LEN};

/// The entry every keystore gets on creation: 20 random characters a node may use as a
/// unique, secret seed.
pub const SEED_SETTING: &str = "keystore.seed";

/// Characters of the seed, as Elasticsearch picks them.
const SEED_CHARS: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~!@#$%^&*-_=+?";
const SEED_LEN: usize = 20;

/// Decrypted secure settings: setting name to secret value.
#[derive(Clone)]
pub struct Keystore {
    entries: BTreeMap<String, SecureValue>,
    format_version: u32,
}

impl fmt::Debug for Keystore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keystore")
            .field("names", &self.entries.keys().collect::<Vec<_>>())
            .field("format_version", &self.format_version)
            .finish()
    }
}

impl Default for Keystore {
    fn default() -> Self {
        Self::new()
    }
}

impl Keystore {
    /// A new keystore holding only a fresh `keystore.seed`.
    ///
    /// # Panics
    /// Only if the operating system's random number generator fails; use [`Keystore::try_new`]
    /// to get that as an error instead.
    pub fn new() -> Self {
        match Self::try_new() {
            Ok(keystore) => keystore,
            Err(e) => panic!("cannot create a keystore: {e}"),
        }
    }

    /// A new keystore holding only a fresh `keystore.seed`.
    pub fn try_new() -> Result<Self> {
        let mut keystore = Self {
            entries: BTreeMap::new(),
            format_version: CURRENT_VERSION,
        };
        keystore.ensure_seed()?;
        Ok(keystore)
    }

    /// `<config_dir>/ironstack.keystore`.
    pub fn default_path(config_dir: &Path) -> PathBuf {
        config_dir.join(KEYSTORE_FILE_NAME)
    }

    /// Reads and decrypts the keystore at `path`. Use `""` for an unprotected keystore.
    ///
    /// Errors: [`Error::NotFound`] when there is no file, [`Error::WrongPassword`],
    /// [`Error::Corrupt`] for any modified or truncated byte, [`Error::FormatTooOld`] /
    /// [`Error::FormatTooNew`], [`Error::Io`].
    pub fn load(path: &Path, password: &str) -> Result<Self> {
        let bytes = read_capped(path, MAX_FILE_LEN)?;
        Self::from_bytes(&bytes, password)
    }

    /// Whether the keystore at `path` needs a non-empty password. Reads only the header.
    pub fn is_password_protected(path: &Path) -> Result<bool> {
        let prefix = read_capped_prefix(path)?;
        Ok(format::parse_header(&prefix)?.has_password)
    }

    /// Encrypts the keystore with `password` (`""` for none) and atomically replaces `path`
    /// with it, as a 0600 file. Every save uses a fresh salt and IV.
    pub fn save(&self, path: &Path, password: &str) -> Result<()> {
        let bytes = self.to_bytes(password)?;
        write_atomically(path, &bytes)
    }

    /// Decrypts a keystore file's bytes.
    pub fn from_bytes(bytes: &[u8], password: &str) -> Result<Self> {
        let sealed = format::parse_file(bytes)?;
        let key = crypto::derive_key(
            password,
            sealed.salt,
            format::kdf_iterations(sealed.header.version),
        );
        Self::open_sealed(&sealed, &key)
    }

    fn open_sealed(sealed: &format::Sealed<'_>, key: &[u8; 16]) -> Result<Self> {
        let plain = crypto::open(key, &sealed.iv, sealed.salt, sealed.ciphertext)?;
        let version = sealed.header.version;
        let entries = format::decode_entries(&plain, version)?;
        Ok(Self {
            entries,
            format_version: version,
        })
    }

    /// [`Keystore::load`], remembering the derived key of an *unprotected* keystore in `cache`
    /// so that later loads skip the key derivation (see [`UnprotectedKeyCache`] for why that
    /// costs no security). A protected keystore is loaded as by [`Keystore::load`] and any cache
    /// file is removed.
    pub fn load_with_cache(
        path: &Path,
        password: &str,
        cache: &UnprotectedKeyCache,
    ) -> Result<(Self, KeyCacheOutcome)> {
        let bytes = read_capped(path, MAX_FILE_LEN)?;
        let sealed = format::parse_file(&bytes)?;
        if sealed.header.has_password || !password.is_empty() {
            cache.remove();
            return Ok((
                Self::from_bytes(&bytes, password)?,
                KeyCacheOutcome::Protected,
            ));
        }
        let iterations = format::kdf_iterations(sealed.header.version);
        if let Some(key) = cache.lookup(sealed.salt, iterations)
            && let Ok(keystore) = Self::open_sealed(&sealed, &key)
        {
            return Ok((keystore, KeyCacheOutcome::Hit));
        }
        let key = crypto::derive_key("", sealed.salt, iterations);
        let keystore = Self::open_sealed(&sealed, &key)?;
        let outcome = match cache.store(sealed.salt, iterations, &key) {
            Ok(()) => KeyCacheOutcome::Stored,
            Err(e) => KeyCacheOutcome::NotStored(e.to_string()),
        };
        Ok((keystore, outcome))
    }

    /// Encrypts the keystore into the bytes of a version-6 file, with a fresh salt and IV.
    pub fn to_bytes(&self, password: &str) -> Result<Vec<u8>> {
        let mut salt = [0u8; SALT_LEN];
        let mut iv = [0u8; IV_LEN];
        crypto::random_bytes(&mut salt)?;
        crypto::random_bytes(&mut iv)?;
        self.to_bytes_with(password, &salt, &iv)
    }

    /// [`Keystore::to_bytes`] with a chosen salt and IV, for known-answer tests only: reusing
    /// an IV with the same password breaks AES-GCM.
    pub(crate) fn to_bytes_with(
        &self,
        password: &str,
        salt: &[u8; SALT_LEN],
        iv: &[u8; IV_LEN],
    ) -> Result<Vec<u8>> {
        let plain = format::encode_entries(&self.entries)?;
        // Refuse before encrypting what could not be read back.
        if plain.len() > MAX_FILE_LEN - 256 {
            return Err(Error::TooLarge(format!(
                "a keystore of {} bytes of settings",
                plain.len()
            )));
        }
        let key = crypto::derive_key(password, salt, format::kdf_iterations(CURRENT_VERSION));
        let ciphertext = crypto::seal(&key, iv, salt, &plain)?;
        Ok(format::write_file(
            !password.is_empty(),
            salt,
            iv,
            &ciphertext,
        ))
    }

    /// The value of a setting.
    pub fn get(&self, name: &str) -> Option<&SecureValue> {
        self.entries.get(name)
    }

    /// The value of a setting as text; `None` when absent or not UTF-8.
    pub fn get_string(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(SecureValue::as_str)
    }

    /// Whether the setting exists.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// Adds or replaces a setting. The name must match `[A-Za-z0-9_\-.]+`.
    pub fn set(&mut self, name: &str, value: Vec<u8>) -> Result<()> {
        validate_setting_name(name)?;
        if i32::try_from(value.len()).is_err() || value.len() > MAX_FILE_LEN {
            return Err(Error::TooLarge(format!("the value of [{name}]")));
        }
        // The replaced value is zeroed when it drops here.
        self.entries
            .insert(name.to_string(), SecureValue::new(value));
        Ok(())
    }

    /// Removes a setting; returns whether it existed.
    pub fn remove(&mut self, name: &str) -> bool {
        self.entries.remove(name).is_some()
    }

    /// Setting names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Number of settings (the seed included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no settings at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The format version the keystore was read from ([`crate::CURRENT_FORMAT_VERSION`] for
    /// a new one).
    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// Whether saving would change the format: an older version, or no `keystore.seed`.
    pub fn needs_upgrade(&self) -> bool {
        self.format_version != CURRENT_VERSION || !self.contains(SEED_SETTING)
    }

    /// Adds a random `keystore.seed` if there is none; returns whether it added one.
    pub fn ensure_seed(&mut self) -> Result<bool> {
        if self.contains(SEED_SETTING) {
            return Ok(false);
        }
        let seed = random_seed()?;
        self.entries
            .insert(SEED_SETTING.to_string(), SecureValue::new(seed));
        Ok(true)
    }

    /// A keystore with exactly these entries and no seed, for tests of the format.
    #[cfg(test)]
    pub(crate) fn from_entries(entries: BTreeMap<String, SecureValue>) -> Self {
        Self {
            entries,
            format_version: CURRENT_VERSION,
        }
    }
}

/// Checks a setting name against Elasticsearch's `[A-Za-z0-9_\-.]+`.
pub fn validate_setting_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidSettingName(name.to_string()))
    }
}

fn read_capped_prefix(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            Error::Io {
                action: "read keystore",
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let mut prefix = Vec::with_capacity(HEADER_LEN);
    file.take(HEADER_LEN as u64)
        .read_to_end(&mut prefix)
        .map_err(|source| Error::Io {
            action: "read keystore",
            path: path.to_path_buf(),
            source,
        })?;
    Ok(prefix)
}

/// 20 characters drawn uniformly from [`SEED_CHARS`] (rejection sampling, so no character is
/// favoured by the modulo).
fn random_seed() -> Result<Vec<u8>> {
    let limit = 256 - 256 % SEED_CHARS.len();
    let mut seed = Vec::with_capacity(SEED_LEN);
    let mut pool = [0u8; 64];
    while seed.len() < SEED_LEN {
        crypto::random_bytes(&mut pool)?;
        for &b in &pool {
            if usize::from(b) < limit && seed.len() < SEED_LEN {
                seed.push(SEED_CHARS[usize::from(b) % SEED_CHARS.len()]);
            }
        }
    }
    zeroize::Zeroize::zeroize(&mut pool);
    Ok(seed)
}

#[cfg(test)]
#[path = "keystore_tests.rs"]
mod tests;
