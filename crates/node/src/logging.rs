//! Logs: human-readable lines on the console, JSON lines (Elasticsearch's ECS-like field
//! names) in `path.logs/<cluster.name>_server.json`. `RUST_LOG`-style filtering via
//! `IRONSTACK_LOG`; default `info`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Starts logging; keep the guard alive for the process lifetime so file lines are flushed.
pub(crate) fn init(
    logs_dir: &Path,
    cluster_name: &str,
    filter: Option<&str>,
    quiet: bool,
) -> Result<WorkerGuard, String> {
    std::fs::create_dir_all(logs_dir).map_err(|e| {
        format!(
            "cannot create [path.logs] folder [{}]: {e}",
            logs_dir.display()
        )
    })?;
    let file_name = format!("{cluster_name}_server.json");
    let appender = tracing_appender::rolling::never(logs_dir, &file_name);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    // rustls warns once per handshake about clients that send an IP address as SNI (wrk,
    // some Java clients); that is legal client behaviour and would flood the log.
    let filter_text = match filter {
        Some(f) if f.contains("rustls") => f.to_string(),
        Some(f) => format!("{f},rustls=error"),
        None => "info,hyper=warn,rustls=error".to_string(),
    };
    let make_filter =
        || EnvFilter::try_new(&filter_text).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_writer(writer)
        .with_filter(make_filter());
    let console = (!quiet).then(|| {
        tracing_subscriber::fmt::layer()
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .with_writer(std::io::stdout)
            // A console that went away (`ironstack node | head`) must not stop the node; the
            // default reports each failed write with `eprintln!`, which panics when standard
            // error is gone too. The JSON file still gets every line.
            .log_internal_errors(false)
            .with_filter(make_filter())
    });
    tracing_subscriber::registry()
        .with(json)
        .with(console)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))?;
    Ok(guard)
}

use tracing_subscriber::Layer as _;
