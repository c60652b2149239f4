//! Stack Management → Certificates (beyond Kibana): every certificate the node's HTTP layer
//! serves or trusts (the node's `GET /_ssl/certificates`, asked as the user, so the node
//! decides who may see them) and every one the console serves or trusts towards the node (read
//! from its own files), with the days left, warned about 30 days ahead; and the same warning
//! in the console's log at start.

use std::path::Path;

use ironstack_pki::Certificate;
use ironstack_tls::Identity;
use serde_json::Value;

use crate::config::ConsoleConfig;
use crate::html::Html;
use crate::pages::{Frame, layout};

/// Certificates expiring within this many days are warned about.
pub(crate) const WARN_DAYS: i64 = 30;

/// One certificate, wherever it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertificateRow {
    /// Who uses it: "Node HTTPS", "Console HTTPS", "Console → node trust".
    pub(crate) used_by: String,
    pub(crate) path: String,
    pub(crate) format: String,
    pub(crate) alias: Option<String>,
    pub(crate) subject: String,
    pub(crate) issuer: String,
    pub(crate) serial: String,
    pub(crate) has_private_key: bool,
    /// Expiry as RFC 3339 and as seconds since the epoch.
    pub(crate) expiry: String,
    pub(crate) expiry_secs: i64,
}

impl CertificateRow {
    /// Whole days left at `now_secs` (negative once expired).
    pub(crate) fn days_left(&self, now_secs: i64) -> i64 {
        (self.expiry_secs - now_secs).div_euclid(86_400)
    }
}

/// The rows of the node's `_ssl/certificates` answer.
pub(crate) fn node_rows(answer: &Value) -> Vec<CertificateRow> {
    let Some(list) = answer.as_array() else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|c| {
            let expiry = c["expiry"].as_str()?.to_string();
            let expiry_secs = expiry
                .parse::<jiff::Timestamp>()
                .ok()
                .map(|t| t.as_second())?;
            Some(CertificateRow {
                used_by: "Node HTTPS".into(),
                path: c["path"].as_str().unwrap_or_default().into(),
                format: c["format"].as_str().unwrap_or_default().into(),
                alias: c["alias"].as_str().map(str::to_string),
                subject: c["subject_dn"].as_str().unwrap_or_default().into(),
                issuer: c["issuer"].as_str().unwrap_or_default().into(),
                serial: c["serial_number"].as_str().unwrap_or_default().into(),
                has_private_key: c["has_private_key"].as_bool().unwrap_or(false),
                expiry,
                expiry_secs,
            })
        })
        .collect()
}

fn row(
    used_by: &str,
    path: &Path,
    format: &str,
    alias: Option<&str>,
    cert: &Certificate,
    has_private_key: bool,
) -> Result<CertificateRow, String> {
    let expiry = cert.not_after().map_err(|e| e.to_string())?;
    Ok(CertificateRow {
        used_by: used_by.into(),
        path: path.display().to_string(),
        format: format.into(),
        alias: alias.map(str::to_string),
        subject: cert.subject().map_err(|e| e.to_string())?,
        issuer: cert.issuer().map_err(|e| e.to_string())?,
        serial: cert.serial_hex().map_err(|e| e.to_string())?,
        has_private_key,
        expiry: expiry.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        expiry_secs: expiry.as_second(),
    })
}

fn pem_rows(used_by: &str, path: &Path, key: bool) -> Result<Vec<CertificateRow>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read [{}]: {e}", path.display()))?;
    let certs = ironstack_pki::certificates_from_pem(&text)
        .map_err(|e| format!("cannot load [{}]: {e}", path.display()))?;
    certs
        .iter()
        .enumerate()
        .map(|(i, c)| row(used_by, path, "PEM", None, c, key && i == 0))
        .collect()
}

/// The certificates the console itself serves and trusts, from its configuration's files.
pub(crate) fn console_rows(config: &ConsoleConfig) -> Result<Vec<CertificateRow>, String> {
    let mut out = Vec::new();
    if let Some(tls) = &config.server_tls {
        match &tls.identity {
            Identity::Pem { certificate, .. } => {
                out.extend(pem_rows("Console HTTPS", certificate, true)?);
            }
            Identity::Pkcs12 { path, password, .. } => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("cannot read [{}]: {e}", path.display()))?;
                let store = ironstack_pki::read_pkcs12(&bytes, password.expose())
                    .map_err(|e| format!("cannot load [{}]: {e}", path.display()))?;
                for (alias, _, chain) in store.private_keys() {
                    for (i, c) in chain.iter().enumerate() {
                        out.push(row(
                            "Console HTTPS",
                            path,
                            "PKCS12",
                            Some(alias),
                            c,
                            i == 0,
                        )?);
                    }
                }
                for (alias, c) in store.trusted_certificates() {
                    out.push(row("Console HTTPS", path, "PKCS12", Some(alias), c, false)?);
                }
            }
        }
    }
    for ca in &config.node_certificate_authorities {
        out.extend(pem_rows("Console → node trust", ca, false)?);
    }
    Ok(out)
}

/// Logs a warning for each of the console's certificates that expires within 30 days.
pub(crate) fn warn_about_expiry(config: &ConsoleConfig) {
    let now = jiff::Timestamp::now().as_second();
    match console_rows(config) {
        Ok(rows) => {
            for r in rows.iter().filter(|r| r.days_left(now) < WARN_DAYS) {
                let left = r.days_left(now);
                if left < 0 {
                    tracing::warn!(
                        "the certificate [{}] in [{}] ({}) expired on {}",
                        r.subject,
                        r.path,
                        r.used_by,
                        r.expiry
                    );
                } else {
                    tracing::warn!(
                        "the certificate [{}] in [{}] ({}) expires in {left} days, on {}",
                        r.subject,
                        r.path,
                        r.used_by,
                        r.expiry
                    );
                }
            }
        }
        Err(e) => tracing::warn!("cannot read the console's certificates: {e}"),
    }
}

/// The page.
pub(crate) fn page(f: &Frame, rows: &[CertificateRow], console_error: Option<&str>) -> String {
    let now = jiff::Timestamp::now().as_second();
    let soon: Vec<&CertificateRow> = rows
        .iter()
        .filter(|r| r.days_left(now) < WARN_DAYS)
        .collect();
    layout(f.base, "Certificates", Some(f), |h: &mut Html| {
        h.open("div", &[("class", "title")])
            .element("h1", &[], "Certificates")
            .close("div");
        if !soon.is_empty() {
            h.open(
                "div",
                &[
                    ("class", "callout warning"),
                    ("role", "alert"),
                    ("data-test-subj", "certificatesExpiring"),
                ],
            )
            .element(
                "p",
                &[],
                &format!(
                    "{} certificate(s) expire within {WARN_DAYS} days or have expired: renew them (for example with ironstack certutil) before clients start refusing the connection.",
                    soon.len()
                ),
            )
            .close("div");
        }
        if let Some(e) = console_error {
            h.element("p", &[("class", "callout danger"), ("role", "alert")], e);
        }
        h.open("table", &[("data-test-subj", "certificatesTable")])
            .element(
                "caption",
                &[],
                "Certificates the node and the console serve and trust",
            )
            .open("thead", &[])
            .open("tr", &[]);
        for c in [
            "Used by",
            "File",
            "Format",
            "Alias",
            "Subject",
            "Issuer",
            "Serial",
            "Private key",
            "Expires",
            "Days left",
        ] {
            h.element("th", &[("scope", "col")], c);
        }
        h.close("tr").close("thead").open("tbody", &[]);
        for r in rows {
            let left = r.days_left(now);
            let class = if left < 0 {
                "expired"
            } else if left < WARN_DAYS {
                "expiring"
            } else {
                ""
            };
            h.open("tr", &[("class", class)]);
            for cell in [
                r.used_by.as_str(),
                r.path.as_str(),
                r.format.as_str(),
                r.alias.as_deref().unwrap_or("-"),
                r.subject.as_str(),
                r.issuer.as_str(),
                r.serial.as_str(),
                if r.has_private_key { "yes" } else { "no" },
                r.expiry.as_str(),
            ] {
                h.element("td", &[], cell);
            }
            let days = if left < 0 {
                "expired".to_string()
            } else {
                left.to_string()
            };
            h.element("td", &[], &days);
            h.close("tr");
        }
        h.close("tbody").close("table");
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn node_answers_become_rows_and_days_left_count_down() {
        let answer = json!([
            {"path": "certs/http.p12", "format": "PKCS12", "alias": "http", "subject_dn": "CN=node",
             "serial_number": "0a", "has_private_key": true, "expiry": "2027-01-01T00:00:00.000Z",
             "issuer": "CN=Elastic Certificate Tool Autogenerated CA"},
            {"path": "bad", "expiry": "not a date"}
        ]);
        let rows = node_rows(&answer);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(
            (r.used_by.as_str(), r.alias.as_deref()),
            ("Node HTTPS", Some("http"))
        );
        let expiry = r.expiry_secs;
        assert_eq!(r.days_left(expiry - 86_400 * 10), 10);
        assert_eq!(r.days_left(expiry - 1), 0);
        assert_eq!(r.days_left(expiry + 1), -1);
        assert!(node_rows(&json!({"error": "x"})).is_empty());
    }
}
