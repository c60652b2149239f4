//! `ironstack node` start-up as a new user meets it: what `--help` explains, a node started
//! without its config folder, TLS stores whose password is not in the keystore, and the
//! warning about an `elastic` user without a password.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::support::{TestNode, free_port, have_tool, ironstack, run_with_stdin, start_secured};

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `ironstack node` in `home` on a free port, expecting it to stop before serving.
fn node_that_must_not_start(home: &Path, configure: impl FnOnce(&mut Command)) -> Output {
    let mut cmd = ironstack();
    cmd.current_dir(home)
        .args(["node", "-q", "-E"])
        .arg(format!("http.port={}", free_port()))
        .stdin(Stdio::null());
    configure(&mut cmd);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "the node started: {}",
                text(&child.wait_with_output().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// The one `ERROR:` line of a refused start (exit 78).
fn refusal(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(78), "{}", text(o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("ERROR: "))
        .unwrap_or_else(|| panic!("{}", text(o)));
    line.to_string()
}

#[test]
fn help_names_the_config_folder_the_port_and_first_start() {
    let o = ironstack().args(["node", "--help"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "IRONSTACK_PATH_CONF",
        "default ./config",
        "9200-9300",
        "first free port",
        "First start:",
        "password for\n  the elastic user",
        "IRONSTACK_KEYSTORE_PASSWORD_FILE",
    ] {
        assert!(help.contains(needle), "{needle:?} missing from:\n{help}");
    }
}

#[test]
fn a_started_node_without_its_config_folder_refuses_to_start() {
    let home = tempfile::tempdir().unwrap();
    let (node, _) = start_secured(home.path());
    assert_eq!(node.stop().code(), Some(0));

    // Pointed at a config folder that does not exist: the data is there, its TLS is not.
    let missing = home.path().join("elsewhere");
    let o = node_that_must_not_start(home.path(), |cmd| {
        cmd.env("IRONSTACK_PATH_CONF", &missing);
    });
    let line = refusal(&o);
    assert!(
        line.contains(&format!(
            "the config folder [{}] does not exist",
            missing.display()
        )),
        "{line}"
    );
    assert!(line.contains("IRONSTACK_PATH_CONF"), "{line}");
    assert!(
        line.contains(&home.path().join("data").display().to_string()),
        "{line}"
    );
    // Nothing was auto-configured in its place.
    assert!(!missing.exists());

    // Started from another folder with the same data: the default ./config is missing too.
    let other = tempfile::tempdir().unwrap();
    let o = node_that_must_not_start(other.path(), |cmd| {
        cmd.arg("-E")
            .arg(format!("path.data={}", home.path().join("data").display()));
    });
    let line = refusal(&o);
    assert!(
        line.contains(&format!(
            "the config folder [{}] does not exist",
            other.path().join("config").display()
        )),
        "{line}"
    );

    // With its config folder it starts as before.
    let node = TestNode::start(home.path(), &[]);
    assert!(node.output().contains("listening on https://"));
}

/// `ironstack certutil cert --self-signed` into `dir`, with `--pass`.
fn certutil(dir: &Path, args: &[&str]) {
    let o = ironstack()
        .current_dir(dir)
        .args([
            "certutil",
            "cert",
            "--self-signed",
            "-s",
            "--name",
            "localhost",
        ])
        .args(["--dns", "localhost", "--ip", "127.0.0.1"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

fn keystore(conf: &Path, args: &[&str], stdin: &str) {
    let mut cmd = ironstack();
    cmd.env("IRONSTACK_PATH_CONF", conf)
        .arg("keystore")
        .args(args);
    let o = run_with_stdin(cmd, stdin);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_tls_store_without_its_password_in_the_keystore_names_the_setting() {
    let home = tempfile::tempdir().unwrap();
    let conf = home.path().join("config");
    let certs = conf.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    certutil(&certs, &["--pass", "p12-secret", "--out", "node.p12"]);
    std::fs::write(
        conf.join("ironstack.yml"),
        "xpack.security.http.ssl:\n  enabled: true\n  keystore.path: certs/node.p12\n",
    )
    .unwrap();
    let p12 = certs.join("node.p12");
    let setting = "xpack.security.http.ssl.keystore.secure_password";

    // No keystore at all.
    let line = refusal(&node_that_must_not_start(home.path(), |_| {}));
    assert_eq!(
        line,
        format!(
            "ERROR: cannot load [xpack.security.http.ssl.keystore.path] (configured in [{}]): [{}] needs a password, and there is no keystore [{}] to hold [{setting}]; add the password with `ironstack keystore add {setting}`",
            conf.join("ironstack.yml").display(),
            p12.display(),
            conf.join("ironstack.keystore").display()
        )
    );

    // A keystore without the setting.
    keystore(&conf, &["create"], "");
    let line = refusal(&node_that_must_not_start(home.path(), |_| {}));
    assert!(
        line.ends_with(&format!(
            "[{}] needs a password, but [{setting}] is not in the keystore [{}]; add it with `ironstack keystore add {setting}`",
            p12.display(),
            conf.join("ironstack.keystore").display()
        )),
        "{line}"
    );
    assert!(!line.contains("corrupted"), "{line}");

    // A wrong password in the keystore: that is what the message says, naming the setting.
    keystore(&conf, &["add", "-x", setting], "not-the-password\n");
    let line = refusal(&node_that_must_not_start(home.path(), |_| {}));
    assert!(
        line.ends_with(&format!(
            "cannot open [{}] with the password in [{setting}]: the password is incorrect or the file is corrupted",
            p12.display()
        )),
        "{line}"
    );

    // The right one: the node serves HTTPS.
    keystore(&conf, &["add", "-f", "-x", setting], "p12-secret\n");
    let node = TestNode::start(home.path(), &[]);
    assert!(node.output().contains("listening on https://"));
}

#[test]
fn an_encrypted_pem_key_without_its_passphrase_names_the_setting() {
    let home = tempfile::tempdir().unwrap();
    let conf = home.path().join("config");
    std::fs::create_dir_all(&conf).unwrap();
    certutil(
        &conf,
        &["--pem", "--pass", "key-secret", "--out", "pem.zip"],
    );
    if !have_tool("unzip", "-v") {
        return;
    }
    let o = Command::new("unzip")
        .current_dir(&conf)
        .args(["-q", "pem.zip"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(
        conf.join("ironstack.yml"),
        "xpack.security.http.ssl:\n  enabled: true\n  certificate: localhost/localhost.crt\n  key: localhost/localhost.key\n",
    )
    .unwrap();
    keystore(&conf, &["create"], "");
    let setting = "xpack.security.http.ssl.secure_key_passphrase";
    let line = refusal(&node_that_must_not_start(home.path(), |_| {}));
    assert!(
        line.starts_with("ERROR: cannot load [xpack.security.http.ssl.key]"),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            "[{}] is encrypted, but [{setting}] is not in the keystore [{}]; add it with `ironstack keystore add {setting}`",
            conf.join("localhost/localhost.key").display(),
            conf.join("ironstack.keystore").display()
        )),
        "{line}"
    );
}

#[test]
fn an_elastic_user_without_a_password_gets_told_how_to_set_one() {
    let home = tempfile::tempdir().unwrap();
    // Security on, TLS explicitly off: no auto-configuration, so no elastic password.
    let node = TestNode::start(home.path(), &["xpack.security.http.ssl.enabled=false"]);
    assert!(
        node.wait_for_output("bootstrap.password", Duration::from_secs(5)),
        "{}",
        node.output()
    );
    let out = node.output();
    let warning = out
        .lines()
        .find(|l| l.contains("the elastic user has no password yet"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        warning.contains("ironstack reset-password -u elastic"),
        "{warning}"
    );
    assert!(
        warning.contains("ironstack keystore add bootstrap.password"),
        "{warning}"
    );
}
