//! The wizard driven through every branch with a scripted terminal, and the zip it writes.

use std::io::{Cursor, Read};
use std::path::Path;

use ironstack_pki::{
    CertificateAuthority, ExtendedKeyUsage, KeyAlgorithm, KeyUsage, Period, Pkcs12Entry,
    PrivateKey, read_pkcs12, write_pkcs12,
};
use ironstack_terminal::{CliError, ScriptedTerminal};

use super::presets::Presets;
use super::wizard::{self, CaPlan, HttpPlan};
use super::{files, write_bundle};
use crate::context::Context;
use crate::keys::CA_KEY_USAGE;
use crate::profile;

struct Setup {
    _dir: tempfile::TempDir,
    ctx: Context,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Context::new(dir.path().to_path_buf(), None);
        std::fs::create_dir_all(&ctx.conf_dir).unwrap();
        Self { _dir: dir, ctx }
    }

    fn cwd(&self) -> &Path {
        &self.ctx.cwd
    }
}

fn ec_ca(cn: &str) -> CertificateAuthority {
    let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
    let spec = profile::ca_spec(
        ironstack_pki::DistinguishedName::common_name(cn),
        ironstack_pki::Validity::days_from_now(30),
        CA_KEY_USAGE.to_vec(),
    );
    CertificateAuthority::generate(&spec, key).unwrap()
}

fn write_ca_p12(path: &Path, ca: &CertificateAuthority, password: &str) {
    let entries = [Pkcs12Entry::PrivateKey {
        alias: "ca".into(),
        key: PrivateKey::from_pkcs8_der(ca.key.pkcs8_der()).unwrap(),
        chain: vec![ca.certificate.clone()],
    }];
    std::fs::write(path, write_pkcs12(&entries, password).unwrap()).unwrap();
}

fn run_wizard(
    setup: &Setup,
    presets: Presets,
    answers: &[&str],
) -> (Result<HttpPlan, CliError>, ScriptedTerminal) {
    let mut term = ScriptedTerminal::with_answers(answers.iter().copied());
    let plan = wizard::run(&mut term, &setup.ctx, presets);
    (plan, term)
}

/// Runs the wizard, which must succeed (else the transcript is shown).
#[track_caller]
fn wizard_ok(setup: &Setup, presets: Presets, answers: &[&str]) -> (HttpPlan, ScriptedTerminal) {
    let (plan, term) = run_wizard(setup, presets, answers);
    let plan = plan.unwrap_or_else(|e| panic!("{e:?}\n{}", term.out));
    (plan, term)
}

fn presets_ec() -> Presets {
    // EC keys keep these tests fast; RSA is exercised where the wizard's key-size rules matter.
    Presets {
        default_key: KeyAlgorithm::EcP256,
        ..Presets::interactive()
    }
}

fn zip_entries(bytes: &[u8]) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect()
}

fn zip_file(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut file = archive.by_name(name).unwrap();
    let mut out = Vec::new();
    file.read_to_end(&mut out).unwrap();
    out
}

fn build(setup: &Setup, plan: HttpPlan) -> Vec<u8> {
    let mut term = ScriptedTerminal::default();
    files::build_zip(&mut term, &setup.ctx, plan, &jiff::ZonedDateTime::now())
        .unwrap()
        .to_vec()
}

/// Fails, showing the whole transcript, unless every expected piece is in it.
#[track_caller]
fn assert_all_in(out: &str, expected: &[&str]) {
    for expected in expected {
        assert!(out.contains(expected), "missing [{expected}] in:\n{out}");
    }
}

/// The `elasticsearch/` entries of a single-node bundle with `http.p12`.
const ES_P12_ENTRIES: [&str; 4] = [
    "elasticsearch/",
    "elasticsearch/README.txt",
    "elasticsearch/http.p12",
    "elasticsearch/sample-elasticsearch.yml",
];

/// The `kibana/` entries of a bundle signed by a CA (not a CSR bundle).
const KIBANA_CA_ENTRIES: [&str; 4] = [
    "kibana/",
    "kibana/README.txt",
    "kibana/elasticsearch-ca.pem",
    "kibana/sample-kibana.yml",
];

#[test]
fn csr_branch_single_node() {
    let setup = Setup::new();
    let answers = [
        "y", // Generate a CSR?
        "n", // one certificate per node?
        "node1.example.com",
        "*.example.com",
        "bücher",
        "",  // hostnames (one invalid)
        "y", // Is this correct
        "10.0.0.1",
        "not-an-ip",
        "", // IPs
        "", // Is this correct (default yes)
        "", // change options? (default no)
        "keypw",
        "keypw", // key password
        "",      // output (default)
    ];
    let (plan, term) = run_wizard(&setup, presets_ec(), &answers);
    let plan = plan.unwrap();
    assert!(matches!(plan.ca, CaPlan::Csr));
    assert_eq!(plan.validity, None);
    assert_eq!(plan.output, setup.cwd().join("elasticsearch-ssl-http.zip"));
    let cert = &plan.certs[0];
    assert_eq!(cert.identity.name, "node1.example.com");
    assert_eq!(
        cert.identity.subject.to_string(),
        "CN=node1,DC=example,DC=com"
    );
    assert_eq!(
        cert.identity.dns,
        vec!["node1.example.com", "*.example.com"]
    );
    assert_eq!(
        cert.identity.ips,
        vec!["10.0.0.1".parse::<std::net::IpAddr>().unwrap()]
    );

    let out = &term.out;
    assert_all_in(
        out,
        &[
            "## Elasticsearch HTTP Certificate Utility",
            "## Do you wish to generate a Certificate Signing Request (CSR)?",
            "Generate a CSR? [y/N]",
            "## Do you wish to generate one certificate per node?",
            "## Which hostnames will be used to connect to your nodes?",
            "Error: bücher is not a valid DNS name",
            "You entered the following hostnames.\n\n - node1.example.com\n - *.example.com",
            "Is this correct [Y/n]",
            "Error: not-an-ip is not a valid IP address",
            "## Other certificate options",
            "Key Name: node1.example.com\nSubject DN: CN=node1, DC=example, DC=com\nKey Type: EC P-256\nKey Usage: digitalSignature\n",
            "Provide a password for the private key:  [<ENTER> for none]",
            "Repeat password to confirm: ",
            "What filename should be used for the output zip file? [",
        ],
    );
    assert!(!out.contains("Use an existing CA?"));
    assert!(!out.contains("How long should your certificates be valid?"));

    let zip = build(&setup, plan);
    assert_eq!(
        zip_entries(&zip),
        vec![
            "elasticsearch/",
            "elasticsearch/README.txt",
            "elasticsearch/http-node1.example.com.csr",
            "elasticsearch/http-node1.example.com.key",
            "elasticsearch/sample-elasticsearch.yml",
            "kibana/",
            "kibana/README.txt",
            "kibana/sample-kibana.yml",
        ]
    );
    let key =
        String::from_utf8(zip_file(&zip, "elasticsearch/http-node1.example.com.key")).unwrap();
    assert!(PrivateKey::pem_is_encrypted(&key));
    let key = PrivateKey::from_pem(&key, Some("keypw")).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::EcP256);
    let csr =
        String::from_utf8(zip_file(&zip, "elasticsearch/http-node1.example.com.csr")).unwrap();
    assert!(csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
    let sample =
        String::from_utf8(zip_file(&zip, "elasticsearch/sample-elasticsearch.yml")).unwrap();
    assert!(sample.contains("xpack.security.http.ssl.certificate: \"http-node1.example.com.crt\""));
    assert!(sample.contains("xpack.security.http.ssl.key: \"http-node1.example.com.key\""));
    assert!(sample.contains("secure_key_passphrase"));
    let readme = String::from_utf8(zip_file(&zip, "kibana/README.txt")).unwrap();
    assert!(readme.contains("no CA certificate"));
}

#[test]
fn existing_ca_p12_from_the_config_dir_with_validity_and_reasks() {
    let setup = Setup::new();
    let ca = ec_ca("Existing CA");
    write_ca_p12(
        &setup.ctx.conf_dir.join("elastic-stack-ca.p12"),
        &ca,
        "capw",
    );
    let answers = [
        "n",                    // CSR
        "y",                    // existing CA
        "missing.p12",          // does not exist: re-asked
        "elastic-stack-ca.p12", // found in the config dir
        "capw",
        "5x", // not understood
        "30D",
        "n",   // below the recommended 60 days, not sure
        "90D", // validity
        "n",   // per node
        "localhost",
        "",
        "y",
        "127.0.0.1",
        "::1",
        "",
        "y",
        "n", // options
        "a",
        "b", // mismatch
        "pw",
        "pw",
        "out/bundle.zip",
    ];
    let (plan, term) = wizard_ok(&setup, presets_ec(), &answers);
    let out = &term.out;
    assert_all_in(
        out,
        &[
            "CA Path: ",
            &format!(
                "The file {} does not exist (nor {})",
                setup.ctx.conf_dir.join("missing.p12").display(),
                setup.cwd().join("missing.p12").display()
            ),
            "Password for elastic-stack-ca.p12:",
            "For how long should your certificate be valid? [5y] ",
            "Sorry, I do not understand '5x' (",
            "The period '30d' is less than the recommended period",
            "Are you sure? [y/N]",
            "Passwords do not match",
            "Provide a password for the \"http.p12\" file:  [<ENTER> for none]",
        ],
    );
    assert!(matches!(&plan.ca, CaPlan::Existing(c) if c.certificate == ca.certificate));
    assert_eq!(plan.validity, Some(Period::days(90)));
    assert_eq!(plan.certs[0].identity.name, "localhost");
    assert_eq!(plan.password.expose(), "pw");
    assert_eq!(plan.output, setup.cwd().join("out/bundle.zip"));

    // Written through the same path `run` takes: parent created after asking.
    let mut term = ScriptedTerminal::with_answers(["y"]);
    write_bundle(&mut term, &setup.ctx, plan, false).unwrap();
    assert!(term.out.contains("Zip file written to"));
    let zip = std::fs::read(setup.cwd().join("out/bundle.zip")).unwrap();
    assert_eq!(
        zip_entries(&zip),
        [ES_P12_ENTRIES, KIBANA_CA_ENTRIES].concat()
    );
    let store = read_pkcs12(&zip_file(&zip, "elasticsearch/http.p12"), "pw").unwrap();
    let (alias, key, chain) = store.private_keys().next().unwrap();
    assert_eq!(alias, "http");
    // Chain [leaf] plus trusted `ca` in the file; the reader completes the chain from it.
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1], ca.certificate);
    let leaf = &chain[0];
    assert!(leaf.matches_key(key).unwrap());
    assert!(leaf.is_signed_by(&ca.certificate).unwrap());
    assert_eq!(leaf.dns_names().unwrap(), vec!["localhost"]);
    assert_eq!(leaf.ip_addresses().unwrap().len(), 2);
    assert_eq!(
        leaf.extended_key_usage().unwrap(),
        vec![ExtendedKeyUsage::ServerAuth]
    );
    assert_eq!(leaf.key_usage().unwrap(), vec![KeyUsage::DigitalSignature]);
    let days =
        (leaf.not_after().unwrap().as_second() - leaf.not_before().unwrap().as_second()) / 86_400;
    assert_eq!(days, 90);
    let trusted: Vec<_> = store.trusted_certificates().collect();
    assert_eq!(trusted.len(), 1);
    assert_eq!(trusted[0].0, "ca");
    let pem = String::from_utf8(zip_file(&zip, "kibana/elasticsearch-ca.pem")).unwrap();
    assert_eq!(pem, ca.certificate.to_pem());

    // Never overwrite: the same output again is exit 74.
    let (plan, _) = run_wizard(
        &setup,
        Presets {
            out: Some("out/bundle.zip".into()),
            ..presets_for_ca(&setup)
        },
        &[],
    );
    let e = write_bundle(
        &mut ScriptedTerminal::default(),
        &setup.ctx,
        plan.unwrap(),
        false,
    )
    .unwrap_err();
    assert_eq!(e.code, 74);
}

/// Presets that answer everything for a batch run against the config-dir CA.
fn presets_for_ca(_setup: &Setup) -> Presets {
    Presets {
        batch: true,
        csr: Some(false),
        ca: Some(super::presets::CaPreset::Path {
            path: "elastic-stack-ca.p12".into(),
            key: None,
        }),
        ca_pass: crate::password::PassOption::Given(ironstack_terminal::SecretInput::new(
            "capw".into(),
        )),
        pass: crate::password::PassOption::Given(ironstack_terminal::SecretInput::new(
            String::new(),
        )),
        ..presets_ec()
    }
}

#[test]
fn existing_ca_as_pem_certificate_then_encrypted_key() {
    let setup = Setup::new();
    let ca = ec_ca("PEM CA");
    std::fs::write(setup.cwd().join("ca.crt"), ca.certificate.to_pem()).unwrap();
    std::fs::write(
        setup.cwd().join("ca.key"),
        ca.key.to_pem(Some("keypass")).unwrap(),
    )
    .unwrap();
    let answers = [
        "n", "y", "ca.crt",  // a PEM certificate (found in the current dir)
        "ca.key",  // CA Key:
        "keypass", // encrypted key password
        "",        // validity default 5y
        "n", "", "", "", "", // per node no, no hostnames (confirm), no IPs (confirm)
        "", // options
        "", // blank password
        "",
    ];
    let (plan, term) = wizard_ok(&setup, presets_ec(), &answers);
    let out = &term.out;
    assert_all_in(
        out,
        &[
            "## What is the path to your CA key?",
            "appears to be a PEM formatted certificate file.",
            "CA Key: ",
            "requires a password.",
            "Password for ca.key:",
            "You did not enter any hostnames.",
            "You did not enter any IP addresses.",
            "Key Name: elasticsearch",
        ],
    );
    assert!(matches!(&plan.ca, CaPlan::Existing(c) if c.certificate == ca.certificate));
    assert_eq!(plan.validity, Some(Period::years(5)));
    assert!(plan.password.is_empty());

    // Key first, then the certificate.
    let answers = [
        "n", "y", "ca.key", "ca.crt", "keypass", "", "n", "", "", "", "", "", "", "",
    ];
    let (_, term) = wizard_ok(&setup, presets_ec(), &answers);
    assert!(
        term.out
            .contains("## What is the path to your CA certificate?")
    );
    assert!(term.out.contains("CA Certificate: "));

    // A key that does not belong to the certificate is refused (exit 78).
    let other = ec_ca("Other");
    std::fs::write(
        setup.cwd().join("other.key"),
        other.key.to_pem(None).unwrap(),
    )
    .unwrap();
    let answers = ["n", "y", "ca.crt", "other.key"];
    let (plan, term) = run_wizard(&setup, presets_ec(), &answers);
    let e = plan.unwrap_err();
    assert_eq!(e.code, 78);
    assert_eq!(e.message, "Certificate verification failed");
    assert!(term.err.contains("* ERROR *"));

    // A chain is refused with exit 65.
    std::fs::write(
        setup.cwd().join("chain.pem"),
        format!("{}{}", ca.certificate.to_pem(), other.certificate.to_pem()),
    )
    .unwrap();
    let (plan, _) = run_wizard(&setup, presets_ec(), &["n", "y", "chain.pem"]);
    let e = plan.unwrap_err();
    assert_eq!(e.code, 65);
    assert!(
        e.message
            .ends_with("Unsupported file type (certificate chain)"),
        "{}",
        e.message
    );
    std::fs::write(setup.cwd().join("junk.txt"), "hello").unwrap();
    let (plan, _) = run_wizard(&setup, presets_ec(), &["n", "y", "junk.txt"]);
    assert!(
        plan.unwrap_err()
            .message
            .ends_with("Unrecognized file type")
    );
}

#[test]
fn pem_file_with_certificate_and_key_needs_no_second_path() {
    let setup = Setup::new();
    let ca = ec_ca("Combined CA");
    let combined = format!(
        "{}{}",
        ca.certificate.to_pem(),
        ca.key.to_pem(None).unwrap()
    );
    std::fs::write(setup.ctx.conf_dir.join("ca.pem"), combined).unwrap();
    let answers = ["n", "y", "ca.pem", "", "n", "", "", "", "", "", "", ""];
    let (plan, term) = wizard_ok(&setup, presets_ec(), &answers);
    assert!(
        term.out
            .contains("also holds the CA's private key, which will be used.")
    );
    assert!(!term.out.contains("CA Key: "));
    assert!(matches!(&plan.ca, CaPlan::Existing(c) if c.certificate == ca.certificate));
}

#[test]
fn new_ca_with_changed_options_and_invalid_answers_reasked() {
    let setup = Setup::new();
    let answers = [
        "n",                  // CSR
        "",                   // existing CA? default no -> new CA
        "y",                  // change options
        "CN=My CA,O=Example", // CA Name
        "2y",                 // CA Validity
        "512",
        "1536",
        "abc",
        "9000",
        "3072", // Key Size: three refusals then OK
        "bogus",
        "keyCertSign,,cRLSign",
        "keyCertSign,cRLSign,digitalSignature", // Key Usage
        "maybe",
        "n", // change again? (garbage re-asked)
        "capw",
        "capw", // CA password
        "1y",
        "n",
        "es.example.com",
        "",
        "",
        "",
        "",
        "y",         // change cert options
        "my-key",    // Key Name
        "not a dn=", // invalid DN
        "node",      // Subject DN -> CN=node
        "4096x",
        "",  // key size: refused, then keep
        "",  // key usage keep
        "n", // done
        "p",
        "p",
        "",
    ];
    let presets = Presets::interactive();
    let (plan, term) = wizard_ok(&setup, presets, &answers);
    let out = &term.out;
    assert_all_in(
        out,
        &[
            "A new Certificate Authority will be generated for you",
            "## CA Generation Options",
            "Subject DN: CN=Elasticsearch HTTP CA\nValidity: 5y\nKey Size: 2048\nKey Usage: keyCertSign,cRLSign\n",
            "CA Name [CN=Elasticsearch HTTP CA] ",
            "CA Validity [5y] ",
            "Key Size [2048] ",
            "Keys must be at least 1024 bits",
            "The key size should be a multiple of 1024 bits",
            "The key size must be a positive integer",
            "Keys cannot be larger than 8192 bits",
            "Key Usage [keyCertSign,cRLSign] ",
            "Invalid key usage: bogus",
            "Key usage cannot be blank or empty",
            "Subject DN: CN=My CA, O=Example\nValidity: 2y\nKey Size: 3072\nKey Usage: keyCertSign,cRLSign,digitalSignature\n",
            "Did not understand answer 'maybe'",
            "## CA password",
            "CA password:  [<ENTER> for none]",
            "Key Name [es.example.com] ",
            "'not a dn=' is not a valid DN (",
            "Subject DN [CN=es, DC=example, DC=com] ",
            "Key Name: my-key\nSubject DN: CN=node\nKey Size: 2048\nKey Usage: digitalSignature,keyEncipherment\n",
        ],
    );
    let CaPlan::New(new) = &plan.ca else {
        panic!("expected a new CA")
    };
    assert_eq!(new.subject.to_string(), "CN=My CA,O=Example");
    assert_eq!(new.validity, Period::years(2));
    assert_eq!(new.key, KeyAlgorithm::Rsa { bits: 3072 });
    assert_eq!(new.password.expose(), "capw");
    let cert = &plan.certs[0];
    assert_eq!(cert.identity.name, "my-key");
    assert_eq!(cert.identity.subject.to_string(), "CN=node");
    assert_eq!(cert.key, KeyAlgorithm::Rsa { bits: 2048 });
}

#[test]
fn new_ca_bundle_has_the_ca_directory() {
    let setup = Setup::new();
    let answers = [
        "n",
        "n",
        "n", // CSR, existing, change CA options
        "",
        "", // CA password blank
        "", // validity
        "n",
        "localhost",
        "",
        "",
        "",
        "",
        "",
        "pw",
        "pw",
        "",
    ];
    let (plan, _) = wizard_ok(&setup, presets_ec(), &answers);
    let zip = build(&setup, plan);
    assert_eq!(
        zip_entries(&zip),
        [
            &ES_P12_ENTRIES[..],
            &["ca/", "ca/README.txt", "ca/ca.p12"],
            &KIBANA_CA_ENTRIES,
        ]
        .concat()
    );
    let ca_store = read_pkcs12(&zip_file(&zip, "ca/ca.p12"), "").unwrap();
    let (alias, ca_key, ca_chain) = ca_store.private_keys().next().unwrap();
    assert_eq!(alias, "ca");
    let ca_cert = &ca_chain[0];
    assert!(ca_cert.matches_key(ca_key).unwrap());
    assert!(ca_cert.is_ca().unwrap());
    assert_eq!(ca_cert.subject().unwrap(), "CN=Elasticsearch HTTP CA");
    assert_eq!(
        ca_cert.key_usage().unwrap(),
        vec![KeyUsage::KeyCertSign, KeyUsage::CrlSign]
    );
    let http = read_pkcs12(&zip_file(&zip, "elasticsearch/http.p12"), "pw").unwrap();
    let (_, _, chain) = http.private_keys().next().unwrap();
    assert!(chain[0].is_signed_by(ca_cert).unwrap());
    let readme = String::from_utf8(zip_file(&zip, "ca/README.txt")).unwrap();
    assert!(readme.contains("BLANK password"));
    assert!(readme.contains("ironstack certutil cert --ca ca.p12"));
}

#[test]
fn multi_node_with_duplicate_and_invalid_names_reasked() {
    let setup = Setup::new();
    let ca = ec_ca("Multi CA");
    write_ca_p12(&setup.cwd().join("ca.p12"), &ca, "");
    let answers = [
        "n",
        "y",
        "ca.p12",
        "", // blank CA password
        "",
        "y", // per node
        "../evil",
        "node1", // invalid then ok
        "node1.example.com",
        "",
        "",
        "10.0.0.1",
        "",
        "",
        "", // options
        "", // additional? default yes
        "node1",
        "node2", // duplicate then ok
        "node2.example.com",
        "",
        "",
        "",
        "",
        "",
        "n", // no more
        "pw",
        "pw",
        "",
    ];
    let (plan, term) = wizard_ok(&setup, presets_ec(), &answers);
    let out = &term.out;
    assert_all_in(
        out,
        &[
            "Generate a certificate per node? [y/N]",
            "## What is the name of node #1?",
            "node #1 name: ",
            "'../evil' is not a valid filename",
            "## Which hostnames will be used to connect to node1?",
            "Generate additional certificates? [Y/n]",
            "## What is the name of node #2?",
            "A certificate named 'node1' was already entered",
            "Key Name: node2\nSubject DN: CN=node2\n",
        ],
    );
    assert_eq!(plan.certs.len(), 2);
    let zip = build(&setup, plan);
    assert_eq!(
        zip_entries(&zip),
        [
            "elasticsearch/",
            "elasticsearch/node1/",
            "elasticsearch/node1/README.txt",
            "elasticsearch/node1/http.p12",
            "elasticsearch/node1/sample-elasticsearch.yml",
            "elasticsearch/node2/",
            "elasticsearch/node2/README.txt",
            "elasticsearch/node2/http.p12",
            "elasticsearch/node2/sample-elasticsearch.yml",
        ]
        .into_iter()
        .chain(KIBANA_CA_ENTRIES)
        .collect::<Vec<_>>()
    );
    for (node, host) in [
        ("node1", "node1.example.com"),
        ("node2", "node2.example.com"),
    ] {
        let store = read_pkcs12(
            &zip_file(&zip, &format!("elasticsearch/{node}/http.p12")),
            "pw",
        )
        .unwrap();
        let (_, _, chain) = store.private_keys().next().unwrap();
        assert_eq!(chain[0].dns_names().unwrap(), vec![host]);
        assert_eq!(chain[0].subject().unwrap(), format!("CN={node}"));
    }
}

#[test]
fn hostname_list_can_be_reentered_when_not_correct() {
    let setup = Setup::new();
    let answers = [
        "y",
        "n",
        "wrong.example",
        "",
        "n", // not correct: list cleared
        "right.example",
        "",
        "y",
        "",
        "y",
        "",
        "",
        "", // no IPs, keep options, blank password, default out
    ];
    let (plan, term) = wizard_ok(&setup, presets_ec(), &answers);
    assert_eq!(plan.certs[0].identity.dns, vec!["right.example"]);
    assert_eq!(
        term.out
            .matches("Enter all the hostnames that you need, one per line.")
            .count(),
        2
    );
}

#[test]
fn running_out_of_answers_is_a_usage_error() {
    let setup = Setup::new();
    let (plan, _) = run_wizard(&setup, presets_ec(), &["n"]);
    assert_eq!(plan.unwrap_err().code, 64);
}

mod options {
    //! The same wizard answered by options (`Presets::from_args`), including `--silent`.

    use super::*;
    use crate::cli::{HttpArgs, Parsed, parse};

    fn args(list: &[&str]) -> HttpArgs {
        match parse::<HttpArgs>(list.iter().map(|s| s.to_string()).collect()).unwrap() {
            Parsed::Run(a) => *a,
            Parsed::Help(_) => panic!("help"),
        }
    }

    fn presets(setup: &Setup, list: &[&str]) -> Result<Presets, CliError> {
        Presets::from_args(&mut ScriptedTerminal::default(), &setup.ctx, args(list))
    }

    #[test]
    fn silent_requires_the_ca_choice_and_passwords() {
        let setup = Setup::new();
        let e = presets(&setup, &["--silent", "--pass", ""]).unwrap_err();
        assert_eq!(e.code, 64);
        assert!(e.message.contains("--new-ca"), "{}", e.message);
        let e = presets(&setup, &["--silent", "--csr"]).unwrap_err();
        assert!(e.message.contains("--pass"), "{}", e.message);
        let e = presets(&setup, &["--silent", "--new-ca", "--pass", "x"]).unwrap_err();
        assert!(e.message.contains("--ca-pass"), "{}", e.message);
        let e = presets(&setup, &["--csr", "--validity", "1y"]).unwrap_err();
        assert_eq!(e.code, 64);
        let e = presets(&setup, &["--ca", "x.p12", "--ca-dn", "CN=x"]).unwrap_err();
        assert_eq!(e.code, 64);
        let e = presets(&setup, &["--validity", "forever"]).unwrap_err();
        assert!(
            e.message.contains("Sorry, I do not understand"),
            "{}",
            e.message
        );
        let e = presets(&setup, &["--dns", "ü.example"]).unwrap_err();
        assert_eq!(e.message, "ü.example is not a valid DNS name");
        let e = presets(&setup, &["--dns", "a.example,10.0.0.1"]).unwrap_err();
        assert_eq!(
            e.message,
            "--dns 10.0.0.1: an IP address is not a hostname; give it with --ip"
        );
        let e = presets(&setup, &["--keysize", "1536"]).unwrap_err();
        assert!(e.message.contains("multiple of 1024"), "{}", e.message);
        let e = presets(&setup, &["--name", "a/b"]).unwrap_err();
        assert_eq!(e.message, "'a/b' is not a valid filename");
    }

    #[test]
    fn silent_run_prompts_for_nothing() {
        let setup = Setup::new();
        let ca = ec_ca("Batch CA");
        write_ca_p12(&setup.ctx.conf_dir.join("ca.p12"), &ca, "capw");
        let p = presets(
            &setup,
            &[
                "-s",
                "--ca",
                "ca.p12",
                "--ca-pass",
                "capw",
                "--validity",
                "18M",
                "--dns",
                "a.example,b.example",
                "--ip",
                "127.0.0.1",
                "--keytype",
                "ec",
                "--pass",
                "pw",
                "--out",
                "x.zip",
            ],
        )
        .unwrap();
        let (plan, term) = wizard_ok(&setup, p, &[]);
        assert!(term.out.is_empty(), "printed: {}", term.out);
        assert_eq!(plan.validity, Some(Period::months(18)));
        assert_eq!(plan.certs[0].identity.name, "a.example");
        assert_eq!(plan.certs[0].key, KeyAlgorithm::EcP256);
        assert_eq!(plan.output, setup.cwd().join("x.zip"));
    }

    #[test]
    fn instances_file_gives_one_certificate_per_node() {
        let setup = Setup::new();
        std::fs::write(
            setup.cwd().join("instances.yml"),
            "instances:\n  - name: node1\n    dns: [node1.example.com]\n    ip: [10.0.0.1]\n  - name: node2.example.com\n",
        )
        .unwrap();
        let p = presets(
            &setup,
            &[
                "--silent",
                "--new-ca",
                "--ca-pass",
                "",
                "--in",
                "instances.yml",
                "--pass",
                "",
                "--keytype",
                "ec",
            ],
        )
        .unwrap();
        let (plan, term) = run_wizard(&setup, p, &[]);
        let plan = plan.unwrap();
        assert!(term.out.is_empty(), "printed: {}", term.out);
        let names: Vec<&str> = plan
            .certs
            .iter()
            .map(|c| c.identity.name.as_str())
            .collect();
        assert_eq!(names, vec!["node1", "node2.example.com"]);
        assert_eq!(
            plan.certs[1].identity.subject.to_string(),
            "CN=node2,DC=example,DC=com"
        );
        let CaPlan::New(new) = &plan.ca else {
            panic!("new CA expected")
        };
        assert_eq!(new.key, KeyAlgorithm::EcP256);
        let zip = build(&setup, plan);
        assert!(
            zip_entries(&zip).contains(&"elasticsearch/node2.example.com/http.p12".to_string())
        );
        assert!(zip_entries(&zip).contains(&"ca/ca.p12".to_string()));
    }

    #[test]
    fn partial_options_skip_only_their_questions() {
        let setup = Setup::new();
        let ca = ec_ca("Partial CA");
        write_ca_p12(&setup.ctx.conf_dir.join("ca.p12"), &ca, "");
        let p = presets(&setup, &["--ca", "ca.p12", "--keytype", "ec"]).unwrap();
        // Asked: CA password, validity, per node, names..., options, password, output.
        let answers = ["", "", "n", "", "", "", "", "", "", "", ""];
        let (_, term) = wizard_ok(&setup, p, &answers);
        assert!(!term.out.contains("Generate a CSR?"));
        assert!(!term.out.contains("Use an existing CA?"));
        assert!(!term.out.contains("CA Path: "));
        assert!(term.out.contains("Password for ca.p12:"));
    }

    #[test]
    fn keytype_alone_still_offers_the_ca_options() {
        let setup = Setup::new();
        let p = presets(&setup, &["--new-ca", "--keytype", "ec"]).unwrap();
        let answers = ["n", "", "", "n", "", "", "", "", "n", "", ""];
        let (plan, term) = wizard_ok(&setup, p, &answers);
        assert!(
            term.out.contains(
                "Subject DN: CN=Elasticsearch HTTP CA\nValidity: 5y\nKey Type: EC P-256\n"
            )
        );
        assert_eq!(
            term.out
                .matches("Do you wish to change any of these options? [y/N]")
                .count(),
            2
        );
        let CaPlan::New(new) = &plan.ca else {
            panic!("new CA expected")
        };
        assert_eq!(new.key, KeyAlgorithm::EcP256);
        // A CA option given as an option means the CA options are settled.
        let p = presets(
            &setup,
            &["--new-ca", "--ca-validity", "3y", "--keytype", "ec"],
        )
        .unwrap();
        let (plan, term) = wizard_ok(&setup, p, &answers[1..]);
        assert!(!term.out.contains("## CA Generation Options"));
        let CaPlan::New(new) = &plan.ca else {
            panic!("new CA expected")
        };
        assert_eq!(new.validity, Period::years(3));
    }

    #[test]
    fn wrong_ca_password_is_a_data_error() {
        let setup = Setup::new();
        let ca = ec_ca("Locked CA");
        write_ca_p12(&setup.cwd().join("ca.p12"), &ca, "right");
        let p = presets(&setup, &["--ca", "ca.p12", "--ca-pass", "wrong"]).unwrap();
        let (plan, _) = run_wizard(&setup, p, &[]);
        assert_eq!(plan.unwrap_err().code, 65);
    }

    #[test]
    fn an_existing_out_file_is_refused_before_the_first_question() {
        let setup = Setup::new();
        std::fs::write(setup.cwd().join("taken.zip"), b"x").unwrap();
        let mut term = ScriptedTerminal::default();
        let e =
            super::super::run(&mut term, &setup.ctx, args(&["--out", "taken.zip"])).unwrap_err();
        assert_eq!(e.code, 74);
        assert_eq!(
            e.message,
            format!(
                "Output file '{}' already exists",
                setup.cwd().join("taken.zip").display()
            )
        );
        assert!(!term.out.contains("Generate a CSR?"), "{}", term.out);
    }
}

#[test]
fn an_existing_output_file_typed_at_the_prompt_is_refused_at_once() {
    let setup = Setup::new();
    std::fs::write(setup.cwd().join("taken.zip"), b"x").unwrap();
    let answers = [
        "y", // CSR
        "n", // per node
        "localhost",
        "",
        "y",
        "",
        "y",
        "n",         // options
        "",          // no key password
        "taken.zip", // exists
    ];
    let (plan, term) = run_wizard(&setup, presets_ec(), &answers);
    let e = plan.unwrap_err();
    assert_eq!(e.code, 74, "{}", term.out);
    assert!(
        e.message.contains("taken.zip' already exists"),
        "{}",
        e.message
    );
}

#[test]
fn an_ip_address_typed_as_a_hostname_is_flagged_and_left_out() {
    let setup = Setup::new();
    let answers = [
        "y", // CSR
        "n", // per node
        "10.0.0.1",
        "node1.example.com",
        "",
        "y",
        "10.0.0.1",
        "",
        "y",
        "n",
        "",
        "out.zip",
    ];
    let (plan, term) = wizard_ok(&setup, presets_ec(), &answers);
    assert!(
        term.out.contains(
            "Error: 10.0.0.1 is an IP address, not a hostname; enter it with the IP addresses instead"
        ),
        "{}",
        term.out
    );
    assert_eq!(plan.certs[0].identity.dns, vec!["node1.example.com"]);
    assert_eq!(
        plan.certs[0].identity.ips,
        vec!["10.0.0.1".parse::<std::net::IpAddr>().unwrap()]
    );
}

/// The CA questions answered up to its password, for a `ca.p12` in the current folder.
const EXISTING_CA_ANSWERS: [&str; 3] = ["n", "y", "ca.p12"];

/// The questions after the CA, answered with defaults.
const AFTER_CA_ANSWERS: [&str; 9] = ["", "n", "localhost", "", "y", "", "y", "n", ""];

#[test]
fn a_wrong_ca_password_typed_on_a_console_is_asked_again() {
    let setup = Setup::new();
    let ca = ec_ca("Locked CA");
    write_ca_p12(&setup.cwd().join("ca.p12"), &ca, "right");
    let answers: Vec<&str> = EXISTING_CA_ANSWERS
        .iter()
        .chain(&["wrong", "right"])
        .chain(&AFTER_CA_ANSWERS)
        .chain(&["out.zip"])
        .copied()
        .collect();
    let mut term = ScriptedTerminal::with_answers(answers);
    term.interactive = true;
    let plan = wizard::run(&mut term, &setup.ctx, presets_ec())
        .unwrap_or_else(|e| panic!("{e:?}\n{}", term.out));
    assert!(matches!(&plan.ca, CaPlan::Existing(c) if c.certificate == ca.certificate));
    let retry = format!(
        "The password for {} is incorrect; please try again",
        setup.cwd().join("ca.p12").display()
    );
    assert_eq!(term.out.matches(&retry).count(), 1, "{}", term.out);
    assert_eq!(term.out.matches("Password for ca.p12:").count(), 2);

    // Three wrong passwords end the command.
    let answers: Vec<&str> = EXISTING_CA_ANSWERS
        .iter()
        .chain(&["a", "b", "c", "right"])
        .copied()
        .collect();
    let mut term = ScriptedTerminal::with_answers(answers);
    term.interactive = true;
    let e = wizard::run(&mut term, &setup.ctx, presets_ec()).unwrap_err();
    assert_eq!(e.code, 65);
    assert!(
        e.message.contains("the password is incorrect"),
        "{}",
        e.message
    );
    assert_eq!(term.answers.len(), 1, "the fourth answer is not read");
}

#[test]
fn a_wrong_ca_password_from_piped_answers_fails_at_once_as_in_elasticsearch() {
    let setup = Setup::new();
    let ca = ec_ca("Locked CA");
    write_ca_p12(&setup.cwd().join("ca.p12"), &ca, "right");
    let answers: Vec<&str> = EXISTING_CA_ANSWERS
        .iter()
        .chain(&["wrong", "right"])
        .copied()
        .collect();
    let (plan, term) = run_wizard(&setup, presets_ec(), &answers);
    assert_eq!(plan.unwrap_err().code, 65);
    assert!(!term.out.contains("please try again"), "{}", term.out);
}

#[test]
fn a_wrong_pem_ca_key_password_typed_on_a_console_is_asked_again() {
    let setup = Setup::new();
    let ca = ec_ca("PEM CA");
    std::fs::write(setup.cwd().join("ca.crt"), ca.certificate.to_pem()).unwrap();
    std::fs::write(
        setup.cwd().join("ca.key"),
        ca.key.to_pem(Some("keypw")).unwrap(),
    )
    .unwrap();
    let answers: Vec<&str> = ["n", "y", "ca.crt", "ca.key", "nope", "keypw"]
        .iter()
        .chain(&AFTER_CA_ANSWERS)
        .chain(&["out.zip"])
        .copied()
        .collect();
    let mut term = ScriptedTerminal::with_answers(answers);
    term.interactive = true;
    let plan = wizard::run(&mut term, &setup.ctx, presets_ec())
        .unwrap_or_else(|e| panic!("{e:?}\n{}", term.out));
    assert!(matches!(&plan.ca, CaPlan::Existing(c) if c.certificate == ca.certificate));
    assert!(
        term.out.contains("is incorrect; please try again"),
        "{}",
        term.out
    );
    assert_eq!(
        term.out.matches("The PEM key stored in").count(),
        1,
        "the explanation is not repeated"
    );
}
