//! Passwords for generated keys and stores: the `--pass [<value>]` option, the prompts,
//! and the checks Elasticsearch applies (plain ASCII for PKCS#12, the OpenSSL length warning).

use ironstack_terminal::{CliError, SecretInput, Terminal, Verbosity};
use subtle::ConstantTimeEq;

/// Passwords longer than this may not be readable by OpenSSL before 1.1.0.
const OPENSSL_SAFE_LENGTH: usize = 50;

const LENGTH_WARNING: &str = "Warning: Your password exceeds 50 characters. Versions of OpenSSL older than 1.1.0 may not be able to read this file.";

/// What `--pass` (or `--ca-pass`) said.
#[derive(Debug, Clone)]
pub(crate) enum PassOption {
    /// The option was not given.
    Absent,
    /// The option was given without a value: prompt.
    Prompt,
    /// The option was given with a value (possibly empty).
    Given(SecretInput),
}

impl PassOption {
    /// From clap's optional-value form.
    pub(crate) fn from_arg(arg: Option<Option<String>>) -> Self {
        match arg {
            None => Self::Absent,
            Some(None) => Self::Prompt,
            Some(Some(value)) => Self::Given(SecretInput::new(value)),
        }
    }
}

/// Refuses a PKCS#12 password that is not plain ASCII (Java's PKCS#12 encoding cannot
/// represent it the way other tools do).
pub(crate) fn require_ascii(password: &SecretInput) -> Result<(), CliError> {
    if password.expose().is_ascii() {
        Ok(())
    } else {
        Err(CliError::config("PKCS#12 passwords must be plain ASCII"))
    }
}

/// Prints the OpenSSL warning for a long password; when `ask` is set, also asks whether to
/// continue. Returns false when the user wants to enter another password.
fn accept_length(
    term: &mut dyn Terminal,
    password: &SecretInput,
    ask: bool,
) -> Result<bool, CliError> {
    if password.expose().len() <= OPENSSL_SAFE_LENGTH {
        return Ok(true);
    }
    term.println_at(Verbosity::Silent, LENGTH_WARNING);
    if ask {
        return term.prompt_yes_no("Do you want to continue?", true);
    }
    Ok(true)
}

/// The password protecting a PKCS#12 output (`ca`/`cert` modes): the option's value, else a
/// prompt `Enter password for <description> : `. Blank is allowed; non-ASCII is exit 78.
pub(crate) fn p12_password(
    term: &mut dyn Terminal,
    option: &PassOption,
    description: &str,
) -> Result<SecretInput, CliError> {
    if let PassOption::Given(value) = option {
        require_ascii(value)?;
        accept_length(term, value, false)?;
        return Ok(value.clone());
    }
    loop {
        let password = term.read_secret(&format!("Enter password for {description} : "))?;
        require_ascii(&password)?;
        if accept_length(term, &password, true)? {
            return Ok(password);
        }
    }
}

/// The password encrypting a PEM private key: none unless `--pass` was given; prompted when
/// it has no value. An empty password means an unencrypted key.
pub(crate) fn pem_password(
    term: &mut dyn Terminal,
    option: &PassOption,
    description: &str,
) -> Result<Option<SecretInput>, CliError> {
    let password = match option {
        PassOption::Absent => return Ok(None),
        PassOption::Given(value) => {
            accept_length(term, value, false)?;
            value.clone()
        }
        PassOption::Prompt => loop {
            let password = term.read_secret(&format!("Enter password for {description} : "))?;
            if accept_length(term, &password, true)? {
                break password;
            }
        },
    };
    Ok((!password.is_empty()).then_some(password))
}

/// The wizard's password question: `<prompt> [<ENTER> for none]`, ASCII only, typed twice
/// when `confirm` is set, re-asked until acceptable. Empty means no password.
pub(crate) fn wizard_password(
    term: &mut dyn Terminal,
    prompt: &str,
    confirm: bool,
) -> Result<SecretInput, CliError> {
    loop {
        let password = term.read_secret(&format!("{prompt} [<ENTER> for none]"))?;
        if password.is_empty() {
            return Ok(password);
        }
        if !password.expose().is_ascii() {
            term.println_at(Verbosity::Silent, "Passwords must be plain ASCII");
            continue;
        }
        if confirm {
            let again = term.read_secret("Repeat password to confirm: ")?;
            let same: bool = password
                .expose()
                .as_bytes()
                .ct_eq(again.expose().as_bytes())
                .into();
            if !same {
                term.println("Passwords do not match");
                continue;
            }
        }
        if !accept_length(term, &password, confirm)? {
            continue;
        }
        return Ok(password);
    }
}

/// A password given on the command line to the wizard: ASCII and length checks only.
pub(crate) fn wizard_preset_password(
    term: &mut dyn Terminal,
    password: &SecretInput,
) -> Result<(), CliError> {
    require_ascii(password)?;
    accept_length(term, password, false)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ironstack_terminal::ScriptedTerminal;

    #[test]
    fn given_p12_password_is_used_without_prompt() {
        let mut t = ScriptedTerminal::default();
        let pw = p12_password(
            &mut t,
            &PassOption::Given(SecretInput::new("pw".into())),
            "x.p12",
        )
        .unwrap();
        assert_eq!(pw.expose(), "pw");
        assert!(t.out.is_empty());
    }

    #[test]
    fn prompted_p12_password_and_long_password_confirmation() {
        let long = "a".repeat(51);
        let mut t = ScriptedTerminal::with_answers([long.as_str(), "n", "short"]);
        let pw = p12_password(&mut t, &PassOption::Absent, "elastic-stack-ca.p12").unwrap();
        assert_eq!(pw.expose(), "short");
        assert!(t.out.contains("Enter password for elastic-stack-ca.p12 : "));
        assert!(
            t.out
                .contains("Warning: Your password exceeds 50 characters.")
        );
        assert!(t.out.contains("Do you want to continue? [Y/n]"));
    }

    #[test]
    fn non_ascii_p12_password_is_exit_78() {
        let mut t = ScriptedTerminal::with_answers(["pässword"]);
        let e = p12_password(&mut t, &PassOption::Prompt, "a.p12").unwrap_err();
        assert_eq!(e.code, 78);
        assert_eq!(e.message, "PKCS#12 passwords must be plain ASCII");
    }

    #[test]
    fn pem_password_only_when_asked_for() {
        let mut t = ScriptedTerminal::default();
        assert!(
            pem_password(&mut t, &PassOption::Absent, "k")
                .unwrap()
                .is_none()
        );
        let given = PassOption::Given(SecretInput::new(String::new()));
        assert!(pem_password(&mut t, &given, "k").unwrap().is_none());
        let mut t = ScriptedTerminal::with_answers(["secret"]);
        let pw = pem_password(&mut t, &PassOption::Prompt, "CA Private key").unwrap();
        assert_eq!(pw.unwrap().expose(), "secret");
        assert!(t.out.contains("Enter password for CA Private key : "));
    }

    #[test]
    fn wizard_password_reasks_on_mismatch_and_non_ascii() {
        let mut t = ScriptedTerminal::with_answers(["é", "one", "two", "good", "good"]);
        let pw = wizard_password(&mut t, "CA password: ", true).unwrap();
        assert_eq!(pw.expose(), "good");
        assert!(t.out.contains("CA password:  [<ENTER> for none]"));
        assert!(t.out.contains("Passwords must be plain ASCII"));
        assert!(t.out.contains("Passwords do not match"));
        assert_eq!(t.out.matches("Repeat password to confirm: ").count(), 2);
    }

    #[test]
    fn wizard_password_blank_is_accepted_without_confirmation() {
        let mut t = ScriptedTerminal::with_answers([""]);
        assert!(
            wizard_password(
                &mut t,
                "Provide a password for the \"http.p12\" file: ",
                true
            )
            .unwrap()
            .is_empty()
        );
        assert!(!t.out.contains("Repeat"));
    }
}
