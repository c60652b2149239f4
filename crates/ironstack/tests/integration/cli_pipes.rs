//! Closed output streams: `ironstack users --help | head -1` and friends. Every tool must
//! finish with its normal exit code when nobody reads its standard output or error, never
//! panic ("failed printing to stdout: Broken pipe", exit 101) or die of a signal.
//!
//! The pipes here are closed before the tool starts, so every write fails with EPIPE; that
//! makes the race of `| head -1` (which only sometimes closes the pipe before the write)
//! deterministic.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{free_port, ironstack};

/// Which of the tool's output streams is a pipe without a reader.
#[derive(Debug, Clone, Copy)]
enum Closed {
    Stdout,
    Stderr,
    Both,
}

/// The write end of a pipe whose read end is already closed.
fn pipe_without_reader() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Stdio::from(writer)
}

fn run_closed(mut cmd: Command, closed: Closed) -> Output {
    cmd.stdin(Stdio::null());
    match closed {
        Closed::Stdout => {
            cmd.stdout(pipe_without_reader());
        }
        Closed::Stderr => {
            cmd.stderr(pipe_without_reader());
        }
        Closed::Both => {
            cmd.stdout(pipe_without_reader())
                .stderr(pipe_without_reader());
        }
    }
    cmd.output().expect("run ironstack")
}

/// Runs `args` with each stream closed in turn, a few times each, and checks the exit code.
fn assert_quiet_exit(conf: &Path, args: &[&str], expected: i32) {
    for closed in [Closed::Stdout, Closed::Stderr, Closed::Both] {
        for _ in 0..3 {
            let mut cmd = ironstack();
            cmd.current_dir(conf)
                .env("IRONSTACK_PATH_CONF", conf)
                .args(args);
            let o = run_closed(cmd, closed);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert!(
                !stderr.contains("panicked"),
                "{args:?} with {closed:?} closed panicked:\n{stderr}"
            );
            assert_eq!(
                o.status.code(),
                Some(expected),
                "{args:?} with {closed:?} closed: {:?}\n{stderr}",
                o.status
            );
        }
    }
}

#[test]
fn help_and_version_survive_closed_output() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path();
    for args in [
        &["--version"][..],
        &["help"],
        &["certutil", "--help"],
        &["certutil", "ca", "--help"],
        &["certutil", "http", "--help"],
        &["keystore", "--help"],
        &["keystore", "add", "--help"],
        &["users", "--help"],
        &["users", "useradd", "--help"],
        &["reset-password", "--help"],
        &["node", "--help"],
        &["node", "--version"],
    ] {
        assert_quiet_exit(conf, args, 0);
    }
    // Usage errors go to standard error; a closed one does not turn them into panics.
    assert_quiet_exit(conf, &[], 64);
    assert_quiet_exit(conf, &["no-such-tool"], 64);
    assert_quiet_exit(conf, &["users", "--no-such-option"], 64);
    assert_quiet_exit(conf, &["keystore", "--no-such-option"], 64);
    assert_quiet_exit(conf, &["node", "--no-such-option"], 64);
}

#[test]
fn normal_commands_survive_closed_output() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path();
    let setup = |args: &[&str]| {
        let o = ironstack()
            .current_dir(conf)
            .env("IRONSTACK_PATH_CONF", conf)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {o:?}");
    };
    setup(&["keystore", "create"]);
    setup(&["keystore", "add-file", "a.file", "ironstack.keystore"]);
    setup(&[
        "users",
        "useradd",
        "bob",
        "-p",
        "s3cret-pw",
        "-r",
        "superuser",
    ]);

    assert_quiet_exit(conf, &["keystore", "list"], 0);
    assert_quiet_exit(conf, &["users", "list"], 0);
    // A fresh output file each time: the command writes its zip and reports where.
    for closed in [Closed::Stdout, Closed::Stderr, Closed::Both] {
        let out = conf.join(format!("ca-{closed:?}.zip"));
        let mut cmd = ironstack();
        cmd.current_dir(conf)
            .args(["certutil", "ca", "--pem", "--out", out.to_str().unwrap()]);
        let o = run_closed(cmd, closed);
        assert_eq!(o.status.code(), Some(0), "{closed:?}: {o:?}");
        assert!(out.exists(), "{closed:?}");
    }
    // reset-password against a port where nothing listens: an error on standard error.
    let url = format!("http://127.0.0.1:{}", free_port());
    assert_quiet_exit(
        conf,
        &["reset-password", "-u", "elastic", "-b", "--url", &url],
        69,
    );
}

#[test]
fn a_node_whose_console_is_gone_keeps_serving_and_stops_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = ironstack()
        .current_dir(home.path())
        .args(["node", "-E", &format!("http.port={port}")])
        .stdin(Stdio::null())
        .stdout(pipe_without_reader())
        .stderr(pipe_without_reader())
        .spawn()
        .unwrap();
    // First start: auto-configuration, log lines and the banner all hit the closed console.
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("node exited with {status} while its console was closed");
        }
        assert!(Instant::now() < deadline, "node did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The banner follows the bind; let it and a few more log lines be written.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "node died after binding"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("node did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    let log = std::fs::read_to_string(home.path().join("logs/ironstack_server.json")).unwrap();
    assert!(log.contains("stopped"), "{log}");
}
