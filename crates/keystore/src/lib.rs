//! The encrypted secure-settings file (`ironstack.keystore`), byte-compatible with
//! Elasticsearch's `elasticsearch.keystore`.
//!
//! A keystore maps setting names (`[A-Za-z0-9_\-.]+`) to secret byte strings. On disk it is
//! a Lucene CodecUtil-framed file holding one AES-128-GCM blob whose key is derived from the
//! keystore password with PBKDF2-HMAC-SHA512; an "unprotected" keystore simply uses the empty
//! password. This crate writes format version 6 (Elasticsearch 8.14+) and reads versions 3 to
//! 6, so a file written by Elasticsearch opens here and a file written here opens in
//! Elasticsearch.
//!
//! This crate owns the format, the crypto and the atomic file write. It does no prompting:
//! obtaining the password from a terminal or a file is the job of `ironstack-keystore-cli`.
//!
//! ```
//! # fn main() -> Result<(), ironstack_keystore::Error> {
//! use ironstack_keystore::Keystore;
//! let dir = std::env::temp_dir().join(format!("ks-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = Keystore::default_path(&dir);
//!
//! let mut keystore = Keystore::new();
//! keystore.set("bootstrap.password", b"changeme".to_vec())?;
//! keystore.save(&path, "")?;
//!
//! let loaded = Keystore::load(&path, "")?;
//! assert_eq!(loaded.get_string("bootstrap.password"), Some("changeme"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod atomic_file;
mod crypto;
mod error;
mod format;
mod java_data;
mod key_cache;
mod keystore;
mod secure_value;
pub mod tool_keystore;

pub use error::{Error, Result};
pub use key_cache::{KeyCacheOutcome, UnprotectedKeyCache};
pub use keystore::{Keystore, SEED_SETTING, validate_setting_name};
pub use secure_value::SecureValue;
pub use tool_keystore::ToolKeystore;

/// File name of the keystore inside the config directory.
pub const KEYSTORE_FILE_NAME: &str = "ironstack.keystore";

/// The format version this crate writes.
pub const CURRENT_FORMAT_VERSION: u32 = format::CURRENT_VERSION;

/// The oldest format version this crate reads.
pub const MIN_FORMAT_VERSION: u32 = format::MIN_VERSION;

/// Largest keystore file this crate reads or writes. Elasticsearch has no such limit, but a
/// keystore holds passwords and small files, and a cap keeps a hostile file from making us
/// allocate without bound.
pub const MAX_FILE_LEN: usize = 64 * 1024 * 1024;
