//! Loading real files: fixtures copied into a temporary config directory as `ironstack.yml`,
//! the environment passed as a map, `-E` overrides, and every validation rule.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ironstack_config::{
    CipherSuite, ClientAuthentication, Error, HostSpec, LoadOptions, NodeConfig, Origin, PortRange,
    TlsVersion, VerificationMode,
};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn write(&self, yaml: &str) -> &Self {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        std::fs::write(self.config_dir().join("ironstack.yml"), yaml).unwrap();
        self
    }

    fn fixture(&self, name: &str) -> &Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        self.write(&std::fs::read_to_string(path).unwrap())
    }

    fn options(&self) -> LoadOptions {
        LoadOptions {
            env: HashMap::from([("HOSTNAME".to_string(), "test-host".to_string())]),
            working_dir: Some(self.dir.path().to_path_buf()),
            ..LoadOptions::default()
        }
    }

    fn load(&self) -> Result<NodeConfig, Error> {
        NodeConfig::load(&self.options())
    }

    fn load_with(&self, overrides: &[&str]) -> Result<NodeConfig, Error> {
        let mut options = self.options();
        options.overrides = overrides.iter().map(|s| s.to_string()).collect();
        NodeConfig::load(&options)
    }

    fn file(&self) -> PathBuf {
        self.config_dir().join("ironstack.yml")
    }
}

#[test]
fn missing_file_gives_the_defaults() {
    let env = Env::new();
    let config = env.load().unwrap();
    assert!(!config.config_file_exists);
    assert_eq!(config.config_file_path(), env.file());
    assert_eq!(config.cluster_name, "ironstack");
    assert_eq!(config.node_name, "test-host");
    assert_eq!(config.network_host, vec![HostSpec::Local]);
    assert_eq!(config.http_host, vec![HostSpec::Local]);
    // Elasticsearch's default: the first free port of 9200-9300.
    assert_eq!(
        config.http_port,
        PortRange {
            start: 9200,
            end: 9300
        }
    );
    assert_eq!(config.http_max_content_length, 100 * 1024 * 1024);
    assert_eq!(config.path_data, env.dir.path().join("data"));
    assert_eq!(config.path_logs, env.dir.path().join("logs"));
    assert!(config.security.enabled);
    assert!(config.security.autoconfiguration_enabled);
    assert!(!config.security.enrollment_enabled);
    assert!(!config.security.http_ssl.enabled);
    assert_eq!(
        config.security.http_ssl.supported_protocols,
        vec![TlsVersion::Tls13, TlsVersion::Tls12]
    );
    assert!(!config.has_security_settings());
    assert!(!config.has_host_settings());
    assert!(config.security_auto_configuration_allowed());
    assert!(config.warnings.is_empty());
}

#[test]
fn empty_file_is_empty_settings() {
    let env = Env::new();
    env.write("# nothing set yet\n");
    let config = env.load().unwrap();
    assert!(config.config_file_exists);
    assert!(config.settings().is_empty());
}

#[test]
fn config_dir_comes_from_the_option_then_the_env_var_then_default() {
    let env = Env::new();
    let other = env.dir.path().join("elsewhere");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("ironstack.yml"), "cluster.name: from-env-dir\n").unwrap();
    env.write("cluster.name: from-default-dir\n");

    assert_eq!(env.load().unwrap().cluster_name, "from-default-dir");

    let mut options = env.options();
    options
        .env
        .insert("IRONSTACK_PATH_CONF".into(), "elsewhere".into());
    let config = NodeConfig::load(&options).unwrap();
    assert_eq!(config.cluster_name, "from-env-dir");
    assert_eq!(config.config_dir, other);

    options.config_dir = Some(env.config_dir());
    assert_eq!(
        NodeConfig::load(&options).unwrap().cluster_name,
        "from-default-dir"
    );
}

#[test]
fn every_setting_is_typed() {
    let env = Env::new();
    env.fixture("full.yml");
    let config = env.load().unwrap();
    let conf = env.config_dir();
    assert_eq!(config.cluster_name, "prod");
    assert_eq!(config.node_name, "node-1");
    assert_eq!(
        config.network_host,
        vec![HostSpec::Address("10.0.0.5".parse().unwrap())]
    );
    assert_eq!(
        config.http_host,
        vec![
            HostSpec::Address("127.0.0.1".parse().unwrap()),
            HostSpec::Address("::1".parse().unwrap())
        ]
    );
    assert_eq!(
        config.http_port,
        PortRange {
            start: 9200,
            end: 9210
        }
    );
    assert_eq!(config.http_max_content_length, 50 * 1024 * 1024);
    assert_eq!(config.path_data, PathBuf::from("/var/lib/ironstack"));
    assert_eq!(config.path_logs, PathBuf::from("/var/log/ironstack"));
    assert!(config.security.enabled);
    assert!(!config.security.autoconfiguration_enabled);
    assert!(config.security.enrollment_enabled);
    let ssl = &config.security.http_ssl;
    assert!(ssl.enabled);
    assert_eq!(ssl.certificate, Some(conf.join("certs/node.crt")));
    assert_eq!(ssl.key, Some(conf.join("certs/node.key")));
    assert_eq!(
        ssl.certificate_authorities,
        vec![
            conf.join("certs/ca.crt"),
            PathBuf::from("/etc/pki/other-ca.crt")
        ]
    );
    assert_eq!(ssl.client_authentication, ClientAuthentication::Optional);
    assert_eq!(ssl.supported_protocols, vec![TlsVersion::Tls13]);
    assert_eq!(
        ssl.cipher_suites,
        vec![
            CipherSuite::Tls13Aes256GcmSha384,
            CipherSuite::Tls13Chacha20Poly1305Sha256
        ]
    );
    assert_eq!(ssl.verification_mode, VerificationMode::Certificate);
    assert_eq!(ssl.files().len(), 4);
    assert!(config.has_security_settings());
    assert!(config.has_host_settings());
    assert!(!config.security_auto_configuration_allowed());
}

#[test]
fn flat_and_nested_files_are_the_same_configuration() {
    let nested = Env::new();
    nested.fixture("full.yml");
    let flat = Env::new();
    flat.fixture("flat.yml");
    let a = nested.load().unwrap();
    let b = flat.load().unwrap();
    // Paths differ only by the temp dir; compare the settings that do not embed it.
    assert_eq!(
        a.settings().keys().collect::<Vec<_>>(),
        b.settings().keys().collect::<Vec<_>>()
    );
    for (key, setting) in a.settings().iter() {
        assert_eq!(setting.value, b.settings().get(key).unwrap().value, "{key}");
    }
    assert_eq!(a.http_port, b.http_port);
    assert_eq!(
        a.security.http_ssl.cipher_suites,
        b.security.http_ssl.cipher_suites
    );
}

#[test]
fn elasticsearch_auto_configuration_block_is_accepted() {
    let env = Env::new();
    env.fixture("auto_config.yml");
    let config = env.load().unwrap();
    let ssl = &config.security.http_ssl;
    assert!(ssl.enabled);
    assert_eq!(
        ssl.keystore_path,
        Some(env.config_dir().join("certs/http.p12"))
    );
    assert!(config.security.enrollment_enabled);
    assert_eq!(
        config.http_host,
        vec![HostSpec::Address("0.0.0.0".parse().unwrap())]
    );
    // Transport settings are accepted and ignored (there is no transport layer).
    assert!(
        config
            .settings()
            .get("xpack.security.transport.ssl.keystore.path")
            .is_some()
    );
    assert!(config.has_security_settings());
    assert!(!config.security_auto_configuration_allowed());
}

#[test]
fn wrong_key_is_rejected_naming_the_file() {
    let env = Env::new();
    env.fixture("wrongkey.yml");
    let err = env.load().unwrap_err();
    assert!(
        matches!(err, Error::UnknownSetting { ref key, .. } if key == "http.prot"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "unknown setting [http.prot] in [{}]; did you mean [http.port]?",
            env.file().display()
        )
    );
}

#[test]
fn unknown_key_on_the_command_line_says_so() {
    let env = Env::new();
    let err = env.load_with(&["cluster.nme=x"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown setting [cluster.nme] on the command line (-E); did you mean [cluster.name]?"
    );
}

#[test]
fn secure_setting_in_the_file_is_rejected_like_elasticsearch() {
    let env = Env::new();
    env.fixture("secure_in_file.yml");
    let err = env.load().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "setting [xpack.security.http.ssl.keystore.secure_password] is a secure setting and must be stored inside the keystore, but was found in [{}]",
            env.file().display()
        )
    );
    let err = Env::new().load_with(&["bootstrap.password=x"]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::SecureSettingInFile {
                origin: Origin::CommandLine,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn legacy_plain_password_is_refused() {
    let env = Env::new();
    env.fixture("insecure_password.yml");
    let err = env.load().unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::InsecureSetting { .. }), "{text}");
    assert!(
        text.contains("[xpack.security.http.ssl.keystore.password]") && text.contains("insecure"),
        "{text}"
    );
    assert!(
        text.contains("ironstack keystore add xpack.security.http.ssl.keystore.secure_password"),
        "{text}"
    );
}

#[test]
fn jks_keystores_are_not_supported() {
    let env = Env::new();
    env.fixture("jks.yml");
    let err = env.load().unwrap_err();
    assert!(
        err.to_string().contains("JKS keystores are not supported"),
        "{err}"
    );
    let err = env
        .load_with(&["xpack.security.http.ssl.keystore.type=jks"])
        .unwrap_err();
    assert!(
        err.to_string().contains("JKS keystores are not supported"),
        "{err}"
    );
    // An explicit PKCS12 type makes the extension irrelevant.
    let config = env
        .load_with(&["xpack.security.http.ssl.keystore.type=PKCS12"])
        .unwrap();
    assert!(config.security.http_ssl.enabled);
    let err = env
        .load_with(&["xpack.security.http.ssl.keystore.type=PKCS11"])
        .unwrap_err();
    assert!(err.to_string().contains("only PKCS12"), "{err}");
}

#[test]
fn tls_below_1_2_is_rejected() {
    let env = Env::new();
    env.fixture("tls11.yml");
    let err = env.load().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("[TLSv1.1]") && text.contains("TLS 1.2+ only"),
        "{text}"
    );
    assert!(
        text.contains("xpack.security.http.ssl.supported_protocols")
            && text.contains(&env.file().display().to_string()),
        "{text}"
    );
    let err = Env::new()
        .load_with(&["xpack.security.http.ssl.supported_protocols=TLSv9"])
        .unwrap_err();
    assert!(err.to_string().contains("unknown protocol"), "{err}");
}

#[test]
fn cipher_suites_are_checked() {
    let env = Env::new();
    let ok = env
        .load_with(&["xpack.security.http.ssl.cipher_suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256"])
        .unwrap();
    assert_eq!(
        ok.security.http_ssl.cipher_suites,
        vec![
            CipherSuite::EcdheRsaAes128GcmSha256,
            CipherSuite::Tls13Aes128GcmSha256
        ]
    );
    let err = env
        .load_with(&["xpack.security.http.ssl.cipher_suites=TLS_RSA_WITH_AES_128_CBC_SHA"])
        .unwrap_err();
    assert!(err.to_string().contains("is not supported"), "{err}");
    let err = env
        .load_with(&["xpack.security.http.ssl.cipher_suites=FAST_ONE"])
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown cipher suite [FAST_ONE]"),
        "{err}"
    );
    let err = env
        .load_with(&[
            "xpack.security.http.ssl.supported_protocols=TLSv1.3",
            "xpack.security.http.ssl.cipher_suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ])
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
}

#[test]
fn enum_values_are_checked_case_insensitively() {
    let env = Env::new();
    let config = env
        .load_with(&[
            "xpack.security.http.ssl.client_authentication=REQUIRED",
            "xpack.security.http.ssl.verification_mode=Full",
        ])
        .unwrap();
    assert_eq!(
        config.security.http_ssl.client_authentication,
        ClientAuthentication::Required
    );
    assert_eq!(
        config.security.http_ssl.verification_mode,
        VerificationMode::Full
    );
    let err = env
        .load_with(&["xpack.security.http.ssl.client_authentication=sometimes"])
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected one of [none, optional, required]"),
        "{err}"
    );
    let err = env
        .load_with(&["xpack.security.http.ssl.verification_mode=strict"])
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected one of [full, certificate, none]"),
        "{err}"
    );
}

#[test]
fn verification_mode_none_is_accepted_with_a_warning() {
    let config = Env::new()
        .load_with(&["xpack.security.http.ssl.verification_mode=none"])
        .unwrap();
    assert_eq!(
        config.security.http_ssl.verification_mode,
        VerificationMode::None
    );
    assert_eq!(config.warnings.len(), 1);
    assert!(
        config.warnings[0].contains("never use this in production"),
        "{:?}",
        config.warnings
    );
}

#[test]
fn precedence_command_line_over_file_over_default() {
    let env = Env::new();
    assert_eq!(env.load().unwrap().http_port.start, 9200);
    env.write("http.port: 9300\n");
    assert_eq!(env.load().unwrap().http_port.start, 9300);
    let config = env.load_with(&["http.port=9400"]).unwrap();
    assert_eq!(config.http_port.start, 9400);
    assert_eq!(
        config.settings().get("http.port").unwrap().origin,
        Origin::CommandLine
    );
}

#[test]
fn environment_only_enters_through_placeholders() {
    let env = Env::new();
    env.fixture("placeholders.yml");
    let mut options = env.options();
    options.env.insert("NODE_NAME".into(), "from-env".into());
    options.env.insert("DATA_DIR".into(), "/srv".into());
    // Not a placeholder anywhere: ignored.
    options.env.insert("HTTP_PORT".into(), "9999".into());
    options.env.insert("http.port".into(), "9999".into());
    let config = NodeConfig::load(&options).unwrap();
    assert_eq!(config.node_name, "from-env");
    assert_eq!(config.cluster_name, "local-cluster");
    assert_eq!(config.path_data, PathBuf::from("/srv/nodes"));
    assert_eq!(config.http_port.start, 9200);

    options.env.remove("DATA_DIR");
    let err = NodeConfig::load(&options).unwrap_err();
    assert!(
        matches!(err, Error::UnresolvedPlaceholder { ref variable, .. } if variable == "DATA_DIR"),
        "{err}"
    );
    assert!(err.to_string().contains("[path.data]"), "{err}");
}

#[test]
fn placeholders_also_apply_to_command_line_values() {
    let env = Env::new();
    let mut options = env.options();
    options.env.insert("PORT".into(), "9500".into());
    options.overrides = vec!["http.port=${PORT}".into()];
    assert_eq!(NodeConfig::load(&options).unwrap().http_port.start, 9500);
}

#[test]
fn duplicate_flat_and_nested_key_is_an_error() {
    let env = Env::new();
    env.fixture("duplicate.yml");
    let err = env.load().unwrap_err();
    assert!(
        matches!(err, Error::DuplicateSetting { ref key, .. } if key == "xpack.security.http.ssl.enabled"),
        "{err}"
    );
    assert!(
        err.to_string().contains(&env.file().display().to_string()),
        "{err}"
    );
}

#[test]
fn scalar_values_are_validated() {
    let env = Env::new();
    let cases: &[(&str, &str)] = &[
        (
            "xpack.security.enabled=yes",
            "only [true] or [false] are allowed",
        ),
        ("http.max_content_length=100", "unit is missing"),
        ("http.max_content_length=3gb", "must be <= 2147483647"),
        ("http.port=http", "expected a port"),
        ("http.port=9300-9200", "greater than its last"),
        ("network.host=not a host", "expected an IP address"),
        ("cluster.name=", "must not be empty"),
    ];
    for (argument, expected) in cases {
        let err = env.load_with(&[argument]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expected), "{argument}: {text}");
        assert!(text.contains("on the command line"), "{argument}: {text}");
    }
    env.write("node.name: [a, b]\n");
    let err = env.load().unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a single value, not a list"),
        "{err}"
    );
}

#[test]
fn booleans_are_true_or_false_in_the_file_as_on_the_command_line() {
    let env = Env::new();
    for spelling in ["yes", "no", "on", "off", "y", "True", "FALSE", "1"] {
        env.write(&format!("xpack.security.enabled: {spelling}\n"));
        let err = env.load().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "invalid value [{spelling}] for setting [xpack.security.enabled] in [{}]: Failed to parse value [{spelling}] as only [true] or [false] are allowed.",
                env.file().display()
            )
        );
        let err = env
            .load_with(&[&format!("xpack.security.enabled={spelling}")])
            .unwrap_err();
        assert!(err.to_string().contains(&format!(
            "Failed to parse value [{spelling}] as only [true] or [false] are allowed."
        )));
    }
    env.write("xpack.security.enabled: false\n");
    assert!(!env.load().unwrap().security.enabled);
}

#[test]
fn a_key_given_twice_is_named_with_its_file_and_line() {
    let env = Env::new();
    env.write("cluster.name: a\nhttp.port: 9200\nhttp.port: 9201\n");
    let err = env.load().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "setting [http.port] is given more than once in [{}] (line 3)",
            env.file().display()
        )
    );
    assert!(!err.to_string().contains("DuplicateKeyPolicy"), "{err}");
}

#[test]
fn ssl_setting_combinations_are_checked() {
    let p = "xpack.security.http.ssl";
    let env = Env::new();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![format!("{p}.enabled=true")],
            "a key and certificate are required",
        ),
        (
            vec![
                format!("{p}.keystore.path=a.p12"),
                format!("{p}.certificate=a.crt"),
                format!("{p}.key=a.key"),
            ],
            "cannot specify both",
        ),
        (
            vec![format!("{p}.key=a.key")],
            "is set but [xpack.security.http.ssl.certificate] is not",
        ),
        (
            vec![format!("{p}.certificate=a.crt")],
            "is set but [xpack.security.http.ssl.key] is not",
        ),
        (
            vec![
                format!("{p}.truststore.path=t.p12"),
                format!("{p}.certificate_authorities=ca.crt"),
            ],
            "cannot specify both",
        ),
    ];
    for (arguments, expected) in cases {
        let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
        let err = env.load_with(&arguments).unwrap_err();
        assert!(
            matches!(err, Error::Conflict { .. }),
            "{arguments:?}: {err}"
        );
        assert!(err.to_string().contains(expected), "{arguments:?}: {err}");
    }
    // A PEM identity, and certificate_authorities as a single string.
    let config = env
        .load_with(&[
            &format!("{p}.enabled=true"),
            &format!("{p}.certificate=certs/a.crt"),
            &format!("{p}.key=certs/a.key"),
            &format!("{p}.certificate_authorities=certs/ca.crt"),
        ])
        .unwrap();
    assert_eq!(
        config.security.http_ssl.certificate_authorities,
        vec![env.config_dir().join("certs/ca.crt")]
    );
}

#[test]
fn extra_settings_are_accepted_and_readable() {
    let env = Env::new();
    env.write("xpack.security.audit.enabled: true\nlogger.org.example: debug\n");
    assert!(matches!(
        env.load().unwrap_err(),
        Error::UnknownSetting { .. }
    ));
    let mut options = env.options();
    options.extra_settings = vec!["xpack.security.audit.enabled".into(), "logger.*".into()];
    let config = NodeConfig::load(&options).unwrap();
    assert_eq!(
        config.settings().get_str("xpack.security.audit.enabled"),
        Some("true")
    );
    assert_eq!(
        config.settings().get_str("logger.org.example"),
        Some("debug")
    );
}

#[test]
fn ignored_transport_settings_still_refuse_secrets() {
    let env = Env::new();
    env.write("xpack.security.transport.ssl.keystore.secure_password: x\n");
    assert!(matches!(
        env.load().unwrap_err(),
        Error::SecureSettingInFile { .. }
    ));
}

#[test]
fn auto_configuration_is_not_allowed_for_multi_node_discovery() {
    let env = Env::new();
    env.write("node.name: node-1\ncluster.initial_master_nodes: [node-1]\n");
    assert!(env.load().unwrap().security_auto_configuration_allowed());
    env.write("node.name: node-1\ncluster.initial_master_nodes: [node-1, node-2]\n");
    assert!(!env.load().unwrap().security_auto_configuration_allowed());
    env.write("discovery.seed_hosts: [10.0.0.2]\n");
    assert!(!env.load().unwrap().security_auto_configuration_allowed());
    env.write("xpack.security.autoconfiguration.enabled: false\n");
    assert!(!env.load().unwrap().security_auto_configuration_allowed());
    env.write("xpack.security.enabled: false\n");
    assert!(!env.load().unwrap().security_auto_configuration_allowed());
}

#[test]
fn appending_the_auto_configuration_block() {
    let env = Env::new();
    // No trailing newline: one is inserted so the block starts on its own line.
    env.write("cluster.name: prod");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(env.file(), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let config = env.load().unwrap();
    let block = "xpack.security.enabled: true\nxpack.security.http.ssl:\n  enabled: true\n  keystore.path: certs/http.p12\n";
    config.append_to_config_file(block).unwrap();
    let text = std::fs::read_to_string(env.file()).unwrap();
    assert_eq!(text, format!("cluster.name: prod\n{block}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.file()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(env.config_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("ironstack.yml")]);
    let reloaded = env.load().unwrap();
    assert_eq!(reloaded.cluster_name, "prod");
    assert_eq!(
        reloaded.security.http_ssl.keystore_path,
        Some(env.config_dir().join("certs/http.p12"))
    );
}

#[test]
fn appending_creates_a_missing_file_and_directory() {
    let env = Env::new();
    let config = env.load().unwrap();
    config
        .append_to_config_file("cluster.name: created\n")
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(env.file()).unwrap(),
        "cluster.name: created\n"
    );
    assert_eq!(env.load().unwrap().cluster_name, "created");
}

#[test]
fn example_config_is_valid_and_documents_every_setting() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("ironstack.example.yml");
    let text = std::fs::read_to_string(&example).unwrap();
    for key in ironstack_config::NODE_SETTINGS {
        let last = key.rsplit('.').next().unwrap();
        assert!(
            text.contains(key) || text.contains(last),
            "{key} is not documented in the example"
        );
    }
    let env = Env::new();
    env.write(&text);
    env.load().unwrap();
}

#[test]
fn hostname_placeholder_resolves_without_the_variable() {
    let env = Env::new();
    env.write("cluster.initial_master_nodes: [\"${HOSTNAME}\"]\nnode.name: ${HOSTNAME}\n");
    let mut options = env.options();
    options.env.clear();
    let config = NodeConfig::load(&options).unwrap();
    assert!(!config.node_name.is_empty());
    assert!(!config.node_name.contains("${"), "{}", config.node_name);
    // The kernel's host name, as the default node.name would be.
    env.write("");
    assert_eq!(
        NodeConfig::load(&options).unwrap().node_name,
        config.node_name
    );
}
