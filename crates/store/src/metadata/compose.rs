//! What an index is created with: the create-index body (`settings`, `mappings`, `aliases`)
//! composed with the index template its name selects, as `MetadataCreateIndexService` does
//! (component templates in `composed_of` order, then the template's own block, then the
//! request; mappings merged as `MapperService` merges template mappings; settings by key;
//! aliases by name, the request's first). Also `_simulate_index` and `_simulate`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::aliases::{AliasMetadata, parse_create_index_aliases, validate_alias_standalone};
use super::settings::{FlatSettings, bool_setting, parse_settings, render_settings, to_json_map};
use super::templates::{ComposableTemplate, RenderOptions, parse_index_template, unwrap_doc};
use super::{Checks, ConcreteIndex, Metadata};
use crate::api::CreateIndex;
use crate::error::{Result, StoreError};

/// A data stream's backing index name starts with this.
pub const BACKING_INDEX_PREFIX: &str = ".ds-";

/// The body of `PUT /<index>`: `CreateIndexRequest.source`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateIndexBody {
    /// Flat, `index.`-prefixed settings.
    pub settings: FlatSettings,
    /// The mapping (unwrapped from `_doc`), if given.
    pub mappings: Option<Map<String, Value>>,
    /// Aliases by name.
    pub aliases: BTreeMap<String, AliasMetadata>,
}

impl CreateIndexBody {
    /// Parses a create-index body; unknown top-level keys are Elasticsearch's
    /// `unknown key [x] for create index`.
    pub fn parse(body: &Value) -> Result<Self> {
        let mut out = Self::default();
        let map = match body {
            Value::Null => return Ok(out),
            Value::Object(map) => map,
            other => {
                return Err(StoreError::Parse(format!(
                    "request body is required, or must be an object, got {}",
                    super::xcontent::token_name(other)
                )));
            }
        };
        for (key, value) in map {
            match key.as_str() {
                "settings" => {
                    let Value::Object(obj) = value else {
                        return Err(StoreError::Parse("key [settings] must be an object".into()));
                    };
                    out.settings = parse_settings(obj)?;
                }
                "mappings" => {
                    let Value::Object(obj) = value else {
                        return Err(StoreError::MapperParsing(
                            "Failed to parse mapping: mappings must be an object".into(),
                        ));
                    };
                    let unwrapped = unwrap_doc(obj);
                    out.mappings = Some(unwrapped);
                }
                "aliases" => out.aliases = parse_create_index_aliases(value)?,
                other => {
                    return Err(StoreError::Parse(format!(
                        "unknown key [{other}] for create index"
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// An index as it will be created: composed settings, mapping and aliases.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposedIndex {
    /// The index name.
    pub name: String,
    /// The template that applied, if any.
    pub template: Option<String>,
    /// Flat settings (nulls dropped), with `index.number_of_shards`,
    /// `index.number_of_replicas` and `index.provided_name` defaulted.
    pub settings: FlatSettings,
    /// The merged mapping.
    pub mappings: Map<String, Value>,
    /// The index's aliases (none for a data stream's backing index: the template's aliases
    /// go to the data stream).
    pub aliases: BTreeMap<String, AliasMetadata>,
}

impl ComposedIndex {
    /// The backend request.
    pub fn to_create_index(&self) -> CreateIndex {
        CreateIndex {
            name: self.name.clone(),
            settings: to_json_map(&self.settings),
            mappings: if self.mappings.is_empty() {
                Value::Object(Map::new())
            } else {
                Value::Object(self.mappings.clone())
            },
        }
    }
}

/// `XContentHelper.merge` with `MapperService`'s `RawFieldMappingMerge`: `second` merged into
/// `first`. Objects merge recursively; within `properties`, two object (or nested) fields
/// merge their `properties` (keeping the first's `subobjects`) while any other pair is
/// replaced by the later definition; lists of single-key objects (`dynamic_templates`) merge
/// by key; other lists combine; any other value is replaced.
pub fn merge_mappings(first: &mut Map<String, Value>, second: &Map<String, Value>) -> Result<()> {
    merge_into(None, first, second)
}

fn merge_into(
    parent: Option<&str>,
    first: &mut Map<String, Value>,
    second: &Map<String, Value>,
) -> Result<()> {
    for (key, new_value) in second {
        let Some(base) = first.get_mut(key) else {
            first.insert(key.clone(), new_value.clone());
            continue;
        };
        match (base, new_value) {
            (Value::Object(base_map), Value::Object(new_map)) => {
                if parent == Some("properties") {
                    if should_merge_fields(base_map, new_map) {
                        let mut merged = Map::new();
                        if let Some(p) = base_map.get("properties") {
                            merged.insert("properties".into(), p.clone());
                        }
                        if let Some(s) = base_map.get("subobjects") {
                            merged.insert("subobjects".into(), s.clone());
                        }
                        merge_into(None, &mut merged, new_map)?;
                        first.insert(key.clone(), Value::Object(merged));
                    } else {
                        first.insert(key.clone(), new_value.clone());
                    }
                } else {
                    merge_into(Some(key), base_map, new_map)?;
                }
            }
            (Value::Array(base_list), Value::Array(new_list)) => {
                let merged =
                    if all_single_key_objects(base_list) && all_single_key_objects(new_list) {
                        let mut processed: Vec<(String, Map<String, Value>)> = base_list
                            .iter()
                            .filter_map(|v| v.as_object())
                            .filter_map(|m| m.keys().next().map(|k| (k.clone(), m.clone())))
                            .collect();
                        for item in new_list.iter().filter_map(|v| v.as_object()) {
                            let Some(name) = item.keys().next() else {
                                continue;
                            };
                            match processed.iter_mut().find(|(k, _)| k == name) {
                                Some((_, existing)) => merge_into(Some(key), existing, item)?,
                                None => processed.push((name.clone(), item.clone())),
                            }
                        }
                        processed
                            .into_iter()
                            .map(|(_, m)| Value::Object(m))
                            .collect()
                    } else {
                        let mut combined = new_list.clone();
                        for v in base_list.iter() {
                            if !combined.contains(v) {
                                combined.push(v.clone());
                            }
                        }
                        combined
                    };
                first.insert(key.clone(), Value::Array(merged));
            }
            (base_value, _) => {
                if key == "required" && parent == Some("_routing") && *base_value != *new_value {
                    return Err(StoreError::MapperParsing(
                        "contradicting `_routing.required` settings".into(),
                    ));
                }
                first.insert(key.clone(), new_value.clone());
            }
        }
    }
    Ok(())
}

fn all_single_key_objects(list: &[Value]) -> bool {
    list.iter()
        .all(|v| v.as_object().is_some_and(|m| m.len() == 1))
}

/// `RawFieldMappingMerge.shouldMergeFieldMappings`: both fields are `object` or `nested`
/// (a field with `properties` and no `type` is an object).
fn should_merge_fields(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    let kind = |m: &Map<String, Value>| -> Option<String> {
        match m.get("type") {
            Some(Value::String(t)) => Some(t.clone()),
            Some(_) => None,
            None => m.get("properties").map(|_| "object".to_string()),
        }
    };
    matches!(
        (kind(a).as_deref(), kind(b).as_deref()),
        (Some("object" | "nested"), Some("object" | "nested"))
    )
}

/// `DEFAULT_TIMESTAMP_MAPPING`: the lowest-precedence mapping of a backing index.
fn default_timestamp_mapping(allow_custom_routing: bool) -> Map<String, Value> {
    let mut m = Map::new();
    if allow_custom_routing {
        m.insert("_routing".into(), json!({"required": true}));
    }
    m.insert(
        "properties".into(),
        json!({"@timestamp": {"type": "date", "ignore_malformed": false}}),
    );
    m
}

/// `DataStreamTimestampFieldMapper.validate` over a raw mapping: `@timestamp` must be an
/// indexed `date` or `date_nanos` with doc values, no `null_value` and no `ignore_malformed`.
pub fn check_timestamp_mapping(mappings: &Map<String, Value>) -> Result<()> {
    let field = mappings
        .get("properties")
        .and_then(|p| p.get("@timestamp"))
        .and_then(Value::as_object);
    let bad = |what: &str| {
        Err(StoreError::IllegalArgument(format!(
            "data stream timestamp field [@timestamp] {what}"
        )))
    };
    let Some(field) = field else {
        return bad("does not exist");
    };
    let kind = field
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("object");
    if kind != "date" && kind != "date_nanos" {
        return bad(&format!(
            "is of type [{kind}], but [date,date_nanos] is expected"
        ));
    }
    let flag = |name: &str| match field.get(name) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => Some(s == "true"),
        _ => None,
    };
    if flag("index") == Some(false) {
        return bad("is not indexed");
    }
    if flag("doc_values") == Some(false) {
        return bad("doesn't have doc values");
    }
    if field.get("null_value").is_some_and(|v| !v.is_null()) {
        return bad("has disallowed [null_value] attribute specified");
    }
    if flag("ignore_malformed") == Some(true) {
        return bad("has disallowed [ignore_malformed] attribute specified");
    }
    Ok(())
}

impl Metadata {
    /// `collectMappings` merged: component mappings in order, then the template's own; for a
    /// data stream template's backing index, the default `@timestamp` mapping first and
    /// `_data_stream_timestamp` last.
    pub(crate) fn collect_and_merge_mappings(
        &self,
        template: &ComposableTemplate,
        backing_index: bool,
    ) -> Result<Map<String, Value>> {
        let mut sources: Vec<Map<String, Value>> = Vec::new();
        let data_stream = template.data_stream.filter(|_| backing_index);
        if let Some(ds) = data_stream {
            sources.push(default_timestamp_mapping(ds.allow_custom_routing));
        }
        for component in &template.composed_of {
            if let Some(m) = self
                .component_templates
                .get(component)
                .and_then(|c| c.template.mappings.clone())
            {
                sources.push(m);
            }
        }
        if let Some(m) = template.template.as_ref().and_then(|t| t.mappings.clone()) {
            sources.push(m);
        }
        if data_stream.is_some() {
            let mut snippet = Map::new();
            snippet.insert("_data_stream_timestamp".into(), json!({"enabled": true}));
            sources.push(snippet);
        }
        let mut merged = Map::new();
        for source in &sources {
            merge_mappings(&mut merged, source)?;
        }
        Ok(merged)
    }

    /// Composes what `PUT /<index>` (or auto-creation) creates `name` with, validating the
    /// aliases against the existing indices and data streams (`concrete` and the metadata).
    /// A data stream's backing index (`.ds-` name, `data_stream` template) gets the data
    /// stream settings and mapping and no aliases.
    pub fn compose_index(
        &self,
        name: &str,
        body: &CreateIndexBody,
        concrete: &[ConcreteIndex],
        checks: &dyn Checks,
        now: i64,
    ) -> Result<ComposedIndex> {
        let hidden_requested = bool_setting(&body.settings, "index.hidden")?.unwrap_or(false);
        let template_name = self.find_index_template(name, hidden_requested)?;
        self.compose_with_template(name, body, template_name, false, concrete, checks, now)
    }

    /// Composes an index with a known template (`None`: none); `backing_index` says it is a
    /// data stream's backing index, whose template was found by the data stream's name.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn compose_with_template(
        &self,
        name: &str,
        body: &CreateIndexBody,
        template_name: Option<String>,
        backing_index: bool,
        concrete: &[ConcreteIndex],
        checks: &dyn Checks,
        now: i64,
    ) -> Result<ComposedIndex> {
        let template = template_name
            .as_ref()
            .and_then(|n| self.index_templates.get(n));
        if let (Some(t), Some(n)) = (template, &template_name)
            && t.data_stream.is_some()
            && !backing_index
        {
            return Err(StoreError::IllegalArgument(format!(
                "cannot create index with name [{name}], because it matches with template [{n}] that creates data streams only, use create data stream api instead"
            )));
        }
        let mut settings = FlatSettings::new();
        if let Some(t) = template {
            settings.extend(self.resolve_settings(t));
        }
        settings.extend(body.settings.clone());
        settings.retain(|_, v| !v.is_null());
        settings
            .entry("index.number_of_shards".into())
            .or_insert_with(|| json!("1"));
        settings
            .entry("index.number_of_replicas".into())
            .or_insert_with(|| json!("1"));
        settings
            .entry("index.provided_name".into())
            .or_insert_with(|| Value::String(name.to_string()));

        let mut mappings = match template {
            Some(t) => self.collect_and_merge_mappings(t, backing_index)?,
            None => Map::new(),
        };
        if let Some(request) = &body.mappings {
            merge_mappings(&mut mappings, request)?;
        }
        if !mappings.is_empty() {
            checks.check_mappings(&mappings)?;
        }
        if template.is_some_and(|t| t.data_stream.is_some()) && backing_index {
            check_timestamp_mapping(&mappings)?;
        }

        let mut aliases: BTreeMap<String, AliasMetadata> = BTreeMap::new();
        let is_data_stream = backing_index && template.is_some_and(|t| t.data_stream.is_some());
        if !is_data_stream {
            let mut sources = vec![body.aliases.clone()];
            if let Some(t) = template {
                sources.extend(self.resolve_aliases(t));
            }
            for source in sources {
                for (alias, md) in source {
                    let resolved = resolve_alias_name(&alias, now)?;
                    aliases.entry(resolved).or_insert(md);
                }
            }
        }
        for (alias, md) in &aliases {
            validate_alias_standalone(alias, md.index_routing.as_deref())?;
            if alias == name {
                return Err(StoreError::IllegalState(format!(
                    "index, alias, and data stream names need to be unique, but the following duplicates were found [{alias} (alias of [{name}])]"
                )));
            }
            if concrete.iter().any(|c| &c.name == alias) || self.data_streams.contains_key(alias) {
                return Err(StoreError::InvalidAliasName {
                    alias: alias.clone(),
                    reason: "an index or data stream exists with the same name as the alias".into(),
                });
            }
            if let Some(filter) = &md.filter {
                checks.check_filter(filter).map_err(|_| {
                    StoreError::IllegalArgument(format!(
                        "failed to parse filter for alias [{alias}]"
                    ))
                })?;
            }
        }
        Ok(ComposedIndex {
            name: name.to_string(),
            template: template_name,
            settings,
            mappings,
            aliases,
        })
    }

    /// Records a created index's aliases (after the backend created it).
    pub fn register_index(
        &mut self,
        composed: &ComposedIndex,
        concrete: &[ConcreteIndex],
        checks: &dyn Checks,
    ) -> Result<()> {
        if composed.aliases.is_empty() {
            return Ok(());
        }
        self.add_index_aliases(&composed.name, &composed.aliases, concrete, checks)
    }

    /// `POST _index_template/_simulate_index/<name>`: the settings, mappings and aliases an
    /// index called `name` would get, and the other templates that match it. `{}` when no
    /// template matches.
    pub fn simulate_index(&self, name: &str, options: RenderOptions) -> Result<Value> {
        let Some(template_name) = self.find_index_template(name, false)? else {
            return Ok(json!({}));
        };
        let Some(template) = self.index_templates.get(&template_name) else {
            return Ok(json!({}));
        };
        let data_stream = template.data_stream.is_some();
        let resolved = self.resolved_template_json(template, data_stream, options)?;
        let overlapping = self.overlapping_json(&template_name, &template.index_patterns);
        Ok(json!({"template": resolved, "overlapping": overlapping}))
    }

    /// `POST _index_template/_simulate[/<name>]`: the template given in `body` (or the stored
    /// template `name` when there is no body) resolved with its components, and the
    /// templates whose patterns overlap it.
    pub fn simulate_template(
        &self,
        name: Option<&str>,
        body: Option<&Value>,
        options: RenderOptions,
    ) -> Result<Value> {
        let (template_name, template) = match (body, name) {
            (Some(b), n) => {
                let t = parse_index_template(b)?;
                let n = n.unwrap_or("simulate_template").to_string();
                self.validate_components_exist(&n, &t)?;
                (n, t)
            }
            (None, Some(n)) => match self.index_templates.get(n) {
                Some(t) => (n.to_string(), t.clone()),
                None => {
                    return Err(StoreError::ResourceNotFound(format!(
                        "unable to simulate template [{n}] that does not exist"
                    )));
                }
            },
            (None, None) => {
                return Err(StoreError::Validation(vec![
                    "name or content is required".into(),
                ]));
            }
        };
        let resolved =
            self.resolved_template_json(&template, template.data_stream.is_some(), options)?;
        let overlapping = self.overlapping_json(&template_name, &template.index_patterns);
        Ok(json!({"template": resolved, "overlapping": overlapping}))
    }

    fn validate_components_exist(&self, name: &str, template: &ComposableTemplate) -> Result<()> {
        let missing: Vec<&str> = template
            .required_components()
            .into_iter()
            .filter(|c| !self.component_templates.contains_key(*c))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(StoreError::InvalidIndexTemplate {
            name: name.to_string(),
            reason: format!(
                "index template [{name}] specifies component templates {} that do not exist",
                super::templates::java_list(&missing)
            ),
        })
    }

    fn resolved_template_json(
        &self,
        template: &ComposableTemplate,
        data_stream: bool,
        options: RenderOptions,
    ) -> Result<Value> {
        let mut settings = self.resolve_settings(template);
        settings.retain(|_, v| !v.is_null());
        if data_stream {
            settings.insert("index.hidden".into(), json!("true"));
        }
        let mappings = self.collect_and_merge_mappings(template, data_stream)?;
        let mut aliases: BTreeMap<String, AliasMetadata> = BTreeMap::new();
        for source in self.resolve_aliases(template) {
            for (alias, md) in source {
                aliases.entry(alias).or_insert(md);
            }
        }
        let mut out = Map::new();
        out.insert(
            "settings".into(),
            render_settings(&settings, options.flat_settings),
        );
        if !mappings.is_empty() {
            out.insert("mappings".into(), Value::Object(mappings));
        }
        out.insert(
            "aliases".into(),
            Value::Object(
                aliases
                    .iter()
                    .map(|(n, a)| (n.clone(), a.to_json()))
                    .collect(),
            ),
        );
        Ok(Value::Object(out))
    }

    /// The other composable templates whose patterns overlap `patterns`, as
    /// `[{"name":..,"index_patterns":[..]}]`.
    fn overlapping_json(&self, name: &str, patterns: &[String]) -> Value {
        let list: Vec<Value> = self
            .index_templates
            .iter()
            .filter(|(n, _)| n.as_str() != name)
            .filter(|(_, t)| {
                patterns.iter().any(|p| {
                    t.index_patterns
                        .iter()
                        .any(|q| super::templates::patterns_overlap(p, q))
                })
            })
            .map(|(n, t)| json!({"name": n, "index_patterns": t.index_patterns}))
            .collect();
        Value::Array(list)
    }
}

fn resolve_alias_name(alias: &str, now: i64) -> Result<String> {
    if !alias.starts_with('<') {
        return Ok(alias.to_string());
    }
    let at = ironstack_types::date::timestamp_from_millis(now)
        .map_err(|e| StoreError::IllegalArgument(e.to_string()))?;
    ironstack_types::date_math_name::resolve(alias, at)
        .map_err(|e| StoreError::Parse(e.to_string()))
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;
