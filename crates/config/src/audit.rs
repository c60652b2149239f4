//! `xpack.security.audit.*`: the typed audit settings (Elasticsearch's names and defaults),
//! validation of event names, and the key check for the
//! `logfile.events.ignore_filters.<policy>.<field>` pattern settings.

use crate::node::Reader;
use crate::{Error, Origin, Result, Settings};

/// Prefix of every audit setting.
const AUDIT_PREFIX: &str = "xpack.security.audit.";

const IGNORE_FILTERS_PREFIX: &str = "xpack.security.audit.logfile.events.ignore_filters.";

/// The fields an ignore policy may filter on.
const IGNORE_FILTER_FIELDS: &[&str] = &["users", "realms", "actions", "roles", "indices"];

/// The plain (non-pattern) audit settings.
pub const AUDIT_SETTINGS: &[&str] = &[
    "xpack.security.audit.enabled",
    "xpack.security.audit.logfile.events.include",
    "xpack.security.audit.logfile.events.exclude",
    "xpack.security.audit.logfile.events.emit_request_body",
    "xpack.security.audit.logfile.emit_node_name",
    "xpack.security.audit.logfile.emit_node_host_address",
    "xpack.security.audit.logfile.emit_node_host_name",
    "xpack.security.audit.logfile.emit_node_id",
    "xpack.security.audit.logfile.emit_cluster_name",
    "xpack.security.audit.logfile.emit_cluster_uuid",
];

/// Every event name `events.include`/`exclude` accept (besides `_all`).
pub const AUDIT_EVENT_NAMES: &[&str] = &[
    "anonymous_access_denied",
    "authentication_failed",
    "realm_authentication_failed",
    "access_granted",
    "access_denied",
    "tampered_request",
    "connection_granted",
    "connection_denied",
    "system_access_granted",
    "authentication_success",
    "run_as_granted",
    "run_as_denied",
    "security_config_change",
];

/// Elasticsearch's default `events.include`.
pub const DEFAULT_AUDIT_INCLUDES: &[&str] = &[
    "access_denied",
    "access_granted",
    "anonymous_access_denied",
    "authentication_failed",
    "connection_denied",
    "tampered_request",
    "run_as_denied",
    "run_as_granted",
    "security_config_change",
];

/// One `logfile.events.ignore_filters.<name>` policy; unset lists match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditIgnorePolicy {
    /// The policy name.
    pub name: String,
    /// `users` patterns.
    pub users: Option<Vec<String>>,
    /// `realms` patterns.
    pub realms: Option<Vec<String>>,
    /// `actions` patterns.
    pub actions: Option<Vec<String>>,
    /// `roles` patterns.
    pub roles: Option<Vec<String>>,
    /// `indices` patterns.
    pub indices: Option<Vec<String>>,
}

/// `xpack.security.audit.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditConfig {
    /// `xpack.security.audit.enabled` (default false).
    pub enabled: bool,
    /// `logfile.events.include`, `_all` expanded (default: Elasticsearch's list).
    pub include: Vec<String>,
    /// `logfile.events.exclude`, `_all` expanded (default empty).
    pub exclude: Vec<String>,
    /// `logfile.events.emit_request_body` (default false).
    pub emit_request_body: bool,
    /// `logfile.emit_node_name` (default false).
    pub emit_node_name: bool,
    /// `logfile.emit_node_host_address` (default false).
    pub emit_node_host_address: bool,
    /// `logfile.emit_node_host_name` (default false).
    pub emit_node_host_name: bool,
    /// `logfile.emit_node_id` (default true).
    pub emit_node_id: bool,
    /// `logfile.emit_cluster_name` (default false).
    pub emit_cluster_name: bool,
    /// `logfile.emit_cluster_uuid` (default true).
    pub emit_cluster_uuid: bool,
    /// `logfile.events.ignore_filters.*`, ordered by policy name.
    pub ignore_filters: Vec<AuditIgnorePolicy>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            include: DEFAULT_AUDIT_INCLUDES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            exclude: Vec::new(),
            emit_request_body: false,
            emit_node_name: false,
            emit_node_host_address: false,
            emit_node_host_name: false,
            emit_node_id: true,
            emit_cluster_name: false,
            emit_cluster_uuid: true,
            ignore_filters: Vec::new(),
        }
    }
}

impl AuditConfig {
    /// Reads and validates the audit settings.
    pub(crate) fn from_settings(settings: &Settings) -> Result<Self> {
        let reader = Reader { settings };
        let d = AuditConfig::default();
        let flag = |key: &str, default: bool| -> Result<bool> {
            Ok(reader.boolean(key)?.unwrap_or(default))
        };
        let events = |key: &str, default: &[String]| -> Result<Vec<String>> {
            let Some(names) = reader.list(key)? else {
                return Ok(default.to_vec());
            };
            let mut out: Vec<String> = Vec::new();
            for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                if name == "_all" {
                    out.extend(AUDIT_EVENT_NAMES.iter().map(|s| s.to_string()));
                } else if AUDIT_EVENT_NAMES.contains(&name) {
                    out.push(name.to_string());
                } else {
                    return Err(reader.invalid_value(
                        key,
                        name,
                        &format!("invalid event name specified [{name}]"),
                    ));
                }
            }
            out.dedup();
            Ok(out)
        };
        let mut policies: Vec<AuditIgnorePolicy> = Vec::new();
        for key in settings.keys() {
            let Some((policy, field)) = ignore_filter_key(key) else {
                continue;
            };
            // Unlike other lists, `""` is kept: it matches events without that field.
            let values = match settings.get(key).map(|s| &s.value) {
                Some(crate::SettingValue::List(items)) => {
                    items.iter().map(|i| i.trim().to_string()).collect()
                }
                Some(crate::SettingValue::Scalar(s)) => {
                    s.split(',').map(|i| i.trim().to_string()).collect()
                }
                None => Vec::new(),
            };
            let i = match policies.iter().position(|p| p.name == policy) {
                Some(i) => i,
                None => {
                    policies.push(AuditIgnorePolicy {
                        name: policy.to_string(),
                        ..AuditIgnorePolicy::default()
                    });
                    policies.len() - 1
                }
            };
            let p = &mut policies[i];
            let slot = match field {
                "users" => &mut p.users,
                "realms" => &mut p.realms,
                "actions" => &mut p.actions,
                "roles" => &mut p.roles,
                _ => &mut p.indices,
            };
            *slot = Some(values);
        }
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self {
            enabled: flag("xpack.security.audit.enabled", d.enabled)?,
            include: events("xpack.security.audit.logfile.events.include", &d.include)?,
            exclude: events("xpack.security.audit.logfile.events.exclude", &d.exclude)?,
            emit_request_body: flag(
                "xpack.security.audit.logfile.events.emit_request_body",
                d.emit_request_body,
            )?,
            emit_node_name: flag(
                "xpack.security.audit.logfile.emit_node_name",
                d.emit_node_name,
            )?,
            emit_node_host_address: flag(
                "xpack.security.audit.logfile.emit_node_host_address",
                d.emit_node_host_address,
            )?,
            emit_node_host_name: flag(
                "xpack.security.audit.logfile.emit_node_host_name",
                d.emit_node_host_name,
            )?,
            emit_node_id: flag("xpack.security.audit.logfile.emit_node_id", d.emit_node_id)?,
            emit_cluster_name: flag(
                "xpack.security.audit.logfile.emit_cluster_name",
                d.emit_cluster_name,
            )?,
            emit_cluster_uuid: flag(
                "xpack.security.audit.logfile.emit_cluster_uuid",
                d.emit_cluster_uuid,
            )?,
            ignore_filters: policies,
        })
    }
}

/// `(policy, field)` of an `ignore_filters.<policy>.<field>` key with a known field.
fn ignore_filter_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(IGNORE_FILTERS_PREFIX)?;
    let (policy, field) = rest.rsplit_once('.')?;
    (!policy.is_empty() && IGNORE_FILTER_FIELDS.contains(&field)).then_some((policy, field))
}

/// Checks a key under `xpack.security.audit.`: `None` for other keys, else whether it is a
/// known audit setting (plain or an `ignore_filters.<policy>.<field>` pattern), with a
/// "did you mean" for a typo.
pub fn check_audit_key(key: &str, origin: &Origin) -> Option<Result<()>> {
    key.strip_prefix(AUDIT_PREFIX)?;
    if AUDIT_SETTINGS.contains(&key) || ignore_filter_key(key).is_some() {
        return Some(Ok(()));
    }
    let suggestion = if let Some(rest) = key.strip_prefix(IGNORE_FILTERS_PREFIX) {
        rest.rsplit_once('.').and_then(|(policy, field)| {
            IGNORE_FILTER_FIELDS
                .iter()
                .find(|f| crate::registry::edit_distance(field, f) <= 2)
                .map(|f| format!("{IGNORE_FILTERS_PREFIX}{policy}.{f}"))
        })
    } else {
        AUDIT_SETTINGS
            .iter()
            .map(|s| (crate::registry::edit_distance(key, s), s))
            .filter(|(d, s)| *d <= (s.len() / 4).clamp(1, 4))
            .min_by_key(|(d, _)| *d)
            .map(|(_, s)| s.to_string())
    };
    Some(Err(Error::UnknownSetting {
        key: key.to_string(),
        origin: origin.clone(),
        suggestion,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(yaml: &str) -> Result<AuditConfig> {
        let settings = Settings::from_yaml(yaml, Path::new("/c/ironstack.yml"))?;
        for (key, s) in settings.iter() {
            if let Some(r) = check_audit_key(key, &s.origin) {
                r?;
            }
        }
        AuditConfig::from_settings(&settings)
    }

    #[test]
    fn defaults_are_elasticsearch_defaults() {
        let c = load("").unwrap();
        assert_eq!(c, AuditConfig::default());
        assert!(!c.enabled);
        assert!(c.emit_node_id && c.emit_cluster_uuid);
        assert!(!c.emit_node_name && !c.emit_request_body);
        assert!(c.include.contains(&"security_config_change".to_string()));
        assert!(!c.include.contains(&"authentication_success".to_string()));
    }

    #[test]
    fn events_and_flags_are_read() {
        let c = load(
            "xpack.security.audit:\n  enabled: true\n  logfile:\n    emit_node_name: true\n    events:\n      include: _all\n      exclude: [access_granted]\n      emit_request_body: true\n",
        )
        .unwrap();
        assert!(c.enabled && c.emit_node_name && c.emit_request_body);
        assert_eq!(c.include.len(), AUDIT_EVENT_NAMES.len());
        assert_eq!(c.exclude, vec!["access_granted".to_string()]);
    }

    #[test]
    fn unknown_event_names_and_bad_booleans_fail() {
        let err = load("xpack.security.audit.logfile.events.include: [access_granted, nope]")
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("invalid event name specified [nope]"),
            "{err}"
        );
        assert!(load("xpack.security.audit.enabled: maybe").is_err());
    }

    #[test]
    fn ignore_filter_policies_are_collected() {
        let c = load(
            "xpack.security.audit.logfile.events.ignore_filters:\n  kibana:\n    users: [kibana_system]\n    realms: [reserved]\n  metrics:\n    indices: ['metricbeat-*', '']\n    actions: 'cluster:monitor/*'\n",
        )
        .unwrap();
        assert_eq!(c.ignore_filters.len(), 2);
        let k = &c.ignore_filters[0];
        assert_eq!(k.name, "kibana");
        assert_eq!(k.users, Some(vec!["kibana_system".to_string()]));
        assert_eq!(k.realms, Some(vec!["reserved".to_string()]));
        assert_eq!(k.actions, None);
        let m = &c.ignore_filters[1];
        assert_eq!(
            m.indices,
            Some(vec!["metricbeat-*".to_string(), String::new()])
        );
        assert_eq!(m.actions, Some(vec!["cluster:monitor/*".to_string()]));
    }

    #[test]
    fn audit_keys_are_checked_with_suggestions() {
        let o = Origin::File("/c/ironstack.yml".into());
        assert!(check_audit_key("http.port", &o).is_none());
        assert!(
            check_audit_key("xpack.security.audit.enabled", &o)
                .unwrap()
                .is_ok()
        );
        assert!(
            check_audit_key(
                "xpack.security.audit.logfile.events.ignore_filters.p.b.users",
                &o
            )
            .unwrap()
            .is_ok()
        );
        let err = check_audit_key("xpack.security.audit.enable", &o)
            .unwrap()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("did you mean [xpack.security.audit.enabled]"),
            "{err}"
        );
        let err = check_audit_key(
            "xpack.security.audit.logfile.events.ignore_filters.p.user",
            &o,
        )
        .unwrap()
        .unwrap_err();
        assert!(
            err.to_string().contains(
                "did you mean [xpack.security.audit.logfile.events.ignore_filters.p.users]"
            ),
            "{err}"
        );
    }
}
