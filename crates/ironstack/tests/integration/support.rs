//! Shared helpers: locating the binary and the external tools the interop tests use, and the
//! one harness that runs `ironstack node` on a free loopback port ([`TestNode`]).
//!
//! External tools (openssl, keytool, curl, Python with `cryptography`/`elasticsearch`) are
//! installed by `scripts/test.sh`, which also sets `IRONSTACK_REQUIRE_INTEROP=1`: then a missing
//! tool fails the test. Run by hand without that variable, a missing tool skips the check.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Path of the `ironstack` binary cargo built for these tests.
pub(crate) fn ironstack_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ironstack"))
}

/// A `Command` for the binary, with a clean environment for the variables the tools read.
pub(crate) fn ironstack() -> Command {
    let mut cmd = Command::new(ironstack_bin());
    cmd.env_remove("IRONSTACK_PATH_CONF")
        .env_remove("IRONSTACK_KEYSTORE_PASSWORD_FILE");
    cmd
}

/// Runs `cmd` with `stdin` piped in as its standard input and returns its output. The
/// command may exit before reading all of it (an early error): that is not a failure here.
pub(crate) fn run_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ironstack");
    let mut input = child.stdin.take().expect("stdin");
    // A broken pipe only means the command did not want the rest of its input.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().expect("wait for ironstack")
}

/// The Python interpreter with the test packages (`IRONSTACK_PYTHON`, default `python3`).
pub(crate) fn python() -> String {
    std::env::var("IRONSTACK_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Whether a missing tool must fail the test instead of skipping it.
pub(crate) fn interop_required() -> bool {
    std::env::var("IRONSTACK_REQUIRE_INTEROP").is_ok_and(|v| v == "1")
}

/// Returns true when `program` can be run (`program <version_arg>` exits). When it cannot:
/// panics if interop is required, otherwise prints a skip note and returns false.
pub(crate) fn have_tool(program: &str, version_arg: &str) -> bool {
    let ok = Command::new(program)
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

/// Whether the test Python can import `module`; same required/skip rule as [`have_tool`].
pub(crate) fn have_python_module(module: &str) -> bool {
    let ok = Command::new(python())
        .args(["-c", &format!("import {module}")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            !interop_required(),
            "python module {module} is required (IRONSTACK_REQUIRE_INTEROP=1) but missing"
        );
        eprintln!("skipping: python module {module} not available");
    }
    ok
}

/// A port that was free a moment ago; the node gets a small range from it, so losing a race
/// with another test only moves it to the next port.
pub(crate) fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A running `ironstack node` with its captured standard output and error; killed on drop.
pub(crate) struct TestNode {
    child: Option<Child>,
    /// The node's home (working) folder.
    pub(crate) home: PathBuf,
    /// The HTTP port the node reported it listens on.
    pub(crate) port: u16,
    stdout: Arc<Mutex<String>>,
}

impl TestNode {
    /// Starts `ironstack node` in `home` and waits until it listens.
    pub(crate) fn start(home: &Path, extra: &[&str]) -> TestNode {
        Self::start_with(home, extra, |_| {}, None)
    }

    /// Like [`TestNode::start`], with extra command set-up and standard input.
    pub(crate) fn start_with(
        home: &Path,
        extra: &[&str],
        configure: impl FnOnce(&mut Command),
        stdin: Option<&str>,
    ) -> TestNode {
        let port = free_port();
        let mut cmd = ironstack();
        cmd.current_dir(home)
            .arg("node")
            .arg("-E")
            .arg(format!("http.port={port}-{}", port + 20))
            .args(extra.iter().flat_map(|e| ["-E", e]))
            .env("IRONSTACK_LOG", "info")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        configure(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        if let Some(text) = stdin {
            let mut input = child.stdin.take().unwrap();
            input.write_all(text.as_bytes()).unwrap();
        }
        let stdout = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sink = stdout.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut s = sink.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                }
            });
        }
        let mut node = TestNode {
            child: Some(child),
            home: home.to_path_buf(),
            port: 0,
            stdout,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = node.output();
            if let Some(rest) = out
                .split("listening on https://")
                .nth(1)
                .or_else(|| out.split("listening on http://").nth(1))
            {
                let addr = rest.split_whitespace().next().unwrap();
                node.port = addr.rsplit(':').next().unwrap().parse().unwrap();
                // The banner follows the log line; give it a moment.
                std::thread::sleep(Duration::from_millis(100));
                return node;
            }
            if let Some(status) = node.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("node exited early with {status}:\n{out}");
            }
            assert!(Instant::now() < deadline, "node did not start:\n{out}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything the node printed so far.
    pub(crate) fn output(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Waits up to `timeout` for `needle` in the output; whether it appeared.
    pub(crate) fn wait_for_output(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.output().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The node's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The auto-configured HTTP CA certificate.
    pub(crate) fn ca(&self) -> PathBuf {
        self.home.join("config/certs/http_ca.crt")
    }

    /// SIGTERM, then the exit status.
    pub(crate) fn stop(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("node did not stop on SIGTERM:\n{}", self.output());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The elastic password from the first-start banner.
pub(crate) fn banner_password(out: &str) -> Option<String> {
    let mut lines = out.lines();
    lines.find(|l| l.contains("Password for the elastic user"))?;
    lines.next().map(|l| l.trim().to_string())
}

/// Starts a first-start (auto-configured) node in `home`; returns it with its elastic password.
pub(crate) fn start_secured(home: &Path) -> (TestNode, String) {
    let node = TestNode::start(home, &[]);
    // The banner is printed after the "listening" line: wait for its password line.
    let deadline = Instant::now() + Duration::from_secs(10);
    while banner_password(&node.output()).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = node.output();
    let password = banner_password(&out).unwrap_or_else(|| panic!("no password in:\n{out}"));
    (node, password)
}

/// A node that went through first-start auto-configuration in a new temporary home, with its
/// elastic password.
pub(crate) fn secured_node() -> (tempfile::TempDir, TestNode, String) {
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    (home, node, password)
}

/// Runs a Python client scenario (`python -c SCRIPT CA PORT PASSWORD`) against a secured node
/// and asserts that it exits 0 printing exactly `ok` (the script's asserts explain failures).
/// Runs `script` with the official Python client against a fresh auto-configured node
/// (skipped when the client is missing and interop is not required); returns the node and its
/// home for checks after the script.
pub(crate) fn python_scenario_on_a_new_node(script: &str) -> Option<(TestNode, tempfile::TempDir)> {
    if !have_python_module("elasticsearch") {
        return None;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    let ca = home.path().join("config/certs/http_ca.crt");
    run_python_scenario(script, &ca, node.port, &password);
    Some((node, home))
}

pub(crate) fn run_python_scenario(script: &str, ca: &Path, port: u16, password: &str) {
    let o = Command::new(python())
        .args(["-c", script])
        .arg(ca)
        .arg(port.to_string())
        .arg(password)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.trim() == "ok",
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `curl` as `user:password` against the node on `port`, trusting `ca`; (status, JSON body,
/// `Null` when the body is not JSON).
pub(crate) fn curl_json(
    port: u16,
    ca: &Path,
    method: &str,
    path: &str,
    auth: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut cmd = Command::new("curl");
    cmd.args([
        "-s",
        "--max-time",
        "20",
        "-w",
        "\n%{http_code}",
        "-X",
        method,
    ])
    .arg("--cacert")
    .arg(ca)
    .args(["-u", auth])
    .arg(format!("https://localhost:{port}{path}"));
    if let Some(b) = body {
        cmd.args(["-H", "Content-Type: application/json", "-d", &b.to_string()]);
    }
    let out = cmd.output().expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    let status = status
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("curl: {text}"));
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

/// Spawns `cmd` with its standard error collected line by line (standard output dropped);
/// the child and the collected text.
pub(crate) fn spawn_collecting_stderr(
    cmd: &mut Command,
) -> (std::process::Child, Arc<Mutex<String>>) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let sink = log.clone();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    (child, log)
}
