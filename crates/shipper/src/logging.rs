//! Logging setup: `-e` / `logging.to_stderr` writes to stderr; otherwise JSON lines go to
//! the rotating files of `logging.files` (see [`crate::log_files`]). `logging.level` (info), `-v`
//! (info), and `-d` / `logging.selectors` (any selector turns debug on for the shipper).

use std::sync::Mutex;

use tracing_subscriber::filter::LevelFilter;

use crate::cli::Cli;
use crate::config::ShipperConfig;
use crate::{Error, Result};

/// Installs the global subscriber (a second call in the same process is a no-op).
pub(crate) fn init(config: &ShipperConfig, cli: &Cli) -> Result<()> {
    let debug = cli.debug.as_deref().is_some_and(|d| !d.trim().is_empty())
        || !config.logging.selectors.is_empty();
    let level = if debug {
        LevelFilter::DEBUG
    } else {
        match config.logging.level.as_str() {
            "debug" => LevelFilter::DEBUG,
            "warning" | "warn" => LevelFilter::WARN,
            "error" => LevelFilter::ERROR,
            _ => LevelFilter::INFO,
        }
    };
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("ironstack_shipper", level)
        .with_target("ironstack_tls", level)
        .with_default(LevelFilter::WARN);
    use tracing_subscriber::layer::SubscriberExt;
    if cli.stderr || config.logging.to_stderr || !config.logging.to_files {
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_target(false);
        let _ = tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(layer).with(filter),
        );
        return Ok(());
    }
    let files = &config.logging.files;
    let file =
        crate::log_files::RotatingFile::open(files.clone()).map_err(|source| Error::Write {
            path: files.path.clone(),
            source,
        })?;
    let layer = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(Mutex::new(file));
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(layer).with(filter),
    );
    Ok(())
}
