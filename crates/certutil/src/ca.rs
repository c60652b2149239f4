//! `certutil ca`: a new self-signed certificate authority, as `elastic-stack-ca.p12` (key
//! entry `ca`) or, with `--pem`, a zip holding `ca/ca.crt` and `ca/ca.key`.

use ironstack_pki::{CertificateAuthority, Pkcs12Entry, write_pkcs12};
use ironstack_terminal::{CliError, Terminal, Verbosity};

use crate::bundle::{Sensitivity, ZipBundle};
use crate::cli::CaArgs;
use crate::context::Context;
use crate::keys::{self, CA_KEY_USAGE};
use crate::output;
use crate::password::{self, PassOption};
use crate::profile;

const INTRO: &str = "\
This tool helps you create the X.509 certificates that secure TLS in an
ironstack (or Elastic Stack) cluster.

The 'ca' mode creates a new certificate authority (CA): a certificate and its
private key, which 'ironstack certutil cert' and 'ironstack certutil http' then
use to sign node certificates.

By default the CA is written as one PKCS#12 file holding the certificate and
the key. Use --pem for a zip of PEM files instead, and --ca-dn to choose the
CA's distinguished name.
";

/// Runs `certutil ca`.
pub(crate) fn run(term: &mut dyn Terminal, ctx: &Context, args: CaArgs) -> Result<(), CliError> {
    output::refuse_existing_option(ctx, args.output.out.as_deref())?;
    term.println(INTRO);
    let validity = profile::validity_days(args.file.days)?;
    let algorithm =
        keys::key_algorithm(args.output.keytype, args.output.keysize, "--keysize", false)?;
    let subject = profile::parse_dn_option(
        "--ca-dn",
        args.ca_dn.as_deref().unwrap_or(profile::DEFAULT_CA_DN),
    )?;
    let key_usage = match args.keyusage.as_deref() {
        Some(list) => keys::parse_key_usage_option(list, &CA_KEY_USAGE)?,
        None => CA_KEY_USAGE.to_vec(),
    };
    let pass = PassOption::from_arg(args.output.pass);

    let default_name = if args.file.pem {
        "elastic-stack-ca.zip"
    } else {
        "elastic-stack-ca.p12"
    };
    let out = output::choose_output_path(term, ctx, args.output.out.as_deref(), default_name)?;
    output::refuse_existing(&out)?;
    output::ensure_parent_dir(term, &out, true)?;
    let file_name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| default_name.to_string());

    // Passwords are settled before the (slow) key generation so a refused one costs nothing.
    let bytes = if args.file.pem {
        let key_password = password::pem_password(term, &pass, "CA Private key")?;
        let ca = generate(algorithm, subject, validity, key_usage)?;
        let mut zip = ZipBundle::new(&jiff::ZonedDateTime::now());
        zip.add_directory("ca")?;
        zip.add_file(
            "ca/ca.crt",
            ca.certificate.to_pem().as_bytes(),
            Sensitivity::Public,
        )?;
        let key_pem = zeroize::Zeroizing::new(
            ca.key
                .to_pem(key_password.as_ref().map(|p| p.expose()))
                .map_err(crate::error::pki)?,
        );
        zip.add_file("ca/ca.key", key_pem.as_bytes(), Sensitivity::Secret)?;
        describe(term, &ca);
        zip.finish()?
    } else {
        let description = match pass {
            PassOption::Prompt => "CA Private key".to_string(),
            _ => file_name,
        };
        let store_password = password::p12_password(term, &pass, &description)?;
        let ca = generate(algorithm, subject, validity, key_usage)?;
        describe(term, &ca);
        let entries = [Pkcs12Entry::PrivateKey {
            alias: "ca".to_string(),
            key: ca.key,
            chain: vec![ca.certificate],
        }];
        zeroize::Zeroizing::new(
            write_pkcs12(&entries, store_password.expose()).map_err(crate::error::pki)?,
        )
    };
    output::write_new_file(&out, &bytes)?;
    term.println_at(
        Verbosity::Verbose,
        &format!("CA written to {}", out.display()),
    );
    Ok(())
}

fn generate(
    algorithm: ironstack_pki::KeyAlgorithm,
    subject: ironstack_pki::DistinguishedName,
    validity: ironstack_pki::Validity,
    key_usage: Vec<ironstack_pki::KeyUsage>,
) -> Result<CertificateAuthority, CliError> {
    let key = profile::generate_key(algorithm)?;
    let spec = profile::ca_spec(subject, validity, key_usage);
    CertificateAuthority::generate(&spec, key).map_err(crate::error::pki)
}

fn describe(term: &mut dyn Terminal, ca: &CertificateAuthority) {
    if term.verbosity() < Verbosity::Verbose {
        return;
    }
    let cert = &ca.certificate;
    term.println_at(Verbosity::Verbose, "Generated CA:");
    term.println_at(
        Verbosity::Verbose,
        &format!("\tSubject: {}", cert.subject().unwrap_or_default()),
    );
    term.println_at(
        Verbosity::Verbose,
        &format!("\tSerial: {}", cert.serial_hex().unwrap_or_default()),
    );
    if let Ok(not_after) = cert.not_after() {
        term.println_at(Verbosity::Verbose, &format!("\tExpiry: {not_after}"));
    }
}
