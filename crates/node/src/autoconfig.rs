//! Security auto-configuration on first start, as Elasticsearch 8+ does it: an HTTP CA and a
//! node certificate under `config/certs/`, the PKCS#12 password in the keystore, the marked
//! block in `ironstack.yml`, and a generated `elastic` password in the security store. Every
//! step is recorded so that a failure — here or later during start-up — undoes all of it.
//!
//! Keys are EC P-256 rather than Elasticsearch's RSA 4096: generation takes about a
//! millisecond instead of about half a second, handshakes are several times cheaper for the
//! server, and every client in the stack (curl, Python `ssl`, Java, Go) supports it.

use std::fs;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use ironstack_config::{HTTP_SSL_KEYSTORE_SECURE_PASSWORD, HostSpec, NodeConfig};
use ironstack_keystore::Keystore;
use ironstack_pki::{
    CertificateAuthority, CertificateSpec, DistinguishedName, ExtendedKeyUsage, KeyAlgorithm,
    KeyUsage, Pkcs12Entry, PrivateKey, Validity, write_pkcs12,
};
use ironstack_security::password::{GENERATED_PASSWORD_LENGTH, generate_password};
use ironstack_security::{Hasher, SecureString, SecurityStore, StoredUser};

/// Subject of the generated CA.
pub(crate) const CA_COMMON_NAME: &str = "ironstack security auto-configuration HTTP CA";
/// First line of the block appended to `ironstack.yml`.
pub(crate) const BLOCK_BEGIN: &str =
    "#----------------------- BEGIN SECURITY AUTO CONFIGURATION -----------------------";
/// Last line of the block.
pub(crate) const BLOCK_END: &str =
    "#----------------------- END SECURITY AUTO CONFIGURATION -------------------------";
const CA_DAYS: u32 = 3 * 365;
const NODE_CERT_DAYS: u32 = 2 * 365;

/// Undo log of the files auto-configuration wrote.
#[derive(Debug, Default)]
pub(crate) struct Rollback {
    /// Files with their previous content (`None` = did not exist), in write order.
    files: Vec<(PathBuf, Option<Vec<u8>>)>,
    /// Folders created, in creation order.
    dirs: Vec<PathBuf>,
}

impl Rollback {
    fn remember_file(&mut self, path: &Path) {
        if self.files.iter().any(|(p, _)| p == path) {
            return;
        }
        self.files.push((path.to_path_buf(), fs::read(path).ok()));
    }

    fn create_dir(&mut self, path: &Path) -> Result<(), String> {
        let mut missing = Vec::new();
        let mut p = Some(path);
        while let Some(dir) = p {
            if dir.exists() {
                break;
            }
            missing.push(dir.to_path_buf());
            p = dir.parent();
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o750)
            .create(path)
            .map_err(|e| format!("cannot create [{}]: {e}", path.display()))?;
        self.dirs.extend(missing.into_iter().rev());
        Ok(())
    }

    /// Restores every file and removes the folders created, newest first.
    pub(crate) fn undo(self) {
        for (path, previous) in self.files.into_iter().rev() {
            let _ = match previous {
                Some(bytes) => fs::write(&path, bytes),
                None => fs::remove_file(&path).or_else(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        Ok(())
                    } else {
                        Err(e)
                    }
                }),
            };
        }
        for dir in self.dirs.into_iter().rev() {
            // Only removes empty folders; anything a user put there stays.
            let _ = fs::remove_dir(&dir);
        }
    }
}

/// What the first start prints once.
#[derive(Debug)]
pub(crate) struct AutoConfigured {
    pub(crate) elastic_password: SecureString,
    pub(crate) ca_fingerprint: String,
    pub(crate) ca_path: PathBuf,
    pub(crate) rollback: Rollback,
}

/// Whether a folder is missing or has no entries.
pub(crate) fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path).map_or(true, |mut d| d.next().is_none())
}

fn write_new_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), String> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| format!("cannot create [{}]: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write [{}]: {e}", path.display()))
}

fn host_name() -> Option<String> {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

/// SANs: the host name, localhost, the loopback addresses and `network.host`.
fn subject_alt_names(config: &NodeConfig) -> (Vec<String>, Vec<IpAddr>) {
    let mut dns = vec!["localhost".to_string()];
    if let Some(h) = host_name() {
        dns.push(h);
    }
    let mut ips = vec![
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ];
    for spec in config.network_host.iter().chain(&config.http_host) {
        match spec {
            HostSpec::Address(ip) if !ip.is_unspecified() => ips.push(*ip),
            HostSpec::Name(name) => dns.push(name.clone()),
            _ => {}
        }
    }
    dns.sort();
    dns.dedup();
    ips.sort();
    ips.dedup();
    (dns, ips)
}

fn pki<T>(what: &str, r: ironstack_pki::Result<T>) -> Result<T, String> {
    r.map_err(|e| format!("cannot generate the {what}: {e}"))
}

/// Runs auto-configuration. `keystore` is the loaded keystore (if the file exists) and its
/// password; on success the keystore file holds the PKCS#12 password.
pub(crate) fn run(
    config: &NodeConfig,
    keystore: Option<Keystore>,
    keystore_password: &str,
) -> Result<AutoConfigured, String> {
    let mut rollback = Rollback::default();
    match run_steps(config, keystore, keystore_password, &mut rollback) {
        Ok((elastic_password, ca_fingerprint, ca_path)) => Ok(AutoConfigured {
            elastic_password,
            ca_fingerprint,
            ca_path,
            rollback,
        }),
        Err(e) => {
            rollback.undo();
            Err(e)
        }
    }
}

fn run_steps(
    config: &NodeConfig,
    keystore: Option<Keystore>,
    keystore_password: &str,
    rollback: &mut Rollback,
) -> Result<(SecureString, String, PathBuf), String> {
    let certs_dir = config.config_dir.join("certs");
    let ca_path = certs_dir.join("http_ca.crt");
    let p12_path = certs_dir.join("http.p12");
    for existing in [&ca_path, &p12_path] {
        if existing.exists() {
            return Err(format!(
                "cannot auto-configure security: [{}] already exists; remove it, or configure xpack.security.http.ssl.* in [{}]",
                existing.display(),
                config.config_file.display()
            ));
        }
    }

    // Everything is generated in memory first; files are written only once it all worked.
    let ca_key = pki("HTTP CA key", PrivateKey::generate(KeyAlgorithm::EcP256))?;
    let ca_spec = CertificateSpec {
        subject: DistinguishedName::common_name(CA_COMMON_NAME),
        dns_names: Vec::new(),
        ip_addresses: Vec::new(),
        other_name_cns: Vec::new(),
        validity: Validity::days_from_now(CA_DAYS),
        is_ca: true,
        key_usage: vec![KeyUsage::KeyCertSign, KeyUsage::CrlSign],
        extended_key_usage: Vec::new(),
    };
    let ca = pki("HTTP CA", CertificateAuthority::generate(&ca_spec, ca_key))?;
    let node_key = pki("node key", PrivateKey::generate(KeyAlgorithm::EcP256))?;
    let (dns_names, ip_addresses) = subject_alt_names(config);
    let node_spec = CertificateSpec {
        subject: DistinguishedName::common_name(&config.node_name),
        dns_names,
        ip_addresses,
        other_name_cns: Vec::new(),
        validity: Validity::days_from_now(NODE_CERT_DAYS),
        is_ca: false,
        key_usage: vec![KeyUsage::DigitalSignature],
        extended_key_usage: vec![ExtendedKeyUsage::ServerAuth],
    };
    let node_cert = pki("node certificate", ca.sign(&node_spec, &node_key))?;
    let p12_password = generate_password(GENERATED_PASSWORD_LENGTH)
        .map_err(|e| format!("cannot generate the keystore password: {e}"))?;
    let ca_key_copy = pki(
        "HTTP CA key copy",
        PrivateKey::from_pkcs8_der(ca.key.pkcs8_der()),
    )?;
    let entries = vec![
        Pkcs12Entry::PrivateKey {
            alias: "http".into(),
            key: node_key,
            chain: vec![node_cert, ca.certificate.clone()],
        },
        Pkcs12Entry::PrivateKey {
            alias: "http_ca".into(),
            key: ca_key_copy,
            chain: vec![ca.certificate.clone()],
        },
    ];
    let p12 = pki(
        "PKCS#12 store",
        write_pkcs12(&entries, p12_password.expose()),
    )?;
    let elastic_password = generate_password(GENERATED_PASSWORD_LENGTH)
        .map_err(|e| format!("cannot generate the elastic password: {e}"))?;
    let elastic_hash = Hasher::default()
        .hash(elastic_password.expose())
        .map_err(|e| format!("cannot hash the elastic password: {e}"))?;

    // 1. certificates
    rollback.create_dir(&certs_dir)?;
    rollback.remember_file(&ca_path);
    write_new_file(&ca_path, ca.certificate.to_pem().as_bytes(), 0o644)?;
    rollback.remember_file(&p12_path);
    write_new_file(&p12_path, &p12, 0o600)?;

    // 2. keystore entry (an unprotected keystore is created when there is none)
    let keystore_path = Keystore::default_path(&config.config_dir);
    let mut updated = match keystore {
        Some(k) => k,
        None => Keystore::try_new()
            .map_err(|e| format!("cannot create keystore [{}]: {e}", keystore_path.display()))?,
    };
    updated
        .set(
            HTTP_SSL_KEYSTORE_SECURE_PASSWORD,
            p12_password.expose().as_bytes().to_vec(),
        )
        .map_err(|e| format!("cannot update keystore [{}]: {e}", keystore_path.display()))?;
    rollback.remember_file(&keystore_path);
    updated
        .save(&keystore_path, keystore_password)
        .map_err(|e| format!("cannot write keystore [{}]: {e}", keystore_path.display()))?;

    // 3. the elastic user
    let store_path = SecurityStore::file_path(&config.path_data);
    if let Some(parent) = store_path.parent() {
        rollback.create_dir(parent)?;
    }
    rollback.remember_file(&store_path);
    let store = SecurityStore::open(&config.path_data).map_err(|e| e.to_string())?;
    store
        .put_user(
            ironstack_security::authc::ELASTIC_USER,
            StoredUser::new(elastic_hash, vec!["superuser".into()]),
        )
        .map_err(|e| e.to_string())?;

    // 4. the settings block, last: once it is there, later starts skip auto-configuration.
    rollback.remember_file(&config.config_file);
    config
        .append_to_config_file(&settings_block())
        .map_err(|e| e.to_string())?;

    Ok((
        elastic_password,
        ca.certificate.sha256_fingerprint(),
        ca_path,
    ))
}

/// The block appended to `ironstack.yml`.
pub(crate) fn settings_block() -> String {
    let date = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ");
    format!(
        "\n{BLOCK_BEGIN}\n#\n# The following settings, TLS certificates, and keys have been automatically\n# generated to configure ironstack security features on {date}\n#\n# --------------------------------------------------------------------------------\n\n# Enable security features\nxpack.security.enabled: true\n\nxpack.security.enrollment.enabled: true\n\n# Enable encryption for HTTP API client connections, such as Kibana, Logstash, and Agents\nxpack.security.http.ssl:\n  enabled: true\n  keystore.path: certs/http.p12\n{BLOCK_END}\n"
    )
}

/// A console enrolment token for the first-start banner (30 minutes, as Elasticsearch's): an
/// API key owned by `elastic` that may only call `GET /_security/enroll/kibana`, with the
/// addresses the node is bound to (`localhost` for loopback ones, which the certificate
/// names) and the HTTP CA's fingerprint.
pub(crate) fn console_enrollment_token(
    store: &ironstack_security::SecurityStore,
    done: &AutoConfigured,
    bound: &[std::net::SocketAddr],
) -> Result<String, String> {
    use ironstack_security::api_key::{CreateApiKey, create_api_key};
    let owner = ironstack_security::Authentication {
        username: ironstack_security::authc::ELASTIC_USER.to_string(),
        roles: ironstack_security::authc::reserved_roles(ironstack_security::authc::ELASTIC_USER),
        full_name: None,
        email: None,
        metadata: serde_json::Map::new(),
        realm: ironstack_security::authc::RESERVED_REALM,
    };
    let mut suffix = [0u8; 12];
    ironstack_security::password::random_bytes(&mut suffix).map_err(|e| e.to_string())?;
    let mut descriptors = serde_json::Map::new();
    descriptors.insert(
        "create_enrollment_token".into(),
        serde_json::json!({"cluster": ["cluster:admin/xpack/security/enroll/kibana"]}),
    );
    let key = create_api_key(
        store,
        &owner,
        CreateApiKey {
            name: format!(
                "enrollment_token_API_key_{}",
                suffix
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            ),
            expiration_ms: Some(30 * 60 * 1000),
            role_descriptors: descriptors,
            metadata: serde_json::Map::new(),
        },
    )
    .map_err(|e| e.to_string())?;
    let mut addresses: Vec<String> = Vec::new();
    for addr in bound {
        let text = if addr.ip().is_loopback() || addr.ip().is_unspecified() {
            format!("localhost:{}", addr.port())
        } else {
            addr.to_string()
        };
        if !addresses.contains(&text) {
            addresses.push(text);
        }
    }
    Ok(ironstack_security::enrollment::EnrollmentToken {
        version: ironstack_types::info::ES_VERSION.to_string(),
        addresses,
        ca_fingerprint: done.ca_fingerprint.replace(':', "").to_ascii_lowercase(),
        api_key: format!("{}:{}", key.id, key.api_key.expose()),
    }
    .encode())
}

/// The message printed once after the first start, Elasticsearch-style.
pub(crate) fn banner(
    done: &AutoConfigured,
    port: u16,
    working_dir: &Path,
    enrollment_token: Option<&str>,
) -> String {
    let ca = done
        .ca_path
        .strip_prefix(working_dir)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| done.ca_path.clone());
    let port_part = if port == 443 {
        String::new()
    } else {
        format!(":{port}")
    };
    let rule = "━".repeat(80);
    let enrol = enrollment_token.map_or_else(String::new, |t| {
        format!(
            "\nℹ️  Configure the console to use this node (the token is valid for the next 30 minutes):\n  ironstack console setup --enrollment-token {t}\n  (a new token: ironstack create-enrollment-token -s kibana)\n"
        )
    });
    format!(
        "\n{rule}\n✅ ironstack security features have been automatically configured!\n✅ Authentication is enabled and cluster connections are encrypted.\n\nℹ️  Password for the elastic user (shown once; keep it safe):\n  {}\n\nℹ️  HTTP CA certificate SHA-256 fingerprint:\n  {}\n{enrol}\nℹ️  Try it:\n  curl --cacert {} -u elastic https://localhost{port_part}/\n{rule}\n",
        done.elastic_password.expose(),
        done.ca_fingerprint,
        ca.display(),
    )
}
