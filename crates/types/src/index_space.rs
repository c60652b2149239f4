//! The names an index expression can reach (concrete indices, aliases and data streams, each
//! an "index abstraction" as Elasticsearch calls them) and the options that say how far a
//! request's wildcards reach (`expand_wildcards`, `ignore_unavailable`, `allow_no_indices`).
//!
//! The store owns the metadata and publishes it as an [`IndexSpace`] snapshot; security
//! expands expressions against it to what a caller may see; neither depends on the other.

use std::collections::BTreeMap;

use crate::error::{Error, EsErrorType, EsException, Result};

/// What an index abstraction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbstractionKind {
    /// A concrete index.
    Index,
    /// An alias over one or more indices.
    Alias,
    /// A data stream over its backing indices.
    DataStream,
}

impl AbstractionKind {
    /// The name `_resolve/index` and error messages use.
    pub fn name(self) -> &'static str {
        match self {
            AbstractionKind::Index => "index",
            AbstractionKind::Alias => "alias",
            AbstractionKind::DataStream => "data_stream",
        }
    }
}

/// One name of the index space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexAbstraction {
    /// The name.
    pub name: String,
    /// What it is.
    pub kind: AbstractionKind,
    /// `index.hidden`, a hidden alias, or a hidden data stream: out of reach of wildcards
    /// unless `expand_wildcards` includes `hidden` or the pattern starts with a dot.
    pub hidden: bool,
    /// A closed index (only for [`AbstractionKind::Index`]).
    pub closed: bool,
    /// The concrete indices behind the name: the index itself, an alias's members, a data
    /// stream's backing indices (oldest first).
    pub indices: Vec<String>,
    /// Where writes through the name go: the index itself, the alias's write index (or its
    /// only member), the data stream's newest backing index.
    pub write_index: Option<String>,
    /// For a data stream's backing index: the data stream.
    pub parent_data_stream: Option<String>,
}

impl IndexAbstraction {
    /// An open, visible concrete index.
    pub fn index(name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            indices: vec![name.clone()],
            write_index: Some(name.clone()),
            name,
            kind: AbstractionKind::Index,
            hidden: false,
            closed: false,
            parent_data_stream: None,
        }
    }

    /// An alias over `indices`, writing to `write_index`.
    pub fn alias(
        name: impl Into<String>,
        indices: Vec<String>,
        write_index: Option<String>,
    ) -> Self {
        Self {
            name: name.into(),
            kind: AbstractionKind::Alias,
            hidden: false,
            closed: false,
            indices,
            write_index,
            parent_data_stream: None,
        }
    }

    /// A data stream over `backing` (oldest first; the last one takes writes).
    pub fn data_stream(name: impl Into<String>, backing: Vec<String>) -> Self {
        Self {
            name: name.into(),
            kind: AbstractionKind::DataStream,
            hidden: false,
            closed: false,
            write_index: backing.last().cloned(),
            indices: backing,
            parent_data_stream: None,
        }
    }

    /// Marks the abstraction hidden.
    pub fn hidden(mut self, hidden: bool) -> Self {
        self.hidden = hidden;
        self
    }

    /// Marks a concrete index closed.
    pub fn closed(mut self, closed: bool) -> Self {
        self.closed = closed;
        self
    }

    /// Names the data stream a backing index belongs to.
    pub fn in_data_stream(mut self, data_stream: impl Into<String>) -> Self {
        self.parent_data_stream = Some(data_stream.into());
        self
    }
}

/// A snapshot of every name requests can reach, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexSpace {
    by_name: BTreeMap<String, IndexAbstraction>,
}

impl IndexSpace {
    /// The space of `entries` (a later entry with the same name replaces an earlier one).
    pub fn new(entries: impl IntoIterator<Item = IndexAbstraction>) -> Self {
        Self {
            by_name: entries.into_iter().map(|e| (e.name.clone(), e)).collect(),
        }
    }

    /// The abstraction called `name`.
    pub fn get(&self, name: &str) -> Option<&IndexAbstraction> {
        self.by_name.get(name)
    }

    /// Every abstraction, by name.
    pub fn iter(&self) -> impl Iterator<Item = &IndexAbstraction> {
        self.by_name.values()
    }

    /// Whether nothing exists.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The data stream `name` is a backing index of.
    pub fn parent_data_stream(&self, name: &str) -> Option<&str> {
        self.get(name)?.parent_data_stream.as_deref()
    }

    /// The concrete indices behind `names`, each once, in the order first reached; names
    /// that do not exist reach nothing.
    pub fn concrete_indices<S: AsRef<str>>(&self, names: &[S]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in names {
            if let Some(a) = self.get(name.as_ref()) {
                for index in &a.indices {
                    if !out.contains(index) {
                        out.push(index.clone());
                    }
                }
            }
        }
        out
    }
}

/// Which index states and visibilities a wildcard expands to (`expand_wildcards`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExpandWildcards {
    /// Open indices.
    pub open: bool,
    /// Closed indices.
    pub closed: bool,
    /// Hidden indices, aliases and data streams.
    pub hidden: bool,
}

impl ExpandWildcards {
    /// `open`.
    pub const OPEN: ExpandWildcards = ExpandWildcards {
        open: true,
        closed: false,
        hidden: false,
    };
    /// `open,closed`.
    pub const OPEN_CLOSED: ExpandWildcards = ExpandWildcards {
        open: true,
        closed: true,
        hidden: false,
    };
    /// `closed`.
    pub const CLOSED: ExpandWildcards = ExpandWildcards {
        open: false,
        closed: true,
        hidden: false,
    };
    /// `all`.
    pub const ALL: ExpandWildcards = ExpandWildcards {
        open: true,
        closed: true,
        hidden: true,
    };
    /// `none`.
    pub const NONE: ExpandWildcards = ExpandWildcards {
        open: false,
        closed: false,
        hidden: false,
    };

    /// Parses the comma-separated parameter value (`open`, `closed`, `hidden`, `none`, `all`)
    /// as `IndicesOptions.WildcardOptions.parseParameter` does.
    pub fn parse(value: &str) -> Result<Self> {
        let mut out = ExpandWildcards::NONE;
        for part in value.split(',').map(str::trim) {
            match part {
                "open" => out.open = true,
                "closed" => out.closed = true,
                "hidden" => out.hidden = true,
                "none" => out = ExpandWildcards::NONE,
                "all" => out = ExpandWildcards::ALL,
                other => {
                    return Err(Error::InvalidParameter(format!(
                        "No valid expand wildcard value [{other}]"
                    )));
                }
            }
        }
        Ok(out)
    }

    /// Whether wildcards expand at all.
    pub fn expands(self) -> bool {
        self.open || self.closed
    }
}

/// How a request resolves its index expression (`IndicesOptions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndicesOptions {
    /// Names that are missing (or, under security, not authorized) are skipped instead of
    /// failing the request.
    pub ignore_unavailable: bool,
    /// A wildcard (or the whole expression) that reaches nothing is not an error.
    pub allow_no_indices: bool,
    /// How far wildcards reach.
    pub expand_wildcards: ExpandWildcards,
    /// Aliases are refused (delete index, add/remove index through `_aliases`).
    pub ignore_aliases: bool,
    /// Wildcards and `_all` are refused (`action.destructive_requires_name`).
    pub forbid_wildcards: bool,
}

impl IndicesOptions {
    /// `strictExpandOpen`: search, count, get mapping, refresh... the default.
    pub const STRICT_EXPAND_OPEN: IndicesOptions = IndicesOptions {
        ignore_unavailable: false,
        allow_no_indices: true,
        expand_wildcards: ExpandWildcards::OPEN,
        ignore_aliases: false,
        forbid_wildcards: false,
    };
    /// Open and closed indices, strict about missing names: get index, delete index.
    pub const STRICT_EXPAND_OPEN_CLOSED: IndicesOptions = IndicesOptions {
        ignore_unavailable: false,
        allow_no_indices: true,
        expand_wildcards: ExpandWildcards::OPEN_CLOSED,
        ignore_aliases: false,
        forbid_wildcards: false,
    };
    /// `strictSingleIndexNoExpandForbidClosed`: single-document requests and index creation.
    pub const STRICT_SINGLE_INDEX: IndicesOptions = IndicesOptions {
        ignore_unavailable: false,
        allow_no_indices: false,
        expand_wildcards: ExpandWildcards::NONE,
        ignore_aliases: false,
        forbid_wildcards: false,
    };
    /// `lenientExpandOpen`: `_cat/indices`-like listings that skip what is missing.
    pub const LENIENT_EXPAND_OPEN: IndicesOptions = IndicesOptions {
        ignore_unavailable: true,
        allow_no_indices: true,
        expand_wildcards: ExpandWildcards::OPEN,
        ignore_aliases: false,
        forbid_wildcards: false,
    };

    /// These options with the request's `ignore_unavailable`, `allow_no_indices` and
    /// `expand_wildcards` parameters applied (`IndicesOptions.fromRequest`); `param` looks a
    /// query parameter up by name.
    pub fn with_params<'a>(self, param: impl Fn(&str) -> Option<&'a str>) -> Result<Self> {
        self.from_parameters(
            param("expand_wildcards"),
            param("ignore_unavailable"),
            param("allow_no_indices"),
        )
    }

    /// `IndicesOptions.fromParameters`: the given values over these options (an empty value
    /// keeps the default, as `XContentMapValues.nodeBooleanValue` does).
    pub fn from_parameters(
        self,
        expand_wildcards: Option<&str>,
        ignore_unavailable: Option<&str>,
        allow_no_indices: Option<&str>,
    ) -> Result<Self> {
        let mut out = self;
        if let Some(v) = expand_wildcards {
            out.expand_wildcards = ExpandWildcards::parse(v)?;
        }
        if let Some(v) = ignore_unavailable {
            out.ignore_unavailable =
                node_boolean(v, "ignore_unavailable", self.ignore_unavailable)?;
        }
        if let Some(v) = allow_no_indices {
            out.allow_no_indices = node_boolean(v, "allow_no_indices", self.allow_no_indices)?;
        }
        Ok(out)
    }
}

/// `XContentMapValues.nodeBooleanValue(value, name, default)`: `true`, `false`, or empty for
/// the default.
pub fn node_boolean(value: &str, name: &str, default: bool) -> Result<bool> {
    match value {
        "" => Ok(default),
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::InvalidParameter(format!(
            "Could not convert [{name}] to boolean"
        ))),
    }
}

/// `index_not_found_exception` for `index`, with Elasticsearch's metadata fields.
pub fn index_not_found(index: &str) -> EsException {
    EsException::new(
        EsErrorType::IndexNotFound,
        format!("no such index [{index}]"),
    )
    .meta("resource.type", "index_or_alias")
    .meta("resource.id", index)
    .meta("index_uuid", "_na_")
    .meta("index", index)
}

/// Whether an index expression is a wildcard pattern (`Regex.isSimpleMatchPattern`: index
/// expressions know only `*`).
pub fn is_wildcard(expression: &str) -> bool {
    expression.contains('*')
}

/// Whether an expression list means every index (`IndexNameExpressionResolver.isAllIndices`):
/// empty, or `_all` alone (a lone `*` is an ordinary wildcard).
pub fn is_all_indices<S: AsRef<str>>(expressions: &[S]) -> bool {
    expressions.is_empty() || (expressions.len() == 1 && expressions[0].as_ref() == "_all")
}

/// Whether `abstraction` is reached by the wildcard `pattern` under `options` (visibility and
/// state; the name match is the caller's): `IndexAbstractionResolver.isIndexVisible`.
pub fn wildcard_reaches(
    pattern: &str,
    abstraction: &IndexAbstraction,
    options: &IndicesOptions,
) -> bool {
    let expand = options.expand_wildcards;
    let implicitly_visible = abstraction.name.starts_with('.') && pattern.starts_with('.');
    if abstraction.hidden && !expand.hidden && !implicitly_visible {
        return false;
    }
    match abstraction.kind {
        AbstractionKind::Alias => !options.ignore_aliases,
        AbstractionKind::DataStream => true,
        AbstractionKind::Index => {
            if abstraction.closed {
                expand.closed
            } else {
                expand.open
            }
        }
    }
}

#[cfg(test)]
#[path = "index_space_tests.rs"]
mod tests;
