//! Turns an [`HttpPlan`] into `elasticsearch-ssl-http.zip`: generates the keys, the CA (if
//! new) and the certificates or CSRs, and fills in the README and sample configuration
//! templates. Entry order and names follow Elasticsearch's bundle exactly.

use ironstack_pki::{
    CertificateAuthority, Pkcs12Entry, PrivateKey, Validity, certificate_signing_request_pem,
    write_pkcs12,
};
use ironstack_terminal::{CliError, SecretInput, Terminal};
use zeroize::Zeroizing;

use super::wizard::{CaPlan, CertPlan, HttpPlan};
use crate::bundle::{Sensitivity, ZipBundle};
use crate::ca_source;
use crate::context::Context;
use crate::profile;

const ES_README_P12: &str = include_str!("../../templates/es-readme-p12.txt");
const ES_SAMPLE_P12: &str = include_str!("../../templates/es-sample-p12.yml");
const ES_README_CSR: &str = include_str!("../../templates/es-readme-csr.txt");
const ES_SAMPLE_CSR: &str = include_str!("../../templates/es-sample-csr.yml");
const CA_README_P12: &str = include_str!("../../templates/ca-readme-p12.txt");
const KIBANA_README: &str = include_str!("../../templates/kibana-readme.txt");
const KIBANA_SAMPLE: &str = include_str!("../../templates/kibana-sample.yml");

const SAMPLE_ES_YML: &str = "sample-elasticsearch.yml";
const KIBANA_CA_PEM: &str = "elasticsearch-ca.pem";

/// Fills a template: `${KEY}` is replaced by its value; a line `#if KEY` keeps the following
/// lines up to `#else`/`#endif` only when KEY has a non-empty value, `#else` flips that.
/// Blocks do not nest. Unknown `${...}` are left as they are.
pub(crate) fn render(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut skip = false;
    for line in template.lines() {
        let mut line = line.to_string();
        for (key, value) in vars {
            line = line.replace(&format!("${{{key}}}"), value);
        }
        if let Some(key) = line.strip_prefix("#if ") {
            let key = key.trim();
            skip = !vars.iter().any(|(k, v)| *k == key && !v.is_empty());
        } else if line == "#else" {
            skip = !skip;
        } else if line == "#endif" {
            skip = false;
        } else if !skip {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Variables every template gets.
fn common_vars(ctx: &Context, now: &jiff::ZonedDateTime) -> Vec<(&'static str, String)> {
    vec![
        ("DATE", now.strftime("%Y-%m-%d").to_string()),
        ("TIME", now.strftime("%H:%M:%S%:z").to_string()),
        ("VERSION", env!("CARGO_PKG_VERSION").to_string()),
        ("CONF_DIR", ctx.conf_dir.display().to_string()),
    ]
}

fn with(
    mut vars: Vec<(&'static str, String)>,
    more: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    vars.extend_from_slice(more);
    vars
}

fn flag(password: &SecretInput) -> String {
    if password.is_empty() {
        String::new()
    } else {
        "*".to_string()
    }
}

/// Builds the zip bytes for a plan.
pub(crate) fn build_zip(
    term: &mut dyn Terminal,
    ctx: &Context,
    plan: HttpPlan,
    now: &jiff::ZonedDateTime,
) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let common = common_vars(ctx, now);
    let (ca, new_ca_password) = match plan.ca {
        CaPlan::Csr => (None, None),
        CaPlan::Existing(ca) => (Some(ca), None),
        CaPlan::New(new) => {
            let key = profile::generate_key(new.key)?;
            let spec = profile::ca_spec(
                new.subject,
                Validity::period_from_now(new.validity).map_err(crate::error::pki)?,
                new.key_usage,
            );
            (
                Some(CertificateAuthority::generate(&spec, key).map_err(crate::error::pki)?),
                Some(new.password),
            )
        }
    };
    let validity = match plan.validity {
        Some(period) => Some(Validity::period_from_now(period).map_err(crate::error::pki)?),
        None => None,
    };

    let mut zip = ZipBundle::new(now);
    zip.add_directory("elasticsearch")?;
    let single = plan.certs.len() == 1;
    for cert in &plan.certs {
        let dir = if single {
            "elasticsearch".to_string()
        } else {
            let dir = format!("elasticsearch/{}", cert.identity.name);
            zip.add_directory(&dir)?;
            dir
        };
        let key = profile::generate_key(cert.key)?;
        match (&ca, validity) {
            (Some(ca), Some(validity)) => {
                let spec = http_spec(cert, validity);
                let leaf = ca_source::sign_verified(term, ca, &spec, &key, &cert.identity.name)?;
                let vars = with(
                    common.clone(),
                    &[
                        ("P12", "http.p12".to_string()),
                        ("YML", SAMPLE_ES_YML.to_string()),
                        ("PASSWORD", flag(&plan.password)),
                    ],
                );
                zip.add_file(
                    &format!("{dir}/README.txt"),
                    render(ES_README_P12, &vars).as_bytes(),
                    Sensitivity::Public,
                )?;
                let entries = [
                    Pkcs12Entry::PrivateKey {
                        alias: "http".to_string(),
                        key,
                        chain: vec![leaf],
                    },
                    Pkcs12Entry::TrustedCertificate {
                        alias: "ca".to_string(),
                        certificate: ca.certificate.clone(),
                    },
                ];
                let p12 = Zeroizing::new(
                    write_pkcs12(&entries, plan.password.expose()).map_err(crate::error::pki)?,
                );
                zip.add_file(&format!("{dir}/http.p12"), &p12, Sensitivity::Secret)?;
                zip.add_file(
                    &format!("{dir}/{SAMPLE_ES_YML}"),
                    render(ES_SAMPLE_P12, &vars).as_bytes(),
                    Sensitivity::Public,
                )?;
            }
            _ => {
                let spec = http_spec(cert, Validity::days_from_now(1));
                let csr =
                    certificate_signing_request_pem(&spec, &key).map_err(crate::error::pki)?;
                let csr_file = format!("http-{}.csr", cert.identity.name);
                let key_file = format!("http-{}.key", cert.identity.name);
                let vars = with(
                    common.clone(),
                    &[
                        ("CSR", csr_file.clone()),
                        ("KEY", key_file.clone()),
                        ("CERT", format!("http-{}.crt", cert.identity.name)),
                        ("YML", SAMPLE_ES_YML.to_string()),
                        ("PASSWORD", flag(&plan.password)),
                    ],
                );
                let password = (!plan.password.is_empty()).then(|| plan.password.expose());
                let key_pem = Zeroizing::new(key.to_pem(password).map_err(crate::error::pki)?);
                zip.add_file(
                    &format!("{dir}/README.txt"),
                    render(ES_README_CSR, &vars).as_bytes(),
                    Sensitivity::Public,
                )?;
                zip.add_file(
                    &format!("{dir}/{csr_file}"),
                    csr.as_bytes(),
                    Sensitivity::Public,
                )?;
                zip.add_file(
                    &format!("{dir}/{key_file}"),
                    key_pem.as_bytes(),
                    Sensitivity::Secret,
                )?;
                zip.add_file(
                    &format!("{dir}/{SAMPLE_ES_YML}"),
                    render(ES_SAMPLE_CSR, &vars).as_bytes(),
                    Sensitivity::Public,
                )?;
            }
        }
    }

    if let (Some(ca), Some(password)) = (&ca, &new_ca_password) {
        zip.add_directory("ca")?;
        let vars = with(
            common.clone(),
            &[
                ("P12", "ca.p12".to_string()),
                ("DN", ca.certificate.subject().unwrap_or_default()),
                ("PASSWORD", flag(password)),
            ],
        );
        zip.add_file(
            "ca/README.txt",
            render(CA_README_P12, &vars).as_bytes(),
            Sensitivity::Public,
        )?;
        let key = PrivateKey::from_pkcs8_der(ca.key.pkcs8_der()).map_err(crate::error::pki)?;
        let entries = [Pkcs12Entry::PrivateKey {
            alias: "ca".to_string(),
            key,
            chain: vec![ca.certificate.clone()],
        }];
        let p12 =
            Zeroizing::new(write_pkcs12(&entries, password.expose()).map_err(crate::error::pki)?);
        zip.add_file("ca/ca.p12", &p12, Sensitivity::Secret)?;
    }

    zip.add_directory("kibana")?;
    let kibana_vars = with(
        common,
        &[
            ("CA_CERT_NAME", KIBANA_CA_PEM.to_string()),
            (
                "CA_CERT",
                if ca.is_some() {
                    KIBANA_CA_PEM.to_string()
                } else {
                    String::new()
                },
            ),
            ("YML", "sample-kibana.yml".to_string()),
        ],
    );
    zip.add_file(
        "kibana/README.txt",
        render(KIBANA_README, &kibana_vars).as_bytes(),
        Sensitivity::Public,
    )?;
    if let Some(ca) = &ca {
        zip.add_file(
            &format!("kibana/{KIBANA_CA_PEM}"),
            ca.certificate.to_pem().as_bytes(),
            Sensitivity::Public,
        )?;
    }
    zip.add_file(
        "kibana/sample-kibana.yml",
        render(KIBANA_SAMPLE, &kibana_vars).as_bytes(),
        Sensitivity::Public,
    )?;
    Ok(zip.finish()?)
}

fn http_spec(cert: &CertPlan, validity: Validity) -> ironstack_pki::CertificateSpec {
    profile::http_spec(
        cert.identity.subject.clone(),
        cert.identity.dns.clone(),
        cert.identity.ips.clone(),
        cert.identity.cns.clone(),
        validity,
        cert.key_usage.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_substitutes_and_keeps_or_drops_blocks() {
        let template = "a ${X} b\n#if P\nwith ${X}\n#else\nwithout\n#endif\nend ${UNKNOWN}\n";
        let vars = vec![("X", "1".to_string()), ("P", "*".to_string())];
        assert_eq!(render(template, &vars), "a 1 b\nwith 1\nend ${UNKNOWN}\n");
        let vars = vec![("X", "1".to_string()), ("P", String::new())];
        assert_eq!(render(template, &vars), "a 1 b\nwithout\nend ${UNKNOWN}\n");
        let vars = vec![("X", "1".to_string())];
        assert_eq!(render(template, &vars), "a 1 b\nwithout\nend ${UNKNOWN}\n");
    }

    #[test]
    fn templates_name_ironstack_and_elasticsearch_commands() {
        let ctx = Context::new(std::path::PathBuf::from("/srv/stack"), None);
        let now = jiff::ZonedDateTime::now();
        let vars = with(
            common_vars(&ctx, &now),
            &[
                ("P12", "http.p12".to_string()),
                ("YML", SAMPLE_ES_YML.to_string()),
                ("PASSWORD", "*".to_string()),
            ],
        );
        let readme = render(ES_README_P12, &vars);
        assert!(
            readme.contains(
                "ironstack keystore add xpack.security.http.ssl.keystore.secure_password"
            )
        );
        assert!(readme.contains(
            "elasticsearch-keystore add \"xpack.security.http.ssl.keystore.secure_password\""
        ));
        assert!(readme.contains("ironstack.yml"));
        assert!(readme.contains("/srv/stack/config"));
        assert!(!readme.contains("${"));
        let sample = render(ES_SAMPLE_P12, &vars);
        assert!(sample.contains("xpack.security.http.ssl.enabled: true\n"));
        assert!(sample.contains("xpack.security.http.ssl.keystore.path: \"http.p12\"\n"));
        assert!(sample.contains("/srv/stack/config/ironstack.yml"));

        let blank = with(
            common_vars(&ctx, &now),
            &[
                ("P12", "http.p12".to_string()),
                ("YML", "y".to_string()),
                ("PASSWORD", String::new()),
            ],
        );
        assert!(render(ES_README_P12, &blank).contains("BLANK password"));
        assert!(!render(ES_SAMPLE_P12, &blank).contains("keystore add"));

        let kibana = with(
            common_vars(&ctx, &now),
            &[
                ("CA_CERT_NAME", KIBANA_CA_PEM.to_string()),
                ("CA_CERT", String::new()),
                ("YML", "sample-kibana.yml".to_string()),
            ],
        );
        let readme = render(KIBANA_README, &kibana);
        assert!(readme.contains("console.yml") && readme.contains("kibana.yml"));
        assert!(readme.contains("no CA certificate"));
        let sample = render(KIBANA_SAMPLE, &kibana);
        assert!(
            sample
                .contains("elasticsearch.ssl.certificateAuthorities: [ \"elasticsearch-ca.pem\" ]")
        );
    }
}
