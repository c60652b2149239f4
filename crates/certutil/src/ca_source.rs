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

/// The CA in a PKCS#12 file, which must hold exactly one private-key entry.
pub(crate) fn ca_from_pkcs12(
    term: &mut dyn Terminal,
    bytes: &[u8],
    password: &SecretInput,
    path: &Path,
) -> Result<CertificateAuthority, CliError> {
    let store =
        read_pkcs12(bytes, password.expose()).map_err(unreadable("the CA keystore", path))?;
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

/// A PEM private key; `ask_password` is called only when the key is encrypted.
pub(crate) fn private_key_from_pem_file(
    path: &Path,
    ask_password: &mut dyn FnMut() -> Result<SecretInput, CliError>,
) -> Result<PrivateKey, CliError> {
    let text = zeroize::Zeroizing::new(read_text(path, "CA private key")?);
    let password = if PrivateKey::pem_is_encrypted(&text) {
        Some(ask_password()?)
    } else {
        None
    };
    PrivateKey::from_pem(&text, password.as_ref().map(SecretInput::expose))
        .map_err(unreadable("the private key", path))
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
    let password = match pass {
        PassOption::Given(value) => value.clone(),
        PassOption::Absent | PassOption::Prompt => {
            term.read_secret(&format!("Enter password for CA ({}) : ", path.display()))?
        }
    };
    ca_from_pkcs12(term, &bytes, &password, path)
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
    let key = {
        let mut ask = || match pass {
            PassOption::Given(value) => Ok(value.clone()),
            PassOption::Absent | PassOption::Prompt => term.read_secret(&format!(
                "Enter password for CA private key ({file_name}) : "
            )),
        };
        private_key_from_pem_file(key_path, &mut ask)?
    };
    pair(term, certificate, key, &key_path.display().to_string())
}
