//! Loading an existing CA to sign with: a PKCS#12 file (ours, `openssl pkcs12 -export`,
//! keytool), or a PEM certificate plus PEM key (encrypted or not). A key that does not
//! belong to the certificate is refused before anything is signed (Elasticsearch #98207).

use std::path::Path;

use ironstack_pki::{
    Certificate, CertificateAuthority, CertificateSpec, Error as PkiError, Pkcs12Entry, PrivateKey,
    certificates_from_pem, read_pkcs12,
};
use ironstack_terminal::{CliError, SecretInput, Terminal, Verbosity};

use crate::password::PassOption;

/// Reads a whole file, mapping failures to exit 74 with the path in the message.
pub(crate) fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::io(format!("cannot read {what} {}: {e}", path.display())))
}

fn read_text(path: &Path, what: &str) -> Result<String, CliError> {
    let bytes = read_file(path, what)?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::data(format!("{} is not a PEM file", path.display())))
}

/// Prints the verification failure block and returns exit 78 `Certificate verification failed`.
pub(crate) fn verification_failed(term: &mut dyn Terminal, detail: &str) -> CliError {
    let rule = "*".repeat(72);
    term.eprintln(&rule);
    term.eprintln("* ERROR *");
    term.eprintln(detail);
    term.eprintln(
        "Nothing was written: certificates signed this way would not verify against the CA.",
    );
    term.eprintln(&rule);
    CliError::config("Certificate verification failed")
}

/// Signs a certificate for `key` and checks its signature against the CA certificate before
/// it is used: a mismatch is exit 78 `Certificate verification failed` (Elasticsearch
/// #98207). `name` names the certificate in the message.
pub(crate) fn sign_verified(
    term: &mut dyn Terminal,
    ca: &CertificateAuthority,
    spec: &CertificateSpec,
    key: &PrivateKey,
    name: &str,
) -> Result<Certificate, CliError> {
    let certificate = ca.sign(spec, key).map_err(crate::error::pki)?;
    if !certificate
        .is_signed_by(&ca.certificate)
        .map_err(crate::error::pki)?
    {
        return Err(verification_failed(
            term,
            &format!("The certificate for [{name}] does not verify against the CA certificate."),
        ));
    }
    Ok(certificate)
}

/// How many times a CA password typed on a console is asked for before giving up.
pub(crate) const CA_PASSWORD_ATTEMPTS: u32 = 3;

/// Asks for a CA password; the argument is the attempt (1 for the first question).
pub(crate) type AskPassword<'a> =
    dyn FnMut(&mut dyn Terminal, u32) -> Result<SecretInput, CliError> + 'a;

/// Whether a mistyped CA password may be asked for again: only when a person types it on a
/// console. A password given as an option, or read from piped answers, fails at once as in
/// Elasticsearch (which never asks again), so that the later lines of an answer file are
/// never taken for passwords.
pub(crate) fn may_ask_again(term: &dyn Terminal, pass: &PassOption) -> bool {
    !matches!(pass, PassOption::Given(_)) && term.is_interactive()
}

fn try_again(term: &mut dyn Terminal, path: &Path) {
    term.println_at(
        Verbosity::Silent,
        &format!(
            "The password for {} is incorrect; please try again",
            path.display()
        ),
    );
}

/// The CA in a PKCS#12 file, which must hold exactly one private-key entry, opened with the
/// password `ask` returns (asked again after a wrong one when `retry`, see
/// [`may_ask_again`]).
pub(crate) fn ca_from_pkcs12(
    term: &mut dyn Terminal,
    bytes: &[u8],
    path: &Path,
    retry: bool,
    ask: &mut AskPassword<'_>,
) -> Result<CertificateAuthority, CliError> {
    let mut attempt = 1;
    let store = loop {
        let password = ask(term, attempt)?;
        match read_pkcs12(bytes, password.expose()) {
            Ok(store) => break store,
            Err(PkiError::WrongPassword) if retry && attempt < CA_PASSWORD_ATTEMPTS => {
                try_again(term, path);
                attempt += 1;
            }
            Err(e) => return Err(unreadable("the CA keystore", path)(e)),
        }
    };
    let key_count = store.private_keys().count();
    if key_count != 1 {
        return Err(CliError::data(format!(
            "expected a single key in file [{}] but found [{key_count}]",
            path.display()
        )));
    }
    let (key, chain) = store
        .entries
        .into_iter()
        .find_map(|entry| match entry {
            Pkcs12Entry::PrivateKey { key, chain, .. } => Some((key, chain)),
            Pkcs12Entry::TrustedCertificate { .. } => None,
        })
        .ok_or_else(|| CliError::data("the CA keystore has no private key"))?;
    let certificate = chain.into_iter().next().ok_or_else(|| {
        CliError::data(format!("the key in {} has no certificate", path.display()))
    })?;
    pair(term, certificate, key, &path.display().to_string())
}

/// Exactly one certificate from a PEM file.
pub(crate) fn single_certificate(path: &Path) -> Result<Certificate, CliError> {
    let text = read_text(path, "CA certificate")?;
    let mut certificates = certificates_from_pem(&text)
        .map_err(|e| CliError::data(format!("{}: {e}", path.display())))?;
    if certificates.len() != 1 {
        return Err(CliError::data(format!(
            "expected a single certificate in file [{}] but found [{}]",
            path.display(),
            certificates.len()
        )));
    }
    Ok(certificates.remove(0))
}

/// A PEM private key; `ask` is called only when the key is encrypted (and again after a
/// wrong password when `retry`, see [`may_ask_again`]).
pub(crate) fn private_key_from_pem_file(
    term: &mut dyn Terminal,
    path: &Path,
    retry: bool,
    ask: &mut AskPassword<'_>,
) -> Result<PrivateKey, CliError> {
    let text = zeroize::Zeroizing::new(read_text(path, "CA private key")?);
    if !PrivateKey::pem_is_encrypted(&text) {
        return PrivateKey::from_pem(&text, None).map_err(unreadable("the private key", path));
    }
    let mut attempt = 1;
    loop {
        let password = ask(term, attempt)?;
        match PrivateKey::from_pem(&text, Some(password.expose())) {
            Ok(key) => return Ok(key),
            Err(PkiError::WrongPassword) if retry && attempt < CA_PASSWORD_ATTEMPTS => {
                try_again(term, path);
                attempt += 1;
            }
            Err(e) => return Err(unreadable("the private key", path)(e)),
        }
    }
}

/// Exit 65 `cannot read <what> <path>: <why>` (a wrong password reads "the password is
/// incorrect or the file is corrupted": a MAC or padding check cannot tell them apart).
fn unreadable(what: &str, path: &Path) -> impl FnOnce(PkiError) -> CliError {
    let prefix = format!("cannot read {what} {}", path.display());
    move |e| CliError::data(format!("{prefix}: {e}"))
}

/// Pairs a CA certificate and key, refusing a mismatch; warns when the certificate is not
/// marked as a CA.
pub(crate) fn pair(
    term: &mut dyn Terminal,
    certificate: Certificate,
    key: PrivateKey,
    source: &str,
) -> Result<CertificateAuthority, CliError> {
    if matches!(certificate.is_ca(), Ok(false)) {
        term.println_at(
            Verbosity::Silent,
            &format!(
                "Warning: the certificate in {source} is not a CA certificate (BasicConstraints CA:FALSE); \
                 clients may refuse certificates it signs"
            ),
        );
    }
    let subject = certificate.subject().unwrap_or_default();
    CertificateAuthority::new(certificate, key).map_err(|e| match e {
        PkiError::KeyMismatch { .. } => verification_failed(
            term,
            &format!(
                "The private key in {source} does not belong to the CA certificate [{subject}]."
            ),
        ),
        other => crate::error::pki(other),
    })
}

/// `cert --ca <p12>`: the store password from `--ca-pass`, else asked
/// (`Enter password for CA (<path>) : `).
pub(crate) fn load_ca_pkcs12_option(
    term: &mut dyn Terminal,
    path: &Path,
    pass: &PassOption,
) -> Result<CertificateAuthority, CliError> {
    let bytes = zeroize::Zeroizing::new(read_file(path, "CA keystore")?);
    let retry = may_ask_again(term, pass);
    let prompt = format!("Enter password for CA ({}) : ", path.display());
    ca_from_pkcs12(term, &bytes, path, retry, &mut |term, _| match pass {
        PassOption::Given(value) => Ok(value.clone()),
        PassOption::Absent | PassOption::Prompt => term.read_secret(&prompt),
    })
}

/// `cert --ca-cert <pem> --ca-key <pem>`: the key password (only when the key is encrypted)
/// from `--ca-pass`, else asked (`Enter password for CA private key (<file>) : `).
pub(crate) fn load_ca_pem_options(
    term: &mut dyn Terminal,
    cert_path: &Path,
    key_path: &Path,
    pass: &PassOption,
) -> Result<CertificateAuthority, CliError> {
    let certificate = single_certificate(cert_path)?;
    let file_name = key_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let retry = may_ask_again(term, pass);
    let prompt = format!("Enter password for CA private key ({file_name}) : ");
    let key = private_key_from_pem_file(term, key_path, retry, &mut |term, _| match pass {
        PassOption::Given(value) => Ok(value.clone()),
        PassOption::Absent | PassOption::Prompt => term.read_secret(&prompt),
    })?;
    pair(term, certificate, key, &key_path.display().to_string())
}
