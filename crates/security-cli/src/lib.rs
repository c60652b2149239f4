//! `ironstack users` (the file realm's `users`/`users_roles`, like `elasticsearch-users`) and
//! `ironstack reset-password` (like `elasticsearch-reset-password`, through a temporary
//! file-realm superuser and the node's `_password` API) and `ironstack create-enrollment-token`
//! (like `elasticsearch-create-enrollment-token`, the same way).

#![warn(missing_docs)]

mod client;
pub mod enrollment;
pub mod reset;
pub mod service_tokens;
pub mod users;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::str::FromStr;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use ironstack_config::{LoadOptions, NodeConfig};
use ironstack_security::Hasher;
use ironstack_terminal::{CliError, SystemTerminal, Verbosity, print_out, report};

pub use client::Target;
pub use reset::ResetOptions;
pub use users::UsersAction;

fn parse_args<T: Parser>(name: &str, args: Vec<OsString>) -> Result<T, i32> {
    let argv = std::iter::once(OsString::from(name)).chain(args);
    T::try_parse_from(argv).map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print_out(&e.render().to_string());
            0
        }
        _ => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid command line");
            let message = first.strip_prefix("error: ").unwrap_or(first);
            report(&CliError::usage(format!(
                "{message} (run `{name} --help` for usage)"
            )))
        }
    })
}

/// The tools write `users` and `users_roles` into the node's config folder, and a missing
/// one almost always means the tool runs somewhere else than the node (another working
/// folder, `IRONSTACK_PATH_CONF` unset): say so instead of failing on a temporary file.
pub(crate) fn config_dir_must_exist(config: &NodeConfig) -> Result<(), CliError> {
    if config.config_dir.is_dir() {
        return Ok(());
    }
    Err(CliError::config(format!(
        "the config folder [{}] does not exist; run this command in the node's working folder, or set IRONSTACK_PATH_CONF to the node's config folder",
        config.config_dir.display()
    )))
}

/// The node's configuration as the file tools read it (the process environment, `-E`), with
/// its config folder checked.
fn load_node_config(settings: Vec<String>) -> Result<NodeConfig, CliError> {
    let config = NodeConfig::load(&LoadOptions {
        env: std::env::vars().collect(),
        overrides: settings,
        ..LoadOptions::default()
    })
    .map_err(|e| CliError::config(e.to_string()))?;
    config_dir_must_exist(&config)?;
    Ok(config)
}

#[derive(Debug, Parser)]
#[command(
    name = "ironstack users",
    about = "Manages file-realm users ($IRONSTACK_PATH_CONF/users and users_roles), like elasticsearch-users",
    disable_version_flag = true
)]
struct UsersCli {
    /// Show minimal output
    #[arg(short = 's', long, global = true, conflicts_with = "verbose")]
    silent: bool,
    /// Show verbose output
    #[arg(short = 'v', long, global = true)]
    verbose: bool,
    /// Configure a setting
    #[arg(short = 'E', value_name = "KEY=VALUE", global = true)]
    settings: Vec<String>,
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Adds a file user
    Useradd {
        /// The user name
        username: String,
        /// The user password
        #[arg(short = 'p', long)]
        password: Option<String>,
        /// Comma-separated list of the roles of the user
        #[arg(short = 'r', long)]
        roles: Vec<String>,
    },
    /// Deletes a file based user
    Userdel {
        /// The user name
        username: String,
    },
    /// Changes the password of an existing file based user
    Passwd {
        /// The user name
        username: String,
        /// The user password
        #[arg(short = 'p', long)]
        password: Option<String>,
    },
    /// Edit roles of an existing user
    Roles {
        /// The user name
        username: String,
        /// Adds supplied roles to the specified user
        #[arg(short = 'a', long)]
        add: Vec<String>,
        /// Remove supplied roles from the specified user
        #[arg(short = 'r', long)]
        remove: Vec<String>,
    },
    /// List existing file based users and their corresponding roles
    List {
        /// The user name
        username: Option<String>,
    },
}

/// `ironstack users ARGS`; returns the exit code.
pub fn users_main(args: Vec<OsString>) -> i32 {
    let cli: UsersCli = match parse_args("ironstack users", args) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let mut terminal = SystemTerminal::new(Verbosity::from_flags(cli.silent, cli.verbose));
    let action = match cli.command {
        UsersCommand::Useradd {
            username,
            password,
            roles,
        } => UsersAction::Add {
            name: username,
            password,
            roles: users::split_roles(&roles),
        },
        UsersCommand::Userdel { username } => UsersAction::Delete { name: username },
        UsersCommand::Passwd { username, password } => UsersAction::Passwd {
            name: username,
            password,
        },
        UsersCommand::Roles {
            username,
            add,
            remove,
        } => UsersAction::Roles {
            name: username,
            add: users::split_roles(&add),
            remove: users::split_roles(&remove),
        },
        UsersCommand::List { username } => UsersAction::List { name: username },
    };
    let config = match load_node_config(cli.settings) {
        Ok(c) => c,
        Err(e) => return report(&e),
    };
    let hasher = match config
        .settings()
        .get_str("xpack.security.authc.password_hashing.algorithm")
        .map(Hasher::from_str)
        .transpose()
    {
        Ok(h) => h.unwrap_or_default(),
        Err(e) => return report(&CliError::config(e.to_string())),
    };
    match users::run(&action, &config.config_dir, hasher, &mut terminal) {
        Ok(()) => 0,
        Err(e) => report(&e),
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "ironstack reset-password",
    about = "Sets the password of a built-in or native user to a generated or given value, like elasticsearch-reset-password",
    disable_version_flag = true
)]
struct ResetCli {
    /// The username of the user whose password will be reset
    #[arg(short = 'u', long, required = true)]
    username: String,
    /// Prompt for the password
    #[arg(short = 'i', long)]
    interactive: bool,
    /// Generate the password automatically (the default)
    #[arg(short = 'a', long)]
    auto: bool,
    /// Do not prompt for confirmation
    #[arg(short = 'b', long)]
    batch: bool,
    /// Run even if the cluster is unhealthy
    #[arg(short = 'f', long)]
    force: bool,
    /// The base URL of the node (default: from the node's configuration)
    #[arg(long)]
    url: Option<String>,
    /// Configure a setting
    #[arg(short = 'E', value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Show minimal output
    #[arg(short = 's', long, conflicts_with = "verbose")]
    silent: bool,
    /// Show verbose output
    #[arg(short = 'v', long)]
    verbose: bool,
}

/// `ironstack reset-password ARGS`; returns the exit code.
pub fn reset_password_main(args: Vec<OsString>) -> i32 {
    let cli: ResetCli = match parse_args("ironstack reset-password", args) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let mut terminal = SystemTerminal::new(Verbosity::from_flags(cli.silent, cli.verbose));
    let options = ResetOptions {
        username: cli.username,
        interactive: cli.interactive,
        auto: cli.auto,
        batch: cli.batch,
        force: cli.force,
        url: cli.url,
        settings: cli.settings,
    };
    let env: HashMap<String, String> = std::env::vars().collect();
    let password_file: Option<PathBuf> = ironstack_keystore_cli::password_file_from_env();
    match reset::run(&options, &env, password_file.as_deref(), &mut terminal) {
        Ok(()) => 0,
        Err(e) => report(&e),
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "ironstack create-enrollment-token",
    about = "Creates an enrollment token for a console (Kibana), like elasticsearch-create-enrollment-token",
    disable_version_flag = true
)]
struct EnrollmentCli {
    /// The type of enrollment token: kibana (or console)
    #[arg(short = 's', long)]
    scope: String,
    /// The base URL of the node (default: from the node's configuration)
    #[arg(long)]
    url: Option<String>,
    /// Configure a setting
    #[arg(short = 'E', value_name = "KEY=VALUE")]
    settings: Vec<String>,
}

/// `ironstack create-enrollment-token ARGS` (and `ironstack node create-enrollment-token`);
/// returns the exit code.
pub fn create_enrollment_token_main(args: Vec<OsString>) -> i32 {
    let cli: EnrollmentCli = match parse_args("ironstack create-enrollment-token", args) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let mut terminal = SystemTerminal::new(Verbosity::Normal);
    let options = enrollment::EnrollmentOptions {
        scope: cli.scope,
        url: cli.url,
        settings: cli.settings,
    };
    let env: HashMap<String, String> = std::env::vars().collect();
    let password_file: Option<PathBuf> = ironstack_keystore_cli::password_file_from_env();
    match enrollment::run(&options, &env, password_file.as_deref(), &mut terminal) {
        Ok(_) => 0,
        Err(e) => report(&e),
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "ironstack service-tokens",
    about = "Manages file service tokens ($IRONSTACK_PATH_CONF/service_tokens), like elasticsearch-service-tokens",
    disable_version_flag = true
)]
struct ServiceTokensCli {
    /// Configure a setting
    #[arg(short = 'E', value_name = "KEY=VALUE", global = true)]
    settings: Vec<String>,
    #[command(subcommand)]
    command: service_tokens::ServiceTokensAction,
}

/// `ironstack service-tokens ARGS`; returns the exit code.
pub fn service_tokens_main(args: Vec<OsString>) -> i32 {
    let cli: ServiceTokensCli = match parse_args("ironstack service-tokens", args) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let mut terminal = SystemTerminal::new(Verbosity::Normal);
    let config = match load_node_config(cli.settings) {
        Ok(c) => c,
        Err(e) => return report(&e),
    };
    match service_tokens::run(&cli.command, &config.config_dir, &mut terminal) {
        Ok(()) => 0,
        Err(e) => report(&e),
    }
}
