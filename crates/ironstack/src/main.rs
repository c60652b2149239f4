//! The `ironstack` binary: dispatches to each tool's library. No logic lives here.

use std::ffi::OsString;
use std::process::ExitCode;

use ironstack_terminal::{print_err, print_out};

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
  create-enrollment-token  Create a console enrolment token (elasticsearch-create-enrollment-token)
  service-tokens  Manage file service tokens (elasticsearch-service-tokens)
  shipper    Ship system metrics to Elasticsearch (metricbeat)
  console    Run the web console (Kibana-compatible login, users and roles over HTTPS)
  help       Print this message

Run `ironstack <COMMAND> --help` for a command's options.";

fn main() -> ExitCode {
    // One crypto provider for the whole process, chosen before any TLS or key work happens.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    let mut args = std::env::args_os().skip(1);
    let Some(command) = args.next() else {
        print_err(&format!("{USAGE}\n"));
        return ExitCode::from(64);
    };
    let rest: Vec<OsString> = args.collect();
    let code = match command.to_str() {
        // `ironstack node create-enrollment-token` is the same tool as the top-level one.
        Some("node") if rest.first().is_some_and(|a| a == "create-enrollment-token") => {
            ironstack_security_cli::create_enrollment_token_main(rest[1..].to_vec())
        }
        Some("node") => ironstack_node::cli_main(rest),
        Some("service-tokens") => ironstack_security_cli::service_tokens_main(rest),
        Some("create-enrollment-token") => {
            ironstack_security_cli::create_enrollment_token_main(rest)
        }
        Some("certutil") => ironstack_certutil::cli_main(rest),
        Some("keystore") => ironstack_keystore_cli::cli_main(rest),
        Some("users") => ironstack_security_cli::users_main(rest),
        Some("reset-password") => ironstack_security_cli::reset_password_main(rest),
        Some("shipper") => ironstack_shipper::cli_main(rest),
        Some("console") => ironstack_console::cli_main(rest),
        Some("help" | "-h" | "--help") => {
            print_out(&format!("{USAGE}\n"));
            0
        }
        Some("--version" | "-V") => {
            print_out(&format!("ironstack {}\n", env!("CARGO_PKG_VERSION")));
            0
        }
        _ => {
            print_err(&format!(
                "ERROR: unknown command [{}]; run `ironstack help`\n",
                command.to_string_lossy()
            ));
            64
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
