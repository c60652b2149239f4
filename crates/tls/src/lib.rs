//! The one rustls builder of the stack: server and client configurations and their hot
//! reload, for the node, the console, the shipper and the tests.
//!
//! - [`server_config`] builds a `rustls::ServerConfig` from a PKCS#12 store or PEM files
//!   (encrypted PEM keys included), TLS 1.2 and 1.3 only, ALPN `h2` + `http/1.1`, with
//!   optional or required client certificates. It refuses to build with a wrong password, a
//!   key that does not match its certificate, an expired certificate, or an ambiguous store,
//!   and every error names the file.
//! - [`client_config`] builds a `rustls::ClientConfig` with Beats' verification modes
//!   (`full` with the CN fallback, `strict`, `certificate`, and `none` behind
//!   [`ServerVerification::DangerousNone`]), `ca_sha256` pins and `ca_trusted_fingerprint`;
//!   [`ClientTlsSettings::check_combinations`] refuses what Beats refuses at load, and
//!   [`describe_handshake_error`] words a failed handshake by its cause.
//! - [`ReloadableServerConfig`] serves the current configuration per connection and
//!   rebuilds it when a source file changes, keeping the old one when the new files are
//!   broken.
//!
//! Passwords arrive as [`Secret`]s already read from the keystore by the caller: this crate
//! never opens the keystore. It uses the aws-lc-rs provider explicitly, so no process-wide
//! default provider has to be installed.
//!
//! ```no_run
//! use ironstack_tls::{Identity, ReloadableServerConfig, ServerTlsSettings, Secret};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = ServerTlsSettings::new(Identity::Pkcs12 {
//!     path: "config/certs/http.p12".into(),
//!     password: Secret::new("from the keystore"),
//!     alias: None,
//! });
//! let tls = ReloadableServerConfig::new(settings)?;
//! let _watcher = tls.spawn_watcher(ironstack_tls::DEFAULT_RELOAD_INTERVAL);
//! // per accepted TCP connection:
//! // let stream = tokio_rustls::TlsAcceptor::from(tls.current()).accept(tcp).await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod chain;
mod client;
mod error;
mod material;
mod peer;
mod provider;
mod reload;
mod secret;
mod server;
mod settings;
mod verification_errors;

pub use chain::ClientChainVerifier;
pub use client::client_config;
pub use error::{Error, Result};
pub use peer::subject_dn;
pub use provider::default_provider;
pub use reload::{
    CertificateExpiry, DEFAULT_RELOAD_INTERVAL, EXPIRY_WARNING_WINDOW, ReloadOutcome,
    ReloadableServerConfig, expiring_certificates,
};
pub use secret::Secret;
pub use server::server_config;
pub use settings::{
    CipherSuite, ClientTlsSettings, HttpSslSecrets, Identity, ServerTlsSettings,
    ServerVerification, TlsVersion, TrustStore,
};
pub use verification_errors::describe_handshake_error;

/// Client-authentication modes, re-exported from the configuration crate.
pub use ironstack_config::ClientAuthentication;
/// The rustls version these configurations are built with.
pub use rustls;
