//! Recognising and splitting PEM files: what a user hands to certutil as a CA can be a
//! certificate, a key, a chain, or something else. Also the PEM encoder every writer here
//! uses (64-character base64 lines, `\n` line ends, as OpenSSL and the JDK write them).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::{Certificate, Error, Result};

/// What a PEM file holds, as certutil's `http` wizard classifies a "CA Path".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemKind {
    /// Exactly one `CERTIFICATE`.
    Certificate,
    /// More than one `CERTIFICATE` (certutil: `Unsupported file type (certificate chain)`).
    CertificateChain,
    /// A private key (any of the forms [`crate::PrivateKey::from_pem`] reads).
    PrivateKey,
    /// Anything else.
    Unrecognized,
}

/// Labels [`crate::PrivateKey::from_pem`] understands.
pub(crate) const KEY_LABELS: [&str; 4] = [
    "PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
];

/// Classifies PEM text.
pub fn classify_pem(text: &str) -> PemKind {
    let blocks = parse_blocks(text);
    let certificates = blocks.iter().filter(|b| b.label == "CERTIFICATE").count();
    match certificates {
        1 => PemKind::Certificate,
        0 if blocks
            .iter()
            .any(|b| KEY_LABELS.contains(&b.label.as_str())) =>
        {
            PemKind::PrivateKey
        }
        0 => PemKind::Unrecognized,
        _ => PemKind::CertificateChain,
    }
}

/// Every `CERTIFICATE` block in a PEM text, in order. No blocks is an error.
pub fn certificates_from_pem(text: &str) -> Result<Vec<Certificate>> {
    let certificates = parse_blocks(text)
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| {
            let der = b.decode("certificate")?;
            Certificate::from_der(der)
        })
        .collect::<Result<Vec<_>>>()?;
    if certificates.is_empty() {
        return Err(Error::Decode {
            what: "certificate",
            reason: "no PEM CERTIFICATE block found".to_string(),
        });
    }
    Ok(certificates)
}

/// One `-----BEGIN <label>-----` … `-----END <label>-----` block.
#[derive(Debug, Clone)]
pub(crate) struct PemBlock {
    /// The label, e.g. `CERTIFICATE`.
    pub(crate) label: String,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`) in order.
    pub(crate) headers: Vec<(String, String)>,
    /// The base64 body with white space removed (decoded on demand so a bad block does not
    /// hide the good ones).
    body: String,
}

impl PemBlock {
    /// The decoded body.
    pub(crate) fn decode(&self, what: &'static str) -> Result<Vec<u8>> {
        STANDARD
            .decode(self.body.as_bytes())
            .map_err(|e| Error::Decode {
                what,
                reason: format!("invalid base64 in PEM {}: {e}", self.label),
            })
    }

    /// A header's value, matched case-insensitively.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Every complete PEM block in `text`, in order. Text between blocks is ignored (OpenSSL
/// writes "Bag Attributes" and similar there); an unterminated block is dropped.
pub(crate) fn parse_blocks(text: &str) -> Vec<PemBlock> {
    let mut blocks = Vec::new();
    // (label, headers, body) of the block being read.
    type Open = (String, Vec<(String, String)>, String);
    let mut current: Option<Open> = None;
    for raw_line in text.lines() {
        let line = raw_line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            current = Some((label.to_string(), Vec::new(), String::new()));
            continue;
        }
        if let Some(label) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            if let Some((begin_label, headers, body)) = current.take()
                && begin_label == label
            {
                blocks.push(PemBlock {
                    label: begin_label,
                    headers,
                    body,
                });
            }
            continue;
        }
        if let Some((_, headers, body)) = current.as_mut() {
            match line.split_once(':') {
                Some((name, value)) if body.is_empty() => {
                    headers.push((name.trim().to_string(), value.trim().to_string()));
                }
                _ => body.extend(line.chars().filter(|c| !c.is_whitespace())),
            }
        }
    }
    blocks
}

/// PEM text for `der` with 64-character base64 lines.
pub(crate) fn encode(label: &str, headers: &[(&str, &str)], der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for (name, value) in headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push('\n');
    }
    if !headers.is_empty() {
        out.push('\n');
    }
    // base64 output is ASCII, so splitting on byte offsets cannot cut a character.
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_wraps_at_64_and_round_trips() {
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = encode("TEST", &[], &der);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN TEST-----");
        assert!(lines[1..lines.len() - 2].iter().all(|l| l.len() == 64));
        assert!(lines[lines.len() - 2].len() <= 64);
        assert!(!pem.contains('\r'));
        let blocks = parse_blocks(&pem);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].decode("test").unwrap(), der);
    }

    #[test]
    fn headers_are_separated_from_the_body() {
        let pem = encode(
            "RSA PRIVATE KEY",
            &[("Proc-Type", "4,ENCRYPTED"), ("DEK-Info", "AES-128-CBC,00")],
            b"abc",
        );
        let block = &parse_blocks(&pem)[0];
        assert_eq!(block.header("proc-type"), Some("4,ENCRYPTED"));
        assert_eq!(block.header("DEK-Info"), Some("AES-128-CBC,00"));
        assert_eq!(block.decode("key").unwrap(), b"abc");
    }

    #[test]
    fn classify_counts_certificates_and_keys() {
        let cert = encode("CERTIFICATE", &[], b"x");
        let key = encode("EC PRIVATE KEY", &[], b"x");
        assert_eq!(classify_pem(&cert), PemKind::Certificate);
        assert_eq!(
            classify_pem(&format!("junk\n{cert}{cert}")),
            PemKind::CertificateChain
        );
        assert_eq!(classify_pem(&key), PemKind::PrivateKey);
        assert_eq!(classify_pem("hello"), PemKind::Unrecognized);
        assert_eq!(
            classify_pem(&encode("CERTIFICATE REQUEST", &[], b"x")),
            PemKind::Unrecognized
        );
        // A block without its END line is not a block.
        assert_eq!(
            classify_pem("-----BEGIN CERTIFICATE-----\nAAAA\n"),
            PemKind::Unrecognized
        );
    }

    #[test]
    fn certificates_from_pem_requires_a_block() {
        assert!(matches!(
            certificates_from_pem("nothing here"),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            certificates_from_pem(&encode("CERTIFICATE", &[], b"not der")),
            Err(Error::Decode { .. })
        ));
    }
}
