//! The `ironstack` binary: dispatches to each tool's library. No logic lives here.

use std::ffi::OsString;
use std::process::ExitCode;

// The node allocates and frees per-request buffers at a high rate; glibc's malloc spent about a
// third of the node's CPU in malloc/free under keep-alive load (perf, bench/https.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
ironstack: a secure-by-default, Elasticsearch-compatible search and monitoring stack

Usage: ironstack <COMMAND> [ARGS]...

Commands:
  node       Run a node (HTTPS REST API, security, embedded store)
  certutil   Generate CAs, certificates and CSRs (elasticsearch-certutil)
  keystore   Manage the encrypted secure settings (elasticsearch-keystore)
  users      Manage file-realm users (elasticsearch-users)
  reset-password  Reset a user's password on the running node (elasticsearch-reset-password)
  help       Print this message

Run `ironstack <COMMAND> --help` for a command's options.";

fn main() -> ExitCode {
    // One crypto provider for the whole process, chosen before any TLS or key work happens.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    let mut args = std::env::args_os().skip(1);
    let Some(command) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(64);
    };
    let rest: Vec<OsString> = args.collect();
    let code = match command.to_str() {
        Some("node") => ironstack_node::cli_main(rest),
        Some("certutil") => ironstack_certutil::cli_main(rest),
        Some("keystore") => ironstack_keystore_cli::cli_main(rest),
        Some("users") => ironstack_security_cli::users_main(rest),
        Some("reset-password") => ironstack_security_cli::reset_password_main(rest),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            0
        }
        Some("--version" | "-V") => {
            println!("ironstack {}", env!("CARGO_PKG_VERSION"));
            0
        }
        _ => {
            eprintln!(
                "ERROR: unknown command [{}]; run `ironstack help`",
                command.to_string_lossy()
            );
            64
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
