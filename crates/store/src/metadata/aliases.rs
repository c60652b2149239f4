//! Aliases: of concrete indices (kept per index, as Elasticsearch keeps them in index
//! metadata) and of data streams. Parses the `aliases` object of create-index bodies and
//! templates, validates and applies `POST _aliases` actions all-or-nothing, computes an alias's
//! write index, and renders `GET _alias` (with its partial-404 body), `HEAD _alias` and
//! `_cat/aliases` rows. Name rules and error texts follow `AliasValidator`,
//! `MetadataIndexAliasesService`, `TransportIndicesAliasesAction` and `RestGetAliasesAction`.

use std::collections::{BTreeMap, BTreeSet};

use ironstack_types::wildcard::simple_match;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::xcontent::{self, in_field};
use super::{Checks, ConcreteIndex, JsonResponse, Metadata};
use crate::error::{Result, StoreError};
use crate::mapping::names::check_index_or_alias_name;

/// One alias on one index: `AliasMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AliasMetadata {
    /// `filter`: a query object.
    pub filter: Option<Value>,
    /// `index_routing`.
    pub index_routing: Option<String>,
    /// `search_routing`.
    pub search_routing: Option<String>,
    /// `is_write_index`.
    pub is_write_index: Option<bool>,
    /// `is_hidden`.
    pub is_hidden: Option<bool>,
}

impl AliasMetadata {
    /// The object `GET _alias` and templates print under the alias name.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        if let Some(filter) = &self.filter {
            out.insert("filter".into(), filter.clone());
        }
        if let Some(r) = &self.index_routing {
            out.insert("index_routing".into(), Value::String(r.clone()));
        }
        if let Some(r) = &self.search_routing {
            out.insert("search_routing".into(), Value::String(r.clone()));
        }
        if let Some(w) = self.is_write_index {
            out.insert("is_write_index".into(), Value::Bool(w));
        }
        if let Some(h) = self.is_hidden {
            out.insert("is_hidden".into(), Value::Bool(h));
        }
        Value::Object(out)
    }
}

/// An alias over data streams: `DataStreamAlias`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataStreamAlias {
    /// The data streams it points to, in the order they were added.
    pub data_streams: Vec<String>,
    /// The data stream writes go to.
    pub write_data_stream: Option<String>,
    /// Filters by data stream.
    pub filters: BTreeMap<String, Value>,
}

/// What an alias resolves to, computed from the metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasView {
    /// Concrete indices behind it (for a data stream alias, the backing indices).
    pub indices: Vec<String>,
    /// Its write index, if it has one.
    pub write_index: Option<String>,
    /// `is_hidden` on its indices.
    pub hidden: bool,
}

/// `AliasValidator.validateAliasStandalone`: the name rules and a single index routing value.
pub fn validate_alias_standalone(alias: &str, index_routing: Option<&str>) -> Result<()> {
    if alias.trim().is_empty() {
        return Err(StoreError::IllegalArgument("alias name is required".into()));
    }
    check_index_or_alias_name(alias, |name, reason| StoreError::InvalidAliasName {
        alias: name.to_string(),
        reason,
    })?;
    if index_routing.is_some_and(|r| r.contains(',')) {
        return Err(StoreError::IllegalArgument(format!(
            "alias [{alias}] has several index routing values associated with it"
        )));
    }
    Ok(())
}

/// The `aliases` object of a create-index body, read as `Alias.fromXContent` reads each entry
/// (unknown fields refused).
pub fn parse_create_index_aliases(value: &Value) -> Result<BTreeMap<String, AliasMetadata>> {
    let Value::Object(map) = value else {
        return Err(StoreError::Parse("key [aliases] must be an object".into()));
    };
    let mut out = BTreeMap::new();
    for (name, body) in map {
        let Value::Object(fields) = body else {
            return Err(StoreError::IllegalArgument(format!(
                "Unknown token [{}] in alias [{name}]",
                xcontent::token_name(body)
            )));
        };
        let mut alias = AliasMetadata::default();
        for (field, v) in fields {
            match (field.as_str(), v) {
                ("filter", Value::Object(f)) => {
                    alias.filter = (!f.is_empty()).then(|| v.clone());
                }
                ("routing", Value::String(s)) => {
                    alias.index_routing = Some(s.clone());
                    alias.search_routing = Some(s.clone());
                }
                ("index_routing" | "indexRouting" | "index-routing", Value::String(s)) => {
                    alias.index_routing = Some(s.clone());
                }
                ("search_routing" | "searchRouting" | "search-routing", Value::String(s)) => {
                    alias.search_routing = Some(s.clone());
                }
                ("is_write_index", Value::Bool(b)) => alias.is_write_index = Some(*b),
                ("is_hidden", Value::Bool(b)) => alias.is_hidden = Some(*b),
                (_, Value::Object(_) | Value::String(_) | Value::Bool(_)) => {
                    return Err(StoreError::IllegalArgument(format!(
                        "Unsupported field [{field}]"
                    )));
                }
                (_, other) => {
                    return Err(StoreError::IllegalArgument(format!(
                        "Unknown token [{}] in alias [{name}]",
                        xcontent::token_name(other)
                    )));
                }
            }
        }
        out.insert(name.clone(), alias);
    }
    Ok(out)
}

/// The `aliases` object of a template, read as `AliasMetadata.Builder.fromXContent` reads it:
/// known fields are taken (routing values may be numbers), anything else is skipped.
pub(crate) fn parse_template_aliases(
    map: &Map<String, Value>,
) -> Result<BTreeMap<String, AliasMetadata>> {
    let mut out = BTreeMap::new();
    for (name, body) in map {
        let Value::Object(fields) = body else {
            return Err(xcontent::wrong_type("template", "aliases", body));
        };
        let mut alias = AliasMetadata::default();
        for (field, v) in fields {
            let text = match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            };
            match (field.as_str(), v) {
                ("filter", Value::Object(f)) => alias.filter = (!f.is_empty()).then(|| v.clone()),
                ("routing", _) if text.is_some() => {
                    alias.index_routing = text.clone();
                    alias.search_routing = text;
                }
                ("index_routing" | "indexRouting", _) if text.is_some() => {
                    alias.index_routing = text
                }
                ("search_routing" | "searchRouting", _) if text.is_some() => {
                    alias.search_routing = text
                }
                ("is_write_index", Value::Bool(b)) => alias.is_write_index = Some(*b),
                ("is_hidden", Value::Bool(b)) => alias.is_hidden = Some(*b),
                _ => {}
            }
        }
        out.insert(name.clone(), alias);
    }
    Ok(out)
}

/// What an `_aliases` action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasActionKind {
    /// `add`.
    Add,
    /// `remove`.
    Remove,
    /// `remove_index`.
    RemoveIndex,
}

impl AliasActionKind {
    fn field(self) -> &'static str {
        match self {
            AliasActionKind::Add => "add",
            AliasActionKind::Remove => "remove",
            AliasActionKind::RemoveIndex => "remove_index",
        }
    }

    fn java_name(self) -> &'static str {
        match self {
            AliasActionKind::Add => "ADD",
            AliasActionKind::Remove => "REMOVE",
            AliasActionKind::RemoveIndex => "REMOVE_INDEX",
        }
    }
}

/// One action of `POST _aliases`: `AliasActions`.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasAction {
    /// The kind of action.
    pub kind: AliasActionKind,
    /// `index` / `indices` expressions (wildcards allowed).
    pub indices: Vec<String>,
    /// `alias` / `aliases` (wildcards allowed for `remove`).
    pub aliases: Vec<String>,
    /// `filter`.
    pub filter: Option<Value>,
    /// `routing`.
    pub routing: Option<String>,
    /// `index_routing`.
    pub index_routing: Option<String>,
    /// `search_routing`.
    pub search_routing: Option<String>,
    /// `is_write_index`.
    pub is_write_index: Option<bool>,
    /// `is_hidden`.
    pub is_hidden: Option<bool>,
    /// `must_exist`.
    pub must_exist: Option<bool>,
}

impl AliasAction {
    fn new(kind: AliasActionKind) -> Self {
        Self {
            kind,
            indices: Vec::new(),
            aliases: Vec::new(),
            filter: None,
            routing: None,
            index_routing: None,
            search_routing: None,
            is_write_index: None,
            is_hidden: None,
            must_exist: None,
        }
    }

    fn effective_index_routing(&self) -> Option<&str> {
        self.index_routing.as_deref().or(self.routing.as_deref())
    }

    fn effective_search_routing(&self) -> Option<&str> {
        self.search_routing.as_deref().or(self.routing.as_deref())
    }
}

/// Parses a `POST _aliases` body (`IndicesAliasesRequest.PARSER`) and validates it.
pub fn parse_alias_actions(body: &Value) -> Result<Vec<AliasAction>> {
    let top = xcontent::body_object("aliases", body)?;
    xcontent::check_fields("aliases", top, &["actions"])?;
    let mut actions = Vec::new();
    if let Some(value) = top.get("actions") {
        let items: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            Value::Object(_) => vec![value],
            other => return Err(xcontent::wrong_type("aliases", "actions", other)),
        };
        for item in items {
            let action = parse_one_action(item)
                .and_then(|a| validate_action(&a).map(|()| a))
                .map_err(|e| in_field("aliases", "actions", e))?;
            actions.push(action);
        }
    }
    if actions.is_empty() {
        return Err(StoreError::Validation(vec![
            "Must specify at least one alias action".into(),
        ]));
    }
    Ok(actions)
}

fn parse_one_action(item: &Value) -> Result<AliasAction> {
    let Value::Object(map) = item else {
        return Err(StoreError::XContentParse(format!(
            "[alias_action] Expected START_OBJECT but was: {}",
            xcontent::token_name(item)
        )));
    };
    let kinds = ["add", "remove", "remove_index"];
    xcontent::check_fields("alias_action", map, &kinds)?;
    let mut found: Option<AliasAction> = None;
    for (key, value) in map {
        let kind = match key.as_str() {
            "add" => AliasActionKind::Add,
            "remove" => AliasActionKind::Remove,
            _ => AliasActionKind::RemoveIndex,
        };
        let fields = xcontent::object("alias_action", key, value)?;
        let action =
            parse_action_body(kind, fields).map_err(|e| in_field("alias_action", key, e))?;
        if found.is_some() {
            return Err(StoreError::IllegalArgument(
                "Too many operations declared on operation entry".into(),
            ));
        }
        found = Some(action);
    }
    found.ok_or_else(|| {
        StoreError::IllegalArgument(
            "Required one of fields [add, remove, remove_index], but none were specified.".into(),
        )
    })
}

fn parse_action_body(kind: AliasActionKind, fields: &Map<String, Value>) -> Result<AliasAction> {
    let parser = kind.field();
    let known: &[&str] = match kind {
        AliasActionKind::Add => &[
            "index",
            "indices",
            "alias",
            "aliases",
            "filter",
            "routing",
            "index_routing",
            "indexRouting",
            "index-routing",
            "search_routing",
            "searchRouting",
            "search-routing",
            "is_write_index",
            "is_hidden",
        ],
        AliasActionKind::Remove => &["index", "indices", "alias", "aliases", "must_exist"],
        AliasActionKind::RemoveIndex => &["index", "indices", "alias", "aliases"],
    };
    xcontent::check_fields(parser, fields, known)?;
    let mut action = AliasAction::new(kind);
    let mut have_indices = false;
    let unsupported = |field: &str| {
        in_field(
            parser,
            field,
            StoreError::IllegalArgument(format!(
                "[{field}] is unsupported for [{}]",
                kind.java_name()
            )),
        )
    };
    let setter_error = |field: &str, msg: &str| {
        in_field(parser, field, StoreError::IllegalArgument(msg.to_string()))
    };
    for (field, value) in fields {
        match field.as_str() {
            "index" => {
                let index = xcontent::string(parser, field, value)?;
                if have_indices {
                    return Err(setter_error(
                        field,
                        "Only one of [index] and [indices] is supported",
                    ));
                }
                if index.is_empty() {
                    return Err(setter_error(field, "[index] can't be empty string"));
                }
                action.indices = vec![index];
                have_indices = true;
            }
            "indices" => {
                let indices = xcontent::string_array(parser, field, value)?;
                if have_indices {
                    return Err(setter_error(
                        field,
                        "Only one of [index] and [indices] is supported",
                    ));
                }
                if indices.is_empty() {
                    return Err(setter_error(field, "[indices] can't be empty"));
                }
                if indices.iter().any(String::is_empty) {
                    return Err(setter_error(field, "[indices] can't contain empty string"));
                }
                action.indices = indices;
                have_indices = true;
            }
            "alias" => {
                let alias = xcontent::string(parser, field, value)?;
                if kind == AliasActionKind::RemoveIndex {
                    return Err(unsupported("alias"));
                }
                if !action.aliases.is_empty() {
                    return Err(setter_error(
                        field,
                        "Only one of [alias] and [aliases] is supported",
                    ));
                }
                if alias.is_empty() {
                    return Err(setter_error(field, "[alias] can't be empty string"));
                }
                action.aliases = vec![alias];
            }
            "aliases" => {
                let aliases = xcontent::string_array(parser, field, value)?;
                if kind == AliasActionKind::RemoveIndex {
                    return Err(unsupported("aliases"));
                }
                if !action.aliases.is_empty() {
                    return Err(setter_error(
                        field,
                        "Only one of [alias] and [aliases] is supported",
                    ));
                }
                if aliases.is_empty() {
                    return Err(setter_error(field, "[aliases] can't be empty"));
                }
                if aliases.iter().any(String::is_empty) {
                    return Err(setter_error(field, "[aliases] can't contain empty string"));
                }
                action.aliases = aliases;
            }
            "filter" => {
                let filter = xcontent::object(parser, field, value)?;
                action.filter = (!filter.is_empty()).then(|| value.clone());
            }
            "routing" => action.routing = Some(xcontent::text(parser, field, value)?),
            "index_routing" | "indexRouting" | "index-routing" => {
                action.index_routing = Some(xcontent::text(parser, field, value)?)
            }
            "search_routing" | "searchRouting" | "search-routing" => {
                action.search_routing = Some(xcontent::text(parser, field, value)?)
            }
            "is_write_index" => {
                action.is_write_index = Some(xcontent::boolean(parser, field, value)?)
            }
            "is_hidden" => action.is_hidden = Some(xcontent::boolean(parser, field, value)?),
            _ => action.must_exist = Some(xcontent::boolean(parser, field, value)?),
        }
    }
    Ok(action)
}

/// `AliasActions.validate`.
fn validate_action(action: &AliasAction) -> Result<()> {
    if action.indices.is_empty() {
        return Err(StoreError::IllegalArgument(
            "One of [index] or [indices] is required".into(),
        ));
    }
    if action.kind != AliasActionKind::RemoveIndex && action.aliases.is_empty() {
        return Err(StoreError::IllegalArgument(
            "One of [alias] or [aliases] is required".into(),
        ));
    }
    Ok(())
}

/// What applying `_aliases` actions did.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasActionsOutcome {
    /// Indices named by `remove_index`: the service deletes them from the backend (the
    /// metadata already forgot them).
    pub removed_indices: Vec<String>,
    /// The response body (`{"acknowledged":true,"errors":false}`, with `action_results` when
    /// a `remove` found nothing).
    pub response: Value,
}

/// A name an alias action's expression reached.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reached {
    Index(String),
    DataStream(String),
}

/// One change to make, after resolution.
#[derive(Debug, Clone)]
enum Change {
    Add {
        index: String,
        alias: String,
        metadata: AliasMetadata,
    },
    Remove {
        index: String,
        alias: String,
        must_exist: bool,
    },
    AddDataStream {
        data_stream: String,
        alias: String,
        write: Option<bool>,
        filter: Option<Value>,
    },
    RemoveDataStream {
        data_stream: String,
        alias: String,
        must_exist: bool,
    },
}

impl Metadata {
    /// The data stream `index` is a backing index of.
    pub fn parent_data_stream(&self, index: &str) -> Option<&str> {
        self.data_streams
            .iter()
            .find(|(_, ds)| ds.indices.iter().any(|i| i == index))
            .map(|(name, _)| name.as_str())
    }

    /// Aliases of `index`, by name.
    pub fn index_aliases(&self, index: &str) -> Option<&BTreeMap<String, AliasMetadata>> {
        self.index_aliases.get(index)
    }

    /// Every alias with what it resolves to. Data stream aliases reach their streams' backing
    /// indices and write to the write stream's write index.
    pub fn alias_views(&self) -> BTreeMap<String, AliasView> {
        let mut out: BTreeMap<String, AliasView> = BTreeMap::new();
        for (index, aliases) in &self.index_aliases {
            for (alias, md) in aliases {
                let view = out.entry(alias.clone()).or_insert(AliasView {
                    indices: Vec::new(),
                    write_index: None,
                    hidden: false,
                });
                view.indices.push(index.clone());
                view.hidden |= md.is_hidden == Some(true);
                if md.is_write_index == Some(true) {
                    view.write_index = Some(index.clone());
                }
            }
        }
        for (alias, view) in out.iter_mut() {
            if view.write_index.is_none() && view.indices.len() == 1 {
                let only = &view.indices[0];
                let explicit = self
                    .index_aliases
                    .get(only)
                    .and_then(|a| a.get(alias))
                    .and_then(|md| md.is_write_index);
                if explicit.is_none() {
                    view.write_index = Some(only.clone());
                }
            }
        }
        for (alias, ds_alias) in &self.data_stream_aliases {
            let mut indices = Vec::new();
            for ds in &ds_alias.data_streams {
                if let Some(stream) = self.data_streams.get(ds) {
                    indices.extend(stream.indices.iter().cloned());
                }
            }
            let write_index = ds_alias
                .write_data_stream
                .as_ref()
                .and_then(|ds| self.data_streams.get(ds))
                .and_then(|s| s.indices.last().cloned());
            out.insert(
                alias.clone(),
                AliasView {
                    indices,
                    write_index,
                    hidden: false,
                },
            );
        }
        out
    }

    /// The index writes through alias `name` go to, if any.
    pub fn alias_write_index(&self, name: &str) -> Option<String> {
        self.alias_views().remove(name).and_then(|v| v.write_index)
    }

    /// Validates and records the aliases of a new index (from its create body and templates,
    /// see [`super::compose`]). All-or-nothing.
    pub fn add_index_aliases(
        &mut self,
        index: &str,
        aliases: &BTreeMap<String, AliasMetadata>,
        concrete: &[ConcreteIndex],
        checks: &dyn Checks,
    ) -> Result<()> {
        let mut next = self.clone();
        let mut touched = BTreeSet::new();
        for (alias, md) in aliases {
            next.validate_new_alias(
                alias,
                md.index_routing.as_deref(),
                concrete,
                &BTreeSet::new(),
                Some(index),
            )?;
            if let Some(filter) = &md.filter {
                checks
                    .check_filter(filter)
                    .map_err(|e| filter_error(alias, e))?;
            }
            next.index_aliases
                .entry(index.to_string())
                .or_default()
                .insert(alias.clone(), md.clone());
            touched.insert(alias.clone());
        }
        next.validate_alias_properties(&touched)?;
        *self = next;
        Ok(())
    }

    /// `AliasValidator.validateAlias`: the standalone rules, then no index, data stream (or,
    /// for an index alias, data stream alias) may already carry the name.
    fn validate_new_alias(
        &self,
        alias: &str,
        index_routing: Option<&str>,
        concrete: &[ConcreteIndex],
        removed: &BTreeSet<String>,
        new_index: Option<&str>,
    ) -> Result<()> {
        validate_alias_standalone(alias, index_routing)?;
        let index_named = concrete
            .iter()
            .any(|c| c.name == alias && !removed.contains(&c.name))
            || new_index == Some(alias);
        if index_named || self.data_streams.contains_key(alias) {
            return Err(StoreError::InvalidAliasName {
                alias: alias.to_string(),
                reason: "an index or data stream exists with the same name as the alias".into(),
            });
        }
        Ok(())
    }

    /// `IndexAbstraction.Alias` checks over the aliases a change touched: at most one write
    /// index, the same `is_hidden` on every index, no name shared with a data stream alias.
    fn validate_alias_properties(&self, touched: &BTreeSet<String>) -> Result<()> {
        for alias in touched {
            let mut members: Vec<(&String, &AliasMetadata)> = Vec::new();
            for (index, aliases) in &self.index_aliases {
                if let Some(md) = aliases.get(alias) {
                    members.push((index, md));
                }
            }
            if members.is_empty() {
                continue;
            }
            if self.data_stream_aliases.contains_key(alias) {
                return Err(StoreError::IllegalState(format!(
                    "data stream alias and indices alias have the same name ({alias})"
                )));
            }
            let writes: Vec<&str> = members
                .iter()
                .filter(|(_, md)| md.is_write_index == Some(true))
                .map(|(i, _)| i.as_str())
                .collect();
            if writes.len() > 1 {
                return Err(StoreError::IllegalState(format!(
                    "alias [{alias}] has more than one write index [{}]",
                    writes.join(",")
                )));
            }
            let (hidden, visible): (Vec<_>, Vec<_>) = members
                .iter()
                .partition(|(_, md)| md.is_hidden == Some(true));
            if !hidden.is_empty() && !visible.is_empty() {
                let names = |v: &Vec<&(&String, &AliasMetadata)>| {
                    v.iter()
                        .map(|(i, _)| i.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                };
                return Err(StoreError::IllegalState(format!(
                    "alias [{alias}] has is_hidden set to true on indices [{}] but does not have is_hidden set to true on indices [{}]; alias must have the same is_hidden setting on all indices",
                    names(&hidden),
                    names(&visible)
                )));
            }
        }
        Ok(())
    }

    /// Applies `POST _aliases` actions against the existing indices (`concrete`) and data
    /// streams, all or nothing, as `TransportIndicesAliasesAction` and
    /// `MetadataIndexAliasesService` do. `now` resolves date math in added alias names.
    pub fn apply_alias_actions(
        &mut self,
        actions: &[AliasAction],
        concrete: &[ConcreteIndex],
        checks: &dyn Checks,
        now: i64,
    ) -> Result<AliasActionsOutcome> {
        let mut changes: Vec<Change> = Vec::new();
        let mut results: Vec<Value> = Vec::new();
        let mut errors = false;
        let mut removed_indices: Vec<String> = Vec::new();
        let mut all_aliases: BTreeSet<String> = BTreeSet::new();
        let mut any_remove_index = false;
        for action in actions {
            let reached = self.resolve_alias_targets(&action.indices, concrete)?;
            let streams: Vec<&str> = reached
                .iter()
                .filter_map(|r| match r {
                    Reached::DataStream(ds) => Some(ds.as_str()),
                    Reached::Index(_) => None,
                })
                .collect();
            let indices: Vec<&str> = reached
                .iter()
                .filter_map(|r| match r {
                    Reached::Index(i) => Some(i.as_str()),
                    Reached::DataStream(_) => None,
                })
                .collect();
            let mut removed_count = 0usize;
            let mut resolved_names: Vec<String> = Vec::new();
            if !streams.is_empty() {
                match action.kind {
                    AliasActionKind::Add => {
                        for (param, set) in [
                            ("routing", action.routing.is_some()),
                            ("index_routing", action.effective_index_routing().is_some()),
                            (
                                "search_routing",
                                action.effective_search_routing().is_some(),
                            ),
                            ("is_hidden", action.is_hidden.is_some()),
                        ] {
                            if set {
                                return Err(StoreError::IllegalArgument(format!(
                                    "aliases that point to data streams don't support {param}"
                                )));
                            }
                        }
                        if !indices.is_empty() {
                            return Err(StoreError::IllegalArgument(format!(
                                "expressions [{}] that match with both data streams and regular indices are disallowed",
                                action.indices.join(", ")
                            )));
                        }
                        for ds in &streams {
                            for alias in &action.aliases {
                                changes.push(Change::AddDataStream {
                                    data_stream: ds.to_string(),
                                    alias: alias.clone(),
                                    write: action.is_write_index,
                                    filter: action.filter.clone(),
                                });
                            }
                        }
                        results.push(action_result(action, &streams, None));
                        all_aliases.extend(action.aliases.iter().cloned());
                        continue;
                    }
                    AliasActionKind::Remove => {
                        for ds in &streams {
                            for alias in self.data_stream_aliases_matching(ds, &action.aliases) {
                                changes.push(Change::RemoveDataStream {
                                    data_stream: ds.to_string(),
                                    alias,
                                    must_exist: action.must_exist == Some(true),
                                });
                                removed_count += 1;
                            }
                        }
                        if indices.is_empty() {
                            let error = (removed_count == 0).then(|| aliases_missing(action));
                            errors |= error.is_some();
                            results.push(action_result(action, &streams, error));
                            all_aliases.extend(action.aliases.iter().cloned());
                            continue;
                        }
                        resolved_names.extend(streams.iter().map(|s| s.to_string()));
                    }
                    AliasActionKind::RemoveIndex => {
                        return Err(StoreError::IllegalArgument(
                            "Unsupported action [REMOVE_INDEX]".into(),
                        ));
                    }
                }
            }
            if action.kind != AliasActionKind::RemoveIndex {
                for index in &indices {
                    if let Some(ds) = self.parent_data_stream(index) {
                        return Err(StoreError::IllegalArgument(format!(
                            "The provided expressions [{}] match a backing index belonging to data stream [{ds}]. Data stream backing indices don't support aliases.",
                            action.indices.join(",")
                        )));
                    }
                }
            }
            all_aliases.extend(action.aliases.iter().cloned());
            for index in &indices {
                match action.kind {
                    AliasActionKind::Add => {
                        for alias in &action.aliases {
                            let resolved = resolve_date_math(alias, now)?;
                            changes.push(Change::Add {
                                index: index.to_string(),
                                alias: resolved,
                                metadata: AliasMetadata {
                                    filter: action.filter.clone(),
                                    index_routing: action
                                        .effective_index_routing()
                                        .map(String::from),
                                    search_routing: action
                                        .effective_search_routing()
                                        .map(String::from),
                                    is_write_index: action.is_write_index,
                                    is_hidden: action.is_hidden,
                                },
                            });
                        }
                    }
                    AliasActionKind::Remove => {
                        let mut found = self.index_aliases_matching(index, &action.aliases);
                        if found.is_empty() && action.must_exist == Some(true) {
                            found = action.aliases.clone();
                        }
                        for alias in found {
                            changes.push(Change::Remove {
                                index: index.to_string(),
                                alias,
                                must_exist: action.must_exist == Some(true),
                            });
                            removed_count += 1;
                        }
                    }
                    AliasActionKind::RemoveIndex => {
                        any_remove_index = true;
                        if let Some(ds) = self.parent_data_stream(index) {
                            return Err(StoreError::IllegalArgument(format!(
                                "The provided index [{index}] is a backing index belonging to data stream [{ds}]. Data stream backing indices don't support alias operations."
                            )));
                        }
                        if !removed_indices.iter().any(|r| r == index) {
                            removed_indices.push(index.to_string());
                        }
                    }
                }
            }
            resolved_names.extend(indices.iter().map(|s| s.to_string()));
            let refs: Vec<&str> = resolved_names.iter().map(String::as_str).collect();
            let error = (action.kind == AliasActionKind::Remove && removed_count == 0)
                .then(|| aliases_missing(action));
            errors |= error.is_some();
            results.push(action_result(action, &refs, error));
        }
        if changes.is_empty() && !any_remove_index {
            return Err(StoreError::AliasesNotFound(
                all_aliases.into_iter().collect(),
            ));
        }

        let removed: BTreeSet<String> = removed_indices.iter().cloned().collect();
        let mut next = self.clone();
        for index in &removed {
            next.remove_index(index);
        }
        let mut touched = BTreeSet::new();
        for change in changes {
            match change {
                Change::Add {
                    index,
                    alias,
                    metadata,
                } => {
                    if removed.contains(&index) {
                        return Err(StoreError::index_not_found(index));
                    }
                    next.validate_new_alias(
                        &alias,
                        metadata.index_routing.as_deref(),
                        concrete,
                        &removed,
                        None,
                    )?;
                    if let Some(filter) = &metadata.filter {
                        checks
                            .check_filter(filter)
                            .map_err(|e| filter_error(&alias, e))?;
                    }
                    next.index_aliases
                        .entry(index)
                        .or_default()
                        .insert(alias.clone(), metadata);
                    touched.insert(alias);
                }
                Change::Remove {
                    index,
                    alias,
                    must_exist,
                } => {
                    if removed.contains(&index) {
                        return Err(StoreError::index_not_found(index));
                    }
                    let present = next
                        .index_aliases
                        .get_mut(&index)
                        .map(|a| a.remove(&alias).is_some())
                        .unwrap_or(false);
                    if !present && must_exist {
                        return Err(StoreError::ResourceNotFound(format!(
                            "required alias [{alias}] does not exist"
                        )));
                    }
                }
                Change::AddDataStream {
                    data_stream,
                    alias,
                    write,
                    filter,
                } => {
                    next.validate_new_alias(&alias, None, concrete, &removed, None)?;
                    if next.index_aliases.values().any(|a| a.contains_key(&alias)) {
                        return Err(StoreError::IllegalState(format!(
                            "data stream alias and indices alias have the same name ({alias})"
                        )));
                    }
                    if let Some(filter) = &filter {
                        checks
                            .check_filter(filter)
                            .map_err(|e| filter_error(&alias, e))?;
                    }
                    next.put_data_stream_alias(&alias, &data_stream, write, filter);
                    touched.insert(alias);
                }
                Change::RemoveDataStream {
                    data_stream,
                    alias,
                    must_exist,
                } => {
                    if !next.remove_data_stream_alias(&alias, &data_stream) && must_exist {
                        return Err(StoreError::ResourceNotFound(format!(
                            "alias [{alias}] doesn't exist"
                        )));
                    }
                }
            }
        }
        next.index_aliases.retain(|_, aliases| !aliases.is_empty());
        next.validate_alias_properties(&touched)?;
        *self = next;
        let mut response = json!({"acknowledged": true, "errors": errors});
        if errors {
            response["action_results"] = Value::Array(results);
        }
        Ok(AliasActionsOutcome {
            removed_indices,
            response,
        })
    }

    /// Resolves an action's index expressions as `IndicesAliasesRequest`'s options do:
    /// wildcards reach open, visible indices and data streams; an alias name is refused;
    /// a missing name or a wildcard that reaches nothing is `index_not_found_exception`.
    fn resolve_alias_targets(
        &self,
        expressions: &[String],
        concrete: &[ConcreteIndex],
    ) -> Result<Vec<Reached>> {
        let views = self.alias_views();
        let mut out: Vec<Reached> = Vec::new();
        let push = |r: Reached, out: &mut Vec<Reached>| {
            if !out.contains(&r) {
                out.push(r);
            }
        };
        for expression in expressions {
            if expression == "_all" || expression.contains('*') {
                let pattern = if expression == "_all" {
                    "*"
                } else {
                    expression
                };
                let mut matched = false;
                for index in concrete {
                    let visible =
                        !index.hidden || (pattern.starts_with('.') && index.name.starts_with('.'));
                    if !index.closed && visible && simple_match(pattern, &index.name) {
                        push(Reached::Index(index.name.clone()), &mut out);
                        matched = true;
                    }
                }
                for (name, ds) in &self.data_streams {
                    let visible = !ds.hidden || (pattern.starts_with('.') && name.starts_with('.'));
                    if visible && simple_match(pattern, name) {
                        push(Reached::DataStream(name.clone()), &mut out);
                        matched = true;
                    }
                }
                if !matched {
                    return Err(StoreError::index_not_found(expression.clone()));
                }
            } else if concrete.iter().any(|c| &c.name == expression) {
                push(Reached::Index(expression.clone()), &mut out);
            } else if self.data_streams.contains_key(expression) {
                push(Reached::DataStream(expression.clone()), &mut out);
            } else if views.contains_key(expression) {
                return Err(StoreError::IllegalArgument(format!(
                    "The provided expression [{expression}] matches an alias, specify the corresponding concrete indices instead."
                )));
            } else {
                return Err(StoreError::index_not_found(expression.clone()));
            }
        }
        Ok(out)
    }

    /// `Metadata.findAliases` for one index: its aliases matching `patterns` (wildcards,
    /// `_all`, `-` exclusions after a wildcard), by name.
    fn index_aliases_matching(&self, index: &str, patterns: &[String]) -> Vec<String> {
        self.index_aliases
            .get(index)
            .map(|aliases| {
                aliases
                    .keys()
                    .filter(|alias| alias_matches(patterns, alias))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn data_stream_aliases_matching(&self, data_stream: &str, patterns: &[String]) -> Vec<String> {
        self.data_stream_aliases
            .iter()
            .filter(|(_, a)| a.data_streams.iter().any(|d| d == data_stream))
            .filter(|(name, _)| {
                patterns.iter().any(|p| p == "_all" || p == "*") || alias_matches(patterns, name)
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// `Metadata.Builder.put(alias, dataStream, isWriteDataStream, filter)`.
    pub(crate) fn put_data_stream_alias(
        &mut self,
        alias: &str,
        data_stream: &str,
        write: Option<bool>,
        filter: Option<Value>,
    ) {
        let entry = self
            .data_stream_aliases
            .entry(alias.to_string())
            .or_default();
        if !entry.data_streams.iter().any(|d| d == data_stream) {
            entry.data_streams.push(data_stream.to_string());
        }
        match write {
            Some(true) => entry.write_data_stream = Some(data_stream.to_string()),
            Some(false) if entry.write_data_stream.as_deref() == Some(data_stream) => {
                entry.write_data_stream = None
            }
            _ => {}
        }
        match filter {
            Some(f) => {
                entry.filters.insert(data_stream.to_string(), f);
            }
            None => {
                entry.filters.remove(data_stream);
            }
        }
    }

    /// Removes `data_stream` from alias `alias`; false when it was not there.
    pub(crate) fn remove_data_stream_alias(&mut self, alias: &str, data_stream: &str) -> bool {
        let Some(entry) = self.data_stream_aliases.get_mut(alias) else {
            return false;
        };
        let before = entry.data_streams.len();
        entry.data_streams.retain(|d| d != data_stream);
        if entry.data_streams.len() == before {
            return false;
        }
        entry.filters.remove(data_stream);
        if entry.write_data_stream.as_deref() == Some(data_stream) {
            entry.write_data_stream = None;
        }
        if entry.data_streams.is_empty() {
            self.data_stream_aliases.remove(alias);
        }
        true
    }

    /// `GET [<index>/]_alias[/<name>]` over the resolved concrete `indices` and
    /// `data_streams`. `names` is the `name` path parameter when given (`_all` and wildcards
    /// allowed): with names, only indices that have a matching alias are shown and names that
    /// matched nothing make a 404 with `{"error":"alias [x] missing","status":404}` merged in.
    pub fn get_aliases(
        &self,
        indices: &[String],
        data_streams: &[String],
        names: Option<&[String]>,
    ) -> JsonResponse {
        let requested: Vec<String> = match names {
            Some(n) if n.len() == 1 && n[0] == "_all" => Vec::new(),
            Some(n) => n.to_vec(),
            None => Vec::new(),
        };
        let explicit = names.is_some();
        let mut by_index: BTreeMap<&str, Vec<(&String, &AliasMetadata)>> = BTreeMap::new();
        let mut returned: BTreeSet<String> = BTreeSet::new();
        for index in indices {
            let matching: Vec<(&String, &AliasMetadata)> = self
                .index_aliases
                .get(index)
                .map(|aliases| {
                    aliases
                        .iter()
                        .filter(|(alias, _)| {
                            requested.is_empty() || alias_matches(&requested, alias)
                        })
                        .collect()
                })
                .unwrap_or_default();
            returned.extend(matching.iter().map(|(a, _)| (*a).clone()));
            if !matching.is_empty() || !explicit {
                by_index.insert(index.as_str(), matching);
            }
        }
        let mut by_stream: BTreeMap<&str, Vec<(&String, &DataStreamAlias)>> = BTreeMap::new();
        for ds in data_streams {
            let matching: Vec<(&String, &DataStreamAlias)> = self
                .data_stream_aliases
                .iter()
                .filter(|(_, a)| a.data_streams.iter().any(|d| d == ds))
                .filter(|(alias, _)| requested.is_empty() || alias_matches(&requested, alias))
                .collect();
            returned.extend(matching.iter().map(|(a, _)| (*a).clone()));
            if !matching.is_empty() {
                by_stream.insert(ds.as_str(), matching);
            }
        }
        let missing = missing_aliases(&requested, &returned);
        let mut body = Map::new();
        let status = if missing.is_empty() {
            200
        } else {
            let list = missing.into_iter().collect::<Vec<_>>();
            let message = if list.len() == 1 {
                format!("alias [{}] missing", list[0])
            } else {
                format!("aliases [{}] missing", list.join(","))
            };
            body.insert("error".into(), Value::String(message));
            body.insert("status".into(), json!(404));
            404
        };
        for (index, aliases) in by_index {
            let rendered: Map<String, Value> = aliases
                .into_iter()
                .map(|(name, md)| (name.clone(), md.to_json()))
                .collect();
            body.insert(index.to_string(), json!({"aliases": rendered}));
        }
        for (ds, aliases) in by_stream {
            let mut rendered = Map::new();
            for (name, alias) in aliases {
                let mut entry = Map::new();
                if alias.write_data_stream.as_deref() == Some(ds) {
                    entry.insert("is_write_index".into(), Value::Bool(true));
                }
                if let Some(filter) = alias.filters.get(ds) {
                    entry.insert("filter".into(), filter.clone());
                }
                rendered.insert(name.clone(), Value::Object(entry));
            }
            body.insert(ds.to_string(), json!({"aliases": rendered}));
        }
        JsonResponse {
            status,
            body: Value::Object(body),
        }
    }

    /// `HEAD [<index>/]_alias/<name>`: whether [`Metadata::get_aliases`] would answer 200
    /// with something to show.
    pub fn aliases_exist(
        &self,
        indices: &[String],
        data_streams: &[String],
        names: &[String],
    ) -> bool {
        let response = self.get_aliases(indices, data_streams, Some(names));
        response.status == 200
            && response
                .body
                .as_object()
                .is_some_and(|entries| !entries.is_empty())
    }

    /// `_cat/aliases` rows (`alias index filter routing.index routing.search
    /// is_write_index`) over the resolved `indices` and `data_streams`, for aliases matching
    /// `names` (all when empty).
    pub fn cat_aliases(
        &self,
        indices: &[String],
        data_streams: &[String],
        names: &[String],
    ) -> Vec<CatAliasRow> {
        let mut rows = Vec::new();
        for index in indices {
            if let Some(aliases) = self.index_aliases.get(index) {
                for (alias, md) in aliases {
                    if !names.is_empty() && !alias_matches(names, alias) {
                        continue;
                    }
                    rows.push(CatAliasRow {
                        alias: alias.clone(),
                        index: index.clone(),
                        filter: if md.filter.is_some() { "*" } else { "-" }.into(),
                        routing_index: md.index_routing.clone().unwrap_or_else(|| "-".into()),
                        routing_search: md.search_routing.clone().unwrap_or_else(|| "-".into()),
                        is_write_index: md
                            .is_write_index
                            .map_or_else(|| "-".into(), |w| w.to_string()),
                    });
                }
            }
        }
        for ds in data_streams {
            for (alias, a) in &self.data_stream_aliases {
                if !a.data_streams.iter().any(|d| d == ds)
                    || (!names.is_empty() && !alias_matches(names, alias))
                {
                    continue;
                }
                rows.push(CatAliasRow {
                    alias: alias.clone(),
                    index: ds.clone(),
                    filter: if a.filters.contains_key(ds) { "*" } else { "-" }.into(),
                    routing_index: "-".into(),
                    routing_search: "-".into(),
                    is_write_index: a
                        .write_data_stream
                        .as_ref()
                        .map_or_else(|| "-".into(), |w| (w == ds).to_string()),
                });
            }
        }
        rows.sort_by(|a, b| a.alias.cmp(&b.alias).then_with(|| a.index.cmp(&b.index)));
        rows
    }
}

/// One `_cat/aliases` row, every cell a string as `_cat` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatAliasRow {
    /// `alias`.
    pub alias: String,
    /// `index` (or data stream).
    pub index: String,
    /// `filter`: `*` when the alias filters, `-` otherwise.
    pub filter: String,
    /// `routing.index`.
    pub routing_index: String,
    /// `routing.search`.
    pub routing_search: String,
    /// `is_write_index`: `true`, `false` or `-`.
    pub is_write_index: String,
}

/// Whether `alias` is reached by `patterns` as `Metadata.findAliases` decides: `_all` and
/// wildcards match, and a `-pattern` after a wildcard excludes.
pub(crate) fn alias_matches(patterns: &[String], alias: &str) -> bool {
    let mut matched = false;
    let mut wildcard_seen = false;
    for pattern in patterns {
        let exclude = wildcard_seen && pattern.starts_with('-');
        if pattern.contains('*') {
            wildcard_seen = true;
        }
        if exclude {
            if matched && simple_match(&pattern[1..], alias) {
                matched = false;
            }
        } else if !matched {
            matched = pattern == "_all" || simple_match(pattern, alias);
        }
    }
    matched
}

/// `RestGetAliasesAction`: explicitly requested names (not `_all`, not wildcards, not
/// excluded by a later `-pattern`) that nothing returned.
fn missing_aliases(requested: &[String], returned: &BTreeSet<String>) -> BTreeSet<String> {
    let first_wildcard = requested
        .iter()
        .position(|a| a.contains('*'))
        .unwrap_or(requested.len());
    let mut missing = BTreeSet::new();
    for (i, name) in requested.iter().enumerate() {
        if name == "_all" || name.contains('*') || (i > first_wildcard && name.starts_with('-')) {
            continue;
        }
        let excluded = requested
            .iter()
            .skip((i + 1).max(first_wildcard))
            .filter_map(|r| r.strip_prefix('-'))
            .any(|p| simple_match(p, name) || p == "_all");
        if !excluded && !returned.contains(name) {
            missing.insert(name.clone());
        }
    }
    missing
}

fn resolve_date_math(alias: &str, now: i64) -> Result<String> {
    if !alias.starts_with('<') {
        return Ok(alias.to_string());
    }
    let at = ironstack_types::date::timestamp_from_millis(now)
        .map_err(|e| StoreError::IllegalArgument(e.to_string()))?;
    ironstack_types::date_math_name::resolve(alias, at).map_err(|e| StoreError::Parsing {
        reason: e.to_string(),
        line: None,
        col: None,
    })
}

fn filter_error(alias: &str, cause: StoreError) -> StoreError {
    let _ = cause;
    StoreError::IllegalArgument(format!("failed to parse filter for alias [{alias}]"))
}

fn aliases_missing(action: &AliasAction) -> StoreError {
    StoreError::AliasesNotFound(action.aliases.clone())
}

/// `AliasActionResult.toXContent`.
fn action_result(action: &AliasAction, indices: &[&str], error: Option<StoreError>) -> Value {
    let mut sorted: Vec<&str> = indices.to_vec();
    sorted.sort_unstable();
    let mut out = json!({
        "action": {
            "type": action.kind.field(),
            "indices": sorted,
            "aliases": action.aliases,
        },
        "status": error.as_ref().map_or(200, |e| e.to_exception().status),
    });
    if let Some(e) = error {
        let exception = e.to_exception();
        let mut fields = Map::new();
        fields.insert("type".into(), Value::String(exception.error_type.clone()));
        fields.insert("reason".into(), Value::String(exception.reason.clone()));
        for (k, v) in &exception.metadata {
            fields.insert(k.clone(), v.clone());
        }
        out["error"] = Value::Object(fields);
    }
    out
}

#[cfg(test)]
#[path = "aliases_tests.rs"]
mod tests;
