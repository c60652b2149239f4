//! Shared fixtures: a test CA issuing certificates with ironstack-pki, PEM/PKCS#12 files in a
//! temp dir, an echo server running the production server config, and a client helper.

#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ironstack_pki::{
    Certificate, CertificateAuthority, CertificateSpec, DistinguishedName, ExtendedKeyUsage,
    KeyAlgorithm, KeyUsage, Pkcs12Entry, PrivateKey, Validity,
};
use ironstack_tls::rustls::{ClientConfig, ServerConfig};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub(crate) fn spec(
    cn: &str,
    dns: &[&str],
    ips: &[&str],
    validity: Validity,
    is_ca: bool,
) -> CertificateSpec {
    CertificateSpec {
        subject: DistinguishedName::common_name(cn),
        dns_names: dns.iter().map(|s| s.to_string()).collect(),
        ip_addresses: ips.iter().map(|s| s.parse::<IpAddr>().unwrap()).collect(),
        other_name_cns: Vec::new(),
        validity,
        is_ca,
        key_usage: if is_ca {
            vec![KeyUsage::KeyCertSign, KeyUsage::CrlSign]
        } else {
            vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
        },
        extended_key_usage: if is_ca {
            Vec::new()
        } else {
            vec![ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::ClientAuth]
        },
    }
}

pub(crate) fn key() -> PrivateKey {
    PrivateKey::generate(KeyAlgorithm::EcP256).unwrap()
}

pub(crate) struct TestCa {
    pub(crate) ca: CertificateAuthority,
}

pub(crate) struct Leaf {
    pub(crate) certificate: Certificate,
    pub(crate) key: PrivateKey,
}

impl TestCa {
    pub(crate) fn new(cn: &str) -> Self {
        let ca = CertificateAuthority::generate(
            &spec(cn, &[], &[], Validity::days_from_now(30), true),
            key(),
        )
        .unwrap();
        TestCa { ca }
    }

    /// A leaf for `localhost` and 127.0.0.1 valid for a year.
    pub(crate) fn localhost(&self, cn: &str) -> Leaf {
        self.leaf(&spec(
            cn,
            &["localhost"],
            &["127.0.0.1"],
            Validity::days_from_now(365),
            false,
        ))
    }

    pub(crate) fn leaf(&self, spec: &CertificateSpec) -> Leaf {
        let key = key();
        let certificate = self.ca.sign(spec, &key).unwrap();
        Leaf { certificate, key }
    }

    pub(crate) fn pem(&self) -> String {
        self.ca.certificate.to_pem()
    }

    pub(crate) fn write_pem(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.pem()).unwrap();
        path
    }
}

impl Leaf {
    /// Writes `<name>.crt` (leaf + CA chain) and `<name>.key`; returns (cert, key) paths.
    pub(crate) fn write_pem(
        &self,
        dir: &Path,
        name: &str,
        chain: &[&Certificate],
    ) -> (PathBuf, PathBuf) {
        let cert_path = dir.join(format!("{name}.crt"));
        let key_path = dir.join(format!("{name}.key"));
        let mut text = self.certificate.to_pem();
        for c in chain {
            text.push_str(&c.to_pem());
        }
        std::fs::write(&cert_path, text).unwrap();
        std::fs::write(&key_path, self.key.to_pkcs8_pem()).unwrap();
        (cert_path, key_path)
    }

    pub(crate) fn write_p12(&self, dir: &Path, name: &str, password: &str, ca: &TestCa) -> PathBuf {
        let entries = vec![
            Pkcs12Entry::PrivateKey {
                alias: name.to_string(),
                key: PrivateKey::from_pkcs8_der(self.key.pkcs8_der()).unwrap(),
                chain: vec![self.certificate.clone(), ca.ca.certificate.clone()],
            },
            Pkcs12Entry::TrustedCertificate {
                alias: "ca".to_string(),
                certificate: ca.ca.certificate.clone(),
            },
        ];
        let path = dir.join(format!("{name}.p12"));
        std::fs::write(
            &path,
            ironstack_pki::write_pkcs12(&entries, password).unwrap(),
        )
        .unwrap();
        path
    }
}

/// Runs an echo server: every accepted connection is handshaked with `config()` (called per
/// connection, as the node does with `ReloadableServerConfig::current`), then answers each
/// line with `<peer subject or "anonymous"> <protocol> <line>`.
pub(crate) async fn start_server<F>(config: F) -> SocketAddr
where
    F: Fn() -> Arc<ServerConfig> + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                break;
            };
            let acceptor = tokio_rustls::TlsAcceptor::from(config());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let (_, connection) = stream.get_ref();
                let peer = connection
                    .peer_certificates()
                    .and_then(|chain| chain.first())
                    .map(|c| ironstack_tls::subject_dn(c).unwrap())
                    .unwrap_or_else(|| "anonymous".to_string());
                let protocol = format!("{:?}", connection.protocol_version().unwrap());
                let (read, mut write) = tokio::io::split(stream);
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply = format!("{peer} {protocol} {line}\n");
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

pub(crate) type ClientStream = tokio_rustls::client::TlsStream<TcpStream>;

pub(crate) async fn connect(
    config: Arc<ClientConfig>,
    addr: SocketAddr,
    server_name: &str,
) -> std::io::Result<ClientStream> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(server_name.to_string()).unwrap();
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
}

/// Sends one line and reads the reply line. In TLS 1.3 a rejected client certificate only
/// shows here, after the client's side of the handshake has completed.
pub(crate) async fn roundtrip(stream: &mut ClientStream, line: &str) -> std::io::Result<String> {
    stream.write_all(format!("{line}\n").as_bytes()).await?;
    stream.flush().await?;
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        let n = tokio::io::AsyncReadExt::read(stream, &mut byte).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed",
            ));
        }
        if byte[0] == b'\n' {
            break;
        }
        reply.push(byte[0]);
    }
    Ok(String::from_utf8(reply).unwrap())
}

/// Connects and does one round trip; the reply or the first error.
pub(crate) async fn exchange(
    config: Arc<ClientConfig>,
    addr: SocketAddr,
    server_name: &str,
) -> std::io::Result<String> {
    let mut stream = connect(config, addr, server_name).await?;
    roundtrip(&mut stream, "ping").await
}

/// A client trusting the given CA files, default (full) verification.
pub(crate) fn client_trusting<P: AsRef<Path>>(ca_files: &[P]) -> ironstack_tls::ClientTlsSettings {
    ironstack_tls::ClientTlsSettings {
        certificate_authorities: ca_files.iter().map(|p| p.as_ref().to_path_buf()).collect(),
        ..Default::default()
    }
}

/// Whether a missing external tool fails the test (scripts/test.sh sets this).
pub(crate) fn interop_required() -> bool {
    std::env::var("IRONSTACK_REQUIRE_INTEROP").is_ok_and(|v| v == "1")
}

/// True when `program` runs; otherwise skips (or fails when interop is required).
pub(crate) fn have_tool(program: &str, version_arg: &str) -> bool {
    let ok = std::process::Command::new(program)
        .arg(version_arg)
        .output()
        .map(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty())
        .unwrap_or(false);
    if !ok {
        assert!(
            !interop_required(),
            "{program} is required (IRONSTACK_REQUIRE_INTEROP=1) but cannot be run"
        );
        eprintln!("skipping: {program} not available");
    }
    ok
}
