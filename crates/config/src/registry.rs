//! Which setting names exist: the node's settings, the ones accepted and ignored (written by
//! Elasticsearch's auto-configuration for a transport layer ironstack does not have), secure
//! settings that belong in the keystore, and legacy plain-text password settings. Anything
//! else is an unknown setting, with a "did you mean" suggestion for a close match.

use crate::{Error, Origin, Result};

/// Settings the node reads (Elasticsearch names).
pub const NODE_SETTINGS: &[&str] = &[
    "cluster.name",
    "node.name",
    "network.host",
    "http.host",
    "http.port",
    "http.max_content_length",
    "http.max_initial_line_length",
    "http.max_header_size",
    "http.max_chunk_size",
    "http.read_timeout",
    // ironstack's own (Elasticsearch has no connection cap).
    "http.max_open_connections",
    "path.data",
    "path.logs",
    "action.auto_create_index",
    "xpack.security.enabled",
    "xpack.security.autoconfiguration.enabled",
    "xpack.security.enrollment.enabled",
    "xpack.security.http.ssl.enabled",
    "xpack.security.http.ssl.keystore.path",
    "xpack.security.http.ssl.keystore.type",
    "xpack.security.http.ssl.truststore.path",
    "xpack.security.http.ssl.truststore.type",
    "xpack.security.http.ssl.certificate",
    "xpack.security.http.ssl.key",
    "xpack.security.http.ssl.certificate_authorities",
    "xpack.security.http.ssl.client_authentication",
    "xpack.security.http.ssl.supported_protocols",
    "xpack.security.http.ssl.cipher_suites",
    "xpack.security.http.ssl.verification_mode",
    // Token service and anonymous access (authc.rs).
    "xpack.security.authc.token.enabled",
    "xpack.security.authc.token.timeout",
    "xpack.security.authc.anonymous.username",
    "xpack.security.authc.anonymous.roles",
    "xpack.security.authc.anonymous.authz_exception",
    "xpack.security.authc.run_as.enabled",
];

/// Settings accepted without effect: there is no transport layer or cluster discovery.
pub const IGNORED_SETTINGS: &[&str] = &[
    "cluster.initial_master_nodes",
    "discovery.type",
    "discovery.seed_hosts",
    "transport.host",
    "transport.port",
];

/// Prefixes of settings accepted without effect.
pub const IGNORED_PREFIXES: &[&str] = &["xpack.security.transport.ssl."];

/// Keystore-only settings that are not recognisable by a `secure_` prefix.
const SECURE_SETTINGS: &[&str] = &[
    "bootstrap.password",
    "keystore.seed",
    "autoconfiguration.password_hash",
    "xpack.security.autoconfiguration.password_hash",
];

/// Legacy plain-text password settings and the keystore entry that replaces them.
const INSECURE_SUFFIXES: &[(&str, &str)] = &[
    (".ssl.keystore.password", ".ssl.keystore.secure_password"),
    (
        ".ssl.keystore.key_password",
        ".ssl.keystore.secure_key_password",
    ),
    (
        ".ssl.truststore.password",
        ".ssl.truststore.secure_password",
    ),
    (".ssl.key_passphrase", ".ssl.secure_key_passphrase"),
];

/// True for a name that may only live in the keystore.
pub fn is_secure_setting(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    last.starts_with("secure_") || SECURE_SETTINGS.contains(&key)
}

/// Checks one key from the file or the command line. `extra` are additional accepted names
/// (exact, or a prefix ending in `.*`) that another component reads through
/// [`crate::Settings`].
pub(crate) fn check_key(key: &str, origin: &Origin, extra: &[String]) -> Result<()> {
    if is_secure_setting(key) {
        return Err(Error::SecureSettingInFile {
            key: key.to_string(),
            origin: origin.clone(),
        });
    }
    for (suffix, secure) in INSECURE_SUFFIXES {
        if let Some(prefix) = key.strip_suffix(suffix) {
            return Err(Error::InsecureSetting {
                key: key.to_string(),
                secure_key: format!("{prefix}{secure}"),
                origin: origin.clone(),
            });
        }
    }
    if let Some(realm) = crate::realms::check_realm_key(key, origin) {
        return realm;
    }
    // Audit (audit.rs): plain keys and `ignore_filters.<policy>.<field>` patterns.
    if let Some(audit) = crate::audit::check_audit_key(key, origin) {
        return audit;
    }
    if NODE_SETTINGS.contains(&key)
        || IGNORED_SETTINGS.contains(&key)
        || IGNORED_PREFIXES.iter().any(|p| key.starts_with(p))
        || extra.iter().any(|e| extra_matches(e, key))
    {
        return Ok(());
    }
    Err(Error::UnknownSetting {
        key: key.to_string(),
        origin: origin.clone(),
        suggestion: suggestion(key, extra),
    })
}

fn extra_matches(pattern: &str, key: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => key.starts_with(prefix),
        None => pattern == key,
    }
}

/// The closest known name, if it is close enough to be a likely typo.
fn suggestion(key: &str, extra: &[String]) -> Option<String> {
    let candidates = NODE_SETTINGS
        .iter()
        .chain(IGNORED_SETTINGS)
        .map(|s| s.to_string())
        .chain(extra.iter().filter(|e| !e.ends_with('*')).cloned());
    let mut best: Option<(usize, String)> = None;
    for candidate in candidates {
        let distance = edit_distance(key, &candidate);
        let limit = (candidate.len() / 4).clamp(1, 4);
        if distance <= limit && best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| name)
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn origin() -> Origin {
        Origin::File(PathBuf::from("/c/ironstack.yml"))
    }

    #[test]
    fn known_and_ignored_keys_pass() {
        for key in NODE_SETTINGS.iter().chain(IGNORED_SETTINGS) {
            check_key(key, &origin(), &[]).unwrap();
        }
        check_key(
            "xpack.security.transport.ssl.verification_mode",
            &origin(),
            &[],
        )
        .unwrap();
    }

    #[test]
    fn unknown_key_names_key_and_file_with_suggestion() {
        let err = check_key("http.prot", &origin(), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown setting [http.prot] in [/c/ironstack.yml]; did you mean [http.port]?"
        );
        let err = check_key("completely.different", &origin(), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown setting [completely.different] in [/c/ironstack.yml]"
        );
    }

    #[test]
    fn secure_settings_are_refused_like_elasticsearch() {
        for key in [
            "xpack.security.http.ssl.keystore.secure_password",
            "xpack.security.http.ssl.secure_key_passphrase",
            "xpack.security.transport.ssl.truststore.secure_password",
            "bootstrap.password",
        ] {
            let err = check_key(key, &origin(), &[]).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "setting [{key}] is a secure setting and must be stored inside the keystore, but was found in [/c/ironstack.yml]"
                )
            );
        }
    }

    #[test]
    fn legacy_password_settings_point_to_the_keystore_entry() {
        let err =
            check_key("xpack.security.http.ssl.keystore.password", &origin(), &[]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("is insecure"), "{text}");
        assert!(
            text.contains("[xpack.security.http.ssl.keystore.secure_password]"),
            "{text}"
        );
        let err = check_key("xpack.security.http.ssl.key_passphrase", &origin(), &[]).unwrap_err();
        assert!(
            err.to_string()
                .contains("xpack.security.http.ssl.secure_key_passphrase")
        );
        // Also under the ignored transport prefix: a password in plain text is never fine.
        assert!(
            check_key(
                "xpack.security.transport.ssl.truststore.password",
                &origin(),
                &[]
            )
            .is_err()
        );
    }

    #[test]
    fn extra_settings_extend_the_registry() {
        let extra = vec![
            "xpack.security.audit.enabled".to_string(),
            "logger.*".to_string(),
        ];
        check_key("xpack.security.audit.enabled", &origin(), &extra).unwrap();
        check_key("logger.org.foo", &origin(), &extra).unwrap();
        let err = check_key("xpack.security.audit.enable", &origin(), &extra).unwrap_err();
        assert!(
            err.to_string()
                .contains("did you mean [xpack.security.audit.enabled]")
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
