//! `certutil cert`: certificates and keys for instances, signed by an existing CA (PKCS#12
//! via `--ca`, or PEM via `--ca-cert`/`--ca-key`) or self-signed; one PKCS#12 file, or a zip
//! with one directory per instance (`.p12`, or `.crt` + `.key` with `--pem`).

use ironstack_pki::{CertificateAuthority, KeyAlgorithm, Pkcs12Entry, Validity, write_pkcs12};
use ironstack_terminal::{CliError, SecretInput, Terminal, Verbosity};
use zeroize::Zeroizing;

use crate::bundle::{Sensitivity, ZipBundle};
use crate::ca_source;
use crate::cli::CertArgs;
use crate::context::Context;
use crate::instances::{self, Instance};
use crate::keys;
use crate::output;
use crate::password::{self, PassOption};
use crate::profile;

const INTRO: &str = "\
This tool helps you create the X.509 certificates that secure TLS in an
ironstack (or Elastic Stack) cluster.

The 'cert' mode creates certificates and private keys for one or more
instances (nodes). They are signed by the CA you pass with --ca (a PKCS#12
file such as elastic-stack-ca.p12) or with --ca-cert and --ca-key (PEM files),
or are self-signed with --self-signed.

Name one instance with --name, --dns and --ip; several with --in <file>
(YAML) or interactively with --multiple. By default a single instance gets one
PKCS#12 file; several instances, or --pem, give a zip with one directory per
instance.
";

const DONE: &str = "\
Each file holds a private key: keep it secret, and copy to each node only its
own certificate and key (for example into ironstack's config directory, or
Elasticsearch's). A PKCS#12 file also holds the CA certificate, so it can serve
as the truststore too. Clients only need the CA certificate, never these files.";

/// Runs `certutil cert`.
pub(crate) fn run(term: &mut dyn Terminal, ctx: &Context, args: CertArgs) -> Result<(), CliError> {
    if args.keep_ca_key {
        return Err(CliError::usage(
            "--keep-ca-key is no longer supported: create a CA with `ironstack certutil ca`, then pass it with --ca",
        ));
    }
    if args.ca_dn.is_some() && (args.ca.is_some() || args.ca_cert.is_some()) {
        return Err(CliError::usage(
            "--ca-dn cannot be used together with --ca or --ca-cert",
        ));
    }
    if args.ca.is_none() && args.ca_cert.is_none() && !args.self_signed {
        return Err(CliError::usage(
            "Must specify either --ca or --ca-cert/--ca-key or --self-signed",
        ));
    }
    output::refuse_existing_option(ctx, args.output.out.as_deref())?;
    term.println(INTRO);
    let validity = profile::validity_days(args.file.days)?;
    let algorithm =
        keys::key_algorithm(args.output.keytype, args.output.keysize, "--keysize", false)?;
    let ca_pass = PassOption::from_arg(args.ca_pass.clone());

    let ca = match (&args.ca, &args.ca_cert, &args.ca_key) {
        (Some(p12), _, _) => Some(ca_source::load_ca_pkcs12_option(
            term,
            &ctx.resolve(p12),
            &ca_pass,
        )?),
        (None, Some(cert), Some(key)) => Some(ca_source::load_ca_pem_options(
            term,
            &ctx.resolve(cert),
            &ctx.resolve(key),
            &ca_pass,
        )?),
        _ => None,
    };

    let instances = instances::from_options(term, ctx, &args.instances)?;

    let as_zip = args.file.pem || args.instances.multiple || args.instances.in_file.is_some();
    let default_name = if as_zip {
        "certificate-bundle.zip".to_string()
    } else if args.instances.name.is_some() {
        format!("{}.p12", instances[0].filename)
    } else {
        "elastic-certificates.p12".to_string()
    };
    let out = output::choose_output_path(term, ctx, args.output.out.as_deref(), &default_name)?;
    output::refuse_existing(&out)?;
    output::ensure_parent_dir(term, &out, true)?;

    let pass = PassOption::from_arg(args.output.pass);
    let signer = Signer {
        ca: ca.as_ref(),
        algorithm,
        validity,
    };
    let bytes = if as_zip {
        let mut zip = ZipBundle::new(&jiff::ZonedDateTime::now());
        // Every password is settled before any key is generated.
        let mut passwords = Vec::with_capacity(instances.len());
        for instance in &instances {
            let base = format!("{0}/{0}", instance.filename);
            passwords.push(if args.file.pem {
                password::pem_password(term, &pass, &format!("{base}.key"))?
            } else {
                Some(password::p12_password(term, &pass, &format!("{base}.p12"))?)
            });
        }
        for (instance, password) in instances.iter().zip(passwords) {
            let dir = &instance.filename;
            zip.add_directory(dir)?;
            let (key, certificate) = signer.issue(term, instance)?;
            if args.file.pem {
                let cert_name = format!("{dir}/{dir}.crt");
                zip.add_file(
                    &cert_name,
                    certificate.to_pem().as_bytes(),
                    Sensitivity::Public,
                )?;
                let key_pem = Zeroizing::new(
                    key.to_pem(password.as_ref().map(SecretInput::expose))
                        .map_err(crate::error::pki)?,
                );
                zip.add_file(
                    &format!("{dir}/{dir}.key"),
                    key_pem.as_bytes(),
                    Sensitivity::Secret,
                )?;
            } else {
                let password = password.unwrap_or_default();
                let p12 = signer.pkcs12(instance, key, certificate, &password)?;
                zip.add_file(&format!("{dir}/{dir}.p12"), &p12, Sensitivity::Secret)?;
            }
        }
        zip.finish()?
    } else {
        let file_name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let password = password::p12_password(term, &pass, &file_name)?;
        let (key, certificate) = signer.issue(term, &instances[0])?;
        signer.pkcs12(&instances[0], key, certificate, &password)?
    };
    output::write_new_file(&out, &bytes)?;

    term.println_at(Verbosity::Silent, "");
    term.println_at(
        Verbosity::Silent,
        &format!("Certificates written to {}", out.display()),
    );
    term.println("");
    term.println(DONE);
    Ok(())
}

/// Issues certificates for instances with one CA (or self-signed).
struct Signer<'a> {
    ca: Option<&'a CertificateAuthority>,
    algorithm: KeyAlgorithm,
    validity: Validity,
}

impl Signer<'_> {
    /// A new key and its certificate, verified against the CA before it is used.
    fn issue(
        &self,
        term: &mut dyn Terminal,
        instance: &Instance,
    ) -> Result<(ironstack_pki::PrivateKey, ironstack_pki::Certificate), CliError> {
        let key = profile::generate_key(self.algorithm)?;
        let spec = profile::instance_spec(instance, self.validity);
        let certificate = match self.ca {
            Some(ca) => ca_source::sign_verified(term, ca, &spec, &key, &instance.name)?,
            None => ironstack_pki::self_signed(&spec, &key).map_err(crate::error::pki)?,
        };
        term.println_at(
            Verbosity::Verbose,
            &format!(
                "Generated certificate for [{}]: subject [{}], DNS {:?}, IP {:?}",
                instance.name,
                certificate.subject().unwrap_or_default(),
                instance.dns,
                instance.ips
            ),
        );
        Ok((key, certificate))
    }

    /// A PKCS#12 store: key entry aliased with the instance name (chain = leaf), and the CA
    /// as trusted entry `ca` unless self-signed.
    fn pkcs12(
        &self,
        instance: &Instance,
        key: ironstack_pki::PrivateKey,
        certificate: ironstack_pki::Certificate,
        password: &SecretInput,
    ) -> Result<Zeroizing<Vec<u8>>, CliError> {
        password::require_ascii(password)?;
        let mut entries = vec![Pkcs12Entry::PrivateKey {
            alias: instance.name.clone(),
            key,
            chain: vec![certificate],
        }];
        if let Some(ca) = self.ca {
            entries.push(Pkcs12Entry::TrustedCertificate {
                alias: "ca".to_string(),
                certificate: ca.certificate.clone(),
            });
        }
        Ok(Zeroizing::new(
            write_pkcs12(&entries, password.expose()).map_err(crate::error::pki)?,
        ))
    }
}
