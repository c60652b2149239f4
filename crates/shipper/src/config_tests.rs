//! Configuration tests: Metricbeat's defaults, precedence (`-E` > keystore/env > file >
//! default), unknown and not-yet-supported keys, value checks, paths, the disk queue settings
//! and `--strict.perms`.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

use super::*;

fn write_config(dir: &Path, text: &str) {
    let f = dir.join("shipper.yml");
    std::fs::write(&f, text).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn load_with(dir: &Path, flags: &[&str], env: &[(&str, &str)]) -> Result<ShipperConfig> {
    let overrides = Overrides {
        settings: flags.iter().map(|s| s.to_string()).collect(),
        strict_perms: true,
        ..Default::default()
    };
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ShipperConfig::from_loaded(&load(&overrides, &env, dir)?)
}

const BASE: &str = "output.elasticsearch:\n  hosts: [\"https://localhost:9200\"]\n  username: ${ES_USER:metricbeat_writer}\n  password: ${ES_PWD}\n";

#[test]
fn defaults_match_metricbeat() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    let c = load_with(dir.path(), &[], &[("ES_PWD", "s3cret")]).unwrap();
    let o = &c.output;
    assert_eq!(o.bulk_max_size, 1600);
    assert_eq!(o.timeout, Duration::from_secs(90));
    assert_eq!(
        (o.backoff_init, o.backoff_max),
        (Duration::from_secs(1), Duration::from_secs(60))
    );
    assert_eq!(o.max_retries, 3);
    assert_eq!(o.index, format!("metricbeat-{VERSION}"));
    assert_eq!((o.compression_level, o.worker), (1, 1));
    assert!(
        o.tls.is_none(),
        "no ssl section: system trust when the scheme is https"
    );
    assert_eq!(
        c.queue,
        QueueConfig {
            events: 3200,
            min_events: 1600,
            flush_timeout: Duration::from_secs(10)
        }
    );
    assert_eq!(o.username.as_deref(), Some("metricbeat_writer"));
    assert_eq!(o.password.as_ref().unwrap().expose(), "s3cret");
    assert_eq!(c.paths.data, dir.path().join("data"));
    assert!(
        !format!("{c:?}").contains("s3cret"),
        "secrets are redacted in Debug"
    );
}

#[test]
fn precedence_flag_over_env_over_file_over_default() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!("{BASE}  worker: 2\n  max_retries: ${{RETRIES:5}}\n"),
    );
    let env = [("ES_PWD", "p"), ("ES_USER", "from-env")];
    let c = load_with(dir.path(), &[], &env).unwrap();
    assert_eq!(c.output.worker, 2, "file over default");
    assert_eq!(
        c.output.max_retries, 5,
        "the reference's default when the variable is unset"
    );
    assert_eq!(
        c.output.username.as_deref(),
        Some("from-env"),
        "env over the file's default"
    );
    let c = load_with(
        dir.path(),
        &[
            "output.elasticsearch.worker=3",
            "output.elasticsearch.username=from-flag",
        ],
        &env,
    )
    .unwrap();
    assert_eq!(c.output.worker, 3, "-E over file");
    assert_eq!(
        c.output.username.as_deref(),
        Some("from-flag"),
        "-E over env"
    );
    let c = load_with(
        dir.path(),
        &["output.elasticsearch.password=${FLAG_PWD}"],
        &[("FLAG_PWD", "z")],
    )
    .unwrap();
    assert_eq!(
        c.output.password.unwrap().expose(),
        "z",
        "-E values resolve ${{VAR}} too"
    );
}

#[test]
fn unknown_and_not_yet_supported_keys_are_named() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &format!("{BASE}  hostss: [x]\n"));
    let e = load_with(dir.path(), &[], &[("ES_PWD", "p")])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("unknown setting [output.elasticsearch.hostss]"),
        "{e}"
    );
    write_config(
        dir.path(),
        &format!("{BASE}setup.kibana.proxy_url: http://p\n"),
    );
    let e = load_with(dir.path(), &[], &[("ES_PWD", "p")])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("[setup.kibana.proxy_url]") && e.contains("not supported yet"),
        "{e}"
    );
    write_config(dir.path(), BASE);
    let e = load_with(
        dir.path(),
        &["queue.disk.read_ahead=512"],
        &[("ES_PWD", "p")],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("[queue.disk.read_ahead]") && e.contains("-E"),
        "{e}"
    );
    let e = load_with(dir.path(), &[], &[]).unwrap_err().to_string();
    assert!(e.contains("ES_PWD"), "{e}");
}

#[test]
fn values_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    let env = [("ES_PWD", "p")];
    for (flag, needle) in [
        (
            "output.elasticsearch.timeout=abc",
            "[output.elasticsearch.timeout]",
        ),
        (
            "output.elasticsearch.compression_level=12",
            "between 0 and 9",
        ),
        ("output.elasticsearch.api_key=nocolon", "id:api_key"),
        (
            "output.elasticsearch.api_key=id:key",
            "together with username",
        ),
        (
            "output.elasticsearch.ssl.verification_mode=sometimes",
            "unknown verification mode",
        ),
        (
            "output.elasticsearch.ssl.supported_protocols=[TLSv1.0]",
            "TLSv1.0",
        ),
        ("queue.mem.events=0", "positive"),
        (
            "output.elasticsearch.ssl.certificate=/x.crt",
            "must be set together",
        ),
    ] {
        let e = load_with(dir.path(), &[flag], &env)
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{flag}: {e}");
    }
    let e = load_with(
        dir.path(),
        &[
            "output.elasticsearch.ssl.verification_mode=none",
            "output.elasticsearch.ssl.ca_sha256=[abcd]",
        ],
        &env,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("ssl.ca_sha256") && e.contains("none"), "{e}");
    let c = load_with(
        dir.path(),
        &[
            "output.elasticsearch.ssl.verification_mode=certificate",
            "output.elasticsearch.timeout=1m30s",
            "output.elasticsearch.index=custom-%{[agent.version]}",
            "setup.template.name=custom",
            "setup.template.pattern=custom-*",
        ],
        &env,
    )
    .unwrap();
    assert_eq!(
        c.output.tls.unwrap().verification,
        ServerVerification::Certificate
    );
    assert_eq!(c.output.timeout, Duration::from_secs(90));
    assert_eq!(c.output.index, format!("custom-{VERSION}"));
    assert!(!c.setup.ilm_enabled, "a custom index disables ILM");
}

#[test]
fn inline_pem_and_files_for_certificate_authorities() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "{BASE}  ssl.certificate_authorities: [\"/etc/ca.crt\", \"-----BEGIN CERTIFICATE-----\\nnot base64\\n-----END CERTIFICATE-----\"]\n"
        ),
    );
    let e = load_with(dir.path(), &[], &[("ES_PWD", "p")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a valid PEM"), "{e}");
}

#[test]
fn strict_perms_refuses_a_world_writable_config() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    std::fs::set_permissions(
        dir.path().join("shipper.yml"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let e = load_with(dir.path(), &[], &[("ES_PWD", "p")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("can only be writable by the owner"), "{e}");
    let overrides = Overrides {
        strict_perms: false,
        ..Default::default()
    };
    let env = HashMap::from([("ES_PWD".to_string(), "p".to_string())]);
    assert!(load(&overrides, &env, dir.path()).is_ok());
}

#[test]
fn durations_like_go() {
    assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
    assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
    assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
    assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
    assert!(parse_duration("10x").is_err());
    assert!(parse_duration("").is_err());
    assert!(parse_duration("s").is_err());
    assert!(parse_duration("-1").is_err());
}

#[test]
fn relative_certificate_paths_are_relative_to_path_config() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "{BASE}  ssl:\n    certificate_authorities: [\"elasticsearch-ca.pem\", \"/abs/ca.pem\"]\n    certificate: certs/client.crt\n    key: certs/client.key\n"
        ),
    );
    let c = load_with(dir.path(), &[], &[("ES_PWD", "p")]).unwrap();
    let tls = c.output.tls.unwrap();
    assert_eq!(
        tls.certificate_authorities,
        vec![
            dir.path().join("elasticsearch-ca.pem"),
            PathBuf::from("/abs/ca.pem")
        ]
    );
    match tls.identity.unwrap() {
        ironstack_tls::Identity::Pem {
            certificate, key, ..
        } => {
            assert_eq!(certificate, dir.path().join("certs/client.crt"));
            assert_eq!(key, dir.path().join("certs/client.key"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn disk_queue_settings() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    let env = [("ES_PWD", "p")];
    let c = load_with(dir.path(), &["queue.disk.max_size=1GB"], &env).unwrap();
    let d = c.disk_queue.unwrap();
    assert_eq!((d.max_size, d.segment_size), (1_000_000_000, 100_000_000));
    assert_eq!(d.path, dir.path().join("data/diskqueue"));
    let e = load_with(dir.path(), &["queue.disk.path=q"], &env)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("queue.disk.max_size") && e.contains("required"),
        "{e}"
    );
    let e = load_with(
        dir.path(),
        &["queue.disk.max_size=1GB", "queue.mem.events=10"],
        &env,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not both"), "{e}");
    assert!(
        load_with(dir.path(), &[], &env)
            .unwrap()
            .disk_queue
            .is_none()
    );
}

#[test]
fn keystore_values_win_over_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    let data = keystore_data_dir(&Overrides::default(), dir.path());
    assert_eq!(data, dir.path().join("data"));
    let ks = ironstack_keystore::ToolKeystore::new(crate::keystore::path(&data), "shipper");
    ks.create(false).unwrap();
    ks.add("ES_PWD", "from-keystore", false).unwrap();
    let c = load_with(dir.path(), &[], &[("ES_PWD", "from-env")]).unwrap();
    assert_eq!(c.output.password.unwrap().expose(), "from-keystore");
    // Without the variable in the environment at all.
    let c = load_with(dir.path(), &[], &[]).unwrap();
    assert_eq!(c.output.password.unwrap().expose(), "from-keystore");
    // A path.data in the file moves the keystore.
    write_config(dir.path(), &format!("{BASE}path.data: elsewhere\n"));
    let moved = keystore_data_dir(&Overrides::default(), dir.path());
    assert_eq!(moved, dir.path().join("elsewhere"));
    let e = load_with(dir.path(), &[], &[]).unwrap_err().to_string();
    assert!(e.contains("ES_PWD"), "{e}");
}

#[test]
fn tags_and_fields() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!("{BASE}tags: [web, prod]\nfields:\n  env: staging\n"),
    );
    let c = load_with(dir.path(), &[], &[("ES_PWD", "p")]).unwrap();
    assert_eq!(
        c.extra_fields.unwrap(),
        serde_json::json!({"tags": ["web", "prod"], "fields": {"env": "staging"}})
    );
    let c = load_with(dir.path(), &["fields_under_root=true"], &[("ES_PWD", "p")]).unwrap();
    assert_eq!(c.extra_fields.unwrap()["env"], "staging");
    write_config(dir.path(), BASE);
    assert!(
        load_with(dir.path(), &[], &[("ES_PWD", "p")])
            .unwrap()
            .extra_fields
            .is_none()
    );
}

#[test]
fn a_custom_index_needs_the_template_name_and_pattern() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    let env = [("ES_PWD", "p")];
    let e = load_with(
        dir.path(),
        &["output.elasticsearch.index=web-%{[agent.version]}"],
        &env,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("setup.template.name and setup.template.pattern"),
        "{e}"
    );
    let c = load_with(
        dir.path(),
        &[
            "output.elasticsearch.index=web-%{[agent.version]}",
            "setup.template.name=web",
            "setup.template.pattern=web-*",
        ],
        &env,
    )
    .unwrap();
    assert_eq!(c.output.index, format!("web-{VERSION}"));
    assert_eq!(
        (
            c.setup.template_name.as_str(),
            c.setup.template_pattern.as_str()
        ),
        ("web", "web-*")
    );
    assert!(!c.setup.ilm_enabled);
    // Without a template, no names are needed.
    assert!(
        load_with(
            dir.path(),
            &[
                "output.elasticsearch.index=x",
                "setup.template.enabled=false"
            ],
            &env
        )
        .is_ok()
    );
    let c = load_with(dir.path(), &["setup.ilm.policy_name=my-policy"], &env).unwrap();
    assert_eq!(c.setup.ilm_policy_name, "my-policy");
    assert_eq!(c.setup.template_name, format!("metricbeat-{VERSION}"));
}

#[test]
fn monitoring_defaults_to_the_output_and_explicit_keys_override() {
    let dir = tempfile::tempdir().unwrap();
    let tls = "  ssl:\n    certificate_authorities: [ca.pem]\n    verification_mode: certificate\n";
    write_config(dir.path(), &format!("{BASE}{tls}"));
    let c = load_with(dir.path(), &[], &[("ES_PWD", "s3cret")]).unwrap();
    assert!(c.monitoring.is_none(), "off by default");

    let c = load_with(
        dir.path(),
        &["monitoring.enabled=true"],
        &[("ES_PWD", "s3cret")],
    )
    .unwrap();
    let m = c.monitoring.unwrap();
    assert_eq!(m.connection.hosts[0].to_string(), "https://localhost:9200");
    assert_eq!(m.connection.username.as_deref(), Some("metricbeat_writer"));
    assert_eq!(
        m.connection.password.as_ref().map(|p| p.expose()),
        Some("s3cret")
    );
    let t = m.connection.tls.as_ref().unwrap();
    assert_eq!(t.certificate_authorities, vec![dir.path().join("ca.pem")]);
    assert_eq!(
        m.connection.compression_level, 0,
        "Beats' monitoring default"
    );
    assert_eq!(m.connection.timeout, Duration::from_secs(60));
    assert_eq!(m.metrics_period, Duration::from_secs(10));
    assert_eq!(m.state_period, Duration::from_secs(60));
    assert_eq!(m.cluster_uuid, None);

    let c = load_with(
        dir.path(),
        &[
            "monitoring.enabled=true",
            "monitoring.cluster_uuid=UUID-1",
            "monitoring.elasticsearch.username=metricbeat_monitoring",
            "monitoring.elasticsearch.metrics.period=30s",
            "monitoring.elasticsearch.hosts=[\"https://mon:9200\"]",
        ],
        &[("ES_PWD", "s3cret")],
    )
    .unwrap();
    let m = c.monitoring.unwrap();
    assert_eq!(m.connection.hosts[0].to_string(), "https://mon:9200");
    assert_eq!(
        m.connection.username.as_deref(),
        Some("metricbeat_monitoring")
    );
    assert!(
        m.connection.password.is_none(),
        "the output's password is not sent for another user"
    );
    assert!(m.connection.tls.is_some(), "the output's TLS is inherited");
    assert_eq!(m.metrics_period, Duration::from_secs(30));
    assert_eq!(m.cluster_uuid.as_deref(), Some("UUID-1"));

    // Without credentials anywhere: Beats' default user.
    write_config(
        dir.path(),
        "output.elasticsearch.hosts: [\"http://localhost:9200\"]\nmonitoring.enabled: true\n",
    );
    let c = load_with(dir.path(), &[], &[]).unwrap();
    assert_eq!(
        c.monitoring.unwrap().connection.username.as_deref(),
        Some("beats_system")
    );
    let e = load_with(
        dir.path(),
        &["monitoring.elasticsearch.proxy_url=http://p"],
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("monitoring.elasticsearch.proxy_url") && e.contains("not supported yet"),
        "{e}"
    );
    let e = load_with(
        dir.path(),
        &["monitoring.elasticsearch.metrics.period=0s"],
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("metrics.period"), "{e}");
}

#[test]
fn setup_kibana_takes_beats_names_defaults_and_the_output_credentials() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    let c = load_with(dir.path(), &[], &[("ES_PWD", "s3cret")]).unwrap();
    let k = &c.setup.kibana;
    assert!(!k.configured);
    assert!(!c.setup.dashboards_enabled);
    assert_eq!(
        (k.host.https, k.host.host.as_str(), k.host.port),
        (false, "localhost", 5601)
    );
    // Without its own credentials, the console is called with the output's.
    assert_eq!(k.username.as_deref(), Some("metricbeat_writer"));
    assert_eq!(k.password.as_ref().map(|p| p.expose()), Some("s3cret"));
    assert!(k.tls.is_none());

    // The guide's section: its own user, https, a CA and a verification mode.
    std::fs::write(dir.path().join("ca.pem"), "").unwrap();
    write_config(
        dir.path(),
        &format!(
            "{BASE}setup.kibana:\n  host: \"https://node-1.example.com:5601\"\n  username: \"metricbeat_setup\"\n  password: ${{SETUP_PW}}\n  space.id: ops\n  ssl:\n    certificate_authorities: [\"ca.pem\"]\n    verification_mode: certificate\nsetup.dashboards.enabled: true\n"
        ),
    );
    let c = load_with(
        dir.path(),
        &[],
        &[("ES_PWD", "s3cret"), ("SETUP_PW", "setup-pw")],
    )
    .unwrap();
    let k = &c.setup.kibana;
    assert!(k.configured && c.setup.dashboards_enabled);
    assert_eq!(
        (k.host.https, k.host.host.as_str(), k.host.port),
        (true, "node-1.example.com", 5601)
    );
    assert_eq!(k.username.as_deref(), Some("metricbeat_setup"));
    assert_eq!(k.password.as_ref().map(|p| p.expose()), Some("setup-pw"));
    assert_eq!(k.space_id.as_deref(), Some("ops"));
    let tls = k.tls.as_ref().expect("ssl section");
    assert_eq!(
        tls.verification,
        ironstack_tls::ServerVerification::Certificate
    );
    assert_eq!(tls.certificate_authorities, vec![dir.path().join("ca.pem")]);
    // The output keeps its own TLS settings (none here).
    assert!(c.output.tls.is_none());

    // Bad values name their key.
    for (flag, key) in [
        ("setup.kibana.protocol=ftp", "setup.kibana.protocol"),
        ("setup.kibana.host=kb:99999", "setup.kibana.host"),
        (
            "setup.kibana.ssl.verification_mode=sometimes",
            "setup.kibana.ssl.verification_mode",
        ),
        ("setup.kibana.api_key=nocolon", "setup.kibana.api_key"),
    ] {
        let e = load_with(
            dir.path(),
            &[flag],
            &[("ES_PWD", "s3cret"), ("SETUP_PW", "x")],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains(key), "{flag}: {e}");
    }
}

#[test]
fn logging_files_take_beats_names_and_defaults() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    let c = load_with(dir.path(), &[], &[("ES_PWD", "p")]).unwrap();
    let f = &c.logging.files;
    assert_eq!(f.path, c.paths.logs);
    assert_eq!(f.name, "shipper");
    assert_eq!(
        (f.rotate_every_bytes, f.keep_files, f.permissions),
        (10 * 1024 * 1024, 7, 0o600)
    );
    assert_eq!((f.interval, f.rotate_on_startup), (Duration::ZERO, true));
    write_config(
        dir.path(),
        &format!(
            "{BASE}logging.files:\n  path: /var/log/shipper\n  name: mb\n  rotateeverybytes: 1048576\n  keepfiles: 3\n  permissions: 0640\n  interval: 24h\n  rotateonstartup: false\n"
        ),
    );
    let c = load_with(dir.path(), &[], &[("ES_PWD", "p")]).unwrap();
    let f = &c.logging.files;
    assert_eq!(
        (
            f.path.as_path(),
            f.name.as_str(),
            f.rotate_every_bytes,
            f.keep_files
        ),
        (Path::new("/var/log/shipper"), "mb", 1_048_576, 3)
    );
    assert_eq!(f.permissions, 0o640);
    assert_eq!(
        (f.interval, f.rotate_on_startup),
        (Duration::from_secs(86_400), false)
    );
    for (flag, key) in [
        ("logging.files.keepfiles=1", "logging.files.keepfiles"),
        (
            "logging.files.permissions=0999",
            "logging.files.permissions",
        ),
        (
            "logging.files.permissions=0400",
            "logging.files.permissions",
        ),
        ("logging.files.interval=10ms", "logging.files.interval"),
        (
            "logging.files.rotateeverybytes=0",
            "logging.files.rotateeverybytes",
        ),
    ] {
        let e = load_with(dir.path(), &[flag], &[("ES_PWD", "p")])
            .unwrap_err()
            .to_string();
        assert!(e.contains(key), "{flag}: {e}");
    }
    let e = load_with(
        dir.path(),
        &["logging.files.redirect_stderr=true"],
        &[("ES_PWD", "p")],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not supported yet"), "{e}");
}

#[test]
fn non_indexable_policy_and_cipher_suites_take_beats_names() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    let env = [("ES_PWD", "p")];
    let c = load_with(dir.path(), &[], &env).unwrap();
    assert_eq!(c.output.dead_letter_index, None);
    let c = load_with(
        dir.path(),
        &["output.elasticsearch.non_indexable_policy.dead_letter_index.index=Dead-Letters"],
        &env,
    )
    .unwrap();
    assert_eq!(c.output.dead_letter_index.as_deref(), Some("dead-letters"));
    write_config(
        dir.path(),
        &format!("{BASE}  non_indexable_policy:\n    drop: ~\n"),
    );
    assert_eq!(
        load_with(dir.path(), &[], &env)
            .unwrap()
            .output
            .dead_letter_index,
        None
    );
    let e = load_with(
        dir.path(),
        &["output.elasticsearch.non_indexable_policy.dead_letter_index.index="],
        &env,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("dead letter index name is required"), "{e}");

    write_config(
        dir.path(),
        &format!(
            "{BASE}  ssl:\n    cipher_suites: [ECDHE-RSA-AES-128-GCM-SHA256, ECDHE-RSA-CHACHA20-POLY1205]\n"
        ),
    );
    let c = load_with(dir.path(), &[], &env).unwrap();
    let suites = c.output.tls.unwrap().cipher_suites;
    use ironstack_tls::CipherSuite as C;
    // TLS 1.3's stay, as in Beats; the two named 1.2 suites are added.
    assert!(suites.contains(&C::Tls13Aes128GcmSha256));
    assert!(suites.contains(&C::EcdheRsaAes128GcmSha256));
    assert!(suites.contains(&C::EcdheRsaChacha20Poly1305Sha256));
    assert!(!suites.contains(&C::EcdheEcdsaAes256GcmSha384));
    write_config(
        dir.path(),
        &format!("{BASE}  ssl:\n    cipher_suites: [ECDHE-RSA-AES-128-CBC-SHA]\n"),
    );
    let e = load_with(dir.path(), &[], &env).unwrap_err().to_string();
    assert!(
        e.contains("output.elasticsearch.ssl.cipher_suites") && e.contains("no CBC"),
        "{e}"
    );
}

#[test]
fn output_indices_become_routing_rules_after_the_processors() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "{BASE}  indices:\n    - index: \"critical\"\n      when.equals:\n        level: critical\nprocessors:\n  - add_tags:\n      tags: [x]\n"
        ),
    );
    let c = load_with(dir.path(), &[], &[("ES_PWD", "p")]).unwrap();
    assert_eq!(c.processors.len(), 2);
    assert!(matches!(
        c.processors.last(),
        Some(crate::processors::Processor::RouteToIndex { index, when: Some(_) }) if index == "critical"
    ));
}

#[test]
fn logging_metrics_settings() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), BASE);
    let c = load_with(dir.path(), &[], &[("ES_PWD", "p")]).unwrap();
    assert_eq!(
        c.logging.metrics,
        crate::metrics_log::MetricsLogConfig {
            enabled: true,
            period: Duration::from_secs(30)
        }
    );
    write_config(
        dir.path(),
        &format!("{BASE}logging.metrics:\n  enabled: false\n  period: 1m\n"),
    );
    let c = load_with(dir.path(), &[], &[("ES_PWD", "p")]).unwrap();
    assert_eq!(
        (c.logging.metrics.enabled, c.logging.metrics.period),
        (false, Duration::from_secs(60))
    );
    for (flag, key) in [
        ("logging.metrics.period=0s", "logging.metrics.period"),
        ("logging.metrics.period=soon", "logging.metrics.period"),
        ("logging.metrics.enabled=maybe", "logging.metrics.enabled"),
    ] {
        let e = load_with(dir.path(), &[flag], &[("ES_PWD", "p")])
            .unwrap_err()
            .to_string();
        assert!(e.contains(key), "{flag}: {e}");
    }
    let e = load_with(
        dir.path(),
        &["logging.metrics.namespaces=[stats]"],
        &[("ES_PWD", "p")],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("logging.metrics.namespaces"), "{e}");
}
