//! `ironstack service-tokens` (like `elasticsearch-service-tokens`): file service tokens in
//! `$IRONSTACK_PATH_CONF/service_tokens`, which the node re-reads when the file changes.
//! `create <principal> <name>` prints `SERVICE_TOKEN <principal>/<name> = <value>` (the only
//! time the value is shown; the file keeps a `{PBKDF2_STRETCH}` hash), `delete <principal>
//! <name>`, `list [<principal>]`.

use std::path::Path;

use ironstack_security::file_realm::FileServiceTokens;
use ironstack_security::rbac::SERVICE_ACCOUNTS;
use ironstack_security::service_account::{
    ServiceToken, TOKEN_HASHER, invalid_token_name_message, is_service_account, valid_token_name,
};
use ironstack_terminal::{CliError, Terminal, exit_code};

/// What to do (the tool's subcommands).
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum ServiceTokensAction {
    /// Creates a file token for a service account
    Create {
        /// The service account, e.g. elastic/fleet-server
        principal: String,
        /// The token's name
        name: String,
    },
    /// Deletes a file token
    Delete {
        /// The service account
        principal: String,
        /// The token's name
        name: String,
    },
    /// Lists the file tokens
    List {
        /// Only this service account's tokens
        principal: Option<String>,
    },
}

fn check_principal(principal: &str) -> Result<(), CliError> {
    if is_service_account(principal) {
        return Ok(());
    }
    Err(CliError::new(
        exit_code::DATA_ERROR,
        format!(
            "Unknown service account principal: [{principal}]. Must be one of [{}]",
            SERVICE_ACCOUNTS.join(",")
        ),
    ))
}

fn io(e: ironstack_security::Error) -> CliError {
    CliError::io(e.to_string())
}

/// Runs one action on the file in `config_dir`.
pub fn run(
    action: &ServiceTokensAction,
    config_dir: &Path,
    terminal: &mut dyn Terminal,
) -> Result<(), CliError> {
    let (mut file, warnings) = FileServiceTokens::load(config_dir).map_err(io)?;
    for w in warnings {
        terminal.eprintln(&w);
    }
    match action {
        ServiceTokensAction::Create { principal, name } => {
            check_principal(principal)?;
            if !valid_token_name(name) {
                return Err(CliError::data(invalid_token_name_message(name)));
            }
            let token = ServiceToken::generate(principal, name).map_err(io)?;
            let qualified = token.qualified_name();
            if file.tokens.contains_key(&qualified) {
                return Err(CliError::data(format!(
                    "Service token [{qualified}] already exists"
                )));
            }
            let hash = TOKEN_HASHER.hash(token.secret.expose()).map_err(io)?;
            file.tokens.insert(qualified.clone(), hash);
            file.save(config_dir).map_err(io)?;
            terminal.println(&format!(
                "SERVICE_TOKEN {qualified} = {}",
                token.encode().expose()
            ));
        }
        ServiceTokensAction::Delete { principal, name } => {
            check_principal(principal)?;
            let qualified = format!("{principal}/{name}");
            if file.tokens.remove(&qualified).is_none() {
                return Err(CliError::data(format!(
                    "Service token [{qualified}] does not exist"
                )));
            }
            file.save(config_dir).map_err(io)?;
        }
        ServiceTokensAction::List { principal } => {
            if let Some(p) = principal {
                check_principal(p)?;
            }
            let prefix = principal.as_ref().map(|p| format!("{p}/"));
            for qualified in file.tokens.keys() {
                if prefix.as_ref().is_none_or(|p| qualified.starts_with(p)) {
                    terminal.println(qualified);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ironstack_terminal::ScriptedTerminal;

    #[test]
    fn create_list_delete_with_elasticsearchs_messages() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = ScriptedTerminal::with_answers(Vec::<String>::new());
        let create = |principal: &str, name: &str| ServiceTokensAction::Create {
            principal: principal.into(),
            name: name.into(),
        };
        run(&create("elastic/fleet-server", "t1"), dir.path(), &mut t).unwrap();
        let line = t.out.lines().last().unwrap().to_string();
        assert!(
            line.starts_with("SERVICE_TOKEN elastic/fleet-server/t1 = AAEAAW"),
            "{line}"
        );
        let value = line.rsplit(' ').next().unwrap();
        let text = std::fs::read_to_string(dir.path().join("service_tokens")).unwrap();
        assert!(
            text.starts_with("elastic/fleet-server/t1:{PBKDF2_STRETCH}10000$"),
            "{text}"
        );
        assert!(!text.contains(value));
        let parsed = ServiceToken::parse(value).unwrap();
        let hash = text.trim().split_once(':').unwrap().1;
        assert!(ironstack_security::hash::verify_password(
            parsed.secret.expose(),
            hash
        ));
        run(&create("elastic/kibana", "k1"), dir.path(), &mut t).unwrap();
        let e = run(&create("elastic/kibana", "k1"), dir.path(), &mut t).unwrap_err();
        assert_eq!(
            e.message,
            "Service token [elastic/kibana/k1] already exists"
        );
        let e = run(&create("elastic/nope", "x"), dir.path(), &mut t).unwrap_err();
        assert!(
            e.message
                .starts_with("Unknown service account principal: [elastic/nope]")
        );
        let e = run(&create("elastic/kibana", "_bad"), dir.path(), &mut t).unwrap_err();
        assert!(e.message.ends_with("Got: [_bad]"), "{}", e.message);
        t.out.clear();
        run(
            &ServiceTokensAction::List { principal: None },
            dir.path(),
            &mut t,
        )
        .unwrap();
        assert_eq!(t.out, "elastic/fleet-server/t1\nelastic/kibana/k1\n");
        t.out.clear();
        run(
            &ServiceTokensAction::List {
                principal: Some("elastic/kibana".into()),
            },
            dir.path(),
            &mut t,
        )
        .unwrap();
        assert_eq!(t.out, "elastic/kibana/k1\n");
        let delete = ServiceTokensAction::Delete {
            principal: "elastic/kibana".into(),
            name: "k1".into(),
        };
        run(&delete, dir.path(), &mut t).unwrap();
        let e = run(&delete, dir.path(), &mut t).unwrap_err();
        assert_eq!(
            e.message,
            "Service token [elastic/kibana/k1] does not exist"
        );
    }
}
