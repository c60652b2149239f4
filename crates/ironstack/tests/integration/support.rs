//! Shared helpers: locating the binary and the external tools the interop tests use.
//!
//! External tools (openssl, keytool, curl, Python with `cryptography`/`elasticsearch`) are
//! installed by `scripts/test.sh`, which also sets `IRONSTACK_REQUIRE_INTEROP=1`: then a missing
//! tool fails the test. Run by hand without that variable, a missing tool skips the check.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

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
