//! The `keystore` subcommand of the shipper and the console (Metricbeat's and Kibana's
//! keystore commands): `create [--force]`, `add KEY [--stdin] [--force]`, `list`,
//! `remove KEY...` over an unprotected [`ToolKeystore`].

use clap::Subcommand;
use ironstack_keystore::ToolKeystore;
use ironstack_terminal::{CliError, Terminal};

/// The commands.
#[derive(Debug, Clone, Subcommand)]
pub enum ToolKeystoreCommand {
    /// Create the keystore
    Create {
        /// Overwrite an existing keystore
        #[arg(long)]
        force: bool,
    },
    /// Add a key (the value is asked for, or read from standard input with --stdin)
    Add {
        /// The key: a setting name, or a name referenced as ${KEY} in the configuration
        key: String,
        /// Read the value from standard input
        #[arg(long)]
        stdin: bool,
        /// Overwrite an existing key
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// List the keys
    List,
    /// Remove keys
    Remove {
        /// Keys
        #[arg(required = true)]
        keys: Vec<String>,
    },
}

fn refused(e: ironstack_keystore::Error) -> CliError {
    CliError::data(e.to_string())
}

/// Runs `command` on `keystore`, printing what it did; `stdin` gives `--stdin` values.
pub fn run_tool_keystore(
    command: &ToolKeystoreCommand,
    keystore: &ToolKeystore,
    stdin: &mut dyn std::io::BufRead,
    terminal: &mut dyn Terminal,
) -> Result<(), CliError> {
    match command {
        ToolKeystoreCommand::Create { force } => {
            terminal.println(&keystore.create(*force).map_err(refused)?);
        }
        ToolKeystoreCommand::Add {
            key,
            stdin: piped,
            force,
        } => {
            let value = if *piped {
                ironstack_keystore::tool_keystore::read_value(stdin).map_err(refused)?
            } else {
                terminal
                    .read_secret(&format!("Enter value for {key}: "))?
                    .expose()
                    .to_string()
            };
            terminal.println(&keystore.add(key, &value, *force).map_err(refused)?);
        }
        ToolKeystoreCommand::List => {
            for key in keystore.list().map_err(refused)? {
                terminal.println(&key);
            }
        }
        ToolKeystoreCommand::Remove { keys } => {
            for key in keys {
                terminal.println(&keystore.remove(key).map_err(refused)?);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_print_what_they_did_and_refuse_with_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let ks = ToolKeystore::new(dir.path().join("t.keystore"), "console");
        let mut t = ironstack_terminal::ScriptedTerminal::with_answers(["typed-secret"]);
        let mut none = std::io::Cursor::new(Vec::new());
        let e = run_tool_keystore(&ToolKeystoreCommand::List, &ks, &mut none, &mut t).unwrap_err();
        assert!(
            e.message.contains("ironstack console keystore create"),
            "{}",
            e.message
        );
        run_tool_keystore(
            &ToolKeystoreCommand::Create { force: false },
            &ks,
            &mut none,
            &mut t,
        )
        .unwrap();
        let add = |key: &str, stdin: bool| ToolKeystoreCommand::Add {
            key: key.into(),
            stdin,
            force: false,
        };
        run_tool_keystore(
            &add("elasticsearch.password", false),
            &ks,
            &mut none,
            &mut t,
        )
        .unwrap();
        let mut piped = std::io::Cursor::new(b"piped-secret\n".to_vec());
        run_tool_keystore(
            &add("server.ssl.keyPassphrase", true),
            &ks,
            &mut piped,
            &mut t,
        )
        .unwrap();
        run_tool_keystore(&ToolKeystoreCommand::List, &ks, &mut none, &mut t).unwrap();
        assert!(t.out.contains("Created console keystore at "), "{}", t.out);
        assert!(
            t.out
                .contains("elasticsearch.password\nserver.ssl.keyPassphrase\n"),
            "{}",
            t.out
        );
        let secrets = ks.secrets().unwrap();
        assert_eq!(secrets["elasticsearch.password"], "typed-secret");
        assert_eq!(secrets["server.ssl.keyPassphrase"], "piped-secret");
        assert!(!t.out.contains("typed-secret") && !t.out.contains("piped-secret"));
        let e = run_tool_keystore(
            &ToolKeystoreCommand::Remove {
                keys: vec!["nope".into()],
            },
            &ks,
            &mut none,
            &mut t,
        )
        .unwrap_err();
        assert_eq!(e.message, "could not find the key [nope] in the keystore");
    }
}
