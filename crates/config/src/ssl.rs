//! `xpack.security.http.ssl.*`: the typed, validated HTTP TLS settings and the value enums
//! (protocols, cipher suites, client authentication, verification mode) that `ironstack-tls`
//! maps onto rustls. Only PKCS#12 and PEM are supported; paths are resolved against the
//! config directory, as Elasticsearch does.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::{Error, Origin, Result, Settings};

/// Prefix of every HTTP TLS setting.
pub const HTTP_SSL_PREFIX: &str = "xpack.security.http.ssl.";

/// Keystore entry holding the PKCS#12 keystore's password.
pub const HTTP_SSL_KEYSTORE_SECURE_PASSWORD: &str =
    "xpack.security.http.ssl.keystore.secure_password";
/// Keystore entry holding the PKCS#12 truststore's password.
pub const HTTP_SSL_TRUSTSTORE_SECURE_PASSWORD: &str =
    "xpack.security.http.ssl.truststore.secure_password";
/// Keystore entry holding the passphrase of an encrypted PEM key (`ssl.key`).
pub const HTTP_SSL_SECURE_KEY_PASSPHRASE: &str = "xpack.security.http.ssl.secure_key_passphrase";

/// A TLS protocol version. Only TLS 1.2 and 1.3 exist here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsVersion {
    /// `TLSv1.2`
    Tls12,
    /// `TLSv1.3`
    Tls13,
}

impl TlsVersion {
    /// The JDK/Elasticsearch name (`TLSv1.2`).
    pub fn name(self) -> &'static str {
        match self {
            TlsVersion::Tls12 => "TLSv1.2",
            TlsVersion::Tls13 => "TLSv1.3",
        }
    }

    /// Parses a JDK protocol name. Older versions are an error saying only 1.2+ exists.
    pub fn parse(name: &str) -> std::result::Result<Self, String> {
        match name {
            "TLSv1.2" => Ok(TlsVersion::Tls12),
            "TLSv1.3" => Ok(TlsVersion::Tls13),
            "TLSv1.1" | "TLSv1" | "TLSv1.0" | "SSLv3" | "SSLv2" | "SSLv2Hello" => Err(format!(
                "protocol [{name}] is not supported: TLS 1.2+ only (use TLSv1.2 and/or TLSv1.3)"
            )),
            _ => Err(format!(
                "unknown protocol [{name}]: supported protocols are [TLSv1.3, TLSv1.2]"
            )),
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A cipher suite rustls implements, under its IANA/JDK name as Elasticsearch spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherSuite {
    /// `TLS_AES_256_GCM_SHA384` (TLS 1.3)
    Tls13Aes256GcmSha384,
    /// `TLS_AES_128_GCM_SHA256` (TLS 1.3)
    Tls13Aes128GcmSha256,
    /// `TLS_CHACHA20_POLY1305_SHA256` (TLS 1.3)
    Tls13Chacha20Poly1305Sha256,
    /// `TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384`
    EcdheEcdsaAes256GcmSha384,
    /// `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`
    EcdheEcdsaAes128GcmSha256,
    /// `TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256`
    EcdheEcdsaChacha20Poly1305Sha256,
    /// `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`
    EcdheRsaAes256GcmSha384,
    /// `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`
    EcdheRsaAes128GcmSha256,
    /// `TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256`
    EcdheRsaChacha20Poly1305Sha256,
}

impl CipherSuite {
    /// Every supported suite, in rustls' preference order.
    pub const ALL: [CipherSuite; 9] = [
        CipherSuite::Tls13Aes256GcmSha384,
        CipherSuite::Tls13Aes128GcmSha256,
        CipherSuite::Tls13Chacha20Poly1305Sha256,
        CipherSuite::EcdheEcdsaAes256GcmSha384,
        CipherSuite::EcdheEcdsaAes128GcmSha256,
        CipherSuite::EcdheEcdsaChacha20Poly1305Sha256,
        CipherSuite::EcdheRsaAes256GcmSha384,
        CipherSuite::EcdheRsaAes128GcmSha256,
        CipherSuite::EcdheRsaChacha20Poly1305Sha256,
    ];

    /// The IANA/JDK name.
    pub fn name(self) -> &'static str {
        match self {
            CipherSuite::Tls13Aes256GcmSha384 => "TLS_AES_256_GCM_SHA384",
            CipherSuite::Tls13Aes128GcmSha256 => "TLS_AES_128_GCM_SHA256",
            CipherSuite::Tls13Chacha20Poly1305Sha256 => "TLS_CHACHA20_POLY1305_SHA256",
            CipherSuite::EcdheEcdsaAes256GcmSha384 => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            CipherSuite::EcdheEcdsaAes128GcmSha256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => {
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
            }
            CipherSuite::EcdheRsaAes256GcmSha384 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            CipherSuite::EcdheRsaAes128GcmSha256 => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            CipherSuite::EcdheRsaChacha20Poly1305Sha256 => {
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
            }
        }
    }

    /// True for the TLS 1.3 suites.
    pub fn is_tls13(self) -> bool {
        matches!(
            self,
            CipherSuite::Tls13Aes256GcmSha384
                | CipherSuite::Tls13Aes128GcmSha256
                | CipherSuite::Tls13Chacha20Poly1305Sha256
        )
    }

    /// Parses a JDK name. Names of real suites rustls does not implement (CBC, static RSA,
    /// DHE) get their own message so that copied Elasticsearch lists are easy to fix.
    pub fn parse(name: &str) -> std::result::Result<Self, String> {
        if let Some(suite) = Self::ALL.into_iter().find(|s| s.name() == name) {
            return Ok(suite);
        }
        let supported = Self::ALL.map(CipherSuite::name).join(", ");
        if name.starts_with("TLS_") || name.starts_with("SSL_") {
            Err(format!(
                "cipher suite [{name}] is not supported (only AEAD suites with forward secrecy); supported suites are [{supported}]"
            ))
        } else {
            Err(format!(
                "unknown cipher suite [{name}]; supported suites are [{supported}]"
            ))
        }
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `client_authentication`: whether the server asks for a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuthentication {
    /// Never ask (the default for HTTP).
    #[default]
    None,
    /// Ask; a client without a certificate is still let in (PKI realm optional).
    Optional,
    /// Ask and refuse the handshake without a valid certificate.
    Required,
}

impl ClientAuthentication {
    fn parse(value: &str) -> std::result::Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "optional" => Ok(Self::Optional),
            "required" => Ok(Self::Required),
            _ => Err("expected one of [none, optional, required]".to_string()),
        }
    }
}

/// `verification_mode` (server side it governs client certificates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerificationMode {
    /// Chain and host name (the default).
    #[default]
    Full,
    /// Chain only.
    Certificate,
    /// No verification at all: dangerous, accepted with a warning.
    None,
}

impl VerificationMode {
    fn parse(value: &str) -> std::result::Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "full" => Ok(Self::Full),
            "certificate" => Ok(Self::Certificate),
            "none" => Ok(Self::None),
            _ => Err("expected one of [full, certificate, none]".to_string()),
        }
    }
}

/// The validated `xpack.security.http.ssl.*` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSslConfig {
    /// `enabled` (default false; auto-configuration turns it on).
    pub enabled: bool,
    /// `keystore.path`: PKCS#12 with the server key and chain, absolute.
    pub keystore_path: Option<PathBuf>,
    /// `truststore.path`: PKCS#12 whose certificates are trusted for client certificates.
    pub truststore_path: Option<PathBuf>,
    /// `certificate`: PEM chain, leaf first, absolute.
    pub certificate: Option<PathBuf>,
    /// `key`: PEM private key (possibly encrypted), absolute.
    pub key: Option<PathBuf>,
    /// `certificate_authorities`: PEM CA files trusted for client certificates, absolute.
    pub certificate_authorities: Vec<PathBuf>,
    /// `client_authentication` (default none).
    pub client_authentication: ClientAuthentication,
    /// `supported_protocols` (default TLSv1.3, TLSv1.2).
    pub supported_protocols: Vec<TlsVersion>,
    /// `cipher_suites`; empty = every supported suite.
    pub cipher_suites: Vec<CipherSuite>,
    /// `verification_mode` (default full).
    pub verification_mode: VerificationMode,
}

impl Default for HttpSslConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            keystore_path: None,
            truststore_path: None,
            certificate: None,
            key: None,
            certificate_authorities: Vec::new(),
            client_authentication: ClientAuthentication::None,
            supported_protocols: vec![TlsVersion::Tls13, TlsVersion::Tls12],
            cipher_suites: Vec::new(),
            verification_mode: VerificationMode::Full,
        }
    }
}

impl HttpSslConfig {
    /// Every file the TLS configuration is built from (for reload watching and messages).
    pub fn files(&self) -> Vec<PathBuf> {
        [
            &self.keystore_path,
            &self.truststore_path,
            &self.certificate,
            &self.key,
        ]
        .into_iter()
        .flatten()
        .chain(&self.certificate_authorities)
        .cloned()
        .collect()
    }

    /// Reads and validates the settings; `warnings` collects non-fatal remarks.
    pub(crate) fn from_settings(
        settings: &Settings,
        config_dir: &Path,
        file_origin: &Origin,
        warnings: &mut Vec<String>,
    ) -> Result<Self> {
        let reader = crate::node::Reader { settings };
        let key = |name: &str| format!("{HTTP_SSL_PREFIX}{name}");
        let path = |name: &str| -> Result<Option<PathBuf>> {
            Ok(reader.string(&key(name))?.map(|p| config_dir.join(p)))
        };
        let mut config = HttpSslConfig {
            enabled: reader.boolean(&key("enabled"))?.unwrap_or(false),
            keystore_path: path("keystore.path")?,
            truststore_path: path("truststore.path")?,
            certificate: path("certificate")?,
            key: path("key")?,
            ..HttpSslConfig::default()
        };
        if let Some(list) = reader.list(&key("certificate_authorities"))? {
            config.certificate_authorities = list.iter().map(|p| config_dir.join(p)).collect();
        }
        check_store_type(
            &reader,
            &key("keystore.type"),
            config.keystore_path.as_deref(),
        )?;
        check_store_type(
            &reader,
            &key("truststore.type"),
            config.truststore_path.as_deref(),
        )?;
        if let Some(v) =
            reader.parsed(&key("client_authentication"), ClientAuthentication::parse)?
        {
            config.client_authentication = v;
        }
        if let Some(v) = reader.parsed(&key("verification_mode"), VerificationMode::parse)? {
            config.verification_mode = v;
        }
        if let Some(list) = reader.list(&key("supported_protocols"))? {
            let protocols = reader.each(&key("supported_protocols"), &list, TlsVersion::parse)?;
            if protocols.is_empty() {
                return Err(reader.invalid(
                    &key("supported_protocols"),
                    "at least one protocol is required",
                ));
            }
            config.supported_protocols = protocols;
        }
        if let Some(list) = reader.list(&key("cipher_suites"))? {
            config.cipher_suites = reader.each(&key("cipher_suites"), &list, CipherSuite::parse)?;
        }
        config.check_combinations(&reader, file_origin)?;
        if config.verification_mode == VerificationMode::None {
            warnings.push(format!(
                "[{}] is [none]: client certificates are accepted without verification; never use this in production",
                key("verification_mode")
            ));
        }
        Ok(config)
    }

    fn check_combinations(
        &self,
        reader: &crate::node::Reader<'_>,
        file_origin: &Origin,
    ) -> Result<()> {
        let origin_of = |name: &str| {
            reader
                .settings
                .get(&format!("{HTTP_SSL_PREFIX}{name}"))
                .map(|s| s.origin.clone())
                .unwrap_or_else(|| file_origin.clone())
        };
        let conflict = |name: &str, reason: String| Error::Conflict {
            reason,
            origin: origin_of(name),
        };
        let p = HTTP_SSL_PREFIX;
        if self.keystore_path.is_some() && (self.key.is_some() || self.certificate.is_some()) {
            return Err(conflict(
                "keystore.path",
                format!("cannot specify both [{p}keystore.path] and [{p}key]/[{p}certificate]"),
            ));
        }
        if self.key.is_some() != self.certificate.is_some() {
            let (given, missing) = if self.key.is_some() {
                ("key", "certificate")
            } else {
                ("certificate", "key")
            };
            return Err(conflict(
                given,
                format!(
                    "[{p}{given}] is set but [{p}{missing}] is not; both are required for a PEM identity"
                ),
            ));
        }
        if self.truststore_path.is_some() && !self.certificate_authorities.is_empty() {
            return Err(conflict(
                "truststore.path",
                format!(
                    "cannot specify both [{p}certificate_authorities] and [{p}truststore.path]"
                ),
            ));
        }
        if self.enabled && self.keystore_path.is_none() && self.key.is_none() {
            return Err(conflict(
                "enabled",
                format!(
                    "invalid SSL configuration for {}: a key and certificate are required when it is enabled; set either [{p}keystore.path], or both [{p}key] and [{p}certificate]",
                    p.trim_end_matches('.')
                ),
            ));
        }
        let tls13_only = self.supported_protocols == [TlsVersion::Tls13];
        let tls12_only = self.supported_protocols == [TlsVersion::Tls12];
        if !self.cipher_suites.is_empty()
            && ((tls13_only && !self.cipher_suites.iter().any(|c| c.is_tls13()))
                || (tls12_only && self.cipher_suites.iter().all(|c| c.is_tls13())))
        {
            return Err(conflict(
                "cipher_suites",
                format!("none of [{p}cipher_suites] can be used with [{p}supported_protocols]"),
            ));
        }
        Ok(())
    }
}

/// Only PKCS#12 is readable. An explicit `jks`/`PKCS11` type, or a `.jks` file without a
/// type, is a clear "not supported" error instead of a confusing decode failure later.
fn check_store_type(
    reader: &crate::node::Reader<'_>,
    key: &str,
    path: Option<&Path>,
) -> Result<()> {
    let explicit = reader.string(key)?;
    let store_type = match (&explicit, path) {
        (Some(t), _) => t.to_ascii_lowercase(),
        (None, Some(p)) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jks")) => {
            "jks".to_string()
        }
        _ => return Ok(()),
    };
    match store_type.as_str() {
        "pkcs12" | "p12" | "pfx" => Ok(()),
        "jks" => Err(reader.invalid_value(
            key,
            explicit.as_deref().unwrap_or("jks (from the file extension)"),
            "JKS keystores are not supported; convert to PKCS#12 with `keytool -importkeystore -srckeystore <file>.jks -destkeystore <file>.p12 -deststoretype PKCS12`",
        )),
        _ => Err(reader.invalid_value(
            key,
            explicit.as_deref().unwrap_or_default(),
            "only PKCS12 keystores are supported",
        )),
    }
}
