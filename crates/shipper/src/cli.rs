//! The command line of `ironstack shipper`, with Metricbeat's commands and global flags:
//! `run` (the default), `setup`, `test config|output`, `modules list|enable|disable`,
//! `export config|template|ilm-policy`, `version`; `-c`, `-E`, `-e`, `-d`, `-v`,
//! `--path.*`, `--strict.perms`.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{ArgAction, Parser, Subcommand};
use ironstack_terminal::{CliError, exit_code, print_err, print_out, report};

use crate::config::{self, LoadedConfig, Overrides, ShipperConfig, VERSION};
use crate::modules;
use crate::{Error, index_management};

/// `ironstack shipper`.
#[derive(Debug, Parser)]
#[command(
    name = "ironstack shipper",
    about = "Ships system metrics to Elasticsearch (Metricbeat-compatible)",
    disable_version_flag = true
)]
pub(crate) struct Cli {
    /// Configuration file, relative to path.config
    #[arg(short = 'c', global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Configuration overwrite (key=value; a [list] or {map} value is YAML, anything else text)
    #[arg(short = 'E', global = true, value_name = "KEY=VALUE", action = ArgAction::Append)]
    pub(crate) settings: Vec<String>,
    /// Log to stderr and disable file output
    #[arg(short = 'e', global = true)]
    pub(crate) stderr: bool,
    /// Enable debug logging for the given selectors ("*" for all)
    #[arg(short = 'd', global = true, value_name = "SELECTORS")]
    pub(crate) debug: Option<String>,
    /// Log at info level
    #[arg(short = 'v', global = true)]
    pub(crate) verbose: bool,
    /// Home path
    #[arg(long = "path.home", global = true)]
    pub(crate) path_home: Option<PathBuf>,
    /// Configuration path (default: the home path)
    #[arg(long = "path.config", global = true)]
    pub(crate) path_config: Option<PathBuf>,
    /// Data path (default: <home>/data)
    #[arg(long = "path.data", global = true)]
    pub(crate) path_data: Option<PathBuf>,
    /// Logs path (default: <home>/logs)
    #[arg(long = "path.logs", global = true)]
    pub(crate) path_logs: Option<PathBuf>,
    /// Strict permission checking on config files
    #[arg(long = "strict.perms", global = true, num_args = 0..=1, default_value_t = true,
          default_missing_value = "true", action = ArgAction::Set)]
    pub(crate) strict_perms: bool,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the shipper (the default)
    Run,
    /// Load the ILM policy, the index template and the data stream
    Setup {
        /// Set up index management (the template, ILM policy and data stream)
        #[arg(long = "index-management")]
        index_management: bool,
        /// Check the console (setup.kibana) and load dashboards into it (the console has
        /// none to load yet)
        #[arg(long)]
        dashboards: bool,
    },
    /// Test the configuration or the output
    Test {
        #[command(subcommand)]
        what: TestCommand,
    },
    /// Manage the configured modules (modules.d)
    Modules {
        #[command(subcommand)]
        what: ModulesCommand,
    },
    /// Export the configuration, index template or ILM policy
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Manage the secrets keystore (`${KEY}` values)
    Keystore {
        #[command(subcommand)]
        what: ironstack_keystore_cli::ToolKeystoreCommand,
    },
    /// Show the version
    Version,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TestCommand {
    /// Test the configuration
    Config,
    /// Test that the shipper can connect to the output with the current settings
    Output,
    /// Fetch each enabled metricset once and print the events
    Modules {
        /// Only this module
        module: Option<String>,
        /// Only this metricset
        metricset: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ModulesCommand {
    /// List the enabled and disabled modules
    List,
    /// Enable one or more modules
    Enable {
        /// Module names
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Disable one or more modules
    Disable {
        /// Module names
        #[arg(required = true)]
        names: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ExportCommand {
    /// Export the effective configuration (secrets redacted)
    Config,
    /// Export the index template
    Template,
    /// Export the ILM policy
    #[command(name = "ilm-policy")]
    IlmPolicy,
}

/// Entry point for `ironstack shipper ...`; returns the exit code.
pub fn cli_main(args: Vec<OsString>) -> i32 {
    let argv = std::iter::once(OsString::from("ironstack shipper")).chain(args);
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let rendered = e.render().to_string();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    print_out(&rendered);
                    0
                }
                _ => {
                    print_err(&rendered);
                    exit_code::USAGE
                }
            };
        }
    };
    let env: HashMap<String, String> = std::env::vars().collect();
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            return report(&CliError::io(format!(
                "cannot read the working directory: {e}"
            )));
        }
    };
    match execute(&cli, &env, &cwd) {
        Ok(code) => code,
        Err(e) => report(&CliError::config(e.to_string())),
    }
}

fn overrides(cli: &Cli) -> Overrides {
    Overrides {
        config_file: cli.config.clone(),
        settings: cli.settings.clone(),
        path_home: cli.path_home.clone(),
        path_config: cli.path_config.clone(),
        path_data: cli.path_data.clone(),
        path_logs: cli.path_logs.clone(),
        strict_perms: cli.strict_perms,
    }
}

/// The modules glob: `metricbeat.config.modules.path`, or `<path.config>/modules.d/*.yml`.
fn modules_glob(config: &ShipperConfig) -> PathBuf {
    config
        .modules_glob
        .clone()
        .unwrap_or_else(|| modules::modules_dir(&config.paths.config).join("*.yml"))
}

fn load(
    cli: &Cli,
    env: &HashMap<String, String>,
    cwd: &std::path::Path,
) -> crate::Result<(LoadedConfig, ShipperConfig)> {
    let loaded = config::load(&overrides(cli), env, cwd)?;
    let config = ShipperConfig::from_loaded(&loaded)?;
    Ok((loaded, config))
}

fn runtime() -> crate::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))
}

pub(crate) fn execute(
    cli: &Cli,
    env: &HashMap<String, String>,
    cwd: &std::path::Path,
) -> crate::Result<i32> {
    match cli.command.as_ref().unwrap_or(&Command::Run) {
        Command::Version => {
            print_out(&format!(
                "metricbeat version {VERSION} (ironstack shipper {}, {})\n",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::ARCH
            ));
            Ok(0)
        }
        Command::Keystore { what } => {
            let data = config::keystore_data_dir(&overrides(cli), cwd);
            let keystore =
                ironstack_keystore::ToolKeystore::new(crate::keystore::path(&data), "shipper");
            let mut terminal =
                ironstack_terminal::SystemTerminal::new(ironstack_terminal::Verbosity::Normal);
            ironstack_keystore_cli::run_tool_keystore(
                what,
                &keystore,
                &mut std::io::stdin().lock(),
                &mut terminal,
            )
            .map_err(|e| Error::Runtime(e.message))?;
            Ok(0)
        }
        Command::Export {
            what: ExportCommand::IlmPolicy,
        } => {
            print_out(&format!("{}\n", pretty(&index_management::ilm_policy())));
            Ok(0)
        }
        Command::Export {
            what: ExportCommand::Template,
        } => {
            let (_, config) = load(cli, env, cwd)?;
            let setup = &config.setup;
            let t = index_management::template(
                &setup.template_pattern,
                setup.ilm_enabled.then_some(setup.ilm_policy_name.as_str()),
            );
            print_out(&format!("{}\n", pretty(&t)));
            Ok(0)
        }
        Command::Export {
            what: ExportCommand::Config,
        } => {
            match load(cli, env, cwd) {
                Ok((loaded, _)) => print_out(&crate::export::redacted_yaml(&loaded.tree)),
                // No configuration yet: a starting point, as Metricbeat's packages ship one.
                Err(Error::ReadConfig { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    print_out(crate::export::SAMPLE_CONFIG)
                }
                Err(e) => return Err(e),
            }
            Ok(0)
        }
        Command::Modules { what } => {
            let (_, config) = load(cli, env, cwd)?;
            let dir = modules::modules_dir(&config.paths.config);
            modules::ensure_samples(&dir)?;
            match what {
                ModulesCommand::List => {
                    let (on, off) = modules::list(&dir)?;
                    print_out(&format!(
                        "Enabled:\n{}\nDisabled:\n{}\n",
                        on.join("\n"),
                        off.join("\n")
                    ));
                }
                ModulesCommand::Enable { names } | ModulesCommand::Disable { names } => {
                    let enable = matches!(what, ModulesCommand::Enable { .. });
                    for name in names {
                        print_out(&format!("{}\n", modules::set_enabled(&dir, name, enable)?));
                    }
                }
            }
            Ok(0)
        }
        Command::Test {
            what: TestCommand::Config,
        } => {
            let (_, config) = load(cli, env, cwd)?;
            if config.modules_glob.is_none() {
                modules::ensure_samples(&modules::modules_dir(&config.paths.config))?;
            }
            modules::load_blocks(
                &modules_glob(&config),
                &config.inline_modules,
                cli.strict_perms,
                &config.paths.config,
            )?;
            crate::client::tls_config(&config.output)?;
            print_out("Config OK\n");
            Ok(0)
        }
        Command::Test {
            what: TestCommand::Modules { module, metricset },
        } => {
            let (_, config) = load(cli, env, cwd)?;
            if config.modules_glob.is_none() {
                modules::ensure_samples(&modules::modules_dir(&config.paths.config))?;
            }
            let blocks = modules::load_blocks(
                &modules_glob(&config),
                &config.inline_modules,
                cli.strict_perms,
                &config.paths.config,
            )?;
            let agent = crate::event::AgentInfo::load(&config.name, &config.paths.data)?;
            let documents = crate::modules::fetch_once(
                &blocks,
                &config.processors,
                &config.hostfs,
                &agent,
                module.as_deref(),
                metricset.as_deref(),
            )?;
            for doc in documents {
                print_out(&format!("{doc}\n"));
            }
            Ok(0)
        }
        Command::Test {
            what: TestCommand::Output,
        } => {
            let (_, config) = load(cli, env, cwd)?;
            let ok = runtime()?.block_on(crate::test_output::run(&config));
            Ok(if ok { 0 } else { 1 })
        }
        Command::Setup {
            index_management,
            dashboards,
        } => {
            // As Beats: no flag means every step.
            let all = !*index_management && !*dashboards;
            let (_, config) = load(cli, env, cwd)?;
            crate::logging::init(&config, cli)?;
            let runtime = runtime()?;
            if all || *index_management {
                runtime.block_on(crate::setup::run(&config))?;
                print_out("Index setup finished.\n");
            }
            let kibana = &config.setup.kibana;
            if !*dashboards && !kibana.configured && !config.setup.dashboards_enabled {
                print_out("Skipping dashboards: setup.kibana is not configured.\n");
                return Ok(0);
            }
            print_out("Loading dashboards (the console must be running and reachable)\n");
            let status = runtime.block_on(crate::kibana::status(kibana, &config.output))?;
            let found = format!(
                "the console {} at {} ({})",
                status.version, kibana.host, status.level
            );
            if *dashboards {
                return Err(Error::FeatureNotSupportedYet {
                    what: format!("loading dashboards ({found} serves no dashboards yet)"),
                    origin: "setup --dashboards".to_string(),
                });
            }
            print_out(&format!(
                "Skipping dashboards: {found} serves no dashboards to load yet.\n"
            ));
            Ok(0)
        }
        Command::Run => {
            let (_, config) = load(cli, env, cwd)?;
            if config.modules_glob.is_none()
                && modules::ensure_samples(&modules::modules_dir(&config.paths.config))?
            {
                print_err(&format!(
                    "created {} with the sample module files\n",
                    modules::modules_dir(&config.paths.config).display()
                ));
            }
            let blocks = modules::load_blocks(
                &modules_glob(&config),
                &config.inline_modules,
                cli.strict_perms,
                &config.paths.config,
            )?;
            crate::logging::init(&config, cli)?;
            if config.setup.dashboards_enabled {
                tracing::warn!(
                    "setup.dashboards.enabled is set, but the console serves no dashboards yet: none are loaded"
                );
            }
            let agent = crate::event::AgentInfo::load(&config.name, &config.paths.data)?;
            tracing::info!(version = VERSION, name = %config.name, hosts = ?config.output.hosts, "shipper starting");
            let summary = runtime()?.block_on(async {
                let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
                tokio::spawn(async move {
                    shutdown_signal().await;
                    let _ = first_tx.send(());
                    // A second signal while the queue is being flushed means "now".
                    shutdown_signal().await;
                    print_err("ERROR: stopping without flushing the queue (second signal)\n");
                    std::process::exit(130);
                });
                crate::pipeline::run(&config, blocks, agent, async {
                    let _ = first_rx.await;
                })
                .await
            })?;
            Ok(if summary.lost == 0 { 0 } else { 1 })
        }
    }
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
