//! The `http` wizard: Elasticsearch's questions in Elasticsearch's order, with its defaults,
//! validation and re-asking, producing a [`HttpPlan`]. Answers given as options are not
//! asked; with `--silent` nothing is asked. No key is generated here except by loading an
//! existing CA; the plan is turned into files by `http::files`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ironstack_pki::{
    CertificateAuthority, DistinguishedName, KeyAlgorithm, KeyUsage, PemKind, Period, classify_pem,
};
use ironstack_terminal::{CliError, SecretInput, Terminal, Verbosity};

use super::presets::{
    CaPreset, CertIdentity, Presets, default_key_name, hostname_problem, ip_problem, name_to_dn,
    node_dn,
};
use crate::ca_source;
use crate::context::Context;
use crate::instances::is_valid_filename;
use crate::keys::{self, CA_KEY_USAGE};
use crate::output;
use crate::password::{self, PassOption};

/// Default validity of certificates and of a new CA.
const DEFAULT_VALIDITY: Period = Period::years(5);
/// Default subject of a new CA.
const DEFAULT_CA_DN: &str = "CN=Elasticsearch HTTP CA";
/// Default output file name.
pub(crate) const DEFAULT_OUTPUT: &str = "elasticsearch-ssl-http.zip";

/// How the certificates get signed.
#[derive(Debug)]
pub(crate) enum CaPlan {
    /// No CA here: CSRs for someone else's CA.
    Csr,
    /// An existing CA that was loaded.
    Existing(CertificateAuthority),
    /// A CA to generate (and ship in `ca/ca.p12`).
    New(NewCa),
}

/// A CA to generate.
#[derive(Debug)]
pub(crate) struct NewCa {
    /// Subject (= issuer).
    pub(crate) subject: DistinguishedName,
    /// Validity period.
    pub(crate) validity: Period,
    /// Key algorithm.
    pub(crate) key: KeyAlgorithm,
    /// Key usage.
    pub(crate) key_usage: Vec<KeyUsage>,
    /// Password of `ca/ca.p12` (may be blank).
    pub(crate) password: SecretInput,
}

/// One certificate (or CSR) to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertPlan {
    /// Its names and subject.
    pub(crate) identity: CertIdentity,
    /// Key algorithm.
    pub(crate) key: KeyAlgorithm,
    /// Key usage.
    pub(crate) key_usage: Vec<KeyUsage>,
}

/// Everything the wizard decided.
#[derive(Debug)]
pub(crate) struct HttpPlan {
    /// Signing.
    pub(crate) ca: CaPlan,
    /// Certificate validity (`None` for CSRs).
    pub(crate) validity: Option<Period>,
    /// The certificates, in order.
    pub(crate) certs: Vec<CertPlan>,
    /// Password of `http.p12` or of the CSR keys (may be blank).
    pub(crate) password: SecretInput,
    /// The output zip, absolute.
    pub(crate) output: PathBuf,
}

/// What a CA file is, as the wizard guesses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaFileType {
    Pkcs12,
    Jks,
    Pem(PemKind),
}

/// Runs the wizard.
pub(crate) fn run(
    term: &mut dyn Terminal,
    ctx: &Context,
    presets: Presets,
) -> Result<HttpPlan, CliError> {
    Wizard { term, ctx, presets }.run()
}

struct Wizard<'a> {
    term: &'a mut dyn Terminal,
    ctx: &'a Context,
    presets: Presets,
}

impl Wizard<'_> {
    fn run(mut self) -> Result<HttpPlan, CliError> {
        if !self.presets.batch {
            self.header("Elasticsearch HTTP Certificate Utility");
            self.text(INTRO);
        }
        let csr = self.ask_csr()?;
        let (ca, validity) = if csr {
            (CaPlan::Csr, None)
        } else {
            let ca = if self.ask_existing_ca()? {
                CaPlan::Existing(self.find_existing_ca()?)
            } else {
                CaPlan::New(self.new_ca()?)
            };
            if let CaPlan::Existing(existing) = &ca {
                self.describe_ca(existing);
            }
            (ca, Some(self.ask_validity()?))
        };
        let certs = self.ask_certificates(csr)?;
        for cert in &certs {
            self.describe_cert(cert, csr, validity);
        }
        let password = self.ask_key_password(csr)?;
        let output = self.ask_output(csr)?;
        Ok(HttpPlan {
            ca,
            validity,
            certs,
            password,
            output,
        })
    }

    // ---- printing -------------------------------------------------------------------------

    fn header(&mut self, title: &str) {
        self.term.println_at(Verbosity::Silent, "");
        self.term
            .println_at(Verbosity::Silent, &format!("## {title}"));
        self.term.println_at(Verbosity::Silent, "");
    }

    fn text(&mut self, text: &str) {
        for line in text.lines() {
            self.term.println(line);
        }
    }

    fn say(&mut self, line: &str) {
        self.term.println_at(Verbosity::Silent, line);
    }

    // ---- generic questions ----------------------------------------------------------------

    /// `<label> [<default>] ` until the answer is empty (default) or `parse` accepts it;
    /// `parse` prints its own complaint and returns `None` to ask again.
    fn read_with_default<T>(
        &mut self,
        label: &str,
        default_text: &str,
        default: T,
        mut parse: impl FnMut(&mut dyn Terminal, &str) -> Result<Option<T>, CliError>,
    ) -> Result<T, CliError> {
        loop {
            let input = self.term.read_line(&format!("{label} [{default_text}] "))?;
            let input = input.trim();
            if input.is_empty() {
                return Ok(default);
            }
            if let Some(value) = parse(&mut *self.term, input)? {
                return Ok(value);
            }
        }
    }

    fn read_period(
        &mut self,
        label: &str,
        default: Period,
        minimum_days: u64,
    ) -> Result<Period, CliError> {
        self.read_with_default(label, &default.to_string(), default, |term, input| {
            match Period::from_str(input) {
                Err(e) => {
                    term.println(&format!("Sorry, I do not understand '{input}' ({e})"));
                    Ok(None)
                }
                Ok(period) if period.approx_days() < minimum_days => {
                    term.println(&format!(
                        "The period '{period}' is less than the recommended period"
                    ));
                    Ok(term
                        .prompt_yes_no("Are you sure?", false)?
                        .then_some(period))
                }
                Ok(period) => Ok(Some(period)),
            }
        })
    }

    fn read_key_size(&mut self, current: u32) -> Result<u32, CliError> {
        self.read_with_default("Key Size", &current.to_string(), current, |term, input| {
            let Ok(bits) = input.parse::<i64>() else {
                term.println("The key size must be a positive integer");
                return Ok(None);
            };
            match keys::key_size_problem(bits, true) {
                Some(problem) => {
                    term.println(problem);
                    Ok(None)
                }
                None => Ok(u32::try_from(bits).ok()),
            }
        })
    }

    fn read_key_usage(&mut self, current: Vec<KeyUsage>) -> Result<Vec<KeyUsage>, CliError> {
        let shown = keys::key_usage_names(&current);
        self.read_with_default("Key Usage", &shown, current, |term, input| {
            match keys::parse_key_usage_answer(input) {
                Ok(usages) => Ok(Some(usages)),
                Err(lines) => {
                    for line in lines {
                        term.println(&line);
                    }
                    Ok(None)
                }
            }
        })
    }

    /// Shows an options screen (`shown`, then the key and its usage) and asks whether to
    /// change any of them.
    fn offer_change(
        &mut self,
        shown: &[String],
        key: KeyAlgorithm,
        key_usage: &[KeyUsage],
    ) -> Result<bool, CliError> {
        for line in shown {
            self.say(line);
        }
        self.say(&keys::describe_key(key));
        self.say(&format!("Key Usage: {}", keys::key_usage_names(key_usage)));
        self.say("");
        self.term
            .prompt_yes_no("Do you wish to change any of these options?", false)
    }

    /// The last questions of an options screen: the RSA key size (an EC key has none to
    /// choose) and the key usage. `whose` is "your CA" or "your certificate".
    fn change_key(
        &mut self,
        whose: &str,
        size_text: &str,
        key: KeyAlgorithm,
        key_usage: Vec<KeyUsage>,
    ) -> Result<(KeyAlgorithm, Vec<KeyUsage>), CliError> {
        let key = match key {
            KeyAlgorithm::Rsa { bits } => {
                self.header(&format!("What key size should {whose} have?"));
                self.text(size_text);
                let bits = self.read_key_size(bits)?;
                self.term.println("");
                KeyAlgorithm::Rsa { bits }
            }
            other => other,
        };
        self.header(&format!("What key usage should {whose} have?"));
        self.explain_key_usage();
        let key_usage = self.read_key_usage(key_usage)?;
        self.term.println("");
        Ok((key, key_usage))
    }

    fn explain_key_usage(&mut self) {
        self.text(KEY_USAGE_TEXT);
        for usage in KeyUsage::ALL {
            self.term.println(&format!(" - {}", usage.rfc_name()));
        }
        self.term.println("");
    }

    // ---- step 2: CSR? ---------------------------------------------------------------------

    fn ask_csr(&mut self) -> Result<bool, CliError> {
        if let Some(csr) = self.presets.csr {
            return Ok(csr);
        }
        self.header("Do you wish to generate a Certificate Signing Request (CSR)?");
        self.text(CSR_TEXT);
        self.term.println("");
        self.term.prompt_yes_no("Generate a CSR?", false)
    }

    // ---- step 3: CA -----------------------------------------------------------------------

    fn ask_existing_ca(&mut self) -> Result<bool, CliError> {
        if let Some(ca) = &self.presets.ca {
            return Ok(*ca != CaPreset::New);
        }
        self.header(
            "Do you have an existing Certificate Authority (CA) key-pair that you wish to use to sign your certificate?",
        );
        self.text(EXISTING_CA_TEXT);
        self.term.println("");
        self.term.prompt_yes_no("Use an existing CA?", false)
    }

    /// Resolves a typed CA-related path: the config directory first, then the current
    /// directory. `Err(message)` when no candidate is a readable file.
    fn locate(&self, input: &str) -> Result<PathBuf, String> {
        let candidates = self.ctx.ca_path_candidates(input);
        for candidate in &candidates {
            if std::fs::metadata(candidate).is_ok_and(|m| m.is_file())
                && std::fs::File::open(candidate).is_ok()
            {
                return Ok(candidate.clone());
            }
        }
        let first = &candidates[0];
        let mut message = if std::fs::symlink_metadata(first).is_ok() {
            format!("The file {} cannot be read", first.display())
        } else {
            format!("The file {} does not exist", first.display())
        };
        if let Some(second) = candidates.get(1) {
            message.push_str(&format!(" (nor {})", second.display()));
        }
        Err(message)
    }

    /// A path from an option (`--ca`, `--ca-key`): must exist, exit 74 otherwise.
    fn preset_path(&self, input: &str) -> Result<PathBuf, CliError> {
        self.locate(input).map_err(CliError::io)
    }

    /// Asks for a path until it names a readable file.
    fn request_path(&mut self, prompt: &str) -> Result<PathBuf, CliError> {
        loop {
            let input = self.term.read_line(prompt)?;
            let input = input.trim();
            if input.is_empty() {
                self.say(&format!("{input} is not a valid file"));
                continue;
            }
            match self.locate(input) {
                Ok(path) => return Ok(path),
                Err(message) => self.say(&message),
            }
        }
    }

    fn guess_file_type(path: &Path) -> Result<CaFileType, CliError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".p12") || name.ends_with(".pfx") || name.ends_with(".pkcs12") {
            return Ok(CaFileType::Pkcs12);
        }
        if name.ends_with(".jks") {
            return Ok(CaFileType::Jks);
        }
        let bytes = ca_source::read_file(path, "CA file")?;
        match bytes.get(..2) {
            Some([0x30, 0x82] | [0x30, 0x56] | [0x30, 0x65]) => return Ok(CaFileType::Pkcs12),
            Some([0xFE, 0xED]) => return Ok(CaFileType::Jks),
            _ => {}
        }
        let text = String::from_utf8_lossy(&bytes);
        Ok(CaFileType::Pem(classify_pem(&text)))
    }

    fn find_existing_ca(&mut self) -> Result<CertificateAuthority, CliError> {
        let (ca_path, preset_key) = match self.presets.ca.clone() {
            Some(CaPreset::Pem { cert, key }) => {
                let cert = self.preset_path(&cert)?;
                let key = self.preset_path(&key)?;
                return self.read_pem_ca(&cert, &key);
            }
            Some(CaPreset::Path { path, key }) => (self.preset_path(&path)?, key),
            _ => {
                self.header("What is the path to your CA?");
                self.text(CA_PATH_TEXT);
                (self.request_path("CA Path: ")?, None)
            }
        };
        let file_type = Self::guess_file_type(&ca_path)?;
        self.term.println_at(
            Verbosity::Verbose,
            &format!("CA file {} appears to be {file_type:?}", ca_path.display()),
        );
        match file_type {
            CaFileType::Pkcs12 => self.read_pkcs12_ca(&ca_path),
            CaFileType::Jks => Err(CliError::data(format!(
                "{0}: JKS keystores are not supported; convert it first with: keytool -importkeystore -srckeystore {0} -destkeystore ca.p12 -deststoretype PKCS12",
                ca_path.display()
            ))),
            CaFileType::Pem(PemKind::PrivateKey) => {
                // `--ca key.pem --ca-key cert.pem`: take them as given, whichever is which.
                let cert_path = match preset_key {
                    Some(other) => self.preset_path(&other)?,
                    None => self.request_other_pem_half(&ca_path, &PEM_KEY_NEEDS_CERT)?,
                };
                self.read_pem_ca(&cert_path, &ca_path)
            }
            CaFileType::Pem(PemKind::Certificate) => {
                let key_path = match preset_key {
                    Some(key) => self.preset_path(&key)?,
                    None if holds_private_key(&ca_path) => {
                        self.term.println(&format!(
                            "{} also holds the CA's private key, which will be used.",
                            ca_path.display()
                        ));
                        ca_path.clone()
                    }
                    None => self.request_other_pem_half(&ca_path, &PEM_CERT_NEEDS_KEY)?,
                };
                self.read_pem_ca(&ca_path, &key_path)
            }
            CaFileType::Pem(PemKind::CertificateChain) => {
                self.say(&format!(
                    "The file at {} contains multiple certificates.",
                    ca_path.display()
                ));
                self.term.println(
                    "That type of file is usually a certificate chain; this tool needs the",
                );
                self.term.println("single certificate of the CA.");
                Err(CliError::data(format!(
                    "{}: Unsupported file type (certificate chain)",
                    ca_path.display()
                )))
            }
            CaFileType::Pem(_) => {
                self.say(&format!(
                    "The file at {} isn't a file type that this tool recognises.",
                    ca_path.display()
                ));
                self.term
                    .println("Please try again with a CA in PKCS#12 or PEM format");
                Err(CliError::data(format!(
                    "{}: Unrecognized file type",
                    ca_path.display()
                )))
            }
        }
    }

    /// Asks for the other half of a PEM CA (the certificate for a key, or the key for a
    /// certificate) typed as `CA Path`.
    fn request_other_pem_half(
        &mut self,
        ca_path: &Path,
        half: &OtherPemHalf,
    ) -> Result<PathBuf, CliError> {
        self.require_interactive(half.option)?;
        self.header(half.header);
        self.term.println(&format!(
            "{} appears to be a PEM formatted {} file.",
            ca_path.display(),
            half.given
        ));
        self.text(half.text);
        self.term.println("");
        self.request_path(half.prompt)
    }

    fn require_interactive(&self, missing: &str) -> Result<(), CliError> {
        if self.presets.batch {
            return Err(CliError::usage(format!(
                "with --silent, {missing} is required"
            )));
        }
        Ok(())
    }

    fn read_pkcs12_ca(&mut self, path: &Path) -> Result<CertificateAuthority, CliError> {
        let bytes = zeroize::Zeroizing::new(ca_source::read_file(path, "CA keystore")?);
        let preset = self.presets.ca_pass.clone();
        if !matches!(preset, PassOption::Given(_)) {
            self.require_interactive("--ca-pass <password> (--ca-pass \"\" for none)")?;
            self.text(P12_PASSWORD_TEXT);
        }
        let prompt = format!("Password for {}:", file_name(path));
        let retry = ca_source::may_ask_again(&*self.term, &preset);
        ca_source::ca_from_pkcs12(
            &mut *self.term,
            &bytes,
            path,
            retry,
            &mut |term, _| match &preset {
                PassOption::Given(value) => Ok(value.clone()),
                _ => term.read_secret(&prompt),
            },
        )
    }

    fn read_pem_ca(
        &mut self,
        cert_path: &Path,
        key_path: &Path,
    ) -> Result<CertificateAuthority, CliError> {
        let certificate = ca_source::single_certificate(cert_path)?;
        let key = {
            let batch = self.presets.batch;
            let preset = self.presets.ca_pass.clone();
            let retry = ca_source::may_ask_again(&*self.term, &preset);
            let prompt = format!("Password for {}:", file_name(key_path));
            let mut ask = |term: &mut dyn Terminal, attempt: u32| match &preset {
                PassOption::Given(value) => Ok(value.clone()),
                _ if batch => Err(CliError::usage(
                    "with --silent, --ca-pass <password> is required for an encrypted CA key",
                )),
                _ => {
                    if attempt == 1 {
                        term.println("");
                        term.println(&format!(
                            "The PEM key stored in {} requires a password.",
                            key_path.display()
                        ));
                        term.println("");
                    }
                    term.read_secret(&prompt)
                }
            };
            ca_source::private_key_from_pem_file(&mut *self.term, key_path, retry, &mut ask)?
        };
        ca_source::pair(
            &mut *self.term,
            certificate,
            key,
            &key_path.display().to_string(),
        )
    }

    fn new_ca(&mut self) -> Result<NewCa, CliError> {
        let p = &self.presets;
        let mut subject = match &p.ca_dn {
            Some(dn) => dn.clone(),
            None => DistinguishedName::from_str(DEFAULT_CA_DN).map_err(crate::error::pki)?,
        };
        let mut validity = p.ca_validity.unwrap_or(DEFAULT_VALIDITY);
        let mut key = p.ca_key.unwrap_or(p.default_key);
        let mut key_usage = p
            .ca_key_usage
            .clone()
            .unwrap_or_else(|| CA_KEY_USAGE.to_vec());
        let ask = !p.batch && !p.ca_options_given;
        if !p.batch {
            self.term
                .println("A new Certificate Authority will be generated for you");
        }
        if ask {
            self.header("CA Generation Options");
            self.text(CA_OPTIONS_TEXT);
            self.term.println("");
            loop {
                let shown = [
                    format!("Subject DN: {}", subject.to_display_string()),
                    format!("Validity: {validity}"),
                ];
                if !self.offer_change(&shown, key, &key_usage)? {
                    break;
                }
                self.header("What should your CA be named?");
                self.text(CA_NAME_TEXT);
                self.term.println("");
                let shown = subject.to_display_string();
                subject = self.read_with_default("CA Name", &shown, subject, |term, input| {
                    match name_to_dn(input) {
                        Ok(dn) => Ok(Some(dn)),
                        Err(e) => {
                            term.println_at(
                                Verbosity::Silent,
                                &format!("'{input}' is not a valid CA name ({e})"),
                            );
                            Ok(None)
                        }
                    }
                })?;
                self.header("How long should your CA be valid?");
                self.text(CA_VALIDITY_TEXT);
                validity = self.read_period("CA Validity", validity, 90)?;
                (key, key_usage) = self.change_key("your CA", CA_KEY_SIZE_TEXT, key, key_usage)?;
            }
        }
        let password = match &self.presets.ca_pass {
            PassOption::Given(value) => {
                password::wizard_preset_password(&mut *self.term, value)?;
                value.clone()
            }
            _ => {
                self.require_interactive("--ca-pass <password> (--ca-pass \"\" for none)")?;
                self.header("CA password");
                self.text(CA_PASSWORD_TEXT);
                self.term.println("");
                password::wizard_password(&mut *self.term, "CA password: ", true)?
            }
        };
        Ok(NewCa {
            subject,
            validity,
            key,
            key_usage,
            password,
        })
    }

    fn describe_ca(&mut self, ca: &CertificateAuthority) {
        if self.term.verbosity() < Verbosity::Verbose {
            return;
        }
        let cert = &ca.certificate;
        let lines = [
            "Using the following CA:".to_string(),
            format!("\tSubject: {}", cert.subject().unwrap_or_default()),
            format!("\tIssuer: {}", cert.issuer().unwrap_or_default()),
            format!("\tSerial: {}", cert.serial_hex().unwrap_or_default()),
            format!(
                "\tExpiry: {}",
                cert.not_after().map(|t| t.to_string()).unwrap_or_default()
            ),
        ];
        for line in lines {
            self.term.println_at(Verbosity::Verbose, &line);
        }
    }

    // ---- step 3b: validity ----------------------------------------------------------------

    fn ask_validity(&mut self) -> Result<Period, CliError> {
        if let Some(validity) = self.presets.validity {
            return Ok(validity);
        }
        if self.presets.batch {
            return Ok(DEFAULT_VALIDITY);
        }
        self.header("How long should your certificates be valid?");
        self.text(VALIDITY_TEXT);
        self.term.println("");
        self.read_period(
            "For how long should your certificate be valid?",
            DEFAULT_VALIDITY,
            60,
        )
    }

    // ---- steps 4-5: certificates ----------------------------------------------------------

    fn cert_key(&self) -> KeyAlgorithm {
        self.presets.cert_key.unwrap_or(self.presets.default_key)
    }

    fn cert_key_usage(&self, key: KeyAlgorithm) -> Vec<KeyUsage> {
        self.presets
            .cert_key_usage
            .clone()
            .unwrap_or_else(|| keys::http_key_usage(key))
    }

    fn plan_from_preset(&self, identity: CertIdentity) -> CertPlan {
        let key = self.cert_key();
        CertPlan {
            identity,
            key,
            key_usage: self.cert_key_usage(key),
        }
    }

    fn ask_certificates(&mut self, csr: bool) -> Result<Vec<CertPlan>, CliError> {
        if let Some(nodes) = self.presets.nodes.clone() {
            return Ok(nodes
                .into_iter()
                .map(|n| self.plan_from_preset(n))
                .collect());
        }
        if self.presets.batch {
            let node = CertIdentity {
                name: default_key_name(&[]),
                subject: node_dn(&default_key_name(&[])),
                dns: Vec::new(),
                ips: Vec::new(),
                cns: Vec::new(),
            };
            return Ok(vec![self.plan_from_preset(node)]);
        }
        self.header("Do you wish to generate one certificate per node?");
        self.text(PER_NODE_TEXT);
        self.term.println("");
        let multiple = self
            .term
            .prompt_yes_no("Generate a certificate per node?", false)?;
        let mut certs: Vec<CertPlan> = Vec::new();
        loop {
            let description = if multiple {
                format!("node #{}", certs.len() + 1)
            } else {
                "your nodes".to_string()
            };
            let cert = self.certificate_configuration(multiple, description, csr, &certs)?;
            certs.push(cert);
            if !(multiple
                && self
                    .term
                    .prompt_yes_no("Generate additional certificates?", true)?)
            {
                break;
            }
        }
        Ok(certs)
    }

    /// A node name / key name: it names a directory and files in the zip, so it must be a
    /// valid file name (Elasticsearch does not check) and unique.
    fn read_cert_name(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        taken: &[CertPlan],
    ) -> Result<String, CliError> {
        loop {
            let label = match default {
                Some(d) => format!("{prompt} [{d}] "),
                None => prompt.to_string(),
            };
            let input = self.term.read_line(&label)?;
            let input = input.trim();
            let name = match (input.is_empty(), default) {
                (true, Some(d)) => d.to_string(),
                _ => input.to_string(),
            };
            if !is_valid_filename(&name) {
                self.say(&format!("'{name}' is not a valid filename"));
                continue;
            }
            if taken.iter().any(|c| c.identity.name == name) {
                self.say(&format!("A certificate named '{name}' was already entered"));
                continue;
            }
            return Ok(name);
        }
    }

    fn read_names(&mut self, problem: fn(&str) -> Option<String>) -> Result<Vec<String>, CliError> {
        let mut names = Vec::new();
        loop {
            let input = self.term.read_line("")?;
            let input = input.trim();
            if input.is_empty() {
                return Ok(names);
            }
            match problem(input) {
                Some(error) => self.term.println(&format!("Error: {error}")),
                None => {
                    if !names.iter().any(|n| n == input) {
                        names.push(input.to_string());
                    }
                }
            }
        }
    }

    fn certificate_configuration(
        &mut self,
        multiple: bool,
        mut description: String,
        csr: bool,
        taken: &[CertPlan],
    ) -> Result<CertPlan, CliError> {
        let mut cert_name = None;
        if multiple {
            self.header(&format!("What is the name of {description}?"));
            self.text(NODE_NAME_TEXT);
            self.term.println("");
            let name = self.read_cert_name(&format!("{description} name: "), None, taken)?;
            description = name.clone();
            cert_name = Some(name);
        }

        self.header(&format!(
            "Which hostnames will be used to connect to {description}?"
        ));
        self.text(HOSTNAMES_TEXT);
        let dns = loop {
            self.term.println("");
            self.text(ENTER_HOSTNAMES_TEXT);
            self.term.println("");
            let dns = self.read_names(hostname_problem)?;
            if dns.is_empty() {
                self.say("You did not enter any hostnames.");
                self.text(NO_HOSTNAMES_TEXT);
            } else {
                self.say("You entered the following hostnames.");
                self.say("");
                for name in &dns {
                    self.say(&format!(" - {name}"));
                }
            }
            self.term.println("");
            if self.term.prompt_yes_no("Is this correct", true)? {
                break dns;
            }
        };

        self.header(&format!(
            "Which IP addresses will be used to connect to {description}?"
        ));
        self.text(IPS_TEXT);
        let ips = loop {
            self.term.println("");
            self.text(ENTER_IPS_TEXT);
            self.term.println("");
            let ips = self.read_names(ip_problem)?;
            if ips.is_empty() {
                self.say("You did not enter any IP addresses.");
            } else {
                self.say("You entered the following IP addresses.");
                self.say("");
                for ip in &ips {
                    self.say(&format!(" - {ip}"));
                }
            }
            self.term.println("");
            if self.term.prompt_yes_no("Is this correct", true)? {
                break ips;
            }
        };
        let ips: Vec<IpAddr> = ips
            .iter()
            .filter_map(|i| IpAddr::from_str(i).ok())
            .collect();

        self.header("Other certificate options");
        self.text(OTHER_OPTIONS_TEXT);
        self.term.println("");
        let mut name = match cert_name {
            Some(name) => name,
            None => {
                let name = default_key_name(&dns);
                // A wildcard-derived name could still hold characters a file name cannot.
                if is_valid_filename(&name) {
                    name
                } else {
                    "elasticsearch".to_string()
                }
            }
        };
        let mut subject = node_dn(&name);
        let mut key = self.cert_key();
        let mut key_usage = self.cert_key_usage(key);
        loop {
            let shown = [
                format!("Key Name: {name}"),
                format!("Subject DN: {}", subject.to_display_string()),
            ];
            if !self.offer_change(&shown, key, &key_usage)? {
                break;
            }
            self.header("What should your key be named?");
            if csr {
                self.term.println(
                    "This name becomes part of the names of the files that are generated.",
                );
            } else {
                self.term.println("This name becomes the name of the node's directory when several certificates are made.");
            }
            self.term
                .println("A meaningful name helps you tell your keys apart.");
            self.term.println("");
            let others: Vec<CertPlan> = taken.to_vec();
            name = self.read_cert_name("Key Name", Some(&name.clone()), &others)?;

            self.header("What subject DN should be used for your certificate?");
            self.text(SUBJECT_TEXT);
            self.term.println("");
            let shown = subject.to_display_string();
            subject =
                self.read_with_default(
                    "Subject DN",
                    &shown,
                    subject,
                    |term, input| match name_to_dn(input) {
                        Ok(dn) => Ok(Some(dn)),
                        Err(e) => {
                            term.println_at(
                                Verbosity::Silent,
                                &format!("'{input}' is not a valid DN ({e})"),
                            );
                            Ok(None)
                        }
                    },
                )?;

            (key, key_usage) =
                self.change_key("your certificate", CERT_KEY_SIZE_TEXT, key, key_usage)?;
        }
        Ok(CertPlan {
            identity: CertIdentity {
                name,
                subject,
                dns,
                ips,
                cns: Vec::new(),
            },
            key,
            key_usage,
        })
    }

    fn describe_cert(&mut self, cert: &CertPlan, csr: bool, validity: Option<Period>) {
        if self.term.verbosity() < Verbosity::Verbose {
            return;
        }
        let kind = if csr { "CSR" } else { "Certificate" };
        let ips: Vec<String> = cert.identity.ips.iter().map(ToString::to_string).collect();
        let lines = [
            format!("Generating the following {kind}:"),
            format!("\tName: {}", cert.identity.name),
            format!("\tSubject: {}", cert.identity.subject.to_display_string()),
            format!("\tDNS Names: {}", cert.identity.dns.join(",")),
            format!("\tIP Names: {}", ips.join(",")),
            format!("\t{}", keys::describe_key(cert.key)),
            format!("\tKey Usage: {}", keys::key_usage_names(&cert.key_usage)),
            format!(
                "\tValidity: {}",
                validity.map_or("N/A".to_string(), |v| v.to_string())
            ),
        ];
        for line in lines {
            self.term.println_at(Verbosity::Verbose, &line);
        }
    }

    // ---- step 6: key password -------------------------------------------------------------

    fn ask_key_password(&mut self, csr: bool) -> Result<SecretInput, CliError> {
        if let PassOption::Given(value) = &self.presets.pass {
            password::wizard_preset_password(&mut *self.term, value)?;
            return Ok(value.clone());
        }
        self.require_interactive("--pass <password> (--pass \"\" for none)")?;
        self.header("What password do you want for your private key(s)?");
        if csr {
            self.text(CSR_PASSWORD_TEXT);
            password::wizard_password(
                &mut *self.term,
                "Provide a password for the private key: ",
                true,
            )
        } else {
            self.text(P12_KEY_PASSWORD_TEXT);
            password::wizard_password(
                &mut *self.term,
                "Provide a password for the \"http.p12\" file: ",
                true,
            )
        }
    }

    // ---- step 7: output -------------------------------------------------------------------

    fn ask_output(&mut self, csr: bool) -> Result<PathBuf, CliError> {
        if let Some(out) = &self.presets.out {
            return Ok(self.ctx.resolve(out));
        }
        let default = self.ctx.resolve(DEFAULT_OUTPUT);
        if self.presets.batch {
            return Ok(default);
        }
        self.header("Where should we save the generated files?");
        self.term
            .println("A number of files will be generated including your private key(s),");
        if csr {
            self.term.println("certificate request(s), and sample configuration options for Elastic Stack products.");
        } else {
            self.term.println("public certificate(s), and sample configuration options for Elastic Stack products.");
        }
        self.term.println("");
        self.term
            .println("These files will be included in a single zip archive.");
        self.term.println("");
        let shown = default.display().to_string();
        let input = self.term.read_line_or(
            &format!("What filename should be used for the output zip file? [{shown}] "),
            &shown,
        )?;
        let path = self.ctx.resolve(input);
        output::refuse_existing(&path)?;
        Ok(path)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether a PEM certificate file also carries a private key block.
fn holds_private_key(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| {
        text.lines()
            .any(|l| l.starts_with("-----BEGIN") && l.contains("PRIVATE KEY"))
    })
}

// ---- explanatory text (ours; the prompts themselves are Elasticsearch's) -------------------

const INTRO: &str = "\
The 'http' command guides you through creating the certificates that secure
the HTTP (REST) layer of your nodes, and the files that let clients such as
the console (Kibana) trust them.

Answer the questions below; each one explains its choices and offers a default.";

const CSR_TEXT: &str = "\
Choose a CSR when your certificates must be issued by a certificate authority
(CA) that you do not control, such as your organisation's central CA. Clients
in your organisation may already trust that CA, which makes them easy to
connect; you send the CSR to the team that runs it.

Otherwise this tool creates the certificates itself, signed by a CA that you
control (an existing one, or a new one). That is quick, but every client must
then be told to trust that CA.";

const EXISTING_CA_TEXT: &str = "\
If you already have a CA certificate and its private key (for example the
elastic-stack-ca.p12 made by 'certutil ca' for the transport layer), it can
sign the HTTP certificates too. One CA across several clusters makes clients
easier to configure.

If you do not have one, a new CA will be generated for you.";

const CA_PATH_TEXT: &str = "\
Enter the path of the CA to sign your new HTTP certificates with: a PKCS#12
file (.p12), or PEM files (.crt, .key, .pem). A relative path is looked up in
the config directory first, then in the current directory.";

/// The question for the missing half of a PEM CA.
struct OtherPemHalf {
    /// What was given at `CA Path`.
    given: &'static str,
    /// The option that answers the question (named when `--silent` leaves it unanswered).
    option: &'static str,
    header: &'static str,
    text: &'static str,
    prompt: &'static str,
}

const PEM_KEY_NEEDS_CERT: OtherPemHalf = OtherPemHalf {
    given: "private key",
    option: "--ca-cert (the CA certificate for the key given with --ca)",
    header: "What is the path to your CA certificate?",
    text: "To sign with it, the certificate that belongs to this key is needed as well.",
    prompt: "CA Certificate: ",
};

const PEM_CERT_NEEDS_KEY: OtherPemHalf = OtherPemHalf {
    given: "certificate",
    option: "--ca-key (the private key of the CA certificate given with --ca)",
    header: "What is the path to your CA key?",
    text: "To sign with it, the private key that belongs to this certificate is needed as well.",
    prompt: "CA Key: ",
};

const P12_PASSWORD_TEXT: &str = "\
Reading a PKCS#12 keystore requires its password.
The password may be blank; then just press <ENTER> at the prompt.";

const CA_OPTIONS_TEXT: &str = "\
The new certificate authority will have the settings below, chosen as secure
defaults. Change them only if you have a specific need.";

const CA_NAME_TEXT: &str = "\
Every client that connects to your cluster will have to trust this CA, so a
meaningful name helps. Enter a full DN (CN=...,O=...) or just a name.";

const CA_VALIDITY_TEXT: &str = "\
When a CA expires, clients stop trusting it and TLS connections fail. We
recommend a long validity (3 - 5 years) and a planned renewal a few months
before it ends.
Enter the validity in years (e.g. 3Y), months (e.g. 18M), or days (e.g. 90D)";

const CA_KEY_SIZE_TEXT: &str = "\
The CA's RSA key has a fixed size in bits. Larger keys are stronger but slower.

We recommend 2048, 3072 or 4096 bits.";

const CERT_KEY_SIZE_TEXT: &str = "\
The certificate's RSA key has a fixed size in bits. Larger keys are stronger but slower.

We recommend 2048, 3072 or 4096 bits.";

const KEY_USAGE_TEXT: &str = "\
The key usage extension limits what the key in the certificate may be used for.
Enter a comma-separated list of these values: ";

const CA_PASSWORD_TEXT: &str = "\
Protect the new CA's private key (ca/ca.p12) with a strong password: anyone who
gets a copy of an unprotected key can issue certificates that impersonate your
cluster.

IT IS IMPORTANT THAT YOU REMEMBER THIS PASSWORD AND KEEP IT SECURE";

const VALIDITY_TEXT: &str = "\
Every certificate expires; after that, clients refuse it and TLS connections fail.

Good practice is either:
(a) a short validity (90 - 120 days) with automation that renews certificates
    before they expire, or
(b) a long validity (3 - 5 years) with a manual renewal a few months before the end.

Enter the validity in years (e.g. 3Y), months (e.g. 18M), or days (e.g. 90D)";

const PER_NODE_TEXT: &str = "\
With several nodes you can give each node its own certificate and key, issued
for that node's hostnames and addresses.

Alternatively, one certificate can cover every node, for example with a
wildcard hostname (*.es.example.com) when all nodes share a domain.

Without a common domain, or if you expect to add nodes later, one certificate
per node makes it easier to add certificates for new nodes.";

const NODE_NAME_TEXT: &str = "\
This name is used for the node's directory in the zip and as the default name
inside its certificate. We recommend the node's name (node.name).";

const HOSTNAMES_TEXT: &str = "\
These hostnames become \"DNS\" entries of the certificate's Subject Alternative
Name (SAN). List every hostname and variant that clients will use to connect
over HTTPS; IP addresses are asked for next.

A wildcard such as *.es.example.com is allowed.";

const ENTER_HOSTNAMES_TEXT: &str = "\
Enter all the hostnames that you need, one per line.
When you are done, press <ENTER> once more to move on to the next step.";

const NO_HOSTNAMES_TEXT: &str = "\
Clients that connect with a hostname will then fail TLS hostname verification.";

const IPS_TEXT: &str = "\
If clients will connect by IP address, list those addresses: they become IP
entries of the certificate's Subject Alternative Name (SAN).

Without fixed addresses, or if you do not want direct IP access, just press
<ENTER> to skip this step.";

const ENTER_IPS_TEXT: &str = "\
Enter all the IP addresses that you need, one per line.
When you are done, press <ENTER> once more to move on to the next step.";

const OTHER_OPTIONS_TEXT: &str = "\
The certificate will also have these settings, derived from your answers and
secure defaults. Change them only if you have a specific need.";

const SUBJECT_TEXT: &str = "\
Clients can see the subject, so a meaningful name helps.";

const CSR_PASSWORD_TEXT: &str = "\
Your private key(s) will be written as PEM files. We recommend protecting them
with a password.

If you do not want a password, just press <ENTER> at the prompt below.";

const P12_KEY_PASSWORD_TEXT: &str = "\
Your private key(s) will be stored in a PKCS#12 keystore file named \"http.p12\".
That file always has a password, but the password may be blank.

If you want a blank password, just press <ENTER> at the prompt below.";
