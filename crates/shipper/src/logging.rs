//! Logging setup: `-e` / `logging.to_stderr` writes to stderr; otherwise JSON lines go to
//! `<path.logs>/shipper` (created 0600, as Beats' log files). `logging.level` (info), `-v`
//! (info), and `-d` / `logging.selectors` (any selector turns debug on for the shipper).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
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
    let file = open_log_file(&config.paths.logs)?;
    let layer = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(Mutex::new(file));
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(layer).with(filter),
    );
    Ok(())
}

/// `<dir>/shipper`, appended to, created 0600 in a 0750 folder.
fn open_log_file(dir: &std::path::Path) -> Result<std::fs::File> {
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o750)
            .create(dir)
            .map_err(|source| Error::Write {
                path: dir.to_path_buf(),
                source,
            })?;
    }
    let path = dir.join("shipper");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
    let _ = file.flush();
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn log_file_and_folder_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        open_log_file(&logs).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&logs), 0o750);
        assert_eq!(mode(&logs.join("shipper")), 0o600);
        // Appends to an existing file.
        open_log_file(&logs).unwrap();
    }
}
