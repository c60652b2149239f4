//! Output files: choosing the path, refusing to overwrite, creating missing parent
//! directories, and writing exclusively (`O_EXCL`) with mode 0600 so that keys are never
//! readable by others, not even for a moment. A file that fails half-way is deleted.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ironstack_terminal::{CliError, Terminal};

use crate::context::Context;

/// The path to write: `--out` when given, else asked with the default offered.
pub(crate) fn choose_output_path(
    term: &mut dyn Terminal,
    ctx: &Context,
    out: Option<&str>,
    default_name: &str,
) -> Result<PathBuf, CliError> {
    let chosen = match out {
        Some(path) => path.to_string(),
        None => {
            let answer = term.read_line(&format!(
                "Please enter the desired output file [{default_name}]: "
            ))?;
            let answer = answer.trim();
            if answer.is_empty() {
                default_name.to_string()
            } else {
                answer.to_string()
            }
        }
    };
    Ok(ctx.resolve(chosen))
}

/// Exit 74 when something (even a dangling symlink) is already at `path`.
pub(crate) fn refuse_existing(path: &Path) -> Result<(), CliError> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(CliError::io(format!(
            "Output file '{}' already exists",
            path.display()
        )));
    }
    Ok(())
}

/// Makes sure the parent directory exists: asks before creating it (`[Y/n]`), or creates it
/// without asking when `ask` is false. A parent that is a file is exit 73.
pub(crate) fn ensure_parent_dir(
    term: &mut dyn Terminal,
    path: &Path,
    ask: bool,
) -> Result<(), CliError> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    match std::fs::metadata(parent) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => {
            return Err(CliError::cant_create(format!(
                "Parent of output file '{}' is not a directory",
                path.display()
            )));
        }
        Err(_) => {}
    }
    if ask {
        let question = format!(
            "Directory {} does not exist. Do you want to create it?",
            parent.display()
        );
        if !term.prompt_yes_no(&question, true)? {
            return Err(CliError::cant_create(format!(
                "Directory {} does not exist",
                parent.display()
            )));
        }
    }
    std::fs::create_dir_all(parent).map_err(|e| {
        CliError::cant_create(format!("cannot create directory {}: {e}", parent.display()))
    })
}

/// Removes the file it guards when dropped, unless disarmed after a complete write.
struct DeleteOnFailure<'a> {
    path: &'a Path,
    armed: bool,
}

impl Drop for DeleteOnFailure<'_> {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(self.path);
        }
    }
}

/// Creates `path` exclusively with mode 0600 and writes `bytes` to it. An existing file is
/// exit 74 and stays untouched; a failed write deletes what was created.
pub(crate) fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => {
                CliError::io(format!("Output file '{}' already exists", path.display()))
            }
            _ => CliError::cant_create(format!("cannot create {}: {e}", path.display())),
        })?;
    let mut guard = DeleteOnFailure { path, armed: true };
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::io(format!("cannot write {}: {e}", path.display())))?;
    guard.armed = false;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ironstack_terminal::ScriptedTerminal;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_are_exclusive_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.p12");
        write_new_file(&path, b"data").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let e = write_new_file(&path, b"other").unwrap_err();
        assert_eq!(e.code, 74);
        assert_eq!(
            e.message,
            format!("Output file '{}' already exists", path.display())
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"data");
        assert_eq!(refuse_existing(&path).unwrap_err().code, 74);
    }

    #[test]
    fn output_path_prompt_uses_default_on_enter() {
        let ctx = Context::new(PathBuf::from("/work/x"), None);
        let mut t = ScriptedTerminal::with_answers(["", "sub/../my.p12"]);
        let p = choose_output_path(&mut t, &ctx, None, "elastic-stack-ca.p12").unwrap();
        assert_eq!(p, PathBuf::from("/work/x/elastic-stack-ca.p12"));
        assert!(
            t.out
                .contains("Please enter the desired output file [elastic-stack-ca.p12]: ")
        );
        let p = choose_output_path(&mut t, &ctx, None, "a.zip").unwrap();
        assert_eq!(p, PathBuf::from("/work/x/my.p12"));
        let p = choose_output_path(&mut t, &ctx, Some("/tmp/o.zip"), "a.zip").unwrap();
        assert_eq!(p, PathBuf::from("/tmp/o.zip"));
    }

    #[test]
    fn missing_parent_is_created_after_asking_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/dir/out.zip");
        let mut t = ScriptedTerminal::with_answers(["n"]);
        assert_eq!(ensure_parent_dir(&mut t, &path, true).unwrap_err().code, 73);
        let mut t = ScriptedTerminal::with_answers(["y"]);
        ensure_parent_dir(&mut t, &path, true).unwrap();
        assert!(dir.path().join("new/dir").is_dir());
        assert!(
            t.out
                .contains("does not exist. Do you want to create it? [Y/n]")
        );

        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        let mut t = ScriptedTerminal::default();
        let e = ensure_parent_dir(&mut t, &file.join("out.zip"), true).unwrap_err();
        assert_eq!(e.code, 73);
    }
}
