//! `ironstack node`: an Elasticsearch-compatible node serving its REST API over HTTPS, secure
//! on first start. This crate wires configuration, keystore, TLS and security into a server;
//! the REST layer (`rest`) is testable without sockets.

#![warn(missing_docs)]

mod audit_trail;
mod autoconfig;
mod cluster_settings;
mod ilm_runner;
mod logging;
mod meta;
mod monitoring_templates;
mod rest;
pub mod security_index;
mod server;
mod start;
mod state;
mod stats;
mod store;

use std::ffi::OsString;

use clap::Parser;
use ironstack_terminal::{check_overrides, exit_code, parse_command, report};

pub use server::ClientCertificateChain;

/// What `--help` adds after the options: where a new user's node looks for things.
const AFTER_HELP: &str = "\
Configuration:
  The config folder is $IRONSTACK_PATH_CONF, default ./config (relative to the working
  folder). It holds ironstack.yml, ironstack.keystore, users, users_roles and certs/.
  -E key=value overrides ironstack.yml. Data goes to path.data (default ./data), logs to
  path.logs (default ./logs).

HTTP:
  http.port defaults to 9200-9300: the node listens on the first free port of that range,
  9200 unless it is taken. http.host (else network.host) defaults to _local_, the loopback
  addresses.

First start:
  When nothing about security is configured and path.data is empty, the node configures
  security itself, as Elasticsearch 8 does: an HTTP CA and certificate in config/certs/,
  their password in the keystore, a block in ironstack.yml, and a generated password for
  the elastic user, printed once. Later starts reuse them. A node whose path.data is not
  empty is never auto-configured, and without its config folder it refuses to start.

Environment:
  IRONSTACK_PATH_CONF               the config folder (default ./config)
  IRONSTACK_KEYSTORE_PASSWORD_FILE  file whose first line is the keystore password
  IRONSTACK_LOG                     log filter (default info)
  TOKIO_WORKER_THREADS              I/O threads (default: cores - 1)";

/// `ironstack node`: start an Elasticsearch-compatible node.
#[derive(Debug, Parser)]
#[command(
    name = "ironstack node",
    version,
    about = "Starts an Elasticsearch-compatible node: HTTPS REST API with security, configured on first start",
    after_help = AFTER_HELP
)]
struct Args {
    /// Set a setting, overriding ironstack.yml (repeatable): -E http.port=9201
    #[arg(short = 'E', value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Do not log to the console (the JSON log file is still written).
    #[arg(short, long)]
    quiet: bool,
    /// Read the keystore password from standard input (one line).
    #[arg(long)]
    stdin: bool,
}

/// Runs the subcommand with its arguments (program and subcommand name excluded) and returns
/// the process exit code.
pub fn cli_main(args: Vec<OsString>) -> i32 {
    let args: Args = match parse_command("node", args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if let Err(code) = check_overrides(&args.settings) {
        return code;
    }
    let options = start::StartOptions {
        overrides: args.settings,
        quiet: args.quiet,
        keystore_password_from_stdin: args.stdin,
    };
    match start::run(options, start::env_snapshot()) {
        Ok(()) => exit_code::OK,
        Err(e) => report(&e),
    }
}
