//! `ironstack keystore`: manage the secure settings file, like `elasticsearch-keystore`.
//!
//! This crate parses the command line, talks to the user through
//! [`ironstack_terminal::Terminal`] and maps failures to Elasticsearch's exit codes; the file
//! format lives in `ironstack-keystore`. The [`password`] module is also what the node uses to
//! obtain the keystore password and open (or create) the keystore at startup.

#![warn(missing_docs)]

mod commands;
pub mod password;
pub mod tool;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};
use ironstack_terminal::{
    CliError, SystemTerminal, Terminal, Verbosity, print_err, print_out, report,
};

pub use password::{
    CONFIG_DIR_ENV, OpenedKeystore, PASSWORD_FILE_ENV, PASSWORD_PROMPT, config_dir_from_env,
    keystore_error, keystore_password_from_env_or_terminal, open_keystore, open_or_create_keystore,
    password_file_from_env, read_password_file,
};
pub use tool::{ToolKeystoreCommand, run_tool_keystore};

/// Where the command finds the keystore and its password file; read from the environment by
/// [`cli_main`], given explicitly in tests.
#[derive(Debug, Clone)]
pub struct KeystoreEnv {
    /// The config directory holding `ironstack.keystore`.
    pub config_dir: PathBuf,
    /// The file whose first line is the keystore password, if any.
    pub password_file: Option<PathBuf>,
}

impl KeystoreEnv {
    /// `IRONSTACK_PATH_CONF` (default `./config`) and `IRONSTACK_KEYSTORE_PASSWORD_FILE`.
    pub fn from_process_env() -> Self {
        Self {
            config_dir: config_dir_from_env(),
            password_file: password_file_from_env(),
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "ironstack keystore",
    about = "A tool for managing settings stored in the ironstack keystore (elasticsearch-keystore)",
    after_help = "The keystore is $IRONSTACK_PATH_CONF/ironstack.keystore (default ./config). \
A protected keystore's password is read from the first line of the file named by \
IRONSTACK_KEYSTORE_PASSWORD_FILE, else prompted for (or read as a line of piped standard input).",
    disable_version_flag = true
)]
pub(crate) struct Cli {
    #[command(flatten)]
    common: CommonOptions,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct CommonOptions {
    /// Show minimal output
    #[arg(short = 's', long, global = true, conflicts_with = "verbose")]
    silent: bool,
    /// Show verbose output
    #[arg(short = 'v', long, global = true)]
    verbose: bool,
    /// Configure a setting (accepted for compatibility; the keystore uses none)
    #[arg(short = 'E', value_name = "KEY=VALUE", global = true, value_parser = parse_setting)]
    settings: Vec<(String, String)>,
}

fn parse_setting(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("setting [{raw}] must be in the form key=value")),
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Creates a new ironstack keystore
    Create {
        /// Prompt for password to encrypt the keystore
        #[arg(short = 'p', long)]
        password: bool,
    },
    /// List entries in the keystore
    List,
    /// Add string settings to the keystore
    Add {
        /// Overwrite existing setting without prompting, creating keystore if necessary
        #[arg(short = 'f', long)]
        force: bool,
        /// Read setting values from stdin, one line per setting
        #[arg(short = 'x', long)]
        stdin: bool,
        /// Setting names
        #[arg(value_name = "SETTING")]
        names: Vec<String>,
    },
    /// Add file settings to the keystore
    #[command(name = "add-file")]
    AddFile {
        /// Overwrite existing setting without prompting, creating keystore if necessary
        #[arg(short = 'f', long)]
        force: bool,
        /// Pairs of setting name and file path
        #[arg(value_name = "SETTING FILE")]
        pairs: Vec<OsString>,
    },
    /// Remove settings from the keystore
    Remove {
        /// Setting names
        #[arg(value_name = "SETTING")]
        names: Vec<String>,
    },
    /// Show a value from the keystore
    Show {
        /// Write the raw value to this file instead of the console (needed for binary values)
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The setting name
        #[arg(value_name = "SETTING")]
        names: Vec<String>,
    },
    /// Changes the password of a keystore
    Passwd,
    /// Succeeds if the keystore exists and is password-protected, fails with exit code 1 otherwise
    #[command(name = "has-passwd")]
    HasPasswd,
    /// Upgrade the keystore format
    Upgrade,
}

impl CommonOptions {
    fn verbosity(&self) -> Verbosity {
        Verbosity::from_flags(self.silent, self.verbose)
    }
}

/// Parses `args` (the words after `ironstack keystore`). `Err(code)` when parsing ended the
/// command: help was printed (0) or the command line was wrong (64, reported).
pub(crate) fn parse(args: Vec<OsString>) -> Result<Cli, i32> {
    let argv = std::iter::once(OsString::from("ironstack keystore")).chain(args);
    Cli::try_parse_from(argv).map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print_out(&e.render().to_string());
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            print_err(&e.render().to_string());
            report(&CliError::usage("Missing required command"))
        }
        _ => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid command line");
            let message = first.strip_prefix("error: ").unwrap_or(first);
            report(&CliError::usage(format!(
                "{message} (run `ironstack keystore --help` for usage)"
            )))
        }
    })
}

/// Runs `ironstack keystore` with its arguments (program and `keystore` excluded) and returns
/// the process exit code.
pub fn cli_main(args: Vec<OsString>) -> i32 {
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let mut terminal = SystemTerminal::new(cli.common.verbosity());
    let env = KeystoreEnv::from_process_env();
    run(&cli, &env, &mut terminal)
}

/// Executes a parsed command, reporting any failure as `ERROR: <message>`.
pub(crate) fn run(cli: &Cli, env: &KeystoreEnv, terminal: &mut dyn Terminal) -> i32 {
    if !cli.common.settings.is_empty() {
        let keys: Vec<&str> = cli
            .common
            .settings
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        terminal.println_at(
            Verbosity::Verbose,
            &format!("ignoring settings given with -E: {}", keys.join(", ")),
        );
    }
    match commands::execute(&cli.command, env, terminal) {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
