//! (being built)

/// Runs the subcommand with its arguments (program and subcommand name excluded) and returns
/// the process exit code.
pub fn cli_main(args: Vec<std::ffi::OsString>) -> i32 {
    let _ = args;
    eprintln!("ERROR: not built yet");
    70
}
