//! Obtaining the keystore password and opening the keystore, shared by `ironstack keystore`
//! and the node's startup.
//!
//! Sources, in order: nothing at all for an unprotected keystore (empty password); the first
//! line of the file named by `IRONSTACK_KEYSTORE_PASSWORD_FILE`; otherwise the prompt
//! `Enter password for the ironstack keystore : `, which reads without echo from a console, or
//! one line of standard input when it is piped (`echo "$PW" | ironstack node`).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ironstack_keystore::{Error, Keystore};
use ironstack_terminal::{CliError, SecretInput, Terminal};
use zeroize::Zeroize;

/// Environment variable naming a file whose first line is the keystore password.
pub const PASSWORD_FILE_ENV: &str = "IRONSTACK_KEYSTORE_PASSWORD_FILE";

/// Environment variable naming the config directory (Elasticsearch's `ES_PATH_CONF`).
pub const CONFIG_DIR_ENV: &str = "IRONSTACK_PATH_CONF";

/// The prompt for the password of an existing protected keystore.
pub const PASSWORD_PROMPT: &str = "Enter password for the ironstack keystore : ";

/// Longest password file accepted; a password is one short line.
const MAX_PASSWORD_FILE_LEN: u64 = 64 * 1024;

/// `$IRONSTACK_KEYSTORE_PASSWORD_FILE`, when set and not empty.
pub fn password_file_from_env() -> Option<PathBuf> {
    std::env::var_os(PASSWORD_FILE_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$IRONSTACK_PATH_CONF`, else `./config`.
pub fn config_dir_from_env() -> PathBuf {
    std::env::var_os(CONFIG_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("config"), PathBuf::from)
}

/// The first line of `path` (its line ending removed) as a secret.
pub fn read_password_file(path: &Path) -> Result<SecretInput, CliError> {
    let cannot = |e: std::io::Error| {
        CliError::io(format!(
            "cannot read the keystore password file [{}] named by {PASSWORD_FILE_ENV}: {e}",
            path.display()
        ))
    };
    let file = File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_PASSWORD_FILE_LEN)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    let line_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let mut line = bytes[..line_end].to_vec();
    bytes.zeroize();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    match String::from_utf8(line) {
        Ok(password) => Ok(SecretInput::new(password)),
        Err(e) => {
            e.into_bytes().zeroize();
            Err(CliError::data(format!(
                "the keystore password file [{}] is not UTF-8 text",
                path.display()
            )))
        }
    }
}

/// The password that opens the existing keystore at `keystore_path`: empty when the keystore
/// is not protected (no prompt), else the first line of `password_file` when given, else typed
/// at the [`PASSWORD_PROMPT`].
pub fn keystore_password_from_env_or_terminal(
    keystore_path: &Path,
    password_file: Option<&Path>,
    terminal: &mut dyn Terminal,
) -> Result<SecretInput, CliError> {
    let protected =
        Keystore::is_password_protected(keystore_path).map_err(|e| keystore_error(&e))?;
    password_for(protected, password_file, terminal)
}

fn password_for(
    protected: bool,
    password_file: Option<&Path>,
    terminal: &mut dyn Terminal,
) -> Result<SecretInput, CliError> {
    if !protected {
        return Ok(SecretInput::default());
    }
    match password_file {
        Some(file) => read_password_file(file),
        None => terminal.read_secret(PASSWORD_PROMPT),
    }
}

/// A decrypted keystore together with where it lives and the password that saves it again.
#[derive(Debug)]
pub struct OpenedKeystore {
    /// The decrypted settings.
    pub keystore: Keystore,
    /// The keystore file.
    pub path: PathBuf,
    password: SecretInput,
}

impl OpenedKeystore {
    /// Wraps a keystore with the path and password used by [`OpenedKeystore::save`].
    pub fn new(keystore: Keystore, path: PathBuf, password: SecretInput) -> Self {
        Self {
            keystore,
            path,
            password,
        }
    }

    /// Whether the keystore is saved with a non-empty password.
    pub fn is_password_protected(&self) -> bool {
        !self.password.is_empty()
    }

    /// The password the keystore was opened with (empty when unprotected).
    pub fn password(&self) -> &SecretInput {
        &self.password
    }

    /// Writes the keystore back (atomically, 0600) with the password it was opened with.
    pub fn save(&self) -> Result<(), CliError> {
        self.keystore
            .save(&self.path, self.password.expose())
            .map_err(|e| keystore_error(&e))
    }
}

/// Opens `<config_dir>/ironstack.keystore`, obtaining the password as described in
/// [`keystore_password_from_env_or_terminal`]. `Ok(None)` when there is no keystore.
pub fn open_keystore(
    config_dir: &Path,
    password_file: Option<&Path>,
    terminal: &mut dyn Terminal,
) -> Result<Option<OpenedKeystore>, CliError> {
    let path = Keystore::default_path(config_dir);
    let protected = match Keystore::is_password_protected(&path) {
        Err(Error::NotFound { .. }) => return Ok(None),
        other => other.map_err(|e| keystore_error(&e))?,
    };
    let password = password_for(protected, password_file, terminal)?;
    let keystore = Keystore::load(&path, password.expose()).map_err(|e| keystore_error(&e))?;
    Ok(Some(OpenedKeystore::new(keystore, path, password)))
}

/// What a node does at startup (Elasticsearch's `KeyStoreWrapper.bootstrap`): open the
/// keystore, or create and save an unprotected one when there is none; then upgrade an
/// older format (or a keystore without `keystore.seed`) in place.
pub fn open_or_create_keystore(
    config_dir: &Path,
    password_file: Option<&Path>,
    terminal: &mut dyn Terminal,
) -> Result<OpenedKeystore, CliError> {
    if let Some(mut opened) = open_keystore(config_dir, password_file, terminal)? {
        if opened.keystore.needs_upgrade() {
            opened
                .keystore
                .ensure_seed()
                .map_err(|e| keystore_error(&e))?;
            opened.save()?;
        }
        return Ok(opened);
    }
    let keystore = Keystore::try_new().map_err(|e| keystore_error(&e))?;
    let opened = OpenedKeystore::new(
        keystore,
        Keystore::default_path(config_dir),
        SecretInput::default(),
    );
    opened.save()?;
    Ok(opened)
}

/// The CLI error (message and exit code) for a keystore library error.
pub fn keystore_error(error: &Error) -> CliError {
    match error {
        Error::NotFound { path } => CliError::data(format!(
            "ironstack keystore not found at [{}]. Use 'create' command to create one.",
            path.display()
        )),
        Error::Io {
            source,
            action,
            path,
        } if source.kind() == std::io::ErrorKind::PermissionDenied => CliError::config(format!(
            "cannot {action} [{}]: permission denied; run the command as the user that owns the config directory",
            path.display()
        )),
        Error::Io { .. } | Error::Random(_) => CliError::io(error.to_string()),
        _ => CliError::data(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ironstack_terminal::{ScriptedTerminal, exit_code};

    #[test]
    fn password_file_first_line_without_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        for (content, expected) in [
            ("secret\n", "secret"),
            ("secret\r\nsecond line\n", "secret"),
            ("no newline", "no newline"),
            ("  spaced  \n", "  spaced  "),
            ("", ""),
        ] {
            std::fs::write(&file, content).unwrap();
            assert_eq!(read_password_file(&file).unwrap().expose(), expected);
        }
        std::fs::write(&file, [0xffu8, 0xfe, b'\n']).unwrap();
        assert_eq!(
            read_password_file(&file).unwrap_err().code,
            exit_code::DATA_ERROR
        );
        let missing = read_password_file(&dir.path().join("missing")).unwrap_err();
        assert_eq!(missing.code, exit_code::IO_ERROR);
        assert!(missing.message.contains(PASSWORD_FILE_ENV));
    }

    #[test]
    fn unprotected_keystore_needs_no_password_and_file_beats_prompt() {
        let dir = tempfile::tempdir().unwrap();
        let path = Keystore::default_path(dir.path());
        Keystore::new().save(&path, "").unwrap();
        let mut t = ScriptedTerminal::default();
        let pw = keystore_password_from_env_or_terminal(&path, None, &mut t).unwrap();
        assert!(pw.is_empty());
        assert!(t.out.is_empty(), "prompted for an unprotected keystore");

        Keystore::new().save(&path, "pw1").unwrap();
        let pw_file = dir.path().join("pwfile");
        std::fs::write(&pw_file, "pw1\n").unwrap();
        let pw = keystore_password_from_env_or_terminal(&path, Some(&pw_file), &mut t).unwrap();
        assert_eq!(pw.expose(), "pw1");
        assert!(
            t.out.is_empty(),
            "prompted although a password file was given"
        );

        let mut t = ScriptedTerminal::with_answers(["typed"]);
        let pw = keystore_password_from_env_or_terminal(&path, None, &mut t).unwrap();
        assert_eq!(pw.expose(), "typed");
        assert!(t.out.contains(PASSWORD_PROMPT));
    }

    #[test]
    fn open_keystore_reports_missing_wrong_password_and_opens() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = ScriptedTerminal::default();
        assert!(open_keystore(dir.path(), None, &mut t).unwrap().is_none());

        let mut ks = Keystore::new();
        ks.set("a", b"1".to_vec()).unwrap();
        ks.save(&Keystore::default_path(dir.path()), "pw").unwrap();

        let mut t = ScriptedTerminal::with_answers(["nope"]);
        let err = open_keystore(dir.path(), None, &mut t).unwrap_err();
        assert_eq!(err.code, exit_code::DATA_ERROR);
        assert_eq!(err.message, "Provided keystore password was incorrect");

        let mut t = ScriptedTerminal::with_answers(["pw"]);
        let opened = open_keystore(dir.path(), None, &mut t).unwrap().unwrap();
        assert!(opened.is_password_protected());
        assert_eq!(opened.keystore.get_string("a"), Some("1"));
    }

    #[test]
    fn open_or_create_creates_an_unprotected_keystore_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = ScriptedTerminal::default();
        let first = open_or_create_keystore(dir.path(), None, &mut t).unwrap();
        assert!(!first.is_password_protected());
        assert!(first.keystore.contains(ironstack_keystore::SEED_SETTING));
        let second = open_or_create_keystore(dir.path(), None, &mut t).unwrap();
        assert_eq!(
            second.keystore.get(ironstack_keystore::SEED_SETTING),
            first.keystore.get(ironstack_keystore::SEED_SETTING)
        );
    }
}
