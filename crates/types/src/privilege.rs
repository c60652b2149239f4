//! Cluster privileges as an enum with Elasticsearch's names, each resolving to the action-name
//! patterns it grants. Authorization compares actions against these patterns, never strings
//! typed into handlers.

use std::fmt;
use std::str::FromStr;

use crate::ActionName;

/// A named cluster privilege (the subset ironstack grants today; the next issue adds the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ClusterPrivilege {
    /// Nothing.
    None,
    /// `cluster:*` and the template actions, security included.
    All,
    /// Everything in `all` except `cluster:admin/xpack/security/*`.
    Manage,
    /// `cluster:monitor/*`.
    Monitor,
    /// `cluster:admin/xpack/security/*`.
    ManageSecurity,
}

impl ClusterPrivilege {
    /// Every privilege, in Elasticsearch's sorted order of names.
    pub const ALL_PRIVILEGES: &'static [ClusterPrivilege] = &[
        Self::All,
        Self::Manage,
        Self::ManageSecurity,
        Self::Monitor,
        Self::None,
    ];

    /// Elasticsearch's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::All => "all",
            Self::Manage => "manage",
            Self::Monitor => "monitor",
            Self::ManageSecurity => "manage_security",
        }
    }

    fn patterns(self) -> &'static [&'static str] {
        match self {
            Self::None => &[],
            Self::All | Self::Manage => &[
                "cluster:*",
                "indices:admin/template/*",
                "indices:admin/index_template/*",
            ],
            Self::Monitor => &["cluster:monitor/*"],
            Self::ManageSecurity => &["cluster:admin/xpack/security/*"],
        }
    }

    /// Whether this privilege grants `action`.
    pub fn grants(self, action: ActionName) -> bool {
        if self == Self::Manage && action.as_str().starts_with("cluster:admin/xpack/security/") {
            return false;
        }
        self.patterns()
            .iter()
            .any(|p| wildcard_match(p, action.as_str()))
    }
}

impl fmt::Display for ClusterPrivilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ClusterPrivilege {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Self::ALL_PRIVILEGES
            .iter()
            .copied()
            .find(|p| p.name() == lower)
            .ok_or_else(|| format!("unknown cluster privilege [{lower}]"))
    }
}

/// `*`/`?` wildcard match, as Elasticsearch's action automata use them.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action;

    #[test]
    fn monitor_grants_monitor_actions_only() {
        assert!(ClusterPrivilege::Monitor.grants(action::MAIN));
        assert!(ClusterPrivilege::Monitor.grants(action::CLUSTER_HEALTH));
        assert!(!ClusterPrivilege::Monitor.grants(action::AUTHENTICATE));
        assert!(!ClusterPrivilege::None.grants(action::MAIN));
    }

    #[test]
    fn manage_excludes_security_but_all_does_not() {
        assert!(!ClusterPrivilege::Manage.grants(action::AUTHENTICATE));
        assert!(ClusterPrivilege::All.grants(action::AUTHENTICATE));
        assert!(ClusterPrivilege::ManageSecurity.grants(action::AUTHENTICATE));
    }

    #[test]
    fn names_round_trip() {
        for p in ClusterPrivilege::ALL_PRIVILEGES {
            assert_eq!(p.name().parse::<ClusterPrivilege>().unwrap(), *p);
        }
        assert!("nope".parse::<ClusterPrivilege>().is_err());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "abbc"));
        assert!(wildcard_match("*", ""));
    }
}
