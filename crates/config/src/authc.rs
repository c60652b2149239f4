//! The token service, anonymous-access and run-as settings (`xpack.security.authc.token.*`,
//! `xpack.security.authc.anonymous.*`, `xpack.security.authc.run_as.enabled`), with
//! Elasticsearch's names, defaults and limits.

use std::time::Duration;

use ironstack_types::TimeValue;

use crate::node::Reader;
use crate::{Result, Settings};

/// `xpack.security.authc.token.enabled`.
const TOKEN_ENABLED: &str = "xpack.security.authc.token.enabled";
/// `xpack.security.authc.token.timeout`.
const TOKEN_TIMEOUT: &str = "xpack.security.authc.token.timeout";
/// `xpack.security.authc.anonymous.username`.
const ANONYMOUS_USERNAME: &str = "xpack.security.authc.anonymous.username";
/// `xpack.security.authc.anonymous.roles`.
const ANONYMOUS_ROLES: &str = "xpack.security.authc.anonymous.roles";
/// `xpack.security.authc.anonymous.authz_exception`.
const ANONYMOUS_AUTHZ_EXCEPTION: &str = "xpack.security.authc.anonymous.authz_exception";
/// `xpack.security.authc.run_as.enabled`.
const RUN_AS_ENABLED: &str = "xpack.security.authc.run_as.enabled";

/// Elasticsearch's default anonymous user name.
pub const DEFAULT_ANONYMOUS_USERNAME: &str = "_anonymous";
const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(20 * 60);
const MIN_TOKEN_TIMEOUT: Duration = Duration::from_secs(1);
const MAX_TOKEN_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// `xpack.security.authc.token.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    /// Whether `POST /_security/oauth2/token` and `Authorization: Bearer` work. Elasticsearch's
    /// default: on exactly when HTTPS is on.
    pub enabled: bool,
    /// Access-token lifetime (default 20m, between 1s and 1h).
    pub timeout: Duration,
}

/// `xpack.security.authc.anonymous.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnonymousConfig {
    /// The user name requests without credentials run as (default `_anonymous`).
    pub username: String,
    /// Its roles; none means anonymous access is disabled.
    pub roles: Vec<String>,
    /// `true` (default): a denied anonymous request is a 403; `false`: a 401 with the
    /// authentication challenges, so that browsers prompt for credentials.
    pub authz_exception: bool,
}

impl AnonymousConfig {
    /// Whether anonymous access is on (some roles are set).
    pub fn enabled(&self) -> bool {
        !self.roles.is_empty()
    }
}

/// Authentication settings besides realms and TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthcConfig {
    /// The token service.
    pub token: TokenConfig,
    /// Anonymous access.
    pub anonymous: AnonymousConfig,
    /// Whether the `es-security-runas-user` header is honoured (default true).
    pub run_as_enabled: bool,
}

impl Default for AuthcConfig {
    fn default() -> Self {
        Self {
            token: TokenConfig {
                enabled: false,
                timeout: DEFAULT_TOKEN_TIMEOUT,
            },
            anonymous: AnonymousConfig {
                username: DEFAULT_ANONYMOUS_USERNAME.to_string(),
                roles: Vec::new(),
                authz_exception: true,
            },
            run_as_enabled: true,
        }
    }
}

impl AuthcConfig {
    /// Reads the settings; `https` is whether `xpack.security.http.ssl.enabled` is on (the
    /// token service's default). A token service explicitly enabled over plain HTTP adds a
    /// warning: Elasticsearch refuses that in production mode.
    pub(crate) fn from_settings(
        settings: &Settings,
        https: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Self> {
        let reader = Reader { settings };
        let enabled = reader.boolean(TOKEN_ENABLED)?.unwrap_or(https);
        if enabled && !https {
            warnings.push(format!(
                "HTTPS is required in order to use the token service; please enable HTTPS using the [xpack.security.http.ssl.enabled] setting or disable the token service using the [{TOKEN_ENABLED}] setting"
            ));
        }
        let timeout = match reader.string(TOKEN_TIMEOUT)? {
            None => DEFAULT_TOKEN_TIMEOUT,
            Some(text) => {
                let value = TimeValue::parse(&text, TOKEN_TIMEOUT)
                    .map_err(|e| reader.invalid_value(TOKEN_TIMEOUT, &text, &e.to_string()))?
                    .to_duration()
                    // `-1`: not a duration, so below the minimum.
                    .unwrap_or(Duration::ZERO);
                if value < MIN_TOKEN_TIMEOUT {
                    return Err(reader.invalid_value(TOKEN_TIMEOUT, &text, "must be >= [1s]"));
                }
                if value > MAX_TOKEN_TIMEOUT {
                    return Err(reader.invalid_value(TOKEN_TIMEOUT, &text, "must be <= [1h]"));
                }
                value
            }
        };
        let username = reader
            .string(ANONYMOUS_USERNAME)?
            .unwrap_or_else(|| DEFAULT_ANONYMOUS_USERNAME.to_string());
        if username.is_empty() {
            return Err(reader.invalid_value(ANONYMOUS_USERNAME, "", "must not be empty"));
        }
        let roles = reader
            .list(ANONYMOUS_ROLES)?
            .unwrap_or_default()
            .into_iter()
            .filter(|r| !r.is_empty())
            .collect();
        let authz_exception = reader.boolean(ANONYMOUS_AUTHZ_EXCEPTION)?.unwrap_or(true);
        let run_as_enabled = reader.boolean(RUN_AS_ENABLED)?.unwrap_or(true);
        Ok(Self {
            token: TokenConfig { enabled, timeout },
            anonymous: AnonymousConfig {
                username,
                roles,
                authz_exception,
            },
            run_as_enabled,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str, https: bool) -> Result<(AuthcConfig, Vec<String>)> {
        let settings = Settings::from_yaml(yaml, std::path::Path::new("ironstack.yml"))?;
        let mut warnings = Vec::new();
        AuthcConfig::from_settings(&settings, https, &mut warnings).map(|c| (c, warnings))
    }

    #[test]
    fn defaults_follow_https() {
        let (c, w) = load("", true).unwrap();
        assert!(c.token.enabled);
        assert_eq!(c.token.timeout, Duration::from_secs(1200));
        assert_eq!(c.anonymous.username, "_anonymous");
        assert!(!c.anonymous.enabled());
        assert!(c.anonymous.authz_exception);
        assert!(w.is_empty());
        let (c, _) = load("", false).unwrap();
        assert!(!c.token.enabled);
    }

    #[test]
    fn explicit_token_settings() {
        let (c, w) = load(
            "xpack.security.authc.token: {enabled: true, timeout: 5m}\n",
            false,
        )
        .unwrap();
        assert!(c.token.enabled);
        assert_eq!(c.token.timeout, Duration::from_secs(300));
        assert!(w[0].contains("HTTPS is required in order to use the token service"));
        let (c, _) = load("xpack.security.authc.token.enabled: false\n", true).unwrap();
        assert!(!c.token.enabled);
    }

    #[test]
    fn timeout_limits() {
        let err = load("xpack.security.authc.token.timeout: 2h\n", true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be <= [1h]"), "{err}");
        assert!(load("xpack.security.authc.token.timeout: 500ms\n", true).is_err());
        assert!(load("xpack.security.authc.token.timeout: soon\n", true).is_err());
        assert!(load("xpack.security.authc.token.timeout: 1h\n", true).is_ok());
    }

    #[test]
    fn anonymous_settings() {
        let (c, _) = load(
            "xpack.security.authc.anonymous:\n  username: guest\n  roles: monitor_only, viewer\n  authz_exception: false\n",
            true,
        )
        .unwrap();
        assert_eq!(c.anonymous.username, "guest");
        assert_eq!(c.anonymous.roles, vec!["monitor_only", "viewer"]);
        assert!(c.anonymous.enabled());
        assert!(!c.anonymous.authz_exception);
        let (c, _) = load(
            "xpack.security.authc.anonymous.roles: [monitor_only]\n",
            true,
        )
        .unwrap();
        assert_eq!(c.anonymous.roles, vec!["monitor_only"]);
    }

    #[test]
    fn timeout_is_an_elasticsearch_time_value() {
        let (c, _) = load("xpack.security.authc.token.timeout: 90S\n", true).unwrap();
        assert_eq!(c.token.timeout, Duration::from_secs(90));
        let (c, _) = load("xpack.security.authc.token.timeout: 1800000ms\n", true).unwrap();
        assert_eq!(c.token.timeout, Duration::from_secs(1800));
        let err = load("xpack.security.authc.token.timeout: 10\n", true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("failed to parse setting [xpack.security.authc.token.timeout] with value [10] as a time value: unit is missing or unrecognized"),
            "{err}"
        );
        let err = load("xpack.security.authc.token.timeout: 1.5m\n", true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("failed to parse [1.5m], fractional time values are not supported"),
            "{err}"
        );
        let err = load("xpack.security.authc.token.timeout: -1\n", true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be >= [1s]"), "{err}");
    }
}
