//! Command tests without a server: flags, `test config`, `modules`, `export`, `--strict.perms`
//! on module files, and `test output` against a closed port (the binary against a real node is
//! exercised by `crates/ironstack/tests/integration/shipper.rs`).

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

use super::*;

fn parse(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("ironstack shipper").chain(args.iter().copied())).unwrap()
}

#[test]
fn global_flags_anywhere_and_run_by_default() {
    let cli = parse(&[
        "-e",
        "-E",
        "a=1",
        "-E",
        "b=2",
        "--path.config",
        "/etc/x",
        "--strict.perms=false",
    ]);
    assert!(cli.command.is_none());
    assert!(cli.stderr);
    assert_eq!(cli.settings, vec!["a=1", "b=2"]);
    assert_eq!(
        cli.path_config.as_deref(),
        Some(std::path::Path::new("/etc/x"))
    );
    assert!(!cli.strict_perms);
    let cli = parse(&["test", "output", "-c", "other.yml", "-d", "*"]);
    assert!(matches!(
        cli.command,
        Some(Command::Test {
            what: TestCommand::Output
        })
    ));
    assert_eq!(
        cli.config.as_deref(),
        Some(std::path::Path::new("other.yml"))
    );
    assert!(parse(&[]).strict_perms);
    assert!(parse(&["--strict.perms"]).strict_perms);
    assert!(Cli::try_parse_from(["ironstack shipper", "modules", "enable"]).is_err());
}

#[test]
fn test_config_modules_and_export_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let env = HashMap::from([("ES_PWD".to_string(), "p".to_string())]);
    // No config yet: export config prints a starting file; other commands name the file.
    assert_eq!(
        execute(&parse(&["export", "config"]), &env, dir.path()).unwrap(),
        0
    );
    let e = execute(&parse(&["test", "config"]), &env, dir.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("shipper.yml"), "{e}");
    let f = dir.path().join("shipper.yml");
    std::fs::write(&f, "output.elasticsearch.hosts: [\"http://127.0.0.1:1\"]\noutput.elasticsearch.password: ${ES_PWD}\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        execute(&parse(&["test", "config"]), &env, dir.path()).unwrap(),
        0
    );
    assert!(
        dir.path().join("modules.d/system.yml").is_file(),
        "samples written"
    );
    assert_eq!(
        execute(&parse(&["modules", "disable", "system"]), &env, dir.path()).unwrap(),
        0
    );
    assert!(dir.path().join("modules.d/system.yml.disabled").is_file());
    let e = execute(&parse(&["modules", "enable", "nginx"]), &env, dir.path())
        .unwrap_err()
        .to_string();
    assert_eq!(e, "Module nginx doesn't exist");
    assert_eq!(
        execute(
            &parse(&["modules", "enable", "elasticsearch-xpack"]),
            &env,
            dir.path()
        )
        .unwrap(),
        0
    );
    // The guide's module file is accepted as shipped (Metricbeat's sample).
    assert_eq!(
        execute(&parse(&["test", "config"]), &env, dir.path()).unwrap(),
        0
    );
    assert_eq!(
        execute(&parse(&["export", "ilm-policy"]), &env, dir.path()).unwrap(),
        0
    );
    assert_eq!(
        execute(&parse(&["export", "template"]), &env, dir.path()).unwrap(),
        0
    );
    // `setup --dashboards` talks to the console first: none listens on port 1.
    let e = execute(
        &parse(&[
            "setup",
            "--dashboards",
            "-E",
            "setup.kibana.host=127.0.0.1:1",
        ]),
        &env,
        dir.path(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("error connecting to the console at http://127.0.0.1:1"),
        "{e}"
    );
    // A module file others may write is refused under --strict.perms.
    let m = dir.path().join("modules.d/elasticsearch-xpack.yml");
    std::fs::remove_file(&m).unwrap();
    let s = dir.path().join("modules.d/system.yml.disabled");
    std::fs::rename(&s, dir.path().join("modules.d/system.yml")).unwrap();
    std::fs::set_permissions(
        dir.path().join("modules.d/system.yml"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let e = execute(&parse(&["test", "config"]), &env, dir.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("can only be writable by the owner"), "{e}");
    assert_eq!(
        execute(
            &parse(&["test", "config", "--strict.perms=false"]),
            &env,
            dir.path()
        )
        .unwrap(),
        0
    );
}

#[test]
fn test_output_reports_a_refused_connection() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let f = dir.path().join("shipper.yml");
    std::fs::write(
        &f,
        format!("output.elasticsearch.hosts: [\"http://127.0.0.1:{port}\"]\n"),
    )
    .unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        execute(&parse(&["test", "output"]), &HashMap::new(), dir.path()).unwrap(),
        1
    );
}
