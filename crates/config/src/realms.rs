//! `xpack.security.authc.realms.<type>.<name>.<setting>`: which realm setting names exist (the
//! registry's pattern check, reused by whoever adds a realm type) and the typed, validated
//! [`RealmsConfig`]. Only the PKI realm is configurable beyond `order`/`enabled`; realm types
//! Elasticsearch has and ironstack does not (LDAP, SAML, ...) are refused by name.

use std::path::{Path, PathBuf};

use crate::node::Reader;
use crate::{Error, Origin, Result, Settings};

/// Prefix of every realm setting.
pub const REALMS_PREFIX: &str = "xpack.security.authc.realms.";

/// Elasticsearch's default PKI `username_pattern`.
pub const DEFAULT_USERNAME_PATTERN: &str = "CN=(.*?)(?:,|$)";

/// Settings every realm type has.
const COMMON_SETTINGS: &[&str] = &["order", "enabled"];

/// PKI realm settings (besides [`COMMON_SETTINGS`]).
const PKI_SETTINGS: &[&str] = &[
    "username_pattern",
    "certificate_authorities",
    "truststore.path",
    "truststore.type",
    "truststore.algorithm",
    "delegation.enabled",
    "cache.ttl",
    "cache.max_users",
];

/// Realm types Elasticsearch has that ironstack does not implement.
const UNSUPPORTED_TYPES: &[&str] = &[
    "ldap",
    "active_directory",
    "saml",
    "kerberos",
    "oidc",
    "jwt",
    "custom",
];

/// Realm types whose settings are accepted, with their extra setting names.
fn type_settings(realm_type: &str) -> Option<&'static [&'static str]> {
    match realm_type {
        "pki" => Some(PKI_SETTINGS),
        "file" | "native" => Some(&[]),
        _ => None,
    }
}

/// Checks a key under [`REALMS_PREFIX`]: `None` when `key` is not a realm setting at all,
/// else whether the realm type and setting name exist. Errors name the key.
pub fn check_realm_key(key: &str, origin: &Origin) -> Option<Result<()>> {
    let rest = key.strip_prefix(REALMS_PREFIX)?;
    let unknown = |suggestion: Option<String>| Error::UnknownSetting {
        key: key.to_string(),
        origin: origin.clone(),
        suggestion,
    };
    let mut parts = rest.splitn(3, '.');
    let (Some(realm_type), Some(name), Some(setting)) = (parts.next(), parts.next(), parts.next())
    else {
        return Some(Err(unknown(None)));
    };
    if name.is_empty() || setting.is_empty() {
        return Some(Err(unknown(None)));
    }
    if UNSUPPORTED_TYPES.contains(&realm_type) {
        return Some(Err(Error::InvalidValue {
            key: key.to_string(),
            value: realm_type.to_string(),
            reason: format!(
                "realm type [{realm_type}] is not supported by ironstack (supported: file, native, pki)"
            ),
            origin: origin.clone(),
        }));
    }
    let Some(extra) = type_settings(realm_type) else {
        return Some(Err(Error::InvalidValue {
            key: key.to_string(),
            value: realm_type.to_string(),
            reason: format!("unknown realm type [{realm_type}] (supported: file, native, pki)"),
            origin: origin.clone(),
        }));
    };
    if setting == "truststore.password" {
        return Some(Err(Error::InsecureSetting {
            key: key.to_string(),
            secure_key: format!("{REALMS_PREFIX}{realm_type}.{name}.truststore.secure_password"),
            origin: origin.clone(),
        }));
    }
    if COMMON_SETTINGS.contains(&setting) || extra.contains(&setting) {
        return Some(Ok(()));
    }
    let suggestion = COMMON_SETTINGS
        .iter()
        .chain(extra)
        .map(|s| (crate::registry::edit_distance(setting, s), *s))
        .filter(|(d, s)| *d <= (s.len() / 4).clamp(1, 4))
        .min()
        .map(|(_, s)| format!("{REALMS_PREFIX}{realm_type}.{name}.{s}"));
    Some(Err(unknown(suggestion)))
}

/// One configured PKI realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiRealmConfig {
    /// The realm's name (`pki1` in `xpack.security.authc.realms.pki.pki1.order`).
    pub name: String,
    /// `order`: realms are consulted in ascending order.
    pub order: i32,
    /// `username_pattern` (default `CN=(.*?)(?:,|$)`), matched case-insensitively against
    /// the subject DN as Java prints it (`CN=a, OU=b`); group 1 is the user name.
    pub username_pattern: String,
    /// `certificate_authorities`: PEM files, absolute. Empty with no truststore: the realm
    /// trusts whatever the HTTP TLS layer verified.
    pub certificate_authorities: Vec<PathBuf>,
    /// `truststore.path` (PKCS#12), absolute; its password is the keystore entry
    /// [`PkiRealmConfig::truststore_password_setting`].
    pub truststore_path: Option<PathBuf>,
    /// `cache.ttl` in seconds (default 20 minutes).
    pub cache_ttl_seconds: u64,
    /// `cache.max_users` (default 100 000).
    pub cache_max_users: usize,
}

impl PkiRealmConfig {
    /// The keystore entry holding the realm truststore's password.
    pub fn truststore_password_setting(&self) -> String {
        format!(
            "{REALMS_PREFIX}pki.{}.truststore.secure_password",
            self.name
        )
    }

    /// The full name of one of this realm's settings (for messages).
    pub fn setting(&self, name: &str) -> String {
        format!("{REALMS_PREFIX}pki.{}.{name}", self.name)
    }
}

/// A realm of a type the node authenticates with anyway (`file`, `native`): only its
/// `order` and `enabled` are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinRealmConfig {
    /// `file` or `native`.
    pub realm_type: String,
    /// The realm's name.
    pub name: String,
    /// `order`.
    pub order: Option<i32>,
    /// `enabled` (default true).
    pub enabled: bool,
}

/// Every configured realm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RealmsConfig {
    /// Enabled PKI realms by ascending `order`.
    pub pki: Vec<PkiRealmConfig>,
    /// `file`/`native` realm entries as given.
    pub builtin: Vec<BuiltinRealmConfig>,
}

impl RealmsConfig {
    /// Whether at least one PKI realm is enabled.
    pub fn has_pki(&self) -> bool {
        !self.pki.is_empty()
    }

    /// Reads and validates the realm settings; `warnings` collects non-fatal remarks.
    pub(crate) fn from_settings(
        settings: &Settings,
        config_dir: &Path,
        warnings: &mut Vec<String>,
    ) -> Result<Self> {
        let reader = Reader { settings };
        // (type, name) in key order.
        let mut realms: Vec<(String, String)> = Vec::new();
        for key in settings.keys() {
            let Some(rest) = key.strip_prefix(REALMS_PREFIX) else {
                continue;
            };
            let mut parts = rest.splitn(3, '.');
            if let (Some(t), Some(n)) = (parts.next(), parts.next()) {
                let entry = (t.to_string(), n.to_string());
                if !realms.contains(&entry) {
                    realms.push(entry);
                }
            }
        }
        let mut config = RealmsConfig::default();
        let mut orders: Vec<(i32, String)> = Vec::new();
        for (realm_type, name) in realms {
            let key = |s: &str| format!("{REALMS_PREFIX}{realm_type}.{name}.{s}");
            let enabled = reader.boolean(&key("enabled"))?.unwrap_or(true);
            let order = reader.parsed(&key("order"), |v| {
                v.parse::<i32>()
                    .map_err(|_| "expected an integer".to_string())
            })?;
            if realm_type != "pki" {
                warnings.push(format!(
                    "[{}] and [{}] are accepted but have no effect: the reserved, file and native realms are always consulted in that order",
                    key("order"),
                    key("enabled")
                ));
                config.builtin.push(BuiltinRealmConfig {
                    realm_type,
                    name,
                    order,
                    enabled,
                });
                continue;
            }
            if !enabled {
                continue;
            }
            let Some(order) = order else {
                return Err(Error::Conflict {
                    reason: format!(
                        "missing required setting [{}] for realm [pki/{name}]",
                        key("order")
                    ),
                    origin: origin_of(settings, &key("enabled"), &key("username_pattern")),
                });
            };
            if let Some((_, other)) = orders.iter().find(|(o, _)| *o == order) {
                return Err(reader.invalid(
                    &key("order"),
                    &format!(
                        "Found multiple realms configured with the same order [{order}]: [{other}] and [pki/{name}]"
                    ),
                ));
            }
            orders.push((order, format!("pki/{name}")));
            if reader.boolean(&key("delegation.enabled"))? == Some(true) {
                return Err(reader.invalid(
                    &key("delegation.enabled"),
                    "PKI delegation (POST /_security/delegate_pki) is not supported by ironstack; remove the setting or set it to false",
                ));
            }
            let username_pattern = reader
                .string(&key("username_pattern"))?
                .unwrap_or_else(|| DEFAULT_USERNAME_PATTERN.to_string());
            let certificate_authorities: Vec<PathBuf> = reader
                .list(&key("certificate_authorities"))?
                .unwrap_or_default()
                .iter()
                .map(|p| config_dir.join(p))
                .collect();
            let truststore_path = reader
                .string(&key("truststore.path"))?
                .map(|p| config_dir.join(p));
            if truststore_path.is_some() && !certificate_authorities.is_empty() {
                return Err(Error::Conflict {
                    reason: format!(
                        "cannot specify both [{}] and [{}]",
                        key("certificate_authorities"),
                        key("truststore.path")
                    ),
                    origin: origin_of(settings, &key("truststore.path"), &key("order")),
                });
            }
            if let Some(t) = reader.string(&key("truststore.type"))?
                && !matches!(t.to_ascii_lowercase().as_str(), "pkcs12" | "p12" | "pfx")
            {
                return Err(reader.invalid(
                    &key("truststore.type"),
                    "only PKCS12 truststores are supported",
                ));
            }
            let ttl_key = key("cache.ttl");
            let cache_ttl_seconds = reader
                .parsed(&ttl_key, |v| {
                    ironstack_types::TimeValue::parse(v, &ttl_key)
                        .map(|t| u64::try_from(t.seconds()).unwrap_or(0))
                        .map_err(|e| e.to_string())
                })?
                .unwrap_or(20 * 60);
            let cache_max_users = reader
                .parsed(&key("cache.max_users"), |v| {
                    v.parse::<usize>()
                        .map_err(|_| "expected a non-negative integer".to_string())
                })?
                .unwrap_or(100_000);
            config.pki.push(PkiRealmConfig {
                name,
                order,
                username_pattern,
                certificate_authorities,
                truststore_path,
                cache_ttl_seconds,
                cache_max_users,
            });
        }
        config.pki.sort_by_key(|r| r.order);
        Ok(config)
    }
}

fn origin_of(settings: &Settings, first: &str, second: &str) -> Origin {
    settings
        .get(first)
        .or_else(|| settings.get(second))
        .map(|s| s.origin.clone())
        .unwrap_or(Origin::Default)
}

/// Elasticsearch time values (`20m`, `1h`, `30s`, `1d`, `500ms`) to whole seconds.
#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::File(PathBuf::from("/c/ironstack.yml"))
    }

    fn settings(pairs: &[&str]) -> Settings {
        Settings::from_overrides(pairs).unwrap()
    }

    #[test]
    fn realm_keys_are_checked_by_type_and_setting() {
        assert!(check_realm_key("http.port", &origin()).is_none());
        for key in [
            "xpack.security.authc.realms.pki.pki1.order",
            "xpack.security.authc.realms.pki.pki1.username_pattern",
            "xpack.security.authc.realms.pki.pki1.certificate_authorities",
            "xpack.security.authc.realms.native.native1.enabled",
            "xpack.security.authc.realms.file.file1.order",
        ] {
            check_realm_key(key, &origin()).unwrap().unwrap();
        }
        let err = check_realm_key(
            "xpack.security.authc.realms.pki.pki1.usernam_pattern",
            &origin(),
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown setting [xpack.security.authc.realms.pki.pki1.usernam_pattern] in [/c/ironstack.yml]; did you mean [xpack.security.authc.realms.pki.pki1.username_pattern]?"
        );
        let err = check_realm_key("xpack.security.authc.realms.ldap.l1.order", &origin())
            .unwrap()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("realm type [ldap] is not supported by ironstack"),
            "{err}"
        );
        let err = check_realm_key("xpack.security.authc.realms.bogus.b.order", &origin())
            .unwrap()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("[xpack.security.authc.realms.bogus.b.order]")
        );
        assert!(err.to_string().contains("unknown realm type [bogus]"));
        let err = check_realm_key("xpack.security.authc.realms.pki", &origin())
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().starts_with("unknown setting"));
        let err = check_realm_key(
            "xpack.security.authc.realms.pki.p.truststore.password",
            &origin(),
        )
        .unwrap()
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("xpack.security.authc.realms.pki.p.truststore.secure_password")
        );
    }

    #[test]
    fn pki_realms_are_typed_and_ordered() {
        let s = settings(&[
            "xpack.security.authc.realms.pki.b.order=2",
            "xpack.security.authc.realms.pki.a.order=1",
            "xpack.security.authc.realms.pki.a.certificate_authorities=certs/ca.crt",
            "xpack.security.authc.realms.pki.a.username_pattern=EMAILADDRESS=(.*?)(?:,|$)",
            "xpack.security.authc.realms.pki.a.cache.ttl=5m",
            "xpack.security.authc.realms.pki.off.enabled=false",
        ]);
        let mut warnings = Vec::new();
        let c = RealmsConfig::from_settings(&s, Path::new("/conf"), &mut warnings).unwrap();
        assert_eq!(
            c.pki.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(c.pki[0].username_pattern, "EMAILADDRESS=(.*?)(?:,|$)");
        assert_eq!(
            c.pki[0].certificate_authorities,
            [PathBuf::from("/conf/certs/ca.crt")]
        );
        assert_eq!(c.pki[0].cache_ttl_seconds, 300);
        assert_eq!(c.pki[1].username_pattern, DEFAULT_USERNAME_PATTERN);
        assert_eq!(c.pki[1].cache_max_users, 100_000);
        assert!(warnings.is_empty());
    }

    #[test]
    fn bad_pki_settings_are_refused_by_name() {
        let mut w = Vec::new();
        let err = RealmsConfig::from_settings(
            &settings(&["xpack.security.authc.realms.pki.p.username_pattern=CN=(.*)"]),
            Path::new("/c"),
            &mut w,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("missing required setting [xpack.security.authc.realms.pki.p.order]"),
            "{err}"
        );
        let err = RealmsConfig::from_settings(
            &settings(&[
                "xpack.security.authc.realms.pki.p.order=1",
                "xpack.security.authc.realms.pki.p.delegation.enabled=true",
            ]),
            Path::new("/c"),
            &mut w,
        )
        .unwrap_err();
        assert!(err.to_string().contains("delegation.enabled"), "{err}");
        assert!(err.to_string().contains("not supported"), "{err}");
        let err = RealmsConfig::from_settings(
            &settings(&[
                "xpack.security.authc.realms.pki.p.order=1",
                "xpack.security.authc.realms.pki.q.order=1",
            ]),
            Path::new("/c"),
            &mut w,
        )
        .unwrap_err();
        assert!(err.to_string().contains("same order [1]"), "{err}");
        let err = RealmsConfig::from_settings(
            &settings(&["xpack.security.authc.realms.pki.p.order=first"]),
            Path::new("/c"),
            &mut w,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("[xpack.security.authc.realms.pki.p.order]")
        );
    }

    #[test]
    fn cache_ttl_is_an_elasticsearch_time_value() {
        let ttl = |v: &str| {
            RealmsConfig::from_settings(
                &settings(&[
                    "xpack.security.authc.realms.pki.p.order=1",
                    &format!("xpack.security.authc.realms.pki.p.cache.ttl={v}"),
                ]),
                Path::new("/c"),
                &mut Vec::new(),
            )
            .map(|c| c.pki[0].cache_ttl_seconds)
        };
        assert_eq!(ttl("20m").unwrap(), 1200);
        assert_eq!(ttl("1H").unwrap(), 3600);
        assert_eq!(ttl("1500ms").unwrap(), 1);
        let err = ttl("20").unwrap_err().to_string();
        assert!(
            err.contains("failed to parse setting [xpack.security.authc.realms.pki.p.cache.ttl] with value [20] as a time value"),
            "{err}"
        );
        assert!(ttl("m").is_err());
    }
}
