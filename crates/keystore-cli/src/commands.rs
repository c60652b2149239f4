//! The keystore subcommands, with Elasticsearch's prompts, messages and exit codes (the
//! product is named "ironstack keystore" where Elasticsearch says "elasticsearch keystore").

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use ironstack_keystore::{Keystore, validate_setting_name};
use ironstack_terminal::{CliError, SecretInput, Terminal, Verbosity};

use crate::password::{keystore_error, keystore_password_from_env_or_terminal, read_password_file};
use crate::{Command, KeystoreEnv};

/// Exit code of `has-passwd` when there is no keystore or it has no password.
const NO_PASSWORD_EXIT_CODE: i32 = 1;

const NEW_PASSWORD_PROMPT: &str =
    "Enter new password for the ironstack keystore (empty for no password): ";
const CONFIRM_PASSWORD_PROMPT: &str = "Enter same password again: ";

/// Runs one subcommand; `Ok` carries the exit code (0, or 1 for `has-passwd`).
pub(crate) fn execute(
    command: &Command,
    env: &KeystoreEnv,
    terminal: &mut dyn Terminal,
) -> Result<i32, CliError> {
    let path = Keystore::default_path(&env.config_dir);
    match command {
        Command::Create { password } => create(&path, env, *password, terminal)?,
        Command::List => list(&path, env, terminal)?,
        Command::Add {
            force,
            stdin,
            names,
        } => add(&path, env, names, *force, *stdin, terminal)?,
        Command::AddFile { force, pairs } => add_file(&path, env, pairs, *force, terminal)?,
        Command::Remove { names } => remove(&path, env, names, terminal)?,
        Command::Show { output, names } => show(&path, env, names, output.as_deref(), terminal)?,
        Command::Passwd => passwd(&path, env, terminal)?,
        Command::HasPasswd => return has_passwd(&path, terminal),
        Command::Upgrade => upgrade(&path, env, terminal)?,
    }
    Ok(0)
}

/// Asks for a new password twice; a mismatch ends the command with exit 65.
fn read_new_password(terminal: &mut dyn Terminal) -> Result<SecretInput, CliError> {
    let password = terminal.read_secret(NEW_PASSWORD_PROMPT)?;
    let again = terminal.read_secret(CONFIRM_PASSWORD_PROMPT)?;
    if password != again {
        return Err(CliError::data("Passwords are not equal, exiting."));
    }
    Ok(password)
}

/// Loads a keystore that must exist (exit 65 with a hint to `create` when it does not).
fn load_existing(
    path: &Path,
    env: &KeystoreEnv,
    terminal: &mut dyn Terminal,
) -> Result<(Keystore, SecretInput), CliError> {
    let password =
        keystore_password_from_env_or_terminal(path, env.password_file.as_deref(), terminal)?;
    let keystore = Keystore::load(path, password.expose()).map_err(|e| keystore_error(&e))?;
    Ok((keystore, password))
}

/// Loads the keystore, or (for `add`/`add-file`) offers to create an unprotected one; `-f`
/// creates it without asking. `None` when the user declined.
fn load_or_create(
    path: &Path,
    env: &KeystoreEnv,
    force: bool,
    terminal: &mut dyn Terminal,
) -> Result<Option<(Keystore, SecretInput)>, CliError> {
    if path.exists() {
        return load_existing(path, env, terminal).map(Some);
    }
    if !force
        && !terminal.prompt_yes_no(
            "The ironstack keystore does not exist. Do you want to create it?",
            false,
        )?
    {
        terminal.println("Exiting without creating keystore.");
        return Ok(None);
    }
    let keystore = Keystore::try_new().map_err(|e| keystore_error(&e))?;
    save_new(path, &keystore, "")?;
    Ok(Some((keystore, SecretInput::default())))
}

/// Saves a keystore that may be the first file in a config directory not yet created.
fn save_new(path: &Path, keystore: &Keystore, password: &str) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        create_config_dir(dir)?;
    }
    keystore
        .save(path, password)
        .map_err(|e| keystore_error(&e))
}

fn create_config_dir(dir: &Path) -> Result<(), CliError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o750);
    }
    builder.create(dir).map_err(|e| {
        CliError::config(format!(
            "cannot create the config directory [{}]: {e}",
            dir.display()
        ))
    })
}

fn create(
    path: &Path,
    env: &KeystoreEnv,
    with_password: bool,
    terminal: &mut dyn Terminal,
) -> Result<(), CliError> {
    // As in Elasticsearch the password comes first; a scripted caller can give it in the
    // password file instead of typing it twice.
    let password = match (with_password, &env.password_file) {
        (false, _) => SecretInput::default(),
        (true, Some(file)) => read_password_file(file)?,
        (true, None) => read_new_password(terminal)?,
    };
    if path.exists()
        && !terminal.prompt_yes_no("An ironstack keystore already exists. Overwrite?", false)?
    {
        terminal.println("Exiting without creating keystore.");
        return Ok(());
    }
    let keystore = Keystore::try_new().map_err(|e| keystore_error(&e))?;
    save_new(path, &keystore, password.expose())?;
    terminal.println(&format!("Created ironstack keystore in {}", path.display()));
    Ok(())
}

fn list(path: &Path, env: &KeystoreEnv, terminal: &mut dyn Terminal) -> Result<(), CliError> {
    let (keystore, _) = load_existing(path, env, terminal)?;
    for name in keystore.names() {
        terminal.println(name);
    }
    Ok(())
}

fn add(
    path: &Path,
    env: &KeystoreEnv,
    names: &[String],
    force: bool,
    from_stdin: bool,
    terminal: &mut dyn Terminal,
) -> Result<(), CliError> {
    if names.is_empty() {
        return Err(CliError::usage("the setting names can not be empty"));
    }
    // Checked before any prompt so a typo costs no typing.
    for name in names {
        validate_setting_name(name).map_err(|e| keystore_error(&e))?;
    }
    let Some((mut keystore, password)) = load_or_create(path, env, force, terminal)? else {
        return Ok(());
    };
    for name in names {
        if keystore.contains(name) && !force && !confirm_overwrite(name, terminal)? {
            return Ok(());
        }
        let prompt = if from_stdin {
            String::new()
        } else {
            format!("Enter value for {name}: ")
        };
        let value = terminal.read_secret(&prompt)?;
        keystore
            .set(name, value.expose().as_bytes().to_vec())
            .map_err(|e| keystore_error(&e))?;
    }
    keystore
        .save(path, password.expose())
        .map_err(|e| keystore_error(&e))
}

fn confirm_overwrite(name: &str, terminal: &mut dyn Terminal) -> Result<bool, CliError> {
    let overwrite =
        terminal.prompt_yes_no(&format!("Setting {name} already exists. Overwrite?"), false)?;
    if !overwrite {
        terminal.println("Exiting without modifying keystore.");
    }
    Ok(overwrite)
}

fn add_file(
    path: &Path,
    env: &KeystoreEnv,
    pairs: &[OsString],
    force: bool,
    terminal: &mut dyn Terminal,
) -> Result<(), CliError> {
    if pairs.is_empty() {
        return Err(CliError::usage("Missing setting name"));
    }
    if !pairs.len().is_multiple_of(2) {
        return Err(CliError::usage("settings and filenames must come in pairs"));
    }
    let mut settings = Vec::with_capacity(pairs.len() / 2);
    for pair in pairs.chunks(2) {
        let name = pair[0].to_str().ok_or_else(|| {
            CliError::data(format!(
                "Setting name [{}] does not match the allowed setting name pattern [[A-Za-z0-9_\\-.]+]",
                pair[0].to_string_lossy()
            ))
        })?;
        validate_setting_name(name).map_err(|e| keystore_error(&e))?;
        settings.push((name, PathBuf::from(&pair[1])));
    }
    let Some((mut keystore, password)) = load_or_create(path, env, force, terminal)? else {
        return Ok(());
    };
    for (name, file) in settings {
        if keystore.contains(name) && !force && !confirm_overwrite(name, terminal)? {
            return Ok(());
        }
        if !file.exists() {
            return Err(CliError::io(format!(
                "File [{}] does not exist",
                file.display()
            )));
        }
        let bytes = fs::read(&file)
            .map_err(|e| CliError::io(format!("cannot read file [{}]: {e}", file.display())))?;
        keystore.set(name, bytes).map_err(|e| keystore_error(&e))?;
    }
    keystore
        .save(path, password.expose())
        .map_err(|e| keystore_error(&e))
}

fn remove(
    path: &Path,
    env: &KeystoreEnv,
    names: &[String],
    terminal: &mut dyn Terminal,
) -> Result<(), CliError> {
    if names.is_empty() {
        return Err(CliError::usage(
            "Must supply at least one setting to remove",
        ));
    }
    let (mut keystore, password) = load_existing(path, env, terminal)?;
    for name in names {
        if !keystore.remove(name) {
            return Err(not_in_keystore(name));
        }
    }
    keystore
        .save(path, password.expose())
        .map_err(|e| keystore_error(&e))
}

fn not_in_keystore(name: &str) -> CliError {
    CliError::config(format!("Setting [{name}] does not exist in the keystore."))
}

fn show(
    path: &Path,
    env: &KeystoreEnv,
    names: &[String],
    output: Option<&Path>,
    terminal: &mut dyn Terminal,
) -> Result<(), CliError> {
    let [name] = names else {
        return Err(CliError::usage(
            "Must provide a single setting name to show",
        ));
    };
    let (keystore, _) = load_existing(path, env, terminal)?;
    let value = keystore.get(name).ok_or_else(|| not_in_keystore(name))?;
    if let Some(output) = output {
        return write_private_file(output, value.as_bytes());
    }
    match value.as_str() {
        Some(text) => {
            terminal.println_at(Verbosity::Silent, text);
            Ok(())
        }
        None => {
            terminal.eprintln(&format!(
                "The value for the setting [{name}] is not a string and cannot be printed to the console"
            ));
            Err(CliError::io(
                "Please redirect binary output to a file instead (use -o FILE)",
            ))
        }
    }
}

/// Writes a secret to `path`, creating it 0600 (an existing file is truncated, as a shell
/// redirection would, and keeps its mode).
fn write_private_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let cannot = |e: std::io::Error| {
        CliError::io(format!(
            "cannot write output file [{}]: {e}",
            path.display()
        ))
    };
    let mut file = options.open(path).map_err(cannot)?;
    file.write_all(bytes).map_err(cannot)?;
    file.flush().map_err(cannot)
}

fn passwd(path: &Path, env: &KeystoreEnv, terminal: &mut dyn Terminal) -> Result<(), CliError> {
    let (keystore, _old_password) = load_existing(path, env, terminal)?;
    let new_password = read_new_password(terminal)?;
    keystore
        .save(path, new_password.expose())
        .map_err(|e| keystore_error(&e))?;
    terminal.println("ironstack keystore password changed successfully.");
    Ok(())
}

fn has_passwd(path: &Path, terminal: &mut dyn Terminal) -> Result<i32, CliError> {
    let not_protected = |terminal: &mut dyn Terminal, message: &str| {
        // Printed here rather than reported so that `-s` silences it, as in Elasticsearch.
        if terminal.verbosity() >= Verbosity::Normal {
            terminal.eprintln(&format!("ERROR: {message}"));
        }
        NO_PASSWORD_EXIT_CODE
    };
    match Keystore::is_password_protected(path) {
        Err(ironstack_keystore::Error::NotFound { .. }) => {
            Ok(not_protected(terminal, "ironstack keystore not found"))
        }
        Err(e) => Err(keystore_error(&e)),
        Ok(false) => Ok(not_protected(
            terminal,
            "Keystore is not password-protected",
        )),
        Ok(true) => {
            terminal.println("Keystore is password-protected");
            Ok(0)
        }
    }
}

fn upgrade(path: &Path, env: &KeystoreEnv, terminal: &mut dyn Terminal) -> Result<(), CliError> {
    let (mut keystore, password) = load_existing(path, env, terminal)?;
    if !keystore.needs_upgrade() {
        terminal.println_at(
            Verbosity::Verbose,
            "The keystore is already in the current format.",
        );
        return Ok(());
    }
    let from = keystore.format_version();
    keystore.ensure_seed().map_err(|e| keystore_error(&e))?;
    keystore
        .save(path, password.expose())
        .map_err(|e| keystore_error(&e))?;
    terminal.println_at(
        Verbosity::Verbose,
        &format!(
            "Upgraded the keystore from format version {from} to {}.",
            ironstack_keystore::CURRENT_FORMAT_VERSION
        ),
    );
    Ok(())
}
