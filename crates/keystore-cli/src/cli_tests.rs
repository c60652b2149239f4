//! Command tests against a scripted terminal (the real binary is exercised by
//! `crates/ironstack/tests/integration/keystore.rs`).

use std::path::Path;

use ironstack_keystore::{Keystore, SEED_SETTING};
use ironstack_terminal::{ScriptedTerminal, exit_code};

use super::*;

fn cli(args: &[&str]) -> Cli {
    match parse(args.iter().map(OsString::from).collect()) {
        Ok(cli) => cli,
        Err(code) => panic!("{args:?} did not parse (exit {code})"),
    }
}

fn env_at(dir: &Path) -> KeystoreEnv {
    KeystoreEnv {
        config_dir: dir.to_path_buf(),
        password_file: None,
    }
}

/// Runs a command; returns the exit code (errors included) and the terminal.
fn exec(
    env: &KeystoreEnv,
    args: &[&str],
    answers: &[&str],
) -> (Result<i32, CliError>, ScriptedTerminal) {
    let parsed = cli(args);
    let mut terminal = ScriptedTerminal::with_answers(answers.iter().copied());
    terminal.verbosity = parsed.common.verbosity();
    let result = commands::execute(&parsed.command, env, &mut terminal);
    (result, terminal)
}

fn ok(env: &KeystoreEnv, args: &[&str], answers: &[&str]) -> ScriptedTerminal {
    let (result, terminal) = exec(env, args, answers);
    assert_eq!(result, Ok(0), "{args:?}: {}", terminal.out);
    terminal
}

fn err(env: &KeystoreEnv, args: &[&str], answers: &[&str]) -> CliError {
    let (result, terminal) = exec(env, args, answers);
    match result {
        Err(e) => e,
        Ok(code) => panic!("{args:?} succeeded with {code}: {}", terminal.out),
    }
}

#[test]
fn parses_common_options_and_subcommands() {
    let parsed = cli(&["-s", "add", "-x", "-f", "a", "b", "-E", "path.home=/x"]);
    assert_eq!(parsed.common.verbosity(), Verbosity::Silent);
    assert_eq!(
        parsed.common.settings,
        vec![("path.home".to_string(), "/x".to_string())]
    );
    assert!(matches!(
        parsed.command,
        Command::Add { force: true, stdin: true, ref names } if names == &["a", "b"]
    ));
    assert!(matches!(
        cli(&["has-passwd", "-v"]).command,
        Command::HasPasswd
    ));
    assert!(matches!(
        cli(&["show", "--output", "f", "x"]).command,
        Command::Show {
            output: Some(_),
            ..
        }
    ));
    assert!(matches!(
        cli(&["create", "--password"]).command,
        Command::Create { password: true }
    ));
}

#[test]
fn bad_command_lines_exit_64() {
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["list", "--bogus"],
        vec!["-s", "-v", "list"],
        vec!["-E", "novalue", "list"],
    ] {
        let args: Vec<OsString> = args.into_iter().map(OsString::from).collect();
        assert_eq!(
            parse(args.clone()).err(),
            Some(exit_code::USAGE),
            "{args:?}"
        );
    }
    assert_eq!(parse(vec![OsString::from("--help")]).err(), Some(0));
}

#[test]
fn create_list_add_show_remove_flow() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_at(&dir.path().join("config"));
    let t = ok(&env, &["create"], &[]);
    let path = Keystore::default_path(&env.config_dir);
    assert!(
        t.out
            .contains(&format!("Created ironstack keystore in {}", path.display()))
    );

    let t = ok(&env, &["list"], &[]);
    assert_eq!(t.out, format!("{SEED_SETTING}\n"));

    let t = ok(
        &env,
        &["add", "b.setting", "a.setting"],
        &["value b", "value a"],
    );
    assert!(t.out.contains("Enter value for b.setting: "));
    let t = ok(&env, &["list"], &[]);
    assert_eq!(t.out, format!("a.setting\nb.setting\n{SEED_SETTING}\n"));

    let t = ok(&env, &["-s", "show", "a.setting"], &[]);
    assert_eq!(t.out, "value a\n");

    ok(&env, &["remove", "a.setting", "b.setting"], &[]);
    let t = ok(&env, &["list"], &[]);
    assert_eq!(t.out, format!("{SEED_SETTING}\n"));

    let e = err(&env, &["remove", "a.setting"], &[]);
    assert_eq!(e.code, exit_code::CONFIG);
    assert_eq!(
        e.message,
        "Setting [a.setting] does not exist in the keystore."
    );
    let e = err(&env, &["show", "nope"], &[]);
    assert_eq!(e.code, exit_code::CONFIG);
}

#[test]
fn create_asks_before_overwriting() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_at(dir.path());
    ok(&env, &["create"], &[]);
    ok(&env, &["add", "-x", "keep"], &["1"]);
    let t = ok(&env, &["create"], &["n"]);
    assert!(
        t.out
            .contains("An ironstack keystore already exists. Overwrite? [y/N]")
    );
    assert!(t.out.contains("Exiting without creating keystore."));
    let path = Keystore::default_path(dir.path());
    assert!(Keystore::load(&path, "").unwrap().contains("keep"));
    ok(&env, &["create"], &["y"]);
    assert!(!Keystore::load(&path, "").unwrap().contains("keep"));
}

#[test]
fn protected_keystore_prompts_and_rejects_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_at(dir.path());
    let e = err(&env, &["create", "-p"], &["one", "two"]);
    assert_eq!(e.code, exit_code::DATA_ERROR);
    assert!(!e.message.contains("one"), "password leaked into {e:?}");
    ok(&env, &["create", "-p"], &["pw", "pw"]);

    let t = ok(&env, &["has-passwd"], &[]);
    assert_eq!(t.out, "Keystore is password-protected\n");

    let t = ok(&env, &["add", "-x", "s"], &["pw", "secret value"]);
    assert!(t.out.contains(PASSWORD_PROMPT));
    let e = err(&env, &["list"], &["wrong"]);
    assert_eq!(e.code, exit_code::DATA_ERROR);
    assert_eq!(e.message, "Provided keystore password was incorrect");

    let t = ok(&env, &["show", "s"], &["pw"]);
    assert!(t.out.ends_with("secret value\n"));
}

#[test]
fn password_file_replaces_the_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let pw_file = dir.path().join("pw.txt");
    std::fs::write(&pw_file, "filepw\n").unwrap();
    let env = KeystoreEnv {
        config_dir: dir.path().join("conf"),
        password_file: Some(pw_file.clone()),
    };
    let t = ok(&env, &["create", "-p"], &[]);
    assert!(!t.out.contains("Enter"));
    let path = Keystore::default_path(&env.config_dir);
    assert!(Keystore::load(&path, "filepw").is_ok());
    let t = ok(&env, &["add", "-x", "a"], &["v"]);
    assert!(!t.out.contains(PASSWORD_PROMPT));
    std::fs::write(&pw_file, "other\n").unwrap();
    let e = err(&env, &["list"], &[]);
    assert_eq!(e.code, exit_code::DATA_ERROR);
}

#[test]
fn has_passwd_exit_1_cases_and_silent() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_at(dir.path());
    let (result, t) = exec(&env, &["has-passwd"], &[]);
    assert_eq!(result, Ok(1));
    assert_eq!(t.err, "ERROR: ironstack keystore not found\n");
    ok(&env, &["create"], &[]);
    let (result, t) = exec(&env, &["has-passwd"], &[]);
    assert_eq!(result, Ok(1));
    assert_eq!(t.err, "ERROR: Keystore is not password-protected\n");
    let (result, t) = exec(&env, &["-s", "has-passwd"], &[]);
    assert_eq!(result, Ok(1));
    assert!(t.err.is_empty());
}

#[test]
fn add_validation_overwrite_and_missing_keystore() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_at(dir.path());
    let e = err(&env, &["add"], &[]);
    assert_eq!(
        (e.code, e.message.as_str()),
        (exit_code::USAGE, "the setting names can not be empty")
    );
    let e = err(&env, &["add", "bad name"], &[]);
    assert_eq!(e.code, exit_code::DATA_ERROR);

    // Missing keystore: declining creates nothing, accepting creates an unprotected one.
    let t = ok(&env, &["add", "a"], &["n"]);
    assert!(
        t.out
            .contains("The ironstack keystore does not exist. Do you want to create it? [y/N]")
    );
    assert!(!Keystore::default_path(dir.path()).exists());
    ok(&env, &["add", "a"], &["y", "1"]);

    let t = ok(&env, &["add", "a"], &["n"]);
    assert!(t.out.contains("Setting a already exists. Overwrite? [y/N]"));
    assert!(t.out.contains("Exiting without modifying keystore."));
    ok(&env, &["add", "a"], &["y", "2"]);
    ok(&env, &["add", "-f", "a"], &["3"]);
    let t = ok(&env, &["show", "a"], &[]);
    assert_eq!(t.out, "3\n");

    let other = tempfile::tempdir().unwrap();
    let env2 = env_at(other.path());
    ok(&env2, &["add", "-f", "-x", "z"], &["zz"]);
    assert_eq!(
        Keystore::load(&Keystore::default_path(other.path()), "")
            .unwrap()
            .get_string("z"),
        Some("zz")
    );
}

#[test]
fn add_file_and_binary_show() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_at(dir.path());
    ok(&env, &["create"], &[]);
    let bin = dir.path().join("blob.bin");
    std::fs::write(&bin, [0u8, 0xff, 0xfe, 7]).unwrap();
    let bin = bin.to_str().unwrap();

    let e = err(&env, &["add-file", "x"], &[]);
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            exit_code::USAGE,
            "settings and filenames must come in pairs"
        )
    );
    let e = err(&env, &["add-file", "x", "/definitely/not/here"], &[]);
    assert_eq!(e.code, exit_code::IO_ERROR);
    ok(&env, &["add-file", "blob", bin], &[]);

    let (result, t) = exec(&env, &["show", "blob"], &[]);
    assert_eq!(result.unwrap_err().code, exit_code::IO_ERROR);
    assert!(t.err.contains("is not a string"));

    let out = dir.path().join("out.bin");
    ok(&env, &["show", "-o", out.to_str().unwrap(), "blob"], &[]);
    assert_eq!(std::fs::read(&out).unwrap(), [0u8, 0xff, 0xfe, 7]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let e = err(&env, &["show", "a", "b"], &[]);
    assert_eq!(e.code, exit_code::USAGE);
}

#[test]
fn missing_keystore_is_data_error_with_hint() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_at(dir.path());
    for args in [
        &["list"][..],
        &["remove", "a"],
        &["show", "a"],
        &["passwd"],
        &["upgrade"],
    ] {
        let e = err(&env, args, &[]);
        assert_eq!(e.code, exit_code::DATA_ERROR, "{args:?}");
        assert!(e.message.contains("Use 'create' command to create one."));
    }
}

#[test]
fn passwd_changes_and_removes_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_at(dir.path());
    ok(&env, &["create"], &[]);
    let t = ok(&env, &["passwd"], &["new", "new"]);
    assert!(
        t.out
            .contains("ironstack keystore password changed successfully.")
    );
    let path = Keystore::default_path(dir.path());
    assert!(Keystore::is_password_protected(&path).unwrap());
    ok(&env, &["passwd"], &["new", "", ""]);
    assert!(!Keystore::is_password_protected(&path).unwrap());
}

#[test]
fn upgrade_rewrites_only_when_needed() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_at(dir.path());
    ok(&env, &["create"], &[]);
    let path = Keystore::default_path(dir.path());
    let before = std::fs::read(&path).unwrap();
    let t = ok(&env, &["-v", "upgrade"], &[]);
    assert!(t.out.contains("already in the current format"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}
