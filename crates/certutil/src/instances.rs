//! The instances certificates are made for: from `--name/--dns/--ip`, from an instances
//! file (`--in instances.yml`), or typed in with `--multiple`; with Elasticsearch's
//! validation rules and messages (instance names, file names, IP and DNS values).

use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;

use ironstack_pki::DistinguishedName;
use ironstack_terminal::{CliError, Terminal, Verbosity};
use serde::Deserialize;

use crate::cli::{InstanceArgs, split_list};
use crate::context::Context;
use crate::error::Error;

/// The longest file name allowed: 255 minus room for an extension.
const MAX_FILENAME_LENGTH: usize = 255 - 4;

/// One validated instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Instance {
    /// The name as given: the PKCS#12 alias of its key.
    pub(crate) name: String,
    /// `CN=<name>`, or the name itself when it is a DN.
    pub(crate) subject: DistinguishedName,
    /// Base name for the instance's directory and files.
    pub(crate) filename: String,
    /// DNS subject alternative names.
    pub(crate) dns: Vec<String>,
    /// IP subject alternative names.
    pub(crate) ips: Vec<IpAddr>,
    /// Extra `otherName` CN SANs (instances file `cn:`).
    pub(crate) cns: Vec<String>,
}

/// An instance as entered, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct InstanceInput {
    /// Instance name (required).
    pub(crate) name: Option<String>,
    /// File name; defaults to the name.
    pub(crate) filename: Option<String>,
    /// DNS names.
    pub(crate) dns: Vec<String>,
    /// IP addresses (text, validated here).
    pub(crate) ip: Vec<String>,
    /// otherName CNs.
    pub(crate) cn: Vec<String>,
}

/// Whether `name` can be used for a directory and files: 1–251 characters from
/// `[a-zA-Z0-9!@#$%^&{}[]()_+-=,.~'`` ]`, not starting with `.` (so no `/`, no `..`).
pub(crate) fn is_valid_filename(name: &str) -> bool {
    const ALLOWED_PUNCTUATION: &str = "!@#$%^&{}[]()_+-=,.~'` ";
    let length = name.chars().count();
    (1..=MAX_FILENAME_LENGTH).contains(&length)
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ALLOWED_PUNCTUATION.contains(c))
}

/// The subject for an instance name: a DN when it contains `=`, else `CN=<name>`.
pub(crate) fn subject_for_name(name: &str) -> Result<DistinguishedName, String> {
    if name.contains('=') {
        DistinguishedName::from_str(name)
            .map_err(|e| format!("[{name}] could not be converted to a valid DN ({e})"))
    } else {
        Ok(DistinguishedName::common_name(name))
    }
}

impl InstanceInput {
    /// Validates, returning the instance or the name to report with its error messages.
    pub(crate) fn validate(self) -> Result<Instance, (String, Vec<String>)> {
        let mut errors = Vec::new();
        let name = self.name.unwrap_or_default();
        let filename = self.filename.unwrap_or_else(|| name.clone());
        let mut subject = None;
        if name.is_empty() {
            errors.push("instance name may not be empty".to_string());
        } else if name == "ca" {
            errors.push("[ca] may not be used as an instance name".to_string());
        } else {
            match subject_for_name(&name) {
                Ok(dn) => subject = Some(dn),
                Err(e) => errors.push(e),
            }
            if !is_valid_filename(&filename) {
                errors.push(format!("[{filename}] is not a valid filename"));
            }
        }
        let mut ips = Vec::new();
        for ip in &self.ip {
            match IpAddr::from_str(ip) {
                Ok(addr) => ips.push(addr),
                Err(_) => errors.push(format!("[{ip}] is not a valid IP address")),
            }
        }
        for dns in &self.dns {
            if !dns.is_ascii() || dns.is_empty() {
                errors.push(format!("[{dns}] is not a valid DNS name"));
            }
        }
        match subject {
            Some(subject) if errors.is_empty() => Ok(Instance {
                name,
                subject,
                filename,
                dns: dedup(self.dns),
                ips: dedup(ips),
                cns: dedup(self.cn),
            }),
            _ => Err((name, errors)),
        }
    }
}

fn dedup<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// A YAML value that may be one string or a list of strings.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::None => Vec::new(),
            Self::One(value) => vec![value],
            Self::Many(values) => values,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstance {
    name: Option<String>,
    filename: Option<String>,
    #[serde(default)]
    ip: OneOrMany,
    #[serde(default)]
    dns: OneOrMany,
    #[serde(default)]
    cn: OneOrMany,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstancesFile {
    instances: Vec<RawInstance>,
}

/// Parses instances YAML into unvalidated inputs.
pub(crate) fn parse_instances_yaml(text: &str, path: &Path) -> Result<Vec<InstanceInput>, Error> {
    let raw: RawInstancesFile = serde_saphyr::from_str(text).map_err(|e| Error::InstancesFile {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(raw
        .instances
        .into_iter()
        .map(|r| InstanceInput {
            name: r.name,
            filename: r.filename,
            dns: r.dns.into_vec(),
            ip: r.ip.into_vec(),
            cn: r.cn.into_vec(),
        })
        .collect())
}

/// Reads and validates an instances file. Every invalid instance is reported on standard
/// error (`Configuration for instance <n> has invalid details` + ` * <msg>`), then exit 78.
pub(crate) fn read_instances_file(
    term: &mut dyn Terminal,
    path: &Path,
) -> Result<Vec<Instance>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::io(format!(
            "cannot read instances file {}: {e}",
            path.display()
        ))
    })?;
    let inputs = parse_instances_yaml(&text, path)?;
    let invalid = || {
        CliError::config(format!(
            "File {} contains invalid configuration details (see messages above)",
            path.display()
        ))
    };
    if inputs.is_empty() {
        return Err(CliError::config(format!(
            "File {} does not list any instances",
            path.display()
        )));
    }
    let mut instances: Vec<Instance> = Vec::new();
    let mut failed = false;
    for input in inputs {
        match input.validate() {
            Ok(instance) => {
                if instances.iter().any(|i| i.filename == instance.filename) {
                    term.eprintln(&format!(
                        "Configuration for instance {} has invalid details",
                        instance.name
                    ));
                    term.eprintln(&format!(
                        " * [{}] is used as the filename of more than one instance",
                        instance.filename
                    ));
                    failed = true;
                } else {
                    instances.push(instance);
                }
            }
            Err((name, errors)) => {
                term.eprintln(&format!(
                    "Configuration for instance {name} has invalid details"
                ));
                for error in errors {
                    term.eprintln(&format!(" * {error}"));
                }
                failed = true;
            }
        }
    }
    if failed {
        return Err(invalid());
    }
    Ok(instances)
}

/// The instances the options name: `--in <file>`, `--multiple` (typed in), or the single
/// instance of `--name/--dns/--ip`.
pub(crate) fn from_options(
    term: &mut dyn Terminal,
    ctx: &Context,
    args: &InstanceArgs,
) -> Result<Vec<Instance>, CliError> {
    if let Some(file) = &args.in_file {
        read_instances_file(term, &ctx.resolve(file))
    } else if args.multiple {
        prompt_instances(term)
    } else {
        Ok(vec![single_instance(
            term,
            args.name.as_deref(),
            split_list(&args.dns),
            split_list(&args.ip),
        )?])
    }
}

/// The single instance of `--name/--dns/--ip`. A name that cannot be a file name is asked
/// for one (`Enter name for directories and files of <name>: `) until it is valid.
pub(crate) fn single_instance(
    term: &mut dyn Terminal,
    name: Option<&str>,
    dns: Vec<String>,
    ip: Vec<String>,
) -> Result<Instance, CliError> {
    let name = name.unwrap_or("instance").to_string();
    let mut filename = name.clone();
    while !is_valid_filename(&filename) {
        let answer =
            term.read_line(&format!("Enter name for directories and files of {name}: "))?;
        filename = answer.trim().to_string();
        if !is_valid_filename(&filename) {
            term.println_at(
                Verbosity::Silent,
                &format!("'{filename}' is not a valid filename"),
            );
        }
    }
    let input = InstanceInput {
        name: Some(name),
        filename: Some(filename),
        dns,
        ip,
        cn: Vec::new(),
    };
    input.validate().map_err(|(name, errors)| {
        term.eprintln(&format!(
            "Configuration for instance {name} has invalid details"
        ));
        for error in &errors {
            term.eprintln(&format!(" * {error}"));
        }
        CliError::usage("invalid instance details (see messages above)")
    })
}

/// `--multiple`: instances typed in one after the other. Invalid entries are skipped with
/// their errors; a repeated name replaces the earlier entry.
pub(crate) fn prompt_instances(term: &mut dyn Terminal) -> Result<Vec<Instance>, CliError> {
    let mut instances: Vec<Instance> = Vec::new();
    loop {
        let name = term.read_line("Enter instance name: ")?.trim().to_string();
        if name.is_empty() {
            term.println_at(Verbosity::Silent, "A name must be provided");
            continue;
        }
        let filename = if is_valid_filename(&name) {
            term.read_line_or(
                &format!("Enter name for directories and files of {name} [{name}]: "),
                &name,
            )?
        } else {
            term.read_line(&format!("Enter name for directories and files of {name}: "))?
                .trim()
                .to_string()
        };
        let ips = term
            .read_line("Enter IP Addresses for instance (comma-separated if more than one) []: ")?;
        let dns =
            term.read_line("Enter DNS names for instance (comma-separated if more than one) []: ")?;
        let input = InstanceInput {
            name: Some(name),
            filename: Some(filename),
            dns: split_list(&[dns]),
            ip: split_list(&[ips]),
            cn: Vec::new(),
        };
        match input.validate() {
            Ok(instance) => {
                if let Some(existing) = instances.iter_mut().find(|i| i.name == instance.name) {
                    term.println_at(
                        Verbosity::Silent,
                        &format!(
                            "Overwriting previously defined instance information [{}]",
                            instance.name
                        ),
                    );
                    *existing = instance;
                } else {
                    instances.push(instance);
                }
            }
            Err((_, errors)) => {
                for error in errors {
                    term.println_at(Verbosity::Silent, &error);
                }
                term.println_at(
                    Verbosity::Silent,
                    "Skipping entry as invalid values were found",
                );
            }
        }
        let more = term.read_line(
            "Would you like to specify another instance? Press 'y' to continue entering instance information: ",
        )?;
        if more.trim() != "y" {
            break;
        }
    }
    if instances.is_empty() {
        return Err(CliError::usage("no valid instances were entered"));
    }
    Ok(instances)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ironstack_terminal::ScriptedTerminal;

    #[test]
    fn filename_rules() {
        assert!(is_valid_filename("node-1"));
        assert!(is_valid_filename("my node (2), v1.0 ~'`"));
        assert!(is_valid_filename("CN=node1,DC=example"));
        assert!(!is_valid_filename(""));
        assert!(!is_valid_filename(".hidden"));
        assert!(!is_valid_filename("a/b"));
        assert!(!is_valid_filename("../x"));
        assert!(!is_valid_filename("nœud"));
        assert!(!is_valid_filename("a:b"));
        assert!(is_valid_filename(&"a".repeat(251)));
        assert!(!is_valid_filename(&"a".repeat(252)));
    }

    #[test]
    fn validation_messages() {
        let input = InstanceInput {
            name: Some("ca".into()),
            ..Default::default()
        };
        assert_eq!(
            input.validate().unwrap_err().1,
            vec!["[ca] may not be used as an instance name"]
        );
        let input = InstanceInput {
            name: Some("node1".into()),
            filename: Some("../escape".into()),
            ip: vec!["10.0.0.300".into(), "::1".into()],
            dns: vec!["bücher.example".into(), "*.ok.example".into()],
            cn: vec![],
        };
        let (name, errors) = input.validate().unwrap_err();
        assert_eq!(name, "node1");
        assert_eq!(
            errors,
            vec![
                "[../escape] is not a valid filename",
                "[10.0.0.300] is not a valid IP address",
                "[bücher.example] is not a valid DNS name",
            ]
        );
    }

    #[test]
    fn parses_instances_yaml_with_lists_and_single_values() {
        let yaml = "instances:\n  - name: node1\n    ip: [\"10.0.0.1\", \"::1\"]\n    dns:\n      - node1.example.com\n      - localhost\n  - name: \"node2\"\n    filename: n2\n    dns: node2.example.com\n    cn: node2.transport\n";
        let inputs = parse_instances_yaml(yaml, Path::new("/x/instances.yml")).unwrap();
        assert_eq!(inputs.len(), 2);
        let a = inputs[0].clone().validate().unwrap();
        assert_eq!(a.dns, vec!["node1.example.com", "localhost"]);
        assert_eq!(a.ips.len(), 2);
        assert_eq!(a.filename, "node1");
        let b = inputs[1].clone().validate().unwrap();
        assert_eq!(b.filename, "n2");
        assert_eq!(b.dns, vec!["node2.example.com"]);
        assert_eq!(b.cns, vec!["node2.transport"]);
        assert_eq!(b.subject, DistinguishedName::common_name("node2"));
    }

    #[test]
    fn instances_yaml_errors() {
        let path = Path::new("/x/instances.yml");
        let e = parse_instances_yaml("instances:\n  - name: a\n    dsn: [x]\n", path).unwrap_err();
        assert!(e.to_string().contains("dsn"), "{e}");
        let e = parse_instances_yaml("nodes: []\n", path).unwrap_err();
        assert!(e.to_string().contains("/x/instances.yml"), "{e}");
        assert_eq!(CliError::from(e).code, 78);
    }

    #[test]
    fn instances_file_reports_every_invalid_instance_and_exits_78() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("instances.yml");
        std::fs::write(
            &path,
            "instances:\n  - name: ca\n  - name: good\n    ip: 10.1.1.1\n  - name: bad\n    ip: nope\n  - name: good2\n    filename: good\n",
        )
        .unwrap();
        let mut t = ScriptedTerminal::default();
        let e = read_instances_file(&mut t, &path).unwrap_err();
        assert_eq!(e.code, 78);
        assert_eq!(
            e.message,
            format!(
                "File {} contains invalid configuration details (see messages above)",
                path.display()
            )
        );
        assert!(t.err.contains("Configuration for instance ca has invalid details\n * [ca] may not be used as an instance name"));
        assert!(t.err.contains("Configuration for instance bad has invalid details\n * [nope] is not a valid IP address"));
        assert!(
            t.err
                .contains("[good] is used as the filename of more than one instance")
        );

        std::fs::write(
            &path,
            "instances:\n  - name: n1\n  - name: n2\n    dns: [a.example]\n",
        )
        .unwrap();
        let ok = read_instances_file(&mut t, &path).unwrap();
        assert_eq!(ok.len(), 2);
        let e = read_instances_file(&mut t, &dir.path().join("missing.yml")).unwrap_err();
        assert_eq!(e.code, 74);
    }

    #[test]
    fn single_instance_asks_for_a_filename_when_the_name_is_not_one() {
        let mut t = ScriptedTerminal::with_answers(["bad/name", "node1"]);
        let i = single_instance(&mut t, Some("node/1"), vec![], vec!["127.0.0.1".into()]).unwrap();
        assert_eq!(i.filename, "node1");
        assert_eq!(i.name, "node/1");
        assert!(
            t.out
                .contains("Enter name for directories and files of node/1: ")
        );
        assert!(t.out.contains("'bad/name' is not a valid filename"));
        let mut t = ScriptedTerminal::default();
        let i = single_instance(&mut t, None, vec![], vec![]).unwrap();
        assert_eq!(i.name, "instance");
        let e = single_instance(&mut t, Some("x"), vec![], vec!["1.2.3".into()]).unwrap_err();
        assert_eq!(e.code, 64);
        assert!(t.err.contains("[1.2.3] is not a valid IP address"));
    }

    #[test]
    fn multiple_prompts_skip_invalid_and_overwrite_repeats() {
        let mut t = ScriptedTerminal::with_answers([
            "", // no name
            "node1",
            "",
            "10.0.0.1",
            "node1.example",
            "y", // ok
            "node2",
            "",
            "bad-ip",
            "",
            "y", // skipped
            "node1",
            "n1",
            "",
            "other.example",
            "n", // overwrite
        ]);
        let list = prompt_instances(&mut t).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].filename, "n1");
        assert_eq!(list[0].dns, vec!["other.example"]);
        assert!(t.out.contains("A name must be provided"));
        assert!(
            t.out
                .contains("Enter name for directories and files of node1 [node1]: ")
        );
        assert!(t.out.contains("[bad-ip] is not a valid IP address"));
        assert!(
            t.out
                .contains("Skipping entry as invalid values were found")
        );
        assert!(
            t.out
                .contains("Overwriting previously defined instance information [node1]")
        );
    }
}
