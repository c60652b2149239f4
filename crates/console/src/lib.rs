//! `ironstack console`: the Kibana-compatible web console. It serves HTTPS with Kibana's URLs,
//! settings (`console.yml`) and platform rules, talks to the node over HTTPS trusting its CA,
//! logs users in with server-side sessions and acts for them on the node, and manages users
//! and roles in Stack Management → Security.

mod authz;
mod certificates;
mod config;
pub mod enrollment;
mod error;
mod html;
mod kibana;
mod kibana_role;
mod management;
mod monitoring;
mod node_client;
mod pages;
mod routes;
mod server;
mod session;
mod spaces;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;
use ironstack_terminal::{CliError, check_overrides, exit_code, parse_command, report};

pub use config::{ConsoleConfig, InternalCredentials, NodeHost, ProviderType};
pub use error::{Error, Result};
pub use server::{Running, start};

#[derive(Parser, Debug)]
#[command(
    name = "ironstack console",
    about = "Run the web console (Kibana-compatible): login, users and roles over HTTPS"
)]
struct Args {
    /// The configuration file (Kibana's `-c`; default config/console.yml).
    #[arg(
        short = 'c',
        long = "config",
        visible_alias = "path.config",
        value_name = "FILE"
    )]
    config: Option<PathBuf>,
    /// Override a setting: -E key=value (repeatable).
    #[arg(short = 'E', value_name = "KEY=VALUE")]
    settings: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(
    name = "ironstack console setup",
    about = "Configure the console from an enrolment token (Kibana's kibana-setup)"
)]
struct SetupArgs {
    /// The enrolment token printed by `ironstack create-enrollment-token -s kibana`.
    #[arg(short = 't', long = "enrollment-token", value_name = "TOKEN")]
    enrollment_token: String,
    /// The configuration file to complete (default config/console.yml).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Parser, Debug)]
#[command(
    name = "ironstack console keystore",
    about = "Manage the console's secure settings (Kibana's kibana-keystore): config/console.keystore next to console.yml"
)]
struct KeystoreArgs {
    /// The configuration file whose folder holds the keystore (default config/console.yml).
    #[arg(short = 'c', long = "config", value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: ironstack_keystore_cli::ToolKeystoreCommand,
}

/// `ironstack console keystore ARGS`.
fn keystore_main(args: Vec<OsString>) -> i32 {
    let args: KeystoreArgs = match parse_command("console keystore", args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let path = args
        .config
        .unwrap_or_else(|| PathBuf::from("config/console.yml"));
    let keystore = config::keystore_for(&path);
    let mut terminal =
        ironstack_terminal::SystemTerminal::new(ironstack_terminal::Verbosity::Normal);
    match ironstack_keystore_cli::run_tool_keystore(
        &args.command,
        &keystore,
        &mut std::io::stdin().lock(),
        &mut terminal,
    ) {
        Ok(()) => exit_code::OK,
        Err(e) => report(&e),
    }
}

/// `ironstack console setup ARGS`.
fn setup_main(args: Vec<OsString>) -> i32 {
    let args: SetupArgs = match parse_command("console setup", args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let path = args
        .config
        .unwrap_or_else(|| PathBuf::from("config/console.yml"));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return report(&CliError::io(format!("cannot start the runtime: {e}"))),
    };
    let timeout = std::time::Duration::from_secs(30);
    match runtime.block_on(enrollment::enroll(&path, &args.enrollment_token, timeout)) {
        Ok(done) => {
            ironstack_terminal::print_out(&format!(
                "\u{2714} Console configured successfully: [{}] now points at {} with the CA in [{}].\n\nTo start the console run:\n  ironstack console -c {}\n",
                path.display(),
                done.hosts.join(", "),
                done.ca_path.display(),
                path.display()
            ));
            exit_code::OK
        }
        Err(e) => report(&CliError::new(exit_code::UNAVAILABLE, e.to_string())),
    }
}

/// Runs `ironstack console ARGS`; returns the exit code.
pub fn cli_main(args: Vec<OsString>) -> i32 {
    if args.first().is_some_and(|a| a == "setup") {
        return setup_main(args[1..].to_vec());
    }
    if args.first().is_some_and(|a| a == "keystore") {
        return keystore_main(args[1..].to_vec());
    }
    let args: Args = match parse_command("console", args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if let Err(code) = check_overrides(&args.settings) {
        return code;
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IRONSTACK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .try_init();
    let explicit = args.config.is_some();
    let path = args
        .config
        .unwrap_or_else(|| PathBuf::from("config/console.yml"));
    let env: HashMap<String, String> = std::env::vars().collect();
    let config = match ConsoleConfig::load(&path, explicit, &args.settings, &env) {
        Ok(c) => c,
        Err(e) => return report(&CliError::config(e.to_string())),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return report(&CliError::io(format!("cannot start the runtime: {e}"))),
    };
    runtime.block_on(async move {
        match start(config).await {
            Ok((_running, serve)) => {
                serve.await;
                exit_code::OK
            }
            Err(e) => report(&CliError::config(e.to_string())),
        }
    })
}
