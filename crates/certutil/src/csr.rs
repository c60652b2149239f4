//! `certutil csr`: certificate signing requests and their private keys, for a CA you do not
//! control, in `csr-bundle.zip` (`<name>/<name>.csr` + `<name>/<name>.key` per instance).

use ironstack_pki::certificate_signing_request_pem;
use ironstack_terminal::{CliError, SecretInput, Terminal, Verbosity};
use zeroize::Zeroizing;

use crate::bundle::{Sensitivity, ZipBundle};
use crate::cli::CsrArgs;
use crate::context::Context;
use crate::instances;
use crate::keys;
use crate::output;
use crate::password::{self, PassOption};
use crate::profile;

const INTRO: &str = "\
This tool helps you create the X.509 certificates that secure TLS in an
ironstack (or Elastic Stack) cluster.

The 'csr' mode creates certificate signing requests (CSRs) and their private
keys, for a certificate authority that you do not control (for example your
organisation's CA). Send the CSRs to that CA; keep the keys.

Name one instance with --name, --dns and --ip; several with --in <file>
(YAML) or interactively with --multiple.
";

const DONE: &str = "\
The zip holds one directory per instance with a .csr and a .key file.

* Keep the .key files secret: they are the private keys of your future
  certificates (encrypted only if you used --pass).
* Send each .csr file to your certificate authority, which returns a signed
  certificate.
* Copy each node's signed certificate, its .key file and the CA certificate
  into that node's config directory, and point the ssl settings of
  ironstack.yml (or elasticsearch.yml) at them.";

/// Runs `certutil csr`.
pub(crate) fn run(term: &mut dyn Terminal, ctx: &Context, args: CsrArgs) -> Result<(), CliError> {
    output::refuse_existing_option(ctx, args.output.out.as_deref())?;
    term.println(INTRO);
    let algorithm =
        keys::key_algorithm(args.output.keytype, args.output.keysize, "--keysize", false)?;
    let instances = instances::from_options(term, ctx, &args.instances)?;
    let out = output::choose_output_path(term, ctx, args.output.out.as_deref(), "csr-bundle.zip")?;
    output::refuse_existing(&out)?;
    output::ensure_parent_dir(term, &out, true)?;

    let pass = PassOption::from_arg(args.output.pass);
    let mut passwords = Vec::with_capacity(instances.len());
    for instance in &instances {
        let description = format!("{0}/{0}.key", instance.filename);
        passwords.push(password::pem_password(term, &pass, &description)?);
    }

    let mut zip = ZipBundle::new(&jiff::ZonedDateTime::now());
    // Validity is meaningless in a CSR; the CA decides it.
    let validity = ironstack_pki::Validity::days_from_now(1);
    for (instance, key_password) in instances.iter().zip(passwords) {
        let dir = &instance.filename;
        let key = profile::generate_key(algorithm)?;
        let spec = profile::instance_spec(instance, validity);
        let csr = certificate_signing_request_pem(&spec, &key).map_err(crate::error::pki)?;
        let key_pem = Zeroizing::new(
            key.to_pem(key_password.as_ref().map(SecretInput::expose))
                .map_err(crate::error::pki)?,
        );
        zip.add_directory(dir)?;
        zip.add_file(
            &format!("{dir}/{dir}.csr"),
            csr.as_bytes(),
            Sensitivity::Public,
        )?;
        zip.add_file(
            &format!("{dir}/{dir}.key"),
            key_pem.as_bytes(),
            Sensitivity::Secret,
        )?;
    }
    let bytes = zip.finish()?;
    output::write_new_file(&out, &bytes)?;

    term.println_at(Verbosity::Silent, "");
    term.println_at(
        Verbosity::Silent,
        &format!(
            "Certificate signing requests have been written to {}",
            out.display()
        ),
    );
    term.println("");
    term.println(DONE);
    Ok(())
}
