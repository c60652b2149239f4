//! The `http` options, turned into preset answers for the wizard. Each option answers one
//! question; `--silent` means no question is asked at all, so the required answers (the CA
//! choice and every password) must then come from options.

use std::net::IpAddr;
use std::str::FromStr;

use ironstack_pki::{DistinguishedName, KeyAlgorithm, KeyUsage, Period};
use ironstack_terminal::{CliError, Terminal};

use crate::cli::{HttpArgs, split_list};
use crate::context::Context;
use crate::instances::{self, is_valid_filename};
use crate::keys::{self, CA_KEY_USAGE};
use crate::password::PassOption;
use crate::profile;

/// How the CA question was answered by options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CaPreset {
    /// `--ca <path>`: a PKCS#12 file, PEM certificate or PEM key (with `--ca-key` maybe).
    Path {
        /// As typed; resolved against the config dir, then the current dir.
        path: String,
        /// `--ca-key`, when `path` is a PEM certificate.
        key: Option<String>,
    },
    /// `--ca-cert <pem> --ca-key <pem>`.
    Pem {
        /// Certificate path as typed.
        cert: String,
        /// Key path as typed.
        key: String,
    },
    /// `--new-ca` (or any `--ca-dn/--ca-validity/--ca-keysize/--ca-keyusage`).
    New,
}

/// Whom a certificate is for: its names. Given by options, or asked by the wizard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertIdentity {
    /// Key name: names the node directory and the CSR files.
    pub(crate) name: String,
    /// Subject DN.
    pub(crate) subject: DistinguishedName,
    /// DNS SANs.
    pub(crate) dns: Vec<String>,
    /// IP SANs.
    pub(crate) ips: Vec<IpAddr>,
    /// otherName CN SANs (instances file `cn:`).
    pub(crate) cns: Vec<String>,
}

/// Answers given as options. `None` = ask (or take the default with `--silent`).
#[derive(Debug, Clone)]
pub(crate) struct Presets {
    /// `--silent`: never prompt.
    pub(crate) batch: bool,
    /// `--csr`.
    pub(crate) csr: Option<bool>,
    /// The CA choice.
    pub(crate) ca: Option<CaPreset>,
    /// `--ca-pass`.
    pub(crate) ca_pass: PassOption,
    /// Whether any new-CA option (`--ca-dn/--ca-validity/--ca-keysize/--ca-keyusage`) was
    /// given: then the CA options are not offered for change.
    pub(crate) ca_options_given: bool,
    /// New CA subject.
    pub(crate) ca_dn: Option<DistinguishedName>,
    /// New CA validity.
    pub(crate) ca_validity: Option<Period>,
    /// New CA key algorithm (explicitly chosen).
    pub(crate) ca_key: Option<KeyAlgorithm>,
    /// New CA key usage.
    pub(crate) ca_key_usage: Option<Vec<KeyUsage>>,
    /// Default key algorithm for generated keys (`--keytype`, RSA 2048 otherwise).
    pub(crate) default_key: KeyAlgorithm,
    /// Certificate validity.
    pub(crate) validity: Option<Period>,
    /// Certificates, when given by options (one, or one per node from `--in`).
    pub(crate) nodes: Option<Vec<CertIdentity>>,
    /// Certificate key algorithm (explicitly chosen).
    pub(crate) cert_key: Option<KeyAlgorithm>,
    /// Certificate key usage.
    pub(crate) cert_key_usage: Option<Vec<KeyUsage>>,
    /// `--pass`.
    pub(crate) pass: PassOption,
    /// `--out`.
    pub(crate) out: Option<String>,
}

impl Presets {
    /// Presets for a fully interactive run (no options).
    #[cfg(test)]
    pub(crate) fn interactive() -> Self {
        Self {
            batch: false,
            csr: None,
            ca: None,
            ca_pass: PassOption::Absent,
            ca_options_given: false,
            ca_dn: None,
            ca_validity: None,
            ca_key: None,
            ca_key_usage: None,
            default_key: KeyAlgorithm::Rsa {
                bits: keys::DEFAULT_KEY_SIZE,
            },
            validity: None,
            nodes: None,
            cert_key: None,
            cert_key_usage: None,
            pass: PassOption::Absent,
            out: None,
        }
    }

    /// Checks and converts the options.
    pub(crate) fn from_args(
        term: &mut dyn Terminal,
        ctx: &Context,
        args: HttpArgs,
    ) -> Result<Self, CliError> {
        let new_ca_options = args.ca_dn.is_some()
            || args.ca_validity.is_some()
            || args.ca_keysize.is_some()
            || args.ca_keyusage.is_some();
        let existing = args.ca.is_some() || args.ca_cert.is_some();
        if new_ca_options && (args.csr || existing) {
            return Err(CliError::usage(
                "--ca-dn, --ca-validity, --ca-keysize and --ca-keyusage describe a new CA; they cannot be used with --csr, --ca or --ca-cert",
            ));
        }
        if args.csr && (args.validity.is_some() || args.ca_pass.is_some()) {
            return Err(CliError::usage(
                "--validity and --ca-pass have no meaning with --csr (the CA that signs the request decides)",
            ));
        }
        if args.ca_key.is_some() && !existing {
            return Err(CliError::usage(
                "--ca-key needs --ca-cert (or --ca with the CA certificate)",
            ));
        }
        let ca = match (&args.ca, &args.ca_cert, &args.ca_key) {
            (Some(path), _, key) => Some(CaPreset::Path {
                path: path.clone(),
                key: key.clone(),
            }),
            (None, Some(cert), Some(key)) => Some(CaPreset::Pem {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ if args.new_ca || new_ca_options => Some(CaPreset::New),
            _ => None,
        };
        let csr = if args.csr {
            Some(true)
        } else if ca.is_some() {
            Some(false)
        } else {
            None
        };

        let default_key = keys::key_algorithm(args.keytype, None, "--keysize", true)?;
        let explicit_key = |size: Option<i64>, option: &str| {
            (args.keytype.is_some() || size.is_some())
                .then(|| keys::key_algorithm(args.keytype, size, option, true))
                .transpose()
        };
        let cert_key = explicit_key(args.keysize, "--keysize")?;
        let ca_key = explicit_key(args.ca_keysize, "--ca-keysize")?;
        let cert_key_usage = args
            .keyusage
            .as_deref()
            .map(|list| {
                keys::parse_key_usage_option(
                    list,
                    &keys::http_key_usage(cert_key.unwrap_or(default_key)),
                )
            })
            .transpose()?;
        let ca_key_usage = args
            .ca_keyusage
            .as_deref()
            .map(|list| keys::parse_key_usage_option(list, &CA_KEY_USAGE))
            .transpose()?;
        let period = |option: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| {
                    Period::from_str(v).map_err(|e| {
                        CliError::usage(format!("Sorry, I do not understand {option} '{v}' ({e})"))
                    })
                })
                .transpose()
        };
        let validity = period("--validity", &args.validity)?;
        let ca_validity = period("--ca-validity", &args.ca_validity)?;
        let ca_dn = args
            .ca_dn
            .as_deref()
            .map(|dn| {
                name_to_dn(dn).map_err(|e| CliError::usage(format!("invalid --ca-dn [{dn}]: {e}")))
            })
            .transpose()?;

        let nodes = if let Some(file) = &args.in_file {
            let list = instances::read_instances_file(term, &ctx.resolve(file))?;
            Some(
                list.into_iter()
                    .map(|i| CertIdentity {
                        subject: if i.name.contains('=') {
                            i.subject.clone()
                        } else {
                            node_dn(&i.name)
                        },
                        name: i.filename,
                        dns: i.dns,
                        ips: i.ips,
                        cns: i.cns,
                    })
                    .collect(),
            )
        } else if args.name.is_some()
            || args.dn.is_some()
            || !args.dns.is_empty()
            || !args.ip.is_empty()
        {
            Some(vec![single_node(
                args.name.as_deref(),
                args.dn.as_deref(),
                split_list(&args.dns),
                split_list(&args.ip),
            )?])
        } else {
            None
        };

        let out = args.out.clone();
        let presets = Self {
            batch: args.common.silent,
            csr,
            ca,
            ca_pass: PassOption::from_arg(args.ca_pass),
            ca_options_given: new_ca_options,
            ca_dn,
            ca_validity,
            ca_key,
            ca_key_usage,
            default_key,
            validity,
            nodes,
            cert_key,
            cert_key_usage,
            pass: PassOption::from_arg(args.pass),
            out,
        };
        presets.check_batch()?;
        Ok(presets)
    }

    /// With `--silent`, the answers that have no default must be options.
    fn check_batch(&self) -> Result<(), CliError> {
        if !self.batch {
            return Ok(());
        }
        if self.csr.is_none() {
            return Err(CliError::usage(
                "with --silent, say how certificates are signed: --csr, --ca <file>, --ca-cert/--ca-key or --new-ca",
            ));
        }
        if !matches!(self.pass, PassOption::Given(_)) {
            return Err(CliError::usage(
                "with --silent, --pass <password> is required (--pass \"\" for no password)",
            ));
        }
        if self.ca == Some(CaPreset::New) && !matches!(self.ca_pass, PassOption::Given(_)) {
            return Err(CliError::usage(
                "with --silent and --new-ca, --ca-pass <password> is required for ca/ca.p12 (--ca-pass \"\" for none)",
            ));
        }
        Ok(())
    }
}

/// A CA or subject name as the wizard reads it: a DN when it contains `=`, else `CN=<name>`.
pub(crate) fn name_to_dn(name: &str) -> Result<DistinguishedName, ironstack_pki::Error> {
    if name.contains('=') {
        DistinguishedName::from_str(name)
    } else {
        DistinguishedName::from_str(&format!("CN={name}"))
    }
}

/// The wizard's default subject for a key name: `CN=` + the name with each `.` turned into
/// `,DC=` (`node1.example.com` → `CN=node1,DC=example,DC=com`).
pub(crate) fn node_dn(name: &str) -> DistinguishedName {
    DistinguishedName::from_str(&format!("CN={}", name.replace('.', ",DC=")))
        .unwrap_or_else(|_| DistinguishedName::common_name(name))
}

/// The wizard's default key name: the first hostname without a wildcard, else the first
/// with `*.` removed, else `elasticsearch`.
pub(crate) fn default_key_name(dns: &[String]) -> String {
    dns.iter()
        .find(|n| !n.contains('*'))
        .cloned()
        .or_else(|| dns.first().map(|n| n.replace("*.", "")))
        .unwrap_or_else(|| "elasticsearch".to_string())
}

/// `<x> is not a valid DNS name` unless the hostname is ASCII (IA5String); an IP address is
/// flagged too.
pub(crate) fn hostname_problem(name: &str) -> Option<String> {
    if !name.is_ascii() {
        return Some(format!("{name} is not a valid DNS name"));
    }
    // Elasticsearch would make an IP address typed here a DNS name, which no client matches
    // against an address: it belongs in the IP SANs.
    let unbracketed = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    IpAddr::from_str(unbracketed).is_ok().then(|| {
        format!("{name} is an IP address, not a hostname; enter it with the IP addresses instead")
    })
}

/// `<x> is not a valid IP address` unless it is an IPv4/IPv6 literal.
pub(crate) fn ip_problem(ip: &str) -> Option<String> {
    IpAddr::from_str(ip)
        .is_err()
        .then(|| format!("{ip} is not a valid IP address"))
}

fn single_node(
    name: Option<&str>,
    dn: Option<&str>,
    dns: Vec<String>,
    ips: Vec<String>,
) -> Result<CertIdentity, CliError> {
    if let Some(ip) = dns.iter().find(|d| IpAddr::from_str(d).is_ok()) {
        return Err(CliError::usage(format!(
            "--dns {ip}: an IP address is not a hostname; give it with --ip"
        )));
    }
    if let Some(problem) = dns.iter().find_map(|d| hostname_problem(d)) {
        return Err(CliError::usage(problem));
    }
    if let Some(problem) = ips.iter().find_map(|i| ip_problem(i)) {
        return Err(CliError::usage(problem));
    }
    let name = name.map_or_else(|| default_key_name(&dns), str::to_string);
    if !is_valid_filename(&name) {
        return Err(CliError::usage(format!("'{name}' is not a valid filename")));
    }
    let subject = match dn {
        Some(dn) => profile::parse_dn_option("--dn", dn)?,
        None => node_dn(&name),
    };
    let ips = ips
        .iter()
        .filter_map(|i| IpAddr::from_str(i).ok())
        .collect();
    Ok(CertIdentity {
        name,
        subject,
        dns,
        ips,
        cns: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_key_names_follow_the_wizard() {
        assert_eq!(default_key_name(&[]), "elasticsearch");
        assert_eq!(
            default_key_name(&["*.es.example.com".into(), "node1.example.com".into()]),
            "node1.example.com"
        );
        assert_eq!(
            default_key_name(&["*.aserracorp.com".into()]),
            "aserracorp.com"
        );
    }

    #[test]
    fn node_dn_turns_dots_into_domain_components() {
        assert_eq!(
            node_dn("aserracorp.com").to_display_string(),
            "CN=aserracorp, DC=com"
        );
        assert_eq!(node_dn("node1").to_string(), "CN=node1");
    }

    #[test]
    fn validators_use_the_wizard_messages() {
        assert_eq!(ip_problem("10.0.0.1"), None);
        assert_eq!(ip_problem("::1"), None);
        assert_eq!(ip_problem("foo").unwrap(), "foo is not a valid IP address");
        assert_eq!(hostname_problem("*.example.com"), None);
        for ip in ["10.0.0.1", "::1", "[fe80::1]"] {
            assert_eq!(
                hostname_problem(ip).unwrap(),
                format!(
                    "{ip} is an IP address, not a hostname; enter it with the IP addresses instead"
                )
            );
        }
        assert_eq!(hostname_problem("10.0.0.1.example.com"), None);
        assert_eq!(
            hostname_problem("ü.example").unwrap(),
            "ü.example is not a valid DNS name"
        );
    }
}
