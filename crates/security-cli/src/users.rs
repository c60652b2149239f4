//! `ironstack users`: add, remove and change file-realm users, like `elasticsearch-users`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ironstack_security::Hasher;
use ironstack_security::authc::RESERVED_USERS;
use ironstack_security::file_realm::{self, FileUsers};
use ironstack_security::password::validate_password;
use ironstack_security::rbac::reserved::is_reserved_role;
use ironstack_terminal::{CliError, Terminal, Verbosity, exit_code};

/// Elasticsearch's `ExitCodes.NO_USER`.
pub const NO_USER: i32 = 67;
/// Elasticsearch's `ExitCodes.CODE_ERROR` (used for "already exists").
pub const CODE_ERROR: i32 = 70;

/// One `ironstack users` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsersAction {
    /// `useradd NAME [-p PW] [-r roles]`
    Add {
        /// User name.
        name: String,
        /// Password given with `-p`.
        password: Option<String>,
        /// Roles given with `-r` (comma separated).
        roles: Vec<String>,
    },
    /// `userdel NAME`
    Delete {
        /// User name.
        name: String,
    },
    /// `passwd NAME [-p PW]`
    Passwd {
        /// User name.
        name: String,
        /// Password given with `-p`.
        password: Option<String>,
    },
    /// `roles NAME [-a add] [-r remove]`
    Roles {
        /// User name.
        name: String,
        /// Roles to add.
        add: Vec<String>,
        /// Roles to remove.
        remove: Vec<String>,
    },
    /// `list [NAME]`
    List {
        /// Only this user.
        name: Option<String>,
    },
}

/// Splits `-r a,b` values into role names.
pub fn split_roles(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

fn validate_username(name: &str) -> Result<(), CliError> {
    if RESERVED_USERS.contains(&name) {
        return Err(CliError::data(format!(
            "Invalid username [{name}]... Username [{name}] is reserved and may not be used."
        )));
    }
    if !file_realm::is_valid_name(name)
        || name.starts_with(|c: char| !c.is_ascii_alphabetic() && c != '_')
    {
        return Err(CliError::data(format!(
            "Invalid username [{name}]... Valid usernames must be at least 1 and no more than 1024 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed."
        )));
    }
    Ok(())
}

fn validate_roles(roles: &[String]) -> Result<(), CliError> {
    for role in roles {
        if !file_realm::is_valid_name(role) {
            return Err(CliError::data(format!(
                "Invalid role [{role}]... Valid role names must be at least 1 and no more than 1024 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed."
            )));
        }
    }
    Ok(())
}

fn new_password(given: Option<&str>, terminal: &mut dyn Terminal) -> Result<String, CliError> {
    let password = match given {
        Some(p) => p.to_string(),
        None => {
            let first = terminal.read_secret("Enter new password: ")?;
            let second = terminal.read_secret("Retype new password: ")?;
            if first.expose() != second.expose() {
                return Err(CliError::data("Password mismatch"));
            }
            first.expose().to_string()
        }
    };
    validate_password(&password).map_err(|e| CliError::data(format!("Invalid password...{e}")))?;
    Ok(password)
}

/// Role names defined in `roles.yml` (top-level keys).
fn file_roles(config_dir: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(roles_file(config_dir)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with([' ', '\t', '#', '-']))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, _)| k.trim().trim_matches(['"', '\'']).to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

fn roles_file(config_dir: &Path) -> PathBuf {
    config_dir.join("roles.yml")
}

fn unknown_roles(config_dir: &Path, roles: &[String]) -> Vec<String> {
    let known = file_roles(config_dir);
    roles
        .iter()
        .filter(|r| !is_reserved_role(r) && !known.contains(*r))
        .cloned()
        .collect()
}

fn warn_unknown_roles(config_dir: &Path, roles: &[String], terminal: &mut dyn Terminal) {
    let unknown = unknown_roles(config_dir, roles);
    if !unknown.is_empty() {
        terminal.eprintln(&format!(
            "Warning: The following roles [{}] are not in the [{}] file. Make sure the names are correct. If the names are correct and the roles were created using the API please disregard this message. Nonetheless the command will still add the roles to the user",
            unknown.join(","),
            roles_file(config_dir).display()
        ));
    }
}

fn require_files(config_dir: &Path) -> Result<(), CliError> {
    let (users, roles) = file_realm::paths(config_dir);
    for path in [users, roles] {
        if !path.exists() {
            // Elasticsearch ships both files empty; ironstack creates them on first use.
            file_realm::write_atomically(&path, "")
                .map_err(|e| CliError::cant_create(e.to_string()))?;
        }
    }
    Ok(())
}

fn load(config_dir: &Path, terminal: &mut dyn Terminal) -> Result<FileUsers, CliError> {
    let (files, warnings) = FileUsers::load(config_dir).map_err(|e| CliError::io(e.to_string()))?;
    for warning in warnings {
        terminal.println_at(Verbosity::Verbose, &warning);
    }
    Ok(files)
}

fn save(files: &FileUsers, config_dir: &Path) -> Result<(), CliError> {
    files
        .save(config_dir)
        .map_err(|e| CliError::io(e.to_string()))
}

fn no_user(name: &str) -> CliError {
    CliError::new(NO_USER, format!("User [{name}] doesn't exist"))
}

/// Runs one action against the files of `config_dir`, hashing with `hasher`.
pub fn run(
    action: &UsersAction,
    config_dir: &Path,
    hasher: Hasher,
    terminal: &mut dyn Terminal,
) -> Result<(), CliError> {
    match action {
        UsersAction::Add {
            name,
            password,
            roles,
        } => {
            validate_username(name)?;
            validate_roles(roles)?;
            require_files(config_dir)?;
            let mut files = load(config_dir, terminal)?;
            if files.users.contains_key(name) {
                return Err(CliError::new(
                    CODE_ERROR,
                    format!("User [{name}] already exists"),
                ));
            }
            let password = new_password(password.as_deref(), terminal)?;
            warn_unknown_roles(config_dir, roles, terminal);
            let hash = hasher
                .hash(&password)
                .map_err(|e| CliError::new(exit_code::DATA_ERROR, e.to_string()))?;
            files.users.insert(name.clone(), hash);
            let mut sorted: Vec<String> = roles.clone();
            sorted.sort();
            sorted.dedup();
            files.roles.insert(name.clone(), sorted);
            save(&files, config_dir)
        }
        UsersAction::Delete { name } => {
            let mut files = load(config_dir, terminal)?;
            if files.users.remove(name).is_none() {
                return Err(no_user(name));
            }
            files.roles.remove(name);
            save(&files, config_dir)
        }
        UsersAction::Passwd { name, password } => {
            let mut files = load(config_dir, terminal)?;
            if !files.users.contains_key(name) {
                return Err(no_user(name));
            }
            let password = new_password(password.as_deref(), terminal)?;
            let hash = hasher
                .hash(&password)
                .map_err(|e| CliError::new(exit_code::DATA_ERROR, e.to_string()))?;
            files.users.insert(name.clone(), hash);
            save(&files, config_dir)
        }
        UsersAction::Roles { name, add, remove } => {
            validate_roles(add)?;
            validate_roles(remove)?;
            let mut files = load(config_dir, terminal)?;
            if !files.users.contains_key(name) {
                return Err(no_user(name));
            }
            if add.is_empty() && remove.is_empty() {
                return list(&files, config_dir, Some(name), terminal);
            }
            warn_unknown_roles(config_dir, add, terminal);
            let mut roles: BTreeSet<String> = files.roles_of(name).into_iter().collect();
            roles.extend(add.iter().cloned());
            for r in remove {
                roles.remove(r);
            }
            files
                .roles
                .insert(name.clone(), roles.into_iter().collect());
            save(&files, config_dir)
        }
        UsersAction::List { name } => {
            let files = load(config_dir, terminal)?;
            list(&files, config_dir, name.as_deref(), terminal)
        }
    }
}

fn list(
    files: &FileUsers,
    config_dir: &Path,
    only: Option<&str>,
    terminal: &mut dyn Terminal,
) -> Result<(), CliError> {
    let names: Vec<&String> = match only {
        Some(name) => {
            let found = files
                .users
                .keys()
                .find(|u| u.as_str() == name)
                .ok_or_else(|| no_user(name))?;
            vec![found]
        }
        None => files.users.keys().collect(),
    };
    let known = file_roles(config_dir);
    let mut any_unknown = false;
    for name in names {
        let roles = files.roles_of(name);
        let shown: Vec<String> = roles
            .iter()
            .map(|r| {
                if is_reserved_role(r) || known.contains(r) {
                    r.clone()
                } else {
                    any_unknown = true;
                    format!("{r}*")
                }
            })
            .collect();
        let text = if shown.is_empty() {
            "-".to_string()
        } else {
            shown.join(",")
        };
        terminal.println_at(Verbosity::Silent, &format!("{name:<15}: {text}"));
    }
    if any_unknown {
        terminal.println(&format!(
            "\n [*]   Role is not in the [{}] file. If the role has been created using the API, please disregard this message.",
            roles_file(config_dir).display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ironstack_terminal::ScriptedTerminal;

    const FAST: Hasher = Hasher::Bcrypt { cost: 4 };

    fn add(name: &str, pw: Option<&str>, roles: &[&str]) -> UsersAction {
        UsersAction::Add {
            name: name.into(),
            password: pw.map(Into::into),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn useradd_prompts_twice_then_list_shows_roles() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = ScriptedTerminal::with_answers(["secret-1", "secret-1"]);
        run(
            &add("joe", None, &["superuser", "mine"]),
            dir.path(),
            FAST,
            &mut t,
        )
        .unwrap();
        assert!(
            t.err
                .contains("Warning: The following roles [mine] are not in the"),
            "{}",
            t.err
        );
        let (files, _) = FileUsers::load(dir.path()).unwrap();
        assert!(ironstack_security::hash::verify_password(
            "secret-1",
            &files.users["joe"]
        ));
        assert_eq!(files.roles_of("joe"), vec!["mine", "superuser"]);
        let mut t = ScriptedTerminal::with_answers(Vec::<String>::new());
        run(&UsersAction::List { name: None }, dir.path(), FAST, &mut t).unwrap();
        assert!(
            t.out.starts_with("joe            : mine*,superuser\n"),
            "{}",
            t.out
        );
        assert!(t.out.contains("[*]   Role is not in the"));
    }

    #[test]
    fn useradd_errors_match_elasticsearch() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = ScriptedTerminal::with_answers(["abcdef", "abcdeg"]);
        let e = run(&add("joe", None, &[]), dir.path(), FAST, &mut t).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (65, "Password mismatch"));
        let e = run(&add("joe", Some("short"), &[]), dir.path(), FAST, &mut t).unwrap_err();
        assert_eq!(e.code, 65);
        assert!(
            e.message.contains("at least [6] characters"),
            "{}",
            e.message
        );
        let e = run(
            &add("elastic", Some("abcdef"), &[]),
            dir.path(),
            FAST,
            &mut t,
        )
        .unwrap_err();
        assert!(e.message.contains("is reserved"), "{}", e.message);
        run(&add("joe", Some("abcdef"), &[]), dir.path(), FAST, &mut t).unwrap();
        let e = run(&add("joe", Some("abcdef"), &[]), dir.path(), FAST, &mut t).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (70, "User [joe] already exists")
        );
    }

    #[test]
    fn passwd_roles_userdel() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = ScriptedTerminal::with_answers(["new-pass", "new-pass"]);
        run(
            &add("ann", Some("old-pass"), &["viewer"]),
            dir.path(),
            FAST,
            &mut t,
        )
        .unwrap();
        run(
            &UsersAction::Passwd {
                name: "ann".into(),
                password: None,
            },
            dir.path(),
            FAST,
            &mut t,
        )
        .unwrap();
        let (files, _) = FileUsers::load(dir.path()).unwrap();
        assert!(ironstack_security::hash::verify_password(
            "new-pass",
            &files.users["ann"]
        ));
        run(
            &UsersAction::Roles {
                name: "ann".into(),
                add: vec!["superuser".into()],
                remove: vec!["viewer".into()],
            },
            dir.path(),
            FAST,
            &mut t,
        )
        .unwrap();
        assert_eq!(
            FileUsers::load(dir.path()).unwrap().0.roles_of("ann"),
            vec!["superuser"]
        );
        run(
            &UsersAction::Delete { name: "ann".into() },
            dir.path(),
            FAST,
            &mut t,
        )
        .unwrap();
        let files = FileUsers::load(dir.path()).unwrap().0;
        assert!(files.users.is_empty() && files.roles.is_empty());
        let e = run(
            &UsersAction::Delete { name: "ann".into() },
            dir.path(),
            FAST,
            &mut t,
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (67, "User [ann] doesn't exist")
        );
        let e = run(
            &UsersAction::List {
                name: Some("ann".into()),
            },
            dir.path(),
            FAST,
            &mut t,
        )
        .unwrap_err();
        assert_eq!(e.code, 67);
    }
}
