//! Interoperability with the real tools: OpenSSL reads what we write (certificates, chains,
//! CSRs, PKCS#12, encrypted PEM), keytool lists our PKCS#12 entries with the right types, and
//! we read what OpenSSL and keytool write.
//!
//! A missing tool skips the test with a note, unless `IRONSTACK_REQUIRE_INTEROP=1` (set by
//! scripts/test.sh), in which case it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ironstack_pki::{
    Certificate, CertificateAuthority, CertificateSpec, Error, ExtendedKeyUsage, KeyAlgorithm,
    KeyUsage, Pkcs12Entry, PrivateKey, Validity, certificate_signing_request_pem, read_pkcs12,
    self_signed, write_pkcs12,
};

/// `Some(name)` when the tool runs; `None` (after a note) when it is missing and interop is
/// optional. Panics when it is missing and `IRONSTACK_REQUIRE_INTEROP=1`.
fn tool(name: &str) -> Option<&str> {
    let probe = match name {
        "keytool" => Command::new(name).arg("-help").output(),
        _ => Command::new(name).arg("version").output(),
    };
    if probe.is_ok() {
        return Some(name);
    }
    if std::env::var("IRONSTACK_REQUIRE_INTEROP").as_deref() == Ok("1") {
        panic!("{name} is required (IRONSTACK_REQUIRE_INTEROP=1) but is not installed");
    }
    eprintln!("note: skipping, {name} is not installed");
    None
}

/// [`tool`] plus a fresh temporary directory to work in.
fn tool_and_dir(name: &str) -> Option<(&str, tempfile::TempDir)> {
    Some((tool(name)?, tempfile::tempdir().unwrap()))
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Runs and requires success; returns stdout + stderr.
fn run_ok(program: &str, args: &[&str]) -> String {
    let output = run(program, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{text}"
    );
    text
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn spec(subject: &str, is_ca: bool) -> CertificateSpec {
    CertificateSpec {
        subject: subject.parse().unwrap(),
        dns_names: Vec::new(),
        ip_addresses: Vec::new(),
        other_name_cns: Vec::new(),
        validity: Validity::days_from_now(365),
        is_ca,
        key_usage: if is_ca {
            vec![KeyUsage::KeyCertSign, KeyUsage::CrlSign]
        } else {
            Vec::new()
        },
        extended_key_usage: Vec::new(),
    }
}

fn http_spec() -> CertificateSpec {
    let mut s = spec("CN=node1,DC=example,DC=com", false);
    s.dns_names = vec!["node1.example.com".into(), "localhost".into()];
    s.ip_addresses = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
    s.other_name_cns = vec!["node1.cluster".into()];
    s.key_usage = vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment];
    s.extended_key_usage = vec![ExtendedKeyUsage::ServerAuth];
    s
}

fn ca(algorithm: KeyAlgorithm) -> CertificateAuthority {
    let key = PrivateKey::generate(algorithm).unwrap();
    CertificateAuthority::generate(&spec("CN=Elasticsearch HTTP CA", true), key).unwrap()
}

/// A CA, and an HTTP leaf key and certificate it signed.
fn http_leaf(
    ca_algorithm: KeyAlgorithm,
    leaf_algorithm: KeyAlgorithm,
) -> (CertificateAuthority, PrivateKey, Certificate) {
    let ca = ca(ca_algorithm);
    let key = PrivateKey::generate(leaf_algorithm).unwrap();
    let leaf = ca.sign(&http_spec(), &key).unwrap();
    (ca, key, leaf)
}

/// A node's store as certutil writes it: key entry `alias` (chain = leaf) + trusted `ca`.
fn node_store(
    alias: &str,
    key: PrivateKey,
    leaf: Certificate,
    ca: &Certificate,
) -> Vec<Pkcs12Entry> {
    vec![
        Pkcs12Entry::PrivateKey {
            alias: alias.into(),
            key,
            chain: vec![leaf],
        },
        Pkcs12Entry::TrustedCertificate {
            alias: "ca".into(),
            certificate: ca.clone(),
        },
    ]
}

/// `openssl pkcs12 -info -in p12 -passin pass:<password> <extra>`.
fn openssl_pkcs12_info(openssl: &str, p12: &Path, password: &str, extra: &str) -> Output {
    let pass = format!("pass:{password}");
    run(
        openssl,
        &[
            "pkcs12",
            "-info",
            "-in",
            path_str(p12),
            "-passin",
            &pass,
            extra,
        ],
    )
}

/// `keytool -list -v` of a PKCS#12 file; must succeed.
fn keytool_list(keytool: &str, p12: &Path, password: &str) -> String {
    run_ok(
        keytool,
        &[
            "-list",
            "-v",
            "-storetype",
            "PKCS12",
            "-keystore",
            path_str(p12),
            "-storepass",
            password,
        ],
    )
}

/// The public key (PEM) of a private key file, as OpenSSL reads it.
fn openssl_public_key(openssl: &str, key: &Path, passin: Option<&str>) -> String {
    let mut args = vec!["pkey", "-in", path_str(key), "-pubout"];
    if let Some(passin) = passin {
        args.extend(["-passin", passin]);
    }
    run_ok(openssl, &args)
}

/// `openssl req -verify -text` of a CSR file; must succeed.
fn openssl_csr_text(openssl: &str, csr: &Path) -> String {
    run_ok(
        openssl,
        &["req", "-in", path_str(csr), "-noout", "-verify", "-text"],
    )
}

#[test]
fn openssl_x509_shows_the_certutil_profile() {
    let Some((openssl, dir)) = tool_and_dir("openssl") else {
        return;
    };
    let (ca, _key, leaf) = http_leaf(KeyAlgorithm::Rsa { bits: 2048 }, KeyAlgorithm::EcP256);
    let ca_pem = write(dir.path(), "ca.pem", ca.certificate.to_pem());
    let leaf_pem = write(dir.path(), "leaf.pem", leaf.to_pem());

    let ca_text = run_ok(
        openssl,
        &["x509", "-in", path_str(&ca_pem), "-noout", "-text"],
    );
    assert!(ca_text.contains("Version: 3 (0x2)"), "{ca_text}");
    assert!(
        ca_text.contains("Signature Algorithm: sha256WithRSAEncryption"),
        "{ca_text}"
    );
    assert!(
        ca_text.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"),
        "{ca_text}"
    );
    assert!(
        ca_text.contains("X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"),
        "{ca_text}"
    );

    let text = run_ok(
        openssl,
        &["x509", "-in", path_str(&leaf_pem), "-noout", "-text"],
    );
    for expected in [
        "Version: 3 (0x2)",
        "Issuer: CN = Elasticsearch HTTP CA",
        // OpenSSL prints DER order: the reverse of the RFC 2253 string.
        "Subject: DC = com, DC = example, CN = node1",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
        "DNS:node1.example.com",
        "DNS:localhost",
        "IP Address:127.0.0.1",
        "IP Address:0:0:0:0:0:0:0:1",
        "othername:",
        "X509v3 Basic Constraints: \n                CA:FALSE",
        "X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment",
        "X509v3 Extended Key Usage: \n                TLS Web Server Authentication",
        "Public Key Algorithm: id-ecPublicKey",
    ] {
        assert!(text.contains(expected), "missing [{expected}] in:\n{text}");
    }
    // AKI of the leaf is the CA's SKI.
    let ski = ca.certificate.subject_key_identifier().unwrap().unwrap();
    let ski_text = ski
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    assert!(text.contains(&ski_text), "AKI {ski_text} not in:\n{text}");

    // String types as the JDK writes them: DC is IA5String, CN PrintableString.
    let asn1 = run_ok(openssl, &["asn1parse", "-in", path_str(&leaf_pem)]);
    assert!(asn1.contains("IA5STRING         :com"), "{asn1}");
    assert!(asn1.contains("PRINTABLESTRING   :node1"), "{asn1}");
}

#[test]
fn openssl_verifies_chains_for_every_key_type() {
    let Some((openssl, dir)) = tool_and_dir("openssl") else {
        return;
    };
    for (i, algorithm) in [
        KeyAlgorithm::Rsa { bits: 1024 },
        KeyAlgorithm::Rsa { bits: 2048 },
        KeyAlgorithm::Rsa { bits: 3072 },
        KeyAlgorithm::EcP256,
        KeyAlgorithm::EcP384,
    ]
    .into_iter()
    .enumerate()
    {
        let ca = ca(algorithm);
        let key = PrivateKey::generate(KeyAlgorithm::Rsa { bits: 2048 }).unwrap();
        let leaf = ca.sign(&http_spec(), &key).unwrap();
        let ca_pem = write(dir.path(), &format!("ca{i}.pem"), ca.certificate.to_pem());
        let leaf_pem = write(dir.path(), &format!("leaf{i}.pem"), leaf.to_pem());
        let out = run_ok(
            openssl,
            &[
                "verify",
                "-CAfile",
                path_str(&ca_pem),
                "-purpose",
                "sslserver",
                path_str(&leaf_pem),
            ],
        );
        assert!(out.contains(": OK"), "{algorithm:?}: {out}");
        // The private key PEM we write is the one OpenSSL pairs with the certificate.
        let key_pem = write(
            dir.path(),
            &format!("leaf{i}.key"),
            key.to_pem(None).unwrap(),
        );
        let cert_pub = run_ok(
            openssl,
            &["x509", "-in", path_str(&leaf_pem), "-noout", "-pubkey"],
        );
        let key_pub = openssl_public_key(openssl, &key_pem, None);
        assert_eq!(cert_pub, key_pub);
    }
    // A self-signed leaf verifies against itself.
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let cert = self_signed(&spec("CN=self", false), &key).unwrap();
    let pem = write(dir.path(), "self.pem", cert.to_pem());
    let out = run_ok(
        openssl,
        &[
            "verify",
            "-partial_chain",
            "-CAfile",
            path_str(&pem),
            path_str(&pem),
        ],
    );
    assert!(out.contains(": OK"), "{out}");
}

#[test]
fn certificates_signed_by_an_openssl_ca_keep_its_issuer_bytes() {
    let Some((openssl, dir)) = tool_and_dir("openssl") else {
        return;
    };
    let ca_key = dir.path().join("ca.key");
    let ca_pem = dir.path().join("ca.pem");
    // OpenSSL encodes the subject as UTF8String, unlike the JDK.
    run_ok(
        openssl,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            path_str(&ca_key),
            "-out",
            path_str(&ca_pem),
            "-days",
            "30",
            "-subj",
            "/O=Acme Ltd/CN=OpenSSL CA",
        ],
    );
    let certificate = Certificate::from_pem(&std::fs::read_to_string(&ca_pem).unwrap()).unwrap();
    assert_eq!(certificate.subject().unwrap(), "CN=OpenSSL CA,O=Acme Ltd");
    let key = PrivateKey::from_pem(&std::fs::read_to_string(&ca_key).unwrap(), None).unwrap();
    let ca = CertificateAuthority::new(certificate, key).unwrap();
    let leaf_key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let leaf = ca.sign(&http_spec(), &leaf_key).unwrap();
    assert_eq!(
        leaf.issuer_der().unwrap(),
        ca.certificate.subject_der().unwrap()
    );
    let leaf_pem = write(dir.path(), "leaf.pem", leaf.to_pem());
    let out = run_ok(
        openssl,
        &["verify", "-CAfile", path_str(&ca_pem), path_str(&leaf_pem)],
    );
    assert!(out.contains(": OK"), "{out}");
}

#[test]
fn openssl_reads_our_pkcs12_without_legacy() {
    let Some((openssl, dir)) = tool_and_dir("openssl") else {
        return;
    };
    let (ca, key, leaf) = http_leaf(
        KeyAlgorithm::Rsa { bits: 2048 },
        KeyAlgorithm::Rsa { bits: 2048 },
    );
    let entries = node_store("http", key, leaf, &ca.certificate);
    for password in ["changeme", ""] {
        let p12 = write(
            dir.path(),
            "http.p12",
            write_pkcs12(&entries, password).unwrap(),
        );
        let output = openssl_pkcs12_info(openssl, &p12, password, "-nodes");
        let info = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "{info}");
        for expected in [
            "MAC: sha256, Iteration 10000",
            "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256",
            "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256",
            "friendlyName: http",
            "friendlyName: ca",
            "2.16.840.1.113894.746875.1.1",
            "-----BEGIN PRIVATE KEY-----",
        ] {
            assert!(info.contains(expected), "missing [{expected}] in:\n{info}");
        }
        // The key bag and the leaf certificate share their localKeyID.
        let ids: Vec<&str> = info
            .lines()
            .filter(|l| l.trim_start().starts_with("localKeyID:"))
            .collect();
        assert_eq!(ids.len(), 2, "{info}");
        assert_eq!(ids[0], ids[1]);
        let wrong = openssl_pkcs12_info(openssl, &p12, "nope", "-nokeys");
        assert!(!wrong.status.success());
    }
}

#[test]
fn keytool_lists_private_key_and_trusted_entries() {
    let Some((keytool, dir)) = tool_and_dir("keytool") else {
        return;
    };
    let (ca, key, leaf) = http_leaf(KeyAlgorithm::Rsa { bits: 2048 }, KeyAlgorithm::EcP256);
    let node = node_store("instance", key, leaf, &ca.certificate);
    let p12 = write(
        dir.path(),
        "node.p12",
        write_pkcs12(&node, "changeme").unwrap(),
    );
    let listing = keytool_list(keytool, &p12, "changeme");
    for expected in [
        "Your keystore contains 2 entries",
        "Alias name: instance",
        "Entry type: PrivateKeyEntry",
        // keytool completes the chain from every certificate in the file, as the JDK's
        // loader does: the leaf, then the CA stored as the trusted entry.
        "Certificate chain length: 2",
        "Alias name: ca",
        "Entry type: trustedCertEntry",
        "DNSName: node1.example.com",
        "IPAddress: 127.0.0.1",
    ] {
        assert!(
            listing.contains(expected),
            "missing [{expected}] in:\n{listing}"
        );
    }

    // certutil `ca` mode: one key entry `ca` whose chain is the CA itself.
    let ca_store = vec![Pkcs12Entry::PrivateKey {
        alias: "ca".into(),
        key: ca.key,
        chain: vec![ca.certificate],
    }];
    let p12 = write(dir.path(), "ca.p12", write_pkcs12(&ca_store, "").unwrap());
    let listing = keytool_list(keytool, &p12, "");
    assert!(listing.contains("Alias name: ca"), "{listing}");
    assert!(listing.contains("Entry type: PrivateKeyEntry"), "{listing}");
}

#[test]
fn openssl_verifies_our_csrs() {
    let Some((openssl, dir)) = tool_and_dir("openssl") else {
        return;
    };
    for (i, algorithm) in [KeyAlgorithm::Rsa { bits: 2048 }, KeyAlgorithm::EcP384]
        .into_iter()
        .enumerate()
    {
        let key = PrivateKey::generate(algorithm).unwrap();
        let csr = write(
            dir.path(),
            &format!("http{i}.csr"),
            certificate_signing_request_pem(&http_spec(), &key).unwrap(),
        );
        let out = openssl_csr_text(openssl, &csr);
        assert!(out.contains("verify OK"), "{out}");
        assert!(
            out.contains("Subject: DC = com, DC = example, CN = node1"),
            "{out}"
        );
        assert!(out.contains("Requested Extensions"), "{out}");
        assert!(out.contains("DNS:node1.example.com"), "{out}");
        assert!(out.contains("TLS Web Server Authentication"), "{out}");
    }
    // Without names or usages there is no extensionRequest at all.
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let csr = write(
        dir.path(),
        "plain.csr",
        certificate_signing_request_pem(&spec("CN=instance", false), &key).unwrap(),
    );
    let out = openssl_csr_text(openssl, &csr);
    assert!(out.contains("verify OK"), "{out}");
    // OpenSSL 3.0 prints the "Requested Extensions" heading regardless; the attribute set
    // itself must be empty.
    assert!(out.contains("Attributes:\n            (none)"), "{out}");
    assert!(!out.contains("X509v3"), "{out}");
}

#[test]
fn encrypted_pem_keys_interoperate_with_openssl() {
    let Some((openssl, dir)) = tool_and_dir("openssl") else {
        return;
    };
    for algorithm in [KeyAlgorithm::Rsa { bits: 2048 }, KeyAlgorithm::EcP256] {
        let key = PrivateKey::generate(algorithm).unwrap();
        let pem = key.to_pem(Some("pem-pass")).unwrap();
        let path = write(dir.path(), "key.pem", &pem);
        let ours = openssl_public_key(openssl, &path, Some("pass:pem-pass"));
        let plain_pem = write(dir.path(), "plain.pem", key.to_pkcs8_pem());
        let expected = openssl_public_key(openssl, &plain_pem, None);
        assert_eq!(ours, expected);
        let wrong = run(
            openssl,
            &[
                "pkey",
                "-in",
                path_str(&path),
                "-passin",
                "pass:nope",
                "-noout",
            ],
        );
        assert!(!wrong.status.success());

        // And we read what OpenSSL encrypts: traditional (AES-256) and PKCS#8 (PBES2).
        let plain = path_str(&dir.path().join("plain.pem")).to_string();
        let traditional = run_ok(
            openssl,
            &[
                "pkey",
                "-in",
                &plain,
                "-aes256",
                "-traditional",
                "-passout",
                "pass:pw2",
            ],
        );
        assert!(
            traditional.contains("DEK-Info: AES-256-CBC"),
            "{traditional}"
        );
        let back = PrivateKey::from_pem(&traditional, Some("pw2")).unwrap();
        assert_eq!(
            back.public_key_der().unwrap(),
            key.public_key_der().unwrap()
        );
        assert!(matches!(
            PrivateKey::from_pem(&traditional, Some("bad")),
            Err(Error::WrongPassword)
        ));
        let pkcs8 = run_ok(
            openssl,
            &["pkey", "-in", &plain, "-aes256", "-passout", "pass:pw3"],
        );
        assert!(pkcs8.contains("ENCRYPTED PRIVATE KEY"), "{pkcs8}");
        let back = PrivateKey::from_pem(&pkcs8, Some("pw3")).unwrap();
        assert_eq!(
            back.public_key_der().unwrap(),
            key.public_key_der().unwrap()
        );
        assert!(matches!(
            PrivateKey::from_pem(&pkcs8, Some("bad")),
            Err(Error::WrongPassword)
        ));
        assert!(matches!(
            PrivateKey::from_pem(&pkcs8, None),
            Err(Error::PasswordRequired)
        ));
    }
}

/// Makes a CA and a leaf with OpenSSL; returns (ca.pem, leaf.key, leaf.pem).
fn openssl_chain(openssl: &str, dir: &Path, key_spec: &[&str]) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = dir.join("oca.key");
    let ca_pem = dir.join("oca.pem");
    let key = dir.join("oleaf.key");
    let csr = dir.join("oleaf.csr");
    let leaf = dir.join("oleaf.pem");
    let mut args = vec!["req", "-x509", "-newkey"];
    args.extend_from_slice(key_spec);
    args.extend_from_slice(&[
        "-nodes",
        "-keyout",
        path_str(&ca_key),
        "-out",
        path_str(&ca_pem),
        "-days",
        "30",
        "-subj",
        "/CN=OpenSSL Root",
    ]);
    run_ok(openssl, &args);
    let mut args = vec!["req", "-new", "-newkey"];
    args.extend_from_slice(key_spec);
    args.extend_from_slice(&[
        "-nodes",
        "-keyout",
        path_str(&key),
        "-out",
        path_str(&csr),
        "-subj",
        "/CN=openssl-node",
    ]);
    run_ok(openssl, &args);
    run_ok(
        openssl,
        &[
            "x509",
            "-req",
            "-in",
            path_str(&csr),
            "-CA",
            path_str(&ca_pem),
            "-CAkey",
            path_str(&ca_key),
            "-CAcreateserial",
            "-out",
            path_str(&leaf),
            "-days",
            "30",
        ],
    );
    (ca_pem, key, leaf)
}

#[test]
fn we_read_openssl_pkcs12_exports() {
    let Some((openssl, dir)) = tool_and_dir("openssl") else {
        return;
    };
    let rsa: &[&str] = &["rsa:2048"];
    let ec: &[&str] = &["ec", "-pkeyopt", "ec_paramgen_curve:P-384"];
    for (key_spec, expected_algorithm) in [
        (rsa, KeyAlgorithm::Rsa { bits: 2048 }),
        (ec, KeyAlgorithm::EcP384),
    ] {
        let (ca_pem, key, leaf) = openssl_chain(openssl, dir.path(), key_spec);
        let ca_cert = Certificate::from_pem(&std::fs::read_to_string(&ca_pem).unwrap()).unwrap();
        let leaf_cert = Certificate::from_pem(&std::fs::read_to_string(&leaf).unwrap()).unwrap();
        for legacy in [false, true] {
            let p12 = dir.path().join("openssl.p12");
            let mut args = vec![
                "pkcs12",
                "-export",
                "-inkey",
                path_str(&key),
                "-in",
                path_str(&leaf),
                "-certfile",
                path_str(&ca_pem),
                "-name",
                "node",
                "-passout",
                "pass:secret",
                "-out",
                path_str(&p12),
            ];
            if legacy {
                args.push("-legacy");
            }
            run_ok(openssl, &args);
            let der = std::fs::read(&p12).unwrap();
            let store = read_pkcs12(&der, "secret").unwrap();
            let keys: Vec<_> = store.private_keys().collect();
            assert_eq!(keys.len(), 1, "legacy={legacy}");
            let (alias, read_key, chain) = keys[0];
            assert_eq!(alias, "node");
            assert_eq!(read_key.algorithm(), expected_algorithm);
            assert_eq!(chain, &[leaf_cert.clone(), ca_cert.clone()][..]);
            assert!(chain[0].matches_key(read_key).unwrap());
            assert_eq!(store.trusted_certificates().count(), 0);
            assert!(matches!(
                read_pkcs12(&der, "wrong"),
                Err(Error::WrongPassword)
            ));
        }

        // Certificate-only exports become trusted entries.
        let p12 = dir.path().join("certs.p12");
        run_ok(
            openssl,
            &[
                "pkcs12",
                "-export",
                "-nokeys",
                "-in",
                path_str(&ca_pem),
                "-passout",
                "pass:",
                "-out",
                path_str(&p12),
            ],
        );
        let store = read_pkcs12(&std::fs::read(&p12).unwrap(), "").unwrap();
        assert_eq!(store.private_keys().count(), 0);
        let trusted: Vec<_> = store.trusted_certificates().collect();
        assert_eq!(trusted.len(), 1);
        assert_eq!(trusted[0].1, &ca_cert);
    }
}

#[test]
fn we_read_keytool_pkcs12() {
    let Some((keytool, dir)) = tool_and_dir("keytool") else {
        return;
    };
    let p12 = dir.path().join("kt.p12");
    run_ok(
        keytool,
        &[
            "-genkeypair",
            "-alias",
            "mykey",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-dname",
            "CN=keytool node, O=Acme",
            "-validity",
            "30",
            "-storetype",
            "PKCS12",
            "-keystore",
            path_str(&p12),
            "-storepass",
            "changeit",
            "-keypass",
            "changeit",
        ],
    );
    let ca = ca(KeyAlgorithm::EcP256);
    let ca_pem = write(dir.path(), "ca.pem", ca.certificate.to_pem());
    run_ok(
        keytool,
        &[
            "-importcert",
            "-noprompt",
            "-alias",
            "my_ca",
            "-file",
            path_str(&ca_pem),
            "-storetype",
            "PKCS12",
            "-keystore",
            path_str(&p12),
            "-storepass",
            "changeit",
        ],
    );
    let der = std::fs::read(&p12).unwrap();
    let store = read_pkcs12(&der, "changeit").unwrap();
    let keys: Vec<_> = store.private_keys().collect();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].0, "mykey");
    assert_eq!(keys[0].1.algorithm(), KeyAlgorithm::Rsa { bits: 2048 });
    assert_eq!(keys[0].2.len(), 1);
    assert_eq!(keys[0].2[0].subject().unwrap(), "CN=keytool node,O=Acme");
    assert!(keys[0].2[0].matches_key(keys[0].1).unwrap());
    let trusted: Vec<_> = store.trusted_certificates().collect();
    assert_eq!(trusted, vec![("my_ca", &ca.certificate)]);
    assert!(matches!(
        read_pkcs12(&der, "nope"),
        Err(Error::WrongPassword)
    ));
}
