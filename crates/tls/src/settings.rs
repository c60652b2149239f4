//! What the builders take: server and client TLS settings as plain data, independent of any
//! configuration file format (the node maps `xpack.security.http.ssl.*` onto them with
//! [`ServerTlsSettings::from_http_ssl`]; the console and shipper map their own settings).

use std::path::{Path, PathBuf};

use ironstack_config::{ClientAuthentication, HttpSslConfig, VerificationMode};
use rustls_pki_types::CertificateDer;

pub use ironstack_config::{CipherSuite, TlsVersion};

use crate::{Error, Result, Secret};

/// A certificate chain with its private key.
#[derive(Debug, Clone)]
pub enum Identity {
    /// A PKCS#12 store (ours, OpenSSL's or keytool's).
    Pkcs12 {
        /// The `.p12` file.
        path: PathBuf,
        /// Its password (empty string when it has none).
        password: Secret,
        /// The private-key entry to use. Without it: the only key entry, or the only one
        /// whose certificate is not a CA (auto-configuration's `http.p12` also holds the
        /// CA's key under `http_ca`).
        alias: Option<String>,
    },
    /// PEM files: a certificate chain (leaf first) and a private key.
    Pem {
        /// Certificate chain file.
        certificate: PathBuf,
        /// Private key file (PKCS#8, PKCS#1, SEC1; possibly encrypted).
        key: PathBuf,
        /// Passphrase of an encrypted key.
        passphrase: Option<Secret>,
    },
}

impl Identity {
    /// Every file this identity is read from.
    pub fn files(&self) -> Vec<PathBuf> {
        match self {
            Identity::Pkcs12 { path, .. } => vec![path.clone()],
            Identity::Pem {
                certificate, key, ..
            } => vec![certificate.clone(), key.clone()],
        }
    }

    /// The file holding the certificate (for messages).
    pub fn certificate_path(&self) -> &Path {
        match self {
            Identity::Pkcs12 { path, .. } => path,
            Identity::Pem { certificate, .. } => certificate,
        }
    }
}

/// A PKCS#12 truststore: its trusted-certificate entries become trust anchors.
#[derive(Debug, Clone)]
pub struct TrustStore {
    /// The `.p12` file.
    pub path: PathBuf,
    /// Its password (empty string when it has none).
    pub password: Secret,
}

/// Server-side settings (the node's HTTPS, the console's HTTPS).
#[derive(Debug, Clone)]
pub struct ServerTlsSettings {
    /// The served certificate and key.
    pub identity: Identity,
    /// Whether to ask for client certificates.
    pub client_authentication: ClientAuthentication,
    /// PEM files of CAs trusted for client certificates.
    pub client_certificate_authorities: Vec<PathBuf>,
    /// A truststore trusted for client certificates (instead of the PEM files).
    pub client_truststore: Option<TrustStore>,
    /// Accept any client certificate without checking its chain (Elasticsearch's
    /// `verification_mode: none`). Handshake signatures are still verified.
    pub insecure_accept_any_client_certificate: bool,
    /// Allowed versions; empty = TLS 1.2 and 1.3.
    pub protocols: Vec<TlsVersion>,
    /// Allowed suites; empty = all rustls suites.
    pub cipher_suites: Vec<CipherSuite>,
    /// ALPN protocols in preference order (default `h2`, `http/1.1`).
    pub alpn_protocols: Vec<Vec<u8>>,
}

impl ServerTlsSettings {
    /// Defaults around an identity: no client authentication, TLS 1.2 + 1.3, every suite,
    /// ALPN `h2` and `http/1.1`.
    pub fn new(identity: Identity) -> Self {
        ServerTlsSettings {
            identity,
            client_authentication: ClientAuthentication::None,
            client_certificate_authorities: Vec::new(),
            client_truststore: None,
            insecure_accept_any_client_certificate: false,
            protocols: Vec::new(),
            cipher_suites: Vec::new(),
            alpn_protocols: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        }
    }

    /// Maps validated `xpack.security.http.ssl.*` settings and the secrets the node read
    /// from the keystore. A missing keystore or truststore password means the empty
    /// password, as in Elasticsearch.
    pub fn from_http_ssl(config: &HttpSslConfig, secrets: &HttpSslSecrets) -> Result<Self> {
        let identity = match (&config.keystore_path, &config.certificate, &config.key) {
            (Some(path), _, _) => Identity::Pkcs12 {
                path: path.clone(),
                password: secrets.keystore_password.clone().unwrap_or_default(),
                alias: None,
            },
            (None, Some(certificate), Some(key)) => Identity::Pem {
                certificate: certificate.clone(),
                key: key.clone(),
                passphrase: secrets.key_passphrase.clone(),
            },
            _ => {
                return Err(Error::InvalidSettings(
                    "xpack.security.http.ssl needs [keystore.path] or both [certificate] and [key]"
                        .to_string(),
                ));
            }
        };
        let mut settings = ServerTlsSettings::new(identity);
        settings.client_authentication = config.client_authentication;
        settings.client_certificate_authorities = config.certificate_authorities.clone();
        settings.client_truststore = config.truststore_path.as_ref().map(|path| TrustStore {
            path: path.clone(),
            password: secrets.truststore_password.clone().unwrap_or_default(),
        });
        settings.insecure_accept_any_client_certificate =
            config.verification_mode == VerificationMode::None;
        settings.protocols = config.supported_protocols.clone();
        settings.cipher_suites = config.cipher_suites.clone();
        Ok(settings)
    }

    /// Every file the configuration is built from (identity, CA files, truststore).
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = self.identity.files();
        files.extend(self.client_certificate_authorities.iter().cloned());
        files.extend(self.client_truststore.iter().map(|t| t.path.clone()));
        files
    }
}

/// The keystore entries of `xpack.security.http.ssl` (see
/// [`ironstack_config::HTTP_SSL_KEYSTORE_SECURE_PASSWORD`] and its siblings).
#[derive(Debug, Clone, Default)]
pub struct HttpSslSecrets {
    /// `xpack.security.http.ssl.keystore.secure_password`.
    pub keystore_password: Option<Secret>,
    /// `xpack.security.http.ssl.truststore.secure_password`.
    pub truststore_password: Option<Secret>,
    /// `xpack.security.http.ssl.secure_key_passphrase`.
    pub key_passphrase: Option<Secret>,
}

/// How a client checks the server's certificate (Beats' `ssl.verification_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerVerification {
    /// Chain, then host name against the SANs, falling back to the subject CN when the
    /// certificate has no DNS SAN (Beats' and Kibana's default).
    #[default]
    Full,
    /// Chain and host name against the SANs only (Go's standard verification).
    Strict,
    /// Chain only; any host name.
    Certificate,
    /// Nothing but the handshake signature: anyone in the path can impersonate the server.
    DangerousNone,
}

impl ServerVerification {
    /// Parses Beats/Kibana names: `full`, `strict`, `certificate`, `none`.
    pub fn parse(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "full" => Ok(Self::Full),
            "strict" => Ok(Self::Strict),
            "certificate" => Ok(Self::Certificate),
            "none" => Ok(Self::DangerousNone),
            _ => Err(Error::InvalidSettings(format!(
                "unknown verification mode [{name}]; expected one of [full, strict, certificate, none]"
            ))),
        }
    }
}

/// Client-side settings (shipper, console, tools, tests).
#[derive(Debug, Clone, Default)]
pub struct ClientTlsSettings {
    /// PEM files of trusted CAs. With no CA at all (files or [`Self::ca_certificates`]) the
    /// system's trust store is used.
    pub certificate_authorities: Vec<PathBuf>,
    /// Trusted CA certificates already in memory (DER).
    pub ca_certificates: Vec<CertificateDer<'static>>,
    /// A client certificate for servers that ask for one.
    pub identity: Option<Identity>,
    /// Server certificate verification.
    pub verification: ServerVerification,
    /// `ssl.ca_sha256`: hex SHA-256 pins of a certificate's DER (colons allowed), or Beats'
    /// base64 SHA-256 of a certificate's public key; a certificate of the verified chain must
    /// match one of them.
    pub ca_sha256: Vec<String>,
    /// `ssl.ca_trusted_fingerprint`: trust the CA certificate in the presented chain whose
    /// SHA-256 is this (hex, colons allowed), in addition to the configured CAs.
    pub ca_trusted_fingerprint: Option<String>,
    /// Allowed versions; empty = TLS 1.2 and 1.3.
    pub protocols: Vec<TlsVersion>,
    /// Allowed suites; empty = all rustls suites.
    pub cipher_suites: Vec<CipherSuite>,
    /// ALPN protocols to offer; empty = none.
    pub alpn_protocols: Vec<Vec<u8>>,
}

impl ClientTlsSettings {
    /// Every file the configuration is built from.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = self.certificate_authorities.clone();
        if let Some(identity) = &self.identity {
            files.extend(identity.files());
        }
        files
    }
}
