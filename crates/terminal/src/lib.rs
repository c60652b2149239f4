//! Prompts, verbosity levels, exit codes and the parsing of a server command's arguments,
//! shared by every `ironstack` command-line tool.
//!
//! Elasticsearch's tools read answers from the console when there is one, and otherwise read
//! them line by line from standard input, so that a scripted answer file works unchanged. All
//! prompting goes through the [`Terminal`] trait so that the same tool code runs against a real
//! terminal, piped standard input, or a scripted terminal in unit tests.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, BufRead, IsTerminal, Write};

use zeroize::Zeroize;

/// Exit codes, sysexits-style, as the Elasticsearch tools use them.
pub mod exit_code {
    /// Success.
    pub const OK: i32 = 0;
    /// The command line was wrong.
    pub const USAGE: i32 = 64;
    /// The input data was wrong (bad password, corrupt file, bad name).
    pub const DATA_ERROR: i32 = 65;
    /// A service (the node) was unavailable.
    pub const UNAVAILABLE: i32 = 69;
    /// An output file could not be created.
    pub const CANT_CREATE: i32 = 73;
    /// An input/output error (file exists, cannot be read).
    pub const IO_ERROR: i32 = 74;
    /// A temporary failure; retrying may help.
    pub const TEMP_FAILURE: i32 = 75;
    /// The configuration was wrong.
    pub const CONFIG: i32 = 78;
}

/// A failure that ends a command: printed once as `ERROR: <message>`, then the process exits
/// with `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The process exit code (see [`exit_code`]).
    pub code: i32,
    /// One line saying what went wrong, without the `ERROR: ` prefix.
    pub message: String,
}

impl CliError {
    /// An error with an explicit exit code.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
    /// Exit 64: wrong command line.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(exit_code::USAGE, message)
    }
    /// Exit 65: wrong input data.
    pub fn data(message: impl Into<String>) -> Self {
        Self::new(exit_code::DATA_ERROR, message)
    }
    /// Exit 73: cannot create an output.
    pub fn cant_create(message: impl Into<String>) -> Self {
        Self::new(exit_code::CANT_CREATE, message)
    }
    /// Exit 74: input/output error.
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(exit_code::IO_ERROR, message)
    }
    /// Exit 78: configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(exit_code::CONFIG, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// Prints `ERROR: <message>` on standard error and returns the exit code to use.
pub fn report(error: &CliError) -> i32 {
    print_err(&format!("ERROR: {}\n", error.message));
    error.code
}

/// Writes `text` to standard output as is. Every tool prints through this (or a
/// [`Terminal`]) rather than `print!`, which panics when the reader has gone away
/// (`ironstack users --help | head -1`): output nobody reads is not an error, so a closed
/// pipe is ignored and the command carries on, as ripgrep and coreutils do.
pub fn print_out(text: &str) {
    write_ignoring_closed(&mut io::stdout().lock(), text);
}

/// Writes `text` to standard error as is; see [`print_out`] for why errors are ignored.
pub fn print_err(text: &str) {
    write_ignoring_closed(&mut io::stderr().lock(), text);
}

fn write_ignoring_closed(stream: &mut dyn Write, text: &str) {
    // Nothing sensible can be done when the stream itself is gone (EPIPE, EIO on a closed
    // terminal): the message has no reader.
    let _ = stream.write_all(text.as_bytes());
    let _ = stream.flush();
}

/// How much a tool prints. Prompts always print; explanations print at `Normal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    /// `-s/--silent`: only results that a script would want.
    Silent,
    /// The default.
    #[default]
    Normal,
    /// `-v/--verbose`: also details such as certificate subjects and serials.
    Verbose,
}

impl Verbosity {
    /// The level chosen by `-s/--silent` and `-v/--verbose` (the tools refuse both at once).
    pub fn from_flags(silent: bool, verbose: bool) -> Self {
        if silent {
            Self::Silent
        } else if verbose {
            Self::Verbose
        } else {
            Self::Normal
        }
    }
}

/// A secret typed by the user: zeroed on drop and never printed by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretInput(String);

impl SecretInput {
    /// Wraps a value.
    pub fn new(value: String) -> Self {
        Self(value)
    }
    /// The secret text.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether nothing was entered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretInput([redacted])")
    }
}

impl Drop for SecretInput {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Where a tool's prompts, answers and messages go.
pub trait Terminal {
    /// The verbosity chosen on the command line.
    fn verbosity(&self) -> Verbosity;
    /// Writes text to standard output as is (no newline added).
    fn write_out(&mut self, text: &str);
    /// Writes text to standard error as is (no newline added).
    fn write_err(&mut self, text: &str);
    /// Shows `prompt` and reads one line (without its line ending).
    /// End of input is a usage error: the answers ran out.
    fn read_line(&mut self, prompt: &str) -> Result<String, CliError>;
    /// Shows `prompt` and reads one line without echoing it when a console is attached.
    fn read_secret(&mut self, prompt: &str) -> Result<SecretInput, CliError>;
    /// Whether a person is typing (standard input is a terminal).
    fn is_interactive(&self) -> bool;

    /// Shows `prompt` and reads one line, trimmed; a blank answer means `default`.
    fn read_line_or(&mut self, prompt: &str, default: &str) -> Result<String, CliError> {
        let answer = self.read_line(prompt)?;
        let answer = answer.trim();
        Ok(if answer.is_empty() {
            default.to_string()
        } else {
            answer.to_string()
        })
    }
    /// Prints a line at `Normal` verbosity.
    fn println(&mut self, text: &str) {
        self.println_at(Verbosity::Normal, text);
    }
    /// Prints a line when the chosen verbosity is at least `level`.
    fn println_at(&mut self, level: Verbosity, text: &str) {
        if self.verbosity() >= level {
            self.write_out(text);
            self.write_out("\n");
        }
    }
    /// Prints an error-stream line (always).
    fn eprintln(&mut self, text: &str) {
        self.write_err(text);
        self.write_err("\n");
    }
    /// Asks `<question> [y/N]` (or `[Y/n]` when `default` is yes) until the answer is empty,
    /// `y` or `n` (any case).
    fn prompt_yes_no(&mut self, question: &str, default: bool) -> Result<bool, CliError> {
        let hint = if default { "[Y/n]" } else { "[y/N]" };
        loop {
            let answer = self.read_line(&format!("{question} {hint}"))?;
            match answer.trim().to_ascii_lowercase().as_str() {
                "" => return Ok(default),
                "y" => return Ok(true),
                "n" => return Ok(false),
                _ => self.println_at(
                    Verbosity::Silent,
                    &format!("Did not understand answer '{}'", answer.trim()),
                ),
            }
        }
    }
}

/// The process's own terminal: the console when standard input is one, else piped lines.
pub struct SystemTerminal {
    verbosity: Verbosity,
    interactive: bool,
    stdin: io::BufReader<io::Stdin>,
}

impl SystemTerminal {
    /// A terminal at the given verbosity.
    pub fn new(verbosity: Verbosity) -> Self {
        Self {
            verbosity,
            interactive: io::stdin().is_terminal(),
            stdin: io::BufReader::new(io::stdin()),
        }
    }

    fn read_stdin_line(&mut self, prompt: &str) -> Result<String, CliError> {
        let mut line = String::new();
        match self.stdin.read_line(&mut line) {
            Ok(0) => Err(CliError::usage(format!(
                "end of input while waiting for an answer to [{}]",
                prompt.trim()
            ))),
            Ok(_) => {
                let trimmed_len = line.trim_end_matches(['\n', '\r']).len();
                line.truncate(trimmed_len);
                Ok(line)
            }
            Err(e) => Err(CliError::io(format!("cannot read standard input: {e}"))),
        }
    }

    /// Ends the line a prompt started when the answer came from a pipe (nothing echoed it),
    /// keeping transcripts readable. Without a prompt (`keystore add --stdin`) nothing was
    /// started, so nothing is printed: standard output stays empty.
    fn end_prompt_line(&mut self, prompt: &str) {
        if !prompt.is_empty() {
            self.write_out("\n");
        }
    }
}

impl Terminal for SystemTerminal {
    fn verbosity(&self) -> Verbosity {
        self.verbosity
    }
    fn write_out(&mut self, text: &str) {
        print_out(text);
    }
    fn write_err(&mut self, text: &str) {
        print_err(text);
    }
    fn read_line(&mut self, prompt: &str) -> Result<String, CliError> {
        self.write_out(prompt);
        if !self.interactive {
            let answer = self.read_stdin_line(prompt);
            self.end_prompt_line(prompt);
            return answer;
        }
        self.read_stdin_line(prompt)
    }
    fn read_secret(&mut self, prompt: &str) -> Result<SecretInput, CliError> {
        if self.interactive {
            self.write_out(prompt);
            return rpassword::read_password()
                .map(SecretInput::new)
                .map_err(|e| CliError::io(format!("cannot read password from the console: {e}")));
        }
        self.write_out(prompt);
        let answer = self.read_stdin_line(prompt).map(SecretInput::new);
        self.end_prompt_line(prompt);
        answer
    }
    fn is_interactive(&self) -> bool {
        self.interactive
    }
}

/// A terminal fed from a list of answers, capturing everything printed. For tests.
#[derive(Debug, Default)]
pub struct ScriptedTerminal {
    /// Chosen verbosity.
    pub verbosity: Verbosity,
    /// Answers still to be read, in order.
    pub answers: VecDeque<String>,
    /// Everything written to standard output, prompts included.
    pub out: String,
    /// Everything written to standard error.
    pub err: String,
    /// Whether to behave as a console with a person typing (default: piped answers).
    pub interactive: bool,
}

impl ScriptedTerminal {
    /// A terminal that will answer with `answers`, in order.
    pub fn with_answers<I, S>(answers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            answers: answers.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }
}

impl Terminal for ScriptedTerminal {
    fn verbosity(&self) -> Verbosity {
        self.verbosity
    }
    fn write_out(&mut self, text: &str) {
        self.out.push_str(text);
    }
    fn write_err(&mut self, text: &str) {
        self.err.push_str(text);
    }
    fn read_line(&mut self, prompt: &str) -> Result<String, CliError> {
        self.out.push_str(prompt);
        let answer = self.answers.pop_front().ok_or_else(|| {
            CliError::usage(format!(
                "end of input while waiting for an answer to [{}]",
                prompt.trim()
            ))
        })?;
        self.out.push('\n');
        Ok(answer)
    }
    fn read_secret(&mut self, prompt: &str) -> Result<SecretInput, CliError> {
        self.read_line(prompt).map(SecretInput::new)
    }
    fn is_interactive(&self) -> bool {
        self.interactive
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_no_uses_default_and_reasks_on_garbage() {
        let mut t = ScriptedTerminal::with_answers(["maybe", "", "Y", "n"]);
        assert!(!t.prompt_yes_no("Continue?", false).unwrap());
        assert!(t.out.contains("Did not understand answer 'maybe'"));
        assert!(t.out.contains("Continue? [y/N]"));
        assert!(t.prompt_yes_no("Again?", false).unwrap());
        assert!(!t.prompt_yes_no("Third?", true).unwrap());
    }

    #[test]
    fn blank_answer_takes_the_default() {
        let mut t = ScriptedTerminal::with_answers(["  ", " mine "]);
        assert_eq!(t.read_line_or("Name [x]: ", "x").unwrap(), "x");
        assert_eq!(t.read_line_or("Name [x]: ", "x").unwrap(), "mine");
        assert_eq!(t.out, "Name [x]: \nName [x]: \n");
    }

    #[test]
    fn running_out_of_answers_is_a_usage_error() {
        let mut t = ScriptedTerminal::default();
        let err = t.read_line("CA Path: ").unwrap_err();
        assert_eq!(err.code, exit_code::USAGE);
        assert!(err.message.contains("CA Path:"));
    }

    #[test]
    fn silent_hides_normal_lines_but_not_silent_ones() {
        let mut t = ScriptedTerminal {
            verbosity: Verbosity::Silent,
            ..Default::default()
        };
        t.println("explanation");
        t.println_at(Verbosity::Silent, "result");
        assert_eq!(t.out, "result\n");
    }

    #[test]
    fn verbosity_from_flags() {
        assert_eq!(Verbosity::from_flags(false, false), Verbosity::Normal);
        assert_eq!(Verbosity::from_flags(true, false), Verbosity::Silent);
        assert_eq!(Verbosity::from_flags(false, true), Verbosity::Verbose);
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let s = SecretInput::new("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}

/// Parses the arguments of `ironstack <name>` (the words after it) with clap: help and
/// version are printed and end the command with 0; a wrong command line prints clap's
/// explanation on stderr and ends it with 64.
pub fn parse_command<T: clap::Parser>(name: &str, args: Vec<OsString>) -> Result<T, i32> {
    let argv = std::iter::once(OsString::from(format!("ironstack {name}"))).chain(args);
    T::try_parse_from(argv).map_err(|e| {
        let text = e.render().to_string();
        if e.use_stderr() {
            print_err(&text);
            exit_code::USAGE
        } else {
            print_out(&text);
            exit_code::OK
        }
    })
}

/// Checks `-E` overrides: each must be `key=value` (else reported, 64).
pub fn check_overrides(settings: &[String]) -> Result<(), i32> {
    match settings.iter().find(|s| !s.contains('=')) {
        Some(s) => Err(report(&CliError::usage(format!(
            "setting [{s}] must be in the form -E key=value"
        )))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod command_line_tests {
    use super::*;

    #[derive(clap::Parser, Debug)]
    struct Args {
        #[arg(short = 'E')]
        settings: Vec<String>,
        #[arg(short, long)]
        quiet: bool,
    }

    fn words(w: &[&str]) -> Vec<OsString> {
        w.iter().map(OsString::from).collect()
    }

    #[test]
    fn commands_parse_or_end_with_elasticsearchs_exit_codes() {
        let args: Args = parse_command("node", words(&["-q", "-E", "a=b"])).unwrap();
        assert!(args.quiet);
        assert_eq!(args.settings, ["a=b"]);
        assert_eq!(
            parse_command::<Args>("node", words(&["--bogus"])).unwrap_err(),
            exit_code::USAGE
        );
        assert_eq!(
            parse_command::<Args>("node", words(&["--help"])).unwrap_err(),
            exit_code::OK
        );
        assert_eq!(check_overrides(&["a=b".into()]), Ok(()));
        assert_eq!(
            check_overrides(&["a=b".into(), "novalue".into()]),
            Err(exit_code::USAGE)
        );
    }
}
