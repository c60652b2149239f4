//! Elasticsearch mappings, index settings and index names, as pure logic over JSON: what a
//! `mappings` body means ([`Mapping::from_json`]), how `GET _mapping` prints it
//! ([`Mapping::to_json`]), how `PUT _mapping` and dynamic updates merge into it
//! ([`Mapping::merge`]), how a `_source` becomes typed values to index
//! ([`Mapping::parse_document`], dynamic mapping and templates included), and how the query
//! layer finds a field ([`Mapping::resolve`], [`Mapping::searchable_fields`]). Settings live in
//! [`settings`], name rules in [`names`].
//!
//! Nothing here touches tantivy, redb or HTTP: the engine stores the mapping as its JSON and
//! indexes what [`Mapping::parse_document`] returns.

pub mod date_format;
mod field;
mod java_text;
mod lookup;
pub mod names;
mod object;
mod parse;
mod position;
pub mod settings;
mod templates;
mod values;

use serde_json::{Map, Value};

pub use self::date_format::FieldDateFormat;
pub use self::field::{Analyzer, FieldType, Normalizer};
use self::field::{DefResult, Invalid, node_bool, node_string};
pub use self::lookup::{FieldCap, ResolvedField};
use self::object::{Mapper, ObjectMapping, parse_properties, remaining};
pub use self::settings::{IndexSettings, Settings};
use self::templates::DynamicTemplate;
use crate::document::ParsedDocument;
use crate::{Result, StoreError};

/// The `dynamic` setting of an object (inherited by its sub-objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dynamic {
    /// New fields are mapped and indexed (the default).
    #[default]
    True,
    /// New fields stay in `_source` but are neither mapped nor indexed.
    False,
    /// A new field fails the document (`strict_dynamic_mapping_exception`).
    Strict,
    /// New leaf fields become runtime fields (not indexed).
    Runtime,
}

impl Dynamic {
    fn parse(value: &Value) -> DefResult<Dynamic> {
        match value {
            Value::Bool(true) => Ok(Dynamic::True),
            Value::Bool(false) => Ok(Dynamic::False),
            other => match node_string(other).to_lowercase().as_str() {
                "true" => Ok(Dynamic::True),
                "false" => Ok(Dynamic::False),
                "strict" => Ok(Dynamic::Strict),
                "runtime" => Ok(Dynamic::Runtime),
                _ => Err(Invalid::mapper("Could not convert [dynamic] to boolean")),
            },
        }
    }

    fn to_json(self) -> Value {
        match self {
            Dynamic::True => Value::String("true".into()),
            Dynamic::False => Value::String("false".into()),
            Dynamic::Strict => Value::String("strict".into()),
            Dynamic::Runtime => Value::String("runtime".into()),
        }
    }
}

/// The `index.mapping.*` settings that govern a mapping: limits checked when it grows and
/// the index-wide defaults of `ignore_malformed` and `coerce`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappingLimits {
    /// `index.mapping.total_fields.limit` (1000).
    pub total_fields: u64,
    /// `index.mapping.total_fields.ignore_dynamic_beyond_limit` (false): drop new dynamic
    /// fields past the limit into `_ignored` instead of failing the document.
    pub ignore_dynamic_beyond_limit: bool,
    /// `index.mapping.depth.limit` (20).
    pub depth: u64,
    /// `index.mapping.nested_fields.limit` (100; no `nested` type here, kept for echo).
    pub nested_fields: u64,
    /// `index.mapping.field_name_length.limit` (unlimited).
    pub field_name_length: u64,
    /// `index.mapping.ignore_malformed` (false).
    pub ignore_malformed: bool,
    /// `index.mapping.coerce` (true).
    pub coerce: bool,
}

impl Default for MappingLimits {
    fn default() -> Self {
        Self {
            total_fields: 1000,
            ignore_dynamic_beyond_limit: false,
            depth: 20,
            nested_fields: 100,
            field_name_length: i64::MAX as u64,
            ignore_malformed: false,
            coerce: true,
        }
    }
}

/// The `_source` metadata field: whether the source is kept, and which parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceConfig {
    /// `enabled`, when given.
    pub enabled: Option<bool>,
    /// `includes` patterns.
    pub includes: Vec<String>,
    /// `excludes` patterns.
    pub excludes: Vec<String>,
}

impl SourceConfig {
    /// Whether the `_source` is stored exactly as sent (enabled, nothing included or
    /// excluded).
    pub fn keeps_source_as_sent(&self) -> bool {
        self.enabled != Some(false) && self.includes.is_empty() && self.excludes.is_empty()
    }
}

/// `dynamic_date_formats` when not given.
const DEFAULT_DYNAMIC_DATE_FORMATS: [&str; 2] = [
    date_format::DEFAULT_DATE_FORMAT,
    "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis",
];

/// The timestamp field a data stream's backing indices require.
pub const DATA_STREAM_TIMESTAMP_FIELD: &str = "@timestamp";

/// An index's mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    root: ObjectMapping,
    dynamic_templates: Option<Vec<DynamicTemplate>>,
    date_detection: Option<bool>,
    numeric_detection: Option<bool>,
    dynamic_date_formats: Option<Vec<FieldDateFormat>>,
    source: SourceConfig,
    meta: Option<Map<String, Value>>,
    routing_required: Option<bool>,
    data_stream_timestamp: Option<bool>,
    runtime: Map<String, Value>,
    limits: MappingLimits,
}

impl Default for Mapping {
    fn default() -> Self {
        Self {
            root: ObjectMapping::default(),
            dynamic_templates: None,
            date_detection: None,
            numeric_detection: None,
            dynamic_date_formats: None,
            source: SourceConfig::default(),
            meta: None,
            routing_required: None,
            data_stream_timestamp: None,
            runtime: Map::new(),
            limits: MappingLimits::default(),
        }
    }
}

impl Mapping {
    /// Reads a `mappings` body (`{"properties":..}`, optionally wrapped in `{"_doc":..}`;
    /// `{}` or `null` for none) with the default limits.
    pub fn from_json(value: &Value) -> Result<Mapping> {
        Self::from_json_with(value, MappingLimits::default())
    }

    /// Reads a `mappings` body and checks it against `limits` (the index's settings).
    pub fn from_json_with(value: &Value, limits: MappingLimits) -> Result<Mapping> {
        let mut mapping = Self::parse_definition(value).map_err(definition_error)?;
        mapping.limits = limits;
        mapping.validate()?;
        Ok(mapping)
    }

    /// The mapping as `GET /<index>/_mapping` prints it under `mappings`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        self.root.render_params(&mut out);
        if let Some(meta) = &self.meta {
            out.insert("_meta".into(), Value::Object(meta.clone()));
        }
        if let Some(enabled) = self.data_stream_timestamp {
            out.insert(
                "_data_stream_timestamp".into(),
                serde_json::json!({ "enabled": enabled }),
            );
        }
        if let Some(required) = self.routing_required {
            out.insert(
                "_routing".into(),
                serde_json::json!({ "required": required }),
            );
        }
        if self.source != SourceConfig::default() {
            let mut source = Map::new();
            if let Some(enabled) = self.source.enabled {
                source.insert("enabled".into(), Value::Bool(enabled));
            }
            for (key, list) in [
                ("includes", &self.source.includes),
                ("excludes", &self.source.excludes),
            ] {
                if !list.is_empty() {
                    source.insert(
                        key.into(),
                        Value::Array(list.iter().cloned().map(Value::String).collect()),
                    );
                }
            }
            out.insert("_source".into(), Value::Object(source));
        }
        if let Some(formats) = &self.dynamic_date_formats {
            out.insert(
                "dynamic_date_formats".into(),
                Value::Array(formats.iter().map(|f| f.spec().into()).collect()),
            );
        }
        if let Some(templates) = &self.dynamic_templates {
            out.insert(
                "dynamic_templates".into(),
                Value::Array(templates.iter().map(DynamicTemplate::to_json).collect()),
            );
        }
        if let Some(detect) = self.date_detection {
            out.insert("date_detection".into(), Value::Bool(detect));
        }
        if let Some(detect) = self.numeric_detection {
            out.insert("numeric_detection".into(), Value::Bool(detect));
        }
        if !self.runtime.is_empty() {
            let sorted: std::collections::BTreeMap<&String, &Value> = self.runtime.iter().collect();
            out.insert(
                "runtime".into(),
                Value::Object(
                    sorted
                        .into_iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
            );
        }
        self.root.render_properties(&mut out);
        Value::Object(out)
    }

    /// Whether the mapping says nothing (`GET _mapping` shows `{}`).
    pub fn is_empty(&self) -> bool {
        self.to_json().as_object().is_some_and(Map::is_empty)
    }

    /// The limits this mapping is checked against.
    pub fn limits(&self) -> MappingLimits {
        self.limits
    }

    /// Changes the limits (a `PUT _settings` on `index.mapping.*`). Like Elasticsearch, the
    /// existing mapping is not re-checked; the next change to it is.
    pub fn set_limits(&mut self, limits: MappingLimits) {
        self.limits = limits;
    }

    /// The `_source` configuration.
    pub fn source(&self) -> &SourceConfig {
        &self.source
    }

    /// Whether a data stream timestamp (`_data_stream_timestamp.enabled`) is required.
    pub fn requires_data_stream_timestamp(&self) -> bool {
        self.data_stream_timestamp == Some(true)
    }

    /// Whether documents must carry a routing value (`_routing.required`).
    pub fn routing_required(&self) -> bool {
        self.routing_required == Some(true)
    }

    /// `PUT /<index>/_mapping` and dynamic mapping updates: `update` (a mapping body) merged
    /// into this mapping, with Elasticsearch's conflict errors, then checked against the
    /// limits. This mapping is left unchanged; the merged one is returned.
    pub fn merge(&self, update: &Value) -> Result<Mapping> {
        let incoming = Self::parse_definition(update).map_err(definition_error)?;
        let mut merged = self.clone();
        merged
            .root
            .merge(&incoming.root, "")
            .map_err(StoreError::IllegalArgument)?;
        if incoming.root.enabled.is_some() {
            merged.root.enabled = incoming.root.enabled;
        }
        if incoming.dynamic_templates.is_some() {
            merged.dynamic_templates = incoming.dynamic_templates;
        }
        if incoming.date_detection.is_some() {
            merged.date_detection = incoming.date_detection;
        }
        if incoming.numeric_detection.is_some() {
            merged.numeric_detection = incoming.numeric_detection;
        }
        if incoming.dynamic_date_formats.is_some() {
            merged.dynamic_date_formats = incoming.dynamic_date_formats;
        }
        if incoming.meta.is_some() {
            merged.meta = incoming.meta;
        }
        let explicit_source = update_has(update, "_source");
        if explicit_source {
            let mut conflicts = Vec::new();
            let current = &self.source;
            let new = &incoming.source;
            let enabled = |s: &SourceConfig| s.enabled.unwrap_or(true).to_string();
            if enabled(current) != enabled(new) {
                conflicts.push(format!(
                    "Cannot update parameter [enabled] from [{}] to [{}]",
                    enabled(current),
                    enabled(new)
                ));
            }
            for (name, a, b) in [
                ("includes", &current.includes, &new.includes),
                ("excludes", &current.excludes, &new.excludes),
            ] {
                if a != b {
                    conflicts.push(format!(
                        "Cannot update parameter [{name}] from [[{}]] to [[{}]]",
                        a.join(", "),
                        b.join(", ")
                    ));
                }
            }
            if !conflicts.is_empty() {
                return Err(StoreError::IllegalArgument(format!(
                    "Mapper for [_source] conflicts with existing mapper:\n\t{}",
                    conflicts.join("\n\t")
                )));
            }
            merged.source = incoming.source;
        }
        if update_has(update, "_routing") {
            let (a, b) = (
                self.routing_required.unwrap_or(false),
                incoming.routing_required.unwrap_or(false),
            );
            if a != b {
                return Err(StoreError::IllegalArgument(format!(
                    "Mapper for [_routing] conflicts with existing mapper:\n\tCannot update parameter [required] from [{a}] to [{b}]"
                )));
            }
            merged.routing_required = incoming.routing_required;
        }
        if update_has(update, "_data_stream_timestamp") {
            let (a, b) = (
                self.data_stream_timestamp.unwrap_or(false),
                incoming.data_stream_timestamp.unwrap_or(false),
            );
            if a != b {
                return Err(StoreError::IllegalArgument(format!(
                    "Mapper for [_data_stream_timestamp] conflicts with existing mapper:\n\tCannot update parameter [enabled] from [{a}] to [{b}]"
                )));
            }
            merged.data_stream_timestamp = incoming.data_stream_timestamp;
        }
        if let Some(Value::Object(runtime)) = unwrap_doc(update).and_then(|m| m.get("runtime")) {
            for (name, definition) in runtime {
                if definition.is_null() {
                    merged.runtime.remove(name);
                } else {
                    merged.runtime.insert(name.clone(), definition.clone());
                }
            }
        }
        merged.validate()?;
        Ok(merged)
    }

    /// Parses one document's `_source` against this mapping (dynamic mapping included).
    /// `id` names the document in errors. The result lists every value to index and, when
    /// the document introduced fields, the mapping update to merge before indexing it.
    pub fn parse_document(&self, id: Option<&str>, source: &Value) -> Result<ParsedDocument> {
        parse::parse(self, id, None, source)
    }

    /// Like [`Mapping::parse_document`] from the raw bytes of the source, so that errors
    /// carry Elasticsearch's `[line:col]` position. Returns the parsed source too. Invalid
    /// JSON (a duplicate key included) is a `document_parsing_exception`.
    pub fn parse_document_bytes(
        &self,
        id: Option<&str>,
        raw: &[u8],
    ) -> Result<(Value, ParsedDocument)> {
        let source = ironstack_types::json::from_slice(raw).map_err(|e| {
            let located = format!("[{}:{}] {}", e.line, e.column, e.message);
            StoreError::DocumentParsing {
                reason: format!("[{}:{}] failed to parse: {}", e.line, e.column, e.message),
                caused_by: Some(("x_content_parse_exception".into(), located)),
            }
        })?;
        let parsed = parse::parse(self, id, Some(raw), &source)?;
        Ok((source, parsed))
    }

    /// The `_source` to store for a document: `None` when `_source.enabled` is false,
    /// otherwise the source filtered by `_source.includes`/`excludes`.
    pub fn filter_source(&self, source: &Value) -> Option<Value> {
        if self.source.enabled == Some(false) {
            return None;
        }
        if self.source.includes.is_empty() && self.source.excludes.is_empty() {
            return Some(source.clone());
        }
        Some(
            crate::query::SourceMatcher::new(&self.source.includes, &self.source.excludes)
                .filter(source),
        )
    }

    fn parse_definition(value: &Value) -> DefResult<Mapping> {
        let mut mapping = Mapping::default();
        let Some(body) = unwrap_doc(value) else {
            return match value {
                Value::Null => Ok(mapping),
                _ => Err(Invalid {
                    reason: "key [mappings] must be an object".into(),
                    cause_type: "parse_exception",
                }),
            };
        };
        let mut unsupported = Vec::new();
        for (key, v) in body {
            match key.as_str() {
                "properties" => mapping.root.properties = parse_properties(v)?,
                "dynamic" => mapping.root.dynamic = Some(Dynamic::parse(v)?),
                "enabled" => mapping.root.enabled = Some(node_bool(v)?),
                "dynamic_templates" => {
                    mapping.dynamic_templates = Some(DynamicTemplate::parse_all(v)?);
                }
                "date_detection" => mapping.date_detection = Some(node_bool(v)?),
                "numeric_detection" => mapping.numeric_detection = Some(node_bool(v)?),
                "dynamic_date_formats" => {
                    let specs: Vec<String> = match v {
                        Value::Array(items) => items.iter().map(node_string).collect(),
                        other => vec![node_string(other)],
                    };
                    mapping.dynamic_date_formats = Some(
                        specs
                            .iter()
                            .map(|s| FieldDateFormat::new(s).map_err(Invalid::argument))
                            .collect::<DefResult<Vec<_>>>()?,
                    );
                }
                "_source" => mapping.source = parse_source(v)?,
                "_meta" => match v {
                    Value::Object(meta) => mapping.meta = Some(meta.clone()),
                    Value::Null => {}
                    other => {
                        return Err(Invalid::mapper(format!(
                            "[_meta] must be an object, got {}",
                            java_text::value(other)
                        )));
                    }
                },
                "_routing" => {
                    mapping.routing_required = Some(metadata_flag("_routing", "required", v)?);
                }
                "_data_stream_timestamp" => {
                    mapping.data_stream_timestamp =
                        Some(metadata_flag("_data_stream_timestamp", "enabled", v)?);
                }
                "runtime" => mapping.runtime = parse_runtime(v)?,
                _ => unsupported.push((key, v)),
            }
        }
        if !unsupported.is_empty() {
            return Err(Invalid::mapper(format!(
                "Root mapping definition has unsupported parameters: {}",
                remaining(unsupported)
            )));
        }
        Ok(mapping)
    }

    /// The checks Elasticsearch's `MappingLookup` runs on every new mapping: aliases point
    /// at concrete fields, `copy_to` targets are plain fields, the data stream timestamp is
    /// a date, and the field count and object depth stay within the limits.
    fn validate(&self) -> Result<()> {
        let mut all = Vec::new();
        self.root.walk("", &mut all);
        let is_multi_field = |path: &str| -> bool {
            path.rsplit_once('.').is_some_and(|(parent, _)| {
                matches!(self.root.lookup(parent), Some(Mapper::Field(_)))
            })
        };
        for (path, mapper) in &all {
            match mapper {
                Mapper::Alias(alias) => {
                    let target = &alias.path;
                    let problem = if target == path {
                        Some("an alias cannot refer to itself.")
                    } else {
                        match self.lookup_leaf(target) {
                            Some(LeafRef::Alias) => Some("an alias cannot refer to another alias."),
                            Some(LeafRef::Field) => None,
                            None => {
                                Some("an alias must refer to an existing field in the mappings.")
                            }
                        }
                    };
                    if let Some(problem) = problem {
                        return Err(StoreError::MapperParsing(format!(
                            "Invalid [path] value [{target}] for field alias [{path}]: {problem}"
                        )));
                    }
                }
                Mapper::Field(field) => {
                    for (sub_name, sub) in &field.fields {
                        if !sub.copy_to.is_empty() {
                            return Err(StoreError::IllegalArgument(format!(
                                "[copy_to] may not be used to copy from a multi-field: [{path}.{sub_name}]"
                            )));
                        }
                    }
                    for target in &field.copy_to {
                        if is_multi_field(target) {
                            return Err(StoreError::IllegalArgument(format!(
                                "[copy_to] may not be used to copy to a multi-field: [{target}]"
                            )));
                        }
                        if matches!(self.root.lookup(target), Some(Mapper::Object(_))) {
                            return Err(StoreError::IllegalArgument(format!(
                                "Cannot copy to field [{target}] since it is mapped as an object"
                            )));
                        }
                    }
                }
                Mapper::Object(_) => {
                    let depth = path.matches('.').count() as u64 + 2;
                    if depth > self.limits.depth {
                        return Err(StoreError::IllegalArgument(format!(
                            "Limit of mapping depth [{}] has been exceeded due to object field [{path}]",
                            self.limits.depth
                        )));
                    }
                }
            }
            let leaf = path.rsplit('.').next().unwrap_or(path);
            if leaf.chars().count() as u64 > self.limits.field_name_length {
                return Err(StoreError::IllegalArgument(format!(
                    "Field name [{path}] is longer than the limit of [{}] characters",
                    self.limits.field_name_length
                )));
            }
        }
        if self.total_fields() as u64 > self.limits.total_fields {
            return Err(StoreError::IllegalArgument(format!(
                "Limit of total fields [{}] has been exceeded",
                self.limits.total_fields
            )));
        }
        if self.requires_data_stream_timestamp() {
            let name = DATA_STREAM_TIMESTAMP_FIELD;
            let problem = match self.root.lookup(name) {
                None => Some("does not exist".to_string()),
                Some(Mapper::Field(f))
                    if matches!(f.field_type, FieldType::Date | FieldType::DateNanos) =>
                {
                    if !f.indexed() {
                        Some("is not indexed".into())
                    } else if !f.has_doc_values() {
                        Some("doesn't have doc values".into())
                    } else if f.null_value.is_some() {
                        Some("has disallowed [null_value] attribute specified".into())
                    } else if f.ignore_malformed == Some(true) {
                        Some("has disallowed [ignore_malformed] attribute specified".into())
                    } else {
                        None
                    }
                }
                Some(other) => Some(format!(
                    "is of type [{}], but [date,date_nanos] is expected",
                    other.type_name()
                )),
            };
            if let Some(problem) = problem {
                return Err(StoreError::IllegalArgument(format!(
                    "data stream timestamp field [{name}] {problem}"
                )));
            }
        }
        Ok(())
    }

    /// Every mapper counted by `index.mapping.total_fields.limit`: objects, fields,
    /// multi-fields, aliases and runtime fields.
    pub fn total_fields(&self) -> usize {
        self.root.total_fields() + self.runtime.len()
    }

    fn dynamic_templates(&self) -> &[DynamicTemplate] {
        self.dynamic_templates.as_deref().unwrap_or(&[])
    }

    fn date_detection(&self) -> bool {
        self.date_detection.unwrap_or(true)
    }

    fn numeric_detection(&self) -> bool {
        self.numeric_detection.unwrap_or(false)
    }

    fn dynamic_date_formats(&self) -> Vec<FieldDateFormat> {
        match &self.dynamic_date_formats {
            Some(formats) => formats.clone(),
            None => DEFAULT_DYNAMIC_DATE_FORMATS
                .iter()
                .filter_map(|spec| FieldDateFormat::new(spec).ok())
                .collect(),
        }
    }

    /// The `dynamic` that applies to new fields of the object at `parent` (inherited
    /// down from the root, `true` when nobody says).
    fn dynamic_for(&self, parent: &str) -> Dynamic {
        let mut dynamic = self.root.dynamic.unwrap_or_default();
        let mut object = &self.root;
        if parent.is_empty() {
            return dynamic;
        }
        for segment in parent.split('.') {
            match object.properties.get(segment) {
                Some(Mapper::Object(child)) => {
                    if let Some(d) = child.dynamic {
                        dynamic = d;
                    }
                    object = child;
                }
                _ => break,
            }
        }
        dynamic
    }

    /// The leaf at `path`: a field (multi-fields by their full path) or an alias.
    fn lookup_leaf(&self, path: &str) -> Option<LeafRef> {
        match self.root.lookup(path) {
            Some(Mapper::Field(_)) => Some(LeafRef::Field),
            Some(Mapper::Alias(_)) => Some(LeafRef::Alias),
            Some(Mapper::Object(_)) => None,
            None => {
                let (parent, sub) = path.rsplit_once('.')?;
                match self.root.lookup(parent)? {
                    Mapper::Field(f) => f.fields.get(sub).map(|_| LeafRef::Field),
                    _ => None,
                }
            }
        }
    }
}

enum LeafRef {
    Field,
    Alias,
}

fn definition_error(invalid: Invalid) -> StoreError {
    StoreError::MappingDefinition {
        reason: invalid.reason,
        cause_type: invalid.cause_type.to_string(),
    }
}

/// The mapping body, unwrapped from a sole `_doc` key as Elasticsearch still accepts.
fn unwrap_doc(value: &Value) -> Option<&Map<String, Value>> {
    let Value::Object(map) = value else {
        return None;
    };
    match map.get("_doc") {
        Some(Value::Object(inner)) if map.len() == 1 => Some(inner),
        _ => Some(map),
    }
}

fn update_has(update: &Value, key: &str) -> bool {
    unwrap_doc(update).is_some_and(|m| m.contains_key(key))
}

fn metadata_flag(field: &str, param: &str, value: &Value) -> DefResult<bool> {
    let Value::Object(map) = value else {
        return Err(Invalid::mapper(format!(
            "[{field}] config must be an object"
        )));
    };
    let mut flag = false;
    for (key, v) in map {
        if key == param {
            flag = node_bool(v)?;
        } else {
            return Err(Invalid::mapper(format!(
                "unknown parameter [{key}] on metadata field [{field}]"
            )));
        }
    }
    Ok(flag)
}

fn parse_source(value: &Value) -> DefResult<SourceConfig> {
    let Value::Object(map) = value else {
        return Err(Invalid::mapper("[_source] config must be an object"));
    };
    let mut source = SourceConfig::default();
    for (key, v) in map {
        match key.as_str() {
            "enabled" => source.enabled = Some(node_bool(v)?),
            "includes" | "excludes" => {
                let list = match v {
                    Value::Array(items) => items.iter().map(node_string).collect(),
                    Value::Null => Vec::new(),
                    other => vec![node_string(other)],
                };
                if key == "includes" {
                    source.includes = list;
                } else {
                    source.excludes = list;
                }
            }
            other => {
                return Err(Invalid::mapper(format!(
                    "unknown parameter [{other}] on metadata field [_source]"
                )));
            }
        }
    }
    Ok(source)
}

/// The runtime field types this store accepts in `runtime` (they are echoed, never
/// indexed).
const RUNTIME_TYPES: [&str; 6] = ["boolean", "date", "double", "ip", "keyword", "long"];

fn parse_runtime(value: &Value) -> DefResult<Map<String, Value>> {
    let Value::Object(fields) = value else {
        return Err(Invalid::mapper(format!(
            "runtime mappings must be an object, got {}",
            java_text::value(value)
        )));
    };
    let mut out = Map::new();
    for (name, definition) in fields {
        if definition.is_null() {
            continue;
        }
        let Value::Object(def) = definition else {
            return Err(Invalid::mapper(format!(
                "Expected map for runtime field [{name}] definition but got a {}",
                field::java_class(definition)
            )));
        };
        let type_name = match def.get("type") {
            Some(t) => node_string(t),
            None => {
                return Err(Invalid::mapper(format!(
                    "No type specified for runtime field [{name}]"
                )));
            }
        };
        if !RUNTIME_TYPES.contains(&type_name.as_str()) {
            return Err(Invalid::mapper(format!(
                "No handler for type [{type_name}] declared on runtime field [{name}]"
            )));
        }
        out.insert(name.clone(), definition.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
