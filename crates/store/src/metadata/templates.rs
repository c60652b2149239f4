//! Composable index templates and component templates: their bodies read strictly as
//! `ComposableIndexTemplate.PARSER` / `ComponentTemplate.PARSER` read them, validated with
//! `MetadataIndexTemplateService`'s rules and texts (names and patterns, missing components,
//! same-priority overlap, hidden global templates, data streams left without a template),
//! `GET`/`HEAD`/`DELETE` as the REST actions answer them, and the selection of the template an
//! index name gets (`findV2Template`).

use std::collections::{BTreeMap, BTreeSet};

use ironstack_types::date::{format_iso_millis, timestamp_from_millis};
use ironstack_types::wildcard::simple_match;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::aliases::{AliasMetadata, parse_template_aliases, validate_alias_standalone};
use super::settings::{FlatSettings, parse_settings, render_settings};
use super::xcontent::{self, in_field};
use super::{Checks, JsonResponse, Metadata};
use crate::error::{Result, StoreError};
use crate::mapping::names::{invalid_filename_char, invalid_filename_chars_listed};

/// The `template` block of a composable or component template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Template {
    /// Flat, `index.`-prefixed settings.
    pub settings: Option<FlatSettings>,
    /// The mapping, without a `_doc` wrapper.
    pub mappings: Option<Map<String, Value>>,
    /// Aliases by name.
    pub aliases: Option<BTreeMap<String, AliasMetadata>>,
}

/// `data_stream` of a composable template.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataStreamTemplate {
    /// `hidden`.
    pub hidden: bool,
    /// `allow_custom_routing`.
    pub allow_custom_routing: bool,
}

/// A `_component_template`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComponentTemplate {
    /// `template`.
    pub template: Template,
    /// `version`.
    pub version: Option<i64>,
    /// `_meta`.
    pub meta: Option<Map<String, Value>>,
    /// `deprecated`.
    pub deprecated: Option<bool>,
    /// `created_date_millis`, set by the node.
    pub created_date: Option<i64>,
    /// `modified_date_millis`, set by the node.
    pub modified_date: Option<i64>,
}

/// An `_index_template` (composable).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComposableTemplate {
    /// `index_patterns`.
    pub index_patterns: Vec<String>,
    /// `template`.
    pub template: Option<Template>,
    /// `composed_of`.
    pub composed_of: Vec<String>,
    /// `priority`.
    pub priority: Option<i64>,
    /// `version`.
    pub version: Option<i64>,
    /// `_meta`.
    pub meta: Option<Map<String, Value>>,
    /// `data_stream`.
    pub data_stream: Option<DataStreamTemplate>,
    /// `allow_auto_create`.
    pub allow_auto_create: Option<bool>,
    /// `ignore_missing_component_templates`.
    pub ignore_missing_component_templates: Option<Vec<String>>,
    /// `deprecated`.
    pub deprecated: Option<bool>,
    /// `created_date_millis`, set by the node.
    pub created_date: Option<i64>,
    /// `modified_date_millis`, set by the node.
    pub modified_date: Option<i64>,
}

impl ComposableTemplate {
    /// `priorityOrZero`.
    pub fn priority_or_zero(&self) -> i64 {
        self.priority.unwrap_or(0)
    }

    /// Component templates that must exist (`composed_of` minus the ignorable missing ones).
    pub fn required_components(&self) -> Vec<&str> {
        let ignored = self
            .ignore_missing_component_templates
            .as_deref()
            .unwrap_or(&[]);
        self.composed_of
            .iter()
            .filter(|c| !ignored.contains(c))
            .map(String::as_str)
            .collect()
    }

    fn is_global(&self) -> bool {
        self.index_patterns.iter().any(|p| p == "*")
    }
}

/// Why a data stream field of a template is refused: ironstack runs ILM, not the data stream
/// lifecycle or failure store, and says so instead of storing settings it would ignore.
const UNSUPPORTED_TEMPLATE_FIELDS: [(&str, &str); 2] = [
    (
        "lifecycle",
        "the data stream lifecycle is not supported; manage data streams with an ILM policy (index.lifecycle.name)",
    ),
    (
        "data_stream_options",
        "data stream options (the failure store) are not supported",
    ),
];

/// Reads a `template` block (`Template.PARSER`).
pub(crate) fn parse_template_block(map: &Map<String, Value>) -> Result<Template> {
    const PARSER: &str = "template";
    let known = [
        "settings",
        "mappings",
        "aliases",
        "lifecycle",
        "data_stream_options",
    ];
    xcontent::check_fields(PARSER, map, &known)?;
    let mut out = Template::default();
    for (field, value) in map {
        match field.as_str() {
            "settings" => {
                let obj = xcontent::object(PARSER, field, value)?;
                out.settings = Some(parse_settings(obj).map_err(|e| in_field(PARSER, field, e))?);
            }
            "mappings" => {
                let obj = xcontent::object(PARSER, field, value)?;
                let unwrapped = unwrap_doc(obj);
                out.mappings = (!unwrapped.is_empty()).then_some(unwrapped);
            }
            "aliases" => {
                let obj = xcontent::object(PARSER, field, value)?;
                out.aliases =
                    Some(parse_template_aliases(obj).map_err(|e| in_field(PARSER, field, e))?);
            }
            other => {
                let reason = UNSUPPORTED_TEMPLATE_FIELDS
                    .iter()
                    .find(|(name, _)| *name == other)
                    .map_or("not supported", |(_, why)| why);
                return Err(in_field(
                    PARSER,
                    field,
                    StoreError::IllegalArgument(format!("[{other}] {reason}")),
                ));
            }
        }
    }
    Ok(out)
}

/// `wrapMappingsIfNecessary` in reverse: a mapping given as `{"_doc": {...}}` is kept as its
/// inner object.
pub(crate) fn unwrap_doc(map: &Map<String, Value>) -> Map<String, Value> {
    if map.len() == 1
        && let Some(Value::Object(inner)) = map.get("_doc")
    {
        return inner.clone();
    }
    map.clone()
}

/// Reads a `PUT _component_template/<name>` body.
pub fn parse_component_template(body: &Value) -> Result<ComponentTemplate> {
    const PARSER: &str = "component_template";
    let map = xcontent::body_object(PARSER, body)?;
    let known = [
        "template",
        "version",
        "_meta",
        "deprecated",
        "created_date_millis",
        "modified_date_millis",
    ];
    xcontent::check_fields(PARSER, map, &known)?;
    let mut out = ComponentTemplate::default();
    let mut have_template = false;
    for (field, value) in map {
        match field.as_str() {
            "template" => {
                let obj = xcontent::object(PARSER, field, value)?;
                out.template = parse_template_block(obj).map_err(|e| in_field(PARSER, field, e))?;
                have_template = true;
            }
            "version" => out.version = Some(xcontent::long(PARSER, field, value)?),
            "_meta" => out.meta = Some(xcontent::object(PARSER, field, value)?.clone()),
            "deprecated" => out.deprecated = Some(xcontent::boolean(PARSER, field, value)?),
            "created_date_millis" => out.created_date = Some(xcontent::long(PARSER, field, value)?),
            _ => out.modified_date = Some(xcontent::long(PARSER, field, value)?),
        }
    }
    if !have_template {
        return Err(xcontent::required("template"));
    }
    Ok(out)
}

/// Reads a `PUT _index_template/<name>` body.
pub fn parse_index_template(body: &Value) -> Result<ComposableTemplate> {
    const PARSER: &str = "index_template";
    let map = xcontent::body_object(PARSER, body)?;
    let known = [
        "index_patterns",
        "template",
        "composed_of",
        "priority",
        "version",
        "_meta",
        "data_stream",
        "allow_auto_create",
        "ignore_missing_component_templates",
        "deprecated",
        "created_date_millis",
        "modified_date_millis",
    ];
    xcontent::check_fields(PARSER, map, &known)?;
    let mut out = ComposableTemplate::default();
    let mut have_patterns = false;
    for (field, value) in map {
        match field.as_str() {
            "index_patterns" => {
                out.index_patterns = xcontent::string_array(PARSER, field, value)?;
                have_patterns = true;
            }
            "template" => {
                let obj = xcontent::object(PARSER, field, value)?;
                out.template =
                    Some(parse_template_block(obj).map_err(|e| in_field(PARSER, field, e))?);
            }
            "composed_of" => out.composed_of = xcontent::string_array(PARSER, field, value)?,
            "priority" => out.priority = Some(xcontent::long(PARSER, field, value)?),
            "version" => out.version = Some(xcontent::long(PARSER, field, value)?),
            "_meta" => out.meta = Some(xcontent::object(PARSER, field, value)?.clone()),
            "data_stream" => {
                let obj = xcontent::object(PARSER, field, value)?;
                out.data_stream =
                    Some(parse_data_stream_template(obj).map_err(|e| in_field(PARSER, field, e))?);
            }
            "allow_auto_create" => {
                out.allow_auto_create = Some(xcontent::boolean(PARSER, field, value)?)
            }
            "ignore_missing_component_templates" => {
                out.ignore_missing_component_templates =
                    Some(xcontent::string_array(PARSER, field, value)?)
            }
            "deprecated" => out.deprecated = Some(xcontent::boolean(PARSER, field, value)?),
            "created_date_millis" => out.created_date = Some(xcontent::long(PARSER, field, value)?),
            _ => out.modified_date = Some(xcontent::long(PARSER, field, value)?),
        }
    }
    if !have_patterns {
        return Err(xcontent::required("index_patterns"));
    }
    Ok(out)
}

fn parse_data_stream_template(map: &Map<String, Value>) -> Result<DataStreamTemplate> {
    const PARSER: &str = "data_stream_template";
    xcontent::check_fields(PARSER, map, &["hidden", "allow_custom_routing"])?;
    let mut out = DataStreamTemplate::default();
    for (field, value) in map {
        let b = xcontent::boolean(PARSER, field, value)?;
        if field == "hidden" {
            out.hidden = b;
        } else {
            out.allow_custom_routing = b;
        }
    }
    Ok(out)
}

/// How `GET` renders a template.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// `flat_settings=true`.
    pub flat_settings: bool,
    /// `human=true`: dates also as ISO strings.
    pub human: bool,
}

impl Template {
    /// `Template.toXContent`.
    pub fn to_json(&self, options: RenderOptions) -> Value {
        let mut out = Map::new();
        if let Some(settings) = &self.settings {
            out.insert(
                "settings".into(),
                render_settings(settings, options.flat_settings),
            );
        }
        if let Some(mappings) = &self.mappings
            && !mappings.is_empty()
        {
            out.insert("mappings".into(), Value::Object(mappings.clone()));
        }
        if let Some(aliases) = &self.aliases {
            let rendered: Map<String, Value> = aliases
                .iter()
                .map(|(name, a)| (name.clone(), a.to_json()))
                .collect();
            out.insert("aliases".into(), Value::Object(rendered));
        }
        Value::Object(out)
    }

    fn settings_or_empty(&self) -> FlatSettings {
        self.settings.clone().unwrap_or_default()
    }
}

fn push_dates(
    out: &mut Map<String, Value>,
    created: Option<i64>,
    modified: Option<i64>,
    human: bool,
) {
    for (millis_field, human_field, value) in [
        ("created_date_millis", "created_date", created),
        ("modified_date_millis", "modified_date", modified),
    ] {
        if let Some(ms) = value {
            if human && let Ok(at) = timestamp_from_millis(ms) {
                out.insert(human_field.into(), Value::String(format_iso_millis(at)));
            }
            out.insert(millis_field.into(), json!(ms));
        }
    }
}

impl ComponentTemplate {
    /// `ComponentTemplate.toXContent`.
    pub fn to_json(&self, options: RenderOptions) -> Value {
        let mut out = Map::new();
        out.insert("template".into(), self.template.to_json(options));
        if let Some(v) = self.version {
            out.insert("version".into(), json!(v));
        }
        if let Some(meta) = &self.meta {
            out.insert("_meta".into(), Value::Object(meta.clone()));
        }
        if let Some(d) = self.deprecated {
            out.insert("deprecated".into(), json!(d));
        }
        push_dates(
            &mut out,
            self.created_date,
            self.modified_date,
            options.human,
        );
        Value::Object(out)
    }

    fn same_content(&self, other: &ComponentTemplate) -> bool {
        self.template == other.template
            && self.version == other.version
            && self.meta == other.meta
            && self.deprecated == other.deprecated
    }
}

impl ComposableTemplate {
    /// `ComposableIndexTemplate.toXContent`.
    pub fn to_json(&self, options: RenderOptions) -> Value {
        let mut out = Map::new();
        out.insert("index_patterns".into(), json!(self.index_patterns));
        if let Some(t) = &self.template {
            out.insert("template".into(), t.to_json(options));
        }
        out.insert("composed_of".into(), json!(self.composed_of));
        if let Some(p) = self.priority {
            out.insert("priority".into(), json!(p));
        }
        if let Some(v) = self.version {
            out.insert("version".into(), json!(v));
        }
        if let Some(meta) = &self.meta {
            out.insert("_meta".into(), Value::Object(meta.clone()));
        }
        if let Some(ds) = &self.data_stream {
            out.insert(
                "data_stream".into(),
                json!({"hidden": ds.hidden, "allow_custom_routing": ds.allow_custom_routing}),
            );
        }
        if let Some(a) = self.allow_auto_create {
            out.insert("allow_auto_create".into(), json!(a));
        }
        if let Some(ignored) = &self.ignore_missing_component_templates {
            out.insert("ignore_missing_component_templates".into(), json!(ignored));
        }
        if let Some(d) = self.deprecated {
            out.insert("deprecated".into(), json!(d));
        }
        push_dates(
            &mut out,
            self.created_date,
            self.modified_date,
            options.human,
        );
        Value::Object(out)
    }

    fn same_content(&self, other: &ComposableTemplate) -> bool {
        let mut a = self.clone();
        let mut b = other.clone();
        a.created_date = None;
        a.modified_date = None;
        b.created_date = None;
        b.modified_date = None;
        a == b
    }
}

/// Java's `List.toString`: `[a, b]`.
pub(crate) fn java_list<S: AsRef<str>>(items: &[S]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Whether some index name matches both wildcard patterns (`Regex.simpleMatch` syntax, `*`
/// only): the intersection of their automata is not empty.
pub(crate) fn patterns_overlap(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Row i of reachable[i][j]: some string takes `a` to position i and `b` to position j.
    // Two rows suffice, so long patterns cost memory in one of them only.
    let mut row = vec![false; b.len() + 1];
    row[0] = true;
    for i in 0..=a.len() {
        let mut next = vec![false; b.len() + 1];
        for j in 0..=b.len() {
            if !row[j] {
                continue;
            }
            let a_char = a.get(i).copied();
            let b_char = b.get(j).copied();
            // A star of `b` may match nothing, or swallow a character of `a`.
            if b_char == Some('*') {
                row[j + 1] = true;
            }
            match (a_char, b_char) {
                // A star of `a` may match nothing.
                (Some('*'), _) => {
                    next[j] = true;
                    match b_char {
                        Some('*') | None => {}
                        Some(_) => row[j + 1] = true,
                    }
                }
                (Some(_), Some('*')) => next[j] = true,
                (Some(x), Some(y)) if x == y => next[j + 1] = true,
                _ => {}
            }
        }
        if i == a.len() {
            return row[b.len()];
        }
        row = next;
    }
    false
}

/// Whether any pattern of `a` overlaps any pattern of `b`.
fn pattern_sets_overlap(a: &[String], b: &[String]) -> bool {
    a.iter().any(|x| b.iter().any(|y| patterns_overlap(x, y)))
}

/// `MetadataIndexTemplateService.validate`: name and pattern rules, collected into one
/// `Validation Failed` message.
fn name_and_pattern_errors(name: &str, patterns: &[String]) -> Vec<String> {
    let mut errors = Vec::new();
    if name.contains(' ') {
        errors.push("name must not contain a space".to_string());
    }
    if name.contains(',') {
        errors.push("name must not contain a ','".to_string());
    }
    if name.contains('#') {
        errors.push("name must not contain a '#'".to_string());
    }
    if name.contains('*') {
        errors.push("name must not contain a '*'".to_string());
    }
    if name.starts_with('_') {
        errors.push("name must not start with '_'".to_string());
    }
    if name.to_lowercase() != name {
        errors.push("name must be lower cased".to_string());
    }
    for pattern in patterns {
        if pattern.contains(' ') {
            errors.push(format!(
                "index_patterns [{pattern}] must not contain a space"
            ));
        }
        if pattern.contains(',') {
            errors.push(format!("index_pattern [{pattern}] must not contain a ','"));
        }
        if pattern.contains('#') {
            errors.push(format!("index_pattern [{pattern}] must not contain a '#'"));
        }
        if pattern.contains(':') {
            errors.push(format!("index_pattern [{pattern}] must not contain a ':'"));
        }
        if pattern.starts_with('_') {
            errors.push(format!("index_pattern [{pattern}] must not start with '_'"));
        }
        if pattern
            .chars()
            .any(|c| c != '*' && invalid_filename_char(c))
        {
            errors.push(format!(
                "index_pattern [{pattern}] must not contain the following characters {}",
                invalid_filename_chars_listed()
            ));
        }
    }
    errors
}

/// `ValidationException.getMessage`: `Validation Failed: 1: a;2: b;`.
fn validation_message(errors: &[String]) -> String {
    StoreError::Validation(errors.to_vec()).to_string()
}

/// `MetadataIndexTemplateService.validate(name, settings, patterns, aliases)`.
fn validate_template_parts(
    name: &str,
    template: Option<&Template>,
    patterns: &[String],
    checks: &dyn Checks,
) -> Result<()> {
    let mut errors = name_and_pattern_errors(name, patterns);
    let settings = template.and_then(|t| t.settings.as_ref());
    if let Some(settings) = settings {
        errors.extend(checks.settings_errors(settings));
        if patterns.iter().any(|p| p == "*") && settings.contains_key("index.hidden") {
            errors.push("global templates may not specify the setting index.hidden".into());
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::InvalidIndexTemplate {
            name: name.to_string(),
            reason: validation_message(&errors),
        });
    }
    if let Some(aliases) = template.and_then(|t| t.aliases.as_ref()) {
        for (alias, md) in aliases {
            validate_alias_standalone(alias, md.index_routing.as_deref())?;
            if patterns.iter().any(|p| p == alias) {
                return Err(StoreError::IllegalArgument(format!(
                    "alias [{alias}] cannot be the same as any pattern in [{}]",
                    patterns.join(", ")
                )));
            }
        }
    }
    Ok(())
}

fn refuse_system_dates(name: &str, created: Option<i64>, modified: Option<i64>) -> Result<()> {
    for (value, field) in [(created, "created_date"), (modified, "modified_date")] {
        if value.is_some() {
            return Err(StoreError::InvalidIndexTemplate {
                name: name.to_string(),
                reason: format!(
                    "provided a template property which is managed by the system: {field}"
                ),
            });
        }
    }
    Ok(())
}

impl Metadata {
    /// A component template by name.
    pub fn component_template(&self, name: &str) -> Option<&ComponentTemplate> {
        self.component_templates.get(name)
    }

    /// A composable index template by name.
    pub fn index_template(&self, name: &str) -> Option<&ComposableTemplate> {
        self.index_templates.get(name)
    }

    /// Every composable index template, by name.
    pub fn index_templates(&self) -> impl Iterator<Item = (&String, &ComposableTemplate)> {
        self.index_templates.iter()
    }

    /// Every component template, by name.
    pub fn component_templates(&self) -> impl Iterator<Item = (&String, &ComponentTemplate)> {
        self.component_templates.iter()
    }

    /// `_cat/templates[/<name>]` rows for the composable templates whose name matches
    /// `pattern` (all without one).
    pub fn cat_templates(&self, pattern: Option<&str>) -> Vec<CatTemplateRow> {
        self.index_templates
            .iter()
            .filter(|(name, _)| pattern.is_none_or(|p| simple_match(p, name)))
            .map(|(name, t)| CatTemplateRow {
                name: name.clone(),
                index_patterns: format!("[{}]", t.index_patterns.join(", ")),
                order: t.priority_or_zero().to_string(),
                version: t.version.map(|v| v.to_string()),
                composed_of: format!("[{}]", t.composed_of.join(", ")),
            })
            .collect()
    }

    /// `PUT _component_template/<name>` (`create=true` refuses to replace). Validates the
    /// template alone, then every composable template that uses it, all before anything
    /// changes.
    pub fn put_component_template(
        &mut self,
        name: &str,
        body: &Value,
        create: bool,
        now: i64,
        checks: &dyn Checks,
    ) -> Result<()> {
        let mut template = parse_component_template(body)?;
        refuse_system_dates(name, template.created_date, template.modified_date)?;
        let existing = self.component_templates.get(name);
        if create && existing.is_some() {
            return Err(StoreError::IllegalArgument(format!(
                "component template [{name}] already exists"
            )));
        }
        match existing {
            Some(old) if old.same_content(&template) => return Ok(()),
            Some(old) => {
                template.created_date = old.created_date;
                template.modified_date = Some(now);
            }
            None => {
                template.created_date = Some(now);
                template.modified_date = Some(now);
            }
        }
        if let Some(mappings) = &template.template.mappings {
            checks.check_mappings(mappings)?;
        }
        validate_template_parts(name, Some(&template.template), &[], checks)?;

        let users: Vec<(String, ComposableTemplate)> = self
            .index_templates
            .iter()
            .filter(|(_, t)| t.composed_of.iter().any(|c| c == name))
            .map(|(n, t)| (n.clone(), t.clone()))
            .collect();
        if template
            .template
            .settings
            .as_ref()
            .is_some_and(|s| s.contains_key("index.hidden"))
        {
            let globals: Vec<&str> = users
                .iter()
                .filter(|(_, t)| t.is_global())
                .map(|(n, _)| n.as_str())
                .collect();
            if !globals.is_empty() {
                return Err(StoreError::IllegalArgument(format!(
                    "cannot update component template [{name}] because the following global templates would resolve to specifying the [index.hidden] setting: [{}]",
                    globals.join(",")
                )));
            }
        }
        let mut next = self.clone();
        next.component_templates.insert(name.to_string(), template);
        for (user, composable) in &users {
            next.validate_composite(user, composable, checks)
                .map_err(|e| StoreError::IllegalArgumentCaused {
                    reason: format!(
                        "updating templates [{name}] results in invalid composable template [{user}] after templates are merged"
                    ),
                    cause: Box::new(e),
                })?;
        }
        *self = next;
        Ok(())
    }

    /// `PUT _index_template/<name>`. Returns Elasticsearch's deprecation warnings (the use of
    /// deprecated component templates).
    pub fn put_index_template(
        &mut self,
        name: &str,
        body: &Value,
        create: bool,
        now: i64,
        checks: &dyn Checks,
    ) -> Result<Vec<String>> {
        let mut template = parse_index_template(body)?;
        // PutComposableIndexTemplateAction.Request.validate
        let mut request_errors = Vec::new();
        if template.is_global()
            && template
                .template
                .as_ref()
                .and_then(|t| t.settings.as_ref())
                .is_some_and(|s| s.contains_key("index.hidden"))
        {
            request_errors.push(
                "global composable templates may not specify the setting index.hidden".into(),
            );
        }
        if template.priority.is_some_and(|p| p < 0) {
            request_errors.push("index template priority must be >= 0".into());
        }
        if !request_errors.is_empty() {
            return Err(StoreError::Validation(request_errors));
        }
        self.validate_v2_template_request(name, &template)?;
        let existing = self.index_templates.get(name);
        if create && existing.is_some() {
            return Err(StoreError::IllegalArgument(format!(
                "index template [{name}] already exists"
            )));
        }
        match existing {
            Some(old) if old.same_content(&template) => return Ok(Vec::new()),
            Some(old) => {
                template.created_date = old.created_date;
                template.modified_date = Some(now);
            }
            None => {
                template.created_date = Some(now);
                template.modified_date = Some(now);
            }
        }
        self.check_same_priority_overlap(name, &template)?;
        // validateIndexTemplateV2: the template with its components' settings resolved.
        let mut resolved = template.clone();
        let mut resolved_block = template.template.clone().unwrap_or_default();
        resolved_block.settings = Some(self.resolve_settings(&template));
        resolved.template = Some(resolved_block);
        validate_template_parts(
            name,
            resolved.template.as_ref(),
            &template.index_patterns,
            checks,
        )?;
        let mut warnings = Vec::new();
        if template.deprecated != Some(true) {
            for component in &template.composed_of {
                if self
                    .component_templates
                    .get(component)
                    .is_some_and(|c| c.deprecated == Some(true))
                {
                    warnings.push(format!(
                        "index template [{name}] uses deprecated component template [{component}]"
                    ));
                }
            }
        }
        self.validate_composite(name, &template, checks)
            .map_err(|e| StoreError::IllegalArgumentCaused {
                reason: if template.composed_of.is_empty() {
                    format!("composable template [{name}] template after composition is invalid")
                } else {
                    format!(
                        "composable template [{name}] template after composition with component templates {} is invalid",
                        java_list(&template.composed_of)
                    )
                },
                cause: Box::new(e),
            })?;
        let mut next = self.clone();
        next.index_templates.insert(name.to_string(), template);
        next.check_data_streams_still_referenced(self, name)?;
        *self = next;
        Ok(warnings)
    }

    /// `validateV2TemplateRequest`: dates the node manages, a global template resolving
    /// `index.hidden`, and component templates that do not exist.
    fn validate_v2_template_request(
        &self,
        name: &str,
        template: &ComposableTemplate,
    ) -> Result<()> {
        refuse_system_dates(name, template.created_date, template.modified_date)?;
        if template.is_global() && self.resolve_settings(template).contains_key("index.hidden") {
            return Err(StoreError::InvalidIndexTemplate {
                name: name.to_string(),
                reason: "global composable templates may not specify the setting index.hidden"
                    .into(),
            });
        }
        let ignored = template
            .ignore_missing_component_templates
            .as_deref()
            .unwrap_or(&[]);
        let missing: Vec<&String> = template
            .composed_of
            .iter()
            .filter(|c| !self.component_templates.contains_key(*c) && !ignored.contains(c))
            .collect();
        if !missing.is_empty() {
            let reason = if ignored.is_empty() {
                format!(
                    "index template [{name}] specifies component templates {} that do not exist",
                    java_list(&missing)
                )
            } else {
                format!(
                    "index template [{name}] specifies a missing component templates {} that does not exist and is not part of 'ignore_missing_component_templates'",
                    java_list(&missing)
                )
            };
            return Err(StoreError::InvalidIndexTemplate {
                name: name.to_string(),
                reason,
            });
        }
        Ok(())
    }

    /// `v2TemplateOverlaps` with validation: no other template of the same priority may
    /// match an index name this one matches.
    fn check_same_priority_overlap(&self, name: &str, template: &ComposableTemplate) -> Result<()> {
        let overlaps: BTreeMap<&String, &ComposableTemplate> = self
            .index_templates
            .iter()
            .filter(|(other, _)| other.as_str() != name)
            .filter(|(_, t)| t.priority_or_zero() == template.priority_or_zero())
            .filter(|(_, t)| pattern_sets_overlap(&template.index_patterns, &t.index_patterns))
            .collect();
        if overlaps.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = overlaps.keys().map(|n| n.as_str()).collect();
        let detail: Vec<String> = overlaps
            .iter()
            .map(|(n, t)| format!("{n} => {}", java_list(&t.index_patterns)))
            .collect();
        Err(StoreError::IllegalArgument(format!(
            "index template [{name}] has index patterns {} matching patterns from existing templates [{}] with patterns ({}) that have the same priority [{}], multiple index templates may not match during index creation, please use a different priority",
            java_list(&template.index_patterns),
            names.join(","),
            detail.join(","),
            template.priority_or_zero()
        )))
    }

    /// `validateCompositeTemplate`: the composed aliases are valid, the merged mappings parse,
    /// and a data stream template maps `@timestamp` as a date.
    fn validate_composite(
        &self,
        name: &str,
        template: &ComposableTemplate,
        checks: &dyn Checks,
    ) -> Result<()> {
        for aliases in self.resolve_aliases(template) {
            for (alias, md) in aliases {
                validate_alias_standalone(&alias, md.index_routing.as_deref())?;
            }
        }
        let merged = self
            .collect_and_merge_mappings(template, true)
            .and_then(|m| {
                checks.check_mappings(&m)?;
                if template.data_stream.is_some() {
                    super::compose::check_timestamp_mapping(&m)?;
                }
                Ok(m)
            });
        merged
            .map(|_| ())
            .map_err(|e| StoreError::IllegalArgumentCaused {
                reason: format!("invalid composite mappings for [{name}]"),
                cause: Box::new(e),
            })
    }

    /// `validateDataStreamsStillReferenced`, on the metadata with the new template (`self`)
    /// against the metadata before it (`previous`).
    fn check_data_streams_still_referenced(
        &self,
        previous: &Metadata,
        changed: &str,
    ) -> Result<()> {
        let mut offending: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (stream, ds) in &self.data_streams {
            let before = previous.find_index_template_unchecked(stream, false);
            let Some(before) = before else { continue };
            if previous
                .index_templates
                .get(&before)
                .is_none_or(|t| t.data_stream.is_none())
            {
                continue;
            }
            let after = self.find_index_template_unchecked(stream, false);
            let broken = match &after {
                None => true,
                Some(t) => self
                    .index_templates
                    .get(t)
                    .is_none_or(|t| t.data_stream.is_none()),
            };
            if broken {
                let culprit = match &after {
                    Some(t) if t == changed => t.clone(),
                    _ => before.clone(),
                };
                offending.entry(culprit).or_default().insert(stream.clone());
            }
            let _ = ds;
        }
        let Some((template_name, streams)) = offending.into_iter().next() else {
            return Ok(());
        };
        let template = self.index_templates.get(&template_name);
        let patterns = template
            .map(|t| t.index_patterns.clone())
            .unwrap_or_default();
        let priority = template
            .and_then(|t| t.priority)
            .map_or("null".to_string(), |p| p.to_string());
        let no_ds = template.is_none_or(|t| t.data_stream.is_none());
        Err(StoreError::IllegalArgument(format!(
            "composable template [{template_name}] with index patterns {}, priority [{priority}] {}would cause data streams {} to no longer match a data stream template",
            java_list(&patterns),
            if no_ds {
                "and no data stream configuration "
            } else {
                ""
            },
            java_list(&streams.into_iter().collect::<Vec<_>>())
        )))
    }

    /// `GET _component_template[/<name>]`: a missing exact name is a 404 error; a pattern that
    /// matches nothing answers an empty list with 404.
    pub fn get_component_templates(
        &self,
        name: Option<&str>,
        options: RenderOptions,
    ) -> Result<JsonResponse> {
        let selected = select_by_name(&self.component_templates, name, |n| {
            StoreError::ResourceNotFound(format!("component template matching [{n}] not found"))
        })?;
        let list: Vec<Value> = selected
            .iter()
            .map(|(n, t)| json!({"name": n, "component_template": t.to_json(options)}))
            .collect();
        let status = if name.is_some() && list.is_empty() {
            404
        } else {
            200
        };
        Ok(JsonResponse {
            status,
            body: json!({"component_templates": list}),
        })
    }

    /// `HEAD _component_template/<name>`.
    pub fn component_template_exists(&self, name: &str) -> bool {
        self.component_templates
            .keys()
            .any(|n| simple_match(name, n))
    }

    /// `DELETE _component_template/<names>` (a single name may be a wildcard).
    pub fn delete_component_templates(&mut self, names: &[String]) -> Result<()> {
        let matches = |candidate: &str| {
            if names.len() > 1 {
                names.iter().any(|n| n == candidate)
            } else {
                names.first().is_some_and(|n| simple_match(n, candidate))
            }
        };
        let matching: BTreeSet<String> = self
            .component_templates
            .keys()
            .filter(|n| matches(n))
            .cloned()
            .collect();
        let mut in_use: BTreeSet<String> = BTreeSet::new();
        let mut users: Vec<String> = Vec::new();
        for (template_name, template) in &self.index_templates {
            let used: Vec<&str> = template
                .required_components()
                .into_iter()
                .filter(|c| matching.contains(*c))
                .collect();
            if !used.is_empty() {
                in_use.extend(used.into_iter().map(String::from));
                users.push(template_name.clone());
            }
        }
        if !users.is_empty() {
            return Err(StoreError::IllegalArgument(format!(
                "component templates {} cannot be removed as they are still in use by index templates {}",
                java_list(&in_use.into_iter().collect::<Vec<_>>()),
                java_list(&users)
            )));
        }
        let to_remove = resolve_names_to_remove(&self.component_templates, names, |missing| {
            StoreError::ResourceNotFound(missing)
        })?;
        for name in to_remove {
            self.component_templates.remove(&name);
        }
        Ok(())
    }

    /// `GET _index_template[/<name>]`.
    pub fn get_index_templates(
        &self,
        name: Option<&str>,
        options: RenderOptions,
    ) -> Result<JsonResponse> {
        let selected = select_by_name(&self.index_templates, name, |n| {
            StoreError::ResourceNotFound(format!("index template matching [{n}] not found"))
        })?;
        let list: Vec<Value> = selected
            .iter()
            .map(|(n, t)| json!({"name": n, "index_template": t.to_json(options)}))
            .collect();
        let status = if name.is_some() && list.is_empty() {
            404
        } else {
            200
        };
        Ok(JsonResponse {
            status,
            body: json!({"index_templates": list}),
        })
    }

    /// `HEAD _index_template/<name>`.
    pub fn index_template_exists(&self, name: &str) -> bool {
        self.index_templates.keys().any(|n| simple_match(name, n))
    }

    /// `DELETE _index_template/<names>`: refused while a data stream has no other template.
    pub fn delete_index_templates(&mut self, names: &[String]) -> Result<()> {
        let to_remove = resolve_names_to_remove(&self.index_templates, names, |missing| {
            StoreError::IndexTemplateMissing(missing)
        })?;
        let removing: BTreeSet<String> = to_remove.iter().cloned().collect();
        let using = self.data_streams_exclusively_using(&removing);
        if !using.is_empty() {
            return Err(StoreError::IllegalArgument(format!(
                "unable to remove composable templates {} as they are in use by a data streams {}",
                java_list(&removing.iter().collect::<Vec<_>>()),
                java_list(&using.iter().collect::<Vec<_>>())
            )));
        }
        for name in to_remove {
            self.index_templates.remove(&name);
        }
        Ok(())
    }

    /// `dataStreamsExclusivelyUsingTemplates`: data streams every candidate template of which
    /// is being removed.
    fn data_streams_exclusively_using(&self, templates: &BTreeSet<String>) -> BTreeSet<String> {
        let patterns: Vec<&String> = templates
            .iter()
            .filter_map(|n| self.index_templates.get(n))
            .flat_map(|t| t.index_patterns.iter())
            .collect();
        self.data_streams
            .iter()
            .filter(|(name, _)| patterns.iter().any(|p| simple_match(p, name)))
            .filter(|(name, ds)| {
                let candidates = self.candidate_templates(name, ds.hidden);
                candidates.iter().all(|(n, t)| {
                    templates.contains(*n)
                        || (t.is_global() && self.resolve_settings(t).contains_key("index.hidden"))
                })
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// `findV2CandidateTemplates`: templates whose patterns match `index`, by priority
    /// (highest first). A match-all template is skipped for a hidden index unless it makes
    /// data streams (whose backing indices are always hidden).
    pub(crate) fn candidate_templates(
        &self,
        index: &str,
        hidden: bool,
    ) -> Vec<(&String, &ComposableTemplate)> {
        let resolved = resolve_name(index);
        let mut candidates: Vec<(&String, &ComposableTemplate)> = self
            .index_templates
            .iter()
            .filter(|(_, t)| !(t.is_global() && hidden && t.data_stream.is_none()))
            .filter(|(_, t)| t.index_patterns.iter().any(|p| simple_match(p, &resolved)))
            .collect();
        candidates.sort_by(|a, b| {
            b.1.priority_or_zero()
                .cmp(&a.1.priority_or_zero())
                .then_with(|| a.0.cmp(b.0))
        });
        candidates
    }

    fn find_index_template_unchecked(&self, index: &str, hidden: bool) -> Option<String> {
        self.candidate_templates(index, hidden)
            .first()
            .map(|(n, _)| (*n).clone())
    }

    /// `findV2Template`: the name of the template an index called `index` gets (`hidden` when
    /// the create request sets `index.hidden: true`), if any. A winning global template that
    /// resolves `index.hidden` is an `illegal_state_exception`, as in Elasticsearch.
    pub fn find_index_template(&self, index: &str, hidden: bool) -> Result<Option<String>> {
        let candidates = self.candidate_templates(index, hidden);
        let Some((name, winner)) = candidates.first() else {
            return Ok(None);
        };
        if winner.is_global() && self.resolve_settings(winner).contains_key("index.hidden") {
            return Err(StoreError::IllegalState(format!(
                "global index template [{name}], composed of component templates [{}] defined the index.hidden setting, which is not allowed",
                winner.composed_of.join(",")
            )));
        }
        Ok(Some((*name).clone()))
    }

    /// `resolveSettings`: component settings in `composed_of` order, then the template's own.
    pub fn resolve_settings(&self, template: &ComposableTemplate) -> FlatSettings {
        let mut out = FlatSettings::new();
        for component in &template.composed_of {
            if let Some(c) = self.component_templates.get(component) {
                out.extend(c.template.settings_or_empty());
            }
        }
        if let Some(t) = &template.template {
            out.extend(t.settings_or_empty());
        }
        out
    }

    /// `resolveAliases`: alias maps in precedence order (the template's own first, then its
    /// components from last to first).
    pub fn resolve_aliases(
        &self,
        template: &ComposableTemplate,
    ) -> Vec<BTreeMap<String, AliasMetadata>> {
        let mut out: Vec<BTreeMap<String, AliasMetadata>> = template
            .composed_of
            .iter()
            .filter_map(|c| self.component_templates.get(c))
            .filter_map(|c| c.template.aliases.clone())
            .collect();
        if let Some(aliases) = template.template.as_ref().and_then(|t| t.aliases.clone()) {
            out.push(aliases);
        }
        out.reverse();
        out
    }
}

/// One `_cat/templates` row (`name index_patterns order version composed_of`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatTemplateRow {
    /// `name`.
    pub name: String,
    /// `index_patterns`, as `[a, b]`.
    pub index_patterns: String,
    /// `order`: the priority.
    pub order: String,
    /// `version`, empty when unset.
    pub version: Option<String>,
    /// `composed_of`, as `[a, b]`.
    pub composed_of: String,
}

/// The index name templates match: a date math expression (`<logs-{now/d}>`) is resolved
/// first; anything that does not resolve is matched as written.
fn resolve_name(index: &str) -> String {
    if index.starts_with('<') {
        let now = ironstack_types::date::now_millis();
        if let Ok(at) = timestamp_from_millis(now)
            && let Ok(resolved) = ironstack_types::date_math_name::resolve(index, at)
        {
            return resolved;
        }
    }
    index.to_string()
}

/// `GET` selection: everything, the names matching a pattern, or one exact name (missing:
/// `not_found(name)`).
fn select_by_name<'a, T>(
    all: &'a BTreeMap<String, T>,
    name: Option<&str>,
    not_found: impl Fn(&str) -> StoreError,
) -> Result<Vec<(&'a String, &'a T)>> {
    match name {
        None => Ok(all.iter().collect()),
        Some(pattern) if pattern.contains('*') => Ok(all
            .iter()
            .filter(|(n, _)| simple_match(pattern, n))
            .collect()),
        Some(exact) => match all.get_key_value(exact) {
            Some(entry) => Ok(vec![entry]),
            None => Err(not_found(exact)),
        },
    }
}

/// `innerRemove*Template`: several names must all exist (the missing ones are reported
/// comma-separated); a single name may be a wildcard, and a match-all that matches nothing is
/// not an error.
fn resolve_names_to_remove<T>(
    all: &BTreeMap<String, T>,
    names: &[String],
    missing: impl Fn(String) -> StoreError,
) -> Result<Vec<String>> {
    if names.len() > 1 {
        let absent: Vec<&str> = names
            .iter()
            .filter(|n| !all.contains_key(*n))
            .map(String::as_str)
            .collect();
        if !absent.is_empty() {
            return Err(missing(absent.join(",")));
        }
        return Ok(names.to_vec());
    }
    let Some(name) = names.first() else {
        return Ok(Vec::new());
    };
    let found: Vec<String> = all
        .keys()
        .filter(|n| simple_match(name, n))
        .cloned()
        .collect();
    if found.is_empty() && name != "*" {
        return Err(missing(name.clone()));
    }
    Ok(found)
}

#[cfg(test)]
#[path = "templates_tests.rs"]
mod tests;
