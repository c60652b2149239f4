//! Index name patterns in roles (`*`/`?` wildcards, `/regex/` in Lucene's RegExp syntax),
//! restricted (system) indices, and the language checks `_has_privileges` runs on them.
//!
//! Regexes: Lucene's syntax is translated to the `regex` crate's (`@` any string, `#` empty,
//! `"..."` literal strings); a leading `~` complementing the whole expression is supported,
//! which is how Elasticsearch's built-in roles use it (`/~(([.]|ilm-history-).*)/`).
//! Complement or intersection anywhere else, and numeric intervals `<1-10>`, are rejected.
//! Subset checks against a wildcard request (`_has_privileges` on `logs-*`) are exact for
//! wildcard role patterns; a regex role pattern only counts there for requests naming one
//! index, so it can only under-report, never over-grant.

use std::sync::OnceLock;

use regex::Regex;

use super::automaton::{PatternSet, Wildcard, for_all};
use super::error::RoleError;

/// Restricted index patterns: system indices a role reaches only with
/// `allow_restricted_indices: true`, whatever its name patterns say.
pub const RESTRICTED_INDEX_PATTERNS: &[&str] = &[
    ".security",
    ".security-*",
    ".security-7",
    ".security-tokens-7",
    ".security-profile-8",
    ".kibana*",
    ".tasks",
    ".async-search*",
    ".fleet-*",
    ".ml-meta*",
    ".ml-config*",
    ".ml-inference-*",
    ".watches*",
    ".triggered_watches*",
    ".transform-internal-*",
    ".geoip_databases*",
    ".logstash*",
    ".snapshot-blob-cache*",
    ".synonyms*",
    ".enrich-*",
    ".apm-agent-configuration*",
    ".apm-custom-link*",
    ".apm-source-map*",
    ".secrets-inference*",
    ".inference*",
    ".query-rules*",
    ".search-app-*",
    ".connector-secrets*",
];

/// The restricted patterns as one set.
pub fn restricted_patterns() -> &'static PatternSet {
    static SET: OnceLock<PatternSet> = OnceLock::new();
    SET.get_or_init(|| PatternSet::new(RESTRICTED_INDEX_PATTERNS))
}

/// Whether `index` is a restricted (system) index.
pub fn is_restricted(index: &str) -> bool {
    restricted_patterns().matches(index)
}

/// One pattern of a role's `names`.
#[derive(Debug, Clone)]
pub enum NamePattern {
    /// `*`/`?` wildcard or a plain name.
    Wildcard(Wildcard),
    /// `/regex/`; `negated` when the whole expression was `~(...)`.
    Regex {
        /// The pattern as written, slashes included.
        source: String,
        /// The translated, anchored expression.
        regex: Regex,
        /// Matches names the expression does NOT match.
        negated: bool,
    },
}

impl NamePattern {
    /// Compiles one role name pattern.
    pub fn new(pattern: &str) -> Result<Self, RoleError> {
        if let Some(body) = pattern.strip_prefix('/') {
            let Some(body) = body.strip_suffix('/') else {
                return Err(RoleError::illegal_argument(format!(
                    "index pattern [{pattern}] starts with [/] but does not end with [/]; regular expressions must be enclosed in slashes"
                )));
            };
            let (negated, body) = match body.strip_prefix('~') {
                Some(rest) => (true, rest),
                None => (false, body),
            };
            let translated = lucene_to_regex(body).map_err(|why| {
                RoleError::illegal_argument(format!(
                    "invalid regular expression [{pattern}]: {why}"
                ))
            })?;
            let regex = Regex::new(&format!("^(?:{translated})$")).map_err(|e| {
                RoleError::illegal_argument(format!("invalid regular expression [{pattern}]: {e}"))
            })?;
            return Ok(Self::Regex {
                source: pattern.to_string(),
                regex,
                negated,
            });
        }
        Ok(Self::Wildcard(Wildcard::new(pattern)))
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Self::Wildcard(w) => w.matches(name),
            Self::Regex { regex, negated, .. } => regex.is_match(name) != *negated,
        }
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        match self {
            Self::Wildcard(w) => w.source(),
            Self::Regex { source, .. } => source,
        }
    }
}

/// Lucene RegExp → `regex` syntax, for the operators both share plus `@`, `#` and quoting.
fn lucene_to_regex(body: &str) -> Result<String, String> {
    let mut out = String::with_capacity(body.len() + 8);
    let mut chars = body.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if in_class {
            match c {
                ']' => {
                    in_class = false;
                    out.push(']');
                }
                '\\' => {
                    let n = chars.next().ok_or("trailing escape")?;
                    out.push_str(&regex::escape(&n.to_string()));
                }
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            '\\' => {
                let n = chars.next().ok_or("trailing escape")?;
                out.push_str(&regex::escape(&n.to_string()));
            }
            '"' => {
                let mut lit = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some(x) => lit.push(x),
                        None => return Err("unterminated string".into()),
                    }
                }
                out.push_str(&regex::escape(&lit));
            }
            '@' => out.push_str(".*"),
            '#' => out.push_str("(?:)"),
            '~' => return Err("complement is only supported around the whole expression".into()),
            '&' => return Err("intersection is not supported".into()),
            '<' => return Err("numeric intervals are not supported".into()),
            '.' | '*' | '+' | '?' | '(' | ')' | '|' | '{' | '}' => out.push(c),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    if in_class {
        return Err("unterminated character class".into());
    }
    Ok(out)
}

/// A compiled `names` list with its `allow_restricted_indices` flag.
#[derive(Debug, Clone)]
pub struct IndexMatcher {
    patterns: Vec<NamePattern>,
    wildcards: PatternSet,
    allow_restricted: bool,
}

impl IndexMatcher {
    /// Compiles `names`.
    pub fn new<S: AsRef<str>>(
        names: impl IntoIterator<Item = S>,
        allow_restricted: bool,
    ) -> Result<Self, RoleError> {
        let patterns: Vec<NamePattern> = names
            .into_iter()
            .map(|n| NamePattern::new(n.as_ref()))
            .collect::<Result<_, _>>()?;
        let wildcards = PatternSet::new(patterns.iter().filter_map(|p| match p {
            NamePattern::Wildcard(w) => Some(w.source().to_string()),
            NamePattern::Regex { .. } => None,
        }));
        Ok(Self {
            patterns,
            wildcards,
            allow_restricted,
        })
    }

    /// Whether the group reaches `index` (restricted names only with the flag).
    pub fn matches(&self, index: &str) -> bool {
        if !self.allow_restricted && is_restricted(index) {
            return false;
        }
        self.patterns.iter().any(|p| p.matches(index))
    }

    /// Whether restricted indices are reachable.
    pub fn allow_restricted(&self) -> bool {
        self.allow_restricted
    }

    /// The patterns as written.
    pub fn sources(&self) -> Vec<&str> {
        self.patterns.iter().map(|p| p.source()).collect()
    }

    /// Whether every name the request pattern `requested` stands for (restricted names only
    /// when `request_allows_restricted`) is reached by this group.
    pub fn covers(&self, requested: &str, request_allows_restricted: bool) -> bool {
        let wanted = Wildcard::new(requested);
        if wanted.is_literal() {
            let name = wanted_literal(requested);
            if !request_allows_restricted && is_restricted(&name) {
                return true;
            }
            return self.matches(&name);
        }
        let q = PatternSet::new([requested]);
        let r = restricted_patterns();
        let allow = self.allow_restricted;
        for_all(&[&q, &self.wildcards, r], |m| {
            let in_request = m[0] && (request_allows_restricted || !m[2]);
            !in_request || (m[1] && (allow || !m[2]))
        })
        .unwrap_or(false)
    }
}

/// Whether the request pattern stands for no index at all once restricted names are dropped.
pub fn request_is_empty(requested: &str, request_allows_restricted: bool) -> bool {
    let wanted = Wildcard::new(requested);
    if wanted.is_literal() {
        return !request_allows_restricted && is_restricted(&wanted_literal(requested));
    }
    if request_allows_restricted {
        return false;
    }
    let q = PatternSet::new([requested]);
    for_all(&[&q, restricted_patterns()], |m| !m[0] || m[1]).unwrap_or(false)
}

/// The name a literal pattern stands for (escapes removed).
fn wanted_literal(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next().unwrap_or('\\'));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[path = "index_pattern_tests.rs"]
mod tests;
