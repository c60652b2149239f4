//! `ironstack certutil`: Elasticsearch's `elasticsearch-certutil` for ironstack. Four modes:
//! `ca` (a new CA), `cert` (certificates signed by a CA, or self-signed), `csr` (signing
//! requests) and `http` (the guided HTTP-certificate wizard, also scriptable with options).
//!
//! The files it writes are what Elasticsearch's tool writes (PKCS#12 as the JDK makes it,
//! PEM, zip layouts), so they work in ironstack, Elasticsearch, Kibana, OpenSSL, keytool and
//! Python alike. All cryptography lives in `ironstack-pki`; all prompting goes through the
//! `Terminal` of `ironstack-terminal`. Output files are never overwritten and are created
//! private (0600).

#![warn(missing_docs)]

mod argv;
mod bundle;
mod ca;
mod ca_source;
mod cert;
mod cli;
mod context;
mod csr;
mod error;
mod http;
mod instances;
mod keys;
mod output;
mod password;
mod profile;

#[cfg(test)]
mod tests;

use std::ffi::OsString;

use ironstack_terminal::{CliError, SystemTerminal, Terminal, Verbosity, report};

pub use error::Error;

use crate::cli::Parsed;
use crate::context::Context;

const USAGE: &str = "\
Simplifies certificate creation for use with the Elastic Stack and ironstack

Usage: ironstack certutil <MODE> [OPTIONS]

Modes:
  ca     Generate a new local certificate authority
  cert   Generate X.509 certificates and keys
  csr    Generate certificate signing requests
  http   Generate a new certificate (or certificate request) for the HTTP interface

Common options:
  -s, --silent       Show minimal output
  -v, --verbose      Show verbose output
  -E <KEY=VALUE>     Accepted for compatibility (certutil reads no settings)
  -h, --help         Show help

Run `ironstack certutil <MODE> --help` for the options of a mode.
Relative paths are resolved against the current directory; the http wizard looks
for a CA path in the config directory ($IRONSTACK_PATH_CONF, default ./config) first.";

/// Environment variable naming the config directory.
const PATH_CONF_ENV: &str = "IRONSTACK_PATH_CONF";

/// Runs the subcommand with its arguments (program and subcommand name excluded) and returns
/// the process exit code.
pub fn cli_main(args: Vec<OsString>) -> i32 {
    let cwd = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => {
            return report(&CliError::io(format!(
                "cannot read the current directory: {e}"
            )));
        }
    };
    let path_conf = std::env::var(PATH_CONF_ENV).ok();
    let ctx = Context::new(cwd, path_conf.as_deref());
    let command = match argv::to_strings(args).and_then(parse_command) {
        Ok(command) => command,
        Err(e) => return report(&e),
    };
    let mut term = SystemTerminal::new(command.verbosity());
    match execute(&mut term, &ctx, command) {
        Ok(()) => 0,
        Err(e) => report(&e),
    }
}

/// A parsed command line.
#[derive(Debug)]
enum Command {
    Help(String),
    Ca(Box<cli::CaArgs>),
    Cert(Box<cli::CertArgs>),
    Csr(Box<cli::CsrArgs>),
    Http(Box<cli::HttpArgs>),
}

impl Command {
    fn verbosity(&self) -> Verbosity {
        match self {
            Self::Help(_) => Verbosity::Normal,
            Self::Ca(a) => a.common.verbosity(),
            Self::Cert(a) => a.common.verbosity(),
            Self::Csr(a) => a.common.verbosity(),
            Self::Http(a) => a.common.verbosity(),
        }
    }
}

/// Finds the mode and parses its options.
fn parse_command(args: Vec<String>) -> Result<Command, CliError> {
    let (mode, rest) = argv::split_mode(args);
    fn parsed<T: clap::Parser>(
        args: Vec<String>,
        wrap: fn(Box<T>) -> Command,
    ) -> Result<Command, CliError> {
        Ok(match cli::parse::<T>(args)? {
            Parsed::Help(text) => Command::Help(text),
            Parsed::Run(parsed) => wrap(parsed),
        })
    }
    match mode.as_deref() {
        None if rest.iter().any(|a| a == "-h" || a == "--help") => {
            Ok(Command::Help(format!("{USAGE}\n")))
        }
        None => Err(CliError::usage(
            "Missing command; expected one of ca, cert, csr, http (see --help)",
        )),
        Some("ca") => parsed(rest, Command::Ca),
        Some("cert") => parsed(rest, Command::Cert),
        Some("csr") => parsed(rest, Command::Csr),
        Some("http") => parsed(rest, Command::Http),
        Some(other) => Err(CliError::usage(format!(
            "Unknown command [{other}]; expected one of ca, cert, csr, http"
        ))),
    }
}

/// Runs a parsed command. Separate from [`cli_main`] so that tests drive it with a scripted
/// terminal and a chosen context.
fn execute(term: &mut dyn Terminal, ctx: &Context, command: Command) -> Result<(), CliError> {
    match command {
        Command::Help(text) => {
            term.write_out(&text);
            Ok(())
        }
        Command::Ca(args) => ca::run(term, ctx, *args),
        Command::Cert(args) => cert::run(term, ctx, *args),
        Command::Csr(args) => csr::run(term, ctx, *args),
        Command::Http(args) => http::run(term, ctx, *args),
    }
}
