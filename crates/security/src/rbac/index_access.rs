//! Document- and field-level security: which documents and which fields of one index a role
//! lets an action read, as Elasticsearch's `IndicesPermission.authorize` collects them. Every
//! index group that grants the action on the index (or on its data stream) contributes: its
//! `query` (documents matching any contributed query are visible; a group without a query
//! makes every document visible) and its `field_security` (a field is visible when some
//! contributed entry grants it; a group without `field_security` grants every field). An API
//! key's access is its own descriptors' AND its owner's: both sets of rules apply.
//!
//! Metadata fields (`_id`, `_index`, `_source`...) are always visible. Role queries are kept as
//! the JSON text the role stores; templated ones are rendered for the user by
//! [`super::role_query`].

use ironstack_types::wildcard;

use super::descriptor::FieldSecurity;

/// The metadata fields field-level security never hides.
const METADATA_FIELDS: &[&str] = &[
    "_id",
    "_index",
    "_routing",
    "_source",
    "_seq_no",
    "_primary_term",
    "_version",
    "_ignored",
    "_field_names",
    "_doc_count",
    "_data_stream_timestamp",
    "_tier",
    "_feature",
    "_nested_path",
    "_size",
];

/// Which documents a caller may read: a document is visible when, for every rule set, it
/// matches one of the set's queries. No rule set: every document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentAccess {
    /// Each entry is one role's (or one side of an API key's) queries, OR-ed.
    pub rule_sets: Vec<Vec<String>>,
}

impl DocumentAccess {
    /// Whether every document is visible.
    pub fn is_unrestricted(&self) -> bool {
        self.rule_sets.is_empty()
    }
}

/// Which fields a caller may read: a field is visible when every rule set lets it through,
/// a rule set when one of its entries does. No rule set: every field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldAccess {
    rule_sets: Vec<Vec<FieldSecurity>>,
}

impl FieldAccess {
    /// Whether every field is visible.
    pub fn is_unrestricted(&self) -> bool {
        self.rule_sets.is_empty()
    }

    /// Whether the field at `path` (dotted) is visible.
    pub fn allows(&self, path: &str) -> bool {
        if self.rule_sets.is_empty() || METADATA_FIELDS.contains(&path) {
            return true;
        }
        self.rule_sets
            .iter()
            .all(|set| set.iter().any(|entry| entry_allows(entry, path)))
    }

    /// Whether the `_source` value at `path` is kept when the source is filtered: the path
    /// or one of its enclosing objects is visible (granting `customer` shows the whole
    /// `customer` object in `_source`, as `XContentMapValues.filter` does).
    pub fn allows_in_source(&self, path: &str) -> bool {
        self.allows(path)
            || path
                .match_indices('.')
                .any(|(i, _)| self.allows(&path[..i]))
    }
}

/// Whether one `field_security` entry grants `path`: some grant pattern matches (no `grant`:
/// every field) and no `except` pattern does.
fn entry_allows(entry: &FieldSecurity, path: &str) -> bool {
    let granted = entry
        .grant
        .as_ref()
        .is_none_or(|grant| grant.iter().any(|g| wildcard::matches(g, path)));
    granted && !entry.except.iter().any(|e| wildcard::matches(e, path))
}

/// What one index permits to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexAccess {
    /// Document-level security.
    pub documents: DocumentAccess,
    /// Field-level security.
    pub fields: FieldAccess,
}

impl IndexAccess {
    /// Access with no restriction.
    pub fn unrestricted() -> Self {
        Self::default()
    }

    /// Whether nothing is hidden.
    pub fn is_unrestricted(&self) -> bool {
        self.documents.is_unrestricted() && self.fields.is_unrestricted()
    }

    /// Both `self`'s and `other`'s rules apply (an API key and its owner).
    pub fn and(mut self, other: IndexAccess) -> Self {
        self.documents.rule_sets.extend(other.documents.rule_sets);
        self.fields.rule_sets.extend(other.fields.rule_sets);
        self
    }

    /// The access of one role from the groups that grant the action on the index: each
    /// group's queries (`None`: the group sees every document) and field-security entries.
    pub(crate) fn from_groups<'a>(
        groups: impl Iterator<Item = (&'a Option<Vec<String>>, &'a [FieldSecurity])>,
    ) -> Self {
        let mut queries: Option<Vec<String>> = Some(Vec::new());
        let mut fields: Option<Vec<FieldSecurity>> = Some(Vec::new());
        let mut any = false;
        for (group_queries, group_fields) in groups {
            any = true;
            match (&mut queries, group_queries) {
                (Some(all), Some(qs)) => {
                    for q in qs {
                        if !all.contains(q) {
                            all.push(q.clone());
                        }
                    }
                }
                _ => queries = None,
            }
            if permits_every_field(group_fields) {
                fields = None;
            } else if let Some(all) = &mut fields {
                all.extend(group_fields.iter().cloned());
            }
        }
        if !any {
            // No group grants the action: the request was not authorized on this index, so
            // nothing of it is readable.
            return Self {
                documents: DocumentAccess {
                    rule_sets: vec![Vec::new()],
                },
                fields: FieldAccess {
                    rule_sets: vec![Vec::new()],
                },
            };
        }
        Self {
            documents: DocumentAccess {
                rule_sets: queries.into_iter().collect(),
            },
            fields: FieldAccess {
                rule_sets: fields.into_iter().collect(),
            },
        }
    }
}

/// Whether one group's entries permit every field (a group without `field_security` has one
/// default entry, which grants everything).
fn permits_every_field(entries: &[FieldSecurity]) -> bool {
    entries
        .iter()
        .any(|f| f.except.is_empty() && f.grant.as_ref().is_none_or(|g| g.iter().any(|p| p == "*")))
}

#[cfg(test)]
#[path = "index_access_tests.rs"]
mod tests;
