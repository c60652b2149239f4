//! Key algorithm and key-usage choices from the command line and the wizard, with the
//! messages Elasticsearch prints for out-of-range sizes and unknown usage names.

use ironstack_pki::{KeyAlgorithm, KeyUsage};
use ironstack_terminal::CliError;

use crate::cli::KeyType;

/// RSA key size when none is given.
pub(crate) const DEFAULT_KEY_SIZE: u32 = 2048;

/// Key usage of a generated CA.
pub(crate) const CA_KEY_USAGE: [KeyUsage; 2] = [KeyUsage::KeyCertSign, KeyUsage::CrlSign];

/// Key usage of an HTTP server certificate. RSA key exchange needs keyEncipherment; an
/// ECDSA key can only sign, so EC certificates get digitalSignature alone.
pub(crate) fn http_key_usage(algorithm: KeyAlgorithm) -> Vec<KeyUsage> {
    match algorithm {
        KeyAlgorithm::Rsa { .. } => vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment],
        _ => vec![KeyUsage::DigitalSignature],
    }
}

/// Why an RSA key size is refused (the wizard's wording), or `None` when it is fine.
/// `strict` adds the wizard's multiple-of-1024 rule.
pub(crate) fn key_size_problem(bits: i64, strict: bool) -> Option<&'static str> {
    if bits < 1 {
        Some("The key size must be a positive integer")
    } else if bits < 1024 {
        Some("Keys must be at least 1024 bits")
    } else if bits > 8192 {
        Some("Keys cannot be larger than 8192 bits")
    } else if strict && bits % 1024 != 0 {
        Some("The key size should be a multiple of 1024 bits")
    } else {
        None
    }
}

/// The key algorithm from `--keytype` and `--keysize`.
pub(crate) fn key_algorithm(
    key_type: Option<KeyType>,
    key_size: Option<i64>,
    size_option: &str,
    strict: bool,
) -> Result<KeyAlgorithm, CliError> {
    match (key_type.unwrap_or_default(), key_size) {
        (KeyType::Rsa, size) => {
            let bits = size.unwrap_or(i64::from(DEFAULT_KEY_SIZE));
            if let Some(problem) = key_size_problem(bits, strict) {
                return Err(CliError::usage(format!("{size_option} {bits}: {problem}")));
            }
            let bits = u32::try_from(bits).map_err(|_| CliError::usage("key size out of range"))?;
            Ok(KeyAlgorithm::Rsa { bits })
        }
        (_, Some(_)) => Err(CliError::usage(format!(
            "{size_option} applies to RSA keys only (EC key sizes follow the curve)"
        ))),
        (KeyType::Ec, None) => Ok(KeyAlgorithm::EcP256),
        (KeyType::Ec384, None) => Ok(KeyAlgorithm::EcP384),
    }
}

/// How the wizard shows a key: `Key Size: 2048` for RSA, `Key Type: EC P-256` for EC.
pub(crate) fn describe_key(algorithm: KeyAlgorithm) -> String {
    match algorithm {
        KeyAlgorithm::Rsa { bits } => format!("Key Size: {bits}"),
        KeyAlgorithm::EcP256 => "Key Type: EC P-256".to_string(),
        KeyAlgorithm::EcP384 => "Key Type: EC P-384".to_string(),
    }
}

/// Comma-separated RFC 5280 names, as the wizard displays a list (`keyCertSign,cRLSign`).
pub(crate) fn key_usage_names(usages: &[KeyUsage]) -> String {
    usages
        .iter()
        .map(|u| u.rfc_name())
        .collect::<Vec<_>>()
        .join(",")
}

/// `--keyusage` as the `ca` mode reads it: blank entries are skipped, an empty list means
/// the default, an unknown name is `Unknown keyUsage: <x>`.
pub(crate) fn parse_key_usage_option(
    list: &str,
    default: &[KeyUsage],
) -> Result<Vec<KeyUsage>, CliError> {
    let mut usages = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let usage = KeyUsage::from_rfc_name(name)
            .ok_or_else(|| CliError::usage(format!("Unknown keyUsage: {name}")))?;
        if !usages.contains(&usage) {
            usages.push(usage);
        }
    }
    if usages.is_empty() {
        usages = default.to_vec();
    }
    Ok(usages)
}

/// The wizard's key-usage answer: blank entries and unknown names are refused with the
/// wizard's messages (returned as lines to print).
pub(crate) fn parse_key_usage_answer(answer: &str) -> Result<Vec<KeyUsage>, Vec<String>> {
    let mut usages = Vec::new();
    for name in answer.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(vec!["Key usage cannot be blank or empty".to_string()]);
        }
        let Some(usage) = KeyUsage::from_rfc_name(name) else {
            let mut lines = vec![
                format!("Invalid key usage: {name}"),
                "The key usage should be one of the following values: ".to_string(),
            ];
            lines.extend(KeyUsage::ALL.iter().map(|u| format!(" - {}", u.rfc_name())));
            lines.push(String::new());
            return Err(lines);
        };
        if !usages.contains(&usage) {
            usages.push(usage);
        }
    }
    Ok(usages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_size_limits_use_the_wizard_messages() {
        assert_eq!(
            key_size_problem(512, false),
            Some("Keys must be at least 1024 bits")
        );
        assert_eq!(
            key_size_problem(9000, false),
            Some("Keys cannot be larger than 8192 bits")
        );
        assert_eq!(
            key_size_problem(1536, true),
            Some("The key size should be a multiple of 1024 bits")
        );
        assert_eq!(key_size_problem(1536, false), None);
        assert_eq!(
            key_size_problem(0, false),
            Some("The key size must be a positive integer")
        );
        assert_eq!(key_size_problem(4096, true), None);
    }

    #[test]
    fn key_algorithm_from_options() {
        assert_eq!(
            key_algorithm(None, None, "--keysize", false).unwrap(),
            KeyAlgorithm::Rsa { bits: 2048 }
        );
        assert_eq!(
            key_algorithm(Some(KeyType::Ec), None, "--keysize", false).unwrap(),
            KeyAlgorithm::EcP256
        );
        assert_eq!(
            key_algorithm(Some(KeyType::Ec384), None, "--keysize", false).unwrap(),
            KeyAlgorithm::EcP384
        );
        let e = key_algorithm(Some(KeyType::Ec), Some(2048), "--keysize", false).unwrap_err();
        assert_eq!(e.code, 64);
        let e = key_algorithm(None, Some(100), "--keysize", false).unwrap_err();
        assert!(e.message.contains("at least 1024"), "{}", e.message);
    }

    #[test]
    fn key_usage_option_and_answer() {
        assert_eq!(
            parse_key_usage_option("digitalSignature, keyCertSign", &CA_KEY_USAGE).unwrap(),
            vec![KeyUsage::DigitalSignature, KeyUsage::KeyCertSign]
        );
        assert_eq!(
            parse_key_usage_option(" , ", &CA_KEY_USAGE).unwrap(),
            CA_KEY_USAGE.to_vec()
        );
        assert_eq!(
            parse_key_usage_option("signing", &CA_KEY_USAGE)
                .unwrap_err()
                .message,
            "Unknown keyUsage: signing"
        );
        assert_eq!(
            parse_key_usage_answer("keyCertSign,,cRLSign").unwrap_err(),
            vec!["Key usage cannot be blank or empty"]
        );
        let lines = parse_key_usage_answer("bogus").unwrap_err();
        assert_eq!(lines[0], "Invalid key usage: bogus");
        assert!(lines.contains(&" - cRLSign".to_string()));
        assert_eq!(key_usage_names(&CA_KEY_USAGE), "keyCertSign,cRLSign");
    }

    #[test]
    fn ec_http_certificates_do_not_claim_key_encipherment() {
        assert_eq!(
            http_key_usage(KeyAlgorithm::EcP256),
            vec![KeyUsage::DigitalSignature]
        );
        assert_eq!(
            http_key_usage(KeyAlgorithm::Rsa { bits: 2048 }),
            vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
        );
    }
}
