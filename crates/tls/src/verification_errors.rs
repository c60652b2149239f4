//! Client-side checks in Beats' terms: the setting combinations Beats' `ssl.*` validation
//! refuses at load, and handshake failures worded with the cause a user can act on (the
//! wording of Go's x509 errors, which users search for).

use rustls::{AlertDescription, CertificateError};

use crate::{ClientTlsSettings, Error, Result, ServerVerification};

impl ClientTlsSettings {
    /// Refuses combinations that cannot mean what they say: `verification_mode: none` with a
    /// `ca_sha256` pin or a `ca_trusted_fingerprint` (Beats' code skips both under `none`,
    /// so a pin there would silently protect nothing).
    pub fn check_combinations(&self) -> Result<()> {
        if self.verification == ServerVerification::DangerousNone {
            let mut offending = Vec::new();
            if !self.ca_sha256.is_empty() {
                offending.push("ssl.ca_sha256");
            }
            if self.ca_trusted_fingerprint.is_some() {
                offending.push("ssl.ca_trusted_fingerprint");
            }
            if !offending.is_empty() {
                return Err(Error::InvalidSettings(format!(
                    "[{}] cannot be used with [ssl.verification_mode: none], which checks no certificate; use [full] or [certificate]",
                    offending.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// A handshake failure as one line naming the cause (unknown authority, name mismatch with
/// the names the certificate is valid for, expiry, pin mismatch, ...).
pub fn describe_handshake_error(error: &rustls::Error) -> String {
    match error {
        rustls::Error::InvalidCertificate(cause) => match cause {
            CertificateError::UnknownIssuer => "x509: certificate signed by unknown authority (the server's chain does not lead to a trusted certificate authority; check ssl.certificate_authorities or ssl.ca_trusted_fingerprint)".to_string(),
            CertificateError::NotValidForNameContext { expected, presented } => format!(
                "x509: certificate is valid for {}, not {}",
                if presented.is_empty() {
                    "no names".to_string()
                } else {
                    presented.iter().map(|p| bare_name(p)).collect::<Vec<_>>().join(", ")
                },
                expected.to_str()
            ),
            CertificateError::NotValidForName => {
                "x509: certificate is not valid for the host name that was dialed".to_string()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "x509: certificate has expired or is not yet valid".to_string()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "x509: certificate is not valid yet".to_string()
            }
            CertificateError::Other(other) => format!("x509: {other}"),
            other => format!("x509: invalid server certificate: {other:?}"),
        },
        rustls::Error::AlertReceived(AlertDescription::ProtocolVersion) => {
            "the server refused the TLS version (supported_protocols)".to_string()
        }
        rustls::Error::AlertReceived(alert) => {
            format!("the server refused the handshake: {alert:?}")
        }
        other => other.to_string(),
    }
}

/// webpki describes presented names as `DnsName("a.example")` or `IpAddress(10.0.0.1)`:
/// users need the name alone.
fn bare_name(presented: &str) -> &str {
    match presented.split_once('(') {
        Some((kind, rest)) if kind.chars().all(|c| c.is_ascii_alphabetic()) => {
            rest.strip_suffix(')').unwrap_or(rest).trim_matches('"')
        }
        _ => presented,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::ServerName;

    #[test]
    fn none_with_a_pin_or_fingerprint_is_refused() {
        let mut s = ClientTlsSettings {
            verification: ServerVerification::DangerousNone,
            ..Default::default()
        };
        assert!(s.check_combinations().is_ok());
        s.ca_sha256 = vec!["ab".repeat(32)];
        let e = s.check_combinations().unwrap_err().to_string();
        assert!(e.contains("[ssl.ca_sha256]") && e.contains("none"), "{e}");
        s.ca_sha256.clear();
        s.ca_trusted_fingerprint = Some("ab".repeat(32));
        let e = s.check_combinations().unwrap_err().to_string();
        assert!(e.contains("ssl.ca_trusted_fingerprint"), "{e}");
        s.verification = ServerVerification::Certificate;
        assert!(s.check_combinations().is_ok());
    }

    #[test]
    fn causes_are_named() {
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert!(describe_handshake_error(&unknown).contains("unknown authority"));
        let name = rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("wrong.example.com").unwrap(),
            presented: vec![
                "localhost".to_string(),
                "DnsName(\"node1.example\")".to_string(),
                "IpAddress(10.0.0.1)".to_string(),
            ],
        });
        assert_eq!(
            describe_handshake_error(&name),
            "x509: certificate is valid for localhost, node1.example, 10.0.0.1, not wrong.example.com"
        );
        let alert = rustls::Error::AlertReceived(AlertDescription::ProtocolVersion);
        assert!(describe_handshake_error(&alert).contains("TLS version"));
    }
}
