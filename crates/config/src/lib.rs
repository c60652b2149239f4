//! `ironstack.yml` parsing and validation.
//!
//! The file is read with serde-saphyr, flattened to dotted keys exactly as Elasticsearch does
//! (`xpack.security.http.ssl: {enabled: true}` is `xpack.security.http.ssl.enabled: true`),
//! `${VAR}` / `${VAR:default}` placeholders are replaced from an environment map passed in by
//! the caller, `-E key=value` overrides win over the file, and the result is validated into a
//! typed [`NodeConfig`]. Precedence: `-E` > file > default; the environment only enters
//! through explicit placeholders (and `IRONSTACK_PATH_CONF` for the directory).
//!
//! Strictness: any unknown key is an error naming the file; secure settings and legacy
//! plain-text passwords are refused with the keystore entry to use instead. This crate never
//! reads the process environment by itself and never writes to it.
//!
//! ```no_run
//! use ironstack_config::{LoadOptions, NodeConfig};
//! let options = LoadOptions {
//!     env: std::env::vars().collect(),
//!     overrides: vec!["http.port=9201".to_string()],
//!     ..LoadOptions::default()
//! };
//! let config = NodeConfig::load(&options)?;
//! println!("{} listens on port {}", config.node_name, config.http_port);
//! # Ok::<(), ironstack_config::Error>(())
//! ```

#![warn(missing_docs)]

mod audit;
mod authc;
mod byte_size;
pub mod env_vars;
mod error;
mod network;
mod node;
mod realms;
mod registry;
mod settings;
mod ssl;

pub use audit::{
    AUDIT_EVENT_NAMES, AUDIT_SETTINGS, AuditConfig, AuditIgnorePolicy, DEFAULT_AUDIT_INCLUDES,
    check_audit_key,
};
pub use authc::{AnonymousConfig, AuthcConfig, DEFAULT_ANONYMOUS_USERNAME, TokenConfig};
pub use byte_size::parse_byte_size;
pub use error::{Error, Origin, Result};
pub use network::{HostSpec, PortRange};
pub use node::{
    CONFIG_FILE_NAME, DEFAULT_CONFIG_DIR, DEFAULT_MAX_CHUNK_SIZE, DEFAULT_MAX_CONTENT_LENGTH,
    DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_INITIAL_LINE_LENGTH, HttpLimits, LoadOptions,
    MAX_MAX_CONTENT_LENGTH, NodeConfig, SecurityConfig,
};
pub use realms::{
    BuiltinRealmConfig, DEFAULT_USERNAME_PATTERN, PkiRealmConfig, REALMS_PREFIX, RealmsConfig,
    check_realm_key,
};
pub use registry::{IGNORED_PREFIXES, IGNORED_SETTINGS, NODE_SETTINGS, is_secure_setting};
pub use settings::{Setting, SettingValue, Settings};
pub use ssl::{
    CipherSuite, ClientAuthentication, HTTP_SSL_KEYSTORE_SECURE_PASSWORD, HTTP_SSL_PREFIX,
    HTTP_SSL_SECURE_KEY_PASSPHRASE, HTTP_SSL_TRUSTSTORE_SECURE_PASSWORD, HttpSslConfig, TlsVersion,
    VerificationMode,
};
